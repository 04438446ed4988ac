/*
 * fetch_internal.h - what the files of kyso_fetch share (private).
 */
#ifndef KYSO_FETCH_INTERNAL_H
#define KYSO_FETCH_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "kyso/fetch.h"

/* An answer as kyso_fetch_http gets it, with its media type (lower case,
 * parameters cut, "" when none). */
typedef struct fetch_answer {
  uint8_t *data; /* malloc'd */
  size_t len;
  char content_type[96];
} fetch_answer;

/* kyso_fetch_http keeping the content type. url is used as given
 * (kyso_fetch_url_prepare it first). */
kyso_status fetch_http_exchange(const kyso_fetch_config *config,
                                const char *url, const char *content_type,
                                const uint8_t *body, size_t body_len,
                                size_t max_size, fetch_answer *out,
                                kyso_error *err);

/* ---- cancel and deadline (fetch_http.c) --------------------------------- */

/* The state of one public call (kyso_fetch_http, kyso_fetch_timestamp,
 * kyso_fetch_revocation_new): the caller's cancel hook and the overall
 * deadline. fetch_call_begin makes *local a copy of config whose
 * cancelled/cancel_ctx poll both; pass local down. */
typedef struct fetch_call {
  int (*cancelled)(void *cancel_ctx); /* the caller's */
  void *cancel_ctx;
  long deadline_seconds; /* 0: none */
  int64_t deadline_ms;   /* CLOCK_MONOTONIC */
} fetch_call;

void fetch_call_begin(const kyso_fetch_config *config, fetch_call *call,
                      kyso_fetch_config *local);

/* 1 when the call must stop (cancelled or past its deadline): err says
 * which (KYSO_ERR_LTV_FETCH "cancelled" / "deadline of N s passed"). */
int fetch_stopped(const kyso_fetch_config *config, kyso_error *err);

/* Milliseconds left before the deadline (LONG_MAX when none). */
long fetch_remaining_ms(const kyso_fetch_config *config);

/* One formatted log line through config->log (nothing when NULL). */
void fetch_log(const kyso_fetch_config *config, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* 1 when an answer's media type is text (an HTML error page, a captive
 * portal): refused before the bytes are judged. Other types are not
 * trusted either way: the bytes are judged by the core. */
int fetch_type_is_text(const char *content_type);

/* ---- cache (fetch_cache.c) ---------------------------------------------- */

/* The cache file name for an OCSP answer about cert (issued by issuer):
 * SHA-256 of the issuer's key hash and cert's serial; for a CRL: of its
 * URL. name holds "ocsp-<64 hex>.der" / "crl-<64 hex>.der". */
enum { FETCH_CACHE_NAME_MAX = 80 };
kyso_status fetch_cache_name_ocsp(kyso_blob cert, kyso_blob issuer,
                                  char name[FETCH_CACHE_NAME_MAX],
                                  kyso_error *err);
void fetch_cache_name_crl(const char *url, char name[FETCH_CACHE_NAME_MAX]);

/* Reads cache_dir/name (a regular file of at most max bytes, not a
 * link). 1 and *data (malloc'd), *len when read; 0 when absent or
 * unusable (nothing to free). */
int fetch_cache_read(const kyso_fetch_config *config, const char *name,
                     size_t max, uint8_t **data, size_t *len);
/* Writes cache_dir/name atomically (temporary file 0600, fsync, rename),
 * creating the directory (0700). Failures are logged and ignored: the
 * cache is an optimisation. */
void fetch_cache_write(const kyso_fetch_config *config, const char *name,
                       const uint8_t *data, size_t len);
void fetch_cache_remove(const kyso_fetch_config *config, const char *name);

#endif
