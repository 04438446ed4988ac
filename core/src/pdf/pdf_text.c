/* pdf_text.c - text string conversion; see pdf_text.h. */
#include "pdf/pdf_text.h"

#include <string.h>

/* PDFDocEncoding 0x80-0x9F and 0xA0 (ISO 32000-1 Annex D.2); 0 = undefined. */
static const uint16_t pdfdoc_high[33] = {
    0x2022, 0x2020, 0x2021, 0x2026, 0x2014, 0x2013, 0x0192, 0x2044, 0x2039,
    0x203A, 0x2212, 0x2030, 0x201E, 0x201C, 0x201D, 0x2018, 0x2019, 0x201A,
    0x2122, 0xFB01, 0xFB02, 0x0141, 0x0152, 0x0160, 0x0178, 0x017D, 0x0131,
    0x0142, 0x0153, 0x0161, 0x017E, 0,      0x20AC};

static size_t utf8_put(uint8_t *out, uint32_t cp) {
  if (cp < 0x80) {
    out[0] = (uint8_t)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (uint8_t)(0xC0 | cp >> 6);
    out[1] = (uint8_t)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (uint8_t)(0xE0 | cp >> 12);
    out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (uint8_t)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (uint8_t)(0xF0 | cp >> 18);
  out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (uint8_t)(0x80 | (cp & 0x3F));
  return 4;
}

size_t kyso_utf8_decode(const uint8_t *s, size_t n, uint32_t *cp) {
  size_t len, i;
  uint32_t v;
  *cp = 0xFFFD;
  if (n == 0)
    return 0;
  if (s[0] < 0x80) {
    *cp = s[0];
    return 1;
  }
  if ((s[0] & 0xE0) == 0xC0) {
    len = 2;
    v = s[0] & 0x1F;
  } else if ((s[0] & 0xF0) == 0xE0) {
    len = 3;
    v = s[0] & 0x0F;
  } else if ((s[0] & 0xF8) == 0xF0) {
    len = 4;
    v = s[0] & 0x07;
  } else {
    return 0;
  }
  if (len > n)
    return 0;
  for (i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return 0;
    v = v << 6 | (s[i] & 0x3F);
  }
  /* Reject overlong forms, surrogates and values past U+10FFFF. */
  if ((len == 2 && v < 0x80) || (len == 3 && v < 0x800) ||
      (len == 4 && v < 0x10000) || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
    return 0;
  *cp = v;
  return len;
}

char *kyso_text_to_utf8(kyso_arena *arena, const uint8_t *data, size_t len) {
  /* Worst case: every byte (or UTF-16 unit) becomes 3 UTF-8 bytes. */
  uint8_t *out;
  size_t i, n = 0;

  if (len > (SIZE_MAX - 1) / 3)
    return NULL;
  out = kyso_arena_alloc(arena, len * 3 + 1);
  if (!out)
    return NULL;
  if (len >= 2 && data[0] == 0xFE && data[1] == 0xFF) {
    for (i = 2; i + 1 < len; i += 2) {
      uint32_t u = (uint32_t)data[i] << 8 | data[i + 1];
      if (u >= 0xD800 && u <= 0xDBFF && i + 3 < len) {
        uint32_t lo = (uint32_t)data[i + 2] << 8 | data[i + 3];
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
          u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
          i += 2;
        } else {
          u = 0xFFFD;
        }
      } else if (u >= 0xD800 && u <= 0xDFFF) {
        u = 0xFFFD;
      }
      n += utf8_put(out + n, u);
    }
  } else {
    for (i = 0; i < len; i++) {
      uint32_t u = data[i];
      if (u >= 0x80 && u <= 0xA0)
        u = pdfdoc_high[u - 0x80] ? pdfdoc_high[u - 0x80] : 0xFFFD;
      n += utf8_put(out + n, u);
    }
  }
  out[n] = 0;
  return (char *)out;
}

kyso_obj *kyso_text_from_utf8(kyso_arena *arena, const char *utf8) {
  const uint8_t *s = (const uint8_t *)utf8;
  size_t n = strlen(utf8), i, k = 0;
  int ascii = 1;
  uint8_t *buf;
  kyso_obj *o;

  for (i = 0; i < n; i++)
    if (s[i] >= 0x80 || s[i] < 0x20)
      ascii = 0;
  if (ascii)
    return kyso_obj_new_string(arena, utf8, n);
  if (n > (SIZE_MAX - 2) / 4)
    return NULL;
  buf = kyso_arena_alloc(arena, 2 + n * 4);
  if (!buf)
    return NULL;
  buf[k++] = 0xFE;
  buf[k++] = 0xFF;
  for (i = 0; i < n;) {
    uint32_t cp;
    size_t step = kyso_utf8_decode(s + i, n - i, &cp);
    i += step ? step : 1;
    if (cp >= 0x10000) {
      uint32_t v = cp - 0x10000;
      uint32_t hi = 0xD800 + (v >> 10), lo = 0xDC00 + (v & 0x3FF);
      buf[k++] = (uint8_t)(hi >> 8);
      buf[k++] = (uint8_t)hi;
      buf[k++] = (uint8_t)(lo >> 8);
      buf[k++] = (uint8_t)lo;
    } else {
      buf[k++] = (uint8_t)(cp >> 8);
      buf[k++] = (uint8_t)cp;
    }
  }
  o = kyso_obj_new(arena, KYSO_OBJ_STRING);
  if (o) {
    o->u.string.data = buf;
    o->u.string.len = k;
    o->hex = 1;
  }
  return o;
}
