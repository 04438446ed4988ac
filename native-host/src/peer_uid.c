/*
 * peer_uid.c - the owner of a loopback connection's client socket, from
 * the Linux socket table; see peer_uid.h.
 */
#define _POSIX_C_SOURCE 200809L

#include "peer_uid.h"

#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

/* include/net/tcp_states.h: TCP_ESTABLISHED; /proc/net/tcp prints it as
 * the "st" column in hex. */
#define PEER_TCP_ESTABLISHED 1
/* How long the kernel's netlink answer may take. */
#define PEER_NETLINK_WAIT_MS 1000
/* One answer to an exact lookup: an nlmsghdr, an inet_diag_msg and a few
 * attributes; room to spare. */
#define PEER_NETLINK_REPLY_MAX 8192
/* host_peer_uid_netlink: the kernel could not be asked (as opposed to
 * -1, asked and no such socket). */
#define PEER_LOOKUP_UNAVAILABLE (-2)
/* A /proc/net/tcp6 line is about 170 bytes. */
#define PEER_PROC_LINE_MAX 512
/* "%08X" x 4 for IPv6, ":%04X" for the port. */
#define PEER_PROC_ADDR_MAX 48

/* The connection's two ends: the client's (peer) and ours (local). */
typedef struct peer_ends {
  int family; /* AF_INET or AF_INET6 */
  struct sockaddr_storage client, server;
} peer_ends;

static int ends_get(int fd, peer_ends *e) {
  socklen_t n = sizeof(e->server), m = sizeof(e->client);

  memset(e, 0, sizeof(*e));
  if (getsockname(fd, (struct sockaddr *)&e->server, &n) != 0 ||
      getpeername(fd, (struct sockaddr *)&e->client, &m) != 0)
    return -1;
  e->family = e->server.ss_family;
  if (e->family != e->client.ss_family ||
      (e->family != AF_INET && e->family != AF_INET6))
    return -1;
  return 0;
}

/* The address bytes (network order) and port (network order) of sa. */
static const uint8_t *addr_bytes(const struct sockaddr_storage *sa, size_t *len,
                                 uint16_t *port) {
  if (sa->ss_family == AF_INET) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
    *len = 4;
    *port = in->sin_port;
    return (const uint8_t *)&in->sin_addr;
  }
  {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
    *len = 16;
    *port = in6->sin6_port;
    return (const uint8_t *)&in6->sin6_addr;
  }
}

/* ---- NETLINK_SOCK_DIAG -----------------------------------------------------
 */

/* 1 when the answer m names client address c and server address s (len
 * bytes each, of family), directly or as IPv4-mapped IPv6 addresses. */
static int same_addr(const struct inet_diag_msg *m, int family,
                     const uint8_t *c, const uint8_t *s, size_t len) {
  static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  const uint8_t *src = (const uint8_t *)m->id.idiag_src;
  const uint8_t *dst = (const uint8_t *)m->id.idiag_dst;

  if (m->idiag_family == family)
    return memcmp(src, c, len) == 0 && memcmp(dst, s, len) == 0;
  return family == AF_INET && m->idiag_family == AF_INET6 && len == 4 &&
         memcmp(src, prefix, 12) == 0 && memcmp(src + 12, c, 4) == 0 &&
         memcmp(dst, prefix, 12) == 0 && memcmp(dst + 12, s, 4) == 0;
}

int host_peer_uid_netlink(int fd, unsigned long *uid) {
  struct {
    struct nlmsghdr nlh;
    struct inet_diag_req_v2 req;
  } msg;
  union {
    struct nlmsghdr nlh; /* alignment */
    char buf[PEER_NETLINK_REPLY_MAX];
  } reply;
  struct sockaddr_nl kernel;
  struct timeval wait = {PEER_NETLINK_WAIT_MS / 1000,
                         (PEER_NETLINK_WAIT_MS % 1000) * 1000};
  const struct inet_diag_msg *m;
  const struct nlmsghdr *h;
  const uint8_t *caddr, *saddr;
  size_t clen, slen;
  uint16_t cport, sport;
  peer_ends e;
  ssize_t got;
  int nl = -1, ret = -1;

  if (ends_get(fd, &e) != 0)
    goto done;
  caddr = addr_bytes(&e.client, &clen, &cport);
  saddr = addr_bytes(&e.server, &slen, &sport);
  memset(&msg, 0, sizeof(msg));
  msg.nlh.nlmsg_len = sizeof(msg);
  msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  msg.nlh.nlmsg_flags = NLM_F_REQUEST; /* one socket, not a dump */
  msg.nlh.nlmsg_seq = 1;
  msg.req.sdiag_family = (uint8_t)e.family;
  msg.req.sdiag_protocol = IPPROTO_TCP;
  msg.req.idiag_states = 1u << PEER_TCP_ESTABLISHED;
  /* The client's socket: its local end is the connection's source. */
  msg.req.id.idiag_sport = cport;
  msg.req.id.idiag_dport = sport;
  memcpy(msg.req.id.idiag_src, caddr, clen);
  memcpy(msg.req.id.idiag_dst, saddr, slen);
  msg.req.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
  msg.req.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;

  ret = PEER_LOOKUP_UNAVAILABLE; /* until the kernel has answered */
  nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (nl < 0 ||
      setsockopt(nl, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait)) != 0)
    goto done;
  memset(&kernel, 0, sizeof(kernel));
  kernel.nl_family = AF_NETLINK;
  if (sendto(nl, &msg, sizeof(msg), 0, (struct sockaddr *)&kernel,
             sizeof(kernel)) != (ssize_t)sizeof(msg))
    goto done;
  got = recv(nl, &reply, sizeof(reply), 0);
  if (got <= 0)
    goto done;
  ret = -1; /* answered: found below, or no such socket */
  /* A fresh socket, one request: the one answer is the first message
   * (NLMSG_ERROR when there is no such socket, or no inet_diag). */
  h = &reply.nlh;
  if ((size_t)got < sizeof(*h) || h->nlmsg_len > (size_t)got ||
      h->nlmsg_seq != msg.nlh.nlmsg_seq ||
      h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
      h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
    goto done;
  m = NLMSG_DATA(h);
  /* The kernel answers for the exact 4-tuple; check it anyway. An IPv6
   * client socket that reached 127.0.0.1 as ::ffff:127.0.0.1 is answered
   * as AF_INET6 with the mapped addresses. */
  if (m->id.idiag_sport == cport && m->id.idiag_dport == sport &&
      same_addr(m, e.family, caddr, saddr, clen) &&
      m->idiag_state == PEER_TCP_ESTABLISHED) {
    *uid = m->idiag_uid;
    ret = 0;
  }

done:
  if (nl >= 0)
    close(nl);
  return ret;
}

/* ---- /proc/net/tcp{,6} -----------------------------------------------------
 */

/* An address as /proc/net/tcp prints it: each 32-bit word of the network
 * order bytes as the host reads it, "%08X", then ":%04X" of the port. */
static void proc_addr(char out[PEER_PROC_ADDR_MAX], const uint8_t *addr,
                      size_t len, uint16_t port) {
  size_t i, o = 0;
  uint32_t w;

  for (i = 0; i + 4 <= len; i += 4) {
    memcpy(&w, addr + i, 4);
    o += (size_t)snprintf(out + o, PEER_PROC_ADDR_MAX - o, "%08X", (unsigned)w);
  }
  snprintf(out + o, PEER_PROC_ADDR_MAX - o, ":%04X", (unsigned)ntohs(port));
}

/* Finds the line whose local end is local and remote end is remote. */
static int proc_find(const char *path, const char *local, const char *remote,
                     unsigned long *uid) {
  char line[PEER_PROC_LINE_MAX], l[PEER_PROC_ADDR_MAX], r[PEER_PROC_ADDR_MAX];
  unsigned state;
  unsigned long u;
  FILE *f = fopen(path, "re");
  int ret = -1;

  if (!f)
    return -1;
  while (fgets(line, sizeof(line), f)) {
    /* sl local rem st tx:rx tr:when retrnsmt uid */
    if (sscanf(line,
               " %*d: %47[0-9A-Fa-f:] %47[0-9A-Fa-f:] %x %*x:%*x %*x:%*x "
               "%*x %lu",
               l, r, &state, &u) != 4)
      continue;
    if (strcasecmp(l, local) == 0 && strcasecmp(r, remote) == 0) {
      if (state == PEER_TCP_ESTABLISHED) {
        *uid = u;
        ret = 0;
      }
      break;
    }
  }
  fclose(f);
  return ret;
}

int host_peer_uid_procfs(int fd, unsigned long *uid) {
  char local[PEER_PROC_ADDR_MAX], remote[PEER_PROC_ADDR_MAX];
  uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  const uint8_t *caddr, *saddr;
  size_t clen, slen;
  uint16_t cport, sport;
  peer_ends e;

  if (ends_get(fd, &e) != 0)
    return -1;
  caddr = addr_bytes(&e.client, &clen, &cport);
  saddr = addr_bytes(&e.server, &slen, &sport);
  proc_addr(local, caddr, clen, cport);
  proc_addr(remote, saddr, slen, sport);
  if (e.family == AF_INET6)
    return proc_find("/proc/net/tcp6", local, remote, uid);
  if (proc_find("/proc/net/tcp", local, remote, uid) == 0)
    return 0;
  /* An IPv6 client socket reaching 127.0.0.1 as ::ffff:127.0.0.1. */
  memcpy(mapped + 12, caddr, 4);
  proc_addr(local, mapped, 16, cport);
  memcpy(mapped + 12, saddr, 4);
  proc_addr(remote, mapped, 16, sport);
  return proc_find("/proc/net/tcp6", local, remote, uid);
}

/* Scans of /proc/net/tcp* in one second, at most: each reads a table
 * whose length any local user controls (TIME_WAIT entries, listeners), on
 * the websocket's only service thread. */
#define PEER_PROC_SCANS_PER_SECOND 20

int host_peer_uid_check(int fd, char *why, size_t why_cap) {
  static time_t scan_second;
  static int scans;
  unsigned long uid;
  const char *how = "sock_diag";
  time_t now;
  int r = host_peer_uid_netlink(fd, &uid);

  /* The kernel answered "no such socket" (its program closed it already):
   * refused at once. The table is read only where sock_diag is missing
   * (no NETLINK_SOCK_DIAG in this kernel or sandbox). */
  if (r == -1) {
    snprintf(why, why_cap, "owner not found (sock_diag)");
    return 0;
  }
  if (r != 0) {
    how = "/proc/net/tcp";
    now = time(NULL);
    if (now != scan_second) {
      scan_second = now;
      scans = 0;
    }
    if (++scans > PEER_PROC_SCANS_PER_SECOND) {
      snprintf(why, why_cap, "too many lookups this second");
      return 0;
    }
    if (host_peer_uid_procfs(fd, &uid) != 0) {
      snprintf(why, why_cap, "owner not found (%s)", how);
      return 0;
    }
  }
  snprintf(why, why_cap, "uid %lu (%s)", uid, how);
  return uid == (unsigned long)geteuid();
}
