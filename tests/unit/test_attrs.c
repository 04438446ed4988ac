/*
 * test_attrs.c - the table of SignedAttributes for the strict profile; see
 * test_attrs.h. Built with the core's DER writer and reader, except where a
 * row needs bytes no DER writer makes (a padded OID, a BER length).
 */
#include "test_attrs.h"

#include <string.h>

#include <openssl/evp.h>

#include "cms/cms_build.h"
#include "cms/der_read.h"
#include "cms/der_write.h"

#define OID(a) a, sizeof(a)

/* Attribute types. */
static const uint8_t oid_content_type[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                           0x0d, 0x01, 0x09, 0x03};
static const uint8_t oid_message_digest[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                             0x0d, 0x01, 0x09, 0x04};
/* message-digest again, its last arc 4 padded with a 0x80 octet: the same
 * OID value in a non-minimal encoding (X.690 8.19.2) */
static const uint8_t oid_message_digest_padded[] = {
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x80, 0x04};
static const uint8_t oid_signing_cert_v2[] = {
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x02, 0x2f};
static const uint8_t oid_signing_cert_v1[] = {
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x02, 0x0c};
static const uint8_t oid_algorithm_protection[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                                   0x0d, 0x01, 0x09, 0x34};
static const uint8_t oid_signing_time[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                           0x0d, 0x01, 0x09, 0x05};
static const uint8_t oid_countersignature[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                               0x0d, 0x01, 0x09, 0x06};
static const uint8_t oid_commitment_type[] = {
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x02, 0x10};
/* 1.3.6.1.4.1.55555.1.1, an attribute nobody defined */
static const uint8_t oid_unknown[] = {0x2b, 0x06, 0x01, 0x04, 0x01,
                                      0x83, 0xb2, 0x03, 0x01, 0x01};

/* Content types. */
static const uint8_t oid_data[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                   0x0d, 0x01, 0x07, 0x01};
static const uint8_t oid_data_padded[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                          0x0d, 0x01, 0x07, 0x80, 0x01};
static const uint8_t oid_signed_data[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                          0x0d, 0x01, 0x07, 0x02};
static const uint8_t oid_tst_info[] = {/* 1.2.840.113549.1.9.16.1.4 */
                                       0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
                                       0x01, 0x09, 0x10, 0x01, 0x04};
static const uint8_t oid_spc_indirect_data[] = {/* 1.3.6.1.4.1.311.2.1.4 */
                                                0x2b, 0x06, 0x01, 0x04, 0x01,
                                                0x82, 0x37, 0x02, 0x01, 0x04};
/* id-data with its last octet still announcing more: no OID at all */
static const uint8_t oid_malformed[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                        0x0d, 0x01, 0x07, 0x81};

/* Algorithms. */
static const uint8_t oid_sha1[] = {0x2b, 0x0e, 0x03, 0x02, 0x1a};
static const uint8_t oid_sha256[] = {0x60, 0x86, 0x48, 0x01, 0x65,
                                     0x03, 0x04, 0x02, 0x01};
static const uint8_t oid_sha384[] = {0x60, 0x86, 0x48, 0x01, 0x65,
                                     0x03, 0x04, 0x02, 0x02};
static const uint8_t oid_sha512[] = {0x60, 0x86, 0x48, 0x01, 0x65,
                                     0x03, 0x04, 0x02, 0x03};
static const uint8_t oid_rsa_encryption[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                             0x0d, 0x01, 0x01, 0x01};
static const uint8_t oid_rsassa_pss[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                         0x0d, 0x01, 0x01, 0x0a};
static const uint8_t oid_sha256_rsa[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                         0x0d, 0x01, 0x01, 0x0b};
static const uint8_t oid_sha384_rsa[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                         0x0d, 0x01, 0x01, 0x0c};
static const uint8_t oid_ecdsa_sha256[] = {0x2a, 0x86, 0x48, 0xce,
                                           0x3d, 0x04, 0x03, 0x02};
static const uint8_t oid_ecdsa_sha384[] = {0x2a, 0x86, 0x48, 0xce,
                                           0x3d, 0x04, 0x03, 0x03};
static const uint8_t oid_ecdsa_sha512[] = {0x2a, 0x86, 0x48, 0xce,
                                           0x3d, 0x04, 0x03, 0x04};
/* id-cti-ets-proofOfOrigin 1.2.840.113549.1.9.16.6.1 */
static const uint8_t oid_proof_of_origin[] = {
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x06, 0x01};

void test_attrs_md(kyso_digest d, uint8_t *out) {
  size_t n = kyso_digest_size(d);
  size_t i;

  for (i = 0; i < n; i++)
    out[i] = (uint8_t)(i * 37 + n);
}

/* ---- building blocks ---------------------------------------------------- */

/* Attribute { type (OID content octets as given, malformed or not),
 * SET { the value TLVs in values } }. */
static void attr_make(kyso_buf *out, const uint8_t *oid, size_t oid_len,
                      const kyso_buf *values) {
  size_t m = kyso_der_begin(out);
  size_t v;

  kyso_der_put(out, KYSO_DER_OID, oid, oid_len);
  v = kyso_der_begin(out);
  kyso_buf_append(out, values->data, values->len);
  kyso_der_end(out, v, KYSO_DER_SET);
  kyso_der_end(out, m, KYSO_DER_SEQUENCE);
}

/* The index of the attribute of type oid (octets compared), or s->n. */
static size_t set_find(const test_attrs_set *s, const uint8_t *oid,
                       size_t oid_len) {
  size_t i;

  for (i = 0; i < s->n; i++) {
    kyso_blob a = {s->attr[i].data, s->attr[i].len};
    kyso_blob content, type;
    if (kyso_der_read_expect(&a, KYSO_DER_SEQUENCE, &content) == 0 &&
        kyso_der_read_expect(&content, KYSO_DER_OID, &type) == 0 &&
        kyso_der_equal(type, oid, oid_len))
      return i;
  }
  return s->n;
}

/* Adds an attribute even when one of its type is there. */
static void set_add(test_attrs_set *s, const uint8_t *oid, size_t oid_len,
                    const kyso_buf *values) {
  if (s->n == TEST_ATTRS_MAX)
    return;
  kyso_buf_init(&s->attr[s->n]);
  attr_make(&s->attr[s->n], oid, oid_len, values);
  s->n++;
}

/* Replaces the attribute of type oid with one of the same type holding
 * values, or adds that attribute when there is none. */
static void set_put(test_attrs_set *s, const uint8_t *oid, size_t oid_len,
                    const kyso_buf *values) {
  size_t i = set_find(s, oid, oid_len);

  if (i == s->n) {
    set_add(s, oid, oid_len, values);
    return;
  }
  kyso_buf_free(&s->attr[i]);
  kyso_buf_init(&s->attr[i]);
  attr_make(&s->attr[i], oid, oid_len, values);
}

static void set_remove(test_attrs_set *s, const uint8_t *oid, size_t oid_len) {
  size_t i = set_find(s, oid, oid_len);

  if (i == s->n)
    return;
  kyso_buf_free(&s->attr[i]);
  memmove(&s->attr[i], &s->attr[i + 1], (s->n - i - 1) * sizeof(s->attr[0]));
  s->n--;
}

/* One value: a TLV with tag and content. */
static void put_one(test_attrs_set *s, const uint8_t *type, size_t type_len,
                    uint8_t tag, const uint8_t *content, size_t len) {
  kyso_buf v;

  kyso_buf_init(&v);
  kyso_der_put(&v, tag, content, len);
  set_put(s, type, type_len, &v);
  kyso_buf_free(&v);
}

/* AlgorithmIdentifier { oid, NULL when null } with the given tag. */
static void put_alg(kyso_buf *b, uint8_t tag, const uint8_t *oid,
                    size_t oid_len, int null) {
  size_t m = kyso_der_begin(b);

  kyso_der_put_oid(b, oid, oid_len);
  if (null)
    kyso_der_put_null(b);
  kyso_der_end(b, m, tag);
}

static const uint8_t *digest_oid(kyso_digest d, size_t *len) {
  *len = sizeof(oid_sha256);
  return d == KYSO_DIGEST_SHA384   ? oid_sha384
         : d == KYSO_DIGEST_SHA512 ? oid_sha512
                                   : oid_sha256;
}

/* cms-algorithm-protection { digestAlgorithm digest, [1] signatureAlgorithm
 * sig (none when sig is NULL), then extra octets as given }. */
static void put_protection(test_attrs_set *s, kyso_digest digest,
                           const uint8_t *sig, size_t sig_len, int sig_null,
                           const uint8_t *extra, size_t extra_len) {
  kyso_buf v;
  size_t m, dlen;
  const uint8_t *doid = digest_oid(digest, &dlen);

  kyso_buf_init(&v);
  m = kyso_der_begin(&v);
  put_alg(&v, KYSO_DER_SEQUENCE, doid, dlen, 0);
  if (sig)
    put_alg(&v, KYSO_DER_CONTEXT_CONSTRUCTED | 1, sig, sig_len, sig_null);
  kyso_buf_append(&v, extra, extra_len);
  kyso_der_end(&v, m, KYSO_DER_SEQUENCE);
  set_put(s, OID(oid_algorithm_protection), &v);
  kyso_buf_free(&v);
}

/* signing-certificate-v2 { certs { ESSCertIDv2 { [hashAlgorithm] hash of
 * cert }, then one for `second` when given }, [policies] }, without
 * issuerSerial (optional). alg_written: the hashAlgorithm even for SHA-256. */
static void put_signing_cert_v2(test_attrs_set *s, kyso_blob cert,
                                kyso_digest digest, int alg_written,
                                const kyso_blob *second, int policies) {
  kyso_buf v;
  uint8_t hash[EVP_MAX_MD_SIZE];
  unsigned int hash_len = 0;
  size_t m[3], dlen;
  const uint8_t *doid = digest_oid(digest, &dlen);
  const kyso_blob *c[2] = {&cert, second};
  int i;

  kyso_buf_init(&v);
  m[0] = kyso_der_begin(&v);
  m[1] = kyso_der_begin(&v);
  for (i = 0; i < 2 && c[i]; i++) {
    EVP_Digest(c[i]->data, c[i]->len, hash, &hash_len,
               digest == KYSO_DIGEST_SHA384   ? EVP_sha384()
               : digest == KYSO_DIGEST_SHA512 ? EVP_sha512()
                                              : EVP_sha256(),
               NULL);
    m[2] = kyso_der_begin(&v);
    if (alg_written || digest != KYSO_DIGEST_SHA256)
      put_alg(&v, KYSO_DER_SEQUENCE, doid, dlen, 0);
    kyso_der_put(&v, KYSO_DER_OCTET_STRING, hash, hash_len);
    kyso_der_end(&v, m[2], KYSO_DER_SEQUENCE);
  }
  kyso_der_end(&v, m[1], KYSO_DER_SEQUENCE);
  if (policies) {
    /* policies SEQUENCE OF PolicyInformation { anyPolicy 2.5.29.32.0 } */
    static const uint8_t any_policy[] = {0x55, 0x1d, 0x20, 0x00};
    size_t p = kyso_der_begin(&v), q = kyso_der_begin(&v);
    kyso_der_put_oid(&v, OID(any_policy));
    kyso_der_end(&v, q, KYSO_DER_SEQUENCE);
    kyso_der_end(&v, p, KYSO_DER_SEQUENCE);
  }
  kyso_der_end(&v, m[0], KYSO_DER_SEQUENCE);
  set_put(s, OID(oid_signing_cert_v2), &v);
  kyso_buf_free(&v);
}

/* ---- the rows' edits ---------------------------------------------------- */

static void ct_signed_data(test_attrs_set *s, const test_attrs_env *e) {
  (void)e;
  put_one(s, OID(oid_content_type), KYSO_DER_OID, OID(oid_signed_data));
}

static void ct_tst_info(test_attrs_set *s, const test_attrs_env *e) {
  (void)e;
  put_one(s, OID(oid_content_type), KYSO_DER_OID, OID(oid_tst_info));
}

static void ct_authenticode(test_attrs_set *s, const test_attrs_env *e) {
  (void)e;
  put_one(s, OID(oid_content_type), KYSO_DER_OID, OID(oid_spc_indirect_data));
}

static void ct_malformed(test_attrs_set *s, const test_attrs_env *e) {
  (void)e;
  put_one(s, OID(oid_content_type), KYSO_DER_OID, OID(oid_malformed));
}

static void ct_padded(test_attrs_set *s, const test_attrs_env *e) {
  (void)e;
  put_one(s, OID(oid_content_type), KYSO_DER_OID, OID(oid_data_padded));
}

static void ct_octet_string(test_attrs_set *s, const test_attrs_env *e) {
  (void)e;
  put_one(s, OID(oid_content_type), KYSO_DER_OCTET_STRING, OID(oid_data));
}

static void signing_time(test_attrs_set *s, const char *utc_time) {
  put_one(s, OID(oid_signing_time), 0x17 /* UTCTime */,
          (const uint8_t *)utc_time, strlen(utc_time));
}

static void signing_time_1999(test_attrs_set *s, const test_attrs_env *e) {
  (void)e;
  signing_time(s, "990101000000Z");
}

static void signing_time_2049(test_attrs_set *s, const test_attrs_env *e) {
  (void)e;
  signing_time(s, "491231235959Z");
}

static void commitment_type(test_attrs_set *s, const test_attrs_env *e) {
  kyso_buf v;
  size_t m;

  (void)e;
  kyso_buf_init(&v);
  m = kyso_der_begin(&v); /* CommitmentTypeIndication { proofOfOrigin } */
  kyso_der_put_oid(&v, OID(oid_proof_of_origin));
  kyso_der_end(&v, m, KYSO_DER_SEQUENCE);
  set_put(s, OID(oid_commitment_type), &v);
  kyso_buf_free(&v);
}

static void unknown_ber(test_attrs_set *s, const test_attrs_env *e) {
  /* SEQUENCE, indefinite length { OCTET STRING "A" } end-of-contents */
  static const uint8_t ber[] = {0x30, 0x80, 0x04, 0x01, 0x41, 0x00, 0x00};
  kyso_buf v;

  (void)e;
  kyso_buf_init(&v);
  kyso_buf_append(&v, ber, sizeof(ber));
  set_put(s, OID(oid_unknown), &v);
  kyso_buf_free(&v);
}

static void countersignature(test_attrs_set *s, const test_attrs_env *e) {
  /* A SignerInfo's shape: version 1, then the rest left out. */
  kyso_buf v;
  size_t m;

  (void)e;
  kyso_buf_init(&v);
  m = kyso_der_begin(&v);
  kyso_der_put_uint(&v, 1);
  kyso_der_put(&v, KYSO_DER_OCTET_STRING, (const uint8_t *)"sig", 3);
  kyso_der_end(&v, m, KYSO_DER_SEQUENCE);
  set_put(s, OID(oid_countersignature), &v);
  kyso_buf_free(&v);
}

static void md_hidden(test_attrs_set *s, const test_attrs_env *e) {
  uint8_t other[64];

  memset(other, 0xee, sizeof(other));
  put_one(s, OID(oid_message_digest_padded), KYSO_DER_OCTET_STRING, other,
          kyso_digest_size(e->digest));
}

static void signing_cert_v1_other(test_attrs_set *s, const test_attrs_env *e) {
  /* SigningCertificate { certs { ESSCertID { certHash SHA-1 } } } (RFC
   * 2634 5.4) naming the other certificate. */
  kyso_buf v;
  uint8_t hash[20];
  unsigned int hash_len = 0;
  size_t m[3];

  EVP_Digest(e->other.data, e->other.len, hash, &hash_len, EVP_sha1(), NULL);
  kyso_buf_init(&v);
  m[0] = kyso_der_begin(&v);
  m[1] = kyso_der_begin(&v);
  m[2] = kyso_der_begin(&v);
  kyso_der_put(&v, KYSO_DER_OCTET_STRING, hash, sizeof(hash));
  kyso_der_end(&v, m[2], KYSO_DER_SEQUENCE);
  kyso_der_end(&v, m[1], KYSO_DER_SEQUENCE);
  kyso_der_end(&v, m[0], KYSO_DER_SEQUENCE);
  set_put(s, OID(oid_signing_cert_v1), &v);
  kyso_buf_free(&v);
}

static void md_two_values(test_attrs_set *s, const test_attrs_env *e) {
  uint8_t md[64], other[64];
  kyso_buf v;
  size_t n = kyso_digest_size(e->digest);

  test_attrs_md(e->digest, md);
  memset(other, 0xee, sizeof(other));
  kyso_buf_init(&v);
  kyso_der_put(&v, KYSO_DER_OCTET_STRING, md, n);
  kyso_der_put(&v, KYSO_DER_OCTET_STRING, other, n);
  set_put(s, OID(oid_message_digest), &v);
  kyso_buf_free(&v);
}

static void md_sha1_length(test_attrs_set *s, const test_attrs_env *e) {
  uint8_t md[20];

  (void)e;
  memset(md, 1, sizeof(md));
  put_one(s, OID(oid_message_digest), KYSO_DER_OCTET_STRING, md, sizeof(md));
}

static void md_sha384_length(test_attrs_set *s, const test_attrs_env *e) {
  uint8_t md[64];

  (void)e;
  test_attrs_md(KYSO_DIGEST_SHA384, md);
  put_one(s, OID(oid_message_digest), KYSO_DER_OCTET_STRING, md, 48);
}

static void attr_trailing(test_attrs_set *s, const test_attrs_env *e) {
  /* content-type Attribute { type, values, NULL }: octets after the SET */
  size_t m;

  (void)e;
  set_remove(s, OID(oid_content_type));
  kyso_buf_init(&s->attr[s->n]);
  m = kyso_der_begin(&s->attr[s->n]);
  kyso_der_put_oid(&s->attr[s->n], OID(oid_content_type));
  {
    size_t v = kyso_der_begin(&s->attr[s->n]);
    kyso_der_put_oid(&s->attr[s->n], OID(oid_data));
    kyso_der_end(&s->attr[s->n], v, KYSO_DER_SET);
  }
  kyso_der_put_null(&s->attr[s->n]);
  kyso_der_end(&s->attr[s->n], m, KYSO_DER_SEQUENCE);
  s->n++;
}

static void remove_content_type(test_attrs_set *s, const test_attrs_env *e) {
  (void)e;
  set_remove(s, OID(oid_content_type));
}

static void remove_message_digest(test_attrs_set *s, const test_attrs_env *e) {
  (void)e;
  set_remove(s, OID(oid_message_digest));
}

static void remove_signing_cert(test_attrs_set *s, const test_attrs_env *e) {
  (void)e;
  set_remove(s, OID(oid_signing_cert_v2));
}

static void content_type_twice(test_attrs_set *s, const test_attrs_env *e) {
  kyso_buf v;

  (void)e;
  kyso_buf_init(&v);
  kyso_der_put_oid(&v, OID(oid_data));
  set_add(s, OID(oid_content_type), &v);
  kyso_buf_free(&v);
}

static void empty_values(test_attrs_set *s, const test_attrs_env *e) {
  kyso_buf v;

  (void)e;
  kyso_buf_init(&v);
  set_put(s, OID(oid_content_type), &v);
  kyso_buf_free(&v);
}

/* cms-algorithm-protection rows. */

static void ap_matching(test_attrs_set *s, const test_attrs_env *e,
                        test_attrs_key key) {
  if (key == TEST_ATTRS_KEY_EC)
    put_protection(s, e->digest,
                   e->digest == KYSO_DIGEST_SHA512   ? oid_ecdsa_sha512
                   : e->digest == KYSO_DIGEST_SHA384 ? oid_ecdsa_sha384
                                                     : oid_ecdsa_sha256,
                   sizeof(oid_ecdsa_sha256), 0, NULL, 0);
  else
    put_protection(s, e->digest, OID(oid_rsa_encryption), 1, NULL, 0);
}

static void ap_rsa(test_attrs_set *s, const test_attrs_env *e) {
  ap_matching(s, e, TEST_ATTRS_KEY_RSA);
}

static void ap_rsa_sha384(test_attrs_set *s, const test_attrs_env *e) {
  /* sha384WithRSAEncryption, parameters absent (RFC 4055 5 accepts both) */
  put_protection(s, e->digest, OID(oid_sha384_rsa), 0, NULL, 0);
}

static void ap_ec(test_attrs_set *s, const test_attrs_env *e) {
  ap_matching(s, e, TEST_ATTRS_KEY_EC);
}

static void ap_digest_mismatch(test_attrs_set *s, const test_attrs_env *e) {
  (void)e; /* the rows' message-digest is SHA-256 */
  put_protection(s, KYSO_DIGEST_SHA384, OID(oid_sha384_rsa), 1, NULL, 0);
}

static void ap_pss(test_attrs_set *s, const test_attrs_env *e) {
  put_protection(s, e->digest, OID(oid_rsassa_pss), 0, NULL, 0);
}

static void ap_ecdsa_for_rsa(test_attrs_set *s, const test_attrs_env *e) {
  put_protection(s, e->digest, OID(oid_ecdsa_sha256), 0, NULL, 0);
}

static void ap_rsa_for_ec(test_attrs_set *s, const test_attrs_env *e) {
  put_protection(s, e->digest, OID(oid_sha256_rsa), 1, NULL, 0);
}

static void ap_ecdsa_null(test_attrs_set *s, const test_attrs_env *e) {
  put_protection(s, e->digest, OID(oid_ecdsa_sha256), 1, NULL, 0);
}

static void ap_sig_hash_mismatch(test_attrs_set *s, const test_attrs_env *e) {
  put_protection(s, e->digest, OID(oid_sha384_rsa), 1, NULL, 0);
}

static void ap_no_signature(test_attrs_set *s, const test_attrs_env *e) {
  put_protection(s, e->digest, NULL, 0, 0, NULL, 0);
}

static void ap_mac(test_attrs_set *s, const test_attrs_env *e) {
  /* [2] macAlgorithm hmacWithSHA256 (1.2.840.113549.2.9) instead of a
   * signatureAlgorithm */
  static const uint8_t mac[] = {0xa2, 0x0a, 0x06, 0x08, 0x2a, 0x86,
                                0x48, 0x86, 0xf7, 0x0d, 0x02, 0x09};
  put_protection(s, e->digest, NULL, 0, 0, mac, sizeof(mac));
}

static void ap_trailing(test_attrs_set *s, const test_attrs_env *e) {
  static const uint8_t null[] = {0x05, 0x00};
  put_protection(s, e->digest, OID(oid_rsa_encryption), 1, null, sizeof(null));
}

/* signing-certificate-v2 rows. */

static void sc_sha256_written(test_attrs_set *s, const test_attrs_env *e) {
  put_signing_cert_v2(s, e->cert, e->digest, 1, NULL, 0);
}

static void sc_two_certs(test_attrs_set *s, const test_attrs_env *e) {
  put_signing_cert_v2(s, e->cert, e->digest, 0, &e->other, 0);
}

static void sc_policies(test_attrs_set *s, const test_attrs_env *e) {
  put_signing_cert_v2(s, e->cert, e->digest, 0, NULL, 1);
}

static void sc_sha1_alg(test_attrs_set *s, const test_attrs_env *e) {
  /* ESSCertIDv2 { hashAlgorithm SHA-1, certHash } */
  kyso_buf v;
  uint8_t hash[20];
  unsigned int hash_len = 0;
  size_t m[3];

  EVP_Digest(e->cert.data, e->cert.len, hash, &hash_len, EVP_sha1(), NULL);
  kyso_buf_init(&v);
  m[0] = kyso_der_begin(&v);
  m[1] = kyso_der_begin(&v);
  m[2] = kyso_der_begin(&v);
  put_alg(&v, KYSO_DER_SEQUENCE, OID(oid_sha1), 0);
  kyso_der_put(&v, KYSO_DER_OCTET_STRING, hash, sizeof(hash));
  kyso_der_end(&v, m[2], KYSO_DER_SEQUENCE);
  kyso_der_end(&v, m[1], KYSO_DER_SEQUENCE);
  kyso_der_end(&v, m[0], KYSO_DER_SEQUENCE);
  set_put(s, OID(oid_signing_cert_v2), &v);
  kyso_buf_free(&v);
}

static void sc_without_issuer_serial(test_attrs_set *s,
                                     const test_attrs_env *e) {
  put_signing_cert_v2(s, e->cert, e->digest, 0, NULL, 0);
}

/* ---- the table ---------------------------------------------------------- */

#define ANY TEST_ATTRS_KEY_ANY
#define RSA TEST_ATTRS_KEY_RSA
#define EC TEST_ATTRS_KEY_EC
#define S256 KYSO_DIGEST_SHA256
#define S384 KYSO_DIGEST_SHA384
#define S512 KYSO_DIGEST_SHA512
#define ATTRS KYSO_ERR_SIGN_ATTRS

const test_attrs_case test_attrs_cases[] = {
    /* accepted: kyso's own, with and without cms-algorithm-protection */
    {"kyso-rsa-sha256", RSA, S256, NULL, 0, KYSO_OK},
    {"kyso-rsa-sha384", RSA, S384, NULL, 0, KYSO_OK},
    {"kyso-rsa-sha512", RSA, S512, NULL, 0, KYSO_OK},
    {"kyso-ec-sha256", EC, S256, NULL, 0, KYSO_OK},
    {"kyso-ec-sha384", EC, S384, NULL, 0, KYSO_OK},
    {"kyso-ec-sha512", EC, S512, NULL, 0, KYSO_OK},
    {"protection-rsa-sha256", RSA, S256, ap_rsa, 0, KYSO_OK},
    {"protection-rsa-sha384-with-rsa", RSA, S384, ap_rsa_sha384, 0, KYSO_OK},
    {"protection-rsa-sha512", RSA, S512, ap_rsa, 0, KYSO_OK},
    {"protection-ec-sha256", EC, S256, ap_ec, 0, KYSO_OK},
    {"protection-ec-sha512", EC, S512, ap_ec, 0, KYSO_OK},
    {"signing-cert-without-issuer-serial", ANY, S384, sc_without_issuer_serial,
     0, KYSO_OK},

    /* issue 11 item 3: content types that make the signature another thing */
    {"content-type-signed-data", ANY, S256, ct_signed_data, 0, ATTRS},
    {"content-type-tstinfo", ANY, S256, ct_tst_info, 0, ATTRS},
    {"content-type-authenticode", ANY, S256, ct_authenticode, 0, ATTRS},
    {"content-type-malformed-oid", ANY, S256, ct_malformed, 0, ATTRS},
    {"content-type-padded-id-data", ANY, S256, ct_padded, 0, ATTRS},
    {"content-type-not-an-oid", ANY, S256, ct_octet_string, 0, ATTRS},
    /* extra attributes */
    {"signing-time-1999", ANY, S256, signing_time_1999, 0, ATTRS},
    {"signing-time-2049", ANY, S256, signing_time_2049, 0, ATTRS},
    {"commitment-type", ANY, S256, commitment_type, 0, ATTRS},
    {"unknown-attribute-ber", ANY, S256, unknown_ber, 0, ATTRS},
    {"countersignature", ANY, S256, countersignature, 0, ATTRS},
    {"signing-certificate-v1-other", ANY, S256, signing_cert_v1_other, 0,
     ATTRS},
    /* DER and structure */
    {"unsorted-set", ANY, S256, NULL, TEST_ATTRS_UNSORTED, ATTRS},
    {"message-digest-hidden-padded-oid", ANY, S256, md_hidden, 0, ATTRS},
    {"message-digest-two-values", ANY, S256, md_two_values, 0, ATTRS},
    {"content-type-no-value", ANY, S256, empty_values, 0, ATTRS},
    {"content-type-twice", ANY, S256, content_type_twice, 0, ATTRS},
    {"trailing-byte-after-set", ANY, S256, NULL, TEST_ATTRS_TRAILING, ATTRS},
    {"trailing-in-attribute", ANY, S256, attr_trailing, 0, ATTRS},
    {"trailing-in-protection", RSA, S256, ap_trailing, 0, ATTRS},
    {"long-form-length", ANY, S256, NULL, TEST_ATTRS_LONG_LENGTH, ATTRS},
    {"without-content-type", ANY, S256, remove_content_type, 0, ATTRS},
    {"without-message-digest", ANY, S256, remove_message_digest, 0, ATTRS},
    {"without-signing-certificate", ANY, S256, remove_signing_cert, 0, ATTRS},
    {"message-digest-sha1-length", ANY, S256, md_sha1_length, 0, ATTRS},
    /* digest consistency */
    {"protection-digest-mismatch", RSA, S256, ap_digest_mismatch, 0, ATTRS},
    {"signing-cert-hash-mismatch", ANY, S256, md_sha384_length, 0, ATTRS},
    {"signing-cert-sha256-written-out", ANY, S256, sc_sha256_written, 0, ATTRS},
    {"signing-cert-sha1", ANY, S256, sc_sha1_alg, 0, ATTRS},
    {"signing-cert-two-certificates", ANY, S256, sc_two_certs, 0, ATTRS},
    {"signing-cert-policies", ANY, S256, sc_policies, 0, ATTRS},
    /* signatureAlgorithm the host would not make */
    {"protection-pss-for-rsa", RSA, S256, ap_pss, 0, ATTRS},
    {"protection-ecdsa-for-rsa", RSA, S256, ap_ecdsa_for_rsa, 0, ATTRS},
    {"protection-sha384-rsa-for-sha256", RSA, S256, ap_sig_hash_mismatch, 0,
     ATTRS},
    {"protection-rsa-for-ec", EC, S256, ap_rsa_for_ec, 0, ATTRS},
    {"protection-ecdsa-with-null", EC, S256, ap_ecdsa_null, 0, ATTRS},
    {"protection-without-signature-algorithm", ANY, S256, ap_no_signature, 0,
     ATTRS},
    {"protection-mac-algorithm", ANY, S256, ap_mac, 0, ATTRS},
    /* another certificate's attributes */
    {"other-certificate", ANY, S256, NULL, TEST_ATTRS_OTHER_CERT,
     KYSO_ERR_SIGN_CERTIFICATE},
};

const size_t test_attrs_case_count =
    sizeof(test_attrs_cases) / sizeof(test_attrs_cases[0]);

int test_attrs_case_fits(const test_attrs_case *c, test_attrs_key key) {
  return c->key == TEST_ATTRS_KEY_ANY || c->key == key;
}

/* ---- assembling a row --------------------------------------------------- */

/* Splits kyso's SET into s. */
static int set_split(test_attrs_set *s, const kyso_buf *own) {
  kyso_blob all = {own->data, own->len}, set, content, whole;
  uint8_t tag;

  s->n = 0;
  if (kyso_der_read_only(all, KYSO_DER_SET, &set) != 0)
    return -1;
  while (set.len > 0 && s->n < TEST_ATTRS_MAX) {
    if (kyso_der_read(&set, &tag, &content, &whole) != 0)
      return -1;
    kyso_buf_init(&s->attr[s->n]);
    kyso_buf_append(&s->attr[s->n], whole.data, whole.len);
    s->n++;
  }
  return 0;
}

static void set_free(test_attrs_set *s) {
  size_t i;

  for (i = 0; i < s->n; i++)
    kyso_buf_free(&s->attr[i]);
  s->n = 0;
}

/* Writes s as a SET: DER order, or descending with UNSORTED; the length
 * padded with LONG_LENGTH; an octet after it with TRAILING. */
static void set_write(test_attrs_set *s, int flags, kyso_buf *out) {
  kyso_blob items[TEST_ATTRS_MAX], t;
  kyso_buf sorted;
  size_t i, total = 0;

  for (i = 0; i < s->n; i++) {
    items[i].data = s->attr[i].data;
    items[i].len = s->attr[i].len;
    total += items[i].len;
  }
  kyso_buf_init(&sorted);
  kyso_der_put_set_of(&sorted, KYSO_DER_SET, items, s->n); /* sorts items */
  if (flags & TEST_ATTRS_UNSORTED) {
    for (i = 0; i < s->n / 2; i++) {
      t = items[i];
      items[i] = items[s->n - 1 - i];
      items[s->n - 1 - i] = t;
    }
  }
  if (flags & TEST_ATTRS_LONG_LENGTH) {
    uint8_t head[5] = {KYSO_DER_SET, 0x83, (uint8_t)(total >> 16),
                       (uint8_t)(total >> 8), (uint8_t)total};
    kyso_buf_append(out, head, sizeof(head));
  } else {
    kyso_der_put_header(out, KYSO_DER_SET, total);
  }
  for (i = 0; i < s->n; i++)
    kyso_buf_append(out, items[i].data, items[i].len);
  if (flags & TEST_ATTRS_TRAILING)
    kyso_buf_append_byte(out, 0x00);
  kyso_buf_free(&sorted);
}

static int base_build(kyso_blob cert, kyso_digest d, const uint8_t *md,
                      test_attrs_set *s) {
  kyso_buf own;
  kyso_error err;
  int ret = -1;

  kyso_buf_init(&own);
  if (kyso_cms_build_signed_attrs(cert, d, md, kyso_digest_size(d), &own,
                                  &err) == KYSO_OK &&
      set_split(s, &own) == 0)
    ret = 0;
  kyso_buf_free(&own);
  return ret;
}

int test_attrs_build(const test_attrs_case *c, kyso_blob cert, kyso_blob other,
                     kyso_buf *out) {
  test_attrs_set s;
  test_attrs_env env = {cert, other, c->digest};
  uint8_t md[64];
  int ret = -1;

  s.n = 0;
  test_attrs_md(c->digest, md);
  if (base_build(c->flags & TEST_ATTRS_OTHER_CERT ? other : cert, c->digest, md,
                 &s) != 0)
    goto done;
  if (c->edit)
    c->edit(&s, &env);
  set_write(&s, c->flags, out);
  ret = kyso_buf_ok(out) ? 0 : -1;
done:
  set_free(&s);
  return ret;
}

int test_attrs_build_cades(kyso_blob cert, const uint8_t md[32],
                           kyso_buf *out) {
  test_attrs_set s;
  int ret = -1;

  s.n = 0;
  if (base_build(cert, KYSO_DIGEST_SHA256, md, &s) != 0)
    goto done;
  signing_time(&s, "190315090000Z");
  set_write(&s, 0, out);
  ret = kyso_buf_ok(out) ? 0 : -1;
done:
  set_free(&s);
  return ret;
}
