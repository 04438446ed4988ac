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
 * The time T "not revoked" must speak for is the signing time when a valid
 * signature timestamp proves it, else the validation time (ETSI EN 319
 * 102-1 5.3.4: without proof of existence the best-signature-time is now;
 * validity is still judged at the claimed time, verify_chain.c). A "not
 * revoked" answer counts when it was current at T (thisUpdate <= T <=
 * nextUpdate, RFC 5280's current CRL) or issued after T (thisUpdate >=
 * T - KYSO_LTV_CLOCK_SKEW); without nextUpdate only the latter: such an
 * answer proves the status at its thisUpdate alone (good_not_current).
 * A revocation's time is the revocationDate, or for keyCompromise and
 * cACompromise the invalidityDate when earlier (RFC 5280 5.3.2). The TSA
 * paths of timestamps are judged with the same evidence at genTime
 * (kyso_revocation_tsa).
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
 * Bounded work on hostile data (kyso/limits.h): DSS items past the size
 * limits are left out (and counted in the detail); a DSS CRL's issuer Name
 * is read from its DER and the CRL decoded only when a certificate of that
 * issuer is judged; signature checks of revocation data spend from one
 * budget per verification (KYSO_LIMIT_REVOCATION_KEY_OPS), their verdicts
 * kept per (item, issuer). Over a limit, data is not used: never an error
 * for the document.
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
#include "cms/der_read.h"
#include "kyso/dss.h"
#include "kyso/limits.h"
#include "kyso/ltv.h"
#include "ltv/ltv_hook.h"
#include "verify/verify_chain.h"
#include "verify/verify_evidence.h"

/* Items read per kind: KYSO_DSS_ITEMS_MAX (kyso/dss.h), the bound the
 * writer keeps. Their sizes: KYSO_LIMIT_VERIFY_CRL_SIZE, _DSS_SIZE and
 * _DSS_OCSP_SIZE (kyso/limits.h), KYSO_LIMIT_LTV_RESPONSE_SIZE for one
 * OCSP response and KYSO_LIMIT_LTV_CERT_SIZE for one certificate. */
enum {
  /* Entries walked in one DSS array, and /VRI entries walked. */
  DSS_ARRAY_WALK_MAX = 4 * KYSO_DSS_ITEMS_MAX,
  DSS_VRI_MAX = 1000,
  /* A CRL's issuer Name read before the CRL is decoded (real ones are
   * under 1 KiB). */
  CRL_NAME_SIZE_MAX = 8 * 1024,
  /* Signature verdicts kept per (item, issuer). */
  VERDICTS_MAX = 4 * KYSO_LIMIT_REVOCATION_KEY_OPS
};

/* One CRL of the DSS: its DER until decoded, its issuer Name (read from
 * the DER without decoding the CRL), the CRL once a certificate of that
 * issuer is judged. A million-entry CRL naming nobody on a path costs its
 * bytes, never OpenSSL's structures for every entry. */
struct kyso_crl_item {
  uint8_t *der;
  size_t len;
  X509_NAME *issuer;
  X509_CRL *crl;
  int failed; /* signed by the issuer, yet does not decode */
  int vri_only;
};

/* A signature verdict on one item for one issuer (by the SHA-256 of its
 * certificate): the problem, NULL when it verified. */
struct kyso_rev_verdict {
  const void *item;
  unsigned char issuer[32];
  const char *problem;
};

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
  size_t total;       /* decoded bytes so far (all kinds) */
  size_t ocsp_total;  /* of them OCSP responses */
  int vri;            /* reading /VRI entries */
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
  case DSS_CRL: return d->crl_item_count;
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

/* The issuer Name of a DER CertificateList (RFC 5280 5.1), read without
 * decoding the CRL; NULL when that part is not DER. */
static X509_NAME *crl_issuer_name(const uint8_t *der, size_t len) {
  kyso_blob d = {der, len}, list, tbs, content, whole;
  const unsigned char *p;
  uint8_t tag;

  if (kyso_der_read_expect(&d, 0x30, &list) != 0 ||
      kyso_der_read_expect(&list, 0x30, &tbs) != 0 ||
      kyso_der_read(&tbs, &tag, &content, NULL) != 0)
    return NULL;
  if (tag == 0x02 && kyso_der_read(&tbs, &tag, &content, NULL) != 0)
    return NULL; /* version, then signature */
  if (tag != 0x30 || kyso_der_read(&tbs, &tag, &content, &whole) != 0 ||
      tag != 0x30 || whole.len > CRL_NAME_SIZE_MAX)
    return NULL;
  p = whole.data;
  return d2i_X509_NAME(NULL, &p, (long)whole.len);
}

/* Keeps a CRL's DER (taken from data) with its issuer Name; one whose
 * Name cannot be read is left out. */
static void add_crl(dss_reader *r, kyso_buf *data) {
  kyso_dss *d = &r->ctx->dss;
  kyso_crl_item *grown, *it;
  uint8_t *grown_der;
  X509_NAME *name = crl_issuer_name(data->data, data->len);

  ERR_clear_error();
  if (!name) {
    d->left_out++;
    return;
  }
  grown = realloc(d->crl_items, ((size_t)d->crl_item_count + 1) * sizeof(*it));
  if (!grown) {
    X509_NAME_free(name);
    r->status = KYSO_ERR_NO_MEMORY;
    return;
  }
  d->crl_items = grown;
  it = &d->crl_items[d->crl_item_count++];
  memset(it, 0, sizeof(*it));
  it->der = data->data; /* taken, at its length */
  grown_der = realloc(data->data, data->len);
  if (grown_der)
    it->der = grown_der;
  it->len = data->len;
  it->issuer = name;
  it->vri_only = r->vri;
  kyso_buf_init(data);
}

/* Decodes one DER item into its stack; undecodable items are skipped. */
static void add_item(dss_reader *r, dss_kind kind, kyso_buf *data) {
  kyso_dss *d = &r->ctx->dss;
  const unsigned char *p = data->data;
  long len = (long)data->len;
  int ok = 0;

  if (data->len == 0)
    return;
  if (kind == DSS_CERT) {
    X509 *x = d2i_X509(NULL, &p, len);
    if (x && (d->certs || (d->certs = sk_X509_new_null()) != NULL))
      ok = sk_X509_push(d->certs, x) > 0;
    if (!ok)
      X509_free(x);
  } else if (kind == DSS_CRL) {
    add_crl(r, data);
  } else {
    OCSP_RESPONSE *o = ocsp_from_der(data->data, len);
    if (o && (d->ocsps || (d->ocsps = sk_OCSP_RESPONSE_new_null()) != NULL))
      ok = sk_OCSP_RESPONSE_push(d->ocsps, o) > 0;
    if (!ok)
      OCSP_RESPONSE_free(o);
  }
  ERR_clear_error();
}

/* The most one item of kind may decode to, given what was read. */
static size_t item_limit(const dss_reader *r, dss_kind kind) {
  size_t left = KYSO_LIMIT_VERIFY_DSS_SIZE - r->total, cap;
  if (kind == DSS_CRL)
    cap = KYSO_LIMIT_VERIFY_CRL_SIZE;
  else if (kind == DSS_CERT)
    cap = KYSO_LIMIT_LTV_CERT_SIZE;
  else
    cap = KYSO_LIMIT_VERIFY_DSS_OCSP_SIZE - r->ocsp_total <
                  KYSO_LIMIT_LTV_RESPONSE_SIZE
              ? KYSO_LIMIT_VERIFY_DSS_OCSP_SIZE - r->ocsp_total
              : KYSO_LIMIT_LTV_RESPONSE_SIZE;
  return cap < left ? cap : left;
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
    kyso_status decoded;
    size_t limit;

    if (kyso_obj_is(item, KYSO_OBJ_REF)) {
      uint32_t num = item->u.ref.num;
      if (num >= pdf->xref_count || kyso_bits_test_and_set(r->seen, num))
        continue; /* missing, or already read (VRI repeats /Certs...) */
    }
    if (soft_fail(r, kyso_pdf_resolve(pdf, item, &stm, &scratch)) ||
        !kyso_obj_is(stm, KYSO_OBJ_STREAM))
      continue;
    kyso_buf_init(&data);
    limit = item_limit(r, kind);
    decoded = kyso_pdf_stream_decode(pdf, stm, limit, &data, &scratch);
    if (!soft_fail(r, decoded)) {
      r->total += data.len;
      if (kind == DSS_OCSP)
        r->ocsp_total += data.len;
      add_item(r, kind, &data);
    } else if (r->status == KYSO_OK) {
      /* Over its size limit or unreadable: not used, and said so in the
       * revocation detail. What was inflated counts (the work is done). */
      size_t spent = decoded == KYSO_ERR_LIMIT ? limit : data.len;
      r->total += spent;
      if (kind == DSS_OCSP)
        r->ocsp_total += spent;
      if (kind != DSS_CERT)
        r->ctx->dss.left_out++;
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
  ctx->dss.key_budget.limit = KYSO_LIMIT_REVOCATION_KEY_OPS;
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
  r.vri = 1;
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
  int i;
  for (i = 0; i < dss->crl_item_count; i++) {
    free(dss->crl_items[i].der);
    X509_NAME_free(dss->crl_items[i].issuer);
    X509_CRL_free(dss->crl_items[i].crl);
  }
  free(dss->crl_items);
  free(dss->verdicts);
  dss->crl_items = NULL;
  dss->crl_item_count = 0;
  dss->verdicts = NULL;
  dss->verdict_count = dss->verdict_cap = 0;
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
  int64_t revoked_at;        /* REV_REVOKED: the earlier of revocationDate
                                and, for keyCompromise / cACompromise, the
                                invalidityDate */
  int revoked_reason;        /* REV_REVOKED: CRLReason, -1 none */
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
  /* The time "not revoked" must speak for: the signing time when a
   * timestamp proves it, else the validation time (ETSI EN 319 102-1
   * 5.3.4: without proof of existence the best-signature-time is the
   * current time). */
  int64_t status_time;
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
                        int64_t produced_at, int64_t revoked_at, int reason) {
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
  f->revoked_reason = s == REV_REVOKED ? reason : -1;
  f->origin = j->origin;
}

/*
 * Whether a "not revoked" answer speaks for j->status_time T (RFC 5280
 * 5.1.2.4-5 and RFC 6960 4.2.2.1): issued after T (thisUpdate >= T - skew:
 * revocation is for good, so "not revoked" then means not revoked at T),
 * or current at T (thisUpdate <= T <= nextUpdate). An answer without
 * nextUpdate says nothing of any time but its own thisUpdate, so it counts
 * only when issued after T. NULL when it counts, else why not.
 */
static const char *good_not_current(const rev_job *j, int crl, int has_next,
                                    int64_t this_update, int64_t next_update) {
  static const char *const why[2][2][2] = {
      /* [crl][has_next][proven] */
      {{"OCSP response without nextUpdate issued before the validation time "
        "(no timestamp)",
        "OCSP response without nextUpdate issued before the signing time"},
       {"OCSP response expired before the validation time (no timestamp)",
        "OCSP response expired before the signing time"}},
      {{"CRL without nextUpdate issued before the validation time (no "
        "timestamp)",
        "CRL without nextUpdate issued before the signing time"},
       {"CRL expired before the validation time (no timestamp)",
        "CRL expired before the signing time"}}};
  if (this_update >= j->status_time - KYSO_LTV_CLOCK_SKEW)
    return NULL;
  if (has_next && next_update >= j->status_time)
    return NULL;
  return why[crl != 0][has_next != 0][j->st && j->st->time_proven];
}

/* RFC 5280 5.3.2: the key was compromised from invalidityDate on; for a
 * key (or CA) compromise that earlier time is when it stopped being
 * trustworthy. */
static int64_t revoked_time(int64_t revoked_at, int reason,
                            const ASN1_GENERALIZEDTIME *invalidity) {
  int64_t t;
  if ((reason == 1 || reason == 2) && invalidity &&
      kyso_time_from_asn1(invalidity, &t) == 0 && t < revoked_at)
    return t;
  return revoked_at;
}

/* ---- signature verdicts, kept per (item, issuer) ------------------------ */

/* Items that live as long as the verification (the DSS's, the caller's)
 * are cached; adbe-revocationInfoArchival items live with one signature. */
static int cacheable(const rev_job *j) {
  return strcmp(j->origin.name, "cms") != 0;
}

static const kyso_rev_verdict *verdict_find(const kyso_dss *d, const void *item,
                                            const unsigned char key[32]) {
  size_t i;
  for (i = 0; i < d->verdict_count; i++)
    if (d->verdicts[i].item == item &&
        memcmp(d->verdicts[i].issuer, key, 32) == 0)
      return &d->verdicts[i];
  return NULL;
}

static void verdict_keep(kyso_dss *d, const void *item,
                         const unsigned char key[32], const char *problem) {
  kyso_rev_verdict *v;
  if (problem == KYSO_EVIDENCE_OVER_BUDGET || d->verdict_count >= VERDICTS_MAX)
    return;
  if (d->verdict_count == d->verdict_cap) {
    size_t cap = d->verdict_cap ? 2 * d->verdict_cap : 16;
    v = realloc(d->verdicts, cap * sizeof(*v));
    if (!v)
      return; /* not kept: judged again next time */
    d->verdicts = v;
    d->verdict_cap = cap;
  }
  v = &d->verdicts[d->verdict_count++];
  v->item = item;
  memcpy(v->issuer, key, 32);
  v->problem = problem;
}

/* The key of a verdict: the issuer certificate's SHA-256 (its key and its
 * keyUsage both count). 0 when it cannot be computed. */
static int verdict_key(X509 *issuer, unsigned char key[32]) {
  unsigned int len = 0;
  return X509_digest(issuer, EVP_sha256(), key, &len) == 1 && len == 32;
}

/* Whether crl is issuer's and usable: cRLSign and signature, then what a
 * CRL must not carry (the ltv check's rule). */
static const char *crl_problem(rev_job *j, X509_CRL *crl, X509 *issuer) {
  kyso_dss *d = &j->ctx->dss;
  const kyso_rev_verdict *v;
  const char *problem;
  unsigned char key[32];
  int keyed = cacheable(j) && verdict_key(issuer, key);

  if (keyed && (v = verdict_find(d, crl, key)) != NULL)
    return v->problem;
  problem = kyso_crl_signer_problem_b(crl, issuer, &d->key_budget);
  if (!problem)
    problem = kyso_crl_extensions_problem(crl, NULL);
  if (keyed)
    verdict_keep(d, crl, key, problem);
  return problem;
}

/* Whether bs's signer may answer for issuer's certificates: the issuer, or
 * a responder it delegated, found among the response's certificates and
 * those we hold (verify_evidence.c, shared with ltv/). */
static const char *ocsp_problem(rev_job *j, OCSP_RESPONSE *resp,
                                OCSP_BASICRESP *bs, X509 *issuer) {
  kyso_dss *d = &j->ctx->dss;
  const kyso_rev_verdict *v;
  const char *problem;
  unsigned char key[32];
  int keyed = cacheable(j) && verdict_key(issuer, key);

  if (keyed && (v = verdict_find(d, resp, key)) != NULL)
    return v->problem;
  problem = kyso_ocsp_signer_problem_b(bs, issuer, j->pool, NULL, NULL, NULL,
                                       &d->key_budget);
  if (keyed)
    verdict_keep(d, resp, key, problem);
  return problem;
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
  /* cRLSign, the signature, critical extensions and indirect entries
   * (verify_evidence.c, shared with ltv/), judged once per issuer. */
  problem = crl_problem(j, crl, issuer);
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
    ASN1_ENUMERATED *code;
    ASN1_GENERALIZEDTIME *invalidity;
    int reason = -1;
    if (kyso_time_from_asn1(X509_REVOKED_get0_revocationDate(entry),
                            &revoked_at) != 0) {
      note_invalid(j, f, "crl", "CRL entry has an unreadable revocation date");
      return;
    }
    code = X509_REVOKED_get_ext_d2i(entry, NID_crl_reason, NULL, NULL);
    if (code)
      reason = (int)ASN1_ENUMERATED_get(code);
    ASN1_ENUMERATED_free(code);
    invalidity =
        X509_REVOKED_get_ext_d2i(entry, NID_invalidity_date, NULL, NULL);
    revoked_at = revoked_time(revoked_at, reason, invalidity);
    ASN1_GENERALIZEDTIME_free(invalidity);
    note_status(j, f, REV_REVOKED, "crl", this_update, this_update, revoked_at,
                reason);
    return;
  }
  if (is_delta) {
    note_invalid(j, f, "crl",
                 "a delta CRL alone cannot show a certificate is good");
    return;
  }
  /* "Not listed" speaks for the time judged at only if the CRL was
   * current then or issued after it (good_not_current). */
  next_update = 0;
  if (X509_CRL_get0_nextUpdate(crl) &&
      kyso_time_from_asn1(X509_CRL_get0_nextUpdate(crl), &next_update) != 0) {
    note_invalid(j, f, "crl", "CRL nextUpdate unreadable");
    return;
  }
  problem = good_not_current(j, 1, X509_CRL_get0_nextUpdate(crl) != NULL,
                             this_update, next_update);
  if (problem) {
    note_invalid(j, f, "crl", problem);
    return;
  }
  note_status(j, f, REV_GOOD, "crl", this_update, this_update, 0, -1);
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
  /* Every SingleResponse about cert: "revoked" wins over "good" (two
   * contradicting answers in one signed response count as a revocation). */
  single = kyso_ocsp_find_single_ex(bs, cert, issuer, &serial_match, NULL);
  if (!single) {
    if (serial_match && !issuer)
      note_invalid(j, f, "ocsp", "the certificate's issuer is unknown");
    goto done;
  }
  problem = ocsp_problem(j, resp, bs, issuer);
  if (!problem)
    problem = kyso_ocsp_extensions_problem(bs, single);
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
    if (!revtime || kyso_time_from_asn1(revtime, &revoked_at) != 0) {
      note_invalid(j, f, "ocsp", "OCSP revocation time unreadable");
    } else {
      ASN1_GENERALIZEDTIME *invalidity =
          OCSP_SINGLERESP_get1_ext_d2i(single, NID_invalidity_date, NULL, NULL);
      revoked_at = revoked_time(revoked_at, reason, invalidity);
      ASN1_GENERALIZEDTIME_free(invalidity);
      note_status(j, f, REV_REVOKED, "ocsp", this_update, produced, revoked_at,
                  reason);
    }
  } else if (status == V_OCSP_CERTSTATUS_GOOD) {
    next_update = 0;
    if (nextupd && kyso_time_from_asn1(nextupd, &next_update) != 0)
      problem = "OCSP nextUpdate unreadable";
    else
      problem =
          good_not_current(j, 0, nextupd != NULL, this_update, next_update);
    if (problem)
      note_invalid(j, f, "ocsp", problem);
    else
      note_status(j, f, REV_GOOD, "ocsp", this_update, produced, 0, -1);
  } else {
    f->ocsp_unknown = 1; /* the responder does not know the certificate */
  }
done:
  OCSP_BASICRESP_free(bs);
  ERR_clear_error();
}

static unsigned long crl_decodes_total;

unsigned long kyso_dss_crl_decodes_total(void) {
  return crl_decodes_total;
}

/* The i-th CRL of the DSS when its issuer is cert's, decoded on first
 * use once its signature verifies with issuer's key over its DER (its DER
 * is then let go); NULL for another issuer, and with *why set when it is
 * this issuer's name but not usable (no issuer, a bad signature, does not
 * decode). A CRL naming the issuer without its signature costs one
 * signature check over its bytes, never OpenSSL's structures. */
static X509_CRL *dss_crl(rev_job *j, int i, X509 *cert, X509 *issuer,
                         const char **why) {
  kyso_dss *d = &j->ctx->dss;
  kyso_crl_item *it = &d->crl_items[i];
  const kyso_rev_verdict *v;
  const unsigned char *p;
  unsigned char key[32];
  const char *problem;

  *why = NULL;
  if (X509_NAME_cmp(it->issuer, X509_get_issuer_name(cert)) != 0)
    return NULL;
  if (it->crl)
    return it->crl;
  if (it->failed)
    return NULL;
  if (!issuer) {
    *why = "the certificate's issuer is unknown";
    return NULL;
  }
  if (!verdict_key(issuer, key))
    return NULL;
  v = verdict_find(d, it, key);
  problem =
      v ? v->problem
        : kyso_crl_der_signer_problem(it->der, it->len, issuer, &d->key_budget);
  if (!v)
    verdict_keep(d, it, key, problem);
  if (problem) {
    *why = problem;
    return NULL;
  }
  p = it->der;
  crl_decodes_total++;
  it->crl = d2i_X509_CRL(NULL, &p, (long)it->len);
  ERR_clear_error();
  if (!it->crl) {
    it->failed = 1;
    *why = "CRL does not decode";
    return NULL;
  }
  d->crl_decoded += it->len;
  free(it->der);
  it->der = NULL;
  /* Signed by issuer (checked above): what remains to judge once. */
  verdict_keep(d, it->crl, key, kyso_crl_extensions_problem(it->crl, NULL));
  return it->crl;
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
  crls[0] = j->ctx->dss.crls; /* decoded ones given directly (tests); the
                                DSS's own are crl_items, below */
  crls[1] = j->st->archived_crls;
  crls[2] = j->ctx->extra.crls;
  ocsps[0] = j->ctx->dss.ocsps;
  ocsps[1] = j->st->archived_ocsps;
  ocsps[2] = j->ctx->extra.ocsps;
  for (s = 0; s < 3; s++) {
    for (i = 0; s == 0 && i < j->ctx->dss.crl_item_count; i++) {
      const char *why;
      X509_CRL *crl;
      j->origin = j->ctx->dss.crl_items[i].vri_only ? vri : dss;
      crl = dss_crl(j, i, cert, issuer, &why);
      if (crl)
        check_crl(j, crl, cert, issuer, f);
      else if (why)
        note_invalid(j, f, "crl", why);
    }
    for (i = 0; crls[s] && i < sk_X509_CRL_num(crls[s]); i++) {
      j->origin = s == 2 ? extra : s == 1 ? cms : dss;
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
  j.status_time = st->time_proven ? st->signing_time : j.validation_time;
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
  /* Evidence not judged — DSS items past the size limits
   * (KYSO_LIMIT_VERIFY_*) or unreadable, signature checks past
   * KYSO_LIMIT_REVOCATION_KEY_OPS — could be the revocation that matters:
   * padding a file with junk before a CA's revocation must not hide it.
   * So "not revoked" cannot pass then; the detail says why. */
  if ((ctx->dss.left_out || ctx->dss.key_budget.refused) &&
      worst.result == KYSO_RESULT_PASSED)
    worst =
        (rev_outcome){3, KYSO_RESULT_INDETERMINATE, "revocation_data_invalid"};
  if (ctx->dss.left_out && worst.result != KYSO_RESULT_PASSED) {
    size_t used = strlen(detail);
    snprintf(detail + used, sizeof(detail) - used,
             "%s%d revocation item(s) of the DSS not used (over the size "
             "limits or unreadable)",
             used ? "; " : "", ctx->dss.left_out);
  }
  if (ctx->dss.key_budget.refused && worst.result != KYSO_RESULT_PASSED) {
    size_t used = strlen(detail);
    snprintf(detail + used, sizeof(detail) - used,
             "%srevocation data past %d signature checks not used "
             "(KYSO_LIMIT_REVOCATION_KEY_OPS)",
             used ? "; " : "", KYSO_LIMIT_REVOCATION_KEY_OPS);
  }
  kyso_check_set(ctx->report, c, worst.result, worst.reason, "%s", detail);
done:
  sk_X509_pop_free(path, X509_free);
  sk_X509_free(j.pool);
  ERR_clear_error();
  return ret;
}

/* ---- the TSA's path (verify_cms.c) -------------------------------------- */

int kyso_revocation_tsa(kyso_verify_ctx *ctx, kyso_sig_state *st,
                        STACK_OF(X509) *path, int64_t gen_time, char *detail,
                        size_t size) {
  rev_job j;
  int i, n, bad = 0;

  if (!path)
    return 0;
  memset(&j, 0, sizeof(j));
  j.ctx = ctx;
  j.st = st;
  j.signing_time = gen_time;
  j.status_time = gen_time;
  j.validation_time = ctx->options ? ctx->options->validation_time
                                   : ctx->report->validation_time;
  j.pool = sk_X509_new_null();
  if (!j.pool || pool_add(j.pool, path) || pool_add(j.pool, st->cms_certs) ||
      pool_add(j.pool, ctx->dss.certs) ||
      pool_add(j.pool, ctx->intermediates) || pool_add(j.pool, ctx->anchors)) {
    bad = -1;
    goto done;
  }
  n = anchor_index(ctx, path);
  for (i = 0; i < n && i < KYSO_LIMIT_CHAIN && !bad; i++) {
    rev_finding f;
    X509 *cert = sk_X509_value(path, i);
    char name[KYSO_PATH_NAME_MAX], at[32];
    find_evidence(&j, cert, sk_X509_value(path, i + 1), &f);
    /* A key compromise makes every token of that key suspect, whatever
     * genTime it claims (the key can back-date). */
    if (f.status != REV_REVOKED ||
        (f.revoked_at > gen_time && f.revoked_reason != 1 &&
         f.revoked_reason != 2))
      continue;
    kyso_name_short(X509_get_subject_name(cert), name, sizeof(name));
    kyso_time_format_utc(f.revoked_at, at);
    snprintf(
        detail, size, "TSA certificate path: '%s' revoked at %s%s", name, at,
        f.revoked_reason == 1 || f.revoked_reason == 2 ? " (key compromise)"
                                                       : "");
    bad = 1;
  }
done:
  sk_X509_free(j.pool);
  ERR_clear_error();
  return bad;
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
  /* t is the time the path was built at: the signer's unproven claimed
   * time is judged at the validation time, as kyso_verify_revocation. */
  j.status_time =
      !st->time_proven && t == st->signing_time ? j.validation_time : t;
  j.pool = sk_X509_new_null();
  if (j.pool && !pool_add(j.pool, st->cms_certs) &&
      !pool_add(j.pool, ctx->dss.certs) &&
      !pool_add(j.pool, ctx->intermediates) &&
      !pool_add(j.pool, ctx->anchors)) {
    find_evidence(&j, cert, issuer, &f);
    /* as the check: with evidence left unjudged, "good" is not enough */
    good = f.status == REV_GOOD && !ctx->dss.left_out &&
           !ctx->dss.key_budget.refused;
  }
  sk_X509_free(j.pool);
  ERR_clear_error();
  return good;
}
