/*
 * ltv_ocsp_check.c - judging an OCSP response (RFC 6960) fetched for one
 * certificate before anything keeps it: the answer is about that
 * certificate (CertID with the issuer's name and key hashes and the
 * serial), signed by the issuer or a responder the issuer delegated (the
 * verifier's own rule, verify/verify_evidence.c), carries the nonce asked
 * (RFC 8954) or none, and is current at the time given.
 *
 * Order of the checks, so that each error names the first thing wrong:
 * decoding and responseStatus (LTV_RESPONSE), the SingleResponse about the
 * certificate (LTV_SCOPE), critical extensions (LTV_RESPONSE), the signer
 * (LTV_SIGNATURE), the nonce (LTV_NONCE), the times (LTV_STALE).
 */
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <string.h>

#include "base/time_civil.h"
#include "ltv/ltv_answer.h"
#include "ltv/ltv_cert.h"
#include "verify/verify_evidence.h"

enum {
  /* CRLReason values (RFC 5280 5.3.1): unspecified (0) .. aACompromise
   * (10); others are reported as -1. */
  CRL_REASON_LAST = 10
};

/* The response's nonce against the one asked: KYSO_OK with *echoed 1 when
 * equal, *echoed 0 when the response has none. The request carries it as
 * RFC 8954 2.1 says (an OCTET STRING inside extnValue) and `openssl ocsp`
 * echoes that; a few responders echo the bare octets (RFC 2560's
 * examples): both forms are the same nonce. */
static kyso_status nonce_check(OCSP_BASICRESP *bs, kyso_blob nonce, int *echoed,
                               kyso_error *err) {
  int idx = OCSP_BASICRESP_get_ext_by_NID(bs, NID_id_pkix_OCSP_Nonce, -1);
  const ASN1_OCTET_STRING *v;
  const unsigned char *p;
  int len;

  *echoed = 0;
  if (idx < 0)
    return KYSO_OK;
  if (OCSP_BASICRESP_get_ext_by_NID(bs, NID_id_pkix_OCSP_Nonce, idx) >= 0)
    return kyso_error_set(err, KYSO_ERR_LTV_NONCE,
                          "OCSP response carries two nonces");
  v = X509_EXTENSION_get_data(OCSP_BASICRESP_get_ext(bs, idx));
  p = ASN1_STRING_get0_data(v);
  len = ASN1_STRING_length(v);
  /* nonce.len <= KYSO_LTV_NONCE_MAX < 128: a one-octet DER length. */
  if (len == (int)nonce.len + 2 && p[0] == V_ASN1_OCTET_STRING &&
      p[1] == nonce.len && memcmp(p + 2, nonce.data, nonce.len) == 0) {
    *echoed = 1;
    return KYSO_OK;
  }
  if (len == (int)nonce.len && memcmp(p, nonce.data, nonce.len) == 0) {
    *echoed = 1;
    return KYSO_OK;
  }
  return kyso_error_set(err, KYSO_ERR_LTV_NONCE,
                        "OCSP response nonce differs from the request's");
}

kyso_status kyso_ltv_ocsp_check(kyso_blob response, kyso_blob cert,
                                kyso_blob issuer, kyso_blob nonce, int64_t now,
                                kyso_ltv_answer *out, kyso_error *err) {
  kyso_status ret = KYSO_ERR_ARGUMENT;
  X509 *x = NULL, *xi = NULL;
  OCSP_RESPONSE *resp = NULL;
  OCSP_BASICRESP *bs = NULL;
  OCSP_SINGLERESP *single;
  ASN1_GENERALIZEDTIME *revtime = NULL, *thisupd = NULL, *nextupd = NULL;
  const unsigned char *p;
  const char *problem;
  kyso_ltv_answer a;
  int status, reason = -1, serial_match = 0;

  ERR_set_mark();
  kyso_ltv_answer_clear(&a);
  if (!out) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "missing argument");
    goto done;
  }
  kyso_ltv_answer_clear(out);
  if (nonce.len != 0) {
    ret = kyso_ltv_nonce_check(nonce, err);
    if (ret != KYSO_OK)
      goto done;
  }
  ret = kyso_ltv_pair_decode(cert, issuer, &x, &xi, err);
  if (ret != KYSO_OK)
    goto done;

  /* ---- decoding ---- */
  ret = kyso_ltv_answer_size_check(response, KYSO_LIMIT_LTV_RESPONSE_SIZE,
                                   "KYSO_LIMIT_LTV_RESPONSE_SIZE",
                                   "OCSP response", err);
  if (ret != KYSO_OK)
    goto done;
  p = response.data;
  resp = d2i_OCSP_RESPONSE(NULL, &p, (long)response.len);
  if (!resp || p != response.data + response.len) {
    ret = kyso_error_set(err, KYSO_ERR_LTV_RESPONSE, "not a DER OCSPResponse%s",
                         resp ? " (bytes after it)" : "");
    goto done;
  }
  status = OCSP_response_status(resp);
  if (status != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
    ret = kyso_error_set(err, KYSO_ERR_LTV_RESPONSE,
                         "OCSP responder answered %s (responseStatus %d)",
                         OCSP_response_status_str(status), status);
    goto done;
  }
  bs = OCSP_response_get1_basic(resp);
  if (!bs) {
    ret = kyso_error_set(err, KYSO_ERR_LTV_RESPONSE,
                         "OCSP response is not a BasicOCSPResponse");
    goto done;
  }

  /* ---- about this certificate ---- */
  single = kyso_ocsp_find_single(bs, x, xi, &serial_match);
  if (!single) {
    ret = kyso_error_set(err, KYSO_ERR_LTV_SCOPE,
                         serial_match
                             ? "OCSP response names the serial under another "
                               "issuer (name or key hash)"
                             : "OCSP response says nothing about the "
                               "certificate's serial");
    goto done;
  }
  /* Critical extensions: the verifier's rule (verify_evidence.c). */
  problem = kyso_ocsp_extensions_problem(bs, single);
  if (problem) {
    ret = kyso_error_set(err, KYSO_ERR_LTV_RESPONSE, "%s", problem);
    goto done;
  }

  /* ---- who signed ---- */
  problem = kyso_ocsp_signer_problem(bs, xi, NULL, &now, NULL, &a.delegated);
  if (problem) {
    ret = kyso_error_set(err, KYSO_ERR_LTV_SIGNATURE, "%s", problem);
    goto done;
  }

  /* ---- the nonce ---- */
  if (nonce.len != 0) {
    ret = nonce_check(bs, nonce, &a.nonce_echoed, err);
    if (ret != KYSO_OK)
      goto done;
  }

  /* ---- the answer and its times ---- */
  status =
      OCSP_single_get0_status(single, &reason, &revtime, &thisupd, &nextupd);
  if (status != V_OCSP_CERTSTATUS_GOOD && status != V_OCSP_CERTSTATUS_REVOKED &&
      status != V_OCSP_CERTSTATUS_UNKNOWN) {
    ret = kyso_error_set(err, KYSO_ERR_LTV_RESPONSE,
                         "OCSP certStatus cannot be read");
    goto done;
  }
  if (!thisupd || kyso_time_from_asn1(thisupd, &a.this_update) != 0 ||
      kyso_ltv_time_read(nextupd, &a.next_update) != 0 ||
      kyso_time_from_asn1(OCSP_resp_get0_produced_at(bs), &a.produced_at) !=
          0 ||
      (status == V_OCSP_CERTSTATUS_REVOKED &&
       (!revtime || kyso_time_from_asn1(revtime, &a.revocation_time) != 0))) {
    ret = kyso_error_set(err, KYSO_ERR_LTV_RESPONSE,
                         "OCSP response has an unreadable time");
    goto done;
  }
  ret = kyso_ltv_current(a.this_update, nextupd != NULL, a.next_update, now,
                         "OCSP response", err);
  if (ret != KYSO_OK)
    goto done;
  if (a.produced_at - KYSO_LTV_CLOCK_SKEW > now) {
    char t1[32], t2[32];
    kyso_time_format_utc(a.produced_at, t1);
    kyso_time_format_utc(now, t2);
    ret = kyso_error_set(err, KYSO_ERR_LTV_STALE,
                         "OCSP response producedAt %s is after the time %s", t1,
                         t2);
    goto done;
  }
  if (status == V_OCSP_CERTSTATUS_REVOKED) {
    a.status = KYSO_LTV_REVOKED;
    a.revocation_reason =
        reason >= 0 && reason <= CRL_REASON_LAST ? reason : -1;
  } else {
    a.status =
        status == V_OCSP_CERTSTATUS_GOOD ? KYSO_LTV_GOOD : KYSO_LTV_UNKNOWN;
  }
  ret = KYSO_OK;
done:
  if (ret == KYSO_OK)
    *out = a;
  OCSP_BASICRESP_free(bs);
  OCSP_RESPONSE_free(resp);
  X509_free(x);
  X509_free(xi);
  ERR_pop_to_mark();
  return ret;
}
