/*
 * verify_changes_form.c - the interactive form in the changes analysis:
 * new signature fields and timestamps, filled fields, the /AcroForm entry,
 * DocMDP and PDF 2.0 locks (/Lock, FieldMDP) (verify_changes.h).
 */
#include <stdlib.h>
#include <string.h>

#include "pdf/pdf_form.h"
#include "pdf/pdf_text.h"
#include "verify/verify_changes.h"

/* Why a signature after this one is refused at P=1. */
#define P1_DOCMDP_SIGNED                                                       \
  "signature added to a document certified with no changes allowed "           \
  "(DocMDP P=1)"
#define P1_LOCK_SIGNED                                                         \
  "signature added after a signature allowing no changes (lock P=1)"

/* ---- 3. the interactive form --------------------------------------------- */

typedef struct field_list {
  diff *d;
  field_info **items;
  size_t *count, *cap;
} field_list;

static kyso_status collect_field(void *vctx, const kyso_form_field *f,
                                 kyso_error *err) {
  field_list *l = vctx;
  field_info *fi;
  if (kyso_changes_grow(l->d, (void **)l->items, l->cap, *l->count,
                        sizeof(*fi)))
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  fi = &(*l->items)[(*l->count)++];
  memset(fi, 0, sizeof(*fi));
  fi->num = f->num;
  fi->name = f->name;
  fi->type = f->type;
  fi->dict = f->dict;
  return KYSO_OK;
}

static int collect_fields(diff *d, kyso_pdf *pdf, field_info **items,
                          size_t *count, size_t *cap) {
  field_list l;
  kyso_status ret;
  l.d = d;
  l.items = items;
  l.count = count;
  l.cap = cap;
  ret = kyso_form_walk(pdf, collect_field, &l, &d->scratch);
  if (ret == KYSO_ERR_NO_MEMORY)
    d->oom = 1;
  return ret == KYSO_OK;
}

/* A document timestamp: /Type /DocTimeStamp, or /SubFilter ETSI.RFC3161
 * with /Type /Sig or no /Type (verify_structure.c accepts both; the value
 * is then verified as a timestamp token, not as a signature). */
static int is_doc_timestamp(const kyso_obj *v) {
  return kyso_obj_is_name(kyso_dict_get(v, "Type"), "DocTimeStamp") ||
         kyso_obj_is_name(kyso_dict_get(v, "SubFilter"), "ETSI.RFC3161");
}

/* Widget annotations of a field: its kids without /T, or the field itself
 * when it has no kids (merged field and widget, 12.7.3.1). */
static size_t field_widgets(diff *d, kyso_pdf *pdf, const field_info *f,
                            uint32_t out[WIDGETS_MAX]) {
  kyso_obj *kids = kyso_changes_get(d, pdf, f->dict, "Kids");
  size_t i, n = 0;
  if (!kyso_obj_is(kids, KYSO_OBJ_ARRAY)) {
    if (f->num)
      out[n++] = f->num;
    return n;
  }
  for (i = 0; i < kids->u.array.count && n < WIDGETS_MAX; i++) {
    kyso_obj *k = kids->u.array.items[i];
    kyso_obj *kd = kyso_changes_resolve(d, pdf, k);
    if (kyso_obj_is(k, KYSO_OBJ_REF) && kyso_obj_is(kd, KYSO_OBJ_DICT) &&
        !kyso_dict_get(kd, "T"))
      out[n++] = k->u.ref.num;
  }
  return n;
}

static int rect_visible(diff *d, kyso_pdf *pdf, const kyso_obj *annot) {
  kyso_obj *r = kyso_changes_get(d, pdf, annot, "Rect");
  double v[4];
  size_t i;
  if (!kyso_obj_is(r, KYSO_OBJ_ARRAY) || r->u.array.count != 4)
    return 0;
  for (i = 0; i < 4; i++) {
    kyso_obj *x = kyso_changes_resolve(d, pdf, r->u.array.items[i]);
    if (!kyso_obj_is_number(x))
      return 0;
    v[i] = kyso_obj_number(x);
  }
  return (v[2] - v[0]) * (v[3] - v[1]) != 0.0;
}

/* Any widget of the field with an area (pyHanko is_field_visible). */
static int field_visible(diff *d, kyso_pdf *pdf, const field_info *f) {
  uint32_t w[WIDGETS_MAX];
  size_t n = field_widgets(d, pdf, f, w), i;
  if (rect_visible(d, pdf, f->dict))
    return 1;
  for (i = 0; i < n; i++)
    if (rect_visible(d, pdf, kyso_changes_object(d, pdf, w[i])))
      return 1;
  return 0;
}

/* Does a FieldMDP transform's parameters or a field lock dictionary
 * (/Action, /Fields) cover field `name`? pdf resolves its values. */
static int lock_covers(diff *d, kyso_pdf *pdf, const kyso_obj *p,
                       const char *name) {
  const char *action = kyso_changes_name_of(p, "Action");
  kyso_obj *fields = kyso_changes_get(d, pdf, p, "Fields");
  int listed = 0;
  size_t k;
  if (!action)
    return 0;
  if (strcmp(action, "All") == 0)
    return 1;
  for (k = 0; kyso_obj_is(fields, KYSO_OBJ_ARRAY) && k < fields->u.array.count;
       k++) {
    kyso_obj *s = kyso_changes_resolve(d, pdf, fields->u.array.items[k]);
    char *u;
    if (!kyso_obj_is(s, KYSO_OBJ_STRING))
      continue;
    u = kyso_text_to_utf8(&d->old->arena, s->u.string.data, s->u.string.len);
    if (!u) {
      d->oom = 1;
      return 1;
    }
    if (strcmp(u, name) == 0)
      listed = 1;
  }
  return (strcmp(action, "Include") == 0 && listed) ||
         (strcmp(action, "Exclude") == 0 && !listed);
}

/* This signature's dictionary in cur. */
static const kyso_obj *sig_dict(diff *d) {
  if (d->st->dict || d->st->dict_is_direct || !d->st->dict_num)
    return d->st->dict;
  return kyso_changes_object(d, d->cur, d->st->dict_num);
}

/* Is field `name` locked by this signature: a FieldMDP transform in its
 * /Reference (ISO 32000-1 12.8.2.4) or its field's /Lock (ISO 32000-2
 * 12.7.5.5, in force once the field is signed)? */
static int field_locked(diff *d, const char *name) {
  kyso_obj *refs = kyso_changes_get(d, d->cur, sig_dict(d), "Reference");
  size_t i;
  if (d->lock && lock_covers(d, d->old, d->lock, name))
    return 1;
  if (!kyso_obj_is(refs, KYSO_OBJ_ARRAY))
    return 0;
  for (i = 0; i < refs->u.array.count; i++) {
    kyso_obj *r = kyso_changes_resolve(d, d->cur, refs->u.array.items[i]);
    if (kyso_obj_is_name(kyso_dict_get(r, "TransformMethod"), "FieldMDP") &&
        lock_covers(d, d->cur,
                    kyso_changes_get(d, d->cur, r, "TransformParams"), name))
      return 1;
  }
  return 0;
}

typedef struct lock_search {
  diff *d;
  kyso_obj *field; /* this signature's field, when found */
} lock_search;

static kyso_status find_own_field(void *vctx, const kyso_form_field *f,
                                  kyso_error *err) {
  lock_search *ls = vctx;
  const kyso_sig_state *st = ls->d->st;
  kyso_obj *v = kyso_dict_get(f->dict, "V");
  (void)err;
  if (ls->field || strcmp(f->type, "Sig") != 0)
    return KYSO_OK;
  if (st->dict_is_direct || !st->dict_num
          ? st->rep->field && strcmp(f->name, st->rep->field) == 0
          : kyso_changes_ref_num(v) == st->dict_num)
    ls->field = f->dict;
  return KYSO_OK;
}

/* The strictest permission (1 strictest, 0 none) of two. */
int kyso_changes_stricter(int a, int b) {
  return !a ? b : !b ? a : a < b ? a : b;
}

/* The permission this signature's lock grants after it (PDF 2.0): /P of
 * its field's /Lock (SigFieldLock, ISO 32000-2 12.7.5.5) and of the
 * FieldMDP transform in its /Reference (12.8.2.4); 1, 2 and 3 mean what
 * DocMDP's do. Also keeps the /Lock for field_locked. */
int kyso_changes_lock_permission(diff *d) {
  lock_search ls;
  kyso_obj *refs = kyso_changes_get(d, d->cur, sig_dict(d), "Reference"), *p;
  int perm = 0;
  size_t i;
  ls.d = d;
  ls.field = NULL;
  if (kyso_form_walk(d->old, find_own_field, &ls, &d->scratch) ==
      KYSO_ERR_NO_MEMORY)
    d->oom = 1;
  d->lock = kyso_changes_get(d, d->old, ls.field, "Lock");
  if (!kyso_obj_is(d->lock, KYSO_OBJ_DICT))
    d->lock = NULL;
  p = kyso_changes_get(d, d->old, d->lock, "P");
  if (kyso_obj_is(p, KYSO_OBJ_INT) && p->u.integer >= 1 && p->u.integer <= 3)
    perm = (int)p->u.integer;
  for (i = 0; kyso_obj_is(refs, KYSO_OBJ_ARRAY) && i < refs->u.array.count;
       i++) {
    kyso_obj *r = kyso_changes_resolve(d, d->cur, refs->u.array.items[i]);
    if (!kyso_obj_is_name(kyso_dict_get(r, "TransformMethod"), "FieldMDP"))
      continue;
    p = kyso_changes_get(
        d, d->cur, kyso_changes_get(d, d->cur, r, "TransformParams"), "P");
    if (kyso_obj_is(p, KYSO_OBJ_INT) && p->u.integer >= 1 && p->u.integer <= 3)
      perm = kyso_changes_stricter(perm, (int)p->u.integer);
  }
  return perm;
}

static void push_new(diff *d, new_field **items, size_t *count, size_t *cap,
                     uint32_t num, const char *kind, int allowed,
                     const char *what, const char *name) {
  new_field *n;
  if (kyso_changes_grow(d, (void **)items, cap, *count, sizeof(*n)))
    return;
  n = &(*items)[(*count)++];
  n->num = num;
  n->kind = kind;
  n->allowed = allowed;
  n->what = what;
  n->name = name;
}

static int cmp_new_field(const void *a, const void *b) {
  const new_field *x = a, *y = b;
  return x->num < y->num ? -1 : x->num > y->num;
}

/* In a list sorted by cmp_new_field (after kyso_changes_check_forms). */
const new_field *kyso_changes_find_new(const new_field *items, size_t count,
                                       uint32_t num) {
  new_field key;
  if (!num || !count)
    return NULL;
  key.num = num;
  return bsearch(&key, items, count, sizeof(*items), cmp_new_field);
}

/* The revision (index) that wrote the current definition of object num,
 * or -1. */
long long kyso_changes_revision_of(diff *d, uint32_t num) {
  const kyso_xref_entry *e = kyso_xref_get(d->cur, num);
  size_t lo = 0, hi = kyso_pdf_get_revision_count(d->cur), off;
  kyso_revision_info ri;
  if (e && e->kind == KYSO_XREF_COMPRESSED)
    e = kyso_xref_get(d->cur, e->offset);
  if (!e || e->kind != KYSO_XREF_OFFSET)
    return -1;
  off = (size_t)e->offset;
  while (lo < hi) { /* the first revision ending after off */
    size_t mid = lo + (hi - lo) / 2;
    if (kyso_pdf_get_revision(d->cur, mid, &ri) != 0)
      return -1;
    if (ri.end <= off)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < kyso_pdf_get_revision_count(d->cur) ? (long long)lo : -1;
}

/* A signature (not a timestamp) was added with value v_raw: the revision
 * writing it is covered by that signature. */
static void note_signing(diff *d, const kyso_obj *v_raw) {
  long long k = kyso_changes_revision_of(d, kyso_changes_ref_num(v_raw));
  if (k > d->last_signing_rev)
    d->last_signing_rev = k;
}

/* A field cur has and the signed revision did not. */
static void new_field_added(diff *d, const field_info *nf) {
  uint32_t w[WIDGETS_MAX];
  size_t nw = field_widgets(d, d->cur, nf, w), i;
  kyso_obj *v_raw = kyso_dict_get(nf->dict, "V");
  kyso_obj *v = kyso_changes_resolve(d, d->cur, v_raw);
  change_rec *rv, *rf = kyso_changes_find_rec(d, nf->num);
  const char *kind, *what;
  int allowed = 1, is_dts, visible;

  if (strcmp(nf->type, "Sig") != 0) {
    /* pyHanko SigFieldCreationRule: only signature fields may appear. */
    kind = "form_field_added";
    allowed = 0;
    what = "form field added after signing";
    kyso_changes_decide(rf, kind, 0, what, nf->name);
  } else {
    is_dts = is_doc_timestamp(v);
    visible = field_visible(d, d->cur, nf);
    kind = is_dts ? "timestamp_added" : "signature_added";
    what = is_dts ? "document timestamp added" : "signature field added";
    rv = kyso_changes_find_rec(d, kyso_changes_ref_num(v_raw));
    if (kyso_obj_is(v_raw, KYSO_OBJ_REF) && (!rv || rv->state != ST_ADDED)) {
      allowed = 0;
      what = "new signature field reuses an existing signature value";
    } else if (d->perm == 1 && (!is_dts || visible)) {
      allowed = 0;
      what = d->perm_locked ? P1_LOCK_SIGNED : P1_DOCMDP_SIGNED;
    } else if (d->perm == 2 && visible) {
      allowed = 0;
      what = d->perm_locked ? "visible signature field added after a "
                              "signature locking the document (lock P=2)"
                            : "visible signature field added to a certified "
                              "document (sneaky signature)";
    }
    if (rf && rf->state != ST_ADDED)
      kyso_changes_decide(rf, "form_changed", 0,
                          "existing object turned into a new signature field",
                          nf->name);
    else
      kyso_changes_decide(rf, kind, allowed, what, nf->name);
    if (allowed && !is_dts)
      note_signing(d, v_raw);
    kyso_changes_approve_deps(
        d, nf->dict, kind, allowed,
        allowed ? (is_dts ? "document timestamp value and field"
                          : "new signature value, widget or "
                            "appearance")
                : what,
        nf->name);
  }
  push_new(d, &d->new_fields, &d->new_field_count, &d->new_field_cap, nf->num,
           kind, allowed, what, nf->name);
  for (i = 0; i < nw; i++)
    push_new(d, &d->new_widgets, &d->new_widget_count, &d->new_widget_cap, w[i],
             kind, allowed, what, nf->name);
}

/* Field keys filling may change (pyHanko VALUE_UPDATE_KEYS, plus /M, /MK
 * for a merged widget, and a choice field's /I). */
static const char *const field_value_keys[] = {
    "V",  "AP", "AS", "F", "Ff", "M",
    "DA", "Q",  "MK", "I", /* a choice field's selected indices go with its /V
                              (12.7.4.4) */
    NULL};
static const char *const widget_value_keys[] = {"AP", "AS", "F", "M",
                                                "MK", "DA", "Q", NULL};

static void existing_field(diff *d, const field_info *of,
                           const field_info *nf) {
  uint32_t w[WIDGETS_MAX];
  size_t nw = field_widgets(d, d->cur, nf, w), i;
  change_rec *rf = kyso_changes_find_rec(d, nf->num);
  int is_sig = strcmp(of->type, "Sig") == 0 || strcmp(nf->type, "Sig") == 0;
  kyso_obj *ov = kyso_changes_get(d, d->old, of->dict, "V");
  kyso_obj *nv_raw = kyso_dict_get(nf->dict, "V");
  kyso_obj *nv = kyso_changes_resolve(d, d->cur, nv_raw);
  const char *kind, *what, *key;
  int allowed;

  if (is_sig && kyso_obj_is(ov, KYSO_OBJ_DICT)) {
    /* Already signed: nothing about it may change (revision binding). */
    what = "signed signature field changed";
    kyso_changes_decide(rf, "signature_changed", 0, what, nf->name);
    for (i = 0; i < nw; i++)
      kyso_changes_decide_num(d, w[i], "signature_changed", 0, what, nf->name);
    return;
  }
  if (is_sig && !kyso_obj_is(nv, KYSO_OBJ_DICT)) {
    what = "unsigned signature field changed";
    kyso_changes_decide(rf, "form_changed", 0, what, nf->name);
    for (i = 0; i < nw; i++)
      kyso_changes_decide_num(d, w[i], "form_changed", 0, what, nf->name);
    return;
  }
  if (is_sig) {
    change_rec *rv = kyso_changes_find_rec(d, kyso_changes_ref_num(nv_raw));
    int is_dts = is_doc_timestamp(nv);
    kind = is_dts ? "timestamp_added" : "signature_added";
    allowed = d->perm != 1 || (is_dts && !field_visible(d, d->cur, nf));
    what = allowed          ? "existing signature field signed"
           : d->perm_locked ? P1_LOCK_SIGNED
                            : P1_DOCMDP_SIGNED;
    if (kyso_obj_is(nv_raw, KYSO_OBJ_REF) && (!rv || rv->state != ST_ADDED)) {
      allowed = 0;
      what = "signature field given an existing signature value";
    }
    if (allowed && !is_dts)
      note_signing(d, nv_raw);
  } else {
    int locked = field_locked(d, nf->name);
    /* Filling sets /V; a new look for the same value is an appearance
     * swap (shadow attack "replace" through a form field). */
    int filled =
        !kyso_changes_value_equal(
            kyso_changes_dict_value(kyso_changes_dict_of(of->dict), "V"),
            kyso_changes_dict_value(kyso_changes_dict_of(nf->dict), "V"), 0) ||
        kyso_changes_find_rec(d, kyso_changes_ref_num(kyso_dict_get(
                                     kyso_changes_dict_of(nf->dict), "V"))) !=
            NULL;
    kind = "form_field_filled";
    allowed = d->perm != 1 && !locked && filled;
    what = locked    ? "form field locked by this signature (FieldMDP) changed"
           : !filled ? "form field appearance changed but not its value "
                       "(shadow attack)"
           : allowed ? "form field filled"
           : d->perm_locked ? "form field filled after a signature allowing "
                              "no changes (lock P=1)"
                            : "form field filled in a document certified "
                              "with no changes allowed (DocMDP P=1)";
    if (!filled)
      kind = "form_changed";
  }
  if (rf) {
    key = kyso_changes_dict_diff(kyso_changes_dict_of(of->dict),
                                 kyso_changes_dict_of(nf->dict),
                                 field_value_keys, 0);
    if (key)
      kyso_changes_decide(rf, "form_changed", 0, "form field entry changed",
                          key);
    else
      kyso_changes_decide(rf, kind, allowed, what, nf->name);
  }
  kyso_changes_approve_value_and_appearance(d, nf->dict, nf->num, kind, allowed,
                                            what, nf->name);
  for (i = 0; i < nw; i++) {
    change_rec *rw = kyso_changes_find_rec(d, w[i]);
    kyso_obj *nwd = kyso_changes_object(d, d->cur, w[i]);
    if (w[i] == nf->num)
      continue;
    if (rw) {
      key = kyso_changes_dict_diff(
          kyso_changes_dict_of(kyso_changes_object(d, d->old, w[i])),
          kyso_changes_dict_of(nwd), widget_value_keys, 0);
      if (key)
        kyso_changes_decide(rw, "form_changed", 0,
                            "form field widget entry changed", key);
      else
        kyso_changes_decide(rw, kind, allowed, what, nf->name);
    }
    kyso_changes_approve_value_and_appearance(d, nwd, w[i], kind, allowed, what,
                                              nf->name);
  }
}

typedef struct num_index {
  uint32_t num;
  size_t index;
} num_index;

static int cmp_num_index(const void *a, const void *b) {
  const num_index *x = a, *y = b;
  return x->num < y->num ? -1 : x->num > y->num;
}

static int cmp_field_name(const void *a, const void *b) {
  const field_info *const *x = a, *const *y = b;
  return strcmp((*x)->name, (*y)->name);
}

/* The old field a cur field was: same object number, or for a direct
 * field (num 0) the same name. by_num is sorted by number, by_name (direct
 * fields only) by name. */
static field_info *match_old(diff *d, const num_index *by_num, size_t n,
                             field_info *const *by_name, size_t nn,
                             const field_info *nf) {
  if (nf->num) {
    num_index key, *hit;
    key.num = nf->num;
    key.index = 0;
    hit = n ? bsearch(&key, by_num, n, sizeof(*by_num), cmp_num_index) : NULL;
    return hit ? &d->old_fields[hit->index] : NULL;
  }
  if (nn) {
    const field_info *key = nf;
    field_info *const *hit =
        bsearch(&key, by_name, nn, sizeof(*by_name), cmp_field_name);
    return hit ? *hit : NULL;
  }
  return NULL;
}

/* /DR may only gain entries (pyHanko ACROFORM_EXEMPT_STRICT_COMPARISON):
 * every old resource keeps its value, compared by value (a signer that
 * rebuilds /DR writes the same fonts anew). A /DR where the signed form had
 * none is all additions (a signer or timestamp adding its fonts), unless it
 * is an existing object changed since: what else uses it would change.
 * Checks two levels (/DR, /Font) and explains the dictionaries that grew. */
static int resources_grew(diff *d, kyso_obj *old_raw, kyso_obj *cur_raw,
                          int level, const char *kind, int allowed) {
  static const char *const what = "form default resources";
  kyso_obj *a = kyso_changes_resolve(d, d->old, old_raw),
           *b = kyso_changes_resolve(d, d->cur, cur_raw);
  change_rec *rb = kyso_changes_find_rec(d, kyso_changes_ref_num(cur_raw));
  size_t i;
  if (!a && rb && rb->state != ST_ADDED)
    return 0;
  if (a && (!kyso_obj_is(a, KYSO_OBJ_DICT) || !kyso_obj_is(b, KYSO_OBJ_DICT)))
    return kyso_changes_value_equal(a, b, 0);
  for (i = 0; a && i < a->u.dict.count; i++) {
    kyso_obj *av = a->u.dict.entries[i].value;
    kyso_obj *bv = kyso_dict_get(b, a->u.dict.entries[i].key);
    if (kyso_changes_same_value(d, av, bv, kind, allowed, what))
      continue;
    if (level > 0 || !resources_grew(d, av, bv, level + 1, kind, allowed))
      return 0;
  }
  kyso_changes_decide(rb, kind, allowed, what, NULL);
  kyso_changes_approve_deps(d, b, kind, allowed, what, NULL);
  return 1;
}

/* The object numbers of the old /Fields, sorted, when every one of them is
 * in the new /Fields exactly once (in any order) and both hold references
 * only; else NULL. The caller frees it. */
static uint32_t *fields_kept(const kyso_obj *ofields, const kyso_obj *nfields,
                             size_t on, size_t nn) {
  uint32_t *onums = NULL, *nnums = NULL;
  size_t i, found = 0;
  int ok = 0;

  if (on == 0 || nn < on)
    goto done;
  onums = malloc(on * sizeof(*onums));
  nnums = malloc(nn * sizeof(*nnums));
  if (!onums || !nnums)
    goto done;
  for (i = 0; i < on; i++)
    if ((onums[i] = kyso_changes_ref_num(ofields->u.array.items[i])) == 0)
      goto done;
  for (i = 0; i < nn; i++)
    if ((nnums[i] = kyso_changes_ref_num(nfields->u.array.items[i])) == 0)
      goto done;
  qsort(onums, on, sizeof(*onums), kyso_changes_cmp_u32);
  qsort(nnums, nn, sizeof(*nnums), kyso_changes_cmp_u32);
  for (i = 1; i < nn; i++)
    if (nnums[i] == nnums[i - 1])
      goto done; /* a field listed twice */
  for (i = 1; i < on; i++)
    if (onums[i] == onums[i - 1])
      goto done;
  for (i = 0; i < on; i++)
    found += kyso_changes_has_u32(nnums, nn, onums[i]);
  ok = found == on;
done:
  free(nnums);
  if (!ok) {
    free(onums);
    onums = NULL;
  }
  return onums;
}

/* A change of the form-wide key (DA, Q or NeedAppearances) from ov to nv
 * that cannot redraw a signed field: /NeedAppearances turned off or
 * removed; a /DA or /Q where the signed form had none (writers add them
 * with their signature's /DR font) while /NeedAppearances stays off. Any
 * other change is refused. */
static int form_setting_harmless(const char *key, const kyso_obj *ov,
                                 const kyso_obj *nv, const kyso_obj *nform) {
  /* anything but a direct false (an indirect value too) counts as on */
  const kyso_obj *need = kyso_dict_get(nform, "NeedAppearances");
  int need_on = need && !(kyso_obj_is(need, KYSO_OBJ_BOOL) && !need->u.boolean);
  if (strcmp(key, "NeedAppearances") == 0)
    return !nv || (kyso_obj_is(nv, KYSO_OBJ_BOOL) && !nv->u.boolean);
  return !ov && !need_on;
}

/* /AcroForm: only /Fields appends of new signature fields, /SigFlags and
 * /DR additions; /DA, /NeedAppearances and /Q stay as signed
 * (form_setting_harmless). */
static void check_acroform(diff *d) {
  static const char *const keys[] = {"Fields",          "SigFlags", "DA", "DR",
                                     "NeedAppearances", "Q",        NULL};
  static const char *const fill_keys[] = {"DA", "NeedAppearances", "Q", NULL};
  kyso_obj *ocat = kyso_changes_get(d, d->old, d->old->trailer, "Root");
  kyso_obj *ncat = kyso_changes_get(d, d->cur, d->cur->trailer, "Root");
  kyso_obj *oform = kyso_changes_get(d, d->old, ocat, "AcroForm");
  kyso_obj *nform_raw = kyso_dict_get(ncat, "AcroForm");
  kyso_obj *nform = kyso_changes_resolve(d, d->cur, nform_raw);
  kyso_obj *ofields = kyso_changes_get(d, d->old, oform, "Fields");
  kyso_obj *nfields_raw = kyso_dict_get(nform, "Fields");
  kyso_obj *nfields = kyso_changes_resolve(d, d->cur, nfields_raw);
  size_t on = kyso_obj_is(ofields, KYSO_OBJ_ARRAY) ? ofields->u.array.count : 0;
  size_t nn = kyso_obj_is(nfields, KYSO_OBJ_ARRAY) ? nfields->u.array.count : 0;
  const char *kind = NULL, *what = "interactive form updated", *name = NULL;
  const char *key;
  int allowed = 1, prefix;
  uint32_t *onums = NULL;
  size_t i;

  if (!kyso_obj_is(nfields, KYSO_OBJ_ARRAY))
    nn = 0;
  if (!nform || !kyso_obj_is(nform, KYSO_OBJ_DICT)) {
    if (oform) {
      allowed = 0;
      what = "interactive form removed";
    }
    goto done;
  }
  key = kyso_changes_dict_diff(kyso_changes_dict_of(oform), nform, keys, 0);
  if (key) {
    allowed = 0;
    kind = "form_changed";
    what = "interactive form entry changed";
    name = key;
  }
  /* The form-wide /DA, /Q and /NeedAppearances decide how a viewer that
   * redraws fields draws every field that inherits them, whatever its
   * value: compared at every permission level (a later update turning
   * /NeedAppearances on with another /DA redraws a signed amount in
   * another font or colour). */
  for (i = 0; oform && fill_keys[i]; i++) {
    const kyso_obj *ov =
        kyso_changes_dict_value(kyso_changes_dict_of(oform), fill_keys[i]);
    const kyso_obj *nv = kyso_changes_dict_value(nform, fill_keys[i]);
    if (!kyso_changes_value_equal(ov, nv, 0) &&
        (d->perm == 1 || !form_setting_harmless(fill_keys[i], ov, nv, nform))) {
      allowed = 0;
      kind = "form_changed";
      what = d->perm != 1     ? "form-wide field appearance settings changed "
                                "(/DA, /Q or /NeedAppearances): viewers may "
                                "redraw signed fields differently"
             : d->perm_locked ? "interactive form changed after a signature "
                                "allowing no changes (lock P=1)"
                              : "interactive form changed in a document "
                                "certified with no changes allowed (DocMDP "
                                "P=1)";
      name = fill_keys[i];
    }
  }
  if (d->fields_removed || nn < on) {
    allowed = 0;
    kind = "form_changed";
    what = "form field removed";
  }
  prefix = 1;
  for (i = 0; i < on && i < nn; i++)
    if (!kyso_changes_value_equal(ofields->u.array.items[i],
                                  nfields->u.array.items[i], 0))
      prefix = 0;
  /* Writers append new fields, or insert them first (DSS's timestamps):
   * the order of /Fields draws nothing, so the old fields may be anywhere
   * in it as long as each is still there once. */
  if (!prefix && !(onums = fields_kept(ofields, nfields, on, nn))) {
    allowed = 0;
    kind = "form_changed";
    what = "form fields removed or reordered";
  }
  for (i = prefix ? on : 0; i < nn && (prefix || onums); i++) {
    kyso_obj *item = nfields->u.array.items[i];
    const new_field *nf;
    if (!prefix && kyso_changes_has_u32(onums, on, kyso_changes_ref_num(item)))
      continue;
    nf = kyso_changes_find_new(d->new_fields, d->new_field_count,
                               kyso_changes_ref_num(item));
    if (!nf) {
      allowed = 0;
      kind = "form_changed";
      what = "field appended to /Fields is not a new field";
      continue;
    }
    if (!nf->allowed) {
      allowed = 0;
      kind = nf->kind;
      what = nf->what;
      name = nf->name;
    } else if (!kind) {
      kind = nf->kind;
      what = "new field registered in /Fields";
    }
  }
  if (!kind)
    kind = "form_field_filled";
  if (d->perm == 1
          ? !kyso_changes_same_value(
                d, kyso_changes_dict_value(kyso_changes_dict_of(oform), "DR"),
                kyso_changes_dict_value(nform, "DR"), kind, allowed,
                "form default resources")
          : !resources_grew(d, kyso_changes_get(d, d->old, oform, "DR"),
                            kyso_dict_get(nform, "DR"), 0, kind, allowed)) {
    allowed = 0;
    kind = "form_changed";
    what = "existing form default resources (/DR) changed";
  }
done:
  if (!kind)
    kind = "form_changed";
  d->form_kind = kind;
  d->form_allowed = allowed;
  d->form_what = what;
  d->form_name = name;
  kyso_changes_decide_num(d, kyso_changes_ref_num(nform_raw), kind, allowed,
                          what, name);
  kyso_changes_decide_num(d, kyso_changes_ref_num(nfields_raw), kind, allowed,
                          what, name);
  free(onums);
}

void kyso_changes_check_forms(diff *d) {
  num_index *by_num = NULL;
  field_info **by_name = NULL;
  uint32_t w[WIDGETS_MAX];
  size_t i, k, n, nn;

  d->forms_ok = collect_fields(d, d->old, &d->old_fields, &d->old_field_count,
                               &d->old_field_cap) &&
                collect_fields(d, d->cur, &d->cur_fields, &d->cur_field_count,
                               &d->cur_field_cap);
  if (!d->forms_ok || d->oom)
    return; /* nothing explained: every form change stays a modification */
  by_num = malloc((d->old_field_count + 1) * sizeof(*by_num));
  by_name = malloc((d->old_field_count + 1) * sizeof(*by_name));
  if (!by_num || !by_name) {
    d->oom = 1;
    goto done;
  }
  for (i = n = nn = 0; i < d->old_field_count; i++) {
    if (!d->old_fields[i].num) {
      by_name[nn++] = &d->old_fields[i];
      continue;
    }
    by_num[n].num = d->old_fields[i].num;
    by_num[n++].index = i;
  }
  qsort(by_num, n, sizeof(*by_num), cmp_num_index);
  qsort(by_name, nn, sizeof(*by_name), cmp_field_name);
  /* Widgets of fields that existed when signed (for the page check). */
  for (i = 0; i < d->old_field_count && !d->oom; i++) {
    size_t nw = field_widgets(d, d->old, &d->old_fields[i], w);
    for (k = 0; k < nw; k++)
      if (!kyso_changes_grow(d, (void **)&d->field_widgets,
                             &d->field_widget_cap, d->field_widget_count,
                             sizeof(uint32_t)))
        d->field_widgets[d->field_widget_count++] = w[k];
  }
  for (i = 0; i < d->cur_field_count && !d->oom; i++) {
    field_info *nf = &d->cur_fields[i];
    field_info *of = match_old(d, by_num, n, by_name, nn, nf);
    if (!of) {
      new_field_added(d, nf);
      continue;
    }
    of->matched = 1;
    existing_field(d, of, nf);
    {
      size_t nw = field_widgets(d, d->cur, nf, w);
      for (k = 0; k < nw; k++)
        if (!kyso_changes_grow(d, (void **)&d->field_widgets,
                               &d->field_widget_cap, d->field_widget_count,
                               sizeof(uint32_t)))
          d->field_widgets[d->field_widget_count++] = w[k];
    }
  }
  for (i = 0; i < d->old_field_count; i++)
    if (!d->old_fields[i].matched)
      d->fields_removed = 1;
  if (d->field_widget_count)
    qsort(d->field_widgets, d->field_widget_count, sizeof(uint32_t),
          kyso_changes_cmp_u32);
  if (d->new_field_count)
    qsort(d->new_fields, d->new_field_count, sizeof(*d->new_fields),
          cmp_new_field);
  if (d->new_widget_count)
    qsort(d->new_widgets, d->new_widget_count, sizeof(*d->new_widgets),
          cmp_new_field);
  if (!d->oom)
    check_acroform(d);
done:
  free(by_num);
  free(by_name);
}
