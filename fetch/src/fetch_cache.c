/*
 * fetch_cache.c - the revocation cache: DER files in config.cache_dir.
 *
 * Nothing read back is trusted: the caller judges every cached answer
 * again with the core's checks at the current time, exactly as a fresh
 * one, and replaces it when it fails. The files only save requests.
 * Directory 0700, files 0600 written to a temporary name, fsync'd and
 * renamed, so a reader never sees half a file. Reads take a file only
 * from a directory that is ours and not group/world-writable (not a
 * link), opened with O_NOFOLLOW relative to that directory, and only a
 * regular file of ours without group/other bits: a file planted by
 * another user is ignored (and logged), not merely re-judged.
 */
#define _GNU_SOURCE /* O_NOFOLLOW, O_CLOEXEC, mkdir */

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fetch_internal.h"

static void hex_name(const char *prefix, const unsigned char digest[32],
                     char name[FETCH_CACHE_NAME_MAX]) {
  static const char hex[] = "0123456789abcdef";
  size_t i, n = strlen(prefix);
  memcpy(name, prefix, n);
  for (i = 0; i < 32; i++) {
    name[n + 2 * i] = hex[digest[i] >> 4];
    name[n + 2 * i + 1] = hex[digest[i] & 15];
  }
  memcpy(name + n + 64, ".der", 5);
}

kyso_status fetch_cache_name_ocsp(kyso_blob cert, kyso_blob issuer,
                                  char name[FETCH_CACHE_NAME_MAX],
                                  kyso_error *err) {
  kyso_status ret = KYSO_ERR_ARGUMENT;
  const unsigned char *p;
  X509 *x = NULL, *xi = NULL;
  unsigned char key_hash[EVP_MAX_MD_SIZE], digest[32];
  unsigned int key_hash_len = 0;
  unsigned char *serial = NULL;
  int serial_len;
  EVP_MD_CTX *md = NULL;

  p = cert.data;
  if (cert.len > KYSO_LIMIT_LTV_CERT_SIZE ||
      !(x = d2i_X509(NULL, &p, (long)cert.len))) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "certificate does not decode");
    goto done;
  }
  p = issuer.data;
  if (issuer.len > KYSO_LIMIT_LTV_CERT_SIZE ||
      !(xi = d2i_X509(NULL, &p, (long)issuer.len))) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "issuer does not decode");
    goto done;
  }
  serial_len = i2d_ASN1_INTEGER(X509_get_serialNumber(x), &serial);
  md = EVP_MD_CTX_new();
  /* the issuer key hash as in an OCSP CertID (RFC 6960 4.1.1), then the
   * serial's DER */
  if (serial_len <= 0 || !md ||
      !X509_pubkey_digest(xi, EVP_sha1(), key_hash, &key_hash_len) ||
      !EVP_DigestInit_ex(md, EVP_sha256(), NULL) ||
      !EVP_DigestUpdate(md, key_hash, key_hash_len) ||
      !EVP_DigestUpdate(md, serial, (size_t)serial_len) ||
      !EVP_DigestFinal_ex(md, digest, NULL)) {
    ret = kyso_error_set(err, KYSO_ERR_CRYPTO, "cannot hash the cache key");
    goto done;
  }
  hex_name("ocsp-", digest, name);
  ret = KYSO_OK;

done:
  EVP_MD_CTX_free(md);
  OPENSSL_free(serial);
  X509_free(x);
  X509_free(xi);
  return ret;
}

void fetch_cache_name_crl(const char *url, char name[FETCH_CACHE_NAME_MAX]) {
  unsigned char digest[32];
  unsigned int len = 0;
  if (!EVP_Digest(url, strlen(url), digest, &len, EVP_sha256(), NULL))
    memset(digest, 0, sizeof(digest));
  hex_name("crl-", digest, name);
}

static char *cache_path(const kyso_fetch_config *config, const char *name) {
  size_t n = strlen(config->cache_dir) + strlen(name) + 2;
  char *p = malloc(n);
  if (p)
    snprintf(p, n, "%s/%s", config->cache_dir, name);
  return p;
}

/* The cache directory opened for reading: a real directory (not a
 * link), owned by this user, not writable by group or others; else -1
 * (logged when it exists). */
static int cache_dir_open(const kyso_fetch_config *config) {
  struct stat st;
  int fd =
      open(config->cache_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT)
      fetch_log(config,
                "cache: directory %s unusable (a link, or not a "
                "directory), not read",
                config->cache_dir);
    return -1;
  }
  if (fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
      (st.st_mode & 022)) {
    fetch_log(config,
              "cache: directory %s not ours or writable by others, "
              "not read",
              config->cache_dir);
    close(fd);
    return -1;
  }
  return fd;
}

int fetch_cache_read(const kyso_fetch_config *config, const char *name,
                     size_t max, uint8_t **data, size_t *len) {
  int ok = 0, fd = -1, dfd = -1;
  struct stat st;
  uint8_t *buf = NULL;
  size_t got = 0;
  ssize_t n;

  *data = NULL;
  *len = 0;
  if (!config->cache_dir || strchr(name, '/') ||
      (dfd = cache_dir_open(config)) < 0)
    goto done;
  fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (errno != ENOENT)
      fetch_log(config, "cache: %s unreadable or a link, ignored", name);
    goto done;
  }
  /* only what this user wrote, as the writer writes it: a regular file,
   * ours, no group or other permission bits (0600) */
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
      (st.st_mode & 077)) {
    fetch_log(config, "cache: %s not a regular 0600 file of ours, ignored",
              name);
    goto done;
  }
  if (st.st_size <= 0 || (size_t)st.st_size > max)
    goto done;
  buf = malloc((size_t)st.st_size);
  if (!buf)
    goto done;
  while (got < (size_t)st.st_size) {
    n = read(fd, buf + got, (size_t)st.st_size - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      goto done;
    got += (size_t)n;
  }
  *data = buf;
  *len = got;
  buf = NULL;
  ok = 1;

done:
  free(buf);
  if (fd >= 0)
    close(fd);
  if (dfd >= 0)
    close(dfd);
  return ok;
}

/* mkdir -p with 0700 for the parts it creates. */
static int make_dirs(const char *dir) {
  char *copy = strdup(dir), *p;
  int ok = 0;
  struct stat st;

  if (!copy)
    return 0;
  for (p = copy + 1; *p; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    if (mkdir(copy, 0700) != 0 && errno != EEXIST)
      goto done;
    *p = '/';
  }
  if (mkdir(copy, 0700) != 0 && errno != EEXIST)
    goto done;
  /* a directory others may write into is not ours to trust */
  if (lstat(copy, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
      (st.st_mode & 022))
    goto done;
  ok = 1;

done:
  free(copy);
  return ok;
}

void fetch_cache_write(const kyso_fetch_config *config, const char *name,
                       const uint8_t *data, size_t len) {
  char *path = NULL, *tmp = NULL;
  unsigned char rnd[8];
  int fd = -1, ok = 0;
  size_t done_len = 0, n;
  ssize_t w;

  if (!config->cache_dir)
    return;
  if (!make_dirs(config->cache_dir)) {
    fetch_log(config,
              "cache: directory %s unusable (not ours, or writable "
              "by others), not written",
              config->cache_dir);
    return;
  }
  path = cache_path(config, name);
  n = path ? strlen(path) + 32 : 0;
  tmp = path ? malloc(n) : NULL;
  if (!tmp || RAND_bytes(rnd, sizeof(rnd)) != 1)
    goto done;
  snprintf(tmp, n, "%s.tmp-%02x%02x%02x%02x%02x%02x%02x%02x", path, rnd[0],
           rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
  fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    goto done;
  while (done_len < len) {
    w = write(fd, data + done_len, len - done_len);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      goto done;
    done_len += (size_t)w;
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    fd = -1;
    goto done;
  }
  fd = -1;
  if (rename(tmp, path) != 0)
    goto done;
  ok = 1;

done:
  if (fd >= 0)
    close(fd);
  if (!ok && tmp)
    unlink(tmp);
  if (!ok)
    fetch_log(config, "cache: cannot write %s", path ? path : name);
  free(tmp);
  free(path);
}

void fetch_cache_remove(const kyso_fetch_config *config, const char *name) {
  char *path;
  if (!config->cache_dir || !(path = cache_path(config, name)))
    return;
  unlink(path);
  free(path);
}
