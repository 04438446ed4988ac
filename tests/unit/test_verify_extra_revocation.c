/*
 * test_verify_extra_revocation.c - revocation data from outside the file
 * (kyso_verify_options.extra_crls / extra_ocsps), end to end through
 * kyso_verify: a B-B signature by a leaf of root -> sub-CA, verified with
 * OCSP responses and CRLs built here with OpenSSL.
 *
 * Each row: what is supplied (and embedded), the indication, the
 * revocation reason, and what revocation_evidence must say (status,
 * source). Then the limits and malformed items, and the text report.
 */
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kyso/dss.h"
#include "kyso/limits.h"
#include "kyso/verify.h"
#include "test_pdf.h"
#include "test_pki.h"

/* 2025-01-15T00:00:00Z signing; 2025-06-01 "now"; fetched 2025-05-31
 * (thisUpdate; OpenSSL stamps producedAt with the real clock). */
#define T_SIGN ((int64_t)1736899200)
#define T_NOW ((int64_t)1748736000)
#define T_FETCH (T_NOW - 86400)
#define DAY ((int64_t)86400)
#define YEAR (365 * DAY)

typedef struct der {
  uint8_t *data;
  size_t len;
} der;

static EVP_PKEY *root_key, *sub_key, *leaf_key, *resp_key;
static X509 *root, *sub, *leaf, *responder, *foreign_responder;
static der root_der, sub_der, leaf_der;

static der der_of_cert(X509 *x) {
  der d = {NULL, 0};
  int n = i2d_X509(x, &d.data);
  if (n <= 0)
    abort();
  d.len = (size_t)n;
  return d;
}

static X509 *new_cert(const char *cn, X509 *issuer, EVP_PKEY *issuer_key,
                      EVP_PKEY *key, const char *basic, const char *ku,
                      const char *eku) {
  static long serial = 1000;
  int64_t nb = 1577836800; /* 2020 */
  X509 *x = X509_new();
  X509_NAME *name = X509_NAME_new();
  if (!x || !name)
    abort();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
  X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC,
                             (const unsigned char *)"VN", -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             (const unsigned char *)cn, -1, -1, 0);
  X509_set_subject_name(x, name);
  X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
  X509_NAME_free(name);
  ASN1_TIME_set(X509_getm_notBefore(x), (time_t)nb);
  ASN1_TIME_set(X509_getm_notAfter(x), (time_t)(nb + 15 * YEAR));
  X509_set_pubkey(x, key);
  test_pki_add_ext(x, issuer, NID_subject_key_identifier, "hash");
  if (issuer)
    test_pki_add_ext(x, issuer, NID_authority_key_identifier, "keyid:always");
  test_pki_add_ext(x, issuer, NID_basic_constraints, basic);
  test_pki_add_ext(x, issuer, NID_key_usage, ku);
  if (eku)
    test_pki_add_ext(x, issuer, NID_ext_key_usage, eku);
  if (!X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()))
    abort();
  return x;
}

static void pki_build(void) {
  root_key = test_pki_key_new("EC", 0, "P-256");
  sub_key = test_pki_key_new("EC", 0, "P-256");
  leaf_key = test_pki_key_new("EC", 0, "P-256");
  resp_key = test_pki_key_new("EC", 0, "P-256");
  if (!root_key || !sub_key || !leaf_key || !resp_key)
    abort();
  root = new_cert("Extra Test Root", NULL, NULL, root_key, "critical,CA:TRUE",
                  "critical,keyCertSign,cRLSign", NULL);
  sub = new_cert("Extra Test Sub CA", root, root_key, sub_key,
                 "critical,CA:TRUE,pathlen:0", "critical,keyCertSign,cRLSign",
                 NULL);
  leaf =
      new_cert("Nguyen Van Extra", sub, sub_key, leaf_key, "critical,CA:FALSE",
               "critical,digitalSignature,nonRepudiation", NULL);
  /* Delegated by the sub-CA (RFC 6960 4.2.2.2). */
  responder =
      new_cert("Extra OCSP Responder", sub, sub_key, resp_key,
               "critical,CA:FALSE", "critical,digitalSignature", "OCSPSigning");
  /* id-kp-OCSPSigning, but issued by the root: not the leaf's issuer. */
  foreign_responder =
      new_cert("Foreign OCSP Responder", root, root_key, resp_key,
               "critical,CA:FALSE", "critical,digitalSignature", "OCSPSigning");
  root_der = der_of_cert(root);
  sub_der = der_of_cert(sub);
  leaf_der = der_of_cert(leaf);
}

/* An OCSPResponse (DER) about leaf, signed by signer. */
static der new_ocsp(X509 *signer, EVP_PKEY *key, int status, int64_t revoked,
                    int64_t this_update) {
  OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
  OCSP_CERTID *id = OCSP_cert_to_id(EVP_sha1(), leaf, sub);
  ASN1_TIME *rt = ASN1_TIME_new(), *tu = ASN1_TIME_new(), *nu = ASN1_TIME_new();
  STACK_OF(X509) *certs = sk_X509_new_null();
  OCSP_RESPONSE *resp;
  der d = {NULL, 0};
  int n;
  if (!bs || !id || !rt || !tu || !nu || !certs)
    abort();
  ASN1_TIME_set(rt, (time_t)revoked);
  ASN1_TIME_set(tu, (time_t)this_update);
  ASN1_TIME_set(nu, (time_t)(this_update + 7 * DAY));
  if (!OCSP_basic_add1_status(bs, id, status,
                              status == V_OCSP_CERTSTATUS_REVOKED
                                  ? OCSP_REVOKED_STATUS_KEYCOMPROMISE
                                  : -1,
                              status == V_OCSP_CERTSTATUS_REVOKED ? rt : NULL,
                              tu, nu))
    abort();
  sk_X509_push(certs, signer);
  if (!OCSP_basic_sign(bs, signer, key, EVP_sha256(), certs, 0))
    abort();
  resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs);
  n = resp ? i2d_OCSP_RESPONSE(resp, &d.data) : 0;
  if (n <= 0)
    abort();
  d.len = (size_t)n;
  OCSP_RESPONSE_free(resp);
  OCSP_BASICRESP_free(bs);
  OCSP_CERTID_free(id);
  ASN1_TIME_free(rt);
  ASN1_TIME_free(tu);
  ASN1_TIME_free(nu);
  sk_X509_free(certs);
  return d;
}

/* A CRL (DER) of the sub-CA, listing leaf when revoked is not 0. */
static der new_crl(int64_t this_update, int64_t revoked) {
  X509_CRL *crl = X509_CRL_new();
  ASN1_TIME *t = ASN1_TIME_new();
  der d = {NULL, 0};
  int n;
  if (!crl || !t)
    abort();
  X509_CRL_set_version(crl, 1);
  X509_CRL_set_issuer_name(crl, X509_get_subject_name(sub));
  ASN1_TIME_set(t, (time_t)this_update);
  X509_CRL_set1_lastUpdate(crl, t);
  ASN1_TIME_set(t, (time_t)(this_update + 7 * DAY));
  X509_CRL_set1_nextUpdate(crl, t);
  if (revoked) {
    X509_REVOKED *r = X509_REVOKED_new();
    ASN1_TIME_set(t, (time_t)revoked);
    X509_REVOKED_set_serialNumber(r,
                                  (ASN1_INTEGER *)X509_get0_serialNumber(leaf));
    X509_REVOKED_set_revocationDate(r, t);
    X509_CRL_add0_revoked(crl, r);
  }
  X509_CRL_sort(crl);
  if (!X509_CRL_sign(crl, sub_key, EVP_sha256()))
    abort();
  n = i2d_X509_CRL(crl, &d.data);
  if (n <= 0)
    abort();
  d.len = (size_t)n;
  X509_CRL_free(crl);
  ASN1_TIME_free(t);
  return d;
}

/* A minimal PDF signed (B-B) by leaf, the sub-CA in the CMS. */
static uint8_t *signed_pdf(size_t *len) {
  kyso_sign_options o;
  kyso_blob chain = {sub_der.data, sub_der.len};
  uint8_t *data = test_pdf_minimal(len);
  kyso_sign_options_init(&o);
  o.certificate.data = leaf_der.data;
  o.certificate.len = leaf_der.len;
  o.chain = &chain;
  o.chain_count = 1;
  o.signing_time = T_SIGN;
  if (!data || !test_pki_sign_pdf(&data, len, &o, leaf_key))
    abort();
  return data;
}

/* ---- the rows --------------------------------------------------------- */

typedef struct extra_case {
  const char *name;
  der *crls;
  size_t ncrls;
  der *ocsps;
  size_t nocsps;
  int fetched;
  int embed_crl; /* a good CRL in the file's DSS */
  kyso_indication indication;
  const char *revocation_reason;
  const char *evidence; /* expected in the JSON */
  const char *detail;   /* expected in the revocation detail, or NULL */
} extra_case;

static kyso_report *verify_with(const uint8_t *pdf, size_t len, der *crls,
                                size_t ncrls, der *ocsps, size_t nocsps,
                                int fetched, kyso_status *status) {
  kyso_blob anchors[1], c[8], o[8];
  kyso_verify_options opt;
  kyso_report *rep = NULL;
  kyso_error err;
  size_t i;

  anchors[0] = (kyso_blob){root_der.data, root_der.len};
  for (i = 0; i < ncrls && i < 8; i++)
    c[i] = (kyso_blob){crls[i].data, crls[i].len};
  for (i = 0; i < nocsps && i < 8; i++)
    o[i] = (kyso_blob){ocsps[i].data, ocsps[i].len};
  kyso_verify_options_init(&opt);
  CHECK(opt.extra_crls == NULL && opt.extra_crl_count == 0 &&
        opt.extra_ocsps == NULL && opt.extra_ocsp_count == 0 &&
        opt.extra_fetched == 0);
  opt.anchors = anchors;
  opt.anchor_count = 1;
  opt.validation_time = T_NOW;
  opt.extra_crls = ncrls ? c : NULL;
  opt.extra_crl_count = ncrls;
  opt.extra_ocsps = nocsps ? o : NULL;
  opt.extra_ocsp_count = nocsps;
  opt.extra_fetched = fetched;
  kyso_error_clear(&err);
  *status = kyso_verify(pdf, len, &opt, &rep, &err);
  return rep;
}

static int json_has(const char *json, const char *s, const char *name) {
  int ok = json && strstr(json, s) != NULL;
  if (!ok)
    fprintf(stderr, "  %s: report lacks %s\n%s\n", name, s,
            json ? json : "(null)");
  return ok;
}

static void run_case(const extra_case *c, const uint8_t *pdf, size_t len) {
  kyso_status st;
  kyso_report *rep = verify_with(pdf, len, c->crls, c->ncrls, c->ocsps,
                                 c->nocsps, c->fetched, &st);
  char want[160];
  const char *json;

  CHECK_EQ_INT(st, KYSO_OK);
  if (!rep) {
    fprintf(stderr, "  %s: no report\n", c->name);
    return;
  }
  json = kyso_report_get_json(rep, NULL);
  if (kyso_report_get_indication(rep, 0) != c->indication)
    fprintf(stderr, "  %s: indication %d\n%s\n", c->name,
            (int)kyso_report_get_indication(rep, 0), json);
  CHECK_EQ_INT(kyso_report_get_indication(rep, 0), c->indication);
  snprintf(want, sizeof(want),
           "\"revocation\":{\"result\":\"%s\",\"reason\":\"%s\"",
           c->indication == KYSO_INDICATION_TOTAL_PASSED   ? "passed"
           : c->indication == KYSO_INDICATION_TOTAL_FAILED ? "failed"
                                                           : "indeterminate",
           c->revocation_reason);
  CHECK(json_has(json, want, c->name));
  CHECK(json_has(json, c->evidence, c->name));
  if (c->detail)
    CHECK(json_has(json, c->detail, c->name));
  kyso_report_free(rep);
}

static uint8_t *with_dss(const uint8_t *pdf, size_t len, der crl,
                         size_t *out_len) {
  kyso_blob b = {crl.data, crl.len};
  uint8_t *update = NULL, *out;
  size_t ulen = 0;
  kyso_error err;
  if (kyso_dss_append(pdf, len, NULL, 0, &b, 1, NULL, 0, &update, &ulen,
                      &err) != KYSO_OK ||
      !update)
    abort();
  out = malloc(len + ulen);
  if (!out)
    abort();
  memcpy(out, pdf, len);
  memcpy(out + len, update, ulen);
  free(update);
  *out_len = len + ulen;
  return out;
}

static void test_rows(void) {
  size_t len, dlen;
  uint8_t *pdf = signed_pdf(&len), *pdf_dss;
  der good = new_ocsp(responder, resp_key, V_OCSP_CERTSTATUS_GOOD, 0, T_FETCH);
  der by_ca = new_ocsp(sub, sub_key, V_OCSP_CERTSTATUS_GOOD, 0, T_FETCH);
  der foreign =
      new_ocsp(foreign_responder, resp_key, V_OCSP_CERTSTATUS_GOOD, 0, T_FETCH);
  der revoked = new_ocsp(responder, resp_key, V_OCSP_CERTSTATUS_REVOKED,
                         T_SIGN - 30 * DAY, T_FETCH);
  der unknown =
      new_ocsp(responder, resp_key, V_OCSP_CERTSTATUS_UNKNOWN, 0, T_FETCH);
  der crl_good = new_crl(T_FETCH, 0);
  der crl_revoked = new_crl(T_FETCH, T_SIGN - 10 * DAY);
  /* Current at T_NOW: the signature has no timestamp, so "not revoked"
   * must speak for the validation time (ETSI EN 319 102-1, red team F2). */
  der crl_embedded = new_crl(T_NOW - 2 * DAY, 0);
  /* Current at T_SIGN only: expired before the validation time. */
  der crl_signing = new_crl(T_SIGN + DAY, 0);
  /* From a responder whose clock is 2 minutes ahead; an hour ahead. */
  der ahead =
      new_ocsp(responder, resp_key, V_OCSP_CERTSTATUS_GOOD, 0, T_NOW + 120);
  der future =
      new_ocsp(responder, resp_key, V_OCSP_CERTSTATUS_GOOD, 0, T_NOW + 3600);
  const kyso_indication P = KYSO_INDICATION_TOTAL_PASSED,
                        I = KYSO_INDICATION_INDETERMINATE,
                        F = KYSO_INDICATION_TOTAL_FAILED;
  extra_case rows[] = {
      {"nothing supplied", NULL, 0, NULL, 0, 1, 0, I, "revocation_unknown",
       "\"status\":\"none\",\"type\":null,\"source\":null", NULL},
      {"OCSP good, fetched", NULL, 0, &good, 1, 1, 0, P, "ok",
       "\"status\":\"good\",\"type\":\"ocsp\",\"source\":\"fetched\","
       "\"this_update\":\"2025-05-31T00:00:00Z\",\"produced_at\":\"20",
       "not revoked (ocsp fetched, thisUpdate 2025-05-31T00:00:00Z)"},
      {"OCSP good, loaded", NULL, 0, &good, 1, 0, 0, P, "ok",
       "\"status\":\"good\",\"type\":\"ocsp\",\"source\":\"loaded\"",
       "(ocsp loaded,"},
      {"OCSP signed by the CA itself", NULL, 0, &by_ca, 1, 1, 0, P, "ok",
       "\"source\":\"fetched\"", NULL},
      {"OCSP from a responder the issuer did not delegate", NULL, 0, &foreign,
       1, 1, 0, I, "revocation_data_invalid",
       "\"status\":\"invalid\",\"type\":\"ocsp\",\"source\":\"fetched\","
       "\"this_update\":null",
       "not issued by the certificate's issuer (fetched)"},
      {"OCSP revoked before signing", NULL, 0, &revoked, 1, 1, 0, F, "revoked",
       "\"status\":\"revoked\",\"type\":\"ocsp\",\"source\":\"fetched\","
       "\"this_update\":\"2025-05-31T00:00:00Z\"",
       NULL},
      {"OCSP thisUpdate 2 min after now (clock skew)", NULL, 0, &ahead, 1, 1, 0,
       P, "ok", "\"this_update\":\"2025-06-01T00:02:00Z\"", NULL},
      {"OCSP thisUpdate an hour after now", NULL, 0, &future, 1, 1, 0, I,
       "revocation_data_invalid", "\"status\":\"invalid\"",
       "after the validation time (fetched)"},
      {"OCSP unknown", NULL, 0, &unknown, 1, 1, 0, I, "revocation_unknown",
       "\"status\":\"none\"", "OCSP answered unknown"},
      {"CRL good, loaded", &crl_good, 1, NULL, 0, 0, 0, P, "ok",
       "\"status\":\"good\",\"type\":\"crl\",\"source\":\"loaded\","
       "\"this_update\":\"2025-05-31T00:00:00Z\","
       "\"produced_at\":\"2025-05-31T00:00:00Z\",\"revoked_at\":null",
       NULL},
      {"CRL listing the certificate", &crl_revoked, 1, NULL, 0, 0, 0, F,
       "revoked",
       "\"status\":\"revoked\",\"type\":\"crl\",\"source\":\"loaded\","
       "\"this_update\":\"2025-05-31T00:00:00Z\","
       "\"produced_at\":\"2025-05-31T00:00:00Z\","
       "\"revoked_at\":\"2025-01-05T00:00:00Z\"",
       NULL},
      {"a revocation anywhere counts: good CRL + revoked OCSP", &crl_good, 1,
       &revoked, 1, 1, 0, F, "revoked", "\"status\":\"revoked\"", NULL},
  };
  size_t i;

  for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
    run_case(&rows[i], pdf, len);

  /* Embedded (a CRL in the DSS) and supplied (OCSP) both say good: the
   * file's own is reported. Embedded good + supplied revoked: revoked. */
  pdf_dss = with_dss(pdf, len, crl_embedded, &dlen);
  {
    extra_case embedded[] = {
        {"embedded only", NULL, 0, NULL, 0, 1, 1, P, "ok",
         "\"status\":\"good\",\"type\":\"crl\",\"source\":\"dss\","
         "\"this_update\":\"2025-05-30T00:00:00Z\"",
         NULL},
        {"embedded and supplied: embedded reported", NULL, 0, &good, 1, 1, 1, P,
         "ok",
         "\"status\":\"good\",\"type\":\"crl\",\"source\":\"dss\","
         "\"this_update\":\"2025-05-30T00:00:00Z\"",
         "not revoked (crl, thisUpdate 2025-05-30T00:00:00Z)"},
        {"embedded good, supplied revoked", &crl_revoked, 1, NULL, 0, 1, 1, F,
         "revoked",
         "\"status\":\"revoked\",\"type\":\"crl\",\"source\":"
         "\"fetched\"",
         NULL},
    };
    for (i = 0; i < sizeof(embedded) / sizeof(embedded[0]); i++)
      run_case(&embedded[i], pdf_dss, dlen);
  }
  free(pdf_dss);

  /* B-B with the CRL of its signing time (red team F2): not current at the
   * validation time, so no longer evidence; data fetched now is. */
  pdf_dss = with_dss(pdf, len, crl_signing, &dlen);
  {
    extra_case at_signing[] = {
        {"B-B, CRL of the signing time only", NULL, 0, NULL, 0, 1, 1, I,
         "revocation_data_invalid",
         "\"status\":\"invalid\",\"type\":\"crl\",\"source\":\"dss\"",
         "CRL expired before the validation time (no timestamp)"},
        {"B-B, CRL of the signing time + OCSP fetched now", NULL, 0, &good, 1,
         1, 1, P, "ok",
         "\"status\":\"good\",\"type\":\"ocsp\",\"source\":\"fetched\"",
         "not revoked (ocsp fetched"},
    };
    for (i = 0; i < sizeof(at_signing) / sizeof(at_signing[0]); i++)
      run_case(&at_signing[i], pdf_dss, dlen);
  }

  free(pdf_dss);
  free(pdf);
  OPENSSL_free(good.data);
  OPENSSL_free(by_ca.data);
  OPENSSL_free(foreign.data);
  OPENSSL_free(revoked.data);
  OPENSSL_free(unknown.data);
  OPENSSL_free(ahead.data);
  OPENSSL_free(future.data);
  OPENSSL_free(crl_good.data);
  OPENSSL_free(crl_revoked.data);
  OPENSSL_free(crl_embedded.data);
  OPENSSL_free(crl_signing.data);
}

/* ---- limits and malformed input ---------------------------------------- */

static kyso_status status_with(const uint8_t *pdf, size_t len,
                               const kyso_blob *crls, size_t ncrls,
                               const kyso_blob *ocsps, size_t nocsps) {
  kyso_blob anchor = {root_der.data, root_der.len};
  kyso_verify_options opt;
  kyso_report *rep = NULL;
  kyso_error err;
  kyso_status st;
  kyso_verify_options_init(&opt);
  opt.anchors = &anchor;
  opt.anchor_count = 1;
  opt.validation_time = T_NOW;
  opt.extra_crls = crls;
  opt.extra_crl_count = ncrls;
  opt.extra_ocsps = ocsps;
  opt.extra_ocsp_count = nocsps;
  kyso_error_clear(&err);
  st = kyso_verify(pdf, len, &opt, &rep, &err);
  CHECK((st == KYSO_OK) == (rep != NULL));
  kyso_report_free(rep);
  return st;
}

static void test_limits(void) {
  size_t len, i, n = KYSO_LIMIT_VERIFY_EXTRA_ITEMS + 1;
  uint8_t *pdf = signed_pdf(&len);
  der good = new_ocsp(responder, resp_key, V_OCSP_CERTSTATUS_GOOD, 0, T_FETCH);
  der crl = new_crl(T_FETCH, 0);
  kyso_blob *crls = calloc(n, sizeof(*crls)),
            *ocsps = calloc(n, sizeof(*ocsps));
  uint8_t *big = calloc(1, KYSO_LIMIT_LTV_RESPONSE_SIZE + 1);
  static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x05};

  if (!crls || !ocsps || !big)
    abort();
  for (i = 0; i < n; i++) {
    crls[i] = (kyso_blob){crl.data, crl.len};
    ocsps[i] = (kyso_blob){good.data, good.len};
  }
  /* At the limit: fine, and still judged. */
  CHECK_EQ_INT(status_with(pdf, len, crls, n - 1, NULL, 0), KYSO_OK);
  CHECK_EQ_INT(status_with(pdf, len, crls, 500, ocsps, n - 1 - 500), KYSO_OK);
  /* One over, in either list or together. */
  CHECK_EQ_INT(status_with(pdf, len, crls, n, NULL, 0), KYSO_ERR_LIMIT);
  CHECK_EQ_INT(status_with(pdf, len, NULL, 0, ocsps, n), KYSO_ERR_LIMIT);
  CHECK_EQ_INT(status_with(pdf, len, crls, 600, ocsps, n - 600),
               KYSO_ERR_LIMIT);
  CHECK_EQ_INT(status_with(pdf, len, crls, (size_t)-1, ocsps, 2),
               KYSO_ERR_LIMIT);
  /* An OCSP response over KYSO_LIMIT_LTV_RESPONSE_SIZE. */
  ocsps[0] = (kyso_blob){big, KYSO_LIMIT_LTV_RESPONSE_SIZE + 1};
  CHECK_EQ_INT(status_with(pdf, len, NULL, 0, ocsps, 1), KYSO_ERR_LIMIT);
  /* CRLs of 20 MiB each (the per-item maximum): four are 80 MiB, over
   * KYSO_LIMIT_VERIFY_EXTRA_SIZE (refused before anything is decoded);
   * one over the per-item size is refused too. */
  {
    uint8_t *huge = calloc(1, KYSO_LIMIT_LTV_CRL_SIZE + 1);
    if (!huge)
      abort();
    for (i = 0; i < 4; i++)
      crls[i] = (kyso_blob){huge, KYSO_LIMIT_LTV_CRL_SIZE};
    CHECK_EQ_INT(status_with(pdf, len, crls, 4, NULL, 0), KYSO_ERR_LIMIT);
    crls[0] = (kyso_blob){huge, KYSO_LIMIT_LTV_CRL_SIZE + 1};
    CHECK_EQ_INT(status_with(pdf, len, crls, 1, NULL, 0), KYSO_ERR_LIMIT);
    free(huge);
  }
  /* Items that do not decode, one with trailing bytes, empty, NULL. */
  ocsps[0] = (kyso_blob){junk, sizeof(junk)};
  CHECK_EQ_INT(status_with(pdf, len, NULL, 0, ocsps, 1), KYSO_ERR_ARGUMENT);
  crls[0] = (kyso_blob){junk, sizeof(junk)};
  CHECK_EQ_INT(status_with(pdf, len, crls, 1, NULL, 0), KYSO_ERR_ARGUMENT);
  crls[0] = (kyso_blob){crl.data, crl.len - 1};
  CHECK_EQ_INT(status_with(pdf, len, crls, 1, NULL, 0), KYSO_ERR_ARGUMENT);
  crls[0] = (kyso_blob){NULL, 0};
  CHECK_EQ_INT(status_with(pdf, len, crls, 1, NULL, 0), KYSO_ERR_ARGUMENT);
  CHECK_EQ_INT(status_with(pdf, len, NULL, 3, NULL, 0), KYSO_ERR_ARGUMENT);
  /* A CRL where an OCSP response belongs: refused, not misread. */
  ocsps[0] = (kyso_blob){crl.data, crl.len};
  CHECK_EQ_INT(status_with(pdf, len, NULL, 0, ocsps, 1), KYSO_ERR_ARGUMENT);

  free(crls);
  free(ocsps);
  free(big);
  free(pdf);
  OPENSSL_free(good.data);
  OPENSSL_free(crl.data);
}

/* ---- the text report ---------------------------------------------------- */

static void test_text(void) {
  size_t len;
  uint8_t *pdf = signed_pdf(&len);
  der good = new_ocsp(responder, resp_key, V_OCSP_CERTSTATUS_GOOD, 0, T_FETCH);
  kyso_status st;
  kyso_report *rep = verify_with(pdf, len, NULL, 0, &good, 1, 1, &st);
  const char *vi, *en;

  CHECK_EQ_INT(st, KYSO_OK);
  if (rep) {
    vi = kyso_report_get_text(rep, "vi");
    CHECK(vi && strstr(vi, "      - 'Nguyen Van Extra': không bị thu hồi "
                           "(OCSP, vừa tra cứu trực tuyến, lập lúc 20"));
    en = kyso_report_get_text(rep, "en");
    CHECK(en && strstr(en, "      - 'Nguyen Van Extra': not revoked (OCSP, "
                           "fetched online now, produced 20"));
    if (en && !strstr(en, "fetched online now"))
      fprintf(stderr, "%s\n", en);
    kyso_report_free(rep);
  }
  free(pdf);
  OPENSSL_free(good.data);
}

int main(void) {
  pki_build();
  test_rows();
  test_limits();
  test_text();
  X509_free(root);
  X509_free(sub);
  X509_free(leaf);
  X509_free(responder);
  X509_free(foreign_responder);
  EVP_PKEY_free(root_key);
  EVP_PKEY_free(sub_key);
  EVP_PKEY_free(leaf_key);
  EVP_PKEY_free(resp_key);
  OPENSSL_free(root_der.data);
  OPENSSL_free(sub_der.data);
  OPENSSL_free(leaf_der.data);
  return check_summary();
}
