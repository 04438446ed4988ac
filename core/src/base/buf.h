/*
 * buf.h - a growable byte buffer (private to the core).
 *
 * Appends never fail silently: a failed growth marks the buffer broken and
 * later appends are no-ops, so a writer can emit many pieces and check
 * kyso_buf_ok() once at the end.
 */
#ifndef KYSO_BUF_H
#define KYSO_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct kyso_buf {
  uint8_t *data;
  size_t len;
  size_t cap;
  int failed; /* an allocation failed: content is incomplete */
} kyso_buf;

void kyso_buf_init(kyso_buf *b);
void kyso_buf_free(kyso_buf *b);
/* Makes room for n more bytes; 0 on success, -1 (and failed set) if not. */
int kyso_buf_reserve(kyso_buf *b, size_t n);
void kyso_buf_append(kyso_buf *b, const void *data, size_t n);
void kyso_buf_append_byte(kyso_buf *b, uint8_t c);
void kyso_buf_append_str(kyso_buf *b, const char *s);
void kyso_buf_printf(kyso_buf *b, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Hands the bytes to the caller (who frees them) and empties b. */
uint8_t *kyso_buf_take(kyso_buf *b, size_t *len);
static inline int kyso_buf_ok(const kyso_buf *b) {
  return !b->failed;
}

#endif
