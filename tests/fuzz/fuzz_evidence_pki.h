/*
 * fuzz_evidence_pki.h - the fixed PKI of fuzz_verify_evidence.c and of its
 * seed writer fuzz_evidence_seed.c: a CA and a leaf with fixed EC P-256
 * keys (test keys, written here on purpose), fixed names, serials and
 * validity, so that an OCSP CertID or a CRL issuer in a seed names the
 * leaf in every run; and the wrapping that turns fuzzed to-be-signed bytes
 * (a tbsCertList, a tbsResponseData) into a CRL or an OCSPResponse signed
 * by the CA, so that the verifier's checks past the signature are reached.
 */
#ifndef KYSO_FUZZ_EVIDENCE_PKI_H
#define KYSO_FUZZ_EVIDENCE_PKI_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The time judged at (2030-01-01) and the signing time (a day before). */
#define FUZZ_EV_NOW ((int64_t)1893456000)
#define FUZZ_EV_SIGNING (FUZZ_EV_NOW - 86400)
#define FUZZ_EV_LEAF_SERIAL 4242

static const unsigned char fuzz_ev_root_key[] = {
    0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20, 0xfe, 0x32, 0x45, 0x4c,
    0xa0, 0xb5, 0xcd, 0x00, 0x71, 0x73, 0x6c, 0xfd, 0x82, 0x6d, 0xc8,
    0x58, 0x1b, 0x76, 0x7d, 0x2e, 0xe3, 0xa7, 0x0c, 0x48, 0x9d, 0x14,
    0x04, 0x75, 0x9d, 0x45, 0xdc, 0xe6, 0xa0, 0x0a, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0xa1, 0x44, 0x03, 0x42,
    0x00, 0x04, 0x1c, 0xa9, 0x51, 0xfe, 0xc6, 0x5a, 0x78, 0x91, 0x12,
    0x8b, 0xd4, 0x9c, 0xa0, 0x9e, 0x51, 0x62, 0xb8, 0x66, 0xb4, 0xc1,
    0x2b, 0x90, 0x8e, 0x66, 0x3b, 0x6b, 0xbb, 0x3a, 0x07, 0x63, 0xc0,
    0xf2, 0x27, 0xde, 0x08, 0xbb, 0x75, 0x62, 0x4f, 0x84, 0x5f, 0x9d,
    0x97, 0x72, 0xf3, 0xaf, 0xa2, 0x77, 0x4b, 0xfa, 0x36, 0xc5, 0x15,
    0xce, 0xd1, 0xc4, 0x0a, 0xb6, 0x85, 0x05, 0xd5, 0x75, 0x3f, 0x38,
};
static const unsigned char fuzz_ev_leaf_key[] = {
    0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20, 0x07, 0x45, 0xb6, 0x6b,
    0x42, 0xe8, 0x5f, 0x58, 0xc9, 0xef, 0x0d, 0x7d, 0x71, 0xd0, 0x32,
    0xf0, 0xe8, 0xe9, 0x2e, 0x9f, 0x06, 0x5d, 0xab, 0x36, 0x81, 0xef,
    0x73, 0x2e, 0x8c, 0xec, 0x5c, 0x30, 0xa0, 0x0a, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0xa1, 0x44, 0x03, 0x42,
    0x00, 0x04, 0xc3, 0x38, 0x23, 0x29, 0x99, 0x48, 0x83, 0x55, 0xce,
    0xf1, 0xfe, 0xfd, 0xb0, 0x1e, 0x5e, 0xa5, 0x89, 0x35, 0x2a, 0x22,
    0x76, 0x8c, 0xf8, 0x7a, 0x57, 0x42, 0x93, 0x12, 0x69, 0xb7, 0x9f,
    0x1e, 0xb8, 0x6c, 0xfa, 0xbd, 0x78, 0xdc, 0x07, 0x5c, 0xc2, 0xab,
    0x21, 0x4b, 0xb8, 0xea, 0xdf, 0xe3, 0xe1, 0xed, 0x41, 0x60, 0x2c,
    0x63, 0xa4, 0x06, 0xfa, 0x4c, 0x3d, 0xc1, 0xfb, 0x2c, 0xe4, 0x9c,
};

static inline EVP_PKEY *fuzz_ev_key(const unsigned char *der, long len) {
  const unsigned char *p = der;
  return d2i_AutoPrivateKey(NULL, &p, len);
}

/* A certificate for cn with key, issued by issuer_name / issuer_key (the
 * same as its own for the CA); 2020-01-01 to 2040-01-01. */
static inline X509 *fuzz_ev_cert(const char *cn, long serial, EVP_PKEY *key,
                                 const X509_NAME *issuer_name,
                                 EVP_PKEY *issuer_key, int ca) {
  X509 *x = X509_new();
  X509_NAME *name = X509_NAME_new();
  X509V3_CTX v3;
  X509_EXTENSION *e;
  if (!x || !name)
    abort();
  X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC,
                             (const unsigned char *)"VN", -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             (const unsigned char *)cn, -1, -1, 0);
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
  X509_set_subject_name(x, name);
  X509_set_issuer_name(x, issuer_name ? issuer_name : name);
  ASN1_TIME_set(X509_getm_notBefore(x), (time_t)1577836800);
  ASN1_TIME_set(X509_getm_notAfter(x), (time_t)2208988800);
  X509_set_pubkey(x, key);
  X509V3_set_ctx(&v3, NULL, x, NULL, NULL, 0);
  e = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints,
                          ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  X509_add_ext(x, e, -1);
  X509_EXTENSION_free(e);
  e = X509V3_EXT_conf_nid(NULL, &v3, NID_key_usage,
                          ca ? "critical,keyCertSign,cRLSign"
                             : "critical,digitalSignature,nonRepudiation");
  X509_add_ext(x, e, -1);
  X509_EXTENSION_free(e);
  if (!X509_sign(x, issuer_key, EVP_sha256()))
    abort();
  X509_NAME_free(name);
  return x;
}

typedef struct fuzz_ev_pki {
  EVP_PKEY *root_key, *leaf_key;
  X509 *root, *leaf;
} fuzz_ev_pki;

static inline void fuzz_ev_pki_make(fuzz_ev_pki *k) {
  k->root_key = fuzz_ev_key(fuzz_ev_root_key, sizeof(fuzz_ev_root_key));
  k->leaf_key = fuzz_ev_key(fuzz_ev_leaf_key, sizeof(fuzz_ev_leaf_key));
  if (!k->root_key || !k->leaf_key)
    abort();
  k->root = fuzz_ev_cert("kyso fuzz evidence root", 1, k->root_key, NULL,
                         k->root_key, 1);
  k->leaf =
      fuzz_ev_cert("kyso fuzz evidence leaf", FUZZ_EV_LEAF_SERIAL, k->leaf_key,
                   X509_get_subject_name(k->root), k->root_key, 0);
}

/* DER header of tag and len at p (6 octets room); its size. */
static inline size_t fuzz_ev_header(uint8_t *p, uint8_t tag, size_t len) {
  size_t n = 0, i;
  p[0] = tag;
  if (len < 0x80) {
    p[1] = (uint8_t)len;
    return 2;
  }
  for (i = len; i; i >>= 8)
    n++;
  p[1] = (uint8_t)(0x80 | n);
  for (i = 0; i < n; i++)
    p[2 + i] = (uint8_t)(len >> (8 * (n - 1 - i)));
  return 2 + n;
}

/* The size of the identifier and length octets of a len-octet value. */
static inline size_t fuzz_ev_hlen(size_t len) {
  size_t n = 0;
  if (len < 0x80)
    return 2;
  for (; len; len >>= 8)
    n++;
  return 2 + n;
}

/*
 * SEQUENCE { tbs, ecdsa-with-SHA256, BIT STRING (the CA's signature over
 * tbs) }: a CertificateList or a BasicOCSPResponse. When ocsp, wrapped in
 * OCSPResponse { successful, [0] { id-pkix-ocsp-basic, OCTET STRING } }.
 * malloc'd; NULL when signing fails.
 */
static inline uint8_t *fuzz_ev_wrap(EVP_PKEY *key, const uint8_t *tbs,
                                    size_t len, int ocsp, size_t *out_len) {
  static const uint8_t alg[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
                                0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
  static const uint8_t basic_oid[] = {0x06, 0x09, 0x2b, 0x06, 0x01, 0x05,
                                      0x05, 0x07, 0x30, 0x01, 0x01};
  uint8_t sig[80], *out, *p;
  size_t sig_len = sizeof(sig), body, total;
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  int ok = md && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
           EVP_DigestSign(md, sig, &sig_len, tbs, len) == 1;
  EVP_MD_CTX_free(md);
  if (!ok)
    return NULL;
  body = len + sizeof(alg) + 2 + 1 + sig_len;
  total = 6 + body + 64;
  out = malloc(total);
  if (!out)
    return NULL;
  p = out;
  if (ocsp) {
    size_t basic_len = fuzz_ev_hlen(body) + body;
    size_t rb = sizeof(basic_oid) + fuzz_ev_hlen(basic_len) + basic_len;
    size_t rbs = fuzz_ev_hlen(rb) + rb;
    size_t outer = 3 + fuzz_ev_hlen(rbs) + rbs;
    p += fuzz_ev_header(p, 0x30, outer);
    memcpy(p, "\x0a\x01\x00", 3);
    p += 3;
    p += fuzz_ev_header(p, 0xa0, rbs);
    p += fuzz_ev_header(p, 0x30, rb);
    memcpy(p, basic_oid, sizeof(basic_oid));
    p += sizeof(basic_oid);
    p += fuzz_ev_header(p, 0x04, basic_len);
  }
  p += fuzz_ev_header(p, 0x30, body);
  memcpy(p, tbs, len);
  p += len;
  memcpy(p, alg, sizeof(alg));
  p += sizeof(alg);
  p += fuzz_ev_header(p, 0x03, 1 + sig_len);
  *p++ = 0;
  memcpy(p, sig, sig_len);
  p += sig_len;
  *out_len = (size_t)(p - out);
  return out;
}

#endif
