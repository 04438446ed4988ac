/*
 * ltv_answer.h - what the three answer checks (ltv_ocsp_check.c,
 * ltv_crl_check.c, ltv_ts_check.c) share (private).
 */
#ifndef KYSO_LTV_ANSWER_H
#define KYSO_LTV_ANSWER_H

#include <openssl/x509.h>

#include "kyso/ltv.h"

/* Decodes cert and issuer (kyso_ltv_cert_decode) and checks that issuer
 * issued cert: names, key identifiers when both carry one, and cert's
 * signature under issuer's key. An answer is about (issuer name, issuer
 * key, serial): with the wrong issuer it would be about another
 * certificate. KYSO_ERR_ARGUMENT when they do not decode or match. On
 * KYSO_OK *x and *xi are set (X509_free). */
kyso_status kyso_ltv_pair_decode(kyso_blob cert, kyso_blob issuer, X509 **x,
                                 X509 **xi, kyso_error *err);

/* KYSO_ERR_LTV_RESPONSE when answer is empty, KYSO_ERR_LIMIT when it is
 * longer than limit (named limit_name in the message). what names the
 * answer ("CRL", "OCSP response", "TimeStampResp"). */
kyso_status kyso_ltv_answer_size_check(kyso_blob answer, size_t limit,
                                       const char *limit_name, const char *what,
                                       kyso_error *err);

/* Zeroes an answer, revocation_reason -1 (none). */
void kyso_ltv_answer_clear(kyso_ltv_answer *a);

/* Reads an optional time (NULL: *out 0). -1 when present and unreadable. */
int kyso_ltv_time_read(const ASN1_TIME *t, int64_t *out);

/* KYSO_ERR_LTV_STALE unless this_update <= now + KYSO_LTV_CLOCK_SKEW and,
 * when has_next, now <= next_update + KYSO_LTV_CLOCK_SKEW, when not,
 * this_update >= now - KYSO_LTV_FRESH_WINDOW (an answer without nextUpdate
 * proves status only at its thisUpdate).
 * what names the answer in the message ("OCSP response", "CRL"). */
kyso_status kyso_ltv_current(int64_t this_update, int has_next,
                             int64_t next_update, int64_t now, const char *what,
                             kyso_error *err);

/* Copies up to len bytes of s into out (size bytes, NUL-terminated),
 * printable ASCII only (others become '?'): text from a responder going
 * into a one-line message. */
void kyso_ltv_text_copy(const unsigned char *s, size_t len, char *out,
                        size_t size);

#endif
