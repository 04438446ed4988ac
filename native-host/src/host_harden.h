/*
 * host_harden.h - what kyso-host does to its own process before anything
 * else: no core dumps, no ptrace or /proc/PID/mem by other processes of the
 * user, and a small OpenSSL secure heap (locked in RAM, left out of core
 * dumps) for the PIN buffers (OPENSSL_secure_zalloc).
 *
 * It does not protect against root, against code already running inside the
 * host (a PKCS#11 module, a preloaded library) or against the pinentry child,
 * which exec() makes dumpable again (it is another program, and it holds the
 * PIN only while the dialog is open).
 */
#ifndef KYSO_HOST_HARDEN_H
#define KYSO_HOST_HARDEN_H

/* Secure heap: a power of two. In it: the pinentry's two Assuan line
 * buffers (2 KiB each once rounded), the PIN (HOST_PIN_MAX), and what
 * OpenSSL keeps there itself (DRBG states, a few hundred bytes a thread).
 * The host suites sign with 8 KiB; 32 KiB leaves room and still fits under
 * the old 64 KiB RLIMIT_MEMLOCK default. When it is full,
 * OPENSSL_secure_zalloc returns NULL (the caller fails cleanly). */
#define HOST_SECURE_HEAP_SIZE (32 * 1024)
#define HOST_SECURE_HEAP_MIN 16

/* PR_SET_DUMPABLE 0 and RLIMIT_CORE 0 (soft and hard), then the secure heap.
 * 0 on success; -1 (logged) when the process could not be made
 * non-dumpable or core-less: the caller must not go on. A secure heap that
 * cannot be locked (RLIMIT_MEMLOCK) or created is logged once and is not
 * an error: the PIN buffers are still wiped after use. */
int host_process_harden(void);

#endif
