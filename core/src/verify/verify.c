/*
 * verify.c - the verifier's driver; see kyso/verify.h and the stage list in
 * verify_internal.h. It opens the document, gathers what every signature
 * shares (trust anchors, /DSS), walks the signature fields and runs the
 * stages on each, then decides indications and writes the JSON.
 */
#include <stdlib.h>
#include <string.h>

#include "kyso/limits.h"
#include "pdf/pdf_form.h"
#include "pdf/pdf_text.h"
#include "verify/verify_internal.h"

enum { VERIFY_SIGNATURES_MAX = 1000 };

void kyso_verify_options_init(kyso_verify_options *o) {
  memset(o, 0, sizeof(*o));
}

void kyso_sig_state_free(kyso_sig_state *st) {
  CMS_ContentInfo_free(st->cms);
  sk_X509_pop_free(st->cms_certs, X509_free);
  sk_X509_CRL_pop_free(st->archived_crls, X509_CRL_free);
  sk_OCSP_RESPONSE_pop_free(st->archived_ocsps, OCSP_RESPONSE_free);
  memset(st, 0, sizeof(*st));
}

/* DER certificates into a stack; unparsable ones are an argument error. */
static kyso_status parse_certs(const kyso_blob *blobs, size_t n,
                               STACK_OF(X509) **out, kyso_error *err) {
  size_t i;
  *out = sk_X509_new_null();
  if (!*out)
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  for (i = 0; i < n; i++) {
    const unsigned char *p = blobs[i].data;
    X509 *x;
    if (blobs[i].len > INT32_MAX)
      return kyso_error_set(err, KYSO_ERR_ARGUMENT, "certificate too large");
    x = d2i_X509(NULL, &p, (long)blobs[i].len);
    if (!x || p != blobs[i].data + blobs[i].len) {
      X509_free(x);
      return kyso_error_set(err, KYSO_ERR_ARGUMENT,
                            "trust certificate %zu is not a DER certificate",
                            i + 1);
    }
    if (!sk_X509_push(*out, x)) {
      X509_free(x);
      return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    }
  }
  return KYSO_OK;
}

typedef struct field_list {
  kyso_verify_ctx *ctx;
  kyso_sig_state *states;
  size_t count, cap;
} field_list;

static const char *name_or_empty(kyso_report *r, const kyso_obj *v) {
  const char *s = kyso_obj_is(v, KYSO_OBJ_NAME) ? v->u.name : "";
  const char *c = kyso_report_strdup(r, s);
  return c ? c : "";
}

/* Collects each signature field that has a /V dictionary. */
static kyso_status collect(void *vctx, const kyso_form_field *f,
                           kyso_error *err) {
  field_list *l = vctx;
  kyso_verify_ctx *ctx = l->ctx;
  kyso_report *r = ctx->report;
  kyso_status ret;
  kyso_obj *raw, *v = NULL, *br, *m;
  kyso_sig_state *st;
  kyso_sig_report *s;
  size_t i;

  if (strcmp(f->type, "Sig") != 0)
    return KYSO_OK;
  raw = kyso_dict_get(f->dict, "V");
  ret = kyso_pdf_resolve(ctx->pdf, raw, &v, err);
  if (ret != KYSO_OK || !kyso_obj_is(v, KYSO_OBJ_DICT))
    return ret; /* an unsigned (empty) signature field */
  if (l->count == VERIFY_SIGNATURES_MAX)
    return kyso_error_set(err, KYSO_ERR_LIMIT, "more than %d signatures",
                          VERIFY_SIGNATURES_MAX);
  if (l->count == l->cap) {
    size_t ncap = l->cap ? l->cap * 2 : 4;
    kyso_sig_state *p = realloc(l->states, ncap * sizeof(*p));
    kyso_sig_report *q = kyso_arena_calloc(&r->arena, ncap, sizeof(*q));
    if (!p || !q) {
      free(p == l->states ? NULL : p);
      return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    }
    if (l->count)
      memcpy(q, r->sigs, l->count * sizeof(*q));
    for (i = 0; i < l->count; i++)
      p[i].rep = &q[i];
    l->states = p;
    r->sigs = q;
    l->cap = ncap;
  }
  st = &l->states[l->count];
  memset(st, 0, sizeof(*st));
  s = &r->sigs[l->count];
  memset(s, 0, sizeof(*s));
  st->rep = s;
  l->count++;
  r->count = l->count;
  st->dict = v;
  st->dict_is_direct = !kyso_obj_is(raw, KYSO_OBJ_REF);
  st->dict_num = st->dict_is_direct ? f->num : raw->u.ref.num;
  s->field = kyso_report_strdup(r, f->name);
  s->revision = -1;
  s->type = kyso_dict_get(v, "Type")
                ? name_or_empty(r, kyso_dict_get(v, "Type"))
                : "Sig";
  s->sub_filter = name_or_empty(r, kyso_dict_get(v, "SubFilter"));
  br = kyso_dict_get(v, "ByteRange");
  if (kyso_obj_is(br, KYSO_OBJ_ARRAY)) {
    s->byte_range_count = br->u.array.count < 4 ? br->u.array.count : 4;
    for (i = 0; i < s->byte_range_count; i++)
      s->byte_range[i] = kyso_obj_is(br->u.array.items[i], KYSO_OBJ_INT)
                             ? br->u.array.items[i]->u.integer
                             : -1;
  }
  m = kyso_dict_get(v, "M");
  if (kyso_obj_is(m, KYSO_OBJ_STRING) &&
      kyso_time_parse_pdf((const char *)m->u.string.data, m->u.string.len,
                          &s->claimed_time) == 0)
    s->has_claimed_time = 1;
  return KYSO_OK;
}

/* Two signatures whose holes overlap (or share one hole) hide something:
 * each signature must have its own /Contents. */
static void check_overlaps(kyso_verify_ctx *ctx, field_list *l) {
  size_t i, j;
  for (i = 0; i < l->count; i++) {
    kyso_sig_report *a = l->states[i].rep;
    if (!l->states[i].structure_ok)
      continue;
    for (j = 0; j < l->count; j++) {
      kyso_sig_report *b = l->states[j].rep;
      if (i == j || !l->states[j].structure_ok)
        continue;
      if (a->byte_range[1] < b->byte_range[2] &&
          b->byte_range[1] < a->byte_range[2]) {
        kyso_check_set(ctx->report, &a->checks[KYSO_CHECK_STRUCTURE],
                       KYSO_RESULT_FAILED, "byte_range_overlap",
                       "its /Contents overlaps that of field '%s'", b->field);
        l->states[i].structure_ok = 0;
        break;
      }
    }
  }
}

static kyso_status run_stages(kyso_verify_ctx *ctx, kyso_sig_state *st,
                              kyso_error *err) {
  kyso_status ret = KYSO_OK;
  if (st->structure_ok && st->rep->revision >= 0)
    ret = kyso_verify_cms(ctx, st, err);
  else
    st->structure_ok = 0;
  if (ret == KYSO_OK && st->signer)
    ret = kyso_verify_chain(ctx, st, err);
  if (ret == KYSO_OK && st->signer)
    ret = kyso_verify_revocation(ctx, st, err);
  if (ret == KYSO_OK && st->rep->revision >= 0)
    ret = kyso_verify_changes(ctx, st, err);
  return ret;
}

kyso_status kyso_verify(const uint8_t *pdf, size_t len,
                        const kyso_verify_options *options, kyso_report **out,
                        kyso_error *err) {
  kyso_status ret;
  kyso_report *r = NULL;
  kyso_verify_ctx ctx;
  field_list l;
  size_t i;

  *out = NULL;
  memset(&ctx, 0, sizeof(ctx));
  memset(&l, 0, sizeof(l));
  r = calloc(1, sizeof(*r));
  if (!r) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  kyso_arena_init(&r->arena);
  kyso_buf_init(&r->json);
  r->file_size = len;
  r->validation_time = options->validation_time;
  ctx.data = pdf;
  ctx.len = len;
  ctx.options = options;
  ctx.report = r;
  ret = parse_certs(options->anchors, options->anchor_count, &ctx.anchors, err);
  if (ret == KYSO_OK)
    ret = parse_certs(options->intermediates, options->intermediate_count,
                      &ctx.intermediates, err);
  if (ret == KYSO_OK)
    ret = kyso_pdf_open(pdf, len, &ctx.pdf, err);
  if (ret != KYSO_OK)
    goto done;
  r->revision_count = kyso_pdf_get_revision_count(ctx.pdf);
  ret = kyso_dss_load(&ctx, err);
  if (ret != KYSO_OK)
    goto done;
  l.ctx = &ctx;
  ret = kyso_form_walk(ctx.pdf, collect, &l, err);
  if (ret != KYSO_OK)
    goto done;
  for (i = 0; i < l.count && ret == KYSO_OK; i++)
    ret = kyso_verify_structure(&ctx, &l.states[i], err);
  if (ret != KYSO_OK)
    goto done;
  check_overlaps(&ctx, &l);
  for (i = 0; i < l.count && ret == KYSO_OK; i++)
    ret = run_stages(&ctx, &l.states[i], err);
  if (ret != KYSO_OK)
    goto done;
  for (i = 0; i < l.count; i++)
    kyso_report_decide(l.states[i].rep);
  ret = kyso_report_write_json(r, err);
  if (ret != KYSO_OK)
    goto done;
  *out = r;
  r = NULL;
done:
  for (i = 0; i < l.count; i++)
    kyso_sig_state_free(&l.states[i]);
  free(l.states);
  kyso_dss_free(&ctx.dss);
  sk_X509_pop_free(ctx.anchors, X509_free);
  sk_X509_pop_free(ctx.intermediates, X509_free);
  kyso_pdf_close(ctx.pdf);
  kyso_report_free(r);
  return ret;
}

/* ---- byte ranges for callers that hash them --------------------------- */

typedef struct range_list {
  kyso_pdf *pdf;
  size_t len; /* of the file */
  int64_t (*ranges)[4];
  size_t max, count;
} range_list;

static int range_fits(const int64_t br[4], size_t len) {
  return br[0] >= 0 && br[1] >= 0 && br[2] >= 0 && br[3] >= 0 &&
         (uint64_t)br[0] <= len && (uint64_t)br[1] <= len - (uint64_t)br[0] &&
         (uint64_t)br[2] <= len && (uint64_t)br[3] <= len - (uint64_t)br[2];
}

static kyso_status collect_range(void *vctx, const kyso_form_field *f,
                                 kyso_error *err) {
  range_list *l = vctx;
  kyso_status ret;
  kyso_obj *v = NULL, *br;
  int64_t r[4];
  size_t i;

  if (strcmp(f->type, "Sig") != 0)
    return KYSO_OK;
  ret = kyso_pdf_resolve(l->pdf, kyso_dict_get(f->dict, "V"), &v, err);
  if (ret != KYSO_OK || !kyso_obj_is(v, KYSO_OBJ_DICT))
    return ret;
  br = kyso_dict_get(v, "ByteRange");
  if (!kyso_obj_is(br, KYSO_OBJ_ARRAY) || br->u.array.count != 4)
    return KYSO_OK;
  for (i = 0; i < 4; i++) {
    if (!kyso_obj_is(br->u.array.items[i], KYSO_OBJ_INT))
      return KYSO_OK;
    r[i] = br->u.array.items[i]->u.integer;
  }
  if (!range_fits(r, l->len))
    return KYSO_OK;
  if (l->count == VERIFY_SIGNATURES_MAX)
    return kyso_error_set(err, KYSO_ERR_LIMIT, "more than %d signatures",
                          VERIFY_SIGNATURES_MAX);
  if (l->count < l->max)
    memcpy(l->ranges[l->count], r, sizeof(r));
  l->count++;
  return KYSO_OK;
}

kyso_status kyso_verify_list_byte_ranges(const uint8_t *pdf, size_t len,
                                         int64_t (*ranges)[4], size_t max,
                                         size_t *count, kyso_error *err) {
  kyso_status ret;
  range_list l;

  memset(&l, 0, sizeof(l));
  *count = 0;
  l.len = len;
  l.ranges = ranges;
  l.max = max;
  ret = kyso_pdf_open(pdf, len, &l.pdf, err);
  if (ret == KYSO_OK)
    ret = kyso_form_walk(l.pdf, collect_range, &l, err);
  if (ret == KYSO_OK)
    *count = l.count;
  kyso_pdf_close(l.pdf);
  return ret;
}
