/* main.c - the kyso command: dispatch to subcommands. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"

static const char usage[] =
    "kyso - ký số: sign and inspect PDF documents (PAdES)\n"
    "\n"
    "usage:\n"
    "  kyso sign --in FILE --out FILE (--pkcs11-module SO [--token LABEL]\n"
    "            | --p12 FILE) [options]     sign with a token (or a P12)\n"
    "            [--tsa [URL]] [--ltv]       with a timestamp (B-T) and\n"
    "                                        revocation data (B-LT)\n"
    "  kyso verify FILE [--json] [--lang en] [--online]\n"
    "                                        check every signature\n"
    "  kyso timestamp --in FILE --out FILE [--tsa [URL]] [--ltv]\n"
    "                                        document timestamp (B-LTA)\n"
    "  kyso ltv --in FILE --out FILE         fetch and embed revocation data\n"
    "  kyso dss --in FILE --out FILE [--crl F] [--ocsp F] [--cert F]\n"
    "                                        embed revocation data from files\n"
    "  kyso inspect FILE                     list revisions and signatures\n"
    "  kyso help COMMAND                     options of a command\n";

int kyso_cli_fail(const kyso_error *err) {
  fprintf(stderr, "kyso: %s: %s\n", kyso_status_name(err->code),
          err->message[0] ? err->message : "failed");
  return KYSO_EXIT_FAILURE;
}

int kyso_cli_usage_error(const char *format, ...) {
  va_list ap;
  fputs("kyso: ARGUMENT: ", stderr);
  va_start(ap, format);
  vfprintf(stderr, format, ap);
  va_end(ap);
  fputc('\n', stderr);
  return KYSO_EXIT_USAGE;
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "sign") == 0)
    return kyso_cmd_sign(argc - 1, argv + 1);
  if (argc >= 2 && strcmp(argv[1], "inspect") == 0)
    return kyso_cmd_inspect(argc - 1, argv + 1);
  if (argc >= 2 && strcmp(argv[1], "verify") == 0)
    return kyso_cmd_verify(argc - 1, argv + 1);
  if (argc >= 2 && strcmp(argv[1], "dss") == 0)
    return kyso_cmd_dss(argc - 1, argv + 1);
  if (argc >= 2 && strcmp(argv[1], "timestamp") == 0)
    return kyso_cmd_timestamp(argc - 1, argv + 1);
  if (argc >= 2 && strcmp(argv[1], "ltv") == 0)
    return kyso_cmd_ltv(argc - 1, argv + 1);
  if (argc >= 3 && strcmp(argv[1], "help") == 0) {
    char *help_argv[] = {argv[2], "--help", NULL};
    if (strcmp(argv[2], "sign") == 0)
      return kyso_cmd_sign(2, help_argv);
    if (strcmp(argv[2], "inspect") == 0)
      return kyso_cmd_inspect(2, help_argv);
    if (strcmp(argv[2], "verify") == 0)
      return kyso_cmd_verify(2, help_argv);
    if (strcmp(argv[2], "dss") == 0)
      return kyso_cmd_dss(2, help_argv);
    if (strcmp(argv[2], "timestamp") == 0)
      return kyso_cmd_timestamp(2, help_argv);
    if (strcmp(argv[2], "ltv") == 0)
      return kyso_cmd_ltv(2, help_argv);
  }
  if (argc >= 2 &&
      (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
       strcmp(argv[1], "help") == 0)) {
    fputs(usage, stdout);
    return KYSO_EXIT_OK;
  }
  if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
    puts("kyso " KYSO_VERSION);
    return KYSO_EXIT_OK;
  }
  fputs(usage, stderr);
  return KYSO_EXIT_USAGE;
}
