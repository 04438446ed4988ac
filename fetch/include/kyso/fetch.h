/*
 * kyso/fetch.h - fetching long-term validation data over HTTP for the kyso
 * command and kyso-host, through libcurl: OCSP responses, CRLs, issuer
 * certificates (caIssuers) and RFC 3161 timestamps (issue 13).
 *
 * The core builds the requests and judges the answers (kyso/ltv.h); this
 * library only moves bytes, under one guard for every URL:
 *   - http and https only; a host rewrite table (config: `rewrite = FROM TO`,
 *     by default ocsp.ca.ptc -> ocsp.ca.gov.vn) applied first;
 *   - the address connected to must not be loopback, private (RFC 1918,
 *     fc00::/7), link-local, CGNAT, multicast or unspecified, unless
 *     allow_loopback_urls (tests); through a proxy the target's name is
 *     resolved here and checked the same way (the proxy itself is the
 *     user's choice: http_proxy / https_proxy / no_proxy are honoured);
 *   - redirects followed only to the same scheme, host and port (at most
 *     3); no cookies, no credentials in URLs, no other protocols;
 *   - answers capped (KYSO_LIMIT_LTV_RESPONSE_SIZE for OCSP and TSA,
 *     KYSO_LIMIT_LTV_CRL_SIZE for CRLs, certificates 256 KiB), HTTP status
 *     200 only;
 *   - timeout per try (default 180 s: the national TSA answers in 2 to
 *     131 s), tries (3) with back-off (2 s, then 4 s), at most 4 requests
 *     at once;
 *   - every fetch logged (URL, status, bytes, time) through config.log.
 * Library code: never prints, never aborts.
 */
#ifndef KYSO_FETCH_H
#define KYSO_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include "kyso/ltv.h"
#include "kyso/sign.h"
#include "kyso/status.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
  KYSO_FETCH_REWRITES_MAX = 16,
  KYSO_FETCH_PARALLEL_MAX = 4,
  KYSO_FETCH_TRIES_MAX = 5
};

#define KYSO_FETCH_DEFAULT_TSA "http://tsa.ca.gov.vn/"

typedef struct kyso_fetch_rewrite {
  char *from; /* host name, compared case-insensitively */
  char *to;
} kyso_fetch_rewrite;

typedef struct kyso_fetch_config {
  char *tsa_url; /* default KYSO_FETCH_DEFAULT_TSA */
  kyso_fetch_rewrite rewrite[KYSO_FETCH_REWRITES_MAX];
  size_t rewrite_count;
  int allow_loopback_urls; /* tests only: loopback and private addresses */
  long timeout_seconds;    /* per try, default 180 */
  long connect_timeout_seconds; /* default 30 */
  int tries;               /* default 3, at most KYSO_FETCH_TRIES_MAX */
  long retry_delay_ms;     /* first back-off, doubled each try; 2000 */
  int parallel;            /* requests at once, 1..KYSO_FETCH_PARALLEL_MAX */
  char *cache_dir;         /* revocation cache; NULL: none. Written 0700,
                              files 0600, atomically */
  /* Called once per HTTP exchange (and per cache hit) with one line in
   * English, no newline; may be NULL. */
  void (*log)(void *log_ctx, const char *line);
  void *log_ctx;
} kyso_fetch_config;

/* Defaults as above, the rewrite ocsp.ca.ptc -> ocsp.ca.gov.vn, no cache,
 * no log. Allocates: kyso_fetch_config_clear frees. */
kyso_status kyso_fetch_config_init(kyso_fetch_config *config, kyso_error *err);

/*
 * Reads a config file (`key = value` lines, '#' comment lines): tsa_url,
 * rewrite (FROM TO; the first rewrite line replaces the defaults),
 * allow_loopback_urls (yes/no), timeout, connect_timeout, tries,
 * retry_delay_ms, parallel. A missing file is KYSO_OK with nothing
 * changed; an unknown key or bad value is KYSO_ERR_ARGUMENT naming the
 * line. At most 64 KiB.
 */
kyso_status kyso_fetch_config_load(kyso_fetch_config *config, const char *path,
                                   kyso_error *err);
void kyso_fetch_config_clear(kyso_fetch_config *config);

/* The URL after the rewrite table and the scheme/shape checks (not the
 * address: that is checked when connecting). KYSO_ERR_LTV_URL when
 * refused. *out is malloc'd. */
kyso_status kyso_fetch_url_prepare(const kyso_fetch_config *config,
                                   const char *url, char **out,
                                   kyso_error *err);

/*
 * One HTTP exchange under the guard, with the tries and back-off: GET when
 * body is NULL, else POST of body with content_type. The answer must be
 * status 200 and at most max_size bytes (larger: KYSO_ERR_LIMIT, reading
 * stops there). *out (malloc'd, free with free()) and *out_len hold it.
 * Errors: KYSO_ERR_LTV_URL, KYSO_ERR_LTV_FETCH (message: what failed, the
 * HTTP status), KYSO_ERR_LIMIT, KYSO_ERR_NO_MEMORY.
 */
kyso_status kyso_fetch_http(const kyso_fetch_config *config, const char *url,
                            const char *content_type, const uint8_t *body,
                            size_t body_len, size_t max_size, uint8_t **out,
                            size_t *out_len, kyso_error *err);

/* ---- revocation --------------------------------------------------------- */

typedef enum kyso_fetch_kind {
  KYSO_FETCH_NONE = 0, /* nothing usable found */
  KYSO_FETCH_OCSP = 1,
  KYSO_FETCH_CRL = 2
} kyso_fetch_kind;

/* What was found for one certificate. */
typedef struct kyso_fetch_status {
  kyso_fetch_kind kind;
  kyso_ltv_answer answer;   /* when kind is not NONE */
  size_t data_index;        /* into ocsps or crls of the result */
  int from_cache;           /* answered from the cache, no request */
  kyso_status error;        /* KYSO_OK, or why nothing usable was found
                               (the last URL's failure) */
  char error_url[KYSO_LIMIT_LTV_URL_LENGTH + 1];
  char error_message[KYSO_ERROR_MESSAGE_MAX];
  uint8_t *issuer_der;      /* issuer fetched through caIssuers (when the
                               caller had none), checked to have signed
                               cert; else NULL */
  size_t issuer_len;
} kyso_fetch_status;

typedef struct kyso_fetch_revocation {
  kyso_fetch_status *status; /* one per certificate asked about */
  size_t count;
  kyso_blob *ocsps; /* distinct OCSP responses (DER), judged valid */
  size_t ocsp_count;
  kyso_blob *crls;  /* distinct CRLs (DER), judged valid */
  size_t crl_count;
} kyso_fetch_revocation;

/*
 * For each certs[i] (issued by issuers[i]; an empty issuer is fetched
 * from certs[i]'s caIssuers first): OCSP from its AIA responders (a fresh
 * nonce each, RAND_bytes), else a CRL from its distribution points; each
 * answer judged with kyso_ltv_ocsp_check / kyso_ltv_crl_check at now
 * before it is kept or cached. A CRL serves every certificate of the same
 * issuer asked about. Cached answers (config.cache_dir, keyed by issuer
 * and serial for OCSP, by URL for CRLs) are used while now < nextUpdate
 * (an answer without nextUpdate is never cached). Failures for one
 * certificate are in its status, not the return value: KYSO_OK unless
 * memory runs out or an argument is wrong. Free with
 * kyso_fetch_revocation_free.
 */
kyso_status kyso_fetch_revocation_new(const kyso_fetch_config *config,
                                      const kyso_blob *certs,
                                      const kyso_blob *issuers, size_t count,
                                      int64_t now, kyso_fetch_revocation **out,
                                      kyso_error *err);
void kyso_fetch_revocation_free(kyso_fetch_revocation *r);

/* ---- timestamps --------------------------------------------------------- */

/*
 * An RFC 3161 timestamp of digest (algorithm's size) from url (NULL:
 * config.tsa_url): a request with a fresh nonce and certReq, POSTed as
 * application/timestamp-query, the answer judged with kyso_ltv_ts_check
 * against anchors (and intermediates) at now. On KYSO_OK *token (free
 * with free()), *token_len hold the TimeStampToken and *gen_time its time.
 */
kyso_status kyso_fetch_timestamp(const kyso_fetch_config *config,
                                 const char *url, kyso_digest algorithm,
                                 const uint8_t *digest, size_t digest_len,
                                 const kyso_blob *anchors, size_t anchor_count,
                                 const kyso_blob *intermediates,
                                 size_t intermediate_count, int64_t now,
                                 uint8_t **token, size_t *token_len,
                                 int64_t *gen_time, kyso_error *err);

#ifdef __cplusplus
}
#endif

#endif
