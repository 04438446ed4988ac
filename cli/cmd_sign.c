/*
 * cmd_sign.c - `kyso sign`: prepare -> the token signs the SignedAttributes
 * -> finish -> atomic write. The same two-phase path the browser uses; the
 * key never leaves the token and the input file is only read.
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "file_io.h"
#include "kyso/limits.h"
#include "kyso/pdf.h"
#include "kyso/sign.h"
#include "kyso/time.h"
#include "pin_read.h"
#include "signer.h"

enum {
  PIN_MAX = 256,
  IMAGE_FILE_MAX = 16 * 1024 * 1024,
  CHAIN_FILE_MAX = 1024 * 1024
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
    "else it is asked on the terminal.\n"
    "\n"
    "options:\n"
    "  --chain PEM          issuer certificates to embed (sub-CA, root)\n"
    "  --digest ALG         sha256 (default), sha384 or sha512\n"
    "  --pss                RSA-PSS instead of PKCS#1 v1.5\n"
    "  --image PNG          signature image, drawn in --rect\n"
    "  --page N             page of the signature (default 1)\n"
    "  --rect X,Y,W,H       visible signature box in points from the bottom\n"
    "                       left of the page; invisible when absent\n"
    "  --reason TEXT        /Reason      --location TEXT  /Location\n"
    "  --name TEXT          /Name (default: the certificate's CN)\n"
    "  --contact TEXT       /ContactInfo\n"
    "  --field NAME         signature field name (default SignatureN)\n"
    "  --time ISO8601       signing time, e.g. 2024-12-11T09:30:15+07:00\n"
    "                       (default: now, shown in +07:00)\n";

typedef struct sign_args {
  const char *in, *out, *module, *token, *key_label, *p12, *pin_file;
  const char *chain, *image, *rect, *time;
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
      {"help", no_argument, 0, O_HELP},
      {0, 0, 0, 0}};
  int c;
  char *end;

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
    case O_HELP: fputs(sign_usage, stdout); return -1;
    default:
      return kyso_cli_usage_error("unknown or incomplete option '%s' (see "
                                  "kyso help sign)",
                                  argv[optind - 1]);
    }
  }
  if (optind < argc)
    return kyso_cli_usage_error("unexpected argument '%s'", argv[optind]);
  if (!a->in || !a->out)
    return kyso_cli_usage_error("--in and --out are required");
  if (!a->module == !a->p12)
    return kyso_cli_usage_error("give either --pkcs11-module or --p12");
  if (a->image && !a->rect)
    return kyso_cli_usage_error("--image needs --rect X,Y,W,H");
  if (a->rect && parse_rect(a->rect, a->opt.rect) != 0)
    return kyso_cli_usage_error("--rect takes X,Y,W,H in points");
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

/* The work once the arguments are known; one cleanup path. */
static kyso_status run_sign(sign_args *a, kyso_error *err) {
  kyso_status ret;
  uint8_t *pdf = NULL, *image = NULL, *sig = NULL;
  size_t pdf_len = 0, image_len = 0, sig_len = 0, extra = 0, i, upd_len = 0;
  uint8_t *extra_der[KYSO_LIMIT_CHAIN] = {0};
  kyso_blob chain[2 * KYSO_LIMIT_CHAIN];
  kyso_pdf *doc = NULL;
  kyso_signer *signer = NULL;
  kyso_sig_session *session = NULL;
  const uint8_t *attrs, *upd;
  size_t attrs_len;
  kyso_blob parts[2];

  if (kyso_file_same(a->in, a->out)) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                         "--out names the input file; kyso never "
                         "overwrites the input");
    goto done;
  }
  ret = kyso_file_read(a->in, KYSO_LIMIT_PDF_SIZE, &pdf, &pdf_len, err);
  if (ret != KYSO_OK)
    goto done;
  /* Refuse a broken document before asking anyone for a PIN. */
  ret = kyso_pdf_open(pdf, pdf_len, &doc, err);
  if (ret == KYSO_OK)
    ret = kyso_pdf_check(doc, err);
  if (ret == KYSO_OK && a->image)
    ret = kyso_file_read(a->image, IMAGE_FILE_MAX, &image, &image_len, err);
  if (ret == KYSO_OK && a->chain)
    ret = read_chain(a->chain, extra_der, &extra, chain, err);
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

  ret = kyso_sig_prepare(pdf, pdf_len, &a->opt, &session, err);
  if (ret != KYSO_OK)
    goto done;
  attrs = kyso_sig_session_get_signed_attrs(session, &attrs_len);
  ret = kyso_signer_sign(signer, kyso_sig_session_get_digest(session),
                         kyso_sig_session_get_scheme(session), attrs, attrs_len,
                         &sig, &sig_len, err);
  if (ret == KYSO_OK)
    ret = kyso_sig_finish(session, sig, sig_len, err);
  if (ret != KYSO_OK)
    goto done;
  upd = kyso_sig_session_get_update(session, &upd_len);
  parts[0].data = pdf;
  parts[0].len = pdf_len;
  parts[1].data = upd;
  parts[1].len = upd_len;
  ret = kyso_file_write_atomic(a->out, parts, 2, err);
done:
  kyso_sig_session_free(session);
  kyso_signer_free(signer);
  kyso_pdf_close(doc);
  for (i = 0; i < KYSO_LIMIT_CHAIN; i++)
    OPENSSL_free(extra_der[i]);
  free(sig);
  free(image);
  free(pdf);
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
  if (rc != 0)
    return rc < 0 ? KYSO_EXIT_OK : rc;
  if (!a.time)
    a.opt.signing_time = (int64_t)time(NULL);
  if (run_sign(&a, &err) != KYSO_OK)
    return kyso_cli_fail(&err);
  printf("kyso: signed %s -> %s\n", a.in, a.out);
  return KYSO_EXIT_OK;
}
