/*
 * test_pdf_update.c - incremental updates (ISO 32000-1 7.5.6) and the
 * object writer.
 *
 * An update adds and replaces objects on a classic-table file and on an
 * xref-stream file; original + update is reopened and every promise of
 * pdf_update.h is checked: the new section has the old flavour, /Prev,
 * /Root and /ID carry over, old objects still read, and qpdf (an
 * independent reader) agrees the result is sound. Marks must give the
 * exact positions of /Contents and /ByteRange. The serializer is checked
 * byte for byte and by parsing its output back.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "pdf/pdf_parse.h"
#include "pdf/pdf_update.h"
#include "test_pdf.h"

/* ---- building the originals ---------------------------------------------- */

#define CATALOG "<< /Type /Catalog /Pages 2 0 R >>"
#define PAGES1 "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
#define PAGE "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"
#define FILE_ID "<00112233445566778899AABBCCDDEEFF>"

static const char *const base_objs[] = {
    CATALOG,       PAGES1,
    PAGE,          "<< /Kind (old) /Keep 7 >>",
    "(unchanged)", "<< /Producer (test) >>"};
enum { BASE_COUNT = 6 };

/* Objects 1..n, then a classic table or an xref stream (object n+1), a
 * trailer with /Root 1 0 R and `extra`. */
static uint8_t *make_pdf(const char *const *objs, size_t n, int xstream,
                         const char *extra, size_t *len) {
  return test_pdf_build(objs, n, xstream ? TEST_PDF_XREF_STREAM : 0, extra,
                        len);
}

static kyso_obj *object(kyso_pdf *pdf, uint32_t num) {
  kyso_obj *o = NULL;
  kyso_error err;
  if (kyso_pdf_get_object(pdf, num, &o, &err) != KYSO_OK) {
    fprintf(stderr, "object %u: %s\n", num, err.message);
    return NULL;
  }
  return o;
}

static int string_is(const kyso_obj *o, const char *s) {
  size_t n = strlen(s);
  return kyso_obj_is(o, KYSO_OBJ_STRING) && o->u.string.len == n &&
         memcmp(o->u.string.data, s, n) == 0;
}

static int64_t int_of(const kyso_obj *o) {
  return kyso_obj_is(o, KYSO_OBJ_INT) ? o->u.integer : INT64_MIN;
}

/* ---- add and replace ------------------------------------------------------
 */

static void test_update(int xstream) {
  uint8_t *orig, *all = NULL;
  size_t orig_len, all_len, old_startxref;
  kyso_pdf *pdf = NULL, *pdf2 = NULL;
  kyso_update u;
  kyso_arena *a;
  kyso_obj *d1, *s1, *repl, *r1, *r2, *got = NULL, *sd, *o, *tr, *id, *id2;
  kyso_buf out;
  kyso_error err;
  kyso_revision_info r;
  uint32_t first_new;
  size_t pages = 0;
  char head[32];

  orig = make_pdf(base_objs, BASE_COUNT, xstream,
                  "/Info 6 0 R /ID [" FILE_ID " " FILE_ID "]", &orig_len);
  kyso_buf_init(&out);
  kyso_error_clear(&err);
  pdf = test_pdf_open_checked(orig, orig_len);
  CHECK(pdf != NULL);
  if (!pdf)
    goto done;
  old_startxref = pdf->startxref;
  CHECK_EQ_INT(pdf->startxref_is_stream, xstream);

  kyso_update_init(&u, pdf);
  a = &u.arena;
  first_new = (uint32_t)BASE_COUNT + 1 + (xstream ? 1 : 0);
  CHECK_EQ_INT(u.next_num, first_new);

  d1 = kyso_obj_new_dict(a);
  kyso_dict_set(a, d1, "Kind", kyso_obj_new_string(a, "new one", 7));
  kyso_dict_set(a, d1, "Num", kyso_obj_new_real(a, 1.5));
  kyso_dict_set(a, d1, "Odd Name", kyso_obj_new_name(a, "A B/C"));
  r1 = kyso_update_add(&u, d1);
  CHECK(r1 && r1->type == KYSO_OBJ_REF && r1->u.ref.num == first_new &&
        r1->u.ref.gen == 0);
  sd = kyso_obj_new_dict(a);
  kyso_dict_set(a, sd, "Length", kyso_obj_new_int(a, 5));
  s1 = kyso_obj_new_stream(a, sd, "BT ET", 5);
  r2 = kyso_update_add(&u, s1);
  CHECK(r2 && r2->u.ref.num == first_new + 1);

  /* replaced twice: the second replacement is the one written */
  repl = kyso_obj_new_dict(a);
  kyso_dict_set(a, repl, "Kind", kyso_obj_new_string(a, "first try", 9));
  CHECK_EQ_INT(kyso_update_replace(&u, 4, 0, repl, &err), KYSO_OK);
  repl = kyso_obj_new_dict(a);
  kyso_dict_set(a, repl, "Kind", kyso_obj_new_string(a, "replaced", 8));
  kyso_dict_set(a, repl, "Link", r1);
  CHECK_EQ_INT(kyso_update_replace(&u, 4, 0, repl, &err), KYSO_OK);
  CHECK_EQ_INT(u.count, 3);
  CHECK_EQ_INT(kyso_update_get(&u, 4, &got, &err), KYSO_OK);
  CHECK(got == repl);
  CHECK_EQ_INT(kyso_update_get(&u, 5, &got, &err), KYSO_OK);
  CHECK(string_is(got, "unchanged"));

  CHECK_EQ_INT(kyso_update_write(&u, &out, NULL, &err), KYSO_OK);
  /* the original ends with a newline: none is added */
  snprintf(head, sizeof(head), "4 0 obj\n");
  CHECK(out.len > 8 && memcmp(out.data, head, 8) == 0);
  kyso_update_free(&u);

  all = test_pdf_concat(orig, orig_len, out.data, out.len, &all_len);
  pdf2 = test_pdf_open_checked(all, all_len);
  CHECK(pdf2 != NULL);
  if (!pdf2)
    goto done;

  /* new objects */
  o = object(pdf2, first_new);
  CHECK(string_is(kyso_dict_get(o, "Kind"), "new one"));
  CHECK(kyso_obj_is(kyso_dict_get(o, "Num"), KYSO_OBJ_REAL) &&
        kyso_dict_get(o, "Num")->u.real == 1.5);
  CHECK(kyso_obj_is_name(kyso_dict_get(o, "Odd Name"), "A B/C"));
  o = object(pdf2, first_new + 1);
  CHECK(kyso_obj_is(o, KYSO_OBJ_STREAM) && o->u.stream.len == 5 &&
        memcmp(o->u.stream.data, "BT ET", 5) == 0);
  /* the replaced one, and what did not change */
  o = object(pdf2, 4);
  CHECK(string_is(kyso_dict_get(o, "Kind"), "replaced"));
  CHECK(kyso_dict_get(o, "Keep") == NULL);
  CHECK(kyso_obj_is(kyso_dict_get(o, "Link"), KYSO_OBJ_REF) &&
        kyso_dict_get(o, "Link")->u.ref.num == first_new);
  CHECK(string_is(object(pdf2, 5), "unchanged"));
  CHECK_EQ_INT(kyso_pdf_get_page_count(pdf2, &pages, &err), KYSO_OK);
  CHECK_EQ_INT(pages, 1);
  /* the original alone still says what it said */
  CHECK(string_is(kyso_dict_get(object(pdf, 4), "Kind"), "old"));

  /* one more revision, of the same flavour */
  CHECK_EQ_INT(kyso_pdf_get_revision_count(pdf2), 2);
  CHECK_EQ_INT(kyso_pdf_get_revision(pdf2, 0, &r), 0);
  CHECK_EQ_INT(r.end, orig_len);
  CHECK_EQ_INT(r.xref_offset, old_startxref);
  CHECK_EQ_INT(kyso_pdf_get_revision(pdf2, 1, &r), 0);
  CHECK_EQ_INT(r.xref_is_stream, xstream);
  CHECK_EQ_INT(r.end, all_len);
  CHECK(r.xref_offset > orig_len && r.xref_offset == pdf2->startxref);

  /* the new trailer */
  tr = pdf2->trailer;
  CHECK_EQ_INT(int_of(kyso_dict_get(tr, "Prev")), old_startxref);
  CHECK(kyso_obj_is(kyso_dict_get(tr, "Root"), KYSO_OBJ_REF) &&
        kyso_dict_get(tr, "Root")->u.ref.num == 1);
  CHECK(kyso_obj_is(kyso_dict_get(tr, "Info"), KYSO_OBJ_REF) &&
        kyso_dict_get(tr, "Info")->u.ref.num == 6);
  CHECK_EQ_INT(int_of(kyso_dict_get(tr, "Size")),
               first_new + 2 + (xstream ? 1 : 0));
  id = kyso_dict_get(pdf->trailer, "ID");
  id2 = kyso_dict_get(tr, "ID");
  CHECK(kyso_obj_is(id2, KYSO_OBJ_ARRAY) && id2->u.array.count == 2);
  if (kyso_obj_is(id2, KYSO_OBJ_ARRAY) && id2->u.array.count == 2) {
    const kyso_obj *x = id->u.array.items[0], *y = id2->u.array.items[0];
    const kyso_obj *y1 = id2->u.array.items[1];
    CHECK(x->u.string.len == 16 && y->u.string.len == 16 &&
          memcmp(x->u.string.data, y->u.string.data, 16) == 0);
    CHECK(y1->u.string.len == 16 &&
          memcmp(x->u.string.data, y1->u.string.data, 16) == 0);
  }
  if (xstream) {
    /* the xref stream is the last object and lists itself */
    o = object(pdf2, first_new + 2);
    CHECK(kyso_obj_is(o, KYSO_OBJ_STREAM) &&
          kyso_obj_is_name(kyso_dict_get(o->u.stream.dict, "Type"), "XRef"));
    CHECK_EQ_INT(kyso_xref_get(pdf2, first_new + 2)->offset, pdf2->startxref);
  } else {
    CHECK(kyso_dict_get(tr, "Type") == NULL);
  }
  CHECK_EQ_INT(test_pdf_qpdf_check(all, all_len), 0);
done:
  kyso_pdf_close(pdf2);
  kyso_pdf_close(pdf);
  kyso_buf_free(&out);
  free(all);
  free(orig);
}

/* An update on a file that does not end with an end of line starts with
 * one, so "N 0 obj" begins a line; offsets still come out right. */
static void test_missing_newline(const char *ending, int newline_added) {
  uint8_t *orig, *all = NULL;
  size_t orig_len, all_len, cut;
  kyso_pdf *pdf = NULL, *pdf2 = NULL;
  kyso_update u;
  kyso_buf out;
  kyso_error err;
  kyso_revision_info r;

  orig = make_pdf(base_objs, BASE_COUNT, 0, "", &orig_len);
  cut = orig_len - 1; /* drop the final "\n" after %%EOF */
  memcpy(orig + cut, ending, strlen(ending));
  orig_len = cut + strlen(ending);
  kyso_buf_init(&out);
  pdf = test_pdf_open_checked(orig, orig_len);
  CHECK(pdf != NULL);
  if (!pdf)
    goto done;
  kyso_update_init(&u, pdf);
  CHECK_EQ_INT(kyso_update_replace(
                   &u, 5, 0, kyso_obj_new_string(&u.arena, "later", 5), &err),
               KYSO_OK);
  CHECK_EQ_INT(kyso_update_write(&u, &out, NULL, &err), KYSO_OK);
  kyso_update_free(&u);
  if (newline_added)
    CHECK(out.len > 8 && memcmp(out.data, "\n5 0 obj", 8) == 0);
  else
    CHECK(out.len > 7 && memcmp(out.data, "5 0 obj", 7) == 0);
  all = test_pdf_concat(orig, orig_len, out.data, out.len, &all_len);
  pdf2 = test_pdf_open_checked(all, all_len);
  CHECK(pdf2 != NULL);
  if (!pdf2)
    goto done;
  CHECK(string_is(object(pdf2, 5), "later"));
  CHECK_EQ_INT(kyso_pdf_get_revision_count(pdf2), 2);
  CHECK_EQ_INT(kyso_pdf_get_revision(pdf2, 0, &r), 0);
  CHECK_EQ_INT(r.xref_offset, pdf->startxref);
  /* Today the newline the update added is read as the end of the old
   * %%EOF line, so the old revision seems one byte longer than the file
   * that was signed: a signature of the original ending at its %%EOF no
   * longer matches a revision end. Pinned here; see the test report. */
  CHECK_EQ_INT(r.end, orig_len + (newline_added ? 1 : 0));
  CHECK_EQ_INT(test_pdf_qpdf_check(all, all_len), 0);
done:
  kyso_pdf_close(pdf2);
  kyso_pdf_close(pdf);
  kyso_buf_free(&out);
  free(all);
  free(orig);
}

static void test_empty_update(void) {
  uint8_t *orig;
  size_t orig_len;
  kyso_pdf *pdf;
  kyso_update u;
  kyso_buf out;
  kyso_error err;

  orig = make_pdf(base_objs, BASE_COUNT, 0, "", &orig_len);
  kyso_buf_init(&out);
  pdf = test_pdf_open_checked(orig, orig_len);
  CHECK(pdf != NULL);
  if (pdf) {
    kyso_update_init(&u, pdf);
    CHECK_EQ_INT(kyso_update_write(&u, &out, NULL, &err), KYSO_ERR_STATE);
    CHECK_EQ_INT(out.len, 0);
    kyso_update_free(&u);
  }
  kyso_pdf_close(pdf);
  kyso_buf_free(&out);
  free(orig);
}

/* ---- marks --------------------------------------------------------------- */

static void test_marks(int xstream) {
  enum { RESERVE = 16 };
  uint8_t *orig, *all = NULL;
  size_t orig_len, all_len, cs, ce, bs, be, i, range[4];
  kyso_pdf *pdf = NULL, *pdf2 = NULL;
  kyso_update u;
  kyso_arena *a;
  kyso_obj *sig, *br, *contents, *ref, *o, *v;
  kyso_buf out;
  kyso_write_marks marks;
  kyso_error err;
  uint8_t saved[KYSO_BYTERANGE_WIDTH + 2];
  uint32_t sig_num;
  int ok;

  orig = make_pdf(base_objs, BASE_COUNT, xstream, "", &orig_len);
  kyso_buf_init(&out);
  pdf = test_pdf_open_checked(orig, orig_len);
  CHECK(pdf != NULL);
  if (!pdf)
    goto done;
  kyso_update_init(&u, pdf);
  a = &u.arena;
  sig = kyso_obj_new_dict(a);
  br = kyso_obj_new_array(a);
  contents = kyso_obj_new(a, KYSO_OBJ_STRING);
  br->mark = KYSO_MARK_BYTERANGE;
  contents->mark = KYSO_MARK_CONTENTS;
  contents->hex = 1;
  contents->u.string.len = RESERVE;
  contents->u.string.data = kyso_arena_alloc(a, RESERVE);
  kyso_dict_set(a, sig, "Type", kyso_obj_new_name(a, "Sig"));
  kyso_dict_set(a, sig, "ByteRange", br);
  kyso_dict_set(a, sig, "Contents", contents);
  kyso_dict_set(a, sig, "After", kyso_obj_new_int(a, 1));
  ref = kyso_update_add(&u, sig);
  CHECK(ref != NULL);
  sig_num = ref ? ref->u.ref.num : 0;  /* ref dies with the update */
  memset(&marks, 0xff, sizeof(marks)); /* write must reset them */
  CHECK_EQ_INT(kyso_update_write(&u, &out, &marks, &err), KYSO_OK);
  kyso_update_free(&u);
  CHECK(marks.seen[KYSO_MARK_CONTENTS] == 1 &&
        marks.seen[KYSO_MARK_BYTERANGE] == 1);
  CHECK_EQ_INT(marks.seen[KYSO_MARK_NONE], 0);
  cs = marks.start[KYSO_MARK_CONTENTS];
  ce = marks.end[KYSO_MARK_CONTENTS];
  bs = marks.start[KYSO_MARK_BYTERANGE];
  be = marks.end[KYSO_MARK_BYTERANGE];
  CHECK(ce <= out.len && be <= out.len);
  if (ce > out.len || be > out.len)
    goto done;
  CHECK_EQ_INT(ce - cs, 2 * RESERVE + 2);
  CHECK(out.data[cs] == '<' && out.data[ce - 1] == '>');
  for (ok = 1, i = cs + 1; i < ce - 1; i++)
    ok &= out.data[i] == '0';
  CHECK(ok);
  CHECK_EQ_INT(be - bs, KYSO_BYTERANGE_WIDTH + 2);
  CHECK(out.data[bs] == '[' && out.data[be - 1] == ']');
  CHECK(memcmp(out.data + bs, "[0 0 0 0 ", 9) == 0);

  /* The real layout: everything but the hole, as the signer does it. */
  range[0] = 0;
  range[1] = orig_len + cs;
  range[2] = orig_len + ce;
  range[3] = orig_len + out.len - range[2];
  CHECK_EQ_INT(kyso_serialize_patch_byterange(out.data + bs,
                                              KYSO_BYTERANGE_WIDTH, range),
               0);
  {
    char want[KYSO_BYTERANGE_WIDTH + 3];
    int n = snprintf(want, sizeof(want), "[%zu %zu %zu %zu", range[0], range[1],
                     range[2], range[3]);
    memset(want + n, ' ', KYSO_BYTERANGE_WIDTH + 1 - (size_t)n);
    want[KYSO_BYTERANGE_WIDTH + 1] = ']';
    CHECK(memcmp(out.data + bs, want, KYSO_BYTERANGE_WIDTH + 2) == 0);
  }
  /* Does not fit, or not at a '[': refused, bytes untouched. */
  memcpy(saved, out.data + bs, sizeof(saved));
  {
    size_t big[4] = {0, 4000000000u, 4000000000u, 4000000000u};
    CHECK_EQ_INT(kyso_serialize_patch_byterange(out.data + bs, 20, big), -1);
    CHECK_EQ_INT(kyso_serialize_patch_byterange(out.data + bs + 1, 20, range),
                 -1);
  }
  CHECK(memcmp(saved, out.data + bs, sizeof(saved)) == 0);

  all = test_pdf_concat(orig, orig_len, out.data, out.len, &all_len);
  pdf2 = test_pdf_open_checked(all, all_len);
  CHECK(pdf2 != NULL);
  if (!pdf2)
    goto done;
  o = object(pdf2, sig_num);
  v = kyso_dict_get(o, "ByteRange");
  CHECK(kyso_obj_is(v, KYSO_OBJ_ARRAY) && v->u.array.count == 4);
  if (kyso_obj_is(v, KYSO_OBJ_ARRAY) && v->u.array.count == 4)
    for (i = 0; i < 4; i++)
      CHECK_EQ_INT(int_of(v->u.array.items[i]), range[i]);
  /* the parser finds the hole exactly where the writer said it wrote it */
  v = kyso_dict_get(o, "Contents");
  CHECK(kyso_obj_is(v, KYSO_OBJ_STRING) && v->u.string.len == RESERVE);
  CHECK(v && v->pos == range[1] && v->end == range[2]);
  CHECK_EQ_INT(int_of(kyso_dict_get(o, "After")), 1);
  CHECK_EQ_INT(range[2] + range[3], all_len);
  CHECK_EQ_INT(test_pdf_qpdf_check(all, all_len), 0);
done:
  kyso_pdf_close(pdf2);
  kyso_pdf_close(pdf);
  kyso_buf_free(&out);
  free(all);
  free(orig);
}

/* ---- the serializer ------------------------------------------------------ */

static void expect_text(const kyso_obj *o, const char *want) {
  kyso_buf b;
  kyso_error err;
  kyso_buf_init(&b);
  CHECK_EQ_INT(kyso_serialize(&b, o, NULL, &err), KYSO_OK);
  kyso_buf_append_byte(&b, 0);
  CHECK_EQ_STR((const char *)b.data, want);
  kyso_buf_free(&b);
}

static void expect_real(double v, const char *want) {
  kyso_arena a;
  kyso_arena_init(&a);
  expect_text(kyso_obj_new_real(&a, v), want);
  kyso_arena_free(&a);
}

static void test_serialize_scalars(void) {
  kyso_arena a;
  kyso_obj *o, *arr, *d, *sd;
  static const uint8_t bin[] = {0x00, 0xff, 0x41, 0x0a};
  int i;

  kyso_arena_init(&a);
  /* names (7.3.5): delimiters, '#', space and non-ASCII as #xx */
  expect_text(kyso_obj_new_name(&a, "Plain_Name.1"), "/Plain_Name.1");
  expect_text(kyso_obj_new_name(&a, "A B#/()<>[]{}%"),
              "/A#20B#23#2F#28#29#3C#3E#5B#5D#7B#7D#25");
  expect_text(kyso_obj_new_name(&a, "caf\xc3\xa9\x7f"), "/caf#C3#A9#7F");
  expect_text(kyso_obj_new_name(&a, ""), "/");
  /* strings (7.3.4): literal when printable, escapes for ( ) \ */
  expect_text(kyso_obj_new_string(&a, "plain text", 10), "(plain text)");
  expect_text(kyso_obj_new_string(&a, "a(b)c\\d)", 8), "(a\\(b\\)c\\\\d\\))");
  expect_text(kyso_obj_new_string(&a, "", 0), "()");
  expect_text(kyso_obj_new_string(&a, "line\n", 5), "<6C696E650A>");
  expect_text(kyso_obj_new_string(&a, bin, sizeof(bin)), "<00FF410A>");
  o = kyso_obj_new_string(&a, "A", 1);
  o->hex = 1;
  expect_text(o, "<41>");
  /* reals (7.3.3): fixed point, no exponent, no "-0", trailing zeros cut */
  expect_real(0.5, "0.5");
  expect_real(-0.25, "-0.25");
  expect_real(3.0, "3");
  expect_real(100.0, "100");
  expect_real(-0.0, "0");
  expect_real(1e-7, "0");
  expect_real(-1e-7, "0");
  expect_real(-4e-7, "0");
  expect_real(-6e-7, "-0.000001");
  expect_real(0.1234567, "0.123457");
  expect_real(-2.5e-4, "-0.00025");
  expect_real(1234567.125, "1234567.125");
  expect_real(1e10, "10000000000");
  expect_real(1e15, "1000000000000000");
  expect_real(1e16, "0"); /* out of range: written as 0, never 1e+16 */
  expect_real(NAN, "0");  /* never "nan" */
  expect_real(-INFINITY, "0");
  /* the rest */
  expect_text(kyso_obj_new_int(&a, -5), "-5");
  expect_text(kyso_obj_new_int(&a, INT64_MAX), "9223372036854775807");
  expect_text(kyso_obj_new_bool(&a, 1), "true");
  expect_text(kyso_obj_new_bool(&a, 0), "false");
  expect_text(kyso_obj_new(&a, KYSO_OBJ_NULL), "null");
  expect_text(kyso_obj_new_ref(&a, 12, 3), "12 3 R");
  arr = kyso_obj_new_array(&a);
  kyso_array_push(&a, arr, kyso_obj_new_int(&a, 1));
  kyso_array_push(&a, arr, kyso_obj_new_string(&a, "x", 1));
  kyso_array_push(&a, arr, kyso_obj_new_array(&a));
  expect_text(arr, "[1 (x) []]");
  d = kyso_obj_new_dict(&a);
  kyso_dict_set(&a, d, "A", kyso_obj_new_int(&a, 1));
  kyso_dict_set(&a, d, "B C", kyso_obj_new_name(&a, "D"));
  expect_text(d, "<</A 1\n/B#20C /D\n>>");
  sd = kyso_obj_new_dict(&a);
  kyso_dict_set(&a, sd, "Length", kyso_obj_new_int(&a, 3));
  expect_text(kyso_obj_new_stream(&a, sd, "abc", 3),
              "<</Length 3\n>>\nstream\nabc\nendstream");
  /* too deep to write: refused, not a stack overflow */
  {
    kyso_obj *deep = kyso_obj_new_array(&a), *cur = deep;
    kyso_buf b;
    kyso_error err;
    for (i = 0; i < 1000; i++) {
      kyso_obj *n = kyso_obj_new_array(&a);
      kyso_array_push(&a, cur, n);
      cur = n;
    }
    kyso_buf_init(&b);
    CHECK_EQ_INT(kyso_serialize(&b, deep, NULL, &err), KYSO_ERR_PDF_DEPTH);
    kyso_buf_free(&b);
  }
  kyso_arena_free(&a);
}

/* Value equality, numbers by value (an integral real is written as an
 * integer), reals to the writer's six decimals. */
static int same(const kyso_obj *x, const kyso_obj *y) {
  size_t i;
  if (kyso_obj_is_number(x) && kyso_obj_is_number(y))
    return fabs(kyso_obj_number(x) - kyso_obj_number(y)) <= 5e-7;
  if (!x || !y || x->type != y->type)
    return 0;
  switch (x->type) {
  case KYSO_OBJ_NULL: return 1;
  case KYSO_OBJ_BOOL: return x->u.boolean == y->u.boolean;
  case KYSO_OBJ_STRING:
    return x->u.string.len == y->u.string.len &&
           (x->u.string.len == 0 ||
            memcmp(x->u.string.data, y->u.string.data, x->u.string.len) == 0);
  case KYSO_OBJ_NAME: return strcmp(x->u.name, y->u.name) == 0;
  case KYSO_OBJ_REF:
    return x->u.ref.num == y->u.ref.num && x->u.ref.gen == y->u.ref.gen;
  case KYSO_OBJ_ARRAY:
    if (x->u.array.count != y->u.array.count)
      return 0;
    for (i = 0; i < x->u.array.count; i++)
      if (!same(x->u.array.items[i], y->u.array.items[i]))
        return 0;
    return 1;
  case KYSO_OBJ_DICT:
    if (x->u.dict.count != y->u.dict.count)
      return 0;
    for (i = 0; i < x->u.dict.count; i++)
      if (!same(x->u.dict.entries[i].value,
                kyso_dict_get(y, x->u.dict.entries[i].key)))
        return 0;
    return 1;
  default: return 0;
  }
}

static void test_round_trip(void) {
  kyso_arena a, pa;
  kyso_obj *d, *arr, *parsed = NULL, *nested;
  kyso_buf b;
  kyso_parser p;
  kyso_error err;
  uint8_t all[256];
  static const double reals[] = {0.5,   -0.25,     3.0,         1e-7,
                                 -1e-7, 123.4567,  -98765.4321, 0.000001,
                                 1e12,  -0.000004, 72.0};
  size_t i;

  kyso_arena_init(&a);
  kyso_arena_init(&pa);
  kyso_buf_init(&b);
  for (i = 0; i < 256; i++)
    all[i] = (uint8_t)i;
  d = kyso_obj_new_dict(&a);
  arr = kyso_obj_new_array(&a);
  for (i = 0; i < sizeof(reals) / sizeof(reals[0]); i++)
    kyso_array_push(&a, arr, kyso_obj_new_real(&a, reals[i]));
  kyso_dict_set(&a, d, "Reals", arr);
  kyso_dict_set(&a, d, "Every byte", kyso_obj_new_string(&a, all, 256));
  kyso_dict_set(&a, d, "Parens", kyso_obj_new_string(&a, ")(\\((", 5));
  kyso_dict_set(&a, d, "Name#1", kyso_obj_new_name(&a, "x y\t#z/\xe1\xbb\x87"));
  kyso_dict_set(&a, d, "Int", kyso_obj_new_int(&a, INT64_MIN + 1));
  kyso_dict_set(&a, d, "Ref", kyso_obj_new_ref(&a, 8388607, 65535));
  kyso_dict_set(&a, d, "Null", kyso_obj_new(&a, KYSO_OBJ_NULL));
  kyso_dict_set(&a, d, "Bool", kyso_obj_new_bool(&a, 1));
  nested = kyso_obj_new_dict(&a);
  kyso_dict_set(&a, nested, "Empty", kyso_obj_new_array(&a));
  kyso_dict_set(&a, nested, "E", kyso_obj_new_dict(&a));
  kyso_dict_set(&a, d, "Nested", nested);
  /* the reals alone: no exponent, no "-0" */
  CHECK_EQ_INT(kyso_serialize(&b, arr, NULL, &err), KYSO_OK);
  kyso_buf_append_byte(&b, 0);
  CHECK(strpbrk((char *)b.data, "eE") == NULL);
  CHECK(strstr((char *)b.data, "-0 ") == NULL &&
        strstr((char *)b.data, "-0]") == NULL);
  CHECK(strstr((char *)b.data, " 1000000000000 ") != NULL);
  b.len = 0;
  CHECK_EQ_INT(kyso_serialize(&b, d, NULL, &err), KYSO_OK);
  kyso_parser_init(&p, &pa, b.data, b.len, 0);
  CHECK_EQ_INT(kyso_parse_object(&p, &parsed, &err), KYSO_OK);
  CHECK(same(d, parsed));
  CHECK_EQ_INT(p.lex.pos, b.len);
  /* and the comparison itself can tell values apart */
  kyso_dict_set(&a, nested, "E", kyso_obj_new_int(&a, 1));
  CHECK(!same(d, parsed));
  kyso_buf_free(&b);
  kyso_arena_free(&pa);
  kyso_arena_free(&a);
}

int main(void) {
  test_update(0);
  test_update(1);
  test_missing_newline("", 1);
  test_missing_newline("\r", 0);
  test_empty_update();
  test_marks(0);
  test_marks(1);
  test_serialize_scalars();
  test_round_trip();
  return check_summary();
}
