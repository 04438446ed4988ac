/* host_origins.c - remembered origins, refusals and prompt quotas; see
 * host_origins.h. */
#define _GNU_SOURCE /* O_NOFOLLOW, O_DIRECTORY, O_CLOEXEC, flock, renameat */

#include "host_origins.h"
#include "host_fd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define ORIGINS_NAME "origins"
#define ORIGINS_TMP_NAME "origins.tmp"
#define CONSENT_NAME "consent"
#define CONSENT_TMP_NAME "consent.tmp"
/* A left shift beyond this would pass any cap. */
#define DENY_SHIFT_MAX 20

typedef struct deny_entry {
  char origin[HOST_ORIGIN_MAX]; /* canonical */
  int count;                    /* refusals so far */
  int64_t until;                /* silenced before this */
  int page; /* only the page's own (a shown prompt it closed): never makes a
               user's refusal give way (host_origins_deny_page) */
} deny_entry;

typedef struct prompt_entry {
  char site[HOST_ORIGIN_MAX];
  int64_t at;
  int used;
  int global; /* counts against HOST_PROMPT_GLOBAL_MAX too */
  /* Who took it: the process and its taken_at (give_back, site_only find
   * their own prompt by these, whatever another process wrote). */
  long owner;
  int64_t key;
} prompt_entry;

/* A native "Chỉ lần này" of an https page, for every native host. */
typedef struct once_entry {
  char origin[HOST_ORIGIN_MAX]; /* canonical, https */
  int64_t until;
} once_entry;

/* What the consent file holds, in monotonic seconds. */
typedef struct consent_state {
  deny_entry denied[HOST_DENY_MEMORY_MAX];
  int denied_count;
  prompt_entry prompts[HOST_PROMPT_SLOTS];
  once_entry onces[HOST_ONCE_SHARED_MAX];
  int once_count;
} consent_state;

/* What the origins file was when last read: a change of any of these
 * means read it again (a rewrite is a new inode). */
typedef struct file_identity {
  int known;
  dev_t dev;
  ino_t ino;
  off_t size;
  struct timespec mtime;
} file_identity;

struct host_origins {
  const host_config *cfg;
  host_log_fn log;
  const psl_ctx_t *psl; /* psl_owned, or libpsl's built-in list */
  psl_ctx_t *psl_owned;
  char *remembered[HOST_REMEMBERED_MAX];
  int remembered_count;
  file_identity seen;
  int problem_logged; /* the file's current problem was logged */
  /* Refusals, prompt quotas, native "Chỉ lần này": a copy of the consent
   * file (consent_path) when there is a state dir, else memory only. */
  consent_state *cs;
  char *consent_path;
  file_identity consent_seen;
  int consent_problem_logged;
  int consent_clamped; /* the last read cut a time: write it back cut */
};

typedef enum rewrite_op { OP_ADD, OP_DROP, OP_MIGRATE } rewrite_op;

/* A list of canonical origins being built. */
typedef struct origin_list {
  char *items[HOST_REMEMBERED_MAX];
  int count;
} origin_list;

static void nop_log(const char *format, ...) {
  (void)format;
}

static void list_clear(char **items, int *count) {
  int i;
  for (i = 0; i < *count; i++)
    free(items[i]);
  *count = 0;
}

static int list_find(char *const *items, int count, const char *origin) {
  int i;
  for (i = 0; i < count; i++)
    if (strcmp(items[i], origin) == 0)
      return i;
  return -1;
}

/* 0: added or already there; -1: full or out of memory. */
static int list_add(origin_list *l, const char *origin) {
  if (list_find(l->items, l->count, origin) >= 0)
    return 0;
  if (l->count >= HOST_REMEMBERED_MAX)
    return -1;
  l->items[l->count] = strdup(origin);
  if (!l->items[l->count])
    return -1;
  l->count++;
  return 0;
}

int host_origins_may_remember(const host_origins *o, const char *origin) {
  if (!host_origin_is_http(origin))
    return 1; /* https and the extension schemes (canonical input) */
  return o->cfg->dev_http_loopback && host_origin_is_loopback(origin);
}

/* The lines of text: canonical origins that may be remembered, once each.
 * *dropped counts the others. */
static void parse_text(const host_origins *o, char *text, origin_list *l,
                       int *dropped) {
  char canonical[HOST_ORIGIN_MAX];
  char *line, *save = NULL, *end;

  for (line = strtok_r(text, "\n", &save); line;
       line = strtok_r(NULL, "\n", &save)) {
    while (*line == ' ' || *line == '\t')
      line++;
    end = line + strlen(line);
    while (end > line && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
      *--end = '\0';
    if (line[0] == '\0' || line[0] == '#')
      continue;
    if (!host_origin_canonical(line, canonical, sizeof(canonical)) ||
        !host_origins_may_remember(o, canonical) || list_add(l, canonical)) {
      (*dropped)++;
      continue;
    }
  }
}

/* Reads the regular file fd (ours, at most max bytes) into a
 * NUL-terminated *text. */
static kyso_status read_fd(int fd, const char *what, off_t max, char **text,
                           struct stat *st, kyso_error *err) {
  char *buf = NULL;
  size_t have = 0;
  ssize_t r;

  if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode))
    return kyso_error_set(err, KYSO_ERR_IO, "%s: not a regular file", what);
  if (st->st_uid != geteuid())
    return kyso_error_set(err, KYSO_ERR_IO, "%s: not owned by this user", what);
  if (st->st_size > max)
    return kyso_error_set(err, KYSO_ERR_LIMIT, "%s: larger than %lld bytes",
                          what, (long long)max);
  buf = malloc((size_t)st->st_size + 1);
  if (!buf)
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  while (have < (size_t)st->st_size) {
    r = read(fd, buf + have, (size_t)st->st_size - have);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    have += (size_t)r;
  }
  buf[have] = '\0';
  *text = buf;
  return KYSO_OK;
}

/* Opens name under dirfd (or path when dirfd < 0) without following a
 * symlink and reads it. KYSO_OK with *text NULL when it does not exist. */
static kyso_status read_list_file(int dirfd, const char *path, struct stat *st,
                                  char **text, kyso_error *err) {
  kyso_status ret;
  int fd;

  *text = NULL;
  fd = dirfd >= 0 ? openat(dirfd, ORIGINS_NAME,
                           O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
                  : open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT)
      return KYSO_OK;
    if (errno == ELOOP)
      return kyso_error_set(err, KYSO_ERR_IO,
                            "%s is a symbolic link: refused (remove it)", path);
    return kyso_error_set(err, KYSO_ERR_IO, "cannot read %s: %s", path,
                          strerror(errno));
  }
  ret = read_fd(fd, path, HOST_ORIGINS_FILE_MAX, text, st, err);
  close(fd);
  return ret;
}

static void identity_of(file_identity *id, const struct stat *st) {
  id->known = 1;
  id->dev = st->st_dev;
  id->ino = st->st_ino;
  id->size = st->st_size;
  id->mtime = st->st_mtim;
}

static int identity_same(const file_identity *id, const struct stat *st) {
  return id->known && id->dev == st->st_dev && id->ino == st->st_ino &&
         id->size == st->st_size && id->mtime.tv_sec == st->st_mtim.tv_sec &&
         id->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

/* Makes the remembered list what the origins file holds now. */
static void refresh(host_origins *o) {
  const char *path = o->cfg->origins_path;
  struct stat st;
  origin_list l;
  char *text = NULL;
  kyso_error err;
  int dropped = 0;

  if (!path)
    return; /* memory only */
  if (lstat(path, &st) != 0) {
    list_clear(o->remembered, &o->remembered_count);
    memset(&o->seen, 0, sizeof(o->seen));
    o->problem_logged = 0;
    return; /* none yet */
  }
  if (identity_same(&o->seen, &st))
    return;
  list_clear(o->remembered, &o->remembered_count);
  memset(&o->seen, 0, sizeof(o->seen));
  if (read_list_file(-1, path, &st, &text, &err) != KYSO_OK) {
    if (!o->problem_logged)
      o->log("remembered origins not used: %s", err.message);
    o->problem_logged = 1;
    return;
  }
  o->problem_logged = 0;
  if (!text)
    return;
  memset(&l, 0, sizeof(l));
  parse_text(o, text, &l, &dropped);
  free(text);
  memcpy(o->remembered, l.items, sizeof(l.items));
  o->remembered_count = l.count;
  identity_of(&o->seen, &st);
  if (dropped)
    o->log("%s: %d line(s) ignored (not an origin that may be remembered)",
           path, dropped);
}

/* mkdir -p for the state dir: every missing component 0700 (XDG Base
 * Directory: "should be created with permissions 0700"). */
static int make_dirs(const char *dir) {
  char *p = strdup(dir), *s;
  int ok = 1;

  if (!p)
    return 0;
  for (s = p + 1; *s && ok; s++) {
    if (*s != '/')
      continue;
    *s = '\0';
    ok = mkdir(p, 0700) == 0 || errno == EEXIST;
    *s = '/';
  }
  if (ok)
    ok = mkdir(p, 0700) == 0 || errno == EEXIST;
  free(p);
  return ok;
}

/* The state dir, opened (no symlink as its last component), ours and 0700.
 * -1 with err set otherwise. */
static int open_state_dir(const char *dir, kyso_error *err) {
  struct stat st;
  int fd;

  if (!make_dirs(dir)) {
    kyso_error_set(err, KYSO_ERR_IO, "cannot create %s: %s", dir,
                   strerror(errno));
    return -1;
  }
  fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    kyso_error_set(err, KYSO_ERR_IO, "cannot open %s: %s", dir,
                   strerror(errno));
    return -1;
  }
  if (fstat(fd, &st) != 0 || st.st_uid != geteuid() ||
      ((st.st_mode & 077) && fchmod(fd, 0700) != 0)) {
    kyso_error_set(err, KYSO_ERR_IO, "%s: not a private directory of this user",
                   dir);
    close(fd);
    return -1;
  }
  return fd;
}

/* Writes l as dirfd/origins: a new 0600 file, synced, renamed over the old
 * one (readers see the old list or the new one, never half of it). */
static kyso_status write_list(int dirfd, const char *path, const origin_list *l,
                              kyso_error *err) {
  static const char header[] =
      "# kyso-host: sites the user chose to always allow (\"Luôn cho "
      "phép\").\n# List: kyso-host --origins; remove: kyso-host "
      "--forget-origin ORIGIN\n";
  int fd, i, ok;

  if (unlinkat(dirfd, ORIGINS_TMP_NAME, 0) != 0 && errno != ENOENT)
    return kyso_error_set(err, KYSO_ERR_IO, "cannot replace %s.tmp: %s", path,
                          strerror(errno));
  fd = openat(dirfd, ORIGINS_TMP_NAME,
              O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return kyso_error_set(err, KYSO_ERR_IO, "cannot write %s.tmp: %s", path,
                          strerror(errno));
  ok = fchmod(fd, 0600) == 0 &&
       host_fd_write_all(fd, header, sizeof(header) - 1);
  for (i = 0; ok && i < l->count; i++)
    ok = host_fd_write_all(fd, l->items[i], strlen(l->items[i])) &&
         host_fd_write_all(fd, "\n", 1);
  ok = ok && fsync(fd) == 0;
  ok = close(fd) == 0 && ok;
  if (ok)
    ok = renameat(dirfd, ORIGINS_TMP_NAME, dirfd, ORIGINS_NAME) == 0;
  if (!ok) {
    unlinkat(dirfd, ORIGINS_TMP_NAME, 0);
    return kyso_error_set(err, KYSO_ERR_IO, "cannot write %s", path);
  }
  fsync(dirfd); /* the rename itself survives a crash */
  return KYSO_OK;
}

/* Read, change, write the origins file under the directory's flock. For
 * OP_MIGRATE, legacy holds the old file's list and nothing happens when
 * the file exists by now. *changed says whether origin was added or
 * dropped. */
static kyso_status rewrite(host_origins *o, rewrite_op op, const char *origin,
                           origin_list *legacy, int *changed, kyso_error *err) {
  kyso_status ret;
  const host_config *cfg = o->cfg;
  origin_list l;
  struct stat st;
  char *text = NULL;
  int dirfd = -1, at, dropped = 0, i;

  memset(&l, 0, sizeof(l));
  *changed = 0;
  dirfd = open_state_dir(cfg->state_dir, err);
  if (dirfd < 0) {
    ret = err->code;
    goto done;
  }
  if (flock(dirfd, LOCK_EX) != 0) {
    ret = kyso_error_set(err, KYSO_ERR_IO, "cannot lock %s", cfg->state_dir);
    goto done;
  }
  ret = read_list_file(dirfd, cfg->origins_path, &st, &text, err);
  if (ret != KYSO_OK)
    goto done;
  if (op == OP_MIGRATE) {
    if (text)
      goto done; /* someone else did */
    for (i = 0; i < legacy->count; i++)
      list_add(&l, legacy->items[i]);
    *changed = 1;
  } else if (text) {
    parse_text(o, text, &l, &dropped);
  }
  at = origin ? list_find(l.items, l.count, origin) : -1;
  if (op == OP_ADD && at < 0) {
    if (list_add(&l, origin) != 0) {
      ret = kyso_error_set(err, KYSO_ERR_LIMIT,
                           "more than %d remembered origins: forget some "
                           "(kyso-host --origins, --forget-origin)",
                           HOST_REMEMBERED_MAX);
      goto done;
    }
    *changed = 1;
  } else if (op == OP_DROP && at >= 0) {
    free(l.items[at]);
    l.items[at] = l.items[--l.count];
    *changed = 1;
  }
  if (*changed || dropped)
    ret = write_list(dirfd, cfg->origins_path, &l, err);

done:
  if (dirfd >= 0)
    close(dirfd); /* releases the flock */
  free(text);
  list_clear(l.items, &l.count);
  memset(&o->seen, 0, sizeof(o->seen)); /* read it again */
  refresh(o);
  return ret;
}

/* Earlier versions kept "always" in the config dir, which the service may
 * no longer write: its list moves to the state dir once. */
static void migrate(host_origins *o) {
  const host_config *cfg = o->cfg;
  struct stat st;
  origin_list l;
  char *text = NULL;
  kyso_error err;
  int dropped = 0, changed = 0;

  if (!cfg->origins_path || !cfg->legacy_origins_path ||
      lstat(cfg->origins_path, &st) == 0 || errno != ENOENT)
    return;
  if (read_list_file(-1, cfg->legacy_origins_path, &st, &text, &err) !=
      KYSO_OK) {
    o->log("old origins file not moved: %s", err.message);
    return;
  }
  if (!text)
    return;
  memset(&l, 0, sizeof(l));
  parse_text(o, text, &l, &dropped);
  free(text);
  if (rewrite(o, OP_MIGRATE, NULL, &l, &changed, &err) != KYSO_OK)
    o->log("old origins file not moved: %s", err.message);
  else if (changed)
    o->log("moved %d remembered origin(s) from %s to %s (%d line(s) "
           "dropped: not an origin that may be remembered)",
           l.count, cfg->legacy_origins_path, cfg->origins_path, dropped);
  list_clear(l.items, &l.count);
}

/* The newest Public Suffix List: the system's (Debian's publicsuffix
 * package, updated with the system) or libpsl's built-in copy. */
static void load_psl(host_origins *o) {
  o->psl_owned = psl_latest(NULL);
  o->psl = o->psl_owned ? o->psl_owned : psl_builtin();
  if (!o->psl)
    o->log("no Public Suffix List (install publicsuffix): refusals and "
           "prompt quotas are kept per host, not per registrable domain");
}

/* origin's site into site (HOST_ORIGIN_MAX); the origin itself if it has
 * none (not canonical: cannot happen, the callers' are). */
static void site_of(const host_origins *o, const char *origin, char *site) {
  if (!host_origin_site(o->psl, origin, site, HOST_ORIGIN_MAX))
    snprintf(site, HOST_ORIGIN_MAX, "%s", origin);
}

const psl_ctx_t *host_origins_psl(const host_origins *o) {
  return o->psl;
}

/* ---- the consent file ----------------------------------------------------
 *
 * $XDG_STATE_HOME/kyso/consent, one entry a line, times in wall-clock
 * seconds (a monotonic clock means nothing to another process):
 *
 *   d ORIGIN UNTIL COUNT u|p      a refusal: silenced before UNTIL (u: the
 *                                 user's, p: a page closed its prompt)
 *   p SITE AT g|s PID KEY         a first-use prompt taken at AT (g: counts
 *                                 against HOST_PROMPT_GLOBAL_MAX too)
 *   o ORIGIN UNTIL                a native "Chỉ lần này" (https) until UNTIL
 *
 * In memory the times are monotonic again: a stored time is converted with
 * the two clocks read now, and a refusal's or a grant's time left is cut to
 * its cap (a clock set back, or a reboot, cannot silence or allow an origin
 * for longer than a fresh answer would). Anything garbled, too large or not
 * a regular file of the user's is read as empty (and logged): it grants
 * nothing, and the next answer rewrites it. */

/* Wall-clock seconds. */
static int64_t wall_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec;
}

/* Monotonic seconds, as the controller passes them (host_controller.c
 * now_s), for the calls that are given no time. */
static int64_t mono_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec;
}

static int shared(const host_origins *o) {
  return o->consent_path != NULL;
}

/* A whole decimal number of at most 19 digits, optionally negative. */
static int parse_i64(const char *s, int64_t *out) {
  char *end = NULL;
  long long v;

  if (!s || !*s || strlen(s) > 20)
    return 0;
  errno = 0;
  v = strtoll(s, &end, 10);
  if (errno || *end)
    return 0;
  *out = (int64_t)v;
  return 1;
}

/* s is a canonical origin (as written by format_consent). */
static int canonical_token(const char *s) {
  char canonical[HOST_ORIGIN_MAX];
  return s && host_origin_canonical(s, canonical, sizeof(canonical)) &&
         strcmp(s, canonical) == 0;
}

static int64_t clamp_left(int64_t left, int64_t cap) {
  return left > cap ? cap : left;
}

/* text (NUL-terminated, modified) into *cs at now (monotonic) / wall;
 * *clamped set when a time was cut to its cap. 0 when any line is not an
 * entry as format_consent writes them. */
static int parse_consent(char *text, consent_state *cs, int64_t now,
                         int64_t wall, int *clamped) {
  char *line, *save = NULL, *tok[7], *tsave;
  int n, free_slot = 0;
  int64_t a, b, c;

  memset(cs, 0, sizeof(*cs));
  for (line = strtok_r(text, "\n", &save); line;
       line = strtok_r(NULL, "\n", &save)) {
    if (line[0] == '#')
      continue;
    tsave = NULL;
    for (n = 0; n < 7; n++)
      if (!(tok[n] = strtok_r(n ? NULL : line, " ", &tsave)))
        break;
    if (n == 0 || n == 7 || strlen(tok[0]) != 1)
      return 0;
    if (tok[0][0] == 'd' && n == 5) {
      deny_entry *d;
      if (!canonical_token(tok[1]) || !parse_i64(tok[2], &a) ||
          !parse_i64(tok[3], &b) || b < 1 || b > 1000 ||
          (strcmp(tok[4], "u") != 0 && strcmp(tok[4], "p") != 0) ||
          cs->denied_count >= HOST_DENY_MEMORY_MAX)
        return 0;
      if (a < wall - HOST_DENY_BACKOFF_MAX_S)
        continue; /* long over: forgotten */
      d = &cs->denied[cs->denied_count++];
      snprintf(d->origin, sizeof(d->origin), "%s", tok[1]);
      d->count = (int)b;
      d->page = tok[4][0] == 'p';
      d->until = now + clamp_left(a - wall, HOST_DENY_BACKOFF_MAX_S);
      *clamped |= a - wall > HOST_DENY_BACKOFF_MAX_S;
    } else if (tok[0][0] == 'p' && n == 6) {
      prompt_entry *e;
      if (!canonical_token(tok[1]) || !parse_i64(tok[2], &a) ||
          (strcmp(tok[3], "g") != 0 && strcmp(tok[3], "s") != 0) ||
          !parse_i64(tok[4], &b) || b <= 0 || !parse_i64(tok[5], &c) ||
          free_slot >= HOST_PROMPT_SLOTS)
        return 0;
      if (a > wall) {
        a = wall; /* taken "in the future": counts the whole window */
        *clamped = 1;
      }
      if (wall - a >= HOST_PROMPT_WINDOW_S)
        continue;
      e = &cs->prompts[free_slot++];
      snprintf(e->site, sizeof(e->site), "%s", tok[1]);
      e->at = now - (wall - a);
      e->used = 1;
      e->global = tok[3][0] == 'g';
      e->owner = (long)b;
      e->key = c;
    } else if (tok[0][0] == 'o' && n == 3) {
      once_entry *e;
      if (!canonical_token(tok[1]) || !host_origin_is_web(tok[1]) ||
          host_origin_is_http(tok[1]) || !parse_i64(tok[2], &a) ||
          cs->once_count >= HOST_ONCE_SHARED_MAX)
        return 0;
      if (a <= wall)
        continue; /* over */
      e = &cs->onces[cs->once_count++];
      snprintf(e->origin, sizeof(e->origin), "%s", tok[1]);
      e->until = now + clamp_left(a - wall, HOST_ONCE_NATIVE_S);
      *clamped |= a - wall > HOST_ONCE_NATIVE_S;
    } else {
      return 0;
    }
  }
  return 1;
}

/* Reads the consent file (dirfd < 0: by its path) into o->cs at now; a
 * missing file is empty, a bad one empty and logged. Notes what was read
 * in o->consent_seen. */
static void load_consent(host_origins *o, int dirfd, int64_t now) {
  struct stat st;
  char *text = NULL;
  kyso_error err;
  consent_state *fresh = NULL;
  int fd, ok = 0;

  memset(&o->consent_seen, 0, sizeof(o->consent_seen));
  o->consent_clamped = 0;
  fd = dirfd >= 0 ? openat(dirfd, CONSENT_NAME,
                           O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
                  : open(o->consent_path,
                         O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0 && errno == ENOENT) {
    memset(o->cs, 0, sizeof(*o->cs));
    o->consent_problem_logged = 0;
    return;
  }
  if (fd < 0) {
    kyso_error_set(&err, KYSO_ERR_IO, "%s: %s", o->consent_path,
                   errno == ELOOP ? "a symbolic link: refused (remove it)"
                                  : strerror(errno));
  } else if (read_fd(fd, o->consent_path, HOST_CONSENT_FILE_MAX, &text, &st,
                     &err) == KYSO_OK) {
    identity_of(&o->consent_seen, &st);
    fresh = malloc(sizeof(*fresh));
    if (!fresh)
      kyso_error_set(&err, KYSO_ERR_NO_MEMORY, "out of memory");
    else if (!(ok = parse_consent(text, fresh, now, wall_now(),
                                  &o->consent_clamped)))
      kyso_error_set(&err, KYSO_ERR_IO, "%s: garbled", o->consent_path);
  }
  if (fd >= 0)
    close(fd);
  if (ok) {
    memcpy(o->cs, fresh, sizeof(*fresh));
    o->consent_problem_logged = 0;
  } else {
    memset(o->cs, 0, sizeof(*o->cs)); /* grants nothing */
    if (!o->consent_problem_logged)
      o->log("refusals and prompt counts not read, starting empty: %s",
             err.message);
    o->consent_problem_logged = 1;
  }
  free(fresh);
  free(text);
}

static int consent_begin(host_origins *o, int64_t now);
static void consent_end(host_origins *o, int dirfd, int64_t now);

/* Reads the consent file again if it changed since (a rewrite is a new
 * inode; a symlink or a vanished file counts as a change). */
static void refresh_consent(host_origins *o, int64_t now) {
  struct stat st;

  if (!shared(o))
    return;
  if (lstat(o->consent_path, &st) == 0 && S_ISREG(st.st_mode) &&
      identity_same(&o->consent_seen, &st))
    return;
  if (lstat(o->consent_path, &st) != 0 && !o->consent_seen.known &&
      errno == ENOENT)
    return; /* still none */
  load_consent(o, -1, now);
  /* A time beyond its cap (a clock set back, a hand-edited file) is cut
   * from this reader's now; written back cut, so that the next reader,
   * later, does not cut it again from its own now. */
  if (o->consent_clamped)
    consent_end(o, consent_begin(o, now), now);
}

/* o->cs as the file's text (malloc'ed), times back to wall-clock. */
static char *format_consent(const consent_state *cs, int64_t now,
                            int64_t wall) {
  size_t cap = HOST_CONSENT_FILE_MAX, len = 0;
  char *out = malloc(cap);
  int i, n;

#define EMIT(...)                                                              \
  do {                                                                         \
    n = snprintf(out + len, cap - len, __VA_ARGS__);                           \
    if (n < 0 || (size_t)n >= cap - len) {                                     \
      free(out);                                                               \
      return NULL;                                                             \
    }                                                                          \
    len += (size_t)n;                                                          \
  } while (0)
  if (!out)
    return NULL;
  EMIT("# kyso-host: refusals, first-use prompts, \"Chỉ lần này\" (shared by "
       "every kyso-host)\n");
  for (i = 0; i < cs->denied_count; i++)
    EMIT("d %s %lld %d %c\n", cs->denied[i].origin,
         (long long)(wall + cs->denied[i].until - now), cs->denied[i].count,
         cs->denied[i].page ? 'p' : 'u');
  for (i = 0; i < HOST_PROMPT_SLOTS; i++) {
    const prompt_entry *e = &cs->prompts[i];
    if (e->used && now - e->at < HOST_PROMPT_WINDOW_S)
      EMIT("p %s %lld %c %ld %lld\n", e->site,
           (long long)(wall - (now - e->at)), e->global ? 'g' : 's', e->owner,
           (long long)e->key);
  }
  for (i = 0; i < cs->once_count; i++)
    if (cs->onces[i].until > now)
      EMIT("o %s %lld\n", cs->onces[i].origin,
           (long long)(wall + cs->onces[i].until - now));
#undef EMIT
  return out;
}

/* Starts a change of the consent state: takes the state dir's flock and
 * reads the file as it is now. The fd to give consent_end, or -1 (memory
 * only, or the directory is unusable: the change stays in this process). */
static int consent_begin(host_origins *o, int64_t now) {
  kyso_error err;
  int dirfd;

  if (!shared(o))
    return -1;
  dirfd = open_state_dir(o->cfg->state_dir, &err);
  if (dirfd < 0) {
    o->log("refusals and prompt counts not shared: %s", err.message);
    return -1;
  }
  if (flock(dirfd, LOCK_EX) != 0) {
    o->log("refusals and prompt counts not shared: cannot lock %s",
           o->cfg->state_dir);
    close(dirfd);
    return -1;
  }
  load_consent(o, dirfd, now);
  return dirfd;
}

/* Writes o->cs as the consent file (0600, temporary file and rename) and
 * releases the lock of consent_begin. */
static void consent_end(host_origins *o, int dirfd, int64_t now) {
  char *text;
  struct stat st;
  int fd, ok;

  if (dirfd < 0)
    return;
  text = format_consent(o->cs, now, wall_now());
  ok = text != NULL &&
       (unlinkat(dirfd, CONSENT_TMP_NAME, 0) == 0 || errno == ENOENT);
  fd = ok ? openat(dirfd, CONSENT_TMP_NAME,
                   O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)
          : -1;
  ok = fd >= 0 && fchmod(fd, 0600) == 0 &&
       host_fd_write_all(fd, text, strlen(text));
  if (fd >= 0)
    ok = close(fd) == 0 && ok;
  ok = ok && renameat(dirfd, CONSENT_TMP_NAME, dirfd, CONSENT_NAME) == 0;
  if (!ok) {
    unlinkat(dirfd, CONSENT_TMP_NAME, 0);
    o->log("cannot write %s: refusals and prompt counts not shared",
           o->consent_path);
    memset(&o->consent_seen, 0, sizeof(o->consent_seen));
  } else if (fstatat(dirfd, CONSENT_NAME, &st, AT_SYMLINK_NOFOLLOW) == 0) {
    identity_of(&o->consent_seen, &st); /* ours: no need to read it back */
  }
  free(text);
  close(dirfd); /* releases the flock */
}

host_origins *host_origins_new(const host_config *cfg, host_log_fn log) {
  host_origins *o = calloc(1, sizeof(*o));

  if (!o)
    return NULL;
  o->cfg = cfg;
  o->log = log ? log : nop_log;
  o->cs = calloc(1, sizeof(*o->cs));
  if (!o->cs) {
    free(o);
    return NULL;
  }
  load_psl(o);
  if (cfg->origins_path && cfg->state_dir) {
    size_t n = strlen(cfg->state_dir) + sizeof("/" CONSENT_NAME);
    o->consent_path = malloc(n);
    if (!o->consent_path) {
      host_origins_free(o);
      return NULL;
    }
    snprintf(o->consent_path, n, "%s/%s", cfg->state_dir, CONSENT_NAME);
    migrate(o);
  }
  refresh(o);
  return o;
}

void host_origins_free(host_origins *o) {
  if (!o)
    return;
  list_clear(o->remembered, &o->remembered_count);
  free(o->cs);
  free(o->consent_path);
  psl_free(o->psl_owned);
  free(o);
}

int host_origins_remembered(host_origins *o, const char *origin) {
  refresh(o);
  return list_find(o->remembered, o->remembered_count, origin) >= 0;
}

kyso_status host_origins_remember(host_origins *o, const char *origin,
                                  kyso_error *err) {
  int changed;

  if (!host_origins_may_remember(o, origin))
    return kyso_error_set(err, KYSO_ERR_ARGUMENT,
                          "%s may not be remembered (no TLS)", origin);
  if (o->cfg->origins_path && o->cfg->state_dir)
    return rewrite(o, OP_ADD, origin, NULL, &changed, err);
  /* memory only */
  if (list_find(o->remembered, o->remembered_count, origin) >= 0)
    return KYSO_OK;
  if (o->remembered_count >= HOST_REMEMBERED_MAX ||
      !(o->remembered[o->remembered_count] = strdup(origin)))
    return kyso_error_set(err, KYSO_ERR_LIMIT, "too many remembered origins");
  o->remembered_count++;
  return KYSO_OK;
}

static deny_entry *deny_find(const host_origins *o, const char *origin) {
  consent_state *cs = o->cs;
  int i;

  for (i = 0; i < cs->denied_count; i++)
    if (strcmp(cs->denied[i].origin, origin) == 0)
      return &cs->denied[i];
  return NULL;
}

/* Drops origin's refusal and native "Chỉ lần này" from o->cs; 1 when it
 * had a refusal. */
static int consent_drop(host_origins *o, const char *origin) {
  consent_state *cs = o->cs;
  deny_entry *d = deny_find(o, origin);
  int i;

  for (i = 0; i < cs->once_count; i++)
    if (strcmp(cs->onces[i].origin, origin) == 0)
      cs->onces[i--] = cs->onces[--cs->once_count];
  if (!d)
    return 0;
  *d = cs->denied[--cs->denied_count];
  return 1;
}

kyso_status host_origins_forget(host_origins *o, const char *origin, int *found,
                                kyso_error *err) {
  kyso_status ret = KYSO_OK;
  int64_t now = mono_now();
  int changed = 0, at, dirfd;

  dirfd = consent_begin(o, now);
  *found = consent_drop(o, origin);
  consent_end(o, dirfd, now);
  if (o->cfg->origins_path && o->cfg->state_dir) {
    ret = rewrite(o, OP_DROP, origin, NULL, &changed, err);
  } else if ((at = list_find(o->remembered, o->remembered_count, origin)) >=
             0) {
    free(o->remembered[at]);
    o->remembered[at] = o->remembered[--o->remembered_count];
    changed = 1;
  }
  *found = *found || changed;
  return ret;
}

/* The entry of cs to reuse for a new refusal of origin (page: only the
 * page's own), or NULL when it is not to be kept. A page's refusal never
 * takes the place of a user's: the page's own make room first (the one
 * silenced shortest; at HOST_DENY_PAGE_SITE_MAX for the site, that site's
 * own); a user's takes the place of the page refusal silenced shortest,
 * else of the user refusal silenced shortest. */
static deny_entry *deny_slot(host_origins *o, const char *origin, int page) {
  consent_state *cs = o->cs;
  char site[HOST_ORIGIN_MAX], other[HOST_ORIGIN_MAX];
  deny_entry *pick = NULL, *mine = NULL, *user = NULL;
  int i, site_count = 0;

  if (page) {
    site_of(o, origin, site);
    for (i = 0; i < cs->denied_count; i++) {
      deny_entry *d = &cs->denied[i];
      if (!d->page)
        continue;
      site_of(o, d->origin, other);
      if (strcmp(site, other) != 0)
        continue;
      site_count++;
      if (!mine || d->until < mine->until)
        mine = d;
    }
    if (site_count >= HOST_DENY_PAGE_SITE_MAX)
      return mine; /* the site's own oldest makes room */
  }
  if (cs->denied_count < HOST_DENY_MEMORY_MAX)
    return &cs->denied[cs->denied_count++];
  for (i = 0; i < cs->denied_count; i++) {
    deny_entry *d = &cs->denied[i];
    if (d->page && (!pick || d->until < pick->until))
      pick = d;
    if (!d->page && (!user || d->until < user->until))
      user = d;
  }
  if (pick)
    return pick;
  return page ? NULL : user; /* only the user's: a page's is not kept */
}

/* A refusal of origin at now, with the next back-off; page: see
 * host_origins_deny_page. */
static void deny(host_origins *o, const char *origin, int page, int64_t now) {
  int dirfd = consent_begin(o, now);
  deny_entry *d = deny_find(o, origin);
  int64_t backoff;

  if (!d) {
    d = deny_slot(o, origin, page);
    if (!d) {
      o->log("refusal of %s by its page not kept: the refusals kept are "
             "the user's",
             origin);
      consent_end(o, dirfd, now);
      return;
    }
    memset(d, 0, sizeof(*d));
    d->page = page;
  } else if (!page) {
    d->page = 0; /* the user's now: kept as such */
  }
  snprintf(d->origin, sizeof(d->origin), "%s", origin);
  if (d->count < 1000)
    d->count++;
  backoff = (int64_t)HOST_DENY_BACKOFF_FIRST_S
            << (d->count - 1 < DENY_SHIFT_MAX ? d->count - 1 : DENY_SHIFT_MAX);
  if (backoff > HOST_DENY_BACKOFF_MAX_S)
    backoff = HOST_DENY_BACKOFF_MAX_S;
  d->until = now + backoff;
  consent_end(o, dirfd, now);
}

void host_origins_deny(host_origins *o, const char *origin, int64_t now) {
  deny(o, origin, 0, now);
}

void host_origins_deny_page(host_origins *o, const char *origin, int64_t now) {
  deny(o, origin, 1, now);
}

int64_t host_origins_denied_for(host_origins *o, const char *origin,
                                int64_t now) {
  const deny_entry *d;

  refresh_consent(o, now);
  d = deny_find(o, origin);
  return d && d->until > now ? d->until - now : 0;
}

host_prompt_quota host_origins_prompt_take(host_origins *o, const char *origin,
                                           int64_t now, int64_t *retry_after) {
  int64_t first_all = INT64_MAX, first_mine = INT64_MAX;
  int i, total = 0, mine = 0, free_slot = -1, oldest_local = -1, dirfd;
  char site[HOST_ORIGIN_MAX];
  prompt_entry *prompts = o->cs->prompts, *e;
  host_prompt_quota q = HOST_PROMPT_QUOTA_OK;

  site_of(o, origin, site);
  dirfd = consent_begin(o, now);
  for (i = 0; i < HOST_PROMPT_SLOTS; i++) {
    e = &prompts[i];
    if (!e->used || now - e->at >= HOST_PROMPT_WINDOW_S) {
      free_slot = i;
      continue;
    }
    if (e->global) {
      total++;
      if (e->at < first_all)
        first_all = e->at;
    } else if (oldest_local < 0 || e->at < prompts[oldest_local].at) {
      oldest_local = i;
    }
    if (strcmp(e->site, site) == 0) {
      mine++;
      if (e->at < first_mine)
        first_mine = e->at;
    }
  }
  if (mine >= HOST_PROMPT_SITE_MAX) {
    if (retry_after)
      *retry_after = first_mine + HOST_PROMPT_WINDOW_S - now;
    q = HOST_PROMPT_QUOTA_SITE;
    goto done;
  }
  /* No free slot: the oldest prompt that only counts for its own site makes
   * room (it limits nobody else). */
  if (free_slot < 0)
    free_slot = oldest_local;
  if (total >= HOST_PROMPT_GLOBAL_MAX || free_slot < 0) {
    if (retry_after)
      *retry_after = first_all + HOST_PROMPT_WINDOW_S - now;
    q = HOST_PROMPT_QUOTA_GLOBAL;
    goto done;
  }
  e = &prompts[free_slot];
  snprintf(e->site, sizeof(e->site), "%s", site);
  e->at = now;
  e->used = 1;
  e->global = 1;
  e->owner = (long)getpid();
  e->key = now;

done:
  consent_end(o, dirfd, now);
  return q;
}

/* This process's slot taken for origin at taken_at, or NULL. */
static prompt_entry *prompt_find(host_origins *o, const char *origin,
                                 int64_t taken_at) {
  char site[HOST_ORIGIN_MAX];
  long me = (long)getpid();
  int i;

  site_of(o, origin, site);
  for (i = 0; i < HOST_PROMPT_SLOTS; i++) {
    prompt_entry *e = &o->cs->prompts[i];
    if (e->used && e->owner == me && e->key == taken_at &&
        strcmp(e->site, site) == 0)
      return e;
  }
  return NULL;
}

void host_origins_prompt_give_back(host_origins *o, const char *origin,
                                   int64_t taken_at) {
  int64_t now = shared(o) ? mono_now() : taken_at;
  int dirfd = consent_begin(o, now);
  prompt_entry *e = prompt_find(o, origin, taken_at);

  if (e)
    memset(e, 0, sizeof(*e));
  consent_end(o, dirfd, now);
}

void host_origins_prompt_site_only(host_origins *o, const char *origin,
                                   int64_t taken_at) {
  int64_t now = shared(o) ? mono_now() : taken_at;
  int dirfd = consent_begin(o, now);
  prompt_entry *e = prompt_find(o, origin, taken_at);

  if (e)
    e->global = 0;
  consent_end(o, dirfd, now);
}

int64_t host_origins_once(const char *origin, int native, int64_t now) {
  if (!native)
    return HOST_ONCE_CONNECTION;
  if (host_origin_is_http(origin))
    return HOST_ONCE_REQUEST;
  return now + HOST_ONCE_NATIVE_S;
}

void host_origins_once_grant(host_origins *o, const char *origin, int64_t until,
                             int64_t now) {
  consent_state *cs = o->cs;
  once_entry *e = NULL;
  int i, dirfd;

  if (until <= now || !host_origin_is_web(origin) ||
      host_origin_is_http(origin))
    return; /* http: the request that asked only */
  if (until > now + HOST_ONCE_NATIVE_S)
    until = now + HOST_ONCE_NATIVE_S;
  dirfd = consent_begin(o, now);
  for (i = 0; i < cs->once_count && !e; i++)
    if (strcmp(cs->onces[i].origin, origin) == 0)
      e = &cs->onces[i];
  if (!e && cs->once_count < HOST_ONCE_SHARED_MAX) {
    e = &cs->onces[cs->once_count++];
  } else if (!e) { /* full: the one ending first makes room */
    e = &cs->onces[0];
    for (i = 1; i < cs->once_count; i++)
      if (cs->onces[i].until < e->until)
        e = &cs->onces[i];
  }
  snprintf(e->origin, sizeof(e->origin), "%s", origin);
  e->until = until;
  consent_end(o, dirfd, now);
}

int host_origins_once_holds(host_origins *o, const char *origin, int64_t now) {
  int i;

  refresh_consent(o, now);
  for (i = 0; i < o->cs->once_count; i++)
    if (strcmp(o->cs->onces[i].origin, origin) == 0)
      return o->cs->onces[i].until > now;
  return 0;
}

void host_origins_each(host_origins *o, int64_t now, host_origin_visit visit,
                       void *arg) {
  const host_config *cfg = o->cfg;
  consent_state *cs = o->cs;
  int i;

  for (i = 0; i < cfg->allowed_count; i++)
    visit(arg, cfg->allowed[i], HOST_ORIGIN_ALLOWED, HOST_ORIGIN_FROM_CONFIG,
          0);
  for (i = 0; i < cfg->denied_count; i++)
    visit(arg, cfg->denied[i], HOST_ORIGIN_DENIED, HOST_ORIGIN_FROM_CONFIG, 0);
  refresh(o);
  for (i = 0; i < o->remembered_count; i++)
    visit(arg, o->remembered[i], HOST_ORIGIN_ALLOWED, HOST_ORIGIN_FROM_USER, 0);
  refresh_consent(o, now);
  for (i = 0; i < cs->denied_count; i++)
    if (cs->denied[i].until > now)
      visit(arg, cs->denied[i].origin, HOST_ORIGIN_DENIED,
            HOST_ORIGIN_FROM_USER, cs->denied[i].until - now);
}
