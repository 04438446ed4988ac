/*
 * kyso/token_lock.h - one kyso process at a time on a PKCS#11 module.
 *
 * Two processes that load the same module and log in to the same token at
 * once collide in many modules (SoftHSM2 among them: 4 concurrent
 * `kyso sign` failed 17 times in 200 with TOKEN_NOT_FOUND or login
 * errors). The CLI and the native host therefore take an flock(2)ed lock
 * file for the module around every use of it (load, slot listing, login,
 * signing, logout, unload); a second process waits for the first, up to a
 * bound, then fails with KYSO_ERR_TOKEN_BUSY.
 *
 * The lock is per module, not per token: loading a module and listing its
 * slots (C_Initialize, C_GetSlotList, C_GetTokenInfo) happen before any
 * token is known, and are where the collisions start.
 *
 * Where the lock files live: $XDG_RUNTIME_DIR/kyso/ when XDG_RUNTIME_DIR is
 * an absolute path to a directory of the user's own that no one else may
 * write (pam_systemd makes it: /run/user/UID, mode 0700); otherwise
 * ${TMPDIR:-/tmp}/kyso-UID/. kyso creates its directory with mode 0700 and
 * uses it only when it is a real directory (not a symlink) owned by the
 * user with no group or other access: a directory another local user
 * created first under the shared /tmp is refused with a clear message,
 * never used. The lock file is p11-HASH.lock, HASH naming the module's
 * canonical path; mode 0600, opened without following symlinks.
 */
#ifndef KYSO_TOKEN_LOCK_H
#define KYSO_TOKEN_LOCK_H

#include "kyso/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kyso_token_lock kyso_token_lock;

/* How long kyso_token_lock_acquire waits by default, and at most. */
enum {
  KYSO_TOKEN_LOCK_WAIT_MS = 60 * 1000,
  KYSO_TOKEN_LOCK_WAIT_MAX_MS = 3600 * 1000
};

/* The wait for the CLI and the host: $KYSO_TOKEN_LOCK_WAIT seconds when it
 * is an integer from 0 to KYSO_TOKEN_LOCK_WAIT_MAX_MS / 1000, else
 * KYSO_TOKEN_LOCK_WAIT_MS. */
int kyso_token_lock_wait_ms(void);

/* Takes the lock of module (the path or name given to kyso_token_open),
 * waiting at most wait_ms. KYSO_ERR_TOKEN_BUSY when another process still
 * holds it then; KYSO_ERR_IO when the lock directory is unsafe or cannot
 * be made. */
kyso_status kyso_token_lock_acquire(const char *module, int wait_ms,
                                    kyso_token_lock **out, kyso_error *err);

/* Releases and frees the lock. NULL is fine. */
void kyso_token_lock_release(kyso_token_lock *lock);

#ifdef __cplusplus
}
#endif

#endif
