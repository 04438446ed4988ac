/*
 * sig_appearance.h - the normal appearance of a signature widget
 * (ISO 32000-1 12.5.5, 12.7.4.5), private.
 *
 * A form XObject of the widget's size that draws a PNG or JPEG image
 * fitted inside it (aspect ratio kept, centered), PNG alpha as an /SMask
 * (11.6.5.3), and/or text content; or an empty one. The Decree 30
 * profiles (sig_profile.h) build on this.
 */
#ifndef KYSO_SIG_APPEARANCE_H
#define KYSO_SIG_APPEARANCE_H

#include "kyso/sign.h"
#include "pdf/pdf_update.h"

/* A form XObject of width x height (visible orientation) drawing image
 * (PNG or JPEG, fitted and centered; optional), then the content text
 * (e.g. from kyso_font_show; optional) with font_ref as /Font
 * /<font_name>. has_matrix: /Matrix (the page turn, pdf_page.h). */
typedef struct kyso_appearance_spec {
  double width, height;
  int has_matrix;
  double matrix[6];
  kyso_blob image;
  const char *text;
  size_t text_len;
  kyso_obj *font_ref;
  const char *font_name;
} kyso_appearance_spec;

/* Adds the appearance objects to u and returns a reference to the form
 * XObject in *out. */
kyso_status kyso_appearance_build_spec(kyso_update *u,
                                       const kyso_appearance_spec *spec,
                                       kyso_obj **out, kyso_error *err);

#endif
