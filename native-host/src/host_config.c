/* host_config.c - host.conf; see host_config.h. */
#define _POSIX_C_SOURCE 200809L

#include "host_config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Default module paths (Debian 12, amd64 multiarch and the plain dirs). */
static const char *const DEFAULT_PROXY[] = {
    "/usr/lib/x86_64-linux-gnu/p11-kit-proxy.so",
    "/usr/lib/aarch64-linux-gnu/p11-kit-proxy.so"};
static const char *const DEFAULT_MODULES[] = {
    "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so",
    "/usr/lib/softhsm/libsofthsm2.so"};

static char *trim(char *s) {
  char *end;
  while (isspace((unsigned char)*s))
    s++;
  end = s + strlen(s);
  while (end > s && isspace((unsigned char)end[-1]))
    *--end = '\0';
  return s;
}

static int push(char **list, int *count, int cap, const char *value) {
  char *copy;
  if (*count >= cap)
    return 0;
  copy = strdup(value);
  if (!copy)
    return 0;
  list[(*count)++] = copy;
  return 1;
}

static int parse_int(const char *s, int lo, int hi, int *out) {
  char *end;
  long v;
  errno = 0;
  v = strtol(s, &end, 10);
  if (errno || *end || end == s || v < lo || v > hi)
    return 0;
  *out = (int)v;
  return 1;
}

/* $XDG_<KIND>_HOME/kyso, else $HOME/<fallback>/kyso (XDG Base Directory
 * Specification 0.8: a relative $XDG_* is ignored). */
static char *xdg_dir(const char *env, const char *fallback) {
  const char *xdg = getenv(env), *home = getenv("HOME");
  char *dir = NULL;
  size_t n;

  if (xdg && xdg[0] == '/') {
    n = strlen(xdg) + sizeof("/kyso");
    dir = malloc(n);
    if (dir)
      snprintf(dir, n, "%s/kyso", xdg);
  } else if (home && home[0]) {
    n = strlen(home) + strlen(fallback) + sizeof("//kyso");
    dir = malloc(n);
    if (dir)
      snprintf(dir, n, "%s/%s/kyso", home, fallback);
  }
  return dir;
}

/* "yes" / "no" (also 1 / 0, true / false). */
static int parse_bool(const char *s, int *out) {
  if (strcmp(s, "yes") == 0 || strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
    *out = 1;
  else if (strcmp(s, "no") == 0 || strcmp(s, "false") == 0 ||
           strcmp(s, "0") == 0)
    *out = 0;
  else
    return 0;
  return 1;
}

/* An origin line: canonical, or a config error (the lists are compared
 * with canonical origins only). */
static int push_origin(char **list, int *count, const char *value) {
  char canonical[HOST_ORIGIN_MAX];
  return host_origin_canonical(value, canonical, sizeof(canonical)) &&
         push(list, count, HOST_CONFIG_MAX_ORIGINS, canonical);
}

/* A trust_anchor line: a file that can be read now (a typo must not
 * silently drop an anchor: host_ltv loads it at the first fetch). */
static int push_anchor(host_config *cfg, const char *value) {
  return value[0] && access(value, R_OK) == 0 &&
         push(cfg->trust_anchors, &cfg->trust_anchor_count,
              HOST_CONFIG_MAX_ANCHORS, value);
}

/* A rewrite line: "FROM TO", two host names. */
static int push_rewrite(host_config *cfg, const char *value) {
  char from[256], to[256], extra;
  int i = cfg->rewrite_count;

  if (i >= HOST_CONFIG_MAX_REWRITES ||
      sscanf(value, "%255s %255s %c", from, to, &extra) != 2 ||
      strspn(from, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                   "0123456789.-") != strlen(from) ||
      strspn(to, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                 "0123456789.-[]:") != strlen(to))
    return 0;
  cfg->rewrite_from[i] = strdup(from);
  cfg->rewrite_to[i] = strdup(to);
  if (!cfg->rewrite_from[i] || !cfg->rewrite_to[i]) {
    free(cfg->rewrite_from[i]);
    free(cfg->rewrite_to[i]);
    return 0;
  }
  cfg->rewrite_count++;
  return 1;
}

/* tsa_url: http:// or https:// and a host; the fetch library checks the
 * rest at each use. */
static int set_tsa(host_config *cfg, const char *value) {
  size_t i, n = strlen(value);
  if ((strncmp(value, "http://", 7) != 0 &&
       strncmp(value, "https://", 8) != 0) ||
      n > 1024 || value[value[4] == 's' ? 8 : 7] == '\0')
    return 0;
  for (i = 0; i < n; i++)
    if ((unsigned char)value[i] <= 0x20 || (unsigned char)value[i] >= 0x7f)
      return 0;
  free(cfg->tsa_url);
  cfg->tsa_url = strdup(value);
  return cfg->tsa_url != NULL;
}

static char *join(const char *dir, const char *name) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = malloc(n);
  if (p)
    snprintf(p, n, "%s/%s", dir, name);
  return p;
}

static kyso_status read_conf(host_config *cfg, const char *path, int required,
                             kyso_error *err) {
  kyso_status ret = KYSO_OK;
  FILE *f = fopen(path, "r");
  char line[HOST_CONFIG_LINE_MAX];
  int lineno = 0;
  char *key, *value, *eq;
  int ok;

  if (!f) {
    if (!required && errno == ENOENT)
      return KYSO_OK;
    return kyso_error_set(err, KYSO_ERR_IO, "cannot read %s", path);
  }
  while (fgets(line, sizeof(line), f)) {
    lineno++;
    if (!strchr(line, '\n') && !feof(f)) {
      ret = kyso_error_set(err, KYSO_ERR_LIMIT, "%s:%d: line too long", path,
                           lineno);
      goto done;
    }
    key = trim(line);
    if (key[0] == '#' || key[0] == '\0')
      continue;
    eq = strchr(key, '=');
    if (!eq) {
      ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                           "%s:%d: expected key = value", path, lineno);
      goto done;
    }
    *eq = '\0';
    value = trim(eq + 1);
    key = trim(key);
    if (strcmp(key, "port") == 0)
      ok = parse_int(value, 1, 65535, &cfg->port);
    else if (strcmp(key, "user_timeout") == 0)
      ok = parse_int(value, 1, 3600, &cfg->user_timeout);
    else if (strcmp(key, "idle_timeout") == 0)
      ok = parse_int(value, 1, 86400, &cfg->idle_timeout);
    else if (strcmp(key, "module") == 0)
      ok = push(cfg->modules, &cfg->module_count, HOST_CONFIG_MAX_MODULES,
                value);
    else if (strcmp(key, "allow_origin") == 0)
      ok = push_origin(cfg->allowed, &cfg->allowed_count, value);
    else if (strcmp(key, "deny_origin") == 0)
      ok = push_origin(cfg->denied, &cfg->denied_count, value);
    else if (strcmp(key, "dev_http_loopback") == 0)
      ok = parse_bool(value, &cfg->dev_http_loopback);
    else if (strcmp(key, "tsa_url") == 0)
      ok = set_tsa(cfg, value);
    else if (strcmp(key, "trust_anchor") == 0)
      ok = push_anchor(cfg, value);
    else if (strcmp(key, "rewrite") == 0)
      ok = push_rewrite(cfg, value);
    else if (strcmp(key, "fetch_timeout") == 0)
      ok = parse_int(value, 1, 3600, &cfg->fetch_timeout);
    else if (strcmp(key, "fetch_rate") == 0)
      ok = parse_int(value, 1, 10000, &cfg->fetch_rate);
    else if (strcmp(key, "fetch_cache") == 0)
      ok = parse_bool(value, &cfg->fetch_cache);
    else if (strcmp(key, "allow_loopback_urls") == 0)
      ok = parse_bool(value, &cfg->allow_loopback_urls);
    else if (strcmp(key, "pinentry") == 0) {
      free(cfg->pinentry);
      cfg->pinentry = strdup(value);
      ok = cfg->pinentry != NULL;
    } else {
      ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "%s:%d: unknown key \"%s\"",
                           path, lineno, key);
      goto done;
    }
    if (!ok && strstr(key, "_origin")) {
      ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                           "%s:%d: %s: \"%.80s\" is not an origin "
                           "(scheme://host[:port], nothing after; or more "
                           "than %d)",
                           path, lineno, key, value, HOST_CONFIG_MAX_ORIGINS);
      goto done;
    }
    if (!ok && strcmp(key, "trust_anchor") == 0) {
      ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                           "%s:%d: trust_anchor: cannot read \"%.80s\" (or "
                           "more than %d)",
                           path, lineno, value, HOST_CONFIG_MAX_ANCHORS);
      goto done;
    }
    if (!ok) {
      ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                           "%s:%d: bad value for \"%s\" (or too many)", path,
                           lineno, key);
      goto done;
    }
  }

done:
  fclose(f);
  return ret;
}

static void default_modules(host_config *cfg) {
  size_t i;
  for (i = 0; i < sizeof(DEFAULT_PROXY) / sizeof(*DEFAULT_PROXY); i++)
    if (access(DEFAULT_PROXY[i], R_OK) == 0) {
      push(cfg->modules, &cfg->module_count, HOST_CONFIG_MAX_MODULES,
           DEFAULT_PROXY[i]);
      return;
    }
  for (i = 0; i < sizeof(DEFAULT_MODULES) / sizeof(*DEFAULT_MODULES); i++)
    if (access(DEFAULT_MODULES[i], R_OK) == 0)
      push(cfg->modules, &cfg->module_count, HOST_CONFIG_MAX_MODULES,
           DEFAULT_MODULES[i]);
}

kyso_status host_config_load(host_config *cfg, const char *path,
                             kyso_error *err) {
  kyso_status ret;
  char *conf = NULL;

  memset(cfg, 0, sizeof(*cfg));
  cfg->port = HOST_DEFAULT_PORT;
  cfg->user_timeout = HOST_DEFAULT_USER_TIMEOUT;
  cfg->idle_timeout = HOST_DEFAULT_IDLE_TIMEOUT;
  cfg->fetch_timeout = HOST_DEFAULT_FETCH_TIMEOUT;
  cfg->fetch_rate = HOST_DEFAULT_FETCH_RATE;
  cfg->fetch_cache = 1;
  cfg->dir = xdg_dir("XDG_CONFIG_HOME", ".config");
  cfg->state_dir = xdg_dir("XDG_STATE_HOME", ".local/state");
  cfg->cache_dir = xdg_dir("XDG_CACHE_HOME", ".cache"); /* NULL: no cache */
  if (!cfg->dir || !cfg->state_dir) {
    ret = kyso_error_set(err, KYSO_ERR_IO,
                         "no config dir: set HOME or XDG_CONFIG_HOME");
    goto done;
  }
  cfg->origins_path = join(cfg->state_dir, "origins");
  cfg->legacy_origins_path = join(cfg->dir, "origins");
  conf = path ? strdup(path) : join(cfg->dir, "host.conf");
  if (!cfg->origins_path || !cfg->legacy_origins_path || !conf) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "config: out of memory");
    goto done;
  }
  ret = read_conf(cfg, conf, path != NULL, err);
  if (ret != KYSO_OK)
    goto done;
  if (cfg->module_count == 0)
    default_modules(cfg);
  if (!cfg->pinentry)
    cfg->pinentry = strdup("pinentry");
  if (!cfg->pinentry) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "config: out of memory");
    goto done;
  }
  ret = KYSO_OK;

done:
  free(conf);
  return ret;
}

void host_config_free(host_config *cfg) {
  int i;
  for (i = 0; i < cfg->module_count; i++)
    free(cfg->modules[i]);
  for (i = 0; i < cfg->allowed_count; i++)
    free(cfg->allowed[i]);
  for (i = 0; i < cfg->denied_count; i++)
    free(cfg->denied[i]);
  for (i = 0; i < cfg->trust_anchor_count; i++)
    free(cfg->trust_anchors[i]);
  for (i = 0; i < cfg->rewrite_count; i++) {
    free(cfg->rewrite_from[i]);
    free(cfg->rewrite_to[i]);
  }
  free(cfg->tsa_url);
  free(cfg->pinentry);
  free(cfg->dir);
  free(cfg->state_dir);
  free(cfg->cache_dir);
  free(cfg->origins_path);
  free(cfg->legacy_origins_path);
  memset(cfg, 0, sizeof(*cfg));
}

static int in_list(char *const *list, int count, const char *origin) {
  int i;
  for (i = 0; i < count; i++)
    if (strcmp(list[i], origin) == 0)
      return 1;
  return 0;
}

host_origin_state host_config_origin_state(const host_config *cfg,
                                           const char *origin) {
  char canonical[HOST_ORIGIN_MAX];

  if (!host_origin_canonical(origin, canonical, sizeof(canonical)))
    return HOST_ORIGIN_DENIED; /* malformed, "null" */
  if (in_list(cfg->denied, cfg->denied_count, canonical))
    return HOST_ORIGIN_DENIED;
  if (in_list(cfg->allowed, cfg->allowed_count, canonical))
    return HOST_ORIGIN_ALLOWED;
  return HOST_ORIGIN_UNKNOWN;
}
