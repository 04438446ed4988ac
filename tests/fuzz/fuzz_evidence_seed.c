/*
 * fuzz_evidence_seed.c - writes the seeds of fuzz_verify_evidence.c into
 * the directory given: the to-be-signed part of CRLs and OCSP responses
 * about the fixed leaf (fuzz_evidence_pki.h), made with OpenSSL, each
 * prefixed with the mode octet (bit 0: OCSP, bit 1: in the DSS). Run at
 * build time, like fuzz_font_seed.
 */
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>
#include <stdio.h>

#include "fuzz_evidence_pki.h"

static fuzz_ev_pki pki;
static const char *dir;

static void put(const char *name, int mode, const uint8_t *tbs, int len) {
  char path[4096];
  FILE *f;
  unsigned char m = (unsigned char)mode;
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  f = fopen(path, "wb");
  if (!f || len <= 0 || fwrite(&m, 1, 1, f) != 1 ||
      fwrite(tbs, 1, (size_t)len, f) != (size_t)len || fclose(f) != 0)
    abort();
}

/* A CRL of the CA (nextUpdate when next), listing the leaf when listed,
 * with a critical unknown extension when odd. */
static void crl_seed(const char *name, int listed, int next, int odd) {
  X509_CRL *crl = X509_CRL_new();
  ASN1_TIME *t = ASN1_TIME_new();
  unsigned char *tbs = NULL;
  int len, mode;
  X509_CRL_set_version(crl, 1);
  X509_CRL_set_issuer_name(crl, X509_get_subject_name(pki.root));
  ASN1_TIME_set(t, (time_t)(FUZZ_EV_NOW - 3600));
  X509_CRL_set1_lastUpdate(crl, t);
  if (next) {
    ASN1_TIME_set(t, (time_t)(FUZZ_EV_NOW + 7 * 86400));
    X509_CRL_set1_nextUpdate(crl, t);
  }
  if (listed) {
    X509_REVOKED *r = X509_REVOKED_new();
    ASN1_ENUMERATED *reason = ASN1_ENUMERATED_new();
    ASN1_TIME_set(t, (time_t)(FUZZ_EV_SIGNING - 86400));
    X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(pki.leaf));
    X509_REVOKED_set_revocationDate(r, t);
    ASN1_ENUMERATED_set(reason, 1);
    X509_REVOKED_add1_ext_i2d(r, NID_crl_reason, reason, 0, 0);
    X509_REVOKED_add1_ext_i2d(r, NID_invalidity_date, t, 0, 0);
    X509_CRL_add0_revoked(crl, r);
    ASN1_ENUMERATED_free(reason);
  }
  if (odd) {
    ASN1_OCTET_STRING *v = ASN1_OCTET_STRING_new();
    ASN1_OBJECT *oid = OBJ_txt2obj("1.3.6.1.4.1.99999.2", 1);
    X509_EXTENSION *e;
    ASN1_OCTET_STRING_set(v, (const unsigned char *)"\x05\x00", 2);
    e = X509_EXTENSION_create_by_OBJ(NULL, oid, 1, v);
    X509_CRL_add_ext(crl, e, -1);
    X509_EXTENSION_free(e);
    ASN1_OBJECT_free(oid);
    ASN1_OCTET_STRING_free(v);
  }
  X509_CRL_sort(crl);
  if (!X509_CRL_sign(crl, pki.root_key, EVP_sha256()))
    abort();
  len = i2d_re_X509_CRL_tbs(crl, &tbs);
  for (mode = 0; mode <= 2; mode += 2) {
    char n[128];
    snprintf(n, sizeof(n), "%s-%s.bin", name, mode ? "dss" : "supplied");
    put(n, mode, tbs, len);
  }
  OPENSSL_free(tbs);
  ASN1_TIME_free(t);
  X509_CRL_free(crl);
}

/* An OCSP response by the CA about the leaf: statuses[0..n). */
static void ocsp_seed(const char *name, const int *statuses, int n) {
  OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
  OCSP_CERTID *id = OCSP_cert_to_id(EVP_sha1(), pki.leaf, pki.root);
  ASN1_TIME *rt = ASN1_TIME_new(), *tu = ASN1_TIME_new(), *nu = ASN1_TIME_new();
  unsigned char *tbs = NULL;
  int i, len, mode;
  ASN1_TIME_set(rt, (time_t)(FUZZ_EV_SIGNING - 86400));
  ASN1_TIME_set(tu, (time_t)(FUZZ_EV_NOW - 3600));
  ASN1_TIME_set(nu, (time_t)(FUZZ_EV_NOW + 7 * 86400));
  for (i = 0; i < n; i++)
    if (!OCSP_basic_add1_status(
            bs, id, statuses[i],
            statuses[i] == V_OCSP_CERTSTATUS_REVOKED
                ? OCSP_REVOKED_STATUS_KEYCOMPROMISE
                : -1,
            statuses[i] == V_OCSP_CERTSTATUS_REVOKED ? rt : NULL, tu, nu))
      abort();
  if (!OCSP_basic_sign(bs, pki.root, pki.root_key, EVP_sha256(), NULL,
                       OCSP_NOCERTS))
    abort();
  len = i2d_OCSP_RESPDATA((OCSP_RESPDATA *)OCSP_resp_get0_respdata(bs), &tbs);
  for (mode = 1; mode <= 3; mode += 2) {
    char nm[128];
    snprintf(nm, sizeof(nm), "%s-%s.bin", name, mode == 3 ? "dss" : "supplied");
    put(nm, mode, tbs, len);
  }
  OPENSSL_free(tbs);
  ASN1_TIME_free(rt);
  ASN1_TIME_free(tu);
  ASN1_TIME_free(nu);
  OCSP_CERTID_free(id);
  OCSP_BASICRESP_free(bs);
}

int main(int argc, char **argv) {
  const int good[1] = {V_OCSP_CERTSTATUS_GOOD};
  const int revoked[1] = {V_OCSP_CERTSTATUS_REVOKED};
  const int both[2] = {V_OCSP_CERTSTATUS_GOOD, V_OCSP_CERTSTATUS_REVOKED};
  const int unknown[1] = {V_OCSP_CERTSTATUS_UNKNOWN};
  if (argc != 2)
    return 2;
  dir = argv[1];
  fuzz_ev_pki_make(&pki);
  crl_seed("crl-empty", 0, 1, 0);
  crl_seed("crl-listed", 1, 1, 0);
  crl_seed("crl-no-next", 0, 0, 0);
  crl_seed("crl-critical", 0, 1, 1);
  ocsp_seed("ocsp-good", good, 1);
  ocsp_seed("ocsp-revoked", revoked, 1);
  ocsp_seed("ocsp-two-singles", both, 2);
  ocsp_seed("ocsp-unknown", unknown, 1);
  return 0;
}
