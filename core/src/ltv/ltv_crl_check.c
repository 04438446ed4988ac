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
  /* Extensions looked at on the CRL and on one entry. */
  CRL_EXTENSIONS_MAX = 64,
  /* Entries of one CRL: a 20 MiB CRL (KYSO_LIMIT_LTV_CRL_SIZE) of the
   * smallest entries (serial and UTCTime, 20 octets) holds about a
   * million; OpenSSL has decoded them all already, this only bounds the
   * walk below. */
  CRL_ENTRIES_MAX = 2 * 1000 * 1000,
  /* CRLReason (RFC 5280 5.3.1): the last value, aACompromise. */
  CRL_REASON_LAST = 10
};

/* CRL extensions (5.2) a complete, direct CRL may mark critical and that
 * are judged here: the IDP (scope) and the delta indicator (refused). */
static int crl_ext_known(int nid) {
  return nid == NID_issuing_distribution_point || nid == NID_delta_crl ||
         nid == NID_authority_key_identifier || nid == NID_crl_number;
}

/* Entry extensions (5.3) understood: reasonCode, invalidityDate,
 * holdInstructionCode (certificateIssuer is refused before). */
static int entry_ext_known(int nid) {
  return nid == NID_crl_reason || nid == NID_invalidity_date ||
         nid == NID_hold_instruction_code;
}

/* KYSO_OK, or LTV_SCOPE for an entry naming another certificate issuer
 * (an indirect CRL, 5.3.3) or LTV_RESPONSE for an unknown critical
 * extension of an entry. */
static kyso_status entries_check(X509_CRL *crl, kyso_error *err) {
  STACK_OF(X509_REVOKED) *revoked = X509_CRL_get_REVOKED(crl);
  int i, k, n = sk_X509_REVOKED_num(revoked);

  if (n > CRL_ENTRIES_MAX)
    return kyso_error_set(err, KYSO_ERR_LIMIT, "CRL has over %d entries",
                          CRL_ENTRIES_MAX);
  for (i = 0; i < n; i++) {
    const STACK_OF(X509_EXTENSION) *exts =
        X509_REVOKED_get0_extensions(sk_X509_REVOKED_value(revoked, i));
    int m = sk_X509_EXTENSION_num(exts);
    if (m > CRL_EXTENSIONS_MAX)
      return kyso_error_set(err, KYSO_ERR_LTV_RESPONSE,
                            "CRL entry has over %d extensions",
                            CRL_EXTENSIONS_MAX);
    for (k = 0; k < m; k++) {
      X509_EXTENSION *e = sk_X509_EXTENSION_value(exts, k);
      int nid = OBJ_obj2nid(X509_EXTENSION_get_object(e));
      if (nid == NID_certificate_issuer)
        return kyso_error_set(err, KYSO_ERR_LTV_SCOPE,
                              "CRL entry names another certificate issuer "
                              "(an indirect CRL)");
      if (X509_EXTENSION_get_critical(e) && !entry_ext_known(nid))
        return kyso_error_set(err, KYSO_ERR_LTV_RESPONSE,
                              "CRL entry has a critical extension kyso does "
                              "not know");
    }
  }
  return KYSO_OK;
}

/* Scope (LTV_SCOPE) and extensions (LTV_RESPONSE) of the CRL itself. */
static kyso_status crl_scope(X509_CRL *crl, X509 *x, kyso_error *err) {
  ISSUING_DIST_POINT *idp;
  ASN1_INTEGER *delta;
  int i, n, crit = 0, is_delta, has_idp, indirect;

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
  n = X509_CRL_get_ext_count(crl);
  if (n > CRL_EXTENSIONS_MAX)
    return kyso_error_set(err, KYSO_ERR_LTV_RESPONSE,
                          "CRL has over %d extensions", CRL_EXTENSIONS_MAX);
  for (i = 0; i < n; i++) {
    X509_EXTENSION *e = X509_CRL_get_ext(crl, i);
    if (X509_EXTENSION_get_critical(e) &&
        !crl_ext_known(OBJ_obj2nid(X509_EXTENSION_get_object(e))))
      return kyso_error_set(err, KYSO_ERR_LTV_RESPONSE,
                            "CRL has a critical extension kyso does not "
                            "know (RFC 5280 6.3.3)");
  }
  return entries_check(crl, err);
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
  memset(&a, 0, sizeof(a));
  a.revocation_reason = -1;
  if (!out) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "missing argument");
    goto done;
  }
  memset(out, 0, sizeof(*out));
  out->revocation_reason = -1;
  ret = kyso_ltv_pair_decode(cert, issuer, &x, &xi, err);
  if (ret != KYSO_OK)
    goto done;

  /* ---- decoding ---- */
  if (!crl.data || crl.len == 0) {
    ret = kyso_error_set(err, KYSO_ERR_LTV_RESPONSE, "empty CRL");
    goto done;
  }
  if (crl.len > KYSO_LIMIT_LTV_CRL_SIZE) {
    ret = kyso_error_set(err, KYSO_ERR_LIMIT,
                         "CRL of %zu bytes exceeds KYSO_LIMIT_LTV_CRL_SIZE "
                         "(%zu)",
                         crl.len, KYSO_LIMIT_LTV_CRL_SIZE);
    goto done;
  }
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
