/*
 * token_lock.c - the per-module lock file; see kyso/token_lock.h.
 *
 * Every check is made on an open descriptor (fstat after open with
 * O_NOFOLLOW), so a name swapped between a check and its use cannot lead
 * kyso into another user's directory.
 */
#define _GNU_SOURCE /* O_DIRECTORY, O_NOFOLLOW, realpath */
#include "kyso/token_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

enum {
  LOCK_PATH_MAX = 4096,
  LOCK_POLL_MS = 20,    /* between two tries of a held lock */
  LOCK_NAME_BYTES = 16, /* of the SHA-256 of the module path, in hex */
  LOCK_NAME_MAX = 64
};

struct kyso_token_lock {
  int fd;
};

/* 1 when fd is a directory of uid's with no group or other access. */
static int dir_is_private(int fd, uid_t uid, struct stat *st) {
  return fstat(fd, st) == 0 && S_ISDIR(st->st_mode) && st->st_uid == uid &&
         (st->st_mode & 077) == 0;
}

/* Opens (creating it 0700 if needed) the directory name under base_fd
 * (the directory base, for messages; closed here), and checks it is uid's
 * own and private. */
static kyso_status open_private_subdir(int base_fd, const char *base,
                                       const char *name, uid_t uid, int *out,
                                       char *path, size_t cap,
                                       kyso_error *err) {
  kyso_status ret;
  struct stat st;
  int fd = -1, made = 0;

  *out = -1;
  snprintf(path, cap, "%s/%s", base, name);
  if (base_fd < 0) {
    ret = kyso_error_set(err, KYSO_ERR_IO,
                         "cannot open %s for the token lock: %s", base,
                         strerror(errno));
    goto done;
  }
  if (mkdirat(base_fd, name, 0700) == 0)
    made = 1;
  else if (errno != EEXIST) {
    ret = kyso_error_set(err, KYSO_ERR_IO, "cannot create %s: %s", path,
                         strerror(errno));
    goto done;
  }
  fd = openat(base_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0 && made)
    (void)fchmod(fd, 0700); /* the umask may have taken bits kyso needs */
  if (fd < 0 || !dir_is_private(fd, uid, &st)) {
    ret = kyso_error_set(err, KYSO_ERR_IO,
                         "the token lock directory %s is not a private "
                         "directory of this user (a symlink, another owner, "
                         "or group/other access): remove it, or set "
                         "XDG_RUNTIME_DIR",
                         path);
    goto done;
  }
  *out = fd;
  fd = -1;
  ret = KYSO_OK;
done:
  if (fd >= 0)
    close(fd);
  if (base_fd >= 0)
    close(base_fd);
  return ret;
}

/* The lock directory, open: $XDG_RUNTIME_DIR/kyso when XDG_RUNTIME_DIR is
 * usable, else ${TMPDIR:-/tmp}/kyso-UID. */
static kyso_status open_lock_dir(int *out, char *path, size_t cap,
                                 kyso_error *err) {
  const char *xdg = getenv("XDG_RUNTIME_DIR");
  const char *tmp = getenv("TMPDIR");
  uid_t uid = geteuid();
  char name[32];
  struct stat st;
  int fd;

  if (xdg && xdg[0] == '/') {
    fd = open(xdg, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0 && dir_is_private(fd, uid, &st))
      return open_private_subdir(fd, xdg, "kyso", uid, out, path, cap, err);
    if (fd >= 0)
      close(fd);
  }
  if (!tmp || tmp[0] != '/')
    tmp = "/tmp";
  snprintf(name, sizeof(name), "kyso-%lu", (unsigned long)uid);
  return open_private_subdir(open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC), tmp,
                             name, uid, out, path, cap, err);
}

/* p11-HEX.lock: the module's canonical path hashed (a bare library name,
 * left to the dlopen search, as given). */
static kyso_status lock_name(const char *module, char *name, size_t cap,
                             kyso_error *err) {
  static const char hex[] = "0123456789abcdef";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0, i;
  char *canon = strchr(module, '/') ? realpath(module, NULL) : NULL;
  const char *key = canon ? canon : module;
  size_t n;

  if (!EVP_Digest(key, strlen(key), md, &md_len, EVP_sha256(), NULL)) {
    free(canon);
    return kyso_error_set(err, KYSO_ERR_CRYPTO, "cannot hash the module path");
  }
  free(canon);
  n = (size_t)snprintf(name, cap, "p11-");
  for (i = 0; i < LOCK_NAME_BYTES && n + 2 < cap; i++) {
    name[n++] = hex[md[i] >> 4];
    name[n++] = hex[md[i] & 15];
  }
  snprintf(name + n, cap - n, ".lock");
  return KYSO_OK;
}

int kyso_token_lock_wait_ms(void) {
  const char *s = getenv("KYSO_TOKEN_LOCK_WAIT");
  char *end = NULL;
  long v = -1;

  if (s && *s)
    v = strtol(s, &end, 10);
  if (v < 0 || *end || v > KYSO_TOKEN_LOCK_WAIT_MAX_MS / 1000)
    return KYSO_TOKEN_LOCK_WAIT_MS;
  return (int)v * 1000;
}

static long ms_since(const struct timespec *start) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (long)(now.tv_sec - start->tv_sec) * 1000 +
         (long)(now.tv_nsec - start->tv_nsec) / 1000000;
}

/* flock(fd) within wait_ms: 0, or -1 with errno (EWOULDBLOCK: still held). */
static int lock_within(int fd, int wait_ms) {
  struct timespec start, pause = {0, LOCK_POLL_MS * 1000000L};

  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    if (flock(fd, LOCK_EX | LOCK_NB) == 0)
      return 0;
    if (errno != EWOULDBLOCK && errno != EINTR)
      return -1;
    if (ms_since(&start) >= wait_ms) {
      errno = EWOULDBLOCK;
      return -1;
    }
    nanosleep(&pause, NULL);
  }
}

kyso_status kyso_token_lock_acquire(const char *module, int wait_ms,
                                    kyso_token_lock **out, kyso_error *err) {
  kyso_status ret;
  char dir[LOCK_PATH_MAX], name[LOCK_NAME_MAX];
  struct stat st;
  int dir_fd = -1, fd = -1;

  *out = NULL;
  if (!module) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "pkcs11: missing module path");
    goto done;
  }
  ret = lock_name(module, name, sizeof(name), err);
  if (ret == KYSO_OK)
    ret = open_lock_dir(&dir_fd, dir, sizeof(dir), err);
  if (ret != KYSO_OK)
    goto done;
  fd = openat(dir_fd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
      st.st_uid != geteuid()) {
    ret = kyso_error_set(
        err, KYSO_ERR_IO, "cannot open the token lock %s/%s%s%s", dir, name,
        fd < 0 ? ": " : "", fd < 0 ? strerror(errno) : " (not a file of ours)");
    goto done;
  }
  if (lock_within(fd, wait_ms > 0 ? wait_ms : 0) != 0) {
    ret = errno == EWOULDBLOCK
              ? kyso_error_set(err, KYSO_ERR_TOKEN_BUSY,
                               "another kyso process has been using the "
                               "token of %s for over %d s; try again when "
                               "it is done (lock %s/%s)",
                               module, wait_ms / 1000, dir, name)
              : kyso_error_set(err, KYSO_ERR_IO, "cannot lock %s/%s: %s", dir,
                               name, strerror(errno));
    goto done;
  }
  *out = malloc(sizeof(**out));
  if (!*out) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  (*out)->fd = fd;
  fd = -1;
  ret = KYSO_OK;
done:
  if (fd >= 0)
    close(fd); /* releases the lock if it was taken */
  if (dir_fd >= 0)
    close(dir_fd);
  return ret;
}

void kyso_token_lock_release(kyso_token_lock *lock) {
  if (!lock)
    return;
  close(lock->fd); /* the flock goes with the last descriptor */
  free(lock);
}
