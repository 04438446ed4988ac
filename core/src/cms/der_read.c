/* der_read.c - DER reader (ITU-T X.690); see der_read.h. */
#include "cms/der_read.h"

#include <stdio.h>
#include <string.h>

int kyso_der_read_header(const uint8_t *p, size_t avail, uint8_t *tag,
                         size_t *header_len, size_t *len) {
  size_t count;
  size_t v = 0;
  size_t i;

  /* Identifier: one octet; 0x1f in the low bits announces a high tag
   * number (X.690 8.1.2.4), which nothing kyso reads uses. */
  if (!p || avail < 2 || (p[0] & 0x1f) == 0x1f)
    return -1;
  if (p[1] < 0x80) {
    *header_len = 2;
    v = p[1];
  } else {
    /* X.690 10.1: definite form (0x80 is the indefinite one) with the
     * fewest octets: no leading zero, no long form below 128. */
    count = p[1] & 0x7f;
    if (count == 0 || count > sizeof(size_t) || avail - 2 < count || p[2] == 0)
      return -1;
    for (i = 0; i < count; i++)
      v = (v << 8) | p[2 + i];
    if (v < 0x80)
      return -1;
    *header_len = 2 + count;
  }
  if (v > avail - *header_len)
    return -1;
  *tag = p[0];
  *len = v;
  return 0;
}

int kyso_der_read(kyso_blob *d, uint8_t *tag, kyso_blob *content,
                  kyso_blob *whole) {
  size_t header_len;
  size_t len;

  if (!d || kyso_der_read_header(d->data, d->len, tag, &header_len, &len) != 0)
    return -1;
  if (whole) {
    whole->data = d->data;
    whole->len = header_len + len;
  }
  content->data = d->data + header_len;
  content->len = len;
  d->data += header_len + len;
  d->len -= header_len + len;
  return 0;
}

int kyso_der_read_expect(kyso_blob *d, uint8_t want, kyso_blob *content) {
  kyso_blob rest;
  uint8_t tag;

  if (!d)
    return -1;
  rest = *d;
  if (kyso_der_read(&rest, &tag, content, NULL) != 0 || tag != want)
    return -1;
  *d = rest;
  return 0;
}

int kyso_der_read_only(kyso_blob d, uint8_t want, kyso_blob *content) {
  if (kyso_der_read_expect(&d, want, content) != 0 || d.len != 0)
    return -1;
  return 0;
}

int kyso_der_oid_valid(kyso_blob content) {
  size_t i;
  int start = 1; /* the next octet begins a subidentifier */

  if (!content.data || content.len == 0)
    return 0;
  for (i = 0; i < content.len; i++) {
    if (start && content.data[i] == 0x80)
      return 0; /* a leading padding octet: not the minimal form */
    start = (content.data[i] & 0x80) == 0;
  }
  return start; /* the last octet must close its subidentifier */
}

int kyso_der_equal(kyso_blob content, const uint8_t *want, size_t len) {
  return content.len == len &&
         (len == 0 || memcmp(content.data, want, len) == 0);
}

void kyso_der_oid_format(kyso_blob content, char *out, size_t cap) {
  static const char invalid[] = "(invalid OID)";
  static const char cut[] = "...";
  char arc[48];
  unsigned long long v = 0;
  size_t used = 0;
  size_t n;
  size_t i;
  int first = 1;

  if (!out || cap == 0)
    return;
  out[0] = '\0';
  if (!kyso_der_oid_valid(content)) {
    snprintf(out, cap, "%s", invalid);
    return;
  }
  for (i = 0; i < content.len; i++) {
    if (v > (~0ULL >> 7)) {
      snprintf(out, cap, "%s", invalid);
      return;
    }
    v = (v << 7) | (content.data[i] & 0x7f);
    if (content.data[i] & 0x80)
      continue;
    /* The first subidentifier holds two arcs, 40 * X + Y (X.690 8.19.4). */
    if (first)
      n = (size_t)snprintf(arc, sizeof(arc), "%u.%llu",
                           v < 40   ? 0u
                           : v < 80 ? 1u
                                    : 2u,
                           v < 80 ? v % 40 : v - 80);
    else
      n = (size_t)snprintf(arc, sizeof(arc), ".%llu", v);
    first = 0;
    v = 0;
    /* Room for this arc, and for "..." unless it is the last one. */
    if (used + n + (i + 1 == content.len ? 1 : sizeof(cut)) > cap) {
      if (used + sizeof(cut) <= cap)
        memcpy(out + used, cut, sizeof(cut));
      return;
    }
    memcpy(out + used, arc, n + 1);
    used += n;
  }
}
