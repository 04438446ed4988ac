/*
 * test_font_text.c - real text in appearances: TrueType parsing, Identity-H
 * drawing, the subset font and its PDF objects (font_text.h, font_ttf.h).
 *
 * The font is the real Liberation Serif from Debian's fonts-liberation2
 * (KYSO_TEST_FONT); without it the test fails. The Decree 30 strings are
 * drawn on a page through an incremental update, and independent readers
 * judge the result: pdftotext must give back exactly the strings drawn,
 * pdffonts must see an embedded CID TrueType subset with ToUnicode, and
 * qpdf --check must pass. The subset is read back by our own parser, its
 * checksums recomputed. Truncated and corrupted fonts must be refused (or
 * survived) without a crash: run this under the sanitizer build too.
 */
#define _POSIX_C_SOURCE 200809L /* mkstemp, fdopen, popen */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "appearance/font_text.h"
#include "appearance/font_ttf.h"
#include "check.h"
#include "pdf/pdf_filter.h"
#include "pdf/pdf_update.h"
#include "test_pdf.h"

#ifndef KYSO_TEST_FONT
#error "KYSO_TEST_FONT must name LiberationSerif-Regular.ttf"
#endif

static const char *const decree30[] = {"Tiền Giang, ngày 11 tháng 12 năm 2024",
                                       "123/QĐ-UBND",
                                       "SAO Y",
                                       "Văn phòng UBND tỉnh",
                                       "ư ơ ạ ế ợ Ư Ơ Ạ Ế Ợ",
                                       "2024-12-11T09:30:15+07:00"};
enum { DECREE30_COUNT = 6 };
static const char *const decree30_default[] = {
    "Tiền Giang, ngày 11 tháng 12 năm 2024",
    "123/QĐ-UBND",
    "SAO Y",
    "Văn phòng UBND tỉnh",
    "ươạếợƯƠẠẾỢ",
    "2024-12-11T09:30:15+07:00"};

static uint8_t *font_data;
static size_t font_len;

static uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  uint8_t *d = NULL;
  long n;
  if (!f)
    return NULL;
  if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
      fseek(f, 0, SEEK_SET) == 0) {
    d = malloc((size_t)n);
    if (d && fread(d, 1, (size_t)n, f) != (size_t)n) {
      free(d);
      d = NULL;
    }
    *len = (size_t)n;
  }
  fclose(f);
  return d;
}

/* Runs cmd on a temporary copy of data ("%s" is the path); its stdout in
 * out (NUL-terminated), its exit status returned, -1 if it could not run. */
static int run_on(const char *cmd_fmt, const uint8_t *data, size_t len,
                  char *out, size_t out_size) {
  char path[] = "/tmp/kyso-font-XXXXXX";
  char cmd[256];
  int fd = mkstemp(path), status;
  size_t n = 0;
  FILE *f, *p;

  out[0] = '\0';
  if (fd < 0)
    return -1;
  f = fdopen(fd, "wb");
  if (!f || fwrite(data, 1, len, f) != len) {
    if (f)
      fclose(f);
    unlink(path);
    return -1;
  }
  fclose(f);
  snprintf(cmd, sizeof(cmd), cmd_fmt, path);
  p = popen(cmd, "r");
  if (!p) {
    unlink(path);
    return -1;
  }
  while (n + 1 < out_size) {
    size_t got = fread(out + n, 1, out_size - 1 - n, p);
    if (got == 0)
      break;
    n += got;
  }
  out[n] = '\0';
  status = pclose(p);
  unlink(path);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ---- measuring and drawing ---------------------------------------------- */

static void test_measure(void) {
  kyso_font *f = NULL;
  kyso_error err;
  kyso_blob b = {font_data, font_len};
  double w = 0, sum = 0, one;
  size_t i = 0, k;
  const char *s = decree30[0];

  kyso_error_clear(&err);
  CHECK_EQ_INT(kyso_font_open(b, &f, &err), KYSO_OK);
  if (!f)
    return;
  /* Times metrics (Liberation Serif is metric-compatible with Times) */
  CHECK_EQ_INT(kyso_font_measure(f, "H", 1000, &w, &err), KYSO_OK);
  CHECK(fabs(w - 722) < 1e-9);
  CHECK_EQ_INT(kyso_font_measure(f, "a", 1000, &w, &err), KYSO_OK);
  CHECK(fabs(w - 444) < 1e-9);
  CHECK_EQ_INT(kyso_font_measure(f, " ", 1000, &w, &err), KYSO_OK);
  CHECK(fabs(w - 250) < 1e-9);
  /* a Vietnamese letter with two marks is as wide as its base letter */
  CHECK_EQ_INT(kyso_font_measure(f, "ề", 1000, &w, &err), KYSO_OK);
  CHECK(fabs(w - 444) < 1e-9);

  CHECK_EQ_INT(kyso_font_measure(f, s, 10, &w, &err), KYSO_OK);
  printf("width of \"%s\" at 10 pt: %.3f pt\n", s, w);
  CHECK(w > 120 && w < 220); /* 37 characters, about 4.5 pt each */
  while (s[i]) {
    char ch[5] = {0};
    size_t n = 1;
    unsigned char c = (unsigned char)s[i];
    n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    for (k = 0; k < n; k++)
      ch[k] = s[i + k];
    CHECK_EQ_INT(kyso_font_measure(f, ch, 10, &one, &err), KYSO_OK);
    CHECK(one > 0);
    sum += one;
    i += n;
  }
  CHECK(fabs(sum - w) < 1e-9);
  /* scales linearly */
  CHECK_EQ_INT(kyso_font_measure(f, s, 20, &one, &err), KYSO_OK);
  CHECK(fabs(one - 2 * w) < 1e-9);
  for (k = 0; k < DECREE30_COUNT; k++) {
    CHECK_EQ_INT(kyso_font_measure(f, decree30[k], 10, &w, &err), KYSO_OK);
    CHECK(w > 0 && w < 220);
  }

  /* not in the font, or not UTF-8: refused, naming the character */
  CHECK_EQ_INT(kyso_font_measure(f, "A\xE4\xB8\x80", 10, &w, &err),
               KYSO_ERR_ARGUMENT);
  CHECK(strstr(err.message, "U+4E00") != NULL);
  CHECK_EQ_INT(kyso_font_measure(f, "\xF0\x9F\x98\x80", 10, &w, &err),
               KYSO_ERR_ARGUMENT);
  CHECK(strstr(err.message, "U+1F600") != NULL);
  CHECK_EQ_INT(kyso_font_measure(f, "\xC3(", 10, &w, &err), KYSO_ERR_ARGUMENT);
  CHECK(strstr(err.message, "UTF-8") != NULL);
  CHECK_EQ_INT(kyso_font_measure(f, "\xED\xA0\x80", 10, &w, &err),
               KYSO_ERR_ARGUMENT); /* a surrogate */
  CHECK_EQ_INT(kyso_font_measure(f, "\xC0\xAF", 10, &w, &err),
               KYSO_ERR_ARGUMENT); /* overlong */
  CHECK_EQ_INT(kyso_font_measure(f, "\xE1\xBB", 10, &w, &err),
               KYSO_ERR_ARGUMENT); /* cut short */
  {
    char *longer = malloc(KYSO_FONT_LIMIT_TEXT + 2);
    if (longer) {
      memset(longer, 'a', KYSO_FONT_LIMIT_TEXT + 1);
      longer[KYSO_FONT_LIMIT_TEXT + 1] = '\0';
      CHECK_EQ_INT(kyso_font_measure(f, longer, 10, &w, &err), KYSO_ERR_LIMIT);
      longer[KYSO_FONT_LIMIT_TEXT] = '\0';
      CHECK_EQ_INT(kyso_font_measure(f, longer, 10, &w, &err), KYSO_OK);
      free(longer);
    }
  }
  kyso_font_free(f);
}

static void test_show(void) {
  kyso_font *f = NULL;
  kyso_error err;
  kyso_blob b = {font_data, font_len};
  kyso_buf c;
  const char *want = "BT /F1 10 Tf 72.5 -3 Td <0001000200030003> Tj ET\n";

  kyso_buf_init(&c);
  CHECK_EQ_INT(kyso_font_open(b, &f, &err), KYSO_OK);
  if (!f)
    return;
  /* CIDs in order of first use: S=1 A=2 O=3 */
  CHECK_EQ_INT(kyso_font_show(f, &c, "F1", "SAOO", 72.5, -3, 10, &err),
               KYSO_OK);
  kyso_buf_append_byte(&c, 0);
  CHECK_EQ_STR((const char *)c.data, want);
  c.len = 0;
  CHECK_EQ_INT(kyso_font_show(f, &c, "F1", "AOY", 0, 0, 9.25, &err), KYSO_OK);
  kyso_buf_append_byte(&c, 0);
  CHECK_EQ_STR((const char *)c.data, "BT /F1 9.25 Tf 0 0 Td <000200030004> "
                                     "Tj ET\n");
  c.len = 0;
  /* a failed show draws nothing */
  CHECK_EQ_INT(kyso_font_show(f, &c, "F1", "Y\xE4\xB8\x80", 0, 0, 9, &err),
               KYSO_ERR_ARGUMENT);
  CHECK_EQ_INT(c.len, 0);
  CHECK_EQ_INT(kyso_font_show(f, &c, "F 1", "Y", 0, 0, 9, &err),
               KYSO_ERR_ARGUMENT);
  CHECK_EQ_INT(kyso_font_show(f, &c, "F1", "Y", NAN, 0, 9, &err),
               KYSO_ERR_ARGUMENT);
  CHECK_EQ_INT(c.len, 0);
  kyso_font_free(f);
  kyso_buf_free(&c);
}

/* ---- the PDF ------------------------------------------------------------- */

typedef struct stamp {
  uint8_t *pdf; /* original + update */
  size_t pdf_len;
  size_t font_objects_bytes; /* the font's objects as written */
  size_t fontfile_len;       /* FontFile2 stream, compressed */
  size_t subset_len;         /* its /Length1 */
  kyso_buf subset;           /* the decoded FontFile2 */
  size_t w_count;            /* widths in /W */
  int64_t w[256];
} stamp;

/* Bytes the objects u->objects[from..] take in the update: "N 0 obj\n",
 * the object, "\nendobj\n" and a 20-byte xref entry. */
static size_t objects_bytes(kyso_update *u, size_t from) {
  size_t i, total = 0;
  kyso_error err;
  for (i = from; i < u->count; i++) {
    kyso_buf b;
    char head[32];
    kyso_buf_init(&b);
    if (kyso_serialize(&b, u->objects[i].obj, NULL, &err) == KYSO_OK)
      total += b.len;
    total += (size_t)snprintf(head, sizeof(head), "%u 0 obj\n",
                              (unsigned)u->objects[i].num) +
             8 + 20;
    kyso_buf_free(&b);
  }
  return total;
}

/* Draws lines[0..n) on the minimal page (one per line, 40 pt apart) with
 * the font ttf/len through an update; fills st. 0 on success. */
static int make_stamp(const uint8_t *ttf, size_t len, const char *const *lines,
                      size_t n, stamp *st) {
  uint8_t *orig = NULL;
  size_t orig_len, i, before;
  kyso_pdf *pdf = NULL;
  kyso_update u;
  kyso_font *f = NULL;
  kyso_buf content, out;
  kyso_error err;
  kyso_obj *font_ref = NULL, *page, *res, *fonts, *sd, *cref, *o;
  kyso_blob b = {ttf, len};
  int ok = -1, inited = 0;

  memset(st, 0, sizeof(*st));
  kyso_buf_init(&st->subset);
  kyso_buf_init(&content);
  kyso_buf_init(&out);
  kyso_error_clear(&err);
  orig = test_pdf_minimal(&orig_len);
  pdf = test_pdf_open_checked(orig, orig_len);
  if (!pdf || kyso_font_open(b, &f, &err) != KYSO_OK)
    goto done;
  kyso_update_init(&u, pdf);
  inited = 1;
  for (i = 0; i < n; i++)
    if (kyso_font_show(f, &content, "F1", lines[i], 72, 780 - 40.0 * i, 10,
                       &err) != KYSO_OK)
      goto done;
  sd = kyso_obj_new_dict(&u.arena);
  kyso_dict_set(&u.arena, sd, "Length",
                kyso_obj_new_int(&u.arena, (int64_t)content.len));
  cref = kyso_update_add(
      &u, kyso_obj_new_stream(&u.arena, sd, content.data, content.len));
  before = u.count;
  if (kyso_font_add_to_update(f, &u, &font_ref, &err) != KYSO_OK)
    goto done;
  st->font_objects_bytes = objects_bytes(&u, before);
  for (i = before; i < u.count; i++) {
    o = u.objects[i].obj;
    if (kyso_obj_is(o, KYSO_OBJ_STREAM) &&
        kyso_dict_get(o->u.stream.dict, "Length1")) {
      st->fontfile_len = o->u.stream.len;
      st->subset_len =
          (size_t)kyso_dict_get(o->u.stream.dict, "Length1")->u.integer;
      if (kyso_flate_decode(o->u.stream.data, o->u.stream.len, 1 << 24,
                            &st->subset, &err) != KYSO_OK)
        goto done;
    }
    if (kyso_obj_is(o, KYSO_OBJ_DICT) && kyso_dict_get(o, "W")) {
      kyso_obj *w = kyso_dict_get(o, "W"), *ws;
      if (w->u.array.count == 2 &&
          kyso_obj_is(ws = w->u.array.items[1], KYSO_OBJ_ARRAY)) {
        size_t k;
        for (k = 0; k < ws->u.array.count && k < 256; k++)
          st->w[k] = ws->u.array.items[k]->u.integer;
        st->w_count = ws->u.array.count;
      }
    }
  }
  page = kyso_obj_new_dict(&u.arena);
  res = kyso_obj_new_dict(&u.arena);
  fonts = kyso_obj_new_dict(&u.arena);
  {
    kyso_obj *mb = kyso_obj_new_array(&u.arena);
    int v[4] = {0, 0, 595, 842}, k;
    for (k = 0; k < 4; k++)
      kyso_array_push(&u.arena, mb, kyso_obj_new_int(&u.arena, v[k]));
    kyso_dict_set(&u.arena, page, "MediaBox", mb);
  }
  kyso_dict_set(&u.arena, page, "Type", kyso_obj_new_name(&u.arena, "Page"));
  kyso_dict_set(&u.arena, page, "Parent", kyso_obj_new_ref(&u.arena, 2, 0));
  kyso_dict_set(&u.arena, fonts, "F1", font_ref);
  kyso_dict_set(&u.arena, res, "Font", fonts);
  kyso_dict_set(&u.arena, page, "Resources", res);
  kyso_dict_set(&u.arena, page, "Contents", cref);
  if (kyso_update_replace(&u, 3, 0, page, &err) != KYSO_OK ||
      kyso_update_write(&u, &out, NULL, &err) != KYSO_OK)
    goto done;
  st->pdf = test_pdf_concat(orig, orig_len, out.data, out.len, &st->pdf_len);
  ok = 0;
done:
  if (ok != 0)
    fprintf(stderr, "make_stamp: %s\n", err.message);
  if (inited)
    kyso_update_free(&u);
  kyso_font_free(f);
  kyso_pdf_close(pdf);
  free(orig);
  kyso_buf_free(&content);
  kyso_buf_free(&out);
  return ok;
}

static void stamp_free(stamp *st) {
  free(st->pdf);
  kyso_buf_free(&st->subset);
}

/* pdftotext's lines (form feeds and empty lines dropped) equal want. */
static int text_is(const char *text, const char *const *want, size_t n) {
  const char *p = text;
  size_t i = 0;
  while (*p) {
    const char *e = strchr(p, '\n');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    while (len > 0 && p[0] == '\f') {
      p++;
      len--;
    }
    if (len > 0) {
      if (i >= n || strlen(want[i]) != len || memcmp(want[i], p, len) != 0) {
        fprintf(stderr, "line %zu: \"%.*s\" (want \"%s\")\n", i, (int)len, p,
                i < n ? want[i] : "");
        return 0;
      }
      i++;
    }
    p += len + (e ? 1 : 0);
  }
  if (i != n)
    fprintf(stderr, "%zu lines, want %zu\n", i, n);
  return i == n;
}

static uint32_t be32(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
         ((uint32_t)p[2] << 8) | p[3];
}

/* The sfnt checksums: each table's, and the whole file's (0xB1B0AFBA). */
static int checksums_ok(const uint8_t *d, size_t len) {
  uint32_t sum = 0, n, i;
  size_t k;
  if (len < 12 || len % 4)
    return 0;
  for (k = 0; k < len; k += 4)
    sum += be32(d + k);
  if (sum != 0xB1B0AFBAu)
    return 0;
  n = (uint32_t)((d[4] << 8) | d[5]);
  for (i = 0; i < n; i++) {
    const uint8_t *r = d + 12 + 16 * i;
    uint32_t off = be32(r + 8), tl = be32(r + 12), s = 0;
    if (off % 4 || off > len || tl > len - off)
      return 0;
    for (k = 0; k < tl; k += 4) {
      uint8_t w[4] = {0};
      memcpy(w, d + off + k, tl - k < 4 ? tl - k : 4);
      if (memcmp(r, "head", 4) == 0 && k == 8)
        memset(w, 0, 4); /* checkSumAdjustment */
      s += be32(w);
    }
    if (s != be32(r + 4))
      return 0;
  }
  return 1;
}

static void test_pdf(void) {
  stamp st;
  char text[4096];
  kyso_ttf t;
  kyso_font *sub = NULL;
  kyso_blob sb;
  kyso_error err;
  size_t i;

  CHECK_EQ_INT(make_stamp(font_data, font_len, decree30, DECREE30_COUNT, &st),
               0);
  if (!st.pdf)
    goto done;
  CHECK_EQ_INT(test_pdf_qpdf_check(st.pdf, st.pdf_len), 0);
  /* -raw: the text in content stream order, exactly as drawn */
  CHECK_EQ_INT(run_on("pdftotext -raw -enc UTF-8 %s -", st.pdf, st.pdf_len,
                      text, sizeof(text)),
               0);
  CHECK(text_is(text, decree30, DECREE30_COUNT));
  /* the default reading order too; poppler 22 drops the spaces of a line
   * of one-letter words with evenly spaced letters (it does the same for
   * "u o a" in the standard Times-Roman), so that line is compared without
   * its spaces */
  CHECK_EQ_INT(run_on("pdftotext -enc UTF-8 %s -", st.pdf, st.pdf_len, text,
                      sizeof(text)),
               0);
  CHECK(text_is(text, decree30_default, DECREE30_COUNT));
  CHECK_EQ_INT(run_on("pdftotext -layout -enc UTF-8 %s - | grep -c 'Tiền "
                      "Giang, ngày 11 tháng 12 năm 2024'",
                      st.pdf, st.pdf_len, text, sizeof(text)),
               0);
  /* an embedded CID TrueType subset with ToUnicode, Identity-H */
  CHECK_EQ_INT(run_on("pdffonts %s", st.pdf, st.pdf_len, text, sizeof(text)),
               0);
  printf("%s", text);
  CHECK(strstr(text, "+LiberationSerif") != NULL);
  CHECK(strstr(text, "CID TrueType") != NULL);
  CHECK(strstr(text, "Identity-H") != NULL);
  CHECK(strstr(text, "yes yes yes") != NULL);
  printf("font objects: %zu bytes (FontFile2 %zu bytes, subset %zu bytes "
         "uncompressed; the full font is %zu bytes)\n",
         st.font_objects_bytes, st.fontfile_len, st.subset_len, font_len);
  CHECK(st.font_objects_bytes > 0 && st.font_objects_bytes <= 40 * 1024);

  /* the subset read back: a sound sfnt with the glyphs of /W, same widths
   * and, through its own cmap, the same measures */
  CHECK_EQ_INT(st.subset.len, st.subset_len);
  CHECK(checksums_ok(st.subset.data, st.subset.len));
  CHECK_EQ_INT(kyso_ttf_parse(&t, st.subset.data, st.subset.len, &err),
               KYSO_OK);
  CHECK_EQ_INT(t.num_glyphs, st.w_count + 1);
  printf("subset: %u glyphs\n", (unsigned)t.num_glyphs);
  for (i = 0; i < st.w_count && i < 256 && i + 1 < t.num_glyphs; i++)
    CHECK_EQ_INT(lround(kyso_ttf_advance(&t, (uint16_t)(i + 1)) * 1000.0 /
                        t.units_per_em),
                 st.w[i]);
  sb.data = st.subset.data;
  sb.len = st.subset.len;
  CHECK_EQ_INT(kyso_font_open(sb, &sub, &err), KYSO_OK);
  if (sub) {
    kyso_font *full = NULL;
    kyso_blob fb = {font_data, font_len};
    double w1 = 0, w2 = -1;
    CHECK_EQ_INT(kyso_font_open(fb, &full, &err), KYSO_OK);
    for (i = 0; full && i < DECREE30_COUNT; i++) {
      CHECK_EQ_INT(kyso_font_measure(full, decree30[i], 10, &w1, &err),
                   KYSO_OK);
      CHECK_EQ_INT(kyso_font_measure(sub, decree30[i], 10, &w2, &err), KYSO_OK);
      CHECK(fabs(w1 - w2) < 1e-9);
    }
    /* a glyph left out of the subset is not there */
    CHECK_EQ_INT(kyso_font_measure(sub, "Z", 10, &w2, &err), KYSO_ERR_ARGUMENT);
    kyso_font_free(full);
    kyso_font_free(sub);
  }
done:
  stamp_free(&st);
}

/* Beyond the BMP: a font whose cmap maps U+1F600 to the glyph of "A" (made
 * with the subsetter) is drawn, and pdftotext must give back the emoji,
 * which only a surrogate pair in ToUnicode can express. */
static void test_non_bmp(void) {
  kyso_ttf t;
  kyso_error err;
  kyso_buf ttf;
  uint16_t gids[4];
  uint32_t uni[4] = {0, 0x1F600, 'B', 0};
  size_t count = 3;
  stamp st;
  char text[256];
  static const char *const lines[] = {"B\xF0\x9F\x98\x80"
                                      "B"};

  kyso_buf_init(&ttf);
  memset(&st, 0, sizeof(st));
  CHECK_EQ_INT(kyso_ttf_parse(&t, font_data, font_len, &err), KYSO_OK);
  gids[0] = 0;
  gids[1] = kyso_ttf_glyph(&t, 'A');
  gids[2] = kyso_ttf_glyph(&t, 'B');
  CHECK_EQ_INT(kyso_ttf_subset(&t, gids, &count, uni, &ttf, &err), KYSO_OK);
  CHECK_EQ_INT(count, 3);
  CHECK(checksums_ok(ttf.data, ttf.len));
  CHECK_EQ_INT(make_stamp(ttf.data, ttf.len, lines, 1, &st), 0);
  if (st.pdf) {
    static const char *const want[] = {"B\xF0\x9F\x98\x80"
                                       "B"};
    CHECK_EQ_INT(test_pdf_qpdf_check(st.pdf, st.pdf_len), 0);
    CHECK_EQ_INT(run_on("pdftotext -raw -enc UTF-8 %s -", st.pdf, st.pdf_len,
                        text, sizeof(text)),
                 0);
    CHECK(text_is(text, want, 1));
  }
  stamp_free(&st);
  kyso_buf_free(&ttf);
}

/* ---- broken fonts ------------------------------------------------------- */

/* Everything a caller would do with a font that opened; each call must
 * succeed or refuse with ARGUMENT (a corrupt font), never crash. */
static int exercise(const uint8_t *d, size_t len, kyso_pdf *pdf) {
  kyso_font *f = NULL;
  kyso_error err;
  kyso_blob b = {d, len};
  kyso_status s;
  kyso_update u;
  kyso_buf c;
  kyso_obj *ref;
  double w;
  size_t i;
  int ok = 1;

  s = kyso_font_open(b, &f, &err);
  if (s != KYSO_OK)
    return s == KYSO_ERR_ARGUMENT;
  kyso_buf_init(&c);
  kyso_update_init(&u, pdf);
  for (i = 0; i < DECREE30_COUNT; i++) {
    s = kyso_font_measure(f, decree30[i], 10, &w, &err);
    ok &= s == KYSO_OK || s == KYSO_ERR_ARGUMENT;
    s = kyso_font_show(f, &c, "F1", decree30[i], 0, 0, 10, &err);
    ok &= s == KYSO_OK || s == KYSO_ERR_ARGUMENT;
  }
  s = kyso_font_add_to_update(f, &u, &ref, &err);
  ok &= s == KYSO_OK || s == KYSO_ERR_ARGUMENT;
  if (s == KYSO_OK) {
    kyso_buf out;
    kyso_buf_init(&out);
    ok &= kyso_update_write(&u, &out, NULL, &err) == KYSO_OK;
    kyso_buf_free(&out);
  }
  kyso_update_free(&u);
  kyso_buf_free(&c);
  kyso_font_free(f);
  return ok;
}

static uint32_t rng_state = 12345;
static uint32_t rng(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 17;
  rng_state ^= rng_state << 5;
  return rng_state;
}

static void test_broken(void) {
  uint8_t *orig, *d;
  size_t orig_len, len, i, refused = 0, survived = 0, bad = 0;
  kyso_pdf *pdf;
  kyso_font *f = NULL;
  kyso_error err;
  kyso_blob b;
  kyso_ttf t;
  uint32_t glyph_pos[64];
  size_t nglyph_pos = 0;
  static const uint8_t otto[16] = {'O', 'T', 'T', 'O', 0, 1};
  static const uint8_t ttcf[16] = {'t', 't', 'c', 'f', 0, 1};

  /* not fonts at all */
  b.data = NULL;
  b.len = 0;
  CHECK_EQ_INT(kyso_font_open(b, &f, &err), KYSO_ERR_ARGUMENT);
  b.data = otto;
  b.len = sizeof(otto);
  CHECK_EQ_INT(kyso_font_open(b, &f, &err), KYSO_ERR_ARGUMENT);
  CHECK(strstr(err.message, "CFF") != NULL);
  b.data = ttcf;
  CHECK_EQ_INT(kyso_font_open(b, &f, &err), KYSO_ERR_ARGUMENT);
  b.data = (const uint8_t *)"%PDF-1.7 not a font at all";
  b.len = 26;
  CHECK_EQ_INT(kyso_font_open(b, &f, &err), KYSO_ERR_ARGUMENT);
  CHECK(f == NULL);

  /* every truncation is refused: the last table ends at the end of the
   * file. Each copy is exactly len bytes so ASan sees any overread. */
  for (len = 0; len < font_len; len += len < 4096 ? 1 : 997) {
    d = malloc(len ? len : 1);
    memcpy(d, font_data, len);
    b.data = d;
    b.len = len;
    if (kyso_font_open(b, &f, &err) != KYSO_ERR_ARGUMENT) {
      bad++;
      kyso_font_free(f);
      f = NULL;
    }
    free(d);
  }
  CHECK_EQ_INT(bad, 0);

  /* random byte changes: in the tables before glyf (directory, head,
   * hhea, maxp, OS/2, hmtx, cmap, loca...), in the glyphs drawn, anywhere */
  orig = test_pdf_minimal(&orig_len);
  pdf = test_pdf_open_checked(orig, orig_len);
  CHECK(pdf != NULL);
  if (kyso_ttf_parse(&t, font_data, font_len, &err) == KYSO_OK) {
    const char *s = decree30[0];
    while (*s && nglyph_pos < 64) {
      uint16_t g = kyso_ttf_glyph(&t, (unsigned char)*s);
      const uint8_t *l = font_data + t.loca.off;
      if (g) {
        uint32_t st = t.loca_long
                          ? be32(l + 4 * g)
                          : 2u * (uint32_t)((l[2 * g] << 8) | l[2 * g + 1]);
        glyph_pos[nglyph_pos++] = t.glyf.off + st;
      }
      s++;
    }
    /* the precomposed letters, often composite glyphs */
    {
      static const uint32_t cps[] = {0x1EC1, 0x1EA1, 0x1EE3, 0x1EBF, 0x01B0,
                                     0x01A1, 0x0110, 0x0103, 0x1EC9};
      size_t k;
      for (k = 0; k < sizeof(cps) / sizeof(cps[0]) && nglyph_pos < 64; k++) {
        uint16_t g = kyso_ttf_glyph(&t, cps[k]);
        const uint8_t *l = font_data + t.loca.off;
        uint32_t st = t.loca_long
                          ? be32(l + 4 * g)
                          : 2u * (uint32_t)((l[2 * g] << 8) | l[2 * g + 1]);
        glyph_pos[nglyph_pos++] = t.glyf.off + st;
      }
    }
  }
  CHECK(nglyph_pos > 10);
  d = malloc(font_len);
  for (i = 0; pdf && d && i < 1500; i++) {
    size_t k, flips = 1 + rng() % 4;
    memcpy(d, font_data, font_len);
    for (k = 0; k < flips; k++) {
      size_t at;
      switch (i % 3) {
      case 0: at = rng() % (t.glyf.off ? t.glyf.off : font_len); break;
      case 1: at = glyph_pos[rng() % nglyph_pos] + rng() % 40; break;
      default: at = rng() % font_len; break;
      }
      if (at < font_len)
        d[at] ^= (uint8_t)(1 + rng() % 255);
    }
    if (!exercise(d, font_len, pdf))
      bad++;
    b.data = d;
    b.len = font_len;
    if (kyso_font_open(b, &f, &err) == KYSO_OK) {
      survived++;
      kyso_font_free(f);
      f = NULL;
    } else {
      refused++;
    }
  }
  CHECK_EQ_INT(bad, 0);
  printf("corrupted fonts: %zu refused, %zu still opened (and drawn)\n",
         refused, survived);
  free(d);
  kyso_pdf_close(pdf);
  free(orig);
}

/* Calls out of order. */
static void test_state(void) {
  kyso_font *f = NULL;
  kyso_error err;
  kyso_blob b = {font_data, font_len};
  uint8_t *orig;
  size_t orig_len;
  kyso_pdf *pdf;
  kyso_update u;
  kyso_obj *ref = NULL;
  kyso_buf c;

  kyso_buf_init(&c);
  orig = test_pdf_minimal(&orig_len);
  pdf = test_pdf_open_checked(orig, orig_len);
  CHECK_EQ_INT(kyso_font_open(b, &f, &err), KYSO_OK);
  if (pdf && f) {
    kyso_update_init(&u, pdf);
    /* nothing shown: a font with .notdef only is still valid */
    CHECK_EQ_INT(kyso_font_add_to_update(f, &u, &ref, &err), KYSO_OK);
    CHECK(ref != NULL);
    CHECK_EQ_INT(kyso_font_add_to_update(f, &u, &ref, &err), KYSO_ERR_STATE);
    CHECK_EQ_INT(kyso_font_show(f, &c, "F1", "A", 0, 0, 10, &err),
                 KYSO_ERR_STATE);
    kyso_update_free(&u);
  }
  kyso_font_free(f);
  kyso_pdf_close(pdf);
  free(orig);
  kyso_buf_free(&c);
}

int main(void) {
  font_data = read_file(KYSO_TEST_FONT, &font_len);
  if (!font_data) {
    fprintf(stderr,
            "%s: cannot read the test font (install fonts-liberation2)\n",
            KYSO_TEST_FONT);
    return 1;
  }
  test_measure();
  test_show();
  test_pdf();
  test_non_bmp();
  test_state();
  test_broken();
  free(font_data);
  return check_summary();
}
