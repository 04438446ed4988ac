/*
 * test_fetch_guard.c - the pure parts of kyso_fetch's guard: URL shape,
 * the rewrite table, address classes, the proxy choice, the config file.
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fetch_guard.h"

static void test_url_shapes(void) {
  static const char *const good[] = {
      "http://ocsp.ca.gov.vn/",
      "HTTP://OCSP.CA.GOV.VN",
      "https://ca.gov.vn/pki/pub/crl/rootca.crl",
      "http://127.0.0.1:19730/ocsp",
      "http://[::1]:8080/x?y=z",
      "http://host_with_underscore.example/",
      "http://example.com./a",
      "http://a.b.c.d.example:65535/#frag",
  };
  static const char *const bad[] = {
      "",
      "ftp://example.com/",
      "file:///etc/passwd",
      "ldap://ca.gov.vn/cn=x",
      "http://",
      "http:///path",
      "http://user@example.com/",
      "http://user:pw@example.com/",
      "http://example.com@evil.test/",
      "http://exa mple.com/",
      "http://example.com/a b",
      "http://example.com\\@evil/",
      "http://ex%61mple.com/",
      "http://example.com:0/",
      "http://example.com:65536/",
      "http://example.com:/",
      "http://example.com:80a/",
      "http://127.1/",
      "http://2130706433/",
      "http://0x7f.0.0.1/",
      "http://0x7f000001/",
      "http://127.000.000.001/",
      "http://017700000001/",
      "http://1.2.3.4./",
      "http://[::1%25eth0]/",
      "http://[::1/",
      "http://[::1]x/",
      "http://[zz::1]/",
      "http://.example.com/",
      "http://a..b/",
      "http://-a.example/",
      "http://ex\x01ample.com/",
      "http://ex\xc3\xa1mple.com/",
  };
  size_t i;
  fetch_url u;
  char longer[KYSO_LIMIT_LTV_URL_LENGTH + 16];

  for (i = 0; i < sizeof(good) / sizeof(*good); i++) {
    int ok = fetch_url_parse(good[i], &u);
    if (!ok)
      fprintf(stderr, "refused: %s\n", good[i]);
    CHECK(ok);
  }
  for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
    int ok = fetch_url_parse(bad[i], &u);
    if (ok)
      fprintf(stderr, "accepted: %s\n", bad[i]);
    CHECK(!ok);
  }
  CHECK(fetch_url_parse("HTTPS://Ca.Gov.VN:8443/x", &u));
  CHECK_EQ_STR(u.host, "ca.gov.vn");
  CHECK_EQ_INT(u.port, 8443);
  CHECK_EQ_INT(u.https, 1);
  CHECK_EQ_STR(u.rest, "/x");
  CHECK(fetch_url_parse("http://[::FFFF:127.0.0.1]/", &u));
  CHECK_EQ_INT(u.ipv6_literal, 1);
  CHECK_EQ_STR(u.host, "::ffff:127.0.0.1");
  CHECK_EQ_INT(u.port, 80);
  CHECK(fetch_url_parse("http://example.com./", &u));
  CHECK_EQ_STR(u.host, "example.com");

  memset(longer, 'a', sizeof(longer) - 1);
  longer[sizeof(longer) - 1] = '\0';
  memcpy(longer, "http://x.example/", 17);
  CHECK(!fetch_url_parse(longer, &u));
  longer[KYSO_LIMIT_LTV_URL_LENGTH] = '\0';
  CHECK(fetch_url_parse(longer, &u));
}

static void test_same_origin(void) {
  fetch_url a, b;
  CHECK(fetch_url_parse("http://Ocsp.Example/a", &a));
  CHECK(fetch_url_parse("http://ocsp.example:80/b?c", &b));
  CHECK(fetch_url_same_origin(&a, &b));
  CHECK(fetch_url_parse("https://ocsp.example/a", &b));
  CHECK(!fetch_url_same_origin(&a, &b));
  CHECK(fetch_url_parse("http://ocsp.example:8080/a", &b));
  CHECK(!fetch_url_same_origin(&a, &b));
  CHECK(fetch_url_parse("http://ocsp.example.evil/a", &b));
  CHECK(!fetch_url_same_origin(&a, &b));
  CHECK(fetch_url_parse("http://127.0.0.1:1/", &a));
  CHECK(fetch_url_parse("http://localhost:1/", &b));
  CHECK(!fetch_url_same_origin(&a, &b));
}

static int v4(const char *s) {
  uint8_t a[4];
  if (inet_pton(AF_INET, s, a) != 1)
    return -1;
  return fetch_ipv4_blocked(a);
}

static int v6(const char *s) {
  uint8_t a[16];
  if (inet_pton(AF_INET6, s, a) != 1)
    return -1;
  return fetch_ipv6_blocked(a);
}

static void test_addresses(void) {
  static const char *const blocked4[] = {
      "0.0.0.0",         "0.1.2.3",         "10.0.0.1",       "10.255.255.255",
      "127.0.0.1",       "127.255.0.9",     "100.64.0.1",     "100.127.255.254",
      "169.254.169.254", "172.16.0.1",      "172.31.255.255", "192.168.1.1",
      "224.0.0.1",       "239.255.255.250", "240.0.0.1",      "255.255.255.255",
      "192.0.0.8",       "198.18.0.1"};
  static const char *const open4[] = {
      "1.1.1.1",        "8.8.8.8",         "100.63.255.255", "100.128.0.1",
      "172.15.255.255", "172.32.0.1",      "192.167.1.1",    "169.253.1.1",
      "203.162.4.190",  "223.255.255.255", "11.0.0.1",       "126.255.255.255"};
  static const char *const blocked6[] = {
      "::", "::1", "fc00::1", "fdff::1", "fe80::1", "febf::1", "fec0::1",
      "ff02::1", "::ffff:127.0.0.1", "::ffff:10.1.2.3",
      "::ffff:169.254.169.254", "::127.0.0.1", "64:ff9b::7f00:1",
      "64:ff9b::a00:1", "2002:7f00:1::", "2002:c0a8:101::1",
      /* local-use NAT64, RFC 8215 */
      "64:ff9b:1::a00:1", "64:ff9b:1:ffff::808:808", "64:ff9b:1::"};
  static const char *const open6[] = {"2001:db8::1",     "2606:4700::1111",
                                      "::ffff:8.8.8.8",  "64:ff9b::808:808",
                                      "2002:808:808::1", "fbff::1",
                                      "fe00::1"};
  size_t i;
  struct sockaddr_in sin;
  struct sockaddr_in6 sin6;

  for (i = 0; i < sizeof(blocked4) / sizeof(*blocked4); i++) {
    if (v4(blocked4[i]) != 1)
      fprintf(stderr, "not blocked: %s\n", blocked4[i]);
    CHECK_EQ_INT(v4(blocked4[i]), 1);
  }
  for (i = 0; i < sizeof(open4) / sizeof(*open4); i++) {
    if (v4(open4[i]) != 0)
      fprintf(stderr, "blocked: %s\n", open4[i]);
    CHECK_EQ_INT(v4(open4[i]), 0);
  }
  for (i = 0; i < sizeof(blocked6) / sizeof(*blocked6); i++) {
    if (v6(blocked6[i]) != 1)
      fprintf(stderr, "not blocked: %s\n", blocked6[i]);
    CHECK_EQ_INT(v6(blocked6[i]), 1);
  }
  for (i = 0; i < sizeof(open6) / sizeof(*open6); i++) {
    if (v6(open6[i]) != 0)
      fprintf(stderr, "blocked: %s\n", open6[i]);
    CHECK_EQ_INT(v6(open6[i]), 0);
  }
  memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
  CHECK(fetch_sockaddr_blocked((struct sockaddr *)&sin, sizeof(sin)));
  inet_pton(AF_INET, "8.8.4.4", &sin.sin_addr);
  CHECK(!fetch_sockaddr_blocked((struct sockaddr *)&sin, sizeof(sin)));
  CHECK(fetch_sockaddr_blocked((struct sockaddr *)&sin, 2)); /* truncated */
  memset(&sin6, 0, sizeof(sin6));
  sin6.sin6_family = AF_INET6;
  inet_pton(AF_INET6, "::ffff:192.168.0.1", &sin6.sin6_addr);
  CHECK(fetch_sockaddr_blocked((struct sockaddr *)&sin6, sizeof(sin6)));
  inet_pton(AF_INET6, "2001:4860::8888", &sin6.sin6_addr);
  CHECK(!fetch_sockaddr_blocked((struct sockaddr *)&sin6, sizeof(sin6)));
  sin.sin_family = AF_UNIX;
  CHECK(fetch_sockaddr_blocked((struct sockaddr *)&sin, sizeof(sin)));
}

/* allow_loopback_urls opens loopback only; the CLI's early check uses the
 * same classifier (kyso_fetch_address_refused). */
static void test_loopback_only(void) {
  kyso_fetch_config c;
  kyso_error err;
  struct sockaddr_in sin;
  struct sockaddr_in6 sin6;

  CHECK_EQ_INT(kyso_fetch_config_init(&c, &err), KYSO_OK);
  CHECK(kyso_fetch_address_refused(&c, "127.0.0.1"));
  CHECK(kyso_fetch_address_refused(&c, "::1"));
  CHECK(kyso_fetch_address_refused(&c, "64:ff9b:1::a00:1"));
  CHECK(!kyso_fetch_address_refused(&c, "8.8.8.8"));
  CHECK(!kyso_fetch_address_refused(&c, "ocsp.ca.gov.vn")); /* a name */
  c.allow_loopback_urls = 1;
  CHECK(!kyso_fetch_address_refused(&c, "127.0.0.1"));
  CHECK(!kyso_fetch_address_refused(&c, "127.3.2.1"));
  CHECK(!kyso_fetch_address_refused(&c, "::1"));
  CHECK(!kyso_fetch_address_refused(&c, "::ffff:127.0.0.1"));
  CHECK(kyso_fetch_address_refused(&c, "169.254.169.254"));
  CHECK(kyso_fetch_address_refused(&c, "10.0.0.1"));
  CHECK(kyso_fetch_address_refused(&c, "192.168.1.1"));
  CHECK(kyso_fetch_address_refused(&c, "fd00::1"));
  CHECK(kyso_fetch_address_refused(&c, "fe80::1"));
  CHECK(kyso_fetch_address_refused(&c, "0.0.0.0"));
  CHECK(kyso_fetch_address_refused(&c, "::"));
  CHECK(kyso_fetch_address_refused(&c, "64:ff9b::7f00:1")); /* NAT64 */
  memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
  CHECK(!fetch_sockaddr_refused((struct sockaddr *)&sin, sizeof(sin), 1));
  CHECK(fetch_sockaddr_refused((struct sockaddr *)&sin, sizeof(sin), 0));
  inet_pton(AF_INET, "169.254.169.254", &sin.sin_addr);
  CHECK(fetch_sockaddr_refused((struct sockaddr *)&sin, sizeof(sin), 1));
  memset(&sin6, 0, sizeof(sin6));
  sin6.sin6_family = AF_INET6;
  inet_pton(AF_INET6, "::1", &sin6.sin6_addr);
  CHECK(!fetch_sockaddr_refused((struct sockaddr *)&sin6, sizeof(sin6), 1));
  inet_pton(AF_INET6, "fc00::1", &sin6.sin6_addr);
  CHECK(fetch_sockaddr_refused((struct sockaddr *)&sin6, sizeof(sin6), 1));
  kyso_fetch_config_clear(&c);
}

static void test_prepare(void) {
  kyso_fetch_config c;
  kyso_error err;
  char *out = NULL;

  CHECK_EQ_INT(kyso_fetch_config_init(&c, &err), KYSO_OK);
  CHECK_EQ_INT(c.timeout_seconds, 180);
  CHECK_EQ_INT(c.tries, 3);
  CHECK_EQ_INT(c.retry_delay_ms, 2000);
  CHECK_EQ_STR(c.tsa_url, KYSO_FETCH_DEFAULT_TSA);
  CHECK_EQ_INT(c.rewrite_count, 1);

  CHECK_EQ_INT(kyso_fetch_url_prepare(&c, "http://OCSP.CA.PTC/", &out, &err),
               KYSO_OK);
  CHECK_EQ_STR(out, "http://ocsp.ca.gov.vn/");
  free(out);
  out = NULL;
  CHECK_EQ_INT(
      kyso_fetch_url_prepare(&c, "HTTP://ocsp.ca.ptc:8080/a?b", &out, &err),
      KYSO_OK);
  CHECK_EQ_STR(out, "http://ocsp.ca.gov.vn:8080/a?b");
  free(out);
  out = NULL;
  /* a suffix is not the host */
  CHECK_EQ_INT(kyso_fetch_url_prepare(&c, "http://x.ocsp.ca.ptc/", &out, &err),
               KYSO_OK);
  CHECK_EQ_STR(out, "http://x.ocsp.ca.ptc/");
  free(out);
  out = NULL;
  CHECK_EQ_INT(kyso_fetch_url_prepare(&c, "http://[::1]:81/", &out, &err),
               KYSO_OK);
  CHECK_EQ_STR(out, "http://[::1]:81/");
  free(out);
  out = NULL;
  CHECK_EQ_INT(kyso_fetch_url_prepare(&c, "http://u@ocsp.ca.ptc/", &out, &err),
               KYSO_ERR_LTV_URL);
  CHECK(out == NULL);
  CHECK_EQ_INT(kyso_fetch_url_prepare(&c, "gopher://x/", &out, &err),
               KYSO_ERR_LTV_URL);
  kyso_fetch_config_clear(&c);
}

static void test_no_proxy(void) {
  fetch_url u;
  CHECK(fetch_no_proxy_match("*", "anything.example"));
  CHECK(fetch_no_proxy_match("example.com", "example.com"));
  CHECK(fetch_no_proxy_match("example.com", "a.example.com"));
  CHECK(fetch_no_proxy_match(".example.com", "a.example.com"));
  CHECK(fetch_no_proxy_match("foo, example.com ,bar", "EXAMPLE.com"));
  CHECK(!fetch_no_proxy_match("example.com", "badexample.com"));
  CHECK(!fetch_no_proxy_match("a.example.com", "example.com"));
  CHECK(!fetch_no_proxy_match("", "example.com"));
  CHECK(!fetch_no_proxy_match(NULL, "example.com"));
  CHECK(fetch_no_proxy_match("127.0.0.1", "127.0.0.1"));
  CHECK(fetch_no_proxy_match("10.0.0.0/8", "10.2.3.4"));
  CHECK(!fetch_no_proxy_match("10.0.0.0/8", "11.2.3.4"));
  CHECK(!fetch_no_proxy_match("127.0.0.1", "127.0.0.2"));
  CHECK(fetch_no_proxy_match("::1", "::1"));

  unsetenv("no_proxy");
  unsetenv("NO_PROXY");
  unsetenv("all_proxy");
  unsetenv("ALL_PROXY");
  setenv("http_proxy", "http://proxy.test:3128", 1);
  setenv("HTTP_PROXY", "http://wrong.test:1", 1);
  setenv("HTTPS_PROXY", "http://sproxy.test:3128", 1);
  unsetenv("https_proxy");
  CHECK(fetch_url_parse("http://ocsp.example/", &u));
  CHECK_EQ_STR(fetch_proxy_for(&u), "http://proxy.test:3128");
  CHECK(fetch_url_parse("https://ocsp.example/", &u));
  CHECK_EQ_STR(fetch_proxy_for(&u), "http://sproxy.test:3128");
  setenv("https_proxy", "http://lower.test:1", 1);
  CHECK_EQ_STR(fetch_proxy_for(&u), "http://lower.test:1");
  setenv("no_proxy", "example", 1);
  CHECK(fetch_proxy_for(&u) == NULL);
  /* HTTP_PROXY alone is not used for http (CGI "Proxy:" header) */
  unsetenv("no_proxy");
  unsetenv("http_proxy");
  CHECK(fetch_url_parse("http://ocsp.example/", &u));
  CHECK(fetch_proxy_for(&u) == NULL);
  setenv("ALL_PROXY", "socks5h://all.test:1080", 1);
  CHECK_EQ_STR(fetch_proxy_for(&u), "socks5h://all.test:1080");
  unsetenv("ALL_PROXY");
  unsetenv("HTTP_PROXY");
  unsetenv("HTTPS_PROXY");
  unsetenv("https_proxy");
}

static const char *write_file(const char *text) {
  static char path[64];
  FILE *f;
  snprintf(path, sizeof(path), "/tmp/kyso-fetch-conf-%ld", (long)getpid());
  f = fopen(path, "w");
  if (!f)
    return NULL;
  fputs(text, f);
  fclose(f);
  return path;
}

static kyso_status load_text(const char *text, kyso_fetch_config *c,
                             kyso_error *err) {
  const char *path = write_file(text);
  kyso_status st;
  kyso_fetch_config_init(c, err);
  st = kyso_fetch_config_load(c, path, err);
  unlink(path);
  return st;
}

static void test_config(void) {
  kyso_fetch_config c;
  kyso_error err;
  char *big;

  CHECK_EQ_INT(load_text("# comment\n\n"
                         "tsa_url = http://127.0.0.1:19731/tsa\n"
                         "rewrite = a.example b.example\n"
                         "rewrite =   c.example\td.example  \n"
                         "allow_loopback_urls = yes\n"
                         "timeout = 2\n"
                         "connect_timeout = 1\n"
                         "tries = 5\n"
                         "retry_delay_ms = 0\n"
                         "parallel = 1\n",
                         &c, &err),
               KYSO_OK);
  CHECK_EQ_STR(c.tsa_url, "http://127.0.0.1:19731/tsa");
  CHECK_EQ_INT(c.rewrite_count, 2); /* the default replaced */
  CHECK_EQ_STR(c.rewrite[0].from, "a.example");
  CHECK_EQ_STR(c.rewrite[1].to, "d.example");
  CHECK_EQ_INT(c.allow_loopback_urls, 1);
  CHECK_EQ_INT(c.timeout_seconds, 2);
  CHECK_EQ_INT(c.connect_timeout_seconds, 1);
  CHECK_EQ_INT(c.tries, 5);
  CHECK_EQ_INT(c.retry_delay_ms, 0);
  CHECK_EQ_INT(c.parallel, 1);
  kyso_fetch_config_clear(&c);

  CHECK_EQ_INT(load_text("timeout = 10\n", &c, &err), KYSO_OK);
  CHECK_EQ_INT(c.rewrite_count, 1);      /* defaults kept without rewrite */
  CHECK_EQ_INT(c.deadline_seconds, 600); /* the default overall deadline */
  CHECK(c.cancelled == NULL);
  kyso_fetch_config_clear(&c);
  CHECK_EQ_INT(load_text("deadline = 30\n", &c, &err), KYSO_OK);
  CHECK_EQ_INT(c.deadline_seconds, 30);
  kyso_fetch_config_clear(&c);
  CHECK_EQ_INT(load_text("deadline = 0\n", &c, &err), KYSO_OK);
  CHECK_EQ_INT(c.deadline_seconds, 0); /* none */
  kyso_fetch_config_clear(&c);
  CHECK_EQ_INT(load_text("deadline = -5\n", &c, &err), KYSO_ERR_ARGUMENT);
  kyso_fetch_config_clear(&c);

  CHECK_EQ_INT(load_text("colour = blue\n", &c, &err), KYSO_ERR_ARGUMENT);
  CHECK(strstr(err.message, ":1:") != NULL);
  kyso_fetch_config_clear(&c);
  CHECK_EQ_INT(load_text("\n\ntries = 6\n", &c, &err), KYSO_ERR_ARGUMENT);
  CHECK(strstr(err.message, ":3:") != NULL);
  kyso_fetch_config_clear(&c);
  CHECK_EQ_INT(load_text("tries = 0\n", &c, &err), KYSO_ERR_ARGUMENT);
  kyso_fetch_config_clear(&c);
  CHECK_EQ_INT(load_text("timeout = -1\n", &c, &err), KYSO_ERR_ARGUMENT);
  kyso_fetch_config_clear(&c);
  CHECK_EQ_INT(load_text("timeout = 99999999999999999999\n", &c, &err),
               KYSO_ERR_ARGUMENT);
  kyso_fetch_config_clear(&c);
  CHECK_EQ_INT(load_text("parallel = 5\n", &c, &err), KYSO_ERR_ARGUMENT);
  kyso_fetch_config_clear(&c);
  CHECK_EQ_INT(load_text("allow_loopback_urls = maybe\n", &c, &err),
               KYSO_ERR_ARGUMENT);
  kyso_fetch_config_clear(&c);
  CHECK_EQ_INT(load_text("tsa_url = ftp://tsa.example/\n", &c, &err),
               KYSO_ERR_ARGUMENT);
  kyso_fetch_config_clear(&c);
  CHECK_EQ_INT(load_text("tsa_url = http://u:p@tsa.example/\n", &c, &err),
               KYSO_ERR_ARGUMENT);
  kyso_fetch_config_clear(&c);
  CHECK_EQ_INT(load_text("rewrite = onlyone\n", &c, &err), KYSO_ERR_ARGUMENT);
  kyso_fetch_config_clear(&c);
  CHECK_EQ_INT(load_text("rewrite = a b c\n", &c, &err), KYSO_ERR_ARGUMENT);
  kyso_fetch_config_clear(&c);
  CHECK_EQ_INT(load_text("rewrite = a.example 127.1\n", &c, &err),
               KYSO_ERR_ARGUMENT);
  kyso_fetch_config_clear(&c);
  CHECK_EQ_INT(load_text("timeout 10\n", &c, &err), KYSO_ERR_ARGUMENT);
  kyso_fetch_config_clear(&c);
  {
    char text[17 * 32 + 1] = "";
    int i;
    for (i = 0; i < 17; i++)
      snprintf(text + strlen(text), sizeof(text) - strlen(text),
               "rewrite = h%d.example t.example\n", i);
    CHECK_EQ_INT(load_text(text, &c, &err), KYSO_ERR_ARGUMENT);
    CHECK(strstr(err.message, ":17:") != NULL);
    kyso_fetch_config_clear(&c);
  }
  big = malloc(70 * 1024);
  if (big) {
    memset(big, '#', 70 * 1024 - 1);
    big[70 * 1024 - 1] = '\0';
    CHECK_EQ_INT(load_text(big, &c, &err), KYSO_ERR_LIMIT);
    kyso_fetch_config_clear(&c);
    free(big);
  }
  kyso_fetch_config_init(&c, &err);
  CHECK_EQ_INT(kyso_fetch_config_load(&c, "/nonexistent/kyso-fetch.conf", &err),
               KYSO_OK);
  CHECK_EQ_INT(c.timeout_seconds, 180);
  kyso_fetch_config_clear(&c);
}

int main(void) {
  test_url_shapes();
  test_same_origin();
  test_addresses();
  test_loopback_only();
  test_prepare();
  test_no_proxy();
  test_config();
  return check_summary();
}
