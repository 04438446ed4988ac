/* pdf_filter.c - FlateDecode and predictors (ISO 32000-1 7.4.4); see
 * pdf_filter.h. */
#include "pdf/pdf_filter.h"

#include <limits.h>
#include <string.h>
#include <zlib.h>

/* Output is staged through a stack chunk so the limit is checked before a
 * byte reaches the caller's buffer. */
enum { FLATE_CHUNK = 16384 };

/* Sanity bound on DecodeParms /Colors: real streams use 1-4 (DeviceN tops
 * out at 32 colorants, ISO 32000-1 8.6.6.5), and it keeps colors * bpc *
 * columns from overflowing before the explicit check below. */
enum { PREDICTOR_COLORS_MAX = 32 };

/* Feeds zlib at most UINT_MAX bytes at a time: avail_in is a uInt. */
static void flate_feed(z_stream *zs, const uint8_t **in, size_t *left) {
  size_t n = *left < UINT_MAX ? *left : UINT_MAX;

  zs->next_in = (Bytef *)*in;
  zs->avail_in = (uInt)n;
  *in += n;
  *left -= n;
}

static const char *inflate_problem(int zr, const z_stream *zs) {
  /* Z_BUF_ERROR with room left to write means every input byte was used
   * before the end of the stream: truncated. */
  if (zr == Z_BUF_ERROR)
    return "data ends before the stream does";
  if (zr == Z_NEED_DICT)
    return "preset dictionary not allowed";
  return zs->msg ? zs->msg : "corrupt data";
}

kyso_status kyso_flate_decode(const uint8_t *in, size_t len, size_t limit,
                              kyso_buf *out, kyso_error *err) {
  kyso_status ret;
  z_stream zs;
  uint8_t chunk[FLATE_CHUNK];
  size_t total = 0;
  size_t produced;
  int zr;
  int live = 0;

  memset(&zs, 0, sizeof(zs));
  if (inflateInit(&zs) != Z_OK) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "flate: cannot start zlib");
    goto done;
  }
  live = 1;
  for (;;) {
    if (zs.avail_in == 0 && len > 0)
      flate_feed(&zs, &in, &len);
    zs.next_out = chunk;
    zs.avail_out = sizeof(chunk);
    zr = inflate(&zs, Z_NO_FLUSH);
    if (zr == Z_MEM_ERROR) {
      ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "flate: out of memory");
      goto done;
    }
    if (zr != Z_OK && zr != Z_STREAM_END) {
      ret = kyso_error_set(err, KYSO_ERR_PDF_FILTER, "flate: %s",
                           inflate_problem(zr, &zs));
      goto done;
    }
    produced = sizeof(chunk) - zs.avail_out;
    if (produced > limit - total) {
      ret = kyso_error_set(err, KYSO_ERR_LIMIT,
                           "flate: decoded data exceeds %zu bytes", limit);
      goto done;
    }
    kyso_buf_append(out, chunk, produced);
    total += produced;
    if (zr == Z_STREAM_END)
      break;
  }
  /* Bytes after the end of the zlib stream (an EOL before endstream) are
   * ignored, as every PDF reader does. */
  if (!kyso_buf_ok(out)) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "flate: out of memory");
    goto done;
  }
  ret = KYSO_OK;

done:
  if (live)
    inflateEnd(&zs);
  return ret;
}

kyso_status kyso_flate_encode(const uint8_t *in, size_t len, kyso_buf *out,
                              kyso_error *err) {
  kyso_status ret;
  z_stream zs;
  uint8_t chunk[FLATE_CHUNK];
  int zr;
  int live = 0;

  memset(&zs, 0, sizeof(zs));
  if (deflateInit(&zs, 6) != Z_OK) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "flate: cannot start zlib");
    goto done;
  }
  live = 1;
  do {
    if (zs.avail_in == 0 && len > 0)
      flate_feed(&zs, &in, &len);
    zs.next_out = chunk;
    zs.avail_out = sizeof(chunk);
    zr = deflate(&zs, len == 0 ? Z_FINISH : Z_NO_FLUSH);
    if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
      ret =
          kyso_error_set(err, KYSO_ERR_NO_MEMORY, "flate: compression failed");
      goto done;
    }
    kyso_buf_append(out, chunk, sizeof(chunk) - zs.avail_out);
  } while (zr != Z_STREAM_END);
  if (!kyso_buf_ok(out)) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "flate: out of memory");
    goto done;
  }
  ret = KYSO_OK;

done:
  if (live)
    deflateEnd(&zs);
  return ret;
}

/* The Paeth predictor, RFC 2083 6.6: whichever of left, up, upper-left is
 * closest to left + up - upper-left, ties going in that order. */
static uint8_t paeth(int a, int b, int c) {
  int p = a + b - c;
  int pa = p > a ? p - a : a - p;
  int pb = p > b ? p - b : b - p;
  int pc = p > c ? p - c : c - p;

  if (pa <= pb && pa <= pc)
    return (uint8_t)a;
  return (uint8_t)(pb <= pc ? b : c);
}

/* Unfilters one row in place (RFC 2083 6.2-6.6). prev is the previous
 * unfiltered row, or NULL for the first row, which counts as all zeros.
 * Filters work on bytes; bpp is the distance to the "left" byte. */
static int unfilter_row(int type, uint8_t *row, const uint8_t *prev, size_t n,
                        size_t bpp) {
  size_t i;

  if (type < 0 || type > 4)
    return -1;
  for (i = 0; i < n && type != 0; i++) {
    int a = i >= bpp ? row[i - bpp] : 0;
    int b = prev ? prev[i] : 0;
    int c = prev && i >= bpp ? prev[i - bpp] : 0;

    switch (type) {
    case 1: row[i] = (uint8_t)(row[i] + a); break;
    case 2: row[i] = (uint8_t)(row[i] + b); break;
    case 3: row[i] = (uint8_t)(row[i] + (a + b) / 2); break;
    default: row[i] = (uint8_t)(row[i] + paeth(a, b, c)); break;
    }
  }
  return 0;
}

/* Row geometry shared by both predictors (ISO 32000-1 7.4.4.4, Table 8):
 * bytes per row and bytes per whole pixel (at least 1). */
static kyso_status predictor_geometry(int colors, int bpc, size_t columns,
                                      size_t *row_bytes, size_t *bpp,
                                      kyso_error *err) {
  size_t bits_per_pixel;

  if (colors < 1 || colors > PREDICTOR_COLORS_MAX)
    return kyso_error_set(err, KYSO_ERR_PDF_FILTER,
                          "predictor: /Colors %d out of range", colors);
  if (bpc != 1 && bpc != 2 && bpc != 4 && bpc != 8 && bpc != 16)
    return kyso_error_set(err, KYSO_ERR_PDF_FILTER,
                          "predictor: /BitsPerComponent %d not allowed", bpc);
  bits_per_pixel = (size_t)colors * (size_t)bpc;
  if (columns < 1 || columns > (SIZE_MAX - 7) / bits_per_pixel)
    return kyso_error_set(err, KYSO_ERR_PDF_FILTER,
                          "predictor: /Columns %zu out of range", columns);
  *row_bytes = (columns * bits_per_pixel + 7) / 8;
  *bpp = bits_per_pixel >= 8 ? bits_per_pixel / 8 : 1;
  return KYSO_OK;
}

kyso_status kyso_png_unfilter(const uint8_t *data, size_t len, int colors,
                              int bits_per_component, size_t columns,
                              kyso_buf *out, kyso_error *err) {
  kyso_status ret;
  size_t row_bytes = 0, bpp = 0, rows, r;
  uint8_t *row;
  const uint8_t *prev = NULL;

  ret = predictor_geometry(colors, bits_per_component, columns, &row_bytes,
                           &bpp, err);
  if (ret != KYSO_OK)
    goto done;
  /* row_bytes <= SIZE_MAX / 8, so the + 1 for the type byte cannot wrap. */
  if (len % (row_bytes + 1) != 0) {
    ret = kyso_error_set(err, KYSO_ERR_PDF_FILTER,
                         "PNG predictor: last row is short");
    goto done;
  }
  rows = len / (row_bytes + 1);
  if (kyso_buf_reserve(out, len - rows) != 0) {
    ret =
        kyso_error_set(err, KYSO_ERR_NO_MEMORY, "PNG predictor: out of memory");
    goto done;
  }
  for (r = 0; r < rows; r++, data += row_bytes + 1) {
    /* Space is reserved, so appends do not move out->data. */
    kyso_buf_append(out, data + 1, row_bytes);
    row = out->data + out->len - row_bytes;
    if (unfilter_row(data[0], row, prev, row_bytes, bpp) != 0) {
      ret = kyso_error_set(err, KYSO_ERR_PDF_FILTER,
                           "PNG predictor: unknown filter type %u", data[0]);
      goto done;
    }
    prev = row;
  }
  ret = KYSO_OK;

done:
  return ret;
}

/* TIFF Predictor 2 (TIFF 6.0 section 14): each sample is stored as the
 * difference from the same component of the pixel to its left. Only 8 and
 * 16 bits per component are handled; packed sub-byte samples are rare in
 * practice and rejected rather than guessed. */
static kyso_status tiff_undo(const uint8_t *data, size_t len, int colors,
                             int bpc, size_t columns, kyso_buf *out,
                             kyso_error *err) {
  kyso_status ret;
  size_t row_bytes = 0, bpp = 0, i, start;
  uint8_t *p;

  ret = predictor_geometry(colors, bpc, columns, &row_bytes, &bpp, err);
  if (ret != KYSO_OK)
    goto done;
  if (bpc != 8 && bpc != 16) {
    ret = kyso_error_set(err, KYSO_ERR_PDF_FILTER,
                         "TIFF predictor: %d-bit samples not supported", bpc);
    goto done;
  }
  if (len % row_bytes != 0) {
    ret = kyso_error_set(err, KYSO_ERR_PDF_FILTER,
                         "TIFF predictor: last row is short");
    goto done;
  }
  start = out->len;
  kyso_buf_append(out, data, len);
  if (!kyso_buf_ok(out)) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY,
                         "TIFF predictor: out of memory");
    goto done;
  }
  p = out->data + start;
  for (i = 0; i < len; i += bpc / 8) {
    if (i % row_bytes < bpp)
      continue; /* the first pixel of each row is stored as is */
    if (bpc == 8) {
      p[i] = (uint8_t)(p[i] + p[i - bpp]);
    } else {
      /* 16-bit samples are big-endian (ISO 32000-1 7.4.4.4). */
      unsigned v = ((unsigned)p[i] << 8 | p[i + 1]) +
                   ((unsigned)p[i - bpp] << 8 | p[i - bpp + 1]);
      p[i] = (uint8_t)(v >> 8);
      p[i + 1] = (uint8_t)v;
    }
  }
  ret = KYSO_OK;

done:
  return ret;
}

kyso_status kyso_predictor_decode(const uint8_t *data, size_t len,
                                  int predictor, int colors,
                                  int bits_per_component, size_t columns,
                                  kyso_buf *out, kyso_error *err) {
  kyso_status ret;

  if (predictor == 1) {
    kyso_buf_append(out, data, len);
    ret = kyso_buf_ok(out) ? KYSO_OK
                           : kyso_error_set(err, KYSO_ERR_NO_MEMORY,
                                            "predictor: out of memory");
  } else if (predictor == 2) {
    ret = tiff_undo(data, len, colors, bits_per_component, columns, out, err);
  } else if (predictor >= 10 && predictor <= 15) {
    /* 10-15 only name the encoder's choice; each row carries its own type
     * byte, so all of them decode alike (ISO 32000-1 7.4.4.4). */
    ret = kyso_png_unfilter(data, len, colors, bits_per_component, columns, out,
                            err);
  } else {
    ret = kyso_error_set(err, KYSO_ERR_PDF_FILTER,
                         "predictor: /Predictor %d not supported", predictor);
  }
  return ret;
}
