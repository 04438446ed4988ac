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
 * never waited for (LOCK_NB), but by an allowed site's request preempting
 * another process's first-use prompt (host_dialog_lock_preempt); opened
 * O_NOFOLLOW and O_CLOEXEC (pinentry, a child, must not inherit it), 0600,
 * in a 0700 directory of the user. Fail closed: a lock file that cannot be
 * used (not a regular file of the user's, a symlink, a FIFO, an open error)
 * means no dialog, not dialogs without the lock.
 *
 * The holder writes its record in the file: its pid and whether what it
 * shows is a first-use prompt ("PID p") or not ("PID j"), and holds a
 * classic POSIX record lock (F_SETLK) on a byte of the file while it holds
 * the lock. An allowed site's request that finds the lock held by another
 * kyso-host's first-use prompt sends that process SIGUSR1 — to the pid
 * F_GETLK names as that record lock's owner (the kernel's word, not
 * /proc/PID/exe: a kyso-host is not dumpable, its exe link unreadable to
 * the same user), only when the record names that pid and says "p"; kill(2)
 * refuses another user's process — and waits up to 3 s for the lock, holding
 * meanwhile a "want" lock (an OFD lock on a byte of the file) that keeps new
 * first-use prompts from taking the lock first (they answer BUSY). The SIGUSR1
 * handler (host_dialog_lock_signals) only writes a byte to a self-pipe that the
 * controller's thread reads; that thread closes the prompt only if its
 * running job is in a first-use prompt. main() ignores SIGUSR1 until the
 * controller installs the handler, before it can take the lock.
 */
#ifndef KYSO_HOST_DIALOG_LOCK_H
#define KYSO_HOST_DIALOG_LOCK_H

typedef struct host_dialog_lock host_dialog_lock;

/* The lock for state_dir (copied; NULL: no lock file, one process's rule
 * only, as the origin store keeps everything in memory then). The file is
 * opened at the first try. NULL when out of memory. */
host_dialog_lock *host_dialog_lock_new(const char *state_dir);
void host_dialog_lock_free(host_dialog_lock *l);

/* 1: this process now holds the lock (or has no lock file: no state dir,
 * memory only), its record saying whether it shows a first-use prompt
 * (prompt); 0: another process holds it; -1: the lock cannot be used
 * (logged): no dialog. A lock file kept open is first checked to be still
 * the one the path names (a state dir deleted and made again), else
 * opened again. */
int host_dialog_lock_try(host_dialog_lock *l, int prompt);

/* Updates the holder's record: a first-use prompt (prompt 1) or not. */
void host_dialog_lock_mark(host_dialog_lock *l, int prompt);

/* After a try that returned 0: when the holder is another kyso-host of
 * this user's showing a first-use prompt, asks it to close that prompt
 * (SIGUSR1) and waits up to 3 s for the lock (the caller keeps its own
 * lock meanwhile: no other job of this process starts). The result of the
 * last try: 1 taken, 0 not (then BUSY), -1 unusable. */
int host_dialog_lock_preempt(host_dialog_lock *l);

/* Installs the SIGUSR1 handler (once per process; before anything can
 * take the lock) and returns the read end of its self-pipe (a byte per
 * request to close a first-use prompt), or -1. */
int host_dialog_lock_signals(void);

/* Wakes the reader of that pipe (to see that it is to stop). */
void host_dialog_lock_signals_wake(void);

/* Releases what host_dialog_lock_try took. */
void host_dialog_lock_release(host_dialog_lock *l);

#endif
