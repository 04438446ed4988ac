/*
 * pin_read.h - where the CLI gets the token PIN (or the PKCS#12 password).
 *
 * In order: the first line of a PIN file, the KYSO_PIN environment
 * variable, or a prompt on the controlling terminal with echo off. The PIN
 * lands in a caller buffer that the caller wipes with kyso_pin_wipe as soon
 * as the token login is done; nothing here keeps a copy. PIN pads and the
 * native host's pinentry are elsewhere.
 */
#ifndef KYSO_CLI_PIN_READ_H
#define KYSO_CLI_PIN_READ_H

#include <stddef.h>

#include "kyso/status.h"

/*
 * Reads the PIN into pin (NUL-terminated, at most cap - 1 bytes):
 *  - pin_file not NULL: its first line, without the "\n" or "\r\n".
 *    Unreadable: KYSO_ERR_IO; empty first line: KYSO_ERR_ARGUMENT.
 *  - else KYSO_PIN, when set and not empty.
 *  - else the prompt "Mã PIN (PIN): " on /dev/tty, echo off (restored on
 *    every path). No terminal, end of input or Ctrl-C:
 * KYSO_ERR_TOKEN_CANCELLED. A PIN of cap bytes or more is KYSO_ERR_LIMIT. On
 * any failure pin is wiped.
 */
kyso_status kyso_pin_read(const char *pin_file, char *pin, size_t cap,
                          kyso_error *err);

/*
 * The password of an encrypted PDF whose user password is not empty
 * (ISO 32000-1 7.6.3), for the CLI commands that open one: the first line
 * of password_file, else the prompt "Mật khẩu mở tệp PDF (PDF password): "
 * on /dev/tty with echo off, as for the PIN. Not KYSO_PIN: the token's
 * PIN is not the document's password. No terminal or nothing entered:
 * KYSO_ERR_PDF_PASSWORD; Ctrl-C: KYSO_ERR_TOKEN_CANCELLED. Wiped on
 * failure; the caller wipes it after use.
 */
kyso_status kyso_password_read(const char *password_file, char *password,
                               size_t cap, kyso_error *err);

/* Overwrites the whole buffer (OPENSSL_cleanse: not optimised away). */
void kyso_pin_wipe(char *pin, size_t cap);

#endif
