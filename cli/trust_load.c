/* trust_load.c - loading trust anchors and intermediates; see trust_load.h. */
#define _POSIX_C_SOURCE 200809L
#include "trust_load.h"

#include <dirent.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "file_io.h"

enum { TRUST_FILE_MAX = 1024 * 1024, TRUST_CERTS_MAX = 4096 };

static int has_cert_suffix(const char *name) {
  static const char *const suffixes[] = {".pem", ".crt", ".cer", ".der"};
  size_t n = strlen(name), i;
  for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
    if (n > 4 && strcmp(name + n - 4, suffixes[i]) == 0)
      return 1;
  return 0;
}

static kyso_status push(kyso_blob **list, size_t *count, X509 *x,
                        kyso_error *err) {
  unsigned char *der = NULL;
  int n;
  kyso_blob *p;
  if (*count >= TRUST_CERTS_MAX)
    return kyso_error_set(err, KYSO_ERR_LIMIT, "more than %d certificates",
                          TRUST_CERTS_MAX);
  n = i2d_X509(x, &der);
  if (n <= 0)
    return kyso_error_set(err, KYSO_ERR_CRYPTO, "cannot encode a certificate");
  p = realloc(*list, (*count + 1) * sizeof(*p));
  if (!p) {
    OPENSSL_free(der);
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  }
  p[*count].data = der;
  p[*count].len = (size_t)n;
  *list = p;
  (*count)++;
  return KYSO_OK;
}

static kyso_status add_cert(kyso_trust_set *set, X509 *x, kyso_error *err) {
  /* Self-signed (issuer == subject and the signature verifies): a root. */
  if (X509_check_issued(x, x) == X509_V_OK)
    return push(&set->anchors, &set->anchor_count, x, err);
  return push(&set->intermediates, &set->intermediate_count, x, err);
}

static kyso_status load_file(kyso_trust_set *set, const char *path,
                             size_t *found, kyso_error *err) {
  kyso_status ret;
  uint8_t *data = NULL;
  size_t len = 0;
  BIO *bio = NULL;
  X509 *x = NULL;

  ret = kyso_file_read(path, TRUST_FILE_MAX, &data, &len, err);
  if (ret != KYSO_OK)
    goto done;
  bio = BIO_new_mem_buf(data, (int)len);
  if (!bio) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
    ret = add_cert(set, x, err);
    X509_free(x);
    x = NULL;
    if (ret != KYSO_OK)
      goto done;
    (*found)++;
  }
  if (*found == 0) {
    const unsigned char *p = data;
    x = d2i_X509(NULL, &p, (long)len);
    if (x && p == data + len) {
      ret = add_cert(set, x, err);
      if (ret != KYSO_OK)
        goto done;
      (*found)++;
    }
  }
  ret = KYSO_OK;
done:
  ERR_clear_error();
  X509_free(x);
  BIO_free(bio);
  free(data);
  return ret;
}

kyso_status kyso_trust_load(kyso_trust_set *set, const char *path,
                            kyso_error *err) {
  kyso_status ret = KYSO_OK;
  struct stat st;
  size_t found = 0;
  DIR *dir = NULL;
  struct dirent *de;
  char *full = NULL;

  if (stat(path, &st) != 0) {
    ret = kyso_error_set(err, KYSO_ERR_IO, "cannot open %s", path);
    goto done;
  }
  if (!S_ISDIR(st.st_mode)) {
    ret = load_file(set, path, &found, err);
    goto check;
  }
  dir = opendir(path);
  if (!dir) {
    ret = kyso_error_set(err, KYSO_ERR_IO, "cannot read directory %s", path);
    goto done;
  }
  while (ret == KYSO_OK && (de = readdir(dir)) != NULL) {
    size_t n;
    if (!has_cert_suffix(de->d_name))
      continue;
    n = strlen(path) + strlen(de->d_name) + 2;
    free(full);
    full = malloc(n);
    if (!full) {
      ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
      goto done;
    }
    snprintf(full, n, "%s/%s", path, de->d_name);
    ret = load_file(set, full, &found, err);
  }
check:
  if (ret == KYSO_OK && found == 0)
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "no certificate in %s", path);
done:
  free(full);
  if (dir)
    closedir(dir);
  return ret;
}

const char *kyso_trust_default_dir(void) {
  static const char *const candidates[] = {KYSO_TRUST_INSTALL_DIR,
                                           KYSO_TRUST_SOURCE_DIR};
  struct stat st;
  size_t i;
  for (i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++)
    if (stat(candidates[i], &st) == 0 && S_ISDIR(st.st_mode))
      return candidates[i];
  return NULL;
}

void kyso_trust_free(kyso_trust_set *set) {
  size_t i;
  for (i = 0; i < set->anchor_count; i++)
    OPENSSL_free((void *)set->anchors[i].data);
  for (i = 0; i < set->intermediate_count; i++)
    OPENSSL_free((void *)set->intermediates[i].data);
  free(set->anchors);
  free(set->intermediates);
  memset(set, 0, sizeof(*set));
}
