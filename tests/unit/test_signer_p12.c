/*
 * test_signer_p12.c - the development signer and the shared hash-and-sign
 * step: builds a CA, an RSA and an EC P-256 signer with OpenSSL in-process,
 * packs each in a PKCS#12 file, signs with every scheme that fits and
 * checks each signature independently with EVP_DigestVerify.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "check.h"
#include "signer.h"

static const char password[] = "1234";
static const uint8_t message[] = "stand-in for DER SignedAttributes";

static X509 *make_cert(const char *cn, EVP_PKEY *key, X509 *issuer,
                       EVP_PKEY *issuer_key, long serial, int ca) {
  X509 *cert = X509_new();
  X509_NAME *name = X509_NAME_new();
  X509V3_CTX v3;
  X509_EXTENSION *ext;

  X509_set_version(cert, X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
  X509_NAME_add_entry_by_txt(name, "C", MBSTRING_UTF8,
                             (const unsigned char *)"VN", -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             (const unsigned char *)cn, -1, -1, 0);
  X509_set_subject_name(cert, name);
  X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600L * 24 * 365);
  X509_set_pubkey(cert, key);
  X509V3_set_ctx(&v3, issuer ? issuer : cert, cert, NULL, NULL, 0);
  ext = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints,
                            ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  ext = X509V3_EXT_conf_nid(NULL, &v3, NID_key_usage,
                            ca ? "critical,keyCertSign,cRLSign"
                               : "critical,digitalSignature,nonRepudiation");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  X509_sign(cert, issuer_key ? issuer_key : key, EVP_sha256());
  X509_NAME_free(name);
  return cert;
}

/* Writes a PKCS#12 (OpenSSL 3 defaults: AES-256, PBKDF2, SHA-256 MAC) to
 * a fresh temporary file; returns 0 on success. */
static int write_p12(char *path, EVP_PKEY *key, X509 *cert, X509 *ca) {
  STACK_OF(X509) *cas = sk_X509_new_null();
  PKCS12 *p12;
  FILE *f;
  int fd, ok = 0;

  if (ca)
    sk_X509_push(cas, ca);
  p12 = PKCS12_create(password, "signer", key, cert, cas, 0, 0, 0, 0, 0);
  fd = mkstemp(path);
  f = fd >= 0 ? fdopen(fd, "wb") : NULL;
  if (p12 && f && i2d_PKCS12_fp(f, p12) == 1)
    ok = 1;
  if (f)
    fclose(f);
  else if (fd >= 0)
    close(fd);
  PKCS12_free(p12);
  sk_X509_free(cas); /* borrowed entries */
  return ok ? 0 : -1;
}

static const EVP_MD *md_of(kyso_digest digest) {
  return digest == KYSO_DIGEST_SHA512   ? EVP_sha512()
         : digest == KYSO_DIGEST_SHA384 ? EVP_sha384()
                                        : EVP_sha256();
}

/* Verifies sig over message with the public key of the signer's DER
 * certificate, independently of the code under test. */
static int verify(const kyso_signer *signer, kyso_digest digest,
                  kyso_scheme scheme, const uint8_t *sig, size_t sig_len) {
  const uint8_t *p = signer->certificate.data;
  X509 *cert = d2i_X509(NULL, &p, (long)signer->certificate.len);
  EVP_MD_CTX *md_ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX *pctx = NULL;
  int ok = 0;

  if (!cert || !md_ctx)
    goto done;
  if (EVP_DigestVerifyInit(md_ctx, &pctx, md_of(digest), NULL,
                           X509_get0_pubkey(cert)) != 1)
    goto done;
  if (scheme == KYSO_SCHEME_RSA_PSS &&
      (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
       EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md_of(digest)) != 1 ||
       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1))
    goto done;
  ok = EVP_DigestVerify(md_ctx, sig, sig_len, message, sizeof(message)) == 1;

done:
  EVP_MD_CTX_free(md_ctx);
  X509_free(cert);
  return ok;
}

static void check_sign(kyso_signer *signer, kyso_digest digest,
                       kyso_scheme scheme) {
  kyso_error err;
  uint8_t *sig = NULL;
  size_t sig_len = 0;
  kyso_status st;

  kyso_error_clear(&err);
  st = kyso_signer_sign(signer, digest, scheme, message, sizeof(message), &sig,
                        &sig_len, &err);
  CHECK_EQ_INT(st, KYSO_OK);
  CHECK(sig != NULL && sig_len > 0);
  if (sig)
    CHECK(verify(signer, digest, scheme, sig, sig_len));
  free(sig);
}

static void check_refused(kyso_signer *signer, kyso_scheme scheme) {
  kyso_error err;
  uint8_t *sig = NULL;
  size_t sig_len = 0;

  kyso_error_clear(&err);
  CHECK_EQ_INT(kyso_signer_sign(signer, KYSO_DIGEST_SHA256, scheme, message,
                                sizeof(message), &sig, &sig_len, &err),
               KYSO_ERR_SIGN_ALGORITHM);
  CHECK_EQ_INT(err.code, KYSO_ERR_SIGN_ALGORITHM);
  CHECK(err.message[0] != '\0');
  CHECK(sig == NULL);
}

/* The signer's certificate is cert and its chain is exactly ca. */
static void check_certs(const kyso_signer *signer, X509 *cert, X509 *ca) {
  uint8_t *der = NULL;
  int n = i2d_X509(cert, &der);

  CHECK(n > 0 && signer->certificate.len == (size_t)n &&
        memcmp(signer->certificate.data, der, (size_t)n) == 0);
  OPENSSL_free(der);
  der = NULL;
  CHECK_EQ_INT(signer->chain_count, 1);
  n = i2d_X509(ca, &der);
  CHECK(signer->chain_count == 1 && n > 0 &&
        signer->chain[0].len == (size_t)n &&
        memcmp(signer->chain[0].data, der, (size_t)n) == 0);
  OPENSSL_free(der);
}

int main(void) {
  EVP_PKEY *ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
  EVP_PKEY *rsa_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
  EVP_PKEY *ec_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
  X509 *ca = NULL, *rsa_cert = NULL, *ec_cert = NULL;
  char rsa_path[] = "/tmp/kyso-test-rsa-XXXXXX";
  char ec_path[] = "/tmp/kyso-test-ec-XXXXXX";
  char junk_path[] = "/tmp/kyso-test-junk-XXXXXX";
  kyso_signer *signer = NULL;
  kyso_error err;
  kyso_status st;
  FILE *f;
  int fd;

  CHECK(ca_key && rsa_key && ec_key);
  ca = make_cert("Test Root CA", ca_key, NULL, NULL, 1, 1);
  rsa_cert = make_cert("Nguyen Van A (RSA)", rsa_key, ca, ca_key, 2, 0);
  ec_cert = make_cert("Nguyen Van A (EC)", ec_key, ca, ca_key, 3, 0);
  CHECK(write_p12(rsa_path, rsa_key, rsa_cert, ca) == 0);
  CHECK(write_p12(ec_path, ec_key, ec_cert, ca) == 0);

  /* RSA: PKCS#1 v1.5 and PSS with each digest; ECDSA refused. */
  kyso_error_clear(&err);
  st = kyso_signer_open_p12(rsa_path, password, &signer, &err);
  CHECK_EQ_INT(st, KYSO_OK);
  if (signer) {
    check_certs(signer, rsa_cert, ca);
    check_sign(signer, KYSO_DIGEST_SHA256, KYSO_SCHEME_RSA_PKCS1);
    check_sign(signer, KYSO_DIGEST_SHA384, KYSO_SCHEME_RSA_PKCS1);
    check_sign(signer, KYSO_DIGEST_SHA512, KYSO_SCHEME_RSA_PKCS1);
    check_sign(signer, KYSO_DIGEST_SHA256, KYSO_SCHEME_RSA_PSS);
    check_sign(signer, KYSO_DIGEST_SHA512, KYSO_SCHEME_RSA_PSS);
    check_refused(signer, KYSO_SCHEME_ECDSA);
    check_refused(signer, KYSO_SCHEME_AUTO);
  }
  kyso_signer_free(signer);
  signer = NULL;

  /* EC P-256: ECDSA; the RSA schemes refused. */
  kyso_error_clear(&err);
  st = kyso_signer_open_p12(ec_path, password, &signer, &err);
  CHECK_EQ_INT(st, KYSO_OK);
  if (signer) {
    check_certs(signer, ec_cert, ca);
    check_sign(signer, KYSO_DIGEST_SHA256, KYSO_SCHEME_ECDSA);
    check_sign(signer, KYSO_DIGEST_SHA384, KYSO_SCHEME_ECDSA);
    check_refused(signer, KYSO_SCHEME_RSA_PKCS1);
    check_refused(signer, KYSO_SCHEME_RSA_PSS);
  }
  kyso_signer_free(signer);
  signer = NULL;

  /* Wrong password: PIN_INCORRECT, nothing returned. */
  kyso_error_clear(&err);
  st = kyso_signer_open_p12(rsa_path, "0000", &signer, &err);
  CHECK_EQ_INT(st, KYSO_ERR_TOKEN_PIN_INCORRECT);
  CHECK_EQ_INT(err.code, KYSO_ERR_TOKEN_PIN_INCORRECT);
  CHECK(signer == NULL);
  kyso_error_clear(&err);
  st = kyso_signer_open_p12(rsa_path, NULL, &signer, &err);
  CHECK_EQ_INT(st, KYSO_ERR_TOKEN_PIN_INCORRECT);
  CHECK(signer == NULL);

  /* Missing file: IO. */
  kyso_error_clear(&err);
  st = kyso_signer_open_p12("/nonexistent/kyso/none.p12", password, &signer,
                            &err);
  CHECK_EQ_INT(st, KYSO_ERR_IO);
  CHECK(err.message[0] != '\0');
  CHECK(signer == NULL);

  /* Not a PKCS#12: SIGN_CERTIFICATE. */
  fd = mkstemp(junk_path);
  f = fd >= 0 ? fdopen(fd, "wb") : NULL;
  CHECK(f != NULL);
  if (f) {
    fputs("%PDF-1.7 this is not a PKCS#12 file\n", f);
    fclose(f);
  }
  kyso_error_clear(&err);
  st = kyso_signer_open_p12(junk_path, password, &signer, &err);
  CHECK_EQ_INT(st, KYSO_ERR_SIGN_CERTIFICATE);
  CHECK(signer == NULL);

  /* Missing arguments. */
  CHECK_EQ_INT(kyso_signer_open_p12(NULL, password, &signer, &err),
               KYSO_ERR_ARGUMENT);
  kyso_signer_free(NULL);

  unlink(rsa_path);
  unlink(ec_path);
  unlink(junk_path);
  X509_free(ca);
  X509_free(rsa_cert);
  X509_free(ec_cert);
  EVP_PKEY_free(ca_key);
  EVP_PKEY_free(rsa_key);
  EVP_PKEY_free(ec_key);
  return check_summary();
}
