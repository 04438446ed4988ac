/*
 * signer_p12.c - the development signer: a key and certificate read from a
 * PKCS#12 file (RFC 7292). Never for production documents: the key sits in
 * a file. See signer.h.
 */
#include "signer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pkcs12.h>

#include "signer_evp.h"

/* A PKCS#12 with one key and a few certificates is a few KiB; anything far
 * larger is not what this signer is for. */
#define KYSO_P12_MAX_SIZE (1024 * 1024)

typedef struct p12_signer {
  kyso_signer base; /* first: a kyso_signer * is a p12_signer * */
  EVP_PKEY *key;
} p12_signer;

static kyso_status p12_sign(kyso_signer *signer, kyso_digest digest,
                            kyso_scheme scheme, const uint8_t *data, size_t len,
                            uint8_t **signature, size_t *signature_len,
                            kyso_error *err) {
  p12_signer *s = (p12_signer *)signer;

  return kyso_signer_evp_sign(s->key, digest, scheme, data, len,
                              KYSO_ERR_CRYPTO, signature, signature_len, err);
}

static void p12_free(kyso_signer *signer) {
  p12_signer *s = (p12_signer *)signer;

  if (!s)
    return;
  kyso_signer_release_certs(&s->base);
  EVP_PKEY_free(s->key);
  free(s);
}

static const kyso_signer_vtable p12_vtable = {p12_sign, p12_free};

static const char *openssl_reason(void) {
  unsigned long e = ERR_peek_last_error();
  const char *reason = e ? ERR_reason_error_string(e) : NULL;

  return reason ? reason : "no detail";
}

/* Reads path into a PKCS12 structure, bounded by KYSO_P12_MAX_SIZE. */
static kyso_status p12_load(const char *path, PKCS12 **out, kyso_error *err) {
  kyso_status ret;
  FILE *f = NULL;
  uint8_t *bytes = NULL;
  const uint8_t *p;
  size_t n;
  PKCS12 *p12 = NULL;

  f = fopen(path, "rb");
  if (!f) {
    ret = kyso_error_set(err, KYSO_ERR_IO, "cannot open %s", path);
    goto done;
  }
  bytes = malloc(KYSO_P12_MAX_SIZE + 1);
  if (!bytes) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "p12: out of memory");
    goto done;
  }
  n = fread(bytes, 1, KYSO_P12_MAX_SIZE + 1, f);
  if (ferror(f)) {
    ret = kyso_error_set(err, KYSO_ERR_IO, "cannot read %s", path);
    goto done;
  }
  if (n > KYSO_P12_MAX_SIZE) {
    ret = kyso_error_set(err, KYSO_ERR_LIMIT,
                         "%s: larger than %d bytes (KYSO_P12_MAX_SIZE)", path,
                         KYSO_P12_MAX_SIZE);
    goto done;
  }
  p = bytes;
  /* n <= KYSO_P12_MAX_SIZE, so the cast to long cannot truncate. */
  p12 = d2i_PKCS12(NULL, &p, (long)n);
  if (!p12) {
    ret = kyso_error_set(err, KYSO_ERR_SIGN_CERTIFICATE,
                         "%s: not a PKCS#12 file: %s", path, openssl_reason());
    goto done;
  }
  *out = p12;
  ret = KYSO_OK;

done:
  free(bytes);
  if (f)
    fclose(f);
  return ret;
}

/* Like PKCS12_parse, an empty password also tries the absent one. */
static int p12_mac_ok(PKCS12 *p12, const char *password) {
  if (!PKCS12_mac_present(p12))
    return 1;
  if (PKCS12_verify_mac(p12, password, -1))
    return 1;
  return password[0] == '\0' && PKCS12_verify_mac(p12, NULL, 0);
}

kyso_status kyso_signer_open_p12(const char *path, const char *password,
                                 kyso_signer **out, kyso_error *err) {
  kyso_status ret;
  p12_signer *s = NULL;
  PKCS12 *p12 = NULL;
  EVP_PKEY *key = NULL;
  X509 *cert = NULL;
  STACK_OF(X509) *ca = NULL;

  if (out)
    *out = NULL;
  if (!path || !out) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "p12: missing path");
    goto done;
  }
  if (!password)
    password = "";
  ret = p12_load(path, &p12, err);
  if (ret != KYSO_OK)
    goto done;
  /* The MAC is checked first so a wrong password is told apart from a
   * damaged or unsupported file (RFC 7292 5.1). */
  if (!p12_mac_ok(p12, password)) {
    ret = kyso_error_set(err, KYSO_ERR_TOKEN_PIN_INCORRECT,
                         "%s: wrong password", path);
    goto done;
  }
  if (!PKCS12_parse(p12, password, &key, &cert, &ca)) {
    ret = kyso_error_set(err, KYSO_ERR_SIGN_CERTIFICATE,
                         "%s: cannot read the key and certificate: %s", path,
                         openssl_reason());
    goto done;
  }
  if (!cert) {
    ret = kyso_error_set(err, KYSO_ERR_TOKEN_CERT_NOT_FOUND,
                         "%s: no certificate", path);
    goto done;
  }
  if (!key) {
    ret = kyso_error_set(err, KYSO_ERR_TOKEN_KEY_NOT_FOUND,
                         "%s: no private key", path);
    goto done;
  }
  if (X509_check_private_key(cert, key) != 1) {
    ret = kyso_error_set(err, KYSO_ERR_TOKEN_KEY_NOT_FOUND,
                         "%s: the private key does not match the certificate",
                         path);
    goto done;
  }
  s = calloc(1, sizeof(*s));
  if (!s) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "p12: out of memory");
    goto done;
  }
  s->base.vtable = &p12_vtable;
  ret = kyso_signer_set_certificate(&s->base, cert, err);
  if (ret != KYSO_OK)
    goto done;
  ret = kyso_signer_set_chain(&s->base, cert, ca, err);
  if (ret != KYSO_OK)
    goto done;
  s->key = key;
  key = NULL;
  *out = &s->base;
  s = NULL;
  ret = KYSO_OK;

done:
  p12_free(s ? &s->base : NULL);
  EVP_PKEY_free(key);
  X509_free(cert);
  sk_X509_pop_free(ca, X509_free);
  PKCS12_free(p12);
  ERR_clear_error();
  return ret;
}
