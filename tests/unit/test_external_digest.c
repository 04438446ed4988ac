/*
 * test_external_digest.c - digests computed outside the core (the WASM
 * module hashes with WebCrypto): kyso_sig_prepare_unhashed with
 * kyso_sig_session_set_digest, and kyso_verify_options.range_digests with
 * kyso_verify_list_byte_ranges.
 *
 * The external path must give the same bytes as the internal one, a given
 * digest must really be used (a wrong one for the exact range fails the
 * signature), and a digest for any other range or algorithm must be
 * ignored.
 */
#define _POSIX_C_SOURCE 200809L
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kyso/sign.h"
#include "kyso/verify.h"
#include "test_pdf.h"
#include "test_pki.h"

#define SIGNING_TIME 1733884215 /* 2024-12-11T02:30:15Z */
#define INTEGRITY_PASSED "\"integrity\":{\"result\":\"passed\""

static uint8_t *sha256_parts(const kyso_blob *parts, size_t n) {
  uint8_t *md = malloc(32);
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  size_t i;
  int ok = md && c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1;
  for (i = 0; ok && i < n; i++)
    ok = EVP_DigestUpdate(c, parts[i].data, parts[i].len) == 1;
  ok = ok && EVP_DigestFinal_ex(c, md, NULL) == 1;
  EVP_MD_CTX_free(c);
  if (!ok) {
    free(md);
    md = NULL;
  }
  return md;
}

typedef struct signer {
  EVP_PKEY *key;
  X509 *cert;
  uint8_t *der;
  size_t der_len;
} signer;

static void options_for(kyso_sign_options *o, const signer *k) {
  kyso_sign_options_init(o);
  o->certificate.data = k->der;
  o->certificate.len = k->der_len;
  o->signing_time = SIGNING_TIME;
}

/* Signs pdf the external way; returns input + update (malloc'd) or NULL. */
static uint8_t *sign_external(const uint8_t *pdf, size_t len, const signer *k,
                              const uint8_t *expect_attrs,
                              size_t expect_attrs_len, size_t *out_len) {
  kyso_sign_options o;
  kyso_sig_session *s = NULL;
  kyso_error err;
  kyso_blob parts[3];
  const uint8_t *attrs, *update;
  size_t attrs_len = 0, sig_len = 0, update_len = 0;
  uint8_t *md = NULL, *sig = NULL, *out = NULL;

  options_for(&o, k);
  CHECK_EQ_INT(kyso_sig_prepare_unhashed(pdf, len, &o, &s, &err), KYSO_OK);
  if (!s)
    goto done;
  attrs = kyso_sig_session_get_signed_attrs(s, &attrs_len);
  CHECK_EQ_INT(attrs_len, 0); /* nothing to sign before the digest */
  CHECK_EQ_INT(kyso_sig_finish(s, (const uint8_t *)"x", 1, &err),
               KYSO_ERR_STATE);
  kyso_sig_session_get_signed_parts(s, parts);
  CHECK(parts[0].data == pdf && parts[0].len == len);
  CHECK(parts[1].len > 0 && parts[2].len > 0);
  CHECK_EQ_INT(
      kyso_sig_session_set_digest(s, (const uint8_t *)"short", 5, &err),
      KYSO_ERR_ARGUMENT);
  md = sha256_parts(parts, 3);
  CHECK(md != NULL);
  if (!md)
    goto done;
  CHECK_EQ_INT(kyso_sig_session_set_digest(s, md, 32, &err), KYSO_OK);
  CHECK_EQ_INT(kyso_sig_session_set_digest(s, md, 32, &err), KYSO_ERR_STATE);
  attrs = kyso_sig_session_get_signed_attrs(s, &attrs_len);
  /* The same SignedAttributes as the one-step prepare: same digest. */
  CHECK(attrs_len == expect_attrs_len &&
        memcmp(attrs, expect_attrs, attrs_len) == 0);
  sig = test_pki_sign(k->key, KYSO_DIGEST_SHA256, KYSO_SCHEME_AUTO, attrs,
                      attrs_len, &sig_len);
  CHECK(sig != NULL);
  if (!sig)
    goto done;
  CHECK_EQ_INT(kyso_sig_finish(s, sig, sig_len, &err), KYSO_OK);
  update = kyso_sig_session_get_update(s, &update_len);
  if (update)
    out = test_pdf_concat(pdf, len, update, update_len, out_len);

done:
  free(md);
  free(sig);
  kyso_sig_session_free(s);
  return out;
}

/* The verifier's JSON for doc with hints, malloc'd (NULL on error). */
static char *verify_json(const uint8_t *doc, size_t len, const signer *k,
                         const kyso_range_digest *hints, size_t n) {
  kyso_verify_options o;
  kyso_blob anchor = {k->der, k->der_len};
  kyso_report *r = NULL;
  kyso_error err;
  const char *json;
  size_t json_len = 0;
  char *copy = NULL;

  kyso_verify_options_init(&o);
  o.anchors = &anchor;
  o.anchor_count = 1;
  o.validation_time = SIGNING_TIME + 3600;
  o.range_digests = hints;
  o.range_digest_count = n;
  if (kyso_verify(doc, len, &o, &r, &err) != KYSO_OK)
    return NULL;
  json = kyso_report_get_json(r, &json_len);
  copy = json ? strndup(json, json_len) : NULL;
  kyso_report_free(r);
  return copy;
}

static void test_round_trip(const signer *k) {
  kyso_sign_options o;
  kyso_sig_session *s = NULL;
  kyso_error err;
  const uint8_t *attrs;
  size_t pdf_len = 0, doc_len = 0, attrs_len = 0, count = 0;
  uint8_t *pdf = test_pdf_minimal(&pdf_len), *doc = NULL, *md = NULL;
  int64_t ranges[2][4];
  kyso_range_digest hint;
  kyso_blob parts[2];
  char *plain = NULL, *hinted = NULL, *wrong = NULL, *other = NULL;

  options_for(&o, k);
  CHECK(pdf && kyso_sig_prepare(pdf, pdf_len, &o, &s, &err) == KYSO_OK);
  if (!s)
    goto done;
  attrs = kyso_sig_session_get_signed_attrs(s, &attrs_len);
  doc = sign_external(pdf, pdf_len, k, attrs, attrs_len, &doc_len);
  CHECK(doc != NULL);
  if (!doc)
    goto done;

  CHECK_EQ_INT(
      kyso_verify_list_byte_ranges(doc, doc_len, ranges, 2, &count, &err),
      KYSO_OK);
  CHECK_EQ_INT(count, 1);
  CHECK_EQ_INT(ranges[0][0], 0);
  CHECK_EQ_INT(ranges[0][2] + ranges[0][3], (int64_t)doc_len);
  CHECK_EQ_INT(kyso_verify_list_byte_ranges((const uint8_t *)"nope", 4, ranges,
                                            2, &count, &err),
               KYSO_ERR_PDF_HEADER);

  parts[0].data = doc + ranges[0][0];
  parts[0].len = (size_t)ranges[0][1];
  parts[1].data = doc + ranges[0][2];
  parts[1].len = (size_t)ranges[0][3];
  md = sha256_parts(parts, 2);
  CHECK(md != NULL);
  if (!md)
    goto done;
  memset(&hint, 0, sizeof(hint));
  memcpy(hint.byte_range, ranges[0], sizeof(hint.byte_range));
  hint.digest = KYSO_DIGEST_SHA256;
  memcpy(hint.value, md, 32);

  plain = verify_json(doc, doc_len, k, NULL, 0);
  hinted = verify_json(doc, doc_len, k, &hint, 1);
  /* No revocation data for the test signer: INDETERMINATE, but intact. */
  CHECK(plain && strstr(plain, INTEGRITY_PASSED));
  CHECK(plain && hinted && strcmp(plain, hinted) == 0);

  /* A wrong digest for the exact range is used, so the signature fails. */
  hint.value[0] ^= 1;
  wrong = verify_json(doc, doc_len, k, &hint, 1);
  CHECK(wrong && strstr(wrong, "message_digest_mismatch"));
  CHECK(wrong && !strstr(wrong, INTEGRITY_PASSED));
  CHECK(wrong && strstr(wrong, "\"indication\":\"TOTAL_FAILED\""));

  /* ...but for another range, or another algorithm, it is ignored. */
  hint.byte_range[3] -= 1;
  other = verify_json(doc, doc_len, k, &hint, 1);
  CHECK(plain && other && strcmp(plain, other) == 0);
  free(other);
  hint.byte_range[3] += 1;
  hint.digest = KYSO_DIGEST_SHA384;
  other = verify_json(doc, doc_len, k, &hint, 1);
  CHECK(plain && other && strcmp(plain, other) == 0);

done:
  free(plain);
  free(hinted);
  free(wrong);
  free(other);
  free(md);
  free(doc);
  free(pdf);
  kyso_sig_session_free(s);
}

int main(void) {
  signer k;
  memset(&k, 0, sizeof(k));
  k.key = test_pki_key_new("RSA", 2048, NULL);
  CHECK(k.key && test_pki_cert_self_signed(k.key, 7, "VN", "Nguyễn Văn A", 365,
                                           &k.cert, &k.der, &k.der_len));
  if (k.der)
    test_round_trip(&k);
  EVP_PKEY_free(k.key);
  X509_free(k.cert);
  OPENSSL_free(k.der);
  return check_summary();
}
