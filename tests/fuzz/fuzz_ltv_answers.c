/*
 * fuzz_ltv_answers.c - libFuzzer target: any bytes through the three answer
 * checks of kyso/ltv.h (kyso_ltv_ocsp_check, kyso_ltv_crl_check,
 * kyso_ltv_ts_check), as a responder, a CRL server or a TSA could send
 * them. Must never crash, leak or read out of bounds, and what it accepts
 * must be sane: a status of the enum, times that passed the currency rule,
 * and for a timestamp a token that is the response's own trailing bytes.
 *
 * Input: the first octet picks the check (mod 3: OCSP, CRL, timestamp), the
 * second the nonce asked (0: none, else a fixed 16-octet one), the rest is
 * the answer. The certificates and the time judged at are fixed
 * (fuzz_ltv_certs.h, made with the seeds by make_ltv_seeds.sh) so that the
 * seeds, real `openssl ocsp`, `openssl ca -gencrl` and `openssl ts -reply`
 * answers, reach the signature and scope checks.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_ltv_certs.h"
#include "kyso/ltv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t nonce_bytes[16] = {0x6b, 0x79, 0x73, 0x6f, 0x20, 0x66,
                                        0x75, 0x7a, 0x7a, 0x20, 0x6e, 0x6f,
                                        0x6e, 0x63, 0x65, 0x21};

static void answer_sane(const kyso_ltv_answer *a, int64_t now) {
  if (a->status != KYSO_LTV_GOOD && a->status != KYSO_LTV_REVOKED &&
      a->status != KYSO_LTV_UNKNOWN)
    abort();
  if (a->this_update > now + KYSO_LTV_CLOCK_SKEW)
    abort();
  if (a->next_update != 0 && a->next_update + KYSO_LTV_CLOCK_SKEW < now)
    abort();
  if (a->status != KYSO_LTV_REVOKED &&
      (a->revocation_time != 0 || a->revocation_reason != -1))
    abort();
  if (a->revocation_reason < -1 || a->revocation_reason > 10)
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  kyso_blob leaf = {fuzz_ltv_leaf, sizeof(fuzz_ltv_leaf)};
  kyso_blob root = {fuzz_ltv_root, sizeof(fuzz_ltv_root)};
  kyso_blob tsa_root = {fuzz_ltv_tsaroot, sizeof(fuzz_ltv_tsaroot)};
  kyso_blob nonce = {NULL, 0}, answer;
  static const uint8_t digest[32] = {
      0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
      0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
      0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11};
  kyso_blob d = {digest, sizeof(digest)};
  kyso_ltv_answer a;
  kyso_error err;
  int64_t now = (int64_t)fuzz_ltv_now;
  uint8_t *token = NULL;
  size_t token_len = 0;
  int64_t gen_time = 0;

  if (size < 2)
    return 0;
  if (data[1] != 0) {
    nonce.data = nonce_bytes;
    nonce.len = sizeof(nonce_bytes);
  }
  answer.data = data + 2;
  answer.len = size - 2;
  switch (data[0] % 3) {
  case 0:
    if (kyso_ltv_ocsp_check(answer, leaf, root, nonce, now, &a, &err) ==
        KYSO_OK) {
      answer_sane(&a, now);
      if (a.nonce_echoed && nonce.len == 0)
        abort();
    }
    break;
  case 1:
    if (kyso_ltv_crl_check(answer, leaf, root, now, &a, &err) == KYSO_OK) {
      answer_sane(&a, now);
      if (a.status == KYSO_LTV_UNKNOWN || a.next_update == 0 ||
          a.produced_at != a.this_update || a.delegated || a.nonce_echoed)
        abort();
    }
    break;
  default:
    if (kyso_ltv_ts_check(answer, KYSO_DIGEST_SHA256, d, nonce, &tsa_root, 1,
                          NULL, 0, now, &token, &token_len, &gen_time,
                          &err) == KYSO_OK) {
      /* the token is the response's own last element, byte for byte */
      if (!token || token_len == 0 || token_len >= answer.len ||
          memcmp(answer.data + answer.len - token_len, token, token_len) != 0 ||
          gen_time > now + KYSO_LTV_CLOCK_SKEW)
        abort();
    } else if (token || token_len || gen_time) {
      abort(); /* outputs touched on failure */
    }
    kyso_ltv_request_free(token);
    break;
  }
  return 0;
}
