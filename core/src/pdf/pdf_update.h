/*
 * pdf_update.h - incremental updates (ISO 32000-1 7.5.6), private.
 *
 * An update collects new and changed objects and writes them after the
 * original bytes, followed by a cross-reference section of the same kind
 * as the file's newest one (a table, or an xref stream), a trailer with
 * /Prev, the original /ID, startxref and %%EOF. The original bytes are
 * never touched: earlier signatures stay valid.
 */
#ifndef KYSO_PDF_UPDATE_H
#define KYSO_PDF_UPDATE_H

#include "base/buf.h"
#include "pdf/pdf_file.h"
#include "pdf/pdf_serialize.h"

typedef struct kyso_update_object {
  uint32_t num;
  uint16_t gen;
  kyso_obj *obj;
} kyso_update_object;

typedef struct kyso_update {
  kyso_pdf *pdf;    /* borrowed; must outlive the update */
  kyso_arena arena; /* owns the objects built for the update */
  kyso_update_object *objects;
  size_t count, cap;
  uint32_t next_num;
} kyso_update;

void kyso_update_init(kyso_update *u, kyso_pdf *pdf);
void kyso_update_free(kyso_update *u);

/* Adds obj as a new object; returns a reference to it (in the update's
 * arena), NULL on failure. */
kyso_obj *kyso_update_add(kyso_update *u, kyso_obj *obj);

/* Replaces object num (gen as in the file) with obj in this update. */
kyso_status kyso_update_replace(kyso_update *u, uint32_t num, uint16_t gen,
                                kyso_obj *obj, kyso_error *err);

/* The object as this update will leave it: the replacement if there is
 * one, else the document's. */
kyso_status kyso_update_get(kyso_update *u, uint32_t num, kyso_obj **out,
                            kyso_error *err);

/*
 * Writes the update: out receives the bytes to append to the document.
 * Offsets in marks are relative to out. When the document does not end with
 * an end of line, out starts with one.
 */
kyso_status kyso_update_write(kyso_update *u, kyso_buf *out,
                              kyso_write_marks *marks, kyso_error *err);

#endif
