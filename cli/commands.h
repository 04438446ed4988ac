/*
 * commands.h - the kyso subcommands. Each returns the process exit status
 * and prints its own one-line error ("kyso: CODE: message") on failure.
 */
#ifndef KYSO_CLI_COMMANDS_H
#define KYSO_CLI_COMMANDS_H

#include "kyso/status.h"

enum {
  KYSO_EXIT_OK = 0,
  KYSO_EXIT_FAILURE = 1,   /* the command could not do its job */
  KYSO_EXIT_USAGE = 2,     /* bad command line */
  KYSO_EXIT_INCOMPLETE = 3 /* the output was written, but without all the
                              long-term validation data asked for */
};

int kyso_cmd_sign(int argc, char **argv);
int kyso_cmd_inspect(int argc, char **argv);
int kyso_cmd_dss(int argc, char **argv);
int kyso_cmd_verify(int argc, char **argv);
int kyso_cmd_timestamp(int argc, char **argv);
int kyso_cmd_ltv(int argc, char **argv);

/* Prints "kyso: CODE: message" to stderr and returns KYSO_EXIT_FAILURE. */
int kyso_cli_fail(const kyso_error *err);
/* Prints "kyso: ARGUMENT: message" to stderr and returns KYSO_EXIT_USAGE. */
int kyso_cli_usage_error(const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

#endif
