/*
 * host_origin.h - the syntax of an origin as kyso-host compares it.
 *
 * Every origin the host meets (a websocket Origin header, a native-messaging
 * request's "origin", the browser's extension origin, a host.conf or
 * origins-file line) is put in one canonical form before any comparison,
 * the serialisation of RFC 6454 6.1: lower-case scheme and host, no default
 * port, no trailing dot, no path, userinfo, query or fragment. A deny of
 * https://evil.example therefore also holds for "HTTPS://EVIL.EXAMPLE:443"
 * and "https://evil.example.".
 *
 * What it does not do: resolve names, decode IDNA (browsers send the
 * A-label), or know that two names reach one server. IPv4 hosts must be
 * dotted decimal (browsers never send another form) and IPv6 literals are
 * rewritten in the RFC 5952 form.
 */
#ifndef KYSO_HOST_ORIGIN_H
#define KYSO_HOST_ORIGIN_H

#include <stddef.h>

#include <libpsl.h>

/* An origin, canonical or not, in bytes with its terminator. */
#define HOST_ORIGIN_MAX 256

/* The canonical form of in, into out (cap bytes; HOST_ORIGIN_MAX is
 * enough): scheme://host[:port] with scheme https, http, chrome-extension
 * or moz-extension (one trailing "/" is accepted: Chrome passes
 * chrome-extension://ID/). 1 on success, 0 when in is not such an origin
 * (then out is ""). in and out may not overlap. */
int host_origin_canonical(const char *in, char *out, size_t cap);

/* For a canonical origin: 1 when the scheme is http or https. */
int host_origin_is_web(const char *origin);
/* 1 when the scheme is http (no TLS: anyone on the path sees and changes
 * the page). */
int host_origin_is_http(const char *origin);
/* 1 when the host is localhost, 127.0.0.0/8 or [::1]. */
int host_origin_is_loopback(const char *origin);

/* The domain a canonical http(s) origin belongs to, into out (cap bytes;
 * HOST_ORIGIN_MAX is enough): its registrable domain (eTLD+1) by the
 * Public Suffix List psl, e.g. "evil.test" for https://a.b.evil.test and
 * "tiengiang.gov.vn" for https://vanban.tiengiang.gov.vn (gov.vn is a
 * public suffix: dichvucong.gov.vn is another domain). The host itself when
 * it is an IP address (IPv6 in brackets), a public suffix itself (such as
 * localhost), or psl is NULL. Whoever holds a registrable domain holds
 * every name under it. 0 (out "") for any other origin. */
int host_origin_domain(const psl_ctx_t *psl, const char *origin, char *out,
                       size_t cap);

/* The site of a canonical origin, into out (cap bytes; HOST_ORIGIN_MAX is
 * enough): scheme://domain for http(s) (the HTML standard's schemeful
 * site: no port; http and https of one domain are two sites, so a page an
 * on-path attacker forges over http cannot speak for the https site), the
 * origin itself for the extension schemes. 0 (out "") when origin is not
 * canonical. */
int host_origin_site(const psl_ctx_t *psl, const char *origin, char *out,
                     size_t cap);

#endif
