/* origins_cmd.c - the origins command line; see origins_cmd.h. */
#define _POSIX_C_SOURCE 200809L

#include "origins_cmd.h"

#include <stdio.h>
#include <time.h>

#include "host_controller.h" /* host_log */
#include "host_origins.h"

static void print_origin(void *arg, const char *origin, host_origin_state state,
                         host_origin_source source, int64_t denied_for) {
  (void)arg;
  if (denied_for > 0) { /* a refusal (consent file), silenced this long */
    printf("%-8s %-10s %s (%lld s)\n", "denied", "refused", origin,
           (long long)denied_for);
    return;
  }
  printf("%-8s %-10s %s\n", state == HOST_ORIGIN_ALLOWED ? "allowed" : "denied",
         source == HOST_ORIGIN_FROM_CONFIG ? "host.conf" : "remembered",
         origin);
}

int host_origins_list_cmd(const host_config *cfg) {
  host_origins *o = host_origins_new(cfg, host_log);
  struct timespec ts;

  if (!o) {
    host_log("out of memory");
    return 2;
  }
  clock_gettime(CLOCK_MONOTONIC, &ts); /* the store's clock */
  host_origins_each(o, (int64_t)ts.tv_sec, print_origin, NULL);
  host_origins_free(o);
  return fflush(stdout) == 0 ? 0 : 2;
}

int host_origins_forget_cmd(const host_config *cfg, const char *origin) {
  char canonical[HOST_ORIGIN_MAX];
  host_origins *o = NULL;
  kyso_error err;
  int found = 0, ret = 2;

  if (!host_origin_canonical(origin, canonical, sizeof(canonical))) {
    fprintf(stderr, "kyso-host: %s is not an origin (scheme://host[:port])\n",
            origin);
    goto done;
  }
  o = host_origins_new(cfg, host_log);
  if (!o) {
    host_log("out of memory");
    goto done;
  }
  if (host_origins_forget(o, canonical, &found, &err) != KYSO_OK) {
    fprintf(stderr, "kyso-host: %s\n", err.message);
    goto done;
  }
  if (found)
    printf("forgotten: %s\n", canonical);
  else
    fprintf(stderr, "kyso-host: nothing remembered for %s\n", canonical);
  if (host_config_origin_state(cfg, canonical) != HOST_ORIGIN_UNKNOWN)
    fprintf(stderr,
            "kyso-host: %s is in host.conf (allow_origin / deny_origin): "
            "edit that file to change it\n",
            canonical);
  ret = found ? 0 : 1;

done:
  host_origins_free(o);
  return ret;
}
