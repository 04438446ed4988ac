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
 * Checked: strict DER lengths, the outer SET spans the whole blob; each
 * Attribute is SEQUENCE { OID, SET OF value } with at least one value; no
 * attribute type appears twice; content-type (RFC 5652 11.1) present with one
 * OID value; message-digest (11.2) present with one OCTET STRING of 32, 48
 * or 64 bytes, which fixes the digest (SHA-256/384/512); signing-certificate-
 * v2 (RFC 5035, ETSI EN 319 122-1 5.2.2) present, its first ESSCertIDv2
 * certHash equals the hash of cert (hashAlgorithm default SHA-256; SHA-384
 * and SHA-512 accepted) and, when issuerSerial is there, it names cert's
 * issuer and serial number. Other attributes are allowed.
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

/* Largest SignedAttributes accepted (kyso's own are a few hundred bytes). */
#define KYSO_LIMIT_SIGNED_ATTRS ((size_t)16 * 1024)
/* Attributes in one SignedAttributes SET. */
#define KYSO_LIMIT_SIGNED_ATTRS_COUNT 32

/*
 * Checks attrs (DER, borrowed) as above against cert (DER of the signing
 * certificate, borrowed). On success *digest is the digest the signer must
 * hash attrs with (from the message-digest length). Failures:
 * KYSO_ERR_ARGUMENT (missing argument, unparseable certificate),
 * KYSO_ERR_LIMIT (over the limits above), KYSO_ERR_SIGN_ATTRS (not a
 * well-formed SignedAttributes SET, a required attribute missing or wrong),
 * KYSO_ERR_SIGN_CERTIFICATE (signing-certificate-v2 names another
 * certificate).
 */
kyso_status kyso_cms_attrs_check(const uint8_t *attrs, size_t len,
                                 const uint8_t *cert, size_t cert_len,
                                 kyso_digest *digest, kyso_error *err);

#ifdef __cplusplus
}
#endif

#endif
