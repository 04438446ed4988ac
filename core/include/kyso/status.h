/*
 * kyso/status.h - status codes and the error record every kyso call fills.
 *
 * Every fallible function returns a kyso_status and, when it fails, writes a
 * one-line English message into the caller's kyso_error. Codes are stable:
 * the CLI, the native host and the WASM module all report the same names
 * (kyso_status_name). Codes are grouped in ranges by layer, as in BearSSL.
 *
 * Verification outcomes (tampered, untrusted, ...) are never statuses: they
 * are report data. A status means the call itself could not do its job.
 */
#ifndef KYSO_STATUS_H
#define KYSO_STATUS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum kyso_status {
  KYSO_OK = 0,

  /* 100-199: the caller or the environment */
  KYSO_ERR_ARGUMENT = 100,  /* a parameter is out of its documented range */
  KYSO_ERR_NO_MEMORY = 101, /* an allocation failed */
  KYSO_ERR_LIMIT = 102,     /* an input exceeds a named limit (kyso/limits.h) */
  KYSO_ERR_IO = 103,        /* reading or writing a file failed (CLI, host) */
  KYSO_ERR_STATE = 104,     /* a call came in the wrong order */
  KYSO_ERR_INPUT_CHANGED = 105, /* the input file changed while in use */

  /* 200-299: PDF structure */
  KYSO_ERR_PDF_HEADER = 200,     /* no %PDF- header */
  KYSO_ERR_PDF_XREF = 201,       /* cross-reference data missing or wrong */
  KYSO_ERR_PDF_TRAILER = 202,    /* trailer missing or without /Root */
  KYSO_ERR_PDF_SYNTAX = 203,     /* an object cannot be parsed */
  KYSO_ERR_PDF_OBJECT = 204,     /* a referenced object is missing or wrong */
  KYSO_ERR_PDF_STREAM = 205,     /* a stream's /Length or endstream is wrong */
  KYSO_ERR_PDF_FILTER = 206,     /* a stream cannot be decoded */
  KYSO_ERR_PDF_DEPTH = 207,      /* objects nested deeper than allowed */
  KYSO_ERR_PDF_LOOP = 208,       /* a /Prev chain or page tree loops */
  KYSO_ERR_PDF_ENCRYPTED = 209,  /* an encryption kyso does not support */
  KYSO_ERR_PDF_PAGE = 210,       /* page tree broken or page out of range */
  KYSO_ERR_PDF_FORM = 211,       /* AcroForm cannot be updated */
  KYSO_ERR_PDF_PASSWORD = 212,   /* encrypted: a user password is needed */
  KYSO_ERR_PDF_PERMISSION = 213, /* permissions (/P) forbid signing */

  /* 300-399: signing */
  KYSO_ERR_SIGN_CERTIFICATE = 300, /* signer certificate unusable */
  KYSO_ERR_SIGN_ALGORITHM = 301,   /* key type / digest not supported */
  KYSO_ERR_SIGN_VALUE = 302,       /* signature does not verify with the cert */
  KYSO_ERR_SIGN_SPACE = 303,       /* CMS larger than the reserved /Contents */
  KYSO_ERR_SIGN_ATTRS = 304,       /* not well-formed CMS SignedAttributes */

  /* 400-499: images */
  KYSO_ERR_IMAGE_FORMAT = 400, /* not a supported, well-formed image */
  KYSO_ERR_IMAGE_SIZE = 401,   /* image dimensions over the limit */

  /* 500-599: the crypto backend */
  KYSO_ERR_CRYPTO = 500, /* OpenSSL failed unexpectedly */

  /* 600-699: tokens (CLI and native host) */
  KYSO_ERR_TOKEN_MODULE = 600,         /* PKCS#11 module cannot be loaded */
  KYSO_ERR_TOKEN_NOT_FOUND = 601,      /* no token with that label */
  KYSO_ERR_TOKEN_PIN_INCORRECT = 602,  /* wrong PIN */
  KYSO_ERR_TOKEN_PIN_LOCKED = 603,     /* PIN locked after too many tries */
  KYSO_ERR_TOKEN_CERT_NOT_FOUND = 604, /* no certificate on the token */
  KYSO_ERR_TOKEN_KEY_NOT_FOUND = 605,  /* no private key for the cert */
  KYSO_ERR_TOKEN_SIGN = 606,           /* the token refused to sign */
  KYSO_ERR_TOKEN_CANCELLED = 607,      /* the user cancelled PIN entry */
  KYSO_ERR_TOKEN_BUSY = 608, /* another kyso process kept the token too long */

  /* 700-799: long-term validation answers (kyso/ltv.h) and fetching them
   * (the CLI and kyso-host) */
  KYSO_ERR_LTV_RESPONSE = 700,  /* an OCSP, CRL or timestamp answer does not
                                   decode, or says it is not successful */
  KYSO_ERR_LTV_SIGNATURE = 701, /* its signature does not verify, or the
                                   signer is not entitled to answer */
  KYSO_ERR_LTV_NONCE = 702,     /* the nonce differs from the request's */
  KYSO_ERR_LTV_STALE = 703,     /* not current at the time given: expired
                                   (past nextUpdate) or issued later */
  KYSO_ERR_LTV_SCOPE = 704,     /* about another certificate or digest; a
                                   CRL of another issuer or scope */
  KYSO_ERR_LTV_FETCH = 705,     /* no answer: connection, timeout, HTTP
                                   status, wrong content type */
  KYSO_ERR_LTV_URL = 706        /* a URL refused: scheme, address (loopback,
                                   private), redirect to another host */
} kyso_status;

enum { KYSO_ERROR_MESSAGE_MAX = 256 };

typedef struct kyso_error {
  kyso_status code;
  char message[KYSO_ERROR_MESSAGE_MAX];
} kyso_error;

/* Stable upper-case name of a status, e.g. "PDF_XREF"; "UNKNOWN" if none. */
const char *kyso_status_name(kyso_status status);

/* Records a status and a printf-style message in err (which may be NULL)
 * and returns status, so callers can write `return kyso_error_set(...)`. */
kyso_status kyso_error_set(kyso_error *err, kyso_status status,
                           const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Clears err to KYSO_OK with an empty message. */
void kyso_error_clear(kyso_error *err);

#ifdef __cplusplus
}
#endif

#endif
