/*
 * token_p11.c - a PKCS#11 module through libp11; see kyso/token.h.
 *
 * libp11 returns 0 / -1 from most calls, pointers or NULL from the finders,
 * and reports the module's CK_RV through the OpenSSL error queue under its
 * own library code. Everything below speaks kyso_status.
 */
#include "kyso/token.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libp11.h>
#include <openssl/err.h>

/* PKCS#11 v2.40 return values this file tells apart (pkcs11t.h); libp11
 * does not export pkcs11t.h, and the values are fixed by the standard. */
enum {
  P11_CKR_DEVICE_REMOVED = 0x32,
  P11_CKR_SESSION_HANDLE_INVALID = 0xB3,
  P11_CKR_PIN_INCORRECT = 0xA0,
  P11_CKR_PIN_INVALID = 0xA1,
  P11_CKR_PIN_LEN_RANGE = 0xA2,
  P11_CKR_PIN_EXPIRED = 0xA3,
  P11_CKR_PIN_LOCKED = 0xA4,
  P11_CKR_TOKEN_NOT_PRESENT = 0xE0,
  P11_CKR_TOKEN_NOT_RECOGNIZED = 0xE1
};

/* Token labels listed in a "no such token" message. */
#define TOKEN_LABEL_LIST_MAX 160

struct kyso_token {
  PKCS11_CTX *ctx;
  int loaded; /* PKCS11_CTX_load succeeded: unload in close */
  PKCS11_SLOT *slots;
  unsigned int nslots;
  PKCS11_SLOT *slot; /* selected; points into slots */
  unsigned long slot_id;
  PKCS11_CERT *cert; /* picked; lives in slots */
  EVP_PKEY *key;     /* our reference; the PKCS11_KEY lives in slots */
  int tries_left;    /* after a wrong PIN; -1 unknown */
};

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

static int ckr_is_removed(unsigned long ckr) {
  return ckr == P11_CKR_TOKEN_NOT_PRESENT || ckr == P11_CKR_DEVICE_REMOVED ||
         ckr == P11_CKR_TOKEN_NOT_RECOGNIZED;
}

/* Checks that module is a loadable library exporting C_GetFunctionList
 * before libp11 sees it: libp11 prints dlerror() on stderr, and callers
 * promise one error line. The library is loaded again by libp11. */
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

static kyso_status p11_load(kyso_token *t, const char *module,
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
  t->ctx = PKCS11_CTX_new();
  if (!t->ctx) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "pkcs11: out of memory");
    goto done;
  }
  if (!p11_call_ok(PKCS11_CTX_load(t->ctx, module))) {
    ret = kyso_error_set(err, KYSO_ERR_TOKEN_MODULE,
                         "cannot load PKCS#11 module %s", module);
    goto done;
  }
  t->loaded = 1;
  if (!p11_call_ok(PKCS11_enumerate_slots(t->ctx, &t->slots, &t->nslots))) {
    ret = kyso_error_set(err, KYSO_ERR_TOKEN_MODULE,
                         "PKCS#11 module %s cannot list its slots", module);
    goto done;
  }
  ret = KYSO_OK;

done:
  return ret;
}

kyso_status kyso_token_open(const char *module, kyso_token **out,
                            kyso_error *err) {
  kyso_status ret;
  kyso_token *t = NULL;

  if (out)
    *out = NULL;
  if (!module || !out) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "pkcs11: missing module path");
    goto done;
  }
  t = calloc(1, sizeof(*t));
  if (!t) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "pkcs11: out of memory");
    goto done;
  }
  t->tries_left = -1;
  ret = p11_load(t, module, err);
  if (ret != KYSO_OK)
    goto done;
  *out = t;
  t = NULL;

done:
  kyso_token_close(t);
  ERR_clear_error();
  return ret;
}

/* The one cleanup path, also for a half-opened token: the key reference
 * first (its methods point into the module), then the slots, the module
 * and the context. */
void kyso_token_close(kyso_token *t) {
  if (!t)
    return;
  EVP_PKEY_free(t->key);
  if (t->slots)
    PKCS11_release_all_slots(t->ctx, t->slots, t->nslots);
  if (t->loaded)
    PKCS11_CTX_unload(t->ctx);
  if (t->ctx)
    PKCS11_CTX_free(t->ctx);
  free(t);
  ERR_clear_error();
}

static int token_usable(const PKCS11_SLOT *slot) {
  return slot->token && slot->token->initialized;
}

static int label_is(const char *object_label, const char *label) {
  return object_label && strcmp(object_label, label) == 0;
}

/* Appends "label" to list (for messages), truncating quietly. */
static void append_label(char *list, size_t cap, const char *label) {
  size_t used = strlen(list);

  if (used + 1 >= cap)
    return;
  snprintf(list + used, cap - used, "%s\"%s\"", used ? ", " : "",
           label ? label : "");
}

static int cert_is(X509 *x509, const uint8_t *der, size_t len) {
  unsigned char *mine = NULL;
  int n, same;

  if (!x509)
    return 0;
  n = i2d_X509(x509, &mine);
  same = n > 0 && (size_t)n == len && memcmp(mine, der, len) == 0;
  OPENSSL_free(mine);
  return same;
}

kyso_status kyso_token_list_certs(kyso_token *t,
                                  int (*fn)(const kyso_token_cert *cert,
                                            void *arg),
                                  void *arg, kyso_error *err) {
  PKCS11_CERT *certs;
  unsigned int i, j, ncerts;
  kyso_token_cert c;

  if (!t || !fn)
    return kyso_error_set(err, KYSO_ERR_ARGUMENT, "pkcs11: missing argument");
  for (i = 0; i < t->nslots; i++) {
    PKCS11_SLOT *slot = &t->slots[i];
    if (!token_usable(slot))
      continue;
    certs = NULL;
    ncerts = 0;
    /* libp11 owns the list; it lives until the slots are released. */
    if (!p11_call_ok(PKCS11_enumerate_certs(slot->token, &certs, &ncerts)))
      continue;
    for (j = 0; j < ncerts; j++) {
      if (!certs[j].x509)
        continue;
      c.x509 = certs[j].x509;
      c.token_label = slot->token->label ? slot->token->label : "";
      c.label = certs[j].label ? certs[j].label : "";
      c.slot_id = PKCS11_get_slotid_from_slot(slot);
      if (fn(&c, arg) != 0)
        goto done;
    }
  }

done:
  ERR_clear_error();
  return KYSO_OK;
}

kyso_status kyso_token_select(kyso_token *t, const char *label,
                              kyso_error *err) {
  kyso_status ret;
  PKCS11_SLOT *found = NULL;
  char labels[TOKEN_LABEL_LIST_MAX] = "";
  unsigned int i, tokens = 0;

  for (i = 0; i < t->nslots; i++) {
    PKCS11_SLOT *slot = &t->slots[i];
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
  t->slot = found;
  t->slot_id = PKCS11_get_slotid_from_slot(found);
  ret = KYSO_OK;

done:
  return ret;
}

kyso_status kyso_token_select_by_cert(kyso_token *t, const uint8_t *der,
                                      size_t len, kyso_error *err) {
  kyso_status ret;
  PKCS11_CERT *certs;
  unsigned int i, j, ncerts;

  for (i = 0; i < t->nslots; i++) {
    PKCS11_SLOT *slot = &t->slots[i];
    if (!token_usable(slot))
      continue;
    certs = NULL;
    ncerts = 0;
    if (!p11_call_ok(PKCS11_enumerate_certs(slot->token, &certs, &ncerts)))
      continue;
    for (j = 0; j < ncerts; j++) {
      if (cert_is(certs[j].x509, der, len)) {
        t->slot = slot;
        t->slot_id = PKCS11_get_slotid_from_slot(slot);
        ret = KYSO_OK;
        goto done;
      }
    }
  }
  ret = kyso_error_set(err, KYSO_ERR_TOKEN_CERT_NOT_FOUND,
                       "no token holds that certificate (removed?)");

done:
  ERR_clear_error();
  return ret;
}

const char *kyso_token_get_label(const kyso_token *t) {
  return t && t->slot ? t->slot->token->label : NULL;
}

int kyso_token_has_pin_pad(const kyso_token *t) {
  return t && t->slot && t->slot->token->secureLogin;
}

int kyso_token_needs_login(const kyso_token *t) {
  return t && t->slot && t->slot->token->loginRequired;
}

int kyso_token_get_tries_left(const kyso_token *t) {
  return t ? t->tries_left : -1;
}

kyso_token_pin_state kyso_token_get_pin_state(const kyso_token *t) {
  const PKCS11_TOKEN *token = t && t->slot ? t->slot->token : NULL;

  if (!token)
    return KYSO_TOKEN_PIN_UNKNOWN_OR_OK;
  if (token->userPinLocked)
    return KYSO_TOKEN_PIN_LOCKED;
  if (token->userPinFinalTry)
    return KYSO_TOKEN_PIN_FINAL_TRY;
  if (token->userPinCountLow)
    return KYSO_TOKEN_PIN_COUNT_LOW;
  return KYSO_TOKEN_PIN_UNKNOWN_OR_OK;
}

/* Releases the slot list and enumerates it afresh. Releasing makes libp11
 * wipe its object caches and its PIN copy and close the slots' sessions
 * (which logs out, PKCS#11 v2.40 5.6 C_CloseAllSessions). Afresh, because
 * PKCS11_update_slots in libp11 0.4.12 indexes the old list wrongly and
 * crashes. The key and the selection point into the old list: they go. */
static int p11_reread_slots(kyso_token *t) {
  int ok;

  EVP_PKEY_free(t->key);
  t->key = NULL;
  t->cert = NULL;
  t->slot = NULL;
  if (t->slots)
    PKCS11_release_all_slots(t->ctx, t->slots, t->nslots);
  t->slots = NULL;
  t->nslots = 0;
  ok = p11_call_ok(PKCS11_enumerate_slots(t->ctx, &t->slots, &t->nslots));
  if (!ok) {
    t->slots = NULL; /* libp11 leaves nothing behind on failure */
    t->nslots = 0;
  }
  return ok;
}

kyso_status kyso_token_rescan(kyso_token *t, kyso_error *err) {
  kyso_status ret;
  unsigned long ckr;

  if (!t)
    return kyso_error_set(err, KYSO_ERR_ARGUMENT, "pkcs11: no token");
  t->tries_left = -1;
  if (p11_reread_slots(t)) {
    ret = KYSO_OK;
  } else {
    ckr = p11_last_ckr();
    ret = kyso_error_set(err, KYSO_ERR_TOKEN_MODULE,
                         "the PKCS#11 module cannot list its slots again "
                         "(CKR 0x%lX)",
                         ckr);
  }
  ERR_clear_error();
  return ret;
}

kyso_status kyso_token_logout(kyso_token *t, kyso_error *err) {
  int logged_in = 0;

  if (!t)
    return kyso_error_set(err, KYSO_ERR_ARGUMENT, "pkcs11: no token");
  EVP_PKEY_free(t->key); /* its methods point into the slot's key list */
  t->key = NULL;
  t->cert = NULL;
  /* C_Logout first; should it fail, closing every session below logs out
   * all the same. */
  if (t->slot && p11_call_ok(PKCS11_is_logged_in(t->slot, 0, &logged_in)) &&
      logged_in)
    (void)PKCS11_logout(t->slot);
  ERR_clear_error();
  return kyso_token_rescan(t, err);
}

/* After a wrong PIN, the token's flags say how close it is to locking
 * (CKF_USER_PIN_COUNT_LOW / FINAL_TRY / LOCKED), but libp11 read them before
 * the login: list the slots again and find ours by its id. */
static kyso_status p11_wrong_pin(kyso_token *t, kyso_error *err) {
  const PKCS11_TOKEN *token = NULL;
  unsigned int i;

  if (p11_reread_slots(t)) {
    for (i = 0; i < t->nslots; i++)
      if (t->slots[i].token &&
          PKCS11_get_slotid_from_slot(&t->slots[i]) == t->slot_id) {
        token = t->slots[i].token;
        t->slot = &t->slots[i];
      }
  }
  ERR_clear_error();
  if (token && token->userPinLocked) {
    t->tries_left = 0;
    return kyso_error_set(err, KYSO_ERR_TOKEN_PIN_LOCKED,
                          "wrong PIN; the token is now locked");
  }
  if (token && token->userPinFinalTry) {
    t->tries_left = 1;
    return kyso_error_set(err, KYSO_ERR_TOKEN_PIN_INCORRECT,
                          "wrong PIN; one try left before the token locks");
  }
  if (token && token->userPinCountLow)
    return kyso_error_set(err, KYSO_ERR_TOKEN_PIN_INCORRECT,
                          "wrong PIN; few tries left before the token locks");
  return kyso_error_set(err, KYSO_ERR_TOKEN_PIN_INCORRECT, "wrong PIN");
}

kyso_status kyso_token_login(kyso_token *t, const char *pin, kyso_error *err) {
  kyso_status ret;
  const PKCS11_TOKEN *token;
  unsigned long ckr;
  int logged_in = 0;

  if (!t || !t->slot) {
    ret = kyso_error_set(err, KYSO_ERR_STATE, "pkcs11: no token selected");
    goto done;
  }
  token = t->slot->token;
  /* libp11 skips C_Login on a slot it believes logged in, and takes
   * CKR_USER_ALREADY_LOGGED_IN as success: either way any PIN would do. */
  if (!p11_call_ok(PKCS11_is_logged_in(t->slot, 0, &logged_in)))
    logged_in = 0; /* the login below will tell what is wrong */
  ERR_clear_error();
  if (logged_in) {
    ret = kyso_error_set(err, KYSO_ERR_STATE,
                         "pkcs11: token \"%s\" is still logged in "
                         "(kyso_token_logout first)",
                         token->label);
    goto done;
  }
  /* Do not spend a try on a token that is already locked. */
  if (token->userPinLocked) {
    ret = kyso_error_set(err, KYSO_ERR_TOKEN_PIN_LOCKED,
                         "the PIN of token \"%s\" is locked; unlock it with "
                         "the issuer's tool",
                         token->label);
    goto done;
  }
  if (!p11_call_ok(PKCS11_open_session(t->slot, 0))) {
    ckr = p11_last_ckr();
    ret = kyso_error_set(err,
                         ckr_is_removed(ckr) ? KYSO_ERR_TOKEN_NOT_FOUND
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
  if (p11_call_ok(PKCS11_login(t->slot, 0, pin))) {
    ret = KYSO_OK;
    goto done;
  }
  ckr = p11_last_ckr();
  ERR_clear_error();
  switch (ckr) {
  case P11_CKR_PIN_INCORRECT:
  case P11_CKR_PIN_INVALID:
  case P11_CKR_PIN_LEN_RANGE:
    /* the slot may move: p11_wrong_pin re-reads the slot list. */
    ret = p11_wrong_pin(t, err);
    break;
  case P11_CKR_PIN_LOCKED:
    t->tries_left = 0;
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
  case P11_CKR_TOKEN_NOT_RECOGNIZED:
  case P11_CKR_SESSION_HANDLE_INVALID:
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
 * label and the certificate with its CKA_ID. By DER: that certificate.
 * Neither: the first certificate that has a private key with the same
 * CKA_ID. */
static kyso_status p11_pick(kyso_token *t, const char *label,
                            const uint8_t *der, size_t der_len,
                            kyso_error *err) {
  kyso_status ret;
  PKCS11_TOKEN *token;
  PKCS11_CERT *certs = NULL, *cert = NULL;
  PKCS11_KEY *key = NULL, *keys = NULL;
  unsigned int i, ncerts = 0, nkeys = 0;

  if (!t || !t->slot) {
    ret = kyso_error_set(err, KYSO_ERR_STATE, "pkcs11: no token selected");
    goto done;
  }
  token = t->slot->token;
  if (!p11_call_ok(PKCS11_enumerate_certs(token, &certs, &ncerts))) {
    unsigned long ckr = p11_last_ckr();
    ret = kyso_error_set(err,
                         ckr_is_removed(ckr) ? KYSO_ERR_TOKEN_NOT_FOUND
                                             : KYSO_ERR_TOKEN_MODULE,
                         "cannot list the certificates on token \"%s\" "
                         "(CKR 0x%lX)",
                         token->label, ckr);
    goto done;
  }
  if (ncerts == 0) {
    ret = kyso_error_set(err, KYSO_ERR_TOKEN_CERT_NOT_FOUND,
                         "no certificate on token \"%s\"", token->label);
    goto done;
  }
  if (der) {
    for (i = 0; i < ncerts && !cert; i++)
      if (cert_is(certs[i].x509, der, der_len))
        cert = &certs[i];
    if (!cert) {
      ret = kyso_error_set(err, KYSO_ERR_TOKEN_CERT_NOT_FOUND,
                           "the certificate is no longer on token \"%s\"",
                           token->label);
      goto done;
    }
    key = PKCS11_find_key(cert);
    if (!key || !key->isPrivate) {
      ret = kyso_error_set(err, KYSO_ERR_TOKEN_KEY_NOT_FOUND,
                           "no private key for the certificate on token "
                           "\"%s\"",
                           token->label);
      goto done;
    }
  } else if (label) {
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
  EVP_PKEY_free(t->key);
  t->key = PKCS11_get_private_key(key);
  if (!t->key) {
    ret = kyso_error_set(err, KYSO_ERR_TOKEN_KEY_NOT_FOUND,
                         "the private key on token \"%s\" cannot be used "
                         "(unsupported key type?)",
                         token->label);
    goto done;
  }
  t->cert = cert;
  ret = KYSO_OK;

done:
  ERR_clear_error(); /* failed finders leave entries behind */
  return ret;
}

kyso_status kyso_token_pick_key(kyso_token *t, const char *label,
                                kyso_error *err) {
  return p11_pick(t, label, NULL, 0, err);
}

kyso_status kyso_token_pick_key_by_cert(kyso_token *t, const uint8_t *der,
                                        size_t len, kyso_error *err) {
  if (!der || len == 0)
    return kyso_error_set(err, KYSO_ERR_ARGUMENT, "pkcs11: no certificate");
  return p11_pick(t, NULL, der, len, err);
}

X509 *kyso_token_get_cert(const kyso_token *t) {
  return t && t->cert ? t->cert->x509 : NULL;
}

STACK_OF(X509) *kyso_token_get_certs(kyso_token *t) {
  STACK_OF(X509) *pool = NULL, *ret = NULL;
  PKCS11_CERT *certs = NULL;
  unsigned int i, ncerts = 0;

  if (!t || !t->slot)
    goto done;
  if (!p11_call_ok(PKCS11_enumerate_certs(t->slot->token, &certs, &ncerts)))
    goto done;
  pool = sk_X509_new_null();
  if (!pool)
    goto done;
  for (i = 0; i < ncerts; i++)
    if (certs[i].x509 && !sk_X509_push(pool, certs[i].x509))
      goto done;
  ret = pool;
  pool = NULL;

done:
  sk_X509_free(pool); /* entries are borrowed from libp11 */
  ERR_clear_error();
  return ret;
}

kyso_status kyso_token_sign(kyso_token *t, kyso_digest digest,
                            kyso_scheme scheme, const uint8_t *data, size_t len,
                            uint8_t **signature, size_t *signature_len,
                            kyso_error *err) {
  if (!t || !t->key)
    return kyso_error_set(err, KYSO_ERR_STATE, "pkcs11: no key picked");
  return kyso_token_evp_sign(t->key, digest, scheme, data, len,
                             KYSO_ERR_TOKEN_SIGN, signature, signature_len,
                             err);
}
