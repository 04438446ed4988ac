/*
 * verify.c - the verifier's driver; see kyso/verify.h and the stage list in
 * verify_internal.h. It opens the document, gathers what every signature
 * shares (trust anchors, /DSS), walks the signature fields and runs the
 * stages on each, then decides indications and writes the JSON.
 */
#include <stdlib.h>
#include <string.h>

#include "kyso/limits.h"
#include "ltv/ltv_hook.h"
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
  kyso_pdf *from;     /* the document the fields are read from */
  size_t first_older; /* states from here on were found in older revisions */
  kyso_pdf *older[KYSO_LIMIT_SIGNATURE_SEARCH]; /* kept open for them */
  size_t older_count;
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
  raw = f->value; /* inherited from a parent field too */
  ret = kyso_pdf_resolve(l->from, raw, &v, err);
  if (ret != KYSO_OK || !kyso_obj_is(v, KYSO_OBJ_DICT))
    return ret; /* an unsigned (empty) signature field */
  br = kyso_dict_get(v, "ByteRange");
  /* Found again in an older revision: the same dictionary object (perhaps
   * broken, or changed since) or the same signed range is one signature. */
  for (i = 0; i < l->count && l->from != ctx->pdf; i++)
    if (l->states[i].dict_num ==
            (kyso_obj_is(raw, KYSO_OBJ_REF) ? raw->u.ref.num : f->num) ||
        (kyso_obj_is(br, KYSO_OBJ_ARRAY) && br->u.array.count == 4 &&
         br->u.array.count == l->states[i].rep->byte_range_count &&
         kyso_obj_is(br->u.array.items[2], KYSO_OBJ_INT) &&
         kyso_obj_is(br->u.array.items[3], KYSO_OBJ_INT) &&
         br->u.array.items[2]->u.integer == l->states[i].rep->byte_range[2] &&
         br->u.array.items[3]->u.integer == l->states[i].rep->byte_range[3]))
      return KYSO_OK; /* still in the form: already listed */
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

/* Does revision r (its bytes after the previous one) hold a "/ByteRange"?
 * A signature signs the revision it is added in, so its dictionary is
 * there. */
static int revision_has_byte_range(kyso_verify_ctx *ctx, size_t r) {
  static const char kw[] = "/ByteRange";
  kyso_revision_info info, prev;
  size_t from = 0, i;
  int found = 0;
  if (kyso_pdf_get_revision(ctx->pdf, r, &info) != 0)
    goto done;
  if (r > 0 && kyso_pdf_get_revision(ctx->pdf, r - 1, &prev) == 0)
    from = prev.end;
  /* memchr for the 'y' (rare in PDF syntax, 1 in 256 in binary data), then
   * a look around it: a '/' is in every name and would stop it constantly */
  for (i = from + 2; i + sizeof(kw) - 3 <= info.end && !found; i++) {
    const uint8_t *p = memchr(ctx->data + i, 'y', info.end - i);
    if (!p)
      break;
    i = (size_t)(p - ctx->data);
    found = i + sizeof(kw) - 3 <= info.end &&
            memcmp(p - 2, kw, sizeof(kw) - 1) == 0;
  }
done:
  return found;
}

/* Signatures no longer in the form (issue 12: iText's removeAcroform.pdf,
 * where a later revision drops /AcroForm): each older revision that no
 * listed signature covers and that holds a /ByteRange is opened on its own
 * and its form walked; signatures found there are verified too, and the
 * removal is a modification. At most KYSO_LIMIT_SIGNATURE_SEARCH revisions
 * are opened; a document needing more gets KYSO_ERR_LIMIT, not a report
 * that might leave a signature out. */
static kyso_status collect_removed(kyso_verify_ctx *ctx, field_list *l,
                                   kyso_error *err) {
  kyso_status ret = KYSO_OK;
  size_t n = kyso_pdf_get_revision_count(ctx->pdf), r, i;

  l->first_older = l->count;
  for (r = n - 1; r-- > 0 && ret == KYSO_OK;) {
    kyso_revision_info info;
    kyso_pdf *old = NULL;
    int covered = 0;
    if (kyso_pdf_get_revision(ctx->pdf, r, &info) != 0)
      continue;
    for (i = 0; i < l->count; i++) {
      const kyso_sig_report *s = l->states[i].rep;
      uint64_t end = (uint64_t)s->byte_range[2] + (uint64_t)s->byte_range[3];
      if (s->byte_range_count == 4 && (end == info.end || end == info.eof_end))
        covered = 1;
    }
    if (covered || !revision_has_byte_range(ctx, r))
      continue;
    /* Past the limit a removed signature could hide behind padding
     * revisions: no verdict rather than a report that leaves it out. */
    if (l->older_count == KYSO_LIMIT_SIGNATURE_SEARCH) {
      ret = kyso_error_set(err, KYSO_ERR_LIMIT,
                           "more than %d earlier revisions hold a /ByteRange "
                           "that no signature in the form covers: kyso "
                           "cannot search them all for signatures removed "
                           "from the form",
                           KYSO_LIMIT_SIGNATURE_SEARCH);
      break;
    }
    /* A revision that does not open on its own names no signature. */
    if (kyso_pdf_open_password(ctx->data, info.end,
                               kyso_crypt_get_password(ctx->pdf->crypt), &old,
                               NULL) != KYSO_OK)
      continue;
    l->older[l->older_count++] = old;
    l->from = old;
    ret = kyso_form_walk(old, collect, l, err);
    l->from = ctx->pdf;
  }
  return ret;
}

/* A signature found only in an older revision: its field was taken out of
 * the form after it signed. That is a modification, whatever else the
 * changes stage saw. */
static void report_removed(kyso_verify_ctx *ctx, field_list *l) {
  size_t i;
  for (i = l->first_older; i < l->count; i++) {
    kyso_check *c = &l->states[i].rep->checks[KYSO_CHECK_CHANGES];
    if (c->result != KYSO_RESULT_FAILED)
      kyso_check_set(ctx->report, c, KYSO_RESULT_FAILED,
                     "modified_after_signing",
                     "the signature field was removed from the form after "
                     "signing");
  }
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

/* The changes after a signature in a document read by a scan
 * (kyso_pdf_open_repaired): an object of the signed part defined again
 * after it, or a new catalog, is a modification no working incremental
 * update explains (the Incremental Saving Attack hides its update from
 * readers that trust the table, and shows it to those that rebuild one);
 * otherwise what changed cannot be known: INDETERMINATE, never a pass. */
static kyso_status changes_repaired(kyso_verify_ctx *ctx, kyso_sig_state *st,
                                    kyso_error *err) {
  kyso_check *c = &st->rep->checks[KYSO_CHECK_CHANGES];
  uint64_t end =
      (uint64_t)st->rep->byte_range[2] + (uint64_t)st->rep->byte_range[3];
  int changed = 0;
  uint32_t num = 0;
  kyso_status ret =
      kyso_pdf_repaired_changes(ctx->pdf, (size_t)end, &changed, &num, err);
  if (ret != KYSO_OK)
    return ret;
  if (changed)
    kyso_check_set(ctx->report, c, KYSO_RESULT_FAILED, "modified_after_signing",
                   "object %u is defined again after the signed range, in a "
                   "file whose cross-reference data is damaged",
                   num);
  else
    kyso_check_set(ctx->report, c, KYSO_RESULT_INDETERMINATE, "xref_damaged",
                   "the cross-reference data is damaged: the file was read "
                   "by scanning its objects, so what changed after signing "
                   "cannot be known");
  return KYSO_OK;
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
  if (ret == KYSO_OK && st->rep->revision >= 0 && ctx->pdf->repaired)
    ret = changes_repaired(ctx, st, err);
  else if (ret == KYSO_OK && st->rep->revision >= 0)
    ret = kyso_verify_changes(ctx, st, err);
  return ret;
}

/* The whole verification; repaired: open the document with
 * kyso_pdf_open_repaired (its cross-reference data is broken). */
static kyso_status verify_document(const uint8_t *pdf, size_t len,
                                   const kyso_verify_options *options,
                                   int repaired, kyso_ltv_hook *hook,
                                   kyso_report **out, kyso_error *err) {
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
  ctx.ltv = hook;
  ctx.hash = kyso_range_hash_new(pdf, len); /* NULL: each hashed alone */
  ctx.certs = kyso_cert_cache_new();        /* NULL: OpenSSL decodes all */
  ret = parse_certs(options->anchors, options->anchor_count, &ctx.anchors, err);
  if (ret == KYSO_OK)
    ret = parse_certs(options->intermediates, options->intermediate_count,
                      &ctx.intermediates, err);
  if (ret == KYSO_OK)
    ret = kyso_extra_load(&ctx, err);
  if (ret == KYSO_OK)
    ret = repaired ? kyso_pdf_open_repaired(pdf, len, &ctx.pdf, err)
                   : kyso_pdf_open_password(pdf, len, options->password,
                                            &ctx.pdf, err);
  if (ret != KYSO_OK)
    goto done;
  r->revision_count = kyso_pdf_get_revision_count(ctx.pdf);
  ret = kyso_dss_load(&ctx, err);
  if (ret != KYSO_OK)
    goto done;
  l.ctx = &ctx;
  l.from = ctx.pdf;
  ret = kyso_form_walk(ctx.pdf, collect, &l, err);
  if (ret == KYSO_OK)
    ret = collect_removed(&ctx, &l, err);
  if (ret != KYSO_OK)
    goto done;
  for (i = 0; i < l.count && ret == KYSO_OK; i++)
    ret = kyso_verify_structure(&ctx, &l.states[i], err);
  if (ret != KYSO_OK)
    goto done;
  check_overlaps(&ctx, &l);
  for (i = 0; i < l.count && ret == KYSO_OK; i++) {
    ctx.ltv_st = &l.states[i];
    ret = run_stages(&ctx, &l.states[i], err);
  }
  if (ret == KYSO_OK && hook)
    ret = kyso_ltv_hook_finish(&ctx, l.states, l.count, err);
  if (ret != KYSO_OK)
    goto done;
  report_removed(&ctx, &l);
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
  for (i = 0; i < l.older_count; i++)
    kyso_pdf_close(l.older[i]);
  kyso_dss_free(&ctx.dss);
  kyso_dss_free(&ctx.extra);
  kyso_range_hash_free(ctx.hash);
  kyso_cert_cache_free(ctx.certs);
  sk_X509_pop_free(ctx.anchors, X509_free);
  sk_X509_pop_free(ctx.intermediates, X509_free);
  kyso_pdf_close(ctx.pdf);
  kyso_report_free(r);
  return ret;
}

/* A document whose cross-reference data is broken (wrong offsets, a /Prev
 * loop, no usable trailer) is read again by a scan of its objects: each
 * signature still gets its verdict on what needs no cross-reference
 * (ByteRange, CMS, integrity, certificates), and the changes after it are
 * INDETERMINATE (verify_changes cannot say what a rebuilt file shows). When
 * the scan fails too, or finds no signature, the first error stands. */
kyso_status kyso_verify(const uint8_t *pdf, size_t len,
                        const kyso_verify_options *options, kyso_report **out,
                        kyso_error *err) {
  return kyso_verify_recorded(pdf, len, options, NULL, out, err);
}

kyso_status kyso_verify_recorded(const uint8_t *pdf, size_t len,
                                 const kyso_verify_options *options,
                                 kyso_ltv_hook *hook, kyso_report **out,
                                 kyso_error *err) {
  kyso_status ret = verify_document(pdf, len, options, 0, hook, out, err);
  if (ret == KYSO_ERR_PDF_XREF || ret == KYSO_ERR_PDF_LOOP ||
      ret == KYSO_ERR_PDF_TRAILER) {
    kyso_error again;
    kyso_error_clear(&again);
    if (hook)
      kyso_ltv_hook_reset(hook);
    /* Only for its signatures: a damaged file without any stays an
     * error (nothing to verify, and nothing to say about it but that). */
    if (verify_document(pdf, len, options, 1, hook, out, &again) == KYSO_OK) {
      if ((*out)->count > 0) {
        if (err)
          kyso_error_clear(err);
        ret = KYSO_OK;
      } else {
        kyso_report_free(*out);
        *out = NULL;
      }
    }
  }
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
  ret = kyso_pdf_resolve(l->pdf, f->value, &v, err);
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
