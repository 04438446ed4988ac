/*
 * transport_ws.c - the websocket server (libwebsockets 4.1, Debian 12),
 * in the shape of the lws minimal examples: one protocol, a per-session
 * struct, a callback switch, writes only from SERVER_WRITEABLE with LWS_PRE
 * headroom and one lws_write per callback, fragments reassembled.
 *
 * Security at the handshake (FILTER_PROTOCOL_CONNECTION): the Host header
 * must name loopback with our port (DNS rebinding), the Origin must be
 * present, not "null", well-formed and not denied. Unknown origins are let
 * in as "pending": their first request opens the first-use prompt.
 *
 * Replies can come from the controller's worker thread: they are queued
 * under a mutex and the service loop is woken with lws_cancel_service.
 */
#define _POSIX_C_SOURCE 200809L

#include "transport.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

/* Connections served at once; more are refused at the handshake. */
#define WS_MAX_SESSIONS 512
#define WS_HOST_HEADER_MAX 64

typedef struct ws_out {
  struct ws_out *next;
  size_t len;
  unsigned char buf[]; /* LWS_PRE headroom, then the message */
} ws_out;

typedef struct ws_server {
  pthread_mutex_t lock; /* every session's queue */
  struct lws_context *context;
  host_ctl *ctl;
  const host_config *cfg;
  int sessions;
} ws_server;

typedef struct pss {
  ws_server *srv;
  host_peer *peer;
  ws_out *head, *tail; /* under srv->lock */
  int close_after;     /* under srv->lock: close once the queue is sent */
  int overflow;        /* the current message went past the cap */
  char *rx;
  size_t rx_len;
} pss;

static volatile sig_atomic_t interrupted;

static void on_signal(int sig) {
  (void)sig;
  interrupted = 1;
}

/* host_send_fn: queue and wake the service loop (any thread). */
static void ws_send(void *arg, char *json) {
  pss *s = arg;
  size_t n = strlen(json);
  ws_out *o = malloc(sizeof(*o) + LWS_PRE + n);

  if (o) {
    o->next = NULL;
    o->len = n;
    memcpy(o->buf + LWS_PRE, json, n);
    pthread_mutex_lock(&s->srv->lock);
    if (s->tail)
      s->tail->next = o;
    else
      s->head = o;
    s->tail = o;
    pthread_mutex_unlock(&s->srv->lock);
    lws_cancel_service(s->srv->context);
  }
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

static void free_queue(pss *s) {
  ws_out *o, *next;
  for (o = s->head; o; o = next) {
    next = o->next;
    free(o);
  }
  s->head = s->tail = NULL;
}

static int callback_kyso(struct lws *wsi, enum lws_callback_reasons reason,
                         void *user, void *in, size_t len) {
  pss *s = user;
  ws_server *srv = lws_context_user(lws_get_context(wsi));
  char origin[HOST_ORIGIN_MAX];
  ws_out *o;
  int more, close_now, rc;

  switch (reason) {
  case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
    if (!host_ok(wsi, srv->cfg->port)) {
      host_log("refused: Host header is not loopback:%d", srv->cfg->port);
      return -1;
    }
    if (header(wsi, WSI_TOKEN_ORIGIN, origin, sizeof(origin)) != 1 ||
        host_config_origin_state(srv->cfg, origin) == HOST_ORIGIN_DENIED) {
      host_log("refused: missing, null, malformed or denied Origin");
      return -1;
    }
    if (srv->sessions >= WS_MAX_SESSIONS) {
      host_log("refused: %d connections already", WS_MAX_SESSIONS);
      return -1;
    }
    break;

  case LWS_CALLBACK_ESTABLISHED:
    memset(s, 0, sizeof(*s));
    s->srv = srv;
    if (header(wsi, WSI_TOKEN_ORIGIN, origin, sizeof(origin)) != 1)
      return -1;
    srv->sessions++;
    s->peer = host_peer_open(srv->ctl, origin, ws_send, s);
    if (!s->peer)
      return -1;
    lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, srv->cfg->idle_timeout);
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
      s->close_after = 1; /* no way to find the next message's start */
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
    break;

  case LWS_CALLBACK_SERVER_WRITEABLE:
    pthread_mutex_lock(&srv->lock);
    o = s->head;
    if (o) {
      s->head = o->next;
      if (!s->head)
        s->tail = NULL;
    }
    more = s->head != NULL;
    close_now = !o && s->close_after;
    pthread_mutex_unlock(&srv->lock);
    if (close_now) {
      lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, NULL, 0);
      return -1;
    }
    if (!o)
      break;
    rc = lws_write(wsi, o->buf + LWS_PRE, o->len, LWS_WRITE_TEXT);
    free(o);
    if (rc < 0)
      return -1;
    if (more || s->close_after)
      lws_callback_on_writable(wsi);
    break;

  case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
    /* Something was queued (maybe from the worker): try every session;
     * those with nothing to send return at once. */
    lws_callback_on_writable_all_protocol(lws_get_context(wsi),
                                          lws_get_protocol(wsi));
    break;

  case LWS_CALLBACK_CLOSED:
    if (s->peer) {
      host_peer_close(s->peer); /* no ws_send for s after this */
      s->peer = NULL;
      srv->sessions--;
    }
    pthread_mutex_lock(&srv->lock);
    free_queue(s);
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

int host_run_websocket(host_ctl *ctl, const host_config *cfg) {
  struct lws_context_creation_info info;
  ws_server srv;
  struct lws_vhost *v4, *v6;
  int ret = 1, n = 0;

  memset(&srv, 0, sizeof(srv));
  pthread_mutex_init(&srv.lock, NULL);
  srv.ctl = ctl;
  srv.cfg = cfg;
  lws_set_log_level(LLL_ERR, NULL);
  memset(&info, 0, sizeof(info));
  info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
  info.user = &srv;
  srv.context = lws_create_context(&info);
  if (!srv.context) {
    host_log("cannot create the websocket context");
    goto done;
  }
  v4 = listen_on(srv.context, cfg, "loopback4", "127.0.0.1", 0);
  v6 = listen_on(srv.context, cfg, "loopback6", "::1", 1);
  if (!v4 && !v6) {
    host_log("cannot listen on 127.0.0.1 or [::1] port %d", cfg->port);
    goto done;
  }
  host_log("listening on%s%s port %d", v4 ? " 127.0.0.1" : "",
           v6 ? " [::1]" : "", cfg->port);
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
