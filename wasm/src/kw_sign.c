/* kw_sign.c - two-phase signing for JavaScript: options set one by one,
 * sessions owning their copy of the input; see kw.h. */
#include <stdlib.h>
#include <string.h>

#include "kw.h"
#include "kyso/limits.h"

/* Options under construction: kyso_sign_options plus the storage its
 * pointers borrow until kw_prepare copies them. */
enum {
  KW_TEXT_NAME,
  KW_TEXT_REASON,
  KW_TEXT_LOCATION,
  KW_TEXT_CONTACT,
  KW_TEXT_FIELD,
  KW_TEXT_DOC_NUMBER,
  KW_TEXT_ISSUE_DATE,
  KW_TEXT_NUMBER_FIELD,
  KW_TEXT_DATE_FIELD,
  KW_TEXT_COPY_FORM,
  KW_TEXT_COPIER,
  KW_TEXT_ORGANIZATION,
  KW_TEXT_COUNT
};

enum { KW_BLOB_CERTIFICATE, KW_BLOB_CHAIN, KW_BLOB_IMAGE, KW_BLOB_FONT };

/* Numeric options; each rectangle takes four: x, y, width, height. */
enum {
  KW_NUM_DIGEST,
  KW_NUM_SCHEME,
  KW_NUM_TIME,
  KW_NUM_OFFSET,
  KW_NUM_PAGE,
  KW_NUM_X,
  KW_NUM_RESERVE = KW_NUM_X + 4,
  KW_NUM_PROFILE,
  KW_NUM_SEAL_MM,
  KW_NUM_NUMBER_X,
  KW_NUM_DATE_X = KW_NUM_NUMBER_X + 4
};

typedef struct kw_sign {
  kyso_sign_options opt;
  uint8_t *certificate;
  kyso_blob chain[KW_CHAIN_MAX];
  uint8_t *image;
  uint8_t *font;
  char *text[KW_TEXT_COUNT];
} kw_sign;

KW_EXPORT kw_sign *kw_sign_new(void) {
  kw_sign *s = calloc(1, sizeof(*s));
  if (!s)
    return kw_fail(KYSO_ERR_NO_MEMORY, "out of memory");
  kyso_sign_options_init(&s->opt);
  return s;
}

KW_EXPORT void kw_sign_free(kw_sign *s) {
  size_t i;
  if (!s)
    return;
  free(s->certificate);
  for (i = 0; i < s->opt.chain_count; i++)
    free((void *)s->chain[i].data);
  free(s->image);
  free(s->font);
  for (i = 0; i < sizeof(s->text) / sizeof(s->text[0]); i++)
    free(s->text[i]);
  free(s);
}

static uint8_t *copy_bytes(const uint8_t *data, size_t len) {
  uint8_t *p = malloc(len ? len : 1);
  if (p && len)
    memcpy(p, data, len);
  return p;
}

/* Sets the certificate or the image, or appends a chain certificate. */
KW_EXPORT int kw_sign_set_blob(kw_sign *s, int which, const uint8_t *data,
                               size_t len) {
  uint8_t *copy;

  if (!s || !data || len == 0 || len > KYSO_LIMIT_PDF_SIZE) {
    kw_fail(KYSO_ERR_ARGUMENT, "an empty or oversized certificate or image");
    return 0;
  }
  if (which == KW_BLOB_CHAIN && s->opt.chain_count >= KW_CHAIN_MAX) {
    kw_fail(KYSO_ERR_LIMIT, "more than 16 chain certificates");
    return 0;
  }
  copy = copy_bytes(data, len);
  if (!copy) {
    kw_fail(KYSO_ERR_NO_MEMORY, "out of memory");
    return 0;
  }
  switch (which) {
  case KW_BLOB_CERTIFICATE:
    free(s->certificate);
    s->certificate = copy;
    s->opt.certificate.data = copy;
    s->opt.certificate.len = len;
    break;
  case KW_BLOB_CHAIN:
    s->chain[s->opt.chain_count].data = copy;
    s->chain[s->opt.chain_count].len = len;
    s->opt.chain_count++;
    s->opt.chain = s->chain;
    break;
  case KW_BLOB_IMAGE:
    free(s->image);
    s->image = copy;
    s->opt.image.data = copy;
    s->opt.image.len = len;
    break;
  case KW_BLOB_FONT:
    free(s->font);
    s->font = copy;
    s->opt.appearance.font.data = copy;
    s->opt.appearance.font.len = len;
    break;
  default:
    free(copy);
    kw_fail(KYSO_ERR_ARGUMENT, "unknown option");
    return 0;
  }
  return 1;
}

/* Sets a UTF-8 text option (a NUL-terminated copy is kept). */
KW_EXPORT int kw_sign_set_text(kw_sign *s, int which, const char *value) {
  size_t len;
  char *copy;

  if (!s || !value || which < 0 || which >= KW_TEXT_COUNT) {
    kw_fail(KYSO_ERR_ARGUMENT, "unknown option");
    return 0;
  }
  len = strnlen(value, KW_TEXT_MAX + 1);
  if (len > KW_TEXT_MAX) {
    kw_fail(KYSO_ERR_LIMIT, "a text option is longer than 4096 bytes");
    return 0;
  }
  copy = (char *)copy_bytes((const uint8_t *)value, len + 1);
  if (!copy) {
    kw_fail(KYSO_ERR_NO_MEMORY, "out of memory");
    return 0;
  }
  free(s->text[which]);
  s->text[which] = copy;
  switch (which) {
  case KW_TEXT_NAME: s->opt.name = copy; break;
  case KW_TEXT_REASON: s->opt.reason = copy; break;
  case KW_TEXT_LOCATION: s->opt.location = copy; break;
  case KW_TEXT_CONTACT: s->opt.contact_info = copy; break;
  case KW_TEXT_FIELD: s->opt.field_name = copy; break;
  case KW_TEXT_DOC_NUMBER: s->opt.appearance.doc_number = copy; break;
  case KW_TEXT_ISSUE_DATE: s->opt.appearance.issue_date_text = copy; break;
  case KW_TEXT_NUMBER_FIELD: s->opt.appearance.number_field = copy; break;
  case KW_TEXT_DATE_FIELD: s->opt.appearance.date_field = copy; break;
  case KW_TEXT_COPY_FORM: s->opt.appearance.copy_form = copy; break;
  case KW_TEXT_COPIER: s->opt.appearance.copier = copy; break;
  default: s->opt.appearance.organization = copy; break;
  }
  return 1;
}

/* Sets a numeric option; setting any rect member makes the signature
 * visible. */
KW_EXPORT int kw_sign_set_number(kw_sign *s, int which, double value) {
  /* Out-of-range conversions to int, int64_t or size_t are undefined. */
  double max =
      which == KW_NUM_TIME || which == KW_NUM_RESERVE ? 9.0e15 : 2147483647.0;
  if (!s || value != value || value > max || value < -max ||
      (which == KW_NUM_RESERVE && value < 0)) {
    kw_fail(KYSO_ERR_ARGUMENT, "a numeric option is out of range");
    return 0;
  }
  if (which >= KW_NUM_X && which < KW_NUM_X + 4) {
    s->opt.rect[which - KW_NUM_X] = value;
    s->opt.visible = 1;
    return 1;
  }
  if (which >= KW_NUM_NUMBER_X && which < KW_NUM_NUMBER_X + 4) {
    s->opt.appearance.number_rect[which - KW_NUM_NUMBER_X] = value;
    s->opt.appearance.has_number_rect = 1;
    return 1;
  }
  if (which >= KW_NUM_DATE_X && which < KW_NUM_DATE_X + 4) {
    s->opt.appearance.date_rect[which - KW_NUM_DATE_X] = value;
    s->opt.appearance.has_date_rect = 1;
    return 1;
  }
  switch (which) {
  case KW_NUM_DIGEST: s->opt.digest = (kyso_digest)(int)value; break;
  case KW_NUM_SCHEME: s->opt.scheme = (kyso_scheme)(int)value; break;
  case KW_NUM_TIME: s->opt.signing_time = (int64_t)value; break;
  case KW_NUM_OFFSET: s->opt.utc_offset_minutes = (int)value; break;
  case KW_NUM_PAGE: s->opt.page = (int)value; break;
  case KW_NUM_RESERVE: s->opt.contents_reserve = (size_t)value; break;
  case KW_NUM_PROFILE:
    s->opt.appearance.profile = (kyso_sign_profile)(int)value;
    break;
  case KW_NUM_SEAL_MM: s->opt.appearance.seal_size_mm = value; break;
  default: kw_fail(KYSO_ERR_ARGUMENT, "unknown option"); return 0;
  }
  return 1;
}

/* A signing session owning its copy of the input PDF. */
typedef struct kw_session {
  kyso_sig_session *session;
  uint8_t *pdf;
  size_t len;
} kw_session;

KW_EXPORT void kw_session_free(kw_session *s) {
  if (!s)
    return;
  kyso_sig_session_free(s->session);
  free(s->pdf);
  free(s);
}

/* Phase 1. Takes ownership of pdf (from kw_alloc) whatever the outcome.
 * hash 0: the caller hashes the parts (kw_session_parts) and hands the
 * digest to kw_session_set_digest. */
KW_EXPORT kw_session *kw_prepare(uint8_t *pdf, size_t len, const kw_sign *o,
                                 int hash) {
  kw_session *s = NULL;

  kyso_error_clear(&kw_last_error);
  if (!o) {
    free(pdf);
    return kw_fail(KYSO_ERR_ARGUMENT, "no signing options");
  }
  s = calloc(1, sizeof(*s));
  if (!s) {
    free(pdf);
    return kw_fail(KYSO_ERR_NO_MEMORY, "out of memory");
  }
  s->pdf = pdf;
  s->len = len;
  if ((hash ? kyso_sig_prepare : kyso_sig_prepare_unhashed)(
          pdf, len, &o->opt, &s->session, &kw_last_error) != KYSO_OK) {
    kw_session_free(s);
    return NULL;
  }
  return s;
}

KW_EXPORT const uint8_t *kw_session_signed_attrs(const kw_session *s,
                                                 size_t *len) {
  return kyso_sig_session_get_signed_attrs(s->session, len);
}

/* The signed parts as 3 (pointer, length) pairs of size_t. */
KW_EXPORT void kw_session_parts(const kw_session *s, size_t *out) {
  kyso_blob parts[3];
  size_t i;
  kyso_sig_session_get_signed_parts(s->session, parts);
  for (i = 0; i < 3; i++) {
    out[i * 2] = (size_t)parts[i].data;
    out[i * 2 + 1] = parts[i].len;
  }
}

KW_EXPORT int kw_session_set_digest(kw_session *s, const uint8_t *md,
                                    size_t len) {
  kyso_error_clear(&kw_last_error);
  return kyso_sig_session_set_digest(s->session, md, len, &kw_last_error) ==
         KYSO_OK;
}

KW_EXPORT int kw_session_digest(const kw_session *s) {
  return (int)kyso_sig_session_get_digest(s->session);
}

KW_EXPORT int kw_session_scheme(const kw_session *s) {
  return (int)kyso_sig_session_get_scheme(s->session);
}

/* Phase 2; token may be NULL (no timestamp). */
KW_EXPORT int kw_finish(kw_session *s, const uint8_t *signature,
                        size_t signature_len, const uint8_t *token,
                        size_t token_len) {
  kyso_status st;
  kyso_error_clear(&kw_last_error);
  if (token)
    st = kyso_sig_finish_timestamped(s->session, signature, signature_len,
                                     token, token_len, &kw_last_error);
  else
    st = kyso_sig_finish(s->session, signature, signature_len, &kw_last_error);
  return st == KYSO_OK;
}

/* The digest of a signature value a TSA must imprint (64 bytes at out). */
KW_EXPORT int kw_timestamp_imprint(int digest, const uint8_t *signature,
                                   size_t signature_len, uint8_t *out) {
  size_t len = 0;
  kyso_error_clear(&kw_last_error);
  if (kyso_sig_timestamp_imprint((kyso_digest)digest, signature, signature_len,
                                 out, &len, &kw_last_error) != KYSO_OK)
    return 0;
  return (int)len;
}

/* The session's copy of the input: its length, the pointer in *ptr. */
KW_EXPORT size_t kw_session_input(const kw_session *s, uint8_t **ptr) {
  *ptr = s->pdf;
  return s->len;
}

/* After kw_finish: the update to append to the input. */
KW_EXPORT const uint8_t *kw_session_update(const kw_session *s, size_t *len) {
  return kyso_sig_session_get_update(s->session, len);
}
