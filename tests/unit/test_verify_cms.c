/*
 * test_verify_cms.c - the verifier's CMS stage (verify_cms.c) and
 * timestamped signing (kyso_sig_finish_timestamped).
 *
 * A test PKI is made in process: a CA, signers under it (RSA-2048, EC
 * P-256, RSA-1024, EC P-224, a "twin" with the RSA signer's issuer and
 * serial but another key) and two TSAs (EKU timeStamping critical, and
 * non-critical). kyso signs a small PDF; for the cases kyso refuses to
 * produce, the test builds its own CMS over the same byte ranges with
 * OpenSSL (CMS_sign, TS_RESP_CTX) and writes it into the /Contents hole.
 * The stage then runs by hand on a kyso_verify_ctx / kyso_sig_state, so
 * its every output (checks, report fields, signing time, archived
 * revocation data) can be read; kyso_verify runs the same documents end
 * to end once.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/ess.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "check.h"
#include "cms/cms_build.h"
#include "cms/der_write.h"
#include "kyso/pdf.h"
#include "kyso/sign.h"
#include "kyso/verify.h"
#include "test_pdf.h"
#include "test_pki.h"
#include "verify/verify_internal.h"

#define SIGNER_CN "Nguy\xe1\xbb\x85n V\xc4\x83n A" /* Nguyễn Văn A */
#define SIGNER_O "UBND t\xe1\xbb\x89nh Ti\xe1\xbb\x81n Giang"
#define SIGNING_TIME 1733884215    /* 2024-12-11 02:30:15 UTC */
#define GEN_TIME 1733884275        /* a minute later */
#define VALIDATION_TIME 1750000000 /* 2025-06-15 */
#define NOT_BEFORE 1704067200      /* 2024-01-01 */
#define NOT_AFTER 2019686400       /* 2034-01-01 */

/* ---- PKI ----------------------------------------------------------------- */

typedef struct tkey {
  EVP_PKEY *key;
  X509 *cert;
  uint8_t *der;
  size_t der_len;
} tkey;

static tkey ca, rsa, ec, twin, rsa1024, ec224, tsa, tsa_weak_eku, ed25519,
    ed448;

static int add_ext(X509 *x, X509 *issuer, int nid, const char *value) {
  X509V3_CTX v3;
  X509_EXTENSION *e;
  int ok;

  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
  e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
  ok = e && X509_add_ext(x, e, -1) == 1;
  X509_EXTENSION_free(e);
  return ok;
}

/* A certificate for k, issued by issuer (NULL: self-signed CA). eku: an
 * extendedKeyUsage value or NULL. */
static int make_key(tkey *k, const char *alg, const char *param, const char *cn,
                    long serial, const tkey *issuer, const char *eku) {
  X509 *x = X509_new();
  X509_NAME *name = X509_NAME_new();
  unsigned char *der = NULL;
  int n, ok = 0;

  memset(k, 0, sizeof(*k));
  k->key = strncmp(alg, "ED", 2) == 0
               ? EVP_PKEY_Q_keygen(NULL, NULL, alg)
               : test_pki_key_new(alg, (size_t)atoi(param), param);
  if (!k->key || !x || !name)
    goto done;
  if (X509_set_version(x, 2) != 1 ||
      ASN1_INTEGER_set(X509_get_serialNumber(x), serial) != 1 ||
      X509_NAME_add_entry_by_txt(name, "C", MBSTRING_UTF8,
                                 (const unsigned char *)"VN", -1, -1, 0) != 1 ||
      X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                 (const unsigned char *)SIGNER_O, -1, -1,
                                 0) != 1 ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 (const unsigned char *)cn, -1, -1, 0) != 1 ||
      X509_set_subject_name(x, name) != 1 ||
      X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer->cert)
                                     : name) != 1 ||
      !ASN1_TIME_set(X509_getm_notBefore(x), NOT_BEFORE) ||
      !ASN1_TIME_set(X509_getm_notAfter(x), NOT_AFTER) ||
      X509_set_pubkey(x, k->key) != 1)
    goto done;
  if (!issuer) {
    if (!add_ext(x, NULL, NID_basic_constraints, "critical,CA:TRUE") ||
        !add_ext(x, NULL, NID_key_usage, "critical,keyCertSign,cRLSign") ||
        !add_ext(x, NULL, NID_subject_key_identifier, "hash"))
      goto done;
  } else {
    if (!add_ext(x, issuer->cert, NID_basic_constraints, "critical,CA:FALSE") ||
        !add_ext(x, issuer->cert, NID_key_usage,
                 "critical,digitalSignature,nonRepudiation") ||
        !add_ext(x, issuer->cert, NID_subject_key_identifier, "hash") ||
        !add_ext(x, issuer->cert, NID_authority_key_identifier, "keyid") ||
        (eku && !add_ext(x, issuer->cert, NID_ext_key_usage, eku)))
      goto done;
  }
  if (X509_sign(x, issuer ? issuer->key : k->key, EVP_sha256()) <= 0)
    goto done;
  n = i2d_X509(x, &der);
  if (n <= 0)
    goto done;
  k->der = der;
  k->der_len = (size_t)n;
  k->cert = x;
  x = NULL;
  ok = 1;
done:
  X509_NAME_free(name);
  X509_free(x);
  return ok;
}

static void free_key(tkey *k) {
  EVP_PKEY_free(k->key);
  X509_free(k->cert);
  OPENSSL_free(k->der);
  memset(k, 0, sizeof(*k));
}

static int make_pki(void) {
  return make_key(&ca, "RSA", "2048", "kyso test CA", 1, NULL, NULL) &&
         make_key(&rsa, "RSA", "2048", SIGNER_CN, 0x1234abcdL, &ca, NULL) &&
         make_key(&ec, "EC", "P-256", SIGNER_CN, 0x22, &ca, NULL) &&
         /* same issuer and serial as rsa, another key */
         make_key(&twin, "RSA", "2048", "twin", 0x1234abcdL, &ca, NULL) &&
         make_key(&rsa1024, "RSA", "1024", "weak RSA", 0x33, &ca, NULL) &&
         make_key(&ec224, "EC", "P-224", "weak EC", 0x34, &ca, NULL) &&
         make_key(&tsa, "RSA", "2048", "kyso test TSA", 0x40, &ca,
                  "critical,timeStamping") &&
         make_key(&tsa_weak_eku, "RSA", "2048", "TSA without critical EKU",
                  0x41, &ca, "timeStamping") &&
         make_key(&ed25519, "ED25519", "", "Ed25519 signer", 0x50, &ca, NULL) &&
         make_key(&ed448, "ED448", "", "Ed448 signer", 0x51, &ca, NULL);
}

/* ---- documents ----------------------------------------------------------- */

typedef struct doc {
  uint8_t *data;
  size_t len;
  int64_t br[4];
} doc;

static void doc_free(doc *d) {
  free(d->data);
  memset(d, 0, sizeof(*d));
}

static int token_time_cb(TS_RESP_CTX *c, void *data, long *sec, long *usec) {
  *sec = (long)*(const int64_t *)data;
  *usec = 0;
  return 1;
}

/* An RFC 3161 TimeStampToken (DER ContentInfo) from TSA t over the
 * SHA-256 of data, made by OpenSSL's own TSA code at gen_time. */
static uint8_t *make_token(const tkey *t, const uint8_t *data, size_t len,
                           int64_t gen_time, size_t *out_len) {
  TS_REQ *req = TS_REQ_new();
  TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
  X509_ALGOR *alg = X509_ALGOR_new();
  TS_RESP_CTX *c = TS_RESP_CTX_new();
  ASN1_OBJECT *policy = OBJ_txt2obj("1.2.3.4.1", 1);
  STACK_OF(X509) *certs = sk_X509_new_null();
  BIO *rb = BIO_new(BIO_s_mem());
  TS_RESP *resp = NULL;
  unsigned char h[32], *der = NULL;
  unsigned int hlen = 0;
  int n;

  *out_len = 0;
  if (!req || !mi || !alg || !c || !policy || !certs || !rb ||
      EVP_Digest(data, len, h, &hlen, EVP_sha256(), NULL) != 1 ||
      !X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) ||
      !TS_MSG_IMPRINT_set_algo(mi, alg) ||
      !TS_MSG_IMPRINT_set_msg(mi, h, (int)hlen) ||
      !TS_REQ_set_version(req, 1) || !TS_REQ_set_msg_imprint(req, mi) ||
      !TS_REQ_set_cert_req(req, 1) || i2d_TS_REQ_bio(rb, req) != 1)
    goto done;
  if (!sk_X509_push(certs, ca.cert) ||
      !TS_RESP_CTX_set_signer_cert(c, t->cert) ||
      !TS_RESP_CTX_set_signer_key(c, t->key) ||
      !TS_RESP_CTX_set_def_policy(c, policy) ||
      !TS_RESP_CTX_add_md(c, EVP_sha256()) || !TS_RESP_CTX_set_certs(c, certs))
    goto done;
  TS_RESP_CTX_set_time_cb(c, token_time_cb, &gen_time);
  resp = TS_RESP_create_response(c, rb);
  if (!resp || !TS_RESP_get_token(resp))
    goto done;
  n = i2d_PKCS7(TS_RESP_get_token(resp), &der);
  if (n > 0)
    *out_len = (size_t)n;
done:
  TS_RESP_free(resp);
  BIO_free(rb);
  sk_X509_free(certs);
  ASN1_OBJECT_free(policy);
  TS_RESP_CTX_free(c);
  X509_ALGOR_free(alg);
  TS_MSG_IMPRINT_free(mi);
  TS_REQ_free(req);
  ERR_clear_error();
  return der;
}

typedef enum tst_mode { TST_NONE, TST_GOOD, TST_WRONG_IMPRINT } tst_mode;

/* kyso signs the plain PDF with k (prepare, sign, finish[_timestamped]). */
static kyso_status doc_sign(doc *d, const tkey *k, kyso_scheme scheme,
                            kyso_digest digest, size_t reserve, tst_mode tst,
                            kyso_error *err) {
  kyso_sign_options o;
  kyso_sig_session *s = NULL;
  kyso_status st;
  uint8_t *pdf, *sig = NULL, *token = NULL;
  const uint8_t *attrs, *update;
  size_t pdf_len = 0, attrs_len = 0, sig_len = 0, token_len = 0, update_len = 0,
         count = 0;
  kyso_pdf *p = NULL;
  const kyso_pdf_signature *sigs = NULL;

  memset(d, 0, sizeof(*d));
  pdf = test_pdf_minimal(&pdf_len);
  kyso_sign_options_init(&o);
  o.certificate.data = k->der;
  o.certificate.len = k->der_len;
  o.chain = NULL;
  o.scheme = scheme;
  o.digest = digest;
  o.signing_time = SIGNING_TIME;
  o.contents_reserve = reserve;
  st = kyso_sig_prepare(pdf, pdf_len, &o, &s, err);
  if (st != KYSO_OK)
    goto done;
  attrs = kyso_sig_session_get_signed_attrs(s, &attrs_len);
  sig =
      test_pki_sign(k->key, kyso_sig_session_get_digest(s),
                    kyso_sig_session_get_scheme(s), attrs, attrs_len, &sig_len);
  if (!sig) {
    st = KYSO_ERR_CRYPTO;
    goto done;
  }
  if (tst == TST_NONE) {
    st = kyso_sig_finish(s, sig, sig_len, err);
  } else {
    static const uint8_t other[] = "not the signature value";
    token = tst == TST_GOOD
                ? make_token(&tsa, sig, sig_len, GEN_TIME, &token_len)
                : make_token(&tsa, other, sizeof(other), GEN_TIME, &token_len);
    CHECK(token != NULL);
    st = kyso_sig_finish_timestamped(s, sig, sig_len, token, token_len, err);
  }
  if (st != KYSO_OK)
    goto done;
  update = kyso_sig_session_get_update(s, &update_len);
  d->data = malloc(pdf_len + update_len);
  if (!d->data)
    abort();
  memcpy(d->data, pdf, pdf_len);
  memcpy(d->data + pdf_len, update, update_len);
  d->len = pdf_len + update_len;
  st = kyso_pdf_open(d->data, d->len, &p, err);
  if (st == KYSO_OK)
    st = kyso_pdf_list_signatures(p, &sigs, &count, err);
  if (st == KYSO_OK && count == 1)
    memcpy(d->br, sigs[0].byte_range, sizeof(d->br));
  else if (st == KYSO_OK)
    st = KYSO_ERR_STATE;
done:
  kyso_pdf_close(p);
  OPENSSL_free(token);
  OPENSSL_free(sig);
  kyso_sig_session_free(s);
  free(pdf);
  return st;
}

static void doc_parts(const doc *d, kyso_blob parts[2]) {
  parts[0].data = d->data + d->br[0];
  parts[0].len = (size_t)d->br[1];
  parts[1].data = d->data + d->br[2];
  parts[1].len = (size_t)d->br[3];
}

/* The signed bytes in one buffer (OpenSSL CMS_sign wants a BIO). */
static BIO *doc_content(const doc *d) {
  BIO *b = BIO_new(BIO_s_mem());
  kyso_blob parts[2];
  doc_parts(d, parts);
  if (!b ||
      BIO_write(b, parts[0].data, (int)parts[0].len) != (int)parts[0].len ||
      BIO_write(b, parts[1].data, (int)parts[1].len) != (int)parts[1].len)
    abort();
  return b;
}

/* Writes der into the /Contents hole (hex, zero padded). 0 if it fits. */
static int doc_put_cms(doc *d, const uint8_t *der, size_t len) {
  static const char hex[] = "0123456789abcdef";
  uint8_t *at = d->data + d->br[1] + 1;
  size_t room = (size_t)(d->br[2] - d->br[1] - 2) / 2, i;

  if (len > room)
    return -1;
  memset(at, '0', room * 2);
  for (i = 0; i < len; i++) {
    at[2 * i] = (uint8_t)hex[der[i] >> 4];
    at[2 * i + 1] = (uint8_t)hex[der[i] & 15];
  }
  return 0;
}

/* Replaces the first occurrence of from by to (same length) in the signed
 * revision; the CMS must be rebuilt afterwards. */
static int doc_patch(doc *d, const char *from, const char *to) {
  size_t n = strlen(from), i;
  if (strlen(to) != n)
    return -1;
  for (i = 0; i + n <= d->len; i++)
    if (memcmp(d->data + i, from, n) == 0) {
      memcpy(d->data + i, to, n);
      return 0;
    }
  return -1;
}

/* The CMS currently in the hole, decoded (DER length from its header). */
static CMS_ContentInfo *doc_cms(const doc *d) {
  size_t room = (size_t)(d->br[2] - d->br[1] - 2) / 2, i;
  uint8_t *bin = malloc(room);
  const unsigned char *p = bin;
  CMS_ContentInfo *cms;

  if (!bin)
    abort();
  for (i = 0; i < room; i++) {
    unsigned v;
    sscanf((const char *)d->data + d->br[1] + 1 + 2 * i, "%2x", &v);
    bin[i] = (uint8_t)v;
  }
  cms = d2i_CMS_ContentInfo(NULL, &p, (long)room);
  free(bin);
  return cms;
}

/*
 * An OpenSSL-made detached CMS over the document's ranges: signer k,
 * digest md, flags for CMS_add1_signer (CMS_NOATTR, CMS_NOCERTS, ...).
 * extra_attr: a signed attribute (OID text and DER value) to add, or NULL.
 */
static uint8_t *openssl_cms(const doc *d, const tkey *k, const EVP_MD *md,
                            unsigned int flags, const char *attr_oid,
                            const uint8_t *attr_der, size_t attr_len,
                            size_t *out_len) {
  BIO *content = doc_content(d);
  CMS_ContentInfo *cms = NULL;
  CMS_SignerInfo *si;
  unsigned char *der = NULL;
  int n;

  *out_len = 0;
  cms =
      CMS_sign(NULL, NULL, NULL, NULL, CMS_PARTIAL | CMS_DETACHED | CMS_BINARY);
  if (!cms)
    goto done;
  si = CMS_add1_signer(cms, k->cert, k->key, md,
                       flags | CMS_BINARY | CMS_NOSMIMECAP);
  if (!si)
    goto done;
  if (attr_oid) {
    ASN1_STRING *seq = ASN1_STRING_new();
    ASN1_OBJECT *obj = OBJ_txt2obj(attr_oid, 1);
    int ok = seq && obj && ASN1_STRING_set(seq, attr_der, (int)attr_len) &&
             CMS_signed_add1_attr_by_OBJ(si, obj, V_ASN1_SEQUENCE, seq, -1);
    ASN1_STRING_free(seq);
    ASN1_OBJECT_free(obj);
    if (!ok)
      goto done;
  }
  if (CMS_final(cms, content, NULL, CMS_DETACHED | CMS_BINARY) != 1)
    goto done;
  n = i2d_CMS_ContentInfo(cms, &der);
  if (n > 0)
    *out_len = (size_t)n;
done:
  if (!*out_len)
    ERR_print_errors_fp(stderr);
  CMS_ContentInfo_free(cms);
  BIO_free(content);
  return der;
}

/* ---- running the stage -------------------------------------------------- */

static int stage_anchor = 1; /* the CA is a trust anchor */

typedef struct stage {
  kyso_report *report;
  kyso_sig_report *rep;
  kyso_sig_state st;
  kyso_verify_ctx ctx;
  kyso_verify_options opt;
  uint8_t *contents;
  kyso_status status;
} stage;

/* Runs kyso_verify_cms on d as the orchestrator would after STRUCTURE.
 * claimed: the /M time (0: none). */
static void stage_run(stage *s, const doc *d, const char *type,
                      const char *sub_filter, int64_t claimed) {
  kyso_error err;
  size_t room = (size_t)(d->br[2] - d->br[1] - 2) / 2, i;

  memset(s, 0, sizeof(*s));
  kyso_verify_options_init(&s->opt);
  s->opt.validation_time = VALIDATION_TIME;
  s->report = calloc(1, sizeof(*s->report));
  s->contents = malloc(room ? room : 1);
  if (!s->report || !s->contents)
    abort();
  kyso_arena_init(&s->report->arena);
  kyso_buf_init(&s->report->json);
  s->rep = kyso_arena_calloc(&s->report->arena, 1, sizeof(*s->rep));
  s->report->sigs = s->rep;
  s->report->count = 1;
  s->rep->type = type;
  s->rep->sub_filter = sub_filter;
  memcpy(s->rep->byte_range, d->br, sizeof(d->br));
  s->rep->byte_range_count = 4;
  s->rep->revision = 1;
  if (claimed) {
    s->rep->has_claimed_time = 1;
    s->rep->claimed_time = claimed;
  }
  for (i = 0; i < room; i++) {
    unsigned v = 0;
    sscanf((const char *)d->data + d->br[1] + 1 + 2 * i, "%2x", &v);
    s->contents[i] = (uint8_t)v;
  }
  s->ctx.data = d->data;
  s->ctx.len = d->len;
  s->ctx.options = &s->opt;
  s->ctx.report = s->report;
  s->ctx.anchors = sk_X509_new_null();
  if (!s->ctx.anchors)
    abort();
  if (stage_anchor) {
    if (!sk_X509_push(s->ctx.anchors, ca.cert))
      abort();
    X509_up_ref(ca.cert);
  }
  s->st.rep = s->rep;
  s->st.contents = s->contents;
  s->st.contents_len = room;
  s->st.structure_ok = 1;
  kyso_error_clear(&err);
  s->status = kyso_verify_cms(&s->ctx, &s->st, &err);
  CHECK_EQ_INT(s->status, KYSO_OK);
  CHECK_EQ_INT(ERR_peek_error(), 0); /* the error queue left clean */
}

static void stage_free(stage *s) {
  kyso_sig_state_free(&s->st);
  sk_X509_pop_free(s->ctx.anchors, X509_free);
  kyso_report_free(s->report);
  free(s->contents);
  memset(s, 0, sizeof(*s));
}

static const kyso_check *chk(const stage *s, kyso_check_id id) {
  return &s->rep->checks[id];
}

#define CHECK_RESULT(s, id, want_result, want_reason)                          \
  do {                                                                         \
    CHECK_EQ_INT(chk(s, id)->result, want_result);                             \
    if (want_reason)                                                           \
      CHECK_EQ_STR(chk(s, id)->reason, (const char *)(want_reason));           \
    else                                                                       \
      CHECK(chk(s, id)->reason == NULL);                                       \
  } while (0)

static void check_cms_ok(const stage *s) {
  CHECK_RESULT(s, KYSO_CHECK_CMS, KYSO_RESULT_PASSED, "ok");
  CHECK_RESULT(s, KYSO_CHECK_INTEGRITY, KYSO_RESULT_PASSED, "ok");
  CHECK_RESULT(s, KYSO_CHECK_SIGNING_CERT, KYSO_RESULT_PASSED, "ok");
  CHECK_RESULT(s, KYSO_CHECK_SIGNATURE, KYSO_RESULT_PASSED, "ok");
  CHECK_RESULT(s, KYSO_CHECK_ALGORITHMS, KYSO_RESULT_PASSED, "ok");
}

/* adbe.pkcs7.detached made by OpenSSL: all good, without ESS. */
static void check_pkcs7_ok(const stage *s) {
  CHECK_RESULT(s, KYSO_CHECK_CMS, KYSO_RESULT_PASSED, "ok");
  CHECK_RESULT(s, KYSO_CHECK_INTEGRITY, KYSO_RESULT_PASSED, "ok");
  CHECK_RESULT(s, KYSO_CHECK_SIGNING_CERT, KYSO_RESULT_PASSED,
               "ess_absent_allowed");
  CHECK_RESULT(s, KYSO_CHECK_SIGNATURE, KYSO_RESULT_PASSED, "ok");
  CHECK_RESULT(s, KYSO_CHECK_ALGORITHMS, KYSO_RESULT_PASSED, "ok");
}

/* ---- tests --------------------------------------------------------------- */

static void test_valid(const tkey *k, kyso_scheme scheme, kyso_digest digest,
                       const char *digest_name, const char *sig_name,
                       int bits) {
  doc d;
  stage s;
  kyso_error err;
  kyso_status st = doc_sign(&d, k, scheme, digest, 0, TST_NONE, &err);

  CHECK_EQ_INT(st, KYSO_OK);
  if (st != KYSO_OK) {
    fprintf(stderr, "sign: %s\n", err.message);
    return;
  }
  stage_run(&s, &d, "Sig", "ETSI.CAdES.detached", SIGNING_TIME);
  check_cms_ok(&s);
  CHECK_RESULT(&s, KYSO_CHECK_TIMESTAMP, KYSO_RESULT_NOT_RUN, "no_timestamp");
  CHECK(s.st.signer != NULL && X509_cmp(s.st.signer, k->cert) == 0);
  CHECK(s.st.cms != NULL && sk_X509_num(s.st.cms_certs) == 1);
  CHECK_EQ_STR(s.rep->signer_cn, SIGNER_CN);
  CHECK_EQ_STR(s.rep->signer_o, SIGNER_O);
  CHECK_EQ_STR(s.rep->signer_subject, "CN=" SIGNER_CN ",O=" SIGNER_O ",C=VN");
  CHECK_EQ_STR(s.rep->issuer_cn, "kyso test CA");
  CHECK_EQ_STR(s.rep->issuer_subject, "CN=kyso test CA,O=" SIGNER_O ",C=VN");
  CHECK_EQ_STR(s.rep->signer_serial, k == &rsa ? "1234ABCD" : "22");
  CHECK_EQ_STR(s.rep->digest_algorithm, digest_name);
  CHECK_EQ_STR(s.rep->signature_algorithm, sig_name);
  CHECK_EQ_INT(s.rep->key_bits, bits);
  CHECK_EQ_INT(s.rep->has_timestamp, 0);
  /* no timestamp: the claimed /M, unproven */
  CHECK_EQ_INT(s.st.signing_time, SIGNING_TIME);
  CHECK_EQ_INT(s.st.time_proven, 0);
  CHECK(s.st.archived_crls == NULL && s.st.archived_ocsps == NULL);
  stage_free(&s);

  /* without /M the validation time stands in */
  stage_run(&s, &d, "Sig", "ETSI.CAdES.detached", 0);
  CHECK_EQ_INT(s.st.signing_time, VALIDATION_TIME);
  stage_free(&s);
  doc_free(&d);
}

/* A byte inside the first range, one inside the second, and one in the
 * signature value. */
static void test_tampered(void) {
  doc d;
  stage s;
  kyso_error err;
  CMS_ContentInfo *cms;
  const ASN1_OCTET_STRING *sv;
  char hex[5];
  uint8_t *at;

  if (doc_sign(&d, &rsa, KYSO_SCHEME_AUTO, KYSO_DIGEST_SHA256, 0, TST_NONE,
               &err) != KYSO_OK) {
    CHECK(0);
    return;
  }
  d.data[10] ^= 1; /* the binary comment of the header */
  stage_run(&s, &d, "Sig", "ETSI.CAdES.detached", SIGNING_TIME);
  CHECK_RESULT(&s, KYSO_CHECK_CMS, KYSO_RESULT_PASSED, "ok");
  CHECK_RESULT(&s, KYSO_CHECK_INTEGRITY, KYSO_RESULT_FAILED,
               "message_digest_mismatch");
  /* the attributes themselves are untouched: the signature still holds */
  CHECK_RESULT(&s, KYSO_CHECK_SIGNATURE, KYSO_RESULT_PASSED, "ok");
  stage_free(&s);
  d.data[10] ^= 1;

  d.data[d.len - 3] ^= 1; /* in "%%EOF", the second range */
  stage_run(&s, &d, "Sig", "ETSI.CAdES.detached", SIGNING_TIME);
  CHECK_RESULT(&s, KYSO_CHECK_INTEGRITY, KYSO_RESULT_FAILED,
               "message_digest_mismatch");
  stage_free(&s);
  d.data[d.len - 3] ^= 1;

  /* flip the last byte of the signature value, found as hex in /Contents */
  cms = doc_cms(&d);
  CHECK(cms != NULL);
  if (!cms)
    goto done;
  sv = CMS_SignerInfo_get0_signature(
      sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0));
  {
    const uint8_t *v = ASN1_STRING_get0_data(sv);
    size_t n = (size_t)ASN1_STRING_length(sv), i, j;
    char needle[2 * 16 + 1];
    for (i = 0; i < 16; i++)
      snprintf(needle + 2 * i, 3, "%02x", v[n - 16 + i]);
    at = NULL;
    for (j = (size_t)d.br[1]; j + 32 <= (size_t)d.br[2]; j++)
      if (memcmp(d.data + j, needle, 32) == 0)
        at = d.data + j + 30;
    CHECK(at != NULL);
    if (at) {
      snprintf(hex, sizeof(hex), "%02x", (unsigned)(v[n - 1] ^ 0x5a));
      memcpy(at, hex, 2);
    }
  }
  CMS_ContentInfo_free(cms);
  stage_run(&s, &d, "Sig", "ETSI.CAdES.detached", SIGNING_TIME);
  CHECK_RESULT(&s, KYSO_CHECK_CMS, KYSO_RESULT_PASSED, "ok");
  CHECK_RESULT(&s, KYSO_CHECK_INTEGRITY, KYSO_RESULT_PASSED, "ok");
  CHECK_RESULT(&s, KYSO_CHECK_SIGNATURE, KYSO_RESULT_FAILED,
               "signature_invalid");
  stage_free(&s);
done:
  doc_free(&d);
}

/* The CMS names rsa in its ESS attribute, but carries twin (same issuer
 * and serial, other key) and is signed by twin. */
static void test_ess_mismatch(void) {
  doc d;
  stage s;
  kyso_error err;
  kyso_buf attrs, cms;
  kyso_blob parts[2];
  uint8_t md[32], *sig = NULL;
  size_t sig_len = 0;

  kyso_buf_init(&attrs);
  kyso_buf_init(&cms);
  if (doc_sign(&d, &rsa, KYSO_SCHEME_AUTO, KYSO_DIGEST_SHA256, 0, TST_NONE,
               &err) != KYSO_OK) {
    CHECK(0);
    return;
  }
  doc_parts(&d, parts);
  CHECK_EQ_INT(kyso_digest_parts(KYSO_DIGEST_SHA256, parts, 2, md, &err),
               KYSO_OK);
  CHECK_EQ_INT(kyso_cms_build_signed_attrs((kyso_blob){rsa.der, rsa.der_len},
                                           KYSO_DIGEST_SHA256, md, 32, &attrs,
                                           &err),
               KYSO_OK);
  sig = test_pki_sign(twin.key, KYSO_DIGEST_SHA256, KYSO_SCHEME_RSA_PKCS1,
                      attrs.data, attrs.len, &sig_len);
  CHECK(sig != NULL);
  CHECK_EQ_INT(
      kyso_cms_build_signed_data((kyso_blob){twin.der, twin.der_len}, NULL, 0,
                                 KYSO_DIGEST_SHA256, KYSO_SCHEME_RSA_PKCS1,
                                 (kyso_blob){attrs.data, attrs.len},
                                 (kyso_blob){sig, sig_len}, &cms, &err),
      KYSO_OK);
  CHECK_EQ_INT(doc_put_cms(&d, cms.data, cms.len), 0);
  stage_run(&s, &d, "Sig", "ETSI.CAdES.detached", SIGNING_TIME);
  CHECK_RESULT(&s, KYSO_CHECK_CMS, KYSO_RESULT_PASSED, "ok");
  CHECK_RESULT(&s, KYSO_CHECK_INTEGRITY, KYSO_RESULT_PASSED, "ok");
  CHECK_RESULT(&s, KYSO_CHECK_SIGNATURE, KYSO_RESULT_PASSED, "ok");
  CHECK_RESULT(&s, KYSO_CHECK_SIGNING_CERT, KYSO_RESULT_FAILED, "ess_mismatch");
  CHECK(s.st.signer != NULL && X509_cmp(s.st.signer, twin.cert) == 0);
  stage_free(&s);
  OPENSSL_free(sig);
  kyso_buf_free(&attrs);
  kyso_buf_free(&cms);
  doc_free(&d);
}

/* CMS made by OpenSSL over kyso's ranges: SHA-1, no ESS, weak keys,
 * adbe.pkcs7.detached without attributes, no certificates. */
static void test_openssl_variants(void) {
  doc d;
  stage s;
  kyso_error err;
  uint8_t *der;
  size_t len = 0;

  if (doc_sign(&d, &rsa, KYSO_SCHEME_AUTO, KYSO_DIGEST_SHA256, 0, TST_NONE,
               &err) != KYSO_OK) {
    CHECK(0);
    return;
  }

  /* SHA-1: verifies, but weak; OpenSSL adds no ESS, which CAdES needs */
  der = openssl_cms(&d, &rsa, EVP_sha1(), 0, NULL, NULL, 0, &len);
  CHECK(der && doc_put_cms(&d, der, len) == 0);
  OPENSSL_free(der);
  stage_run(&s, &d, "Sig", "ETSI.CAdES.detached", SIGNING_TIME);
  CHECK_RESULT(&s, KYSO_CHECK_CMS, KYSO_RESULT_PASSED, "ok");
  CHECK_RESULT(&s, KYSO_CHECK_INTEGRITY, KYSO_RESULT_PASSED, "ok");
  CHECK_RESULT(&s, KYSO_CHECK_SIGNATURE, KYSO_RESULT_PASSED, "ok");
  CHECK_RESULT(&s, KYSO_CHECK_ALGORITHMS, KYSO_RESULT_FAILED, "weak_digest");
  CHECK_RESULT(&s, KYSO_CHECK_SIGNING_CERT, KYSO_RESULT_FAILED, "ess_missing");
  CHECK_EQ_STR(s.rep->digest_algorithm, "sha1");
  stage_free(&s);

  /* adbe.pkcs7.detached: ESS may be absent. The SubFilter is in the
   * signed range, so patch first, then sign. */
  CHECK_EQ_INT(doc_patch(&d, "/ETSI.CAdES.detached", "/adbe.pkcs7.detached"),
               0);
  der = openssl_cms(&d, &rsa, EVP_sha256(), 0, NULL, NULL, 0, &len);
  CHECK(der && doc_put_cms(&d, der, len) == 0);
  OPENSSL_free(der);
  stage_run(&s, &d, "Sig", "adbe.pkcs7.detached", SIGNING_TIME);
  check_pkcs7_ok(&s);
  stage_free(&s);

  /* adbe.pkcs7.detached without signed attributes: RSA and ECDSA */
  der = openssl_cms(&d, &rsa, EVP_sha256(), CMS_NOATTR, NULL, NULL, 0, &len);
  CHECK(der && doc_put_cms(&d, der, len) == 0);
  OPENSSL_free(der);
  stage_run(&s, &d, "Sig", "adbe.pkcs7.detached", SIGNING_TIME);
  CHECK_RESULT(&s, KYSO_CHECK_CMS, KYSO_RESULT_PASSED, "ok");
  CHECK_RESULT(&s, KYSO_CHECK_INTEGRITY, KYSO_RESULT_PASSED, "ok");
  CHECK_RESULT(&s, KYSO_CHECK_SIGNATURE, KYSO_RESULT_PASSED, "ok");
  CHECK_RESULT(&s, KYSO_CHECK_ALGORITHMS, KYSO_RESULT_PASSED, "ok");
  stage_free(&s);
  d.data[10] ^= 1;
  stage_run(&s, &d, "Sig", "adbe.pkcs7.detached", SIGNING_TIME);
  CHECK_RESULT(&s, KYSO_CHECK_SIGNATURE, KYSO_RESULT_FAILED,
               "signature_invalid");
  CHECK(chk(&s, KYSO_CHECK_INTEGRITY)->result != KYSO_RESULT_PASSED);
  stage_free(&s);
  d.data[10] ^= 1;
  der = openssl_cms(&d, &ec, EVP_sha384(), CMS_NOATTR, NULL, NULL, 0, &len);
  CHECK(der && doc_put_cms(&d, der, len) == 0);
  OPENSSL_free(der);
  stage_run(&s, &d, "Sig", "adbe.pkcs7.detached", SIGNING_TIME);
  CHECK_RESULT(&s, KYSO_CHECK_INTEGRITY, KYSO_RESULT_PASSED, "ok");
  CHECK_RESULT(&s, KYSO_CHECK_SIGNATURE, KYSO_RESULT_PASSED, "ok");
  CHECK_EQ_STR(s.rep->digest_algorithm, "sha384");
  CHECK_EQ_STR(s.rep->signature_algorithm, "ecdsa");
  stage_free(&s);
  /* ...but ETSI.CAdES.detached must have signed attributes */
  stage_run(&s, &d, "Sig", "ETSI.CAdES.detached", SIGNING_TIME);
  CHECK_RESULT(&s, KYSO_CHECK_INTEGRITY, KYSO_RESULT_FAILED,
               "message_digest_missing");
  stage_free(&s);

  /* weak keys */
  der = openssl_cms(&d, &rsa1024, EVP_sha256(), 0, NULL, NULL, 0, &len);
  CHECK(der && doc_put_cms(&d, der, len) == 0);
  OPENSSL_free(der);
  stage_run(&s, &d, "Sig", "adbe.pkcs7.detached", SIGNING_TIME);
  CHECK_RESULT(&s, KYSO_CHECK_SIGNATURE, KYSO_RESULT_PASSED, "ok");
  CHECK_RESULT(&s, KYSO_CHECK_ALGORITHMS, KYSO_RESULT_FAILED, "weak_key");
  CHECK_EQ_INT(s.rep->key_bits, 1024);
  stage_free(&s);
  der = openssl_cms(&d, &ec224, EVP_sha256(), 0, NULL, NULL, 0, &len);
  CHECK(der && doc_put_cms(&d, der, len) == 0);
  OPENSSL_free(der);
  stage_run(&s, &d, "Sig", "adbe.pkcs7.detached", SIGNING_TIME);
  CHECK_RESULT(&s, KYSO_CHECK_SIGNATURE, KYSO_RESULT_PASSED, "ok");
  CHECK_RESULT(&s, KYSO_CHECK_ALGORITHMS, KYSO_RESULT_FAILED, "weak_key");
  stage_free(&s);

  /* no certificates in the CMS: the signer cannot be found */
  der = openssl_cms(&d, &rsa, EVP_sha256(), CMS_NOCERTS, NULL, NULL, 0, &len);
  CHECK(der && doc_put_cms(&d, der, len) == 0);
  OPENSSL_free(der);
  stage_run(&s, &d, "Sig", "adbe.pkcs7.detached", SIGNING_TIME);
  CHECK_RESULT(&s, KYSO_CHECK_CMS, KYSO_RESULT_PASSED, "ok");
  CHECK_RESULT(&s, KYSO_CHECK_SIGNING_CERT, KYSO_RESULT_FAILED,
               "signer_certificate_missing");
  CHECK_RESULT(&s, KYSO_CHECK_INTEGRITY, KYSO_RESULT_PASSED, "ok");
  CHECK_RESULT(&s, KYSO_CHECK_SIGNATURE, KYSO_RESULT_NOT_RUN, NULL);
  CHECK(s.st.signer == NULL && s.rep->signer_cn == NULL);
  stage_free(&s);
  doc_free(&d);
}

/* adbe-revocationInfoArchival with a CRL and an OCSP response. */
static void test_archival(void) {
  doc d;
  stage s;
  kyso_error err;
  X509_CRL *crl = X509_CRL_new();
  OCSP_RESPONSE *ocsp =
      OCSP_response_create(OCSP_RESPONSE_STATUS_TRYLATER, NULL);
  unsigned char *crl_der = NULL, *ocsp_der = NULL;
  int crl_len, ocsp_len;
  kyso_buf b;
  uint8_t *der;
  size_t len = 0;

  kyso_buf_init(&b);
  if (doc_sign(&d, &rsa, KYSO_SCHEME_AUTO, KYSO_DIGEST_SHA256, 0, TST_NONE,
               &err) != KYSO_OK) {
    CHECK(0);
    return;
  }
  CHECK(crl && ocsp && X509_CRL_set_version(crl, 1) &&
        X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca.cert)) &&
        X509_CRL_set1_lastUpdate(crl, X509_get0_notBefore(ca.cert)) &&
        X509_CRL_sign(crl, ca.key, EVP_sha256()) > 0);
  crl_len = i2d_X509_CRL(crl, &crl_der);
  ocsp_len = i2d_OCSP_RESPONSE(ocsp, &ocsp_der);
  CHECK(crl_len > 0 && ocsp_len > 0);
  /* SEQUENCE { [0] { SEQUENCE OF { crl } }, [1] { SEQUENCE OF { ocsp } } }
   * by hand: the CRL needs two length octets, the OCSP response one. */
  CHECK(crl_len > 127 && crl_len < 65000 && ocsp_len < 120);
  {
    kyso_buf body;
    kyso_buf_init(&body);
    /* [0] EXPLICIT SEQUENCE OF CertificateList */
    kyso_buf_append_byte(&body, 0xa0);
    kyso_buf_append_byte(&body, 0x82);
    kyso_buf_append_byte(&body, (uint8_t)((crl_len + 4) >> 8));
    kyso_buf_append_byte(&body, (uint8_t)(crl_len + 4));
    kyso_buf_append_byte(&body, 0x30);
    kyso_buf_append_byte(&body, 0x82);
    kyso_buf_append_byte(&body, (uint8_t)(crl_len >> 8));
    kyso_buf_append_byte(&body, (uint8_t)crl_len);
    kyso_buf_append(&body, crl_der, (size_t)crl_len);
    /* [1] EXPLICIT SEQUENCE OF OCSPResponse (short) */
    kyso_buf_append_byte(&body, 0xa1);
    kyso_buf_append_byte(&body, (uint8_t)(ocsp_len + 2));
    kyso_buf_append_byte(&body, 0x30);
    kyso_buf_append_byte(&body, (uint8_t)ocsp_len);
    kyso_buf_append(&body, ocsp_der, (size_t)ocsp_len);
    kyso_buf_append_byte(&b, 0x30);
    kyso_buf_append_byte(&b, 0x82);
    kyso_buf_append_byte(&b, (uint8_t)(body.len >> 8));
    kyso_buf_append_byte(&b, (uint8_t)body.len);
    kyso_buf_append(&b, body.data, body.len);
    kyso_buf_free(&body);
  }
  CHECK(kyso_buf_ok(&b));
  CHECK_EQ_INT(doc_patch(&d, "/ETSI.CAdES.detached", "/adbe.pkcs7.detached"),
               0);
  der = openssl_cms(&d, &rsa, EVP_sha256(), 0, "1.2.840.113583.1.1.8", b.data,
                    b.len, &len);
  CHECK(der && doc_put_cms(&d, der, len) == 0);
  OPENSSL_free(der);
  stage_run(&s, &d, "Sig", "adbe.pkcs7.detached", SIGNING_TIME);
  check_pkcs7_ok(&s);
  CHECK_EQ_INT(sk_X509_CRL_num(s.st.archived_crls), 1);
  CHECK_EQ_INT(sk_OCSP_RESPONSE_num(s.st.archived_ocsps), 1);
  stage_free(&s);

  /* a malformed archival attribute is ignored, the signature stands */
  b.data[0] = 0x31;
  der = openssl_cms(&d, &rsa, EVP_sha256(), 0, "1.2.840.113583.1.1.8", b.data,
                    b.len, &len);
  CHECK(der && doc_put_cms(&d, der, len) == 0);
  OPENSSL_free(der);
  stage_run(&s, &d, "Sig", "adbe.pkcs7.detached", SIGNING_TIME);
  CHECK_RESULT(&s, KYSO_CHECK_SIGNATURE, KYSO_RESULT_PASSED, "ok");
  CHECK(s.st.archived_crls == NULL && s.st.archived_ocsps == NULL);
  stage_free(&s);

  kyso_buf_free(&b);
  OPENSSL_free(crl_der);
  OPENSSL_free(ocsp_der);
  X509_CRL_free(crl);
  OCSP_RESPONSE_free(ocsp);
  doc_free(&d);
}

/* /Contents that is not (only) a CMS. */
static void test_contents(void) {
  doc d;
  stage s;
  kyso_error err;
  CMS_ContentInfo *cms;
  uint8_t *der = NULL;
  size_t n, hole, i;
  int len;

  if (doc_sign(&d, &ec, KYSO_SCHEME_AUTO, KYSO_DIGEST_SHA256, 0, TST_NONE,
               &err) != KYSO_OK) {
    CHECK(0);
    return;
  }
  cms = doc_cms(&d);
  len = cms ? i2d_CMS_ContentInfo(cms, &der) : -1;
  CMS_ContentInfo_free(cms);
  CHECK(len > 0);
  if (len <= 0)
    goto done;
  n = (size_t)len;
  hole = (size_t)(d.br[2] - d.br[1] - 2);

  /* garbage right after the DER, inside the hole */
  d.data[d.br[1] + 1 + 2 * n + 7] = '1';
  stage_run(&s, &d, "Sig", "ETSI.CAdES.detached", SIGNING_TIME);
  CHECK_RESULT(&s, KYSO_CHECK_CMS, KYSO_RESULT_FAILED, "cms_trailing_data");
  CHECK_RESULT(&s, KYSO_CHECK_INTEGRITY, KYSO_RESULT_NOT_RUN, NULL);
  CHECK_RESULT(&s, KYSO_CHECK_SIGNATURE, KYSO_RESULT_NOT_RUN, NULL);
  CHECK(s.st.signer == NULL);
  stage_free(&s);
  d.data[d.br[1] + 1 + 2 * n + 7] = '0';

  /* the last byte of the hole */
  d.data[d.br[2] - 2] = 'f';
  stage_run(&s, &d, "Sig", "ETSI.CAdES.detached", SIGNING_TIME);
  CHECK_RESULT(&s, KYSO_CHECK_CMS, KYSO_RESULT_FAILED, "cms_trailing_data");
  stage_free(&s);
  d.data[d.br[2] - 2] = '0';

  /* the DER cut short: its length runs past the hole */
  {
    uint8_t *copy = malloc(n);
    if (!copy)
      abort();
    memcpy(copy, der, n);
    CHECK_EQ_INT(doc_put_cms(&d, copy, n), 0);
    d.data[d.br[1] + 1 + 5] ^= 0x02; /* bump the outer length */
    stage_run(&s, &d, "Sig", "ETSI.CAdES.detached", SIGNING_TIME);
    CHECK_RESULT(&s, KYSO_CHECK_CMS, KYSO_RESULT_FAILED, "cms_malformed");
    stage_free(&s);
    free(copy);
  }

  /* garbage /Contents, all zero /Contents, a lone byte */
  for (i = 0; i < hole; i++)
    d.data[d.br[1] + 1 + i] = "0123456789abcdef"[(i * 7 + 3) % 16];
  stage_run(&s, &d, "Sig", "ETSI.CAdES.detached", SIGNING_TIME);
  CHECK_RESULT(&s, KYSO_CHECK_CMS, KYSO_RESULT_FAILED, "cms_malformed");
  CHECK_RESULT(&s, KYSO_CHECK_TIMESTAMP, KYSO_RESULT_NOT_RUN, NULL);
  CHECK_EQ_INT(s.st.signing_time, SIGNING_TIME);
  stage_free(&s);
  memset(d.data + d.br[1] + 1, '0', hole);
  stage_run(&s, &d, "Sig", "ETSI.CAdES.detached", SIGNING_TIME);
  CHECK_RESULT(&s, KYSO_CHECK_CMS, KYSO_RESULT_FAILED, "cms_malformed");
  stage_free(&s);
  memcpy(d.data + d.br[1] + 1, "3080", 4); /* indefinite, nothing inside */
  stage_run(&s, &d, "Sig", "ETSI.CAdES.detached", SIGNING_TIME);
  CHECK_RESULT(&s, KYSO_CHECK_CMS, KYSO_RESULT_FAILED, "cms_malformed");
  stage_free(&s);

  /* not SignedData: a ContentInfo of type id-data */
  {
    static const uint8_t data_ci[] = {0x30, 0x0f, 0x06, 0x09, 0x2a, 0x86,
                                      0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07,
                                      0x01, 0xa0, 0x02, 0x04, 0x00};
    CHECK_EQ_INT(doc_put_cms(&d, data_ci, sizeof(data_ci)), 0);
    stage_run(&s, &d, "Sig", "ETSI.CAdES.detached", SIGNING_TIME);
    CHECK_RESULT(&s, KYSO_CHECK_CMS, KYSO_RESULT_FAILED, "cms_not_signed_data");
    stage_free(&s);
  }

  /* a structure that failed earlier: nothing runs */
  CHECK_EQ_INT(doc_put_cms(&d, der, n), 0);
  {
    kyso_verify_options opt;
    kyso_verify_ctx ctx;
    kyso_sig_state st;
    kyso_sig_report rep;
    memset(&ctx, 0, sizeof(ctx));
    memset(&st, 0, sizeof(st));
    memset(&rep, 0, sizeof(rep));
    kyso_verify_options_init(&opt);
    opt.validation_time = VALIDATION_TIME;
    ctx.options = &opt;
    st.rep = &rep;
    CHECK_EQ_INT(kyso_verify_cms(&ctx, &st, &err), KYSO_OK);
    CHECK_EQ_INT(rep.checks[KYSO_CHECK_CMS].result, KYSO_RESULT_NOT_RUN);
    CHECK(st.cms == NULL);
    CHECK_EQ_INT(st.signing_time, VALIDATION_TIME);
  }
done:
  OPENSSL_free(der);
  doc_free(&d);
}

/* A SignedData holding content (not detached) and two SignerInfos. */
static void test_shape(void) {
  doc d;
  stage s;
  kyso_error err;
  BIO *content;
  CMS_ContentInfo *cms;
  unsigned char *der = NULL;
  int n;

  if (doc_sign(&d, &rsa, KYSO_SCHEME_AUTO, KYSO_DIGEST_SHA256, 0, TST_NONE,
               &err) != KYSO_OK) {
    CHECK(0);
    return;
  }
  content = doc_content(&d);
  cms = CMS_sign(rsa.cert, rsa.key, NULL, content, CMS_BINARY);
  n = cms ? i2d_CMS_ContentInfo(cms, &der) : -1;
  CHECK(n > 0 && doc_put_cms(&d, der, (size_t)n) == 0);
  OPENSSL_free(der);
  der = NULL;
  CMS_ContentInfo_free(cms);
  BIO_free(content);
  stage_run(&s, &d, "Sig", "ETSI.CAdES.detached", SIGNING_TIME);
  CHECK_RESULT(&s, KYSO_CHECK_CMS, KYSO_RESULT_FAILED, "cms_not_detached");
  stage_free(&s);

  content = doc_content(&d);
  cms =
      CMS_sign(NULL, NULL, NULL, NULL, CMS_PARTIAL | CMS_DETACHED | CMS_BINARY);
  CHECK(cms && CMS_add1_signer(cms, rsa.cert, rsa.key, EVP_sha256(), 0) &&
        CMS_add1_signer(cms, ec.cert, ec.key, EVP_sha256(), 0) &&
        CMS_final(cms, content, NULL, CMS_DETACHED | CMS_BINARY) == 1);
  n = cms ? i2d_CMS_ContentInfo(cms, &der) : -1;
  CHECK(n > 0 && doc_put_cms(&d, der, (size_t)n) == 0);
  OPENSSL_free(der);
  CMS_ContentInfo_free(cms);
  BIO_free(content);
  stage_run(&s, &d, "Sig", "ETSI.CAdES.detached", SIGNING_TIME);
  /* Two well-formed SignerInfos are not a format failure: each is
   * verified, the first signer is reported (test_signers goes further). */
  CHECK_RESULT(&s, KYSO_CHECK_CMS, KYSO_RESULT_PASSED, "cms_multiple_signers");
  CHECK_RESULT(&s, KYSO_CHECK_SIGNATURE, KYSO_RESULT_PASSED, "ok");
  stage_free(&s);
  doc_free(&d);
}

/* signing-certificate-v2 as a signed attribute (OpenSSL 3.0 has no
 * public CMS_add1_signing_cert_v2). */
static int add_ess_v2(CMS_SignerInfo *si, ESS_SIGNING_CERT_V2 *sc) {
  unsigned char *der = NULL;
  int n = i2d_ESS_SIGNING_CERT_V2(sc, &der), ok = 0;
  ASN1_STRING *seq = ASN1_STRING_new();
  if (n > 0 && seq && ASN1_STRING_set(seq, der, n))
    ok = CMS_signed_add1_attr_by_NID(si, NID_id_smime_aa_signingCertificateV2,
                                     V_ASN1_SEQUENCE, seq, -1);
  ASN1_STRING_free(seq);
  OPENSSL_free(der);
  return ok;
}

/* Signature timestamps (B-T): made by OpenSSL's TSA code, embedded by
 * kyso_sig_finish_timestamped. */
/* Puts in d's hole a SignedData by the EC signer: attrs, their value sig
 * and token as its signature timestamp. cms is reset to hold the DER. */
static void put_timestamped_cms(doc *d, kyso_buf *cms, const kyso_buf *attrs,
                                const uint8_t *sig, size_t sig_len,
                                const uint8_t *token, size_t token_len) {
  kyso_error err;

  kyso_buf_free(cms);
  kyso_buf_init(cms);
  CHECK_EQ_INT(kyso_cms_build_signed_data_ts(
                   (kyso_blob){ec.der, ec.der_len}, NULL, 0, KYSO_DIGEST_SHA256,
                   KYSO_SCHEME_ECDSA, (kyso_blob){attrs->data, attrs->len},
                   (kyso_blob){sig, sig_len}, (kyso_blob){token, token_len},
                   cms, &err),
               KYSO_OK);
  CHECK_EQ_INT(doc_put_cms(d, cms->data, cms->len), 0);
}

static void test_timestamp(void) {
  doc d;
  stage s;
  kyso_error err;
  kyso_status st;
  kyso_buf attrs, cms;
  kyso_blob parts[2];
  uint8_t md[32], *sig = NULL, *token = NULL;
  size_t sig_len = 0, token_len = 0;

  kyso_buf_init(&attrs);
  kyso_buf_init(&cms);
  st = doc_sign(&d, &rsa, KYSO_SCHEME_AUTO, KYSO_DIGEST_SHA256, 0, TST_GOOD,
                &err);
  CHECK_EQ_INT(st, KYSO_OK);
  if (st != KYSO_OK) {
    fprintf(stderr, "timestamped: %s\n", err.message);
    return;
  }
  stage_run(&s, &d, "Sig", "ETSI.CAdES.detached", SIGNING_TIME);
  check_cms_ok(&s);
  CHECK_RESULT(&s, KYSO_CHECK_TIMESTAMP, KYSO_RESULT_PASSED, "ok");
  if (chk(&s, KYSO_CHECK_TIMESTAMP)->detail)
    fprintf(stderr, "timestamp: %s\n", chk(&s, KYSO_CHECK_TIMESTAMP)->detail);
  CHECK_EQ_INT(s.rep->has_timestamp, 1);
  CHECK_EQ_INT(s.rep->timestamp_time, GEN_TIME);
  CHECK_EQ_INT(s.st.signing_time, GEN_TIME);
  CHECK_EQ_INT(s.st.time_proven, 1);
  stage_free(&s);

  /* a claimed /M 7 hours after the timestamp (local time written as
   * UTC): noted, not fatal; the timestamp's time counts (issue 13) */
  stage_run(&s, &d, "Sig", "ETSI.CAdES.detached", GEN_TIME + 7 * 3600);
  CHECK_RESULT(&s, KYSO_CHECK_TIMESTAMP, KYSO_RESULT_PASSED,
               "signing_time_after_timestamp");
  CHECK(chk(&s, KYSO_CHECK_TIMESTAMP)->detail &&
        strstr(chk(&s, KYSO_CHECK_TIMESTAMP)->detail, "25200 s (7h00m)"));
  CHECK_EQ_INT(s.rep->has_signing_time_offset, 1);
  CHECK_EQ_INT(s.rep->signing_time_offset, 7 * 3600);
  CHECK_EQ_INT(s.st.time_proven, 1);
  CHECK_EQ_INT(s.st.signing_time, GEN_TIME);
  stage_free(&s);

  /* 10 minutes after: clock skew, plain ok */
  stage_run(&s, &d, "Sig", "ETSI.CAdES.detached", GEN_TIME + 600);
  CHECK_RESULT(&s, KYSO_CHECK_TIMESTAMP, KYSO_RESULT_PASSED, "ok");
  CHECK_EQ_INT(s.rep->has_signing_time_offset, 0);
  CHECK_EQ_INT(s.st.signing_time, GEN_TIME);
  stage_free(&s);

  /* no trust anchor for the TSA (nor the signer: CHAIN is not this stage) */
  stage_anchor = 0;
  stage_run(&s, &d, "Sig", "ETSI.CAdES.detached", SIGNING_TIME);
  stage_anchor = 1;
  check_cms_ok(&s);
  CHECK_RESULT(&s, KYSO_CHECK_TIMESTAMP, KYSO_RESULT_FAILED,
               "timestamp_untrusted");
  CHECK_EQ_INT(s.st.time_proven, 0);
  stage_free(&s);
  doc_free(&d);

  /* kyso refuses a token over anything but the signature value */
  st = doc_sign(&d, &rsa, KYSO_SCHEME_AUTO, KYSO_DIGEST_SHA256, 0,
                TST_WRONG_IMPRINT, &err);
  CHECK_EQ_INT(st, KYSO_ERR_ARGUMENT);
  CHECK_EQ_STR(err.message, "timestamp token does not cover this signature");
  doc_free(&d);

  /* ...so build that CMS by hand: the verifier must catch it too */
  if (doc_sign(&d, &ec, KYSO_SCHEME_AUTO, KYSO_DIGEST_SHA256, 0, TST_NONE,
               &err) != KYSO_OK) {
    CHECK(0);
    goto done;
  }
  doc_parts(&d, parts);
  CHECK_EQ_INT(kyso_digest_parts(KYSO_DIGEST_SHA256, parts, 2, md, &err),
               KYSO_OK);
  CHECK_EQ_INT(kyso_cms_build_signed_attrs((kyso_blob){ec.der, ec.der_len},
                                           KYSO_DIGEST_SHA256, md, 32, &attrs,
                                           &err),
               KYSO_OK);
  sig = test_pki_sign(ec.key, KYSO_DIGEST_SHA256, KYSO_SCHEME_ECDSA, attrs.data,
                      attrs.len, &sig_len);
  token = make_token(&tsa, md, sizeof(md), GEN_TIME, &token_len);
  CHECK(sig && token);
  CHECK_EQ_INT(kyso_cms_check_timestamp_token((kyso_blob){token, token_len},
                                              (kyso_blob){sig, sig_len}, &err),
               KYSO_ERR_ARGUMENT);
  put_timestamped_cms(&d, &cms, &attrs, sig, sig_len, token, token_len);
  stage_run(&s, &d, "Sig", "ETSI.CAdES.detached", SIGNING_TIME);
  check_cms_ok(&s);
  CHECK_RESULT(&s, KYSO_CHECK_TIMESTAMP, KYSO_RESULT_FAILED,
               "timestamp_imprint_mismatch");
  CHECK_EQ_INT(s.rep->has_timestamp, 0);
  CHECK_EQ_INT(s.st.time_proven, 0);
  CHECK_EQ_INT(s.st.signing_time, SIGNING_TIME);
  stage_free(&s);
  OPENSSL_free(token);

  /* a token from a TSA whose EKU is not critical */
  token = make_token(&tsa_weak_eku, sig, sig_len, GEN_TIME, &token_len);
  if (!token) {
    /* OpenSSL's TSA refuses such a certificate itself; sign the TSTInfo
     * of a good token with it instead. */
    uint8_t *good = make_token(&tsa, sig, sig_len, GEN_TIME, &token_len);
    const unsigned char *p = good;
    CMS_ContentInfo *tok =
        good ? d2i_CMS_ContentInfo(NULL, &p, (long)token_len) : NULL;
    ASN1_OCTET_STRING **econt = tok ? CMS_get0_content(tok) : NULL;
    BIO *in = econt && *econt ? BIO_new_mem_buf(ASN1_STRING_get0_data(*econt),
                                                ASN1_STRING_length(*econt))
                              : NULL;
    CMS_ContentInfo *re =
        CMS_sign(NULL, NULL, NULL, NULL, CMS_PARTIAL | CMS_BINARY);
    CMS_SignerInfo *si = NULL;
    ESS_SIGNING_CERT_V2 *sc = OSSL_ESS_signing_cert_v2_new_init(
        EVP_sha256(), tsa_weak_eku.cert, NULL, 0);
    unsigned char *der = NULL;
    int n = -1;
    if (in && re && sc &&
        CMS_set1_eContentType(re, OBJ_nid2obj(NID_id_smime_ct_TSTInfo)) &&
        (si = CMS_add1_signer(re, tsa_weak_eku.cert, tsa_weak_eku.key,
                              EVP_sha256(), CMS_BINARY | CMS_PARTIAL)) &&
        add_ess_v2(si, sc) && CMS_final(re, in, NULL, CMS_BINARY))
      n = i2d_CMS_ContentInfo(re, &der);
    token = n > 0 ? der : NULL;
    token_len = n > 0 ? (size_t)n : 0;
    ESS_SIGNING_CERT_V2_free(sc);
    CMS_ContentInfo_free(re);
    BIO_free(in);
    CMS_ContentInfo_free(tok);
    OPENSSL_free(good);
    ERR_clear_error();
  }
  CHECK(token != NULL);
  CHECK_EQ_INT(kyso_cms_check_timestamp_token((kyso_blob){token, token_len},
                                              (kyso_blob){sig, sig_len}, &err),
               KYSO_OK);
  put_timestamped_cms(&d, &cms, &attrs, sig, sig_len, token, token_len);
  stage_run(&s, &d, "Sig", "ETSI.CAdES.detached", SIGNING_TIME);
  CHECK_RESULT(&s, KYSO_CHECK_SIGNATURE, KYSO_RESULT_PASSED, "ok");
  CHECK_RESULT(&s, KYSO_CHECK_TIMESTAMP, KYSO_RESULT_FAILED,
               "timestamp_bad_eku");
  stage_free(&s);
  OPENSSL_free(token);

  /* a valid token again, ECDSA signer this time */
  token = make_token(&tsa, sig, sig_len, GEN_TIME, &token_len);
  put_timestamped_cms(&d, &cms, &attrs, sig, sig_len, token, token_len);
  stage_run(&s, &d, "Sig", "ETSI.CAdES.detached", SIGNING_TIME);
  CHECK_RESULT(&s, KYSO_CHECK_TIMESTAMP, KYSO_RESULT_PASSED, "ok");
  stage_free(&s);
  /* a token whose own signature is broken: flip its last byte (inside
   * the token's SignerInfo signature) */
  token[token_len - 1] ^= 1;
  put_timestamped_cms(&d, &cms, &attrs, sig, sig_len, token, token_len);
  stage_run(&s, &d, "Sig", "ETSI.CAdES.detached", SIGNING_TIME);
  CHECK_RESULT(&s, KYSO_CHECK_SIGNATURE, KYSO_RESULT_PASSED, "ok");
  CHECK_RESULT(&s, KYSO_CHECK_TIMESTAMP, KYSO_RESULT_FAILED,
               "timestamp_signature_invalid");
  stage_free(&s);
  /* not a token at all */
  memset(token + 20, 0x41, token_len - 40);
  put_timestamped_cms(&d, &cms, &attrs, sig, sig_len, token, token_len);
  stage_run(&s, &d, "Sig", "ETSI.CAdES.detached", SIGNING_TIME);
  CHECK_RESULT(&s, KYSO_CHECK_SIGNATURE, KYSO_RESULT_PASSED, "ok");
  CHECK_RESULT(&s, KYSO_CHECK_TIMESTAMP, KYSO_RESULT_FAILED,
               "timestamp_malformed");
  stage_free(&s);
  doc_free(&d);

done:
  OPENSSL_free(token);
  OPENSSL_free(sig);
  kyso_buf_free(&attrs);
  kyso_buf_free(&cms);
}

/* A token that does not fit the reserved space: KYSO_ERR_SIGN_SPACE and
 * the session stays open for a plain finish. */
static void test_timestamp_space(void) {
  kyso_sign_options o;
  kyso_sig_session *s = NULL;
  kyso_error err;
  uint8_t *pdf, *sig = NULL, *token = NULL;
  const uint8_t *attrs;
  size_t pdf_len = 0, attrs_len = 0, sig_len = 0, token_len = 0, n = 0;
  uint8_t imprint[64];

  pdf = test_pdf_minimal(&pdf_len);
  kyso_sign_options_init(&o);
  o.certificate.data = ec.der;
  o.certificate.len = ec.der_len;
  o.signing_time = SIGNING_TIME;
  o.contents_reserve = 1536;
  CHECK_EQ_INT(kyso_sig_prepare(pdf, pdf_len, &o, &s, &err), KYSO_OK);
  if (!s)
    goto done;
  attrs = kyso_sig_session_get_signed_attrs(s, &attrs_len);
  sig = test_pki_sign(ec.key, KYSO_DIGEST_SHA256, KYSO_SCHEME_ECDSA, attrs,
                      attrs_len, &sig_len);
  token = make_token(&tsa, sig, sig_len, GEN_TIME, &token_len);
  CHECK(sig && token);
  CHECK_EQ_INT(
      kyso_sig_finish_timestamped(s, sig, sig_len, token, token_len, &err),
      KYSO_ERR_SIGN_SPACE);
  CHECK(kyso_sig_session_get_update(s, &n) == NULL);
  CHECK_EQ_INT(kyso_sig_finish_timestamped(s, sig, sig_len, NULL, 0, &err),
               KYSO_ERR_ARGUMENT);
  CHECK_EQ_INT(kyso_sig_finish_timestamped(s, sig, sig_len, token, 10, &err),
               KYSO_ERR_ARGUMENT);
  CHECK_EQ_INT(kyso_sig_finish(s, sig, sig_len, &err), KYSO_OK);
  CHECK(kyso_sig_session_get_update(s, &n) != NULL && n > 0);

  /* the imprint helper is the SHA-256 of the value */
  CHECK_EQ_INT(kyso_sig_timestamp_imprint(KYSO_DIGEST_SHA256, sig, sig_len,
                                          imprint, &n, &err),
               KYSO_OK);
  CHECK_EQ_INT(n, 32);
  {
    uint8_t h[32];
    unsigned int hl = 0;
    EVP_Digest(sig, sig_len, h, &hl, EVP_sha256(), NULL);
    CHECK(memcmp(h, imprint, 32) == 0);
  }
done:
  OPENSSL_free(token);
  OPENSSL_free(sig);
  kyso_sig_session_free(s);
  free(pdf);
}

/* A document timestamp (ETSI.RFC3161): the token is the signature. The
 * test turns kyso's /Sig dictionary into a /DocTimeStamp one of the same
 * length, then puts a token over the byte ranges in the hole. */
static void test_doc_timestamp(void) {
  doc d;
  stage s;
  kyso_error err;
  kyso_blob parts[2];
  uint8_t *buf, *token;
  size_t token_len = 0;

  if (doc_sign(&d, &rsa, KYSO_SCHEME_AUTO, KYSO_DIGEST_SHA256, 0, TST_NONE,
               &err) != KYSO_OK) {
    CHECK(0);
    return;
  }
  CHECK_EQ_INT(doc_patch(&d, "/ETSI.CAdES.detached", "/ETSI.RFC3161       "),
               0);
  doc_parts(&d, parts);
  buf = malloc(parts[0].len + parts[1].len);
  if (!buf)
    abort();
  memcpy(buf, parts[0].data, parts[0].len);
  memcpy(buf + parts[0].len, parts[1].data, parts[1].len);
  token =
      make_token(&tsa, buf, parts[0].len + parts[1].len, GEN_TIME, &token_len);
  CHECK(token && doc_put_cms(&d, token, token_len) == 0);
  stage_run(&s, &d, "DocTimeStamp", "ETSI.RFC3161", 0);
  check_cms_ok(&s);
  CHECK_RESULT(&s, KYSO_CHECK_TIMESTAMP, KYSO_RESULT_PASSED, "ok");
  CHECK_EQ_INT(s.rep->has_timestamp, 1);
  CHECK_EQ_INT(s.rep->timestamp_time, GEN_TIME);
  CHECK_EQ_INT(s.st.time_proven, 1);
  CHECK_EQ_STR(s.rep->signer_cn, "kyso test TSA");
  CHECK(s.st.signer && X509_cmp(s.st.signer, tsa.cert) == 0);
  stage_free(&s);

  /* a changed byte: the imprint no longer matches */
  d.data[10] ^= 1;
  stage_run(&s, &d, "DocTimeStamp", "ETSI.RFC3161", 0);
  CHECK_RESULT(&s, KYSO_CHECK_INTEGRITY, KYSO_RESULT_FAILED,
               "message_digest_mismatch");
  CHECK_RESULT(&s, KYSO_CHECK_SIGNATURE, KYSO_RESULT_PASSED, "ok");
  CHECK_RESULT(&s, KYSO_CHECK_TIMESTAMP, KYSO_RESULT_NOT_RUN, NULL);
  CHECK_EQ_INT(s.rep->has_timestamp, 0);
  stage_free(&s);
  d.data[10] ^= 1;

  /* a detached CAdES signature is not a document timestamp */
  {
    uint8_t *der;
    size_t len = 0;
    der = openssl_cms(&d, &rsa, EVP_sha256(), 0, NULL, NULL, 0, &len);
    CHECK(der && doc_put_cms(&d, der, len) == 0);
    OPENSSL_free(der);
    stage_run(&s, &d, "DocTimeStamp", "ETSI.RFC3161", 0);
    CHECK_RESULT(&s, KYSO_CHECK_CMS, KYSO_RESULT_FAILED,
                 "cms_content_type_mismatch");
    stage_free(&s);
  }
  /* ...and a token is not a detached signature */
  CHECK(doc_put_cms(&d, token, token_len) == 0);
  stage_run(&s, &d, "Sig", "ETSI.CAdES.detached", 0);
  CHECK_RESULT(&s, KYSO_CHECK_CMS, KYSO_RESULT_FAILED, "cms_not_detached");
  stage_free(&s);

  OPENSSL_free(token);
  free(buf);
  doc_free(&d);
}

/* ---- issue 12: CMS shapes and algorithms others accept ------------------ */

/* cms as DER into d's hole. */
static void put_cms_obj(doc *d, CMS_ContentInfo *cms) {
  unsigned char *der = NULL;
  int n = cms ? i2d_CMS_ContentInfo(cms, &der) : -1;
  CHECK(n > 0 && doc_put_cms(d, der, (size_t)n) == 0);
  OPENSSL_free(der);
}

static CMS_SignerInfo *signer_info(CMS_ContentInfo *cms, int i) {
  return sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), i);
}

/* Flips the last byte of SignerInfo i's signature value. */
static void flip_signature(CMS_ContentInfo *cms, int i) {
  ASN1_OCTET_STRING *v = CMS_SignerInfo_get0_signature(signer_info(cms, i));
  unsigned char buf[1024];
  int n = v ? ASN1_STRING_length(v) : 0;
  if (n <= 0 || n > (int)sizeof(buf))
    abort();
  memcpy(buf, ASN1_STRING_get0_data(v), (size_t)n);
  buf[n - 1] ^= 0x5a;
  if (ASN1_OCTET_STRING_set(v, buf, n) != 1)
    abort();
}

/* The indication kyso_report_decide gives the stage's checks. */
static kyso_indication decided(stage *s, const char **sub) {
  kyso_report_decide(s->rep);
  *sub = s->rep->sub_indication;
  return s->rep->indication;
}

/* SHA-3, SHA-224 and RIPEMD-160 (ISO 32000-1 table 257) were HASH_FAILURE:
 * they are computed now; RIPEMD-160 is then refused as weak (INDETERMINATE,
 * integrity known). A digest kyso does not know is INDETERMINATE. */
static void test_digests(void) {
  static const struct {
    const char *evp, *name;
    int weak;
  } cases[] = {{"SHA3-256", "sha3-256", 0},
               {"SHA3-512", "sha3-512", 0},
               {"SHA224", "sha224", 0},
               {"RIPEMD160", "ripemd160", 1}};
  doc d;
  stage s;
  kyso_error err;
  CMS_ContentInfo *cms;
  X509_ALGOR *dig = NULL;
  const char *sub = NULL;
  uint8_t *der;
  size_t len = 0, i;

  if (doc_sign(&d, &rsa, KYSO_SCHEME_AUTO, KYSO_DIGEST_SHA256, 0, TST_NONE,
               &err) != KYSO_OK) {
    CHECK(0);
    return;
  }
  CHECK_EQ_INT(doc_patch(&d, "/ETSI.CAdES.detached", "/adbe.pkcs7.detached"),
               0);
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    EVP_MD *md = EVP_MD_fetch(NULL, cases[i].evp, NULL);
    CHECK(md != NULL);
    der = openssl_cms(&d, &rsa, md, 0, NULL, NULL, 0, &len);
    CHECK(der && doc_put_cms(&d, der, len) == 0);
    OPENSSL_free(der);
    stage_run(&s, &d, "Sig", "adbe.pkcs7.detached", SIGNING_TIME);
    CHECK_RESULT(&s, KYSO_CHECK_CMS, KYSO_RESULT_PASSED, "ok");
    CHECK_RESULT(&s, KYSO_CHECK_INTEGRITY, KYSO_RESULT_PASSED, "ok");
    CHECK_RESULT(&s, KYSO_CHECK_SIGNATURE, KYSO_RESULT_PASSED, "ok");
    CHECK_EQ_STR(s.rep->digest_algorithm, cases[i].name);
    if (cases[i].weak)
      CHECK_RESULT(&s, KYSO_CHECK_ALGORITHMS, KYSO_RESULT_FAILED,
                   "weak_digest");
    else
      CHECK_RESULT(&s, KYSO_CHECK_ALGORITHMS, KYSO_RESULT_PASSED, "ok");
    CHECK(decided(&s, &sub) != KYSO_INDICATION_TOTAL_FAILED);
    stage_free(&s);
    /* and a changed byte is still caught with it */
    d.data[10] ^= 1;
    stage_run(&s, &d, "Sig", "adbe.pkcs7.detached", SIGNING_TIME);
    CHECK_RESULT(&s, KYSO_CHECK_INTEGRITY, KYSO_RESULT_FAILED,
                 "message_digest_mismatch");
    CHECK_EQ_INT(decided(&s, &sub), KYSO_INDICATION_TOTAL_FAILED);
    CHECK_EQ_STR(sub, "HASH_FAILURE");
    stage_free(&s);
    d.data[10] ^= 1;
    EVP_MD_free(md);
  }

  /* SHA3-256 without signed attributes */
  {
    EVP_MD *md = EVP_MD_fetch(NULL, "SHA3-256", NULL);
    der = openssl_cms(&d, &rsa, md, CMS_NOATTR, NULL, NULL, 0, &len);
    CHECK(der && doc_put_cms(&d, der, len) == 0);
    OPENSSL_free(der);
    EVP_MD_free(md);
    stage_run(&s, &d, "Sig", "adbe.pkcs7.detached", SIGNING_TIME);
    CHECK_RESULT(&s, KYSO_CHECK_INTEGRITY, KYSO_RESULT_PASSED, "ok");
    CHECK_RESULT(&s, KYSO_CHECK_SIGNATURE, KYSO_RESULT_PASSED, "ok");
    stage_free(&s);
  }

  /* a digest OID kyso does not know: undecided, not "altered" */
  der = openssl_cms(&d, &rsa, EVP_sha256(), 0, NULL, NULL, 0, &len);
  {
    const unsigned char *p = der;
    cms = der ? d2i_CMS_ContentInfo(NULL, &p, (long)len) : NULL;
  }
  OPENSSL_free(der);
  CHECK(cms != NULL);
  if (cms) {
    CMS_SignerInfo_get0_algs(signer_info(cms, 0), NULL, NULL, &dig, NULL);
    CHECK(X509_ALGOR_set0(dig, OBJ_txt2obj("1.2.3.4.5", 1), V_ASN1_UNDEF,
                          NULL) == 1);
    put_cms_obj(&d, cms);
    CMS_ContentInfo_free(cms);
    stage_run(&s, &d, "Sig", "adbe.pkcs7.detached", SIGNING_TIME);
    CHECK_RESULT(&s, KYSO_CHECK_INTEGRITY, KYSO_RESULT_INDETERMINATE,
                 "digest_unsupported");
    CHECK_RESULT(&s, KYSO_CHECK_SIGNATURE, KYSO_RESULT_INDETERMINATE,
                 "signature_algorithm_unsupported");
    CHECK_RESULT(&s, KYSO_CHECK_ALGORITHMS, KYSO_RESULT_FAILED,
                 "digest_unsupported");
    CHECK_EQ_INT(decided(&s, &sub), KYSO_INDICATION_INDETERMINATE);
    CHECK_EQ_STR(sub, "CRYPTO_CONSTRAINTS_FAILURE");
    stage_free(&s);
  }
  ERR_clear_error();
  doc_free(&d);
}

/*
 * A CMS by an EdDSA key (RFC 8419), built by hand with the DER writer:
 * OpenSSL 3.0's CMS code cannot sign with one, kyso's builder knows RSA and
 * EC only. kyso's attribute builder over the messageDigest computed with
 * md_name (xof_len: SHAKE output); digest_oid: the digestAlgorithm (NULL:
 * SHA-256 or SHA-512 by the length), len_bits: an id-shake256-len
 * parameter (0: none); the attributes signed with pure EdDSA (flip: one
 * bit of the value changed).
 */
static uint8_t *eddsa_cms(const doc *d, const tkey *k, const char *md_name,
                          size_t xof_len, const char *digest_oid, long len_bits,
                          int flip, size_t *out_len) {
  static const uint8_t v1[] = {0x02, 0x01, 0x01};
  static const uint8_t oid_data[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                     0xf7, 0x0d, 0x01, 0x07, 0x01};
  static const uint8_t oid_signed[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                       0xf7, 0x0d, 0x01, 0x07, 0x02};
  kyso_blob parts[2];
  kyso_buf attrs, sid, si, sd, ci, tmp;
  kyso_error err;
  EVP_MD *md = EVP_MD_fetch(NULL, md_name, NULL);
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  X509_ALGOR *da = X509_ALGOR_new(), *sa = X509_ALGOR_new();
  ASN1_INTEGER *bits = NULL;
  uint8_t h[64], *sig = NULL, *out = NULL;
  unsigned char *issuer = NULL, *serial = NULL, *dalg = NULL, *salg = NULL;
  unsigned int hlen = 0;
  size_t sig_len = 0;
  int ni, ns, nd, nsa;

  *out_len = 0;
  kyso_buf_init(&attrs);
  kyso_buf_init(&sid);
  kyso_buf_init(&si);
  kyso_buf_init(&sd);
  kyso_buf_init(&ci);
  kyso_buf_init(&tmp);
  doc_parts(d, parts);
  if (!md || !c || !da || !sa || EVP_DigestInit_ex(c, md, NULL) != 1 ||
      EVP_DigestUpdate(c, parts[0].data, parts[0].len) != 1 ||
      EVP_DigestUpdate(c, parts[1].data, parts[1].len) != 1 ||
      (xof_len ? EVP_DigestFinalXOF(c, h, xof_len) != 1
               : EVP_DigestFinal_ex(c, h, &hlen) != 1))
    goto done;
  if (xof_len)
    hlen = (unsigned int)xof_len;
  if (kyso_cms_build_signed_attrs((kyso_blob){k->der, k->der_len},
                                  hlen == 32 ? KYSO_DIGEST_SHA256
                                             : KYSO_DIGEST_SHA512,
                                  h, hlen, &attrs, &err) != KYSO_OK)
    goto done;
  EVP_MD_CTX_free(c);
  c = EVP_MD_CTX_new();
  if (!c || EVP_DigestSignInit(c, NULL, NULL, NULL, k->key) != 1 ||
      EVP_DigestSign(c, NULL, &sig_len, attrs.data, attrs.len) != 1 ||
      !(sig = OPENSSL_malloc(sig_len)) ||
      EVP_DigestSign(c, sig, &sig_len, attrs.data, attrs.len) != 1)
    goto done;
  if (flip)
    sig[0] ^= 1;
  if (len_bits &&
      (!(bits = ASN1_INTEGER_new()) || !ASN1_INTEGER_set(bits, len_bits)))
    goto done;
  if (X509_ALGOR_set0(da,
                      OBJ_txt2obj(digest_oid   ? digest_oid
                                  : hlen == 32 ? "2.16.840.1.101.3.4.2.1"
                                               : "2.16.840.1.101.3.4.2.3",
                                  1),
                      bits ? V_ASN1_INTEGER : V_ASN1_UNDEF, bits) != 1)
    goto done;
  bits = NULL;
  if (X509_ALGOR_set0(
          sa,
          OBJ_nid2obj(EVP_PKEY_get_base_id(k->key) == EVP_PKEY_ED25519
                          ? NID_ED25519
                          : NID_ED448),
          V_ASN1_UNDEF, NULL) != 1)
    goto done;
  ni = i2d_X509_NAME(X509_get_issuer_name(k->cert), &issuer);
  ns = i2d_ASN1_INTEGER(X509_get_serialNumber(k->cert), &serial);
  nd = i2d_X509_ALGOR(da, &dalg);
  nsa = i2d_X509_ALGOR(sa, &salg);
  if (ni <= 0 || ns <= 0 || nd <= 0 || nsa <= 0)
    goto done;
  /* SignerInfo (RFC 5652 5.3), signedAttrs as [0] IMPLICIT */
  kyso_buf_append(&sid, issuer, (size_t)ni);
  kyso_buf_append(&sid, serial, (size_t)ns);
  kyso_buf_append(&tmp, v1, sizeof(v1));
  kyso_der_put(&tmp, 0x30, sid.data, sid.len);
  kyso_buf_append(&tmp, dalg, (size_t)nd);
  kyso_buf_append_byte(&tmp, 0xa0);
  kyso_buf_append(&tmp, attrs.data + 1, attrs.len - 1);
  kyso_buf_append(&tmp, salg, (size_t)nsa);
  kyso_der_put(&tmp, 0x04, sig, sig_len);
  kyso_der_put(&si, 0x30, tmp.data, tmp.len);
  /* SignedData (5.1) */
  tmp.len = 0;
  kyso_buf_append(&tmp, v1, sizeof(v1));
  kyso_der_put(&tmp, 0x31, dalg, (size_t)nd);
  kyso_der_put(&tmp, 0x30, oid_data, sizeof(oid_data));
  kyso_der_put(&tmp, 0xa0, k->der, k->der_len);
  kyso_der_put(&tmp, 0x31, si.data, si.len);
  kyso_der_put(&sd, 0x30, tmp.data, tmp.len);
  /* ContentInfo */
  tmp.len = 0;
  kyso_buf_append(&tmp, oid_signed, sizeof(oid_signed));
  kyso_der_put(&tmp, 0xa0, sd.data, sd.len);
  kyso_der_put(&ci, 0x30, tmp.data, tmp.len);
  if (!kyso_buf_ok(&ci) || !(out = OPENSSL_malloc(ci.len)))
    goto done;
  memcpy(out, ci.data, ci.len);
  *out_len = ci.len;
done:
  OPENSSL_free(issuer);
  OPENSSL_free(serial);
  OPENSSL_free(dalg);
  OPENSSL_free(salg);
  ASN1_INTEGER_free(bits);
  X509_ALGOR_free(da);
  X509_ALGOR_free(sa);
  OPENSSL_free(sig);
  EVP_MD_CTX_free(c);
  EVP_MD_free(md);
  kyso_buf_free(&attrs);
  kyso_buf_free(&sid);
  kyso_buf_free(&si);
  kyso_buf_free(&sd);
  kyso_buf_free(&ci);
  kyso_buf_free(&tmp);
  if (!*out_len)
    ERR_print_errors_fp(stderr);
  return out;
}

/* Ed25519 and Ed448 (RFC 8419) were SIG_CRYPTO_FAILURE: OpenSSL 3.0's
 * CMS_SignerInfo_verify cannot do EdDSA. */
static void test_eddsa(void) {
  static const struct {
    const tkey *k;
    const char *md, *oid;
    size_t xof;
    long bits;
    const char *digest_name, *sig_name;
    kyso_check_result integrity, algorithms;
    const char *algorithms_reason;
  } cases[] = {
      {&ed25519, "SHA512", NULL, 0, 0, "sha512", "ed25519", KYSO_RESULT_PASSED,
       KYSO_RESULT_PASSED, "ok"},
      /* RFC 8419 2.3: Ed25519 goes with SHA-512 */
      {&ed25519, "SHA256", NULL, 0, 0, "sha256", "ed25519", KYSO_RESULT_PASSED,
       KYSO_RESULT_FAILED, "digest_not_for_key"},
      /* Ed448 with id-shake256 (pyHanko's ed448-shake256-nolen) */
      {&ed448, "SHAKE256", "2.16.840.1.101.3.4.2.12", 64, 0, "shake256",
       "ed448", KYSO_RESULT_PASSED, KYSO_RESULT_PASSED, "ok"},
      /* ...and with id-shake256-len 512 */
      {&ed448, "SHAKE256", "2.16.840.1.101.3.4.2.18", 64, 512, "shake256",
       "ed448", KYSO_RESULT_PASSED, KYSO_RESULT_PASSED, "ok"},
      /* a length the RFC does not allow: not computed */
      {&ed448, "SHAKE256", "2.16.840.1.101.3.4.2.18", 64, 256,
       "2.16.840.1.101.3.4.2.18", "ed448", KYSO_RESULT_INDETERMINATE,
       KYSO_RESULT_FAILED, "digest_unsupported"},
      /* Ed448 with SHA-512 (pyHanko's ed448-disallowed-hash) */
      {&ed448, "SHA512", NULL, 0, 0, "sha512", "ed448", KYSO_RESULT_PASSED,
       KYSO_RESULT_FAILED, "digest_not_for_key"},
  };
  doc d;
  stage s;
  kyso_error err;
  const char *sub = NULL;
  uint8_t *der;
  size_t len = 0, i;

  if (doc_sign(&d, &rsa, KYSO_SCHEME_AUTO, KYSO_DIGEST_SHA256, 0, TST_NONE,
               &err) != KYSO_OK) {
    CHECK(0);
    return;
  }
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    der = eddsa_cms(&d, cases[i].k, cases[i].md, cases[i].xof, cases[i].oid,
                    cases[i].bits, 0, &len);
    CHECK(der && doc_put_cms(&d, der, len) == 0);
    OPENSSL_free(der);
    stage_run(&s, &d, "Sig", "ETSI.CAdES.detached", SIGNING_TIME);
    CHECK_RESULT(&s, KYSO_CHECK_CMS, KYSO_RESULT_PASSED, "ok");
    CHECK_EQ_INT(chk(&s, KYSO_CHECK_INTEGRITY)->result, cases[i].integrity);
    CHECK_RESULT(&s, KYSO_CHECK_SIGNATURE, KYSO_RESULT_PASSED, "ok");
    CHECK_RESULT(&s, KYSO_CHECK_SIGNING_CERT, KYSO_RESULT_PASSED, "ok");
    CHECK_RESULT(&s, KYSO_CHECK_ALGORITHMS, cases[i].algorithms,
                 cases[i].algorithms_reason);
    CHECK_EQ_STR(s.rep->digest_algorithm, cases[i].digest_name);
    CHECK_EQ_STR(s.rep->signature_algorithm, cases[i].sig_name);
    CHECK(decided(&s, &sub) != KYSO_INDICATION_TOTAL_FAILED);
    stage_free(&s);
    if (cases[i].integrity != KYSO_RESULT_PASSED)
      continue;
    /* a changed byte of the document */
    d.data[10] ^= 1;
    stage_run(&s, &d, "Sig", "ETSI.CAdES.detached", SIGNING_TIME);
    CHECK_RESULT(&s, KYSO_CHECK_INTEGRITY, KYSO_RESULT_FAILED,
                 "message_digest_mismatch");
    stage_free(&s);
    d.data[10] ^= 1;
    /* a changed signature value */
    der = eddsa_cms(&d, cases[i].k, cases[i].md, cases[i].xof, cases[i].oid,
                    cases[i].bits, 1, &len);
    CHECK(der && doc_put_cms(&d, der, len) == 0);
    OPENSSL_free(der);
    stage_run(&s, &d, "Sig", "ETSI.CAdES.detached", SIGNING_TIME);
    CHECK_RESULT(&s, KYSO_CHECK_INTEGRITY, KYSO_RESULT_PASSED, "ok");
    CHECK_RESULT(&s, KYSO_CHECK_SIGNATURE, KYSO_RESULT_FAILED,
                 "signature_invalid");
    CHECK_EQ_INT(decided(&s, &sub), KYSO_INDICATION_TOTAL_FAILED);
    CHECK_EQ_STR(sub, "SIG_CRYPTO_FAILURE");
    stage_free(&s);
  }
  doc_free(&d);
}

/* Two SignerInfos (DSS pdf-double-signer-info.pdf) were FORMAT_FAILURE:
 * each must verify; a bad second one fails the signature. */
static void test_signers(void) {
  doc d;
  stage s;
  kyso_error err;
  BIO *content;
  CMS_ContentInfo *cms = NULL;
  const char *sub = NULL;

  if (doc_sign(&d, &rsa, KYSO_SCHEME_AUTO, KYSO_DIGEST_SHA256, 0, TST_NONE,
               &err) != KYSO_OK) {
    CHECK(0);
    return;
  }
  CHECK_EQ_INT(doc_patch(&d, "/ETSI.CAdES.detached", "/adbe.pkcs7.detached"),
               0);
  content = doc_content(&d);
  cms =
      CMS_sign(NULL, NULL, NULL, NULL, CMS_PARTIAL | CMS_DETACHED | CMS_BINARY);
  CHECK(cms && CMS_add1_signer(cms, rsa.cert, rsa.key, EVP_sha256(), 0) &&
        CMS_add1_signer(cms, ec.cert, ec.key, EVP_sha384(), 0) &&
        CMS_final(cms, content, NULL, CMS_DETACHED | CMS_BINARY) == 1);
  BIO_free(content);
  put_cms_obj(&d, cms);
  stage_run(&s, &d, "Sig", "adbe.pkcs7.detached", SIGNING_TIME);
  CHECK_RESULT(&s, KYSO_CHECK_CMS, KYSO_RESULT_PASSED, "cms_multiple_signers");
  CHECK_RESULT(&s, KYSO_CHECK_INTEGRITY, KYSO_RESULT_PASSED, "ok");
  CHECK_RESULT(&s, KYSO_CHECK_SIGNATURE, KYSO_RESULT_PASSED, "ok");
  CHECK_RESULT(&s, KYSO_CHECK_ALGORITHMS, KYSO_RESULT_PASSED, "ok");
  CHECK_EQ_STR(s.rep->signer_cn, SIGNER_CN);
  stage_free(&s);

  /* either signature value broken (DER sorts the SET: one of the two runs
   * breaks the SignerInfo after the first) */
  {
    int i, second = 0;
    for (i = 0; i < 2; i++) {
      flip_signature(cms, i);
      put_cms_obj(&d, cms);
      stage_run(&s, &d, "Sig", "adbe.pkcs7.detached", SIGNING_TIME);
      CHECK_RESULT(&s, KYSO_CHECK_SIGNATURE, KYSO_RESULT_FAILED,
                   "signature_invalid");
      if (chk(&s, KYSO_CHECK_SIGNATURE)->detail &&
          strstr(chk(&s, KYSO_CHECK_SIGNATURE)->detail, "SignerInfo 2 of 2"))
        second++;
      CHECK_EQ_INT(decided(&s, &sub), KYSO_INDICATION_TOTAL_FAILED);
      CHECK_EQ_STR(sub, "SIG_CRYPTO_FAILURE");
      stage_free(&s);
      flip_signature(cms, i);
    }
    CHECK_EQ_INT(second, 1);
  }

  /* a changed document: both message digests differ */
  d.data[10] ^= 1;
  stage_run(&s, &d, "Sig", "adbe.pkcs7.detached", SIGNING_TIME);
  CHECK_RESULT(&s, KYSO_CHECK_INTEGRITY, KYSO_RESULT_FAILED,
               "message_digest_mismatch");
  stage_free(&s);
  d.data[10] ^= 1;
  CMS_ContentInfo_free(cms);
  doc_free(&d);
}

/* eContent present but empty, message-digest over the ranges (a Vietnamese
 * e-office labour contract in the corpus) was FORMAT_FAILURE: verified as
 * detached, reported as not standard, INDETERMINATE at best. */
static void test_econtent_empty(void) {
  doc d;
  stage s;
  kyso_error err;
  CMS_ContentInfo *cms = NULL;
  const char *sub = NULL;
  uint8_t *der;
  size_t len = 0;

  if (doc_sign(&d, &rsa, KYSO_SCHEME_AUTO, KYSO_DIGEST_SHA256, 0, TST_NONE,
               &err) != KYSO_OK) {
    CHECK(0);
    return;
  }
  cms = doc_cms(&d);
  CHECK(cms && CMS_set_detached(cms, 0) == 1);
  CHECK(cms && CMS_get0_content(cms) && *CMS_get0_content(cms) &&
        ASN1_STRING_length(*CMS_get0_content(cms)) == 0);
  put_cms_obj(&d, cms);
  stage_run(&s, &d, "Sig", "ETSI.CAdES.detached", SIGNING_TIME);
  CHECK_RESULT(&s, KYSO_CHECK_CMS, KYSO_RESULT_INDETERMINATE,
               "cms_econtent_empty");
  CHECK_RESULT(&s, KYSO_CHECK_INTEGRITY, KYSO_RESULT_PASSED, "ok");
  CHECK_RESULT(&s, KYSO_CHECK_SIGNATURE, KYSO_RESULT_PASSED, "ok");
  CHECK_RESULT(&s, KYSO_CHECK_SIGNING_CERT, KYSO_RESULT_PASSED, "ok");
  CHECK_EQ_INT(decided(&s, &sub), KYSO_INDICATION_INDETERMINATE);
  stage_free(&s);
  d.data[10] ^= 1;
  stage_run(&s, &d, "Sig", "ETSI.CAdES.detached", SIGNING_TIME);
  CHECK_RESULT(&s, KYSO_CHECK_INTEGRITY, KYSO_RESULT_FAILED,
               "message_digest_mismatch");
  CHECK_EQ_INT(decided(&s, &sub), KYSO_INDICATION_TOTAL_FAILED);
  CHECK_EQ_STR(sub, "HASH_FAILURE");
  stage_free(&s);
  d.data[10] ^= 1;
  CMS_ContentInfo_free(cms);

  /* one content byte still refuses it (test_shape: the whole ranges) */
  der = openssl_cms(&d, &rsa, EVP_sha256(), 0, NULL, NULL, 0, &len);
  {
    const unsigned char *p = der;
    cms = der ? d2i_CMS_ContentInfo(NULL, &p, (long)len) : NULL;
  }
  OPENSSL_free(der);
  CHECK(cms && CMS_set_detached(cms, 0) == 1 &&
        ASN1_OCTET_STRING_set(*CMS_get0_content(cms),
                              (const unsigned char *)"x", 1) == 1);
  put_cms_obj(&d, cms);
  CMS_ContentInfo_free(cms);
  stage_run(&s, &d, "Sig", "ETSI.CAdES.detached", SIGNING_TIME);
  CHECK_RESULT(&s, KYSO_CHECK_CMS, KYSO_RESULT_FAILED, "cms_not_detached");
  stage_free(&s);
  doc_free(&d);
}

/* adbe.pkcs7.sha1 (ISO 32000-1 12.8.3.3.1; pdfbox and poppler test files)
 * was FORMAT_FAILURE: the CMS encapsulates the SHA-1 digest of the ranges.
 * Integrity is checked, then SHA-1 refused: INDETERMINATE. */
static void test_pkcs7_sha1(void) {
  static const unsigned int flags[] = {0, CMS_NOATTR};
  doc d;
  stage s;
  kyso_error err;
  kyso_blob parts[2];
  uint8_t h[20];
  const char *sub = NULL;
  size_t i;

  if (doc_sign(&d, &rsa, KYSO_SCHEME_AUTO, KYSO_DIGEST_SHA256, 0, TST_NONE,
               &err) != KYSO_OK) {
    CHECK(0);
    return;
  }
  CHECK_EQ_INT(doc_patch(&d, "/ETSI.CAdES.detached", "/adbe.pkcs7.sha1    "),
               0);
  doc_parts(&d, parts);
  {
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    CHECK(c && EVP_DigestInit_ex(c, EVP_sha1(), NULL) == 1 &&
          EVP_DigestUpdate(c, parts[0].data, parts[0].len) == 1 &&
          EVP_DigestUpdate(c, parts[1].data, parts[1].len) == 1 &&
          EVP_DigestFinal_ex(c, h, NULL) == 1);
    EVP_MD_CTX_free(c);
  }
  for (i = 0; i < 2; i++) {
    BIO *b = BIO_new_mem_buf(h, sizeof(h));
    CMS_ContentInfo *cms = CMS_sign(rsa.cert, rsa.key, NULL, b,
                                    CMS_BINARY | CMS_NOSMIMECAP | flags[i]);
    CHECK(cms != NULL);
    put_cms_obj(&d, cms);
    CMS_ContentInfo_free(cms);
    BIO_free(b);
    stage_run(&s, &d, "Sig", "adbe.pkcs7.sha1", SIGNING_TIME);
    CHECK_RESULT(&s, KYSO_CHECK_CMS, KYSO_RESULT_PASSED, "ok");
    CHECK_EQ_INT(chk(&s, KYSO_CHECK_INTEGRITY)->result, KYSO_RESULT_PASSED);
    CHECK_RESULT(&s, KYSO_CHECK_SIGNATURE, KYSO_RESULT_PASSED, "ok");
    CHECK_RESULT(&s, KYSO_CHECK_SIGNING_CERT, KYSO_RESULT_PASSED,
                 "ess_absent_allowed");
    CHECK_RESULT(&s, KYSO_CHECK_ALGORITHMS, KYSO_RESULT_FAILED, "weak_digest");
    CHECK_EQ_INT(decided(&s, &sub), KYSO_INDICATION_INDETERMINATE);
    stage_free(&s);
    /* the document changed: the encapsulated digest no longer matches */
    d.data[10] ^= 1;
    stage_run(&s, &d, "Sig", "adbe.pkcs7.sha1", SIGNING_TIME);
    CHECK_RESULT(&s, KYSO_CHECK_INTEGRITY, KYSO_RESULT_FAILED,
                 "message_digest_mismatch");
    CHECK_EQ_INT(decided(&s, &sub), KYSO_INDICATION_TOTAL_FAILED);
    stage_free(&s);
    d.data[10] ^= 1;
  }
  /* detached: nothing says what was signed */
  {
    uint8_t *der;
    size_t len = 0;
    der = openssl_cms(&d, &rsa, EVP_sha256(), 0, NULL, NULL, 0, &len);
    CHECK(der && doc_put_cms(&d, der, len) == 0);
    OPENSSL_free(der);
    stage_run(&s, &d, "Sig", "adbe.pkcs7.sha1", SIGNING_TIME);
    CHECK_RESULT(&s, KYSO_CHECK_CMS, KYSO_RESULT_FAILED, "cms_malformed");
    stage_free(&s);
  }
  doc_free(&d);
}

/* The first occurrence of needle in data, or NULL (memmem is not C11). */
static uint8_t *find_bytes(uint8_t *data, size_t len, const char *needle,
                           size_t n) {
  size_t i;
  for (i = 0; i + n <= len; i++)
    if (memcmp(data + i, needle, n) == 0)
      return data + i;
  return NULL;
}

/* kyso_verify over d with the test CA as anchor; NULL on error. */
static kyso_report *verify_doc(const uint8_t *data, size_t len) {
  kyso_verify_options opt;
  kyso_report *r = NULL;
  kyso_blob anchor;
  kyso_error err;

  kyso_verify_options_init(&opt);
  anchor.data = ca.der;
  anchor.len = ca.der_len;
  opt.anchors = &anchor;
  opt.anchor_count = 1;
  opt.validation_time = VALIDATION_TIME;
  CHECK_EQ_INT(kyso_verify(data, len, &opt, &r, &err), KYSO_OK);
  if (!r)
    fprintf(stderr, "kyso_verify: %s\n", err.message);
  return r;
}

/* A document timestamp whose dictionary says /Type /Sig (DSS
 * Signature-P-SK-6.pdf; pades-tst-with-null-type.pdf has none) was
 * FORMAT_FAILURE: read as the timestamp it is, with a note. */
static void test_doc_timestamp_type(void) {
  doc d;
  kyso_error err;
  kyso_blob parts[2];
  kyso_report *r;
  uint8_t *buf, *token;
  size_t token_len = 0;

  if (doc_sign(&d, &rsa, KYSO_SCHEME_AUTO, KYSO_DIGEST_SHA256, 0, TST_NONE,
               &err) != KYSO_OK) {
    CHECK(0);
    return;
  }
  CHECK(find_bytes(d.data, d.len, "/Type /Sig", 10) != NULL);
  CHECK_EQ_INT(doc_patch(&d, "/ETSI.CAdES.detached", "/ETSI.RFC3161       "),
               0);
  doc_parts(&d, parts);
  buf = malloc(parts[0].len + parts[1].len);
  if (!buf)
    abort();
  memcpy(buf, parts[0].data, parts[0].len);
  memcpy(buf + parts[0].len, parts[1].data, parts[1].len);
  token =
      make_token(&tsa, buf, parts[0].len + parts[1].len, GEN_TIME, &token_len);
  CHECK(token && doc_put_cms(&d, token, token_len) == 0);
  r = verify_doc(d.data, d.len);
  CHECK(r && r->count == 1);
  if (r && r->count == 1) {
    const kyso_sig_report *s = &r->sigs[0];
    CHECK_EQ_STR(s->type, "Sig");
    CHECK_EQ_INT(s->checks[KYSO_CHECK_STRUCTURE].result, KYSO_RESULT_PASSED);
    CHECK_EQ_STR(s->checks[KYSO_CHECK_STRUCTURE].reason, "doc_timestamp_type");
    CHECK_EQ_STR(s->checks[KYSO_CHECK_CMS].reason, "ok");
    CHECK_EQ_STR(s->checks[KYSO_CHECK_INTEGRITY].reason, "ok");
    CHECK_EQ_STR(s->checks[KYSO_CHECK_SIGNATURE].reason, "ok");
    CHECK_EQ_INT(s->checks[KYSO_CHECK_TIMESTAMP].result, KYSO_RESULT_PASSED);
    /* the TSA's timeStamping EKU is its purpose here too */
    CHECK_EQ_STR(s->checks[KYSO_CHECK_KEY_USAGE].reason, "ok");
    CHECK(s->indication != KYSO_INDICATION_TOTAL_FAILED);
  }
  kyso_report_free(r);
  /* tampered: still caught */
  d.data[10] ^= 1;
  r = verify_doc(d.data, d.len);
  CHECK(r && r->count == 1 &&
        r->sigs[0].indication == KYSO_INDICATION_TOTAL_FAILED &&
        strcmp(r->sigs[0].sub_indication, "HASH_FAILURE") == 0);
  kyso_report_free(r);
  OPENSSL_free(token);
  free(buf);
  doc_free(&d);
}

/*
 * A one-page PDF signed adbe.x509.rsa_sha1 (ISO 32000-1 12.8.3.2) by k,
 * generated here: /Cert the signer's certificate, /Contents a DER OCTET
 * STRING holding the PKCS#1 v1.5 signature over the md digest of the
 * ranges (placeholders patched in place, same length). flip: one byte of
 * the value changed.
 */
static uint8_t *x509_pdf(const tkey *k, const EVP_MD *md, int flip,
                         size_t *len) {
  static const char br0[] = "[0 0000000000 0000000000 0000000000]";
  enum { HOLE = 600 };
  kyso_buf sigdict;
  const char *objs[5];
  uint8_t *data, *at, h[EVP_MAX_MD_SIZE], sig[1024], *der = NULL;
  unsigned int hlen = 0;
  size_t n = 0, a, b, sig_len = sizeof(sig), i;
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(k->key, NULL);
  ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
  char br[sizeof(br0)];
  int dn;

  kyso_buf_init(&sigdict);
  kyso_buf_append_str(&sigdict, "<< /Type /Sig /Filter /Adobe.PPKLite "
                                "/SubFilter /adbe.x509.rsa_sha1 /Cert <");
  for (i = 0; i < k->der_len; i++)
    kyso_buf_printf(&sigdict, "%02X", k->der[i]);
  kyso_buf_printf(&sigdict,
                  "> /M (D:20241211023015Z) /ByteRange %s /Contents <", br0);
  for (i = 0; i < 2 * HOLE; i++)
    kyso_buf_append_byte(&sigdict, '0');
  kyso_buf_append_str(&sigdict, "> >>");
  kyso_buf_append_byte(&sigdict, 0);
  objs[0] = "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] "
            "/SigFlags 3 >> >>";
  objs[1] = TEST_PDF_PAGES1;
  objs[2] = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            "/Annots [4 0 R] >>";
  objs[3] = "<< /FT /Sig /T (Sig1) /Type /Annot /Subtype /Widget "
            "/Rect [0 0 0 0] /P 3 0 R /F 132 /V 5 0 R >>";
  objs[4] = (const char *)sigdict.data;
  data = test_pdf_build(objs, 5, 0, NULL, &n);
  at = find_bytes(data, n, "/Contents <", 11);
  if (!at || !c || !pc || !os)
    abort();
  a = (size_t)(at - data) + 10;
  b = a + 2 * HOLE + 2;
  snprintf(br, sizeof(br), "[0 %010zu %010zu %010zu]", a, b, n - b);
  at = find_bytes(data, n, br0, sizeof(br0) - 1);
  if (!at)
    abort();
  memcpy(at, br, sizeof(br0) - 1);
  if (EVP_DigestInit_ex(c, md, NULL) != 1 ||
      EVP_DigestUpdate(c, data, a) != 1 ||
      EVP_DigestUpdate(c, data + b, n - b) != 1 ||
      EVP_DigestFinal_ex(c, h, &hlen) != 1 || EVP_PKEY_sign_init(pc) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) != 1 ||
      EVP_PKEY_CTX_set_signature_md(pc, md) != 1 ||
      EVP_PKEY_sign(pc, sig, &sig_len, h, hlen) != 1)
    abort();
  if (flip)
    sig[sig_len / 2] ^= 1;
  if (ASN1_OCTET_STRING_set(os, sig, (int)sig_len) != 1 ||
      (dn = i2d_ASN1_OCTET_STRING(os, &der)) <= 0 || (size_t)dn > HOLE)
    abort();
  for (i = 0; i < (size_t)dn; i++) {
    static const char hex[] = "0123456789abcdef";
    data[a + 1 + 2 * i] = (uint8_t)hex[der[i] >> 4];
    data[a + 1 + 2 * i + 1] = (uint8_t)hex[der[i] & 15];
  }
  OPENSSL_free(der);
  ASN1_OCTET_STRING_free(os);
  EVP_PKEY_CTX_free(pc);
  EVP_MD_CTX_free(c);
  kyso_buf_free(&sigdict);
  *len = n;
  return data;
}

/* adbe.x509.rsa_sha1 (iText, endesive test files) was FORMAT_FAILURE. With
 * SHA-1 it verifies and is then refused as weak (INDETERMINATE); with
 * SHA-256 (table 257) nothing is weak; a changed value is a failure. */
static void test_x509_rsa_sha1(void) {
  static const struct { int sha256, flip; } cases[] = {{0, 0}, {1, 0}, {0, 1}};
  size_t i, len = 0;

  /* a /SubFilter kyso does not verify (a national profile): not proof of
   * anything wrong, INDETERMINATE FORMAT_FAILURE (it was TOTAL_FAILED) */
  {
    uint8_t *data = x509_pdf(&rsa, EVP_sha256(), 0, &len);
    uint8_t *m = find_bytes(data, len, "/adbe.x509.rsa_sha1", 19);
    kyso_report *r;
    CHECK(m != NULL);
    if (m)
      memcpy(m, "/PBAD.x509.rsa_sha1", 19);
    r = verify_doc(data, len);
    CHECK(r && r->count == 1);
    if (r && r->count == 1) {
      CHECK_EQ_STR(r->sigs[0].checks[KYSO_CHECK_STRUCTURE].reason,
                   "unknown_sub_filter");
      CHECK_EQ_INT(r->sigs[0].checks[KYSO_CHECK_STRUCTURE].result,
                   KYSO_RESULT_INDETERMINATE);
      CHECK_EQ_INT(r->sigs[0].indication, KYSO_INDICATION_INDETERMINATE);
      CHECK_EQ_STR(r->sigs[0].sub_indication, "FORMAT_FAILURE");
    }
    kyso_report_free(r);
    free(data);
  }

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    uint8_t *data = x509_pdf(&rsa, cases[i].sha256 ? EVP_sha256() : EVP_sha1(),
                             cases[i].flip, &len);
    kyso_report *r = verify_doc(data, len);
    const kyso_sig_report *s = r && r->count == 1 ? &r->sigs[0] : NULL;

    CHECK(s != NULL);
    if (s) {
      CHECK_EQ_STR(s->checks[KYSO_CHECK_STRUCTURE].reason, "ok");
      CHECK_EQ_STR(s->checks[KYSO_CHECK_CMS].reason, "x509_rsa_sha1");
      CHECK_EQ_STR(s->checks[KYSO_CHECK_SIGNING_CERT].reason,
                   "ess_absent_allowed");
      CHECK_EQ_STR(s->signer_cn, SIGNER_CN);
      CHECK_EQ_STR(s->signature_algorithm, "rsa-pkcs1");
      CHECK_EQ_STR(s->checks[KYSO_CHECK_CHAIN].reason, "ok");
      if (cases[i].flip) {
        CHECK_EQ_STR(s->checks[KYSO_CHECK_SIGNATURE].reason,
                     "signature_invalid");
        CHECK_EQ_INT(s->indication, KYSO_INDICATION_TOTAL_FAILED);
        CHECK_EQ_STR(s->sub_indication, "SIG_CRYPTO_FAILURE");
      } else {
        CHECK_EQ_STR(s->checks[KYSO_CHECK_INTEGRITY].reason, "ok");
        CHECK_EQ_STR(s->checks[KYSO_CHECK_SIGNATURE].reason, "ok");
        CHECK_EQ_STR(s->digest_algorithm, cases[i].sha256 ? "sha256" : "sha1");
        CHECK_EQ_STR(s->checks[KYSO_CHECK_ALGORITHMS].reason,
                     cases[i].sha256 ? "ok" : "weak_digest");
        CHECK_EQ_INT(s->indication, KYSO_INDICATION_INDETERMINATE);
        if (!cases[i].sha256)
          CHECK_EQ_STR(s->sub_indication, "CRYPTO_CONSTRAINTS_FAILURE");
      }
    }
    kyso_report_free(r);
    /* a changed byte in the signed range: the claimed signing time */
    {
      uint8_t *m = find_bytes(data, len, "D:20241211023015Z", 17);
      CHECK(m != NULL);
      if (m)
        m[2] = '3';
    }
    r = verify_doc(data, len);
    CHECK(r && r->count == 1 &&
          r->sigs[0].indication == KYSO_INDICATION_TOTAL_FAILED);
    kyso_report_free(r);
    /* no /Cert: nothing names the signer */
    {
      uint8_t *cert = find_bytes(data, len, "/Cert <", 7);
      CHECK(cert != NULL);
      if (cert)
        cert[4] = 'x';
    }
    r = verify_doc(data, len);
    CHECK(r && r->count == 1 &&
          strcmp(r->sigs[0].checks[KYSO_CHECK_CMS].reason, "cms_malformed") ==
              0 &&
          r->sigs[0].indication == KYSO_INDICATION_TOTAL_FAILED);
    kyso_report_free(r);
    free(data);
  }
}

/* End to end through kyso_verify. */
static void test_kyso_verify(void) {
  doc d;
  kyso_error err;
  kyso_verify_options opt;
  kyso_report *r = NULL;
  kyso_blob anchor;
  const char *json;
  size_t json_len = 0;

  if (doc_sign(&d, &rsa, KYSO_SCHEME_AUTO, KYSO_DIGEST_SHA256, 0, TST_GOOD,
               &err) != KYSO_OK) {
    CHECK(0);
    return;
  }
  kyso_verify_options_init(&opt);
  anchor.data = ca.der;
  anchor.len = ca.der_len;
  opt.anchors = &anchor;
  opt.anchor_count = 1;
  opt.validation_time = VALIDATION_TIME;
  CHECK_EQ_INT(kyso_verify(d.data, d.len, &opt, &r, &err), KYSO_OK);
  if (!r)
    goto done;
  CHECK_EQ_INT(kyso_report_get_signature_count(r), 1);
  if (r->count == 1) {
    const kyso_sig_report *s = &r->sigs[0];
    CHECK_EQ_INT(s->checks[KYSO_CHECK_CMS].result, KYSO_RESULT_PASSED);
    CHECK_EQ_INT(s->checks[KYSO_CHECK_INTEGRITY].result, KYSO_RESULT_PASSED);
    CHECK_EQ_INT(s->checks[KYSO_CHECK_SIGNATURE].result, KYSO_RESULT_PASSED);
    CHECK_EQ_INT(s->checks[KYSO_CHECK_SIGNING_CERT].result, KYSO_RESULT_PASSED);
    CHECK_EQ_INT(s->checks[KYSO_CHECK_TIMESTAMP].result, KYSO_RESULT_PASSED);
    CHECK_EQ_INT(s->has_timestamp, 1);
    CHECK_EQ_INT(s->timestamp_time, GEN_TIME);
  }
  json = kyso_report_get_json(r, &json_len);
  CHECK(json && strstr(json, "\"timestamp_time\":\"2024-12-11T02:31:15Z\""));
  kyso_report_free(r);
  r = NULL;

  /* tampered: still a report, not an error */
  d.data[10] ^= 1;
  CHECK_EQ_INT(kyso_verify(d.data, d.len, &opt, &r, &err), KYSO_OK);
  if (r && r->count == 1)
    CHECK_EQ_STR(r->sigs[0].checks[KYSO_CHECK_INTEGRITY].reason,
                 "message_digest_mismatch");
  CHECK_EQ_INT(kyso_report_get_overall(r), KYSO_INDICATION_TOTAL_FAILED);
done:
  kyso_report_free(r);
  doc_free(&d);
}

int main(void) {
  if (!make_pki()) {
    fprintf(stderr, "cannot make the test PKI\n");
    ERR_print_errors_fp(stderr);
    return 1;
  }
  test_valid(&rsa, KYSO_SCHEME_AUTO, KYSO_DIGEST_SHA256, "sha256", "rsa-pkcs1",
             2048);
  test_valid(&rsa, KYSO_SCHEME_RSA_PSS, KYSO_DIGEST_SHA384, "sha384", "rsa-pss",
             2048);
  test_valid(&ec, KYSO_SCHEME_AUTO, KYSO_DIGEST_SHA512, "sha512", "ecdsa", 256);
  test_tampered();
  test_ess_mismatch();
  test_openssl_variants();
  test_archival();
  test_contents();
  test_shape();
  test_timestamp();
  test_timestamp_space();
  test_doc_timestamp();
  test_digests();
  test_eddsa();
  test_signers();
  test_econtent_empty();
  test_pkcs7_sha1();
  test_doc_timestamp_type();
  test_x509_rsa_sha1();
  test_kyso_verify();
  free_key(&ca);
  free_key(&rsa);
  free_key(&ec);
  free_key(&twin);
  free_key(&rsa1024);
  free_key(&ec224);
  free_key(&tsa);
  free_key(&tsa_weak_eku);
  free_key(&ed25519);
  free_key(&ed448);
  return check_summary();
}
