/*
 * cms_build.c - CMS SignedData and SignedAttributes for PAdES; see
 * cms_build.h.
 *
 * OpenSSL is used only to parse certificates and timestamp tokens, hash and
 * verify. All DER is written here with der_write.h, so every octet of the
 * output is known: SignedAttributes carry no signing-time (ETSI EN 319
 * 142-1 5.4.2) and the signature value comes from outside after the attributes
 * are fixed.
 *
 * Every function leaves the thread's OpenSSL error queue as it found it
 * (ERR_set_mark / ERR_pop_to_mark): failures are reported through
 * kyso_error only.
 */
#include "cms/cms_build.h"

#include <limits.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

#include "base/time_civil.h"
#include "cms/cms_oid.h"
#include "cms/der_read.h"
#include "cms/der_write.h"
#include "kyso/limits.h"
#include "kyso/time.h"

/*
 * Bounds on inputs this module reads (style habit 7). Local for now; they
 * belong in kyso/limits.h next to KYSO_LIMIT_CHAIN.
 */
enum {
  CMS_CERT_MAX = 64 * 1024,         /* one DER certificate */
  CMS_SIGNATURE_MAX = 1024,         /* RSA-8192; ECDSA P-521 DER is ~139 */
  CMS_SIGNED_ATTRS_MAX = 64 * 1024, /* ours are ~200 octets plus a Name */
  CMS_TOKEN_MAX = 64 * 1024,        /* a timestamp token with its chain */
  CMS_RSA_MIN_BITS = 2048
};

/* OBJECT IDENTIFIER content octets (X.690 8.19). */
static const uint8_t oid_signed_data[] = {/* 1.2.840.113549.1.7.2, 5.1 */
                                          0x2a, 0x86, 0x48, 0x86, 0xf7,
                                          0x0d, 0x01, 0x07, 0x02};
static const uint8_t oid_signature_time_stamp[] = {
    /* id-aa-signatureTimeStampToken 1.2.840.113549.1.9.16.2.14, RFC 3161
       appendix A */
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x02, 0x0e};
static const uint8_t oid_mgf1[] = {/* 1.2.840.113549.1.1.8, RFC 4055 */
                                   0x2a, 0x86, 0x48, 0x86, 0xf7,
                                   0x0d, 0x01, 0x01, 0x08};
static const uint8_t oid_rsassa_pss[] = {/* 1.2.840.113549.1.1.10 */
                                         0x2a, 0x86, 0x48, 0x86, 0xf7,
                                         0x0d, 0x01, 0x01, 0x0a};

typedef struct digest_info {
  const EVP_MD *(*md)(void);
  size_t size;
  const uint8_t *oid;
  size_t oid_len;
  const uint8_t *ecdsa_oid;
  size_t ecdsa_oid_len;
} digest_info;

static const digest_info digest_sha256 = {EVP_sha256,
                                          32,
                                          kyso_oid_sha256,
                                          sizeof(kyso_oid_sha256),
                                          kyso_oid_ecdsa_sha256,
                                          sizeof(kyso_oid_ecdsa_sha256)};
static const digest_info digest_sha384 = {EVP_sha384,
                                          48,
                                          kyso_oid_sha384,
                                          sizeof(kyso_oid_sha384),
                                          kyso_oid_ecdsa_sha384,
                                          sizeof(kyso_oid_ecdsa_sha384)};
static const digest_info digest_sha512 = {EVP_sha512,
                                          64,
                                          kyso_oid_sha512,
                                          sizeof(kyso_oid_sha512),
                                          kyso_oid_ecdsa_sha512,
                                          sizeof(kyso_oid_ecdsa_sha512)};

static const digest_info *digest_lookup(kyso_digest digest) {
  switch (digest) {
  case KYSO_DIGEST_SHA256: return &digest_sha256;
  case KYSO_DIGEST_SHA384: return &digest_sha384;
  case KYSO_DIGEST_SHA512: return &digest_sha512;
  }
  return NULL;
}

static int scheme_known(kyso_scheme scheme) {
  return scheme == KYSO_SCHEME_AUTO || scheme == KYSO_SCHEME_RSA_PKCS1 ||
         scheme == KYSO_SCHEME_RSA_PSS || scheme == KYSO_SCHEME_ECDSA;
}

size_t kyso_digest_size(kyso_digest digest) {
  const digest_info *di = digest_lookup(digest);
  return di ? di->size : 0;
}

kyso_status kyso_digest_parts(kyso_digest digest, const kyso_blob *parts,
                              size_t n, uint8_t *out, kyso_error *err) {
  kyso_status ret = KYSO_ERR_CRYPTO;
  const digest_info *di = digest_lookup(digest);
  EVP_MD_CTX *ctx = NULL;
  unsigned int len = 0;
  size_t i;

  ERR_set_mark();
  if (!di) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "unknown digest algorithm %d",
                         (int)digest);
    goto done;
  }
  if (!out || (n > 0 && !parts)) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                         "digest parts or output missing");
    goto done;
  }
  ctx = EVP_MD_CTX_new();
  if (!ctx) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory for a digest");
    goto done;
  }
  if (EVP_DigestInit_ex(ctx, di->md(), NULL) != 1) {
    ret = kyso_error_set(err, KYSO_ERR_CRYPTO, "digest cannot be started");
    goto done;
  }
  for (i = 0; i < n; i++) {
    if (parts[i].len > 0 && !parts[i].data) {
      ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                           "digest part %zu has no data", i);
      goto done;
    }
    if (parts[i].len > 0 &&
        EVP_DigestUpdate(ctx, parts[i].data, parts[i].len) != 1) {
      ret = kyso_error_set(err, KYSO_ERR_CRYPTO, "digest update failed");
      goto done;
    }
  }
  if (EVP_DigestFinal_ex(ctx, out, &len) != 1 || len != di->size) {
    ret = kyso_error_set(err, KYSO_ERR_CRYPTO, "digest cannot be finished");
    goto done;
  }
  ret = KYSO_OK;
done:
  EVP_MD_CTX_free(ctx);
  ERR_pop_to_mark();
  return ret;
}

/* Parses certificate, which must be exactly one DER X.509 certificate. */
static kyso_status cert_parse(kyso_blob certificate, const char *what,
                              X509 **out, kyso_error *err) {
  kyso_status ret = KYSO_ERR_SIGN_CERTIFICATE;
  const unsigned char *p = certificate.data;
  X509 *x = NULL;

  *out = NULL;
  if (!certificate.data || certificate.len == 0) {
    ret = kyso_error_set(err, KYSO_ERR_SIGN_CERTIFICATE, "%s is empty", what);
    goto done;
  }
  if (certificate.len > CMS_CERT_MAX) {
    ret = kyso_error_set(err, KYSO_ERR_LIMIT, "%s is larger than %d bytes",
                         what, CMS_CERT_MAX);
    goto done;
  }
  x = d2i_X509(NULL, &p, (long)certificate.len);
  if (!x || p != certificate.data + certificate.len) {
    ret = kyso_error_set(err, KYSO_ERR_SIGN_CERTIFICATE,
                         "%s is not one DER X.509 certificate", what);
    goto done;
  }
  *out = x;
  x = NULL;
  ret = KYSO_OK;
done:
  X509_free(x);
  return ret;
}

/* Checks the key in x against wanted (see kyso_cms_resolve_scheme). */
static kyso_status key_check(X509 *x, kyso_scheme wanted, kyso_scheme *resolved,
                             kyso_error *err) {
  kyso_status ret = KYSO_ERR_SIGN_ALGORITHM;
  EVP_PKEY *pkey = X509_get0_pubkey(x); /* borrowed from x */
  char group[64];
  int nid = NID_undef;

  if (!scheme_known(wanted)) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "unknown signature scheme %d",
                         (int)wanted);
    goto done;
  }
  if (!pkey) {
    ret = kyso_error_set(err, KYSO_ERR_SIGN_CERTIFICATE,
                         "certificate public key cannot be read");
    goto done;
  }
  switch (EVP_PKEY_get_base_id(pkey)) {
  case EVP_PKEY_RSA:
    if (EVP_PKEY_get_bits(pkey) < CMS_RSA_MIN_BITS) {
      ret = kyso_error_set(err, KYSO_ERR_SIGN_ALGORITHM,
                           "RSA key of %d bits is below %d",
                           EVP_PKEY_get_bits(pkey), CMS_RSA_MIN_BITS);
      goto done;
    }
    if (wanted == KYSO_SCHEME_ECDSA) {
      ret = kyso_error_set(err, KYSO_ERR_SIGN_ALGORITHM,
                           "ECDSA does not fit the certificate's RSA key");
      goto done;
    }
    *resolved = wanted == KYSO_SCHEME_AUTO ? KYSO_SCHEME_RSA_PKCS1 : wanted;
    break;
  case EVP_PKEY_RSA_PSS:
    /* An id-RSASSA-PSS key (RFC 4055 1.2) may only make PSS signatures. */
    if (EVP_PKEY_get_bits(pkey) < CMS_RSA_MIN_BITS) {
      ret = kyso_error_set(err, KYSO_ERR_SIGN_ALGORITHM,
                           "RSA key of %d bits is below %d",
                           EVP_PKEY_get_bits(pkey), CMS_RSA_MIN_BITS);
      goto done;
    }
    if (wanted != KYSO_SCHEME_AUTO && wanted != KYSO_SCHEME_RSA_PSS) {
      ret = kyso_error_set(err, KYSO_ERR_SIGN_ALGORITHM,
                           "the certificate's RSA-PSS key allows only PSS");
      goto done;
    }
    *resolved = KYSO_SCHEME_RSA_PSS;
    break;
  case EVP_PKEY_EC:
    if (EVP_PKEY_get_group_name(pkey, group, sizeof(group), NULL) == 1) {
      nid = OBJ_sn2nid(group);
      if (nid == NID_undef)
        nid = EC_curve_nist2nid(group);
    }
    if (nid != NID_X9_62_prime256v1 && nid != NID_secp384r1 &&
        nid != NID_secp521r1) {
      ret = kyso_error_set(err, KYSO_ERR_SIGN_ALGORITHM,
                           "EC curve is not P-256, P-384 or P-521");
      goto done;
    }
    if (wanted != KYSO_SCHEME_AUTO && wanted != KYSO_SCHEME_ECDSA) {
      ret =
          kyso_error_set(err, KYSO_ERR_SIGN_ALGORITHM,
                         "an RSA scheme does not fit the certificate's EC key");
      goto done;
    }
    *resolved = KYSO_SCHEME_ECDSA;
    break;
  default:
    ret = kyso_error_set(err, KYSO_ERR_SIGN_ALGORITHM,
                         "certificate key is neither RSA nor EC");
    goto done;
  }
  ret = KYSO_OK;
done:
  return ret;
}

/* Checks that x may sign at `at` (see kyso_cms_check_signer). */
static kyso_status usable_check(X509 *x, int64_t at, int utc_offset_minutes,
                                kyso_error *err) {
  kyso_status ret = KYSO_ERR_SIGN_CERTIFICATE;
  int64_t not_before = 0, not_after = 0;
  uint32_t usage;
  char when[32], limit[32]; /* kyso_time_format_iso8601 */

  if (kyso_time_from_asn1(X509_get0_notBefore(x), &not_before) != 0 ||
      kyso_time_from_asn1(X509_get0_notAfter(x), &not_after) != 0) {
    ret = kyso_error_set(err, KYSO_ERR_SIGN_CERTIFICATE,
                         "signer certificate validity cannot be read");
    goto done;
  }
  kyso_time_format_iso8601(at, utc_offset_minutes, when);
  if (at < not_before || at > not_after) {
    kyso_time_format_iso8601(at < not_before ? not_before : not_after,
                             utc_offset_minutes, limit);
    ret = kyso_error_set(err, KYSO_ERR_SIGN_CERTIFICATE,
                         at < not_before
                             ? "signer certificate is not valid before %s "
                               "(signing time %s)"
                             : "signer certificate expired at %s "
                               "(signing time %s)",
                         limit, when);
    goto done;
  }
  /* RFC 5280 4.2.1.3: no extension means any use. */
  usage = X509_get_key_usage(x);
  if (usage != UINT32_MAX &&
      !(usage & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION))) {
    ret = kyso_error_set(err, KYSO_ERR_SIGN_CERTIFICATE,
                         "signer certificate keyUsage allows neither "
                         "digitalSignature nor nonRepudiation");
    goto done;
  }
  ret = KYSO_OK;
done:
  return ret;
}

kyso_status kyso_cms_check_signer(kyso_blob certificate, kyso_scheme wanted,
                                  const int64_t *usable_at,
                                  int utc_offset_minutes, kyso_scheme *resolved,
                                  kyso_error *err) {
  kyso_status ret = KYSO_ERR_SIGN_CERTIFICATE;
  X509 *x = NULL;
  kyso_scheme r = KYSO_SCHEME_AUTO;

  ERR_set_mark();
  if (!resolved) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "no place for the scheme");
    goto done;
  }
  ret = cert_parse(certificate, "signer certificate", &x, err);
  if (ret != KYSO_OK)
    goto done;
  ret = key_check(x, wanted, &r, err);
  if (ret == KYSO_OK && usable_at)
    ret = usable_check(x, *usable_at, utc_offset_minutes, err);
  if (ret != KYSO_OK)
    goto done;
  *resolved = r;
done:
  X509_free(x);
  ERR_pop_to_mark();
  return ret;
}

kyso_status kyso_cms_resolve_scheme(kyso_blob certificate, kyso_scheme wanted,
                                    kyso_scheme *resolved, kyso_error *err) {
  return kyso_cms_check_signer(certificate, wanted, NULL, 0, resolved, err);
}

/* AlgorithmIdentifier of a SHA-2 digest with parameters absent, as
 * RFC 5754 2 says to generate; used everywhere (digestAlgorithms, the
 * SignerInfo, ESSCertIDv2, RSASSA-PSS-params) so the encoding is one. */
static void put_digest_alg(kyso_buf *b, const digest_info *di) {
  size_t m = kyso_der_begin(b);
  kyso_der_put_oid(b, di->oid, di->oid_len);
  kyso_der_end(b, m, KYSO_DER_SEQUENCE);
}

/* SignerInfo signatureAlgorithm. */
static void put_signature_alg(kyso_buf *b, kyso_scheme scheme,
                              const digest_info *di) {
  size_t m = kyso_der_begin(b);
  size_t params;
  size_t field;
  size_t mgf;

  switch (scheme) {
  case KYSO_SCHEME_RSA_PSS:
    /* RFC 4056 2 (PSS in CMS), RFC 4055 3.1: RSASSA-PSS-params {
     * [0] hashAlgorithm, [1] maskGenAlgorithm mgf1 with the same hash,
     * [2] saltLength = hash length, trailerField left at its DEFAULT 1 }. */
    kyso_der_put_oid(b, oid_rsassa_pss, sizeof(oid_rsassa_pss));
    params = kyso_der_begin(b);
    field = kyso_der_begin(b);
    put_digest_alg(b, di);
    kyso_der_end(b, field, KYSO_DER_CONTEXT_CONSTRUCTED | 0);
    field = kyso_der_begin(b);
    mgf = kyso_der_begin(b);
    kyso_der_put_oid(b, oid_mgf1, sizeof(oid_mgf1));
    put_digest_alg(b, di);
    kyso_der_end(b, mgf, KYSO_DER_SEQUENCE);
    kyso_der_end(b, field, KYSO_DER_CONTEXT_CONSTRUCTED | 1);
    field = kyso_der_begin(b);
    kyso_der_put_uint(b, (uint32_t)di->size);
    kyso_der_end(b, field, KYSO_DER_CONTEXT_CONSTRUCTED | 2);
    kyso_der_end(b, params, KYSO_DER_SEQUENCE);
    break;
  case KYSO_SCHEME_ECDSA:
    /* RFC 5753 7.1.3, RFC 5758 3.2: ecdsa-with-SHAxxx, parameters absent. */
    kyso_der_put_oid(b, di->ecdsa_oid, di->ecdsa_oid_len);
    break;
  default:
    /* RFC 3370 3.2: rsaEncryption with NULL parameters; the digest is named
     * by digestAlgorithm. */
    kyso_der_put_oid(b, kyso_oid_rsa_encryption,
                     sizeof(kyso_oid_rsa_encryption));
    kyso_der_put_null(b);
    break;
  }
  kyso_der_end(b, m, KYSO_DER_SEQUENCE);
}

/* The issuer Name and serialNumber INTEGER of x, both as DER TLVs. The
 * Name is OpenSSL's cached copy of the certificate's own octets. *serial is
 * freed with OPENSSL_free. */
static kyso_status cert_issuer_serial(X509 *x, const uint8_t **name,
                                      size_t *name_len, uint8_t **serial,
                                      size_t *serial_len, kyso_error *err) {
  kyso_status ret = KYSO_ERR_SIGN_CERTIFICATE;
  unsigned char *s = NULL;
  int n;

  *serial = NULL;
  if (X509_NAME_get0_der(X509_get_issuer_name(x), name, name_len) != 1 ||
      *name_len == 0) {
    ret = kyso_error_set(err, KYSO_ERR_SIGN_CERTIFICATE,
                         "certificate issuer name cannot be read");
    goto done;
  }
  n = i2d_ASN1_INTEGER(X509_get0_serialNumber(x), &s);
  if (n <= 0) {
    ret = kyso_error_set(err, KYSO_ERR_SIGN_CERTIFICATE,
                         "certificate serial number cannot be read");
    goto done;
  }
  *serial = s;
  *serial_len = (size_t)n;
  s = NULL;
  ret = KYSO_OK;
done:
  OPENSSL_free(s);
  return ret;
}

kyso_status kyso_cms_build_signed_attrs(kyso_blob certificate,
                                        kyso_digest digest,
                                        const uint8_t *message_digest,
                                        size_t message_digest_len,
                                        kyso_buf *out, kyso_error *err) {
  kyso_status ret = KYSO_ERR_ARGUMENT;
  const digest_info *di = digest_lookup(digest);
  X509 *x = NULL;
  uint8_t *serial = NULL;
  size_t serial_len = 0;
  const uint8_t *name = NULL;
  size_t name_len = 0;
  uint8_t cert_hash[EVP_MAX_MD_SIZE];
  unsigned int cert_hash_len = 0;
  kyso_buf attrs;
  kyso_buf set;
  kyso_blob items[3];
  size_t start[4];
  size_t m[6];
  size_t i;

  kyso_buf_init(&attrs);
  kyso_buf_init(&set);
  ERR_set_mark();
  if (!di) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "unknown digest algorithm %d",
                         (int)digest);
    goto done;
  }
  if (!out || !message_digest || message_digest_len != di->size) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                         "message digest must be %zu bytes", di->size);
    goto done;
  }
  ret = cert_parse(certificate, "signer certificate", &x, err);
  if (ret != KYSO_OK)
    goto done;
  ret = cert_issuer_serial(x, &name, &name_len, &serial, &serial_len, err);
  if (ret != KYSO_OK)
    goto done;
  /* ESSCertIDv2 certHash is over the whole DER certificate (RFC 5035 4). */
  if (EVP_Digest(certificate.data, certificate.len, cert_hash, &cert_hash_len,
                 di->md(), NULL) != 1 ||
      cert_hash_len != di->size) {
    ret = kyso_error_set(err, KYSO_ERR_CRYPTO, "certificate hash failed");
    goto done;
  }

  /* Attribute ::= SEQUENCE { attrType, attrValues SET OF } (RFC 5652 5.3),
   * the three one after another in attrs, then sorted into a SET OF. */
  /* content-type = id-data (RFC 5652 11.1; ETSI EN 319 142-1 5.2.2.3). */
  start[0] = kyso_der_begin(&attrs);
  kyso_der_put_oid(&attrs, kyso_oid_content_type,
                   sizeof(kyso_oid_content_type));
  m[0] = kyso_der_begin(&attrs);
  kyso_der_put_oid(&attrs, kyso_oid_data, sizeof(kyso_oid_data));
  kyso_der_end(&attrs, m[0], KYSO_DER_SET);
  kyso_der_end(&attrs, start[0], KYSO_DER_SEQUENCE);

  /* message-digest (RFC 5652 11.2; ETSI EN 319 142-1 5.2.2.3). */
  start[1] = kyso_der_begin(&attrs);
  kyso_der_put_oid(&attrs, kyso_oid_message_digest,
                   sizeof(kyso_oid_message_digest));
  m[0] = kyso_der_begin(&attrs);
  kyso_der_put(&attrs, KYSO_DER_OCTET_STRING, message_digest,
               message_digest_len);
  kyso_der_end(&attrs, m[0], KYSO_DER_SET);
  kyso_der_end(&attrs, start[1], KYSO_DER_SEQUENCE);

  /* signing-certificate-v2 (RFC 5035 3; ETSI EN 319 142-1 5.2.2.2):
   * SigningCertificateV2 { certs SEQUENCE OF ESSCertIDv2 {
   *   hashAlgorithm DEFAULT sha256 (so omitted for SHA-256, X.690 11.5),
   *   certHash OCTET STRING,
   *   issuerSerial { issuer GeneralNames { [4] directoryName Name },
   *                  serialNumber } } }, no policies. [4] is explicit
   * because Name is a CHOICE (X.680 31.2.7). */
  start[2] = kyso_der_begin(&attrs);
  kyso_der_put_oid(&attrs, kyso_oid_signing_cert_v2,
                   sizeof(kyso_oid_signing_cert_v2));
  m[0] = kyso_der_begin(&attrs); /* attrValues SET */
  m[1] = kyso_der_begin(&attrs); /* SigningCertificateV2 */
  m[2] = kyso_der_begin(&attrs); /* certs */
  m[3] = kyso_der_begin(&attrs); /* ESSCertIDv2 */
  if (digest != KYSO_DIGEST_SHA256)
    put_digest_alg(&attrs, di);
  kyso_der_put(&attrs, KYSO_DER_OCTET_STRING, cert_hash, cert_hash_len);
  m[4] = kyso_der_begin(&attrs); /* IssuerSerial */
  m[5] = kyso_der_begin(&attrs); /* GeneralNames */
  kyso_der_put(&attrs, KYSO_DER_CONTEXT_CONSTRUCTED | 4, name, name_len);
  kyso_der_end(&attrs, m[5], KYSO_DER_SEQUENCE);
  kyso_buf_append(&attrs, serial, serial_len);
  kyso_der_end(&attrs, m[4], KYSO_DER_SEQUENCE);
  kyso_der_end(&attrs, m[3], KYSO_DER_SEQUENCE);
  kyso_der_end(&attrs, m[2], KYSO_DER_SEQUENCE);
  kyso_der_end(&attrs, m[1], KYSO_DER_SEQUENCE);
  kyso_der_end(&attrs, m[0], KYSO_DER_SET);
  kyso_der_end(&attrs, start[2], KYSO_DER_SEQUENCE);
  start[3] = attrs.len;
  if (!kyso_buf_ok(&attrs)) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY,
                         "out of memory for signed attributes");
    goto done;
  }

  /* SignedAttributes is DER (RFC 5652 5.4): a SET OF in X.690 11.6 order. */
  for (i = 0; i < 3; i++) {
    items[i].data = attrs.data + start[i];
    items[i].len = start[i + 1] - start[i];
  }
  kyso_der_put_set_of(&set, KYSO_DER_SET, items, 3);
  if (!kyso_buf_ok(&set)) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY,
                         "out of memory for signed attributes");
    goto done;
  }
  if (set.len > CMS_SIGNED_ATTRS_MAX) { /* only a huge issuer Name */
    ret = kyso_error_set(err, KYSO_ERR_LIMIT,
                         "signed attributes are over %d bytes",
                         CMS_SIGNED_ATTRS_MAX);
    goto done;
  }
  kyso_buf_append(out, set.data, set.len);
  if (!kyso_buf_ok(out)) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY,
                         "out of memory for signed attributes");
    goto done;
  }
  ret = KYSO_OK;
done:
  kyso_buf_free(&set);
  kyso_buf_free(&attrs);
  OPENSSL_free(serial);
  X509_free(x);
  ERR_pop_to_mark();
  return ret;
}

kyso_status kyso_cms_check_signature(kyso_blob certificate, kyso_digest digest,
                                     kyso_scheme scheme, kyso_blob signed_attrs,
                                     kyso_blob signature, kyso_error *err) {
  kyso_status ret = KYSO_ERR_SIGN_VALUE;
  const digest_info *di = digest_lookup(digest);
  X509 *x = NULL;
  EVP_MD_CTX *ctx = NULL;
  EVP_PKEY_CTX *pctx = NULL; /* owned by ctx */
  kyso_scheme resolved = KYSO_SCHEME_AUTO;

  ERR_set_mark();
  if (!di) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "unknown digest algorithm %d",
                         (int)digest);
    goto done;
  }
  if (scheme == KYSO_SCHEME_AUTO) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                         "signature scheme must be resolved, not AUTO");
    goto done;
  }
  if (!signed_attrs.data || signed_attrs.len == 0 ||
      signed_attrs.len > CMS_SIGNED_ATTRS_MAX) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                         "signed attributes empty or over %d bytes",
                         CMS_SIGNED_ATTRS_MAX);
    goto done;
  }
  if (!signature.data || signature.len == 0) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "signature value is empty");
    goto done;
  }
  if (signature.len > CMS_SIGNATURE_MAX) {
    ret = kyso_error_set(err, KYSO_ERR_LIMIT,
                         "signature value is over %d bytes", CMS_SIGNATURE_MAX);
    goto done;
  }
  ret = cert_parse(certificate, "signer certificate", &x, err);
  if (ret != KYSO_OK)
    goto done;
  ret = key_check(x, scheme, &resolved, err);
  if (ret != KYSO_OK)
    goto done;

  ctx = EVP_MD_CTX_new();
  if (!ctx) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory to verify");
    goto done;
  }
  if (EVP_DigestVerifyInit(ctx, &pctx, di->md(), NULL, X509_get0_pubkey(x)) !=
      1) {
    ret = kyso_error_set(err, KYSO_ERR_CRYPTO, "verification cannot start");
    goto done;
  }
  if (resolved == KYSO_SCHEME_RSA_PSS) {
    /* kyso's PSS: MGF1 with the signing hash, salt = hash length
     * (kyso/sign.h; the parameters put_signature_alg writes). */
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, di->md()) <= 0 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, (int)di->size) <= 0) {
      ret = kyso_error_set(err, KYSO_ERR_CRYPTO, "PSS parameters refused");
      goto done;
    }
  } else if (resolved == KYSO_SCHEME_RSA_PKCS1) {
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0) {
      ret = kyso_error_set(err, KYSO_ERR_CRYPTO, "PKCS#1 padding refused");
      goto done;
    }
  }
  /* The signature covers the DER SignedAttributes with their SET OF tag
   * (RFC 5652 5.4), exactly the octets given. Any result but 1 (a
   * mismatch, an ECDSA value that is not DER) means this key did not make
   * this signature. */
  if (EVP_DigestVerify(ctx, signature.data, signature.len, signed_attrs.data,
                       signed_attrs.len) != 1) {
    ret =
        kyso_error_set(err, KYSO_ERR_SIGN_VALUE,
                       "signature does not verify with the signer certificate");
    goto done;
  }
  ret = KYSO_OK;
done:
  EVP_MD_CTX_free(ctx);
  X509_free(x);
  ERR_pop_to_mark();
  return ret;
}

/* Checks that attrs is exactly one DER SET OF SEQUENCE (Attribute) in
 * X.690 11.6 order, as SignedAttributes must be (RFC 5652 5.3, 5.4). */
static int der_check_signed_attrs(kyso_blob attrs) {
  kyso_blob set;
  kyso_blob content;
  kyso_blob prev = {NULL, 0};
  kyso_blob cur;
  uint8_t tag;

  if (kyso_der_read_only(attrs, KYSO_DER_SET, &set) != 0 || set.len == 0)
    return -1;
  while (set.len > 0) {
    if (kyso_der_read(&set, &tag, &content, &cur) != 0 ||
        tag != KYSO_DER_SEQUENCE)
      return -1;
    if (prev.data && kyso_der_set_order(&prev, &cur) > 0)
      return -1;
    prev = cur;
  }
  return 0;
}

/* A timestamp token to embed must be one DER TLV, a SEQUENCE (the
 * ContentInfo), within CMS_TOKEN_MAX. Its content is checked by
 * kyso_cms_check_timestamp_token. */
static kyso_status token_check_der(kyso_blob token, kyso_error *err) {
  kyso_blob content;

  if (!token.data || token.len > CMS_TOKEN_MAX)
    return kyso_error_set(err, KYSO_ERR_ARGUMENT,
                          "timestamp token missing or over %d bytes",
                          CMS_TOKEN_MAX);
  if (kyso_der_read_only(token, KYSO_DER_SEQUENCE, &content) != 0)
    return kyso_error_set(err, KYSO_ERR_ARGUMENT,
                          "timestamp token is not one DER SEQUENCE");
  return KYSO_OK;
}

kyso_status kyso_cms_build_signed_data(
    kyso_blob certificate, const kyso_blob *chain, size_t chain_count,
    kyso_digest digest, kyso_scheme scheme, kyso_blob signed_attrs,
    kyso_blob signature, kyso_buf *out, kyso_error *err) {
  kyso_blob no_token = {NULL, 0};
  return kyso_cms_build_signed_data_ts(certificate, chain, chain_count, digest,
                                       scheme, signed_attrs, signature,
                                       no_token, out, err);
}

kyso_status
kyso_cms_build_signed_data_ts(kyso_blob certificate, const kyso_blob *chain,
                              size_t chain_count, kyso_digest digest,
                              kyso_scheme scheme, kyso_blob signed_attrs,
                              kyso_blob signature, kyso_blob timestamp_token,
                              kyso_buf *out, kyso_error *err) {
  kyso_status ret = KYSO_ERR_ARGUMENT;
  const digest_info *di = digest_lookup(digest);
  X509 *x = NULL;
  X509 *c = NULL;
  kyso_scheme resolved = KYSO_SCHEME_AUTO;
  uint8_t *serial = NULL;
  size_t serial_len = 0;
  const uint8_t *name = NULL;
  size_t name_len = 0;
  kyso_buf b;
  size_t m[8];
  size_t i;

  kyso_buf_init(&b);
  ERR_set_mark();
  if (!di) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "unknown digest algorithm %d",
                         (int)digest);
    goto done;
  }
  if (!out) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "no output buffer");
    goto done;
  }
  if (scheme == KYSO_SCHEME_AUTO) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                         "signature scheme must be resolved, not AUTO");
    goto done;
  }
  if (chain_count > KYSO_LIMIT_CHAIN) {
    ret = kyso_error_set(err, KYSO_ERR_LIMIT,
                         "chain of %zu certificates is over KYSO_LIMIT_CHAIN",
                         chain_count);
    goto done;
  }
  if (chain_count > 0 && !chain) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "chain certificates missing");
    goto done;
  }
  if (signed_attrs.len > CMS_SIGNED_ATTRS_MAX ||
      der_check_signed_attrs(signed_attrs) != 0) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                         "signed attributes are not one DER SET of attributes");
    goto done;
  }
  if (!signature.data || signature.len == 0) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "signature value is empty");
    goto done;
  }
  if (signature.len > CMS_SIGNATURE_MAX) {
    ret = kyso_error_set(err, KYSO_ERR_LIMIT,
                         "signature value is over %d bytes", CMS_SIGNATURE_MAX);
    goto done;
  }
  if (timestamp_token.len > 0) {
    ret = token_check_der(timestamp_token, err);
    if (ret != KYSO_OK)
      goto done;
  }
  ret = cert_parse(certificate, "signer certificate", &x, err);
  if (ret != KYSO_OK)
    goto done;
  ret = key_check(x, scheme, &resolved, err);
  if (ret != KYSO_OK)
    goto done;
  for (i = 0; i < chain_count; i++) {
    ret = cert_parse(chain[i], "chain certificate", &c, err);
    if (ret != KYSO_OK)
      goto done;
    X509_free(c);
    c = NULL;
  }
  ret = cert_issuer_serial(x, &name, &name_len, &serial, &serial_len, err);
  if (ret != KYSO_OK)
    goto done;

  /* ContentInfo { contentType id-signedData, content [0] EXPLICIT }
   * (RFC 5652 3). */
  m[0] = kyso_der_begin(&b);
  kyso_der_put_oid(&b, oid_signed_data, sizeof(oid_signed_data));
  m[1] = kyso_der_begin(&b);
  /* SignedData (RFC 5652 5.1): version 1, as there are no attribute or
   * other certificates, eContentType is id-data and the SignerInfo is v1. */
  m[2] = kyso_der_begin(&b);
  kyso_der_put_uint(&b, 1);
  m[3] = kyso_der_begin(&b); /* digestAlgorithms: one, already DER order */
  put_digest_alg(&b, di);
  kyso_der_end(&b, m[3], KYSO_DER_SET);
  /* encapContentInfo { id-data } without eContent: detached, the PDF byte
   * ranges are the content (ETSI EN 319 142-1 5.1, ISO 32000-1 12.8.3.3). */
  m[3] = kyso_der_begin(&b);
  kyso_der_put_oid(&b, kyso_oid_data, sizeof(kyso_oid_data));
  kyso_der_end(&b, m[3], KYSO_DER_SEQUENCE);
  /* certificates [0] IMPLICIT CertificateSet: the signer, then its chain
   * as given. Order carries no meaning (RFC 5652 5.1) and is kept rather
   * than DER-sorted so readers that look first at the first certificate
   * find the signer; only SignedAttributes must be DER (5.4). */
  m[3] = kyso_der_begin(&b);
  kyso_buf_append(&b, certificate.data, certificate.len);
  for (i = 0; i < chain_count; i++)
    kyso_buf_append(&b, chain[i].data, chain[i].len);
  kyso_der_end(&b, m[3], KYSO_DER_CONTEXT_CONSTRUCTED | 0);
  /* signerInfos SET OF SignerInfo, one (RFC 5652 5.3). */
  m[3] = kyso_der_begin(&b);
  m[4] = kyso_der_begin(&b);
  kyso_der_put_uint(&b, 1); /* v1: sid is issuerAndSerialNumber */
  m[5] = kyso_der_begin(&b);
  kyso_buf_append(&b, name, name_len);
  kyso_buf_append(&b, serial, serial_len);
  kyso_der_end(&b, m[5], KYSO_DER_SEQUENCE);
  put_digest_alg(&b, di);
  /* signedAttrs [0] IMPLICIT: the signed SET with its tag replaced; the
   * length and content are the octets the signature covers (5.4). */
  m[5] = b.len;
  kyso_buf_append(&b, signed_attrs.data, signed_attrs.len);
  if (kyso_buf_ok(&b))
    b.data[m[5]] = KYSO_DER_CONTEXT_CONSTRUCTED | 0;
  put_signature_alg(&b, resolved, di);
  kyso_der_put(&b, KYSO_DER_OCTET_STRING, signature.data, signature.len);
  if (timestamp_token.len > 0) {
    /* unsignedAttrs [1] IMPLICIT SET OF Attribute, one: the signature
     * timestamp { id-aa-signatureTimeStampToken, SET { ContentInfo } }
     * (RFC 3161 appendix A; ETSI EN 319 142-1 5.3, B-T). One element, so
     * the SET is in DER order as it stands. */
    m[5] = kyso_der_begin(&b);
    m[6] = kyso_der_begin(&b);
    kyso_der_put_oid(&b, oid_signature_time_stamp,
                     sizeof(oid_signature_time_stamp));
    m[7] = kyso_der_begin(&b);
    kyso_buf_append(&b, timestamp_token.data, timestamp_token.len);
    kyso_der_end(&b, m[7], KYSO_DER_SET);
    kyso_der_end(&b, m[6], KYSO_DER_SEQUENCE);
    kyso_der_end(&b, m[5], KYSO_DER_CONTEXT_CONSTRUCTED | 1);
  }
  kyso_der_end(&b, m[4], KYSO_DER_SEQUENCE);
  kyso_der_end(&b, m[3], KYSO_DER_SET);
  kyso_der_end(&b, m[2], KYSO_DER_SEQUENCE);
  kyso_der_end(&b, m[1], KYSO_DER_CONTEXT_CONSTRUCTED | 0);
  kyso_der_end(&b, m[0], KYSO_DER_SEQUENCE);
  if (!kyso_buf_ok(&b)) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory for the CMS");
    goto done;
  }
  kyso_buf_append(out, b.data, b.len);
  if (!kyso_buf_ok(out)) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory for the CMS");
    goto done;
  }
  ret = KYSO_OK;
done:
  kyso_buf_free(&b);
  OPENSSL_free(serial);
  X509_free(c);
  X509_free(x);
  ERR_pop_to_mark();
  return ret;
}

kyso_status kyso_cms_check_timestamp_token(kyso_blob token, kyso_blob signature,
                                           kyso_error *err) {
  kyso_status ret = KYSO_ERR_ARGUMENT;
  const unsigned char *p = token.data;
  CMS_ContentInfo *cms = NULL;
  TS_TST_INFO *tst = NULL;
  ASN1_OCTET_STRING **content;
  TS_MSG_IMPRINT *mi;
  const ASN1_OBJECT *obj = NULL;
  const ASN1_OCTET_STRING *imprint;
  const EVP_MD *md;
  uint8_t h[EVP_MAX_MD_SIZE];
  unsigned int hlen = 0;
  int nid;

  ERR_set_mark();
  ret = token_check_der(token, err);
  if (ret != KYSO_OK)
    goto done;
  ret = KYSO_ERR_ARGUMENT;
  if (!signature.data || signature.len == 0 ||
      signature.len > CMS_SIGNATURE_MAX) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                         "signature value empty or over %d bytes",
                         CMS_SIGNATURE_MAX);
    goto done;
  }
  /* TimeStampToken ::= ContentInfo, SignedData encapsulating a TSTInfo
   * (RFC 3161 2.4.2). */
  cms = d2i_CMS_ContentInfo(NULL, &p, (long)token.len);
  content = cms ? CMS_get0_content(cms) : NULL;
  if (!cms || p != token.data + token.len ||
      OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed ||
      OBJ_obj2nid(CMS_get0_eContentType(cms)) != NID_id_smime_ct_TSTInfo ||
      !content || !*content) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                         "timestamp token is not an RFC 3161 TimeStampToken");
    goto done;
  }
  p = ASN1_STRING_get0_data(*content);
  tst = d2i_TS_TST_INFO(NULL, &p, ASN1_STRING_length(*content));
  mi = tst ? TS_TST_INFO_get_msg_imprint(tst) : NULL;
  if (!mi) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                         "timestamp token TSTInfo cannot be read");
    goto done;
  }
  X509_ALGOR_get0(&obj, NULL, NULL, TS_MSG_IMPRINT_get_algo(mi));
  nid = OBJ_obj2nid(obj);
  md = nid == NID_sha256   ? EVP_sha256()
       : nid == NID_sha384 ? EVP_sha384()
       : nid == NID_sha512 ? EVP_sha512()
                           : NULL;
  if (!md) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                         "timestamp token imprint is not SHA-256/384/512");
    goto done;
  }
  imprint = TS_MSG_IMPRINT_get_msg(mi);
  if (EVP_Digest(signature.data, signature.len, h, &hlen, md, NULL) != 1) {
    ret = kyso_error_set(err, KYSO_ERR_CRYPTO, "imprint hash failed");
    goto done;
  }
  /* The TSA hashed the signature value itself (RFC 3161 appendix A). */
  if (!imprint || ASN1_STRING_length(imprint) != (int)hlen ||
      memcmp(ASN1_STRING_get0_data(imprint), h, hlen) != 0) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                         "timestamp token does not cover this signature");
    goto done;
  }
  ret = KYSO_OK;
done:
  TS_TST_INFO_free(tst);
  CMS_ContentInfo_free(cms);
  ERR_pop_to_mark();
  return ret;
}

kyso_status kyso_cms_timestamp_imprint(kyso_digest digest, kyso_blob signature,
                                       uint8_t *out, kyso_error *err) {
  if (!signature.data || signature.len == 0 ||
      signature.len > CMS_SIGNATURE_MAX)
    return kyso_error_set(err, KYSO_ERR_ARGUMENT,
                          "signature value empty or over %d bytes",
                          CMS_SIGNATURE_MAX);
  return kyso_digest_parts(digest, &signature, 1, out, err);
}
