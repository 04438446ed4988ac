/*
 * fetch_probe.c - drives kyso_fetch from shell tests (built with the
 * tests only; tests/integration/fetch_http_test.sh, and the LTV tests may
 * use it too).
 *
 *   fetch_probe [options] http URL [--post FILE] [--type CT] [--max N]
 *                                  [--out FILE]
 *   fetch_probe [options] revocation CERT[:ISSUER] ... [--out-dir DIR]
 *   fetch_probe [options] timestamp --anchor CERT [--anchor ...]
 *                          [--intermediate CERT] (--digest HEX | --data FILE)
 *                          [--alg sha256|sha384|sha512] [--url URL]
 *                          [--out TOKEN]
 * options: --config FILE  (kyso_fetch_config_load over the defaults)
 *          --cache DIR    (config.cache_dir)
 *          --allow-loopback
 *          --now SECONDS  (default: the clock)
 *          --cancel-file PATH  (config.cancelled: cancel once PATH exists)
 * Certificates are DER or PEM files; CERT: alone means "issuer unknown"
 * (fetched through caIssuers).
 *
 * Output (stdout, one line each):
 *   http:        "OK <bytes>" | "ERROR <STATUS_NAME> <message>"
 *   revocation:  "cert <i>: <OCSP|CRL|NONE> <GOOD|REVOKED|UNKNOWN|->
 * cache=<0|1> index=<n> issuer_fetched=<0|1> error=<STATUS_NAME> url=<u>
 *                 msg=<message>" per certificate, then "ocsps=<n> crls=<n>";
 *                 --out-dir gets ocsp-<n>.der, crl-<n>.der, issuer-<i>.der
 *   timestamp:   "OK gen_time=<t> bytes=<n>" | "ERROR ..."
 * Every log line of the library goes to stderr as "log: <line>".
 * Exit status: 0 when the call returned KYSO_OK, 1 when it failed, 2 usage.
 */
#define _POSIX_C_SOURCE 200809L

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kyso/fetch.h"

static void on_log(void *ctx, const char *line) {
  (void)ctx;
  fprintf(stderr, "log: %s\n", line);
  fflush(stderr);
}

static int read_file(const char *path, uint8_t **data, size_t *len) {
  FILE *f = fopen(path, "rb");
  uint8_t *buf = NULL, *grown;
  size_t cap = 0, n;

  *data = NULL;
  *len = 0;
  if (!f)
    return 0;
  for (;;) {
    if (*len == cap) {
      cap = cap ? cap * 2 : 65536;
      grown = realloc(buf, cap);
      if (!grown) {
        free(buf);
        fclose(f);
        return 0;
      }
      buf = grown;
    }
    n = fread(buf + *len, 1, cap - *len, f);
    if (n == 0)
      break;
    *len += n;
  }
  fclose(f);
  *data = buf;
  return 1;
}

static int write_file(const char *path, const uint8_t *data, size_t len) {
  FILE *f = fopen(path, "wb");
  int ok;
  if (!f)
    return 0;
  ok = fwrite(data, 1, len, f) == len;
  return fclose(f) == 0 && ok;
}

/* A certificate file (DER or PEM) as DER. */
static int read_cert(const char *path, kyso_blob *out) {
  uint8_t *data;
  size_t len;
  BIO *bio;
  X509 *x;
  unsigned char *der = NULL;
  int n;

  if (!read_file(path, &data, &len))
    return 0;
  if (len > 11 && memcmp(data, "-----BEGIN ", 11) == 0) {
    bio = BIO_new_mem_buf(data, (int)len);
    x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    free(data);
    n = x ? i2d_X509(x, &der) : 0;
    X509_free(x);
    if (n <= 0)
      return 0;
    data = malloc((size_t)n);
    if (!data)
      return 0;
    memcpy(data, der, (size_t)n);
    OPENSSL_free(der);
    len = (size_t)n;
  }
  out->data = data;
  out->len = len;
  return 1;
}

static int usage(void) {
  fprintf(stderr, "usage: see tests/fetch/fetch_probe.c\n");
  return 2;
}

static int fail(const kyso_error *err) {
  printf("ERROR %s %s\n", kyso_status_name(err->code), err->message);
  return 1;
}

static int cmd_http(kyso_fetch_config *c, int argc, char **argv) {
  const char *url = NULL, *post = NULL, *type = NULL, *out = NULL;
  size_t max = KYSO_LIMIT_LTV_RESPONSE_SIZE, body_len = 0, len = 0;
  uint8_t *body = NULL, *data = NULL;
  kyso_error err;
  int i, rc;

  for (i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--post") == 0 && i + 1 < argc)
      post = argv[++i];
    else if (strcmp(argv[i], "--type") == 0 && i + 1 < argc)
      type = argv[++i];
    else if (strcmp(argv[i], "--max") == 0 && i + 1 < argc)
      max = (size_t)strtoull(argv[++i], NULL, 10);
    else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
      out = argv[++i];
    else if (!url)
      url = argv[i];
    else
      return usage();
  }
  if (!url)
    return usage();
  if (post && !read_file(post, &body, &body_len)) {
    fprintf(stderr, "cannot read %s\n", post);
    return 2;
  }
  memset(&err, 0, sizeof(err));
  if (kyso_fetch_http(c, url, type, post ? (body ? body : (uint8_t *)"") : NULL,
                      body_len, max, &data, &len, &err) != KYSO_OK) {
    rc = fail(&err);
  } else {
    printf("OK %zu\n", len);
    rc = out && !write_file(out, data, len) ? 2 : 0;
  }
  free(body);
  free(data);
  return rc;
}

static const char *cert_status_name(kyso_ltv_cert_status s) {
  switch (s) {
  case KYSO_LTV_GOOD: return "GOOD";
  case KYSO_LTV_REVOKED: return "REVOKED";
  case KYSO_LTV_UNKNOWN: return "UNKNOWN";
  }
  return "?";
}

static int cmd_revocation(kyso_fetch_config *c, int64_t now, int argc,
                          char **argv) {
  kyso_blob certs[64], issuers[64];
  size_t count = 0, i;
  const char *out_dir = NULL;
  kyso_fetch_revocation *r = NULL;
  kyso_error err;
  char path[4096], *colon;
  int rc = 1, a;

  memset(certs, 0, sizeof(certs));
  memset(issuers, 0, sizeof(issuers));
  for (a = 0; a < argc; a++) {
    if (strcmp(argv[a], "--out-dir") == 0 && a + 1 < argc) {
      out_dir = argv[++a];
      continue;
    }
    if (count == 64)
      return usage();
    colon = strchr(argv[a], ':');
    if (colon)
      *colon = '\0';
    if (!read_cert(argv[a], &certs[count]) ||
        (colon && colon[1] && !read_cert(colon + 1, &issuers[count]))) {
      fprintf(stderr, "cannot read a certificate of %s\n", argv[a]);
      rc = 2;
      goto done;
    }
    count++;
  }
  if (count == 0)
    return usage();
  memset(&err, 0, sizeof(err));
  if (kyso_fetch_revocation_new(c, certs, issuers, count, now, &r, &err) !=
      KYSO_OK) {
    rc = fail(&err);
    goto done;
  }
  for (i = 0; i < r->count; i++) {
    const kyso_fetch_status *st = &r->status[i];
    printf("cert %zu: %s %s cache=%d index=%zu issuer_fetched=%d error=%s "
           "url=%s msg=%s\n",
           i,
           st->kind == KYSO_FETCH_OCSP  ? "OCSP"
           : st->kind == KYSO_FETCH_CRL ? "CRL"
                                        : "NONE",
           st->kind == KYSO_FETCH_NONE ? "-"
                                       : cert_status_name(st->answer.status),
           st->from_cache, st->data_index, st->issuer_der != NULL,
           kyso_status_name(st->error), st->error_url, st->error_message);
    if (out_dir && st->issuer_der) {
      snprintf(path, sizeof(path), "%s/issuer-%zu.der", out_dir, i);
      write_file(path, st->issuer_der, st->issuer_len);
    }
  }
  printf("ocsps=%zu crls=%zu\n", r->ocsp_count, r->crl_count);
  for (i = 0; out_dir && i < r->ocsp_count; i++) {
    snprintf(path, sizeof(path), "%s/ocsp-%zu.der", out_dir, i);
    write_file(path, r->ocsps[i].data, r->ocsps[i].len);
  }
  for (i = 0; out_dir && i < r->crl_count; i++) {
    snprintf(path, sizeof(path), "%s/crl-%zu.der", out_dir, i);
    write_file(path, r->crls[i].data, r->crls[i].len);
  }
  rc = 0;

done:
  kyso_fetch_revocation_free(r);
  for (i = 0; i < 64; i++) {
    free((void *)certs[i].data);
    free((void *)issuers[i].data);
  }
  return rc;
}

static int hex_decode(const char *hex, uint8_t *out, size_t max, size_t *len) {
  size_t n = strlen(hex), i;
  unsigned v;
  if (n % 2 || n / 2 > max)
    return 0;
  for (i = 0; i < n / 2; i++) {
    if (sscanf(hex + 2 * i, "%2x", &v) != 1)
      return 0;
    out[i] = (uint8_t)v;
  }
  *len = n / 2;
  return 1;
}

static int cmd_timestamp(kyso_fetch_config *c, int64_t now, int argc,
                         char **argv) {
  kyso_blob anchors[8], inter[8];
  size_t na = 0, ni = 0, digest_len = 0, token_len = 0, i;
  const char *url = NULL, *out = NULL, *data_path = NULL;
  uint8_t digest[64], *token = NULL, *data = NULL;
  size_t data_len = 0;
  kyso_digest alg = KYSO_DIGEST_SHA256;
  int64_t gen_time = 0;
  kyso_error err;
  int a, rc = 2;
  unsigned int md_len = 0;

  memset(anchors, 0, sizeof(anchors));
  memset(inter, 0, sizeof(inter));
  for (a = 0; a < argc; a++) {
    if (strcmp(argv[a], "--anchor") == 0 && a + 1 < argc && na < 8) {
      if (!read_cert(argv[++a], &anchors[na++]))
        goto done;
    } else if (strcmp(argv[a], "--intermediate") == 0 && a + 1 < argc &&
               ni < 8) {
      if (!read_cert(argv[++a], &inter[ni++]))
        goto done;
    } else if (strcmp(argv[a], "--digest") == 0 && a + 1 < argc) {
      if (!hex_decode(argv[++a], digest, sizeof(digest), &digest_len))
        goto done;
    } else if (strcmp(argv[a], "--data") == 0 && a + 1 < argc) {
      data_path = argv[++a];
    } else if (strcmp(argv[a], "--alg") == 0 && a + 1 < argc) {
      a++;
      alg = strcmp(argv[a], "sha384") == 0   ? KYSO_DIGEST_SHA384
            : strcmp(argv[a], "sha512") == 0 ? KYSO_DIGEST_SHA512
                                             : KYSO_DIGEST_SHA256;
    } else if (strcmp(argv[a], "--url") == 0 && a + 1 < argc) {
      url = argv[++a];
    } else if (strcmp(argv[a], "--out") == 0 && a + 1 < argc) {
      out = argv[++a];
    } else {
      goto done;
    }
  }
  if (data_path) {
    if (!read_file(data_path, &data, &data_len) ||
        !EVP_Digest(data, data_len, digest, &md_len,
                    alg == KYSO_DIGEST_SHA384   ? EVP_sha384()
                    : alg == KYSO_DIGEST_SHA512 ? EVP_sha512()
                                                : EVP_sha256(),
                    NULL))
      goto done;
    digest_len = md_len;
  }
  memset(&err, 0, sizeof(err));
  if (kyso_fetch_timestamp(c, url, alg, digest, digest_len, anchors, na, inter,
                           ni, now, &token, &token_len, &gen_time,
                           &err) != KYSO_OK) {
    rc = fail(&err);
    goto done;
  }
  printf("OK gen_time=%lld bytes=%zu\n", (long long)gen_time, token_len);
  rc = out && !write_file(out, token, token_len) ? 2 : 0;

done:
  if (rc == 2)
    fprintf(stderr, "timestamp: bad arguments\n");
  free(token);
  free(data);
  for (i = 0; i < na; i++)
    free((void *)anchors[i].data);
  for (i = 0; i < ni; i++)
    free((void *)inter[i].data);
  return rc;
}

/* config.cancelled: 1 once the file named by ctx exists. */
static int on_cancel_poll(void *ctx) {
  return access((const char *)ctx, F_OK) == 0;
}

int main(int argc, char **argv) {
  kyso_fetch_config c;
  kyso_error err;
  int a = 1, rc;
  int64_t now = (int64_t)time(NULL);

  if (kyso_fetch_config_init(&c, &err) != KYSO_OK)
    return fail(&err);
  c.log = on_log;
  for (; a < argc && strncmp(argv[a], "--", 2) == 0; a++) {
    if (strcmp(argv[a], "--config") == 0 && a + 1 < argc) {
      if (kyso_fetch_config_load(&c, argv[++a], &err) != KYSO_OK) {
        rc = fail(&err);
        kyso_fetch_config_clear(&c);
        return rc;
      }
    } else if (strcmp(argv[a], "--cache") == 0 && a + 1 < argc) {
      free(c.cache_dir);
      c.cache_dir = strdup(argv[++a]);
    } else if (strcmp(argv[a], "--allow-loopback") == 0) {
      c.allow_loopback_urls = 1;
    } else if (strcmp(argv[a], "--cancel-file") == 0 && a + 1 < argc) {
      c.cancelled = on_cancel_poll;
      c.cancel_ctx = argv[++a];
    } else if (strcmp(argv[a], "--now") == 0 && a + 1 < argc) {
      now = (int64_t)strtoll(argv[++a], NULL, 10);
    } else {
      kyso_fetch_config_clear(&c);
      return usage();
    }
  }
  if (a >= argc)
    rc = usage();
  else if (strcmp(argv[a], "http") == 0)
    rc = cmd_http(&c, argc - a - 1, argv + a + 1);
  else if (strcmp(argv[a], "revocation") == 0)
    rc = cmd_revocation(&c, now, argc - a - 1, argv + a + 1);
  else if (strcmp(argv[a], "timestamp") == 0)
    rc = cmd_timestamp(&c, now, argc - a - 1, argv + a + 1);
  else
    rc = usage();
  kyso_fetch_config_clear(&c);
  return rc;
}
