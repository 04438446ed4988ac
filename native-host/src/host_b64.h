/*
 * host_b64.h - base64 for the protocol's binary values (RFC 4648 4, padded,
 * no line breaks): what the host sends, and a strict reader for what pages
 * send.
 */
#ifndef KYSO_HOST_B64_H
#define KYSO_HOST_B64_H

#include <stddef.h>
#include <stdint.h>

/* malloc'd, NUL-terminated; NULL when out of memory or n over 2 GiB. */
char *host_b64_encode(const uint8_t *p, size_t n);

/* Strict base64 (RFC 4648 4, padded, nothing else): malloc'd bytes, NULL
 * when malformed, empty or over max bytes. */
uint8_t *host_b64_decode(const char *s, size_t max, size_t *out_len);

/* The length host_b64_encode gives for n bytes, without the NUL. */
size_t host_b64_length(size_t n);

#endif
