/*
 * pdf_object.h - PDF object values (ISO 32000-1 7.3), private to the core.
 *
 * Values live in an arena: parsed ones in the document's, built ones in an
 * update's. A built dictionary may point at parsed values (the document
 * outlives its updates). Parsed values remember where they were in the file
 * (pos, end), which the verifier needs to check /Contents and /ByteRange.
 */
#ifndef KYSO_PDF_OBJECT_H
#define KYSO_PDF_OBJECT_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"

typedef enum kyso_obj_type {
  KYSO_OBJ_NULL = 0,
  KYSO_OBJ_BOOL,
  KYSO_OBJ_INT,
  KYSO_OBJ_REAL,
  KYSO_OBJ_STRING,
  KYSO_OBJ_NAME,
  KYSO_OBJ_ARRAY,
  KYSO_OBJ_DICT,
  KYSO_OBJ_REF,
  KYSO_OBJ_STREAM
} kyso_obj_type;

typedef struct kyso_obj kyso_obj;

typedef struct kyso_dict_entry {
  const char *key; /* name without the slash, #xx decoded, NUL-terminated */
  kyso_obj *value;
} kyso_dict_entry;

/* Writer marks: an object carrying a mark has its output offsets recorded
 * (pdf_serialize.c), so the signer knows where /Contents and /ByteRange are
 * without searching the output. */
typedef enum kyso_obj_mark {
  KYSO_MARK_NONE = 0,
  KYSO_MARK_CONTENTS = 1,  /* a hex string placeholder */
  KYSO_MARK_BYTERANGE = 2, /* an array printed with fixed-width numbers */
  KYSO_MARK_COUNT = 3
} kyso_obj_mark;

struct kyso_obj {
  kyso_obj_type type;
  uint8_t mark;    /* kyso_obj_mark */
  uint8_t hex;     /* string was (or is to be) written as <hex> */
  size_t pos, end; /* source byte range; 0, 0 for built values */
  union {
    int boolean;
    int64_t integer;
    double real;
    struct {
      uint8_t *data;
      size_t len;
    } string;
    const char *name;
    struct {
      kyso_obj **items;
      size_t count, cap;
    } array;
    struct {
      kyso_dict_entry *entries;
      size_t count, cap;
    } dict;
    struct {
      uint32_t num;
      uint16_t gen;
    } ref;
    struct {
      kyso_obj *dict;
      const uint8_t *data; /* raw (encoded) bytes, borrowed */
      size_t len;
      size_t data_pos; /* offset of data in the source, 0 if built */
    } stream;
  } u;
};

/* Constructors: NULL when the arena is out of memory. */
kyso_obj *kyso_obj_new(kyso_arena *a, kyso_obj_type type);
kyso_obj *kyso_obj_new_int(kyso_arena *a, int64_t value);
kyso_obj *kyso_obj_new_real(kyso_arena *a, double value);
kyso_obj *kyso_obj_new_bool(kyso_arena *a, int value);
kyso_obj *kyso_obj_new_name(kyso_arena *a, const char *name);
kyso_obj *kyso_obj_new_string(kyso_arena *a, const void *data, size_t len);
kyso_obj *kyso_obj_new_ref(kyso_arena *a, uint32_t num, uint16_t gen);
kyso_obj *kyso_obj_new_dict(kyso_arena *a);
kyso_obj *kyso_obj_new_array(kyso_arena *a);
/* A stream whose data is copied into the arena. */
kyso_obj *kyso_obj_new_stream(kyso_arena *a, kyso_obj *dict, const void *data,
                              size_t len);

/* Appends value; 0 on success, -1 on memory or KYSO_LIMIT_CONTAINER_ITEMS. */
int kyso_array_push(kyso_arena *a, kyso_obj *array, kyso_obj *value);
/* Sets key (copied) to value, replacing an existing entry; 0 or -1. */
int kyso_dict_set(kyso_arena *a, kyso_obj *dict, const char *key,
                  kyso_obj *value);
/* Appends key (not copied: it must live as long as the dictionary) and
 * value without looking for key: O(1), for readers that then call
 * kyso_dict_merge_duplicates once; 0 or -1 as kyso_array_push. */
int kyso_dict_append(kyso_arena *a, kyso_obj *dict, char *key, kyso_obj *value);
/* Leaves one entry per key, as kyso_dict_set one by one would have: the
 * first place with the last value. O(n log n); 0, or -1 out of memory. */
int kyso_dict_merge_duplicates(kyso_obj *dict);
/* Borrowed value for key, or NULL; no reference is followed. */
kyso_obj *kyso_dict_get(const kyso_obj *dict, const char *key);
/* A new dict (or array) in a holding the same entries (values shared). */
kyso_obj *kyso_obj_clone_shallow(kyso_arena *a, const kyso_obj *obj);

/* Small type tests that tolerate NULL. */
int kyso_obj_is(const kyso_obj *obj, kyso_obj_type type);
int kyso_obj_is_name(const kyso_obj *obj, const char *name);
/* Integer or real as a double; 0 if neither (check with is_number). */
int kyso_obj_is_number(const kyso_obj *obj);
double kyso_obj_number(const kyso_obj *obj);

#endif
