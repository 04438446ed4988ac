/*
 * sig_profile_seal.c - finding the leader's signature image the seal must
 * cover (Decree 30/2020 Appendix I: the seal covers about a third of the
 * signature, on its left). The last signature widget on the page whose
 * normal appearance draws an image (directly or through one nested form
 * XObject, as other signers build theirs) is taken; its image is assumed
 * fitted in the widget and centered, aspect ratio kept, as kyso draws it.
 */
#include <string.h>

#include "appearance/sig_profile.h"
#include "pdf/pdf_page.h"

enum { XOBJECT_DEPTH_MAX = 3, XOBJECTS_SCANNED_MAX = 64 };

/* Width and height of the first image the XObject resources of form draw,
 * looking depth levels deep. 1 when found. */
static int find_image(kyso_pdf *pdf, kyso_obj *form, int depth, double *w,
                      double *h) {
  kyso_error e;
  kyso_obj *res = NULL, *xo = NULL;
  size_t i;

  if (depth > XOBJECT_DEPTH_MAX || !kyso_obj_is(form, KYSO_OBJ_STREAM))
    return 0;
  if (kyso_pdf_dict_get(pdf, form->u.stream.dict, "Resources", &res, &e) !=
          KYSO_OK ||
      !kyso_obj_is(res, KYSO_OBJ_DICT) ||
      kyso_pdf_dict_get(pdf, res, "XObject", &xo, &e) != KYSO_OK ||
      !kyso_obj_is(xo, KYSO_OBJ_DICT))
    return 0;
  for (i = 0; i < xo->u.dict.count && i < XOBJECTS_SCANNED_MAX; i++) {
    kyso_obj *x = NULL, *st, *wo = NULL, *ho = NULL;
    if (kyso_pdf_resolve(pdf, xo->u.dict.entries[i].value, &x, &e) != KYSO_OK ||
        !kyso_obj_is(x, KYSO_OBJ_STREAM))
      continue;
    st = kyso_dict_get(x->u.stream.dict, "Subtype");
    if (kyso_obj_is_name(st, "Image")) {
      if (kyso_pdf_dict_get(pdf, x->u.stream.dict, "Width", &wo, &e) !=
              KYSO_OK ||
          kyso_pdf_dict_get(pdf, x->u.stream.dict, "Height", &ho, &e) !=
              KYSO_OK ||
          !kyso_obj_is_number(wo) || !kyso_obj_is_number(ho) ||
          kyso_obj_number(wo) <= 0 || kyso_obj_number(ho) <= 0)
        continue;
      *w = kyso_obj_number(wo);
      *h = kyso_obj_number(ho);
      return 1;
    }
    if (kyso_obj_is_name(st, "Form") && find_image(pdf, x, depth + 1, w, h))
      return 1;
  }
  return 0;
}

static int is_signature_widget(kyso_pdf *pdf, kyso_obj *d) {
  kyso_error e;
  kyso_obj *ft = NULL, *parent = NULL;
  if (!kyso_obj_is_name(kyso_dict_get(d, "Subtype"), "Widget"))
    return 0;
  ft = kyso_dict_get(d, "FT");
  if (!ft && kyso_pdf_dict_get(pdf, d, "Parent", &parent, &e) == KYSO_OK &&
      kyso_obj_is(parent, KYSO_OBJ_DICT))
    ft = kyso_dict_get(parent, "FT");
  return kyso_obj_is_name(ft, "Sig");
}

kyso_status kyso_profile_find_personal(kyso_update *u, const kyso_page *page,
                                       double box[4], kyso_error *err) {
  kyso_status ret;
  kyso_pdf *pdf = u->pdf;
  kyso_obj *annots = NULL;
  size_t i, count = 0;
  int found = 0;

  ret = kyso_profile_page_annots(u, page, &annots, &count, err);
  if (ret != KYSO_OK)
    return ret;
  for (i = 0; i < count; i++) {
    kyso_error e;
    kyso_obj *w = NULL, *ap = NULL, *n = NULL, *rect = NULL;
    double vis[4], iw, ih, s, sx, sy;
    if (kyso_pdf_resolve(pdf, annots->u.array.items[i], &w, &e) != KYSO_OK ||
        !kyso_obj_is(w, KYSO_OBJ_DICT) || !is_signature_widget(pdf, w) ||
        kyso_pdf_dict_get(pdf, w, "AP", &ap, &e) != KYSO_OK ||
        !kyso_obj_is(ap, KYSO_OBJ_DICT) ||
        kyso_pdf_dict_get(pdf, ap, "N", &n, &e) != KYSO_OK ||
        !find_image(pdf, n, 0, &iw, &ih) ||
        kyso_pdf_dict_get(pdf, w, "Rect", &rect, &e) != KYSO_OK ||
        !kyso_profile_widget_rect(pdf, page, rect, vis))
      continue;
    if (vis[2] <= 0 || vis[3] <= 0)
      continue;
    /* The image as drawn: fitted, centered. */
    sx = vis[2] / iw;
    sy = vis[3] / ih;
    s = sx < sy ? sx : sy;
    box[2] = iw * s;
    box[3] = ih * s;
    box[0] = vis[0] + (vis[2] - box[2]) / 2;
    box[1] = vis[1] + (vis[3] - box[3]) / 2;
    found = 1; /* keep going: the last one wins */
  }
  if (!found)
    return kyso_error_set(err, KYSO_ERR_PDF_FORM,
                          "the page has no signature with an image for the "
                          "seal to cover; give the seal rectangle");
  return KYSO_OK;
}
