/*
 * host_controller.c - requests, origins, consent and the token; see
 * host_controller.h and native-host/PROTOCOL.md.
 */
#define _POSIX_C_SOURCE 200809L

#include "host_controller.h"

#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "kyso/cms.h"
#include "kyso/token.h"
#include "kyso/token_lock.h"

#include "host_b64.h"
#include "host_dialog_lock.h"
#include "host_dialog_text.h"
#include "host_json.h"
#include "host_ltv.h"
#include "host_origins.h"

/* PIN dialogs in one signing session: after a wrong PIN the user is asked
 * again, in all this many times, before PIN_INCORRECT is answered. */
#define HOST_PIN_ROUNDS 3
#define CERT_ID_HEX 64 /* SHA-256 of the DER, lower-case hex */
/* `certificates` waiting for the listing thread: in all, and per
 * connection (a native-messaging connection serves every tab). More:
 * BUSY. */
#define HOST_CERTS_QUEUE_MAX 1024
#define HOST_CERTS_PER_PEER 16
/* A connection's "Chỉ lần này" / "Từ chối" answers, one per origin it
 * asked for (native messaging: several); the oldest makes room. */
#define HOST_PEER_DECISIONS_MAX 16
/* The site as dialogs name it: an origin, then " (qua tiện ích kyso)". */
#define HOST_SITE_MAX (HOST_ORIGIN_MAX + 32)
#define VIA_EXTENSION " (qua tiện ích kyso)"
/* The first-use dialog's description: one Assuan line. */
#define ORIGIN_DIALOG_MAX (HOST_DIALOG_DESC_MAX + 1)

typedef struct sign_doc {
  uint8_t *attrs;
  size_t attrs_len;
  char *name;
  char *fingerprint;
  kyso_digest digest;
  /* The message-digest attribute value, copied by kyso_cms_attrs_check:
   * the verification code shown in the dialog is derived from it. */
  uint8_t md[64];
  size_t md_len;
} sign_doc;

/* JOB_LTV: `revocation` / `timestamp` of an unknown origin, handed to the
 * fetch threads (host_ltv.h) once the first-use prompt allows it. */
typedef enum job_kind { JOB_CERTIFICATES, JOB_SIGN, JOB_LTV } job_kind;

typedef struct host_job {
  host_peer *peer; /* holds a reference */
  json_t *id;
  char echo[HOST_ORIGIN_MAX]; /* the request's "origin" as sent, or "" */
  job_kind kind;
  int origin_prompt; /* ask about the origin first (first use) */
  int prompt_taken;  /* the prompt was counted in the quotas at prompt_at */
  int64_t prompt_at;
  /* The origin the request acts for, canonical: the page's when the kyso
   * extension named it (native messaging), else the connection's. */
  char origin[HOST_ORIGIN_MAX];
  int via_extension;
  char site[HOST_SITE_MAX];     /* origin as dialogs name it */
  char domain[HOST_ORIGIN_MAX]; /* its registrable domain, or "" */
  char cert_id[CERT_ID_HEX + 1];
  sign_doc *docs;
  size_t doc_count;
  host_ltv_job *ltv; /* JOB_LTV */
  int cancelled;     /* under ctl->lock */
  int prompting;     /* under ctl->lock: in the first-use prompt */
  int preempted; /* under ctl->lock: that prompt gave way to an allowed site */
  json_t *reply; /* the worker's answer, sent once the worker is free */
} host_job;

/* A `certificates` waiting for the listing thread. */
typedef struct certs_req {
  struct certs_req *next;
  host_peer *peer; /* holds a reference */
  json_t *id;
  char echo[HOST_ORIGIN_MAX]; /* the request's "origin" as sent, or "" */
} certs_req;

/* The job the current thread runs (the worker), so its reply can wait
 * until busy is cleared: a client that sends its next request as soon as
 * it reads the answer must not get BUSY. */
static _Thread_local host_job *worker_job;
/* The `origin` of the request the current thread answers (native
 * messaging), as the extension sent it: every reply echoes it next to the
 * id, since ids are only unique per page and one connection serves every
 * tab. Set for the request being read, the worker's job, each listing. */
static _Thread_local const char *reply_origin;

struct host_ctl {
  host_config *cfg;
  host_prompt *prompt;
  pthread_mutex_t lock;       /* busy, job, next, known ids, origins, certs_* */
  pthread_mutex_t token_lock; /* tokens: one thread in the modules at a time */
  /* One per configured module, loaded on first use and kept across requests
   * (NULL: not loaded, or it failed to load). */
  kyso_token *tokens[HOST_CONFIG_MAX_MODULES];
  int busy;
  int worker_started;
  pthread_t worker;
  host_job *job;
  /* An allowed site's request that closed job's first-use prompt: the
   * worker runs it next. */
  host_job *next;
  char known[HOST_KNOWN_CERTS][CERT_ID_HEX + 1];
  int known_count;
  host_origins *origins; /* remembered, refused, prompt quotas */
  /* `certificates` of allowed origins run on their own thread, off the
   * transports' threads (the token lock can be held for a whole signing
   * batch, a PIN pad login included) and beside a dialog. */
  pthread_cond_t certs_cond;
  certs_req *certs_head, *certs_tail;
  int certs_count;
  int certs_started;
  int certs_stop;
  pthread_t certs_thread;
  host_ltv *ltv; /* `revocation`, `timestamp`: their own threads */
  /* Held while busy: one dialog at a time across kyso-host processes. */
  host_dialog_lock *dialog_lock;
  /* Another kyso-host's allowed site asks this one to close its first-use
   * prompt: the SIGUSR1 self-pipe (host_dialog_lock_signals), read by
   * preempt_thread. */
  int preempt_fd;
  int preempt_started;
  int preempt_stop; /* under lock */
  pthread_t preempt_thread;
};

/* "Chỉ lần này" for one origin on a connection. ("Từ chối" is kept per
 * site for every connection: host_origins_deny.) */
typedef struct peer_decision {
  char origin[HOST_ORIGIN_MAX];
  int64_t until; /* HOST_ONCE_CONNECTION, or allowed before this */
} peer_decision;

struct host_peer {
  host_ctl *ctl;
  pthread_mutex_t lock; /* closed, refs, send */
  int refs;
  int closed;
  host_send_fn send;
  void *arg;
  int native; /* native messaging: requests may name the page's origin */
  char origin[HOST_ORIGIN_MAX]; /* canonical; "" when malformed */
  /* under ctl->lock: */
  peer_decision decisions[HOST_PEER_DECISIONS_MAX];
  int decision_count;
  int decision_next; /* the slot reused when full */
  int full_hello;    /* the versioned hello was sent */
  int certs_pending; /* in the certificates queue */
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

/* A reply to the request id (NULL: not read), key "result" or "error"
 * with value (consumed); on native messaging with the request's "origin"
 * next to the id (reply_origin). NULL when out of memory. */
static json_t *reply_new(json_t *id, const char *key, json_t *value) {
  json_t *msg = json_pack("{s:O?, s:o}", "id", id, key, value);

  if (msg && reply_origin &&
      json_object_set_new(msg, "origin", json_string(reply_origin)) != 0) {
    json_decref(msg);
    msg = NULL;
  }
  return msg;
}

/* Sends the error object err (consumed) as the reply to id. */
static void send_error_object(host_peer *p, json_t *id, json_t *err) {
  json_t *msg = err ? reply_new(id, "error", err) : NULL;

  if (!msg)
    msg = json_pack("{s:n, s:{s:s, s:s}}", "id", "error", "code",
                    "NATIVE_FATAL", "message", "out of memory");
  peer_send(p, msg);
}

static void send_error(host_peer *p, json_t *id, const char *code,
                       const char *message, int retries) {
  json_t *err = json_pack("{s:s, s:s}", "code", code, "message", message);

  if (err && retries >= 0)
    json_object_set_new(err, "retriesLeft", json_integer(retries));
  else if (err && strcmp(code, "PIN_INCORRECT") == 0)
    json_object_set_new(err, "retriesLeft", json_null());
  send_error_object(p, id, err);
}

/* BUSY because of a rate limit: "retryAfter" says in how many seconds the
 * request may succeed. */
static void send_busy(host_peer *p, json_t *id, const char *message,
                      int64_t retry_after) {
  send_error_object(p, id,
                    json_pack("{s:s, s:s, s:I}", "code", "BUSY", "message",
                              message, "retryAfter",
                              (json_int_t)(retry_after > 0 ? retry_after : 1)));
}

static void send_result(host_peer *p, json_t *id, json_t *result) {
  peer_send(p, reply_new(id, "result", result));
}

/* ---- origins ------------------------------------------------------------
 */

/* Seconds of a monotonic clock (the origin store's time). */
static int64_t now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec;
}

/* Where an origin stands for one request, and why. */
typedef enum origin_verdict {
  VERDICT_ALLOWED,
  VERDICT_UNKNOWN,        /* ask the user (first use) */
  VERDICT_DENIED_CONFIG,  /* malformed, "null", deny_origin */
  VERDICT_DENIED_SILENCED /* "Từ chối" lately: not asked again yet */
} origin_verdict;

static peer_decision *peer_decision_find(host_peer *p, const char *origin) {
  int i;
  for (i = 0; i < p->decision_count; i++)
    if (strcmp(p->decisions[i].origin, origin) == 0)
      return &p->decisions[i];
  return NULL;
}

/* Allows origin on this connection until `until` (host_origins_once; not
 * HOST_ONCE_REQUEST); under ctl->lock. */
static void peer_allow_once(host_peer *p, const char *origin, int64_t until) {
  peer_decision *d = peer_decision_find(p, origin);

  if (!d && p->decision_count < HOST_PEER_DECISIONS_MAX) {
    d = &p->decisions[p->decision_count++];
  } else if (!d) {
    d = &p->decisions[p->decision_next];
    p->decision_next = (p->decision_next + 1) % HOST_PEER_DECISIONS_MAX;
  }
  snprintf(d->origin, sizeof(d->origin), "%s", origin);
  d->until = until;
}

/* origin (canonical, "" when malformed) for a request of p (NULL: any
 * connection); under ctl->lock. *silenced_for: seconds left of a
 * refusal's back-off. What the user allowed for this very origin ("Chỉ
 * lần này" still holding, "Luôn cho phép") comes before a refusal, which
 * holds for its whole site: a sibling's refusal does not undo it. */
static origin_verdict verdict_locked(host_ctl *ctl, host_peer *p,
                                     const char *origin, int64_t now,
                                     int64_t *silenced_for) {
  host_origin_state conf = host_config_origin_state(ctl->cfg, origin);
  peer_decision *d;
  int64_t left;

  if (conf == HOST_ORIGIN_DENIED)
    return VERDICT_DENIED_CONFIG;
  if (conf == HOST_ORIGIN_ALLOWED)
    return VERDICT_ALLOWED;
  d = p ? peer_decision_find(p, origin) : NULL;
  if (d && (d->until == HOST_ONCE_CONNECTION || now < d->until))
    return VERDICT_ALLOWED; /* "Chỉ lần này" on this connection */
  /* a native host's "Chỉ lần này" for an https page holds in every native
   * host (the extension opens one per request), not on the websocket */
  if (p && p->native && host_origins_once_holds(ctl->origins, origin, now))
    return VERDICT_ALLOWED;
  if (host_origins_remembered(ctl->origins, origin))
    return VERDICT_ALLOWED;
  left = host_origins_denied_for(ctl->origins, origin, now);
  if (left > 0) {
    if (silenced_for)
      *silenced_for = left;
    return VERDICT_DENIED_SILENCED;
  }
  return VERDICT_UNKNOWN;
}

/* p is the browser extension itself: native messaging, started by the
 * browser for an extension named in the manifest (its origin, not a
 * page's). */
static int peer_is_extension(const host_peer *p) {
  return p->native && (strncmp(p->origin, "chrome-extension://", 19) == 0 ||
                       strncmp(p->origin, "moz-extension://", 16) == 0);
}

host_origin_state host_ctl_origin_state(host_ctl *ctl, const char *origin) {
  char canonical[HOST_ORIGIN_MAX];
  origin_verdict v;

  if (!host_origin_canonical(origin, canonical, sizeof(canonical)))
    return HOST_ORIGIN_DENIED;
  pthread_mutex_lock(&ctl->lock);
  v = verdict_locked(ctl, NULL, canonical, now_s(), NULL);
  pthread_mutex_unlock(&ctl->lock);
  /* A silenced refusal is let in: its requests answer ORIGIN_DENIED and
   * the page can say why. */
  return v == VERDICT_ALLOWED         ? HOST_ORIGIN_ALLOWED
         : v == VERDICT_DENIED_CONFIG ? HOST_ORIGIN_DENIED
                                      : HOST_ORIGIN_UNKNOWN;
}

host_origin_state host_peer_state(host_peer *peer, int *running) {
  host_ctl *ctl = peer->ctl;
  origin_verdict v;
  int fetching = host_ltv_pending(ctl->ltv, peer) > 0;

  pthread_mutex_lock(&ctl->lock);
  /* "always" from another connection counts too */
  v = verdict_locked(ctl, peer, peer->origin, now_s(), NULL);
  *running = (ctl->job && ctl->job->peer == peer) ||
             (ctl->next && ctl->next->peer == peer) ||
             peer->certs_pending > 0 || fetching;
  pthread_mutex_unlock(&ctl->lock);
  return v == VERDICT_ALLOWED   ? HOST_ORIGIN_ALLOWED
         : v == VERDICT_UNKNOWN ? HOST_ORIGIN_UNKNOWN
                                : HOST_ORIGIN_DENIED;
}

/* The versioned hello (contract 4): for an allowed origin only. */
static json_t *hello_full(void) {
  return json_pack("{s:s, s:[s,s,s,s,s,s]}", "version", HOST_PROTOCOL_VERSION,
                   "features", "certificates", "sign", "batch", "cancel",
                   "revocation", "timestamp");
}

/* Sends the versioned hello unless this connection had it; before the
 * reply to the request of an origin just allowed. */
static void send_full_hello(host_peer *p) {
  host_ctl *ctl = p->ctl;
  int sent;

  pthread_mutex_lock(&ctl->lock);
  sent = p->full_hello;
  p->full_hello = 1;
  pthread_mutex_unlock(&ctl->lock);
  if (!sent)
    peer_send(p, hello_full());
}

static host_peer *peer_open(host_ctl *ctl, const char *origin, int native,
                            host_send_fn send, void *arg) {
  host_peer *p = calloc(1, sizeof(*p));
  origin_verdict v;

  if (!p)
    return NULL;
  pthread_mutex_init(&p->lock, NULL);
  p->ctl = ctl;
  p->refs = 1;
  p->send = send;
  p->arg = arg;
  p->native = native;
  host_origin_canonical(origin, p->origin, sizeof(p->origin));
  pthread_mutex_lock(&ctl->lock);
  v = verdict_locked(ctl, p, p->origin, now_s(), NULL);
  /* the extension's own requests need no first-use prompt (below) */
  p->full_hello = v == VERDICT_ALLOWED ||
                  (peer_is_extension(p) && v != VERDICT_DENIED_CONFIG);
  pthread_mutex_unlock(&ctl->lock);
  /* An origin not allowed learns that the host is there, nothing more
   * (no version or features to fingerprint the machine with). */
  peer_send(p,
            p->full_hello ? hello_full() : json_pack("{s:s}", "hello", "kyso"));
  return p;
}

host_peer *host_peer_open(host_ctl *ctl, const char *origin, host_send_fn send,
                          void *arg) {
  return peer_open(ctl, origin, 0, send, arg);
}

host_peer *host_peer_open_native(host_ctl *ctl, const char *origin,
                                 host_send_fn send, void *arg) {
  return peer_open(ctl, origin, 1, send, arg);
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
  host_ltv_owner_gone(ctl->ltv, peer);
  pthread_mutex_lock(&ctl->lock);
  if (ctl->next && ctl->next->peer == peer)
    ctl->next->cancelled = 1;
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
  b64 = host_b64_encode(der, (size_t)n);
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

/* Module m's lock for the other processes (kyso sign, another host; see
 * kyso/token_lock.h), taken inside ctl->token_lock around every use of the
 * module, never across a dialog. */
static kyso_status module_lock(host_ctl *ctl, int m, kyso_token_lock **lock,
                               kyso_error *err) {
  return kyso_token_lock_acquire(ctl->cfg->modules[m],
                                 kyso_token_lock_wait_ms(), lock, err);
}

/* Walks the configured modules under the token lock: every one for a
 * listing, until the certificate is found in find mode. */
static void walk_modules(host_ctl *ctl, list_ctx *lc, module_view view) {
  int m;
  kyso_token *t;
  kyso_token_lock *lock;
  kyso_error err;

  for (m = 0; m < ctl->cfg->module_count && !lc->found_der; m++) {
    lc->module = m;
    pthread_mutex_lock(&ctl->token_lock);
    if (module_lock(ctl, m, &lock, &err) != KYSO_OK) {
      host_log("module skipped: %s", err.message);
    } else {
      t = module_token(ctl, m, view);
      if (t)
        kyso_token_list_certs(t, on_cert, lc, &err);
      kyso_token_lock_release(lock);
    }
    pthread_mutex_unlock(&ctl->token_lock);
  }
}

/* Every certificate of every module, as `certificates` answers; NULL when
 * out of memory. */
static json_t *list_certificates(host_ctl *ctl) {
  list_ctx lc;

  memset(&lc, 0, sizeof(lc));
  lc.ctl = ctl;
  lc.array = json_array();
  if (!lc.array)
    return NULL;
  /* The listing is what the user picks from: it must show a token created
   * since the module was loaded, which SoftHSM2 and many vendor modules
   * only report after C_Initialize (PKCS#11 v2.40 5.5 leaves slot list
   * changes to the module). A reload costs a millisecond or two. */
  walk_modules(ctl, &lc, MODULE_RELOAD);
  return lc.array;
}

static void send_certificates(host_peer *p, json_t *id, json_t *array) {
  if (array)
    send_result(p, id, json_pack("{s:O}", "certificates", array));
  else
    send_error(p, id, "NATIVE_FATAL", "out of memory", -1);
}

static void do_certificates(host_peer *p, json_t *id) {
  json_t *array = list_certificates(p->ctl);
  send_certificates(p, id, array);
  json_decref(array);
}

static int peer_closed(host_peer *p) {
  int closed;
  pthread_mutex_lock(&p->lock);
  closed = p->closed;
  pthread_mutex_unlock(&p->lock);
  return closed;
}

static void certs_req_free(host_ctl *ctl, certs_req *r) {
  pthread_mutex_lock(&ctl->lock);
  r->peer->certs_pending--;
  pthread_mutex_unlock(&ctl->lock);
  peer_unref(r->peer);
  json_decref(r->id);
  free(r);
}

/* The listing thread: takes every waiting `certificates` at once and
 * answers them all from one listing made after each of them arrived (one
 * module walk for many tabs). Replies of one connection keep their order. */
static void *certs_main(void *arg) {
  host_ctl *ctl = arg;
  certs_req *batch, *r, *next;
  json_t *array;
  int live;

  for (;;) {
    pthread_mutex_lock(&ctl->lock);
    while (!ctl->certs_head && !ctl->certs_stop)
      pthread_cond_wait(&ctl->certs_cond, &ctl->lock);
    batch = ctl->certs_head;
    ctl->certs_head = ctl->certs_tail = NULL;
    ctl->certs_count = 0;
    pthread_mutex_unlock(&ctl->lock);
    if (!batch)
      break; /* stopping, nothing left */
    for (live = 0, r = batch; r && !live; r = r->next)
      live = !peer_closed(r->peer);
    array = live ? list_certificates(ctl) : NULL;
    for (r = batch; r; r = next) {
      next = r->next;
      reply_origin = r->echo[0] ? r->echo : NULL;
      if (live)
        send_certificates(r->peer, r->id, array);
      reply_origin = NULL;
      certs_req_free(ctl, r);
    }
    json_decref(array);
  }
  return NULL;
}

/* Queues p's `certificates` for the listing thread (started on first use);
 * BUSY past the queue limits. */
static void queue_certificates(host_peer *p, json_t *id) {
  host_ctl *ctl = p->ctl;
  certs_req *r = calloc(1, sizeof(*r));
  /* A copy: the reference count of a json_t is not for two threads. */
  json_t *id_copy = json_deep_copy(id);
  const char *refused = NULL, *code = "BUSY";

  pthread_mutex_lock(&ctl->lock);
  if (!r || !id_copy) {
    refused = "out of memory";
    code = "NATIVE_FATAL";
  } else if (ctl->certs_count >= HOST_CERTS_QUEUE_MAX ||
             p->certs_pending >= HOST_CERTS_PER_PEER)
    refused = "too many certificate listings waiting";
  else if (!ctl->certs_started &&
           pthread_create(&ctl->certs_thread, NULL, certs_main, ctl) != 0) {
    refused = "cannot start the listing thread";
    code = "NATIVE_FATAL";
  }
  if (!refused) {
    ctl->certs_started = 1;
    r->id = id_copy;
    id_copy = NULL;
    snprintf(r->echo, sizeof(r->echo), "%s", reply_origin ? reply_origin : "");
    r->peer = p;
    pthread_mutex_lock(&p->lock);
    p->refs++;
    pthread_mutex_unlock(&p->lock);
    p->certs_pending++;
    if (ctl->certs_tail)
      ctl->certs_tail->next = r;
    else
      ctl->certs_head = r;
    ctl->certs_tail = r;
    ctl->certs_count++;
    r = NULL;
    pthread_cond_signal(&ctl->certs_cond);
  }
  pthread_mutex_unlock(&ctl->lock);
  free(r);
  json_decref(id_copy);
  if (refused)
    send_error(p, id, code, refused, -1);
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

/* ---- fetching (host_ltv.h) -------------------------------------------------
 */

/* host_ltv_sink: a fetch thread's reply. */
static void ltv_send(void *arg, json_t *id, const char *echo, const char *key,
                     json_t *value) {
  host_peer *p = arg;
  json_t *msg;

  reply_origin = echo[0] ? echo : NULL;
  msg = reply_new(id, key, value);
  if (msg)
    peer_send_now(p, msg);
  else
    send_error(p, id, "NATIVE_FATAL", "out of memory", -1);
  reply_origin = NULL;
}

static void ltv_release(void *arg) {
  peer_unref(arg);
}

/* Hands p's `revocation` / `timestamp` (lj, taken) to the fetch threads,
 * acting for origin; BUSY past their bounds. */
static void ltv_start(host_peer *p, host_ltv_job *lj, json_t *id,
                      const char *origin) {
  host_ltv_sink sink = {p, ltv_send, ltv_release};
  const char *code;
  char msg[160];
  int64_t retry_after = 0;

  pthread_mutex_lock(&p->lock);
  p->refs++; /* the job's, released by the sink */
  pthread_mutex_unlock(&p->lock);
  code = host_ltv_submit(p->ctl->ltv, lj, p, id, reply_origin, origin, &sink,
                         msg, sizeof(msg), &retry_after);
  if (code && retry_after > 0)
    send_busy(p, id, msg, retry_after); /* the origin's rate */
  else if (code)
    send_error(p, id, code, msg, -1);
  if (code)
    peer_unref(p);
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
  host_ltv_job_free(j->ltv);
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

static const char *digest_name(kyso_digest d) {
  switch (d) {
  case KYSO_DIGEST_SHA384: return "SHA-384";
  case KYSO_DIGEST_SHA512: return "SHA-512";
  default: return "SHA-256";
  }
}

/* The site as the dialogs name it. */
static const char *job_site(const host_job *j) {
  return j->site;
}

/* Opens the dialog session and asks for consent. NULL when the user
 * consented (the session stays open for the PIN: the caller ends it), else
 * the error code, with *message. */
static const char *ask_consent(host_ctl *ctl, host_job *j,
                               const host_consent *c, const char **message) {
  host_prompt *pr = ctl->prompt;
  host_prompt_result r;
  char title[HOST_DIALOG_TITLE_MAX + 1];
  char desc[HOST_DIALOG_DESC_MAX + 1];
  size_t listed = 0;
  host_dialog d;

  if (!host_consent_text(c, title, sizeof(title), desc, sizeof(desc),
                         &listed)) {
    *message = "the consent dialog cannot show this request";
    return "INVALID_ARGUMENT";
  }
  if (job_cancelled(ctl, j)) { /* before the dialog: nothing to abort yet */
    *message = "the request was cancelled";
    return "USER_CANCELLED";
  }
  r = pr->vtable->begin(pr);
  if (r != HOST_PROMPT_OK) {
    *message = "the pinentry program cannot be started";
    return "NATIVE_FATAL";
  }
  memset(&d, 0, sizeof(d));
  d.title = title;
  d.description = desc;
  d.ok = "Ký (Sign)";
  d.cancel = "Không ký (Cancel)";
  r = pr->vtable->confirm(pr, &d);
  if (r == HOST_PROMPT_OK && job_cancelled(ctl, j))
    r = HOST_PROMPT_CANCELLED;
  if (r != HOST_PROMPT_OK) {
    *message = "the user did not consent";
    return r == HOST_PROMPT_NOT_CONFIRMED ? "USER_CANCELLED" : prompt_code(r);
  }
  return NULL;
}

static host_pin_warning pin_warning(kyso_token_pin_state s) {
  switch (s) {
  case KYSO_TOKEN_PIN_FINAL_TRY: return HOST_PIN_WARNING_FINAL_TRY;
  case KYSO_TOKEN_PIN_COUNT_LOW: return HOST_PIN_WARNING_COUNT_LOW;
  default: return HOST_PIN_WARNING_NONE;
  }
}

/* One round of the PIN dialog, in the open session: GETPIN into pin; with a
 * PIN pad nothing on the first round (the consent said to use the keypad),
 * and a confirmation to try again on the reader after a wrong PIN. The
 * token's warning, and "Sai mã PIN" after a wrong one, go in SETERROR. */
static host_prompt_result ask_pin(host_ctl *ctl, host_job *j,
                                  const host_consent *c, int round,
                                  kyso_token_pin_state state, char *pin) {
  host_prompt *pr = ctl->prompt;
  host_prompt_result r;
  char desc[HOST_DIALOG_DESC_MAX + 1];
  char error[HOST_DIALOG_DESC_MAX + 1];
  host_dialog d;

  if (c->pin_pad && round == 0)
    return HOST_PROMPT_OK;
  if (!host_pin_text(c, desc, sizeof(desc)))
    return HOST_PROMPT_FAILED;
  host_pin_error_text(round > 0, pin_warning(state), error, sizeof(error));
  memset(&d, 0, sizeof(d));
  d.title = "kyso: mã PIN";
  d.description = desc;
  d.error = error[0] ? error : NULL;
  d.cancel = "Huỷ (Cancel)";
  if (c->pin_pad) {
    d.ok = "Thử lại (Retry)";
    r = pr->vtable->confirm(pr, &d);
  } else {
    d.prompt = "PIN:";
    d.ok = "OK";
    r = pr->vtable->get_pin(pr, &d, pin, HOST_PIN_MAX);
    if (r == HOST_PROMPT_OK && pin[0] == '\0')
      r = HOST_PROMPT_CANCELLED;
  }
  if (r == HOST_PROMPT_OK && job_cancelled(ctl, j))
    r = HOST_PROMPT_CANCELLED;
  if (r != HOST_PROMPT_OK)
    OPENSSL_cleanse(pin, HOST_PIN_MAX);
  return r;
}

static const char *token_code(kyso_status s) {
  switch (s) {
  case KYSO_ERR_TOKEN_PIN_INCORRECT: return "PIN_INCORRECT";
  case KYSO_ERR_TOKEN_PIN_LOCKED: return "PIN_LOCKED";
  case KYSO_ERR_TOKEN_NOT_FOUND:
  case KYSO_ERR_TOKEN_CERT_NOT_FOUND:
  case KYSO_ERR_TOKEN_KEY_NOT_FOUND: return "TOKEN_REMOVED";
  case KYSO_ERR_TOKEN_CANCELLED: return "USER_CANCELLED";
  default: return "NATIVE_FATAL";
  }
}

/* On token t: select the token holding cert, log in, sign every document;
 * results into sigs (base64 strings). A `cancel` is honoured before the
 * login and before each document (KYSO_ERR_TOKEN_CANCELLED; the caller
 * then sends no signature at all). */
static kyso_status sign_with(host_ctl *ctl, kyso_token *t, host_job *j,
                             const uint8_t *cert, size_t cert_len,
                             kyso_scheme scheme, char *pin, json_t *sigs,
                             int *tries, kyso_error *err) {
  kyso_status ret;
  uint8_t *sig = NULL;
  size_t sig_len = 0, i;
  char *b64;

  ret = kyso_token_select_by_cert(t, cert, cert_len, err);
  if (ret != KYSO_OK)
    goto done;
  if (job_cancelled(ctl, j)) {
    ret = kyso_error_set(err, KYSO_ERR_TOKEN_CANCELLED,
                         "the request was cancelled before login");
    goto done;
  }
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
    if (job_cancelled(ctl, j)) {
      ret = kyso_error_set(err, KYSO_ERR_TOKEN_CANCELLED,
                           "the request was cancelled after %zu of %zu "
                           "documents; no signature is returned",
                           i, j->doc_count);
      goto done;
    }
    ret = kyso_token_sign(t, j->docs[i].digest, scheme, j->docs[i].attrs,
                          j->docs[i].attrs_len, &sig, &sig_len, err);
    if (ret != KYSO_OK)
      goto done;
    b64 = host_b64_encode(sig, sig_len);
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
  if (ret != KYSO_OK)
    json_array_clear(sigs); /* never part of a batch */
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

/* What the dialogs need from the token holding cert before the user is
 * asked: a PIN pad (CKF_PROTECTED_AUTHENTICATION_PATH), the PIN's state
 * (COUNT_LOW / FINAL_TRY / LOCKED). The slot list find_cert just read is
 * used as it is. */
static kyso_status token_facts(host_ctl *ctl, int module, const uint8_t *cert,
                               size_t cert_len, int *pin_pad,
                               kyso_token_pin_state *state, kyso_error *err) {
  kyso_token *t;
  kyso_token_lock *lock = NULL;
  kyso_status ret;

  pthread_mutex_lock(&ctl->token_lock);
  ret = module_lock(ctl, module, &lock, err);
  if (ret != KYSO_OK)
    goto done;
  t = ctl->tokens[module];
  if (!t)
    t = module_token(ctl, module, MODULE_RESCAN);
  ret = t ? kyso_token_select_by_cert(t, cert, cert_len, err)
          : kyso_error_set(err, KYSO_ERR_TOKEN_MODULE,
                           "the PKCS#11 module cannot be loaded again");
  if (ret == KYSO_OK) {
    *pin_pad = kyso_token_has_pin_pad(t);
    *state = kyso_token_get_pin_state(t);
  }
done:
  kyso_token_lock_release(lock);
  pthread_mutex_unlock(&ctl->token_lock);
  return ret;
}

/* Login and sign every document on module's token; see sign_with. *state is
 * the token's PIN state after the login (read again after a wrong PIN). */
static kyso_status sign_all(host_ctl *ctl, host_job *j, int module,
                            const uint8_t *cert, size_t cert_len,
                            kyso_scheme scheme, char *pin, json_t *sigs,
                            int *tries, kyso_token_pin_state *state,
                            kyso_error *err) {
  kyso_status ret;
  kyso_token *t;
  kyso_token_lock *lock = NULL;
  kyso_error logout_err;

  pthread_mutex_lock(&ctl->token_lock);
  ret = module_lock(ctl, module, &lock, err);
  if (ret != KYSO_OK) {
    OPENSSL_cleanse(pin, HOST_PIN_MAX);
    goto done;
  }
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
  ret = sign_with(ctl, t, j, cert, cert_len, scheme, pin, sigs, tries, err);
  *state = kyso_token_get_pin_state(t);
  if ((ret == KYSO_ERR_TOKEN_MODULE || ret == KYSO_ERR_TOKEN_SIGN) &&
      token_gone(ctl, module, cert, cert_len))
    ret = kyso_error_set(err, KYSO_ERR_TOKEN_NOT_FOUND,
                         "the token was removed while signing");

done:
  /* The module stays loaded, the login does not: the next batch asks for
   * the PIN again, and libp11's copy of it is wiped. */
  t = ctl->tokens[module];
  if (lock && t && kyso_token_logout(t, &logout_err) != KYSO_OK)
    host_log("after signing: %s", logout_err.message);
  kyso_token_lock_release(lock);
  pthread_mutex_unlock(&ctl->token_lock);
  return ret;
}

/* The PIN (none with a PIN pad) and the token, in rounds within the dialog
 * session ask_consent opened: after a wrong PIN the user is asked again,
 * told so, without a second consent, until HOST_PIN_ROUNDS, a locked
 * token, or the user stops (then the wrong PIN is the answer). The PIN
 * lives in the secure heap (host_harden.h) and is wiped after each login.
 * NULL when sigs holds every signature, else the error code with *message
 * (static, or err's) and *tries. */
static const char *pin_and_sign(host_ctl *ctl, host_job *j, const list_ctx *lc,
                                kyso_scheme scheme, const host_consent *c,
                                kyso_token_pin_state state, json_t *sigs,
                                int *tries, const char **message,
                                kyso_error *err) {
  host_prompt_result r;
  kyso_status s = KYSO_OK;
  const char *code = NULL;
  char *pin = OPENSSL_secure_zalloc(HOST_PIN_MAX);
  int round;

  if (!pin) {
    *message = "out of memory";
    return "NATIVE_FATAL";
  }
  for (round = 0;; round++) {
    r = ask_pin(ctl, j, c, round, state, pin);
    if (r != HOST_PROMPT_OK) {
      if (round > 0 && !job_cancelled(ctl, j) &&
          (r == HOST_PROMPT_CANCELLED || r == HOST_PROMPT_NOT_CONFIRMED)) {
        code = token_code(s); /* stopped after a wrong PIN: say so */
        *message = err->message;
      } else {
        code =
            r == HOST_PROMPT_NOT_CONFIRMED ? "USER_CANCELLED" : prompt_code(r);
        *message = "no PIN was entered";
      }
      break;
    }
    *tries = -1;
    s = sign_all(ctl, j, lc->found_module, lc->found_der, lc->found_len, scheme,
                 pin, sigs, tries, &state, err);
    if (s == KYSO_ERR_TOKEN_PIN_INCORRECT && round + 1 < HOST_PIN_ROUNDS &&
        state != KYSO_TOKEN_PIN_LOCKED) {
      host_log("sign for %s: wrong PIN, asking again", job_site(j));
      continue;
    }
    if (s != KYSO_OK) {
      code = token_code(s);
      *message = err->message;
    }
    break;
  }
  OPENSSL_secure_clear_free(pin, HOST_PIN_MAX);
  return code;
}

/* Contract 3 (PROTOCOL.md): an optional fingerprint must be a prefix of
 * the lower-case hex message-digest (its shape was checked in parse_sign).
 * 1 when absent or matching. */
static int fingerprint_matches(const sign_doc *d) {
  static const char hex[] = "0123456789abcdef";
  size_t i;

  if (!d->fingerprint)
    return 1;
  for (i = 0; d->fingerprint[i]; i++) {
    if (i / 2 >= d->md_len ||
        d->fingerprint[i] !=
            hex[i % 2 ? d->md[i / 2] & 0x0F : d->md[i / 2] >> 4])
      return 0;
  }
  return 1;
}

static void do_sign(host_ctl *ctl, host_job *j) {
  list_ctx lc;
  kyso_error err;
  kyso_status s;
  size_t i;
  const char *code, *message = "";
  json_t *sigs = NULL;
  kyso_scheme scheme = KYSO_SCHEME_AUTO;
  kyso_token_pin_state pin_state = KYSO_TOKEN_PIN_UNKNOWN_OR_OK;
  X509 *x = NULL;
  const uint8_t *p;
  int tries = -1, pin_pad = 0;
  char msg[KYSO_ERROR_MESSAGE_MAX + 32];
  host_consent consent;
  host_consent_doc *shown = NULL;

  memset(&lc, 0, sizeof(lc));
  memset(&consent, 0, sizeof(consent));
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
    kyso_cms_attrs_info info;

    s = kyso_cms_attrs_check(j->docs[i].attrs, j->docs[i].attrs_len,
                             lc.found_der, lc.found_len, &info, &err);
    if (s == KYSO_OK) {
      j->docs[i].digest = info.digest;
      memcpy(j->docs[i].md, info.message_digest, info.message_digest_len);
      j->docs[i].md_len = info.message_digest_len;
    }
    if (s == KYSO_OK && !fingerprint_matches(&j->docs[i]))
      s = kyso_error_set(&err, KYSO_ERR_ARGUMENT,
                         "fingerprint is not a prefix of the hex "
                         "message-digest of these SignedAttributes");
    if (s != KYSO_OK) {
      snprintf(msg, sizeof(msg), "document %zu: %s", i + 1, err.message);
      send_error(j->peer, j->id, "INVALID_ARGUMENT", msg, -1);
      host_log("sign refused for %s: %s", job_site(j), msg);
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
  /* Before the dialog: whether the PIN goes on a PIN pad, whether to warn
   * that the PIN is close to locking. */
  s = token_facts(ctl, lc.found_module, lc.found_der, lc.found_len, &pin_pad,
                  &pin_state, &err);
  if (s == KYSO_OK && pin_state == KYSO_TOKEN_PIN_LOCKED)
    s = kyso_error_set(&err, KYSO_ERR_TOKEN_PIN_LOCKED,
                       "the PIN of this token is locked; unlock it with the "
                       "issuer's tool");
  if (s != KYSO_OK) {
    code = token_code(s);
    send_error(j->peer, j->id, code, err.message, -1);
    host_log("sign for %s: %s (%s)", job_site(j), code, err.message);
    goto done;
  }
  shown = calloc(j->doc_count, sizeof(*shown));
  sigs = json_array();
  if (!shown || !sigs) {
    send_error(j->peer, j->id, "NATIVE_FATAL", "out of memory", -1);
    goto done;
  }
  for (i = 0; i < j->doc_count; i++) {
    shown[i].name = j->docs[i].name;
    shown[i].md = j->docs[i].md;
    shown[i].md_len = j->docs[i].md_len;
  }
  consent.site = job_site(j);
  consent.domain = j->domain;
  consent.signer = lc.found_cn;
  consent.token_label = lc.found_token;
  consent.pin_pad = pin_pad;
  consent.docs = shown;
  consent.doc_count = j->doc_count;
  code = ask_consent(ctl, j, &consent, &message);
  if (!code)
    code = pin_and_sign(ctl, j, &lc, scheme, &consent, pin_state, sigs, &tries,
                        &message, &err);
  ctl->prompt->vtable->end(ctl->prompt); /* also after a failed begin */
  if (code) {
    send_error(j->peer, j->id, code, message,
               strcmp(code, "PIN_INCORRECT") == 0 ? tries : -1);
    host_log("sign for %s: %s (%s)", job_site(j), code, message);
    goto done;
  }
  host_log("signed %zu document(s) for %s as %s", j->doc_count, job_site(j),
           lc.found_cn);
  send_result(j->peer, j->id,
              json_pack("{s:o, s:s, s:s}", "signatures", sigs, "digest",
                        digest_name(j->docs[0].digest), "scheme",
                        scheme == KYSO_SCHEME_ECDSA ? "ECDSA" : "RSA_PKCS1"));
  sigs = NULL;

done:
  free(shown);
  json_decref(sigs);
  X509_free(x);
  free(lc.found_der);
  free(lc.found_token);
  free(lc.found_cn);
}

/* ---- first use of an origin
 * --------------------------------------------------- */

/* The first-use dialog's text for j's origin; may_remember: whether
 * "Luôn cho phép" is offered. First the registrable domain of a web
 * origin, which a long name cannot push out of view
 * (https://dichvucong.gov.vn.<padding>.evil.test is evil.test's), then the
 * site (canonical: printable ASCII, at most HOST_SITE_MAX bytes) in full.
 * Every part is the host's (no '%', at most one of each): the longest
 * origin still fits one Assuan line; 0 (nothing shown) if it did not. */
static int origin_dialog_text(const host_job *j, int may_remember, char *desc,
                              size_t cap) {
  int insecure = host_origin_is_http(j->origin) && !may_remember;
  char line[HOST_ORIGIN_MAX + 64] = "";
  int n;

  if (j->domain[0])
    snprintf(line, sizeof(line), "Trang web thuộc tên miền «%s»\n", j->domain);
  n = snprintf(
      desc, cap,
      "%sTrang %s muốn dùng token ký số của bạn.%s\n"
      "(This site wants to use your signing token.%s)",
      line, j->site,
      insecure ? "\nCẢNH BÁO: kết nối không an toàn (http://, không mã hoá): "
                 "bất kỳ ai trên đường truyền đều có thể giả trang này. Chỉ "
                 "cho phép lần này nếu bạn chắc chắn."
               : "",
      insecure ? " Warning: insecure connection (http://): anyone on the "
                 "network path can pose as this site."
               : "");
  return n > 0 && (size_t)n < cap &&
         host_assuan_len(desc) <= HOST_DIALOG_DESC_MAX;
}

/* The first-use prompt for j->origin: "Luôn cho phép" (remembered; not
 * offered for plain http), "Chỉ lần này" (host_origins_once: this
 * connection; over native messaging a few minutes, or for an http page
 * this request only), "Từ chối" (ORIGIN_DENIED for that origin, no prompt,
 * during a back-off that grows with each refusal); a prompt shown and not
 * answered in time is refused alike (an unknown page must not hold the
 * dialog again and again for free). A page that cancels its own prompt,
 * or closes its connection meanwhile, after the user was shown it has
 * refused itself: the same back-off, kept as the page's own refusal
 * (host_origins_deny_page: it never makes the user's refusals give way).
 * A prompt the user never saw refuses nothing and is given back to the
 * quotas. An allowed site's request may close it meanwhile (start_job, or
 * another kyso-host through SIGUSR1: preempt_main): j then answers BUSY,
 * its prompt given back, no one refused. 1 when j may go on. */
static int ask_origin(host_ctl *ctl, host_job *j) {
  host_prompt *pr = ctl->prompt;
  host_prompt_result r = HOST_PROMPT_CANCELLED;
  host_dialog d;
  char desc[ORIGIN_DIALOG_MAX];
  kyso_error err;
  int may_remember, preempted, cancelled, allowed = 0, always = 0, shown = 0;
  int64_t once, opened_at;
  const char *outcome;

  pthread_mutex_lock(&ctl->lock);
  may_remember = host_origins_may_remember(ctl->origins, j->origin);
  pthread_mutex_unlock(&ctl->lock);
  memset(&d, 0, sizeof(d));
  d.title = "kyso: trang web mới (new site)";
  d.description = desc;
  d.shown = &shown;
  if (may_remember) {
    d.ok = "Luôn cho phép (Always)";
    d.not_ok = "Chỉ lần này (Once)";
  } else {
    d.ok = "Chỉ lần này (Once)";
  }
  d.cancel = "Từ chối (Deny)";
  /* A cancel or preemption before begin() finds no dialog to abort: look
   * before and after it (no pinentry is started for a cancelled job). */
  if (!job_cancelled(ctl, j))
    r = origin_dialog_text(j, may_remember, desc, sizeof(desc))
            ? pr->vtable->begin(pr)
            : HOST_PROMPT_FAILED;
  opened_at = now_s();
  if (r == HOST_PROMPT_OK && job_cancelled(ctl, j))
    r = HOST_PROMPT_CANCELLED;
  else if (r == HOST_PROMPT_OK)
    r = pr->vtable->confirm(pr, &d);
  pr->vtable->end(pr);

  pthread_mutex_lock(&ctl->lock);
  j->prompting = 0;
  preempted = j->preempted;
  cancelled = j->cancelled && !preempted;
  if (j->prompt_taken && (!shown || preempted))
    /* the user never saw it, or it gave way to an allowed site */
    host_origins_prompt_give_back(ctl->origins, j->origin, j->prompt_at);
  else if (j->prompt_taken && cancelled &&
           now_s() - opened_at < HOST_PROMPT_FLASH_S)
    /* closed by the page before the user could answer: its own site
     * pays, not every other site */
    host_origins_prompt_site_only(ctl->origins, j->origin, j->prompt_at);
  once = host_origins_once(j->origin, j->peer->native, now_s());
  if (r == HOST_PROMPT_OK && may_remember && !cancelled) {
    allowed = always = 1;
    if (host_origins_remember(ctl->origins, j->origin, &err) != KYSO_OK) {
      host_log("cannot remember %s: %s", j->origin, err.message);
      if (once != HOST_ONCE_REQUEST)
        peer_allow_once(j->peer, j->origin, once);
      if (once > 0)
        host_origins_once_grant(ctl->origins, j->origin, once, now_s());
    }
  } else if ((r == HOST_PROMPT_OK || r == HOST_PROMPT_NOT_CONFIRMED) &&
             !cancelled) {
    allowed = 1; /* "Chỉ lần này": this request, and as long as once says */
    if (once != HOST_ONCE_REQUEST)
      peer_allow_once(j->peer, j->origin, once);
    if (once > 0) /* native https: every native host, until once */
      host_origins_once_grant(ctl->origins, j->origin, once, now_s());
  } else if (!shown || preempted) {
    /* never shown, or closed for an allowed site: no one refused */
  } else if (cancelled) {
    /* the page cancelled its own prompt (cancel, closed connection) after
     * it was shown: it refused itself, and may not ask again at once (else
     * it could cancel prompts in a loop), but as the page's own refusal,
     * which never pushes out the user's (host_origins_deny_page) */
    host_origins_deny_page(ctl->origins, j->origin, now_s());
  } else if (r == HOST_PROMPT_CANCELLED || r == HOST_PROMPT_TIMEOUT) {
    /* "Từ chối", the dialog closed, or not answered in time: the user's
     * refusal, for this origin only (host_origins.h), for a while */
    host_origins_deny(ctl->origins, j->origin, now_s());
  }
  pthread_mutex_unlock(&ctl->lock);

  outcome = always      ? "allowed always"
            : allowed   ? "allowed once"
            : preempted ? "prompt closed for an allowed site"
            : cancelled ? "prompt cancelled by the page"
            : r == HOST_PROMPT_TIMEOUT && shown ? "not answered (refused)"
            : r == HOST_PROMPT_TIMEOUT          ? "not answered"
            : r == HOST_PROMPT_FAILED           ? "prompt failed"
                                                : "denied";
  host_log("origin %s: %s%s", j->site, outcome,
           shown ? "" : " (no dialog shown)");
  if (preempted) { /* even if the user allowed it meanwhile */
    send_error(j->peer, j->id, "BUSY",
               "the prompt was closed for a request of an allowed site; ask "
               "again",
               -1);
    return 0;
  }
  if (allowed) {
    send_full_hello(j->peer); /* before this request's reply */
    return 1;
  }
  if (cancelled)
    send_error(j->peer, j->id, "USER_CANCELLED", "the request was cancelled",
               -1);
  else if (r == HOST_PROMPT_TIMEOUT)
    send_error(j->peer, j->id, "USER_TIMEOUT",
               "the user did not answer about this site", -1);
  else if (r == HOST_PROMPT_FAILED)
    send_error(j->peer, j->id, "NATIVE_FATAL",
               "the pinentry program cannot be started", -1);
  else
    send_error(j->peer, j->id, "ORIGIN_DENIED",
               "the user did not allow this site", -1);
  return 0;
}

/* The worker: runs ctl->job, then the request that preempted its prompt
 * if any, until there is none. */
static void *worker_main(void *arg) {
  host_ctl *ctl = arg;
  host_job *j, *next;

  pthread_mutex_lock(&ctl->lock);
  j = ctl->job;
  pthread_mutex_unlock(&ctl->lock);
  while (j) {
    worker_job = j;
    reply_origin = j->echo[0] ? j->echo : NULL;
    /* the lock's record: a first-use prompt, which another process's
     * allowed site may ask to close, or not */
    host_dialog_lock_mark(ctl->dialog_lock, j->origin_prompt);
    if (!j->origin_prompt || ask_origin(ctl, j)) {
      host_dialog_lock_mark(ctl->dialog_lock, 0);
      if (j->kind == JOB_SIGN) {
        do_sign(ctl, j);
      } else if (j->kind == JOB_LTV) {
        if (j->reply) /* the full hello, before the fetch's reply */
          peer_send_now(j->peer, j->reply);
        j->reply = NULL;
        ltv_start(j->peer, j->ltv, j->id, j->origin);
        j->ltv = NULL;
      } else {
        do_certificates(j->peer, j->id);
      }
    }
    pthread_mutex_lock(&ctl->lock);
    next = ctl->next;
    ctl->next = NULL;
    ctl->job = next;
    ctl->busy = next != NULL;
    if (!ctl->busy) /* before the reply: the client's next request may come
                       from another process */
      host_dialog_lock_release(ctl->dialog_lock);
    pthread_mutex_unlock(&ctl->lock);
    worker_job = NULL;
    reply_origin = NULL;
    if (j->reply)
      peer_send_now(j->peer, j->reply);
    j->reply = NULL;
    job_free(j);
    j = next;
  }
  return NULL;
}

/* A first-use prompt for j may open (under ctl->lock): its origin is still
 * unknown and within the prompt quotas (then counted, at j->prompt_at).
 * Else the error to answer, with message in msg: BUSY with *retry_after
 * for a quota (the user refused nothing), ORIGIN_DENIED for a refusal
 * made meanwhile. j->origin_prompt is cleared when the origin has become
 * allowed meanwhile. */
static const char *prompt_may_open(host_ctl *ctl, host_job *j, char *msg,
                                   size_t cap, int64_t *retry_after) {
  int64_t now = now_s(), wait = 0;
  host_prompt_quota q;

  switch (verdict_locked(ctl, j->peer, j->origin, now, &wait)) {
  case VERDICT_ALLOWED: j->origin_prompt = 0; return NULL;
  case VERDICT_UNKNOWN: break;
  default:
    snprintf(msg, cap, "this site may not use the host");
    return "ORIGIN_DENIED";
  }
  q = host_origins_prompt_take(ctl->origins, j->origin, now, &wait);
  if (q == HOST_PROMPT_QUOTA_OK) {
    j->prompt_taken = 1;
    j->prompt_at = now;
    return NULL;
  }
  *retry_after = wait;
  snprintf(msg, cap, "too many first-use dialogs %s; try again in %lld s",
           q == HOST_PROMPT_QUOTA_SITE ? "for this site" : "for all sites",
           (long long)wait);
  host_log("origin %s: prompt refused, %s", j->site, msg);
  return "BUSY";
}

/* Starts j on the worker; takes j. One dialog at a time: while another
 * request is on the worker j answers BUSY, except that an allowed site's
 * request closes a first-use prompt and runs next (an unknown site must
 * not hold up signing for a known one). So does j while another kyso-host
 * process runs such a job (host_dialog_lock.h), except that an allowed
 * site's request asks a process showing a first-use prompt to close it and
 * waits for the lock (host_dialog_lock_preempt; ctl->lock is kept, up to
 * 3 s). A lock that cannot be used refuses j (fail closed). */
static void start_job(host_ctl *ctl, host_job *j) {
  const char *code = NULL;
  char msg[160] = "";
  int64_t retry_after = 0;
  host_job *running;
  int locked = 0, taken = 0;

  pthread_mutex_lock(&ctl->lock);
  running = ctl->job;
  if (ctl->busy) {
    if (!j->origin_prompt && running && running->prompting &&
        !running->cancelled && !ctl->next) {
      running->preempted = 1;
      running->cancelled = 1;
      ctl->next = j;
      j = NULL;
      ctl->prompt->vtable->abort(ctl->prompt);
    } else {
      code = "BUSY";
      snprintf(msg, sizeof(msg), "another request is waiting for the user");
    }
  } else if ((taken = host_dialog_lock_try(ctl->dialog_lock,
                                           j->origin_prompt)) == 0 &&
             !j->origin_prompt) {
    taken = host_dialog_lock_preempt(ctl->dialog_lock);
  }
  if (code || !j) {
    /* answered above, or j runs next */
  } else if (taken < 0) {
    code = "NATIVE_FATAL"; /* logged by the lock */
    snprintf(msg, sizeof(msg), "cannot take the dialog lock");
  } else if (taken == 0) {
    code = "BUSY"; /* another kyso-host process's dialog */
    snprintf(msg, sizeof(msg), "another request is waiting for the user");
  } else {
    locked = 1;
    if (j->origin_prompt)
      code = prompt_may_open(ctl, j, msg, sizeof(msg), &retry_after);
  }
  if (j && !code) {
    if (ctl->worker_started)
      pthread_join(ctl->worker, NULL); /* finished: busy was cleared */
    ctl->busy = 1;
    ctl->job = j;
    j->prompting = j->origin_prompt;
    ctl->worker_started =
        pthread_create(&ctl->worker, NULL, worker_main, ctl) == 0;
    if (!ctl->worker_started) {
      ctl->busy = 0;
      ctl->job = NULL;
      if (j->prompt_taken)
        host_origins_prompt_give_back(ctl->origins, j->origin, j->prompt_at);
      code = "NATIVE_FATAL";
      snprintf(msg, sizeof(msg), "cannot start a worker");
    }
  }
  if (locked && code)
    host_dialog_lock_release(ctl->dialog_lock);
  pthread_mutex_unlock(&ctl->lock);
  if (j && code && retry_after > 0)
    send_busy(j->peer, j->id, msg, retry_after);
  else if (j && code)
    send_error(j->peer, j->id, code, msg, -1);
  if (j && code)
    job_free(j);
}

/* ---- requests
 * ------------------------------------------------------------------ */

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
    size_t fp_len;
    d = json_array_get(docs, i);
    fp = json_object_get(d, "fingerprint"); /* optional (contract 3) */
    if (!host_json_keys_exactly(d, doc_keys, fp ? 3 : 2))
      return "documents: each needs exactly signedAttributes, name and "
             "optionally fingerprint";
    attrs = json_object_get(d, "signedAttributes");
    name = json_object_get(d, "name");
    if (!json_is_string(attrs) || !json_is_string(name) ||
        (fp && !json_is_string(fp)))
      return "documents: signedAttributes, name and fingerprint are strings";
    if (!text_ok(json_string_value(name), HOST_DOC_NAME_MAX, 0))
      return "documents: name empty, too long or with control characters";
    /* Its match with the message-digest is checked once the attributes are
     * (do_sign). */
    fp_len = fp ? strlen(json_string_value(fp)) : 0;
    if (fp && (fp_len < HOST_DOC_FINGERPRINT_MIN ||
               fp_len > HOST_DOC_FINGERPRINT_MAX ||
               strspn(json_string_value(fp), "0123456789abcdef") != fp_len))
      return "documents: fingerprint must be 8 to 128 lower-case hex digits "
             "(a prefix of the message-digest)";
    j->docs[i].attrs =
        host_b64_decode(json_string_value(attrs), KYSO_LIMIT_SIGNED_ATTRS,
                        &j->docs[i].attrs_len);
    if (!j->docs[i].attrs)
      return "documents: signedAttributes is not base64 or too large";
    j->docs[i].name = strdup(json_string_value(name));
    j->docs[i].fingerprint = fp ? strdup(json_string_value(fp)) : NULL;
    if (!j->docs[i].name || (fp && !j->docs[i].fingerprint))
      return "out of memory";
  }
  return NULL;
}

/* The job of ctl (running or next) that is p's request target for origin;
 * under ctl->lock. */
static host_job *job_target(host_ctl *ctl, host_peer *p, const char *origin,
                            json_t *target) {
  host_job *jobs[2] = {ctl->job, ctl->next};
  int i;

  for (i = 0; i < 2; i++)
    if (jobs[i] && jobs[i]->peer == p && strcmp(jobs[i]->origin, origin) == 0 &&
        json_equal(jobs[i]->id, target))
      return jobs[i];
  return NULL;
}

/* The acknowledgement is sent before the dialog is closed: the client reads
 * it before the cancelled request's USER_CANCELLED, however fast the worker
 * answers once its dialog is gone. Only the origin that made the request
 * may cancel it (one native-messaging connection serves several). */
static void do_cancel(host_peer *p, const char *origin, json_t *id,
                      json_t *target) {
  host_ctl *ctl = p->ctl;
  host_job *t;
  int hit = 0, fetch = 0;
  char echo[HOST_ORIGIN_MAX];
  const char *asked = reply_origin;

  pthread_mutex_lock(&ctl->lock);
  t = job_target(ctl, p, origin, target);
  if (t && !t->cancelled) {
    t->cancelled = 1;
    hit = 1;
  }
  pthread_mutex_unlock(&ctl->lock);
  if (!hit) /* a `revocation` / `timestamp` waiting or fetching */
    fetch = host_ltv_cancel(ctl->ltv, p, origin, target, echo);
  send_result(p, id, json_pack("{s:b}", "cancelled", hit || fetch));
  if (fetch) { /* its answer, now: the fetch's is dropped */
    reply_origin = echo[0] ? echo : NULL;
    send_error(p, target, "USER_CANCELLED", "the request was cancelled", -1);
    reply_origin = asked;
  }
  if (!hit)
    return;
  pthread_mutex_lock(&ctl->lock);
  t = job_target(ctl, p, origin, target);
  if (t && t == ctl->job && t->cancelled) /* not a later job */
    ctl->prompt->vtable->abort(ctl->prompt);
  pthread_mutex_unlock(&ctl->lock);
}

static int id_ok(json_t *id) {
  if (json_is_integer(id))
    return 1;
  return json_is_string(id) && strlen(json_string_value(id)) <= HOST_ID_MAX;
}

static void origin_visit(void *arg, const char *origin, host_origin_state state,
                         host_origin_source source, int64_t denied_for) {
  json_t *o =
      json_pack("{s:s, s:s, s:s}", "origin", origin, "state",
                state == HOST_ORIGIN_ALLOWED ? "allowed" : "denied", "source",
                source == HOST_ORIGIN_FROM_CONFIG ? "config" : "user");

  if (o && denied_for > 0)
    json_object_set_new(o, "retryAfter", json_integer(denied_for));
  if (o)
    json_array_append_new(arg, o);
}

/* `origins` and `forget-origin`: the extension's popup lists and revokes
 * what the user decided (host.conf stays as written). */
static void do_origins(host_peer *p, json_t *req, json_t *id, int forget) {
  static const char *const list_keys[] = {"id", "cmd"};
  static const char *const forget_keys[] = {"id", "cmd", "site"};
  host_ctl *ctl = p->ctl;
  char site[HOST_ORIGIN_MAX];
  json_t *list;
  kyso_error err;
  kyso_status s;
  int found = 0, in_config;

  if (!forget) {
    if (!host_json_keys_exactly(req, list_keys, 2)) {
      send_error(p, id, "INVALID_ARGUMENT", "origins takes exactly id, cmd",
                 -1);
      return;
    }
    list = json_array();
    if (list) {
      pthread_mutex_lock(&ctl->lock);
      host_origins_each(ctl->origins, now_s(), origin_visit, list);
      pthread_mutex_unlock(&ctl->lock);
    }
    if (list)
      send_result(p, id, json_pack("{s:o}", "origins", list));
    else
      send_error(p, id, "NATIVE_FATAL", "out of memory", -1);
    return;
  }
  if (!host_json_keys_exactly(req, forget_keys, 3) ||
      !json_is_string(json_object_get(req, "site")) ||
      !host_origin_canonical(json_string_value(json_object_get(req, "site")),
                             site, sizeof(site))) {
    send_error(p, id, "INVALID_ARGUMENT",
               "forget-origin takes exactly id, cmd, site (an origin)", -1);
    return;
  }
  pthread_mutex_lock(&ctl->lock);
  in_config = host_config_origin_state(ctl->cfg, site) != HOST_ORIGIN_UNKNOWN;
  s = host_origins_forget(ctl->origins, site, &found, &err);
  pthread_mutex_unlock(&ctl->lock);
  if (s != KYSO_OK) {
    send_error(p, id, "NATIVE_FATAL", err.message, -1);
    return;
  }
  host_log("origin %s: %s", site, found ? "forgotten" : "nothing to forget");
  send_result(
      p, id,
      json_pack("{s:b, s:b}", "forgotten", found, "inConfig", in_config));
}

/* The origin a request acts for, canonical, into origin: the page's when
 * the kyso extension names it ("origin", native messaging only: the
 * extension takes it from the sender's URL, never from the page), removed
 * from req; else the connection's. NULL, or the error code with *why. */
static const char *request_origin(host_peer *p, json_t *req, char *origin,
                                  int *via_extension, const char **why) {
  json_t *o = json_object_get(req, "origin");

  *via_extension = 0;
  if (!o) {
    snprintf(origin, HOST_ORIGIN_MAX, "%s", p->origin);
    return NULL;
  }
  if (!p->native) {
    *why = "origin: only the kyso extension names an origin (native "
           "messaging); the websocket's is the Origin header";
    return "INVALID_ARGUMENT";
  }
  if (!json_is_string(o)) {
    *why = "origin: expected a string";
    return "INVALID_ARGUMENT";
  }
  if (!host_origin_canonical(json_string_value(o), origin, HOST_ORIGIN_MAX) ||
      !host_origin_is_web(origin)) {
    *why = "origin: not an http(s) origin";
    return "ORIGIN_DENIED";
  }
  json_object_del(req, "origin");
  *via_extension = 1;
  return NULL;
}

void host_peer_message(host_peer *p, const char *msg, size_t len) {
  static const char *const certs_keys[] = {"id", "cmd"};
  static const char *const sign_keys[] = {"id", "cmd", "certificate",
                                          "documents"};
  static const char *const cancel_keys[] = {"id", "cmd", "request"};
  host_ctl *ctl = p->ctl;
  json_t *req = NULL, *id, *cmdj;
  json_error_t jerr;
  const char *cmd, *why = NULL, *code;
  host_job *j = NULL;
  json_t *echo = NULL;
  char origin[HOST_ORIGIN_MAX], denied[160];
  int via_extension = 0, manage, self;
  int64_t silenced = 0;
  origin_verdict v;

  if (len > HOST_MESSAGE_MAX) {
    send_error(p, NULL, "INVALID_ARGUMENT", "message larger than 64 KiB", -1);
    goto done;
  }
  req = json_loadb(msg, len, JSON_REJECT_DUPLICATES, &jerr);
  if (!req || !json_is_object(req)) {
    send_error(p, NULL, "INVALID_ARGUMENT", "malformed JSON request", -1);
    goto done;
  }
  /* Native messaging: every reply to a request naming its page echoes
   * that name (request_origin removes it from req: keep a reference). */
  echo = p->native ? json_object_get(req, "origin") : NULL;
  if (json_is_string(echo)) {
    json_incref(echo);
    reply_origin = json_string_value(echo);
  } else {
    echo = NULL;
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
  code = request_origin(p, req, origin, &via_extension, &why);
  if (code) {
    send_error(p, id, code, why, -1);
    goto done;
  }
  manage = strcmp(cmd, "origins") == 0 || strcmp(cmd, "forget-origin") == 0;
  if (manage && (!p->native || via_extension)) {
    send_error(p, id, "ORIGIN_DENIED",
               "origins are managed by the kyso extension or kyso-host "
               "--origins, not by pages",
               -1);
    goto done;
  }
  /* No page origin over the extension's own connection: the extension
   * acts for itself (its popup, its verifier). The browser vouches for it:
   * certificates, origins, revocation without a first-use prompt. It never
   * signs or timestamps for itself: a signature is always for a page the
   * user sees named in the dialogs. */
  self = !via_extension && peer_is_extension(p);
  if (self && (strcmp(cmd, "sign") == 0 || strcmp(cmd, "timestamp") == 0)) {
    send_error(p, id, "ORIGIN_DENIED",
               "the kyso extension signs and timestamps only for a page "
               "(origin), never for itself",
               -1);
    goto done;
  }
  pthread_mutex_lock(&ctl->lock);
  v = verdict_locked(ctl, p, origin, now_s(), &silenced);
  pthread_mutex_unlock(&ctl->lock);
  if (self && v != VERDICT_DENIED_CONFIG)
    v = VERDICT_ALLOWED;
  if (v == VERDICT_DENIED_CONFIG ||
      (!manage && v != VERDICT_ALLOWED && v != VERDICT_UNKNOWN)) {
    if (v == VERDICT_DENIED_SILENCED)
      snprintf(denied, sizeof(denied),
               "this site was refused lately (by the user, or it cancelled "
               "its own first-use dialog); not asked again for %lld s",
               (long long)silenced);
    else
      snprintf(denied, sizeof(denied), "this origin may not use the host");
    send_error(p, id, "ORIGIN_DENIED", denied, -1);
    goto done;
  }
  if (manage) {
    do_origins(p, req, id, cmd[0] == 'f');
    goto done;
  }
  if (strcmp(cmd, "cancel") == 0) {
    if (!host_json_keys_exactly(req, cancel_keys, 3) ||
        !id_ok(json_object_get(req, "request"))) {
      send_error(p, id, "INVALID_ARGUMENT",
                 "cancel takes exactly id, cmd, request", -1);
      goto done;
    }
    do_cancel(p, origin, id, json_object_get(req, "request"));
    goto done;
  }
  j = calloc(1, sizeof(*j));
  if (!j) {
    send_error(p, id, "NATIVE_FATAL", "out of memory", -1);
    goto done;
  }
  j->id = json_deep_copy(id); /* the worker's: not shared with req */
  if (!j->id) {
    send_error(p, id, "NATIVE_FATAL", "out of memory", -1);
    goto done;
  }
  snprintf(j->origin, sizeof(j->origin), "%s", origin);
  snprintf(j->echo, sizeof(j->echo), "%s", reply_origin ? reply_origin : "");
  j->via_extension = via_extension;
  snprintf(j->site, sizeof(j->site), "%s%s", origin,
           via_extension ? VIA_EXTENSION : "");
  host_origin_domain(host_origins_psl(ctl->origins), origin, j->domain,
                     sizeof(j->domain));
  if (strcmp(cmd, "certificates") == 0) {
    if (!host_json_keys_exactly(req, certs_keys, 2)) {
      send_error(p, id, "INVALID_ARGUMENT",
                 "certificates takes exactly id, cmd", -1);
      goto done;
    }
    j->kind = JOB_CERTIFICATES;
  } else if (strcmp(cmd, "sign") == 0) {
    if (!host_json_keys_exactly(req, sign_keys, 4)) {
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
  } else if (host_ltv_is_command(cmd)) {
    code = host_ltv_job_parse(cmd, req, &j->ltv, &why);
    if (code) {
      send_error(p, id, code, why, -1);
      goto done;
    }
    j->kind = JOB_LTV;
  } else {
    send_error(p, id, "INVALID_ARGUMENT", "unknown command", -1);
    goto done;
  }
  if (v == VERDICT_ALLOWED)
    send_full_hello(p); /* "always" from another connection, say */
  if (v == VERDICT_ALLOWED && j->kind == JOB_LTV) {
    ltv_start(p, j->ltv, id, origin); /* no dialog: off this thread */
    j->ltv = NULL;
    goto done;
  }
  if (v == VERDICT_ALLOWED && j->kind == JOB_CERTIFICATES) {
    queue_certificates(p, id);
    goto done;
  }
  j->origin_prompt = v == VERDICT_UNKNOWN;
  pthread_mutex_lock(&p->lock);
  p->refs++;
  pthread_mutex_unlock(&p->lock);
  j->peer = p;
  start_job(ctl, j);
  j = NULL;

done:
  job_free(j);
  reply_origin = NULL;
  json_decref(echo);
  json_decref(req);
}

/* ---- the controller
 * --------------------------------------------------------------- */

/* Reads the SIGUSR1 self-pipe: another kyso-host's allowed site asks this
 * process to close its first-use prompt (host_dialog_lock.h). Done only
 * when the running job is in one (j->prompting), as start_job does for an
 * allowed site of this process: j answers BUSY, its prompt given back. */
static void *preempt_main(void *arg) {
  host_ctl *ctl = arg;
  struct pollfd pfd;
  char buf[64];
  host_job *j;
  int stop = 0, n;

  pfd.fd = ctl->preempt_fd;
  pfd.events = POLLIN;
  while (!stop) {
    n = poll(&pfd, 1, 1000); /* host_ctl_free wakes it to stop */
    if (n > 0) {
      while (read(ctl->preempt_fd, buf, sizeof(buf)) > 0)
        ;
    }
    pthread_mutex_lock(&ctl->lock);
    stop = ctl->preempt_stop;
    j = ctl->job;
    if (n > 0 && !stop && ctl->busy && j && j->prompting && !j->cancelled) {
      j->preempted = 1;
      j->cancelled = 1;
      ctl->prompt->vtable->abort(ctl->prompt);
      host_log("origin %s: first-use prompt closed for another kyso-host's "
               "allowed site",
               j->site);
    } else if (n > 0 && !stop) {
      host_log("SIGUSR1 ignored: no first-use prompt open");
    }
    pthread_mutex_unlock(&ctl->lock);
  }
  return NULL;
}

host_ctl *host_ctl_new(host_config *cfg, host_prompt *prompt) {
  host_ctl *ctl = calloc(1, sizeof(*ctl));
  if (!ctl)
    return NULL;
  ctl->cfg = cfg;
  ctl->prompt = prompt;
  ctl->origins = host_origins_new(cfg, host_log);
  ctl->ltv = ctl->origins ? host_ltv_new(cfg) : NULL;
  /* the SIGUSR1 handler before anything can take the lock */
  ctl->preempt_fd = cfg->state_dir ? host_dialog_lock_signals() : -1;
  if (cfg->state_dir && ctl->preempt_fd < 0)
    host_log("no SIGUSR1 handler: other kyso-host processes cannot close "
             "this one's first-use prompt");
  ctl->dialog_lock = ctl->ltv ? host_dialog_lock_new(cfg->state_dir) : NULL;
  if (!ctl->dialog_lock) {
    host_ltv_free(ctl->ltv);
    host_origins_free(ctl->origins);
    free(ctl);
    return NULL;
  }
  pthread_mutex_init(&ctl->lock, NULL);
  pthread_mutex_init(&ctl->token_lock, NULL);
  pthread_cond_init(&ctl->certs_cond, NULL);
  if (ctl->preempt_fd >= 0)
    ctl->preempt_started =
        pthread_create(&ctl->preempt_thread, NULL, preempt_main, ctl) == 0;
  return ctl;
}

void host_ctl_free(host_ctl *ctl) {
  int m;
  certs_req *r, *next;

  if (!ctl)
    return;
  pthread_mutex_lock(&ctl->lock);
  if (ctl->next)
    ctl->next->cancelled = 1;
  if (ctl->job) {
    ctl->job->cancelled = 1;
    ctl->prompt->vtable->abort(ctl->prompt);
  }
  ctl->certs_stop = 1;
  ctl->preempt_stop = 1;
  pthread_cond_signal(&ctl->certs_cond);
  pthread_mutex_unlock(&ctl->lock);
  if (ctl->preempt_started) {
    host_dialog_lock_signals_wake();
    pthread_join(ctl->preempt_thread, NULL);
  }
  if (ctl->worker_started)
    pthread_join(ctl->worker, NULL);
  if (ctl->certs_started)
    pthread_join(ctl->certs_thread, NULL); /* answers what was queued */
  host_ltv_free(ctl->ltv); /* after the worker, which may hand it a job */
  for (r = ctl->certs_head; r; r = next) { /* none: the thread drained it */
    next = r->next;
    certs_req_free(ctl, r);
  }
  for (m = 0; m < HOST_CONFIG_MAX_MODULES; m++) {
    kyso_token_lock *lock = NULL;
    kyso_error err;
    /* Unloading is a use of the module too; after the bound, unload
     * anyway: the host is going away. */
    if (ctl->tokens[m] && module_lock(ctl, m, &lock, &err) != KYSO_OK)
      host_log("closing a module without its lock: %s", err.message);
    kyso_token_close(ctl->tokens[m]);
    kyso_token_lock_release(lock);
  }
  host_origins_free(ctl->origins);
  host_dialog_lock_free(ctl->dialog_lock);
  pthread_cond_destroy(&ctl->certs_cond);
  pthread_mutex_destroy(&ctl->lock);
  pthread_mutex_destroy(&ctl->token_lock);
  free(ctl);
}
