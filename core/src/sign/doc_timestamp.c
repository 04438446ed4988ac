/*
 * doc_timestamp.c - document timestamps (PAdES B-LTA, ETSI EN 319 142-1
 * 5.5; ISO 32000-2 12.8.5); see kyso/sign.h.
 *
 * The same session as a signature (sign/sig_session.h): an incremental
 * update with an invisible signature field whose value is a document
 * timestamp dictionary (/Type /DocTimeStamp, /SubFilter /ETSI.RFC3161,
 * no /M: the token holds the time), a /Contents hole and an exact
 * /ByteRange. The TSA imprints the digest of the signed parts; its
 * TimeStampToken goes into the hole as it is (ETSI EN 319 142-1 5.5.2,
 * ISO 32000-2 12.8.3.4: the value is the DER token, zero padded).
 *
 * Permissions: a certified document allows a document timestamp at every
 * DocMDP level (ISO 32000-2 Table 257, P: incremental updates holding only
 * a DSS and document timestamps are not changes), so P=1 is no refusal
 * here; the verifier accepts an invisible one after P=1
 * (verify_changes_form.c). An encrypted document's /P is honoured as for
 * a signature: a new signature field is an annotation and a form field.
 */
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/ts.h>
#include <stdlib.h>
#include <string.h>

#include "cms/cms_build.h"
#include "kyso/limits.h"
#include "kyso/pdf.h"
#include "kyso/sign.h"
#include "pdf/pdf_crypt.h"
#include "pdf/pdf_file.h"
#include "pdf/pdf_form.h"
#include "pdf/pdf_form_edit.h"
#include "pdf/pdf_text.h"
#include "pdf/pdf_update.h"
#include "sign/sig_session.h"

enum {
  DTS_RESERVE_DEFAULT = 16384,
  DTS_RESERVE_MIN = 1024,
  DTS_RESERVE_MAX = 1024 * 1024
};

void kyso_doc_timestamp_options_init(kyso_doc_timestamp_options *o) {
  memset(o, 0, sizeof(*o));
  o->digest = KYSO_DIGEST_SHA256;
}

static kyso_status check_options(const kyso_doc_timestamp_options *o,
                                 kyso_error *err) {
  if (o->digest != KYSO_DIGEST_SHA256 && o->digest != KYSO_DIGEST_SHA384 &&
      o->digest != KYSO_DIGEST_SHA512)
    return kyso_error_set(err, KYSO_ERR_ARGUMENT, "unknown digest");
  if (o->contents_reserve && (o->contents_reserve < DTS_RESERVE_MIN ||
                              o->contents_reserve > DTS_RESERVE_MAX))
    return kyso_error_set(err, KYSO_ERR_ARGUMENT,
                          "contents reserve must be 1 KiB to 1 MiB");
  if (o->field_name && (strlen(o->field_name) == 0 ||
                        strlen(o->field_name) > KYSO_FORM_NAME_MAX ||
                        strchr(o->field_name, '.')))
    return kyso_error_set(err, KYSO_ERR_ARGUMENT,
                          "field name must be 1-%d bytes without '.'",
                          KYSO_FORM_NAME_MAX);
  return KYSO_OK;
}

/* The document timestamp dictionary (ISO 32000-2 Table 260). */
static kyso_obj *build_dts_dict(kyso_update *u, size_t reserve) {
  kyso_arena *a = &u->arena;
  kyso_obj *d = kyso_obj_new_dict(a), *br = kyso_obj_new_array(a);
  kyso_obj *contents = kyso_obj_new(a, KYSO_OBJ_STRING);
  kyso_obj *build = kyso_obj_new_dict(a), *app = kyso_obj_new_dict(a);

  if (!d || !br || !contents || !build || !app)
    return NULL;
  br->mark = KYSO_MARK_BYTERANGE;
  contents->mark = KYSO_MARK_CONTENTS;
  contents->hex = 1;
  contents->u.string.len = reserve;
  contents->u.string.data = kyso_arena_alloc(a, reserve);
  if (!contents->u.string.data ||
      kyso_dict_set(a, d, "Type", kyso_obj_new_name(a, "DocTimeStamp")) ||
      kyso_dict_set(a, d, "Filter", kyso_obj_new_name(a, "Adobe.PPKLite")) ||
      kyso_dict_set(a, d, "SubFilter", kyso_obj_new_name(a, "ETSI.RFC3161")) ||
      kyso_dict_set(a, d, "ByteRange", br) ||
      kyso_dict_set(a, d, "Contents", contents) ||
      kyso_dict_set(a, app, "Name", kyso_obj_new_name(a, "kyso")) ||
      kyso_dict_set(a, build, "App", app) ||
      kyso_dict_set(a, d, "Prop_Build", build))
    return NULL;
  memset(contents->u.string.data, 0, reserve);
  return d;
}

/* An invisible field and widget in one dictionary on page 1 (12.7.4.5,
 * 12.5.6.19): zero rectangle, Print | Locked as the signatures'. */
static kyso_obj *build_field(kyso_update *u, const kyso_page *page,
                             const char *name, kyso_obj *value_ref) {
  kyso_arena *a = &u->arena;
  kyso_obj *f = kyso_obj_new_dict(a), *rect = kyso_obj_new_array(a);
  int i;

  if (!f || !rect)
    return NULL;
  for (i = 0; i < 4; i++)
    if (kyso_array_push(a, rect, kyso_obj_new_int(a, 0)))
      return NULL;
  if (kyso_dict_set(a, f, "FT", kyso_obj_new_name(a, "Sig")) ||
      kyso_dict_set(a, f, "T", kyso_text_from_utf8(a, name)) ||
      kyso_dict_set(a, f, "V", value_ref) ||
      kyso_dict_set(a, f, "Type", kyso_obj_new_name(a, "Annot")) ||
      kyso_dict_set(a, f, "Subtype", kyso_obj_new_name(a, "Widget")) ||
      kyso_dict_set(a, f, "Rect", rect) ||
      kyso_dict_set(a, f, "F", kyso_obj_new_int(a, 132)) ||
      kyso_dict_set(a, f, "P", kyso_obj_new_ref(a, page->num, page->gen)))
    return NULL;
  return f;
}

static kyso_status build_update(kyso_sig_session *s, kyso_pdf *pdf,
                                kyso_update *u,
                                const kyso_doc_timestamp_options *o,
                                kyso_write_marks *marks, kyso_error *err) {
  kyso_status ret;
  kyso_obj *dts, *dts_ref, *field, *field_ref;
  char name[KYSO_FORM_NAME_MAX + 1];
  size_t count = 0;

  ret = kyso_pdf_get_page_count(pdf, &count, err);
  if (ret != KYSO_OK)
    return ret;
  if (count == 0)
    return kyso_error_set(err, KYSO_ERR_PDF_PAGE,
                          "the document has no page for the timestamp's "
                          "widget");
  ret = kyso_form_choose_name(pdf, o->field_name, "Timestamp", name,
                              sizeof(name), err);
  if (ret != KYSO_OK)
    return ret;
  dts = build_dts_dict(u, o->contents_reserve ? o->contents_reserve
                                              : DTS_RESERVE_DEFAULT);
  dts_ref = dts ? kyso_update_add(u, dts) : NULL;
  field = dts_ref ? build_field(u, &pdf->pages[0], name, dts_ref) : NULL;
  field_ref = field ? kyso_update_add(u, field) : NULL;
  if (!field_ref)
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  ret = kyso_form_add_annotation(u, &pdf->pages[0], field_ref, err);
  if (ret == KYSO_OK)
    ret = kyso_form_add_field(u, field_ref, 3, err);
  if (ret == KYSO_OK)
    ret = kyso_update_write(u, &s->update, marks, err);
  return ret;
}

/* The imprint, once: finish compares against it without hashing again. */
static kyso_status hash_parts(kyso_sig_session *s, kyso_error *err) {
  kyso_blob parts[3];
  kyso_status ret;

  kyso_sig_session_get_signed_parts(s, parts);
  ret = kyso_digest_parts(s->digest, parts, 3, s->imprint, err);
  if (ret == KYSO_OK)
    s->imprint_len = kyso_digest_size(s->digest);
  return ret;
}

kyso_status
kyso_doc_timestamp_prepare(const uint8_t *pdf_data, size_t pdf_len,
                           const kyso_doc_timestamp_options *options,
                           kyso_sig_session **out, kyso_error *err) {
  kyso_status ret;
  kyso_sig_session *s = NULL;
  kyso_pdf *pdf = NULL;
  kyso_update u;
  kyso_write_marks marks;
  int update_ready = 0;

  if (out)
    *out = NULL;
  if (!pdf_data || !options || !out) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "missing argument");
    goto done;
  }
  ret = check_options(options, err);
  if (ret != KYSO_OK)
    goto done;
  s = calloc(1, sizeof(*s));
  if (!s) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  s->pdf = pdf_data;
  s->pdf_len = pdf_len;
  s->digest = options->digest;
  s->doc_timestamp = 1;
  ret = kyso_pdf_open_password(pdf_data, pdf_len, options->password, &pdf, err);
  if (ret == KYSO_OK)
    ret = kyso_pdf_check(pdf, err);
  if (ret == KYSO_OK && pdf->crypt &&
      (kyso_crypt_allows_existing_fields_only(pdf->crypt) ||
       !kyso_crypt_allows_new_signature(pdf->crypt)))
    ret = kyso_error_set(err, KYSO_ERR_PDF_PERMISSION,
                         "the document's permissions (/P) forbid adding a "
                         "signature field (annotations and forms), which a "
                         "document timestamp needs");
  if (ret != KYSO_OK)
    goto done;
  kyso_update_init(&u, pdf);
  update_ready = 1;
  ret = build_update(s, pdf, &u, options, &marks, err);
  if (ret == KYSO_OK)
    ret = kyso_sig_session_seal_layout(s, &marks, err);
  if (ret == KYSO_OK)
    ret = hash_parts(s, err);
  if (ret != KYSO_OK)
    goto done;
  *out = s;
  s = NULL;
done:
  if (update_ready)
    kyso_update_free(&u);
  kyso_pdf_close(pdf);
  kyso_sig_session_free(s);
  return ret;
}

kyso_status kyso_doc_timestamp_imprint(const kyso_sig_session *s, uint8_t *out,
                                       size_t *out_len, kyso_error *err) {
  if (out_len)
    *out_len = 0;
  if (!s || !out || !out_len)
    return kyso_error_set(err, KYSO_ERR_ARGUMENT, "missing argument");
  if (!s->doc_timestamp || s->imprint_len == 0)
    return kyso_error_set(err, KYSO_ERR_STATE,
                          "not a document timestamp session");
  memcpy(out, s->imprint, s->imprint_len);
  *out_len = s->imprint_len;
  return KYSO_OK;
}

static int digest_nid(kyso_digest d) {
  switch (d) {
  case KYSO_DIGEST_SHA256: return NID_sha256;
  case KYSO_DIGEST_SHA384: return NID_sha384;
  case KYSO_DIGEST_SHA512: return NID_sha512;
  default: return NID_undef;
  }
}

/* token is one DER TimeStampToken (RFC 3161 2.4.2: a SignedData whose
 * eContent is a TSTInfo) whose messageImprint is (nid, md). */
static kyso_status check_token(const uint8_t *token, size_t token_len, int nid,
                               const uint8_t *md, size_t md_len,
                               kyso_error *err) {
  kyso_status ret = KYSO_ERR_ARGUMENT;
  const unsigned char *p = token;
  CMS_ContentInfo *cms = NULL;
  TS_TST_INFO *tst = NULL;
  ASN1_OCTET_STRING **content;
  TS_MSG_IMPRINT *mi;
  const ASN1_OBJECT *obj = NULL;
  const ASN1_OCTET_STRING *imprint;

  ERR_set_mark();
  cms = d2i_CMS_ContentInfo(NULL, &p, (long)token_len);
  content = cms ? CMS_get0_content(cms) : NULL;
  if (!cms || p != token + token_len ||
      OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed ||
      OBJ_obj2nid(CMS_get0_eContentType(cms)) != NID_id_smime_ct_TSTInfo ||
      !content || !*content) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                         "timestamp token is not an RFC 3161 TimeStampToken "
                         "(one DER SignedData holding a TSTInfo)");
    goto done;
  }
  p = ASN1_STRING_get0_data(*content);
  tst = d2i_TS_TST_INFO(NULL, &p, ASN1_STRING_length(*content));
  mi = tst ? TS_TST_INFO_get_msg_imprint(tst) : NULL;
  if (!mi ||
      p != ASN1_STRING_get0_data(*content) + ASN1_STRING_length(*content)) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                         "timestamp token TSTInfo cannot be read");
    goto done;
  }
  X509_ALGOR_get0(&obj, NULL, NULL, TS_MSG_IMPRINT_get_algo(mi));
  imprint = TS_MSG_IMPRINT_get_msg(mi);
  if (OBJ_obj2nid(obj) != nid || !imprint ||
      (size_t)ASN1_STRING_length(imprint) != md_len ||
      memcmp(ASN1_STRING_get0_data(imprint), md, md_len) != 0) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                         "timestamp token does not cover this document");
    goto done;
  }
  ret = KYSO_OK;
done:
  TS_TST_INFO_free(tst);
  CMS_ContentInfo_free(cms);
  ERR_pop_to_mark();
  return ret;
}

kyso_status kyso_doc_timestamp_finish(kyso_sig_session *s, const uint8_t *token,
                                      size_t token_len, kyso_error *err) {
  kyso_status ret;

  if (!s || !token || token_len == 0)
    return kyso_error_set(err, KYSO_ERR_ARGUMENT, "no timestamp token");
  if (!s->doc_timestamp)
    return kyso_error_set(err, KYSO_ERR_STATE,
                          "not a document timestamp session");
  if (s->finished)
    return kyso_error_set(err, KYSO_ERR_STATE,
                          "document timestamp already finished");
  /* Past the hole: no need to decode it (and a bound on the decoder). */
  if (token_len > (s->hole_end - s->hole_start - 2) / 2)
    return kyso_error_set(err, KYSO_ERR_SIGN_SPACE,
                          "the timestamp token (%zu bytes) does not fit the "
                          "%zu bytes reserved",
                          token_len, (s->hole_end - s->hole_start - 2) / 2);
  ret = check_token(token, token_len, digest_nid(s->digest), s->imprint,
                    s->imprint_len, err);
  if (ret == KYSO_OK)
    ret =
        kyso_sig_session_fill_hole(s, token, token_len, "timestamp token", err);
  return ret;
}
