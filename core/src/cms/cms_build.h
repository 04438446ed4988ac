/*
 * cms_build.h - DER encoding of the CMS pieces a PAdES signature needs
 * (RFC 5652 SignedData, RFC 5035 signing-certificate-v2), private to the core.
 *
 * Built by hand with a small DER writer rather than OpenSSL's CMS_sign,
 * because CMS_SignerInfo_sign always adds signing-time (forbidden by PAdES
 * baseline, ETSI EN 319 142-1 5.4.2) and because the signature value comes
 * from outside (a token, the native host) after the attributes are fixed.
 */
#ifndef KYSO_CMS_BUILD_H
#define KYSO_CMS_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "kyso/sign.h"
#include "kyso/status.h"

/* Digest output length in bytes (32, 48, 64); 0 if unknown. */
size_t kyso_digest_size(kyso_digest digest);

/* Computes the digest of the concatenation of n parts. out must hold
 * kyso_digest_size(digest) bytes. */
kyso_status kyso_digest_parts(kyso_digest digest, const kyso_blob *parts,
                              size_t n, uint8_t *out, kyso_error *err);

/* Resolves KYSO_SCHEME_AUTO from the certificate's key (RSA: PKCS#1 v1.5,
 * EC: ECDSA) and checks that an explicit scheme fits the key type and that
 * the key is one kyso supports (RSA >= 2048, EC P-256/P-384/P-521).
 * With usable_at (seconds UTC), also that the certificate may sign then:
 * within its validity period and, when it has keyUsage, with
 * digitalSignature or nonRepudiation; otherwise KYSO_ERR_SIGN_CERTIFICATE
 * naming the date (in utc_offset_minutes) or the usage. */
kyso_status kyso_cms_check_signer(kyso_blob certificate, kyso_scheme wanted,
                                  const int64_t *usable_at,
                                  int utc_offset_minutes, kyso_scheme *resolved,
                                  kyso_error *err);

/* kyso_cms_check_signer without the time check. */
kyso_status kyso_cms_resolve_scheme(kyso_blob certificate, kyso_scheme wanted,
                                    kyso_scheme *resolved, kyso_error *err);

/*
 * SignedAttributes, DER SET OF (tag 0x31) sorted as DER requires:
 * content-type = id-data, message-digest = message_digest,
 * signing-certificate-v2 = { ESSCertIDv2 { hash of certificate with
 * `digest` (algorithm omitted when SHA-256, its DEFAULT), issuerSerial } }.
 */
kyso_status kyso_cms_build_signed_attrs(kyso_blob certificate,
                                        kyso_digest digest,
                                        const uint8_t *message_digest,
                                        size_t message_digest_len,
                                        kyso_buf *out, kyso_error *err);

/* Checks that signature verifies over signed_attrs with the certificate's
 * public key under digest and scheme (resolved, not AUTO). A mismatch is
 * KYSO_ERR_SIGN_VALUE. */
kyso_status kyso_cms_check_signature(kyso_blob certificate, kyso_digest digest,
                                     kyso_scheme scheme, kyso_blob signed_attrs,
                                     kyso_blob signature, kyso_error *err);

/*
 * ContentInfo { id-signedData, SignedData { version 1, digestAlgorithms,
 * encapContentInfo { id-data, no content }, certificates [0] (signer then
 * chain), signerInfos { one SignerInfo: version 1, issuerAndSerialNumber,
 * digestAlgorithm, signedAttrs [0] IMPLICIT (from signed_attrs, retagged),
 * signatureAlgorithm (rsaEncryption / RSASSA-PSS with params /
 * ecdsa-with-SHAxxx), signature } } }, DER.
 */
kyso_status
kyso_cms_build_signed_data(kyso_blob certificate, const kyso_blob *chain,
                           size_t chain_count, kyso_digest digest,
                           kyso_scheme scheme, kyso_blob signed_attrs,
                           kyso_blob signature, kyso_buf *out, kyso_error *err);

/*
 * The same, with a signature timestamp (ETSI EN 319 142-1 B-T): when
 * timestamp_token.len > 0, the SignerInfo gets unsignedAttrs [1] with one
 * attribute id-aa-signatureTimeStampToken (RFC 3161 appendix A) whose
 * value is timestamp_token, a DER ContentInfo (one SEQUENCE, at most
 * 64 KiB; KYSO_ERR_ARGUMENT otherwise). Check it first with
 * kyso_cms_check_timestamp_token.
 */
kyso_status
kyso_cms_build_signed_data_ts(kyso_blob certificate, const kyso_blob *chain,
                              size_t chain_count, kyso_digest digest,
                              kyso_scheme scheme, kyso_blob signed_attrs,
                              kyso_blob signature, kyso_blob timestamp_token,
                              kyso_buf *out, kyso_error *err);

/* Checks that token is an RFC 3161 TimeStampToken (SignedData with a
 * TSTInfo) whose messageImprint (SHA-256/384/512) is the hash of
 * signature, the signature value it is to timestamp. Anything else is
 * KYSO_ERR_ARGUMENT ("timestamp token does not cover this signature" for
 * a different imprint). The token's own signature is not checked here:
 * the verifier does that against its trust anchors. */
kyso_status kyso_cms_check_timestamp_token(kyso_blob token, kyso_blob signature,
                                           kyso_error *err);

/* The imprint a TSA must sign for a signature timestamp: digest of the
 * signature value (out holds kyso_digest_size(digest) bytes). */
kyso_status kyso_cms_timestamp_imprint(kyso_digest digest, kyso_blob signature,
                                       uint8_t *out, kyso_error *err);

#endif
