/*
 * ltv_urls.c - the URLs a certificate names for its revocation status and
 * its issuer: Authority Information Access (RFC 5280 4.2.2.1: id-ad-ocsp,
 * id-ad-caIssuers) and CRL distribution points (RFC 5280 4.2.1.13, the URIs
 * of each fullName). OpenSSL decodes the certificate and the extensions;
 * this file only sorts, checks and copies the URIs.
 *
 * Only http and https are kept: ldap and file URIs (some older CAs list
 * them) are counted as skipped, never handed to a fetcher.
 */
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "ltv/ltv_cert.h"

/* A URI with this shape is kept: printable ASCII without spaces (an
 * IA5String may hold NUL and control characters, which would cut or bend
 * the URL once it is a C string), at most the length limit. */
static int url_well_formed(const uint8_t *s, size_t len) {
  size_t i;
  if (len == 0 || len > KYSO_LIMIT_LTV_URL_LENGTH)
    return 0;
  for (i = 0; i < len; i++)
    if (s[i] <= 0x20 || s[i] >= 0x7f)
      return 0;
  return 1;
}

/* Whether s starts with prefix, ASCII letters in any case (RFC 3986 3.1:
 * schemes are case-insensitive). */
static int starts_with_nocase(const uint8_t *s, size_t len,
                              const char *prefix) {
  size_t i, n = strlen(prefix);
  if (len < n)
    return 0;
  for (i = 0; i < n; i++) {
    uint8_t c = s[i];
    if (c >= 'A' && c <= 'Z')
      c = (uint8_t)(c - 'A' + 'a');
    if (c != (uint8_t)prefix[i])
      return 0;
  }
  return 1;
}

/* 1 for http:// or https:// followed by a host, -1 for either scheme
 * without a host ("http:///x"), 0 for another scheme. */
static int url_http(const uint8_t *s, size_t len) {
  size_t n;
  if (starts_with_nocase(s, len, "http://"))
    n = 7;
  else if (starts_with_nocase(s, len, "https://"))
    n = 8;
  else
    return 0;
  return len > n && s[n] != '/' ? 1 : -1;
}

/* Adds the URI gn (any GeneralName; only uniformResourceIdentifier ones are
 * URLs) to list. -1 only when out of memory. */
static int add_uri(kyso_ltv_urls *urls, kyso_ltv_url_list *list,
                   const GENERAL_NAME *gn) {
  const ASN1_IA5STRING *uri;
  const uint8_t *s;
  size_t len, i;
  char *copy;
  int kind;

  if (!gn || gn->type != GEN_URI)
    return 0;
  uri = gn->d.uniformResourceIdentifier;
  s = ASN1_STRING_get0_data(uri);
  len = (size_t)ASN1_STRING_length(uri);
  kind = s && url_well_formed(s, len) ? url_http(s, len) : -1;
  if (kind != 1) {
    if (kind == 0)
      urls->skipped_scheme++;
    else
      urls->skipped_malformed++;
    return 0;
  }
  for (i = 0; i < list->count; i++)
    if (strlen(list->url[i]) == len && memcmp(list->url[i], s, len) == 0)
      return 0;
  if (list->count == KYSO_LIMIT_LTV_URLS) {
    urls->skipped_over_count++;
    return 0;
  }
  copy = malloc(len + 1);
  if (!copy)
    return -1;
  memcpy(copy, s, len);
  copy[len] = '\0';
  list->url[list->count++] = copy;
  return 0;
}

/* The decoded extension nid of x in *ext, NULL when absent. -1 (message
 * in err) when it is repeated or does not decode. */
static int get_ext(X509 *x, int nid, const char *name, void **ext,
                   kyso_error *err) {
  int crit = 0;
  *ext = X509_get_ext_d2i(x, nid, &crit, NULL);
  if (*ext || crit == -1)
    return 0;
  if (crit == -2)
    kyso_error_set(err, KYSO_ERR_ARGUMENT,
                   "certificate has more than one %s extension", name);
  else
    kyso_error_set(err, KYSO_ERR_ARGUMENT,
                   "certificate's %s extension does not decode", name);
  return -1;
}

kyso_status kyso_ltv_urls_new(kyso_blob cert, kyso_ltv_urls **out,
                              kyso_error *err) {
  kyso_status ret = KYSO_ERR_ARGUMENT;
  X509 *x = NULL;
  AUTHORITY_INFO_ACCESS *aia = NULL;
  STACK_OF(DIST_POINT) *dps = NULL;
  kyso_ltv_urls *urls = NULL;
  void *ext = NULL;
  int i, j, oom = 0;

  ERR_set_mark();
  if (!out) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "missing argument");
    goto done;
  }
  *out = NULL;
  ret = kyso_ltv_cert_decode(cert, "certificate", &x, err);
  if (ret != KYSO_OK)
    goto done;
  ret = KYSO_ERR_ARGUMENT;
  if (get_ext(x, NID_info_access, "Authority Information Access", &ext, err) !=
      0)
    goto done;
  aia = ext;
  if (get_ext(x, NID_crl_distribution_points, "CRL Distribution Points", &ext,
              err) != 0)
    goto done;
  dps = ext;
  urls = calloc(1, sizeof *urls);
  if (!urls) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  for (i = 0; aia && i < sk_ACCESS_DESCRIPTION_num(aia) && !oom; i++) {
    const ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, i);
    int method = OBJ_obj2nid(ad->method);
    if (method == NID_ad_OCSP)
      oom = add_uri(urls, &urls->ocsp, ad->location) != 0;
    else if (method == NID_ad_ca_issuers)
      oom = add_uri(urls, &urls->ca_issuers, ad->location) != 0;
  }
  /* nameRelativeToCRLIssuer (type 1) names no URL: left out. */
  for (i = 0; dps && i < sk_DIST_POINT_num(dps) && !oom; i++) {
    const DIST_POINT *dp = sk_DIST_POINT_value(dps, i);
    if (!dp->distpoint || dp->distpoint->type != 0)
      continue;
    for (j = 0; j < sk_GENERAL_NAME_num(dp->distpoint->name.fullname) && !oom;
         j++)
      oom =
          add_uri(urls, &urls->crl,
                  sk_GENERAL_NAME_value(dp->distpoint->name.fullname, j)) != 0;
  }
  if (oom) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  *out = urls;
  urls = NULL;
  ret = KYSO_OK;
done:
  kyso_ltv_urls_free(urls);
  AUTHORITY_INFO_ACCESS_free(aia);
  sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
  X509_free(x);
  ERR_pop_to_mark();
  return ret;
}

static void list_free(kyso_ltv_url_list *list) {
  size_t i;
  for (i = 0; i < list->count; i++)
    free(list->url[i]);
}

void kyso_ltv_urls_free(kyso_ltv_urls *urls) {
  if (!urls)
    return;
  list_free(&urls->ocsp);
  list_free(&urls->ca_issuers);
  list_free(&urls->crl);
  free(urls);
}
