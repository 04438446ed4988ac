/*
 * ltv_ts_check.c - judging an RFC 3161 TimeStampResp (2.4.2) before its
 * token goes into a signature or a document timestamp: granted, the
 * imprint and nonce asked, the token's CMS signature by the TSA
 * certificate it carries (with its ESS signing-certificate attribute,
 * 2.4.1), that certificate's extended key usage (2.3) and its path to a
 * caller's anchor at genTime (the verifier's path code, verify_chain.c),
 * and a genTime that is not in the future.
 *
 * Order of the checks, so that each error names the first thing wrong:
 * decoding and status (LTV_RESPONSE), the imprint (LTV_SCOPE), the nonce
 * (LTV_NONCE), signature, EKU and path (LTV_SIGNATURE), genTime
 * (LTV_STALE).
 *
 * The token handed back is the timeStampToken's bytes as the response
 * holds them (found with the core's DER reader, so the response must be
 * DER down to the token: a BER TimeStampResp is LTV_RESPONSE), never a
 * re-encoding: its signature covers its own encoding of the TSTInfo.
 */
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/ess.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/time_civil.h"
#include "cms/der_read.h"
#include "ltv/ltv_answer.h"
#include "ltv/ltv_cert.h"
#include "verify/verify_internal.h"

enum {
  /* Status text kept from a refusal (PKIFreeText, first string). */
  TS_STATUS_TEXT_MAX = 96,
  DER_SEQUENCE = 0x30
};

/* PKIStatus (RFC 3161 2.4.2) names. */
static const char *status_name(long s) {
  switch (s) {
  case 0: return "granted";
  case 1: return "grantedWithMods";
  case 2: return "rejection";
  case 3: return "waiting";
  case 4: return "revocationWarning";
  case 5: return "revocationNotification";
  default: return "an unknown status";
  }
}

/* "; failInfo badAlg,badRequest" and "; \"text\"" of a refusal. */
static void status_details(TS_STATUS_INFO *si, char *out, size_t size) {
  static const struct {
    int bit;
    const char *name;
  } bits[] = {{0, "badAlg"},
              {2, "badRequest"},
              {5, "badDataFormat"},
              {14, "timeNotAvailable"},
              {15, "unacceptedPolicy"},
              {16, "unacceptedExtension"},
              {17, "addInfoNotAvailable"},
              {25, "systemFailure"}};
  const ASN1_BIT_STRING *fi = TS_STATUS_INFO_get0_failure_info(si);
  const STACK_OF(ASN1_UTF8STRING) *text = TS_STATUS_INFO_get0_text(si);
  size_t used = 0, i;
  int any = 0;

  out[0] = '\0';
  for (i = 0; fi && i < sizeof(bits) / sizeof(bits[0]); i++) {
    if (!ASN1_BIT_STRING_get_bit(fi, bits[i].bit))
      continue;
    snprintf(out + used, size - used, "%s%s", any ? "," : "; failInfo ",
             bits[i].name);
    used = strlen(out);
    any = 1;
  }
  if (sk_ASN1_UTF8STRING_num(text) > 0) {
    const ASN1_UTF8STRING *s = sk_ASN1_UTF8STRING_value(text, 0);
    char clean[TS_STATUS_TEXT_MAX + 1];
    kyso_ltv_text_copy(ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s),
                       clean, sizeof(clean));
    snprintf(out + used, size - used, "; \"%s\"", clean);
  }
}

/* The timeStampToken element of a DER TimeStampResp: SEQUENCE { status
 * PKIStatusInfo, timeStampToken ContentInfo }. 0 ok, -1 not so. */
static int token_bytes(kyso_blob response, kyso_blob *token) {
  kyso_blob d = response, body, item;
  uint8_t tag;

  if (kyso_der_read_expect(&d, DER_SEQUENCE, &body) != 0 || d.len != 0 ||
      kyso_der_read_expect(&body, DER_SEQUENCE, &item) != 0 ||
      kyso_der_read(&body, &tag, &item, token) != 0 || tag != DER_SEQUENCE ||
      body.len != 0)
    return -1;
  return 0;
}

/* RFC 3161 2.3: extendedKeyUsage critical, id-kp-timeStamping alone (as
 * verify_cms.c's tsa_eku_ok judges a token in a PDF). */
static int tsa_eku_ok(const X509 *x) {
  int crit = -1, ok;
  EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(x, NID_ext_key_usage, &crit, NULL);

  ok = eku && crit == 1 && sk_ASN1_OBJECT_num(eku) == 1 &&
       OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, 0)) == NID_time_stamp;
  EXTENDED_KEY_USAGE_free(eku);
  return ok;
}

/* Decodes n certificates into a new stack *out (sk_X509_pop_free). */
static kyso_status certs_decode(const kyso_blob *blobs, size_t n,
                                const char *what, STACK_OF(X509) **out,
                                kyso_error *err) {
  kyso_status ret = KYSO_OK;
  size_t i;

  *out = sk_X509_new_null();
  if (!*out)
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  if (n > 0 && !blobs)
    return kyso_error_set(err, KYSO_ERR_ARGUMENT, "no %s given", what);
  for (i = 0; i < n && ret == KYSO_OK; i++) {
    X509 *x = NULL;
    ret = kyso_ltv_cert_decode(blobs[i], what, &x, err);
    if (ret == KYSO_OK && !sk_X509_push(*out, x)) {
      X509_free(x);
      ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    }
  }
  return ret;
}

/* The ESS signing-certificate(-v2) attribute names tsa first (RFC 3161
 * 2.4.1; RFC 5816 for v2); every other ESSCertID must name one of pool. */
static int ess_ok(CMS_SignerInfo *si, X509 *tsa, STACK_OF(X509) *pool) {
  ASN1_STRING *v1 = CMS_signed_get0_data_by_OBJ(
      si, OBJ_nid2obj(NID_id_smime_aa_signingCertificate), -3, V_ASN1_SEQUENCE);
  ASN1_STRING *v2 = CMS_signed_get0_data_by_OBJ(
      si, OBJ_nid2obj(NID_id_smime_aa_signingCertificateV2), -3,
      V_ASN1_SEQUENCE);
  ESS_SIGNING_CERT *ss = NULL;
  ESS_SIGNING_CERT_V2 *ss2 = NULL;
  STACK_OF(X509) *chain = sk_X509_new_null();
  const unsigned char *q;
  int i, ok = 0;

  if (!chain || !sk_X509_push(chain, tsa))
    goto done;
  for (i = 0; i < sk_X509_num(pool); i++)
    if (sk_X509_value(pool, i) != tsa &&
        !sk_X509_push(chain, sk_X509_value(pool, i)))
      goto done;
  if (v1) {
    q = ASN1_STRING_get0_data(v1);
    ss = d2i_ESS_SIGNING_CERT(NULL, &q, ASN1_STRING_length(v1));
    if (!ss)
      goto done;
  }
  if (v2) {
    q = ASN1_STRING_get0_data(v2);
    ss2 = d2i_ESS_SIGNING_CERT_V2(NULL, &q, ASN1_STRING_length(v2));
    if (!ss2)
      goto done;
  }
  ok = (ss || ss2) && OSSL_ESS_check_signing_certs(ss, ss2, chain, 1) == 1;
done:
  ESS_SIGNING_CERT_free(ss);
  ESS_SIGNING_CERT_V2_free(ss2);
  sk_X509_free(chain);
  return ok;
}

/* The TSTInfo's nonce is the unsigned big-endian integer of nonce. */
static int nonce_equal(const ASN1_INTEGER *got, kyso_blob nonce) {
  BIGNUM *a = NULL, *b = NULL;
  int eq = 0;
  if (!got || ASN1_STRING_type(got) != V_ASN1_INTEGER)
    return 0;
  a = ASN1_INTEGER_to_BN(got, NULL);
  /* nonce.len <= KYSO_LTV_NONCE_MAX */
  b = BN_bin2bn(nonce.data, (int)nonce.len, NULL);
  eq = a && b && BN_cmp(a, b) == 0;
  BN_free(a);
  BN_free(b);
  return eq;
}

/* The imprint is algorithm (parameters absent or NULL) over digest. */
static int imprint_equal(TS_TST_INFO *tst, int nid, kyso_blob digest) {
  TS_MSG_IMPRINT *mi = TS_TST_INFO_get_msg_imprint(tst);
  X509_ALGOR *alg = mi ? TS_MSG_IMPRINT_get_algo(mi) : NULL;
  ASN1_OCTET_STRING *msg = mi ? TS_MSG_IMPRINT_get_msg(mi) : NULL;
  const ASN1_OBJECT *oid = NULL;
  const void *pval = NULL;
  int ptype = 0;

  if (!alg || !msg)
    return 0;
  X509_ALGOR_get0(&oid, &ptype, &pval, alg);
  return OBJ_obj2nid(oid) == nid &&
         (ptype == V_ASN1_UNDEF || ptype == V_ASN1_NULL) &&
         (size_t)ASN1_STRING_length(msg) == digest.len &&
         memcmp(ASN1_STRING_get0_data(msg), digest.data, digest.len) == 0;
}

kyso_status kyso_ltv_ts_check(kyso_blob response, kyso_digest algorithm,
                              kyso_blob digest, kyso_blob nonce,
                              const kyso_blob *anchors, size_t anchor_count,
                              const kyso_blob *intermediates,
                              size_t intermediate_count, int64_t now,
                              uint8_t **token, size_t *token_len,
                              int64_t *gen_time, kyso_error *err) {
  kyso_status ret = KYSO_ERR_ARGUMENT;
  STACK_OF(X509) *anchor_stack = NULL, *inter_stack = NULL, *certs = NULL;
  STACK_OF(X509) *path = NULL;
  TS_RESP *resp = NULL;
  TS_TST_INFO *tst = NULL;
  CMS_ContentInfo *cms = NULL;
  CMS_SignerInfo *si;
  ASN1_OCTET_STRING **econtent;
  X509 *tsa = NULL;
  kyso_verify_ctx vctx;
  kyso_blob raw;
  const unsigned char *p;
  const char *why;
  char details[160];
  uint8_t *copy = NULL;
  int64_t gt = 0;
  long status;
  int nid, i;

  ERR_set_mark();
  if (!token || !token_len || !gen_time) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "missing argument");
    goto done;
  }
  *token = NULL;
  *token_len = 0;
  *gen_time = 0;
  ret = kyso_ltv_digest_check(algorithm, digest, &nid, err);
  if (ret != KYSO_OK)
    goto done;
  if (nonce.len != 0) {
    ret = kyso_ltv_nonce_check(nonce, err);
    if (ret != KYSO_OK)
      goto done;
  }
  if (anchor_count == 0) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                         "no trust anchors: a timestamp from an unknown TSA "
                         "proves nothing");
    goto done;
  }
  ret = certs_decode(anchors, anchor_count, "trust anchor", &anchor_stack, err);
  if (ret == KYSO_OK)
    ret = certs_decode(intermediates, intermediate_count,
                       "intermediate certificate", &inter_stack, err);
  if (ret != KYSO_OK)
    goto done;

  /* ---- decoding and status ---- */
  ret = kyso_ltv_answer_size_check(response, KYSO_LIMIT_LTV_RESPONSE_SIZE,
                                   "KYSO_LIMIT_LTV_RESPONSE_SIZE",
                                   "TimeStampResp", err);
  if (ret != KYSO_OK)
    goto done;
  p = response.data;
  resp = d2i_TS_RESP(NULL, &p, (long)response.len);
  if (!resp || p != response.data + response.len) {
    ret =
        kyso_error_set(err, KYSO_ERR_LTV_RESPONSE, "not a DER TimeStampResp%s",
                       resp ? " (bytes after it)" : "");
    goto done;
  }
  status = ASN1_INTEGER_get(
      TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(resp)));
  if (status != 0 && status != 1) {
    status_details(TS_RESP_get_status_info(resp), details, sizeof(details));
    ret = kyso_error_set(err, KYSO_ERR_LTV_RESPONSE,
                         "TSA answered %s (PKIStatus %ld)%s",
                         status_name(status), status, details);
    goto done;
  }
  if (!TS_RESP_get_token(resp) || token_bytes(response, &raw) != 0) {
    ret = kyso_error_set(err, KYSO_ERR_LTV_RESPONSE,
                         "TimeStampResp granted without a DER "
                         "timeStampToken");
    goto done;
  }
  p = raw.data;
  cms = d2i_CMS_ContentInfo(NULL, &p, (long)raw.len);
  if (!cms || p != raw.data + raw.len ||
      OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed ||
      sk_CMS_SignerInfo_num(CMS_get0_SignerInfos(cms)) != 1 ||
      OBJ_obj2nid(CMS_get0_eContentType(cms)) != NID_id_smime_ct_TSTInfo ||
      (econtent = CMS_get0_content(cms)) == NULL || !*econtent) {
    ret = kyso_error_set(err, KYSO_ERR_LTV_RESPONSE,
                         "timeStampToken is not a SignedData with one "
                         "SignerInfo over an encapsulated TSTInfo");
    goto done;
  }
  p = ASN1_STRING_get0_data(*econtent);
  tst = d2i_TS_TST_INFO(NULL, &p, ASN1_STRING_length(*econtent));
  if (!tst ||
      p != ASN1_STRING_get0_data(*econtent) + ASN1_STRING_length(*econtent) ||
      kyso_time_from_asn1(TS_TST_INFO_get_time(tst), &gt) != 0) {
    ret = kyso_error_set(err, KYSO_ERR_LTV_RESPONSE,
                         "the TSTInfo or its genTime cannot be decoded");
    goto done;
  }

  /* ---- what it is about ---- */
  if (!imprint_equal(tst, nid, digest)) {
    ret = kyso_error_set(err, KYSO_ERR_LTV_SCOPE,
                         "the TSTInfo messageImprint is not the %s digest "
                         "asked",
                         OBJ_nid2sn(nid));
    goto done;
  }
  if (nonce.len != 0 && !TS_TST_INFO_get_nonce(tst)) {
    ret = kyso_error_set(err, KYSO_ERR_LTV_NONCE,
                         "the TSTInfo carries no nonce; one was asked");
    goto done;
  }
  if (nonce.len != 0 && !nonce_equal(TS_TST_INFO_get_nonce(tst), nonce)) {
    ret = kyso_error_set(err, KYSO_ERR_LTV_NONCE,
                         "the TSTInfo nonce differs from the request's");
    goto done;
  }

  /* ---- who signed ---- */
  certs = CMS_get1_certs(cms);
  if (sk_X509_num(certs) > KYSO_LIMIT_SIG_CERTS) {
    ret = kyso_error_set(err, KYSO_ERR_LIMIT,
                         "timeStampToken carries over %d certificates",
                         KYSO_LIMIT_SIG_CERTS);
    goto done;
  }
  si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
  for (i = 0; i < sk_X509_num(certs) && !tsa; i++)
    if (CMS_SignerInfo_cert_cmp(si, sk_X509_value(certs, i)) == 0)
      tsa = sk_X509_value(certs, i);
  if (!tsa) {
    ret = kyso_error_set(err, KYSO_ERR_LTV_SIGNATURE,
                         "the TSA certificate is not in the timeStampToken "
                         "(certReq was set)");
    goto done;
  }
  /* The content digest and the signature over the signed attributes; who
   * may sign is judged below, not by OpenSSL's purpose defaults. */
  if (CMS_verify(cms, NULL, NULL, NULL, NULL,
                 CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY) != 1) {
    ret = kyso_error_set(err, KYSO_ERR_LTV_SIGNATURE,
                         "the timeStampToken's signature does not verify "
                         "with the TSA certificate");
    goto done;
  }
  if (!ess_ok(si, tsa, certs)) {
    ret = kyso_error_set(err, KYSO_ERR_LTV_SIGNATURE,
                         "the timeStampToken's signing-certificate attribute "
                         "does not name the TSA certificate (RFC 3161 "
                         "2.4.1)");
    goto done;
  }
  if (!tsa_eku_ok(tsa)) {
    ret = kyso_error_set(err, KYSO_ERR_LTV_SIGNATURE,
                         "the TSA certificate's extended key usage is not "
                         "timeStamping alone and critical (RFC 3161 2.3)");
    goto done;
  }
  memset(&vctx, 0, sizeof(vctx));
  vctx.anchors = anchor_stack;
  vctx.intermediates = inter_stack;
  why = kyso_verify_path(&vctx, tsa, certs, gt, X509_PURPOSE_TIMESTAMP_SIGN,
                         &path);
  if (why) {
    char at[32];
    kyso_time_format_utc(gt, at);
    ret = kyso_error_set(err, KYSO_ERR_LTV_SIGNATURE,
                         "the TSA certificate has no path to a trust anchor "
                         "at genTime %s (%s)",
                         at, why);
    goto done;
  }

  /* ---- when ---- */
  if (gt - KYSO_LTV_CLOCK_SKEW > now) {
    char t1[32], t2[32];
    kyso_time_format_utc(gt, t1);
    kyso_time_format_utc(now, t2);
    ret = kyso_error_set(err, KYSO_ERR_LTV_STALE,
                         "timestamp genTime %s is after the time %s", t1, t2);
    goto done;
  }

  copy = malloc(raw.len);
  if (!copy) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  memcpy(copy, raw.data, raw.len);
  *token = copy;
  *token_len = raw.len;
  *gen_time = gt;
  ret = KYSO_OK;
done:
  sk_X509_pop_free(path, X509_free);
  sk_X509_pop_free(certs, X509_free);
  CMS_ContentInfo_free(cms);
  TS_TST_INFO_free(tst);
  TS_RESP_free(resp);
  sk_X509_pop_free(anchor_stack, X509_free);
  sk_X509_pop_free(inter_stack, X509_free);
  ERR_pop_to_mark();
  return ret;
}
