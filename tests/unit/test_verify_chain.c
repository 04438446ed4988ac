/*
 * test_verify_chain.c - the CHAIN, VALIDITY, KEY_USAGE and REVOCATION
 * stages, the DSS reader and writer.
 *
 * The test builds its own PKI with OpenSSL (root -> sub-CA -> leaves, each
 * leaf with one defect), CRLs and OCSP responses, and runs the stages on
 * hand-built verifier state, one case per row. Then a DSS round trip:
 * kyso_dss_append on a small PDF, reopened, read back by kyso_dss_load and
 * checked by qpdf. Last, the bundled Vietnamese roots must load and anchor
 * their own sub-CAs.
 */
#define _POSIX_C_SOURCE 200809L /* opendir, under -std=c11 */

#include <dirent.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kyso/dss.h"
#include "test_pdf.h"
#include "test_pki.h"
#include "verify/verify_chain.h"
#include "verify/verify_internal.h"

#ifndef KYSO_TRUST_DIR
#define KYSO_TRUST_DIR "trust/vn"
#endif

/* 2025-01-15T00:00:00Z: the signing time; 2025-06-01: "now". */
#define T_SIGN ((int64_t)1736899200)
#define T_NOW ((int64_t)1748736000)
#define DAY ((int64_t)86400)
#define YEAR (365 * DAY)

/* ---- a small PKI ------------------------------------------------------- */

static EVP_PKEY *new_key(void) {
  EVP_PKEY *k = test_pki_key_new("EC", 0, "P-256");
  if (!k)
    abort();
  return k;
}

typedef struct cert_spec {
  const char *cn;
  int64_t not_before, not_after;
  const char *basic;     /* basicConstraints, NULL: none */
  const char *key_usage; /* NULL: none */
  const char *eku;       /* NULL: none */
} cert_spec;

static long next_serial = 100;

/* A certificate for key, signed by issuer_key (self-signed when issuer is
 * NULL). */
static X509 *new_cert(const cert_spec *s, EVP_PKEY *key, X509 *issuer,
                      EVP_PKEY *issuer_key) {
  X509 *x = X509_new();
  X509_NAME *name = X509_NAME_new();
  if (!x || !name)
    abort();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), next_serial++);
  X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC,
                             (const unsigned char *)"VN", -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             (const unsigned char *)s->cn, -1, -1, 0);
  X509_set_subject_name(x, name);
  X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
  X509_NAME_free(name);
  ASN1_TIME_set(X509_getm_notBefore(x), (time_t)s->not_before);
  ASN1_TIME_set(X509_getm_notAfter(x), (time_t)s->not_after);
  X509_set_pubkey(x, key);
  test_pki_add_ext(x, issuer, NID_subject_key_identifier, "hash");
  if (issuer)
    test_pki_add_ext(x, issuer, NID_authority_key_identifier, "keyid:always");
  if (s->basic)
    test_pki_add_ext(x, issuer, NID_basic_constraints, s->basic);
  if (s->key_usage)
    test_pki_add_ext(x, issuer, NID_key_usage, s->key_usage);
  if (s->eku)
    test_pki_add_ext(x, issuer, NID_ext_key_usage, s->eku);
  if (!X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()))
    abort();
  return x;
}

static X509 *ca_cert(const char *cn, int64_t nb, int64_t na, const char *basic,
                     EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key) {
  cert_spec s = {cn, nb, na, basic, "critical,keyCertSign,cRLSign", NULL};
  return new_cert(&s, key, issuer, issuer_key);
}

static X509 *leaf_cert(const char *cn, int64_t nb, int64_t na, const char *ku,
                       const char *eku, EVP_PKEY *key, X509 *issuer,
                       EVP_PKEY *issuer_key) {
  cert_spec s = {cn, nb, na, "critical,CA:FALSE", ku, eku};
  return new_cert(&s, key, issuer, issuer_key);
}

/* A copy of x with one byte of its signature flipped. */
static X509 *tampered(X509 *x) {
  unsigned char *der = NULL;
  const unsigned char *p;
  int n = i2d_X509(x, &der);
  X509 *t;
  if (n <= 0)
    abort();
  der[n - 5] ^= 0x01;
  p = der;
  t = d2i_X509(NULL, &p, n);
  OPENSSL_free(der);
  if (!t)
    abort();
  return t;
}

typedef struct revoked_entry {
  X509 *cert;
  int64_t when;
} revoked_entry;

static X509_CRL *new_crl(X509 *issuer, EVP_PKEY *key, int64_t this_update,
                         int64_t next_update, const revoked_entry *rev,
                         size_t n) {
  X509_CRL *crl = X509_CRL_new();
  ASN1_TIME *t = ASN1_TIME_new();
  size_t i;
  if (!crl || !t)
    abort();
  X509_CRL_set_version(crl, 1);
  X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer));
  ASN1_TIME_set(t, (time_t)this_update);
  X509_CRL_set1_lastUpdate(crl, t);
  if (next_update) {
    ASN1_TIME_set(t, (time_t)next_update);
    X509_CRL_set1_nextUpdate(crl, t);
  }
  for (i = 0; i < n; i++) {
    X509_REVOKED *r = X509_REVOKED_new();
    ASN1_TIME_set(t, (time_t)rev[i].when);
    X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(rev[i].cert));
    X509_REVOKED_set_revocationDate(r, t);
    X509_CRL_add0_revoked(crl, r);
  }
  X509_CRL_sort(crl);
  ASN1_TIME_free(t);
  if (!X509_CRL_sign(crl, key, EVP_sha256()))
    abort();
  return crl;
}

static X509_CRL *crl_tampered(X509_CRL *crl) {
  unsigned char *der = NULL;
  const unsigned char *p;
  int n = i2d_X509_CRL(crl, &der);
  X509_CRL *t;
  der[n - 5] ^= 0x01;
  p = der;
  t = d2i_X509_CRL(NULL, &p, n);
  OPENSSL_free(der);
  if (!t)
    abort();
  return t;
}

/* A successful OCSP response about cert (issued by issuer), signed by
 * signer with signer_key. status: V_OCSP_CERTSTATUS_*. */
static OCSP_RESPONSE *new_ocsp(X509 *cert, X509 *issuer, X509 *signer,
                               EVP_PKEY *signer_key, int status,
                               int64_t revoked_at, int64_t this_update,
                               int64_t next_update) {
  OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
  OCSP_CERTID *id = OCSP_cert_to_id(EVP_sha1(), cert, issuer);
  ASN1_TIME *rt = ASN1_TIME_new(), *tu = ASN1_TIME_new(), *nu = ASN1_TIME_new();
  STACK_OF(X509) *certs = sk_X509_new_null();
  OCSP_RESPONSE *resp;
  if (!bs || !id || !rt || !tu || !nu || !certs)
    abort();
  ASN1_TIME_set(rt, (time_t)revoked_at);
  ASN1_TIME_set(tu, (time_t)this_update);
  ASN1_TIME_set(nu, (time_t)next_update);
  if (!OCSP_basic_add1_status(bs, id, status,
                              status == V_OCSP_CERTSTATUS_REVOKED
                                  ? OCSP_REVOKED_STATUS_KEYCOMPROMISE
                                  : -1,
                              status == V_OCSP_CERTSTATUS_REVOKED ? rt : NULL,
                              tu, next_update ? nu : NULL))
    abort();
  sk_X509_push(certs, signer);
  if (!OCSP_basic_sign(bs, signer, signer_key, EVP_sha256(), certs, 0))
    abort();
  resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs);
  OCSP_BASICRESP_free(bs);
  OCSP_CERTID_free(id);
  ASN1_TIME_free(rt);
  ASN1_TIME_free(tu);
  ASN1_TIME_free(nu);
  sk_X509_free(certs);
  return resp;
}

/* Everything the cases use. */
typedef struct pki {
  EVP_PKEY *root_key, *sub_key, *old_sub_key, *other_key, *leaf_key, *resp_key;
  X509 *root, *sub, *old_sub, *other_root, *not_ca, *sub0, *sub_deep;
  X509 *leaf, *leaf_expired, *leaf_future, *leaf_keyenc, *leaf_server,
      *leaf_noext, *leaf_docsign, *leaf_client_email, *leaf_untrusted,
      *leaf_old_sub, *leaf_not_ca, *leaf_deep, *leaf_badsig, *leaf_revoked,
      *leaf_revoked_late, *tsa;
  X509 *responder, *responder_noeku, *responder_foreign, *lookalike;
} pki;

static void pki_build(pki *k) {
  const char *sign_ku = "critical,digitalSignature,nonRepudiation";
  int64_t y2020 = 1577836800, y2024 = 1704067200, y2026 = 1767225600;

  memset(k, 0, sizeof(*k));
  k->root_key = new_key();
  k->sub_key = new_key();
  k->old_sub_key = new_key();
  k->other_key = new_key();
  k->leaf_key = new_key();
  k->resp_key = new_key();
  k->root = ca_cert("Test Root CA", y2020, y2020 + 20 * YEAR,
                    "critical,CA:TRUE", k->root_key, NULL, NULL);
  k->sub =
      ca_cert("Test Sub CA", y2020, y2020 + 15 * YEAR,
              "critical,CA:TRUE,pathlen:0", k->sub_key, k->root, k->root_key);
  k->old_sub = ca_cert("Old Sub CA", y2020, y2024, "critical,CA:TRUE",
                       k->old_sub_key, k->root, k->root_key);
  k->other_root = ca_cert("Other Root CA", y2020, y2020 + 20 * YEAR,
                          "critical,CA:TRUE", k->other_key, NULL, NULL);
  k->not_ca = leaf_cert("Not A CA", y2020, y2020 + 15 * YEAR,
                        "critical,digitalSignature,keyCertSign", NULL,
                        k->old_sub_key, k->root, k->root_key);
  /* sub (pathlen 0) -> sub_deep (a CA) -> leaf: path too long. */
  k->sub_deep = ca_cert("Deep Sub CA", y2020, y2020 + 15 * YEAR,
                        "critical,CA:TRUE", k->other_key, k->sub, k->sub_key);

  k->leaf = leaf_cert("Nguyen Van A", y2024, y2026, sign_ku, "emailProtection",
                      k->leaf_key, k->sub, k->sub_key);
  k->leaf_expired = leaf_cert("Expired Leaf", y2024 - YEAR, y2024, sign_ku,
                              NULL, k->leaf_key, k->sub, k->sub_key);
  k->leaf_future = leaf_cert("Future Leaf", y2026, y2026 + YEAR, sign_ku, NULL,
                             k->leaf_key, k->sub, k->sub_key);
  k->leaf_keyenc =
      leaf_cert("KeyEnc Leaf", y2024, y2026, "critical,keyEncipherment", NULL,
                k->leaf_key, k->sub, k->sub_key);
  k->leaf_server = leaf_cert("Server Leaf", y2024, y2026, sign_ku, "serverAuth",
                             k->leaf_key, k->sub, k->sub_key);
  k->leaf_noext = leaf_cert("Plain Leaf", y2024, y2026, NULL, NULL, k->leaf_key,
                            k->sub, k->sub_key);
  k->leaf_docsign =
      leaf_cert("DocSign Leaf", y2024, y2026, sign_ku, "1.3.6.1.5.5.7.3.36",
                k->leaf_key, k->sub, k->sub_key);
  k->leaf_client_email =
      leaf_cert("Client Leaf", y2024, y2026, sign_ku,
                "clientAuth,emailProtection", k->leaf_key, k->sub, k->sub_key);
  k->leaf_untrusted = leaf_cert("Untrusted Leaf", y2024, y2026, sign_ku, NULL,
                                k->leaf_key, k->other_root, k->other_key);
  k->leaf_old_sub = leaf_cert("Leaf Of Old CA", y2020, y2026, sign_ku, NULL,
                              k->leaf_key, k->old_sub, k->old_sub_key);
  k->leaf_not_ca = leaf_cert("Leaf Of Not A CA", y2024, y2026, sign_ku, NULL,
                             k->leaf_key, k->not_ca, k->old_sub_key);
  k->leaf_deep = leaf_cert("Deep Leaf", y2024, y2026, sign_ku, NULL,
                           k->leaf_key, k->sub_deep, k->other_key);
  k->leaf_badsig = tampered(k->leaf);
  k->leaf_revoked = leaf_cert("Revoked Leaf", y2024, y2026, sign_ku, NULL,
                              k->leaf_key, k->sub, k->sub_key);
  k->leaf_revoked_late = leaf_cert("Revoked Later", y2024, y2026, sign_ku, NULL,
                                   k->leaf_key, k->sub, k->sub_key);
  k->tsa = leaf_cert("Test TSA", y2024, y2026, "critical,digitalSignature",
                     "critical,timeStamping", k->leaf_key, k->sub, k->sub_key);
  k->responder = leaf_cert("Test OCSP Responder", y2020, y2020 + 20 * YEAR,
                           "critical,digitalSignature", "OCSPSigning",
                           k->resp_key, k->sub, k->sub_key);
  k->responder_noeku = leaf_cert("Responder Without EKU", y2020,
                                 y2020 + 20 * YEAR, "critical,digitalSignature",
                                 NULL, k->resp_key, k->sub, k->sub_key);
  k->responder_foreign =
      leaf_cert("Foreign Responder", y2020, y2020 + 20 * YEAR,
                "critical,digitalSignature", "OCSPSigning", k->resp_key,
                k->other_root, k->other_key);
  /* Same name as the sub-CA, another key, self-signed. */
  k->lookalike = ca_cert("Test Sub CA", y2020, y2020 + 20 * YEAR,
                         "critical,CA:TRUE", k->resp_key, NULL, NULL);
}

static void pki_free(pki *k) {
  X509 **certs[] = {&k->root,
                    &k->sub,
                    &k->old_sub,
                    &k->other_root,
                    &k->not_ca,
                    &k->sub0,
                    &k->sub_deep,
                    &k->leaf,
                    &k->leaf_expired,
                    &k->leaf_future,
                    &k->leaf_keyenc,
                    &k->leaf_server,
                    &k->leaf_noext,
                    &k->leaf_docsign,
                    &k->leaf_client_email,
                    &k->leaf_untrusted,
                    &k->leaf_old_sub,
                    &k->leaf_not_ca,
                    &k->leaf_deep,
                    &k->leaf_badsig,
                    &k->leaf_revoked,
                    &k->leaf_revoked_late,
                    &k->tsa,
                    &k->responder,
                    &k->responder_noeku,
                    &k->responder_foreign,
                    &k->lookalike};
  EVP_PKEY **keys[] = {&k->root_key,  &k->sub_key,  &k->old_sub_key,
                       &k->other_key, &k->leaf_key, &k->resp_key};
  size_t i;
  for (i = 0; i < sizeof(certs) / sizeof(certs[0]); i++)
    X509_free(*certs[i]);
  for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
    EVP_PKEY_free(*keys[i]);
}

/* ---- hand-built verifier state ----------------------------------------- */

typedef struct fixture {
  kyso_report report;
  kyso_verify_options options;
  kyso_verify_ctx ctx;
  kyso_sig_report rep;
  kyso_sig_state st;
} fixture;

static STACK_OF(X509) *stack_of(X509 *a, X509 *b, X509 *c) {
  STACK_OF(X509) *s = sk_X509_new_null();
  X509 *all[3] = {a, b, c};
  int i;
  for (i = 0; i < 3; i++)
    if (all[i]) {
      X509_up_ref(all[i]);
      sk_X509_push(s, all[i]);
    }
  return s;
}

/* anchors: root only; the CMS carries the signer and the sub-CA. */
static void fixture_init(fixture *f, const pki *k, X509 *signer) {
  memset(f, 0, sizeof(*f));
  kyso_arena_init(&f->report.arena);
  f->report.validation_time = T_NOW;
  f->options.validation_time = T_NOW;
  f->ctx.options = &f->options;
  f->ctx.report = &f->report;
  f->ctx.anchors = stack_of(k->root, NULL, NULL);
  f->st.rep = &f->rep;
  f->st.signing_time = T_SIGN;
  if (signer) {
    X509_up_ref(signer);
    f->st.cms_certs = stack_of(k->sub, NULL, NULL);
    sk_X509_unshift(f->st.cms_certs, signer);
    f->st.signer = signer;
  }
}

static void fixture_free(fixture *f) {
  sk_X509_pop_free(f->ctx.anchors, X509_free);
  sk_X509_pop_free(f->ctx.intermediates, X509_free);
  kyso_dss_free(&f->ctx.dss);
  sk_X509_pop_free(f->st.cms_certs, X509_free);
  sk_X509_CRL_pop_free(f->st.archived_crls, X509_CRL_free);
  sk_OCSP_RESPONSE_pop_free(f->st.archived_ocsps, OCSP_RESPONSE_free);
  kyso_arena_free(&f->report.arena);
}

static const kyso_check *check_of(fixture *f, kyso_check_id id) {
  return &f->rep.checks[id];
}

static int detail_has(const kyso_check *c, const char *s) {
  int ok = c->detail && strstr(c->detail, s) != NULL;
  if (!ok)
    fprintf(stderr, "  detail \"%s\" lacks \"%s\"\n",
            c->detail ? c->detail : "(null)", s);
  return ok;
}

static void run_chain(fixture *f) {
  kyso_error err;
  kyso_error_clear(&err);
  CHECK_EQ_INT(kyso_verify_chain(&f->ctx, &f->st, &err), KYSO_OK);
}

static void run_revocation(fixture *f) {
  kyso_error err;
  kyso_error_clear(&err);
  CHECK_EQ_INT(kyso_verify_revocation(&f->ctx, &f->st, &err), KYSO_OK);
}

/* ---- chain, validity, key usage ----------------------------------------- */

/* One row: the signer, then the expected result and reason of each check. */
typedef struct chain_case {
  const char *name;
  X509 *signer;
  kyso_check_result chain;
  const char *chain_reason;
  kyso_check_result validity;
  const char *validity_reason;
  kyso_check_result key_usage;
  const char *detail; /* expected in the chain/validity detail, or NULL */
} chain_case;

static void test_chain_table(const pki *k) {
  const kyso_check_result P = KYSO_RESULT_PASSED, F = KYSO_RESULT_FAILED,
                          I = KYSO_RESULT_INDETERMINATE;
  const chain_case cases[] = {
      {"good", k->leaf, P, "ok", P, "ok", P,
       "Nguyen Van A > Test Sub CA > Test Root CA"},
      {"expired leaf", k->leaf_expired, P, "ok", I, "certificate_expired", P,
       "signer certificate 'Expired Leaf'"},
      {"not yet valid leaf", k->leaf_future, P, "ok", I,
       "certificate_not_yet_valid", P, "signer certificate 'Future Leaf'"},
      {"expired CA", k->leaf_old_sub, P, "ok", I, "certificate_expired", P,
       "CA certificate 'Old Sub CA'"},
      {"keyEncipherment only", k->leaf_keyenc, P, "ok", P, "ok", I, NULL},
      {"EKU serverAuth only", k->leaf_server, P, "ok", P, "ok", I, NULL},
      {"no KU, no EKU", k->leaf_noext, P, "ok", P, "ok", P, NULL},
      {"EKU documentSigning", k->leaf_docsign, P, "ok", P, "ok", P, NULL},
      {"EKU clientAuth+emailProtection", k->leaf_client_email, P, "ok", P, "ok",
       P, NULL},
      {"untrusted root", k->leaf_untrusted, I, "no_certificate_chain_found", P,
       "ok", P, NULL},
      {"issuer not a CA", k->leaf_not_ca, I, "chain_constraints_failure", P,
       "ok", P, NULL},
      {"path length", k->leaf_deep, I, "chain_constraints_failure", P, "ok", P,
       NULL},
      {"bad signature", k->leaf_badsig, F, "certificate_signature_invalid", P,
       "ok", P, NULL},
  };
  size_t i;

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    const chain_case *c = &cases[i];
    fixture f;
    fixture_init(&f, k, c->signer);
    /* The CMS of these carries what they need to reach the root. */
    sk_X509_push(f.st.cms_certs, X509_dup(k->old_sub));
    sk_X509_push(f.st.cms_certs, X509_dup(k->not_ca));
    sk_X509_push(f.st.cms_certs, X509_dup(k->sub_deep));
    sk_X509_push(f.st.cms_certs, X509_dup(k->other_root));
    run_chain(&f);
    fprintf(stderr, "case %s: chain %s (%s), validity %s (%s), ku %s (%s)\n",
            c->name, check_of(&f, KYSO_CHECK_CHAIN)->reason,
            check_of(&f, KYSO_CHECK_CHAIN)->detail,
            check_of(&f, KYSO_CHECK_VALIDITY)->reason,
            check_of(&f, KYSO_CHECK_VALIDITY)->detail,
            check_of(&f, KYSO_CHECK_KEY_USAGE)->reason,
            check_of(&f, KYSO_CHECK_KEY_USAGE)->detail
                ? check_of(&f, KYSO_CHECK_KEY_USAGE)->detail
                : "");
    CHECK_EQ_INT(check_of(&f, KYSO_CHECK_CHAIN)->result, c->chain);
    CHECK_EQ_STR(check_of(&f, KYSO_CHECK_CHAIN)->reason, c->chain_reason);
    CHECK_EQ_INT(check_of(&f, KYSO_CHECK_VALIDITY)->result, c->validity);
    CHECK_EQ_STR(check_of(&f, KYSO_CHECK_VALIDITY)->reason, c->validity_reason);
    CHECK_EQ_INT(check_of(&f, KYSO_CHECK_KEY_USAGE)->result, c->key_usage);
    CHECK_EQ_STR(check_of(&f, KYSO_CHECK_KEY_USAGE)->reason,
                 c->key_usage == P ? "ok" : "key_usage_not_for_signing");
    if (c->detail)
      CHECK(detail_has(c->validity == P ? check_of(&f, KYSO_CHECK_CHAIN)
                                        : check_of(&f, KYSO_CHECK_VALIDITY),
                       c->detail));
    fixture_free(&f);
  }
}

static void test_chain_details(const pki *k) {
  fixture f;

  /* The signing time's provenance shows in the validity detail. */
  fixture_init(&f, k, k->leaf_expired);
  f.st.time_proven = 1;
  run_chain(&f);
  CHECK(detail_has(check_of(&f, KYSO_CHECK_VALIDITY), "proven by a timestamp"));
  CHECK(detail_has(check_of(&f, KYSO_CHECK_VALIDITY), "2024-01-01T00:00:00Z"));
  fixture_free(&f);
  fixture_init(&f, k, k->leaf_expired);
  run_chain(&f);
  CHECK(detail_has(check_of(&f, KYSO_CHECK_VALIDITY), "not proven"));
  fixture_free(&f);

  /* No chain, expired signer: validity still judged on the signer. */
  fixture_init(&f, k, k->leaf_expired);
  sk_X509_pop_free(f.ctx.anchors, X509_free);
  f.ctx.anchors = sk_X509_new_null();
  run_chain(&f);
  CHECK_EQ_STR(check_of(&f, KYSO_CHECK_CHAIN)->reason,
               "no_certificate_chain_found");
  CHECK_EQ_INT(check_of(&f, KYSO_CHECK_VALIDITY)->result,
               KYSO_RESULT_INDETERMINATE);
  CHECK_EQ_STR(check_of(&f, KYSO_CHECK_VALIDITY)->reason,
               "certificate_expired");
  fixture_free(&f);

  /* A trusted sub-CA anchors the path on its own (partial chain). */
  fixture_init(&f, k, k->leaf);
  sk_X509_pop_free(f.ctx.anchors, X509_free);
  f.ctx.anchors = stack_of(k->sub, NULL, NULL);
  run_chain(&f);
  CHECK_EQ_STR(check_of(&f, KYSO_CHECK_CHAIN)->reason, "ok");
  CHECK(
      detail_has(check_of(&f, KYSO_CHECK_CHAIN), "Nguyen Van A > Test Sub CA"));
  CHECK(!strstr(check_of(&f, KYSO_CHECK_CHAIN)->detail, "Root"));
  fixture_free(&f);

  /* The sub-CA from the DSS, then from the options' intermediates. */
  fixture_init(&f, k, k->leaf);
  sk_X509_pop_free(f.st.cms_certs, X509_free);
  f.st.cms_certs = stack_of(k->leaf, NULL, NULL);
  run_chain(&f);
  CHECK_EQ_STR(check_of(&f, KYSO_CHECK_CHAIN)->reason,
               "no_certificate_chain_found");
  f.ctx.dss.certs = stack_of(k->sub, NULL, NULL);
  run_chain(&f);
  CHECK_EQ_STR(check_of(&f, KYSO_CHECK_CHAIN)->reason, "ok");
  kyso_dss_free(&f.ctx.dss);
  f.ctx.intermediates = stack_of(k->sub, NULL, NULL);
  run_chain(&f);
  CHECK_EQ_STR(check_of(&f, KYSO_CHECK_CHAIN)->reason, "ok");
  fixture_free(&f);

  /* No signer: nothing runs. */
  fixture_init(&f, k, NULL);
  run_chain(&f);
  run_revocation(&f);
  CHECK_EQ_INT(check_of(&f, KYSO_CHECK_CHAIN)->result, KYSO_RESULT_NOT_RUN);
  CHECK_EQ_INT(check_of(&f, KYSO_CHECK_KEY_USAGE)->result, KYSO_RESULT_NOT_RUN);
  CHECK_EQ_INT(check_of(&f, KYSO_CHECK_REVOCATION)->result,
               KYSO_RESULT_NOT_RUN);
  fixture_free(&f);
}

static void test_verify_path(const pki *k) {
  fixture f;
  STACK_OF(X509) *path = NULL;
  kyso_path_result res;
  const char *r;

  fixture_init(&f, k, k->leaf);
  r = kyso_verify_path(&f.ctx, k->leaf, f.st.cms_certs, T_SIGN,
                       X509_PURPOSE_ANY, &path);
  CHECK(r == NULL);
  CHECK(path && sk_X509_num(path) == 3);
  sk_X509_pop_free(path, X509_free);
  path = NULL;

  /* Expired: the plain call gives no path; the _ex call keeps it and names
   * the certificate. */
  r = kyso_verify_path(&f.ctx, k->leaf_expired, f.st.cms_certs, T_SIGN,
                       X509_PURPOSE_ANY, &path);
  CHECK_EQ_STR(r, "certificate_expired");
  CHECK(path == NULL);
  kyso_verify_path_ex(&f.ctx, k->leaf_expired, f.st.cms_certs, T_SIGN,
                      X509_PURPOSE_ANY, &path, &res);
  CHECK_EQ_STR(res.reason, "certificate_expired");
  CHECK_EQ_INT(res.depth, 0);
  CHECK_EQ_STR(res.name, "Expired Leaf");
  CHECK_EQ_INT(res.not_after, 1704067200);
  CHECK(path && sk_X509_num(path) == 3);
  sk_X509_pop_free(path, X509_free);
  path = NULL;

  /* Valid again when checked at a time inside its validity. */
  CHECK(kyso_verify_path(&f.ctx, k->leaf_expired, f.st.cms_certs,
                         1704067200 - DAY, X509_PURPOSE_ANY, &path) == NULL);
  sk_X509_pop_free(path, X509_free);
  path = NULL;

  kyso_verify_path_ex(&f.ctx, k->leaf_untrusted, f.st.cms_certs, T_SIGN,
                      X509_PURPOSE_ANY, &path, &res);
  CHECK_EQ_STR(res.reason, "no_certificate_chain_found");
  CHECK(path == NULL);

  /* TSA purpose: a timeStamping certificate passes, a signer does not. */
  r = kyso_verify_path(&f.ctx, k->tsa, f.st.cms_certs, T_SIGN,
                       X509_PURPOSE_TIMESTAMP_SIGN, &path);
  CHECK(r == NULL);
  sk_X509_pop_free(path, X509_free);
  path = NULL;
  r = kyso_verify_path(&f.ctx, k->leaf, f.st.cms_certs, T_SIGN,
                       X509_PURPOSE_TIMESTAMP_SIGN, &path);
  CHECK_EQ_STR(r, "chain_constraints_failure");
  CHECK(path == NULL);
  fixture_free(&f);
}

/* ---- revocation --------------------------------------------------------- */

typedef struct rev_data {
  X509_CRL *crl_good;        /* sub: nothing revoked, current at T_SIGN */
  X509_CRL *crl_revoked;     /* sub: leaf_revoked before, leaf_revoked_late
                                after T_SIGN */
  X509_CRL *crl_tampered;    /* crl_good with a broken signature */
  X509_CRL *crl_stale;       /* sub: nextUpdate before T_SIGN */
  X509_CRL *crl_future;      /* sub: thisUpdate after T_NOW */
  X509_CRL *crl_wrong_key;   /* named like sub, signed by another key */
  X509_CRL *arl_sub_revoked; /* root: sub revoked before T_SIGN */
  X509_CRL *arl_good;        /* root: nothing revoked */
} rev_data;

static void rev_data_build(rev_data *d, const pki *k) {
  revoked_entry both[2] = {{k->leaf_revoked, T_SIGN - 10 * DAY},
                           {k->leaf_revoked_late, T_SIGN + 10 * DAY}};
  revoked_entry sub[1] = {{k->sub, T_SIGN - DAY}};
  d->crl_good =
      new_crl(k->sub, k->sub_key, T_SIGN - DAY, T_SIGN + 7 * DAY, NULL, 0);
  d->crl_revoked = new_crl(k->sub, k->sub_key, T_SIGN + 20 * DAY,
                           T_SIGN + 27 * DAY, both, 2);
  d->crl_tampered = crl_tampered(d->crl_good);
  d->crl_stale = new_crl(k->sub, k->sub_key, T_SIGN - 30 * DAY,
                         T_SIGN - 23 * DAY, NULL, 0);
  d->crl_future =
      new_crl(k->sub, k->sub_key, T_NOW + DAY, T_NOW + 8 * DAY, NULL, 0);
  d->crl_wrong_key =
      new_crl(k->sub, k->other_key, T_SIGN - DAY, T_SIGN + 7 * DAY, NULL, 0);
  d->arl_sub_revoked =
      new_crl(k->root, k->root_key, T_SIGN, T_SIGN + YEAR, sub, 1);
  d->arl_good = new_crl(k->root, k->root_key, T_SIGN, T_SIGN + YEAR, NULL, 0);
}

static void rev_data_free(rev_data *d) {
  X509_CRL_free(d->crl_good);
  X509_CRL_free(d->crl_revoked);
  X509_CRL_free(d->crl_tampered);
  X509_CRL_free(d->crl_stale);
  X509_CRL_free(d->crl_future);
  X509_CRL_free(d->crl_wrong_key);
  X509_CRL_free(d->arl_sub_revoked);
  X509_CRL_free(d->arl_good);
}

/* The revocation cases below judge at a signing time a timestamp proved
 * (T_SIGN); without one, "not revoked" must speak for T_NOW (see
 * test_revocation_time_rules). */
static void fixture_init_proven(fixture *f, const pki *k, X509 *signer) {
  fixture_init(f, k, signer);
  f->st.time_proven = 1;
}

static void dss_add_crl(fixture *f, X509_CRL *crl) {
  if (!f->ctx.dss.crls)
    f->ctx.dss.crls = sk_X509_CRL_new_null();
  X509_CRL_up_ref(crl);
  sk_X509_CRL_push(f->ctx.dss.crls, crl);
}

static void dss_add_ocsp(fixture *f, OCSP_RESPONSE *r) {
  if (!f->ctx.dss.ocsps)
    f->ctx.dss.ocsps = sk_OCSP_RESPONSE_new_null();
  sk_OCSP_RESPONSE_push(f->ctx.dss.ocsps, r);
}

static void archive_crl(fixture *f, X509_CRL *crl) {
  if (!f->st.archived_crls)
    f->st.archived_crls = sk_X509_CRL_new_null();
  X509_CRL_up_ref(crl);
  sk_X509_CRL_push(f->st.archived_crls, crl);
}

static void archive_ocsp(fixture *f, OCSP_RESPONSE *r) {
  if (!f->st.archived_ocsps)
    f->st.archived_ocsps = sk_OCSP_RESPONSE_new_null();
  sk_OCSP_RESPONSE_push(f->st.archived_ocsps, r);
}

static void expect_revocation(fixture *f, kyso_check_result result,
                              const char *reason, const char *detail,
                              const char *what) {
  const kyso_check *c;
  run_revocation(f);
  c = check_of(f, KYSO_CHECK_REVOCATION);
  fprintf(stderr, "revocation %s: %s (%s)\n", what,
          c->reason ? c->reason : "(null)", c->detail ? c->detail : "");
  CHECK_EQ_INT(c->result, result);
  CHECK_EQ_STR(c->reason, reason);
  if (detail)
    CHECK(detail_has(c, detail));
}

static void test_revocation_crl(const pki *k, const rev_data *d) {
  const kyso_check_result P = KYSO_RESULT_PASSED, F = KYSO_RESULT_FAILED,
                          I = KYSO_RESULT_INDETERMINATE;
  fixture f;

  fixture_init_proven(&f, k, k->leaf);
  expect_revocation(&f, I, "revocation_unknown", "no revocation data",
                    "no data");
  fixture_free(&f);

  fixture_init_proven(&f, k, k->leaf);
  dss_add_crl(&f, d->crl_good);
  expect_revocation(&f, P, "ok", "not revoked (crl, thisUpdate 2025-01-14",
                    "good CRL in the DSS");
  fixture_free(&f);

  fixture_init_proven(&f, k, k->leaf);
  archive_crl(&f, d->crl_good);
  expect_revocation(&f, P, "ok", "crl", "good CRL archived in the CMS");
  fixture_free(&f);

  /* Not listed in a later CRL that lists others: still good. */
  fixture_init_proven(&f, k, k->leaf);
  dss_add_crl(&f, d->crl_revoked);
  expect_revocation(&f, P, "ok", NULL, "later CRL listing others");
  fixture_free(&f);

  fixture_init_proven(&f, k, k->leaf_revoked);
  dss_add_crl(&f, d->crl_revoked);
  expect_revocation(&f, F, "revoked", "revoked at 2025-01-05T00:00:00Z (crl",
                    "revoked before signing");
  f.st.time_proven = 1; /* proof of time does not help */
  expect_revocation(&f, F, "revoked", NULL, "revoked before, proven time");
  fixture_free(&f);

  fixture_init_proven(&f, k, k->leaf_revoked_late);
  dss_add_crl(&f, d->crl_revoked);
  f.st.time_proven = 0;
  expect_revocation(&f, I, "revoked_no_poe", "revoked at 2025-01-25",
                    "revoked after signing, time unproven");
  f.st.time_proven = 1;
  expect_revocation(&f, P, "revoked_after_signing", "2025-01-25",
                    "revoked after signing, time proven");
  fixture_free(&f);

  /* A good CRL and a revoking one: the revocation wins. */
  fixture_init_proven(&f, k, k->leaf_revoked);
  dss_add_crl(&f, d->crl_good);
  dss_add_crl(&f, d->crl_revoked);
  expect_revocation(&f, F, "revoked", NULL, "good and revoked");
  fixture_free(&f);

  fixture_init_proven(&f, k, k->leaf);
  dss_add_crl(&f, d->crl_tampered);
  expect_revocation(&f, I, "revocation_data_invalid", "does not verify",
                    "tampered CRL");
  /* Adding a valid one next to it makes it good. */
  dss_add_crl(&f, d->crl_good);
  expect_revocation(&f, P, "ok", NULL, "tampered + good CRL");
  fixture_free(&f);

  fixture_init_proven(&f, k, k->leaf);
  dss_add_crl(&f, d->crl_wrong_key);
  expect_revocation(&f, I, "revocation_data_invalid", NULL,
                    "CRL signed by another key");
  fixture_free(&f);

  fixture_init_proven(&f, k, k->leaf);
  dss_add_crl(&f, d->crl_stale);
  expect_revocation(&f, I, "revocation_data_invalid", "expired before",
                    "stale CRL");
  fixture_free(&f);

  fixture_init_proven(&f, k, k->leaf);
  dss_add_crl(&f, d->crl_future);
  expect_revocation(&f, I, "revocation_data_invalid", "validation time",
                    "CRL from after the validation time");
  fixture_free(&f);

  /* The CA's own status: revoked sub-CA fails the signature; a good ARL is
   * reported; no CA data is not required. */
  fixture_init_proven(&f, k, k->leaf);
  dss_add_crl(&f, d->crl_good);
  expect_revocation(&f, P, "ok", "not required for a CA", "no ARL");
  dss_add_crl(&f, d->arl_good);
  expect_revocation(&f, P, "ok", "'Test Sub CA' not revoked", "good ARL");
  fixture_free(&f);
  fixture_init_proven(&f, k, k->leaf);
  dss_add_crl(&f, d->crl_good);
  dss_add_crl(&f, d->arl_sub_revoked);
  expect_revocation(&f, F, "revoked", "'Test Sub CA' revoked", "revoked CA");
  fixture_free(&f);

  /* No path to an anchor: the issuer still comes from the certificates
   * at hand, so the CRL can be checked. */
  fixture_init_proven(&f, k, k->leaf);
  sk_X509_pop_free(f.ctx.anchors, X509_free);
  f.ctx.anchors = sk_X509_new_null();
  dss_add_crl(&f, d->crl_good);
  expect_revocation(&f, P, "ok", NULL, "no anchor, issuer from the CMS");
  fixture_free(&f);
  fixture_init_proven(&f, k, k->leaf);
  sk_X509_pop_free(f.ctx.anchors, X509_free);
  f.ctx.anchors = sk_X509_new_null();
  sk_X509_pop_free(f.st.cms_certs, X509_free);
  f.st.cms_certs = stack_of(k->leaf, NULL, NULL);
  dss_add_crl(&f, d->crl_good);
  expect_revocation(&f, I, "revocation_data_invalid", "issuer is unknown",
                    "issuer unknown");
  fixture_free(&f);

  /* The signer is a trust anchor itself. */
  fixture_init_proven(&f, k, k->leaf);
  sk_X509_push(f.ctx.anchors, X509_dup(k->leaf));
  expect_revocation(&f, P, "ok", "trust anchor", "signer is an anchor");
  fixture_free(&f);
}

static void test_revocation_ocsp(const pki *k) {
  const kyso_check_result P = KYSO_RESULT_PASSED, F = KYSO_RESULT_FAILED,
                          I = KYSO_RESULT_INDETERMINATE;
  fixture f;
  X509 *sub = k->sub;

  /* Signed by the CA itself. */
  fixture_init_proven(&f, k, k->leaf);
  dss_add_ocsp(&f,
               new_ocsp(k->leaf, sub, sub, k->sub_key, V_OCSP_CERTSTATUS_GOOD,
                        0, T_SIGN - 3600, T_SIGN + DAY));
  expect_revocation(&f, P, "ok", "not revoked (ocsp", "OCSP good by the CA");
  fixture_free(&f);

  /* A delegated responder (its certificate in the response). */
  fixture_init_proven(&f, k, k->leaf);
  archive_ocsp(&f, new_ocsp(k->leaf, sub, k->responder, k->resp_key,
                            V_OCSP_CERTSTATUS_GOOD, 0, T_SIGN + 3600, 0));
  expect_revocation(&f, P, "ok", "ocsp", "OCSP good by a delegated responder");
  fixture_free(&f);

  fixture_init_proven(&f, k, k->leaf_revoked);
  dss_add_ocsp(&f, new_ocsp(k->leaf_revoked, sub, k->responder, k->resp_key,
                            V_OCSP_CERTSTATUS_REVOKED, T_SIGN - 5 * DAY,
                            T_SIGN + DAY, T_SIGN + 2 * DAY));
  expect_revocation(&f, F, "revoked", "revoked at 2025-01-10T00:00:00Z (ocsp",
                    "OCSP revoked before signing");
  fixture_free(&f);

  fixture_init_proven(&f, k, k->leaf_revoked_late);
  dss_add_ocsp(&f, new_ocsp(k->leaf_revoked_late, sub, sub, k->sub_key,
                            V_OCSP_CERTSTATUS_REVOKED, T_SIGN + 5 * DAY,
                            T_SIGN + 6 * DAY, 0));
  f.st.time_proven = 0;
  expect_revocation(&f, I, "revoked_no_poe", "ocsp",
                    "OCSP revoked after signing, unproven");
  f.st.time_proven = 1;
  expect_revocation(&f, P, "revoked_after_signing", NULL,
                    "OCSP revoked after signing, proven");
  fixture_free(&f);

  fixture_init_proven(&f, k, k->leaf);
  dss_add_ocsp(&f, new_ocsp(k->leaf, sub, k->responder_noeku, k->resp_key,
                            V_OCSP_CERTSTATUS_GOOD, 0, T_SIGN, 0));
  expect_revocation(&f, I, "revocation_data_invalid", "OCSPSigning",
                    "responder without id-kp-OCSPSigning");
  fixture_free(&f);

  fixture_init_proven(&f, k, k->leaf);
  dss_add_ocsp(&f, new_ocsp(k->leaf, sub, k->responder_foreign, k->resp_key,
                            V_OCSP_CERTSTATUS_GOOD, 0, T_SIGN, 0));
  expect_revocation(&f, I, "revocation_data_invalid", "not issued by",
                    "responder of another CA");
  fixture_free(&f);

  /* Same name as the CA, another key: not the CA. */
  fixture_init_proven(&f, k, k->leaf);
  dss_add_ocsp(&f, new_ocsp(k->leaf, sub, k->lookalike, k->resp_key,
                            V_OCSP_CERTSTATUS_GOOD, 0, T_SIGN, 0));
  expect_revocation(&f, I, "revocation_data_invalid", NULL,
                    "look-alike CA signs OCSP");
  fixture_free(&f);

  fixture_init_proven(&f, k, k->leaf);
  dss_add_ocsp(&f,
               new_ocsp(k->leaf, sub, sub, k->sub_key, V_OCSP_CERTSTATUS_GOOD,
                        0, T_SIGN - 10 * DAY, T_SIGN - 9 * DAY));
  expect_revocation(&f, I, "revocation_data_invalid", "expired before",
                    "stale OCSP");
  fixture_free(&f);

  fixture_init_proven(&f, k, k->leaf);
  dss_add_ocsp(&f, new_ocsp(k->leaf, sub, sub, k->sub_key,
                            V_OCSP_CERTSTATUS_UNKNOWN, 0, T_SIGN, 0));
  expect_revocation(&f, I, "revocation_unknown", "answered unknown",
                    "OCSP unknown");
  fixture_free(&f);

  /* About another certificate only. */
  fixture_init_proven(&f, k, k->leaf);
  dss_add_ocsp(&f, new_ocsp(k->leaf_noext, sub, sub, k->sub_key,
                            V_OCSP_CERTSTATUS_GOOD, 0, T_SIGN, 0));
  expect_revocation(&f, I, "revocation_unknown", NULL,
                    "OCSP about another certificate");
  fixture_free(&f);

  /* An unsuccessful response carries nothing. */
  fixture_init_proven(&f, k, k->leaf);
  dss_add_ocsp(&f, OCSP_response_create(OCSP_RESPONSE_STATUS_TRYLATER, NULL));
  expect_revocation(&f, I, "revocation_unknown", NULL, "OCSP tryLater");
  fixture_free(&f);
}

/* Which "not revoked" answers speak for the time judged at (red team F1,
 * F2): current at T or issued after it; without nextUpdate, issued after
 * it only; T is the validation time when no timestamp proves T_SIGN. */
static void test_revocation_time_rules(const pki *k, const rev_data *d) {
  const kyso_check_result P = KYSO_RESULT_PASSED, I = KYSO_RESULT_INDETERMINATE;
  fixture f;
  X509 *sub = k->sub;
  X509_CRL *crl_now =
      new_crl(k->sub, k->sub_key, T_NOW - DAY, T_NOW + 7 * DAY, NULL, 0);

  /* F1: an old "good" OCSP answer without nextUpdate proves nothing for a
   * later (proven) signing time, even when it is the only answer. */
  fixture_init_proven(&f, k, k->leaf);
  dss_add_ocsp(&f, new_ocsp(k->leaf, sub, sub, k->sub_key,
                            V_OCSP_CERTSTATUS_GOOD, 0, T_SIGN - 300 * DAY, 0));
  expect_revocation(&f, I, "revocation_data_invalid",
                    "OCSP response without nextUpdate issued before the "
                    "signing time",
                    "old OCSP without nextUpdate, proven time");
  fixture_free(&f);
  /* ... within the clock skew it counts. */
  fixture_init_proven(&f, k, k->leaf);
  dss_add_ocsp(&f, new_ocsp(k->leaf, sub, sub, k->sub_key,
                            V_OCSP_CERTSTATUS_GOOD, 0, T_SIGN - 60, 0));
  expect_revocation(&f, P, "ok", "not revoked (ocsp",
                    "OCSP without nextUpdate a minute before");
  fixture_free(&f);
  /* A CRL without nextUpdate, issued long before: not current. */
  {
    X509_CRL *c = new_crl(k->sub, k->sub_key, T_SIGN - 300 * DAY, 0, NULL, 0);
    fixture_init_proven(&f, k, k->leaf);
    archive_crl(&f, c);
    expect_revocation(&f, I, "revocation_data_invalid",
                      "CRL without nextUpdate issued before the signing time",
                      "old CRL without nextUpdate");
    fixture_free(&f);
    X509_CRL_free(c);
  }

  /* F2: no timestamp: the CRL current at the claimed time is no longer
   * enough once it expired; a CRL current now is. */
  fixture_init(&f, k, k->leaf);
  archive_crl(&f, d->crl_good);
  expect_revocation(&f, I, "revocation_data_invalid",
                    "CRL expired before the validation time (no timestamp)",
                    "CRL of the claimed time, unproven");
  fixture_free(&f);
  fixture_init(&f, k, k->leaf);
  archive_crl(&f, crl_now);
  expect_revocation(&f, P, "ok", "not revoked (crl",
                    "CRL current now, unproven");
  fixture_free(&f);
  fixture_init(&f, k, k->leaf);
  dss_add_ocsp(&f, new_ocsp(k->leaf, sub, sub, k->sub_key,
                            V_OCSP_CERTSTATUS_GOOD, 0, T_NOW - 60, 0));
  expect_revocation(&f, P, "ok", "not revoked (ocsp",
                    "OCSP fetched now, unproven");
  fixture_free(&f);
  X509_CRL_free(crl_now);
}

/* ---- DSS round trip ----------------------------------------------------- */

static void der_of_cert(X509 *x, kyso_buf *b) {
  unsigned char *der = NULL;
  int n = i2d_X509(x, &der);
  kyso_buf_init(b);
  kyso_buf_append(b, der, (size_t)n);
  OPENSSL_free(der);
}

static void der_of_crl(X509_CRL *x, kyso_buf *b) {
  unsigned char *der = NULL;
  int n = i2d_X509_CRL(x, &der);
  kyso_buf_init(b);
  kyso_buf_append(b, der, (size_t)n);
  OPENSSL_free(der);
}

static void der_of_ocsp(OCSP_RESPONSE *x, kyso_buf *b) {
  unsigned char *der = NULL;
  int n = i2d_OCSP_RESPONSE(x, &der);
  kyso_buf_init(b);
  kyso_buf_append(b, der, (size_t)n);
  OPENSSL_free(der);
}

static kyso_blob blob_of(const kyso_buf *b) {
  kyso_blob r;
  r.data = b->data;
  r.len = b->len;
  return r;
}

static void obj_str(kyso_buf *b, const char *s) {
  kyso_buf_init(b);
  kyso_buf_append_str(b, s);
}

/* An uncompressed stream object holding der. */
static void obj_stream(kyso_buf *b, const kyso_buf *der) {
  kyso_buf_init(b);
  kyso_buf_printf(b, "<< /Length %zu >>\nstream\n", der->len);
  kyso_buf_append(b, der->data, der->len);
  kyso_buf_append_str(b, "\nendstream");
}

/* Opens data, reads its DSS into f's context; the pdf is returned for
 * closing. */
static kyso_pdf *load_dss(fixture *f, const uint8_t *data, size_t len) {
  kyso_pdf *pdf = test_pdf_open_checked(data, len);
  kyso_error err;
  if (!pdf)
    return NULL;
  kyso_error_clear(&err);
  kyso_dss_free(&f->ctx.dss);
  f->ctx.pdf = pdf;
  f->ctx.data = data;
  f->ctx.len = len;
  CHECK_EQ_INT(kyso_dss_load(&f->ctx, &err), KYSO_OK);
  return pdf;
}

static int dss_certs(const fixture *f) {
  return f->ctx.dss.certs ? sk_X509_num(f->ctx.dss.certs) : 0;
}
static int dss_crls(const fixture *f) {
  return f->ctx.dss.crl_item_count; /* read, decoded when needed */
}
static int dss_ocsps(const fixture *f) {
  return f->ctx.dss.ocsps ? sk_OCSP_RESPONSE_num(f->ctx.dss.ocsps) : 0;
}

static void test_dss_round_trip(const pki *k, const rev_data *d, int xstream) {
  kyso_buf objs[3], root_der, sub_der, leaf_der, crl_der, ocsp_der;
  kyso_blob certs[3], crls[1], ocsps[1], bad;
  uint8_t *orig, *upd = NULL, *v1, *v2, *upd2 = NULL, *upd3 = NULL;
  size_t orig_len, upd_len = 0, v1_len, v2_len, upd2_len = 0, upd3_len = 9;
  kyso_error err;
  kyso_pdf *pdf;
  fixture f;
  OCSP_RESPONSE *ocsp = new_ocsp(k->leaf, k->sub, k->sub, k->sub_key,
                                 V_OCSP_CERTSTATUS_GOOD, 0, T_SIGN, 0);
  size_t i;

  kyso_error_clear(&err);
  obj_str(&objs[0], "<< /Type /Catalog /Pages 2 0 R >>");
  obj_str(&objs[1], "<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
  obj_str(&objs[2], "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>");
  orig = test_pdf_build_bytes(objs, 3, xstream ? TEST_PDF_XREF_STREAM : 0, NULL,
                              &orig_len);
  der_of_cert(k->root, &root_der);
  der_of_cert(k->sub, &sub_der);
  der_of_cert(k->leaf, &leaf_der);
  der_of_crl(d->crl_good, &crl_der);
  der_of_ocsp(ocsp, &ocsp_der);

  /* First update: root, sub, root again (a duplicate), a CRL, an OCSP. */
  certs[0] = blob_of(&root_der);
  certs[1] = blob_of(&sub_der);
  certs[2] = blob_of(&root_der);
  crls[0] = blob_of(&crl_der);
  ocsps[0] = blob_of(&ocsp_der);
  CHECK_EQ_INT(kyso_dss_append(orig, orig_len, certs, 3, crls, 1, ocsps, 1,
                               &upd, &upd_len, &err),
               KYSO_OK);
  CHECK(upd && upd_len > 0);
  v1 = test_pdf_concat(orig, orig_len, upd, upd_len, &v1_len);
  CHECK_EQ_INT(test_pdf_qpdf_check(v1, v1_len), 0);
  fixture_init_proven(&f, k, k->leaf);
  pdf = load_dss(&f, v1, v1_len);
  CHECK(pdf != NULL);
  CHECK_EQ_INT(dss_certs(&f), 2);
  CHECK_EQ_INT(dss_crls(&f), 1);
  CHECK_EQ_INT(dss_ocsps(&f), 1);
  if (dss_certs(&f) == 2)
    CHECK(X509_cmp(sk_X509_value(f.ctx.dss.certs, 1), k->sub) == 0);
  /* What was written is what the verifier uses. */
  expect_revocation(&f, KYSO_RESULT_PASSED, "ok", NULL, "after the DSS write");
  kyso_pdf_close(pdf);
  fixture_free(&f);

  /* Second update: sub (already there), the leaf (new), the same CRL. The
   * old entries are kept. */
  certs[0] = blob_of(&sub_der);
  certs[1] = blob_of(&leaf_der);
  CHECK_EQ_INT(kyso_dss_append(v1, v1_len, certs, 2, crls, 1, NULL, 0, &upd2,
                               &upd2_len, &err),
               KYSO_OK);
  CHECK(upd2 && upd2_len > 0);
  v2 = test_pdf_concat(v1, v1_len, upd2, upd2_len, &v2_len);
  CHECK_EQ_INT(test_pdf_qpdf_check(v2, v2_len), 0);
  fixture_init_proven(&f, k, k->leaf);
  pdf = load_dss(&f, v2, v2_len);
  CHECK(pdf != NULL);
  CHECK_EQ_INT(dss_certs(&f), 3);
  CHECK_EQ_INT(dss_crls(&f), 1);
  CHECK_EQ_INT(dss_ocsps(&f), 1);
  kyso_pdf_close(pdf);
  fixture_free(&f);

  /* Nothing new: no update. */
  CHECK_EQ_INT(kyso_dss_append(v2, v2_len, certs, 2, NULL, 0, ocsps, 1, &upd3,
                               &upd3_len, &err),
               KYSO_OK);
  CHECK(upd3 == NULL);
  CHECK_EQ_INT(upd3_len, 0);

  /* Garbage in: refused before anything is built. */
  bad.data = (const uint8_t *)"not a certificate";
  bad.len = 17;
  CHECK_EQ_INT(kyso_dss_append(v2, v2_len, &bad, 1, NULL, 0, NULL, 0, &upd3,
                               &upd3_len, &err),
               KYSO_ERR_ARGUMENT);
  CHECK_EQ_INT(kyso_dss_append(v2, v2_len, NULL, 0, certs, 1, NULL, 0, &upd3,
                               &upd3_len, &err),
               KYSO_ERR_ARGUMENT); /* a certificate is not a CRL */

  free(upd);
  free(upd2);
  free(v1);
  free(v2);
  free(orig);
  for (i = 0; i < 3; i++)
    kyso_buf_free(&objs[i]);
  kyso_buf_free(&root_der);
  kyso_buf_free(&sub_der);
  kyso_buf_free(&leaf_der);
  kyso_buf_free(&crl_der);
  kyso_buf_free(&ocsp_der);
  OCSP_RESPONSE_free(ocsp);
}

/* A DSS written by someone else: items only under /VRI, a broken stream, a
 * non-stream, a dangling reference and a repeated one are all survived. */
static void test_dss_reader_tolerance(const pki *k, const rev_data *d) {
  kyso_buf objs[9], sub_der, crl_der, junk;
  uint8_t *data;
  size_t len, i;
  kyso_pdf *pdf;
  fixture f;

  der_of_cert(k->sub, &sub_der);
  der_of_crl(d->crl_good, &crl_der);
  kyso_buf_init(&junk);
  kyso_buf_append_str(&junk, "\x30\x03garbage");
  obj_str(&objs[0], "<< /Type /Catalog /Pages 2 0 R /DSS 4 0 R >>");
  obj_str(&objs[1], "<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
  obj_str(&objs[2], "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>");
  obj_str(&objs[3],
          "<< /Certs [5 0 R 5 0 R 7 0 R 8 0 R 99 0 R] /CRLs 42 "
          "/VRI << /ABCD << /CRL [6 0 R] /Cert [5 0 R] >> /EF 3 >> >>");
  obj_stream(&objs[4], &sub_der);
  obj_stream(&objs[5], &crl_der);
  obj_stream(&objs[6], &junk);
  obj_str(&objs[7], "(a string, not a stream)");
  obj_str(&objs[8], "<< /Length 3 /Filter /FlateDecode >>\nstream\nabc\n"
                    "endstream");
  data = test_pdf_build_bytes(objs, 9, 0, NULL, &len);
  fixture_init_proven(&f, k, k->leaf);
  pdf = load_dss(&f, data, len);
  CHECK(pdf != NULL);
  CHECK_EQ_INT(dss_certs(&f), 1);
  CHECK_EQ_INT(dss_crls(&f), 1);
  CHECK_EQ_INT(dss_ocsps(&f), 0);
  kyso_pdf_close(pdf);
  fixture_free(&f);
  free(data);

  /* No DSS at all. */
  kyso_buf_free(&objs[0]);
  obj_str(&objs[0], "<< /Type /Catalog /Pages 2 0 R >>");
  data = test_pdf_build_bytes(objs, 3, TEST_PDF_XREF_STREAM, NULL, &len);
  fixture_init_proven(&f, k, k->leaf);
  pdf = load_dss(&f, data, len);
  CHECK(pdf != NULL);
  CHECK_EQ_INT(dss_certs(&f) + dss_crls(&f) + dss_ocsps(&f), 0);
  kyso_pdf_close(pdf);
  fixture_free(&f);
  free(data);

  for (i = 0; i < 9; i++)
    kyso_buf_free(&objs[i]);
  kyso_buf_free(&sub_der);
  kyso_buf_free(&crl_der);
  kyso_buf_free(&junk);
}

/* ---- the bundled Vietnamese roots ---------------------------------------- */

static X509 *read_pem_cert(const char *path) {
  FILE *fp = fopen(path, "r");
  X509 *x;
  if (!fp)
    return NULL;
  x = PEM_read_X509(fp, NULL, NULL, NULL);
  fclose(fp);
  return x;
}

static void test_vietnamese_roots(void) {
  DIR *dir = opendir(KYSO_TRUST_DIR);
  struct dirent *de;
  STACK_OF(X509) *all = sk_X509_new_null(), *roots = sk_X509_new_null();
  kyso_report report;
  kyso_verify_ctx ctx;
  int i, nroots = 0, nsubs = 0;

  CHECK(dir != NULL);
  if (!dir)
    return;
  while ((de = readdir(dir)) != NULL) {
    char path[512];
    size_t n = strlen(de->d_name);
    X509 *x;
    if (n < 5 || strcmp(de->d_name + n - 4, ".pem") != 0)
      continue;
    snprintf(path, sizeof(path), "%s/%s", KYSO_TRUST_DIR, de->d_name);
    x = read_pem_cert(path);
    CHECK(x != NULL);
    if (!x) {
      fprintf(stderr, "  cannot read %s\n", path);
      continue;
    }
    sk_X509_push(all, x);
    if (X509_check_issued(x, x) == X509_V_OK) {
      /* A root: its self-signature verifies (G1 is SHA-1: must still). */
      CHECK_EQ_INT(X509_verify(x, X509_get0_pubkey(x)), 1);
      X509_up_ref(x);
      sk_X509_push(roots, x);
    }
  }
  closedir(dir);
  CHECK(sk_X509_num(all) >= 12);

  memset(&report, 0, sizeof(report));
  memset(&ctx, 0, sizeof(ctx));
  kyso_arena_init(&report.arena);
  ctx.report = &report;
  ctx.anchors = roots;
  for (i = 0; i < sk_X509_num(all); i++) {
    X509 *x = sk_X509_value(all, i);
    STACK_OF(X509) *path = NULL;
    kyso_path_result res;
    char name[KYSO_PATH_NAME_MAX];
    /* 2025-01-01: inside every bundled certificate's validity. */
    kyso_verify_path_ex(&ctx, x, NULL, 1735689600, X509_PURPOSE_ANY, &path,
                        &res);
    kyso_name_short(X509_get_subject_name(x), name, sizeof(name));
    if (res.reason)
      fprintf(stderr, "  %s: %s\n", name, res.reason);
    CHECK(res.reason == NULL);
    CHECK(path != NULL);
    if (path && sk_X509_num(path) == 1)
      nroots++;
    else if (path && sk_X509_num(path) == 2)
      nsubs++;
    sk_X509_pop_free(path, X509_free);
  }
  CHECK_EQ_INT(nroots, 4);
  CHECK_EQ_INT(nsubs, sk_X509_num(all) - 4);
  /* Non-ASCII CNs come out as UTF-8. */
  for (i = 0; i < sk_X509_num(all); i++) {
    char name[KYSO_PATH_NAME_MAX];
    kyso_name_short(X509_get_subject_name(sk_X509_value(all, i)), name,
                    sizeof(name));
    if (strstr(name, "G2") && strstr(name, "RootCA"))
      CHECK_EQ_STR(name, "RootCA chuy\xc3\xaan d\xc3\xb9ng Ch\xc3\xadnh "
                         "ph\xe1\xbb\xa7 G2");
  }
  kyso_arena_free(&report.arena);
  sk_X509_pop_free(roots, X509_free);
  sk_X509_pop_free(all, X509_free);
}

int main(void) {
  pki k;
  rev_data d;

  pki_build(&k);
  rev_data_build(&d, &k);
  test_chain_table(&k);
  test_chain_details(&k);
  test_verify_path(&k);
  test_revocation_crl(&k, &d);
  test_revocation_ocsp(&k);
  test_revocation_time_rules(&k, &d);
  test_dss_round_trip(&k, &d, 0);
  test_dss_round_trip(&k, &d, 1);
  test_dss_reader_tolerance(&k, &d);
  test_vietnamese_roots();
  rev_data_free(&d);
  pki_free(&k);
  return check_summary();
}
