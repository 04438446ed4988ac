/*
 * kyso/token.h - a PKCS#11 token through libp11, wrapped once for the CLI and
 * the native host.
 *
 * A kyso_token is one loaded PKCS#11 module and the slot list read when it
 * was opened (or last rescanned). It lists the certificates on every token
 * of the module, selects one token (by label or by the certificate it
 * holds), logs in, picks the private key that goes with a certificate and
 * signs: it hashes the data itself, then the token does the private-key
 * operation. libp11's mixed return conventions and the module's CK_RV become
 * kyso_status codes here and nowhere else.
 *
 * A one-shot user (the CLI) opens, logs in, signs and closes. A long-lived
 * one (the native host) keeps the module loaded: kyso_token_rescan before
 * trusting the slot list again (a token may have been pulled or swapped),
 * kyso_token_logout after each login.
 *
 * It does not read PINs, prompt, or keep a PIN: the caller passes the PIN to
 * kyso_token_login and wipes it right after (libp11 0.4.12 keeps a copy in
 * the slot to log in again after fork; it is cleansed at kyso_token_logout
 * and kyso_token_close). It never prints. Not thread-safe: one kyso_token
 * per thread at a time.
 */
#ifndef KYSO_TOKEN_H
#define KYSO_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "kyso/sign.h"
#include "kyso/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kyso_token kyso_token;

/* Loads module (a path or a name for the dlopen search), checks it exports
 * C_GetFunctionList, and reads the slot list. KYSO_ERR_TOKEN_MODULE when it
 * cannot be loaded. */
kyso_status kyso_token_open(const char *module, kyso_token **out,
                            kyso_error *err);

/* Releases the key, the slots (cleansing libp11's PIN copy) and the module.
 * NULL is fine. */
void kyso_token_close(kyso_token *t);

/* One certificate as kyso_token_list_certs sees it; every pointer is
 * borrowed from the token and lives until kyso_token_close. */
typedef struct kyso_token_cert {
  X509 *x509;
  const char *token_label; /* CK_TOKEN_INFO.label, blank padding stripped */
  const char *label;       /* CKA_LABEL of the certificate object, or "" */
  unsigned long slot_id;
} kyso_token_cert;

/* Reads the slot list again, as kyso_token_open did: tokens inserted or
 * removed since (as far as the module reports them: many modules, SoftHSM2
 * among them, fix their token list at C_Initialize, so only closing and
 * opening the module again shows a token created meanwhile), fresh token
 * flags, certificate and key lists read again on their next use. Drops the
 * selection and the picked key. KYSO_ERR_TOKEN_MODULE when the module can no
 * longer list its slots (SoftHSM2 does so for a token deleted under it):
 * close the token and open the module again. (On that path libp11 0.4.12
 * leaks the failing slot's few hundred bytes: once per deleted token.) */
kyso_status kyso_token_rescan(kyso_token *t, kyso_error *err);

/* Ends what kyso_token_login began: logs out, drops the picked key and
 * rescans (libp11 closes the sessions and wipes its copy of the PIN), so the
 * next kyso_token_login asks the token again. Fine without a login. */
kyso_status kyso_token_logout(kyso_token *t, kyso_error *err);

/* Calls fn for each parseable certificate on each initialized token (no
 * login: certificates are public objects). fn returns 0 to go on, nonzero to
 * stop. Tokens whose certificates cannot be read are skipped. */
kyso_status kyso_token_list_certs(kyso_token *t,
                                  int (*fn)(const kyso_token_cert *cert,
                                            void *arg),
                                  void *arg, kyso_error *err);

/* Selects the token labelled label, or the only token when label is NULL.
 * KYSO_ERR_TOKEN_NOT_FOUND when absent or ambiguous. */
kyso_status kyso_token_select(kyso_token *t, const char *label,
                              kyso_error *err);

/* Selects the token holding the certificate whose DER is der.
 * KYSO_ERR_TOKEN_CERT_NOT_FOUND when no token holds it. */
kyso_status kyso_token_select_by_cert(kyso_token *t, const uint8_t *der,
                                      size_t len, kyso_error *err);

/* Label of the selected token, or NULL. Borrowed. */
const char *kyso_token_get_label(const kyso_token *t);

/* 1 when the selected token has a PIN pad (CKF_PROTECTED_AUTHENTICATION_PATH):
 * log in with a NULL PIN and the user types it on the reader. */
int kyso_token_has_pin_pad(const kyso_token *t);

/* 1 when the selected token needs a login (CKF_LOGIN_REQUIRED). */
int kyso_token_needs_login(const kyso_token *t);

/* Opens a session on the selected token and logs in as user. A locked PIN
 * is refused before a try is spent. Errors: KYSO_ERR_TOKEN_PIN_INCORRECT
 * (see kyso_token_get_tries_left), _PIN_LOCKED, _NOT_FOUND (removed),
 * _MODULE, KYSO_ERR_ARGUMENT (no PIN and no PIN pad), KYSO_ERR_STATE
 * (already logged in: libp11 would skip C_Login and take any PIN, so call
 * kyso_token_logout between two logins). */
kyso_status kyso_token_login(kyso_token *t, const char *pin, kyso_error *err);

/* After KYSO_ERR_TOKEN_PIN_INCORRECT: tries left as the token's flags tell
 * (1: final try), or -1 when the token does not say. */
int kyso_token_get_tries_left(const kyso_token *t);

/* How close the selected token's user PIN is to locking, as its flags said
 * when the slot list was last read (open, rescan, or a wrong PIN at
 * kyso_token_login, which reads them again): PKCS#11 v2.40 CK_TOKEN_INFO
 * CKF_USER_PIN_COUNT_LOW / _FINAL_TRY / _LOCKED. Many tokens never set
 * them: KYSO_TOKEN_PIN_UNKNOWN_OR_OK says nothing about the tries left. */
typedef enum kyso_token_pin_state {
  KYSO_TOKEN_PIN_UNKNOWN_OR_OK = 0,
  KYSO_TOKEN_PIN_COUNT_LOW = 1, /* a wrong PIN was entered since the last
                                   successful login */
  KYSO_TOKEN_PIN_FINAL_TRY = 2, /* one more wrong PIN locks it */
  KYSO_TOKEN_PIN_LOCKED = 3
} kyso_token_pin_state;

/* The selected token's PIN state; KYSO_TOKEN_PIN_UNKNOWN_OR_OK without a
 * selection. */
kyso_token_pin_state kyso_token_get_pin_state(const kyso_token *t);

/* After login: picks the certificate and its private key on the selected
 * token. By label: a certificate with that label, else a private key with
 * that label and its certificate. NULL: the first certificate that has a
 * private key with the same CKA_ID. Errors: _CERT_NOT_FOUND, _KEY_NOT_FOUND,
 * KYSO_ERR_SIGN_CERTIFICATE. */
kyso_status kyso_token_pick_key(kyso_token *t, const char *label,
                                kyso_error *err);

/* After login: picks the private key of the certificate whose DER is der. */
kyso_status kyso_token_pick_key_by_cert(kyso_token *t, const uint8_t *der,
                                        size_t len, kyso_error *err);

/* The picked certificate (borrowed), NULL before a pick. */
X509 *kyso_token_get_cert(const kyso_token *t);

/* Every certificate on the selected token in a new stack of borrowed X509
 * pointers (free the stack only, with sk_X509_free); NULL on failure. */
STACK_OF(X509) *kyso_token_get_certs(kyso_token *t);

/* Hashes data with digest and signs with the picked key using scheme (never
 * AUTO). *signature is malloc'd. Errors as kyso_token_evp_sign, with
 * KYSO_ERR_TOKEN_SIGN for a refusal by the token. */
kyso_status kyso_token_sign(kyso_token *t, kyso_digest digest,
                            kyso_scheme scheme, const uint8_t *data, size_t len,
                            uint8_t **signature, size_t *signature_len,
                            kyso_error *err);

/*
 * Hashes data with digest, then signs the hash with key using scheme:
 * RSA_PKCS1 (DigestInfo, PKCS#1 v1.5), RSA_PSS (MGF1 with the same hash,
 * salt = hash length, RFC 8017 9.1) or ECDSA (DER Ecdsa-Sig-Value).
 * A scheme that does not fit the key is KYSO_ERR_SIGN_ALGORITHM; a failure
 * of the signing operation itself is reported as fail_status. Shared by the
 * token and the CLI's PKCS#12 signer so they cannot disagree on padding.
 */
kyso_status kyso_token_evp_sign(EVP_PKEY *key, kyso_digest digest,
                                kyso_scheme scheme, const uint8_t *data,
                                size_t len, kyso_status fail_status,
                                uint8_t **signature, size_t *signature_len,
                                kyso_error *err);

/* The scheme AUTO means for key: RSA PKCS#1 v1.5 or ECDSA;
 * KYSO_SCHEME_AUTO when the key type is neither. */
kyso_scheme kyso_token_auto_scheme(EVP_PKEY *key);

#ifdef __cplusplus
}
#endif

#endif
