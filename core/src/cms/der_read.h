/*
 * der_read.h - the core's one DER reader (ITU-T X.690 clause 10), private to
 * the core; the counterpart of der_write.h.
 *
 * A kyso_blob is the cursor: the octets not read yet. kyso_der_read takes
 * one element off its front and hands back the element's content (and, if
 * asked, the whole TLV), both borrowed from the input. Only DER is read:
 * definite lengths in their minimal form, one identifier octet (low tag
 * numbers 0..30, every tag CMS and X.509 need). BER (the indefinite form,
 * padded lengths) is refused, so a value has one encoding and two readers
 * cannot disagree about where it ends.
 *
 * The reader does not allocate, never reads outside the blob it is given,
 * and checks only what a TLV is; a caller checks the content of the types
 * it reads (kyso_der_oid_valid for OBJECT IDENTIFIERs).
 *
 * The readers (kyso_der_read*) return 0 on success and -1 when the input is
 * not what they ask for, like kyso_buf_reserve; on -1 the cursor is left
 * untouched. The predicates (kyso_der_oid_valid, kyso_der_equal) return 1
 * for yes and 0 for no.
 */
#ifndef KYSO_DER_READ_H
#define KYSO_DER_READ_H

#include <stddef.h>
#include <stdint.h>

#include "kyso/sign.h" /* kyso_blob */

/* Reads the identifier and length octets at p (avail octets readable):
 * *tag, *header_len (identifier and length octets) and *len (content
 * octets). -1 unless they are DER and the whole element fits in avail. */
int kyso_der_read_header(const uint8_t *p, size_t avail, uint8_t *tag,
                         size_t *header_len, size_t *len);

/* Takes the next element off the front of d: *tag, *content (its content
 * octets) and, when whole is not NULL, *whole (the complete TLV). */
int kyso_der_read(kyso_blob *d, uint8_t *tag, kyso_blob *content,
                  kyso_blob *whole);

/* kyso_der_read of an element that must have the identifier octet want. */
int kyso_der_read_expect(kyso_blob *d, uint8_t want, kyso_blob *content);

/* The only element of d (a SET OF value, an EXPLICIT wrapper): -1 unless d
 * holds exactly one element with the identifier octet want. */
int kyso_der_read_only(kyso_blob d, uint8_t want, kyso_blob *content);

/* Whether content is the content octets of an OBJECT IDENTIFIER in its one
 * DER form (X.690 8.19.2): not empty, no subidentifier starting with a
 * padding octet 0x80, the last octet ends a subidentifier. With that, two
 * OIDs are the same value exactly when their octets are equal. */
int kyso_der_oid_valid(kyso_blob content);

/* Whether content's octets are exactly want (len octets): an OID or any
 * value compared as encoded. */
int kyso_der_equal(kyso_blob content, const uint8_t *want, size_t len);

/* Writes the dotted form of a valid OID (content octets) into out (cap
 * octets, NUL-terminated, cut with "..." when it does not fit); "(invalid
 * OID)" when kyso_der_oid_valid refuses it or an arc exceeds 64 bits. For
 * error messages. */
void kyso_der_oid_format(kyso_blob content, char *out, size_t cap);

#endif
