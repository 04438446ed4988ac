/*
 * test_pki.h - keys, certificates and token signatures for the unit tests.
 *
 * Made in process with OpenSSL, so a test needs no files: a fresh RSA or
 * EC key, a self-signed certificate over it (and its DER), and a signature
 * over SignedAttributes made with EVP as a token would. Failures are
 * returned (NULL or 0), never CHECKed here: each test keeps its own count.
 * Not a CA: tests that need issued certificates, CRLs or OCSP build them.
 */
#ifndef KYSO_TEST_PKI_H
#define KYSO_TEST_PKI_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "kyso/sign.h"

/* 2024-01-01T00:00:00Z */
#define TEST_PKI_NOT_BEFORE ((time_t)1704067200)

/* A new key: "RSA" of `bits`, else EC on `curve` ("P-256"). NULL on
 * failure; the caller frees it with EVP_PKEY_free. */
EVP_PKEY *test_pki_key_new(const char *type, size_t bits, const char *curve);

/* A self-signed X.509 v3 certificate for key, signed with SHA-256: subject
 * and issuer C=country (NULL: no C), CN=cn (UTF-8), valid from
 * TEST_PKI_NOT_BEFORE (before every signing time the tests use: kyso
 * refuses to sign outside the validity period) until `days` days from now. On
 * success returns 1 with *cert (X509_free) and *der, *der_len (OPENSSL_free)
 * set; 0 on failure, outputs untouched. */
int test_pki_cert_self_signed(EVP_PKEY *key, uint64_t serial,
                              const char *country, const char *cn, long days,
                              X509 **cert, uint8_t **der, size_t *der_len);

/* The EVP digest of d, NULL for an unknown value. */
const EVP_MD *test_pki_md(kyso_digest d);

/* Signs tbs as a token would: RSA PKCS#1 v1.5, RSA-PSS (MGF1 with the same
 * hash, salt = hash length) or ECDSA (DER), by key type and scheme.
 * Returns an OPENSSL_malloc'd value and sets *sig_len; NULL on failure. */
uint8_t *test_pki_sign(EVP_PKEY *key, kyso_digest d, kyso_scheme scheme,
                       const uint8_t *tbs, size_t tbs_len, size_t *sig_len);

/* Adds the extension nid = value (openssl.cnf syntax, e.g.
 * "OCSP;URI:http://...") to x, issuer giving the authority key identifier
 * (NULL: x itself). Aborts on failure: for building test certificates. */
void test_pki_add_ext(X509 *x, X509 *issuer, int nid, const char *value);

/* Signs the PDF in *data (*len bytes, malloc'd) with options o and key:
 * prepare, sign the SignedAttributes, finish; the update is appended to
 * *data. 1 ok; 0 with the reason on stderr. */
int test_pki_sign_pdf(uint8_t **data, size_t *len, const kyso_sign_options *o,
                      EVP_PKEY *key);

#endif
