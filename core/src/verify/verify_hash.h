/*
 * verify_hash.h - the digests of the signed byte ranges of one file, with
 * the work shared between signatures (private to the verifier).
 *
 * Every signature of an incrementally updated file covers the file from
 * byte 0 up to its /Contents hole, then from the hole's end to the end of
 * its revision. Hashing each from scratch costs the sum of the revisions'
 * sizes (30 signatures on a 1 MB document: 30 MB); here one running digest
 * per algorithm moves forward through the file and each signature copies
 * its state at the hole, so the file is read about once. The value is the
 * same digest of the same bytes.
 */
#ifndef KYSO_VERIFY_HASH_H
#define KYSO_VERIFY_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "kyso/appearance.h" /* kyso_blob */

typedef struct kyso_range_hash kyso_range_hash;

/* A cache for the file data[0, len); NULL when out of memory (callers then
 * hash each signature from scratch). */
kyso_range_hash *kyso_range_hash_new(const uint8_t *data, size_t len);
void kyso_range_hash_free(kyso_range_hash *h);

/* The digest algorithm (OpenSSL name, e.g. "SHA256") of parts[0] then
 * parts[1], when parts[0] starts the file and parts[1] follows it: 1 with
 * the value in out (EVP_MAX_MD_SIZE bytes) and its length in out_len. 0
 * when h is NULL, the parts have another shape, the algorithm is an XOF or
 * unknown, or OpenSSL fails: the caller hashes as before. */
int kyso_range_hash_get(kyso_range_hash *h, const char *algorithm,
                        const kyso_blob *parts, size_t n, uint8_t *out,
                        size_t *out_len);

#endif
