/*
 * fetch_guard.c - which URLs kyso_fetch contacts: the shape of a URL, the
 * host rewrite table, address classes and the proxy choice (see
 * fetch_guard.h). Pure functions, no network.
 */
#define _POSIX_C_SOURCE 200809L

#include "fetch_guard.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

/* A name whose last label is numeric (or hex) is an IPv4 address to
 * resolvers (inet_aton reads "127.1", "0x7f.1", "2130706433"): accept
 * only the canonical dotted quad that every parser reads alike. */
static int host_name_valid(const char *host, size_t len) {
  size_t i, last = 0, end = len;
  int numeric = 1;
  char copy[FETCH_HOST_MAX + 1];
  struct in_addr a;

  if (len == 0 || len > FETCH_HOST_MAX || host[0] == '.' || host[0] == '-')
    return 0;
  for (i = 0; i < len; i++) {
    if (!host_char(host[i]))
      return 0;
    if (host[i] == '.' && i + 1 < len && host[i + 1] == '.')
      return 0;
  }
  if (host[len - 1] == '.')
    end = len - 1; /* a trailing dot: the same name, fully qualified */
  for (i = 0; i < end; i++)
    if (host[i] == '.')
      last = i + 1;
  if (end - last > 2 && host[last] == '0' &&
      (host[last + 1] == 'x' || host[last + 1] == 'X')) {
    for (i = last + 2; i < end; i++)
      if (!isxdigit((unsigned char)host[i]))
        numeric = 0;
  } else {
    for (i = last; i < end; i++)
      if (!isdigit((unsigned char)host[i]))
        numeric = 0;
  }
  if (!numeric)
    return 1;
  if (end != len)
    return 0;
  memcpy(copy, host, len);
  copy[len] = '\0';
  /* glibc's inet_pton(AF_INET): four decimal parts, no leading zeros */
  return inet_pton(AF_INET, copy, &a) == 1;
}

int fetch_host_valid(const char *host) {
  return host && host_name_valid(host, strlen(host));
}

int fetch_url_parse(const char *url, fetch_url *out) {
  const char *p, *auth, *auth_end, *host, *host_end, *port = NULL;
  size_t len, i, host_len;
  unsigned long v;
  char buf[64];
  struct in6_addr a6;

  memset(out, 0, sizeof(*out));
  if (!url)
    return 0;
  len = strlen(url);
  if (len == 0 || len > KYSO_LIMIT_LTV_URL_LENGTH)
    return 0;
  for (i = 0; i < len; i++)
    if ((unsigned char)url[i] <= 0x20 || (unsigned char)url[i] >= 0x7f ||
        url[i] == '\\')
      return 0;
  if (strncasecmp(url, "http://", 7) == 0) {
    auth = url + 7;
  } else if (strncasecmp(url, "https://", 8) == 0) {
    out->https = 1;
    auth = url + 8;
  } else {
    return 0;
  }
  auth_end = auth + strcspn(auth, "/?#");
  for (p = auth; p < auth_end; p++)
    if (*p == '@' || *p == '%')
      return 0; /* userinfo; percent-encoded hosts */
  if (auth == auth_end)
    return 0;
  if (*auth == '[') {
    host = auth + 1;
    host_end = memchr(host, ']', (size_t)(auth_end - host));
    if (!host_end)
      return 0;
    host_len = (size_t)(host_end - host);
    if (host_len == 0 || host_len >= sizeof(buf))
      return 0;
    memcpy(buf, host, host_len);
    buf[host_len] = '\0';
    if (strspn(buf, "0123456789abcdefABCDEF:.") != host_len ||
        inet_pton(AF_INET6, buf, &a6) != 1)
      return 0;
    out->ipv6_literal = 1;
    p = host_end + 1;
    if (p < auth_end && *p != ':')
      return 0;
    if (p < auth_end)
      port = p + 1;
  } else {
    host = auth;
    host_end = memchr(auth, ':', (size_t)(auth_end - auth));
    if (host_end)
      port = host_end + 1;
    else
      host_end = auth_end;
    host_len = (size_t)(host_end - host);
    if (!host_name_valid(host, host_len))
      return 0;
  }
  for (i = 0; i < host_len; i++)
    out->host[i] = (char)tolower((unsigned char)host[i]);
  out->host[host_len] = '\0';
  /* "example.com." names the same host as "example.com". */
  if (!out->ipv6_literal && host_len > 1 && out->host[host_len - 1] == '.')
    out->host[host_len - 1] = '\0';
  out->port = out->https ? 443 : 80;
  if (port) {
    if (port == auth_end || auth_end - port > 5)
      return 0;
    v = 0;
    for (p = port; p < auth_end; p++) {
      if (!isdigit((unsigned char)*p))
        return 0;
      v = v * 10 + (unsigned long)(*p - '0');
    }
    if (v < 1 || v > 65535)
      return 0;
    out->port = (unsigned)v;
    out->port_explicit = 1;
  }
  out->rest = auth_end;
  return 1;
}

int fetch_url_same_origin(const fetch_url *a, const fetch_url *b) {
  return a->https == b->https && a->port == b->port &&
         strcasecmp(a->host, b->host) == 0;
}

int fetch_ipv4_blocked(const uint8_t a[4]) {
  return a[0] == 0 ||                               /* 0/8 "this network" */
         a[0] == 10 ||                              /* 10/8 */
         a[0] == 127 ||                             /* loopback */
         (a[0] == 100 && (a[1] & 0xc0) == 64) ||    /* CGNAT 100.64/10 */
         (a[0] == 169 && a[1] == 254) ||            /* link-local */
         (a[0] == 172 && (a[1] & 0xf0) == 16) ||    /* 172.16/12 */
         (a[0] == 192 && a[1] == 168) ||            /* 192.168/16 */
         (a[0] == 192 && a[1] == 0 && a[2] == 0) || /* IETF 192.0.0/24 */
         (a[0] == 198 && (a[1] & 0xfe) == 18) ||    /* benchmarks 198.18/15 */
         a[0] >= 224; /* multicast 224/4, reserved 240/4, broadcast */
}

int fetch_ipv6_blocked(const uint8_t a[16]) {
  static const uint8_t zero[10] = {0};
  static const uint8_t nat64[12] = {0, 0x64, 0xff, 0x9b};
  static const uint8_t nat64_local[6] = {0, 0x64, 0xff, 0x9b, 0, 1};
  if (memcmp(a, zero, 10) == 0 &&
      ((a[10] == 0xff && a[11] == 0xff) || (a[10] == 0 && a[11] == 0)))
    /* ::ffff:a.b.c.d mapped; ::a.b.c.d compatible, :: and ::1 included
     * (0.0.0.0 and 0.0.0.1 are in 0/8) */
    return fetch_ipv4_blocked(a + 12);
  if (memcmp(a, nat64, 12) == 0)
    return fetch_ipv4_blocked(a + 12);
  if (memcmp(a, nat64_local, 6) == 0)
    return 1; /* local-use NAT64 64:ff9b:1::/48 (RFC 8215): the operator
                 maps it to anything, private networks included */
  if (a[0] == 0x20 && a[1] == 0x02) /* 6to4 2002:a.b.c.d::/48 */
    return fetch_ipv4_blocked(a + 2);
  return (a[0] & 0xfe) == 0xfc ||                   /* fc00::/7 */
         (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || /* fe80::/10 */
         (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0) || /* fec0::/10 */
         a[0] == 0xff;                              /* multicast */
}

int fetch_ipv4_loopback(const uint8_t a[4]) {
  return a[0] == 127;
}

int fetch_ipv6_loopback(const uint8_t a[16]) {
  static const uint8_t one[16] = {0, 0, 0, 0, 0, 0, 0, 0,
                                  0, 0, 0, 0, 0, 0, 0, 1};
  static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return memcmp(a, one, 16) == 0 ||
         (memcmp(a, mapped, 12) == 0 && fetch_ipv4_loopback(a + 12));
}

int fetch_sockaddr_refused(const struct sockaddr *sa, size_t len,
                           int allow_loopback) {
  if (allow_loopback && sa && sa->sa_family == AF_INET &&
      len >= sizeof(struct sockaddr_in) &&
      fetch_ipv4_loopback(
          (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr))
    return 0;
  if (allow_loopback && sa && sa->sa_family == AF_INET6 &&
      len >= sizeof(struct sockaddr_in6) &&
      fetch_ipv6_loopback(((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr))
    return 0;
  return fetch_sockaddr_blocked(sa, len);
}

int kyso_fetch_address_refused(const kyso_fetch_config *config,
                               const char *address) {
  uint8_t raw[16];
  int loop = config && config->allow_loopback_urls;
  if (!address)
    return 1;
  if (inet_pton(AF_INET, address, raw) == 1)
    return !(loop && fetch_ipv4_loopback(raw)) && fetch_ipv4_blocked(raw);
  if (inet_pton(AF_INET6, address, raw) == 1)
    return !(loop && fetch_ipv6_loopback(raw)) && fetch_ipv6_blocked(raw);
  return 0; /* a name: checked when it is resolved */
}

int fetch_sockaddr_blocked(const struct sockaddr *sa, size_t len) {
  if (!sa)
    return 1;
  if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in))
    return fetch_ipv4_blocked(
        (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr);
  if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6))
    return fetch_ipv6_blocked(
        ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr);
  return 1; /* another family: nothing the guard knows */
}

static const char *env_nonempty(const char *name) {
  const char *v = getenv(name);
  return v && v[0] ? v : NULL;
}

/* An address with /bits in no_proxy (libcurl 7.86+ reads CIDR). */
static int cidr_match(const char *entry, size_t len, const char *host) {
  char buf[64];
  const char *slash;
  uint8_t net[16], addr[16];
  int family, bits, max, i;
  char *end;
  long v;

  if (len >= sizeof(buf))
    return 0;
  memcpy(buf, entry, len);
  buf[len] = '\0';
  slash = strchr(buf, '/');
  family = strchr(buf, ':') ? AF_INET6 : AF_INET;
  max = family == AF_INET6 ? 128 : 32;
  bits = max;
  if (slash) {
    v = strtol(slash + 1, &end, 10);
    if (*end || end == slash + 1 || v < 0 || v > max)
      return 0;
    bits = (int)v;
    buf[slash - buf] = '\0';
  }
  if (inet_pton(family, buf, net) != 1 || inet_pton(family, host, addr) != 1)
    return 0;
  for (i = 0; i < bits; i++)
    if ((net[i / 8] ^ addr[i / 8]) & (0x80 >> (i % 8)))
      return 0;
  return 1;
}

int fetch_no_proxy_match(const char *no_proxy, const char *host) {
  const char *p = no_proxy, *entry;
  size_t len, host_len = strlen(host);
  int host_is_ip;
  uint8_t tmp[16];

  if (!no_proxy)
    return 0;
  host_is_ip =
      inet_pton(AF_INET, host, tmp) == 1 || inet_pton(AF_INET6, host, tmp) == 1;
  while (*p) {
    while (*p == ',' || *p == ' ' || *p == '\t')
      p++;
    entry = p;
    while (*p && *p != ',' && *p != ' ' && *p != '\t')
      p++;
    len = (size_t)(p - entry);
    if (len == 0)
      continue;
    if (len == 1 && entry[0] == '*')
      return 1;
    if (host_is_ip) {
      if (cidr_match(entry, len, host))
        return 1;
      continue;
    }
    if (entry[0] == '.') {
      entry++;
      len--;
    }
    if (len > 0 && entry[len - 1] == '.')
      len--;
    if (len == 0 || len > host_len)
      continue;
    if (strncasecmp(host + host_len - len, entry, len) == 0 &&
        (len == host_len || host[host_len - len - 1] == '.'))
      return 1;
  }
  return 0;
}

const char *fetch_proxy_for(const fetch_url *u) {
  const char *proxy, *no_proxy;

  no_proxy = env_nonempty("no_proxy");
  if (!no_proxy)
    no_proxy = env_nonempty("NO_PROXY");
  if (fetch_no_proxy_match(no_proxy, u->host))
    return NULL;
  if (u->https) {
    proxy = env_nonempty("https_proxy");
    if (!proxy)
      proxy = env_nonempty("HTTPS_PROXY");
  } else {
    proxy = env_nonempty("http_proxy");
  }
  if (!proxy)
    proxy = env_nonempty("all_proxy");
  if (!proxy)
    proxy = env_nonempty("ALL_PROXY");
  return proxy;
}

kyso_status kyso_fetch_url_prepare(const kyso_fetch_config *config,
                                   const char *url, char **out,
                                   kyso_error *err) {
  fetch_url u;
  const char *host;
  size_t i, n;
  char *s;
  char port[8] = "";

  if (!config || !url || !out)
    return kyso_error_set(err, KYSO_ERR_ARGUMENT, "missing argument");
  *out = NULL;
  if (!fetch_url_parse(url, &u))
    return kyso_error_set(err, KYSO_ERR_LTV_URL,
                          "URL refused (http or https, a plain host, no "
                          "user name): %.120s",
                          url);
  host = u.host;
  for (i = 0; i < config->rewrite_count && i < KYSO_FETCH_REWRITES_MAX; i++)
    if (config->rewrite[i].from && config->rewrite[i].to &&
        strcasecmp(config->rewrite[i].from, u.host) == 0) {
      host = config->rewrite[i].to;
      break;
    }
  if (u.port_explicit)
    snprintf(port, sizeof(port), ":%u", u.port);
  n = strlen("https://[]") + strlen(host) + strlen(port) + strlen(u.rest) + 1;
  if (n > KYSO_LIMIT_LTV_URL_LENGTH + 1)
    return kyso_error_set(err, KYSO_ERR_LTV_URL, "URL too long: %.120s", url);
  s = malloc(n);
  if (!s)
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  snprintf(s, n, "%s://%s%s%s%s%s", u.https ? "https" : "http",
           u.ipv6_literal && host == u.host ? "[" : "", host,
           u.ipv6_literal && host == u.host ? "]" : "", port, u.rest);
  /* lower-case the rewritten host as the parsed one is */
  for (i = strlen(u.https ? "https://" : "http://");
       s[i] && s[i] != '/' && s[i] != '?' && s[i] != '#'; i++)
    s[i] = (char)tolower((unsigned char)s[i]);
  if (!fetch_url_parse(s, &u)) {
    free(s);
    return kyso_error_set(err, KYSO_ERR_LTV_URL,
                          "URL refused after rewrite: %.120s", url);
  }
  *out = s;
  return KYSO_OK;
}
