/*
 * fetch_revocation.c - revocation data for a list of certificates: the
 * issuer from caIssuers when missing (RFC 5280 4.2.2.1: a DER certificate
 * or a certs-only CMS "application/pkcs7-mime"; PEM tolerated), then OCSP
 * from the AIA responders in order (RFC 6960), else a CRL from the
 * distribution points (RFC 5280 4.2.1.13). Every answer, fetched or read
 * from the cache, is judged by the core (kyso_ltv_ocsp_check,
 * kyso_ltv_crl_check) at `now` before it is kept.
 *
 * Certificates are worked on by up to config.parallel threads at once
 * (issuer and OCSP requests in parallel); the CRL step runs under one
 * lock, so that a CRL is fetched once per call and serves every
 * certificate whose issuer it covers. The log callback is called under a
 * lock of its own (one line at a time), and the kept answers are put back
 * in certificate order at the end, so the result does not depend on
 * which thread finished first.
 */
#define _POSIX_C_SOURCE 200809L

#include <curl/curl.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fetch_internal.h"

enum {
  /* certificates asked about in one call */
  FETCH_REVOCATION_CERTS_MAX = 256,
  /* certificates read from one caIssuers answer */
  FETCH_ISSUER_CANDIDATES_MAX = 16,
  /* distinct CRL URLs fetched (or read from the cache) in one call */
  FETCH_CRL_URLS_MAX = 32
};

/* CRL bytes held at once in one call (fetched or cached, before they are
 * judged): a hostile certificate list cannot make a call hold more. */
#define FETCH_CRL_BYTES_MAX ((size_t)64 * 1024 * 1024)

/* A CRL URL met in this call: fetched (or read from the cache) once. */
typedef struct crl_memo {
  char *url;    /* prepared */
  uint8_t *der; /* NULL when it could not be had */
  size_t len;
  int from_cache;
  int cached_ok; /* written to (or judged from) the cache already */
  kyso_status error;
  char message[KYSO_ERROR_MESSAGE_MAX];
} crl_memo;

typedef struct rev_ctx {
  const kyso_fetch_config *config; /* &local */
  kyso_fetch_config local; /* the caller's with the call's cancel/deadline
                              poll and, threaded, a locked log */
  fetch_call call;
  const kyso_fetch_config *caller;
  size_t crl_bytes; /* held by the memo entries (FETCH_CRL_BYTES_MAX) */
  int64_t now;
  kyso_fetch_revocation *r;
  crl_memo *memo;
  size_t memo_count, memo_cap;
  /* threads */
  int threaded;
  pthread_mutex_t lock;     /* results, memo, next, fatal */
  pthread_mutex_t log_lock; /* the caller's log callback */
  const kyso_blob *certs, *issuers;
  size_t next;
  kyso_status fatal;
  kyso_error fatal_err;
} rev_ctx;

static void ctx_lock(rev_ctx *ctx) {
  if (ctx->threaded)
    pthread_mutex_lock(&ctx->lock);
}

static void ctx_unlock(rev_ctx *ctx) {
  if (ctx->threaded)
    pthread_mutex_unlock(&ctx->lock);
}

static void status_fail(kyso_fetch_status *st, const char *url,
                        const kyso_error *e) {
  st->error = e->code == KYSO_OK ? KYSO_ERR_LTV_FETCH : e->code;
  snprintf(st->error_url, sizeof(st->error_url), "%s", url ? url : "");
  snprintf(st->error_message, sizeof(st->error_message), "%s", e->message);
}

/* Adds a copy of data to a list of distinct blobs; *index where it is. */
static kyso_status blob_add(kyso_blob **list, size_t *count,
                            const uint8_t *data, size_t len, size_t *index,
                            kyso_error *err) {
  size_t i;
  uint8_t *copy;
  kyso_blob *grown;

  for (i = 0; i < *count; i++)
    if ((*list)[i].len == len && memcmp((*list)[i].data, data, len) == 0) {
      *index = i;
      return KYSO_OK;
    }
  copy = malloc(len ? len : 1);
  grown = realloc(*list, (*count + 1) * sizeof(**list));
  if (!copy || !grown) {
    free(copy);
    if (grown)
      *list = grown;
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  }
  *list = grown;
  memcpy(copy, data, len);
  (*list)[*count].data = copy;
  (*list)[*count].len = len;
  *index = (*count)++;
  return KYSO_OK;
}

static int cacheable(const kyso_ltv_answer *a, int64_t now) {
  return a->next_update != 0 && now < a->next_update;
}

/* ---- issuer from caIssuers ---------------------------------------------- */

static int candidates_add(STACK_OF(X509) *list, X509 *c) {
  if (sk_X509_num(list) >= FETCH_ISSUER_CANDIDATES_MAX ||
      !sk_X509_push(list, c)) {
    X509_free(c);
    return 0;
  }
  return 1;
}

/* The certificates of a caIssuers answer: DER certificate, DER certs-only
 * PKCS#7, or the PEM of either (bounded number). */
static STACK_OF(X509) *issuer_candidates(const uint8_t *data, size_t len) {
  STACK_OF(X509) *list = sk_X509_new_null();
  const unsigned char *p;
  X509 *x;
  PKCS7 *p7 = NULL;
  BIO *bio = NULL;
  STACK_OF(X509) *certs = NULL;
  int i;

  if (!list)
    return NULL;
  p = data;
  if ((x = d2i_X509(NULL, &p, (long)len))) {
    if (p == data + len)
      candidates_add(list, x);
    else
      X509_free(x);
    return list;
  }
  p = data;
  p7 = d2i_PKCS7(NULL, &p, (long)len);
  if (!p7 && len > 11 && memcmp(data, "-----BEGIN ", 11) == 0) {
    bio = BIO_new_mem_buf(data, (int)len);
    while (bio && sk_X509_num(list) < FETCH_ISSUER_CANDIDATES_MAX &&
           (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)))
      candidates_add(list, x);
    BIO_free(bio);
    if (sk_X509_num(list) == 0) {
      bio = BIO_new_mem_buf(data, (int)len);
      p7 = bio ? PEM_read_bio_PKCS7(bio, NULL, NULL, NULL) : NULL;
      BIO_free(bio);
    }
  }
  if (p7 && PKCS7_type_is_signed(p7) && p7->d.sign)
    certs = p7->d.sign->cert;
  for (i = 0; certs && i < sk_X509_num(certs); i++) {
    x = sk_X509_value(certs, i);
    if (X509_up_ref(x) != 1 || !candidates_add(list, x))
      break;
  }
  PKCS7_free(p7);
  return list;
}

/* Fetches cert's issuer through its caIssuers URLs: the first certificate
 * that names itself cert's issuer and whose key verifies cert's
 * signature. */
static kyso_status fetch_issuer(rev_ctx *ctx, kyso_blob cert,
                                const kyso_ltv_urls *urls,
                                kyso_fetch_status *st, kyso_error *err) {
  kyso_status ret = KYSO_OK;
  const unsigned char *p = cert.data;
  X509 *x = d2i_X509(NULL, &p, (long)cert.len), *c;
  STACK_OF(X509) *list = NULL;
  size_t u;
  int i, len;
  char *url = NULL;
  fetch_answer answer;
  kyso_error e;
  unsigned char *der = NULL;

  memset(&answer, 0, sizeof(answer));
  if (!x) {
    kyso_error_set(&e, KYSO_ERR_ARGUMENT, "certificate does not decode");
    status_fail(st, NULL, &e);
    goto done;
  }
  if (urls->ca_issuers.count == 0) {
    kyso_error_set(&e, KYSO_ERR_LTV_FETCH,
                   "no issuer certificate given and no caIssuers URL");
    status_fail(st, NULL, &e);
  }
  for (u = 0; u < urls->ca_issuers.count && !st->issuer_der; u++) {
    free(url);
    url = NULL;
    free(answer.data);
    memset(&answer, 0, sizeof(answer));
    kyso_error_clear(&e);
    if (kyso_fetch_url_prepare(ctx->config, urls->ca_issuers.url[u], &url,
                               &e) != KYSO_OK ||
        fetch_http_exchange(ctx->config, url, NULL, NULL, 0,
                            KYSO_LIMIT_LTV_CERT_SIZE, &answer, &e) != KYSO_OK) {
      if (e.code == KYSO_ERR_NO_MEMORY) {
        ret = kyso_error_set(err, e.code, "%s", e.message);
        goto done;
      }
      status_fail(st, url ? url : urls->ca_issuers.url[u], &e);
      continue;
    }
    sk_X509_pop_free(list, X509_free);
    list = issuer_candidates(answer.data, answer.len);
    if (!list) {
      ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
      goto done;
    }
    for (i = 0; i < sk_X509_num(list); i++) {
      c = sk_X509_value(list, i);
      if (X509_check_issued(c, x) != X509_V_OK ||
          X509_verify(x, X509_get0_pubkey(c)) != 1)
        continue;
      OPENSSL_free(der);
      der = NULL; /* i2d writes into a non-NULL *der */
      len = i2d_X509(c, &der);
      if (len <= 0 || len > (int)KYSO_LIMIT_LTV_CERT_SIZE)
        continue;
      st->issuer_der = malloc((size_t)len);
      if (!st->issuer_der) {
        ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
        goto done;
      }
      memcpy(st->issuer_der, der, (size_t)len);
      st->issuer_len = (size_t)len;
      break;
    }
    OPENSSL_free(der);
    der = NULL;
    if (!st->issuer_der) {
      kyso_error_set(
          &e, sk_X509_num(list) ? KYSO_ERR_LTV_SCOPE : KYSO_ERR_LTV_RESPONSE,
          sk_X509_num(list) ? "no certificate from %.200s issued this one"
                            : "no certificate in the answer from %.200s",
          url);
      status_fail(st, url, &e);
    }
  }

done:
  OPENSSL_free(der);
  sk_X509_pop_free(list, X509_free);
  free(answer.data);
  free(url);
  X509_free(x);
  return ret;
}

/* ---- OCSP ---------------------------------------------------------------- */

static kyso_status keep_ocsp(rev_ctx *ctx, kyso_fetch_status *st,
                             const uint8_t *der, size_t len,
                             const kyso_ltv_answer *a, kyso_error *err) {
  kyso_status ret;
  ctx_lock(ctx);
  ret = blob_add(&ctx->r->ocsps, &ctx->r->ocsp_count, der, len, &st->data_index,
                 err);
  ctx_unlock(ctx);
  if (ret == KYSO_OK) {
    st->kind = KYSO_FETCH_OCSP;
    st->answer = *a;
    st->error = KYSO_OK;
    st->error_url[0] = st->error_message[0] = '\0';
  }
  return ret;
}

/* From the cache: 1 when a usable answer was found and kept. */
static int ocsp_from_cache(rev_ctx *ctx, kyso_blob cert, kyso_blob issuer,
                           const char *name, kyso_fetch_status *st,
                           kyso_status *ret, kyso_error *err) {
  uint8_t *data = NULL;
  size_t len = 0;
  kyso_blob resp, none = {NULL, 0};
  kyso_ltv_answer a;
  kyso_error e;
  int used = 0;

  if (!fetch_cache_read(ctx->config, name, KYSO_LIMIT_LTV_RESPONSE_SIZE, &data,
                        &len))
    return 0;
  resp.data = data;
  resp.len = len;
  memset(&a, 0, sizeof(a));
  if (kyso_ltv_ocsp_check(resp, cert, issuer, none, ctx->now, &a, &e) ==
          KYSO_OK &&
      cacheable(&a, ctx->now) && a.status != KYSO_LTV_UNKNOWN) {
    *ret = keep_ocsp(ctx, st, data, len, &a, err);
    st->from_cache = 1;
    used = 1;
    fetch_log(ctx->config, "cache hit: OCSP %s (%s), next update %lld", name,
              a.status == KYSO_LTV_GOOD ? "good" : "revoked",
              (long long)a.next_update);
  } else {
    fetch_log(ctx->config, "cache: OCSP %s no longer usable, removed", name);
    fetch_cache_remove(ctx->config, name);
  }
  free(data);
  return used;
}

/* OCSP from cert's responders. *done_out when the search is over (GOOD or
 * REVOKED); an UNKNOWN answer is copied to *unknown (the caller tries the
 * CRLs and keeps it if they give nothing). */
static kyso_status try_ocsp(rev_ctx *ctx, kyso_blob cert, kyso_blob issuer,
                            const kyso_ltv_urls *urls, kyso_fetch_status *st,
                            int *done_out, fetch_answer *unknown,
                            kyso_ltv_answer *unknown_answer, kyso_error *err) {
  kyso_status ret = KYSO_OK;
  char name[FETCH_CACHE_NAME_MAX];
  int have_name = 0;
  size_t u;
  char *url = NULL;
  uint8_t nonce[16], *request = NULL;
  size_t request_len = 0;
  fetch_answer answer;
  kyso_blob n, resp;
  kyso_ltv_answer a;
  kyso_error e;

  memset(&answer, 0, sizeof(answer));
  *done_out = 0;
  if (ctx->config->cache_dir &&
      fetch_cache_name_ocsp(cert, issuer, name, &e) == KYSO_OK) {
    have_name = 1;
    if (ocsp_from_cache(ctx, cert, issuer, name, st, &ret, err)) {
      *done_out = ret == KYSO_OK;
      return ret;
    }
  }
  for (u = 0; u < urls->ocsp.count; u++) {
    free(url);
    url = NULL;
    free(answer.data);
    memset(&answer, 0, sizeof(answer));
    kyso_ltv_request_free(request);
    request = NULL;
    kyso_error_clear(&e);
    if (kyso_fetch_url_prepare(ctx->config, urls->ocsp.url[u], &url, &e) !=
        KYSO_OK) {
      status_fail(st, urls->ocsp.url[u], &e);
      continue;
    }
    if (RAND_bytes(nonce, sizeof(nonce)) != 1) {
      kyso_error_set(&e, KYSO_ERR_CRYPTO, "no random nonce");
      status_fail(st, url, &e);
      continue;
    }
    n.data = nonce;
    n.len = sizeof(nonce);
    if (kyso_ltv_ocsp_request_new(cert, issuer, n, &request, &request_len,
                                  &e) != KYSO_OK) {
      status_fail(st, url, &e);
      break; /* the same for every responder */
    }
    if (fetch_http_exchange(ctx->config, url, "application/ocsp-request",
                            request, request_len, KYSO_LIMIT_LTV_RESPONSE_SIZE,
                            &answer, &e) != KYSO_OK) {
      if (e.code == KYSO_ERR_NO_MEMORY) {
        ret = kyso_error_set(err, e.code, "%s", e.message);
        goto done;
      }
      status_fail(st, url, &e);
      continue;
    }
    if (fetch_type_is_text(answer.content_type)) {
      kyso_error_set(&e, KYSO_ERR_LTV_FETCH,
                     "%.200s answered %s, not an OCSP response", url,
                     answer.content_type);
      status_fail(st, url, &e);
      continue;
    }
    resp.data = answer.data;
    resp.len = answer.len;
    memset(&a, 0, sizeof(a));
    if (kyso_ltv_ocsp_check(resp, cert, issuer, n, ctx->now, &a, &e) !=
        KYSO_OK) {
      status_fail(st, url, &e);
      continue;
    }
    if (a.status == KYSO_LTV_UNKNOWN) {
      if (!unknown->data) {
        *unknown = answer;
        *unknown_answer = a;
        memset(&answer, 0, sizeof(answer));
      }
      kyso_error_set(&e, KYSO_ERR_LTV_SCOPE,
                     "the OCSP responder does not know this certificate");
      status_fail(st, url, &e);
      break; /* RFC 6960 2.2: try another source, the CRLs */
    }
    ret = keep_ocsp(ctx, st, answer.data, answer.len, &a, err);
    if (ret != KYSO_OK)
      goto done;
    if (have_name && cacheable(&a, ctx->now))
      fetch_cache_write(ctx->config, name, answer.data, answer.len);
    *done_out = 1;
    break;
  }

done:
  kyso_ltv_request_free(request);
  free(answer.data);
  free(url);
  return ret;
}

/* ---- CRLs ---------------------------------------------------------------- */

/* A CRL in PEM (some servers) becomes DER; DER stays as it is. */
static void crl_to_der(fetch_answer *a) {
  BIO *bio;
  X509_CRL *crl;
  unsigned char *der = NULL;
  int len;

  if (a->len < 11 || memcmp(a->data, "-----BEGIN ", 11) != 0 ||
      a->len > KYSO_LIMIT_LTV_CRL_SIZE)
    return;
  bio = BIO_new_mem_buf(a->data, (int)a->len);
  crl = bio ? PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL) : NULL;
  len = crl ? i2d_X509_CRL(crl, &der) : 0;
  if (len > 0) {
    uint8_t *copy = malloc((size_t)len);
    if (copy) {
      memcpy(copy, der, (size_t)len);
      free(a->data);
      a->data = copy;
      a->len = (size_t)len;
    }
  }
  OPENSSL_free(der);
  X509_CRL_free(crl);
  BIO_free(bio);
}

/* Frees m's body (a failed or dropped CRL is not kept until the call
 * ends). */
static void memo_drop(rev_ctx *ctx, crl_memo *m) {
  if (m->der)
    ctx->crl_bytes -= m->len;
  free(m->der);
  m->der = NULL;
  m->len = 0;
}

/* Counts m's new body against FETCH_CRL_BYTES_MAX; over it, the body is
 * dropped and m records the limit. Always KYSO_OK. */
static kyso_status memo_account(rev_ctx *ctx, crl_memo *m) {
  if (m->len > FETCH_CRL_BYTES_MAX - ctx->crl_bytes) {
    free(m->der);
    m->der = NULL;
    m->from_cache = 0;
    m->error = KYSO_ERR_LIMIT;
    snprintf(m->message, sizeof(m->message),
             "CRLs of this call past %zu MiB: %.150s not kept",
             FETCH_CRL_BYTES_MAX >> 20, m->url);
    m->len = 0;
    return KYSO_OK;
  }
  ctx->crl_bytes += m->len;
  return KYSO_OK;
}

/* Fills m: from the cache (when allowed), else fetched now. KYSO_OK
 * unless memory runs out; a failure is recorded in m. */
static kyso_status crl_load(rev_ctx *ctx, crl_memo *m, int use_cache,
                            kyso_error *err) {
  char name[FETCH_CACHE_NAME_MAX];
  fetch_answer answer;
  kyso_error e;

  memo_drop(ctx, m);
  m->from_cache = 0;
  m->error = KYSO_OK;
  m->message[0] = '\0';
  fetch_cache_name_crl(m->url, name);
  if (use_cache && fetch_cache_read(ctx->config, name, KYSO_LIMIT_LTV_CRL_SIZE,
                                    &m->der, &m->len)) {
    m->from_cache = 1;
    return memo_account(ctx, m);
  }
  memset(&answer, 0, sizeof(answer));
  kyso_error_clear(&e);
  if (fetch_http_exchange(ctx->config, m->url, NULL, NULL, 0,
                          KYSO_LIMIT_LTV_CRL_SIZE, &answer, &e) != KYSO_OK) {
    m->error = e.code == KYSO_OK ? KYSO_ERR_LTV_FETCH : e.code;
    snprintf(m->message, sizeof(m->message), "%s", e.message);
    if (e.code == KYSO_ERR_NO_MEMORY)
      return kyso_error_set(err, e.code, "%s", e.message);
    return KYSO_OK;
  }
  if (fetch_type_is_text(answer.content_type)) {
    m->error = KYSO_ERR_LTV_FETCH;
    snprintf(m->message, sizeof(m->message), "%.150s answered %.60s, not a CRL",
             m->url, answer.content_type);
    free(answer.data);
    return KYSO_OK;
  }
  crl_to_der(&answer);
  m->der = answer.data;
  m->len = answer.len;
  return memo_account(ctx, m);
}

/* The memo entry for a prepared URL, loaded once per call. NULL only when
 * memory runs out. */
static crl_memo *crl_get(rev_ctx *ctx, const char *url, kyso_error *err) {
  crl_memo *m, *grown;
  size_t i;

  for (i = 0; i < ctx->memo_count; i++)
    if (strcmp(ctx->memo[i].url, url) == 0)
      return &ctx->memo[i];
  if (ctx->memo_count >= FETCH_CRL_URLS_MAX) {
    kyso_error_set(err, KYSO_ERR_LIMIT,
                   "more than %d CRL URLs in one call: %.200s not fetched",
                   FETCH_CRL_URLS_MAX, url);
    return NULL;
  }
  if (ctx->memo_count == ctx->memo_cap) {
    size_t cap = ctx->memo_cap ? ctx->memo_cap * 2 : 8;
    grown = realloc(ctx->memo, cap * sizeof(*grown));
    if (!grown) {
      kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
      return NULL;
    }
    ctx->memo = grown;
    ctx->memo_cap = cap;
  }
  m = &ctx->memo[ctx->memo_count];
  memset(m, 0, sizeof(*m));
  m->url = strdup(url);
  if (!m->url) {
    kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    return NULL;
  }
  ctx->memo_count++;
  if (crl_load(ctx, m, 1, err) != KYSO_OK)
    return NULL;
  return m;
}

/* Judges memo m for cert; keeps it on success. 1 when kept. */
static int crl_use(rev_ctx *ctx, crl_memo *m, kyso_blob cert, kyso_blob issuer,
                   kyso_fetch_status *st, kyso_status *ret, kyso_error *err) {
  kyso_blob crl;
  kyso_ltv_answer a;
  kyso_error e;
  char name[FETCH_CACHE_NAME_MAX];

  if (!m->der) {
    kyso_error_set(&e, m->error ? m->error : KYSO_ERR_LTV_FETCH, "%s",
                   m->message);
    status_fail(st, m->url, &e);
    return 0;
  }
  crl.data = m->der;
  crl.len = m->len;
  memset(&a, 0, sizeof(a));
  fetch_cache_name_crl(m->url, name);
  if (kyso_ltv_crl_check(crl, cert, issuer, ctx->now, &a, &e) != KYSO_OK) {
    status_fail(st, m->url, &e);
    if (m->from_cache && !m->cached_ok && e.code != KYSO_ERR_LTV_SCOPE) {
      /* stale or broken in the cache: drop it and fetch it again */
      fetch_log(ctx->config, "cache: CRL %s no longer usable, removed", name);
      fetch_cache_remove(ctx->config, name);
      memo_drop(ctx, m);
      m->from_cache = 0;
    } else if (!m->cached_ok) {
      /* judged bad and never of use in this call: not held until the
       * call ends; the next certificate naming this URL gets the same
       * failure */
      memo_drop(ctx, m);
      m->from_cache = 0;
      m->error = e.code == KYSO_OK ? KYSO_ERR_LTV_FETCH : e.code;
      snprintf(m->message, sizeof(m->message), "%s", e.message);
    }
    return 0;
  }
  if (m->from_cache && !m->cached_ok && !cacheable(&a, ctx->now)) {
    kyso_error_set(&e, KYSO_ERR_LTV_STALE, "cached CRL past its nextUpdate");
    status_fail(st, m->url, &e);
    fetch_cache_remove(ctx->config, name);
    memo_drop(ctx, m);
    m->from_cache = 0;
    return 0;
  }
  *ret = blob_add(&ctx->r->crls, &ctx->r->crl_count, m->der, m->len,
                  &st->data_index, err);
  if (*ret != KYSO_OK)
    return 0;
  st->kind = KYSO_FETCH_CRL;
  st->answer = a;
  st->from_cache = m->from_cache;
  st->error = KYSO_OK;
  st->error_url[0] = st->error_message[0] = '\0';
  if (m->from_cache && !m->cached_ok)
    fetch_log(ctx->config, "cache hit: CRL %s for %s, next update %lld", name,
              m->url, (long long)a.next_update);
  if (!m->from_cache && !m->cached_ok && cacheable(&a, ctx->now))
    fetch_cache_write(ctx->config, name, m->der, m->len);
  m->cached_ok = 1;
  return 1;
}

static kyso_status try_crl(rev_ctx *ctx, kyso_blob cert, kyso_blob issuer,
                           const kyso_ltv_urls *urls, kyso_fetch_status *st,
                           int *done_out, kyso_error *err) {
  kyso_status ret = KYSO_OK;
  size_t u, i;
  char *url = NULL;
  crl_memo *m;
  kyso_error e;

  *done_out = 0;
  /* a CRL this call already has may cover cert (same issuer, full scope) */
  for (i = 0; i < ctx->memo_count && !*done_out; i++)
    if (ctx->memo[i].der && ctx->memo[i].cached_ok) {
      /* a failure here says nothing about cert's own CRLs: scratch */
      kyso_fetch_status scratch = *st;
      if (crl_use(ctx, &ctx->memo[i], cert, issuer, &scratch, &ret, err)) {
        *st = scratch;
        *done_out = 1;
      }
      if (ret != KYSO_OK)
        goto done;
    }
  for (u = 0; u < urls->crl.count && !*done_out; u++) {
    free(url);
    url = NULL;
    if (kyso_fetch_url_prepare(ctx->config, urls->crl.url[u], &url, &e) !=
        KYSO_OK) {
      status_fail(st, urls->crl.url[u], &e);
      continue;
    }
    kyso_error_clear(&e);
    m = crl_get(ctx, url, &e);
    if (!m) {
      if (e.code == KYSO_ERR_LIMIT) {
        status_fail(st, url, &e);
        continue;
      }
      ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "%s", e.message);
      goto done;
    }
    if (crl_use(ctx, m, cert, issuer, st, &ret, err)) {
      *done_out = 1;
      break;
    }
    if (ret != KYSO_OK)
      goto done;
    if (!m->der && !m->error) {
      /* dropped from the cache just now: fetch it once more */
      ret = crl_load(ctx, m, 0, err);
      if (ret != KYSO_OK)
        goto done;
      if (crl_use(ctx, m, cert, issuer, st, &ret, err))
        *done_out = 1;
      if (ret != KYSO_OK)
        goto done;
    }
  }

done:
  free(url);
  return ret;
}

/* ---- per certificate ----------------------------------------------------- */

static kyso_status one_cert(rev_ctx *ctx, kyso_blob cert, kyso_blob issuer,
                            kyso_fetch_status *st, kyso_error *err) {
  kyso_status ret = KYSO_OK;
  kyso_ltv_urls *urls = NULL;
  kyso_error e;
  fetch_answer unknown;
  kyso_ltv_answer unknown_answer;
  int done_flag = 0;

  memset(&unknown, 0, sizeof(unknown));
  memset(&unknown_answer, 0, sizeof(unknown_answer));
  st->error = KYSO_ERR_LTV_FETCH;
  if (!cert.data || cert.len == 0 ||
      kyso_ltv_urls_new(cert, &urls, &e) != KYSO_OK) {
    if (!cert.data || cert.len == 0)
      kyso_error_set(&e, KYSO_ERR_ARGUMENT, "empty certificate");
    status_fail(st, NULL, &e);
    goto done;
  }
  if (!issuer.data || issuer.len == 0) {
    ret = fetch_issuer(ctx, cert, urls, st, err);
    if (ret != KYSO_OK || !st->issuer_der)
      goto done;
    issuer.data = st->issuer_der;
    issuer.len = st->issuer_len;
  }
  if (urls->ocsp.count == 0 && urls->crl.count == 0) {
    kyso_error_set(&e, KYSO_ERR_LTV_FETCH,
                   "the certificate names no OCSP responder and no CRL");
    status_fail(st, NULL, &e);
  }
  ret = try_ocsp(ctx, cert, issuer, urls, st, &done_flag, &unknown,
                 &unknown_answer, err);
  if (ret != KYSO_OK || done_flag)
    goto done;
  ctx_lock(ctx); /* the memo and the CRL list: one thread at a time */
  ret = try_crl(ctx, cert, issuer, urls, st, &done_flag, err);
  ctx_unlock(ctx);
  if (ret != KYSO_OK || done_flag)
    goto done;
  if (unknown.data) {
    /* the CRLs gave nothing: "unknown" is still the responder's answer */
    ret = keep_ocsp(ctx, st, unknown.data, unknown.len, &unknown_answer, err);
  }

done:
  free(unknown.data);
  kyso_ltv_urls_free(urls);
  return ret;
}

static void locked_log(void *log_ctx, const char *line) {
  rev_ctx *ctx = log_ctx;
  pthread_mutex_lock(&ctx->log_lock);
  ctx->caller->log(ctx->caller->log_ctx, line);
  pthread_mutex_unlock(&ctx->log_lock);
}

static void *worker(void *arg) {
  rev_ctx *ctx = arg;
  kyso_blob none = {NULL, 0};
  kyso_error e;
  kyso_status st;
  size_t i;

  for (;;) {
    pthread_mutex_lock(&ctx->lock);
    i = ctx->next++;
    st = ctx->fatal;
    pthread_mutex_unlock(&ctx->lock);
    if (i >= ctx->r->count || st != KYSO_OK || fetch_stopped(ctx->config, &e))
      break;
    kyso_error_clear(&e);
    st = one_cert(ctx, ctx->certs[i], ctx->issuers ? ctx->issuers[i] : none,
                  &ctx->r->status[i], &e);
    if (st != KYSO_OK) {
      pthread_mutex_lock(&ctx->lock);
      if (ctx->fatal == KYSO_OK) {
        ctx->fatal = st;
        ctx->fatal_err = e;
      }
      pthread_mutex_unlock(&ctx->lock);
    }
  }
  return NULL;
}

/* The certificates worked on by n threads (this one included). */
static kyso_status run_threads(rev_ctx *ctx, int n, kyso_error *err) {
  pthread_t threads[KYSO_FETCH_PARALLEL_MAX];
  int started = 0, i;

  if (pthread_mutex_init(&ctx->lock, NULL) != 0)
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "no mutex");
  if (pthread_mutex_init(&ctx->log_lock, NULL) != 0) {
    pthread_mutex_destroy(&ctx->lock);
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "no mutex");
  }
  ctx->threaded = 1;
  if (ctx->caller->log) {
    ctx->local.log = locked_log;
    ctx->local.log_ctx = ctx;
  }
  for (i = 0; i < n - 1; i++) {
    if (pthread_create(&threads[i], NULL, worker, ctx) != 0)
      break; /* fewer threads: the work still gets done */
    started++;
  }
  worker(ctx);
  for (i = 0; i < started; i++)
    pthread_join(threads[i], NULL);
  ctx->threaded = 0;
  ctx->local.log = ctx->caller->log;
  ctx->local.log_ctx = ctx->caller->log_ctx;
  pthread_mutex_destroy(&ctx->log_lock);
  pthread_mutex_destroy(&ctx->lock);
  if (ctx->fatal != KYSO_OK)
    return kyso_error_set(err, ctx->fatal, "%s", ctx->fatal_err.message);
  return KYSO_OK;
}

/* Puts the kept answers in certificate order (threads finish in any
 * order) and drops any kept but no longer referenced. */
static kyso_status reorder(kyso_fetch_revocation *r, kyso_error *err) {
  kyso_status ret = KYSO_OK;
  kyso_blob *ocsps = NULL, *crls = NULL;
  size_t nocsp = 0, ncrl = 0, i, index;
  kyso_fetch_status *st;

  for (i = 0; i < r->count && ret == KYSO_OK; i++) {
    st = &r->status[i];
    if (st->kind == KYSO_FETCH_OCSP) {
      ret = blob_add(&ocsps, &nocsp, r->ocsps[st->data_index].data,
                     r->ocsps[st->data_index].len, &index, err);
      st->data_index = index;
    } else if (st->kind == KYSO_FETCH_CRL) {
      ret = blob_add(&crls, &ncrl, r->crls[st->data_index].data,
                     r->crls[st->data_index].len, &index, err);
      st->data_index = index;
    }
  }
  if (ret != KYSO_OK) {
    /* statuses half remapped: the caller frees r and fails */
    for (i = 0; i < nocsp; i++)
      free((void *)ocsps[i].data);
    for (i = 0; i < ncrl; i++)
      free((void *)crls[i].data);
    free(ocsps);
    free(crls);
    return ret;
  }
  for (i = 0; i < r->ocsp_count; i++)
    free((void *)r->ocsps[i].data);
  for (i = 0; i < r->crl_count; i++)
    free((void *)r->crls[i].data);
  free(r->ocsps);
  free(r->crls);
  r->ocsps = ocsps;
  r->ocsp_count = nocsp;
  r->crls = crls;
  r->crl_count = ncrl;
  return KYSO_OK;
}

kyso_status kyso_fetch_revocation_new(const kyso_fetch_config *config,
                                      const kyso_blob *certs,
                                      const kyso_blob *issuers, size_t count,
                                      int64_t now, kyso_fetch_revocation **out,
                                      kyso_error *err) {
  kyso_status ret = KYSO_ERR_NO_MEMORY;
  rev_ctx ctx;
  kyso_blob none = {NULL, 0};
  size_t i;
  int n;

  memset(&ctx, 0, sizeof(ctx));
  if (!config || !out || (!certs && count)) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "missing argument");
    goto done;
  }
  *out = NULL;
  if (count > FETCH_REVOCATION_CERTS_MAX) {
    ret = kyso_error_set(err, KYSO_ERR_LIMIT,
                         "%zu certificates: at most %d in one call", count,
                         FETCH_REVOCATION_CERTS_MAX);
    goto done;
  }
  ctx.caller = config;
  fetch_call_begin(config, &ctx.call, &ctx.local);
  ctx.config = &ctx.local;
  ctx.now = now;
  ctx.certs = certs;
  ctx.issuers = issuers;
  ctx.r = calloc(1, sizeof(*ctx.r));
  if (!ctx.r ||
      (count && !(ctx.r->status = calloc(count, sizeof(*ctx.r->status))))) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  ctx.r->count = count;
  n = config->parallel < 1 ? 1 : config->parallel;
  if (n > KYSO_FETCH_PARALLEL_MAX)
    n = KYSO_FETCH_PARALLEL_MAX;
  if ((size_t)n > count)
    n = (int)count;
  if (n > 1) {
    /* libcurl's global state before any thread uses it */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "libcurl cannot start");
      goto done;
    }
    ret = run_threads(&ctx, n, err);
    curl_global_cleanup();
    if (ret == KYSO_OK)
      ret = reorder(ctx.r, err);
    if (ret != KYSO_OK)
      goto done;
  } else {
    for (i = 0; i < count && !fetch_stopped(ctx.config, err); i++) {
      ret = one_cert(&ctx, certs[i], issuers ? issuers[i] : none,
                     &ctx.r->status[i], err);
      if (ret != KYSO_OK)
        goto done;
    }
  }
  if (fetch_stopped(ctx.config, err)) {
    /* cancelled or past the deadline: no partial result */
    ret = KYSO_ERR_LTV_FETCH;
    goto done;
  }
  *out = ctx.r;
  ctx.r = NULL;
  ret = KYSO_OK;

done:
  for (i = 0; i < ctx.memo_count; i++) {
    free(ctx.memo[i].url);
    free(ctx.memo[i].der);
  }
  free(ctx.memo);
  kyso_fetch_revocation_free(ctx.r);
  return ret;
}

void kyso_fetch_revocation_free(kyso_fetch_revocation *r) {
  size_t i;
  if (!r)
    return;
  for (i = 0; i < r->count; i++)
    free(r->status[i].issuer_der);
  for (i = 0; i < r->ocsp_count; i++)
    free((void *)r->ocsps[i].data);
  for (i = 0; i < r->crl_count; i++)
    free((void *)r->crls[i].data);
  free(r->status);
  free(r->ocsps);
  free(r->crls);
  free(r);
}

kyso_status kyso_fetch_issuer(const kyso_fetch_config *config, kyso_blob cert,
                              uint8_t **issuer, size_t *issuer_len,
                              kyso_error *err) {
  kyso_status ret;
  rev_ctx ctx;
  kyso_fetch_status st;
  kyso_ltv_urls *urls = NULL;

  memset(&ctx, 0, sizeof(ctx));
  memset(&st, 0, sizeof(st));
  if (!config || !issuer || !issuer_len || !cert.data || !cert.len)
    return kyso_error_set(err, KYSO_ERR_ARGUMENT, "missing argument");
  *issuer = NULL;
  *issuer_len = 0;
  ret = kyso_ltv_urls_new(cert, &urls, err);
  if (ret != KYSO_OK)
    return ret;
  ctx.caller = config;
  fetch_call_begin(config, &ctx.call, &ctx.local);
  ctx.config = &ctx.local;
  st.error = KYSO_ERR_LTV_FETCH;
  ret = fetch_issuer(&ctx, cert, urls, &st, err);
  if (ret == KYSO_OK && fetch_stopped(ctx.config, err))
    ret = KYSO_ERR_LTV_FETCH;
  else if (ret == KYSO_OK && !st.issuer_der)
    ret = kyso_error_set(err, st.error ? st.error : KYSO_ERR_LTV_FETCH, "%s",
                         st.error_message[0] ? st.error_message
                                             : "no issuer found");
  if (ret == KYSO_OK) {
    *issuer = st.issuer_der;
    *issuer_len = st.issuer_len;
    st.issuer_der = NULL;
  }
  free(st.issuer_der);
  kyso_ltv_urls_free(urls);
  return ret;
}
