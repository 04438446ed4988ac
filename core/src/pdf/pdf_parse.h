/*
 * pdf_parse.h - direct PDF objects from tokens (ISO 32000-1 7.3), private.
 *
 * Parses one object (with nested arrays and dictionaries, depth bounded by
 * KYSO_LIMIT_OBJECT_DEPTH) into the parser's arena. Indirect-object framing
 * ("N G obj ... endobj", streams) is pdf_file.c's job.
 */
#ifndef KYSO_PDF_PARSE_H
#define KYSO_PDF_PARSE_H

#include "base/arena.h"
#include "kyso/status.h"
#include "pdf/pdf_lex.h"
#include "pdf/pdf_object.h"

typedef struct kyso_parser {
  kyso_lexer lex;
  kyso_arena *arena;
  size_t base; /* added to positions in messages and pos/end (object
                  streams parse a decoded buffer, base 0) */
} kyso_parser;

void kyso_parser_init(kyso_parser *p, kyso_arena *arena, const uint8_t *data,
                      size_t len, size_t pos);

/* Parses the object at the parser's position and advances past it. */
kyso_status kyso_parse_object(kyso_parser *p, kyso_obj **out, kyso_error *err);

/* Decoders, exposed for tests. They write at most the input length. */
kyso_status kyso_parse_decode_string(const uint8_t *raw, size_t len,
                                     uint8_t *out, size_t *out_len);
kyso_status kyso_parse_decode_hex(const uint8_t *raw, size_t len, uint8_t *out,
                                  size_t *out_len);
kyso_status kyso_parse_decode_name(const uint8_t *raw, size_t len, char *out);

#endif
