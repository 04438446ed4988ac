/* status.c - status names and the error record; see kyso/status.h. */
#include "kyso/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *kyso_status_name(kyso_status status) {
  switch (status) {
  case KYSO_OK: return "OK";
  case KYSO_ERR_ARGUMENT: return "ARGUMENT";
  case KYSO_ERR_NO_MEMORY: return "NO_MEMORY";
  case KYSO_ERR_LIMIT: return "LIMIT";
  case KYSO_ERR_IO: return "IO";
  case KYSO_ERR_STATE: return "STATE";
  case KYSO_ERR_INPUT_CHANGED: return "INPUT_CHANGED";
  case KYSO_ERR_PDF_HEADER: return "PDF_HEADER";
  case KYSO_ERR_PDF_XREF: return "PDF_XREF";
  case KYSO_ERR_PDF_TRAILER: return "PDF_TRAILER";
  case KYSO_ERR_PDF_SYNTAX: return "PDF_SYNTAX";
  case KYSO_ERR_PDF_OBJECT: return "PDF_OBJECT";
  case KYSO_ERR_PDF_STREAM: return "PDF_STREAM";
  case KYSO_ERR_PDF_FILTER: return "PDF_FILTER";
  case KYSO_ERR_PDF_DEPTH: return "PDF_DEPTH";
  case KYSO_ERR_PDF_LOOP: return "PDF_LOOP";
  case KYSO_ERR_PDF_ENCRYPTED: return "PDF_ENCRYPTED";
  case KYSO_ERR_PDF_PAGE: return "PDF_PAGE";
  case KYSO_ERR_PDF_FORM: return "PDF_FORM";
  case KYSO_ERR_PDF_PASSWORD: return "PDF_PASSWORD";
  case KYSO_ERR_PDF_PERMISSION: return "PDF_PERMISSION";
  case KYSO_ERR_SIGN_CERTIFICATE: return "SIGN_CERTIFICATE";
  case KYSO_ERR_SIGN_ALGORITHM: return "SIGN_ALGORITHM";
  case KYSO_ERR_SIGN_VALUE: return "SIGN_VALUE";
  case KYSO_ERR_SIGN_SPACE: return "SIGN_SPACE";
  case KYSO_ERR_SIGN_ATTRS: return "SIGN_ATTRS";
  case KYSO_ERR_IMAGE_FORMAT: return "IMAGE_FORMAT";
  case KYSO_ERR_IMAGE_SIZE: return "IMAGE_SIZE";
  case KYSO_ERR_CRYPTO: return "CRYPTO";
  case KYSO_ERR_TOKEN_MODULE: return "TOKEN_MODULE";
  case KYSO_ERR_TOKEN_NOT_FOUND: return "TOKEN_NOT_FOUND";
  case KYSO_ERR_TOKEN_PIN_INCORRECT: return "PIN_INCORRECT";
  case KYSO_ERR_TOKEN_PIN_LOCKED: return "PIN_LOCKED";
  case KYSO_ERR_TOKEN_CERT_NOT_FOUND: return "CERT_NOT_FOUND";
  case KYSO_ERR_TOKEN_KEY_NOT_FOUND: return "KEY_NOT_FOUND";
  case KYSO_ERR_TOKEN_SIGN: return "TOKEN_SIGN";
  case KYSO_ERR_TOKEN_CANCELLED: return "USER_CANCELLED";
  case KYSO_ERR_TOKEN_BUSY: return "TOKEN_BUSY";
  case KYSO_ERR_LTV_RESPONSE: return "LTV_RESPONSE";
  case KYSO_ERR_LTV_SIGNATURE: return "LTV_SIGNATURE";
  case KYSO_ERR_LTV_NONCE: return "LTV_NONCE";
  case KYSO_ERR_LTV_STALE: return "LTV_STALE";
  case KYSO_ERR_LTV_SCOPE: return "LTV_SCOPE";
  case KYSO_ERR_LTV_FETCH: return "LTV_FETCH";
  case KYSO_ERR_LTV_URL: return "LTV_URL";
  }
  return "UNKNOWN";
}

kyso_status kyso_error_set(kyso_error *err, kyso_status status,
                           const char *format, ...) {
  va_list ap;

  if (!err)
    return status;
  err->code = status;
  va_start(ap, format);
  vsnprintf(err->message, sizeof(err->message), format, ap);
  va_end(ap);
  return status;
}

void kyso_error_clear(kyso_error *err) {
  if (!err)
    return;
  err->code = KYSO_OK;
  err->message[0] = 0;
}
