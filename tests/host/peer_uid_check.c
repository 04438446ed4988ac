/*
 * peer_uid_check.c - native-host/src/peer_uid.c against real loopback
 * connections, IPv4 and IPv6: both lookups (sock_diag and /proc/net/tcp)
 * find our own uid for our client, the other user's uid for a client a
 * child made after setuid (root only), and nothing for a client socket
 * already closed (the kernel reports uid 0 for it: it must not pass for
 * root's). Prints "PASS|FAIL<TAB>message" lines; exit status 1 on a
 * failure, 77 when the other-user cases cannot run (not root).
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "peer_uid.h"

/* The user the other-user cases run as (nobody). */
#define OTHER_UID 65534

static int failures;

static void check(int cond, const char *family, const char *what) {
  printf("%s\t%s: %s\n", cond ? "PASS" : "FAIL", family, what);
  if (!cond)
    failures++;
}

/* A listener on family's loopback, port chosen by the kernel. */
static int listener(int family, struct sockaddr_storage *sa, socklen_t *len) {
  int fd = socket(family, SOCK_STREAM, 0);

  memset(sa, 0, sizeof(*sa));
  if (family == AF_INET) {
    struct sockaddr_in *in = (struct sockaddr_in *)sa;
    in->sin_family = AF_INET;
    in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    *len = sizeof(*in);
  } else {
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)sa;
    in6->sin6_family = AF_INET6;
    in6->sin6_addr = in6addr_loopback;
    *len = sizeof(*in6);
  }
  if (fd < 0 || bind(fd, (struct sockaddr *)sa, *len) != 0 ||
      listen(fd, 4) != 0 || getsockname(fd, (struct sockaddr *)sa, len) != 0) {
    perror("listener");
    exit(2);
  }
  return fd;
}

static int client(int family, const struct sockaddr_storage *sa,
                  socklen_t len) {
  int fd = socket(family, SOCK_STREAM, 0);
  if (fd < 0 || connect(fd, (const struct sockaddr *)sa, len) != 0) {
    perror("connect");
    exit(2);
  }
  return fd;
}

static void one_family(int family, int root) {
  const char *name = family == AF_INET ? "IPv4" : "IPv6";
  struct timespec settle = {0, 100 * 1000 * 1000}; /* the FIN and its ACK */
  struct sockaddr_storage sa;
  socklen_t len;
  char why[HOST_PEER_WHY_MAX];
  unsigned long uid;
  int lfd = listener(family, &sa, &len), cfd, afd, pipefd[2], status;
  pid_t pid;

  /* our own client */
  cfd = client(family, &sa, len);
  afd = accept(lfd, NULL, NULL);
  uid = 12345;
  check(host_peer_uid_netlink(afd, &uid) == 0 &&
            uid == (unsigned long)geteuid(),
        name, "sock_diag finds our uid for our client");
  uid = 12345;
  check(host_peer_uid_procfs(afd, &uid) == 0 && uid == (unsigned long)geteuid(),
        name, "/proc/net/tcp finds our uid for our client");
  check(host_peer_uid_check(afd, why, sizeof(why)) == 1, name,
        "our own client passes");
  /* the listener end is not a connection's client */
  check(host_peer_uid_check(lfd, why, sizeof(why)) == 0, name,
        "a listening socket is no client");

  /* the client closed before the lookup: owned by nobody now */
  close(cfd);
  nanosleep(&settle, NULL);
  check(host_peer_uid_netlink(afd, &uid) != 0, name,
        "sock_diag: a closed client socket is not found");
  check(host_peer_uid_procfs(afd, &uid) != 0, name,
        "/proc/net/tcp: a closed client socket is not found");
  check(host_peer_uid_check(afd, why, sizeof(why)) == 0, name,
        "a closed client socket is refused (not taken for root's)");
  close(afd);

  if (root) {
    if (pipe(pipefd) != 0)
      exit(2);
    pid = fork();
    if (pid == 0) {
      char c;
      close(pipefd[1]);
      if (setgid(OTHER_UID) != 0 || setuid(OTHER_UID) != 0)
        _exit(3);
      cfd = client(family, &sa, len);
      if (read(pipefd[0], &c, 1) < 0) /* until the parent is done */
        _exit(4);
      close(cfd);
      _exit(0);
    }
    close(pipefd[0]);
    afd = accept(lfd, NULL, NULL);
    uid = 0;
    check(host_peer_uid_netlink(afd, &uid) == 0 && uid == OTHER_UID, name,
          "sock_diag finds the other user's uid");
    uid = 0;
    check(host_peer_uid_procfs(afd, &uid) == 0 && uid == OTHER_UID, name,
          "/proc/net/tcp finds the other user's uid");
    check(host_peer_uid_check(afd, why, sizeof(why)) == 0 &&
              strstr(why, "uid 65534") != NULL,
          name, "the other user's client is refused, the reason names it");
    close(pipefd[1]);
    waitpid(pid, &status, 0);
    check(WIFEXITED(status) && WEXITSTATUS(status) == 0, name,
          "the other user's client ran");
    close(afd);
  }
  close(lfd);
}

int main(void) {
  int root = geteuid() == 0, sv[2];
  char why[HOST_PEER_WHY_MAX];

  one_family(AF_INET, root);
  one_family(AF_INET6, root);
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0) {
    check(host_peer_uid_check(sv[0], why, sizeof(why)) == 0, "unix",
          "not a TCP connection: refused");
    close(sv[0]);
    close(sv[1]);
  }
  if (failures)
    return 1;
  return root ? 0 : 77;
}
