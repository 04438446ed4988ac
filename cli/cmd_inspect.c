/*
 * cmd_inspect.c - `kyso inspect`: what is in a PDF, as written. Revisions,
 * pages, signature fields with their ByteRanges and signers. It judges
 * nothing: `kyso verify` does that.
 */
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "file_io.h"
#include "kyso/limits.h"
#include "kyso/pdf.h"
#include "pdf_password.h"
#include "pin_read.h"

/* Prints the CN of name (UTF-8) or "?" */
static void print_cn(const X509_NAME *name) {
  int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  unsigned char *utf8 = NULL;
  int n = idx >= 0
              ? ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(
                                               X509_NAME_get_entry(name, idx)))
              : -1;
  if (n > 0)
    printf("%.*s", n, (const char *)utf8);
  else
    printf("?");
  OPENSSL_free(utf8);
}

/* Signer and issuer from the CMS in /Contents; decoding only, no checks. */
static void print_signer(const uint8_t *der, size_t len) {
  const unsigned char *p = der;
  CMS_ContentInfo *cms = NULL;
  STACK_OF(X509) *certs = NULL;
  STACK_OF(CMS_SignerInfo) *infos;
  int i;

  if (len > INT32_MAX)
    goto done;
  cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
  if (!cms)
    goto done;
  infos = CMS_get0_SignerInfos(cms);
  certs = CMS_get1_certs(cms);
  if (!infos || sk_CMS_SignerInfo_num(infos) < 1 || !certs)
    goto done;
  for (i = 0; i < sk_X509_num(certs); i++) {
    X509 *x = sk_X509_value(certs, i);
    if (CMS_SignerInfo_cert_cmp(sk_CMS_SignerInfo_value(infos, 0), x) == 0) {
      printf("    signer: ");
      print_cn(X509_get_subject_name(x));
      printf("\n    issuer: ");
      print_cn(X509_get_issuer_name(x));
      printf("\n");
      goto done;
    }
  }
  printf("    signer: (certificate not embedded)\n");
done:
  if (!cms)
    printf("    signer: (/Contents is not a CMS SignedData)\n");
  sk_X509_pop_free(certs, X509_free);
  CMS_ContentInfo_free(cms);
  ERR_clear_error();
}

static void print_signature(const kyso_pdf_signature *s, size_t revisions) {
  size_t i;
  printf("  %s: %s%s%s\n", s->field_name, s->type[0] ? s->type : "(no /Type)",
         s->sub_filter[0] ? ", " : "", s->sub_filter);
  printf("    ByteRange [");
  for (i = 0; i < s->byte_range_count && i < 4; i++)
    printf(i ? " %lld" : "%lld", (long long)s->byte_range[i]);
  printf("%s]\n", s->byte_range_count > 4 ? " ..." : "");
  if (s->revision != (size_t)-1)
    printf("    covers revision %zu of %zu%s\n", s->revision + 1, revisions,
           s->covers_whole_file ? " (the whole file)" : "");
  else
    printf("    covers no revision boundary\n");
  if (s->signing_time[0])
    printf("    time (/M): %s\n", s->signing_time);
  if (s->name[0])
    printf("    name: %s\n", s->name);
  if (s->reason[0])
    printf("    reason: %s\n", s->reason);
  if (s->location[0])
    printf("    location: %s\n", s->location);
  if (s->contents)
    print_signer(s->contents, s->contents_len);
}

static kyso_status run_inspect(const char *path, const char *password_file,
                               kyso_error *err) {
  kyso_status ret;
  char password[KYSO_CLI_PASSWORD_CAP];
  const uint8_t *data = NULL;
  size_t len = 0, pages = 0, i, n, count = 0;
  kyso_pdf *pdf = NULL;
  const kyso_pdf_signature *sigs = NULL;

  ret = kyso_file_map(path, KYSO_LIMIT_PDF_SIZE, &data, &len, err);
  if (ret == KYSO_OK)
    ret = kyso_cli_pdf_open(data, len, password_file, password,
                            sizeof(password), &pdf, err);
  kyso_pin_wipe(password, sizeof(password));
  if (ret == KYSO_OK)
    ret = kyso_pdf_get_page_count(pdf, &pages, err);
  if (ret == KYSO_OK)
    ret = kyso_pdf_list_signatures(pdf, &sigs, &count, err);
  if (ret != KYSO_OK)
    goto done;
  n = kyso_pdf_get_revision_count(pdf);
  printf("file: %s (%zu bytes)\n", path, len);
  printf("pages: %zu\n", pages);
  printf("revisions: %zu\n", n);
  for (i = 0; i < n; i++) {
    kyso_revision_info r;
    if (kyso_pdf_get_revision(pdf, i, &r) == 0)
      printf("  %zu: %s at byte %zu, ends at byte %zu\n", i + 1,
             r.xref_is_stream ? "xref stream" : "xref table", r.xref_offset,
             r.end);
  }
  printf("signatures: %zu\n", count);
  for (i = 0; i < count; i++)
    print_signature(&sigs[i], n);
done:
  kyso_pdf_close(pdf);
  kyso_file_unmap(data, len);
  return ret;
}

int kyso_cmd_inspect(int argc, char **argv) {
  kyso_error err;
  const char *password_file = NULL;
  kyso_error_clear(&err);
  if (argc == 2 && strcmp(argv[1], "--help") == 0) {
    puts("usage: kyso inspect FILE [--password-file FILE]\n\nLists pages, "
         "revisions and signature fields (ByteRange, signer) as written in "
         "FILE. It does not verify anything. An encrypted FILE with a "
         "password to open it: --password-file (its first line), else the "
         "password is asked on the terminal.");
    return KYSO_EXIT_OK;
  }
  if (argc == 4 && strcmp(argv[2], "--password-file") == 0)
    password_file = argv[3];
  else if (argc != 2)
    return kyso_cli_usage_error(
        "usage: kyso inspect FILE [--password-file FILE]");
  if (run_inspect(argv[1], password_file, &err) != KYSO_OK)
    return kyso_cli_fail(&err);
  return KYSO_EXIT_OK;
}
