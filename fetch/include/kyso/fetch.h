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
 *     fc00::/7), link-local, CGNAT, NAT64 local-use, multicast or
 *     unspecified; allow_loopback_urls (tests) lets loopback only
 *     through; through a proxy the target's name is resolved here and
 *     checked the same way (the proxy itself is the user's choice:
 *     http_proxy / https_proxy / no_proxy are honoured). Limit: the proxy
 *     resolves the name again itself, so a name whose answers change in
 *     between (DNS rebinding) can still make the proxy connect to an
 *     address inside its network; kyso only fetches from URLs named by
 *     certificates that chain to its trust anchors (the CLI and kyso-host
 *     check this before asking), which is what bounds that risk;
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
  int allow_loopback_urls;      /* tests only: 127.0.0.0/8 and ::1 (and names
                                   resolving there) allowed; private,
                                   link-local and metadata addresses stay
                                   refused */
  long timeout_seconds;         /* per try, default 180 */
  long connect_timeout_seconds; /* default 30 */
  int tries;                    /* default 3, at most KYSO_FETCH_TRIES_MAX */
  long retry_delay_ms;          /* first back-off, doubled each try; 2000 */
  int parallel;    /* requests at once, 1..KYSO_FETCH_PARALLEL_MAX */
  char *cache_dir; /* revocation cache; NULL: none. Written 0700,
                      files 0600, atomically */
  /* Called once per HTTP exchange (and per cache hit) with one line in
   * English, no newline; may be NULL. */
  void (*log)(void *log_ctx, const char *line);
  void *log_ctx;
  /* Cancellation, may be NULL: polled at least about once a second while
   * a transfer runs (CURLOPT_XFERINFOFUNCTION), every 100 ms during the
   * back-off between tries, and before each request of a call. It may be
   * called from several threads at once (kyso_fetch_revocation_new works
   * with up to `parallel` threads): read an atomic flag. A nonzero answer
   * stops the call: kyso_fetch_http, kyso_fetch_timestamp,
   * kyso_fetch_issuer and kyso_fetch_revocation_new return
   * KYSO_ERR_LTV_FETCH with the message "cancelled" (revocation: no
   * partial result, *out stays NULL). */
  int (*cancelled)(void *cancel_ctx);
  void *cancel_ctx;
  /* Overall deadline of one kyso_fetch_revocation_new,
   * kyso_fetch_timestamp, kyso_fetch_issuer or kyso_fetch_http call (all
   * tries, back-offs, redirects and requests together; each try's
   * timeout is cut to what is left), seconds; default 600, config key
   * `deadline`. When it passes the call stops like a cancel, with
   * KYSO_ERR_LTV_FETCH "deadline of N s passed". 0: no overall deadline. */
  long deadline_seconds;
} kyso_fetch_config;

/* Defaults as above, the rewrite ocsp.ca.ptc -> ocsp.ca.gov.vn, no cache,
 * no log. Allocates: kyso_fetch_config_clear frees. */
kyso_status kyso_fetch_config_init(kyso_fetch_config *config, kyso_error *err);

/*
 * Reads a config file (`key = value` lines, '#' comment lines): tsa_url,
 * rewrite (FROM TO; the first rewrite line replaces the defaults),
 * allow_loopback_urls (yes/no), timeout, connect_timeout, tries,
 * retry_delay_ms, parallel, deadline (seconds per call, 0: none). A missing
 * file is KYSO_OK with nothing changed; an unknown key or bad value is
 * KYSO_ERR_ARGUMENT naming the line. At most 64 KiB.
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

/* 1 when the literal IP address (IPv4 or IPv6 text, no brackets) is one
 * the guard refuses to connect to under config (allow_loopback_urls lets
 * only 127.0.0.0/8 and ::1 through); 0 for an allowed address or a name
 * (names are checked when resolved). The one list of the guard, for
 * callers that check URLs early (the CLI's --allow-loopback-urls check). */
int kyso_fetch_address_refused(const kyso_fetch_config *config,
                               const char *address);

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
  kyso_ltv_answer answer; /* when kind is not NONE */
  size_t data_index;      /* into ocsps or crls of the result */
  int from_cache;         /* answered from the cache, no request */
  kyso_status error;      /* KYSO_OK, or why nothing usable was found
                             (the last URL's failure) */
  char error_url[KYSO_LIMIT_LTV_URL_LENGTH + 1];
  char error_message[KYSO_ERROR_MESSAGE_MAX];
  uint8_t *issuer_der; /* issuer fetched through caIssuers (when the
                          caller had none), checked to have signed
                          cert; else NULL */
  size_t issuer_len;
} kyso_fetch_status;

typedef struct kyso_fetch_revocation {
  kyso_fetch_status *status; /* one per certificate asked about */
  size_t count;
  kyso_blob *ocsps; /* distinct OCSP responses (DER), judged valid */
  size_t ocsp_count;
  kyso_blob *crls; /* distinct CRLs (DER), judged valid */
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

/*
 * Only cert's issuer through its caIssuers URLs (the first certificate
 * that names itself cert's issuer and whose key verifies cert), no
 * revocation request: for completing a path that does not reach a trust
 * anchor yet, before any of its revocation URLs is used (the caller
 * checks that the completed path reaches an anchor). On KYSO_OK *issuer
 * (free with free()) and *issuer_len hold its DER; KYSO_ERR_LTV_FETCH /
 * _URL / _SCOPE / _RESPONSE when none was had. Under the call's deadline
 * and cancel hook like the others.
 */
kyso_status kyso_fetch_issuer(const kyso_fetch_config *config, kyso_blob cert,
                              uint8_t **issuer, size_t *issuer_len,
                              kyso_error *err);

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
