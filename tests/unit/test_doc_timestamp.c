/*
 * test_doc_timestamp.c - document timestamps (kyso_doc_timestamp_*, PAdES
 * B-LTA) written through the signing session.
 *
 * A document signed by a two-level chain gets a document timestamp whose
 * token comes from `openssl ts -reply` (a TSA certificate with the critical
 * timeStamping EKU under its own two-level chain). kyso_verify must find it
 * valid (TIMESTAMP passed, genTime the token's) and the first signature's
 * CHANGES allowed ("timestamp_added"); with CRLs in the DSS every verdict
 * is TOTAL_PASSED. pdfsig and qpdf --check read the result. Tokens over
 * another digest, with another algorithm, not DER, or larger than the
 * reserve are refused and leave the session unfinished; the session kinds
 * do not mix. After a DocMDP P=1 certification a document timestamp is
 * still allowed (ISO 32000-2 Table 257) and the verifier does not count it
 * (nor the DSS) as a modification: the certification stays TOTAL_PASSED.
 * Encrypted documents (qpdf, AES-256) take one; their /P is honoured.
 */
#define _POSIX_C_SOURCE 200809L /* popen */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "check.h"
#include "kyso/dss.h"
#include "kyso/sign.h"
#include "kyso/verify.h"
#include "test_ltv_pki.h"
#include "test_pdf.h"
#include "test_pki.h"
#include "verify/verify_internal.h"

static tl_cert root_a, leaf, root_t, sub_t, tsa;

static int make_pki(void) {
  return tl_cert_new(&root_a, TL_ROOT, "Root A", 1, NULL) &&
         tl_cert_new(&leaf, TL_LEAF, "Nguyen Van A", 2, &root_a) &&
         tl_cert_new(&root_t, TL_ROOT, "TSA Root", 10, NULL) &&
         tl_cert_new(&sub_t, TL_CA, "TSA Sub CA", 11, &root_t) &&
         tl_cert_new(&tsa, TL_TSA, "Test TSA", 12, &sub_t);
}

static kyso_report *verify(const uint8_t *pdf, size_t len) {
  kyso_verify_options o;
  kyso_blob anchors[2];
  kyso_report *r = NULL;
  kyso_error err;
  kyso_verify_options_init(&o);
  anchors[0] = tl_blob(&root_a);
  anchors[1] = tl_blob(&root_t);
  o.anchors = anchors;
  o.anchor_count = 2;
  o.validation_time = (int64_t)time(NULL) + 60;
  if (kyso_verify(pdf, len, &o, &r, &err) != KYSO_OK) {
    fprintf(stderr, "verify: %s\n", err.message);
    return NULL;
  }
  return r;
}

static int has_change(const kyso_sig_report *s, const char *kind, int allowed) {
  size_t i;
  for (i = 0; i < s->change_count; i++)
    if (strcmp(s->changes[i].kind, kind) == 0 &&
        s->changes[i].allowed == allowed)
      return 1;
  return 0;
}

static int contains(const uint8_t *p, size_t len, const char *needle) {
  size_t n = strlen(needle), i;
  for (i = 0; i + n <= len; i++)
    if (memcmp(p + i, needle, n) == 0)
      return 1;
  return 0;
}

static void dump_checks(const kyso_sig_report *s) {
  int c;
  for (c = 0; c < KYSO_CHECK_COUNT; c++)
    if (s->checks[c].result != KYSO_RESULT_PASSED)
      fprintf(stderr, "  %s: %s %s\n", kyso_check_names[c],
              s->checks[c].reason ? s->checks[c].reason : "-",
              s->checks[c].detail ? s->checks[c].detail : "");
}

/* Appends an update (free()d here) to *data. */
static void append(uint8_t **data, size_t *len, uint8_t *u, size_t ulen) {
  uint8_t *p = test_pdf_concat(*data, *len, u, ulen, len);
  free(*data);
  free(u);
  *data = p;
}

/* The DSS with the CRLs that make every certificate below an anchor GOOD
 * (root A for the signer, the TSA sub-CA for the TSA, root T for it). */
static void add_crls(uint8_t **data, size_t *len) {
  int64_t now = (int64_t)time(NULL);
  size_t l[3];
  uint8_t *c[3], *u = NULL;
  size_t ulen = 0;
  kyso_blob crls[3], certs[1];
  kyso_error err;
  int i;
  c[0] = tl_crl_new(&root_a, now - 3600, now + 86400, NULL, 0, &l[0]);
  c[1] = tl_crl_new(&sub_t, now - 3600, now + 86400, NULL, 0, &l[1]);
  c[2] = tl_crl_new(&root_t, now - 3600, now + 86400, NULL, 0, &l[2]);
  for (i = 0; i < 3; i++) {
    crls[i].data = c[i];
    crls[i].len = l[i];
  }
  certs[0] = tl_blob(&sub_t);
  CHECK_EQ_INT(
      kyso_dss_append(*data, *len, certs, 1, crls, 3, NULL, 0, &u, &ulen, &err),
      KYSO_OK);
  CHECK(u != NULL);
  if (u)
    append(data, len, u, ulen);
  for (i = 0; i < 3; i++)
    OPENSSL_free(c[i]);
}

static int pdfsig_says(const uint8_t *pdf, size_t len, const char *needle,
                       int *count) {
  char cmd[600], line[512];
  FILE *p;
  int rc;
  *count = 0;
  if (!tl_write_file("pdfsig.pdf", pdf, len))
    return -1;
  snprintf(cmd, sizeof(cmd), "pdfsig '%s/pdfsig.pdf' 2>&1", tl_workdir());
  p = popen(cmd, "r");
  if (!p)
    return -1;
  while (fgets(line, sizeof(line), p)) {
    if (strstr(line, needle))
      (*count)++;
  }
  rc = pclose(p);
  return rc;
}

/* `openssl ts -verify` of the n-th signature's token against the bytes
 * its /ByteRange covers (with byte `tamper` changed when not 0), TSA root
 * trusted, the sub-CA untrusted: its exit status. */
static int openssl_ts_verify(const uint8_t *pdf, size_t len, size_t n,
                             size_t tamper) {
  int64_t br[16][4];
  size_t count = 0, clen = 0;
  kyso_error err;
  uint8_t *c = NULL, *data = NULL;
  int rc = -1;
  BIO *b;
  char path[512];

  if (kyso_verify_list_byte_ranges(pdf, len, br, 16, &count, &err) != KYSO_OK ||
      n >= count)
    goto done;
  c = tl_contents_of(pdf, len, n, &clen);
  data = malloc((size_t)(br[n][1] + br[n][3]));
  if (!c || !data)
    goto done;
  memcpy(data, pdf + br[n][0], (size_t)br[n][1]);
  memcpy(data + br[n][1], pdf + br[n][2], (size_t)br[n][3]);
  {
    /* the token without the padding: its DER length */
    const unsigned char *p = c;
    CMS_ContentInfo *ci = d2i_CMS_ContentInfo(NULL, &p, (long)clen);
    if (!ci)
      goto done;
    clen = (size_t)(p - c);
    CMS_ContentInfo_free(ci);
  }
  if (tamper)
    data[tamper] ^= 1;
  if (!tl_write_file("v.data", data, (size_t)(br[n][1] + br[n][3])) ||
      !tl_write_file("v.tst", c, clen))
    goto done;
  snprintf(path, sizeof(path), "%s/v.root.pem", tl_workdir());
  b = BIO_new_file(path, "w");
  PEM_write_bio_X509(b, root_t.x);
  BIO_free(b);
  snprintf(path, sizeof(path), "%s/v.sub.pem", tl_workdir());
  b = BIO_new_file(path, "w");
  PEM_write_bio_X509(b, sub_t.x);
  BIO_free(b);
  rc = tl_run("cd '%s' && openssl ts -verify -data v.data -in v.tst "
              "-token_in -CAfile v.root.pem -untrusted v.sub.pem "
              ">v.out 2>&1",
              tl_workdir());
done:
  free(c);
  free(data);
  return rc;
}

/* ---- the happy path ------------------------------------------------------ */

static void test_signed_then_timestamped(void) {
  size_t len = 0, tlen = 0, before;
  uint8_t *pdf = test_pdf_minimal(&len), *token = NULL;
  const tl_cert *tchain[] = {&sub_t};
  kyso_report *r;
  int n = 0;

  CHECK(tl_sign_pdf(&pdf, &len, "Signature1", &leaf, NULL, 0, NULL, NULL, 0));
  before = len;
  CHECK(tl_doc_timestamp(&pdf, &len, &tsa, tchain, 1, &token, &tlen));
  r = verify(pdf, len);
  CHECK(r != NULL);
  if (r) {
    CHECK_EQ_INT(r->count, 2);
    if (r->count == 2) {
      const kyso_sig_report *s = &r->sigs[0], *t = &r->sigs[1];
      CHECK_EQ_STR(t->type, "DocTimeStamp");
      CHECK_EQ_STR(t->sub_filter, "ETSI.RFC3161");
      CHECK_EQ_STR(t->field, "Timestamp1");
      CHECK_EQ_INT(t->checks[KYSO_CHECK_TIMESTAMP].result, KYSO_RESULT_PASSED);
      CHECK_EQ_INT(t->checks[KYSO_CHECK_INTEGRITY].result, KYSO_RESULT_PASSED);
      CHECK_EQ_INT(t->checks[KYSO_CHECK_SIGNATURE].result, KYSO_RESULT_PASSED);
      CHECK_EQ_INT(t->checks[KYSO_CHECK_CHAIN].result, KYSO_RESULT_PASSED);
      CHECK_EQ_INT(t->checks[KYSO_CHECK_KEY_USAGE].result, KYSO_RESULT_PASSED);
      CHECK(t->has_timestamp);
      CHECK(t->timestamp_time >= (int64_t)time(NULL) - 300 &&
            t->timestamp_time <= (int64_t)time(NULL) + 5);
      CHECK(t->covers_whole_file);
      CHECK_EQ_STR(s->checks[KYSO_CHECK_CHANGES].reason,
                   "allowed_changes_only");
      CHECK(has_change(s, "timestamp_added", 1));
      CHECK_EQ_INT(s->checks[KYSO_CHECK_INTEGRITY].result, KYSO_RESULT_PASSED);
    }
    kyso_report_free(r);
  }
  /* The hole holds the token as the TSA sent it, then zeros. */
  {
    size_t clen = 0, i;
    uint8_t *c = tl_contents_of(pdf, len, 1, &clen);
    int zeros = 1;
    CHECK(c != NULL && clen == 16384);
    if (c && clen >= tlen) {
      CHECK(memcmp(c, token, tlen) == 0);
      for (i = tlen; i < clen; i++)
        zeros &= c[i] == 0;
      CHECK(zeros);
    }
    free(c);
  }
  /* The timestamp's update: /Type /DocTimeStamp, no /M (the token has
   * the time), the field invisible. */
  CHECK(contains(pdf + before, len - before, "/Type /DocTimeStamp"));
  CHECK(contains(pdf + before, len - before, "/SubFilter /ETSI.RFC3161"));
  CHECK(!contains(pdf + before, len - before, "/M "));
  CHECK(!contains(pdf + before, len - before, "/M("));
  CHECK(contains(pdf + before, len - before, "/Rect [0 0 0 0]"));

  /* LT: CRLs in the DSS make both verdicts TOTAL_PASSED. */
  add_crls(&pdf, &len);
  r = verify(pdf, len);
  CHECK(r != NULL);
  if (r) {
    size_t i;
    CHECK_EQ_INT(r->count, 2);
    for (i = 0; i < r->count; i++) {
      CHECK_EQ_INT(r->sigs[i].indication, KYSO_INDICATION_TOTAL_PASSED);
      if (r->sigs[i].indication != KYSO_INDICATION_TOTAL_PASSED) {
        fprintf(stderr, "signature %zu:\n", i);
        dump_checks(&r->sigs[i]);
      }
    }
    CHECK(has_change(&r->sigs[1], "dss_added", 1));
    kyso_report_free(r);
  }
  CHECK_EQ_INT(test_pdf_qpdf_check(pdf, len), 0);
  /* poppler checks the signature; it lists the timestamp without
   * judging it (no ETSI.RFC3161 support) */
  {
    int rc = pdfsig_says(pdf, len, "Signature is Valid", &n);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(n, 1);
    pdfsig_says(pdf, len, "Signature Field Name", &n);
    CHECK_EQ_INT(n, 2);
    pdfsig_says(pdf, len, "Timestamp1", &n);
    CHECK_EQ_INT(n, 1);
    pdfsig_says(pdf, len, "nvalid", &n);
    CHECK_EQ_INT(n, 0);
    pdfsig_says(pdf, len, "ismatch", &n);
    CHECK_EQ_INT(n, 0);
  }
  /* openssl ts -verify: the token in the file imprints the signed bytes */
  CHECK_EQ_INT(openssl_ts_verify(pdf, len, 1, 0), 0);
  CHECK(openssl_ts_verify(pdf, len, 1, 100) > 0); /* and it can say no */
  tl_write_file("dts.pdf", pdf, len);
  free(token);
  free(pdf);
}

/* SHA-384 and a second timestamp: the next free name, covering the first. */
static void test_sha384_and_second(void) {
  size_t len = 0;
  uint8_t *pdf = test_pdf_minimal(&len), *token = NULL, md[64];
  const tl_cert *tchain[] = {&sub_t};
  kyso_doc_timestamp_options o;
  kyso_sig_session *s = NULL;
  kyso_error err;
  size_t md_len = 0, tlen = 0, ulen = 0;
  const uint8_t *u;
  kyso_report *r;

  CHECK(tl_doc_timestamp(&pdf, &len, &tsa, tchain, 1, NULL, NULL));
  kyso_doc_timestamp_options_init(&o);
  CHECK_EQ_INT(o.digest, KYSO_DIGEST_SHA256);
  o.digest = KYSO_DIGEST_SHA384;
  CHECK_EQ_INT(kyso_doc_timestamp_prepare(pdf, len, &o, &s, &err), KYSO_OK);
  CHECK_EQ_INT(kyso_doc_timestamp_imprint(s, md, &md_len, &err), KYSO_OK);
  CHECK_EQ_INT(md_len, 48);
  /* the imprint is the SHA-384 of the three signed parts */
  {
    kyso_blob parts[3];
    uint8_t want[48], *all;
    unsigned int wl = 0;
    kyso_sig_session_get_signed_parts(s, parts);
    all = malloc(parts[0].len + parts[1].len + parts[2].len);
    memcpy(all, parts[0].data, parts[0].len);
    memcpy(all + parts[0].len, parts[1].data, parts[1].len);
    memcpy(all + parts[0].len + parts[1].len, parts[2].data, parts[2].len);
    CHECK(EVP_Digest(all, parts[0].len + parts[1].len + parts[2].len, want, &wl,
                     EVP_sha384(), NULL) == 1);
    free(all);
    CHECK(memcmp(md, want, 48) == 0);
    CHECK(parts[0].data == pdf && parts[0].len == len);
  }
  token = tl_ts_token(&tsa, tchain, 1, KYSO_DIGEST_SHA384, md, md_len, &tlen);
  CHECK(token != NULL);
  CHECK_EQ_INT(kyso_doc_timestamp_finish(s, token, tlen, &err), KYSO_OK);
  u = kyso_sig_session_get_update(s, &ulen);
  CHECK(u != NULL);
  if (u) {
    uint8_t *copy = malloc(ulen);
    memcpy(copy, u, ulen);
    append(&pdf, &len, copy, ulen);
  }
  r = verify(pdf, len);
  CHECK(r != NULL);
  if (r) {
    CHECK_EQ_INT(r->count, 2);
    if (r->count == 2) {
      CHECK_EQ_STR(r->sigs[1].field, "Timestamp2");
      CHECK_EQ_INT(r->sigs[1].checks[KYSO_CHECK_TIMESTAMP].result,
                   KYSO_RESULT_PASSED);
      CHECK_EQ_INT(r->sigs[0].checks[KYSO_CHECK_TIMESTAMP].result,
                   KYSO_RESULT_PASSED);
      CHECK_EQ_STR(r->sigs[0].checks[KYSO_CHECK_CHANGES].reason,
                   "allowed_changes_only");
      CHECK_EQ_STR(r->sigs[1].digest_algorithm, "sha256"); /* TSA's own */
    }
    kyso_report_free(r);
  }
  CHECK_EQ_INT(test_pdf_qpdf_check(pdf, len), 0);
  free(token);
  kyso_sig_session_free(s);
  free(pdf);
}

/* ---- refusals -------------------------------------------------------------
 */

static void test_bad_tokens(void) {
  size_t len = 0, tlen = 0, md_len = 0, ulen = 0;
  uint8_t *pdf = test_pdf_minimal(&len), *token, md[64], other[32];
  const tl_cert *tchain[] = {&sub_t};
  kyso_doc_timestamp_options o;
  kyso_sig_session *s = NULL, *small = NULL;
  kyso_error err;
  static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x01};

  kyso_doc_timestamp_options_init(&o);
  CHECK_EQ_INT(kyso_doc_timestamp_prepare(pdf, len, &o, &s, &err), KYSO_OK);
  CHECK_EQ_INT(kyso_doc_timestamp_imprint(s, md, &md_len, &err), KYSO_OK);
  /* a token over another digest */
  memcpy(other, md, 32);
  other[0] ^= 1;
  token = tl_ts_token(&tsa, tchain, 1, KYSO_DIGEST_SHA256, other, 32, &tlen);
  CHECK(token != NULL);
  CHECK_EQ_INT(kyso_doc_timestamp_finish(s, token, tlen, &err),
               KYSO_ERR_ARGUMENT);
  CHECK(strstr(err.message, "does not cover this document") != NULL);
  CHECK(kyso_sig_session_get_update(s, &ulen) == NULL);
  free(token);
  /* the same bytes imprinted as SHA-512 of... another algorithm */
  {
    uint8_t md512[64];
    memset(md512, 0, sizeof(md512));
    memcpy(md512, md, 32);
    token = tl_ts_token(&tsa, tchain, 1, KYSO_DIGEST_SHA512, md512, 64, &tlen);
    CHECK(token != NULL);
    CHECK_EQ_INT(kyso_doc_timestamp_finish(s, token, tlen, &err),
                 KYSO_ERR_ARGUMENT);
    free(token);
  }
  /* not a token */
  CHECK_EQ_INT(kyso_doc_timestamp_finish(s, junk, sizeof(junk), &err),
               KYSO_ERR_ARGUMENT);
  CHECK_EQ_INT(kyso_doc_timestamp_finish(s, NULL, 0, &err), KYSO_ERR_ARGUMENT);
  /* a signature session's calls do not apply */
  CHECK_EQ_INT(kyso_sig_finish(s, junk, sizeof(junk), &err), KYSO_ERR_STATE);
  CHECK_EQ_INT(kyso_sig_session_set_digest(s, md, 32, &err), KYSO_ERR_STATE);
  /* the right token still goes in afterwards, once */
  token = tl_ts_token(&tsa, tchain, 1, KYSO_DIGEST_SHA256, md, 32, &tlen);
  CHECK(token != NULL);
  CHECK_EQ_INT(kyso_doc_timestamp_finish(s, token, tlen, &err), KYSO_OK);
  CHECK(kyso_sig_session_get_update(s, &ulen) != NULL);
  CHECK_EQ_INT(kyso_doc_timestamp_finish(s, token, tlen, &err), KYSO_ERR_STATE);

  /* a reserve too small for the token */
  o.contents_reserve = 1024;
  CHECK_EQ_INT(kyso_doc_timestamp_prepare(pdf, len, &o, &small, &err), KYSO_OK);
  CHECK_EQ_INT(kyso_doc_timestamp_imprint(small, md, &md_len, &err), KYSO_OK);
  free(token);
  token = tl_ts_token(&tsa, tchain, 1, KYSO_DIGEST_SHA256, md, 32, &tlen);
  CHECK(token != NULL && tlen > 1024);
  CHECK_EQ_INT(kyso_doc_timestamp_finish(small, token, tlen, &err),
               KYSO_ERR_SIGN_SPACE);
  CHECK(kyso_sig_session_get_update(small, &ulen) == NULL);
  free(token);
  kyso_sig_session_free(small);
  kyso_sig_session_free(s);

  /* options */
  o.contents_reserve = 100;
  CHECK_EQ_INT(kyso_doc_timestamp_prepare(pdf, len, &o, &s, &err),
               KYSO_ERR_ARGUMENT);
  CHECK(s == NULL);
  kyso_doc_timestamp_options_init(&o);
  o.digest = (kyso_digest)7;
  CHECK_EQ_INT(kyso_doc_timestamp_prepare(pdf, len, &o, &s, &err),
               KYSO_ERR_ARGUMENT);
  kyso_doc_timestamp_options_init(&o);
  o.field_name = "a.b";
  CHECK_EQ_INT(kyso_doc_timestamp_prepare(pdf, len, &o, &s, &err),
               KYSO_ERR_ARGUMENT);
  o.field_name = "Luu tru";
  CHECK_EQ_INT(kyso_doc_timestamp_prepare(pdf, len, &o, &s, &err), KYSO_OK);
  kyso_sig_session_free(s);
  s = NULL;
  /* not a PDF */
  kyso_doc_timestamp_options_init(&o);
  CHECK(kyso_doc_timestamp_prepare((const uint8_t *)"hello", 5, &o, &s, &err) !=
        KYSO_OK);
  CHECK(s == NULL);
  /* a signature session is not a timestamp session */
  {
    kyso_sign_options so;
    kyso_sig_session *sig = NULL;
    kyso_sign_options_init(&so);
    so.certificate = tl_blob(&leaf);
    so.signing_time = (int64_t)time(NULL);
    CHECK_EQ_INT(kyso_sig_prepare(pdf, len, &so, &sig, &err), KYSO_OK);
    CHECK_EQ_INT(kyso_doc_timestamp_imprint(sig, md, &md_len, &err),
                 KYSO_ERR_STATE);
    CHECK_EQ_INT(kyso_doc_timestamp_finish(sig, junk, sizeof(junk), &err),
                 KYSO_ERR_STATE);
    kyso_sig_session_free(sig);
  }
  free(pdf);
}

/* ---- certified P=1 ------------------------------------------------------- */

/* Catalog with /Perms /DocMDP naming a certification dictionary whose
 * transform says P (objects: 1 catalog, 2 pages, 3 page, 4 the DocMDP
 * signature dictionary). */
static uint8_t *certified_pdf(int p, size_t *len) {
  char mdp[256];
  const char *objs[4];
  snprintf(mdp, sizeof(mdp),
           "<< /Type /Sig /Filter /Adobe.PPKLite /Reference [<< /Type /SigRef "
           "/TransformMethod /DocMDP /TransformParams << /Type "
           "/TransformParams /P %d /V /1.2 >> >>] >>",
           p);
  objs[0] = "<< /Type /Catalog /Pages 2 0 R /Perms << /DocMDP 4 0 R >> >>";
  objs[1] = TEST_PDF_PAGES1;
  objs[2] = TEST_PDF_PAGE;
  objs[3] = mdp;
  return test_pdf_build(objs, 4, TEST_PDF_ID, NULL, len);
}

static void test_certified_p1(void) {
  size_t len = 0;
  uint8_t *pdf = certified_pdf(2, &len);
  const tl_cert *tchain[] = {&sub_t};
  kyso_sign_options so;
  kyso_sig_session *s = NULL;
  kyso_error err;
  kyso_report *r;
  size_t i;

  /* A valid signature over a P=1 certified document: kyso will not sign
   * at P=1, so the session is prepared at P=2 and the certification turned
   * into P=1 in the input (same length) before the parts are hashed. */
  {
    kyso_sig_session *cs = NULL;
    kyso_blob parts[3];
    const uint8_t *attrs, *u;
    uint8_t md[32], *sig = NULL, *all, *copy;
    size_t attrs_len = 0, sig_len = 0, ulen = 0;
    unsigned int mdl = 0;
    kyso_sign_options_init(&so);
    so.certificate = tl_blob(&leaf);
    so.signing_time = (int64_t)time(NULL) - 60;
    so.field_name = "Leader";
    CHECK_EQ_INT(kyso_sig_prepare_unhashed(pdf, len, &so, &cs, &err), KYSO_OK);
    for (i = 0; i + 22 <= len; i++)
      if (memcmp(pdf + i, "/TransformParams /P 2 ", 22) == 0) {
        pdf[i + 20] = '1';
        break;
      }
    CHECK(i + 22 <= len);
    kyso_sig_session_get_signed_parts(cs, parts);
    all = malloc(parts[0].len + parts[1].len + parts[2].len);
    memcpy(all, parts[0].data, parts[0].len);
    memcpy(all + parts[0].len, parts[1].data, parts[1].len);
    memcpy(all + parts[0].len + parts[1].len, parts[2].data, parts[2].len);
    CHECK(EVP_Digest(all, parts[0].len + parts[1].len + parts[2].len, md, &mdl,
                     EVP_sha256(), NULL) == 1);
    free(all);
    CHECK_EQ_INT(kyso_sig_session_set_digest(cs, md, 32, &err), KYSO_OK);
    attrs = kyso_sig_session_get_signed_attrs(cs, &attrs_len);
    sig = test_pki_sign(leaf.key, KYSO_DIGEST_SHA256,
                        kyso_sig_session_get_scheme(cs), attrs, attrs_len,
                        &sig_len);
    CHECK(sig != NULL);
    CHECK_EQ_INT(kyso_sig_finish(cs, sig, sig_len, &err), KYSO_OK);
    u = kyso_sig_session_get_update(cs, &ulen);
    CHECK(u != NULL);
    if (u) {
      copy = malloc(ulen);
      memcpy(copy, u, ulen);
      append(&pdf, &len, copy, ulen);
    }
    OPENSSL_free(sig);
    kyso_sig_session_free(cs);
  }
  /* a second signature is refused, a document timestamp is not */
  kyso_sign_options_init(&so);
  so.certificate = tl_blob(&leaf);
  so.signing_time = (int64_t)time(NULL);
  CHECK_EQ_INT(kyso_sig_prepare(pdf, len, &so, &s, &err), KYSO_ERR_PDF_FORM);
  CHECK(tl_doc_timestamp(&pdf, &len, &tsa, tchain, 1, NULL, NULL));
  add_crls(&pdf, &len);
  r = verify(pdf, len);
  CHECK(r != NULL);
  if (r) {
    CHECK_EQ_INT(r->count, 2);
    if (r->count == 2) {
      const kyso_sig_report *lead = &r->sigs[0];
      CHECK_EQ_STR(lead->field, "Leader");
      CHECK_EQ_INT(lead->checks[KYSO_CHECK_CHANGES].result, KYSO_RESULT_PASSED);
      CHECK_EQ_STR(lead->checks[KYSO_CHECK_CHANGES].reason,
                   "allowed_changes_only");
      CHECK(has_change(lead, "timestamp_added", 1));
      CHECK(has_change(lead, "dss_added", 1));
      CHECK(!has_change(lead, "timestamp_added", 0));
      CHECK_EQ_INT(r->sigs[1].indication, KYSO_INDICATION_TOTAL_PASSED);
      /* the certification signature itself verifies */
      CHECK_EQ_INT(lead->indication, KYSO_INDICATION_TOTAL_PASSED);
      if (lead->indication != KYSO_INDICATION_TOTAL_PASSED)
        dump_checks(lead);
    }
    kyso_report_free(r);
  }
  {
    int n = 0;
    CHECK_EQ_INT(pdfsig_says(pdf, len, "Signature is Valid", &n), 0);
    CHECK_EQ_INT(n, 1);
  }
  CHECK_EQ_INT(test_pdf_qpdf_check(pdf, len), 0);
  free(pdf);
}

/* ---- encrypted documents ------------------------------------------------- */

/* The minimal document encrypted by qpdf with `opts`; NULL on failure. */
static uint8_t *encrypted(const char *opts, size_t *len) {
  size_t l0 = 0;
  uint8_t *plain = test_pdf_minimal(&l0), *out = NULL;
  if (tl_write_file("plain.pdf", plain, l0) &&
      tl_run("cd '%s' && qpdf --encrypt %s -- plain.pdf enc.pdf", tl_workdir(),
             opts) == 0)
    out = tl_read_file("enc.pdf", len);
  free(plain);
  return out;
}

static void test_encrypted(void) {
  size_t len = 0;
  uint8_t *pdf = encrypted("'' owner-pw 256", &len);
  const tl_cert *tchain[] = {&sub_t};
  kyso_doc_timestamp_options o;
  kyso_sig_session *s = NULL;
  kyso_error err;
  kyso_report *r;

  CHECK(pdf != NULL);
  if (!pdf)
    return;
  /* AES-256, empty user password: the token stays plain in its hole */
  CHECK(tl_doc_timestamp(&pdf, &len, &tsa, tchain, 1, NULL, NULL));
  r = verify(pdf, len);
  CHECK(r != NULL);
  if (r) {
    CHECK_EQ_INT(r->count, 1);
    if (r->count == 1)
      CHECK_EQ_INT(r->sigs[0].checks[KYSO_CHECK_TIMESTAMP].result,
                   KYSO_RESULT_PASSED);
    kyso_report_free(r);
  }
  CHECK_EQ_INT(test_pdf_qpdf_check(pdf, len), 0);
  free(pdf);
  /* permissions without annotations and forms: refused */
  pdf =
      encrypted("'' owner-pw 256 --annotate=n --form=n --modify-other=n", &len);
  CHECK(pdf != NULL);
  kyso_doc_timestamp_options_init(&o);
  if (pdf)
    CHECK_EQ_INT(kyso_doc_timestamp_prepare(pdf, len, &o, &s, &err),
                 KYSO_ERR_PDF_PERMISSION);
  CHECK(s == NULL);
  free(pdf);
  /* a user password: needed, and then it works */
  pdf = encrypted("user-pw owner-pw 256", &len);
  CHECK(pdf != NULL);
  if (pdf) {
    CHECK_EQ_INT(kyso_doc_timestamp_prepare(pdf, len, &o, &s, &err),
                 KYSO_ERR_PDF_PASSWORD);
    o.password = "user-pw";
    CHECK_EQ_INT(kyso_doc_timestamp_prepare(pdf, len, &o, &s, &err), KYSO_OK);
    kyso_sig_session_free(s);
  }
  free(pdf);
}

int main(void) {
  if (!make_pki()) {
    fprintf(stderr, "cannot build the test PKI\n");
    return 1;
  }
  if (tl_run("openssl version >/dev/null 2>&1") != 0) {
    fprintf(stderr, "openssl command line missing\n");
    return 1;
  }
  test_signed_then_timestamped();
  test_sha384_and_second();
  test_bad_tokens();
  test_certified_p1();
  test_encrypted();
  if (!getenv("KYSO_TEST_KEEP"))
    tl_run("rm -rf '%s'", tl_workdir());
  tl_cert_free(&root_a);
  tl_cert_free(&leaf);
  tl_cert_free(&root_t);
  tl_cert_free(&sub_t);
  tl_cert_free(&tsa);
  return check_summary();
}
