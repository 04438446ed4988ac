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
 * The structural rules (critical extensions, indirect CRL entries) and
 * the keys that may sign (kyso_evidence_key_problem) are here too, so the
 * verifier refuses what the ltv checks refuse; only the time rules differ
 * (an answer fetched now against one judged at the signing time).
 *
 * Every function returns NULL (or 1 for the predicates) when the evidence
 * passes, else a static English reason. Loops are bounded by the limits
 * named in verify_evidence.c; public-key operations by a kyso_key_budget.
 */
#ifndef KYSO_VERIFY_EVIDENCE_H
#define KYSO_VERIFY_EVIDENCE_H

#include <stdint.h>

#include <openssl/ocsp.h>
#include <openssl/x509.h>

/* The SingleResponse of bs whose CertID (with its own hash algorithm)
 * names cert issued by issuer (issuer NULL: none matches), or NULL.
 * *serial_match is set to 1 when some CertID carries cert's serial.
 * Every SingleResponse is looked at (up to the first 1000): when several
 * name the certificate, a "revoked" one wins over "good" or "unknown" (the
 * earliest revocationTime among them), and *conflict (may be NULL) is set
 * to 1 when they do not all say the same. */
OCSP_SINGLERESP *kyso_ocsp_find_single(OCSP_BASICRESP *bs, X509 *cert,
                                       X509 *issuer, int *serial_match);
OCSP_SINGLERESP *kyso_ocsp_find_single_ex(OCSP_BASICRESP *bs, X509 *cert,
                                          X509 *issuer, int *serial_match,
                                          int *conflict);

/*
 * Public-key operations spent on revocation evidence (signature checks of
 * OCSP responses, of delegated responder certificates and of CRLs): each
 * caller keeps one for a whole verification (kyso_verify_ctx), so a file
 * cannot make the verifier do more than limit of them however many
 * responses and candidate responders it carries. limit 0: no bound (the
 * ltv answer checks, one answer at a time). used counts every operation
 * tried, passed or not. A check refused for lack of budget returns
 * KYSO_EVIDENCE_OVER_BUDGET.
 */
typedef struct kyso_key_budget {
  unsigned used;
  unsigned limit;
  unsigned refused; /* operations asked for past the limit: evidence that
                       was not judged, so no "not revoked" may be trusted */
} kyso_key_budget;
extern const char KYSO_EVIDENCE_OVER_BUDGET[];

/* Test hook: public-key operations done for revocation evidence by this
 * process (every budget, and none), for tests that bound the work. */
unsigned long kyso_evidence_key_ops_total(void);

/*
 * NULL when key may sign revocation evidence kyso looks at: RSA keys of at
 * most 8192 bits whose public exponent is odd, at least 3 and below 2^32
 * (what Go's crypto/rsa and Windows CryptoAPI take; OpenSSL's own check,
 * 64 bits, applies only above 3072-bit moduli, so a 3072-bit key with a
 * 3071-bit exponent costs a full-size exponentiation per signature);
 * elliptic-curve and other keys as OpenSSL knows them. Else a reason.
 */
const char *kyso_evidence_key_problem(EVP_PKEY *key);

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
/* The same, spending from budget (may be NULL: no bound). The cheap tests
 * (responderID, issued by issuer by name and key identifier, the
 * id-kp-OCSPSigning usage, validity, the key's size and exponent) come
 * before any signature check. */
const char *kyso_ocsp_signer_problem_b(OCSP_BASICRESP *bs, X509 *issuer,
                                       STACK_OF(X509) *pool,
                                       const int64_t *valid_at, X509 **signer,
                                       int *delegated, kyso_key_budget *budget);

/*
 * What a complete, direct CRL or an OCSP answer must not carry, judged the
 * same by the verifier and the ltv answer checks (RFC 5280 5.2, 5.3, 6.3.3;
 * RFC 6960 4.4): NULL when fine, else a reason and *kind (may be NULL):
 * KYSO_EVIDENCE_SCOPE (an entry naming another certificate issuer: an
 * indirect CRL), KYSO_EVIDENCE_FORMAT (a critical extension kyso does not
 * know, too many extensions) or KYSO_EVIDENCE_LIMIT (too many entries).
 */
enum { KYSO_EVIDENCE_FORMAT = 0, KYSO_EVIDENCE_SCOPE, KYSO_EVIDENCE_LIMIT };
const char *kyso_crl_extensions_problem(X509_CRL *crl, int *kind);
const char *kyso_ocsp_extensions_problem(OCSP_BASICRESP *bs,
                                         OCSP_SINGLERESP *single);

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
/* The same, spending one operation from budget (may be NULL). */
const char *kyso_crl_signer_problem_b(X509_CRL *crl, X509 *issuer,
                                      kyso_key_budget *budget);
/* The same for a CRL still in DER (der, len): the signature is checked
 * over the tbsCertList's bytes as they are, before OpenSSL builds the CRL
 * and its entries, so that only a CRL its issuer signed costs memory.
 * The outer signatureAlgorithm must equal the tbsCertList's, octet for
 * octet (as X509_CRL_verify requires). */
const char *kyso_crl_der_signer_problem(const uint8_t *der, size_t len,
                                        X509 *issuer, kyso_key_budget *budget);

#endif
