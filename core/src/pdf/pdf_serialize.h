/*
 * pdf_serialize.h - writing PDF objects as bytes (ISO 32000-1 7.3), private.
 *
 * Output is plain and canonical: dictionaries in insertion order, names
 * with #xx escapes, strings as literals when printable ASCII and hex
 * otherwise. Marked objects have their output positions recorded, which
 * is how the signer knows where /Contents and /ByteRange are.
 */
#ifndef KYSO_PDF_SERIALIZE_H
#define KYSO_PDF_SERIALIZE_H

#include "base/buf.h"
#include "kyso/status.h"
#include "pdf/pdf_object.h"

/* Width of the /ByteRange placeholder between its brackets: room for
 * "0 a b c" with three 10-digit numbers (files below 10 GB). */
enum { KYSO_BYTERANGE_WIDTH = 40 };

typedef struct kyso_write_marks {
  size_t start[KYSO_MARK_COUNT]; /* offset in the output buffer */
  size_t end[KYSO_MARK_COUNT];
  int seen[KYSO_MARK_COUNT];
} kyso_write_marks;

/* Appends obj to out. A stream is written with its dict as given (the
 * builder keeps /Length right). marks may be NULL. */
kyso_status kyso_serialize(kyso_buf *out, const kyso_obj *obj,
                           kyso_write_marks *marks, kyso_error *err);

/* Rewrites a ByteRange placeholder in place with "0 a b c" padded with
 * spaces. 0 on success, -1 if it does not fit. */
int kyso_serialize_patch_byterange(uint8_t *at, size_t width,
                                   const size_t range[4]);

#endif
