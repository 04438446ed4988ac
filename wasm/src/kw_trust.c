/* kw_trust.c - trust sets for the WASM verifier: the bundled Vietnamese
 * roots plus what the caller adds, sorted as the CLI sorts them; see kw.h. */
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "kw.h"

/* The bundled Vietnamese roots and sub-CAs (the PEM files of trust/vn),
 * generated. */
extern const char kw_trust_vn_pem[];

static int trust_push(kyso_blob **list, size_t *count, X509 *x) {
  unsigned char *der = NULL;
  kyso_blob *grown;
  int n = i2d_X509(x, &der);

  if (n <= 0)
    return 0;
  grown = realloc(*list, (*count + 1) * sizeof(**list));
  if (!grown) {
    OPENSSL_free(der);
    return 0;
  }
  grown[*count].data = der;
  grown[*count].len = (size_t)n;
  *list = grown;
  (*count)++;
  return 1;
}

/* Self-signed certificates are anchors, others intermediates, as the CLI's
 * trust loader sorts them. */
static int trust_add_cert(kw_trust *t, X509 *x) {
  if (t->anchor_count + t->intermediate_count >= KW_TRUST_MAX) {
    kw_fail(KYSO_ERR_LIMIT, "too many trusted certificates");
    return 0;
  }
  if (X509_check_issued(x, x) == X509_V_OK)
    return trust_push(&t->anchors, &t->anchor_count, x);
  return trust_push(&t->intermediates, &t->intermediate_count, x);
}

/* Adds every certificate of a PEM bundle, or one DER certificate. Returns
 * the number added, 0 on error. */
KW_EXPORT int kw_trust_add(kw_trust *t, const uint8_t *data, size_t len) {
  BIO *bio = NULL;
  X509 *x = NULL;
  const uint8_t *p = data;
  int added = 0;

  if (!t || !data || len == 0 || len > KW_TRUST_INPUT_MAX) {
    kw_fail(KYSO_ERR_ARGUMENT, "a trusted certificate is empty or too large");
    goto done;
  }
  if (data[0] == 0x30) {
    x = d2i_X509(NULL, &p, (long)len);
    if (x && trust_add_cert(t, x))
      added = 1;
    goto done;
  }
  bio = BIO_new_mem_buf(data, (int)len);
  while (bio && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
    if (!trust_add_cert(t, x))
      goto done;
    X509_free(x);
    x = NULL;
    added++;
  }

done:
  ERR_clear_error();
  X509_free(x);
  BIO_free(bio);
  if (added == 0 && kw_last_error.code == KYSO_OK)
    kw_fail(KYSO_ERR_ARGUMENT, "no certificate in a trusted certificate input");
  return added;
}

KW_EXPORT void kw_trust_free(kw_trust *t) {
  size_t i;
  if (!t)
    return;
  for (i = 0; i < t->anchor_count; i++)
    OPENSSL_free((void *)t->anchors[i].data);
  for (i = 0; i < t->intermediate_count; i++)
    OPENSSL_free((void *)t->intermediates[i].data);
  free(t->anchors);
  free(t->intermediates);
  free(t);
}

/* A new trust set, holding the bundled Vietnamese roots when with_default. */
KW_EXPORT kw_trust *kw_trust_new(int with_default) {
  kw_trust *t = calloc(1, sizeof(*t));
  if (!t)
    return kw_fail(KYSO_ERR_NO_MEMORY, "out of memory");
  kyso_error_clear(&kw_last_error);
  if (with_default && !kw_trust_add(t, (const uint8_t *)kw_trust_vn_pem,
                                    strlen(kw_trust_vn_pem))) {
    kw_trust_free(t);
    return NULL;
  }
  return t;
}
