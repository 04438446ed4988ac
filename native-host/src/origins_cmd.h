/*
 * origins_cmd.h - `kyso-host --origins` and `--forget-origin ORIGIN`: the
 * user's view of which sites may use the token, from the command line.
 * The extension's popup has the same through the `origins` and
 * `forget-origin` requests (PROTOCOL.md).
 */
#ifndef KYSO_HOST_ORIGINS_CMD_H
#define KYSO_HOST_ORIGINS_CMD_H

#include "host_config.h"

/* Prints every origin with a standing to stdout: state, where it comes
 * from (host.conf, remembered), origin. Exit status. */
int host_origins_list_cmd(const host_config *cfg);

/* Forgets origin's "always allow" (a running host sees it at its next
 * lookup). Exit status: 0 forgotten, 1 nothing remembered for it, 2
 * error. */
int host_origins_forget_cmd(const host_config *cfg, const char *origin);

#endif
