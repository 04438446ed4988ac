/* pdf_object.c - constructing and reading PDF values; see pdf_object.h. */
#include "pdf/pdf_object.h"

#include <stdlib.h>
#include <string.h>

#include "kyso/limits.h"

kyso_obj *kyso_obj_new(kyso_arena *a, kyso_obj_type type) {
  kyso_obj *o = kyso_arena_alloc(a, sizeof(*o));
  if (o)
    o->type = type;
  return o;
}

kyso_obj *kyso_obj_new_int(kyso_arena *a, int64_t value) {
  kyso_obj *o = kyso_obj_new(a, KYSO_OBJ_INT);
  if (o)
    o->u.integer = value;
  return o;
}

kyso_obj *kyso_obj_new_real(kyso_arena *a, double value) {
  kyso_obj *o = kyso_obj_new(a, KYSO_OBJ_REAL);
  if (o)
    o->u.real = value;
  return o;
}

kyso_obj *kyso_obj_new_bool(kyso_arena *a, int value) {
  kyso_obj *o = kyso_obj_new(a, KYSO_OBJ_BOOL);
  if (o)
    o->u.boolean = value ? 1 : 0;
  return o;
}

kyso_obj *kyso_obj_new_name(kyso_arena *a, const char *name) {
  kyso_obj *o = kyso_obj_new(a, KYSO_OBJ_NAME);
  if (o) {
    o->u.name = kyso_arena_strndup(a, name, strlen(name));
    if (!o->u.name)
      o = NULL;
  }
  return o;
}

kyso_obj *kyso_obj_new_string(kyso_arena *a, const void *data, size_t len) {
  kyso_obj *o = kyso_obj_new(a, KYSO_OBJ_STRING);
  if (o) {
    o->u.string.data = (uint8_t *)kyso_arena_strndup(a, data, len);
    o->u.string.len = len;
    if (!o->u.string.data)
      o = NULL;
  }
  return o;
}

kyso_obj *kyso_obj_new_ref(kyso_arena *a, uint32_t num, uint16_t gen) {
  kyso_obj *o = kyso_obj_new(a, KYSO_OBJ_REF);
  if (o) {
    o->u.ref.num = num;
    o->u.ref.gen = gen;
  }
  return o;
}

kyso_obj *kyso_obj_new_dict(kyso_arena *a) {
  return kyso_obj_new(a, KYSO_OBJ_DICT);
}

kyso_obj *kyso_obj_new_array(kyso_arena *a) {
  return kyso_obj_new(a, KYSO_OBJ_ARRAY);
}

kyso_obj *kyso_obj_new_stream(kyso_arena *a, kyso_obj *dict, const void *data,
                              size_t len) {
  kyso_obj *o = kyso_obj_new(a, KYSO_OBJ_STREAM);
  uint8_t *copy;
  if (!o || !dict)
    return NULL;
  copy = kyso_arena_alloc(a, len);
  if (!copy)
    return NULL;
  if (len)
    memcpy(copy, data, len);
  o->u.stream.dict = dict;
  o->u.stream.data = copy;
  o->u.stream.len = len;
  return o;
}

/* Grows an arena array of elements to hold one more; arena memory is never
 * freed, so the old block is simply left behind. */
static void *grow(kyso_arena *a, void *items, size_t count, size_t *cap,
                  size_t size) {
  size_t ncap;
  void *p;
  if (count < *cap)
    return items;
  if (count >= KYSO_LIMIT_CONTAINER_ITEMS)
    return NULL;
  ncap = *cap ? *cap * 2 : 8;
  p = kyso_arena_calloc(a, ncap, size);
  if (!p)
    return NULL;
  if (count)
    memcpy(p, items, count * size);
  *cap = ncap;
  return p;
}

int kyso_array_push(kyso_arena *a, kyso_obj *array, kyso_obj *value) {
  kyso_obj **items;
  if (!array || array->type != KYSO_OBJ_ARRAY || !value)
    return -1;
  items = grow(a, array->u.array.items, array->u.array.count,
               &array->u.array.cap, sizeof(kyso_obj *));
  if (!items)
    return -1;
  array->u.array.items = items;
  items[array->u.array.count++] = value;
  return 0;
}

int kyso_dict_set(kyso_arena *a, kyso_obj *dict, const char *key,
                  kyso_obj *value) {
  size_t i;
  char *k;

  if (!dict || dict->type != KYSO_OBJ_DICT || !value)
    return -1;
  for (i = 0; i < dict->u.dict.count; i++) {
    if (strcmp(dict->u.dict.entries[i].key, key) == 0) {
      dict->u.dict.entries[i].value = value;
      return 0;
    }
  }
  k = kyso_arena_strndup(a, key, strlen(key));
  return k ? kyso_dict_append(a, dict, k, value) : -1;
}

int kyso_dict_append(kyso_arena *a, kyso_obj *dict, char *key,
                     kyso_obj *value) {
  kyso_dict_entry *entries;
  if (!dict || dict->type != KYSO_OBJ_DICT || !key || !value)
    return -1;
  entries = grow(a, dict->u.dict.entries, dict->u.dict.count, &dict->u.dict.cap,
                 sizeof(kyso_dict_entry));
  if (!entries)
    return -1;
  dict->u.dict.entries = entries;
  entries[dict->u.dict.count].key = key;
  entries[dict->u.dict.count].value = value;
  dict->u.dict.count++;
  return 0;
}

/* Below this many entries comparing every pair costs less than sorting. */
enum { DICT_PAIRWISE_MAX = 16 };

typedef struct key_place {
  const char *key;
  size_t index;
} key_place;

static int key_place_cmp(const void *a, const void *b) {
  const key_place *x = a, *y = b;
  int c = strcmp(x->key, y->key);
  if (c)
    return c;
  return x->index < y->index ? -1 : x->index > y->index;
}

int kyso_dict_merge_duplicates(kyso_obj *dict) {
  kyso_dict_entry *entries;
  key_place *order = NULL;
  size_t n, i, j, kept;

  if (!dict || dict->type != KYSO_OBJ_DICT || dict->u.dict.count < 2)
    return 0;
  entries = dict->u.dict.entries;
  n = dict->u.dict.count;
  /* A merged-away entry gets a NULL key, then the rest close up in order. */
  if (n <= DICT_PAIRWISE_MAX) {
    for (i = 1; i < n; i++)
      for (j = 0; j < i; j++)
        if (entries[j].key && strcmp(entries[j].key, entries[i].key) == 0) {
          entries[j].value = entries[i].value;
          entries[i].key = NULL;
          break;
        }
  } else {
    order = malloc(n * sizeof(*order));
    if (!order)
      return -1;
    for (i = 0; i < n; i++) {
      order[i].key = entries[i].key;
      order[i].index = i;
    }
    qsort(order, n, sizeof(*order), key_place_cmp);
    for (i = 0; i < n; i = j) {
      for (j = i + 1; j < n && strcmp(order[j].key, order[i].key) == 0; j++)
        entries[order[j].index].key = NULL;
      if (j - i > 1)
        entries[order[i].index].value = entries[order[j - 1].index].value;
    }
    free(order);
  }
  for (i = 0, kept = 0; i < n; i++)
    if (entries[i].key)
      entries[kept++] = entries[i];
  dict->u.dict.count = kept;
  return 0;
}

kyso_obj *kyso_dict_get(const kyso_obj *dict, const char *key) {
  size_t i;
  if (!dict || dict->type != KYSO_OBJ_DICT)
    return NULL;
  for (i = 0; i < dict->u.dict.count; i++)
    if (strcmp(dict->u.dict.entries[i].key, key) == 0)
      return dict->u.dict.entries[i].value;
  return NULL;
}

kyso_obj *kyso_obj_clone_shallow(kyso_arena *a, const kyso_obj *obj) {
  kyso_obj *copy;
  size_t i;

  if (!obj)
    return NULL;
  copy = kyso_obj_new(a, obj->type);
  if (!copy)
    return NULL;
  if (obj->type == KYSO_OBJ_DICT) {
    /* The keys are already distinct: append, or a big dictionary costs
     * a comparison of every pair. */
    for (i = 0; i < obj->u.dict.count; i++) {
      const char *key = obj->u.dict.entries[i].key;
      char *k = kyso_arena_strndup(a, key, strlen(key));
      if (!k || kyso_dict_append(a, copy, k, obj->u.dict.entries[i].value) != 0)
        return NULL;
    }
  } else if (obj->type == KYSO_OBJ_ARRAY) {
    for (i = 0; i < obj->u.array.count; i++)
      if (kyso_array_push(a, copy, obj->u.array.items[i]) != 0)
        return NULL;
  } else {
    *copy = *obj;
  }
  copy->pos = copy->end = 0;
  return copy;
}

int kyso_obj_is(const kyso_obj *obj, kyso_obj_type type) {
  return obj && obj->type == type;
}

int kyso_obj_is_name(const kyso_obj *obj, const char *name) {
  return obj && obj->type == KYSO_OBJ_NAME && strcmp(obj->u.name, name) == 0;
}

int kyso_obj_is_number(const kyso_obj *obj) {
  return obj && (obj->type == KYSO_OBJ_INT || obj->type == KYSO_OBJ_REAL);
}

double kyso_obj_number(const kyso_obj *obj) {
  if (kyso_obj_is(obj, KYSO_OBJ_INT))
    return (double)obj->u.integer;
  if (kyso_obj_is(obj, KYSO_OBJ_REAL))
    return obj->u.real;
  return 0.0;
}
