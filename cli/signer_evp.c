/* signer_evp.c - hash-and-sign with an EVP_PKEY, certificate DER; see
 * signer_evp.h. */
#include "signer_evp.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "kyso/limits.h"
#include "kyso/token.h"

/* The last OpenSSL reason, for the message; the queue is cleared. */
static const char *take_openssl_reason(void) {
  unsigned long e = ERR_peek_last_error();
  const char *reason = e ? ERR_reason_error_string(e) : NULL;

  ERR_clear_error();
  return reason ? reason : "no detail";
}

kyso_status kyso_signer_evp_sign(EVP_PKEY *key, kyso_digest digest,
                                 kyso_scheme scheme, const uint8_t *data,
                                 size_t len, kyso_status fail_status,
                                 uint8_t **signature, size_t *signature_len,
                                 kyso_error *err) {
  /* One implementation for the token and the P12 file: kyso/token.h. */
  return kyso_token_evp_sign(key, digest, scheme, data, len, fail_status,
                             signature, signature_len, err);
}

/* DER of cert in a fresh malloc'd buffer (i2d would use OPENSSL_malloc,
 * and the signer frees with free()). */
static kyso_status cert_der(X509 *cert, kyso_blob *out, kyso_error *err) {
  kyso_status ret;
  int n = i2d_X509(cert, NULL);
  uint8_t *der = NULL, *p;

  if (n <= 0) {
    ret = kyso_error_set(err, KYSO_ERR_SIGN_CERTIFICATE,
                         "certificate cannot be encoded: %s",
                         take_openssl_reason());
    goto done;
  }
  der = malloc((size_t)n);
  if (!der) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "certificate: out of memory");
    goto done;
  }
  p = der;
  if (i2d_X509(cert, &p) != n) {
    ret = kyso_error_set(err, KYSO_ERR_SIGN_CERTIFICATE,
                         "certificate cannot be encoded: %s",
                         take_openssl_reason());
    goto done;
  }
  out->data = der;
  out->len = (size_t)n;
  der = NULL;
  ret = KYSO_OK;

done:
  free(der);
  return ret;
}

kyso_status kyso_signer_set_certificate(kyso_signer *signer, X509 *cert,
                                        kyso_error *err) {
  if (!signer || !cert || signer->certificate.data)
    return kyso_error_set(err, KYSO_ERR_ARGUMENT,
                          "certificate: missing or already set");
  return cert_der(cert, &signer->certificate, err);
}

static int self_issued(X509 *cert) {
  return X509_NAME_cmp(X509_get_subject_name(cert),
                       X509_get_issuer_name(cert)) == 0;
}

/* The certificate in pool that issued cert (names, and key identifiers
 * when present), or NULL. */
static X509 *find_issuer(STACK_OF(X509) *pool, X509 *cert) {
  int i;

  for (i = 0; pool && i < sk_X509_num(pool); i++) {
    X509 *candidate = sk_X509_value(pool, i);
    if (candidate != cert && X509_cmp(candidate, cert) != 0 &&
        X509_check_issued(candidate, cert) == X509_V_OK)
      return candidate;
  }
  return NULL;
}

kyso_status kyso_signer_set_chain(kyso_signer *signer, X509 *leaf,
                                  STACK_OF(X509) *pool, kyso_error *err) {
  kyso_status ret;
  kyso_blob *chain = NULL;
  size_t count = 0, i;
  X509 *current = leaf;
  X509 *issuer;

  if (!signer || !leaf || signer->chain) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                         "chain: missing leaf or already set");
    goto done;
  }
  chain = calloc(KYSO_LIMIT_CHAIN, sizeof(*chain));
  if (!chain) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "chain: out of memory");
    goto done;
  }
  /* Bounded by KYSO_LIMIT_CHAIN, which also ends any naming loop. */
  while (count < KYSO_LIMIT_CHAIN && !self_issued(current)) {
    issuer = find_issuer(pool, current);
    if (!issuer)
      break;
    ret = cert_der(issuer, &chain[count], err);
    if (ret != KYSO_OK)
      goto done;
    count++;
    current = issuer;
  }
  ERR_clear_error(); /* X509_check_issued may leave entries behind */
  if (count > 0) {
    signer->chain = chain;
    signer->chain_count = count;
    chain = NULL;
  }
  ret = KYSO_OK;

done:
  if (chain) {
    /* The blobs' data came from cert_der's malloc: ours to free. */
    for (i = 0; i < count; i++)
      free((void *)chain[i].data);
    free(chain);
  }
  return ret;
}

void kyso_signer_release_certs(kyso_signer *signer) {
  size_t i;

  if (!signer)
    return;
  /* kyso_blob borrows by type, but these buffers were malloc'd above. */
  free((void *)signer->certificate.data);
  signer->certificate.data = NULL;
  signer->certificate.len = 0;
  for (i = 0; i < signer->chain_count; i++)
    free((void *)signer->chain[i].data);
  free(signer->chain);
  signer->chain = NULL;
  signer->chain_count = 0;
}
