/* pdf_form.c - AcroForm field walk and DocMDP; see pdf_form.h. */
#include "pdf/pdf_form.h"

#include <stdlib.h>
#include <string.h>

#include "kyso/limits.h"
#include "pdf/pdf_text.h"

typedef struct walk {
  kyso_pdf *pdf;
  kyso_form_visit visit;
  void *ctx;
  uint8_t *visited;
  size_t visited_cap;
  size_t count;
} walk;

static kyso_status walk_node(walk *w, kyso_obj *node_ref, const char *prefix,
                             const char *type, kyso_obj *value, int depth,
                             kyso_error *err) {
  kyso_pdf *pdf = w->pdf;
  kyso_status ret;
  kyso_obj *node = NULL, *t = NULL, *ft = NULL, *kids = NULL;
  const char *name = prefix;
  int has_field_kids = 0;
  size_t i;
  uint32_t num = 0;

  if (depth > KYSO_LIMIT_FORM_DEPTH)
    return kyso_error_set(err, KYSO_ERR_PDF_FORM,
                          "form fields nested deeper than %d",
                          KYSO_LIMIT_FORM_DEPTH);
  if (++w->count > KYSO_LIMIT_FORM_FIELDS)
    return kyso_error_set(err, KYSO_ERR_LIMIT, "more than %d form fields",
                          KYSO_LIMIT_FORM_FIELDS);
  if (kyso_obj_is(node_ref, KYSO_OBJ_REF)) {
    num = node_ref->u.ref.num;
    if (num < w->visited_cap) {
      if (kyso_bits_test_and_set(w->visited, num))
        return kyso_error_set(err, KYSO_ERR_PDF_LOOP,
                              "form field %u appears twice", num);
    }
  }
  ret = kyso_pdf_resolve(pdf, node_ref, &node, err);
  if (ret != KYSO_OK)
    return ret;
  if (!kyso_obj_is(node, KYSO_OBJ_DICT))
    return KYSO_OK; /* a null or broken entry names no field */
  ret = kyso_pdf_dict_get(pdf, node, "T", &t, err);
  if (ret == KYSO_OK)
    ret = kyso_pdf_dict_get(pdf, node, "FT", &ft, err);
  if (ret == KYSO_OK)
    ret = kyso_pdf_dict_get(pdf, node, "Kids", &kids, err);
  if (ret != KYSO_OK)
    return ret;
  if (kyso_obj_is(ft, KYSO_OBJ_NAME))
    type = ft->u.name;
  /* /V is inheritable: iText writes a signature field whose widget kid has
   * its own /T and no /V. */
  if (kyso_dict_get(node, "V"))
    value = kyso_dict_get(node, "V");
  if (kyso_obj_is(t, KYSO_OBJ_STRING)) {
    char *part =
        kyso_text_to_utf8(&pdf->arena, t->u.string.data, t->u.string.len);
    size_t plen = prefix ? strlen(prefix) : 0;
    char *full;
    if (!part)
      return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    full = kyso_arena_alloc(&pdf->arena, plen + strlen(part) + 2);
    if (!full)
      return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    if (plen) {
      memcpy(full, prefix, plen);
      full[plen] = '.';
      strcpy(full + plen + 1, part);
    } else {
      strcpy(full, part);
    }
    name = full;
  }
  if (kyso_obj_is(kids, KYSO_OBJ_ARRAY)) {
    /* Kids that have /T are fields; kids without are widgets (12.7.3.1). */
    for (i = 0; i < kids->u.array.count && !has_field_kids; i++) {
      kyso_obj *kid = NULL;
      ret = kyso_pdf_resolve(pdf, kids->u.array.items[i], &kid, err);
      if (ret != KYSO_OK)
        return ret;
      if (kyso_dict_get(kid, "T"))
        has_field_kids = 1;
    }
  }
  if (has_field_kids) {
    for (i = 0; i < kids->u.array.count; i++) {
      ret = walk_node(w, kids->u.array.items[i], name, type, value, depth + 1,
                      err);
      if (ret != KYSO_OK)
        return ret;
    }
    return KYSO_OK;
  }
  {
    kyso_form_field f;
    f.name = name ? name : "";
    f.dict = node;
    f.num = num;
    f.type = type ? type : "";
    f.value = value;
    return w->visit(w->ctx, &f, err);
  }
}

kyso_status kyso_form_walk(kyso_pdf *pdf, kyso_form_visit visit, void *ctx,
                           kyso_error *err) {
  kyso_status ret;
  kyso_obj *root = NULL, *form = NULL, *fields = NULL;
  walk w;
  size_t i;

  memset(&w, 0, sizeof(w));
  w.pdf = pdf;
  w.visit = visit;
  w.ctx = ctx;
  ret = kyso_pdf_dict_get(pdf, pdf->trailer, "Root", &root, err);
  if (ret == KYSO_OK)
    ret = kyso_pdf_dict_get(pdf, root, "AcroForm", &form, err);
  if (ret == KYSO_OK && form)
    ret = kyso_pdf_dict_get(pdf, form, "Fields", &fields, err);
  if (ret != KYSO_OK || !kyso_obj_is(fields, KYSO_OBJ_ARRAY))
    goto done;
  w.visited_cap = pdf->xref_count;
  w.visited = kyso_bits_new(pdf);
  if (!w.visited) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  for (i = 0; i < fields->u.array.count && ret == KYSO_OK; i++)
    ret = walk_node(&w, fields->u.array.items[i], NULL, NULL, NULL, 0, err);
done:
  free(w.visited);
  return ret;
}

kyso_status kyso_form_docmdp(kyso_pdf *pdf, int *permission, kyso_error *err) {
  kyso_status ret;
  kyso_obj *root = NULL, *perms = NULL, *sig = NULL, *refs = NULL;
  size_t i;

  *permission = 0;
  ret = kyso_pdf_dict_get(pdf, pdf->trailer, "Root", &root, err);
  if (ret == KYSO_OK)
    ret = kyso_pdf_dict_get(pdf, root, "Perms", &perms, err);
  if (ret == KYSO_OK && perms)
    ret = kyso_pdf_dict_get(pdf, perms, "DocMDP", &sig, err);
  if (ret == KYSO_OK && sig)
    ret = kyso_pdf_dict_get(pdf, sig, "Reference", &refs, err);
  if (ret != KYSO_OK || !sig)
    return ret;
  /* Certified: default permission 2 unless the transform says (12.8.2.2). */
  *permission = 2;
  if (!kyso_obj_is(refs, KYSO_OBJ_ARRAY))
    return KYSO_OK;
  for (i = 0; i < refs->u.array.count; i++) {
    kyso_obj *r = NULL, *params = NULL, *p = NULL;
    ret = kyso_pdf_resolve(pdf, refs->u.array.items[i], &r, err);
    if (ret == KYSO_OK &&
        kyso_obj_is_name(kyso_dict_get(r, "TransformMethod"), "DocMDP"))
      ret = kyso_pdf_dict_get(pdf, r, "TransformParams", &params, err);
    if (ret == KYSO_OK && params)
      ret = kyso_pdf_dict_get(pdf, params, "P", &p, err);
    if (ret != KYSO_OK)
      return ret;
    if (kyso_obj_is(p, KYSO_OBJ_INT) && p->u.integer >= 1 && p->u.integer <= 3)
      *permission = (int)p->u.integer;
  }
  return KYSO_OK;
}
