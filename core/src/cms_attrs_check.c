/*
 * cms_attrs_check.c - is this blob CMS SignedAttributes naming this
 * certificate? See kyso/cms.h.
 *
 * A small strict DER reader (X.690 10.1: definite, minimal lengths), enough
 * for the SET OF Attribute and the three attributes kyso requires. The
 * certificate is parsed with OpenSSL only to hash it and read its issuer
 * and serial number.
 */
#include "kyso/cms.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

enum {
  DER_INTEGER = 0x02,
  DER_OCTET_STRING = 0x04,
  DER_NULL = 0x05,
  DER_OID = 0x06,
  DER_SEQUENCE = 0x30,
  DER_SET = 0x31,
  DER_CTX_4 = 0xA4 /* GeneralName directoryName [4] EXPLICIT Name */
};

/* Object identifiers, DER content octets. */
static const uint8_t OID_CONTENT_TYPE[] = {0x2A, 0x86, 0x48, 0x86, 0xF7,
                                           0x0D, 0x01, 0x09, 0x03};
static const uint8_t OID_MESSAGE_DIGEST[] = {0x2A, 0x86, 0x48, 0x86, 0xF7,
                                             0x0D, 0x01, 0x09, 0x04};
static const uint8_t OID_SIGNING_CERT_V2[] = {
    0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x10, 0x02, 0x2F};
static const uint8_t OID_SHA256[] = {0x60, 0x86, 0x48, 0x01, 0x65,
                                     0x03, 0x04, 0x02, 0x01};
static const uint8_t OID_SHA384[] = {0x60, 0x86, 0x48, 0x01, 0x65,
                                     0x03, 0x04, 0x02, 0x02};
static const uint8_t OID_SHA512[] = {0x60, 0x86, 0x48, 0x01, 0x65,
                                     0x03, 0x04, 0x02, 0x03};

/* A cursor over DER bytes; one element read at a time. */
typedef struct der {
  const uint8_t *p;
  size_t len;
} der;

/* Reads one element: tag (single byte: kyso needs no high tag numbers),
 * minimal definite length (at most 4 length octets). 0 when malformed. */
static int der_next(der *d, uint8_t *tag, der *content, der *whole) {
  size_t n, len = 0, head = 2, i;

  if (d->len < 2 || (d->p[0] & 0x1F) == 0x1F)
    return 0;
  *tag = d->p[0];
  if (d->p[1] < 0x80) {
    len = d->p[1];
  } else {
    n = d->p[1] & 0x7F;
    if (n == 0 || n > 4 || d->len < 2 + n || d->p[2] == 0)
      return 0; /* indefinite, too long or non-minimal */
    for (i = 0; i < n; i++)
      len = (len << 8) | d->p[2 + i];
    if (len < 0x80)
      return 0; /* should have used the short form */
    head += n;
  }
  if (len > d->len - head)
    return 0;
  if (whole) {
    whole->p = d->p;
    whole->len = head + len;
  }
  content->p = d->p + head;
  content->len = len;
  d->p += head + len;
  d->len -= head + len;
  return 1;
}

/* Reads one element that must have tag want. */
static int der_expect(der *d, uint8_t want, der *content) {
  uint8_t tag;

  return der_next(d, &tag, content, NULL) && tag == want;
}

static int oid_is(const der *oid, const uint8_t *want, size_t want_len) {
  return oid->len == want_len && memcmp(oid->p, want, want_len) == 0;
}

/* The only value of an attribute's SET OF values; 0 when not exactly one. */
static int single_value(der values, uint8_t *tag, der *content) {
  return der_next(&values, tag, content, NULL) && values.len == 0;
}

/* ESSCertIDv2 hashAlgorithm (AlgorithmIdentifier, absent = SHA-256). */
static const EVP_MD *hash_from_algid(der algid) {
  der oid, params;
  uint8_t tag;

  if (!der_expect(&algid, DER_OID, &oid))
    return NULL;
  /* parameters: absent or NULL (RFC 5754 2) */
  if (algid.len > 0 && (!der_next(&algid, &tag, &params, NULL) ||
                        tag != DER_NULL || params.len != 0 || algid.len != 0))
    return NULL;
  if (oid_is(&oid, OID_SHA256, sizeof(OID_SHA256)))
    return EVP_sha256();
  if (oid_is(&oid, OID_SHA384, sizeof(OID_SHA384)))
    return EVP_sha384();
  if (oid_is(&oid, OID_SHA512, sizeof(OID_SHA512)))
    return EVP_sha512();
  return NULL;
}

/* The certificate's serialNumber (content octets) and issuer (whole Name
 * DER), read from its DER (RFC 5280 4.1) without a full parse. */
static int cert_issuer_serial(const uint8_t *cert, size_t len, der *issuer,
                              der *serial) {
  der all = {cert, len}, c, tbs, skip;
  uint8_t tag;

  if (!der_expect(&all, DER_SEQUENCE, &c) || all.len != 0 ||
      !der_expect(&c, DER_SEQUENCE, &tbs) || !der_next(&tbs, &tag, &skip, NULL))
    return 0;
  if (tag == 0xA0 && !der_next(&tbs, &tag, &skip, NULL))
    return 0;
  if (tag != DER_INTEGER)
    return 0;
  *serial = skip;
  return der_expect(&tbs, DER_SEQUENCE, &skip) &&
         der_next(&tbs, &tag, &skip, issuer) && tag == DER_SEQUENCE;
}

static kyso_status check_issuer_serial(der is, const uint8_t *cert,
                                       size_t cert_len, kyso_error *err) {
  der names, name, serial, name_der, name_content, inner, c_issuer, c_serial;
  uint8_t tag;

  if (!der_expect(&is, DER_SEQUENCE, &names) ||
      !der_expect(&is, DER_INTEGER, &serial) || is.len != 0 ||
      !der_expect(&names, DER_CTX_4, &name) || names.len != 0)
    return kyso_error_set(err, KYSO_ERR_SIGN_ATTRS,
                          "signing-certificate-v2: malformed issuerSerial");
  inner = name;
  if (!der_next(&inner, &tag, &name_content, &name_der) ||
      tag != DER_SEQUENCE || inner.len != 0)
    return kyso_error_set(err, KYSO_ERR_SIGN_ATTRS,
                          "signing-certificate-v2: issuer is not a Name");
  if (!cert_issuer_serial(cert, cert_len, &c_issuer, &c_serial))
    return kyso_error_set(err, KYSO_ERR_ARGUMENT,
                          "certificate issuer or serial cannot be read");
  if (c_issuer.len != name_der.len ||
      memcmp(c_issuer.p, name_der.p, name_der.len) != 0 ||
      c_serial.len != serial.len ||
      memcmp(c_serial.p, serial.p, serial.len) != 0)
    return kyso_error_set(err, KYSO_ERR_SIGN_CERTIFICATE,
                          "signing-certificate-v2 names another "
                          "certificate's issuer and serial number");
  return KYSO_OK;
}

/* SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2,
 * policies ... OPTIONAL }; the first ESSCertIDv2 is the signer's. */
static kyso_status check_signing_cert(der value, const uint8_t *cert,
                                      size_t cert_len, kyso_error *err) {
  der sc, certs, id, first, hash;
  uint8_t tag;
  der elem;
  const EVP_MD *md = EVP_sha256();
  uint8_t digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;

  if (!der_expect(&value, DER_SEQUENCE, &sc) ||
      !der_expect(&sc, DER_SEQUENCE, &certs) ||
      !der_expect(&certs, DER_SEQUENCE, &id))
    return kyso_error_set(err, KYSO_ERR_SIGN_ATTRS,
                          "signing-certificate-v2: no ESSCertIDv2");
  first = id;
  if (!der_next(&first, &tag, &elem, NULL))
    return kyso_error_set(err, KYSO_ERR_SIGN_ATTRS,
                          "signing-certificate-v2: empty ESSCertIDv2");
  if (tag == DER_SEQUENCE) {
    md = hash_from_algid(elem);
    if (!md)
      return kyso_error_set(err, KYSO_ERR_SIGN_ATTRS,
                            "signing-certificate-v2: hash algorithm not "
                            "SHA-256/384/512");
    if (!der_next(&first, &tag, &elem, NULL))
      return kyso_error_set(err, KYSO_ERR_SIGN_ATTRS,
                            "signing-certificate-v2: no certHash");
  }
  if (tag != DER_OCTET_STRING)
    return kyso_error_set(err, KYSO_ERR_SIGN_ATTRS,
                          "signing-certificate-v2: certHash is not an "
                          "OCTET STRING");
  hash = elem;
  if (!EVP_Digest(cert, cert_len, digest, &digest_len, md, NULL))
    return kyso_error_set(err, KYSO_ERR_CRYPTO, "cannot hash the certificate");
  if (hash.len != digest_len || memcmp(hash.p, digest, digest_len) != 0)
    return kyso_error_set(err, KYSO_ERR_SIGN_CERTIFICATE,
                          "signing-certificate-v2 names another certificate");
  if (first.len == 0)
    return KYSO_OK;
  if (!der_expect(&first, DER_SEQUENCE, &elem) || first.len != 0)
    return kyso_error_set(err, KYSO_ERR_SIGN_ATTRS,
                          "signing-certificate-v2: trailing data in "
                          "ESSCertIDv2");
  return check_issuer_serial(elem, cert, cert_len, err);
}

kyso_status kyso_cms_attrs_check(const uint8_t *attrs, size_t len,
                                 const uint8_t *cert, size_t cert_len,
                                 kyso_digest *digest, kyso_error *err) {
  kyso_status ret;
  der all = {attrs, len}, set, attr, oid, values, value;
  uint8_t tag;
  der seen[KYSO_LIMIT_SIGNED_ATTRS_COUNT];
  size_t count = 0, i;
  int have_ct = 0, have_md = 0, have_sc = 0;
  kyso_digest found = KYSO_DIGEST_SHA256;

  if (!attrs || !cert || !digest || cert_len == 0) {
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
  if (!cert_issuer_serial(cert, cert_len, &value, &value)) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                         "attrs check: the certificate cannot be parsed");
    goto done;
  }
  if (!der_expect(&all, DER_SET, &set) || all.len != 0) {
    ret = kyso_error_set(err, KYSO_ERR_SIGN_ATTRS,
                         "not a DER SET OF Attribute (RFC 5652 5.4): a bare "
                         "digest or other bytes are never signed");
    goto done;
  }
  while (set.len > 0) {
    if (!der_expect(&set, DER_SEQUENCE, &attr) ||
        !der_expect(&attr, DER_OID, &oid) ||
        !der_expect(&attr, DER_SET, &values) || attr.len != 0 ||
        values.len == 0) {
      ret = kyso_error_set(err, KYSO_ERR_SIGN_ATTRS,
                           "SignedAttributes: malformed Attribute %zu", count);
      goto done;
    }
    if (count == KYSO_LIMIT_SIGNED_ATTRS_COUNT) {
      ret = kyso_error_set(err, KYSO_ERR_LIMIT,
                           "SignedAttributes: more than %d attributes "
                           "(KYSO_LIMIT_SIGNED_ATTRS_COUNT)",
                           KYSO_LIMIT_SIGNED_ATTRS_COUNT);
      goto done;
    }
    for (i = 0; i < count; i++) {
      if (oid_is(&seen[i], oid.p, oid.len)) {
        ret = kyso_error_set(err, KYSO_ERR_SIGN_ATTRS,
                             "SignedAttributes: an attribute type appears "
                             "twice");
        goto done;
      }
    }
    seen[count++] = oid;
    if (oid_is(&oid, OID_CONTENT_TYPE, sizeof(OID_CONTENT_TYPE))) {
      /* RFC 5652 11.1: exactly one value, an OBJECT IDENTIFIER. */
      if (!single_value(values, &tag, &value) || tag != DER_OID ||
          value.len == 0) {
        ret = kyso_error_set(err, KYSO_ERR_SIGN_ATTRS,
                             "content-type: not one OBJECT IDENTIFIER");
        goto done;
      }
      have_ct = 1;
    } else if (oid_is(&oid, OID_MESSAGE_DIGEST, sizeof(OID_MESSAGE_DIGEST))) {
      if (!single_value(values, &tag, &value) || tag != DER_OCTET_STRING) {
        ret = kyso_error_set(err, KYSO_ERR_SIGN_ATTRS,
                             "message-digest: not one OCTET STRING");
        goto done;
      }
      if (value.len == 32)
        found = KYSO_DIGEST_SHA256;
      else if (value.len == 48)
        found = KYSO_DIGEST_SHA384;
      else if (value.len == 64)
        found = KYSO_DIGEST_SHA512;
      else {
        ret = kyso_error_set(err, KYSO_ERR_SIGN_ATTRS,
                             "message-digest: %zu bytes is no SHA-256/384/512 "
                             "digest",
                             value.len);
        goto done;
      }
      have_md = 1;
    } else if (oid_is(&oid, OID_SIGNING_CERT_V2, sizeof(OID_SIGNING_CERT_V2))) {
      der whole;
      der v = values;
      if (!der_next(&v, &tag, &value, &whole) || v.len != 0 ||
          tag != DER_SEQUENCE) {
        ret = kyso_error_set(err, KYSO_ERR_SIGN_ATTRS,
                             "signing-certificate-v2: not one SEQUENCE");
        goto done;
      }
      ret = check_signing_cert(whole, cert, cert_len, err);
      if (ret != KYSO_OK)
        goto done;
      have_sc = 1;
    }
  }
  if (!have_ct || !have_md || !have_sc) {
    ret =
        kyso_error_set(err, KYSO_ERR_SIGN_ATTRS, "SignedAttributes without %s",
                       !have_ct   ? "content-type"
                       : !have_md ? "message-digest"
                                  : "signing-certificate-v2");
    goto done;
  }
  *digest = found;
  ret = KYSO_OK;

done:
  return ret;
}
