/*
 * fuzz_host_message.c - libFuzzer target: the host's message handler
 * (host_controller.c) behind a fake transport, with several connections at
 * once: an allowed site, an unknown one (first-use prompt), one denied in
 * the configuration, a plain-http one, and the kyso extension over native
 * messaging (whose requests may name a page's origin).
 *
 * Input: records separated by '\n'. A record's first byte picks the
 * connection ('a' allowed, 'u' unknown, 'd' denied, 'h' http, 'n' native,
 * any other byte modulo the count); the rest is one message. A record
 * starting with 'x' closes the connection its second byte picks and opens
 * it again; one starting with 'o' is an Origin header: its standing
 * (host_ctl_origin_state) and a connection from it, opened and closed. Each
 * message longer than HOST_MESSAGE_MAX goes through host_peer_refuse, as
 * the transports do.
 *
 * The configuration has no PKCS#11 module and remembers nothing on disk;
 * every dialog answers "cancelled". Checked on every reply, from whichever
 * thread sends it: valid JSON, an object that is a hello or carries "id"
 * and exactly one of "result" / "error" (with a string code and message),
 * never a signature, never after host_peer_close; and no PIN dialog ever
 * opens (consent is always refused). `revocation` and `timestamp` run too,
 * on the host's fetch threads, without any network: no anchor but what
 * the fuzzer cannot sign for, a TSA URL refused by its scheme. Any violation
 * aborts. host_log is this file's own, quiet one.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "host_config.h"
#include "host_controller.h"
#include "host_prompt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
  PEER_ALLOWED,
  PEER_UNKNOWN,
  PEER_DENIED,
  PEER_HTTP,
  PEER_NATIVE,
  NPEERS
};

static const char *const peer_origin[NPEERS] = {
    "https://portal.kyso.test", "https://unknown.kyso.test",
    "https://denied.kyso.test", "http://plain.kyso.test",
    "chrome-extension://abcdefghijklmnopabcdefghijklmnop/"};

typedef struct fuzz_peer {
  host_peer *peer;
  int open; /* under fuzz_lock: replies after close are a bug */
} fuzz_peer;

static pthread_mutex_t fuzz_lock = PTHREAD_MUTEX_INITIALIZER;

static void fail(const char *what, const char *json) {
  fprintf(stderr, "fuzz_host_message: %s: %.500s\n", what, json ? json : "");
  abort();
}

/* The controller's log, formatted (its arguments are checked by the
 * sanitizers like any other use) but not printed: thousands of runs a
 * second would bury libFuzzer's own output. Replaces host_log.c. */
void host_log(const char *format, ...) {
  char line[1024];
  va_list ap;

  va_start(ap, format);
  vsnprintf(line, sizeof(line), format, ap);
  va_end(ap);
}

static void check_reply(const char *text) {
  json_t *r, *id, *result, *error, *sigs;
  json_error_t jerr;

  if (strlen(text) > HOST_REPLY_MAX)
    fail("reply larger than HOST_REPLY_MAX", text);
  r = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
  if (!r || !json_is_object(r))
    fail("reply is not a JSON object", text);
  id = json_object_get(r, "id");
  result = json_object_get(r, "result");
  error = json_object_get(r, "error");
  if (!id) {
    /* a hello: {"hello":"kyso"} or {"version":...,"features":[...]} */
    if (!(json_is_string(json_object_get(r, "hello")) ||
          (json_is_string(json_object_get(r, "version")) &&
           json_is_array(json_object_get(r, "features")))) ||
        result || error)
      fail("reply without id that is not a hello", text);
  } else {
    if (!json_is_null(id) && !json_is_string(id) && !json_is_integer(id))
      fail("id neither null, a string nor an integer", text);
    if (!result == !error)
      fail("reply without exactly one of result and error", text);
    if (error && (!json_is_string(json_object_get(error, "code")) ||
                  !json_is_string(json_object_get(error, "message"))))
      fail("error without a string code and message", text);
    sigs = result ? json_object_get(result, "signatures") : NULL;
    if (sigs)
      fail("a signature came out of a host whose user always refuses", text);
  }
  json_decref(r);
}

static void fuzz_send(void *arg, char *json) {
  fuzz_peer *fp = arg;
  int open;

  pthread_mutex_lock(&fuzz_lock);
  open = fp->open;
  pthread_mutex_unlock(&fuzz_lock);
  if (!open)
    fail("reply after host_peer_close", json);
  if (!json)
    fail("NULL reply", NULL);
  check_reply(json);
  free(json);
}

/* ---- the prompt: every dialog is cancelled ------------------------------ */

static host_prompt_result p_begin(host_prompt *p) {
  (void)p;
  return HOST_PROMPT_OK;
}
static host_prompt_result p_confirm(host_prompt *p, const host_dialog *d) {
  (void)p;
  if (!d || !d->description)
    fail("a dialog without text", NULL);
  return HOST_PROMPT_CANCELLED;
}
static host_prompt_result p_get_pin(host_prompt *p, const host_dialog *d,
                                    char *pin, size_t cap) {
  (void)p;
  (void)d;
  (void)pin;
  (void)cap;
  fail("PIN dialog without consent", NULL);
  return HOST_PROMPT_CANCELLED;
}
static void p_end(host_prompt *p) {
  (void)p;
}
static void p_abort(host_prompt *p) {
  (void)p;
}
static void p_free(host_prompt *p) {
  (void)p;
}
static const host_prompt_vtable cancel_vtable = {p_begin, p_confirm, p_get_pin,
                                                 p_end,   p_abort,   p_free};
static host_prompt cancel_prompt = {&cancel_vtable};

/* ---- the configuration --------------------------------------------------- */

static char allow_portal[] = "https://portal.kyso.test";
static char allow_extension[] =
    "chrome-extension://abcdefghijklmnopabcdefghijklmnop";
static char deny_denied[] = "https://denied.kyso.test";
static char deny_evil[] = "https://evil.example";
static char tsa_refused[] = "ftp://tsa.kyso.invalid/";

static void config_init(host_config *cfg) {
  memset(cfg, 0, sizeof(*cfg));
  cfg->port = HOST_DEFAULT_PORT;
  cfg->user_timeout = 1;
  cfg->idle_timeout = HOST_DEFAULT_IDLE_TIMEOUT;
  cfg->allowed[cfg->allowed_count++] = allow_portal;
  cfg->allowed[cfg->allowed_count++] = allow_extension;
  cfg->denied[cfg->denied_count++] = deny_denied;
  cfg->denied[cfg->denied_count++] = deny_evil;
  /* no module; no state_dir / origins_path: decisions stay in memory */
  /* revocation / timestamp: nothing may reach the network. No bundled
   * roots (no input can chain to a real CA: no URL of a certificate is
   * ever fetched) and a TSA URL the fetch library refuses by its scheme. */
  cfg->no_bundled_anchors = 1;
  cfg->tsa_url = tsa_refused;
}

static void peer_open(host_ctl *ctl, fuzz_peer *fps, int i) {
  pthread_mutex_lock(&fuzz_lock);
  fps[i].open = 1;
  pthread_mutex_unlock(&fuzz_lock);
  fps[i].peer =
      i == PEER_NATIVE
          ? host_peer_open_native(ctl, peer_origin[i], fuzz_send, &fps[i])
          : host_peer_open(ctl, peer_origin[i], fuzz_send, &fps[i]);
  if (!fps[i].peer)
    fail("host_peer_open failed", peer_origin[i]);
}

static void peer_close(fuzz_peer *fps, int i) {
  host_peer_close(fps[i].peer);
  fps[i].peer = NULL;
  pthread_mutex_lock(&fuzz_lock);
  fps[i].open = 0;
  pthread_mutex_unlock(&fuzz_lock);
}

/* An origin as a transport would see it (a websocket Origin header):
 * its standing, and a connection from it that says hello and goes. */
static void origin_probe(host_ctl *ctl, fuzz_peer *fps, const char *text,
                         size_t len) {
  char origin[4 * HOST_ORIGIN_MAX];
  fuzz_peer tmp = {NULL, 1};
  host_origin_state st;
  int i, running;

  if (len >= sizeof(origin))
    len = sizeof(origin) - 1;
  memcpy(origin, text, len);
  origin[len] = '\0';
  st = host_ctl_origin_state(ctl, origin);
  if (st != HOST_ORIGIN_UNKNOWN && st != HOST_ORIGIN_ALLOWED &&
      st != HOST_ORIGIN_DENIED)
    fail("host_ctl_origin_state out of range", origin);
  tmp.peer = host_peer_open(ctl, origin, fuzz_send, &tmp);
  if (!tmp.peer)
    fail("host_peer_open failed", origin);
  for (i = 0; i < NPEERS; i++)
    if (host_peer_state(fps[i].peer, &running) > HOST_ORIGIN_DENIED)
      fail("host_peer_state out of range", peer_origin[i]);
  host_peer_close(tmp.peer);
  pthread_mutex_lock(&fuzz_lock);
  tmp.open = 0;
  pthread_mutex_unlock(&fuzz_lock);
}

static int pick(uint8_t c) {
  switch (c) {
  case 'a': return PEER_ALLOWED;
  case 'u': return PEER_UNKNOWN;
  case 'd': return PEER_DENIED;
  case 'h': return PEER_HTTP;
  case 'n': return PEER_NATIVE;
  default: return c % NPEERS;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  host_config cfg;
  host_ctl *ctl;
  fuzz_peer fps[NPEERS];
  const uint8_t *rec = data, *end = data + size, *nl;
  int i;

  config_init(&cfg);
  ctl = host_ctl_new(&cfg, &cancel_prompt);
  if (!ctl)
    fail("host_ctl_new failed", NULL);
  memset(fps, 0, sizeof(fps));
  for (i = 0; i < NPEERS; i++)
    peer_open(ctl, fps, i);
  while (rec < end) {
    size_t len;
    nl = memchr(rec, '\n', (size_t)(end - rec));
    len = (size_t)((nl ? nl : end) - rec);
    if (len >= 2 && rec[0] == 'x') {
      i = pick(rec[1]);
      peer_close(fps, i);
      peer_open(ctl, fps, i);
    } else if (len >= 1 && rec[0] == 'o') {
      origin_probe(ctl, fps, (const char *)rec + 1, len - 1);
    } else if (len >= 1) {
      i = pick(rec[0]);
      if (len - 1 > HOST_MESSAGE_MAX)
        host_peer_refuse(fps[i].peer, "INVALID_ARGUMENT",
                         "message larger than 64 KiB");
      else
        host_peer_message(fps[i].peer, (const char *)rec + 1, len - 1);
    }
    rec = nl ? nl + 1 : end;
  }
  /* Closing cancels what is still running; no reply may follow. */
  for (i = 0; i < NPEERS; i++)
    peer_close(fps, i);
  host_ctl_free(ctl);
  return 0;
}
