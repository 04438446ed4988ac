/* pin_read.c - PIN from a file, the environment or the terminal; see
 * pin_read.h. */
#define _POSIX_C_SOURCE 200809L

#include "pin_read.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

/* What is being asked for: the token PIN, or an encrypted PDF's
 * password. The same file and terminal rules serve both. */
typedef struct secret_kind {
  const char *prompt;
  const char *noun;      /* in messages: "PIN", "PDF password" */
  kyso_status no_answer; /* no terminal, cancelled */
  const char *no_tty;    /* the message when there is no terminal */
} secret_kind;

static const secret_kind pin_kind = {
    "Mã PIN (PIN): ", "PIN", KYSO_ERR_TOKEN_CANCELLED,
    "no terminal to ask for the PIN: use --pin-file or KYSO_PIN"};
static const secret_kind password_kind = {
    "Mật khẩu mở tệp PDF (PDF password): ", "PDF password",
    KYSO_ERR_PDF_PASSWORD,
    "the document is protected by a password to open it and there is no "
    "terminal to ask for it: use --password-file"};

void kyso_pin_wipe(char *pin, size_t cap) {
  if (pin && cap > 0)
    OPENSSL_cleanse(pin, cap);
}

/* read(2) of one byte, retried on EINTR: 1 byte, 0 end, -1 error. */
static int read_byte(int fd, char *c) {
  ssize_t n;

  do {
    n = read(fd, c, 1);
  } while (n < 0 && errno == EINTR);
  return n == 1 ? 1 : n == 0 ? 0 : -1;
}

static void write_all(int fd, const char *s, size_t len) {
  ssize_t n;

  while (len > 0) {
    n = write(fd, s, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return; /* the prompt is a courtesy; reading decides */
    s += n;
    len -= (size_t)n;
  }
}

/* Reads the first line of fd into pin byte by byte, so no stdio buffer
 * keeps a copy. Returns 1 for a line (possibly empty), 0 at end of input
 * before any byte, -1 on read error, -2 if longer than cap - 1. */
static int read_line(int fd, char *pin, size_t cap) {
  size_t len = 0;
  int too_long = 0, r;
  char c = 0;

  for (;;) {
    r = read_byte(fd, &c);
    if (r < 0)
      return -1;
    if (r == 0) {
      if (len == 0 && !too_long)
        return 0;
      break;
    }
    if (c == '\n')
      break;
    if (len + 1 < cap)
      pin[len++] = c;
    else
      too_long = 1; /* keep reading to the end of the line */
  }
  OPENSSL_cleanse(&c, sizeof(c));
  if (len > 0 && pin[len - 1] == '\r')
    len--;
  pin[len] = '\0';
  return too_long ? -2 : 1;
}

/* The terminal in non-canonical mode, echo and signals off: this loop is
 * the line editor. Erase and kill work as usual; the interrupt character
 * (Ctrl-C) and end of file (Ctrl-D) on an empty line cancel, so the
 * process is never killed with the terminal left silent. Returns as
 * read_line, plus -3 for cancelled. */
static int read_tty_line(int fd, const struct termios *t, char *pin,
                         size_t cap) {
  size_t len = 0;
  int too_long = 0, r, ret;
  unsigned char c = 0;

  for (;;) {
    r = read_byte(fd, (char *)&c);
    if (r <= 0) {
      ret = r < 0 ? -1 : 0;
      break;
    }
    if (c == '\n' || c == '\r') {
      ret = too_long ? -2 : 1;
      break;
    }
    if (c == t->c_cc[VINTR] || (c == t->c_cc[VEOF] && len == 0)) {
      ret = -3;
      break;
    }
    if (c == t->c_cc[VERASE] || c == 0x7f || c == 0x08) {
      if (len > 0 && !too_long) /* past the limit the count is lost */
        pin[--len] = '\0';
    } else if (c == t->c_cc[VKILL]) {
      kyso_pin_wipe(pin, cap);
      len = 0;
      too_long = 0;
    } else if (len + 1 < cap) {
      pin[len++] = (char)c;
    } else {
      too_long = 1;
    }
  }
  OPENSSL_cleanse(&c, sizeof(c));
  pin[len] = '\0';
  return ret;
}

static kyso_status pin_from_file(const secret_kind *k, const char *path,
                                 char *pin, size_t cap, kyso_error *err) {
  kyso_status ret;
  int fd, r;

  fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    ret = kyso_error_set(err, KYSO_ERR_IO, "cannot open %s file %s: %s",
                         k->noun, path, strerror(errno));
    goto done;
  }
  r = read_line(fd, pin, cap);
  if (r == -1) {
    ret = kyso_error_set(err, KYSO_ERR_IO, "cannot read %s file %s: %s",
                         k->noun, path, strerror(errno));
    goto done;
  }
  if (r == -2) {
    ret = kyso_error_set(err, KYSO_ERR_LIMIT,
                         "%s in %s is longer than %zu characters", k->noun,
                         path, cap - 1);
    goto done;
  }
  if (r == 0 || pin[0] == '\0') {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                         "%s file %s has an empty first line", k->noun, path);
    goto done;
  }
  ret = KYSO_OK;

done:
  if (fd >= 0)
    close(fd);
  return ret;
}

static kyso_status pin_from_tty(const secret_kind *k, char *pin, size_t cap,
                                kyso_error *err) {
  kyso_status ret;
  struct termios saved, quiet;
  int fd, saved_ok = 0, r;

  fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    ret = kyso_error_set(err, k->no_answer, "%s", k->no_tty);
    goto done;
  }
  if (tcgetattr(fd, &saved) != 0) {
    ret =
        kyso_error_set(err, k->no_answer,
                       "cannot set up the terminal to ask for the %s", k->noun);
    goto done;
  }
  /* See read_tty_line: echo, line editing and signals are ours now. */
  quiet = saved;
  quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL | ICANON | ISIG);
  quiet.c_cc[VMIN] = 1;
  quiet.c_cc[VTIME] = 0;
  if (tcsetattr(fd, TCSAFLUSH, &quiet) != 0) {
    ret = kyso_error_set(err, k->no_answer,
                         "cannot turn off echo to ask for the %s", k->noun);
    goto done;
  }
  saved_ok = 1;
  write_all(fd, k->prompt, strlen(k->prompt));
  r = read_tty_line(fd, &saved, pin, cap);
  write_all(fd, "\n", 1); /* the user's Enter was not echoed */
  if (r == 0 || r == -3) {
    ret = kyso_error_set(err, KYSO_ERR_TOKEN_CANCELLED, "%s entry cancelled",
                         k->noun);
    goto done;
  }
  if (r == -1) {
    ret = kyso_error_set(err, k->no_answer,
                         "cannot read the %s from the terminal", k->noun);
    goto done;
  }
  if (r == -2) {
    ret = kyso_error_set(err, KYSO_ERR_LIMIT, "%s longer than %zu characters",
                         k->noun, cap - 1);
    goto done;
  }
  if (pin[0] == '\0') {
    ret = kyso_error_set(err, k->no_answer, "no %s entered", k->noun);
    goto done;
  }
  ret = KYSO_OK;

done:
  if (saved_ok)
    tcsetattr(fd, TCSAFLUSH, &saved);
  if (fd >= 0)
    close(fd);
  return ret;
}

kyso_status kyso_pin_read(const char *pin_file, char *pin, size_t cap,
                          kyso_error *err) {
  kyso_status ret;
  const char *env;
  size_t len;

  if (!pin || cap < 2) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "PIN buffer too small");
    goto done;
  }
  pin[0] = '\0';
  if (pin_file) {
    ret = pin_from_file(&pin_kind, pin_file, pin, cap, err);
    goto done;
  }
  env = getenv("KYSO_PIN");
  if (env && env[0] != '\0') {
    len = strlen(env);
    if (len >= cap) {
      ret = kyso_error_set(err, KYSO_ERR_LIMIT,
                           "KYSO_PIN is longer than %zu characters", cap - 1);
      goto done;
    }
    memcpy(pin, env, len + 1);
    ret = KYSO_OK;
    goto done;
  }
  ret = pin_from_tty(&pin_kind, pin, cap, err);

done:
  if (ret != KYSO_OK)
    kyso_pin_wipe(pin, pin ? cap : 0);
  return ret;
}

kyso_status kyso_password_read(const char *password_file, char *password,
                               size_t cap, kyso_error *err) {
  kyso_status ret;

  if (!password || cap < 2) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "password buffer too small");
    goto done;
  }
  password[0] = '\0';
  if (password_file)
    ret = pin_from_file(&password_kind, password_file, password, cap, err);
  else
    ret = pin_from_tty(&password_kind, password, cap, err);

done:
  if (ret != KYSO_OK)
    kyso_pin_wipe(password, password ? cap : 0);
  return ret;
}
