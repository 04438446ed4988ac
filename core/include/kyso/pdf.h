/*
 * kyso/pdf.h - reading a PDF document from memory (ISO 32000-1).
 *
 * kyso_pdf_open parses the cross-reference chain of every revision
 * (classic tables, xref streams, hybrid files, /Prev), decrypts documents
 * encrypted with a password (the empty one unless given), and loads
 * objects on demand. kyso_pdf_check loads every object
 * and the page tree, so a broken file is refused before anything is signed:
 * nothing is "repaired" silently.
 *
 * The document borrows the bytes given to open (they must outlive it) and
 * owns every object it parses; all die with kyso_pdf_close. No I/O here.
 */
#ifndef KYSO_PDF_H
#define KYSO_PDF_H

#include <stddef.h>
#include <stdint.h>

#include "kyso/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kyso_pdf kyso_pdf;

kyso_status kyso_pdf_open(const uint8_t *data, size_t len, kyso_pdf **out,
                          kyso_error *err);
/* As kyso_pdf_open, for an encrypted document (ISO 32000-1 7.6.3) whose
 * user password is not empty: password is its user or owner password,
 * UTF-8, NUL-terminated (NULL: the empty password). A document that needs
 * one is KYSO_ERR_PDF_PASSWORD; kyso_pdf_open tries the empty password. */
kyso_status kyso_pdf_open_password(const uint8_t *data, size_t len,
                                   const char *password, kyso_pdf **out,
                                   kyso_error *err);
void kyso_pdf_close(kyso_pdf *pdf);

/* Loads and checks every object in use and the page tree. */
kyso_status kyso_pdf_check(kyso_pdf *pdf, kyso_error *err);

/* Pages (after open; the page tree is read on first use). */
kyso_status kyso_pdf_get_page_count(kyso_pdf *pdf, size_t *count,
                                    kyso_error *err);

/* One revision: what a writer appended in one save (7.5.6). */
typedef struct kyso_revision_info {
  size_t xref_offset; /* where its xref section starts */
  size_t eof_end;     /* one past its %%EOF marker */
  size_t end;         /* one past the end of line after %%EOF, if any */
  int xref_is_stream; /* 1: xref stream, 0: classic table */
} kyso_revision_info;

/* Revisions, oldest first (index 0 is the original document). */
size_t kyso_pdf_get_revision_count(const kyso_pdf *pdf);
int kyso_pdf_get_revision(const kyso_pdf *pdf, size_t index,
                          kyso_revision_info *out);

/* A signature field's value as found in the file, for listing. Strings
 * borrow from the document. */
typedef struct kyso_pdf_signature {
  const char *field_name;  /* /T, UTF-8 when it was UTF-16 */
  const char *sub_filter;  /* /SubFilter name, "" if absent */
  const char *type;        /* /Type name ("Sig", "DocTimeStamp"), "" */
  int64_t byte_range[4];   /* -1 where missing or not an integer */
  size_t byte_range_count; /* entries actually present */
  const uint8_t *contents; /* decoded /Contents bytes, NULL if absent */
  size_t contents_len;
  const char *signing_time; /* /M as written, "" if absent */
  const char *name;         /* /Name, UTF-8, "" if absent */
  const char *reason;       /* /Reason, UTF-8, "" if absent */
  const char *location;     /* /Location, UTF-8, "" if absent */
  size_t revision;          /* index of the revision the signed range ends
                               in; (size_t)-1 if it ends in none */
  int covers_whole_file;    /* the range ends at the end of the file */
} kyso_pdf_signature;

/* Lists the signed signature fields of the AcroForm in field order. The
 * array is owned by the document. */
kyso_status kyso_pdf_list_signatures(kyso_pdf *pdf,
                                     const kyso_pdf_signature **out,
                                     size_t *count, kyso_error *err);

#ifdef __cplusplus
}
#endif

#endif
