/*
 * sig_session.h - the signing session's body, shared by the two kinds of
 * signature the core writes (private): a PAdES signature (sig_session.c)
 * and a document timestamp (doc_timestamp.c). Both build an incremental
 * update with a /Contents hole and an exact /ByteRange, hash the same three
 * parts, and put DER into the hole; only what goes in differs.
 */
#ifndef KYSO_SIG_SESSION_H
#define KYSO_SIG_SESSION_H

#include "base/buf.h"
#include "kyso/sign.h"
#include "pdf/pdf_serialize.h"

struct kyso_sig_session {
  const uint8_t *pdf; /* borrowed input */
  size_t pdf_len;
  kyso_digest digest;
  kyso_scheme scheme;
  kyso_buf certificate;
  kyso_buf chain_data; /* chain certificates back to back */
  kyso_blob *chain;    /* point into chain_data */
  size_t chain_count;
  kyso_buf update;       /* bytes to append to the input */
  size_t hole_start;     /* '<' of /Contents, in update */
  size_t hole_end;       /* one past '>' */
  kyso_buf signed_attrs; /* DER SET OF Attribute */
  int finished;
  int doc_timestamp;   /* a document timestamp session (doc_timestamp.c):
                          no SignedAttributes, finished with a token */
  uint8_t imprint[64]; /* doc_timestamp: the digest of the signed parts,
                          computed once by prepare */
  size_t imprint_len;
};

/* Records the hole from marks and fills /ByteRange in s->update. */
kyso_status kyso_sig_session_seal_layout(kyso_sig_session *s,
                                         const kyso_write_marks *marks,
                                         kyso_error *err);

/* Writes der (hex) into the /Contents hole and marks s finished;
 * KYSO_ERR_SIGN_SPACE when it does not fit (what names it in the
 * message: "signature", "timestamp token"). */
kyso_status kyso_sig_session_fill_hole(kyso_sig_session *s, const uint8_t *der,
                                       size_t len, const char *what,
                                       kyso_error *err);

#endif
