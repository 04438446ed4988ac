/* verify_chain.c - placeholder until the chain stage lands: runs nothing,
 * so its checks stay NOT_RUN and no signature can pass. */
#include "verify_internal.h"

kyso_status kyso_verify_chain(kyso_verify_ctx *ctx, kyso_sig_state *st,
                              kyso_error *err) {
  return KYSO_OK;
}

const char *kyso_verify_path(kyso_verify_ctx *ctx, X509 *cert,
                             STACK_OF(X509) * untrusted, int64_t t, int purpose,
                             STACK_OF(X509) * *path) {
  *path = NULL;
  return "no_certificate_chain_found";
}
