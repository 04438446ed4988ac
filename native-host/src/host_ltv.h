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
 * running requests per owner (a connection) and in all; more are BUSY.
 * URLs come only from the certificates of a request once they chain to the
 * anchors (the bundled Vietnamese roots and host.conf's trust_anchor
 * files, loaded at the first request) and, for timestamps, from host.conf.
 */
#ifndef KYSO_HOST_LTV_H
#define KYSO_HOST_LTV_H

#include <stddef.h>

#include <jansson.h>

#include "host_config.h"

/* Certificates in one `revocation` request. */
#define HOST_LTV_CERTS_MAX 16
/* Fetch requests running at once, all connections (the national TSA is
 * asked at most 4 at a time). */
#define HOST_LTV_THREADS 4
/* Waiting and running, per connection and in all. */
#define HOST_LTV_PER_PEER 8
#define HOST_LTV_QUEUE_MAX 64

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
 * it acts for (logged). NULL when queued: the sink then answers and is
 * released exactly once. Else the error code ("BUSY", "NATIVE_FATAL") with
 * a message in msg; the sink is not used.
 */
const char *host_ltv_submit(host_ltv *ltv, host_ltv_job *job, const void *owner,
                            json_t *id, const char *echo, const char *origin,
                            const host_ltv_sink *sink, char *msg, size_t cap);

/* `cancel` of owner's request id for origin: 1 when a job waiting or
 * running was found and not answered yet; it will send nothing, and its
 * echo is copied into echo (HOST_ORIGIN_MAX bytes) for the caller's
 * USER_CANCELLED. A running fetch finishes in the background. */
int host_ltv_cancel(host_ltv *ltv, const void *owner, const char *origin,
                    json_t *id, char *echo);

/* owner is gone: its jobs send nothing more, waiting ones are dropped. */
void host_ltv_owner_gone(host_ltv *ltv, const void *owner);

/* owner's jobs waiting or running. */
int host_ltv_pending(host_ltv *ltv, const void *owner);

#endif
