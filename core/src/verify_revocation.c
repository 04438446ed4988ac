/* verify_revocation.c - placeholder until the revocation stage lands. */
#include "verify_internal.h"

kyso_status kyso_verify_revocation(kyso_verify_ctx *ctx, kyso_sig_state *st,
                                   kyso_error *err) {
  return KYSO_OK;
}

kyso_status kyso_dss_load(kyso_verify_ctx *ctx, kyso_error *err) {
  return KYSO_OK;
}

void kyso_dss_free(kyso_dss *dss) {
  sk_X509_pop_free(dss->certs, X509_free);
  sk_X509_CRL_pop_free(dss->crls, X509_CRL_free);
  sk_OCSP_RESPONSE_pop_free(dss->ocsps, OCSP_RESPONSE_free);
  dss->certs = NULL;
  dss->crls = NULL;
  dss->ocsps = NULL;
}
