/*
 * verify_chain.c - the signer's certificate path (CHAIN), the validity of
 * every certificate on it at the signing time (VALIDITY) and the signer's
 * key usage (KEY_USAGE). ETSI EN 319 102-1 5.2.6 (X.509 certificate
 * validation) and 5.2.4 (identification of the signing certificate).
 *
 * OpenSSL builds and checks the path (RFC 5280 6.1) at the time we give it,
 * never the clock. Two deliberate departures from its defaults:
 *  - a certificate outside its validity does not stop the path: the path is
 *    still built and checked, and VALIDITY reports which certificate and
 *    when, so a report can say "the signer's certificate expired" rather
 *    than "no chain";
 *  - X509_V_FLAG_X509_STRICT is off. The bundled Vietnamese roots and
 *    sub-CAs (G1 with SHA-1, G2, the national roots) pass it, but strict
 *    mode also rejects end-entity certificates for encoding details that do
 *    not affect the signature (missing authority key identifier, negative
 *    or zero serials) which older CA software produced; we prefer reporting
 *    a verifiable path over refusing it.
 * Revocation is its own stage (verify_revocation.c): no CRL checks here.
 */
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

#include "base/time_civil.h"
#include "kyso/limits.h"
#include "ltv/ltv_hook.h"
#include "verify/verify_chain.h"

/* Entries walked in one extendedKeyUsage extension. */
enum { EKU_ITEMS_MAX = 64 };

/* ---- names ------------------------------------------------------------- */

/* Copies s (len bytes) into out, replacing control characters (the names
 * end up in one-line details). */
static void copy_printable(const unsigned char *s, size_t len, char *out,
                           size_t size) {
  size_t i, n = 0;
  if (size == 0)
    return;
  for (i = 0; i < len && n + 1 < size; i++)
    out[n++] = s[i] < 0x20 || s[i] == 0x7f ? '?' : (char)s[i];
  out[n] = '\0';
}

void kyso_name_short(const X509_NAME *name, char *out, size_t size) {
  int idx;
  BIO *bio = NULL;

  if (size == 0)
    return;
  out[0] = '\0';
  if (!name)
    return;
  idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (idx >= 0) {
    const ASN1_STRING *s =
        X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
    unsigned char *utf8 = NULL;
    int n = s ? ASN1_STRING_to_UTF8(&utf8, s) : -1;
    if (n >= 0) {
      copy_printable(utf8, (size_t)n, out, size);
      OPENSSL_free(utf8);
      return;
    }
  }
  bio = BIO_new(BIO_s_mem());
  if (bio && X509_NAME_print_ex(bio, name, 0,
                                XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
    char *p = NULL;
    long n = BIO_get_mem_data(bio, &p);
    if (n > 0 && p)
      copy_printable((const unsigned char *)p, (size_t)n, out, size);
  }
  BIO_free(bio);
  ERR_clear_error();
}

/* ---- validity ---------------------------------------------------------- */

enum { TIME_OK = 0, TIME_EXPIRED, TIME_NOT_YET_VALID, TIME_BAD };

/* Where t falls in x's validity (RFC 5280 4.1.2.5: both ends inclusive). */
static int cert_time_status(const X509 *x, int64_t t, int64_t *not_before,
                            int64_t *not_after) {
  if (kyso_time_from_asn1(X509_get0_notBefore(x), not_before) != 0 ||
      kyso_time_from_asn1(X509_get0_notAfter(x), not_after) != 0)
    return TIME_BAD;
  if (t < *not_before)
    return TIME_NOT_YET_VALID;
  if (t > *not_after)
    return TIME_EXPIRED;
  return TIME_OK;
}

/* Fills res->name and validity from x at depth. */
static void note_cert(kyso_path_result *res, const X509 *x, int depth) {
  res->depth = depth;
  kyso_name_short(X509_get_subject_name(x), res->name, sizeof(res->name));
  res->has_validity =
      kyso_time_from_asn1(X509_get0_notBefore(x), &res->not_before) == 0 &&
      kyso_time_from_asn1(X509_get0_notAfter(x), &res->not_after) == 0;
}

/* ---- building the path ------------------------------------------------- */

/* A certificate outside its validity is recorded later, by our own walk
 * over the path; OpenSSL goes on building and checking (see the top). */
static int path_callback(int ok, X509_STORE_CTX *sctx) {
  int e;
  if (ok)
    return 1;
  e = X509_STORE_CTX_get_error(sctx);
  return e == X509_V_ERR_CERT_HAS_EXPIRED || e == X509_V_ERR_CERT_NOT_YET_VALID;
}

static const char *reason_of(int error) {
  switch (error) {
  case X509_V_OK: return NULL;
  case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
  case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
  case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
  case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
  case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
  case X509_V_ERR_CERT_UNTRUSTED: return "no_certificate_chain_found";
  case X509_V_ERR_CERT_HAS_EXPIRED: return "certificate_expired";
  case X509_V_ERR_CERT_NOT_YET_VALID: return "certificate_not_yet_valid";
  case X509_V_ERR_INVALID_CA:
  case X509_V_ERR_PATH_LENGTH_EXCEEDED:
  case X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED:
  case X509_V_ERR_INVALID_NON_CA:
  case X509_V_ERR_INVALID_EXTENSION:
  case X509_V_ERR_INVALID_POLICY_EXTENSION:
  case X509_V_ERR_NO_EXPLICIT_POLICY:
  case X509_V_ERR_INVALID_PURPOSE:
  case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
  case X509_V_ERR_PERMITTED_VIOLATION:
  case X509_V_ERR_EXCLUDED_VIOLATION:
  case X509_V_ERR_SUBTREE_MINMAX:
  case X509_V_ERR_UNSUPPORTED_CONSTRAINT_TYPE:
  case X509_V_ERR_UNSUPPORTED_CONSTRAINT_SYNTAX:
  case X509_V_ERR_UNSUPPORTED_NAME_SYNTAX:
  case X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION:
    return "chain_constraints_failure";
  case X509_V_ERR_CERT_SIGNATURE_FAILURE:
  case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
    return "certificate_signature_invalid";
  default: return "certificate_chain_general_failure";
  }
}

/* A borrowed view: every certificate is owned elsewhere. */
static int push_all(STACK_OF(X509) *to, STACK_OF(X509) *from) {
  int i;
  for (i = 0; from && i < sk_X509_num(from); i++)
    if (!sk_X509_push(to, sk_X509_value(from, i)))
      return -1;
  return 0;
}

void kyso_verify_path_ex(kyso_verify_ctx *ctx, X509 *cert,
                         STACK_OF(X509) *untrusted, int64_t t, int purpose,
                         STACK_OF(X509) **path, kyso_path_result *res) {
  X509_STORE *store = NULL;
  X509_STORE_CTX *sctx = NULL;
  STACK_OF(X509) *pool = NULL, *chain = NULL;
  int i, rc;

  memset(res, 0, sizeof(*res));
  res->depth = -1;
  res->error = X509_V_ERR_UNSPECIFIED;
  res->reason = "certificate_chain_general_failure";
  *path = NULL;
  if (!cert)
    goto done;
  note_cert(res, cert, 0);
  /* time_t is 32 bits on some targets: refuse rather than wrap. */
  if ((int64_t)(time_t)t != t)
    goto done;
  store = X509_STORE_new();
  pool = sk_X509_new_null();
  sctx = X509_STORE_CTX_new();
  if (!store || !pool || !sctx)
    goto done;
  for (i = 0; ctx->anchors && i < sk_X509_num(ctx->anchors); i++)
    if (!X509_STORE_add_cert(store, sk_X509_value(ctx->anchors, i)))
      goto done;
  if (push_all(pool, untrusted) || push_all(pool, ctx->intermediates) ||
      push_all(pool, ctx->dss.certs))
    goto done;
  if (!X509_STORE_CTX_init(sctx, store, cert, pool))
    goto done;
  /* A trusted sub-CA anchors a path on its own (RFC 5280 6.1.1 (d): the
   * trust anchor need not be self-signed). */
  X509_STORE_CTX_set_flags(sctx, X509_V_FLAG_PARTIAL_CHAIN);
  X509_STORE_CTX_set_time(sctx, 0, (time_t)t);
  X509_STORE_CTX_set_depth(sctx, KYSO_LIMIT_CHAIN);
  if (!X509_STORE_CTX_set_purpose(sctx, purpose))
    goto done;
  X509_STORE_CTX_set_verify_cb(sctx, path_callback);

  rc = X509_verify_cert(sctx);
  if (ctx->ltv) /* kyso_ltv_collect: the path as built, even a partial one */
    kyso_ltv_hook_path(ctx, cert, sctx, untrusted, t, purpose, rc == 1);
  if (rc != 1) {
    X509 *at = X509_STORE_CTX_get_current_cert(sctx);
    res->error =
        rc < 0 ? X509_V_ERR_UNSPECIFIED : X509_STORE_CTX_get_error(sctx);
    res->reason = reason_of(res->error);
    if (!res->reason)
      res->reason = "certificate_chain_general_failure";
    if (at)
      note_cert(res, at, X509_STORE_CTX_get_error_depth(sctx));
    goto done;
  }
  chain = X509_STORE_CTX_get1_chain(sctx);
  if (!chain)
    goto done;
  /* Our own walk, leaf first, so the certificate named is the one closest
   * to the signer, and a directly trusted sub-CA (which OpenSSL does not
   * time-check) is covered too. */
  res->error = X509_V_OK;
  res->reason = NULL;
  note_cert(res, cert, 0);
  for (i = 0; i < sk_X509_num(chain) && i < KYSO_LIMIT_CHAIN + 1; i++) {
    X509 *x = sk_X509_value(chain, i);
    int64_t nb = 0, na = 0;
    int ts = cert_time_status(x, t, &nb, &na);
    if (ts == TIME_OK)
      continue;
    res->error = ts == TIME_EXPIRED ? X509_V_ERR_CERT_HAS_EXPIRED
                 : ts == TIME_NOT_YET_VALID
                     ? X509_V_ERR_CERT_NOT_YET_VALID
                     : X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD;
    res->reason = reason_of(res->error);
    note_cert(res, x, i);
    break;
  }
  if (res->reason && res->error != X509_V_ERR_CERT_HAS_EXPIRED &&
      res->error != X509_V_ERR_CERT_NOT_YET_VALID)
    goto done; /* unreadable dates: no path */
  *path = chain;
  chain = NULL;
done:
  sk_X509_pop_free(chain, X509_free);
  X509_STORE_CTX_free(sctx);
  sk_X509_free(pool);
  X509_STORE_free(store);
  ERR_clear_error();
}

const char *kyso_verify_path(kyso_verify_ctx *ctx, X509 *cert,
                             STACK_OF(X509) *untrusted, int64_t t, int purpose,
                             STACK_OF(X509) **path) {
  kyso_path_result res;
  kyso_verify_path_ex(ctx, cert, untrusted, t, purpose, path, &res);
  /* The contract: a path only when it is good. */
  if (res.reason && *path) {
    sk_X509_pop_free(*path, X509_free);
    *path = NULL;
  }
  return res.reason;
}

/* ---- the checks -------------------------------------------------------- */

/* "leaf CN > sub-CA CN > root CN" into out. */
static void path_names(STACK_OF(X509) *path, char *out, size_t size) {
  size_t n = 0;
  int i;
  out[0] = '\0';
  for (i = 0; i < sk_X509_num(path) && i <= KYSO_LIMIT_CHAIN; i++) {
    char name[KYSO_PATH_NAME_MAX];
    int w;
    kyso_name_short(X509_get_subject_name(sk_X509_value(path, i)), name,
                    sizeof(name));
    w = snprintf(out + n, size - n, "%s%s", i ? " > " : "", name);
    if (w < 0 || (size_t)w >= size - n)
      break;
    n += (size_t)w;
  }
}

static void check_validity(kyso_verify_ctx *ctx, kyso_sig_state *st,
                           const kyso_path_result *res) {
  kyso_check *c = &st->rep->checks[KYSO_CHECK_VALIDITY];
  const char *proof = st->time_proven ? "proven by a timestamp"
                                      : "claimed, not proven by a timestamp";
  char at[32], nb[32], na[32];

  kyso_time_format_utc(st->signing_time, at);
  if (!res->reason || (res->error != X509_V_ERR_CERT_HAS_EXPIRED &&
                       res->error != X509_V_ERR_CERT_NOT_YET_VALID)) {
    kyso_check_set(ctx->report, c, KYSO_RESULT_PASSED, "ok",
                   "valid at the signing time %s (%s)", at, proof);
    return;
  }
  kyso_time_format_utc(res->not_before, nb);
  kyso_time_format_utc(res->not_after, na);
  /* A timestamp proves the time: then being outside the validity is a
   * fact (FAILED), not a doubt (ETSI EN 319 102-1: EXPIRED, NOT_YET_VALID
   * under TOTAL_FAILED). */
  kyso_check_set(
      ctx->report, c,
      st->time_proven ? KYSO_RESULT_FAILED : KYSO_RESULT_INDETERMINATE,
      res->reason,
      "%s certificate '%s' is valid from %s to %s; signing time %s "
      "(%s)",
      res->depth == 0 ? "signer" : "CA", res->name, nb, na, at, proof);
}

/* The signer's own validity when no path could be built. */
static void check_signer_validity(kyso_verify_ctx *ctx, kyso_sig_state *st) {
  kyso_path_result res;
  int64_t nb = 0, na = 0;
  int ts = cert_time_status(st->signer, st->signing_time, &nb, &na);

  memset(&res, 0, sizeof(res));
  note_cert(&res, st->signer, 0);
  if (ts == TIME_BAD) {
    kyso_check_set(
        ctx->report, &st->rep->checks[KYSO_CHECK_VALIDITY],
        KYSO_RESULT_INDETERMINATE, "certificate_chain_general_failure",
        "signer certificate '%s' has unreadable validity dates", res.name);
    return;
  }
  if (ts != TIME_OK) {
    res.error = ts == TIME_EXPIRED ? X509_V_ERR_CERT_HAS_EXPIRED
                                   : X509_V_ERR_CERT_NOT_YET_VALID;
    res.reason = reason_of(res.error);
  }
  check_validity(ctx, st, &res);
}

/* Extended key usages that allow signing documents: anyExtendedKeyUsage
 * (RFC 5280 4.2.1.12), emailProtection (S/MIME, what most Vietnamese
 * personal certificates carry), id-kp-documentSigning (RFC 9336), Adobe
 * Authentic Documents Trust, Microsoft Document Signing. */
static const char *const signing_ekus[] = {
    "2.5.29.37.0", "1.3.6.1.5.5.7.3.4", "1.3.6.1.5.5.7.3.36",
    "1.2.840.113583.1.1.5", "1.3.6.1.4.1.311.10.3.12"};

/* A document timestamp (ETSI.RFC3161) is signed by a TSA, whose
 * certificate carries id-kp-timeStamping (RFC 3161 2.3) instead. */
static const char tsa_eku[] = "1.3.6.1.5.5.7.3.8";

/* NULL if x may sign documents (or, for tsa, timestamps); else why not
 * (static text). */
static const char *key_usage_problem(X509 *x, int tsa, char *eku_seen,
                                     size_t size) {
  uint32_t flags = X509_get_extension_flags(x);
  EXTENDED_KEY_USAGE *eku = NULL;
  const char *problem = NULL;
  int i, n, allowed = 0;

  eku_seen[0] = '\0';
  if (flags & EXFLAG_INVALID)
    return "an extension cannot be decoded";
  /* RFC 5280 4.2.1.3; an absent keyUsage allows every use. */
  if ((flags & EXFLAG_KUSAGE) &&
      !(X509_get_key_usage(x) & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)))
    return "keyUsage has neither digitalSignature nor nonRepudiation";
  if (!(flags & EXFLAG_XKUSAGE))
    return NULL;
  eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
  if (!eku)
    return "extendedKeyUsage cannot be decoded";
  n = sk_ASN1_OBJECT_num(eku);
  for (i = 0; i < n && i < EKU_ITEMS_MAX; i++) {
    char oid[80];
    size_t k, used = strlen(eku_seen);
    if (OBJ_obj2txt(oid, sizeof(oid), sk_ASN1_OBJECT_value(eku, i), 1) <= 0)
      continue;
    for (k = 0; k < sizeof(signing_ekus) / sizeof(signing_ekus[0]); k++)
      if (strcmp(oid, signing_ekus[k]) == 0)
        allowed = 1;
    if (tsa && strcmp(oid, tsa_eku) == 0)
      allowed = 1;
    snprintf(eku_seen + used, size - used, "%s%s", used ? "," : "", oid);
  }
  if (!allowed)
    problem = "extendedKeyUsage does not allow document signing";
  sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
  return problem;
}

static void check_key_usage(kyso_verify_ctx *ctx, kyso_sig_state *st) {
  kyso_check *c = &st->rep->checks[KYSO_CHECK_KEY_USAGE];
  char ekus[256];
  /* A document timestamp is known by its /SubFilter too: some writers
   * leave /Type /DocTimeStamp out (verify_structure.c). */
  int tsa =
      (st->rep->type && strcmp(st->rep->type, "DocTimeStamp") == 0) ||
      (st->rep->sub_filter && strcmp(st->rep->sub_filter, "ETSI.RFC3161") == 0);
  const char *problem = key_usage_problem(st->signer, tsa, ekus, sizeof(ekus));

  if (!problem)
    kyso_check_set(ctx->report, c, KYSO_RESULT_PASSED, "ok", NULL);
  else if (ekus[0])
    kyso_check_set(ctx->report, c, KYSO_RESULT_INDETERMINATE,
                   "key_usage_not_for_signing", "%s (%s)", problem, ekus);
  else
    kyso_check_set(ctx->report, c, KYSO_RESULT_INDETERMINATE,
                   "key_usage_not_for_signing", "%s", problem);
  ERR_clear_error();
}

kyso_status kyso_verify_chain(kyso_verify_ctx *ctx, kyso_sig_state *st,
                              kyso_error *err) {
  STACK_OF(X509) *path = NULL;
  kyso_path_result res;
  kyso_check *chain;
  char names[400];

  (void)err; /* outcomes are report data; nothing here can fail the call */
  if (!st->signer)
    return KYSO_OK;
  chain = &st->rep->checks[KYSO_CHECK_CHAIN];
  kyso_verify_path_ex(ctx, st->signer, st->cms_certs, st->signing_time,
                      X509_PURPOSE_ANY, &path, &res);
  if (path) {
    path_names(path, names, sizeof(names));
    kyso_check_set(ctx->report, chain, KYSO_RESULT_PASSED, "ok", "%s", names);
    check_validity(ctx, st, &res);
  } else {
    kyso_check_set(ctx->report, chain,
                   strcmp(res.reason, "certificate_signature_invalid") == 0
                       ? KYSO_RESULT_FAILED
                       : KYSO_RESULT_INDETERMINATE,
                   res.reason, "%s (at '%s')",
                   X509_verify_cert_error_string(res.error), res.name);
    check_signer_validity(ctx, st);
  }
  check_key_usage(ctx, st);
  sk_X509_pop_free(path, X509_free);
  return KYSO_OK;
}
