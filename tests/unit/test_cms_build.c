/*
 * test_cms_build.c - the DER writer and the CMS pieces of a PAdES signature.
 *
 * Keys and self-signed certificates are made in process (RSA-2048/3072,
 * EC P-256/384/521, a Vietnamese UTF-8 CN). For every key, digest and
 * scheme: digest content, build SignedAttributes, sign them with OpenSSL
 * EVP as a token would, check the value, build the SignedData, then verify
 * it independently with OpenSSL's CMS code (and, for two cases, with the
 * openssl command line). Errors are checked one by one.
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, under -std=c11 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/ess.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "check.h"
#include "cms/cms_build.h"
#include "cms/der_write.h"
#include "kyso/limits.h"
#include "test_pki.h"

#define SIGNER_CN "Nguy\xe1\xbb\x85n V\xc4\x83n A" /* Nguyễn Văn A */

typedef struct test_key {
  const char *label;
  const char *type;  /* "RSA" or "EC" */
  const char *curve; /* EC only */
  size_t bits;       /* RSA only */
  EVP_PKEY *key;
  X509 *cert;
  uint8_t *der;
  size_t der_len;
} test_key;

static const uint8_t *content_bytes(size_t *len) {
  static uint8_t content[1500];
  size_t i;

  memcpy(content, "%PDF-1.7\n", 9);
  for (i = 9; i < sizeof(content); i++)
    content[i] = (uint8_t)(i * 31 + 7);
  *len = sizeof(content);
  return content;
}

static kyso_blob blob(const uint8_t *data, size_t len) {
  kyso_blob b;
  b.data = data;
  b.len = len;
  return b;
}

/* A self-signed certificate for a new key with a UTF-8 CN; the serial has
 * its top bit set: the DER INTEGER needs a leading zero octet. */
static int make_cert(test_key *k) {
  k->key = test_pki_key_new(k->type, k->bits, k->curve);
  return k->key && test_pki_cert_self_signed(k->key, 0x8a1b2c3d4e5f6071ULL,
                                             "VN", SIGNER_CN, 365, &k->cert,
                                             &k->der, &k->der_len);
}

static void free_key(test_key *k) {
  EVP_PKEY_free(k->key);
  X509_free(k->cert);
  OPENSSL_free(k->der);
  k->key = NULL;
  k->cert = NULL;
  k->der = NULL;
}

static CMS_ContentInfo *cms_parse(const uint8_t *der, size_t len) {
  const unsigned char *p = der;
  CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
  if (cms && p != der + len) {
    CMS_ContentInfo_free(cms);
    cms = NULL;
  }
  return cms;
}

/* CMS_verify with cert as the only trust anchor and content detached. */
static int cms_verify(CMS_ContentInfo *cms, X509 *cert, const uint8_t *content,
                      size_t content_len) {
  X509_STORE *store = X509_STORE_new();
  BIO *bio = BIO_new_mem_buf(content, (int)content_len);
  int ok = 0;

  if (store && bio && X509_STORE_add_cert(store, cert) == 1)
    ok = CMS_verify(cms, NULL, store, bio, NULL, CMS_BINARY) == 1;
  ERR_clear_error();
  BIO_free(bio);
  X509_STORE_free(store);
  return ok;
}

/* No signing-time, a signing-certificate-v2 that OpenSSL's ESS code
 * accepts for cert and that is byte for byte what OpenSSL would make. */
static void check_attributes(CMS_ContentInfo *cms, X509 *cert, kyso_digest d) {
  STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
  CMS_SignerInfo *si = sis ? sk_CMS_SignerInfo_value(sis, 0) : NULL;
  X509_ATTRIBUTE *attr;
  ASN1_TYPE *value;
  ESS_SIGNING_CERT_V2 *ss = NULL;
  ESS_SIGNING_CERT_V2 *ref = NULL;
  STACK_OF(X509) *chain = NULL;
  unsigned char *ref_der = NULL;
  const unsigned char *p;
  int idx;
  int n;

  CHECK(sis && sk_CMS_SignerInfo_num(sis) == 1);
  if (!si)
    return;
  CHECK_EQ_INT(CMS_signed_get_attr_count(si), 3);
  CHECK(CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1) < 0);
  CHECK(CMS_signed_get_attr_by_NID(si, NID_pkcs9_contentType, -1) >= 0);
  CHECK(CMS_signed_get_attr_by_NID(si, NID_pkcs9_messageDigest, -1) >= 0);
  idx =
      CMS_signed_get_attr_by_NID(si, NID_id_smime_aa_signingCertificateV2, -1);
  CHECK(idx >= 0);
  if (idx < 0)
    return;
  attr = CMS_signed_get_attr(si, idx);
  CHECK_EQ_INT(X509_ATTRIBUTE_count(attr), 1);
  value = X509_ATTRIBUTE_get0_type(attr, 0);
  CHECK(value && value->type == V_ASN1_SEQUENCE);
  if (!value || value->type != V_ASN1_SEQUENCE)
    return;
  p = value->value.sequence->data;
  ss = d2i_ESS_SIGNING_CERT_V2(NULL, &p, value->value.sequence->length);
  CHECK(ss != NULL);
  chain = sk_X509_new_null();
  if (ss && chain && sk_X509_push(chain, cert) > 0)
    CHECK_EQ_INT(OSSL_ESS_check_signing_certs(NULL, ss, chain, 1), 1);
  ref = OSSL_ESS_signing_cert_v2_new_init(test_pki_md(d), cert, NULL, 1);
  n = ref ? i2d_ESS_SIGNING_CERT_V2(ref, &ref_der) : -1;
  CHECK(n > 0 && n == value->value.sequence->length &&
        memcmp(ref_der, value->value.sequence->data, (size_t)n) == 0);
  OPENSSL_free(ref_der);
  ESS_SIGNING_CERT_V2_free(ref);
  ESS_SIGNING_CERT_V2_free(ss);
  sk_X509_free(chain);
  ERR_clear_error();
}

/* Runs the whole pipeline for one key, digest and scheme. Keeps the CMS in
 * *cms_der (caller frees) when asked. */
static void run_case(const test_key *k, kyso_digest d, kyso_scheme scheme,
                     uint8_t **cms_der, size_t *cms_len) {
  size_t content_len;
  const uint8_t *content = content_bytes(&content_len);
  uint8_t md[64];
  uint8_t *flipped = NULL;
  uint8_t *sig = NULL;
  size_t sig_len = 0;
  kyso_blob parts[2];
  kyso_buf attrs;
  kyso_buf cms;
  kyso_error err;
  kyso_scheme resolved = KYSO_SCHEME_AUTO;
  CMS_ContentInfo *ci = NULL;
  unsigned char *reenc = NULL;
  int reenc_len;

  kyso_buf_init(&attrs);
  kyso_buf_init(&cms);
  kyso_error_clear(&err);

  /* two parts, as a PDF's two byte ranges */
  parts[0] = blob(content, 100);
  parts[1] = blob(content + 100, content_len - 100);
  CHECK_EQ_INT(kyso_digest_parts(d, parts, 2, md, &err), KYSO_OK);
  CHECK_EQ_INT(kyso_cms_resolve_scheme(blob(k->der, k->der_len), scheme,
                                       &resolved, &err),
               KYSO_OK);
  CHECK_EQ_INT(resolved, scheme);
  CHECK_EQ_INT(kyso_cms_build_signed_attrs(blob(k->der, k->der_len), d, md,
                                           kyso_digest_size(d), &attrs, &err),
               KYSO_OK);
  CHECK(attrs.len > 2 && attrs.data[0] == 0x31);
  sig = test_pki_sign(k->key, d, scheme, attrs.data, attrs.len, &sig_len);
  CHECK(sig != NULL);
  if (!sig)
    goto done;
  CHECK_EQ_INT(kyso_cms_check_signature(blob(k->der, k->der_len), d, scheme,
                                        blob(attrs.data, attrs.len),
                                        blob(sig, sig_len), &err),
               KYSO_OK);
  CHECK_EQ_INT(kyso_cms_build_signed_data(blob(k->der, k->der_len), NULL, 0, d,
                                          scheme, blob(attrs.data, attrs.len),
                                          blob(sig, sig_len), &cms, &err),
               KYSO_OK);
  if (err.code != KYSO_OK)
    fprintf(stderr, "%s: %s\n", k->label, err.message);

  ci = cms_parse(cms.data, cms.len);
  CHECK(ci != NULL);
  if (!ci)
    goto done;
  CHECK(cms_verify(ci, k->cert, content, content_len));
  check_attributes(ci, k->cert, d);
  /* OpenSSL's own DER of what it parsed is the same octets: the output is
   * DER throughout, SET OF order included. */
  reenc_len = i2d_CMS_ContentInfo(ci, &reenc);
  CHECK(reenc_len > 0 && (size_t)reenc_len == cms.len &&
        memcmp(reenc, cms.data, cms.len) == 0);

  /* One bit of the content changed: CMS_verify must fail. */
  flipped = malloc(content_len);
  if (flipped) {
    memcpy(flipped, content, content_len);
    flipped[content_len / 2] ^= 0x01;
    CHECK(!cms_verify(ci, k->cert, flipped, content_len));
  }

  /* One bit of the signature changed: kyso rejects it before assembling. */
  sig[sig_len / 2] ^= 0x01;
  CHECK_EQ_INT(kyso_cms_check_signature(blob(k->der, k->der_len), d, scheme,
                                        blob(attrs.data, attrs.len),
                                        blob(sig, sig_len), &err),
               KYSO_ERR_SIGN_VALUE);

  if (cms_der) {
    *cms_der = kyso_buf_take(&cms, cms_len);
  }
done:
  OPENSSL_free(reenc);
  CMS_ContentInfo_free(ci);
  free(flipped);
  OPENSSL_free(sig);
  kyso_buf_free(&attrs);
  kyso_buf_free(&cms);
}

static void test_der_write(void) {
  kyso_buf b;
  size_t m1;
  size_t m2;
  size_t i;
  uint8_t big[300];
  static const uint8_t a[] = {0x02};
  static const uint8_t b15[] = {0x01, 0x05};
  static const uint8_t c1[] = {0x01};
  static const uint8_t c10[] = {0x01, 0x00};
  kyso_blob items[3];
  kyso_blob x;
  kyso_blob y;

  CHECK_EQ_INT(kyso_der_header_size(0), 2);
  CHECK_EQ_INT(kyso_der_header_size(127), 2);
  CHECK_EQ_INT(kyso_der_header_size(128), 3);
  CHECK_EQ_INT(kyso_der_header_size(255), 3);
  CHECK_EQ_INT(kyso_der_header_size(256), 4);
  CHECK_EQ_INT(kyso_der_header_size(70000), 5);

  kyso_buf_init(&b);
  kyso_der_put_uint(&b, 0);
  kyso_der_put_uint(&b, 127);
  kyso_der_put_uint(&b, 128);
  kyso_der_put_uint(&b, 0x12345678);
  CHECK_EQ_INT(b.len, 3 + 3 + 4 + 6);
  CHECK(b.len == 16 && memcmp(b.data,
                              "\x02\x01\x00"
                              "\x02\x01\x7f"
                              "\x02\x02\x00\x80"
                              "\x02\x04\x12\x34\x56\x78",
                              16) == 0);
  kyso_buf_free(&b);

  /* nested begin/end with a long-form length inside */
  memset(big, 0xab, sizeof(big));
  kyso_buf_init(&b);
  m1 = kyso_der_begin(&b);
  kyso_der_put_null(&b);
  m2 = kyso_der_begin(&b);
  kyso_der_put(&b, KYSO_DER_OCTET_STRING, big, sizeof(big));
  kyso_der_end(&b, m2, KYSO_DER_CONTEXT_CONSTRUCTED | 0);
  kyso_der_end(&b, m1, KYSO_DER_SEQUENCE);
  CHECK(kyso_buf_ok(&b));
  /* 30 82 01 36 | 05 00 | A0 82 01 30 | 04 82 01 2C | 300 x AB */
  CHECK_EQ_INT(b.len, 4 + 2 + 4 + 4 + 300);
  CHECK(memcmp(b.data,
               "\x30\x82\x01\x36\x05\x00\xa0\x82\x01\x30\x04\x82\x01\x2c",
               14) == 0);
  for (i = 14; i < b.len && b.data[i] == 0xab; i++)
    ;
  CHECK_EQ_INT(i, b.len);
  kyso_der_end(&b, b.len + 1, KYSO_DER_SEQUENCE); /* a bad mark */
  CHECK(!kyso_buf_ok(&b));
  kyso_buf_free(&b);

  /* X.690 11.6: shorter padded with zeros at its end */
  x = blob(c1, 1);
  y = blob(c10, 2);
  CHECK_EQ_INT(kyso_der_set_order(&x, &y), 0);
  y = blob(b15, 2);
  CHECK(kyso_der_set_order(&x, &y) < 0);
  CHECK(kyso_der_set_order(&y, &x) > 0);
  items[0] = blob(a, 1);
  items[1] = blob(b15, 2);
  items[2] = blob(c1, 1);
  kyso_buf_init(&b);
  kyso_der_put_set_of(&b, KYSO_DER_SET, items, 3);
  CHECK(b.len == 6 && memcmp(b.data, "\x31\x04\x01\x01\x05\x02", 6) == 0);
  kyso_buf_free(&b);
}

static void test_digest(void) {
  static const uint8_t abc[] = {'a', 'b', 'c'};
  static const uint8_t sha256_abc[32] = {
      0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
      0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
      0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
  uint8_t out[64];
  kyso_blob parts[3];
  kyso_error err;

  CHECK_EQ_INT(kyso_digest_size(KYSO_DIGEST_SHA256), 32);
  CHECK_EQ_INT(kyso_digest_size(KYSO_DIGEST_SHA384), 48);
  CHECK_EQ_INT(kyso_digest_size(KYSO_DIGEST_SHA512), 64);
  CHECK_EQ_INT(kyso_digest_size((kyso_digest)7), 0);
  parts[0] = blob(abc, 1);
  parts[1] = blob(NULL, 0);
  parts[2] = blob(abc + 1, 2);
  CHECK_EQ_INT(kyso_digest_parts(KYSO_DIGEST_SHA256, parts, 3, out, &err),
               KYSO_OK);
  CHECK(memcmp(out, sha256_abc, 32) == 0);
  CHECK_EQ_INT(kyso_digest_parts((kyso_digest)7, parts, 3, out, &err),
               KYSO_ERR_ARGUMENT);
  parts[1] = blob(NULL, 5);
  CHECK_EQ_INT(kyso_digest_parts(KYSO_DIGEST_SHA256, parts, 3, out, &err),
               KYSO_ERR_ARGUMENT);
}

/* Writes a file; 1 on success. */
static int write_file(const char *path, const uint8_t *data, size_t len) {
  FILE *f = fopen(path, "wb");
  int ok;
  if (!f)
    return 0;
  ok = fwrite(data, 1, len, f) == len;
  return fclose(f) == 0 && ok;
}

/* openssl cms -verify on the DER, the detached content and the cert. */
static void check_cli(const test_key *k, const uint8_t *der, size_t der_len) {
  char dir[] = "/tmp/kyso_cms_XXXXXX";
  char p_der[64], p_content[64], p_pem[64], p_log[64], cmd[512];
  size_t content_len;
  const uint8_t *content = content_bytes(&content_len);
  FILE *f;
  int rc;

  if (!mkdtemp(dir)) {
    CHECK(!"mkdtemp");
    return;
  }
  snprintf(p_der, sizeof(p_der), "%s/x.der", dir);
  snprintf(p_content, sizeof(p_content), "%s/content.bin", dir);
  snprintf(p_pem, sizeof(p_pem), "%s/cert.pem", dir);
  snprintf(p_log, sizeof(p_log), "%s/log.txt", dir);
  CHECK(write_file(p_der, der, der_len));
  CHECK(write_file(p_content, content, content_len));
  f = fopen(p_pem, "w");
  CHECK(f && PEM_write_X509(f, k->cert) == 1);
  if (f)
    fclose(f);
  snprintf(cmd, sizeof(cmd),
           "openssl cms -verify -binary -inform DER -in %s -content %s "
           "-CAfile %s -purpose any -out /dev/null >%s 2>&1",
           p_der, p_content, p_pem, p_log);
  rc = system(cmd);
  CHECK(rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0);
  if (!(rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0)) {
    fprintf(stderr, "%s: openssl cms -verify failed, see %s\n", k->label,
            p_log);
    return; /* keep the files for a look */
  }
  remove(p_der);
  remove(p_content);
  remove(p_pem);
  remove(p_log);
  rmdir(dir);
}

static void test_errors(test_key *rsa, test_key *rsa_other, test_key *ec) {
  test_key weak = {"RSA-1024", "RSA", NULL, 1024, NULL, NULL, NULL, 0};
  test_key k1 = {"secp256k1", "EC", "secp256k1", 0, NULL, NULL, NULL, 0};
  static const uint8_t garbage[] = {0x30, 0x03, 0x02, 0x01, 0x05};
  uint8_t md[32];
  uint8_t *sig = NULL;
  uint8_t *padded = NULL;
  size_t sig_len = 0;
  size_t n;
  kyso_buf attrs;
  kyso_buf out;
  kyso_error err;
  kyso_scheme resolved = KYSO_SCHEME_AUTO;
  kyso_blob cert = blob(rsa->der, rsa->der_len);
  kyso_blob chain[KYSO_LIMIT_CHAIN + 1];
  uint8_t *bad = NULL;
  CMS_ContentInfo *ci = NULL;
  STACK_OF(X509) *certs = NULL;

  kyso_buf_init(&attrs);
  kyso_buf_init(&out);
  memset(md, 0x11, sizeof(md));

  /* AUTO resolution and scheme/key fit */
  CHECK_EQ_INT(kyso_cms_resolve_scheme(cert, KYSO_SCHEME_AUTO, &resolved, &err),
               KYSO_OK);
  CHECK_EQ_INT(resolved, KYSO_SCHEME_RSA_PKCS1);
  CHECK_EQ_INT(kyso_cms_resolve_scheme(blob(ec->der, ec->der_len),
                                       KYSO_SCHEME_AUTO, &resolved, &err),
               KYSO_OK);
  CHECK_EQ_INT(resolved, KYSO_SCHEME_ECDSA);
  CHECK_EQ_INT(
      kyso_cms_resolve_scheme(cert, KYSO_SCHEME_ECDSA, &resolved, &err),
      KYSO_ERR_SIGN_ALGORITHM);
  CHECK(err.message[0] != 0);
  CHECK_EQ_INT(kyso_cms_resolve_scheme(blob(ec->der, ec->der_len),
                                       KYSO_SCHEME_RSA_PSS, &resolved, &err),
               KYSO_ERR_SIGN_ALGORITHM);
  CHECK_EQ_INT(kyso_cms_resolve_scheme(cert, (kyso_scheme)9, &resolved, &err),
               KYSO_ERR_ARGUMENT);
  CHECK(make_cert(&weak));
  CHECK_EQ_INT(kyso_cms_resolve_scheme(blob(weak.der, weak.der_len),
                                       KYSO_SCHEME_AUTO, &resolved, &err),
               KYSO_ERR_SIGN_ALGORITHM);
  CHECK(make_cert(&k1));
  CHECK_EQ_INT(kyso_cms_resolve_scheme(blob(k1.der, k1.der_len),
                                       KYSO_SCHEME_AUTO, &resolved, &err),
               KYSO_ERR_SIGN_ALGORITHM);
  CHECK_EQ_INT(kyso_cms_resolve_scheme(blob(garbage, sizeof(garbage)),
                                       KYSO_SCHEME_AUTO, &resolved, &err),
               KYSO_ERR_SIGN_CERTIFICATE);
  CHECK_EQ_INT(
      kyso_cms_resolve_scheme(blob(NULL, 0), KYSO_SCHEME_AUTO, &resolved, &err),
      KYSO_ERR_SIGN_CERTIFICATE);
  /* one certificate followed by a stray octet is not one certificate */
  padded = malloc(rsa->der_len + 1);
  if (padded) {
    memcpy(padded, rsa->der, rsa->der_len);
    padded[rsa->der_len] = 0;
    CHECK_EQ_INT(kyso_cms_resolve_scheme(blob(padded, rsa->der_len + 1),
                                         KYSO_SCHEME_AUTO, &resolved, &err),
                 KYSO_ERR_SIGN_CERTIFICATE);
  }
  CHECK(ERR_peek_error() == 0); /* the library leaves no OpenSSL errors */

  /* signed attributes */
  CHECK_EQ_INT(kyso_cms_build_signed_attrs(cert, KYSO_DIGEST_SHA256, md, 31,
                                           &attrs, &err),
               KYSO_ERR_ARGUMENT);
  CHECK_EQ_INT(kyso_cms_build_signed_attrs(cert, KYSO_DIGEST_SHA384, md, 32,
                                           &attrs, &err),
               KYSO_ERR_ARGUMENT);
  CHECK_EQ_INT(kyso_cms_build_signed_attrs(blob(garbage, sizeof(garbage)),
                                           KYSO_DIGEST_SHA256, md, 32, &attrs,
                                           &err),
               KYSO_ERR_SIGN_CERTIFICATE);
  CHECK_EQ_INT(attrs.len, 0);
  CHECK_EQ_INT(kyso_cms_build_signed_attrs(cert, KYSO_DIGEST_SHA256, md, 32,
                                           &attrs, &err),
               KYSO_OK);

  /* a signature by another key of the same kind */
  sig = test_pki_sign(rsa_other->key, KYSO_DIGEST_SHA256, KYSO_SCHEME_RSA_PKCS1,
                      attrs.data, attrs.len, &sig_len);
  CHECK(sig != NULL);
  if (!sig)
    goto done;
  CHECK_EQ_INT(kyso_cms_check_signature(
                   cert, KYSO_DIGEST_SHA256, KYSO_SCHEME_RSA_PKCS1,
                   blob(attrs.data, attrs.len), blob(sig, sig_len), &err),
               KYSO_ERR_SIGN_VALUE);
  CHECK(err.message[0] != 0);
  /* right key, wrong scheme or digest */
  OPENSSL_free(sig);
  sig = test_pki_sign(rsa->key, KYSO_DIGEST_SHA256, KYSO_SCHEME_RSA_PKCS1,
                      attrs.data, attrs.len, &sig_len);
  CHECK(sig != NULL);
  if (!sig)
    goto done;
  CHECK_EQ_INT(kyso_cms_check_signature(
                   cert, KYSO_DIGEST_SHA256, KYSO_SCHEME_RSA_PKCS1,
                   blob(attrs.data, attrs.len), blob(sig, sig_len), &err),
               KYSO_OK);
  CHECK_EQ_INT(kyso_cms_check_signature(
                   cert, KYSO_DIGEST_SHA256, KYSO_SCHEME_RSA_PSS,
                   blob(attrs.data, attrs.len), blob(sig, sig_len), &err),
               KYSO_ERR_SIGN_VALUE);
  CHECK_EQ_INT(kyso_cms_check_signature(
                   cert, KYSO_DIGEST_SHA384, KYSO_SCHEME_RSA_PKCS1,
                   blob(attrs.data, attrs.len), blob(sig, sig_len), &err),
               KYSO_ERR_SIGN_VALUE);
  CHECK_EQ_INT(kyso_cms_check_signature(
                   cert, KYSO_DIGEST_SHA256, KYSO_SCHEME_ECDSA,
                   blob(attrs.data, attrs.len), blob(sig, sig_len), &err),
               KYSO_ERR_SIGN_ALGORITHM);
  CHECK_EQ_INT(kyso_cms_check_signature(
                   cert, KYSO_DIGEST_SHA256, KYSO_SCHEME_AUTO,
                   blob(attrs.data, attrs.len), blob(sig, sig_len), &err),
               KYSO_ERR_ARGUMENT);
  /* an ECDSA value that is not even DER */
  CHECK_EQ_INT(kyso_cms_check_signature(blob(ec->der, ec->der_len),
                                        KYSO_DIGEST_SHA256, KYSO_SCHEME_ECDSA,
                                        blob(attrs.data, attrs.len),
                                        blob(garbage, 3), &err),
               KYSO_ERR_SIGN_VALUE);
  CHECK(ERR_peek_error() == 0);

  /* SignedData argument checks */
  CHECK_EQ_INT(kyso_cms_build_signed_data(
                   cert, NULL, 0, KYSO_DIGEST_SHA256, KYSO_SCHEME_ECDSA,
                   blob(attrs.data, attrs.len), blob(sig, sig_len), &out, &err),
               KYSO_ERR_SIGN_ALGORITHM);
  for (n = 0; n <= KYSO_LIMIT_CHAIN; n++)
    chain[n] = blob(ec->der, ec->der_len);
  CHECK_EQ_INT(kyso_cms_build_signed_data(
                   cert, chain, KYSO_LIMIT_CHAIN + 1, KYSO_DIGEST_SHA256,
                   KYSO_SCHEME_RSA_PKCS1, blob(attrs.data, attrs.len),
                   blob(sig, sig_len), &out, &err),
               KYSO_ERR_LIMIT);
  chain[1] = blob(garbage, sizeof(garbage));
  CHECK_EQ_INT(kyso_cms_build_signed_data(
                   cert, chain, 2, KYSO_DIGEST_SHA256, KYSO_SCHEME_RSA_PKCS1,
                   blob(attrs.data, attrs.len), blob(sig, sig_len), &out, &err),
               KYSO_ERR_SIGN_CERTIFICATE);
  CHECK_EQ_INT(out.len, 0);
  bad = malloc(attrs.len + 1);
  if (bad) {
    memcpy(bad, attrs.data, attrs.len);
    bad[0] = 0x30; /* SEQUENCE, not SET */
    CHECK_EQ_INT(kyso_cms_build_signed_data(
                     cert, NULL, 0, KYSO_DIGEST_SHA256, KYSO_SCHEME_RSA_PKCS1,
                     blob(bad, attrs.len), blob(sig, sig_len), &out, &err),
                 KYSO_ERR_ARGUMENT);
    bad[0] = 0x31; /* truncated */
    CHECK_EQ_INT(kyso_cms_build_signed_data(
                     cert, NULL, 0, KYSO_DIGEST_SHA256, KYSO_SCHEME_RSA_PKCS1,
                     blob(bad, attrs.len - 1), blob(sig, sig_len), &out, &err),
                 KYSO_ERR_ARGUMENT);
    bad[attrs.len] = 0; /* trailing octet */
    CHECK_EQ_INT(kyso_cms_build_signed_data(
                     cert, NULL, 0, KYSO_DIGEST_SHA256, KYSO_SCHEME_RSA_PKCS1,
                     blob(bad, attrs.len + 1), blob(sig, sig_len), &out, &err),
                 KYSO_ERR_ARGUMENT);
  }
  CHECK_EQ_INT(kyso_cms_build_signed_data(
                   cert, NULL, 0, KYSO_DIGEST_SHA256, KYSO_SCHEME_RSA_PKCS1,
                   blob(attrs.data, attrs.len), blob(NULL, 0), &out, &err),
               KYSO_ERR_ARGUMENT);
  CHECK_EQ_INT(out.len, 0);

  /* with a chain: signer first, then the chain, and it still verifies */
  CHECK_EQ_INT(kyso_cms_build_signed_data(
                   cert, chain, 1, KYSO_DIGEST_SHA256, KYSO_SCHEME_RSA_PKCS1,
                   blob(attrs.data, attrs.len), blob(sig, sig_len), &out, &err),
               KYSO_OK);
  ci = cms_parse(out.data, out.len);
  CHECK(ci != NULL);
  if (ci) {
    certs = CMS_get1_certs(ci);
    CHECK(certs && sk_X509_num(certs) == 2);
    if (certs && sk_X509_num(certs) == 2) {
      CHECK(X509_cmp(sk_X509_value(certs, 0), rsa->cert) == 0);
      CHECK(X509_cmp(sk_X509_value(certs, 1), ec->cert) == 0);
    }
  }
  CHECK(ERR_peek_error() == 0);

done:
  sk_X509_pop_free(certs, X509_free);
  CMS_ContentInfo_free(ci);
  free(bad);
  free(padded);
  OPENSSL_free(sig);
  kyso_buf_free(&attrs);
  kyso_buf_free(&out);
  free_key(&weak);
  free_key(&k1);
}

int main(void) {
  test_key keys[] = {
      {"RSA-2048", "RSA", NULL, 2048, NULL, NULL, NULL, 0},
      {"RSA-3072", "RSA", NULL, 3072, NULL, NULL, NULL, 0},
      {"EC P-256", "EC", "P-256", 0, NULL, NULL, NULL, 0},
      {"EC P-384", "EC", "P-384", 0, NULL, NULL, NULL, 0},
      {"EC P-521", "EC", "P-521", 0, NULL, NULL, NULL, 0},
  };
  static const kyso_digest digests[] = {KYSO_DIGEST_SHA256, KYSO_DIGEST_SHA384,
                                        KYSO_DIGEST_SHA512};
  const size_t nkeys = sizeof(keys) / sizeof(keys[0]);
  uint8_t *der_rsa = NULL;
  uint8_t *der_ec = NULL;
  size_t der_rsa_len = 0;
  size_t der_ec_len = 0;
  size_t i;
  size_t j;
  int all = 1;

  test_der_write();
  test_digest();

  for (i = 0; i < nkeys; i++) {
    CHECK(make_cert(&keys[i]));
    all = all && keys[i].der;
  }
  if (!all)
    goto done;

  for (i = 0; i < nkeys; i++) {
    int rsa = strcmp(keys[i].type, "RSA") == 0;
    for (j = 0; j < sizeof(digests) / sizeof(digests[0]); j++) {
      if (rsa) {
        run_case(&keys[i], digests[j], KYSO_SCHEME_RSA_PKCS1,
                 i == 0 && j == 0 ? &der_rsa : NULL, &der_rsa_len);
        run_case(&keys[i], digests[j], KYSO_SCHEME_RSA_PSS, NULL, NULL);
      } else {
        run_case(&keys[i], digests[j], KYSO_SCHEME_ECDSA,
                 i == 3 && j == 1 ? &der_ec : NULL, &der_ec_len);
      }
    }
  }

  CHECK(der_rsa != NULL && der_ec != NULL);
  if (der_rsa)
    check_cli(&keys[0], der_rsa, der_rsa_len);
  if (der_ec)
    check_cli(&keys[3], der_ec, der_ec_len);

  test_errors(&keys[0], &keys[1], &keys[2]);

done:
  free(der_rsa);
  free(der_ec);
  for (i = 0; i < nkeys; i++)
    free_key(&keys[i]);
  return check_summary();
}
