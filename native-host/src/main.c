/*
 * main.c - kyso-host: options, config, then one transport.
 *
 *   kyso-host                      websocket server (systemd user service)
 *   kyso-host --native-messaging   stdio, started by the browser; Chrome
 *                                  passes the caller's origin
 *                                  (chrome-extension://ID/) as an argument,
 *                                  Firefox the manifest path and the add-on
 *                                  id
 *   --config FILE  --port N  --origin ORIGIN (native messaging, for tests)
 *   kyso-host --origins            the sites allowed or denied, and why
 *   kyso-host --forget-origin ORIGIN   drop a remembered "always allow"
 */
#define _POSIX_C_SOURCE 200809L

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_config.h"
#include "host_controller.h"
#include "host_harden.h"
#include "host_prompt.h"
#include "origins_cmd.h"
#include "transport.h"

static void usage(FILE *f) {
  fprintf(f, "usage: kyso-host [--config FILE] [--port N]\n"
             "       kyso-host --native-messaging [--origin ORIGIN] "
             "[--config FILE]\n"
             "       kyso-host --origins [--config FILE]\n"
             "       kyso-host --forget-origin ORIGIN [--config FILE]\n");
}

int main(int argc, char **argv) {
  const char *config = NULL, *origin = NULL, *port = NULL, *forget = NULL;
  int list_origins = 0;
  char firefox_origin[HOST_ORIGIN_MAX];
  int native = 0, i, ret = 2;
  host_config cfg;
  kyso_error err;
  host_prompt *prompt = NULL;
  host_ctl *ctl = NULL;

  /* SIGUSR1 asks a kyso-host to close its first-use prompt
   * (host_dialog_lock.h): ignored until the controller installs its
   * handler, never the default action (exit). */
  signal(SIGUSR1, SIG_IGN);
  /* Before reading anything: no core dumps, no ptrace by the user's other
   * processes, a locked heap for PINs (host_harden.h). */
  if (host_process_harden() != 0)
    return 2;
  memset(&cfg, 0, sizeof(cfg));
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--native-messaging") == 0)
      native = 1;
    else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
      config = argv[++i];
    else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
      port = argv[++i];
    else if (strcmp(argv[i], "--origin") == 0 && i + 1 < argc)
      origin = argv[++i];
    else if (strcmp(argv[i], "--origins") == 0)
      list_origins = 1;
    else if (strcmp(argv[i], "--forget-origin") == 0 && i + 1 < argc)
      forget = argv[++i];
    else if (strncmp(argv[i], "chrome-extension://", 19) == 0) {
      native = 1;
      origin = argv[i];
    } else if (strcmp(argv[i], "--help") == 0) {
      usage(stdout);
      return 0;
    } else if (argv[i][0] == '/' && i + 1 < argc && !strchr(argv[i + 1], '/')) {
      /* Firefox: manifest path, add-on id */
      native = 1;
      snprintf(firefox_origin, sizeof(firefox_origin), "moz-extension://%s",
               argv[++i]);
      origin = firefox_origin;
    } else {
      usage(stderr);
      return 2;
    }
  }
  signal(SIGPIPE, SIG_IGN); /* a dead pinentry or peer is an error, not exit */
  if (host_config_load(&cfg, config, &err) != KYSO_OK) {
    host_log("config: %s", err.message);
    goto done;
  }
  if (list_origins || forget) {
    ret = forget ? host_origins_forget_cmd(&cfg, forget)
                 : host_origins_list_cmd(&cfg);
    goto done;
  }
  if (port && !(cfg.port = atoi(port), cfg.port > 0 && cfg.port < 65536)) {
    host_log("bad --port");
    goto done;
  }
  prompt = host_prompt_pinentry_new(cfg.pinentry, cfg.user_timeout);
  ctl = prompt ? host_ctl_new(&cfg, prompt) : NULL;
  if (!ctl) {
    host_log("out of memory");
    goto done;
  }
  ret = native ? host_run_native_messaging(ctl, origin)
               : host_run_websocket(ctl, &cfg);

done:
  host_ctl_free(ctl);
  if (prompt)
    prompt->vtable->free(prompt);
  host_config_free(&cfg);
  return ret;
}
