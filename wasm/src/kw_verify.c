/* kw_verify.c - verification for JavaScript: the byte ranges to hash
 * outside (WebCrypto), the verifier with those digests, the report; see
 * kw.h. */
#include <stdlib.h>
#include <string.h>

#include "kw.h"
#include "kyso/verify.h"

/* The /ByteRange of each signature (4 doubles each, at most max) for
 * hashing outside; the number of signatures, -1 on error. */
KW_EXPORT int kw_byte_ranges(const uint8_t *pdf, size_t len, double *out,
                             size_t max) {
  int64_t(*ranges)[4] = NULL;
  size_t count = 0, i, j;
  int ret = -1;

  kyso_error_clear(&kw_last_error);
  if (max > 0) {
    ranges = calloc(max, sizeof(*ranges));
    if (!ranges) {
      kw_fail(KYSO_ERR_NO_MEMORY, "out of memory");
      goto done;
    }
  }
  if (kyso_verify_list_byte_ranges(pdf, len, ranges, max, &count,
                                   &kw_last_error) != KYSO_OK)
    goto done;
  for (i = 0; i < count && i < max; i++)
    for (j = 0; j < 4; j++)
      out[i * 4 + j] = (double)ranges[i][j];
  ret = (int)count;

done:
  free(ranges);
  return ret;
}

/* Verifies pdf (borrowed) at validation_time (seconds since 1970 UTC).
 * x (may be NULL): validation data from outside the document, its
 * certificates for paths after t's intermediates, its CRLs and OCSP
 * responses as the verifier's extra data. hint_count digests computed
 * outside: ranges (4 doubles each), digests (kyso_digest each) and values
 * (64 bytes each). */
KW_EXPORT kyso_report *kw_verify(const uint8_t *pdf, size_t len,
                                 const kw_trust *t, const kw_extra *x,
                                 double validation_time, const double *ranges,
                                 const int *digests, const uint8_t *values,
                                 size_t hint_count) {
  kyso_verify_options opt;
  kyso_report *report = NULL;
  kyso_range_digest *hints = NULL;
  kyso_blob *paths = NULL;
  size_t i, j;

  kyso_error_clear(&kw_last_error);
  kyso_verify_options_init(&opt);
  opt.validation_time = (int64_t)validation_time;
  if (t) {
    opt.anchors = t->anchors;
    opt.anchor_count = t->anchor_count;
  }
  if (!kw_paths_certs(t, x, &paths, &opt.intermediate_count))
    goto done;
  opt.intermediates = paths;
  if (x) {
    opt.extra_crls = x->item[KW_EXTRA_CRL];
    opt.extra_crl_count = x->count[KW_EXTRA_CRL];
    opt.extra_ocsps = x->item[KW_EXTRA_OCSP];
    opt.extra_ocsp_count = x->count[KW_EXTRA_OCSP];
    opt.extra_fetched = x->fetched;
  }
  if (hint_count > 0) {
    hints = calloc(hint_count, sizeof(*hints));
    if (!hints) {
      kw_fail(KYSO_ERR_NO_MEMORY, "out of memory");
      goto done;
    }
    for (i = 0; i < hint_count; i++) {
      for (j = 0; j < 4; j++)
        hints[i].byte_range[j] = (int64_t)ranges[i * 4 + j];
      hints[i].digest = (kyso_digest)digests[i];
      memcpy(hints[i].value, values + i * 64, 64);
    }
    opt.range_digests = hints;
    opt.range_digest_count = hint_count;
  }
  if (kyso_verify(pdf, len, &opt, &report, &kw_last_error) != KYSO_OK)
    report = NULL;

done:
  free(hints);
  free(paths);
  return report;
}

KW_EXPORT const char *kw_report_json(const kyso_report *r) {
  size_t len;
  return kyso_report_get_json(r, &len);
}

KW_EXPORT const char *kw_report_text(kyso_report *r, const char *lang) {
  const char *text = kyso_report_get_text(r, lang);
  if (!text)
    kw_fail(KYSO_ERR_NO_MEMORY, "out of memory");
  return text;
}

KW_EXPORT int kw_report_overall(const kyso_report *r) {
  return (int)kyso_report_get_overall(r);
}

KW_EXPORT int kw_report_count(const kyso_report *r) {
  return (int)kyso_report_get_signature_count(r);
}

KW_EXPORT void kw_report_free(kyso_report *r) {
  kyso_report_free(r);
}
