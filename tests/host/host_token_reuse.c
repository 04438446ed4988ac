/*
 * host_token_reuse.c - one kyso_token kept open across logins, the way
 * kyso-host keeps its modules loaded: each login ends with
 * kyso_token_logout, after which the token wants the PIN again (libp11
 * alone would skip C_Login and accept any PIN); kyso_token_rescan sees a
 * token deleted under the loaded module.
 *
 *   host_token_reuse MODULE TOKEN_LABEL PIN ATTRS.der
 *
 * Deletes the token at the end (softhsm2-util --delete-token): run it on a
 * test token only (token_reuse_test.sh).
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kyso/token.h"

#define ATTRS_MAX 16384

typedef struct fixture {
  const char *module;
  const char *label;
  const char *pin;
  uint8_t attrs[ATTRS_MAX];
  size_t attrs_len;
} fixture;

/* Selects the token, logs in with pin, picks the key and signs once. */
static kyso_status login_and_sign(kyso_token *t, const fixture *f,
                                  const char *pin) {
  kyso_error err;
  kyso_status s;
  uint8_t *sig = NULL;
  size_t sig_len = 0;

  s = kyso_token_select(t, f->label, &err);
  if (s == KYSO_OK)
    s = kyso_token_login(t, pin, &err);
  if (s == KYSO_OK)
    s = kyso_token_pick_key(t, NULL, &err);
  if (s == KYSO_OK)
    s = kyso_token_sign(t, KYSO_DIGEST_SHA256, KYSO_SCHEME_RSA_PKCS1, f->attrs,
                        f->attrs_len, &sig, &sig_len, &err);
  if (s == KYSO_OK)
    CHECK(sig_len == 256);
  free(sig);
  return s;
}

static void logins_do_not_outlive_logout(kyso_token *t, const fixture *f) {
  kyso_error err;

  CHECK_EQ_INT(login_and_sign(t, f, f->pin), KYSO_OK);
  /* still logged in: a second login must not go through libp11's skip */
  CHECK_EQ_INT(kyso_token_login(t, "00000000", &err), KYSO_ERR_STATE);
  CHECK_EQ_INT(kyso_token_logout(t, &err), KYSO_OK);
  CHECK(kyso_token_get_cert(t) == NULL);
  CHECK_EQ_INT(login_and_sign(t, f, "00000000"), KYSO_ERR_TOKEN_PIN_INCORRECT);
  CHECK_EQ_INT(kyso_token_logout(t, &err), KYSO_OK);
  CHECK_EQ_INT(login_and_sign(t, f, f->pin), KYSO_OK);
  CHECK_EQ_INT(kyso_token_logout(t, &err), KYSO_OK);
  CHECK_EQ_INT(kyso_token_logout(t, &err), KYSO_OK); /* without a login */
}

static void rescan_sees_a_deleted_token(kyso_token *t, const fixture *f) {
  kyso_error err;
  char cmd[512];
  kyso_status s;

  CHECK_EQ_INT(kyso_token_rescan(t, &err), KYSO_OK);
  CHECK_EQ_INT(kyso_token_select(t, f->label, &err), KYSO_OK);
  snprintf(cmd, sizeof(cmd),
           "softhsm2-util --delete-token --token '%s' >/dev/null", f->label);
  CHECK_EQ_INT(system(cmd), 0);
  /* SoftHSM2 fails the whole slot list for a token deleted under it;
   * a module that hot-plugs would list the slot without it. */
  s = kyso_token_rescan(t, &err);
  if (s == KYSO_OK)
    s = kyso_token_select(t, f->label, &err);
  CHECK(s == KYSO_ERR_TOKEN_MODULE || s == KYSO_ERR_TOKEN_NOT_FOUND);
  CHECK(kyso_token_get_label(t) == NULL);
}

int main(int argc, char **argv) {
  static fixture f;
  kyso_token *t = NULL;
  kyso_error err;
  FILE *in;

  if (argc != 5) {
    fprintf(stderr, "usage: host_token_reuse MODULE LABEL PIN ATTRS\n");
    return 2;
  }
  f.module = argv[1];
  f.label = argv[2];
  f.pin = argv[3];
  in = fopen(argv[4], "rb");
  f.attrs_len = in ? fread(f.attrs, 1, sizeof(f.attrs), in) : 0;
  if (in)
    fclose(in);
  CHECK(f.attrs_len > 0);
  CHECK_EQ_INT(kyso_token_open(f.module, &t, &err), KYSO_OK);
  if (t) {
    logins_do_not_outlive_logout(t, &f);
    rescan_sees_a_deleted_token(t, &f);
  }
  kyso_token_close(t);
  t = NULL;
  /* a fresh load agrees: the token is gone */
  CHECK_EQ_INT(kyso_token_open(f.module, &t, &err), KYSO_OK);
  if (t)
    CHECK_EQ_INT(kyso_token_select(t, f.label, &err), KYSO_ERR_TOKEN_NOT_FOUND);
  kyso_token_close(t);
  return check_summary();
}
