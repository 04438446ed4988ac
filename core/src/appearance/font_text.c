/* font_text.c - text drawn with an embedded TrueType subset; see
 * font_text.h. */
#include "appearance/font_text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appearance/font_ttf.h"
#include "pdf/pdf_filter.h"

struct kyso_font {
  kyso_ttf ttf;
  /* CID (= subset glyph id) of each font glyph, 0 when not drawn yet;
   * .notdef is CID 0 */
  uint16_t *cid_of;
  uint16_t *gid_of;  /* CID → font glyph; room for every glyph */
  uint32_t *unicode; /* CID → the code point first drawn with it */
  size_t used;       /* CIDs given out, .notdef included */
  int added;         /* kyso_font_add_to_update was called */
};

kyso_status kyso_font_open(kyso_blob ttf, kyso_font **out, kyso_error *err) {
  kyso_status ret;
  kyso_font *f = NULL;
  size_t ng;

  if (!out) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "no result pointer");
    goto done;
  }
  *out = NULL;
  f = calloc(1, sizeof(*f));
  if (!f)
    goto nomem;
  ret = kyso_ttf_parse(&f->ttf, ttf.data, ttf.len, err);
  if (ret != KYSO_OK)
    goto done;
  ng = f->ttf.num_glyphs;
  f->cid_of = calloc(ng, sizeof(*f->cid_of));
  f->gid_of = calloc(ng, sizeof(*f->gid_of));
  f->unicode = calloc(ng, sizeof(*f->unicode));
  if (!f->cid_of || !f->gid_of || !f->unicode)
    goto nomem;
  f->used = 1; /* CID 0: .notdef, glyph 0 */
  *out = f;
  f = NULL;
  ret = KYSO_OK;
  goto done;
nomem:
  ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
done:
  kyso_font_free(f);
  return ret;
}

void kyso_font_free(kyso_font *f) {
  if (!f)
    return;
  free(f->cid_of);
  free(f->gid_of);
  free(f->unicode);
  free(f);
}

/* Next code point of s[*i..len) (RFC 3629: no overlong forms, no
 * surrogates, nothing past U+10FFFF); -1 when the bytes are not UTF-8. */
static int utf8_next(const uint8_t *s, size_t len, size_t *i, uint32_t *cp) {
  uint32_t c = s[*i], min;
  size_t n, k;

  if (c < 0x80) {
    *cp = c;
    (*i)++;
    return 0;
  }
  if ((c & 0xE0) == 0xC0) {
    n = 1;
    c &= 0x1F;
    min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    n = 2;
    c &= 0x0F;
    min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    n = 3;
    c &= 0x07;
    min = 0x10000;
  } else {
    return -1;
  }
  if (len - *i <= n)
    return -1;
  for (k = 1; k <= n; k++) {
    uint8_t b = s[*i + k];
    if ((b & 0xC0) != 0x80)
      return -1;
    c = (c << 6) | (b & 0x3F);
  }
  if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
    return -1;
  *cp = c;
  *i += n + 1;
  return 0;
}

/* Width of a glyph in /W units (1/1000 em), rounded: measure uses the
 * same numbers the viewer will (ISO 32000-1 9.7.4.3). */
static long width1000(const kyso_font *f, uint16_t gid) {
  return lround(kyso_ttf_advance(&f->ttf, gid) * 1000.0 / f->ttf.units_per_em);
}

/* Checks utf8 (bounded, valid, every character in the font) and sums the
 * widths of its glyphs in 1/1000 em. */
static kyso_status scan(const kyso_font *f, const char *utf8, size_t *len,
                        long *sum, kyso_error *err) {
  const uint8_t *s = (const uint8_t *)utf8;
  size_t n = 0, i = 0;
  uint32_t cp;

  if (!f || !utf8)
    return kyso_error_set(err, KYSO_ERR_ARGUMENT, "no font or no text");
  while (n <= KYSO_FONT_LIMIT_TEXT && s[n])
    n++;
  if (n > KYSO_FONT_LIMIT_TEXT)
    return kyso_error_set(err, KYSO_ERR_LIMIT, "text longer than %d bytes",
                          KYSO_FONT_LIMIT_TEXT);
  *sum = 0;
  while (i < n) {
    uint16_t gid;
    size_t at = i;
    if (utf8_next(s, n, &i, &cp) != 0)
      return kyso_error_set(err, KYSO_ERR_ARGUMENT, "invalid UTF-8 at byte %zu",
                            at);
    gid = kyso_ttf_glyph(&f->ttf, cp);
    if (gid == 0)
      return kyso_error_set(err, KYSO_ERR_ARGUMENT,
                            "U+%04X is not in the font %s", (unsigned)cp,
                            f->ttf.ps_name);
    *sum += width1000(f, gid);
  }
  *len = n;
  return KYSO_OK;
}

kyso_status kyso_font_measure(kyso_font *f, const char *utf8, double size,
                              double *width, kyso_error *err) {
  kyso_status ret;
  size_t len;
  long sum;

  if (!width || !isfinite(size))
    return kyso_error_set(err, KYSO_ERR_ARGUMENT, "bad font size or width");
  ret = scan(f, utf8, &len, &sum, err);
  if (ret != KYSO_OK)
    return ret;
  *width = (double)sum * size / 1000.0;
  return KYSO_OK;
}

/* A number for a content stream: at most 4 decimals, no exponent, no
 * trailing zeros (ISO 32000-1 7.3.3). */
static void put_number(kyso_buf *b, double v) {
  char s[64];
  int n = snprintf(s, sizeof(s), "%.4f", v);
  if (n <= 0 || (size_t)n >= sizeof(s))
    return;
  while (n > 1 && s[n - 1] == '0')
    s[--n] = '\0';
  if (s[n - 1] == '.')
    s[--n] = '\0';
  if (strcmp(s, "-0") == 0)
    strcpy(s, "0");
  kyso_buf_append_str(b, s);
}

/* A resource name of regular characters only (7.2.2), so it needs no #xx
 * escapes in the content stream. */
static int name_ok(const char *s) {
  size_t i;
  if (!s || !s[0])
    return 0;
  for (i = 0; s[i]; i++) {
    char c = s[i];
    if (i >= KYSO_FONT_LIMIT_NAME ||
        !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
          (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
      return 0;
  }
  return 1;
}

kyso_status kyso_font_show(kyso_font *f, kyso_buf *content, const char *resname,
                           const char *utf8, double x, double y, double size,
                           kyso_error *err) {
  kyso_status ret;
  const uint8_t *s = (const uint8_t *)utf8;
  size_t len, i = 0;
  long sum;
  uint32_t cp;

  if (!content || !name_ok(resname) || !isfinite(x) || !isfinite(y) ||
      !isfinite(size))
    return kyso_error_set(err, KYSO_ERR_ARGUMENT,
                          "bad font resource name or position");
  if (f && f->added)
    return kyso_error_set(err, KYSO_ERR_STATE,
                          "text shown after the font was added");
  ret = scan(f, utf8, &len, &sum, err);
  if (ret != KYSO_OK)
    return ret;
  kyso_buf_printf(content, "BT /%s ", resname);
  put_number(content, size);
  kyso_buf_append_str(content, " Tf ");
  put_number(content, x);
  kyso_buf_append_byte(content, ' ');
  put_number(content, y);
  kyso_buf_append_str(content, " Td <");
  while (i < len) {
    uint16_t gid;
    utf8_next(s, len, &i, &cp); /* checked by scan */
    gid = kyso_ttf_glyph(&f->ttf, cp);
    if (f->cid_of[gid] == 0) {
      /* order of first use; at most num_glyphs - 1 glyphs besides
       * .notdef, so used stays below num_glyphs */
      f->cid_of[gid] = (uint16_t)f->used;
      f->gid_of[f->used] = gid;
      f->unicode[f->used] = cp;
      f->used++;
    }
    kyso_buf_printf(content, "%04X", (unsigned)f->cid_of[gid]);
  }
  kyso_buf_append_str(content, "> Tj ET\n");
  if (!kyso_buf_ok(content))
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  return KYSO_OK;
}

/* ---- the PDF objects ---------------------------------------------------- */

/* Font units to glyph space (1/1000 em). */
static int64_t to1000(const kyso_font *f, double v) {
  return (int64_t)lround(v * 1000.0 / f->ttf.units_per_em);
}

/* A subset tag (ISO 32000-1 9.6.4): six capitals derived from the glyph
 * list, so the same text gives the same tag (no randomness in the core). */
static void subset_tag(const kyso_font *f, char tag[8]) {
  uint32_t h = 2166136261u;
  size_t i;
  int k;
  for (i = 0; i < f->used; i++) {
    h = (h ^ (f->gid_of[i] & 0xFF)) * 16777619u;
    h = (h ^ (f->gid_of[i] >> 8)) * 16777619u;
  }
  for (k = 0; k < 6; k++) {
    tag[k] = (char)('A' + h % 26);
    h /= 26;
    if (h == 0)
      h = 2166136261u + (uint32_t)k;
  }
  tag[6] = '+';
  tag[7] = '\0';
}

/* The ToUnicode CMap (9.10.3; Adobe Technical Note 5411): each CID to the
 * UTF-16BE of the character drawn with it, surrogate pairs beyond the
 * BMP. At most 100 entries per bfchar block. */
static void build_tounicode(const kyso_font *f, size_t shown, kyso_buf *b) {
  size_t i, done_ = 0;
  kyso_buf_append_str(b, "/CIDInit /ProcSet findresource begin\n"
                         "12 dict begin\n"
                         "begincmap\n"
                         "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) "
                         "/Supplement 0 >> def\n"
                         "/CMapName /Adobe-Identity-UCS def\n"
                         "/CMapType 2 def\n"
                         "1 begincodespacerange\n<0000> <FFFF>\n"
                         "endcodespacerange\n");
  for (i = 1; i < shown; i++) {
    uint32_t cp = f->unicode[i];
    if (done_ % 100 == 0)
      kyso_buf_printf(b, "%zu beginbfchar\n",
                      shown - 1 - done_ < 100 ? shown - 1 - done_ : 100);
    if (cp >= 0x10000) {
      uint32_t v = cp - 0x10000;
      kyso_buf_printf(b, "<%04X> <%04X%04X>\n", (unsigned)i,
                      (unsigned)(0xD800 + (v >> 10)),
                      (unsigned)(0xDC00 + (v & 0x3FF)));
    } else {
      kyso_buf_printf(b, "<%04X> <%04X>\n", (unsigned)i, (unsigned)cp);
    }
    done_++;
    if (done_ % 100 == 0 || i + 1 == shown)
      kyso_buf_append_str(b, "endbfchar\n");
  }
  kyso_buf_append_str(b, "endcmap\n"
                         "CMapName currentdict /CMap defineresource pop\n"
                         "end\nend\n");
}

/* Adds a Flate stream of raw with dictionary dict to u; *ref: its
 * reference. */
static kyso_status add_flate_stream(kyso_update *u, const kyso_buf *raw,
                                    kyso_obj *dict, kyso_obj **ref,
                                    kyso_error *err) {
  kyso_status ret;
  kyso_arena *a = &u->arena;
  kyso_buf z;

  kyso_buf_init(&z);
  ret = kyso_flate_encode(raw->data, raw->len, &z, err);
  if (ret != KYSO_OK)
    goto done;
  if (kyso_dict_set(a, dict, "Filter", kyso_obj_new_name(a, "FlateDecode")) ||
      kyso_dict_set(a, dict, "Length", kyso_obj_new_int(a, (int64_t)z.len)) ||
      !(*ref =
            kyso_update_add(u, kyso_obj_new_stream(a, dict, z.data, z.len)))) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  ret = KYSO_OK;
done:
  kyso_buf_free(&z);
  return ret;
}

kyso_status kyso_font_add_to_update(kyso_font *f, kyso_update *u,
                                    kyso_obj **out, kyso_error *err) {
  kyso_status ret;
  kyso_arena *a;
  kyso_buf ttf, cmap;
  kyso_obj *d, *arr, *w, *ws, *csi, *file_ref, *desc_ref, *cid_ref, *tu_ref;
  kyso_obj *t0;
  size_t shown, total, i;
  char name[8 + KYSO_FONT_LIMIT_NAME + 1], tag[8];
  int flags;
  const kyso_ttf *t;

  kyso_buf_init(&ttf);
  kyso_buf_init(&cmap);
  if (!f || !u || !out) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "no font or no update");
    goto done;
  }
  if (f->added) {
    ret = kyso_error_set(err, KYSO_ERR_STATE, "font already added");
    goto done;
  }
  a = &u->arena;
  t = &f->ttf;
  shown = f->used;
  total = f->used;
  ret = kyso_ttf_subset(t, f->gid_of, &total, f->unicode, &ttf, err);
  if (ret != KYSO_OK)
    goto done;
  f->added = 1;
  subset_tag(f, tag);
  snprintf(name, sizeof(name), "%s%s", tag, t->ps_name);

  /* FontFile2 (9.9): the subset, Flate, /Length1 its decoded size */
  d = kyso_obj_new_dict(a);
  if (!d ||
      kyso_dict_set(a, d, "Length1", kyso_obj_new_int(a, (int64_t)ttf.len)))
    goto nomem;
  ret = add_flate_stream(u, &ttf, d, &file_ref, err);
  if (ret != KYSO_OK)
    goto done;

  /* FontDescriptor (9.8): Symbolic, since Vietnamese letters lie outside
   * the standard Latin set; StemV estimated from the weight class */
  flags = 4 | (t->fixed_pitch ? 1 : 0) | (t->serif ? 2 : 0) |
          (t->italic_angle != 0 ? 64 : 0);
  d = kyso_obj_new_dict(a);
  arr = kyso_obj_new_array(a);
  if (!d || !arr)
    goto nomem;
  for (i = 0; i < 4; i++)
    if (kyso_array_push(a, arr, kyso_obj_new_int(a, to1000(f, t->bbox[i]))))
      goto nomem;
  if (kyso_dict_set(a, d, "Type", kyso_obj_new_name(a, "FontDescriptor")) ||
      kyso_dict_set(a, d, "FontName", kyso_obj_new_name(a, name)) ||
      kyso_dict_set(a, d, "Flags", kyso_obj_new_int(a, flags)) ||
      kyso_dict_set(a, d, "FontBBox", arr) ||
      kyso_dict_set(a, d, "ItalicAngle",
                    kyso_obj_new_real(a, t->italic_angle / 65536.0)) ||
      kyso_dict_set(a, d, "Ascent",
                    kyso_obj_new_int(a, to1000(f, t->ascent))) ||
      kyso_dict_set(a, d, "Descent",
                    kyso_obj_new_int(a, to1000(f, t->descent))) ||
      kyso_dict_set(a, d, "CapHeight",
                    kyso_obj_new_int(a, to1000(f, t->cap_height))) ||
      kyso_dict_set(a, d, "StemV",
                    kyso_obj_new_int(a, 50 + (int64_t)t->weight_class *
                                                 t->weight_class / 4225)) ||
      kyso_dict_set(a, d, "FontFile2", file_ref))
    goto nomem;
  desc_ref = kyso_update_add(u, d);
  if (!desc_ref)
    goto nomem;

  /* CIDFontType2 (9.7.4): CID = subset glyph id, widths of every glyph */
  d = kyso_obj_new_dict(a);
  csi = kyso_obj_new_dict(a);
  w = kyso_obj_new_array(a);
  ws = kyso_obj_new_array(a);
  if (!d || !csi || !w || !ws ||
      kyso_dict_set(a, csi, "Registry", kyso_obj_new_string(a, "Adobe", 5)) ||
      kyso_dict_set(a, csi, "Ordering",
                    kyso_obj_new_string(a, "Identity", 8)) ||
      kyso_dict_set(a, csi, "Supplement", kyso_obj_new_int(a, 0)))
    goto nomem;
  for (i = 1; i < total; i++)
    if (kyso_array_push(a, ws, kyso_obj_new_int(a, width1000(f, f->gid_of[i]))))
      goto nomem;
  if (total > 1 && (kyso_array_push(a, w, kyso_obj_new_int(a, 1)) ||
                    kyso_array_push(a, w, ws)))
    goto nomem;
  if (kyso_dict_set(a, d, "Type", kyso_obj_new_name(a, "Font")) ||
      kyso_dict_set(a, d, "Subtype", kyso_obj_new_name(a, "CIDFontType2")) ||
      kyso_dict_set(a, d, "BaseFont", kyso_obj_new_name(a, name)) ||
      kyso_dict_set(a, d, "CIDSystemInfo", csi) ||
      kyso_dict_set(a, d, "FontDescriptor", desc_ref) ||
      kyso_dict_set(a, d, "DW", kyso_obj_new_int(a, width1000(f, 0))) ||
      kyso_dict_set(a, d, "W", w) ||
      kyso_dict_set(a, d, "CIDToGIDMap", kyso_obj_new_name(a, "Identity")))
    goto nomem;
  cid_ref = kyso_update_add(u, d);
  if (!cid_ref)
    goto nomem;

  build_tounicode(f, shown, &cmap);
  if (!kyso_buf_ok(&cmap))
    goto nomem;
  d = kyso_obj_new_dict(a);
  if (!d)
    goto nomem;
  ret = add_flate_stream(u, &cmap, d, &tu_ref, err);
  if (ret != KYSO_OK)
    goto done;

  /* Type0 (9.7.6) with Identity-H: two-byte codes equal to CIDs */
  t0 = kyso_obj_new_dict(a);
  arr = kyso_obj_new_array(a);
  if (!t0 || !arr || kyso_array_push(a, arr, cid_ref) ||
      kyso_dict_set(a, t0, "Type", kyso_obj_new_name(a, "Font")) ||
      kyso_dict_set(a, t0, "Subtype", kyso_obj_new_name(a, "Type0")) ||
      kyso_dict_set(a, t0, "BaseFont", kyso_obj_new_name(a, name)) ||
      kyso_dict_set(a, t0, "Encoding", kyso_obj_new_name(a, "Identity-H")) ||
      kyso_dict_set(a, t0, "DescendantFonts", arr) ||
      kyso_dict_set(a, t0, "ToUnicode", tu_ref))
    goto nomem;
  *out = kyso_update_add(u, t0);
  if (!*out)
    goto nomem;
  ret = KYSO_OK;
  goto done;
nomem:
  ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
done:
  kyso_buf_free(&ttf);
  kyso_buf_free(&cmap);
  return ret;
}
