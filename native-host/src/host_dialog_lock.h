/*
 * host_dialog_lock.h - one kyso-host dialog at a time for the user.
 *
 * The extension opens one native-messaging port, so one kyso-host, per
 * request; the websocket service is another. Each keeps its own rule of one
 * job that may show a dialog at a time (host_controller.c, ctl->busy); this
 * lock makes it one for all of them: a process holds it while such a job
 * (first-use prompt, consent, PIN, signing) runs, and another process's
 * job answers BUSY instead of opening a second dialog over the first.
 *
 * The lock file: dialog.lock in the state dir ($XDG_STATE_HOME/kyso, next
 * to the origins and consent files). Not $XDG_RUNTIME_DIR: the systemd
 * unit's sandbox (ProtectSystem=strict) leaves only the state dir writable
 * to the websocket service, and every process must lock the same file, so
 * no fallback that one process could take and another not. flock(2),
 * never waited for (LOCK_NB); opened O_NOFOLLOW and O_CLOEXEC (pinentry, a
 * child, must not inherit it), 0600, in a 0700 directory of the user.
 */
#ifndef KYSO_HOST_DIALOG_LOCK_H
#define KYSO_HOST_DIALOG_LOCK_H

typedef struct host_dialog_lock host_dialog_lock;

/* The lock for state_dir (copied; NULL: no lock file, one process's rule
 * only, as the origin store keeps everything in memory then). The file is
 * opened at the first try. NULL when out of memory. */
host_dialog_lock *host_dialog_lock_new(const char *state_dir);
void host_dialog_lock_free(host_dialog_lock *l);

/* 1: this process now holds the lock (or it cannot have one: no usable
 * directory, logged once; the in-process rule still holds); 0: another
 * process holds it. */
int host_dialog_lock_try(host_dialog_lock *l);

/* Releases what host_dialog_lock_try took. */
void host_dialog_lock_release(host_dialog_lock *l);

#endif
