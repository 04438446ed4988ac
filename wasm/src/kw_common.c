/* kw_common.c - the WASM glue's errors, allocation and set-up; see kw.h. */
#include <malloc.h>
#include <openssl/crypto.h>
#include <stdlib.h>

#include "kw.h"

kyso_error kw_last_error;

/* OpenSSL would read openssl.cnf on first use: there is no file system
 * here, and no configuration to read. */
__attribute__((constructor)) static void kw_init(void) {
  OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_ATEXIT,
                      NULL);
}

void *kw_fail(kyso_status status, const char *message) {
  kyso_error_set(&kw_last_error, status, "%s", message);
  return NULL;
}

KW_EXPORT const char *kw_error_code(void) {
  return kyso_status_name(kw_last_error.code);
}

KW_EXPORT const char *kw_error_message(void) {
  return kw_last_error.message;
}

KW_EXPORT void *kw_alloc(size_t len) {
  void *p = malloc(len ? len : 1);
  if (!p)
    kw_fail(KYSO_ERR_NO_MEMORY, "out of memory");
  return p;
}

KW_EXPORT void kw_free(void *p) {
  free(p);
}

/* Bytes currently allocated by malloc, for leak checks across calls. */
KW_EXPORT double kw_heap_in_use(void) {
  struct mallinfo mi = mallinfo();
  return (double)mi.uordblks;
}
