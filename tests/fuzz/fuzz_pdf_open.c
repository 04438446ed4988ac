/*
 * fuzz_pdf_open.c - libFuzzer target: any bytes through the PDF reader
 * (open, check every object and the page tree, list signatures) and, when
 * that succeeds, through signing preparation. Must never crash or leak.
 */
#include <stddef.h>
#include <stdint.h>

#include "kyso/pdf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  kyso_pdf *pdf = NULL;
  kyso_error err;
  const kyso_pdf_signature *sigs;
  size_t count, i;

  if (kyso_pdf_open(data, size, &pdf, &err) == KYSO_OK) {
    (void)kyso_pdf_check(pdf, &err);
    (void)kyso_pdf_list_signatures(pdf, &sigs, &count, &err);
    for (i = 0; i < kyso_pdf_get_revision_count(pdf); i++) {
      kyso_revision_info r;
      (void)kyso_pdf_get_revision(pdf, i, &r);
    }
    kyso_pdf_close(pdf);
  }
  return 0;
}
