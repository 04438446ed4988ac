/*
 * pdf_text.h - PDF text strings <-> UTF-8 (ISO 32000-1 7.9.2.2), private.
 *
 * Text strings are PDFDocEncoding, or UTF-16BE behind a byte order mark.
 * kyso writes ASCII as is and anything else as UTF-16BE, so Vietnamese
 * names and reasons survive in every viewer.
 */
#ifndef KYSO_PDF_TEXT_H
#define KYSO_PDF_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "pdf/pdf_object.h"

/* A NUL-terminated UTF-8 copy in arena of a text string's bytes; invalid
 * UTF-16 becomes U+FFFD. NULL on memory failure. */
char *kyso_text_to_utf8(kyso_arena *arena, const uint8_t *data, size_t len);

/* A string object holding utf8 as a PDF text string. Invalid UTF-8 bytes
 * become U+FFFD. NULL on memory failure. */
kyso_obj *kyso_text_from_utf8(kyso_arena *arena, const char *utf8);

/* Decodes one UTF-8 code point at s (of n bytes); returns its length, or 0
 * with *cp = U+FFFD for an invalid sequence (advance 1 then). */
size_t kyso_utf8_decode(const uint8_t *s, size_t n, uint32_t *cp);

#endif
