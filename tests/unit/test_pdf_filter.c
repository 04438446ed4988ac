/* test_pdf_filter.c - FlateDecode bounds and PNG/TIFF predictors. Expected
 * predictor output is worked out by hand from RFC 2083 6 in the comments. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "check.h"
#include "pdf/pdf_filter.h"

/* Decodes with a PNG predictor into a fresh buffer; checks status and, on
 * success, the bytes. */
static void check_png(const uint8_t *in, size_t len, int colors, int bpc,
                      size_t columns, kyso_status want, const uint8_t *expect,
                      size_t expect_len) {
  kyso_buf out;
  kyso_error err;
  kyso_status st;

  kyso_buf_init(&out);
  kyso_error_clear(&err);
  st = kyso_predictor_decode(in, len, 12, colors, bpc, columns, &out, &err);
  CHECK_EQ_INT(st, want);
  if (st == KYSO_OK) {
    CHECK_EQ_INT(out.len, expect_len);
    CHECK(out.len == expect_len &&
          (expect_len == 0 || memcmp(out.data, expect, expect_len) == 0));
  } else {
    CHECK_EQ_INT(err.code, want);
    CHECK(err.message[0] != 0);
  }
  kyso_buf_free(&out);
}

static void test_flate(void) {
  enum { N = 100000 };
  uint8_t *plain = malloc(N);
  kyso_buf z, out;
  kyso_error err;
  size_t i;
  uint32_t x = 12345;

  CHECK(plain != NULL);
  if (!plain)
    return;
  /* Half text-like, half noise, so both stored and coded blocks occur. */
  for (i = 0; i < N; i++) {
    x = x * 1103515245u + 12345u;
    plain[i] =
        i < N / 2 ? (uint8_t)("0123456789 obj\n"[i % 15]) : (uint8_t)(x >> 16);
  }
  kyso_buf_init(&z);
  kyso_buf_init(&out);
  CHECK_EQ_INT(kyso_flate_encode(plain, N, &z, &err), KYSO_OK);

  /* Round trip, appending after existing content; the limit is inclusive. */
  kyso_buf_append_str(&out, "head");
  CHECK_EQ_INT(kyso_flate_decode(z.data, z.len, N, &out, &err), KYSO_OK);
  CHECK_EQ_INT(out.len, N + 4);
  CHECK(memcmp(out.data, "head", 4) == 0);
  CHECK(out.len == N + 4 && memcmp(out.data + 4, plain, N) == 0);

  /* Independent check: zlib's own uncompress reads our stream. */
  {
    uLongf n = N;
    uint8_t *back = malloc(N);
    CHECK(back && uncompress(back, &n, z.data, z.len) == Z_OK && n == N &&
          memcmp(back, plain, N) == 0);
    free(back);
  }

  /* One byte over the limit. */
  out.len = 0;
  CHECK_EQ_INT(kyso_flate_decode(z.data, z.len, N - 1, &out, &err),
               KYSO_ERR_LIMIT);
  CHECK_EQ_INT(err.code, KYSO_ERR_LIMIT);
  CHECK(out.len <= N - 1);
  out.len = 0;
  CHECK_EQ_INT(kyso_flate_decode(z.data, z.len, 0, &out, &err), KYSO_ERR_LIMIT);

  /* Truncated: without the Adler-32 trailer, half way, and empty. */
  out.len = 0;
  CHECK_EQ_INT(kyso_flate_decode(z.data, z.len - 4, N, &out, &err),
               KYSO_ERR_PDF_FILTER);
  CHECK_EQ_INT(err.code, KYSO_ERR_PDF_FILTER);
  out.len = 0;
  CHECK_EQ_INT(kyso_flate_decode(z.data, z.len / 2, N, &out, &err),
               KYSO_ERR_PDF_FILTER);
  out.len = 0;
  CHECK_EQ_INT(kyso_flate_decode(NULL, 0, N, &out, &err), KYSO_ERR_PDF_FILTER);

  /* Corrupt: a bad zlib header, and a flipped byte in the body (caught by
   * the deflate coding or at the latest by the Adler-32 check). */
  z.data[0] ^= 0xff;
  out.len = 0;
  CHECK_EQ_INT(kyso_flate_decode(z.data, z.len, N, &out, &err),
               KYSO_ERR_PDF_FILTER);
  z.data[0] ^= 0xff;
  z.data[z.len - 100] ^= 0x10;
  out.len = 0;
  CHECK_EQ_INT(kyso_flate_decode(z.data, z.len, N, &out, &err),
               KYSO_ERR_PDF_FILTER);
  z.data[z.len - 100] ^= 0x10;
  out.len = 0;
  CHECK_EQ_INT(kyso_flate_decode((const uint8_t *)"not zlib", 8, N, &out, &err),
               KYSO_ERR_PDF_FILTER);

  /* Trailing bytes after the stream end (EOL before endstream) are fine. */
  kyso_buf_append_str(&z, "\r\n");
  out.len = 0;
  CHECK_EQ_INT(kyso_flate_decode(z.data, z.len, N, &out, &err), KYSO_OK);
  CHECK_EQ_INT(out.len, N);

  /* Empty input encodes to a valid, empty stream. */
  z.len = 0;
  out.len = 0;
  CHECK_EQ_INT(kyso_flate_encode(NULL, 0, &z, &err), KYSO_OK);
  CHECK_EQ_INT(kyso_flate_decode(z.data, z.len, 0, &out, &err), KYSO_OK);
  CHECK_EQ_INT(out.len, 0);

  kyso_buf_free(&z);
  kyso_buf_free(&out);
  free(plain);
}

static void test_xref_stream_rows(void) {
  /* An xref stream with /W [1 2 1], /Columns 4, /Predictor 12: every row
   * uses Up (2), the first against a zero row. Entries: type 1 at offset
   * 0x0010, type 1 at 0x0015, type 2 in stream 0x0105 (0x15 + 0xf0 wraps). */
  static const uint8_t in[] = {2,    1, 0, 0x10, 0, 2,    0, 0,
                               0x05, 0, 2, 1,    1, 0xf0, 1};
  static const uint8_t want[] = {1, 0, 0x10, 0, 1, 0, 0x15, 0, 2, 1, 0x05, 1};

  check_png(in, sizeof(in), 1, 8, 4, KYSO_OK, want, sizeof(want));
}

static void test_png_row_types(void) {
  /* None, then Sub with 3 bytes per pixel: 0x05 + 0x10 = 0x15, ... */
  static const uint8_t sub_in[] = {0, 1,    2,    3,    4, 5, 6,
                                   1, 0x10, 0x20, 0x30, 5, 5, 5};
  static const uint8_t sub_want[] = {1,    2,    3,    4,    5,    6,
                                     0x10, 0x20, 0x30, 0x15, 0x25, 0x35};
  /* Average against prev 10 20 30 40, bpp 1:
   * 05 + (00 + 10)/2 = 0d; 05 + (0d + 20)/2 = 1b; 05 + (1b + 30)/2 = 2a;
   * 05 + (2a + 40)/2 = 3a. */
  static const uint8_t avg_in[] = {0, 0x10, 0x20, 0x30, 0x40, 3, 5, 5, 5, 5};
  static const uint8_t avg_want[] = {0x10, 0x20, 0x30, 0x40,
                                     0x0d, 0x1b, 0x2a, 0x3a};
  /* Paeth, bpp 1. Row 2 against 0f 14: first byte picks up (b = 0f), so
   * fb + 0f = 0a; second has a = 0a, b = 14, c = 0f, p = 0f: pa = 5, pb = 5,
   * pc = 0, picks c: 01 + 0f = 10. Row 3 against 0a 10: first picks b,
   * 0a + 0a = 14; second a = 14, b = 10, c = 0a, p = 1a: pa = 6, pb = 10,
   * pc = 16, picks a: 01 + 14 = 15. */
  static const uint8_t paeth_in[] = {0, 0x0f, 0x14, 4, 0xfb, 1, 4, 0x0a, 1};
  static const uint8_t paeth_want[] = {0x0f, 0x14, 0x0a, 0x10, 0x14, 0x15};
  /* Paeth ties go a, then b, then c (RFC 2083 6.6). Against 0a 08:
   * a = 0b, b = 08, c = 0a, p = 09: pa = 2, pb = pc = 1, picks b. Against
   * 0a 0b: a = 08, b = 0b, c = 0a, p = 09: pa = pc = 1, pb = 2, picks a. */
  static const uint8_t tie_bc_in[] = {0, 0x0a, 0x08, 4, 0x01, 0};
  static const uint8_t tie_bc_want[] = {0x0a, 0x08, 0x0b, 0x08};
  static const uint8_t tie_ac_in[] = {0, 0x0a, 0x0b, 4, 0xfe, 0};
  static const uint8_t tie_ac_want[] = {0x0a, 0x0b, 0x08, 0x08};
  /* 16-bit grey, 2 columns: bpp 2, Sub adds byte-wise 2 to the left. */
  static const uint8_t b16_in[] = {1, 1, 2, 3, 4};
  static const uint8_t b16_want[] = {1, 2, 4, 6};
  /* 1-bit, 10 columns: 2 bytes a row, bpp 1; Up over Sub. */
  static const uint8_t b1_in[] = {1, 0x01, 0x01, 2, 0x10, 0x80};
  static const uint8_t b1_want[] = {0x01, 0x02, 0x11, 0x82};

  check_png(sub_in, sizeof(sub_in), 3, 8, 2, KYSO_OK, sub_want,
            sizeof(sub_want));
  check_png(avg_in, sizeof(avg_in), 1, 8, 4, KYSO_OK, avg_want,
            sizeof(avg_want));
  check_png(paeth_in, sizeof(paeth_in), 1, 8, 2, KYSO_OK, paeth_want,
            sizeof(paeth_want));
  check_png(tie_bc_in, sizeof(tie_bc_in), 1, 8, 2, KYSO_OK, tie_bc_want,
            sizeof(tie_bc_want));
  check_png(tie_ac_in, sizeof(tie_ac_in), 1, 8, 2, KYSO_OK, tie_ac_want,
            sizeof(tie_ac_want));
  check_png(b16_in, sizeof(b16_in), 1, 16, 2, KYSO_OK, b16_want,
            sizeof(b16_want));
  check_png(b1_in, sizeof(b1_in), 1, 1, 10, KYSO_OK, b1_want, sizeof(b1_want));
  check_png(NULL, 0, 1, 8, 4, KYSO_OK, NULL, 0);
}

static void test_png_bad_rows(void) {
  static const uint8_t bad_type[] = {0, 1, 2, 3, 4, 5, 1, 2, 3, 4};
  static const uint8_t short_row[] = {0, 1, 2, 3, 4, 2, 1, 2, 3};

  check_png(bad_type, sizeof(bad_type), 1, 8, 4, KYSO_ERR_PDF_FILTER, NULL, 0);
  check_png(short_row, sizeof(short_row), 1, 8, 4, KYSO_ERR_PDF_FILTER, NULL,
            0);
  /* Parameters out of range come from the file too. */
  check_png(short_row, 5, 0, 8, 4, KYSO_ERR_PDF_FILTER, NULL, 0);
  check_png(short_row, 5, 1, 3, 4, KYSO_ERR_PDF_FILTER, NULL, 0);
  check_png(short_row, 5, 1, 8, 0, KYSO_ERR_PDF_FILTER, NULL, 0);
  check_png(short_row, 5, 4, 16, SIZE_MAX / 8, KYSO_ERR_PDF_FILTER, NULL, 0);
}

static void test_predictor_dispatch(void) {
  /* TIFF 2, RGB 8-bit: 10 20 30 | +1 +2 +3. */
  static const uint8_t t8[] = {0x10, 0x20, 0x30, 1, 2, 3};
  static const uint8_t t8_want[] = {0x10, 0x20, 0x30, 0x11, 0x22, 0x33};
  /* TIFF 2, grey 16-bit: 00ff, +0001 = 0100, +0001 = 0101. */
  static const uint8_t t16[] = {0x00, 0xff, 0x00, 0x01, 0x00, 0x01};
  static const uint8_t t16_want[] = {0x00, 0xff, 0x01, 0x00, 0x01, 0x01};
  kyso_buf out;
  kyso_error err;

  kyso_buf_init(&out);
  CHECK_EQ_INT(kyso_predictor_decode(t8, sizeof(t8), 1, 1, 8, 1, &out, &err),
               KYSO_OK);
  CHECK(out.len == sizeof(t8) && memcmp(out.data, t8, sizeof(t8)) == 0);
  out.len = 0;
  CHECK_EQ_INT(kyso_predictor_decode(t8, sizeof(t8), 2, 3, 8, 2, &out, &err),
               KYSO_OK);
  CHECK(out.len == 6 && memcmp(out.data, t8_want, 6) == 0);
  out.len = 0;
  CHECK_EQ_INT(kyso_predictor_decode(t16, sizeof(t16), 2, 1, 16, 3, &out, &err),
               KYSO_OK);
  CHECK(out.len == 6 && memcmp(out.data, t16_want, 6) == 0);
  out.len = 0;
  CHECK_EQ_INT(kyso_predictor_decode(t8, 5, 2, 3, 8, 2, &out, &err),
               KYSO_ERR_PDF_FILTER);
  CHECK_EQ_INT(kyso_predictor_decode(t8, sizeof(t8), 2, 1, 4, 12, &out, &err),
               KYSO_ERR_PDF_FILTER);
  CHECK_EQ_INT(kyso_predictor_decode(t8, sizeof(t8), 3, 1, 8, 1, &out, &err),
               KYSO_ERR_PDF_FILTER);
  CHECK_EQ_INT(kyso_predictor_decode(t8, sizeof(t8), 16, 1, 8, 1, &out, &err),
               KYSO_ERR_PDF_FILTER);
  kyso_buf_free(&out);
}

int main(void) {
  test_flate();
  test_xref_stream_rows();
  test_png_row_types();
  test_png_bad_rows();
  test_predictor_dispatch();
  return check_summary();
}
