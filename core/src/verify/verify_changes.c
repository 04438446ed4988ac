/*
 * verify_changes.c - what the revisions after a signature changed
 * (KYSO_CHECK_CHANGES).
 *
 * The document as it was signed is the file prefix up to the end of the
 * signed revision, opened on its own ("old"); ctx->pdf is the document a
 * viewer shows now ("cur"). Every object number whose value differs
 * between the two is a change. As in pyHanko's diff policy, a change is a
 * modification unless a rule below explains it:
 *
 *  - a new signature or document timestamp: its field, widgets, appearance
 *    and /V dictionary, and the /AcroForm /Fields and page /Annots appends
 *    that register it (ISO 32000-1 12.8). DocMDP (12.8.2.2): at P=1 only
 *    an invisible document timestamp; on a certified document below P=3
 *    no visible new signature field ("sneaky signature", Rohlmann et al.,
 *    IEEE S&P 2021; pyHanko's default too);
 *  - /DSS and what only it reaches (ETSI EN 319 142-1 5.4.2); /Info and
 *    /Metadata, which viewers do not render (pyHanko DocInfoRule and
 *    MetadataUpdateRule: iText-based signers rewrite both on every save);
 *  - filling an existing form field (a new /V with its /AP, /AS...) or
 *    signing an existing empty signature field, unless P=1 or this
 *    signature locked the field (FieldMDP, 12.8.2.4). Without DocMDP a fill
 *    must be covered by a later signature: the clerk stamping the document
 *    number and sealing after the leader signed (issue 7), not a field
 *    quietly rewritten (shadow attack "replace"). A new appearance for an
 *    unchanged value is refused too, and so is an appearance stream
 *    redrawn in place when anything on the path from the field to it (the
 *    widget, /AP, /N, the stream) is also reached from elsewhere;
 *  - PDF 2.0 locks (ISO 32000-2 12.7.5.5, 12.8.2.4): this signature's
 *    field /Lock and its FieldMDP /P act as DocMDP's P after it (1: no
 *    change, not even a signature); /Action and /Fields lock fields;
 *  - comment annotations (Text, Highlight...) at P=3 only. Types that paint
 *    over content (FreeText, Stamp, Redact, shapes...) never ("evil
 *    annotation", same paper).
 *
 * Names come from one walk of the current document from its catalog: the
 * page tree first, then the form, the rest of the catalog, /Info,
 * /Metadata and /DSS last, so an object reachable from page content is
 * named and judged as content. A reference from an unchanged object to an
 * object only a later revision defines (a dangling reference at signing
 * time) brings content in without changing anything signed: such an object
 * is never explained away. Bytes after the last revision and object
 * definitions no cross-reference section points at (Incremental Saving
 * Attack variants) are reported too. Objects the current document no
 * longer reaches at all are listed as allowed (a conforming reader never
 * draws them); xref and object streams are file structure, not changes.
 * A later revision that cannot be read is a modification, never a failed
 * call.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kyso/limits.h"
#include "pdf/pdf_form.h"
#include "pdf/pdf_text.h"
#include "verify/verify_internal.h"

enum {
  CHANGES_MAX = 100000,        /* changed objects tracked per signature */
  CHANGES_REPORTED_MAX = 1000, /* changes listed in the report */
  EXTRAS_MAX = 1000,           /* findings not tied to a changed object */
  DICT_LOOKUP_MAX = 256,       /* bigger dictionaries compare key by position */
  WIDGETS_MAX = 256,           /* widgets of one field taken into account */
  /* Later revisions searched for unlisted objects (each is reopened on its
   * own, so the cost grows with the square of the revision count). */
  SCAN_REVISIONS_MAX = 64,
  DETAIL_MAX = 160
};
/* Decoded size up to which two differently encoded streams are compared. */
#define CHANGES_DECODE_LIMIT ((size_t)16 * 1024 * 1024)

/* Why a signature after this one is refused at P=1. */
#define P1_DOCMDP_SIGNED                                                       \
  "signature added to a document certified with no changes allowed "           \
  "(DocMDP P=1)"
#define P1_LOCK_SIGNED                                                         \
  "signature added after a signature allowing no changes (lock P=1)"

/* ---- model --------------------------------------------------------------- */

enum { ST_ADDED = 1, ST_CHANGED, ST_FREED };

/* What an object is to the document, from the walk. */
enum {
  ROLE_NONE = 0, /* not reached from the catalog or /Info */
  ROLE_CATALOG,
  ROLE_PAGES, /* page tree node (refined to PAGE by /Type) */
  ROLE_PAGE,
  ROLE_KIDS, /* a /Kids array */
  ROLE_CONTENT,
  ROLE_RESOURCES,
  ROLE_FONT,
  ROLE_XOBJECT,
  ROLE_RESOURCE, /* other resources: ExtGState, ColorSpace, Pattern... */
  ROLE_ANNOTS,
  ROLE_ANNOT,
  ROLE_APPEARANCE,
  ROLE_ACROFORM,
  ROLE_FIELD,
  ROLE_SIG_VALUE,
  ROLE_CATALOG_OTHER,
  ROLE_PERMS,
  ROLE_INFO,
  ROLE_METADATA,
  ROLE_DSS
};

typedef struct change_rec {
  uint32_t num;
  uint8_t state;    /* ST_* */
  uint8_t role;     /* ROLE_*, from the walk of cur */
  uint8_t broken;   /* cannot be read in one of the two documents */
  uint8_t from_old; /* referenced by an unchanged object */
  uint8_t old_role; /* the role that reference gave it */
  uint8_t decided;  /* a rule explained (or refused) it */
  uint8_t allowed;
  uint8_t hidden; /* file structure (xref or object stream), not content */
  uint32_t refs;  /* references to it met in the walk */
  const char *kind;
  const char *what; /* static English */
  const char *name; /* field name, key or subtype (borrowed), or NULL */
} change_rec;

/* A finding that is not one changed object: appended bytes, pages. */
typedef struct change_extra {
  uint32_t object;
  const char *kind;
  char detail[DETAIL_MAX];
} change_extra;

typedef struct field_info {
  uint32_t num; /* 0 when the field is a direct object */
  const char *name;
  const char *type;
  kyso_obj *dict;
  int matched; /* old: a cur field matches it */
} field_info;

/* A field new in cur: what was decided for it and its widgets. */
typedef struct new_field {
  uint32_t num; /* field or widget object number */
  const char *kind;
  int allowed;
  const char *what; /* why, when refused */
  const char *name; /* field name */
} new_field;

typedef struct walk_item {
  uint32_t num;
  uint8_t role;
} walk_item;

typedef struct diff {
  kyso_verify_ctx *ctx;
  kyso_sig_state *st;
  kyso_pdf *old, *cur;
  kyso_error scratch; /* document errors: report data, not call errors */
  int oom;
  int perm;        /* DocMDP P in force at the signed revision, 0 if none */
  int perm_locked; /* perm comes from this signature's lock, not DocMDP */
  kyso_obj *lock;  /* /Lock of this signature's field (in old), or NULL */

  change_rec *recs; /* sorted by object number */
  size_t count, cap;
  int overflow; /* more than CHANGES_MAX changed objects */
  change_extra *extras;
  size_t extra_count, extra_cap, extra_dropped;

  uint8_t *visited;
  /* References met in the walk, per object number of cur (saturating):
   * how many places in the document reach each object. */
  uint32_t *refcount;
  /* ... of them, references that are not an /Annots entry nor part of the
   * form tree (/Fields, /Kids): for widgets and fields. */
  uint32_t *foreign_refs;
  walk_item *stack;
  size_t depth, stack_cap;
  int walk_complete;  /* every reachable object was read */
  uint8_t *deps_seen; /* approve_deps: records queued, by index */
  size_t *deps_queue, deps_len;

  int forms_ok; /* both form walks succeeded */
  field_info *old_fields, *cur_fields;
  size_t old_field_count, old_field_cap, cur_field_count, cur_field_cap;
  new_field *new_fields, *new_widgets;
  size_t new_field_count, new_field_cap, new_widget_count, new_widget_cap;
  uint32_t *field_widgets; /* widgets of existing fields, sorted */
  size_t field_widget_count, field_widget_cap;
  int fields_removed;
  const char *form_kind; /* what the /AcroForm change was, if allowed */
  int form_allowed;
  const char *form_what, *form_name;
  int pages_added, pages_removed;
  long long last_signing_rev; /* newest revision adding a signature, -1 */
} diff;

/* ---- small helpers ------------------------------------------------------- */

static int grow(diff *d, void **items, size_t *cap, size_t count, size_t size) {
  size_t ncap;
  void *p;
  if (count < *cap)
    return 0;
  ncap = *cap ? *cap * 2 : 16;
  p = ncap < ((size_t)-1) / size ? realloc(*items, ncap * size) : NULL;
  if (!p) {
    d->oom = 1;
    return -1;
  }
  *items = p;
  *cap = ncap;
  return 0;
}

/* obj with references followed in pdf; NULL when it cannot be read. */
static kyso_obj *res(diff *d, kyso_pdf *pdf, kyso_obj *obj) {
  kyso_obj *out = NULL;
  kyso_status ret = kyso_pdf_resolve(pdf, obj, &out, &d->scratch);
  if (ret == KYSO_ERR_NO_MEMORY)
    d->oom = 1;
  return ret == KYSO_OK ? out : NULL;
}

static kyso_obj *get(diff *d, kyso_pdf *pdf, const kyso_obj *dict,
                     const char *key) {
  return res(d, pdf, kyso_dict_get(dict, key));
}

static kyso_obj *object(diff *d, kyso_pdf *pdf, uint32_t num) {
  kyso_obj *out = NULL;
  kyso_status ret = kyso_pdf_get_object(pdf, num, &out, &d->scratch);
  if (ret == KYSO_ERR_NO_MEMORY)
    d->oom = 1;
  return ret == KYSO_OK ? out : NULL;
}

static uint32_t ref_num(const kyso_obj *o) {
  return kyso_obj_is(o, KYSO_OBJ_REF) ? o->u.ref.num : 0;
}

/* The dictionary of a dict or stream, else NULL. */
static const kyso_obj *dict_of(const kyso_obj *o) {
  if (kyso_obj_is(o, KYSO_OBJ_STREAM))
    return o->u.stream.dict;
  return kyso_obj_is(o, KYSO_OBJ_DICT) ? o : NULL;
}

static const char *name_of(const kyso_obj *dict, const char *key) {
  const kyso_obj *v = kyso_dict_get(dict_of(dict), key);
  return kyso_obj_is(v, KYSO_OBJ_NAME) ? v->u.name : NULL;
}

static int in_list(const char *const *list, const char *s) {
  size_t i;
  for (i = 0; list && list[i]; i++)
    if (strcmp(list[i], s) == 0)
      return 1;
  return 0;
}

static int in_use(const kyso_xref_entry *e) {
  return e && (e->kind == KYSO_XREF_OFFSET || e->kind == KYSO_XREF_COMPRESSED);
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

static int has_u32(const uint32_t *set, size_t n, uint32_t v) {
  return n && bsearch(&v, set, n, sizeof(*set), cmp_u32) != NULL;
}

/* ---- comparing values ---------------------------------------------------- */

static const char *dict_diff(const kyso_obj *a, const kyso_obj *b,
                             const char *const *skip, int depth);

/* Structural equality; references are equal when they name the same
 * object (each object number is compared on its own). */
static int value_equal(const kyso_obj *a, const kyso_obj *b, int depth) {
  size_t i;
  if (a == b)
    return 1;
  if (!a || !b || depth > KYSO_LIMIT_OBJECT_DEPTH)
    return 0;
  if (kyso_obj_is_number(a) && kyso_obj_is_number(b)) {
    if (a->type == KYSO_OBJ_INT && b->type == KYSO_OBJ_INT)
      return a->u.integer == b->u.integer;
    return !(kyso_obj_number(a) < kyso_obj_number(b)) &&
           !(kyso_obj_number(a) > kyso_obj_number(b));
  }
  if (a->type != b->type)
    return 0;
  switch (a->type) {
  case KYSO_OBJ_NULL: return 1;
  case KYSO_OBJ_BOOL: return !a->u.boolean == !b->u.boolean;
  case KYSO_OBJ_STRING:
    return a->u.string.len == b->u.string.len &&
           (a->u.string.len == 0 ||
            memcmp(a->u.string.data, b->u.string.data, a->u.string.len) == 0);
  case KYSO_OBJ_NAME: return strcmp(a->u.name, b->u.name) == 0;
  case KYSO_OBJ_ARRAY:
    if (a->u.array.count != b->u.array.count)
      return 0;
    for (i = 0; i < a->u.array.count; i++)
      if (!value_equal(a->u.array.items[i], b->u.array.items[i], depth + 1))
        return 0;
    return 1;
  case KYSO_OBJ_DICT: return dict_diff(a, b, NULL, depth) == NULL;
  case KYSO_OBJ_REF:
    return a->u.ref.num == b->u.ref.num && a->u.ref.gen == b->u.ref.gen;
  case KYSO_OBJ_STREAM:
    return a->u.stream.len == b->u.stream.len &&
           (a->u.stream.len == 0 ||
            memcmp(a->u.stream.data, b->u.stream.data, a->u.stream.len) == 0) &&
           dict_diff(a->u.stream.dict, b->u.stream.dict, NULL, depth) == NULL;
  default: return 0;
  }
}

static size_t dict_count(const kyso_obj *d) {
  return kyso_obj_is(d, KYSO_OBJ_DICT) ? d->u.dict.count : 0;
}

/* A null value is the same as no entry (7.3.7). */
static const kyso_obj *dict_value(const kyso_obj *d, const char *key) {
  const kyso_obj *v =
      kyso_obj_is(d, KYSO_OBJ_DICT) ? kyso_dict_get(d, key) : NULL;
  return kyso_obj_is(v, KYSO_OBJ_NULL) ? NULL : v;
}

/* The first key not in skip whose value differs between dictionaries a and
 * b (NULL: no entries), or NULL when they agree. Very large dictionaries
 * are compared entry by entry in order, which only errs towards "changed". */
static const char *dict_diff(const kyso_obj *a, const kyso_obj *b,
                             const char *const *skip, int depth) {
  size_t na = dict_count(a), nb = dict_count(b), i;
  if (depth > KYSO_LIMIT_OBJECT_DEPTH)
    return "(too deep)";
  if (na > DICT_LOOKUP_MAX || nb > DICT_LOOKUP_MAX) {
    if (na != nb)
      return "(entries)";
    for (i = 0; i < na; i++) {
      const kyso_dict_entry *x = &a->u.dict.entries[i];
      const kyso_dict_entry *y = &b->u.dict.entries[i];
      if (strcmp(x->key, y->key) != 0)
        return x->key;
      if (!in_list(skip, x->key) && !value_equal(x->value, y->value, depth + 1))
        return x->key;
    }
    return NULL;
  }
  for (i = 0; i < na; i++) {
    const kyso_dict_entry *e = &a->u.dict.entries[i];
    const kyso_obj *v;
    if (in_list(skip, e->key) || kyso_obj_is(e->value, KYSO_OBJ_NULL))
      continue;
    v = dict_value(b, e->key);
    if (!v || !value_equal(e->value, v, depth + 1))
      return e->key;
  }
  for (i = 0; i < nb; i++) {
    const kyso_dict_entry *e = &b->u.dict.entries[i];
    if (in_list(skip, e->key) || kyso_obj_is(e->value, KYSO_OBJ_NULL))
      continue;
    if (!dict_value(a, e->key))
      return e->key;
  }
  return NULL;
}

/* Streams are the same when their dictionaries and bytes are, or when
 * only the encoding differs and the decoded bytes agree. */
static int stream_equal(diff *d, const kyso_obj *a, const kyso_obj *b) {
  static const char *const encoding[] = {"Length", "Filter", "DecodeParms",
                                         "DL", NULL};
  kyso_buf x, y;
  kyso_status rx, ry;
  int same;

  if (value_equal(a, b, 0))
    return 1;
  if (dict_diff(a->u.stream.dict, b->u.stream.dict, encoding, 0))
    return 0;
  kyso_buf_init(&x);
  kyso_buf_init(&y);
  rx = kyso_pdf_stream_decode(d->old, a, CHANGES_DECODE_LIMIT, &x, &d->scratch);
  ry = kyso_pdf_stream_decode(d->cur, b, CHANGES_DECODE_LIMIT, &y, &d->scratch);
  if (rx == KYSO_ERR_NO_MEMORY || ry == KYSO_ERR_NO_MEMORY)
    d->oom = 1;
  same = rx == KYSO_OK && ry == KYSO_OK && x.len == y.len &&
         (x.len == 0 || memcmp(x.data, y.data, x.len) == 0);
  kyso_buf_free(&x);
  kyso_buf_free(&y);
  return same;
}

/* ---- records ------------------------------------------------------------- */

static change_rec *find_rec(diff *d, uint32_t num) {
  size_t lo = 0, hi = d->count;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (d->recs[mid].num == num)
      return &d->recs[mid];
    if (d->recs[mid].num < num)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

static void add_rec(diff *d, uint32_t num, int state, int broken) {
  change_rec *r;
  if (d->count >= CHANGES_MAX) {
    d->overflow = 1;
    return;
  }
  if (grow(d, (void **)&d->recs, &d->cap, d->count, sizeof(*r)))
    return;
  r = &d->recs[d->count++];
  memset(r, 0, sizeof(*r));
  r->num = num;
  r->state = (uint8_t)state;
  r->broken = (uint8_t)broken;
}

/* Records what a rule found. A refusal sticks: a later approval does not
 * undo it, and a refusal replaces an earlier approval. */
static void decide(change_rec *r, const char *kind, int allowed,
                   const char *what, const char *name) {
  if (!r || (r->decided && (!r->allowed || allowed)))
    return;
  r->decided = 1;
  r->kind = kind;
  r->allowed = (uint8_t)(allowed != 0);
  r->what = what;
  r->name = name;
}

static void decide_num(diff *d, uint32_t num, const char *kind, int allowed,
                       const char *what, const char *name) {
  if (num)
    decide(find_rec(d, num), kind, allowed, what, name);
}

static void add_extra(diff *d, uint32_t object, const char *kind,
                      const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static void add_extra(diff *d, uint32_t object, const char *kind,
                      const char *format, ...) {
  change_extra *e;
  va_list ap;
  if (d->extra_count >= EXTRAS_MAX) {
    d->extra_dropped++;
    return;
  }
  if (grow(d, (void **)&d->extras, &d->extra_cap, d->extra_count, sizeof(*e)))
    return;
  e = &d->extras[d->extra_count++];
  e->object = object;
  e->kind = kind;
  va_start(ap, format);
  vsnprintf(e->detail, sizeof(e->detail), format, ap);
  va_end(ap);
}

/* ---- 1. which objects differ --------------------------------------------- */

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
    add_rec(d, n, ST_FREED, 0);
    return;
  }
  rb = kyso_pdf_get_object(d->cur, n, &b, &d->scratch);
  if (!ou) {
    add_rec(d, n, ST_ADDED, rb != KYSO_OK);
    goto done;
  }
  ra = kyso_pdf_get_object(d->old, n, &a, &d->scratch);
  if (ra == KYSO_ERR_NO_MEMORY)
    d->oom = 1;
  if (ra != KYSO_OK || rb != KYSO_OK) {
    add_rec(d, n, ST_CHANGED, 1);
    goto done;
  }
  if (kyso_obj_is(a, KYSO_OBJ_STREAM) && kyso_obj_is(b, KYSO_OBJ_STREAM)
          ? stream_equal(d, a, b)
          : value_equal(a, b, 0))
    goto done;
  add_rec(d, n, ST_CHANGED, 0);
done:
  if (rb == KYSO_ERR_NO_MEMORY)
    d->oom = 1;
}

static int xref_page_present(const kyso_pdf *pdf, size_t n) {
  size_t page = n / KYSO_XREF_PAGE;
  return page < pdf->xref_page_count && pdf->xref_pages[page];
}

static void diff_objects(diff *d) {
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
  const char *type = name_of(obj, "Type");
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
  change_rec *r = find_rec(d, num);
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
  if (grow(d, (void **)&d->stack, &d->stack_cap, d->depth, sizeof(*it)))
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
    change_rec *r = find_rec(d, it.num);
    kyso_obj *obj = object(d, d->cur, it.num);
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
static void walk_document(diff *d) {
  static const char *const late[] = {"Pages", "AcroForm", "DSS", "Metadata",
                                     NULL};
  kyso_obj *root_ref = kyso_dict_get(d->cur->trailer, "Root");
  kyso_obj *cat = res(d, d->cur, root_ref);
  uint32_t root = ref_num(root_ref);
  change_rec *rc = find_rec(d, root);
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
        if (!in_list(late, cat->u.dict.entries[i].key))
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
    change_rec *r = find_rec(d, v->u.ref.num);
    size_t idx;
    if (!r || r->state != ST_ADDED || r->broken)
      return;
    idx = (size_t)(r - d->recs);
    if (kyso_bits_test_and_set(d->deps_seen, (uint32_t)idx))
      return;
    decide(r, p->kind, p->allowed, p->what, p->name);
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
static void approve_deps(diff *d, const kyso_obj *value, const char *kind,
                         int allowed, const char *what, const char *name) {
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
    deps_scan(d, object(d, d->cur, d->recs[d->deps_queue[head]].num), &p, 0);
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
  change_rec *r = find_rec(d, ref_num(raw));
  if (!r || r->state != ST_CHANGED || r->broken || !path_ok ||
      !sole_ref(d, r->num))
    return;
  decide(r, kind, allowed, what, name);
  approve_deps(d, object(d, d->cur, r->num), kind, allowed, what, name);
}

/* /V and /AP of a field or widget (dict in cur, object holder, 0 when
 * direct): new objects they reach, and the value object and appearance
 * streams changed in place. */
static void approve_value_and_appearance(diff *d, const kyso_obj *dict,
                                         uint32_t holder, const char *kind,
                                         int allowed, const char *what,
                                         const char *name) {
  static const char *const states[] = {"N", "R", "D"};
  kyso_obj *v = kyso_dict_get(dict, "V"), *ap_raw = kyso_dict_get(dict, "AP");
  kyso_obj *ap;
  int holder_ok = holder_private(d, holder), ap_ok;
  size_t i, k;

  approve_deps(d, v, kind, allowed, what, name);
  approve_in_place(d, v, holder_ok, kind, allowed, what, name);
  approve_deps(d, ap_raw, kind, allowed, what, name);
  approve_in_place(d, ap_raw, holder_ok, kind, allowed, what, name);
  ap_ok = holder_ok && sole_ref(d, ref_num(ap_raw));
  ap = res(d, d->cur, ap_raw);
  if (!kyso_obj_is(ap, KYSO_OBJ_DICT))
    return;
  for (i = 0; i < 3; i++) {
    kyso_obj *x = kyso_dict_get(ap, states[i]), *xr;
    int x_ok = ap_ok && sole_ref(d, ref_num(x));
    approve_in_place(d, x, ap_ok, kind, allowed, what, name);
    xr = res(d, d->cur, x);
    if (!kyso_obj_is(xr, KYSO_OBJ_DICT))
      continue;
    /* An appearance state dictionary (12.5.5): /On, /Off... */
    for (k = 0; k < xr->u.dict.count; k++)
      approve_in_place(d, xr->u.dict.entries[k].value, x_ok, kind, allowed,
                       what, name);
  }
}

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
  if (grow(l->d, (void **)l->items, l->cap, *l->count, sizeof(*fi)))
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

/* Widget annotations of a field: its kids without /T, or the field itself
 * when it has no kids (merged field and widget, 12.7.3.1). */
static size_t field_widgets(diff *d, kyso_pdf *pdf, const field_info *f,
                            uint32_t out[WIDGETS_MAX]) {
  kyso_obj *kids = get(d, pdf, f->dict, "Kids");
  size_t i, n = 0;
  if (!kyso_obj_is(kids, KYSO_OBJ_ARRAY)) {
    if (f->num)
      out[n++] = f->num;
    return n;
  }
  for (i = 0; i < kids->u.array.count && n < WIDGETS_MAX; i++) {
    kyso_obj *k = kids->u.array.items[i];
    kyso_obj *kd = res(d, pdf, k);
    if (kyso_obj_is(k, KYSO_OBJ_REF) && kyso_obj_is(kd, KYSO_OBJ_DICT) &&
        !kyso_dict_get(kd, "T"))
      out[n++] = k->u.ref.num;
  }
  return n;
}

static int rect_visible(diff *d, kyso_pdf *pdf, const kyso_obj *annot) {
  kyso_obj *r = get(d, pdf, annot, "Rect");
  double v[4];
  size_t i;
  if (!kyso_obj_is(r, KYSO_OBJ_ARRAY) || r->u.array.count != 4)
    return 0;
  for (i = 0; i < 4; i++) {
    kyso_obj *x = res(d, pdf, r->u.array.items[i]);
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
    if (rect_visible(d, pdf, object(d, pdf, w[i])))
      return 1;
  return 0;
}

/* Does a FieldMDP transform's parameters or a field lock dictionary
 * (/Action, /Fields) cover field `name`? pdf resolves its values. */
static int lock_covers(diff *d, kyso_pdf *pdf, const kyso_obj *p,
                       const char *name) {
  const char *action = name_of(p, "Action");
  kyso_obj *fields = get(d, pdf, p, "Fields");
  int listed = 0;
  size_t k;
  if (!action)
    return 0;
  if (strcmp(action, "All") == 0)
    return 1;
  for (k = 0; kyso_obj_is(fields, KYSO_OBJ_ARRAY) && k < fields->u.array.count;
       k++) {
    kyso_obj *s = res(d, pdf, fields->u.array.items[k]);
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
  return object(d, d->cur, d->st->dict_num);
}

/* Is field `name` locked by this signature: a FieldMDP transform in its
 * /Reference (ISO 32000-1 12.8.2.4) or its field's /Lock (ISO 32000-2
 * 12.7.5.5, in force once the field is signed)? */
static int field_locked(diff *d, const char *name) {
  kyso_obj *refs = get(d, d->cur, sig_dict(d), "Reference");
  size_t i;
  if (d->lock && lock_covers(d, d->old, d->lock, name))
    return 1;
  if (!kyso_obj_is(refs, KYSO_OBJ_ARRAY))
    return 0;
  for (i = 0; i < refs->u.array.count; i++) {
    kyso_obj *r = res(d, d->cur, refs->u.array.items[i]);
    if (kyso_obj_is_name(kyso_dict_get(r, "TransformMethod"), "FieldMDP") &&
        lock_covers(d, d->cur, get(d, d->cur, r, "TransformParams"), name))
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
          : ref_num(v) == st->dict_num)
    ls->field = f->dict;
  return KYSO_OK;
}

/* The strictest permission (1 strictest, 0 none) of two. */
static int stricter(int a, int b) {
  return !a ? b : !b ? a : a < b ? a : b;
}

/* The permission this signature's lock grants after it (PDF 2.0): /P of
 * its field's /Lock (SigFieldLock, ISO 32000-2 12.7.5.5) and of the
 * FieldMDP transform in its /Reference (12.8.2.4); 1, 2 and 3 mean what
 * DocMDP's do. Also keeps the /Lock for field_locked. */
static int lock_permission(diff *d) {
  lock_search ls;
  kyso_obj *refs = get(d, d->cur, sig_dict(d), "Reference"), *p;
  int perm = 0;
  size_t i;
  ls.d = d;
  ls.field = NULL;
  if (kyso_form_walk(d->old, find_own_field, &ls, &d->scratch) ==
      KYSO_ERR_NO_MEMORY)
    d->oom = 1;
  d->lock = get(d, d->old, ls.field, "Lock");
  if (!kyso_obj_is(d->lock, KYSO_OBJ_DICT))
    d->lock = NULL;
  p = get(d, d->old, d->lock, "P");
  if (kyso_obj_is(p, KYSO_OBJ_INT) && p->u.integer >= 1 && p->u.integer <= 3)
    perm = (int)p->u.integer;
  for (i = 0; kyso_obj_is(refs, KYSO_OBJ_ARRAY) && i < refs->u.array.count;
       i++) {
    kyso_obj *r = res(d, d->cur, refs->u.array.items[i]);
    if (!kyso_obj_is_name(kyso_dict_get(r, "TransformMethod"), "FieldMDP"))
      continue;
    p = get(d, d->cur, get(d, d->cur, r, "TransformParams"), "P");
    if (kyso_obj_is(p, KYSO_OBJ_INT) && p->u.integer >= 1 && p->u.integer <= 3)
      perm = stricter(perm, (int)p->u.integer);
  }
  return perm;
}

static void push_new(diff *d, new_field **items, size_t *count, size_t *cap,
                     uint32_t num, const char *kind, int allowed,
                     const char *what, const char *name) {
  new_field *n;
  if (grow(d, (void **)items, cap, *count, sizeof(*n)))
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

/* In a list sorted by cmp_new_field (after check_forms). */
static const new_field *find_new(const new_field *items, size_t count,
                                 uint32_t num) {
  new_field key;
  if (!num || !count)
    return NULL;
  key.num = num;
  return bsearch(&key, items, count, sizeof(*items), cmp_new_field);
}

/* The revision (index) that wrote the current definition of object num,
 * or -1. */
static long long revision_of(diff *d, uint32_t num) {
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
  long long k = revision_of(d, ref_num(v_raw));
  if (k > d->last_signing_rev)
    d->last_signing_rev = k;
}

/* A field cur has and the signed revision did not. */
static void new_field_added(diff *d, const field_info *nf) {
  uint32_t w[WIDGETS_MAX];
  size_t nw = field_widgets(d, d->cur, nf, w), i;
  kyso_obj *v_raw = kyso_dict_get(nf->dict, "V");
  kyso_obj *v = res(d, d->cur, v_raw);
  change_rec *rv, *rf = find_rec(d, nf->num);
  const char *kind, *what;
  int allowed = 1, is_dts, visible;

  if (strcmp(nf->type, "Sig") != 0) {
    /* pyHanko SigFieldCreationRule: only signature fields may appear. */
    kind = "form_field_added";
    allowed = 0;
    what = "form field added after signing";
    decide(rf, kind, 0, what, nf->name);
  } else {
    is_dts = kyso_obj_is_name(kyso_dict_get(v, "Type"), "DocTimeStamp");
    visible = field_visible(d, d->cur, nf);
    kind = is_dts ? "timestamp_added" : "signature_added";
    what = is_dts ? "document timestamp added" : "signature field added";
    rv = find_rec(d, ref_num(v_raw));
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
      decide(rf, "form_changed", 0,
             "existing object turned into a new signature field", nf->name);
    else
      decide(rf, kind, allowed, what, nf->name);
    if (allowed && !is_dts)
      note_signing(d, v_raw);
    approve_deps(d, nf->dict, kind, allowed,
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

/* Field keys filling may change (pyHanko VALUE_UPDATE_KEYS, plus /M and
 * /MK for a merged widget). */
static const char *const field_value_keys[] = {"V", "AP", "AS", "F",  "Ff",
                                               "M", "DA", "Q",  "MK", NULL};
static const char *const widget_value_keys[] = {"AP", "AS", "F", "M",
                                                "MK", "DA", "Q", NULL};

static void existing_field(diff *d, const field_info *of,
                           const field_info *nf) {
  uint32_t w[WIDGETS_MAX];
  size_t nw = field_widgets(d, d->cur, nf, w), i;
  change_rec *rf = find_rec(d, nf->num);
  int is_sig = strcmp(of->type, "Sig") == 0 || strcmp(nf->type, "Sig") == 0;
  kyso_obj *ov = get(d, d->old, of->dict, "V");
  kyso_obj *nv_raw = kyso_dict_get(nf->dict, "V");
  kyso_obj *nv = res(d, d->cur, nv_raw);
  const char *kind, *what, *key;
  int allowed;

  if (is_sig && kyso_obj_is(ov, KYSO_OBJ_DICT)) {
    /* Already signed: nothing about it may change (revision binding). */
    what = "signed signature field changed";
    decide(rf, "signature_changed", 0, what, nf->name);
    for (i = 0; i < nw; i++)
      decide_num(d, w[i], "signature_changed", 0, what, nf->name);
    return;
  }
  if (is_sig && !kyso_obj_is(nv, KYSO_OBJ_DICT)) {
    what = "unsigned signature field changed";
    decide(rf, "form_changed", 0, what, nf->name);
    for (i = 0; i < nw; i++)
      decide_num(d, w[i], "form_changed", 0, what, nf->name);
    return;
  }
  if (is_sig) {
    change_rec *rv = find_rec(d, ref_num(nv_raw));
    int is_dts = kyso_obj_is_name(kyso_dict_get(nv, "Type"), "DocTimeStamp");
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
        !value_equal(dict_value(dict_of(of->dict), "V"),
                     dict_value(dict_of(nf->dict), "V"), 0) ||
        find_rec(d, ref_num(kyso_dict_get(dict_of(nf->dict), "V"))) != NULL;
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
    key = dict_diff(dict_of(of->dict), dict_of(nf->dict), field_value_keys, 0);
    if (key)
      decide(rf, "form_changed", 0, "form field entry changed", key);
    else
      decide(rf, kind, allowed, what, nf->name);
  }
  approve_value_and_appearance(d, nf->dict, nf->num, kind, allowed, what,
                               nf->name);
  for (i = 0; i < nw; i++) {
    change_rec *rw = find_rec(d, w[i]);
    kyso_obj *nwd = object(d, d->cur, w[i]);
    if (w[i] == nf->num)
      continue;
    if (rw) {
      key = dict_diff(dict_of(object(d, d->old, w[i])), dict_of(nwd),
                      widget_value_keys, 0);
      if (key)
        decide(rw, "form_changed", 0, "form field widget entry changed", key);
      else
        decide(rw, kind, allowed, what, nf->name);
    }
    approve_value_and_appearance(d, nwd, w[i], kind, allowed, what, nf->name);
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
 * every old resource keeps its value. Checks two levels (/DR, /Font) and
 * explains the dictionaries that grew. */
static int resources_grew(diff *d, kyso_obj *old_raw, kyso_obj *cur_raw,
                          int level, const char *kind, int allowed) {
  kyso_obj *a = res(d, d->old, old_raw), *b = res(d, d->cur, cur_raw);
  size_t i;
  if (!a)
    return 1;
  if (!kyso_obj_is(a, KYSO_OBJ_DICT) || !kyso_obj_is(b, KYSO_OBJ_DICT))
    return value_equal(a, b, 0);
  for (i = 0; i < a->u.dict.count; i++) {
    kyso_obj *av = a->u.dict.entries[i].value;
    kyso_obj *bv = kyso_dict_get(b, a->u.dict.entries[i].key);
    int same = value_equal(av, bv, 0);
    change_rec *r = find_rec(d, ref_num(bv));
    if (same && !(r && r->state == ST_CHANGED))
      continue;
    if (level > 0 || !resources_grew(d, av, bv, level + 1, kind, allowed))
      return 0;
  }
  decide_num(d, ref_num(cur_raw), kind, allowed, "form default resources",
             NULL);
  approve_deps(d, b, kind, allowed, "form default resources", NULL);
  return 1;
}

/* /AcroForm: only /Fields appends of new signature fields, /SigFlags, and
 * for form filling /DA, /DR additions, /NeedAppearances, /Q. */
static void check_acroform(diff *d) {
  static const char *const keys[] = {"Fields",          "SigFlags", "DA", "DR",
                                     "NeedAppearances", "Q",        NULL};
  static const char *const fill_keys[] = {"DA", "NeedAppearances", "Q", NULL};
  kyso_obj *ocat = get(d, d->old, d->old->trailer, "Root");
  kyso_obj *ncat = get(d, d->cur, d->cur->trailer, "Root");
  kyso_obj *oform = get(d, d->old, ocat, "AcroForm");
  kyso_obj *nform_raw = kyso_dict_get(ncat, "AcroForm");
  kyso_obj *nform = res(d, d->cur, nform_raw);
  kyso_obj *ofields = get(d, d->old, oform, "Fields");
  kyso_obj *nfields_raw = kyso_dict_get(nform, "Fields");
  kyso_obj *nfields = res(d, d->cur, nfields_raw);
  size_t on = kyso_obj_is(ofields, KYSO_OBJ_ARRAY) ? ofields->u.array.count : 0;
  size_t nn = kyso_obj_is(nfields, KYSO_OBJ_ARRAY) ? nfields->u.array.count : 0;
  const char *kind = NULL, *what = "interactive form updated", *name = NULL;
  const char *key;
  int allowed = 1;
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
  key = dict_diff(dict_of(oform), nform, keys, 0);
  if (key) {
    allowed = 0;
    kind = "form_changed";
    what = "interactive form entry changed";
    name = key;
  }
  for (i = 0; d->perm == 1 && fill_keys[i]; i++) {
    if (!value_equal(dict_value(dict_of(oform), fill_keys[i]),
                     dict_value(nform, fill_keys[i]), 0)) {
      allowed = 0;
      kind = "form_changed";
      what = d->perm_locked ? "interactive form changed after a signature "
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
  for (i = 0; i < on && i < nn; i++) {
    if (!value_equal(ofields->u.array.items[i], nfields->u.array.items[i], 0)) {
      allowed = 0;
      kind = "form_changed";
      what = "form fields removed or reordered";
    }
  }
  for (i = on; i < nn; i++) {
    kyso_obj *item = nfields->u.array.items[i];
    const new_field *nf =
        find_new(d->new_fields, d->new_field_count, ref_num(item));
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
          ? !value_equal(kyso_dict_get(dict_of(oform), "DR"),
                         kyso_dict_get(nform, "DR"), 0) ||
                find_rec(d, ref_num(kyso_dict_get(nform, "DR")))
          : !resources_grew(d, get(d, d->old, oform, "DR"),
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
  decide_num(d, ref_num(nform_raw), kind, allowed, what, name);
  decide_num(d, ref_num(nfields_raw), kind, allowed, what, name);
}

static void check_forms(diff *d) {
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
      if (!grow(d, (void **)&d->field_widgets, &d->field_widget_cap,
                d->field_widget_count, sizeof(uint32_t)))
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
        if (!grow(d, (void **)&d->field_widgets, &d->field_widget_cap,
                  d->field_widget_count, sizeof(uint32_t)))
          d->field_widgets[d->field_widget_count++] = w[k];
    }
  }
  for (i = 0; i < d->old_field_count; i++)
    if (!d->old_fields[i].matched)
      d->fields_removed = 1;
  if (d->field_widget_count)
    qsort(d->field_widgets, d->field_widget_count, sizeof(uint32_t), cmp_u32);
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

/* ---- 4. the catalog ------------------------------------------------------ */

static void check_catalog(diff *d) {
  static const char *const keys[] = {"AcroForm",   "DSS",     "Metadata",
                                     "Extensions", "Version", NULL};
  kyso_obj *ocat = get(d, d->old, d->old->trailer, "Root");
  kyso_obj *root_ref = kyso_dict_get(d->cur->trailer, "Root");
  kyso_obj *ncat = res(d, d->cur, root_ref);
  change_rec *r = find_rec(d, ref_num(root_ref));
  const char *key;

  if (!r)
    return;
  key = dict_diff(dict_of(ocat), dict_of(ncat), keys, 0);
  if (key) {
    decide(r, "catalog_changed", 0, "catalog entry changed", key);
    return;
  }
  if (dict_diff(dict_of(ocat), dict_of(ncat), NULL, 0) == NULL) {
    decide(r, "catalog_changed", 1, "catalog rewritten unchanged", NULL);
    return;
  }
  approve_deps(d, kyso_dict_get(ncat, "Extensions"), "catalog_changed", 1,
               "catalog extensions", NULL);
  if (!value_equal(kyso_dict_get(ocat, "AcroForm"),
                   kyso_dict_get(ncat, "AcroForm"), 0)) {
    if (d->forms_ok)
      decide(r, d->form_kind, d->form_allowed, d->form_what, d->form_name);
    else
      decide(r, "form_changed", 0, "interactive form cannot be compared", NULL);
  } else if (!value_equal(kyso_dict_get(ocat, "DSS"),
                          kyso_dict_get(ncat, "DSS"), 0)) {
    decide(r, "dss_added", 1, "document security store updated", NULL);
  } else {
    decide(r, "catalog_changed", 1,
           "catalog /Metadata, /Extensions or /Version updated", NULL);
  }
}

/* ---- 5. pages and annotations -------------------------------------------- */

/* Annotation types that cannot paint over page content: comments and text
 * markup. FreeText, Stamp, Redact, Square, Ink... can (evil annotation). */
static int comment_annotation(const char *subtype) {
  static const char *const ok[] = {"Text",      "Popup",    "Highlight",
                                   "Underline", "Squiggly", "StrikeOut",
                                   "Caret",     NULL};
  return subtype && in_list(ok, subtype);
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
    if (ref_num(arr->u.array.items[i]))
      set[(*n)++] = ref_num(arr->u.array.items[i]);
  qsort(set, *n, sizeof(*set), cmp_u32);
  return set;
}

/* Is item i of one /Annots array also in the other? References by number;
 * a direct annotation only at the same position. */
static int annot_kept(const kyso_obj *item, size_t i, const kyso_obj *other,
                      const uint32_t *set, size_t n) {
  if (ref_num(item))
    return has_u32(set, n, ref_num(item));
  return kyso_obj_is(other, KYSO_OBJ_ARRAY) && i < other->u.array.count &&
         value_equal(item, other->u.array.items[i], 0);
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
    uint32_t num = ref_num(item);
    const new_field *w;
    kyso_obj *ad;
    const char *subtype, *why;
    if (annot_kept(item, i, oa, old_set, on_refs)) {
      change_rec *r = find_rec(d, num);
      if (!r || r->state != ST_CHANGED ||
          has_u32(d->field_widgets, d->field_widget_count, num))
        continue; /* unchanged, or a widget judged with its field */
      ad = object(d, d->cur, num);
      subtype = name_of(ad, "Subtype");
      why = annotation_refusal(d, subtype);
      if (!why && !value_equal(kyso_dict_get(object(d, d->old, num), "Subtype"),
                               kyso_dict_get(dict_of(ad), "Subtype"), 0))
        why = "annotation type changed";
      decide(r, "annotation_changed", why == NULL,
             why ? why : "annotation changed", subtype);
      approve_value_and_appearance(
          d, ad, num, "annotation_changed", why == NULL,
          why ? why : "annotation appearance", subtype);
      approve_deps(d, ad, "annotation_changed", why == NULL,
                   why ? why : "annotation changed", subtype);
      continue;
    }
    if (!num) {
      verdict_add(v, "annotation_changed", 0, "direct annotation changed",
                  NULL);
      continue;
    }
    w = find_new(d->new_widgets, d->new_widget_count, num);
    if (w) {
      verdict_add(v, w->kind, w->allowed,
                  w->allowed ? "widget of a new field placed on the page"
                             : w->what,
                  w->name);
      continue;
    }
    if (has_u32(d->field_widgets, d->field_widget_count, num)) {
      verdict_add(v, "form_changed", 0,
                  "widget of an existing field placed on another page", NULL);
      continue;
    }
    ad = object(d, d->cur, num);
    subtype = name_of(ad, "Subtype");
    why = subtype && strcmp(subtype, "Widget") == 0
              ? "widget annotation without a new form field"
              : annotation_refusal(d, subtype);
    if (find_rec(d, num) && find_rec(d, num)->state != ST_ADDED)
      why = "existing object turned into an annotation";
    decide_num(d, num, "annotation_added", why == NULL,
               why ? why : "annotation added", subtype);
    approve_deps(d, ad, "annotation_added", why == NULL,
                 why ? why : "annotation added", subtype);
    verdict_add(v, "annotation_added", why == NULL,
                why ? why : "annotation added", subtype);
  }
  for (i = 0; i < on; i++) {
    kyso_obj *item = oa->u.array.items[i];
    uint32_t num = ref_num(item);
    const char *subtype, *why;
    if (annot_kept(item, i, na, cur_set, nn_refs))
      continue;
    if (has_u32(d->field_widgets, d->field_widget_count, num)) {
      verdict_add(v, "form_changed", 0, "form field widget removed", NULL);
      continue;
    }
    subtype = name_of(num ? object(d, d->old, num) : item, "Subtype");
    why = annotation_refusal(d, subtype);
    decide_num(d, num, "annotation_removed", why == NULL,
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
  if (find_rec(d, np->num) || find_rec(d, ref_num(na_raw)))
    return 0;
  na = res(d, d->cur, (kyso_obj *)na_raw);
  for (i = 0; kyso_obj_is(na, KYSO_OBJ_ARRAY) && i < na->u.array.count; i++)
    if (find_rec(d, ref_num(na->u.array.items[i])))
      return 0;
  return 1;
}

static void check_pages(diff *d) {
  static const char *const annots_key[] = {"Annots", NULL};
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
  qsort(old_nums, d->old->page_count, sizeof(*old_nums), cmp_u32);
  qsort(cur_nums, d->cur->page_count, sizeof(*cur_nums), cmp_u32);

  for (i = 0; i < d->cur->page_count && !d->oom; i++) {
    const kyso_page *np = &d->cur->pages[i];
    change_rec *rp = find_rec(d, np->num);
    kyso_obj *op, *oa_raw, *na_raw;
    annots_verdict v;
    const char *key;

    if (!has_u32(old_nums, d->old->page_count, np->num)) {
      d->pages_added = 1;
      if (rp)
        decide(rp, "page_added", 0, "page added", NULL);
      else
        add_extra(d, np->num, "page_added", "page %zu added", i + 1);
      continue;
    }
    na_raw = kyso_dict_get(np->dict, "Annots");
    if (annots_untouched(d, np, na_raw))
      continue;
    op = object(d, d->old, np->num);
    oa_raw = kyso_dict_get(dict_of(op), "Annots");
    memset(&v, 0, sizeof(v));
    v.allowed = 1;
    check_annots(d, res(d, d->old, oa_raw), res(d, d->cur, na_raw), &v);
    if (!v.changed) {
      v.kind = "page_changed";
      v.what = "page /Annots rewritten with the same annotations";
    }
    key = dict_diff(dict_of(op), np->dict, annots_key, 0);
    if (rp && key)
      decide(rp, strcmp(key, "Contents") == 0 ? "page_content" : "page_changed",
             0, "page entry changed", key);
    else if (rp)
      decide(rp, v.kind, v.allowed, v.what, v.name);
    if (ref_num(na_raw))
      decide_num(d, ref_num(na_raw), v.kind, v.allowed, v.what, v.name);
  }
  for (i = 0; i < d->old->page_count; i++) {
    uint32_t num = d->old->pages[i].num;
    if (has_u32(cur_nums, d->cur->page_count, num))
      continue;
    d->pages_removed = 1;
    if (find_rec(d, num))
      decide_num(d, num, "page_removed", 0, "page removed", NULL);
    else
      add_extra(d, num, "page_removed", "page %zu removed", i + 1);
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
static void check_fill_covered(diff *d) {
  size_t i;
  for (i = 0; i < d->count; i++) {
    change_rec *r = &d->recs[i];
    if (!r->decided || !r->allowed || strcmp(r->kind, "form_field_filled") != 0)
      continue;
    if (revision_of(d, r->num) > d->last_signing_rev) {
      r->allowed = 0;
      r->what = "form field filled after an approval signature and not "
                "covered by a later signature (shadow attack)";
    }
  }
}

/* ---- 6. everything no rule explained ------------------------------------- */

static const char *role_kind(int role, int added) {
  switch (role) {
  case ROLE_CATALOG:
  case ROLE_CATALOG_OTHER:
  case ROLE_PERMS: return "catalog_changed";
  case ROLE_PAGES:
  case ROLE_PAGE:
  case ROLE_KIDS: return "page_changed";
  case ROLE_CONTENT: return "page_content";
  case ROLE_RESOURCES:
  case ROLE_RESOURCE: return "resource";
  case ROLE_FONT: return "font";
  case ROLE_XOBJECT: return "xobject";
  case ROLE_ANNOTS:
  case ROLE_ANNOT:
  case ROLE_APPEARANCE:
    return added ? "annotation_added" : "annotation_changed";
  case ROLE_ACROFORM: return "form_changed";
  case ROLE_FIELD: return added ? "form_field_added" : "form_changed";
  case ROLE_SIG_VALUE: return "signature_changed";
  case ROLE_INFO: return "info_changed";
  case ROLE_METADATA: return "metadata_changed";
  case ROLE_DSS: return "dss_added";
  default: return "other";
  }
}

static const char *role_what(int role) {
  switch (role) {
  case ROLE_CATALOG: return "document catalog";
  case ROLE_CATALOG_OTHER: return "object reached from the catalog";
  case ROLE_PERMS: return "permissions (/Perms)";
  case ROLE_PAGES: return "page tree node";
  case ROLE_PAGE: return "page object";
  case ROLE_KIDS: return "page tree /Kids";
  case ROLE_CONTENT: return "page content stream";
  case ROLE_RESOURCES: return "resource dictionary";
  case ROLE_RESOURCE: return "page resource";
  case ROLE_FONT: return "font";
  case ROLE_XOBJECT: return "XObject (image or form)";
  case ROLE_ANNOTS: return "annotation list";
  case ROLE_ANNOT: return "annotation";
  case ROLE_APPEARANCE: return "annotation appearance";
  case ROLE_ACROFORM: return "interactive form";
  case ROLE_FIELD: return "form field";
  case ROLE_SIG_VALUE: return "signature dictionary";
  default: return "object";
  }
}

static int is_file_structure(diff *d, uint32_t num) {
  kyso_obj *o = object(d, d->cur, num);
  const char *type =
      kyso_obj_is(o, KYSO_OBJ_STREAM) ? name_of(o, "Type") : NULL;
  return type && (strcmp(type, "XRef") == 0 || strcmp(type, "ObjStm") == 0);
}

static void apply_defaults(diff *d) {
  size_t i;
  for (i = 0; i < d->count; i++) {
    change_rec *r = &d->recs[i];
    int added = r->state == ST_ADDED;
    if (r->from_old && added) {
      /* Overrides any approval: unchanged signed content pointed at it. */
      r->decided = 1;
      r->allowed = 0;
      r->kind = role_kind(r->old_role, 0);
      if (r->old_role == ROLE_ANNOT)
        r->kind = "annotation_added";
      r->what = "object referenced by signed content but defined only "
                "after signing";
      r->name = role_what(r->old_role);
      continue;
    }
    if (r->state == ST_FREED) {
      decide(r, "object_freed", 0, "object freed after signing",
             r->from_old ? role_what(r->old_role) : NULL);
      continue;
    }
    if (r->broken) {
      decide(r, "other", 0, "object cannot be read", NULL);
      continue;
    }
    if (r->decided)
      continue;
    if (r->role == ROLE_NONE) {
      if (added && is_file_structure(d, r->num))
        r->hidden = 1;
      else if (!d->walk_complete)
        decide(r, "other", 0,
               "object changed (the document cannot be "
               "fully read to place it)",
               NULL);
      else
        decide(r, added ? "unused_object_added" : "unused_object_changed", 1,
               added ? "object added but not used by the document"
                     : "object changed but no longer used by the document",
               NULL);
      continue;
    }
    switch (r->role) {
    case ROLE_INFO:
      decide(r, "info_changed", 1, "document information (/Info)", NULL);
      break;
    case ROLE_METADATA:
      decide(r, "metadata_changed", 1, "XMP metadata", NULL);
      break;
    case ROLE_DSS:
      decide(r, "dss_added", 1, "document security store (/DSS)", NULL);
      break;
    case ROLE_PAGES:
    case ROLE_KIDS:
      decide(r,
             d->pages_added     ? "page_added"
             : d->pages_removed ? "page_removed"
                                : "page_changed",
             0, "page tree changed", NULL);
      break;
    default:
      decide(r, role_kind(r->role, added), 0,
             added ? "object added" : "object changed", role_what(r->role));
      break;
    }
  }
}

/* ---- 7. bytes that no revision accounts for ------------------------------ */

static int pdf_space(uint8_t c) {
  return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' ';
}

static int pdf_delim(uint8_t c) {
  return pdf_space(c) || strchr("()<>[]{}/%", c) != NULL;
}

static int is_digit(uint8_t c) {
  return c >= '0' && c <= '9';
}

/* Anything but white space and comments after the last %%EOF: an
 * appended body without cross-reference (Incremental Saving Attack). */
static void check_tail(diff *d, size_t from) {
  const uint8_t *p = d->ctx->data;
  size_t i, first = (size_t)-1, n = 0;
  for (i = from; i < d->ctx->len; i++) {
    if (pdf_space(p[i]))
      continue;
    if (p[i] == '%') {
      while (i < d->ctx->len && p[i] != '\n' && p[i] != '\r')
        i++;
      continue;
    }
    if (first == (size_t)-1)
      first = i;
    n++;
  }
  if (first != (size_t)-1)
    add_extra(d, 0, "unreferenced_data_appended",
              "%zu bytes after the last revision (from byte %zu) belong to "
              "no revision",
              d->ctx->len - first, first);
}

/* Object definitions in [from, to) of revision k that its cross-reference
 * section does not point at: a reader that rebuilds the table from the
 * bytes would use them. pk is the document as of revision k. */
static void scan_revision(diff *d, kyso_pdf *pk, size_t k, size_t from,
                          size_t to, size_t skip1, size_t skip2) {
  const uint8_t *p = d->ctx->data;
  size_t i = from;
  while (i + 3 <= to && !d->oom) {
    size_t j, num_start;
    uint64_t num = 0;
    const kyso_xref_entry *e;
    kyso_obj *obj;
    if (memcmp(p + i, "obj", 3) != 0 || (i + 3 < to && !pdf_delim(p[i + 3])) ||
        i < from + 4) {
      i++;
      continue;
    }
    /* backwards: space, generation digits, space, number digits */
    j = i;
    if (!pdf_space(p[j - 1])) {
      i++;
      continue;
    }
    while (j > from && pdf_space(p[j - 1]))
      j--;
    if (j == from || !is_digit(p[j - 1])) {
      i++;
      continue;
    }
    while (j > from && is_digit(p[j - 1]))
      j--;
    if (j == from || !pdf_space(p[j - 1])) {
      i++;
      continue;
    }
    while (j > from && pdf_space(p[j - 1]))
      j--;
    if (j == from || !is_digit(p[j - 1])) {
      i++;
      continue;
    }
    while (j > from && is_digit(p[j - 1]) && i - j < 32)
      j--;
    if (j > from && !pdf_delim(p[j - 1])) {
      i++;
      continue;
    }
    num_start = j;
    for (j = num_start; is_digit(p[j]) && num <= KYSO_LIMIT_OBJECT_NUMBER; j++)
      num = num * 10 + (uint64_t)(p[j] - '0');
    i += 3;
    if (num_start == skip1 || num_start == skip2)
      continue;
    e = num <= KYSO_LIMIT_OBJECT_NUMBER ? kyso_xref_get(pk, num) : NULL;
    if (e && e->kind == KYSO_XREF_OFFSET && e->offset == num_start) {
      /* Listed: skip its body, so stream data is not searched. The current
       * document has usually parsed the same bytes already. */
      const kyso_xref_entry *ec = kyso_xref_get(d->cur, num);
      obj = ec && ec->kind == KYSO_XREF_OFFSET && ec->offset == num_start
                ? object(d, d->cur, (uint32_t)num)
                : object(d, pk, (uint32_t)num);
      if (obj && obj->end > i && obj->end <= to)
        i = obj->end;
      continue;
    }
    add_extra(d, num <= KYSO_LIMIT_OBJECT_NUMBER ? (uint32_t)num : 0,
              "unreferenced_object",
              "object defined at byte %zu (revision %zu) is in no "
              "cross-reference section",
              num_start, k);
  }
}

static void check_unreferenced(diff *d, size_t signed_rev) {
  kyso_pdf *cur = d->cur;
  size_t n = kyso_pdf_get_revision_count(cur), k;
  kyso_revision_info prev, ri;

  if (kyso_pdf_get_revision(cur, n - 1, &ri) == 0)
    check_tail(d, ri.end);
  for (k = signed_rev + 1;
       k < n && k <= signed_rev + SCAN_REVISIONS_MAX && !d->oom; k++) {
    kyso_pdf *pk = NULL;
    kyso_status ret;
    size_t stm = (size_t)-1;
    kyso_obj *t;
    if (kyso_pdf_get_revision(cur, k - 1, &prev) != 0 ||
        kyso_pdf_get_revision(cur, k, &ri) != 0)
      break;
    ret = kyso_pdf_open(d->ctx->data, ri.end, &pk, &d->scratch);
    if (ret == KYSO_ERR_NO_MEMORY) {
      d->oom = 1;
      break;
    }
    if (ret != KYSO_OK) {
      add_extra(d, 0, "other", "revision %zu cannot be read on its own: %s", k,
                d->scratch.message);
      continue;
    }
    t = cur->sections[cur->section_count - 1 - k].trailer;
    if (kyso_obj_is(kyso_dict_get(t, "XRefStm"), KYSO_OBJ_INT))
      stm = (size_t)kyso_dict_get(t, "XRefStm")->u.integer;
    scan_revision(d, pk, k, prev.end,
                  ri.xref_offset > prev.end ? ri.xref_offset : prev.end,
                  ri.xref_offset, stm);
    kyso_pdf_close(pk);
  }
}

/* ---- 8. the report ------------------------------------------------------- */

static kyso_status emit(diff *d, kyso_error *err) {
  kyso_report *report = d->ctx->report;
  kyso_sig_report *sig = d->st->rep;
  kyso_check *check = &sig->checks[KYSO_CHECK_CHANGES];
  size_t i, listed = 0, total = 0, refused = 0;
  uint32_t first_obj = 0;
  const char *first_kind = NULL;
  char first_detail[DETAIL_MAX] = "";

  for (i = 0; i < d->extra_count; i++) {
    change_extra *e = &d->extras[i];
    total++;
    refused++;
    if (!first_kind) {
      first_obj = e->object;
      first_kind = e->kind;
      snprintf(first_detail, sizeof(first_detail), "%s", e->detail);
    }
    if (listed++ < CHANGES_REPORTED_MAX &&
        kyso_change_add(report, sig, e->object, e->kind, 0, "%s", e->detail))
      goto nomem;
  }
  for (i = 0; i < d->count; i++) {
    change_rec *r = &d->recs[i];
    if (r->hidden)
      continue;
    total++;
    if (!r->allowed) {
      refused++;
      if (!first_kind) {
        first_obj = r->num;
        first_kind = r->kind;
        snprintf(first_detail, sizeof(first_detail), "%s%s%s%s", r->what,
                 r->name ? " (" : "", r->name ? r->name : "",
                 r->name ? ")" : "");
      }
    }
    if (listed++ < CHANGES_REPORTED_MAX &&
        kyso_change_add(report, sig, r->num, r->kind, r->allowed, "%s%s%s%s",
                        r->what, r->name ? " (" : "", r->name ? r->name : "",
                        r->name ? ")" : ""))
      goto nomem;
  }
  if (d->overflow || d->extra_dropped) {
    total++;
    refused++;
    if (!first_kind) {
      first_kind = "other";
      snprintf(first_detail, sizeof(first_detail),
               "more than %d changed objects", CHANGES_MAX);
    }
    if (kyso_change_add(report, sig, 0, "other", 0,
                        "more than %d changed objects or %d findings: the "
                        "rest is not listed",
                        CHANGES_MAX, EXTRAS_MAX))
      goto nomem;
  }
  if (listed > CHANGES_REPORTED_MAX &&
      kyso_change_add(report, sig, 0, "other", refused == 0,
                      "%zu more changes not listed",
                      listed - CHANGES_REPORTED_MAX))
    goto nomem;
  if (refused)
    kyso_check_set(report, check, KYSO_RESULT_FAILED, "modified_after_signing",
                   "object %u: %s: %s", first_obj, first_kind, first_detail);
  else
    kyso_check_set(report, check, KYSO_RESULT_PASSED, "allowed_changes_only",
                   "%zu allowed changes after the signed revision", total);
  return KYSO_OK;
nomem:
  return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
}

/* ---- the stage ----------------------------------------------------------- */

static void diff_free(diff *d) {
  free(d->recs);
  free(d->extras);
  free(d->visited);
  free(d->refcount);
  free(d->foreign_refs);
  free(d->stack);
  free(d->deps_seen);
  free(d->deps_queue);
  free(d->old_fields);
  free(d->cur_fields);
  free(d->new_fields);
  free(d->new_widgets);
  free(d->field_widgets);
  kyso_pdf_close(d->old);
}

kyso_status kyso_verify_changes(kyso_verify_ctx *ctx, kyso_sig_state *st,
                                kyso_error *err) {
  kyso_status ret;
  kyso_check *check = &st->rep->checks[KYSO_CHECK_CHANGES];
  kyso_revision_info rev;
  size_t n = kyso_pdf_get_revision_count(ctx->pdf), r;
  diff d;

  memset(&d, 0, sizeof(d));
  if (st->rep->revision < 0 || (unsigned long long)st->rep->revision >= n ||
      kyso_pdf_get_revision(ctx->pdf, (size_t)st->rep->revision, &rev) != 0)
    return KYSO_OK; /* the revision check failed: nothing to compare */
  r = (size_t)st->rep->revision;
  d.ctx = ctx;
  d.st = st;
  d.cur = ctx->pdf;
  d.last_signing_rev = -1;
  kyso_error_clear(&d.scratch);

  if (r + 1 == n) {
    check_tail(&d, rev.end);
    if (d.oom)
      goto nomem;
    if (d.extra_count == 0) {
      kyso_check_set(ctx->report, check, KYSO_RESULT_PASSED, "unmodified",
                     "no revision after the signed one");
      ret = KYSO_OK;
      goto done;
    }
    ret = emit(&d, err);
    goto done;
  }

  ret = kyso_pdf_open(ctx->data, rev.end, &d.old, &d.scratch);
  if (ret == KYSO_ERR_NO_MEMORY)
    goto nomem;
  if (ret != KYSO_OK) {
    add_extra(&d, 0, "other",
              "the signed revision cannot be read on its "
              "own: %s",
              d.scratch.message);
    ret = emit(&d, err);
    goto done;
  }
  /* DocMDP in force when this signature was made; unreadable: as strict
   * as P=1. */
  ret = kyso_form_docmdp(d.old, &d.perm, &d.scratch);
  if (ret == KYSO_ERR_NO_MEMORY)
    goto nomem;
  if (ret != KYSO_OK)
    d.perm = 1;
  {
    int lp = lock_permission(&d);
    if (d.oom)
      goto nomem;
    if (lp && stricter(d.perm, lp) != d.perm) {
      d.perm = lp;
      d.perm_locked = 1;
    }
  }

  check_unreferenced(&d, r);
  diff_objects(&d);
  if (!d.oom)
    walk_document(&d);
  if (!d.oom)
    check_forms(&d);
  if (!d.oom)
    check_catalog(&d);
  if (!d.oom)
    check_pages(&d);
  if (!d.oom && !st->dict_is_direct && st->dict_num) {
    /* Revision binding: this signature's own dictionary never changes. */
    change_rec *rs = find_rec(&d, st->dict_num);
    if (rs) {
      rs->decided = 1;
      rs->allowed = 0;
      rs->kind = "signature_changed";
      rs->what = "the signature dictionary of this signature changed";
      rs->name = NULL;
    }
  }
  if (!d.oom && d.perm == 0)
    check_fill_covered(&d);
  if (!d.oom)
    apply_defaults(&d);
  if (d.oom)
    goto nomem;
  ret = emit(&d, err);
  goto done;
nomem:
  ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
done:
  diff_free(&d);
  return ret;
}
