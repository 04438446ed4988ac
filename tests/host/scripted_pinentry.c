/*
 * scripted_pinentry.c - the pinentry of the host tests and bench/host: a
 * real Assuan peer like pinentry-gnome3 or -curses (greeting, OK to the SET*
 * commands, CONFIRM, GETPIN, BYE), whose answers come from a script instead
 * of a user. kyso-host runs it through the same code as a real pinentry, so
 * the consent dialog is never skipped: only who answers it changes.
 *
 *   KYSO_PINENTRY_ANSWERS  file, one answer per line, consumed from the top
 *                          by each CONFIRM or GETPIN (under a flock on
 *                          FILE.lock); when empty: OK and the PIN
 *                          $KYSO_PINENTRY_PIN
 *     ok | cancel | notok | timeout   CONFIRM/GETPIN answer (ERR codes as
 *                                     pinentry: 99 cancelled, 114 not
 *                                     confirmed, 62 timeout)
 *     pin:VALUE                       GETPIN answers VALUE
 *     kill                            the process dies (SIGKILL) mid-dialog
 *     sleep:N                         wait N seconds, then OK
 *   KYSO_PINENTRY_LOG      every command received is appended here (the
 *                          tests check what the user was shown)
 *
 * A C program rather than a shell script: bash and its subshells cost
 * milliseconds per dialog, which bench/host would measure as host latency.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Assuan lines are at most 1000 bytes (ASSUAN_LINELENGTH); room for the
 * newline and a terminator. */
#define LINE_MAX_BYTES 1002
/* The answers file a test writes is a few lines. */
#define ANSWERS_MAX_BYTES 4096
#define ANSWER_MAX 256
#define PATH_MAX_BYTES 4096
#define SLEEP_MAX_S 600

/* gpg-error codes with source 5 (pinentry) << 24, as pinentry sends them. */
#define ERR_CANCELLED "ERR 83886179 Operation cancelled <Pinentry>"
#define ERR_NOT_CONFIRMED "ERR 83886194 Not confirmed <Pinentry>"
#define ERR_TIMEOUT "ERR 83886142 Timeout <Pinentry>"
#define ERR_LINE_TOO_LONG "ERR 83886355 Line too long <Pinentry>"

static int write_all(int fd, const char *p, size_t n) {
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

static int reply(const char *line) {
  return write_all(STDOUT_FILENO, line, strlen(line)) &&
         write_all(STDOUT_FILENO, "\n", 1);
}

static void log_line(const char *path, const char *line) {
  int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);

  if (fd < 0)
    return;
  (void)write_all(fd, line, strlen(line));
  (void)write_all(fd, "\n", 1);
  close(fd);
}

/* Moves the first line of the answers file into answer (without its
 * newline) and keeps the rest; "ok" when the file is missing or empty. A
 * file this program cannot handle is a broken test: it exits, and the host
 * sees a pinentry that died. */
static void take_answer(const char *path, char *answer, size_t cap) {
  char lock_path[PATH_MAX_BYTES];
  char buf[ANSWERS_MAX_BYTES];
  int lock = -1, fd = -1;
  struct stat st;
  ssize_t n;
  size_t len, first, rest;

  snprintf(answer, cap, "ok");
  if (!path || snprintf(lock_path, sizeof(lock_path), "%s.lock", path) >=
                   (int)sizeof(lock_path))
    goto done;
  lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock < 0 || flock(lock, LOCK_EX) != 0)
    goto done;
  fd = open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0 || fstat(fd, &st) != 0 || st.st_size == 0)
    goto done;
  if (st.st_size >= (off_t)sizeof(buf)) {
    fprintf(stderr, "scripted_pinentry: %s is over %d bytes\n", path,
            ANSWERS_MAX_BYTES - 1);
    exit(2);
  }
  n = read(fd, buf, (size_t)st.st_size);
  if (n <= 0)
    goto done;
  len = (size_t)n;
  for (first = 0; first < len && buf[first] != '\n'; first++)
    ;
  if (first > 0 && first < cap) {
    memcpy(answer, buf, first);
    answer[first] = '\0';
  }
  /* The rest moves to the top of the file. */
  rest = first < len ? len - first - 1 : 0;
  if (ftruncate(fd, 0) != 0 ||
      (rest > 0 && pwrite(fd, buf + len - rest, rest, 0) != (ssize_t)rest)) {
    fprintf(stderr, "scripted_pinentry: cannot rewrite %s\n", path);
    exit(2);
  }

done:
  if (fd >= 0)
    close(fd);
  if (lock >= 0)
    close(lock); /* releases the flock */
}

/* The answers that close a dialog with an error, as the user would. */
static const struct {
  const char *answer;
  const char *err;
} refusals[] = {{"cancel", ERR_CANCELLED},
                {"notok", ERR_NOT_CONFIRMED},
                {"timeout", ERR_TIMEOUT}};

/* Acts on an answer before the dialog's OK: 1 when the dialog was refused
 * (an ERR was sent), 0 when it goes on to OK (after sleep:N, waiting). */
static int refuse(const char *answer) {
  struct timespec ts = {0, 0};
  long seconds;
  size_t i;

  for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
    if (strcmp(answer, refusals[i].answer) == 0) {
      reply(refusals[i].err);
      return 1;
    }
  }
  if (strcmp(answer, "kill") == 0)
    kill(getpid(), SIGKILL); /* mid-dialog, as a crash would */
  if (strncmp(answer, "sleep:", 6) == 0) {
    seconds = strtol(answer + 6, NULL, 10);
    ts.tv_sec = seconds < 0 ? 0 : seconds > SLEEP_MAX_S ? SLEEP_MAX_S : seconds;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
      ;
  }
  return 0;
}

/* "D <pin>" with Assuan's percent-escaping of %, CR and LF. */
static int send_pin(const char *pin) {
  char line[LINE_MAX_BYTES];
  size_t n = 0;

  line[n++] = 'D';
  line[n++] = ' ';
  for (; *pin && n + 4 < sizeof(line); pin++) {
    unsigned char c = (unsigned char)*pin;
    if (c == '%' || c == '\r' || c == '\n') {
      snprintf(line + n, 4, "%%%02X", c);
      n += 3;
    } else {
      line[n++] = (char)c;
    }
  }
  line[n] = '\0';
  return reply(line) && reply("OK");
}

static int get_pin(const char *answers) {
  char answer[ANSWER_MAX];
  const char *pin = getenv("KYSO_PINENTRY_PIN");

  take_answer(answers, answer, sizeof(answer));
  if (refuse(answer))
    return 1;
  if (strncmp(answer, "pin:", 4) == 0)
    pin = answer + 4;
  return send_pin(pin ? pin : "");
}

static int confirm(const char *answers) {
  char answer[ANSWER_MAX];

  take_answer(answers, answer, sizeof(answer));
  return refuse(answer) || reply("OK");
}

/* Reads one line into line (without its newline); 0 at end of input, -1
 * for a line too long (the rest of it is skipped). */
static int read_line(char *line, size_t cap) {
  size_t n;
  int c;

  if (!fgets(line, (int)cap, stdin))
    return 0;
  n = strlen(line);
  if (n > 0 && line[n - 1] == '\n') {
    line[n - 1] = '\0';
    return 1;
  }
  if (feof(stdin))
    return 1;
  while ((c = getchar()) != EOF && c != '\n')
    ;
  return -1;
}

int main(void) {
  char line[LINE_MAX_BYTES];
  const char *answers = getenv("KYSO_PINENTRY_ANSWERS");
  const char *log = getenv("KYSO_PINENTRY_LOG");
  int r;

  if (!reply("OK Pleased to meet you"))
    return 1;
  while ((r = read_line(line, sizeof(line))) != 0) {
    if (r < 0) {
      if (!reply(ERR_LINE_TOO_LONG))
        return 1;
      continue;
    }
    if (log)
      log_line(log, line);
    if (strncmp(line, "CONFIRM", 7) == 0)
      r = confirm(answers);
    else if (strcmp(line, "GETPIN") == 0)
      r = get_pin(answers);
    else if (strcmp(line, "BYE") == 0)
      return reply("OK closing connection") ? 0 : 1;
    else
      r = reply("OK");
    if (!r)
      return 1; /* the host closed its end */
  }
  return 0;
}
