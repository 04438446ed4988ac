/*
 * test_verify_changes.c - what later revisions did after a signature
 * (verify_changes.c, the CHANGES check).
 *
 * A small document with a page, a font, a text field and (optionally) a
 * DocMDP certification entry is built here and signed in process (EC P-256
 * key made by OpenSSL, kyso_sig_prepare/finish). Incremental updates are
 * then appended with the core's own update writer, or by hand where the
 * writer will not go (freeing an object, an xref entry pointing at junk,
 * bytes without any xref). kyso_verify runs on the result and the CHANGES
 * check of the first signature must say whether what happened is allowed
 * and name it. Form filling without DocMDP counts only when a later
 * signature covers it (the clerk's seal over the stamped number). The signer
 * refuses a document certified with P=1, so those cases are signed at P=2 and
 * the certification is turned into P=1 in the original bytes afterwards: the
 * signatures no longer verify, which the CHANGES check does not look at.
 * Allowed: second signatures, document timestamps' companion data (/DSS,
 * /Info, fonts added to /DR), form filling per DocMDP, comments at P=3, a
 * page /Resources or /DR font written anew with the same value. Not
 * allowed: a changed /DR font, a /Resources with one value changed, content,
 * pages, fonts, freed objects, this signature's dictionary, evil annotations,
 * sneaky signatures, dangling references filled in later, appended or
 * unreferenced bytes, appearances redrawn through a dictionary a Stamp
 * shares, anything a PDF 2.0 lock (/Lock, FieldMDP /P) forbids.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "check.h"
#include "kyso/dss.h"
#include "kyso/sign.h"
#include "kyso/verify.h"
#include "pdf/pdf_form.h"
#include "pdf/pdf_parse.h"
#include "pdf/pdf_update.h"
#include "test_pdf.h"
#include "test_pki.h"
#include "verify/verify_internal.h"

#define SIGNING_TIME 1733884215 /* 2024-12-11 02:30:15 UTC */
#define CONTENT "BT /F1 12 Tf 72 720 Td (Quyet dinh so 12) Tj ET"
#define CONTENT2 "BT /F1 12 Tf 72 720 Td (Quyet dinh so 99) Tj ET"

typedef struct doc {
  uint8_t *data;
  size_t len;
} doc;

/* ---- building the original ----------------------------------------------- */

enum {
  BASE_DANGLING = 1,  /* page /Contents also names object 20, undefined */
  BASE_SHARED_AP = 2, /* the field's appearance is also a page XObject */
  BASE_AP_DICT = 4,   /* the widget's /AP is object 11 */
  BASE_STAMP = 8,     /* ... and a Stamp (object 12) shares it */
  BASE_DR = 16        /* the form has /DR << /Font << /F1 5 0 R >> >> */
};

/*
 * 1 catalog, 2 pages, 3 page, 4 content, 5 font, 6 info, 7 AcroForm,
 * 8 text field "so_van_ban" with widget, 9 its appearance stream,
 * 10 a certification signature dictionary with DocMDP /P perm (the catalog
 * names it in /Perms when perm > 0); with BASE_AP_DICT 11 the widget's
 * appearance dictionary, with BASE_STAMP 12 a Stamp drawn with it too.
 */
static doc base_pdf(int perm, int flags, int xstream) {
  char catalog[160], page[256], content[128], mdp[256];
  const char *objs[12];
  doc d;

  snprintf(catalog, sizeof(catalog),
           "<< /Type /Catalog /Pages 2 0 R /AcroForm 7 0 R%s >>",
           perm ? " /Perms << /DocMDP 10 0 R >>" : "");
  snprintf(page, sizeof(page),
           "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
           "/Contents %s /Resources << /Font << /F1 5 0 R >>%s >> "
           "/Annots [8 0 R%s] >>",
           flags & BASE_DANGLING ? "[4 0 R 20 0 R]" : "4 0 R",
           flags & BASE_SHARED_AP ? " /XObject << /Fm0 9 0 R >>" : "",
           flags & BASE_STAMP ? " 12 0 R" : "");
  snprintf(content, sizeof(content), "<< /Length %zu >>\nstream\n%s\nendstream",
           strlen(CONTENT), CONTENT);
  snprintf(mdp, sizeof(mdp),
           "<< /Type /Sig /Filter /Adobe.PPKLite /Reference [<< /Type /SigRef "
           "/TransformMethod /DocMDP /TransformParams << /Type "
           "/TransformParams /P %d /V /1.2 >> >>] >>",
           perm ? perm : 2);
  objs[0] = catalog;
  objs[1] = "<< /Type /Pages /Kids [3 0 R] /Count 1 >>";
  objs[2] = page;
  objs[3] = content;
  objs[4] = "<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>";
  objs[5] = "<< /Producer (kyso test) >>";
  objs[6] = flags & BASE_DR ? "<< /Fields [8 0 R] /DA (/Helv 0 Tf 0 g) /DR "
                              "<< /Font << /F1 5 0 R >> >> >>"
                            : "<< /Fields [8 0 R] /DA (/Helv 0 Tf 0 g) >>";
  objs[7] = "<< /FT /Tx /T (so_van_ban) /Type /Annot /Subtype /Widget "
            "/Rect [400 800 550 820] /P 3 0 R /F 4 /AP << /N 9 0 R >> >>";
  if (flags & (BASE_AP_DICT | BASE_STAMP))
    objs[7] = "<< /FT /Tx /T (so_van_ban) /Type /Annot /Subtype /Widget "
              "/Rect [400 800 550 820] /P 3 0 R /F 4 /AP 11 0 R >>";
  objs[8] = "<< /Type /XObject /Subtype /Form /BBox [0 0 150 20] /Length 0 "
            ">>\nstream\n\nendstream";
  objs[9] = mdp;
  objs[10] = "<< /N 9 0 R >>";
  objs[11] = "<< /Type /Annot /Subtype /Stamp /Rect [72 600 222 620] /P 3 0 "
             "R /F 4 /AP 11 0 R >>";
  d.data = test_pdf_build(objs,
                          flags & BASE_STAMP     ? 12
                          : flags & BASE_AP_DICT ? 11
                                                 : 10,
                          (xstream ? TEST_PDF_XREF_STREAM : 0) | TEST_PDF_ID,
                          "/Info 6 0 R", &d.len);
  return d;
}

/* ---- signing in process -------------------------------------------------- */

typedef struct test_key {
  EVP_PKEY *key;
  uint8_t *der;
  size_t der_len;
} test_key;

static test_key key;

static int make_key(void) {
  X509 *cert = NULL;
  int ok;

  key.key = test_pki_key_new("EC", 0, "P-256");
  ok = key.key && test_pki_cert_self_signed(key.key, 7, NULL, "Lanh dao", 3650,
                                            &cert, &key.der, &key.der_len);
  X509_free(cert);
  return ok;
}

/* Appends a signature (field `field`; visible when rect is given). */
static int sign_doc(doc *d, const char *field, const double *rect) {
  kyso_sign_options o;
  kyso_sign_options_init(&o);
  o.certificate.data = key.der;
  o.certificate.len = key.der_len;
  o.signing_time = SIGNING_TIME;
  o.field_name = field;
  if (rect) {
    o.visible = 1;
    memcpy(o.rect, rect, sizeof(o.rect));
  }
  return test_pki_sign_pdf(&d->data, &d->len, &o, key.key);
}

/* The document signed once by field "Leader" (P=1: see certify_p1). */
static doc signed_pdf(int perm, int flags, int xstream) {
  doc d = base_pdf(perm == 1 ? 2 : perm, flags, xstream);
  CHECK(sign_doc(&d, "Leader", NULL));
  return d;
}

/* Turns the P=2 certification of the original into P=1, in place. */
static void certify_p1(doc *d) {
  static const char needle[] = "/TransformParams /P 2 ";
  size_t i, n = sizeof(needle) - 1;
  for (i = 0; i + n <= d->len; i++) {
    if (memcmp(d->data + i, needle, n) == 0) {
      d->data[i + n - 2] = '1';
      return;
    }
  }
  CHECK(0);
}

/* ---- updates ------------------------------------------------------------- */

typedef struct edit {
  doc *d;
  kyso_pdf *pdf;
  kyso_update u;
  kyso_arena *a;
} edit;

static void edit_begin(edit *e, doc *d) {
  kyso_error err;
  e->d = d;
  e->pdf = NULL;
  if (kyso_pdf_open(d->data, d->len, &e->pdf, &err) != KYSO_OK)
    abort();
  kyso_update_init(&e->u, e->pdf);
  e->a = &e->u.arena;
}

static void edit_commit(edit *e) {
  kyso_buf out;
  kyso_error err;
  uint8_t *p;
  kyso_buf_init(&out);
  if (kyso_update_write(&e->u, &out, NULL, &err) != KYSO_OK ||
      !kyso_buf_ok(&out))
    abort();
  p = realloc(e->d->data, e->d->len + out.len);
  if (!p)
    abort();
  memcpy(p + e->d->len, out.data, out.len);
  e->d->data = p;
  e->d->len += out.len;
  kyso_buf_free(&out);
  kyso_update_free(&e->u);
  kyso_pdf_close(e->pdf);
}

/* An object parsed from text into the update's arena. */
static kyso_obj *parse(edit *e, const char *text) {
  kyso_parser p;
  kyso_obj *o = NULL;
  kyso_error err;
  kyso_parser_init(&p, e->a, (const uint8_t *)text, strlen(text), 0);
  if (kyso_parse_object(&p, &o, &err) != KYSO_OK)
    abort();
  return o;
}

static kyso_obj *stream(edit *e, const char *dict, const char *data) {
  kyso_obj *d = parse(e, dict);
  kyso_dict_set(e->a, d, "Length",
                kyso_obj_new_int(e->a, (int64_t)strlen(data)));
  return kyso_obj_new_stream(e->a, d, data, strlen(data));
}

static void replace(edit *e, uint32_t num, kyso_obj *o) {
  kyso_error err;
  if (kyso_update_replace(&e->u, num, 0, o, &err) != KYSO_OK)
    abort();
}

/* A shallow copy of the current object num, to change and put back. */
static kyso_obj *current(edit *e, uint32_t num) {
  kyso_obj *o = NULL;
  kyso_error err;
  if (kyso_update_get(&e->u, num, &o, &err) != KYSO_OK)
    abort();
  return kyso_obj_clone_shallow(e->a, o);
}

/* Page 3 with one more annotation in its (direct) /Annots. */
static void page_add_annot(edit *e, kyso_obj *annot_ref) {
  kyso_obj *page = current(e, 3);
  kyso_obj *annots =
      kyso_obj_clone_shallow(e->a, kyso_dict_get(page, "Annots"));
  kyso_array_push(e->a, annots, annot_ref);
  kyso_dict_set(e->a, page, "Annots", annots);
  replace(e, 3, page);
}

/* The object number of field `name` or, with sig, of its signature
 * dictionary (/V); 0 when there is none. */
static uint32_t field_lookup(const doc *d, const char *name, int sig) {
  kyso_pdf *pdf = NULL;
  kyso_error err;
  kyso_obj *root = NULL, *form = NULL, *fields = NULL;
  uint32_t num = 0;
  size_t i;
  if (kyso_pdf_open(d->data, d->len, &pdf, &err) != KYSO_OK)
    return 0;
  kyso_pdf_dict_get(pdf, pdf->trailer, "Root", &root, &err);
  kyso_pdf_dict_get(pdf, root, "AcroForm", &form, &err);
  kyso_pdf_dict_get(pdf, form, "Fields", &fields, &err);
  for (i = 0; kyso_obj_is(fields, KYSO_OBJ_ARRAY) && i < fields->u.array.count;
       i++) {
    kyso_obj *f = NULL, *t;
    kyso_pdf_resolve(pdf, fields->u.array.items[i], &f, &err);
    t = kyso_dict_get(f, "T");
    if (!kyso_obj_is(t, KYSO_OBJ_STRING) || t->u.string.len != strlen(name) ||
        memcmp(t->u.string.data, name, t->u.string.len) != 0)
      continue;
    if (!sig)
      num = fields->u.array.items[i]->u.ref.num;
    else if (kyso_obj_is(kyso_dict_get(f, "V"), KYSO_OBJ_REF))
      num = kyso_dict_get(f, "V")->u.ref.num;
  }
  kyso_pdf_close(pdf);
  return num;
}

/* The number of the signature dictionary of field `name`. */
static uint32_t sig_dict_num(const doc *d, const char *name) {
  return field_lookup(d, name, 1);
}

static uint32_t field_num(const doc *d, const char *name) {
  return field_lookup(d, name, 0);
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

static void append(doc *d, const char *text) {
  size_t n = strlen(text);
  uint8_t *p = realloc(d->data, d->len + n);
  if (!p)
    abort();
  memcpy(p + d->len, text, n);
  d->data = p;
  d->len += n;
}

/* A classic xref section by hand: `entries` are table lines for
 * subsections, e.g. "5 1\n0000000000 00001 f\r\n". */
static void append_xref(doc *d, const char *entries) {
  char buf[512];
  size_t prev = startxref_of(d), at = d->len;
  snprintf(buf, sizeof(buf),
           "xref\n0 1\n0000000000 65535 f\r\n%strailer\n<< /Size 40 /Root 1 0 "
           "R /Info 6 0 R /Prev %zu >>\nstartxref\n%zu\n%%%%EOF\n",
           entries, prev, at);
  append(d, buf);
}

/* ---- verifying ----------------------------------------------------------- */

static kyso_report *verify(const doc *d) {
  kyso_verify_options o;
  kyso_report *r = NULL;
  kyso_error err;
  kyso_verify_options_init(&o);
  o.validation_time = SIGNING_TIME + 3600;
  if (kyso_verify(d->data, d->len, &o, &r, &err) != KYSO_OK) {
    fprintf(stderr, "verify: %s\n", err.message);
    return NULL;
  }
  return r;
}

static const kyso_sig_report *sig_named(const kyso_report *r,
                                        const char *field) {
  size_t i;
  for (i = 0; r && i < r->count; i++)
    if (r->sigs[i].field && strcmp(r->sigs[i].field, field) == 0)
      return &r->sigs[i];
  return NULL;
}

/* A change of this kind with this allowed flag (-1: either) is listed. */
static int has_change(const kyso_sig_report *s, const char *kind, int allowed) {
  size_t i;
  for (i = 0; s && i < s->change_count; i++)
    if (strcmp(s->changes[i].kind, kind) == 0 &&
        (allowed < 0 || s->changes[i].allowed == allowed))
      return 1;
  return 0;
}

static void dump(const char *label, const kyso_sig_report *s) {
  size_t i;
  const kyso_check *c;
  if (!s || !getenv("KYSO_TEST_VERBOSE"))
    return;
  c = &s->checks[KYSO_CHECK_CHANGES];
  printf("[%s] %s: %s\n", label, c->reason ? c->reason : "(not run)",
         c->detail ? c->detail : "");
  for (i = 0; i < s->change_count; i++)
    printf("    %u %s %s %s\n", s->changes[i].object, s->changes[i].kind,
           s->changes[i].allowed ? "allowed" : "REFUSED",
           s->changes[i].detail ? s->changes[i].detail : "");
}

/* Verifies d and checks the CHANGES result of the field "Leader": the
 * reason, and (when kind is given) that a change of that kind with that
 * allowed flag is listed. */
/* KYSO_TEST_DUMP_DIR=dir keeps each case's file (fuzzing seeds, pdfsig). */
static void dump_file(const char *label, const doc *d) {
  const char *dir = getenv("KYSO_TEST_DUMP_DIR");
  char path[512];
  size_t i, n;
  FILE *f;
  if (!dir)
    return;
  n = (size_t)snprintf(path, sizeof(path), "%s/", dir);
  for (i = 0; label[i] && n + 5 < sizeof(path); i++)
    path[n++] = (label[i] >= 'a' && label[i] <= 'z') ||
                        (label[i] >= '0' && label[i] <= '9')
                    ? label[i]
                    : '-';
  snprintf(path + n, sizeof(path) - n, ".pdf");
  f = fopen(path, "wb");
  if (f) {
    fwrite(d->data, 1, d->len, f);
    fclose(f);
  }
}

static void expect(const char *label, const doc *d, const char *reason,
                   const char *kind, int allowed) {
  kyso_report *r = verify(d);
  dump_file(label, d);
  const kyso_sig_report *s = sig_named(r, "Leader");
  const kyso_check *c;
  CHECK(s != NULL);
  if (!s) {
    fprintf(stderr, "%s: no signature 'Leader' in the report\n", label);
    kyso_report_free(r);
    return;
  }
  dump(label, s);
  c = &s->checks[KYSO_CHECK_CHANGES];
  CHECK(c->reason && strcmp(c->reason, reason) == 0);
  if (!c->reason || strcmp(c->reason, reason) != 0)
    fprintf(stderr, "%s: expected %s, got %s (%s)\n", label, reason,
            c->reason ? c->reason : "(not run)", c->detail ? c->detail : "");
  CHECK_EQ_INT(c->result, strcmp(reason, "modified_after_signing") == 0
                              ? KYSO_RESULT_FAILED
                              : KYSO_RESULT_PASSED);
  if (kind) {
    CHECK(has_change(s, kind, allowed));
    if (!has_change(s, kind, allowed))
      fprintf(stderr, "%s: no change '%s' (allowed %d) listed\n", label, kind,
              allowed);
  }
  if (strcmp(reason, "modified_after_signing") == 0) {
    CHECK(s->indication == KYSO_INDICATION_TOTAL_FAILED);
    CHECK(c->detail && strstr(c->detail, "object "));
  }
  kyso_report_free(r);
}

/* ---- allowed ------------------------------------------------------------- */

static void test_unmodified(void) {
  doc d = signed_pdf(0, 0, 0);
  expect("unmodified", &d, "unmodified", NULL, 0);
  /* white space and a comment after %%EOF are not content */
  append(&d, "\n\n% a comment\n  \n");
  expect("trailing comment", &d, "unmodified", NULL, 0);
  free(d.data);
}

static void test_second_signature(int xstream) {
  static const double rect[4] = {100, 100, 120, 60};
  doc d = signed_pdf(0, 0, xstream);
  kyso_report *r;
  CHECK(sign_doc(&d, "Clerk", NULL));
  expect(xstream ? "second signature (xref stream)" : "second signature", &d,
         "allowed_changes_only", "signature_added", 1);
  /* the new signature itself covers the whole file */
  r = verify(&d);
  CHECK(sig_named(r, "Clerk") &&
        sig_named(r, "Clerk")->checks[KYSO_CHECK_CHANGES].reason &&
        strcmp(sig_named(r, "Clerk")->checks[KYSO_CHECK_CHANGES].reason,
               "unmodified") == 0);
  kyso_report_free(r);
  /* a third, visible one (the clerk's seal over the leader's signature) */
  CHECK(sign_doc(&d, "Seal", rect));
  expect("visible third signature", &d, "allowed_changes_only",
         "signature_added", 1);
  free(d.data);
}

static void test_dss_added(void) {
  doc d = signed_pdf(2, 0, 0);
  kyso_blob cert;
  uint8_t *update = NULL, *p;
  size_t update_len = 0;
  kyso_error err;
  cert.data = key.der;
  cert.len = key.der_len;
  CHECK_EQ_INT(kyso_dss_append(d.data, d.len, &cert, 1, NULL, 0, NULL, 0,
                               &update, &update_len, &err),
               KYSO_OK);
  p = realloc(d.data, d.len + update_len);
  if (!p)
    abort();
  memcpy(p + d.len, update, update_len);
  d.data = p;
  d.len += update_len;
  free(update);
  expect("DSS added", &d, "allowed_changes_only", "dss_added", 1);
  free(d.data);
}

static void test_info_changed(void) {
  doc d = signed_pdf(0, 0, 0);
  edit e;
  edit_begin(&e, &d);
  replace(&e, 6, parse(&e, "<< /Producer (iText) /ModDate (D:20241212) >>"));
  edit_commit(&e);
  expect("Info changed", &d, "allowed_changes_only", "info_changed", 1);
  free(d.data);
}

/* The clerk stamps the document number into the unsigned text field. */
static void fill_field_indices(doc *d, int in_place, const char *indices) {
  edit e;
  kyso_obj *field, *ap;
  edit_begin(&e, d);
  field = current(&e, 8);
  kyso_dict_set(e.a, field, "V", kyso_obj_new_string(e.a, "12/QD-UBND", 10));
  if (indices) /* a choice field's selected options go with /V */
    kyso_dict_set(e.a, field, "I", parse(&e, indices));
  if (in_place) {
    replace(&e, 9,
            stream(&e, "<< /Type /XObject /Subtype /Form /BBox [0 0 150 20] >>",
                   "BT /Helv 10 Tf 2 6 Td (12/QD-UBND) Tj ET"));
  } else {
    ap = parse(&e, "<< >>");
    kyso_dict_set(
        e.a, ap, "N",
        kyso_update_add(&e.u, stream(&e,
                                     "<< /Type /XObject /Subtype /Form /BBox "
                                     "[0 0 150 20] >>",
                                     "BT /Helv 10 Tf 2 6 Td (12/QD-UBND) Tj "
                                     "ET")));
    kyso_dict_set(e.a, field, "AP", ap);
  }
  replace(&e, 8, field);
  edit_commit(&e);
}

static void fill_field(doc *d, int in_place) {
  fill_field_indices(d, in_place, NULL);
}

static void test_form_fill(void) {
  static const double seal[4] = {380, 90, 100, 100};
  int perm;
  /* DocMDP P=2 and P=3 grant form filling; P=1 does not */
  for (perm = 1; perm <= 3; perm++) {
    doc d = signed_pdf(perm, 0, 0);
    char label[64];
    snprintf(label, sizeof(label), "form filled, P=%d", perm);
    fill_field(&d, 0);
    if (perm == 1)
      certify_p1(&d);
    if (perm == 1)
      expect(label, &d, "modified_after_signing", "form_field_filled", 0);
    else
      expect(label, &d, "allowed_changes_only", "form_field_filled", 1);
    free(d.data);
  }
  {
    /* No DocMDP: the clerk fills the number and seals (issue 7). */
    doc d = signed_pdf(0, 0, 0);
    fill_field(&d, 0);
    CHECK(sign_doc(&d, "Seal", seal));
    expect("form filled then sealed", &d, "allowed_changes_only",
           "form_field_filled", 1);
    free(d.data);
    /* The same fill with no signature after it: shadow "replace". */
    d = signed_pdf(0, 0, 0);
    fill_field(&d, 0);
    expect("form filled, no later signature", &d, "modified_after_signing",
           "form_field_filled", 0);
    free(d.data);
    /* Sealed first, filled after: the seal does not cover the fill. */
    d = signed_pdf(0, 0, 0);
    CHECK(sign_doc(&d, "Seal", seal));
    fill_field(&d, 0);
    expect("sealed, then form filled", &d, "modified_after_signing",
           "form_field_filled", 0);
    free(d.data);
  }
  {
    doc d = signed_pdf(2, 0, 0);
    fill_field(&d, 1);
    expect("form filled, appearance redrawn in place", &d,
           "allowed_changes_only", "form_field_filled", 1);
    free(d.data);
  }
  {
    doc d = signed_pdf(2, 0, 0);
    fill_field_indices(&d, 0, "[0]");
    expect("choice filled with its selected indices (/I)", &d,
           "allowed_changes_only", "form_field_filled", 1);
    free(d.data);
  }
}

/* A document timestamp (ETSI.RFC3161, invisible) appended by hand: field,
 * value, /Fields and /Annots. Its own token is junk; only the first
 * signature's CHANGES check is looked at. With dr, the same revision gives
 * the form a new /DR (an indirect object) as DSS does: dr is its text, where
 * %u stands for a new font object made from font. */
static void add_doc_timestamp_at(doc *d, const char *type, const char *dr,
                                 const char *font, int first) {
  edit e;
  kyso_obj *v, *field, *form;
  char text[256];
  edit_begin(&e, d);
  snprintf(text, sizeof(text),
           "<< %s /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161 "
           "/ByteRange [0 1 2 3] /Contents <00> >>",
           type);
  v = kyso_update_add(&e.u, parse(&e, text));
  snprintf(text, sizeof(text),
           "<< /FT /Sig /T (DTS1) /V %u 0 R /Type /Annot /Subtype /Widget "
           "/Rect [0 0 0 0] /F 132 /P 3 0 R >>",
           v->u.ref.num);
  field = kyso_update_add(&e.u, parse(&e, text));
  form = current(&e, 7);
  {
    kyso_obj *old = kyso_dict_get(form, "Fields");
    kyso_obj *fields = kyso_obj_clone_shallow(e.a, old);
    size_t i;
    if (first) { /* DSS inserts a timestamp's field first */
      fields = parse(&e, "[]");
      kyso_array_push(e.a, fields, field);
      /* first == 2: and the last old field dropped */
      for (i = 0; i + (first == 2) < old->u.array.count; i++)
        kyso_array_push(e.a, fields, old->u.array.items[i]);
    } else {
      kyso_array_push(e.a, fields, field);
    }
    kyso_dict_set(e.a, form, "Fields", fields);
  }
  if (dr) {
    kyso_obj *f = kyso_update_add(&e.u, parse(&e, font));
    snprintf(text, sizeof(text), dr, f->u.ref.num);
    kyso_dict_set(e.a, form, "DR", kyso_update_add(&e.u, parse(&e, text)));
  }
  replace(&e, 7, form);
  page_add_annot(&e, field);
  edit_commit(&e);
}

static void add_doc_timestamp_typed(doc *d, const char *type, const char *dr,
                                    const char *font) {
  add_doc_timestamp_at(d, type, dr, font, 0);
}

static void add_doc_timestamp_dr(doc *d, const char *dr, const char *font) {
  add_doc_timestamp_typed(d, "/Type /DocTimeStamp", dr, font);
}

static void add_doc_timestamp(doc *d) {
  add_doc_timestamp_dr(d, NULL, NULL);
}

static void test_doc_timestamp(void) {
  int perm;
  for (perm = 0; perm <= 2; perm++) {
    doc d = signed_pdf(perm, 0, 0);
    char label[64];
    snprintf(label, sizeof(label), "document timestamp, P=%d", perm);
    add_doc_timestamp(&d);
    if (perm == 1)
      certify_p1(&d);
    expect(label, &d, "allowed_changes_only", "timestamp_added", 1);
    free(d.data);
  }
  /* the new field first in /Fields: the order draws nothing */
  for (perm = 0; perm <= 2; perm += 2) {
    doc d = signed_pdf(perm, 0, 0);
    char label[64];
    snprintf(label, sizeof(label), "timestamp field first in /Fields, P=%d",
             perm);
    add_doc_timestamp_at(&d, "/Type /DocTimeStamp", NULL, NULL, 1);
    expect(label, &d, "allowed_changes_only", "timestamp_added", 1);
    free(d.data);
  }
  {
    doc d = signed_pdf(2, 0, 0);
    add_doc_timestamp_at(&d, "/Type /DocTimeStamp", NULL, NULL, 2);
    expect("timestamp field first in /Fields, an old field dropped", &d,
           "modified_after_signing", "form_changed", 0);
    free(d.data);
  }
  /* ETSI.RFC3161 with /Type /Sig or no /Type is a document timestamp too
   * (real producers write both): allowed after a P=1 certification. */
  {
    static const char *const types[] = {"/Type /Sig", ""};
    size_t i;
    for (i = 0; i < 2; i++) {
      doc d = signed_pdf(1, 0, 0);
      char label[80];
      snprintf(label, sizeof(label), "document timestamp '%s', P=1", types[i]);
      add_doc_timestamp_typed(&d, types[i], NULL, NULL);
      certify_p1(&d);
      expect(label, &d, "allowed_changes_only", "timestamp_added", 1);
      free(d.data);
    }
  }
}

#define TIMES "<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>"
#define COURIER "<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>"
#define HELV "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"

/* A signer or timestamp adding its fonts to the form's /DR (17 DSS files):
 * new entries are allowed while every existing one keeps its value,
 * compared by value (a copy of the same font is the same font). */
static void test_dr_added(void) {
  doc d = signed_pdf(0, 0, 0);
  kyso_report *r;
  /* no /DR when signed: all of it is new */
  add_doc_timestamp_dr(&d, "<< /Font << /Helv %u 0 R >> >>", HELV);
  expect("/DR added with a timestamp", &d, "allowed_changes_only",
         "timestamp_added", 1);
  r = verify(&d);
  CHECK(!has_change(sig_named(r, "Leader"), "font", 0));
  kyso_report_free(r);
  free(d.data);
  /* /F1 kept (the same object), /Helv added */
  d = signed_pdf(0, BASE_DR, 0);
  add_doc_timestamp_dr(&d, "<< /Font << /F1 5 0 R /Helv %u 0 R >> >>", HELV);
  expect("/DR font added", &d, "allowed_changes_only", "timestamp_added", 1);
  free(d.data);
  /* /F1 now a copy of the signed font, written anew */
  d = signed_pdf(0, BASE_DR, 0);
  add_doc_timestamp_dr(&d, "<< /Font << /F1 %u 0 R >> >>", TIMES);
  expect("/DR font written anew, same value", &d, "allowed_changes_only",
         "timestamp_added", 1);
  free(d.data);
  /* /F1 now another font: an existing resource changed */
  d = signed_pdf(0, BASE_DR, 0);
  add_doc_timestamp_dr(&d, "<< /Font << /F1 %u 0 R >> >>", COURIER);
  expect("/DR font changed", &d, "modified_after_signing", "form_changed", 0);
  free(d.data);
}

/* Page 3's /Resources replaced by a new object: resources (its text, %u the
 * new font made from font). */
static void page_resources(doc *d, const char *resources, const char *font) {
  edit e;
  kyso_obj *page, *f;
  char text[256];
  edit_begin(&e, d);
  f = kyso_update_add(&e.u, parse(&e, font));
  snprintf(text, sizeof(text), resources, f->u.ref.num);
  page = current(&e, 3);
  kyso_dict_set(e.a, page, "Resources", kyso_update_add(&e.u, parse(&e, text)));
  replace(&e, 3, page);
  edit_commit(&e);
}

/* A writer saving the page anew with a copy of its resources draws the
 * same page: /Resources compare by value, references followed. */
static void test_resources_by_value(void) {
  doc d = signed_pdf(0, 0, 0);
  page_resources(&d, "<< /Font << /F1 %u 0 R >> >>", TIMES);
  expect("/Resources rewritten, same value", &d, "allowed_changes_only",
         "page_changed", 1);
  free(d.data);
  /* the same, then signed over: still nothing refused */
  d = signed_pdf(2, 0, 0);
  page_resources(&d, "<< /Font << /F1 %u 0 R >> >>", TIMES);
  CHECK(sign_doc(&d, "Clerk", NULL));
  expect("/Resources rewritten, then signed", &d, "allowed_changes_only",
         "page_changed", 1);
  free(d.data);
  /* one value differs: the font */
  d = signed_pdf(0, 0, 0);
  page_resources(&d, "<< /Font << /F1 %u 0 R >> >>", COURIER);
  expect("/Resources with another font", &d, "modified_after_signing",
         "page_changed", 0);
  free(d.data);
  /* one entry more */
  d = signed_pdf(0, 0, 0);
  page_resources(&d,
                 "<< /Font << /F1 %u 0 R >> /ExtGState << /G0 << /CA 0 >> >> "
                 ">>",
                 TIMES);
  expect("/Resources with an entry more", &d, "modified_after_signing",
         "page_changed", 0);
  free(d.data);
  /* a copy that points at an existing object rewritten to look like the
   * signed font: its other users see the change, so it is not "the same" */
  {
    edit e;
    kyso_obj *page;
    d = signed_pdf(0, 0, 0);
    edit_begin(&e, &d);
    replace(&e, 6, parse(&e, TIMES));
    page = current(&e, 3);
    kyso_dict_set(e.a, page, "Resources",
                  parse(&e, "<< /Font << /F1 6 0 R >> >>"));
    replace(&e, 3, page);
    edit_commit(&e);
    expect("/Resources through a rewritten object", &d,
           "modified_after_signing", "page_changed", 0);
    free(d.data);
  }
}

/* ---- not allowed --------------------------------------------------------- */

static void test_page_content(void) {
  doc d = signed_pdf(2, 0, 0);
  edit e;
  edit_begin(&e, &d);
  replace(&e, 4, stream(&e, "<< >>", CONTENT2));
  edit_commit(&e);
  expect("content stream replaced", &d, "modified_after_signing",
         "page_content", 0);
  free(d.data);

  /* shadow hide-and-replace: the page now points at other content */
  d = signed_pdf(0, 0, 0);
  edit_begin(&e, &d);
  {
    kyso_obj *page = current(&e, 3);
    kyso_dict_set(e.a, page, "Contents",
                  kyso_update_add(&e.u, stream(&e, "<< >>", CONTENT2)));
    replace(&e, 3, page);
  }
  edit_commit(&e);
  expect("page /Contents redirected", &d, "modified_after_signing",
         "page_content", 0);
  free(d.data);
}

static void test_page_added(void) {
  doc d = signed_pdf(0, 0, 0);
  edit e;
  kyso_obj *content, *page;
  char text[160];
  edit_begin(&e, &d);
  content = kyso_update_add(&e.u, stream(&e, "<< >>", CONTENT2));
  snprintf(text, sizeof(text),
           "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents "
           "%u 0 R >>",
           content->u.ref.num);
  page = kyso_update_add(&e.u, parse(&e, text));
  snprintf(text, sizeof(text),
           "<< /Type /Pages /Kids [3 0 R %u 0 R] /Count 2 >>", page->u.ref.num);
  replace(&e, 2, parse(&e, text));
  edit_commit(&e);
  expect("page added", &d, "modified_after_signing", "page_added", 0);
  free(d.data);
}

static void test_font_replaced(void) {
  doc d = signed_pdf(3, 0, 0);
  edit e;
  edit_begin(&e, &d);
  replace(&e, 5,
          parse(&e, "<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>"));
  edit_commit(&e);
  expect("font replaced", &d, "modified_after_signing", "font", 0);
  free(d.data);
}

static void add_annotation(doc *d, const char *annot) {
  edit e;
  edit_begin(&e, d);
  page_add_annot(&e, kyso_update_add(&e.u, parse(&e, annot)));
  edit_commit(&e);
}

static void test_annotations(void) {
  static const char *const text_note =
      "<< /Type /Annot /Subtype /Text /Rect [10 10 30 30] /Contents (OK) >>";
  static const char *const free_text =
      "<< /Type /Annot /Subtype /FreeText /Rect [72 710 300 735] /DA (/Helv "
      "12 Tf 0 g) /Contents (Quyet dinh so 99) >>";
  int perm;
  for (perm = 0; perm <= 3; perm++) {
    doc d = signed_pdf(perm, 0, 0);
    char label[64];
    snprintf(label, sizeof(label), "comment added, P=%d", perm);
    add_annotation(&d, text_note);
    if (perm == 1)
      certify_p1(&d);
    if (perm == 3)
      expect(label, &d, "allowed_changes_only", "annotation_added", 1);
    else
      expect(label, &d, "modified_after_signing", "annotation_added", 0);
    free(d.data);
  }
  {
    /* evil annotation: allowed type-wise at P=3, but it paints over text */
    doc d = signed_pdf(3, 0, 0);
    add_annotation(&d, free_text);
    expect("FreeText added, P=3", &d, "modified_after_signing",
           "annotation_added", 0);
    free(d.data);
  }
}

static void test_sneaky_signature(void) {
  static const double rect[4] = {72, 700, 300, 40};
  doc d = signed_pdf(2, 0, 0);
  CHECK(sign_doc(&d, "Sneaky", rect));
  expect("visible signature on certified P=2", &d, "modified_after_signing",
         "signature_added", 0);
  free(d.data);
  /* an invisible approval signature is what P=2 allows */
  d = signed_pdf(2, 0, 0);
  CHECK(sign_doc(&d, "Approver", NULL));
  expect("invisible signature on certified P=2", &d, "allowed_changes_only",
         "signature_added", 1);
  free(d.data);
  d = signed_pdf(1, 0, 0);
  CHECK(sign_doc(&d, "Approver", NULL));
  certify_p1(&d);
  expect("signature on certified P=1", &d, "modified_after_signing",
         "signature_added", 0);
  free(d.data);
}

/* Runs the stage alone on signature revision `revision` whose dictionary
 * is object dict_num; the change list and check land in *rep. */
static void run_stage(const doc *d, long long revision, uint32_t dict_num,
                      kyso_report *report, kyso_sig_report *rep) {
  kyso_verify_ctx ctx;
  kyso_sig_state st;
  kyso_error err;

  memset(&ctx, 0, sizeof(ctx));
  memset(&st, 0, sizeof(st));
  memset(rep, 0, sizeof(*rep));
  CHECK_EQ_INT(kyso_pdf_open(d->data, d->len, &ctx.pdf, &err), KYSO_OK);
  ctx.data = d->data;
  ctx.len = d->len;
  ctx.report = report;
  st.rep = rep;
  st.dict_num = dict_num;
  rep->revision = revision;
  CHECK_EQ_INT(kyso_verify_changes(&ctx, &st, &err), KYSO_OK);
  kyso_pdf_close(ctx.pdf);
}

static void test_signature_dict_replaced(void) {
  doc d = signed_pdf(0, 0, 0);
  uint32_t num = sig_dict_num(&d, "Leader");
  kyso_report report, *r;
  kyso_sig_report rep;
  edit e;
  kyso_obj *sig;
  CHECK(num != 0);
  edit_begin(&e, &d);
  sig = current(&e, num);
  kyso_dict_set(e.a, sig, "Reason", kyso_obj_new_string(e.a, "forged", 6));
  replace(&e, num, sig);
  edit_commit(&e);
  /* The revision check catches it first in the full verifier... */
  r = verify(&d);
  CHECK(sig_named(r, "Leader") &&
        sig_named(r, "Leader")->indication == KYSO_INDICATION_TOTAL_FAILED);
  kyso_report_free(r);
  /* ...and the stage on its own names it too (revision binding). */
  memset(&report, 0, sizeof(report));
  kyso_arena_init(&report.arena);
  run_stage(&d, 1, num, &report, &rep);
  dump("signature dictionary replaced", &rep);
  CHECK_EQ_INT(rep.checks[KYSO_CHECK_CHANGES].result, KYSO_RESULT_FAILED);
  CHECK(has_change(&rep, "signature_changed", 0));
  kyso_arena_free(&report.arena);
  free(d.data);

  /* the signed field's widget moved or redrawn */
  d = signed_pdf(2, 0, 0);
  num = field_num(&d, "Leader");
  CHECK(num != 0);
  edit_begin(&e, &d);
  sig = current(&e, num);
  kyso_dict_set(e.a, sig, "Rect", parse(&e, "[0 0 595 842]"));
  replace(&e, num, sig);
  edit_commit(&e);
  expect("signed field widget changed", &d, "modified_after_signing",
         "signature_changed", 0);
  free(d.data);
}

static void test_object_freed(void) {
  doc d = signed_pdf(0, 0, 0);
  append_xref(&d, "5 1\n0000000000 00001 f\r\n");
  expect("font object freed", &d, "modified_after_signing", "object_freed", 0);
  free(d.data);
}

static void test_catalog_changed(void) {
  doc d = signed_pdf(0, 0, 0);
  edit e;
  kyso_obj *cat;
  edit_begin(&e, &d);
  cat = current(&e, 1);
  kyso_dict_set(e.a, cat, "OpenAction",
                parse(&e, "<< /S /JavaScript /JS (app.alert(1)) >>"));
  replace(&e, 1, cat);
  edit_commit(&e);
  expect("catalog /OpenAction added", &d, "modified_after_signing",
         "catalog_changed", 0);
  free(d.data);
}

/* Object 20 was named by the page but undefined when signed; defining it
 * later brings content in without touching any signed object. */
static void test_dangling_reference(void) {
  doc d = signed_pdf(0, BASE_DANGLING, 0);
  edit e;
  edit_begin(&e, &d);
  replace(&e, 20, stream(&e, "<< >>", CONTENT2));
  edit_commit(&e);
  expect("dangling reference filled", &d, "modified_after_signing",
         "page_content", 0);
  free(d.data);
}

/* Shadow replace through a form field: a new appearance, same value. */
static void test_appearance_only(void) {
  doc d = signed_pdf(2, 0, 0);
  edit e;
  kyso_obj *field, *ap;
  edit_begin(&e, &d);
  field = current(&e, 8);
  ap = parse(&e, "<< >>");
  kyso_dict_set(e.a, ap, "N",
                kyso_update_add(&e.u, stream(&e,
                                             "<< /Type /XObject /Subtype "
                                             "/Form /BBox [0 0 150 20] >>",
                                             "BT /Helv 10 Tf 2 6 Td (DA "
                                             "DUYET) Tj ET")));
  kyso_dict_set(e.a, field, "AP", ap);
  replace(&e, 8, field);
  edit_commit(&e);
  expect("appearance swapped, value kept", &d, "modified_after_signing",
         "form_changed", 0);
  free(d.data);
}

/* Shadow hide-and-replace by reference: the signed bytes hold a second,
 * unlisted definition of the content stream; a later xref section, with no
 * object of its own, points object 4 at it. */
static void test_xref_redirect(void) {
  doc d = base_pdf(0, 0, 0), signed_doc;
  char tail[256], entries[64];
  size_t at;
  /* The attacker's prepared original: an extra definition after %%EOF is
   * part of what the victim signs (the signer appends after it). */
  at = d.len;
  snprintf(tail, sizeof(tail),
           "4 0 obj\n<< /Length %zu >>\nstream\n%s\nendstream\nendobj\n",
           strlen(CONTENT2), CONTENT2);
  append(&d, tail);
  signed_doc = d;
  CHECK(sign_doc(&signed_doc, "Leader", NULL));
  snprintf(entries, sizeof(entries), "4 1\n%010zu 00000 n\r\n", at);
  append_xref(&signed_doc, entries);
  expect("xref re-points content at a hidden definition", &signed_doc,
         "modified_after_signing", "page_content", 0);
  free(signed_doc.data);
}

/* The field's appearance stream is also drawn by the page: redrawing it in
 * place is not form filling. */
static void test_shared_appearance(void) {
  doc d = signed_pdf(2, BASE_SHARED_AP, 0);
  fill_field(&d, 1);
  expect("shared appearance redrawn", &d, "modified_after_signing", NULL, 0);
  free(d.data);
}

/* The field's appearance dictionary is shared with a Stamp (pyHanko's
 * ap-indirect-sneaky shape): the stream it names is private, but redrawing
 * it in place changes the Stamp on the page too. */
static void test_shared_appearance_dict(void) {
  doc d = signed_pdf(2, BASE_AP_DICT | BASE_STAMP, 0);
  fill_field(&d, 1);
  expect("appearance dictionary shared with a Stamp", &d,
         "modified_after_signing", NULL, 0);
  free(d.data);
  /* the same update, the dictionary not shared */
  d = signed_pdf(2, BASE_AP_DICT, 0);
  fill_field(&d, 1);
  expect("indirect appearance dictionary, redrawn in place", &d,
         "allowed_changes_only", "form_field_filled", 1);
  free(d.data);
}

/* ---- PDF 2.0 lock dictionaries ----------------------------------------- */

/*
 * A document "signed" (revision 0) by field Leader (11, value 10) with
 * text fields A (8, appearance 9) and B (13, appearance 12). lock: the
 * field's /Lock, params: FieldMDP transform parameters in the signature's
 * /Reference (either may be NULL). The stage runs on its own (run_stage):
 * the CHANGES check does not look at the signature value.
 */
static doc lock_pdf(const char *lock, const char *params) {
  char sig[512], field[512];
  const char *objs[13];
  doc d;
  snprintf(sig, sizeof(sig),
           "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter "
           "/ETSI.CAdES.detached /ByteRange [0 1 2 3] /Contents <00>%s%s%s "
           ">>",
           params ? " /Reference [<< /Type /SigRef /TransformMethod /FieldMDP "
                    "/TransformParams "
                  : "",
           params ? params : "", params ? " >>]" : "");
  snprintf(field, sizeof(field),
           "<< /FT /Sig /T (Leader) /V 10 0 R /Type /Annot /Subtype /Widget "
           "/Rect [0 0 0 0] /F 132 /P 3 0 R%s%s >>",
           lock ? " /Lock " : "", lock ? lock : "");
  objs[0] = "<< /Type /Catalog /Pages 2 0 R /AcroForm 7 0 R >>";
  objs[1] = "<< /Type /Pages /Kids [3 0 R] /Count 1 >>";
  objs[2] = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents "
            "4 0 R /Resources << /Font << /F1 5 0 R >> >> /Annots [8 0 R 11 "
            "0 R 13 0 R] >>";
  objs[3] = "<< /Length 5 >>\nstream\nBT ET\nendstream";
  objs[4] = "<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>";
  objs[5] = "<< /Producer (kyso test) >>";
  objs[6] = "<< /Fields [8 0 R 11 0 R 13 0 R] /SigFlags 3 /DA (/Helv 0 Tf 0 "
            "g) >>";
  objs[7] = "<< /FT /Tx /T (A) /Type /Annot /Subtype /Widget /Rect [400 800 "
            "550 820] /P 3 0 R /F 4 /AP << /N 9 0 R >> >>";
  objs[8] = "<< /Type /XObject /Subtype /Form /BBox [0 0 150 20] /Length 0 "
            ">>\nstream\n\nendstream";
  objs[9] = sig;
  objs[10] = field;
  objs[11] = objs[8];
  objs[12] = "<< /FT /Tx /T (B) /Type /Annot /Subtype /Widget /Rect [400 700 "
             "550 720] /P 3 0 R /F 4 /AP << /N 12 0 R >> >>";
  d.data = test_pdf_build(objs, 13, TEST_PDF_ID, "/Info 6 0 R", &d.len);
  return d;
}

/* Fills text field num with a new value and appearance. */
static void fill_text(doc *d, uint32_t num) {
  edit e;
  kyso_obj *field, *ap;
  edit_begin(&e, d);
  field = current(&e, num);
  kyso_dict_set(e.a, field, "V", kyso_obj_new_string(e.a, "12/QD-UBND", 10));
  ap = parse(&e, "<< >>");
  kyso_dict_set(e.a, ap, "N",
                kyso_update_add(&e.u, stream(&e,
                                             "<< /Type /XObject /Subtype "
                                             "/Form /BBox [0 0 150 20] >>",
                                             "BT /Helv 10 Tf 2 6 Td "
                                             "(12/QD-UBND) Tj ET")));
  kyso_dict_set(e.a, field, "AP", ap);
  replace(&e, num, field);
  edit_commit(&e);
}

/* The CHANGES check of Leader (revision 0, value 10): passed or not, and a
 * change of kind with allowed listed. */
static void expect_lock(const char *label, const doc *d, int passed,
                        const char *kind, int allowed) {
  kyso_sig_report rep;
  kyso_report report;
  const kyso_check *c;
  memset(&report, 0, sizeof(report));
  kyso_arena_init(&report.arena);
  run_stage(d, 0, 10, &report, &rep);
  dump(label, &rep);
  c = &rep.checks[KYSO_CHECK_CHANGES];
  CHECK_EQ_INT(c->result, passed ? KYSO_RESULT_PASSED : KYSO_RESULT_FAILED);
  CHECK(has_change(&rep, kind, allowed));
  if (c->result != (passed ? KYSO_RESULT_PASSED : KYSO_RESULT_FAILED) ||
      !has_change(&rep, kind, allowed))
    fprintf(stderr, "%s: got %s (%s)\n", label,
            c->reason ? c->reason : "(not run)", c->detail ? c->detail : "");
  kyso_arena_free(&report.arena);
}

static void test_locks(void) {
  doc d;
  /* Without a lock: a second signature, a fill covered by it. */
  d = lock_pdf(NULL, NULL);
  fill_text(&d, 8);
  CHECK(sign_doc(&d, "Clerk", NULL));
  expect_lock("no lock, fill and sign", &d, 1, "form_field_filled", 1);
  free(d.data);
  /* /Lock /P 1: nothing after this signature, not even a signature */
  d = lock_pdf("<< /Type /SigFieldLock /Action /All /P 1 >>", NULL);
  CHECK(sign_doc(&d, "Clerk", NULL));
  expect_lock("lock P=1, second signature", &d, 0, "signature_added", 0);
  free(d.data);
  /* ... but, as DocMDP P=1 (ISO 32000-2 gives the lock's /P DocMDP's
   * values; iText maps them the same), an invisible document timestamp */
  d = lock_pdf("<< /Type /SigFieldLock /Action /All /P 1 >>", NULL);
  add_doc_timestamp(&d);
  expect_lock("lock P=1, document timestamp", &d, 1, "timestamp_added", 1);
  free(d.data);
  /* the same through the FieldMDP transform's /P */
  d = lock_pdf(NULL, "<< /Type /TransformParams /Action /Include /Fields "
                     "[(B)] /P 1 /V /1.2 >>");
  CHECK(sign_doc(&d, "Clerk", NULL));
  expect_lock("FieldMDP P=1, second signature", &d, 0, "signature_added", 0);
  free(d.data);
  /* /P 2: form filling and signing, as DocMDP P=2 */
  d = lock_pdf("<< /Type /SigFieldLock /Action /Include /Fields [(B)] /P 2 "
               ">>",
               NULL);
  fill_text(&d, 8);
  CHECK(sign_doc(&d, "Clerk", NULL));
  expect_lock("lock P=2, fill and sign", &d, 1, "form_field_filled", 1);
  free(d.data);
  /* /Action /Include [(A)]: A may no longer change, B may */
  d = lock_pdf("<< /Type /SigFieldLock /Action /Include /Fields [(A)] >>",
               NULL);
  fill_text(&d, 8);
  CHECK(sign_doc(&d, "Clerk", NULL));
  expect_lock("lock Include [A], A filled", &d, 0, "form_field_filled", 0);
  free(d.data);
  d = lock_pdf("<< /Type /SigFieldLock /Action /Include /Fields [(A)] >>",
               NULL);
  fill_text(&d, 13);
  CHECK(sign_doc(&d, "Clerk", NULL));
  expect_lock("lock Include [A], B filled", &d, 1, "form_field_filled", 1);
  free(d.data);
  /* /Exclude [(A)]: every field but A is locked */
  d = lock_pdf("<< /Type /SigFieldLock /Action /Exclude /Fields [(A)] >>",
               NULL);
  fill_text(&d, 13);
  CHECK(sign_doc(&d, "Clerk", NULL));
  expect_lock("lock Exclude [A], B filled", &d, 0, "form_field_filled", 0);
  free(d.data);
}

/* ---- bytes without a cross-reference ------------------------------------- */

static void test_appended_bytes(void) {
  doc d = signed_pdf(0, 0, 0);
  char buf[256];
  append(&d, "4 0 obj\n<< /Length 5 >>\nstream\nBT ET\nendstream\nendobj\n");
  expect("body appended without xref", &d, "modified_after_signing",
         "unreferenced_data_appended", 0);
  free(d.data);

  /* ... and again, with a startxref that points back at the signed xref */
  d = signed_pdf(0, 0, 0);
  snprintf(buf, sizeof(buf),
           "4 0 obj\n<< /Length 5 >>\nstream\nBT ET\nendstream\nendobj\n"
           "startxref\n%zu\n%%%%EOF\n",
           startxref_of(&d));
  append(&d, buf);
  expect("body appended, old startxref", &d, "modified_after_signing",
         "unreferenced_data_appended", 0);
  free(d.data);
}

static void test_unreferenced_object(void) {
  doc d = signed_pdf(0, 0, 0);
  edit e;
  /* an object no xref lists, then a harmless update (/Info) */
  append(&d, "5 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Courier "
             ">>\nendobj\n");
  edit_begin(&e, &d);
  replace(&e, 6, parse(&e, "<< /Producer (x) >>"));
  edit_commit(&e);
  expect("object outside any xref", &d, "modified_after_signing",
         "unreferenced_object", 0);
  free(d.data);
}

/* A later revision whose xref points at junk: a modification, no crash. */
static void test_broken_revision(void) {
  doc d = signed_pdf(0, 0, 0);
  char entries[128];
  size_t junk = d.len;
  append(&d, "this is not an object\n");
  snprintf(entries, sizeof(entries), "4 1\n%010zu 00000 n\r\n", junk);
  append_xref(&d, entries);
  expect("broken later revision", &d, "modified_after_signing", "other", 0);
  free(d.data);
}

/* ---- the stage on its own ------------------------------------------------ */

static void test_not_run(void) {
  doc d = signed_pdf(0, 0, 0);
  kyso_sig_report rep;
  kyso_report report;

  memset(&report, 0, sizeof(report));
  kyso_arena_init(&report.arena);
  /* -1: the revision check failed; nothing to compare against */
  run_stage(&d, -1, 0, &report, &rep);
  CHECK_EQ_INT(rep.checks[KYSO_CHECK_CHANGES].result, KYSO_RESULT_NOT_RUN);
  CHECK_EQ_INT(rep.change_count, 0);
  run_stage(&d, 99, 0, &report, &rep);
  CHECK_EQ_INT(rep.checks[KYSO_CHECK_CHANGES].result, KYSO_RESULT_NOT_RUN);
  /* as if revision 0 (the unsigned original) had been signed: the
   * signature that followed is an allowed change */
  run_stage(&d, 0, 0, &report, &rep);
  CHECK_EQ_INT(rep.checks[KYSO_CHECK_CHANGES].result, KYSO_RESULT_PASSED);
  CHECK(has_change(&rep, "signature_added", 1));
  kyso_arena_free(&report.arena);
  free(d.data);
}

int main(void) {
  if (!make_key()) {
    fprintf(stderr, "cannot make a test key\n");
    return 1;
  }
  test_unmodified();
  test_second_signature(0);
  test_second_signature(1);
  test_dss_added();
  test_doc_timestamp();
  test_info_changed();
  test_dr_added();
  test_resources_by_value();
  test_form_fill();
  test_page_content();
  test_page_added();
  test_font_replaced();
  test_annotations();
  test_sneaky_signature();
  test_signature_dict_replaced();
  test_object_freed();
  test_catalog_changed();
  test_dangling_reference();
  test_shared_appearance();
  test_shared_appearance_dict();
  test_locks();
  test_appearance_only();
  test_xref_redirect();
  test_appended_bytes();
  test_unreferenced_object();
  test_broken_revision();
  test_not_run();
  EVP_PKEY_free(key.key);
  OPENSSL_free(key.der);
  return check_summary();
}
