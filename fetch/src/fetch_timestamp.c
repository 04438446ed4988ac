/*
 * fetch_timestamp.c - an RFC 3161 timestamp over HTTP (RFC 3161 3.4).
 *
 * The answer's media type should be application/timestamp-reply; real
 * TSAs also send application/timestamp-response (the draft's name) or
 * application/octet-stream, so any type is accepted except text (an HTML
 * error page, a captive portal): the bytes are judged by
 * kyso_ltv_ts_check (signature, TSA chain, imprint, nonce), which is what
 * makes them trustworthy, not the header.
 */
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "fetch_internal.h"

static size_t digest_size(kyso_digest algorithm) {
  switch (algorithm) {
  case KYSO_DIGEST_SHA256: return 32;
  case KYSO_DIGEST_SHA384: return 48;
  case KYSO_DIGEST_SHA512: return 64;
  }
  return 0;
}

kyso_status kyso_fetch_timestamp(const kyso_fetch_config *config,
                                 const char *url, kyso_digest algorithm,
                                 const uint8_t *digest, size_t digest_len,
                                 const kyso_blob *anchors, size_t anchor_count,
                                 const kyso_blob *intermediates,
                                 size_t intermediate_count, int64_t now,
                                 uint8_t **token, size_t *token_len,
                                 int64_t *gen_time, kyso_error *err) {
  kyso_status ret = KYSO_ERR_ARGUMENT;
  uint8_t nonce[16];
  uint8_t *request = NULL, *tst = NULL;
  size_t request_len = 0, tst_len = 0;
  char *prepared = NULL;
  fetch_answer answer;
  kyso_blob d, n, resp;
  fetch_call call;
  kyso_fetch_config local;

  memset(&answer, 0, sizeof(answer));
  if (!config || !digest || !token || !token_len || !gen_time ||
      (!anchors && anchor_count) || (!intermediates && intermediate_count)) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "missing argument");
    goto done;
  }
  *token = NULL;
  *token_len = 0;
  *gen_time = 0;
  if (digest_len != digest_size(algorithm)) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                         "digest of %zu bytes for this algorithm", digest_len);
    goto done;
  }
  if (anchor_count == 0) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                         "no TSA trust anchors: a timestamp from an unknown "
                         "TSA proves nothing");
    goto done;
  }
  if (!url)
    url = config->tsa_url ? config->tsa_url : KYSO_FETCH_DEFAULT_TSA;
  ret = kyso_fetch_url_prepare(config, url, &prepared, err);
  if (ret != KYSO_OK)
    goto done;
  if (RAND_bytes(nonce, sizeof(nonce)) != 1) {
    ret = kyso_error_set(err, KYSO_ERR_CRYPTO, "no random nonce");
    goto done;
  }
  d.data = digest;
  d.len = digest_len;
  n.data = nonce;
  n.len = sizeof(nonce);
  ret = kyso_ltv_ts_request_new(algorithm, d, n, &request, &request_len, err);
  if (ret != KYSO_OK)
    goto done;
  fetch_call_begin(config, &call, &local);
  ret = fetch_http_exchange(&local, prepared, "application/timestamp-query",
                            request, request_len, KYSO_LIMIT_LTV_RESPONSE_SIZE,
                            &answer, err);
  if (ret != KYSO_OK)
    goto done;
  if (fetch_type_is_text(answer.content_type)) {
    ret = kyso_error_set(err, KYSO_ERR_LTV_FETCH,
                         "%.200s answered %s, not a timestamp", prepared,
                         answer.content_type);
    goto done;
  }
  resp.data = answer.data;
  resp.len = answer.len;
  ret = kyso_ltv_ts_check(resp, algorithm, d, n, anchors, anchor_count,
                          intermediates, intermediate_count, now, &tst,
                          &tst_len, gen_time, err);
  if (ret != KYSO_OK)
    goto done;
  /* free() for the caller, whatever allocator the core uses */
  *token = malloc(tst_len);
  if (!*token) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  memcpy(*token, tst, tst_len);
  *token_len = tst_len;
  fetch_log(config, "timestamp from %s: %zu bytes", prepared, tst_len);

done:
  kyso_ltv_request_free(request);
  kyso_ltv_request_free(tst);
  free(answer.data);
  free(prepared);
  return ret;
}
