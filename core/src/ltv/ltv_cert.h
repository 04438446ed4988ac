/*
 * ltv_cert.h - decoding a certificate handed to the ltv layer (private).
 */
#ifndef KYSO_LTV_CERT_H
#define KYSO_LTV_CERT_H

#include <openssl/x509.h>

#include "kyso/ltv.h"

/* Decodes cert (DER, at most KYSO_LIMIT_LTV_CERT_SIZE bytes, nothing after
 * it) into *out (X509_free). what names it in messages ("certificate",
 * "issuer certificate"). KYSO_ERR_LIMIT when too large, KYSO_ERR_ARGUMENT
 * when empty or not a certificate. */
kyso_status kyso_ltv_cert_decode(kyso_blob cert, const char *what, X509 **out,
                                 kyso_error *err);

#endif
