/*
 * fuzz_verify.c - libFuzzer target: any bytes through the whole verifier
 * (structure, CMS, chain, revocation, changes, report, JSON, text) with a
 * fixed validation time and no anchors. Must never crash or leak.
 */
#include <stddef.h>
#include <stdint.h>

#include "kyso/verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  kyso_verify_options opt;
  kyso_report *report = NULL;
  kyso_error err;

  kyso_verify_options_init(&opt);
  opt.validation_time = 1733884215; /* 2024-12-11T02:30:15Z */
  if (kyso_verify(data, size, &opt, &report, &err) == KYSO_OK) {
    (void)kyso_report_get_text(report, "vi");
    (void)kyso_report_get_text(report, "en");
    kyso_report_free(report);
  }
  return 0;
}
