/*
 * test_cms_attrs_check.c - kyso_cms_attrs_check: what a signer agrees to
 * sign. The table in test_attrs.c runs against an RSA and an EC
 * certificate: kyso's own SignedAttributes (with and without
 * cms-algorithm-protection) pass with the digest and message-digest they
 * carry; every other row (issue 11 item 3's reproductions, each rule of the
 * strict profile) is refused with its exact status. Then what a page could
 * send instead of a SET at all (a bare digest, the [0] IMPLICIT form,
 * truncated DER, oversize), another issuerSerial, and missing arguments.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "base/buf.h"
#include "check.h"
#include "cms/cms_build.h"
#include "cms/der_read.h"
#include "kyso/cms.h"
#include "test_attrs.h"
#include "test_pki.h"

typedef struct cert {
  EVP_PKEY *key;
  X509 *x;
  uint8_t *der;
  size_t len;
  test_attrs_key kind;
  const char *label;
} cert;

static int make_cert(cert *c, const char *type, uint64_t serial,
                     const char *cn) {
  c->kind = strcmp(type, "RSA") == 0 ? TEST_ATTRS_KEY_RSA : TEST_ATTRS_KEY_EC;
  c->label = type;
  c->key = test_pki_key_new(type, 2048, "P-256");
  return test_pki_cert_self_signed(c->key, serial, "VN", cn, 365, &c->x,
                                   &c->der, &c->len);
}

static void free_cert(cert *c) {
  EVP_PKEY_free(c->key);
  X509_free(c->x);
  OPENSSL_free(c->der);
}

static kyso_status check(const uint8_t *p, size_t len, const cert *c,
                         kyso_cms_attrs_info *info, kyso_error *err) {
  return kyso_cms_attrs_check(p, len, c->der, c->len, info, err);
}

/* Every row of the table that fits c's key. */
static void table_rows(const cert *c, const cert *other) {
  size_t i;
  kyso_blob cb = {c->der, c->len}, ob = {other->der, other->len};

  for (i = 0; i < test_attrs_case_count; i++) {
    const test_attrs_case *row = &test_attrs_cases[i];
    kyso_buf attrs;
    kyso_cms_attrs_info info;
    kyso_error err;
    kyso_status s;
    uint8_t md[64];

    if (!test_attrs_case_fits(row, c->kind))
      continue;
    kyso_buf_init(&attrs);
    CHECK(test_attrs_build(row, cb, ob, &attrs) == 0);
    memset(&info, 0x77, sizeof(info));
    err.message[0] = '\0';
    s = check(attrs.data, attrs.len, c, &info, &err);
    if (s != row->want)
      fprintf(stderr, "  row %s (%s): status %d, want %d: %s\n", row->name,
              c->label, (int)s, (int)row->want, err.message);
    CHECK_EQ_INT(s, row->want);
    if (row->want == KYSO_OK) {
      test_attrs_md(row->digest, md);
      CHECK_EQ_INT(info.digest, row->digest);
      CHECK_EQ_INT(info.message_digest_len, kyso_digest_size(row->digest));
      CHECK(memcmp(info.message_digest, md, kyso_digest_size(row->digest)) ==
            0);
    } else {
      /* a refusal says why and leaves nothing behind */
      CHECK(err.message[0] != '\0');
      CHECK_EQ_INT(info.message_digest_len, 0);
      CHECK_EQ_INT(info.message_digest[0], 0);
    }
    kyso_buf_free(&attrs);
  }
}

/* The messages name what was refused (the host shows them to the page). */
static void messages(const cert *c, const cert *other) {
  static const struct {
    const char *row;
    const char *says;
  } want[] = {
      {"content-type-tstinfo", "content-type is 1.2.840.113549.1.9.16.1.4"},
      {"signing-time-1999", "signing-time (1.2.840.113549.1.9.5)"},
      {"signing-certificate-v1-other", "signing-certificate (v1)"},
      {"unknown-attribute-ber", "attribute 1.3.6.1.4.1.55555.1.1"},
      {"message-digest-hidden-padded-oid", "minimally encoded OID"},
      {"unsorted-set", "X.690 11.6"},
      {"protection-pss-for-rsa", "RSA PKCS#1 v1.5"},
  };
  kyso_blob cb = {c->der, c->len}, ob = {other->der, other->len};
  size_t i, j;

  for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
    for (j = 0; j < test_attrs_case_count; j++) {
      kyso_buf attrs;
      kyso_cms_attrs_info info;
      kyso_error err;

      if (strcmp(test_attrs_cases[j].name, want[i].row) != 0)
        continue;
      kyso_buf_init(&attrs);
      CHECK(test_attrs_build(&test_attrs_cases[j], cb, ob, &attrs) == 0);
      CHECK(check(attrs.data, attrs.len, c, &info, &err) != KYSO_OK);
      if (!strstr(err.message, want[i].says))
        fprintf(stderr, "  %s: \"%s\" lacks \"%s\"\n", want[i].row, err.message,
                want[i].says);
      CHECK(strstr(err.message, want[i].says) != NULL);
      kyso_buf_free(&attrs);
    }
  }
}

/* Blobs that are not a SignedAttributes SET at all. */
static void not_a_set(const cert *c) {
  kyso_blob cb = {c->der, c->len};
  kyso_cms_attrs_info info;
  kyso_error err;
  kyso_buf attrs, bad;
  uint8_t digest[32];
  uint8_t md[32];
  static uint8_t big[KYSO_LIMIT_SIGNED_ATTRS + 8];

  test_attrs_md(KYSO_DIGEST_SHA256, md);
  kyso_buf_init(&attrs);
  CHECK(kyso_cms_build_signed_attrs(cb, KYSO_DIGEST_SHA256, md, 32, &attrs,
                                    &err) == KYSO_OK);

  /* a bare digest, and the digest wrapped as an OCTET STRING */
  memset(digest, 0x11, sizeof(digest));
  CHECK_EQ_INT(check(digest, sizeof(digest), c, &info, &err),
               KYSO_ERR_SIGN_ATTRS);
  kyso_buf_init(&bad);
  kyso_buf_append_byte(&bad, 0x04);
  kyso_buf_append_byte(&bad, 32);
  kyso_buf_append(&bad, digest, sizeof(digest));
  CHECK_EQ_INT(check(bad.data, bad.len, c, &info, &err), KYSO_ERR_SIGN_ATTRS);
  kyso_buf_free(&bad);

  /* [0] IMPLICIT form (as inside SignerInfo), truncated, empty SET */
  kyso_buf_init(&bad);
  kyso_buf_append(&bad, attrs.data, attrs.len);
  bad.data[0] = 0xA0;
  CHECK_EQ_INT(check(bad.data, bad.len, c, &info, &err), KYSO_ERR_SIGN_ATTRS);
  bad.data[0] = 0x31;
  CHECK_EQ_INT(check(bad.data, bad.len, c, &info, &err), KYSO_OK);
  CHECK_EQ_INT(check(bad.data, bad.len - 1, c, &info, &err),
               KYSO_ERR_SIGN_ATTRS);
  kyso_buf_free(&bad);
  CHECK_EQ_INT(check((const uint8_t *)"\x31\x00", 2, c, &info, &err),
               KYSO_ERR_SIGN_ATTRS);

  /* over the size limit */
  memset(big, 0, sizeof(big));
  CHECK_EQ_INT(check(big, sizeof(big), c, &info, &err), KYSO_ERR_LIMIT);

  /* issuerSerial naming another serial number (certHash left right) */
  {
    unsigned char *sp = NULL; /* the serialNumber INTEGER, DER */
    int sn = i2d_ASN1_INTEGER(X509_get0_serialNumber(c->x), &sp);
    size_t sl = sn > 0 ? (size_t)sn : 0, at;

    kyso_buf_init(&bad);
    kyso_buf_append(&bad, attrs.data, attrs.len);
    for (at = 0; sl > 0 && at + sl <= bad.len; at++)
      if (memcmp(bad.data + at, sp, sl) == 0)
        break;
    CHECK(sl > 0 && at + sl <= bad.len);
    if (sl > 0 && at + sl <= bad.len) {
      bad.data[at + sl - 1] ^= 1;
      CHECK_EQ_INT(check(bad.data, bad.len, c, &info, &err),
                   KYSO_ERR_SIGN_CERTIFICATE);
    }
    kyso_buf_free(&bad);
    OPENSSL_free(sp);
  }

  /* missing arguments; a certificate that is not one */
  CHECK_EQ_INT(kyso_cms_attrs_check(NULL, 0, c->der, c->len, &info, &err),
               KYSO_ERR_ARGUMENT);
  CHECK_EQ_INT(
      kyso_cms_attrs_check(attrs.data, attrs.len, c->der, c->len, NULL, &err),
      KYSO_ERR_ARGUMENT);
  CHECK_EQ_INT(kyso_cms_attrs_check(attrs.data, attrs.len, digest,
                                    sizeof(digest), &info, &err),
               KYSO_ERR_ARGUMENT);
  kyso_buf_free(&attrs);
}

/* The one DER reader: minimal lengths and OIDs, and the dotted form. */
static void der_reader(void) {
  static const uint8_t long_short[] = {0x04, 0x81, 0x01, 0x00};
  static const uint8_t indefinite[] = {0x30, 0x80, 0x00, 0x00};
  static const uint8_t padded_len[] = {0x04, 0x82, 0x00, 0x80};
  static const uint8_t high_tag[] = {0x1f, 0x01, 0x00};
  static const uint8_t ok_long[] = {0x04, 0x81, 0x80};
  static const uint8_t id_data[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                    0x0d, 0x01, 0x07, 0x01};
  static const uint8_t padded_oid[] = {0x2a, 0x80, 0x01};
  static const uint8_t open_oid[] = {0x2a, 0x86};
  uint8_t tag;
  size_t h, n;
  kyso_blob oid;
  char text[32];

  CHECK_EQ_INT(kyso_der_read_header(long_short, 4, &tag, &h, &n), -1);
  CHECK_EQ_INT(kyso_der_read_header(indefinite, 4, &tag, &h, &n), -1);
  CHECK_EQ_INT(kyso_der_read_header(padded_len, 4, &tag, &h, &n), -1);
  CHECK_EQ_INT(kyso_der_read_header(high_tag, 3, &tag, &h, &n), -1);
  /* a long form that is needed, but the content is missing */
  CHECK_EQ_INT(kyso_der_read_header(ok_long, 3, &tag, &h, &n), -1);
  oid.data = id_data;
  oid.len = sizeof(id_data);
  CHECK(kyso_der_oid_valid(oid));
  kyso_der_oid_format(oid, text, sizeof(text));
  CHECK(strcmp(text, "1.2.840.113549.1.7.1") == 0);
  kyso_der_oid_format(oid, text, 12);
  CHECK(strcmp(text, "1.2.840...") == 0);
  oid.data = padded_oid;
  oid.len = sizeof(padded_oid);
  CHECK(!kyso_der_oid_valid(oid));
  oid.data = open_oid;
  oid.len = sizeof(open_oid);
  CHECK(!kyso_der_oid_valid(oid));
  oid.len = 0;
  CHECK(!kyso_der_oid_valid(oid));
}

int main(void) {
  cert rsa = {0}, ec = {0}, other = {0};

  CHECK(make_cert(&rsa, "RSA", 0x8a1b2c3d4e5f6071ULL, "Nguyễn Văn A"));
  CHECK(make_cert(&ec, "EC", 0x0102030405ULL, "Trần Thị B"));
  CHECK(make_cert(&other, "EC", 0x0102030406ULL, "Lê Văn C"));

  table_rows(&rsa, &other);
  table_rows(&ec, &other);
  messages(&rsa, &other);
  not_a_set(&rsa);
  not_a_set(&ec);
  der_reader();

  free_cert(&rsa);
  free_cert(&ec);
  free_cert(&other);
  return check_summary();
}
