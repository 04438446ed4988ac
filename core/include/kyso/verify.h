/*
 * kyso/verify.h - validating every signature of a PDF (PAdES; ETSI EN 319
 * 102-1 indications) into a report.
 *
 * For each signature, in order: structure of the signature dictionary and
 * its /ByteRange; which revision it signs; the CMS (integrity, signing
 * certificate reference, signature value, algorithm strength); the
 * certificate path to a trust anchor and its validity at the signing time;
 * key usage; revocation at the signing time from data embedded in the file
 * (and data the caller supplies: extra_crls, extra_ocsps);
 * the signature timestamp; what changed in later revisions. Each check is
 * recorded with a stable reason code; the overall indication follows ETSI
 * EN 319 102-1 (TOTAL_PASSED / INDETERMINATE / TOTAL_FAILED + sub-indication).
 *
 * Validation time and trust anchors are parameters: nothing here reads the
 * clock, the network or the file system. A tampered or untrusted document is
 * a report, not an error: the call fails only when the input cannot be read
 * as a PDF at all (or on memory exhaustion).
 */
#ifndef KYSO_VERIFY_H
#define KYSO_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "kyso/sign.h"
#include "kyso/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The digest of the bytes one /ByteRange covers, computed by the caller
 * (a browser's WebCrypto hashes at native speed where WASM cannot). Used
 * only for a signature whose /ByteRange is exactly byte_range and whose
 * digest algorithm is digest; anything else is hashed here as usual. */
typedef struct kyso_range_digest {
  int64_t byte_range[4]; /* offset, length, offset, length */
  kyso_digest digest;
  uint8_t value[64];
} kyso_range_digest;

typedef struct kyso_verify_options {
  const kyso_blob *anchors; /* trusted certificates, DER (roots, or CAs
                               trusted directly) */
  size_t anchor_count;
  const kyso_blob *intermediates; /* extra untrusted CA certificates */
  size_t intermediate_count;
  int64_t validation_time; /* seconds since 1970 UTC: "now" for the
                              verifier; required */
  const kyso_range_digest *range_digests; /* optional, see above */
  size_t range_digest_count;
  const char *password; /* an encrypted document's user (or owner)
                           password, UTF-8; NULL: the empty one. One that
                           is needed and not given: KYSO_ERR_PDF_PASSWORD */
  /* Revocation data from outside the document (DER): fetched now by
   * `kyso verify --online`, or files the user loaded. Judged exactly as
   * the document's own (signature, issuer, scope) and used where the
   * document has none; the report names its source ("supplied") so a
   * reader can tell it from data embedded in the file. Certificates for
   * paths come through intermediates. */
  const kyso_blob *extra_crls;
  size_t extra_crl_count;
  const kyso_blob *extra_ocsps;
  size_t extra_ocsp_count;
  /* 1: the extra items were fetched now (the report's source "fetched"),
   * 0: loaded by the user ("loaded"). At most KYSO_LIMIT_VERIFY_EXTRA_ITEMS
   * items in all, each a CRL of at most KYSO_LIMIT_LTV_CRL_SIZE bytes or an
   * OCSPResponse (or bare BasicOCSPResponse) of at most
   * KYSO_LIMIT_LTV_RESPONSE_SIZE, KYSO_LIMIT_VERIFY_EXTRA_SIZE bytes in
   * all: more is KYSO_ERR_LIMIT; an item that
   * does not decode is KYSO_ERR_ARGUMENT. */
  int extra_fetched;
} kyso_verify_options;

void kyso_verify_options_init(kyso_verify_options *options);

typedef enum kyso_indication {
  KYSO_INDICATION_TOTAL_PASSED = 0,
  KYSO_INDICATION_INDETERMINATE = 1,
  KYSO_INDICATION_TOTAL_FAILED = 2
} kyso_indication;

typedef struct kyso_report kyso_report;

/* Verifies every signature of pdf. On KYSO_OK *out holds the report (free
 * with kyso_report_free), also when no signature is valid. */
kyso_status kyso_verify(const uint8_t *pdf, size_t len,
                        const kyso_verify_options *options, kyso_report **out,
                        kyso_error *err);

void kyso_report_free(kyso_report *report);

/* The /ByteRange of each signature field's value that has four
 * non-negative integers fitting the file, in form order, for a caller
 * that hashes them itself (kyso_range_digest). At most max are stored in
 * ranges; *count gets how many there are. Errors as kyso_verify's. */
kyso_status kyso_verify_list_byte_ranges(const uint8_t *pdf, size_t len,
                                         int64_t (*ranges)[4], size_t max,
                                         size_t *count, kyso_error *err);

/* Number of signatures (including document timestamps). */
size_t kyso_report_get_signature_count(const kyso_report *report);
/* Indication of signature i, and the worst over all signatures. */
kyso_indication kyso_report_get_indication(const kyso_report *report,
                                           size_t index);
kyso_indication kyso_report_get_overall(const kyso_report *report);

/* The report as JSON (UTF-8, deterministic: same input, options and
 * version give the same bytes on every platform). Borrowed from the
 * report. Schema: docs/report-schema.md. */
const char *kyso_report_get_json(const kyso_report *report, size_t *len);

/* The report for people, in "vi" (default) or "en": per signature the
 * signer, times (shown at +07:00), algorithms, what it covers, every check
 * in words, the changes after it and the verdict. Borrowed from the report
 * (valid until the next call or kyso_report_free); NULL on memory failure. */
const char *kyso_report_get_text(kyso_report *report, const char *lang);

#ifdef __cplusplus
}
#endif

#endif
