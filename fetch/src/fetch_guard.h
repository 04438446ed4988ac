/*
 * fetch_guard.h - the pure parts of the URL guard (private to kyso_fetch,
 * exposed for tests/fetch/test_fetch_guard.c): URL shape, the rewrite
 * table, redirect targets, address classes, the proxy choice.
 */
#ifndef KYSO_FETCH_GUARD_H
#define KYSO_FETCH_GUARD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "kyso/fetch.h"

enum { FETCH_HOST_MAX = 253 };

/* A URL split as the guard reads it. host is lower case, without the
 * brackets of an IPv6 literal. */
typedef struct fetch_url {
  int https;
  char host[FETCH_HOST_MAX + 1];
  int ipv6_literal;
  unsigned port; /* explicit, or 80 / 443 */
  int port_explicit;
  const char *rest; /* path, query and fragment: points into the URL */
} fetch_url;

/* 1 when url is an absolute http(s) URL of the accepted shape: printable
 * ASCII without spaces or backslashes, at most KYSO_LIMIT_LTV_URL_LENGTH
 * bytes, no userinfo, a host that is a DNS name (letters, digits, '-',
 * '_', '.'), a canonical dotted-quad IPv4 address (no "127.1", no
 * "2130706433", no hex: their resolution differs between resolvers) or a
 * bracketed IPv6 literal without zone, an optional port 1..65535. */
int fetch_url_parse(const char *url, fetch_url *out);

/* 1 when host is acceptable as a rewrite target or source (the host rule
 * above, brackets excluded). */
int fetch_host_valid(const char *host);

/* Same scheme, host (case-insensitive) and port. */
int fetch_url_same_origin(const fetch_url *a, const fetch_url *b);

/* 1 when the address may not be contacted: unspecified, loopback, RFC 1918
 * and fc00::/7 private, link-local, CGNAT 100.64/10, multicast, reserved
 * 240/4 and broadcast, site-local fec0::/10, and IPv4 addresses of those
 * classes inside IPv4-mapped, IPv4-compatible, NAT64 (64:ff9b::/96) and
 * 6to4 (2002::/16) IPv6 addresses; the local-use NAT64 prefix
 * 64:ff9b:1::/48 (RFC 8215) whole. */
int fetch_ipv4_blocked(const uint8_t a[4]);
int fetch_ipv6_blocked(const uint8_t a[16]);
int fetch_sockaddr_blocked(const struct sockaddr *sa, size_t len);
/* 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104. */
int fetch_ipv4_loopback(const uint8_t a[4]);
int fetch_ipv6_loopback(const uint8_t a[16]);
/* fetch_sockaddr_blocked, except that loopback is let through when
 * allow_loopback (tests): private, link-local, metadata and the rest stay
 * refused. */
int fetch_sockaddr_refused(const struct sockaddr *sa, size_t len,
                           int allow_loopback);

/*
 * The proxy for a URL from the environment, as libcurl reads it (it is
 * then given to libcurl explicitly, so the guard and libcurl agree):
 * http: http_proxy (lower case only: HTTP_PROXY may be set by a CGI
 * request); https: https_proxy, then HTTPS_PROXY; then all_proxy,
 * ALL_PROXY. no_proxy (else NO_PROXY): "*", or comma/space separated
 * names matching the host or a parent domain (a leading '.' ignored), or
 * IP addresses (with /bits). Returns the proxy (borrowed from the
 * environment) or NULL for a direct connection.
 */
const char *fetch_proxy_for(const fetch_url *u);
/* 1 when no_proxy (the value of the variable) exempts host. */
int fetch_no_proxy_match(const char *no_proxy, const char *host);

#endif
