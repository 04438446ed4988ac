/*
 * test_cms_attrs_check.c - kyso_cms_attrs_check: what a signer agrees to
 * sign. SignedAttributes built by the core itself pass for their own
 * certificate with the digest their message-digest implies; everything else
 * a page could send instead (a bare digest, another certificate's
 * attributes, broken DER, missing or doubled attributes) is refused with its
 * own status.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "buf.h"
#include "check.h"
#include "cms_build.h"
#include "kyso/cms.h"

typedef struct cert {
  EVP_PKEY *key;
  uint8_t *der;
  size_t len;
} cert;

/* A self-signed EC P-256 certificate with serial and CN given. */
static int make_cert(cert *c, uint64_t serial, const char *cn) {
  X509 *x = X509_new();
  X509_NAME *name = X509_NAME_new();
  unsigned char *der = NULL;
  int n, ok = 0;

  c->key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
  if (!x || !name || !c->key ||
      ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial) != 1 ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 (const unsigned char *)cn, -1, -1, 0) != 1 ||
      X509_set_subject_name(x, name) != 1 ||
      X509_set_issuer_name(x, name) != 1 ||
      !X509_gmtime_adj(X509_getm_notBefore(x), 0) ||
      !X509_gmtime_adj(X509_getm_notAfter(x), 3600) ||
      X509_set_pubkey(x, c->key) != 1 ||
      X509_sign(x, c->key, EVP_sha256()) <= 0)
    goto done;
  n = i2d_X509(x, &der);
  if (n <= 0)
    goto done;
  c->der = der;
  c->len = (size_t)n;
  ok = 1;
done:
  X509_NAME_free(name);
  X509_free(x);
  return ok;
}

static kyso_status check(const kyso_buf *attrs, const cert *c, kyso_digest *d) {
  kyso_error err;
  return kyso_cms_attrs_check(attrs->data, attrs->len, c->der, c->len, d, &err);
}

static void build(const cert *c, kyso_digest d, kyso_buf *out) {
  uint8_t md[64];
  kyso_blob b = {c->der, c->len};
  kyso_error err;

  memset(md, 0x5a, sizeof(md));
  kyso_buf_init(out);
  CHECK(kyso_cms_build_signed_attrs(b, d, md, kyso_digest_size(d), out, &err) ==
        KYSO_OK);
}

/* Appends TLV tag/content with a minimal DER length. */
static void tlv(kyso_buf *out, uint8_t tag, const uint8_t *p, size_t n) {
  uint8_t head[4] = {tag, 0, 0, 0};
  size_t h = 2;
  if (n < 0x80) {
    head[1] = (uint8_t)n;
  } else if (n < 0x100) { /* minimal length octets (X.690 10.1) */
    head[1] = 0x81;
    head[2] = (uint8_t)n;
    h = 3;
  } else {
    head[1] = 0x82;
    head[2] = (uint8_t)(n >> 8);
    head[3] = (uint8_t)n;
    h = 4;
  }
  kyso_buf_append(out, head, h);
  kyso_buf_append(out, p, n);
}

/* Rebuilds the SET from parts: each a whole Attribute TLV. */
static void set_of(kyso_buf *out, const kyso_buf *parts, size_t n) {
  kyso_buf inner;
  size_t i;
  kyso_buf_init(&inner);
  for (i = 0; i < n; i++)
    kyso_buf_append(&inner, parts[i].data, parts[i].len);
  kyso_buf_init(out);
  tlv(out, 0x31, inner.data, inner.len);
  kyso_buf_free(&inner);
}

/* Splits a SET built by the core into its Attribute TLVs (short test
 * helper: trusts the core's DER). */
static size_t split(const kyso_buf *set, kyso_buf *parts, size_t cap) {
  size_t off, end, n = 0, len, hl;
  const uint8_t *p = set->data;

  off = (p[1] & 0x80) ? 2 + (p[1] & 0x7f) : 2;
  end = set->len;
  while (off < end && n < cap) {
    if (p[off + 1] & 0x80) {
      hl = 2 + (p[off + 1] & 0x7f);
      len = p[off + 1] == 0x81 ? p[off + 2]
                               : ((size_t)p[off + 2] << 8) | p[off + 3];
    } else {
      hl = 2;
      len = p[off + 1];
    }
    kyso_buf_init(&parts[n]);
    kyso_buf_append(&parts[n], p + off, hl + len);
    n++;
    off += hl + len;
  }
  return n;
}

int main(void) {
  cert a = {0}, b = {0};
  kyso_buf attrs, bad, parts[8], tmp;
  kyso_digest d = KYSO_DIGEST_SHA512;
  kyso_error err;
  size_t n, i;
  static uint8_t big[KYSO_LIMIT_SIGNED_ATTRS + 8];
  uint8_t digest[32];

  CHECK(make_cert(&a, 0x8a1b2c3d4e5f6071ULL, "Nguyen Van A"));
  CHECK(make_cert(&b, 0x0102030405ULL, "Tran Thi B"));

  /* the core's own attributes, each digest */
  build(&a, KYSO_DIGEST_SHA256, &attrs);
  CHECK_EQ_INT(check(&attrs, &a, &d), KYSO_OK);
  CHECK_EQ_INT(d, KYSO_DIGEST_SHA256);
  kyso_buf_free(&attrs);
  build(&a, KYSO_DIGEST_SHA384, &attrs);
  CHECK_EQ_INT(check(&attrs, &a, &d), KYSO_OK);
  CHECK_EQ_INT(d, KYSO_DIGEST_SHA384);
  kyso_buf_free(&attrs);
  build(&a, KYSO_DIGEST_SHA512, &attrs);
  CHECK_EQ_INT(check(&attrs, &a, &d), KYSO_OK);
  CHECK_EQ_INT(d, KYSO_DIGEST_SHA512);

  /* another certificate's attributes */
  CHECK_EQ_INT(check(&attrs, &b, &d), KYSO_ERR_SIGN_CERTIFICATE);

  /* a bare digest, and the digest wrapped as an OCTET STRING */
  memset(digest, 0x11, sizeof(digest));
  CHECK_EQ_INT(
      kyso_cms_attrs_check(digest, sizeof(digest), a.der, a.len, &d, &err),
      KYSO_ERR_SIGN_ATTRS);
  kyso_buf_init(&bad);
  tlv(&bad, 0x04, digest, sizeof(digest));
  CHECK_EQ_INT(check(&bad, &a, &d), KYSO_ERR_SIGN_ATTRS);
  kyso_buf_free(&bad);

  /* [0] IMPLICIT form (as inside SignerInfo), truncated, trailing byte */
  kyso_buf_init(&bad);
  kyso_buf_append(&bad, attrs.data, attrs.len);
  bad.data[0] = 0xA0;
  CHECK_EQ_INT(check(&bad, &a, &d), KYSO_ERR_SIGN_ATTRS);
  bad.data[0] = 0x31;
  bad.len--;
  CHECK_EQ_INT(check(&bad, &a, &d), KYSO_ERR_SIGN_ATTRS);
  bad.len++;
  kyso_buf_append(&bad, (const uint8_t *)"\0", 1);
  CHECK_EQ_INT(check(&bad, &a, &d), KYSO_ERR_SIGN_ATTRS);
  kyso_buf_free(&bad);

  /* over the size limit */
  memset(big, 0, sizeof(big));
  CHECK_EQ_INT(kyso_cms_attrs_check(big, sizeof(big), a.der, a.len, &d, &err),
               KYSO_ERR_LIMIT);

  /* each required attribute missing; one doubled */
  n = split(&attrs, parts, 8);
  CHECK_EQ_INT(n, 3);
  for (i = 0; i < n; i++) {
    kyso_buf rest[3];
    size_t j, k = 0;
    for (j = 0; j < n; j++)
      if (j != i)
        rest[k++] = parts[j];
    set_of(&tmp, rest, k);
    CHECK_EQ_INT(check(&tmp, &a, &d), KYSO_ERR_SIGN_ATTRS);
    kyso_buf_free(&tmp);
  }
  {
    kyso_buf twice[4] = {parts[0], parts[1], parts[2], parts[0]};
    set_of(&tmp, twice, 4);
    CHECK_EQ_INT(check(&tmp, &a, &d), KYSO_ERR_SIGN_ATTRS);
    kyso_buf_free(&tmp);
    set_of(&tmp, parts, 3); /* reassembled: still fine */
    CHECK_EQ_INT(check(&tmp, &a, &d), KYSO_OK);
    kyso_buf_free(&tmp);
  }
  for (i = 0; i < n; i++)
    kyso_buf_free(&parts[i]);

  /* a message-digest of 20 bytes (SHA-1 length) is refused */
  {
    static const uint8_t md_oid[] = {0x06, 0x09, 0x2A, 0x86, 0x48, 0x86,
                                     0xF7, 0x0D, 0x01, 0x09, 0x04};
    uint8_t sha1[20];
    kyso_buf v, vals, attr, whole;
    memset(sha1, 1, sizeof(sha1));
    kyso_buf_init(&v);
    tlv(&v, 0x04, sha1, sizeof(sha1));
    kyso_buf_init(&vals);
    tlv(&vals, 0x31, v.data, v.len);
    kyso_buf_init(&attr);
    kyso_buf_append(&attr, md_oid, sizeof(md_oid));
    kyso_buf_append(&attr, vals.data, vals.len);
    kyso_buf_init(&whole);
    tlv(&whole, 0x30, attr.data, attr.len);
    n = split(&attrs, parts, 8);
    for (i = 0; i < n; i++) {
      /* replace the 2nd attribute (message-digest in kyso's order) */
      if (parts[i].len > 13 && memcmp(parts[i].data + 2, md_oid, 11) == 0) {
        kyso_buf_free(&parts[i]);
        kyso_buf_init(&parts[i]);
        kyso_buf_append(&parts[i], whole.data, whole.len);
      }
    }
    set_of(&tmp, parts, n);
    CHECK_EQ_INT(check(&tmp, &a, &d), KYSO_ERR_SIGN_ATTRS);
    kyso_buf_free(&tmp);
    for (i = 0; i < n; i++)
      kyso_buf_free(&parts[i]);
    kyso_buf_free(&v);
    kyso_buf_free(&vals);
    kyso_buf_free(&attr);
    kyso_buf_free(&whole);
  }

  /* issuerSerial naming another serial (certHash left right) */
  {
    static const uint8_t serial[] = {0x02, 0x09, 0x00, 0x8a, 0x1b, 0x2c,
                                     0x3d, 0x4e, 0x5f, 0x60, 0x71};
    size_t at;
    kyso_buf_init(&bad);
    kyso_buf_append(&bad, attrs.data, attrs.len);
    for (at = 0; at + sizeof(serial) <= bad.len; at++)
      if (memcmp(bad.data + at, serial, sizeof(serial)) == 0)
        break;
    if (at + sizeof(serial) <= bad.len) {
      bad.data[at + sizeof(serial) - 1] ^= 1;
      CHECK_EQ_INT(check(&bad, &a, &d), KYSO_ERR_SIGN_CERTIFICATE);
    }
    kyso_buf_free(&bad);
  }

  /* missing arguments; an unparseable certificate */
  CHECK_EQ_INT(kyso_cms_attrs_check(NULL, 0, a.der, a.len, &d, &err),
               KYSO_ERR_ARGUMENT);
  CHECK_EQ_INT(kyso_cms_attrs_check(attrs.data, attrs.len, digest,
                                    sizeof(digest), &d, &err),
               KYSO_ERR_ARGUMENT);

  kyso_buf_free(&attrs);
  EVP_PKEY_free(a.key);
  EVP_PKEY_free(b.key);
  OPENSSL_free(a.der);
  OPENSSL_free(b.der);
  return check_summary();
}
