/*
 * test_ltv_checks.c - kyso/ltv.h: judging OCSP responses, CRLs and RFC 3161
 * timestamp responses (kyso_ltv_ocsp_check, kyso_ltv_crl_check,
 * kyso_ltv_ts_check).
 *
 * A small PKI is made here with OpenSSL (a CA, its leaf, delegated OCSP
 * responders with and without id-kp-OCSPSigning, another CA and a CA with
 * the same name but another key, a TSA chain) and the answers are signed
 * with OpenSSL's own OCSP, CRL, CMS and TS code: the TSA's granted and
 * rejected answers come from OpenSSL's TSA (TS_RESP_create_response), and
 * when the openssl command is there, `openssl ocsp` answers a request made
 * by kyso_ltv_ocsp_request_new. Each case changes one thing and expects one
 * status; the accepted answers are read back field by field.
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, popen, under -std=c11 */

#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/ess.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "kyso/ltv.h"
#include "test_pki.h"

static int64_t now;

/* KYSO_TEST_VERBOSE=1 shows each refusal's message. */
static void show(kyso_status st, const kyso_error *err) {
  if (st != KYSO_OK && getenv("KYSO_TEST_VERBOSE"))
    fprintf(stderr, "  %s: %s\n", kyso_status_name(st), err->message);
}
static long next_serial = 7000;

/* ---- the PKI ------------------------------------------------------------ */

typedef struct party {
  X509 *cert;
  EVP_PKEY *key;
  kyso_blob der; /* malloc'd */
} party;

typedef struct cert_spec {
  const char *cn;
  const party *issuer; /* NULL: self-signed */
  int ca;
  int64_t not_before, not_after; /* 0: now - 1 day, now + 365 days */
  const char *eku;               /* openssl.cnf value, or NULL */
  const char *crldp;             /* openssl.cnf value, or NULL */
  EVP_PKEY *key;                 /* NULL: a new one */
  int no_skid;                   /* no subjectKeyIdentifier */
} cert_spec;

static kyso_blob blob_of_der(unsigned char *der, int len) {
  kyso_blob b = {NULL, 0};
  uint8_t *copy;
  if (len <= 0)
    abort();
  copy = malloc((size_t)len);
  if (!copy)
    abort();
  memcpy(copy, der, (size_t)len);
  OPENSSL_free(der);
  b.data = copy;
  b.len = (size_t)len;
  return b;
}

static void blob_free(kyso_blob b) {
  free((void *)b.data);
}

static party make(const cert_spec *s) {
  party p;
  X509 *x = X509_new();
  X509_NAME *name = X509_NAME_new();
  unsigned char *der = NULL;

  p.key = s->key ? s->key : test_pki_key_new("EC", 0, "P-256");
  if (s->key)
    EVP_PKEY_up_ref(s->key);
  if (!x || !name || !p.key)
    abort();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), next_serial++);
  X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC,
                             (const unsigned char *)"VN", -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             (const unsigned char *)s->cn, -1, -1, 0);
  X509_set_subject_name(x, name);
  X509_set_issuer_name(x, s->issuer ? X509_get_subject_name(s->issuer->cert)
                                    : name);
  X509_NAME_free(name);
  ASN1_TIME_set(X509_getm_notBefore(x),
                (time_t)(s->not_before ? s->not_before : now - 86400));
  ASN1_TIME_set(X509_getm_notAfter(x),
                (time_t)(s->not_after ? s->not_after : now + 365 * 86400));
  X509_set_pubkey(x, p.key);
  if (!s->no_skid)
    test_pki_add_ext(x, NULL, NID_subject_key_identifier, "hash");
  if (s->issuer)
    test_pki_add_ext(x, s->issuer->cert, NID_authority_key_identifier,
                     "keyid:always");
  if (s->ca) {
    test_pki_add_ext(x, NULL, NID_basic_constraints, "critical,CA:TRUE");
    test_pki_add_ext(x, NULL, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    test_pki_add_ext(x, NULL, NID_key_usage, "critical,digitalSignature");
  }
  if (s->eku)
    test_pki_add_ext(x, NULL, NID_ext_key_usage, s->eku);
  if (s->crldp)
    test_pki_add_ext(x, NULL, NID_crl_distribution_points, s->crldp);
  if (!X509_sign(x, s->issuer ? s->issuer->key : p.key, EVP_sha256()))
    abort();
  p.cert = x;
  p.der = blob_of_der(der, i2d_X509(x, &der));
  return p;
}

static void party_free(party *p) {
  X509_free(p->cert);
  EVP_PKEY_free(p->key);
  blob_free(p->der);
}

/* The PKI every case uses. */
static party root, leaf, leaf2, sub, responder, resp_no_eku, resp_expiring;
static party resp_server_eku, other, resp_other, twin, twin_no_skid;
static party tsa_root, tsa_ca, tsa, tsa_no_eku, tsa_soft_eku, tsa_two_eku;

static void pki_make(void) {
  cert_spec s;

  memset(&s, 0, sizeof(s));
  s.cn = "kyso test root";
  s.ca = 1;
  root = make(&s);
  s.issuer = &root;
  s.cn = "kyso test sub-CA";
  sub = make(&s);
  s.ca = 0;
  s.cn = "Nguyễn Văn A";
  s.crldp = "URI:http://127.0.0.1:19700/root.crl";
  leaf = make(&s);
  s.cn = "Trần Thị B";
  leaf2 = make(&s);
  s.crldp = NULL;
  s.cn = "kyso test OCSP responder";
  s.eku = "OCSPSigning";
  responder = make(&s);
  s.not_after = now + 86400; /* expires tomorrow */
  resp_expiring = make(&s);
  s.not_after = 0;
  s.eku = NULL;
  s.cn = "kyso test responder without EKU";
  resp_no_eku = make(&s);
  s.cn = "kyso test responder with serverAuth";
  s.eku = "serverAuth";
  resp_server_eku = make(&s);

  memset(&s, 0, sizeof(s));
  s.cn = "kyso other root";
  s.ca = 1;
  other = make(&s);
  s.cn = "kyso test root"; /* root's name, another key */
  twin = make(&s);
  s.no_skid = 1; /* no key identifier to tell it from root */
  twin_no_skid = make(&s);
  s.no_skid = 0;
  s.ca = 0;
  s.issuer = &other;
  s.cn = "kyso test OCSP responder"; /* root's responder's name too */
  s.eku = "OCSPSigning";
  resp_other = make(&s);

  memset(&s, 0, sizeof(s));
  s.cn = "kyso TSA root";
  s.ca = 1;
  tsa_root = make(&s);
  s.issuer = &tsa_root;
  s.cn = "kyso TSA CA";
  tsa_ca = make(&s);
  s.ca = 0;
  s.issuer = &tsa_ca;
  s.cn = "kyso TSA";
  s.eku = "critical,timeStamping";
  tsa = make(&s);
  s.cn = "kyso TSA without EKU";
  s.eku = NULL;
  tsa_no_eku = make(&s);
  s.cn = "kyso TSA with a non-critical EKU";
  s.eku = "timeStamping";
  tsa_soft_eku = make(&s);
  s.cn = "kyso TSA that also signs code";
  s.eku = "critical,timeStamping,codeSigning";
  tsa_two_eku = make(&s);
}

static void pki_free(void) {
  party *all[] = {&root,
                  &leaf,
                  &leaf2,
                  &sub,
                  &responder,
                  &resp_no_eku,
                  &resp_expiring,
                  &other,
                  &resp_other,
                  &twin,
                  &tsa_root,
                  &tsa_ca,
                  &tsa,
                  &tsa_no_eku,
                  &tsa_soft_eku,
                  &tsa_two_eku,
                  &resp_server_eku,
                  &twin_no_skid};
  size_t i;
  for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
    party_free(all[i]);
}

/* ---- OCSP responses ------------------------------------------------------ */

typedef struct ocsp_spec {
  const party *cert, *issuer; /* the CertID */
  int status, reason;         /* V_OCSP_CERTSTATUS_*, reason or -1 */
  int64_t revoked_at;
  int64_t this_update, next_update; /* next_update 0: none */
  const uint8_t *nonce;             /* echoed as RFC 8954 asks, or NULL */
  size_t nonce_len;
  int nonce_bare;      /* echo the bare octets (RFC 2560 style) */
  const party *signer; /* NULL: issuer */
  unsigned long flags; /* OCSP_basic_sign flags (OCSP_NOCERTS...) */
  int response_status; /* not successful: no body */
  int critical_ext;    /* add an unknown critical response extension */
  int other_first;     /* a SingleResponse about leaf2 before the one */
} ocsp_spec;

static ocsp_spec ocsp_default(void) {
  ocsp_spec s;
  memset(&s, 0, sizeof(s));
  s.cert = &leaf;
  s.issuer = &root;
  s.status = V_OCSP_CERTSTATUS_GOOD;
  s.reason = -1;
  s.this_update = now - 60;
  s.next_update = now + 3600;
  return s;
}

static ASN1_GENERALIZEDTIME *gtime(int64_t t) {
  ASN1_GENERALIZEDTIME *g = ASN1_GENERALIZEDTIME_set(NULL, (time_t)t);
  if (!g)
    abort();
  return g;
}

static void add_single(OCSP_BASICRESP *bs, const party *cert,
                       const party *issuer, const ocsp_spec *s) {
  OCSP_CERTID *id = OCSP_cert_to_id(EVP_sha1(), cert->cert, issuer->cert);
  ASN1_GENERALIZEDTIME *tu = gtime(s->this_update);
  ASN1_GENERALIZEDTIME *nu = s->next_update ? gtime(s->next_update) : NULL;
  ASN1_GENERALIZEDTIME *rt =
      s->status == V_OCSP_CERTSTATUS_REVOKED ? gtime(s->revoked_at) : NULL;
  if (!id || !OCSP_basic_add1_status(bs, id, s->status, s->reason, rt, tu, nu))
    abort();
  OCSP_CERTID_free(id);
  ASN1_TIME_free(tu);
  ASN1_TIME_free(nu);
  ASN1_TIME_free(rt);
}

static kyso_blob ocsp_make(const ocsp_spec *s) {
  OCSP_BASICRESP *bs = NULL;
  OCSP_RESPONSE *r;
  const party *signer = s->signer ? s->signer : s->issuer;
  STACK_OF(X509) *certs = sk_X509_new_null();
  unsigned char *der = NULL;
  kyso_blob b;

  if (s->response_status == OCSP_RESPONSE_STATUS_SUCCESSFUL) {
    bs = OCSP_BASICRESP_new();
    if (!bs)
      abort();
    if (s->other_first)
      add_single(bs, &leaf2, s->issuer, s);
    add_single(bs, s->cert, s->issuer, s);
    if (s->nonce && !s->nonce_bare &&
        !OCSP_basic_add1_nonce(bs, (unsigned char *)s->nonce,
                               (int)s->nonce_len))
      abort();
    if (s->nonce && s->nonce_bare) {
      ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
      X509_EXTENSION *e;
      if (!os || !ASN1_OCTET_STRING_set(os, s->nonce, (int)s->nonce_len))
        abort();
      e = X509_EXTENSION_create_by_NID(NULL, NID_id_pkix_OCSP_Nonce, 0, os);
      if (!e || !OCSP_BASICRESP_add_ext(bs, e, -1))
        abort();
      X509_EXTENSION_free(e);
      ASN1_OCTET_STRING_free(os);
    }
    if (s->critical_ext) {
      ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
      ASN1_OBJECT *oid = OBJ_txt2obj("1.3.6.1.4.1.99999.1", 1);
      X509_EXTENSION *e;
      if (!os || !oid || !ASN1_OCTET_STRING_set(os, (unsigned char *)"\5\0", 2))
        abort();
      e = X509_EXTENSION_create_by_OBJ(NULL, oid, 1, os);
      if (!e || !OCSP_BASICRESP_add_ext(bs, e, -1))
        abort();
      X509_EXTENSION_free(e);
      ASN1_OBJECT_free(oid);
      ASN1_OCTET_STRING_free(os);
    }
    if (!certs || !OCSP_basic_sign(bs, signer->cert, signer->key, EVP_sha256(),
                                   certs, s->flags))
      abort();
  }
  r = OCSP_response_create(s->response_status, bs);
  if (!r)
    abort();
  b = blob_of_der(der, i2d_OCSP_RESPONSE(r, &der));
  OCSP_RESPONSE_free(r);
  OCSP_BASICRESP_free(bs);
  sk_X509_free(certs);
  return b;
}

static const uint8_t nonce_a[16] = {1, 2,  3,  4,  5,  6,  7,  8,
                                    9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t nonce_b[16] = {1, 2,  3,  4,  5,  6,  7,  8,
                                    9, 10, 11, 12, 13, 14, 15, 17};

static kyso_blob nonce_blob(const uint8_t *n) {
  kyso_blob b = {n, 16};
  return b;
}

static const kyso_blob no_nonce = {NULL, 0};

/* Checks the response s describes and returns the status. */
static kyso_status ocsp_run(const ocsp_spec *s, kyso_blob nonce, int64_t at,
                            kyso_ltv_answer *a, kyso_error *err) {
  kyso_blob r = ocsp_make(s);
  kyso_status st =
      kyso_ltv_ocsp_check(r, leaf.der, root.der, nonce, at, a, err);
  show(st, err);
  blob_free(r);
  return st;
}

static void test_ocsp(void) {
  ocsp_spec s;
  kyso_ltv_answer a;
  kyso_error err;
  kyso_blob r;

  /* good, signed by the CA itself, nonce echoed */
  s = ocsp_default();
  s.nonce = nonce_a;
  s.nonce_len = 16;
  CHECK_EQ_INT(ocsp_run(&s, nonce_blob(nonce_a), now, &a, &err), KYSO_OK);
  CHECK_EQ_INT(a.status, KYSO_LTV_GOOD);
  CHECK_EQ_INT(a.this_update, now - 60);
  CHECK_EQ_INT(a.next_update, now + 3600);
  CHECK(a.produced_at >= now - 5 && a.produced_at <= now + 60);
  CHECK_EQ_INT(a.revocation_time, 0);
  CHECK_EQ_INT(a.revocation_reason, -1);
  CHECK_EQ_INT(a.nonce_echoed, 1);
  CHECK_EQ_INT(a.delegated, 0);

  /* the bare-octets nonce echo is the same nonce */
  s.nonce_bare = 1;
  CHECK_EQ_INT(ocsp_run(&s, nonce_blob(nonce_a), now, &a, &err), KYSO_OK);
  CHECK_EQ_INT(a.nonce_echoed, 1);
  /* ... and a different one in that form is not */
  CHECK_EQ_INT(ocsp_run(&s, nonce_blob(nonce_b), now, &a, &err),
               KYSO_ERR_LTV_NONCE);

  /* a bare echo of 18 octets that is not an OCTET STRING of the nonce */
  {
    uint8_t tagged[18];
    tagged[0] = 0x05;
    tagged[1] = 16;
    memcpy(tagged + 2, nonce_a, 16);
    s.nonce = tagged;
    s.nonce_len = sizeof(tagged);
    CHECK_EQ_INT(ocsp_run(&s, nonce_blob(nonce_a), now, &a, &err),
                 KYSO_ERR_LTV_NONCE);
    tagged[0] = 0x04; /* the RFC 8954 form, written bare: accepted */
    CHECK_EQ_INT(ocsp_run(&s, nonce_blob(nonce_a), now, &a, &err), KYSO_OK);
    CHECK_EQ_INT(a.nonce_echoed, 1);
  }

  /* nonce different */
  s = ocsp_default();
  s.nonce = nonce_b;
  s.nonce_len = 16;
  CHECK_EQ_INT(ocsp_run(&s, nonce_blob(nonce_a), now, &a, &err),
               KYSO_ERR_LTV_NONCE);
  /* nonce absent: a pre-computed answer, accepted, nonce_echoed 0 */
  s = ocsp_default();
  a.nonce_echoed = 7;
  CHECK_EQ_INT(ocsp_run(&s, nonce_blob(nonce_a), now, &a, &err), KYSO_OK);
  CHECK_EQ_INT(a.nonce_echoed, 0);
  /* no nonce asked: whatever the response carries is not looked at */
  s.nonce = nonce_b;
  s.nonce_len = 16;
  CHECK_EQ_INT(ocsp_run(&s, no_nonce, now, &a, &err), KYSO_OK);
  CHECK_EQ_INT(a.nonce_echoed, 0);

  /* revoked, with time and reason */
  s = ocsp_default();
  s.status = V_OCSP_CERTSTATUS_REVOKED;
  s.revoked_at = now - 7200;
  s.reason = OCSP_REVOKED_STATUS_KEYCOMPROMISE;
  CHECK_EQ_INT(ocsp_run(&s, no_nonce, now, &a, &err), KYSO_OK);
  CHECK_EQ_INT(a.status, KYSO_LTV_REVOKED);
  CHECK_EQ_INT(a.revocation_time, now - 7200);
  CHECK_EQ_INT(a.revocation_reason, 1);
  /* revoked without a reason */
  s.reason = -1;
  CHECK_EQ_INT(ocsp_run(&s, no_nonce, now, &a, &err), KYSO_OK);
  CHECK_EQ_INT(a.status, KYSO_LTV_REVOKED);
  CHECK_EQ_INT(a.revocation_reason, -1);

  /* unknown */
  s = ocsp_default();
  s.status = V_OCSP_CERTSTATUS_UNKNOWN;
  CHECK_EQ_INT(ocsp_run(&s, no_nonce, now, &a, &err), KYSO_OK);
  CHECK_EQ_INT(a.status, KYSO_LTV_UNKNOWN);

  /* no nextUpdate: fine while fresh (KYSO_LTV_FRESH_WINDOW), next_update
   * 0; a month old it is a replay or a stale cache (red team F1b) */
  s = ocsp_default();
  s.next_update = 0;
  CHECK_EQ_INT(ocsp_run(&s, no_nonce, now + 30 * 60, &a, &err), KYSO_OK);
  CHECK_EQ_INT(a.next_update, 0);
  CHECK_EQ_INT(ocsp_run(&s, no_nonce, now + 30 * 86400, &a, &err),
               KYSO_ERR_LTV_STALE);
  CHECK_EQ_INT(
      ocsp_run(&s, no_nonce, now + KYSO_LTV_FRESH_WINDOW + 60, &a, &err),
      KYSO_ERR_LTV_STALE);

  /* delegated responder, embedded, by name and by key hash */
  s = ocsp_default();
  s.signer = &responder;
  CHECK_EQ_INT(ocsp_run(&s, no_nonce, now, &a, &err), KYSO_OK);
  CHECK_EQ_INT(a.delegated, 1);
  CHECK_EQ_INT(a.status, KYSO_LTV_GOOD);
  s.flags = OCSP_RESPID_KEY;
  CHECK_EQ_INT(ocsp_run(&s, no_nonce, now, &a, &err), KYSO_OK);
  CHECK_EQ_INT(a.delegated, 1);
  /* ... not embedded: nothing to verify with */
  s.flags = OCSP_NOCERTS;
  CHECK_EQ_INT(ocsp_run(&s, no_nonce, now, &a, &err), KYSO_ERR_LTV_SIGNATURE);
  /* delegated responder without id-kp-OCSPSigning, embedded */
  s = ocsp_default();
  s.signer = &resp_no_eku;
  CHECK_EQ_INT(ocsp_run(&s, no_nonce, now, &a, &err), KYSO_ERR_LTV_SIGNATURE);
  CHECK(strstr(err.message, "OCSPSigning") != NULL);
  /* nothing of a refused answer is left in *out */
  CHECK_EQ_INT(a.status, 0);
  CHECK_EQ_INT(a.this_update, 0);
  CHECK_EQ_INT(a.delegated, 0);
  CHECK_EQ_INT(a.revocation_reason, -1);
  /* an extended key usage, but not id-kp-OCSPSigning */
  s.signer = &resp_server_eku;
  CHECK_EQ_INT(ocsp_run(&s, no_nonce, now, &a, &err), KYSO_ERR_LTV_SIGNATURE);
  CHECK(strstr(err.message, "OCSPSigning") != NULL);
  /* a responder of another CA, with the EKU and root's responder's name */
  s.signer = &resp_other;
  CHECK_EQ_INT(ocsp_run(&s, no_nonce, now, &a, &err), KYSO_ERR_LTV_SIGNATURE);
  /* another CA signing as itself */
  s.signer = &other;
  CHECK_EQ_INT(ocsp_run(&s, no_nonce, now, &a, &err), KYSO_ERR_LTV_SIGNATURE);
  /* root's twin (same name, other key) */
  s.signer = &twin;
  CHECK_EQ_INT(ocsp_run(&s, no_nonce, now, &a, &err), KYSO_ERR_LTV_SIGNATURE);
  /* the leaf itself */
  s.signer = &leaf;
  CHECK_EQ_INT(ocsp_run(&s, no_nonce, now, &a, &err), KYSO_ERR_LTV_SIGNATURE);
  /* the delegated responder must be valid at now: it expires tomorrow,
   * the answer is current the day after */
  s = ocsp_default();
  s.signer = &resp_expiring;
  s.next_update = now + 5 * 86400;
  CHECK_EQ_INT(ocsp_run(&s, no_nonce, now, &a, &err), KYSO_OK);
  CHECK_EQ_INT(ocsp_run(&s, no_nonce, now + 2 * 86400, &a, &err),
               KYSO_ERR_LTV_SIGNATURE);
  /* the issuer's own answer at the same time is fine */
  s.signer = NULL;
  CHECK_EQ_INT(ocsp_run(&s, no_nonce, now + 2 * 86400, &a, &err), KYSO_OK);

  /* about another certificate: other serial */
  s = ocsp_default();
  s.cert = &leaf2;
  CHECK_EQ_INT(ocsp_run(&s, no_nonce, now, &a, &err), KYSO_ERR_LTV_SCOPE);
  /* same serial under another issuer (name and key hashes of other) */
  {
    cert_spec cs;
    party fake;
    memset(&cs, 0, sizeof(cs));
    cs.cn = "same serial";
    cs.issuer = &other;
    fake = make(&cs); /* its CertID only: the signature does not matter */
    if (!X509_set_serialNumber(fake.cert, X509_get_serialNumber(leaf.cert)))
      abort();
    s = ocsp_default();
    s.cert = &fake;
    s.issuer = &other;
    r = ocsp_make(&s);
    CHECK_EQ_INT(
        kyso_ltv_ocsp_check(r, leaf.der, root.der, no_nonce, now, &a, &err),
        KYSO_ERR_LTV_SCOPE);
    CHECK(strstr(err.message, "another issuer") != NULL);
    blob_free(r);
    party_free(&fake);
  }
  /* several answers: the one about leaf is found after another */
  s = ocsp_default();
  s.other_first = 1;
  s.status = V_OCSP_CERTSTATUS_REVOKED;
  s.revoked_at = now - 100;
  CHECK_EQ_INT(ocsp_run(&s, no_nonce, now, &a, &err), KYSO_OK);
  CHECK_EQ_INT(a.status, KYSO_LTV_REVOKED);

  /* expired: nextUpdate + skew before now */
  s = ocsp_default();
  CHECK_EQ_INT(
      ocsp_run(&s, no_nonce, now + 3600 + KYSO_LTV_CLOCK_SKEW, &a, &err),
      KYSO_OK);
  CHECK_EQ_INT(
      ocsp_run(&s, no_nonce, now + 3600 + KYSO_LTV_CLOCK_SKEW + 1, &a, &err),
      KYSO_ERR_LTV_STALE);
  CHECK_EQ_INT(ocsp_run(&s, no_nonce, now + 10 * 86400, &a, &err),
               KYSO_ERR_LTV_STALE);
  /* thisUpdate in the future beyond the skew */
  s = ocsp_default();
  s.this_update = now + KYSO_LTV_CLOCK_SKEW + 60;
  s.next_update = now + 86400;
  CHECK_EQ_INT(ocsp_run(&s, no_nonce, now, &a, &err), KYSO_ERR_LTV_STALE);
  s.this_update = now + KYSO_LTV_CLOCK_SKEW - 60; /* within the skew */
  CHECK_EQ_INT(ocsp_run(&s, no_nonce, now, &a, &err), KYSO_OK);
  /* producedAt (now, set by OpenSSL) after an old validation time */
  s = ocsp_default();
  s.this_update = now - 86400;
  CHECK_EQ_INT(ocsp_run(&s, no_nonce, now - 3600, &a, &err),
               KYSO_ERR_LTV_STALE);

  /* responseStatus not successful */
  s = ocsp_default();
  s.response_status = OCSP_RESPONSE_STATUS_TRYLATER;
  CHECK_EQ_INT(ocsp_run(&s, no_nonce, now, &a, &err), KYSO_ERR_LTV_RESPONSE);
  CHECK(strstr(err.message, "trylater") != NULL);
  s.response_status = OCSP_RESPONSE_STATUS_UNAUTHORIZED;
  CHECK_EQ_INT(ocsp_run(&s, no_nonce, now, &a, &err), KYSO_ERR_LTV_RESPONSE);
  CHECK(strstr(err.message, "unauthorized") != NULL);
  /* an unknown critical extension */
  s = ocsp_default();
  s.critical_ext = 1;
  CHECK_EQ_INT(ocsp_run(&s, no_nonce, now, &a, &err), KYSO_ERR_LTV_RESPONSE);

  /* malformed, truncated, trailing bytes, empty, oversized (no
   * certificates: the signature value ends the response) */
  s = ocsp_default();
  s.flags = OCSP_NOCERTS;
  r = ocsp_make(&s);
  {
    kyso_blob t = r;
    uint8_t *buf = malloc(r.len + 1);
    static const uint8_t junk[] = {0x30, 0x03, 0x0a, 0x01, 0x00, 0xff};
    kyso_blob j = {junk, sizeof(junk)};
    if (!buf)
      abort();
    t.len = r.len - 1;
    CHECK_EQ_INT(
        kyso_ltv_ocsp_check(t, leaf.der, root.der, no_nonce, now, &a, &err),
        KYSO_ERR_LTV_RESPONSE);
    t.len = r.len / 2;
    CHECK_EQ_INT(
        kyso_ltv_ocsp_check(t, leaf.der, root.der, no_nonce, now, &a, &err),
        KYSO_ERR_LTV_RESPONSE);
    memcpy(buf, r.data, r.len);
    buf[r.len] = 0;
    t.data = buf;
    t.len = r.len + 1;
    CHECK_EQ_INT(
        kyso_ltv_ocsp_check(t, leaf.der, root.der, no_nonce, now, &a, &err),
        KYSO_ERR_LTV_RESPONSE);
    /* a flipped byte in the signature */
    buf[r.len - 3] ^= 0x01;
    t.len = r.len;
    CHECK_EQ_INT(
        kyso_ltv_ocsp_check(t, leaf.der, root.der, no_nonce, now, &a, &err),
        KYSO_ERR_LTV_SIGNATURE);
    CHECK_EQ_INT(
        kyso_ltv_ocsp_check(j, leaf.der, root.der, no_nonce, now, &a, &err),
        KYSO_ERR_LTV_RESPONSE);
    CHECK_EQ_INT(kyso_ltv_ocsp_check(no_nonce, leaf.der, root.der, no_nonce,
                                     now, &a, &err),
                 KYSO_ERR_LTV_RESPONSE);
    free(buf);
    buf = calloc(1, KYSO_LIMIT_LTV_RESPONSE_SIZE + 1);
    if (!buf)
      abort();
    memcpy(buf, r.data, r.len);
    t.data = buf;
    t.len = KYSO_LIMIT_LTV_RESPONSE_SIZE + 1;
    CHECK_EQ_INT(
        kyso_ltv_ocsp_check(t, leaf.der, root.der, no_nonce, now, &a, &err),
        KYSO_ERR_LIMIT);
    free(buf);
  }
  /* arguments: the issuer did not issue cert; a nonce of a wrong size */
  CHECK_EQ_INT(
      kyso_ltv_ocsp_check(r, leaf.der, other.der, no_nonce, now, &a, &err),
      KYSO_ERR_ARGUMENT);
  CHECK_EQ_INT(
      kyso_ltv_ocsp_check(r, leaf.der, twin.der, no_nonce, now, &a, &err),
      KYSO_ERR_ARGUMENT);
  /* the same name and no key identifier: only the signature tells */
  CHECK_EQ_INT(kyso_ltv_ocsp_check(r, leaf.der, twin_no_skid.der, no_nonce, now,
                                   &a, &err),
               KYSO_ERR_ARGUMENT);
  CHECK(strstr(err.message, "signature") != NULL);
  CHECK_EQ_INT(
      kyso_ltv_ocsp_check(r, root.der, leaf.der, no_nonce, now, &a, &err),
      KYSO_ERR_ARGUMENT);
  {
    kyso_blob short_nonce = {nonce_a, 8};
    CHECK_EQ_INT(
        kyso_ltv_ocsp_check(r, leaf.der, root.der, short_nonce, now, &a, &err),
        KYSO_ERR_ARGUMENT);
  }
  CHECK_EQ_INT(
      kyso_ltv_ocsp_check(r, leaf.der, root.der, no_nonce, now, NULL, &err),
      KYSO_ERR_ARGUMENT);
  blob_free(r);
}

/* ---- `openssl ocsp` answering kyso's request ---------------------------- */

static char tmpdir[64];

static int write_file(const char *name, const void *data, size_t len) {
  char path[256];
  FILE *f;
  int ok;
  snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
  f = fopen(path, "wb");
  ok = f && fwrite(data, 1, len, f) == len;
  if (f && fclose(f) != 0)
    ok = 0;
  return ok;
}

static int write_pem(const char *name, const party *p, int with_key) {
  char path[256];
  FILE *f;
  int ok;
  snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
  f = fopen(path, "w");
  ok = f && PEM_write_X509(f, p->cert) == 1 &&
       (!with_key ||
        PEM_write_PrivateKey(f, p->key, NULL, NULL, 0, NULL, NULL) == 1);
  if (f && fclose(f) != 0)
    ok = 0;
  return ok;
}

static kyso_blob read_file(const char *name) {
  char path[256];
  kyso_blob b = {NULL, 0};
  uint8_t *buf = malloc(1 << 20);
  FILE *f;
  snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
  f = fopen(path, "rb");
  if (!buf)
    abort();
  if (f) {
    b.len = fread(buf, 1, 1 << 20, f);
    fclose(f);
  }
  b.data = buf;
  return b;
}

static int have_openssl(void) {
  return system("openssl version >/dev/null 2>&1") == 0;
}

static void test_openssl_ocsp(void) {
  char cmd[1024], line[256], serial_hex[64];
  uint8_t *req = NULL;
  size_t req_len = 0;
  kyso_error err;
  kyso_ltv_answer a;
  kyso_blob r;
  BIGNUM *bn;
  char *hex;

  if (!have_openssl()) {
    fprintf(stderr, "no openssl command: `openssl ocsp` case skipped\n");
    return;
  }
  CHECK_EQ_INT(kyso_ltv_ocsp_request_new(leaf.der, root.der,
                                         nonce_blob(nonce_a), &req, &req_len,
                                         &err),
               KYSO_OK);
  CHECK(write_file("req.der", req, req_len));
  kyso_ltv_request_free(req);
  bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(leaf.cert), NULL);
  hex = BN_bn2hex(bn);
  snprintf(serial_hex, sizeof(serial_hex), "%s", hex);
  OPENSSL_free(hex);
  BN_free(bn);
  /* index.txt: V, expiry, no revocation date, serial, unknown, subject;
   * leaf revoked (R) in the second run */
  CHECK(write_pem("root.pem", &root, 0));
  CHECK(write_pem("resp.pem", &responder, 1));
  snprintf(line, sizeof(line), "V\t351231000000Z\t\t%s\tunknown\t/CN=leaf\n",
           serial_hex);
  CHECK(write_file("index.txt", line, strlen(line)));
  snprintf(cmd, sizeof(cmd),
           "cd %s && openssl ocsp -index index.txt -CA root.pem -rsigner "
           "resp.pem -rkey resp.pem -reqin req.der -respout resp.der -ndays 1 "
           ">/dev/null 2>&1",
           tmpdir);
  CHECK(system(cmd) == 0);
  r = read_file("resp.der");
  CHECK_EQ_INT(kyso_ltv_ocsp_check(r, leaf.der, root.der, nonce_blob(nonce_a),
                                   now, &a, &err),
               KYSO_OK);
  CHECK_EQ_INT(a.status, KYSO_LTV_GOOD);
  CHECK_EQ_INT(a.nonce_echoed, 1);
  CHECK_EQ_INT(a.delegated, 1);
  CHECK(a.next_update > now + 86000);
  /* another nonce than the one asked */
  CHECK_EQ_INT(kyso_ltv_ocsp_check(r, leaf.der, root.der, nonce_blob(nonce_b),
                                   now, &a, &err),
               KYSO_ERR_LTV_NONCE);
  blob_free(r);

  snprintf(line, sizeof(line),
           "R\t351231000000Z\t240101000000Z,keyCompromise\t%s\tunknown\t/"
           "CN=leaf\n",
           serial_hex);
  CHECK(write_file("index.txt", line, strlen(line)));
  CHECK(system(cmd) == 0);
  r = read_file("resp.der");
  CHECK_EQ_INT(kyso_ltv_ocsp_check(r, leaf.der, root.der, nonce_blob(nonce_a),
                                   now, &a, &err),
               KYSO_OK);
  CHECK_EQ_INT(a.status, KYSO_LTV_REVOKED);
  CHECK_EQ_INT(a.revocation_time, 1704067200); /* 2024-01-01 */
  CHECK_EQ_INT(a.revocation_reason, 1);
  blob_free(r);
}

/* ---- CRLs ---------------------------------------------------------------- */

typedef struct crl_spec {
  const party *issuer_name;         /* whose subject is the CRL's issuer */
  const party *signer;              /* whose key signs */
  int64_t this_update, next_update; /* next_update 0: none */
  const party *revoked;             /* listed, or NULL */
  int reason;                       /* its reasonCode, -1: none */
  int revoked_extra;                /* also list leaf2 */
  int delta;
  int idp_only_ca, idp_only_user, idp_indirect, idp_some_reasons;
  const char *idp_uri; /* IDP distributionPoint fullName URI */
  int critical_ext;
  int entry_cert_issuer;
  int entry_critical_ext; /* leaf2's entry carries an unknown critical one */
} crl_spec;

static crl_spec crl_default(void) {
  crl_spec s;
  memset(&s, 0, sizeof(s));
  s.issuer_name = &root;
  s.signer = &root;
  s.this_update = now - 60;
  s.next_update = now + 86400;
  s.reason = -1;
  return s;
}

static void crl_list(X509_CRL *crl, const party *p, int64_t when, int reason,
                     int cert_issuer) {
  X509_REVOKED *rv = X509_REVOKED_new();
  ASN1_TIME *t = ASN1_TIME_set(NULL, (time_t)when);
  if (!rv || !t ||
      !X509_REVOKED_set_serialNumber(rv, X509_get_serialNumber(p->cert)) ||
      !X509_REVOKED_set_revocationDate(rv, t))
    abort();
  if (reason >= 0) {
    ASN1_ENUMERATED *e = ASN1_ENUMERATED_new();
    if (!e || !ASN1_ENUMERATED_set(e, reason) ||
        !X509_REVOKED_add1_ext_i2d(rv, NID_crl_reason, e, 0, 0))
      abort();
    ASN1_ENUMERATED_free(e);
  }
  if (cert_issuer) {
    GENERAL_NAMES *gns = GENERAL_NAMES_new();
    GENERAL_NAME *gn = GENERAL_NAME_new();
    X509_NAME *n = X509_NAME_dup(X509_get_subject_name(other.cert));
    if (!gns || !gn || !n)
      abort();
    GENERAL_NAME_set0_value(gn, GEN_DIRNAME, n);
    sk_GENERAL_NAME_push(gns, gn);
    if (!X509_REVOKED_add1_ext_i2d(rv, NID_certificate_issuer, gns, 1, 0))
      abort();
    GENERAL_NAMES_free(gns);
  }
  if (!X509_CRL_add0_revoked(crl, rv))
    abort();
  ASN1_TIME_free(t);
}

static kyso_blob crl_make(const crl_spec *s) {
  X509_CRL *crl = X509_CRL_new();
  ASN1_TIME *t;
  unsigned char *der = NULL;
  kyso_blob b;

  if (!crl || !X509_CRL_set_version(crl, 1) ||
      !X509_CRL_set_issuer_name(crl,
                                X509_get_subject_name(s->issuer_name->cert)))
    abort();
  t = ASN1_TIME_set(NULL, (time_t)s->this_update);
  X509_CRL_set1_lastUpdate(crl, t);
  ASN1_TIME_free(t);
  if (s->next_update) {
    t = ASN1_TIME_set(NULL, (time_t)s->next_update);
    X509_CRL_set1_nextUpdate(crl, t);
    ASN1_TIME_free(t);
  }
  if (s->revoked_extra)
    crl_list(crl, &leaf2, now - 500, -1, 0);
  if (s->revoked)
    crl_list(crl, s->revoked, now - 1000, s->reason, 0);
  if (s->entry_cert_issuer)
    crl_list(crl, &leaf2, now - 500, -1, 1);
  if (s->entry_critical_ext) {
    X509_REVOKED *rv = X509_REVOKED_new();
    ASN1_TIME *when = ASN1_TIME_set(NULL, (time_t)(now - 500));
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    ASN1_OBJECT *oid = OBJ_txt2obj("1.3.6.1.4.1.99999.4", 1);
    X509_EXTENSION *e;
    if (!rv || !when || !os || !oid ||
        !X509_REVOKED_set_serialNumber(rv, X509_get_serialNumber(leaf2.cert)) ||
        !X509_REVOKED_set_revocationDate(rv, when) ||
        !ASN1_OCTET_STRING_set(os, (unsigned char *)"\5\0", 2))
      abort();
    e = X509_EXTENSION_create_by_OBJ(NULL, oid, 1, os);
    if (!e || !X509_REVOKED_add_ext(rv, e, -1) ||
        !X509_CRL_add0_revoked(crl, rv))
      abort();
    X509_EXTENSION_free(e);
    ASN1_OBJECT_free(oid);
    ASN1_OCTET_STRING_free(os);
    ASN1_TIME_free(when);
  }
  {
    ASN1_INTEGER *n = ASN1_INTEGER_new();
    ASN1_INTEGER_set(n, 12);
    X509_CRL_add1_ext_i2d(crl, NID_crl_number, n, 0, 0);
    if (s->delta)
      X509_CRL_add1_ext_i2d(crl, NID_delta_crl, n, 1, 0);
    ASN1_INTEGER_free(n);
  }
  if (s->idp_only_ca || s->idp_only_user || s->idp_indirect ||
      s->idp_some_reasons || s->idp_uri) {
    ISSUING_DIST_POINT *idp = ISSUING_DIST_POINT_new();
    if (!idp)
      abort();
    if (s->idp_only_ca)
      idp->onlyCA = 0xff;
    if (s->idp_only_user)
      idp->onlyuser = 0xff;
    if (s->idp_indirect)
      idp->indirectCRL = 0xff;
    if (s->idp_some_reasons) {
      idp->onlysomereasons = ASN1_BIT_STRING_new();
      ASN1_BIT_STRING_set_bit(idp->onlysomereasons, 1, 1);
    }
    if (s->idp_uri) {
      GENERAL_NAME *gn = GENERAL_NAME_new();
      ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();
      if (!gn || !ia5 || !ASN1_STRING_set(ia5, s->idp_uri, -1))
        abort();
      GENERAL_NAME_set0_value(gn, GEN_URI, ia5);
      idp->distpoint = DIST_POINT_NAME_new();
      idp->distpoint->type = 0;
      idp->distpoint->name.fullname = GENERAL_NAMES_new();
      sk_GENERAL_NAME_push(idp->distpoint->name.fullname, gn);
    }
    if (!X509_CRL_add1_ext_i2d(crl, NID_issuing_distribution_point, idp, 1, 0))
      abort();
    ISSUING_DIST_POINT_free(idp);
  }
  if (s->critical_ext) {
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    ASN1_OBJECT *oid = OBJ_txt2obj("1.3.6.1.4.1.99999.2", 1);
    X509_EXTENSION *e;
    if (!os || !oid || !ASN1_OCTET_STRING_set(os, (unsigned char *)"\5\0", 2))
      abort();
    e = X509_EXTENSION_create_by_OBJ(NULL, oid, 1, os);
    if (!e || !X509_CRL_add_ext(crl, e, -1))
      abort();
    X509_EXTENSION_free(e);
    ASN1_OBJECT_free(oid);
    ASN1_OCTET_STRING_free(os);
  }
  X509_CRL_sort(crl);
  if (!X509_CRL_sign(crl, s->signer->key, EVP_sha256()))
    abort();
  b = blob_of_der(der, i2d_X509_CRL(crl, &der));
  X509_CRL_free(crl);
  return b;
}

static kyso_status crl_run(const crl_spec *s, const party *cert,
                           const party *issuer, int64_t at, kyso_ltv_answer *a,
                           kyso_error *err) {
  kyso_blob c = crl_make(s);
  kyso_status st = kyso_ltv_crl_check(c, cert->der, issuer->der, at, a, err);
  show(st, err);
  blob_free(c);
  return st;
}

static void test_crl(void) {
  crl_spec s;
  kyso_ltv_answer a;
  kyso_error err;

  /* good: not listed (another is) */
  s = crl_default();
  s.revoked_extra = 1;
  CHECK_EQ_INT(crl_run(&s, &leaf, &root, now, &a, &err), KYSO_OK);
  CHECK_EQ_INT(a.status, KYSO_LTV_GOOD);
  CHECK_EQ_INT(a.this_update, now - 60);
  CHECK_EQ_INT(a.produced_at, now - 60);
  CHECK_EQ_INT(a.next_update, now + 86400);
  CHECK_EQ_INT(a.revocation_reason, -1);
  CHECK_EQ_INT(a.delegated, 0);
  /* listed, with a reason */
  s.revoked = &leaf;
  s.reason = 4; /* superseded */
  CHECK_EQ_INT(crl_run(&s, &leaf, &root, now, &a, &err), KYSO_OK);
  CHECK_EQ_INT(a.status, KYSO_LTV_REVOKED);
  CHECK_EQ_INT(a.revocation_time, now - 1000);
  CHECK_EQ_INT(a.revocation_reason, 4);
  /* listed, no reason */
  s.reason = -1;
  CHECK_EQ_INT(crl_run(&s, &leaf, &root, now, &a, &err), KYSO_OK);
  CHECK_EQ_INT(a.status, KYSO_LTV_REVOKED);
  CHECK_EQ_INT(a.revocation_reason, -1);
  /* a CA certificate (the sub-CA) on the root's CRL */
  s = crl_default();
  s.revoked = &sub;
  CHECK_EQ_INT(crl_run(&s, &sub, &root, now, &a, &err), KYSO_OK);
  CHECK_EQ_INT(a.status, KYSO_LTV_REVOKED);

  /* another issuer's name (signed by that issuer) */
  s = crl_default();
  s.issuer_name = &other;
  s.signer = &other;
  CHECK_EQ_INT(crl_run(&s, &leaf, &root, now, &a, &err), KYSO_ERR_LTV_SCOPE);
  /* root's name, another key */
  s = crl_default();
  s.signer = &twin;
  CHECK_EQ_INT(crl_run(&s, &leaf, &root, now, &a, &err),
               KYSO_ERR_LTV_SIGNATURE);
  /* root's name, signed by the leaf */
  s.signer = &leaf;
  CHECK_EQ_INT(crl_run(&s, &leaf, &root, now, &a, &err),
               KYSO_ERR_LTV_SIGNATURE);
  /* a delta CRL, even one listing nothing */
  s = crl_default();
  s.delta = 1;
  CHECK_EQ_INT(crl_run(&s, &leaf, &root, now, &a, &err), KYSO_ERR_LTV_SCOPE);
  /* indirect: IDP flag, or an entry naming another issuer */
  s = crl_default();
  s.idp_indirect = 1;
  CHECK_EQ_INT(crl_run(&s, &leaf, &root, now, &a, &err), KYSO_ERR_LTV_SCOPE);
  CHECK(strstr(err.message, "indirect") != NULL);
  s = crl_default();
  s.entry_cert_issuer = 1;
  CHECK_EQ_INT(crl_run(&s, &leaf, &root, now, &a, &err), KYSO_ERR_LTV_SCOPE);
  /* IDP onlyContainsCACerts for a leaf; fine for the sub-CA */
  s = crl_default();
  s.idp_only_ca = 1;
  CHECK_EQ_INT(crl_run(&s, &leaf, &root, now, &a, &err), KYSO_ERR_LTV_SCOPE);
  CHECK_EQ_INT(crl_run(&s, &sub, &root, now, &a, &err), KYSO_OK);
  /* onlyContainsUserCerts: fine for the leaf, not for the sub-CA */
  s = crl_default();
  s.idp_only_user = 1;
  CHECK_EQ_INT(crl_run(&s, &leaf, &root, now, &a, &err), KYSO_OK);
  CHECK_EQ_INT(crl_run(&s, &sub, &root, now, &a, &err), KYSO_ERR_LTV_SCOPE);
  /* onlySomeReasons */
  s = crl_default();
  s.idp_some_reasons = 1;
  CHECK_EQ_INT(crl_run(&s, &leaf, &root, now, &a, &err), KYSO_ERR_LTV_SCOPE);
  /* a partition: the IDP names the leaf's distribution point, or another */
  s = crl_default();
  s.idp_uri = "http://127.0.0.1:19700/root.crl";
  CHECK_EQ_INT(crl_run(&s, &leaf, &root, now, &a, &err), KYSO_OK);
  s.idp_uri = "http://127.0.0.1:19700/part2.crl";
  CHECK_EQ_INT(crl_run(&s, &leaf, &root, now, &a, &err), KYSO_ERR_LTV_SCOPE);
  /* the sub-CA names no distribution point: not in a partition */
  CHECK_EQ_INT(crl_run(&s, &sub, &root, now, &a, &err), KYSO_ERR_LTV_SCOPE);
  /* an unknown critical extension */
  s = crl_default();
  s.critical_ext = 1;
  CHECK_EQ_INT(crl_run(&s, &leaf, &root, now, &a, &err), KYSO_ERR_LTV_RESPONSE);
  s = crl_default();
  s.entry_critical_ext = 1;
  CHECK_EQ_INT(crl_run(&s, &leaf, &root, now, &a, &err), KYSO_ERR_LTV_RESPONSE);
  CHECK(strstr(err.message, "entry") != NULL);

  /* expired, future, without nextUpdate */
  s = crl_default();
  CHECK_EQ_INT(
      crl_run(&s, &leaf, &root, now + 86400 + KYSO_LTV_CLOCK_SKEW, &a, &err),
      KYSO_OK);
  CHECK_EQ_INT(crl_run(&s, &leaf, &root, now + 86400 + KYSO_LTV_CLOCK_SKEW + 1,
                       &a, &err),
               KYSO_ERR_LTV_STALE);
  CHECK_EQ_INT(crl_run(&s, &leaf, &root, now + 30 * 86400, &a, &err),
               KYSO_ERR_LTV_STALE);
  s.this_update = now + KYSO_LTV_CLOCK_SKEW + 60;
  CHECK_EQ_INT(crl_run(&s, &leaf, &root, now, &a, &err), KYSO_ERR_LTV_STALE);
  s = crl_default();
  s.next_update = 0;
  CHECK_EQ_INT(crl_run(&s, &leaf, &root, now, &a, &err), KYSO_ERR_LTV_STALE);
  CHECK(strstr(err.message, "without nextUpdate") != NULL);

  /* malformed, truncated, oversized; wrong pair */
  {
    kyso_blob c;
    kyso_blob t;
    uint8_t *big;
    s = crl_default();
    c = crl_make(&s);
    t = c;
    t.len = c.len - 1;
    CHECK_EQ_INT(kyso_ltv_crl_check(t, leaf.der, root.der, now, &a, &err),
                 KYSO_ERR_LTV_RESPONSE);
    t.len = 10;
    CHECK_EQ_INT(kyso_ltv_crl_check(t, leaf.der, root.der, now, &a, &err),
                 KYSO_ERR_LTV_RESPONSE);
    CHECK_EQ_INT(
        kyso_ltv_crl_check(leaf.der, leaf.der, root.der, now, &a, &err),
        KYSO_ERR_LTV_RESPONSE);
    CHECK_EQ_INT(kyso_ltv_crl_check(c, leaf.der, other.der, now, &a, &err),
                 KYSO_ERR_ARGUMENT);
    big = calloc(1, KYSO_LIMIT_LTV_CRL_SIZE + 1);
    if (!big)
      abort();
    memcpy(big, c.data, c.len);
    t.data = big;
    t.len = KYSO_LIMIT_LTV_CRL_SIZE + 1;
    CHECK_EQ_INT(kyso_ltv_crl_check(t, leaf.der, root.der, now, &a, &err),
                 KYSO_ERR_LIMIT);
    free(big);
    blob_free(c);
  }
}

/* ---- timestamps ---------------------------------------------------------- */

static uint8_t digest32[32], digest_other[32], digest48[48];

typedef struct ts_spec {
  int nid; /* imprint algorithm */
  const uint8_t *digest;
  size_t digest_len;
  const uint8_t *nonce; /* NULL: none */
  size_t nonce_len;
  int64_t gen_time;
  const party *signer;
  int no_ess;
} ts_spec;

static ts_spec ts_default(void) {
  ts_spec s;
  memset(&s, 0, sizeof(s));
  s.nid = NID_sha256;
  s.digest = digest32;
  s.digest_len = 32;
  s.nonce = nonce_a;
  s.nonce_len = 16;
  s.gen_time = now;
  s.signer = &tsa;
  return s;
}

/* A granted TimeStampResp built from its parts (OpenSSL's TSA refuses
 * to sign with a certificate lacking the EKU, which some cases need). */
static kyso_blob ts_make(const ts_spec *s) {
  TS_TST_INFO *ti = TS_TST_INFO_new();
  TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
  X509_ALGOR *alg = X509_ALGOR_new();
  ASN1_INTEGER *serial = ASN1_INTEGER_new();
  ASN1_OBJECT *policy = OBJ_txt2obj("1.3.6.1.4.1.99999.3", 1);
  ASN1_GENERALIZEDTIME *gt = gtime(s->gen_time);
  TS_RESP *resp = TS_RESP_new();
  TS_STATUS_INFO *status = TS_STATUS_INFO_new();
  CMS_ContentInfo *cms;
  CMS_SignerInfo *si;
  PKCS7 *p7;
  BIO *in;
  unsigned char *der = NULL, *tder = NULL, *ess = NULL;
  const unsigned char *q;
  int der_len, ess_len;
  kyso_blob b;

  if (!ti || !mi || !alg || !serial || !policy || !resp || !status ||
      !X509_ALGOR_set0(alg, OBJ_nid2obj(s->nid), V_ASN1_NULL, NULL) ||
      !TS_MSG_IMPRINT_set_algo(mi, alg) ||
      !TS_MSG_IMPRINT_set_msg(mi, (unsigned char *)s->digest,
                              (int)s->digest_len) ||
      !TS_TST_INFO_set_version(ti, 1) ||
      !TS_TST_INFO_set_policy_id(ti, policy) ||
      !TS_TST_INFO_set_msg_imprint(ti, mi) || !ASN1_INTEGER_set(serial, 42) ||
      !TS_TST_INFO_set_serial(ti, serial) || !TS_TST_INFO_set_time(ti, gt))
    abort();
  if (s->nonce) {
    BIGNUM *bn = BN_bin2bn(s->nonce, (int)s->nonce_len, NULL);
    ASN1_INTEGER *n = BN_to_ASN1_INTEGER(bn, NULL);
    if (!n || !TS_TST_INFO_set_nonce(ti, n))
      abort();
    ASN1_INTEGER_free(n);
    BN_free(bn);
  }
  der_len = i2d_TS_TST_INFO(ti, &der);
  in = BIO_new_mem_buf(der, der_len);
  cms = CMS_sign(NULL, NULL, NULL, NULL,
                 CMS_PARTIAL | CMS_BINARY | CMS_NOSMIMECAP);
  if (!in || !cms ||
      !CMS_set1_eContentType(cms, OBJ_nid2obj(NID_id_smime_ct_TSTInfo)))
    abort();
  si = CMS_add1_signer(cms, s->signer->cert, s->signer->key, EVP_sha256(),
                       CMS_PARTIAL | CMS_BINARY | CMS_NOSMIMECAP);
  if (!si)
    abort();
  if (!s->no_ess) {
    ESS_SIGNING_CERT_V2 *v2 = OSSL_ESS_signing_cert_v2_new_init(
        EVP_sha256(), s->signer->cert, NULL, 0);
    ess_len = i2d_ESS_SIGNING_CERT_V2(v2, &ess);
    if (!v2 || ess_len <= 0 ||
        !CMS_signed_add1_attr_by_NID(si, NID_id_smime_aa_signingCertificateV2,
                                     V_ASN1_SEQUENCE, ess, ess_len))
      abort();
    ESS_SIGNING_CERT_V2_free(v2);
    OPENSSL_free(ess);
  }
  if ((s->signer != &tsa_ca && !CMS_add1_cert(cms, tsa_ca.cert)) ||
      !CMS_final(cms, in, NULL, CMS_BINARY))
    abort();
  der_len = i2d_CMS_ContentInfo(cms, &tder);
  q = tder;
  p7 = d2i_PKCS7(NULL, &q, der_len);
  if (!p7 || !TS_STATUS_INFO_set_status(status, TS_STATUS_GRANTED) ||
      !TS_RESP_set_status_info(resp, status))
    abort();
  TS_RESP_set_tst_info(resp, p7, ti); /* resp owns both */
  OPENSSL_free(der);
  der = NULL;
  b = blob_of_der(der, i2d_TS_RESP(resp, &der));
  OPENSSL_free(tder);
  BIO_free(in);
  CMS_ContentInfo_free(cms);
  TS_RESP_free(resp);
  TS_STATUS_INFO_free(status);
  ASN1_GENERALIZEDTIME_free(gt);
  ASN1_OBJECT_free(policy);
  ASN1_INTEGER_free(serial);
  X509_ALGOR_free(alg);
  TS_MSG_IMPRINT_free(mi);
  return b;
}

/* A response from OpenSSL's own TSA (TS_RESP_create_response) to a
 * request kyso made: granted when the digest is SHA-256 (the only one it
 * accepts), else its rejection with badAlg. */
static kyso_blob ts_openssl(kyso_digest algorithm, kyso_blob digest,
                            kyso_blob nonce) {
  TS_RESP_CTX *ctx = TS_RESP_CTX_new();
  ASN1_OBJECT *policy = OBJ_txt2obj("1.3.6.1.4.1.99999.3", 1);
  STACK_OF(X509) *chain = sk_X509_new_null();
  uint8_t *req = NULL;
  size_t req_len = 0;
  kyso_error err;
  BIO *in;
  TS_RESP *resp;
  unsigned char *der = NULL;
  kyso_blob b;

  if (kyso_ltv_ts_request_new(algorithm, digest, nonce, &req, &req_len, &err) !=
      KYSO_OK)
    abort();
  in = BIO_new_mem_buf(req, (int)req_len);
  if (!ctx || !policy || !chain || !in || !sk_X509_push(chain, tsa_ca.cert) ||
      !TS_RESP_CTX_set_signer_cert(ctx, tsa.cert) ||
      !TS_RESP_CTX_set_signer_key(ctx, tsa.key) ||
      !TS_RESP_CTX_set_certs(ctx, chain) ||
      !TS_RESP_CTX_set_def_policy(ctx, policy) ||
      !TS_RESP_CTX_add_md(ctx, EVP_sha256()) ||
      !TS_RESP_CTX_set_ess_cert_id_digest(ctx, EVP_sha256()))
    abort();
  resp = TS_RESP_create_response(ctx, in);
  if (!resp)
    abort();
  b = blob_of_der(der, i2d_TS_RESP(resp, &der));
  TS_RESP_free(resp);
  BIO_free(in);
  kyso_ltv_request_free(req);
  sk_X509_free(chain);
  ASN1_OBJECT_free(policy);
  TS_RESP_CTX_free(ctx);
  return b;
}

static kyso_status ts_run_with(kyso_blob r, kyso_digest alg, kyso_blob digest,
                               kyso_blob nonce, const kyso_blob *anchors,
                               size_t anchor_count, int64_t at,
                               kyso_error *err) {
  uint8_t *tok = NULL;
  size_t tok_len = 0;
  int64_t gen = 0;
  kyso_blob inter = tsa_ca.der;
  kyso_status st =
      kyso_ltv_ts_check(r, alg, digest, nonce, anchors, anchor_count, &inter, 1,
                        at, &tok, &tok_len, &gen, err);
  show(st, err);
  if (st != KYSO_OK && (tok || tok_len || gen))
    st = (kyso_status)-1; /* outputs set on failure: fail the CHECK */
  kyso_ltv_request_free(tok);
  return st;
}

static kyso_status ts_run(const ts_spec *s, kyso_blob nonce, int64_t at,
                          kyso_error *err) {
  kyso_blob r = ts_make(s);
  kyso_blob d = {digest32, 32};
  kyso_status st =
      ts_run_with(r, KYSO_DIGEST_SHA256, d, nonce, &tsa_root.der, 1, at, err);
  blob_free(r);
  return st;
}

static void test_ts(void) {
  kyso_blob d = {digest32, 32}, d48 = {digest48, 48};
  kyso_blob r, anchors[2];
  ts_spec s;
  kyso_error err;
  uint8_t *tok = NULL;
  size_t tok_len = 0;
  int64_t gen = 0;

  RAND_bytes(digest32, sizeof(digest32));
  RAND_bytes(digest48, sizeof(digest48));
  memcpy(digest_other, digest32, 32);
  digest_other[31] ^= 1;

  /* granted by OpenSSL's TSA: the token is the response's own bytes */
  r = ts_openssl(KYSO_DIGEST_SHA256, d, nonce_blob(nonce_a));
  CHECK_EQ_INT(kyso_ltv_ts_check(r, KYSO_DIGEST_SHA256, d, nonce_blob(nonce_a),
                                 &tsa_root.der, 1, &tsa_ca.der, 1, now, &tok,
                                 &tok_len, &gen, &err),
               KYSO_OK);
  CHECK(tok != NULL && tok_len > 100 && tok_len < r.len);
  CHECK(tok && memcmp(r.data + r.len - tok_len, tok, tok_len) == 0);
  CHECK(gen >= now - 5 && gen <= now + 60);
  {
    const unsigned char *q = tok;
    PKCS7 *p7 = tok ? d2i_PKCS7(NULL, &q, (long)tok_len) : NULL;
    CHECK(p7 != NULL && q == tok + tok_len);
    PKCS7_free(p7);
  }
  kyso_ltv_request_free(tok);
  tok = NULL;
  /* its chain ships in the token: no intermediates needed */
  CHECK_EQ_INT(kyso_ltv_ts_check(r, KYSO_DIGEST_SHA256, d, nonce_blob(nonce_a),
                                 &tsa_root.der, 1, NULL, 0, now, &tok, &tok_len,
                                 &gen, &err),
               KYSO_OK);
  kyso_ltv_request_free(tok);
  tok = NULL;
  /* the intermediate CA as the anchor is enough (a trusted sub-CA) */
  CHECK_EQ_INT(ts_run_with(r, KYSO_DIGEST_SHA256, d, nonce_blob(nonce_a),
                           &tsa_ca.der, 1, now, &err),
               KYSO_OK);
  /* other nonce, other digest, the same digest under SHA-384 */
  CHECK_EQ_INT(ts_run_with(r, KYSO_DIGEST_SHA256, d, nonce_blob(nonce_b),
                           &tsa_root.der, 1, now, &err),
               KYSO_ERR_LTV_NONCE);
  {
    kyso_blob od = {digest_other, 32};
    CHECK_EQ_INT(ts_run_with(r, KYSO_DIGEST_SHA256, od, nonce_blob(nonce_a),
                             &tsa_root.der, 1, now, &err),
                 KYSO_ERR_LTV_SCOPE);
  }
  /* TSA not chaining to the anchors; several anchors, one right */
  CHECK_EQ_INT(ts_run_with(r, KYSO_DIGEST_SHA256, d, nonce_blob(nonce_a),
                           &root.der, 1, now, &err),
               KYSO_ERR_LTV_SIGNATURE);
  anchors[0] = root.der;
  anchors[1] = tsa_root.der;
  CHECK_EQ_INT(ts_run_with(r, KYSO_DIGEST_SHA256, d, nonce_blob(nonce_a),
                           anchors, 2, now, &err),
               KYSO_OK);
  /* anchor_count 0 */
  CHECK_EQ_INT(ts_run_with(r, KYSO_DIGEST_SHA256, d, nonce_blob(nonce_a),
                           anchors, 0, now, &err),
               KYSO_ERR_ARGUMENT);
  /* genTime (now) after an earlier validation time */
  CHECK_EQ_INT(ts_run_with(r, KYSO_DIGEST_SHA256, d, nonce_blob(nonce_a),
                           &tsa_root.der, 1, now - 3600, &err),
               KYSO_ERR_LTV_STALE);
  /* the TSA's path at genTime: all fine years later too (genTime counts) */
  CHECK_EQ_INT(ts_run_with(r, KYSO_DIGEST_SHA256, d, nonce_blob(nonce_a),
                           &tsa_root.der, 1, now + 3 * 365 * 86400, &err),
               KYSO_OK);
  /* a flipped byte of the signature value (the token's last octets) */
  {
    uint8_t *bad = malloc(r.len);
    kyso_blob t;
    if (!bad)
      abort();
    memcpy(bad, r.data, r.len);
    bad[r.len - 2] ^= 0x01;
    t.data = bad;
    t.len = r.len;
    CHECK_EQ_INT(ts_run_with(t, KYSO_DIGEST_SHA256, d, nonce_blob(nonce_a),
                             &tsa_root.der, 1, now, &err),
                 KYSO_ERR_LTV_SIGNATURE);
    /* truncated, trailing byte */
    t.len = r.len - 1;
    CHECK_EQ_INT(ts_run_with(t, KYSO_DIGEST_SHA256, d, nonce_blob(nonce_a),
                             &tsa_root.der, 1, now, &err),
                 KYSO_ERR_LTV_RESPONSE);
    t.len = 7;
    CHECK_EQ_INT(ts_run_with(t, KYSO_DIGEST_SHA256, d, nonce_blob(nonce_a),
                             &tsa_root.der, 1, now, &err),
                 KYSO_ERR_LTV_RESPONSE);
    free(bad);
  }
  /* arguments */
  CHECK_EQ_INT(ts_run_with(r, KYSO_DIGEST_SHA384, d, nonce_blob(nonce_a),
                           &tsa_root.der, 1, now, &err),
               KYSO_ERR_ARGUMENT);
  CHECK_EQ_INT(ts_run_with(r, KYSO_DIGEST_SHA256, d, nonce_blob(nonce_a),
                           &leaf.der, 0, now, &err),
               KYSO_ERR_ARGUMENT);
  {
    kyso_blob junk = {digest32, 32};
    CHECK_EQ_INT(ts_run_with(r, KYSO_DIGEST_SHA256, d, nonce_blob(nonce_a),
                             &junk, 1, now, &err),
                 KYSO_ERR_ARGUMENT);
  }
  blob_free(r);

  /* OpenSSL's TSA refusing SHA-384: rejection with badAlg and its text */
  r = ts_openssl(KYSO_DIGEST_SHA384, d48, nonce_blob(nonce_a));
  CHECK_EQ_INT(ts_run_with(r, KYSO_DIGEST_SHA384, d48, nonce_blob(nonce_a),
                           &tsa_root.der, 1, now, &err),
               KYSO_ERR_LTV_RESPONSE);
  CHECK(strstr(err.message, "rejection") != NULL);
  CHECK(strstr(err.message, "badAlg") != NULL);
  CHECK(strstr(err.message, "not supported") != NULL);
  blob_free(r);
  /* waiting (hand-made: SEQUENCE { SEQUENCE { INTEGER 3 } }) */
  {
    static const uint8_t waiting[] = {0x30, 0x05, 0x30, 0x03, 0x02, 0x01, 0x03};
    static const uint8_t granted_empty[] = {0x30, 0x05, 0x30, 0x03,
                                            0x02, 0x01, 0x00};
    kyso_blob w = {waiting, sizeof(waiting)};
    kyso_blob g = {granted_empty, sizeof(granted_empty)};
    CHECK_EQ_INT(ts_run_with(w, KYSO_DIGEST_SHA256, d, nonce_blob(nonce_a),
                             &tsa_root.der, 1, now, &err),
                 KYSO_ERR_LTV_RESPONSE);
    CHECK(strstr(err.message, "waiting") != NULL);
    CHECK_EQ_INT(ts_run_with(g, KYSO_DIGEST_SHA256, d, nonce_blob(nonce_a),
                             &tsa_root.der, 1, now, &err),
                 KYSO_ERR_LTV_RESPONSE);
  }

  /* hand-made tokens, one change each */
  s = ts_default();
  CHECK_EQ_INT(ts_run(&s, nonce_blob(nonce_a), now, &err), KYSO_OK);
  /* no nonce when one was asked; none asked */
  s.nonce = NULL;
  CHECK_EQ_INT(ts_run(&s, nonce_blob(nonce_a), now, &err), KYSO_ERR_LTV_NONCE);
  CHECK(strstr(err.message, "no nonce") != NULL);
  CHECK_EQ_INT(ts_run(&s, no_nonce, now, &err), KYSO_OK);
  /* wrong nonce */
  s = ts_default();
  s.nonce = nonce_b;
  CHECK_EQ_INT(ts_run(&s, nonce_blob(nonce_a), now, &err), KYSO_ERR_LTV_NONCE);
  /* wrong imprint: other value; same value under another algorithm */
  s = ts_default();
  s.digest = digest_other;
  CHECK_EQ_INT(ts_run(&s, nonce_blob(nonce_a), now, &err), KYSO_ERR_LTV_SCOPE);
  s = ts_default();
  s.nid = NID_sha3_256;
  CHECK_EQ_INT(ts_run(&s, nonce_blob(nonce_a), now, &err), KYSO_ERR_LTV_SCOPE);
  /* TSA certificates: no EKU, non-critical EKU, a CA, the OCSP responder */
  s = ts_default();
  s.signer = &tsa_no_eku;
  CHECK_EQ_INT(ts_run(&s, nonce_blob(nonce_a), now, &err),
               KYSO_ERR_LTV_SIGNATURE);
  CHECK(strstr(err.message, "extended key usage") != NULL);
  s.signer = &tsa_soft_eku;
  CHECK_EQ_INT(ts_run(&s, nonce_blob(nonce_a), now, &err),
               KYSO_ERR_LTV_SIGNATURE);
  CHECK(strstr(err.message, "extended key usage") != NULL);
  s.signer = &tsa_two_eku;
  CHECK_EQ_INT(ts_run(&s, nonce_blob(nonce_a), now, &err),
               KYSO_ERR_LTV_SIGNATURE);
  CHECK(strstr(err.message, "extended key usage") != NULL);
  s.signer = &tsa_ca;
  CHECK_EQ_INT(ts_run(&s, nonce_blob(nonce_a), now, &err),
               KYSO_ERR_LTV_SIGNATURE);
  /* no ESS signing-certificate attribute */
  s = ts_default();
  s.no_ess = 1;
  CHECK_EQ_INT(ts_run(&s, nonce_blob(nonce_a), now, &err),
               KYSO_ERR_LTV_SIGNATURE);
  /* genTime in the future; genTime outside the TSA's validity */
  s = ts_default();
  s.gen_time = now + KYSO_LTV_CLOCK_SKEW + 60;
  CHECK_EQ_INT(ts_run(&s, nonce_blob(nonce_a), now, &err), KYSO_ERR_LTV_STALE);
  s.gen_time = now + 2 * 365 * 86400;
  CHECK_EQ_INT(ts_run(&s, nonce_blob(nonce_a), now + 2 * 365 * 86400, &err),
               KYSO_ERR_LTV_SIGNATURE);
  (void)d48;
}

int main(void) {
  now = (int64_t)time(NULL);
  snprintf(tmpdir, sizeof(tmpdir), "/tmp/kyso-ltv-checks-XXXXXX");
  if (!mkdtemp(tmpdir))
    abort();
  pki_make();
  test_ocsp();
  test_openssl_ocsp();
  test_crl();
  test_ts();
  pki_free();
  {
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    if (system(cmd) != 0)
      fprintf(stderr, "cannot remove %s\n", tmpdir);
  }
  return check_summary();
}
