/* pdf_lex.c - PDF tokenizer; see pdf_lex.h. */
#include "pdf/pdf_lex.h"

#include <string.h>

/* Byte classes, one table lookup each: the lexer runs over every byte of
 * every object it reads (hex /Contents of each signature included). */
enum {
  CLASS_SPACE = 1, /* ISO 32000-1 Table 1: NUL, HT, LF, FF, CR, SP */
  CLASS_DELIM = 2, /* Table 2: ( ) < > [ ] { } / % */
  CLASS_HEX = 4    /* 0-9 a-f A-F */
};

#define SP CLASS_SPACE
#define DL CLASS_DELIM
#define HX CLASS_HEX
static const uint8_t lex_class[256] = {
    SP, 0,  0,  0,  0,  0,  0,  0,  0,  SP, SP, 0,  SP, SP, 0,  0,  /* 00 */
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  /* 10 */
    SP, 0,  0,  0,  0,  DL, 0,  0,  DL, DL, 0,  0,  0,  0,  0,  DL, /* 20 */
    HX, HX, HX, HX, HX, HX, HX, HX, HX, HX, 0,  0,  DL, 0,  DL, 0,  /* 30 */
    0,  HX, HX, HX, HX, HX, HX, 0,  0,  0,  0,  0,  0,  0,  0,  0,  /* 40 */
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  DL, 0,  DL, 0,  0,  /* 50 */
    0,  HX, HX, HX, HX, HX, HX, 0,  0,  0,  0,  0,  0,  0,  0,  0,  /* 60 */
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  DL, 0,  DL, 0,  0,  /* 70 */
};
#undef SP
#undef DL
#undef HX

int kyso_lex_is_space(uint8_t c) {
  return lex_class[c] & CLASS_SPACE;
}

int kyso_lex_is_delimiter(uint8_t c) {
  return (lex_class[c] & CLASS_DELIM) != 0;
}

static int is_regular(uint8_t c) {
  return !(lex_class[c] & (CLASS_SPACE | CLASS_DELIM));
}

void kyso_lex_skip_space(kyso_lexer *lx) {
  const uint8_t *d = lx->data;
  size_t p = lx->pos, len = lx->len;
  while (p < len) {
    uint8_t c = d[p];
    if (lex_class[c] & CLASS_SPACE) {
      p++;
    } else if (c == '%') {
      while (p < len && d[p] != '\n' && d[p] != '\r')
        p++;
    } else {
      break;
    }
  }
  lx->pos = p;
}

/* The common number: an optionally signed integer of at most 15 digits
 * (object numbers, offsets, lengths; no overflow check needed) ended by a
 * byte that is not part of a token. 1 and the token when it is one, else 0
 * and nothing changed: lex_number then reads it, to the same result for
 * these. */
static int lex_small_int(kyso_lexer *lx, kyso_lex_token *tok) {
  const uint8_t *d = lx->data;
  size_t p = lx->pos, q;
  int neg = 0, ok = 0;
  int64_t v = 0;

  if (d[p] == '+' || d[p] == '-')
    neg = d[p++] == '-';
  for (q = p; q < lx->len && q - p < 15 && d[q] >= '0' && d[q] <= '9'; q++)
    v = v * 10 + (d[q] - '0');
  if (q > p && (q == lx->len || !is_regular(d[q]))) {
    tok->type = KYSO_LEX_TOK_INT;
    tok->start = lx->pos;
    tok->end = q;
    tok->integer = neg ? -v : v;
    tok->real = (double)tok->integer;
    lx->pos = q;
    ok = 1;
  }
  return ok;
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
  while (p < lx->len && (lex_class[lx->data[p]] & (CLASS_HEX | CLASS_SPACE)))
    p++;
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

  tok->integer = 0;
  tok->real = 0.0;
  kyso_lex_skip_space(lx);
  tok->start = tok->end = lx->pos;
  if (lx->pos >= lx->len) {
    tok->type = KYSO_LEX_TOK_EOF;
    return;
  }
  c = lx->data[lx->pos];
  if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
    if (!lex_small_int(lx, tok))
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

static int all_digits(const uint8_t *p, size_t n) {
  size_t i = 0;
  while (i < n && p[i] >= '0' && p[i] <= '9')
    i++;
  return i == n;
}

static int64_t digits_value(const uint8_t *p, size_t n) {
  int64_t v = 0;
  size_t i;
  for (i = 0; i < n; i++)
    v = v * 10 + (p[i] - '0');
  return v;
}

static void set_int(kyso_lex_token *t, size_t start, size_t end,
                    const uint8_t *data) {
  t->type = KYSO_LEX_TOK_INT;
  t->start = start;
  t->end = end;
  t->integer = digits_value(data + start, end - start);
  t->real = (double)t->integer;
}

void kyso_lex_next3(kyso_lexer *lx, kyso_lex_token *a, kyso_lex_token *b,
                    kyso_lex_token *c) {
  const uint8_t *d;
  size_t p;

  kyso_lex_skip_space(lx);
  d = lx->data;
  p = lx->pos;
  /* 10 digits, space, 5 digits, space, n or f, then no regular byte: the
   * tokens kyso_lex_next finds there (10^10 needs no overflow check). */
  if (lx->len - p >= 18 && all_digits(d + p, 10) && d[p + 10] == ' ' &&
      all_digits(d + p + 11, 5) && d[p + 16] == ' ' &&
      (d[p + 17] == 'n' || d[p + 17] == 'f') &&
      (lx->len - p == 18 || !is_regular(d[p + 18]))) {
    set_int(a, p, p + 10, d);
    set_int(b, p + 11, p + 16, d);
    c->type = KYSO_LEX_TOK_KEYWORD;
    c->start = p + 17;
    c->end = p + 18;
    c->integer = 0;
    c->real = 0.0;
    lx->pos = p + 18;
  } else {
    kyso_lex_next(lx, a);
    kyso_lex_next(lx, b);
    kyso_lex_next(lx, c);
  }
}

int kyso_lex_token_is(const kyso_lexer *lx, const kyso_lex_token *tok,
                      const char *kw) {
  size_t n = strlen(kw);
  return tok->type == KYSO_LEX_TOK_KEYWORD && tok->end - tok->start == n &&
         memcmp(lx->data + tok->start, kw, n) == 0;
}
