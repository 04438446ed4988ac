/*
 * ltv_cert.c - decoding a certificate handed to the ltv layer, and the
 * arguments requests and answer checks share (see ltv_cert.h).
 */
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "ltv/ltv_cert.h"

kyso_status kyso_ltv_cert_decode(kyso_blob cert, const char *what, X509 **out,
                                 kyso_error *err) {
  kyso_status ret = KYSO_ERR_ARGUMENT;
  const unsigned char *p = cert.data;
  X509 *x = NULL;

  ERR_set_mark();
  if (!out) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "missing argument");
    goto done;
  }
  if (!cert.data || cert.len == 0) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "no %s given", what);
    goto done;
  }
  if (cert.len > KYSO_LIMIT_LTV_CERT_SIZE) {
    ret = kyso_error_set(err, KYSO_ERR_LIMIT,
                         "%s of %zu bytes exceeds KYSO_LIMIT_LTV_CERT_SIZE "
                         "(%zu)",
                         what, cert.len, KYSO_LIMIT_LTV_CERT_SIZE);
    goto done;
  }
  /* The limit keeps the length far below LONG_MAX. */
  x = d2i_X509(NULL, &p, (long)cert.len);
  if (!x) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                         "%s is not a DER X.509 certificate", what);
    goto done;
  }
  if (p != cert.data + cert.len) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "%zu bytes after the %s's DER",
                         (size_t)(cert.data + cert.len - p), what);
    goto done;
  }
  *out = x;
  x = NULL;
  ret = KYSO_OK;
done:
  X509_free(x);
  ERR_pop_to_mark();
  return ret;
}

kyso_status kyso_ltv_nonce_check(kyso_blob nonce, kyso_error *err) {
  if (!nonce.data || nonce.len < KYSO_LTV_NONCE_MIN ||
      nonce.len > KYSO_LTV_NONCE_MAX)
    return kyso_error_set(err, KYSO_ERR_ARGUMENT,
                          "nonce of %zu bytes: %d to %d needed", nonce.len,
                          KYSO_LTV_NONCE_MIN, KYSO_LTV_NONCE_MAX);
  return KYSO_OK;
}

kyso_status kyso_ltv_digest_check(kyso_digest algorithm, kyso_blob digest,
                                  int *nid, kyso_error *err) {
  size_t want;

  switch (algorithm) {
  case KYSO_DIGEST_SHA256: *nid = NID_sha256, want = 32; break;
  case KYSO_DIGEST_SHA384: *nid = NID_sha384, want = 48; break;
  case KYSO_DIGEST_SHA512: *nid = NID_sha512, want = 64; break;
  default:
    return kyso_error_set(err, KYSO_ERR_ARGUMENT, "unknown digest algorithm %d",
                          (int)algorithm);
  }
  if (!digest.data || digest.len != want)
    return kyso_error_set(err, KYSO_ERR_ARGUMENT,
                          "digest of %zu bytes: %s needs %zu", digest.len,
                          OBJ_nid2sn(*nid), want);
  return KYSO_OK;
}

kyso_status kyso_ltv_pair_match(kyso_blob cert, kyso_blob issuer, X509 **x,
                                X509 **xi, kyso_error *err) {
  kyso_status ret;
  X509 *c = NULL, *i = NULL;
  int check;

  ERR_set_mark();
  ret = kyso_ltv_cert_decode(cert, "certificate", &c, err);
  if (ret != KYSO_OK)
    goto done;
  ret = kyso_ltv_cert_decode(issuer, "issuer certificate", &i, err);
  if (ret != KYSO_OK)
    goto done;
  /* A CA without keyCertSign still issued it as far as an answer is
   * concerned; the path check judges that. */
  check = X509_check_issued(i, c);
  if (check != X509_V_OK && check != X509_V_ERR_KEYUSAGE_NO_CERTSIGN) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                         "issuer certificate did not issue the certificate "
                         "(%s)",
                         X509_verify_cert_error_string(check));
    goto done;
  }
  *x = c;
  *xi = i;
  c = i = NULL;
done:
  X509_free(c);
  X509_free(i);
  ERR_pop_to_mark();
  return ret;
}
