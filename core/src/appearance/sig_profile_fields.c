/*
 * sig_profile_fields.c - the document number and issue date as form
 * fields (issue 7).
 *
 * The leader signs before the number exists. Drawing it into the page
 * later would change what the leader signed, so the personal step creates
 * two empty text fields (ISO 32000-1 12.7.4.3) where the portal says the
 * number and date go; at issuance the clerk's update fills them (/V and a
 * widget appearance with real text, 12.7.3.3) and the seal signature
 * covers the values. Filling a field is a change the verifier allows
 * after a signature when a later signature covers it (verify_changes.c).
 *
 * Each field is one dictionary merged with its widget. /DA names
 * /KysoSerif, a subset of the given font in /AcroForm /DR holding digits,
 * ASCII and the Vietnamese lower-case letters, so a form filler other than
 * kyso can write a number and a date with it.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "appearance/sig_appearance.h"
#include "appearance/sig_profile.h"
#include "pdf/pdf_form_edit.h"
#include "pdf/pdf_page.h"
#include "pdf/pdf_text.h"

static const char FONT_RES[] = "KysoSerif";
static const char DEFAULT_NUMBER_FIELD[] = "SoVanBan";
static const char DEFAULT_DATE_FIELD[] = "NgayBanHanh";
/* Decree 30 Appendix I: number and date in 13 pt. */
#define FIELD_TEXT_SIZE 13.0
#define FIELD_PAD 2.0

/* Glyphs of the /DR subset. */
static const char DR_CHARSET[] =
    " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`"
    "abcdefghijklmnopqrstuvwxyz{|}~Đđàáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩị"
    "òóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ";

static const char *number_name(const kyso_sign_options *o) {
  return o->appearance.number_field ? o->appearance.number_field
                                    : DEFAULT_NUMBER_FIELD;
}

static const char *date_name(const kyso_sign_options *o) {
  return o->appearance.date_field ? o->appearance.date_field
                                  : DEFAULT_DATE_FIELD;
}

static kyso_obj *rect_array(kyso_arena *a, const double r[4]) {
  kyso_obj *arr = kyso_obj_new_array(a);
  int i;
  for (i = 0; arr && i < 4; i++)
    if (kyso_array_push(a, arr, kyso_obj_new_real(a, r[i])))
      return NULL;
  return arr;
}

/* One empty text field + widget at vis. */
static kyso_status add_text_field(kyso_update *u, const kyso_page *page,
                                  const char *name, const double vis[4],
                                  int quadding, kyso_error *err) {
  kyso_status ret;
  kyso_arena *a = &u->arena;
  kyso_obj *f = kyso_obj_new_dict(a), *ap = kyso_obj_new_dict(a), *ref;
  kyso_obj *mk = kyso_obj_new_dict(a), *ap_ref = NULL;
  kyso_appearance_spec spec;
  double user[4];
  char da[64];
  char chosen[KYSO_FORM_NAME_MAX + 1];

  ret = kyso_form_choose_name(u->pdf, name, name, chosen, sizeof(chosen), err);
  if (ret != KYSO_OK)
    return ret;
  memset(&spec, 0, sizeof(spec));
  spec.width = vis[2];
  spec.height = vis[3];
  spec.has_matrix = page->rotate != 0;
  kyso_page_appearance_matrix(page, spec.matrix);
  ret = kyso_appearance_build_spec(u, &spec, &ap_ref, err);
  if (ret != KYSO_OK)
    return ret;
  kyso_page_rect_to_user(page, vis, user);
  snprintf(da, sizeof(da), "/%s %.0f Tf 0 g", FONT_RES, FIELD_TEXT_SIZE);
  if (!f || !ap || !mk ||
      kyso_dict_set(a, f, "FT", kyso_obj_new_name(a, "Tx")) ||
      kyso_dict_set(a, f, "T", kyso_text_from_utf8(a, chosen)) ||
      kyso_dict_set(a, f, "Type", kyso_obj_new_name(a, "Annot")) ||
      kyso_dict_set(a, f, "Subtype", kyso_obj_new_name(a, "Widget")) ||
      kyso_dict_set(a, f, "Rect", rect_array(a, user)) ||
      kyso_dict_set(a, f, "F", kyso_obj_new_int(a, 4)) || /* Print */
      kyso_dict_set(a, f, "P", kyso_obj_new_ref(a, page->num, page->gen)) ||
      kyso_dict_set(a, f, "DA", kyso_obj_new_string(a, da, strlen(da))) ||
      kyso_dict_set(a, f, "Q", kyso_obj_new_int(a, quadding)) ||
      kyso_dict_set(a, mk, "R", kyso_obj_new_int(a, page->rotate)) ||
      kyso_dict_set(a, f, "MK", mk) || kyso_dict_set(a, ap, "N", ap_ref) ||
      kyso_dict_set(a, f, "AP", ap))
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  ref = kyso_update_add(u, f);
  if (!ref)
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  ret = kyso_form_add_annotation(u, page, ref, err);
  if (ret == KYSO_OK)
    ret = kyso_form_add_field(u, ref, 0, err);
  return ret;
}

/* /AcroForm /DR /Font /KysoSerif and a default /DA (12.7.2). */
static kyso_status set_default_resources(kyso_update *u, kyso_obj *font_ref,
                                         kyso_error *err) {
  kyso_status ret;
  kyso_arena *a = &u->arena;
  kyso_obj *root_ref = kyso_dict_get(u->pdf->trailer, "Root");
  kyso_obj *root = NULL, *raw, *form = NULL, *copy, *dr, *fonts;
  kyso_obj *old_dr = NULL, *old_fonts = NULL;

  ret = kyso_update_get(u, root_ref->u.ref.num, &root, err);
  if (ret != KYSO_OK)
    return ret;
  raw = kyso_dict_get(root, "AcroForm");
  if (kyso_obj_is(raw, KYSO_OBJ_REF)) {
    ret = kyso_update_get(u, raw->u.ref.num, &form, err);
    if (ret != KYSO_OK)
      return ret;
  } else {
    form = raw;
  }
  if (!kyso_obj_is(form, KYSO_OBJ_DICT))
    return kyso_error_set(err, KYSO_ERR_PDF_FORM,
                          "/AcroForm is not a dictionary");
  ret = kyso_pdf_dict_get(u->pdf, form, "DR", &old_dr, err);
  if (ret == KYSO_OK && kyso_obj_is(old_dr, KYSO_OBJ_DICT))
    ret = kyso_pdf_dict_get(u->pdf, old_dr, "Font", &old_fonts, err);
  if (ret != KYSO_OK)
    return ret;
  copy = kyso_obj_clone_shallow(a, form);
  dr = kyso_obj_is(old_dr, KYSO_OBJ_DICT) ? kyso_obj_clone_shallow(a, old_dr)
                                          : kyso_obj_new_dict(a);
  fonts = kyso_obj_is(old_fonts, KYSO_OBJ_DICT)
              ? kyso_obj_clone_shallow(a, old_fonts)
              : kyso_obj_new_dict(a);
  if (!copy || !dr || !fonts)
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  if (kyso_dict_get(fonts, FONT_RES))
    return kyso_error_set(err, KYSO_ERR_PDF_FORM,
                          "/AcroForm /DR already has a font /%s", FONT_RES);
  if (kyso_dict_set(a, fonts, FONT_RES, font_ref) ||
      kyso_dict_set(a, dr, "Font", fonts) || kyso_dict_set(a, copy, "DR", dr))
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  if (kyso_obj_is(raw, KYSO_OBJ_REF))
    return kyso_update_replace(u, raw->u.ref.num, raw->u.ref.gen, copy, err);
  root = kyso_obj_clone_shallow(a, root);
  if (!root || kyso_dict_set(a, root, "AcroForm", copy))
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  return kyso_update_replace(u, root_ref->u.ref.num, root_ref->u.ref.gen, root,
                             err);
}

kyso_status kyso_profile_add_fields(kyso_update *u, const kyso_page *page,
                                    const kyso_sign_options *o,
                                    kyso_error *err) {
  kyso_status ret;
  kyso_font *font = NULL;
  kyso_obj *font_ref = NULL;
  kyso_buf scratch;

  kyso_buf_init(&scratch);
  ret = kyso_font_open(o->appearance.font, &font, err);
  /* Record the /DR glyphs; the content itself is thrown away. */
  if (ret == KYSO_OK)
    ret = kyso_font_show(font, &scratch, FONT_RES, DR_CHARSET, 0, 0,
                         FIELD_TEXT_SIZE, err);
  if (ret == KYSO_OK && o->appearance.has_number_rect)
    ret = add_text_field(u, page, number_name(o), o->appearance.number_rect, 0,
                         err);
  if (ret == KYSO_OK && o->appearance.has_date_rect)
    ret =
        add_text_field(u, page, date_name(o), o->appearance.date_rect, 1, err);
  if (ret == KYSO_OK)
    ret = kyso_font_add_to_update(font, u, &font_ref, err);
  if (ret == KYSO_OK)
    ret = set_default_resources(u, font_ref, err);
  if (font)
    kyso_font_free(font);
  kyso_buf_free(&scratch);
  return ret;
}

/* ---- filling at issuance ---------------------------------------------- */

typedef struct fill_target {
  const char *name;  /* field name */
  const char *value; /* UTF-8 */
  kyso_obj *ref;     /* from the page's /Annots */
  kyso_obj *dict;
  double vis[4];
  int quadding;
  kyso_buf content;
} fill_target;

/* Finds the widget of the text field named t->name on the page. */
static kyso_status find_field(kyso_update *u, const kyso_page *page,
                              fill_target *t, kyso_error *err) {
  kyso_status ret;
  kyso_pdf *pdf = u->pdf;
  kyso_obj *annots = NULL;
  size_t i, count = 0;

  ret = kyso_profile_page_annots(u, page, &annots, &count, err);
  if (ret != KYSO_OK)
    return ret;
  for (i = 0; i < count; i++) {
    kyso_error e;
    kyso_obj *item = annots->u.array.items[i], *w = NULL, *tobj, *rect = NULL;
    kyso_obj *q;
    const char *name;
    if (!kyso_obj_is(item, KYSO_OBJ_REF) ||
        kyso_pdf_resolve(pdf, item, &w, &e) != KYSO_OK ||
        !kyso_obj_is(w, KYSO_OBJ_DICT) ||
        !kyso_obj_is_name(kyso_dict_get(w, "FT"), "Tx"))
      continue;
    tobj = kyso_dict_get(w, "T");
    if (!kyso_obj_is(tobj, KYSO_OBJ_STRING))
      continue;
    name =
        kyso_text_to_utf8(&u->arena, tobj->u.string.data, tobj->u.string.len);
    if (!name)
      return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    if (strcmp(name, t->name) != 0)
      continue;
    ret = kyso_pdf_dict_get(pdf, w, "Rect", &rect, err);
    if (ret != KYSO_OK)
      return ret;
    if (!kyso_profile_widget_rect(pdf, page, rect, t->vis))
      return kyso_error_set(err, KYSO_ERR_PDF_FORM,
                            "field '%s' has no usable /Rect", t->name);
    if (t->vis[2] < 1 || t->vis[3] < 1)
      return kyso_error_set(err, KYSO_ERR_PDF_FORM,
                            "field '%s' has an empty /Rect", t->name);
    q = kyso_dict_get(w, "Q");
    t->quadding =
        kyso_obj_is(q, KYSO_OBJ_INT) && q->u.integer >= 0 && q->u.integer <= 2
            ? (int)q->u.integer
            : 0;
    {
      kyso_obj *v = kyso_dict_get(w, "V");
      if (kyso_obj_is(v, KYSO_OBJ_STRING) && v->u.string.len > 0)
        return kyso_error_set(err, KYSO_ERR_PDF_FORM,
                              "field '%s' is already filled", t->name);
    }
    t->ref = item;
    t->dict = w;
    return KYSO_OK;
  }
  return kyso_error_set(err, KYSO_ERR_PDF_FORM,
                        "the page has no text field '%s' (the personal "
                        "signature step creates it with a number or date "
                        "rectangle)",
                        t->name);
}

/* The appearance content of t: /Tx BMC ... EMC (12.7.3.3), clipped to the
 * field, the value on one line shrunk to fit its width. */
static kyso_status layout_value(kyso_font *font, fill_target *t,
                                kyso_error *err) {
  kyso_status ret;
  double size = FIELD_TEXT_SIZE, w;
  const char *lines[1];

  if (size > t->vis[3] * 0.8)
    size = t->vis[3] * 0.8;
  ret = kyso_font_measure(font, t->value, size, &w, err);
  if (ret != KYSO_OK)
    return ret;
  if (w > t->vis[2] - 2 * FIELD_PAD && w > 0)
    size *= (t->vis[2] - 2 * FIELD_PAD) / w;
  if (size < 4)
    return kyso_error_set(err, KYSO_ERR_ARGUMENT,
                          "'%s' does not fit field '%s'", t->value, t->name);
  kyso_buf_printf(&t->content, "/Tx BMC\nq\n%.2f %.2f %.2f %.2f re W n\n0 g\n",
                  1.0, 1.0, t->vis[2] - 2, t->vis[3] - 2);
  lines[0] = t->value;
  ret = kyso_profile_text_lines(font, &t->content, lines, 1, size, t->vis[2],
                                t->vis[3], t->quadding, FIELD_PAD, err);
  kyso_buf_append_str(&t->content, "Q\nEMC\n");
  if (ret == KYSO_OK && !kyso_buf_ok(&t->content))
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  return ret;
}

/* The filled field: same dictionary, /V and a new /AP /N. */
static kyso_status write_filled(kyso_update *u, const kyso_page *page,
                                fill_target *t, kyso_obj *font_ref,
                                kyso_error *err) {
  kyso_status ret;
  kyso_arena *a = &u->arena;
  kyso_appearance_spec spec;
  kyso_obj *ap_ref = NULL, *copy, *ap;

  memset(&spec, 0, sizeof(spec));
  spec.width = t->vis[2];
  spec.height = t->vis[3];
  spec.has_matrix = page->rotate != 0;
  kyso_page_appearance_matrix(page, spec.matrix);
  spec.text = (const char *)t->content.data;
  spec.text_len = t->content.len;
  spec.font_ref = font_ref;
  spec.font_name = FONT_RES;
  ret = kyso_appearance_build_spec(u, &spec, &ap_ref, err);
  if (ret != KYSO_OK)
    return ret;
  copy = kyso_obj_clone_shallow(a, t->dict);
  ap = kyso_obj_new_dict(a);
  if (!copy || !ap || kyso_dict_set(a, ap, "N", ap_ref) ||
      kyso_dict_set(a, copy, "AP", ap) ||
      kyso_dict_set(a, copy, "V", kyso_text_from_utf8(a, t->value)))
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  return kyso_update_replace(u, t->ref->u.ref.num, t->ref->u.ref.gen, copy,
                             err);
}

kyso_status kyso_profile_fill_fields(kyso_update *u, const kyso_page *page,
                                     const kyso_sign_options *o,
                                     kyso_error *err) {
  kyso_status ret = KYSO_OK;
  kyso_font *font = NULL;
  kyso_obj *font_ref = NULL;
  fill_target t[2];
  int n = 0, i;

  memset(t, 0, sizeof(t));
  if (o->appearance.doc_number && *o->appearance.doc_number) {
    t[n].name = number_name(o);
    t[n++].value = o->appearance.doc_number;
  }
  if (o->appearance.issue_date_text && *o->appearance.issue_date_text) {
    t[n].name = date_name(o);
    t[n++].value = o->appearance.issue_date_text;
  }
  for (i = 0; i < n; i++)
    kyso_buf_init(&t[i].content);
  if (n == 0)
    goto done;
  ret = kyso_font_open(o->appearance.font, &font, err);
  for (i = 0; i < n && ret == KYSO_OK; i++) {
    ret = find_field(u, page, &t[i], err);
    if (ret == KYSO_OK)
      ret = layout_value(font, &t[i], err);
  }
  if (ret == KYSO_OK)
    ret = kyso_font_add_to_update(font, u, &font_ref, err);
  for (i = 0; i < n && ret == KYSO_OK; i++)
    ret = write_filled(u, page, &t[i], font_ref, err);
done:
  for (i = 0; i < n; i++)
    kyso_buf_free(&t[i].content);
  if (font)
    kyso_font_free(font);
  return ret;
}
