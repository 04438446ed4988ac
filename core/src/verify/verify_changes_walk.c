/*
 * verify_changes_walk.c - which objects differ between the signed revision
 * and the current document, the walk of the current document from its
 * catalog (roles, reference counts, dangling references), and approving
 * the objects that hang off an explained change (verify_changes.h).
 */
#include <stdlib.h>
#include <string.h>

#include "kyso/limits.h"
#include "verify/verify_changes.h"

/* ---- 1. which objects differ --------------------------------------------- */

static int in_use(const kyso_xref_entry *e) {
  return e && (e->kind == KYSO_XREF_OFFSET || e->kind == KYSO_XREF_COMPRESSED);
}

/* Same xref entry: the same bytes of the signed prefix, so the same object
 * (an object in an object stream also needs the stream unchanged). */
static int same_entry(diff *d, const kyso_xref_entry *o,
                      const kyso_xref_entry *n) {
  const kyso_xref_entry *so, *sn;
  if (o->kind != n->kind || o->offset != n->offset)
    return 0;
  if (n->kind == KYSO_XREF_OFFSET)
    return o->gen == n->gen;
  if (o->index != n->index || n->offset > KYSO_LIMIT_OBJECT_NUMBER)
    return 0;
  so = kyso_xref_get(d->old, n->offset);
  sn = kyso_xref_get(d->cur, n->offset);
  return so && sn && so->kind == KYSO_XREF_OFFSET &&
         sn->kind == KYSO_XREF_OFFSET && so->offset == sn->offset &&
         so->gen == sn->gen;
}

static void diff_one(diff *d, uint32_t n) {
  const kyso_xref_entry *eo = kyso_xref_get(d->old, n);
  const kyso_xref_entry *en = kyso_xref_get(d->cur, n);
  int ou = in_use(eo), nu = in_use(en);
  kyso_obj *a = NULL, *b = NULL;
  kyso_status ra, rb;

  if (!ou && !nu)
    return;
  if (ou && nu && same_entry(d, eo, en))
    return;
  if (!nu) {
    kyso_changes_add_rec(d, n, ST_FREED, 0);
    return;
  }
  rb = kyso_pdf_get_object(d->cur, n, &b, &d->scratch);
  if (!ou) {
    kyso_changes_add_rec(d, n, ST_ADDED,
                         rb != KYSO_OK   ? 1
                         : en->ambiguous ? 2
                                         : 0);
    goto done;
  }
  ra = kyso_pdf_get_object(d->old, n, &a, &d->scratch);
  if (ra == KYSO_ERR_NO_MEMORY)
    d->oom = 1;
  /* An object stored after the signature where readers disagree on
   * which bytes it is (en->ambiguous, set by the load above): what kyso
   * compares may not be what a viewer shows, so it is never "the same". */
  if (ra != KYSO_OK || rb != KYSO_OK || en->ambiguous) {
    kyso_changes_add_rec(d, n, ST_CHANGED,
                         ra != KYSO_OK || rb != KYSO_OK ? 1 : 2);
    goto done;
  }
  if (kyso_obj_is(a, KYSO_OBJ_STREAM) && kyso_obj_is(b, KYSO_OBJ_STREAM)
          ? kyso_changes_stream_equal(d, a, b)
          : kyso_changes_value_equal(a, b, 0))
    goto done;
  kyso_changes_add_rec(d, n, ST_CHANGED, 0);
done:
  if (rb == KYSO_ERR_NO_MEMORY)
    d->oom = 1;
}

static int xref_page_present(const kyso_pdf *pdf, size_t n) {
  size_t page = n / KYSO_XREF_PAGE;
  return page < pdf->xref_page_count && pdf->xref_pages[page];
}

void kyso_changes_diff_objects(diff *d) {
  size_t limit = d->cur->xref_count > d->old->xref_count ? d->cur->xref_count
                                                         : d->old->xref_count;
  size_t n;
  for (n = 1; n < limit && !d->oom && !d->overflow; n++) {
    if (!xref_page_present(d->cur, n) && !xref_page_present(d->old, n)) {
      n = (n / KYSO_XREF_PAGE + 1) * KYSO_XREF_PAGE - 1;
      continue;
    }
    diff_one(d, (uint32_t)n);
  }
}

/* ---- 2. the walk: roles, references, dangling references ----------------- */

static uint8_t role_step(uint8_t role, const char *key) {
  switch (role) {
  case ROLE_CATALOG:
    if (strcmp(key, "Pages") == 0)
      return ROLE_PAGES;
    if (strcmp(key, "AcroForm") == 0)
      return ROLE_ACROFORM;
    if (strcmp(key, "DSS") == 0)
      return ROLE_DSS;
    if (strcmp(key, "Metadata") == 0)
      return ROLE_METADATA;
    if (strcmp(key, "Perms") == 0)
      return ROLE_PERMS;
    return ROLE_CATALOG_OTHER;
  case ROLE_PAGES:
  case ROLE_PAGE:
    if (strcmp(key, "Kids") == 0)
      return ROLE_KIDS;
    if (strcmp(key, "Parent") == 0)
      return ROLE_PAGES;
    if (strcmp(key, "Contents") == 0)
      return ROLE_CONTENT;
    if (strcmp(key, "Resources") == 0)
      return ROLE_RESOURCES;
    if (strcmp(key, "Annots") == 0)
      return ROLE_ANNOTS;
    return role;
  case ROLE_KIDS: return ROLE_PAGES;
  case ROLE_RESOURCES:
    if (strcmp(key, "Font") == 0)
      return ROLE_FONT;
    if (strcmp(key, "XObject") == 0)
      return ROLE_XOBJECT;
    return ROLE_RESOURCE;
  case ROLE_XOBJECT:
  case ROLE_RESOURCE:
  case ROLE_APPEARANCE:
    return strcmp(key, "Resources") == 0 ? ROLE_RESOURCES : role;
  case ROLE_ANNOTS: return ROLE_ANNOT;
  case ROLE_ANNOT:
  case ROLE_FIELD:
    if (strcmp(key, "AP") == 0)
      return ROLE_APPEARANCE;
    if (strcmp(key, "Parent") == 0 || strcmp(key, "Kids") == 0 ||
        strcmp(key, "V") == 0)
      return ROLE_FIELD;
    if (strcmp(key, "P") == 0)
      return ROLE_PAGES;
    if (strcmp(key, "Popup") == 0 || strcmp(key, "IRT") == 0)
      return ROLE_ANNOT;
    return role;
  case ROLE_ACROFORM:
    if (strcmp(key, "Fields") == 0)
      return ROLE_FIELD;
    if (strcmp(key, "DR") == 0)
      return ROLE_RESOURCES;
    return role;
  default: return role;
  }
}

static uint8_t role_array(uint8_t role) {
  if (role == ROLE_ANNOTS)
    return ROLE_ANNOT;
  if (role == ROLE_KIDS)
    return ROLE_PAGES;
  return role;
}

/* What the object itself says it is refines the role it was reached as. */
static uint8_t role_refine(uint8_t role, const kyso_obj *obj) {
  const char *type = kyso_changes_name_of(obj, "Type");
  if (!type)
    return role;
  if ((role == ROLE_PAGES || role == ROLE_PAGE) && strcmp(type, "Page") == 0)
    return ROLE_PAGE;
  if ((role == ROLE_PAGES || role == ROLE_PAGE) && strcmp(type, "Pages") == 0)
    return ROLE_PAGES;
  if ((role == ROLE_FIELD || role == ROLE_ANNOT || role == ROLE_PERMS) &&
      (strcmp(type, "Sig") == 0 || strcmp(type, "DocTimeStamp") == 0))
    return ROLE_SIG_VALUE;
  return role;
}

/* A reference met in the walk. parent_unchanged: the object holding it is
 * the same as when signed. */
static void walk_ref(diff *d, int parent_unchanged, uint32_t num,
                     uint8_t role) {
  change_rec *r = kyso_changes_find_rec(d, num);
  walk_item *it;
  if (num < d->cur->xref_count) {
    if (d->refcount[num] < UINT32_MAX)
      d->refcount[num]++;
    if (role != ROLE_ANNOT && role != ROLE_FIELD && role != ROLE_ACROFORM &&
        d->foreign_refs[num] < UINT32_MAX)
      d->foreign_refs[num]++;
  }
  if (r) {
    if (r->refs < UINT32_MAX)
      r->refs++;
    if (parent_unchanged && !r->from_old &&
        (r->state == ST_ADDED || r->state == ST_FREED)) {
      r->from_old = 1;
      r->old_role = role;
    }
  }
  if (num >= d->cur->xref_count || kyso_bits_test_and_set(d->visited, num))
    return;
  if (r)
    r->role = role;
  if (kyso_changes_grow(d, (void **)&d->stack, &d->stack_cap, d->depth,
                        sizeof(*it)))
    return;
  it = &d->stack[d->depth++];
  it->num = num;
  it->role = role;
}

static void walk_scan(diff *d, const kyso_obj *v, uint8_t role, int unchanged,
                      int level) {
  size_t i;
  if (!v || level > KYSO_LIMIT_OBJECT_DEPTH || d->oom)
    return;
  switch (v->type) {
  case KYSO_OBJ_REF: walk_ref(d, unchanged, v->u.ref.num, role); break;
  case KYSO_OBJ_ARRAY:
    for (i = 0; i < v->u.array.count; i++)
      walk_scan(d, v->u.array.items[i], role_array(role), unchanged, level + 1);
    break;
  case KYSO_OBJ_DICT:
    for (i = 0; i < v->u.dict.count; i++)
      walk_scan(d, v->u.dict.entries[i].value,
                role_step(role, v->u.dict.entries[i].key), unchanged,
                level + 1);
    break;
  case KYSO_OBJ_STREAM:
    walk_scan(d, v->u.stream.dict, role, unchanged, level);
    break;
  default: break;
  }
}

static void walk_drain(diff *d) {
  while (d->depth > 0 && !d->oom) {
    walk_item it = d->stack[--d->depth];
    change_rec *r = kyso_changes_find_rec(d, it.num);
    kyso_obj *obj = kyso_changes_object(d, d->cur, it.num);
    uint8_t role;
    if (!obj) {
      d->walk_complete = 0;
      if (r)
        r->broken = 1;
      continue;
    }
    role = role_refine(it.role, obj);
    if (r)
      r->role = role;
    walk_scan(d, obj, role, r == NULL, 0);
  }
}

/* Walks cur from the trailer: the page tree, the form, the rest of the
 * catalog, /Info, /Metadata, /DSS; the first role an object is reached
 * with is its role. */
void kyso_changes_walk_document(diff *d) {
  static const char *const late[] = {"Pages", "AcroForm", "DSS", "Metadata",
                                     NULL};
  kyso_obj *root_ref = kyso_dict_get(d->cur->trailer, "Root");
  kyso_obj *cat = kyso_changes_resolve(d, d->cur, root_ref);
  uint32_t root = kyso_changes_ref_num(root_ref);
  change_rec *rc = kyso_changes_find_rec(d, root);
  int unchanged = rc == NULL, phase;
  size_t i;

  d->walk_complete = 1;
  d->visited = kyso_bits_new(d->cur);
  d->refcount = calloc(d->cur->xref_count + 1, sizeof(*d->refcount));
  d->foreign_refs = calloc(d->cur->xref_count + 1, sizeof(*d->foreign_refs));
  if (!d->visited || !d->refcount || !d->foreign_refs) {
    d->oom = 1;
    return;
  }
  if (!kyso_obj_is(cat, KYSO_OBJ_DICT)) {
    d->walk_complete = 0;
    return;
  }
  if (root < d->cur->xref_count)
    kyso_bits_test_and_set(d->visited, root);
  if (rc) {
    rc->role = ROLE_CATALOG;
    rc->refs++;
  }
  for (phase = 0; phase < 6 && !d->oom; phase++) {
    switch (phase) {
    case 0:
    case 1: {
      const char *key = phase == 0 ? "Pages" : "AcroForm";
      walk_scan(d, kyso_dict_get(cat, key), role_step(ROLE_CATALOG, key),
                unchanged, 1);
      break;
    }
    case 2:
      for (i = 0; i < cat->u.dict.count; i++)
        if (!kyso_changes_in_list(late, cat->u.dict.entries[i].key))
          walk_scan(d, cat->u.dict.entries[i].value,
                    role_step(ROLE_CATALOG, cat->u.dict.entries[i].key),
                    unchanged, 1);
      break;
    case 3:
      /* The trailer is rewritten by every revision: not "unchanged". */
      walk_scan(d, kyso_dict_get(d->cur->trailer, "Info"), ROLE_INFO, 0, 1);
      break;
    case 4:
      walk_scan(d, kyso_dict_get(cat, "Metadata"), ROLE_METADATA, unchanged, 1);
      break;
    default:
      walk_scan(d, kyso_dict_get(cat, "DSS"), ROLE_DSS, unchanged, 1);
      break;
    }
    walk_drain(d);
  }
}

/* ---- approving what hangs off an explained change ------------------------ */

typedef struct deps {
  const char *kind, *what, *name;
  int allowed;
} deps;

static void deps_scan(diff *d, const kyso_obj *v, const deps *p, int level) {
  size_t i;
  if (!v || level > KYSO_LIMIT_OBJECT_DEPTH)
    return;
  switch (v->type) {
  case KYSO_OBJ_REF: {
    change_rec *r = kyso_changes_find_rec(d, v->u.ref.num);
    size_t idx;
    if (!r || r->state != ST_ADDED || r->broken)
      return;
    idx = (size_t)(r - d->recs);
    if (kyso_bits_test_and_set(d->deps_seen, (uint32_t)idx))
      return;
    kyso_changes_decide(r, p->kind, p->allowed, p->what, p->name);
    d->deps_queue[d->deps_len++] = idx;
    break;
  }
  case KYSO_OBJ_ARRAY:
    for (i = 0; i < v->u.array.count; i++)
      deps_scan(d, v->u.array.items[i], p, level + 1);
    break;
  case KYSO_OBJ_DICT:
    for (i = 0; i < v->u.dict.count; i++) {
      const char *key = v->u.dict.entries[i].key;
      if (strcmp(key, "P") == 0 || strcmp(key, "Parent") == 0 ||
          strcmp(key, "IRT") == 0)
        continue;
      deps_scan(d, v->u.dict.entries[i].value, p, level + 1);
    }
    break;
  case KYSO_OBJ_STREAM: deps_scan(d, v->u.stream.dict, p, level); break;
  default: break;
  }
}

/* Approves every added object reachable from value through added objects
 * (what a new appearance, value or annotation brought along). /P, /Parent
 * and /IRT point back at the page or the form, which are judged on their
 * own. */
void kyso_changes_approve_deps(diff *d, const kyso_obj *value, const char *kind,
                               int allowed, const char *what,
                               const char *name) {
  deps p;
  size_t head;
  if (!value || d->count == 0 || d->oom)
    return;
  /* One queue and one bit set for all calls (each record enters a queue
   * at most once per call); only the bits set are cleared afterwards. */
  if (!d->deps_seen) {
    d->deps_seen = calloc(d->count / 8 + 1, 1);
    d->deps_queue = malloc(d->count * sizeof(*d->deps_queue));
    if (!d->deps_seen || !d->deps_queue) {
      d->oom = 1;
      return;
    }
  }
  p.kind = kind;
  p.what = what;
  p.name = name;
  p.allowed = allowed;
  d->deps_len = 0;
  deps_scan(d, value, &p, 0);
  for (head = 0; head < d->deps_len; head++)
    deps_scan(d,
              kyso_changes_object(d, d->cur, d->recs[d->deps_queue[head]].num),
              &p, 0);
  for (head = 0; head < d->deps_len; head++) {
    size_t idx = d->deps_queue[head];
    d->deps_seen[idx / 8] &= (uint8_t) ~(1u << (idx % 8));
  }
}

/* Is object num (0: a direct object) reached from one place only? The
 * walk counted every reference in cur; an incomplete walk proves nothing. */
static int sole_ref(const diff *d, uint32_t num) {
  if (!num)
    return 1;
  return d->walk_complete && num < d->cur->xref_count && d->refcount[num] <= 1;
}

/* A field or widget (0: direct) reached only as an annotation and from the
 * form tree: nothing else in the document refers to it. */
static int holder_private(const diff *d, uint32_t num) {
  if (!num)
    return 1;
  return d->walk_complete && num < d->cur->xref_count &&
         d->foreign_refs[num] == 0;
}

/* An existing object changed in place (an appearance stream redrawn, an
 * appearance dictionary rewritten) is explained only when no object on the
 * path from the field to it (the field or widget, /AP, /N, the stream) is
 * reached from anywhere else (pyHanko's rule): a stream or an appearance
 * dictionary shared with page content or with another annotation (a
 * Stamp) would change what the page shows. path_ok: the objects above it
 * on the path are private. */
static void approve_in_place(diff *d, const kyso_obj *raw, int path_ok,
                             const char *kind, int allowed, const char *what,
                             const char *name) {
  change_rec *r = kyso_changes_find_rec(d, kyso_changes_ref_num(raw));
  if (!r || r->state != ST_CHANGED || r->broken || !path_ok ||
      !sole_ref(d, r->num))
    return;
  kyso_changes_decide(r, kind, allowed, what, name);
  kyso_changes_approve_deps(d, kyso_changes_object(d, d->cur, r->num), kind,
                            allowed, what, name);
}

/* /V and /AP of a field or widget (dict in cur, object holder, 0 when
 * direct): new objects they reach, and the value object and appearance
 * streams changed in place. */
void kyso_changes_approve_value_and_appearance(diff *d, const kyso_obj *dict,
                                               uint32_t holder,
                                               const char *kind, int allowed,
                                               const char *what,
                                               const char *name) {
  static const char *const states[] = {"N", "R", "D"};
  kyso_obj *v = kyso_dict_get(dict, "V"), *ap_raw = kyso_dict_get(dict, "AP");
  kyso_obj *ap;
  int holder_ok = holder_private(d, holder), ap_ok;
  size_t i, k;

  kyso_changes_approve_deps(d, v, kind, allowed, what, name);
  approve_in_place(d, v, holder_ok, kind, allowed, what, name);
  kyso_changes_approve_deps(d, ap_raw, kind, allowed, what, name);
  approve_in_place(d, ap_raw, holder_ok, kind, allowed, what, name);
  ap_ok = holder_ok && sole_ref(d, kyso_changes_ref_num(ap_raw));
  ap = kyso_changes_resolve(d, d->cur, ap_raw);
  if (!kyso_obj_is(ap, KYSO_OBJ_DICT))
    return;
  for (i = 0; i < 3; i++) {
    kyso_obj *x = kyso_dict_get(ap, states[i]), *xr;
    int x_ok = ap_ok && sole_ref(d, kyso_changes_ref_num(x));
    approve_in_place(d, x, ap_ok, kind, allowed, what, name);
    xr = kyso_changes_resolve(d, d->cur, x);
    if (!kyso_obj_is(xr, KYSO_OBJ_DICT))
      continue;
    /* An appearance state dictionary (12.5.5): /On, /Off... */
    for (k = 0; k < xr->u.dict.count; k++)
      approve_in_place(d, xr->u.dict.entries[k].value, x_ok, kind, allowed,
                       what, name);
  }
}
