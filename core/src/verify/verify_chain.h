/*
 * verify_chain.h - certificate paths for the verifier (private).
 *
 * kyso_verify_path (verify_internal.h) answers with a reason code only;
 * kyso_verify_path_ex also says which certificate is at fault and why, so
 * a report can name it ("the sub-CA expired on ..."). Both build the path
 * with OpenSSL at the time given, from the caller's certificates, the
 * options' intermediates and the DSS, to one of ctx->anchors. Revocation is
 * not looked at here (verify_revocation.c does it).
 */
#ifndef KYSO_VERIFY_CHAIN_H
#define KYSO_VERIFY_CHAIN_H

#include "verify/verify_internal.h"

enum { KYSO_PATH_NAME_MAX = 128 };

typedef struct kyso_path_result {
  const char *reason; /* NULL when the path is good; else as
                         kyso_verify_path */
  int error;          /* X509_V_ERR_* behind reason (X509_V_OK if none) */
  int depth;          /* position on the path of the certificate at fault:
                         0 is cert itself; -1 when unknown */
  char name[KYSO_PATH_NAME_MAX]; /* its CN (else its subject), "" if
                                    unknown */
  int has_validity;              /* not_before/not_after are set */
  int64_t not_before;            /* its validity, seconds UTC */
  int64_t not_after;
} kyso_path_result;

/*
 * As kyso_verify_path, with the details in *res. A certificate outside its
 * validity at t does not stop the path being built: the reason is then
 * "certificate_expired" or "certificate_not_yet_valid" and *path is still
 * set (caller frees). For every other failure *path is NULL.
 */
void kyso_verify_path_ex(kyso_verify_ctx *ctx, X509 *cert,
                         STACK_OF(X509) *untrusted, int64_t t, int purpose,
                         STACK_OF(X509) **path, kyso_path_result *res);

/* The CN of a name (else its RFC 2253 form) into out, UTF-8, truncated. */
void kyso_name_short(const X509_NAME *name, char *out, size_t size);

#endif
