/*
 * sig_appearance.h - the normal appearance of a signature widget
 * (ISO 32000-1 12.5.5, 12.7.4.5), private.
 *
 * Today: a form XObject of the widget's size that draws a PNG image
 * fitted inside it (aspect ratio kept, centered), its alpha channel as an
 * /SMask (11.6.5.3); or an empty one. Decree 30 text appearances build on
 * this.
 */
#ifndef KYSO_SIG_APPEARANCE_H
#define KYSO_SIG_APPEARANCE_H

#include "kyso/sign.h"
#include "pdf_update.h"

/* Adds the appearance objects to u and returns a reference to the form
 * XObject in *out. png may be empty (no image). */
kyso_status kyso_appearance_build(kyso_update *u, kyso_blob png, double width,
                                  double height, kyso_obj **out,
                                  kyso_error *err);

#endif
