/*
 * host_controller.h - the kyso-host protocol, independent of transport.
 *
 * The websocket server and the native-messaging loop both hand each
 * connection's complete messages to a host_peer and send whatever JSON the
 * peer gives back. The controller checks every request against the
 * protocol (native-host/PROTOCOL.md): size, JSON, exact key sets, the
 * origin's standing (host.conf, then what the user decided: host_origins.h);
 * answers `certificates` of allowed origins on a listing thread from the
 * configured PKCS#11 modules; runs `sign` (consent, PIN, token) and
 * first-use origin prompts on one worker thread, so one dialog is open at
 * a time (else BUSY; but an allowed site's `sign` closes a first-use
 * prompt instead of waiting behind it). The modules stay loaded between
 * requests (a listing loads them afresh); each signing batch logs in and
 * out. `revocation` and `timestamp` (no dialog past the first-use one) run
 * on the fetch threads of host_ltv.h. State is kept per origin, not per
 * connection: one native-messaging connection carries the requests of
 * every page the extension serves.
 *
 * Replies go through the peer's send callback, from the calling thread,
 * the listing thread or the worker: the callback must be thread-safe. After
 * host_peer_close returns, the callback is never called again.
 */
#ifndef KYSO_HOST_CONTROLLER_H
#define KYSO_HOST_CONTROLLER_H

#include <stddef.h>

#include "host_config.h"
#include "host_prompt.h"

/* Largest request accepted, in bytes (both transports). */
#define HOST_MESSAGE_MAX (64 * 1024)
/* Largest reply native messaging may send (Chrome's limit is 1 MiB). */
#define HOST_REPLY_MAX (1024 * 1024)
/* Documents in one sign request. */
#define HOST_BATCH_MAX 100
/* A document's display name, in bytes. */
#define HOST_DOC_NAME_MAX 256
/* An optional fingerprint: lower-case hex, a prefix of the hex
 * message-digest (PROTOCOL.md, sign). */
#define HOST_DOC_FINGERPRINT_MIN 8
#define HOST_DOC_FINGERPRINT_MAX 128
/* A request id: a string of at most this many bytes, or an integer. */
#define HOST_ID_MAX 64
/* PINs of Vietnamese government tokens are 4..16 digits; room to spare. */
#define HOST_PIN_MAX 64
/* Certificate ids remembered from listings (to tell "removed" apart). */
#define HOST_KNOWN_CERTS 64

#define HOST_PROTOCOL_VERSION "1.0"

typedef struct host_ctl host_ctl;
typedef struct host_peer host_peer;

/* Sends one reply; json is malloc'd and now owned by the callee. */
typedef void (*host_send_fn)(void *arg, char *json);

/* cfg and prompt are borrowed and must outlive the controller. */
host_ctl *host_ctl_new(host_config *cfg, host_prompt *prompt);
/* Aborts a running dialog and waits for the worker. */
void host_ctl_free(host_ctl *ctl);

/* origin's standing now (config lists, remembered origins), read under
 * the controller's lock: safe from any thread, e.g. a transport at the
 * handshake. HOST_ORIGIN_DENIED means refuse the connection (malformed,
 * "null", deny_origin); an origin the user refused ("Từ chối") reads as
 * HOST_ORIGIN_UNKNOWN here: it is let in and its requests answer
 * ORIGIN_DENIED, so the page can tell the user why. */
host_origin_state host_ctl_origin_state(host_ctl *ctl, const char *origin);

/* A connection's standing: HOST_ORIGIN_ALLOWED once its requests may run
 * (lists, remembered, or allowed "once" for this connection); in *running
 * whether one of its requests is on the worker (a dialog may be open). Any
 * thread; the websocket transport closes idle connections that are not
 * allowed. */
host_origin_state host_peer_state(host_peer *peer, int *running);

/* A connection from origin (NULL or malformed: every request is refused
 * with ORIGIN_DENIED; the transports refuse those before this). Sends the
 * hello at once: the versioned one to an allowed origin, {"hello":"kyso"}
 * to any other (contract 4). A request naming an "origin" is
 * INVALID_ARGUMENT. NULL when out of memory. */
host_peer *host_peer_open(host_ctl *ctl, const char *origin, host_send_fn send,
                          void *arg);

/* The same for native messaging, origin being the extension's (Chrome's
 * argument, Firefox's add-on id): each request may name the page it comes
 * from in "origin" (the extension fills it from the sender's URL), which
 * then goes through the allow / ask / deny rules in place of origin, and
 * dialogs name it "(qua tiện ích kyso)". Every reply to such a request
 * echoes its "origin" as sent (ids are only unique per page, and one
 * connection serves every tab); "Chỉ lần này" holds HOST_ONCE_NATIVE_S for
 * an https page and only the asking request for an http one
 * (host_origins_once). Requests without it act for the extension, and only
 * they may use `origins` / `forget-origin`. */
host_peer *host_peer_open_native(host_ctl *ctl, const char *origin,
                                 host_send_fn send, void *arg);

/* One complete message (not NUL-terminated). */
void host_peer_message(host_peer *peer, const char *msg, size_t len);

/* A transport-level refusal (oversize message...) as an error reply with
 * id null. code is one of the stable codes. */
void host_peer_refuse(host_peer *peer, const char *code, const char *message);

/* The connection is gone: cancels its running request, stops replies. */
void host_peer_close(host_peer *peer);

/* Logging to stderr (journald under systemd). Never PINs or documents. */
void host_log(const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

#endif
