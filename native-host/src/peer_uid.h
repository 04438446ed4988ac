/*
 * peer_uid.h - whose program holds the other end of an accepted loopback
 * TCP connection. kyso-host serves only the user it runs as: a program of
 * another local user must not list certificates or open dialogs, even with
 * a valid Host and Origin (anyone can write those headers).
 *
 * Linux: the kernel's socket table, asked for the client socket of the
 * connection's exact 4-tuple (client address and port as the source, ours
 * as the destination) through NETLINK_SOCK_DIAG (inet_diag), else read
 * from /proc/net/tcp or /proc/net/tcp6 where sock_diag is missing. The owner is
 * the uid that created the client socket. Only an ESTABLISHED client socket
 * counts: once its program has closed it the kernel reports uid 0 for it, so a
 * closed socket would pass for root's.
 *
 * Another platform replaces peer_uid.c and keeps host_peer_uid_check (on
 * Windows: GetExtendedTcpTable's owning process and that process's user).
 */
#ifndef KYSO_HOST_PEER_UID_H
#define KYSO_HOST_PEER_UID_H

#include <stddef.h>

/* Room for the reason host_peer_uid_check writes. */
#define HOST_PEER_WHY_MAX 64

/* 1 when the client end of accepted TCP socket fd belongs to this
 * process's effective uid; 0 when it belongs to another user or its owner
 * cannot be found (the caller refuses the connection). why (why_cap bytes,
 * HOST_PEER_WHY_MAX is enough) gets a short reason for the log, e.g.
 * "uid 65534 (sock_diag)". Never blocks for long: a netlink answer is
 * waited for at most a second. */
int host_peer_uid_check(int fd, char *why, size_t why_cap);

/* The two lookups, exposed for the tests: 0 and *uid when the client
 * socket of fd is found ESTABLISHED; -1 otherwise (netlink: -1 when the
 * kernel answered that there is no such socket, -2 when it could not be
 * asked). host_peer_uid_check reads /proc/net only in the -2 case, at most
 * PEER_PROC_SCANS_PER_SECOND times a second: each read is a scan of a
 * table any local user can make long. */
int host_peer_uid_netlink(int fd, unsigned long *uid);
int host_peer_uid_procfs(int fd, unsigned long *uid);

#endif
