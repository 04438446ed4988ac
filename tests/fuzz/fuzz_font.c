/*
 * fuzz_font.c - libFuzzer target: any bytes as a TrueType font (a web page
 * can hand one to the WASM module): open, measure and draw a Vietnamese
 * line, then subset the glyphs drawn. Must never crash or leak; every
 * failure is a status.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "appearance/font_text.h"
#include "appearance/font_ttf.h"
#include "base/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char line[] = "Tiền Giang, ngày 11 tháng 12 năm 2024 123/QĐ-UBND";

static void subset(const uint8_t *data, size_t size) {
  kyso_ttf t;
  kyso_error err;
  kyso_buf out;
  uint16_t *gids = NULL;
  uint32_t unicode[4] = {0, 'T', 0x1EC1 /* ề */, 0x0110 /* Đ */};
  size_t count = 4, i;

  kyso_buf_init(&out);
  if (kyso_ttf_parse(&t, data, size, &err) != KYSO_OK || t.num_glyphs == 0)
    goto done;
  gids = calloc(t.num_glyphs > 4 ? t.num_glyphs : 4, sizeof(*gids));
  if (!gids)
    goto done;
  for (i = 1; i < 4; i++)
    gids[i] = kyso_ttf_glyph(&t, unicode[i]);
  /* Distinct and non-zero, as kyso_font_show hands them out. */
  if (gids[1] == 0 || gids[2] == 0 || gids[3] == 0 || gids[1] == gids[2] ||
      gids[1] == gids[3] || gids[2] == gids[3])
    count = 1;
  (void)kyso_ttf_subset(&t, gids, &count, unicode, &out, &err);

done:
  free(gids);
  kyso_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  kyso_font *f = NULL;
  kyso_error err;
  kyso_buf content;
  kyso_blob ttf = {data, size};
  double width = 0;

  kyso_buf_init(&content);
  if (kyso_font_open(ttf, &f, &err) == KYSO_OK) {
    (void)kyso_font_measure(f, line, 10, &width, &err);
    (void)kyso_font_show(f, &content, "F1", line, 10, 10, 10, &err);
    kyso_font_free(f);
  }
  subset(data, size);
  kyso_buf_free(&content);
  return 0;
}
