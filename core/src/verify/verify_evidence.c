/*
 * verify_evidence.c - who may speak about a certificate's revocation: the
 * OCSP responder and CRL judgements shared by verify_revocation.c and the
 * ltv answer checks (see verify_evidence.h).
 */
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <string.h>

#include "base/time_civil.h"
#include "cms/der_read.h"
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
  CRL_DP_NAMES_MAX = 16,
  /* RSA keys that may sign revocation data (kyso_evidence_key_problem). */
  EVIDENCE_RSA_BITS_MAX = 8192,
  EVIDENCE_RSA_EXPONENT_BITS_MAX = 32,
  /* Extensions looked at on a CRL, a CRL entry, an OCSP response and a
   * SingleResponse. */
  EVIDENCE_EXTENSIONS_MAX = 64,
  /* Entries of one CRL: a 20 MiB CRL (KYSO_LIMIT_LTV_CRL_SIZE) of the
   * smallest entries (serial and UTCTime, 20 octets) holds about a
   * million. */
  CRL_ENTRIES_MAX = 2 * 1000 * 1000
};

const char KYSO_EVIDENCE_OVER_BUDGET[] =
    "not checked: the verification's budget of public-key operations for "
    "revocation data (KYSO_LIMIT_REVOCATION_KEY_OPS) is spent";

static unsigned long key_ops_total;

unsigned long kyso_evidence_key_ops_total(void) {
  return key_ops_total;
}

/* Takes one public-key operation from budget: 0 when none is left. */
static int budget_spend(kyso_key_budget *budget) {
  if (budget && budget->limit && budget->used >= budget->limit) {
    budget->refused++;
    return 0;
  }
  if (budget)
    budget->used++;
  key_ops_total++;
  return 1;
}

const char *kyso_evidence_key_problem(EVP_PKEY *key) {
  BIGNUM *n = NULL, *e = NULL;
  const char *problem = NULL;
  int id;

  if (!key)
    return "no public key";
  id = EVP_PKEY_get_base_id(key);
  if (id != EVP_PKEY_RSA && id != EVP_PKEY_RSA_PSS)
    return NULL;
  if (!EVP_PKEY_get_bn_param(key, "n", &n) ||
      !EVP_PKEY_get_bn_param(key, "e", &e))
    problem = "RSA key unreadable";
  else if (BN_num_bits(n) > EVIDENCE_RSA_BITS_MAX)
    problem = "RSA key over 8192 bits";
  else if (BN_num_bits(e) > EVIDENCE_RSA_EXPONENT_BITS_MAX || !BN_is_odd(e) ||
           BN_cmp(e, BN_value_one()) <= 0)
    problem = "RSA public exponent not odd, or 2^32 or more";
  BN_free(n);
  BN_free(e);
  ERR_clear_error();
  return problem;
}

/* Whether the SingleResponse single is about cert issued by issuer; sets
 * *serial_match for a CertID with cert's serial. */
static int single_names(OCSP_SINGLERESP *single, X509 *cert, X509 *issuer,
                        int *serial_match) {
  const OCSP_CERTID *cid = OCSP_SINGLERESP_get0_id(single);
  ASN1_OBJECT *md_oid = NULL;
  ASN1_INTEGER *serial = NULL;
  const EVP_MD *md;
  OCSP_CERTID *mine;
  int same;

  if (!cid ||
      !OCSP_id_get0_info(NULL, &md_oid, NULL, &serial, (OCSP_CERTID *)cid) ||
      ASN1_INTEGER_cmp(serial, X509_get0_serialNumber(cert)) != 0)
    return 0;
  *serial_match = 1;
  if (!issuer || (md = EVP_get_digestbyobj(md_oid)) == NULL)
    return 0;
  /* The same hash over the issuer's name and key: the CertID names this
   * issuer, not another CA that gave out the same serial. */
  mine = OCSP_cert_to_id(md, cert, issuer);
  same = mine && OCSP_id_cmp(mine, cid) == 0;
  OCSP_CERTID_free(mine);
  return same;
}

/* The revocationTime of a revoked SingleResponse (NULL otherwise). */
static ASN1_GENERALIZEDTIME *single_revoked(OCSP_SINGLERESP *single,
                                            int *status) {
  ASN1_GENERALIZEDTIME *rt = NULL;
  *status = OCSP_single_get0_status(single, NULL, &rt, NULL, NULL);
  return *status == V_OCSP_CERTSTATUS_REVOKED ? rt : NULL;
}

OCSP_SINGLERESP *kyso_ocsp_find_single_ex(OCSP_BASICRESP *bs, X509 *cert,
                                          X509 *issuer, int *serial_match,
                                          int *conflict) {
  OCSP_SINGLERESP *best = NULL;
  ASN1_GENERALIZEDTIME *best_rt = NULL;
  int i, n = OCSP_resp_count(bs), best_status = -1, dummy;

  if (!conflict)
    conflict = &dummy;
  *conflict = 0;
  for (i = 0; i < n && i < OCSP_SINGLES_MAX; i++) {
    OCSP_SINGLERESP *single = OCSP_resp_get0(bs, i);
    ASN1_GENERALIZEDTIME *rt;
    int status;
    if (!single_names(single, cert, issuer, serial_match))
      continue;
    rt = single_revoked(single, &status);
    if (best && status != best_status)
      *conflict = 1;
    /* "revoked" wins; among revocations the earliest readable time. */
    if (!best || (rt && (!best_rt || ASN1_TIME_compare(rt, best_rt) < 0))) {
      best = single;
      best_rt = rt;
      best_status = status;
    }
  }
  ERR_clear_error();
  return best;
}

OCSP_SINGLERESP *kyso_ocsp_find_single(OCSP_BASICRESP *bs, X509 *cert,
                                       X509 *issuer, int *serial_match) {
  return kyso_ocsp_find_single_ex(bs, cert, issuer, serial_match, NULL);
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

/* NULL if signer may answer for issuer's certificates and the response
 * verifies with it: the issuer itself, or a responder it delegated (RFC
 * 6960 4.2.2.2) that was valid when the response was produced (and at
 * *also_at). The tests without a public-key operation come first; each
 * operation is taken from budget. */
static const char *responder_problem(OCSP_BASICRESP *bs, X509 *signer,
                                     X509 *issuer, const int64_t *also_at,
                                     int *delegated, kyso_key_budget *budget) {
  STACK_OF(X509) *only;
  const char *problem;
  int64_t produced;
  int sig_ok;

  *delegated =
      X509_NAME_cmp(X509_get_subject_name(signer),
                    X509_get_subject_name(issuer)) != 0 ||
      EVP_PKEY_eq(X509_get0_pubkey(signer), X509_get0_pubkey(issuer)) != 1;
  if (*delegated) {
    /* Names and key identifiers (no signature), the usage, the times. */
    if (X509_check_issued(issuer, signer) != X509_V_OK)
      return "OCSP responder not issued by the certificate's issuer";
    if (!(X509_get_extension_flags(signer) & EXFLAG_XKUSAGE) ||
        !(X509_get_extended_key_usage(signer) & XKU_OCSP_SIGN))
      return "OCSP responder lacks id-kp-OCSPSigning";
    if (kyso_time_from_asn1(OCSP_resp_get0_produced_at(bs), &produced) != 0 ||
        !valid_at(signer, produced))
      return "OCSP responder certificate not valid when the response was "
             "made";
    if (also_at && !valid_at(signer, *also_at))
      return "OCSP responder certificate not valid at the validation time";
    problem = kyso_evidence_key_problem(X509_get0_pubkey(issuer));
    if (problem)
      return problem;
    if (!budget_spend(budget))
      return KYSO_EVIDENCE_OVER_BUDGET;
    if (X509_verify(signer, X509_get0_pubkey(issuer)) != 1)
      return "OCSP responder not issued by the certificate's issuer";
  }
  problem = kyso_evidence_key_problem(X509_get0_pubkey(signer));
  if (problem)
    return problem;
  if (!budget_spend(budget))
    return KYSO_EVIDENCE_OVER_BUDGET;
  /* The signature only, and only with this certificate (OCSP_NOINTERN);
   * who may sign is decided above, against the issuer on our path. */
  only = sk_X509_new_null();
  sig_ok =
      only && sk_X509_push(only, signer) > 0 &&
      OCSP_basic_verify(bs, only, NULL, OCSP_NOINTERN | OCSP_NOVERIFY) == 1;
  sk_X509_free(only);
  if (!sig_ok)
    return "OCSP response signature does not verify";
  return NULL;
}

const char *kyso_ocsp_signer_problem(OCSP_BASICRESP *bs, X509 *issuer,
                                     STACK_OF(X509) *pool,
                                     const int64_t *valid_at, X509 **signer,
                                     int *delegated) {
  return kyso_ocsp_signer_problem_b(bs, issuer, pool, valid_at, signer,
                                    delegated, NULL);
}

const char *kyso_ocsp_signer_problem_b(OCSP_BASICRESP *bs, X509 *issuer,
                                       STACK_OF(X509) *pool,
                                       const int64_t *valid_at, X509 **signer,
                                       int *delegated,
                                       kyso_key_budget *budget) {
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
    problem = responder_problem(bs, c, issuer, valid_at, &d, budget);
    if (!problem) {
      if (signer)
        *signer = c;
      *delegated = d;
      ERR_clear_error();
      return NULL;
    }
    if (!first || problem == KYSO_EVIDENCE_OVER_BUDGET)
      first = problem;
    if (problem == KYSO_EVIDENCE_OVER_BUDGET)
      break;
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
  return kyso_crl_signer_problem_b(crl, issuer, NULL);
}

const char *kyso_crl_signer_problem_b(X509_CRL *crl, X509 *issuer,
                                      kyso_key_budget *budget) {
  EVP_PKEY *key = X509_get0_pubkey(issuer);
  const char *problem = NULL;

  if ((X509_get_extension_flags(issuer) & EXFLAG_KUSAGE) &&
      !(X509_get_key_usage(issuer) & KU_CRL_SIGN))
    problem = "CRL issuer lacks the cRLSign key usage";
  else if (!key)
    problem = "CRL signature does not verify with the issuer";
  else if ((problem = kyso_evidence_key_problem(key)) != NULL)
    ;
  else if (!budget_spend(budget))
    problem = KYSO_EVIDENCE_OVER_BUDGET;
  else if (X509_CRL_verify(crl, key) != 1)
    problem = "CRL signature does not verify with the issuer";
  ERR_clear_error();
  return problem;
}

const char *kyso_crl_der_signer_problem(const uint8_t *der, size_t len,
                                        X509 *issuer, kyso_key_budget *budget) {
  static const char bad[] = "CRL signature does not verify with the issuer";
  kyso_blob d = {der, len}, list, tbs_whole, tbs, alg_whole, inner_alg;
  kyso_blob bit_whole, content;
  EVP_PKEY *key = X509_get0_pubkey(issuer);
  X509_ALGOR *alg = NULL;
  ASN1_BIT_STRING *bits = NULL;
  ASN1_STRING *seq = NULL;
  ASN1_TYPE *any = NULL;
  const unsigned char *p;
  const char *problem = bad;
  uint8_t tag;

  if ((X509_get_extension_flags(issuer) & EXFLAG_KUSAGE) &&
      !(X509_get_key_usage(issuer) & KU_CRL_SIGN)) {
    problem = "CRL issuer lacks the cRLSign key usage";
    goto done;
  }
  if (!key)
    goto done;
  if ((problem = kyso_evidence_key_problem(key)) != NULL)
    goto done;
  problem = bad;
  /* CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm,
   * signatureValue }; tbsCertList: [version,] signature, issuer, ... */
  if (kyso_der_read_expect(&d, 0x30, &list) != 0 ||
      kyso_der_read(&list, &tag, &tbs, &tbs_whole) != 0 || tag != 0x30 ||
      kyso_der_read(&list, &tag, &content, &alg_whole) != 0 || tag != 0x30 ||
      kyso_der_read(&list, &tag, &content, &bit_whole) != 0 || tag != 0x03 ||
      kyso_der_read(&tbs, &tag, &content, &inner_alg) != 0)
    goto done;
  if (tag == 0x02 && kyso_der_read(&tbs, &tag, &content, &inner_alg) != 0)
    goto done; /* the version, then the signature algorithm */
  if (tag != 0x30 || inner_alg.len != alg_whole.len ||
      memcmp(inner_alg.data, alg_whole.data, alg_whole.len) != 0)
    goto done;
  p = alg_whole.data;
  alg = d2i_X509_ALGOR(NULL, &p, (long)alg_whole.len);
  p = bit_whole.data;
  bits = d2i_ASN1_BIT_STRING(NULL, &p, (long)bit_whole.len);
  seq = ASN1_STRING_type_new(V_ASN1_SEQUENCE);
  any = ASN1_TYPE_new();
  if (!alg || !bits || !seq || !any ||
      !ASN1_STRING_set(seq, tbs_whole.data, (int)tbs_whole.len))
    goto done;
  ASN1_TYPE_set(any, V_ASN1_SEQUENCE, seq);
  seq = NULL; /* any owns it */
  if (!budget_spend(budget)) {
    problem = KYSO_EVIDENCE_OVER_BUDGET;
    goto done;
  }
  /* The tbsCertList's own octets (an ANY holding a SEQUENCE encodes as
   * they are), the algorithm's parameters (RSA-PSS) as OpenSSL reads
   * them for X509_CRL_verify. */
  if (ASN1_item_verify(ASN1_ITEM_rptr(ASN1_ANY), alg, bits, any, key) == 1)
    problem = NULL;
done:
  X509_ALGOR_free(alg);
  ASN1_BIT_STRING_free(bits);
  ASN1_STRING_free(seq);
  ASN1_TYPE_free(any);
  ERR_clear_error();
  return problem;
}

/* CRL extensions (RFC 5280 5.2) a complete, direct CRL may mark critical
 * and that are judged: the IDP (scope) and the delta indicator. */
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

const char *kyso_crl_extensions_problem(X509_CRL *crl, int *kind) {
  STACK_OF(X509_REVOKED) *revoked = X509_CRL_get_REVOKED(crl);
  int i, k, n, dummy;

  if (!kind)
    kind = &dummy;
  *kind = KYSO_EVIDENCE_FORMAT;
  n = X509_CRL_get_ext_count(crl);
  if (n > EVIDENCE_EXTENSIONS_MAX)
    return "CRL has over 64 extensions";
  for (i = 0; i < n; i++) {
    X509_EXTENSION *e = X509_CRL_get_ext(crl, i);
    if (X509_EXTENSION_get_critical(e) &&
        !crl_ext_known(OBJ_obj2nid(X509_EXTENSION_get_object(e))))
      return "CRL has a critical extension kyso does not know (RFC 5280 "
             "6.3.3)";
  }
  n = sk_X509_REVOKED_num(revoked);
  if (n > CRL_ENTRIES_MAX) {
    *kind = KYSO_EVIDENCE_LIMIT;
    return "CRL has over 2000000 entries";
  }
  for (i = 0; i < n; i++) {
    const STACK_OF(X509_EXTENSION) *exts =
        X509_REVOKED_get0_extensions(sk_X509_REVOKED_value(revoked, i));
    int m = sk_X509_EXTENSION_num(exts);
    if (m > EVIDENCE_EXTENSIONS_MAX)
      return "CRL entry has over 64 extensions";
    for (k = 0; k < m; k++) {
      X509_EXTENSION *e = sk_X509_EXTENSION_value(exts, k);
      int nid = OBJ_obj2nid(X509_EXTENSION_get_object(e));
      if (nid == NID_certificate_issuer) {
        *kind = KYSO_EVIDENCE_SCOPE;
        return "CRL entry names another certificate issuer (an indirect "
               "CRL)";
      }
      if (X509_EXTENSION_get_critical(e) && !entry_ext_known(nid))
        return "CRL entry has a critical extension kyso does not know";
    }
  }
  return NULL;
}

/* Only the response's nonce may be critical (RFC 6960 4.4, RFC 8954);
 * responders mark nothing critical in practice. */
const char *kyso_ocsp_extensions_problem(OCSP_BASICRESP *bs,
                                         OCSP_SINGLERESP *single) {
  int i, n;
  n = OCSP_BASICRESP_get_ext_count(bs);
  if (n > EVIDENCE_EXTENSIONS_MAX)
    return "OCSP response has over 64 extensions";
  for (i = 0; i < n; i++) {
    X509_EXTENSION *e = OCSP_BASICRESP_get_ext(bs, i);
    if (X509_EXTENSION_get_critical(e) &&
        OBJ_obj2nid(X509_EXTENSION_get_object(e)) != NID_id_pkix_OCSP_Nonce)
      return "OCSP response has a critical extension kyso does not know";
  }
  n = OCSP_SINGLERESP_get_ext_count(single);
  if (n > EVIDENCE_EXTENSIONS_MAX)
    return "OCSP response has over 64 extensions";
  for (i = 0; i < n; i++)
    if (X509_EXTENSION_get_critical(OCSP_SINGLERESP_get_ext(single, i)))
      return "OCSP response has a critical extension kyso does not know";
  return NULL;
}
