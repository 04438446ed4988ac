/*
 * host_fd.c - see host_fd.h.
 */
#define _POSIX_C_SOURCE 200809L

#include "host_fd.h"

#include <errno.h>
#include <stdint.h>
#include <unistd.h>

int host_fd_write_all(int fd, const void *buf, size_t n) {
  const uint8_t *p = buf;
  ssize_t w;

  while (n > 0) {
    w = write(fd, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return 0;
    p += w;
    n -= (size_t)w;
  }
  return 1;
}

int host_fd_read_all(int fd, void *buf, size_t n) {
  uint8_t *p = buf;
  ssize_t r;

  while (n > 0) {
    r = read(fd, p, n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return 0;
    p += r;
    n -= (size_t)r;
  }
  return 1;
}
