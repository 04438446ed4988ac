/*
 * test_pdf.h - small PDFs built in memory for the unit tests.
 *
 * Objects 1..n in order, then a classic cross-reference table or an xref
 * stream (object n+1, /W [1 2 1], no filter), /Root 1 0 R, startxref and
 * %%EOF: a correct file the parser must read without repair. Also the
 * glue for incremental updates (original + update) and qpdf, the
 * independent reader. Failures to allocate abort: these are test inputs.
 */
#ifndef KYSO_TEST_PDF_H
#define KYSO_TEST_PDF_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "kyso/pdf.h"

/* The one-page document most tests start from (ISO 32000-1 7.7.2, 7.7.3). */
#define TEST_PDF_CATALOG "<< /Type /Catalog /Pages 2 0 R >>"
#define TEST_PDF_PAGES1 "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
#define TEST_PDF_PAGE "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"

/* The most objects a built file holds. */
#define TEST_PDF_MAX_OBJS 30

enum {
  TEST_PDF_XREF_STREAM = 1, /* an xref stream instead of a classic table */
  TEST_PDF_ID = 2           /* a classic trailer has /ID [<0A0B> <0A0B>] */
};

/* objs[0..n-1] as objects 1..n. flags: TEST_PDF_*. extra: more trailer
 * (or xref stream dictionary) entries, written after a space; NULL: none.
 * Returns a malloc'd file and sets *len. */
uint8_t *test_pdf_build(const char *const *objs, size_t n, int flags,
                        const char *extra, size_t *len);

/* The same with each object given as bytes (may be binary). */
uint8_t *test_pdf_build_bytes(const kyso_buf *objs, size_t n, int flags,
                              const char *extra, size_t *len);

/* Catalog, pages and one A4 page, a classic table and an /ID. */
uint8_t *test_pdf_minimal(size_t *len);

/* Opens data and loads every object (kyso_pdf_check); NULL, with the
 * message on stderr, when either fails. Close it with kyso_pdf_close. */
kyso_pdf *test_pdf_open_checked(const uint8_t *data, size_t len);

/* a then b in one malloc'd buffer (an original and its update). */
uint8_t *test_pdf_concat(const uint8_t *a, size_t alen, const uint8_t *b,
                         size_t blen, size_t *len);

/* Runs `qpdf --check` on data: its exit status (0: no errors and no
 * warnings), -1 if it could not run. */
int test_pdf_qpdf_check(const uint8_t *data, size_t len);

#endif
