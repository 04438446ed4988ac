/*
 * host_origins.h - what kyso-host remembers about origins beyond host.conf.
 *
 *  - "Luôn cho phép" (always allow): in the origins file,
 *    $XDG_STATE_HOME/kyso/origins (~/.local/state/kyso/origins), one
 *    canonical origin a line. Directory 0700, file 0600, opened with
 *    O_NOFOLLOW (a symlink there is refused, never followed), rewritten
 *    whole through a temporary file and rename(2) under a flock of the
 *    directory, since the websocket service, native-messaging hosts and
 *    `kyso-host --forget-origin` share it. Read again when it changes, so
 *    a forgotten origin is forgotten by a running host too. Only origins
 *    that may be remembered are kept (host_origins_may_remember): an old
 *    file's http:// entries are dropped.
 *  - "Từ chối" (deny), with a back-off that doubles at each refusal: no
 *    prompt for that origin meanwhile.
 *  - First-use prompts: at most HOST_PROMPT_SITE_MAX per site and
 *    HOST_PROMPT_GLOBAL_MAX in all per HOST_PROMPT_WINDOW_S, counting only
 *    the prompts the user was shown (host_origins_prompt_give_back).
 *  - Native "Chỉ lần này" of https pages (host_origins_once_grant).
 *
 * These three are shared by every kyso-host of the user — the websocket
 * service and the native-messaging hosts, one per request of the
 * extension — through the consent file, $XDG_STATE_HOME/kyso/consent:
 * read again when it changes, rewritten (temporary file, rename, 0600,
 * never through a symlink) under the same directory flock as the origins
 * file. It stores wall-clock seconds; in memory they become monotonic
 * again, a time left cut to its cap (HOST_DENY_BACKOFF_MAX_S,
 * HOST_ONCE_NATIVE_S), so a clock set back or a reboot silences no origin
 * longer than a fresh refusal would. A garbled or oversized file is read
 * as empty and logged. Without a state dir (unit tests) all stays in
 * memory.
 *
 * Prompt quotas are kept per site (host_origin_site: scheme and
 * registrable domain, by the Public Suffix List): who holds evil.test holds
 * every name under it, and rotating a.evil.test, b.evil.test... must not
 * buy more prompts. Refusals and "always" are kept per origin: a refusal
 * (or a page cancelling its own prompt) must not silence another origin
 * of the same registrable domain — a school's page under tiengiang.gov.vn
 * must not be able to silence the province's document portal, and
 * Debian's Public Suffix List may be older than a province's or a
 * vendor's shared domain.
 *
 * Times are seconds of a monotonic clock, passed in. Not thread-safe: the
 * controller calls it under its lock, the command line alone.
 */
#ifndef KYSO_HOST_ORIGINS_H
#define KYSO_HOST_ORIGINS_H

#include <stdint.h>

#include "host_config.h"
#include "host_origin.h"
#include "kyso/status.h"

/* Origins in the origins file, and its size. */
#define HOST_REMEMBERED_MAX 256
#define HOST_ORIGINS_FILE_MAX (HOST_REMEMBERED_MAX * HOST_ORIGIN_MAX)
/* Refused origins kept (the one silenced shortest makes room; a page's own
 * refusal never makes a user's give way: host_origins_deny_page). */
#define HOST_DENY_MEMORY_MAX 256
/* A page's own refusals kept per site (that site's oldest makes room). */
#define HOST_DENY_PAGE_SITE_MAX 8
/* The first refusal silences an origin this long, each next one twice as
 * long as the one before, up to the cap. */
#define HOST_DENY_BACKOFF_FIRST_S (5 * 60)
#define HOST_DENY_BACKOFF_MAX_S (24 * 60 * 60)
/* First-use prompts shown per window: per site, and for every site. */
#define HOST_PROMPT_WINDOW_S 60
#define HOST_PROMPT_SITE_MAX 3
#define HOST_PROMPT_GLOBAL_MAX 8
/* Slots for prompts in the window: global ones and site-only ones. */
#define HOST_PROMPT_SLOTS 64
/* A prompt its page closed sooner than this was not really seen. */
#define HOST_PROMPT_FLASH_S 2
/* "Chỉ lần này" over native messaging, where one connection serves every
 * tab for the whole browser session: an https page's lasts this long; an
 * http page's covers only the request that asked (host_origins_once). */
#define HOST_ONCE_NATIVE_S (5 * 60)
/* Native "Chỉ lần này" grants kept (the one ending first makes room). */
#define HOST_ONCE_SHARED_MAX 64
/* The consent file: its entries, each at most an origin and numbers. */
#define HOST_CONSENT_FILE_MAX                                                  \
  ((HOST_DENY_MEMORY_MAX + HOST_PROMPT_SLOTS + HOST_ONCE_SHARED_MAX) *         \
       (HOST_ORIGIN_MAX + 64) +                                                \
   1024)

typedef struct host_origins host_origins;

typedef void (*host_log_fn)(const char *format, ...);

/* The store for cfg's files (cfg borrowed, must outlive it; a cfg without
 * origins_path keeps everything in memory). Moves the remembered origins
 * of earlier versions (cfg->legacy_origins_path) once, when the origins
 * file does not exist yet. File problems go to log; NULL when out of
 * memory. */
host_origins *host_origins_new(const host_config *cfg, host_log_fn log);
void host_origins_free(host_origins *o);

/* The Public Suffix List the store uses (the newest of the system's file,
 * /usr/share/publicsuffix, and libpsl's built-in copy); NULL when neither
 * is there (then a site is a whole host). Borrowed from o. */
const psl_ctx_t *host_origins_psl(const host_origins *o);

/* 1 when origin (canonical) may be remembered as "always": https, the
 * browser extension schemes, and http on loopback with dev_http_loopback.
 * Plain http is never remembered: anyone on the path could be that site. */
int host_origins_may_remember(const host_origins *o, const char *origin);

/* 1 when origin (canonical) is in the origins file (read again if it
 * changed). */
int host_origins_remembered(host_origins *o, const char *origin);

/* Adds origin (canonical, may_remember) to the origins file. */
kyso_status host_origins_remember(host_origins *o, const char *origin,
                                  kyso_error *err);

/* Drops origin (canonical) from the origins file and its refusal and
 * native "Chỉ lần này" from the consent file; *found says whether it was
 * remembered or refused. */
kyso_status host_origins_forget(host_origins *o, const char *origin, int *found,
                                kyso_error *err);

/* The user refused origin at now ("Từ chối", the dialog closed, or a
 * first-use prompt shown and not answered in time): silences that origin,
 * and only it, with the next back-off. Kept before any page's own refusal:
 * when HOST_DENY_MEMORY_MAX are kept, a page's makes room first. */
void host_origins_deny(host_origins *o, const char *origin, int64_t now);

/* origin's page cancelled or closed its own first-use prompt after the
 * user was shown it: the same back-off, but the page's own refusal never
 * makes a user's refusal give way (when only the user's are kept, this one
 * is not), and at most HOST_DENY_PAGE_SITE_MAX are kept per site (its
 * oldest makes room), so throw-away origins cannot push the user's "Từ
 * chối" out nor restart its back-off. A prompt never shown is no refusal
 * (the controller does not call this). */
void host_origins_deny_page(host_origins *o, const char *origin, int64_t now);

/* Seconds origin stays silenced after now (0: it may be asked). */
int64_t host_origins_denied_for(host_origins *o, const char *origin,
                                int64_t now);

typedef enum host_prompt_quota {
  HOST_PROMPT_QUOTA_OK = 0,    /* counted: open the prompt */
  HOST_PROMPT_QUOTA_SITE = 1,  /* this site asked too often */
  HOST_PROMPT_QUOTA_GLOBAL = 2 /* every site together did */
} host_prompt_quota;

/* Takes a first-use prompt for origin at now from the quotas; when
 * refused, *retry_after (may be NULL) says when one frees up. */
host_prompt_quota host_origins_prompt_take(host_origins *o, const char *origin,
                                           int64_t now, int64_t *retry_after);

/* Gives back the prompt taken for origin at taken_at when it never reached
 * the user (cancelled before its dialog was shown, pinentry failed): a
 * page that cancels its requests at once must not use up the quotas that
 * other sites' prompts need. */
void host_origins_prompt_give_back(host_origins *o, const char *origin,
                                   int64_t taken_at);

/* The prompt taken for origin at taken_at was closed by its page (cancel,
 * closed connection) before the user could answer it (within
 * HOST_PROMPT_FLASH_S): it keeps counting for its own site, not against
 * HOST_PROMPT_GLOBAL_MAX, so pages that flash prompts from many sites cannot
 * use up the prompts other sites need. */
void host_origins_prompt_site_only(host_origins *o, const char *origin,
                                   int64_t taken_at);

/* How long "Chỉ lần này" for origin, answered at now, holds. */
#define HOST_ONCE_CONNECTION 0 /* the connection's lifetime */
#define HOST_ONCE_REQUEST (-1) /* only the request that asked */
/* HOST_ONCE_CONNECTION on the websocket (one connection is one page);
 * over native messaging (native: 1) HOST_ONCE_REQUEST for an http origin,
 * else now + HOST_ONCE_NATIVE_S (the time it stops holding). */
int64_t host_origins_once(const char *origin, int native, int64_t now);

/* Records a native "Chỉ lần này" for origin (https; http covers only its
 * request, nothing is kept) until `until` (at most HOST_ONCE_NATIVE_S
 * after now), for every native host of the user. */
void host_origins_once_grant(host_origins *o, const char *origin, int64_t until,
                             int64_t now);

/* 1 when such a grant for origin still holds at now. */
int host_origins_once_holds(host_origins *o, const char *origin, int64_t now);

typedef enum host_origin_source {
  HOST_ORIGIN_FROM_CONFIG = 0, /* host.conf: edit it to change */
  HOST_ORIGIN_FROM_USER = 1    /* a dialog answer: can be forgotten */
} host_origin_source;

typedef void (*host_origin_visit)(void *arg, const char *origin,
                                  host_origin_state state,
                                  host_origin_source source,
                                  int64_t denied_for);

/* Every origin with a standing: host.conf's allowed, then denied, then the
 * remembered ones, then the refusals still silenced at now (named by their
 * site, e.g. https://evil.test for a refusal of https://a.evil.test). */
void host_origins_each(host_origins *o, int64_t now, host_origin_visit visit,
                       void *arg);

#endif
