/*
 * test_verify_reading.c - signatures in documents that other readers read
 * and kyso used to refuse or miss (issue 12, part 3):
 *
 * - a later revision removes /AcroForm (iText's removeAcroform.pdf): the
 *   signature is still found, in the revision it signed, and the removal
 *   makes its CHANGES check fail;
 * - an update after the signature whose cross-reference data is broken
 *   (startxref past the end, as in files users posted): the signature
 *   still gets a verdict on what needs no cross-reference (structure,
 *   revision, CMS, integrity), with CHANGES INDETERMINATE (xref_damaged),
 *   never a pass; when that update defines an object of the signed part
 *   again (the Incremental Saving Attack shape), CHANGES fails;
 * - kyso sign refuses such a broken document with a clear error.
 *
 * The document is built here and signed in process with an EC P-256 key
 * that is also the trust anchor, so a clean signature is TOTAL_PASSED and
 * every step down from it is the reading's doing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "check.h"
#include "kyso/sign.h"
#include "kyso/verify.h"
#include "pdf/pdf_file.h"
#include "test_pdf.h"
#include "test_pki.h"
#include "verify/verify_internal.h"

#define SIGNING_TIME 1733884215 /* 2024-12-11 02:30:15 UTC */

typedef struct doc {
  uint8_t *data;
  size_t len;
} doc;

static EVP_PKEY *key;
static uint8_t *cert_der;
static size_t cert_der_len;

static int make_key(void) {
  X509 *cert = NULL;
  int ok;
  key = test_pki_key_new("EC", 0, "P-256");
  ok = key && test_pki_cert_self_signed(key, 9, NULL, "Van thu", 3650, &cert,
                                        &cert_der, &cert_der_len);
  X509_free(cert);
  return ok;
}

static void append(doc *d, const char *text) {
  size_t n = strlen(text);
  uint8_t *p = realloc(d->data, d->len + n);
  if (!p)
    abort();
  memcpy(p + d->len, text, n);
  d->data = p;
  d->len += n;
}

/* kyso_sig_prepare's status on d (the session is thrown away). */
static kyso_status prepare_status(const doc *d, kyso_error *err) {
  kyso_sign_options o;
  kyso_sig_session *s = NULL;
  kyso_status st;
  kyso_sign_options_init(&o);
  o.certificate.data = cert_der;
  o.certificate.len = cert_der_len;
  o.signing_time = SIGNING_TIME;
  st = kyso_sig_prepare(d->data, d->len, &o, &s, err);
  kyso_sig_session_free(s);
  return st;
}

static int sign_doc(doc *d, const char *field) {
  kyso_sign_options o;
  kyso_sign_options_init(&o);
  o.certificate.data = cert_der;
  o.certificate.len = cert_der_len;
  o.signing_time = SIGNING_TIME;
  o.field_name = field;
  return test_pki_sign_pdf(&d->data, &d->len, &o, key);
}

/* 1 catalog (with a form), 2 pages, 3 page, 4 content, 5 the form. */
static doc signed_doc(void) {
  static const char *const objs[] = {
      "<< /Type /Catalog /Pages 2 0 R /AcroForm 5 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
      ">>",
      "<< /Length 0 >>\nstream\n\nendstream", "<< /Fields [] >>"};
  doc d;
  d.data = test_pdf_build(objs, 5, TEST_PDF_ID, NULL, &d.len);
  CHECK(sign_doc(&d, "VanThu"));
  return d;
}

static size_t startxref_of(const doc *d) {
  kyso_pdf *pdf = NULL;
  kyso_error err;
  size_t s;
  if (kyso_pdf_open(d->data, d->len, &pdf, &err) != KYSO_OK)
    abort();
  s = pdf->startxref;
  kyso_pdf_close(pdf);
  return s;
}

/* An update: body (object definitions), a table listing object num at the
 * update's start, and a trailer. startxref: the right offset, or when
 * broken one past the end of the file. */
static void append_update(doc *d, const char *body, int num, int broken) {
  char buf[1024];
  size_t prev = startxref_of(d), at = d->len, xref_at;
  append(d, body);
  xref_at = d->len;
  snprintf(buf, sizeof(buf),
           "xref\n0 1\n0000000000 65535 f\r\n%d 1\n%010zu 00000 n\r\n"
           "trailer\n<< /Size 40 /Root 1 0 R /Prev %zu >>\nstartxref\n%zu\n"
           "%%%%EOF\n",
           num, at, prev, broken ? (size_t)99999999 : xref_at);
  append(d, buf);
}

static kyso_report *verify(const doc *d) {
  kyso_verify_options o;
  kyso_blob anchor;
  kyso_report *r = NULL;
  kyso_error err;
  kyso_verify_options_init(&o);
  anchor.data = cert_der;
  anchor.len = cert_der_len;
  o.anchors = &anchor;
  o.anchor_count = 1;
  o.validation_time = SIGNING_TIME + 3600;
  if (kyso_verify(d->data, d->len, &o, &r, &err) != KYSO_OK) {
    fprintf(stderr, "verify: %s\n", err.message);
    return NULL;
  }
  return r;
}

/* The one signature of r, its CHANGES result and reason, its indication. */
static void expect(const char *label, const doc *d, kyso_check_result changes,
                   const char *reason, kyso_indication indication) {
  kyso_report *r = verify(d);
  const kyso_sig_report *s = r && r->count == 1 ? &r->sigs[0] : NULL;
  const kyso_check *c;
  CHECK(s != NULL);
  if (!s) {
    fprintf(stderr, "%s: not one signature in the report\n", label);
    kyso_report_free(r);
    return;
  }
  c = &s->checks[KYSO_CHECK_CHANGES];
  if (c->result != changes || !c->reason || strcmp(c->reason, reason) != 0 ||
      s->indication != indication)
    fprintf(stderr, "%s: changes %d %s (%s), indication %d\n", label,
            (int)c->result, c->reason ? c->reason : "-",
            c->detail ? c->detail : "", (int)s->indication);
  CHECK_EQ_INT(c->result, changes);
  CHECK(c->reason && strcmp(c->reason, reason) == 0);
  CHECK_EQ_INT(s->indication, indication);
  CHECK_EQ_STR(s->field, "VanThu");
  CHECK_EQ_INT(s->checks[KYSO_CHECK_STRUCTURE].result, KYSO_RESULT_PASSED);
  CHECK_EQ_INT(s->checks[KYSO_CHECK_REVISION].result, KYSO_RESULT_PASSED);
  CHECK_EQ_INT(s->checks[KYSO_CHECK_INTEGRITY].result, KYSO_RESULT_PASSED);
  CHECK_EQ_INT(s->checks[KYSO_CHECK_SIGNATURE].result, KYSO_RESULT_PASSED);
  kyso_report_free(r);
}

static void test_clean(void) {
  doc d = signed_doc();
  expect("clean", &d, KYSO_RESULT_PASSED, "unmodified",
         KYSO_INDICATION_TOTAL_PASSED);
  free(d.data);
}

/* A later revision takes /AcroForm out of the catalog. */
static void test_acroform_removed(void) {
  doc d = signed_doc();
  append_update(&d, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n", 1,
                0);
  expect("/AcroForm removed", &d, KYSO_RESULT_FAILED, "modified_after_signing",
         KYSO_INDICATION_TOTAL_FAILED);
  free(d.data);
}

/* An update that only adds an object, behind a broken startxref. */
static void test_damaged_update(void) {
  doc d = signed_doc();
  kyso_error err;
  append_update(&d, "30 0 obj\n(nothing)\nendobj\n", 30, 1);
  expect("damaged xref, new object", &d, KYSO_RESULT_INDETERMINATE,
         "xref_damaged", KYSO_INDICATION_INDETERMINATE);
  /* and kyso sign will not touch it */
  kyso_error_clear(&err);
  CHECK_EQ_INT(prepare_status(&d, &err), KYSO_ERR_PDF_XREF);
  CHECK(strstr(err.message, "startxref") != NULL);
  free(d.data);
}

/* The Incremental Saving Attack shape: the page is defined again after the
 * signature, behind a broken startxref (readers that rebuild the table
 * show the new page). */
static void test_damaged_redefinition(void) {
  doc d = signed_doc();
  append_update(&d,
                "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 "
                "100] >>\nendobj\n",
                3, 1);
  expect("damaged xref, page defined again", &d, KYSO_RESULT_FAILED,
         "modified_after_signing", KYSO_INDICATION_TOTAL_FAILED);
  free(d.data);
}

/* A damaged 1 MB file built to make the scan slow: "trailer <<" with an
 * unclosed string over and over, and as many object headers. Bounded by
 * KYSO_LIMIT_REPAIR_TRAILERS: refused or read, in well under a second. */
static void test_damaged_adversarial(void) {
  doc d;
  kyso_report *r = NULL;
  kyso_verify_options o;
  kyso_error err;
  clock_t t0;
  double secs;
  size_t i;

  d.data = NULL;
  d.len = 0;
  append(&d, "%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
  for (i = 0; d.len < 1000000; i++) {
    char line[64];
    snprintf(line, sizeof(line), "trailer << /Root 1 0 R /A (%zu 0 obj [\n",
             i % 1000 + 3);
    append(&d, line);
  }
  append(&d, "startxref\n99999999\n%%EOF\n");
  kyso_verify_options_init(&o);
  t0 = clock();
  (void)kyso_verify(d.data, d.len, &o, &r, &err);
  secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
  if (secs >= 1.0)
    fprintf(stderr, "adversarial damaged file: %.2f s\n", secs);
  CHECK(secs < 1.0);
  kyso_report_free(r);
  free(d.data);
}

int main(void) {
  CHECK(make_key());
  if (key) {
    test_clean();
    test_acroform_removed();
    test_damaged_update();
    test_damaged_redefinition();
    test_damaged_adversarial();
  }
  EVP_PKEY_free(key);
  OPENSSL_free(cert_der);
  return check_summary();
}
