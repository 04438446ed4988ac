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
#include <unistd.h>

#define ORIGINS_NAME "origins"
#define ORIGINS_TMP_NAME "origins.tmp"
/* A left shift beyond this would pass any cap. */
#define DENY_SHIFT_MAX 20

typedef struct deny_entry {
  char origin[HOST_ORIGIN_MAX]; /* canonical */
  int count;                    /* refusals so far */
  int64_t until;                /* silenced before this */
} deny_entry;

typedef struct prompt_entry {
  char site[HOST_ORIGIN_MAX];
  int64_t at;
  int used;
  int global; /* counts against HOST_PROMPT_GLOBAL_MAX too */
} prompt_entry;

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
  deny_entry *denied; /* HOST_DENY_MEMORY_MAX, allocated at first use */
  int denied_count;
  prompt_entry prompts[HOST_PROMPT_SLOTS];
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

/* Reads the regular file fd (ours, at most HOST_ORIGINS_FILE_MAX bytes)
 * into a NUL-terminated *text. */
static kyso_status read_fd(int fd, const char *what, char **text,
                           struct stat *st, kyso_error *err) {
  char *buf = NULL;
  size_t have = 0;
  ssize_t r;

  if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode))
    return kyso_error_set(err, KYSO_ERR_IO, "%s: not a regular file", what);
  if (st->st_uid != geteuid())
    return kyso_error_set(err, KYSO_ERR_IO, "%s: not owned by this user", what);
  if (st->st_size > HOST_ORIGINS_FILE_MAX)
    return kyso_error_set(err, KYSO_ERR_LIMIT, "%s: larger than %d bytes", what,
                          HOST_ORIGINS_FILE_MAX);
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
  ret = read_fd(fd, path, text, st, err);
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

host_origins *host_origins_new(const host_config *cfg, host_log_fn log) {
  host_origins *o = calloc(1, sizeof(*o));

  if (!o)
    return NULL;
  o->cfg = cfg;
  o->log = log ? log : nop_log;
  load_psl(o);
  if (cfg->origins_path && cfg->state_dir)
    migrate(o);
  refresh(o);
  return o;
}

void host_origins_free(host_origins *o) {
  if (!o)
    return;
  list_clear(o->remembered, &o->remembered_count);
  free(o->denied);
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
  int i;

  for (i = 0; i < o->denied_count; i++)
    if (strcmp(o->denied[i].origin, origin) == 0)
      return &o->denied[i];
  return NULL;
}

kyso_status host_origins_forget(host_origins *o, const char *origin, int *found,
                                kyso_error *err) {
  deny_entry *d = deny_find(o, origin);
  kyso_status ret = KYSO_OK;
  int changed = 0, at;

  *found = 0;
  if (d) {
    *d = o->denied[--o->denied_count];
    *found = 1;
  }
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

void host_origins_deny(host_origins *o, const char *origin, int64_t now) {
  deny_entry *d = deny_find(o, origin);
  int64_t backoff;
  int i;

  if (!d && !o->denied) {
    o->denied = calloc(HOST_DENY_MEMORY_MAX, sizeof(*o->denied));
    if (!o->denied)
      return;
  }
  if (!d && o->denied_count < HOST_DENY_MEMORY_MAX) {
    d = &o->denied[o->denied_count++];
    memset(d, 0, sizeof(*d));
  } else if (!d) {
    /* Full: the one silenced for the shortest time makes room. */
    d = &o->denied[0];
    for (i = 1; i < o->denied_count; i++)
      if (o->denied[i].until < d->until)
        d = &o->denied[i];
    memset(d, 0, sizeof(*d));
  }
  snprintf(d->origin, sizeof(d->origin), "%s", origin);
  d->count++;
  backoff = (int64_t)HOST_DENY_BACKOFF_FIRST_S
            << (d->count - 1 < DENY_SHIFT_MAX ? d->count - 1 : DENY_SHIFT_MAX);
  if (backoff > HOST_DENY_BACKOFF_MAX_S)
    backoff = HOST_DENY_BACKOFF_MAX_S;
  d->until = now + backoff;
}

int64_t host_origins_denied_for(const host_origins *o, const char *origin,
                                int64_t now) {
  const deny_entry *d = deny_find(o, origin);
  return d && d->until > now ? d->until - now : 0;
}

host_prompt_quota host_origins_prompt_take(host_origins *o, const char *origin,
                                           int64_t now, int64_t *retry_after) {
  int64_t first_all = INT64_MAX, first_mine = INT64_MAX;
  int i, total = 0, mine = 0, free_slot = -1, oldest_local = -1;
  char site[HOST_ORIGIN_MAX];
  prompt_entry *e;

  site_of(o, origin, site);
  for (i = 0; i < HOST_PROMPT_SLOTS; i++) {
    e = &o->prompts[i];
    if (!e->used || now - e->at >= HOST_PROMPT_WINDOW_S) {
      free_slot = i;
      continue;
    }
    if (e->global) {
      total++;
      if (e->at < first_all)
        first_all = e->at;
    } else if (oldest_local < 0 || e->at < o->prompts[oldest_local].at) {
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
    return HOST_PROMPT_QUOTA_SITE;
  }
  /* No free slot: the oldest prompt that only counts for its own site makes
   * room (it limits nobody else). */
  if (free_slot < 0)
    free_slot = oldest_local;
  if (total >= HOST_PROMPT_GLOBAL_MAX || free_slot < 0) {
    if (retry_after)
      *retry_after = first_all + HOST_PROMPT_WINDOW_S - now;
    return HOST_PROMPT_QUOTA_GLOBAL;
  }
  e = &o->prompts[free_slot];
  snprintf(e->site, sizeof(e->site), "%s", site);
  e->at = now;
  e->used = 1;
  e->global = 1;
  return HOST_PROMPT_QUOTA_OK;
}

/* The slot taken for origin at taken_at, or NULL. */
static prompt_entry *prompt_find(host_origins *o, const char *origin,
                                 int64_t taken_at) {
  char site[HOST_ORIGIN_MAX];
  int i;

  site_of(o, origin, site);
  for (i = 0; i < HOST_PROMPT_SLOTS; i++)
    if (o->prompts[i].used && o->prompts[i].at == taken_at &&
        strcmp(o->prompts[i].site, site) == 0)
      return &o->prompts[i];
  return NULL;
}

void host_origins_prompt_give_back(host_origins *o, const char *origin,
                                   int64_t taken_at) {
  prompt_entry *e = prompt_find(o, origin, taken_at);
  if (e)
    memset(e, 0, sizeof(*e));
}

void host_origins_prompt_site_only(host_origins *o, const char *origin,
                                   int64_t taken_at) {
  prompt_entry *e = prompt_find(o, origin, taken_at);
  if (e)
    e->global = 0;
}

int64_t host_origins_once(const char *origin, int native, int64_t now) {
  if (!native)
    return HOST_ONCE_CONNECTION;
  if (host_origin_is_http(origin))
    return HOST_ONCE_REQUEST;
  return now + HOST_ONCE_NATIVE_S;
}

void host_origins_each(host_origins *o, int64_t now, host_origin_visit visit,
                       void *arg) {
  const host_config *cfg = o->cfg;
  int i;

  for (i = 0; i < cfg->allowed_count; i++)
    visit(arg, cfg->allowed[i], HOST_ORIGIN_ALLOWED, HOST_ORIGIN_FROM_CONFIG,
          0);
  for (i = 0; i < cfg->denied_count; i++)
    visit(arg, cfg->denied[i], HOST_ORIGIN_DENIED, HOST_ORIGIN_FROM_CONFIG, 0);
  refresh(o);
  for (i = 0; i < o->remembered_count; i++)
    visit(arg, o->remembered[i], HOST_ORIGIN_ALLOWED, HOST_ORIGIN_FROM_USER, 0);
  for (i = 0; i < o->denied_count; i++)
    if (o->denied[i].until > now)
      visit(arg, o->denied[i].origin, HOST_ORIGIN_DENIED, HOST_ORIGIN_FROM_USER,
            o->denied[i].until - now);
}
