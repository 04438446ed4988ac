/* token_evp.c - hash-and-sign with an EVP_PKEY (a token key from libp11 or
 * a key from a file); see kyso/token.h. */
#include "kyso/token.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/rsa.h>

static const EVP_MD *digest_md(kyso_digest digest) {
  switch (digest) {
  case KYSO_DIGEST_SHA256: return EVP_sha256();
  case KYSO_DIGEST_SHA384: return EVP_sha384();
  case KYSO_DIGEST_SHA512: return EVP_sha512();
  }
  return NULL;
}

static const char *scheme_name(kyso_scheme scheme) {
  switch (scheme) {
  case KYSO_SCHEME_AUTO: return "AUTO";
  case KYSO_SCHEME_RSA_PKCS1: return "RSA PKCS#1 v1.5";
  case KYSO_SCHEME_RSA_PSS: return "RSA-PSS";
  case KYSO_SCHEME_ECDSA: return "ECDSA";
  }
  return "unknown";
}

/* EVP_PKEY_is_a also answers for libp11's "foreign" legacy keys, which
 * have no provider key manager (OpenSSL 3.0 compares the legacy type). */
static int scheme_fits_key(kyso_scheme scheme, EVP_PKEY *key) {
  switch (scheme) {
  case KYSO_SCHEME_RSA_PKCS1: return EVP_PKEY_is_a(key, "RSA");
  case KYSO_SCHEME_RSA_PSS:
    return EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_is_a(key, "RSA-PSS");
  case KYSO_SCHEME_ECDSA: return EVP_PKEY_is_a(key, "EC");
  case KYSO_SCHEME_AUTO: return 0; /* resolved by the session, never here */
  }
  return 0;
}

/* The last OpenSSL (or libp11, which uses the same queue) reason, for the
 * message; the queue is cleared so the next call starts clean. */
static const char *take_openssl_reason(void) {
  unsigned long e = ERR_peek_last_error();
  const char *reason = e ? ERR_reason_error_string(e) : NULL;

  ERR_clear_error();
  return reason ? reason : "no detail";
}

/* Padding, MGF1 and salt per scheme. RSA_PSS_SALTLEN_DIGEST is the salt
 * length kyso_scheme promises (RFC 8017 9.1, salt = hash length). */
static int set_scheme_params(EVP_PKEY_CTX *ctx, kyso_scheme scheme,
                             const EVP_MD *md) {
  if (EVP_PKEY_CTX_set_signature_md(ctx, md) <= 0)
    return 0;
  if (scheme == KYSO_SCHEME_RSA_PKCS1)
    return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0;
  if (scheme == KYSO_SCHEME_RSA_PSS)
    return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) > 0 &&
           EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) > 0 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) > 0;
  return 1;
}

kyso_status kyso_token_evp_sign(EVP_PKEY *key, kyso_digest digest,
                                kyso_scheme scheme, const uint8_t *data,
                                size_t len, kyso_status fail_status,
                                uint8_t **signature, size_t *signature_len,
                                kyso_error *err) {
  kyso_status ret;
  const EVP_MD *md = digest_md(digest);
  EVP_PKEY_CTX *ctx = NULL;
  uint8_t hash[EVP_MAX_MD_SIZE];
  unsigned int hash_len = 0;
  uint8_t *sig = NULL;
  size_t sig_len = 0;

  if (!key || (!data && len > 0) || !signature || !signature_len) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "sign: missing argument");
    goto done;
  }
  *signature = NULL;
  *signature_len = 0;
  if (!md) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "sign: unknown digest %d",
                         (int)digest);
    goto done;
  }
  if (!scheme_fits_key(scheme, key)) {
    ret = kyso_error_set(err, KYSO_ERR_SIGN_ALGORITHM,
                         "sign: %s cannot be used with this %s key",
                         scheme_name(scheme), EVP_PKEY_get0_type_name(key));
    goto done;
  }
  if (!EVP_Digest(data, len, hash, &hash_len, md, NULL)) {
    ret = kyso_error_set(err, KYSO_ERR_CRYPTO, "sign: hashing failed: %s",
                         take_openssl_reason());
    goto done;
  }
  /* libp11 keys are legacy "foreign" keys: OpenSSL 3 routes this context
   * through the legacy RSA/EC method, which calls into the token (PSS is
   * padded here and sent as a raw CKM_RSA_X_509 operation). */
  ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
  if (!ctx || EVP_PKEY_sign_init(ctx) <= 0 ||
      !set_scheme_params(ctx, scheme, md)) {
    ret = kyso_error_set(
        err, KYSO_ERR_SIGN_ALGORITHM, "sign: cannot set up %s with %s: %s",
        scheme_name(scheme), EVP_MD_get0_name(md), take_openssl_reason());
    goto done;
  }
  if (EVP_PKEY_sign(ctx, NULL, &sig_len, hash, hash_len) <= 0 || sig_len == 0) {
    ret = kyso_error_set(err, fail_status, "sign: no signature size: %s",
                         take_openssl_reason());
    goto done;
  }
  sig = malloc(sig_len);
  if (!sig) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "sign: out of memory");
    goto done;
  }
  if (EVP_PKEY_sign(ctx, sig, &sig_len, hash, hash_len) <= 0) {
    ret = kyso_error_set(err, fail_status, "sign: signing failed: %s",
                         take_openssl_reason());
    goto done;
  }
  *signature = sig;
  *signature_len = sig_len;
  sig = NULL;
  ret = KYSO_OK;

done:
  free(sig);
  EVP_PKEY_CTX_free(ctx);
  return ret;
}

kyso_scheme kyso_token_auto_scheme(EVP_PKEY *key) {
  if (key && EVP_PKEY_is_a(key, "RSA"))
    return KYSO_SCHEME_RSA_PKCS1;
  if (key && EVP_PKEY_is_a(key, "EC"))
    return KYSO_SCHEME_ECDSA;
  return KYSO_SCHEME_AUTO;
}
