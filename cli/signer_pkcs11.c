/*
 * signer_pkcs11.c - the token signer: a PKCS#11 module through the shared
 * libp11 wrapper (kyso/token.h, also used by the native host).
 *
 * Load the module, pick the token by label, log in, pick the certificate
 * and its private key, keep the token open until free. The token does the
 * private-key operation. See signer.h.
 *
 * The PIN is only passed to kyso_token_login; the caller wipes its buffer.
 *
 * The module's lock (kyso/token_lock.h) is held from loading the module to
 * the signature: concurrent kyso processes and the native host take turns
 * instead of colliding in the module. It is taken after the PIN prompt and
 * released right after the one signature (the token is closed then), so
 * neither a slow user nor a slow --tsa-command keeps others waiting.
 * $KYSO_TOKEN_LOCK_WAIT (seconds, default 60) bounds the wait.
 */
#include "signer.h"

#include <stdlib.h>

#include <openssl/err.h>

#include "kyso/token.h"
#include "kyso/token_lock.h"
#include "signer_evp.h"

typedef struct pkcs11_signer {
  kyso_signer base;      /* first: a kyso_signer * is a pkcs11_signer * */
  kyso_token *token;     /* NULL once the signature is made */
  kyso_token_lock *lock; /* held while token is open */
} pkcs11_signer;

/* Closes the token (logout, unload), then lets the next process in. */
static void token_release(pkcs11_signer *s) {
  kyso_token_close(s->token);
  s->token = NULL;
  kyso_token_lock_release(s->lock);
  s->lock = NULL;
}

static kyso_status pkcs11_sign(kyso_signer *signer, kyso_digest digest,
                               kyso_scheme scheme, const uint8_t *data,
                               size_t len, uint8_t **signature,
                               size_t *signature_len, kyso_error *err) {
  pkcs11_signer *s = (pkcs11_signer *)signer;
  kyso_status ret;

  if (!s->token)
    return kyso_error_set(err, KYSO_ERR_STATE,
                          "pkcs11: the token signer signs once");
  ret = kyso_token_sign(s->token, digest, scheme, data, len, signature,
                        signature_len, err);
  token_release(s);
  return ret;
}

static void pkcs11_free(kyso_signer *signer) {
  pkcs11_signer *s = (pkcs11_signer *)signer;

  if (!s)
    return;
  kyso_signer_release_certs(&s->base);
  token_release(s);
  free(s);
}

static const kyso_signer_vtable pkcs11_vtable = {pkcs11_sign, pkcs11_free};

/* Signer certificate and the issuers the token also holds. */
static kyso_status take_certs(pkcs11_signer *s, kyso_error *err) {
  kyso_status ret;
  X509 *cert = kyso_token_get_cert(s->token);
  STACK_OF(X509) *pool = NULL;

  ret = kyso_signer_set_certificate(&s->base, cert, err);
  if (ret != KYSO_OK)
    goto done;
  pool = kyso_token_get_certs(s->token);
  if (!pool) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "pkcs11: out of memory");
    goto done;
  }
  ret = kyso_signer_set_chain(&s->base, cert, pool, err);

done:
  sk_X509_free(pool); /* entries are borrowed from the token */
  return ret;
}

kyso_status kyso_signer_open_pkcs11(const kyso_pkcs11_options *options,
                                    kyso_signer **out, kyso_error *err) {
  kyso_status ret;
  pkcs11_signer *s = NULL;

  if (out)
    *out = NULL;
  if (!options || !options->module || !out) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "pkcs11: missing module path");
    goto done;
  }
  s = calloc(1, sizeof(*s));
  if (!s) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "pkcs11: out of memory");
    goto done;
  }
  s->base.vtable = &pkcs11_vtable;
  ret = kyso_token_lock_acquire(options->module, kyso_token_lock_wait_ms(),
                                &s->lock, err);
  if (ret != KYSO_OK)
    goto done;
  ret = kyso_token_open(options->module, &s->token, err);
  if (ret != KYSO_OK)
    goto done;
  ret = kyso_token_select(s->token, options->token_label, err);
  if (ret != KYSO_OK)
    goto done;
  ret = kyso_token_login(s->token, options->pin, err);
  if (ret != KYSO_OK)
    goto done;
  ret = kyso_token_pick_key(s->token, options->key_label, err);
  if (ret != KYSO_OK)
    goto done;
  ret = take_certs(s, err);
  if (ret != KYSO_OK)
    goto done;
  *out = &s->base;
  s = NULL;

done:
  pkcs11_free(s ? &s->base : NULL);
  ERR_clear_error();
  return ret;
}
