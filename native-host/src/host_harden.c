/*
 * host_harden.c - process hardening at the start of kyso-host (see
 * host_harden.h).
 */
#define _POSIX_C_SOURCE 200809L

#include "host_harden.h"

#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <openssl/crypto.h>

#include "host_controller.h"

int host_process_harden(void) {
  struct rlimit none = {0, 0}, memlock;
  int ret = -1, heap;

  /* Non-dumpable: no core file, and /proc/PID/{mem,environ,maps...} and
   * ptrace need CAP_SYS_PTRACE, not just the same uid (proc(5), ptrace(2)
   * "ptrace access mode checking"). That capability is checked in the
   * process's user namespace: under the systemd user unit
   * (PrivateUsers=yes, a namespace the user owns) the user's other
   * programs have it, so there this stops core files only (README). */
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    host_log("hardening: PR_SET_DUMPABLE: %s", strerror(errno));
    goto done;
  }
  /* Hard limit too: nothing later in the process can raise it again. */
  if (setrlimit(RLIMIT_CORE, &none) != 0) {
    host_log("hardening: RLIMIT_CORE: %s", strerror(errno));
    goto done;
  }
  heap = CRYPTO_secure_malloc_init(HOST_SECURE_HEAP_SIZE, HOST_SECURE_HEAP_MIN);
  if (heap == 0) {
    host_log("hardening: no OpenSSL secure heap; PIN buffers are ordinary "
             "memory (still wiped after use)");
  } else if (heap == 2) {
    /* Created but mlock (or the guard pages) failed: usually RLIMIT_MEMLOCK
     * below the heap size. */
    if (getrlimit(RLIMIT_MEMLOCK, &memlock) == 0 &&
        memlock.rlim_cur != RLIM_INFINITY)
      host_log("hardening: secure heap not locked in memory "
               "(RLIMIT_MEMLOCK %llu bytes); PIN buffers may be swapped",
               (unsigned long long)memlock.rlim_cur);
    else
      host_log("hardening: secure heap not locked in memory; PIN buffers "
               "may be swapped");
  }
  ret = 0;

done:
  return ret;
}
