/*
 * kyso/time.h - the times kyso reads and writes: ISO 8601 with an offset
 * (signing times shown to people, --time, --at) and seconds since 1970 UTC
 * (everything inside). Proleptic Gregorian, no time zone database, no
 * clock: the caller says what time it is.
 */
#ifndef KYSO_TIME_H
#define KYSO_TIME_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Parses exactly "YYYY-MM-DDTHH:MM:SS" then "Z" or "+HH:MM" / "-HH:MM"
 * into seconds UTC and the offset in minutes. 0 on success, -1 if the text
 * is not that shape or a field is out of range (years 1970-9999). */
int kyso_time_parse_iso8601(const char *text, int64_t *seconds,
                            int *offset_minutes);

/* Formats t in the given offset: "2024-12-11T09:30:15+07:00", or with a
 * final "Z" when offset_minutes is 0. out holds at least 32 bytes. */
void kyso_time_format_iso8601(int64_t t, int offset_minutes, char *out);

#ifdef __cplusplus
}
#endif

#endif
