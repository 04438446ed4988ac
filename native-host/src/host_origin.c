/* host_origin.c - canonical origins; see host_origin.h. */
#define _POSIX_C_SOURCE 200809L

#include "host_origin.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

/* DNS limits (RFC 1035 2.3.4). */
#define HOST_LABEL_MAX 63
#define HOST_NAME_MAX_LEN 253
/* Browser extension ids: Chrome's are 32 letters a-p, Firefox's an
 * email-like name or a {UUID}. */
#define HOST_EXTENSION_ID_MAX 128

static const struct {
  const char *name;
  int web;
  int default_port;
} SCHEMES[] = {{"https", 1, 443},
               {"http", 1, 80},
               {"chrome-extension", 0, 0},
               {"moz-extension", 0, 0}};

static char lower(char c) {
  return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static int is_digit(char c) {
  return c >= '0' && c <= '9';
}

static int is_alnum(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Strict dotted decimal: four parts 0..255, no leading zeros. */
static int ipv4_dotted(const char *s, size_t n) {
  size_t i = 0, digits;
  int parts = 0, v;

  while (i <= n) {
    digits = 0;
    v = 0;
    while (i < n && is_digit(s[i]) && digits < 4) {
      v = v * 10 + (s[i] - '0');
      digits++;
      i++;
    }
    if (digits == 0 || digits > 3 || v > 255 ||
        (digits > 1 && s[i - digits] == '0'))
      return 0;
    parts++;
    if (i == n)
      break;
    if (s[i] != '.')
      return 0;
    i++;
  }
  return parts == 4;
}

/* A host name (lower-cased into out, one trailing dot dropped) or a dotted
 * IPv4 address. 1 when it is one. */
static int name_canonical(const char *s, size_t n, char *out, size_t cap) {
  size_t i, label = 0, last = 0;
  char c;

  if (n > 0 && s[n - 1] == '.')
    n--; /* "evil.example." is evil.example (the root label) */
  if (n == 0 || n > HOST_NAME_MAX_LEN || n >= cap)
    return 0;
  for (i = 0; i < n; i++) {
    c = lower(s[i]);
    if (c == '.') {
      if (label == 0)
        return 0; /* empty label */
      label = 0;
      last = i + 1;
    } else if (is_alnum(c) || c == '-' || c == '_') {
      if (++label > HOST_LABEL_MAX)
        return 0;
    } else {
      return 0;
    }
    out[i] = c;
  }
  out[n] = '\0';
  if (label == 0)
    return 0;
  /* A numeric last label makes the whole host an IPv4 address (WHATWG URL
   * host parser): then it must be dotted decimal, the one form browsers
   * send, so 0x7f.1 or 2130706433 cannot pose as another host. */
  if (is_digit(out[last])) {
    for (i = last; i < n && is_digit(out[i]); i++)
      ;
    if (i == n || out[last + 1] == 'x')
      return ipv4_dotted(out, n);
  }
  return 1;
}

/* "[v6]" into its RFC 5952 text, brackets kept. */
static int ipv6_canonical(const char *s, size_t n, char *out, size_t cap) {
  char in[INET6_ADDRSTRLEN + 1], text[INET6_ADDRSTRLEN];
  unsigned char addr[16];

  if (n < 3 || n - 2 >= sizeof(in) || s[0] != '[' || s[n - 1] != ']')
    return 0;
  memcpy(in, s + 1, n - 2);
  in[n - 2] = '\0';
  if (inet_pton(AF_INET6, in, addr) != 1 ||
      !inet_ntop(AF_INET6, addr, text, sizeof(text)))
    return 0;
  return snprintf(out, cap, "[%s]", text) < (int)cap;
}

/* The port digits: 1..65535 into *port. */
static int port_value(const char *s, size_t n, int *port) {
  size_t i;
  long v = 0;

  if (n == 0 || n > 5)
    return 0;
  for (i = 0; i < n; i++) {
    if (!is_digit(s[i]))
      return 0;
    v = v * 10 + (s[i] - '0');
  }
  if (v < 1 || v > 65535)
    return 0;
  *port = (int)v;
  return 1;
}

static int extension_id(const char *s, size_t n, int chrome, char *out,
                        size_t cap) {
  size_t i;
  char c;

  if (n == 0 || n > HOST_EXTENSION_ID_MAX || n >= cap)
    return 0;
  for (i = 0; i < n; i++) {
    c = chrome ? lower(s[i]) : s[i];
    if (!(is_alnum(c) || (!chrome && strchr("-._+@{}", c))))
      return 0;
    out[i] = c;
  }
  out[n] = '\0';
  return 1;
}

int host_origin_canonical(const char *in, char *out, size_t cap) {
  char scheme[20], host[HOST_ORIGIN_MAX];
  const char *rest, *sep, *colon = NULL, *close;
  size_t i, n, len;
  int k = -1, port = 0, ok = 0;

  if (cap == 0)
    return 0;
  out[0] = '\0';
  if (!in)
    return 0;
  len = strlen(in);
  if (len == 0 || len >= HOST_ORIGIN_MAX)
    return 0;
  for (i = 0; i < len; i++)
    if (in[i] <= ' ' || in[i] > '~')
      return 0; /* controls, spaces, non-ASCII (IDNA is sent encoded) */
  sep = strstr(in, "://");
  if (!sep || (size_t)(sep - in) >= sizeof(scheme))
    return 0;
  for (i = 0; in + i < sep; i++)
    scheme[i] = lower(in[i]);
  scheme[i] = '\0';
  for (i = 0; i < sizeof(SCHEMES) / sizeof(*SCHEMES); i++)
    if (strcmp(scheme, SCHEMES[i].name) == 0)
      k = (int)i;
  if (k < 0)
    return 0;
  rest = sep + 3;
  n = strlen(rest);
  if (n > 0 && rest[n - 1] == '/')
    n--; /* one trailing "/": no path */
  if (n == 0 || memchr(rest, '/', n) || memchr(rest, '?', n) ||
      memchr(rest, '#', n) || memchr(rest, '\\', n) || memchr(rest, '%', n))
    return 0;
  if (!SCHEMES[k].web) {
    ok = extension_id(rest, n, k == 2, host, sizeof(host));
  } else if (memchr(rest, '@', n)) {
    ok = 0; /* userinfo */
  } else {
    if (rest[0] == '[') {
      close = memchr(rest, ']', n);
      if (!close)
        return 0;
      if ((size_t)(close + 1 - rest) < n) {
        if (close[1] != ':')
          return 0;
        colon = close + 1;
      }
      ok = ipv6_canonical(rest, (size_t)(close + 1 - rest), host, sizeof(host));
    } else {
      colon = memchr(rest, ':', n);
      ok = name_canonical(rest, colon ? (size_t)(colon - rest) : n, host,
                          sizeof(host));
    }
    if (ok && colon)
      ok = port_value(colon + 1, (size_t)(rest + n - colon - 1), &port);
    if (port == SCHEMES[k].default_port)
      port = 0;
  }
  if (!ok)
    return 0;
  if (port)
    n = (size_t)snprintf(out, cap, "%s://%s:%d", scheme, host, port);
  else
    n = (size_t)snprintf(out, cap, "%s://%s", scheme, host);
  if (n >= cap || n >= HOST_ORIGIN_MAX) {
    out[0] = '\0';
    return 0;
  }
  return 1;
}

int host_origin_is_web(const char *origin) {
  return strncmp(origin, "https://", 8) == 0 ||
         strncmp(origin, "http://", 7) == 0;
}

int host_origin_is_http(const char *origin) {
  return strncmp(origin, "http://", 7) == 0;
}

/* The host of a canonical web origin: its start and length (IPv6 with its
 * brackets), no port. */
static const char *origin_host(const char *origin, size_t *n) {
  const char *host = strstr(origin, "://") + 3, *end;

  if (host[0] == '[') {
    end = strchr(host, ']');
    *n = end ? (size_t)(end + 1 - host) : strlen(host);
  } else {
    end = strchr(host, ':');
    *n = end ? (size_t)(end - host) : strlen(host);
  }
  return host;
}

int host_origin_domain(const psl_ctx_t *psl, const char *origin, char *out,
                       size_t cap) {
  char host[HOST_ORIGIN_MAX];
  const char *h, *reg = NULL;
  size_t n;

  if (cap == 0)
    return 0;
  out[0] = '\0';
  if (!origin || !host_origin_is_web(origin))
    return 0;
  h = origin_host(origin, &n);
  if (n == 0 || n >= sizeof(host))
    return 0;
  memcpy(host, h, n);
  host[n] = '\0';
  /* An address is its own site: the list would take 127.0.0.1 for a name
   * under the suffix "1" (registrable domain "0.1"). */
  if (host[0] != '[' && !ipv4_dotted(host, n) && psl)
    reg = psl_registrable_domain(psl, host);
  if (!reg)
    reg = host; /* an address, a public suffix itself, or no list */
  if (strlen(reg) >= cap)
    return 0;
  snprintf(out, cap, "%s", reg);
  return 1;
}

int host_origin_site(const psl_ctx_t *psl, const char *origin, char *out,
                     size_t cap) {
  char domain[HOST_ORIGIN_MAX];
  int n;

  if (cap == 0)
    return 0;
  out[0] = '\0';
  if (!origin || !strstr(origin, "://"))
    return 0;
  if (!host_origin_is_web(origin))
    n = snprintf(out, cap, "%s", origin); /* an extension is one site */
  else if (host_origin_domain(psl, origin, domain, sizeof(domain)))
    n = snprintf(out, cap, "%s://%s",
                 host_origin_is_http(origin) ? "http" : "https", domain);
  else
    n = -1;
  if (n < 0 || (size_t)n >= cap) {
    out[0] = '\0';
    return 0;
  }
  return 1;
}

int host_origin_is_loopback(const char *origin) {
  const char *host, *end;
  size_t n;

  if (!host_origin_is_web(origin))
    return 0;
  host = strstr(origin, "://") + 3;
  if (strncmp(host, "[::1]", 5) == 0)
    return host[5] == '\0' || host[5] == ':';
  end = strchr(host, ':');
  n = end ? (size_t)(end - host) : strlen(host);
  if (n == 9 && strncmp(host, "localhost", 9) == 0)
    return 1;
  return strncmp(host, "127.", 4) == 0 && ipv4_dotted(host, n);
}
