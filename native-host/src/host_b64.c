/* host_b64.c - base64 for the protocol; see host_b64.h. */
#include "host_b64.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

size_t host_b64_length(size_t n) {
  return 4 * ((n + 2) / 3);
}

char *host_b64_encode(const uint8_t *p, size_t n) {
  char *out;

  if (n > (size_t)0x7fffffff / 4 * 3)
    return NULL; /* EVP_EncodeBlock counts in int */
  out = malloc(host_b64_length(n) + 1);
  if (out)
    EVP_EncodeBlock((unsigned char *)out, p, (int)n);
  return out;
}

uint8_t *host_b64_decode(const char *s, size_t max, size_t *out_len) {
  size_t n = strlen(s), i, pad = 0;
  uint8_t *out;
  int got;

  if (n == 0 || n % 4 != 0 || n / 4 * 3 > max + 2)
    return NULL;
  for (i = 0; i < n; i++) {
    char c = s[i];
    int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
             (c >= '0' && c <= '9') || c == '+' || c == '/';
    if (c == '=' && i >= n - 2) {
      pad++;
      continue;
    }
    if (!ok || pad)
      return NULL;
  }
  out = malloc(n / 4 * 3 + 1);
  if (!out)
    return NULL;
  got = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);
  if (got < 0 || (size_t)got < pad || (size_t)got - pad > max) {
    free(out);
    return NULL;
  }
  *out_len = (size_t)got - pad;
  return out;
}
