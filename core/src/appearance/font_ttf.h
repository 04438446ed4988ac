/*
 * font_ttf.h - TrueType font reading and subsetting, private to the core.
 *
 * The sfnt container and the tables a PDF text appearance needs (OpenType
 * 1.9 "Font file", cmap, head, hhea, hmtx, maxp, loca, glyf, OS/2, post,
 * name). Every offset and count read from the font is checked against the
 * table it lies in before use: a truncated or corrupt font is
 * KYSO_ERR_ARGUMENT, never an out-of-bounds read. No hinting, shaping or
 * layout tables (GSUB, GPOS, kern) are read: Vietnamese text with
 * precomposed characters needs none.
 *
 * The subsetter keeps the glyphs asked for (new glyph id = position in the
 * list, .notdef first), adds the components of composite glyphs with their
 * indices rewritten, and writes the tables ISO 32000-1 9.9 asks of an
 * embedded TrueType program, plus OS/2, name, post (format 3) and a cmap
 * (3,10) format 12 from the Unicode values given, so the subset is a font
 * of its own that kyso_font_open reads back.
 */
#ifndef KYSO_FONT_TTF_H
#define KYSO_FONT_TTF_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "kyso/status.h"

/* Named bounds on font input (see STYLE.md habit 7). */
#define KYSO_FONT_LIMIT_SIZE ((size_t)64 * 1024 * 1024) /* font file bytes */
#define KYSO_FONT_LIMIT_TABLES 256 /* sfnt table directory entries */
#define KYSO_FONT_LIMIT_TEXT 4096  /* UTF-8 bytes in one string drawn */
#define KYSO_FONT_LIMIT_NAME 63    /* PostScript name characters kept */

typedef struct kyso_ttf_table {
  uint32_t off, len; /* within the font data; 0, 0 when absent */
} kyso_ttf_table;

typedef struct kyso_ttf {
  const uint8_t *data; /* borrowed */
  size_t len;
  kyso_ttf_table head, hhea, maxp, hmtx, loca, glyf, cmap, os2, post, name, cvt,
      fpgm, prep;
  uint16_t num_glyphs, num_hmetrics, units_per_em;
  int loca_long; /* head.indexToLocFormat */
  int16_t bbox[4];
  int16_t ascent, descent, cap_height; /* font units */
  int32_t italic_angle;                /* post, 16.16 fixed */
  uint16_t weight_class;               /* OS/2, 400 when absent */
  int fixed_pitch, serif;
  /* cmap subtable used for lookups (offset within data), 0: none */
  uint32_t cmap_sub, cmap_sub_len;
  int cmap_format;                        /* 4 or 12 */
  char ps_name[KYSO_FONT_LIMIT_NAME + 1]; /* PostScript name, PDF-safe */
} kyso_ttf;

/* Reads and checks the font's tables (all glyph offsets included). */
kyso_status kyso_ttf_parse(kyso_ttf *t, const uint8_t *data, size_t len,
                           kyso_error *err);

/* Glyph id of code point cp; 0 when the font has none. */
uint16_t kyso_ttf_glyph(const kyso_ttf *t, uint32_t cp);

/* Advance width of gid in font units (gid < num_glyphs). */
uint16_t kyso_ttf_advance(const kyso_ttf *t, uint16_t gid);

/*
 * Writes a subset font to out. gids[0..*count-1] become glyphs 0..*count-1
 * (gids[0] should be 0, .notdef); the components of composite glyphs not
 * listed are appended to gids (which has room for num_glyphs entries) and
 * *count grows to the subset's glyph count. unicode[i] (i < the count
 * given) is the code point of glyph i for the subset's cmap, 0 for none.
 * A glyph listed twice or out of range, or a broken glyph: ARGUMENT.
 */
kyso_status kyso_ttf_subset(const kyso_ttf *t, uint16_t *gids, size_t *count,
                            const uint32_t *unicode, kyso_buf *out,
                            kyso_error *err);

#endif
