/* pdf_update.c - incremental update writer; see pdf_update.h. */
#include "pdf/pdf_update.h"

#include <stdlib.h>
#include <string.h>

#include "kyso/limits.h"

void kyso_update_init(kyso_update *u, kyso_pdf *pdf) {
  memset(u, 0, sizeof(*u));
  u->pdf = pdf;
  kyso_arena_init(&u->arena);
  u->next_num = pdf->max_object + 1;
  if (u->next_num < pdf->xref_count)
    u->next_num = (uint32_t)pdf->xref_count;
}

void kyso_update_free(kyso_update *u) {
  free(u->objects);
  kyso_arena_free(&u->arena);
  memset(u, 0, sizeof(*u));
}

static int push(kyso_update *u, uint32_t num, uint16_t gen, kyso_obj *obj) {
  if (u->count == u->cap) {
    size_t ncap = u->cap ? u->cap * 2 : 16;
    kyso_update_object *p = realloc(u->objects, ncap * sizeof(*p));
    if (!p)
      return -1;
    u->objects = p;
    u->cap = ncap;
  }
  u->objects[u->count].num = num;
  u->objects[u->count].gen = gen;
  u->objects[u->count].obj = obj;
  u->count++;
  return 0;
}

kyso_obj *kyso_update_add(kyso_update *u, kyso_obj *obj) {
  uint32_t num = u->next_num;
  if (!obj || num > KYSO_LIMIT_OBJECT_NUMBER || push(u, num, 0, obj) != 0)
    return NULL;
  u->next_num++;
  return kyso_obj_new_ref(&u->arena, num, 0);
}

kyso_status kyso_update_replace(kyso_update *u, uint32_t num, uint16_t gen,
                                kyso_obj *obj, kyso_error *err) {
  size_t i;
  for (i = 0; i < u->count; i++) {
    if (u->objects[i].num == num) {
      u->objects[i].obj = obj;
      return KYSO_OK;
    }
  }
  if (!obj || push(u, num, gen, obj) != 0)
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  return KYSO_OK;
}

kyso_status kyso_update_get(kyso_update *u, uint32_t num, kyso_obj **out,
                            kyso_error *err) {
  size_t i;
  for (i = 0; i < u->count; i++) {
    if (u->objects[i].num == num) {
      *out = u->objects[i].obj;
      return KYSO_OK;
    }
  }
  return kyso_pdf_get_object(u->pdf, num, out, err);
}

static int by_number(const void *a, const void *b) {
  const kyso_update_object *x = a, *y = b;
  return x->num < y->num ? -1 : x->num > y->num;
}

/* Trailer keys carried over from the newest trailer (7.5.5, 7.5.6). */
static kyso_status trailer_common(kyso_update *u, kyso_obj *dict, size_t size,
                                  kyso_error *err) {
  /* An encrypted document stays encrypted with the same key (7.6.1). */
  static const char *const keep[] = {"Root", "Info", "ID", "Encrypt"};
  size_t i;
  int ok = kyso_dict_set(&u->arena, dict, "Size",
                         kyso_obj_new_int(&u->arena, (int64_t)size)) == 0;
  for (i = 0; i < sizeof(keep) / sizeof(keep[0]) && ok; i++) {
    kyso_obj *v = kyso_dict_get(u->pdf->trailer, keep[i]);
    if (v)
      ok = kyso_dict_set(&u->arena, dict, keep[i], v) == 0;
  }
  if (ok)
    ok = kyso_dict_set(
             &u->arena, dict, "Prev",
             kyso_obj_new_int(&u->arena, (int64_t)u->pdf->startxref)) == 0;
  return ok ? KYSO_OK
            : kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
}

/* Runs of consecutive object numbers, as xref subsections. */
static size_t run_length(const kyso_update_object *objs, size_t count,
                         size_t i) {
  size_t n = 1;
  while (i + n < count && objs[i + n].num == objs[i].num + n)
    n++;
  return n;
}

static kyso_status write_table(kyso_update *u, kyso_buf *out,
                               const size_t *offsets, size_t size, size_t base,
                               kyso_error *err) {
  kyso_status ret;
  kyso_obj *trailer = kyso_obj_new_dict(&u->arena);
  size_t i, xref_at = base + out->len;

  if (!trailer)
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  kyso_buf_append_str(out, "xref\n");
  for (i = 0; i < u->count;) {
    size_t n = run_length(u->objects, u->count, i), k;
    kyso_buf_printf(out, "%u %zu\n", u->objects[i].num, n);
    for (k = 0; k < n; k++)
      kyso_buf_printf(out, "%010zu %05u n\r\n", offsets[i + k],
                      (unsigned)u->objects[i + k].gen);
    i += n;
  }
  ret = trailer_common(u, trailer, size, err);
  if (ret != KYSO_OK)
    return ret;
  kyso_buf_append_str(out, "trailer\n");
  ret = kyso_serialize(out, trailer, NULL, err);
  if (ret == KYSO_OK)
    kyso_buf_printf(out, "\nstartxref\n%zu\n%%%%EOF\n", xref_at);
  return ret;
}

static void put_be(kyso_buf *b, uint64_t v, int width) {
  int i;
  for (i = width - 1; i >= 0; i--)
    kyso_buf_append_byte(b, (uint8_t)(v >> (8 * i)));
}

/* The xref stream lists itself too: it is the last object written. */
static kyso_status write_stream(kyso_update *u, kyso_buf *out, size_t *offsets,
                                size_t size, size_t base, kyso_error *err) {
  kyso_status ret = KYSO_ERR_NO_MEMORY;
  kyso_arena *a = &u->arena;
  kyso_obj *dict = kyso_obj_new_dict(a), *w = kyso_obj_new_array(a);
  kyso_obj *index = kyso_obj_new_array(a), *stm;
  kyso_buf data;
  size_t i, xref_at = base + out->len;
  int ow = 1;

  kyso_buf_init(&data);
  if (!dict || !w || !index)
    goto done;
  while (ow < 8 && (xref_at >> (8 * ow)) != 0)
    ow++;
  for (i = 0; i < u->count;) {
    size_t n = run_length(u->objects, u->count, i), k;
    if (kyso_array_push(a, index, kyso_obj_new_int(a, u->objects[i].num)) ||
        kyso_array_push(a, index, kyso_obj_new_int(a, (int64_t)n)))
      goto done;
    for (k = 0; k < n; k++) {
      put_be(&data, 1, 1);
      put_be(&data, offsets[i + k], ow);
      put_be(&data, u->objects[i + k].gen, 2);
    }
    i += n;
  }
  if (kyso_array_push(a, index, kyso_obj_new_int(a, u->next_num)) ||
      kyso_array_push(a, index, kyso_obj_new_int(a, 1)))
    goto done;
  put_be(&data, 1, 1);
  put_be(&data, xref_at, ow);
  put_be(&data, 0, 2);
  if (!kyso_buf_ok(&data) || kyso_array_push(a, w, kyso_obj_new_int(a, 1)) ||
      kyso_array_push(a, w, kyso_obj_new_int(a, ow)) ||
      kyso_array_push(a, w, kyso_obj_new_int(a, 2)) ||
      kyso_dict_set(a, dict, "Type", kyso_obj_new_name(a, "XRef")) ||
      kyso_dict_set(a, dict, "W", w) ||
      kyso_dict_set(a, dict, "Index", index) ||
      kyso_dict_set(a, dict, "Length", kyso_obj_new_int(a, (int64_t)data.len)))
    goto done;
  ret = trailer_common(u, dict, size, err);
  if (ret != KYSO_OK)
    goto done;
  stm = kyso_obj_new_stream(a, dict, data.data, data.len);
  if (!stm) {
    ret = KYSO_ERR_NO_MEMORY;
    goto done;
  }
  kyso_buf_printf(out, "%u 0 obj\n", u->next_num);
  ret = kyso_serialize(out, stm, NULL, err);
  if (ret == KYSO_OK)
    kyso_buf_printf(out, "\nendobj\nstartxref\n%zu\n%%%%EOF\n", xref_at);
done:
  kyso_buf_free(&data);
  if (ret == KYSO_ERR_NO_MEMORY)
    kyso_error_set(err, ret, "out of memory writing the xref stream");
  return ret;
}

kyso_status kyso_update_write(kyso_update *u, kyso_buf *out,
                              kyso_write_marks *marks, kyso_error *err) {
  kyso_status ret;
  size_t *offsets = NULL;
  size_t i, size, base = u->pdf->len;
  uint8_t last = u->pdf->len ? u->pdf->data[u->pdf->len - 1] : '\n';

  if (u->count == 0) {
    ret = kyso_error_set(err, KYSO_ERR_STATE, "empty update");
    goto done;
  }
  qsort(u->objects, u->count, sizeof(*u->objects), by_number);
  offsets = calloc(u->count, sizeof(*offsets));
  if (!offsets) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  if (marks)
    memset(marks, 0, sizeof(*marks));
  if (last != '\n' && last != '\r')
    kyso_buf_append_byte(out, '\n');
  for (i = 0; i < u->count; i++) {
    kyso_obj *obj = u->objects[i].obj;
    if (u->pdf->crypt) {
      /* Strings and streams with the object's key, the signature's
       * /Contents in clear (pdf_crypt.h). */
      ret =
          kyso_crypt_encrypt_object(u->pdf->crypt, &u->arena, u->objects[i].num,
                                    u->objects[i].gen, obj, &obj, err);
      if (ret != KYSO_OK)
        goto done;
    }
    offsets[i] = base + out->len;
    kyso_buf_printf(out, "%u %u obj\n", u->objects[i].num,
                    (unsigned)u->objects[i].gen);
    ret = kyso_serialize(out, obj, marks, err);
    if (ret != KYSO_OK)
      goto done;
    kyso_buf_append_str(out, "\nendobj\n");
  }
  size = u->next_num;
  if (u->pdf->startxref_is_stream)
    size++; /* the xref stream takes next_num */
  {
    kyso_obj *old_size = kyso_dict_get(u->pdf->trailer, "Size");
    if (kyso_obj_is(old_size, KYSO_OBJ_INT) && old_size->u.integer > 0 &&
        (uint64_t)old_size->u.integer > size &&
        old_size->u.integer <= KYSO_LIMIT_OBJECT_NUMBER + 1)
      size = (size_t)old_size->u.integer;
  }
  if (u->pdf->startxref_is_stream)
    ret = write_stream(u, out, offsets, size, base, err);
  else
    ret = write_table(u, out, offsets, size, base, err);
  if (ret == KYSO_OK && !kyso_buf_ok(out))
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
done:
  free(offsets);
  return ret;
}
