/*
 * cmd_verify.c - `kyso verify`: every signature of a document checked on
 * the core verifier against the bundled Vietnamese roots (and --trust),
 * printed in Vietnamese or English, or as the JSON report.
 *
 * Exit status: 0 every signature valid, 1 any invalid or undecided,
 * 2 no signatures, 3 the file could not be read as a PDF (or bad usage).
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "fetch_setup.h"
#include "file_io.h"
#include "kyso/limits.h"
#include "kyso/time.h"
#include "kyso/verify.h"
#include "ltv_gather.h"
#include "pdf_password.h"
#include "pin_read.h"
#include "trust_load.h"

enum {
  VERIFY_EXIT_VALID = 0,
  VERIFY_EXIT_NOT_VALID = 1,
  VERIFY_EXIT_NO_SIGNATURES = 2,
  VERIFY_EXIT_UNREADABLE = 3,
  VERIFY_TRUST_PATHS_MAX = 32
};

static const char verify_usage[] =
    "usage: kyso verify FILE [options]\n"
    "\n"
    "Checks every signature: integrity, signature value, certificate chain\n"
    "to the Vietnamese government roots, validity and revocation at the\n"
    "signing time, timestamps, and what changed after each signature.\n"
    "\n"
    "options:\n"
    "  --trust PATH         also trust the certificates in PATH (PEM/DER\n"
    "                       file or directory); repeatable\n"
    "  --no-default-trust   do not load the bundled Vietnamese roots\n"
    "  --at ISO8601         validate as of this time (default: now)\n"
    "  --json               print the JSON report (docs/report-schema.md)\n"
    "  --lang vi|en         language of the text report (default vi)\n"
    "  --password-file F    password of an encrypted FILE (first line of\n"
    "                       F); asked on the terminal when needed\n"
    "  --online             when a signature is not valid for lack of\n"
    "                       revocation data or issuer certificates, fetch\n"
    "                       them (OCSP, else CRL; caIssuers) from the URLs in\n"
    "                       its certificates and verify again; the report\n"
    "                       tells fetched data from embedded. Data fetched "
    "now\n"
    "                       proves \"not revoked now\": for an old signature\n"
    "                       that is enough only with a valid timestamp.\n"
    "                       Without --online kyso verify never uses the\n"
    "                       network\n"
    "%s"
    "\n"
    "exit status: 0 all valid, 1 any invalid or undecided, 2 no signatures,\n"
    "3 the file cannot be read\n";

typedef struct verify_args {
  const char *file, *at, *lang, *password_file;
  const char *trust[VERIFY_TRUST_PATHS_MAX];
  size_t trust_count;
  int json, no_default_trust;
  int online;
  kyso_cli_net_args net;
} verify_args;

static int parse_args(int argc, char **argv, verify_args *a) {
  enum {
    O_TRUST = 256,
    O_NO_DEFAULT,
    O_AT,
    O_JSON,
    O_LANG,
    O_PASSWORD,
    O_ONLINE,
    O_CONFIG,
    O_ALLOW_LOOPBACK,
    O_NO_CACHE,
    O_HELP
  };
  static const struct option opts[] = {
      {"trust", required_argument, 0, O_TRUST},
      {"no-default-trust", no_argument, 0, O_NO_DEFAULT},
      {"at", required_argument, 0, O_AT},
      {"json", no_argument, 0, O_JSON},
      {"lang", required_argument, 0, O_LANG},
      {"password-file", required_argument, 0, O_PASSWORD},
      {"online", no_argument, 0, O_ONLINE},
      {"config", required_argument, 0, O_CONFIG},
      {"allow-loopback-urls", no_argument, 0, O_ALLOW_LOOPBACK},
      {"no-cache", no_argument, 0, O_NO_CACHE},
      {"help", no_argument, 0, O_HELP},
      {0, 0, 0, 0}};
  int c;

  opterr = 0;
  optind = 1;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case O_TRUST:
      if (kyso_cli_trust_path_add(a->trust, &a->trust_count,
                                  VERIFY_TRUST_PATHS_MAX, optarg))
        return KYSO_EXIT_USAGE;
      break;
    case O_NO_DEFAULT: a->no_default_trust = 1; break;
    case O_AT: a->at = optarg; break;
    case O_JSON: a->json = 1; break;
    case O_LANG:
      if (strcmp(optarg, "vi") != 0 && strcmp(optarg, "en") != 0)
        return kyso_cli_usage_error("--lang takes vi or en");
      a->lang = optarg;
      break;
    case O_PASSWORD: a->password_file = optarg; break;
    case O_ONLINE: a->online = 1; break;
    case O_CONFIG: a->net.config_path = optarg; break;
    case O_ALLOW_LOOPBACK: a->net.allow_loopback_urls = 1; break;
    case O_NO_CACHE: a->net.no_cache = 1; break;
    case O_HELP: printf(verify_usage, kyso_cli_net_usage); return -1;
    default:
      return kyso_cli_usage_error("unknown or incomplete option '%s' (see "
                                  "kyso help verify)",
                                  argv[optind - 1]);
    }
  }
  if (optind + 1 != argc)
    return kyso_cli_usage_error("usage: kyso verify FILE [options]");
  if (!a->online &&
      (a->net.config_path || a->net.allow_loopback_urls || a->net.no_cache))
    return kyso_cli_usage_error("--config, --allow-loopback-urls and "
                                "--no-cache belong to --online");
  a->file = argv[optind];
  return 0;
}

/*
 * --online: what the document lacks, fetched, and the verification again
 * with it (options->extra_*, the fetched issuers as intermediates). The
 * report (*report replaced) names the fetched data "supplied". Fetch
 * failures are warnings on stderr: the report says what stays unknown.
 */
static kyso_status verify_online(const kyso_fetch_config *config,
                                 const uint8_t *data, size_t len,
                                 kyso_verify_options *opt, kyso_report **report,
                                 kyso_error *err) {
  kyso_status ret;
  kyso_cli_ltv g;
  kyso_blob *inter = NULL;
  size_t i, n = 0;

  memset(&g, 0, sizeof(g));
  ret = kyso_cli_ltv_gather(config, data, len, opt, 0, opt->validation_time, &g,
                            err);
  if (ret != KYSO_OK && ret != KYSO_ERR_NO_MEMORY) {
    /* The first report stands; say why nothing was fetched. */
    fprintf(stderr, "kyso: online: %s: %s\n", kyso_status_name(err->code),
            err->message);
    kyso_error_clear(err);
    ret = KYSO_OK;
    goto done;
  }
  if (ret != KYSO_OK)
    goto done;
  kyso_cli_ltv_print_problems(&g, ~(uint64_t)0, "online");
  fprintf(stderr,
          "kyso: online: asked about %zu certificate(s); fetched %zu OCSP "
          "response(s), %zu CRL(s), %zu issuer certificate(s)\n",
          g.fetched_count, g.ocsp_count, g.crl_count, g.issuer_count);
  if (g.ocsp_count + g.crl_count + g.issuer_count == 0)
    goto done; /* nothing new: the first report stands */
  inter =
      malloc((opt->intermediate_count + g.issuer_count + 1) * sizeof(*inter));
  if (!inter) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  for (i = 0; i < opt->intermediate_count; i++)
    inter[n++] = opt->intermediates[i];
  for (i = 0; i < g.issuer_count; i++)
    inter[n++] = g.issuers[i];
  opt->intermediates = inter;
  opt->intermediate_count = n;
  opt->extra_ocsps = g.ocsps;
  opt->extra_ocsp_count = g.ocsp_count;
  opt->extra_crls = g.crls;
  opt->extra_crl_count = g.crl_count;
  opt->extra_fetched = 1; /* the report says "fetched" (helper V) */
  kyso_report_free(*report);
  *report = NULL;
  ret = kyso_verify(data, len, opt, report, err);
done:
  kyso_cli_ltv_free(&g);
  free(inter);
  return ret;
}

static kyso_status run_verify(const verify_args *a, int *exit_code,
                              kyso_error *err) {
  kyso_status ret = KYSO_OK;
  kyso_trust_set trust;
  kyso_verify_options opt;
  kyso_report *report = NULL;
  const uint8_t *data = NULL;
  size_t len = 0, i;
  const char *dir;
  int offset = 0;
  char password[KYSO_CLI_PASSWORD_CAP] = "";
  kyso_fetch_config fetch;
  int fetch_ready = 0;

  memset(&trust, 0, sizeof(trust));
  kyso_verify_options_init(&opt);
  opt.validation_time = (int64_t)time(NULL);
  if (a->at &&
      kyso_time_parse_iso8601(a->at, &opt.validation_time, &offset) != 0) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                         "--at takes YYYY-MM-DDTHH:MM:SS+HH:MM");
    goto done;
  }
  if (!a->no_default_trust) {
    dir = kyso_trust_default_dir();
    if (dir)
      ret = kyso_trust_load(&trust, dir, err);
  }
  for (i = 0; i < a->trust_count && ret == KYSO_OK; i++)
    ret = kyso_trust_load(&trust, a->trust[i], err);
  if (ret == KYSO_OK && a->online) {
    fetch_ready = 1;
    ret = kyso_cli_fetch_config(&a->net, &fetch, err);
  }
  if (ret == KYSO_OK)
    ret = kyso_file_map(a->file, KYSO_LIMIT_PDF_SIZE, &data, &len, err);
  if (ret != KYSO_OK)
    goto done;
  /* An encrypted document's password, asked before verifying. Other
   * failures to open are kyso_verify's to report (it reads damaged files
   * that kyso_pdf_open refuses). */
  {
    kyso_error probe;
    kyso_status st = kyso_cli_pdf_open(data, len, a->password_file, password,
                                       sizeof(password), NULL, &probe);
    if (st == KYSO_ERR_PDF_PASSWORD || st == KYSO_ERR_TOKEN_CANCELLED ||
        (a->password_file && (st == KYSO_ERR_IO || st == KYSO_ERR_ARGUMENT ||
                              st == KYSO_ERR_LIMIT))) {
      ret = kyso_error_set(err, st, "%s", probe.message);
      goto done;
    }
  }
  opt.password = password[0] ? password : NULL;
  opt.anchors = trust.anchors;
  opt.anchor_count = trust.anchor_count;
  opt.intermediates = trust.intermediates;
  opt.intermediate_count = trust.intermediate_count;
  ret = kyso_verify(data, len, &opt, &report, err);
  /* Only what is not valid yet sends anything over the network. */
  if (ret == KYSO_OK && a->online &&
      kyso_report_get_signature_count(report) > 0 &&
      kyso_report_get_overall(report) != KYSO_INDICATION_TOTAL_PASSED)
    ret = verify_online(&fetch, data, len, &opt, &report, err);
  if (ret != KYSO_OK)
    goto done;
  if (a->json) {
    size_t n;
    const char *json = kyso_report_get_json(report, &n);
    fwrite(json, 1, n, stdout);
  } else {
    const char *text = kyso_report_get_text(report, a->lang ? a->lang : "vi");
    if (!text) {
      ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
      goto done;
    }
    printf("%s: ", a->file);
    fputs(text, stdout);
  }
  if (kyso_report_get_signature_count(report) == 0)
    *exit_code = VERIFY_EXIT_NO_SIGNATURES;
  else if (kyso_report_get_overall(report) == KYSO_INDICATION_TOTAL_PASSED)
    *exit_code = VERIFY_EXIT_VALID;
  else
    *exit_code = VERIFY_EXIT_NOT_VALID;
done:
  kyso_pin_wipe(password, sizeof(password));
  if (fetch_ready)
    kyso_fetch_config_clear(&fetch);
  kyso_report_free(report);
  kyso_trust_free(&trust);
  kyso_file_unmap(data, len);
  return ret;
}

int kyso_cmd_verify(int argc, char **argv) {
  verify_args a;
  kyso_error err;
  int rc, exit_code = VERIFY_EXIT_UNREADABLE;

  memset(&a, 0, sizeof(a));
  kyso_error_clear(&err);
  rc = parse_args(argc, argv, &a);
  if (rc != 0)
    return rc < 0 ? KYSO_EXIT_OK : VERIFY_EXIT_UNREADABLE;
  if (run_verify(&a, &exit_code, &err) != KYSO_OK) {
    kyso_cli_fail(&err);
    return VERIFY_EXIT_UNREADABLE;
  }
  return exit_code;
}
