/*
 * dss_write.c - kyso_dss_append: certificates, CRLs and OCSP responses into
 * the catalog's /DSS by incremental update (ISO 32000-2 12.8.4.3, ETSI EN
 * 319 142-1 5.4.2). See kyso/dss.h.
 *
 * An indirect /DSS is replaced in place (the catalog is left alone); a
 * direct or missing one becomes a new indirect object referenced from a
 * copy of the catalog. Old entries are kept as they are (references to the
 * old streams); new items are appended as new FlateDecode streams.
 */
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "kyso/dss.h"
#include "pdf/pdf_file.h"
#include "pdf/pdf_filter.h"
#include "pdf/pdf_update.h"

/* Entries of an existing DSS array looked at for duplicates. */
enum { EXISTING_WALK_MAX = 4 * KYSO_DSS_ITEMS_MAX };

typedef enum item_kind {
  ITEM_CERT = 0,
  ITEM_CRL,
  ITEM_OCSP,
  ITEM_KINDS
} item_kind;

static const char *const array_key[ITEM_KINDS] = {"Certs", "CRLs", "OCSPs"};
static const char *const kind_name[ITEM_KINDS] = {"certificate", "CRL",
                                                  "OCSP response"};

/* The decoded contents of one kind's items already in the DSS. */
typedef struct existing_items {
  kyso_buf *items;
  size_t count;
} existing_items;

static void existing_free(existing_items *e) {
  size_t i;
  for (i = 0; i < e->count; i++)
    kyso_buf_free(&e->items[i]);
  free(e->items);
  e->items = NULL;
  e->count = 0;
}

/* The whole blob is one DER value of its kind (and an OCSP response says
 * successful: anything else carries no status). */
static int item_decodes(item_kind kind, const kyso_blob *b) {
  const unsigned char *p = b->data;
  long len = (long)b->len;
  int ok = 0;

  if (!b->data || b->len == 0 || b->len > KYSO_DSS_ITEM_SIZE_MAX)
    return 0;
  if (kind == ITEM_CERT) {
    X509 *x = d2i_X509(NULL, &p, len);
    ok = x != NULL;
    X509_free(x);
  } else if (kind == ITEM_CRL) {
    X509_CRL *c = d2i_X509_CRL(NULL, &p, len);
    ok = c != NULL;
    X509_CRL_free(c);
  } else {
    OCSP_RESPONSE *r = d2i_OCSP_RESPONSE(NULL, &p, len);
    ok =
        r != NULL && OCSP_response_status(r) == OCSP_RESPONSE_STATUS_SUCCESSFUL;
    OCSP_RESPONSE_free(r);
  }
  ERR_clear_error();
  return ok && p == b->data + b->len;
}

/* Decodes the streams of an existing DSS array (those that decode). */
static kyso_status read_existing(kyso_pdf *pdf, kyso_obj *arr,
                                 existing_items *e, kyso_error *err) {
  size_t i, n = arr ? arr->u.array.count : 0;

  if (n > EXISTING_WALK_MAX)
    n = EXISTING_WALK_MAX;
  if (n == 0)
    return KYSO_OK;
  e->items = calloc(n, sizeof(*e->items));
  if (!e->items)
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  for (i = 0; i < n; i++) {
    kyso_obj *stm = NULL;
    kyso_error scratch;
    kyso_buf *b = &e->items[e->count];
    kyso_status s =
        kyso_pdf_resolve(pdf, arr->u.array.items[i], &stm, &scratch);
    if (s == KYSO_ERR_NO_MEMORY)
      return kyso_error_set(err, s, "out of memory");
    if (s != KYSO_OK || !kyso_obj_is(stm, KYSO_OBJ_STREAM))
      continue;
    kyso_buf_init(b);
    s = kyso_pdf_stream_decode(pdf, stm, KYSO_DSS_ITEM_SIZE_MAX, b, &scratch);
    if (s == KYSO_ERR_NO_MEMORY) {
      kyso_buf_free(b);
      return kyso_error_set(err, s, "out of memory");
    }
    if (s != KYSO_OK) {
      kyso_buf_free(b);
      continue;
    }
    e->count++;
  }
  return KYSO_OK;
}

static int same_bytes(const uint8_t *a, size_t alen, const uint8_t *b,
                      size_t blen) {
  return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

/* Is blobs[k] already in the DSS, or earlier in blobs? */
static int is_duplicate(const existing_items *e, const kyso_blob *blobs,
                        size_t k) {
  size_t i;
  for (i = 0; i < e->count; i++)
    if (same_bytes(e->items[i].data, e->items[i].len, blobs[k].data,
                   blobs[k].len))
      return 1;
  for (i = 0; i < k; i++)
    if (same_bytes(blobs[i].data, blobs[i].len, blobs[k].data, blobs[k].len))
      return 1;
  return 0;
}

/* A new FlateDecode stream holding b; its reference, or NULL. */
static kyso_status add_stream(kyso_update *u, const kyso_blob *b,
                              kyso_obj **ref, kyso_error *err) {
  kyso_status ret;
  kyso_arena *a = &u->arena;
  kyso_buf z;
  kyso_obj *dict;

  kyso_buf_init(&z);
  ret = kyso_flate_encode(b->data, b->len, &z, err);
  if (ret != KYSO_OK)
    goto done;
  dict = kyso_obj_new_dict(a);
  if (!dict ||
      kyso_dict_set(a, dict, "Length", kyso_obj_new_int(a, (int64_t)z.len)) ||
      kyso_dict_set(a, dict, "Filter", kyso_obj_new_name(a, "FlateDecode")) ||
      (*ref = kyso_update_add(
           u, kyso_obj_new_stream(a, dict, z.data, z.len))) == NULL) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  ret = KYSO_OK;
done:
  kyso_buf_free(&z);
  return ret;
}

/* dss[key] = old entries + the new, non-duplicate blobs. *added counts. */
static kyso_status merge_kind(kyso_update *u, kyso_obj *dss, item_kind kind,
                              const kyso_blob *blobs, size_t n, size_t *added,
                              kyso_error *err) {
  kyso_status ret;
  kyso_arena *a = &u->arena;
  kyso_obj *old = NULL, *arr;
  existing_items e = {NULL, 0};
  kyso_error scratch;
  size_t k;

  *added = 0;
  if (n == 0)
    return KYSO_OK;
  /* An unreadable old array is dropped from the new DSS, not fatal: the
   * verifier would skip it anyway. */
  if (kyso_pdf_resolve(u->pdf, kyso_dict_get(dss, array_key[kind]), &old,
                       &scratch) != KYSO_OK ||
      !kyso_obj_is(old, KYSO_OBJ_ARRAY))
    old = NULL;
  ret = read_existing(u->pdf, old, &e, err);
  if (ret != KYSO_OK)
    goto done;
  arr = old ? kyso_obj_clone_shallow(a, old) : kyso_obj_new_array(a);
  if (!arr) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  for (k = 0; k < n; k++) {
    kyso_obj *ref = NULL;
    if (is_duplicate(&e, blobs, k))
      continue;
    if (arr->u.array.count >= KYSO_DSS_ITEMS_MAX) {
      ret = kyso_error_set(err, KYSO_ERR_LIMIT,
                           "the DSS would hold more than %d %s items",
                           KYSO_DSS_ITEMS_MAX, array_key[kind]);
      goto done;
    }
    ret = add_stream(u, &blobs[k], &ref, err);
    if (ret != KYSO_OK)
      goto done;
    if (kyso_array_push(a, arr, ref)) {
      ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
      goto done;
    }
    (*added)++;
  }
  if (*added && kyso_dict_set(a, dss, array_key[kind], arr)) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  ret = KYSO_OK;
done:
  existing_free(&e);
  return ret;
}

static kyso_status check_inputs(const kyso_blob *const lists[ITEM_KINDS],
                                const size_t counts[ITEM_KINDS],
                                kyso_error *err) {
  int kind;
  size_t i;
  for (kind = 0; kind < ITEM_KINDS; kind++) {
    if (counts[kind] > KYSO_DSS_ITEMS_MAX)
      return kyso_error_set(err, KYSO_ERR_LIMIT, "more than %d %s items",
                            KYSO_DSS_ITEMS_MAX, array_key[kind]);
    if (counts[kind] && !lists[kind])
      return kyso_error_set(err, KYSO_ERR_ARGUMENT, "no %s list given",
                            kind_name[kind]);
    for (i = 0; i < counts[kind]; i++)
      if (!item_decodes((item_kind)kind, &lists[kind][i]))
        return kyso_error_set(
            err, KYSO_ERR_ARGUMENT, "%s %zu is not a DER %s%s", kind_name[kind],
            i + 1, kind_name[kind],
            kind == ITEM_OCSP ? " with status successful" : "");
  }
  return KYSO_OK;
}

kyso_status kyso_dss_append(const uint8_t *pdf, size_t len,
                            const kyso_blob *certs, size_t ncerts,
                            const kyso_blob *crls, size_t ncrls,
                            const kyso_blob *ocsps, size_t nocsps,
                            uint8_t **update, size_t *update_len,
                            kyso_error *err) {
  const kyso_blob *const lists[ITEM_KINDS] = {certs, crls, ocsps};
  const size_t counts[ITEM_KINDS] = {ncerts, ncrls, nocsps};
  kyso_status ret;
  kyso_pdf *doc = NULL;
  kyso_update u;
  int update_ready = 0, kind;
  kyso_obj *root_ref, *root = NULL, *dss_raw, *old_dss = NULL, *dss;
  size_t added, total = 0;
  kyso_buf out;

  kyso_buf_init(&out);
  if (!update || !update_len || !pdf) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "missing argument");
    goto done;
  }
  *update = NULL;
  *update_len = 0;
  ret = check_inputs(lists, counts, err);
  if (ret == KYSO_OK)
    ret = kyso_pdf_open(pdf, len, &doc, err);
  if (ret == KYSO_OK)
    ret = kyso_pdf_check(doc, err);
  if (ret != KYSO_OK)
    goto done;
  kyso_update_init(&u, doc);
  update_ready = 1;

  root_ref = kyso_dict_get(doc->trailer, "Root");
  if (!kyso_obj_is(root_ref, KYSO_OBJ_REF)) {
    ret = kyso_error_set(err, KYSO_ERR_PDF_TRAILER,
                         "/Root is not an indirect reference");
    goto done;
  }
  ret = kyso_update_get(&u, root_ref->u.ref.num, &root, err);
  if (ret != KYSO_OK)
    goto done;
  if (!kyso_obj_is(root, KYSO_OBJ_DICT)) {
    ret = kyso_error_set(err, KYSO_ERR_PDF_OBJECT,
                         "the catalog is not a dictionary");
    goto done;
  }
  dss_raw = kyso_dict_get(root, "DSS");
  if (kyso_obj_is(dss_raw, KYSO_OBJ_REF)) {
    ret = kyso_update_get(&u, dss_raw->u.ref.num, &old_dss, err);
    if (ret != KYSO_OK)
      goto done;
  } else {
    old_dss = dss_raw;
  }
  if (!kyso_obj_is(old_dss, KYSO_OBJ_DICT))
    old_dss = NULL; /* none, or not a dictionary: start afresh */
  dss = old_dss ? kyso_obj_clone_shallow(&u.arena, old_dss)
                : kyso_obj_new_dict(&u.arena);
  if (!dss || (!old_dss && kyso_dict_set(&u.arena, dss, "Type",
                                         kyso_obj_new_name(&u.arena, "DSS")))) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  for (kind = 0; kind < ITEM_KINDS; kind++) {
    ret = merge_kind(&u, dss, (item_kind)kind, lists[kind], counts[kind],
                     &added, err);
    if (ret != KYSO_OK)
      goto done;
    total += added;
  }
  if (total == 0) {
    ret = KYSO_OK; /* all there already: no update */
    goto done;
  }
  if (kyso_obj_is(dss_raw, KYSO_OBJ_REF) && old_dss) {
    ret = kyso_update_replace(&u, dss_raw->u.ref.num, dss_raw->u.ref.gen, dss,
                              err);
  } else {
    kyso_obj *ref = kyso_update_add(&u, dss);
    kyso_obj *root_copy = kyso_obj_clone_shallow(&u.arena, root);
    if (!ref || !root_copy || kyso_dict_set(&u.arena, root_copy, "DSS", ref))
      ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    else
      ret = kyso_update_replace(&u, root_ref->u.ref.num, root_ref->u.ref.gen,
                                root_copy, err);
  }
  if (ret == KYSO_OK)
    ret = kyso_update_write(&u, &out, NULL, err);
  if (ret == KYSO_OK && !kyso_buf_ok(&out))
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  if (ret != KYSO_OK)
    goto done;
  *update = kyso_buf_take(&out, update_len);
done:
  kyso_buf_free(&out);
  if (update_ready)
    kyso_update_free(&u);
  kyso_pdf_close(doc);
  return ret;
}
