/*
 * pdf_page.c - the page tree (ISO 32000-1 7.7.3): pages in order, with
 * MediaBox, CropBox and Rotate inherited from their ancestors (7.7.3.4).
 * Loops, over-deep trees and too many pages are errors, not repairs; a
 * missing MediaBox is read as US Letter, as other readers do, and flagged.
 */
#include <stdlib.h>
#include <string.h>

#include "kyso/limits.h"
#include "pdf/pdf_file.h"

typedef struct inherited {
  double media_box[4];
  double crop_box[4];
  int has_media, has_crop;
  int rotate;
} inherited;

typedef struct walk {
  kyso_pdf *pdf;
  uint8_t *visited; /* kyso_bits_new */
  size_t cap;
} walk;

static kyso_status read_box(kyso_pdf *pdf, const kyso_obj *dict,
                            const char *key, double box[4], int *present,
                            kyso_error *err) {
  kyso_obj *v = NULL;
  kyso_status ret = kyso_pdf_dict_get(pdf, dict, key, &v, err);
  size_t i;
  double t;

  if (ret != KYSO_OK || !v)
    return ret;
  if (!kyso_obj_is(v, KYSO_OBJ_ARRAY) || v->u.array.count != 4)
    return kyso_error_set(err, KYSO_ERR_PDF_PAGE,
                          "/%s is not an array of 4 numbers", key);
  for (i = 0; i < 4; i++) {
    kyso_obj *n = NULL;
    ret = kyso_pdf_resolve(pdf, v->u.array.items[i], &n, err);
    if (ret != KYSO_OK)
      return ret;
    if (!kyso_obj_is_number(n))
      return kyso_error_set(err, KYSO_ERR_PDF_PAGE,
                            "/%s is not an array of 4 numbers", key);
    box[i] = kyso_obj_number(n);
  }
  /* Any two opposite corners may be given (7.9.5): normalize. */
  if (box[0] > box[2]) {
    t = box[0];
    box[0] = box[2];
    box[2] = t;
  }
  if (box[1] > box[3]) {
    t = box[1];
    box[1] = box[3];
    box[3] = t;
  }
  *present = 1;
  return KYSO_OK;
}

static kyso_status read_inherited(kyso_pdf *pdf, const kyso_obj *node,
                                  inherited *in, kyso_error *err) {
  kyso_status ret;
  kyso_obj *rot = NULL;

  ret = read_box(pdf, node, "MediaBox", in->media_box, &in->has_media, err);
  if (ret == KYSO_OK)
    ret = read_box(pdf, node, "CropBox", in->crop_box, &in->has_crop, err);
  if (ret == KYSO_OK)
    ret = kyso_pdf_dict_get(pdf, node, "Rotate", &rot, err);
  if (ret != KYSO_OK)
    return ret;
  if (rot) {
    int64_t r;
    if (!kyso_obj_is(rot, KYSO_OBJ_INT) || rot->u.integer % 90 != 0)
      return kyso_error_set(err, KYSO_ERR_PDF_PAGE,
                            "/Rotate is not a multiple of 90");
    r = rot->u.integer % 360;
    in->rotate = (int)(r < 0 ? r + 360 : r);
  }
  return KYSO_OK;
}

static kyso_status add_page(kyso_pdf *pdf, const kyso_obj *ref, kyso_obj *dict,
                            const inherited *in, size_t *cap, kyso_error *err) {
  /* A page must have a /MediaBox, its own or inherited (7.7.3.3). Without
   * one pdf.js, poppler and PDFBox show US Letter: so is it read here,
   * flagged, so that nothing is placed on it (a visible signature). */
  static const double letter[4] = {0, 0, 612, 792};
  kyso_page *pg;
  if (pdf->page_count == *cap) {
    size_t ncap = *cap ? *cap * 2 : 16;
    kyso_page *p = realloc(pdf->pages, ncap * sizeof(*p));
    if (!p)
      return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    pdf->pages = p;
    *cap = ncap;
  }
  pg = &pdf->pages[pdf->page_count++];
  memset(pg, 0, sizeof(*pg));
  pg->num = ref->u.ref.num;
  pg->gen = ref->u.ref.gen;
  pg->dict = dict;
  pg->media_box_guessed = !in->has_media;
  memcpy(pg->media_box, in->has_media ? in->media_box : letter,
         sizeof(pg->media_box));
  memcpy(pg->crop_box, in->has_crop ? in->crop_box : pg->media_box,
         sizeof(pg->crop_box));
  pg->rotate = in->rotate;
  return KYSO_OK;
}

static kyso_status walk_node(walk *w, const kyso_obj *ref, inherited in,
                             int depth, size_t *cap, kyso_error *err) {
  kyso_pdf *pdf = w->pdf;
  kyso_status ret;
  kyso_obj *node = NULL, *type, *kids = NULL;
  size_t i;

  if (!kyso_obj_is(ref, KYSO_OBJ_REF))
    return kyso_error_set(err, KYSO_ERR_PDF_PAGE,
                          "page tree node is not an indirect reference");
  if (depth > KYSO_LIMIT_PAGE_TREE_DEPTH)
    return kyso_error_set(err, KYSO_ERR_PDF_PAGE,
                          "page tree deeper than %d levels",
                          KYSO_LIMIT_PAGE_TREE_DEPTH);
  if (ref->u.ref.num >= w->cap ||
      kyso_bits_test_and_set(w->visited, ref->u.ref.num))
    return kyso_error_set(
        err, ref->u.ref.num >= w->cap ? KYSO_ERR_PDF_PAGE : KYSO_ERR_PDF_LOOP,
        "page tree node %u is missing or appears twice", ref->u.ref.num);
  ret = kyso_pdf_resolve(pdf, (kyso_obj *)ref, &node, err);
  if (ret != KYSO_OK)
    return ret;
  if (!kyso_obj_is(node, KYSO_OBJ_DICT))
    return kyso_error_set(err, KYSO_ERR_PDF_PAGE,
                          "page tree node %u is not a dictionary",
                          ref->u.ref.num);
  ret = read_inherited(pdf, node, &in, err);
  if (ret != KYSO_OK)
    return ret;
  type = kyso_dict_get(node, "Type");
  if (kyso_obj_is_name(type, "Page")) {
    if (pdf->page_count >= KYSO_LIMIT_PAGES)
      return kyso_error_set(err, KYSO_ERR_LIMIT, "more than %d pages",
                            KYSO_LIMIT_PAGES);
    return add_page(pdf, ref, node, &in, cap, err);
  }
  if (!kyso_obj_is_name(type, "Pages"))
    return kyso_error_set(err, KYSO_ERR_PDF_PAGE,
                          "page tree node %u is neither /Pages nor /Page",
                          ref->u.ref.num);
  ret = kyso_pdf_dict_get(pdf, node, "Kids", &kids, err);
  if (ret != KYSO_OK)
    return ret;
  if (!kyso_obj_is(kids, KYSO_OBJ_ARRAY))
    return kyso_error_set(err, KYSO_ERR_PDF_PAGE,
                          "page tree node %u has no /Kids array",
                          ref->u.ref.num);
  for (i = 0; i < kids->u.array.count; i++) {
    ret = walk_node(w, kids->u.array.items[i], in, depth + 1, cap, err);
    if (ret != KYSO_OK)
      return ret;
  }
  return KYSO_OK;
}

kyso_status kyso_pdf_load_pages(kyso_pdf *pdf, kyso_error *err) {
  kyso_status ret;
  kyso_obj *root = NULL;
  walk w;
  inherited in;
  size_t cap = 0;

  memset(&w, 0, sizeof(w));
  memset(&in, 0, sizeof(in));
  if (pdf->pages_loaded)
    return KYSO_OK;
  w.pdf = pdf;
  w.cap = pdf->xref_count;
  w.visited = kyso_bits_new(pdf);
  if (!w.visited) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  ret = kyso_pdf_dict_get(pdf, pdf->trailer, "Root", &root, err);
  if (ret != KYSO_OK)
    goto done;
  pdf->page_count = 0;
  ret = walk_node(&w, kyso_dict_get(root, "Pages"), in, 0, &cap, err);
  if (ret != KYSO_OK)
    goto done;
  if (pdf->page_count == 0) {
    ret = kyso_error_set(err, KYSO_ERR_PDF_PAGE, "the document has no pages");
    goto done;
  }
  pdf->pages_loaded = 1;
done:
  free(w.visited);
  if (ret != KYSO_OK)
    pdf->page_count = 0;
  return ret;
}
