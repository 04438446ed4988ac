/*
 * verify_changes_compare.c - the changes analysis' small helpers, value
 * comparison (structural, streams by decoded bytes) and the records of
 * changed objects and other findings (verify_changes.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kyso/limits.h"
#include "verify/verify_changes.h"

/* ---- small helpers ------------------------------------------------------- */

int kyso_changes_grow(diff *d, void **items, size_t *cap, size_t count,
                      size_t size) {
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
kyso_obj *kyso_changes_resolve(diff *d, kyso_pdf *pdf, kyso_obj *obj) {
  kyso_obj *out = NULL;
  kyso_status ret = kyso_pdf_resolve(pdf, obj, &out, &d->scratch);
  if (ret == KYSO_ERR_NO_MEMORY)
    d->oom = 1;
  return ret == KYSO_OK ? out : NULL;
}

kyso_obj *kyso_changes_get(diff *d, kyso_pdf *pdf, const kyso_obj *dict,
                           const char *key) {
  return kyso_changes_resolve(d, pdf, kyso_dict_get(dict, key));
}

kyso_obj *kyso_changes_object(diff *d, kyso_pdf *pdf, uint32_t num) {
  kyso_obj *out = NULL;
  kyso_status ret = kyso_pdf_get_object(pdf, num, &out, &d->scratch);
  if (ret == KYSO_ERR_NO_MEMORY)
    d->oom = 1;
  return ret == KYSO_OK ? out : NULL;
}

uint32_t kyso_changes_ref_num(const kyso_obj *o) {
  return kyso_obj_is(o, KYSO_OBJ_REF) ? o->u.ref.num : 0;
}

/* The dictionary of a dict or stream, else NULL. */
const kyso_obj *kyso_changes_dict_of(const kyso_obj *o) {
  if (kyso_obj_is(o, KYSO_OBJ_STREAM))
    return o->u.stream.dict;
  return kyso_obj_is(o, KYSO_OBJ_DICT) ? o : NULL;
}

const char *kyso_changes_name_of(const kyso_obj *dict, const char *key) {
  const kyso_obj *v = kyso_dict_get(kyso_changes_dict_of(dict), key);
  return kyso_obj_is(v, KYSO_OBJ_NAME) ? v->u.name : NULL;
}

int kyso_changes_in_list(const char *const *list, const char *s) {
  size_t i;
  for (i = 0; list && list[i]; i++)
    if (strcmp(list[i], s) == 0)
      return 1;
  return 0;
}

int kyso_changes_cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

int kyso_changes_has_u32(const uint32_t *set, size_t n, uint32_t v) {
  return n && bsearch(&v, set, n, sizeof(*set), kyso_changes_cmp_u32) != NULL;
}

/* ---- comparing values ---------------------------------------------------- */

/* Structural equality; references are equal when they name the same
 * object (each object number is compared on its own). */
int kyso_changes_value_equal(const kyso_obj *a, const kyso_obj *b, int depth) {
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
      if (!kyso_changes_value_equal(a->u.array.items[i], b->u.array.items[i],
                                    depth + 1))
        return 0;
    return 1;
  case KYSO_OBJ_DICT: return kyso_changes_dict_diff(a, b, NULL, depth) == NULL;
  case KYSO_OBJ_REF:
    return a->u.ref.num == b->u.ref.num && a->u.ref.gen == b->u.ref.gen;
  case KYSO_OBJ_STREAM:
    return a->u.stream.len == b->u.stream.len &&
           (a->u.stream.len == 0 ||
            memcmp(a->u.stream.data, b->u.stream.data, a->u.stream.len) == 0) &&
           kyso_changes_dict_diff(a->u.stream.dict, b->u.stream.dict, NULL,
                                  depth) == NULL;
  default: return 0;
  }
}

static size_t dict_count(const kyso_obj *d) {
  return kyso_obj_is(d, KYSO_OBJ_DICT) ? d->u.dict.count : 0;
}

/* A null value is the same as no entry (7.3.7). */
const kyso_obj *kyso_changes_dict_value(const kyso_obj *d, const char *key) {
  const kyso_obj *v =
      kyso_obj_is(d, KYSO_OBJ_DICT) ? kyso_dict_get(d, key) : NULL;
  return kyso_obj_is(v, KYSO_OBJ_NULL) ? NULL : v;
}

/* The first key not in skip whose value differs between dictionaries a and
 * b (NULL: no entries), or NULL when they agree. Very large dictionaries
 * are compared entry by entry in order, which only errs towards "changed". */
const char *kyso_changes_dict_diff(const kyso_obj *a, const kyso_obj *b,
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
      if (!kyso_changes_in_list(skip, x->key) &&
          !kyso_changes_value_equal(x->value, y->value, depth + 1))
        return x->key;
    }
    return NULL;
  }
  for (i = 0; i < na; i++) {
    const kyso_dict_entry *e = &a->u.dict.entries[i];
    const kyso_obj *v;
    if (kyso_changes_in_list(skip, e->key) ||
        kyso_obj_is(e->value, KYSO_OBJ_NULL))
      continue;
    v = kyso_changes_dict_value(b, e->key);
    if (!v || !kyso_changes_value_equal(e->value, v, depth + 1))
      return e->key;
  }
  for (i = 0; i < nb; i++) {
    const kyso_dict_entry *e = &b->u.dict.entries[i];
    if (kyso_changes_in_list(skip, e->key) ||
        kyso_obj_is(e->value, KYSO_OBJ_NULL))
      continue;
    if (!kyso_changes_dict_value(a, e->key))
      return e->key;
  }
  return NULL;
}

/* Streams are the same when their dictionaries and bytes are, or when
 * only the encoding differs and the decoded bytes agree. */
int kyso_changes_stream_equal(diff *d, const kyso_obj *a, const kyso_obj *b) {
  static const char *const encoding[] = {"Length", "Filter", "DecodeParms",
                                         "DL", NULL};
  kyso_buf x, y;
  kyso_status rx, ry;
  int same;

  if (kyso_changes_value_equal(a, b, 0))
    return 1;
  if (kyso_changes_dict_diff(a->u.stream.dict, b->u.stream.dict, encoding, 0))
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

change_rec *kyso_changes_find_rec(diff *d, uint32_t num) {
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

void kyso_changes_add_rec(diff *d, uint32_t num, int state, int broken) {
  change_rec *r;
  if (d->count >= CHANGES_MAX) {
    d->overflow = 1;
    return;
  }
  if (kyso_changes_grow(d, (void **)&d->recs, &d->cap, d->count, sizeof(*r)))
    return;
  r = &d->recs[d->count++];
  memset(r, 0, sizeof(*r));
  r->num = num;
  r->state = (uint8_t)state;
  r->broken = (uint8_t)broken;
}

/* Records what a rule found. A refusal sticks: a later approval does not
 * undo it, and a refusal replaces an earlier approval. */
void kyso_changes_decide(change_rec *r, const char *kind, int allowed,
                         const char *what, const char *name) {
  if (!r || (r->decided && (!r->allowed || allowed)))
    return;
  r->decided = 1;
  r->kind = kind;
  r->allowed = (uint8_t)(allowed != 0);
  r->what = what;
  r->name = name;
}

void kyso_changes_decide_num(diff *d, uint32_t num, const char *kind,
                             int allowed, const char *what, const char *name) {
  if (num)
    kyso_changes_decide(kyso_changes_find_rec(d, num), kind, allowed, what,
                        name);
}

void kyso_changes_add_extra(diff *d, uint32_t object, const char *kind,
                            const char *format, ...) {
  change_extra *e;
  va_list ap;
  if (d->extra_count >= EXTRAS_MAX) {
    d->extra_dropped++;
    return;
  }
  if (kyso_changes_grow(d, (void **)&d->extras, &d->extra_cap, d->extra_count,
                        sizeof(*e)))
    return;
  e = &d->extras[d->extra_count++];
  e->object = object;
  e->kind = kind;
  va_start(ap, format);
  vsnprintf(e->detail, sizeof(e->detail), format, ap);
  va_end(ap);
}

/* ---- the same by value, following references ----------------------------- */

/* One comparison by value: a resource dictionary replaced by a copy (a
 * writer that saves every page's /Resources anew, a signer that rebuilds
 * /DR) draws exactly what the signed one drew. References are followed
 * into both documents. A reference in cur may lead to an added object, to
 * an unchanged one, or to a changed object compared with its own signed
 * version; a changed object standing where the signed document had
 * another object is never "the same": its other users would see the
 * change. Work is bounded per analysis (d->compare_nodes); running out
 * answers "not the same", which only errs towards "changed". */
typedef struct same_walk {
  diff *d;
  int approve; /* second pass: decide the records proven the same */
  const char *kind, *what;
  int allowed;
} same_walk;

static int same_rec(same_walk *s, const kyso_obj *a, const kyso_obj *b,
                    int level, int refs);

static int same_ref(same_walk *s, const kyso_obj *a, const kyso_obj *b,
                    int level, int refs) {
  diff *d = s->d;
  uint32_t na = kyso_changes_ref_num(a), nb = kyso_changes_ref_num(b);
  change_rec *r = nb ? kyso_changes_find_rec(d, nb) : NULL;
  const kyso_obj *ra = a, *rb = b;
  int same;

  if (refs >= KYSO_LIMIT_CHANGES_REF_DEPTH)
    return 0;
  if (r && (r->broken || r->state == ST_FREED ||
            (r->state == ST_CHANGED && na != nb)))
    return 0;
  if (nb && na == nb && !r && a->u.ref.gen == b->u.ref.gen)
    return 1; /* the very object signed, unchanged */
  if (na)
    ra = kyso_changes_object(d, d->old, na);
  if (nb)
    rb = kyso_changes_object(d, d->cur, nb);
  if (!ra || !rb)
    return 0;
  same = same_rec(s, ra, rb, level, refs + 1);
  if (same && s->approve && r)
    kyso_changes_decide(r, s->kind, s->allowed, s->what, NULL);
  return same;
}

static int same_dict(same_walk *s, const kyso_obj *a, const kyso_obj *b,
                     const char *const *skip, int level, int refs) {
  size_t na = dict_count(a), nb = dict_count(b), i;
  if (na > DICT_LOOKUP_MAX || nb > DICT_LOOKUP_MAX) {
    if (na != nb)
      return 0;
    for (i = 0; i < na; i++) {
      const kyso_dict_entry *x = &a->u.dict.entries[i];
      const kyso_dict_entry *y = &b->u.dict.entries[i];
      if (strcmp(x->key, y->key) != 0 ||
          (!kyso_changes_in_list(skip, x->key) &&
           !same_rec(s, x->value, y->value, level + 1, refs)))
        return 0;
    }
    return 1;
  }
  for (i = 0; i < na; i++) {
    const kyso_dict_entry *e = &a->u.dict.entries[i];
    const kyso_obj *v;
    if (kyso_changes_in_list(skip, e->key) ||
        kyso_obj_is(e->value, KYSO_OBJ_NULL))
      continue;
    v = kyso_changes_dict_value(b, e->key);
    if (!v || !same_rec(s, e->value, v, level + 1, refs))
      return 0;
  }
  for (i = 0; i < nb; i++) {
    const kyso_dict_entry *e = &b->u.dict.entries[i];
    if (kyso_changes_in_list(skip, e->key) ||
        kyso_obj_is(e->value, KYSO_OBJ_NULL))
      continue;
    if (!kyso_changes_dict_value(a, e->key))
      return 0;
  }
  return 1;
}

/* The same bytes under the same dictionary, or the same decoded bytes. */
static int same_stream(same_walk *s, const kyso_obj *a, const kyso_obj *b,
                       int level, int refs) {
  static const char *const length[] = {"Length", NULL};
  static const char *const encoding[] = {"Length", "Filter", "DecodeParms",
                                         "DL", NULL};
  diff *d = s->d;
  kyso_buf x, y;
  kyso_status rx, ry;
  int same;

  if (a->u.stream.len == b->u.stream.len &&
      (a->u.stream.len == 0 ||
       memcmp(a->u.stream.data, b->u.stream.data, a->u.stream.len) == 0))
    return same_dict(s, a->u.stream.dict, b->u.stream.dict, length, level,
                     refs);
  if (!same_dict(s, a->u.stream.dict, b->u.stream.dict, encoding, level, refs))
    return 0;
  kyso_buf_init(&x);
  kyso_buf_init(&y);
  rx = kyso_pdf_stream_decode(d->old, a, CHANGES_DECODE_LIMIT, &x, &d->scratch);
  ry = kyso_pdf_stream_decode(d->cur, b, CHANGES_DECODE_LIMIT, &y, &d->scratch);
  if (rx == KYSO_ERR_NO_MEMORY || ry == KYSO_ERR_NO_MEMORY)
    d->oom = 1;
  same = rx == KYSO_OK && ry == KYSO_OK && x.len == y.len &&
         (x.len == 0 || memcmp(x.data, y.data, x.len) == 0);
  /* decoding costs in proportion to the bytes: charge them as objects */
  d->compare_nodes += (x.len + y.len) / 1024;
  kyso_buf_free(&x);
  kyso_buf_free(&y);
  return same;
}

static int same_rec(same_walk *s, const kyso_obj *a, const kyso_obj *b,
                    int level, int refs) {
  size_t i;
  if (!a || !b || level > KYSO_LIMIT_OBJECT_DEPTH || s->d->oom ||
      ++s->d->compare_nodes > KYSO_LIMIT_CHANGES_COMPARE_NODES)
    return 0;
  if (kyso_obj_is(a, KYSO_OBJ_REF) || kyso_obj_is(b, KYSO_OBJ_REF))
    return same_ref(s, a, b, level, refs);
  if (a->type != b->type || kyso_obj_is_number(a))
    return kyso_changes_value_equal(a, b, level); /* 1 and 1.0 agree */
  switch (a->type) {
  case KYSO_OBJ_ARRAY:
    if (a->u.array.count != b->u.array.count)
      return 0;
    for (i = 0; i < a->u.array.count; i++)
      if (!same_rec(s, a->u.array.items[i], b->u.array.items[i], level + 1,
                    refs))
        return 0;
    return 1;
  case KYSO_OBJ_DICT: return same_dict(s, a, b, NULL, level, refs);
  case KYSO_OBJ_STREAM: return same_stream(s, a, b, level, refs);
  default: return kyso_changes_value_equal(a, b, level);
  }
}

int kyso_changes_same_value(diff *d, const kyso_obj *a, const kyso_obj *b,
                            const char *kind, int allowed, const char *what) {
  same_walk s;
  size_t spent = d->compare_nodes;
  int same;
  if (!a && !b)
    return 1;
  s.d = d;
  s.approve = 0;
  s.kind = kind;
  s.allowed = allowed;
  s.what = what;
  same = same_rec(&s, a, b, 0, 0);
  if (same) {
    /* The same walk again, from the same budget, deciding as it goes. */
    size_t after = d->compare_nodes;
    d->compare_nodes = spent;
    s.approve = 1;
    same = same_rec(&s, a, b, 0, 0);
    d->compare_nodes = after;
  }
  return same;
}
