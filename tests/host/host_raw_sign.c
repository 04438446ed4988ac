/*
 * host_raw_sign.c - the baseline for bench/host: N signatures over the same
 * SignedAttributes with the token directly (the shared libp11 wrapper, one
 * login), timed; prints two times in seconds: the signing loop alone, and
 * the whole PKCS#11 session (load the module, find the token, log in, find
 * the key, sign N times): the host keeps its modules loaded, so it does all
 * of that per batch but the load.
 *
 *   host_raw_sign MODULE TOKEN_LABEL PIN ATTRS.der N
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "kyso/token.h"

int main(int argc, char **argv) {
  kyso_token *t = NULL;
  kyso_error err;
  uint8_t attrs[16384], *sig = NULL;
  size_t len, sig_len;
  FILE *f;
  int i, n, ret = 1;
  struct timespec s0, a, b;

  if (argc != 6)
    return 2;
  f = fopen(argv[4], "rb");
  len = f ? fread(attrs, 1, sizeof(attrs), f) : 0;
  if (f)
    fclose(f);
  n = atoi(argv[5]);
  clock_gettime(CLOCK_MONOTONIC, &s0);
  if (kyso_token_open(argv[1], &t, &err) != KYSO_OK ||
      kyso_token_select(t, argv[2], &err) != KYSO_OK ||
      kyso_token_login(t, argv[3], &err) != KYSO_OK ||
      kyso_token_pick_key(t, NULL, &err) != KYSO_OK) {
    fprintf(stderr, "host_raw_sign: %s\n", err.message);
    goto done;
  }
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (i = 0; i < n; i++) {
    if (kyso_token_sign(t, KYSO_DIGEST_SHA256, KYSO_SCHEME_RSA_PKCS1, attrs,
                        len, &sig, &sig_len, &err) != KYSO_OK) {
      fprintf(stderr, "host_raw_sign: %s\n", err.message);
      goto done;
    }
    free(sig);
    sig = NULL;
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("%.6f %.6f\n",
         (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9,
         (double)(b.tv_sec - s0.tv_sec) + (b.tv_nsec - s0.tv_nsec) / 1e9);
  ret = 0;

done:
  kyso_token_close(t);
  return ret;
}
