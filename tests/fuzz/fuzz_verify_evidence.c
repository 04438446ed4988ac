/*
 * fuzz_verify_evidence.c - libFuzzer target: revocation data about a
 * signer, signed by the signer's CA, through the verifier (check_crl,
 * check_ocsp: supplied as kyso_verify_options.extra_*, or in the file's
 * /DSS) and through kyso_ltv_crl_check / kyso_ltv_ocsp_check. Random bytes
 * as a whole answer rarely get past the signature (fuzz_ltv_answers.c);
 * here the fuzzed bytes are the to-be-signed part, which the target signs
 * with the CA key (fuzz_evidence_pki.h), so scope, extensions, entries,
 * times and statuses are what is fuzzed. Must never crash or leak, and
 * never make kyso_verify fail on the document.
 *
 * Input: the first octet: bit 0 the kind (0 CRL: a tbsCertList, 1 OCSP: a
 * tbsResponseData), bit 1 where (0 supplied, 1 in the DSS); the rest are
 * the to-be-signed bytes. Seeds: fuzz_evidence_seed.c, at build time.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_evidence_pki.h"
#include "kyso/dss.h"
#include "kyso/ltv.h"
#include "kyso/verify.h"
#include "test_pdf.h"
#include "test_pki.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static fuzz_ev_pki pki;
static uint8_t *base, *root_der, *leaf_der;
static size_t base_len, root_len, leaf_len;

static void init_once(void) {
  kyso_sign_options o;
  int n;
  if (base)
    return;
  fuzz_ev_pki_make(&pki);
  n = i2d_X509(pki.root, &root_der);
  root_len = n > 0 ? (size_t)n : 0;
  n = i2d_X509(pki.leaf, &leaf_der);
  leaf_len = n > 0 ? (size_t)n : 0;
  base = test_pdf_minimal(&base_len);
  kyso_sign_options_init(&o);
  o.certificate.data = leaf_der;
  o.certificate.len = leaf_len;
  o.signing_time = FUZZ_EV_SIGNING;
  if (!root_len || !leaf_len || !base ||
      !test_pki_sign_pdf(&base, &base_len, &o, pki.leaf_key))
    abort();
}

/* Verifies pdf with the item supplied (or not); the signature's
 * indication, -1 when kyso_verify refused the supplied item. */
static int verify(const uint8_t *pdf, size_t len, const kyso_blob *item,
                  int ocsp) {
  kyso_blob anchor = {root_der, root_len};
  kyso_verify_options o;
  kyso_report *report = NULL;
  kyso_error err;
  kyso_status st;

  kyso_verify_options_init(&o);
  o.anchors = &anchor;
  o.anchor_count = 1;
  o.validation_time = FUZZ_EV_NOW;
  if (item && ocsp) {
    o.extra_ocsps = item;
    o.extra_ocsp_count = 1;
  } else if (item) {
    o.extra_crls = item;
    o.extra_crl_count = 1;
  }
  st = kyso_verify(pdf, len, &o, &report, &err);
  /* A supplied item that does not decode is the caller's error
   * (KYSO_ERR_ARGUMENT); anything else in the document is never one. */
  if (st != KYSO_OK && !(item && st == KYSO_ERR_ARGUMENT))
    abort();
  if (st != KYSO_OK)
    return -1;
  (void)kyso_report_get_text(report, "en");
#ifdef FUZZ_EV_DEBUG
  {
    const char *j = kyso_report_get_json(report, NULL), *r;
    r = j ? strstr(j, "\"revocation\":{") : NULL;
    fprintf(stderr, "%.300s\n", r ? r : "(no revocation)");
  }
#endif
  {
    int ind = (int)kyso_report_get_indication(report, 0);
    kyso_report_free(report);
    return ind;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  kyso_blob leaf, root, none = {NULL, 0}, item;
  kyso_ltv_answer a;
  kyso_error err;
  uint8_t *wrapped, *update = NULL, *doc;
  size_t wlen = 0, ulen = 0;
  kyso_status st;
  int ocsp, in_dss, must_fail, ind = -1;

  if (size < 1)
    return 0;
  init_once();
  ocsp = data[0] & 1;
  in_dss = (data[0] >> 1) & 1;
  wrapped = fuzz_ev_wrap(pki.root_key, data + 1, size - 1, ocsp, &wlen);
  if (!wrapped)
    return 0;
  leaf.data = leaf_der;
  leaf.len = leaf_len;
  root.data = root_der;
  root.len = root_len;
  item.data = wrapped;
  item.len = wlen;
  st = ocsp ? kyso_ltv_ocsp_check(item, leaf, root, none, FUZZ_EV_NOW, &a, &err)
            : kyso_ltv_crl_check(item, leaf, root, FUZZ_EV_NOW, &a, &err);
  /* What the answer checks accept as a revocation before the signing
   * time, the verifier must find too (verify_evidence.c: the same rules). */
  must_fail = st == KYSO_OK && a.status == KYSO_LTV_REVOKED &&
              a.revocation_time <= FUZZ_EV_SIGNING;
  if (!in_dss) {
    ind = verify(base, base_len, &item, ocsp);
  } else if (kyso_dss_append(base, base_len, NULL, 0, ocsp ? NULL : &item,
                             ocsp ? 0 : 1, ocsp ? &item : NULL, ocsp ? 1 : 0,
                             &update, &ulen, &err) == KYSO_OK &&
             update) {
    doc = malloc(base_len + ulen);
    if (doc) {
      memcpy(doc, base, base_len);
      memcpy(doc + base_len, update, ulen);
      ind = verify(doc, base_len + ulen, NULL, ocsp);
      free(doc);
    }
  }
  if (must_fail && ind >= 0 && ind != (int)KYSO_INDICATION_TOTAL_FAILED)
    abort();
  free(update);
  free(wrapped);
  return 0;
}
