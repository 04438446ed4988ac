/*
 * transport_ws.c - the websocket server (libwebsockets 4.1, Debian 12),
 * in the shape of the lws minimal examples: one protocol, a per-session
 * struct, a callback switch, writes only from SERVER_WRITEABLE with LWS_PRE
 * headroom and one lws_write per callback, fragments reassembled.
 *
 * Listeners: 127.0.0.1 and [::1] on the configured port, both or none. A
 * program of another user holding one of them would be where pages
 * connect (and could relay to us on the other), so kyso-host exits with
 * an error instead of serving half.
 *
 * Who may connect, in order:
 * - at accept (FILTER_NETWORK_CONNECTION): the client socket must belong
 *   to our own uid (peer_uid.h); anything else is closed before a byte is
 *   read;
 * - at the handshake (FILTER_PROTOCOL_CONNECTION): the Host header must
 *   name loopback with our port (DNS rebinding), the Origin must be
 *   present, not "null", well-formed and not denied, and the session
 *   limits must leave room (below). Unknown origins are let in as
 *   "pending": their first request opens the first-use prompt.
 *
 * Resources: at most WS_MAX_SESSIONS connections; origins that are not
 * allowed share WS_UNALLOWED_MAX_SESSIONS of them (the rest stay for the
 * allowed ones) and hold WS_ORIGIN_MAX_SESSIONS each; such a connection is
 * closed after WS_UNALLOWED_IDLE_SECONDS with no request running. Replies
 * a client does not read are capped per connection and in total; past the
 * cap the connection is closed.
 *
 * Replies can come from the controller's worker thread: they are queued
 * under a mutex and the service loop is woken with lws_cancel_service.
 */
#define _POSIX_C_SOURCE 200809L

#include "transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "host_origin.h"
#include "peer_uid.h"

/* Connections served at once; more are refused at the handshake. */
#define WS_MAX_SESSIONS 512
/* Connections whose origin is not allowed, all origins together: the last
 * WS_MAX_SESSIONS - WS_UNALLOWED_MAX_SESSIONS stay for allowed origins. */
#define WS_UNALLOWED_MAX_SESSIONS 448
/* Connections of one origin that is not allowed (yet). */
#define WS_ORIGIN_MAX_SESSIONS 16
/* Connections of one allowed origin (many tabs of a portal): never all,
 * so two allowed portals cannot lock each other out. */
#define WS_ALLOWED_ORIGIN_MAX_SESSIONS 256
/* A connection whose origin is not allowed is closed after this many
 * seconds with none of its requests running (a first-use prompt counts as
 * running). */
#define WS_UNALLOWED_IDLE_SECONDS 10
/* After that, seconds its last replies get before the close is forced. */
#define WS_CLOSE_GRACE_SECONDS 2
/* Replies waiting for one client that does not read them: past either
 * limit the connection is closed. A reply is at most about HOST_REPLY_MAX;
 * a client that reads holds one or two. */
#define WS_QUEUE_MAX_BYTES (8 * 1024 * 1024)
#define WS_QUEUE_MAX_COUNT 1024
/* Replies waiting, every connection together: what unread replies may
 * cost in memory at most. */
#define WS_QUEUE_TOTAL_MAX (64 * 1024 * 1024)
/* Request header bytes lws keeps during the handshake: cookies of other
 * applications on 127.0.0.1 come along (4-8 KB is common); lws 4.1's
 * default of 4 KiB refused those handshakes. */
#define WS_HEADER_MAX (32 * 1024)
#define WS_HOST_HEADER_MAX 64
/* Descriptors scanned for our listening sockets after start-up (lws opens
 * a handful by then). */
#define WS_FD_SCAN_MAX 1024

typedef struct ws_out {
  struct ws_out *next;
  size_t len;
  unsigned char buf[]; /* LWS_PRE headroom, then the message */
} ws_out;

typedef struct pss pss;

typedef struct ws_server {
  pthread_mutex_t lock; /* every session's queue, queued_total */
  struct lws_context *context;
  host_ctl *ctl;
  const host_config *cfg;
  pss *sessions; /* established sessions; the service thread only */
  size_t queued_total;
  /* Refusals of other users' connections: logged once a second at most
   * (another user could flood the journal otherwise). */
  time_t refusal_logged;
  unsigned long refusals_unlogged;
} ws_server;

struct pss {
  ws_server *srv;
  struct lws *wsi;
  pss *prev, *next; /* srv->sessions */
  host_peer *peer;
  ws_out *head, *tail; /* under srv->lock */
  size_t queued_bytes; /* under srv->lock */
  size_t queued_count; /* under srv->lock */
  int close_status;    /* under srv->lock: close once the queue is sent */
  int kill;            /* under srv->lock: over the queue cap, close now */
  int killing;         /* the close is scheduled (service thread) */
  int idle_closing;    /* WS_UNALLOWED_IDLE_SECONDS passed once */
  int overflow;        /* the current message went past the cap */
  char *rx;
  size_t rx_len;
  char origin[HOST_ORIGIN_MAX];
};

static volatile sig_atomic_t interrupted;

static void on_signal(int sig) {
  (void)sig;
  interrupted = 1;
}

/* Frees s's queue; under srv->lock. */
static void queue_drop(ws_server *srv, pss *s) {
  ws_out *o, *next;
  for (o = s->head; o; o = next) {
    next = o->next;
    free(o);
  }
  s->head = s->tail = NULL;
  srv->queued_total -= s->queued_bytes;
  s->queued_bytes = 0;
  s->queued_count = 0;
}

/* host_send_fn: queue and wake the service loop (any thread). A client
 * that lets replies pile up past the caps loses its connection. */
static void ws_send(void *arg, char *json) {
  pss *s = arg;
  ws_server *srv = s->srv;
  size_t n = strlen(json), count = 0, bytes = 0, total = 0;
  ws_out *o = malloc(sizeof(*o) + LWS_PRE + n);
  int over = 0;

  pthread_mutex_lock(&srv->lock);
  if (!o || s->kill) {
    over = !s->kill;
  } else if (s->queued_count >= WS_QUEUE_MAX_COUNT ||
             s->queued_bytes + n > WS_QUEUE_MAX_BYTES ||
             srv->queued_total + n > WS_QUEUE_TOTAL_MAX) {
    over = 1;
  } else {
    o->next = NULL;
    o->len = n;
    memcpy(o->buf + LWS_PRE, json, n);
    if (s->tail)
      s->tail->next = o;
    else
      s->head = o;
    s->tail = o;
    s->queued_bytes += n;
    s->queued_count++;
    srv->queued_total += n;
    o = NULL;
  }
  if (over) {
    count = s->queued_count;
    bytes = s->queued_bytes;
    total = srv->queued_total;
    s->kill = 1;
    queue_drop(srv, s);
  }
  pthread_mutex_unlock(&srv->lock);
  if (over)
    host_log("closing a connection of %s: %zu replies (%zu bytes) not read, "
             "queue limits %d replies, %d bytes (all connections: %zu of %d "
             "bytes)",
             s->origin, count, bytes, WS_QUEUE_MAX_COUNT, WS_QUEUE_MAX_BYTES,
             total, WS_QUEUE_TOTAL_MAX);
  lws_cancel_service(srv->context);
  free(o);
  free(json);
}

static int header(struct lws *wsi, enum lws_token_indexes h, char *buf,
                  int cap) {
  int n = lws_hdr_total_length(wsi, h);
  if (n <= 0 || n >= cap)
    return n <= 0 ? 0 : -1;
  return lws_hdr_copy(wsi, buf, cap, h) == n ? 1 : -1;
}

/* Host: 127.0.0.1:port, localhost:port or [::1]:port, nothing else. */
static int host_ok(struct lws *wsi, int port) {
  char host[WS_HOST_HEADER_MAX], want[WS_HOST_HEADER_MAX];
  static const char *const names[] = {"127.0.0.1", "localhost", "[::1]"};
  size_t i;

  if (header(wsi, WSI_TOKEN_HOST, host, sizeof(host)) != 1)
    return 0;
  for (i = 0; i < sizeof(names) / sizeof(*names); i++) {
    snprintf(want, sizeof(want), "%s:%d", names[i], port);
    if (strcmp(host, want) == 0)
      return 1;
  }
  return 0;
}

/* 1 when s's requests may run (its origin allowed, "once" included). */
static int session_allowed(pss *s, int *running) {
  int r = 0;
  host_origin_state st = host_peer_state(s->peer, &r);
  if (running)
    *running = r;
  return st == HOST_ORIGIN_ALLOWED;
}

/* The session limits for a new connection from origin; a reason to
 * refuse, or NULL. */
static const char *limits_refuse(ws_server *srv, const char *origin,
                                 host_origin_state state) {
  int total = 0, unallowed = 0, same = 0;
  pss *s;

  for (s = srv->sessions; s; s = s->next) {
    total++;
    if (!session_allowed(s, NULL))
      unallowed++;
    if (strcmp(s->origin, origin) == 0)
      same++;
  }
  if (total >= WS_MAX_SESSIONS)
    return "every connection slot is taken (WS_MAX_SESSIONS)";
  if (state == HOST_ORIGIN_ALLOWED)
    return same >= WS_ALLOWED_ORIGIN_MAX_SESSIONS
               ? "the origin has WS_ALLOWED_ORIGIN_MAX_SESSIONS connections"
               : NULL;
  if (unallowed >= WS_UNALLOWED_MAX_SESSIONS)
    return "the slots left are kept for allowed origins "
           "(WS_UNALLOWED_MAX_SESSIONS)";
  if (same >= WS_ORIGIN_MAX_SESSIONS)
    return "the origin has WS_ORIGIN_MAX_SESSIONS connections";
  return NULL;
}

static void session_link(ws_server *srv, pss *s) {
  s->prev = NULL;
  s->next = srv->sessions;
  if (srv->sessions)
    srv->sessions->prev = s;
  srv->sessions = s;
}

static void session_unlink(ws_server *srv, pss *s) {
  if (s->prev)
    s->prev->next = s->next;
  else if (srv->sessions == s)
    srv->sessions = s->next;
  if (s->next)
    s->next->prev = s->prev;
  s->prev = s->next = NULL;
}

/* Something was queued (maybe from the worker): sessions with replies get
 * a writeable callback, sessions over their cap are closed. */
static void sessions_wake(ws_server *srv) {
  pss *s;
  int kill, pending;

  for (s = srv->sessions; s; s = s->next) {
    pthread_mutex_lock(&srv->lock);
    kill = s->kill;
    pending = s->head || s->close_status;
    pthread_mutex_unlock(&srv->lock);
    if (kill && !s->killing) {
      /* The client does not read: no close frame, it would not go out. */
      s->killing = 1;
      lws_set_timeout(s->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    } else if (pending && !kill) {
      lws_callback_on_writable(s->wsi);
    }
  }
}

/* The idle rule for connections whose origin is not allowed. -1: close. */
static int idle_check(struct lws *wsi, pss *s) {
  int running = 0;

  if (session_allowed(s, &running))
    return 0; /* no timer any more */
  if (running) {
    s->idle_closing = 0;
    lws_set_timer_usecs(wsi, WS_UNALLOWED_IDLE_SECONDS * LWS_USEC_PER_SEC);
    return 0;
  }
  if (s->idle_closing)
    return -1; /* its last replies did not go out in the grace time */
  host_log("closing a connection of %s: origin not allowed and idle for %d s",
           s->origin, WS_UNALLOWED_IDLE_SECONDS);
  s->idle_closing = 1;
  pthread_mutex_lock(&s->srv->lock);
  s->close_status = LWS_CLOSE_STATUS_POLICY_VIOLATION;
  pthread_mutex_unlock(&s->srv->lock);
  lws_callback_on_writable(wsi);
  lws_set_timer_usecs(wsi, WS_CLOSE_GRACE_SECONDS * LWS_USEC_PER_SEC);
  return 0;
}

static int callback_kyso(struct lws *wsi, enum lws_callback_reasons reason,
                         void *user, void *in, size_t len) {
  pss *s = user;
  ws_server *srv = lws_context_user(lws_get_context(wsi));
  char origin[HOST_ORIGIN_MAX], canon[HOST_ORIGIN_MAX], why[HOST_PEER_WHY_MAX];
  const char *refuse;
  host_origin_state state;
  ws_out *o;
  int more, close_now, rc, kill;

  switch (reason) {
  case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
    /* in: the accepted socket; user is not a session yet. */
    if (!host_peer_uid_check((int)(intptr_t)in, why, sizeof(why))) {
      if (time(NULL) == srv->refusal_logged) {
        srv->refusals_unlogged++;
        return -1;
      }
      srv->refusal_logged = time(NULL);
      host_log("refused: connection from another user: %s, kyso-host runs "
               "as uid %lu (%lu more refused unlogged)",
               why, (unsigned long)geteuid(), srv->refusals_unlogged);
      srv->refusals_unlogged = 0;
      return -1;
    }
    break;

  case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
    if (!host_ok(wsi, srv->cfg->port)) {
      host_log("refused: Host header is not loopback:%d", srv->cfg->port);
      return -1;
    }
    state = HOST_ORIGIN_DENIED;
    if (header(wsi, WSI_TOKEN_ORIGIN, origin, sizeof(origin)) == 1)
      state = host_ctl_origin_state(srv->ctl, origin);
    if (state == HOST_ORIGIN_DENIED) {
      host_log("refused: missing, null, malformed or denied Origin");
      return -1;
    }
    /* Counted by canonical origin: HTTPS://A.EXAMPLE:443 is https://a.example
     * (state DENIED above covers an origin that has no canonical form). */
    if (!host_origin_canonical(origin, canon, sizeof(canon)))
      return -1;
    refuse = limits_refuse(srv, canon, state);
    if (refuse) {
      host_log("refused a connection of %s: %s", origin, refuse);
      return -1;
    }
    break;

  case LWS_CALLBACK_ESTABLISHED:
    memset(s, 0, sizeof(*s));
    s->srv = srv;
    s->wsi = wsi;
    if (header(wsi, WSI_TOKEN_ORIGIN, origin, sizeof(origin)) != 1 ||
        !host_origin_canonical(origin, s->origin, sizeof(s->origin)))
      return -1;
    s->peer = host_peer_open(srv->ctl, s->origin, ws_send, s);
    if (!s->peer)
      return -1;
    session_link(srv, s); /* nothing fails after this: CLOSED unlinks */
    lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, srv->cfg->idle_timeout);
    if (!session_allowed(s, NULL))
      lws_set_timer_usecs(wsi, WS_UNALLOWED_IDLE_SECONDS * LWS_USEC_PER_SEC);
    lws_callback_on_writable(wsi); /* the hello */
    break;

  case LWS_CALLBACK_RECEIVE:
    lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, srv->cfg->idle_timeout);
    if (!s->overflow && s->rx_len + len > HOST_MESSAGE_MAX) {
      s->overflow = 1;
      free(s->rx);
      s->rx = NULL;
      s->rx_len = 0;
      host_peer_refuse(s->peer, "INVALID_ARGUMENT",
                       "message larger than 64 KiB");
      pthread_mutex_lock(&srv->lock);
      /* no way to find the next message's start */
      s->close_status = LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE;
      pthread_mutex_unlock(&srv->lock);
    }
    if (!s->overflow && len > 0) {
      char *grown = realloc(s->rx, s->rx_len + len);
      if (!grown)
        return -1;
      s->rx = grown;
      memcpy(s->rx + s->rx_len, in, len);
      s->rx_len += len;
    }
    if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) {
      if (!s->overflow)
        host_peer_message(s->peer, s->rx ? s->rx : "", s->rx_len);
      free(s->rx);
      s->rx = NULL;
      s->rx_len = 0;
    }
    pthread_mutex_lock(&srv->lock);
    kill = s->kill;
    pthread_mutex_unlock(&srv->lock);
    if (kill)
      return -1; /* over the queue cap while answering inline */
    break;

  case LWS_CALLBACK_SERVER_WRITEABLE:
    pthread_mutex_lock(&srv->lock);
    o = s->head;
    if (o) {
      s->head = o->next;
      if (!s->head)
        s->tail = NULL;
      s->queued_bytes -= o->len;
      s->queued_count--;
      srv->queued_total -= o->len;
    }
    more = s->head != NULL;
    close_now = !o && s->close_status;
    rc = s->close_status;
    pthread_mutex_unlock(&srv->lock);
    if (close_now) {
      lws_close_reason(wsi, (enum lws_close_status)rc, NULL, 0);
      return -1;
    }
    if (!o)
      break;
    rc = lws_write(wsi, o->buf + LWS_PRE, o->len, LWS_WRITE_TEXT);
    free(o);
    if (rc < 0)
      return -1;
    if (more || s->close_status)
      lws_callback_on_writable(wsi);
    break;

  case LWS_CALLBACK_TIMER: return idle_check(wsi, s);

  case LWS_CALLBACK_EVENT_WAIT_CANCELLED: sessions_wake(srv); break;

  case LWS_CALLBACK_CLOSED:
    if (s->peer) {
      host_peer_close(s->peer); /* no ws_send for s after this */
      s->peer = NULL;
      session_unlink(srv, s);
    }
    pthread_mutex_lock(&srv->lock);
    queue_drop(srv, s);
    pthread_mutex_unlock(&srv->lock);
    free(s->rx);
    s->rx = NULL;
    break;

  default: break;
  }
  return 0;
}

static const struct lws_protocols protocols[] = {
    {"kyso", callback_kyso, sizeof(pss), 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0}};

static struct lws_vhost *listen_on(struct lws_context *context,
                                   const host_config *cfg, const char *name,
                                   const char *iface, int v6) {
  struct lws_context_creation_info info;

  memset(&info, 0, sizeof(info)); /* lws 4.1: no lws_context_info_defaults */
  info.vhost_name = name;
  info.port = cfg->port;
  info.iface = iface;
  info.protocols = protocols;
  /* Loopback only (DESIGN: security). Without DISABLE_IPV6, lws 4.1 opens
   * an IPv6 socket and binds it to every address even for "127.0.0.1". */
  if (v6)
    info.options = LWS_SERVER_OPTION_IPV6_V6ONLY_MODIFY |
                   LWS_SERVER_OPTION_IPV6_V6ONLY_VALUE;
  else
    info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
  return lws_create_vhost(context, &info);
}

/* The loopback address of family with port, network order. */
static socklen_t loopback(int family, int port, struct sockaddr_storage *sa) {
  memset(sa, 0, sizeof(*sa));
  if (family == AF_INET) {
    struct sockaddr_in *in = (struct sockaddr_in *)sa;
    in->sin_family = AF_INET;
    in->sin_port = htons((uint16_t)port);
    in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return sizeof(*in);
  }
  {
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)sa;
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons((uint16_t)port);
    in6->sin6_addr = in6addr_loopback;
    return sizeof(*in6);
  }
}

/* 1 when this process has a socket listening on loopback of family and
 * port (IPv6: that address only). Checked on the descriptors themselves,
 * not on what lws reports: lws can keep a vhost whose listen failed or
 * was deferred. */
static int listening(int family, int port) {
  struct sockaddr_storage want, got;
  socklen_t want_len = loopback(family, port, &want), n;
  int fd, on, found = 0;
  socklen_t on_len;

  for (fd = 0; fd < WS_FD_SCAN_MAX && !found; fd++) {
    n = sizeof(got);
    on = 0;
    on_len = sizeof(on);
    if (getsockname(fd, (struct sockaddr *)&got, &n) != 0 || n != want_len ||
        memcmp(&got, &want, want_len) != 0)
      continue;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &on_len) != 0 || !on)
      continue;
    if (family == AF_INET6) {
      on = 0;
      on_len = sizeof(on);
      if (getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, &on_len) != 0 || !on)
        continue;
    }
    found = 1;
  }
  return found;
}

/* Why family's loopback:port cannot be ours: bind a probe socket there. */
static const char *bind_error(int family, int port) {
  struct sockaddr_storage sa;
  socklen_t len = loopback(family, port, &sa);
  int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0), on = 1, e = 0;

  if (fd < 0)
    return strerror(errno);
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  if (family == AF_INET6)
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
  if (bind(fd, (struct sockaddr *)&sa, len) != 0)
    e = errno;
  close(fd);
  return e ? strerror(e) : "the listening socket did not open";
}

int host_run_websocket(host_ctl *ctl, const host_config *cfg) {
  struct lws_context_creation_info info;
  ws_server srv;
  struct lws_vhost *v4, *v6;
  int ret = 1, n = 0, have4, have6;

  memset(&srv, 0, sizeof(srv));
  pthread_mutex_init(&srv.lock, NULL);
  srv.ctl = ctl;
  srv.cfg = cfg;
  lws_set_log_level(LLL_ERR, NULL);
  memset(&info, 0, sizeof(info));
  info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
  info.user = &srv;
  info.max_http_header_data = WS_HEADER_MAX;
  srv.context = lws_create_context(&info);
  if (!srv.context) {
    host_log("cannot create the websocket context");
    goto done;
  }
  v4 = listen_on(srv.context, cfg, "loopback4", "127.0.0.1", 0);
  v6 = listen_on(srv.context, cfg, "loopback6", "::1", 1);
  have4 = v4 && listening(AF_INET, cfg->port);
  have6 = v6 && listening(AF_INET6, cfg->port);
  if (!have4)
    host_log("cannot listen on 127.0.0.1 port %d: %s", cfg->port,
             bind_error(AF_INET, cfg->port));
  if (!have6)
    host_log("cannot listen on [::1] port %d: %s", cfg->port,
             bind_error(AF_INET6, cfg->port));
  if (!have4 || !have6) {
    host_log("exiting: kyso-host serves port %d on 127.0.0.1 and [::1] "
             "together or not at all (is another program using the port?)",
             cfg->port);
    goto done;
  }
  host_log("listening on 127.0.0.1 [::1] port %d", cfg->port);
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  while (n >= 0 && !interrupted)
    n = lws_service(srv.context, 0);
  ret = 0;

done:
  if (srv.context)
    lws_context_destroy(srv.context); /* CLOSED for every session */
  pthread_mutex_destroy(&srv.lock);
  return ret;
}
