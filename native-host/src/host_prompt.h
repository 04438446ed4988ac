/*
 * host_prompt.h - how kyso-host asks the user: consent, PIN, new origins.
 *
 * An interface (vtable) so the controller does not know how dialogs are
 * drawn. The real one runs a pinentry program over the Assuan protocol
 * (prompt_pinentry.c); the tests use the same one with a scripted
 * pinentry, never a prompt that always says yes.
 *
 * A dialog session is begin -> confirm / get_pin ... -> end. abort may be
 * called from another thread while a session waits for the user: the
 * waiting call returns HOST_PROMPT_CANCELLED.
 */
#ifndef KYSO_HOST_PROMPT_H
#define KYSO_HOST_PROMPT_H

#include <stddef.h>

typedef enum host_prompt_result {
  HOST_PROMPT_OK = 0,
  HOST_PROMPT_NOT_CONFIRMED = 1, /* the "not OK" button (third choice) */
  HOST_PROMPT_CANCELLED = 2,     /* cancel button, window closed, aborted */
  HOST_PROMPT_TIMEOUT = 3,       /* the user did not answer in time */
  HOST_PROMPT_FAILED = 4         /* the dialog program failed or died */
} host_prompt_result;

typedef struct host_prompt host_prompt;

/* Texts are UTF-8; NULL button labels keep the dialog's defaults (and a
 * NULL not_ok means no third button). */
typedef struct host_dialog {
  const char *title;
  const char *description;
  const char *prompt; /* get_pin only */
  const char *ok;
  const char *not_ok;
  const char *cancel;
  const char *error; /* SETERROR: shown above, e.g. after a wrong PIN (not
                        every pinentry shows it with confirm) */
  /* When not NULL, set to 1 once the dialog is put in front of the user
   * (CONFIRM / GETPIN sent); left alone when it never was (aborted or
   * failed before). The origin prompt quotas count only shown prompts. */
  int *shown;
} host_dialog;

typedef struct host_prompt_vtable {
  host_prompt_result (*begin)(host_prompt *p);
  host_prompt_result (*confirm)(host_prompt *p, const host_dialog *d);
  /* The PIN lands in pin (NUL-terminated); the caller wipes it. */
  host_prompt_result (*get_pin)(host_prompt *p, const host_dialog *d, char *pin,
                                size_t cap);
  void (*end)(host_prompt *p);
  void (*abort)(host_prompt *p); /* thread-safe */
  void (*free)(host_prompt *p);
} host_prompt_vtable;

struct host_prompt {
  const host_prompt_vtable *vtable;
};

/* A pinentry program (path or name on PATH) with timeout_s seconds for the
 * user per dialog. */
host_prompt *host_prompt_pinentry_new(const char *program, int timeout_s);

#endif
