/*
 * host_assemble.c - the browser's half of signing, for the host tests: the
 * core's two phases around a signature that kyso-host made.
 *
 *   host_assemble prepare CERT.pem IN.pdf ATTRS.der
 *   host_assemble finish  CERT.pem IN.pdf SIG.bin OUT.pdf
 *
 * prepare writes the SignedAttributes to send to the host; finish prepares
 * again (kyso_sig_prepare is deterministic for the same input, options and
 * time) and checks the attributes are the same bytes, then finishes with
 * the host's signature value and writes IN.pdf + update to OUT.pdf.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "kyso/sign.h"

#define SIGNING_TIME 1733884215 /* 2024-12-11 02:30:15 UTC */
#define FILE_MAX (64 * 1024 * 1024)

static uint8_t *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  uint8_t *buf = NULL;
  long n;

  if (!f)
    return NULL;
  if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && n <= FILE_MAX &&
      fseek(f, 0, SEEK_SET) == 0) {
    buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
      free(buf);
      buf = NULL;
    }
    *len = (size_t)n;
  }
  fclose(f);
  return buf;
}

static int spit(const char *path, const uint8_t *a, size_t an, const uint8_t *b,
                size_t bn) {
  FILE *f = fopen(path, "wb");
  int ok = f && fwrite(a, 1, an, f) == an && (!b || fwrite(b, 1, bn, f) == bn);
  if (f && fclose(f) != 0)
    ok = 0;
  return ok;
}

int main(int argc, char **argv) {
  int finish = argc == 6 && strcmp(argv[1], "finish") == 0;
  int ret = 1;
  FILE *f = NULL;
  X509 *cert = NULL;
  unsigned char *der = NULL;
  int der_len;
  uint8_t *pdf = NULL, *sig = NULL;
  size_t pdf_len = 0, sig_len = 0, attrs_len, upd_len;
  const uint8_t *attrs, *upd;
  kyso_sign_options opt;
  kyso_sig_session *s = NULL;
  kyso_error err;

  if (!finish && !(argc == 5 && strcmp(argv[1], "prepare") == 0)) {
    fprintf(stderr, "usage: host_assemble prepare|finish ...\n");
    return 2;
  }
  f = fopen(argv[2], "r");
  cert = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
  der_len = cert ? i2d_X509(cert, &der) : -1;
  pdf = slurp(argv[3], &pdf_len);
  if (der_len <= 0 || !pdf) {
    fprintf(stderr, "host_assemble: cannot read inputs\n");
    goto done;
  }
  kyso_sign_options_init(&opt);
  opt.certificate.data = der;
  opt.certificate.len = (size_t)der_len;
  opt.signing_time = SIGNING_TIME;
  opt.reason = "kyso-host test";
  if (kyso_sig_prepare(pdf, pdf_len, &opt, &s, &err) != KYSO_OK) {
    fprintf(stderr, "host_assemble: prepare: %s\n", err.message);
    goto done;
  }
  attrs = kyso_sig_session_get_signed_attrs(s, &attrs_len);
  if (!finish) {
    ret = spit(argv[4], attrs, attrs_len, NULL, 0) ? 0 : 1;
    goto done;
  }
  sig = slurp(argv[4], &sig_len);
  if (!sig || kyso_sig_finish(s, sig, sig_len, &err) != KYSO_OK) {
    fprintf(stderr, "host_assemble: finish: %s\n",
            sig ? err.message : "no signature file");
    goto done;
  }
  upd = kyso_sig_session_get_update(s, &upd_len);
  ret = spit(argv[5], pdf, pdf_len, upd, upd_len) ? 0 : 1;

done:
  kyso_sig_session_free(s);
  free(pdf);
  free(sig);
  OPENSSL_free(der);
  X509_free(cert);
  if (f)
    fclose(f);
  return ret;
}
