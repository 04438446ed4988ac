/*
 * cms_attrs_check.c - is this blob the SignedAttributes of a PAdES
 * signature by this certificate, and nothing more? See kyso/cms.h.
 *
 * The profile is closed: the four attributes a PAdES signature needs are
 * each parsed completely with the core's DER reader (der_read.h), and any
 * other attribute is refused by name. A key that signs these attributes
 * then vouches only for "this certificate signed content whose digest is
 * message-digest", never for a signing time, a commitment, a policy or a
 * content type the user was not shown. The certificate is read with the
 * same reader (issuer, serial number, key algorithm) and hashed with
 * OpenSSL.
 */
#include "kyso/cms.h"

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "cms/cms_oid.h"
#include "cms/der_read.h"
#include "cms/der_write.h" /* KYSO_DER_* tags, kyso_der_set_order */

/* Room for an OID in dotted form in an error message. */
enum { ATTRS_OID_TEXT_MAX = 64 };

/* Identifier octets read here beyond der_write.h's. */
enum {
  DER_CONTEXT_0 = 0xa0,     /* TBSCertificate version [0] EXPLICIT */
  DER_CONTEXT_1 = 0xa1,     /* signatureAlgorithm [1] IMPLICIT */
  DER_CONTEXT_2 = 0xa2,     /* macAlgorithm [2] IMPLICIT */
  DER_DIRECTORY_NAME = 0xa4 /* GeneralName directoryName [4] EXPLICIT */
};

/* Object identifiers, DER content octets (X.690 8.19). */
static const uint8_t oid_algorithm_protection[] = {
    /* id-aa-CMSAlgorithmProtection 1.2.840.113549.1.9.52 (RFC 6211) */
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x34};
static const uint8_t oid_ec_public_key[] = {/* 1.2.840.10045.2.1 */
                                            0x2a, 0x86, 0x48, 0xce,
                                            0x3d, 0x02, 0x01};
static const uint8_t oid_sha256_rsa[] = {/* 1.2.840.113549.1.1.11 */
                                         0x2a, 0x86, 0x48, 0x86, 0xf7,
                                         0x0d, 0x01, 0x01, 0x0b};
static const uint8_t oid_sha384_rsa[] = {/* 1.2.840.113549.1.1.12 */
                                         0x2a, 0x86, 0x48, 0x86, 0xf7,
                                         0x0d, 0x01, 0x01, 0x0c};
static const uint8_t oid_sha512_rsa[] = {/* 1.2.840.113549.1.1.13 */
                                         0x2a, 0x86, 0x48, 0x86, 0xf7,
                                         0x0d, 0x01, 0x01, 0x0d};

#define OID(a) a, sizeof(a)

/* The digests a message-digest may be, with the OIDs that must agree with
 * it: its own, and the signature algorithms the host makes with it (kyso's
 * token layer: RSA PKCS#1 v1.5 or ECDSA, kyso_token_auto_scheme). */
typedef struct digest_row {
  kyso_digest digest;
  size_t size;
  const char *name;
  const uint8_t *oid;
  size_t oid_len;
  const uint8_t *rsa_oid;
  size_t rsa_oid_len;
  const uint8_t *ecdsa_oid;
  size_t ecdsa_oid_len;
  const EVP_MD *(*md)(void);
} digest_row;

static const digest_row digest_rows[] = {
    {KYSO_DIGEST_SHA256, 32, "SHA-256", OID(kyso_oid_sha256),
     OID(oid_sha256_rsa), OID(kyso_oid_ecdsa_sha256), EVP_sha256},
    {KYSO_DIGEST_SHA384, 48, "SHA-384", OID(kyso_oid_sha384),
     OID(oid_sha384_rsa), OID(kyso_oid_ecdsa_sha384), EVP_sha384},
    {KYSO_DIGEST_SHA512, 64, "SHA-512", OID(kyso_oid_sha512),
     OID(oid_sha512_rsa), OID(kyso_oid_ecdsa_sha512), EVP_sha512}};

enum { DIGEST_ROWS = sizeof(digest_rows) / sizeof(digest_rows[0]) };

/* The attributes the profile admits: what ETSI EN 319 142-1 5.2.2 puts in a
 * PAdES baseline signature's signedAttrs, plus RFC 6211's protection of the
 * algorithm choice. */
typedef enum attr_kind {
  ATTR_CONTENT_TYPE,
  ATTR_MESSAGE_DIGEST,
  ATTR_SIGNING_CERT_V2,
  ATTR_ALGORITHM_PROTECTION,
  ATTR_KIND_COUNT
} attr_kind;

typedef struct attr_row {
  const uint8_t *oid;
  size_t oid_len;
  const char *name;
} attr_row;

static const attr_row allowed_attrs[ATTR_KIND_COUNT] = {
    {OID(kyso_oid_content_type), "content-type"},
    {OID(kyso_oid_message_digest), "message-digest"},
    {OID(kyso_oid_signing_cert_v2), "signing-certificate-v2"},
    {OID(oid_algorithm_protection), "cms-algorithm-protection"}};

/* Attributes refused by name in messages, so a log says what was tried. */
static const uint8_t oid_signing_time[] = {/* 1.2.840.113549.1.9.5 */
                                           0x2a, 0x86, 0x48, 0x86, 0xf7,
                                           0x0d, 0x01, 0x09, 0x05};
static const uint8_t oid_countersignature[] = {/* 1.2.840.113549.1.9.6 */
                                               0x2a, 0x86, 0x48, 0x86, 0xf7,
                                               0x0d, 0x01, 0x09, 0x06};
static const uint8_t oid_signing_cert[] = {/* 1.2.840.113549.1.9.16.2.12 */
                                           0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
                                           0x01, 0x09, 0x10, 0x02, 0x0c};
static const uint8_t oid_policy[] = {/* 1.2.840.113549.1.9.16.2.15 */
                                     0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
                                     0x01, 0x09, 0x10, 0x02, 0x0f};
static const uint8_t oid_commitment_type[] = {/* 1.2.840.113549.1.9.16.2.16 */
                                              0x2a, 0x86, 0x48, 0x86,
                                              0xf7, 0x0d, 0x01, 0x09,
                                              0x10, 0x02, 0x10};
static const uint8_t oid_content_time_stamp[] = {
    /* 1.2.840.113549.1.9.16.2.20 */
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x02, 0x14};

static const attr_row refused_attrs[] = {
    {OID(oid_signing_time), "signing-time"},
    {OID(oid_countersignature), "countersignature"},
    {OID(oid_signing_cert), "signing-certificate (v1)"},
    {OID(oid_policy), "signature-policy-identifier"},
    {OID(oid_commitment_type), "commitment-type-indication"},
    {OID(oid_content_time_stamp), "content-timestamp"}};

/* The key algorithm of the certificate, which fixes what the host signs
 * with: rsaEncryption keys make PKCS#1 v1.5 signatures, id-ecPublicKey keys
 * ECDSA; any other key (an id-RSASSA-PSS key) gets no signatureAlgorithm
 * accepted. */
typedef enum key_kind { KEY_OTHER, KEY_RSA, KEY_EC } key_kind;

/* What the checker reads from the certificate (RFC 5280 4.1), borrowed. */
typedef struct cert_fields {
  kyso_blob issuer; /* whole Name TLV */
  kyso_blob serial; /* INTEGER content octets */
  key_kind key;
} cert_fields;

static kyso_status attrs_fail(kyso_error *err, const char *message) {
  return kyso_error_set(err, KYSO_ERR_SIGN_ATTRS, "SignedAttributes: %s",
                        message);
}

/* AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY
 * OPTIONAL } (content octets in alg). *oid the algorithm; -1 unless the
 * parameters are absent or NULL, the only forms the SHA-2, RSA PKCS#1 and
 * ECDSA identifiers take (RFC 5754 2, RFC 4055 5, RFC 5758 3.2). *has_null
 * tells which. */
static int alg_read(kyso_blob alg, kyso_blob *oid, int *has_null) {
  kyso_blob null;

  *has_null = 0;
  if (kyso_der_read_expect(&alg, KYSO_DER_OID, oid) != 0 ||
      !kyso_der_oid_valid(*oid))
    return -1;
  if (alg.len == 0)
    return 0;
  if (kyso_der_read_only(alg, KYSO_DER_NULL, &null) != 0 || null.len != 0)
    return -1;
  *has_null = 1;
  return 0;
}

/* Reads the issuer, serial number and key algorithm from a DER
 * certificate without a full parse: Certificate { TBSCertificate {
 * [0] version OPTIONAL, serialNumber, signature, issuer, validity,
 * subject, subjectPublicKeyInfo { algorithm { OID, ... }, ... }, ... } }. */
static int cert_fields_read(const uint8_t *cert, size_t len, cert_fields *out) {
  kyso_blob all = {cert, len};
  kyso_blob c, tbs, skip, spki, alg, oid;
  uint8_t tag;

  if (kyso_der_read_only(all, KYSO_DER_SEQUENCE, &c) != 0 ||
      kyso_der_read_expect(&c, KYSO_DER_SEQUENCE, &tbs) != 0 ||
      kyso_der_read(&tbs, &tag, &skip, NULL) != 0)
    return -1;
  if (tag == DER_CONTEXT_0 && kyso_der_read(&tbs, &tag, &skip, NULL) != 0)
    return -1;
  if (tag != KYSO_DER_INTEGER)
    return -1;
  out->serial = skip;
  if (kyso_der_read_expect(&tbs, KYSO_DER_SEQUENCE, &skip) != 0 ||
      kyso_der_read(&tbs, &tag, &skip, &out->issuer) != 0 ||
      tag != KYSO_DER_SEQUENCE)
    return -1;
  /* The key algorithm only matters to cms-algorithm-protection; a
   * certificate whose later fields kyso cannot read is still usable
   * without it. */
  out->key = KEY_OTHER;
  if (kyso_der_read_expect(&tbs, KYSO_DER_SEQUENCE, &skip) == 0 &&
      kyso_der_read_expect(&tbs, KYSO_DER_SEQUENCE, &skip) == 0 &&
      kyso_der_read_expect(&tbs, KYSO_DER_SEQUENCE, &spki) == 0 &&
      kyso_der_read_expect(&spki, KYSO_DER_SEQUENCE, &alg) == 0 &&
      kyso_der_read_expect(&alg, KYSO_DER_OID, &oid) == 0) {
    if (kyso_der_equal(oid, OID(kyso_oid_rsa_encryption)))
      out->key = KEY_RSA;
    else if (kyso_der_equal(oid, OID(oid_ec_public_key)))
      out->key = KEY_EC;
  }
  return 0;
}

/* IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber } (RFC
 * 5035 4), content octets in is: one directoryName that is cert's issuer,
 * and cert's serial number. */
static kyso_status issuer_serial_check(kyso_blob is, const cert_fields *cf,
                                       kyso_error *err) {
  kyso_blob names, name, serial, name_der, name_content;
  uint8_t tag;

  if (kyso_der_read_expect(&is, KYSO_DER_SEQUENCE, &names) != 0 ||
      kyso_der_read_expect(&is, KYSO_DER_INTEGER, &serial) != 0 ||
      is.len != 0 || kyso_der_read_only(names, DER_DIRECTORY_NAME, &name) != 0)
    return attrs_fail(err, "signing-certificate-v2: issuerSerial is not one "
                           "directoryName and a serial number");
  if (kyso_der_read(&name, &tag, &name_content, &name_der) != 0 ||
      tag != KYSO_DER_SEQUENCE || name.len != 0)
    return attrs_fail(err, "signing-certificate-v2: issuer is not a Name");
  if (!kyso_der_equal(name_der, cf->issuer.data, cf->issuer.len) ||
      !kyso_der_equal(serial, cf->serial.data, cf->serial.len))
    return kyso_error_set(err, KYSO_ERR_SIGN_CERTIFICATE,
                          "signing-certificate-v2 names another "
                          "certificate's issuer and serial number");
  return KYSO_OK;
}

/* SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2,
 * policies OPTIONAL } (RFC 5035 3), content octets in sc. The profile:
 * one ESSCertIDv2, the signer's; no policies; hashAlgorithm the digest of
 * the message-digest (omitted for SHA-256, its DEFAULT, X.690 11.5);
 * certHash the hash of cert; issuerSerial, when there, cert's. */
static kyso_status signing_cert_check(kyso_blob sc, const digest_row *dr,
                                      const uint8_t *cert, size_t cert_len,
                                      const cert_fields *cf, kyso_error *err) {
  kyso_blob certs, id, elem, oid;
  uint8_t tag;
  uint8_t hash[EVP_MAX_MD_SIZE];
  unsigned int hash_len = 0;
  int has_null;

  if (kyso_der_read_expect(&sc, KYSO_DER_SEQUENCE, &certs) != 0 ||
      kyso_der_read_expect(&certs, KYSO_DER_SEQUENCE, &id) != 0)
    return attrs_fail(err, "signing-certificate-v2: no ESSCertIDv2");
  if (certs.len != 0)
    return attrs_fail(err, "signing-certificate-v2 names more than the "
                           "signer's certificate");
  if (sc.len != 0)
    return attrs_fail(err, "signing-certificate-v2: policies are not "
                           "allowed");
  if (kyso_der_read(&id, &tag, &elem, NULL) != 0)
    return attrs_fail(err, "signing-certificate-v2: empty ESSCertIDv2");
  if (tag == KYSO_DER_SEQUENCE) {
    if (alg_read(elem, &oid, &has_null) != 0)
      return attrs_fail(err, "signing-certificate-v2: malformed "
                             "hashAlgorithm");
    if (kyso_der_equal(oid, OID(kyso_oid_sha256)))
      return attrs_fail(err, "signing-certificate-v2: hashAlgorithm SHA-256 "
                             "written out, DER omits a DEFAULT (X.690 11.5)");
    if (!kyso_der_equal(oid, dr->oid, dr->oid_len))
      return kyso_error_set(err, KYSO_ERR_SIGN_ATTRS,
                            "SignedAttributes: signing-certificate-v2 "
                            "hashAlgorithm is not %s, the message-digest's",
                            dr->name);
    if (kyso_der_read(&id, &tag, &elem, NULL) != 0)
      return attrs_fail(err, "signing-certificate-v2: no certHash");
  } else if (dr->digest != KYSO_DIGEST_SHA256) {
    return kyso_error_set(err, KYSO_ERR_SIGN_ATTRS,
                          "SignedAttributes: signing-certificate-v2 "
                          "hashAlgorithm is SHA-256 (default), the "
                          "message-digest is %s",
                          dr->name);
  }
  if (tag != KYSO_DER_OCTET_STRING)
    return attrs_fail(err, "signing-certificate-v2: certHash is not an "
                           "OCTET STRING");
  if (EVP_Digest(cert, cert_len, hash, &hash_len, dr->md(), NULL) != 1)
    return kyso_error_set(err, KYSO_ERR_CRYPTO, "cannot hash the certificate");
  if (!kyso_der_equal(elem, hash, hash_len))
    return kyso_error_set(err, KYSO_ERR_SIGN_CERTIFICATE,
                          "signing-certificate-v2 names another certificate");
  if (id.len == 0)
    return KYSO_OK;
  if (kyso_der_read_only(id, KYSO_DER_SEQUENCE, &elem) != 0)
    return attrs_fail(err, "signing-certificate-v2: trailing data in "
                           "ESSCertIDv2");
  return issuer_serial_check(elem, cf, err);
}

/* CMSAlgorithmProtection ::= SEQUENCE { digestAlgorithm,
 * signatureAlgorithm [1] IMPLICIT OPTIONAL, macAlgorithm [2] IMPLICIT
 * OPTIONAL } (RFC 6211 2), content octets in ap. A SignerInfo carries
 * signatureAlgorithm and no macAlgorithm (the WITH COMPONENTS constraint);
 * both must name what the host does: the message-digest's digest, and
 * PKCS#1 v1.5 (rsaEncryption or shaNNNWithRSAEncryption) for an RSA key,
 * ecdsa-with-SHANNN for an EC key. RSASSA-PSS is refused: the host would
 * not make it, so the attribute would lie. */
static kyso_status algorithm_protection_check(kyso_blob ap,
                                              const digest_row *dr,
                                              const cert_fields *cf,
                                              kyso_error *err) {
  kyso_blob alg, oid;
  uint8_t tag;
  int has_null;
  int ok;

  if (kyso_der_read_expect(&ap, KYSO_DER_SEQUENCE, &alg) != 0 ||
      alg_read(alg, &oid, &has_null) != 0)
    return attrs_fail(err, "cms-algorithm-protection: malformed "
                           "digestAlgorithm");
  if (!kyso_der_equal(oid, dr->oid, dr->oid_len))
    return kyso_error_set(err, KYSO_ERR_SIGN_ATTRS,
                          "SignedAttributes: cms-algorithm-protection "
                          "digestAlgorithm is not %s, the message-digest's",
                          dr->name);
  if (kyso_der_read(&ap, &tag, &alg, NULL) != 0)
    return attrs_fail(err, "cms-algorithm-protection without "
                           "signatureAlgorithm");
  if (tag == DER_CONTEXT_2)
    return attrs_fail(err, "cms-algorithm-protection: macAlgorithm is for "
                           "authenticated data, not a signature (RFC 6211 2)");
  if (tag != DER_CONTEXT_1 || ap.len != 0)
    return attrs_fail(err, "cms-algorithm-protection: not one "
                           "signatureAlgorithm and nothing after it");
  if (alg_read(alg, &oid, &has_null) != 0)
    return attrs_fail(err, "cms-algorithm-protection: malformed "
                           "signatureAlgorithm");
  switch (cf->key) {
  case KEY_RSA:
    ok = kyso_der_equal(oid, OID(kyso_oid_rsa_encryption)) ||
         kyso_der_equal(oid, dr->rsa_oid, dr->rsa_oid_len);
    break;
  case KEY_EC:
    /* RFC 5758 3.2: ecdsa-with-SHA2 parameters are absent. */
    ok = kyso_der_equal(oid, dr->ecdsa_oid, dr->ecdsa_oid_len) && !has_null;
    break;
  default: ok = 0; break;
  }
  if (!ok)
    return kyso_error_set(err, KYSO_ERR_SIGN_ATTRS,
                          "SignedAttributes: cms-algorithm-protection "
                          "signatureAlgorithm is not %s with %s, what this "
                          "certificate's key signs with",
                          cf->key == KEY_RSA  ? "RSA PKCS#1 v1.5"
                          : cf->key == KEY_EC ? "ECDSA"
                                              : "a supported scheme",
                          dr->name);
  return KYSO_OK;
}

/* The name of an attribute type the profile refuses, for the message. */
static void attr_name(kyso_blob oid, char *out, size_t cap) {
  char dotted[ATTRS_OID_TEXT_MAX];
  size_t i;

  kyso_der_oid_format(oid, dotted, sizeof(dotted));
  for (i = 0; i < sizeof(refused_attrs) / sizeof(refused_attrs[0]); i++) {
    if (kyso_der_equal(oid, refused_attrs[i].oid, refused_attrs[i].oid_len)) {
      snprintf(out, cap, "%s (%s)", refused_attrs[i].name, dotted);
      return;
    }
  }
  snprintf(out, cap, "attribute %s", dotted);
}

kyso_status kyso_cms_attrs_check(const uint8_t *attrs, size_t len,
                                 const uint8_t *cert, size_t cert_len,
                                 kyso_cms_attrs_info *info, kyso_error *err) {
  kyso_status ret = KYSO_ERR_SIGN_ATTRS;
  kyso_blob all = {attrs, len};
  kyso_blob set, attr, whole, oid, values;
  kyso_blob prev = {NULL, 0};
  kyso_blob value[ATTR_KIND_COUNT];
  int have[ATTR_KIND_COUNT] = {0};
  cert_fields cf;
  const digest_row *dr = NULL;
  char name[ATTRS_OID_TEXT_MAX + 48];
  size_t index = 0;
  size_t k;
  uint8_t tag;
  int kind;

  ERR_set_mark();
  if (info)
    memset(info, 0, sizeof(*info));
  if (!attrs || !cert || !info || cert_len == 0) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "attrs check: missing input");
    goto done;
  }
  if (len > KYSO_LIMIT_SIGNED_ATTRS) {
    ret = kyso_error_set(err, KYSO_ERR_LIMIT,
                         "SignedAttributes larger than %zu bytes "
                         "(KYSO_LIMIT_SIGNED_ATTRS)",
                         KYSO_LIMIT_SIGNED_ATTRS);
    goto done;
  }
  if (cert_fields_read(cert, cert_len, &cf) != 0) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                         "attrs check: the certificate cannot be parsed");
    goto done;
  }
  if (kyso_der_read_only(all, KYSO_DER_SET, &set) != 0) {
    ret = attrs_fail(err, "not one DER SET OF Attribute (RFC 5652 5.4): a "
                          "bare digest or other bytes are never signed");
    goto done;
  }
  /* Each of the four kinds at most once, anything else refused: the loop
   * ends after ATTR_KIND_COUNT + 1 attributes at the latest. */
  while (set.len > 0) {
    index++;
    if (kyso_der_read(&set, &tag, &attr, &whole) != 0 ||
        tag != KYSO_DER_SEQUENCE ||
        kyso_der_read_expect(&attr, KYSO_DER_OID, &oid) != 0 ||
        kyso_der_read_expect(&attr, KYSO_DER_SET, &values) != 0 ||
        attr.len != 0) {
      ret = kyso_error_set(err, KYSO_ERR_SIGN_ATTRS,
                           "SignedAttributes: Attribute %zu is not "
                           "SEQUENCE { OID, SET } in DER",
                           index);
      goto done;
    }
    /* Minimal OIDs make equal values equal octets (der_read.h), so the
     * duplicate check and the profile lookup below compare decoded OIDs:
     * a padded second message-digest cannot pass as another type. */
    if (!kyso_der_oid_valid(oid)) {
      ret = kyso_error_set(err, KYSO_ERR_SIGN_ATTRS,
                           "SignedAttributes: Attribute %zu type is not a "
                           "minimally encoded OID (X.690 8.19.2)",
                           index);
      goto done;
    }
    for (kind = 0; kind < ATTR_KIND_COUNT; kind++)
      if (kyso_der_equal(oid, allowed_attrs[kind].oid,
                         allowed_attrs[kind].oid_len))
        break;
    if (kind == ATTR_KIND_COUNT) {
      attr_name(oid, name, sizeof(name));
      ret = kyso_error_set(err, KYSO_ERR_SIGN_ATTRS,
                           "SignedAttributes: %s is not allowed (only "
                           "content-type, message-digest, "
                           "signing-certificate-v2, cms-algorithm-protection)",
                           name);
      goto done;
    }
    if (have[kind]) {
      ret = kyso_error_set(err, KYSO_ERR_SIGN_ATTRS,
                           "SignedAttributes: %s appears twice",
                           allowed_attrs[kind].name);
      goto done;
    }
    /* DER SET OF: elements ascending as octet strings (X.690 11.6). */
    if (prev.data && kyso_der_set_order(&prev, &whole) >= 0) {
      ret = attrs_fail(err, "not in DER SET OF order (X.690 11.6)");
      goto done;
    }
    prev = whole;
    /* attrValues: exactly one value, one element, for each kind. */
    if (kyso_der_read(&values, &tag, &value[kind], NULL) != 0 ||
        values.len != 0) {
      ret = kyso_error_set(err, KYSO_ERR_SIGN_ATTRS,
                           "SignedAttributes: %s has not exactly one value",
                           allowed_attrs[kind].name);
      goto done;
    }
    have[kind] = 1;
    switch (kind) {
    case ATTR_CONTENT_TYPE:
      /* PAdES signs the PDF byte ranges as id-data (RFC 5652 11.1; ETSI EN
       * 319 142-1 5.1, 5.2.2.3); any other type would give the same
       * signature another meaning (a timestamp, a SignedData, code). */
      if (tag != KYSO_DER_OID || !kyso_der_oid_valid(value[kind])) {
        ret = attrs_fail(err, "content-type is not a minimally encoded "
                              "OBJECT IDENTIFIER (X.690 8.19.2)");
        goto done;
      }
      if (!kyso_der_equal(value[kind], OID(kyso_oid_data))) {
        kyso_der_oid_format(value[kind], name, sizeof(name));
        ret = kyso_error_set(err, KYSO_ERR_SIGN_ATTRS,
                             "SignedAttributes: content-type is %s, not "
                             "id-data (1.2.840.113549.1.7.1)",
                             name);
        goto done;
      }
      break;
    case ATTR_MESSAGE_DIGEST:
      if (tag != KYSO_DER_OCTET_STRING) {
        ret = attrs_fail(err, "message-digest is not an OCTET STRING");
        goto done;
      }
      for (k = 0; k < DIGEST_ROWS; k++)
        if (digest_rows[k].size == value[kind].len)
          dr = &digest_rows[k];
      if (!dr) {
        ret = kyso_error_set(err, KYSO_ERR_SIGN_ATTRS,
                             "SignedAttributes: message-digest of %zu bytes "
                             "is no SHA-256/384/512 digest",
                             value[kind].len);
        goto done;
      }
      break;
    default: /* SEQUENCEs read once the digest is known */
      if (tag != KYSO_DER_SEQUENCE) {
        ret = kyso_error_set(err, KYSO_ERR_SIGN_ATTRS,
                             "SignedAttributes: %s is not a SEQUENCE",
                             allowed_attrs[kind].name);
        goto done;
      }
      break;
    }
  }
  for (kind = 0; kind < ATTR_ALGORITHM_PROTECTION; kind++) {
    if (!have[kind]) {
      ret = kyso_error_set(err, KYSO_ERR_SIGN_ATTRS,
                           "SignedAttributes without %s",
                           allowed_attrs[kind].name);
      goto done;
    }
  }
  ret = signing_cert_check(value[ATTR_SIGNING_CERT_V2], dr, cert, cert_len, &cf,
                           err);
  if (ret != KYSO_OK)
    goto done;
  if (have[ATTR_ALGORITHM_PROTECTION]) {
    ret = algorithm_protection_check(value[ATTR_ALGORITHM_PROTECTION], dr, &cf,
                                     err);
    if (ret != KYSO_OK)
      goto done;
  }
  info->digest = dr->digest;
  memcpy(info->message_digest, value[ATTR_MESSAGE_DIGEST].data, dr->size);
  info->message_digest_len = dr->size;
  ret = KYSO_OK;

done:
  ERR_pop_to_mark();
  return ret;
}
