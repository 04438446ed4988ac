/* test_image_png.c - PNG decoding checked against images written by libpng
 * (an independent encoder), plus hand-built broken files. */
#include <png.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "appearance/image.h"
#include "check.h"

enum { W = 13, H = 7 }; /* odd sizes: partial bytes, uneven Adam7 passes */

/* What to hand libpng: rows as it expects them (packed, big-endian). */
typedef struct png_spec {
  uint32_t width, height;
  int depth, color_type, interlace;
  const uint8_t *data;
  size_t stride;
  const png_color *palette;
  int palette_count;
  const png_byte *trans;
  int trans_count;
  const png_color_16 *trans_color;
} png_spec;

static uint32_t rng_state = 1;

static uint8_t rng(void) {
  rng_state = rng_state * 1103515245u + 12345u;
  return (uint8_t)(rng_state >> 16);
}

static void write_cb(png_structp png, png_bytep data, size_t n) {
  kyso_buf_append(png_get_io_ptr(png), data, n);
}

/* Encodes s with libpng into out; 1 on success. libpng reports errors by
 * longjmp, which is fine in a test (the core itself never uses setjmp). */
static int encode_png(const png_spec *s, kyso_buf *out) {
  png_structp png = NULL;
  png_infop info = NULL;
  png_bytep *rows = malloc(s->height * sizeof(*rows));
  volatile int ok = 0;
  uint32_t y;

  png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  if (png)
    info = png_create_info_struct(png);
  if (!rows || !info)
    goto done;
  for (y = 0; y < s->height; y++)
    rows[y] = (png_bytep)s->data + y * s->stride;
  if (setjmp(png_jmpbuf(png)))
    goto done;
  png_set_write_fn(png, out, write_cb, NULL);
  /* Every filter type, so the decoder's unfiltering is exercised. */
  png_set_filter(png, 0, PNG_ALL_FILTERS);
  png_set_IHDR(png, info, s->width, s->height, s->depth, s->color_type,
               s->interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (s->palette)
    png_set_PLTE(png, info, s->palette, s->palette_count);
  if (s->trans || s->trans_color)
    png_set_tRNS(png, info, s->trans, s->trans_count, s->trans_color);
  png_write_info(png, info);
  png_write_image(png, rows);
  png_write_end(png, info);
  ok = 1;

done:
  png_destroy_write_struct(&png, &info);
  free(rows);
  return ok;
}

/* Inflates a decoder output plane and compares it with want. */
static void check_plane(const kyso_buf *z, const uint8_t *want, size_t n) {
  uint8_t *got = malloc(n + 1);
  uLongf got_len = n + 1;

  CHECK(got != NULL);
  if (!got)
    return;
  CHECK_EQ_INT(uncompress(got, &got_len, z->data, z->len), Z_OK);
  CHECK_EQ_INT(got_len, n);
  CHECK(got_len == n && memcmp(got, want, n) == 0);
  free(got);
}

/* Writes s with libpng, decodes it, and checks every sample; want_alpha
 * NULL means the image must come out opaque (no alpha stream). */
static void check_roundtrip(const png_spec *s, int components,
                            const uint8_t *want_color,
                            const uint8_t *want_alpha) {
  kyso_buf file;
  kyso_image image;
  kyso_error err;
  size_t pixels = (size_t)s->width * s->height;

  kyso_buf_init(&file);
  CHECK(encode_png(s, &file));
  kyso_error_clear(&err);
  CHECK_EQ_INT(kyso_image_decode_png(file.data, file.len, &image, &err),
               KYSO_OK);
  if (err.code != KYSO_OK)
    fprintf(stderr, "  decode: %s\n", err.message);
  CHECK_EQ_INT(image.width, s->width);
  CHECK_EQ_INT(image.height, s->height);
  CHECK_EQ_INT(image.components, components);
  if (image.pixels.len > 0)
    check_plane(&image.pixels, want_color, pixels * components);
  if (want_alpha)
    check_plane(&image.alpha, want_alpha, pixels);
  else
    CHECK_EQ_INT(image.alpha.len, 0);
  kyso_image_free(&image);
  kyso_buf_free(&file);
}

/* 8-bit RGBA, RGB or grey+alpha (channels 4, 3, 2), optionally Adam7. */
static void test_8bit(int color_type, int channels, int interlace) {
  uint8_t data[W * H * 4], color[W * H * 3], alpha[W * H];
  int comps = channels >= 3 ? 3 : 1, has_alpha = channels % 2 == 0;
  png_spec s = {
      W,    H, 8,    color_type, interlace, data, (size_t)W * channels,
      NULL, 0, NULL, 0,          NULL};
  size_t i;

  for (i = 0; i < sizeof(data); i++)
    data[i] = rng();
  for (i = 0; i < W * H; i++) {
    memcpy(color + i * comps, data + i * channels, comps);
    alpha[i] = has_alpha ? data[i * channels + channels - 1] : 255;
  }
  check_roundtrip(&s, comps, color, has_alpha ? alpha : NULL);
}

static void test_rgba16(void) {
  uint8_t data[W * H * 8], color[W * H * 3], alpha[W * H];
  png_spec s = {W,    H, 16,  PNG_COLOR_TYPE_RGBA, 0, data, W * 8, NULL, 0,
                NULL, 0, NULL};
  size_t i;
  int c;

  for (i = 0; i < sizeof(data); i++)
    data[i] = rng();
  for (i = 0; i < W * H; i++) {
    for (c = 0; c < 4; c++) {
      unsigned v = (unsigned)data[i * 8 + c * 2] << 8 | data[i * 8 + c * 2 + 1];
      uint8_t v8 = (uint8_t)((v * 255.0 / 65535.0) + 0.5);
      if (c < 3)
        color[i * 3 + c] = v8;
      else
        alpha[i] = v8;
    }
  }
  check_roundtrip(&s, 3, color, alpha);
}

/* Sub-byte greyscale: 1-bit gives 0/255, 4-bit gives multiples of 17. */
static void test_grey_packed(int depth, int interlace, uint32_t w, uint32_t h) {
  uint8_t data[64 * 64], color[64 * 64];
  size_t stride = (w * depth + 7) / 8, i;
  png_spec s = {w,         h,    depth,  PNG_COLOR_TYPE_GRAY,
                interlace, data, stride, NULL,
                0,         NULL, 0,      NULL};
  uint32_t x, y;
  unsigned max = (1u << depth) - 1;

  for (i = 0; i < stride * h; i++)
    data[i] = rng();
  for (y = 0; y < h; y++) {
    for (x = 0; x < w; x++) {
      size_t bit = (size_t)x * depth;
      unsigned v = (data[y * stride + bit / 8] >> (8 - depth - bit % 8)) & max;
      color[y * w + x] = (uint8_t)(v * 255 / max);
    }
  }
  check_roundtrip(&s, 1, color, NULL);
}

/* 2-bit palette, tRNS for the first two entries. */
static void test_palette(void) {
  static const png_color pal[4] = {
      {255, 0, 0}, {0, 128, 0}, {10, 20, 30}, {200, 201, 202}};
  static const png_byte trans[2] = {0, 128};
  uint8_t data[4 * H], color[W * H * 3], alpha[W * H];
  png_spec s = {W,     H, 2,   PNG_COLOR_TYPE_PALETTE, 0, data, 4, pal, 4,
                trans, 2, NULL};
  uint32_t x, y;
  size_t i;

  for (i = 0; i < sizeof(data); i++)
    data[i] = rng();
  for (y = 0; y < H; y++) {
    for (x = 0; x < W; x++) {
      unsigned idx = (data[y * 4 + x / 4] >> (6 - 2 * (x % 4))) & 3;
      memcpy(color + (y * W + x) * 3, &pal[idx], 3);
      alpha[y * W + x] = idx < 2 ? trans[idx] : 255;
    }
  }
  check_roundtrip(&s, 3, color, alpha);
}

/* RGB with a tRNS colour key: pixels of exactly that colour turn clear. */
static void test_rgb_key(void) {
  static const png_color_16 key = {0, 10, 20, 30, 0};
  uint8_t data[W * H * 3], alpha[W * H];
  png_spec s = {W,    H, 8,   PNG_COLOR_TYPE_RGB, 1, data, W * 3, NULL, 0,
                NULL, 0, &key};
  size_t i;

  for (i = 0; i < W * H; i++) {
    uint8_t *p = data + i * 3;
    p[0] = rng(), p[1] = rng(), p[2] = rng();
    if (i % 5 == 0)
      p[0] = 10, p[1] = 20, p[2] = 30;
    alpha[i] = p[0] == 10 && p[1] == 20 && p[2] == 30 ? 0 : 255;
  }
  check_roundtrip(&s, 3, data, alpha);
}

static void add_chunk(kyso_buf *b, const char *type, const uint8_t *d,
                      size_t n) {
  uint8_t be[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8),
                   (uint8_t)n};
  uLong crc = crc32(0, (const Bytef *)type, 4);

  if (n > 0)
    crc = crc32(crc, d, (uInt)n);
  kyso_buf_append(b, be, 4);
  kyso_buf_append(b, type, 4);
  kyso_buf_append(b, d, n);
  be[0] = (uint8_t)(crc >> 24), be[1] = (uint8_t)(crc >> 16);
  be[2] = (uint8_t)(crc >> 8), be[3] = (uint8_t)crc;
  kyso_buf_append(b, be, 4);
}

static void start_png(kyso_buf *b, uint32_t w, uint32_t h, int depth,
                      int type) {
  static const uint8_t sig[8] = {137, 80, 78, 71, 13, 10, 26, 10};
  uint8_t ihdr[13] = {(uint8_t)(w >> 24),
                      (uint8_t)(w >> 16),
                      (uint8_t)(w >> 8),
                      (uint8_t)w,
                      (uint8_t)(h >> 24),
                      (uint8_t)(h >> 16),
                      (uint8_t)(h >> 8),
                      (uint8_t)h,
                      (uint8_t)depth,
                      (uint8_t)type,
                      0,
                      0,
                      0};

  kyso_buf_init(b);
  kyso_buf_append(b, sig, 8);
  add_chunk(b, "IHDR", ihdr, 13);
}

/* Adds raw (filter bytes included) as one IDAT chunk. */
static void add_idat(kyso_buf *b, const uint8_t *raw, size_t n) {
  uint8_t z[1024];
  uLongf zlen = sizeof(z);

  CHECK_EQ_INT(compress(z, &zlen, raw, n), Z_OK);
  add_chunk(b, "IDAT", z, zlen);
}

static void check_fails(const kyso_buf *b, kyso_status want) {
  kyso_image image;
  kyso_error err;

  kyso_error_clear(&err);
  CHECK_EQ_INT(kyso_image_decode_png(b->data, b->len, &image, &err), want);
  CHECK_EQ_INT(err.code, want);
  CHECK(err.message[0] != 0);
  CHECK(image.pixels.len == 0 && image.alpha.len == 0);
  kyso_image_free(&image);
}

static void test_bad_files(void) {
  /* 4x4 RGB, filter type 0 on every row. */
  uint8_t raw[5 * 13] = {0};
  kyso_buf b, good;
  kyso_image image;
  kyso_error err;
  size_t n;
  clock_t t0;

  /* A good hand-built file first, with an ancillary chunk to skip. */
  start_png(&good, 4, 4, 8, 2);
  add_chunk(&good, "tEXt", (const uint8_t *)"k\0v", 3);
  add_idat(&good, raw, 4 * 13);
  add_chunk(&good, "IEND", NULL, 0);
  CHECK_EQ_INT(kyso_image_decode_png(good.data, good.len, &image, &err),
               KYSO_OK);
  kyso_image_free(&image);

  /* Every truncation of it. */
  for (n = 0; n < good.len; n++) {
    b = good;
    b.len = n;
    check_fails(&b, KYSO_ERR_IMAGE_FORMAT);
  }

  /* A flipped bit in the IDAT data, then in the IHDR CRC. */
  good.data[good.len - 20] ^= 1;
  check_fails(&good, KYSO_ERR_IMAGE_FORMAT);
  good.data[good.len - 20] ^= 1;
  good.data[8 + 8 + 13] ^= 1;
  check_fails(&good, KYSO_ERR_IMAGE_FORMAT);
  good.data[8 + 8 + 13] ^= 1;

  b = good;
  b.data = (uint8_t *)"GIF89a\x01\x00\x01\x00\x00\x00\x00";
  b.len = 13;
  check_fails(&b, KYSO_ERR_IMAGE_FORMAT);

  /* Over the side limit, then over the pixel limit: refused from IHDR
   * alone, at once (no IDAT even follows). */
  t0 = clock();
  start_png(&b, 20000, 20000, 8, 6);
  check_fails(&b, KYSO_ERR_IMAGE_SIZE);
  CHECK((double)(clock() - t0) / CLOCKS_PER_SEC < 0.5);
  kyso_buf_free(&b);
  start_png(&b, 10000, 10000, 8, 6);
  check_fails(&b, KYSO_ERR_IMAGE_SIZE);
  kyso_buf_free(&b);

  start_png(&b, 0, 4, 8, 2);
  check_fails(&b, KYSO_ERR_IMAGE_FORMAT);
  kyso_buf_free(&b);
  start_png(&b, 4, 4, 4, 2); /* 4-bit RGB is not a PNG combination */
  check_fails(&b, KYSO_ERR_IMAGE_FORMAT);
  kyso_buf_free(&b);

  /* IDAT holding 3 rows of 4, then 5 rows of 4. */
  start_png(&b, 4, 4, 8, 2);
  add_idat(&b, raw, 3 * 13);
  add_chunk(&b, "IEND", NULL, 0);
  check_fails(&b, KYSO_ERR_IMAGE_FORMAT);
  kyso_buf_free(&b);
  start_png(&b, 4, 4, 8, 2);
  add_idat(&b, raw, 5 * 13);
  add_chunk(&b, "IEND", NULL, 0);
  check_fails(&b, KYSO_ERR_IMAGE_FORMAT);
  kyso_buf_free(&b);

  /* Unknown row filter type. */
  raw[13] = 5;
  start_png(&b, 4, 4, 8, 2);
  add_idat(&b, raw, 4 * 13);
  add_chunk(&b, "IEND", NULL, 0);
  check_fails(&b, KYSO_ERR_IMAGE_FORMAT);
  kyso_buf_free(&b);
  raw[13] = 0;

  /* Unknown critical chunk; IDAT split by another chunk; no IEND. */
  start_png(&b, 4, 4, 8, 2);
  add_chunk(&b, "ABCD", NULL, 0);
  add_idat(&b, raw, 4 * 13);
  add_chunk(&b, "IEND", NULL, 0);
  check_fails(&b, KYSO_ERR_IMAGE_FORMAT);
  kyso_buf_free(&b);
  start_png(&b, 4, 4, 8, 2);
  add_idat(&b, raw, 4 * 13);
  add_chunk(&b, "tEXt", (const uint8_t *)"k\0v", 3);
  add_idat(&b, raw, 0);
  add_chunk(&b, "IEND", NULL, 0);
  check_fails(&b, KYSO_ERR_IMAGE_FORMAT);
  kyso_buf_free(&b);
  start_png(&b, 4, 4, 8, 2);
  add_idat(&b, raw, 4 * 13);
  check_fails(&b, KYSO_ERR_IMAGE_FORMAT);
  kyso_buf_free(&b);

  /* Palette image: index past a 2-entry palette, and no PLTE at all. */
  memset(raw, 0, sizeof(raw));
  raw[1] = 5;
  start_png(&b, 4, 4, 8, 3);
  add_chunk(&b, "PLTE", (const uint8_t *)"\1\2\3\4\5\6", 6);
  add_idat(&b, raw, 4 * 5);
  add_chunk(&b, "IEND", NULL, 0);
  check_fails(&b, KYSO_ERR_IMAGE_FORMAT);
  kyso_buf_free(&b);
  start_png(&b, 4, 4, 8, 3);
  add_idat(&b, raw, 4 * 5);
  add_chunk(&b, "IEND", NULL, 0);
  check_fails(&b, KYSO_ERR_IMAGE_FORMAT);
  kyso_buf_free(&b);

  kyso_buf_free(&good);
}

int main(void) {
  test_8bit(PNG_COLOR_TYPE_RGBA, 4, 0);
  test_8bit(PNG_COLOR_TYPE_RGB, 3, 0);
  test_8bit(PNG_COLOR_TYPE_GRAY_ALPHA, 2, 0);
  test_8bit(PNG_COLOR_TYPE_RGBA, 4, 1);
  test_rgba16();
  test_grey_packed(1, 0, W, H);
  test_grey_packed(4, 1, W, H);
  test_grey_packed(2, 1, 3, 2); /* Adam7 with empty passes */
  test_grey_packed(8, 1, 1, 1);
  test_palette();
  test_rgb_key();
  test_bad_files();
  return check_summary();
}
