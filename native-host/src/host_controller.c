/*
 * host_controller.c - requests, origins, consent and the token; see
 * host_controller.h and native-host/PROTOCOL.md.
 */
#define _POSIX_C_SOURCE 200809L

#include "host_controller.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "kyso/cms.h"
#include "kyso/token.h"

/* Documents listed by name in the consent dialog; the rest are counted
 * (an Assuan line holds 1000 bytes). */
#define CONSENT_LISTED_DOCS 6
#define DIALOG_TEXT_MAX 900
#define CERT_ID_HEX 64 /* SHA-256 of the DER, lower-case hex */

void host_log(const char *format, ...) {
  va_list ap;
  char stamp[32];
  time_t t = time(NULL);
  struct tm tm;

  gmtime_r(&t, &tm);
  strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
  va_start(ap, format);
  fprintf(stderr, "kyso-host %s: ", stamp);
  vfprintf(stderr, format, ap);
  fputc('\n', stderr);
  va_end(ap);
}

typedef struct sign_doc {
  uint8_t *attrs;
  size_t attrs_len;
  char *name;
  char *fingerprint;
  kyso_digest digest;
} sign_doc;

typedef enum job_kind { JOB_CERTIFICATES, JOB_SIGN } job_kind;

typedef struct host_job {
  host_peer *peer; /* holds a reference */
  json_t *id;
  job_kind kind;
  int origin_prompt; /* ask about the peer's origin first */
  char cert_id[CERT_ID_HEX + 1];
  sign_doc *docs;
  size_t doc_count;
  int cancelled; /* under ctl->lock */
  json_t *reply; /* the worker's answer, sent once the worker is free */
} host_job;

/* The job the current thread runs (the worker), so its reply can wait
 * until busy is cleared: a client that sends its next request as soon as
 * it reads the answer must not get BUSY. */
static _Thread_local host_job *worker_job;

struct host_ctl {
  host_config *cfg;
  host_prompt *prompt;
  pthread_mutex_t lock;       /* busy, job, known ids, config origins */
  pthread_mutex_t token_lock; /* tokens: one thread in the modules at a time */
  /* One per configured module, loaded on first use and kept across requests
   * (NULL: not loaded, or it failed to load). */
  kyso_token *tokens[HOST_CONFIG_MAX_MODULES];
  int busy;
  int worker_started;
  pthread_t worker;
  host_job *job;
  char known[HOST_KNOWN_CERTS][CERT_ID_HEX + 1];
  int known_count;
};

struct host_peer {
  host_ctl *ctl;
  pthread_mutex_t lock; /* closed, refs, send */
  int refs;
  int closed;
  host_send_fn send;
  void *arg;
  host_origin_state state; /* under ctl->lock */
  char origin[HOST_ORIGIN_MAX];
};

/* ---- peers and replies ----------------------------------------------------
 */

static void peer_unref(host_peer *p) {
  int last;
  pthread_mutex_lock(&p->lock);
  last = --p->refs == 0;
  pthread_mutex_unlock(&p->lock);
  if (last) {
    pthread_mutex_destroy(&p->lock);
    free(p);
  }
}

/* Sends msg (consumed) unless the connection is gone. */
static void peer_send_now(host_peer *p, json_t *msg) {
  char *text = msg ? json_dumps(msg, JSON_COMPACT) : NULL;

  json_decref(msg);
  if (!text)
    return;
  pthread_mutex_lock(&p->lock);
  if (!p->closed) {
    p->send(p->arg, text);
    text = NULL;
  }
  pthread_mutex_unlock(&p->lock);
  free(text);
}

static void peer_send(host_peer *p, json_t *msg) {
  host_job *j = worker_job;
  if (j && j->peer == p) {
    if (j->reply)
      peer_send_now(p, j->reply);
    j->reply = msg;
    return;
  }
  peer_send_now(p, msg);
}

static void send_error(host_peer *p, json_t *id, const char *code,
                       const char *message, int retries) {
  json_t *err = json_pack("{s:s, s:s}", "code", code, "message", message);
  json_t *msg;

  if (err && retries >= 0)
    json_object_set_new(err, "retriesLeft", json_integer(retries));
  else if (err && strcmp(code, "PIN_INCORRECT") == 0)
    json_object_set_new(err, "retriesLeft", json_null());
  msg = json_pack("{s:O?, s:o}", "id", id, "error", err);
  if (!msg)
    msg = json_pack("{s:n, s:{s:s, s:s}}", "id", "error", "code",
                    "NATIVE_FATAL", "message", "out of memory");
  peer_send(p, msg);
}

static void send_result(host_peer *p, json_t *id, json_t *result) {
  peer_send(p, json_pack("{s:O?, s:o}", "id", id, "result", result));
}

host_peer *host_peer_open(host_ctl *ctl, const char *origin, host_send_fn send,
                          void *arg) {
  host_peer *p = calloc(1, sizeof(*p));

  if (!p)
    return NULL;
  pthread_mutex_init(&p->lock, NULL);
  p->ctl = ctl;
  p->refs = 1;
  p->send = send;
  p->arg = arg;
  if (origin && strlen(origin) < sizeof(p->origin))
    strcpy(p->origin, origin);
  pthread_mutex_lock(&ctl->lock);
  p->state = p->origin[0] ? host_config_origin_state(ctl->cfg, p->origin)
                          : HOST_ORIGIN_DENIED;
  pthread_mutex_unlock(&ctl->lock);
  peer_send(p,
            json_pack("{s:s, s:[s,s,s,s]}", "version", HOST_PROTOCOL_VERSION,
                      "features", "certificates", "sign", "batch", "cancel"));
  return p;
}

void host_peer_refuse(host_peer *peer, const char *code, const char *message) {
  send_error(peer, NULL, code, message, -1);
}

void host_peer_close(host_peer *peer) {
  host_ctl *ctl;

  if (!peer)
    return;
  ctl = peer->ctl;
  pthread_mutex_lock(&peer->lock);
  peer->closed = 1;
  pthread_mutex_unlock(&peer->lock);
  pthread_mutex_lock(&ctl->lock);
  if (ctl->job && ctl->job->peer == peer) {
    ctl->job->cancelled = 1;
    ctl->prompt->vtable->abort(ctl->prompt);
  }
  pthread_mutex_unlock(&ctl->lock);
  peer_unref(peer);
}

/* ---- certificates -----------------------------------------------------------
 */

static void cert_id(const uint8_t *der, size_t len, char out[CERT_ID_HEX + 1]) {
  uint8_t h[32];
  unsigned int n = 0;
  int i;

  EVP_Digest(der, len, h, &n, EVP_sha256(), NULL);
  for (i = 0; i < 32; i++)
    snprintf(out + 2 * i, 3, "%02x", h[i]);
}

static json_t *name_text(const X509_NAME *name) {
  BIO *b = BIO_new(BIO_s_mem());
  char *p;
  long n;
  json_t *s = NULL;

  if (!b)
    return NULL;
  /* RFC 2253 order, UTF-8 kept as it is (Vietnamese names). */
  if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >=
      0) {
    n = BIO_get_mem_data(b, &p);
    s = json_stringn(p, (size_t)n);
  }
  BIO_free(b);
  return s ? s : json_string("");
}

static json_t *time_text(const ASN1_TIME *t) {
  struct tm tm;
  char buf[32];

  if (!t || !ASN1_TIME_to_tm(t, &tm))
    return json_null();
  strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return json_string(buf);
}

static json_t *key_text(X509 *x) {
  EVP_PKEY *k = X509_get0_pubkey(x);
  char buf[64];
  char group[32] = "";
  size_t glen = 0;

  if (!k)
    return json_string("unknown");
  if (EVP_PKEY_is_a(k, "RSA")) {
    snprintf(buf, sizeof(buf), "RSA-%d", EVP_PKEY_get_bits(k));
  } else if (EVP_PKEY_is_a(k, "EC") &&
             EVP_PKEY_get_utf8_string_param(k, "group", group, sizeof(group),
                                            &glen)) {
    snprintf(buf, sizeof(buf), "EC-%s", group);
  } else {
    snprintf(buf, sizeof(buf), "%s", EVP_PKEY_get0_type_name(k));
  }
  return json_string(buf);
}

static char *b64_encode(const uint8_t *p, size_t n) {
  char *out = malloc(4 * ((n + 2) / 3) + 1);
  if (out && n <= (size_t)0x7fffffff)
    EVP_EncodeBlock((unsigned char *)out, p, (int)n);
  return out;
}

/* Strict base64 (RFC 4648 4, padded): NULL when malformed or over max. */
static uint8_t *b64_decode(const char *s, size_t max, size_t *out_len) {
  size_t n = strlen(s), i, pad = 0;
  uint8_t *out;
  int got;

  if (n == 0 || n % 4 != 0 || n / 4 * 3 > max + 2)
    return NULL;
  for (i = 0; i < n; i++) {
    char c = s[i];
    int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
             (c >= '0' && c <= '9') || c == '+' || c == '/';
    if (c == '=' && i >= n - 2) {
      pad++;
      continue;
    }
    if (!ok || pad)
      return NULL;
  }
  out = malloc(n / 4 * 3 + 1);
  if (!out)
    return NULL;
  got = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);
  if (got < 0 || (size_t)got < pad || (size_t)got - pad > max) {
    free(out);
    return NULL;
  }
  *out_len = (size_t)got - pad;
  return out;
}

typedef struct list_ctx {
  json_t *array;
  host_ctl *ctl;
  /* find mode */
  const char *want;
  uint8_t *found_der;
  size_t found_len;
  char *found_token;
  char *found_cn;
  int found_module;
  int module;
} list_ctx;

static void remember_id(host_ctl *ctl, const char *id) {
  int i;
  pthread_mutex_lock(&ctl->lock);
  for (i = 0; i < ctl->known_count; i++)
    if (strcmp(ctl->known[i], id) == 0)
      goto done;
  if (ctl->known_count < HOST_KNOWN_CERTS)
    strcpy(ctl->known[ctl->known_count++], id);
done:
  pthread_mutex_unlock(&ctl->lock);
}

static int known_id(host_ctl *ctl, const char *id) {
  int i, hit = 0;
  pthread_mutex_lock(&ctl->lock);
  for (i = 0; i < ctl->known_count && !hit; i++)
    hit = strcmp(ctl->known[i], id) == 0;
  pthread_mutex_unlock(&ctl->lock);
  return hit;
}

static int is_ca(X509 *x) {
  return X509_check_ca(x) != 0;
}

static int on_cert(const kyso_token_cert *c, void *arg) {
  list_ctx *lc = arg;
  unsigned char *der = NULL;
  int n = i2d_X509(c->x509, &der);
  char id[CERT_ID_HEX + 1];
  char *b64 = NULL;
  json_t *o;
  size_t i;

  if (n <= 0)
    goto done;
  cert_id(der, (size_t)n, id);
  if (lc->want) {
    if (strcmp(id, lc->want) == 0 && !lc->found_der) {
      X509_NAME *subject = X509_get_subject_name(c->x509);
      int at = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
      unsigned char *cn = NULL;
      if (at >= 0)
        ASN1_STRING_to_UTF8(
            &cn, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, at)));
      free(lc->found_cn); /* a match whose copy failed, walked again */
      free(lc->found_token);
      lc->found_cn = strdup(cn ? (char *)cn : "?");
      OPENSSL_free(cn);
      lc->found_der = malloc((size_t)n);
      if (lc->found_der) {
        memcpy(lc->found_der, der, (size_t)n);
        lc->found_len = (size_t)n;
      }
      lc->found_token = strdup(c->token_label);
      lc->found_module = lc->module;
    }
    goto done;
  }
  for (i = 0; i < json_array_size(lc->array); i++)
    if (strcmp(json_string_value(
                   json_object_get(json_array_get(lc->array, i), "id")),
               id) == 0)
      goto done; /* the same certificate through two modules */
  b64 = b64_encode(der, (size_t)n);
  o = json_pack(
      "{s:s, s:s?, s:o, s:o, s:o, s:o, s:o, s:s, s:s, s:b}", "id", id,
      "certificate", b64, "subject", name_text(X509_get_subject_name(c->x509)),
      "issuer", name_text(X509_get_issuer_name(c->x509)), "notBefore",
      time_text(X509_get0_notBefore(c->x509)), "notAfter",
      time_text(X509_get0_notAfter(c->x509)), "keyType", key_text(c->x509),
      "tokenLabel", c->token_label, "label", c->label, "ca", is_ca(c->x509));
  if (o)
    json_array_append_new(lc->array, o);
  remember_id(lc->ctl, id);

done:
  free(b64);
  OPENSSL_free(der);
  return 0;
}

/* How fresh a module's view must be before it is used. */
typedef enum module_view {
  MODULE_RESCAN, /* the loaded module, its slot list read again */
  MODULE_RELOAD  /* the module loaded again (C_Finalize, C_Initialize) */
} module_view;

/* Module m's token with a fresh slot list, loading the module when it is
 * not loaded yet, when asked to, or when it can no longer list its slots
 * (SoftHSM2, for a token deleted under it). NULL when it cannot be loaded.
 * Under the token lock; the pointer is valid until the lock is released. */
static kyso_token *module_token(host_ctl *ctl, int m, module_view view) {
  kyso_token **t = &ctl->tokens[m];
  kyso_error err;

  if (*t && view == MODULE_RESCAN && kyso_token_rescan(*t, &err) == KYSO_OK)
    goto done;
  kyso_token_close(*t);
  *t = NULL;
  if (kyso_token_open(ctl->cfg->modules[m], t, &err) != KYSO_OK)
    host_log("module skipped: %s", err.message);

done:
  return *t;
}

/* Walks the configured modules under the token lock: every one for a
 * listing, until the certificate is found in find mode. */
static void walk_modules(host_ctl *ctl, list_ctx *lc, module_view view) {
  int m;
  kyso_token *t;
  kyso_error err;

  for (m = 0; m < ctl->cfg->module_count && !lc->found_der; m++) {
    lc->module = m;
    pthread_mutex_lock(&ctl->token_lock);
    t = module_token(ctl, m, view);
    if (t)
      kyso_token_list_certs(t, on_cert, lc, &err);
    pthread_mutex_unlock(&ctl->token_lock);
  }
}

static void do_certificates(host_peer *p, json_t *id) {
  list_ctx lc;

  memset(&lc, 0, sizeof(lc));
  lc.ctl = p->ctl;
  lc.array = json_array();
  if (!lc.array) {
    send_error(p, id, "NATIVE_FATAL", "out of memory", -1);
    return;
  }
  /* The listing is what the user picks from: it must show a token created
   * since the module was loaded, which SoftHSM2 and many vendor modules
   * only report after C_Initialize (PKCS#11 v2.40 5.5 leaves slot list
   * changes to the module). A reload costs a millisecond or two. */
  walk_modules(p->ctl, &lc, MODULE_RELOAD);
  send_result(p, id, json_pack("{s:o}", "certificates", lc.array));
}

/* Finds the certificate lc->want: in the loaded modules, their slot lists
 * read again (a token pulled since is gone from them); then, when it is not
 * there, in modules loaded afresh (a token inserted since the module was
 * loaded). */
static void find_cert(host_ctl *ctl, list_ctx *lc) {
  walk_modules(ctl, lc, MODULE_RESCAN);
  if (!lc->found_der)
    walk_modules(ctl, lc, MODULE_RELOAD);
}

/* ---- signing ----------------------------------------------------------------
 */

static void free_docs(sign_doc *docs, size_t n) {
  size_t i;
  for (i = 0; docs && i < n; i++) {
    free(docs[i].attrs);
    free(docs[i].name);
    free(docs[i].fingerprint);
  }
  free(docs);
}

static void job_free(host_job *j) {
  if (!j)
    return;
  free_docs(j->docs, j->doc_count);
  json_decref(j->id);
  if (j->peer)
    peer_unref(j->peer);
  free(j);
}

static int job_cancelled(host_ctl *ctl, host_job *j) {
  int c;
  pthread_mutex_lock(&ctl->lock);
  c = j->cancelled;
  pthread_mutex_unlock(&ctl->lock);
  return c;
}

static const char *prompt_code(host_prompt_result r) {
  switch (r) {
  case HOST_PROMPT_TIMEOUT: return "USER_TIMEOUT";
  case HOST_PROMPT_FAILED: return "NATIVE_FATAL";
  default: return "USER_CANCELLED";
  }
}

/* Appends to a dialog text, never past its end. */
static void text_add(char *buf, size_t cap, const char *format, ...) {
  size_t used = strlen(buf);
  va_list ap;
  if (used + 1 >= cap)
    return;
  va_start(ap, format);
  vsnprintf(buf + used, cap - used, format, ap);
  va_end(ap);
}

static const char *digest_name(kyso_digest d) {
  switch (d) {
  case KYSO_DIGEST_SHA384: return "SHA-384";
  case KYSO_DIGEST_SHA512: return "SHA-512";
  default: return "SHA-256";
  }
}

/* Consent, then the PIN (not with a PIN pad). The PIN goes to pin. */
static const char *ask_user(host_ctl *ctl, host_job *j, const char *signer,
                            const char *token_label, char *pin, size_t cap,
                            const char **message) {
  host_prompt *pr = ctl->prompt;
  host_prompt_result r;
  char desc[DIALOG_TEXT_MAX] = "";
  char pin_desc[DIALOG_TEXT_MAX] = "";
  host_dialog d;
  size_t i;
  const char *code = NULL;

  text_add(desc, sizeof(desc),
           "Trang %s yêu cầu ký %zu văn bản bằng chứng thư của %s:\n",
           j->peer->origin, j->doc_count, signer);
  for (i = 0; i < j->doc_count && i < CONSENT_LISTED_DOCS; i++)
    text_add(desc, sizeof(desc), "  %zu. %s (%s)\n", i + 1, j->docs[i].name,
             j->docs[i].fingerprint);
  if (j->doc_count > CONSENT_LISTED_DOCS)
    text_add(desc, sizeof(desc), "  ... và %zu văn bản khác\n",
             j->doc_count - CONSENT_LISTED_DOCS);
  text_add(desc, sizeof(desc), "(%s asks to sign %zu document(s) as %s.)",
           j->peer->origin, j->doc_count, signer);
  if (job_cancelled(ctl, j)) { /* before the dialog: nothing to abort yet */
    *message = "the request was cancelled";
    code = "USER_CANCELLED";
    goto done;
  }
  r = pr->vtable->begin(pr);
  if (r != HOST_PROMPT_OK) {
    *message = "the pinentry program cannot be started";
    code = "NATIVE_FATAL";
    goto done;
  }
  memset(&d, 0, sizeof(d));
  d.title = "kyso: ký số văn bản";
  d.description = desc;
  d.ok = "Ký (Sign)";
  d.cancel = "Không ký (Cancel)";
  r = pr->vtable->confirm(pr, &d);
  if (r == HOST_PROMPT_OK && job_cancelled(ctl, j))
    r = HOST_PROMPT_CANCELLED;
  if (r != HOST_PROMPT_OK) {
    code = r == HOST_PROMPT_NOT_CONFIRMED ? "USER_CANCELLED" : prompt_code(r);
    *message = "the user did not consent";
    goto done;
  }
  if (!pin)
    goto done; /* PIN pad: the user types it on the reader */
  text_add(pin_desc, sizeof(pin_desc),
           "Nhập mã PIN của token \"%s\" để ký %zu văn bản cho %s.\n"
           "(Enter the PIN of token \"%s\".)",
           token_label, j->doc_count, j->peer->origin, token_label);
  memset(&d, 0, sizeof(d));
  d.title = "kyso: mã PIN";
  d.description = pin_desc;
  d.prompt = "PIN:";
  d.ok = "OK";
  d.cancel = "Huỷ (Cancel)";
  r = pr->vtable->get_pin(pr, &d, pin, cap);
  if (r == HOST_PROMPT_OK && job_cancelled(ctl, j))
    r = HOST_PROMPT_CANCELLED;
  if (r == HOST_PROMPT_OK && pin[0] == '\0')
    r = HOST_PROMPT_CANCELLED;
  if (r != HOST_PROMPT_OK) {
    OPENSSL_cleanse(pin, cap);
    code = r == HOST_PROMPT_NOT_CONFIRMED ? "USER_CANCELLED" : prompt_code(r);
    *message = "no PIN was entered";
    goto done;
  }

done:
  pr->vtable->end(pr);
  return code;
}

static const char *token_code(kyso_status s) {
  switch (s) {
  case KYSO_ERR_TOKEN_PIN_INCORRECT: return "PIN_INCORRECT";
  case KYSO_ERR_TOKEN_PIN_LOCKED: return "PIN_LOCKED";
  case KYSO_ERR_TOKEN_NOT_FOUND:
  case KYSO_ERR_TOKEN_CERT_NOT_FOUND:
  case KYSO_ERR_TOKEN_KEY_NOT_FOUND: return "TOKEN_REMOVED";
  default: return "NATIVE_FATAL";
  }
}

/* On token t: select the token holding cert, log in, sign every document;
 * results into sigs (base64 strings). */
static kyso_status sign_with(kyso_token *t, host_job *j, const uint8_t *cert,
                             size_t cert_len, kyso_scheme scheme, char *pin,
                             json_t *sigs, int *tries, kyso_error *err) {
  kyso_status ret;
  uint8_t *sig = NULL;
  size_t sig_len = 0, i;
  char *b64;

  ret = kyso_token_select_by_cert(t, cert, cert_len, err);
  if (ret != KYSO_OK)
    goto done;
  ret = kyso_token_login(t, kyso_token_has_pin_pad(t) ? NULL : pin, err);
  OPENSSL_cleanse(pin, HOST_PIN_MAX); /* wiped right after login */
  if (ret != KYSO_OK) {
    *tries = kyso_token_get_tries_left(t);
    goto done;
  }
  ret = kyso_token_pick_key_by_cert(t, cert, cert_len, err);
  if (ret != KYSO_OK)
    goto done;
  for (i = 0; i < j->doc_count; i++) {
    ret = kyso_token_sign(t, j->docs[i].digest, scheme, j->docs[i].attrs,
                          j->docs[i].attrs_len, &sig, &sig_len, err);
    if (ret != KYSO_OK)
      goto done;
    b64 = b64_encode(sig, sig_len);
    free(sig);
    sig = NULL;
    if (!b64 || json_array_append_new(sigs, json_string(b64)) != 0) {
      free(b64);
      ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
      goto done;
    }
    free(b64);
  }
  ret = KYSO_OK;

done:
  OPENSSL_cleanse(pin, HOST_PIN_MAX);
  free(sig);
  return ret;
}

/* 1 when module's tokens, read again, no longer hold cert. A module that
 * fails mid-batch (SoftHSM2 answers CKR_GENERAL_ERROR for a token deleted
 * under it) is asked so. Under the token lock. */
static int token_gone(host_ctl *ctl, int module, const uint8_t *cert,
                      size_t cert_len) {
  kyso_token *t = module_token(ctl, module, MODULE_RESCAN);
  kyso_error err;

  return !t || kyso_token_select_by_cert(t, cert, cert_len, &err) != KYSO_OK;
}

/* Login and sign every document on module's token; see sign_with. */
static kyso_status sign_all(host_ctl *ctl, host_job *j, int module,
                            const uint8_t *cert, size_t cert_len,
                            kyso_scheme scheme, char *pin, json_t *sigs,
                            int *tries, kyso_error *err) {
  kyso_status ret;
  kyso_token *t;
  kyso_error logout_err;

  pthread_mutex_lock(&ctl->token_lock);
  /* Read again: the token may have been pulled or swapped while the user
   * answered, and the certificate list must come from the token in the
   * slot now. */
  t = module_token(ctl, module, MODULE_RESCAN);
  if (!t) {
    OPENSSL_cleanse(pin, HOST_PIN_MAX);
    ret = kyso_error_set(err, KYSO_ERR_TOKEN_MODULE,
                         "the PKCS#11 module cannot be loaded again");
    goto done;
  }
  ret = sign_with(t, j, cert, cert_len, scheme, pin, sigs, tries, err);
  if ((ret == KYSO_ERR_TOKEN_MODULE || ret == KYSO_ERR_TOKEN_SIGN) &&
      token_gone(ctl, module, cert, cert_len))
    ret = kyso_error_set(err, KYSO_ERR_TOKEN_NOT_FOUND,
                         "the token was removed while signing");

done:
  /* The module stays loaded, the login does not: the next batch asks for
   * the PIN again, and libp11's copy of it is wiped. */
  t = ctl->tokens[module];
  if (t && kyso_token_logout(t, &logout_err) != KYSO_OK)
    host_log("after signing: %s", logout_err.message);
  pthread_mutex_unlock(&ctl->token_lock);
  return ret;
}

static void do_sign(host_ctl *ctl, host_job *j) {
  list_ctx lc;
  kyso_error err;
  kyso_status s;
  size_t i;
  char pin[HOST_PIN_MAX];
  const char *code, *message = "";
  json_t *sigs = NULL;
  kyso_scheme scheme = KYSO_SCHEME_AUTO;
  X509 *x = NULL;
  const uint8_t *p;
  int tries = -1, pin_pad = 0;
  char msg[KYSO_ERROR_MESSAGE_MAX + 32];

  memset(&lc, 0, sizeof(lc));
  memset(pin, 0, sizeof(pin));
  lc.ctl = ctl;
  lc.want = j->cert_id;
  find_cert(ctl, &lc);
  if (!lc.found_der) {
    if (known_id(ctl, j->cert_id))
      send_error(j->peer, j->id, "TOKEN_REMOVED",
                 "the token holding this certificate is no longer there", -1);
    else
      send_error(j->peer, j->id, "CERT_NOT_FOUND",
                 "no token holds a certificate with this id", -1);
    goto done;
  }
  /* No signing oracle: each blob must be SignedAttributes naming this
   * certificate (kyso/cms.h); the digest follows its message-digest. */
  for (i = 0; i < j->doc_count; i++) {
    s = kyso_cms_attrs_check(j->docs[i].attrs, j->docs[i].attrs_len,
                             lc.found_der, lc.found_len, &j->docs[i].digest,
                             &err);
    if (s != KYSO_OK) {
      snprintf(msg, sizeof(msg), "document %zu: %s", i + 1, err.message);
      send_error(j->peer, j->id, "INVALID_ARGUMENT", msg, -1);
      host_log("sign refused for %s: %s", j->peer->origin, msg);
      goto done;
    }
  }
  p = lc.found_der;
  x = d2i_X509(NULL, &p, (long)lc.found_len);
  scheme = x ? kyso_token_auto_scheme(X509_get0_pubkey(x)) : KYSO_SCHEME_AUTO;
  if (scheme == KYSO_SCHEME_AUTO) {
    send_error(j->peer, j->id, "NATIVE_FATAL",
               "the certificate's key type is not supported", -1);
    goto done;
  }
  code = ask_user(ctl, j, lc.found_cn, lc.found_token, pin_pad ? NULL : pin,
                  sizeof(pin), &message);
  if (code) {
    send_error(j->peer, j->id, code, message, -1);
    host_log("sign for %s: %s", j->peer->origin, code);
    goto done;
  }
  sigs = json_array();
  if (!sigs) {
    send_error(j->peer, j->id, "NATIVE_FATAL", "out of memory", -1);
    goto done;
  }
  s = sign_all(ctl, j, lc.found_module, lc.found_der, lc.found_len, scheme, pin,
               sigs, &tries, &err);
  if (s != KYSO_OK) {
    code = token_code(s);
    send_error(j->peer, j->id, code, err.message,
               s == KYSO_ERR_TOKEN_PIN_INCORRECT ? tries : -1);
    host_log("sign for %s: %s (%s)", j->peer->origin, code, err.message);
    goto done;
  }
  host_log("signed %zu document(s) for %s as %s", j->doc_count, j->peer->origin,
           lc.found_cn);
  send_result(j->peer, j->id,
              json_pack("{s:o, s:s, s:s}", "signatures", sigs, "digest",
                        digest_name(j->docs[0].digest), "scheme",
                        scheme == KYSO_SCHEME_ECDSA ? "ECDSA" : "RSA_PKCS1"));
  sigs = NULL;

done:
  OPENSSL_cleanse(pin, sizeof(pin));
  json_decref(sigs);
  X509_free(x);
  free(lc.found_der);
  free(lc.found_token);
  free(lc.found_cn);
}

/* ---- first use of an origin
 * --------------------------------------------------- */

/* 1 when the peer may go on. */
static int ask_origin(host_ctl *ctl, host_job *j) {
  host_prompt *pr = ctl->prompt;
  host_prompt_result r;
  host_dialog d;
  char desc[DIALOG_TEXT_MAX] = "";
  kyso_error err;
  host_origin_state state = HOST_ORIGIN_DENIED;

  text_add(desc, sizeof(desc),
           "Trang %s muốn dùng token ký số của bạn.\n"
           "(The site %s wants to use your signing token.)",
           j->peer->origin, j->peer->origin);
  memset(&d, 0, sizeof(d));
  d.title = "kyso: trang web mới (new site)";
  d.description = desc;
  d.ok = "Luôn cho phép (Always)";
  d.not_ok = "Chỉ lần này (Once)";
  d.cancel = "Từ chối (Deny)";
  r = pr->vtable->begin(pr);
  if (r == HOST_PROMPT_OK)
    r = pr->vtable->confirm(pr, &d);
  pr->vtable->end(pr);
  if (job_cancelled(ctl, j))
    r = HOST_PROMPT_CANCELLED;
  pthread_mutex_lock(&ctl->lock);
  if (r == HOST_PROMPT_OK) {
    state = HOST_ORIGIN_ALLOWED;
    if (host_config_remember_origin(ctl->cfg, j->peer->origin, &err) != KYSO_OK)
      host_log("cannot remember origin: %s", err.message);
  } else if (r == HOST_PROMPT_NOT_CONFIRMED) {
    state = HOST_ORIGIN_ALLOWED; /* this connection only */
  }
  j->peer->state = state;
  pthread_mutex_unlock(&ctl->lock);
  host_log("origin %s: %s", j->peer->origin,
           r == HOST_PROMPT_OK              ? "allowed always"
           : r == HOST_PROMPT_NOT_CONFIRMED ? "allowed once"
                                            : "denied");
  if (state != HOST_ORIGIN_ALLOWED) {
    send_error(j->peer, j->id,
               r == HOST_PROMPT_TIMEOUT ? "USER_TIMEOUT" : "ORIGIN_DENIED",
               "the user did not allow this site", -1);
    return 0;
  }
  return 1;
}

static void *worker_main(void *arg) {
  host_ctl *ctl = arg;
  host_job *j = ctl->job;

  worker_job = j;
  if (!j->origin_prompt || ask_origin(ctl, j)) {
    if (j->kind == JOB_SIGN)
      do_sign(ctl, j);
    else
      do_certificates(j->peer, j->id);
  }
  pthread_mutex_lock(&ctl->lock);
  ctl->job = NULL;
  ctl->busy = 0;
  pthread_mutex_unlock(&ctl->lock);
  worker_job = NULL;
  if (j->reply)
    peer_send_now(j->peer, j->reply);
  j->reply = NULL;
  job_free(j);
  return NULL;
}

/* Starts j on the worker, or answers BUSY. Takes j. */
static void start_job(host_ctl *ctl, host_job *j) {
  int busy;

  pthread_mutex_lock(&ctl->lock);
  busy = ctl->busy;
  if (!busy) {
    if (ctl->worker_started)
      pthread_join(ctl->worker, NULL); /* finished: busy was cleared */
    ctl->busy = 1;
    ctl->job = j;
    ctl->worker_started =
        pthread_create(&ctl->worker, NULL, worker_main, ctl) == 0;
    if (!ctl->worker_started) {
      ctl->busy = 0;
      ctl->job = NULL;
      busy = -1;
    }
  }
  pthread_mutex_unlock(&ctl->lock);
  if (busy) {
    send_error(j->peer, j->id, busy > 0 ? "BUSY" : "NATIVE_FATAL",
               busy > 0 ? "another request is waiting for the user"
                        : "cannot start a worker",
               -1);
    job_free(j);
  }
}

/* ---- requests
 * ------------------------------------------------------------------ */

/* Exactly these keys, no others. */
static int keys_exactly(json_t *o, const char *const *keys, size_t n) {
  size_t i;
  if (!json_is_object(o) || json_object_size(o) != n)
    return 0;
  for (i = 0; i < n; i++)
    if (!json_object_get(o, keys[i]))
      return 0;
  return 1;
}

static int text_ok(const char *s, size_t max, int ascii) {
  size_t n = strlen(s), i;
  if (n == 0 || n > max)
    return 0;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x20 || c == 0x7f || (ascii && c > 0x7e))
      return 0;
  }
  return 1;
}

/* Parses the sign arguments into j; a message on failure. */
static const char *parse_sign(json_t *req, host_job *j) {
  static const char *const doc_keys[] = {"signedAttributes", "name",
                                         "fingerprint"};
  json_t *cert = json_object_get(req, "certificate");
  json_t *docs = json_object_get(req, "documents");
  const char *id;
  size_t i, n;
  json_t *d;

  if (!json_is_string(cert))
    return "certificate: expected the id from `certificates`";
  id = json_string_value(cert);
  if (strlen(id) != CERT_ID_HEX ||
      strspn(id, "0123456789abcdef") != CERT_ID_HEX)
    return "certificate: expected 64 lower-case hex digits";
  strcpy(j->cert_id, id);
  if (!json_is_array(docs) || json_array_size(docs) == 0)
    return "documents: expected a non-empty array";
  n = json_array_size(docs);
  if (n > HOST_BATCH_MAX)
    return "documents: more than 100 in one batch (HOST_BATCH_MAX)";
  j->docs = calloc(n, sizeof(*j->docs));
  if (!j->docs)
    return "out of memory";
  j->doc_count = n;
  for (i = 0; i < n; i++) {
    json_t *attrs, *name, *fp;
    d = json_array_get(docs, i);
    if (!keys_exactly(d, doc_keys, 3))
      return "documents: each needs exactly signedAttributes, name, "
             "fingerprint";
    attrs = json_object_get(d, "signedAttributes");
    name = json_object_get(d, "name");
    fp = json_object_get(d, "fingerprint");
    if (!json_is_string(attrs) || !json_is_string(name) || !json_is_string(fp))
      return "documents: signedAttributes, name and fingerprint are strings";
    if (!text_ok(json_string_value(name), HOST_DOC_NAME_MAX, 0))
      return "documents: name empty, too long or with control characters";
    if (!text_ok(json_string_value(fp), HOST_DOC_FINGERPRINT_MAX, 1))
      return "documents: fingerprint empty, too long or not printable ASCII";
    j->docs[i].attrs =
        b64_decode(json_string_value(attrs), KYSO_LIMIT_SIGNED_ATTRS,
                   &j->docs[i].attrs_len);
    if (!j->docs[i].attrs)
      return "documents: signedAttributes is not base64 or too large";
    j->docs[i].name = strdup(json_string_value(name));
    j->docs[i].fingerprint = strdup(json_string_value(fp));
    if (!j->docs[i].name || !j->docs[i].fingerprint)
      return "out of memory";
  }
  return NULL;
}

/* 1 when ctl->job is p's request target; under ctl->lock. */
static int job_is(host_ctl *ctl, host_peer *p, json_t *target) {
  return ctl->job && ctl->job->peer == p && json_equal(ctl->job->id, target);
}

/* The acknowledgement is sent before the dialog is closed: the client reads
 * it before the cancelled request's USER_CANCELLED, however fast the worker
 * answers once its dialog is gone. */
static void do_cancel(host_peer *p, json_t *id, json_t *target) {
  host_ctl *ctl = p->ctl;
  int hit = 0;

  pthread_mutex_lock(&ctl->lock);
  if (job_is(ctl, p, target) && !ctl->job->cancelled) {
    ctl->job->cancelled = 1;
    hit = 1;
  }
  pthread_mutex_unlock(&ctl->lock);
  send_result(p, id, json_pack("{s:b}", "cancelled", hit));
  if (!hit)
    return;
  pthread_mutex_lock(&ctl->lock);
  if (job_is(ctl, p, target) && ctl->job->cancelled) /* not a later job */
    ctl->prompt->vtable->abort(ctl->prompt);
  pthread_mutex_unlock(&ctl->lock);
}

static int id_ok(json_t *id) {
  if (json_is_integer(id))
    return 1;
  return json_is_string(id) && strlen(json_string_value(id)) <= HOST_ID_MAX;
}

void host_peer_message(host_peer *p, const char *msg, size_t len) {
  static const char *const certs_keys[] = {"id", "cmd"};
  static const char *const sign_keys[] = {"id", "cmd", "certificate",
                                          "documents"};
  static const char *const cancel_keys[] = {"id", "cmd", "request"};
  host_ctl *ctl = p->ctl;
  json_t *req = NULL, *id, *cmdj;
  json_error_t jerr;
  const char *cmd, *why;
  host_job *j = NULL;
  host_origin_state state;

  if (len > HOST_MESSAGE_MAX) {
    send_error(p, NULL, "INVALID_ARGUMENT", "message larger than 64 KiB", -1);
    goto done;
  }
  req = json_loadb(msg, len, JSON_REJECT_DUPLICATES, &jerr);
  if (!req || !json_is_object(req)) {
    send_error(p, NULL, "INVALID_ARGUMENT", "malformed JSON request", -1);
    goto done;
  }
  id = json_object_get(req, "id");
  cmdj = json_object_get(req, "cmd");
  if (!id || !id_ok(id)) {
    send_error(p, NULL, "INVALID_ARGUMENT",
               "id: expected a string (at most 64 bytes) or an integer", -1);
    goto done;
  }
  if (!json_is_string(cmdj)) {
    send_error(p, id, "INVALID_ARGUMENT", "cmd: expected a string", -1);
    goto done;
  }
  cmd = json_string_value(cmdj);
  pthread_mutex_lock(&ctl->lock);
  state = p->state;
  pthread_mutex_unlock(&ctl->lock);
  if (state == HOST_ORIGIN_DENIED) {
    send_error(p, id, "ORIGIN_DENIED", "this origin may not use the host", -1);
    goto done;
  }
  if (strcmp(cmd, "cancel") == 0) {
    if (!keys_exactly(req, cancel_keys, 3) ||
        !id_ok(json_object_get(req, "request"))) {
      send_error(p, id, "INVALID_ARGUMENT",
                 "cancel takes exactly id, cmd, request", -1);
      goto done;
    }
    do_cancel(p, id, json_object_get(req, "request"));
    goto done;
  }
  j = calloc(1, sizeof(*j));
  if (!j) {
    send_error(p, id, "NATIVE_FATAL", "out of memory", -1);
    goto done;
  }
  j->id = json_incref(id);
  if (strcmp(cmd, "certificates") == 0) {
    if (!keys_exactly(req, certs_keys, 2)) {
      send_error(p, id, "INVALID_ARGUMENT",
                 "certificates takes exactly id, cmd", -1);
      goto done;
    }
    j->kind = JOB_CERTIFICATES;
  } else if (strcmp(cmd, "sign") == 0) {
    if (!keys_exactly(req, sign_keys, 4)) {
      send_error(p, id, "INVALID_ARGUMENT",
                 "sign takes exactly id, cmd, certificate, documents", -1);
      goto done;
    }
    j->kind = JOB_SIGN;
    why = parse_sign(req, j);
    if (why) {
      send_error(p, id, "INVALID_ARGUMENT", why, -1);
      goto done;
    }
  } else {
    send_error(p, id, "INVALID_ARGUMENT", "unknown command", -1);
    goto done;
  }
  if (state == HOST_ORIGIN_ALLOWED && j->kind == JOB_CERTIFICATES) {
    do_certificates(p, id);
    goto done;
  }
  j->origin_prompt = state == HOST_ORIGIN_UNKNOWN;
  pthread_mutex_lock(&p->lock);
  p->refs++;
  pthread_mutex_unlock(&p->lock);
  j->peer = p;
  start_job(ctl, j);
  j = NULL;

done:
  job_free(j);
  json_decref(req);
}

/* ---- the controller
 * --------------------------------------------------------------- */

host_ctl *host_ctl_new(host_config *cfg, host_prompt *prompt) {
  host_ctl *ctl = calloc(1, sizeof(*ctl));
  if (!ctl)
    return NULL;
  ctl->cfg = cfg;
  ctl->prompt = prompt;
  pthread_mutex_init(&ctl->lock, NULL);
  pthread_mutex_init(&ctl->token_lock, NULL);
  return ctl;
}

void host_ctl_free(host_ctl *ctl) {
  int m;

  if (!ctl)
    return;
  pthread_mutex_lock(&ctl->lock);
  if (ctl->job) {
    ctl->job->cancelled = 1;
    ctl->prompt->vtable->abort(ctl->prompt);
  }
  pthread_mutex_unlock(&ctl->lock);
  if (ctl->worker_started)
    pthread_join(ctl->worker, NULL);
  for (m = 0; m < HOST_CONFIG_MAX_MODULES; m++)
    kyso_token_close(ctl->tokens[m]);
  pthread_mutex_destroy(&ctl->lock);
  pthread_mutex_destroy(&ctl->token_lock);
  free(ctl);
}
