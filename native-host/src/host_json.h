/*
 * host_json.h - checks on the protocol's JSON objects that the controller
 * and the fetching commands share (native-host/PROTOCOL.md: exact key
 * sets).
 */
#ifndef KYSO_HOST_JSON_H
#define KYSO_HOST_JSON_H

#include <stddef.h>

#include <jansson.h>

/* 1 when o is an object with exactly these n keys, no others. */
int host_json_keys_exactly(json_t *o, const char *const *keys, size_t n);

#endif
