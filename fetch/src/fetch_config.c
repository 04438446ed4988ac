/*
 * fetch_config.c - kyso_fetch_config: defaults and the `key = value` file
 * (the style of native-host/src/host_config.c: '#' comment lines, strict
 * values, an error names the line).
 */
#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fetch_guard.h"

enum {
  CONFIG_FILE_MAX = 64 * 1024,
  CONFIG_TIMEOUT_MAX = 3600,     /* seconds per try */
  CONFIG_DEADLINE_MAX = 86400,   /* seconds per call, 0: none */
  CONFIG_RETRY_DELAY_MAX = 60000 /* ms */
};

static void rewrites_clear(kyso_fetch_config *config) {
  size_t i;
  for (i = 0; i < KYSO_FETCH_REWRITES_MAX; i++) {
    free(config->rewrite[i].from);
    free(config->rewrite[i].to);
    config->rewrite[i].from = config->rewrite[i].to = NULL;
  }
  config->rewrite_count = 0;
}

static int rewrite_add(kyso_fetch_config *config, const char *from,
                       const char *to) {
  kyso_fetch_rewrite *r;
  if (config->rewrite_count >= KYSO_FETCH_REWRITES_MAX ||
      !fetch_host_valid(from) || !fetch_host_valid(to))
    return 0;
  r = &config->rewrite[config->rewrite_count];
  r->from = strdup(from);
  r->to = strdup(to);
  if (!r->from || !r->to) {
    free(r->from);
    free(r->to);
    r->from = r->to = NULL;
    return 0;
  }
  config->rewrite_count++;
  return 1;
}

kyso_status kyso_fetch_config_init(kyso_fetch_config *config, kyso_error *err) {
  if (!config)
    return kyso_error_set(err, KYSO_ERR_ARGUMENT, "missing argument");
  memset(config, 0, sizeof(*config));
  config->timeout_seconds = 180;
  config->connect_timeout_seconds = 30;
  config->tries = 3;
  config->retry_delay_ms = 2000;
  config->parallel = KYSO_FETCH_PARALLEL_MAX;
  config->deadline_seconds = 600;
  config->tsa_url = strdup(KYSO_FETCH_DEFAULT_TSA);
  if (!config->tsa_url ||
      !rewrite_add(config, "ocsp.ca.ptc", "ocsp.ca.gov.vn")) {
    kyso_fetch_config_clear(config);
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  }
  return KYSO_OK;
}

void kyso_fetch_config_clear(kyso_fetch_config *config) {
  if (!config)
    return;
  rewrites_clear(config);
  free(config->tsa_url);
  free(config->cache_dir);
  memset(config, 0, sizeof(*config));
}

static char *trim(char *s) {
  char *end;
  while (*s == ' ' || *s == '\t')
    s++;
  end = s + strlen(s);
  while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
    *--end = '\0';
  return s;
}

static int parse_long(const char *s, long lo, long hi, long *out) {
  char *end;
  long v;
  if (!isdigit((unsigned char)s[0]))
    return 0;
  errno = 0;
  v = strtol(s, &end, 10);
  if (errno || *end || v < lo || v > hi)
    return 0;
  *out = v;
  return 1;
}

static int parse_bool(const char *s, int *out) {
  if (strcmp(s, "yes") == 0 || strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
    *out = 1;
  else if (strcmp(s, "no") == 0 || strcmp(s, "false") == 0 ||
           strcmp(s, "0") == 0)
    *out = 0;
  else
    return 0;
  return 1;
}

/* "FROM TO": two host names separated by blanks. */
static int parse_rewrite(kyso_fetch_config *config, char *value,
                         int *replaced) {
  char *from = value, *to;
  to = from + strcspn(from, " \t");
  if (!*to)
    return 0;
  *to++ = '\0';
  to = trim(to);
  if (strpbrk(to, " \t"))
    return 0;
  if (!*replaced) {
    rewrites_clear(config); /* the first rewrite line replaces the defaults */
    *replaced = 1;
  }
  return rewrite_add(config, from, to);
}

static int parse_url(char **slot, const char *value) {
  fetch_url u;
  char *copy;
  if (!fetch_url_parse(value, &u))
    return 0;
  copy = strdup(value);
  if (!copy)
    return 0;
  free(*slot);
  *slot = copy;
  return 1;
}

/* One line (NUL-terminated, no newline). 1 when understood. */
static int config_line(kyso_fetch_config *config, char *key, char *value,
                       int *replaced) {
  long v;
  if (strcmp(key, "tsa_url") == 0)
    return parse_url(&config->tsa_url, value);
  if (strcmp(key, "rewrite") == 0)
    return parse_rewrite(config, value, replaced);
  if (strcmp(key, "allow_loopback_urls") == 0)
    return parse_bool(value, &config->allow_loopback_urls);
  if (strcmp(key, "timeout") == 0 &&
      parse_long(value, 1, CONFIG_TIMEOUT_MAX, &v)) {
    config->timeout_seconds = v;
    return 1;
  }
  if (strcmp(key, "connect_timeout") == 0 &&
      parse_long(value, 1, CONFIG_TIMEOUT_MAX, &v)) {
    config->connect_timeout_seconds = v;
    return 1;
  }
  if (strcmp(key, "tries") == 0 &&
      parse_long(value, 1, KYSO_FETCH_TRIES_MAX, &v)) {
    config->tries = (int)v;
    return 1;
  }
  if (strcmp(key, "retry_delay_ms") == 0 &&
      parse_long(value, 0, CONFIG_RETRY_DELAY_MAX, &v)) {
    config->retry_delay_ms = v;
    return 1;
  }
  if (strcmp(key, "deadline") == 0 &&
      parse_long(value, 0, CONFIG_DEADLINE_MAX, &v)) {
    config->deadline_seconds = v;
    return 1;
  }
  if (strcmp(key, "parallel") == 0 &&
      parse_long(value, 1, KYSO_FETCH_PARALLEL_MAX, &v)) {
    config->parallel = (int)v;
    return 1;
  }
  return 0;
}

static int key_known(const char *key) {
  static const char *const keys[] = {
      "tsa_url",        "rewrite",         "allow_loopback_urls",
      "timeout",        "connect_timeout", "tries",
      "retry_delay_ms", "parallel",        "deadline"};
  size_t i;
  for (i = 0; i < sizeof(keys) / sizeof(*keys); i++)
    if (strcmp(key, keys[i]) == 0)
      return 1;
  return 0;
}

kyso_status kyso_fetch_config_load(kyso_fetch_config *config, const char *path,
                                   kyso_error *err) {
  kyso_status ret = KYSO_OK;
  int fd = -1, lineno = 0, replaced = 0;
  struct stat st;
  char *text = NULL, *line, *next, *key, *value, *eq;
  size_t len = 0;
  ssize_t n;

  if (!config || !path)
    return kyso_error_set(err, KYSO_ERR_ARGUMENT, "missing argument");
  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT)
      return KYSO_OK;
    return kyso_error_set(err, KYSO_ERR_IO, "cannot read %s", path);
  }
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ret = kyso_error_set(err, KYSO_ERR_IO, "%s: not a regular file", path);
    goto done;
  }
  if (st.st_size > CONFIG_FILE_MAX) {
    ret = kyso_error_set(err, KYSO_ERR_LIMIT, "%s: larger than %d bytes", path,
                         CONFIG_FILE_MAX);
    goto done;
  }
  text = malloc(CONFIG_FILE_MAX + 2);
  if (!text) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  /* read one byte past the cap: the file may grow after fstat */
  while (len <= CONFIG_FILE_MAX) {
    n = read(fd, text + len, CONFIG_FILE_MAX + 1 - len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      ret = kyso_error_set(err, KYSO_ERR_IO, "cannot read %s", path);
      goto done;
    }
    if (n == 0)
      break;
    len += (size_t)n;
  }
  if (len > CONFIG_FILE_MAX) {
    ret = kyso_error_set(err, KYSO_ERR_LIMIT, "%s: larger than %d bytes", path,
                         CONFIG_FILE_MAX);
    goto done;
  }
  if (memchr(text, '\0', len)) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "%s: holds a NUL byte", path);
    goto done;
  }
  text[len] = '\0';
  for (line = text; line; line = next) {
    next = strchr(line, '\n');
    if (next)
      *next++ = '\0';
    lineno++;
    key = trim(line);
    if (key[0] == '#' || key[0] == '\0')
      continue;
    eq = strchr(key, '=');
    if (!eq) {
      ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                           "%s:%d: expected key = value", path, lineno);
      goto done;
    }
    *eq = '\0';
    value = trim(eq + 1);
    key = trim(key);
    if (!key_known(key)) {
      ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                           "%s:%d: unknown key \"%.40s\"", path, lineno, key);
      goto done;
    }
    if (!config_line(config, key, value, &replaced)) {
      ret = kyso_error_set(err, KYSO_ERR_ARGUMENT,
                           "%s:%d: bad value for \"%s\": \"%.80s\"", path,
                           lineno, key, value);
      goto done;
    }
  }

done:
  free(text);
  if (fd >= 0)
    close(fd);
  return ret;
}
