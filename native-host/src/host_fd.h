/*
 * host_fd.h - whole reads and writes on a file descriptor, retried on
 * EINTR and short counts: the native-messaging pipes, the pinentry's pipe
 * and the origins file all need them.
 */
#ifndef KYSO_HOST_FD_H
#define KYSO_HOST_FD_H

#include <stddef.h>

/* 1 when all n bytes were written; 0 on an error or a closed peer. */
int host_fd_write_all(int fd, const void *buf, size_t n);

/* 1 when all n bytes were read; 0 on an error or end of file first. */
int host_fd_read_all(int fd, void *buf, size_t n);

#endif
