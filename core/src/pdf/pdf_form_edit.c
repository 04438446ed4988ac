/*
 * pdf_form_edit.c - adding fields and annotations to a document in an
 * incremental update (ISO 32000-1 12.5.2, 12.7.2); see pdf_form_edit.h.
 * Only the objects that must change are rewritten: an indirect /Annots or
 * /Fields array is replaced on its own, leaving the page or form dictionary
 * untouched, which keeps what later revisions change small and checkable.
 */
#include "pdf/pdf_form_edit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kyso/limits.h"
#include "pdf/pdf_form.h"

typedef struct name_search {
  const char *wanted; /* a name to look for, or NULL */
  int found;
  const char **names; /* every field name seen */
  size_t count, cap;
} name_search;

static kyso_status collect_name(void *ctx, const kyso_form_field *f,
                                kyso_error *err) {
  name_search *s = ctx;
  if (s->count == s->cap) {
    size_t ncap = s->cap ? s->cap * 2 : 16;
    const char **p = realloc(s->names, ncap * sizeof(*p));
    if (!p)
      return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    s->names = p;
    s->cap = ncap;
  }
  s->names[s->count++] = f->name;
  return KYSO_OK;
}

static int name_taken(const name_search *s, const char *name) {
  size_t i;
  for (i = 0; i < s->count; i++)
    if (strcmp(s->names[i], name) == 0)
      return 1;
  return 0;
}

kyso_status kyso_form_choose_name(kyso_pdf *pdf, const char *wanted,
                                  const char *prefix, char *out, size_t cap,
                                  kyso_error *err) {
  kyso_status ret;
  name_search s;
  unsigned n;

  memset(&s, 0, sizeof(s));
  ret = kyso_form_walk(pdf, collect_name, &s, err);
  if (ret != KYSO_OK)
    goto done;
  if (wanted) {
    if (name_taken(&s, wanted)) {
      ret =
          kyso_error_set(err, KYSO_ERR_PDF_FORM,
                         "the document already has a field named '%s'", wanted);
      goto done;
    }
    snprintf(out, cap, "%s", wanted);
    goto done;
  }
  for (n = 1; n <= KYSO_LIMIT_FORM_FIELDS + 1; n++) {
    snprintf(out, cap, "%s%u", prefix, n);
    if (!name_taken(&s, out))
      break;
  }
done:
  free(s.names);
  return ret;
}

/* Appends item to the array held (directly or by reference) under key in
 * dict, which belongs to the update. An indirect array is replaced in the
 * update; a direct one is copied into dict. */
static kyso_status append_to_array(kyso_update *u, kyso_obj *dict,
                                   const char *key, kyso_obj *item,
                                   kyso_error *err) {
  kyso_status ret = KYSO_OK;
  kyso_arena *a = &u->arena;
  kyso_obj *raw = kyso_dict_get(dict, key), *arr = NULL, *copy;

  if (kyso_obj_is(raw, KYSO_OBJ_REF)) {
    ret = kyso_update_get(u, raw->u.ref.num, &arr, err);
    if (ret != KYSO_OK)
      return ret;
    if (!kyso_obj_is(arr, KYSO_OBJ_ARRAY))
      return kyso_error_set(err, KYSO_ERR_PDF_FORM,
                            "/%s (object %u) is not an array", key,
                            raw->u.ref.num);
    copy = kyso_obj_clone_shallow(a, arr);
    if (!copy || kyso_array_push(a, copy, item))
      return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    return kyso_update_replace(u, raw->u.ref.num, raw->u.ref.gen, copy, err);
  }
  if (raw && !kyso_obj_is(raw, KYSO_OBJ_ARRAY) &&
      !kyso_obj_is(raw, KYSO_OBJ_NULL))
    return kyso_error_set(err, KYSO_ERR_PDF_FORM, "/%s is not an array", key);
  copy = kyso_obj_is(raw, KYSO_OBJ_ARRAY) ? kyso_obj_clone_shallow(a, raw)
                                          : kyso_obj_new_array(a);
  if (!copy || kyso_array_push(a, copy, item) ||
      kyso_dict_set(a, dict, key, copy))
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  return KYSO_OK;
}

kyso_status kyso_form_add_annotation(kyso_update *u, const kyso_page *page,
                                     kyso_obj *widget_ref, kyso_error *err) {
  kyso_status ret;
  kyso_obj *current = NULL, *copy;

  ret = kyso_update_get(u, page->num, &current, err);
  if (ret != KYSO_OK)
    return ret;
  copy = kyso_obj_clone_shallow(&u->arena, current);
  if (!copy)
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  if (kyso_obj_is(kyso_dict_get(copy, "Annots"), KYSO_OBJ_REF))
    /* Only the array object changes; the page stays as it is. */
    return append_to_array(u, copy, "Annots", widget_ref, err);
  ret = append_to_array(u, copy, "Annots", widget_ref, err);
  if (ret == KYSO_OK)
    ret = kyso_update_replace(u, page->num, page->gen, copy, err);
  return ret;
}

kyso_status kyso_form_add_field(kyso_update *u, kyso_obj *field_ref,
                                int sig_flags, kyso_error *err) {
  kyso_status ret;
  kyso_arena *a = &u->arena;
  kyso_pdf *pdf = u->pdf;
  kyso_obj *root_ref = kyso_dict_get(pdf->trailer, "Root");
  kyso_obj *root = NULL, *root_copy = NULL, *form_raw, *form = NULL, *copy;
  kyso_obj *flags;
  int64_t sigflags = sig_flags;

  ret = kyso_update_get(u, root_ref->u.ref.num, &root, err);
  if (ret != KYSO_OK)
    return ret;
  form_raw = kyso_dict_get(root, "AcroForm");
  if (kyso_obj_is(form_raw, KYSO_OBJ_REF)) {
    ret = kyso_update_get(u, form_raw->u.ref.num, &form, err);
    if (ret != KYSO_OK)
      return ret;
  } else if (kyso_obj_is(form_raw, KYSO_OBJ_DICT)) {
    form = form_raw;
  }
  /* A reference to a missing or free object is null (7.3.10): no form
   * yet, and the catalog gets a new one (PDFBox's Bal_532935_0314.pdf). */
  if (kyso_obj_is(form, KYSO_OBJ_NULL)) {
    form = NULL;
    form_raw = NULL;
  }
  if (form && !kyso_obj_is(form, KYSO_OBJ_DICT))
    return kyso_error_set(err, KYSO_ERR_PDF_FORM,
                          "/AcroForm is not a dictionary");
  copy = form ? kyso_obj_clone_shallow(a, form) : kyso_obj_new_dict(a);
  if (!copy)
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  flags = kyso_dict_get(copy, "SigFlags");
  if (kyso_obj_is(flags, KYSO_OBJ_INT))
    sigflags |= flags->u.integer;
  if (kyso_dict_set(a, copy, "SigFlags", kyso_obj_new_int(a, sigflags)))
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  ret = append_to_array(u, copy, "Fields", field_ref, err);
  if (ret != KYSO_OK)
    return ret;
  if (kyso_obj_is(form_raw, KYSO_OBJ_REF))
    return kyso_update_replace(u, form_raw->u.ref.num, form_raw->u.ref.gen,
                               copy, err);
  /* A direct or missing AcroForm: the catalog itself changes. */
  root_copy = kyso_obj_clone_shallow(a, root);
  if (!root_copy)
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  if (form) {
    if (kyso_dict_set(a, root_copy, "AcroForm", copy))
      return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  } else {
    kyso_obj *ref = kyso_update_add(u, copy);
    if (!ref || kyso_dict_set(a, root_copy, "AcroForm", ref))
      return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  }
  return kyso_update_replace(u, root_ref->u.ref.num, root_ref->u.ref.gen,
                             root_copy, err);
}
