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
 * Nothing here fetches, reads a clock or draws random numbers: the caller
 * sends the requests (libcurl in the CLI and kyso-host), decides which URLs
 * it may contact (loopback, private addresses, rewrites) and passes the
 * nonces. Checking the answers belongs to the verifier.
 */
#ifndef KYSO_LTV_H
#define KYSO_LTV_H

#include <stddef.h>
#include <stdint.h>

#include "kyso/limits.h"
#include "kyso/sign.h"
#include "kyso/status.h"

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

/* Frees a request from kyso_ltv_*_request_new (NULL is fine). */
void kyso_ltv_request_free(uint8_t *request);

#ifdef __cplusplus
}
#endif

#endif
