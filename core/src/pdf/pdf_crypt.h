/*
 * pdf_crypt.h - the standard security handler (ISO 32000-1 7.6.3,
 * ISO 32000-2 7.6.4 for revision 6), private to the core.
 *
 * Opens documents whose user password is empty (or given): computes the
 * file key from the /Encrypt dictionary and the first /ID string, checks
 * the password, and decrypts strings and streams as objects are loaded.
 * The update writer uses the same key to encrypt what it appends, so a
 * signed encrypted document stays encrypted (as pyHanko does).
 *
 * Supported: revisions 2-6, RC4 40-128 bit (V 1, 2, 4 /V2), AES-128
 * (/AESV2), AES-256 (/AESV3, R5 and R6), crypt filters with /StmF /StrF
 * and /Identity, /EncryptMetadata false. Not decrypted (7.6.1): the
 * /Encrypt dictionary, xref streams, and the /Contents of signature
 * dictionaries. Public-key handlers are refused. RC4 comes from OpenSSL's
 * legacy provider; a build without it refuses RC4 documents clearly.
 *
 * Nothing here reads a clock or randomness: AES initialisation vectors for
 * written strings and streams are derived from the object key, the object
 * number, a counter and the plaintext (a synthetic IV: equal plaintexts in
 * the same place give equal ciphertexts, which reveals nothing a reader of
 * the document with the empty password could not see anyway).
 */
#ifndef KYSO_PDF_CRYPT_H
#define KYSO_PDF_CRYPT_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "kyso/pdf.h"
#include "kyso/status.h"
#include "pdf/pdf_object.h"

typedef enum kyso_crypt_method {
  KYSO_CRYPT_NONE = 0, /* /Identity or /None: data is stored in clear */
  KYSO_CRYPT_RC4,      /* /V2 (and V 1, 2) */
  KYSO_CRYPT_AESV2,    /* AES-128-CBC, object keys with "sAlT" */
  KYSO_CRYPT_AESV3     /* AES-256-CBC, the file key for every object */
} kyso_crypt_method;

typedef struct kyso_crypt kyso_crypt;

/* Reads pdf->trailer's /Encrypt (the document has one) and authenticates
 * with password (NULL or empty: the empty user password). On success
 * *out is owned by the caller (kyso_crypt_free). Statuses:
 * KYSO_ERR_PDF_PASSWORD when a non-empty user password is needed (or the
 * given one is wrong), KYSO_ERR_PDF_ENCRYPTED for handlers, revisions or
 * ciphers kyso does not support (RC4 in a build without it). */
kyso_status kyso_crypt_open(kyso_pdf *pdf, const char *password,
                            kyso_crypt **out, kyso_error *err);
void kyso_crypt_free(kyso_crypt *c);

/* Decrypts, in place (new bytes in the document's arena), the strings and
 * stream data of the indirect object num gen just parsed from the file.
 * Skips what 7.6.1 leaves in clear (see the top of this file). */
kyso_status kyso_crypt_decrypt_object(kyso_pdf *pdf, uint32_t num, uint16_t gen,
                                      kyso_obj *obj, kyso_error *err);

/* A copy of obj (object num gen of an update) whose strings and stream
 * data are encrypted with the object's key, /Length set to the encrypted
 * size; built in arena a. Values that stay in clear are shared, marked
 * values (the /Contents placeholder, /ByteRange) keep their marks. */
kyso_status kyso_crypt_encrypt_object(const kyso_crypt *c, kyso_arena *a,
                                      uint32_t num, uint16_t gen,
                                      const kyso_obj *obj, kyso_obj **out,
                                      kyso_error *err);

/* 1 if the permissions (/P, ISO 32000-1 Table 22) let a new signature
 * field be added: bit 6 "add or modify annotations, fill in form fields".
 * Bit 9 alone (fill existing fields, R >= 3) does not allow a new field. */
int kyso_crypt_allows_new_signature(const kyso_crypt *c);
/* 1 if bit 9 (R >= 3) lets a reader fill existing fields, signature
 * fields included, while bit 6 is clear: signing only in a field the
 * author placed. */
int kyso_crypt_allows_existing_fields_only(const kyso_crypt *c);

/* The password that opened the document (NULL: the empty one), to open
 * its earlier revisions the same way. Borrowed from c. */
const char *kyso_crypt_get_password(const kyso_crypt *c);

/* 1 when a and b decrypt alike (both NULL: neither encrypted; else the
 * same file key, handler revision, methods, /P and /EncryptMetadata): an
 * update that changes the encryption makes every signed object read
 * differently, whatever its bytes. */
int kyso_crypt_same(const kyso_crypt *a, const kyso_crypt *b);

/* The file key (for tests against qpdf --show-encryption-key). */
const uint8_t *kyso_crypt_get_key(const kyso_crypt *c, size_t *len);

#endif
