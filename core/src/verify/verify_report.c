/*
 * verify_report.c - the verification report: recording checks, deciding
 * the ETSI EN 319 102-1 indication (5.1.3) of each signature, and the JSON
 * form (docs/report-schema.md). The JSON is deterministic: fixed key order,
 * no floating point, UTF-8 validated, so the native CLI and the WASM module
 * give byte-identical reports.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdf/pdf_text.h"
#include "verify/verify_internal.h"

const char *const kyso_check_names[KYSO_CHECK_COUNT] = {
    "structure",  "revision",   "cms",    "integrity", "signing_certificate",
    "signature",  "algorithms", "chain",  "validity",  "key_usage",
    "revocation", "timestamp",  "changes"};

const char *kyso_report_strdup(kyso_report *report, const char *s) {
  if (!s)
    return NULL;
  return kyso_arena_strndup(&report->arena, s, strlen(s));
}

static char *vformat(kyso_report *report, const char *format, va_list ap) {
  char tmp[512];
  int n;
  if (!format)
    return NULL;
  n = vsnprintf(tmp, sizeof(tmp), format, ap);
  if (n < 0)
    return NULL;
  return kyso_arena_strndup(&report->arena, tmp,
                            (size_t)n < sizeof(tmp) ? (size_t)n
                                                    : sizeof(tmp) - 1);
}

void kyso_check_set(kyso_report *report, kyso_check *check,
                    kyso_check_result result, const char *reason,
                    const char *detail_format, ...) {
  va_list ap;
  check->result = result;
  check->reason = reason;
  va_start(ap, detail_format);
  check->detail = vformat(report, detail_format, ap);
  va_end(ap);
}

int kyso_change_add(kyso_report *report, kyso_sig_report *sig, uint32_t object,
                    const char *kind, int allowed, const char *detail_format,
                    ...) {
  va_list ap;
  kyso_change *c;
  if (sig->change_count == sig->change_cap) {
    size_t ncap = sig->change_cap ? sig->change_cap * 2 : 8;
    kyso_change *p;
    if (ncap > 100000)
      return -1;
    p = kyso_arena_calloc(&report->arena, ncap, sizeof(*p));
    if (!p)
      return -1;
    if (sig->change_count)
      memcpy(p, sig->changes, sig->change_count * sizeof(*p));
    sig->changes = p;
    sig->change_cap = ncap;
  }
  c = &sig->changes[sig->change_count++];
  c->object = object;
  c->kind = kind;
  c->allowed = allowed ? 1 : 0;
  va_start(ap, detail_format);
  c->detail = vformat(report, detail_format, ap);
  va_end(ap);
  return 0;
}

static int is(const kyso_sig_report *s, kyso_check_id id, kyso_check_result r) {
  return s->checks[id].result == r;
}

static int reason_is(const kyso_sig_report *s, kyso_check_id id,
                     const char *reason) {
  return s->checks[id].reason && strcmp(s->checks[id].reason, reason) == 0;
}

static void decide(kyso_sig_report *s, kyso_indication ind, const char *sub) {
  s->indication = ind;
  s->sub_indication = sub;
}

void kyso_report_decide(kyso_sig_report *s) {
  static const kyso_check_id mandatory[] = {
      KYSO_CHECK_STRUCTURE,  KYSO_CHECK_REVISION,     KYSO_CHECK_CMS,
      KYSO_CHECK_INTEGRITY,  KYSO_CHECK_SIGNING_CERT, KYSO_CHECK_SIGNATURE,
      KYSO_CHECK_ALGORITHMS, KYSO_CHECK_CHAIN,        KYSO_CHECK_VALIDITY,
      KYSO_CHECK_KEY_USAGE,  KYSO_CHECK_REVOCATION,   KYSO_CHECK_CHANGES};
  const kyso_indication TF = KYSO_INDICATION_TOTAL_FAILED;
  const kyso_indication IN = KYSO_INDICATION_INDETERMINATE;
  size_t i;

  /* TOTAL_FAILED first: proof that the signature is not good. */
  if (is(s, KYSO_CHECK_STRUCTURE, KYSO_RESULT_FAILED) ||
      is(s, KYSO_CHECK_REVISION, KYSO_RESULT_FAILED) ||
      is(s, KYSO_CHECK_CMS, KYSO_RESULT_FAILED))
    return decide(s, TF, "FORMAT_FAILURE");
  if (is(s, KYSO_CHECK_INTEGRITY, KYSO_RESULT_FAILED))
    return decide(s, TF, "HASH_FAILURE");
  if (is(s, KYSO_CHECK_SIGNATURE, KYSO_RESULT_FAILED))
    return decide(s, TF, "SIG_CRYPTO_FAILURE");
  if (is(s, KYSO_CHECK_CHANGES, KYSO_RESULT_FAILED))
    return decide(s, TF, "DOCUMENT_MODIFIED");
  if (is(s, KYSO_CHECK_REVOCATION, KYSO_RESULT_FAILED))
    return decide(s, TF, "REVOKED");
  if (reason_is(s, KYSO_CHECK_VALIDITY, "certificate_expired"))
    return s->has_timestamp ? decide(s, TF, "EXPIRED")
                            : decide(s, IN, "OUT_OF_BOUNDS_NO_POE");
  if (reason_is(s, KYSO_CHECK_VALIDITY, "certificate_not_yet_valid"))
    return decide(s, s->has_timestamp ? TF : IN, "NOT_YET_VALID");
  /* INDETERMINATE: something needed for a verdict is missing. A format
   * kyso does not verify (an unknown /SubFilter): ETSI's INDETERMINATE
   * FORMAT_FAILURE. Then an algorithm kyso cannot compute: integrity or
   * the signature value is unknown, which is not proof of tampering either
   * way. */
  if (is(s, KYSO_CHECK_STRUCTURE, KYSO_RESULT_INDETERMINATE))
    return decide(s, IN, "FORMAT_FAILURE");
  if (reason_is(s, KYSO_CHECK_SIGNATURE, "signer_certificate_missing"))
    return decide(s, IN, "NO_SIGNING_CERTIFICATE_FOUND"); /* a 2nd signer */
  if (is(s, KYSO_CHECK_INTEGRITY, KYSO_RESULT_INDETERMINATE) ||
      is(s, KYSO_CHECK_SIGNATURE, KYSO_RESULT_INDETERMINATE))
    return decide(s, IN, "CRYPTO_CONSTRAINTS_FAILURE");
  if (!is(s, KYSO_CHECK_SIGNING_CERT, KYSO_RESULT_PASSED))
    return decide(s, IN, "NO_SIGNING_CERTIFICATE_FOUND");
  if (!is(s, KYSO_CHECK_CHAIN, KYSO_RESULT_PASSED))
    return decide(s, IN,
                  reason_is(s, KYSO_CHECK_CHAIN, "chain_constraints_failure")
                      ? "CHAIN_CONSTRAINTS_FAILURE"
                      : "NO_CERTIFICATE_CHAIN_FOUND");
  if (!is(s, KYSO_CHECK_KEY_USAGE, KYSO_RESULT_PASSED))
    return decide(s, IN, "SIG_CONSTRAINTS_FAILURE");
  if (!is(s, KYSO_CHECK_ALGORITHMS, KYSO_RESULT_PASSED))
    return decide(s, IN, "CRYPTO_CONSTRAINTS_FAILURE");
  if (!is(s, KYSO_CHECK_REVOCATION, KYSO_RESULT_PASSED))
    return decide(s, IN,
                  reason_is(s, KYSO_CHECK_REVOCATION, "revoked_no_poe")
                      ? "REVOKED_NO_POE"
                      : "TRY_LATER");
  if (is(s, KYSO_CHECK_TIMESTAMP, KYSO_RESULT_FAILED) ||
      is(s, KYSO_CHECK_TIMESTAMP, KYSO_RESULT_INDETERMINATE))
    return decide(s, IN, "GENERIC");
  /* Every mandatory check must have run and passed: a check that did not
   * run never counts as a pass. */
  for (i = 0; i < sizeof(mandatory) / sizeof(mandatory[0]); i++)
    if (!is(s, mandatory[i], KYSO_RESULT_PASSED))
      return decide(s, IN, "GENERIC");
  decide(s, KYSO_INDICATION_TOTAL_PASSED, NULL);
}

/* ---- JSON ---------------------------------------------------------------- */

static void json_string(kyso_buf *b, const char *s) {
  const uint8_t *p = (const uint8_t *)s;
  size_t n, i = 0;
  if (!s) {
    kyso_buf_append_str(b, "null");
    return;
  }
  n = strlen(s);
  kyso_buf_append_byte(b, '"');
  while (i < n) {
    uint32_t cp;
    size_t step = kyso_utf8_decode(p + i, n - i, &cp);
    if (step == 0) {
      kyso_buf_append_str(b, "\\ufffd");
      i++;
      continue;
    }
    if (cp == '"' || cp == '\\') {
      kyso_buf_append_byte(b, '\\');
      kyso_buf_append_byte(b, (uint8_t)cp);
    } else if (cp < 0x20) {
      kyso_buf_printf(b, "\\u%04x", (unsigned)cp);
    } else {
      kyso_buf_append(b, p + i, step);
    }
    i += step;
  }
  kyso_buf_append_byte(b, '"');
}

static void json_key(kyso_buf *b, const char *key, int first) {
  if (!first)
    kyso_buf_append_byte(b, ',');
  json_string(b, key);
  kyso_buf_append_byte(b, ':');
}

static void json_time(kyso_buf *b, int present, int64_t t) {
  char tmp[32];
  if (!present) {
    kyso_buf_append_str(b, "null");
    return;
  }
  kyso_time_format_utc(t, tmp);
  json_string(b, tmp);
}

const char *kyso_indication_name(kyso_indication i) {
  switch (i) {
  case KYSO_INDICATION_TOTAL_PASSED: return "TOTAL_PASSED";
  case KYSO_INDICATION_INDETERMINATE: return "INDETERMINATE";
  case KYSO_INDICATION_TOTAL_FAILED: return "TOTAL_FAILED";
  }
  return "INDETERMINATE";
}

static const char *result_name(kyso_check_result r) {
  switch (r) {
  case KYSO_RESULT_PASSED: return "passed";
  case KYSO_RESULT_FAILED: return "failed";
  case KYSO_RESULT_INDETERMINATE: return "indeterminate";
  case KYSO_RESULT_NOT_RUN: return "not_run";
  }
  return "not_run";
}

static void json_signature(kyso_buf *b, const kyso_sig_report *s) {
  size_t i;
  kyso_buf_append_byte(b, '{');
  json_key(b, "field", 1);
  json_string(b, s->field);
  json_key(b, "type", 0);
  json_string(b, s->type);
  json_key(b, "sub_filter", 0);
  json_string(b, s->sub_filter);
  json_key(b, "byte_range", 0);
  kyso_buf_append_byte(b, '[');
  for (i = 0; i < s->byte_range_count && i < 4; i++)
    kyso_buf_printf(b, i ? ",%lld" : "%lld", (long long)s->byte_range[i]);
  kyso_buf_append_byte(b, ']');
  json_key(b, "revision", 0);
  if (s->revision >= 0)
    kyso_buf_printf(b, "%lld", s->revision);
  else
    kyso_buf_append_str(b, "null");
  json_key(b, "covers_whole_file", 0);
  kyso_buf_append_str(b, s->covers_whole_file ? "true" : "false");
  json_key(b, "signer", 0);
  kyso_buf_append_byte(b, '{');
  json_key(b, "subject", 1);
  json_string(b, s->signer_subject);
  json_key(b, "cn", 0);
  json_string(b, s->signer_cn);
  json_key(b, "o", 0);
  json_string(b, s->signer_o);
  json_key(b, "serial", 0);
  json_string(b, s->signer_serial);
  json_key(b, "issuer_subject", 0);
  json_string(b, s->issuer_subject);
  json_key(b, "issuer_cn", 0);
  json_string(b, s->issuer_cn);
  kyso_buf_append_byte(b, '}');
  json_key(b, "digest_algorithm", 0);
  json_string(b, s->digest_algorithm);
  json_key(b, "signature_algorithm", 0);
  json_string(b, s->signature_algorithm);
  json_key(b, "key_bits", 0);
  kyso_buf_printf(b, "%d", s->key_bits);
  json_key(b, "claimed_time", 0);
  json_time(b, s->has_claimed_time, s->claimed_time);
  json_key(b, "timestamp_time", 0);
  json_time(b, s->has_timestamp, s->timestamp_time);
  json_key(b, "checks", 0);
  kyso_buf_append_byte(b, '{');
  for (i = 0; i < KYSO_CHECK_COUNT; i++) {
    json_key(b, kyso_check_names[i], i == 0);
    kyso_buf_append_byte(b, '{');
    json_key(b, "result", 1);
    json_string(b, result_name(s->checks[i].result));
    json_key(b, "reason", 0);
    json_string(b, s->checks[i].reason);
    json_key(b, "detail", 0);
    json_string(b, s->checks[i].detail);
    kyso_buf_append_byte(b, '}');
  }
  kyso_buf_append_byte(b, '}');
  json_key(b, "changes", 0);
  kyso_buf_append_byte(b, '[');
  for (i = 0; i < s->change_count; i++) {
    const kyso_change *c = &s->changes[i];
    if (i)
      kyso_buf_append_byte(b, ',');
    kyso_buf_append_byte(b, '{');
    json_key(b, "object", 1);
    kyso_buf_printf(b, "%u", c->object);
    json_key(b, "kind", 0);
    json_string(b, c->kind);
    json_key(b, "allowed", 0);
    kyso_buf_append_str(b, c->allowed ? "true" : "false");
    json_key(b, "detail", 0);
    json_string(b, c->detail);
    kyso_buf_append_byte(b, '}');
  }
  kyso_buf_append_byte(b, ']');
  json_key(b, "indication", 0);
  json_string(b, kyso_indication_name(s->indication));
  json_key(b, "sub_indication", 0);
  json_string(b, s->sub_indication);
  json_key(b, "revocation_evidence", 0);
  kyso_buf_append_byte(b, '[');
  for (i = 0; i < s->evidence_count; i++) {
    const kyso_rev_evidence *e = &s->evidence[i];
    if (i)
      kyso_buf_append_byte(b, ',');
    kyso_buf_append_byte(b, '{');
    json_key(b, "certificate", 1);
    json_string(b, e->certificate);
    json_key(b, "serial", 0);
    json_string(b, e->serial);
    json_key(b, "ca", 0);
    kyso_buf_append_str(b, e->is_ca ? "true" : "false");
    json_key(b, "status", 0);
    json_string(b, e->status);
    json_key(b, "type", 0);
    json_string(b, e->type);
    json_key(b, "source", 0);
    json_string(b, e->source);
    json_key(b, "this_update", 0);
    json_time(b, e->has_this_update, e->this_update);
    json_key(b, "produced_at", 0);
    json_time(b, e->has_produced_at, e->produced_at);
    json_key(b, "revoked_at", 0);
    json_time(b, e->has_revoked_at, e->revoked_at);
    kyso_buf_append_byte(b, '}');
  }
  kyso_buf_append_byte(b, ']');
  json_key(b, "signing_time_offset", 0);
  if (s->has_signing_time_offset)
    kyso_buf_printf(b, "%lld", (long long)s->signing_time_offset);
  else
    kyso_buf_append_str(b, "null");
  kyso_buf_append_byte(b, '}');
}

kyso_status kyso_report_write_json(kyso_report *r, kyso_error *err) {
  kyso_buf *b = &r->json;
  char tmp[32];
  size_t i;

  b->len = 0;
  kyso_buf_append_byte(b, '{');
  json_key(b, "kyso_report", 1);
  kyso_buf_append_str(b, "1");
  json_key(b, "file", 0);
  kyso_buf_printf(b, "{\"size\":%zu,\"revisions\":%zu}", r->file_size,
                  r->revision_count);
  json_key(b, "validation_time", 0);
  kyso_time_format_utc(r->validation_time, tmp);
  json_string(b, tmp);
  json_key(b, "signatures", 0);
  kyso_buf_append_byte(b, '[');
  for (i = 0; i < r->count; i++) {
    if (i)
      kyso_buf_append_byte(b, ',');
    json_signature(b, &r->sigs[i]);
  }
  kyso_buf_append_byte(b, ']');
  json_key(b, "overall", 0);
  if (r->count)
    json_string(b, kyso_indication_name(kyso_report_get_overall(r)));
  else
    kyso_buf_append_str(b, "null");
  kyso_buf_append_str(b, "}\n");
  if (!kyso_buf_ok(b))
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  return KYSO_OK;
}

size_t kyso_report_get_signature_count(const kyso_report *r) {
  return r->count;
}

kyso_indication kyso_report_get_indication(const kyso_report *r, size_t index) {
  return index < r->count ? r->sigs[index].indication
                          : KYSO_INDICATION_INDETERMINATE;
}

kyso_indication kyso_report_get_overall(const kyso_report *r) {
  kyso_indication worst = KYSO_INDICATION_TOTAL_PASSED;
  size_t i;
  for (i = 0; i < r->count; i++)
    if (r->sigs[i].indication > worst)
      worst = r->sigs[i].indication;
  return worst;
}

const char *kyso_report_get_json(const kyso_report *r, size_t *len) {
  if (len)
    *len = r->json.len;
  return (const char *)r->json.data;
}

void kyso_report_free(kyso_report *r) {
  if (!r)
    return;
  kyso_buf_free(&r->json);
  kyso_buf_free(&r->text);
  kyso_arena_free(&r->arena);
  free(r);
}
