/*
 * kyso/cms.h - checks on CMS SignedAttributes before a key signs them.
 *
 * Whoever holds the key (the native host, the CLI, a browser through the
 * host) signs only a well-formed SignedAttributes SET (RFC 5652 5.3,
 * 5.4: the DER of the SET OF Attribute, tag 0x31) that names the signing
 * certificate: never a bare digest or arbitrary bytes. This module parses
 * the blob and answers whether it is such a SET; it does not hash, sign,
 * or look at the document the message-digest was computed over.
 *
 * The profile is closed (PAdES, ETSI EN 319 142-1 5.2.2; RFC 6211): a key
 * that signs an accepted blob vouches only for "this certificate signed
 * content whose digest is message-digest". What the message-digest covers
 * cannot be known here: a CAdES signature over any content, without extra
 * attributes, looks exactly like a PDF signature's. That is what the
 * verification code derived from message_digest is for (PROTOCOL.md).
 *
 * Checked, anything else is refused:
 * - DER throughout (X.690 10.1): definite minimal lengths, one identifier
 *   octet, no trailing bytes in the blob or inside any value read; the outer
 *   SET spans the whole blob and its Attributes are in DER SET OF order
 *   (X.690 11.6: ascending as octet strings);
 * - each Attribute is SEQUENCE { type OID, SET { exactly one value } }; the
 *   type OID is minimally encoded (X.690 8.19.2), so types are compared as
 *   decoded values and no type appears twice;
 * - only these types: content-type, message-digest, signing-certificate-v2
 *   (all three required) and cms-algorithm-protection (optional). Any other
 *   (signing-time, signing-certificate v1, commitment-type-indication,
 *   countersignature, signature policy, unknown OIDs) is refused by name;
 * - content-type (RFC 5652 11.1) is id-data (1.2.840.113549.1.7.1);
 * - message-digest (11.2) is an OCTET STRING of 32, 48 or 64 bytes, which
 *   fixes the digest (SHA-256/384/512) the signer hashes attrs with;
 * - signing-certificate-v2 (RFC 5035 3, ETSI EN 319 122-1 5.2.2) holds
 *   one ESSCertIDv2 and no policies; its hashAlgorithm is that digest
 *   (omitted for SHA-256, the DEFAULT), its certHash the hash of cert and,
 *   when issuerSerial is there, it is one directoryName equal to cert's
 *   issuer and cert's serial number;
 * - cms-algorithm-protection (RFC 6211 2): digestAlgorithm is that digest;
 *   signatureAlgorithm present (no macAlgorithm) and what a signer holding
 *   cert's key makes with it: rsaEncryption or shaNNNWithRSAEncryption
 *   (PKCS#1 v1.5) for an rsaEncryption key, ecdsa-with-SHANNN for an EC key;
 *   RSASSA-PSS and any other key type refused. Algorithm parameters absent
 *   or NULL (absent for ECDSA).
 */
#ifndef KYSO_CMS_H
#define KYSO_CMS_H

#include <stddef.h>
#include <stdint.h>

#include "kyso/sign.h"
#include "kyso/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest SignedAttributes accepted (kyso's own are a few hundred bytes).
 * The profile admits at most four attributes, so their count needs no
 * limit of its own. */
#define KYSO_LIMIT_SIGNED_ATTRS ((size_t)16 * 1024)

/* What kyso_cms_attrs_check learned from an accepted SignedAttributes. */
typedef struct kyso_cms_attrs_info {
  kyso_digest digest;         /* fixed by the message-digest length */
  uint8_t message_digest[64]; /* the message-digest attribute value */
  size_t message_digest_len;  /* 32, 48 or 64 */
} kyso_cms_attrs_info;

/*
 * Checks attrs (DER, borrowed) as above against cert (DER of the signing
 * certificate, borrowed). On success *info holds the digest the signer must
 * hash attrs with (from the message-digest length) and a copy of the
 * message-digest value; on failure *info is zeroed. Failures:
 * KYSO_ERR_ARGUMENT (missing argument, unparseable certificate),
 * KYSO_ERR_LIMIT (over the limits above), KYSO_ERR_SIGN_ATTRS (outside the
 * profile above: the message names the attribute or rule),
 * KYSO_ERR_SIGN_CERTIFICATE (signing-certificate-v2 names another
 * certificate).
 */
kyso_status kyso_cms_attrs_check(const uint8_t *attrs, size_t len,
                                 const uint8_t *cert, size_t cert_len,
                                 kyso_cms_attrs_info *info, kyso_error *err);

#ifdef __cplusplus
}
#endif

#endif
