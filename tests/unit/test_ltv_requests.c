/*
 * test_ltv_requests.c - kyso/ltv.h: the URLs a certificate names, the OCSP
 * request and the RFC 3161 TimeStampReq.
 *
 * The certificates are made here with OpenSSL, their AIA and CRL DP
 * extensions built name by name (several URLs, ldap ones, an overlong one,
 * one with a space, one with a NUL, duplicates), and the extracted lists are
 * compared exactly. The requests are parsed back with OpenSSL (d2i_*) and
 * compared field by field with what OpenSSL itself computes (OCSP_cert_to_id),
 * then shown to the openssl command line when there is one.
 */
#define _POSIX_C_SOURCE 200809L /* popen, under -std=c11 */

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kyso/ltv.h"
#include "test_pki.h"

/* ---- certificates -------------------------------------------------------- */

static EVP_PKEY *new_key(void) {
  EVP_PKEY *k = test_pki_key_new("EC", 0, "P-256");
  if (!k)
    abort();
  return k;
}

static long next_serial = 1000;

/* A certificate named cn for key, signed by issuer_key (self-signed CA when
 * issuer is NULL). extend, when given, adds extensions before signing. */
static X509 *new_cert(const char *cn, EVP_PKEY *key, X509 *issuer,
                      EVP_PKEY *issuer_key, void (*extend)(X509 *, void *),
                      void *arg) {
  X509 *x = X509_new();
  X509_NAME *name = X509_NAME_new();
  if (!x || !name)
    abort();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), next_serial++);
  X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC,
                             (const unsigned char *)"VN", -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             (const unsigned char *)cn, -1, -1, 0);
  X509_set_subject_name(x, name);
  X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
  X509_NAME_free(name);
  X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, NULL);
  X509_time_adj_ex(X509_getm_notAfter(x), 365, 0, NULL);
  X509_set_pubkey(x, key);
  test_pki_add_ext(x, issuer, NID_subject_key_identifier, "hash");
  if (issuer)
    test_pki_add_ext(x, issuer, NID_authority_key_identifier, "keyid:always");
  else
    test_pki_add_ext(x, NULL, NID_basic_constraints, "critical,CA:TRUE");
  if (extend)
    extend(x, arg);
  if (!X509_sign(x, issuer ? issuer_key : key, EVP_sha256()))
    abort();
  return x;
}

/* DER of x, in a malloc'd blob. */
static kyso_blob der_of(X509 *x) {
  kyso_blob b = {NULL, 0};
  unsigned char *der = NULL;
  int len = i2d_X509(x, &der);
  uint8_t *copy;
  if (len <= 0)
    abort();
  copy = malloc((size_t)len);
  if (!copy)
    abort();
  memcpy(copy, der, (size_t)len);
  OPENSSL_free(der);
  b.data = copy;
  b.len = (size_t)len;
  return b;
}

static void blob_free(kyso_blob b) {
  free((void *)b.data);
}

/* A URI GeneralName of len bytes at s (which may hold a NUL). */
static GENERAL_NAME *uri_n(const char *s, size_t len) {
  GENERAL_NAME *gn = GENERAL_NAME_new();
  ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();
  if (!gn || !ia5 || !ASN1_STRING_set(ia5, s, (int)len))
    abort();
  GENERAL_NAME_set0_value(gn, GEN_URI, ia5);
  return gn;
}

static GENERAL_NAME *uri(const char *s) {
  return uri_n(s, strlen(s));
}

static GENERAL_NAME *dns(const char *s) {
  GENERAL_NAME *gn = GENERAL_NAME_new();
  ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();
  if (!gn || !ia5 || !ASN1_STRING_set(ia5, s, -1))
    abort();
  GENERAL_NAME_set0_value(gn, GEN_DNS, ia5);
  return gn;
}

static void aia_push(AUTHORITY_INFO_ACCESS *aia, int method_nid,
                     GENERAL_NAME *location) {
  ACCESS_DESCRIPTION *ad = ACCESS_DESCRIPTION_new();
  if (!ad)
    abort();
  ASN1_OBJECT_free(ad->method);
  ad->method = OBJ_nid2obj(method_nid);
  GENERAL_NAME_free(ad->location);
  ad->location = location;
  if (!sk_ACCESS_DESCRIPTION_push(aia, ad))
    abort();
}

/* A distribution point whose fullName holds names (NULL-terminated); with
 * names NULL, a point with only a cRLIssuer. */
static void dp_push(STACK_OF(DIST_POINT) *dps, GENERAL_NAME **names) {
  DIST_POINT *dp = DIST_POINT_new();
  if (!dp)
    abort();
  if (names) {
    dp->distpoint = DIST_POINT_NAME_new();
    dp->distpoint->type = 0;
    dp->distpoint->name.fullname = GENERAL_NAMES_new();
    for (; *names; names++)
      if (!sk_GENERAL_NAME_push(dp->distpoint->name.fullname, *names))
        abort();
  } else {
    dp->CRLissuer = GENERAL_NAMES_new();
    sk_GENERAL_NAME_push(dp->CRLissuer, dns("crl-issuer.example"));
  }
  if (!sk_DIST_POINT_push(dps, dp))
    abort();
}

/* "http://h/" followed by 'a's up to len bytes in all (malloc'd). */
static char *long_url(size_t len) {
  char *s = malloc(len + 1);
  if (!s)
    abort();
  memcpy(s, "http://h/", 9);
  memset(s + 9, 'a', len - 9);
  s[len] = '\0';
  return s;
}

/* The leaf of the URL test: everything a real or crafted CA may write. */
static void extend_full(X509 *x, void *arg) {
  AUTHORITY_INFO_ACCESS *aia = sk_ACCESS_DESCRIPTION_new_null();
  STACK_OF(DIST_POINT) *dps = sk_DIST_POINT_new_null();
  char *overlong = long_url(KYSO_LIMIT_LTV_URL_LENGTH + 1);
  GENERAL_NAME *dp1[] = {uri("http://ca.gov.vn/pki/pub/crl/rootca.crl"),
                         uri("ldap://ca.gov.vn/cn=CRL"), NULL};
  GENERAL_NAME *dp2[] = {uri("http://ca.gov.vn/pki/pub/crl/rootcag2.crl"),
                         uri("http://ca.gov.vn/pki/pub/crl/rootca.crl"),
                         dns("ca.gov.vn"), NULL};
  (void)arg;
  if (!aia || !dps)
    abort();
  aia_push(aia, NID_ad_OCSP, uri("http://127.0.0.1:8080/ocsp"));
  aia_push(aia, NID_ad_ca_issuers, uri("http://127.0.0.1:8081/ca.der"));
  aia_push(aia, NID_ad_OCSP, uri("ldap://ldap.example/ocsp"));
  aia_push(aia, NID_ad_OCSP, uri("http://127.0.0.1:8080/ocsp"));
  aia_push(aia, NID_ad_OCSP, uri("HTTPS://ocsp.ca.gov.vn/"));
  aia_push(aia, NID_ad_ca_issuers, uri(overlong));
  aia_push(aia, NID_ad_OCSP, uri("http://a b/"));
  aia_push(aia, NID_ad_OCSP, uri_n("http://a\0b/", 11));
  aia_push(aia, NID_ad_ca_issuers, uri("http:///ca.der"));
  aia_push(aia, NID_ad_OCSP, dns("ocsp.example"));
  aia_push(aia, NID_caRepository, uri("http://repository.example/"));
  aia_push(aia, NID_ad_ca_issuers, uri("https://ca.gov.vn/ca.crt"));
  dp_push(dps, dp1);
  dp_push(dps, dp2);
  dp_push(dps, NULL);
  if (!X509_add1_ext_i2d(x, NID_info_access, aia, 0, X509V3_ADD_DEFAULT) ||
      !X509_add1_ext_i2d(x, NID_crl_distribution_points, dps, 0,
                         X509V3_ADD_DEFAULT))
    abort();
  AUTHORITY_INFO_ACCESS_free(aia);
  sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
  free(overlong);
}

/* Ten OCSP URLs and a duplicate of the first (count limit); caIssuers of
 * exactly the length limit. */
static void extend_many(X509 *x, void *arg) {
  AUTHORITY_INFO_ACCESS *aia = sk_ACCESS_DESCRIPTION_new_null();
  char *longest = long_url(KYSO_LIMIT_LTV_URL_LENGTH);
  char u[64];
  int i;
  (void)arg;
  for (i = 0; i < KYSO_LIMIT_LTV_URLS + 2; i++) {
    snprintf(u, sizeof u, "http://ocsp%d.example/", i);
    aia_push(aia, NID_ad_OCSP, uri(u));
  }
  aia_push(aia, NID_ad_OCSP, uri("http://ocsp0.example/"));
  aia_push(aia, NID_ad_ca_issuers, uri(longest));
  if (!X509_add1_ext_i2d(x, NID_info_access, aia, 0, X509V3_ADD_DEFAULT))
    abort();
  AUTHORITY_INFO_ACCESS_free(aia);
  free(longest);
}

/* The same extension twice. */
static void extend_twice(X509 *x, void *arg) {
  (void)arg;
  test_pki_add_ext(x, NULL, NID_info_access, "OCSP;URI:http://one.example/");
  test_pki_add_ext(x, NULL, NID_info_access, "OCSP;URI:http://two.example/");
}

/* An AIA extension whose value is not an AuthorityInfoAccessSyntax. */
static void extend_broken(X509 *x, void *arg) {
  ASN1_OCTET_STRING *value = ASN1_OCTET_STRING_new();
  X509_EXTENSION *ext;
  (void)arg;
  if (!value ||
      !ASN1_OCTET_STRING_set(value, (const unsigned char *)"\x05\x00", 2))
    abort();
  ext = X509_EXTENSION_create_by_NID(NULL, NID_info_access, 0, value);
  if (!ext || !X509_add_ext(x, ext, -1))
    abort();
  X509_EXTENSION_free(ext);
  ASN1_OCTET_STRING_free(value);
}

/* ---- URLs ---------------------------------------------------------------- */

static void check_list(const kyso_ltv_url_list *list, const char *const *want,
                       size_t n) {
  size_t i;
  CHECK_EQ_INT(list->count, n);
  for (i = 0; i < n && i < list->count; i++)
    CHECK_EQ_STR(list->url[i], want[i]);
}

static void test_urls(EVP_PKEY *root_key, X509 *root) {
  static const char *const want_ocsp[] = {"http://127.0.0.1:8080/ocsp",
                                          "HTTPS://ocsp.ca.gov.vn/"};
  static const char *const want_ca[] = {"http://127.0.0.1:8081/ca.der",
                                        "https://ca.gov.vn/ca.crt"};
  static const char *const want_crl[] = {
      "http://ca.gov.vn/pki/pub/crl/rootca.crl",
      "http://ca.gov.vn/pki/pub/crl/rootcag2.crl"};
  EVP_PKEY *key = new_key();
  X509 *full = new_cert("full", key, root, root_key, extend_full, NULL);
  X509 *many = new_cert("many", key, root, root_key, extend_many, NULL);
  X509 *twice = new_cert("twice", key, root, root_key, extend_twice, NULL);
  X509 *broken = new_cert("broken", key, root, root_key, extend_broken, NULL);
  kyso_blob b;
  kyso_ltv_urls *urls = NULL;
  kyso_error err;
  kyso_status s;
  char name[32];
  int i;

  b = der_of(full);
  s = kyso_ltv_urls_new(b, &urls, &err);
  CHECK_EQ_INT(s, KYSO_OK);
  if (urls) {
    check_list(&urls->ocsp, want_ocsp, 2);
    check_list(&urls->ca_issuers, want_ca, 2);
    check_list(&urls->crl, want_crl, 2);
    CHECK_EQ_INT(urls->skipped_scheme, 2);    /* two ldap: */
    CHECK_EQ_INT(urls->skipped_malformed, 4); /* long, space, NUL, no host */
    CHECK_EQ_INT(urls->skipped_over_count, 0);
  }
  kyso_ltv_urls_free(urls);
  urls = NULL;
  blob_free(b);

  b = der_of(many);
  s = kyso_ltv_urls_new(b, &urls, &err);
  CHECK_EQ_INT(s, KYSO_OK);
  if (urls) {
    CHECK_EQ_INT(urls->ocsp.count, KYSO_LIMIT_LTV_URLS);
    for (i = 0; i < KYSO_LIMIT_LTV_URLS && (size_t)i < urls->ocsp.count; i++) {
      snprintf(name, sizeof name, "http://ocsp%d.example/", i);
      CHECK_EQ_STR(urls->ocsp.url[i], name);
    }
    CHECK_EQ_INT(urls->skipped_over_count, 2); /* the duplicate is merged */
    CHECK_EQ_INT(urls->ca_issuers.count, 1);
    if (urls->ca_issuers.count == 1)
      CHECK_EQ_INT(strlen(urls->ca_issuers.url[0]), KYSO_LIMIT_LTV_URL_LENGTH);
    CHECK_EQ_INT(urls->crl.count, 0);
    CHECK_EQ_INT(urls->skipped_scheme + urls->skipped_malformed, 0);
  }
  kyso_ltv_urls_free(urls);
  urls = NULL;
  blob_free(b);

  /* The root has neither extension. */
  b = der_of(root);
  s = kyso_ltv_urls_new(b, &urls, &err);
  CHECK_EQ_INT(s, KYSO_OK);
  if (urls)
    CHECK(urls->ocsp.count + urls->ca_issuers.count + urls->crl.count +
              urls->skipped_scheme + urls->skipped_malformed +
              urls->skipped_over_count ==
          0);
  kyso_ltv_urls_free(urls);
  urls = NULL;
  blob_free(b);

  /* Repeated or undecodable extensions: refused, whichever of d2i_X509 or
   * the extension reader notices. */
  b = der_of(twice);
  CHECK_EQ_INT(kyso_ltv_urls_new(b, &urls, &err), KYSO_ERR_ARGUMENT);
  CHECK(urls == NULL);
  blob_free(b);
  b = der_of(broken);
  CHECK_EQ_INT(kyso_ltv_urls_new(b, &urls, &err), KYSO_ERR_ARGUMENT);
  CHECK(urls == NULL);
  blob_free(b);

  X509_free(full);
  X509_free(many);
  X509_free(twice);
  X509_free(broken);
  EVP_PKEY_free(key);
}

/* Inputs that are not one certificate, for every function that takes one. */
static void test_bad_certificates(X509 *good_issuer) {
  static const uint8_t garbage[] = {0x30, 0x03, 0x01, 0x01, 0xff};
  static const uint8_t nonce16[16] = {1, 2,  3,  4,  5,  6,  7,  8,
                                      9, 10, 11, 12, 13, 14, 15, 16};
  kyso_blob issuer = der_of(good_issuer);
  kyso_blob nonce = {nonce16, sizeof nonce16};
  uint8_t *big = calloc(1, KYSO_LIMIT_LTV_CERT_SIZE + 1);
  uint8_t *trailing = malloc(issuer.len + 1);
  kyso_blob cases[6];
  kyso_status want[6];
  kyso_ltv_urls *urls = NULL;
  uint8_t *req = NULL;
  size_t req_len = 99, i;
  kyso_error err;

  if (!big || !trailing)
    abort();
  memcpy(trailing, issuer.data, issuer.len);
  trailing[issuer.len] = 0;
  cases[0] = (kyso_blob){garbage, sizeof garbage};
  want[0] = KYSO_ERR_ARGUMENT;
  cases[1] = (kyso_blob){garbage, 0};
  want[1] = KYSO_ERR_ARGUMENT;
  cases[2] = (kyso_blob){NULL, 0};
  want[2] = KYSO_ERR_ARGUMENT;
  cases[3] = (kyso_blob){big, KYSO_LIMIT_LTV_CERT_SIZE + 1};
  want[3] = KYSO_ERR_LIMIT;
  cases[4] = (kyso_blob){trailing, issuer.len + 1};
  want[4] = KYSO_ERR_ARGUMENT;
  cases[5] = (kyso_blob){issuer.data, issuer.len - 1}; /* truncated */
  want[5] = KYSO_ERR_ARGUMENT;
  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    kyso_error_clear(&err);
    CHECK_EQ_INT(kyso_ltv_urls_new(cases[i], &urls, &err), want[i]);
    CHECK(urls == NULL);
    CHECK_EQ_INT(err.code, want[i]);
    CHECK(err.message[0] != '\0');
    CHECK_EQ_INT(kyso_ltv_ocsp_request_new(cases[i], issuer, nonce, &req,
                                           &req_len, &err),
                 want[i]);
    CHECK(req == NULL && req_len == 0);
    CHECK(strstr(err.message, "certificate") != NULL);
    CHECK_EQ_INT(kyso_ltv_ocsp_request_new(issuer, cases[i], nonce, &req,
                                           &req_len, &err),
                 want[i]);
    CHECK(req == NULL);
    CHECK(strstr(err.message, "issuer certificate") != NULL);
  }
  CHECK_EQ_INT(kyso_ltv_urls_new(issuer, NULL, &err), KYSO_ERR_ARGUMENT);
  /* A full (and oversized) buffer is refused by size, not parsed. */
  CHECK_EQ_INT(kyso_ltv_urls_new(cases[3], &urls, NULL), KYSO_ERR_LIMIT);
  free(big);
  free(trailing);
  blob_free(issuer);
}

/* ---- the OCSP request ---------------------------------------------------- */

/* Runs cmd and whether its output holds every string of want. */
static int command_says(const char *cmd, const char *const *want, size_t n) {
  char out[16384];
  size_t len = 0, got, i;
  FILE *p = popen(cmd, "r");
  if (!p)
    return 0;
  while ((got = fread(out + len, 1, sizeof out - 1 - len, p)) > 0)
    len += got;
  out[len] = '\0';
  if (pclose(p) != 0)
    return 0;
  for (i = 0; i < n; i++)
    if (!strstr(out, want[i])) {
      fprintf(stderr, "`%s` does not say \"%s\":\n%s\n", cmd, want[i], out);
      return 0;
    }
  return 1;
}

static int write_file(const char *path, const uint8_t *data, size_t len) {
  FILE *f = fopen(path, "wb");
  int ok = f && fwrite(data, 1, len, f) == len;
  if (f && fclose(f) != 0)
    ok = 0;
  return ok;
}

static int have_openssl(void) {
  return system("openssl version >/dev/null 2>&1") == 0;
}

static void check_ocsp_request(const uint8_t *der, size_t len, X509 *leaf,
                               X509 *issuer, const uint8_t *nonce,
                               size_t nonce_len) {
  const unsigned char *p = der;
  OCSP_REQUEST *req = d2i_OCSP_REQUEST(NULL, &p, (long)len);
  OCSP_CERTID *want = OCSP_cert_to_id(NULL, leaf, issuer);
  OCSP_ONEREQ *one;
  ASN1_OBJECT *md = NULL;
  X509_EXTENSION *ext;
  ASN1_OCTET_STRING *inner = NULL;
  OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
  unsigned char *again = NULL;
  int idx, again_len;

  CHECK(req != NULL && want != NULL && bs != NULL);
  if (!req || !want || !bs)
    goto done;
  CHECK(p == der + len);
  /* DER: encoding the parsed request again gives the same bytes. */
  again_len = i2d_OCSP_REQUEST(req, &again);
  CHECK(again_len == (int)len && memcmp(again, der, len) == 0);
  CHECK_EQ_INT(OCSP_request_onereq_count(req), 1);
  CHECK_EQ_INT(OCSP_request_is_signed(req), 0);
  one = OCSP_request_onereq_get0(req, 0);
  CHECK(one != NULL);
  if (one) {
    CHECK_EQ_INT(OCSP_id_cmp(OCSP_onereq_get0_id(one), want), 0);
    OCSP_id_get0_info(NULL, &md, NULL, NULL, OCSP_onereq_get0_id(one));
    CHECK(md && OBJ_obj2nid(md) == NID_sha1);
  }
  /* The nonce (RFC 8954): an OCTET STRING inside extnValue. */
  idx = OCSP_REQUEST_get_ext_by_NID(req, NID_id_pkix_OCSP_Nonce, -1);
  CHECK(idx >= 0);
  CHECK_EQ_INT(OCSP_REQUEST_get_ext_count(req), 1);
  if (idx >= 0) {
    ext = OCSP_REQUEST_get_ext(req, idx);
    p = ASN1_STRING_get0_data(X509_EXTENSION_get_data(ext));
    inner = d2i_ASN1_OCTET_STRING(
        NULL, &p, ASN1_STRING_length(X509_EXTENSION_get_data(ext)));
    CHECK(inner != NULL);
    if (inner)
      CHECK(ASN1_STRING_length(inner) == (int)nonce_len &&
            memcmp(ASN1_STRING_get0_data(inner), nonce, nonce_len) == 0);
  }
  /* And a response copying it passes OpenSSL's own nonce check. */
  CHECK(OCSP_copy_nonce(bs, req) == 1);
  CHECK_EQ_INT(OCSP_check_nonce(req, bs), 1);
done:
  OPENSSL_free(again);
  ASN1_OCTET_STRING_free(inner);
  OCSP_BASICRESP_free(bs);
  OCSP_CERTID_free(want);
  OCSP_REQUEST_free(req);
}

static void test_ocsp_request(EVP_PKEY *root_key, X509 *root) {
  uint8_t n32[32];
  EVP_PKEY *key = new_key(), *other_key = new_key();
  X509 *leaf = new_cert("leaf", key, root, root_key, NULL, NULL);
  X509 *other = new_cert("other root", other_key, NULL, NULL, NULL, NULL);
  kyso_blob leaf_der = der_of(leaf), root_der = der_of(root);
  kyso_blob other_der = der_of(other);
  kyso_blob nonce;
  uint8_t *req = NULL;
  size_t req_len = 0, i;
  kyso_error err;
  kyso_status s;

  for (i = 0; i < sizeof n32; i++)
    n32[i] = (uint8_t)(0xA0 + i);
  /* 16 and 32 bytes: the bounds. */
  for (i = 16; i <= 32; i += 16) {
    nonce = (kyso_blob){n32, i};
    s = kyso_ltv_ocsp_request_new(leaf_der, root_der, nonce, &req, &req_len,
                                  &err);
    CHECK_EQ_INT(s, KYSO_OK);
    if (s == KYSO_OK)
      check_ocsp_request(req, req_len, leaf, root, n32, i);
    if (s == KYSO_OK && i == 16 && have_openssl()) {
      const char *const want[] = {
          "OCSP Request Data:", "OCSP Nonce:", "Hash Algorithm: sha1",
          "0410A0A1A2A3A4A5A6A7A8A9AAABACADAEAF"};
      CHECK(write_file("test_ltv_requests.ocsp.der", req, req_len));
      CHECK(command_says("openssl ocsp -reqin test_ltv_requests.ocsp.der "
                         "-req_text 2>&1",
                         want, sizeof want / sizeof want[0]));
      remove("test_ltv_requests.ocsp.der");
    }
    kyso_ltv_request_free(req);
    req = NULL;
  }
  /* Nonces out of range. */
  nonce = (kyso_blob){n32, 15};
  CHECK_EQ_INT(kyso_ltv_ocsp_request_new(leaf_der, root_der, nonce, &req,
                                         &req_len, &err),
               KYSO_ERR_ARGUMENT);
  CHECK(strstr(err.message, "nonce") != NULL);
  nonce = (kyso_blob){n32, 33};
  CHECK_EQ_INT(kyso_ltv_ocsp_request_new(leaf_der, root_der, nonce, &req,
                                         &req_len, &err),
               KYSO_ERR_ARGUMENT);
  nonce = (kyso_blob){NULL, 16};
  CHECK_EQ_INT(kyso_ltv_ocsp_request_new(leaf_der, root_der, nonce, &req,
                                         &req_len, &err),
               KYSO_ERR_ARGUMENT);
  CHECK(req == NULL);
  /* The wrong issuer, and the certificate as its own issuer. */
  nonce = (kyso_blob){n32, 16};
  CHECK_EQ_INT(kyso_ltv_ocsp_request_new(leaf_der, other_der, nonce, &req,
                                         &req_len, &err),
               KYSO_ERR_ARGUMENT);
  CHECK(strstr(err.message, "did not issue") != NULL);
  CHECK_EQ_INT(kyso_ltv_ocsp_request_new(leaf_der, leaf_der, nonce, &req,
                                         &req_len, &err),
               KYSO_ERR_ARGUMENT);
  CHECK(req == NULL);
  CHECK_EQ_INT(kyso_ltv_ocsp_request_new(leaf_der, root_der, nonce, NULL,
                                         &req_len, &err),
               KYSO_ERR_ARGUMENT);

  blob_free(leaf_der);
  blob_free(root_der);
  blob_free(other_der);
  X509_free(leaf);
  X509_free(other);
  EVP_PKEY_free(key);
  EVP_PKEY_free(other_key);
}

/* ---- the timestamp request ----------------------------------------------- */

static void check_ts_request(const uint8_t *der, size_t len, int nid,
                             const uint8_t *digest, size_t digest_len,
                             const uint8_t *nonce, size_t nonce_len) {
  const unsigned char *p = der;
  TS_REQ *req = d2i_TS_REQ(NULL, &p, (long)len);
  BIGNUM *want = BN_bin2bn(nonce, (int)nonce_len, NULL);
  BIGNUM *got = NULL;
  TS_MSG_IMPRINT *imprint;
  X509_ALGOR *alg;
  ASN1_OCTET_STRING *msg;
  const ASN1_OBJECT *oid = NULL;
  int ptype = -1;
  const void *pval = NULL;
  const ASN1_INTEGER *n;

  CHECK(req != NULL && want != NULL);
  if (!req || !want)
    goto done;
  CHECK(p == der + len);
  CHECK_EQ_INT(TS_REQ_get_version(req), 1);
  imprint = TS_REQ_get_msg_imprint(req);
  alg = TS_MSG_IMPRINT_get_algo(imprint);
  X509_ALGOR_get0(&oid, &ptype, &pval, alg);
  CHECK_EQ_INT(OBJ_obj2nid(oid), nid);
  CHECK_EQ_INT(ptype, V_ASN1_NULL);
  msg = TS_MSG_IMPRINT_get_msg(imprint);
  CHECK(ASN1_STRING_length(msg) == (int)digest_len &&
        memcmp(ASN1_STRING_get0_data(msg), digest, digest_len) == 0);
  n = TS_REQ_get_nonce(req);
  CHECK(n != NULL);
  if (n) {
    got = ASN1_INTEGER_to_BN(n, NULL);
    CHECK(got && BN_cmp(got, want) == 0 && !BN_is_negative(got));
  }
  CHECK_EQ_INT(TS_REQ_get_cert_req(req), 1);
  CHECK(TS_REQ_get_policy_id(req) == NULL);
  CHECK_EQ_INT(TS_REQ_get_ext_count(req), 0);
done:
  BN_free(got);
  BN_free(want);
  TS_REQ_free(req);
}

static void test_ts_request(void) {
  static const struct {
    kyso_digest algorithm;
    int nid;
    size_t len;
  } algs[] = {{KYSO_DIGEST_SHA256, NID_sha256, 32},
              {KYSO_DIGEST_SHA384, NID_sha384, 48},
              {KYSO_DIGEST_SHA512, NID_sha512, 64}};
  uint8_t digest[64], high[32], low[16];
  kyso_blob nonce;
  uint8_t *req = NULL;
  size_t req_len = 0, i;
  kyso_error err;
  kyso_status s;

  for (i = 0; i < sizeof digest; i++)
    digest[i] = (uint8_t)(i * 7 + 1);
  /* A nonce with its top bit set (a positive INTEGER needs a 0x00 first)
   * and one starting with zero octets (a shorter INTEGER). */
  for (i = 0; i < sizeof high; i++)
    high[i] = (uint8_t)(0xF0 - i);
  memset(low, 0, sizeof low);
  low[2] = 0x01;
  low[15] = 0x7F;
  for (i = 0; i < sizeof algs / sizeof algs[0]; i++) {
    nonce = i == 1 ? (kyso_blob){low, sizeof low}
                   : (kyso_blob){high, i == 0 ? 16 : 32};
    s = kyso_ltv_ts_request_new(algs[i].algorithm,
                                (kyso_blob){digest, algs[i].len}, nonce, &req,
                                &req_len, &err);
    CHECK_EQ_INT(s, KYSO_OK);
    if (s == KYSO_OK)
      check_ts_request(req, req_len, algs[i].nid, digest, algs[i].len,
                       nonce.data, nonce.len);
    if (s == KYSO_OK && i == 0 && have_openssl()) {
      const char *const want[] = {
          "Hash Algorithm: sha256", "Nonce: 0xF0EFEEEDECEBEAE9E8E7E6E5E4E3E2E1",
          "Certificate required: yes", "Policy OID: unspecified"};
      CHECK(write_file("test_ltv_requests.tsq", req, req_len));
      CHECK(command_says("openssl ts -query -in test_ltv_requests.tsq -text "
                         "2>&1",
                         want, sizeof want / sizeof want[0]));
      remove("test_ltv_requests.tsq");
    }
    kyso_ltv_request_free(req);
    req = NULL;
  }
  /* A digest of the wrong length for its algorithm, an unknown algorithm,
   * no digest, nonces out of range. */
  nonce = (kyso_blob){high, 16};
  CHECK_EQ_INT(kyso_ltv_ts_request_new(KYSO_DIGEST_SHA384,
                                       (kyso_blob){digest, 32}, nonce, &req,
                                       &req_len, &err),
               KYSO_ERR_ARGUMENT);
  CHECK(strstr(err.message, "digest") != NULL);
  CHECK_EQ_INT(kyso_ltv_ts_request_new((kyso_digest)7, (kyso_blob){digest, 32},
                                       nonce, &req, &req_len, &err),
               KYSO_ERR_ARGUMENT);
  CHECK_EQ_INT(kyso_ltv_ts_request_new(KYSO_DIGEST_SHA256,
                                       (kyso_blob){NULL, 32}, nonce, &req,
                                       &req_len, &err),
               KYSO_ERR_ARGUMENT);
  CHECK_EQ_INT(
      kyso_ltv_ts_request_new(KYSO_DIGEST_SHA256, (kyso_blob){digest, 32},
                              (kyso_blob){high, 15}, &req, &req_len, &err),
      KYSO_ERR_ARGUMENT);
  CHECK(strstr(err.message, "nonce") != NULL);
  CHECK_EQ_INT(
      kyso_ltv_ts_request_new(KYSO_DIGEST_SHA256, (kyso_blob){digest, 32},
                              (kyso_blob){digest, 33}, &req, &req_len, &err),
      KYSO_ERR_ARGUMENT);
  CHECK_EQ_INT(kyso_ltv_ts_request_new(KYSO_DIGEST_SHA256,
                                       (kyso_blob){digest, 32}, nonce, &req,
                                       NULL, &err),
               KYSO_ERR_ARGUMENT);
  CHECK(req == NULL);
  kyso_ltv_request_free(NULL);
  kyso_ltv_urls_free(NULL);
}

int main(void) {
  EVP_PKEY *root_key = new_key();
  X509 *root = new_cert("root", root_key, NULL, NULL, NULL, NULL);

  test_urls(root_key, root);
  test_bad_certificates(root);
  test_ocsp_request(root_key, root);
  test_ts_request();
  /* The core leaves OpenSSL's error queue as it found it. */
  CHECK_EQ_INT(ERR_peek_error(), 0);

  X509_free(root);
  EVP_PKEY_free(root_key);
  return check_summary();
}
