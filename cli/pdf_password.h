/*
 * pdf_password.h - opening a PDF that may need a password (the CLI).
 *
 * Documents encrypted with an empty user password open as they are. One
 * that needs a password takes it from --password-file, or asks on the
 * terminal once (kyso_password_read), the way the PIN is asked.
 */
#ifndef KYSO_CLI_PDF_PASSWORD_H
#define KYSO_CLI_PDF_PASSWORD_H

#include <stddef.h>
#include <stdint.h>

#include "kyso/pdf.h"
#include "kyso/status.h"

/* Longest password kept (ISO 32000-2 7.6.4.3.3: 127 UTF-8 bytes). */
enum { KYSO_CLI_PASSWORD_CAP = 128 };

/*
 * Opens data as kyso_pdf_open_password does. password_file not NULL: the
 * password is its first line. Else, when the document needs a password,
 * asks on the terminal and tries again, once. password (cap bytes)
 * receives the one that opened it ("" for none), for the core calls that
 * open the document again; wipe it with kyso_pin_wipe. out may be NULL to
 * only find the password.
 */
kyso_status kyso_cli_pdf_open(const uint8_t *data, size_t len,
                              const char *password_file, char *password,
                              size_t cap, kyso_pdf **out, kyso_error *err);

#endif
