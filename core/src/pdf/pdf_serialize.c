/* pdf_serialize.c - PDF object writer; see pdf_serialize.h. */
#include "pdf/pdf_serialize.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kyso/limits.h"

static const char hex_digits[] = "0123456789ABCDEF";

static void write_real(kyso_buf *out, double v) {
  char tmp[64];
  size_t n;
  /* PDF reals have no exponent (7.3.3): fixed point, trailing zeros cut. */
  if (!isfinite(v) || fabs(v) > 1e15)
    v = 0.0;
  n = (size_t)snprintf(tmp, sizeof(tmp), "%.6f", v);
  while (n > 1 && tmp[n - 1] == '0')
    n--;
  if (n > 1 && tmp[n - 1] == '.')
    n--;
  tmp[n] = 0;
  if (strcmp(tmp, "-0") == 0)
    strcpy(tmp, "0");
  kyso_buf_append_str(out, tmp);
}

static int name_char_plain(uint8_t c) {
  return c > 0x20 && c < 0x7f && c != '#' && !strchr("()<>[]{}/%", c);
}

static void write_name(kyso_buf *out, const char *name) {
  const uint8_t *p = (const uint8_t *)name;
  kyso_buf_append_byte(out, '/');
  for (; *p; p++) {
    if (name_char_plain(*p)) {
      kyso_buf_append_byte(out, *p);
    } else {
      kyso_buf_append_byte(out, '#');
      kyso_buf_append_byte(out, (uint8_t)hex_digits[*p >> 4]);
      kyso_buf_append_byte(out, (uint8_t)hex_digits[*p & 15]);
    }
  }
}

static void write_string(kyso_buf *out, const kyso_obj *s) {
  size_t i;
  int printable = !s->hex;
  for (i = 0; printable && i < s->u.string.len; i++)
    if (s->u.string.data[i] < 0x20 || s->u.string.data[i] > 0x7e)
      printable = 0;
  if (printable) {
    kyso_buf_append_byte(out, '(');
    for (i = 0; i < s->u.string.len; i++) {
      uint8_t c = s->u.string.data[i];
      if (c == '(' || c == ')' || c == '\\')
        kyso_buf_append_byte(out, '\\');
      kyso_buf_append_byte(out, c);
    }
    kyso_buf_append_byte(out, ')');
    return;
  }
  kyso_buf_append_byte(out, '<');
  if (kyso_buf_reserve(out, 2 * s->u.string.len + 1) == 0) {
    for (i = 0; i < s->u.string.len; i++) {
      out->data[out->len++] = (uint8_t)hex_digits[s->u.string.data[i] >> 4];
      out->data[out->len++] = (uint8_t)hex_digits[s->u.string.data[i] & 15];
    }
  }
  kyso_buf_append_byte(out, '>');
}

static kyso_status write_value(kyso_buf *out, const kyso_obj *obj,
                               kyso_write_marks *marks, int depth,
                               kyso_error *err) {
  kyso_status ret = KYSO_OK;
  size_t i, start = out->len;

  if (depth > KYSO_LIMIT_OBJECT_DEPTH)
    return kyso_error_set(err, KYSO_ERR_PDF_DEPTH,
                          "object nested too deep to write");
  switch (obj->type) {
  case KYSO_OBJ_NULL: kyso_buf_append_str(out, "null"); break;
  case KYSO_OBJ_BOOL:
    kyso_buf_append_str(out, obj->u.boolean ? "true" : "false");
    break;
  case KYSO_OBJ_INT:
    kyso_buf_printf(out, "%lld", (long long)obj->u.integer);
    break;
  case KYSO_OBJ_REAL: write_real(out, obj->u.real); break;
  case KYSO_OBJ_STRING: write_string(out, obj); break;
  case KYSO_OBJ_NAME: write_name(out, obj->u.name); break;
  case KYSO_OBJ_REF:
    kyso_buf_printf(out, "%u %u R", obj->u.ref.num, obj->u.ref.gen);
    break;
  case KYSO_OBJ_ARRAY:
    if (obj->mark == KYSO_MARK_BYTERANGE) {
      /* Placeholder patched once the layout is known. */
      char pad[KYSO_BYTERANGE_WIDTH + 1];
      memset(pad, ' ', KYSO_BYTERANGE_WIDTH);
      pad[KYSO_BYTERANGE_WIDTH] = 0;
      memcpy(pad, "0 0 0 0", 7);
      kyso_buf_append_byte(out, '[');
      kyso_buf_append_str(out, pad);
      kyso_buf_append_byte(out, ']');
      break;
    }
    kyso_buf_append_byte(out, '[');
    for (i = 0; i < obj->u.array.count && ret == KYSO_OK; i++) {
      if (i)
        kyso_buf_append_byte(out, ' ');
      ret = write_value(out, obj->u.array.items[i], marks, depth + 1, err);
    }
    kyso_buf_append_byte(out, ']');
    break;
  case KYSO_OBJ_DICT:
    kyso_buf_append_str(out, "<<");
    for (i = 0; i < obj->u.dict.count && ret == KYSO_OK; i++) {
      write_name(out, obj->u.dict.entries[i].key);
      kyso_buf_append_byte(out, ' ');
      ret =
          write_value(out, obj->u.dict.entries[i].value, marks, depth + 1, err);
      kyso_buf_append_byte(out, '\n');
    }
    kyso_buf_append_str(out, ">>");
    break;
  case KYSO_OBJ_STREAM:
    ret = write_value(out, obj->u.stream.dict, marks, depth + 1, err);
    kyso_buf_append_str(out, "\nstream\n");
    kyso_buf_append(out, obj->u.stream.data, obj->u.stream.len);
    kyso_buf_append_str(out, "\nendstream");
    break;
  }
  if (ret == KYSO_OK && marks && obj->mark > KYSO_MARK_NONE &&
      obj->mark < KYSO_MARK_COUNT) {
    marks->start[obj->mark] = start;
    marks->end[obj->mark] = out->len;
    marks->seen[obj->mark] = 1;
  }
  return ret;
}

kyso_status kyso_serialize(kyso_buf *out, const kyso_obj *obj,
                           kyso_write_marks *marks, kyso_error *err) {
  kyso_status ret = write_value(out, obj, marks, 0, err);
  if (ret == KYSO_OK && !kyso_buf_ok(out))
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory writing PDF");
  return ret;
}

int kyso_serialize_patch_byterange(uint8_t *at, size_t width,
                                   const size_t range[4]) {
  char tmp[128];
  int n = snprintf(tmp, sizeof(tmp), "%zu %zu %zu %zu", range[0], range[1],
                   range[2], range[3]);
  /* at points at '[': the numbers go between the brackets. */
  if (n < 0 || (size_t)n > width || at[0] != '[' || at[width + 1] != ']')
    return -1;
  memset(at + 1, ' ', width);
  memcpy(at + 1, tmp, (size_t)n);
  return 0;
}
