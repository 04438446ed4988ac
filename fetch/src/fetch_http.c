/*
 * fetch_http.c - one HTTP exchange under the guard, through libcurl's easy
 * interface: the address check at connect time (CURLOPT_OPENSOCKETFUNCTION)
 * or, through a proxy, on the target's own resolution; redirects followed
 * here, same origin only; answers capped while they are read; tries with
 * back-off; one log line per exchange.
 *
 * Redirects: 301, 302, 307 and 308 repeat the request as it was (a POSTed
 * OCSP or timestamp request must not turn into an empty GET); 303 turns it
 * into a GET, as RFC 9110 15.4.4 says.
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "fetch_guard.h"
#include "fetch_internal.h"

enum {
  FETCH_REDIRECTS_MAX = 3,
  FETCH_HEADERS_MAX = 64 * 1024, /* all header lines of one answer */
  FETCH_LOG_LINE_MAX = KYSO_LIMIT_LTV_URL_LENGTH + 256
};

/* State of one exchange (one easy handle, one request). */
typedef struct fetch_xfer {
  uint8_t *buf;
  size_t len, cap, max;
  size_t header_bytes;
  int oversize;
  int headers_oversize;
  int blocked; /* the guard refused the address connected to */
  char blocked_ip[INET6_ADDRSTRLEN];
  int check_addresses; /* direct connection (through a proxy: the target's
                          resolution is checked before) */
  int allow_loopback;  /* allow_loopback_urls: loopback only */
  int bad_encoding;    /* a Transfer-Encoding other than chunked */
  int stopped;         /* cancelled or past the deadline */
  const kyso_fetch_config *config;
  char content_type[96];
} fetch_xfer;

/* ---- cancel and deadline ------------------------------------------------- */

static int64_t monotonic_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The cancelled hook of a local config made by fetch_call_begin. */
static int call_poll(void *ctx) {
  const fetch_call *call = ctx;
  if (call->deadline_ms && monotonic_ms() >= call->deadline_ms)
    return 1;
  return call->cancelled && call->cancelled(call->cancel_ctx);
}

void fetch_call_begin(const kyso_fetch_config *config, fetch_call *call,
                      kyso_fetch_config *local) {
  *local = *config;
  memset(call, 0, sizeof(*call));
  if (config->cancelled == call_poll) {
    /* already inside a call (kyso_fetch_timestamp -> exchange): keep it */
    return;
  }
  call->cancelled = config->cancelled;
  call->cancel_ctx = config->cancel_ctx;
  if (config->deadline_seconds > 0) {
    call->deadline_seconds = config->deadline_seconds;
    call->deadline_ms =
        monotonic_ms() + (int64_t)config->deadline_seconds * 1000;
  }
  local->cancelled = call_poll;
  local->cancel_ctx = call;
}

int fetch_stopped(const kyso_fetch_config *config, kyso_error *err) {
  const fetch_call *call;
  if (!config->cancelled)
    return 0;
  if (config->cancelled != call_poll) {
    if (!config->cancelled(config->cancel_ctx))
      return 0;
    kyso_error_set(err, KYSO_ERR_LTV_FETCH, "cancelled");
    return 1;
  }
  call = config->cancel_ctx;
  if (call->deadline_ms && monotonic_ms() >= call->deadline_ms) {
    kyso_error_set(err, KYSO_ERR_LTV_FETCH, "deadline of %ld s passed",
                   call->deadline_seconds);
    return 1;
  }
  if (call->cancelled && call->cancelled(call->cancel_ctx)) {
    kyso_error_set(err, KYSO_ERR_LTV_FETCH, "cancelled");
    return 1;
  }
  return 0;
}

long fetch_remaining_ms(const kyso_fetch_config *config) {
  const fetch_call *call;
  int64_t left;
  if (config->cancelled != call_poll)
    return LONG_MAX;
  call = config->cancel_ctx;
  if (!call->deadline_ms)
    return LONG_MAX;
  left = call->deadline_ms - monotonic_ms();
  return left < 1 ? 1 : left > LONG_MAX ? LONG_MAX : (long)left;
}

static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow,
                       curl_off_t ultotal, curl_off_t ulnow) {
  fetch_xfer *x = ctx;
  const kyso_fetch_config *config = x->config;
  (void)dltotal;
  (void)dlnow;
  (void)ultotal;
  (void)ulnow;
  if (config->cancelled && config->cancelled(config->cancel_ctx)) {
    x->stopped = 1;
    return 1; /* CURLE_ABORTED_BY_CALLBACK */
  }
  return 0;
}

void fetch_log(const kyso_fetch_config *config, const char *format, ...) {
  char line[FETCH_LOG_LINE_MAX];
  va_list ap;
  if (!config || !config->log)
    return;
  va_start(ap, format);
  vsnprintf(line, sizeof(line), format, ap);
  va_end(ap);
  config->log(config->log_ctx, line);
}

int fetch_type_is_text(const char *content_type) {
  return strncmp(content_type, "text/", 5) == 0;
}

static size_t on_write(char *data, size_t size, size_t n, void *ctx) {
  fetch_xfer *x = ctx;
  size_t add = size * n, cap;
  uint8_t *grown;

  if (add > x->max - x->len) {
    x->oversize = 1;
    return 0; /* stops the transfer: CURLE_WRITE_ERROR */
  }
  if (x->len + add > x->cap) {
    cap = x->cap ? x->cap : 4096;
    while (cap < x->len + add)
      cap = cap > x->max / 2 ? x->max : cap * 2;
    grown = realloc(x->buf, cap);
    if (!grown)
      return 0;
    x->buf = grown;
    x->cap = cap;
  }
  memcpy(x->buf + x->len, data, add);
  x->len += add;
  return add;
}

/* The value of header "name:" in line (len bytes), trimmed; NULL if the
 * line is another header. */
static const char *header_value(const char *line, size_t len, const char *name,
                                size_t *value_len) {
  size_t n = strlen(name), end = len;
  const char *v;
  if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
    return NULL;
  v = line + n + 1;
  while (v < line + end && (*v == ' ' || *v == '\t'))
    v++;
  while (end > (size_t)(v - line) &&
         (line[end - 1] == '\r' || line[end - 1] == '\n' ||
          line[end - 1] == ' ' || line[end - 1] == '\t'))
    end--;
  *value_len = end - (size_t)(v - line);
  return v;
}

static size_t on_header(char *data, size_t size, size_t n, void *ctx) {
  fetch_xfer *x = ctx;
  size_t len = size * n, vlen, i;
  const char *v;
  unsigned long long cl = 0;

  x->header_bytes += len;
  if (x->header_bytes > FETCH_HEADERS_MAX) {
    x->headers_oversize = 1;
    return 0;
  }
  if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
    x->content_type[0] = '\0'; /* a new answer (after 100 Continue) */
    return len;
  }
  if ((v = header_value(data, len, "Transfer-Encoding", &vlen))) {
    /* chunked only: libcurl would decode gzip/deflate codings itself
     * (a few KB on the wire, MiBs in memory before the cap is met) */
    if (vlen != 7 || strncasecmp(v, "chunked", 7) != 0) {
      x->bad_encoding = 1;
      return 0;
    }
  } else if ((v = header_value(data, len, "Content-Length", &vlen))) {
    /* refused early: no need to read a body larger than the cap */
    for (i = 0; i < vlen && v[i] >= '0' && v[i] <= '9'; i++) {
      cl = cl * 10 + (unsigned)(v[i] - '0');
      if (cl > x->max) {
        x->oversize = 1;
        return 0;
      }
    }
  } else if ((v = header_value(data, len, "Content-Type", &vlen))) {
    for (i = 0; i < vlen && i + 1 < sizeof(x->content_type) && v[i] != ';' &&
                v[i] != ' ';
         i++)
      x->content_type[i] =
          (char)(v[i] >= 'A' && v[i] <= 'Z' ? v[i] + 32 : v[i]);
    x->content_type[i] = '\0';
  }
  return len;
}

static curl_socket_t on_open_socket(void *ctx, curlsocktype purpose,
                                    struct curl_sockaddr *addr) {
  fetch_xfer *x = ctx;
  const void *raw = NULL;

  if (x->check_addresses &&
      fetch_sockaddr_refused(&addr->addr, (size_t)addr->addrlen,
                             x->allow_loopback)) {
    x->blocked = 1;
    if (addr->family == AF_INET)
      raw = &((struct sockaddr_in *)&addr->addr)->sin_addr;
    else if (addr->family == AF_INET6)
      raw = &((struct sockaddr_in6 *)&addr->addr)->sin6_addr;
    if (!raw ||
        !inet_ntop(addr->family, raw, x->blocked_ip, sizeof(x->blocked_ip)))
      snprintf(x->blocked_ip, sizeof(x->blocked_ip), "?");
    return CURL_SOCKET_BAD;
  }
  return socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
}

/* Through a proxy the connection goes to the proxy (the user's choice);
 * the target's name is resolved here and every address checked. The
 * proxy resolves it again: a name that changes its answers in between
 * (DNS rebinding) is not caught; without a proxy it is. */
static kyso_status check_target_resolution(const fetch_url *u,
                                           int allow_loopback,
                                           kyso_error *err) {
  struct addrinfo hints, *res = NULL, *ai;
  kyso_status ret = KYSO_OK;
  int rc;

  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  rc = getaddrinfo(u->host, NULL, &hints, &res);
  if (rc != 0 || !res)
    return kyso_error_set(err, KYSO_ERR_LTV_URL,
                          "cannot resolve %s to check its address (the "
                          "proxy is used only for public addresses)",
                          u->host);
  for (ai = res; ai; ai = ai->ai_next)
    if (fetch_sockaddr_refused(ai->ai_addr, (size_t)ai->ai_addrlen,
                               allow_loopback)) {
      ret = kyso_error_set(err, KYSO_ERR_LTV_URL,
                           "address of %s refused: loopback, private or "
                           "link-local",
                           u->host);
      break;
    }
  freeaddrinfo(res);
  return ret;
}

static int redirect_status(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 ||
         status == 308;
}

typedef struct fetch_request {
  const kyso_fetch_config *config;
  const char *content_type;
  const uint8_t *body; /* NULL: GET */
  size_t body_len;
  size_t max_size;
  int try_number;
  int tries;
} fetch_request;

/* One request to url. On KYSO_OK: *status and, for 200, x holds the
 * answer; for a redirect *location the target (malloc'd). *retry tells
 * whether a failure may pass with another try. */
static kyso_status exchange_once(const fetch_request *rq, const char *url,
                                 const fetch_url *u, int post, fetch_xfer *x,
                                 long *status, char **location, int *retry,
                                 kyso_error *err) {
  kyso_status ret = KYSO_ERR_LTV_FETCH;
  CURL *curl = NULL;
  struct curl_slist *headers = NULL;
  char header[160];
  const char *proxy, *redirect = NULL, *ip = NULL;
  CURLcode rc;
  curl_off_t micros = 0;
  char curl_message[CURL_ERROR_SIZE] = "";
  char outcome[200];
  const kyso_fetch_config *config = rq->config;
  long remaining, try_ms;

  *status = 0;
  *location = NULL;
  *retry = 0;
  proxy = fetch_proxy_for(u);
  x->check_addresses = !proxy;
  x->allow_loopback = config->allow_loopback_urls != 0;
  if (proxy) {
    ret = check_target_resolution(u, x->allow_loopback, err);
    if (ret != KYSO_OK) {
      fetch_log(config, "%s %s -> refused before the proxy: %s, try %d/%d",
                post ? "POST" : "GET", url, err ? err->message : "",
                rq->try_number, rq->tries);
      goto done;
    }
  }
  curl = curl_easy_init();
  if (!curl) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "libcurl cannot start");
    goto done;
  }
  rc = curl_easy_setopt(curl, CURLOPT_URL, url);
  if (rc == CURLE_OK)
    rc = curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  if (rc == CURLE_OK)
    rc = curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  if (rc != CURLE_OK) {
    ret = kyso_error_set(err, KYSO_ERR_LTV_URL, "libcurl refuses %.200s: %s",
                         url, curl_easy_strerror(rc));
    goto done;
  }
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  remaining = fetch_remaining_ms(config);
  try_ms = config->timeout_seconds > LONG_MAX / 1000
               ? LONG_MAX
               : config->timeout_seconds * 1000;
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                   remaining < try_ms ? remaining : try_ms);
  x->config = config;
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, x);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT,
                   config->connect_timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, x);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, x);
  curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
  curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, x);
  curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)rq->max_size);
  curl_easy_setopt(curl, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_message);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "kyso");
  curl_easy_setopt(curl, CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
  /* The proxy decided here is the one libcurl uses: no second reading of
   * the environment that could differ from the guard's. */
  curl_easy_setopt(curl, CURLOPT_PROXY, proxy ? proxy : "");
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "");
  if (post) {
    snprintf(header, sizeof(header), "Content-Type: %s",
             rq->content_type ? rq->content_type : "application/octet-stream");
    headers = curl_slist_append(NULL, header);
    if (headers)
      headers = curl_slist_append(headers, "Expect:");
    if (!headers) {
      ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
      goto done;
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, (const char *)rq->body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     (curl_off_t)rq->body_len);
  } else {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  }

  rc = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
  curl_easy_getinfo(curl, CURLINFO_TOTAL_TIME_T, &micros);
  if (rc == CURLE_OK && x->check_addresses &&
      curl_easy_getinfo(curl, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip) {
    /* belt and braces: the address of the connection actually used */
    uint8_t raw[16];
    if ((inet_pton(AF_INET, ip, raw) == 1 &&
         !(x->allow_loopback && fetch_ipv4_loopback(raw)) &&
         fetch_ipv4_blocked(raw)) ||
        (inet_pton(AF_INET6, ip, raw) == 1 &&
         !(x->allow_loopback && fetch_ipv6_loopback(raw)) &&
         fetch_ipv6_blocked(raw))) {
      x->blocked = 1;
      snprintf(x->blocked_ip, sizeof(x->blocked_ip), "%s", ip);
    }
  }
  if (rc == CURLE_OK && !x->blocked)
    snprintf(outcome, sizeof(outcome), "HTTP %ld", *status);
  else if (x->blocked)
    snprintf(outcome, sizeof(outcome), "refused address %s", x->blocked_ip);
  else if (x->stopped)
    snprintf(outcome, sizeof(outcome), "stopped (cancelled or deadline)");
  else if (x->bad_encoding)
    snprintf(outcome, sizeof(outcome), "refused Transfer-Encoding");
  else if (x->oversize || x->headers_oversize || rc == CURLE_FILESIZE_EXCEEDED)
    snprintf(outcome, sizeof(outcome), "stopped at the size cap of %zu",
             rq->max_size);
  else
    snprintf(outcome, sizeof(outcome), "failed: %.160s",
             curl_message[0] ? curl_message : curl_easy_strerror(rc));
  fetch_log(config, "%s %s -> %s, %zu bytes, %lld ms, try %d/%d",
            post ? "POST" : "GET", url, outcome, x->len,
            (long long)(micros / 1000), rq->try_number, rq->tries);
  if (x->blocked) {
    ret = kyso_error_set(err, KYSO_ERR_LTV_URL,
                         "address %s of %s refused: loopback, private or "
                         "link-local",
                         x->blocked_ip, u->host);
    goto done;
  }
  if (x->stopped) {
    ret = KYSO_ERR_LTV_FETCH;
    if (!fetch_stopped(config, err))
      kyso_error_set(err, KYSO_ERR_LTV_FETCH, "cancelled");
    goto done;
  }
  if (x->bad_encoding) {
    ret = kyso_error_set(err, KYSO_ERR_LTV_FETCH,
                         "answer from %.200s with a Transfer-Encoding other "
                         "than chunked refused",
                         url);
    goto done;
  }
  if (x->oversize || rc == CURLE_FILESIZE_EXCEEDED) {
    ret = kyso_error_set(err, KYSO_ERR_LIMIT,
                         "answer from %.200s larger than %zu bytes", url,
                         rq->max_size);
    goto done;
  }
  if (x->headers_oversize) {
    ret = kyso_error_set(err, KYSO_ERR_LIMIT,
                         "headers from %.200s larger than %d bytes", url,
                         FETCH_HEADERS_MAX);
    goto done;
  }
  if (rc != CURLE_OK) {
    *retry = rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
             rc == CURLE_COULDNT_RESOLVE_PROXY ||
             rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_GOT_NOTHING ||
             rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR ||
             rc == CURLE_PARTIAL_FILE;
    ret = kyso_error_set(
        err, KYSO_ERR_LTV_FETCH, "%s %.200s: %s", post ? "POST" : "GET", url,
        curl_message[0] ? curl_message : curl_easy_strerror(rc));
    goto done;
  }
  if (redirect_status(*status)) {
    if (curl_easy_getinfo(curl, CURLINFO_REDIRECT_URL, &redirect) != CURLE_OK ||
        !redirect) {
      ret = kyso_error_set(err, KYSO_ERR_LTV_FETCH,
                           "HTTP %ld from %.200s without a usable Location",
                           *status, url);
      goto done;
    }
    *location = strdup(redirect);
    if (!*location) {
      ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
      goto done;
    }
    ret = KYSO_OK;
    goto done;
  }
  if (*status != 200) {
    *retry = *status >= 500 && *status <= 599;
    ret = kyso_error_set(err, KYSO_ERR_LTV_FETCH, "HTTP status %ld from %.200s",
                         *status, url);
    goto done;
  }
  ret = KYSO_OK;

done:
  curl_slist_free_all(headers);
  if (curl)
    curl_easy_cleanup(curl);
  return ret;
}

/* One try: the request and the redirects it is sent on to. */
static kyso_status exchange_try(const fetch_request *rq, const char *url,
                                fetch_answer *out, int *retry,
                                kyso_error *err) {
  kyso_status ret = KYSO_ERR_LTV_FETCH;
  fetch_xfer x;
  fetch_url u, next;
  char *current = NULL, *location = NULL;
  int hop, post = rq->body != NULL;
  long status = 0;

  memset(&x, 0, sizeof(x));
  *retry = 0;
  current = strdup(url);
  if (!current)
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  if (!fetch_url_parse(current, &u)) {
    ret = kyso_error_set(err, KYSO_ERR_LTV_URL, "URL refused: %.200s", url);
    goto done;
  }
  for (hop = 0;; hop++) {
    free(x.buf);
    memset(&x, 0, sizeof(x));
    x.max = rq->max_size;
    ret = exchange_once(rq, current, &u, post, &x, &status, &location, retry,
                        err);
    if (ret != KYSO_OK)
      goto done;
    if (!location)
      break;
    if (!fetch_url_parse(location, &next) ||
        !fetch_url_same_origin(&u, &next)) {
      ret = kyso_error_set(err, KYSO_ERR_LTV_URL,
                           "redirect to another host refused: %.200s -> %.200s",
                           current, location);
      goto done;
    }
    if (hop + 1 > FETCH_REDIRECTS_MAX) {
      ret = kyso_error_set(err, KYSO_ERR_LTV_FETCH,
                           "more than %d redirects from %.200s",
                           FETCH_REDIRECTS_MAX, url);
      goto done;
    }
    if (status == 303)
      post = 0;
    free(current);
    current = location;
    location = NULL;
    u = next; /* its rest points into current, the same buffer */
  }
  out->data = x.buf;
  out->len = x.len;
  x.buf = NULL;
  snprintf(out->content_type, sizeof(out->content_type), "%s", x.content_type);
  ret = KYSO_OK;

done:
  free(x.buf);
  free(current);
  free(location);
  return ret;
}

/* Sleeps ms in slices of 100 ms, polling the cancel hook and the
 * deadline: 0 when stopped (err set). */
static int sleep_ms(const kyso_fetch_config *config, long ms, kyso_error *err) {
  struct timespec ts;
  long slice;
  while (ms > 0) {
    if (fetch_stopped(config, err))
      return 0;
    slice = ms < 100 ? ms : 100;
    ts.tv_sec = 0;
    ts.tv_nsec = slice * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
      ;
    ms -= slice;
  }
  return !fetch_stopped(config, err);
}

kyso_status fetch_http_exchange(const kyso_fetch_config *config,
                                const char *url, const char *content_type,
                                const uint8_t *body, size_t body_len,
                                size_t max_size, fetch_answer *out,
                                kyso_error *err) {
  kyso_status ret = KYSO_ERR_LTV_FETCH;
  fetch_request rq;
  int tries, retry = 0;
  long delay;

  if (!config || !url || !out || max_size == 0 || (!body && body_len))
    return kyso_error_set(err, KYSO_ERR_ARGUMENT, "missing argument");
  memset(out, 0, sizeof(*out));
  if (config->timeout_seconds < 1 || config->connect_timeout_seconds < 1)
    return kyso_error_set(err, KYSO_ERR_ARGUMENT, "timeouts must be set");
  tries = config->tries < 1 ? 1 : config->tries;
  if (tries > KYSO_FETCH_TRIES_MAX)
    tries = KYSO_FETCH_TRIES_MAX;
  delay = config->retry_delay_ms < 0 ? 0 : config->retry_delay_ms;
  memset(&rq, 0, sizeof(rq));
  rq.config = config;
  rq.content_type = content_type;
  rq.body = body;
  rq.body_len = body_len;
  rq.max_size = max_size;
  rq.tries = tries;
  for (rq.try_number = 1; rq.try_number <= tries; rq.try_number++) {
    if (rq.try_number > 1) {
      if (!sleep_ms(config, delay, err)) {
        ret = KYSO_ERR_LTV_FETCH;
        break;
      }
      delay = delay > 60000 ? 120000 : delay * 2;
    }
    if (fetch_stopped(config, err)) {
      ret = KYSO_ERR_LTV_FETCH;
      break;
    }
    ret = exchange_try(&rq, url, out, &retry, err);
    if (ret == KYSO_OK || !retry)
      break;
  }
  return ret;
}

kyso_status kyso_fetch_http(const kyso_fetch_config *config, const char *url,
                            const char *content_type, const uint8_t *body,
                            size_t body_len, size_t max_size, uint8_t **out,
                            size_t *out_len, kyso_error *err) {
  kyso_status ret;
  fetch_answer answer;
  char *prepared = NULL;
  fetch_call call;
  kyso_fetch_config local;

  if (!out || !out_len || !config)
    return kyso_error_set(err, KYSO_ERR_ARGUMENT, "missing argument");
  *out = NULL;
  *out_len = 0;
  ret = kyso_fetch_url_prepare(config, url, &prepared, err);
  if (ret != KYSO_OK)
    return ret;
  fetch_call_begin(config, &call, &local);
  ret = fetch_http_exchange(&local, prepared, content_type, body, body_len,
                            max_size, &answer, err);
  if (ret == KYSO_OK) {
    *out = answer.data;
    *out_len = answer.len;
  }
  free(prepared);
  return ret;
}
