/*
 * host_json.c - checks on the protocol's JSON objects (see host_json.h).
 */
#include "host_json.h"

int host_json_keys_exactly(json_t *o, const char *const *keys, size_t n) {
  size_t i;
  if (!json_is_object(o) || json_object_size(o) != n)
    return 0;
  for (i = 0; i < n; i++)
    if (!json_object_get(o, keys[i]))
      return 0;
  return 1;
}
