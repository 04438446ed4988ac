/*
 * signer.h - where the CLI's signature values come from.
 *
 * A signer holds a certificate (and the issuers it knows) and signs a
 * CMS SignedAttributes blob: it hashes the bytes itself with the requested
 * digest and signs with the requested scheme. Two kinds: a PKCS#11 token
 * through libp11 (the real thing) and a PKCS#12 file (development only).
 * The core never sees a key; this is the same seam the native host uses.
 */
#ifndef KYSO_CLI_SIGNER_H
#define KYSO_CLI_SIGNER_H

#include <stddef.h>
#include <stdint.h>

#include "kyso/sign.h"
#include "kyso/status.h"

typedef struct kyso_signer kyso_signer;

typedef struct kyso_signer_vtable {
  /* Signs data (hashing it with digest first) using scheme (never AUTO).
   * On success *signature is malloc'd and owned by the caller. */
  kyso_status (*sign)(kyso_signer *signer, kyso_digest digest,
                      kyso_scheme scheme, const uint8_t *data, size_t len,
                      uint8_t **signature, size_t *signature_len,
                      kyso_error *err);
  void (*free)(kyso_signer *signer);
} kyso_signer_vtable;

struct kyso_signer {
  const kyso_signer_vtable *vtable;
  kyso_blob certificate; /* DER, owned by the signer */
  kyso_blob *chain;      /* issuers found with it (token or P12), owned */
  size_t chain_count;
};

typedef struct kyso_pkcs11_options {
  const char *module;      /* path of the PKCS#11 module (.so) */
  const char *token_label; /* token label; NULL: the only token present */
  const char *key_label;   /* certificate/key label; NULL: the first
                              certificate that has a matching private key */
  const char *pin;         /* PIN; wiped by the caller after open */
} kyso_pkcs11_options;

/* Loads the module, finds the token, logs in, picks the certificate and its
 * private key. Errors: KYSO_ERR_TOKEN_MODULE, _NOT_FOUND, _PIN_INCORRECT,
 * _PIN_LOCKED, _CERT_NOT_FOUND, _KEY_NOT_FOUND. */
kyso_status kyso_signer_open_pkcs11(const kyso_pkcs11_options *options,
                                    kyso_signer **out, kyso_error *err);

/* Development only: a PKCS#12 file with one key, its certificate and
 * optionally issuers. Wrong password: KYSO_ERR_TOKEN_PIN_INCORRECT. */
kyso_status kyso_signer_open_p12(const char *path, const char *password,
                                 kyso_signer **out, kyso_error *err);

static inline kyso_status
kyso_signer_sign(kyso_signer *s, kyso_digest digest, kyso_scheme scheme,
                 const uint8_t *data, size_t len, uint8_t **signature,
                 size_t *signature_len, kyso_error *err) {
  return s->vtable->sign(s, digest, scheme, data, len, signature, signature_len,
                         err);
}

static inline void kyso_signer_free(kyso_signer *s) {
  if (s)
    s->vtable->free(s);
}

#endif
