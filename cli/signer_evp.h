/*
 * signer_evp.h - the OpenSSL half both CLI signers share (private to cli/).
 *
 * A PKCS#11 key reached through libp11 and a key read from a PKCS#12 file
 * both end up as an EVP_PKEY and a few X509 objects. This module hashes and
 * signs with such a key (so the two signers cannot disagree on padding or
 * salt length) and turns the certificates into the DER the signer owns.
 * It knows nothing of tokens, files or PINs.
 */
#ifndef KYSO_CLI_SIGNER_EVP_H
#define KYSO_CLI_SIGNER_EVP_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "signer.h"

/*
 * Hashes data with digest, then signs the hash with key using scheme:
 * RSA_PKCS1 (DigestInfo, PKCS#1 v1.5), RSA_PSS (MGF1 with the same hash,
 * salt = hash length, RFC 8017 9.1) or ECDSA (DER Ecdsa-Sig-Value).
 * A scheme that does not fit the key is KYSO_ERR_SIGN_ALGORITHM; a failure
 * of the signing operation itself is reported as fail_status (the token
 * signer passes KYSO_ERR_TOKEN_SIGN). *signature is malloc'd.
 */
kyso_status kyso_signer_evp_sign(EVP_PKEY *key, kyso_digest digest,
                                 kyso_scheme scheme, const uint8_t *data,
                                 size_t len, kyso_status fail_status,
                                 uint8_t **signature, size_t *signature_len,
                                 kyso_error *err);

/* Stores cert as signer->certificate (DER, malloc'd, owned by signer). */
kyso_status kyso_signer_set_certificate(kyso_signer *signer, X509 *cert,
                                        kyso_error *err);

/*
 * Walks up from leaf through pool (borrowed; may be NULL): each step takes
 * the certificate that issued the previous one (X509_check_issued), until a
 * self-issued certificate, no issuer in the pool, or KYSO_LIMIT_CHAIN
 * issuers. Appends each issuer's DER to signer->chain. A short chain is not
 * an error: the verifier may know the rest.
 */
kyso_status kyso_signer_set_chain(kyso_signer *signer, X509 *leaf,
                                  STACK_OF(X509) *pool, kyso_error *err);

/* Frees the certificate and chain DER set by the two functions above. */
void kyso_signer_release_certs(kyso_signer *signer);

#endif
