/*
 * font_overhead.c - bytes the embedded font subset adds to one signature.
 *
 * Usage: font_overhead FONT.ttf [-o OUT.pdf] STRING...
 * Draws each STRING (UTF-8, 10 pt, one per line) on a one-page document
 * through an incremental update, as a Decree 30 appearance does, and
 * prints the bytes of the font objects (Type0, CIDFontType2,
 * FontDescriptor, FontFile2, ToUnicode, with their object headers and
 * xref entries), the FontFile2 stream alone, and the full font file. With
 * -o the resulting PDF is written for a look (pdftotext, pdffonts).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appearance/font_text.h"
#include "pdf/pdf_update.h"

static uint8_t *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  uint8_t *d = NULL;
  long n;
  if (!f)
    return NULL;
  if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
      fseek(f, 0, SEEK_SET) == 0 && (d = malloc((size_t)n)) &&
      fread(d, 1, (size_t)n, f) == (size_t)n)
    *len = (size_t)n;
  else {
    free(d);
    d = NULL;
  }
  fclose(f);
  return d;
}

static const char base_pdf[] =
    "%PDF-1.7\n"
    "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
    "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
    ">>\nendobj\n";

int main(int argc, char **argv) {
  uint8_t *ttf = NULL;
  size_t ttf_len = 0, i, before, font_bytes = 0, fontfile = 0;
  kyso_buf pdfb, content, out;
  kyso_pdf *pdf = NULL;
  kyso_update u;
  kyso_font *f = NULL;
  kyso_error err;
  kyso_obj *ref, *page, *res, *fonts, *sd, *cref, *mb;
  const char *outpath = NULL;
  int first = 2, rc = 1, k, line = 0;
  size_t xref_at[4];

  if (argc < 3) {
    fprintf(stderr, "usage: %s FONT.ttf [-o OUT.pdf] STRING...\n", argv[0]);
    return 2;
  }
  if (argc > 4 && strcmp(argv[2], "-o") == 0) {
    outpath = argv[3];
    first = 4;
  }
  ttf = slurp(argv[1], &ttf_len);
  if (!ttf) {
    fprintf(stderr, "%s: cannot read\n", argv[1]);
    return 1;
  }
  /* the base document, with a classic xref table */
  kyso_buf_init(&pdfb);
  kyso_buf_init(&content);
  kyso_buf_init(&out);
  kyso_buf_append_str(&pdfb, "%PDF-1.7\n");
  {
    const char *objs[3] = {strstr(base_pdf, "1 0 obj"),
                           strstr(base_pdf, "2 0 obj"),
                           strstr(base_pdf, "3 0 obj")};
    for (k = 0; k < 3; k++) {
      const char *e = strstr(objs[k], "endobj\n") + 7;
      xref_at[k] = pdfb.len;
      kyso_buf_append(&pdfb, objs[k], (size_t)(e - objs[k]));
    }
    xref_at[3] = pdfb.len;
    kyso_buf_printf(&pdfb, "xref\n0 4\n0000000000 65535 f \n");
    for (k = 0; k < 3; k++)
      kyso_buf_printf(&pdfb, "%010zu 00000 n \n", xref_at[k]);
    kyso_buf_printf(&pdfb,
                    "trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n%zu\n"
                    "%%%%EOF\n",
                    xref_at[3]);
  }
  if (kyso_pdf_open(pdfb.data, pdfb.len, &pdf, &err) != KYSO_OK ||
      kyso_font_open((kyso_blob){ttf, ttf_len}, &f, &err) != KYSO_OK)
    goto fail;
  kyso_update_init(&u, pdf);
  for (k = first; k < argc; k++, line++)
    if (kyso_font_show(f, &content, "F1", argv[k], 72, 780 - 20.0 * line, 10,
                       &err) != KYSO_OK)
      goto fail_u;
  sd = kyso_obj_new_dict(&u.arena);
  kyso_dict_set(&u.arena, sd, "Length",
                kyso_obj_new_int(&u.arena, (int64_t)content.len));
  cref = kyso_update_add(
      &u, kyso_obj_new_stream(&u.arena, sd, content.data, content.len));
  before = u.count;
  if (kyso_font_add_to_update(f, &u, &ref, &err) != KYSO_OK)
    goto fail_u;
  for (i = before; i < u.count; i++) {
    kyso_buf b;
    kyso_obj *o = u.objects[i].obj;
    kyso_buf_init(&b);
    if (kyso_serialize(&b, o, NULL, &err) != KYSO_OK)
      goto fail_u;
    /* "N 0 obj\n" ... "\nendobj\n" and a 20-byte xref entry */
    font_bytes +=
        b.len +
        (size_t)snprintf(NULL, 0, "%u 0 obj\n", (unsigned)u.objects[i].num) +
        8 + 20;
    if (o->type == KYSO_OBJ_STREAM &&
        kyso_dict_get(o->u.stream.dict, "Length1"))
      fontfile = o->u.stream.len;
    kyso_buf_free(&b);
  }
  page = kyso_obj_new_dict(&u.arena);
  res = kyso_obj_new_dict(&u.arena);
  fonts = kyso_obj_new_dict(&u.arena);
  mb = kyso_obj_new_array(&u.arena);
  kyso_array_push(&u.arena, mb, kyso_obj_new_int(&u.arena, 0));
  kyso_array_push(&u.arena, mb, kyso_obj_new_int(&u.arena, 0));
  kyso_array_push(&u.arena, mb, kyso_obj_new_int(&u.arena, 595));
  kyso_array_push(&u.arena, mb, kyso_obj_new_int(&u.arena, 842));
  kyso_dict_set(&u.arena, page, "Type", kyso_obj_new_name(&u.arena, "Page"));
  kyso_dict_set(&u.arena, page, "Parent", kyso_obj_new_ref(&u.arena, 2, 0));
  kyso_dict_set(&u.arena, page, "MediaBox", mb);
  kyso_dict_set(&u.arena, fonts, "F1", ref);
  kyso_dict_set(&u.arena, res, "Font", fonts);
  kyso_dict_set(&u.arena, page, "Resources", res);
  kyso_dict_set(&u.arena, page, "Contents", cref);
  if (kyso_update_replace(&u, 3, 0, page, &err) != KYSO_OK ||
      kyso_update_write(&u, &out, NULL, &err) != KYSO_OK)
    goto fail_u;
  printf("font objects %6zu B (FontFile2 %6zu B), %4.1f%% of the %zu B "
         "font, update %6zu B; <= 40 KB: %s\n",
         font_bytes, fontfile, 100.0 * (double)font_bytes / (double)ttf_len,
         ttf_len, out.len, font_bytes <= 40960 ? "met" : "NOT MET");
  if (outpath) {
    FILE *o = fopen(outpath, "wb");
    if (!o || fwrite(pdfb.data, 1, pdfb.len, o) != pdfb.len ||
        fwrite(out.data, 1, out.len, o) != out.len) {
      fprintf(stderr, "%s: cannot write\n", outpath);
      if (o)
        fclose(o);
      goto fail_u_quiet;
    }
    fclose(o);
  }
  rc = font_bytes <= 40960 ? 0 : 1;
  kyso_update_free(&u);
  goto done;
fail_u:
  fprintf(stderr, "error: %s\n", err.message);
fail_u_quiet:
  kyso_update_free(&u);
  goto done;
fail:
  fprintf(stderr, "error: %s\n", err.message);
done:
  kyso_font_free(f);
  kyso_pdf_close(pdf);
  kyso_buf_free(&pdfb);
  kyso_buf_free(&content);
  kyso_buf_free(&out);
  free(ttf);
  return rc;
}
