/*
 * fuzz_font_seed.c - writes the seed of fuzz_font: a small subset of a
 * TrueType font (Debian's Liberation Serif; never committed) holding the
 * glyphs of a Decree 30 stamp, so the fuzzer starts from a whole, valid
 * font that fits its input size limit.
 *
 *   fuzz_font_seed FONT.ttf OUT.ttf
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appearance/font_ttf.h"
#include "base/buf.h"

static const uint32_t text[] = {'T', 'i', 0x1EC1, 'n', ' ', 'G',    'a',
                                'g', 'y', '1',    '2', '/', 'Q',    0x0110,
                                '-', 'U', 'B',    'N', 'D', 0x01B0, 0x01A1};

int main(int argc, char **argv) {
  FILE *f = NULL;
  uint8_t *data = NULL;
  uint16_t *gids = NULL;
  uint32_t unicode[1 + sizeof(text) / sizeof(text[0])];
  size_t n = sizeof(text) / sizeof(text[0]), count = 1, i, j;
  long len;
  kyso_ttf t;
  kyso_buf out;
  kyso_error err;
  int rc = 1;

  kyso_buf_init(&out);
  if (argc != 3 || !(f = fopen(argv[1], "rb")))
    goto done;
  if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) <= 0 ||
      fseek(f, 0, SEEK_SET) != 0 || !(data = malloc((size_t)len)) ||
      fread(data, 1, (size_t)len, f) != (size_t)len)
    goto done;
  fclose(f);
  f = NULL;
  if (kyso_ttf_parse(&t, data, (size_t)len, &err) != KYSO_OK ||
      !(gids = calloc(t.num_glyphs, sizeof(*gids))))
    goto done;
  unicode[0] = 0;
  for (i = 0; i < n; i++) {
    uint16_t g = kyso_ttf_glyph(&t, text[i]);
    int seen = g == 0;
    for (j = 0; j < count && !seen; j++)
      seen = gids[j] == g;
    if (!seen) {
      unicode[count] = text[i];
      gids[count++] = g;
    }
  }
  if (kyso_ttf_subset(&t, gids, &count, unicode, &out, &err) != KYSO_OK)
    goto done;
  f = fopen(argv[2], "wb");
  if (f && fwrite(out.data, 1, out.len, f) == out.len && fclose(f) == 0)
    rc = 0;
  f = NULL;

done:
  if (rc)
    fprintf(stderr, "fuzz_font_seed: cannot write a seed font\n");
  if (f)
    fclose(f);
  free(gids);
  free(data);
  kyso_buf_free(&out);
  return rc;
}
