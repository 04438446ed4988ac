/*
 * ltv_cert.c - decoding a certificate handed to the ltv layer.
 */
#include <openssl/err.h>

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
