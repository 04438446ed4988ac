/*
 * ltv_cert.h - decoding a certificate handed to the ltv layer, and the
 * arguments requests and answer checks share: the certificate and its
 * issuer, the nonce, the digest of an imprint (private).
 */
#ifndef KYSO_LTV_CERT_H
#define KYSO_LTV_CERT_H

#include <openssl/x509.h>

#include "kyso/ltv.h"

/* Decodes cert (DER, at most KYSO_LIMIT_LTV_CERT_SIZE bytes, nothing after
 * it) into *out (X509_free). what names it in messages ("certificate",
 * "issuer certificate"). KYSO_ERR_LIMIT when too large, KYSO_ERR_ARGUMENT
 * when empty or not a certificate. */
kyso_status kyso_ltv_cert_decode(kyso_blob cert, const char *what, X509 **out,
                                 kyso_error *err);

/* Decodes cert and issuer (kyso_ltv_cert_decode) and checks by names and
 * key identifiers (X509_check_issued) that issuer issued cert, not by
 * cert's signature. KYSO_ERR_ARGUMENT when they do not decode or match.
 * On KYSO_OK *x and *xi are set (X509_free). */
kyso_status kyso_ltv_pair_match(kyso_blob cert, kyso_blob issuer, X509 **x,
                                X509 **xi, kyso_error *err);

/* Checks a nonce handed to a request or an answer check: KYSO_LTV_NONCE_MIN
 * to KYSO_LTV_NONCE_MAX bytes (RFC 8954 2.1 for OCSP), else
 * KYSO_ERR_ARGUMENT. Callers whose nonce is optional check only a present
 * one (len != 0). */
kyso_status kyso_ltv_nonce_check(kyso_blob nonce, kyso_error *err);

/* Maps a digest algorithm of an RFC 3161 message imprint to its NID in
 * *nid and checks that digest has its length. KYSO_ERR_ARGUMENT for
 * another algorithm or length. */
kyso_status kyso_ltv_digest_check(kyso_digest algorithm, kyso_blob digest,
                                  int *nid, kyso_error *err);

#endif
