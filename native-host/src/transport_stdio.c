/*
 * transport_stdio.c - native messaging: the browser starts kyso-host and
 * talks over stdin/stdout, each message a 4-byte length in native byte
 * order (little-endian on every platform kyso targets) then UTF-8 JSON
 * (Chrome and Firefox native messaging). Requests are capped at
 * HOST_MESSAGE_MAX, replies at HOST_REPLY_MAX (Chrome's 1 MiB).
 *
 * The connection's origin is the extension's; the extension names the page
 * each request comes from in its "origin" key, which only this transport
 * accepts (host_peer_open_native).
 */
#define _POSIX_C_SOURCE 200809L

#include "host_fd.h"
#include "transport.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct stdio_out {
  pthread_mutex_t lock;
  int fd;
  int broken;
} stdio_out;

static void put_le32(uint8_t b[4], uint32_t v) {
  b[0] = (uint8_t)v;
  b[1] = (uint8_t)(v >> 8);
  b[2] = (uint8_t)(v >> 16);
  b[3] = (uint8_t)(v >> 24);
}

static const char TOO_BIG[] =
    "{\"id\":null,\"error\":{\"code\":\"NATIVE_FATAL\",\"message\":"
    "\"reply larger than 1 MiB\"}}";

/* host_send_fn: one framed message, whole, under the lock. */
static void stdio_send(void *arg, char *json) {
  stdio_out *out = arg;
  size_t n = strlen(json);
  const char *body = json;
  uint8_t len[4];

  if (n > HOST_REPLY_MAX) {
    body = TOO_BIG;
    n = sizeof(TOO_BIG) - 1;
  }
  put_le32(len, (uint32_t)n);
  pthread_mutex_lock(&out->lock);
  if (!out->broken && (!host_fd_write_all(out->fd, len, 4) ||
                       !host_fd_write_all(out->fd, body, n)))
    out->broken = 1;
  pthread_mutex_unlock(&out->lock);
  free(json);
}

/* Skips n bytes of an oversize message. */
static int discard(int fd, uint32_t n) {
  char sink[4096];
  size_t step;
  while (n > 0) {
    step = n < sizeof(sink) ? n : sizeof(sink);
    if (!host_fd_read_all(fd, sink, step))
      return 0;
    n -= (uint32_t)step;
  }
  return 1;
}

int host_run_native_messaging(host_ctl *ctl, const char *origin) {
  stdio_out out;
  host_peer *peer;
  uint8_t hdr[4];
  uint32_t n;
  char *msg = NULL;
  int ret = 1;

  memset(&out, 0, sizeof(out));
  pthread_mutex_init(&out.lock, NULL);
  out.fd = 1;
  peer = host_peer_open_native(ctl, origin, stdio_send, &out);
  if (!peer) {
    host_log("native messaging: out of memory");
    goto done;
  }
  msg = malloc(HOST_MESSAGE_MAX);
  if (!msg)
    goto done;
  while (host_fd_read_all(0, hdr, 4)) {
    n = (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 | (uint32_t)hdr[2] << 16 |
        (uint32_t)hdr[3] << 24;
    if (n > HOST_MESSAGE_MAX) {
      host_peer_refuse(peer, "INVALID_ARGUMENT", "message larger than 64 KiB");
      if (!discard(0, n))
        break;
      continue;
    }
    if (!host_fd_read_all(0, msg, n))
      break;
    host_peer_message(peer, msg, n);
  }
  ret = 0; /* the browser closed the port */

done:
  host_peer_close(peer); /* cancels a dialog still open */
  free(msg);
  pthread_mutex_destroy(&out.lock);
  return ret;
}
