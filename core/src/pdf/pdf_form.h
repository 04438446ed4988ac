/*
 * pdf_form.h - walking the interactive form (ISO 32000-1 12.7), private.
 *
 * Visits each terminal field of /AcroForm /Fields with its fully qualified
 * name and inherited field type; reads the DocMDP permission of a certified
 * document (12.8.2.2). Loops and over-deep or over-large forms are errors.
 */
#ifndef KYSO_PDF_FORM_H
#define KYSO_PDF_FORM_H

#include "pdf/pdf_file.h"

typedef struct kyso_form_field {
  const char *name; /* fully qualified (a.b.c), UTF-8, in the doc arena */
  kyso_obj *dict;   /* the terminal field dictionary */
  uint32_t num;     /* its object number, 0 if it is a direct object */
  const char *type; /* /FT, inherited; "" if none */
  kyso_obj *value;  /* /V as written (maybe a reference), inherited from
                       the parent fields (12.7.3.1); NULL if none */
} kyso_form_field;

typedef kyso_status (*kyso_form_visit)(void *ctx, const kyso_form_field *f,
                                       kyso_error *err);

/* Visits terminal fields in /Fields order. No AcroForm: nothing visited. */
kyso_status kyso_form_walk(kyso_pdf *pdf, kyso_form_visit visit, void *ctx,
                           kyso_error *err);

/* DocMDP permission P (1, 2 or 3) of a certified document, 0 if the
 * document is not certified. */
kyso_status kyso_form_docmdp(kyso_pdf *pdf, int *permission, kyso_error *err);

#endif
