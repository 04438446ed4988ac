/*
 * verify_evidence.c - who may speak about a certificate's revocation: the
 * OCSP responder and CRL judgements shared by verify_revocation.c and the
 * ltv answer checks (see verify_evidence.h).
 */
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <string.h>

#include "base/time_civil.h"
#include "verify/verify_evidence.h"

enum {
  /* SingleResponses looked at in one OCSP response. */
  OCSP_SINGLES_MAX = 1000,
  /* Certificates named by one responderID whose key is tried: many
   * look-alikes in a DSS must not cost a signature check each. */
  OCSP_RESPONDER_TRIES_MAX = 8,
  /* Distribution points of a certificate, and GeneralNames in one
   * distribution point name, compared with a CRL's IDP. */
  CRL_DP_MAX = 16,
  CRL_DP_NAMES_MAX = 16
};

OCSP_SINGLERESP *kyso_ocsp_find_single(OCSP_BASICRESP *bs, X509 *cert,
                                       X509 *issuer, int *serial_match) {
  int i, n = OCSP_resp_count(bs);
  for (i = 0; i < n && i < OCSP_SINGLES_MAX; i++) {
    OCSP_SINGLERESP *single = OCSP_resp_get0(bs, i);
    const OCSP_CERTID *cid = OCSP_SINGLERESP_get0_id(single);
    ASN1_OBJECT *md_oid = NULL;
    ASN1_INTEGER *serial = NULL;
    const EVP_MD *md;
    OCSP_CERTID *mine;
    int same;

    if (!cid ||
        !OCSP_id_get0_info(NULL, &md_oid, NULL, &serial, (OCSP_CERTID *)cid) ||
        ASN1_INTEGER_cmp(serial, X509_get0_serialNumber(cert)) != 0)
      continue;
    *serial_match = 1;
    if (!issuer || (md = EVP_get_digestbyobj(md_oid)) == NULL)
      continue;
    /* The same hash over the issuer's name and key: the CertID names this
     * issuer, not another CA that gave out the same serial. */
    mine = OCSP_cert_to_id(md, cert, issuer);
    same = mine && OCSP_id_cmp(mine, cid) == 0;
    OCSP_CERTID_free(mine);
    if (same)
      return single;
  }
  ERR_clear_error();
  return NULL;
}

/* c is the certificate named by the response's responderID (RFC 6960
 * 4.2.1: by name, or by the SHA-1 of its public key). */
static int responder_id_matches(OCSP_BASICRESP *bs, X509 *c) {
  const ASN1_OCTET_STRING *key_id = NULL;
  const X509_NAME *name = NULL;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;

  if (OCSP_resp_get0_id(bs, &key_id, &name) != 1)
    return 0;
  if (name)
    return X509_NAME_cmp(name, X509_get_subject_name(c)) == 0;
  return key_id && X509_pubkey_digest(c, EVP_sha1(), md, &len) == 1 &&
         (int)len == ASN1_STRING_length(key_id) &&
         memcmp(md, ASN1_STRING_get0_data(key_id), len) == 0;
}

static int valid_at(X509 *c, int64_t t) {
  int64_t nb, na;
  return kyso_time_from_asn1(X509_get0_notBefore(c), &nb) == 0 &&
         kyso_time_from_asn1(X509_get0_notAfter(c), &na) == 0 && t >= nb &&
         t <= na;
}

/* NULL if the response verifies with signer and signer may answer for
 * issuer's certificates: the issuer itself, or a responder it delegated
 * (RFC 6960 4.2.2.2) that was valid when the response was produced (and
 * at *also_at). */
static const char *responder_problem(OCSP_BASICRESP *bs, X509 *signer,
                                     X509 *issuer, const int64_t *also_at,
                                     int *delegated) {
  STACK_OF(X509) *only = sk_X509_new_null();
  int64_t produced;
  int sig_ok;

  *delegated = 0;
  /* The signature only, and only with this certificate (OCSP_NOINTERN);
   * who may sign is decided here, against the issuer on our path. */
  sig_ok =
      only && sk_X509_push(only, signer) > 0 &&
      OCSP_basic_verify(bs, only, NULL, OCSP_NOINTERN | OCSP_NOVERIFY) == 1;
  sk_X509_free(only);
  if (!sig_ok)
    return "OCSP response signature does not verify";
  if (X509_NAME_cmp(X509_get_subject_name(signer),
                    X509_get_subject_name(issuer)) == 0 &&
      EVP_PKEY_eq(X509_get0_pubkey(signer), X509_get0_pubkey(issuer)) == 1)
    return NULL; /* the CA signed it itself */
  *delegated = 1;
  if (X509_check_issued(issuer, signer) != X509_V_OK ||
      X509_verify(signer, X509_get0_pubkey(issuer)) != 1)
    return "OCSP responder not issued by the certificate's issuer";
  if (!(X509_get_extension_flags(signer) & EXFLAG_XKUSAGE) ||
      !(X509_get_extended_key_usage(signer) & XKU_OCSP_SIGN))
    return "OCSP responder lacks id-kp-OCSPSigning";
  if (kyso_time_from_asn1(OCSP_resp_get0_produced_at(bs), &produced) != 0 ||
      !valid_at(signer, produced))
    return "OCSP responder certificate not valid when the response was made";
  if (also_at && !valid_at(signer, *also_at))
    return "OCSP responder certificate not valid at the validation time";
  return NULL;
}

const char *kyso_ocsp_signer_problem(OCSP_BASICRESP *bs, X509 *issuer,
                                     STACK_OF(X509) *pool,
                                     const int64_t *valid_at, X509 **signer,
                                     int *delegated) {
  const STACK_OF(X509) *inside = OCSP_resp_get0_certs(bs);
  const char *first = NULL;
  int i, tries = 0, n_in = inside ? sk_X509_num(inside) : 0;
  int n = 1 + n_in + (pool ? sk_X509_num(pool) : 0);
  int dummy;

  if (signer)
    *signer = NULL;
  if (!delegated)
    delegated = &dummy;
  *delegated = 0;
  for (i = 0; issuer && i < n && tries < OCSP_RESPONDER_TRIES_MAX; i++) {
    X509 *c = i == 0      ? issuer
              : i <= n_in ? sk_X509_value(inside, i - 1)
                          : sk_X509_value(pool, i - 1 - n_in);
    const char *problem;
    int d = 0;
    if (!c || !responder_id_matches(bs, c))
      continue;
    tries++;
    problem = responder_problem(bs, c, issuer, valid_at, &d);
    if (!problem) {
      if (signer)
        *signer = c;
      *delegated = d;
      ERR_clear_error();
      return NULL;
    }
    if (!first)
      first = problem;
  }
  ERR_clear_error();
  return first ? first : "OCSP responder certificate not found";
}

/* Some GeneralName of a is in b (both fullName lists). */
static int names_meet(GENERAL_NAMES *a, GENERAL_NAMES *b) {
  int i, k;
  for (i = 0; i < sk_GENERAL_NAME_num(a) && i < CRL_DP_NAMES_MAX; i++)
    for (k = 0; k < sk_GENERAL_NAME_num(b) && k < CRL_DP_NAMES_MAX; k++)
      if (GENERAL_NAME_cmp(sk_GENERAL_NAME_value(a, i),
                           sk_GENERAL_NAME_value(b, k)) == 0)
        return 1;
  return 0;
}

/* The IDP's distributionPoint name (RFC 5280 6.3.3 (b)(2)(i)) is one of
 * cert's CRL distribution points. */
static int dp_name_matches(const DIST_POINT_NAME *idp_name, X509 *cert) {
  STACK_OF(DIST_POINT) *dps;
  int i, crit = 0, ok = 0;

  if (!idp_name)
    return 1;
  if (idp_name->type != 0)
    return 0; /* nameRelativeToCRLIssuer: not matched */
  dps = X509_get_ext_d2i(cert, NID_crl_distribution_points, &crit, NULL);
  for (i = 0; dps && i < sk_DIST_POINT_num(dps) && i < CRL_DP_MAX && !ok; i++) {
    DIST_POINT *dp = sk_DIST_POINT_value(dps, i);
    if (dp->distpoint && dp->distpoint->type == 0)
      ok = names_meet(idp_name->name.fullname, dp->distpoint->name.fullname);
  }
  sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
  return ok;
}

int kyso_crl_covers(X509_CRL *crl, X509 *cert) {
  ISSUING_DIST_POINT *idp;
  int crit = 0, ok = 1;
  int is_ca = X509_check_ca(cert) > 0;

  idp = X509_CRL_get_ext_d2i(crl, NID_issuing_distribution_point, &crit, NULL);
  if (!idp) {
    ERR_clear_error();
    return crit == -1; /* absent: covers everything; malformed: nothing */
  }
  if ((idp->onlyuser > 0 && is_ca) || (idp->onlyCA > 0 && !is_ca) ||
      idp->onlyattr > 0 || idp->indirectCRL > 0 || idp->onlysomereasons ||
      !dp_name_matches(idp->distpoint, cert))
    ok = 0;
  ISSUING_DIST_POINT_free(idp);
  ERR_clear_error();
  return ok;
}

const char *kyso_crl_signer_problem(X509_CRL *crl, X509 *issuer) {
  EVP_PKEY *key = X509_get0_pubkey(issuer);
  const char *problem = NULL;

  if ((X509_get_extension_flags(issuer) & EXFLAG_KUSAGE) &&
      !(X509_get_key_usage(issuer) & KU_CRL_SIGN))
    problem = "CRL issuer lacks the cRLSign key usage";
  else if (!key || X509_CRL_verify(crl, key) != 1)
    problem = "CRL signature does not verify with the issuer";
  ERR_clear_error();
  return problem;
}
