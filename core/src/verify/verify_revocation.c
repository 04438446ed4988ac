/*
 * verify_revocation.c - the document security store (/DSS) and the
 * REVOCATION check: was the signer's certificate (and each CA certificate
 * below the trust anchor) revoked at the signing time? ETSI EN 319 102-1
 * 5.2.6.4 and 5.6.2.3, from data embedded in the file: the DSS
 * (ISO 32000-2 12.8.4.3, ETSI EN 319 142-1 5.4.2) and the CMS attribute
 * adbe-revocationInfoArchival (ISO 32000-1 12.8.3.3.2), and from data the
 * caller supplies (kyso_verify_options.extra_crls / extra_ocsps: fetched
 * now by `kyso verify --online`, or loaded by the user), judged the same
 * way. Nothing is fetched here: fetching is the host's job.
 *
 * A thisUpdate up to KYSO_LTV_CLOCK_SKEW after the validation time is
 * accepted: an answer fetched a moment ago from a responder whose clock is
 * a little ahead.
 *
 * Proof of existence (ETSI EN 319 102-1 5.6.2.3, and annex): data produced
 * after the signing time that says "not revoked" is enough for a signature
 * made before it; data fetched today proves "not revoked now". A
 * revocation found in any of the data counts. When the file's own data and
 * supplied data both say "not revoked", the file's is reported (it is what
 * keeps the file verifiable offline).
 *
 * Evidence is used only when it verifies: a CRL (RFC 5280 5, 6.3) signed by
 * the issuer on the certificate's path, or an OCSP response (RFC 6960) signed
 * by that issuer or by a responder it delegated with id-kp-OCSPSigning
 * (4.2.2.2). No usable evidence is INDETERMINATE, never PASSED.
 *
 * Not done here: delta CRLs as proof of "not revoked" (they only prove a
 * revocation), indirect CRLs, the revocation status of a delegated OCSP
 * responder (id-pkix-ocsp-nocheck is assumed, as nearly every responder
 * carries it).
 */
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

#include "base/time_civil.h"
#include "kyso/dss.h"
#include "kyso/limits.h"
#include "kyso/ltv.h"
#include "ltv/ltv_hook.h"
#include "verify/verify_chain.h"
#include "verify/verify_evidence.h"

/* Items read per kind and the size of one: KYSO_DSS_ITEMS_MAX and
 * KYSO_DSS_ITEM_SIZE_MAX (kyso/dss.h), the same bounds the writer keeps. */
enum {
  /* Entries walked in one DSS array, and /VRI entries walked. */
  DSS_ARRAY_WALK_MAX = 4 * KYSO_DSS_ITEMS_MAX,
  DSS_VRI_MAX = 1000
};
/* Decoded bytes read from the whole DSS. */
#define DSS_TOTAL_SIZE_MAX ((size_t)256 * 1024 * 1024)

/*
 * Whether a CA certificate without any revocation data makes the check
 * INDETERMINATE. ETSI asks for the status of every certificate below the
 * anchor, but documents in the wild rarely carry the CRL of a government
 * sub-CA; the signer's own status is what users and Decree 68/2024 care
 * about. A CA certificate that is revoked, or whose data does not verify,
 * always counts.
 */
enum { REQUIRE_CA_REVOCATION_DATA = 0 };

/* ---- reading the DSS --------------------------------------------------- */

typedef enum dss_kind { DSS_CERT, DSS_CRL, DSS_OCSP } dss_kind;

typedef struct dss_reader {
  kyso_verify_ctx *ctx;
  uint8_t *seen;      /* object numbers already read */
  size_t total;       /* decoded bytes so far */
  kyso_status status; /* KYSO_ERR_NO_MEMORY stops everything */
} dss_reader;

/* Only memory exhaustion is an error while reading the DSS. */
static int soft_fail(dss_reader *r, kyso_status s) {
  if (s == KYSO_ERR_NO_MEMORY)
    r->status = s;
  return s != KYSO_OK;
}

static kyso_obj *dict_get(dss_reader *r, const kyso_obj *dict, const char *key,
                          kyso_obj_type type) {
  kyso_error scratch;
  kyso_obj *o = NULL;
  if (!kyso_obj_is(dict, KYSO_OBJ_DICT) ||
      soft_fail(r, kyso_pdf_dict_get(r->ctx->pdf, dict, key, &o, &scratch)))
    return NULL;
  return kyso_obj_is(o, type) ? o : NULL;
}

static int stack_count(dss_reader *r, dss_kind kind) {
  kyso_dss *d = &r->ctx->dss;
  switch (kind) {
  case DSS_CERT: return d->certs ? sk_X509_num(d->certs) : 0;
  case DSS_CRL: return d->crls ? sk_X509_CRL_num(d->crls) : 0;
  default: return d->ocsps ? sk_OCSP_RESPONSE_num(d->ocsps) : 0;
  }
}

/* An OCSPResponse, or a bare BasicOCSPResponse wrapped as a successful one
 * (some writers store those). */
static OCSP_RESPONSE *ocsp_from_der(const uint8_t *der, long len) {
  const unsigned char *p = der;
  OCSP_RESPONSE *resp = d2i_OCSP_RESPONSE(NULL, &p, len);
  OCSP_BASICRESP *bs;
  if (resp)
    return resp;
  p = der;
  bs = d2i_OCSP_BASICRESP(NULL, &p, len);
  if (!bs)
    return NULL;
  resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs);
  OCSP_BASICRESP_free(bs);
  return resp;
}

/* Decodes one DER item into its stack; undecodable items are skipped. */
static void add_item(dss_reader *r, dss_kind kind, const uint8_t *der,
                     size_t len) {
  kyso_dss *d = &r->ctx->dss;
  const unsigned char *p = der;
  int ok = 0;

  if (len == 0 || len > KYSO_DSS_ITEM_SIZE_MAX)
    return;
  if (kind == DSS_CERT) {
    X509 *x = d2i_X509(NULL, &p, (long)len);
    if (x && (d->certs || (d->certs = sk_X509_new_null()) != NULL))
      ok = sk_X509_push(d->certs, x) > 0;
    if (!ok)
      X509_free(x);
  } else if (kind == DSS_CRL) {
    X509_CRL *c = d2i_X509_CRL(NULL, &p, (long)len);
    if (c && (d->crls || (d->crls = sk_X509_CRL_new_null()) != NULL))
      ok = sk_X509_CRL_push(d->crls, c) > 0;
    if (!ok)
      X509_CRL_free(c);
  } else {
    OCSP_RESPONSE *o = ocsp_from_der(der, (long)len);
    if (o && (d->ocsps || (d->ocsps = sk_OCSP_RESPONSE_new_null()) != NULL))
      ok = sk_OCSP_RESPONSE_push(d->ocsps, o) > 0;
    if (!ok)
      OCSP_RESPONSE_free(o);
  }
  ERR_clear_error();
}

/* Reads the streams listed in dict[key] (an array of references). */
static void read_array(dss_reader *r, const kyso_obj *dict, const char *key,
                       dss_kind kind) {
  kyso_pdf *pdf = r->ctx->pdf;
  kyso_obj *arr = dict_get(r, dict, key, KYSO_OBJ_ARRAY);
  size_t i;

  for (i = 0; arr && i < arr->u.array.count && i < DSS_ARRAY_WALK_MAX &&
              r->status == KYSO_OK && stack_count(r, kind) < KYSO_DSS_ITEMS_MAX;
       i++) {
    kyso_obj *item = arr->u.array.items[i], *stm = NULL;
    kyso_error scratch;
    kyso_buf data;

    if (kyso_obj_is(item, KYSO_OBJ_REF)) {
      uint32_t num = item->u.ref.num;
      if (num >= pdf->xref_count || kyso_bits_test_and_set(r->seen, num))
        continue; /* missing, or already read (VRI repeats /Certs...) */
    }
    if (soft_fail(r, kyso_pdf_resolve(pdf, item, &stm, &scratch)) ||
        !kyso_obj_is(stm, KYSO_OBJ_STREAM))
      continue;
    kyso_buf_init(&data);
    if (!soft_fail(r, kyso_pdf_stream_decode(pdf, stm, KYSO_DSS_ITEM_SIZE_MAX,
                                             &data, &scratch)) &&
        data.len <= DSS_TOTAL_SIZE_MAX - r->total) {
      r->total += data.len;
      add_item(r, kind, data.data, data.len);
    }
    kyso_buf_free(&data);
  }
}

kyso_status kyso_dss_load(kyso_verify_ctx *ctx, kyso_error *err) {
  dss_reader r;
  kyso_obj *root, *dss, *vri;
  size_t i;

  memset(&r, 0, sizeof(r));
  r.ctx = ctx;
  r.status = KYSO_OK;
  if (!ctx->pdf || !ctx->pdf->trailer)
    return KYSO_OK;
  r.seen = kyso_bits_new(ctx->pdf);
  if (!r.seen)
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  root = dict_get(&r, ctx->pdf->trailer, "Root", KYSO_OBJ_DICT);
  dss = dict_get(&r, root, "DSS", KYSO_OBJ_DICT);
  read_array(&r, dss, "Certs", DSS_CERT);
  read_array(&r, dss, "CRLs", DSS_CRL);
  read_array(&r, dss, "OCSPs", DSS_OCSP);
  ctx->dss.crls_top = stack_count(&r, DSS_CRL);
  ctx->dss.ocsps_top = stack_count(&r, DSS_OCSP);
  /* Validation-related information (12.8.4.4): per-signature subsets,
   * usually the same streams; a writer may list some only there. */
  vri = dict_get(&r, dss, "VRI", KYSO_OBJ_DICT);
  for (i = 0;
       vri && i < vri->u.dict.count && i < DSS_VRI_MAX && r.status == KYSO_OK;
       i++) {
    kyso_obj *entry = NULL;
    kyso_error scratch;
    if (soft_fail(&r, kyso_pdf_resolve(ctx->pdf, vri->u.dict.entries[i].value,
                                       &entry, &scratch)) ||
        !kyso_obj_is(entry, KYSO_OBJ_DICT))
      continue;
    read_array(&r, entry, "Cert", DSS_CERT);
    read_array(&r, entry, "CRL", DSS_CRL);
    read_array(&r, entry, "OCSP", DSS_OCSP);
  }
  free(r.seen);
  if (r.status != KYSO_OK)
    return kyso_error_set(err, r.status, "out of memory reading the DSS");
  return KYSO_OK;
}

/* ---- revocation data from the caller ------------------------------------ */

kyso_status kyso_extra_load(kyso_verify_ctx *ctx, kyso_error *err) {
  const kyso_verify_options *o = ctx->options;
  kyso_dss *d = &ctx->extra;
  size_t i, total = 0;

  if (!o || (o->extra_crl_count == 0 && o->extra_ocsp_count == 0))
    return KYSO_OK;
  if ((o->extra_crl_count && !o->extra_crls) ||
      (o->extra_ocsp_count && !o->extra_ocsps))
    return kyso_error_set(err, KYSO_ERR_ARGUMENT,
                          "extra revocation data: NULL array");
  if (o->extra_crl_count > KYSO_LIMIT_VERIFY_EXTRA_ITEMS ||
      o->extra_ocsp_count > KYSO_LIMIT_VERIFY_EXTRA_ITEMS - o->extra_crl_count)
    return kyso_error_set(err, KYSO_ERR_LIMIT,
                          "more than %d CRLs and OCSP responses supplied",
                          KYSO_LIMIT_VERIFY_EXTRA_ITEMS);
  for (i = 0; i < o->extra_crl_count + o->extra_ocsp_count; i++) {
    size_t len = i < o->extra_crl_count
                     ? o->extra_crls[i].len
                     : o->extra_ocsps[i - o->extra_crl_count].len;
    if (len > KYSO_LIMIT_VERIFY_EXTRA_SIZE - total)
      return kyso_error_set(err, KYSO_ERR_LIMIT,
                            "supplied revocation data over %zu bytes",
                            KYSO_LIMIT_VERIFY_EXTRA_SIZE);
    total += len;
  }
  d->crls = sk_X509_CRL_new_null();
  d->ocsps = sk_OCSP_RESPONSE_new_null();
  if (!d->crls || !d->ocsps)
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  for (i = 0; i < o->extra_crl_count; i++) {
    const unsigned char *p = o->extra_crls[i].data;
    size_t len = o->extra_crls[i].len;
    X509_CRL *c;
    if (len > KYSO_LIMIT_LTV_CRL_SIZE)
      return kyso_error_set(err, KYSO_ERR_LIMIT,
                            "supplied CRL %zu is over %zu bytes", i + 1,
                            KYSO_LIMIT_LTV_CRL_SIZE);
    c = p && len ? d2i_X509_CRL(NULL, &p, (long)len) : NULL;
    ERR_clear_error();
    if (!c || p != o->extra_crls[i].data + len) {
      X509_CRL_free(c);
      return kyso_error_set(err, KYSO_ERR_ARGUMENT,
                            "supplied CRL %zu is not a DER CRL", i + 1);
    }
    if (!sk_X509_CRL_push(d->crls, c)) {
      X509_CRL_free(c);
      return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    }
  }
  for (i = 0; i < o->extra_ocsp_count; i++) {
    const uint8_t *der = o->extra_ocsps[i].data;
    size_t len = o->extra_ocsps[i].len;
    OCSP_RESPONSE *r;
    if (len > KYSO_LIMIT_LTV_RESPONSE_SIZE)
      return kyso_error_set(err, KYSO_ERR_LIMIT,
                            "supplied OCSP response %zu is over %zu bytes",
                            i + 1, KYSO_LIMIT_LTV_RESPONSE_SIZE);
    r = der && len ? ocsp_from_der(der, (long)len) : NULL;
    ERR_clear_error();
    if (!r) {
      return kyso_error_set(err, KYSO_ERR_ARGUMENT,
                            "supplied OCSP response %zu does not decode",
                            i + 1);
    }
    if (!sk_OCSP_RESPONSE_push(d->ocsps, r)) {
      OCSP_RESPONSE_free(r);
      return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    }
  }
  d->crls_top = sk_X509_CRL_num(d->crls);
  d->ocsps_top = sk_OCSP_RESPONSE_num(d->ocsps);
  return KYSO_OK;
}

void kyso_dss_free(kyso_dss *dss) {
  sk_X509_pop_free(dss->certs, X509_free);
  sk_X509_CRL_pop_free(dss->crls, X509_CRL_free);
  sk_OCSP_RESPONSE_pop_free(dss->ocsps, OCSP_RESPONSE_free);
  dss->certs = NULL;
  dss->crls = NULL;
  dss->ocsps = NULL;
}

/* ---- evidence for one certificate -------------------------------------- */

typedef enum rev_status {
  REV_NONE = 0, /* nothing about this certificate */
  REV_INVALID,  /* data about it, none usable */
  REV_GOOD,     /* a usable CRL or OCSP response says not revoked */
  REV_REVOKED   /* a usable CRL or OCSP response says revoked */
} rev_status;

/* Where an item came from: the file's own data ranks above supplied data
 * when both say the same. */
typedef struct rev_origin {
  const char *name; /* "dss", "dss_vri", "cms", "fetched", "loaded" */
  int supplied;     /* from the caller, not the file */
} rev_origin;

typedef struct rev_finding {
  rev_status status;
  const char *source;        /* "crl" or "ocsp" of the evidence used */
  int64_t this_update;       /* of that evidence */
  int64_t produced_at;       /* OCSP producedAt; a CRL's thisUpdate */
  int64_t revoked_at;        /* REV_REVOKED */
  rev_origin origin;         /* of that evidence */
  const char *invalid;       /* why the first unusable item was refused */
  const char *invalid_type;  /* "crl" or "ocsp" of that item */
  rev_origin invalid_origin; /* and where it came from */
  int ocsp_unknown;          /* a responder answered "unknown" */
} rev_finding;

typedef struct rev_job {
  kyso_verify_ctx *ctx;
  kyso_sig_state *st;
  rev_origin origin; /* of the items being looked at */
  int64_t signing_time;
  int64_t validation_time;
  STACK_OF(X509) *pool; /* borrowed certificates to find OCSP responders */
} rev_job;

static void note_invalid(const rev_job *j, rev_finding *f, const char *type,
                         const char *why) {
  if (f->status == REV_NONE)
    f->status = REV_INVALID;
  if (!f->invalid) {
    f->invalid = why;
    f->invalid_type = type;
    f->invalid_origin = j->origin;
  }
}

/* Keeps the strongest evidence: a revocation (the earliest) over "good"
 * (the file's own over supplied, then the freshest) over nothing usable. */
static void note_status(const rev_job *j, rev_finding *f, rev_status s,
                        const char *source, int64_t this_update,
                        int64_t produced_at, int64_t revoked_at) {
  if (s == REV_REVOKED) {
    if (f->status == REV_REVOKED && f->revoked_at <= revoked_at)
      return;
  } else if (f->status == REV_REVOKED) {
    return;
  } else if (f->status == REV_GOOD) {
    if (j->origin.supplied > f->origin.supplied ||
        (j->origin.supplied == f->origin.supplied &&
         f->this_update >= this_update))
      return;
  }
  f->status = s;
  f->source = source;
  f->this_update = this_update;
  f->produced_at = produced_at;
  f->revoked_at = revoked_at;
  f->origin = j->origin;
}

static void check_crl(rev_job *j, X509_CRL *crl, X509 *cert, X509 *issuer,
                      rev_finding *f) {
  X509_REVOKED *entry = NULL;
  const char *problem;
  int64_t this_update, next_update, revoked_at;
  int found, is_delta, crit = 0;
  void *delta;

  /* A CRL speaks for the certificates of its issuer (direct CRLs only). */
  if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_issuer_name(cert)) !=
          0 ||
      !kyso_crl_covers(crl, cert))
    return;
  if (!issuer) {
    note_invalid(j, f, "crl", "the certificate's issuer is unknown");
    return;
  }
  /* cRLSign and the signature (verify_evidence.c, shared with ltv/) */
  problem = kyso_crl_signer_problem(crl, issuer);
  if (problem) {
    note_invalid(j, f, "crl", problem);
    return;
  }
  if (kyso_time_from_asn1(X509_CRL_get0_lastUpdate(crl), &this_update) != 0 ||
      this_update > j->validation_time + KYSO_LTV_CLOCK_SKEW) {
    note_invalid(j, f, "crl",
                 "CRL thisUpdate unreadable or after the validation time");
    return;
  }
  delta = X509_CRL_get_ext_d2i(crl, NID_delta_crl, &crit, NULL);
  is_delta = delta != NULL || crit != -1;
  ASN1_INTEGER_free(delta);
  found = X509_CRL_get0_by_cert(crl, &entry, cert);
  if (found == 1 && entry) {
    if (kyso_time_from_asn1(X509_REVOKED_get0_revocationDate(entry),
                            &revoked_at) != 0) {
      note_invalid(j, f, "crl", "CRL entry has an unreadable revocation date");
      return;
    }
    note_status(j, f, REV_REVOKED, "crl", this_update, this_update, revoked_at);
    return;
  }
  if (is_delta) {
    note_invalid(j, f, "crl",
                 "a delta CRL alone cannot show a certificate is good");
    return;
  }
  /* "Not listed" speaks for the signing time only if the CRL was still
   * current then (nextUpdate, RFC 5280 5.1.2.5). */
  if (X509_CRL_get0_nextUpdate(crl) &&
      (kyso_time_from_asn1(X509_CRL_get0_nextUpdate(crl), &next_update) != 0 ||
       next_update < j->signing_time)) {
    note_invalid(j, f, "crl", "CRL expired before the signing time");
    return;
  }
  note_status(j, f, REV_GOOD, "crl", this_update, this_update, 0);
}

/* Whether the response's signer may answer for issuer's certificates:
 * the issuer, or a responder it delegated, found among the response's
 * certificates and those we hold (verify_evidence.c, shared with ltv/). */
static const char *ocsp_signer_problem(rev_job *j, OCSP_BASICRESP *bs,
                                       X509 *issuer) {
  return kyso_ocsp_signer_problem(bs, issuer, j->pool, NULL, NULL, NULL);
}

static void check_ocsp(rev_job *j, OCSP_RESPONSE *resp, X509 *cert,
                       X509 *issuer, rev_finding *f) {
  OCSP_BASICRESP *bs = NULL;
  OCSP_SINGLERESP *single;
  ASN1_GENERALIZEDTIME *revtime = NULL, *thisupd = NULL, *nextupd = NULL;
  int64_t this_update, next_update, revoked_at, produced;
  int status, reason, serial_match = 0;
  const char *problem;

  if (OCSP_response_status(resp) != OCSP_RESPONSE_STATUS_SUCCESSFUL ||
      (bs = OCSP_response_get1_basic(resp)) == NULL)
    goto done;
  single = kyso_ocsp_find_single(bs, cert, issuer, &serial_match);
  if (!single) {
    if (serial_match && !issuer)
      note_invalid(j, f, "ocsp", "the certificate's issuer is unknown");
    goto done;
  }
  problem = ocsp_signer_problem(j, bs, issuer);
  if (problem) {
    note_invalid(j, f, "ocsp", problem);
    goto done;
  }
  status =
      OCSP_single_get0_status(single, &reason, &revtime, &thisupd, &nextupd);
  if (kyso_time_from_asn1(OCSP_resp_get0_produced_at(bs), &produced) != 0)
    produced = 0;
  if (!thisupd || kyso_time_from_asn1(thisupd, &this_update) != 0 ||
      this_update > j->validation_time + KYSO_LTV_CLOCK_SKEW) {
    note_invalid(j, f, "ocsp",
                 "OCSP thisUpdate unreadable or after the validation time");
    goto done;
  }
  if (status == V_OCSP_CERTSTATUS_REVOKED) {
    if (!revtime || kyso_time_from_asn1(revtime, &revoked_at) != 0)
      note_invalid(j, f, "ocsp", "OCSP revocation time unreadable");
    else
      note_status(j, f, REV_REVOKED, "ocsp", this_update, produced, revoked_at);
  } else if (status == V_OCSP_CERTSTATUS_GOOD) {
    if (nextupd && (kyso_time_from_asn1(nextupd, &next_update) != 0 ||
                    next_update < j->signing_time))
      note_invalid(j, f, "ocsp",
                   "OCSP response expired before the signing time");
    else
      note_status(j, f, REV_GOOD, "ocsp", this_update, produced, 0);
  } else {
    f->ocsp_unknown = 1; /* the responder does not know the certificate */
  }
done:
  OCSP_BASICRESP_free(bs);
  ERR_clear_error();
}

/* Every item about cert: the DSS (its own arrays, then what only /VRI
 * lists), adbe-revocationInfoArchival, then the caller's. */
static void find_evidence(rev_job *j, X509 *cert, X509 *issuer,
                          rev_finding *f) {
  const rev_origin dss = {"dss", 0}, vri = {"dss_vri", 0}, cms = {"cms", 0};
  const rev_origin extra = {
      j->ctx->options && j->ctx->options->extra_fetched ? "fetched" : "loaded",
      1};
  STACK_OF(X509_CRL) *crls[3];
  STACK_OF(OCSP_RESPONSE) *ocsps[3];
  int s, i;

  memset(f, 0, sizeof(*f));
  crls[0] = j->ctx->dss.crls;
  crls[1] = j->st->archived_crls;
  crls[2] = j->ctx->extra.crls;
  ocsps[0] = j->ctx->dss.ocsps;
  ocsps[1] = j->st->archived_ocsps;
  ocsps[2] = j->ctx->extra.ocsps;
  for (s = 0; s < 3; s++) {
    for (i = 0; crls[s] && i < sk_X509_CRL_num(crls[s]); i++) {
      j->origin = s == 2                     ? extra
                  : s == 1                   ? cms
                  : i < j->ctx->dss.crls_top ? dss
                                             : vri;
      check_crl(j, sk_X509_CRL_value(crls[s], i), cert, issuer, f);
    }
    for (i = 0; ocsps[s] && i < sk_OCSP_RESPONSE_num(ocsps[s]); i++) {
      j->origin = s == 2                      ? extra
                  : s == 1                    ? cms
                  : i < j->ctx->dss.ocsps_top ? dss
                                              : vri;
      check_ocsp(j, sk_OCSP_RESPONSE_value(ocsps[s], i), cert, issuer, f);
    }
  }
}

/* ---- the check --------------------------------------------------------- */

/* The outcome for one certificate, ranked: higher is worse. */
typedef struct rev_outcome {
  int rank;
  kyso_check_result result;
  const char *reason;
} rev_outcome;

static rev_outcome judge(const rev_job *j, const rev_finding *f, int is_ca) {
  rev_outcome o = {0, KYSO_RESULT_PASSED, "ok"};
  if (f->status == REV_REVOKED) {
    if (f->revoked_at <= j->signing_time)
      o = (rev_outcome){5, KYSO_RESULT_FAILED, "revoked"};
    else if (j->st->time_proven)
      o = (rev_outcome){1, KYSO_RESULT_PASSED, "revoked_after_signing"};
    else
      o = (rev_outcome){4, KYSO_RESULT_INDETERMINATE, "revoked_no_poe"};
  } else if (f->status == REV_INVALID) {
    o = (rev_outcome){3, KYSO_RESULT_INDETERMINATE, "revocation_data_invalid"};
  } else if (f->status == REV_NONE && (!is_ca || REQUIRE_CA_REVOCATION_DATA)) {
    o = (rev_outcome){2, KYSO_RESULT_INDETERMINATE, "revocation_unknown"};
  }
  return o;
}

/* One certificate's part of the detail, appended to out. */
static void describe(const rev_finding *f, X509 *cert, int is_ca, char *out,
                     size_t size) {
  char name[KYSO_PATH_NAME_MAX], t1[32], t2[32];
  size_t used = strlen(out);
  const char *sep = used ? "; " : "";

  kyso_name_short(X509_get_subject_name(cert), name, sizeof(name));
  switch (f->status) {
  case REV_REVOKED:
    kyso_time_format_utc(f->revoked_at, t1);
    kyso_time_format_utc(f->this_update, t2);
    snprintf(out + used, size - used,
             "%s'%s' revoked at %s (%s%s%s, thisUpdate %s)", sep, name, t1,
             f->source, f->origin.supplied ? " " : "",
             f->origin.supplied ? f->origin.name : "", t2);
    break;
  case REV_GOOD:
    kyso_time_format_utc(f->this_update, t2);
    snprintf(out + used, size - used,
             "%s'%s' not revoked (%s%s%s, thisUpdate %s)", sep, name, f->source,
             f->origin.supplied ? " " : "",
             f->origin.supplied ? f->origin.name : "", t2);
    break;
  case REV_INVALID:
    snprintf(out + used, size - used, "%s'%s': %s%s%s%s", sep, name, f->invalid,
             f->invalid_origin.supplied ? " (" : "",
             f->invalid_origin.supplied ? f->invalid_origin.name : "",
             f->invalid_origin.supplied ? ")" : "");
    break;
  default:
    snprintf(out + used, size - used, "%s'%s': no revocation data%s%s", sep,
             name, f->ocsp_unknown ? " (OCSP answered unknown)" : "",
             is_ca && !REQUIRE_CA_REVOCATION_DATA ? " (not required for a CA)"
                                                  : "");
    break;
  }
}

/* One certificate's entry of the report's revocation_evidence; -1 when
 * memory runs out. */
static int record(kyso_report *report, kyso_rev_evidence *e,
                  const rev_finding *f, X509 *cert, int is_ca) {
  static const char *const status_names[] = {"none", "invalid", "good",
                                             "revoked"};
  char name[KYSO_PATH_NAME_MAX];
  BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
  char *hex = bn ? BN_bn2hex(bn) : NULL; /* upper case */
  int ret = 0;

  kyso_name_short(X509_get_subject_name(cert), name, sizeof(name));
  e->certificate = kyso_report_strdup(report, name);
  e->serial = kyso_report_strdup(report, hex ? hex : "");
  if (!e->certificate || !e->serial)
    ret = -1;
  e->is_ca = is_ca;
  e->status = status_names[f->status];
  if (f->status == REV_GOOD || f->status == REV_REVOKED) {
    e->type = f->source;
    e->source = f->origin.name;
    e->has_this_update = 1;
    e->this_update = f->this_update;
    e->has_produced_at = f->produced_at != 0;
    e->produced_at = f->produced_at;
    e->has_revoked_at = f->status == REV_REVOKED;
    e->revoked_at = f->revoked_at;
  } else if (f->status == REV_INVALID) {
    e->type = f->invalid_type;
    e->source = f->invalid_origin.name;
  }
  OPENSSL_free(hex);
  BN_free(bn);
  return ret;
}

/* The signer's issuer when no path to an anchor exists: any certificate we
 * hold that issued it (so its revocation data can still be checked). */
static X509 *find_issuer(rev_job *j, X509 *cert) {
  int i;
  for (i = 0; i < sk_X509_num(j->pool); i++) {
    X509 *c = sk_X509_value(j->pool, i);
    if (X509_check_issued(c, cert) == X509_V_OK &&
        X509_verify(cert, X509_get0_pubkey(c)) == 1)
      return c;
  }
  ERR_clear_error();
  return NULL;
}

/* Certificates below the trust anchor: the path's first certificate that
 * is an anchor ends it (OpenSSL may go on from a trusted sub-CA to a
 * trusted root; the sub-CA is where trust starts). */
static int anchor_index(kyso_verify_ctx *ctx, STACK_OF(X509) *path) {
  int i, k, n = sk_X509_num(path) - 1;
  for (i = 0; i < n && i < KYSO_LIMIT_CHAIN; i++)
    for (k = 0; ctx->anchors && k < sk_X509_num(ctx->anchors); k++)
      if (X509_cmp(sk_X509_value(path, i), sk_X509_value(ctx->anchors, k)) == 0)
        return i;
  return n;
}

static int pool_add(STACK_OF(X509) *pool, STACK_OF(X509) *from) {
  int i;
  for (i = 0; from && i < sk_X509_num(from); i++)
    if (!sk_X509_push(pool, sk_X509_value(from, i)))
      return -1;
  return 0;
}

kyso_status kyso_verify_revocation(kyso_verify_ctx *ctx, kyso_sig_state *st,
                                   kyso_error *err) {
  kyso_status ret = KYSO_OK;
  kyso_check *c;
  STACK_OF(X509) *path = NULL;
  kyso_path_result pr;
  rev_job j;
  rev_outcome worst = {0, KYSO_RESULT_PASSED, "ok"};
  kyso_sig_report *rep = st->rep;
  char detail[480];
  int i, n, oom = 0;

  if (!st->signer)
    return KYSO_OK;
  c = &st->rep->checks[KYSO_CHECK_REVOCATION];
  memset(&j, 0, sizeof(j));
  j.ctx = ctx;
  j.st = st;
  j.signing_time = st->signing_time;
  j.validation_time = ctx->options ? ctx->options->validation_time
                                   : ctx->report->validation_time;
  j.pool = sk_X509_new_null();
  if (!j.pool || pool_add(j.pool, st->cms_certs) ||
      pool_add(j.pool, ctx->dss.certs) ||
      pool_add(j.pool, ctx->intermediates) || pool_add(j.pool, ctx->anchors)) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  detail[0] = '\0';
  /* The path tells each certificate's issuer; an expired certificate still
   * has one (kyso_verify_path_ex keeps the path). */
  kyso_verify_path_ex(ctx, st->signer, st->cms_certs, st->signing_time,
                      X509_PURPOSE_ANY, &path, &pr);
  if (path) {
    n = anchor_index(ctx, path);
    if (n <= 0)
      snprintf(detail, sizeof(detail),
               "the signer certificate is itself a trust anchor");
    if (n > KYSO_LIMIT_CHAIN)
      n = KYSO_LIMIT_CHAIN;
    if (n > 0)
      rep->evidence = kyso_arena_calloc(&ctx->report->arena, (size_t)n,
                                        sizeof(*rep->evidence));
    oom = n > 0 && !rep->evidence;
    for (i = 0; i < n && !oom; i++) {
      rev_finding f;
      rev_outcome o;
      X509 *cert = sk_X509_value(path, i);
      find_evidence(&j, cert, sk_X509_value(path, i + 1), &f);
      o = judge(&j, &f, i > 0);
      describe(&f, cert, i > 0, detail, sizeof(detail));
      oom = record(ctx->report, &rep->evidence[i], &f, cert, i > 0) != 0;
      rep->evidence_count = (size_t)i + 1;
      if (o.rank > worst.rank)
        worst = o;
    }
  } else {
    rev_finding f;
    find_evidence(&j, st->signer, find_issuer(&j, st->signer), &f);
    worst = judge(&j, &f, 0);
    describe(&f, st->signer, 0, detail, sizeof(detail));
    rep->evidence =
        kyso_arena_calloc(&ctx->report->arena, 1, sizeof(*rep->evidence));
    oom = !rep->evidence ||
          record(ctx->report, rep->evidence, &f, st->signer, 0) != 0;
    rep->evidence_count = rep->evidence ? 1 : 0;
  }
  if (oom) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  kyso_check_set(ctx->report, c, worst.result, worst.reason, "%s", detail);
done:
  sk_X509_pop_free(path, X509_free);
  sk_X509_free(j.pool);
  ERR_clear_error();
  return ret;
}

/* ---- for kyso_ltv_collect (ltv/ltv_hook.h) ------------------------------ */

int kyso_revocation_good(kyso_verify_ctx *ctx, kyso_sig_state *st, X509 *cert,
                         X509 *issuer, int64_t t) {
  rev_job j;
  rev_finding f;
  int good = 0;

  if (!cert || !issuer || !st)
    return 0;
  memset(&j, 0, sizeof(j));
  j.ctx = ctx;
  j.st = st;
  j.signing_time = t;
  j.validation_time = ctx->options ? ctx->options->validation_time
                                   : ctx->report->validation_time;
  j.pool = sk_X509_new_null();
  if (j.pool && !pool_add(j.pool, st->cms_certs) &&
      !pool_add(j.pool, ctx->dss.certs) &&
      !pool_add(j.pool, ctx->intermediates) &&
      !pool_add(j.pool, ctx->anchors)) {
    find_evidence(&j, cert, issuer, &f);
    good = f.status == REV_GOOD;
  }
  sk_X509_free(j.pool);
  ERR_clear_error();
  return good;
}
