/*
 * pdf_form_edit.h - adding fields and annotations in an update, private.
 */
#ifndef KYSO_PDF_FORM_EDIT_H
#define KYSO_PDF_FORM_EDIT_H

#include "pdf/pdf_update.h"

/* Longest field name kyso writes. */
enum { KYSO_FORM_NAME_MAX = 256 };

/* A field name not used in the document: wanted if given and free (a used
 * one is KYSO_ERR_PDF_FORM), else prefix<N> with the first free N. */
kyso_status kyso_form_choose_name(kyso_pdf *pdf, const char *wanted,
                                  const char *prefix, char *out, size_t cap,
                                  kyso_error *err);

/* Appends widget_ref to the page's /Annots (12.5.2). */
kyso_status kyso_form_add_annotation(kyso_update *u, const kyso_page *page,
                                     kyso_obj *widget_ref, kyso_error *err);

/* Appends field_ref to /AcroForm /Fields, creating the AcroForm if needed,
 * and ORs sig_flags into /SigFlags (12.7.2; 3 = SignaturesExist |
 * AppendOnly, 0 for ordinary fields). */
kyso_status kyso_form_add_field(kyso_update *u, kyso_obj *field_ref,
                                int sig_flags, kyso_error *err);

#endif
