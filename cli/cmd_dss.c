/*
 * cmd_dss.c - `kyso dss`: add certificates, CRLs and OCSP responses to a
 * signed PDF's document security store (PAdES B-LT) by incremental update,
 * so a verifier finds revocation data without going online. The input is
 * only read; the output is written atomically.
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "file_io.h"
#include "kyso/dss.h"
#include "kyso/limits.h"

static const char dss_usage[] =
    "usage: kyso dss --in FILE --out FILE [--cert FILE]... [--crl FILE]...\n"
    "                [--ocsp FILE]...\n"
    "\n"
    "Adds validation data to the document security store (/DSS) of a signed\n"
    "PDF, as an incremental update: existing signatures stay valid, items\n"
    "already in the DSS are not repeated.\n"
    "\n"
    "  --cert FILE   certificate(s): PEM (every certificate in it) or DER\n"
    "  --crl FILE    CRL(s): PEM (every CRL in it) or DER\n"
    "  --ocsp FILE   an OCSP response (DER, as an OCSP responder sends it)\n"
    "Each may be repeated.\n";

enum { KIND_CERT = 0, KIND_CRL, KIND_OCSP, KINDS };

typedef struct dss_args {
  const char *in, *out;
  const char **files[KINDS]; /* paths per kind, in command line order */
  size_t nfiles[KINDS];
} dss_args;

/* DER items of one kind, each malloc'd. */
typedef struct item_list {
  uint8_t **der;
  kyso_blob *blobs;
  size_t count;
} item_list;

static const char *const kind_label[KINDS] = {"certificate", "CRL",
                                              "OCSP response"};

static void item_list_free(item_list *l) {
  size_t i;
  for (i = 0; i < l->count; i++)
    free(l->der[i]);
  free(l->der);
  free(l->blobs);
  memset(l, 0, sizeof(*l));
}

static int parse_args(int argc, char **argv, dss_args *a) {
  enum { O_IN = 256, O_OUT, O_CERT, O_CRL, O_OCSP, O_HELP };
  static const struct option opts[] = {{"in", required_argument, 0, O_IN},
                                       {"out", required_argument, 0, O_OUT},
                                       {"cert", required_argument, 0, O_CERT},
                                       {"crl", required_argument, 0, O_CRL},
                                       {"ocsp", required_argument, 0, O_OCSP},
                                       {"help", no_argument, 0, O_HELP},
                                       {0, 0, 0, 0}};
  int c, kind;

  opterr = 0;
  optind = 1;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case O_IN: a->in = optarg; break;
    case O_OUT: a->out = optarg; break;
    case O_CERT:
    case O_CRL:
    case O_OCSP:
      kind = c == O_CERT ? KIND_CERT : c == O_CRL ? KIND_CRL : KIND_OCSP;
      /* argv outlives the command: the paths are borrowed. */
      if (a->nfiles[kind] >= KYSO_DSS_ITEMS_MAX)
        return kyso_cli_usage_error("too many --%s options",
                                    opts[c - O_IN].name);
      a->files[kind][a->nfiles[kind]++] = optarg;
      break;
    case O_HELP: fputs(dss_usage, stdout); return -1;
    default:
      return kyso_cli_usage_error("unknown or incomplete option '%s' (see "
                                  "kyso help dss)",
                                  argv[optind - 1]);
    }
  }
  if (optind < argc)
    return kyso_cli_usage_error("unexpected argument '%s'", argv[optind]);
  if (!a->in || !a->out)
    return kyso_cli_usage_error("--in and --out are required");
  if (a->nfiles[KIND_CERT] + a->nfiles[KIND_CRL] + a->nfiles[KIND_OCSP] == 0)
    return kyso_cli_usage_error("give at least one --cert, --crl or --ocsp");
  return 0;
}

static kyso_status push_der(item_list *l, uint8_t *der, size_t len,
                            const char *path, int kind, kyso_error *err) {
  if (l->count >= KYSO_DSS_ITEMS_MAX) {
    free(der);
    return kyso_error_set(err, KYSO_ERR_LIMIT, "more than %d %s items (%s)",
                          KYSO_DSS_ITEMS_MAX, kind_label[kind], path);
  }
  l->der[l->count] = der;
  l->blobs[l->count].data = der;
  l->blobs[l->count].len = len;
  l->count++;
  return KYSO_OK;
}

static int looks_pem(const uint8_t *data, size_t len) {
  size_t i = 0;
  while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' ||
                     data[i] == '\n'))
    i++;
  return len - i >= 10 && memcmp(data + i, "-----BEGIN", 10) == 0;
}

/* Every certificate or CRL of a PEM file, as DER. */
static kyso_status read_pem(const uint8_t *data, size_t len, const char *path,
                            int kind, item_list *l, kyso_error *err) {
  kyso_status ret = KYSO_OK;
  BIO *bio = BIO_new_mem_buf(data, (int)len);
  size_t found = 0;

  if (!bio)
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  while (ret == KYSO_OK) {
    X509 *x = NULL;
    X509_CRL *c = NULL;
    unsigned char *der = NULL, *p;
    int n;
    if (kind == KIND_CERT)
      x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    else
      c = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);
    if (!x && !c)
      break;
    n = x ? i2d_X509(x, NULL) : i2d_X509_CRL(c, NULL);
    if (n > 0 && (der = malloc((size_t)n)) != NULL) {
      p = der;
      n = x ? i2d_X509(x, &p) : i2d_X509_CRL(c, &p);
    }
    X509_free(x);
    X509_CRL_free(c);
    if (n <= 0 || !der) {
      free(der);
      ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
      break;
    }
    ret = push_der(l, der, (size_t)n, path, kind, err);
    found++;
  }
  ERR_clear_error();
  BIO_free(bio);
  if (ret == KYSO_OK && found == 0)
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "%s holds no PEM %s", path,
                         kind_label[kind]);
  return ret;
}

static kyso_status read_items(const dss_args *a, int kind, item_list *l,
                              kyso_error *err) {
  kyso_status ret = KYSO_OK;
  size_t i;

  l->der = calloc(KYSO_DSS_ITEMS_MAX, sizeof(*l->der));
  l->blobs = calloc(KYSO_DSS_ITEMS_MAX, sizeof(*l->blobs));
  if (!l->der || !l->blobs)
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  for (i = 0; i < a->nfiles[kind] && ret == KYSO_OK; i++) {
    const char *path = a->files[kind][i];
    uint8_t *data = NULL;
    size_t len = 0;
    ret = kyso_file_read(path, KYSO_DSS_ITEM_SIZE_MAX, &data, &len, err);
    if (ret != KYSO_OK)
      break;
    if (kind != KIND_OCSP && looks_pem(data, len)) {
      ret = read_pem(data, len, path, kind, l, err);
      free(data);
    } else {
      /* DER as it is: the core checks it decodes. */
      ret = push_der(l, data, len, path, kind, err);
    }
  }
  return ret;
}

/* *added: 0 when every item was already in the DSS (out is a copy). */
static kyso_status run_dss(const dss_args *a, int *added, kyso_error *err) {
  kyso_status ret;
  item_list items[KINDS];
  kyso_file_snap in = {0};
  uint8_t *update = NULL;
  size_t update_len = 0;
  kyso_blob parts[2];
  int kind;

  memset(items, 0, sizeof(items));
  if (kyso_file_same(a->in, a->out)) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                         "--out names the input file; kyso never "
                         "overwrites the input");
    goto done;
  }
  ret = kyso_file_snap_read(a->in, KYSO_LIMIT_PDF_SIZE, &in, err);
  for (kind = 0; kind < KINDS && ret == KYSO_OK; kind++)
    ret = read_items(a, kind, &items[kind], err);
  if (ret == KYSO_OK)
    ret = kyso_dss_append(in.data, in.len, items[KIND_CERT].blobs,
                          items[KIND_CERT].count, items[KIND_CRL].blobs,
                          items[KIND_CRL].count, items[KIND_OCSP].blobs,
                          items[KIND_OCSP].count, &update, &update_len, err);
  if (ret != KYSO_OK)
    goto done;
  parts[0].data = in.data;
  parts[0].len = in.len;
  parts[1].data = update;
  parts[1].len = update_len;
  ret = kyso_file_write_atomic(a->out, kyso_file_permissions(a->in), parts,
                               update ? 2 : 1, a->in, &in, err);
  *added = update != NULL;
done:
  for (kind = 0; kind < KINDS; kind++)
    item_list_free(&items[kind]);
  free(update);
  kyso_file_snap_free(&in);
  return ret;
}

int kyso_cmd_dss(int argc, char **argv) {
  dss_args a;
  kyso_error err;
  int rc = KYSO_EXIT_OK, kind, added = 0;

  memset(&a, 0, sizeof(a));
  kyso_error_clear(&err);
  for (kind = 0; kind < KINDS; kind++) {
    a.files[kind] = calloc(KYSO_DSS_ITEMS_MAX, sizeof(*a.files[kind]));
    if (!a.files[kind]) {
      kyso_error_set(&err, KYSO_ERR_NO_MEMORY, "out of memory");
      rc = kyso_cli_fail(&err);
      goto done;
    }
  }
  rc = parse_args(argc, argv, &a);
  if (rc != 0) {
    rc = rc < 0 ? KYSO_EXIT_OK : rc;
    goto done;
  }
  if (run_dss(&a, &added, &err) != KYSO_OK) {
    rc = kyso_cli_fail(&err);
    goto done;
  }
  if (added)
    printf("kyso: added validation data %s -> %s\n", a.in, a.out);
  else
    printf("kyso: every item was already in the DSS; %s is a copy of %s\n",
           a.out, a.in);
done:
  for (kind = 0; kind < KINDS; kind++)
    free(a.files[kind]);
  return rc;
}
