/*
 * host_attrs_blobs.c - writes the SignedAttributes of the strict-profile
 * table (tests/unit/test_attrs.c) for the certificates of the host test's
 * token, and the "detached CAdES over a contract text, backdated to 2019"
 * reproduction, for attrs_profile_test.sh to send through the real
 * kyso-host.
 *
 *   host_attrs_blobs OUTDIR CONTRACT CERT.pem...
 *
 * OUTDIR/rows.tsv gets one line per blob: file, certificate file, the
 * status kyso_cms_attrs_check gives (checked here against the table: a
 * difference exits 1), and its message, which the host must pass on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "base/buf.h"
#include "kyso/cms.h"
#include "test_attrs.h"
#include "test_pki.h"

enum { CONTRACT_MAX = 1024 * 1024, PATH_MAX_BYTES = 4096 };

static int write_file(const char *path, const kyso_buf *b) {
  FILE *f = fopen(path, "wb");
  int ok = f && fwrite(b->data, 1, b->len, f) == b->len;

  if (f && fclose(f) != 0)
    ok = 0;
  return ok;
}

/* Checks blob against cert with the core, writes it and its manifest line;
 * 0 on a status other than want or an I/O failure. */
static int emit(FILE *rows, const char *dir, const char *name,
                const char *cert_path, const uint8_t *der, size_t der_len,
                const kyso_buf *blob, kyso_status want) {
  char path[PATH_MAX_BYTES];
  kyso_cms_attrs_info info;
  kyso_error err;
  kyso_status s;

  err.message[0] = '\0';
  s = kyso_cms_attrs_check(blob->data, blob->len, der, der_len, &info, &err);
  if (s != want) {
    fprintf(stderr, "host_attrs_blobs: %s: status %d, want %d (%s)\n", name,
            (int)s, (int)want, err.message);
    return 0;
  }
  snprintf(path, sizeof(path), "%s/%s.der", dir, name);
  if (!write_file(path, blob)) {
    fprintf(stderr, "host_attrs_blobs: cannot write %s\n", path);
    return 0;
  }
  fprintf(rows, "%s.der\t%s\t%d\t%s\n", name, cert_path, (int)s,
          s == KYSO_OK ? "" : err.message);
  return 1;
}

int main(int argc, char **argv) {
  int ret = 1, i;
  size_t k, n;
  FILE *rows = NULL, *f;
  char path[PATH_MAX_BYTES], name[256];
  static uint8_t contract[CONTRACT_MAX];
  uint8_t md[32];
  unsigned int md_len = 0;
  EVP_PKEY *other_key = NULL;
  X509 *other_x = NULL, *x = NULL;
  uint8_t *other_der = NULL, *der = NULL;
  size_t other_len = 0;
  kyso_buf blob;

  kyso_buf_init(&blob);
  if (argc < 4) {
    fprintf(stderr, "usage: host_attrs_blobs OUTDIR CONTRACT CERT.pem...\n");
    return 2;
  }
  f = fopen(argv[2], "rb");
  n = f ? fread(contract, 1, sizeof(contract), f) : 0;
  if (f)
    fclose(f);
  if (!f || EVP_Digest(contract, n, md, &md_len, EVP_sha256(), NULL) != 1) {
    fprintf(stderr, "host_attrs_blobs: cannot read %s\n", argv[2]);
    goto done;
  }
  /* "another certificate" for the rows naming one: made here */
  other_key = test_pki_key_new("EC", 0, "P-256");
  if (!test_pki_cert_self_signed(other_key, 77, "VN", "Lê Văn C", 365, &other_x,
                                 &other_der, &other_len))
    goto done;
  snprintf(path, sizeof(path), "%s/rows.tsv", argv[1]);
  rows = fopen(path, "w");
  if (!rows)
    goto done;
  for (i = 3; i < argc; i++) {
    EVP_PKEY *key;
    test_attrs_key kind;
    int len;
    kyso_blob cert, other = {other_der, other_len};
    const char *base = strrchr(argv[i], '/');

    base = base ? base + 1 : argv[i];
    f = fopen(argv[i], "r");
    x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f)
      fclose(f);
    len = x ? i2d_X509(x, &der) : -1;
    key = x ? X509_get0_pubkey(x) : NULL;
    if (len <= 0 || !key) {
      fprintf(stderr, "host_attrs_blobs: %s is not a PEM certificate\n",
              argv[i]);
      goto done;
    }
    kind = EVP_PKEY_is_a(key, "EC") ? TEST_ATTRS_KEY_EC : TEST_ATTRS_KEY_RSA;
    cert.data = der;
    cert.len = (size_t)len;
    for (k = 0; k < test_attrs_case_count; k++) {
      const test_attrs_case *c = &test_attrs_cases[k];
      if (!test_attrs_case_fits(c, kind))
        continue;
      kyso_buf_free(&blob);
      kyso_buf_init(&blob);
      snprintf(name, sizeof(name), "%.*s-%s", (int)strcspn(base, "."), base,
               c->name);
      if (test_attrs_build(c, cert, other, &blob) != 0 ||
          !emit(rows, argv[1], name, argv[i], der, (size_t)len, &blob, c->want))
        goto done;
    }
    kyso_buf_free(&blob);
    kyso_buf_init(&blob);
    snprintf(name, sizeof(name), "%.*s-cades-contract-backdated-2019",
             (int)strcspn(base, "."), base);
    if (test_attrs_build_cades(cert, md, &blob) != 0 ||
        !emit(rows, argv[1], name, argv[i], der, (size_t)len, &blob,
              KYSO_ERR_SIGN_ATTRS))
      goto done;
    OPENSSL_free(der);
    der = NULL;
    X509_free(x);
    x = NULL;
  }
  ret = 0;
done:
  if (rows && fclose(rows) != 0)
    ret = 1;
  kyso_buf_free(&blob);
  OPENSSL_free(der);
  X509_free(x);
  OPENSSL_free(other_der);
  X509_free(other_x);
  EVP_PKEY_free(other_key);
  return ret;
}
