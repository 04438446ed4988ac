/* verify_cms.c - placeholder until the CMS stage lands: runs nothing, so
 * its checks stay NOT_RUN and no signature can pass. */
#include "verify_internal.h"

kyso_status kyso_verify_cms(kyso_verify_ctx *ctx, kyso_sig_state *st,
                            kyso_error *err) {
  return KYSO_OK;
}
