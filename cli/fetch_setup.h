/*
 * fetch_setup.h - what the kyso command's network options become: the
 * kyso_fetch configuration (kyso.conf, cache directory, loopback for tests,
 * one log line per fetch on stderr) and the `--tsa [URL]` option, whose
 * URL is optional (getopt cannot take an optional separate argument).
 */
#ifndef KYSO_CLI_FETCH_SETUP_H
#define KYSO_CLI_FETCH_SETUP_H

#include <getopt.h>

#include "kyso/fetch.h"
#include "kyso/status.h"

#include "trust_load.h"

enum { KYSO_CLI_TRUST_PATHS_MAX = 32 };

/* The options shared by sign, timestamp, ltv and verify. */
typedef struct kyso_cli_net_args {
  const char *config_path; /* --config FILE; NULL: the default file */
  int allow_loopback_urls; /* --allow-loopback-urls (tests) */
  int no_cache;            /* --no-cache */
} kyso_cli_net_args;

/* The help lines for those options (ends with a newline). */
extern const char kyso_cli_net_usage[];

/*
 * Fills config: kyso_fetch_config_init, then the config file (--config, else
 * $XDG_CONFIG_HOME/kyso/kyso.conf, else ~/.config/kyso/kyso.conf; the
 * default file may be absent, an explicit one may not), then the flags; the
 * revocation cache in $XDG_CACHE_HOME/kyso/revocation (else
 * ~/.cache/kyso/revocation, created 0700) unless --no-cache; every fetch
 * logged to stderr as "kyso: fetch: LINE". Clear with
 * kyso_fetch_config_clear, also on failure.
 */
kyso_status kyso_cli_fetch_config(const kyso_cli_net_args *args,
                                  kyso_fetch_config *config, kyso_error *err);

/* The bundled Vietnamese roots (unless no_default) and every paths[i]
 * into trust (kyso_trust_free it, also on failure). */
kyso_status kyso_cli_trust_load_all(const char *const *paths, size_t count,
                                    int no_default, kyso_trust_set *trust,
                                    kyso_error *err);

/* Checks url as early as possible (before a token signs): kyso_fetch_url_
 * prepare's checks, and, unless config allows loopback, a host that is
 * "localhost" or a literal loopback/private/link-local address. The
 * fetch library checks the addresses again when it connects (names that
 * resolve to such addresses included). KYSO_ERR_LTV_URL when refused. */
kyso_status kyso_cli_url_check(const kyso_fetch_config *config, const char *url,
                               kyso_error *err);

/* 1 when s starts with http:// or https:// (scheme in any case). */
int kyso_cli_is_http_url(const char *s);

/* The `--tsa` argument's shape, for the option parsers: 0 when url is
 * NULL (bare `--tsa`) or an http(s) URL, else the usage error's exit code
 * (kyso_cli_usage_error). */
int kyso_cli_tsa_arg_check(const char *url);

/* Adds a `--trust` path to paths[*count] (borrowed from argv): 0, or the
 * usage error's exit code when max paths are there already. */
int kyso_cli_trust_path_add(const char **paths, size_t *count, size_t max,
                            const char *path);

/*
 * argv with every `--tsa URL` (URL: the next argument, when it starts with
 * http:// or https://) joined into `--tsa=URL`, so that getopt_long with
 * {"tsa", optional_argument} reads `--tsa`, `--tsa=URL` and `--tsa URL`.
 * opts is the command's table: the argument of an option that takes one
 * (`--reason --tsa`) is skipped as getopt_long would, abbreviations
 * included; "--" ends the scan. Free with kyso_cli_argv_free.
 */
typedef struct kyso_cli_argv {
  int argc;
  char **argv;  /* argc + 1 entries, NULL-terminated */
  char **owned; /* joined strings, freed with the list */
  int owned_count;
} kyso_cli_argv;

kyso_status kyso_cli_argv_join_tsa(int argc, char **argv,
                                   const struct option *opts,
                                   kyso_cli_argv *out, kyso_error *err);
void kyso_cli_argv_free(kyso_cli_argv *a);

#endif
