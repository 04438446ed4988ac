/*
 * sig_profile.h - the Decree 30/2020 Appendix I signature profiles
 * (personal, organization seal, attachment, copy), private; the options
 * are documented in kyso/sign.h, the layout in DESIGN.md "Decree 30
 * appearances".
 *
 * kyso_profile_build adds to the update everything a profile needs
 * besides the signature dictionary and field: the widget's place on the
 * page (default user space), its appearance, the empty number/date fields
 * of the personal step and the filled ones of the organization step.
 * Positions are planned in the visible page (pdf_page.h).
 */
#ifndef KYSO_SIG_PROFILE_H
#define KYSO_SIG_PROFILE_H

#include "appearance/font_text.h"
#include "kyso/sign.h"
#include "pdf/pdf_update.h"

enum {
  KYSO_PROFILE_TEXT_MAX = 1024 /* bytes of one text option */
};

/* The default seal size (a round seal, Decree 30 / Decree 99/2016). */
#define KYSO_PROFILE_SEAL_MM 36.0
/* Points per millimetre. */
#define KYSO_PT_PER_MM (72.0 / 25.4)

typedef struct kyso_profile_plan {
  int visible;         /* 0: the widget has a zero /Rect */
  double user_rect[4]; /* widget /Rect, x0 y0 x1 y1, default user space */
  kyso_obj *ap_ref;    /* its normal appearance, NULL for none */
  const char *name;    /* /Name the profile wants (NULL: the caller's) */
  const char *reason;  /* /Reason the profile wants (NULL: the caller's) */
} kyso_profile_plan;

/* Checks the profile options (sign.h) before anything is parsed. */
kyso_status kyso_profile_check(const kyso_sign_options *o, kyso_error *err);

kyso_status kyso_profile_build(kyso_update *u, const kyso_page *page,
                               const kyso_sign_options *o,
                               kyso_profile_plan *plan, kyso_error *err);

/* ---- sig_profile_fields.c ------------------------------------------- */

/* PERSONAL: the empty number/date text fields, with /DA naming a subset of
 * font put in /AcroForm /DR. */
kyso_status kyso_profile_add_fields(kyso_update *u, const kyso_page *page,
                                    const kyso_sign_options *o,
                                    kyso_error *err);

/* ORGANIZATION: sets /V of the number/date fields on page and gives their
 * widgets an appearance drawing the value with font. */
kyso_status kyso_profile_fill_fields(kyso_update *u, const kyso_page *page,
                                     const kyso_sign_options *o,
                                     kyso_error *err);

/* ---- sig_profile_seal.c --------------------------------------------- */

/* The image box (visible space x, y, w, h) of the last signature widget on
 * page whose appearance draws an image. KYSO_ERR_PDF_FORM when none. */
kyso_status kyso_profile_find_personal(kyso_update *u, const kyso_page *page,
                                       double box[4], kyso_error *err);

/* The page's /Annots as the update sees it (the update's copy of the page
 * when it changed it), and how many of its entries to walk: at most
 * KYSO_LIMIT_FORM_FIELDS; 0 when it has none or it is not an array. */
kyso_status kyso_profile_page_annots(kyso_update *u, const kyso_page *page,
                                     kyso_obj **annots, size_t *count,
                                     kyso_error *err);

/* A widget's /Rect (4 numbers, any corner order) in visible space (x, y,
 * width, height); 0 when it is not 4 numbers. */
int kyso_profile_widget_rect(kyso_pdf *pdf, const kyso_page *page,
                             kyso_obj *rect, double vis[4]);

/* ---- shared by the text layouts -------------------------------------- */

/* Draws lines (count of them) at size in a box of width x height, each
 * aligned (0 left, 1 centered, 2 right) with padding pad, the block
 * centered vertically. */
kyso_status kyso_profile_text_lines(kyso_font *font, kyso_buf *content,
                                    const char *const *lines, int count,
                                    double size, double width, double height,
                                    int align, double pad, kyso_error *err);

#endif
