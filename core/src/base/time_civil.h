/*
 * time_civil.h - calendar arithmetic and time formats shared by the signer
 * and the verifier (private); the public ones are in kyso/time.h.
 * H. Hinnant's days_from_civil / civil_from_days algorithms.
 */
#ifndef KYSO_TIME_CIVIL_H
#define KYSO_TIME_CIVIL_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/asn1.h>

/* Days since 1970-01-01 of a civil date, and back. */
int64_t kyso_days_from_civil(int64_t y, unsigned m, unsigned d);
void kyso_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

/* Splits seconds into a civil date and time of day. */
void kyso_civil_from_seconds(int64_t t, int64_t *y, unsigned *mo, unsigned *d,
                             unsigned *h, unsigned *mi, unsigned *s);

/* ISO 8601 UTC ("2024-12-11T02:30:15Z") of t into out[32]. */
void kyso_time_format_utc(int64_t t, char out[32]);
/* Parses a PDF date (7.9.4) into seconds UTC; 0 ok, -1 malformed. */
int kyso_time_parse_pdf(const char *s, size_t len, int64_t *out);

/* Seconds UTC of an ASN1_TIME (X.509 validity, CRL and timestamp times);
 * 0 ok, -1 malformed. */
int kyso_time_from_asn1(const ASN1_TIME *t, int64_t *out);

#endif
