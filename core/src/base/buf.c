/* buf.c - growable byte buffer; see buf.h. */
#include "base/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kyso_buf_init(kyso_buf *b) {
  memset(b, 0, sizeof(*b));
}

void kyso_buf_free(kyso_buf *b) {
  free(b->data);
  kyso_buf_init(b);
}

int kyso_buf_reserve(kyso_buf *b, size_t n) {
  size_t want;
  size_t cap;
  uint8_t *p;

  if (b->failed)
    return -1;
  if (n > SIZE_MAX - b->len - 1) {
    b->failed = 1;
    return -1;
  }
  want = b->len + n + 1; /* keep room for a terminating NUL */
  if (want <= b->cap)
    return 0;
  cap = b->cap ? b->cap : 256;
  while (cap < want)
    cap = cap > SIZE_MAX / 2 ? want : cap * 2;
  p = realloc(b->data, cap);
  if (!p) {
    b->failed = 1;
    return -1;
  }
  b->data = p;
  b->cap = cap;
  return 0;
}

void kyso_buf_append(kyso_buf *b, const void *data, size_t n) {
  if (n == 0 || kyso_buf_reserve(b, n) != 0)
    return;
  memcpy(b->data + b->len, data, n);
  b->len += n;
  b->data[b->len] = 0;
}

void kyso_buf_append_byte(kyso_buf *b, uint8_t c) {
  kyso_buf_append(b, &c, 1);
}

void kyso_buf_append_str(kyso_buf *b, const char *s) {
  kyso_buf_append(b, s, strlen(s));
}

void kyso_buf_printf(kyso_buf *b, const char *format, ...) {
  va_list ap;
  int n;
  char small[128];

  va_start(ap, format);
  n = vsnprintf(small, sizeof(small), format, ap);
  va_end(ap);
  if (n < 0) {
    b->failed = 1;
    return;
  }
  if ((size_t)n < sizeof(small)) {
    kyso_buf_append(b, small, (size_t)n);
    return;
  }
  if (kyso_buf_reserve(b, (size_t)n) != 0)
    return;
  va_start(ap, format);
  vsnprintf((char *)b->data + b->len, (size_t)n + 1, format, ap);
  va_end(ap);
  b->len += (size_t)n;
}

uint8_t *kyso_buf_take(kyso_buf *b, size_t *len) {
  uint8_t *p = b->data;
  if (len)
    *len = b->len;
  kyso_buf_init(b);
  return p;
}
