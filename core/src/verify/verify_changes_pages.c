/*
 * verify_changes_pages.c - the catalog, pages and annotations in the
 * changes analysis, and form fills no later signature covers
 * (verify_changes.h).
 */
#include <stdlib.h>
#include <string.h>

#include "verify/verify_changes.h"

/* ---- 4. the catalog ------------------------------------------------------ */

void kyso_changes_check_catalog(diff *d) {
  static const char *const keys[] = {"AcroForm",   "DSS",     "Metadata",
                                     "Extensions", "Version", NULL};
  kyso_obj *ocat = kyso_changes_get(d, d->old, d->old->trailer, "Root");
  kyso_obj *root_ref = kyso_dict_get(d->cur->trailer, "Root");
  kyso_obj *ncat = kyso_changes_resolve(d, d->cur, root_ref);
  change_rec *r = kyso_changes_find_rec(d, kyso_changes_ref_num(root_ref));
  const char *key;

  if (!r)
    return;
  key = kyso_changes_dict_diff(kyso_changes_dict_of(ocat),
                               kyso_changes_dict_of(ncat), keys, 0);
  if (key) {
    kyso_changes_decide(r, "catalog_changed", 0, "catalog entry changed", key);
    return;
  }
  if (kyso_changes_dict_diff(kyso_changes_dict_of(ocat),
                             kyso_changes_dict_of(ncat), NULL, 0) == NULL) {
    kyso_changes_decide(r, "catalog_changed", 1, "catalog rewritten unchanged",
                        NULL);
    return;
  }
  kyso_changes_approve_deps(d, kyso_dict_get(ncat, "Extensions"),
                            "catalog_changed", 1, "catalog extensions", NULL);
  if (!kyso_changes_value_equal(kyso_dict_get(ocat, "AcroForm"),
                                kyso_dict_get(ncat, "AcroForm"), 0)) {
    if (d->forms_ok)
      kyso_changes_decide(r, d->form_kind, d->form_allowed, d->form_what,
                          d->form_name);
    else
      kyso_changes_decide(r, "form_changed", 0,
                          "interactive form cannot be compared", NULL);
  } else if (!kyso_changes_value_equal(kyso_dict_get(ocat, "DSS"),
                                       kyso_dict_get(ncat, "DSS"), 0)) {
    kyso_changes_decide(r, "dss_added", 1, "document security store updated",
                        NULL);
  } else {
    kyso_changes_decide(r, "catalog_changed", 1,
                        "catalog /Metadata, /Extensions or /Version updated",
                        NULL);
  }
}

/* ---- 5. pages and annotations -------------------------------------------- */

#define PAGE_RESOURCES_SAME "page resources rewritten with the same values"

/* Annotation types that cannot paint over page content: comments and text
 * markup. FreeText, Stamp, Redact, Square, Ink... can (evil annotation). */
static int comment_annotation(const char *subtype) {
  static const char *const ok[] = {"Text",      "Popup",    "Highlight",
                                   "Underline", "Squiggly", "StrikeOut",
                                   "Caret",     NULL};
  return subtype && kyso_changes_in_list(ok, subtype);
}

static const char *annotation_refusal(const diff *d, const char *subtype) {
  if (d->perm == 3 && comment_annotation(subtype))
    return NULL;
  if (d->perm == 3)
    return "annotation that can cover page content (evil annotation)";
  if (d->perm)
    return "annotation in a document certified without annotation rights "
           "(DocMDP P<3)";
  return "annotation after an approval signature";
}

/* The object numbers an /Annots array refers to, sorted (NULL: none). */
static uint32_t *annot_refs(diff *d, const kyso_obj *arr, size_t *n) {
  uint32_t *set;
  size_t i;
  *n = 0;
  if (!kyso_obj_is(arr, KYSO_OBJ_ARRAY) || arr->u.array.count == 0)
    return NULL;
  set = malloc(arr->u.array.count * sizeof(*set));
  if (!set) {
    d->oom = 1;
    return NULL;
  }
  for (i = 0; i < arr->u.array.count; i++)
    if (kyso_changes_ref_num(arr->u.array.items[i]))
      set[(*n)++] = kyso_changes_ref_num(arr->u.array.items[i]);
  qsort(set, *n, sizeof(*set), kyso_changes_cmp_u32);
  return set;
}

/* Is item i of one /Annots array also in the other? References by number;
 * a direct annotation only at the same position. */
static int annot_kept(const kyso_obj *item, size_t i, const kyso_obj *other,
                      const uint32_t *set, size_t n) {
  if (kyso_changes_ref_num(item))
    return kyso_changes_has_u32(set, n, kyso_changes_ref_num(item));
  return kyso_obj_is(other, KYSO_OBJ_ARRAY) && i < other->u.array.count &&
         kyso_changes_value_equal(item, other->u.array.items[i], 0);
}

typedef struct annots_verdict {
  const char *kind;
  const char *what;
  const char *name;
  int allowed;
  int changed;
} annots_verdict;

static void verdict_add(annots_verdict *v, const char *kind, int allowed,
                        const char *what, const char *name) {
  v->changed = 1;
  if (!allowed && v->allowed) {
    v->allowed = 0;
    v->kind = kind;
    v->what = what;
    v->name = name;
  } else if (!v->kind) {
    v->kind = kind;
    v->what = what;
    v->name = name;
  }
}

/* What changed in one page's /Annots between old and cur. */
static void check_annots(diff *d, kyso_obj *oa, kyso_obj *na,
                         annots_verdict *v) {
  size_t i, on_refs = 0, nn_refs = 0;
  size_t on = kyso_obj_is(oa, KYSO_OBJ_ARRAY) ? oa->u.array.count : 0;
  size_t nn = kyso_obj_is(na, KYSO_OBJ_ARRAY) ? na->u.array.count : 0;
  uint32_t *old_set = annot_refs(d, oa, &on_refs);
  uint32_t *cur_set = annot_refs(d, na, &nn_refs);

  for (i = 0; i < nn; i++) {
    kyso_obj *item = na->u.array.items[i];
    uint32_t num = kyso_changes_ref_num(item);
    const new_field *w;
    kyso_obj *ad;
    const char *subtype, *why;
    if (annot_kept(item, i, oa, old_set, on_refs)) {
      change_rec *r = kyso_changes_find_rec(d, num);
      if (!r || r->state != ST_CHANGED ||
          kyso_changes_has_u32(d->field_widgets, d->field_widget_count, num))
        continue; /* unchanged, or a widget judged with its field */
      ad = kyso_changes_object(d, d->cur, num);
      subtype = kyso_changes_name_of(ad, "Subtype");
      why = annotation_refusal(d, subtype);
      if (!why &&
          !kyso_changes_value_equal(
              kyso_dict_get(kyso_changes_object(d, d->old, num), "Subtype"),
              kyso_dict_get(kyso_changes_dict_of(ad), "Subtype"), 0))
        why = "annotation type changed";
      kyso_changes_decide(r, "annotation_changed", why == NULL,
                          why ? why : "annotation changed", subtype);
      kyso_changes_approve_value_and_appearance(
          d, ad, num, "annotation_changed", why == NULL,
          why ? why : "annotation appearance", subtype);
      kyso_changes_approve_deps(d, ad, "annotation_changed", why == NULL,
                                why ? why : "annotation changed", subtype);
      continue;
    }
    if (!num) {
      verdict_add(v, "annotation_changed", 0, "direct annotation changed",
                  NULL);
      continue;
    }
    w = kyso_changes_find_new(d->new_widgets, d->new_widget_count, num);
    if (w) {
      verdict_add(v, w->kind, w->allowed,
                  w->allowed ? "widget of a new field placed on the page"
                             : w->what,
                  w->name);
      continue;
    }
    if (kyso_changes_has_u32(d->field_widgets, d->field_widget_count, num)) {
      verdict_add(v, "form_changed", 0,
                  "widget of an existing field placed on another page", NULL);
      continue;
    }
    ad = kyso_changes_object(d, d->cur, num);
    subtype = kyso_changes_name_of(ad, "Subtype");
    why = subtype && strcmp(subtype, "Widget") == 0
              ? "widget annotation without a new form field"
              : annotation_refusal(d, subtype);
    if (kyso_changes_find_rec(d, num) &&
        kyso_changes_find_rec(d, num)->state != ST_ADDED)
      why = "existing object turned into an annotation";
    kyso_changes_decide_num(d, num, "annotation_added", why == NULL,
                            why ? why : "annotation added", subtype);
    kyso_changes_approve_deps(d, ad, "annotation_added", why == NULL,
                              why ? why : "annotation added", subtype);
    verdict_add(v, "annotation_added", why == NULL,
                why ? why : "annotation added", subtype);
  }
  for (i = 0; i < on; i++) {
    kyso_obj *item = oa->u.array.items[i];
    uint32_t num = kyso_changes_ref_num(item);
    const char *subtype, *why;
    if (annot_kept(item, i, na, cur_set, nn_refs))
      continue;
    if (kyso_changes_has_u32(d->field_widgets, d->field_widget_count, num)) {
      verdict_add(v, "form_changed", 0, "form field widget removed", NULL);
      continue;
    }
    subtype = kyso_changes_name_of(
        num ? kyso_changes_object(d, d->old, num) : item, "Subtype");
    why = annotation_refusal(d, subtype);
    kyso_changes_decide_num(d, num, "annotation_removed", why == NULL,
                            why ? why : "annotation removed", subtype);
    verdict_add(v, "annotation_removed", why == NULL,
                why ? why : "annotation removed", subtype);
  }
  free(old_set);
  free(cur_set);
}

/* Nothing about this page's annotations can have changed: the page, its
 * /Annots array and every annotation in it are as signed. */
static int annots_untouched(diff *d, const kyso_page *np,
                            const kyso_obj *na_raw) {
  kyso_obj *na;
  size_t i;
  if (kyso_changes_find_rec(d, np->num) ||
      kyso_changes_find_rec(d, kyso_changes_ref_num(na_raw)))
    return 0;
  na = kyso_changes_resolve(d, d->cur, (kyso_obj *)na_raw);
  for (i = 0; kyso_obj_is(na, KYSO_OBJ_ARRAY) && i < na->u.array.count; i++)
    if (kyso_changes_find_rec(d, kyso_changes_ref_num(na->u.array.items[i])))
      return 0;
  return 1;
}

void kyso_changes_check_pages(diff *d) {
  static const char *const annots_key[] = {"Annots", NULL};
  static const char *const annots_resources_key[] = {"Annots", "Resources",
                                                     NULL};
  kyso_status ro = kyso_pdf_load_pages(d->old, &d->scratch);
  kyso_status rn = kyso_pdf_load_pages(d->cur, &d->scratch);
  uint32_t *old_nums = NULL, *cur_nums = NULL;
  size_t i;

  if (ro == KYSO_ERR_NO_MEMORY || rn == KYSO_ERR_NO_MEMORY)
    d->oom = 1;
  if (ro != KYSO_OK || rn != KYSO_OK)
    return; /* page changes stay modifications */
  old_nums = malloc((d->old->page_count + 1) * sizeof(*old_nums));
  cur_nums = malloc((d->cur->page_count + 1) * sizeof(*cur_nums));
  if (!old_nums || !cur_nums) {
    d->oom = 1;
    goto done;
  }
  for (i = 0; i < d->old->page_count; i++)
    old_nums[i] = d->old->pages[i].num;
  for (i = 0; i < d->cur->page_count; i++)
    cur_nums[i] = d->cur->pages[i].num;
  qsort(old_nums, d->old->page_count, sizeof(*old_nums), kyso_changes_cmp_u32);
  qsort(cur_nums, d->cur->page_count, sizeof(*cur_nums), kyso_changes_cmp_u32);

  for (i = 0; i < d->cur->page_count && !d->oom; i++) {
    const kyso_page *np = &d->cur->pages[i];
    change_rec *rp = kyso_changes_find_rec(d, np->num);
    kyso_obj *op, *oa_raw, *na_raw;
    const kyso_obj *ores, *nres;
    annots_verdict v;
    const char *key;
    int res_same = 0;

    if (!kyso_changes_has_u32(old_nums, d->old->page_count, np->num)) {
      d->pages_added = 1;
      if (rp)
        kyso_changes_decide(rp, "page_added", 0, "page added", NULL);
      else
        kyso_changes_add_extra(d, np->num, "page_added", "page %zu added",
                               i + 1);
      continue;
    }
    na_raw = kyso_dict_get(np->dict, "Annots");
    nres = kyso_changes_dict_value(np->dict, "Resources");
    if (rp || kyso_changes_find_rec(d, kyso_changes_ref_num(nres))) {
      /* /Resources saved anew with the same values draws the same page:
       * compared by value, not by object. */
      op = kyso_changes_object(d, d->old, np->num);
      ores = kyso_changes_dict_value(kyso_changes_dict_of(op), "Resources");
      if (!kyso_changes_value_equal(ores, nres, 0) ||
          kyso_changes_find_rec(d, kyso_changes_ref_num(nres)))
        res_same = kyso_changes_same_value(d, ores, nres, "page_changed", 1,
                                           PAGE_RESOURCES_SAME);
    }
    if (annots_untouched(d, np, na_raw))
      continue;
    op = kyso_changes_object(d, d->old, np->num);
    oa_raw = kyso_dict_get(kyso_changes_dict_of(op), "Annots");
    memset(&v, 0, sizeof(v));
    v.allowed = 1;
    check_annots(d, kyso_changes_resolve(d, d->old, oa_raw),
                 kyso_changes_resolve(d, d->cur, na_raw), &v);
    if (!v.changed) {
      v.kind = "page_changed";
      v.what = res_same ? PAGE_RESOURCES_SAME
                        : "page /Annots rewritten with the same annotations";
    }
    key =
        kyso_changes_dict_diff(kyso_changes_dict_of(op), np->dict,
                               res_same ? annots_resources_key : annots_key, 0);
    if (rp && key)
      kyso_changes_decide(
          rp, strcmp(key, "Contents") == 0 ? "page_content" : "page_changed", 0,
          "page entry changed", key);
    else if (rp)
      kyso_changes_decide(rp, v.kind, v.allowed, v.what, v.name);
    if (kyso_changes_ref_num(na_raw))
      kyso_changes_decide_num(d, kyso_changes_ref_num(na_raw), v.kind,
                              v.allowed, v.what, v.name);
  }
  for (i = 0; i < d->old->page_count; i++) {
    uint32_t num = d->old->pages[i].num;
    if (kyso_changes_has_u32(cur_nums, d->cur->page_count, num))
      continue;
    d->pages_removed = 1;
    if (kyso_changes_find_rec(d, num))
      kyso_changes_decide_num(d, num, "page_removed", 0, "page removed", NULL);
    else
      kyso_changes_add_extra(d, num, "page_removed", "page %zu removed", i + 1);
  }
done:
  free(old_nums);
  free(cur_nums);
}

/* Without DocMDP nothing grants form filling after an approval signature:
 * it is accepted when a later signature covers it (PDF Insecurity's
 * certification study: "only allowed when adding a signature at the same
 * time"), as when the clerk fills the document number and seals. A fill no
 * signature covers is the shadow attack "replace" through a form field. */
void kyso_changes_check_fill_covered(diff *d) {
  size_t i;
  for (i = 0; i < d->count; i++) {
    change_rec *r = &d->recs[i];
    if (!r->decided || !r->allowed || strcmp(r->kind, "form_field_filled") != 0)
      continue;
    if (kyso_changes_revision_of(d, r->num) > d->last_signing_rev) {
      r->allowed = 0;
      r->what = "form field filled after an approval signature and not "
                "covered by a later signature (shadow attack)";
    }
  }
}
