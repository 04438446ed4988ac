/*
 * time_arg.h - the --time argument: ISO 8601 with an offset.
 */
#ifndef KYSO_CLI_TIME_ARG_H
#define KYSO_CLI_TIME_ARG_H

#include <stdint.h>

/* Parses "YYYY-MM-DDTHH:MM:SS" followed by "Z" or "+HH:MM"/"-HH:MM" into
 * seconds since 1970 UTC and the offset in minutes. 0 on success, -1 if the
 * text is not exactly that shape or a field is out of range. */
int kyso_time_parse(const char *text, int64_t *seconds, int *offset_minutes);

#endif
