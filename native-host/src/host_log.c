/*
 * host_log.c - host_log (host_controller.h): one line to stderr, which
 * journald keeps under systemd. Its own file so a test program (the host
 * message fuzz target) can link the controller with a quiet host_log.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "host_controller.h"

void host_log(const char *format, ...) {
  va_list ap;
  char stamp[32];
  time_t t = time(NULL);
  struct tm tm;

  gmtime_r(&t, &tm);
  strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
  va_start(ap, format);
  fprintf(stderr, "kyso-host %s: ", stamp);
  vfprintf(stderr, format, ap);
  fputc('\n', stderr);
  va_end(ap);
}
