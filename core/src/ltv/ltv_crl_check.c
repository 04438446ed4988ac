/*
 * ltv_crl_check.c - judging a CRL (RFC 5280 5) fetched for one certificate
 * before anything keeps it: a complete, direct CRL of the certificate's
 * issuer (name and signature, verify/verify_evidence.c as the verifier
 * judges them), whose scope covers the certificate, current at the time
 * given; then whether it lists the certificate.
 *
 * Order of the checks, so that each error names the first thing wrong:
 * decoding (LTV_RESPONSE), issuer name, delta, indirect and scope
 * (LTV_SCOPE), unknown critical extensions (LTV_RESPONSE), the signature
 * (LTV_SIGNATURE), the times (LTV_STALE).
 */
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <string.h>

#include "base/time_civil.h"
#include "ltv/ltv_answer.h"
#include "verify/verify_evidence.h"

enum {
  /* CRLReason (RFC 5280 5.3.1): the last value, aACompromise. */
  CRL_REASON_LAST = 10
};

/* Scope (LTV_SCOPE) and extensions (LTV_RESPONSE) of the CRL itself. */
static kyso_status crl_scope(X509_CRL *crl, X509 *x, kyso_error *err) {
  ISSUING_DIST_POINT *idp;
  ASN1_INTEGER *delta;
  const char *problem;
  int crit = 0, is_delta, has_idp, indirect, kind;

  delta = X509_CRL_get_ext_d2i(crl, NID_delta_crl, &crit, NULL);
  is_delta = delta != NULL || crit != -1;
  ASN1_INTEGER_free(delta);
  if (is_delta)
    return kyso_error_set(err, KYSO_ERR_LTV_SCOPE,
                          "a delta CRL (deltaCRLIndicator) is not a complete "
                          "CRL");
  idp = X509_CRL_get_ext_d2i(crl, NID_issuing_distribution_point, &crit, NULL);
  has_idp = idp != NULL;
  indirect = idp && idp->indirectCRL > 0;
  ISSUING_DIST_POINT_free(idp);
  if (!has_idp && crit != -1)
    return kyso_error_set(err, KYSO_ERR_LTV_SCOPE,
                          "CRL issuingDistributionPoint malformed or "
                          "repeated");
  if (indirect)
    return kyso_error_set(err, KYSO_ERR_LTV_SCOPE,
                          "an indirect CRL (indirectCRL) is not accepted");
  if (!kyso_crl_covers(crl, x))
    return kyso_error_set(err, KYSO_ERR_LTV_SCOPE,
                          "CRL issuingDistributionPoint does not cover the "
                          "certificate (only user, CA or attribute "
                          "certificates, some reasons, or another "
                          "distribution point)");
  /* Critical extensions and indirect entries: the verifier's rule
   * (verify_evidence.c). */
  problem = kyso_crl_extensions_problem(crl, &kind);
  if (problem)
    return kyso_error_set(err,
                          kind == KYSO_EVIDENCE_SCOPE   ? KYSO_ERR_LTV_SCOPE
                          : kind == KYSO_EVIDENCE_LIMIT ? KYSO_ERR_LIMIT
                                                        : KYSO_ERR_LTV_RESPONSE,
                          "%s", problem);
  return KYSO_OK;
}

kyso_status kyso_ltv_crl_check(kyso_blob crl, kyso_blob cert, kyso_blob issuer,
                               int64_t now, kyso_ltv_answer *out,
                               kyso_error *err) {
  kyso_status ret = KYSO_ERR_ARGUMENT;
  X509 *x = NULL, *xi = NULL;
  X509_CRL *c = NULL;
  X509_REVOKED *entry = NULL;
  const unsigned char *p;
  const char *problem;
  kyso_ltv_answer a;
  int found;

  ERR_set_mark();
  kyso_ltv_answer_clear(&a);
  if (!out) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "missing argument");
    goto done;
  }
  kyso_ltv_answer_clear(out);
  ret = kyso_ltv_pair_decode(cert, issuer, &x, &xi, err);
  if (ret != KYSO_OK)
    goto done;

  /* ---- decoding ---- */
  ret = kyso_ltv_answer_size_check(crl, KYSO_LIMIT_LTV_CRL_SIZE,
                                   "KYSO_LIMIT_LTV_CRL_SIZE", "CRL", err);
  if (ret != KYSO_OK)
    goto done;
  p = crl.data;
  c = d2i_X509_CRL(NULL, &p, (long)crl.len);
  if (!c || p != crl.data + crl.len) {
    ret = kyso_error_set(err, KYSO_ERR_LTV_RESPONSE, "not a DER CRL%s",
                         c ? " (bytes after it)" : "");
    goto done;
  }

  /* ---- whose and which ---- */
  if (X509_NAME_cmp(X509_CRL_get_issuer(c), X509_get_issuer_name(x)) != 0) {
    ret = kyso_error_set(err, KYSO_ERR_LTV_SCOPE,
                         "CRL issued by another name than the certificate's "
                         "issuer");
    goto done;
  }
  ret = crl_scope(c, x, err);
  if (ret != KYSO_OK)
    goto done;
  problem = kyso_crl_signer_problem(c, xi);
  if (problem) {
    ret = kyso_error_set(err, KYSO_ERR_LTV_SIGNATURE, "%s", problem);
    goto done;
  }

  /* ---- current ---- */
  if (kyso_time_from_asn1(X509_CRL_get0_lastUpdate(c), &a.this_update) != 0 ||
      kyso_ltv_time_read(X509_CRL_get0_nextUpdate(c), &a.next_update) != 0) {
    ret = kyso_error_set(err, KYSO_ERR_LTV_RESPONSE,
                         "CRL has an unreadable time");
    goto done;
  }
  if (!X509_CRL_get0_nextUpdate(c)) {
    ret = kyso_error_set(err, KYSO_ERR_LTV_STALE,
                         "CRL without nextUpdate: no way to tell it is "
                         "current");
    goto done;
  }
  ret = kyso_ltv_current(a.this_update, 1, a.next_update, now, "CRL", err);
  if (ret != KYSO_OK)
    goto done;
  a.produced_at = a.this_update;

  /* ---- listed? ---- */
  found = X509_CRL_get0_by_cert(c, &entry, x);
  if (found == 1 && entry) {
    ASN1_ENUMERATED *r;
    long reason = -1;
    int crit = 0;

    r = X509_REVOKED_get_ext_d2i(entry, NID_crl_reason, &crit, NULL);
    if (r)
      reason = ASN1_ENUMERATED_get(r);
    ASN1_ENUMERATED_free(r);
    if (!r && crit != -1) {
      ret = kyso_error_set(err, KYSO_ERR_LTV_RESPONSE,
                           "CRL entry reasonCode malformed or repeated");
      goto done;
    }
    if (kyso_time_from_asn1(X509_REVOKED_get0_revocationDate(entry),
                            &a.revocation_time) != 0) {
      ret = kyso_error_set(err, KYSO_ERR_LTV_RESPONSE,
                           "CRL entry has an unreadable revocation date");
      goto done;
    }
    a.status = KYSO_LTV_REVOKED;
    a.revocation_reason =
        reason >= 0 && reason <= CRL_REASON_LAST ? (int)reason : -1;
  } else {
    /* found 2: a removeFromCRL entry (only deltas carry them, refused
     * above): not a revocation either way. */
    a.status = KYSO_LTV_GOOD;
    a.revocation_time = 0;
  }
  ret = KYSO_OK;
done:
  if (ret == KYSO_OK)
    *out = a;
  X509_CRL_free(c);
  X509_free(x);
  X509_free(xi);
  ERR_pop_to_mark();
  return ret;
}
