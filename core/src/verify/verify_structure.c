/*
 * verify_structure.c - the first two checks of every signature:
 *
 * STRUCTURE (ISO 32000-1 12.8.1; the Universal Signature Forgery and
 * Signature Wrapping classes of Mladenov et al., "1 Trillion Dollar
 * Refund", 2019): a signature dictionary of a known kind, /Contents a
 * direct hex string, /ByteRange a direct array of four integers starting at
 * 0, inside the file, whose gap is exactly the <hex> of /Contents as it sits
 * in the file.
 *
 * REVISION: the signed range ends where a revision ends (7.5.6), which is
 * what binds the signature to a state of the document; the changes stage
 * then looks at everything after it.
 */
#include <string.h>

#include "verify/verify_internal.h"

/* ISO 32000-1 12.8.3 (adbe.*), ISO 32000-2 12.8.3.4-5 (ETSI.*). A
 * document timestamp is read whatever its /Type: writers leave /Type out
 * or write /Sig (DSS and iText test files); the token decides. */
static int known_sub_filter(const char *type, const char *sf) {
  if (strcmp(sf, "ETSI.RFC3161") == 0)
    return 1;
  if (strcmp(type, "DocTimeStamp") == 0)
    return 0;
  return strcmp(sf, "ETSI.CAdES.detached") == 0 ||
         strcmp(sf, "adbe.pkcs7.detached") == 0 ||
         strcmp(sf, "adbe.pkcs7.sha1") == 0 ||
         strcmp(sf, "adbe.x509.rsa_sha1") == 0;
}

/* The object the dictionary was parsed from must sit at a file offset
 * (not in an object stream), or the positions mean nothing. */
static int parsed_from_file(kyso_verify_ctx *ctx, const kyso_sig_state *st,
                            uint32_t holder) {
  kyso_xref_entry *e = kyso_xref_get(ctx->pdf, holder);
  (void)st;
  return e && e->kind == KYSO_XREF_OFFSET;
}

static void structure(kyso_verify_ctx *ctx, kyso_sig_state *st,
                      uint32_t holder) {
  kyso_report *r = ctx->report;
  kyso_sig_report *s = st->rep;
  kyso_check *c = &s->checks[KYSO_CHECK_STRUCTURE];
  kyso_obj *contents = kyso_dict_get(st->dict, "Contents");
  kyso_obj *br = kyso_dict_get(st->dict, "ByteRange");
  int64_t v[4];
  size_t i;

  if (!kyso_obj_is_name(kyso_dict_get(st->dict, "Type"), "Sig") &&
      !kyso_obj_is_name(kyso_dict_get(st->dict, "Type"), "DocTimeStamp") &&
      kyso_dict_get(st->dict, "Type") != NULL) {
    kyso_check_set(r, c, KYSO_RESULT_FAILED, "not_a_signature_dictionary",
                   "/Type is not /Sig or /DocTimeStamp");
    return;
  }
  if (!known_sub_filter(s->type, s->sub_filter)) {
    /* Another format (a national profile such as PBAD.PAdES): not proof
     * of anything wrong, so INDETERMINATE, never a pass. */
    kyso_check_set(r, c, KYSO_RESULT_INDETERMINATE, "unknown_sub_filter",
                   "/SubFilter /%s is not one kyso verifies", s->sub_filter);
    return;
  }
  if (!contents || kyso_obj_is(contents, KYSO_OBJ_NULL)) {
    kyso_check_set(r, c, KYSO_RESULT_FAILED, "contents_missing",
                   "no /Contents");
    return;
  }
  if (!kyso_obj_is(contents, KYSO_OBJ_STRING) || !contents->hex) {
    kyso_check_set(r, c, KYSO_RESULT_FAILED, "contents_not_direct_hex",
                   "/Contents must be a direct hexadecimal string");
    return;
  }
  if (contents->u.string.len == 0) {
    kyso_check_set(r, c, KYSO_RESULT_FAILED, "contents_missing",
                   "/Contents is empty");
    return;
  }
  if (!br || kyso_obj_is(br, KYSO_OBJ_NULL)) {
    kyso_check_set(r, c, KYSO_RESULT_FAILED, "byte_range_malformed",
                   "no /ByteRange");
    return;
  }
  if (!kyso_obj_is(br, KYSO_OBJ_ARRAY)) {
    kyso_check_set(r, c, KYSO_RESULT_FAILED, "byte_range_not_direct",
                   "/ByteRange must be a direct array");
    return;
  }
  if (br->u.array.count != 4) {
    kyso_check_set(r, c, KYSO_RESULT_FAILED, "byte_range_malformed",
                   "/ByteRange has %zu entries, not 4", br->u.array.count);
    return;
  }
  for (i = 0; i < 4; i++) {
    kyso_obj *n = br->u.array.items[i];
    if (!kyso_obj_is(n, KYSO_OBJ_INT) || n->u.integer < 0) {
      kyso_check_set(r, c, KYSO_RESULT_FAILED, "byte_range_malformed",
                     "/ByteRange entry %zu is not a non-negative integer",
                     i + 1);
      return;
    }
    v[i] = n->u.integer;
  }
  if (v[0] != 0) {
    kyso_check_set(r, c, KYSO_RESULT_FAILED, "byte_range_not_from_zero",
                   "/ByteRange starts at %lld, not 0", (long long)v[0]);
    return;
  }
  if (v[1] <= 0 || v[2] <= v[1] || (uint64_t)v[1] > ctx->len ||
      (uint64_t)v[2] > ctx->len || (uint64_t)v[3] > ctx->len - (size_t)v[2]) {
    kyso_check_set(r, c, KYSO_RESULT_FAILED, "byte_range_outside_file",
                   "/ByteRange [0 %lld %lld %lld] does not fit a file of %zu "
                   "bytes",
                   (long long)v[1], (long long)v[2], (long long)v[3], ctx->len);
    return;
  }
  /* The gap must be exactly the <hex> token of this /Contents, where it
   * is in the file: nothing else may hide in the unsigned hole. */
  if (!parsed_from_file(ctx, st, holder) || contents->pos != (size_t)v[1] ||
      contents->end != (size_t)v[2]) {
    kyso_check_set(r, c, KYSO_RESULT_FAILED, "gap_not_contents",
                   "the unsigned gap [%lld, %lld) is not exactly the "
                   "/Contents string",
                   (long long)v[1], (long long)v[2]);
    return;
  }
  st->contents = contents->u.string.data;
  st->contents_len = contents->u.string.len;
  st->structure_ok = 1;
  if (strcmp(s->sub_filter, "ETSI.RFC3161") == 0 &&
      strcmp(s->type, "DocTimeStamp") != 0)
    kyso_check_set(r, c, KYSO_RESULT_PASSED, "doc_timestamp_type",
                   "a document timestamp without /Type /DocTimeStamp "
                   "(ISO 32000-2 12.8.1)");
  else
    kyso_check_set(r, c, KYSO_RESULT_PASSED, "ok", NULL);
}

static void revision(kyso_verify_ctx *ctx, kyso_sig_state *st) {
  kyso_report *r = ctx->report;
  kyso_sig_report *s = st->rep;
  kyso_check *c = &s->checks[KYSO_CHECK_REVISION];
  uint64_t end = (uint64_t)s->byte_range[2] + (uint64_t)s->byte_range[3];
  size_t i, n = kyso_pdf_get_revision_count(ctx->pdf);

  for (i = 0; i < n; i++) {
    kyso_revision_info info;
    if (kyso_pdf_get_revision(ctx->pdf, i, &info) != 0)
      continue;
    /* A later writer may have added the end of line after %%EOF. */
    if (info.eof_end == end || info.end == end) {
      s->revision = (long long)i;
      s->covers_whole_file = i + 1 == n && info.end == ctx->len;
      kyso_check_set(r, c, KYSO_RESULT_PASSED, "ok", "revision %zu of %zu",
                     i + 1, n);
      return;
    }
  }
  kyso_check_set(r, c, KYSO_RESULT_FAILED, "not_at_revision_end",
                 "the signed range ends at byte %llu, which is not the end of "
                 "any revision",
                 (unsigned long long)end);
}

kyso_status kyso_verify_structure(kyso_verify_ctx *ctx, kyso_sig_state *st,
                                  kyso_error *err) {
  structure(ctx, st, st->dict_num);
  if (st->structure_ok)
    revision(ctx, st);
  return KYSO_OK;
}
