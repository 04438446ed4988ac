/*
 * host_controller.h - the kyso-host protocol, independent of transport.
 *
 * The websocket server and the native-messaging loop both hand each
 * connection's complete messages to a host_peer and send whatever JSON the
 * peer gives back. The controller checks every request against the
 * protocol (native-host/PROTOCOL.md): size, JSON, exact key sets, the
 * origin's standing; answers `certificates` from the configured PKCS#11
 * modules; runs `sign` (consent, PIN, token) and first-use origin prompts
 * on one worker thread, so one dialog is open at a time (else BUSY). The
 * modules stay loaded between requests (a listing loads them afresh); each
 * signing batch logs in and out.
 *
 * Replies go through the peer's send callback, from the calling thread or
 * from the worker: the callback must be thread-safe. After
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
/* A document's display name and fingerprint, in bytes. */
#define HOST_DOC_NAME_MAX 256
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

/* A connection from origin (NULL or malformed: every request is refused
 * with ORIGIN_DENIED; the transports refuse those before this). Sends the
 * hello at once. NULL when out of memory. */
host_peer *host_peer_open(host_ctl *ctl, const char *origin, host_send_fn send,
                          void *arg);

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
