/*
 * test_dss_vri.c - kyso_dss_append_vri: the DSS with /VRI entries.
 *
 * A document signed twice (signer under a sub-CA) gets certificates, CRLs
 * and an OCSP response in its DSS with one /VRI entry per signature. The
 * entries are read back with kyso's parser: keys are the upper-case hex of
 * `openssl dgst -sha1` over each /Contents string, arrays reference the
 * DSS's own streams (an item given again is referenced, not stored twice),
 * /TU is the date given. A second call merges: an existing entry gains
 * only the references it lacks, also under a key spelled in lower case or
 * held indirectly (as other writers do); with nothing new there is no
 * update. The signatures stay valid (kyso_verify TOTAL_PASSED with the
 * data, pdfsig), qpdf --check passes, and bad index lists, repeated keys
 * and oversized lists are refused.
 */
#define _POSIX_C_SOURCE 200809L /* popen */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/ocsp.h>

#include "check.h"
#include "kyso/dss.h"
#include "kyso/ltv.h"
#include "kyso/verify.h"
#include "pdf/pdf_file.h"
#include "test_ltv_pki.h"
#include "test_pdf.h"
#include "verify/verify_internal.h"

static tl_cert root_a, sub_a, leaf;

static int make_pki(void) {
  return tl_cert_new(&root_a, TL_ROOT, "Root A", 1, NULL) &&
         tl_cert_new(&sub_a, TL_CA, "Sub CA A", 2, &root_a) &&
         tl_cert_new(&leaf, TL_LEAF, "Nguyen Van A", 3, &sub_a);
}

/* A successful OCSP response by the sub-CA itself: leaf is good. */
static kyso_blob ocsp_good(void) {
  OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
  OCSP_CERTID *id = OCSP_cert_to_id(EVP_sha1(), leaf.x, sub_a.x);
  ASN1_TIME *now = ASN1_TIME_set(NULL, time(NULL) - 600);
  ASN1_TIME *next = ASN1_TIME_set(NULL, time(NULL) + 86400);
  OCSP_RESPONSE *r = NULL;
  kyso_blob b = {NULL, 0};
  unsigned char *der = NULL;
  int n;

  if (!bs || !id || !now || !next ||
      !OCSP_basic_add1_status(bs, id, V_OCSP_CERTSTATUS_GOOD, 0, NULL, now,
                              next) ||
      !OCSP_basic_sign(bs, sub_a.x, sub_a.key, EVP_sha256(), NULL,
                       OCSP_NOCERTS))
    goto done;
  r = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs);
  n = r ? i2d_OCSP_RESPONSE(r, &der) : 0;
  if (n > 0) {
    b.data = der;
    b.len = (size_t)n;
  }
done:
  OCSP_RESPONSE_free(r);
  OCSP_CERTID_free(id);
  OCSP_BASICRESP_free(bs);
  ASN1_TIME_free(now);
  ASN1_TIME_free(next);
  return b;
}

static kyso_blob crl(const tl_cert *issuer, int64_t age) {
  int64_t now = (int64_t)time(NULL) - age;
  kyso_blob b;
  b.data = tl_crl_new(issuer, now - 3600, now + 86400, NULL, 0, &b.len);
  return b;
}

static int memmem_like(const uint8_t *p, size_t len, const char *needle) {
  size_t n = strlen(needle), i;
  for (i = 0; i + n <= len; i++)
    if (memcmp(p + i, needle, n) == 0)
      return 1;
  return 0;
}

/* "N G obj" at the start of a line of the update. */
static int obj_written(const uint8_t *p, size_t len, const char *head) {
  size_t n = strlen(head), i;
  for (i = 0; i + n <= len; i++)
    if ((i == 0 || p[i - 1] == '\n') && memcmp(p + i, head, n) == 0)
      return 1;
  return 0;
}

static void hex40(const uint8_t key[20], char out[41]) {
  size_t i;
  for (i = 0; i < 20; i++)
    snprintf(out + 2 * i, 3, "%02X", key[i]);
}

/* Appends update u (free()d) to *pdf. */
static void append(uint8_t **pdf, size_t *len, uint8_t *u, size_t ulen) {
  uint8_t *p = test_pdf_concat(*pdf, *len, u, ulen, len);
  free(*pdf);
  free(u);
  *pdf = p;
}

/* ---- reading the result back --------------------------------------------- */

typedef struct view {
  kyso_pdf *pdf;
  kyso_obj *dss, *vri;
} view;

static int view_open(view *v, const uint8_t *data, size_t len) {
  kyso_error err;
  kyso_obj *root = NULL;
  memset(v, 0, sizeof(*v));
  v->pdf = test_pdf_open_checked(data, len);
  if (!v->pdf ||
      kyso_pdf_dict_get(v->pdf, v->pdf->trailer, "Root", &root, &err) !=
          KYSO_OK ||
      kyso_pdf_dict_get(v->pdf, root, "DSS", &v->dss, &err) != KYSO_OK ||
      !kyso_obj_is(v->dss, KYSO_OBJ_DICT))
    return 0;
  if (kyso_pdf_dict_get(v->pdf, v->dss, "VRI", &v->vri, &err) != KYSO_OK)
    v->vri = NULL;
  return 1;
}

static void view_close(view *v) {
  kyso_pdf_close(v->pdf);
  memset(v, 0, sizeof(*v));
}

/* The resolved array dict[key] (NULL if none). */
static kyso_obj *array_of(view *v, kyso_obj *dict, const char *key) {
  kyso_obj *a = NULL;
  kyso_error err;
  if (kyso_pdf_dict_get(v->pdf, dict, key, &a, &err) != KYSO_OK ||
      !kyso_obj_is(a, KYSO_OBJ_ARRAY))
    return NULL;
  return a;
}

static size_t count_of(view *v, kyso_obj *dict, const char *key) {
  kyso_obj *a = array_of(v, dict, key);
  return a ? a->u.array.count : 0;
}

/* The VRI entry under key (exact spelling), resolved. */
static kyso_obj *entry_of(view *v, const char *key) {
  kyso_obj *e = NULL;
  kyso_error err;
  if (!v->vri || kyso_pdf_dict_get(v->pdf, v->vri, key, &e, &err) != KYSO_OK ||
      !kyso_obj_is(e, KYSO_OBJ_DICT))
    return NULL;
  return e;
}

/* Every reference of entry[key] is one of dss[dss_key]'s, none twice. */
static int refs_within(view *v, kyso_obj *entry, const char *key,
                       const char *dss_key) {
  kyso_obj *a = array_of(v, entry, key), *d = array_of(v, v->dss, dss_key);
  size_t i, j, k;
  if (!a || !d)
    return 0;
  for (i = 0; i < a->u.array.count; i++) {
    kyso_obj *r = a->u.array.items[i];
    int found = 0;
    if (!kyso_obj_is(r, KYSO_OBJ_REF))
      return 0;
    for (j = 0; j < d->u.array.count; j++)
      if (kyso_obj_is(d->u.array.items[j], KYSO_OBJ_REF) &&
          d->u.array.items[j]->u.ref.num == r->u.ref.num)
        found = 1;
    for (k = 0; k < i; k++)
      if (a->u.array.items[k]->u.ref.num == r->u.ref.num)
        return 0;
    if (!found)
      return 0;
  }
  return 1;
}

/* The decoded stream entry[key][i] equals b. */
static int item_is(view *v, kyso_obj *entry, const char *key, size_t i,
                   kyso_blob b) {
  kyso_obj *a = array_of(v, entry, key), *stm = NULL;
  kyso_buf data;
  kyso_error err;
  int ok;
  if (!a || i >= a->u.array.count ||
      kyso_pdf_resolve(v->pdf, a->u.array.items[i], &stm, &err) != KYSO_OK)
    return 0;
  kyso_buf_init(&data);
  ok = kyso_pdf_stream_decode(v->pdf, stm, 1 << 20, &data, &err) == KYSO_OK &&
       data.len == b.len && memcmp(data.data, b.data, b.len) == 0;
  kyso_buf_free(&data);
  return ok;
}

static kyso_report *verify(const uint8_t *pdf, size_t len) {
  kyso_verify_options o;
  kyso_blob anchors[1];
  kyso_report *r = NULL;
  kyso_error err;
  kyso_verify_options_init(&o);
  anchors[0] = tl_blob(&root_a);
  o.anchors = anchors;
  o.anchor_count = 1;
  o.validation_time = (int64_t)time(NULL) + 60;
  if (kyso_verify(pdf, len, &o, &r, &err) != KYSO_OK)
    return NULL;
  return r;
}

static int pdfsig_valid_count(const uint8_t *pdf, size_t len) {
  char cmd[600];
  if (!tl_write_file("vri.pdf", pdf, len))
    return -1;
  snprintf(cmd, sizeof(cmd),
           "pdfsig '%s/vri.pdf' 2>/dev/null | grep -c 'Signature is Valid'",
           tl_workdir());
  {
    FILE *p = popen(cmd, "r");
    int n = -1;
    if (!p)
      return -1;
    if (fscanf(p, "%d", &n) != 1)
      n = -1;
    pclose(p);
    return n;
  }
}

/* ---- the tests ----------------------------------------------------------- */

static void test_vri_written_and_merged(void) {
  size_t len = 0, ulen = 0, i;
  uint8_t *pdf = test_pdf_minimal(&len), *u = NULL, key[2][20];
  const tl_cert *achain[] = {&sub_a};
  char hex[2][41];
  kyso_blob certs[2], crls[2], ocsps[1], crl_new;
  kyso_error err;
  kyso_report *r;
  view v;
  int64_t tu = 1765000000; /* 2025-12-06T05:46:40Z */

  CHECK(tl_sign_pdf(&pdf, &len, "First", &leaf, NULL, 0, NULL, NULL, 0));
  CHECK(tl_sign_pdf(&pdf, &len, "Second", &leaf, achain, 1, NULL, NULL, 0));
  /* the keys, by openssl over the /Contents strings */
  for (i = 0; i < 2; i++) {
    size_t clen = 0;
    uint8_t *c = tl_contents_of(pdf, len, i, &clen);
    CHECK(c && tl_write_file("c.bin", c, clen) &&
          tl_openssl_sha1("c.bin", key[i]));
    free(c);
    hex40(key[i], hex[i]);
  }
  /* ... and kyso_ltv_collect gives the same */
  {
    kyso_verify_options o;
    kyso_ltv_set *set = NULL;
    kyso_blob anchors[1] = {tl_blob(&root_a)};
    kyso_verify_options_init(&o);
    o.anchors = anchors;
    o.anchor_count = 1;
    o.validation_time = (int64_t)time(NULL);
    CHECK_EQ_INT(kyso_ltv_collect(pdf, len, &o, &set, &err), KYSO_OK);
    CHECK_EQ_INT(kyso_ltv_set_get_signature_count(set), 2);
    if (kyso_ltv_set_get_signature_count(set) == 2) {
      CHECK(memcmp(kyso_ltv_set_get_signature(set, 0)->vri_key, key[0], 20) ==
            0);
      CHECK(memcmp(kyso_ltv_set_get_signature(set, 1)->vri_key, key[1], 20) ==
            0);
    }
    kyso_ltv_set_free(set);
  }

  certs[0] = tl_blob(&sub_a);
  certs[1] = tl_blob(&root_a);
  crls[0] = crl(&sub_a, 0);
  crls[1] = crl(&root_a, 0);
  ocsps[0] = ocsp_good();
  CHECK(ocsps[0].data != NULL);
  {
    static const size_t c01[] = {0, 1}, c0[] = {0}, o0[] = {0};
    kyso_dss_vri vri[2];
    memset(vri, 0, sizeof(vri));
    memcpy(vri[0].key, key[0], 20);
    vri[0].certs = c01;
    vri[0].ncerts = 2;
    vri[0].crls = c01;
    vri[0].ncrls = 2;
    vri[0].ocsps = o0;
    vri[0].nocsps = 1;
    vri[0].time = tu;
    memcpy(vri[1].key, key[1], 20);
    vri[1].certs = c0;
    vri[1].ncerts = 1;
    vri[1].crls = c01;
    vri[1].ncrls = 2;
    CHECK_EQ_INT(kyso_dss_append_vri(pdf, len, certs, 2, crls, 2, ocsps, 1, vri,
                                     2, &u, &ulen, &err),
                 KYSO_OK);
    CHECK(u != NULL);
    if (u)
      append(&pdf, &len, u, ulen);
  }
  CHECK(view_open(&v, pdf, len));
  if (v.dss) {
    kyso_obj *e0 = entry_of(&v, hex[0]), *e1 = entry_of(&v, hex[1]), *tu_obj;
    kyso_error e;
    CHECK_EQ_INT(count_of(&v, v.dss, "Certs"), 2);
    CHECK_EQ_INT(count_of(&v, v.dss, "CRLs"), 2);
    CHECK_EQ_INT(count_of(&v, v.dss, "OCSPs"), 1);
    CHECK(v.vri && v.vri->u.dict.count == 2);
    CHECK(e0 != NULL && e1 != NULL);
    if (e0 && e1) {
      CHECK_EQ_INT(count_of(&v, e0, "Cert"), 2);
      CHECK_EQ_INT(count_of(&v, e0, "CRL"), 2);
      CHECK_EQ_INT(count_of(&v, e0, "OCSP"), 1);
      CHECK(refs_within(&v, e0, "Cert", "Certs"));
      CHECK(refs_within(&v, e0, "CRL", "CRLs"));
      CHECK(refs_within(&v, e0, "OCSP", "OCSPs"));
      CHECK(item_is(&v, e0, "Cert", 1, certs[1]));
      CHECK(item_is(&v, e0, "OCSP", 0, ocsps[0]));
      CHECK_EQ_INT(count_of(&v, e1, "Cert"), 1);
      CHECK(item_is(&v, e1, "Cert", 0, certs[0]));
      CHECK_EQ_INT(count_of(&v, e1, "OCSP"), 0);
      CHECK(refs_within(&v, e1, "CRL", "CRLs"));
      tu_obj = NULL;
      kyso_pdf_dict_get(v.pdf, e0, "TU", &tu_obj, &e);
      CHECK(kyso_obj_is(tu_obj, KYSO_OBJ_STRING) &&
            tu_obj->u.string.len == 17 &&
            memcmp(tu_obj->u.string.data, "D:20251206054640Z", 17) == 0);
      CHECK(kyso_dict_get(e1, "TU") == NULL);
    }
  }
  view_close(&v);

  /* the signatures still verify, with the data now */
  r = verify(pdf, len);
  CHECK(r != NULL);
  if (r) {
    CHECK_EQ_INT(r->count, 2);
    for (i = 0; i < r->count; i++) {
      CHECK_EQ_INT(r->sigs[i].indication, KYSO_INDICATION_TOTAL_PASSED);
      CHECK_EQ_INT(r->sigs[i].checks[KYSO_CHECK_CHANGES].result,
                   KYSO_RESULT_PASSED);
    }
    kyso_report_free(r);
  }
  CHECK_EQ_INT(test_pdf_qpdf_check(pdf, len), 0);
  CHECK_EQ_INT(pdfsig_valid_count(pdf, len), 2);

  /* nothing new: no update */
  {
    static const size_t c0[] = {0}, c1[] = {1};
    kyso_dss_vri again;
    memset(&again, 0, sizeof(again));
    memcpy(again.key, key[1], 20);
    again.certs = c1; /* certs[0] given as 1 this time */
    again.ncerts = 1;
    again.time = tu + 5;
    certs[0] = tl_blob(&root_a);
    certs[1] = tl_blob(&sub_a);
    u = (uint8_t *)1;
    CHECK_EQ_INT(kyso_dss_append_vri(pdf, len, certs, 2, NULL, 0, NULL, 0,
                                     &again, 1, &u, &ulen, &err),
                 KYSO_OK);
    CHECK(u == NULL && ulen == 0);
    (void)c0;
  }

  /* merge: a new CRL for the first signature, the old certificates again
   * (referenced where they are), and the OCSP response for the second (a
   * reference only: no new stream) */
  crl_new = crl(&sub_a, -60);
  {
    static const size_t c01[] = {0, 1}, n0[] = {0}, o0[] = {0};
    kyso_dss_vri vri[2];
    kyso_blob crls2[1] = {crl_new};
    memset(vri, 0, sizeof(vri));
    memcpy(vri[0].key, key[0], 20);
    vri[0].certs = c01;
    vri[0].ncerts = 2;
    vri[0].crls = n0;
    vri[0].ncrls = 1;
    memcpy(vri[1].key, key[1], 20);
    vri[1].certs = c01;
    vri[1].ncerts = 2;
    vri[1].ocsps = o0;
    vri[1].nocsps = 1;
    CHECK_EQ_INT(kyso_dss_append_vri(pdf, len, certs, 2, crls2, 1, ocsps, 1,
                                     vri, 2, &u, &ulen, &err),
                 KYSO_OK);
    CHECK(u != NULL);
    if (u)
      append(&pdf, &len, u, ulen);
  }
  CHECK(view_open(&v, pdf, len));
  if (v.dss) {
    kyso_obj *e0 = entry_of(&v, hex[0]), *e1 = entry_of(&v, hex[1]);
    CHECK_EQ_INT(count_of(&v, v.dss, "Certs"), 2);
    CHECK_EQ_INT(count_of(&v, v.dss, "CRLs"), 3);
    CHECK_EQ_INT(count_of(&v, v.dss, "OCSPs"), 1);
    CHECK(v.vri && v.vri->u.dict.count == 2);
    if (e0 && e1) {
      CHECK_EQ_INT(count_of(&v, e0, "Cert"), 2);
      CHECK_EQ_INT(count_of(&v, e0, "CRL"), 3);
      CHECK(item_is(&v, e0, "CRL", 2, crl_new));
      CHECK_EQ_INT(count_of(&v, e0, "OCSP"), 1);
      CHECK(kyso_dict_get(e0, "TU") != NULL); /* kept */
      CHECK_EQ_INT(count_of(&v, e1, "Cert"), 2);
      CHECK_EQ_INT(count_of(&v, e1, "CRL"), 2);
      CHECK_EQ_INT(count_of(&v, e1, "OCSP"), 1);
      CHECK(refs_within(&v, e0, "Cert", "Certs"));
      CHECK(refs_within(&v, e0, "CRL", "CRLs"));
      CHECK(refs_within(&v, e1, "Cert", "Certs"));
      CHECK(refs_within(&v, e1, "OCSP", "OCSPs"));
    }
  }
  view_close(&v);

  /* an entry under a lower-case key (another writer's) is merged into */
  {
    size_t at, n = 0;
    static const size_t n0[] = {0};
    kyso_dss_vri vri;
    kyso_blob crls3[1];
    char lower[41];
    for (i = 0; i < 41; i++)
      lower[i] = (char)(hex[1][i] >= 'A' && hex[1][i] <= 'F' ? hex[1][i] + 32
                                                             : hex[1][i]);
    for (at = 0; at + 40 <= len; at++)
      if (memcmp(pdf + at, hex[1], 40) == 0) {
        memcpy(pdf + at, lower, 40);
        n++;
      }
    CHECK(n >= 1);
    crls3[0] = crl(&root_a, -120);
    memset(&vri, 0, sizeof(vri));
    memcpy(vri.key, key[1], 20);
    vri.crls = n0;
    vri.ncrls = 1;
    CHECK_EQ_INT(kyso_dss_append_vri(pdf, len, NULL, 0, crls3, 1, NULL, 0, &vri,
                                     1, &u, &ulen, &err),
                 KYSO_OK);
    if (u)
      append(&pdf, &len, u, ulen);
    CHECK(view_open(&v, pdf, len));
    if (v.vri) {
      kyso_obj *e1 = entry_of(&v, lower);
      CHECK_EQ_INT(v.vri->u.dict.count, 2);
      CHECK(entry_of(&v, hex[1]) == NULL || strcmp(hex[1], lower) == 0);
      CHECK(e1 != NULL);
      if (e1) {
        CHECK_EQ_INT(count_of(&v, e1, "CRL"), 3);
        CHECK_EQ_INT(count_of(&v, e1, "Cert"), 2);
      }
    }
    view_close(&v);
    OPENSSL_free((void *)crls3[0].data);
  }
  r = verify(pdf, len);
  CHECK(r != NULL);
  if (r) {
    for (i = 0; i < r->count; i++)
      CHECK_EQ_INT(r->sigs[i].indication, KYSO_INDICATION_TOTAL_PASSED);
    kyso_report_free(r);
  }
  CHECK_EQ_INT(test_pdf_qpdf_check(pdf, len), 0);
  CHECK_EQ_INT(pdfsig_valid_count(pdf, len), 2);

  OPENSSL_free((void *)crl_new.data);
  OPENSSL_free((void *)crls[0].data);
  OPENSSL_free((void *)crls[1].data);
  OPENSSL_free((void *)ocsps[0].data);
  free(pdf);
}

/* A DSS written by another tool: /VRI and its entry indirect objects. */
static void test_indirect_vri(void) {
  static const char key_hex[] = "00112233445566778899AABBCCDDEEFF00112233";
  kyso_buf objs[8];
  const char *text[8];
  uint8_t *pdf, *u = NULL, key[20];
  size_t len = 0, ulen = 0, i;
  kyso_blob certs[1], crls[1];
  kyso_error err;
  kyso_dss_vri vri;
  static const size_t z[] = {0};
  char head[64];
  view v;

  /* 1 catalog, 2 pages, 3 page, 4 DSS, 5 VRI, 6 the entry, 7 a cert */
  text[0] = "<< /Type /Catalog /Pages 2 0 R /DSS 4 0 R >>";
  text[1] = TEST_PDF_PAGES1;
  text[2] = TEST_PDF_PAGE;
  text[3] = "<< /Type /DSS /Certs [7 0 R] /VRI 5 0 R >>";
  text[4] = "<< /00112233445566778899AABBCCDDEEFF00112233 6 0 R >>";
  text[5] = "<< /Cert [7 0 R] >>";
  for (i = 0; i < 6; i++) {
    kyso_buf_init(&objs[i]);
    kyso_buf_append(&objs[i], text[i], strlen(text[i]));
  }
  kyso_buf_init(&objs[6]);
  snprintf(head, sizeof(head), "<< /Length %zu >>\nstream\n", sub_a.len);
  kyso_buf_append(&objs[6], head, strlen(head));
  kyso_buf_append(&objs[6], sub_a.der, sub_a.len);
  kyso_buf_append(&objs[6], "\nendstream", 10);
  pdf = test_pdf_build_bytes(objs, 7, TEST_PDF_ID, NULL, &len);
  for (i = 0; i < 7; i++)
    kyso_buf_free(&objs[i]);

  for (i = 0; i < 20; i++) {
    unsigned x;
    sscanf(key_hex + 2 * i, "%2X", &x);
    key[i] = (uint8_t)x;
  }
  certs[0] = tl_blob(&sub_a);
  crls[0] = crl(&sub_a, 0);
  memset(&vri, 0, sizeof(vri));
  memcpy(vri.key, key, 20);
  vri.certs = z;
  vri.ncerts = 1;
  vri.crls = z;
  vri.ncrls = 1;
  CHECK_EQ_INT(kyso_dss_append_vri(pdf, len, certs, 1, crls, 1, NULL, 0, &vri,
                                   1, &u, &ulen, &err),
               KYSO_OK);
  CHECK(u != NULL);
  if (u) {
    /* the entry (6) and the DSS (4) are written again, the VRI (5) not */
    CHECK(obj_written(u, ulen, "6 0 obj"));
    CHECK(obj_written(u, ulen, "4 0 obj"));
    CHECK(!obj_written(u, ulen, "5 0 obj"));
    append(&pdf, &len, u, ulen);
  }
  CHECK(view_open(&v, pdf, len));
  if (v.vri) {
    kyso_obj *e = entry_of(&v, key_hex);
    CHECK_EQ_INT(count_of(&v, v.dss, "Certs"), 1); /* the cert not again */
    CHECK_EQ_INT(count_of(&v, v.dss, "CRLs"), 1);
    CHECK(e != NULL);
    if (e) {
      CHECK_EQ_INT(count_of(&v, e, "Cert"), 1);
      CHECK_EQ_INT(count_of(&v, e, "CRL"), 1);
      CHECK(refs_within(&v, e, "CRL", "CRLs"));
      CHECK(refs_within(&v, e, "Cert", "Certs"));
    }
  }
  view_close(&v);
  /* a new key, items all present: only the indirect /VRI is written */
  vri.key[0] ^= 0xff;
  vri.ncrls = 0;
  CHECK_EQ_INT(kyso_dss_append_vri(pdf, len, certs, 1, NULL, 0, NULL, 0, &vri,
                                   1, &u, &ulen, &err),
               KYSO_OK);
  CHECK(u != NULL);
  if (u) {
    CHECK(obj_written(u, ulen, "5 0 obj"));
    CHECK(!obj_written(u, ulen, "4 0 obj"));
    CHECK(!memmem_like(u, ulen, "stream"));
    append(&pdf, &len, u, ulen);
  }
  CHECK(view_open(&v, pdf, len));
  if (v.vri) {
    char hex[41];
    kyso_obj *e;
    hex40(vri.key, hex);
    e = entry_of(&v, hex);
    CHECK_EQ_INT(v.vri->u.dict.count, 2);
    CHECK(e != NULL && count_of(&v, e, "Cert") == 1 &&
          refs_within(&v, e, "Cert", "Certs"));
  }
  view_close(&v);
  CHECK_EQ_INT(test_pdf_qpdf_check(pdf, len), 0);
  OPENSSL_free((void *)crls[0].data);
  free(pdf);
}

static void test_refusals(void) {
  size_t len = 0, ulen = 0;
  uint8_t *pdf = test_pdf_minimal(&len), *u = NULL;
  kyso_blob certs[1] = {tl_blob(&sub_a)};
  kyso_error err;
  kyso_dss_vri vri[2];
  static const size_t one[] = {1}, zero[] = {0};

  memset(vri, 0, sizeof(vri));
  vri[0].certs = one; /* only certs[0] exists */
  vri[0].ncerts = 1;
  CHECK_EQ_INT(kyso_dss_append_vri(pdf, len, certs, 1, NULL, 0, NULL, 0, vri, 1,
                                   &u, &ulen, &err),
               KYSO_ERR_ARGUMENT);
  CHECK(strstr(err.message, "out of range") != NULL);
  CHECK(u == NULL);
  vri[0].certs = NULL; /* a count without a list */
  CHECK_EQ_INT(kyso_dss_append_vri(pdf, len, certs, 1, NULL, 0, NULL, 0, vri, 1,
                                   &u, &ulen, &err),
               KYSO_ERR_ARGUMENT);
  vri[0].certs = zero;
  vri[1] = vri[0]; /* the same key twice */
  CHECK_EQ_INT(kyso_dss_append_vri(pdf, len, certs, 1, NULL, 0, NULL, 0, vri, 2,
                                   &u, &ulen, &err),
               KYSO_ERR_ARGUMENT);
  CHECK(strstr(err.message, "same key") != NULL);
  vri[1].key[0] = 1;
  vri[1].crls = zero; /* no CRLs given */
  vri[1].ncrls = 1;
  CHECK_EQ_INT(kyso_dss_append_vri(pdf, len, certs, 1, NULL, 0, NULL, 0, vri, 2,
                                   &u, &ulen, &err),
               KYSO_ERR_ARGUMENT);
  vri[1].ncrls = 0;
  vri[1].time = -5;
  CHECK_EQ_INT(kyso_dss_append_vri(pdf, len, certs, 1, NULL, 0, NULL, 0, vri, 2,
                                   &u, &ulen, &err),
               KYSO_ERR_ARGUMENT);
  vri[1].time = 0;
  CHECK_EQ_INT(kyso_dss_append_vri(pdf, len, certs, 1, NULL, 0, NULL, 0, vri,
                                   KYSO_DSS_ITEMS_MAX + 1, &u, &ulen, &err),
               KYSO_ERR_LIMIT);
  CHECK_EQ_INT(kyso_dss_append_vri(pdf, len, certs, 1, NULL, 0, NULL, 0, NULL,
                                   1, &u, &ulen, &err),
               KYSO_ERR_ARGUMENT);
  /* a VRI entry alone (no items) on a document without a DSS */
  vri[0].ncerts = 0;
  CHECK_EQ_INT(kyso_dss_append_vri(pdf, len, NULL, 0, NULL, 0, NULL, 0, vri, 1,
                                   &u, &ulen, &err),
               KYSO_OK);
  CHECK(u != NULL);
  free(u);
  u = NULL;
  /* kyso_dss_append writes no /VRI */
  CHECK_EQ_INT(
      kyso_dss_append(pdf, len, certs, 1, NULL, 0, NULL, 0, &u, &ulen, &err),
      KYSO_OK);
  CHECK(u != NULL && !memmem_like(u, ulen, "/VRI"));
  free(u);
  free(pdf);
}

/* An encrypted document (qpdf, AES-256, empty user password): the /TU
 * date is a string and is written encrypted; qpdf and kyso read it. */
static void test_encrypted(void) {
  size_t l0 = 0, len = 0, ulen = 0;
  uint8_t *plain = test_pdf_minimal(&l0), *pdf = NULL, *u = NULL;
  kyso_blob certs[1] = {tl_blob(&sub_a)};
  kyso_dss_vri vri;
  static const size_t z[] = {0};
  kyso_error err;
  view v;

  CHECK(tl_write_file("plain.pdf", plain, l0));
  CHECK_EQ_INT(tl_run("cd '%s' && qpdf --encrypt '' owner 256 -- plain.pdf "
                      "enc.pdf",
                      tl_workdir()),
               0);
  pdf = tl_read_file("enc.pdf", &len);
  CHECK(pdf != NULL);
  if (!pdf)
    goto done;
  CHECK(tl_sign_pdf(&pdf, &len, "Signature1", &leaf, NULL, 0, NULL, NULL, 0));
  memset(&vri, 0, sizeof(vri));
  vri.key[0] = 0xAB;
  vri.certs = z;
  vri.ncerts = 1;
  vri.time = 1765000000;
  CHECK_EQ_INT(kyso_dss_append_vri(pdf, len, certs, 1, NULL, 0, NULL, 0, &vri,
                                   1, &u, &ulen, &err),
               KYSO_OK);
  if (u) {
    CHECK(!memmem_like(u, ulen, "D:2025"));
    append(&pdf, &len, u, ulen);
  }
  CHECK_EQ_INT(test_pdf_qpdf_check(pdf, len), 0);
  CHECK(view_open(&v, pdf, len));
  if (v.vri) {
    char hex[41];
    kyso_obj *e, *tu = NULL;
    hex40(vri.key, hex);
    e = entry_of(&v, hex);
    CHECK(e != NULL);
    if (e) {
      CHECK_EQ_INT(count_of(&v, e, "Cert"), 1);
      kyso_pdf_dict_get(v.pdf, e, "TU", &tu, &err);
      CHECK(kyso_obj_is(tu, KYSO_OBJ_STRING) && tu->u.string.len == 17 &&
            memcmp(tu->u.string.data, "D:20251206054640Z", 17) == 0);
    }
  }
  view_close(&v);
  {
    kyso_report *r = verify(pdf, len);
    CHECK(r != NULL && r->count == 1 &&
          r->sigs[0].checks[KYSO_CHECK_INTEGRITY].result ==
              KYSO_RESULT_PASSED &&
          r->sigs[0].checks[KYSO_CHECK_CHANGES].result == KYSO_RESULT_PASSED);
    kyso_report_free(r);
  }
done:
  free(plain);
  free(pdf);
}

int main(void) {
  if (!make_pki()) {
    fprintf(stderr, "cannot build the test PKI\n");
    return 1;
  }
  test_vri_written_and_merged();
  test_indirect_vri();
  test_refusals();
  test_encrypted();
  if (!getenv("KYSO_TEST_KEEP"))
    tl_run("rm -rf '%s'", tl_workdir());
  tl_cert_free(&root_a);
  tl_cert_free(&sub_a);
  tl_cert_free(&leaf);
  return check_summary();
}
