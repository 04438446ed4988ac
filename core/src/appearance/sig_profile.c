/*
 * sig_profile.c - planning the Decree 30 signature profiles; see
 * sig_profile.h and kyso/sign.h.
 *
 * Decree 30/2020 Appendix I: the leader's signature image sits between
 * title and name (box 7c); the seal covers about a third of it on the
 * left; an attachment carries the document number and signing time, and
 * an electronic copy its form, copier and time (box 14), both at the top
 * right of the first page, Times-metric 10 pt, upright, black.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "appearance/image.h"
#include "appearance/sig_appearance.h"
#include "appearance/sig_profile.h"
#include "base/time_civil.h"
#include "kyso/limits.h"
#include "pdf/pdf_page.h"

/* The text block at the top right: 15 mm from the right edge, 10 mm from
 * the top of the visible page (inside Decree 30's 20-25 mm top margin). */
#define TOP_RIGHT_MARGIN_RIGHT (15 * KYSO_PT_PER_MM)
#define TOP_RIGHT_MARGIN_TOP (10 * KYSO_PT_PER_MM)
#define TEXT_SIZE 10.0
#define TEXT_LEADING 12.0
#define TEXT_PAD 2.0

static const char FONT_RES[] = "KysoSerif";

static int bad_rect(const double r[4]) {
  int i;
  for (i = 0; i < 4; i++)
    if (!isfinite(r[i]) || fabs(r[i]) > 14400)
      return 1;
  return r[2] <= 0 || r[3] <= 0;
}

static kyso_status check_text(const char *s, const char *what,
                              kyso_error *err) {
  if (s && strlen(s) > KYSO_PROFILE_TEXT_MAX)
    return kyso_error_set(err, KYSO_ERR_ARGUMENT, "%s is longer than %d bytes",
                          what, KYSO_PROFILE_TEXT_MAX);
  return KYSO_OK;
}

static kyso_status check_field_name(const char *s, const char *what,
                                    kyso_error *err) {
  if (s && (!*s || strlen(s) > 256 || strchr(s, '.')))
    return kyso_error_set(err, KYSO_ERR_ARGUMENT,
                          "%s must be 1-256 bytes without '.'", what);
  return KYSO_OK;
}

kyso_status kyso_profile_check(const kyso_sign_options *o, kyso_error *err) {
  kyso_status ret = KYSO_OK;
  int text = 0;

  switch (o->appearance.profile) {
  case KYSO_PROFILE_PERSONAL:
    text = o->appearance.has_number_rect || o->appearance.has_date_rect;
    if (o->appearance.has_number_rect && bad_rect(o->appearance.number_rect))
      return kyso_error_set(err, KYSO_ERR_ARGUMENT,
                            "number rectangle out of range or empty");
    if (o->appearance.has_date_rect && bad_rect(o->appearance.date_rect))
      return kyso_error_set(err, KYSO_ERR_ARGUMENT,
                            "date rectangle out of range or empty");
    break;
  case KYSO_PROFILE_ORGANIZATION:
    text = (o->appearance.doc_number && *o->appearance.doc_number) ||
           (o->appearance.issue_date_text && *o->appearance.issue_date_text);
    if (o->image.len == 0)
      return kyso_error_set(err, KYSO_ERR_ARGUMENT,
                            "the organization profile needs the seal image");
    if (o->appearance.seal_size_mm != 0 &&
        (!isfinite(o->appearance.seal_size_mm) ||
         o->appearance.seal_size_mm < 5 || o->appearance.seal_size_mm > 100))
      return kyso_error_set(err, KYSO_ERR_ARGUMENT,
                            "seal size must be 5-100 mm");
    break;
  case KYSO_PROFILE_ATTACHMENT:
    text = 1;
    if (!o->appearance.doc_number || !*o->appearance.doc_number)
      return kyso_error_set(err, KYSO_ERR_ARGUMENT,
                            "the attachment profile needs the document "
                            "number");
    break;
  case KYSO_PROFILE_COPY:
    text = 1;
    if (!o->appearance.copy_form || !*o->appearance.copy_form)
      return kyso_error_set(err, KYSO_ERR_ARGUMENT,
                            "the copy profile needs the copy form (SAO Y, "
                            "SAO LỤC, TRÍCH SAO)");
    if ((!o->appearance.copier || !*o->appearance.copier) &&
        (!o->appearance.organization || !*o->appearance.organization))
      return kyso_error_set(err, KYSO_ERR_ARGUMENT,
                            "the copy profile needs the copying "
                            "organization");
    break;
  default:
    return kyso_error_set(err, KYSO_ERR_ARGUMENT, "unknown profile %d",
                          (int)o->appearance.profile);
  }
  if (text && (!o->appearance.font.data || o->appearance.font.len == 0))
    return kyso_error_set(err, KYSO_ERR_ARGUMENT,
                          "this profile draws text and needs a TrueType "
                          "font");
  if (o->appearance.profile != KYSO_PROFILE_PERSONAL && o->visible &&
      bad_rect(o->rect))
    return kyso_error_set(err, KYSO_ERR_ARGUMENT,
                          "signature rectangle out of range");
  ret = check_text(o->appearance.doc_number, "document number", err);
  if (ret == KYSO_OK)
    ret = check_text(o->appearance.issue_date_text, "issue date", err);
  if (ret == KYSO_OK)
    ret = check_text(o->appearance.copy_form, "copy form", err);
  if (ret == KYSO_OK)
    ret = check_text(o->appearance.copier, "copier", err);
  if (ret == KYSO_OK)
    ret = check_text(o->appearance.organization, "organization", err);
  if (ret == KYSO_OK)
    ret =
        check_field_name(o->appearance.number_field, "number field name", err);
  if (ret == KYSO_OK)
    ret = check_field_name(o->appearance.date_field, "date field name", err);
  if (ret == KYSO_OK && o->appearance.number_field &&
      o->appearance.date_field &&
      strcmp(o->appearance.number_field, o->appearance.date_field) == 0)
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                         "number and date fields need different names");
  return ret;
}

kyso_status kyso_profile_text_lines(kyso_font *font, kyso_buf *content,
                                    const char *const *lines, int count,
                                    double size, double width, double height,
                                    int align, double pad, kyso_error *err) {
  kyso_status ret = KYSO_OK;
  double leading = size * 1.2, top, x, w;
  int i;

  /* Block centered vertically; the baseline sits a descent (about 0.22
   * em for Times-metric faces) above each line box's bottom. */
  top = (height + count * leading) / 2;
  for (i = 0; i < count && ret == KYSO_OK; i++) {
    ret = kyso_font_measure(font, lines[i], size, &w, err);
    if (ret != KYSO_OK)
      break;
    x = align == 2 ? width - pad - w : align == 1 ? (width - w) / 2 : pad;
    ret = kyso_font_show(font, content, FONT_RES, lines[i], x,
                         top - (i + 1) * leading + 0.22 * size +
                             (leading - size) / 2,
                         size, err);
  }
  return ret;
}

/* 2024-12-11T09:30:15+07:00 (ISO 8601 extended, local time with offset). */
static void format_iso_time(int64_t t, int offset_min, char out[32]) {
  int64_t y;
  unsigned mo, d, h, mi, sec;
  int off = offset_min < 0 ? -offset_min : offset_min;
  kyso_civil_from_seconds(t + (int64_t)offset_min * 60, &y, &mo, &d, &h, &mi,
                          &sec);
  snprintf(out, 32, "%04lld-%02u-%02uT%02u:%02u:%02u%c%02d:%02d", (long long)y,
           mo, d, h, mi, sec, offset_min < 0 ? '-' : '+', off / 60, off % 60);
}

/* ATTACHMENT and COPY: lines of 10 pt text, right-aligned, top right. */
static kyso_status build_text_block(kyso_update *u, const kyso_page *page,
                                    const kyso_sign_options *o,
                                    kyso_profile_plan *plan, kyso_error *err) {
  kyso_status ret;
  kyso_font *font = NULL;
  kyso_buf content;
  kyso_appearance_spec spec;
  const char *lines[3];
  char when[32];
  int n = 0, i;
  double vis[4], pw, ph, w, maxw = 0;

  kyso_buf_init(&content);
  memset(&spec, 0, sizeof(spec));
  format_iso_time(o->signing_time, o->utc_offset_minutes, when);
  if (o->appearance.profile == KYSO_PROFILE_ATTACHMENT) {
    lines[n++] = o->appearance.doc_number;
  } else {
    lines[n++] = o->appearance.copy_form;
    lines[n++] = o->appearance.copier && *o->appearance.copier
                     ? o->appearance.copier
                     : o->appearance.organization;
  }
  lines[n++] = when;
  ret = kyso_font_open(o->appearance.font, &font, err);
  if (ret != KYSO_OK)
    goto done;
  for (i = 0; i < n; i++) {
    ret = kyso_font_measure(font, lines[i], TEXT_SIZE, &w, err);
    if (ret != KYSO_OK)
      goto done;
    if (w > maxw)
      maxw = w;
  }
  if (o->visible) {
    memcpy(vis, o->rect, sizeof(vis));
  } else {
    kyso_page_visible_size(page, &pw, &ph);
    vis[2] = ceil(maxw + 2 * TEXT_PAD);
    vis[3] = n * TEXT_LEADING + 2 * TEXT_PAD;
    vis[0] = pw - TOP_RIGHT_MARGIN_RIGHT - vis[2];
    vis[1] = ph - TOP_RIGHT_MARGIN_TOP - vis[3];
    if (vis[0] < 0)
      vis[0] = 0;
  }
  kyso_buf_append_str(&content, "0 g\n");
  ret = kyso_profile_text_lines(font, &content, lines, n, TEXT_SIZE, vis[2],
                                vis[3], 2, TEXT_PAD, err);
  if (ret == KYSO_OK)
    ret = kyso_font_add_to_update(font, u, &spec.font_ref, err);
  if (ret != KYSO_OK)
    goto done;
  if (!kyso_buf_ok(&content)) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  spec.width = vis[2];
  spec.height = vis[3];
  spec.has_matrix = page->rotate != 0;
  kyso_page_appearance_matrix(page, spec.matrix);
  spec.text = (const char *)content.data;
  spec.text_len = content.len;
  spec.font_name = FONT_RES;
  ret = kyso_appearance_build_spec(u, &spec, &plan->ap_ref, err);
  if (ret != KYSO_OK)
    goto done;
  plan->visible = 1;
  kyso_page_rect_to_user(page, vis, plan->user_rect);
done:
  if (font)
    kyso_font_free(font);
  kyso_buf_free(&content);
  return ret;
}

/* An image widget at vis (visible space). */
static kyso_status build_image(kyso_update *u, const kyso_page *page,
                               kyso_blob image, const double vis[4],
                               kyso_profile_plan *plan, kyso_error *err) {
  kyso_appearance_spec spec;
  kyso_status ret;

  memset(&spec, 0, sizeof(spec));
  spec.width = vis[2];
  spec.height = vis[3];
  spec.image = image;
  spec.has_matrix = page->rotate != 0;
  kyso_page_appearance_matrix(page, spec.matrix);
  ret = kyso_appearance_build_spec(u, &spec, &plan->ap_ref, err);
  if (ret == KYSO_OK) {
    plan->visible = 1;
    kyso_page_rect_to_user(page, vis, plan->user_rect);
  }
  return ret;
}

/* ORGANIZATION: the seal's box in visible space. */
static kyso_status place_seal(kyso_update *u, const kyso_page *page,
                              const kyso_sign_options *o, double vis[4],
                              kyso_error *err) {
  kyso_status ret;
  kyso_image img;
  double personal[4], size_mm, w, h;

  if (o->visible) {
    memcpy(vis, o->rect, 4 * sizeof(double));
    return KYSO_OK;
  }
  ret = kyso_image_decode(o->image.data, o->image.len, &img, err);
  if (ret != KYSO_OK)
    return ret;
  w = img.width;
  h = img.height;
  kyso_image_free(&img);
  ret = kyso_profile_find_personal(u, page, personal, err);
  if (ret != KYSO_OK)
    return ret;
  size_mm = o->appearance.seal_size_mm > 0 ? o->appearance.seal_size_mm
                                           : KYSO_PROFILE_SEAL_MM;
  vis[2] = size_mm * KYSO_PT_PER_MM;
  vis[3] = vis[2] * h / w;
  /* Right edge one third into the signature image, centered on it. */
  vis[0] = personal[0] + personal[2] / 3 - vis[2];
  vis[1] = personal[1] + personal[3] / 2 - vis[3] / 2;
  return KYSO_OK;
}

kyso_status kyso_profile_build(kyso_update *u, const kyso_page *page,
                               const kyso_sign_options *o,
                               kyso_profile_plan *plan, kyso_error *err) {
  kyso_status ret = KYSO_OK;
  double vis[4];

  memset(plan, 0, sizeof(*plan));
  switch (o->appearance.profile) {
  case KYSO_PROFILE_PERSONAL:
    if (o->visible)
      ret = build_image(u, page, o->image, o->rect, plan, err);
    else if (o->image.len)
      ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                           "an image needs a visible rectangle");
    if (ret == KYSO_OK &&
        (o->appearance.has_number_rect || o->appearance.has_date_rect))
      ret = kyso_profile_add_fields(u, page, o, err);
    break;
  case KYSO_PROFILE_ORGANIZATION:
    ret = place_seal(u, page, o, vis, err);
    if (ret == KYSO_OK)
      ret = build_image(u, page, o->image, vis, plan, err);
    if (ret == KYSO_OK)
      ret = kyso_profile_fill_fields(u, page, o, err);
    if (o->appearance.organization && *o->appearance.organization)
      plan->name = o->appearance.organization;
    break;
  case KYSO_PROFILE_ATTACHMENT:
    ret = build_text_block(u, page, o, plan, err);
    break;
  case KYSO_PROFILE_COPY:
    ret = build_text_block(u, page, o, plan, err);
    plan->name = o->appearance.copier && *o->appearance.copier
                     ? o->appearance.copier
                     : o->appearance.organization;
    plan->reason = o->appearance.copy_form;
    break;
  }
  return ret;
}

kyso_status kyso_profile_page_annots(kyso_update *u, const kyso_page *page,
                                     kyso_obj **annots, size_t *count,
                                     kyso_error *err) {
  kyso_status ret;
  kyso_obj *pg = NULL;

  *annots = NULL;
  *count = 0;
  ret = kyso_update_get(u, page->num, &pg, err);
  if (ret == KYSO_OK)
    ret = kyso_pdf_dict_get(u->pdf, pg, "Annots", annots, err);
  if (ret == KYSO_OK && kyso_obj_is(*annots, KYSO_OBJ_ARRAY))
    *count = (*annots)->u.array.count < KYSO_LIMIT_FORM_FIELDS
                 ? (*annots)->u.array.count
                 : KYSO_LIMIT_FORM_FIELDS;
  return ret;
}

int kyso_profile_widget_rect(kyso_pdf *pdf, const kyso_page *page,
                             kyso_obj *rect, double vis[4]) {
  double user[4];
  kyso_error e;
  size_t k;

  if (!kyso_obj_is(rect, KYSO_OBJ_ARRAY) || rect->u.array.count != 4)
    return 0;
  for (k = 0; k < 4; k++) {
    kyso_obj *v = NULL;
    if (kyso_pdf_resolve(pdf, rect->u.array.items[k], &v, &e) != KYSO_OK ||
        !kyso_obj_is_number(v))
      return 0;
    user[k] = kyso_obj_number(v);
  }
  /* kyso_page_rect_from_user orders the corners itself. */
  kyso_page_rect_from_user(page, user, vis);
  return 1;
}
