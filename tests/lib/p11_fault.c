/*
 * p11_fault: a PKCS#11 module that forwards every call to a real module
 * (SoftHSM) and injects faults, chosen by KYSO_P11_FAULT (one name or a
 * comma-separated list):
 *
 *   login_locked   C_Login answers CKR_PIN_LOCKED, as a real token does once
 *                  its retry counter is spent. SoftHSM 2.6.1 never locks a
 *                  PIN (it only raises CKF_USER_PIN_COUNT_LOW), so this is
 *                  the only way to reach that return code with it.
 *   sign_corrupt   C_Sign returns the token's signature with one bit flipped:
 *                  kyso must verify what it assembled and refuse it.
 *   pin_pad        a reader with a PIN pad: C_GetTokenInfo adds
 *                  CKF_PROTECTED_AUTHENTICATION_PATH; C_Login with a NULL PIN
 *                  logs in with $KYSO_P11_PAD_PIN, as if the user typed it
 *                  on the reader; a PIN from the computer is refused
 *                  (CKR_ARGUMENTS_BAD), so a caller that asked for one shows.
 *   count_low      C_GetTokenInfo adds CKF_USER_PIN_COUNT_LOW,
 *   final_try      or CKF_USER_PIN_FINAL_TRY (PKCS#11 v2.40 CK_TOKEN_INFO).
 *   slow_sign      each C_Sign that returns a signature first waits
 *                  $KYSO_P11_DELAY_MS (default 500) milliseconds,
 *   slow_find      and so does each C_FindObjectsInit: time for a test to
 *                  act while the token is busy (a `cancel` mid-batch).
 *
 * The real module is KYSO_P11_REAL (default: Debian's SoftHSM2 path).
 * Test-only; built by tests/lib/token.sh with cc at test time.
 */
#define _POSIX_C_SOURCE 200809L

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <p11-kit/pkcs11.h>

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list);

static CK_FUNCTION_LIST fault_list;
static CK_FUNCTION_LIST_PTR real_list;

/* 1 when name is one of the comma-separated names in KYSO_P11_FAULT. */
static int fault_is(const char *name) {
  const char *f = getenv("KYSO_P11_FAULT");
  size_t n = strlen(name);

  while (f != NULL && *f) {
    if (strncmp(f, name, n) == 0 && (f[n] == ',' || f[n] == '\0'))
      return 1;
    f = strchr(f, ',');
    if (f)
      f++;
  }
  return 0;
}

static void fault_delay(void) {
  const char *ms = getenv("KYSO_P11_DELAY_MS");
  long v = ms ? strtol(ms, NULL, 10) : 500;
  struct timespec ts;

  if (v < 0 || v > 60000)
    v = 500;
  ts.tv_sec = v / 1000;
  ts.tv_nsec = (v % 1000) * 1000000L;
  while (nanosleep(&ts, &ts) != 0)
    ;
}

static CK_RV fault_login(CK_SESSION_HANDLE session, CK_USER_TYPE user,
                         CK_UTF8CHAR_PTR pin, CK_ULONG pin_len) {
  const char *pad_pin = getenv("KYSO_P11_PAD_PIN");

  if (fault_is("login_locked") && user == CKU_USER)
    return CKR_PIN_LOCKED;
  if (fault_is("pin_pad") && user == CKU_USER) {
    if (pin != NULL)
      return CKR_ARGUMENTS_BAD;
    if (pad_pin == NULL)
      return CKR_FUNCTION_CANCELED; /* nobody typed on the reader */
    return real_list->C_Login(session, user, (CK_UTF8CHAR_PTR)pad_pin,
                              (CK_ULONG)strlen(pad_pin));
  }
  return real_list->C_Login(session, user, pin, pin_len);
}

static CK_RV fault_token_info(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info) {
  CK_RV rv = real_list->C_GetTokenInfo(slot, info);

  if (rv != CKR_OK || info == NULL)
    return rv;
  if (fault_is("pin_pad"))
    info->flags |= CKF_PROTECTED_AUTHENTICATION_PATH;
  if (fault_is("count_low"))
    info->flags |= CKF_USER_PIN_COUNT_LOW;
  if (fault_is("final_try"))
    info->flags |= CKF_USER_PIN_FINAL_TRY;
  return rv;
}

static CK_RV fault_find_init(CK_SESSION_HANDLE session, CK_ATTRIBUTE_PTR templ,
                             CK_ULONG count) {
  if (fault_is("slow_find"))
    fault_delay();
  return real_list->C_FindObjectsInit(session, templ, count);
}

static CK_RV fault_sign(CK_SESSION_HANDLE session, CK_BYTE_PTR data,
                        CK_ULONG data_len, CK_BYTE_PTR sig,
                        CK_ULONG_PTR sig_len) {
  CK_RV rv;

  if (sig != NULL && fault_is("slow_sign"))
    fault_delay();
  rv = real_list->C_Sign(session, data, data_len, sig, sig_len);
  /* Only the call that fills the buffer, not the length query. */
  if (rv == CKR_OK && sig != NULL && *sig_len > 0 && fault_is("sign_corrupt"))
    sig[*sig_len / 2] ^= 0x01;
  return rv;
}

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list) {
  const char *path = getenv("KYSO_P11_REAL");
  CK_C_GetFunctionList get;
  void *module;
  CK_RV rv;

  if (list == NULL)
    return CKR_ARGUMENTS_BAD;
  if (path == NULL)
    path = "/usr/lib/softhsm/libsofthsm2.so";
  module = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (module == NULL)
    return CKR_GENERAL_ERROR;
  get = (CK_C_GetFunctionList)dlsym(module, "C_GetFunctionList");
  if (get == NULL)
    return CKR_GENERAL_ERROR;
  rv = get(&real_list);
  if (rv != CKR_OK)
    return rv;
  fault_list = *real_list;
  fault_list.C_Login = fault_login;
  fault_list.C_Sign = fault_sign;
  fault_list.C_GetTokenInfo = fault_token_info;
  fault_list.C_FindObjectsInit = fault_find_init;
  *list = &fault_list;
  return CKR_OK;
}
