/*
 * image.h - decoding signature images into PDF image XObject data (private).
 *
 * PNG in (RFC 2083 / ISO 15948): greyscale, RGB, palette (with tRNS),
 * greyscale+alpha, RGBA; 1/2/4/8/16-bit; interlaced or not. JPEG (ITU-T
 * T.81) passes through untouched as /DCTDecode: only its frame header is
 * read for the size and components. Out: 8-bit
 * samples ready for an /Image XObject with /FlateDecode, and, when the
 * image has any transparency, an 8-bit alpha channel for its /SMask
 * (ISO 32000-1 11.6.5.3). Nothing is drawn or printed here.
 */
#ifndef KYSO_IMAGE_H
#define KYSO_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "kyso/status.h"

typedef struct kyso_image {
  uint32_t width;
  uint32_t height;
  int components;  /* 1 = /DeviceGray, 3 = /DeviceRGB, 4 = /DeviceCMYK
                      (JPEG only); always 8 bits */
  int dct;         /* 1: pixels is the JPEG file itself (/DCTDecode) */
  int adobe_cmyk;  /* JPEG with an Adobe APP14 marker and 4 components:
                      inverted CMYK, /Decode [1 0 1 0 1 0 1 0] */
  kyso_buf pixels; /* zlib (FlateDecode) stream of width*height*components,
                      or the JPEG bytes when dct */
  kyso_buf alpha;  /* zlib stream of width*height alpha bytes; len 0 when
                      the image is fully opaque */
} kyso_image;

/* Decodes png. Bad data: KYSO_ERR_IMAGE_FORMAT; a side over
 * KYSO_LIMIT_IMAGE_SIDE or more than KYSO_LIMIT_IMAGE_PIXELS pixels:
 * KYSO_ERR_IMAGE_SIZE (checked from IHDR before any large allocation). */
kyso_status kyso_image_decode_png(const uint8_t *png, size_t len,
                                  kyso_image *out, kyso_error *err);

/* Reads the JPEG frame header (SOF0-SOF2) and copies jpeg into
 * out->pixels (dct = 1, no alpha). Errors as kyso_image_decode_png. */
kyso_status kyso_image_read_jpeg(const uint8_t *jpeg, size_t len,
                                 kyso_image *out, kyso_error *err);

/* PNG or JPEG by signature; anything else is KYSO_ERR_IMAGE_FORMAT. */
kyso_status kyso_image_decode(const uint8_t *data, size_t len, kyso_image *out,
                              kyso_error *err);

void kyso_image_free(kyso_image *image);

#endif
