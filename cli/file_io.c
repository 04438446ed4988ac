/* file_io.c - bounded reads and atomic writes; see file_io.h. */
#define _GNU_SOURCE /* MAP_POPULATE */
#include "file_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Opens path for reading: a regular file of at most limit bytes. On
 * failure *fd is closed (-1). */
static kyso_status open_regular(const char *path, size_t limit, int *fd,
                                struct stat *st, kyso_error *err) {
  kyso_status ret = KYSO_OK;
  *fd = open(path, O_RDONLY | O_CLOEXEC);
  if (*fd < 0 || fstat(*fd, st) != 0)
    ret = kyso_error_set(err, KYSO_ERR_IO, "cannot open %s: %s", path,
                         strerror(errno));
  else if (!S_ISREG(st->st_mode))
    ret = kyso_error_set(err, KYSO_ERR_IO, "%s is not a regular file", path);
  else if ((uint64_t)st->st_size > limit)
    ret = kyso_error_set(err, KYSO_ERR_LIMIT, "%s is larger than %zu bytes",
                         path, limit);
  if (ret != KYSO_OK && *fd >= 0) {
    close(*fd);
    *fd = -1;
  }
  return ret;
}

/* Reads path (regular, at most limit bytes) into malloc'd memory; *st is
 * what fstat said before the read. */
static kyso_status read_whole(const char *path, size_t limit, uint8_t **data,
                              size_t *len, struct stat *st, kyso_error *err) {
  kyso_status ret;
  int fd = -1;
  uint8_t *buf = NULL;
  size_t got = 0;

  *data = NULL;
  *len = 0;
  ret = open_regular(path, limit, &fd, st, err);
  if (ret != KYSO_OK)
    goto done;
  buf = malloc(st->st_size > 0 ? (size_t)st->st_size : 1);
  if (!buf) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  while (got < (size_t)st->st_size) {
    ssize_t n = read(fd, buf + got, (size_t)st->st_size - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      ret = kyso_error_set(err, KYSO_ERR_IO, "cannot read %s: %s", path,
                           n < 0 ? strerror(errno) : "file shrank");
      goto done;
    }
    got += (size_t)n;
  }
  *data = buf;
  *len = got;
  buf = NULL;
  ret = KYSO_OK;
done:
  free(buf);
  if (fd >= 0)
    close(fd);
  return ret;
}

kyso_status kyso_file_read(const char *path, size_t limit, uint8_t **data,
                           size_t *len, kyso_error *err) {
  struct stat st;
  return read_whole(path, limit, data, len, &st, err);
}

/* 1 when st still shows the size and mtime snap recorded. */
static int snap_same_inode_data(const kyso_file_snap *snap,
                                const struct stat *st) {
  return (uint64_t)st->st_size == (uint64_t)snap->len &&
         (long long)st->st_mtim.tv_sec == snap->mtime_sec &&
         st->st_mtim.tv_nsec == snap->mtime_nsec;
}

kyso_status kyso_file_snap_read(const char *path, size_t limit,
                                kyso_file_snap *snap, kyso_error *err) {
  kyso_status ret;
  struct stat before, after;

  memset(snap, 0, sizeof(*snap));
  ret = read_whole(path, limit, &snap->data, &snap->len, &before, err);
  if (ret != KYSO_OK)
    goto done;
  snap->mtime_sec = (long long)before.st_mtim.tv_sec;
  snap->mtime_nsec = before.st_mtim.tv_nsec;
  if (stat(path, &after) != 0 || !snap_same_inode_data(snap, &after)) {
    ret = kyso_error_set(err, KYSO_ERR_INPUT_CHANGED,
                         "%s changed while kyso was reading it; try again "
                         "when no other program is writing it",
                         path);
    goto done;
  }
  ret = KYSO_OK;
done:
  if (ret != KYSO_OK)
    kyso_file_snap_free(snap);
  return ret;
}

void kyso_file_snap_free(kyso_file_snap *snap) {
  if (!snap)
    return;
  free(snap->data);
  memset(snap, 0, sizeof(*snap));
}

enum { SNAP_COMPARE_CHUNK = 64 * 1024 };

/* 1 when fd (at offset 0) reads exactly snap's bytes, then end of file;
 * 0 when not; -1 on a read error. */
static int fd_holds(int fd, const kyso_file_snap *snap) {
  uint8_t *buf = malloc(SNAP_COMPARE_CHUNK);
  size_t off = 0;
  int same = -1;

  if (!buf)
    goto done;
  for (;;) {
    ssize_t n = read(fd, buf, SNAP_COMPARE_CHUNK);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      goto done;
    if (n == 0) {
      same = off == snap->len;
      goto done;
    }
    if ((size_t)n > snap->len - off ||
        memcmp(buf, snap->data + off, (size_t)n) != 0) {
      same = 0;
      goto done;
    }
    off += (size_t)n;
  }
done:
  free(buf);
  return same;
}

kyso_status kyso_file_snap_check(const char *path, const kyso_file_snap *snap,
                                 kyso_error *err) {
  kyso_status ret;
  struct stat st;
  int fd, same = 0;

  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
      snap_same_inode_data(snap, &st))
    same = fd_holds(fd, snap);
  if (same < 0)
    ret = kyso_error_set(err, KYSO_ERR_IO, "cannot read %s again: %s", path,
                         strerror(errno));
  else if (!same)
    ret = kyso_error_set(err, KYSO_ERR_INPUT_CHANGED,
                         "%s changed on disk while kyso was working on it "
                         "(another program wrote, truncated or replaced "
                         "it); no output was written: try again",
                         path);
  else
    ret = KYSO_OK;
  if (fd >= 0)
    close(fd);
  return ret;
}

kyso_status kyso_file_map(const char *path, size_t limit, const uint8_t **data,
                          size_t *len, kyso_error *err) {
  kyso_status ret;
  int fd = -1;
  struct stat st;
  void *p;

  *data = NULL;
  *len = 0;
  ret = open_regular(path, limit, &fd, &st, err);
  if (ret != KYSO_OK)
    goto done;
  ret = KYSO_OK;
  if (st.st_size == 0)
    goto done;
  p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd,
           0);
  if (p == MAP_FAILED) {
    ret = kyso_error_set(err, KYSO_ERR_IO, "cannot read %s: %s", path,
                         strerror(errno));
    goto done;
  }
  *data = p;
  *len = (size_t)st.st_size;
done:
  if (fd >= 0)
    close(fd);
  return ret;
}

void kyso_file_unmap(const uint8_t *data, size_t len) {
  if (data && len)
    munmap((void *)data, len);
}

static int write_all(int fd, const uint8_t *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Like mkstemp (tmp ends in XXXXXX, replaced by random letters), but
 * open(2) gives the file mode masked by the umask: mkstemp makes 0600 and
 * a fixed fchmod would ignore the umask. -1 with errno on failure. */
static int create_temp(char *tmp, unsigned mode) {
  static const char letters[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  size_t n = strlen(tmp), i;
  int attempt, fd;

  for (attempt = 0; attempt < 100; attempt++) {
    uint8_t r[6];
    if (getentropy(r, sizeof(r)) != 0)
      return -1;
    for (i = 0; i < sizeof(r); i++)
      tmp[n - sizeof(r) + i] = letters[r[i] % (sizeof(letters) - 1)];
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, (mode_t)mode);
    if (fd >= 0 || errno != EEXIST)
      return fd;
  }
  return -1; /* errno is EEXIST */
}

unsigned kyso_file_permissions(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0)
    return 0666;
  return (unsigned)st.st_mode & 0777;
}

/* fsync(2) of the directory holding path, so the rename itself survives
 * a crash. File systems that cannot sync a directory (EINVAL) are taken as
 * they are. */
static int sync_parent_dir(const char *path) {
  const char *slash = strrchr(path, '/');
  char *dir;
  int fd, rc = 0, saved;

  if (!slash)
    dir = strdup(".");
  else if (slash == path)
    dir = strdup("/");
  else
    dir = strndup(path, (size_t)(slash - path));
  if (!dir)
    return -1;
  fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || (fsync(fd) != 0 && errno != EINVAL))
    rc = -1;
  saved = errno; /* for the caller's message, past close and free */
  if (fd >= 0)
    close(fd);
  free(dir);
  errno = saved;
  return rc;
}

kyso_status kyso_file_write_atomic(const char *path, unsigned mode,
                                   const kyso_blob *parts, size_t count,
                                   const char *source_path,
                                   const kyso_file_snap *source,
                                   kyso_error *err) {
  kyso_status ret;
  char *tmp = NULL;
  int fd = -1;
  size_t i, plen = strlen(path);

  tmp = malloc(plen + sizeof(".kyso-XXXXXX"));
  if (!tmp) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  memcpy(tmp, path, plen);
  memcpy(tmp + plen, ".kyso-XXXXXX", sizeof(".kyso-XXXXXX"));
  fd = create_temp(tmp, mode & 0777);
  if (fd < 0) {
    ret = kyso_error_set(err, KYSO_ERR_IO, "cannot create %s: %s", tmp,
                         strerror(errno));
    free(tmp);
    tmp = NULL;
    goto done;
  }
  for (i = 0; i < count; i++) {
    if (write_all(fd, parts[i].data, parts[i].len) != 0) {
      ret = kyso_error_set(err, KYSO_ERR_IO, "cannot write %s: %s", path,
                           strerror(errno));
      goto done;
    }
  }
  if (fsync(fd) != 0) {
    ret = kyso_error_set(err, KYSO_ERR_IO, "cannot write %s: %s", path,
                         strerror(errno));
    goto done;
  }
  if (close(fd) != 0) {
    fd = -1;
    ret = kyso_error_set(err, KYSO_ERR_IO, "cannot write %s: %s", path,
                         strerror(errno));
    goto done;
  }
  fd = -1;
  /* Last moment before the output appears: the input must still be what
   * was signed. */
  if (source) {
    ret = kyso_file_snap_check(source_path, source, err);
    if (ret != KYSO_OK)
      goto done;
  }
  if (rename(tmp, path) != 0) {
    ret = kyso_error_set(err, KYSO_ERR_IO, "cannot create %s: %s", path,
                         strerror(errno));
    goto done;
  }
  free(tmp);
  tmp = NULL;
  if (sync_parent_dir(path) != 0) {
    ret = kyso_error_set(err, KYSO_ERR_IO,
                         "cannot flush the directory of %s to disk: %s", path,
                         strerror(errno));
    unlink(path); /* not known to be durable: no output */
    goto done;
  }
  ret = KYSO_OK;
done:
  if (fd >= 0)
    close(fd);
  if (tmp) {
    unlink(tmp);
    free(tmp);
  }
  return ret;
}

int kyso_file_same(const char *a, const char *b) {
  struct stat sa, sb;
  if (stat(a, &sa) != 0 || stat(b, &sb) != 0)
    return 0;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}
