/*
 * verify_cms.c - the CMS stage of the verifier: CMS, INTEGRITY,
 * SIGNING_CERT, SIGNATURE, ALGORITHMS and TIMESTAMP, and the signer's
 * identity in the report (see verify_internal.h).
 *
 * A signature (/Type /Sig) is a detached CMS SignedData over the two
 * /ByteRange parts (ISO 32000-1 12.8.3.3, ETSI EN 319 142-1 5.1); a
 * document timestamp (ETSI.RFC3161, /Type /DocTimeStamp or not) is an RFC
 * 3161 TimeStampToken whose TSTInfo messageImprint is the hash of those
 * parts (ETSI EN 319 142-1 5.4.3). A signature may carry a signature
 * timestamp token in its unsigned attributes (RFC 3161 appendix A),
 * imprinted over the signature value.
 *
 * What others write and kyso reads too: several SignerInfos (each must
 * verify; the first is reported), an empty eContent (read as detached,
 * INDETERMINATE), the legacy adbe.pkcs7.sha1 (the CMS encapsulates the
 * SHA-1 digest of the ranges) and adbe.x509.rsa_sha1 (a bare PKCS#1 value,
 * certificates in /Cert), Ed25519/Ed448 (RFC 8419) and the digests of
 * md_table. Weak algorithms are computed and then refused (ALGORITHMS);
 * one kyso cannot compute leaves the answer INDETERMINATE, never FAILED.
 *
 * Everything here reads bytes from anyone: every length is bounded before
 * it reaches OpenSSL, every decoding failure is a report outcome, and the
 * OpenSSL error queue is left as found (ERR_set_mark / ERR_pop_to_mark).
 * The call fails only for memory exhaustion.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1t.h>
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>

#include "base/time_civil.h"
#include "cms/cms_build.h"
#include "kyso/limits.h"
#include "verify/verify_internal.h"

/*
 * Bounds on what this stage reads (style habit 7). Local for now; they
 * belong in kyso/limits.h.
 */
enum {
  CMS_CONTENTS_MAX = 16 * 1024 * 1024, /* one /Contents, archived CRLs in */
  CMS_TOKEN_MAX = 1024 * 1024,         /* one signature timestamp token */
  CMS_TOKENS_MAX = 4,                  /* signature timestamps looked at */
  CMS_NAME_TEXT_MAX = 4096,            /* a Name printed into the report */
  CMS_OID_TEXT_MAX = 80,               /* an OID as dotted text */
  CMS_RSA_MIN_BITS = 2048,             /* ALGORITHMS: weaker is weak_key */
  CMS_EC_MIN_BITS = 256,
  /* A signature timestamp may come before the claimed /M by this much
   * (the signer's clock is not the TSA's) before the order is wrong. */
  CMS_TIME_TOLERANCE = 15 * 60,
  /* A claimed time later than the timestamp by up to this much is noted
   * (signing_time_after_timestamp: Vietnam time, UTC+7, written as UTC,
   * plus the tolerance); later still, the order is wrong
   * (timestamp_before_signing_time, indeterminate). */
  CMS_TIME_QUIRK_MAX = 7 * 3600 + CMS_TIME_TOLERANCE,
  CMS_DETAIL_MAX = 200
};

/* ---- ASN.1 types OpenSSL 3.0 keeps opaque or lacks -------------------- */

/* The templates below are OpenSSL's ASN.1 macros, which clang-format cannot
 * lay out; decoding goes through OpenSSL's own DER decoder. */
/* clang-format off */

/* IssuerSerial (RFC 5035 4): { issuer GeneralNames, serialNumber }. */
typedef struct KYSO_ESS_ISSUER_SERIAL {
  GENERAL_NAMES *issuer;
  ASN1_INTEGER *serial;
} KYSO_ESS_ISSUER_SERIAL;

ASN1_SEQUENCE(KYSO_ESS_ISSUER_SERIAL) = {
  ASN1_SEQUENCE_OF(KYSO_ESS_ISSUER_SERIAL, issuer, GENERAL_NAME),
  ASN1_SIMPLE(KYSO_ESS_ISSUER_SERIAL, serial, ASN1_INTEGER),
} static_ASN1_SEQUENCE_END(KYSO_ESS_ISSUER_SERIAL)

/* ESSCertID (RFC 2634 5.4.1, SHA-1) and ESSCertIDv2 (RFC 5035 4,
 * hashAlgorithm DEFAULT sha256) in one C type: hash_alg stays NULL for v1,
 * whose template has no such field. */
typedef struct KYSO_ESS_CERT_ID {
  X509_ALGOR *hash_alg;
  ASN1_OCTET_STRING *hash;
  KYSO_ESS_ISSUER_SERIAL *issuer_serial;
} KYSO_ESS_CERT_ID;

ASN1_SEQUENCE(KYSO_ESS_CERT_ID) = {
  ASN1_SIMPLE(KYSO_ESS_CERT_ID, hash, ASN1_OCTET_STRING),
  ASN1_OPT(KYSO_ESS_CERT_ID, issuer_serial, KYSO_ESS_ISSUER_SERIAL),
} static_ASN1_SEQUENCE_END(KYSO_ESS_CERT_ID)

typedef KYSO_ESS_CERT_ID KYSO_ESS_CERT_ID_V2;
ASN1_SEQUENCE(KYSO_ESS_CERT_ID_V2) = {
  ASN1_OPT(KYSO_ESS_CERT_ID_V2, hash_alg, X509_ALGOR),
  ASN1_SIMPLE(KYSO_ESS_CERT_ID_V2, hash, ASN1_OCTET_STRING),
  ASN1_OPT(KYSO_ESS_CERT_ID_V2, issuer_serial, KYSO_ESS_ISSUER_SERIAL),
} static_ASN1_SEQUENCE_END(KYSO_ESS_CERT_ID_V2)

DEFINE_STACK_OF(KYSO_ESS_CERT_ID)

/* SigningCertificate(V2) ::= { certs SEQUENCE OF ESSCertID(v2),
 * policies SEQUENCE OF PolicyInformation OPTIONAL }. */
typedef struct KYSO_ESS_SIGNING_CERT {
  STACK_OF(KYSO_ESS_CERT_ID) *certs;
  STACK_OF(POLICYINFO) *policies;
} KYSO_ESS_SIGNING_CERT;

ASN1_SEQUENCE(KYSO_ESS_SIGNING_CERT) = {
  ASN1_SEQUENCE_OF(KYSO_ESS_SIGNING_CERT, certs, KYSO_ESS_CERT_ID),
  ASN1_SEQUENCE_OF_OPT(KYSO_ESS_SIGNING_CERT, policies, POLICYINFO),
} static_ASN1_SEQUENCE_END(KYSO_ESS_SIGNING_CERT)

typedef KYSO_ESS_SIGNING_CERT KYSO_ESS_SIGNING_CERT_V2;
ASN1_SEQUENCE(KYSO_ESS_SIGNING_CERT_V2) = {
  ASN1_SEQUENCE_OF(KYSO_ESS_SIGNING_CERT_V2, certs, KYSO_ESS_CERT_ID_V2),
  ASN1_SEQUENCE_OF_OPT(KYSO_ESS_SIGNING_CERT_V2, policies, POLICYINFO),
} static_ASN1_SEQUENCE_END(KYSO_ESS_SIGNING_CERT_V2)

/* Adobe's RevocationInfoArchival (ISO 32000-1 12.8.3.3.2, OID
 * 1.2.840.113583.1.1.8): { crl [0] EXPLICIT SEQUENCE OF CertificateList
 * OPTIONAL, ocsp [1] EXPLICIT SEQUENCE OF OCSPResponse OPTIONAL,
 * otherRevInfo [2] EXPLICIT SEQUENCE OF OtherRevInfo OPTIONAL }. */
typedef struct KYSO_REV_ARCHIVAL {
  STACK_OF(X509_CRL) *crl;
  STACK_OF(OCSP_RESPONSE) *ocsp;
  STACK_OF(ASN1_TYPE) *other;
} KYSO_REV_ARCHIVAL;

ASN1_SEQUENCE(KYSO_REV_ARCHIVAL) = {
  ASN1_EXP_SEQUENCE_OF_OPT(KYSO_REV_ARCHIVAL, crl, X509_CRL, 0),
  ASN1_EXP_SEQUENCE_OF_OPT(KYSO_REV_ARCHIVAL, ocsp, OCSP_RESPONSE, 1),
  ASN1_EXP_SEQUENCE_OF_OPT(KYSO_REV_ARCHIVAL, other, ASN1_ANY, 2),
} static_ASN1_SEQUENCE_END(KYSO_REV_ARCHIVAL)

/* SignedAttributes as they are verified (RFC 5652 5.4: the DER of the SET
 * OF, in the order received, as OpenSSL's own CMS_Attributes_Verify). */
ASN1_ITEM_TEMPLATE(KYSO_SIGNED_ATTRS) =
  ASN1_EX_TEMPLATE_TYPE(ASN1_TFLG_SEQUENCE_OF | ASN1_TFLG_IMPTAG |
                        ASN1_TFLG_UNIVERSAL, V_ASN1_SET, KYSO_SIGNED_ATTRS,
                        X509_ATTRIBUTE)
static_ASN1_ITEM_TEMPLATE_END(KYSO_SIGNED_ATTRS)

/* ---- digests ------------------------------------------------------------ */

/* (Still unformatted: clang-format reads the last template above as running
 * on into the next declaration.) */
typedef struct md_entry {
  int nid;          /* NID_undef: matched by oid instead */
  const char *oid;  /* dotted OID OpenSSL 3.0 has no NID for, else NULL */
  const char *name; /* as in the report */
  int kyso;         /* kyso_digest, or -1 (hashed with EVP here) */
  const char *evp;  /* the OpenSSL algorithm name (EVP_MD_fetch) */
  size_t xof_len;   /* output octets of an XOF (SHAKE), else 0 */
  int weak;         /* collision resistance under 112 bits: not for signing */
} md_entry;

/* clang-format on */

/*
 * The digests kyso computes, by OID (RFC 5652 10.1.1): SHA-2 (RFC 5754),
 * SHA-3 and SHAKE (RFC 8702; SHAKE256 with a 512-bit output is what RFC
 * 8419 2.3 prescribes for Ed448, id-shake256-len carries that length as a
 * parameter), RIPEMD-160 (ISO 32000-1 table 257) and the broken ones a
 * verifier still meets (SHA-1, MD5): those are computed, so integrity is
 * known, then refused by the ALGORITHMS check.
 */
static const md_entry md_table[] = {
    {NID_sha1, NULL, "sha1", -1, "SHA1", 0, 1},
    {NID_sha256, NULL, "sha256", KYSO_DIGEST_SHA256, "SHA256", 0, 0},
    {NID_sha384, NULL, "sha384", KYSO_DIGEST_SHA384, "SHA384", 0, 0},
    {NID_sha512, NULL, "sha512", KYSO_DIGEST_SHA512, "SHA512", 0, 0},
    {NID_sha224, NULL, "sha224", -1, "SHA224", 0, 0},
    {NID_sha512_224, NULL, "sha512-224", -1, "SHA512-224", 0, 0},
    {NID_sha512_256, NULL, "sha512-256", -1, "SHA512-256", 0, 0},
    {NID_sha3_224, NULL, "sha3-224", -1, "SHA3-224", 0, 0},
    {NID_sha3_256, NULL, "sha3-256", -1, "SHA3-256", 0, 0},
    {NID_sha3_384, NULL, "sha3-384", -1, "SHA3-384", 0, 0},
    {NID_sha3_512, NULL, "sha3-512", -1, "SHA3-512", 0, 0},
    {NID_shake128, NULL, "shake128", -1, "SHAKE128", 32, 0},
    {NID_shake256, NULL, "shake256", -1, "SHAKE256", 64, 0},
    /* id-shake128-len / id-shake256-len (RFC 8702 3.3, RFC 8419 2.3) */
    {NID_undef, "2.16.840.1.101.3.4.2.17", "shake128", -1, "SHAKE128", 32, 0},
    {NID_undef, "2.16.840.1.101.3.4.2.18", "shake256", -1, "SHAKE256", 64, 0},
    {NID_ripemd160, NULL, "ripemd160", -1, "RIPEMD160", 0, 1},
    {NID_md5, NULL, "md5", -1, "MD5", 0, 1},
};

enum { MD_SHA1 = 0, MD_SHA256 = 1 }; /* md_table rows the ESS defaults use */

/* The output length an id-shake*-len AlgorithmIdentifier states in bits
 * (its parameter, RFC 8702 3.3): 1 when it is the entry's own length. */
static int md_len_param_ok(const md_entry *m, const X509_ALGOR *alg) {
  const void *pval = NULL;
  int ptype = V_ASN1_UNDEF;
  long bits;

  X509_ALGOR_get0(NULL, &ptype, &pval, alg);
  if (ptype != V_ASN1_INTEGER || !pval)
    return 0;
  bits = ASN1_INTEGER_get(pval);
  return bits > 0 && (size_t)bits == m->xof_len * 8;
}

/* The digest an AlgorithmIdentifier names, or NULL. A signature OID in a
 * digest field (sha256WithRSAEncryption, written by some signers) counts
 * as its digest. */
static const md_entry *md_lookup(const X509_ALGOR *alg) {
  const ASN1_OBJECT *obj = NULL;
  char oid[CMS_OID_TEXT_MAX];
  int nid, dnid = NID_undef, pknid = NID_undef;
  size_t i;

  if (!alg)
    return NULL;
  X509_ALGOR_get0(&obj, NULL, NULL, alg);
  nid = OBJ_obj2nid(obj);
  if (nid != NID_undef && OBJ_find_sigid_algs(nid, &dnid, &pknid) &&
      dnid != NID_undef)
    nid = dnid;
  if (nid != NID_undef) {
    for (i = 0; i < sizeof(md_table) / sizeof(md_table[0]); i++)
      if (md_table[i].nid == nid)
        return &md_table[i];
    return NULL;
  }
  if (!obj || OBJ_obj2txt(oid, sizeof(oid), obj, 1) <= 0)
    return NULL;
  for (i = 0; i < sizeof(md_table) / sizeof(md_table[0]); i++)
    if (md_table[i].oid && strcmp(md_table[i].oid, oid) == 0)
      return md_len_param_ok(&md_table[i], alg) ? &md_table[i] : NULL;
  return NULL;
}

/* A digest the caller computed elsewhere (kyso_verify_options.range_digests)
 * for exactly these parts: the two /ByteRange parts of the file, by
 * address, with the same algorithm. 1 and the value in out when found. */
static int hinted_digest(const kyso_verify_ctx *file, const md_entry *m,
                         const kyso_blob *parts, size_t n, uint8_t *out,
                         size_t *out_len) {
  const kyso_verify_options *o = file ? file->options : NULL;
  const kyso_range_digest *h;
  size_t i;

  if (!o || n != 2 || m->kyso < 0)
    return 0;
  for (i = 0; i < o->range_digest_count; i++) {
    h = &o->range_digests[i];
    if ((int)h->digest == m->kyso && h->byte_range[0] >= 0 &&
        h->byte_range[2] >= 0 &&
        parts[0].data == file->data + h->byte_range[0] &&
        (int64_t)parts[0].len == h->byte_range[1] &&
        parts[1].data == file->data + h->byte_range[2] &&
        (int64_t)parts[1].len == h->byte_range[3]) {
      *out_len = kyso_digest_size(h->digest);
      memcpy(out, h->value, *out_len);
      return 1;
    }
  }
  return 0;
}

/* Hashes the concatenation of n parts; out holds EVP_MAX_MD_SIZE. file:
 * the verification when the parts are the file's signed ranges (a digest
 * given by the caller is used then), else NULL. *out_len is 0 when this
 * build of OpenSSL lacks the algorithm (a reason for INDETERMINATE, not a
 * failure of the call). */
static kyso_status md_parts(const kyso_verify_ctx *file, const md_entry *m,
                            const kyso_blob *parts, size_t n, uint8_t *out,
                            size_t *out_len, kyso_error *err) {
  kyso_status ret = KYSO_ERR_CRYPTO;
  EVP_MD_CTX *c = NULL;
  EVP_MD *md = NULL;
  unsigned int len = 0;
  size_t i;

  *out_len = 0;
  if (hinted_digest(file, m, parts, n, out, out_len) ||
      (file && !m->xof_len &&
       kyso_range_hash_get(file->hash, m->evp, parts, n, out, out_len))) {
    ret = KYSO_OK;
    goto done;
  }
  if (m->kyso >= 0) {
    ret = kyso_digest_parts((kyso_digest)m->kyso, parts, n, out, err);
    if (ret == KYSO_OK)
      *out_len = kyso_digest_size((kyso_digest)m->kyso);
    goto done;
  }
  md = EVP_MD_fetch(NULL, m->evp, NULL);
  if (!md) {
    ret = KYSO_OK; /* not in this build: *out_len stays 0 */
    goto done;
  }
  c = EVP_MD_CTX_new();
  if (!c) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory for a digest");
    goto done;
  }
  if (EVP_DigestInit_ex(c, md, NULL) != 1) {
    ret = kyso_error_set(err, KYSO_ERR_CRYPTO, "%s cannot be started", m->name);
    goto done;
  }
  for (i = 0; i < n; i++)
    if (parts[i].len > 0 &&
        EVP_DigestUpdate(c, parts[i].data, parts[i].len) != 1) {
      ret = kyso_error_set(err, KYSO_ERR_CRYPTO, "%s update failed", m->name);
      goto done;
    }
  if (m->xof_len ? EVP_DigestFinalXOF(c, out, m->xof_len) != 1
                 : EVP_DigestFinal_ex(c, out, &len) != 1) {
    ret =
        kyso_error_set(err, KYSO_ERR_CRYPTO, "%s cannot be finished", m->name);
    goto done;
  }
  *out_len = m->xof_len ? m->xof_len : len;
  ret = KYSO_OK;
done:
  EVP_MD_CTX_free(c);
  EVP_MD_free(md);
  return ret;
}

static int octets_equal(const ASN1_OCTET_STRING *s, const uint8_t *p,
                        size_t len) {
  return s && (size_t)ASN1_STRING_length(s) == len &&
         (len == 0 || memcmp(ASN1_STRING_get0_data(s), p, len) == 0);
}

/* ---- small helpers ------------------------------------------------------ */

static int str_is(const char *s, const char *want) {
  return s && strcmp(s, want) == 0;
}

static int is_doc_timestamp(const kyso_sig_report *r) {
  return str_is(r->type, "DocTimeStamp") ||
         str_is(r->sub_filter, "ETSI.RFC3161");
}

/* The two signed parts of the file, re-checked against its length though
 * STRUCTURE passed: 0, or -1 if the ranges do not fit. */
static int range_parts(const kyso_verify_ctx *ctx, const kyso_sig_report *r,
                       kyso_blob parts[2]) {
  size_t i;

  if (r->byte_range_count != 4)
    return -1;
  for (i = 0; i < 4; i++)
    if (r->byte_range[i] < 0 || (uint64_t)r->byte_range[i] > ctx->len)
      return -1;
  if ((uint64_t)r->byte_range[1] > ctx->len - (uint64_t)r->byte_range[0] ||
      (uint64_t)r->byte_range[3] > ctx->len - (uint64_t)r->byte_range[2])
    return -1;
  parts[0].data = ctx->data + r->byte_range[0];
  parts[0].len = (size_t)r->byte_range[1];
  parts[1].data = ctx->data + r->byte_range[2];
  parts[1].len = (size_t)r->byte_range[3];
  return 0;
}

/* A report string, or KYSO_ERR_NO_MEMORY. */
static kyso_status put_str(kyso_report *report, const char **field,
                           const char *s, kyso_error *err) {
  if (!s) {
    *field = NULL;
    return KYSO_OK;
  }
  *field = kyso_report_strdup(report, s);
  if (!*field)
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY,
                          "out of memory for the report");
  return KYSO_OK;
}

/* Copies at most CMS_NAME_TEXT_MAX bytes of UTF-8 text, cut at a character
 * boundary, with control characters (and NUL, which would cut the string
 * short: a "null prefix" name) shown as '?'. malloc'd; NULL out of memory. */
static char *text_clean(const unsigned char *p, size_t len) {
  char *s;
  size_t i;

  if (len > CMS_NAME_TEXT_MAX) {
    len = CMS_NAME_TEXT_MAX;
    while (len > 0 && (p[len] & 0xc0) == 0x80)
      len--;
  }
  s = malloc(len + 1);
  if (!s)
    return NULL;
  for (i = 0; i < len; i++)
    s[i] = p[i] < 0x20 || p[i] == 0x7f ? '?' : (char)p[i];
  s[len] = '\0';
  return s;
}

/* RFC 2253 text of a Name, UTF-8 (multibyte characters kept, not
 * escaped). */
static kyso_status name_text(kyso_report *report, const X509_NAME *name,
                             const char **out, kyso_error *err) {
  kyso_status ret = KYSO_ERR_NO_MEMORY;
  BIO *b = BIO_new(BIO_s_mem());
  char *data = NULL, *s = NULL;
  long len;

  *out = NULL;
  if (!b)
    goto fail;
  if (!name || X509_NAME_print_ex(
                   b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0) {
    ret = KYSO_OK; /* unprintable: left unknown */
    goto done;
  }
  len = BIO_get_mem_data(b, &data);
  if (len < 0)
    len = 0;
  s = text_clean((const unsigned char *)data, (size_t)len);
  if (!s)
    goto fail;
  ret = put_str(report, out, s, err);
  goto done;
fail:
  ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory for a name");
done:
  free(s);
  BIO_free(b);
  return ret;
}

/* The first nid attribute of a Name in UTF-8 (NULL if absent). */
static kyso_status name_entry(kyso_report *report, const X509_NAME *name,
                              int nid, const char **out, kyso_error *err) {
  kyso_status ret = KYSO_OK;
  unsigned char *utf8 = NULL;
  char *s = NULL;
  int idx, n;

  *out = NULL;
  idx = name ? X509_NAME_get_index_by_NID(name, nid, -1) : -1;
  if (idx < 0)
    goto done;
  n = ASN1_STRING_to_UTF8(
      &utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx)));
  if (n < 0)
    goto done; /* not convertible: left unknown */
  s = text_clean(utf8, (size_t)n);
  if (!s) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory for a name");
    goto done;
  }
  ret = put_str(report, out, s, err);
done:
  free(s);
  OPENSSL_free(utf8);
  return ret;
}

/* Dotted text of an OID (never a name: stable across OpenSSL versions). */
static void oid_text(const ASN1_OBJECT *obj, char out[CMS_OID_TEXT_MAX]) {
  out[0] = '\0';
  if (!obj || OBJ_obj2txt(out, CMS_OID_TEXT_MAX, obj, 1) <= 0)
    snprintf(out, CMS_OID_TEXT_MAX, "unknown");
}

/* The SignerInfo's certificate among certs (by issuerAndSerialNumber or
 * subjectKeyIdentifier, RFC 5652 5.3), borrowed; NULL if absent. */
static X509 *find_signer(CMS_SignerInfo *si, STACK_OF(X509) *certs) {
  int i;

  for (i = 0; i < sk_X509_num(certs); i++)
    if (CMS_SignerInfo_cert_cmp(si, sk_X509_value(certs, i)) == 0)
      return sk_X509_value(certs, i);
  return NULL;
}

/* One attribute value of a SignerInfo's signed attributes, only if the
 * attribute occurs once with one value of the given ASN.1 type. *present
 * says whether the attribute occurs at all. */
static void *signed_value(const CMS_SignerInfo *si, int nid, int type,
                          int *present) {
  *present = CMS_signed_get_attr_by_NID(si, nid, -1) >= 0;
  return CMS_signed_get0_data_by_OBJ(si, OBJ_nid2obj(nid), -3, type);
}

/* Reads the outer TLV header of a BER/DER value: total length of the value
 * into *total (0 for the indefinite form, found by the decoder instead).
 * 0 ok, -1 not a complete constructed SEQUENCE. */
static int outer_length(const uint8_t *p, size_t avail, size_t *total) {
  size_t count, v = 0, i;

  if (avail < 2 || p[0] != 0x30)
    return -1;
  if (p[1] < 0x80) {
    v = p[1];
    count = 0;
  } else if (p[1] == 0x80) {
    *total = 0;
    return 0;
  } else {
    count = p[1] & 0x7f;
    if (count > sizeof(size_t) || avail - 2 < count)
      return -1;
    for (i = 0; i < count; i++) {
      if (v > (SIZE_MAX >> 8))
        return -1;
      v = (v << 8) | p[2 + i];
    }
  }
  if (v > avail - 2 - count)
    return -1;
  *total = 2 + count + v;
  return 0;
}

/* ---- the signer's identity ---------------------------------------------- */

static kyso_status fill_identity(kyso_report *report, kyso_sig_report *r,
                                 X509 *signer, kyso_error *err) {
  kyso_status ret;
  const X509_NAME *subject = X509_get_subject_name(signer);
  const X509_NAME *issuer = X509_get_issuer_name(signer);
  BIGNUM *bn = NULL;
  char *hex = NULL;
  EVP_PKEY *pk = X509_get0_pubkey(signer); /* borrowed */

  ret = name_text(report, subject, &r->signer_subject, err);
  if (ret == KYSO_OK)
    ret = name_entry(report, subject, NID_commonName, &r->signer_cn, err);
  if (ret == KYSO_OK)
    ret = name_entry(report, subject, NID_organizationName, &r->signer_o, err);
  if (ret == KYSO_OK)
    ret = name_text(report, issuer, &r->issuer_subject, err);
  if (ret == KYSO_OK)
    ret = name_entry(report, issuer, NID_commonName, &r->issuer_cn, err);
  if (ret != KYSO_OK)
    goto done;
  bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(signer), NULL);
  hex = bn ? BN_bn2hex(bn) : NULL; /* upper case */
  if (hex)
    ret = put_str(report, &r->signer_serial, hex, err);
  if (ret != KYSO_OK)
    goto done;
  r->key_bits = pk ? EVP_PKEY_get_bits(pk) : 0;
  if (r->key_bits < 0)
    r->key_bits = 0;
done:
  OPENSSL_free(hex);
  BN_free(bn);
  return ret;
}

static kyso_status fill_algorithms(kyso_report *report, kyso_sig_report *r,
                                   CMS_SignerInfo *si, kyso_error *err) {
  kyso_status ret;
  X509_ALGOR *dig = NULL, *sig = NULL;
  const ASN1_OBJECT *obj = NULL;
  const md_entry *m;
  char oid[CMS_OID_TEXT_MAX];
  const char *name;
  int nid, dnid = NID_undef, pknid = NID_undef;

  CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, &sig);
  m = md_lookup(dig);
  if (m) {
    ret = put_str(report, &r->digest_algorithm, m->name, err);
  } else {
    X509_ALGOR_get0(&obj, NULL, NULL, dig);
    oid_text(obj, oid);
    ret = put_str(report, &r->digest_algorithm, oid, err);
  }
  if (ret != KYSO_OK)
    return ret;
  obj = NULL;
  if (sig)
    X509_ALGOR_get0(&obj, NULL, NULL, sig);
  nid = OBJ_obj2nid(obj);
  if (nid != NID_undef && OBJ_find_sigid_algs(nid, &dnid, &pknid))
    nid = pknid;
  if (nid == NID_rsaEncryption)
    name = "rsa-pkcs1";
  else if (nid == NID_rsassaPss)
    name = "rsa-pss";
  else if (nid == NID_X9_62_id_ecPublicKey)
    name = "ecdsa";
  else if (nid == NID_ED25519)
    name = "ed25519";
  else if (nid == NID_ED448)
    name = "ed448";
  else {
    oid_text(obj, oid);
    name = oid;
  }
  return put_str(report, &r->signature_algorithm, name, err);
}

/* ---- checks shared by signatures and timestamp tokens ------------------- */

/*
 * message-digest (RFC 5652 11.2) against the hash of parts with the
 * SignerInfo's digest. *reason: NULL when equal, else
 * "message_digest_missing", "message_digest_mismatch" or
 * "digest_unsupported".
 */
static kyso_status check_message_digest(const kyso_verify_ctx *file,
                                        CMS_SignerInfo *si,
                                        const kyso_blob *parts, size_t n,
                                        const char **reason, kyso_error *err) {
  kyso_status ret;
  X509_ALGOR *dig = NULL;
  const md_entry *m;
  const ASN1_OCTET_STRING *md;
  uint8_t h[EVP_MAX_MD_SIZE];
  size_t hlen = 0;
  int present = 0;

  *reason = NULL;
  CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, NULL);
  m = md_lookup(dig);
  if (!m) {
    *reason = "digest_unsupported";
    return KYSO_OK;
  }
  md = signed_value(si, NID_pkcs9_messageDigest, V_ASN1_OCTET_STRING, &present);
  if (!md) {
    *reason = "message_digest_missing";
    return KYSO_OK;
  }
  ret = md_parts(file, m, parts, n, h, &hlen, err);
  if (ret != KYSO_OK)
    return ret;
  if (hlen == 0)
    *reason = "digest_unsupported"; /* not in this OpenSSL build */
  else if (!octets_equal(md, h, hlen))
    *reason = "message_digest_mismatch";
  return KYSO_OK;
}

/* Does one ESSCertID(v2) name cert? 1 yes, 0 no. */
static int ess_id_matches(const KYSO_ESS_CERT_ID *id, int v2, X509 *cert) {
  const md_entry *m = &md_table[MD_SHA1]; /* v1: SHA-1 (RFC 2634 5.4.1) */
  uint8_t h[EVP_MAX_MD_SIZE];
  unsigned char *der = NULL;
  size_t hlen = 0;
  kyso_blob whole;
  kyso_error err;
  int i, n, name_ok = 0, ok;

  if (v2) {
    m = id->hash_alg ? md_lookup(id->hash_alg) : &md_table[MD_SHA256];
    if (!m)
      return 0;
  }
  n = i2d_X509(cert, &der);
  if (n <= 0)
    return 0;
  whole.data = der;
  whole.len = (size_t)n;
  kyso_error_clear(&err);
  ok = md_parts(NULL, m, &whole, 1, h, &hlen, &err) == KYSO_OK && hlen > 0 &&
       octets_equal(id->hash, h, hlen);
  OPENSSL_free(der);
  if (!ok)
    return 0;
  if (!id->issuer_serial)
    return 1;
  if (ASN1_INTEGER_cmp(id->issuer_serial->serial,
                       X509_get0_serialNumber(cert)) != 0)
    return 0;
  for (i = 0; i < sk_GENERAL_NAME_num(id->issuer_serial->issuer); i++) {
    const GENERAL_NAME *g = sk_GENERAL_NAME_value(id->issuer_serial->issuer, i);
    if (g->type == GEN_DIRNAME &&
        X509_NAME_cmp(g->d.directoryName, X509_get_issuer_name(cert)) == 0)
      name_ok = 1;
  }
  return name_ok;
}

/* Checks one ESS attribute (v1 or v2) if present: *found 1 if present;
 * returns NULL when it names cert, else a short English detail. */
static const char *ess_check_one(const CMS_SignerInfo *si, int v2, X509 *cert,
                                 int *found) {
  int nid = v2 ? NID_id_smime_aa_signingCertificateV2
               : NID_id_smime_aa_signingCertificate;
  const ASN1_ITEM *it = v2 ? ASN1_ITEM_rptr(KYSO_ESS_SIGNING_CERT_V2)
                           : ASN1_ITEM_rptr(KYSO_ESS_SIGNING_CERT);
  const ASN1_STRING *seq;
  const unsigned char *p;
  KYSO_ESS_SIGNING_CERT *sc = NULL;
  const char *why = NULL;
  int present = 0;

  seq = signed_value(si, nid, V_ASN1_SEQUENCE, &present);
  *found = present;
  if (!present)
    goto done;
  if (!seq) {
    why = "the signing-certificate attribute is repeated or malformed";
    goto done;
  }
  p = ASN1_STRING_get0_data(seq);
  sc = (KYSO_ESS_SIGNING_CERT *)ASN1_item_d2i(NULL, &p, ASN1_STRING_length(seq),
                                              it);
  if (!sc || p != ASN1_STRING_get0_data(seq) + ASN1_STRING_length(seq) ||
      sk_KYSO_ESS_CERT_ID_num(sc->certs) < 1) {
    why = "the signing-certificate attribute cannot be decoded";
    goto done;
  }
  /* The first ESSCertID is the signing certificate (RFC 5035 3). */
  if (!ess_id_matches(sk_KYSO_ESS_CERT_ID_value(sc->certs, 0), v2, cert))
    why = v2 ? "signing-certificate-v2 names another certificate"
             : "signing-certificate names another certificate";
done:
  ASN1_item_free((ASN1_VALUE *)sc, it);
  return why;
}

/* Both ESS attributes: NULL ok (*found says if any was there), else a
 * detail for "ess_mismatch". */
static const char *ess_check(const CMS_SignerInfo *si, X509 *cert, int *found) {
  int f1 = 0, f2 = 0;
  const char *why = ess_check_one(si, 1, cert, &f2);
  if (!why)
    why = ess_check_one(si, 0, cert, &f1);
  *found = f1 || f2;
  return why;
}

/* EdDSA keys (RFC 8419): the signature is over the message itself, with
 * no digest of OpenSSL's CMS code (which OpenSSL 3.0 cannot verify). */
static int is_eddsa(const EVP_PKEY *pk) {
  int t = pk ? EVP_PKEY_get_base_id(pk) : EVP_PKEY_NONE;
  return t == EVP_PKEY_ED25519 || t == EVP_PKEY_ED448;
}

/* Pure EdDSA over the signed attributes (RFC 8419 3.1): 1 verifies, 0 does
 * not, -1 cannot be computed here. */
static int eddsa_verifies(CMS_SignerInfo *si, EVP_PKEY *pk) {
  STACK_OF(X509_ATTRIBUTE) *attrs = sk_X509_ATTRIBUTE_new_null();
  const ASN1_OCTET_STRING *sig = CMS_SignerInfo_get0_signature(si);
  EVP_MD_CTX *c = NULL;
  unsigned char *der = NULL;
  int i, n, r = -1;

  if (!attrs || !sig)
    goto done;
  for (i = 0; i < CMS_signed_get_attr_count(si); i++)
    if (!sk_X509_ATTRIBUTE_push(attrs, CMS_signed_get_attr(si, i)))
      goto done;
  n = ASN1_item_i2d((ASN1_VALUE *)attrs, &der,
                    ASN1_ITEM_rptr(KYSO_SIGNED_ATTRS));
  c = EVP_MD_CTX_new();
  if (n <= 0 || !c || EVP_DigestVerifyInit(c, NULL, NULL, NULL, pk) != 1)
    goto done;
  r = EVP_DigestVerify(c, ASN1_STRING_get0_data(sig),
                       (size_t)ASN1_STRING_length(sig), der, (size_t)n) == 1;
done:
  EVP_MD_CTX_free(c);
  OPENSSL_free(der);
  sk_X509_ATTRIBUTE_free(attrs); /* the attributes are borrowed */
  return r;
}

/* The signature over the DER SignedAttributes (RFC 5652 5.4): 1 verifies,
 * 0 does not, -1 cannot be computed here (an algorithm this OpenSSL does
 * not have, a key that does not fit the algorithm identifiers): that is
 * INDETERMINATE, never proof of tampering. */
static int signature_verifies(CMS_SignerInfo *si, X509 *cert) {
  EVP_PKEY *pk = X509_get0_pubkey(cert); /* borrowed */
  int r;

  if (is_eddsa(pk))
    return eddsa_verifies(si, pk);
  CMS_SignerInfo_set1_signer_cert(si, cert);
  r = CMS_SignerInfo_verify(si);
  return r == 1 ? 1 : r == 0 ? 0 : -1;
}

/*
 * Without signed attributes (allowed for adbe.pkcs7.detached, ISO 32000-1
 * 12.8.3.3.1) the signature is over the content digest itself. RSA
 * PKCS#1 v1.5 and ECDSA; 1 when it verifies, 0 when it does not, -1 when
 * it cannot be checked here.
 */
static int signature_over_digest(CMS_SignerInfo *si, X509 *cert,
                                 const md_entry *m, const uint8_t *h,
                                 size_t hlen, const char **why) {
  EVP_PKEY *pk = X509_get0_pubkey(cert); /* borrowed */
  EVP_PKEY_CTX *pctx = NULL;
  EVP_MD *md = NULL;
  const ASN1_OCTET_STRING *sig = CMS_SignerInfo_get0_signature(si);
  X509_ALGOR *alg = NULL;
  const ASN1_OBJECT *obj = NULL;
  int ok = -1, nid, dnid = NID_undef, pknid = NID_undef;

  *why = "the signature value does not verify over the content digest";
  CMS_SignerInfo_get0_algs(si, NULL, NULL, NULL, &alg);
  if (alg)
    X509_ALGOR_get0(&obj, NULL, NULL, alg);
  nid = OBJ_obj2nid(obj);
  if (nid != NID_undef && OBJ_find_sigid_algs(nid, &dnid, &pknid))
    nid = pknid;
  if (nid == NID_rsassaPss || is_eddsa(pk) || m->xof_len) {
    *why = "this signature algorithm without signed attributes is not "
           "supported";
    goto done;
  }
  if (!pk || !sig) {
    ok = 0;
    goto done;
  }
  md = EVP_MD_fetch(NULL, m->evp, NULL);
  pctx = EVP_PKEY_CTX_new(pk, NULL);
  if (!md || !pctx || EVP_PKEY_verify_init(pctx) <= 0 ||
      EVP_PKEY_CTX_set_signature_md(pctx, md) <= 0) {
    *why = "the signature cannot be checked with this algorithm";
    goto done;
  }
  if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA &&
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0)
    goto done;
  ok = EVP_PKEY_verify(pctx, ASN1_STRING_get0_data(sig),
                       (size_t)ASN1_STRING_length(sig), h, hlen) == 1;
done:
  EVP_PKEY_CTX_free(pctx);
  EVP_MD_free(md);
  return ok;
}

/* TSA certificate extended key usage: exactly id-kp-timeStamping and
 * critical (RFC 3161 2.3). */
static int tsa_eku_ok(const X509 *x) {
  int crit = -1, ok;
  EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(x, NID_ext_key_usage, &crit, NULL);

  ok = eku && crit == 1 && sk_ASN1_OBJECT_num(eku) == 1 &&
       OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, 0)) == NID_time_stamp;
  EXTENDED_KEY_USAGE_free(eku);
  return ok;
}

/*
 * The TSA side of a timestamp: EKU, then a path at genTime for the
 * time-stamping purpose, then the revocation of that path
 * (kyso_revocation_tsa: revoked before genTime, or for a key compromise at
 * any time). *reason NULL when trusted, else "timestamp_bad_eku",
 * "timestamp_untrusted" or "timestamp_tsa_revoked" with detail.
 */
static kyso_status check_tsa(kyso_verify_ctx *ctx, kyso_sig_state *st,
                             X509 *tsa, STACK_OF(X509) *token_certs,
                             int64_t gen_time, const char **reason,
                             char *detail, kyso_error *err) {
  STACK_OF(X509) *path = NULL;
  const char *why;
  int revoked;

  *reason = NULL;
  if (!tsa_eku_ok(tsa)) {
    *reason = "timestamp_bad_eku";
    snprintf(detail, CMS_DETAIL_MAX,
             "the TSA certificate's extended key usage is not timeStamping "
             "alone and critical (RFC 3161 2.3)");
    return KYSO_OK;
  }
  /* kyso_verify_path adds the DSS certificates and the intermediates. */
  why = kyso_verify_path(ctx, tsa, token_certs, gen_time,
                         X509_PURPOSE_TIMESTAMP_SIGN, &path);
  if (why) {
    sk_X509_pop_free(path, X509_free);
    *reason = "timestamp_untrusted";
    snprintf(detail, CMS_DETAIL_MAX, "TSA certificate path: %s", why);
    return KYSO_OK;
  }
  revoked =
      kyso_revocation_tsa(ctx, st, path, gen_time, detail, CMS_DETAIL_MAX);
  sk_X509_pop_free(path, X509_free);
  if (revoked < 0)
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  if (revoked)
    *reason = "timestamp_tsa_revoked";
  return KYSO_OK;
}

/* An RFC 3161 TimeStampToken opened: its TSTInfo, certificates (owned) and
 * TSA certificate (borrowed from certs). */
typedef struct token {
  CMS_ContentInfo *cms; /* borrowed or owned, see token_free */
  int owns_cms;
  CMS_SignerInfo *si;
  TS_TST_INFO *tst;
  STACK_OF(X509) *certs;
  X509 *tsa;
  int64_t gen_time;
} token;

static void token_free(token *t) {
  if (t->owns_cms)
    CMS_ContentInfo_free(t->cms);
  TS_TST_INFO_free(t->tst);
  sk_X509_pop_free(t->certs, X509_free);
  memset(t, 0, sizeof(*t));
}

/* Reads the TSTInfo of a SignedData whose eContentType is id-ct-TSTInfo
 * (RFC 3161 2.4.2). NULL when it is one, else a detail. */
static const char *token_tstinfo(token *t) {
  ASN1_OCTET_STRING **content = CMS_get0_content(t->cms);
  const unsigned char *p;

  if (OBJ_obj2nid(CMS_get0_eContentType(t->cms)) != NID_id_smime_ct_TSTInfo)
    return "the encapsulated content is not a TSTInfo";
  if (!content || !*content)
    return "the TSTInfo is missing (detached)";
  p = ASN1_STRING_get0_data(*content);
  t->tst = d2i_TS_TST_INFO(NULL, &p, ASN1_STRING_length(*content));
  if (!t->tst ||
      p != ASN1_STRING_get0_data(*content) + ASN1_STRING_length(*content))
    return "the TSTInfo cannot be decoded";
  if (!TS_TST_INFO_get_msg_imprint(t->tst) ||
      kyso_time_from_asn1(TS_TST_INFO_get_time(t->tst), &t->gen_time) != 0)
    return "the TSTInfo genTime cannot be read";
  return NULL;
}

/* messageImprint (RFC 3161 2.4.2) against the hash of parts with its own
 * algorithm: NULL equal, else "digest_unsupported" or "mismatch". */
static kyso_status check_imprint(const kyso_verify_ctx *file, const token *t,
                                 const kyso_blob *parts, size_t n,
                                 const char **why, kyso_error *err) {
  TS_MSG_IMPRINT *mi = TS_TST_INFO_get_msg_imprint(t->tst);
  const md_entry *m = md_lookup(TS_MSG_IMPRINT_get_algo(mi));
  uint8_t h[EVP_MAX_MD_SIZE];
  size_t hlen = 0;
  kyso_status ret;

  *why = NULL;
  if (!m) {
    *why = "digest_unsupported";
    return KYSO_OK;
  }
  ret = md_parts(file, m, parts, n, h, &hlen, err);
  if (ret == KYSO_OK && hlen == 0)
    *why = "digest_unsupported";
  else if (ret == KYSO_OK && !octets_equal(TS_MSG_IMPRINT_get_msg(mi), h, hlen))
    *why = "mismatch";
  return ret;
}

/*
 * A signature timestamp token (DER ContentInfo at der, len octets)
 * checked through: decoding, its own CMS signature and ESS, the imprint
 * over the signature value, the TSA's EKU and path at genTime, and the
 * order against the claimed time. *reason NULL when valid.
 */
static kyso_status check_token(kyso_verify_ctx *ctx, kyso_sig_state *st,
                               const uint8_t *der, size_t len,
                               kyso_blob signature, token *t,
                               const char **reason, kyso_check_result *result,
                               char *detail, kyso_error *err) {
  kyso_status ret = KYSO_OK;
  const unsigned char *p = der;
  kyso_blob content;
  ASN1_OCTET_STRING **econtent;
  const char *why = NULL;
  int found = 0;

  *reason = "timestamp_malformed";
  *result = KYSO_RESULT_FAILED;
  if (len > CMS_TOKEN_MAX) {
    snprintf(detail, CMS_DETAIL_MAX, "the token is over %d bytes",
             CMS_TOKEN_MAX);
    goto done;
  }
  t->cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
  t->owns_cms = 1;
  if (!t->cms || p != der + len ||
      OBJ_obj2nid(CMS_get0_type(t->cms)) != NID_pkcs7_signed ||
      sk_CMS_SignerInfo_num(CMS_get0_SignerInfos(t->cms)) != 1) {
    snprintf(detail, CMS_DETAIL_MAX,
             "the token is not a SignedData with one SignerInfo");
    goto done;
  }
  t->si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(t->cms), 0);
  why = token_tstinfo(t);
  if (why) {
    snprintf(detail, CMS_DETAIL_MAX, "%s", why);
    goto done;
  }
  t->certs = CMS_get1_certs(t->cms);
  t->tsa = find_signer(t->si, t->certs);
  if (!t->tsa) {
    snprintf(detail, CMS_DETAIL_MAX, "the TSA certificate is not in the token");
    goto done;
  }

  /* The token's own signature: content digest, ESS, signature value. */
  *reason = "timestamp_signature_invalid";
  econtent = CMS_get0_content(t->cms);
  content.data = ASN1_STRING_get0_data(*econtent);
  content.len = (size_t)ASN1_STRING_length(*econtent);
  ret = check_message_digest(NULL, t->si, &content, 1, &why, err);
  if (ret != KYSO_OK)
    goto done;
  if (why) {
    snprintf(detail, CMS_DETAIL_MAX, "token message-digest: %s", why);
    goto done;
  }
  why = ess_check(t->si, t->tsa, &found);
  if (why || !found) {
    snprintf(detail, CMS_DETAIL_MAX, "token: %s",
             why ? why : "no signing-certificate attribute (RFC 3161 2.4.1)");
    goto done;
  }
  if (signature_verifies(t->si, t->tsa) != 1) {
    snprintf(detail, CMS_DETAIL_MAX,
             "the token's signature does not verify with the TSA "
             "certificate");
    goto done;
  }

  /* What it vouches for: this signature value (RFC 3161 appendix A). */
  ret = check_imprint(NULL, t, &signature, 1, &why, err);
  if (ret != KYSO_OK)
    goto done;
  if (why) {
    int mismatch = strcmp(why, "mismatch") == 0;
    *reason = mismatch ? "timestamp_imprint_mismatch" : "timestamp_malformed";
    snprintf(detail, CMS_DETAIL_MAX, "%s",
             mismatch ? "the messageImprint is not the hash of the signature "
                        "value"
                      : "the messageImprint algorithm is not supported");
    goto done;
  }
  ret = check_tsa(ctx, st, t->tsa, t->certs, t->gen_time, reason, detail, err);
  if (ret != KYSO_OK || *reason)
    goto done;
  if ((st->has_signing_time_attr &&
       st->signing_time_attr - CMS_TIME_QUIRK_MAX > t->gen_time) ||
      (st->rep->has_claimed_time &&
       st->rep->claimed_time - CMS_TIME_QUIRK_MAX > t->gen_time)) {
    char gen[32], claimed[32];
    int attr = st->has_signing_time_attr &&
               st->signing_time_attr - CMS_TIME_QUIRK_MAX > t->gen_time;
    kyso_time_format_utc(t->gen_time, gen);
    kyso_time_format_utc(attr ? st->signing_time_attr : st->rep->claimed_time,
                         claimed);
    *reason = "timestamp_before_signing_time";
    *result = KYSO_RESULT_INDETERMINATE;
    snprintf(detail, CMS_DETAIL_MAX,
             "timestamp %s is more than 7h15m before the claimed signing "
             "time %s (%s)",
             gen, claimed, attr ? "CMS signingTime" : "/M");
    goto done;
  }
  /* A claimed signing time after the timestamp, by up to
   * CMS_TIME_QUIRK_MAX, is not fatal: the token
   * proves the signature existed at genTime (ETSI EN 319 102-1 5.6.2.3,
   * proof of existence), which is the time that counts; the claim is only
   * noted (stage_sig_timestamp). Some Vietnamese tools write local time
   * (UTC+7) into signingTime labelled UTC. */
  *reason = NULL;
  *result = KYSO_RESULT_PASSED;
done:
  return ret;
}

/* ---- the stage ---------------------------------------------------------- */

/* What one run of the stage holds besides st. */
typedef struct cms_run {
  int dts;            /* a document timestamp */
  int pkcs7;          /* adbe.pkcs7.detached */
  int sha1;           /* adbe.pkcs7.sha1: the CMS signs a SHA-1 digest of the
                         ranges, encapsulated (ISO 32000-1 12.8.3.3.1) */
  int econtent_empty; /* eContent present but empty: read as detached */
  int signers;        /* SignerInfos in the SignedData */
  CMS_SignerInfo *si; /* the first: the signer the report names */
  token doc;          /* dts: the token (cms borrowed from st->cms) */
  kyso_blob parts[2]; /* the file's signed ranges */
  kyso_blob content;  /* dts, adbe.pkcs7.sha1: the encapsulated content */
} cms_run;

/* What the SignerInfos sign: the ranges, or for adbe.pkcs7.sha1 the
 * encapsulated digest. *file: the verification when it is the ranges. */
static const kyso_blob *signed_what(kyso_verify_ctx *ctx, cms_run *run,
                                    size_t *n, const kyso_verify_ctx **file) {
  if (run->sha1) {
    *n = 1;
    *file = NULL;
    return &run->content;
  }
  *n = 2;
  *file = ctx;
  return run->parts;
}

/* Sets check to result unless it already says something as bad or worse
 * (a failure stays; an indeterminate stays unless this is a failure). */
static void check_worsen(kyso_report *report, kyso_check *c,
                         kyso_check_result result, const char *reason,
                         const char *detail) {
  if (c->result == KYSO_RESULT_FAILED ||
      (c->result == KYSO_RESULT_INDETERMINATE &&
       result != KYSO_RESULT_FAILED) ||
      c->result == KYSO_RESULT_NOT_RUN)
    return;
  kyso_check_set(report, c, result, reason, "%s", detail);
}

/* Decodes /Contents into st->cms and applies the CMS check. On return
 * run->si is set only when CMS passed. */
static kyso_status stage_decode(kyso_verify_ctx *ctx, kyso_sig_state *st,
                                cms_run *run, kyso_error *err) {
  kyso_report *report = ctx->report;
  kyso_check *c = &st->rep->checks[KYSO_CHECK_CMS];
  const unsigned char *p = st->contents;
  ASN1_OCTET_STRING **content;
  const ASN1_OBJECT *ect;
  const ASN1_OBJECT *ct_attr;
  size_t total = 0, i;
  int present = 0, n, k;
  const char *why;

  (void)err;
  if (!st->contents || st->contents_len == 0) {
    kyso_check_set(report, c, KYSO_RESULT_FAILED, "cms_malformed",
                   "/Contents is empty");
    return KYSO_OK;
  }
  if (st->contents_len > CMS_CONTENTS_MAX) {
    kyso_check_set(report, c, KYSO_RESULT_FAILED, "cms_malformed",
                   "/Contents is over %d bytes", CMS_CONTENTS_MAX);
    return KYSO_OK;
  }
  if (outer_length(st->contents, st->contents_len, &total) != 0) {
    kyso_check_set(report, c, KYSO_RESULT_FAILED, "cms_malformed",
                   "/Contents does not start with one whole SEQUENCE");
    return KYSO_OK;
  }
  /* Indefinite form (BER): the decoder finds the end. */
  st->cms =
      kyso_cms_decode(ctx->certs, &p, (long)(total ? total : st->contents_len));
  if (!st->cms || (total && (size_t)(p - st->contents) != total)) {
    kyso_check_set(report, c, KYSO_RESULT_FAILED, "cms_malformed",
                   "/Contents is not a CMS ContentInfo");
    return KYSO_OK;
  }
  total = (size_t)(p - st->contents);
  /* The hole is reserved larger than the CMS; the rest must be the zero
   * padding, or bytes ride along unsigned. */
  for (i = total; i < st->contents_len; i++)
    if (st->contents[i] != 0) {
      kyso_check_set(report, c, KYSO_RESULT_FAILED, "cms_trailing_data",
                     "non-zero byte at offset %zu after the %zu-byte CMS", i,
                     total);
      return KYSO_OK;
    }
  if (OBJ_obj2nid(CMS_get0_type(st->cms)) != NID_pkcs7_signed) {
    kyso_check_set(report, c, KYSO_RESULT_FAILED, "cms_not_signed_data",
                   "the ContentInfo is not id-signedData");
    return KYSO_OK;
  }
  n = sk_CMS_SignerInfo_num(CMS_get0_SignerInfos(st->cms));
  if (n < 1 || (run->dts && n != 1)) {
    kyso_check_set(report, c, KYSO_RESULT_FAILED, "cms_signer_count",
                   run->dts ? "%d SignerInfos; a timestamp token has the "
                              "TSA's alone (RFC 3161 2.4.2)"
                            : "%d SignerInfos: nothing signs",
                   n);
    return KYSO_OK;
  }
  if (n > KYSO_LIMIT_CMS_SIGNERS) {
    kyso_check_set(report, c, KYSO_RESULT_INDETERMINATE, "cms_signer_count",
                   "%d SignerInfos; kyso verifies at most %d", n,
                   KYSO_LIMIT_CMS_SIGNERS);
    return KYSO_OK;
  }
  run->signers = n;
  content = CMS_get0_content(st->cms);
  ect = CMS_get0_eContentType(st->cms);
  for (k = 0; k < n; k++) {
    ct_attr =
        signed_value(sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(st->cms), k),
                     NID_pkcs9_contentType, V_ASN1_OBJECT, &present);
    if (present && (!ct_attr || OBJ_cmp(ct_attr, ect) != 0)) {
      kyso_check_set(report, c, KYSO_RESULT_FAILED, "cms_content_type_mismatch",
                     "the content-type attribute differs from eContentType "
                     "(RFC 5652 11.1)");
      return KYSO_OK;
    }
  }
  run->si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(st->cms), 0);
  if (run->dts) {
    run->doc.cms = st->cms;
    run->doc.si = run->si;
    if (OBJ_obj2nid(ect) != NID_id_smime_ct_TSTInfo) {
      run->si = NULL;
      kyso_check_set(report, c, KYSO_RESULT_FAILED, "cms_content_type_mismatch",
                     "a document timestamp must encapsulate a TSTInfo "
                     "(RFC 3161 2.4.2)");
      return KYSO_OK;
    }
    why = token_tstinfo(&run->doc);
    if (why) {
      run->si = NULL;
      kyso_check_set(report, c, KYSO_RESULT_FAILED, "cms_malformed", "%s", why);
      return KYSO_OK;
    }
    run->content.data = ASN1_STRING_get0_data(*content);
    run->content.len = (size_t)ASN1_STRING_length(*content);
  } else {
    if (run->sha1) {
      /* ISO 32000-1 12.8.3.3.1: the SHA-1 digest of the ranges is the
       * encapsulated content. */
      if (!content || !*content || ASN1_STRING_length(*content) <= 0) {
        run->si = NULL;
        kyso_check_set(report, c, KYSO_RESULT_FAILED, "cms_malformed",
                       "adbe.pkcs7.sha1 must encapsulate the SHA-1 digest "
                       "of the byte ranges");
        return KYSO_OK;
      }
      run->content.data = ASN1_STRING_get0_data(*content);
      run->content.len = (size_t)ASN1_STRING_length(*content);
    } else if (content && *content && ASN1_STRING_length(*content) > 0) {
      run->si = NULL;
      kyso_check_set(report, c, KYSO_RESULT_FAILED, "cms_not_detached",
                     "the SignedData encapsulates content; PAdES signs the "
                     "byte ranges detached");
      return KYSO_OK;
    } else if (content && *content) {
      /* Present but empty (a Vietnamese e-office product writes this):
       * nothing is encapsulated, the message-digest is over the ranges as
       * for a detached signature, so it is read as one, with a note. */
      run->econtent_empty = 1;
    }
    if (OBJ_obj2nid(ect) != NID_pkcs7_data) {
      run->si = NULL;
      kyso_check_set(report, c, KYSO_RESULT_FAILED, "cms_content_type_mismatch",
                     "eContentType is not id-data (ETSI EN 319 142-1 "
                     "5.2.2.3)");
      return KYSO_OK;
    }
  }
  /* Present-but-empty eContent: the signature is checked through, but the
   * verdict stays INDETERMINATE, never VALID: DSS and pyHanko refuse the
   * shape (their test files pades-enveloping-empty-bytes-cms.pdf and
   * pdf-sig-with-econtent.pdf), pdfsig and OpenSSL accept it. */
  if (run->econtent_empty)
    kyso_check_set(report, c, KYSO_RESULT_INDETERMINATE, "cms_econtent_empty",
                   "eContent is present but empty instead of absent (not "
                   "standard); verified as a detached signature%s",
                   n > 1 ? "; several SignerInfos, each verified" : "");
  else if (n > 1)
    kyso_check_set(report, c, KYSO_RESULT_PASSED, "cms_multiple_signers",
                   "%d SignerInfos: every one must verify; the report names "
                   "the first signer",
                   n);
  else
    kyso_check_set(report, c, KYSO_RESULT_PASSED, "ok", NULL);
  return KYSO_OK;
}

/* The result for a digest reason: an algorithm kyso cannot compute leaves
 * integrity undecided; anything else is a failure. */
static kyso_check_result digest_result(const char *why) {
  return strcmp(why, "digest_unsupported") == 0 ? KYSO_RESULT_INDETERMINATE
                                                : KYSO_RESULT_FAILED;
}

/* adbe.pkcs7.sha1: the encapsulated content must be the SHA-1 digest of
 * the byte ranges. Sets INTEGRITY. */
static kyso_status sha1_binding(kyso_verify_ctx *ctx, kyso_sig_state *st,
                                cms_run *run, kyso_error *err) {
  kyso_check *c = &st->rep->checks[KYSO_CHECK_INTEGRITY];
  uint8_t h[EVP_MAX_MD_SIZE];
  size_t hlen = 0;
  kyso_status ret;

  ret = md_parts(ctx, &md_table[MD_SHA1], run->parts, 2, h, &hlen, err);
  if (ret != KYSO_OK)
    return ret;
  if (hlen == 0)
    kyso_check_set(ctx->report, c, KYSO_RESULT_INDETERMINATE,
                   "digest_unsupported", "SHA-1 is not available");
  else if (run->content.len != hlen || memcmp(run->content.data, h, hlen) != 0)
    kyso_check_set(ctx->report, c, KYSO_RESULT_FAILED,
                   "message_digest_mismatch",
                   "the encapsulated SHA-1 digest is not the digest of the "
                   "byte ranges");
  else
    kyso_check_set(ctx->report, c, KYSO_RESULT_PASSED, "ok", NULL);
  return KYSO_OK;
}

/* INTEGRITY for a signature with signed attributes, or for a document
 * timestamp (token message-digest, then the imprint over the ranges). */
static kyso_status stage_integrity(kyso_verify_ctx *ctx, kyso_sig_state *st,
                                   cms_run *run, kyso_error *err) {
  kyso_check *c = &st->rep->checks[KYSO_CHECK_INTEGRITY];
  const kyso_verify_ctx *file;
  const kyso_blob *sp;
  kyso_status ret;
  const char *why = NULL;
  size_t n;

  if (run->dts) {
    ret = check_message_digest(NULL, run->si, &run->content, 1, &why, err);
    if (ret != KYSO_OK)
      return ret;
    if (why) {
      kyso_check_set(ctx->report, c, digest_result(why), why,
                     "the token's message-digest does not match its "
                     "TSTInfo");
      return KYSO_OK;
    }
    ret = check_imprint(ctx, &run->doc, run->parts, 2, &why, err);
    if (ret != KYSO_OK)
      return ret;
    if (why)
      kyso_check_set(ctx->report, c, digest_result(why),
                     strcmp(why, "mismatch") == 0 ? "message_digest_mismatch"
                                                  : why,
                     "the TSTInfo messageImprint is not the hash of the "
                     "byte ranges");
    else
      kyso_check_set(ctx->report, c, KYSO_RESULT_PASSED, "ok", NULL);
    return KYSO_OK;
  }
  sp = signed_what(ctx, run, &n, &file);
  ret = check_message_digest(file, run->si, sp, n, &why, err);
  if (ret != KYSO_OK)
    return ret;
  if (why)
    kyso_check_set(ctx->report, c, digest_result(why), why, "%s",
                   strcmp(why, "message_digest_mismatch") == 0
                       ? "the message-digest attribute is not the hash of "
                         "what is signed"
                   : strcmp(why, "digest_unsupported") == 0
                       ? "the digest algorithm cannot be computed here"
                       : "no usable message-digest");
  else if (run->sha1)
    return sha1_binding(ctx, st, run, err);
  else
    kyso_check_set(ctx->report, c, KYSO_RESULT_PASSED, "ok", NULL);
  return KYSO_OK;
}

/* adbe.pkcs7.detached (or .sha1) without signed attributes: one
 * verification covers INTEGRITY and SIGNATURE. */
static kyso_status stage_no_attrs(kyso_verify_ctx *ctx, kyso_sig_state *st,
                                  cms_run *run, kyso_error *err) {
  kyso_report *report = ctx->report;
  kyso_check *ci = &st->rep->checks[KYSO_CHECK_INTEGRITY];
  kyso_check *cs = &st->rep->checks[KYSO_CHECK_SIGNATURE];
  const kyso_verify_ctx *file;
  const kyso_blob *sp;
  X509_ALGOR *dig = NULL;
  const md_entry *m;
  uint8_t h[EVP_MAX_MD_SIZE];
  size_t hlen = 0, n;
  kyso_status ret;
  const char *why = NULL;
  int ok;

  CMS_SignerInfo_get0_algs(run->si, NULL, NULL, &dig, NULL);
  m = md_lookup(dig);
  if (!m) {
    kyso_check_set(report, ci, KYSO_RESULT_INDETERMINATE, "digest_unsupported",
                   NULL);
    return KYSO_OK;
  }
  if (!st->signer)
    return KYSO_OK; /* SIGNING_CERT says why */
  sp = signed_what(ctx, run, &n, &file);
  ret = md_parts(file, m, sp, n, h, &hlen, err);
  if (ret != KYSO_OK)
    return ret;
  if (hlen == 0) {
    kyso_check_set(report, ci, KYSO_RESULT_INDETERMINATE, "digest_unsupported",
                   "%s is not available", m->name);
    return KYSO_OK;
  }
  ok = signature_over_digest(run->si, st->signer, m, h, hlen, &why);
  if (ok == 1) {
    kyso_check_set(report, ci, KYSO_RESULT_PASSED, "ok",
                   "no signed attributes: the signature value covers the "
                   "content digest");
    kyso_check_set(report, cs, KYSO_RESULT_PASSED, "ok", NULL);
    if (run->sha1)
      return sha1_binding(ctx, st, run, err);
  } else if (ok < 0) {
    kyso_check_set(report, ci, KYSO_RESULT_NOT_RUN, "no_signed_attributes",
                   "without signed attributes only the signature value "
                   "shows integrity");
    kyso_check_set(report, cs, KYSO_RESULT_INDETERMINATE,
                   "signature_algorithm_unsupported", "%s", why);
  } else {
    /* Whether the bytes or the value changed cannot be told apart. */
    kyso_check_set(report, ci, KYSO_RESULT_NOT_RUN, "no_signed_attributes",
                   "without signed attributes only the signature value "
                   "shows integrity");
    kyso_check_set(report, cs, KYSO_RESULT_FAILED, "signature_invalid", "%s",
                   why);
  }
  return KYSO_OK;
}

/* SIGNATURE over the signed attributes of si by cert, into c. */
static void signature_check(kyso_report *report, kyso_check *c,
                            CMS_SignerInfo *si, X509 *cert) {
  int r = signature_verifies(si, cert);

  if (r == 1)
    kyso_check_set(report, c, KYSO_RESULT_PASSED, "ok", NULL);
  else if (r == 0)
    kyso_check_set(report, c, KYSO_RESULT_FAILED, "signature_invalid",
                   "the signature value does not verify over the signed "
                   "attributes with the signer's key");
  else
    kyso_check_set(report, c, KYSO_RESULT_INDETERMINATE,
                   "signature_algorithm_unsupported",
                   "the signature algorithm or key cannot be checked here");
}

static void stage_ess(kyso_verify_ctx *ctx, kyso_sig_state *st, cms_run *run) {
  kyso_check *c = &st->rep->checks[KYSO_CHECK_SIGNING_CERT];
  const char *why;
  int found = 0;

  why = ess_check(run->si, st->signer, &found);
  if (why)
    kyso_check_set(ctx->report, c, KYSO_RESULT_FAILED, "ess_mismatch", "%s",
                   why);
  else if (found)
    kyso_check_set(ctx->report, c, KYSO_RESULT_PASSED, "ok", NULL);
  else if (run->pkcs7 || run->sha1)
    kyso_check_set(ctx->report, c, KYSO_RESULT_PASSED, "ess_absent_allowed",
                   "adbe.pkcs7 signatures do not require "
                   "signing-certificate");
  else
    kyso_check_set(ctx->report, c, KYSO_RESULT_FAILED, "ess_missing",
                   run->dts ? "RFC 3161 2.4.1 requires signing-certificate"
                            : "PAdES (ETSI EN 319 142-1 5.2.2.2) requires "
                              "signing-certificate-v2");
}

/* ALGORITHMS: m is the signer's digest (NULL: unknown), the key that of
 * st->signer. Weak algorithms are computed (integrity is known) and then
 * refused here, which makes the verdict INDETERMINATE, never FAILED. */
static void stage_algorithms(kyso_verify_ctx *ctx, kyso_sig_state *st,
                             cms_run *run, const md_entry *m) {
  kyso_check *c = &st->rep->checks[KYSO_CHECK_ALGORITHMS];
  EVP_PKEY *pk;
  int bits, type;

  if (!m) {
    kyso_check_set(
        ctx->report, c, KYSO_RESULT_FAILED, "digest_unsupported", "digest %s",
        st->rep->digest_algorithm ? st->rep->digest_algorithm : "unknown");
    return;
  }
  if (m->weak) {
    kyso_check_set(ctx->report, c, KYSO_RESULT_FAILED, "weak_digest",
                   "%s is broken for signatures", m->name);
    return;
  }
  if (run->sha1) {
    kyso_check_set(ctx->report, c, KYSO_RESULT_FAILED, "weak_digest",
                   "adbe.pkcs7.sha1 signs a SHA-1 digest of the document");
    return;
  }
  if (run->dts) {
    const md_entry *im = md_lookup(
        TS_MSG_IMPRINT_get_algo(TS_TST_INFO_get_msg_imprint(run->doc.tst)));
    if (!im || im->weak) {
      kyso_check_set(ctx->report, c, KYSO_RESULT_FAILED, "weak_digest",
                     "the timestamp imprint is %s",
                     im ? im->name : "of an unknown algorithm");
      return;
    }
  }
  if (!st->signer)
    return; /* the key is unknown */
  pk = X509_get0_pubkey(st->signer);
  bits = pk ? EVP_PKEY_get_bits(pk) : 0;
  type = pk ? EVP_PKEY_get_base_id(pk) : EVP_PKEY_NONE;
  if (((type == EVP_PKEY_RSA || type == EVP_PKEY_RSA_PSS ||
        type == EVP_PKEY_DSA) &&
       bits < CMS_RSA_MIN_BITS) ||
      (type == EVP_PKEY_EC && bits < CMS_EC_MIN_BITS) || !pk) {
    kyso_check_set(ctx->report, c, KYSO_RESULT_FAILED, "weak_key", "%d-bit key",
                   bits);
    return;
  }
  /* RFC 8419 2.3: with signed attributes Ed25519 goes with SHA-512, Ed448
   * with SHAKE256 (512-bit output). */
  if ((type == EVP_PKEY_ED25519 && m->nid != NID_sha512) ||
      (type == EVP_PKEY_ED448 &&
       (strcmp(m->evp, "SHAKE256") != 0 || m->xof_len != 64))) {
    kyso_check_set(ctx->report, c, KYSO_RESULT_FAILED, "digest_not_for_key",
                   "%s with an %s key (RFC 8419 2.3)", m->name,
                   type == EVP_PKEY_ED25519 ? "Ed25519" : "Ed448");
    return;
  }
  kyso_check_set(ctx->report, c, KYSO_RESULT_PASSED, "ok", NULL);
}

/* The SignerInfos after the first: each must verify (message-digest and
 * signature value) with a certificate of the CMS, and use an acceptable
 * digest; what does not worsens the checks the first signer passed. The
 * report names the first signer only. */
static kyso_status stage_extra_signers(kyso_verify_ctx *ctx, kyso_sig_state *st,
                                       cms_run *run, kyso_error *err) {
  kyso_report *report = ctx->report;
  kyso_check *checks = st->rep->checks;
  STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(st->cms);
  const kyso_verify_ctx *file;
  const kyso_blob *sp;
  char detail[CMS_DETAIL_MAX];
  kyso_status ret = KYSO_OK;
  size_t n;
  int k;

  sp = signed_what(ctx, run, &n, &file);
  for (k = 1; k < run->signers && ret == KYSO_OK; k++) {
    CMS_SignerInfo *si = sk_CMS_SignerInfo_value(sis, k);
    X509 *cert = find_signer(si, st->cms_certs);
    X509_ALGOR *dig = NULL;
    const md_entry *m;
    const char *why = NULL;
    int r;

    CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, NULL);
    m = md_lookup(dig);
    if (m && m->weak) {
      snprintf(detail, sizeof(detail), "SignerInfo %d of %d: %s is broken",
               k + 1, run->signers, m->name);
      check_worsen(report, &checks[KYSO_CHECK_ALGORITHMS], KYSO_RESULT_FAILED,
                   "weak_digest", detail);
    }
    if (!cert) {
      snprintf(detail, sizeof(detail),
               "SignerInfo %d of %d: its certificate is not in the CMS", k + 1,
               run->signers);
      check_worsen(report, &checks[KYSO_CHECK_SIGNATURE],
                   KYSO_RESULT_INDETERMINATE, "signer_certificate_missing",
                   detail);
      continue;
    }
    if (CMS_signed_get_attr_count(si) <= 0 && (run->pkcs7 || run->sha1)) {
      uint8_t h[EVP_MAX_MD_SIZE];
      size_t hlen = 0;
      if (!m) {
        r = -1;
      } else {
        ret = md_parts(file, m, sp, n, h, &hlen, err);
        if (ret != KYSO_OK)
          break;
        r = hlen ? signature_over_digest(si, cert, m, h, hlen, &why) : -1;
      }
    } else {
      ret = check_message_digest(file, si, sp, n, &why, err);
      if (ret != KYSO_OK)
        break;
      if (why) {
        snprintf(detail, sizeof(detail), "SignerInfo %d of %d: %s", k + 1,
                 run->signers, why);
        check_worsen(report, &checks[KYSO_CHECK_INTEGRITY], digest_result(why),
                     why, detail);
      }
      r = signature_verifies(si, cert);
    }
    snprintf(detail, sizeof(detail),
             "SignerInfo %d of %d: the signature value %s", k + 1, run->signers,
             r == 0 ? "does not verify" : "cannot be checked");
    if (r == 0)
      check_worsen(report, &checks[KYSO_CHECK_SIGNATURE], KYSO_RESULT_FAILED,
                   "signature_invalid", detail);
    else if (r < 0)
      check_worsen(report, &checks[KYSO_CHECK_SIGNATURE],
                   KYSO_RESULT_INDETERMINATE, "signature_algorithm_unsupported",
                   detail);
  }
  return ret;
}

/* A /Cert object that cannot be loaded is a report outcome; only memory
 * exhaustion fails the call. */
static const char *cert_unreadable(kyso_status *ret) {
  if (*ret == KYSO_ERR_NO_MEMORY)
    return NULL;
  *ret = KYSO_OK;
  return "/Cert cannot be read";
}

/* The certificates of /Cert (adbe.x509.rsa_sha1, ISO 32000-1 12.8.1: a
 * string, or an array of strings whose first is the signer's) into
 * st->cms_certs, the first as st->signer. NULL, or what is wrong. */
static const char *x509_certs(kyso_verify_ctx *ctx, kyso_sig_state *st,
                              kyso_status *ret, kyso_error *err) {
  kyso_obj *v = NULL, *item;
  size_t count, i;

  *ret = kyso_pdf_resolve(ctx->pdf, kyso_dict_get(st->dict, "Cert"), &v, err);
  if (*ret != KYSO_OK)
    return cert_unreadable(ret);
  if (kyso_obj_is(v, KYSO_OBJ_STRING))
    count = 1;
  else if (kyso_obj_is(v, KYSO_OBJ_ARRAY))
    count = v->u.array.count;
  else
    return "no /Cert string or array";
  if (count < 1 || count > KYSO_LIMIT_SIG_CERTS)
    return "/Cert holds no certificate, or too many";
  st->cms_certs = sk_X509_new_null();
  if (!st->cms_certs) {
    *ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    return NULL;
  }
  for (i = 0; i < count; i++) {
    const unsigned char *p;
    X509 *x;

    item = v;
    if (kyso_obj_is(v, KYSO_OBJ_ARRAY)) {
      *ret = kyso_pdf_resolve(ctx->pdf, v->u.array.items[i], &item, err);
      if (*ret != KYSO_OK)
        return cert_unreadable(ret);
    }
    if (!kyso_obj_is(item, KYSO_OBJ_STRING) ||
        item->u.string.len > CMS_CONTENTS_MAX)
      return "a /Cert entry is not a certificate string";
    p = item->u.string.data;
    x = d2i_X509(NULL, &p, (long)item->u.string.len);
    if (!x || p != item->u.string.data + item->u.string.len) {
      X509_free(x);
      return "a /Cert entry is not a DER certificate";
    }
    if (!sk_X509_push(st->cms_certs, x)) {
      X509_free(x);
      *ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
      return NULL;
    }
  }
  st->signer = sk_X509_value(st->cms_certs, 0);
  return NULL;
}

/*
 * adbe.x509.rsa_sha1 (ISO 32000-1 12.8.3.2): /Contents is a DER OCTET
 * STRING holding an RSA PKCS#1 v1.5 signature (RFC 8017 8.2) over the
 * digest of the byte ranges; the digest is the one its DigestInfo names
 * (table 257: SHA-1, SHA-256/384/512, RIPEMD-160). No CMS: no signed
 * attributes, no ESS, no timestamp. *m: the digest, NULL if unknown.
 */
static kyso_status stage_x509_rsa_sha1(kyso_verify_ctx *ctx, kyso_sig_state *st,
                                       cms_run *run, const md_entry **m,
                                       kyso_error *err) {
  kyso_report *report = ctx->report;
  kyso_sig_report *r = st->rep;
  kyso_check *ci = &r->checks[KYSO_CHECK_INTEGRITY];
  kyso_check *cs = &r->checks[KYSO_CHECK_SIGNATURE];
  const unsigned char *p = st->contents, *q;
  ASN1_OCTET_STRING *sig = NULL;
  EVP_PKEY_CTX *pctx = NULL;
  X509_SIG *di = NULL;
  EVP_MD *md = NULL;
  unsigned char *rec = NULL;
  const X509_ALGOR *dalg = NULL;
  const ASN1_OBJECT *dobj = NULL;
  char oid[CMS_OID_TEXT_MAX];
  uint8_t h[EVP_MAX_MD_SIZE];
  size_t hlen = 0, rec_len = 0, i;
  kyso_status ret = KYSO_OK;
  EVP_PKEY *pk;
  const char *why;
  int ok;

  *m = NULL;
  why = x509_certs(ctx, st, &ret, err);
  if (ret != KYSO_OK)
    goto done;
  if (why) {
    kyso_check_set(report, &r->checks[KYSO_CHECK_CMS], KYSO_RESULT_FAILED,
                   "cms_malformed", "%s", why);
    goto done;
  }
  if (st->contents_len > CMS_CONTENTS_MAX ||
      !(sig = d2i_ASN1_OCTET_STRING(NULL, &p, (long)st->contents_len))) {
    kyso_check_set(report, &r->checks[KYSO_CHECK_CMS], KYSO_RESULT_FAILED,
                   "cms_malformed", "/Contents is not a DER OCTET STRING");
    goto done;
  }
  for (i = (size_t)(p - st->contents); i < st->contents_len; i++)
    if (st->contents[i] != 0) {
      kyso_check_set(report, &r->checks[KYSO_CHECK_CMS], KYSO_RESULT_FAILED,
                     "cms_trailing_data",
                     "non-zero byte at offset %zu after the signature", i);
      goto done;
    }
  kyso_check_set(report, &r->checks[KYSO_CHECK_CMS], KYSO_RESULT_PASSED,
                 "x509_rsa_sha1",
                 "legacy adbe.x509.rsa_sha1: a bare PKCS#1 signature, not CMS");
  ret = fill_identity(report, r, st->signer, err);
  if (ret == KYSO_OK)
    ret = put_str(report, &r->signature_algorithm, "rsa-pkcs1", err);
  if (ret != KYSO_OK)
    goto done;
  kyso_check_set(report, &r->checks[KYSO_CHECK_SIGNING_CERT],
                 KYSO_RESULT_PASSED, "ess_absent_allowed",
                 "adbe.x509.rsa_sha1 names its signer in /Cert");
  pk = X509_get0_pubkey(st->signer);
  if (!pk || EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA ||
      EVP_PKEY_get_size(pk) <= 0) {
    kyso_check_set(report, cs, KYSO_RESULT_INDETERMINATE,
                   "signature_algorithm_unsupported",
                   "adbe.x509.rsa_sha1 needs an RSA key");
    goto done;
  }
  /* The DigestInfo names the digest; OpenSSL then checks the whole block
   * for that digest (EVP_PKEY_verify, strict DER). */
  rec_len = (size_t)EVP_PKEY_get_size(pk);
  rec = OPENSSL_malloc(rec_len);
  pctx = EVP_PKEY_CTX_new(pk, NULL);
  if (!rec || !pctx) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  if (EVP_PKEY_verify_recover_init(pctx) <= 0 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0 ||
      EVP_PKEY_verify_recover(pctx, rec, &rec_len, ASN1_STRING_get0_data(sig),
                              (size_t)ASN1_STRING_length(sig)) <= 0 ||
      (q = rec, di = d2i_X509_SIG(NULL, &q, (long)rec_len)) == NULL) {
    kyso_check_set(report, ci, KYSO_RESULT_NOT_RUN, "no_signed_attributes",
                   "without signed attributes only the signature value "
                   "shows integrity");
    kyso_check_set(report, cs, KYSO_RESULT_FAILED, "signature_invalid",
                   "the PKCS#1 signature does not open with the key in "
                   "/Cert");
    goto done;
  }
  X509_SIG_get0(di, &dalg, NULL);
  *m = md_lookup(dalg);
  if (*m) {
    ret = put_str(report, &r->digest_algorithm, (*m)->name, err);
  } else {
    X509_ALGOR_get0(&dobj, NULL, NULL, dalg);
    oid_text(dobj, oid);
    ret = put_str(report, &r->digest_algorithm, oid, err);
  }
  if (ret != KYSO_OK)
    goto done;
  if (*m)
    ret = md_parts(ctx, *m, run->parts, 2, h, &hlen, err);
  if (ret != KYSO_OK)
    goto done;
  if (hlen == 0) {
    kyso_check_set(report, ci, KYSO_RESULT_INDETERMINATE, "digest_unsupported",
                   "the digest of the DigestInfo cannot be computed here");
    goto done;
  }
  md = EVP_MD_fetch(NULL, (*m)->evp, NULL);
  ok = md && EVP_PKEY_verify_init(pctx) > 0 &&
       EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) > 0 &&
       EVP_PKEY_CTX_set_signature_md(pctx, md) > 0 &&
       EVP_PKEY_verify(pctx, ASN1_STRING_get0_data(sig),
                       (size_t)ASN1_STRING_length(sig), h, hlen) == 1;
  if (ok) {
    kyso_check_set(report, ci, KYSO_RESULT_PASSED, "ok",
                   "the PKCS#1 signature covers the digest of the ranges");
    kyso_check_set(report, cs, KYSO_RESULT_PASSED, "ok", NULL);
  } else {
    kyso_check_set(report, ci, KYSO_RESULT_NOT_RUN, "no_signed_attributes",
                   "without signed attributes only the signature value "
                   "shows integrity");
    kyso_check_set(report, cs, KYSO_RESULT_FAILED, "signature_invalid",
                   "the PKCS#1 signature is not over the digest of the "
                   "byte ranges");
  }
done:
  EVP_MD_free(md);
  X509_SIG_free(di);
  OPENSSL_free(rec);
  EVP_PKEY_CTX_free(pctx);
  ASN1_OCTET_STRING_free(sig);
  return ret;
}

/* TIMESTAMP of a document timestamp: the TSA's EKU and path. */
static kyso_status stage_dts_tsa(kyso_verify_ctx *ctx, kyso_sig_state *st,
                                 cms_run *run, kyso_error *err) {
  kyso_check *c = &st->rep->checks[KYSO_CHECK_TIMESTAMP];
  char detail[CMS_DETAIL_MAX];
  const char *reason = NULL;
  kyso_status ret;

  if (!st->signer ||
      st->rep->checks[KYSO_CHECK_SIGNATURE].result != KYSO_RESULT_PASSED ||
      st->rep->checks[KYSO_CHECK_INTEGRITY].result != KYSO_RESULT_PASSED)
    return KYSO_OK;
  ret = check_tsa(ctx, st, st->signer, st->cms_certs, run->doc.gen_time,
                  &reason, detail, err);
  if (ret != KYSO_OK)
    return ret;
  if (reason) {
    kyso_check_set(ctx->report, c, KYSO_RESULT_FAILED, reason, "%s", detail);
    return KYSO_OK;
  }
  kyso_check_set(ctx->report, c, KYSO_RESULT_PASSED, "ok", NULL);
  st->rep->has_timestamp = 1;
  st->rep->timestamp_time = run->doc.gen_time;
  st->signing_time = run->doc.gen_time;
  st->time_proven = 1;
  return KYSO_OK;
}

/* The CMS signingTime signed attribute into st (unreadable: absent). */
static void read_signing_time(kyso_sig_state *st, CMS_SignerInfo *si) {
  int loc = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);
  X509_ATTRIBUTE *attr = loc >= 0 ? CMS_signed_get_attr(si, loc) : NULL;
  ASN1_TYPE *v = attr ? X509_ATTRIBUTE_get0_type(attr, 0) : NULL;

  if (v && (v->type == V_ASN1_UTCTIME || v->type == V_ASN1_GENERALIZEDTIME) &&
      kyso_time_from_asn1((const ASN1_TIME *)v->value.asn1_string,
                          &st->signing_time_attr) == 0)
    st->has_signing_time_attr = 1;
}

/* TIMESTAMP passed, noting a claimed signing time (the CMS signingTime,
 * else /M) more than CMS_TIME_TOLERANCE after gen_time: ETSI EN 319 102-1
 * wants the claim before the proof of existence, but the timestamp proves
 * when the signature existed, and that is the time used. */
static void timestamp_passed(kyso_verify_ctx *ctx, kyso_sig_state *st,
                             int64_t gen_time) {
  kyso_check *c = &st->rep->checks[KYSO_CHECK_TIMESTAMP];
  int64_t claimed = 0, late;
  const char *what = NULL;
  char g[32], t[32];

  if (st->has_signing_time_attr &&
      st->signing_time_attr > gen_time + CMS_TIME_TOLERANCE) {
    claimed = st->signing_time_attr;
    what = "CMS signingTime";
  } else if (st->rep->has_claimed_time &&
             st->rep->claimed_time > gen_time + CMS_TIME_TOLERANCE) {
    claimed = st->rep->claimed_time;
    what = "/M";
  }
  if (!what) {
    kyso_check_set(ctx->report, c, KYSO_RESULT_PASSED, "ok", NULL);
    return;
  }
  late = claimed - gen_time;
  st->rep->has_signing_time_offset = 1;
  st->rep->signing_time_offset = late;
  kyso_time_format_utc(claimed, t);
  kyso_time_format_utc(gen_time, g);
  kyso_check_set(ctx->report, c, KYSO_RESULT_PASSED,
                 "signing_time_after_timestamp",
                 "the claimed signing time %s (%s) is %lld s (%lldh%02lldm) "
                 "after the timestamp %s; the timestamp time counts",
                 t, what, (long long)late, (long long)(late / 3600),
                 (long long)(late % 3600 / 60), g);
}

/* TIMESTAMP of a signature: the signature timestamp tokens in the
 * unsigned attributes; the first valid one counts. */
static kyso_status stage_sig_timestamp(kyso_verify_ctx *ctx, kyso_sig_state *st,
                                       cms_run *run, kyso_error *err) {
  kyso_check *c = &st->rep->checks[KYSO_CHECK_TIMESTAMP];
  const ASN1_OCTET_STRING *sigval = CMS_SignerInfo_get0_signature(run->si);
  char detail[CMS_DETAIL_MAX], first_detail[CMS_DETAIL_MAX];
  const char *reason = NULL, *first_reason = NULL;
  kyso_check_result result = KYSO_RESULT_FAILED;
  kyso_check_result first_result = KYSO_RESULT_FAILED;
  kyso_status ret = KYSO_OK;
  kyso_blob signature;
  int loc = -1, seen = 0, j;

  first_detail[0] = '\0';
  signature.data = ASN1_STRING_get0_data(sigval);
  signature.len = (size_t)ASN1_STRING_length(sigval);
  while (ret == KYSO_OK && seen < CMS_TOKENS_MAX) {
    X509_ATTRIBUTE *attr;
    loc = CMS_unsigned_get_attr_by_NID(run->si, NID_id_smime_aa_timeStampToken,
                                       loc);
    if (loc < 0)
      break;
    attr = CMS_unsigned_get_attr(run->si, loc);
    for (j = 0; j < X509_ATTRIBUTE_count(attr) && seen < CMS_TOKENS_MAX; j++) {
      ASN1_TYPE *v = X509_ATTRIBUTE_get0_type(attr, j);
      token t;

      seen++;
      memset(&t, 0, sizeof(t));
      detail[0] = '\0';
      if (!v || ASN1_TYPE_get(v) != V_ASN1_SEQUENCE) {
        reason = "timestamp_malformed";
        result = KYSO_RESULT_FAILED;
        snprintf(detail, sizeof(detail), "the token is not a SEQUENCE");
      } else {
        ret = check_token(ctx, st, ASN1_STRING_get0_data(v->value.sequence),
                          (size_t)ASN1_STRING_length(v->value.sequence),
                          signature, &t, &reason, &result, detail, err);
      }
      if (ret == KYSO_OK && !reason) {
        timestamp_passed(ctx, st, t.gen_time);
        st->rep->has_timestamp = 1;
        st->rep->timestamp_time = t.gen_time;
        st->signing_time = t.gen_time;
        st->time_proven = 1;
        token_free(&t);
        return KYSO_OK;
      }
      token_free(&t);
      if (!first_reason) {
        first_reason = reason;
        first_result = result;
        memcpy(first_detail, detail, sizeof(detail));
      }
      if (ret != KYSO_OK)
        break;
    }
  }
  if (ret != KYSO_OK)
    return ret;
  if (!first_reason)
    kyso_check_set(ctx->report, c, KYSO_RESULT_NOT_RUN, "no_timestamp", NULL);
  else
    kyso_check_set(ctx->report, c, first_result, first_reason, "%s",
                   first_detail);
  return KYSO_OK;
}

/* adbe-revocationInfoArchival into st (read as found; unreadable data is
 * simply not there for the REVOCATION stage). */
static void stage_archival(kyso_sig_state *st, cms_run *run) {
  ASN1_OBJECT *oid = NULL;
  const ASN1_STRING *seq;
  const unsigned char *p;
  KYSO_REV_ARCHIVAL *rev = NULL;

  /* adbe-revocationInfoArchival has no NID in OpenSSL. */
  oid = OBJ_txt2obj("1.2.840.113583.1.1.8", 1);
  if (!oid)
    goto done;
  seq = CMS_signed_get0_data_by_OBJ(run->si, oid, -3, V_ASN1_SEQUENCE);
  if (!seq)
    goto done;
  p = ASN1_STRING_get0_data(seq);
  rev = (KYSO_REV_ARCHIVAL *)ASN1_item_d2i(NULL, &p, ASN1_STRING_length(seq),
                                           ASN1_ITEM_rptr(KYSO_REV_ARCHIVAL));
  if (!rev)
    goto done;
  sk_X509_CRL_pop_free(st->archived_crls, X509_CRL_free);
  sk_OCSP_RESPONSE_pop_free(st->archived_ocsps, OCSP_RESPONSE_free);
  st->archived_crls = rev->crl;
  st->archived_ocsps = rev->ocsp;
  rev->crl = NULL;
  rev->ocsp = NULL;
done:
  ASN1_item_free((ASN1_VALUE *)rev, ASN1_ITEM_rptr(KYSO_REV_ARCHIVAL));
  ASN1_OBJECT_free(oid);
}

kyso_status kyso_verify_cms(kyso_verify_ctx *ctx, kyso_sig_state *st,
                            kyso_error *err) {
  kyso_status ret = KYSO_OK;
  kyso_report *report = ctx->report;
  kyso_sig_report *r = st->rep;
  X509_ALGOR *dig = NULL;
  const md_entry *m = NULL;
  cms_run run;

  memset(&run, 0, sizeof(run));
  ERR_set_mark();
  if (!st->structure_ok)
    goto times;
  run.dts = is_doc_timestamp(r);
  run.pkcs7 = str_is(r->sub_filter, "adbe.pkcs7.detached");
  run.sha1 = !run.dts && str_is(r->sub_filter, "adbe.pkcs7.sha1");
  if (range_parts(ctx, r, run.parts) != 0) {
    kyso_check_set(report, &r->checks[KYSO_CHECK_CMS], KYSO_RESULT_FAILED,
                   "cms_malformed", "the byte ranges do not fit the file");
    goto times;
  }
  if (!run.dts && str_is(r->sub_filter, "adbe.x509.rsa_sha1")) {
    ret = stage_x509_rsa_sha1(ctx, st, &run, &m, err);
    if (ret == KYSO_OK && st->signer &&
        r->checks[KYSO_CHECK_CMS].result == KYSO_RESULT_PASSED)
      stage_algorithms(ctx, st, &run, m);
    if (ret == KYSO_OK)
      kyso_check_set(report, &r->checks[KYSO_CHECK_TIMESTAMP],
                     KYSO_RESULT_NOT_RUN, "no_timestamp", NULL);
    goto times;
  }
  ret = stage_decode(ctx, st, &run, err);
  if (ret != KYSO_OK || !run.si)
    goto times;

  /* The signer (for a document timestamp, the TSA). */
  st->cms_certs = CMS_get1_certs(st->cms);
  st->signer = find_signer(run.si, st->cms_certs);
  ret = fill_algorithms(report, r, run.si, err);
  if (ret != KYSO_OK)
    goto times;
  read_signing_time(st, run.si);
  if (st->signer) {
    CMS_SignerInfo_set1_signer_cert(run.si, st->signer);
    ret = fill_identity(report, r, st->signer, err);
    if (ret != KYSO_OK)
      goto times;
  } else {
    kyso_check_set(report, &r->checks[KYSO_CHECK_SIGNING_CERT],
                   KYSO_RESULT_FAILED, "signer_certificate_missing",
                   "no certificate in the CMS matches the SignerIdentifier");
  }

  if (!run.dts && (run.pkcs7 || run.sha1) &&
      CMS_signed_get_attr_count(run.si) <= 0) {
    ret = stage_no_attrs(ctx, st, &run, err);
    if (ret != KYSO_OK)
      goto times;
  } else {
    ret = stage_integrity(ctx, st, &run, err);
    if (ret != KYSO_OK)
      goto times;
    if (st->signer && CMS_signed_get_attr_count(run.si) > 0)
      signature_check(report, &r->checks[KYSO_CHECK_SIGNATURE], run.si,
                      st->signer);
  }
  if (st->signer)
    stage_ess(ctx, st, &run);
  CMS_SignerInfo_get0_algs(run.si, NULL, NULL, &dig, NULL);
  m = md_lookup(dig);
  stage_algorithms(ctx, st, &run, m);
  if (run.signers > 1) {
    ret = stage_extra_signers(ctx, st, &run, err);
    if (ret != KYSO_OK)
      goto times;
  }

  if (run.dts)
    ret = stage_dts_tsa(ctx, st, &run, err);
  else
    ret = stage_sig_timestamp(ctx, st, &run, err);
  if (ret != KYSO_OK)
    goto times;
  if (!run.dts)
    stage_archival(st, &run);

times:
  /* The time the rest of the verifier judges at. */
  if (!st->time_proven)
    st->signing_time =
        r->has_claimed_time ? r->claimed_time : ctx->options->validation_time;
  run.doc.cms = NULL; /* st->cms, freed with st */
  run.doc.owns_cms = 0;
  token_free(&run.doc);
  ERR_pop_to_mark();
  return ret;
}
