/*
 * dss_write.c - kyso_dss_append: certificates, CRLs and OCSP responses into
 * the catalog's /DSS by incremental update (ISO 32000-2 12.8.4.3, ETSI EN
 * 319 142-1 5.4.2). See kyso/dss.h.
 *
 * An indirect /DSS is replaced in place (the catalog is left alone); a
 * direct or missing one becomes a new indirect object referenced from a
 * copy of the catalog. Old entries are kept as they are (references to the
 * old streams); new items are appended as new FlateDecode streams.
 *
 * /VRI (ISO 32000-2 12.8.4.4 Table 263, ETSI EN 319 142-1 5.4.2.2): one
 * dictionary per signature, under the upper-case hex SHA-1 of its
 * /Contents (kyso_ltv_signature.vri_key), with /Cert, /CRL and /OCSP
 * arrays of references to the DSS streams and an optional /TU date. An
 * item given again that the DSS already holds is referenced where it is,
 * not stored twice. Existing entries are kept; one under the same key
 * (compared without regard to case) gains the new references it lacks.
 * A new /VRI and new entries are written as direct dictionaries; an
 * indirect one is replaced in place.
 */
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/time_civil.h"
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
/* The arrays' names in a /VRI entry (Table 263). */
static const char *const vri_key[ITEM_KINDS] = {"Cert", "CRL", "OCSP"};
static const char *const kind_name[ITEM_KINDS] = {"certificate", "CRL",
                                                  "OCSP response"};

/* The decoded contents of one kind's items already in the DSS, and the
 * references the DSS array holds them by. */
typedef struct existing_items {
  kyso_buf *items;
  kyso_obj **refs;
  size_t count;
} existing_items;

static void existing_free(existing_items *e) {
  size_t i;
  for (i = 0; i < e->count; i++)
    kyso_buf_free(&e->items[i]);
  free(e->items);
  free(e->refs);
  e->items = NULL;
  e->refs = NULL;
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
  e->refs = calloc(n, sizeof(*e->refs));
  if (!e->items || !e->refs)
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  for (i = 0; i < n; i++) {
    kyso_obj *stm = NULL;
    kyso_error scratch;
    kyso_buf *b = &e->items[e->count];
    kyso_status s;
    /* A stream is always indirect (7.3.8): a reference or nothing. */
    if (!kyso_obj_is(arr->u.array.items[i], KYSO_OBJ_REF))
      continue;
    s = kyso_pdf_resolve(pdf, arr->u.array.items[i], &stm, &scratch);
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
    e->refs[e->count] = arr->u.array.items[i];
    e->count++;
  }
  return KYSO_OK;
}

static int same_bytes(const uint8_t *a, size_t alen, const uint8_t *b,
                      size_t blen) {
  return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

/* The reference of blobs[k] when it is already in the DSS, or earlier in
 * blobs (refs[0..k) filled); NULL when it is new. */
static kyso_obj *duplicate_ref(const existing_items *e, const kyso_blob *blobs,
                               kyso_obj **refs, size_t k) {
  size_t i;
  for (i = 0; i < e->count; i++)
    if (same_bytes(e->items[i].data, e->items[i].len, blobs[k].data,
                   blobs[k].len))
      return e->refs[i];
  for (i = 0; i < k; i++)
    if (same_bytes(blobs[i].data, blobs[i].len, blobs[k].data, blobs[k].len))
      return refs[i];
  return NULL;
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

/* dss[key] = old entries + the new, non-duplicate blobs. *added counts;
 * refs[k] gets the reference blobs[k] is held by (new or old). */
static kyso_status merge_kind(kyso_update *u, kyso_obj *dss, item_kind kind,
                              const kyso_blob *blobs, size_t n, kyso_obj **refs,
                              size_t *added, kyso_error *err) {
  kyso_status ret;
  kyso_arena *a = &u->arena;
  kyso_obj *old = NULL, *arr;
  existing_items e = {NULL, NULL, 0};
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
    refs[k] = duplicate_ref(&e, blobs, refs, k);
    if (refs[k])
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
    refs[k] = ref;
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

/* ---- /VRI ---------------------------------------------------------------- */

static kyso_status check_vri(const kyso_dss_vri *vri, size_t nvri,
                             const size_t counts[ITEM_KINDS], kyso_error *err) {
  size_t v, w, i;
  int kind;

  if (nvri > KYSO_DSS_ITEMS_MAX)
    return kyso_error_set(err, KYSO_ERR_LIMIT, "more than %d /VRI entries",
                          KYSO_DSS_ITEMS_MAX);
  if (nvri && !vri)
    return kyso_error_set(err, KYSO_ERR_ARGUMENT, "no /VRI list given");
  for (v = 0; v < nvri; v++) {
    const size_t *idx[ITEM_KINDS] = {vri[v].certs, vri[v].crls, vri[v].ocsps};
    const size_t n[ITEM_KINDS] = {vri[v].ncerts, vri[v].ncrls, vri[v].nocsps};
    for (w = 0; w < v; w++)
      if (memcmp(vri[v].key, vri[w].key, sizeof(vri[v].key)) == 0)
        return kyso_error_set(err, KYSO_ERR_ARGUMENT,
                              "/VRI entries %zu and %zu have the same key",
                              w + 1, v + 1);
    if (vri[v].time < 0 || vri[v].time > 253402300799LL)
      return kyso_error_set(err, KYSO_ERR_ARGUMENT,
                            "/VRI entry %zu: time out of range", v + 1);
    for (kind = 0; kind < ITEM_KINDS; kind++) {
      if (n[kind] && !idx[kind])
        return kyso_error_set(err, KYSO_ERR_ARGUMENT,
                              "/VRI entry %zu: no %s index list", v + 1,
                              kind_name[kind]);
      for (i = 0; i < n[kind]; i++)
        if (idx[kind][i] >= counts[kind])
          return kyso_error_set(err, KYSO_ERR_ARGUMENT,
                                "/VRI entry %zu: %s index %zu is out of range "
                                "(%zu given)",
                                v + 1, kind_name[kind], idx[kind][i],
                                counts[kind]);
    }
  }
  return KYSO_OK;
}

/* The object raw stands for: the update's version of an indirect one. */
static kyso_obj *current(kyso_update *u, kyso_obj *raw) {
  kyso_obj *o = NULL;
  kyso_error scratch;
  if (!kyso_obj_is(raw, KYSO_OBJ_REF))
    return raw;
  if (kyso_update_get(u, raw->u.ref.num, &o, &scratch) != KYSO_OK)
    return NULL;
  return o;
}

static int same_ref(const kyso_obj *a, const kyso_obj *b) {
  return kyso_obj_is(a, KYSO_OBJ_REF) && kyso_obj_is(b, KYSO_OBJ_REF) &&
         a->u.ref.num == b->u.ref.num && a->u.ref.gen == b->u.ref.gen;
}

/* entry[key] gains refs[idx[0..n)] it does not hold; *grew when any. An
 * unreadable old value is replaced. */
static kyso_status vri_array_merge(kyso_update *u, kyso_obj *entry,
                                   const char *key, kyso_obj *const *refs,
                                   const size_t *idx, size_t n, int *grew,
                                   kyso_error *err) {
  kyso_arena *a = &u->arena;
  kyso_obj *old = current(u, kyso_dict_get(entry, key)), *arr;
  size_t i, j;
  int added = 0;

  if (n == 0)
    return KYSO_OK;
  if (!kyso_obj_is(old, KYSO_OBJ_ARRAY))
    old = NULL;
  if (old && old->u.array.count > EXISTING_WALK_MAX)
    return kyso_error_set(err, KYSO_ERR_LIMIT,
                          "a /VRI %s array holds more than %d entries", key,
                          EXISTING_WALK_MAX);
  arr = old ? kyso_obj_clone_shallow(a, old) : kyso_obj_new_array(a);
  if (!arr)
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  for (i = 0; i < n; i++) {
    kyso_obj *r = refs[idx[i]];
    int have = 0;
    for (j = 0; j < arr->u.array.count && !have; j++)
      have = same_ref(arr->u.array.items[j], r);
    if (have)
      continue;
    if (arr->u.array.count >= KYSO_DSS_ITEMS_MAX)
      return kyso_error_set(err, KYSO_ERR_LIMIT,
                            "a /VRI %s array would hold more than %d entries",
                            key, KYSO_DSS_ITEMS_MAX);
    if (kyso_array_push(a, arr, r))
      return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    added = 1;
  }
  if (added && kyso_dict_set(a, entry, key, arr))
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  if (added)
    *grew = 1;
  return KYSO_OK;
}

/* The index in vri_dict of the entry named hex, compared without regard
 * to case; -1 if none. */
static long vri_find(const kyso_obj *vri_dict, const char *hex) {
  size_t i;
  for (i = 0; i < vri_dict->u.dict.count; i++) {
    const char *k = vri_dict->u.dict.entries[i].key;
    size_t c;
    for (c = 0; c < 40 && k[c]; c++)
      if ((k[c] | 0x20) != (hex[c] | 0x20))
        break;
    if (c == 40 && k[c] == '\0')
      return (long)i;
  }
  return -1;
}

/* One kyso_dss_vri into vri_dict; *changed when it adds anything,
 * *dict_changed when vri_dict itself changed (not only an indirect
 * entry). */
static kyso_status vri_entry_merge(kyso_update *u, kyso_obj *vri_dict,
                                   const kyso_dss_vri *v,
                                   kyso_obj **const refs[ITEM_KINDS],
                                   int *changed, int *dict_changed,
                                   kyso_error *err) {
  static const char digits[] = "0123456789ABCDEF";
  const size_t *idx[ITEM_KINDS] = {v->certs, v->crls, v->ocsps};
  const size_t n[ITEM_KINDS] = {v->ncerts, v->ncrls, v->nocsps};
  kyso_arena *a = &u->arena;
  kyso_status ret = KYSO_OK;
  kyso_obj *raw = NULL, *old, *entry;
  char hex[41];
  long at;
  int kind, grew = 0;
  size_t i;

  for (i = 0; i < 20; i++) {
    hex[2 * i] = digits[v->key[i] >> 4];
    hex[2 * i + 1] = digits[v->key[i] & 15];
  }
  hex[40] = '\0';
  at = vri_find(vri_dict, hex);
  if (at >= 0)
    raw = vri_dict->u.dict.entries[at].value;
  old = current(u, raw);
  if (!kyso_obj_is(old, KYSO_OBJ_DICT))
    old = NULL; /* none, or unreadable: a fresh entry */
  entry = old ? kyso_obj_clone_shallow(a, old) : kyso_obj_new_dict(a);
  if (!entry)
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  for (kind = 0; kind < ITEM_KINDS && ret == KYSO_OK; kind++)
    ret = vri_array_merge(u, entry, vri_key[kind], refs[kind], idx[kind],
                          n[kind], &grew, err);
  if (ret != KYSO_OK)
    return ret;
  if (old && !grew)
    return KYSO_OK; /* nothing new for this signature */
  if (v->time) {
    int64_t y;
    unsigned mo, d, h, mi, sec;
    char date[24];
    kyso_civil_from_seconds(v->time, &y, &mo, &d, &h, &mi, &sec);
    snprintf(date, sizeof(date), "D:%04lld%02u%02u%02u%02u%02uZ", (long long)y,
             mo, d, h, mi, sec);
    if (kyso_dict_set(a, entry, "TU",
                      kyso_obj_new_string(a, date, strlen(date))))
      return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  }
  *changed = 1;
  if (old && kyso_obj_is(raw, KYSO_OBJ_REF))
    return kyso_update_replace(u, raw->u.ref.num, raw->u.ref.gen, entry, err);
  *dict_changed = 1;
  if (at >= 0) {
    vri_dict->u.dict.entries[at].value = entry; /* keeps its spelling */
    return KYSO_OK;
  }
  if (vri_dict->u.dict.count >= KYSO_DSS_ITEMS_MAX)
    return kyso_error_set(err, KYSO_ERR_LIMIT,
                          "the /VRI would hold more than %d entries",
                          KYSO_DSS_ITEMS_MAX);
  if (kyso_dict_set(a, vri_dict, hex, entry))
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  return KYSO_OK;
}

/* dss /VRI = the old entries merged with vri[0..nvri); *changed when the
 * update must carry anything for it, *dss_changed when dss itself changed
 * (a direct /VRI). An indirect /VRI or entry is replaced on its own. */
static kyso_status merge_vri(kyso_update *u, kyso_obj *dss,
                             kyso_obj **const refs[ITEM_KINDS],
                             const kyso_dss_vri *vri, size_t nvri, int *changed,
                             int *dss_changed, kyso_error *err) {
  kyso_arena *a = &u->arena;
  kyso_status ret = KYSO_OK;
  kyso_obj *raw = kyso_dict_get(dss, "VRI"), *old = current(u, raw), *vd;
  size_t v;
  int dict_changed = 0;

  *changed = 0;
  *dss_changed = 0;
  if (nvri == 0)
    return KYSO_OK;
  if (!kyso_obj_is(old, KYSO_OBJ_DICT))
    old = NULL; /* none, or not a dictionary: start afresh */
  if (old && old->u.dict.count > KYSO_DSS_ITEMS_MAX)
    return kyso_error_set(err, KYSO_ERR_LIMIT,
                          "the /VRI holds more than %d entries",
                          KYSO_DSS_ITEMS_MAX);
  vd = old ? kyso_obj_clone_shallow(a, old) : kyso_obj_new_dict(a);
  if (!vd)
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  for (v = 0; v < nvri && ret == KYSO_OK; v++)
    ret = vri_entry_merge(u, vd, &vri[v], refs, changed, &dict_changed, err);
  if (ret != KYSO_OK || !dict_changed)
    return ret;
  if (old && kyso_obj_is(raw, KYSO_OBJ_REF))
    return kyso_update_replace(u, raw->u.ref.num, raw->u.ref.gen, vd, err);
  if (kyso_dict_set(a, dss, "VRI", vd))
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  *dss_changed = 1;
  return KYSO_OK;
}

/* ---- the update ------------------------------------------------------------
 */

kyso_status kyso_dss_append(const uint8_t *pdf, size_t len,
                            const kyso_blob *certs, size_t ncerts,
                            const kyso_blob *crls, size_t ncrls,
                            const kyso_blob *ocsps, size_t nocsps,
                            uint8_t **update, size_t *update_len,
                            kyso_error *err) {
  return kyso_dss_append_vri(pdf, len, certs, ncerts, crls, ncrls, ocsps,
                             nocsps, NULL, 0, update, update_len, err);
}

kyso_status kyso_dss_append_vri(const uint8_t *pdf, size_t len,
                                const kyso_blob *certs, size_t ncerts,
                                const kyso_blob *crls, size_t ncrls,
                                const kyso_blob *ocsps, size_t nocsps,
                                const kyso_dss_vri *vri, size_t nvri,
                                uint8_t **update, size_t *update_len,
                                kyso_error *err) {
  const kyso_blob *const lists[ITEM_KINDS] = {certs, crls, ocsps};
  const size_t counts[ITEM_KINDS] = {ncerts, ncrls, nocsps};
  kyso_obj **refs[ITEM_KINDS] = {NULL, NULL, NULL};
  kyso_status ret;
  kyso_pdf *doc = NULL;
  kyso_update u;
  int update_ready = 0, kind, vri_changed = 0, dss_changed = 0;
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
    ret = check_vri(vri, nvri, counts, err);
  if (ret != KYSO_OK)
    goto done;
  for (kind = 0; kind < ITEM_KINDS; kind++) {
    refs[kind] = calloc(counts[kind] ? counts[kind] : 1, sizeof(kyso_obj *));
    if (!refs[kind]) {
      ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
      goto done;
    }
  }
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
                     refs[kind], &added, err);
    if (ret != KYSO_OK)
      goto done;
    total += added;
  }
  ret = merge_vri(&u, dss, refs, vri, nvri, &vri_changed, &dss_changed, err);
  if (ret != KYSO_OK)
    goto done;
  if (total == 0 && !vri_changed) {
    ret = KYSO_OK; /* all there already: no update */
    goto done;
  }
  if (total == 0 && !dss_changed && old_dss) {
    ret = KYSO_OK; /* only indirect /VRI objects changed */
  } else if (kyso_obj_is(dss_raw, KYSO_OBJ_REF) && old_dss) {
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
  for (kind = 0; kind < ITEM_KINDS; kind++)
    free(refs[kind]);
  kyso_buf_free(&out);
  if (update_ready)
    kyso_update_free(&u);
  kyso_pdf_close(doc);
  return ret;
}
