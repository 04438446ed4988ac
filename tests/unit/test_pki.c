/*
 * test_pki.c - keys, certificates and token signatures for the unit tests.
 */
#include "test_pki.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rsa.h>
#include <openssl/x509v3.h>

EVP_PKEY *test_pki_key_new(const char *type, size_t bits, const char *curve) {
  if (strcmp(type, "RSA") == 0)
    return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", bits);
  return EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);
}

int test_pki_cert_self_signed(EVP_PKEY *key, uint64_t serial,
                              const char *country, const char *cn, long days,
                              X509 **cert, uint8_t **der, size_t *der_len) {
  X509 *x = X509_new();
  X509_NAME *name = X509_NAME_new();
  unsigned char *out = NULL;
  int n, ok = 0;

  if (!key || !x || !name)
    goto done;
  if (X509_set_version(x, 2) != 1 ||
      ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial) != 1 ||
      (country && X509_NAME_add_entry_by_txt(name, "C", MBSTRING_UTF8,
                                             (const unsigned char *)country, -1,
                                             -1, 0) != 1) ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 (const unsigned char *)cn, -1, -1, 0) != 1 ||
      X509_set_subject_name(x, name) != 1 ||
      X509_set_issuer_name(x, name) != 1 ||
      !ASN1_TIME_set(X509_getm_notBefore(x), TEST_PKI_NOT_BEFORE) ||
      !X509_gmtime_adj(X509_getm_notAfter(x), days * 24 * 3600) ||
      X509_set_pubkey(x, key) != 1 || X509_sign(x, key, EVP_sha256()) <= 0)
    goto done;
  n = i2d_X509(x, &out);
  if (n <= 0)
    goto done;
  *der = out;
  *der_len = (size_t)n;
  *cert = x;
  x = NULL;
  ok = 1;
done:
  X509_NAME_free(name);
  X509_free(x);
  return ok;
}

const EVP_MD *test_pki_md(kyso_digest d) {
  switch (d) {
  case KYSO_DIGEST_SHA256: return EVP_sha256();
  case KYSO_DIGEST_SHA384: return EVP_sha384();
  case KYSO_DIGEST_SHA512: return EVP_sha512();
  }
  return NULL;
}

uint8_t *test_pki_sign(EVP_PKEY *key, kyso_digest d, kyso_scheme scheme,
                       const uint8_t *tbs, size_t tbs_len, size_t *sig_len) {
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX *pctx = NULL;
  uint8_t *sig = NULL;
  size_t len = 0;

  if (!ctx || EVP_DigestSignInit(ctx, &pctx, test_pki_md(d), NULL, key) != 1)
    goto done;
  if (scheme == KYSO_SCHEME_RSA_PSS &&
      (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
       EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, test_pki_md(d)) <= 0 ||
       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) <= 0))
    goto done;
  if (EVP_DigestSign(ctx, NULL, &len, tbs, tbs_len) != 1)
    goto done;
  sig = OPENSSL_malloc(len);
  if (!sig || EVP_DigestSign(ctx, sig, &len, tbs, tbs_len) != 1) {
    OPENSSL_free(sig);
    sig = NULL;
    goto done;
  }
  *sig_len = len;
done:
  EVP_MD_CTX_free(ctx);
  return sig;
}

void test_pki_add_ext(X509 *x, X509 *issuer, int nid, const char *value) {
  X509V3_CTX v3;
  X509_EXTENSION *ext;
  X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
  ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
  if (!ext || !X509_add_ext(x, ext, -1))
    abort();
  X509_EXTENSION_free(ext);
}

int test_pki_sign_pdf(uint8_t **data, size_t *len, const kyso_sign_options *o,
                      EVP_PKEY *key) {
  kyso_sig_session *s = NULL;
  kyso_error err;
  const uint8_t *attrs, *update;
  size_t attrs_len = 0, sig_len = 0, update_len = 0;
  uint8_t *sig = NULL, *out;
  int ok = 0;

  kyso_error_clear(&err);
  if (kyso_sig_prepare(*data, *len, o, &s, &err) != KYSO_OK)
    goto done;
  attrs = kyso_sig_session_get_signed_attrs(s, &attrs_len);
  sig =
      test_pki_sign(key, kyso_sig_session_get_digest(s),
                    kyso_sig_session_get_scheme(s), attrs, attrs_len, &sig_len);
  if (!sig || kyso_sig_finish(s, sig, sig_len, &err) != KYSO_OK)
    goto done;
  update = kyso_sig_session_get_update(s, &update_len);
  out = realloc(*data, *len + update_len);
  if (!out)
    goto done;
  memcpy(out + *len, update, update_len);
  *data = out;
  *len += update_len;
  ok = 1;
done:
  if (!ok)
    fprintf(stderr, "signing failed: %s\n", err.message);
  OPENSSL_free(sig);
  kyso_sig_session_free(s);
  return ok;
}
