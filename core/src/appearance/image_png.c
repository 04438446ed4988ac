/* image_png.c - PNG to 8-bit samples and alpha (RFC 2083); see image.h.
 *
 * The chunk reader is written here rather than taken from libpng so the core
 * stays on zlib alone and every input-driven size is checked in one place.
 * The whole image is inflated at once: signature images are small and the
 * pixel limit bounds the worst case. */
#include "appearance/image.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "kyso/limits.h"
#include "pdf/pdf_filter.h"

/* Each chunk costs at least 12 bytes of input, so the count is already
 * bounded by the file size; this bound just refuses absurd files early.
 * 65536 chunks of 8 KiB IDAT is more data than any image under
 * KYSO_LIMIT_IMAGE_PIXELS needs. */
enum { PNG_CHUNKS_MAX = 65536 };

/* RFC 2083 3.2: chunk lengths are limited to 2^31 - 1. */
#define PNG_LENGTH_MAX 0x7fffffffu

typedef struct png_info {
  uint32_t width;
  uint32_t height;
  int depth;      /* bits per sample: 1, 2, 4, 8, 16 */
  int color_type; /* 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA */
  int interlace;  /* 0 none, 1 Adam7 */
  int channels;   /* samples per pixel in the file */
  uint8_t palette[256 * 3];
  int palette_count;
  uint8_t palette_alpha[256]; /* tRNS for palette images */
  int palette_alpha_count;
  unsigned key[3]; /* tRNS colour key for grey or RGB */
  int has_key;
  kyso_buf idat; /* all IDAT chunks, concatenated (RFC 2083 4.1.3) */
} png_info;

typedef struct png_pass {
  uint8_t x0, y0, dx, dy;
} png_pass;

/* Adam7 (RFC 2083 2.6): where each pass starts and how far it steps. */
static const png_pass adam7[7] = {{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8},
                                  {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2},
                                  {0, 1, 1, 2}};
static const png_pass whole = {0, 0, 1, 1};

static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

static kyso_status format_error(kyso_error *err, const char *what) {
  return kyso_error_set(err, KYSO_ERR_IMAGE_FORMAT, "PNG: %s", what);
}

/* RFC 2083 4.1.1. The size check comes before anything is allocated. */
static kyso_status parse_ihdr(png_info *png, const uint8_t *d, uint32_t n,
                              kyso_error *err) {
  int depth, type;

  if (n != 13)
    return format_error(err, "IHDR has the wrong length");
  png->width = be32(d);
  png->height = be32(d + 4);
  depth = d[8];
  type = d[9];
  if (png->width == 0 || png->height == 0 || png->width > PNG_LENGTH_MAX ||
      png->height > PNG_LENGTH_MAX)
    return format_error(err, "image width or height out of range");
  if (png->width > KYSO_LIMIT_IMAGE_SIDE ||
      png->height > KYSO_LIMIT_IMAGE_SIDE ||
      (size_t)png->width * png->height > KYSO_LIMIT_IMAGE_PIXELS)
    return kyso_error_set(err, KYSO_ERR_IMAGE_SIZE,
                          "PNG: %ux%u image is over the size limit",
                          (unsigned)png->width, (unsigned)png->height);
  switch (type) {
  case 0: png->channels = 1; break;
  case 2: png->channels = 3; break;
  case 3: png->channels = 1; break;
  case 4: png->channels = 2; break;
  case 6: png->channels = 4; break;
  default: return format_error(err, "unknown colour type");
  }
  /* Allowed depths per colour type (RFC 2083 4.1.1 table). */
  if ((depth != 1 && depth != 2 && depth != 4 && depth != 8 && depth != 16) ||
      (type != 0 && type != 3 && depth < 8) || (type == 3 && depth == 16))
    return format_error(err, "bit depth not allowed for the colour type");
  if (d[10] != 0 || d[11] != 0 || d[12] > 1)
    return format_error(err, "unknown compression, filter or interlace");
  png->depth = depth;
  png->color_type = type;
  png->interlace = d[12];
  return KYSO_OK;
}

/* RFC 2083 4.1.2; a suggested palette in an RGB image is ignored. */
static kyso_status parse_plte(png_info *png, const uint8_t *d, uint32_t n,
                              kyso_error *err) {
  if (png->color_type == 0 || png->color_type == 4)
    return format_error(err, "PLTE in a greyscale image");
  if (n == 0 || n % 3 != 0 || n > 256 * 3)
    return format_error(err, "PLTE has a bad length");
  memcpy(png->palette, d, n);
  png->palette_count = (int)(n / 3);
  return KYSO_OK;
}

/* RFC 2083 4.2.9: palette alpha, or one colour that is fully transparent.
 * Key samples are compared at the file's bit depth, before any scaling. */
static kyso_status parse_trns(png_info *png, const uint8_t *d, uint32_t n,
                              kyso_error *err) {
  switch (png->color_type) {
  case 0:
    if (n != 2)
      break;
    png->key[0] = (unsigned)d[0] << 8 | d[1];
    png->has_key = 1;
    return KYSO_OK;
  case 2:
    if (n != 6)
      break;
    png->key[0] = (unsigned)d[0] << 8 | d[1];
    png->key[1] = (unsigned)d[2] << 8 | d[3];
    png->key[2] = (unsigned)d[4] << 8 | d[5];
    png->has_key = 1;
    return KYSO_OK;
  case 3:
    if (png->palette_count == 0 || n > (uint32_t)png->palette_count)
      break;
    memcpy(png->palette_alpha, d, n);
    png->palette_alpha_count = (int)n;
    return KYSO_OK;
  default: return format_error(err, "tRNS in an image with an alpha channel");
  }
  return format_error(err, "tRNS does not fit the image");
}

/* Walks the chunks (RFC 2083 3.2, ordering rules of 4.3) up to IEND,
 * checking every CRC; bytes after IEND are ignored. */
static kyso_status read_chunks(png_info *png, const uint8_t *p, size_t len,
                               kyso_error *err) {
  static const uint8_t signature[8] = {137, 80, 78, 71, 13, 10, 26, 10};
  kyso_status ret = KYSO_OK;
  size_t pos = 8;
  int count, i;
  int seen_plte = 0, seen_trns = 0, idat_state = 0; /* 1 in run, 2 after */

  if (len < 8 || memcmp(p, signature, 8) != 0)
    return format_error(err, "not a PNG file");
  for (count = 0;; count++) {
    const uint8_t *type, *data;
    uint32_t n;

    if (count == PNG_CHUNKS_MAX)
      return kyso_error_set(err, KYSO_ERR_LIMIT, "PNG: more than %d chunks",
                            PNG_CHUNKS_MAX);
    if (len - pos < 12)
      return format_error(err, "file ends before IEND");
    n = be32(p + pos);
    type = p + pos + 4;
    data = type + 4;
    if (n > PNG_LENGTH_MAX || n > len - pos - 12)
      return format_error(err, "chunk runs past the end of the file");
    for (i = 0; i < 4; i++)
      if (!((type[i] >= 'A' && type[i] <= 'Z') ||
            (type[i] >= 'a' && type[i] <= 'z')))
        return format_error(err, "bad chunk type");
    if (crc32(crc32(0, NULL, 0), type, n + 4) != be32(data + n))
      return format_error(err, "chunk CRC mismatch");
    pos += (size_t)n + 12;

    if (count == 0 && memcmp(type, "IHDR", 4) != 0)
      return format_error(err, "IHDR is not the first chunk");
    if (idat_state == 1 && memcmp(type, "IDAT", 4) != 0)
      idat_state = 2;
    if (memcmp(type, "IHDR", 4) == 0) {
      ret = count == 0 ? parse_ihdr(png, data, n, err)
                       : format_error(err, "second IHDR");
    } else if (memcmp(type, "PLTE", 4) == 0) {
      ret = seen_plte || seen_trns || idat_state
                ? format_error(err, "PLTE out of order")
                : parse_plte(png, data, n, err);
      seen_plte = 1;
    } else if (memcmp(type, "tRNS", 4) == 0) {
      ret = seen_trns || idat_state ? format_error(err, "tRNS out of order")
                                    : parse_trns(png, data, n, err);
      seen_trns = 1;
    } else if (memcmp(type, "IDAT", 4) == 0) {
      /* IDAT chunks must be consecutive (RFC 2083 4.1.3). */
      if (idat_state == 2)
        return format_error(err, "IDAT chunks are not consecutive");
      if (png->color_type == 3 && png->palette_count == 0)
        return format_error(err, "palette image without PLTE");
      idat_state = 1;
      kyso_buf_append(&png->idat, data, n);
    } else if (memcmp(type, "IEND", 4) == 0) {
      break;
    } else if (!(type[0] & 0x20)) {
      /* Bit 5 of the first byte clear: critical, must be understood
       * (RFC 2083 3.3). Ancillary chunks are skipped. */
      return format_error(err, "unknown critical chunk");
    }
    if (ret != KYSO_OK)
      return ret;
  }
  if (idat_state == 0)
    return format_error(err, "no IDAT chunk");
  if (!kyso_buf_ok(&png->idat))
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "PNG: out of memory");
  return KYSO_OK;
}

static uint32_t pass_size(uint32_t side, int start, int step) {
  return side > (uint32_t)start ? (side - start + step - 1) / step : 0;
}

static size_t row_bytes(const png_info *png, uint32_t width) {
  return ((size_t)width * png->channels * png->depth + 7) / 8;
}

/* Size of the inflated image data: each non-empty pass row has a filter
 * byte (RFC 2083 2.6, 6.1). With sides <= KYSO_LIMIT_IMAGE_SIDE and at
 * most KYSO_LIMIT_IMAGE_PIXELS pixels of 8 bytes, this stays far below
 * 2^32, so size_t arithmetic cannot wrap even on 32-bit targets. */
static size_t raw_size(const png_info *png) {
  const png_pass *passes = png->interlace ? adam7 : &whole;
  int n = png->interlace ? 7 : 1, i;
  size_t total = 0;

  for (i = 0; i < n; i++) {
    uint32_t w = pass_size(png->width, passes[i].x0, passes[i].dx);
    uint32_t h = pass_size(png->height, passes[i].y0, passes[i].dy);
    if (w > 0 && h > 0)
      total += (size_t)h * (row_bytes(png, w) + 1);
  }
  return total;
}

/* Sample index i of an unfiltered row; big-endian, packed MSB first. */
static unsigned sample(const uint8_t *row, size_t i, int depth) {
  size_t bit;

  if (depth == 16)
    return (unsigned)row[2 * i] << 8 | row[2 * i + 1];
  if (depth == 8)
    return row[i];
  bit = i * (size_t)depth;
  return (row[bit / 8] >> (8 - depth - bit % 8)) & ((1u << depth) - 1);
}

/* To 0-255: sub-byte grey spreads over the full range; 16-bit rounds to
 * nearest. */
static uint8_t to8(unsigned v, int depth) {
  if (depth == 16)
    return (uint8_t)((v * 255u + 32767u) / 65535u);
  return (uint8_t)(v * 255u / ((1u << depth) - 1));
}

/* Converts pixel i of row to color (1 or 3 bytes) and *alpha. Returns -1
 * for a palette index past the palette. */
static int put_pixel(const png_info *png, const uint8_t *row, size_t i,
                     uint8_t *color, uint8_t *alpha) {
  unsigned s[4];
  int c, d = png->depth;

  for (c = 0; c < png->channels; c++)
    s[c] = sample(row, i * png->channels + c, d);
  *alpha = 255;
  switch (png->color_type) {
  case 0:
    color[0] = to8(s[0], d);
    if (png->has_key && s[0] == png->key[0])
      *alpha = 0;
    break;
  case 2:
    for (c = 0; c < 3; c++)
      color[c] = to8(s[c], d);
    if (png->has_key && s[0] == png->key[0] && s[1] == png->key[1] &&
        s[2] == png->key[2])
      *alpha = 0;
    break;
  case 3:
    if (s[0] >= (unsigned)png->palette_count)
      return -1;
    memcpy(color, png->palette + 3 * s[0], 3);
    if (s[0] < (unsigned)png->palette_alpha_count)
      *alpha = png->palette_alpha[s[0]];
    break;
  case 4:
    color[0] = to8(s[0], d);
    *alpha = to8(s[1], d);
    break;
  default:
    for (c = 0; c < 3; c++)
      color[c] = to8(s[c], d);
    *alpha = to8(s[3], d);
    break;
  }
  return 0;
}

/* Unfilters each pass and places its pixels in the full-size color and
 * alpha planes. raw holds exactly raw_size(png) bytes. */
static kyso_status decode_passes(const png_info *png, const uint8_t *raw,
                                 int components, uint8_t *color, uint8_t *alpha,
                                 kyso_error *err) {
  kyso_status ret = KYSO_OK;
  const png_pass *passes = png->interlace ? adam7 : &whole;
  int n = png->interlace ? 7 : 1, p;
  kyso_buf rows;
  uint32_t x, y;

  kyso_buf_init(&rows);
  for (p = 0; p < n; p++) {
    const png_pass *pass = &passes[p];
    uint32_t w = pass_size(png->width, pass->x0, pass->dx);
    uint32_t h = pass_size(png->height, pass->y0, pass->dy);
    size_t stride = row_bytes(png, w);

    if (w == 0 || h == 0)
      continue; /* empty passes have no rows at all (RFC 2083 2.6) */
    rows.len = 0;
    ret = kyso_png_unfilter(raw, (size_t)h * (stride + 1), png->channels,
                            png->depth, w, &rows, err);
    if (ret == KYSO_ERR_PDF_FILTER)
      ret = format_error(err, "bad row filter type");
    if (ret != KYSO_OK)
      goto done;
    raw += (size_t)h * (stride + 1);
    for (y = 0; y < h; y++) {
      for (x = 0; x < w; x++) {
        size_t at = ((size_t)(pass->y0 + y * pass->dy) * png->width + pass->x0 +
                     (size_t)x * pass->dx);
        uint8_t a;

        if (put_pixel(png, rows.data + y * stride, x, color + at * components,
                      &a) != 0) {
          ret = format_error(err, "palette index out of range");
          goto done;
        }
        if (alpha)
          alpha[at] = a;
      }
    }
  }

done:
  kyso_buf_free(&rows);
  return ret;
}

static int any_transparent(const uint8_t *alpha, size_t n) {
  size_t i;

  for (i = 0; i < n; i++)
    if (alpha[i] != 255)
      return 1;
  return 0;
}

kyso_status kyso_image_decode_png(const uint8_t *png_data, size_t len,
                                  kyso_image *out, kyso_error *err) {
  kyso_status ret;
  png_info png;
  kyso_buf raw;
  uint8_t *color = NULL, *alpha = NULL;
  size_t pixels, want;
  int components, may_be_transparent;

  memset(out, 0, sizeof(*out));
  memset(&png, 0, sizeof(png));
  kyso_buf_init(&png.idat);
  kyso_buf_init(&raw);
  ret = read_chunks(&png, png_data, len, err);
  if (ret != KYSO_OK)
    goto done;

  want = raw_size(&png);
  /* raw grows with the data actually inflated, and the pixel planes are
   * allocated only once it is complete: a tiny file claiming a large image
   * costs little. */
  ret = kyso_flate_decode(png.idat.data, png.idat.len, want, &raw, err);
  if (ret == KYSO_ERR_LIMIT)
    ret = format_error(err, "more image data than the header allows");
  else if (ret == KYSO_ERR_PDF_FILTER)
    ret = format_error(err, "image data is corrupt or truncated");
  if (ret != KYSO_OK)
    goto done;
  if (raw.len != want) {
    ret = format_error(err, "image data too short");
    goto done;
  }
  kyso_buf_free(&png.idat);

  pixels = (size_t)png.width * png.height; /* <= KYSO_LIMIT_IMAGE_PIXELS */
  components = png.color_type == 0 || png.color_type == 4 ? 1 : 3;
  may_be_transparent =
      png.color_type >= 4 || png.has_key || png.palette_alpha_count > 0;
  color = malloc(pixels * components);
  if (may_be_transparent)
    alpha = malloc(pixels);
  if (!color || (may_be_transparent && !alpha)) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "PNG: out of memory");
    goto done;
  }
  ret = decode_passes(&png, raw.data, components, color, alpha, err);
  if (ret != KYSO_OK)
    goto done;
  kyso_buf_free(&raw);

  ret = kyso_flate_encode(color, pixels * components, &out->pixels, err);
  if (ret == KYSO_OK && alpha && any_transparent(alpha, pixels))
    ret = kyso_flate_encode(alpha, pixels, &out->alpha, err);
  if (ret != KYSO_OK)
    goto done;
  out->width = png.width;
  out->height = png.height;
  out->components = components;

done:
  if (ret != KYSO_OK)
    kyso_image_free(out);
  free(color);
  free(alpha);
  kyso_buf_free(&raw);
  kyso_buf_free(&png.idat);
  return ret;
}

void kyso_image_free(kyso_image *image) {
  if (!image)
    return;
  kyso_buf_free(&image->pixels);
  kyso_buf_free(&image->alpha);
  memset(image, 0, sizeof(*image));
}
