/*
 * test_ltv_collect.c - kyso_ltv_collect: what a signed PDF needs for
 * long-term validation.
 *
 * A document signed under a three-level chain (root A > sub-CA A > signer)
 * with a signature timestamp from a TSA under a separate chain (root T >
 * sub-CA T > TSA; tokens made by `openssl ts -reply`), then given a
 * document timestamp by the same TSA. The set must list exactly the signer,
 * sub-CA A, the TSA and sub-CA T, signer first, each with its issuer, the
 * in-document flags and the signatures whose paths hold it; the roots
 * (anchors) never. has_revocation turns to 1 once the DSS holds a good CRL
 * for the certificate (kyso_dss_append), stays 0 for a CRL that revokes
 * it and for data given only as extra_crls. /VRI keys are compared with
 * `openssl dgst -sha1` of the /Contents bytes (a signature: the whole
 * string; a document timestamp: the token). A missing intermediate leaves
 * the issuer empty until the DSS or the options supply it; a sub-CA
 * trusted directly is listed with no issuer; a broken CMS adds nothing.
 */
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "kyso/dss.h"
#include "kyso/ltv.h"
#include "kyso/verify.h"
#include "test_ltv_pki.h"
#include "test_pdf.h"

static tl_cert root_a, sub_a, leaf, root_t, sub_t, tsa;

static int make_pki(void) {
  return tl_cert_new(&root_a, TL_ROOT, "Root A", 1, NULL) &&
         tl_cert_new(&sub_a, TL_CA, "Sub CA A", 2, &root_a) &&
         tl_cert_new(&leaf, TL_LEAF, "Nguyen Van A", 3, &sub_a) &&
         tl_cert_new(&root_t, TL_ROOT, "TSA Root", 10, NULL) &&
         tl_cert_new(&sub_t, TL_CA, "TSA Sub CA", 11, &root_t) &&
         tl_cert_new(&tsa, TL_TSA, "Test TSA", 12, &sub_t);
}

static int same(kyso_blob b, const tl_cert *c) {
  return c ? b.len == c->len && memcmp(b.data, c->der, c->len) == 0
           : b.len == 0 && b.data == NULL;
}

typedef struct collect_opts {
  const tl_cert *anchors[2];
  size_t nanchors;
  const tl_cert *intermediate; /* NULL: none */
  kyso_blob extra_crl;         /* len 0: none */
} collect_opts;

static kyso_ltv_set *collect(const uint8_t *pdf, size_t len,
                             const collect_opts *co) {
  kyso_verify_options o;
  kyso_blob anchors[2], inter[1];
  kyso_ltv_set *set = NULL;
  kyso_error err;
  size_t i;
  kyso_verify_options_init(&o);
  for (i = 0; i < co->nanchors; i++)
    anchors[i] = tl_blob(co->anchors[i]);
  o.anchors = anchors;
  o.anchor_count = co->nanchors;
  if (co->intermediate) {
    inter[0] = tl_blob(co->intermediate);
    o.intermediates = inter;
    o.intermediate_count = 1;
  }
  if (co->extra_crl.len) {
    o.extra_crls = &co->extra_crl;
    o.extra_crl_count = 1;
  }
  o.validation_time = (int64_t)time(NULL) + 60;
  if (kyso_ltv_collect(pdf, len, &o, &set, &err) != KYSO_OK) {
    fprintf(stderr, "collect: %s\n", err.message);
    return NULL;
  }
  return set;
}

static const collect_opts both_roots = {{&root_a, &root_t}, 2, NULL, {0, 0}};

/* The need for c, or NULL. */
static const kyso_ltv_need *need_of(const kyso_ltv_set *s, const tl_cert *c) {
  size_t i;
  for (i = 0; i < kyso_ltv_set_get_need_count(s); i++)
    if (same(kyso_ltv_set_get_need(s, i)->cert, c))
      return kyso_ltv_set_get_need(s, i);
  return NULL;
}

/* Checks one need: issuer (NULL: none), flags, signature bits. */
static void expect_need(const char *label, const kyso_ltv_set *s,
                        const tl_cert *c, const tl_cert *issuer, int cert_in,
                        int issuer_in, int has_rev, uint64_t sigs) {
  const kyso_ltv_need *n = need_of(s, c);
  CHECK(n != NULL);
  if (!n) {
    fprintf(stderr, "%s: not listed\n", label);
    return;
  }
  CHECK(same(n->issuer, issuer));
  CHECK_EQ_INT(n->cert_in_document, cert_in);
  CHECK_EQ_INT(n->issuer_in_document, issuer_in);
  CHECK_EQ_INT(n->has_revocation, has_rev);
  CHECK_EQ_INT(n->signatures, sigs);
  if (!same(n->issuer, issuer) || n->cert_in_document != cert_in ||
      n->issuer_in_document != issuer_in || n->has_revocation != has_rev ||
      n->signatures != sigs)
    fprintf(stderr, "%s: issuer %s, in %d/%d, rev %d, sigs %llx\n", label,
            n->issuer.len ? "set" : "none", n->cert_in_document,
            n->issuer_in_document, n->has_revocation,
            (unsigned long long)n->signatures);
}

static void append_dss(uint8_t **pdf, size_t *len, const kyso_blob *certs,
                       size_t ncerts, const kyso_blob *crls, size_t ncrls) {
  uint8_t *u = NULL, *p;
  size_t ulen = 0;
  kyso_error err;
  CHECK_EQ_INT(kyso_dss_append(*pdf, *len, certs, ncerts, crls, ncrls, NULL, 0,
                               &u, &ulen, &err),
               KYSO_OK);
  CHECK(u != NULL);
  if (!u)
    return;
  p = test_pdf_concat(*pdf, *len, u, ulen, len);
  free(*pdf);
  free(u);
  *pdf = p;
}

static kyso_blob crl_blob(const tl_cert *issuer, const uint64_t *revoked,
                          size_t n) {
  int64_t now = (int64_t)time(NULL);
  kyso_blob b;
  b.data = tl_crl_new(issuer, now - 3600, now + 86400, revoked, n, &b.len);
  return b;
}

/* The /VRI key of signature n computed outside kyso: openssl dgst -sha1 of
 * the whole /Contents string. */
static int vri_by_openssl(const uint8_t *pdf, size_t len, size_t n,
                          uint8_t out[20]) {
  size_t clen = 0;
  uint8_t *c = tl_contents_of(pdf, len, n, &clen);
  int ok = c && tl_write_file("contents.bin", c, clen) &&
           tl_openssl_sha1("contents.bin", out);
  free(c);
  return ok;
}

/* ---- signature + signature timestamp + document timestamp --------------- */

static void test_full(void) {
  size_t len = 0, tlen = 0, i;
  uint8_t *pdf = test_pdf_minimal(&len), *token = NULL, want[20];
  const tl_cert *achain[] = {&sub_a}, *tchain[] = {&sub_t};
  kyso_ltv_set *s;
  kyso_blob crl_sub_a, crl_root_a, crl_sub_t, crl_root_t, crl_revoked;
  uint64_t leaf_serial = 3;

  CHECK(
      tl_sign_pdf(&pdf, &len, "Signature1", &leaf, achain, 1, &tsa, tchain, 1));
  /* B-T: the TSA's certificates are in the document through the token */
  s = collect(pdf, len, &both_roots);
  CHECK(s != NULL);
  if (s) {
    CHECK_EQ_INT(kyso_ltv_set_get_need_count(s), 4);
    CHECK_EQ_INT(kyso_ltv_set_get_signature_count(s), 1);
    expect_need("B-T signer", s, &leaf, &sub_a, 1, 1, 0, 1);
    expect_need("B-T TSA", s, &tsa, &sub_t, 1, 1, 0, 1);
    expect_need("B-T sub-CA T", s, &sub_t, &root_t, 1, 0, 0, 1);
  }
  kyso_ltv_set_free(s);
  CHECK(tl_doc_timestamp(&pdf, &len, &tsa, tchain, 1, &token, &tlen));
  s = collect(pdf, len, &both_roots);
  CHECK(s != NULL);
  if (!s)
    goto done;
  CHECK_EQ_INT(kyso_ltv_set_get_need_count(s), 4);
  /* path order, signer first */
  if (kyso_ltv_set_get_need_count(s) == 4) {
    CHECK(same(kyso_ltv_set_get_need(s, 0)->cert, &leaf));
    CHECK(same(kyso_ltv_set_get_need(s, 1)->cert, &sub_a));
    CHECK(same(kyso_ltv_set_get_need(s, 2)->cert, &tsa));
    CHECK(same(kyso_ltv_set_get_need(s, 3)->cert, &sub_t));
  }
  CHECK(kyso_ltv_set_get_need(s, 4) == NULL);
  CHECK(need_of(s, &root_a) == NULL && need_of(s, &root_t) == NULL);
  expect_need("signer", s, &leaf, &sub_a, 1, 1, 0, 1);
  expect_need("sub-CA A", s, &sub_a, &root_a, 1, 0, 0, 1);
  expect_need("TSA", s, &tsa, &sub_t, 1, 1, 0, 3);
  expect_need("sub-CA T", s, &sub_t, &root_t, 1, 0, 0, 3);
  /* the signatures, in the report's order, with their /VRI keys */
  CHECK_EQ_INT(kyso_ltv_set_get_signature_count(s), 2);
  if (kyso_ltv_set_get_signature_count(s) == 2) {
    const kyso_ltv_signature *a = kyso_ltv_set_get_signature(s, 0);
    const kyso_ltv_signature *b = kyso_ltv_set_get_signature(s, 1);
    int64_t now = (int64_t)time(NULL);
    CHECK_EQ_INT(a->doc_timestamp, 0);
    CHECK_EQ_INT(b->doc_timestamp, 1);
    /* both from tokens: genTime, after the claimed time (now - 120) */
    CHECK(a->signing_time > now - 100 && a->signing_time <= now + 5);
    CHECK(b->signing_time >= a->signing_time && b->signing_time <= now + 5);
    CHECK(vri_by_openssl(pdf, len, 0, want));
    CHECK(memcmp(a->vri_key, want, 20) == 0);
    /* a document timestamp's: the token alone, not the padded string */
    CHECK(tl_write_file("token.bin", token, tlen) &&
          tl_openssl_sha1("token.bin", want));
    CHECK(memcmp(b->vri_key, want, 20) == 0);
    CHECK(vri_by_openssl(pdf, len, 1, want));
    CHECK(memcmp(b->vri_key, want, 20) != 0);
  }
  CHECK(kyso_ltv_set_get_signature(s, 2) == NULL);
  kyso_ltv_set_free(s);

  /* data given from outside is not the document's */
  crl_sub_a = crl_blob(&sub_a, NULL, 0);
  {
    collect_opts co = both_roots;
    co.extra_crl = crl_sub_a;
    s = collect(pdf, len, &co);
    CHECK(s != NULL);
    if (s)
      expect_need("signer, CRL supplied", s, &leaf, &sub_a, 1, 1, 0, 1);
    kyso_ltv_set_free(s);
  }

  /* a CRL that revokes the signer is data, not GOOD data */
  {
    size_t l2 = len;
    uint8_t *copy = malloc(len);
    memcpy(copy, pdf, len);
    crl_revoked = crl_blob(&sub_a, &leaf_serial, 1);
    append_dss(&copy, &l2, NULL, 0, &crl_revoked, 1);
    s = collect(copy, l2, &both_roots);
    CHECK(s != NULL);
    if (s)
      expect_need("signer, revoked", s, &leaf, &sub_a, 1, 1, 0, 1);
    kyso_ltv_set_free(s);
    free(copy);
    OPENSSL_free((void *)crl_revoked.data);
  }

  /* the sub-CA's CRL in the DSS: the signer is covered, nothing else */
  append_dss(&pdf, &len, NULL, 0, &crl_sub_a, 1);
  s = collect(pdf, len, &both_roots);
  CHECK(s != NULL);
  if (s) {
    CHECK_EQ_INT(kyso_ltv_set_get_need_count(s), 4);
    expect_need("signer, CRL in DSS", s, &leaf, &sub_a, 1, 1, 1, 1);
    expect_need("sub-CA A, CRL in DSS", s, &sub_a, &root_a, 1, 0, 0, 1);
    expect_need("TSA, CRL in DSS", s, &tsa, &sub_t, 1, 1, 0, 3);
    CHECK_EQ_INT(kyso_ltv_set_get_signature_count(s), 2);
  }
  kyso_ltv_set_free(s);

  /* every CRL: everything covered */
  {
    kyso_blob crls[3], certs[2];
    crl_root_a = crl_blob(&root_a, NULL, 0);
    crl_sub_t = crl_blob(&sub_t, NULL, 0);
    crl_root_t = crl_blob(&root_t, NULL, 0);
    crls[0] = crl_root_a;
    crls[1] = crl_sub_t;
    crls[2] = crl_root_t;
    certs[0] = tl_blob(&root_a);
    certs[1] = tl_blob(&root_t);
    append_dss(&pdf, &len, certs, 2, crls, 3);
    s = collect(pdf, len, &both_roots);
    CHECK(s != NULL);
    if (s) {
      CHECK_EQ_INT(kyso_ltv_set_get_need_count(s), 4);
      for (i = 0; i < kyso_ltv_set_get_need_count(s); i++)
        CHECK_EQ_INT(kyso_ltv_set_get_need(s, i)->has_revocation, 1);
      /* the roots are in the DSS now: issuers in the document */
      expect_need("sub-CA A, all", s, &sub_a, &root_a, 1, 1, 1, 1);
      expect_need("sub-CA T, all", s, &sub_t, &root_t, 1, 1, 1, 3);
    }
    kyso_ltv_set_free(s);
    OPENSSL_free((void *)crl_root_a.data);
    OPENSSL_free((void *)crl_sub_t.data);
    OPENSSL_free((void *)crl_root_t.data);
  }
  OPENSSL_free((void *)crl_sub_a.data);
done:
  free(token);
  free(pdf);
}

/* ---- issuers the verifier does not know --------------------------------- */

static void test_missing_intermediate(void) {
  size_t len = 0;
  uint8_t *pdf = test_pdf_minimal(&len);
  kyso_ltv_set *s;
  kyso_blob certs[1];

  /* the CMS holds the signer only (as VGCA tools write) */
  CHECK(tl_sign_pdf(&pdf, &len, "Signature1", &leaf, NULL, 0, NULL, NULL, 0));
  s = collect(pdf, len, &both_roots);
  CHECK(s != NULL);
  if (s) {
    CHECK_EQ_INT(kyso_ltv_set_get_need_count(s), 1);
    expect_need("leaf alone", s, &leaf, NULL, 1, 0, 0, 1);
  }
  kyso_ltv_set_free(s);
  /* the sub-CA among the options' intermediates: found, not in the file */
  {
    collect_opts co = both_roots;
    co.intermediate = &sub_a;
    s = collect(pdf, len, &co);
    CHECK(s != NULL);
    if (s) {
      CHECK_EQ_INT(kyso_ltv_set_get_need_count(s), 2);
      expect_need("leaf, intermediate given", s, &leaf, &sub_a, 1, 0, 0, 1);
      expect_need("sub-CA given", s, &sub_a, &root_a, 0, 0, 0, 1);
    }
    kyso_ltv_set_free(s);
  }
  /* a sub-CA trusted directly: listed, its issuer unknown */
  {
    collect_opts co = {{&sub_a, NULL}, 1, NULL, {0, 0}};
    s = collect(pdf, len, &co);
    CHECK(s != NULL);
    if (s) {
      CHECK_EQ_INT(kyso_ltv_set_get_need_count(s), 2);
      expect_need("leaf under trusted sub-CA", s, &leaf, &sub_a, 1, 0, 0, 1);
      expect_need("trusted sub-CA", s, &sub_a, NULL, 0, 0, 0, 1);
    }
    kyso_ltv_set_free(s);
  }
  /* the sub-CA added to the DSS (what --ltv does after caIssuers) */
  certs[0] = tl_blob(&sub_a);
  append_dss(&pdf, &len, certs, 1, NULL, 0);
  s = collect(pdf, len, &both_roots);
  CHECK(s != NULL);
  if (s) {
    CHECK_EQ_INT(kyso_ltv_set_get_need_count(s), 2);
    expect_need("leaf, sub-CA in DSS", s, &leaf, &sub_a, 1, 1, 0, 1);
    expect_need("sub-CA in DSS", s, &sub_a, &root_a, 1, 0, 0, 1);
    /* the path reaches root_a, an anchor: its URLs may be used */
    CHECK(need_of(s, &leaf) && need_of(s, &leaf)->path_trusted == 1);
    CHECK(need_of(s, &sub_a) && need_of(s, &sub_a)->path_trusted == 1);
  }
  kyso_ltv_set_free(s);
  /* no anchors at all: the path stops at the untrusted root, which is not
   * listed (self-signed) */
  {
    collect_opts co = {{NULL, NULL}, 0, NULL, {0, 0}};
    s = collect(pdf, len, &co);
    CHECK(s != NULL);
    if (s) {
      CHECK(need_of(s, &root_a) == NULL);
      expect_need("leaf, no anchors", s, &leaf, &sub_a, 1, 1, 0, 1);
      /* someone else's root: nothing on the path may be fetched for */
      CHECK(need_of(s, &leaf) && need_of(s, &leaf)->path_trusted == 0);
      CHECK(need_of(s, &sub_a) && need_of(s, &sub_a)->path_trusted == 0);
    }
    kyso_ltv_set_free(s);
  }
  free(pdf);
}

/* ---- two signatures sharing a chain; a broken one ----------------------- */

static void test_two_signers_and_broken(void) {
  size_t len = 0, i;
  uint8_t *pdf = test_pdf_minimal(&len);
  const tl_cert *achain[] = {&sub_a};
  kyso_ltv_set *s;
  int64_t br[4][4];
  size_t count = 0;
  kyso_error err;

  CHECK(tl_sign_pdf(&pdf, &len, "First", &leaf, achain, 1, NULL, NULL, 0));
  CHECK(tl_sign_pdf(&pdf, &len, "Second", &leaf, achain, 1, NULL, NULL, 0));
  s = collect(pdf, len, &both_roots);
  CHECK(s != NULL);
  if (s) {
    CHECK_EQ_INT(kyso_ltv_set_get_need_count(s), 2);
    CHECK_EQ_INT(kyso_ltv_set_get_signature_count(s), 2);
    expect_need("shared signer", s, &leaf, &sub_a, 1, 1, 0, 3);
    expect_need("shared sub-CA", s, &sub_a, &root_a, 1, 0, 0, 3);
    CHECK(memcmp(kyso_ltv_set_get_signature(s, 0)->vri_key,
                 kyso_ltv_set_get_signature(s, 1)->vri_key, 20) != 0);
  }
  kyso_ltv_set_free(s);
  /* a damaged cross-reference (the last startxref points nowhere): the
   * verifier reads the file again by a scan, and so does collect */
  {
    uint8_t *copy = malloc(len);
    size_t at = 0;
    memcpy(copy, pdf, len);
    for (i = 0; i + 10 < len; i++)
      if (memcmp(copy + i, "startxref\n", 10) == 0)
        at = i + 10;
    CHECK(at > 0);
    for (i = at; i < len && copy[i] >= '0' && copy[i] <= '9'; i++)
      copy[i] = '9';
    {
      /* (it is the repaired reading: the verifier says so) */
      kyso_verify_options o;
      kyso_report *r = NULL;
      kyso_verify_options_init(&o);
      o.validation_time = (int64_t)time(NULL);
      CHECK_EQ_INT(kyso_verify(copy, len, &o, &r, &err), KYSO_OK);
      if (r) {
        CHECK(strstr(kyso_report_get_json(r, NULL), "xref_damaged") != NULL);
        kyso_report_free(r);
      }
    }
    s = collect(copy, len, &both_roots);
    CHECK(s != NULL);
    if (s) {
      CHECK_EQ_INT(kyso_ltv_set_get_signature_count(s), 2);
      CHECK_EQ_INT(kyso_ltv_set_get_need_count(s), 2);
      expect_need("repaired", s, &leaf, &sub_a, 1, 1, 0, 3);
    }
    kyso_ltv_set_free(s);
    free(copy);
  }
  /* the second CMS broken (its first bytes): it adds nothing */
  CHECK_EQ_INT(kyso_verify_list_byte_ranges(pdf, len, br, 4, &count, &err),
               KYSO_OK);
  CHECK_EQ_INT(count, 2);
  if (count == 2) {
    for (i = 1; i < 9; i++)
      pdf[br[1][1] + i] = 'f';
    s = collect(pdf, len, &both_roots);
    CHECK(s != NULL);
    if (s) {
      CHECK_EQ_INT(kyso_ltv_set_get_signature_count(s), 2);
      CHECK_EQ_INT(kyso_ltv_set_get_need_count(s), 2);
      expect_need("first signer only", s, &leaf, &sub_a, 1, 1, 0, 1);
    }
    kyso_ltv_set_free(s);
  }
  /* an unsigned document: nothing needed; not a PDF: an error */
  {
    size_t l0 = 0;
    uint8_t *plain = test_pdf_minimal(&l0);
    kyso_verify_options o;
    s = collect(plain, l0, &both_roots);
    CHECK(s != NULL);
    CHECK_EQ_INT(kyso_ltv_set_get_need_count(s), 0);
    CHECK_EQ_INT(kyso_ltv_set_get_signature_count(s), 0);
    kyso_ltv_set_free(s);
    s = NULL;
    kyso_verify_options_init(&o);
    CHECK(kyso_ltv_collect((const uint8_t *)"%PDF-1.7 junk", 13, &o, &s,
                           &err) != KYSO_OK);
    CHECK(s == NULL);
    CHECK_EQ_INT(kyso_ltv_collect(plain, l0, NULL, &s, &err),
                 KYSO_ERR_ARGUMENT);
    free(plain);
  }
  CHECK_EQ_INT(kyso_ltv_set_get_need_count(NULL), 0);
  CHECK(kyso_ltv_set_get_need(NULL, 0) == NULL);
  kyso_ltv_set_free(NULL);
  free(pdf);
}

/* ---- a look-alike of an anchor (second red-team round, R2-2) ----------- */

/* A leaf naming root_a as its issuer, with root_a's key identifier, but
 * signed by another key: OpenSSL builds leaf > root_a and fails on the
 * signature. The path does not reach an anchor: nothing of it may be
 * fetched for (its URLs are the forger's). */
static void test_forged_anchor_link(void) {
  tl_cert forged = {0};
  AUTHORITY_KEYID *akid = AUTHORITY_KEYID_new();
  X509_NAME *name = X509_NAME_new();
  const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(root_a.x);
  unsigned char *p;
  size_t len = 0;
  uint8_t *pdf = test_pdf_minimal(&len);
  kyso_ltv_set *s;
  collect_opts co = {{&root_a, NULL}, 1, NULL, {0, 0}};
  int der_len;

  forged.x = X509_new();
  forged.key = leaf.key;
  CHECK(forged.x && akid && name && ski);
  akid->keyid = ASN1_OCTET_STRING_dup(ski);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             (const unsigned char *)"Forged official", -1, -1,
                             0);
  X509_set_version(forged.x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(forged.x), 4242);
  X509_set_subject_name(forged.x, name);
  X509_set_issuer_name(forged.x, X509_get_subject_name(root_a.x));
  X509_time_adj_ex(X509_getm_notBefore(forged.x), -30, 0, NULL);
  X509_time_adj_ex(X509_getm_notAfter(forged.x), 365, 0, NULL);
  X509_set_pubkey(forged.x, leaf.key);
  CHECK(X509_add1_ext_i2d(forged.x, NID_authority_key_identifier, akid, 0, 0) ==
        1);
  CHECK(X509_sign(forged.x, tsa.key, EVP_sha256()) > 0);
  der_len = i2d_X509(forged.x, NULL);
  forged.der = malloc(der_len > 0 ? (size_t)der_len : 1);
  CHECK(der_len > 0 && forged.der);
  p = forged.der;
  forged.len = (size_t)i2d_X509(forged.x, &p);
  CHECK(tl_sign_pdf(&pdf, &len, "Signature1", &forged, NULL, 0, NULL, NULL, 0));
  s = collect(pdf, len, &co);
  CHECK(s != NULL);
  if (s) {
    CHECK(need_of(s, &forged) != NULL);
    CHECK(need_of(s, &forged) && need_of(s, &forged)->path_trusted == 0);
  }
  kyso_ltv_set_free(s);
  AUTHORITY_KEYID_free(akid);
  X509_NAME_free(name);
  X509_free(forged.x);
  free(forged.der);
  free(pdf);
}

int main(void) {
  if (!make_pki()) {
    fprintf(stderr, "cannot build the test PKI\n");
    return 1;
  }
  test_full();
  test_missing_intermediate();
  test_two_signers_and_broken();
  test_forged_anchor_link();
  if (!getenv("KYSO_TEST_KEEP"))
    tl_run("rm -rf '%s'", tl_workdir());
  tl_cert_free(&root_a);
  tl_cert_free(&sub_a);
  tl_cert_free(&leaf);
  tl_cert_free(&root_t);
  tl_cert_free(&sub_t);
  tl_cert_free(&tsa);
  return check_summary();
}
