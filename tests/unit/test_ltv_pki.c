/*
 * test_ltv_pki.c - CA hierarchy, CRLs and openssl-made timestamp tokens for
 * the LTV unit tests; see test_ltv_pki.h.
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, popen, under -std=c11 */

#include "test_ltv_pki.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "kyso/verify.h"
#include "test_pki.h"

static char workdir[256];

const char *tl_workdir(void) {
  const char *tmp;
  if (workdir[0])
    return workdir;
  tmp = getenv("TMPDIR");
  snprintf(workdir, sizeof(workdir), "%s/kyso-ltv-XXXXXX",
           tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(workdir)) {
    perror("mkdtemp");
    abort();
  }
  return workdir;
}

int tl_run(const char *fmt, ...) {
  char cmd[4096];
  va_list ap;
  int rc;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof(cmd), fmt, ap);
  va_end(ap);
  rc = system(cmd);
  if (rc == -1)
    return -1;
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

int tl_write_file(const char *name, const uint8_t *data, size_t len) {
  char path[512];
  FILE *f;
  int ok;
  snprintf(path, sizeof(path), "%s/%s", tl_workdir(), name);
  f = fopen(path, "wb");
  if (!f)
    return 0;
  ok = fwrite(data, 1, len, f) == len;
  return fclose(f) == 0 && ok;
}

uint8_t *tl_read_file(const char *name, size_t *len) {
  char path[512];
  FILE *f;
  uint8_t *buf = NULL;
  long n;
  snprintf(path, sizeof(path), "%s/%s", tl_workdir(), name);
  f = fopen(path, "rb");
  if (!f)
    return NULL;
  if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
      fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n)) != NULL &&
      fread(buf, 1, (size_t)n, f) == (size_t)n) {
    *len = (size_t)n;
  } else {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  return buf;
}

/* ---- certificates -------------------------------------------------------- */

int tl_cert_new(tl_cert *out, tl_kind kind, const char *cn, uint64_t serial,
                const tl_cert *issuer) {
  X509 *x = X509_new();
  X509_NAME *name = X509_NAME_new();
  EVP_PKEY *key = test_pki_key_new("EC", 0, "P-256");
  unsigned char *der = NULL;
  int n, ok = 0;

  memset(out, 0, sizeof(*out));
  if (!x || !name || !key || (kind != TL_ROOT && !issuer))
    goto done;
  X509_set_version(x, 2);
  ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial);
  X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC,
                             (const unsigned char *)"VN", -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             (const unsigned char *)cn, -1, -1, 0);
  X509_set_subject_name(x, name);
  X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer->x) : name);
  ASN1_TIME_set(X509_getm_notBefore(x), TEST_PKI_NOT_BEFORE);
  X509_gmtime_adj(X509_getm_notAfter(x), 3650L * 24 * 3600);
  X509_set_pubkey(x, key);
  test_pki_add_ext(x, NULL, NID_subject_key_identifier, "hash");
  if (issuer)
    test_pki_add_ext(x, issuer->x, NID_authority_key_identifier,
                     "keyid:always");
  switch (kind) {
  case TL_ROOT:
  case TL_CA:
    test_pki_add_ext(x, NULL, NID_basic_constraints, "critical,CA:TRUE");
    test_pki_add_ext(x, NULL, NID_key_usage, "critical,keyCertSign,cRLSign");
    break;
  case TL_LEAF:
    test_pki_add_ext(x, NULL, NID_basic_constraints, "critical,CA:FALSE");
    test_pki_add_ext(x, NULL, NID_key_usage,
                     "critical,digitalSignature,nonRepudiation");
    break;
  case TL_TSA:
    test_pki_add_ext(x, NULL, NID_basic_constraints, "critical,CA:FALSE");
    test_pki_add_ext(x, NULL, NID_key_usage, "critical,digitalSignature");
    test_pki_add_ext(x, NULL, NID_ext_key_usage, "critical,timeStamping");
    break;
  }
  if (X509_sign(x, issuer ? issuer->key : key, EVP_sha256()) <= 0)
    goto done;
  n = i2d_X509(x, &der);
  if (n <= 0)
    goto done;
  out->key = key;
  out->x = x;
  out->der = der;
  out->len = (size_t)n;
  key = NULL;
  x = NULL;
  ok = 1;
done:
  if (!ok)
    fprintf(stderr, "tl_cert_new %s failed\n", cn);
  X509_NAME_free(name);
  X509_free(x);
  EVP_PKEY_free(key);
  return ok;
}

void tl_cert_free(tl_cert *c) {
  EVP_PKEY_free(c->key);
  X509_free(c->x);
  OPENSSL_free(c->der);
  memset(c, 0, sizeof(*c));
}

uint8_t *tl_crl_new(const tl_cert *issuer, int64_t this_update,
                    int64_t next_update, const uint64_t *revoked,
                    size_t nrevoked, size_t *len) {
  X509_CRL *crl = X509_CRL_new();
  ASN1_TIME *t = NULL;
  unsigned char *der = NULL;
  size_t i;
  int n;

  *len = 0;
  if (!crl || X509_CRL_set_version(crl, 1) != 1 ||
      X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer->x)) != 1)
    goto done;
  t = ASN1_TIME_set(NULL, (time_t)this_update);
  if (!t || X509_CRL_set1_lastUpdate(crl, t) != 1)
    goto done;
  if (next_update) {
    ASN1_TIME_free(t);
    t = ASN1_TIME_set(NULL, (time_t)next_update);
    if (!t || X509_CRL_set1_nextUpdate(crl, t) != 1)
      goto done;
  }
  for (i = 0; i < nrevoked; i++) {
    X509_REVOKED *r = X509_REVOKED_new();
    ASN1_INTEGER *serial = ASN1_INTEGER_new();
    ASN1_TIME *when = ASN1_TIME_set(NULL, (time_t)(this_update - 60));
    int added = r && serial && when &&
                ASN1_INTEGER_set_uint64(serial, revoked[i]) == 1 &&
                X509_REVOKED_set_serialNumber(r, serial) == 1 &&
                X509_REVOKED_set_revocationDate(r, when) == 1 &&
                X509_CRL_add0_revoked(crl, r) == 1;
    ASN1_INTEGER_free(serial);
    ASN1_TIME_free(when);
    if (!added) {
      X509_REVOKED_free(r);
      goto done;
    }
  }
  X509_CRL_sort(crl);
  if (X509_CRL_sign(crl, issuer->key, EVP_sha256()) <= 0)
    goto done;
  n = i2d_X509_CRL(crl, &der);
  if (n > 0)
    *len = (size_t)n;
done:
  ASN1_TIME_free(t);
  X509_CRL_free(crl);
  ERR_clear_error();
  return der;
}

/* ---- timestamp tokens ---------------------------------------------------- */

static int write_pem_cert(const char *name, X509 *x) {
  char path[512];
  FILE *f;
  int ok;
  snprintf(path, sizeof(path), "%s/%s", tl_workdir(), name);
  f = fopen(path, "w");
  if (!f)
    return 0;
  ok = PEM_write_X509(f, x) == 1;
  return fclose(f) == 0 && ok;
}

static int write_pem_key(const char *name, EVP_PKEY *k) {
  char path[512];
  FILE *f;
  int ok;
  snprintf(path, sizeof(path), "%s/%s", tl_workdir(), name);
  f = fopen(path, "w");
  if (!f)
    return 0;
  ok = PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) == 1;
  return fclose(f) == 0 && ok;
}

static const char tsa_conf[] = "[tsa]\n"
                               "default_tsa = tsa1\n"
                               "[tsa1]\n"
                               "serial = %s/tsaserial\n"
                               "crypto_device = builtin\n"
                               "signer_digest = sha256\n"
                               "default_policy = 1.2.3.4.1\n"
                               "digests = sha256, sha384, sha512\n"
                               "accuracy = secs:1\n"
                               "ordering = yes\n"
                               "tsa_name = no\n"
                               "ess_cert_id_chain = no\n"
                               "ess_cert_id_alg = sha256\n";

uint8_t *tl_ts_token(const tl_cert *tsa, const tl_cert *const *chain,
                     size_t nchain, kyso_digest d, const uint8_t *md,
                     size_t md_len, size_t *len) {
  static const char *const alg[] = {"sha256", "sha384", "sha512"};
  const char *dir = tl_workdir();
  char conf[1024], hex[2 * 64 + 1], path[512];
  FILE *f;
  size_t i;
  int rc;

  *len = 0;
  if (md_len > 64 || (unsigned)d > 2)
    return NULL;
  for (i = 0; i < md_len; i++)
    snprintf(hex + 2 * i, 3, "%02x", md[i]);
  hex[2 * md_len] = '\0';
  snprintf(conf, sizeof(conf), tsa_conf, dir);
  if (!tl_write_file("tsa.cnf", (const uint8_t *)conf, strlen(conf)) ||
      !write_pem_cert("tsa.pem", tsa->x) || !write_pem_key("tsa.key", tsa->key))
    return NULL;
  snprintf(path, sizeof(path), "%s/tsachain.pem", dir);
  f = fopen(path, "w");
  if (!f)
    return NULL;
  for (i = 0; i < nchain; i++)
    PEM_write_X509(f, chain[i]->x);
  PEM_write_X509(f, tsa->x);
  fclose(f);
  rc = tl_run("cd '%s' && openssl ts -query -%s -digest %s -cert -no_nonce "
              "-out req.tsq 2>ts.err && openssl ts -reply -config tsa.cnf "
              "-queryfile req.tsq -signer tsa.pem -inkey tsa.key -chain "
              "tsachain.pem -token_out -out token.der 2>>ts.err",
              dir, alg[d], hex);
  if (rc != 0) {
    fprintf(stderr, "openssl ts failed (%d); see %s/ts.err\n", rc, dir);
    return NULL;
  }
  return tl_read_file("token.der", len);
}

/* ---- signing ------------------------------------------------------------- */

static int append(uint8_t **data, size_t *len, const uint8_t *u, size_t ulen) {
  uint8_t *p = realloc(*data, *len + ulen);
  if (!p)
    return 0;
  memcpy(p + *len, u, ulen);
  *data = p;
  *len += ulen;
  return 1;
}

int tl_sign_pdf(uint8_t **data, size_t *len, const char *field,
                const tl_cert *signer, const tl_cert *const *chain,
                size_t nchain, const tl_cert *tsa,
                const tl_cert *const *tsa_chain, size_t ntsa_chain) {
  kyso_sign_options o;
  kyso_sig_session *s = NULL;
  kyso_error err;
  kyso_blob cb[8];
  const uint8_t *attrs, *update;
  uint8_t *sig = NULL, *token = NULL, imprint[64];
  size_t attrs_len = 0, sig_len = 0, token_len = 0, imprint_len = 0, ulen = 0,
         i;
  int ok = 0;

  kyso_error_clear(&err);
  kyso_sign_options_init(&o);
  o.certificate = tl_blob(signer);
  for (i = 0; i < nchain && i < 8; i++)
    cb[i] = tl_blob(chain[i]);
  o.chain = cb;
  o.chain_count = nchain;
  o.signing_time = (int64_t)time(NULL) - 120;
  o.field_name = field;
  if (kyso_sig_prepare(*data, *len, &o, &s, &err) != KYSO_OK)
    goto done;
  attrs = kyso_sig_session_get_signed_attrs(s, &attrs_len);
  sig =
      test_pki_sign(signer->key, kyso_sig_session_get_digest(s),
                    kyso_sig_session_get_scheme(s), attrs, attrs_len, &sig_len);
  if (!sig)
    goto done;
  if (tsa) {
    if (kyso_sig_timestamp_imprint(kyso_sig_session_get_digest(s), sig, sig_len,
                                   imprint, &imprint_len, &err) != KYSO_OK)
      goto done;
    token =
        tl_ts_token(tsa, tsa_chain, ntsa_chain, kyso_sig_session_get_digest(s),
                    imprint, imprint_len, &token_len);
    if (!token || kyso_sig_finish_timestamped(s, sig, sig_len, token, token_len,
                                              &err) != KYSO_OK)
      goto done;
  } else if (kyso_sig_finish(s, sig, sig_len, &err) != KYSO_OK) {
    goto done;
  }
  update = kyso_sig_session_get_update(s, &ulen);
  ok = update && append(data, len, update, ulen);
done:
  if (!ok)
    fprintf(stderr, "tl_sign_pdf failed: %s\n", err.message);
  free(token);
  OPENSSL_free(sig);
  kyso_sig_session_free(s);
  return ok;
}

int tl_doc_timestamp(uint8_t **data, size_t *len, const tl_cert *tsa,
                     const tl_cert *const *tsa_chain, size_t ntsa_chain,
                     uint8_t **token_out, size_t *token_len) {
  kyso_doc_timestamp_options o;
  kyso_sig_session *s = NULL;
  kyso_error err;
  uint8_t md[64], *token = NULL;
  const uint8_t *update;
  size_t md_len = 0, tlen = 0, ulen = 0;
  int ok = 0;

  kyso_error_clear(&err);
  kyso_doc_timestamp_options_init(&o);
  if (kyso_doc_timestamp_prepare(*data, *len, &o, &s, &err) != KYSO_OK ||
      kyso_doc_timestamp_imprint(s, md, &md_len, &err) != KYSO_OK)
    goto done;
  token = tl_ts_token(tsa, tsa_chain, ntsa_chain, o.digest, md, md_len, &tlen);
  if (!token || kyso_doc_timestamp_finish(s, token, tlen, &err) != KYSO_OK)
    goto done;
  update = kyso_sig_session_get_update(s, &ulen);
  ok = update && append(data, len, update, ulen);
  if (ok && token_out) {
    *token_out = token;
    *token_len = tlen;
    token = NULL;
  }
done:
  if (!ok)
    fprintf(stderr, "tl_doc_timestamp failed: %s\n", err.message);
  free(token);
  kyso_sig_session_free(s);
  return ok;
}

/* ---- reading back -------------------------------------------------------- */

static int hexval(int c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

uint8_t *tl_contents_of(const uint8_t *pdf, size_t len, size_t n,
                        size_t *out_len) {
  int64_t ranges[16][4];
  size_t count = 0, i, k = 0;
  kyso_error err;
  uint8_t *out;
  const uint8_t *p, *end;

  if (kyso_verify_list_byte_ranges(pdf, len, ranges, 16, &count, &err) !=
          KYSO_OK ||
      n >= count)
    return NULL;
  p = pdf + ranges[n][1];
  end = pdf + ranges[n][2];
  if (p >= end || *p != '<' || end[-1] != '>')
    return NULL;
  out = malloc((size_t)(end - p) / 2 + 1);
  if (!out)
    return NULL;
  for (i = 1; i + 1 < (size_t)(end - p) - 1; i += 2) {
    int hi = hexval(p[i]), lo = hexval(p[i + 1]);
    if (hi < 0 || lo < 0) {
      free(out);
      return NULL;
    }
    out[k++] = (uint8_t)(hi * 16 + lo);
  }
  *out_len = k;
  return out;
}

int tl_openssl_sha1(const char *name, uint8_t out[20]) {
  char cmd[600], line[256];
  FILE *p;
  size_t i;
  int ok = 0;
  char *eq;

  snprintf(cmd, sizeof(cmd), "openssl dgst -sha1 '%s/%s'", tl_workdir(), name);
  p = popen(cmd, "r");
  if (!p)
    return 0;
  if (fgets(line, sizeof(line), p) && (eq = strstr(line, "= ")) != NULL &&
      strlen(eq + 2) >= 40) {
    ok = 1;
    for (i = 0; i < 20 && ok; i++) {
      int hi = hexval(eq[2 + 2 * i]), lo = hexval(eq[3 + 2 * i]);
      if (hi < 0 || lo < 0)
        ok = 0;
      else
        out[i] = (uint8_t)(hi * 16 + lo);
    }
  }
  if (pclose(p) != 0)
    ok = 0;
  return ok;
}
