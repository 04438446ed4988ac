/*
 * verify_changes.h - the changes analysis (KYSO_CHECK_CHANGES), private to
 * its files.
 *
 * verify_changes.c holds the stage (kyso_verify_changes) and the report;
 * what it calls is spread by job: verify_changes_compare.c (helpers,
 * comparing values, the change records), verify_changes_walk.c (which
 * objects differ, the walk of the current document, approving what hangs
 * off an explained change), verify_changes_form.c (the interactive form
 * and locks), verify_changes_pages.c (catalog, pages and annotations),
 * verify_changes_unexplained.c (what no rule explained, bytes no revision
 * accounts for). One analysis is one `diff`; every function here takes it.
 */
#ifndef KYSO_VERIFY_CHANGES_H
#define KYSO_VERIFY_CHANGES_H

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
  uint8_t broken;   /* 1: cannot be read in one of the two documents; 2:
                       stored where readers disagree (xref entry ambiguous) */
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
  uint8_t *deps_seen; /* kyso_changes_approve_deps: records queued, by index */
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
  size_t compare_nodes;       /* spent by kyso_changes_same_value */
} diff;

/* ---- shared helpers (verify_changes_compare.c) ----------------------------
 */

/* Grows *items (count used, *cap allocated) to hold one more item of size
 * bytes; -1 (and d->oom) when memory runs out. */
int kyso_changes_grow(diff *d, void **items, size_t *cap, size_t count,
                      size_t size);
/* obj with references followed in pdf; NULL when it cannot be read. */
kyso_obj *kyso_changes_resolve(diff *d, kyso_pdf *pdf, kyso_obj *obj);
/* dict[key], resolved in pdf. */
kyso_obj *kyso_changes_get(diff *d, kyso_pdf *pdf, const kyso_obj *dict,
                           const char *key);
/* Object num of pdf, or NULL. */
kyso_obj *kyso_changes_object(diff *d, kyso_pdf *pdf, uint32_t num);
/* The object number of a reference, 0 for anything else. */
uint32_t kyso_changes_ref_num(const kyso_obj *o);
/* The dictionary of a dict or stream, else NULL. */
const kyso_obj *kyso_changes_dict_of(const kyso_obj *o);
/* The name value of key in a dict or stream dictionary, or NULL. */
const char *kyso_changes_name_of(const kyso_obj *dict, const char *key);
/* Is s in the NULL-terminated list? */
int kyso_changes_in_list(const char *const *list, const char *s);
/* qsort/bsearch order of uint32_t; membership in a sorted set. */
int kyso_changes_cmp_u32(const void *a, const void *b);
int kyso_changes_has_u32(const uint32_t *set, size_t n, uint32_t v);

/* ---- comparing values (verify_changes_compare.c) --------------------------
 */

/* Structural equality; references are equal when they name the same
 * object. */
int kyso_changes_value_equal(const kyso_obj *a, const kyso_obj *b, int depth);
/* d[key], with a null value the same as no entry (7.3.7). */
const kyso_obj *kyso_changes_dict_value(const kyso_obj *d, const char *key);
/* The first key not in skip whose value differs between a and b, or NULL
 * when they agree. */
const char *kyso_changes_dict_diff(const kyso_obj *a, const kyso_obj *b,
                                   const char *const *skip, int depth);
/* Streams a (in old) and b (in cur) hold the same dictionary and decoded
 * bytes. */
int kyso_changes_stream_equal(diff *d, const kyso_obj *a, const kyso_obj *b);
/* Is a (in old, or NULL) the same by value as b (in cur, or NULL), with
 * references followed into each document? When it is, every added object
 * b reaches, and every changed object there compared with its own signed
 * version, is decided (kind, allowed, what). */
int kyso_changes_same_value(diff *d, const kyso_obj *a, const kyso_obj *b,
                            const char *kind, int allowed, const char *what);

/* ---- records (verify_changes_compare.c) -----------------------------------
 */

change_rec *kyso_changes_find_rec(diff *d, uint32_t num);
void kyso_changes_add_rec(diff *d, uint32_t num, int state, int broken);
/* Records what a rule found. A refusal sticks: a later approval does not
 * undo it, and a refusal replaces an earlier approval. */
void kyso_changes_decide(change_rec *r, const char *kind, int allowed,
                         const char *what, const char *name);
void kyso_changes_decide_num(diff *d, uint32_t num, const char *kind,
                             int allowed, const char *what, const char *name);
/* A finding that is not one changed object. */
void kyso_changes_add_extra(diff *d, uint32_t object, const char *kind,
                            const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* ---- the walk (verify_changes_walk.c) -------------------------------------
 */

/* 1. Records every object number whose value differs between old and cur. */
void kyso_changes_diff_objects(diff *d);
/* 2. Walks cur from the trailer: roles, reference counts, references from
 * unchanged objects. */
void kyso_changes_walk_document(diff *d);
/* Approves every added object reachable from value through added objects. */
void kyso_changes_approve_deps(diff *d, const kyso_obj *value, const char *kind,
                               int allowed, const char *what, const char *name);
/* /V and /AP of a field or widget (holder: its object number, 0 when
 * direct): new objects they reach and what was changed in place. */
void kyso_changes_approve_value_and_appearance(diff *d, const kyso_obj *dict,
                                               uint32_t holder,
                                               const char *kind, int allowed,
                                               const char *what,
                                               const char *name);

/* ---- the interactive form (verify_changes_form.c) -------------------------
 */

/* The strictest permission (1 strictest, 0 none) of two. */
int kyso_changes_stricter(int a, int b);
/* The permission this signature's PDF 2.0 lock grants after it (0: none);
 * keeps the field's /Lock in d->lock. */
int kyso_changes_lock_permission(diff *d);
/* A new field or widget by object number (lists sorted by check_forms). */
const new_field *kyso_changes_find_new(const new_field *items, size_t count,
                                       uint32_t num);
/* The revision (index) that wrote the current definition of num, or -1. */
long long kyso_changes_revision_of(diff *d, uint32_t num);
/* 3. Fields new, filled, signed or removed, and the /AcroForm. */
void kyso_changes_check_forms(diff *d);

/* ---- catalog, pages and annotations (verify_changes_pages.c) --------------
 */

/* 4. The catalog. */
void kyso_changes_check_catalog(diff *d);
/* 5. Pages added or removed, annotations added, changed or removed. */
void kyso_changes_check_pages(diff *d);
/* Without DocMDP, a form fill no later signature covers is refused. */
void kyso_changes_check_fill_covered(diff *d);

/* ---- what no rule explained (verify_changes_unexplained.c) ----------------
 */

/* 6. Every change no rule decided, by the role the walk gave it. */
void kyso_changes_apply_defaults(diff *d);
/* 7. Bytes after the last revision from offset from. */
void kyso_changes_check_tail(diff *d, size_t from);
/* 7. Object definitions no cross-reference section of a later revision
 * points at. */
void kyso_changes_check_unreferenced(diff *d, size_t signed_rev);

#endif
