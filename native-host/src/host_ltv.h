/*
 * host_ltv.h - kyso-host's fetching commands for long-term validation:
 * `revocation` (OCSP responses, else CRLs, for certificates that chain to
 * the host's trust anchors) and `timestamp` (an RFC 3161 token from the TSA
 * of host.conf), through the fetch library (kyso/fetch.h). See
 * native-host/PROTOCOL.md, "revocation", "timestamp" and "Fetching".
 *
 * The controller checks the origin, then hands a parsed request here; it
 * runs on one of HOST_LTV_THREADS fetch threads (a TSA may take minutes:
 * never on a transport's thread nor on the dialog worker) and its reply
 * goes back through the sink the controller gave. Bounds: waiting and
 * running requests per origin, per owner (a connection) and in all, and
 * requests accepted per origin per minute (host.conf fetch_rate); more are
 * BUSY. A cancelled request, a closed connection and host_ltv_free abort
 * the transfers under way (kyso_fetch_config.cancelled); each request has
 * a deadline of 2 x fetch_timeout + 12 s (two URLs' back-offs). Revocation
 * answers are cached in $XDG_CACHE_HOME/kyso/revocation (the CLI's) unless
 * fetch_cache = no. URLs come only from the certificates of a request once they
 * chain to the anchors (the bundled Vietnamese roots and host.conf's
 * trust_anchor files, loaded at the first request) and, for timestamps, from
 * host.conf.
 */
#ifndef KYSO_HOST_LTV_H
#define KYSO_HOST_LTV_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "host_config.h"

/* Certificates in one `revocation` request. */
#define HOST_LTV_CERTS_MAX 16
/* Fetch requests running at once, all connections (the national TSA is
 * asked at most 4 at a time). */
#define HOST_LTV_THREADS 4
/* Waiting and running (a cancelled request counts until its fetch has
 * stopped), per origin, per connection (over native messaging every page
 * shares the extension's one connection) and in all. */
#define HOST_LTV_PER_ORIGIN 8
#define HOST_LTV_PER_PEER 32
#define HOST_LTV_QUEUE_MAX 64
/* Running at once per origin: another site always finds a fetch thread
 * within one request's deadline (2 x fetch_timeout). */
#define HOST_LTV_RUN_PER_ORIGIN 2

typedef struct host_ltv host_ltv;
typedef struct host_ltv_job host_ltv_job;

/* Where a job's reply goes: send(arg, id, echo, key, value) sends the
 * reply to id ("result" or "error", value consumed; echo: the request's
 * "origin" as sent, or ""), from a fetch thread; release(arg) when the job
 * is gone (after its reply, or dropped). */
typedef struct host_ltv_sink {
  void *arg;
  void (*send)(void *arg, json_t *id, const char *echo, const char *key,
               json_t *value);
  void (*release)(void *arg);
} host_ltv_sink;

/* Copies what it needs from cfg (TSA URL, rewrites, timeout, loopback,
 * anchor file names); log is host_log. NULL when out of memory or the
 * fetch configuration cannot be made. */
host_ltv *host_ltv_new(const host_config *cfg);
/* Drops waiting jobs, waits a few seconds for running ones; a fetch still
 * under way then is left to finish alone (the process is exiting). */
void host_ltv_free(host_ltv *ltv);

/* 1 when cmd is one of this module's commands. */
int host_ltv_is_command(const char *cmd);

/* Parses req (cmd is host_ltv_is_command's) with its exact keys ("origin"
 * already removed). NULL on success with *out set; else the error code
 * ("INVALID_ARGUMENT", "NATIVE_FATAL") with *why. */
const char *host_ltv_job_parse(const char *cmd, json_t *req, host_ltv_job **out,
                               const char **why);
void host_ltv_job_free(host_ltv_job *job);

/*
 * Queues job (always taken) for owner: id is copied, echo is the
 * request's "origin" as sent ("" when none), origin the canonical origin
 * it acts for (logged, and what the per-origin bounds count). NULL when
 * queued: the sink then answers and is released exactly once. Else the
 * error code ("BUSY", "NATIVE_FATAL") with a message in msg; the sink is
 * not used. *retry_after: seconds until the origin's rate allows another
 * request (BUSY "retryAfter"), 0 when the refusal is not the rate's.
 */
const char *host_ltv_submit(host_ltv *ltv, host_ltv_job *job, const void *owner,
                            json_t *id, const char *echo, const char *origin,
                            const host_ltv_sink *sink, char *msg, size_t cap,
                            int64_t *retry_after);

/* `cancel` of owner's request id for origin: 1 when a job waiting or
 * running was found and not answered yet; it will send nothing, and its
 * echo is copied into echo (HOST_ORIGIN_MAX bytes) for the caller's
 * USER_CANCELLED. A running fetch is aborted (within about a second);
 * it counts against its origin and owner until it has stopped. */
int host_ltv_cancel(host_ltv *ltv, const void *owner, const char *origin,
                    json_t *id, char *echo);

/* owner is gone: its jobs send nothing more, waiting ones are dropped,
 * running ones aborted. */
void host_ltv_owner_gone(host_ltv *ltv, const void *owner);

/* owner's jobs waiting or running. */
int host_ltv_pending(host_ltv *ltv, const void *owner);

#endif
