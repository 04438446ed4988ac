/*
 * kyso/ltv.h - what long-term validation asks the network for: the URLs a
 * certificate names and the requests sent to them (issue 13).
 *
 * kyso_ltv_urls_new reads a certificate's OCSP responders and caIssuers
 * (Authority Information Access, RFC 5280 4.2.2.1) and CRL distribution
 * points (RFC 5280 4.2.1.13). kyso_ltv_ocsp_request_new builds an OCSP
 * request (RFC 6960 4.1.1) with a nonce (RFC 8954);
 * kyso_ltv_ts_request_new builds an RFC 3161 TimeStampReq (2.4.1).
 *
 * kyso_ltv_ocsp_check, kyso_ltv_crl_check and kyso_ltv_ts_check judge the
 * answers before anything keeps them: signature and who signed, the nonce,
 * the certificate or digest asked about, and whether the answer is current
 * at the time given. kyso_ltv_collect lists what a signed PDF needs for
 * long-term validation: every certificate on the paths of its signatures
 * and timestamps, with its issuer, whether the document already holds
 * usable revocation data for it, and the /VRI key of each signature.
 *
 * Nothing here fetches, reads a clock or draws random numbers: the caller
 * sends the requests (libcurl in the CLI and kyso-host), decides which URLs
 * it may contact (loopback, private addresses, rewrites), passes the
 * nonces and the time.
 */
#ifndef KYSO_LTV_H
#define KYSO_LTV_H

#include <stddef.h>
#include <stdint.h>

#include "kyso/limits.h"
#include "kyso/sign.h"
#include "kyso/status.h"
#include "kyso/verify.h"

#ifdef __cplusplus
extern "C" {
#endif

/* URLs of one kind, in certificate order, without duplicates (compared
 * byte for byte). Each is NUL-terminated, at most KYSO_LIMIT_LTV_URL_LENGTH
 * bytes, printable ASCII without spaces, and starts with http:// or
 * https:// (scheme in any case) followed by a host. */
typedef struct kyso_ltv_url_list {
  char *url[KYSO_LIMIT_LTV_URLS];
  size_t count;
} kyso_ltv_url_list;

typedef struct kyso_ltv_urls {
  kyso_ltv_url_list ocsp;       /* AIA id-ad-ocsp */
  kyso_ltv_url_list ca_issuers; /* AIA id-ad-caIssuers */
  kyso_ltv_url_list crl;        /* CRL DP fullName URIs */
  /* URIs not kept: another scheme (ldap:, file:...); too long, with
   * control characters, spaces or no host; past KYSO_LIMIT_LTV_URLS of
   * their kind. Duplicates are merged, not counted. */
  size_t skipped_scheme;
  size_t skipped_malformed;
  size_t skipped_over_count;
} kyso_ltv_urls;

/* The URLs of cert (X.509, DER, at most KYSO_LIMIT_LTV_CERT_SIZE bytes,
 * nothing after it). A certificate without the extensions gives empty
 * lists. KYSO_ERR_ARGUMENT when cert does not decode or an extension is
 * repeated or malformed; KYSO_ERR_LIMIT when it is too large. On KYSO_OK
 * *out holds the lists (free with kyso_ltv_urls_free). */
kyso_status kyso_ltv_urls_new(kyso_blob cert, kyso_ltv_urls **out,
                              kyso_error *err);
void kyso_ltv_urls_free(kyso_ltv_urls *urls);

/* Nonce sizes accepted (RFC 8954 allows 1..32 octets; 16 is its advice
 * and what responders expect). The caller draws them at random. */
enum { KYSO_LTV_NONCE_MIN = 16, KYSO_LTV_NONCE_MAX = 32 };

/* An OCSP request (DER) for cert issued by issuer (both X.509 DER, each at
 * most KYSO_LIMIT_LTV_CERT_SIZE): one CertID hashed with SHA-1 (what
 * responders, the Vietnamese ones and `openssl ocsp` included, look up) and
 * the nonce extension holding nonce. Unsigned, no requestor name.
 * KYSO_ERR_ARGUMENT when a certificate does not decode, issuer's name (and
 * key identifier, when both carry one) does not match cert's issuer, or
 * the nonce size is outside KYSO_LTV_NONCE_MIN..MAX. On KYSO_OK *out,
 * *out_len hold the request (free with kyso_ltv_request_free). */
kyso_status kyso_ltv_ocsp_request_new(kyso_blob cert, kyso_blob issuer,
                                      kyso_blob nonce, uint8_t **out,
                                      size_t *out_len, kyso_error *err);

/* An RFC 3161 TimeStampReq (DER), version 1, for digest (its length must
 * be that of algorithm: 32, 48 or 64 bytes), certReq TRUE (the answer
 * carries the TSA certificate, needed for the chain), no policy, and the
 * nonce: the unsigned big-endian INTEGER of the nonce bytes (KYSO_LTV_
 * NONCE_MIN..MAX of them). On KYSO_OK *out, *out_len hold the request
 * (free with kyso_ltv_request_free). */
kyso_status kyso_ltv_ts_request_new(kyso_digest algorithm, kyso_blob digest,
                                    kyso_blob nonce, uint8_t **out,
                                    size_t *out_len, kyso_error *err);

/* Frees a request from kyso_ltv_*_request_new, or a token from
 * kyso_ltv_ts_check (NULL is fine). */
void kyso_ltv_request_free(uint8_t *request);

/* ---- checking the answers ---------------------------------------------- */

typedef enum kyso_ltv_cert_status {
  KYSO_LTV_GOOD = 0,
  KYSO_LTV_REVOKED = 1,
  KYSO_LTV_UNKNOWN = 2 /* OCSP "unknown": the responder does not know it */
} kyso_ltv_cert_status;

/* What an OCSP response or a CRL says about one certificate. Times are
 * seconds since 1970 UTC. */
typedef struct kyso_ltv_answer {
  kyso_ltv_cert_status status;
  int64_t this_update;
  int64_t next_update;     /* 0: the answer gives none */
  int64_t produced_at;     /* OCSP producedAt; a CRL's thisUpdate */
  int64_t revocation_time; /* REVOKED only, else 0 */
  int revocation_reason;   /* CRLReason (RFC 5280 5.3.1); -1: none given */
  int nonce_echoed;        /* OCSP: the response carries the nonce asked */
  int delegated;           /* OCSP: signed by a delegated responder (a
                              certificate the issuer gave id-kp-OCSPSigning),
                              not by the issuer itself */
} kyso_ltv_answer;

/* Clock difference tolerated between this machine and a responder, TSA or
 * CRL issuer, in seconds. */
enum { KYSO_LTV_CLOCK_SKEW = 5 * 60 };

/* How old, in seconds, an answer without nextUpdate may be when it is
 * judged at the time it is fetched (now): such an answer says nothing of
 * any time but its own thisUpdate, so only a fresh one proves "not revoked
 * now" (an old one is a replay, or a responder's stale cache). */
enum { KYSO_LTV_FRESH_WINDOW = 60 * 60 };

/*
 * Judges an OCSPResponse (DER, as a responder sends it, at most
 * KYSO_LIMIT_LTV_RESPONSE_SIZE) about cert issued by issuer (X.509 DER).
 * KYSO_OK and *out filled when: responseStatus is successful with a
 * BasicOCSPResponse; it holds a SingleResponse whose CertID (any hash
 * algorithm OpenSSL knows) names cert; the response is signed by issuer or
 * by a responder certificate it holds or that issuer issued with
 * id-kp-OCSPSigning, valid at now; thisUpdate <= now + KYSO_LTV_CLOCK_SKEW
 * and, when given, now <= nextUpdate + KYSO_LTV_CLOCK_SKEW, when not given,
 * thisUpdate >= now - KYSO_LTV_FRESH_WINDOW; and, when
 * nonce is not empty, the response carries no nonce (out->nonce_echoed 0:
 * responders that pre-compute answers) or exactly that one.
 * Errors: KYSO_ERR_LTV_RESPONSE (does not decode, not successful: the
 * message names the status), KYSO_ERR_LTV_SCOPE (no answer for cert),
 * KYSO_ERR_LTV_SIGNATURE, KYSO_ERR_LTV_NONCE, KYSO_ERR_LTV_STALE,
 * KYSO_ERR_ARGUMENT (cert or issuer do not decode, or do not match),
 * KYSO_ERR_LIMIT. A REVOKED or UNKNOWN answer is KYSO_OK: it is an answer.
 * In detail (core/src/ltv/ltv_ocsp_check.c): "issuer issued cert" means
 * names, key identifiers and cert's signature under issuer's key; the
 * checks run in the order decoding, scope, signer, nonce, times, and the
 * first failing one gives the status; bytes after the DER, a critical
 * extension other than the nonce (response or SingleResponse) are
 * KYSO_ERR_LTV_RESPONSE; the nonce may be echoed as RFC 8954 has it (an
 * OCTET STRING in extnValue) or bare, two nonces are KYSO_ERR_LTV_NONCE;
 * a non-empty nonce must be KYSO_LTV_NONCE_MIN..MAX bytes
 * (KYSO_ERR_ARGUMENT); producedAt > now + KYSO_LTV_CLOCK_SKEW is
 * KYSO_ERR_LTV_STALE; a delegated responder must be valid both at
 * producedAt and at now, and is looked for only among the certificates
 * the response carries (the verifier judges signers with the same code,
 * verify/verify_evidence.c). revocation_reason is -1 for values outside
 * 0..10. On an error *out is zeroed (revocation_reason -1).
 */
kyso_status kyso_ltv_ocsp_check(kyso_blob response, kyso_blob cert,
                                kyso_blob issuer, kyso_blob nonce, int64_t now,
                                kyso_ltv_answer *out, kyso_error *err);

/*
 * Judges a CRL (DER, at most KYSO_LIMIT_LTV_CRL_SIZE) for cert issued by
 * issuer: the CRL's issuer is cert's issuer, it is signed by issuer's key
 * (and issuer, when it has keyUsage, has cRLSign); it is a complete CRL
 * (not a delta), not indirect, and its issuingDistributionPoint, when
 * present, covers cert (onlyContainsUserCerts / onlyContainsCACerts /
 * onlySomeReasons / onlyContainsAttributeCerts refused as not covering,
 * except the one matching cert's kind); thisUpdate <= now +
 * KYSO_LTV_CLOCK_SKEW and now <= nextUpdate + KYSO_LTV_CLOCK_SKEW (a CRL
 * without nextUpdate is KYSO_ERR_LTV_STALE). out->status is REVOKED when
 * cert's serial is listed (removeFromCRL entries are not revocations),
 * else GOOD. Errors as kyso_ltv_ocsp_check (KYSO_ERR_LTV_SCOPE for another
 * issuer or scope).
 * In detail (core/src/ltv/ltv_crl_check.c): the checks run in the order
 * decoding, issuer name, scope, unknown critical extensions, signature,
 * times; an indirect CRL is refused both by its IDP flag and by an entry
 * naming a certificateIssuer (KYSO_ERR_LTV_SCOPE); an IDP
 * distributionPoint must share a fullName GeneralName with one of cert's
 * CRL distribution points, a nameRelativeToCRLIssuer never matches
 * (KYSO_ERR_LTV_SCOPE, RFC 5280 6.3.3 (b)(2)(i): a partitioned CRL says
 * nothing of other partitions); a critical extension other than IDP,
 * deltaCRLIndicator, cRLNumber, authorityKeyIdentifier on the CRL, or
 * other than reasonCode, invalidityDate, holdInstructionCode on an entry,
 * is KYSO_ERR_LTV_RESPONSE (RFC 5280 6.3.3: the CRL cannot be used); over
 * two million entries is KYSO_ERR_LIMIT. The verifier judges scope and
 * signature with the same code (verify/verify_evidence.c). On an error
 * *out is zeroed (revocation_reason -1).
 */
kyso_status kyso_ltv_crl_check(kyso_blob crl, kyso_blob cert, kyso_blob issuer,
                               int64_t now, kyso_ltv_answer *out,
                               kyso_error *err);

/*
 * Judges a TimeStampResp (RFC 3161 2.4.2, DER, at most
 * KYSO_LIMIT_LTV_RESPONSE_SIZE) to a request for digest (algorithm's size)
 * with nonce: status granted or grantedWithMods; the token's signature
 * verifies with the TSA certificate the token carries, which has the
 * critical extendedKeyUsage id-kp-timeStamping only and chains to one of
 * anchors (X.509 DER; through the token's own certificates and
 * intermediates) valid at genTime; TSTInfo's messageImprint is algorithm
 * and digest; its nonce is nonce; genTime <= now + KYSO_LTV_CLOCK_SKEW.
 * anchor_count 0 is KYSO_ERR_ARGUMENT: a timestamp from an unknown TSA
 * proves nothing. On KYSO_OK *token, *token_len hold a copy of the
 * timeStampToken (DER ContentInfo, free with kyso_ltv_request_free) and
 * *gen_time its genTime (seconds since 1970 UTC).
 * Errors: KYSO_ERR_LTV_RESPONSE (does not decode; rejection or waiting:
 * the message carries the status and its failInfo), KYSO_ERR_LTV_SIGNATURE
 * (signature, EKU, chain), KYSO_ERR_LTV_SCOPE (another imprint),
 * KYSO_ERR_LTV_NONCE, KYSO_ERR_LTV_STALE, KYSO_ERR_LIMIT.
 * In detail (core/src/ltv/ltv_ts_check.c): the checks run in the order
 * decoding and status, imprint, nonce, signature, ESS, EKU, path, genTime;
 * an empty nonce is not checked (a non-empty one must be
 * KYSO_LTV_NONCE_MIN..MAX bytes, and its absence from TSTInfo is
 * KYSO_ERR_LTV_NONCE); the imprint's parameters must be absent or NULL;
 * the token's SignedData has one SignerInfo over an encapsulated TSTInfo
 * and an ESS signing-certificate(-v2) attribute naming the TSA certificate
 * (KYSO_ERR_LTV_SIGNATURE without); the path is built by the verifier's
 * code (verify_chain.c, purpose timestamp sign, a trusted sub-CA anchors
 * on its own); the response must be DER down to the token (the token is
 * found with the core's DER reader, kyso_der_read: a BER TimeStampResp is
 * KYSO_ERR_LTV_RESPONSE) and over KYSO_LIMIT_SIG_CERTS certificates in the
 * token is KYSO_ERR_LIMIT. On an error *token is NULL and *token_len,
 * *gen_time 0.
 */
kyso_status kyso_ltv_ts_check(kyso_blob response, kyso_digest algorithm,
                              kyso_blob digest, kyso_blob nonce,
                              const kyso_blob *anchors, size_t anchor_count,
                              const kyso_blob *intermediates,
                              size_t intermediate_count, int64_t now,
                              uint8_t **token, size_t *token_len,
                              int64_t *gen_time, kyso_error *err);

/* ---- what a signed PDF needs -------------------------------------------- */

/* One certificate on the path of a signature, a signature timestamp or a
 * document timestamp, up to and without the trust anchor (a self-signed
 * anchor needs no revocation data; a CA trusted directly that is not
 * self-signed is listed, its issuer unknown). Blobs are borrowed from the
 * set. */
typedef struct kyso_ltv_need {
  kyso_blob cert;
  kyso_blob issuer;     /* empty when no certificate known to the verifier
                           (document, anchors, intermediates) issued cert:
                           fetch it from cert's caIssuers */
  int cert_in_document; /* cert is in the document (a CMS or the DSS) */
  int issuer_in_document;
  int has_revocation; /* the document holds revocation data for cert
                         (DSS or adbe-revocationInfoArchival) that
                         verifies and says GOOD */
  /* Signatures (indexes into kyso_ltv_set_get_signature) whose paths hold
   * cert: bit i for signature i < 64; signatures past 64 share bit 63. */
  uint64_t signatures;
  /* 1 when at least one path holding cert reached one of the verifier's
   * trust anchors (options.anchors); 0 when every such path ends at an
   * untrusted root or at a certificate whose issuer is unknown. A fetcher
   * must not use the URLs of a certificate with 0 for revocation data:
   * anyone can make such a certificate (only caIssuers may complete the
   * path, and the result counts only if the path then reaches an
   * anchor). */
  int path_trusted;
} kyso_ltv_need;

/* One signature or document timestamp of the PDF, in the verifier's
 * order (kyso_report's). */
typedef struct kyso_ltv_signature {
  uint8_t vri_key[20];  /* /VRI key: SHA-1 of the signature's /Contents
                           bytes (the whole decoded string, as Adobe and
                           iText; a document timestamp's: its DER token
                           without the zero padding) */
  int doc_timestamp;    /* 1: an ETSI.RFC3161 document timestamp */
  int64_t signing_time; /* timestamp time if any, else the claimed one */
} kyso_ltv_signature;

typedef struct kyso_ltv_set kyso_ltv_set;

/*
 * Walks every signature of pdf as kyso_verify does (options: anchors,
 * intermediates, validation_time, password; the same errors) and lists
 * what long-term validation needs. Each certificate is listed once, in
 * path order (signer first), whatever number of signatures share it. A
 * signature that cannot be read (broken CMS) adds nothing. On KYSO_OK *out
 * holds the set (free with kyso_ltv_set_free).
 */
kyso_status kyso_ltv_collect(const uint8_t *pdf, size_t len,
                             const kyso_verify_options *options,
                             kyso_ltv_set **out, kyso_error *err);
size_t kyso_ltv_set_get_need_count(const kyso_ltv_set *set);
const kyso_ltv_need *kyso_ltv_set_get_need(const kyso_ltv_set *set,
                                           size_t index);
size_t kyso_ltv_set_get_signature_count(const kyso_ltv_set *set);
const kyso_ltv_signature *kyso_ltv_set_get_signature(const kyso_ltv_set *set,
                                                     size_t index);
void kyso_ltv_set_free(kyso_ltv_set *set);

#ifdef __cplusplus
}
#endif

#endif
