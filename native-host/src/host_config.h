/*
 * host_config.h - kyso-host's settings: ~/.config/kyso/host.conf
 * ($XDG_CONFIG_HOME respected), read once at start and never written by
 * the host (module= and pinentry= choose code it runs). What the user
 * decides in dialogs is kept apart, in the state dir (host_origins.h).
 *
 * host.conf is "key = value" lines, '#' starts a comment:
 *   port = 8750                 websocket port on 127.0.0.1 and [::1]
 *   module = /path/to/pkcs11.so PKCS#11 module (repeatable)
 *   allow_origin = https://...  allowed without asking (repeatable)
 *   deny_origin = https://...   refused without asking (repeatable)
 *   pinentry = /usr/bin/pinentry
 *   user_timeout = 120          seconds a dialog waits for the user
 *   idle_timeout = 300          seconds an idle websocket stays open
 *   dev_http_loopback = yes     developers: http://localhost, 127.0.0.1 and
 *                               [::1] pages may be remembered ("Luôn cho
 *                               phép") and are asked without the warning
 *   tsa_url = http://...        the TSA of `timestamp` (default
 *                               http://tsa.ca.gov.vn/)
 *   trust_anchor = FILE         PEM anchors beside the bundled VN roots
 *                               (repeatable)
 *   rewrite = FROM TO           URL host rewrite (repeatable; the first
 *                               replaces the default ocsp.ca.ptc one)
 *   fetch_timeout = 180         seconds per HTTP try
 *   allow_loopback_urls = no    tests only: URLs may reach loopback and
 *                               private addresses
 * Unknown keys are an error (a typo must not silently drop a setting), and
 * so is an origin that is not one (host_origin.h): the lists hold
 * canonical origins only.
 */
#ifndef KYSO_HOST_CONFIG_H
#define KYSO_HOST_CONFIG_H

#include "host_origin.h"
#include "kyso/status.h"

#define HOST_CONFIG_MAX_MODULES 8
#define HOST_CONFIG_MAX_ORIGINS 64
#define HOST_CONFIG_LINE_MAX 1024
#define HOST_DEFAULT_PORT 8750
#define HOST_DEFAULT_USER_TIMEOUT 120
#define HOST_DEFAULT_IDLE_TIMEOUT 300
#define HOST_CONFIG_MAX_ANCHORS 16
#define HOST_CONFIG_MAX_REWRITES 16
#define HOST_DEFAULT_FETCH_TIMEOUT 180
/* `revocation` + `timestamp` requests accepted per origin per minute. */
#define HOST_DEFAULT_FETCH_RATE 120

typedef struct host_config {
  int port;
  int user_timeout;
  int idle_timeout;
  int dev_http_loopback;
  char *modules[HOST_CONFIG_MAX_MODULES];
  int module_count;
  /* host.conf's lists, canonical; not changed after host_config_load, so
   * any thread may read them. */
  char *allowed[HOST_CONFIG_MAX_ORIGINS];
  int allowed_count;
  char *denied[HOST_CONFIG_MAX_ORIGINS];
  int denied_count;
  char *pinentry;
  /* fetching (host_ltv.h) */
  char *tsa_url; /* NULL: the fetch library's default */
  char *trust_anchors[HOST_CONFIG_MAX_ANCHORS];
  int trust_anchor_count;
  char *rewrite_from[HOST_CONFIG_MAX_REWRITES];
  char *rewrite_to[HOST_CONFIG_MAX_REWRITES];
  int rewrite_count;
  int fetch_timeout;
  int fetch_rate;  /* per origin per minute (host_ltv.h) */
  int fetch_cache; /* the revocation cache, $XDG_CACHE_HOME/kyso/revocation */
  int allow_loopback_urls;
  /* Not a host.conf key: programs linking the controller (the fuzz
   * target) leave the bundled Vietnamese roots out, so that nothing they
   * feed it can chain to a real CA and make the host fetch from it. */
  int no_bundled_anchors;
  char *dir;          /* the config dir, e.g. ~/.config/kyso */
  char *state_dir;    /* e.g. ~/.local/state/kyso ($XDG_STATE_HOME) */
  char *cache_dir;    /* e.g. ~/.cache/kyso ($XDG_CACHE_HOME); may be NULL */
  char *origins_path; /* remembered origins, in state_dir */
  /* dir/origins: where earlier versions kept them (read once, to move) */
  char *legacy_origins_path;
} host_config;

/* Reads path (NULL: the default host.conf; a missing default file is not
 * an error); fills defaults (modules: p11-kit's proxy, else OpenSC and
 * SoftHSM, when present). */
kyso_status host_config_load(host_config *cfg, const char *path,
                             kyso_error *err);
void host_config_free(host_config *cfg);

typedef enum host_origin_state {
  HOST_ORIGIN_UNKNOWN = 0, /* ask the user */
  HOST_ORIGIN_ALLOWED = 1,
  HOST_ORIGIN_DENIED = 2
} host_origin_state;

/* host.conf's verdict on origin, canonicalised first (host_origin.h):
 * HOST_ORIGIN_DENIED when malformed, "null" or in deny_origin,
 * HOST_ORIGIN_ALLOWED when in allow_origin, else HOST_ORIGIN_UNKNOWN. The
 * remembered decisions are the controller's (host_ctl_origin_state). */
host_origin_state host_config_origin_state(const host_config *cfg,
                                           const char *origin);

#endif
