/*
 * ltv_request.c - the requests long-term validation sends: an OCSP request
 * (RFC 6960 4.1.1) and an RFC 3161 TimeStampReq (2.4.1), both built with
 * OpenSSL's own OCSP and TS code so they read exactly as `openssl ocsp` and
 * `openssl ts -query` write them.
 *
 * The nonces come from the caller: the core draws no random numbers.
 */
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/ts.h>
#include <stdlib.h>
#include <string.h>

#include "ltv/ltv_cert.h"

/* Copies an i2d result (len bytes at der, OPENSSL_malloc'd) into a
 * malloc'd *out: the caller frees outputs with kyso_ltv_request_free
 * whichever allocator OpenSSL uses. */
static kyso_status take_der(unsigned char *der, int len, uint8_t **out,
                            size_t *out_len, kyso_error *err) {
  uint8_t *copy;
  if (!der || len <= 0)
    return kyso_error_set(err, KYSO_ERR_CRYPTO, "request cannot be encoded");
  copy = malloc((size_t)len);
  if (!copy)
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  memcpy(copy, der, (size_t)len);
  *out = copy;
  *out_len = (size_t)len;
  return KYSO_OK;
}

kyso_status kyso_ltv_ocsp_request_new(kyso_blob cert, kyso_blob issuer,
                                      kyso_blob nonce, uint8_t **out,
                                      size_t *out_len, kyso_error *err) {
  kyso_status ret = KYSO_ERR_ARGUMENT;
  X509 *x = NULL, *xi = NULL;
  OCSP_CERTID *id = NULL;
  OCSP_REQUEST *req = NULL;
  unsigned char *der = NULL;
  int der_len = 0;

  ERR_set_mark();
  if (!out || !out_len) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "missing argument");
    goto done;
  }
  *out = NULL;
  *out_len = 0;
  ret = kyso_ltv_nonce_check(nonce, err);
  if (ret != KYSO_OK)
    goto done;
  /* Names and key identifiers only, not the signature: a wrong issuer
   * would make a CertID the responder does not know ("unknown"). */
  ret = kyso_ltv_pair_match(cert, issuer, &x, &xi, err);
  if (ret != KYSO_OK)
    goto done;
  /* SHA-1 CertID: RFC 6960 B.1 examples and RFC 5019 2.1.1; responders
   * index by it, and a SHA-256 CertID gets "unknown" from many. */
  id = OCSP_cert_to_id(EVP_sha1(), x, xi);
  req = OCSP_REQUEST_new();
  if (!id || !req) {
    ret = kyso_error_set(err, KYSO_ERR_CRYPTO, "OCSP CertID cannot be made");
    goto done;
  }
  if (!OCSP_request_add0_id(req, id)) {
    ret = kyso_error_set(err, KYSO_ERR_CRYPTO, "OCSP request cannot be made");
    goto done;
  }
  id = NULL; /* req owns it */
  /* The nonce as RFC 8954 2.1 wants it: an OCTET STRING inside extnValue.
   * The length is at most KYSO_LTV_NONCE_MAX. */
  if (!OCSP_request_add1_nonce(req, (unsigned char *)nonce.data,
                               (int)nonce.len)) {
    ret = kyso_error_set(err, KYSO_ERR_CRYPTO, "OCSP nonce cannot be added");
    goto done;
  }
  der_len = i2d_OCSP_REQUEST(req, &der);
  ret = take_der(der, der_len, out, out_len, err);
done:
  OPENSSL_free(der);
  OCSP_REQUEST_free(req);
  OCSP_CERTID_free(id);
  X509_free(xi);
  X509_free(x);
  ERR_pop_to_mark();
  return ret;
}

kyso_status kyso_ltv_ts_request_new(kyso_digest algorithm, kyso_blob digest,
                                    kyso_blob nonce, uint8_t **out,
                                    size_t *out_len, kyso_error *err) {
  kyso_status ret = KYSO_ERR_ARGUMENT;
  TS_REQ *req = NULL;
  TS_MSG_IMPRINT *imprint = NULL;
  X509_ALGOR *alg = NULL;
  BIGNUM *bn = NULL;
  ASN1_INTEGER *n = NULL;
  unsigned char *der = NULL;
  int der_len = 0, nid;

  ERR_set_mark();
  if (!out || !out_len) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "missing argument");
    goto done;
  }
  *out = NULL;
  *out_len = 0;
  ret = kyso_ltv_digest_check(algorithm, digest, &nid, err);
  if (ret != KYSO_OK)
    goto done;
  ret = kyso_ltv_nonce_check(nonce, err);
  if (ret != KYSO_OK)
    goto done;
  ret = KYSO_ERR_CRYPTO;
  req = TS_REQ_new();
  imprint = TS_MSG_IMPRINT_new();
  alg = X509_ALGOR_new();
  /* The nonce length is at most KYSO_LTV_NONCE_MAX. */
  bn = BN_bin2bn(nonce.data, (int)nonce.len, NULL);
  if (!req || !imprint || !alg || !bn) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  n = BN_to_ASN1_INTEGER(bn, NULL);
  /* Parameters NULL, as `openssl ts -query` writes them: some TSAs refuse
   * the absent form. */
  if (!n || !X509_ALGOR_set0(alg, OBJ_nid2obj(nid), V_ASN1_NULL, NULL) ||
      !TS_MSG_IMPRINT_set_algo(imprint, alg) ||
      !TS_MSG_IMPRINT_set_msg(imprint, (unsigned char *)digest.data,
                              (int)digest.len) ||
      !TS_REQ_set_version(req, 1) || !TS_REQ_set_msg_imprint(req, imprint) ||
      !TS_REQ_set_nonce(req, n) || !TS_REQ_set_cert_req(req, 1)) {
    ret = kyso_error_set(err, KYSO_ERR_CRYPTO,
                         "timestamp request cannot be made");
    goto done;
  }
  der_len = i2d_TS_REQ(req, &der);
  ret = take_der(der, der_len, out, out_len, err);
done:
  OPENSSL_free(der);
  ASN1_INTEGER_free(n);
  BN_free(bn);
  X509_ALGOR_free(alg);
  TS_MSG_IMPRINT_free(imprint);
  TS_REQ_free(req);
  ERR_pop_to_mark();
  return ret;
}

void kyso_ltv_request_free(uint8_t *request) {
  free(request);
}
