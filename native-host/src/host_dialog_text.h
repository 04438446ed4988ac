/*
 * host_dialog_text.h - the words kyso-host puts in front of the user when
 * a page asks for signatures: the consent dialog, the PIN dialog and its
 * warnings, and the verification code of each document.
 *
 * What the host can show is limited by what it knows: it never sees the
 * documents, only the SignedAttributes it will sign. So each document is
 * shown by a code the host derives itself from the message-digest value in
 * those attributes (native-host/PROTOCOL.md, "Verification code"), which
 * the page shows next to the document, and a batch of two or more by one
 * more code over every document's message-digest (the batch code, "mã
 * kiểm tra của lô"), which the dialog always shows, whatever the names:
 * a document whose own line does not fit is still covered by it. The names
 * come from the page and are labelled so; the code bracket "[DDD DDD]" is
 * the host's alone (a name's brackets become parentheses, and digits in a
 * name that look like a code are masked).
 *
 * Text from outside (names, the certificate's signer name, the token
 * label) goes through host_text_clean: strict UTF-8, an allowlist of code
 * points, a cap in characters. The texts are composed so that nothing the
 * page chose can push the host's own lines out: the summary (site, signer,
 * document count, batch code) comes first and the count and the batch code
 * again last, the count in the title too, all budgeted before any document
 * is listed; a description never exceeds one
 * Assuan line once percent-escaped, and a text that cannot fit is refused,
 * never cut silently.
 *
 * No I/O, no allocation: buffers are the caller's.
 */
#ifndef KYSO_HOST_DIALOG_TEXT_H
#define KYSO_HOST_DIALOG_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* "DDD DDD" and its NUL. */
#define HOST_CODE_TEXT_SIZE 8
/* Characters (code points) of a page-supplied name as shown; longer ones
 * are cut and end with U+2026 (so are signer names and token labels, at
 * their own caps). */
#define HOST_NAME_CHARS 80
/* The signer's name (the certificate's commonName: at most 64 characters,
 * X.520 ub-common-name). */
#define HOST_SIGNER_CHARS 64
/* A token label as shown (CK_TOKEN_INFO.label is 32 bytes). */
#define HOST_LABEL_CHARS 32
/* The site as shown: an origin (HOST_ORIGIN_MAX) and a transport's note
 * such as " (qua tiện ích kyso)"; never cut in practice. */
#define HOST_SITE_CHARS 320
/* Bytes host_text_clean may write for max_chars characters: each shown
 * character is at most 3 bytes (U+FFFD, U+1Exx), plus U+2026 and NUL. */
#define HOST_CLEAN_CAP(max_chars) (3 * (size_t)(max_chars) + 4)
/* An Assuan line is at most 1000 bytes with its newline (libassuan's
 * ASSUAN_LINELENGTH is 1002: 1000 and CR LF); "SETDESC " takes 8. */
#define HOST_ASSUAN_LINE_MAX 1000
#define HOST_DIALOG_DESC_MAX (HOST_ASSUAN_LINE_MAX - 8 - 1)
/* A title: "SETTITLE " and the newline. */
#define HOST_DIALOG_TITLE_MAX (HOST_ASSUAN_LINE_MAX - 9 - 1)

/* The verification code of a message-digest value md (32, 48 or 64
 * bytes): h = SHA-256(md), (h[0..3] big-endian) mod 1000000 as
 * "DDD DDD". out holds HOST_CODE_TEXT_SIZE bytes. 0 when md_len is 0 or
 * hashing fails (out is then "??? ???"). */
int host_code_text(const uint8_t *md, size_t md_len,
                   char out[HOST_CODE_TEXT_SIZE]);

/* Copies untrusted UTF-8 text into out (cap >= HOST_CLEAN_CAP(max_chars))
 * as it may be shown:
 *   - decoded strictly (RFC 3629: no overlong forms, surrogates or values
 *     past U+10FFFF); a malformed byte is one unknown character;
 *   - kept: printable ASCII, U+00A1..U+00FF but the soft hyphen U+00AD,
 *     Latin Extended-A/B U+0100..U+024F, Latin Extended Additional
 *     U+1E00..U+1EFF (Vietnamese), dashes U+2010..U+2015, quotes
 *     U+2018..U+201F, U+2026, U+20AB (dong sign), and combining marks
 *     the Vietnamese marks U+0300-0303, U+0306, U+0309, U+031B, U+0323, at
 *     most HOST_MARKS_PER_CHAR after one kept character;
 *   - changed: '"' to '\'' (the dialog quotes names with '"'), '<' '>' to
 *     U+2039 U+203A (pinentry-qt may render text that looks like markup),
 *     a run of spaces to one space;
 *   - everything else (C0/C1 controls, format characters such as U+200B..
 *     U+200F, U+202A..U+202E, U+2066..U+2069, U+2028/U+2029, private use,
 *     unassigned, other scripts and symbols) becomes U+FFFD, a run of them
 *     one U+FFFD;
 *   - at most max_chars code points: a longer text is cut before a whole
 *     character (never between a letter and its marks) and ends in U+2026.
 * Returns the bytes written (out is NUL-terminated). */
#define HOST_MARKS_PER_CHAR 2
size_t host_text_clean(const char *in, size_t max_chars, char *out, size_t cap);

/* A page-supplied name (a document's name) as the consent dialog shows it:
 * host_text_clean, then, so that a name cannot show a verification code
 * (its own document's genuine code next to a swapped document's, or a
 * fake one):
 *   - '[' and ']' become '(' and ')': the code bracket is the host's;
 *   - the superscripts U+00B9, U+00B2, U+00B3 become the digits 1, 2, 3;
 *   - a code-shaped group of digits (six digits in a row, or three digits,
 *     one separator and three digits, not next to a further digit) has its
 *     digits shown as '#' ("971 036" -> "### ###"). Digits: 0-9 (and the
 *     superscripts), with any marks on them;
 *     separators: space, '.', ',', '-', '_', '/', '\'', U+00B7, the dashes
 *     U+2010..U+2015, U+2018/U+2019, and U+FFFD (which a no-break or
 *     other unusual space has become). "123/QĐ-UBND", "15/01/2025" or a
 *     7-digit number are kept.
 * Same contract as host_text_clean (the result is never longer). */
size_t host_name_clean(const char *in, size_t max_chars, char *out, size_t cap);

/* Bytes of s once percent-escaped for Assuan (%, CR, LF take 3). */
size_t host_assuan_len(const char *s);

typedef struct host_consent_doc {
  const char *name;  /* page-supplied, raw: cleaned here */
  const uint8_t *md; /* the message-digest value the host will sign */
  size_t md_len;
} host_consent_doc;

/* The batch code of docs[0..n): h = SHA-256 over, for each document in
 * order, one byte (its md_len) then its md; then as host_code_text from h.
 * 0 when n is 0, an md is missing or longer than 255 bytes, or hashing
 * fails (out is then "??? ???"). The dialog shows it for n >= 2. */
int host_batch_code_text(const host_consent_doc *docs, size_t n,
                         char out[HOST_CODE_TEXT_SIZE]);

typedef struct host_consent {
  const char *site; /* the origin as the host checked it */
  /* Its registrable domain (host_origin_domain), shown first so that a long
   * origin cannot push it out of view; NULL or "" for none. */
  const char *domain;
  const char *signer; /* the certificate's common name, raw */
  const char *token_label;
  int pin_pad; /* the token takes the PIN on the reader's keypad */
  const host_consent_doc *docs;
  size_t doc_count;
} host_consent;

/* The consent dialog: title (cap >= HOST_DIALOG_TITLE_MAX + 1) and
 * description (cap >= HOST_DIALOG_DESC_MAX + 1). With two or more
 * documents the batch code is in the summary and in the last line. Every
 * document whose line fits is listed with its code and labelled name, in
 * order; *listed says how many (the rest are counted on a line of their
 * own, and covered by the batch code). 0 when even the summary cannot fit
 * (then nothing may be shown: refuse the request). */
int host_consent_text(const host_consent *c, char *title, size_t title_cap,
                      char *desc, size_t desc_cap, size_t *listed);

/* How the token's PIN stands, for the PIN dialog's warning. */
typedef enum host_pin_warning {
  HOST_PIN_WARNING_NONE = 0,
  HOST_PIN_WARNING_COUNT_LOW = 1, /* a wrong PIN since the last login */
  HOST_PIN_WARNING_FINAL_TRY = 2  /* one more wrong PIN locks the token */
} host_pin_warning;

/* The PIN dialog's description (cap >= HOST_DIALOG_DESC_MAX + 1). With a
 * PIN pad there is no PIN dialog: this is then the text that offers to try
 * again on the reader after a wrong PIN (it says so itself: not every
 * pinentry shows SETERROR with CONFIRM). 0 when it cannot fit. */
int host_pin_text(const host_consent *c, char *desc, size_t cap);

/* The PIN dialog's error line (SETERROR): after a wrong PIN "Sai mã
 * PIN…", then the token's warning; "" when there is nothing to say. */
void host_pin_error_text(int wrong_pin, host_pin_warning w, char *out,
                         size_t cap);

#endif
