/*
 * test_pdf_parse.c - reading PDFs: the xref chain in all its flavours,
 * object syntax, the page tree, the form, and refusing broken files.
 *
 * Every input is built here by a small writer (pb_*) that lays out
 * objects and computes correct cross-reference offsets, so each table row
 * only says what is in the file and what kyso_pdf_open + kyso_pdf_check
 * must answer. Bad files are good files with one thing changed. After the
 * table: every truncation of one xref-stream file and random single-byte
 * corruptions (fixed seed) must give OK or an error with a message, never
 * a crash (run under the sanitizer build too).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <zlib.h>

#include "check.h"
#include "kyso/pdf.h"
#include "pdf/pdf_file.h"
#include "pdf/pdf_form.h"
#include "pdf/pdf_parse.h"

/* ---- a tiny PDF writer that gets the offsets right ---------------------- */

enum { PB_MAX = 64, PB_SECTIONS = 8 };

enum { E_NONE = 0, E_OFFSET, E_COMPRESSED, E_FREE };

typedef struct pb_entry {
  int kind;
  size_t offset;  /* byte offset, or object stream number */
  unsigned extra; /* generation, or index in the object stream */
} pb_entry;

typedef struct pb {
  kyso_buf out;
  pb_entry e[PB_MAX]; /* entries of the section being built */
  int max_num;        /* highest object number used so far */
  int sections;
  size_t sec_offset[PB_SECTIONS]; /* where each xref section starts */
  size_t sec_end[PB_SECTIONS];    /* one past its %%EOF line */
  size_t startxref_override;      /* nonzero: written instead */
  int no_index;                   /* xref streams without /Index */
} pb;

static void pb_begin(pb *b) {
  memset(b, 0, sizeof(*b));
  kyso_buf_init(&b->out);
  kyso_buf_append_str(&b->out, "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n");
}

static void pb_note(pb *b, int num, int kind, size_t offset, unsigned extra) {
  if (num < 0 || num >= PB_MAX) {
    fprintf(stderr, "pb: object number %d out of range\n", num);
    abort();
  }
  b->e[num].kind = kind;
  b->e[num].offset = offset;
  b->e[num].extra = extra;
  if (num > b->max_num)
    b->max_num = num;
}

/* "num 0 obj\n<body>\nendobj\n" */
static void pb_obj(pb *b, int num, const char *body) {
  pb_note(b, num, E_OFFSET, b->out.len, 0);
  kyso_buf_printf(&b->out, "%d 0 obj\n", num);
  kyso_buf_append_str(&b->out, body);
  kyso_buf_append_str(&b->out, "\nendobj\n");
}

/* A stream; /Length is written first, then dict_entries. */
static void pb_stream(pb *b, int num, const char *dict_entries,
                      const void *data, size_t len) {
  pb_note(b, num, E_OFFSET, b->out.len, 0);
  kyso_buf_printf(&b->out, "%d 0 obj\n<< /Length %zu %s >>\nstream\n", num, len,
                  dict_entries);
  kyso_buf_append(&b->out, data, len);
  kyso_buf_append_str(&b->out, "\nendstream\nendobj\n");
}

static void pb_free(pb *b, int num, unsigned gen) {
  pb_note(b, num, E_FREE, 0, gen);
}

static void deflate_into(const void *data, size_t len, kyso_buf *out) {
  uLongf n = compressBound((uLong)len);
  kyso_buf_reserve(out, n);
  if (compress2(out->data + out->len, &n, data, (uLong)len, 9) != Z_OK) {
    fprintf(stderr, "pb: compress2 failed\n");
    abort();
  }
  out->len += n;
}

/* An object stream (7.5.7) holding bodies[i] as object nums[i]. header,
 * when given, replaces the computed "num offset ..." pairs. */
static void pb_objstm(pb *b, int stmnum, const int *nums,
                      const char *const *bodies, size_t n, const char *header) {
  kyso_buf head, body, all, z;
  size_t i;
  char dict[128];

  kyso_buf_init(&head);
  kyso_buf_init(&body);
  kyso_buf_init(&all);
  kyso_buf_init(&z);
  for (i = 0; i < n; i++) {
    kyso_buf_printf(&head, "%d %zu ", nums[i], body.len);
    kyso_buf_append_str(&body, bodies[i]);
    kyso_buf_append_str(&body, "\n");
  }
  if (header) {
    head.len = 0;
    kyso_buf_append_str(&head, header);
  }
  kyso_buf_append(&all, head.data, head.len);
  kyso_buf_append(&all, body.data, body.len);
  deflate_into(all.data, all.len, &z);
  snprintf(dict, sizeof(dict), "/Type /ObjStm /N %zu /First %zu /Filter /Fl", n,
           head.len);
  pb_stream(b, stmnum, dict, z.data, z.len);
  for (i = 0; i < n; i++)
    pb_note(b, nums[i], E_COMPRESSED, (size_t)stmnum, (unsigned)i);
  kyso_buf_free(&head);
  kyso_buf_free(&body);
  kyso_buf_free(&all);
  kyso_buf_free(&z);
}

static void pb_end_section(pb *b, size_t xref_at) {
  kyso_buf_printf(&b->out, "startxref\n%zu\n%%%%EOF\n",
                  b->startxref_override ? b->startxref_override : xref_at);
  if (b->sections < PB_SECTIONS) {
    b->sec_offset[b->sections] = xref_at;
    b->sec_end[b->sections] = b->out.len;
  }
  b->sections++;
  memset(b->e, 0, sizeof(b->e));
}

static void pb_prev(pb *b, kyso_buf *out) {
  if (b->sections > 0)
    kyso_buf_printf(out, "/Prev %zu ", b->sec_offset[b->sections - 1]);
}

/* A classic table (7.5.4) of this section's entries; trailer is the
 * trailer's other entries (NULL: "/Root 1 0 R"). The first section lists
 * object 0 as the head of the free list. */
static void pb_table(pb *b, const char *trailer) {
  size_t xref_at = b->out.len;
  int i, j;

  if (b->sections == 0)
    pb_note(b, 0, E_FREE, 0, 65535);
  kyso_buf_append_str(&b->out, "xref\n");
  for (i = 0; i < PB_MAX;) {
    if (b->e[i].kind == E_NONE) {
      i++;
      continue;
    }
    for (j = i; j < PB_MAX && b->e[j].kind != E_NONE; j++)
      ;
    kyso_buf_printf(&b->out, "%d %d\n", i, j - i);
    for (; i < j; i++) {
      if (b->e[i].kind == E_OFFSET)
        kyso_buf_printf(&b->out, "%010zu %05u n\r\n", b->e[i].offset,
                        b->e[i].extra);
      else /* free, or (hybrid files) compressed: free for old readers */
        kyso_buf_printf(&b->out, "%010d %05u f\r\n", 0,
                        b->e[i].kind == E_FREE ? b->e[i].extra : 0);
    }
  }
  kyso_buf_printf(&b->out, "trailer\n<< /Size %d ", b->max_num + 1);
  pb_prev(b, &b->out);
  kyso_buf_append_str(&b->out, trailer ? trailer : "/Root 1 0 R");
  kyso_buf_append_str(&b->out, " >>\n");
  pb_end_section(b, xref_at);
}

/* The rows of an xref stream with /W [1 2 1], PNG Up predictor (12,
 * /Columns 4) and FlateDecode, as most writers make them (7.5.8). kinds
 * selects which entries go in (a mask of 1 << E_xxx). */
static void pb_xref_stream_obj(pb *b, int num, unsigned kinds,
                               const char *entries) {
  kyso_buf rows, pred, z, index;
  uint8_t prev[4] = {0, 0, 0, 0};
  size_t at = b->out.len, r;
  int i, j;

  kyso_buf_init(&rows);
  kyso_buf_init(&pred);
  kyso_buf_init(&z);
  kyso_buf_init(&index);
  pb_note(b, num, E_OFFSET, at, 0);
  if (b->sections == 0 && (kinds & (1u << E_FREE)))
    pb_note(b, 0, E_FREE, 0, 255);
  if (at > 0xffff) {
    fprintf(stderr, "pb: offset %zu does not fit /W [1 2 1]\n", at);
    abort();
  }
  for (i = 0; i < PB_MAX;) {
    if (b->e[i].kind == E_NONE || !(kinds & (1u << b->e[i].kind))) {
      i++;
      continue;
    }
    for (j = i;
         j < PB_MAX && b->e[j].kind != E_NONE && (kinds & (1u << b->e[j].kind));
         j++)
      ;
    kyso_buf_printf(&index, "%d %d ", i, j - i);
    for (; i < j; i++) {
      uint8_t row[4];
      const pb_entry *e = &b->e[i];
      row[0] = e->kind == E_FREE ? 0 : e->kind == E_OFFSET ? 1 : 2;
      row[1] = (uint8_t)(e->kind == E_FREE ? 0 : e->offset >> 8);
      row[2] = (uint8_t)(e->kind == E_FREE ? 0 : e->offset);
      row[3] = (uint8_t)(e->extra > 255 ? 255 : e->extra);
      kyso_buf_append(&rows, row, 4);
    }
  }
  /* PNG Up: each row is a type byte 2 and the difference to the row
   * above (7.4.4.4). */
  for (r = 0; r + 4 <= rows.len; r += 4) {
    kyso_buf_append_byte(&pred, 2);
    for (i = 0; i < 4; i++) {
      kyso_buf_append_byte(&pred, (uint8_t)(rows.data[r + i] - prev[i]));
      prev[i] = rows.data[r + i];
    }
  }
  deflate_into(pred.data, pred.len, &z);
  kyso_buf_printf(&b->out,
                  "%d 0 obj\n<< /Type /XRef /Size %d /W [1 2 1] "
                  "/Filter /FlateDecode /DecodeParms << /Columns 4 "
                  "/Predictor 12 >> /Length %zu ",
                  num, b->max_num + 1, z.len);
  if (!b->no_index)
    kyso_buf_printf(&b->out, "/Index [%s] ",
                    index.data ? (char *)index.data : "");
  kyso_buf_append_str(&b->out, entries);
  kyso_buf_append_str(&b->out, " >>\nstream\n");
  kyso_buf_append(&b->out, z.data, z.len);
  kyso_buf_append_str(&b->out, "\nendstream\nendobj\n");
  kyso_buf_free(&rows);
  kyso_buf_free(&pred);
  kyso_buf_free(&z);
  kyso_buf_free(&index);
}

/* An xref stream section, object num, listing this section's entries and
 * itself. trailer as for pb_table; it may override generated keys (the
 * parser keeps the last of a repeated key). */
static void pb_xref_stream(pb *b, int num, const char *trailer) {
  size_t at = b->out.len;
  kyso_buf entries;

  kyso_buf_init(&entries);
  pb_prev(b, &entries);
  kyso_buf_append_str(&entries, trailer ? trailer : "/Root 1 0 R");
  pb_xref_stream_obj(b, num,
                     (1u << E_OFFSET) | (1u << E_COMPRESSED) | (1u << E_FREE),
                     (char *)entries.data);
  kyso_buf_free(&entries);
  pb_end_section(b, at);
}

/* A hybrid section (7.5.8.4): an xref stream (object num) for the objects
 * in object streams, then a classic table for the rest whose trailer
 * points at the stream with /XRefStm; the table lists the compressed
 * objects as free, which the stream must override. */
static void pb_hybrid(pb *b, int num, const char *trailer) {
  size_t stm_at = b->out.len;
  char extra[64];

  pb_xref_stream_obj(b, num, 1u << E_COMPRESSED, "");
  snprintf(extra, sizeof(extra), "/XRefStm %zu ", stm_at);
  {
    kyso_buf t;
    kyso_buf_init(&t);
    kyso_buf_append_str(&t, extra);
    kyso_buf_append_str(&t, trailer ? trailer : "/Root 1 0 R");
    pb_table(b, (char *)t.data);
    kyso_buf_free(&t);
  }
}

static uint8_t *pb_take(pb *b, size_t *len) {
  if (!kyso_buf_ok(&b->out)) {
    fprintf(stderr, "pb: out of memory\n");
    abort();
  }
  return kyso_buf_take(&b->out, len);
}

/* Last occurrence of needle in the output, or (size_t)-1. */
static size_t pb_rfind(const pb *b, const char *needle) {
  size_t n = strlen(needle), i = b->out.len;
  while (i >= n) {
    i--;
    if (i + n <= b->out.len && memcmp(b->out.data + i, needle, n) == 0)
      return i;
  }
  return (size_t)-1;
}

/* ---- shared objects ------------------------------------------------------ */

#define CATALOG "<< /Type /Catalog /Pages 2 0 R >>"
#define PAGES1 "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
#define PAGE "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"
#define VALUES                                                                 \
  "<< /Int 42 /Neg -17 /Half -.5 /Three 3. /Plus +.25 /T true /F false "       \
  "/Nul null /Sp /A#20B /Str (x) /Ref 3 0 R /Arr [1 (two) /three [4]] >>"

static void base_objects(pb *b) {
  pb_obj(b, 1, CATALOG);
  pb_obj(b, 2, PAGES1);
  pb_obj(b, 3, PAGE);
}

/* ---- helpers to look at what was parsed ---------------------------------- */

static kyso_obj *object(kyso_pdf *pdf, uint32_t num) {
  kyso_obj *o = NULL;
  kyso_error err;
  kyso_error_clear(&err);
  if (kyso_pdf_get_object(pdf, num, &o, &err) != KYSO_OK) {
    fprintf(stderr, "object %u: %s\n", num, err.message);
    return NULL;
  }
  return o;
}

static int string_is(const kyso_obj *o, const void *bytes, size_t len) {
  return kyso_obj_is(o, KYSO_OBJ_STRING) && o->u.string.len == len &&
         memcmp(o->u.string.data, bytes, len) == 0;
}

static int64_t int_of(const kyso_obj *o) {
  return kyso_obj_is(o, KYSO_OBJ_INT) ? o->u.integer : INT64_MIN;
}

static int real_is(const kyso_obj *o, double v) {
  return kyso_obj_is(o, KYSO_OBJ_REAL) && fabs(o->u.real - v) < 1e-9;
}

static int is_page_3(kyso_pdf *pdf) {
  kyso_obj *o = object(pdf, 3);
  return kyso_obj_is_name(kyso_dict_get(o, "Type"), "Page");
}

/* ---- table rows: build and inspect functions ----------------------------- */

static void inspect_values(kyso_pdf *pdf) {
  kyso_obj *d = object(pdf, 4), *arr;

  CHECK(kyso_obj_is(d, KYSO_OBJ_DICT));
  CHECK_EQ_INT(int_of(kyso_dict_get(d, "Int")), 42);
  CHECK_EQ_INT(int_of(kyso_dict_get(d, "Neg")), -17);
  CHECK(real_is(kyso_dict_get(d, "Half"), -0.5));
  CHECK(real_is(kyso_dict_get(d, "Three"), 3.0));
  CHECK(real_is(kyso_dict_get(d, "Plus"), 0.25));
  CHECK(kyso_obj_is(kyso_dict_get(d, "T"), KYSO_OBJ_BOOL) &&
        kyso_dict_get(d, "T")->u.boolean == 1);
  CHECK(kyso_obj_is(kyso_dict_get(d, "F"), KYSO_OBJ_BOOL) &&
        kyso_dict_get(d, "F")->u.boolean == 0);
  CHECK(kyso_obj_is(kyso_dict_get(d, "Nul"), KYSO_OBJ_NULL));
  CHECK(kyso_obj_is_name(kyso_dict_get(d, "Sp"), "A B"));
  CHECK(string_is(kyso_dict_get(d, "Str"), "x", 1));
  CHECK(kyso_obj_is(kyso_dict_get(d, "Ref"), KYSO_OBJ_REF) &&
        kyso_dict_get(d, "Ref")->u.ref.num == 3 &&
        kyso_dict_get(d, "Ref")->u.ref.gen == 0);
  arr = kyso_dict_get(d, "Arr");
  CHECK(kyso_obj_is(arr, KYSO_OBJ_ARRAY) && arr->u.array.count == 4);
  if (kyso_obj_is(arr, KYSO_OBJ_ARRAY) && arr->u.array.count == 4) {
    CHECK_EQ_INT(int_of(arr->u.array.items[0]), 1);
    CHECK(string_is(arr->u.array.items[1], "two", 3));
    CHECK(kyso_obj_is_name(arr->u.array.items[2], "three"));
    CHECK(kyso_obj_is(arr->u.array.items[3], KYSO_OBJ_ARRAY) &&
          int_of(arr->u.array.items[3]->u.array.items[0]) == 4);
  }
  /* A number past every section reads as null (7.3.10). */
  CHECK(kyso_obj_is(object(pdf, 60), KYSO_OBJ_NULL));
  CHECK(is_page_3(pdf));
}

static void build_classic(pb *b) {
  base_objects(b);
  pb_obj(b, 4, VALUES);
  pb_table(b, NULL);
}

static void inspect_classic(kyso_pdf *pdf, const pb *b) {
  kyso_revision_info r;
  inspect_values(pdf);
  CHECK_EQ_INT(kyso_pdf_get_revision(pdf, 0, &r), 0);
  CHECK_EQ_INT(r.xref_is_stream, 0);
  CHECK_EQ_INT(r.end, pdf->len);
  CHECK_EQ_INT(r.xref_offset, pdf->startxref);
  CHECK_EQ_INT(kyso_pdf_get_revision(pdf, 1, &r), -1);
  CHECK_EQ_INT(kyso_xref_get(pdf, 4)->kind, KYSO_XREF_OFFSET);
  CHECK_EQ_INT(kyso_xref_get(pdf, 0)->kind, KYSO_XREF_FREE);
}

static void build_xstream(pb *b) {
  base_objects(b);
  pb_obj(b, 4, VALUES);
  pb_xref_stream(b, 5, NULL);
}

static void inspect_xstream(kyso_pdf *pdf, const pb *b) {
  kyso_revision_info r;
  inspect_values(pdf);
  CHECK_EQ_INT(kyso_pdf_get_revision(pdf, 0, &r), 0);
  CHECK_EQ_INT(r.xref_is_stream, 1);
  CHECK_EQ_INT(r.end, pdf->len);
  /* the xref stream lists itself */
  CHECK(kyso_obj_is_name(kyso_dict_get(object(pdf, 5)->u.stream.dict, "Type"),
                         "XRef"));
}

/* Catalog and page tree root inside an object stream; the page outside. */
static void build_objstm(pb *b) {
  static const int nums[] = {1, 2, 6};
  static const char *const bodies[] = {
      "<< /Type /Catalog /Pages 2 0 R /Extra (in stream) >>", PAGES1,
      "[(six) 6.5 /Six]"};
  pb_objstm(b, 4, nums, bodies, 3, NULL);
  pb_obj(b, 3, PAGE);
  pb_xref_stream(b, 5, "/Root 1 0 R /Info 7 0 R");
  pb_obj(b, 7, "<< /Producer (pb) >>"); /* after: not in the xref */
}

static void inspect_objstm(kyso_pdf *pdf, const pb *b) {
  kyso_obj *cat = object(pdf, 1), *six = object(pdf, 6);
  CHECK_EQ_INT(kyso_xref_get(pdf, 1)->kind, KYSO_XREF_COMPRESSED);
  CHECK_EQ_INT(kyso_xref_get(pdf, 1)->offset, 4);
  CHECK_EQ_INT(kyso_xref_get(pdf, 2)->index, 1);
  CHECK_EQ_INT(kyso_xref_get(pdf, 6)->index, 2);
  CHECK(string_is(kyso_dict_get(cat, "Extra"), "in stream", 9));
  CHECK(kyso_obj_is(six, KYSO_OBJ_ARRAY) && six->u.array.count == 3 &&
        string_is(six->u.array.items[0], "six", 3) &&
        real_is(six->u.array.items[1], 6.5) &&
        kyso_obj_is_name(six->u.array.items[2], "Six"));
  /* Object 7 exists in the bytes, not in the xref: null. */
  CHECK(kyso_obj_is(object(pdf, 7), KYSO_OBJ_NULL));
  CHECK(is_page_3(pdf));
}

static void build_hybrid(pb *b) {
  static const int nums[] = {1, 2};
  static const char *const bodies[] = {CATALOG, PAGES1};
  pb_obj(b, 3, PAGE);
  pb_objstm(b, 4, nums, bodies, 2, NULL);
  pb_obj(b, 6, "(plain six)");
  pb_hybrid(b, 5, NULL);
}

static void inspect_hybrid(kyso_pdf *pdf, const pb *b) {
  kyso_revision_info r;
  CHECK_EQ_INT(kyso_xref_get(pdf, 1)->kind, KYSO_XREF_COMPRESSED);
  CHECK_EQ_INT(kyso_xref_get(pdf, 2)->kind, KYSO_XREF_COMPRESSED);
  CHECK_EQ_INT(kyso_xref_get(pdf, 6)->kind, KYSO_XREF_OFFSET);
  CHECK(string_is(object(pdf, 6), "plain six", 9));
  CHECK(kyso_obj_is_name(kyso_dict_get(object(pdf, 1), "Type"), "Catalog"));
  /* one revision, a table (the /XRefStm stream is part of it) */
  CHECK_EQ_INT(kyso_pdf_get_revision(pdf, 0, &r), 0);
  CHECK_EQ_INT(r.xref_is_stream, 0);
  CHECK(kyso_dict_get(pdf->trailer, "XRefStm") != NULL);
}

/* Word 2007 hybrid files updated by other writers (issue 12): every update
 * trailer repeats the original /XRefStm. The second revision rewrites
 * object 1 (compressed in the first) at an offset; the third repeats the
 * /XRefStm. The stream is read once, in the NEWEST section naming it, as
 * poppler, pdf.js and qpdf read it: its entries come before the second
 * revision's table, so object 1 is the compressed one again (reading it in
 * the oldest section instead let an update show kyso other objects than
 * every viewer: tests/integration/verify_reader_gaps_test.sh). */
static void build_hybrid_repeated(pb *b) {
  char trailer[64];
  size_t stm_at;
  build_hybrid(b);
  stm_at = pb_rfind(b, "5 0 obj");
  snprintf(trailer, sizeof(trailer), "/XRefStm %zu /Root 1 0 R", stm_at);
  pb_obj(b, 1, "<< /Type /Catalog /Pages 2 0 R /Rev (two) >>");
  pb_table(b, trailer);
  pb_obj(b, 6, "(six3)");
  pb_table(b, trailer);
}

static void inspect_hybrid_repeated(kyso_pdf *pdf, const pb *b) {
  (void)b;
  CHECK_EQ_INT(kyso_xref_get(pdf, 1)->kind, KYSO_XREF_COMPRESSED);
  CHECK(kyso_dict_get(object(pdf, 1), "Rev") == NULL);
  CHECK_EQ_INT(kyso_xref_get(pdf, 2)->kind, KYSO_XREF_COMPRESSED);
  CHECK(string_is(object(pdf, 6), "six3", 4));
}

/* A hybrid section whose /XRefStm is its own table: not a stream. */
static void build_hybrid_stm_is_table(pb *b) {
  base_objects(b);
  pb_table(b, "/Root 1 0 R");
  pb_obj(b, 4, "(v2)");
  pb_table(b, "/Root 1 0 R /XRefStm 0000000000");
  {
    size_t at = pb_rfind(b, "/XRefStm 0000000000");
    char digits[24];
    snprintf(digits, sizeof(digits), "%010zu", b->sec_offset[1]);
    memcpy(b->out.data + at + 9, digits, 10);
  }
}

/* Overwrites the first occurrence of what (same length) by with. */
static void pb_patch(pb *b, const char *what, const char *with) {
  size_t n = strlen(what), i;
  for (i = 0; i + n <= b->out.len; i++)
    if (memcmp(b->out.data + i, what, n) == 0) {
      memcpy(b->out.data + i, with, n);
      return;
    }
  fprintf(stderr, "pb_patch: '%s' not found\n", what);
  abort();
}

/* pdf.js corpus files (108 of them, qpdf clean): the free-list head has
 * generation 65536, one past the last; so has an "in use" entry at offset
 * 0 (which is free). */
static void build_free_gen_65536(pb *b) {
  base_objects(b);
  pb_note(b, 4, E_OFFSET, 0, 0);
  pb_table(b, NULL);
  pb_patch(b, "0000000000 65535 f", "0000000000 65536 f");
  pb_patch(b, "0000000000 00000 n", "0000000000 65536 n");
}

static void inspect_free_gen_65536(kyso_pdf *pdf, const pb *b) {
  (void)b;
  CHECK_EQ_INT(kyso_xref_get(pdf, 0)->kind, KYSO_XREF_FREE);
  CHECK_EQ_INT(kyso_xref_get(pdf, 4)->kind, KYSO_XREF_FREE);
  CHECK(kyso_obj_is(object(pdf, 4), KYSO_OBJ_NULL));
}

/* Generation 65536 on an object that is there is still an error. */
static void build_used_gen_65536(pb *b) {
  char entry[32], with[32];
  base_objects(b);
  snprintf(entry, sizeof(entry), "%010zu 00000 n", b->e[3].offset);
  snprintf(with, sizeof(with), "%010zu 65536 n", b->e[3].offset);
  pb_table(b, NULL);
  pb_patch(b, entry, with);
}

/* pyHanko's no-mediabox.pdf: no /MediaBox on the page or its parents.
 * Read as US Letter (as pdf.js, poppler and PDFBox show it), flagged. */
static void build_no_media_box(pb *b) {
  pb_obj(b, 1, CATALOG);
  pb_obj(b, 2, PAGES1);
  pb_obj(b, 3, "<< /Type /Page /Parent 2 0 R >>");
  pb_table(b, NULL);
}

static void inspect_no_media_box(kyso_pdf *pdf, const pb *b) {
  (void)b;
  CHECK_EQ_INT(pdf->pages[0].media_box_guessed, 1);
  CHECK(pdf->pages[0].media_box[2] == 612 && pdf->pages[0].media_box[3] == 792);
  CHECK(pdf->pages[0].crop_box[2] == 612 && pdf->pages[0].crop_box[3] == 792);
}

/* PDFBox's MissingCatalog.pdf, pdf.js issue5334: /Root has /Pages but no
 * /Type (qpdf, pdf.js and poppler read it). */
static void build_untyped_catalog(pb *b) {
  pb_obj(b, 1, "<< /Pages 2 0 R >>");
  pb_obj(b, 2, PAGES1);
  pb_obj(b, 3, PAGE);
  pb_table(b, NULL);
}

/* Three revisions (7.5.6): 4 changes in the second, 6 in the third, 5 is
 * freed in the third. */
static void build_revisions3(pb *b) {
  base_objects(b);
  pb_obj(b, 4, "(v1)");
  pb_obj(b, 5, "(five)");
  pb_obj(b, 6, "(six1)");
  pb_table(b, NULL);
  pb_obj(b, 4, "(v2)");
  pb_obj(b, 6, "(six2)");
  pb_table(b, NULL);
  pb_obj(b, 6, "(six3)");
  pb_free(b, 5, 1);
  pb_table(b, NULL);
}

static void inspect_revisions3(kyso_pdf *pdf, const pb *b) {
  kyso_revision_info r;
  int i;
  CHECK(string_is(object(pdf, 4), "v2", 2));
  CHECK(kyso_obj_is(object(pdf, 5), KYSO_OBJ_NULL));
  CHECK(string_is(object(pdf, 6), "six3", 4));
  CHECK(is_page_3(pdf));
  CHECK_EQ_INT(kyso_xref_get(pdf, 5)->kind, KYSO_XREF_FREE);
  CHECK_EQ_INT(kyso_xref_get(pdf, 5)->gen, 1);
  for (i = 0; i < 3; i++) {
    CHECK_EQ_INT(kyso_pdf_get_revision(pdf, (size_t)i, &r), 0);
    CHECK_EQ_INT(r.xref_offset, b->sec_offset[i]);
    CHECK_EQ_INT(r.end, b->sec_end[i]);
    CHECK_EQ_INT(r.xref_is_stream, 0);
  }
}

/* A table, then an update with an xref stream (mixed flavours). */
static void build_revisions2(pb *b) {
  base_objects(b);
  pb_obj(b, 4, "(v1)");
  pb_obj(b, 5, "(five)");
  pb_table(b, NULL);
  pb_obj(b, 4, "(v2)");
  pb_free(b, 5, 1);
  pb_xref_stream(b, 6, NULL);
}

static void inspect_revisions2(kyso_pdf *pdf, const pb *b) {
  kyso_revision_info r0, r1;
  CHECK(string_is(object(pdf, 4), "v2", 2));
  CHECK(kyso_obj_is(object(pdf, 5), KYSO_OBJ_NULL));
  CHECK_EQ_INT(kyso_pdf_get_revision(pdf, 0, &r0), 0);
  CHECK_EQ_INT(kyso_pdf_get_revision(pdf, 1, &r1), 0);
  CHECK_EQ_INT(r0.xref_is_stream, 0);
  CHECK_EQ_INT(r1.xref_is_stream, 1);
  CHECK_EQ_INT(r0.end, b->sec_end[0]);
  CHECK_EQ_INT(r1.xref_offset, b->sec_offset[1]);
  CHECK_EQ_INT(r1.end, pdf->len);
}

static void build_indirect_length(pb *b) {
  base_objects(b);
  pb_obj(b, 4, "<< /Length 5 0 R >>\nstream\nHello, stream\nendstream");
  pb_obj(b, 5, "13");
  pb_table(b, NULL);
}

static void inspect_indirect_length(kyso_pdf *pdf, const pb *b) {
  kyso_obj *s = object(pdf, 4);
  kyso_buf data;
  kyso_error err;
  kyso_buf_init(&data);
  CHECK(kyso_obj_is(s, KYSO_OBJ_STREAM));
  if (kyso_obj_is(s, KYSO_OBJ_STREAM)) {
    CHECK_EQ_INT(s->u.stream.len, 13);
    CHECK_EQ_INT(kyso_pdf_stream_decode(pdf, s, 1000, &data, &err), KYSO_OK);
    CHECK(data.len == 13 && memcmp(data.data, "Hello, stream", 13) == 0);
  }
  kyso_buf_free(&data);
}

/* Every escape of 7.3.4.2, raw CR / CRLF, hex strings with odd digits and
 * white space (7.3.4.3). */
static const char strings_body[] =
    "[(a\\nb\\rc\\td\\be\\ff\\(g\\)h\\\\i\\101\\60\\0618\\377"
    "j\\\nk\\\r\nl (nested (deep)) m\r\nn\ro)"
    " <48 65\n6C\t6c 6F 7> <> (\\q) ()]";

static void build_strings(pb *b) {
  base_objects(b);
  pb_obj(b, 4, strings_body);
  pb_table(b, NULL);
}

static void inspect_strings(kyso_pdf *pdf, const pb *b) {
  static const uint8_t want[] = "a\nb\rc\td\be\ff(g)h\\iA018\xff"
                                "jkl (nested (deep)) m\nn\no";
  kyso_obj *a = object(pdf, 4);
  CHECK(kyso_obj_is(a, KYSO_OBJ_ARRAY) && a->u.array.count == 5);
  if (!kyso_obj_is(a, KYSO_OBJ_ARRAY) || a->u.array.count != 5)
    return;
  CHECK(string_is(a->u.array.items[0], want, sizeof(want) - 1));
  CHECK(string_is(a->u.array.items[1], "Hello\x70", 6));
  CHECK(a->u.array.items[1]->hex == 1 && a->u.array.items[0]->hex == 0);
  CHECK(string_is(a->u.array.items[2], "", 0));
  /* an unknown escape is the byte itself */
  CHECK(string_is(a->u.array.items[3], "q", 1));
  CHECK(string_is(a->u.array.items[4], "", 0));
}

static void build_page_tree(pb *b) {
  pb_obj(b, 1, CATALOG);
  pb_obj(b, 2,
         "<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 3 "
         "/MediaBox [0 0 600 800] /Rotate 90 >>");
  pb_obj(b, 3, "<< /Type /Page /Parent 2 0 R >>");
  pb_obj(b, 4,
         "<< /Type /Pages /Parent 2 0 R /Kids [5 0 R 6 0 R] /Count 2 "
         "/CropBox [10 20 500 700] /Rotate -90 >>");
  pb_obj(b, 5, "<< /Type /Page /Parent 4 0 R /MediaBox [612 792 0 0] >>");
  pb_obj(b, 6,
         "<< /Type /Page /Parent 4 0 R /Rotate 540 /CropBox 7 0 R "
         "/MediaBox [0 0 100.5 200] >>");
  pb_obj(b, 7, "[1 2 3 4]");
  pb_table(b, NULL);
}

static int box_is(const double *box, double a, double b, double c, double d) {
  return box[0] == a && box[1] == b && box[2] == c && box[3] == d;
}

static void inspect_page_tree(kyso_pdf *pdf, const pb *b) {
  const kyso_page *p = pdf->pages;
  if (pdf->page_count != 3)
    return;
  CHECK_EQ_INT(p[0].num, 3);
  CHECK(box_is(p[0].media_box, 0, 0, 600, 800));
  CHECK(box_is(p[0].crop_box, 0, 0, 600, 800));
  CHECK_EQ_INT(p[0].rotate, 90);
  CHECK_EQ_INT(p[1].num, 5);
  CHECK(box_is(p[1].media_box, 0, 0, 612, 792)); /* corners normalized */
  CHECK(box_is(p[1].crop_box, 10, 20, 500, 700));
  CHECK_EQ_INT(p[1].rotate, 270);
  CHECK_EQ_INT(p[2].num, 6);
  CHECK(box_is(p[2].media_box, 0, 0, 100.5, 200));
  CHECK(box_is(p[2].crop_box, 1, 2, 3, 4));
  CHECK_EQ_INT(p[2].rotate, 180);
  CHECK(kyso_obj_is_name(kyso_dict_get(p[2].dict, "Type"), "Page"));
}

/* A form with a parent field, a text child with a widget kid, a signed
 * signature field and an unsigned one with a UTF-16 name. The ByteRange
 * is patched to end at the end of the file. */
static void build_form(pb *b) {
  size_t at, len;
  char digits[24];
  pb_obj(b, 1,
         "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R 8 0 R] "
         "/SigFlags 3 >> >>");
  pb_obj(b, 2, PAGES1);
  pb_obj(b, 3, PAGE);
  pb_obj(b, 4, "<< /T (parent) /Kids [5 0 R 6 0 R] >>");
  pb_obj(b, 5, "<< /T (child) /FT /Tx /Parent 4 0 R /Kids [9 0 R] >>");
  pb_obj(b, 6, "<< /T (sig) /FT /Sig /Parent 4 0 R /V 7 0 R >>");
  pb_obj(b, 7,
         "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter "
         "/ETSI.CAdES.detached /ByteRange [0 100 200 0000000000] "
         "/Contents <3082AB> /M (D:20241211093015+07'00') "
         "/Name <FEFF0056 0069 1EC7 0074> /Reason (Test) "
         "/Location (H\340 N\364i) >>");
  pb_obj(b, 8, "<< /T <FEFF011000E1006E0068> /FT /Sig >>");
  pb_obj(b, 9, "<< /Type /Annot /Subtype /Widget /Parent 5 0 R >>");
  pb_table(b, NULL);
  at = pb_rfind(b, "0000000000]");
  len = b->out.len;
  snprintf(digits, sizeof(digits), "%010zu", len - 200);
  if (at != (size_t)-1)
    memcpy(b->out.data + at, digits, 10);
}

typedef struct names {
  char text[512];
} names;

static kyso_status collect(void *ctx, const kyso_form_field *f,
                           kyso_error *err) {
  names *n = ctx;
  size_t used = strlen(n->text);
  snprintf(n->text + used, sizeof(n->text) - used, "%s:%s;", f->name, f->type);
  return KYSO_OK;
}

static void inspect_form(kyso_pdf *pdf, const pb *b) {
  names n;
  kyso_error err;
  const kyso_pdf_signature *sigs = NULL;
  size_t count = 0;

  memset(&n, 0, sizeof(n));
  CHECK_EQ_INT(kyso_form_walk(pdf, collect, &n, &err), KYSO_OK);
  CHECK_EQ_STR(n.text, "parent.child:Tx;parent.sig:Sig;"
                       "\xc4\x90\xc3\xa1nh:Sig;");
  CHECK_EQ_INT(kyso_pdf_list_signatures(pdf, &sigs, &count, &err), KYSO_OK);
  CHECK_EQ_INT(count, 1);
  if (count != 1)
    return;
  CHECK_EQ_STR(sigs[0].field_name, "parent.sig");
  CHECK_EQ_STR(sigs[0].sub_filter, "ETSI.CAdES.detached");
  CHECK_EQ_STR(sigs[0].type, "Sig");
  CHECK_EQ_INT(sigs[0].byte_range_count, 4);
  CHECK_EQ_INT(sigs[0].byte_range[0], 0);
  CHECK_EQ_INT(sigs[0].byte_range[1], 100);
  CHECK_EQ_INT(sigs[0].byte_range[2], 200);
  CHECK_EQ_INT(sigs[0].byte_range[3], (int64_t)pdf->len - 200);
  CHECK(sigs[0].contents_len == 3 &&
        memcmp(sigs[0].contents, "\x30\x82\xab", 3) == 0);
  CHECK_EQ_STR(sigs[0].signing_time, "D:20241211093015+07'00'");
  CHECK_EQ_STR(sigs[0].name, "Vi\xe1\xbb\x87t");
  CHECK_EQ_STR(sigs[0].reason, "Test");
  CHECK_EQ_STR(sigs[0].location, "H\xc3\xa0 N\xc3\xb4i");
  CHECK_EQ_INT(sigs[0].revision, 0);
  CHECK_EQ_INT(sigs[0].covers_whole_file, 1);
}

/* iText's signatureFieldNotMergedWithWidget.pdf: the signature field has
 * /V and a widget kid that carries its own /T (so it is a field of its
 * own) and no /V: the value is inherited (12.7.3.1). */
static void build_sig_kid_widget(pb *b) {
  pb_obj(b, 1,
         "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] "
         "/SigFlags 3 >> >>");
  pb_obj(b, 2, PAGES1);
  pb_obj(b, 3, PAGE);
  pb_obj(b, 4, "<< /T (Signature1) /FT /Sig /Kids [5 0 R] /V 6 0 R >>");
  pb_obj(b, 5,
         "<< /Type /Annot /Subtype /Widget /T (Signature1) /Parent 4 0 R "
         "/Rect [0 0 0 0] /P 3 0 R >>");
  pb_obj(b, 6,
         "<< /Type /Sig /SubFilter /ETSI.CAdES.detached /ByteRange [0 10 20 "
         "30] /Contents <3082AB> >>");
  pb_table(b, NULL);
}

static void inspect_sig_kid_widget(kyso_pdf *pdf, const pb *b) {
  kyso_error err;
  const kyso_pdf_signature *sigs = NULL;
  size_t count = 0;
  (void)b;
  CHECK_EQ_INT(kyso_pdf_list_signatures(pdf, &sigs, &count, &err), KYSO_OK);
  CHECK_EQ_INT(count, 1);
  if (count == 1) {
    CHECK_EQ_STR(sigs[0].field_name, "Signature1.Signature1");
    CHECK_EQ_INT(sigs[0].byte_range[3], 30);
  }
}

/* Depth: 64 nested arrays are fine, 10,000 are refused without
 * overflowing the stack. */
static void build_nested(pb *b, size_t depth) {
  char *s = malloc(2 * depth + 1);
  if (!s)
    abort();
  memset(s, '[', depth);
  memset(s + depth, ']', depth);
  s[2 * depth] = 0;
  base_objects(b);
  pb_obj(b, 4, s);
  pb_table(b, NULL);
  free(s);
}

static void build_deep_ok(pb *b) {
  build_nested(b, 64);
}

static void build_deep_bad(pb *b) {
  build_nested(b, 10000);
}

static void build_deep_dict(pb *b) {
  kyso_buf s;
  int i;
  kyso_buf_init(&s);
  for (i = 0; i < 10000; i++)
    kyso_buf_append_str(&s, "<</A ");
  kyso_buf_append_str(&s, "1");
  for (i = 0; i < 10000; i++)
    kyso_buf_append_str(&s, ">>");
  base_objects(b);
  pb_obj(b, 4, (char *)s.data);
  pb_table(b, NULL);
  kyso_buf_free(&s);
}

/* Comments (a CR ends them) and delimiters with no white space. */
static void build_compact(pb *b) {
  pb_obj(b, 1, "<</Type/Catalog%c\r/Pages 2 0 R>>");
  pb_obj(b, 2, "<</Type/Pages/Kids[3 0 R]>>");
  pb_obj(b, 3, "<</Type/Page/MediaBox[0 0 1 1]>>");
  pb_table(b, NULL);
}

static void build_empty(pb *b) {
  b->out.len = 0;
}

static void build_not_pdf(pb *b) {
  b->out.len = 0;
  kyso_buf_append_str(&b->out, "<html>this is not a PDF at all</html>\n");
}

static void build_truncated(pb *b) {
  build_classic(b);
  b->out.len = pb_rfind(b, "startxref");
}

static void build_startxref_garbage(pb *b) {
  base_objects(b);
  b->startxref_override = 5; /* inside the header */
  pb_table(b, NULL);
}

static void build_startxref_past_end(pb *b) {
  base_objects(b);
  b->startxref_override = 99999;
  pb_table(b, NULL);
}

static void build_wrong_object(pb *b) {
  base_objects(b);
  b->e[3].offset = b->e[2].offset; /* 3's entry points at object 2 */
  pb_table(b, NULL);
}

static void build_wrong_root(pb *b) {
  base_objects(b);
  b->e[1].offset = b->e[2].offset;
  pb_table(b, NULL);
}

/* Writes offset over the last "/Prev 0000000000" placeholder. */
static void patch_prev(pb *b, size_t offset) {
  size_t at = pb_rfind(b, "/Prev 0000000000");
  char digits[24];
  snprintf(digits, sizeof(digits), "%010zu", offset);
  if (at != (size_t)-1)
    memcpy(b->out.data + at + 6, digits, 10);
}

/* Two sections whose /Prev point at each other. */
static void build_prev_loop(pb *b) {
  base_objects(b);
  pb_table(b, "/Root 1 0 R /Prev 0000000000");
  pb_obj(b, 4, "(v2)");
  pb_table(b, NULL);
  patch_prev(b, b->sec_offset[1]);
}

static void build_prev_self(pb *b) {
  base_objects(b);
  pb_table(b, "/Root 1 0 R /Prev 0000000000");
  patch_prev(b, b->sec_offset[0]);
}

static void build_length_long(pb *b) {
  base_objects(b);
  pb_obj(b, 4, "<< /Length 12 >>\nstream\nten bytes!\nendstream");
  pb_table(b, NULL);
}

static void build_length_short(pb *b) {
  base_objects(b);
  pb_obj(b, 4, "<< /Length 8 >>\nstream\nten bytes!\nendstream");
  pb_table(b, NULL);
}

static void build_length_huge(pb *b) {
  base_objects(b);
  pb_obj(b, 4, "<< /Length 9999999999 >>\nstream\nten bytes!\nendstream");
  pb_table(b, NULL);
}

static void build_length_self(pb *b) {
  base_objects(b);
  pb_obj(b, 4, "<< /Length 4 0 R >>\nstream\nten bytes!\nendstream");
  pb_table(b, NULL);
}

static void build_length_cycle(pb *b) {
  base_objects(b);
  pb_obj(b, 4, "<< /Length 5 0 R >>\nstream\nten bytes!\nendstream");
  pb_obj(b, 5, "<< /Length 4 0 R >>\nstream\nten bytes!\nendstream");
  pb_table(b, NULL);
}

static void build_objstm_bad_header(pb *b) {
  static const int nums[] = {5, 6};
  static const char *const bodies[] = {"(five)", "(six)"};
  base_objects(b);
  pb_objstm(b, 4, nums, bodies, 2, "5 0 6 x ");
  pb_xref_stream(b, 7, NULL);
}

static void build_objstm_short_header(pb *b) {
  static const int nums[] = {5, 6};
  static const char *const bodies[] = {"(five)", "(six)"};
  base_objects(b);
  pb_objstm(b, 4, nums, bodies, 2, "5 0 ");
  pb_xref_stream(b, 7, NULL);
}

static void build_objstm_offset_past(pb *b) {
  static const int nums[] = {5, 6};
  static const char *const bodies[] = {"(five)", "(six)"};
  base_objects(b);
  pb_objstm(b, 4, nums, bodies, 2, "5 0 6 5000 ");
  pb_xref_stream(b, 7, NULL);
}

/* pdf.js bug 1978317 (every index wrong): the header lists 6 then 5, the
 * xref gives 5 index 0 and 6 index 1. Each number is in the header once:
 * read by number, as qpdf and pdf.js do. */
static void build_objstm_index_swapped(pb *b) {
  static const int nums[] = {5, 6};
  static const char *const bodies[] = {"(five)", "(six)"};
  base_objects(b);
  pb_objstm(b, 4, nums, bodies, 2, "6 7 5 0 ");
  pb_xref_stream(b, 7, NULL);
}

static void inspect_objstm_index_swapped(kyso_pdf *pdf, const pb *b) {
  (void)b;
  CHECK(string_is(object(pdf, 5), "five", 4));
  CHECK(string_is(object(pdf, 6), "six", 3));
}

/* The header names 5 twice and 6 not at all: 6 is not there (a reader that
 * rebuilds the file may find it elsewhere), an error, not null. */
static void build_objstm_missing(pb *b) {
  static const int nums[] = {5, 6};
  static const char *const bodies[] = {"(five)", "(six)"};
  base_objects(b);
  pb_objstm(b, 4, nums, bodies, 2, "5 0 5 7 ");
  pb_xref_stream(b, 7, NULL);
}

static void build_objstm_not_stream(pb *b) {
  base_objects(b);
  pb_obj(b, 4, "(not an object stream)");
  pb_note(b, 5, E_COMPRESSED, 4, 0);
  pb_xref_stream(b, 7, NULL);
}

static void build_objstm_loop(pb *b) {
  base_objects(b);
  pb_note(b, 4, E_COMPRESSED, 5, 0);
  pb_note(b, 5, E_COMPRESSED, 4, 0);
  pb_xref_stream(b, 7, NULL);
}

static void build_xstream_short(pb *b) {
  base_objects(b);
  pb_xref_stream(b, 4, "/Root 1 0 R /Index [0 10]");
}

static void build_xstream_huge_size(pb *b) {
  base_objects(b);
  /* no /Index: /Size is the entry count (7.5.8.2) */
  b->no_index = 1;
  pb_xref_stream(b, 4, "/Root 1 0 R /Size 2000000000");
}

static void build_xstream_huge_index(pb *b) {
  base_objects(b);
  pb_xref_stream(b, 4, "/Root 1 0 R /Index [0 8388608]");
}

static void build_xstream_index_over(pb *b) {
  base_objects(b);
  pb_xref_stream(b, 4, "/Root 1 0 R /Index [8388600 100]");
}

/* A valid file with one object numbered near the limit: the reader must
 * not spend memory on the 8 million numbers in between. */
static void build_sparse(pb *b) {
  kyso_buf *o = &b->out;
  size_t at[4], x;
  at[0] = o->len;
  kyso_buf_append_str(o,
                      "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
  at[1] = o->len;
  kyso_buf_append_str(o, "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
                         "\nendobj\n");
  at[2] = o->len;
  kyso_buf_append_str(o, "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox "
                         "[0 0 10 10] >>\nendobj\n");
  at[3] = o->len;
  kyso_buf_append_str(o, "8388000 0 obj\n(far away)\nendobj\n");
  x = o->len;
  kyso_buf_printf(o,
                  "xref\n0 4\n0000000000 65535 f\r\n%010zu 00000 n\r\n"
                  "%010zu 00000 n\r\n%010zu 00000 n\r\n8388000 1\n"
                  "%010zu 00000 n\r\ntrailer\n<< /Size 8388001 /Root 1 0 R "
                  ">>\nstartxref\n%zu\n%%%%EOF\n",
                  at[0], at[1], at[2], at[3], x);
}

static void build_table_huge_count(pb *b) {
  size_t at;
  base_objects(b);
  pb_table(b, NULL);
  at = pb_rfind(b, "xref\n0 4\n");
  if (at != (size_t)-1)
    b->out.data[at + 7] = '9'; /* "0 9": more entries than written */
}

static void build_table_count_over(pb *b) {
  size_t at;
  base_objects(b);
  pb_table(b, NULL);
  at = pb_rfind(b, "xref\n0 4\n");
  if (at != (size_t)-1) {
    /* A claim of 8,388,608 entries: refused before any table is sized. */
    kyso_buf tail;
    kyso_buf_init(&tail);
    kyso_buf_append(&tail, b->out.data + at + 9, b->out.len - at - 9);
    b->out.len = at;
    kyso_buf_append_str(&b->out, "xref\n0 8388608\n");
    kyso_buf_append(&b->out, tail.data, tail.len);
    kyso_buf_free(&tail);
  }
}

static void build_page_loop(pb *b) {
  pb_obj(b, 1, CATALOG);
  pb_obj(b, 2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
  pb_obj(b, 3, "<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>");
  pb_table(b, NULL);
}

static void build_page_twice(pb *b) {
  pb_obj(b, 1, CATALOG);
  pb_obj(b, 2, "<< /Type /Pages /Kids [3 0 R 3 0 R] /Count 2 >>");
  pb_obj(b, 3, PAGE);
  pb_table(b, NULL);
}

/* ---- the table ----------------------------------------------------------- */

typedef struct parse_case {
  const char *name;
  void (*build)(pb *b);    /* NULL: objects 1.. from objs, one table */
  const char *objs[8];     /* when build is NULL */
  const char *trailer;     /* when build is NULL; NULL: /Root 1 0 R */
  kyso_status open;        /* expected from kyso_pdf_open */
  kyso_status check;       /* expected from kyso_pdf_check */
  size_t pages, revisions; /* when both are OK */
  void (*inspect)(kyso_pdf *p, const pb *b); /* more checks when OK */
} parse_case;

/* Row shapes: a valid file with its page and revision counts; a file
 * refused by open, or opened and refused by check, with its status; the
 * same two for files given as a list of objects 1, 2, ... */
#define VALID(name, build, pages, revisions, inspect)                          \
  { name, build, {0}, NULL, KYSO_OK, KYSO_OK, pages, revisions, inspect }
#define BAD_OPEN(name, build, status)                                          \
  { name, build, {0}, NULL, KYSO_ERR_##status, KYSO_OK, 0, 0, NULL }
#define BAD_CHECK(name, build, status)                                         \
  { name, build, {0}, NULL, KYSO_OK, KYSO_ERR_##status, 0, 0, NULL }
#define OBJS_OPEN(name, trailer, status, ...)                                  \
  { name, NULL, {__VA_ARGS__}, trailer, KYSO_ERR_##status, KYSO_OK, 0, 0, NULL }
#define OBJS_CHECK(name, status, ...)                                          \
  { name, NULL, {__VA_ARGS__}, NULL, KYSO_OK, KYSO_ERR_##status, 0, 0, NULL }

static const parse_case cases[] = {
    VALID("classic table", build_classic, 1, 1, inspect_classic),
    VALID("xref stream, PNG Up predictor", build_xstream, 1, 1,
          inspect_xstream),
    VALID("object streams", build_objstm, 1, 1, inspect_objstm),
    VALID("object stream index wrong, number right", build_objstm_index_swapped,
          1, 1, inspect_objstm_index_swapped),
    VALID("hybrid /XRefStm", build_hybrid, 1, 1, inspect_hybrid),
    VALID("hybrid, updates repeating /XRefStm", build_hybrid_repeated, 1, 3,
          inspect_hybrid_repeated),
    VALID("free entries with generation 65536", build_free_gen_65536, 1, 1,
          inspect_free_gen_65536),
    VALID("page without /MediaBox", build_no_media_box, 1, 1,
          inspect_no_media_box),
    VALID("/Root without /Type", build_untyped_catalog, 1, 1, NULL),
    VALID("three revisions", build_revisions3, 1, 3, inspect_revisions3),
    VALID("table then xref stream", build_revisions2, 1, 2, inspect_revisions2),
    VALID("indirect /Length", build_indirect_length, 1, 1,
          inspect_indirect_length),
    VALID("string escapes", build_strings, 1, 1, inspect_strings),
    VALID("inherited page attributes", build_page_tree, 3, 1,
          inspect_page_tree),
    VALID("form and signature", build_form, 1, 1, inspect_form),
    VALID("signature value inherited by a widget with /T", build_sig_kid_widget,
          1, 1, inspect_sig_kid_widget),
    VALID("64 nested arrays", build_deep_ok, 1, 1, NULL),
    VALID("comments, no spaces", build_compact, 1, 1, NULL),
    VALID("sparse object number 8388000", build_sparse, 1, 1, NULL),

    BAD_OPEN("empty file", build_empty, PDF_HEADER),
    BAD_OPEN("not a PDF", build_not_pdf, PDF_HEADER),
    BAD_OPEN("truncated before startxref", build_truncated, PDF_XREF),
    BAD_OPEN("startxref at garbage", build_startxref_garbage, PDF_XREF),
    BAD_OPEN("startxref past the end", build_startxref_past_end, PDF_XREF),
    BAD_OPEN("xref offset of /Root at another object", build_wrong_root,
             PDF_XREF),
    BAD_OPEN("/Prev loop", build_prev_loop, PDF_LOOP),
    BAD_OPEN("/Prev to itself", build_prev_self, PDF_LOOP),
    BAD_OPEN("/XRefStm at a table", build_hybrid_stm_is_table, PDF_LOOP),
    BAD_OPEN("object in use with generation 65536", build_used_gen_65536,
             PDF_XREF),
    BAD_OPEN("xref stream shorter than /Index", build_xstream_short, PDF_XREF),
    BAD_OPEN("xref stream /Size 2e9", build_xstream_huge_size, PDF_XREF),
    BAD_OPEN("xref stream /Index count 2^23", build_xstream_huge_index,
             PDF_XREF),
    BAD_OPEN("xref stream /Index past the object limit",
             build_xstream_index_over, PDF_XREF),
    BAD_OPEN("table subsection longer than written", build_table_huge_count,
             PDF_XREF),
    BAD_OPEN("table subsection of 2^23 entries", build_table_count_over,
             PDF_XREF),
    OBJS_OPEN("/Encrypt", "/Root 1 0 R /Encrypt 3 0 R", PDF_ENCRYPTED, CATALOG,
              PAGES1, PAGE),
    OBJS_OPEN("no /Root", "/Info 1 0 R", PDF_TRAILER, CATALOG, PAGES1, PAGE),
    OBJS_OPEN("/Root not a catalog", "/Root 2 0 R", PDF_TRAILER, CATALOG,
              PAGES1, PAGE),
    OBJS_OPEN("/Root without /Type nor /Pages", "/Root 4 0 R", PDF_TRAILER,
              CATALOG, PAGES1, PAGE, "<< /Names 2 0 R >>"),
    OBJS_OPEN("/Root direct", "/Root << /Type /Catalog >>", PDF_TRAILER,
              CATALOG, PAGES1, PAGE),

    BAD_CHECK("xref offset at another object", build_wrong_object, PDF_XREF),
    BAD_CHECK("/Length too long", build_length_long, PDF_STREAM),
    BAD_CHECK("/Length too short", build_length_short, PDF_STREAM),
    BAD_CHECK("/Length past the end", build_length_huge, PDF_STREAM),
    BAD_CHECK("/Length is the stream itself", build_length_self, PDF_LOOP),
    /* the second stream is refused as a /Length before the cycle closes */
    BAD_CHECK("/Length cycle of two streams", build_length_cycle, PDF_STREAM),
    BAD_CHECK("10,000 nested arrays", build_deep_bad, PDF_DEPTH),
    BAD_CHECK("10,000 nested dictionaries", build_deep_dict, PDF_DEPTH),
    BAD_CHECK("object stream header not numbers", build_objstm_bad_header,
              PDF_OBJECT),
    BAD_CHECK("object stream header shorter than /N", build_objstm_short_header,
              PDF_OBJECT),
    BAD_CHECK("object stream offset past its data", build_objstm_offset_past,
              PDF_OBJECT),
    BAD_CHECK("object not in its object stream", build_objstm_missing,
              PDF_XREF),
    BAD_CHECK("compressed object in a non-stream", build_objstm_not_stream,
              PDF_XREF),
    BAD_CHECK("object streams inside each other", build_objstm_loop, PDF_LOOP),
    BAD_CHECK("page tree loop", build_page_loop, PDF_LOOP),
    BAD_CHECK("page listed twice", build_page_twice, PDF_LOOP),
    OBJS_CHECK("name with #00", PDF_SYNTAX, CATALOG, PAGES1, PAGE,
               "/Bad#00Name"),
    OBJS_CHECK("name with a cut #2", PDF_SYNTAX, CATALOG, PAGES1, PAGE,
               "[/Bad#2]"),
    OBJS_CHECK("number 1.2.3", PDF_SYNTAX, CATALOG, PAGES1, PAGE, "[1.2.3]"),
    OBJS_CHECK("unterminated string", PDF_SYNTAX, CATALOG, PAGES1, PAGE,
               "(abc"),
    OBJS_CHECK("bad hex digit", PDF_SYNTAX, CATALOG, PAGES1, PAGE, "<4G>"),
    OBJS_CHECK("no pages", PDF_PAGE, CATALOG, "<< /Type /Pages /Kids [] >>"),
    OBJS_CHECK("/Rotate 45", PDF_PAGE, CATALOG, PAGES1,
               "<< /Type /Page /MediaBox [0 0 1 1] /Rotate 45 >>"),
};

static void build_case(const parse_case *c, pb *b) {
  size_t i;
  pb_begin(b);
  if (c->build) {
    c->build(b);
    return;
  }
  for (i = 0; i < 8 && c->objs[i]; i++)
    pb_obj(b, (int)i + 1, c->objs[i]);
  pb_table(b, c->trailer);
}

static void run_case(const parse_case *c) {
  pb b;
  uint8_t *data;
  size_t len, pages = 0;
  kyso_pdf *pdf = (kyso_pdf *)&b; /* must be reset to NULL by open */
  kyso_error err;
  kyso_status st;

  build_case(c, &b);
  data = pb_take(&b, &len);
  kyso_error_clear(&err);
  st = kyso_pdf_open(data, len, &pdf, &err);
  if (st != c->open)
    fprintf(stderr, "case '%s': open gave %s (%s), wanted %s\n", c->name,
            kyso_status_name(st), err.message, kyso_status_name(c->open));
  CHECK_EQ_INT(st, c->open);
  CHECK_EQ_INT(err.code, st);
  if (st != KYSO_OK) {
    CHECK(pdf == NULL);
    CHECK(err.message[0] != 0);
    pdf = NULL; /* never close what open did not give */
    goto done;
  }
  st = kyso_pdf_check(pdf, &err);
  if (st != c->check)
    fprintf(stderr, "case '%s': check gave %s (%s), wanted %s\n", c->name,
            kyso_status_name(st), err.message, kyso_status_name(c->check));
  CHECK_EQ_INT(st, c->check);
  CHECK_EQ_INT(err.code, st);
  if (st != KYSO_OK) {
    CHECK(err.message[0] != 0);
    goto done;
  }
  CHECK_EQ_INT(kyso_pdf_get_page_count(pdf, &pages, &err), KYSO_OK);
  CHECK_EQ_INT(pages, c->pages);
  CHECK_EQ_INT(kyso_pdf_get_revision_count(pdf), c->revisions);
  if (c->inspect)
    c->inspect(pdf, &b); /* b still knows its sections */
done:
  kyso_pdf_close(pdf);
  free(data);
}

/* ---- decoders on their own ---------------------------------------------- */

static void test_decoders(void) {
  uint8_t out[64];
  char name[64];
  size_t n = 99;

  CHECK_EQ_INT(
      kyso_parse_decode_string((const uint8_t *)"a\\\r\nb\\\rc", 8, out, &n),
      KYSO_OK);
  CHECK(n == 3 && memcmp(out, "abc", 3) == 0);
  /* a trailing lone backslash is dropped, not read past the end */
  CHECK_EQ_INT(kyso_parse_decode_string((const uint8_t *)"x\\", 2, out, &n),
               KYSO_OK);
  CHECK(n == 1 && out[0] == 'x');
  CHECK_EQ_INT(kyso_parse_decode_string((const uint8_t *)"\\1234", 5, out, &n),
               KYSO_OK);
  CHECK(n == 2 && out[0] == 0123 && out[1] == '4');
  CHECK_EQ_INT(kyso_parse_decode_hex((const uint8_t *)"0 1\n2", 5, out, &n),
               KYSO_OK);
  CHECK(n == 2 && out[0] == 0x01 && out[1] == 0x20);
  CHECK_EQ_INT(kyso_parse_decode_hex((const uint8_t *)"0x", 2, out, &n),
               KYSO_ERR_PDF_SYNTAX);
  CHECK_EQ_INT(kyso_parse_decode_name((const uint8_t *)"A#20B#2f", 8, name),
               KYSO_OK);
  CHECK_EQ_STR(name, "A B/");
  CHECK_EQ_INT(kyso_parse_decode_name((const uint8_t *)"A#00", 4, name),
               KYSO_ERR_PDF_SYNTAX);
  CHECK_EQ_INT(kyso_parse_decode_name((const uint8_t *)"A#4", 3, name),
               KYSO_ERR_PDF_SYNTAX);
  CHECK_EQ_INT(kyso_parse_decode_name((const uint8_t *)"A#zz", 4, name),
               KYSO_ERR_PDF_SYNTAX);
}

/* Numbers through the lexer: reals like -.5 and 3. (7.3.3), no exponents,
 * integers too large are errors, not wrapped. */
static void test_numbers(void) {
  static const struct {
    const char *text;
    kyso_lex_token_type type;
    int64_t integer;
    double real;
  } nums[] = {
      {"-.5", KYSO_LEX_TOK_REAL, 0, -0.5},
      {"3.", KYSO_LEX_TOK_REAL, 0, 3.0},
      {"+.25", KYSO_LEX_TOK_REAL, 0, 0.25},
      {"+17", KYSO_LEX_TOK_INT, 17, 0},
      {"-0", KYSO_LEX_TOK_INT, 0, 0},
      {"0.000001", KYSO_LEX_TOK_REAL, 0, 0.000001},
      {"123456789012", KYSO_LEX_TOK_INT, 123456789012, 0},
      {"9223372036854775807", KYSO_LEX_TOK_INT, INT64_MAX, 0},
      {"9223372036854775808", KYSO_LEX_TOK_ERROR, 0, 0},
      {"1e5", KYSO_LEX_TOK_ERROR, 0, 0},
      {"--5", KYSO_LEX_TOK_ERROR, 0, 0},
      {".", KYSO_LEX_TOK_ERROR, 0, 0},
      {"-", KYSO_LEX_TOK_ERROR, 0, 0},
  };
  size_t i;
  for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
    kyso_lexer lx;
    kyso_lex_token tok;
    lx.data = (const uint8_t *)nums[i].text;
    lx.len = strlen(nums[i].text);
    lx.pos = 0;
    kyso_lex_next(&lx, &tok);
    if (tok.type != nums[i].type)
      fprintf(stderr, "number '%s': token type %d\n", nums[i].text, tok.type);
    CHECK_EQ_INT(tok.type, nums[i].type);
    if (tok.type == KYSO_LEX_TOK_INT)
      CHECK(tok.integer == nums[i].integer);
    if (tok.type == KYSO_LEX_TOK_REAL)
      CHECK(fabs(tok.real - nums[i].real) < 1e-12);
  }
}

/* ---- no huge allocation for huge claims ---------------------------------- */

static long max_rss_kb(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

/* Runs first, while the peak RSS is still low: a row that sized a table
 * from a claim (2e9 entries, 2^23 entries) would show up here. */
static void test_no_huge_allocation(void) {
  static const char *const huge[] = {"xref stream /Size 2e9",
                                     "xref stream /Index count 2^23",
                                     "table subsection of 2^23 entries",
                                     ("xref stream /Index past the object "
                                      "limit"),
                                     "sparse object number 8388000"};
  long before = max_rss_kb();
  size_t i, j;
  for (i = 0; i < sizeof(huge) / sizeof(huge[0]); i++)
    for (j = 0; j < sizeof(cases) / sizeof(cases[0]); j++)
      if (strcmp(cases[j].name, huge[i]) == 0)
        run_case(&cases[j]);
  CHECK(max_rss_kb() - before < 32 * 1024);
}

/* ---- truncations and corruptions ----------------------------------------- */

static int outcome_ok(const uint8_t *data, size_t len, kyso_status *st_out) {
  kyso_pdf *pdf = NULL;
  kyso_error err;
  kyso_status st;
  int good;
  uint8_t *copy = malloc(len ? len : 1); /* exact size: ASan sees overreads */

  if (!copy)
    abort();
  memcpy(copy, data, len);
  kyso_error_clear(&err);
  st = kyso_pdf_open(copy, len, &pdf, &err);
  if (st == KYSO_OK)
    st = kyso_pdf_check(pdf, &err);
  if (st == KYSO_OK) {
    const kyso_pdf_signature *sigs;
    size_t n;
    st = kyso_pdf_list_signatures(pdf, &sigs, &n, &err);
  }
  good = st == KYSO_OK || (err.code == st && err.message[0] != 0 &&
                           strcmp(kyso_status_name(st), "UNKNOWN") != 0);
  if (!good)
    fprintf(stderr, "len %zu: status %d without a message\n", len, st);
  kyso_pdf_close(pdf);
  free(copy);
  *st_out = st;
  return good;
}

static void test_truncations(void) {
  pb b;
  uint8_t *data;
  size_t len, cut, eof, bad = 0, wrong = 0;
  kyso_status st;

  pb_begin(&b);
  build_objstm(&b);
  eof = pb_rfind(&b, "%%EOF");
  data = pb_take(&b, &len);
  for (cut = 0; cut <= len; cut++) {
    if (!outcome_ok(data, cut, &st))
      bad++;
    /* Only a file that still has its %%EOF may open. */
    if ((st == KYSO_OK) != (cut >= eof + 5)) {
      fprintf(stderr, "truncated to %zu: %s\n", cut, kyso_status_name(st));
      wrong++;
    }
  }
  CHECK_EQ_INT(bad, 0);
  CHECK_EQ_INT(wrong, 0);
  free(data);
}

/* xorshift32: the same corruptions on every run and platform. */
static uint32_t next_random(uint32_t *state) {
  uint32_t x = *state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *state = x;
  return x;
}

static void test_corruptions(void (*build)(pb *), uint32_t seed, int rounds) {
  pb b;
  uint8_t *data;
  size_t len, bad = 0, oks = 0, errors = 0;
  int i;
  kyso_status st;

  pb_begin(&b);
  build(&b);
  data = pb_take(&b, &len);
  for (i = 0; i < rounds; i++) {
    size_t at = next_random(&seed) % len;
    uint8_t old = data[at];
    data[at] = (uint8_t)next_random(&seed);
    if (!outcome_ok(data, len, &st))
      bad++;
    if (st == KYSO_OK)
      oks++;
    else
      errors++;
    data[at] = old;
  }
  CHECK_EQ_INT(bad, 0);
  /* Both outcomes occur: the corruptions reach the parser. */
  CHECK(oks > 0 && errors > 0);
  free(data);
}

int main(void) {
  size_t i;

  test_no_huge_allocation();
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
    run_case(&cases[i]);
  test_decoders();
  test_numbers();
  test_truncations();
  test_corruptions(build_objstm, 0x2545f491u, 3000);
  test_corruptions(build_form, 0x9e3779b9u, 2000);
  return check_summary();
}
