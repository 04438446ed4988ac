/* verify_hash.c - signed byte ranges hashed once per file; see
 * verify_hash.h. */
#include "verify/verify_hash.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

enum { RANGE_HASH_ALGORITHMS = 4 }; /* digests running at once */

typedef struct running {
  const char *name;
  EVP_MD *md;
  EVP_MD_CTX *ctx; /* the digest of data[0, pos) so far */
  size_t pos;
} running;

struct kyso_range_hash {
  const uint8_t *data;
  size_t len;
  running run[RANGE_HASH_ALGORITHMS];
  size_t count;
};

kyso_range_hash *kyso_range_hash_new(const uint8_t *data, size_t len) {
  kyso_range_hash *h = calloc(1, sizeof(*h));
  if (h) {
    h->data = data;
    h->len = len;
  }
  return h;
}

void kyso_range_hash_free(kyso_range_hash *h) {
  size_t i;
  if (!h)
    return;
  for (i = 0; i < h->count; i++) {
    EVP_MD_CTX_free(h->run[i].ctx);
    EVP_MD_free(h->run[i].md);
  }
  free(h);
}

/* The running digest for md, started on first use; NULL when there is no
 * room or OpenSSL fails. */
static running *running_for(kyso_range_hash *h, const char *name) {
  running *r = NULL;
  size_t i;

  for (i = 0; i < h->count && !r; i++)
    if (strcmp(h->run[i].name, name) == 0)
      r = &h->run[i];
  if (r || h->count == RANGE_HASH_ALGORITHMS)
    goto done;
  r = &h->run[h->count];
  r->md = EVP_MD_fetch(NULL, name, NULL);
  r->ctx = EVP_MD_CTX_new();
  if (!r->md || !r->ctx || (EVP_MD_get_flags(r->md) & EVP_MD_FLAG_XOF) ||
      EVP_DigestInit_ex(r->ctx, r->md, NULL) != 1) {
    EVP_MD_CTX_free(r->ctx);
    EVP_MD_free(r->md);
    memset(r, 0, sizeof(*r));
    r = NULL;
    goto done;
  }
  r->name = name;
  r->pos = 0;
  h->count++;
done:
  return r;
}

/* Moves r to byte `to`, restarting from 0 when it is already past it (a
 * signature met out of file order). 1 on success. */
static int running_advance(kyso_range_hash *h, running *r, size_t to) {
  int ok = 1;
  if (to < r->pos) {
    ok = EVP_DigestInit_ex(r->ctx, r->md, NULL) == 1;
    r->pos = 0;
  }
  if (ok && to > r->pos)
    ok = EVP_DigestUpdate(r->ctx, h->data + r->pos, to - r->pos) == 1;
  if (ok)
    r->pos = to;
  return ok;
}

int kyso_range_hash_get(kyso_range_hash *h, const char *algorithm,
                        const kyso_blob *parts, size_t n, uint8_t *out,
                        size_t *out_len) {
  int ok = 0;
  running *r;
  EVP_MD_CTX *c = NULL;
  unsigned int len = 0;
  size_t a, b;

  if (!h || !algorithm || n != 2)
    goto done;
  /* parts[0] is data[0, a), parts[1] data[b, b + len) with a <= b. */
  if (parts[0].data != h->data || parts[0].len > h->len ||
      parts[1].data < h->data || parts[1].data > h->data + h->len)
    goto done;
  a = parts[0].len;
  b = (size_t)(parts[1].data - h->data);
  if (b < a || parts[1].len > h->len - b)
    goto done;
  r = running_for(h, algorithm);
  if (!r || !running_advance(h, r, a))
    goto done;
  c = EVP_MD_CTX_new();
  if (!c || EVP_MD_CTX_copy_ex(c, r->ctx) != 1 ||
      (parts[1].len > 0 &&
       EVP_DigestUpdate(c, parts[1].data, parts[1].len) != 1) ||
      EVP_DigestFinal_ex(c, out, &len) != 1)
    goto done;
  *out_len = len;
  ok = 1;
done:
  EVP_MD_CTX_free(c);
  return ok;
}
