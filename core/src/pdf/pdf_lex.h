/*
 * pdf_lex.h - PDF tokens (ISO 32000-1 7.2, 7.3), private to the core.
 *
 * The lexer finds where each token starts and ends; decoding string and
 * name bytes is the parser's job. It never reads past len and never
 * allocates.
 */
#ifndef KYSO_PDF_LEX_H
#define KYSO_PDF_LEX_H

#include <stddef.h>
#include <stdint.h>

typedef enum kyso_lex_token_type {
  KYSO_LEX_TOK_EOF = 0,
  KYSO_LEX_TOK_ERROR, /* malformed token at start */
  KYSO_LEX_TOK_INT,
  KYSO_LEX_TOK_REAL,
  KYSO_LEX_TOK_STRING, /* ( ... ) including the parentheses */
  KYSO_LEX_TOK_HEX,    /* < ... > including the brackets */
  KYSO_LEX_TOK_NAME,   /* /Name including the slash */
  KYSO_LEX_TOK_ARRAY_OPEN,
  KYSO_LEX_TOK_ARRAY_CLOSE,
  KYSO_LEX_TOK_DICT_OPEN,
  KYSO_LEX_TOK_DICT_CLOSE,
  KYSO_LEX_TOK_KEYWORD /* true, obj, R, stream, xref, ... */
} kyso_lex_token_type;

typedef struct kyso_lex_token {
  kyso_lex_token_type type;
  size_t start, end; /* [start, end) in the data */
  int64_t integer;
  double real;
} kyso_lex_token;

typedef struct kyso_lexer {
  const uint8_t *data;
  size_t len;
  size_t pos;
} kyso_lexer;

int kyso_lex_is_space(uint8_t c);
int kyso_lex_is_delimiter(uint8_t c);
/* Skips white space and comments from lx->pos. */
void kyso_lex_skip_space(kyso_lexer *lx);
/* Reads the next token and advances past it. */
void kyso_lex_next(kyso_lexer *lx, kyso_lex_token *tok);
/* Three kyso_lex_next calls in one: what a cross-reference table entry
 * "oooooooooo ggggg n" (7.5.4) lexes to. The usual 20-byte shape is read
 * directly; anything else goes through kyso_lex_next, so the tokens are the
 * same either way. */
void kyso_lex_next3(kyso_lexer *lx, kyso_lex_token *a, kyso_lex_token *b,
                    kyso_lex_token *c);
/* 1 if tok is the keyword kw. */
int kyso_lex_token_is(const kyso_lexer *lx, const kyso_lex_token *tok,
                      const char *kw);

#endif
