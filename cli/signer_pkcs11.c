/*
 * signer_pkcs11.c - the token signer: a PKCS#11 module through libp11.
 *
 * Load the module, pick the token by label, log in, pick the certificate
 * and its private key, keep libp11's objects alive until free. Signing goes
 * through the EVP_PKEY libp11 hands out (signer_evp.c), so the token does
 * the private-key operation. See signer.h.
 *
 * The PIN is only passed to PKCS11_login. libp11 0.4.12 keeps its own copy
 * in the slot (to log in again after fork) and cleanses it when the slots
 * are released in free().
 */
#include "signer.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libp11.h>
#include <openssl/err.h>

#include "signer_evp.h"

/* PKCS#11 v2.40 return values this file tells apart (pkcs11t.h); libp11
 * does not export pkcs11t.h, and the values are fixed by the standard. */
enum {
  P11_CKR_DEVICE_REMOVED = 0x32,
  P11_CKR_PIN_INCORRECT = 0xA0,
  P11_CKR_PIN_INVALID = 0xA1,
  P11_CKR_PIN_LEN_RANGE = 0xA2,
  P11_CKR_PIN_EXPIRED = 0xA3,
  P11_CKR_PIN_LOCKED = 0xA4,
  P11_CKR_TOKEN_NOT_PRESENT = 0xE0
};

typedef struct pkcs11_signer {
  kyso_signer base; /* first: a kyso_signer * is a pkcs11_signer * */
  PKCS11_CTX *ctx;
  int loaded; /* PKCS11_CTX_load succeeded: unload in free */
  PKCS11_SLOT *slots;
  unsigned int nslots;
  EVP_PKEY *key; /* our reference; the PKCS11_KEY lives in slots */
} pkcs11_signer;

/* ---- libp11, wrapped once ------------------------------------------------
 * libp11 returns 0 / -1 from most calls, pointers or NULL from the finders,
 * and reports the module's CK_RV through the OpenSSL error queue under its
 * own library code. Everything below speaks kyso_status. */

/* The CK_RV libp11 queued for the last failure, 0 if none. */
static unsigned long p11_last_ckr(void) {
  unsigned long e = ERR_peek_last_error();

  if (e == 0 || ERR_GET_LIB(e) != ERR_get_CKR_code())
    return 0;
  return (unsigned long)ERR_GET_REASON(e);
}

static int p11_call_ok(int rc) {
  return rc == 0;
}

/* Checks that module is a loadable library exporting C_GetFunctionList
 * before libp11 sees it: libp11 prints dlerror() on stderr, and the CLI
 * promises one error line. The library is loaded again by libp11. */
static kyso_status p11_probe(const char *module, kyso_error *err) {
  void *lib = dlopen(module, RTLD_NOW | RTLD_LOCAL);
  kyso_status ret = KYSO_OK;
  if (!lib) {
    const char *why = dlerror();
    return kyso_error_set(err, KYSO_ERR_TOKEN_MODULE,
                          "cannot load PKCS#11 module %s: %s", module,
                          why ? why : "not a library");
  }
  if (!dlsym(lib, "C_GetFunctionList"))
    ret = kyso_error_set(err, KYSO_ERR_TOKEN_MODULE,
                         "%s is not a PKCS#11 module (no C_GetFunctionList)",
                         module);
  dlclose(lib);
  return ret;
}

static kyso_status p11_load(pkcs11_signer *s, const char *module,
                            kyso_error *err) {
  kyso_status ret;
  FILE *probe = NULL;

  /* A path that is not there gets a clear message; bare names go to the
   * dlopen search. */
  if (strchr(module, '/')) {
    probe = fopen(module, "rb");
    if (!probe) {
      ret =
          kyso_error_set(err, KYSO_ERR_TOKEN_MODULE,
                         "PKCS#11 module %s not found or not readable", module);
      goto done;
    }
    fclose(probe);
  }
  ret = p11_probe(module, err);
  if (ret != KYSO_OK)
    goto done;
  s->ctx = PKCS11_CTX_new();
  if (!s->ctx) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "pkcs11: out of memory");
    goto done;
  }
  if (!p11_call_ok(PKCS11_CTX_load(s->ctx, module))) {
    ret = kyso_error_set(err, KYSO_ERR_TOKEN_MODULE,
                         "cannot load PKCS#11 module %s", module);
    goto done;
  }
  s->loaded = 1;
  if (!p11_call_ok(PKCS11_enumerate_slots(s->ctx, &s->slots, &s->nslots))) {
    ret = kyso_error_set(err, KYSO_ERR_TOKEN_MODULE,
                         "PKCS#11 module %s cannot list its slots", module);
    goto done;
  }
  ret = KYSO_OK;

done:
  return ret;
}

/* Appends "label" to list (for messages), truncating quietly. */
static void append_label(char *list, size_t cap, const char *label) {
  size_t used = strlen(list);

  if (used + 1 >= cap)
    return;
  snprintf(list + used, cap - used, "%s\"%s\"", used ? ", " : "",
           label ? label : "");
}

static int label_is(const char *object_label, const char *label) {
  return object_label && strcmp(object_label, label) == 0;
}

static int token_usable(const PKCS11_SLOT *slot) {
  return slot->token && slot->token->initialized;
}

/* The slot whose token is labelled label, or the only token when label is
 * NULL. libp11 strips the blank padding of CK_TOKEN_INFO.label. */
static kyso_status p11_pick_slot(pkcs11_signer *s, const char *label,
                                 PKCS11_SLOT **out, kyso_error *err) {
  kyso_status ret;
  PKCS11_SLOT *found = NULL;
  char labels[160] = "";
  unsigned int i, tokens = 0;

  for (i = 0; i < s->nslots; i++) {
    PKCS11_SLOT *slot = &s->slots[i];
    if (!token_usable(slot))
      continue;
    tokens++;
    append_label(labels, sizeof(labels), slot->token->label);
    if (!found && (!label || label_is(slot->token->label, label)))
      found = slot;
  }
  if (tokens == 0) {
    ret = kyso_error_set(err, KYSO_ERR_TOKEN_NOT_FOUND,
                         "no token present: plug in the USB token");
    goto done;
  }
  if (!found) {
    ret =
        kyso_error_set(err, KYSO_ERR_TOKEN_NOT_FOUND,
                       "no token labelled \"%s\" (present: %s)", label, labels);
    goto done;
  }
  if (!label && tokens > 1) {
    ret = kyso_error_set(err, KYSO_ERR_TOKEN_NOT_FOUND,
                         "%u tokens present (%s): choose one by its label",
                         tokens, labels);
    goto done;
  }
  *out = found;
  ret = KYSO_OK;

done:
  return ret;
}

/* After a wrong PIN, the token's flags say how close it is to locking
 * (CKF_USER_PIN_COUNT_LOW / FINAL_TRY / LOCKED), but libp11 read them before
 * the login: list the slots again and find ours by its id. The list is
 * released and enumerated afresh because PKCS11_update_slots in libp11
 * 0.4.12 indexes the old list wrongly and crashes. */
static kyso_status p11_wrong_pin(pkcs11_signer *s, unsigned long slot_id,
                                 kyso_error *err) {
  const PKCS11_TOKEN *token = NULL;
  unsigned int i;

  PKCS11_release_all_slots(s->ctx, s->slots, s->nslots);
  s->slots = NULL;
  s->nslots = 0;
  if (p11_call_ok(PKCS11_enumerate_slots(s->ctx, &s->slots, &s->nslots))) {
    for (i = 0; i < s->nslots; i++)
      if (s->slots[i].token &&
          PKCS11_get_slotid_from_slot(&s->slots[i]) == slot_id)
        token = s->slots[i].token;
  }
  ERR_clear_error();
  if (token && token->userPinLocked)
    return kyso_error_set(err, KYSO_ERR_TOKEN_PIN_LOCKED,
                          "wrong PIN; the token is now locked");
  if (token && token->userPinFinalTry)
    return kyso_error_set(err, KYSO_ERR_TOKEN_PIN_INCORRECT,
                          "wrong PIN; one try left before the token locks");
  if (token && token->userPinCountLow)
    return kyso_error_set(err, KYSO_ERR_TOKEN_PIN_INCORRECT,
                          "wrong PIN; few tries left before the token locks");
  return kyso_error_set(err, KYSO_ERR_TOKEN_PIN_INCORRECT, "wrong PIN");
}

static kyso_status p11_login(pkcs11_signer *s, PKCS11_SLOT *slot,
                             const char *pin, kyso_error *err) {
  kyso_status ret;
  const PKCS11_TOKEN *token = slot->token;
  unsigned long slot_id = PKCS11_get_slotid_from_slot(slot);
  unsigned long ckr;

  /* Do not spend a try on a token that is already locked. */
  if (token->userPinLocked) {
    ret = kyso_error_set(err, KYSO_ERR_TOKEN_PIN_LOCKED,
                         "the PIN of token \"%s\" is locked; unlock it with "
                         "the issuer's tool",
                         token->label);
    goto done;
  }
  if (!p11_call_ok(PKCS11_open_session(slot, 0))) {
    ckr = p11_last_ckr();
    ret = kyso_error_set(err,
                         ckr == P11_CKR_TOKEN_NOT_PRESENT ||
                                 ckr == P11_CKR_DEVICE_REMOVED
                             ? KYSO_ERR_TOKEN_NOT_FOUND
                             : KYSO_ERR_TOKEN_MODULE,
                         "cannot open a session with token \"%s\" (CKR 0x%lX)",
                         token->label, ckr);
    goto done;
  }
  if (!token->loginRequired) {
    ret = KYSO_OK; /* nothing to log in to; the PIN is not needed */
    goto done;
  }
  /* A NULL PIN is only meaningful with a PIN pad (protected path). */
  if (!pin && !token->secureLogin) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "a PIN is required");
    goto done;
  }
  if (p11_call_ok(PKCS11_login(slot, 0, pin))) {
    ret = KYSO_OK;
    goto done;
  }
  ckr = p11_last_ckr();
  ERR_clear_error();
  switch (ckr) {
  case P11_CKR_PIN_INCORRECT:
  case P11_CKR_PIN_INVALID:
  case P11_CKR_PIN_LEN_RANGE:
    /* slot may move: p11_wrong_pin re-reads the slot list. */
    ret = p11_wrong_pin(s, slot_id, err);
    break;
  case P11_CKR_PIN_LOCKED:
    ret = kyso_error_set(err, KYSO_ERR_TOKEN_PIN_LOCKED,
                         "the PIN is locked after too many wrong tries; "
                         "unlock it with the issuer's tool");
    break;
  case P11_CKR_PIN_EXPIRED:
    ret = kyso_error_set(err, KYSO_ERR_TOKEN_PIN_LOCKED,
                         "the PIN has expired; change it with the issuer's "
                         "tool");
    break;
  case P11_CKR_TOKEN_NOT_PRESENT:
  case P11_CKR_DEVICE_REMOVED:
    ret = kyso_error_set(err, KYSO_ERR_TOKEN_NOT_FOUND,
                         "the token was removed during login");
    break;
  default:
    ret = kyso_error_set(err, KYSO_ERR_TOKEN_MODULE, "login failed (CKR 0x%lX)",
                         ckr);
    break;
  }

done:
  return ret;
}

/* By label: a certificate with that label, else a private key with that
 * label and the certificate with its CKA_ID. Without: the first
 * certificate that has a private key with the same CKA_ID. */
static kyso_status p11_pick_cert(PKCS11_TOKEN *token, const char *label,
                                 PKCS11_CERT *certs, unsigned int ncerts,
                                 PKCS11_CERT **cert_out, PKCS11_KEY **key_out,
                                 kyso_error *err) {
  kyso_status ret;
  PKCS11_CERT *cert = NULL;
  PKCS11_KEY *key = NULL, *keys = NULL;
  unsigned int i, nkeys = 0;

  if (ncerts == 0) {
    ret = kyso_error_set(err, KYSO_ERR_TOKEN_CERT_NOT_FOUND,
                         "no certificate on token \"%s\"", token->label);
    goto done;
  }
  if (label) {
    for (i = 0; i < ncerts && !cert; i++)
      if (label_is(certs[i].label, label))
        cert = &certs[i];
    if (cert) {
      key = PKCS11_find_key(cert);
    } else if (p11_call_ok(PKCS11_enumerate_keys(token, &keys, &nkeys))) {
      for (i = 0; i < nkeys && !key; i++)
        if (keys[i].isPrivate && label_is(keys[i].label, label))
          key = &keys[i];
      cert = key ? PKCS11_find_certificate(key) : NULL;
    }
    if (!cert) {
      ret = kyso_error_set(err, KYSO_ERR_TOKEN_CERT_NOT_FOUND,
                           "no certificate labelled \"%s\" on token \"%s\"",
                           label, token->label);
      goto done;
    }
    if (!key || !key->isPrivate) {
      ret = kyso_error_set(err, KYSO_ERR_TOKEN_KEY_NOT_FOUND,
                           "no private key for certificate \"%s\"", label);
      goto done;
    }
  } else {
    for (i = 0; i < ncerts && !key; i++) {
      key = certs[i].x509 ? PKCS11_find_key(&certs[i]) : NULL;
      if (key && !key->isPrivate)
        key = NULL;
      cert = key ? &certs[i] : NULL;
    }
    if (!key) {
      ret = kyso_error_set(err, KYSO_ERR_TOKEN_KEY_NOT_FOUND,
                           "no certificate on token \"%s\" has a private key",
                           token->label);
      goto done;
    }
  }
  if (!cert->x509) {
    ret = kyso_error_set(err, KYSO_ERR_SIGN_CERTIFICATE,
                         "the certificate on the token cannot be parsed");
    goto done;
  }
  *cert_out = cert;
  *key_out = key;
  ret = KYSO_OK;

done:
  ERR_clear_error(); /* failed finders leave entries behind */
  return ret;
}

/* Signer certificate and the issuers the token also holds. */
static kyso_status p11_take_certs(pkcs11_signer *s, PKCS11_CERT *cert,
                                  PKCS11_CERT *certs, unsigned int ncerts,
                                  kyso_error *err) {
  kyso_status ret;
  STACK_OF(X509) *pool = NULL;
  unsigned int i;

  ret = kyso_signer_set_certificate(&s->base, cert->x509, err);
  if (ret != KYSO_OK)
    goto done;
  pool = sk_X509_new_null();
  if (!pool) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "pkcs11: out of memory");
    goto done;
  }
  for (i = 0; i < ncerts; i++) {
    if (certs[i].x509 && !sk_X509_push(pool, certs[i].x509)) {
      ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "pkcs11: out of memory");
      goto done;
    }
  }
  ret = kyso_signer_set_chain(&s->base, cert->x509, pool, err);

done:
  sk_X509_free(pool); /* entries are borrowed from libp11 */
  return ret;
}

/* ---- the signer ---------------------------------------------------------- */

static kyso_status pkcs11_sign(kyso_signer *signer, kyso_digest digest,
                               kyso_scheme scheme, const uint8_t *data,
                               size_t len, uint8_t **signature,
                               size_t *signature_len, kyso_error *err) {
  pkcs11_signer *s = (pkcs11_signer *)signer;

  return kyso_signer_evp_sign(s->key, digest, scheme, data, len,
                              KYSO_ERR_TOKEN_SIGN, signature, signature_len,
                              err);
}

/* The one cleanup path, also for a half-opened signer: the key reference
 * first (its methods point into the module), then the slots, the module
 * and the context. */
static void pkcs11_free(kyso_signer *signer) {
  pkcs11_signer *s = (pkcs11_signer *)signer;

  if (!s)
    return;
  kyso_signer_release_certs(&s->base);
  EVP_PKEY_free(s->key);
  if (s->slots)
    PKCS11_release_all_slots(s->ctx, s->slots, s->nslots);
  if (s->loaded)
    PKCS11_CTX_unload(s->ctx);
  if (s->ctx)
    PKCS11_CTX_free(s->ctx);
  free(s);
  ERR_clear_error();
}

static const kyso_signer_vtable pkcs11_vtable = {pkcs11_sign, pkcs11_free};

kyso_status kyso_signer_open_pkcs11(const kyso_pkcs11_options *options,
                                    kyso_signer **out, kyso_error *err) {
  kyso_status ret;
  pkcs11_signer *s = NULL;
  PKCS11_SLOT *slot = NULL;
  PKCS11_CERT *certs = NULL, *cert = NULL;
  PKCS11_KEY *key = NULL;
  unsigned int ncerts = 0;

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
  ret = p11_load(s, options->module, err);
  if (ret != KYSO_OK)
    goto done;
  ret = p11_pick_slot(s, options->token_label, &slot, err);
  if (ret != KYSO_OK)
    goto done;
  ret = p11_login(s, slot, options->pin, err);
  if (ret != KYSO_OK)
    goto done;
  /* libp11 owns the list; it lives until the slots are released. */
  if (!p11_call_ok(PKCS11_enumerate_certs(slot->token, &certs, &ncerts))) {
    ret = kyso_error_set(err, KYSO_ERR_TOKEN_MODULE,
                         "cannot list the certificates on token \"%s\" "
                         "(CKR 0x%lX)",
                         slot->token->label, p11_last_ckr());
    goto done;
  }
  ret = p11_pick_cert(slot->token, options->key_label, certs, ncerts, &cert,
                      &key, err);
  if (ret != KYSO_OK)
    goto done;
  s->key = PKCS11_get_private_key(key);
  if (!s->key) {
    ret = kyso_error_set(err, KYSO_ERR_TOKEN_KEY_NOT_FOUND,
                         "the private key on token \"%s\" cannot be used "
                         "(unsupported key type?)",
                         slot->token->label);
    goto done;
  }
  ret = p11_take_certs(s, cert, certs, ncerts, err);
  if (ret != KYSO_OK)
    goto done;
  *out = &s->base;
  s = NULL;
  ret = KYSO_OK;

done:
  pkcs11_free(s ? &s->base : NULL);
  ERR_clear_error();
  return ret;
}
