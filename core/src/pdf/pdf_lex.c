/* pdf_lex.c - PDF tokenizer; see pdf_lex.h. */
#include "pdf/pdf_lex.h"

#include <string.h>

int kyso_lex_is_space(uint8_t c) {
  /* ISO 32000-1 Table 1: NUL, HT, LF, FF, CR, SP. */
  return c == 0 || c == 9 || c == 10 || c == 12 || c == 13 || c == 32;
}

int kyso_lex_is_delimiter(uint8_t c) {
  return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' || c == ']' ||
         c == '{' || c == '}' || c == '/' || c == '%';
}

void kyso_lex_skip_space(kyso_lexer *lx) {
  while (lx->pos < lx->len) {
    uint8_t c = lx->data[lx->pos];
    if (kyso_lex_is_space(c)) {
      lx->pos++;
    } else if (c == '%') {
      while (lx->pos < lx->len && lx->data[lx->pos] != '\n' &&
             lx->data[lx->pos] != '\r')
        lx->pos++;
    } else {
      break;
    }
  }
}

static int is_regular(uint8_t c) {
  return !kyso_lex_is_space(c) && !kyso_lex_is_delimiter(c);
}

/* Numbers: [+-]digits[.digits] or [+-].digits (7.3.3); no exponents.
 * Parsed by hand so the result does not depend on the C locale. */
static void lex_number(kyso_lexer *lx, kyso_lex_token *tok) {
  size_t p = lx->pos;
  int neg = 0, digits = 0, dot = 0;
  int64_t ival = 0;
  double rval = 0.0, scale = 1.0;
  int overflow = 0;

  if (lx->data[p] == '+' || lx->data[p] == '-')
    neg = lx->data[p++] == '-';
  for (; p < lx->len; p++) {
    uint8_t c = lx->data[p];
    if (c >= '0' && c <= '9') {
      digits++;
      if (dot) {
        scale /= 10.0;
        rval += (c - '0') * scale;
      } else {
        if (ival > (INT64_MAX - (c - '0')) / 10)
          overflow = 1;
        else
          ival = ival * 10 + (c - '0');
        rval = rval * 10.0 + (c - '0');
      }
    } else if (c == '.' && !dot) {
      dot = 1;
    } else {
      break;
    }
  }
  tok->start = lx->pos;
  tok->end = p;
  lx->pos = p;
  if (!digits || (p < lx->len && is_regular(lx->data[p]))) {
    tok->type = KYSO_LEX_TOK_ERROR;
    return;
  }
  if (dot) {
    tok->type = KYSO_LEX_TOK_REAL;
    tok->real = neg ? -rval : rval;
  } else if (overflow) {
    tok->type = KYSO_LEX_TOK_ERROR;
  } else {
    tok->type = KYSO_LEX_TOK_INT;
    tok->integer = neg ? -ival : ival;
    tok->real = (double)tok->integer;
  }
}

/* Literal string: balanced parentheses, backslash escapes (7.3.4.2). */
static void lex_string(kyso_lexer *lx, kyso_lex_token *tok) {
  size_t p = lx->pos + 1;
  size_t depth = 1;
  tok->start = lx->pos;
  while (p < lx->len && depth > 0) {
    uint8_t c = lx->data[p++];
    if (c == '\\')
      p++; /* the escaped byte, whatever it is */
    else if (c == '(')
      depth++;
    else if (c == ')')
      depth--;
  }
  if (depth > 0 || p > lx->len) {
    tok->type = KYSO_LEX_TOK_ERROR;
    lx->pos = lx->len;
    return;
  }
  tok->type = KYSO_LEX_TOK_STRING;
  tok->end = p;
  lx->pos = p;
}

static void lex_hex(kyso_lexer *lx, kyso_lex_token *tok) {
  size_t p = lx->pos + 1;
  tok->start = lx->pos;
  while (p < lx->len && lx->data[p] != '>') {
    uint8_t c = lx->data[p];
    if (!kyso_lex_is_space(c) &&
        !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
          (c >= 'A' && c <= 'F')))
      break;
    p++;
  }
  if (p >= lx->len || lx->data[p] != '>') {
    tok->type = KYSO_LEX_TOK_ERROR;
    tok->end = p;
    lx->pos = p;
    return;
  }
  tok->type = KYSO_LEX_TOK_HEX;
  tok->end = p + 1;
  lx->pos = p + 1;
}

void kyso_lex_next(kyso_lexer *lx, kyso_lex_token *tok) {
  uint8_t c;

  memset(tok, 0, sizeof(*tok));
  kyso_lex_skip_space(lx);
  tok->start = tok->end = lx->pos;
  if (lx->pos >= lx->len) {
    tok->type = KYSO_LEX_TOK_EOF;
    return;
  }
  c = lx->data[lx->pos];
  if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
    lex_number(lx, tok);
  } else if (c == '(') {
    lex_string(lx, tok);
  } else if (c == '<') {
    if (lx->pos + 1 < lx->len && lx->data[lx->pos + 1] == '<') {
      tok->type = KYSO_LEX_TOK_DICT_OPEN;
      lx->pos += 2;
      tok->end = lx->pos;
    } else {
      lex_hex(lx, tok);
    }
  } else if (c == '>') {
    if (lx->pos + 1 < lx->len && lx->data[lx->pos + 1] == '>') {
      tok->type = KYSO_LEX_TOK_DICT_CLOSE;
      lx->pos += 2;
    } else {
      tok->type = KYSO_LEX_TOK_ERROR;
      lx->pos++;
    }
    tok->end = lx->pos;
  } else if (c == '[' || c == ']') {
    tok->type = c == '[' ? KYSO_LEX_TOK_ARRAY_OPEN : KYSO_LEX_TOK_ARRAY_CLOSE;
    tok->end = ++lx->pos;
  } else if (c == '/') {
    size_t p = lx->pos + 1;
    while (p < lx->len && is_regular(lx->data[p]))
      p++;
    tok->type = KYSO_LEX_TOK_NAME;
    tok->end = p;
    lx->pos = p;
  } else if (is_regular(c)) {
    size_t p = lx->pos;
    while (p < lx->len && is_regular(lx->data[p]))
      p++;
    tok->type = KYSO_LEX_TOK_KEYWORD;
    tok->end = p;
    lx->pos = p;
  } else {
    /* ), {, } on their own are not PDF object syntax. */
    tok->type = KYSO_LEX_TOK_ERROR;
    tok->end = ++lx->pos;
  }
}

int kyso_lex_token_is(const kyso_lexer *lx, const kyso_lex_token *tok,
                      const char *kw) {
  size_t n = strlen(kw);
  return tok->type == KYSO_LEX_TOK_KEYWORD && tok->end - tok->start == n &&
         memcmp(lx->data + tok->start, kw, n) == 0;
}
