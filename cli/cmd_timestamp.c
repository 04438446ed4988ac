/*
 * cmd_timestamp.c - `kyso timestamp` (a document timestamp, PAdES B-LTA with
 * --ltv) and `kyso ltv` (revocation data only, PAdES B-LT), for documents
 * already signed. No token and no PIN: the updates are built in memory,
 * then input + updates are written atomically once; the input is only read.
 *
 * timestamp --ltv, ETSI EN 319 142-1 5.5 / EN 319 102-1 5.6.2.4: first the
 * validation data of every signature and earlier timestamp (one DSS
 * update), then the document timestamp over all of it, then the data of
 * the new timestamp's own chain (another DSS update), which the next
 * `kyso timestamp --ltv` covers in turn (archive renewal).
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
#include "kyso/ltv.h"
#include "kyso/sign.h"
#include "ltv_gather.h"
#include "pdf_password.h"
#include "pin_read.h"
#include "trust_load.h"

enum { PARTS_MAX = 4 };

static const char timestamp_usage[] =
    "usage: kyso timestamp --in FILE --out FILE [--tsa [URL]] [--ltv]\n"
    "                      [options]\n"
    "\n"
    "Adds a document timestamp (RFC 3161, /SubFilter /ETSI.RFC3161) over the\n"
    "whole signed document, as an incremental update: existing signatures\n"
    "stay valid. With --ltv the result is PAdES B-LTA: first the revocation\n"
    "data (OCSP, else CRL) and CA certificates of every signature and\n"
    "earlier timestamp are embedded (DSS + VRI), then the timestamp covers\n"
    "them, then the data for the new timestamp's own chain is added. Run it\n"
    "again on the result before the last timestamp's certificate expires to\n"
    "renew the archive.\n"
    "\n"
    "options:\n"
    "  --tsa [URL]          the TSA (http:// or https://; default tsa_url of\n"
    "                       kyso.conf, else " KYSO_FETCH_DEFAULT_TSA ")\n"
    "  --ltv                embed revocation data before and after the\n"
    "                       timestamp (B-LTA). When data for an existing\n"
    "                       signature cannot be fetched nothing is written\n"
    "                       (exit 1); when only the new timestamp's data is\n"
    "                       missing the file is written and kyso exits 3\n"
    "  --digest ALG         sha256 (default), sha384 or sha512\n"
    "  --field NAME         timestamp field name (default TimestampN)\n"
    "  --trust PATH         also trust the certificates in PATH (PEM/DER\n"
    "                       file or directory; repeatable): the TSA's answer\n"
    "                       must chain to a trusted root\n"
    "  --no-default-trust   do not load the bundled Vietnamese roots\n"
    "  --password-file F    password of an encrypted FILE (first line of F)\n"
    "%s";

static const char ltv_usage[] =
    "usage: kyso ltv --in FILE --out FILE [options]\n"
    "\n"
    "Long-term validation data for a signed document (PAdES B-LT): fetches\n"
    "OCSP (else CRL) for every certificate of every signature and timestamp\n"
    "that the document has no revocation data for, issuer certificates\n"
    "through caIssuers when missing, and embeds them with /VRI entries in\n"
    "one incremental update (like `kyso dss`, but fetched for you). Answers\n"
    "fetched now prove a certificate good now: for a signature made earlier\n"
    "that holds only with a signature timestamp (B-T) older than them.\n"
    "When some data cannot be fetched, what was fetched is still written,\n"
    "the missing certificates and URLs are listed, and kyso exits 3.\n"
    "\n"
    "options:\n"
    "  --trust PATH         also trust the certificates in PATH (repeatable)\n"
    "  --no-default-trust   do not load the bundled Vietnamese roots\n"
    "  --password-file F    password of an encrypted FILE (first line of F)\n"
    "%s";

typedef struct ts_args {
  int ltv_only; /* `kyso ltv` */
  const char *in, *out, *password_file, *field;
  const char *tsa_url;
  int ltv;
  kyso_digest digest;
  const char *trust[KYSO_CLI_TRUST_PATHS_MAX];
  size_t trust_count;
  int no_default_trust;
  kyso_cli_net_args net;
  kyso_cli_argv joined;
  char password[KYSO_CLI_PASSWORD_CAP];
  int incomplete;    /* written without all the data asked for */
  int nothing_added; /* the document already held everything */
} ts_args;

static int parse_args(int argc, char **argv, ts_args *a) {
  enum {
    O_IN = 256,
    O_OUT,
    O_TSA,
    O_LTV,
    O_DIGEST,
    O_FIELD,
    O_TRUST,
    O_NO_DEFAULT_TRUST,
    O_PASSWORD,
    O_CONFIG,
    O_ALLOW_LOOPBACK,
    O_NO_CACHE,
    O_HELP
  };
  static const struct option ts_opts[] = {
      {"in", required_argument, 0, O_IN},
      {"out", required_argument, 0, O_OUT},
      {"tsa", optional_argument, 0, O_TSA},
      {"ltv", no_argument, 0, O_LTV},
      {"digest", required_argument, 0, O_DIGEST},
      {"field", required_argument, 0, O_FIELD},
      {"trust", required_argument, 0, O_TRUST},
      {"no-default-trust", no_argument, 0, O_NO_DEFAULT_TRUST},
      {"password-file", required_argument, 0, O_PASSWORD},
      {"config", required_argument, 0, O_CONFIG},
      {"allow-loopback-urls", no_argument, 0, O_ALLOW_LOOPBACK},
      {"no-cache", no_argument, 0, O_NO_CACHE},
      {"help", no_argument, 0, O_HELP},
      {0, 0, 0, 0}};
  static const struct option ltv_opts[] = {
      {"in", required_argument, 0, O_IN},
      {"out", required_argument, 0, O_OUT},
      {"trust", required_argument, 0, O_TRUST},
      {"no-default-trust", no_argument, 0, O_NO_DEFAULT_TRUST},
      {"password-file", required_argument, 0, O_PASSWORD},
      {"config", required_argument, 0, O_CONFIG},
      {"allow-loopback-urls", no_argument, 0, O_ALLOW_LOOPBACK},
      {"no-cache", no_argument, 0, O_NO_CACHE},
      {"help", no_argument, 0, O_HELP},
      {0, 0, 0, 0}};
  const struct option *opts = a->ltv_only ? ltv_opts : ts_opts;
  const char *cmd = a->ltv_only ? "ltv" : "timestamp";
  kyso_error err;
  int c;

  if (kyso_cli_argv_join_tsa(argc, argv, opts, &a->joined, &err) != KYSO_OK)
    return kyso_cli_fail(&err);
  argc = a->joined.argc;
  argv = a->joined.argv;
  opterr = 0;
  optind = 1;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case O_IN: a->in = optarg; break;
    case O_OUT: a->out = optarg; break;
    case O_TSA:
      if (kyso_cli_tsa_arg_check(optarg))
        return KYSO_EXIT_USAGE;
      a->tsa_url = optarg;
      break;
    case O_LTV: a->ltv = 1; break;
    case O_FIELD: a->field = optarg; break;
    case O_DIGEST:
      if (strcmp(optarg, "sha256") == 0)
        a->digest = KYSO_DIGEST_SHA256;
      else if (strcmp(optarg, "sha384") == 0)
        a->digest = KYSO_DIGEST_SHA384;
      else if (strcmp(optarg, "sha512") == 0)
        a->digest = KYSO_DIGEST_SHA512;
      else
        return kyso_cli_usage_error("--digest takes sha256, sha384 or sha512");
      break;
    case O_TRUST:
      if (kyso_cli_trust_path_add(a->trust, &a->trust_count,
                                  KYSO_CLI_TRUST_PATHS_MAX, optarg))
        return KYSO_EXIT_USAGE;
      break;
    case O_NO_DEFAULT_TRUST: a->no_default_trust = 1; break;
    case O_PASSWORD: a->password_file = optarg; break;
    case O_CONFIG: a->net.config_path = optarg; break;
    case O_ALLOW_LOOPBACK: a->net.allow_loopback_urls = 1; break;
    case O_NO_CACHE: a->net.no_cache = 1; break;
    case O_HELP:
      printf(a->ltv_only ? ltv_usage : timestamp_usage, kyso_cli_net_usage);
      return -1;
    default:
      return kyso_cli_usage_error("unknown or incomplete option '%s' (see "
                                  "kyso help %s)",
                                  argv[optind - 1], cmd);
    }
  }
  if (optind < argc && !a->ltv_only && !a->tsa_url &&
      strstr(argv[optind], "://"))
    return kyso_cli_usage_error("--tsa takes an http:// or https:// URL, "
                                "not '%s'",
                                argv[optind]);
  if (optind < argc)
    return kyso_cli_usage_error("unexpected argument '%s'", argv[optind]);
  if (!a->in || !a->out)
    return kyso_cli_usage_error("--in and --out are required");
  if (a->ltv_only)
    a->ltv = 1;
  return 0;
}

/* The document so far: the input and the updates after it, also as one
 * buffer for the core calls. */
typedef struct doc_parts {
  kyso_blob part[PARTS_MAX];
  size_t count;
  uint8_t *joined; /* owned */
  size_t len;
  uint8_t *owned[PARTS_MAX]; /* updates, free() */
} doc_parts;

static kyso_status doc_append(doc_parts *d, uint8_t *update, size_t len,
                              kyso_error *err) {
  uint8_t *p;
  if (!update)
    return KYSO_OK;
  if (d->count == PARTS_MAX) {
    free(update);
    return kyso_error_set(err, KYSO_ERR_STATE, "too many updates");
  }
  p = realloc(d->joined, d->len + len);
  if (!p) {
    free(update);
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  }
  memcpy(p + d->len, update, len);
  d->joined = p;
  d->len += len;
  d->owned[d->count] = update;
  d->part[d->count].data = update;
  d->part[d->count].len = len;
  d->count++;
  return KYSO_OK;
}

static void doc_free(doc_parts *d) {
  size_t i;
  for (i = 0; i < PARTS_MAX; i++)
    free(d->owned[i]);
  free(d->joined);
  memset(d, 0, sizeof(*d));
}

/*
 * One DSS + VRI update for the document so far. required: the signatures
 * (bits) whose data must be complete. strict: a missing answer for them is
 * an error (nothing written), else it sets a->incomplete. A REVOKED answer
 * is evidence: embedded, and said on stderr.
 */
static kyso_status ltv_step(ts_args *a, const kyso_fetch_config *config,
                            const kyso_trust_set *trust, doc_parts *d,
                            int only_last, int strict, kyso_error *err) {
  kyso_status ret;
  kyso_cli_ltv g;
  kyso_verify_options vopt;
  uint8_t *upd = NULL;
  size_t upd_len = 0, nsig, missing = 0, i;
  uint64_t required = ~(uint64_t)0;
  int64_t now = (int64_t)time(NULL);

  memset(&g, 0, sizeof(g));
  kyso_verify_options_init(&vopt);
  vopt.anchors = trust->anchors;
  vopt.anchor_count = trust->anchor_count;
  vopt.intermediates = trust->intermediates;
  vopt.intermediate_count = trust->intermediate_count;
  vopt.validation_time = now;
  vopt.password = a->password[0] ? a->password : NULL;
  ret = kyso_cli_ltv_gather(config, d->joined, d->len, &vopt, !a->ltv_only, now,
                            &g, err);
  if (ret != KYSO_OK)
    goto done;
  nsig = kyso_ltv_set_get_signature_count(g.set);
  if (nsig == 0) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                         "%s holds no signature or timestamp", a->in);
    goto done;
  }
  if (only_last)
    required = kyso_cli_ltv_signature_bit(nsig - 1);
  for (i = 0; i < g.problem_count; i++) {
    const kyso_cli_ltv_problem *p = &g.problems[i];
    if (p->kind == KYSO_CLI_LTV_REVOKED || p->had_data) {
      kyso_cli_ltv_print_problem(p, "warning");
    } else if (p->signatures & required) {
      kyso_cli_ltv_print_problem(p, "LTV");
      missing++;
    }
  }
  if (missing) {
    if (strict) {
      ret = kyso_error_set(err, KYSO_ERR_LTV_FETCH,
                           "revocation data for %zu certificate(s) of the "
                           "existing signatures could not be fetched; "
                           "nothing written (without --ltv: a timestamp "
                           "only)",
                           missing);
      goto done;
    }
    a->incomplete = 1;
  }
  ret = kyso_cli_ltv_update(&g, d->joined, d->len, now, &upd, &upd_len, err);
  if (ret == KYSO_OK)
    ret = doc_append(d, upd, upd_len, err);
  upd = NULL;
done:
  free(upd);
  kyso_cli_ltv_free(&g);
  return ret;
}

/* The document timestamp update for the document so far. */
static kyso_status timestamp_step(const ts_args *a,
                                  const kyso_fetch_config *config,
                                  const kyso_trust_set *trust, doc_parts *d,
                                  kyso_error *err) {
  kyso_status ret;
  kyso_doc_timestamp_options opt;
  kyso_sig_session *s = NULL;
  uint8_t imprint[64], *token = NULL, *copy = NULL;
  size_t imprint_len = 0, token_len = 0, upd_len = 0;
  const uint8_t *upd;
  int64_t gen_time = 0;

  kyso_doc_timestamp_options_init(&opt);
  opt.digest = a->digest;
  opt.field_name = a->field;
  opt.password = a->password[0] ? a->password : NULL;
  ret = kyso_doc_timestamp_prepare(d->joined, d->len, &opt, &s, err);
  if (ret == KYSO_OK)
    ret = kyso_doc_timestamp_imprint(s, imprint, &imprint_len, err);
  if (ret == KYSO_OK)
    ret = kyso_fetch_timestamp(
        config, a->tsa_url, a->digest, imprint, imprint_len, trust->anchors,
        trust->anchor_count, trust->intermediates, trust->intermediate_count,
        (int64_t)time(NULL), &token, &token_len, &gen_time, err);
  if (ret == KYSO_OK)
    ret = kyso_doc_timestamp_finish(s, token, token_len, err);
  if (ret != KYSO_OK)
    goto done;
  upd = kyso_sig_session_get_update(s, &upd_len);
  copy = malloc(upd_len ? upd_len : 1);
  if (!copy) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  memcpy(copy, upd, upd_len);
  /* d->joined is what the session borrows: free the session first. */
  kyso_sig_session_free(s);
  s = NULL;
  ret = doc_append(d, copy, upd_len, err);
done:
  kyso_sig_session_free(s);
  free(token);
  return ret;
}

static kyso_status run_timestamp(ts_args *a, kyso_error *err) {
  kyso_status ret;
  kyso_file_snap in = {0};
  kyso_fetch_config config;
  kyso_trust_set trust;
  doc_parts d;
  int config_ready = 0;

  memset(&trust, 0, sizeof(trust));
  memset(&d, 0, sizeof(d));
  if (kyso_file_same(a->in, a->out)) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                         "--out names the input file; kyso never "
                         "overwrites the input");
    goto done;
  }
  ret = kyso_file_snap_read(a->in, KYSO_LIMIT_PDF_SIZE, &in, err);
  if (ret == KYSO_OK)
    ret = kyso_cli_pdf_open(in.data, in.len, a->password_file, a->password,
                            sizeof(a->password), NULL, err);
  if (ret != KYSO_OK)
    goto done;
  config_ready = 1;
  ret = kyso_cli_fetch_config(&a->net, &config, err);
  if (ret == KYSO_OK)
    ret = kyso_cli_trust_load_all(a->trust, a->trust_count, a->no_default_trust,
                                  &trust, err);
  if (ret == KYSO_OK && !a->ltv_only)
    ret = kyso_cli_url_check(&config, a->tsa_url ? a->tsa_url : config.tsa_url,
                             err);
  if (ret == KYSO_OK && !a->ltv_only && trust.anchor_count == 0)
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                         "no trusted root to judge the TSA's answer by (give "
                         "--trust)");
  if (ret != KYSO_OK)
    goto done;
  d.joined = malloc(in.len ? in.len : 1);
  if (!d.joined) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  memcpy(d.joined, in.data, in.len);
  d.len = in.len;
  d.part[0].data = in.data;
  d.part[0].len = in.len;
  d.count = 1;
  if (a->ltv)
    ret = ltv_step(a, &config, &trust, &d, 0, !a->ltv_only, err);
  if (ret == KYSO_OK && !a->ltv_only)
    ret = timestamp_step(a, &config, &trust, &d, err);
  if (ret == KYSO_OK && a->ltv && !a->ltv_only)
    ret = ltv_step(a, &config, &trust, &d, 1, 0, err);
  if (ret != KYSO_OK)
    goto done;
  if (d.count == 1)
    a->nothing_added = 1;
  ret = kyso_file_write_atomic(a->out, kyso_file_permissions(a->in), d.part,
                               d.count, a->in, &in, err);
done:
  kyso_pin_wipe(a->password, sizeof(a->password));
  if (config_ready)
    kyso_fetch_config_clear(&config);
  kyso_trust_free(&trust);
  doc_free(&d);
  kyso_file_snap_free(&in);
  return ret;
}

static int cmd_run(int argc, char **argv, int ltv_only) {
  ts_args a;
  kyso_error err;
  int rc;

  memset(&a, 0, sizeof(a));
  kyso_error_clear(&err);
  a.ltv_only = ltv_only;
  a.digest = KYSO_DIGEST_SHA256;
  rc = parse_args(argc, argv, &a);
  if (rc != 0) {
    kyso_cli_argv_free(&a.joined);
    return rc < 0 ? KYSO_EXIT_OK : rc;
  }
  rc = KYSO_EXIT_OK;
  if (run_timestamp(&a, &err) != KYSO_OK) {
    rc = kyso_cli_fail(&err);
  } else if (a.incomplete) {
    printf("kyso: %s %s -> %s (incomplete)\n",
           ltv_only ? "validation data" : "timestamped", a.in, a.out);
    fprintf(stderr,
            "kyso: LTV_FETCH: %s is written but its long-term validation "
            "data is incomplete (above); run `kyso ltv --in %s --out FILE` "
            "when the responders answer\n",
            a.out, a.out);
    rc = KYSO_EXIT_INCOMPLETE;
  } else {
    printf("kyso: %s %s -> %s%s\n",
           ltv_only ? "validation data" : (a.ltv ? "B-LTA" : "timestamped"),
           a.in, a.out,
           a.nothing_added ? " (nothing to add: the document holds it all)"
                           : "");
  }
  kyso_cli_argv_free(&a.joined);
  return rc;
}

int kyso_cmd_timestamp(int argc, char **argv) {
  return cmd_run(argc, argv, 0);
}

int kyso_cmd_ltv(int argc, char **argv) {
  return cmd_run(argc, argv, 1);
}
