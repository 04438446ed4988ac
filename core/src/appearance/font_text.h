/*
 * font_text.h - real text in appearance streams (Decree 30 profiles), private.
 *
 * A TrueType font given as bytes (the caller reads it: Liberation Serif
 * from Debian's fonts-liberation2 by default; the core does no I/O) is
 * embedded as a subset holding only the glyphs drawn: a Type0 font with
 * Identity-H encoding over a CIDFontType2 descendant (ISO 32000-1 9.7),
 * CIDs equal to the glyph ids of the subset (CIDToGIDMap /Identity), /W
 * widths from hmtx, a FontDescriptor with FontFile2, and a ToUnicode CMap
 * (9.10.3) so text extraction (pdftotext, search, copy) gives back exactly
 * the UTF-8 that was drawn, Vietnamese diacritics included.
 *
 * Use: open the font once per update, show/measure any number of strings
 * into content streams (each draw records the glyphs it used), then add the
 * font objects to the update once, at the end, and put the returned
 * reference in each content stream's /Resources /Font under the same name.
 * Text is drawn as given (NFC is expected; no shaping: Vietnamese needs
 * none with precomposed characters).
 */
#ifndef KYSO_FONT_TEXT_H
#define KYSO_FONT_TEXT_H

#include "appearance/font_ttf.h"
#include "base/buf.h"
#include "kyso/sign.h"
#include "kyso/status.h"
#include "pdf/pdf_update.h"

typedef struct kyso_font kyso_font;

/* Parses a TrueType (glyf) font: head, hhea, maxp, hmtx, loca, glyf, cmap
 * (format 4 or 12), name/OS/2/post when present. ttf is borrowed until
 * kyso_font_free. KYSO_ERR_ARGUMENT "not a TrueType font" (CFF/OTTO,
 * collections, broken tables: every offset and count bounded, see
 * font_ttf.h); over KYSO_FONT_LIMIT_SIZE: KYSO_ERR_LIMIT. A font without a
 * usable cmap opens, but then has no character. */
kyso_status kyso_font_open(kyso_blob ttf, kyso_font **out, kyso_error *err);

void kyso_font_free(kyso_font *f);

/* Width in points of utf8 at size (advance widths; no kerning), from the
 * same rounded /W widths the viewer will use. A character the font lacks:
 * KYSO_ERR_ARGUMENT naming it (U+XXXX). Invalid UTF-8: KYSO_ERR_ARGUMENT.
 * More than KYSO_FONT_LIMIT_TEXT bytes: KYSO_ERR_LIMIT. */
kyso_status kyso_font_measure(kyso_font *f, const char *utf8, double size,
                              double *width, kyso_error *err);

/* Appends "BT /<resname> <size> Tf <x> <y> Td <hex codes> Tj ET" (black
 * fill unless the caller set a color before) to content, and records the
 * glyphs used: codes are CIDs given in order of first use, 1, 2, ...
 * Errors as kyso_font_measure, checked before anything is appended or
 * recorded; resname is letters, digits, '_', '-', '.'. After
 * kyso_font_add_to_update: KYSO_ERR_STATE. */
kyso_status kyso_font_show(kyso_font *f, kyso_buf *content, const char *resname,
                           const char *utf8, double x, double y, double size,
                           kyso_error *err);

/* Builds the subset of the glyphs shown so far (plus .notdef and the
 * components of composite glyphs) and adds the Type0 font, its
 * CIDFontType2, FontDescriptor (subset tag "ABCDEF+" prefix on the
 * BaseFont, derived from the glyphs so the output is reproducible),
 * FontFile2 stream (Flate) and ToUnicode stream (Flate) to u. *out: a
 * reference to the Type0 font. Call once, after the last show; a second
 * call: KYSO_ERR_STATE. A glyph found broken here: KYSO_ERR_ARGUMENT. */
kyso_status kyso_font_add_to_update(kyso_font *f, kyso_update *u,
                                    kyso_obj **out, kyso_error *err);

#endif
