/*
 * fuzz_fetch_guard.c - libFuzzer target: any bytes through kyso_fetch's
 * URL guard (fetch/src/fetch_guard.h). Must never crash or leak, and must
 * agree with libcurl: a URL the guard accepts is parsed by curl_url into
 * the same scheme, host and port, so the host the guard checked (and the
 * rewrite table matched) is the host libcurl connects to. A differential
 * here would let a certificate's URL reach another host than the one
 * judged.
 *
 * Input: the bytes up to the first NUL are the URL; after it, a no_proxy
 * list matched against the URL's host.
 */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fetch_guard.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static void check_with_curl(const char *url, const fetch_url *u) {
  CURLU *h = curl_url();
  char *scheme = NULL, *host = NULL, *port = NULL;
  size_t n;

  if (!h)
    return;
  /* curl must accept it too, and read the same authority */
  if (curl_url_set(h, CURLUPART_URL, url, 0) != CURLUE_OK)
    abort();
  if (curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
      curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
      curl_url_get(h, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK)
    abort();
  if (strcmp(scheme, u->https ? "https" : "http") != 0)
    abort();
  if ((unsigned)strtoul(port, NULL, 10) != u->port)
    abort();
  n = strlen(host);
  if (u->ipv6_literal) {
    /* curl keeps the brackets and may normalise the address: both parse */
    if (n < 2 || host[0] != '[' || host[n - 1] != ']')
      abort();
  } else {
    if (n > 0 && host[n - 1] == '.')
      n--; /* the guard drops a trailing dot */
    if (strlen(u->host) != n || strncasecmp(host, u->host, n) != 0)
      abort();
  }
  curl_free(scheme);
  curl_free(host);
  curl_free(port);
  curl_url_cleanup(h);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
  char *buf = malloc(size + 1), *out = NULL, *list;
  fetch_url u, v;
  kyso_fetch_config config;
  kyso_error err;
  size_t i;

  if (!buf)
    return 0;
  memcpy(buf, data, size);
  buf[size] = '\0';
  list = buf + strlen(buf) < buf + size ? buf + strlen(buf) + 1 : buf + size;
  if (fetch_url_parse(buf, &u)) {
    if (u.host[0] == '\0' || u.port < 1 || u.port > 65535)
      abort();
    for (i = 0; u.host[i]; i++)
      if (u.host[i] >= 'A' && u.host[i] <= 'Z')
        abort();
    if (*u.rest && *u.rest != '/' && *u.rest != '?' && *u.rest != '#')
      abort();
    check_with_curl(buf, &u);
    (void)fetch_no_proxy_match(list, u.host);
    if (kyso_fetch_config_init(&config, &err) == KYSO_OK) {
      if (kyso_fetch_url_prepare(&config, buf, &out, &err) != KYSO_OK ||
          !fetch_url_parse(out, &v) || v.port != u.port ||
          strcmp(v.rest, u.rest) != 0)
        abort();
      check_with_curl(out, &v);
      free(out);
      kyso_fetch_config_clear(&config);
    }
  }
  free(buf);
  return 0;
}
