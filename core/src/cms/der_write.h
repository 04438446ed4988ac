/*
 * der_write.h - a small DER writer (ITU-T X.690 clause 10) into a kyso_buf,
 * private to the core.
 *
 * Primitives are written whole with kyso_der_put. A constructed value is
 * written in place: take a mark with kyso_der_begin, append its children,
 * then kyso_der_end inserts the tag and the definite, minimal length in
 * front of them. Marks nest, so a whole ContentInfo is one buffer and no
 * child needs its own allocation.
 *
 * Only low tag numbers (0..30, one identifier octet) are written: every tag
 * CMS needs is one of them. Like kyso_buf itself, a failure (allocation, a
 * bad mark) marks the buffer failed and later calls are no-ops; check
 * kyso_buf_ok() once at the end. Nothing here reads DER.
 */
#ifndef KYSO_DER_WRITE_H
#define KYSO_DER_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "kyso/sign.h" /* kyso_blob */

/* Identifier octets (X.690 8.1.2) of the types CMS uses. */
enum {
  KYSO_DER_INTEGER = 0x02,
  KYSO_DER_OCTET_STRING = 0x04,
  KYSO_DER_NULL = 0x05,
  KYSO_DER_OID = 0x06,
  KYSO_DER_SEQUENCE = 0x30,
  KYSO_DER_SET = 0x31,
  KYSO_DER_CONTEXT_CONSTRUCTED = 0xa0 /* | tag number: [n] constructed */
};

/* Number of octets the identifier and length take for a value of len
 * octets (1 + 1..9). */
size_t kyso_der_header_size(size_t len);

/* Appends identifier and length octets only; the caller appends len octets
 * of content next. */
void kyso_der_put_header(kyso_buf *b, uint8_t tag, size_t len);

/* Appends a whole TLV: tag, length, then len octets of value. */
void kyso_der_put(kyso_buf *b, uint8_t tag, const uint8_t *value, size_t len);

/* OBJECT IDENTIFIER from its content octets (X.690 8.19), e.g. the 9 octets
 * 2A 86 48 86 F7 0D 01 07 01 for id-data. */
void kyso_der_put_oid(kyso_buf *b, const uint8_t *content, size_t len);

/* NULL (05 00). */
void kyso_der_put_null(kyso_buf *b);

/* INTEGER holding a non-negative value, minimal two's complement
 * (X.690 8.3.2): versions, salt lengths. */
void kyso_der_put_uint(kyso_buf *b, uint32_t value);

/* Starts a constructed value; returns the mark to hand to kyso_der_end. */
size_t kyso_der_begin(const kyso_buf *b);

/* Closes the value begun at mark: everything appended since becomes the
 * content of a TLV with tag. */
void kyso_der_end(kyso_buf *b, size_t mark, uint8_t tag);

/*
 * Appends a SET OF (or any tag given) whose elements are the n complete
 * TLVs in items, ordered as DER requires (X.690 11.6: ascending as octet
 * strings, the shorter padded at its end with zero octets). items is sorted
 * in place; the octets it points to must not live inside b.
 */
void kyso_der_put_set_of(kyso_buf *b, uint8_t tag, kyso_blob *items, size_t n);

/* The X.690 11.6 order of two encodings: <0, 0 or >0 like memcmp. */
int kyso_der_set_order(const kyso_blob *x, const kyso_blob *y);

#endif
