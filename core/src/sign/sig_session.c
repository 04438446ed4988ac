/*
 * sig_session.c - PAdES signing in two phases; see kyso/sign.h.
 *
 * prepare builds the incremental update (ISO 32000-1 12.8.1; ETSI EN 319
 * 142-1 5.3 and 5.4 for PAdES baseline): signature dictionary with
 * /SubFilter /ETSI.CAdES.detached, a /Contents hole and a /ByteRange that
 * covers everything else; field and widget on the chosen page; /AcroForm
 * /SigFlags 3. finish puts the CMS into the hole.
 */
#include <math.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appearance/sig_appearance.h"
#include "appearance/sig_profile.h"
#include "base/time_civil.h"
#include "cms/cms_build.h"
#include "kyso/limits.h"
#include "kyso/pdf.h"
#include "kyso/sign.h"
#include "pdf/pdf_file.h"
#include "pdf/pdf_form.h"
#include "pdf/pdf_form_edit.h"
#include "pdf/pdf_text.h"
#include "pdf/pdf_update.h"
#include "sign/sig_session.h"

enum {
  RESERVE_MIN = 8192,
  RESERVE_MAX = 1024 * 1024,
  /* Room beyond certificates and signature: attributes, structure, and a
   * signature timestamp token added later (B-T). */
  RESERVE_EXTRA = 12288,
  TEXT_OPTION_MAX = 1024
};

void kyso_sign_options_init(kyso_sign_options *o) {
  memset(o, 0, sizeof(*o));
  o->digest = KYSO_DIGEST_SHA256;
  o->scheme = KYSO_SCHEME_AUTO;
  o->page = 1;
  o->utc_offset_minutes = 7 * 60;
  o->appearance.profile = KYSO_PROFILE_PERSONAL;
}

/* PDF date with offset (7.9.4): D:YYYYMMDDHHmmSS+HH'mm' */
static void format_pdf_date(int64_t t, int offset_min, char out[32]) {
  int64_t y;
  unsigned mo, d, h, mi, sec;
  int off = offset_min < 0 ? -offset_min : offset_min;
  kyso_civil_from_seconds(t + (int64_t)offset_min * 60, &y, &mo, &d, &h, &mi,
                          &sec);
  snprintf(out, 32, "D:%04lld%02u%02u%02u%02u%02u%c%02d'%02d'", (long long)y,
           mo, d, h, mi, sec, offset_min < 0 ? '-' : '+', off / 60, off % 60);
}

static kyso_status check_text(const char *s, const char *what,
                              kyso_error *err) {
  if (s && strlen(s) > TEXT_OPTION_MAX)
    return kyso_error_set(err, KYSO_ERR_ARGUMENT, "%s is longer than %d bytes",
                          what, TEXT_OPTION_MAX);
  return KYSO_OK;
}

static kyso_status check_options(const kyso_sign_options *o, kyso_error *err) {
  kyso_status ret = KYSO_OK;
  size_t i;
  if (!o->certificate.data || o->certificate.len == 0)
    return kyso_error_set(err, KYSO_ERR_ARGUMENT, "no signer certificate");
  if (o->chain_count > KYSO_LIMIT_CHAIN || (o->chain_count && !o->chain))
    return kyso_error_set(err, KYSO_ERR_LIMIT,
                          "more than %d chain certificates", KYSO_LIMIT_CHAIN);
  for (i = 0; i < o->chain_count; i++)
    if (!o->chain[i].data || o->chain[i].len == 0)
      return kyso_error_set(err, KYSO_ERR_ARGUMENT,
                            "chain certificate %zu is empty", i + 1);
  if (o->digest != KYSO_DIGEST_SHA256 && o->digest != KYSO_DIGEST_SHA384 &&
      o->digest != KYSO_DIGEST_SHA512)
    return kyso_error_set(err, KYSO_ERR_ARGUMENT, "unknown digest");
  if (o->signing_time < 0 || o->signing_time > 253402300799LL)
    return kyso_error_set(err, KYSO_ERR_ARGUMENT, "signing time out of range");
  if (o->utc_offset_minutes < -720 || o->utc_offset_minutes > 840)
    return kyso_error_set(err, KYSO_ERR_ARGUMENT, "UTC offset out of range");
  /* /M has a four-digit year in local time (7.9.4): 9999-12-31 23:59:59
   * UTC plus an eastern offset would be year 10000. */
  if (o->signing_time + (int64_t)o->utc_offset_minutes * 60 > 253402300799LL)
    return kyso_error_set(err, KYSO_ERR_ARGUMENT,
                          "signing time plus UTC offset is past year 9999");
  if (o->page < 1)
    return kyso_error_set(err, KYSO_ERR_ARGUMENT, "page numbers start at 1");
  if (o->visible && o->appearance.profile == KYSO_PROFILE_PERSONAL) {
    for (i = 0; i < 4; i++)
      if (!isfinite(o->rect[i]) || fabs(o->rect[i]) > 14400)
        return kyso_error_set(err, KYSO_ERR_ARGUMENT,
                              "signature rectangle out of range");
    if (o->rect[2] <= 0 || o->rect[3] <= 0)
      return kyso_error_set(err, KYSO_ERR_ARGUMENT,
                            "signature rectangle needs a width and height");
  }
  if (o->contents_reserve &&
      (o->contents_reserve < 1024 || o->contents_reserve > RESERVE_MAX))
    return kyso_error_set(err, KYSO_ERR_ARGUMENT,
                          "contents reserve must be 1 KiB to 1 MiB");
  if (o->field_name && (strlen(o->field_name) == 0 ||
                        strlen(o->field_name) > KYSO_FORM_NAME_MAX ||
                        strchr(o->field_name, '.')))
    return kyso_error_set(err, KYSO_ERR_ARGUMENT,
                          "field name must be 1-%d bytes without '.'",
                          KYSO_FORM_NAME_MAX);
  if (ret == KYSO_OK)
    ret = check_text(o->name, "name", err);
  if (ret == KYSO_OK)
    ret = check_text(o->reason, "reason", err);
  if (ret == KYSO_OK)
    ret = check_text(o->location, "location", err);
  if (ret == KYSO_OK)
    ret = check_text(o->contact_info, "contact info", err);
  if (ret == KYSO_OK)
    ret = kyso_profile_check(o, err);
  return ret;
}

/* The certificate's subject CN in UTF-8, in arena; "" if none. */
static const char *subject_cn(kyso_arena *a, kyso_blob cert) {
  const unsigned char *p = cert.data;
  X509 *x = NULL;
  unsigned char *utf8 = NULL;
  const char *ret = "";
  int idx, n;

  if (cert.len > INT32_MAX)
    goto done;
  x = d2i_X509(NULL, &p, (long)cert.len);
  if (!x)
    goto done;
  idx =
      X509_NAME_get_index_by_NID(X509_get_subject_name(x), NID_commonName, -1);
  if (idx < 0)
    goto done;
  n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(
                                     X509_get_subject_name(x), idx)));
  if (n > 0 && n <= TEXT_OPTION_MAX) {
    char *s = kyso_arena_strndup(a, (const char *)utf8, (size_t)n);
    if (s)
      ret = s;
  }
done:
  OPENSSL_free(utf8);
  X509_free(x);
  return ret;
}

static int set_text(kyso_arena *a, kyso_obj *dict, const char *key,
                    const char *utf8) {
  if (!utf8 || !*utf8)
    return 0;
  return kyso_dict_set(a, dict, key, kyso_text_from_utf8(a, utf8));
}

/* The /V signature dictionary with its two placeholders (12.8.1). */
static kyso_obj *build_sig_dict(kyso_update *u, const kyso_sign_options *o,
                                const char *name, const char *reason,
                                size_t reserve) {
  kyso_arena *a = &u->arena;
  kyso_obj *d = kyso_obj_new_dict(a), *br = kyso_obj_new_array(a);
  kyso_obj *contents = kyso_obj_new(a, KYSO_OBJ_STRING);
  kyso_obj *build = kyso_obj_new_dict(a), *app = kyso_obj_new_dict(a);
  char date[32];

  if (!d || !br || !contents || !build || !app)
    return NULL;
  br->mark = KYSO_MARK_BYTERANGE;
  contents->mark = KYSO_MARK_CONTENTS;
  contents->hex = 1;
  contents->u.string.len = reserve;
  contents->u.string.data = kyso_arena_alloc(a, reserve);
  format_pdf_date(o->signing_time, o->utc_offset_minutes, date);
  if (!contents->u.string.data ||
      kyso_dict_set(a, d, "Type", kyso_obj_new_name(a, "Sig")) ||
      kyso_dict_set(a, d, "Filter", kyso_obj_new_name(a, "Adobe.PPKLite")) ||
      kyso_dict_set(a, d, "SubFilter",
                    kyso_obj_new_name(a, "ETSI.CAdES.detached")) ||
      kyso_dict_set(a, d, "ByteRange", br) ||
      kyso_dict_set(a, d, "Contents", contents) ||
      kyso_dict_set(a, d, "M", kyso_obj_new_string(a, date, strlen(date))) ||
      set_text(a, d, "Name", name) || set_text(a, d, "Reason", reason) ||
      set_text(a, d, "Location", o->location) ||
      set_text(a, d, "ContactInfo", o->contact_info) ||
      kyso_dict_set(a, app, "Name", kyso_obj_new_name(a, "kyso")) ||
      kyso_dict_set(a, build, "App", app) ||
      kyso_dict_set(a, d, "Prop_Build", build))
    return NULL;
  return d;
}

/* Field and widget in one dictionary (12.7.4.5, 12.5.6.19). */
static kyso_obj *build_field(kyso_update *u, const kyso_profile_plan *plan,
                             const kyso_page *page, const char *field_name,
                             kyso_obj *sig_ref, kyso_obj *ap_ref) {
  kyso_arena *a = &u->arena;
  kyso_obj *f = kyso_obj_new_dict(a), *rect = kyso_obj_new_array(a);
  kyso_obj *ap = kyso_obj_new_dict(a);
  double r[4] = {0, 0, 0, 0};
  int i;

  if (!f || !rect || !ap)
    return NULL;
  if (plan->visible)
    for (i = 0; i < 4; i++)
      r[i] = plan->user_rect[i];
  for (i = 0; i < 4; i++)
    if (kyso_array_push(a, rect, kyso_obj_new_real(a, r[i])))
      return NULL;
  if (kyso_dict_set(a, f, "FT", kyso_obj_new_name(a, "Sig")) ||
      kyso_dict_set(a, f, "T", kyso_text_from_utf8(a, field_name)) ||
      kyso_dict_set(a, f, "V", sig_ref) ||
      kyso_dict_set(a, f, "Type", kyso_obj_new_name(a, "Annot")) ||
      kyso_dict_set(a, f, "Subtype", kyso_obj_new_name(a, "Widget")) ||
      kyso_dict_set(a, f, "Rect", rect) ||
      /* Print (4) | Locked (128): printed, not movable (12.5.3). */
      kyso_dict_set(a, f, "F", kyso_obj_new_int(a, 132)) ||
      kyso_dict_set(a, f, "P", kyso_obj_new_ref(a, page->num, page->gen)))
    return NULL;
  if (ap_ref &&
      (kyso_dict_set(a, ap, "N", ap_ref) || kyso_dict_set(a, f, "AP", ap)))
    return NULL;
  return f;
}

static size_t compute_reserve(const kyso_sign_options *o) {
  size_t n = o->certificate.len + RESERVE_EXTRA, i;
  for (i = 0; i < o->chain_count; i++)
    n += o->chain[i].len;
  n = (n + 1023) / 1024 * 1024;
  return n < RESERVE_MIN ? RESERVE_MIN : n;
}

static int same_blob(kyso_blob a, kyso_blob b) {
  return a.len == b.len && memcmp(a.data, b.data, a.len) == 0;
}

/* Is chain certificate i the signer's or one listed before it? Callers
 * often pass what the token holds and then the same CA certificates again
 * (kyso sign --chain): each goes into the CMS once. */
static int chain_repeats(const kyso_sign_options *o, size_t i) {
  size_t j;
  if (same_blob(o->chain[i], o->certificate))
    return 1;
  for (j = 0; j < i; j++)
    if (same_blob(o->chain[i], o->chain[j]))
      return 1;
  return 0;
}

static kyso_status copy_options(kyso_sig_session *s, const kyso_sign_options *o,
                                kyso_error *err) {
  size_t i, n = 0, off = 0;
  kyso_buf_append(&s->certificate, o->certificate.data, o->certificate.len);
  for (i = 0; i < o->chain_count; i++)
    if (!chain_repeats(o, i))
      kyso_buf_append(&s->chain_data, o->chain[i].data, o->chain[i].len);
  s->chain = calloc(o->chain_count ? o->chain_count : 1, sizeof(*s->chain));
  if (!s->chain || !kyso_buf_ok(&s->certificate) ||
      !kyso_buf_ok(&s->chain_data))
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  for (i = 0; i < o->chain_count; i++) {
    if (chain_repeats(o, i))
      continue;
    s->chain[n].data = s->chain_data.data + off;
    s->chain[n].len = o->chain[i].len;
    off += o->chain[i].len;
    n++;
  }
  s->chain_count = n;
  s->digest = o->digest;
  return KYSO_OK;
}

/* Builds every object of the update. */
static kyso_status build_update(kyso_sig_session *s, kyso_pdf *pdf,
                                kyso_update *u, const kyso_sign_options *o,
                                kyso_write_marks *marks, kyso_error *err) {
  kyso_status ret;
  kyso_obj *sig, *sig_ref, *field, *field_ref, *ap_ref = NULL;
  const kyso_page *page;
  const char *name = o->name, *reason = o->reason;
  kyso_profile_plan plan;
  char field_name[KYSO_FORM_NAME_MAX + 1];
  size_t count = 0;
  int mdp = 0;

  ret = kyso_form_docmdp(pdf, &mdp, err);
  if (ret != KYSO_OK)
    return ret;
  if (mdp == 1)
    return kyso_error_set(err, KYSO_ERR_PDF_FORM,
                          "the document is certified with no changes "
                          "allowed (DocMDP P=1)");
  ret = kyso_pdf_get_page_count(pdf, &count, err);
  if (ret != KYSO_OK)
    return ret;
  if ((size_t)o->page > count)
    return kyso_error_set(err, KYSO_ERR_PDF_PAGE,
                          "page %d does not exist (the document has %zu)",
                          o->page, count);
  page = &pdf->pages[o->page - 1];
  ret = kyso_form_choose_name(pdf, o->field_name, "Signature", field_name,
                              sizeof(field_name), err);
  if (ret != KYSO_OK)
    return ret;
  ret = kyso_profile_build(u, page, o, &plan, err);
  if (ret != KYSO_OK)
    return ret;
  if (plan.visible && page->media_box_guessed)
    return kyso_error_set(err, KYSO_ERR_PDF_PAGE,
                          "page %d has no /MediaBox: its size is not known, "
                          "so a visible signature cannot be placed on it "
                          "(sign without an appearance)",
                          o->page);
  ap_ref = plan.ap_ref;
  if ((!name || !*name) && plan.name && *plan.name)
    name = plan.name;
  if (!name || !*name)
    name = subject_cn(&u->arena, o->certificate);
  if (reason == NULL || !*reason)
    reason = plan.reason;
  sig = build_sig_dict(u, o, name, reason,
                       o->contents_reserve ? o->contents_reserve
                                           : compute_reserve(o));
  sig_ref = sig ? kyso_update_add(u, sig) : NULL;
  field =
      sig_ref ? build_field(u, &plan, page, field_name, sig_ref, ap_ref) : NULL;
  field_ref = field ? kyso_update_add(u, field) : NULL;
  if (!field_ref)
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  ret = kyso_form_add_annotation(u, page, field_ref, err);
  if (ret == KYSO_OK)
    ret = kyso_form_add_field(u, field_ref, 3, err);
  if (ret == KYSO_OK)
    ret = kyso_update_write(u, &s->update, marks, err);
  return ret;
}

/* Fills /ByteRange. */
kyso_status kyso_sig_session_seal_layout(kyso_sig_session *s,
                                         const kyso_write_marks *marks,
                                         kyso_error *err) {
  size_t range[4], total = s->pdf_len + s->update.len;

  if (!marks->seen[KYSO_MARK_CONTENTS] || !marks->seen[KYSO_MARK_BYTERANGE])
    return kyso_error_set(err, KYSO_ERR_STATE, "signature placeholders lost");
  s->hole_start = marks->start[KYSO_MARK_CONTENTS];
  s->hole_end = marks->end[KYSO_MARK_CONTENTS];
  range[0] = 0;
  range[1] = s->pdf_len + s->hole_start;
  range[2] = s->pdf_len + s->hole_end;
  range[3] = total - range[2];
  if (kyso_serialize_patch_byterange(s->update.data +
                                         marks->start[KYSO_MARK_BYTERANGE],
                                     KYSO_BYTERANGE_WIDTH, range) != 0)
    return kyso_error_set(err, KYSO_ERR_LIMIT,
                          "document too large for the /ByteRange field");
  return KYSO_OK;
}

void kyso_sig_session_get_signed_parts(const kyso_sig_session *s,
                                       kyso_blob parts[3]) {
  parts[0].data = s->pdf;
  parts[0].len = s->pdf_len;
  parts[1].data = s->update.data;
  parts[1].len = s->hole_start;
  parts[2].data = s->update.data + s->hole_end;
  parts[2].len = s->update.len - s->hole_end;
}

kyso_status kyso_sig_session_set_digest(kyso_sig_session *s, const uint8_t *md,
                                        size_t len, kyso_error *err) {
  if (s->signed_attrs.len > 0 || s->finished)
    return kyso_error_set(err, KYSO_ERR_STATE,
                          "the session already has its digest");
  if (s->doc_timestamp)
    return kyso_error_set(err, KYSO_ERR_STATE,
                          "a document timestamp session takes a token "
                          "(kyso_doc_timestamp_finish), not a digest");
  if (len != kyso_digest_size(s->digest))
    return kyso_error_set(err, KYSO_ERR_ARGUMENT,
                          "a %zu-byte digest for a %zu-byte algorithm", len,
                          kyso_digest_size(s->digest));
  return kyso_cms_build_signed_attrs(
      (kyso_blob){s->certificate.data, s->certificate.len}, s->digest, md, len,
      &s->signed_attrs, err);
}

/* Hashes the covered bytes and builds SignedAttributes. */
static kyso_status seal_digest(kyso_sig_session *s, kyso_error *err) {
  kyso_status ret;
  uint8_t md[64];
  kyso_blob parts[3];

  kyso_sig_session_get_signed_parts(s, parts);
  ret = kyso_digest_parts(s->digest, parts, 3, md, err);
  if (ret == KYSO_OK)
    ret = kyso_sig_session_set_digest(s, md, kyso_digest_size(s->digest), err);
  return ret;
}

static kyso_status prepare(const uint8_t *pdf_data, size_t pdf_len,
                           const kyso_sign_options *options, int hash,
                           kyso_sig_session **out, kyso_error *err) {
  kyso_status ret;
  kyso_sig_session *s = NULL;
  kyso_pdf *pdf = NULL;
  kyso_update u;
  kyso_write_marks marks;
  int update_ready = 0;

  *out = NULL;
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
  ret = copy_options(s, options, err);
  if (ret == KYSO_OK)
    ret = kyso_cms_check_signer(
        options->certificate, options->scheme,
        options->allow_unusable_certificate ? NULL : &options->signing_time,
        options->utc_offset_minutes, &s->scheme, err);
  if (ret == KYSO_OK)
    ret =
        kyso_pdf_open_password(pdf_data, pdf_len, options->password, &pdf, err);
  if (ret == KYSO_OK)
    ret = kyso_pdf_check(pdf, err);
  /* ISO 32000-1 Table 22: a new signature field is an annotation and a
   * form field (bit 6); bit 9 alone lets a reader sign existing fields,
   * and kyso always adds its own. */
  if (ret == KYSO_OK && pdf->crypt &&
      kyso_crypt_allows_existing_fields_only(pdf->crypt))
    ret = kyso_error_set(err, KYSO_ERR_PDF_PERMISSION,
                         "the document's permissions (/P) allow signing only "
                         "in signature fields its author placed, and kyso "
                         "adds its own field; ask for a copy that allows "
                         "annotations and forms");
  else if (ret == KYSO_OK && pdf->crypt &&
           !kyso_crypt_allows_new_signature(pdf->crypt))
    ret = kyso_error_set(err, KYSO_ERR_PDF_PERMISSION,
                         "the document's permissions (/P) forbid adding a "
                         "signature field (annotations and forms); its "
                         "author must allow it or send an unprotected copy");
  if (ret != KYSO_OK)
    goto done;
  kyso_update_init(&u, pdf);
  update_ready = 1;
  ret = build_update(s, pdf, &u, options, &marks, err);
  if (ret == KYSO_OK)
    ret = kyso_sig_session_seal_layout(s, &marks, err);
  if (ret == KYSO_OK && hash)
    ret = seal_digest(s, err);
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

kyso_status kyso_sig_prepare(const uint8_t *pdf_data, size_t pdf_len,
                             const kyso_sign_options *options,
                             kyso_sig_session **out, kyso_error *err) {
  return prepare(pdf_data, pdf_len, options, 1, out, err);
}

kyso_status kyso_sig_prepare_unhashed(const uint8_t *pdf_data, size_t pdf_len,
                                      const kyso_sign_options *options,
                                      kyso_sig_session **out, kyso_error *err) {
  return prepare(pdf_data, pdf_len, options, 0, out, err);
}

const uint8_t *kyso_sig_session_get_signed_attrs(const kyso_sig_session *s,
                                                 size_t *len) {
  *len = s->signed_attrs.len;
  return s->signed_attrs.data;
}

kyso_digest kyso_sig_session_get_digest(const kyso_sig_session *s) {
  return s->digest;
}

kyso_scheme kyso_sig_session_get_scheme(const kyso_sig_session *s) {
  return s->scheme;
}

kyso_status kyso_sig_session_fill_hole(kyso_sig_session *s, const uint8_t *der,
                                       size_t len, const char *what,
                                       kyso_error *err) {
  static const char hex[] = "0123456789abcdef";
  size_t room = (s->hole_end - s->hole_start - 2) / 2, i;
  uint8_t *at;

  if (len > room)
    return kyso_error_set(err, KYSO_ERR_SIGN_SPACE,
                          "the %s (%zu bytes) does not fit the %zu "
                          "bytes reserved",
                          what, len, room);
  /* The rest of the hole stays zero: DER ignores trailing padding. */
  at = s->update.data + s->hole_start + 1;
  for (i = 0; i < len; i++) {
    at[2 * i] = (uint8_t)hex[der[i] >> 4];
    at[2 * i + 1] = (uint8_t)hex[der[i] & 15];
  }
  s->finished = 1;
  return KYSO_OK;
}

/* finish and finish_timestamped: token NULL/0 for none. */
static kyso_status finish(kyso_sig_session *s, const uint8_t *signature,
                          size_t signature_len, const uint8_t *token,
                          size_t token_len, kyso_error *err) {
  kyso_status ret;
  kyso_buf cms;
  kyso_blob cert = {s->certificate.data, s->certificate.len};
  kyso_blob attrs = {s->signed_attrs.data, s->signed_attrs.len};
  kyso_blob sig = {signature, signature_len};
  kyso_blob tst = {token, token_len};

  kyso_buf_init(&cms);
  if (s->finished) {
    ret = kyso_error_set(err, KYSO_ERR_STATE, "signature already finished");
    goto done;
  }
  if (s->doc_timestamp) {
    ret = kyso_error_set(err, KYSO_ERR_STATE,
                         "a document timestamp session is finished with "
                         "kyso_doc_timestamp_finish");
    goto done;
  }
  if (s->signed_attrs.len == 0) {
    ret = kyso_error_set(err, KYSO_ERR_STATE,
                         "the session has no digest yet "
                         "(kyso_sig_session_set_digest)");
    goto done;
  }
  ret = kyso_cms_check_signature(cert, s->digest, s->scheme, attrs, sig, err);
  if (ret == KYSO_OK && token_len > 0)
    ret = kyso_cms_check_timestamp_token(tst, sig, err);
  if (ret == KYSO_OK)
    ret =
        kyso_cms_build_signed_data_ts(cert, s->chain, s->chain_count, s->digest,
                                      s->scheme, attrs, sig, tst, &cms, err);
  if (ret == KYSO_OK)
    ret = kyso_sig_session_fill_hole(s, cms.data, cms.len, "signature", err);
done:
  kyso_buf_free(&cms);
  return ret;
}

kyso_status kyso_sig_finish(kyso_sig_session *s, const uint8_t *signature,
                            size_t signature_len, kyso_error *err) {
  return finish(s, signature, signature_len, NULL, 0, err);
}

kyso_status kyso_sig_finish_timestamped(kyso_sig_session *s,
                                        const uint8_t *signature,
                                        size_t signature_len,
                                        const uint8_t *token, size_t token_len,
                                        kyso_error *err) {
  if (!token || token_len == 0)
    return kyso_error_set(err, KYSO_ERR_ARGUMENT, "no timestamp token");
  return finish(s, signature, signature_len, token, token_len, err);
}

kyso_status kyso_sig_timestamp_imprint(kyso_digest digest,
                                       const uint8_t *signature,
                                       size_t signature_len, uint8_t *out,
                                       size_t *out_len, kyso_error *err) {
  kyso_blob sig = {signature, signature_len};
  kyso_status ret;

  if (!out || !out_len)
    return kyso_error_set(err, KYSO_ERR_ARGUMENT, "no place for the imprint");
  ret = kyso_cms_timestamp_imprint(digest, sig, out, err);
  *out_len = ret == KYSO_OK ? kyso_digest_size(digest) : 0;
  return ret;
}

const uint8_t *kyso_sig_session_get_update(const kyso_sig_session *s,
                                           size_t *len) {
  if (!s->finished) {
    *len = 0;
    return NULL;
  }
  *len = s->update.len;
  return s->update.data;
}

void kyso_sig_session_free(kyso_sig_session *s) {
  if (!s)
    return;
  kyso_buf_free(&s->certificate);
  kyso_buf_free(&s->chain_data);
  free(s->chain);
  kyso_buf_free(&s->update);
  kyso_buf_free(&s->signed_attrs);
  free(s);
}
