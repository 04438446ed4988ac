/*
 * host_ltv.c - `revocation` and `timestamp` on fetch threads; see
 * host_ltv.h and native-host/PROTOCOL.md.
 */
#define _GNU_SOURCE /* pthread_timedjoin_np */

#include "host_ltv.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "kyso/fetch.h"
#include "kyso/ltv.h"

#include "host_b64.h"
#include "host_controller.h"
#include "host_json.h"
#include "host_origin.h"
#include "trust_load.h"

/* What a reply may spend on data (base64), leaving room for the id, the
 * echoed origin and HOST_LTV_CERTS_MAX error entries (a URL of at most
 * KYSO_LIMIT_LTV_URL_LENGTH and a message each, escaped): a reply stays
 * within HOST_REPLY_MAX on both transports. */
#define HOST_LTV_REPLY_DATA (HOST_REPLY_MAX - 128 * 1024)
/* Seconds host_ltv_free waits for fetches under way (each polls its
 * cancel flag about once a second, kyso_fetch_config.cancelled). */
#define HOST_LTV_STOP_WAIT_S 5
/* Origins whose request rate is remembered (a minute each). */
#define HOST_LTV_RATE_ORIGINS 64
#define HOST_LTV_RATE_WINDOW_S 60

typedef enum ltv_kind { LTV_REVOCATION, LTV_TIMESTAMP } ltv_kind;

struct host_ltv_job {
  host_ltv_job *next;
  ltv_kind kind;
  /* revocation */
  kyso_blob certs[HOST_LTV_CERTS_MAX]; /* data malloc'd */
  size_t cert_count;
  /* timestamp */
  kyso_digest algorithm;
  uint8_t digest[64];
  size_t digest_len;
  /* set by host_ltv_submit */
  const void *owner;
  json_t *id;
  char echo[HOST_ORIGIN_MAX];
  char origin[HOST_ORIGIN_MAX];
  host_ltv_sink sink;
  int has_sink;
  host_ltv *ltv;
  int cancelled; /* under ltv->lock: send nothing, abort the fetch */
};

/* Requests accepted from one origin in the current window. */
typedef struct rate_slot {
  char origin[HOST_ORIGIN_MAX];
  int64_t start; /* CLOCK_MONOTONIC seconds; 0: free */
  int count;
} rate_slot;

struct host_ltv {
  pthread_mutex_t lock; /* the queue, the running list, the counts */
  pthread_cond_t cond;
  host_ltv_job *head, *tail; /* waiting */
  host_ltv_job *running[HOST_LTV_THREADS];
  int total;   /* waiting and running */
  int waiting; /* in the queue */
  int idle;    /* threads waiting for a job */
  int stop;
  pthread_t threads[HOST_LTV_THREADS];
  int thread_count;
  kyso_fetch_config fetch; /* read-only once made */
  int rate;                /* per origin per HOST_LTV_RATE_WINDOW_S */
  rate_slot rates[HOST_LTV_RATE_ORIGINS]; /* under lock */
  /* The anchors, loaded at the first request (anchors_lock). */
  pthread_mutex_t anchors_lock;
  int anchors_loaded;
  char anchors_error[KYSO_ERROR_MESSAGE_MAX];
  char *anchor_files[HOST_CONFIG_MAX_ANCHORS];
  int anchor_file_count;
  int no_bundled; /* host_config.no_bundled_anchors */
  kyso_trust_set trust;
  X509_STORE *store;             /* the anchors */
  STACK_OF(X509) *intermediates; /* the bundled sub-CAs */
};

/* ---- parsing ------------------------------------------------------------ */

int host_ltv_is_command(const char *cmd) {
  return strcmp(cmd, "revocation") == 0 || strcmp(cmd, "timestamp") == 0;
}

void host_ltv_job_free(host_ltv_job *job) {
  size_t i;
  if (!job)
    return;
  for (i = 0; i < job->cert_count; i++)
    free((void *)job->certs[i].data);
  json_decref(job->id);
  if (job->has_sink && job->sink.release)
    job->sink.release(job->sink.arg);
  free(job);
}

/* One DER certificate, nothing after it. */
static int cert_decodes(const uint8_t *der, size_t len) {
  const unsigned char *p = der;
  X509 *x = len <= 0x7fffffff ? d2i_X509(NULL, &p, (long)len) : NULL;
  int ok = x && p == der + len;

  X509_free(x);
  ERR_clear_error();
  return ok;
}

static const char *parse_revocation(json_t *req, host_ltv_job *j) {
  static const char *const keys[] = {"id", "cmd", "certificates"};
  json_t *certs = json_object_get(req, "certificates");
  size_t i, n;

  if (!host_json_keys_exactly(req, keys, 3))
    return "revocation takes exactly id, cmd, certificates";
  if (!json_is_array(certs) || json_array_size(certs) == 0)
    return "certificates: expected a non-empty array";
  n = json_array_size(certs);
  if (n > HOST_LTV_CERTS_MAX)
    return "certificates: more than 16 (HOST_LTV_CERTS_MAX)";
  for (i = 0; i < n; i++) {
    json_t *c = json_array_get(certs, i);
    uint8_t *der;
    size_t len = 0;

    if (!json_is_string(c))
      return "certificates: expected base64 strings";
    der = host_b64_decode(json_string_value(c), KYSO_LIMIT_LTV_CERT_SIZE, &len);
    if (!der)
      return "certificates: not base64, or larger than 256 KiB";
    j->certs[j->cert_count].data = der;
    j->certs[j->cert_count].len = len;
    j->cert_count++;
    if (!cert_decodes(der, len))
      return "certificates: not one DER X.509 certificate";
  }
  return NULL;
}

static const char *parse_timestamp(json_t *req, host_ltv_job *j) {
  static const char *const keys[] = {"id", "cmd", "digestAlgorithm", "digest"};
  json_t *alg = json_object_get(req, "digestAlgorithm");
  json_t *digest = json_object_get(req, "digest");
  const char *a;
  size_t want, len = 0;
  uint8_t *d;

  if (!host_json_keys_exactly(req, keys, 4))
    return "timestamp takes exactly id, cmd, digestAlgorithm, digest";
  a = json_is_string(alg) ? json_string_value(alg) : "";
  if (strcmp(a, "SHA-256") == 0) {
    j->algorithm = KYSO_DIGEST_SHA256;
    want = 32;
  } else if (strcmp(a, "SHA-384") == 0) {
    j->algorithm = KYSO_DIGEST_SHA384;
    want = 48;
  } else if (strcmp(a, "SHA-512") == 0) {
    j->algorithm = KYSO_DIGEST_SHA512;
    want = 64;
  } else {
    return "digestAlgorithm: expected SHA-256, SHA-384 or SHA-512";
  }
  d = json_is_string(digest)
          ? host_b64_decode(json_string_value(digest), 64, &len)
          : NULL;
  if (!d || len != want) {
    free(d);
    return "digest: expected base64 of a digest of digestAlgorithm's size";
  }
  memcpy(j->digest, d, len);
  j->digest_len = len;
  free(d);
  return NULL;
}

const char *host_ltv_job_parse(const char *cmd, json_t *req, host_ltv_job **out,
                               const char **why) {
  host_ltv_job *j = calloc(1, sizeof(*j));

  *out = NULL;
  if (!j) {
    *why = "out of memory";
    return "NATIVE_FATAL";
  }
  if (strcmp(cmd, "revocation") == 0) {
    j->kind = LTV_REVOCATION;
    *why = parse_revocation(req, j);
  } else {
    j->kind = LTV_TIMESTAMP;
    *why = parse_timestamp(req, j);
  }
  if (*why) {
    host_ltv_job_free(j);
    return "INVALID_ARGUMENT";
  }
  *out = j;
  return NULL;
}

/* ---- anchors ------------------------------------------------------------ */

static int push_x509(STACK_OF(X509) *sk, X509_STORE *store, kyso_blob b) {
  const unsigned char *p = b.data;
  X509 *x = d2i_X509(NULL, &p, (long)b.len);
  int ok;

  if (!x)
    return 0;
  ok = store ? X509_STORE_add_cert(store, x) == 1 : sk_X509_push(sk, x) > 0;
  if (store || !ok)
    X509_free(x);
  return ok;
}

/* The bundled roots (the CLI's directory) and the trust_anchor files,
 * once; under anchors_lock. */
static void anchors_load(host_ltv *ltv) {
  kyso_error err;
  const char *dir = ltv->no_bundled ? NULL : kyso_trust_default_dir();
  size_t i;
  int f;

  ltv->anchors_loaded = 1;
  if (dir && kyso_trust_load(&ltv->trust, dir, &err) != KYSO_OK)
    host_log("bundled trust anchors: %s", err.message);
  else if (!dir && !ltv->no_bundled)
    host_log("no bundled trust anchors installed");
  for (f = 0; f < ltv->anchor_file_count; f++)
    if (kyso_trust_load(&ltv->trust, ltv->anchor_files[f], &err) != KYSO_OK) {
      snprintf(ltv->anchors_error, sizeof(ltv->anchors_error),
               "trust_anchor: %.200s", err.message);
      host_log("%s", ltv->anchors_error);
      return;
    }
  ltv->store = X509_STORE_new();
  ltv->intermediates = sk_X509_new_null();
  if (!ltv->store || !ltv->intermediates) {
    snprintf(ltv->anchors_error, sizeof(ltv->anchors_error), "out of memory");
    return;
  }
  for (i = 0; i < ltv->trust.anchor_count; i++)
    if (!push_x509(NULL, ltv->store, ltv->trust.anchors[i]))
      host_log("a trust anchor does not load");
  for (i = 0; i < ltv->trust.intermediate_count; i++)
    if (!push_x509(ltv->intermediates, NULL, ltv->trust.intermediates[i]))
      host_log("a bundled intermediate does not load");
  ERR_clear_error();
  host_log("fetching: %zu trust anchor(s), %zu intermediate(s)",
           ltv->trust.anchor_count, ltv->trust.intermediate_count);
}

/* NULL when the anchors are ready, else why not. */
static const char *anchors_ready(host_ltv *ltv) {
  const char *why;
  pthread_mutex_lock(&ltv->anchors_lock);
  if (!ltv->anchors_loaded)
    anchors_load(ltv);
  why = ltv->anchors_error[0] ? ltv->anchors_error : NULL;
  pthread_mutex_unlock(&ltv->anchors_lock);
  return why;
}

/* ---- revocation --------------------------------------------------------- */

/* The fetch library's log lines, with the origin asked for. */
static void fetch_log(void *ctx, const char *line) {
  const host_ltv_job *j = ctx;
  host_log("fetch for %s: %s", j->origin, line);
}

/* What a page is told about a failed fetch: a fixed phrase per status,
 * never the fetch library's text (libcurl's messages name the proxy, the
 * addresses resolved, timings: the host log has them). */
static const char *fetch_phrase(kyso_status s) {
  switch (s) {
  case KYSO_ERR_LTV_URL:
    return "the URL was refused (scheme, address or redirect)";
  case KYSO_ERR_LTV_FETCH:
    return "no usable answer from the server (connection, timeout, HTTP "
           "status, or no URL)";
  case KYSO_ERR_LTV_RESPONSE:
    return "the answer is malformed or not a granted answer";
  case KYSO_ERR_LTV_SIGNATURE:
    return "the answer's signature or signer is not valid";
  case KYSO_ERR_LTV_NONCE:
    return "the answer does not match the request (nonce)";
  case KYSO_ERR_LTV_STALE: return "the answer is not current";
  case KYSO_ERR_LTV_SCOPE:
    return "the answer is about another certificate or digest";
  case KYSO_ERR_LIMIT:
    return "over a limit (the answer's size, or too many CRLs)";
  default: return "the fetch failed";
  }
}

/* The error object of a failed fetch request: FETCH_FAILED, its reason and
 * fixed phrase; "the deadline passed" when it did (the only detail
 * given). */
static json_t *fetch_error(kyso_status s, const kyso_error *err,
                           long deadline) {
  char msg[96];

  if (s == KYSO_ERR_LTV_FETCH && strncmp(err->message, "deadline", 8) == 0)
    snprintf(msg, sizeof(msg), "the request's deadline of %ld s passed",
             deadline);
  else
    snprintf(msg, sizeof(msg), "%s", fetch_phrase(s));
  return json_pack("{s:s, s:s, s:s}", "code", "FETCH_FAILED", "message", msg,
                   "reason", kyso_status_name(s));
}

static json_t *error_entry(size_t index, const char *url, const char *code,
                           const char *reason, const char *message) {
  json_t *e =
      json_pack("{s:I, s:s?, s:s, s:s}", "certificate", (json_int_t)index,
                "url", url, "code", code, "message", message ? message : "");
  if (e && !url)
    json_object_set_new(e, "url", json_null());
  if (e && reason)
    json_object_set_new(e, "reason", json_string(reason));
  return e;
}

static char *der_of(X509 *x, size_t *len) {
  unsigned char *der = NULL;
  int n = i2d_X509(x, &der);
  if (n <= 0)
    return NULL;
  *len = (size_t)n;
  return (char *)der;
}

static int blob_in(const kyso_blob *list, size_t n, const uint8_t *der,
                   size_t len) {
  size_t i;
  for (i = 0; i < n; i++)
    if (list[i].len == len && memcmp(list[i].data, der, len) == 0)
      return 1;
  return 0;
}

/* The first URL of a kind in cert (OCSP or CRL), or NULL; into buf. */
static const char *first_url(kyso_blob cert, int crl, char *buf, size_t cap) {
  kyso_ltv_urls *u = NULL;
  kyso_error err;
  const kyso_ltv_url_list *l;
  const char *ret = NULL;

  if (kyso_ltv_urls_new(cert, &u, &err) != KYSO_OK)
    return NULL;
  l = crl ? &u->crl : &u->ocsp;
  if (l->count > 0) {
    snprintf(buf, cap, "%s", l->url[0]);
    ret = buf;
  }
  kyso_ltv_urls_free(u);
  return ret;
}

/* Appends b (base64) to array when it fits the budget; 1 when it did. */
static int add_within(json_t *array, const uint8_t *p, size_t n, size_t *used) {
  size_t cost = host_b64_length(n) + 4;
  char *b64;
  int ok;

  if (*used + cost > HOST_LTV_REPLY_DATA)
    return 0;
  b64 = host_b64_encode(p, n);
  ok = b64 && json_array_append_new(array, json_string(b64)) == 0;
  free(b64);
  if (ok)
    *used += cost;
  return ok;
}

/* Which requested certificate each fetched one is, and its issuer. */
typedef struct rev_plan {
  kyso_blob certs[HOST_LTV_CERTS_MAX];   /* borrowed from the job */
  kyso_blob issuers[HOST_LTV_CERTS_MAX]; /* owned (OPENSSL_free) */
  size_t index[HOST_LTV_CERTS_MAX];      /* into the request */
  size_t count;
  kyso_blob extra[HOST_LTV_CERTS_MAX * KYSO_LIMIT_CHAIN]; /* owned */
  size_t extra_count;
} rev_plan;

/* Chains cert i of j at now; on success adds it to plan (unless it is an
 * anchor) with its issuer, and the chain's CAs the request lacks to
 * plan->extra. NULL, or why it does not chain (an error entry). */
static const char *chain_one(host_ltv *ltv, host_ltv_job *j, size_t i,
                             STACK_OF(X509) *untrusted, X509 *x, int64_t now,
                             rev_plan *plan) {
  X509_STORE_CTX *ctx = X509_STORE_CTX_new();
  STACK_OF(X509) *chain;
  const char *why = NULL;
  int k, n;

  if (!ctx || !X509_STORE_CTX_init(ctx, ltv->store, x, untrusted)) {
    why = "out of memory";
    goto done;
  }
  X509_STORE_CTX_set_time(ctx, 0, (time_t)now);
  /* path building over at most 16 + the bundled certificates, bounded */
  X509_STORE_CTX_set_depth(ctx, KYSO_LIMIT_CHAIN);
  if (X509_verify_cert(ctx) != 1) {
    why = X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
    goto done;
  }
  chain = X509_STORE_CTX_get0_chain(ctx);
  n = sk_X509_num(chain);
  if (n < 2)
    goto done; /* a trust anchor: nothing to fetch */
  plan->certs[plan->count] = j->certs[i];
  plan->index[plan->count] = i;
  plan->issuers[plan->count].data = (uint8_t *)der_of(
      sk_X509_value(chain, 1), &plan->issuers[plan->count].len);
  if (!plan->issuers[plan->count].data) {
    why = "cannot encode the issuer";
    goto done;
  }
  plan->count++;
  for (k = 1; k < n && k <= KYSO_LIMIT_CHAIN; k++) {
    size_t len = 0;
    uint8_t *der = (uint8_t *)der_of(sk_X509_value(chain, k), &len);

    if (!der)
      continue;
    if (plan->extra_count >= sizeof(plan->extra) / sizeof(*plan->extra) ||
        blob_in(j->certs, j->cert_count, der, len) ||
        blob_in(plan->extra, plan->extra_count, der, len)) {
      OPENSSL_free(der);
      continue;
    }
    plan->extra[plan->extra_count].data = der;
    plan->extra[plan->extra_count].len = len;
    plan->extra_count++;
  }

done:
  X509_STORE_CTX_free(ctx);
  ERR_clear_error();
  return why;
}

static json_t *run_revocation(host_ltv *ltv, host_ltv_job *j,
                              const kyso_fetch_config *fc, const char **code,
                              const char **message, json_t **error) {
  rev_plan *plan = calloc(1, sizeof(*plan));
  STACK_OF(X509) *untrusted = sk_X509_new_null();
  X509 *xs[HOST_LTV_CERTS_MAX] = {0};
  kyso_fetch_revocation *r = NULL;
  json_t *ocsp = json_array(), *crls = json_array(), *certs = json_array();
  json_t *errors = json_array(), *result = NULL;
  int left_ocsp[HOST_LTV_CERTS_MAX] = {0}, left_crl[HOST_LTV_CERTS_MAX] = {0};
  int64_t now = (int64_t)time(NULL);
  size_t i, used = 0, untrusted_count = 0;
  kyso_error err;
  kyso_status s;
  char url[KYSO_LIMIT_LTV_URL_LENGTH + 1];
  const char *why;

  *code = "NATIVE_FATAL";
  *message = "out of memory";
  if (!plan || !untrusted || !ocsp || !crls || !certs || !errors)
    goto done;
  for (i = 0; i < j->cert_count; i++) {
    const unsigned char *p = j->certs[i].data;
    xs[i] = d2i_X509(NULL, &p, (long)j->certs[i].len);
    if (!xs[i] || !sk_X509_push(untrusted, xs[i]) || !X509_up_ref(xs[i]))
      goto done;
  }
  for (i = 0; i < (size_t)sk_X509_num(ltv->intermediates); i++) {
    X509 *x = sk_X509_value(ltv->intermediates, (int)i);
    if (!X509_up_ref(x))
      goto done;
    if (!sk_X509_push(untrusted, x)) {
      X509_free(x);
      goto done;
    }
  }
  for (i = 0; i < j->cert_count; i++) {
    if (blob_in(j->certs, i, j->certs[i].data, j->certs[i].len))
      continue; /* the same certificate twice: asked once */
    why = chain_one(ltv, j, i, untrusted, xs[i], now, plan);
    if (why) {
      untrusted_count++;
      host_log("revocation for %s: certificate %zu not fetched for: it "
               "does not chain to the trust anchors (%s)",
               j->origin, i, why);
      if (json_array_append_new(
              errors, error_entry(i, NULL, "UNTRUSTED", NULL, why)) != 0)
        goto done;
    }
  }
  if (plan->count > 0) {
    s = kyso_fetch_revocation_new(fc, plan->certs, plan->issuers, plan->count,
                                  now, &r, &err);
    if (s != KYSO_OK) {
      host_log("revocation for %s: %s (%s)", j->origin, kyso_status_name(s),
               err.message);
      *error = fetch_error(s, &err, fc->deadline_seconds);
      goto done;
    }
  }
  /* OCSP first (small, and what verifiers prefer), then the issuers, then
   * CRLs: what does not fit HOST_LTV_REPLY_DATA is left out, said so per
   * certificate. */
  for (i = 0; r && i < r->ocsp_count && i < HOST_LTV_CERTS_MAX; i++)
    left_ocsp[i] = !add_within(ocsp, r->ocsps[i].data, r->ocsps[i].len, &used);
  for (i = 0; i < plan->extra_count; i++)
    add_within(certs, plan->extra[i].data, plan->extra[i].len, &used);
  for (i = 0; r && i < r->count; i++)
    if (r->status[i].issuer_der &&
        !blob_in(j->certs, j->cert_count, r->status[i].issuer_der,
                 r->status[i].issuer_len) &&
        !blob_in(plan->extra, plan->extra_count, r->status[i].issuer_der,
                 r->status[i].issuer_len))
      add_within(certs, r->status[i].issuer_der, r->status[i].issuer_len,
                 &used);
  for (i = 0; r && i < r->crl_count && i < HOST_LTV_CERTS_MAX; i++)
    left_crl[i] = !add_within(crls, r->crls[i].data, r->crls[i].len, &used);
  for (i = 0; r && i < r->count && i < plan->count; i++) {
    const kyso_fetch_status *st = &r->status[i];
    size_t at = plan->index[i];
    json_t *e = NULL;

    if (st->kind == KYSO_FETCH_NONE) {
      host_log("revocation for %s: certificate %zu: %s %s: %s", j->origin, at,
               kyso_status_name(st->error), st->error_url, st->error_message);
      e = error_entry(at, st->error_url[0] ? st->error_url : NULL,
                      "FETCH_FAILED", kyso_status_name(st->error),
                      fetch_phrase(st->error));
    } else if ((st->kind == KYSO_FETCH_OCSP && st->data_index < r->ocsp_count &&
                st->data_index < HOST_LTV_CERTS_MAX &&
                left_ocsp[st->data_index]) ||
               (st->kind == KYSO_FETCH_CRL && st->data_index < r->crl_count &&
                st->data_index < HOST_LTV_CERTS_MAX &&
                left_crl[st->data_index]))
      e = error_entry(at,
                      first_url(plan->certs[i], st->kind == KYSO_FETCH_CRL, url,
                                sizeof(url)),
                      "LIMIT", NULL,
                      "fetched, but left out to keep the reply within 1 MiB");
    else
      continue;
    if (json_array_append_new(errors, e) != 0)
      goto done;
  }
  host_log("revocation for %s: %zu certificate(s), %zu untrusted: %zu OCSP, "
           "%zu CRL, %zu issuer(s), %zu error(s)",
           j->origin, j->cert_count, untrusted_count, json_array_size(ocsp),
           json_array_size(crls), json_array_size(certs),
           json_array_size(errors));
  result = json_pack("{s:O, s:O, s:O, s:O}", "ocsp", ocsp, "crls", crls,
                     "certificates", certs, "errors", errors);

done:
  json_decref(ocsp);
  json_decref(crls);
  json_decref(certs);
  json_decref(errors);
  kyso_fetch_revocation_free(r);
  for (i = 0; plan && i < plan->count; i++)
    OPENSSL_free((void *)plan->issuers[i].data);
  for (i = 0; plan && i < plan->extra_count; i++)
    OPENSSL_free((void *)plan->extra[i].data);
  free(plan);
  for (i = 0; i < HOST_LTV_CERTS_MAX; i++)
    X509_free(xs[i]);
  sk_X509_pop_free(untrusted, X509_free);
  ERR_clear_error();
  return result;
}

/* ---- timestamp ---------------------------------------------------------- */

static json_t *run_timestamp(host_ltv *ltv, host_ltv_job *j,
                             const kyso_fetch_config *fc, json_t **error) {
  uint8_t *token = NULL;
  size_t token_len = 0;
  int64_t gen_time = 0;
  kyso_error err;
  kyso_status s;
  json_t *result = NULL;
  char *b64 = NULL, when[32] = "";
  time_t t;
  struct tm tm;

  s = kyso_fetch_timestamp(fc, NULL, j->algorithm, j->digest, j->digest_len,
                           ltv->trust.anchors, ltv->trust.anchor_count,
                           ltv->trust.intermediates,
                           ltv->trust.intermediate_count, (int64_t)time(NULL),
                           &token, &token_len, &gen_time, &err);
  if (s != KYSO_OK) {
    host_log("timestamp for %s: %s (%s)", j->origin, kyso_status_name(s),
             err.message);
    *error = fetch_error(s, &err, fc->deadline_seconds);
    goto done;
  }
  t = (time_t)gen_time;
  if (gmtime_r(&t, &tm))
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
  b64 = host_b64_encode(token, token_len);
  if (b64)
    result = json_pack("{s:s, s:s}", "timeStampResponse", b64, "genTime", when);
  host_log("timestamp for %s: %zu-byte token, genTime %s", j->origin, token_len,
           when);

done:
  free(b64);
  free(token);
  return result;
}

/* ---- threads ------------------------------------------------------------ */

/* kyso_fetch_config.cancelled, polled by the fetch thread running j. */
static int job_cancelled(void *ctx) {
  host_ltv_job *j = ctx;
  int c;

  pthread_mutex_lock(&j->ltv->lock);
  c = j->cancelled;
  pthread_mutex_unlock(&j->ltv->lock);
  return c;
}

/* The reply to j: "result" or "error" in *key. */
static json_t *run_job(host_ltv *ltv, host_ltv_job *j, const char **key) {
  kyso_fetch_config fc = ltv->fetch; /* a copy logging for this job */
  const char *code = "NATIVE_FATAL", *message = "out of memory", *why;
  json_t *value = NULL, *error = NULL;

  fc.log = fetch_log;
  fc.log_ctx = j;
  fc.cancelled = job_cancelled; /* cancel, close, shutdown: abort */
  fc.cancel_ctx = j;
  why = anchors_ready(ltv);
  if (why) {
    /* the details (a file name) are in the host log */
    message = "the host's trust anchors cannot be loaded";
  } else if (j->kind == LTV_REVOCATION) {
    value = run_revocation(ltv, j, &fc, &code, &message, &error);
  } else {
    value = run_timestamp(ltv, j, &fc, &error);
  }
  *key = "result";
  if (value)
    return value;
  *key = "error";
  if (error)
    return error;
  return json_pack("{s:s, s:s}", "code", code, "message", message);
}

/* Running jobs of origin: cancelled ones count until their thread is
 * done with them (the fetch aborts within about a second). Under lock. */
static int origin_running_locked(host_ltv *ltv, const char *origin) {
  int i, n = 0;
  for (i = 0; i < HOST_LTV_THREADS; i++)
    n += ltv->running[i] && strcmp(ltv->running[i]->origin, origin) == 0;
  return n;
}

/* The first waiting job whose origin runs fewer than
 * HOST_LTV_RUN_PER_ORIGIN, unlinked from the queue; NULL when none. Under
 * lock. */
static host_ltv_job *pick_locked(host_ltv *ltv) {
  host_ltv_job **pp, *j, *prev = NULL;

  for (pp = &ltv->head; *pp; prev = *pp, pp = &(*pp)->next) {
    j = *pp;
    if (origin_running_locked(ltv, j->origin) >= HOST_LTV_RUN_PER_ORIGIN)
      continue;
    *pp = j->next;
    if (ltv->tail == j)
      ltv->tail = prev;
    j->next = NULL;
    ltv->waiting--;
    return j;
  }
  return NULL;
}

static void *ltv_main(void *arg) {
  host_ltv *ltv = arg;
  host_ltv_job *j;
  json_t *value;
  const char *key;
  int slot, send;

  pthread_mutex_lock(&ltv->lock);
  for (;;) {
    j = NULL;
    while (!ltv->stop && !(j = pick_locked(ltv))) {
      ltv->idle++;
      pthread_cond_wait(&ltv->cond, &ltv->lock);
      ltv->idle--;
    }
    if (!j)
      break; /* stopping */
    for (slot = 0; ltv->running[slot]; slot++)
      ; /* a free slot: at most HOST_LTV_THREADS run */
    ltv->running[slot] = j;
    pthread_mutex_unlock(&ltv->lock);

    value = run_job(ltv, j, &key);

    pthread_mutex_lock(&ltv->lock);
    send = !j->cancelled;
    pthread_mutex_unlock(&ltv->lock);
    if (send && value) {
      j->sink.send(j->sink.arg, j->id, j->echo, key, value);
    } else {
      json_decref(value);
      host_log("%s for %s: answer dropped (cancelled, or the connection "
               "closed)",
               j->kind == LTV_REVOCATION ? "revocation" : "timestamp",
               j->origin);
    }
    pthread_mutex_lock(&ltv->lock);
    /* counted against its owner and origin until here */
    ltv->running[slot] = NULL;
    ltv->total--;
    pthread_mutex_unlock(&ltv->lock);
    host_ltv_job_free(j); /* releases the owner */
    pthread_mutex_lock(&ltv->lock);
    pthread_cond_broadcast(&ltv->cond); /* its origin may run another */
  }
  pthread_mutex_unlock(&ltv->lock);
  return NULL;
}

/* Jobs waiting or running (cancelled or not: a running one holds its
 * thread until it is done) of owner, or of origin when owner is NULL.
 * Under lock. */
static int count_locked(host_ltv *ltv, const void *owner, const char *origin) {
  host_ltv_job *j;
  int n = 0, i;

  for (j = ltv->head; j; j = j->next)
    n += owner ? j->owner == owner : strcmp(j->origin, origin) == 0;
  for (i = 0; i < HOST_LTV_THREADS; i++) {
    j = ltv->running[i];
    n += j && (owner ? j->owner == owner : strcmp(j->origin, origin) == 0);
  }
  return n;
}

static int64_t mono_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec + 1; /* never 0: 0 marks a free slot */
}

/* origin's rate slot (a free or expired one, else the oldest, taken);
 * under lock. */
static rate_slot *rate_slot_locked(host_ltv *ltv, const char *origin,
                                   int64_t now) {
  rate_slot *free_slot = NULL, *oldest = NULL, *r;
  int i;

  for (i = 0; i < HOST_LTV_RATE_ORIGINS; i++) {
    r = &ltv->rates[i];
    if (r->start && now - r->start >= HOST_LTV_RATE_WINDOW_S)
      r->start = 0; /* its window is over */
    if (r->start && strcmp(r->origin, origin) == 0)
      return r;
    if (!r->start && !free_slot)
      free_slot = r;
    if (r->start && (!oldest || r->start < oldest->start))
      oldest = r;
  }
  r = free_slot ? free_slot : oldest;
  snprintf(r->origin, sizeof(r->origin), "%s", origin);
  r->start = now;
  r->count = 0;
  return r;
}

const char *host_ltv_submit(host_ltv *ltv, host_ltv_job *job, const void *owner,
                            json_t *id, const char *echo, const char *origin,
                            const host_ltv_sink *sink, char *msg, size_t cap,
                            int64_t *retry_after) {
  const char *code = NULL;
  rate_slot *rate = NULL;
  int64_t now = mono_s();

  *retry_after = 0;
  job->owner = owner;
  job->ltv = ltv;
  job->id = json_deep_copy(id); /* this thread's id is not the fetch's */
  snprintf(job->echo, sizeof(job->echo), "%s", echo ? echo : "");
  snprintf(job->origin, sizeof(job->origin), "%s", origin);
  if (!job->id) {
    snprintf(msg, cap, "out of memory");
    host_ltv_job_free(job);
    return "NATIVE_FATAL";
  }
  pthread_mutex_lock(&ltv->lock);
  if (!ltv->stop)
    rate = rate_slot_locked(ltv, job->origin, now);
  if (ltv->stop) {
    code = "NATIVE_FATAL";
    snprintf(msg, cap, "the host is stopping");
  } else if (rate->count >= ltv->rate) {
    code = "BUSY";
    *retry_after = rate->start + HOST_LTV_RATE_WINDOW_S - now;
    if (*retry_after < 1)
      *retry_after = 1;
    snprintf(msg, cap,
             "too many revocation / timestamp requests from this site (%d a "
             "minute); try again in %lld s",
             ltv->rate, (long long)*retry_after);
  } else if (ltv->total >= HOST_LTV_QUEUE_MAX ||
             count_locked(ltv, owner, NULL) >= HOST_LTV_PER_PEER ||
             count_locked(ltv, NULL, job->origin) >= HOST_LTV_PER_ORIGIN) {
    code = "BUSY";
    snprintf(msg, cap,
             "too many revocation / timestamp requests waiting (%d per "
             "site, %d per connection, %d in all)",
             HOST_LTV_PER_ORIGIN, HOST_LTV_PER_PEER, HOST_LTV_QUEUE_MAX);
  } else if (ltv->waiting >= ltv->idle &&
             ltv->thread_count < HOST_LTV_THREADS) {
    /* every idle thread has a waiting job already (woken, not yet
     * running): one more thread, so that a slow TSA does not hold up the
     * next request */
    if (pthread_create(&ltv->threads[ltv->thread_count], NULL, ltv_main, ltv) ==
        0)
      ltv->thread_count++;
    else if (ltv->thread_count == 0) {
      code = "NATIVE_FATAL";
      snprintf(msg, cap, "cannot start a fetch thread");
    }
  }
  if (!code) {
    rate->count++;
    job->sink = *sink;
    job->has_sink = 1;
    if (ltv->tail)
      ltv->tail->next = job;
    else
      ltv->head = job;
    ltv->tail = job;
    ltv->total++;
    ltv->waiting++;
    pthread_cond_broadcast(&ltv->cond);
    host_log("%s for %s: queued (%d waiting or running)",
             job->kind == LTV_REVOCATION ? "revocation" : "timestamp",
             job->origin, ltv->total);
    job = NULL;
  }
  pthread_mutex_unlock(&ltv->lock);
  if (code)
    host_log("%s for %s: %s",
             job->kind == LTV_REVOCATION ? "revocation" : "timestamp", origin,
             msg);
  host_ltv_job_free(job);
  return code;
}

/* Unlinks j from the waiting queue; under the lock. */
static void unlink_locked(host_ltv *ltv, host_ltv_job *j) {
  host_ltv_job **pp, *prev = NULL;

  for (pp = &ltv->head; *pp; prev = *pp, pp = &(*pp)->next)
    if (*pp == j) {
      *pp = j->next;
      if (ltv->tail == j)
        ltv->tail = prev;
      j->next = NULL;
      ltv->total--;
      ltv->waiting--;
      return;
    }
}

int host_ltv_cancel(host_ltv *ltv, const void *owner, const char *origin,
                    json_t *id, char *echo) {
  host_ltv_job *j, *hit = NULL, *drop = NULL;
  int i;

  pthread_mutex_lock(&ltv->lock);
  for (j = ltv->head; j && !hit; j = j->next)
    if (j->owner == owner && strcmp(j->origin, origin) == 0 &&
        json_equal(j->id, id))
      hit = drop = j;
  for (i = 0; i < HOST_LTV_THREADS && !hit; i++) {
    j = ltv->running[i];
    if (j && !j->cancelled && j->owner == owner &&
        strcmp(j->origin, origin) == 0 && json_equal(j->id, id))
      hit = j;
  }
  if (hit) {
    hit->cancelled = 1;
    snprintf(echo, HOST_ORIGIN_MAX, "%s", hit->echo);
    host_log("%s for %s: cancelled",
             hit->kind == LTV_REVOCATION ? "revocation" : "timestamp",
             hit->origin);
  }
  if (drop)
    unlink_locked(ltv, drop);
  pthread_mutex_unlock(&ltv->lock);
  host_ltv_job_free(drop);
  return hit != NULL;
}

void host_ltv_owner_gone(host_ltv *ltv, const void *owner) {
  host_ltv_job *j, *next, *drop = NULL;
  int i;

  pthread_mutex_lock(&ltv->lock);
  for (j = ltv->head; j; j = next) {
    next = j->next;
    if (j->owner == owner) {
      unlink_locked(ltv, j);
      j->next = drop;
      drop = j;
    }
  }
  for (i = 0; i < HOST_LTV_THREADS; i++)
    if (ltv->running[i] && ltv->running[i]->owner == owner)
      ltv->running[i]->cancelled = 1;
  pthread_mutex_unlock(&ltv->lock);
  for (j = drop; j; j = next) {
    next = j->next;
    host_ltv_job_free(j);
  }
}

int host_ltv_pending(host_ltv *ltv, const void *owner) {
  int n;
  pthread_mutex_lock(&ltv->lock);
  n = count_locked(ltv, owner, NULL);
  pthread_mutex_unlock(&ltv->lock);
  return n;
}

/* ---- life --------------------------------------------------------------- */

/* 2 x the timeout per try, plus the back-offs between the tries of two
 * URLs (an OCSP responder that refuses at once, then the CRL): 372 s by
 * default. */
static long host_ltv_deadline(const kyso_fetch_config *fc) {
  long backoff_ms = 0, delay = fc->retry_delay_ms;
  int i;

  for (i = 1; i < fc->tries && i < KYSO_FETCH_TRIES_MAX; i++) {
    backoff_ms += delay;
    delay *= 2;
  }
  return 2 * fc->timeout_seconds + (2 * backoff_ms + 999) / 1000;
}

host_ltv *host_ltv_new(const host_config *cfg) {
  host_ltv *ltv = calloc(1, sizeof(*ltv));
  kyso_error err;
  int i;

  if (!ltv)
    return NULL;
  pthread_mutex_init(&ltv->lock, NULL);
  pthread_mutex_init(&ltv->anchors_lock, NULL);
  pthread_cond_init(&ltv->cond, NULL);
  if (kyso_fetch_config_init(&ltv->fetch, &err) != KYSO_OK) {
    host_log("fetching: %s", err.message);
    goto fail;
  }
  if (cfg->tsa_url) {
    free(ltv->fetch.tsa_url);
    ltv->fetch.tsa_url = strdup(cfg->tsa_url);
    if (!ltv->fetch.tsa_url)
      goto fail;
  }
  if (cfg->rewrite_count > 0) {
    for (i = 0; i < (int)ltv->fetch.rewrite_count; i++) {
      free(ltv->fetch.rewrite[i].from);
      free(ltv->fetch.rewrite[i].to);
    }
    ltv->fetch.rewrite_count = 0;
    for (i = 0; i < cfg->rewrite_count && i < KYSO_FETCH_REWRITES_MAX; i++) {
      ltv->fetch.rewrite[i].from = strdup(cfg->rewrite_from[i]);
      ltv->fetch.rewrite[i].to = strdup(cfg->rewrite_to[i]);
      ltv->fetch.rewrite_count++;
      if (!ltv->fetch.rewrite[i].from || !ltv->fetch.rewrite[i].to)
        goto fail;
    }
  }
  ltv->fetch.allow_loopback_urls = cfg->allow_loopback_urls;
  ltv->no_bundled = cfg->no_bundled_anchors;
  if (cfg->fetch_timeout > 0)
    ltv->fetch.timeout_seconds = cfg->fetch_timeout;
  /* A request's deadline, all tries and URLs together: a hostile or
   * black-holed responder holds a fetch thread no longer. */
  ltv->fetch.deadline_seconds = host_ltv_deadline(&ltv->fetch);
  ltv->rate = cfg->fetch_rate > 0 ? cfg->fetch_rate : HOST_DEFAULT_FETCH_RATE;
  if (cfg->fetch_cache && cfg->cache_dir) {
    /* the CLI's cache: made 0700 by the fetch library, every answer read
     * from it judged again */
    size_t n = strlen(cfg->cache_dir) + sizeof("/revocation");
    ltv->fetch.cache_dir = malloc(n);
    if (!ltv->fetch.cache_dir)
      goto fail;
    snprintf(ltv->fetch.cache_dir, n, "%s/revocation", cfg->cache_dir);
  }
  for (i = 0; i < cfg->trust_anchor_count; i++) {
    ltv->anchor_files[i] = strdup(cfg->trust_anchors[i]);
    if (!ltv->anchor_files[i])
      goto fail;
    ltv->anchor_file_count++;
  }
  return ltv;

fail:
  host_ltv_free(ltv);
  return NULL;
}

void host_ltv_free(host_ltv *ltv) {
  host_ltv_job *j, *next;
  struct timespec deadline;
  int i, stuck = 0;

  if (!ltv)
    return;
  pthread_mutex_lock(&ltv->lock);
  ltv->stop = 1;
  j = ltv->head;
  ltv->head = ltv->tail = NULL;
  ltv->waiting = 0;
  for (i = 0; i < HOST_LTV_THREADS; i++)
    if (ltv->running[i])
      ltv->running[i]->cancelled = 1;
  pthread_cond_broadcast(&ltv->cond);
  pthread_mutex_unlock(&ltv->lock);
  for (; j; j = next) {
    next = j->next;
    host_ltv_job_free(j);
  }
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += HOST_LTV_STOP_WAIT_S;
  for (i = 0; i < ltv->thread_count; i++) {
    if (stuck || pthread_timedjoin_np(ltv->threads[i], NULL, &deadline) != 0) {
      pthread_detach(ltv->threads[i]);
      stuck = 1;
    }
  }
  if (stuck) {
    /* A fetch still under way (a slow TSA): it sends nothing now; left to
     * finish with its memory as the process exits. */
    host_log("fetching: leaving a fetch under way");
    return;
  }
  kyso_fetch_config_clear(&ltv->fetch);
  for (i = 0; i < ltv->anchor_file_count; i++)
    free(ltv->anchor_files[i]);
  kyso_trust_free(&ltv->trust);
  X509_STORE_free(ltv->store);
  sk_X509_pop_free(ltv->intermediates, X509_free);
  pthread_cond_destroy(&ltv->cond);
  pthread_mutex_destroy(&ltv->anchors_lock);
  pthread_mutex_destroy(&ltv->lock);
  free(ltv);
}
