/* pdf_parse.c - direct object parser; see pdf_parse.h. */
#include "pdf/pdf_parse.h"

#include <string.h>

#include "kyso/limits.h"

void kyso_parser_init(kyso_parser *p, kyso_arena *arena, const uint8_t *data,
                      size_t len, size_t pos) {
  memset(p, 0, sizeof(*p));
  p->lex.data = data;
  p->lex.len = len;
  p->lex.pos = pos;
  p->arena = arena;
}

/* 1 + the value of a hex digit, 0 for any other byte: one lookup per byte
 * of a signature's hex /Contents. */
static const uint8_t hex_plus_one[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,
    ['6'] = 7,  ['7'] = 8,  ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12,
    ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12,
    ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16};

static int hex_value(uint8_t c) {
  return (int)hex_plus_one[c] - 1;
}

/* raw is the token without its parentheses. ISO 32000-1 7.3.4.2. */
kyso_status kyso_parse_decode_string(const uint8_t *raw, size_t len,
                                     uint8_t *out, size_t *out_len) {
  size_t i = 0, n = 0;
  while (i < len) {
    uint8_t c = raw[i++];
    if (c == '\r') {
      /* An unescaped end of line reads as a single LF. */
      if (i < len && raw[i] == '\n')
        i++;
      out[n++] = '\n';
    } else if (c != '\\') {
      out[n++] = c;
    } else if (i < len) {
      c = raw[i++];
      switch (c) {
      case 'n': out[n++] = '\n'; break;
      case 'r': out[n++] = '\r'; break;
      case 't': out[n++] = '\t'; break;
      case 'b': out[n++] = '\b'; break;
      case 'f': out[n++] = '\f'; break;
      case '\r':
        if (i < len && raw[i] == '\n')
          i++;
        break; /* line continuation */
      case '\n': break;
      default:
        if (c >= '0' && c <= '7') {
          unsigned v = c - '0';
          int k;
          for (k = 0; k < 2 && i < len && raw[i] >= '0' && raw[i] <= '7'; k++)
            v = v * 8 + (raw[i++] - '0');
          out[n++] = (uint8_t)(v & 0xff);
        } else {
          out[n++] = c; /* \( \) \\ and unknown escapes: the byte itself */
        }
      }
    }
  }
  *out_len = n;
  return KYSO_OK;
}

/* raw is the token without < >. An odd digit count ends as if followed by
 * 0 (7.3.4.3). */
kyso_status kyso_parse_decode_hex(const uint8_t *raw, size_t len, uint8_t *out,
                                  size_t *out_len) {
  size_t i, n = 0;
  int high = -1;
  for (i = 0; i < len; i++) {
    int v;
    /* Two digits at a time while there is no white space. */
    while (high < 0 && i + 1 < len && hex_plus_one[raw[i]] &&
           hex_plus_one[raw[i + 1]]) {
      out[n++] = (uint8_t)((hex_plus_one[raw[i]] - 1) << 4 |
                           (hex_plus_one[raw[i + 1]] - 1));
      i += 2;
    }
    if (i >= len)
      break;
    if (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\r' || raw[i] == '\n' ||
        raw[i] == '\f' || raw[i] == 0)
      continue;
    v = hex_value(raw[i]);
    if (v < 0)
      return KYSO_ERR_PDF_SYNTAX;
    if (high < 0) {
      high = v;
    } else {
      out[n++] = (uint8_t)(high << 4 | v);
      high = -1;
    }
  }
  if (high >= 0)
    out[n++] = (uint8_t)(high << 4);
  *out_len = n;
  return KYSO_OK;
}

/* raw is the token without the slash; #xx escapes (7.3.5). #00 is not
 * allowed: names are NUL-terminated here. */
kyso_status kyso_parse_decode_name(const uint8_t *raw, size_t len, char *out) {
  size_t i = 0, n = 0;
  while (i < len) {
    uint8_t c = raw[i++];
    if (c == '#') {
      int h, l;
      if (i + 2 > len)
        return KYSO_ERR_PDF_SYNTAX;
      h = hex_value(raw[i]);
      l = hex_value(raw[i + 1]);
      if (h < 0 || l < 0 || (h == 0 && l == 0))
        return KYSO_ERR_PDF_SYNTAX;
      c = (uint8_t)(h << 4 | l);
      i += 2;
    }
    out[n++] = (char)c;
  }
  out[n] = 0;
  return KYSO_OK;
}

static kyso_status syntax_error(kyso_parser *p, size_t at, const char *what,
                                kyso_error *err) {
  return kyso_error_set(err, KYSO_ERR_PDF_SYNTAX, "%s at byte %zu", what,
                        p->base + at);
}

static kyso_status parse_value(kyso_parser *p, kyso_lex_token *tok, int depth,
                               kyso_obj **out, kyso_error *err);

static kyso_status parse_array(kyso_parser *p, size_t start, int depth,
                               kyso_obj **out, kyso_error *err) {
  kyso_status ret = KYSO_ERR_NO_MEMORY;
  kyso_obj *array = kyso_obj_new_array(p->arena);
  kyso_lex_token tok;

  if (!array)
    goto done;
  for (;;) {
    kyso_obj *item = NULL;
    kyso_lex_next(&p->lex, &tok);
    if (tok.type == KYSO_LEX_TOK_ARRAY_CLOSE)
      break;
    if (tok.type == KYSO_LEX_TOK_EOF) {
      ret = syntax_error(p, start, "unterminated array", err);
      goto done;
    }
    ret = parse_value(p, &tok, depth + 1, &item, err);
    if (ret != KYSO_OK)
      goto done;
    if (kyso_array_push(p->arena, array, item) != 0) {
      ret = kyso_error_set(err, KYSO_ERR_LIMIT,
                           "array at byte %zu is too large", p->base + start);
      goto done;
    }
  }
  array->pos = p->base + start;
  array->end = p->base + tok.end;
  *out = array;
  ret = KYSO_OK;
done:
  if (ret == KYSO_ERR_NO_MEMORY && err && err->code != ret)
    kyso_error_set(err, ret, "out of memory parsing an array");
  return ret;
}

static kyso_status parse_dict(kyso_parser *p, size_t start, int depth,
                              kyso_obj **out, kyso_error *err) {
  kyso_status ret = KYSO_ERR_NO_MEMORY;
  kyso_obj *dict = kyso_obj_new_dict(p->arena);
  kyso_lex_token tok;
  char *key = NULL;

  if (!dict)
    goto done;
  for (;;) {
    kyso_obj *value = NULL;
    kyso_lex_next(&p->lex, &tok);
    if (tok.type == KYSO_LEX_TOK_DICT_CLOSE)
      break;
    if (tok.type != KYSO_LEX_TOK_NAME) {
      ret = syntax_error(p, tok.start,
                         tok.type == KYSO_LEX_TOK_EOF
                             ? "unterminated dictionary"
                             : "dictionary key is not a name",
                         err);
      goto done;
    }
    key = kyso_arena_alloc(p->arena, tok.end - tok.start);
    if (!key)
      goto done;
    if (kyso_parse_decode_name(p->lex.data + tok.start + 1,
                               tok.end - tok.start - 1, key) != KYSO_OK) {
      ret = syntax_error(p, tok.start, "bad #xx escape in a name", err);
      goto done;
    }
    kyso_lex_next(&p->lex, &tok);
    if (tok.type == KYSO_LEX_TOK_DICT_CLOSE || tok.type == KYSO_LEX_TOK_EOF) {
      ret = syntax_error(p, tok.start, "dictionary key without a value", err);
      goto done;
    }
    ret = parse_value(p, &tok, depth + 1, &value, err);
    if (ret != KYSO_OK)
      goto done;
    /* Duplicates are merged once at the end: checking each key against
     * all earlier ones was quadratic (80,000 keys took 12 s). */
    if (kyso_dict_append(p->arena, dict, key, value) != 0) {
      ret = kyso_error_set(err, KYSO_ERR_LIMIT,
                           "dictionary at byte %zu is too large",
                           p->base + start);
      goto done;
    }
  }
  if (kyso_dict_merge_duplicates(dict) != 0) {
    ret = KYSO_ERR_NO_MEMORY;
    goto done;
  }
  dict->pos = p->base + start;
  dict->end = p->base + tok.end;
  *out = dict;
  ret = KYSO_OK;
done:
  if (ret == KYSO_ERR_NO_MEMORY && err && err->code != ret)
    kyso_error_set(err, ret, "out of memory parsing a dictionary");
  return ret;
}

/* After an integer: "G R" makes it a reference (7.3.10). */
static int try_reference(kyso_parser *p, const kyso_lex_token *num,
                         kyso_obj **out) {
  size_t save = p->lex.pos;
  kyso_lex_token gen, r;

  if (num->integer < 0 || num->integer > KYSO_LIMIT_OBJECT_NUMBER)
    return 0;
  kyso_lex_next(&p->lex, &gen);
  if (gen.type == KYSO_LEX_TOK_INT && gen.integer >= 0 &&
      gen.integer <= 65535) {
    kyso_lex_next(&p->lex, &r);
    if (kyso_lex_token_is(&p->lex, &r, "R")) {
      *out = kyso_obj_new_ref(p->arena, (uint32_t)num->integer,
                              (uint16_t)gen.integer);
      if (*out) {
        (*out)->pos = p->base + num->start;
        (*out)->end = p->base + r.end;
      }
      return 1;
    }
  }
  p->lex.pos = save;
  return 0;
}

static kyso_status parse_value(kyso_parser *p, kyso_lex_token *tok, int depth,
                               kyso_obj **out, kyso_error *err) {
  kyso_obj *o = NULL;
  const uint8_t *raw = p->lex.data + tok->start;
  size_t rlen = tok->end - tok->start;

  if (depth >= KYSO_LIMIT_OBJECT_DEPTH)
    return kyso_error_set(err, KYSO_ERR_PDF_DEPTH,
                          "objects nested more than %d deep at byte %zu",
                          KYSO_LIMIT_OBJECT_DEPTH, p->base + tok->start);
  switch (tok->type) {
  case KYSO_LEX_TOK_INT:
    if (try_reference(p, tok, &o)) {
      if (!o)
        return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
      *out = o;
      return KYSO_OK;
    }
    o = kyso_obj_new_int(p->arena, tok->integer);
    break;
  case KYSO_LEX_TOK_REAL: o = kyso_obj_new_real(p->arena, tok->real); break;
  case KYSO_LEX_TOK_STRING:
  case KYSO_LEX_TOK_HEX: {
    uint8_t *buf = kyso_arena_alloc(p->arena, rlen);
    size_t n = 0;
    kyso_status st;
    if (!buf)
      break;
    st = tok->type == KYSO_LEX_TOK_STRING
             ? kyso_parse_decode_string(raw + 1, rlen - 2, buf, &n)
             : kyso_parse_decode_hex(raw + 1, rlen - 2, buf, &n);
    if (st != KYSO_OK)
      return syntax_error(p, tok->start, "bad string", err);
    o = kyso_obj_new(p->arena, KYSO_OBJ_STRING);
    if (o) {
      o->u.string.data = buf;
      o->u.string.len = n;
      o->hex = tok->type == KYSO_LEX_TOK_HEX;
    }
    break;
  }
  case KYSO_LEX_TOK_NAME: {
    char *name = kyso_arena_alloc(p->arena, rlen);
    if (!name)
      break;
    if (kyso_parse_decode_name(raw + 1, rlen - 1, name) != KYSO_OK)
      return syntax_error(p, tok->start, "bad #xx escape in a name", err);
    o = kyso_obj_new(p->arena, KYSO_OBJ_NAME);
    if (o)
      o->u.name = name;
    break;
  }
  case KYSO_LEX_TOK_ARRAY_OPEN:
    return parse_array(p, tok->start, depth, out, err);
  case KYSO_LEX_TOK_DICT_OPEN:
    return parse_dict(p, tok->start, depth, out, err);
  case KYSO_LEX_TOK_KEYWORD:
    if (kyso_lex_token_is(&p->lex, tok, "true") ||
        kyso_lex_token_is(&p->lex, tok, "false"))
      o = kyso_obj_new_bool(p->arena, raw[0] == 't');
    else if (kyso_lex_token_is(&p->lex, tok, "null"))
      o = kyso_obj_new(p->arena, KYSO_OBJ_NULL);
    else
      return syntax_error(p, tok->start, "unexpected keyword", err);
    break;
  case KYSO_LEX_TOK_EOF:
    return syntax_error(p, tok->start, "unexpected end of data", err);
  default: return syntax_error(p, tok->start, "unexpected token", err);
  }
  if (!o)
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  o->pos = p->base + tok->start;
  o->end = p->base + tok->end;
  *out = o;
  return KYSO_OK;
}

kyso_status kyso_parse_object(kyso_parser *p, kyso_obj **out, kyso_error *err) {
  kyso_lex_token tok;
  kyso_lex_next(&p->lex, &tok);
  return parse_value(p, &tok, 0, out, err);
}
