/*
 * test_pdf_limits.c - adversarial shapes that once crashed or stalled the
 * reader (issue 12, robustness): a 15,000-link chain of streams whose
 * /Length is the next stream, a 15,000-link chain of object streams whose
 * /Length sits in the next object stream, and a dictionary of 80,000 keys.
 *
 * The chains must be refused with a message, not overflow the stack (run
 * under the sanitizer build: before the load depth limit both crashed
 * there): the object streams with KYSO_ERR_PDF_DEPTH; the /Length chain at
 * its first link with KYSO_ERR_PDF_STREAM, since a /Length that is itself
 * a stream is wrong (before that rule each link was loaded down to the
 * depth limit again, ~1 s and 265 MB for 15,000 links). The big dictionary must
 * parse with the duplicate-key rule intact: a repeated key keeps its first
 * place and takes the last value. Its time is not measured here; the old
 * pairwise check took seconds on it, the sorted one a few milliseconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "check.h"
#include "kyso/limits.h"
#include "kyso/pdf.h"
#include "pdf/pdf_file.h"
#include "pdf/pdf_parse.h"

enum { CHAIN_LINKS = 15000, BIG_DICT_KEYS = 80000 };

/* Objects 1..3 (catalog, pages, one page); their offsets go to offs. */
static void head(kyso_buf *out, size_t *offs) {
  static const char *const bodies[] = {
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"};
  int n;
  kyso_buf_append_str(out, "%PDF-1.7\n");
  for (n = 1; n <= 3; n++) {
    offs[n] = out->len;
    kyso_buf_printf(out, "%d 0 obj\n%s\nendobj\n", n, bodies[n - 1]);
  }
}

/* Streams 4 .. 4+links-1: each one's /Length is the next stream; the last
 * names an integer. Classic table. */
static void build_length_chain(kyso_buf *out, int links) {
  size_t *offs = calloc((size_t)links + 8, sizeof(*offs));
  size_t xref_at;
  int i, last = 4 + links;

  if (!offs)
    abort();
  head(out, offs);
  for (i = 4; i < last; i++) {
    offs[i] = out->len;
    kyso_buf_printf(out,
                    "%d 0 obj\n<< /Length %d 0 R >>\nstream\nx\nendstream\n"
                    "endobj\n",
                    i, i + 1);
  }
  offs[last] = out->len;
  kyso_buf_printf(out, "%d 0 obj\n1\nendobj\n", last);
  xref_at = out->len;
  kyso_buf_printf(out, "xref\n0 %d\n0000000000 65535 f\r\n", last + 1);
  for (i = 1; i <= last; i++)
    kyso_buf_printf(out, "%010zu 00000 n\r\n", offs[i]);
  kyso_buf_printf(out,
                  "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%zu\n"
                  "%%%%EOF\n",
                  last + 1, xref_at);
  free(offs);
}

/* Object streams S_k (object 10+2k, uncompressed, no filter) for k in
 * 0..links-1. S_k holds object L_(k-1) (11+2(k-1)): the integer /Length
 * of S_(k-1). S_k's /Length is L_k, held by S_(k+1); the last one's is
 * direct. Loading S_0 so loads S_1, S_2, ... An xref stream with
 * /W [1 4 2] and no filter lists everything. */
static void build_objstm_chain(kyso_buf *out, int links) {
  int count = 10 + 2 * links + 1; /* one past the xref stream's number */
  int xref_num = count - 1;
  size_t *offs = calloc((size_t)count, sizeof(*offs));
  kyso_buf rows;
  size_t xref_at;
  int k, i;
  char body[64], data[128];

  if (!offs)
    abort();
  kyso_buf_init(&rows);
  head(out, offs);
  for (k = 0; k < links; k++) {
    size_t len;
    int held = k ? 11 + 2 * (k - 1) : 9; /* S_0 holds object 9, a dummy */
    int first;
    /* The data is "held 0 " then the held object's body; the body is the
     * length of S_(k-1), which is the length of its data. */
    if (k == 0) {
      snprintf(body, sizeof(body), "null");
    } else {
      /* S_(k-1)'s data length was recorded in offs[11 + 2(k-1)]. */
      snprintf(body, sizeof(body), "%zu", offs[11 + 2 * (k - 1)]);
    }
    first = snprintf(data, sizeof(data), "%d 0 ", held);
    snprintf(data + first, sizeof(data) - (size_t)first, "%s", body);
    len = strlen(data);
    offs[10 + 2 * k] = out->len;
    if (k + 1 < links)
      kyso_buf_printf(out,
                      "%d 0 obj\n<< /Type /ObjStm /N 1 /First %d "
                      "/Length %d 0 R >>\nstream\n",
                      10 + 2 * k, first, 11 + 2 * k);
    else
      kyso_buf_printf(out,
                      "%d 0 obj\n<< /Type /ObjStm /N 1 /First %d "
                      "/Length %zu >>\nstream\n",
                      10 + 2 * k, first, len);
    kyso_buf_append(out, data, len);
    kyso_buf_append_str(out, "\nendstream\nendobj\n");
    /* Kept for the next stream's body (L_k is not an offset entry). */
    offs[11 + 2 * k] = len;
  }
  /* Rows: type (1 byte), field 2 (4 bytes), field 3 (2 bytes). */
  for (i = 0; i < count; i++) {
    uint8_t row[7] = {0};
    uint32_t f2 = 0;
    uint16_t f3 = 0;
    if (i == 0) {
      row[0] = 0;
      f3 = 65535;
    } else if (i <= 3 || (i >= 10 && i % 2 == 0 && i < xref_num)) {
      row[0] = 1;
      f2 = (uint32_t)offs[i];
    } else if (i == 9) {
      row[0] = 2;
      f2 = 10;
    } else if (i >= 11 && i % 2 == 1 && i < xref_num) {
      row[0] = 2;
      f2 = (uint32_t)(i + 1); /* L_k is in S_(k+1) = object i+1 */
    } else if (i == xref_num) {
      row[0] = 1;
      f2 = 0; /* patched below */
    } else {
      row[0] = 0; /* 4..8: free */
    }
    row[1] = (uint8_t)(f2 >> 24);
    row[2] = (uint8_t)(f2 >> 16);
    row[3] = (uint8_t)(f2 >> 8);
    row[4] = (uint8_t)f2;
    row[5] = (uint8_t)(f3 >> 8);
    row[6] = (uint8_t)f3;
    kyso_buf_append(&rows, row, sizeof(row));
  }
  /* The last L is held by no stream: mark it free. */
  rows.data[(size_t)(xref_num - 1) * 7] = 0;
  memset(rows.data + (size_t)(xref_num - 1) * 7 + 1, 0, 6);
  xref_at = out->len;
  rows.data[(size_t)xref_num * 7 + 1] = (uint8_t)(xref_at >> 24);
  rows.data[(size_t)xref_num * 7 + 2] = (uint8_t)(xref_at >> 16);
  rows.data[(size_t)xref_num * 7 + 3] = (uint8_t)(xref_at >> 8);
  rows.data[(size_t)xref_num * 7 + 4] = (uint8_t)xref_at;
  kyso_buf_printf(out,
                  "%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R "
                  "/Length %zu >>\nstream\n",
                  xref_num, count, rows.len);
  kyso_buf_append(out, rows.data, rows.len);
  kyso_buf_printf(out, "\nendstream\nendobj\nstartxref\n%zu\n%%%%EOF\n",
                  xref_at);
  kyso_buf_free(&rows);
  free(offs);
}

/* Opens and checks data; returns the status (open's or check's). */
static kyso_status open_and_check(const kyso_buf *file, kyso_error *err) {
  kyso_pdf *pdf = NULL;
  kyso_status st;
  uint8_t *copy = malloc(file->len);
  if (!copy)
    abort();
  memcpy(copy, file->data, file->len);
  kyso_error_clear(err);
  st = kyso_pdf_open(copy, file->len, &pdf, err);
  if (st == KYSO_OK)
    st = kyso_pdf_check(pdf, err);
  kyso_pdf_close(pdf);
  free(copy);
  return st;
}

static void expect_refused(const char *what, void (*build)(kyso_buf *, int),
                           int links, kyso_status want) {
  kyso_buf file;
  kyso_error err;
  kyso_status st;
  kyso_buf_init(&file);
  build(&file, links);
  CHECK(kyso_buf_ok(&file));
  st = open_and_check(&file, &err);
  if (st != want)
    fprintf(stderr, "%s, %d links: %s (%s)\n", what, links,
            kyso_status_name(st), err.message);
  CHECK_EQ_INT(st, want);
  CHECK_EQ_INT(err.code, want);
  CHECK(err.message[0] != 0);
  kyso_buf_free(&file);
}

static void expect_ok(const char *what, void (*build)(kyso_buf *, int),
                      int links) {
  kyso_buf file;
  kyso_error err;
  kyso_status st;
  kyso_buf_init(&file);
  build(&file, links);
  st = open_and_check(&file, &err);
  if (st != KYSO_OK)
    fprintf(stderr, "%s, %d links: %s (%s)\n", what, links,
            kyso_status_name(st), err.message);
  CHECK_EQ_INT(st, KYSO_OK);
  kyso_buf_free(&file);
}

static void test_chains(void) {
  /* Short chains are ordinary files (a /Length chain of one link ends in
   * the integer; from two links a stream is used as a length). */
  expect_ok("object stream chain", build_objstm_chain, 3);
  expect_ok("/Length chain", build_length_chain, 1);
  expect_refused("/Length chain", build_length_chain, CHAIN_LINKS,
                 KYSO_ERR_PDF_STREAM);
  expect_refused("object stream chain", build_objstm_chain, CHAIN_LINKS,
                 KYSO_ERR_PDF_DEPTH);
  expect_refused("/Length chain", build_length_chain, 2, KYSO_ERR_PDF_STREAM);
  expect_refused("object stream chain", build_objstm_chain,
                 KYSO_LIMIT_LOAD_DEPTH + 1, KYSO_ERR_PDF_DEPTH);
}

/* << /K0 0 /K1 1 ... /K79999 79999 /K5 -1 /K79999 -2 >>: the repeats keep
 * their first place and take the last value. */
static void test_big_dictionary(void) {
  kyso_buf text;
  kyso_arena arena;
  kyso_parser p;
  kyso_obj *dict = NULL;
  kyso_error err;
  size_t i, misplaced = 0;

  kyso_buf_init(&text);
  kyso_arena_init(&arena);
  kyso_buf_append_str(&text, "<<");
  for (i = 0; i < BIG_DICT_KEYS; i++)
    kyso_buf_printf(&text, "/K%zu %zu", i, i);
  kyso_buf_append_str(&text, "/K5 -1 /K79999 -2 /K5 -3>>");
  kyso_error_clear(&err);
  kyso_parser_init(&p, &arena, text.data, text.len, 0);
  CHECK_EQ_INT(kyso_parse_object(&p, &dict, &err), KYSO_OK);
  CHECK(kyso_obj_is(dict, KYSO_OBJ_DICT));
  if (kyso_obj_is(dict, KYSO_OBJ_DICT)) {
    CHECK_EQ_INT(dict->u.dict.count, BIG_DICT_KEYS);
    for (i = 0; i < dict->u.dict.count; i++) {
      char want[32];
      snprintf(want, sizeof(want), "K%zu", i);
      if (strcmp(dict->u.dict.entries[i].key, want) != 0)
        misplaced++;
    }
    CHECK_EQ_INT(misplaced, 0);
    CHECK_EQ_INT(kyso_dict_get(dict, "K5")->u.integer, -3);
    CHECK_EQ_INT(kyso_dict_get(dict, "K79999")->u.integer, -2);
    CHECK_EQ_INT(kyso_dict_get(dict, "K6")->u.integer, 6);
    CHECK_EQ_INT(dict->u.dict.entries[5].value->u.integer, -3);
  }
  kyso_arena_free(&arena);
  kyso_buf_free(&text);
}

/* Small dictionaries keep the same rule. */
static void test_small_duplicates(void) {
  static const char text[] = "<< /A 1 /B 2 /A 3 /C 4 /B 5 >>";
  kyso_arena arena;
  kyso_parser p;
  kyso_obj *dict = NULL;
  kyso_error err;

  kyso_arena_init(&arena);
  kyso_error_clear(&err);
  kyso_parser_init(&p, &arena, (const uint8_t *)text, sizeof(text) - 1, 0);
  CHECK_EQ_INT(kyso_parse_object(&p, &dict, &err), KYSO_OK);
  if (kyso_obj_is(dict, KYSO_OBJ_DICT) && dict->u.dict.count == 3) {
    CHECK_EQ_STR(dict->u.dict.entries[0].key, "A");
    CHECK_EQ_STR(dict->u.dict.entries[1].key, "B");
    CHECK_EQ_STR(dict->u.dict.entries[2].key, "C");
    CHECK_EQ_INT(dict->u.dict.entries[0].value->u.integer, 3);
    CHECK_EQ_INT(dict->u.dict.entries[1].value->u.integer, 5);
    CHECK_EQ_INT(dict->u.dict.entries[2].value->u.integer, 4);
  } else {
    CHECK(0);
  }
  kyso_arena_free(&arena);
}

int main(void) {
  test_small_duplicates();
  test_big_dictionary();
  test_chains();
  return check_summary();
}
