/*
 * image_jpeg.c - JPEG signature images pass through as /DCTDecode (ISO
 * 32000-1 7.4.8): the viewer decodes them, kyso only reads the frame
 * header (ITU-T T.81 B.2.2) for the size and the number of components,
 * and the APP14 "Adobe" marker that says CMYK samples are inverted.
 */
#include <string.h>

#include "appearance/image.h"
#include "kyso/limits.h"

/* Markers walked before the frame header. */
enum { JPEG_SEGMENTS_MAX = 4096 };

static kyso_status bad(kyso_error *err, const char *what) {
  return kyso_error_set(err, KYSO_ERR_IMAGE_FORMAT, "JPEG: %s", what);
}

kyso_status kyso_image_read_jpeg(const uint8_t *j, size_t len, kyso_image *out,
                                 kyso_error *err) {
  size_t at = 2, seg_len;
  int segments = 0, adobe = 0;
  uint8_t m;

  memset(out, 0, sizeof(*out));
  if (len < 4 || j[0] != 0xFF || j[1] != 0xD8)
    return bad(err, "no SOI marker");
  for (;;) {
    if (++segments > JPEG_SEGMENTS_MAX)
      return bad(err, "too many segments before the frame header");
    while (at < len && j[at] == 0xFF && at + 1 < len && j[at + 1] == 0xFF)
      at++; /* fill bytes (B.1.1.2) */
    if (at + 4 > len || j[at] != 0xFF)
      return bad(err, "truncated before the frame header");
    m = j[at + 1];
    seg_len = (size_t)j[at + 2] << 8 | j[at + 3];
    if (seg_len < 2 || at + 2 + seg_len > len)
      return bad(err, "segment runs past the end");
    if (m == 0xEE && seg_len >= 7 && memcmp(j + at + 4, "Adobe", 5) == 0)
      adobe = 1;
    if (m == 0xC0 || m == 0xC1 || m == 0xC2) {
      const uint8_t *f = j + at + 4;
      unsigned height, width, comps;
      if (seg_len < 8)
        return bad(err, "short frame header");
      height = (unsigned)f[1] << 8 | f[2];
      width = (unsigned)f[3] << 8 | f[4];
      comps = f[5];
      if (f[0] != 8)
        return bad(err, "only 8-bit samples are supported");
      if (width == 0 || height == 0)
        return bad(err, "zero width or height");
      if (comps != 1 && comps != 3 && comps != 4)
        return bad(err, "1, 3 or 4 components expected");
      if (width > KYSO_LIMIT_IMAGE_SIDE || height > KYSO_LIMIT_IMAGE_SIDE ||
          (size_t)width * height > KYSO_LIMIT_IMAGE_PIXELS)
        return kyso_error_set(err, KYSO_ERR_IMAGE_SIZE,
                              "JPEG: %ux%u is over the limit (%d a side, "
                              "%zu pixels)",
                              width, height, KYSO_LIMIT_IMAGE_SIDE,
                              (size_t)KYSO_LIMIT_IMAGE_PIXELS);
      out->width = width;
      out->height = height;
      out->components = (int)comps;
      out->adobe_cmyk = comps == 4 && adobe;
      break;
    }
    if ((m >= 0xC3 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) ||
        m == 0xDA || m == 0xD9)
      return bad(err, "not a baseline, extended or progressive JPEG");
    at += 2 + seg_len;
  }
  out->dct = 1;
  kyso_buf_append(&out->pixels, j, len);
  if (!kyso_buf_ok(&out->pixels)) {
    kyso_image_free(out);
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "JPEG: out of memory");
  }
  return KYSO_OK;
}

kyso_status kyso_image_decode(const uint8_t *data, size_t len, kyso_image *out,
                              kyso_error *err) {
  static const uint8_t png_sig[8] = {0x89, 'P',  'N',  'G',
                                     0x0d, 0x0a, 0x1a, 0x0a};
  if (len >= 2 && data[0] == 0xFF && data[1] == 0xD8)
    return kyso_image_read_jpeg(data, len, out, err);
  if (len >= 8 && memcmp(data, png_sig, 8) == 0)
    return kyso_image_decode_png(data, len, out, err);
  memset(out, 0, sizeof(*out));
  return kyso_error_set(err, KYSO_ERR_IMAGE_FORMAT,
                        "the image is neither PNG nor JPEG");
}
