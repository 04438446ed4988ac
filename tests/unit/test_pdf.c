/*
 * test_pdf.c - small PDFs built in memory for the unit tests.
 */
#define _POSIX_C_SOURCE 200809L /* mkstemp, fdopen, under -std=c11 */

#include "test_pdf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

uint8_t *test_pdf_build_bytes(const kyso_buf *objs, size_t n, int flags,
                              const char *extra, size_t *len) {
  kyso_buf b;
  size_t offs[TEST_PDF_MAX_OBJS + 2], i, xref_at;
  const char *sep = extra ? " " : "";

  if (n > TEST_PDF_MAX_OBJS)
    abort();
  if (!extra)
    extra = "";
  kyso_buf_init(&b);
  kyso_buf_append_str(&b, "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n");
  for (i = 0; i < n; i++) {
    offs[i + 1] = b.len;
    kyso_buf_printf(&b, "%zu 0 obj\n", i + 1);
    kyso_buf_append(&b, objs[i].data, objs[i].len);
    kyso_buf_append_str(&b, "\nendobj\n");
  }
  xref_at = b.len;
  if (!(flags & TEST_PDF_XREF_STREAM)) {
    kyso_buf_printf(&b, "xref\n0 %zu\n0000000000 65535 f\r\n", n + 1);
    for (i = 1; i <= n; i++)
      kyso_buf_printf(&b, "%010zu 00000 n\r\n", offs[i]);
    kyso_buf_printf(&b, "trailer\n<< /Size %zu /Root 1 0 R%s%s%s >>\n", n + 1,
                    flags & TEST_PDF_ID ? " /ID [<0A0B> <0A0B>]" : "", sep,
                    extra);
  } else {
    uint8_t row[4];
    offs[n + 1] = xref_at;
    kyso_buf_printf(&b,
                    "%zu 0 obj\n<< /Type /XRef /Size %zu /W [1 2 1] "
                    "/Length %zu /Root 1 0 R%s%s >>\nstream\n",
                    n + 1, n + 2, 4 * (n + 2), sep, extra);
    for (i = 0; i <= n + 1; i++) {
      row[0] = i == 0 ? 0 : 1;
      row[1] = (uint8_t)(i == 0 ? 0 : offs[i] >> 8);
      row[2] = (uint8_t)(i == 0 ? 0 : offs[i]);
      row[3] = i == 0 ? 255 : 0;
      kyso_buf_append(&b, row, 4);
    }
    kyso_buf_append_str(&b, "\nendstream\nendobj\n");
  }
  kyso_buf_printf(&b, "startxref\n%zu\n%%%%EOF\n", xref_at);
  if (!kyso_buf_ok(&b))
    abort();
  return kyso_buf_take(&b, len);
}

uint8_t *test_pdf_build(const char *const *objs, size_t n, int flags,
                        const char *extra, size_t *len) {
  kyso_buf bytes[TEST_PDF_MAX_OBJS];
  size_t i;

  if (n > TEST_PDF_MAX_OBJS)
    abort();
  /* Borrowed views of the strings: never grown or freed. */
  for (i = 0; i < n; i++) {
    bytes[i].data = (uint8_t *)(uintptr_t)objs[i];
    bytes[i].len = strlen(objs[i]);
    bytes[i].cap = bytes[i].len;
    bytes[i].failed = 0;
  }
  return test_pdf_build_bytes(bytes, n, flags, extra, len);
}

uint8_t *test_pdf_minimal(size_t *len) {
  static const char *const objs[] = {TEST_PDF_CATALOG, TEST_PDF_PAGES1,
                                     TEST_PDF_PAGE};
  return test_pdf_build(objs, 3, TEST_PDF_ID, NULL, len);
}

kyso_pdf *test_pdf_open_checked(const uint8_t *data, size_t len) {
  kyso_pdf *pdf = NULL;
  kyso_error err;

  kyso_error_clear(&err);
  if (kyso_pdf_open(data, len, &pdf, &err) != KYSO_OK ||
      kyso_pdf_check(pdf, &err) != KYSO_OK) {
    fprintf(stderr, "open: %s\n", err.message);
    kyso_pdf_close(pdf);
    return NULL;
  }
  return pdf;
}

uint8_t *test_pdf_concat(const uint8_t *a, size_t alen, const uint8_t *b,
                         size_t blen, size_t *len) {
  uint8_t *p = malloc(alen + blen);
  if (!p)
    abort();
  memcpy(p, a, alen);
  if (blen)
    memcpy(p + alen, b, blen);
  *len = alen + blen;
  return p;
}

int test_pdf_qpdf_check(const uint8_t *data, size_t len) {
  char path[] = "/tmp/kyso-test-pdf-XXXXXX";
  char cmd[128];
  int fd = mkstemp(path), status;
  FILE *f;

  if (fd < 0)
    return -1;
  f = fdopen(fd, "wb");
  if (!f || fwrite(data, 1, len, f) != len) {
    if (f)
      fclose(f);
    else
      close(fd);
    unlink(path);
    return -1;
  }
  fclose(f);
  snprintf(cmd, sizeof(cmd), "qpdf --check %s >/dev/null 2>&1", path);
  status = system(cmd);
  unlink(path);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
