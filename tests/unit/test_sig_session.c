/*
 * test_sig_session.c - PAdES signing in two phases, in process.
 *
 * Keys and self-signed certificates come from OpenSSL here (RSA-2048 with
 * PKCS#1 v1.5 and PSS, EC P-256). The test plays the token: it signs the
 * SignedAttributes that prepare hands out with EVP, gives the value to
 * finish, appends the update and reopens the result. What it checks is
 * what a verifier relies on: the /ByteRange covers everything but the
 * /Contents hex string, the CMS verifies over those bytes with OpenSSL's
 * own CMS code, no signing-time attribute, /M in +07:00, a second
 * signature leaves the first intact, and each error has its own status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "check.h"
#include "kyso/pdf.h"
#include "kyso/sign.h"
#include "pdf/pdf_file.h"
#include "pdf/pdf_form.h"
#include "test_pdf.h"
#include "test_pki.h"

#define SIGNER_CN "Nguy\xe1\xbb\x85n V\xc4\x83n A" /* Nguyễn Văn A */
#define REASON "T\xc3\xb4i \xc4\x91\xe1\xbb\x93ng \xc3\xbd" /* Tôi đồng ý */
#define SIGNING_TIME 1733884215 /* 2024-12-11 02:30:15 UTC */

/* ---- documents ----------------------------------------------------------- */

/* A 2x2 RGBA PNG, encoded by hand: signature, IHDR, IDAT (zlib), IEND,
 * each chunk with its CRC-32 (ISO 15948 5.3). */
static void put_chunk(kyso_buf *b, const char *type, const uint8_t *data,
                      size_t len) {
  uint8_t be[4];
  uLong crc;
  be[0] = (uint8_t)(len >> 24);
  be[1] = (uint8_t)(len >> 16);
  be[2] = (uint8_t)(len >> 8);
  be[3] = (uint8_t)len;
  kyso_buf_append(b, be, 4);
  kyso_buf_append(b, type, 4);
  kyso_buf_append(b, data, len);
  crc = crc32(0L, (const Bytef *)type, 4);
  crc = crc32(crc, data, (uInt)len);
  be[0] = (uint8_t)(crc >> 24);
  be[1] = (uint8_t)(crc >> 16);
  be[2] = (uint8_t)(crc >> 8);
  be[3] = (uint8_t)crc;
  kyso_buf_append(b, be, 4);
}

static uint8_t *make_png(size_t *len) {
  static const uint8_t ihdr[13] = {0, 0, 0, 2, 0, 0, 0, 2, 8, 6, 0, 0, 0};
  static const uint8_t raw[] = {0, 255, 0,   0, 255, 0, 0, 255, 128,
                                0, 0,   255, 0, 64,  0, 0, 0,   0};
  uint8_t z[128];
  uLongf zlen = sizeof(z);
  kyso_buf b;

  kyso_buf_init(&b);
  kyso_buf_append(&b, "\x89PNG\r\n\x1a\n", 8);
  put_chunk(&b, "IHDR", ihdr, sizeof(ihdr));
  if (compress2(z, &zlen, raw, sizeof(raw), 9) != Z_OK)
    abort();
  put_chunk(&b, "IDAT", z, zlen);
  put_chunk(&b, "IEND", (const uint8_t *)"", 0);
  return kyso_buf_take(&b, len);
}

/* ---- keys ---------------------------------------------------------------- */

typedef struct test_key {
  const char *label;
  const char *type; /* "RSA" or "EC" */
  EVP_PKEY *key;
  X509 *cert;
  uint8_t *der;
  size_t der_len;
} test_key;

static int make_key(test_key *k, const char *label, const char *type,
                    long serial) {
  memset(k, 0, sizeof(*k));
  k->label = label;
  k->type = type;
  k->key = test_pki_key_new(type, 2048, "P-256");
  return k->key &&
         test_pki_cert_self_signed(k->key, (uint64_t)serial, "VN", SIGNER_CN,
                                   365, &k->cert, &k->der, &k->der_len);
}

static void free_key(test_key *k) {
  EVP_PKEY_free(k->key);
  X509_free(k->cert);
  OPENSSL_free(k->der);
  memset(k, 0, sizeof(*k));
}

/* ---- one signing, start to end ------------------------------------------- */

static void options_for(kyso_sign_options *o, const test_key *k) {
  kyso_sign_options_init(o);
  o->certificate.data = k->der;
  o->certificate.len = k->der_len;
  o->signing_time = SIGNING_TIME;
}

/* prepare, sign the attributes with `signer` (the right key or not),
 * finish. On success *out is input + update (caller frees). The status of
 * the first step that failed is returned. */
static kyso_status sign_pdf(const uint8_t *pdf, size_t len,
                            const kyso_sign_options *o, EVP_PKEY *signer,
                            uint8_t **out, size_t *out_len, kyso_error *err) {
  kyso_sig_session *s = NULL;
  kyso_status st;
  const uint8_t *attrs, *update;
  size_t attrs_len = 0, update_len = 0, sig_len = 0;
  uint8_t *sig = NULL;

  *out = NULL;
  kyso_error_clear(err);
  st = kyso_sig_prepare(pdf, len, o, &s, err);
  if (st != KYSO_OK) {
    CHECK(s == NULL);
    goto done;
  }
  CHECK(kyso_sig_session_get_update(s, &update_len) == NULL && update_len == 0);
  attrs = kyso_sig_session_get_signed_attrs(s, &attrs_len);
  CHECK(attrs && attrs_len > 2 && attrs[0] == 0x31);
  sig =
      test_pki_sign(signer, kyso_sig_session_get_digest(s),
                    kyso_sig_session_get_scheme(s), attrs, attrs_len, &sig_len);
  CHECK(sig != NULL);
  if (!sig) {
    st = KYSO_ERR_CRYPTO;
    goto done;
  }
  st = kyso_sig_finish(s, sig, sig_len, err);
  if (st != KYSO_OK) {
    CHECK(kyso_sig_session_get_update(s, &update_len) == NULL);
    goto done;
  }
  update = kyso_sig_session_get_update(s, &update_len);
  CHECK(update != NULL && update_len > 0);
  /* finishing twice is a caller error */
  CHECK_EQ_INT(kyso_sig_finish(s, sig, sig_len, NULL), KYSO_ERR_STATE);
  *out = test_pdf_concat(pdf, len, update, update_len, out_len);
done:
  OPENSSL_free(sig);
  kyso_sig_session_free(s);
  return st;
}

/* CMS_verify over the two ranges with cert as the only trust anchor; also
 * checks there is no signing-time attribute. 1 when all is well. */
static int cms_verifies(const uint8_t *doc, size_t len,
                        const kyso_pdf_signature *sig, X509 *cert) {
  const unsigned char *p = sig->contents;
  CMS_ContentInfo *cms = NULL;
  X509_STORE *store = NULL;
  BIO *content = NULL;
  uint8_t *signed_bytes = NULL;
  size_t n1, n2, i;
  int ok = 0;

  if (!sig->contents || sig->byte_range_count != 4)
    goto done;
  n1 = (size_t)sig->byte_range[1];
  n2 = (size_t)sig->byte_range[3];
  if ((size_t)sig->byte_range[2] + n2 > len)
    goto done;
  cms = d2i_CMS_ContentInfo(NULL, &p, (long)sig->contents_len);
  if (!cms)
    goto done;
  /* The rest of the hole is zero padding. */
  for (i = (size_t)(p - sig->contents); i < sig->contents_len; i++)
    if (sig->contents[i] != 0)
      goto done;
  {
    STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
    CMS_SignerInfo *si = sk_CMS_SignerInfo_value(sis, 0);
    if (sk_CMS_SignerInfo_num(sis) != 1 ||
        CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1) >= 0)
      goto done;
  }
  signed_bytes = malloc(n1 + n2);
  if (!signed_bytes)
    goto done;
  memcpy(signed_bytes, doc, n1);
  memcpy(signed_bytes + n1, doc + sig->byte_range[2], n2);
  store = X509_STORE_new();
  content = BIO_new_mem_buf(signed_bytes, (int)(n1 + n2));
  if (store && content && X509_STORE_add_cert(store, cert) == 1)
    ok = CMS_verify(cms, NULL, store, content, NULL, CMS_BINARY) == 1;
done:
  ERR_clear_error();
  BIO_free(content);
  X509_STORE_free(store);
  CMS_ContentInfo_free(cms);
  free(signed_bytes);
  return ok;
}

/* The layout rules of ISO 32000-1 12.8.1 and ETSI EN 319 142-1 5.1. */
static void check_layout(const uint8_t *doc, size_t len,
                         const kyso_pdf_signature *s, int whole_file) {
  int64_t gap;
  size_t i;
  int hex = 1;

  CHECK_EQ_STR(s->sub_filter, "ETSI.CAdES.detached");
  CHECK_EQ_STR(s->type, "Sig");
  CHECK_EQ_INT(s->byte_range_count, 4);
  CHECK_EQ_INT(s->byte_range[0], 0);
  gap = s->byte_range[2] - s->byte_range[1];
  CHECK_EQ_INT(gap, 2 * (int64_t)s->contents_len + 2);
  CHECK(s->byte_range[1] > 0 && s->byte_range[2] > s->byte_range[1] &&
        (uint64_t)s->byte_range[2] <= len);
  if (!(s->byte_range[1] > 0 && s->byte_range[2] > s->byte_range[1] &&
        (uint64_t)s->byte_range[2] <= len))
    return;
  /* the gap is exactly "<hex>" */
  CHECK_EQ_INT(doc[s->byte_range[1]], '<');
  CHECK_EQ_INT(doc[s->byte_range[2] - 1], '>');
  for (i = (size_t)s->byte_range[1] + 1; i < (size_t)s->byte_range[2] - 1; i++)
    hex &= (doc[i] >= '0' && doc[i] <= '9') || (doc[i] >= 'a' && doc[i] <= 'f');
  CHECK(hex);
  CHECK(memcmp(doc + s->byte_range[1] - 10, "/Contents ", 10) == 0);
  if (whole_file) {
    CHECK_EQ_INT(s->byte_range[2] + s->byte_range[3], (int64_t)len);
    CHECK_EQ_INT(s->covers_whole_file, 1);
  } else {
    CHECK(s->byte_range[2] + s->byte_range[3] < (int64_t)len);
    CHECK_EQ_INT(s->covers_whole_file, 0);
  }
}

typedef struct field_find {
  const char *name;
  kyso_obj *dict;
  uint32_t num;
} field_find;

static kyso_status find_visit(void *ctx, const kyso_form_field *f,
                              kyso_error *err) {
  field_find *ff = ctx;
  if (strcmp(f->name, ff->name) == 0) {
    ff->dict = f->dict;
    ff->num = f->num;
  }
  return KYSO_OK;
}

static kyso_obj *find_field(kyso_pdf *pdf, const char *name, uint32_t *num) {
  field_find ff = {name, NULL, 0};
  kyso_error err;
  if (kyso_form_walk(pdf, find_visit, &ff, &err) != KYSO_OK)
    return NULL;
  if (num)
    *num = ff.num;
  return ff.dict;
}

static double num_at(const kyso_obj *arr, size_t i) {
  if (!kyso_obj_is(arr, KYSO_OBJ_ARRAY) || i >= arr->u.array.count)
    return -12345;
  return kyso_obj_number(arr->u.array.items[i]);
}

static kyso_obj *resolve(kyso_pdf *pdf, kyso_obj *o) {
  kyso_obj *r = NULL;
  kyso_error err;
  return kyso_pdf_resolve(pdf, o, &r, &err) == KYSO_OK ? r : NULL;
}

/* ---- the tests ----------------------------------------------------------- */

/* One signature with k and scheme, then a second one with k2 on top. */
/* Certificates in the CMS of the only signature of pdf; -1 on error. */
static int cms_certificate_count(const uint8_t *pdf, size_t len) {
  kyso_pdf *doc = NULL;
  kyso_error err;
  const kyso_pdf_signature *sigs = NULL;
  size_t n = 0;
  int count = -1;
  if (kyso_pdf_open(pdf, len, &doc, &err) == KYSO_OK &&
      kyso_pdf_list_signatures(doc, &sigs, &n, &err) == KYSO_OK && n == 1) {
    const unsigned char *p = sigs[0].contents;
    CMS_ContentInfo *cms =
        d2i_CMS_ContentInfo(NULL, &p, (long)sigs[0].contents_len);
    STACK_OF(X509) *certs = cms ? CMS_get1_certs(cms) : NULL;
    if (certs)
      count = sk_X509_num(certs);
    sk_X509_pop_free(certs, X509_free);
    CMS_ContentInfo_free(cms);
  }
  kyso_pdf_close(doc);
  return count;
}

static void test_sign_twice(test_key *k, kyso_scheme scheme, test_key *k2) {
  uint8_t *orig, *once = NULL, *twice = NULL;
  size_t orig_len, once_len = 0, twice_len = 0, count = 0;
  kyso_sign_options o;
  kyso_error err;
  kyso_pdf *pdf = NULL, *pdf2 = NULL;
  const kyso_pdf_signature *sigs = NULL;
  kyso_pdf_signature first;
  kyso_obj *field, *form, *root, *page, *annots, *v;
  uint32_t field_num = 0;
  kyso_status st;

  memset(&first, 0, sizeof(first));
  orig = test_pdf_minimal(&orig_len);
  options_for(&o, k);
  o.scheme = scheme;
  o.reason = REASON;
  o.location = "H\xc3\xa0 N\xe1\xbb\x99i";
  st = sign_pdf(orig, orig_len, &o, k->key, &once, &once_len, &err);
  if (st != KYSO_OK)
    fprintf(stderr, "%s: %s\n", k->label, err.message);
  CHECK_EQ_INT(st, KYSO_OK);
  if (st != KYSO_OK)
    goto done;
  CHECK(memcmp(once, orig, orig_len) == 0);

  CHECK_EQ_INT(kyso_pdf_open(once, once_len, &pdf, &err), KYSO_OK);
  if (!pdf)
    goto done;
  CHECK_EQ_INT(kyso_pdf_check(pdf, &err), KYSO_OK);
  CHECK_EQ_INT(kyso_pdf_get_revision_count(pdf), 2);
  CHECK_EQ_INT(kyso_pdf_list_signatures(pdf, &sigs, &count, &err), KYSO_OK);
  CHECK_EQ_INT(count, 1);
  if (count != 1)
    goto done;
  check_layout(once, once_len, &sigs[0], 1);
  CHECK(sigs[0].byte_range[1] > (int64_t)orig_len); /* the hole is new */
  CHECK(cms_verifies(once, once_len, &sigs[0], k->cert));
  CHECK_EQ_STR(sigs[0].field_name, "Signature1");
  CHECK_EQ_STR(sigs[0].signing_time, "D:20241211093015+07'00'");
  CHECK_EQ_STR(sigs[0].name, SIGNER_CN); /* the default: the CN */
  CHECK_EQ_STR(sigs[0].reason, REASON);
  CHECK_EQ_STR(sigs[0].location, "H\xc3\xa0 N\xe1\xbb\x99i");
  CHECK_EQ_INT(sigs[0].revision, 1);
  /* a flipped byte inside the signed range breaks CMS_verify */
  once[10] ^= 1;
  CHECK(!cms_verifies(once, once_len, &sigs[0], k->cert));
  once[10] ^= 1;
  first = sigs[0];

  /* the field is its widget: invisible, printed and locked, on page 1,
   * listed in /Annots and /Fields, /SigFlags 3 */
  field = find_field(pdf, "Signature1", &field_num);
  CHECK(field != NULL);
  CHECK(kyso_obj_is_name(kyso_dict_get(field, "FT"), "Sig"));
  CHECK(kyso_obj_is_name(kyso_dict_get(field, "Subtype"), "Widget"));
  v = kyso_dict_get(field, "Rect");
  CHECK(num_at(v, 0) == 0 && num_at(v, 1) == 0 && num_at(v, 2) == 0 &&
        num_at(v, 3) == 0);
  CHECK(kyso_obj_is(kyso_dict_get(field, "F"), KYSO_OBJ_INT) &&
        kyso_dict_get(field, "F")->u.integer == 132);
  CHECK(kyso_obj_is(kyso_dict_get(field, "P"), KYSO_OBJ_REF) &&
        kyso_dict_get(field, "P")->u.ref.num == pdf->pages[0].num);
  page = pdf->pages[0].dict;
  annots = resolve(pdf, kyso_dict_get(page, "Annots"));
  CHECK(kyso_obj_is(annots, KYSO_OBJ_ARRAY) && annots->u.array.count == 1 &&
        annots->u.array.items[0]->u.ref.num == field_num);
  root = resolve(pdf, kyso_dict_get(pdf->trailer, "Root"));
  form = resolve(pdf, kyso_dict_get(root, "AcroForm"));
  CHECK(kyso_obj_is(kyso_dict_get(form, "SigFlags"), KYSO_OBJ_INT) &&
        kyso_dict_get(form, "SigFlags")->u.integer == 3);
  CHECK_EQ_INT(test_pdf_qpdf_check(once, once_len), 0);

  /* Second signature, another key and another offset: both listed; the
   * first keeps its byte range and still verifies. */
  options_for(&o, k2);
  o.utc_offset_minutes = -330;
  st = sign_pdf(once, once_len, &o, k2->key, &twice, &twice_len, &err);
  if (st != KYSO_OK)
    fprintf(stderr, "%s second: %s\n", k2->label, err.message);
  CHECK_EQ_INT(st, KYSO_OK);
  if (st != KYSO_OK)
    goto done;
  CHECK_EQ_INT(kyso_pdf_open(twice, twice_len, &pdf2, &err), KYSO_OK);
  if (!pdf2)
    goto done;
  CHECK_EQ_INT(kyso_pdf_check(pdf2, &err), KYSO_OK);
  CHECK_EQ_INT(kyso_pdf_get_revision_count(pdf2), 3);
  CHECK_EQ_INT(kyso_pdf_list_signatures(pdf2, &sigs, &count, &err), KYSO_OK);
  CHECK_EQ_INT(count, 2);
  if (count != 2)
    goto done;
  CHECK_EQ_STR(sigs[0].field_name, "Signature1");
  CHECK_EQ_STR(sigs[1].field_name, "Signature2");
  CHECK(memcmp(sigs[0].byte_range, first.byte_range,
               sizeof(first.byte_range)) == 0);
  check_layout(twice, twice_len, &sigs[0], 0);
  check_layout(twice, twice_len, &sigs[1], 1);
  CHECK_EQ_INT(sigs[0].revision, 1);
  CHECK_EQ_INT(sigs[1].revision, 2);
  CHECK(cms_verifies(twice, twice_len, &sigs[0], k->cert));
  CHECK(cms_verifies(twice, twice_len, &sigs[1], k2->cert));
  if (k2 != k)
    CHECK(!cms_verifies(twice, twice_len, &sigs[1], k->cert));
  CHECK_EQ_STR(sigs[1].signing_time, "D:20241210210015-05'30'");
  CHECK_EQ_INT(test_pdf_qpdf_check(twice, twice_len), 0);
done:
  kyso_pdf_close(pdf2);
  kyso_pdf_close(pdf);
  free(twice);
  free(once);
  free(orig);
}

static void test_visible(test_key *k) {
  uint8_t *orig, *png, *out = NULL;
  size_t orig_len, png_len, out_len = 0, count = 0;
  kyso_sign_options o;
  kyso_error err;
  kyso_pdf *pdf = NULL;
  const kyso_pdf_signature *sigs = NULL;
  kyso_obj *field, *ap, *xo, *res, *xobjs, *im, *bbox;
  kyso_status st;

  orig = test_pdf_minimal(&orig_len);
  png = make_png(&png_len);
  options_for(&o, k);
  o.visible = 1;
  o.rect[0] = 100;
  o.rect[1] = 200;
  o.rect[2] = 150;
  o.rect[3] = 50.5;
  o.image.data = png;
  o.image.len = png_len;
  o.field_name = "Ch\xe1\xbb\xaf k\xc3\xbd"; /* Chữ ký */
  st = sign_pdf(orig, orig_len, &o, k->key, &out, &out_len, &err);
  if (st != KYSO_OK)
    fprintf(stderr, "visible: %s\n", err.message);
  CHECK_EQ_INT(st, KYSO_OK);
  if (st != KYSO_OK)
    goto done;
  CHECK_EQ_INT(kyso_pdf_open(out, out_len, &pdf, &err), KYSO_OK);
  if (!pdf)
    goto done;
  CHECK_EQ_INT(kyso_pdf_check(pdf, &err), KYSO_OK);
  CHECK_EQ_INT(kyso_pdf_list_signatures(pdf, &sigs, &count, &err), KYSO_OK);
  CHECK_EQ_INT(count, 1);
  if (count == 1) {
    check_layout(out, out_len, &sigs[0], 1);
    CHECK(cms_verifies(out, out_len, &sigs[0], k->cert));
    CHECK_EQ_STR(sigs[0].field_name, "Ch\xe1\xbb\xaf k\xc3\xbd");
  }
  field = find_field(pdf, "Ch\xe1\xbb\xaf k\xc3\xbd", NULL);
  CHECK(field != NULL);
  /* /Rect is x, y, x + width, y + height */
  CHECK(num_at(kyso_dict_get(field, "Rect"), 0) == 100 &&
        num_at(kyso_dict_get(field, "Rect"), 1) == 200 &&
        num_at(kyso_dict_get(field, "Rect"), 2) == 250 &&
        num_at(kyso_dict_get(field, "Rect"), 3) == 250.5);
  ap = resolve(pdf, kyso_dict_get(field, "AP"));
  xo = resolve(pdf, kyso_dict_get(ap, "N"));
  CHECK(kyso_obj_is(xo, KYSO_OBJ_STREAM));
  if (!kyso_obj_is(xo, KYSO_OBJ_STREAM))
    goto done;
  CHECK(kyso_obj_is_name(kyso_dict_get(xo->u.stream.dict, "Subtype"), "Form"));
  bbox = resolve(pdf, kyso_dict_get(xo->u.stream.dict, "BBox"));
  CHECK(num_at(bbox, 2) == 150 && num_at(bbox, 3) == 50.5);
  res = resolve(pdf, kyso_dict_get(xo->u.stream.dict, "Resources"));
  xobjs = resolve(pdf, kyso_dict_get(res, "XObject"));
  im = resolve(pdf, kyso_dict_get(xobjs, "Im0"));
  CHECK(kyso_obj_is(im, KYSO_OBJ_STREAM));
  if (kyso_obj_is(im, KYSO_OBJ_STREAM)) {
    kyso_obj *d = im->u.stream.dict;
    CHECK(kyso_obj_is_name(kyso_dict_get(d, "Subtype"), "Image"));
    CHECK(kyso_dict_get(d, "Width")->u.integer == 2 &&
          kyso_dict_get(d, "Height")->u.integer == 2);
    /* the PNG has alpha below 255: an SMask */
    CHECK(kyso_obj_is(kyso_dict_get(d, "SMask"), KYSO_OBJ_REF));
  }
  CHECK_EQ_INT(test_pdf_qpdf_check(out, out_len), 0);
done:
  kyso_pdf_close(pdf);
  free(out);
  free(png);
  free(orig);
}

/* /Annots, /AcroForm and /Fields given by reference, with items already
 * in them, in a file whose newest section is an xref stream: the arrays
 * are extended (not replaced), the update is an xref stream too. */
static void test_indirect_arrays(test_key *k) {
  static const char *const objs[] = {
      "<< /Type /Catalog /Pages 2 0 R /AcroForm 6 0 R >>",
      TEST_PDF_PAGES1,
      ("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Annots 5 0 R "
       ">>"),
      "<< /Type /Annot /Subtype /Text /Rect [0 0 10 10] >>",
      "[4 0 R]",
      "<< /Fields 7 0 R /SigFlags 0 /DA (/Helv 0 Tf 0 g) >>",
      "[8 0 R]",
      "<< /T (Name) /FT /Tx /V (Lan) >>"};
  uint8_t *orig, *out = NULL;
  size_t orig_len, out_len = 0, count = 0;
  kyso_sign_options o;
  kyso_error err;
  kyso_pdf *pdf = NULL;
  const kyso_pdf_signature *sigs = NULL;
  kyso_revision_info r;
  kyso_obj *annots, *form, *fields, *root;
  uint32_t num = 0;
  kyso_status st;

  orig = test_pdf_build(objs, 8, TEST_PDF_XREF_STREAM | TEST_PDF_ID, "",
                        &orig_len);
  options_for(&o, k);
  st = sign_pdf(orig, orig_len, &o, k->key, &out, &out_len, &err);
  if (st != KYSO_OK)
    fprintf(stderr, "indirect arrays: %s\n", err.message);
  CHECK_EQ_INT(st, KYSO_OK);
  if (st != KYSO_OK)
    goto done;
  CHECK_EQ_INT(kyso_pdf_open(out, out_len, &pdf, &err), KYSO_OK);
  if (!pdf)
    goto done;
  CHECK_EQ_INT(kyso_pdf_check(pdf, &err), KYSO_OK);
  CHECK_EQ_INT(kyso_pdf_get_revision(pdf, 1, &r), 0);
  CHECK_EQ_INT(r.xref_is_stream, 1);
  CHECK_EQ_INT(kyso_pdf_list_signatures(pdf, &sigs, &count, &err), KYSO_OK);
  CHECK_EQ_INT(count, 1);
  if (count == 1) {
    check_layout(out, out_len, &sigs[0], 1);
    CHECK(cms_verifies(out, out_len, &sigs[0], k->cert));
  }
  CHECK(find_field(pdf, "Signature1", &num) != NULL);
  /* the page still points at array 5, which now holds both annotations */
  CHECK(
      kyso_obj_is(kyso_dict_get(pdf->pages[0].dict, "Annots"), KYSO_OBJ_REF) &&
      kyso_dict_get(pdf->pages[0].dict, "Annots")->u.ref.num == 5);
  annots = resolve(pdf, kyso_dict_get(pdf->pages[0].dict, "Annots"));
  CHECK(kyso_obj_is(annots, KYSO_OBJ_ARRAY) && annots->u.array.count == 2 &&
        annots->u.array.items[0]->u.ref.num == 4 &&
        annots->u.array.items[1]->u.ref.num == num);
  root = resolve(pdf, kyso_dict_get(pdf->trailer, "Root"));
  CHECK(kyso_dict_get(root, "AcroForm")->u.ref.num == 6);
  form = resolve(pdf, kyso_dict_get(root, "AcroForm"));
  fields = resolve(pdf, kyso_dict_get(form, "Fields"));
  CHECK(kyso_obj_is(fields, KYSO_OBJ_ARRAY) && fields->u.array.count == 2 &&
        fields->u.array.items[0]->u.ref.num == 8 &&
        fields->u.array.items[1]->u.ref.num == num);
  /* SigFlags set, the rest of the form kept */
  CHECK(kyso_dict_get(form, "SigFlags")->u.integer == 3);
  CHECK(kyso_obj_is(kyso_dict_get(form, "DA"), KYSO_OBJ_STRING));
  CHECK(find_field(pdf, "Name", NULL) != NULL);
  CHECK_EQ_INT(test_pdf_qpdf_check(out, out_len), 0);
done:
  kyso_pdf_close(pdf);
  free(out);
  free(orig);
}

static void expect_prepare_error(const uint8_t *pdf, size_t len,
                                 const kyso_sign_options *o, kyso_status want,
                                 const char *what) {
  kyso_sig_session *s = (kyso_sig_session *)&s; /* must become NULL */
  kyso_error err;
  kyso_status st;
  kyso_error_clear(&err);
  st = kyso_sig_prepare(pdf, len, o, &s, &err);
  if (st != want)
    fprintf(stderr, "%s: %s (%s), wanted %s\n", what, kyso_status_name(st),
            err.message, kyso_status_name(want));
  CHECK_EQ_INT(st, want);
  CHECK_EQ_INT(err.code, want);
  CHECK(err.message[0] != 0);
  CHECK(s == NULL);
  if (st == KYSO_OK)
    kyso_sig_session_free(s);
}

/* Files qpdf reads that kyso refused to sign (issue 12): /AcroForm at a
 * missing object (null, 7.3.10: a new form is made), a page with no
 * /MediaBox (signed invisibly; a visible signature on a page of unknown
 * size is refused), a /Root without /Type. Each result is read back and
 * checked by qpdf. */
static void sign_and_check(const char *const *objs, size_t n,
                           const kyso_sign_options *o, test_key *k,
                           const char *what) {
  uint8_t *orig, *out = NULL;
  size_t orig_len, out_len = 0, count = 0;
  kyso_error err;
  kyso_pdf *pdf = NULL;
  const kyso_pdf_signature *sigs = NULL;
  kyso_status st;

  orig = test_pdf_build(objs, n, 0, NULL, &orig_len);
  st = sign_pdf(orig, orig_len, o, k->key, &out, &out_len, &err);
  if (st != KYSO_OK)
    fprintf(stderr, "%s: %s\n", what, err.message);
  CHECK_EQ_INT(st, KYSO_OK);
  if (st == KYSO_OK && kyso_pdf_open(out, out_len, &pdf, &err) == KYSO_OK) {
    CHECK_EQ_INT(kyso_pdf_check(pdf, &err), KYSO_OK);
    CHECK_EQ_INT(kyso_pdf_list_signatures(pdf, &sigs, &count, &err), KYSO_OK);
    CHECK_EQ_INT(count, 1);
    if (count == 1)
      CHECK(cms_verifies(out, out_len, &sigs[0], k->cert));
    CHECK_EQ_INT(test_pdf_qpdf_check(out, out_len), 0);
  } else {
    CHECK(st != KYSO_OK);
  }
  kyso_pdf_close(pdf);
  free(out);
  free(orig);
}

static void test_lenient_inputs(test_key *k) {
  static const char *const dangling_form[] = {
      "<< /Type /Catalog /Pages 2 0 R /AcroForm 9 0 R >>", TEST_PDF_PAGES1,
      TEST_PDF_PAGE};
  static const char *const no_media_box[] = {TEST_PDF_CATALOG, TEST_PDF_PAGES1,
                                             "<< /Type /Page /Parent 2 0 R >>"};
  static const char *const untyped_root[] = {"<< /Pages 2 0 R >>",
                                             TEST_PDF_PAGES1, TEST_PDF_PAGE};
  kyso_sign_options o;
  uint8_t *orig;
  size_t orig_len;

  options_for(&o, k);
  sign_and_check(dangling_form, 3, &o, k, "/AcroForm at a missing object");
  sign_and_check(no_media_box, 3, &o, k, "page without /MediaBox");
  sign_and_check(untyped_root, 3, &o, k, "/Root without /Type");
  o.visible = 1;
  o.rect[0] = 10;
  o.rect[1] = 10;
  o.rect[2] = 100;
  o.rect[3] = 40;
  orig = test_pdf_build(no_media_box, 3, 0, NULL, &orig_len);
  expect_prepare_error(orig, orig_len, &o, KYSO_ERR_PDF_PAGE,
                       "visible signature on a page without /MediaBox");
  free(orig);
}

/* /M (7.9.4) from signing_time and the offset, with no time zone database:
 * leap days, a century that is not a leap year, the ends of the range. */
static void test_dates(test_key *k) {
  static const struct {
    int64_t t;
    int offset;
    const char *want;
  } dates[] = {
      {SIGNING_TIME, 420, "D:20241211093015+07'00'"},
      {SIGNING_TIME, 0, "D:20241211023015+00'00'"},
      {0, -720, "D:19691231120000-12'00'"},
      {0, 0, "D:19700101000000+00'00'"},
      {951782400, 420, "D:20000229070000+07'00'"},
      {4107542399, 420, "D:21000301065959+07'00'"},
      {253402300799, 0, "D:99991231235959+00'00'"},
      {253402300799, -45, "D:99991231231459-00'45'"},
  };
  uint8_t *orig, *out = NULL;
  size_t orig_len, out_len = 0, i;
  kyso_sign_options o;
  kyso_error err;

  orig = test_pdf_minimal(&orig_len);
  for (i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
    kyso_pdf *pdf = NULL;
    const kyso_pdf_signature *sigs = NULL;
    size_t n = 0;
    options_for(&o, k);
    o.signing_time = dates[i].t;
    o.utc_offset_minutes = dates[i].offset;
    o.allow_unusable_certificate = 1; /* most dates lie outside its validity */
    CHECK_EQ_INT(sign_pdf(orig, orig_len, &o, k->key, &out, &out_len, &err),
                 KYSO_OK);
    if (out && kyso_pdf_open(out, out_len, &pdf, &err) == KYSO_OK &&
        kyso_pdf_list_signatures(pdf, &sigs, &n, &err) == KYSO_OK && n == 1)
      CHECK_EQ_STR(sigs[0].signing_time, dates[i].want);
    else
      CHECK(!"signed document unreadable");
    kyso_pdf_close(pdf);
    free(out);
    out = NULL;
  }
  /* Local time past 9999-12-31 would need a five-digit year. */
  options_for(&o, k);
  o.signing_time = 253402300799;
  o.utc_offset_minutes = 840;
  expect_prepare_error(orig, orig_len, &o, KYSO_ERR_ARGUMENT, "year 10000");
  free(orig);
}

/* k's certificate again, with keyUsage keyEncipherment only (critical). */
static int cert_for_encryption_only(const test_key *k, uint8_t **der,
                                    size_t *der_len) {
  X509 *x = X509_dup(k->cert);
  X509_EXTENSION *ext = NULL;
  X509V3_CTX ctx;
  unsigned char *out = NULL;
  int n = 0, ok = 0;

  if (!x)
    goto done;
  X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
  ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_key_usage,
                            "critical,keyEncipherment");
  if (!ext || X509_add_ext(x, ext, -1) != 1 ||
      X509_sign(x, k->key, EVP_sha256()) <= 0)
    goto done;
  n = i2d_X509(x, &out);
  if (n <= 0)
    goto done;
  *der = out;
  *der_len = (size_t)n;
  ok = 1;
done:
  X509_EXTENSION_free(ext);
  X509_free(x);
  return ok;
}

/* A certificate that cannot make a valid signature at signing_time
 * (before notBefore, after notAfter, keyUsage not for signing) is refused
 * before anything is built; allow_unusable_certificate signs anyway. */
static void test_unusable_certificate(const uint8_t *pdf, size_t len,
                                      test_key *k) {
  kyso_sign_options o;
  kyso_error err;
  uint8_t *out = NULL, *enc = NULL;
  size_t out_len = 0, enc_len = 0;

  options_for(&o, k);
  o.signing_time = (int64_t)TEST_PKI_NOT_BEFORE - 1;
  expect_prepare_error(pdf, len, &o, KYSO_ERR_SIGN_CERTIFICATE,
                       "before notBefore");
  o.allow_unusable_certificate = 1;
  CHECK_EQ_INT(sign_pdf(pdf, len, &o, k->key, &out, &out_len, &err), KYSO_OK);
  free(out);
  out = NULL;
  o.allow_unusable_certificate = 0;
  o.signing_time = (int64_t)time(NULL) + 400 * 86400; /* valid 365 days */
  expect_prepare_error(pdf, len, &o, KYSO_ERR_SIGN_CERTIFICATE,
                       "after notAfter");
  o.signing_time = (int64_t)TEST_PKI_NOT_BEFORE;
  CHECK_EQ_INT(sign_pdf(pdf, len, &o, k->key, &out, &out_len, &err), KYSO_OK);
  free(out);
  out = NULL;

  CHECK(cert_for_encryption_only(k, &enc, &enc_len));
  if (enc) {
    options_for(&o, k);
    o.certificate.data = enc;
    o.certificate.len = enc_len;
    expect_prepare_error(pdf, len, &o, KYSO_ERR_SIGN_CERTIFICATE,
                         "keyEncipherment only");
    o.allow_unusable_certificate = 1;
    CHECK_EQ_INT(sign_pdf(pdf, len, &o, k->key, &out, &out_len, &err), KYSO_OK);
    free(out);
  }
  OPENSSL_free(enc);
}

static void test_errors(test_key *rsa, test_key *ec) {
  uint8_t *orig, *png, *doc, *out = NULL;
  size_t orig_len, png_len, doc_len, out_len = 0;
  kyso_sign_options o;
  kyso_error err;
  kyso_sig_session *s = NULL;
  kyso_blob chain[2];
  static const uint8_t garbage[] = "this is no PDF, just some text\n";
  static const char *const with_field[] = {
      "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] >> >>",
      TEST_PDF_PAGES1, TEST_PDF_PAGE, "<< /T (Approval) /FT /Tx >>"};
  static const char *const certified_p1[] = {
      "<< /Type /Catalog /Pages 2 0 R /Perms << /DocMDP 4 0 R >> >>",
      TEST_PDF_PAGES1, TEST_PDF_PAGE,
      ("<< /Type /Sig /Reference [<< /Type /SigRef /TransformMethod /DocMDP "
       "/TransformParams << /Type /TransformParams /P 1 /V /1.2 >> >>] >>")};
  static const char *const certified_p2[] = {
      "<< /Type /Catalog /Pages 2 0 R /Perms << /DocMDP 4 0 R >> >>",
      TEST_PDF_PAGES1, TEST_PDF_PAGE,
      ("<< /Type /Sig /Reference [<< /Type /SigRef /TransformMethod /DocMDP "
       "/TransformParams << /Type /TransformParams /P 2 /V /1.2 >> >>] >>")};

  orig = test_pdf_minimal(&orig_len);
  png = make_png(&png_len);

  /* A signature by another key: refused, nothing to write, and the
   * session can still be finished with the right one. */
  options_for(&o, rsa);
  CHECK_EQ_INT(kyso_sig_prepare(orig, orig_len, &o, &s, &err), KYSO_OK);
  if (s) {
    size_t alen = 0, blen = 0, glen = 0, ulen = 1;
    const uint8_t *attrs = kyso_sig_session_get_signed_attrs(s, &alen);
    uint8_t *bad = test_pki_sign(ec->key, KYSO_DIGEST_SHA256, KYSO_SCHEME_ECDSA,
                                 attrs, alen, &blen);
    uint8_t *good = test_pki_sign(rsa->key, KYSO_DIGEST_SHA256,
                                  KYSO_SCHEME_RSA_PKCS1, attrs, alen, &glen);
    CHECK(bad && good);
    if (bad && good) {
      CHECK_EQ_INT(kyso_sig_finish(s, bad, blen, &err), KYSO_ERR_SIGN_VALUE);
      CHECK(kyso_sig_session_get_update(s, &ulen) == NULL && ulen == 0);
      good[glen / 2] ^= 1; /* right key, one bit off */
      CHECK_EQ_INT(kyso_sig_finish(s, good, glen, &err), KYSO_ERR_SIGN_VALUE);
      CHECK(kyso_sig_session_get_update(s, &ulen) == NULL);
      good[glen / 2] ^= 1;
      CHECK_EQ_INT(kyso_sig_finish(s, good, glen, &err), KYSO_OK);
      CHECK(kyso_sig_session_get_update(s, &ulen) != NULL && ulen > 0);
      CHECK_EQ_INT(kyso_sig_finish(s, good, glen, &err), KYSO_ERR_STATE);
      CHECK(kyso_sig_session_get_update(s, &ulen) != NULL);
    }
    OPENSSL_free(bad);
    OPENSSL_free(good);
    kyso_sig_session_free(s);
    s = NULL;
  }
  /* the same through the helper: wrong key all the way */
  CHECK_EQ_INT(sign_pdf(orig, orig_len, &o, ec->key, &out, &out_len, &err),
               KYSO_ERR_SIGN_VALUE);
  CHECK(out == NULL);

  options_for(&o, rsa);
  o.page = 5;
  expect_prepare_error(orig, orig_len, &o, KYSO_ERR_PDF_PAGE, "page 5 of 1");
  o.page = 1;
  o.image.data = png;
  o.image.len = png_len;
  expect_prepare_error(orig, orig_len, &o, KYSO_ERR_ARGUMENT,
                       "image, invisible");
  o.image.len = 0;
  expect_prepare_error(garbage, sizeof(garbage) - 1, &o, KYSO_ERR_PDF_HEADER,
                       "garbage");
  o.field_name = "a.b";
  expect_prepare_error(orig, orig_len, &o, KYSO_ERR_ARGUMENT, "dotted name");
  o.field_name = NULL;
  o.signing_time = -1;
  expect_prepare_error(orig, orig_len, &o, KYSO_ERR_ARGUMENT, "time < 0");
  o.signing_time = SIGNING_TIME;
  test_unusable_certificate(orig, orig_len, rsa);

  /* a field name already in the form */
  doc = test_pdf_build(with_field, 4, TEST_PDF_ID, "", &doc_len);
  o.field_name = "Approval";
  expect_prepare_error(doc, doc_len, &o, KYSO_ERR_PDF_FORM, "name taken");
  o.field_name = "Approval2";
  CHECK_EQ_INT(sign_pdf(doc, doc_len, &o, rsa->key, &out, &out_len, &err),
               KYSO_OK);
  free(out);
  out = NULL;
  o.field_name = NULL;
  free(doc);

  /* certified with no changes allowed; P=2 allows a signature */
  doc = test_pdf_build(certified_p1, 4, TEST_PDF_ID, "", &doc_len);
  expect_prepare_error(doc, doc_len, &o, KYSO_ERR_PDF_FORM, "DocMDP P=1");
  free(doc);
  doc = test_pdf_build(certified_p2, 4, TEST_PDF_ID, "", &doc_len);
  CHECK_EQ_INT(sign_pdf(doc, doc_len, &o, rsa->key, &out, &out_len, &err),
               KYSO_OK);
  free(out);
  out = NULL;
  free(doc);

  /* 1024 bytes hold an EC signature alone, not with two RSA certs */
  options_for(&o, ec);
  o.contents_reserve = 1024;
  CHECK_EQ_INT(sign_pdf(orig, orig_len, &o, ec->key, &out, &out_len, &err),
               KYSO_OK);
  if (out) {
    kyso_pdf *pdf = NULL;
    const kyso_pdf_signature *sigs = NULL;
    size_t n = 0;
    CHECK_EQ_INT(kyso_pdf_open(out, out_len, &pdf, &err), KYSO_OK);
    if (pdf && kyso_pdf_list_signatures(pdf, &sigs, &n, &err) == KYSO_OK &&
        n == 1) {
      CHECK_EQ_INT(sigs[0].contents_len, 1024);
      CHECK(cms_verifies(out, out_len, &sigs[0], ec->cert));
    }
    kyso_pdf_close(pdf);
  }
  free(out);
  out = NULL;
  chain[0].data = rsa->der;
  chain[0].len = rsa->der_len;
  chain[1] = chain[0];
  o.chain = chain;
  o.chain_count = 2;
  CHECK_EQ_INT(sign_pdf(orig, orig_len, &o, ec->key, &out, &out_len, &err),
               KYSO_ERR_SIGN_SPACE);
  CHECK(out == NULL);
  /* without a reserve given, room is made for the chain */
  o.contents_reserve = 0;
  CHECK_EQ_INT(sign_pdf(orig, orig_len, &o, ec->key, &out, &out_len, &err),
               KYSO_OK);
  /* the repeated chain certificate goes into the CMS once, and the
   * signer's own certificate listed again in the chain is not repeated:
   * the CMS holds two certificates */
  CHECK_EQ_INT(cms_certificate_count(out, out_len), 2);
  free(out);
  out = NULL;
  {
    kyso_blob three[3];
    three[0] = chain[0];
    three[1] = o.certificate;
    three[2] = chain[0];
    o.chain = three;
    o.chain_count = 3;
    CHECK_EQ_INT(sign_pdf(orig, orig_len, &o, ec->key, &out, &out_len, &err),
                 KYSO_OK);
    CHECK_EQ_INT(cms_certificate_count(out, out_len), 2);
    free(out);
  }

  free(png);
  free(orig);
}

int main(void) {
  test_key rsa, ec;
  int ok = make_key(&rsa, "RSA-2048", "RSA", 1001) &&
           make_key(&ec, "EC P-256", "EC", 1002);

  CHECK(ok);
  if (ok) {
    test_sign_twice(&rsa, KYSO_SCHEME_AUTO, &ec);
    test_sign_twice(&rsa, KYSO_SCHEME_RSA_PSS, &rsa);
    test_sign_twice(&ec, KYSO_SCHEME_ECDSA, &rsa);
    test_visible(&ec);
    test_indirect_arrays(&rsa);
    test_dates(&ec);
    test_errors(&rsa, &ec);
    test_lenient_inputs(&rsa);
  }
  free_key(&rsa);
  free_key(&ec);
  return check_summary();
}
