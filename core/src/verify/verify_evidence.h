/*
 * verify_evidence.h - who may speak about a certificate's revocation
 * (private): the judgements shared by the verifier (verify_revocation.c,
 * evidence embedded in a PDF) and the ltv answer checks (ltv/, answers
 * fetched now), so that both accept exactly the same signers and scopes.
 *
 * OCSP (RFC 6960): the SingleResponse about a certificate, and whether the
 * response's signer may answer for its issuer (the issuer itself, or a
 * responder it delegated with id-kp-OCSPSigning, 4.2.2.2). CRL (RFC 5280
 * 5, 6.3.3): whether its issuingDistributionPoint covers a certificate and
 * whether the issuer's key signed it with cRLSign allowed.
 *
 * Every function returns NULL (or 1 for the predicates) when the evidence
 * passes, else a static English reason. Loops are bounded by the limits
 * named in verify_evidence.c.
 */
#ifndef KYSO_VERIFY_EVIDENCE_H
#define KYSO_VERIFY_EVIDENCE_H

#include <stdint.h>

#include <openssl/ocsp.h>
#include <openssl/x509.h>

/* The SingleResponse of bs whose CertID (with its own hash algorithm)
 * names cert issued by issuer (issuer NULL: none matches), or NULL.
 * *serial_match is set to 1 when some CertID carries cert's serial. */
OCSP_SINGLERESP *kyso_ocsp_find_single(OCSP_BASICRESP *bs, X509 *cert,
                                       X509 *issuer, int *serial_match);

/*
 * NULL when bs is signed by a certificate entitled to answer for issuer's
 * certificates: issuer itself, or a responder issuer issued (name and
 * signature) with id-kp-OCSPSigning, valid when the response was produced
 * and, when valid_at is not NULL, at *valid_at too. Candidates are issuer,
 * the certificates bs carries, then pool (may be NULL), those its
 * responderID names; a look-alike (same name, other key) cannot hide the
 * real responder, nor pass for it. *signer (may be NULL) gets the
 * certificate that passed (borrowed) and *delegated whether it is not the
 * issuer itself.
 */
const char *kyso_ocsp_signer_problem(OCSP_BASICRESP *bs, X509 *issuer,
                                     STACK_OF(X509) *pool,
                                     const int64_t *valid_at, X509 **signer,
                                     int *delegated);

/*
 * 1 when crl's issuingDistributionPoint (RFC 5280 5.2.5) covers cert: none
 * at all; else not indirect, no onlySomeReasons, no
 * onlyContainsAttributeCerts, onlyContainsUserCerts only for an end entity
 * and onlyContainsCACerts only for a CA, and a distributionPoint name, when
 * given, a fullName sharing a GeneralName with a fullName of cert's CRL
 * distribution points (6.3.3 (b)(2)(i); a name relative to the CRL issuer
 * never matches). 0 otherwise, and for a malformed or repeated extension.
 */
int kyso_crl_covers(X509_CRL *crl, X509 *cert);

/* NULL when crl verifies with issuer's key and issuer, when it has
 * keyUsage, has cRLSign (RFC 5280 4.2.1.3). */
const char *kyso_crl_signer_problem(X509_CRL *crl, X509 *issuer);

#endif
