/*
 * trust_load.h - certificates for the verifier from files: a PEM or DER
 * file, or every *.pem / *.crt / *.cer / *.der file of a directory.
 * Self-signed certificates become trust anchors, the others intermediates
 * (a sub-CA is trusted only through its root).
 */
#ifndef KYSO_CLI_TRUST_LOAD_H
#define KYSO_CLI_TRUST_LOAD_H

#include "kyso/sign.h"
#include "kyso/status.h"

typedef struct kyso_trust_set {
  kyso_blob *anchors;
  size_t anchor_count;
  kyso_blob *intermediates;
  size_t intermediate_count;
} kyso_trust_set;

/* Adds the certificates of path (file or directory). No certificate at
 * all in path: KYSO_ERR_ARGUMENT. */
kyso_status kyso_trust_load(kyso_trust_set *set, const char *path,
                            kyso_error *err);

/* Where the bundled Vietnamese roots are (installed copy first, then the
 * source tree); NULL when neither exists. */
const char *kyso_trust_default_dir(void);

void kyso_trust_free(kyso_trust_set *set);

#endif
