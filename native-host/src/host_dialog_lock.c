/* host_dialog_lock.c - one dialog at a time across kyso-host processes;
 * see host_dialog_lock.h. */
#define _GNU_SOURCE /* O_NOFOLLOW, O_DIRECTORY, O_CLOEXEC, flock */

#include "host_dialog_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host_controller.h" /* host_log */

#define DIALOG_LOCK_NAME "dialog.lock"

struct host_dialog_lock {
  char *state_dir;
  int fd;     /* -1: not opened yet */
  int logged; /* no usable lock file: said so */
  int held;
};

/* fd is a directory of this user's that no one else may use (made so,
 * as the origin store does, when only its mode is wrong). */
static int dir_private(int fd) {
  struct stat st;
  return fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
         ((st.st_mode & 077) == 0 || fchmod(fd, 0700) == 0);
}

/* mkdir -p, every missing component 0700 (as the origin store makes the
 * state dir: XDG Base Directory). */
static void make_dirs(const char *dir) {
  char *p = strdup(dir), *s;

  for (s = p ? p + 1 : NULL; s && *s; s++) {
    if (*s != '/')
      continue;
    *s = '\0';
    (void)mkdir(p, 0700);
    *s = '/';
  }
  if (p)
    (void)mkdir(p, 0700);
  free(p);
}

/* dir, opened (not through a symlink as its last component), when it is
 * private to this user; -1 otherwise. */
static int open_dir(const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

  if (fd >= 0 && !dir_private(fd)) {
    close(fd);
    fd = -1;
  }
  return fd;
}

/* The lock file in dirfd (closed): a regular file of this user's. */
static int open_lock(int dirfd) {
  struct stat st;
  int fd;

  if (dirfd < 0)
    return -1;
  fd = openat(dirfd, DIALOG_LOCK_NAME,
              O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
  close(dirfd);
  if (fd >= 0 &&
      (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid())) {
    close(fd);
    fd = -1;
  }
  return fd;
}

host_dialog_lock *host_dialog_lock_new(const char *state_dir) {
  host_dialog_lock *l = calloc(1, sizeof(*l));

  if (!l)
    return NULL;
  l->fd = -1;
  if (state_dir && !(l->state_dir = strdup(state_dir))) {
    free(l);
    return NULL;
  }
  return l;
}

void host_dialog_lock_free(host_dialog_lock *l) {
  if (!l)
    return;
  if (l->fd >= 0)
    close(l->fd); /* releases the flock */
  free(l->state_dir);
  free(l);
}

int host_dialog_lock_try(host_dialog_lock *l) {
  if (!l->state_dir)
    return 1; /* memory only, like the origin store (tests, fuzzing) */
  if (l->fd < 0) {
    make_dirs(l->state_dir); /* open_dir says if it failed */
    l->fd = open_lock(open_dir(l->state_dir));
    if (l->fd < 0 && !l->logged) {
      l->logged = 1;
      host_log("no dialog lock in %s: other kyso-host processes may open "
               "dialogs at the same time",
               l->state_dir);
    }
  }
  if (l->fd < 0)
    return 1;
  while (flock(l->fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR)
      continue;
    if (errno == EWOULDBLOCK)
      return 0;
    host_log("cannot take the dialog lock: %s", strerror(errno));
    return 1;
  }
  l->held = 1;
  return 1;
}

void host_dialog_lock_release(host_dialog_lock *l) {
  if (l && l->held && l->fd >= 0)
    flock(l->fd, LOCK_UN);
  if (l)
    l->held = 0;
}
