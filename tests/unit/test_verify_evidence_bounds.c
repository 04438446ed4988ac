/*
 * test_verify_evidence_bounds.c - the verifier's work on revocation data a
 * file carries is bounded, and it reads that data as the ltv answer checks
 * do (red-team findings F6, F7, F8 of issue 13 and the alignment of
 * verify_evidence.c with ltv/):
 *
 * - keys: RSA keys with huge public exponents or moduli never sign
 *   revocation data (kyso_evidence_key_problem);
 * - F6: OCSP responses whose responderID names look-alike certificates
 *   with 3071-bit RSA exponents cost no public-key operation at all (the
 *   "issued by the issuer" test comes first); hundreds of responses that
 *   each need one stop at KYSO_LIMIT_REVOCATION_KEY_OPS, reported, never
 *   an error; verdicts are kept per (item, issuer) across signatures;
 * - F7: DSS CRLs are decoded only when their issuer is a certificate's
 *   issuer (test hook kyso_dss_crl_decodes_total), one over
 *   KYSO_LIMIT_VERIFY_CRL_SIZE or past KYSO_LIMIT_VERIFY_DSS_SIZE is left
 *   out and said so;
 * - F8: two SingleResponses for one certificate (good, revoked): revoked;
 * - unknown critical extensions and indirect CRL entries are refused by
 *   the verifier as by kyso_ltv_crl_check / kyso_ltv_ocsp_check.
 *
 * The red team's files (one 690 KB file, 60 s; 2.3 GB) are scaled down:
 * the bounds are asserted on counts, not on time.
 */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "kyso/dss.h"
#include "kyso/limits.h"
#include "kyso/ltv.h"
#include "kyso/verify.h"
#include "pdf/pdf_filter.h"
#include "pdf/pdf_object.h"
#include "pdf/pdf_update.h"
#include "test_ltv_pki.h"
#include "test_pdf.h"
#include "verify/verify_evidence.h"
#include "verify/verify_internal.h"

static tl_cert ca_root, sub, leaf, fake_sub;
static int64_t now;

typedef struct der {
  uint8_t *data;
  size_t len;
} der;

/* ---- building evidence -------------------------------------------------- */

/* An RSA public key with modulus bits (top bit set, odd, random) and
 * exponent e. */
static EVP_PKEY *rsa_public(int bits, const BIGNUM *e) {
  BIGNUM *n = BN_new();
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM *params = NULL;
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
  EVP_PKEY *key = NULL;
  if (!n || !bld || !ctx ||
      !BN_rand(n, bits, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ODD) ||
      !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
      !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) ||
      (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
      EVP_PKEY_fromdata_init(ctx) != 1 ||
      EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1)
    abort();
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  EVP_PKEY_CTX_free(ctx);
  BN_free(n);
  return key;
}

static der der_of(X509 *x) {
  der d = {NULL, 0};
  int n = i2d_X509(x, &d.data);
  if (n <= 0)
    abort();
  d.len = (size_t)n;
  return d;
}

/* A certificate named name (subject and issuer) with key, signed by an
 * unrelated EC key: a look-alike responder of the red team's file. */
static der lookalike(const X509_NAME *name, EVP_PKEY *key, EVP_PKEY *signing) {
  X509 *x = X509_new();
  der d;
  if (!x)
    abort();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1000);
  X509_set_subject_name(x, name);
  X509_set_issuer_name(x, name);
  X509_time_adj_ex(X509_getm_notBefore(x), -365, 0, NULL);
  X509_time_adj_ex(X509_getm_notAfter(x), 365, 0, NULL);
  X509_set_pubkey(x, key);
  if (!X509_sign(x, signing, EVP_sha256()))
    abort();
  d = der_of(x);
  X509_free(x);
  return d;
}

/* An OCSPResponse about leaf signed by signer (key), responderID by name,
 * no certificates; statuses[0..n) SingleResponses for leaf (revoked at
 * now - 3600 - 60); thisUpdate now - 60 - salt (distinct bytes). ext_crit:
 * a critical unknown extension in the first SingleResponse. */
static der ocsp_new(const tl_cert *signer, const int *statuses, int n, int salt,
                    int ext_crit) {
  OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
  OCSP_CERTID *id = OCSP_cert_to_id(EVP_sha1(), leaf.x, sub.x);
  ASN1_TIME *rt = ASN1_TIME_new(), *tu = ASN1_TIME_new(), *nu = ASN1_TIME_new();
  OCSP_RESPONSE *resp;
  der d = {NULL, 0};
  int i, len;
  if (!bs || !id || !rt || !tu || !nu)
    abort();
  ASN1_TIME_set(rt, (time_t)(now - 3600 - 60));
  ASN1_TIME_set(tu, (time_t)(now - 60 - salt));
  ASN1_TIME_set(nu, (time_t)(now + 7 * 86400));
  for (i = 0; i < n; i++) {
    OCSP_SINGLERESP *single = OCSP_basic_add1_status(
        bs, id, statuses[i],
        statuses[i] == V_OCSP_CERTSTATUS_REVOKED
            ? OCSP_REVOKED_STATUS_KEYCOMPROMISE
            : -1,
        statuses[i] == V_OCSP_CERTSTATUS_REVOKED ? rt : NULL, tu, nu);
    if (!single)
      abort();
    if (ext_crit && i == 0) {
      ASN1_OCTET_STRING *v = ASN1_OCTET_STRING_new();
      ASN1_OBJECT *oid = OBJ_txt2obj("1.3.6.1.4.1.99999.1", 1);
      X509_EXTENSION *e;
      ASN1_OCTET_STRING_set(v, (const unsigned char *)"\x05\x00", 2);
      e = X509_EXTENSION_create_by_OBJ(NULL, oid, 1, v);
      if (!e || !OCSP_SINGLERESP_add_ext(single, e, -1))
        abort();
      X509_EXTENSION_free(e);
      ASN1_OBJECT_free(oid);
      ASN1_OCTET_STRING_free(v);
    }
  }
  if (!OCSP_basic_sign(bs, signer->x, signer->key, EVP_sha256(), NULL,
                       OCSP_NOCERTS))
    abort();
  resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs);
  len = resp ? i2d_OCSP_RESPONSE(resp, &d.data) : 0;
  if (len <= 0)
    abort();
  d.len = (size_t)len;
  OCSP_RESPONSE_free(resp);
  OCSP_BASICRESP_free(bs);
  OCSP_CERTID_free(id);
  ASN1_TIME_free(rt);
  ASN1_TIME_free(tu);
  ASN1_TIME_free(nu);
  return d;
}

/* A CRL of sub not listing leaf, with a critical unknown CRL extension
 * (crl_crit) or an entry (another serial) naming another certificate
 * issuer (indirect_entry). */
static der crl_odd(int crl_crit, int indirect_entry) {
  X509_CRL *crl = X509_CRL_new();
  ASN1_TIME *t = ASN1_TIME_new();
  der d = {NULL, 0};
  int n;
  if (!crl || !t)
    abort();
  X509_CRL_set_version(crl, 1);
  X509_CRL_set_issuer_name(crl, X509_get_subject_name(sub.x));
  ASN1_TIME_set(t, (time_t)(now - 60));
  X509_CRL_set1_lastUpdate(crl, t);
  ASN1_TIME_set(t, (time_t)(now + 7 * 86400));
  X509_CRL_set1_nextUpdate(crl, t);
  if (crl_crit) {
    ASN1_OCTET_STRING *v = ASN1_OCTET_STRING_new();
    ASN1_OBJECT *oid = OBJ_txt2obj("1.3.6.1.4.1.99999.2", 1);
    X509_EXTENSION *e;
    ASN1_OCTET_STRING_set(v, (const unsigned char *)"\x05\x00", 2);
    e = X509_EXTENSION_create_by_OBJ(NULL, oid, 1, v);
    if (!e || !X509_CRL_add_ext(crl, e, -1))
      abort();
    X509_EXTENSION_free(e);
    ASN1_OBJECT_free(oid);
    ASN1_OCTET_STRING_free(v);
  }
  if (indirect_entry) {
    X509_REVOKED *r = X509_REVOKED_new();
    ASN1_INTEGER *serial = ASN1_INTEGER_new();
    GENERAL_NAMES *gens = GENERAL_NAMES_new();
    GENERAL_NAME *gen = GENERAL_NAME_new();
    ASN1_INTEGER_set(serial, 777777);
    X509_REVOKED_set_serialNumber(r, serial);
    ASN1_TIME_set(t, (time_t)(now - 3600));
    X509_REVOKED_set_revocationDate(r, t);
    gen->type = GEN_DIRNAME;
    gen->d.directoryName = X509_NAME_dup(X509_get_subject_name(ca_root.x));
    sk_GENERAL_NAME_push(gens, gen);
    if (!X509_REVOKED_add1_ext_i2d(r, NID_certificate_issuer, gens, 1, 0))
      abort();
    X509_CRL_add0_revoked(crl, r);
    GENERAL_NAMES_free(gens);
    ASN1_INTEGER_free(serial);
  }
  X509_CRL_sort(crl);
  if (!X509_CRL_sign(crl, sub.key, EVP_sha256()))
    abort();
  n = i2d_X509_CRL(crl, &d.data);
  if (n <= 0)
    abort();
  d.len = (size_t)n;
  X509_CRL_free(crl);
  ASN1_TIME_free(t);
  return d;
}

/* ---- DER by hand for the big CRLs --------------------------------------- */

/* The identifier and length octets of a len-octet value (DER: the
 * shortest length form); put_header writes them at p. */
static size_t header_len(size_t len) {
  size_t n = 0;
  if (len < 0x80)
    return 2;
  for (; len; len >>= 8)
    n++;
  return 2 + n;
}

static size_t put_header(uint8_t *p, uint8_t tag, size_t len) {
  size_t n = header_len(len) - 2, i;
  p[0] = tag;
  if (n == 0) {
    p[1] = (uint8_t)len;
    return 2;
  }
  p[1] = (uint8_t)(0x80 | n);
  for (i = 0; i < n; i++)
    p[2 + i] = (uint8_t)(len >> (8 * (n - 1 - i)));
  return 2 + n;
}

/* An unsigned-looking CRL of about size bytes (entries of 20 octets, as
 * the red team's mkbomb.py) whose issuer is name (DER); salt makes the
 * bytes differ. malloc'd. */
static der big_crl(const uint8_t *name, size_t name_len, size_t size,
                   uint8_t salt) {
  static const uint8_t alg[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00};
  static const uint8_t utc[] = "250101000000Z";
  size_t nent = (size - 200 - name_len) / 20, ents = nent * 20, i;
  size_t tbs_body =
      3 + sizeof(alg) + name_len + 15 + 15 + header_len(ents) + ents;
  size_t sig = 1 + 64;
  size_t body = header_len(tbs_body) + tbs_body + sizeof(alg) + 2 + sig;
  uint8_t *p = malloc(header_len(body) + body), *q = p;
  der d;
  if (!p)
    abort();
  q += put_header(q, 0x30, body);
  q += put_header(q, 0x30, tbs_body);
  memcpy(q, "\x02\x01\x01", 3);
  q += 3;
  memcpy(q, alg, sizeof(alg));
  q += sizeof(alg);
  memcpy(q, name, name_len);
  q += name_len;
  for (i = 0; i < 2; i++) {
    *q++ = 0x17;
    *q++ = 13;
    memcpy(q, utc, 13);
    q += 13;
  }
  q += put_header(q, 0x30, ents);
  for (i = 0; i < nent; i++) {
    static const uint8_t e0[] = {0x30, 0x12, 0x02, 0x03};
    memcpy(q, e0, 4);
    q[4] = salt;
    q[5] = (uint8_t)(i >> 8);
    q[6] = (uint8_t)i | 1;
    q[7] = 0x17;
    q[8] = 13;
    memcpy(q + 9, utc, 13);
    q += 20;
  }
  memcpy(q, alg, sizeof(alg));
  q += sizeof(alg);
  q += put_header(q, 0x03, sig);
  memset(q, 0, sig);
  q += sig;
  d.data = p;
  d.len = (size_t)(q - p);
  return d;
}

/* Appends an update giving the catalog a new /DSS with the items as
 * FlateDecode streams, as written, without the checks kyso_dss_append
 * makes (the red team's files are not what kyso writes). */
static int raw_dss(uint8_t **pdf, size_t *len, const der *certs, size_t ncerts,
                   const der *crls, size_t ncrls, const der *ocsps,
                   size_t nocsps) {
  kyso_pdf *doc = NULL;
  kyso_update u;
  kyso_error err;
  kyso_obj *root_ref, *catalog = NULL, *dss, *root_copy, *ref;
  kyso_buf out;
  const der *lists[3] = {certs, crls, ocsps};
  const size_t counts[3] = {ncerts, ncrls, nocsps};
  const char *keys[3] = {"Certs", "CRLs", "OCSPs"};
  size_t k, i;
  int ok = 0;
  uint8_t *grown;

  kyso_buf_init(&out);
  if (kyso_pdf_open(*pdf, *len, &doc, &err) != KYSO_OK)
    return 0;
  kyso_update_init(&u, doc);
  root_ref = kyso_dict_get(doc->trailer, "Root");
  if (kyso_update_get(&u, root_ref->u.ref.num, &catalog, &err) != KYSO_OK)
    goto done;
  dss = kyso_obj_new_dict(&u.arena);
  for (k = 0; k < 3; k++) {
    kyso_obj *arr = kyso_obj_new_array(&u.arena);
    for (i = 0; i < counts[k]; i++) {
      kyso_buf z;
      kyso_obj *dict = kyso_obj_new_dict(&u.arena), *stm;
      kyso_buf_init(&z);
      if (kyso_flate_encode(lists[k][i].data, lists[k][i].len, &z, &err) !=
          KYSO_OK)
        goto done;
      kyso_dict_set(&u.arena, dict, "Length",
                    kyso_obj_new_int(&u.arena, (int64_t)z.len));
      kyso_dict_set(&u.arena, dict, "Filter",
                    kyso_obj_new_name(&u.arena, "FlateDecode"));
      stm = kyso_obj_new_stream(&u.arena, dict, z.data, z.len);
      ref = kyso_update_add(&u, stm);
      kyso_array_push(&u.arena, arr, ref);
      kyso_buf_free(&z); /* the stream holds a copy (as dss_write.c) */
    }
    if (counts[k])
      kyso_dict_set(&u.arena, dss, keys[k], arr);
  }
  ref = kyso_update_add(&u, dss);
  root_copy = kyso_obj_clone_shallow(&u.arena, catalog);
  kyso_dict_set(&u.arena, root_copy, "DSS", ref);
  if (kyso_update_replace(&u, root_ref->u.ref.num, root_ref->u.ref.gen,
                          root_copy, &err) != KYSO_OK ||
      kyso_update_write(&u, &out, NULL, &err) != KYSO_OK || !kyso_buf_ok(&out))
    goto done;
  grown = realloc(*pdf, *len + out.len);
  if (!grown)
    goto done;
  memcpy(grown + *len, out.data, out.len);
  *pdf = grown;
  *len += out.len;
  ok = 1;
done:
  if (!ok)
    fprintf(stderr, "raw_dss: %s\n", err.message);
  kyso_buf_free(&out);
  kyso_update_free(&u);
  kyso_pdf_close(doc);
  return ok;
}

/* ---- verifying ------------------------------------------------------------
 */

static kyso_report *verify(const uint8_t *pdf, size_t len, kyso_status *st) {
  kyso_blob anchors[1];
  kyso_verify_options o;
  kyso_report *rep = NULL;
  kyso_error err;
  anchors[0] = tl_blob(&ca_root);
  kyso_verify_options_init(&o);
  o.anchors = anchors;
  o.anchor_count = 1;
  o.validation_time = now + 60;
  *st = kyso_verify(pdf, len, &o, &rep, &err);
  if (*st != KYSO_OK)
    fprintf(stderr, "  kyso_verify: %s\n", err.message);
  return rep;
}

static int json_has(kyso_report *rep, const char *s, const char *what) {
  const char *json = rep ? kyso_report_get_json(rep, NULL) : NULL;
  int ok = json && strstr(json, s) != NULL;
  if (!ok)
    fprintf(stderr, "  %s: report lacks %s\n%s\n", what, s,
            json ? json : "(null)");
  return ok;
}

static uint8_t *signed_pdf(size_t *len, int signatures) {
  const tl_cert *chain[1] = {&sub};
  uint8_t *pdf = tl_read_file("in.pdf", len);
  if (!pdf)
    abort();
  if (!tl_sign_pdf(&pdf, len, "First", &leaf, chain, 1, NULL, NULL, 0) ||
      (signatures > 1 &&
       !tl_sign_pdf(&pdf, len, "Second", &leaf, chain, 1, NULL, NULL, 0)))
    abort();
  return pdf;
}

/* ---- the tests -------------------------------------------------------- */

static void test_key_problem(void) {
  BIGNUM *e = BN_new();
  EVP_PKEY *k;
  BN_set_word(e, 65537);
  k = rsa_public(2048, e);
  CHECK(kyso_evidence_key_problem(k) == NULL);
  EVP_PKEY_free(k);
  k = rsa_public(8200, e);
  CHECK(kyso_evidence_key_problem(k) != NULL); /* over 8192 bits */
  EVP_PKEY_free(k);
  BN_set_word(e, 3);
  k = rsa_public(2048, e);
  CHECK(kyso_evidence_key_problem(k) == NULL);
  EVP_PKEY_free(k);
  BN_set_word(e, 0xffffffffUL);
  k = rsa_public(2048, e);
  CHECK(kyso_evidence_key_problem(k) == NULL); /* 2^32 - 1: the largest */
  EVP_PKEY_free(k);
  BN_set_word(e, 0xffffffffUL);
  BN_add_word(e, 2); /* 2^32 + 1 */
  k = rsa_public(2048, e);
  CHECK(kyso_evidence_key_problem(k) != NULL);
  EVP_PKEY_free(k);
  BN_set_word(e, 65536); /* even */
  k = rsa_public(2048, e);
  CHECK(kyso_evidence_key_problem(k) != NULL);
  EVP_PKEY_free(k);
  /* the red team's: a 3071-bit exponent under a 3072-bit modulus */
  BN_rand(e, 3071, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ODD);
  k = rsa_public(3072, e);
  CHECK(kyso_evidence_key_problem(k) != NULL);
  EVP_PKEY_free(k);
  CHECK(kyso_evidence_key_problem(leaf.key) == NULL); /* EC */
  BN_free(e);
}

/* F6 as the red team built it: responses naming the signer's CertID whose
 * responderID names 8 DSS certificates with 3071-bit exponents. */
static void test_lookalike_responders(void) {
  enum { LOOKALIKES = 8, RESPONSES = 6 };
  der certs[LOOKALIKES], ocsps[RESPONSES];
  int good = V_OCSP_CERTSTATUS_GOOD, i;
  tl_cert dos;
  BIGNUM *e = BN_new();
  size_t len;
  uint8_t *pdf = signed_pdf(&len, 1);
  unsigned long before;
  kyso_status st;
  kyso_report *rep;

  /* the responses' signer: named like the look-alikes, never in the DSS */
  CHECK(tl_cert_new(&dos, TL_ROOT, "RT OCSP DoS", 77, NULL));
  for (i = 0; i < LOOKALIKES; i++) {
    EVP_PKEY *k;
    BN_rand(e, 3071, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ODD);
    k = rsa_public(3072, e);
    certs[i] = lookalike(X509_get_subject_name(dos.x), k, sub.key);
    EVP_PKEY_free(k);
  }
  for (i = 0; i < RESPONSES; i++)
    ocsps[i] = ocsp_new(&dos, &good, 1, i, 0);
  CHECK(raw_dss(&pdf, &len, certs, LOOKALIKES, NULL, 0, ocsps, RESPONSES));
  before = kyso_evidence_key_ops_total();
  rep = verify(pdf, len, &st);
  CHECK_EQ_INT(st, KYSO_OK);
  /* Before: 8 exponentiations with a 3071-bit exponent per response
   * (48 here, 8000 in the red team's file). Now none: no look-alike is
   * issued by the signer's CA (names, key identifiers). */
  CHECK(kyso_evidence_key_ops_total() - before == 0);
  CHECK(rep &&
        kyso_report_get_indication(rep, 0) != KYSO_INDICATION_TOTAL_PASSED);
  CHECK(json_has(rep, "OCSP responder not issued by the certificate's issuer",
                 "look-alikes"));
  kyso_report_free(rep);
  for (i = 0; i < LOOKALIKES; i++)
    OPENSSL_free(certs[i].data);
  for (i = 0; i < RESPONSES; i++)
    OPENSSL_free(ocsps[i].data);
  tl_cert_free(&dos);
  BN_free(e);
  free(pdf);
}

/* F6, the overall budget: 300 responses that each cost one signature
 * check (responderID: the CA's name, signed by another key), then a good
 * one: the work stops at KYSO_LIMIT_REVOCATION_KEY_OPS and the report
 * says so; the verification itself succeeds. */
static void test_key_budget(void) {
  enum { JUNK = 300 };
  der *ocsps = calloc(JUNK + 1, sizeof(*ocsps));
  int good = V_OCSP_CERTSTATUS_GOOD, i;
  size_t len;
  uint8_t *pdf = signed_pdf(&len, 1);
  unsigned long before, used;
  kyso_status st;
  kyso_report *rep;

  if (!ocsps)
    abort();
  for (i = 0; i < JUNK; i++)
    ocsps[i] = ocsp_new(&fake_sub, &good, 1, i, 0);
  ocsps[JUNK] = ocsp_new(&sub, &good, 1, 0, 0);
  CHECK(raw_dss(&pdf, &len, NULL, 0, NULL, 0, ocsps, JUNK + 1));
  before = kyso_evidence_key_ops_total();
  rep = verify(pdf, len, &st);
  used = kyso_evidence_key_ops_total() - before;
  CHECK_EQ_INT(st, KYSO_OK);
  if (used > KYSO_LIMIT_REVOCATION_KEY_OPS)
    fprintf(stderr, "  budget: %lu operations\n", used);
  CHECK(used <= KYSO_LIMIT_REVOCATION_KEY_OPS);
  CHECK(used >= KYSO_LIMIT_REVOCATION_KEY_OPS / 2);
  CHECK(rep &&
        kyso_report_get_indication(rep, 0) == KYSO_INDICATION_INDETERMINATE);
  CHECK(json_has(rep, "KYSO_LIMIT_REVOCATION_KEY_OPS", "budget"));
  kyso_report_free(rep);
  for (i = 0; i <= JUNK; i++)
    OPENSSL_free(ocsps[i].data);
  free(ocsps);
  free(pdf);
}

/* Second red-team round (R2-1): a genuine "good" answer first, junk that
 * spends the key-operation budget, then the CA's revocation: the
 * revocation is never judged, so "not revoked" must not pass. */
static void test_budget_hides_nothing(void) {
  enum { JUNK = 300 };
  der *ocsps = calloc(JUNK + 2, sizeof(*ocsps));
  int good = V_OCSP_CERTSTATUS_GOOD, revoked = V_OCSP_CERTSTATUS_REVOKED, i;
  size_t len;
  uint8_t *pdf = signed_pdf(&len, 1);
  kyso_status st;
  kyso_report *rep;

  if (!ocsps)
    abort();
  ocsps[0] = ocsp_new(&sub, &good, 1, 0, 0);
  for (i = 1; i <= JUNK; i++)
    ocsps[i] = ocsp_new(&fake_sub, &good, 1, i, 0);
  ocsps[JUNK + 1] = ocsp_new(&sub, &revoked, 1, 1, 0);
  CHECK(raw_dss(&pdf, &len, NULL, 0, NULL, 0, ocsps, JUNK + 2));
  rep = verify(pdf, len, &st);
  CHECK_EQ_INT(st, KYSO_OK);
  CHECK(rep &&
        kyso_report_get_indication(rep, 0) != KYSO_INDICATION_TOTAL_PASSED);
  CHECK(json_has(rep, "KYSO_LIMIT_REVOCATION_KEY_OPS", "budget said"));
  kyso_report_free(rep);
  for (i = 0; i < JUNK + 2; i++)
    OPENSSL_free(ocsps[i].data);
  free(ocsps);
  free(pdf);
}

/* Verdicts per (item, issuer): two signatures by the same leaf, one good
 * OCSP response in the DSS: one signature check for the whole file. */
static void test_verdict_cache(void) {
  int good = V_OCSP_CERTSTATUS_GOOD;
  der o = ocsp_new(&sub, &good, 1, 0, 0);
  size_t len;
  uint8_t *pdf = signed_pdf(&len, 2);
  unsigned long before;
  kyso_status st;
  kyso_report *rep;

  CHECK(raw_dss(&pdf, &len, NULL, 0, NULL, 0, &o, 1));
  before = kyso_evidence_key_ops_total();
  rep = verify(pdf, len, &st);
  CHECK_EQ_INT(st, KYSO_OK);
  CHECK(kyso_evidence_key_ops_total() - before == 1);
  CHECK(rep &&
        kyso_report_get_indication(rep, 0) == KYSO_INDICATION_TOTAL_PASSED);
  CHECK(rep &&
        kyso_report_get_indication(rep, 1) == KYSO_INDICATION_TOTAL_PASSED);
  kyso_report_free(rep);
  OPENSSL_free(o.data);
  free(pdf);
}

/* F7: CRL streams that decode to many MiB. Those of another issuer are
 * never decoded; past KYSO_LIMIT_VERIFY_DSS_SIZE they are left out; one
 * over KYSO_LIMIT_VERIFY_CRL_SIZE is left out, said in the report. */
static void test_crl_bombs(void) {
  X509_NAME *x = X509_NAME_new();
  uint8_t *xname = NULL, *subname = NULL;
  int xlen, sublen, i;
  der crls[4], big;
  size_t len, per = 18 * 1024 * 1024;
  uint8_t *pdf = signed_pdf(&len, 1), *pdf2;
  size_t len2 = len;
  unsigned long before;
  kyso_status st;
  kyso_report *rep;

  X509_NAME_add_entry_by_txt(x, "CN", MBSTRING_UTF8, (const unsigned char *)"X",
                             -1, -1, 0);
  xlen = i2d_X509_NAME(x, &xname);
  sublen = i2d_X509_NAME(X509_get_subject_name(sub.x), &subname);
  CHECK(xlen > 0 && sublen > 0);
  pdf2 = malloc(len);
  if (!pdf2)
    abort();
  memcpy(pdf2, pdf, len);

  /* 4 x 18 MiB of another issuer: 3 kept undecoded, the 4th past 64 MiB */
  for (i = 0; i < 4; i++)
    crls[i] = big_crl(xname, (size_t)xlen, per, (uint8_t)i);
  CHECK(raw_dss(&pdf, &len, NULL, 0, crls, 4, NULL, 0));
  for (i = 0; i < 4; i++)
    free(crls[i].data);
  before = kyso_dss_crl_decodes_total();
  rep = verify(pdf, len, &st);
  CHECK_EQ_INT(st, KYSO_OK);
  CHECK(kyso_dss_crl_decodes_total() - before == 0);
  CHECK(json_has(rep, "1 revocation item(s) of the DSS not used", "64 MiB"));
  kyso_report_free(rep);

  /* the signer's issuer's name, not its signature: one signature check
   * over the bytes, never decoded (the red team's bomb with the right
   * name: 3 x 19 MiB took 555 MB before this) */
  {
    size_t len3 = len2;
    uint8_t *pdf3 = malloc(len2);
    der named = big_crl(subname, (size_t)sublen, 4 * 1024 * 1024, 7);
    if (!pdf3)
      abort();
    memcpy(pdf3, pdf2, len2);
    CHECK(raw_dss(&pdf3, &len3, NULL, 0, &named, 1, NULL, 0));
    free(named.data);
    before = kyso_dss_crl_decodes_total();
    rep = verify(pdf3, len3, &st);
    CHECK_EQ_INT(st, KYSO_OK);
    CHECK(kyso_dss_crl_decodes_total() - before == 0);
    CHECK(json_has(rep, "CRL signature does not verify with the issuer",
                   "named bomb"));
    kyso_report_free(rep);
    free(pdf3);
  }

  /* one of the signer's issuer, over 20 MiB: not used, reported */
  big = big_crl(subname, (size_t)sublen, KYSO_LIMIT_VERIFY_CRL_SIZE + 4096, 9);
  CHECK(raw_dss(&pdf2, &len2, NULL, 0, &big, 1, NULL, 0));
  free(big.data);
  before = kyso_dss_crl_decodes_total();
  rep = verify(pdf2, len2, &st);
  CHECK_EQ_INT(st, KYSO_OK);
  CHECK(kyso_dss_crl_decodes_total() - before == 0);
  CHECK(rep &&
        kyso_report_get_indication(rep, 0) == KYSO_INDICATION_INDETERMINATE);
  CHECK(json_has(rep, "1 revocation item(s) of the DSS not used", "20 MiB"));
  kyso_report_free(rep);

  OPENSSL_free(xname);
  OPENSSL_free(subname);
  X509_NAME_free(x);
  free(pdf);
  free(pdf2);
}

/* A CRL of the right issuer is decoded (once, for two signatures) and
 * used: the lazy path still finds a revocation. */
static void test_crl_used(void) {
  uint64_t serial = (uint64_t)ASN1_INTEGER_get(X509_get0_serialNumber(leaf.x));
  size_t clen, len;
  uint8_t *c = tl_crl_new(&sub, now - 3600, now + 7 * 86400, &serial, 1, &clen);
  der crl = {c, clen};
  uint8_t *pdf = signed_pdf(&len, 2);
  unsigned long before;
  kyso_status st;
  kyso_report *rep;

  CHECK(c != NULL);
  CHECK(raw_dss(&pdf, &len, NULL, 0, &crl, 1, NULL, 0));
  before = kyso_dss_crl_decodes_total();
  rep = verify(pdf, len, &st);
  CHECK_EQ_INT(st, KYSO_OK);
  CHECK(kyso_dss_crl_decodes_total() - before == 1);
  CHECK(rep &&
        kyso_report_get_indication(rep, 0) == KYSO_INDICATION_TOTAL_FAILED);
  CHECK(json_has(rep, "\"reason\":\"revoked\"", "CRL revoked"));
  kyso_report_free(rep);
  OPENSSL_free(c);
  free(pdf);
}

/* F8: good then revoked for the same CertID in one response by the CA:
 * revoked, in the verifier and in kyso_ltv_ocsp_check. */
static void test_two_singles(void) {
  int both[2] = {V_OCSP_CERTSTATUS_GOOD, V_OCSP_CERTSTATUS_REVOKED};
  der o = ocsp_new(&sub, both, 2, 0, 0);
  kyso_blob none = {NULL, 0};
  kyso_ltv_answer a;
  kyso_error err;
  size_t len;
  uint8_t *pdf = signed_pdf(&len, 1);
  kyso_status st;
  kyso_report *rep;

  CHECK(raw_dss(&pdf, &len, NULL, 0, NULL, 0, &o, 1));
  rep = verify(pdf, len, &st);
  CHECK_EQ_INT(st, KYSO_OK);
  CHECK(rep &&
        kyso_report_get_indication(rep, 0) == KYSO_INDICATION_TOTAL_FAILED);
  CHECK(json_has(rep, "\"reason\":\"revoked\"", "two singles"));
  kyso_report_free(rep);
  CHECK_EQ_INT(kyso_ltv_ocsp_check((kyso_blob){o.data, o.len}, tl_blob(&leaf),
                                   tl_blob(&sub), none, now, &a, &err),
               KYSO_OK);
  CHECK_EQ_INT(a.status, KYSO_LTV_REVOKED);
  OPENSSL_free(o.data);
  free(pdf);
}

/* The verifier refuses what kyso_ltv_*_check refuse: a critical unknown
 * extension (CRL, SingleResponse), an entry naming another certificate
 * issuer. Each item alone says "not revoked"; none may count. */
static void test_alignment(void) {
  int good = V_OCSP_CERTSTATUS_GOOD;
  der items[3];
  kyso_blob none = {NULL, 0};
  kyso_ltv_answer a;
  kyso_error err;
  int i;

  items[0] = crl_odd(1, 0);
  items[1] = crl_odd(0, 1);
  items[2] = ocsp_new(&sub, &good, 1, 0, 1);
  CHECK(kyso_ltv_crl_check((kyso_blob){items[0].data, items[0].len},
                           tl_blob(&leaf), tl_blob(&sub), now, &a,
                           &err) == KYSO_ERR_LTV_RESPONSE);
  CHECK(kyso_ltv_crl_check((kyso_blob){items[1].data, items[1].len},
                           tl_blob(&leaf), tl_blob(&sub), now, &a,
                           &err) == KYSO_ERR_LTV_SCOPE);
  CHECK(kyso_ltv_ocsp_check((kyso_blob){items[2].data, items[2].len},
                            tl_blob(&leaf), tl_blob(&sub), none, now, &a,
                            &err) == KYSO_ERR_LTV_RESPONSE);
  for (i = 0; i < 3; i++) {
    size_t len;
    uint8_t *pdf = signed_pdf(&len, 1);
    kyso_status st;
    kyso_report *rep;
    CHECK(raw_dss(&pdf, &len, NULL, 0, i < 2 ? &items[i] : NULL, i < 2,
                  i == 2 ? &items[i] : NULL, i == 2));
    rep = verify(pdf, len, &st);
    CHECK_EQ_INT(st, KYSO_OK);
    if (rep &&
        kyso_report_get_indication(rep, 0) == KYSO_INDICATION_TOTAL_PASSED)
      fprintf(stderr, "  alignment item %d was used\n", i);
    CHECK(rep &&
          kyso_report_get_indication(rep, 0) == KYSO_INDICATION_INDETERMINATE);
    CHECK(json_has(rep, "revocation_data_invalid", "alignment"));
    kyso_report_free(rep);
    free(pdf);
  }
  for (i = 0; i < 3; i++)
    OPENSSL_free(items[i].data);
}

int main(void) {
  size_t len;
  uint8_t *in;

  now = (int64_t)time(NULL);
  if (!tl_cert_new(&ca_root, TL_ROOT, "Bounds Root", 1, NULL) ||
      !tl_cert_new(&sub, TL_CA, "Bounds Sub CA", 2, &ca_root) ||
      !tl_cert_new(&leaf, TL_LEAF, "Bounds Leaf", 3, &sub) ||
      /* the sub-CA's name with another key */
      !tl_cert_new(&fake_sub, TL_CA, "Bounds Sub CA", 2, &ca_root))
    abort();
  in = test_pdf_minimal(&len);
  if (!in || !tl_write_file("in.pdf", in, len))
    abort();
  free(in);
  test_key_problem();
  test_lookalike_responders();
  test_key_budget();
  test_budget_hides_nothing();
  test_verdict_cache();
  test_crl_bombs();
  test_crl_used();
  test_two_singles();
  test_alignment();
  tl_cert_free(&ca_root);
  tl_cert_free(&sub);
  tl_cert_free(&leaf);
  tl_cert_free(&fake_sub);
  return check_summary();
}
