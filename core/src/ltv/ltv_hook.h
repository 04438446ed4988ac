/*
 * ltv_hook.h - how kyso_ltv_collect (ltv_collect.c) watches a verification
 * (private to the core).
 *
 * kyso_ltv_collect runs the verifier itself, with a recorder in the
 * verification context (kyso_verify_ctx.ltv): every certificate path the
 * verifier builds for a signer or a TSA (kyso_verify_path_ex) is handed to
 * kyso_ltv_hook_path, so the list of certificates needing revocation data
 * is exactly the paths the verifier judges, never a second opinion. After
 * the stages, kyso_ltv_hook_finish asks the REVOCATION stage's own
 * judgement (kyso_revocation_good) for each of them and reads each
 * signature's /VRI key. kyso_verify runs with no recorder and pays nothing.
 */
#ifndef KYSO_LTV_HOOK_H
#define KYSO_LTV_HOOK_H

#include "verify/verify_internal.h"

/* The verification, as kyso_verify, with a recorder (NULL: none). */
kyso_status kyso_verify_recorded(const uint8_t *pdf, size_t len,
                                 const kyso_verify_options *options,
                                 kyso_ltv_hook *hook, kyso_report **out,
                                 kyso_error *err);

/* Called by kyso_verify_path_ex after OpenSSL built (or failed to build)
 * the path of cert in sctx; records it when it is the path of the current
 * signature's signer (ctx->ltv_st) or of a TSA (X509_PURPOSE_TIMESTAMP_
 * SIGN). untrusted: the document's certificates given for the path (CMS
 * or token). verified: OpenSSL accepted the path; only such a path counts
 * as reaching a trust anchor (a certificate that copies an anchor's name
 * and key identifier but is not signed by it must not). Memory failures
 * are kept in the recorder and reported by kyso_ltv_hook_finish. */
void kyso_ltv_hook_path(kyso_verify_ctx *ctx, X509 *cert, X509_STORE_CTX *sctx,
                        STACK_OF(X509) *untrusted, int64_t t, int purpose,
                        int verified);

/* After every signature's stages (states[0..count), the report's order):
 * signatures' VRI keys and times, revocation judged, in-document flags. */
kyso_status kyso_ltv_hook_finish(kyso_verify_ctx *ctx, kyso_sig_state *states,
                                 size_t count, kyso_error *err);

/* Forgets what was recorded (kyso_verify reads a damaged file twice). */
void kyso_ltv_hook_reset(kyso_ltv_hook *hook);

/* verify_revocation.c: 1 when the document's revocation data (the DSS,
 * st's adbe-revocationInfoArchival, and ctx's supplied data if any) holds
 * usable evidence that cert, issued by issuer, was not revoked, judged at
 * time t as the REVOCATION stage judges (same code); else 0. Also 0 when
 * issuer is NULL or memory runs out. */
int kyso_revocation_good(kyso_verify_ctx *ctx, kyso_sig_state *st, X509 *cert,
                         X509 *issuer, int64_t t);

#endif
