/*
 * pdf_signature_list.c - the signed signature fields of a document, as
 * written (ISO 32000-1 12.8.1). This only lists; judging them is the
 * verifier's job.
 */
#include <stdlib.h>
#include <string.h>

#include "kyso/limits.h"
#include "pdf/pdf_form.h"
#include "pdf/pdf_text.h"

typedef struct list_ctx {
  kyso_pdf *pdf;
  size_t cap;
} list_ctx;

static const char *text_or_empty(kyso_pdf *pdf, const kyso_obj *v) {
  char *s;
  if (!kyso_obj_is(v, KYSO_OBJ_STRING))
    return "";
  s = kyso_text_to_utf8(&pdf->arena, v->u.string.data, v->u.string.len);
  return s ? s : "";
}

/* The revision whose end equals `end`, or (size_t)-1. */
static size_t revision_ending_at(const kyso_pdf *pdf, uint64_t end) {
  size_t i, n = kyso_pdf_get_revision_count(pdf);
  for (i = 0; i < n; i++) {
    kyso_revision_info r;
    /* A writer may have added the end of line after %%EOF itself. */
    if (kyso_pdf_get_revision(pdf, i, &r) == 0 &&
        (r.end == end || r.eof_end == end))
      return i;
  }
  return (size_t)-1;
}

static kyso_status visit(void *vctx, const kyso_form_field *f,
                         kyso_error *err) {
  list_ctx *ctx = vctx;
  kyso_pdf *pdf = ctx->pdf;
  kyso_status ret;
  kyso_obj *v = NULL, *br = NULL, *contents = NULL;
  kyso_pdf_signature *s;
  size_t i;

  if (strcmp(f->type, "Sig") != 0)
    return KYSO_OK;
  ret = kyso_pdf_resolve(pdf, f->value, &v, err);
  if (ret != KYSO_OK || !kyso_obj_is(v, KYSO_OBJ_DICT))
    return ret;
  if (pdf->signature_count == ctx->cap) {
    size_t ncap = ctx->cap ? ctx->cap * 2 : 4;
    kyso_pdf_signature *p = realloc(pdf->signatures, ncap * sizeof(*p));
    if (!p)
      return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    pdf->signatures = p;
    ctx->cap = ncap;
  }
  s = &pdf->signatures[pdf->signature_count++];
  memset(s, 0, sizeof(*s));
  s->field_name = f->name;
  s->sub_filter = kyso_obj_is(kyso_dict_get(v, "SubFilter"), KYSO_OBJ_NAME)
                      ? kyso_dict_get(v, "SubFilter")->u.name
                      : "";
  s->type = kyso_obj_is(kyso_dict_get(v, "Type"), KYSO_OBJ_NAME)
                ? kyso_dict_get(v, "Type")->u.name
                : "";
  /* Listed as written: a /ByteRange or /Contents given by reference is
   * shown resolved here, and flagged by the verifier. */
  ret = kyso_pdf_dict_get(pdf, v, "ByteRange", &br, err);
  if (ret == KYSO_OK)
    ret = kyso_pdf_dict_get(pdf, v, "Contents", &contents, err);
  if (ret != KYSO_OK)
    return ret;
  for (i = 0; i < 4; i++)
    s->byte_range[i] = -1;
  if (kyso_obj_is(br, KYSO_OBJ_ARRAY)) {
    s->byte_range_count = br->u.array.count;
    for (i = 0; i < 4 && i < br->u.array.count; i++)
      if (kyso_obj_is(br->u.array.items[i], KYSO_OBJ_INT))
        s->byte_range[i] = br->u.array.items[i]->u.integer;
  }
  if (kyso_obj_is(contents, KYSO_OBJ_STRING)) {
    s->contents = contents->u.string.data;
    s->contents_len = contents->u.string.len;
  }
  s->signing_time = text_or_empty(pdf, kyso_dict_get(v, "M"));
  s->name = text_or_empty(pdf, kyso_dict_get(v, "Name"));
  s->reason = text_or_empty(pdf, kyso_dict_get(v, "Reason"));
  s->location = text_or_empty(pdf, kyso_dict_get(v, "Location"));
  s->revision = (size_t)-1;
  if (s->byte_range_count == 4 && s->byte_range[2] >= 0 &&
      s->byte_range[3] >= 0) {
    uint64_t end = (uint64_t)s->byte_range[2] + (uint64_t)s->byte_range[3];
    s->revision = revision_ending_at(pdf, end);
    s->covers_whole_file = end == pdf->len;
  }
  return KYSO_OK;
}

kyso_status kyso_pdf_list_signatures(kyso_pdf *pdf,
                                     const kyso_pdf_signature **out,
                                     size_t *count, kyso_error *err) {
  kyso_status ret = KYSO_OK;
  list_ctx ctx;

  if (!pdf->signatures_loaded) {
    ctx.pdf = pdf;
    ctx.cap = 0;
    pdf->signature_count = 0;
    ret = kyso_form_walk(pdf, visit, &ctx, err);
    if (ret == KYSO_OK)
      pdf->signatures_loaded = 1;
  }
  *out = ret == KYSO_OK ? pdf->signatures : NULL;
  *count = ret == KYSO_OK ? pdf->signature_count : 0;
  return ret;
}
