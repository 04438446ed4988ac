/*
 * kw.h - what the WASM glue's files share (wasm/src), private.
 *
 * The glue flattens the core's signing and verification calls for
 * JavaScript: plain integers and pointers into the module's memory, no
 * structs crossing the boundary; used only by js/kyso-worker.js. Every call
 * that can fail returns 0 / NULL and leaves the stable status name and the
 * message (the ones the CLI prints as "kyso: CODE: message") in
 * kw_error_code / kw_error_message. Nothing here prints, reads a clock or
 * touches a file: the caller gives the time and every byte.
 */
#ifndef KYSO_WASM_KW_H
#define KYSO_WASM_KW_H

#include <emscripten/emscripten.h>
#include <stddef.h>

#include "kyso/sign.h"
#include "kyso/status.h"

#define KW_EXPORT EMSCRIPTEN_KEEPALIVE

enum {
  KW_TRUST_MAX = 4096,          /* certificates in one trust set */
  KW_TRUST_INPUT_MAX = 4 << 20, /* bytes of one PEM/DER input */
  KW_CHAIN_MAX = 16,            /* issuer certificates for signing */
  KW_TEXT_MAX = 4096            /* bytes of one text option */
};

/* The last call's error (kw_common.c). */
extern kyso_error kw_last_error;

/* Records status and message as the last error; returns NULL. */
void *kw_fail(kyso_status status, const char *message);

/* Trust anchors and intermediates (kw_trust.c), owned DER copies. */
typedef struct kw_trust {
  kyso_blob *anchors;
  size_t anchor_count;
  kyso_blob *intermediates;
  size_t intermediate_count;
} kw_trust;

/* Validation data from outside the document (kw_ltv.c): certificates
 * (untrusted, for paths only), CRLs and OCSP responses, owned DER copies,
 * KW_EXTRA_MAX of each kind. Verification uses them as extra data
 * (kyso_verify_options.intermediates / extra_crls / extra_ocsps); signing
 * embeds them in the DSS. */
enum { KW_EXTRA_CERT = 0, KW_EXTRA_CRL = 1, KW_EXTRA_OCSP = 2 };
enum { KW_EXTRA_KINDS = 3, KW_EXTRA_MAX = 1000 };

typedef struct kw_extra {
  kyso_blob *item[KW_EXTRA_KINDS];
  size_t count[KW_EXTRA_KINDS];
  int fetched; /* 1: fetched now; 0: loaded by the user (the report's
                  revocation_evidence source) */
} kw_extra;

/* t's intermediates followed by x's certificates (either may be NULL): a
 * new array of borrowed blobs in *out (free() it; NULL when there are
 * none). 0 and kw_last_error set when out of memory. */
int kw_paths_certs(const kw_trust *t, const kw_extra *x, kyso_blob **out,
                   size_t *count);

#endif
