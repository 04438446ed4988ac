/*
 * host_origin_test.c - origins as kyso-host compares them
 * (native-host/src/host_origin.h), table-driven: every spelling of a
 * denied origin lands on the same canonical form, anything that is not an
 * origin is refused; and the origin store's memory (host_origins.h) with
 * the time passed in: the first-use prompt quotas, the back-off of a
 * refusal, which origins may be remembered; sites by the Public Suffix
 * List (quotas and refusals per registrable domain, the domain dialogs
 * show); how long "Chỉ lần này" holds; two stores sharing the consent
 * file as two processes do.
 */
#define _GNU_SOURCE /* mkdtemp */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "host_origin.h"
#include "host_origins.h"

static const struct {
  const char *in;
  const char *out; /* NULL: not an origin */
} cases[] = {
    {"https://evil.example", "https://evil.example"},
    /* one origin, many spellings (issue 11, item 9) */
    {"https://evil.example.", "https://evil.example"},
    {"HTTPS://EVIL.EXAMPLE:443", "https://evil.example"},
    {"https://Evil.Example:443/", "https://evil.example"},
    {"https://evil.example:0443", "https://evil.example"},
    {"http://portal.kyso.test:80", "http://portal.kyso.test"},
    {"http://portal.kyso.test:443", "http://portal.kyso.test:443"},
    {"https://portal.kyso.test:80", "https://portal.kyso.test:80"},
    {"http://127.0.0.1:8080", "http://127.0.0.1:8080"},
    {"http://[::1]:8080", "http://[::1]:8080"},
    {"http://[0:0:0:0:0:0:0:1]", "http://[::1]"},
    {"https://[2001:DB8::1]:443", "https://[2001:db8::1]"},
    {"chrome-extension://ABCDEFGHIJKLMNOPABCDEFGHIJKLMNOP/",
     "chrome-extension://abcdefghijklmnopabcdefghijklmnop"},
    {"moz-extension://kyso@kyso.vn", "moz-extension://kyso@kyso.vn"},
    {"moz-extension://{6f1c5c8e-0d5a-4a8e-9b1f-3c2d1e0f9a8b}",
     "moz-extension://{6f1c5c8e-0d5a-4a8e-9b1f-3c2d1e0f9a8b}"},
    {"https://a_b.kyso.test", "https://a_b.kyso.test"},
    /* not origins */
    {"", NULL},
    {"null", NULL},
    {"https://", NULL},
    {"https:///", NULL},
    {"https://evil.example..", NULL},
    {"https://.evil.example", NULL},
    {"https://evil..example", NULL},
    {"https://evil.example/path", NULL},
    {"https://evil.example//", NULL},
    {"https://evil.example?q", NULL},
    {"https://evil.example#f", NULL},
    {"https://user@evil.example", NULL},
    {"https://evil.example:", NULL},
    {"https://evil.example:0", NULL},
    {"https://evil.example:65536", NULL},
    {"https://evil.example:44a", NULL},
    {"https://evil.example:1:2", NULL},
    {"https://ev%69l.example", NULL},
    {"https://evil example", NULL},
    {"https://\xC3\xA9vil.example", NULL},
    {"https://evil.example\\", NULL},
    {"ftp://evil.example", NULL},
    {"file:///etc/passwd", NULL},
    {"javascript://x", NULL},
    {"https:evil.example", NULL},
    /* IPv4 in any form but dotted decimal */
    {"http://0x7f.1", NULL},
    {"http://2130706433", NULL},
    {"http://127.1", NULL},
    {"http://127.0.0.01", NULL},
    {"http://256.0.0.1", NULL},
    {"http://[::1", NULL},
    {"http://[::1]x", NULL},
    {"http://[fe80::1%25eth0]", NULL},
    {"chrome-extension://a/b", NULL},
    {"chrome-extension://a.b", NULL},
    {"moz-extension://a/b", NULL},
};

static void test_canonical(void) {
  char out[HOST_ORIGIN_MAX];
  char long_host[HOST_ORIGIN_MAX + 16];
  size_t i;
  int ok;

  for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
    ok = host_origin_canonical(cases[i].in, out, sizeof(out));
    if (cases[i].out) {
      CHECK_EQ_STR(out, cases[i].out);
      CHECK(ok == 1);
    } else {
      if (ok)
        fprintf(stderr, "accepted: \"%s\" -> \"%s\"\n", cases[i].in, out);
      CHECK(ok == 0 && out[0] == '\0');
    }
  }
  /* idempotent */
  for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
    char again[HOST_ORIGIN_MAX];
    if (!cases[i].out)
      continue;
    CHECK(host_origin_canonical(cases[i].out, again, sizeof(again)));
    CHECK_EQ_STR(again, cases[i].out);
  }
  /* bounded: a label over 63, an origin over HOST_ORIGIN_MAX */
  memset(long_host, 'a', sizeof(long_host));
  memcpy(long_host, "https://", 8);
  long_host[8 + 64] = '\0';
  CHECK(!host_origin_canonical(long_host, out, sizeof(out)));
  long_host[8 + 63] = '\0';
  CHECK(host_origin_canonical(long_host, out, sizeof(out)));
  CHECK(!host_origin_canonical(long_host, out, 20)); /* cap too small */
  CHECK(!host_origin_canonical(NULL, out, sizeof(out)));

  CHECK(host_origin_is_loopback("http://localhost:8080"));
  CHECK(host_origin_is_loopback("http://127.0.0.1"));
  CHECK(host_origin_is_loopback("http://127.10.20.30:1"));
  CHECK(host_origin_is_loopback("http://[::1]:8080"));
  CHECK(!host_origin_is_loopback("http://127.evil.example"));
  CHECK(!host_origin_is_loopback("http://localhost.evil.example"));
  CHECK(!host_origin_is_loopback("http://128.0.0.1"));
  CHECK(!host_origin_is_loopback("chrome-extension://localhost"));
  CHECK(host_origin_is_http("http://a.b") && !host_origin_is_http("https://a"));
  CHECK(host_origin_is_web("https://a") &&
        !host_origin_is_web("moz-extension://a"));
}

/* Sites and domains, by the system's Public Suffix List (the one the host
 * loads: host_origins_psl). */
static const struct {
  const char *origin;
  const char *domain; /* NULL: none (not a web origin) */
  const char *site;
} sites[] = {
    {"https://evil.test", "evil.test", "https://evil.test"},
    {"https://a.b.evil.test", "evil.test", "https://evil.test"},
    {"https://x.evil.test:8443", "evil.test", "https://evil.test"},
    {"http://a.evil.test", "evil.test", "http://evil.test"},
    /* gov.vn is a public suffix: two ministries' sites are two sites */
    {"https://dichvucong.gov.vn", "dichvucong.gov.vn",
     "https://dichvucong.gov.vn"},
    {"https://vanban.tiengiang.gov.vn", "tiengiang.gov.vn",
     "https://tiengiang.gov.vn"},
    {"https://dichvucong.gov.vn.aaaaaaaaaaaaaaaaaaaa.evil.test", "evil.test",
     "https://evil.test"},
    {"https://a.b.co.uk", "b.co.uk", "https://b.co.uk"},
    {"https://alice.github.io", "alice.github.io", "https://alice.github.io"},
    /* a public suffix itself, addresses, localhost: the host */
    {"https://gov.vn", "gov.vn", "https://gov.vn"},
    {"http://127.0.0.1:8080", "127.0.0.1", "http://127.0.0.1"},
    {"http://127.0.0.2", "127.0.0.2", "http://127.0.0.2"},
    {"http://10.1.2.3", "10.1.2.3", "http://10.1.2.3"},
    {"http://[::1]:8080", "[::1]", "http://[::1]"},
    {"http://localhost:3000", "localhost", "http://localhost"},
    {"chrome-extension://abcdefghijklmnop", NULL,
     "chrome-extension://abcdefghijklmnop"},
    {"moz-extension://kyso@kyso.vn", NULL, "moz-extension://kyso@kyso.vn"},
};

static void test_sites(const psl_ctx_t *psl) {
  char out[HOST_ORIGIN_MAX];
  size_t i;

  CHECK(psl != NULL);
  CHECK(psl && psl_is_public_suffix(psl, "gov.vn"));
  for (i = 0; i < sizeof(sites) / sizeof(*sites); i++) {
    if (sites[i].domain) {
      CHECK(host_origin_domain(psl, sites[i].origin, out, sizeof(out)));
      CHECK_EQ_STR(out, sites[i].domain);
    } else {
      CHECK(!host_origin_domain(psl, sites[i].origin, out, sizeof(out)));
      CHECK_EQ_STR(out, "");
    }
    CHECK(host_origin_site(psl, sites[i].origin, out, sizeof(out)));
    CHECK_EQ_STR(out, sites[i].site);
  }
  /* no list: every host is its own site */
  CHECK(host_origin_site(NULL, "https://a.b.evil.test", out, sizeof(out)));
  CHECK_EQ_STR(out, "https://a.b.evil.test");
  CHECK(!host_origin_domain(psl, "https://evil.test", out, 5));
}

static void test_store(void) {
  host_config cfg;
  host_origins *o;
  int64_t t = 1000, wait = 0;
  int i, found = 0;
  kyso_error err;

  memset(&cfg, 0, sizeof(cfg)); /* no state dir: memory only */
  o = host_origins_new(&cfg, NULL);
  CHECK(o != NULL);
  if (!o)
    return;

  /* which origins may be "always" */
  CHECK(host_origins_may_remember(o, "https://a.kyso.test"));
  CHECK(host_origins_may_remember(o, "chrome-extension://abc"));
  CHECK(!host_origins_may_remember(o, "http://a.kyso.test"));
  CHECK(!host_origins_may_remember(o, "http://127.0.0.1:8080"));
  cfg.dev_http_loopback = 1;
  CHECK(host_origins_may_remember(o, "http://127.0.0.1:8080"));
  CHECK(!host_origins_may_remember(o, "http://a.kyso.test"));
  cfg.dev_http_loopback = 0;
  CHECK(host_origins_remember(o, "http://a.kyso.test", &err) != KYSO_OK);
  CHECK(host_origins_remember(o, "https://a.kyso.test", &err) == KYSO_OK);
  CHECK(host_origins_remembered(o, "https://a.kyso.test"));
  CHECK(host_origins_forget(o, "https://a.kyso.test", &found, &err) == KYSO_OK);
  CHECK(found && !host_origins_remembered(o, "https://a.kyso.test"));

  test_sites(host_origins_psl(o));

  /* per site: HOST_PROMPT_SITE_MAX in a window, whatever the subdomain */
  for (i = 0; i < HOST_PROMPT_SITE_MAX; i++) {
    char name[32];
    snprintf(name, sizeof(name), "https://s%d.bomb.test", i);
    CHECK_EQ_INT(host_origins_prompt_take(o, name, t, &wait),
                 HOST_PROMPT_QUOTA_OK);
  }
  CHECK_EQ_INT(host_origins_prompt_take(o, "https://bomb.test", t + 1, &wait),
               HOST_PROMPT_QUOTA_SITE);
  CHECK_EQ_INT(wait, HOST_PROMPT_WINDOW_S - 1);
  CHECK_EQ_INT(
      host_origins_prompt_take(o, "https://fresh.bomb.test", t + 1, &wait),
      HOST_PROMPT_QUOTA_SITE);
  /* in all: HOST_PROMPT_GLOBAL_MAX */
  for (i = HOST_PROMPT_SITE_MAX; i < HOST_PROMPT_GLOBAL_MAX; i++) {
    char name[32];
    snprintf(name, sizeof(name), "https://o%d.test", i);
    CHECK_EQ_INT(host_origins_prompt_take(o, name, t, &wait),
                 HOST_PROMPT_QUOTA_OK);
  }
  CHECK_EQ_INT(host_origins_prompt_take(o, "https://fresh.test", t, &wait),
               HOST_PROMPT_QUOTA_GLOBAL);
  /* a prompt the user never saw is given back: the quota is not used up
   * by requests cancelled at once (issue 11 red team: silent lock-out) */
  host_origins_prompt_give_back(o, "https://o4.test", t);
  CHECK_EQ_INT(host_origins_prompt_take(o, "https://fresh.test", t, &wait),
               HOST_PROMPT_QUOTA_OK);
  CHECK_EQ_INT(host_origins_prompt_take(o, "https://fresh2.test", t, &wait),
               HOST_PROMPT_QUOTA_GLOBAL);
  /* given back by site, and only a prompt taken then */
  host_origins_prompt_give_back(o, "https://x.o5.test", t + 7);
  CHECK_EQ_INT(host_origins_prompt_take(o, "https://fresh2.test", t, &wait),
               HOST_PROMPT_QUOTA_GLOBAL);
  host_origins_prompt_give_back(o, "https://x.o5.test", t);
  CHECK_EQ_INT(host_origins_prompt_take(o, "https://fresh2.test", t, &wait),
               HOST_PROMPT_QUOTA_OK);
  /* the window passes */
  CHECK_EQ_INT(host_origins_prompt_take(o, "https://bomb.test",
                                        t + HOST_PROMPT_WINDOW_S, &wait),
               HOST_PROMPT_QUOTA_OK);

  /* a refusal holds for that origin only: a sibling of the same
   * registrable domain (a school page under tiengiang.gov.vn, another port
   * of an intranet address) must not silence the portal (red-team review:
   * a page cancelling its own prompt silenced its whole domain) */
  host_origins_deny(o, "https://a.evil.test", t);
  CHECK_EQ_INT(host_origins_denied_for(o, "https://a.evil.test", t),
               HOST_DENY_BACKOFF_FIRST_S);
  CHECK_EQ_INT(host_origins_denied_for(o, "https://b.evil.test", t), 0);
  CHECK_EQ_INT(host_origins_denied_for(o, "https://evil.test:8443", t), 0);
  CHECK_EQ_INT(host_origins_denied_for(o, "http://a.evil.test", t), 0);
  host_origins_deny(o, "https://a.evil.test", t); /* the same origin again */
  CHECK_EQ_INT(host_origins_denied_for(o, "https://a.evil.test", t),
               2 * HOST_DENY_BACKOFF_FIRST_S);
  CHECK(host_origins_forget(o, "https://a.evil.test", &found, &err) == KYSO_OK);
  CHECK(found && host_origins_denied_for(o, "https://a.evil.test", t) == 0);
  host_origins_deny(o, "https://thcs-abc.tiengiang.gov.vn", t);
  CHECK_EQ_INT(host_origins_denied_for(o, "https://vanban.tiengiang.gov.vn", t),
               0);
  host_origins_deny(o, "http://127.0.0.1:8080", t);
  CHECK(host_origins_denied_for(o, "http://127.0.0.1:8080", t) > 0);
  CHECK_EQ_INT(host_origins_denied_for(o, "http://127.0.0.1:9090", t), 0);

  /* a prompt its page closed at once counts for its site, not against
   * every site: pages flashing prompts from many sites leave the global
   * budget to others (red-team review) */
  {
    char flash[64];
    int k;
    int64_t t2 = t + 10 * HOST_PROMPT_WINDOW_S;
    for (k = 0; k < 2 * HOST_PROMPT_GLOBAL_MAX; k++) {
      snprintf(flash, sizeof(flash), "https://flash%d.test", k);
      CHECK_EQ_INT(host_origins_prompt_take(o, flash, t2, &wait),
                   HOST_PROMPT_QUOTA_OK);
      host_origins_prompt_site_only(o, flash, t2);
    }
    CHECK_EQ_INT(host_origins_prompt_take(o, "https://portal.test", t2, &wait),
                 HOST_PROMPT_QUOTA_OK);
    /* the site still pays: its quota holds */
    for (k = 1; k < HOST_PROMPT_SITE_MAX; k++) {
      CHECK_EQ_INT(
          host_origins_prompt_take(o, "https://x.flash0.test", t2, &wait),
          HOST_PROMPT_QUOTA_OK);
      host_origins_prompt_site_only(o, "https://x.flash0.test", t2);
    }
    CHECK_EQ_INT(
        host_origins_prompt_take(o, "https://y.flash0.test", t2, &wait),
        HOST_PROMPT_QUOTA_SITE);
  }

  /* "Chỉ lần này": the websocket's connection; native messaging: a few
   * minutes for https, this request only for http */
  CHECK_EQ_INT(host_origins_once("https://a.test", 0, t), HOST_ONCE_CONNECTION);
  CHECK_EQ_INT(host_origins_once("http://a.test", 0, t), HOST_ONCE_CONNECTION);
  CHECK_EQ_INT(host_origins_once("https://a.test", 1, t),
               t + HOST_ONCE_NATIVE_S);
  CHECK_EQ_INT(host_origins_once("http://a.test", 1, t), HOST_ONCE_REQUEST);
  CHECK(HOST_ONCE_NATIVE_S > 0 && HOST_ONCE_NATIVE_S <= 10 * 60);

  /* a refusal silences, then longer each time, up to the cap */
  CHECK_EQ_INT(host_origins_denied_for(o, "https://no", t), 0);
  host_origins_deny(o, "https://no", t);
  CHECK_EQ_INT(host_origins_denied_for(o, "https://no", t),
               HOST_DENY_BACKOFF_FIRST_S);
  CHECK_EQ_INT(
      host_origins_denied_for(o, "https://no", t + HOST_DENY_BACKOFF_FIRST_S),
      0);
  t += HOST_DENY_BACKOFF_FIRST_S;
  host_origins_deny(o, "https://no", t);
  CHECK_EQ_INT(host_origins_denied_for(o, "https://no", t),
               2 * HOST_DENY_BACKOFF_FIRST_S);
  for (i = 0; i < 40; i++)
    host_origins_deny(o, "https://no", t);
  CHECK_EQ_INT(host_origins_denied_for(o, "https://no", t),
               HOST_DENY_BACKOFF_MAX_S);
  CHECK_EQ_INT(host_origins_denied_for(o, "https://other", t), 0);
  CHECK(host_origins_forget(o, "https://no", &found, &err) == KYSO_OK);
  CHECK(found && host_origins_denied_for(o, "https://no", t) == 0);
  /* bounded memory: the oldest refusal makes room */
  for (i = 0; i < HOST_DENY_MEMORY_MAX + 10; i++) {
    char name[32];
    snprintf(name, sizeof(name), "https://d%d", i);
    host_origins_deny(o, name, t + i);
  }
  CHECK(host_origins_denied_for(o, "https://d0", t) == 0);
  {
    char last[32];
    snprintf(last, sizeof(last), "https://d%d", HOST_DENY_MEMORY_MAX + 9);
    CHECK(host_origins_denied_for(o, last, t) > 0);
  }
  /* a page's own refusals never make the user's give way, nor restart its
   * back-off; at most HOST_DENY_PAGE_SITE_MAX of them per site */
  t += HOST_DENY_BACKOFF_MAX_S * 2; /* every refusal above over */
  for (i = 0; i < HOST_DENY_MEMORY_MAX; i++) {
    char name[40];
    snprintf(name, sizeof(name), "https://u%d.test", i);
    host_origins_forget(o, name, &found, &err);
  }
  for (i = 0; i < HOST_DENY_MEMORY_MAX + 10; i++) {
    char name[40];
    snprintf(name, sizeof(name), "https://d%d", i);
    host_origins_forget(o, name, &found, &err);
  }
  host_origins_deny(o, "https://user.test", t);
  host_origins_deny(o, "https://user.test", t); /* back-off count 2 */
  for (i = 0; i < 3 * HOST_DENY_MEMORY_MAX; i++) {
    char name[48];
    snprintf(name, sizeof(name), "https://x%d.p%d.test", i, i);
    host_origins_deny_page(o, name, t + 1 + i); /* silenced longer */
  }
  CHECK_EQ_INT(host_origins_denied_for(o, "https://user.test", t),
               2 * HOST_DENY_BACKOFF_FIRST_S);
  {
    char last[48];
    snprintf(last, sizeof(last), "https://x%d.p%d.test",
             3 * HOST_DENY_MEMORY_MAX - 1, 3 * HOST_DENY_MEMORY_MAX - 1);
    CHECK(host_origins_denied_for(o, last, t) > 0); /* a page's made room */
  }
  for (i = 0; i < HOST_DENY_PAGE_SITE_MAX + 4; i++) {
    char name[48];
    snprintf(name, sizeof(name), "https://s%d.cap.test", i);
    host_origins_deny_page(o, name, t + 10000 + i);
  }
  CHECK(host_origins_denied_for(o, "https://s0.cap.test", t) == 0);
  CHECK(host_origins_denied_for(o, "https://s3.cap.test", t) == 0);
  CHECK(host_origins_denied_for(o, "https://s4.cap.test", t) > 0);
  /* the user's own fill the table: a page's new refusal is not kept */
  for (i = 0; i < HOST_DENY_MEMORY_MAX; i++) {
    char name[40];
    snprintf(name, sizeof(name), "https://u%d.test", i);
    host_origins_deny(o, name, t + 20000 + i);
  }
  host_origins_deny_page(o, "https://late.page.test", t + 30000);
  CHECK(host_origins_denied_for(o, "https://late.page.test", t) == 0);
  host_origins_free(o);
}

/* Two stores on one state dir, as two kyso-host processes: refusals, their
 * back-off, prompt quotas and native "Chỉ lần này" go through the consent
 * file; a garbled one grants nothing. */
static void test_shared_store(void) {
  char dir[] = "/tmp/kyso-origin-test.XXXXXX", path[128], origins[128];
  host_config cfg;
  host_origins *a, *b;
  int64_t t = 5000, wait = 0, left;
  int i, found = 0;
  kyso_error err;
  FILE *f;

  if (!mkdtemp(dir)) {
    CHECK(0);
    return;
  }
  snprintf(origins, sizeof(origins), "%s/origins", dir);
  snprintf(path, sizeof(path), "%s/consent", dir);
  memset(&cfg, 0, sizeof(cfg));
  cfg.state_dir = dir;
  cfg.origins_path = origins;
  a = host_origins_new(&cfg, NULL);
  b = host_origins_new(&cfg, NULL);
  CHECK(a && b);
  if (!a || !b)
    goto done;
  host_origins_deny(a, "https://no.kyso.test", t);
  left = host_origins_denied_for(b, "https://no.kyso.test", t);
  CHECK(left >= HOST_DENY_BACKOFF_FIRST_S - 1 &&
        left <= HOST_DENY_BACKOFF_FIRST_S + 1);
  host_origins_deny(b, "https://no.kyso.test", t);
  left = host_origins_denied_for(a, "https://no.kyso.test", t);
  CHECK(left >= 2 * HOST_DENY_BACKOFF_FIRST_S - 2 &&
        left <= 2 * HOST_DENY_BACKOFF_FIRST_S + 2);
  CHECK(host_origins_forget(b, "https://no.kyso.test", &found, &err) ==
        KYSO_OK);
  CHECK(found && host_origins_denied_for(a, "https://no.kyso.test", t) == 0);
  /* the site's quota, taken by both */
  for (i = 0; i < HOST_PROMPT_SITE_MAX; i++)
    CHECK_EQ_INT(host_origins_prompt_take(
                     i % 2 ? a : b, "https://p.quota.kyso.test", t, &wait),
                 HOST_PROMPT_QUOTA_OK);
  CHECK_EQ_INT(
      host_origins_prompt_take(a, "https://q.quota.kyso.test", t, &wait),
      HOST_PROMPT_QUOTA_SITE);
  CHECK(wait > 0 && wait <= HOST_PROMPT_WINDOW_S);
  /* "Chỉ lần này": https shared, http never kept */
  host_origins_once_grant(a, "https://once.kyso.test", t + HOST_ONCE_NATIVE_S,
                          t);
  host_origins_once_grant(a, "http://once.kyso.test", t + HOST_ONCE_NATIVE_S,
                          t);
  CHECK(host_origins_once_holds(b, "https://once.kyso.test", t));
  CHECK(!host_origins_once_holds(b, "https://once.kyso.test",
                                 t + HOST_ONCE_NATIVE_S + 2));
  CHECK(!host_origins_once_holds(b, "http://once.kyso.test", t));
  /* garbled: nothing holds */
  f = fopen(path, "w");
  CHECK(f != NULL);
  if (f) {
    fputs("o https://once.kyso.test 99999999999\nd junk\n", f);
    fclose(f);
  }
  CHECK(!host_origins_once_holds(b, "https://once.kyso.test", t));
  /* a grant far on is cut to its cap */
  f = fopen(path, "w");
  if (f) {
    fputs("o https://once.kyso.test 99999999999\n", f);
    fclose(f);
  }
  CHECK(host_origins_once_holds(b, "https://once.kyso.test", t));
  CHECK(!host_origins_once_holds(b, "https://once.kyso.test",
                                 t + HOST_ONCE_NATIVE_S + 1));
done:
  host_origins_free(a);
  host_origins_free(b);
  unlink(path);
  unlink(origins);
  rmdir(dir);
}

int main(void) {
  test_canonical();
  test_store();
  test_shared_store();
  return check_summary();
}
