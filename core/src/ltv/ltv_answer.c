/*
 * ltv_answer.c - what the three answer checks share: the certificate and
 * its issuer, and the currency of an answer (see ltv_answer.h).
 */
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <string.h>

#include "base/time_civil.h"
#include "ltv/ltv_answer.h"
#include "ltv/ltv_cert.h"

kyso_status kyso_ltv_pair_decode(kyso_blob cert, kyso_blob issuer, X509 **x,
                                 X509 **xi, kyso_error *err) {
  kyso_status ret;
  X509 *c = NULL, *i = NULL;

  ERR_set_mark();
  ret = kyso_ltv_pair_match(cert, issuer, &c, &i, err);
  if (ret != KYSO_OK)
    goto done;
  if (X509_verify(c, X509_get0_pubkey(i)) != 1) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                         "the certificate's signature does not verify with "
                         "the issuer certificate's key");
    goto done;
  }
  *x = c;
  *xi = i;
  c = i = NULL;
  ret = KYSO_OK;
done:
  X509_free(c);
  X509_free(i);
  ERR_pop_to_mark();
  return ret;
}

void kyso_ltv_answer_clear(kyso_ltv_answer *a) {
  memset(a, 0, sizeof(*a));
  a->revocation_reason = -1;
}

int kyso_ltv_time_read(const ASN1_TIME *t, int64_t *out) {
  *out = 0;
  if (!t)
    return 0;
  return kyso_time_from_asn1(t, out);
}

kyso_status kyso_ltv_current(int64_t this_update, int has_next,
                             int64_t next_update, int64_t now, const char *what,
                             kyso_error *err) {
  char a[32], b[32];
  /* Times read from ASN.1 are within years 0..9999: no overflow. */
  if (this_update - KYSO_LTV_CLOCK_SKEW > now) {
    kyso_time_format_utc(this_update, a);
    kyso_time_format_utc(now, b);
    return kyso_error_set(err, KYSO_ERR_LTV_STALE,
                          "%s thisUpdate %s is after the time %s", what, a, b);
  }
  if (has_next && next_update + KYSO_LTV_CLOCK_SKEW < now) {
    kyso_time_format_utc(next_update, a);
    kyso_time_format_utc(now, b);
    return kyso_error_set(err, KYSO_ERR_LTV_STALE,
                          "%s expired: nextUpdate %s is before the time %s",
                          what, a, b);
  }
  if (!has_next && this_update + KYSO_LTV_FRESH_WINDOW < now) {
    kyso_time_format_utc(this_update, a);
    kyso_time_format_utc(now, b);
    return kyso_error_set(err, KYSO_ERR_LTV_STALE,
                          "%s without nextUpdate is not fresh: thisUpdate %s "
                          "is over an hour before the time %s",
                          what, a, b);
  }
  return KYSO_OK;
}

void kyso_ltv_text_copy(const unsigned char *s, size_t len, char *out,
                        size_t size) {
  size_t i, n = 0;
  if (size == 0)
    return;
  for (i = 0; s && i < len && n + 1 < size; i++)
    out[n++] = s[i] >= 0x20 && s[i] < 0x7f ? (char)s[i] : '?';
  out[n] = '\0';
}

kyso_status kyso_ltv_answer_size_check(kyso_blob answer, size_t limit,
                                       const char *limit_name, const char *what,
                                       kyso_error *err) {
  if (!answer.data || answer.len == 0)
    return kyso_error_set(err, KYSO_ERR_LTV_RESPONSE, "empty %s", what);
  if (answer.len > limit)
    return kyso_error_set(err, KYSO_ERR_LIMIT,
                          "%s of %zu bytes exceeds %s (%zu)", what, answer.len,
                          limit_name, limit);
  return KYSO_OK;
}
