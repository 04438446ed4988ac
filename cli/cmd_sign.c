/*
 * cmd_sign.c - `kyso sign`: prepare -> the token signs the SignedAttributes
 * -> finish -> atomic write. The same two-phase path the browser uses; the
 * key never leaves the token and the input file is only read.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "fetch_setup.h"
#include "file_io.h"
#include "kyso/limits.h"
#include "kyso/ltv.h"
#include "kyso/pdf.h"
#include "kyso/sign.h"
#include "kyso/time.h"
#include "ltv_gather.h"
#include "pdf_password.h"
#include "pin_read.h"
#include "signer.h"
#include "trust_load.h"

/* Liberation Serif (Times-metric, full Vietnamese) from Debian's
 * fonts-liberation2. */
static const char default_font[] =
    "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf";

enum {
  PIN_MAX = 256,
  IMAGE_FILE_MAX = 16 * 1024 * 1024,
  FONT_FILE_MAX = 32 * 1024 * 1024,
  CHAIN_FILE_MAX = 1024 * 1024,
  TSA_RESPONSE_MAX = 256 * 1024, /* a TimeStampResp with its chain */
  TSA_TIMEOUT_MS = 60 * 1000,    /* the whole --tsa-command run */
  TSA_NONCE_BYTES = 8
};

static const char sign_usage[] =
    "usage: kyso sign --in FILE --out FILE KEY [options]\n"
    "\n"
    "KEY, one of:\n"
    "  --pkcs11-module SO   PKCS#11 module of the token (e.g.\n"
    "                       /usr/lib/softhsm/libsofthsm2.so)\n"
    "  --token LABEL        token label (needed when several are present)\n"
    "  --key-label LABEL    certificate/key label on the token\n"
    "  --p12 FILE           PKCS#12 file (development only)\n"
    "The PIN (or P12 password) comes from --pin-file FILE, else $KYSO_PIN,\n"
    "else it is asked on the terminal. An encrypted --in whose password\n"
    "is not empty: --password-file FILE (its first line), else asked too.\n"
    "\n"
    "options:\n"
    "  --chain PEM          issuer certificates to embed (sub-CA, root)\n"
    "  --digest ALG         sha256 (default), sha384 or sha512\n"
    "  --pss                RSA-PSS instead of PKCS#1 v1.5\n"
    "  --image FILE         signature image (PNG or JPEG), drawn in --rect;\n"
    "                       the seal with --profile organization\n"
    "  --page N             page of the signature (default 1)\n"
    "  --rect X,Y,W,H       visible signature box in points from the bottom\n"
    "                       left of the page as displayed (CropBox, after\n"
    "                       /Rotate); invisible when absent\n"
    "  --reason TEXT        /Reason      --location TEXT  /Location\n"
    "  --name TEXT          /Name (default: the certificate's CN)\n"
    "  --contact TEXT       /ContactInfo\n"
    "  --field NAME         signature field name (default SignatureN)\n"
    "  --time ISO8601       signing time, e.g. 2024-12-11T09:30:15+07:00\n"
    "                       (default: now, shown in +07:00)\n"
    "  --allow-unusable-cert  sign even with a certificate that is expired,\n"
    "                       not yet valid or not for signing at --time\n"
    "                       (the signature cannot be valid: test fixtures)\n"
    "  --tsa-command CMD    add a signature timestamp (PAdES B-T): CMD runs\n"
    "                       through /bin/sh with a DER RFC 3161\n"
    "                       TimeStampReq (SHA-256 of the signature value,\n"
    "                       nonce, certReq) on stdin and must write the DER\n"
    "                       TimeStampResp (or the bare token) to stdout and\n"
    "                       exit 0 within 60 s, e.g.\n"
    "                         curl -sf --data-binary @- -H 'Content-Type:\n"
    "                         application/timestamp-query' URL\n"
    "                         openssl ts -reply -config tsa.cnf -queryfile\n"
    "                         /dev/stdin -out /dev/stdout\n"
    "  --tsa [URL]          add a signature timestamp (PAdES B-T) from an\n"
    "                       RFC 3161 TSA over HTTP (URL: http:// or https://;\n"
    "                       default: tsa_url of kyso.conf, else\n"
    "                       " KYSO_FETCH_DEFAULT_TSA ").\n"
    "                       Its answer must chain to a trusted root (bundled\n"
    "                       or --trust) or nothing is written. Not with\n"
    "                       --tsa-command\n"
    "  --ltv                long-term validation (PAdES B-LT): after signing,\n"
    "                       fetch OCSP (else CRL) for each certificate of the\n"
    "                       signer's and the TSA's chains, and embed the\n"
    "                       answers and the missing CA certificates (DSS +\n"
    "                       VRI) in the same output. PAdES B-LT includes\n"
    "                       B-T: without --tsa or --tsa-command, --ltv gets\n"
    "                       the signature timestamp from the configured TSA\n"
    "                       (tsa_url of kyso.conf, else\n"
    "                       " KYSO_FETCH_DEFAULT_TSA "), as --tsa does:\n"
    "                       without a timestamp nothing proves when the\n"
    "                       document was signed, and the answers fetched now\n"
    "                       prove the certificate good only up to their own\n"
    "                       time.\n"
    "                       When an answer cannot be fetched the signed file\n"
    "                       is still written (not LT), kyso says which\n"
    "                       certificate and URL failed and exits 3; add the\n"
    "                       data later with `kyso ltv`. A REVOKED certificate\n"
    "                       in the signer's (or TSA's) chain: nothing is\n"
    "                       written, exit 1\n"
    "  --trust PATH         for --tsa and --ltv: also trust the certificates\n"
    "                       in PATH (repeatable); --no-default-trust: not\n"
    "                       the bundled Vietnamese roots\n"
    "%s"
    "\n"
    "Decree 30 profiles (rectangles as --rect):\n"
    "  --profile P          personal (default), organization, attachment, "
    "copy\n"
    "  personal:     --image blue signature PNG in --rect; --number-rect and\n"
    "                --date-rect X,Y,W,H create empty fields for the clerk\n"
    "  organization: --image seal PNG at --seal-size-mm MM (default 36),\n"
    "                covering the left third of the signature on the page\n"
    "                (--rect to place it yourself); --doc-number and\n"
    "                --issue-date fill the fields; --organization NAME\n"
    "                becomes /Name\n"
    "  attachment:   --doc-number NUMBER and the signing time, top right\n"
    "  copy:         --copy-form 'SAO Y'|'SAO LỤC'|'TRÍCH SAO', --copier ORG\n"
    "                and the signing time, top right\n"
    "  --doc-number TEXT    e.g. 123/QĐ-UBND\n"
    "  --issue-date TEXT    e.g. 'Tiền Giang, ngày 11 tháng 12 năm 2024'\n"
    "  --number-field NAME  --date-field NAME: field names (default\n"
    "                       SoVanBan, NgayBanHanh)\n"
    "  --font TTF           TrueType font for text (default\n"
    "                       /usr/share/fonts/truetype/liberation2/\n"
    "                       LiberationSerif-Regular.ttf)\n";

typedef struct sign_args {
  const char *in, *out, *module, *token, *key_label, *p12, *pin_file;
  const char *password_file;
  char password[KYSO_CLI_PASSWORD_CAP]; /* the document's, if encrypted */
  const char *chain, *image, *rect, *time, *tsa_command, *font;
  const char *number_rect, *date_rect;
  const char *tsa_url; /* --tsa=URL; NULL: the configured one */
  int tsa, ltv;        /* --tsa (built-in RFC 3161 client), --ltv */
  const char *trust[KYSO_CLI_TRUST_PATHS_MAX];
  size_t trust_count;
  int no_default_trust;
  kyso_cli_net_args net;
  kyso_cli_argv joined; /* argv with `--tsa URL` joined */
  int ltv_incomplete;   /* written, but without every answer asked for */
  int page, pss;
  kyso_digest digest;
  kyso_sign_options opt;
} sign_args;

static int parse_rect(const char *s, double r[4]) {
  char extra;
  return sscanf(s, "%lf,%lf,%lf,%lf%c", &r[0], &r[1], &r[2], &r[3], &extra) == 4
             ? 0
             : -1;
}

static int parse_args(int argc, char **argv, sign_args *a) {
  enum {
    O_IN = 256,
    O_OUT,
    O_MODULE,
    O_TOKEN,
    O_KEY,
    O_P12,
    O_PIN,
    O_PASSWORD,
    O_CHAIN,
    O_DIGEST,
    O_PSS,
    O_IMAGE,
    O_PAGE,
    O_RECT,
    O_REASON,
    O_LOCATION,
    O_NAME,
    O_CONTACT,
    O_FIELD,
    O_TIME,
    O_TSA,
    O_PROFILE,
    O_DOC_NUMBER,
    O_ISSUE_DATE,
    O_NUMBER_RECT,
    O_DATE_RECT,
    O_NUMBER_FIELD,
    O_DATE_FIELD,
    O_SEAL_SIZE,
    O_COPY_FORM,
    O_COPIER,
    O_ORGANIZATION,
    O_FONT,
    O_ALLOW_UNUSABLE,
    O_TSA_HTTP,
    O_LTV,
    O_TRUST,
    O_NO_DEFAULT_TRUST,
    O_CONFIG,
    O_ALLOW_LOOPBACK,
    O_NO_CACHE,
    O_HELP
  };
  static const struct option opts[] = {
      {"in", required_argument, 0, O_IN},
      {"out", required_argument, 0, O_OUT},
      {"pkcs11-module", required_argument, 0, O_MODULE},
      {"token", required_argument, 0, O_TOKEN},
      {"key-label", required_argument, 0, O_KEY},
      {"p12", required_argument, 0, O_P12},
      {"pin-file", required_argument, 0, O_PIN},
      {"password-file", required_argument, 0, O_PASSWORD},
      {"chain", required_argument, 0, O_CHAIN},
      {"digest", required_argument, 0, O_DIGEST},
      {"pss", no_argument, 0, O_PSS},
      {"image", required_argument, 0, O_IMAGE},
      {"page", required_argument, 0, O_PAGE},
      {"rect", required_argument, 0, O_RECT},
      {"reason", required_argument, 0, O_REASON},
      {"location", required_argument, 0, O_LOCATION},
      {"name", required_argument, 0, O_NAME},
      {"contact", required_argument, 0, O_CONTACT},
      {"field", required_argument, 0, O_FIELD},
      {"time", required_argument, 0, O_TIME},
      {"tsa-command", required_argument, 0, O_TSA},
      {"profile", required_argument, 0, O_PROFILE},
      {"doc-number", required_argument, 0, O_DOC_NUMBER},
      {"issue-date", required_argument, 0, O_ISSUE_DATE},
      {"number-rect", required_argument, 0, O_NUMBER_RECT},
      {"date-rect", required_argument, 0, O_DATE_RECT},
      {"number-field", required_argument, 0, O_NUMBER_FIELD},
      {"date-field", required_argument, 0, O_DATE_FIELD},
      {"seal-size-mm", required_argument, 0, O_SEAL_SIZE},
      {"copy-form", required_argument, 0, O_COPY_FORM},
      {"copier", required_argument, 0, O_COPIER},
      {"organization", required_argument, 0, O_ORGANIZATION},
      {"font", required_argument, 0, O_FONT},
      {"allow-unusable-cert", no_argument, 0, O_ALLOW_UNUSABLE},
      {"tsa", optional_argument, 0, O_TSA_HTTP},
      {"ltv", no_argument, 0, O_LTV},
      {"trust", required_argument, 0, O_TRUST},
      {"no-default-trust", no_argument, 0, O_NO_DEFAULT_TRUST},
      {"config", required_argument, 0, O_CONFIG},
      {"allow-loopback-urls", no_argument, 0, O_ALLOW_LOOPBACK},
      {"no-cache", no_argument, 0, O_NO_CACHE},
      {"help", no_argument, 0, O_HELP},
      {0, 0, 0, 0}};
  int c;
  char *end;
  kyso_error err;

  /* `--tsa URL` -> `--tsa=URL`: getopt_long has no optional separate
   * argument. */
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
    case O_MODULE: a->module = optarg; break;
    case O_TOKEN: a->token = optarg; break;
    case O_KEY: a->key_label = optarg; break;
    case O_P12: a->p12 = optarg; break;
    case O_PIN: a->pin_file = optarg; break;
    case O_PASSWORD: a->password_file = optarg; break;
    case O_CHAIN: a->chain = optarg; break;
    case O_PSS: a->pss = 1; break;
    case O_IMAGE: a->image = optarg; break;
    case O_RECT: a->rect = optarg; break;
    case O_REASON: a->opt.reason = optarg; break;
    case O_LOCATION: a->opt.location = optarg; break;
    case O_NAME: a->opt.name = optarg; break;
    case O_CONTACT: a->opt.contact_info = optarg; break;
    case O_FIELD: a->opt.field_name = optarg; break;
    case O_TIME: a->time = optarg; break;
    case O_TSA: a->tsa_command = optarg; break;
    case O_DOC_NUMBER: a->opt.appearance.doc_number = optarg; break;
    case O_ISSUE_DATE: a->opt.appearance.issue_date_text = optarg; break;
    case O_NUMBER_RECT: a->number_rect = optarg; break;
    case O_DATE_RECT: a->date_rect = optarg; break;
    case O_NUMBER_FIELD: a->opt.appearance.number_field = optarg; break;
    case O_DATE_FIELD: a->opt.appearance.date_field = optarg; break;
    case O_COPY_FORM: a->opt.appearance.copy_form = optarg; break;
    case O_COPIER: a->opt.appearance.copier = optarg; break;
    case O_ORGANIZATION: a->opt.appearance.organization = optarg; break;
    case O_FONT: a->font = optarg; break;
    case O_ALLOW_UNUSABLE: a->opt.allow_unusable_certificate = 1; break;
    case O_TSA_HTTP:
      a->tsa = 1;
      if (kyso_cli_tsa_arg_check(optarg))
        return KYSO_EXIT_USAGE;
      a->tsa_url = optarg;
      break;
    case O_LTV: a->ltv = 1; break;
    case O_TRUST:
      if (kyso_cli_trust_path_add(a->trust, &a->trust_count,
                                  KYSO_CLI_TRUST_PATHS_MAX, optarg))
        return KYSO_EXIT_USAGE;
      break;
    case O_NO_DEFAULT_TRUST: a->no_default_trust = 1; break;
    case O_CONFIG: a->net.config_path = optarg; break;
    case O_ALLOW_LOOPBACK: a->net.allow_loopback_urls = 1; break;
    case O_NO_CACHE: a->net.no_cache = 1; break;
    case O_PROFILE:
      if (strcmp(optarg, "personal") == 0)
        a->opt.appearance.profile = KYSO_PROFILE_PERSONAL;
      else if (strcmp(optarg, "organization") == 0)
        a->opt.appearance.profile = KYSO_PROFILE_ORGANIZATION;
      else if (strcmp(optarg, "attachment") == 0)
        a->opt.appearance.profile = KYSO_PROFILE_ATTACHMENT;
      else if (strcmp(optarg, "copy") == 0)
        a->opt.appearance.profile = KYSO_PROFILE_COPY;
      else
        return kyso_cli_usage_error("--profile takes personal, organization, "
                                    "attachment or copy");
      break;
    case O_SEAL_SIZE:
      a->opt.appearance.seal_size_mm = strtod(optarg, &end);
      if (*end || end == optarg || !(a->opt.appearance.seal_size_mm >= 5) ||
          a->opt.appearance.seal_size_mm > 100)
        return kyso_cli_usage_error("--seal-size-mm takes 5 to 100");
      break;
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
    case O_PAGE:
      a->page = (int)strtol(optarg, &end, 10);
      if (*end || a->page < 1)
        return kyso_cli_usage_error("--page takes a page number from 1");
      break;
    case O_HELP: printf(sign_usage, kyso_cli_net_usage); return -1;
    default:
      return kyso_cli_usage_error("unknown or incomplete option '%s' (see "
                                  "kyso help sign)",
                                  argv[optind - 1]);
    }
  }
  if (optind < argc && a->tsa && !a->tsa_url && strstr(argv[optind], "://"))
    return kyso_cli_usage_error("--tsa takes an http:// or https:// URL, "
                                "not '%s'",
                                argv[optind]);
  if (optind < argc)
    return kyso_cli_usage_error("unexpected argument '%s'", argv[optind]);
  if (a->tsa && a->tsa_command)
    return kyso_cli_usage_error("--tsa and --tsa-command exclude each other");
  /* PAdES B-LT includes B-T: --ltv alone timestamps through the configured
   * TSA (tsa_url), like a bare --tsa */
  if (a->ltv && !a->tsa_command)
    a->tsa = 1;
  if (!a->in || !a->out)
    return kyso_cli_usage_error("--in and --out are required");
  if (!a->module == !a->p12)
    return kyso_cli_usage_error("give either --pkcs11-module or --p12");
  if (a->image && !a->rect &&
      a->opt.appearance.profile == KYSO_PROFILE_PERSONAL)
    return kyso_cli_usage_error("--image needs --rect X,Y,W,H");
  if (a->rect && parse_rect(a->rect, a->opt.rect) != 0)
    return kyso_cli_usage_error("--rect takes X,Y,W,H in points");
  if (a->number_rect &&
      parse_rect(a->number_rect, a->opt.appearance.number_rect) != 0)
    return kyso_cli_usage_error("--number-rect takes X,Y,W,H in points");
  if (a->date_rect &&
      parse_rect(a->date_rect, a->opt.appearance.date_rect) != 0)
    return kyso_cli_usage_error("--date-rect takes X,Y,W,H in points");
  if ((a->number_rect || a->date_rect) &&
      a->opt.appearance.profile != KYSO_PROFILE_PERSONAL)
    return kyso_cli_usage_error("--number-rect and --date-rect belong to "
                                "--profile personal");
  if (a->opt.appearance.profile == KYSO_PROFILE_ORGANIZATION && !a->image)
    return kyso_cli_usage_error("--profile organization needs --image SEAL");
  if (a->opt.appearance.profile == KYSO_PROFILE_ATTACHMENT &&
      !a->opt.appearance.doc_number)
    return kyso_cli_usage_error("--profile attachment needs --doc-number");
  if (a->opt.appearance.profile == KYSO_PROFILE_COPY &&
      (!a->opt.appearance.copy_form ||
       (!a->opt.appearance.copier && !a->opt.appearance.organization)))
    return kyso_cli_usage_error("--profile copy needs --copy-form and "
                                "--copier");
  a->opt.appearance.has_number_rect = a->number_rect != NULL;
  a->opt.appearance.has_date_rect = a->date_rect != NULL;
  if (a->tsa_command && !*a->tsa_command)
    return kyso_cli_usage_error("--tsa-command needs a command");
  if (a->time && kyso_time_parse_iso8601(a->time, &a->opt.signing_time,
                                         &a->opt.utc_offset_minutes) != 0)
    return kyso_cli_usage_error("--time takes YYYY-MM-DDTHH:MM:SS+HH:MM");
  return 0;
}

/* Reads every certificate of a PEM file as DER into chain[]. */
static kyso_status read_chain(const char *path, uint8_t **der, size_t *count,
                              kyso_blob *chain, kyso_error *err) {
  kyso_status ret;
  uint8_t *pem = NULL;
  size_t len = 0;
  BIO *bio = NULL;
  X509 *x = NULL;

  ret = kyso_file_read(path, CHAIN_FILE_MAX, &pem, &len, err);
  if (ret != KYSO_OK)
    goto done;
  bio = BIO_new_mem_buf(pem, (int)len);
  if (!bio) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
    int n;
    if (*count >= KYSO_LIMIT_CHAIN) {
      ret = kyso_error_set(err, KYSO_ERR_LIMIT,
                           "%s holds more than %d certificates", path,
                           KYSO_LIMIT_CHAIN);
      goto done;
    }
    n = i2d_X509(x, &der[*count]);
    if (n <= 0) {
      ret = kyso_error_set(err, KYSO_ERR_SIGN_CERTIFICATE,
                           "cannot encode a certificate of %s", path);
      goto done;
    }
    chain[*count].data = der[*count];
    chain[*count].len = (size_t)n;
    (*count)++;
    X509_free(x);
    x = NULL;
  }
  ERR_clear_error();
  if (*count == 0) {
    ret = kyso_error_set(err, KYSO_ERR_SIGN_CERTIFICATE,
                         "%s holds no PEM certificate", path);
    goto done;
  }
  ret = KYSO_OK;
done:
  X509_free(x);
  BIO_free(bio);
  free(pem);
  return ret;
}

/* ---- signature timestamp (--tsa-command) ------------------------------- */

/* TimeStampReq (RFC 3161 2.4.1) for the signature value: SHA-256 imprint,
 * a random nonce, certReq true. *der is OPENSSL_malloc'd. */
static kyso_status tsa_request(const uint8_t *sig, size_t sig_len,
                               ASN1_INTEGER **nonce, uint8_t **der,
                               size_t *der_len, kyso_error *err) {
  kyso_status ret = KYSO_ERR_CRYPTO;
  TS_REQ *req = TS_REQ_new();
  TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
  X509_ALGOR *alg = X509_ALGOR_new();
  BIGNUM *bn = NULL;
  unsigned char rnd[TSA_NONCE_BYTES], *out = NULL;
  uint8_t imprint[64];
  size_t imprint_len = 0;
  int n;

  *nonce = NULL;
  ret = kyso_sig_timestamp_imprint(KYSO_DIGEST_SHA256, sig, sig_len, imprint,
                                   &imprint_len, err);
  if (ret != KYSO_OK)
    goto done;
  ret = KYSO_ERR_CRYPTO;
  if (RAND_bytes(rnd, sizeof(rnd)) != 1 ||
      !(bn = BN_bin2bn(rnd, sizeof(rnd), NULL)) ||
      !(*nonce = BN_to_ASN1_INTEGER(bn, NULL))) {
    ret = kyso_error_set(err, KYSO_ERR_CRYPTO, "no random nonce");
    goto done;
  }
  /* AlgorithmIdentifier with absent parameters (RFC 5754 2). */
  if (!req || !mi || !alg ||
      !X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_UNDEF, NULL) ||
      !TS_MSG_IMPRINT_set_algo(mi, alg) ||
      !TS_MSG_IMPRINT_set_msg(mi, imprint, (int)imprint_len) ||
      !TS_REQ_set_version(req, 1) || !TS_REQ_set_msg_imprint(req, mi) ||
      !TS_REQ_set_nonce(req, *nonce) || !TS_REQ_set_cert_req(req, 1)) {
    ret = kyso_error_set(err, KYSO_ERR_CRYPTO,
                         "cannot build the timestamp request");
    goto done;
  }
  n = i2d_TS_REQ(req, &out);
  if (n <= 0) {
    ret = kyso_error_set(err, KYSO_ERR_CRYPTO,
                         "cannot encode the timestamp request");
    goto done;
  }
  *der = out;
  *der_len = (size_t)n;
  ret = KYSO_OK;
done:
  if (ret != KYSO_OK) {
    ASN1_INTEGER_free(*nonce);
    *nonce = NULL;
  }
  BN_free(bn);
  X509_ALGOR_free(alg);
  TS_MSG_IMPRINT_free(mi);
  TS_REQ_free(req);
  ERR_clear_error();
  return ret;
}

static long ms_since(const struct timespec *start) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (long)(now.tv_sec - start->tv_sec) * 1000 +
         (long)(now.tv_nsec - start->tv_nsec) / 1000000;
}

/* Runs command through /bin/sh: input on its stdin, its stdout (at most
 * TSA_RESPONSE_MAX bytes) into *out (malloc'd); its stderr stays ours.
 * Fails unless it exits 0 within TSA_TIMEOUT_MS. */
static kyso_status run_filter(const char *command, const uint8_t *input,
                              size_t input_len, uint8_t **out, size_t *out_len,
                              kyso_error *err) {
  kyso_status ret = KYSO_ERR_IO;
  int to_child[2] = {-1, -1}, from_child[2] = {-1, -1};
  struct sigaction ign, old_pipe;
  struct timespec start;
  uint8_t *buf = NULL;
  size_t len = 0, sent = 0;
  pid_t pid = -1;
  int status = 0, pipe_ignored = 0;

  *out = NULL;
  *out_len = 0;
  buf = malloc(TSA_RESPONSE_MAX);
  if (!buf) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  if (pipe(to_child) != 0 || pipe(from_child) != 0) {
    ret = kyso_error_set(err, KYSO_ERR_IO, "pipe: %s", strerror(errno));
    goto done;
  }
  /* A command that exits without reading its stdin must not kill us. */
  memset(&ign, 0, sizeof(ign));
  ign.sa_handler = SIG_IGN;
  sigemptyset(&ign.sa_mask);
  if (sigaction(SIGPIPE, &ign, &old_pipe) == 0)
    pipe_ignored = 1;
  fflush(NULL);
  pid = fork();
  if (pid < 0) {
    ret = kyso_error_set(err, KYSO_ERR_IO, "fork: %s", strerror(errno));
    goto done;
  }
  if (pid == 0) {
    if (pipe_ignored)
      sigaction(SIGPIPE, &old_pipe, NULL);
    if (dup2(to_child[0], STDIN_FILENO) < 0 ||
        dup2(from_child[1], STDOUT_FILENO) < 0)
      _exit(127);
    close(to_child[0]);
    close(to_child[1]);
    close(from_child[0]);
    close(from_child[1]);
    execl("/bin/sh", "sh", "-c", command, (char *)NULL);
    _exit(127);
  }
  close(to_child[0]);
  close(from_child[1]);
  to_child[0] = from_child[1] = -1;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    struct pollfd fds[2];
    nfds_t nfds = 0;
    long left = TSA_TIMEOUT_MS - ms_since(&start);
    int r;

    if (left <= 0) {
      ret = kyso_error_set(err, KYSO_ERR_IO,
                           "--tsa-command did not finish within %d s",
                           TSA_TIMEOUT_MS / 1000);
      goto done;
    }
    fds[nfds].fd = from_child[0];
    fds[nfds].events = POLLIN;
    nfds++;
    if (to_child[1] >= 0) {
      fds[nfds].fd = to_child[1];
      fds[nfds].events = POLLOUT;
      nfds++;
    }
    r = poll(fds, nfds, (int)left);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      ret = kyso_error_set(err, KYSO_ERR_IO, "poll: %s", strerror(errno));
      goto done;
    }
    if (nfds == 2 && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t w = sent < input_len
                      ? write(to_child[1], input + sent, input_len - sent)
                      : 0;
      if (w > 0)
        sent += (size_t)w;
      /* All sent, or the command stopped reading: close its stdin. */
      if (sent == input_len || (w < 0 && errno != EINTR && errno != EAGAIN)) {
        close(to_child[1]);
        to_child[1] = -1;
      }
    }
    if (fds[0].revents & (POLLIN | POLLERR | POLLHUP)) {
      ssize_t n = read(from_child[0], buf + len, TSA_RESPONSE_MAX - len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0) {
        ret = kyso_error_set(err, KYSO_ERR_IO, "reading --tsa-command: %s",
                             strerror(errno));
        goto done;
      }
      if (n == 0)
        break; /* end of its output */
      len += (size_t)n;
      if (len == TSA_RESPONSE_MAX) {
        ret = kyso_error_set(err, KYSO_ERR_LIMIT,
                             "--tsa-command printed more than %d bytes",
                             TSA_RESPONSE_MAX);
        goto done;
      }
    }
  }
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  pid = -1;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    ret = kyso_error_set(err, KYSO_ERR_IO, "--tsa-command failed (%s %d)",
                         WIFEXITED(status) ? "exit status" : "signal",
                         WIFEXITED(status) ? WEXITSTATUS(status)
                                           : WTERMSIG(status));
    goto done;
  }
  if (sent != input_len) {
    ret = kyso_error_set(err, KYSO_ERR_IO,
                         "--tsa-command did not read the request");
    goto done;
  }
  *out = buf;
  *out_len = len;
  buf = NULL;
  ret = KYSO_OK;
done:
  if (pid > 0) {
    kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
      ;
  }
  if (to_child[0] >= 0)
    close(to_child[0]);
  if (to_child[1] >= 0)
    close(to_child[1]);
  if (from_child[0] >= 0)
    close(from_child[0]);
  if (from_child[1] >= 0)
    close(from_child[1]);
  if (pipe_ignored)
    sigaction(SIGPIPE, &old_pipe, NULL);
  free(buf);
  return ret;
}

/* The PKIStatus texts of RFC 3161 2.4.2. */
static const char *tsa_status_name(long status) {
  switch (status) {
  case 2: return "rejection";
  case 3: return "waiting";
  case 4: return "revocationWarning";
  case 5: return "revocationNotification";
  }
  return "unknown status";
}

/*
 * Reads what the TSA command printed: a TimeStampResp (RFC 3161 2.4.2)
 * whose status is granted (0) or grantedWithMods (1), or the bare
 * TimeStampToken (`openssl ts -reply -token_out`). The TSTInfo nonce must
 * be ours. *token is the token's DER (OPENSSL_malloc'd). The imprint is
 * checked by kyso_sig_finish_timestamped.
 */
static kyso_status tsa_token(const uint8_t *resp_der, size_t resp_len,
                             const ASN1_INTEGER *nonce, uint8_t **token,
                             size_t *token_len, kyso_error *err) {
  kyso_status ret = KYSO_ERR_IO;
  const unsigned char *p = resp_der;
  TS_RESP *resp = NULL;
  PKCS7 *bare = NULL;
  PKCS7 *tok = NULL; /* borrowed from resp, or bare */
  TS_TST_INFO *tst = NULL;
  const ASN1_INTEGER *got;
  unsigned char *out = NULL;
  int n;

  *token = NULL;
  resp = d2i_TS_RESP(NULL, &p, (long)resp_len);
  if (resp && p == resp_der + resp_len) {
    TS_STATUS_INFO *si = TS_RESP_get_status_info(resp);
    long status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(si));
    if (status != 0 && status != 1) {
      ret = kyso_error_set(err, KYSO_ERR_IO,
                           "the TSA refused the request: %s (%ld)",
                           tsa_status_name(status), status);
      goto done;
    }
    tok = TS_RESP_get_token(resp);
  } else {
    p = resp_der;
    bare = d2i_PKCS7(NULL, &p, (long)resp_len);
    if (bare && p == resp_der + resp_len)
      tok = bare;
  }
  if (!tok) {
    ret = kyso_error_set(err, KYSO_ERR_IO,
                         "--tsa-command printed no DER TimeStampResp or "
                         "TimeStampToken");
    goto done;
  }
  tst = PKCS7_to_TS_TST_INFO(tok);
  if (!tst) {
    ret = kyso_error_set(err, KYSO_ERR_IO,
                         "the timestamp token holds no TSTInfo");
    goto done;
  }
  /* RFC 3161 2.4.2: the nonce of the request must come back. */
  got = TS_TST_INFO_get_nonce(tst);
  if (!got || ASN1_INTEGER_cmp(got, nonce) != 0) {
    ret = kyso_error_set(err, KYSO_ERR_IO,
                         "the timestamp response does not carry the "
                         "request's nonce");
    goto done;
  }
  n = i2d_PKCS7(tok, &out);
  if (n <= 0) {
    ret = kyso_error_set(err, KYSO_ERR_CRYPTO,
                         "cannot encode the timestamp token");
    goto done;
  }
  *token = out;
  *token_len = (size_t)n;
  ret = KYSO_OK;
done:
  TS_TST_INFO_free(tst);
  PKCS7_free(bare);
  TS_RESP_free(resp);
  ERR_clear_error();
  return ret;
}

/* Asks the TSA command for a token over the signature value. */
static kyso_status tsa_timestamp(const char *command, const uint8_t *sig,
                                 size_t sig_len, uint8_t **token,
                                 size_t *token_len, kyso_error *err) {
  kyso_status ret;
  ASN1_INTEGER *nonce = NULL;
  uint8_t *req = NULL, *resp = NULL;
  size_t req_len = 0, resp_len = 0;

  ret = tsa_request(sig, sig_len, &nonce, &req, &req_len, err);
  if (ret == KYSO_OK)
    ret = run_filter(command, req, req_len, &resp, &resp_len, err);
  if (ret == KYSO_OK)
    ret = tsa_token(resp, resp_len, nonce, token, token_len, err);
  free(resp);
  OPENSSL_free(req);
  ASN1_INTEGER_free(nonce);
  return ret;
}

/* ---- --tsa and --ltv over HTTP (kyso/fetch.h) ---------------------------- */

/* Everything the network steps need, ready before the token signs: a bad
 * config, URL or trust path fails here, with nothing signed. */
static kyso_status net_prepare(const sign_args *a, kyso_fetch_config *config,
                               kyso_trust_set *trust, kyso_error *err) {
  kyso_status ret;

  ret = kyso_cli_fetch_config(&a->net, config, err);
  if (ret == KYSO_OK)
    ret = kyso_cli_trust_load_all(a->trust, a->trust_count, a->no_default_trust,
                                  trust, err);
  if (ret == KYSO_OK && a->tsa)
    ret = kyso_cli_url_check(config, a->tsa_url ? a->tsa_url : config->tsa_url,
                             err);
  if (ret == KYSO_OK && a->tsa && trust->anchor_count == 0)
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                         "--tsa: no trusted root to judge the TSA's answer "
                         "by (give --trust)");
  return ret;
}

/* B-T through the built-in client: the TSA's token over the signature
 * value (SHA-256, RFC 3161 appendix A), judged against the anchors. */
static kyso_status
http_timestamp(const sign_args *a, const kyso_fetch_config *config,
               const kyso_trust_set *trust, const kyso_blob *inter,
               size_t ninter, const uint8_t *sig, size_t sig_len,
               uint8_t **token, size_t *token_len, kyso_error *err) {
  kyso_status ret;
  uint8_t imprint[64];
  size_t imprint_len = 0;
  int64_t gen_time = 0;

  ret = kyso_sig_timestamp_imprint(KYSO_DIGEST_SHA256, sig, sig_len, imprint,
                                   &imprint_len, err);
  if (ret == KYSO_OK)
    ret = kyso_fetch_timestamp(config, a->tsa_url, KYSO_DIGEST_SHA256, imprint,
                               imprint_len, trust->anchors, trust->anchor_count,
                               inter, ninter, (int64_t)time(NULL), token,
                               token_len, &gen_time, err);
  return ret;
}

/*
 * --ltv: the DSS + VRI update for the signed bytes (pdf + upd). A REVOKED
 * certificate on the new signature's paths is an error (*revoked set):
 * such a signature has no legal force. Certificates left without an
 * answer set a->ltv_incomplete (the caller writes the file anyway: the
 * token's signature must not be thrown away).
 */
static kyso_status sign_ltv(sign_args *a, const kyso_fetch_config *config,
                            const kyso_trust_set *trust, const kyso_blob *inter,
                            size_t ninter, const uint8_t *pdf, size_t pdf_len,
                            const uint8_t *upd, size_t upd_len, uint8_t **out,
                            size_t *out_len, int *revoked, kyso_error *err) {
  kyso_status ret;
  kyso_cli_ltv g;
  kyso_verify_options vopt;
  uint8_t *doc = NULL;
  size_t nsig, i;
  uint64_t mine;
  int64_t now = (int64_t)time(NULL);

  memset(&g, 0, sizeof(g));
  *out = NULL;
  *out_len = 0;
  *revoked = 0;
  doc = malloc(pdf_len + upd_len);
  if (!doc) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  memcpy(doc, pdf, pdf_len);
  memcpy(doc + pdf_len, upd, upd_len);
  kyso_verify_options_init(&vopt);
  vopt.anchors = trust->anchors;
  vopt.anchor_count = trust->anchor_count;
  vopt.intermediates = inter;
  vopt.intermediate_count = ninter;
  vopt.validation_time = now;
  vopt.password = a->opt.password;
  ret = kyso_cli_ltv_gather(config, doc, pdf_len + upd_len, &vopt, 0, now, &g,
                            err);
  if (ret != KYSO_OK)
    goto done;
  nsig = kyso_ltv_set_get_signature_count(g.set);
  if (nsig == 0) {
    ret = kyso_error_set(err, KYSO_ERR_STATE,
                         "the signed document shows no signature");
    goto done;
  }
  /* The new signature is the last one (its field is last, its revision
   * the newest). */
  mine = kyso_cli_ltv_signature_bit(nsig - 1);
  for (i = 0; i < g.problem_count; i++)
    if ((g.problems[i].signatures & mine) &&
        g.problems[i].kind == KYSO_CLI_LTV_REVOKED)
      *revoked = 1;
  if (*revoked) {
    kyso_cli_ltv_print_problems(&g, mine, "REVOKED");
    ret = kyso_error_set(err, KYSO_ERR_SIGN_CERTIFICATE,
                         "a certificate of the new signature is revoked: "
                         "the signature has no legal force; nothing "
                         "written");
    goto done;
  }
  kyso_cli_ltv_print_problems(&g, ~mine, "warning (an earlier signature)");
  if (kyso_cli_ltv_print_problems(&g, mine, "LTV") > 0)
    a->ltv_incomplete = 1;
  ret = kyso_cli_ltv_update(&g, doc, pdf_len + upd_len, now, out, out_len, err);
done:
  kyso_cli_ltv_free(&g);
  free(doc);
  return ret;
}

static kyso_status open_signer(const sign_args *a, kyso_signer **signer,
                               kyso_error *err) {
  kyso_status ret;
  char pin[PIN_MAX];

  ret = kyso_pin_read(a->pin_file, pin, sizeof(pin), err);
  if (ret != KYSO_OK)
    goto done;
  if (a->p12) {
    ret = kyso_signer_open_p12(a->p12, pin, signer, err);
  } else {
    kyso_pkcs11_options p;
    p.module = a->module;
    p.token_label = a->token;
    p.key_label = a->key_label;
    p.pin = pin;
    ret = kyso_signer_open_pkcs11(&p, signer, err);
  }
done:
  kyso_pin_wipe(pin, sizeof(pin));
  return ret;
}

/* Whether the profile draws text (and so needs the font file). */
static int needs_font(const kyso_sign_options *o) {
  switch (o->appearance.profile) {
  case KYSO_PROFILE_PERSONAL:
    return o->appearance.has_number_rect || o->appearance.has_date_rect;
  case KYSO_PROFILE_ORGANIZATION:
    return o->appearance.doc_number != NULL ||
           o->appearance.issue_date_text != NULL;
  default: return 1;
  }
}

/* The work once the arguments are known; one cleanup path. */
static kyso_status run_sign(sign_args *a, kyso_error *err) {
  kyso_status ret;
  kyso_file_snap in = {0};
  const uint8_t *pdf;
  uint8_t *image = NULL, *sig = NULL, *token = NULL, *font = NULL;
  size_t pdf_len, image_len = 0, sig_len = 0, extra = 0, i, upd_len = 0;
  size_t font_len = 0;
  size_t token_len = 0;
  uint8_t *extra_der[KYSO_LIMIT_CHAIN] = {0};
  kyso_blob chain[2 * KYSO_LIMIT_CHAIN];
  kyso_pdf *doc = NULL;
  kyso_signer *signer = NULL;
  kyso_sig_session *session = NULL;
  const uint8_t *attrs, *upd;
  size_t attrs_len;
  kyso_blob parts[3];
  kyso_fetch_config fetch;
  kyso_trust_set trust;
  kyso_blob *inter = NULL;
  size_t ninter = 0;
  uint8_t *http_token = NULL, *ltv_upd = NULL;
  size_t http_token_len = 0, ltv_len = 0;
  int net = a->tsa || a->ltv, fetch_ready = 0, revoked = 0;

  memset(&trust, 0, sizeof(trust));

  if (kyso_file_same(a->in, a->out)) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                         "--out names the input file; kyso never "
                         "overwrites the input");
    goto done;
  }
  /* One private copy, read before the PIN prompt: what the user opened
   * is what gets signed, whatever happens to the file meanwhile; before the
   * output appears, the file must still hold these bytes. */
  ret = kyso_file_snap_read(a->in, KYSO_LIMIT_PDF_SIZE, &in, err);
  if (ret != KYSO_OK)
    goto done;
  pdf = in.data;
  pdf_len = in.len;
  /* Refuse a broken document before asking anyone for a PIN (or find the
   * password of an encrypted one, kept for kyso_sig_prepare). */
  ret = kyso_cli_pdf_open(pdf, pdf_len, a->password_file, a->password,
                          sizeof(a->password), &doc, err);
  a->opt.password = a->password[0] ? a->password : NULL;
  if (ret == KYSO_OK)
    ret = kyso_pdf_check(doc, err);
  if (ret == KYSO_OK && a->image)
    ret = kyso_file_read(a->image, IMAGE_FILE_MAX, &image, &image_len, err);
  if (ret == KYSO_OK && (a->font || needs_font(&a->opt)))
    ret = kyso_file_read(a->font ? a->font : default_font, FONT_FILE_MAX, &font,
                         &font_len, err);
  if (ret == KYSO_OK && a->chain)
    ret = read_chain(a->chain, extra_der, &extra, chain, err);
  if (ret == KYSO_OK && net) {
    fetch_ready = 1;
    ret = net_prepare(a, &fetch, &trust, err);
  }
  if (ret != KYSO_OK)
    goto done;
  kyso_pdf_close(doc);
  doc = NULL;

  ret = open_signer(a, &signer, err);
  if (ret != KYSO_OK)
    goto done;
  /* Chain: what the token knows, then --chain (which may repeat it). */
  if (signer->chain_count + extra > 2 * KYSO_LIMIT_CHAIN) {
    ret = kyso_error_set(err, KYSO_ERR_LIMIT, "too many chain certificates");
    goto done;
  }
  memmove(chain + signer->chain_count, chain, extra * sizeof(*chain));
  for (i = 0; i < signer->chain_count; i++)
    chain[i] = signer->chain[i];
  a->opt.certificate = signer->certificate;
  a->opt.chain = chain;
  a->opt.chain_count = signer->chain_count + extra;
  if (a->opt.chain_count > KYSO_LIMIT_CHAIN)
    a->opt.chain_count = KYSO_LIMIT_CHAIN;
  a->opt.digest = a->digest;
  a->opt.scheme = a->pss ? KYSO_SCHEME_RSA_PSS : KYSO_SCHEME_AUTO;
  a->opt.page = a->page ? a->page : 1;
  a->opt.visible = a->rect != NULL;
  a->opt.image.data = image;
  a->opt.image.len = image_len;
  a->opt.appearance.font.data = font;
  a->opt.appearance.font.len = font_len;
  if (net) {
    /* Paths for the TSA answer and for --ltv: the trusted intermediates
     * and the signer's chain. */
    inter = malloc((trust.intermediate_count + a->opt.chain_count + 1) *
                   sizeof(*inter));
    if (!inter) {
      ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
      goto done;
    }
    for (i = 0; i < trust.intermediate_count; i++)
      inter[ninter++] = trust.intermediates[i];
    for (i = 0; i < a->opt.chain_count; i++)
      inter[ninter++] = a->opt.chain[i];
  }

  ret = kyso_sig_prepare(pdf, pdf_len, &a->opt, &session, err);
  if (ret != KYSO_OK)
    goto done;
  attrs = kyso_sig_session_get_signed_attrs(session, &attrs_len);
  ret = kyso_signer_sign(signer, kyso_sig_session_get_digest(session),
                         kyso_sig_session_get_scheme(session), attrs, attrs_len,
                         &sig, &sig_len, err);
  /* B-T: the TSA timestamps the signature value (RFC 3161 appendix A). */
  if (ret == KYSO_OK && a->tsa_command)
    ret = tsa_timestamp(a->tsa_command, sig, sig_len, &token, &token_len, err);
  if (ret == KYSO_OK && a->tsa)
    ret = http_timestamp(a, &fetch, &trust, inter, ninter, sig, sig_len,
                         &http_token, &http_token_len, err);
  if (ret == KYSO_OK && a->tsa_command)
    ret = kyso_sig_finish_timestamped(session, sig, sig_len, token, token_len,
                                      err);
  else if (ret == KYSO_OK && a->tsa)
    ret = kyso_sig_finish_timestamped(session, sig, sig_len, http_token,
                                      http_token_len, err);
  else if (ret == KYSO_OK)
    ret = kyso_sig_finish(session, sig, sig_len, err);
  if (ret != KYSO_OK)
    goto done;
  upd = kyso_sig_session_get_update(session, &upd_len);
  if (a->ltv) {
    kyso_error lerr;
    kyso_error_clear(&lerr);
    ret = sign_ltv(a, &fetch, &trust, inter, ninter, pdf, pdf_len, upd, upd_len,
                   &ltv_upd, &ltv_len, &revoked, &lerr);
    if (ret != KYSO_OK && revoked) {
      *err = lerr;
      goto done;
    }
    if (ret != KYSO_OK) {
      /* The signature is made: keep it, without the LT data. */
      kyso_cli_fail(&lerr);
      a->ltv_incomplete = 1;
      free(ltv_upd);
      ltv_upd = NULL;
      ltv_len = 0;
    }
  }
  parts[0].data = pdf;
  parts[0].len = pdf_len;
  parts[1].data = upd;
  parts[1].len = upd_len;
  parts[2].data = ltv_upd;
  parts[2].len = ltv_len;
  ret = kyso_file_write_atomic(a->out, kyso_file_permissions(a->in), parts,
                               ltv_len ? 3 : 2, a->in, &in, err);
done:
  if (fetch_ready)
    kyso_fetch_config_clear(&fetch);
  kyso_trust_free(&trust);
  free(inter);
  free(http_token);
  free(ltv_upd);
  kyso_pin_wipe(a->password, sizeof(a->password));
  kyso_sig_session_free(session);
  kyso_signer_free(signer);
  kyso_pdf_close(doc);
  for (i = 0; i < KYSO_LIMIT_CHAIN; i++)
    OPENSSL_free(extra_der[i]);
  OPENSSL_free(token);
  free(sig);
  free(image);
  free(font);
  kyso_file_snap_free(&in);
  return ret;
}

int kyso_cmd_sign(int argc, char **argv) {
  sign_args a;
  kyso_error err;
  int rc;

  memset(&a, 0, sizeof(a));
  kyso_error_clear(&err);
  kyso_sign_options_init(&a.opt);
  a.digest = KYSO_DIGEST_SHA256;
  rc = parse_args(argc, argv, &a);
  if (rc != 0) {
    kyso_cli_argv_free(&a.joined);
    return rc < 0 ? KYSO_EXIT_OK : rc;
  }
  if (!a.time)
    a.opt.signing_time = (int64_t)time(NULL);
  rc = KYSO_EXIT_OK;
  if (run_sign(&a, &err) != KYSO_OK) {
    rc = kyso_cli_fail(&err);
  } else if (a.ltv_incomplete) {
    printf("kyso: signed %s -> %s (not LT)\n", a.in, a.out);
    fprintf(stderr,
            "kyso: LTV_FETCH: %s is signed%s but NOT long-term validated "
            "(PAdES B-LT): revocation data is missing (above). The signature "
            "itself is good; add the data later with: kyso ltv --in %s --out "
            "FILE\n",
            a.out, a.tsa || a.tsa_command ? " and timestamped" : "", a.out);
    rc = KYSO_EXIT_INCOMPLETE;
  } else {
    printf("kyso: signed %s -> %s%s\n", a.in, a.out,
           a.ltv ? " (LT: revocation data embedded)" : "");
  }
  kyso_cli_argv_free(&a.joined);
  return rc;
}
