/*
 * file_io.h - the CLI's file handling: bounded reads and atomic writes.
 *
 * Outputs are written to a temporary file in the destination's directory,
 * flushed to disk and renamed into place, so a failure never leaves a
 * half-written or half-signed file, and the input is never opened for
 * writing. Inputs that become outputs are read once into memory and checked
 * unchanged on disk before the rename.
 */
#ifndef KYSO_CLI_FILE_IO_H
#define KYSO_CLI_FILE_IO_H

#include <stddef.h>
#include <stdint.h>

#include "kyso/sign.h"
#include "kyso/status.h"

/* Reads a whole regular file of at most limit bytes into malloc'd memory. */
kyso_status kyso_file_read(const char *path, size_t limit, uint8_t **data,
                           size_t *len, kyso_error *err);

/* Maps a whole regular file of at most limit bytes read-only (faster than
 * kyso_file_read for large documents: no copy). Release with
 * kyso_file_unmap. An empty file gives data NULL, len 0. */
kyso_status kyso_file_map(const char *path, size_t limit, const uint8_t **data,
                          size_t *len, kyso_error *err);
void kyso_file_unmap(const uint8_t *data, size_t len);

/* A private copy of an input file and what its inode said when it was
 * read: a document is signed from this copy, never from a mapping that a
 * concurrent writer could change or truncate (SIGBUS) under kyso. */
typedef struct kyso_file_snap {
  uint8_t *data; /* malloc'd; kyso_file_snap_free */
  size_t len;
  long long mtime_sec;
  long mtime_nsec;
} kyso_file_snap;

/* Reads a whole regular file of at most limit bytes into snap.
 * KYSO_ERR_INPUT_CHANGED when its size or mtime moved during the read. */
kyso_status kyso_file_snap_read(const char *path, size_t limit,
                                kyso_file_snap *snap, kyso_error *err);
void kyso_file_snap_free(kyso_file_snap *snap);

/* KYSO_ERR_INPUT_CHANGED unless path still holds exactly snap's bytes with
 * the same size and mtime (compared byte for byte, read(2) only: a
 * truncated file is an error, not a crash). */
kyso_status kyso_file_snap_check(const char *path, const kyso_file_snap *snap,
                                 kyso_error *err);

/* Writes the concatenation of parts to path atomically (temp + fsync +
 * rename + fsync of the directory). The new file has permission bits mode
 * masked by the umask, as open(2) creates files. With source (path
 * source_path) the rename happens only if kyso_file_snap_check passes: an
 * output is never made from an input that changed meanwhile. On failure
 * path is untouched and no temporary file remains. */
kyso_status kyso_file_write_atomic(const char *path, unsigned mode,
                                   const kyso_blob *parts, size_t count,
                                   const char *source_path,
                                   const kyso_file_snap *source,
                                   kyso_error *err);

/* The permission bits (0777) of an existing file, for an output made from
 * it: a private input gives a private output. 0666 (then masked by the
 * umask) when path cannot be read. */
unsigned kyso_file_permissions(const char *path);

/* 1 if both paths name the same existing file. */
int kyso_file_same(const char *a, const char *b);

#endif
