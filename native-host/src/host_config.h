/*
 * host_config.h - kyso-host's settings: ~/.config/kyso/host.conf
 * ($XDG_CONFIG_HOME respected) and the origins the user chose to always
 * allow (~/.config/kyso/origins, one per line, written by the host).
 *
 * host.conf is "key = value" lines, '#' starts a comment:
 *   port = 8750                 websocket port on 127.0.0.1 and [::1]
 *   module = /path/to/pkcs11.so PKCS#11 module (repeatable)
 *   allow_origin = https://...  allowed without asking (repeatable)
 *   deny_origin = https://...   refused without asking (repeatable)
 *   pinentry = /usr/bin/pinentry
 *   user_timeout = 120          seconds a dialog waits for the user
 *   idle_timeout = 300          seconds an idle websocket stays open
 * Unknown keys are an error (a typo must not silently drop a setting).
 */
#ifndef KYSO_HOST_CONFIG_H
#define KYSO_HOST_CONFIG_H

#include "kyso/status.h"

#define HOST_CONFIG_MAX_MODULES 8
#define HOST_CONFIG_MAX_ORIGINS 64
#define HOST_CONFIG_LINE_MAX 1024
#define HOST_ORIGIN_MAX 256
#define HOST_DEFAULT_PORT 8750
#define HOST_DEFAULT_USER_TIMEOUT 120
#define HOST_DEFAULT_IDLE_TIMEOUT 300

typedef struct host_config {
  int port;
  int user_timeout;
  int idle_timeout;
  char *modules[HOST_CONFIG_MAX_MODULES];
  int module_count;
  char *allowed[HOST_CONFIG_MAX_ORIGINS]; /* host.conf and remembered */
  int allowed_count;
  char *denied[HOST_CONFIG_MAX_ORIGINS];
  int denied_count;
  char *pinentry;
  char *dir;          /* the config dir, e.g. ~/.config/kyso */
  char *origins_path; /* where "always" decisions go */
} host_config;

/* Reads path (NULL: the default host.conf; a missing default file is not
 * an error) and the remembered origins; fills defaults (modules: p11-kit's
 * proxy, else OpenSC and SoftHSM, when present). */
kyso_status host_config_load(host_config *cfg, const char *path,
                             kyso_error *err);
void host_config_free(host_config *cfg);

typedef enum host_origin_state {
  HOST_ORIGIN_UNKNOWN = 0, /* ask the user */
  HOST_ORIGIN_ALLOWED = 1,
  HOST_ORIGIN_DENIED = 2
} host_origin_state;

/* Checks the shape (scheme://host[:port], http(s) or a browser extension
 * scheme, printable, bounded) and the lists. Malformed or "null":
 * HOST_ORIGIN_DENIED. */
host_origin_state host_config_origin_state(const host_config *cfg,
                                           const char *origin);

/* Remembers "always allow" for origin: in memory and appended to the
 * origins file. Not thread-safe: the controller serialises it. */
kyso_status host_config_remember_origin(host_config *cfg, const char *origin,
                                        kyso_error *err);

#endif
