/* fetch_setup.c - the network options of the kyso command; see
 * fetch_setup.h. */
#define _POSIX_C_SOURCE 200809L
#include "fetch_setup.h"

#include "commands.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

enum { PATH_MAX_LEN = 4096 };

const char kyso_cli_net_usage[] =
    "  --config FILE        network settings (default\n"
    "                       $XDG_CONFIG_HOME/kyso/kyso.conf, else\n"
    "                       ~/.config/kyso/kyso.conf): tsa_url, rewrite FROM\n"
    "                       TO, timeout, connect_timeout, tries,\n"
    "                       retry_delay_ms, parallel, deadline (seconds for\n"
    "                       one fetch with its tries, default 600),\n"
    "                       allow_loopback_urls\n"
    "  --no-cache           do not read or write the revocation cache\n"
    "                       (~/.cache/kyso/revocation, kept by nextUpdate)\n"
    "  --allow-loopback-urls  also contact loopback addresses (127.0.0.0/8,\n"
    "                       ::1) named in certificates or --tsa (tests only;\n"
    "                       private and link-local stay refused)\n"
    "Revocation data is fetched only for certificates whose path reaches a\n"
    "trusted root.\n"
    "Every request is logged on stderr as \"kyso: fetch: ...\"; http_proxy,\n"
    "https_proxy and no_proxy are honoured.\n";

static void log_stderr(void *ctx, const char *line) {
  (void)ctx;
  fprintf(stderr, "kyso: fetch: %s\n", line);
}

/* base (an absolute $XDG_* value) or $HOME/fallback, then suffix. 0: no
 * usable directory. */
static int xdg_path(const char *xdg_var, const char *fallback,
                    const char *suffix, char *out, size_t cap) {
  const char *base = getenv(xdg_var), *home = getenv("HOME");
  int n;
  if (base && base[0] == '/')
    n = snprintf(out, cap, "%s/%s", base, suffix);
  else if (home && home[0] == '/')
    n = snprintf(out, cap, "%s/%s/%s", home, fallback, suffix);
  else
    return 0;
  return n > 0 && (size_t)n < cap;
}

kyso_status kyso_cli_fetch_config(const kyso_cli_net_args *args,
                                  kyso_fetch_config *config, kyso_error *err) {
  kyso_status ret;
  char path[PATH_MAX_LEN];
  const char *conf = args->config_path;
  struct stat st;

  memset(config, 0, sizeof(*config)); /* clearable whatever happens */
  ret = kyso_fetch_config_init(config, err);
  if (ret != KYSO_OK)
    goto done;
  if (conf) {
    /* Asked for by name: it must be there (a typo must not silently give
     * the defaults). */
    if (stat(conf, &st) != 0) {
      ret = kyso_error_set(err, KYSO_ERR_IO, "--config %s: %s", conf,
                           strerror(errno));
      goto done;
    }
  } else if (xdg_path("XDG_CONFIG_HOME", ".config", "kyso/kyso.conf", path,
                      sizeof(path))) {
    conf = path;
  }
  if (conf) {
    ret = kyso_fetch_config_load(config, conf, err);
    if (ret != KYSO_OK)
      goto done;
  }
  if (args->allow_loopback_urls)
    config->allow_loopback_urls = 1;
  config->log = log_stderr;
  config->log_ctx = NULL;
  if (!args->no_cache && xdg_path("XDG_CACHE_HOME", ".cache", "kyso/revocation",
                                  path, sizeof(path))) {
    /* Made (0700) by kyso_fetch when it first stores an answer. */
    free(config->cache_dir);
    config->cache_dir = strdup(path);
    if (!config->cache_dir) {
      ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
      goto done;
    }
  }
  ret = KYSO_OK;
done:
  return ret;
}

kyso_status kyso_cli_trust_load_all(const char *const *paths, size_t count,
                                    int no_default, kyso_trust_set *trust,
                                    kyso_error *err) {
  kyso_status ret = KYSO_OK;
  const char *dir;
  size_t i;
  if (!no_default && (dir = kyso_trust_default_dir()) != NULL)
    ret = kyso_trust_load(trust, dir, err);
  for (i = 0; i < count && ret == KYSO_OK; i++)
    ret = kyso_trust_load(trust, paths[i], err);
  return ret;
}

kyso_status kyso_cli_url_check(const kyso_fetch_config *config, const char *url,
                               kyso_error *err) {
  kyso_status ret;
  char *prepared = NULL, host[256];
  const char *p, *end;
  size_t n;

  ret = kyso_fetch_url_prepare(config, url, &prepared, err);
  if (ret != KYSO_OK)
    goto done;
  p = strstr(prepared, "://") + 3;
  if (*p == '[') {
    p++;
    end = strchr(p, ']');
  } else {
    end = p + strcspn(p, ":/?#");
  }
  n = end ? (size_t)(end - p) : 0;
  if (n == 0 || n >= sizeof(host))
    goto done;
  memcpy(host, p, n);
  host[n] = '\0';
  /* the guard's own list (kyso_fetch_address_refused): with
   * --allow-loopback-urls only loopback opens, private stays refused */
  if ((strcasecmp(host, "localhost") == 0 && !config->allow_loopback_urls) ||
      kyso_fetch_address_refused(config, host))
    ret = kyso_error_set(err, KYSO_ERR_LTV_URL,
                         "URL refused: %s is a loopback, private or "
                         "link-local address (--allow-loopback-urls opens "
                         "loopback only, for tests): %.120s",
                         host, url);
done:
  free(prepared);
  return ret;
}

int kyso_cli_is_http_url(const char *s) {
  return strncasecmp(s, "http://", 7) == 0 ||
         strncasecmp(s, "https://", 8) == 0;
}

int kyso_cli_tsa_arg_check(const char *url) {
  if (url && !kyso_cli_is_http_url(url))
    return kyso_cli_usage_error("--tsa takes an http:// or https:// URL, "
                                "not '%s'",
                                url);
  return 0;
}

int kyso_cli_trust_path_add(const char **paths, size_t *count, size_t max,
                            const char *path) {
  if (*count == max)
    return kyso_cli_usage_error("at most %d --trust paths", (int)max);
  paths[(*count)++] = path;
  return 0;
}

/* The option arg names (after "--", up to '=' if any), as getopt_long
 * resolves it: an exact name, else the one name it abbreviates. NULL:
 * none or ambiguous. */
static const struct option *find_option(const struct option *opts,
                                        const char *arg) {
  const struct option *o, *found = NULL;
  size_t n = strcspn(arg, "=");
  int matches = 0;
  for (o = opts; o->name; o++) {
    if (strncmp(o->name, arg, n) != 0)
      continue;
    if (strlen(o->name) == n)
      return o;
    found = o;
    matches++;
  }
  return matches == 1 ? found : NULL;
}

kyso_status kyso_cli_argv_join_tsa(int argc, char **argv,
                                   const struct option *opts,
                                   kyso_cli_argv *out, kyso_error *err) {
  kyso_status ret = KYSO_ERR_NO_MEMORY;
  int i, j = 0, rest = 0;

  memset(out, 0, sizeof(*out));
  out->argv = calloc((size_t)argc + 1, sizeof(*out->argv));
  out->owned = calloc((size_t)argc + 1, sizeof(*out->owned));
  if (!out->argv || !out->owned) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  for (i = 0; i < argc; i++) {
    const char *a = argv[i];
    const struct option *o;
    if (i == 0 || rest || strncmp(a, "--", 2) != 0) {
      out->argv[j++] = argv[i];
      continue;
    }
    if (strcmp(a, "--") == 0) {
      rest = 1;
      out->argv[j++] = argv[i];
      continue;
    }
    if (strcmp(a, "--tsa") == 0 && i + 1 < argc &&
        kyso_cli_is_http_url(argv[i + 1])) {
      size_t n = strlen(argv[i + 1]) + sizeof("--tsa=");
      char *joined = malloc(n);
      if (!joined) {
        ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
        goto done;
      }
      snprintf(joined, n, "--tsa=%s", argv[i + 1]);
      out->owned[out->owned_count++] = joined;
      out->argv[j++] = joined;
      i++;
      continue;
    }
    out->argv[j++] = argv[i];
    o = find_option(opts, a + 2);
    /* `--reason --tsa`: "--tsa" is the reason, as getopt_long reads it. */
    if (o && o->has_arg == required_argument && !strchr(a, '=') && i + 1 < argc)
      out->argv[j++] = argv[++i];
  }
  out->argc = j;
  ret = KYSO_OK;
done:
  if (ret != KYSO_OK)
    kyso_cli_argv_free(out);
  return ret;
}

void kyso_cli_argv_free(kyso_cli_argv *a) {
  int i;
  if (a->owned)
    for (i = 0; i < a->owned_count; i++)
      free(a->owned[i]);
  free(a->owned);
  free(a->argv);
  memset(a, 0, sizeof(*a));
}
