/*
 * pdf_filter.h - stream filter primitives (ISO 32000-1 7.4), private.
 *
 * FlateDecode (zlib, RFC 1950) with an output bound, and the PNG predictors
 * of 7.4.4.4 (also used by PNG images). Applying a stream's /Filter array
 * and /DecodeParms is pdf_file.c's job; these are the pieces it calls.
 */
#ifndef KYSO_PDF_FILTER_H
#define KYSO_PDF_FILTER_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "kyso/status.h"

/* Inflates a zlib stream into out (appending). More than limit output bytes:
 * KYSO_ERR_LIMIT. Corrupt data: KYSO_ERR_PDF_FILTER. A stream that ends
 * early without its checksum is an error too (no silent repair). */
kyso_status kyso_flate_decode(const uint8_t *in, size_t len, size_t limit,
                              kyso_buf *out, kyso_error *err);

/* Deflates in into out (appending) as a zlib stream. */
kyso_status kyso_flate_encode(const uint8_t *in, size_t len, kyso_buf *out,
                              kyso_error *err);

/*
 * Undoes PNG row filters (predictor 10-15 in PDF; each row starts with its
 * filter type byte 0-4) in data of len bytes, writing the unfiltered rows
 * (without the type bytes) to out. colors * bits_per_component * columns
 * gives the row width in bits; bpp = max(1, colors*bpc/8).
 * A short last row or an unknown filter type: KYSO_ERR_PDF_FILTER.
 */
kyso_status kyso_png_unfilter(const uint8_t *data, size_t len, int colors,
                              int bits_per_component, size_t columns,
                              kyso_buf *out, kyso_error *err);

/* Undoes the PDF /Predictor of DecodeParms: 1 (none, copies), 2 (TIFF), or
 * 10-15 (PNG). Other values: KYSO_ERR_PDF_FILTER. */
kyso_status kyso_predictor_decode(const uint8_t *data, size_t len,
                                  int predictor, int colors,
                                  int bits_per_component, size_t columns,
                                  kyso_buf *out, kyso_error *err);

#endif
