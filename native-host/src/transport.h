/*
 * transport.h - the two ways in: native messaging on stdio and the
 * websocket server on loopback. Both hand messages to the controller.
 */
#ifndef KYSO_HOST_TRANSPORT_H
#define KYSO_HOST_TRANSPORT_H

#include "host_config.h"
#include "host_controller.h"

/* Serves one browser port until stdin closes. Exit status. */
int host_run_native_messaging(host_ctl *ctl, const char *origin);

/* Serves ws://127.0.0.1:port and ws://[::1]:port until SIGINT/SIGTERM;
 * exit status. */
int host_run_websocket(host_ctl *ctl, const host_config *cfg);

#endif
