/*
 * p11_fault: a PKCS#11 module that forwards every call to a real module
 * (SoftHSM) and injects one fault, chosen by KYSO_P11_FAULT:
 *
 *   login_locked   C_Login answers CKR_PIN_LOCKED, as a real token does once
 *                  its retry counter is spent. SoftHSM 2.6.1 never locks a
 *                  PIN (it only raises CKF_USER_PIN_COUNT_LOW), so this is
 *                  the only way to reach that return code with it.
 *   sign_corrupt   C_Sign returns the token's signature with one bit flipped:
 *                  kyso must verify what it assembled and refuse it.
 *
 * The real module is KYSO_P11_REAL (default: Debian's SoftHSM2 path).
 * Test-only; built by tests/lib/token.sh with cc at test time.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include <p11-kit/pkcs11.h>

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list);

static CK_FUNCTION_LIST fault_list;
static CK_FUNCTION_LIST_PTR real_list;

static int fault_is(const char *name)
{
  const char *f = getenv("KYSO_P11_FAULT");
  return f != NULL && strcmp(f, name) == 0;
}

static CK_RV fault_login(CK_SESSION_HANDLE session, CK_USER_TYPE user,
                         CK_UTF8CHAR_PTR pin, CK_ULONG pin_len)
{
  if (fault_is("login_locked") && user == CKU_USER)
    return CKR_PIN_LOCKED;
  return real_list->C_Login(session, user, pin, pin_len);
}

static CK_RV fault_sign(CK_SESSION_HANDLE session, CK_BYTE_PTR data,
                        CK_ULONG data_len, CK_BYTE_PTR sig, CK_ULONG_PTR sig_len)
{
  CK_RV rv = real_list->C_Sign(session, data, data_len, sig, sig_len);
  /* Only the call that fills the buffer, not the length query. */
  if (rv == CKR_OK && sig != NULL && *sig_len > 0 && fault_is("sign_corrupt"))
    sig[*sig_len / 2] ^= 0x01;
  return rv;
}

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
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
  *list = &fault_list;
  return CKR_OK;
}
