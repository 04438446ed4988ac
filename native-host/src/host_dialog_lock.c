/* host_dialog_lock.c - one dialog at a time across kyso-host processes;
 * see host_dialog_lock.h. */
#define _GNU_SOURCE /* O_NOFOLLOW, O_DIRECTORY, O_CLOEXEC, flock */

#include "host_dialog_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "host_controller.h" /* host_log */

#define DIALOG_LOCK_NAME "dialog.lock"
/* The holder's record: "PID p\n" (a first-use prompt) or "PID j\n",
 * padded with spaces to this size (written in place, never truncated). */
#define RECORD_SIZE 32
/* The "want" lock's byte and the holder's: see want_lock, holder_lock. */
#define WANT_BYTE RECORD_SIZE
#define HOLDER_BYTE (RECORD_SIZE + 1)
/* How long a preempting request waits for the lock, and how often it
 * looks. */
#define PREEMPT_WAIT_MS 3000
#define PREEMPT_POLL_MS 50

struct host_dialog_lock {
  char *state_dir;
  char *path; /* state_dir/dialog.lock */
  int fd;     /* -1: not opened yet */
  int logged; /* no usable lock file: said so */
  int held;
};

/* The self-pipe of the SIGUSR1 handler (host_dialog_lock_signals). */
static int preempt_pipe[2] = {-1, -1};

static void on_preempt(int sig) {
  int saved = errno;
  char c = 'p';

  (void)sig;
  if (preempt_pipe[1] >= 0)
    (void)!write(preempt_pipe[1], &c, 1); /* full: a wake-up is pending */
  errno = saved;
}

void host_dialog_lock_signals_wake(void) {
  on_preempt(0); /* the same byte: the reader looks at its stop flag */
}

int host_dialog_lock_signals(void) {
  struct sigaction sa;

  if (preempt_pipe[0] < 0 && pipe2(preempt_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
    return -1;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_preempt;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  if (sigaction(SIGUSR1, &sa, NULL) != 0)
    return -1;
  return preempt_pipe[0];
}

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
  if (state_dir &&
      (!(l->state_dir = strdup(state_dir)) ||
       asprintf(&l->path, "%s/%s", state_dir, DIALOG_LOCK_NAME) < 0)) {
    l->path = NULL;
    free(l->state_dir);
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
  free(l->path);
  free(l);
}

/* l->fd still is the file l->path names (not one of a state dir deleted
 * and made again, which another process would lock instead). */
static int still_there(const host_dialog_lock *l) {
  struct stat a, b;
  return fstat(l->fd, &a) == 0 && lstat(l->path, &b) == 0 &&
         a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Writes the holder's record: this process, showing a first-use prompt
 * or not. */
static void write_record(host_dialog_lock *l, int prompt) {
  char rec[RECORD_SIZE + 1];

  snprintf(rec, sizeof(rec), "%-*ld", RECORD_SIZE - 1, (long)getpid());
  rec[RECORD_SIZE - 3] = ' ';
  rec[RECORD_SIZE - 2] = prompt ? 'p' : 'j';
  rec[RECORD_SIZE - 1] = '\n';
  if (pwrite(l->fd, rec, RECORD_SIZE, 0) != RECORD_SIZE)
    host_log("cannot write the dialog lock's holder: %s", strerror(errno));
}

void host_dialog_lock_mark(host_dialog_lock *l, int prompt) {
  if (l && l->held && l->fd >= 0)
    write_record(l, prompt);
}

/* The "want" lock: an open-file-description lock (independent of the
 * flock) on the byte after the record, held for writing by an allowed
 * site's request while it waits for a preempted holder to let go; a
 * first-use prompt does not start meanwhile (host_dialog_lock_try tests it
 * for reading), so throw-away pages cannot take the lock back first. */
static int want_lock(int fd, short type) {
  struct flock fl;

  memset(&fl, 0, sizeof(fl));
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = WANT_BYTE;
  fl.l_len = 1;
  return fcntl(fd, F_OFD_SETLK, &fl);
}

/* The holder lock: a classic POSIX record lock (owned by this process,
 * so F_GETLK tells another process its pid, checked by the kernel) on
 * another byte, taken with the flock and dropped before it. A process
 * drops its POSIX locks on a file when it closes ANY fd of it: this file
 * is opened once per process and l->fd kept until it is freed. Only a
 * process whose SIGUSR1 handler is installed (or SIGUSR1 ignored: main)
 * takes it, so SIGUSR1 to its pid never kills it. */
static int holder_lock(int fd, short type) {
  struct sigaction sa;
  struct flock fl;

  if (type != F_UNLCK &&
      (sigaction(SIGUSR1, NULL, &sa) != 0 || sa.sa_handler == SIG_DFL)) {
    errno = ENOTSUP; /* SIGUSR1 would kill this process */
    return -1;
  }
  memset(&fl, 0, sizeof(fl));
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = HOLDER_BYTE;
  fl.l_len = 1;
  return fcntl(fd, F_SETLK, &fl);
}

/* The pid of the process holding the holder lock, 0 when none (or not
 * one this process can see: another pid namespace). */
static long holder_pid(int fd) {
  struct flock fl;

  memset(&fl, 0, sizeof(fl));
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  fl.l_start = HOLDER_BYTE;
  fl.l_len = 1;
  if (fcntl(fd, F_GETLK, &fl) != 0 || fl.l_type == F_UNLCK || fl.l_pid <= 1)
    return 0;
  return (long)fl.l_pid;
}

int host_dialog_lock_try(host_dialog_lock *l, int prompt) {
  if (!l->state_dir)
    return 1; /* memory only, like the origin store (tests, fuzzing) */
  if (l->fd >= 0 && !l->held && !still_there(l)) {
    close(l->fd); /* the state dir was made again: lock its file */
    l->fd = -1;
  }
  if (l->fd < 0) {
    make_dirs(l->state_dir); /* open_dir says if it failed */
    l->fd = open_lock(open_dir(l->state_dir));
    if (l->fd < 0) {
      if (!l->logged)
        host_log("cannot take the dialog lock %s (not a regular file of "
                 "this user's in a private directory): no dialog until it "
                 "is one",
                 l->path);
      l->logged = 1;
      return -1;
    }
    l->logged = 0;
  }
  if (prompt) { /* an allowed site's request waits for the lock: not now */
    if (want_lock(l->fd, F_RDLCK) != 0) {
      if (errno == EAGAIN || errno == EACCES)
        return 0;
      host_log("cannot take the dialog lock: %s", strerror(errno));
      return -1;
    }
    want_lock(l->fd, F_UNLCK);
  }
  while (flock(l->fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR)
      continue;
    if (errno == EWOULDBLOCK)
      return 0;
    host_log("cannot take the dialog lock: %s", strerror(errno));
    return -1;
  }
  l->held = 1;
  write_record(l, prompt);
  if (holder_lock(l->fd, F_WRLCK) != 0) /* then no one can preempt it */
    host_log("cannot take the dialog lock's holder lock: %s", strerror(errno));
  return 1;
}

/* pid, when /proc tells (a kyso-host is not dumpable: only root reads
 * its exe link), runs another program than this one. */
static int other_program(long pid) {
  char proc[64], self[PATH_MAX], other[PATH_MAX];
  ssize_t a, b;

  snprintf(proc, sizeof(proc), "/proc/%ld/exe", pid);
  a = readlink("/proc/self/exe", self, sizeof(self) - 1);
  b = readlink(proc, other, sizeof(other) - 1);
  if (a <= 0 || b <= 0)
    return 0; /* not readable: the holder lock said who it is */
  return a != b || memcmp(self, other, (size_t)a) != 0;
}

/* The holder's pid when it holds the holder lock (the kernel says its
 * pid) and its record names that pid and says it shows a first-use
 * prompt; 0 otherwise. */
static long prompt_holder(const host_dialog_lock *l) {
  char rec[RECORD_SIZE + 1], *end = NULL;
  long holder = holder_pid(l->fd), pid;
  ssize_t n;

  if (!holder)
    return 0;
  n = pread(l->fd, rec, RECORD_SIZE, 0);
  if (n != RECORD_SIZE || rec[RECORD_SIZE - 2] != 'p')
    return 0;
  rec[RECORD_SIZE - 3] = '\0';
  errno = 0;
  pid = strtol(rec, &end, 10);
  if (errno || end == rec || (*end && *end != ' ') || pid != holder ||
      pid == (long)getpid())
    return 0;
  return pid;
}

/* Asks the holder of l (another process: this one's try failed) to close
 * its first-use prompt when it is one: the process holding the holder
 * lock of this user's private lock file, and it alone (kill(2) refuses
 * another user's process). Its handler only wakes its controller, which
 * closes the prompt only if it is one. *asked: the pid last asked (not
 * asked twice). */
static void ask_holder(const host_dialog_lock *l, long *asked) {
  long pid = prompt_holder(l);

  if (!pid || pid == *asked || other_program(pid) ||
      kill((pid_t)pid, SIGUSR1) != 0)
    return;
  *asked = pid;
  host_log("asked kyso-host %ld to close its first-use prompt for an "
           "allowed site",
           pid);
}

int host_dialog_lock_preempt(host_dialog_lock *l) {
  struct timespec tick = {0, PREEMPT_POLL_MS * 1000 * 1000};
  long asked = 0;
  int r = 0, waited, wanting;

  if (!l->state_dir || l->fd < 0 || l->held)
    return 0;
  ask_holder(l, &asked);
  if (!asked)
    return 0;                               /* no first-use prompt: BUSY */
  wanting = want_lock(l->fd, F_WRLCK) == 0; /* else another one waits too */
  for (waited = 0; waited < PREEMPT_WAIT_MS; waited += PREEMPT_POLL_MS) {
    nanosleep(&tick, NULL);
    r = host_dialog_lock_try(l, 0);
    if (r != 0)
      break;
    ask_holder(l, &asked); /* a prompt that started before the want */
  }
  if (wanting)
    want_lock(l->fd, F_UNLCK);
  return r;
}

void host_dialog_lock_release(host_dialog_lock *l) {
  if (l && l->held && l->fd >= 0) {
    holder_lock(l->fd, F_UNLCK);
    flock(l->fd, LOCK_UN);
  }
  if (l)
    l->held = 0;
}
