/*
 * prompt_pinentry.c - dialogs through a pinentry program, Assuan protocol
 * (the one GnuPG uses: pinentry-gnome3, -qt, -gtk2, -curses, -tty).
 *
 * One pinentry process per dialog session. Commands: SETTITLE, SETDESC,
 * SETPROMPT, SETOK / SETNOTOK / SETCANCEL, SETERROR, SETTIMEOUT, CONFIRM,
 * GETPIN (answer "D <pin>" then "OK"), BYE. Answers "ERR <code>" carry a
 * gpg-error code: source 5 (pinentry) << 24 | GPG_ERR_CANCELED (99),
 * GPG_ERR_NOT_CONFIRMED (114), GPG_ERR_TIMEOUT (62). Parameters are
 * percent-escaped (Assuan: %, CR, LF).
 *
 * The host enforces the user timeout itself too (poll deadline), so a
 * pinentry that ignores SETTIMEOUT or hangs is killed. The PIN read from
 * the pipe is cleansed from the line buffers, which live in OpenSSL's
 * secure heap. A line that does not fit in 1000 bytes is never cut: the
 * dialog fails instead.
 */
#define _POSIX_C_SOURCE 200809L

#include "host_fd.h"
#include "host_prompt.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

/* An Assuan line is at most 1000 bytes (Assuan spec, ASSUAN_LINELENGTH). */
#define ASSUAN_LINE_MAX 1000
/* Grace beyond SETTIMEOUT before the host kills the dialog itself. */
#define PINENTRY_GRACE_S 5
/* Startup and non-interactive commands answer quickly. */
#define PINENTRY_COMMAND_TIMEOUT_S 10
/* How often a wait for the pinentry looks whether it was aborted. */
#define ABORT_POLL_MS 100
/* A pinentry exits on BYE; one still running after this is killed. */
#define PINENTRY_EXIT_GRACE_MS 500

enum {
  GPG_ERR_TIMEOUT = 62,
  GPG_ERR_CANCELED = 99,
  GPG_ERR_NOT_CONFIRMED = 114
};

typedef struct pinentry_prompt {
  host_prompt base;
  char *program;
  int timeout_s;
  pthread_mutex_t lock; /* pid and aborted, touched by abort() */
  pid_t pid;
  int aborted;
  int to_child;   /* our end of its stdin */
  int from_child; /* our end of its stdout */
  /* What the pinentry says, the PIN among it: in the secure heap (locked,
   * out of core dumps; host_harden.h), each PIN_LINE_SIZE bytes. */
  char *line;
  size_t have; /* bytes buffered in rbuf */
  char *rbuf;
} pinentry_prompt;

#define PIN_LINE_SIZE (ASSUAN_LINE_MAX + 2)

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads one line into pp->line (without "\n") before deadline_ms. */
static int aborted(pinentry_prompt *pp);

static host_prompt_result read_line(pinentry_prompt *pp, int64_t deadline_ms) {
  char *nl;
  size_t len;
  ssize_t r;
  struct pollfd pfd;
  int64_t left;

  for (;;) {
    nl = memchr(pp->rbuf, '\n', pp->have);
    if (nl) {
      len = (size_t)(nl - pp->rbuf);
      memcpy(pp->line, pp->rbuf, len);
      pp->line[len] = '\0';
      memmove(pp->rbuf, nl + 1, pp->have - len - 1);
      pp->have -= len + 1;
      OPENSSL_cleanse(pp->rbuf + pp->have, len + 1);
      return HOST_PROMPT_OK;
    }
    if (pp->have > ASSUAN_LINE_MAX)
      return HOST_PROMPT_FAILED;
    left = deadline_ms - now_ms();
    if (left <= 0)
      return HOST_PROMPT_TIMEOUT;
    pfd.fd = pp->from_child;
    pfd.events = POLLIN;
    r = poll(&pfd, 1, left > ABORT_POLL_MS ? ABORT_POLL_MS : (int)left);
    if (r < 0 && errno != EINTR)
      return HOST_PROMPT_FAILED;
    /* Aborted (cancel, preemption): do not wait for a pinentry that does
     * not die of its SIGTERM at once (a script in a child's sleep defers
     * it); pe_end kills it after its grace. */
    if (r <= 0 && aborted(pp))
      return HOST_PROMPT_CANCELLED;
    if (r <= 0)
      continue;
    r = read(pp->from_child, pp->rbuf + pp->have, PIN_LINE_SIZE - 1 - pp->have);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return HOST_PROMPT_FAILED; /* pinentry closed its end: died */
    pp->have += (size_t)r;
  }
}

static int aborted(pinentry_prompt *pp) {
  int a;
  pthread_mutex_lock(&pp->lock);
  a = pp->aborted;
  pthread_mutex_unlock(&pp->lock);
  return a;
}

static host_prompt_result err_result(const char *line) {
  unsigned long code = strtoul(line + 4, NULL, 10) & 0xFFFF;
  if (code == GPG_ERR_NOT_CONFIRMED)
    return HOST_PROMPT_NOT_CONFIRMED;
  if (code == GPG_ERR_TIMEOUT)
    return HOST_PROMPT_TIMEOUT;
  return HOST_PROMPT_CANCELLED;
}

/* Waits for OK / ERR, skipping comments and status lines. Data lines go to
 * pin (when not NULL). */
static host_prompt_result await(pinentry_prompt *pp, int64_t deadline_ms,
                                char *pin, size_t cap) {
  host_prompt_result r;
  size_t n;

  for (;;) {
    r = read_line(pp, deadline_ms);
    if (r != HOST_PROMPT_OK) {
      OPENSSL_cleanse(pp->line, PIN_LINE_SIZE);
      return aborted(pp) ? HOST_PROMPT_CANCELLED : r;
    }
    if (strncmp(pp->line, "OK", 2) == 0 &&
        (pp->line[2] == '\0' || pp->line[2] == ' '))
      return HOST_PROMPT_OK;
    if (strncmp(pp->line, "ERR ", 4) == 0)
      return aborted(pp) ? HOST_PROMPT_CANCELLED : err_result(pp->line);
    if (strncmp(pp->line, "D ", 2) == 0 && pin) {
      /* Percent-decoding of the PIN: digits and letters pass as they are;
       * %XX is decoded. */
      const char *s = pp->line + 2;
      char hex[3] = {0, 0, 0};
      n = 0;
      while (*s && n + 1 < cap) {
        if (s[0] == '%' && s[1] && s[2]) {
          hex[0] = s[1];
          hex[1] = s[2];
          pin[n++] = (char)strtol(hex, NULL, 16);
          s += 3;
        } else {
          pin[n++] = *s++;
        }
      }
      pin[n] = '\0';
      OPENSSL_cleanse(hex, sizeof(hex));
      OPENSSL_cleanse(pp->line, PIN_LINE_SIZE);
      if (*s) /* longer than the caller's buffer */
        return HOST_PROMPT_FAILED;
    }
    /* "S ...", "# ...", "INQUIRE": status and comments are ignored. */
  }
}

/* Sends "CMD escaped-arg" and waits for the answer. A line that would not
 * fit in ASSUAN_LINE_MAX bytes with its newline is not sent (the caller
 * budgets its texts, host_dialog_text.h): a dialog cut short could drop
 * what the user must see. */
static host_prompt_result command(pinentry_prompt *pp, const char *cmd,
                                  const char *arg, int64_t deadline_ms) {
  char out[ASSUAN_LINE_MAX + 1];
  size_t n, i;

  n = (size_t)snprintf(out, sizeof(out), "%s", cmd);
  if (arg) {
    out[n++] = ' ';
    for (i = 0; arg[i]; i++) {
      unsigned char c = (unsigned char)arg[i];
      size_t w = c == '%' || c == '\n' || c == '\r' ? 3 : 1;
      if (n + w + 1 > ASSUAN_LINE_MAX)
        return HOST_PROMPT_FAILED; /* no room for this and the newline */
      if (w == 3) {
        snprintf(out + n, 4, "%%%02X", c);
        n += 3;
      } else {
        out[n++] = (char)c;
      }
    }
  }
  out[n++] = '\n';
  if (!host_fd_write_all(pp->to_child, out, n))
    return HOST_PROMPT_FAILED;
  return await(pp, deadline_ms, NULL, 0);
}

static host_prompt_result pe_begin(host_prompt *p) {
  pinentry_prompt *pp = (pinentry_prompt *)p;
  int in[2] = {-1, -1}, out[2] = {-1, -1};
  pid_t pid;
  host_prompt_result r;
  char timeout[16];

  if (pipe(in) != 0 || pipe(out) != 0)
    goto fail;
  pid = fork();
  if (pid < 0)
    goto fail;
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    close(in[0]);
    close(in[1]);
    close(out[0]);
    close(out[1]);
    execlp(pp->program, pp->program, (char *)NULL);
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  fcntl(in[1], F_SETFD, FD_CLOEXEC);
  fcntl(out[0], F_SETFD, FD_CLOEXEC);
  pthread_mutex_lock(&pp->lock);
  pp->pid = pid;
  pp->aborted = 0;
  pthread_mutex_unlock(&pp->lock);
  pp->to_child = in[1];
  pp->from_child = out[0];
  pp->have = 0;
  /* The greeting "OK Pleased to meet you". */
  r = await(pp, now_ms() + PINENTRY_COMMAND_TIMEOUT_S * 1000, NULL, 0);
  if (r == HOST_PROMPT_OK) {
    snprintf(timeout, sizeof(timeout), "%d", pp->timeout_s);
    r = command(pp, "SETTIMEOUT", timeout,
                now_ms() + PINENTRY_COMMAND_TIMEOUT_S * 1000);
  }
  return r == HOST_PROMPT_OK ? r : HOST_PROMPT_FAILED;

fail:
  if (in[0] >= 0) {
    close(in[0]);
    close(in[1]);
  }
  if (out[0] >= 0) {
    close(out[0]);
    close(out[1]);
  }
  return HOST_PROMPT_FAILED;
}

/* The SET* commands of a dialog. */
static host_prompt_result setup(pinentry_prompt *pp, const host_dialog *d) {
  int64_t deadline = now_ms() + PINENTRY_COMMAND_TIMEOUT_S * 1000;
  host_prompt_result r = HOST_PROMPT_OK;

  if (r == HOST_PROMPT_OK && d->title)
    r = command(pp, "SETTITLE", d->title, deadline);
  if (r == HOST_PROMPT_OK && d->description)
    r = command(pp, "SETDESC", d->description, deadline);
  if (r == HOST_PROMPT_OK && d->prompt)
    r = command(pp, "SETPROMPT", d->prompt, deadline);
  if (r == HOST_PROMPT_OK && d->ok)
    r = command(pp, "SETOK", d->ok, deadline);
  if (r == HOST_PROMPT_OK && d->not_ok)
    r = command(pp, "SETNOTOK", d->not_ok, deadline);
  if (r == HOST_PROMPT_OK && d->cancel)
    r = command(pp, "SETCANCEL", d->cancel, deadline);
  if (r == HOST_PROMPT_OK && d->error)
    r = command(pp, "SETERROR", d->error, deadline);
  return r == HOST_PROMPT_OK || aborted(pp) ? r : HOST_PROMPT_FAILED;
}

static int64_t user_deadline(const pinentry_prompt *pp) {
  return now_ms() + (int64_t)(pp->timeout_s + PINENTRY_GRACE_S) * 1000;
}

static host_prompt_result pe_confirm(host_prompt *p, const host_dialog *d) {
  pinentry_prompt *pp = (pinentry_prompt *)p;
  host_prompt_result r = setup(pp, d);

  if (r != HOST_PROMPT_OK)
    return r;
  if (aborted(pp)) /* before the window: nothing was shown */
    return HOST_PROMPT_CANCELLED;
  if (d->shown)
    *d->shown = 1;
  return command(pp, "CONFIRM", NULL, user_deadline(pp));
}

static host_prompt_result pe_get_pin(host_prompt *p, const host_dialog *d,
                                     char *pin, size_t cap) {
  pinentry_prompt *pp = (pinentry_prompt *)p;
  host_prompt_result r = setup(pp, d);

  pin[0] = '\0';
  if (r != HOST_PROMPT_OK)
    return r;
  if (aborted(pp))
    return HOST_PROMPT_CANCELLED;
  if (d->shown)
    *d->shown = 1;
  if (!host_fd_write_all(pp->to_child, "GETPIN\n", 7))
    return HOST_PROMPT_FAILED;
  r = await(pp, user_deadline(pp), pin, cap);
  if (r != HOST_PROMPT_OK)
    OPENSSL_cleanse(pin, cap);
  return r;
}

/* After BYE: reads (and drops) what the pinentry still says until it
 * closes its end, which it does as it exits, or until deadline_ms. Waiting
 * on the pipe wakes the moment it exits; polling waitpid would sleep. */
static void await_eof(pinentry_prompt *pp, int64_t deadline_ms) {
  char buf[256];
  struct pollfd pfd;
  int64_t left;
  ssize_t r;

  pfd.fd = pp->from_child;
  pfd.events = POLLIN;
  for (;;) {
    left = deadline_ms - now_ms();
    if (left <= 0)
      break;
    r = poll(&pfd, 1, (int)left);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    r = read(pp->from_child, buf, sizeof(buf));
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break; /* closed: the pinentry is exiting */
  }
  OPENSSL_cleanse(buf, sizeof(buf));
}

/* Reaps pid, killing it when it has not exited by deadline_ms. It has
 * usually closed its pipe already and is a few microseconds from exiting:
 * short naps first, longer ones for a slow pinentry. */
static void reap(pid_t pid, int64_t deadline_ms) {
  struct timespec tick = {0, 50 * 1000};
  int status;
  pid_t r;

  for (;;) {
    r = waitpid(pid, &status, WNOHANG);
    if (r < 0 && errno == EINTR)
      continue;
    if (r != 0)
      return; /* reaped (or not our child any more) */
    if (now_ms() >= deadline_ms)
      break;
    nanosleep(&tick, NULL);
    if (tick.tv_nsec < 10 * 1000 * 1000)
      tick.tv_nsec *= 2;
  }
  kill(pid, SIGKILL);
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
}

static void pe_end(host_prompt *p) {
  pinentry_prompt *pp = (pinentry_prompt *)p;
  pid_t pid;
  int64_t deadline = now_ms() + PINENTRY_EXIT_GRACE_MS;

  if (pp->to_child >= 0) {
    (void)host_fd_write_all(pp->to_child, "BYE\n", 4);
    close(pp->to_child);
  }
  if (pp->from_child >= 0) {
    await_eof(pp, deadline);
    close(pp->from_child);
  }
  pp->to_child = pp->from_child = -1;
  pthread_mutex_lock(&pp->lock);
  pid = pp->pid;
  pp->pid = 0;
  pthread_mutex_unlock(&pp->lock);
  if (pid > 0)
    reap(pid, deadline);
  OPENSSL_cleanse(pp->rbuf, PIN_LINE_SIZE);
  OPENSSL_cleanse(pp->line, PIN_LINE_SIZE);
  pp->have = 0;
}

static void pe_abort(host_prompt *p) {
  pinentry_prompt *pp = (pinentry_prompt *)p;

  pthread_mutex_lock(&pp->lock);
  pp->aborted = 1;
  if (pp->pid > 0)
    kill(pp->pid, SIGTERM); /* the waiting read sees EOF */
  pthread_mutex_unlock(&pp->lock);
}

static void pe_free(host_prompt *p) {
  pinentry_prompt *pp = (pinentry_prompt *)p;
  if (!pp)
    return;
  pthread_mutex_destroy(&pp->lock);
  OPENSSL_secure_clear_free(pp->line, PIN_LINE_SIZE);
  OPENSSL_secure_clear_free(pp->rbuf, PIN_LINE_SIZE);
  free(pp->program);
  free(pp);
}

static const host_prompt_vtable pinentry_vtable = {
    pe_begin, pe_confirm, pe_get_pin, pe_end, pe_abort, pe_free};

host_prompt *host_prompt_pinentry_new(const char *program, int timeout_s) {
  pinentry_prompt *pp = calloc(1, sizeof(*pp));

  if (!pp)
    return NULL;
  pp->program = strdup(program);
  pp->line = OPENSSL_secure_zalloc(PIN_LINE_SIZE);
  pp->rbuf = OPENSSL_secure_zalloc(PIN_LINE_SIZE);
  if (!pp->program || !pp->line || !pp->rbuf) {
    OPENSSL_secure_clear_free(pp->line, PIN_LINE_SIZE);
    OPENSSL_secure_clear_free(pp->rbuf, PIN_LINE_SIZE);
    free(pp->program);
    free(pp);
    return NULL;
  }
  pthread_mutex_init(&pp->lock, NULL);
  pp->base.vtable = &pinentry_vtable;
  pp->timeout_s = timeout_s;
  pp->to_child = pp->from_child = -1;
  return &pp->base;
}
