/* der_write.c - DER writer (ITU-T X.690); see der_write.h. */
#include "cms/der_write.h"

#include <stdlib.h>
#include <string.h>

enum { DER_HEADER_MAX = 1 + 1 + sizeof(size_t) };

/* Writes identifier and length octets into out (DER_HEADER_MAX octets) and
 * returns how many. Definite form, minimal (X.690 10.1): short form below
 * 128, else 0x80 | count followed by big-endian octets without leading
 * zeros. */
static size_t der_header(uint8_t *out, uint8_t tag, size_t len) {
  size_t n = 0;
  size_t count = 0;
  size_t v;
  size_t i;

  out[n++] = tag;
  if (len < 0x80) {
    out[n++] = (uint8_t)len;
    return n;
  }
  for (v = len; v != 0; v >>= 8)
    count++;
  out[n++] = (uint8_t)(0x80 | count);
  for (i = count; i > 0; i--)
    out[n++] = (uint8_t)(len >> (8 * (i - 1)));
  return n;
}

size_t kyso_der_header_size(size_t len) {
  uint8_t tmp[DER_HEADER_MAX];
  return der_header(tmp, 0, len);
}

void kyso_der_put_header(kyso_buf *b, uint8_t tag, size_t len) {
  uint8_t hdr[DER_HEADER_MAX];
  size_t n = der_header(hdr, tag, len);
  kyso_buf_append(b, hdr, n);
}

void kyso_der_put(kyso_buf *b, uint8_t tag, const uint8_t *value, size_t len) {
  kyso_der_put_header(b, tag, len);
  kyso_buf_append(b, value, len);
}

void kyso_der_put_oid(kyso_buf *b, const uint8_t *content, size_t len) {
  kyso_der_put(b, KYSO_DER_OID, content, len);
}

void kyso_der_put_null(kyso_buf *b) {
  kyso_der_put_header(b, KYSO_DER_NULL, 0);
}

void kyso_der_put_uint(kyso_buf *b, uint32_t value) {
  uint8_t v[5];
  size_t n = 0;
  int shift;

  /* Big-endian without leading zero octets, then one zero octet in front
   * if the top bit is set, so the value stays positive (X.690 8.3.2). */
  for (shift = 24; shift > 0; shift -= 8)
    if ((value >> shift) != 0)
      break;
  if ((value >> shift) & 0x80)
    v[n++] = 0;
  for (; shift >= 0; shift -= 8)
    v[n++] = (uint8_t)(value >> shift);
  kyso_der_put(b, KYSO_DER_INTEGER, v, n);
}

size_t kyso_der_begin(const kyso_buf *b) {
  return b->len;
}

void kyso_der_end(kyso_buf *b, size_t mark, uint8_t tag) {
  uint8_t hdr[DER_HEADER_MAX];
  size_t content_len;
  size_t n;

  if (b->failed)
    return;
  if (mark > b->len) {
    b->failed = 1; /* a mark from another buffer or after a truncation */
    return;
  }
  content_len = b->len - mark;
  n = der_header(hdr, tag, content_len);
  if (kyso_buf_reserve(b, n) != 0)
    return;
  memmove(b->data + mark + n, b->data + mark, content_len);
  memcpy(b->data + mark, hdr, n);
  b->len += n;
  b->data[b->len] = 0; /* kyso_buf keeps its content NUL-terminated */
}

int kyso_der_set_order(const kyso_blob *x, const kyso_blob *y) {
  size_t common = x->len < y->len ? x->len : y->len;
  size_t i;
  int c = common ? memcmp(x->data, y->data, common) : 0;

  if (c != 0)
    return c;
  /* Equal over the common part: the shorter one is padded with zero
   * octets, so only a non-zero octet in the longer one's tail orders them
   * (X.690 11.6). */
  for (i = common; i < x->len; i++)
    if (x->data[i] != 0)
      return 1;
  for (i = common; i < y->len; i++)
    if (y->data[i] != 0)
      return -1;
  return 0;
}

static int der_set_order_qsort(const void *a, const void *b) {
  return kyso_der_set_order((const kyso_blob *)a, (const kyso_blob *)b);
}

void kyso_der_put_set_of(kyso_buf *b, uint8_t tag, kyso_blob *items, size_t n) {
  size_t total = 0;
  size_t i;

  if (n > 1)
    qsort(items, n, sizeof(*items), der_set_order_qsort);
  for (i = 0; i < n; i++) {
    if (items[i].len > SIZE_MAX - total) {
      b->failed = 1;
      return;
    }
    total += items[i].len;
  }
  kyso_der_put_header(b, tag, total);
  for (i = 0; i < n; i++)
    kyso_buf_append(b, items[i].data, items[i].len);
}
