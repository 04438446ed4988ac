/*
 * ltv_collect.c - kyso_ltv_collect: what a signed PDF needs for long-term
 * validation (PAdES B-LT, ETSI EN 319 142-1 5.4; see kyso/ltv.h).
 *
 * The verifier is run with a recorder (ltv/ltv_hook.h): every path it
 * builds for a signer (signatures and document timestamps) or for a TSA
 * (signature timestamps, document timestamps) is noted, certificate by
 * certificate, up to the trust anchor. Whether the document already holds
 * usable GOOD revocation data is asked of the REVOCATION stage's own code
 * (kyso_revocation_good), at the time the verifier judged the path at: the
 * signing (or timestamp) time for a signer, genTime for a TSA. Only the
 * document's data counts: the caller's extra_crls / extra_ocsps are left
 * out (they are not in the file).
 *
 * /VRI keys (ISO 32000-2 12.8.4.4 Table 263; ETSI EN 319 142-1 5.4.2.2):
 * the upper-case hex SHA-1 "of the signature", which Adobe Acrobat and
 * iText (LtvVerification.getSignatureHashKey) compute over the whole
 * decoded /Contents string of a signature, zero padding included, and for
 * an ETSI.RFC3161 document timestamp over the DER token alone (iText
 * re-encodes the ASN.1 object it reads from /Contents, which drops the
 * padding). kyso does the same so that VRI entries it writes are found by
 * those tools, and theirs by kyso.
 */
#include <limits.h>
#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "kyso/dss.h"
#include "kyso/limits.h"
#include "kyso/ltv.h"
#include "ltv/ltv_hook.h"

enum {
  /* Distinct certificates listed: a DSS holds at most as many. */
  NEEDS_MAX = KYSO_DSS_ITEMS_MAX,
  /* (certificate, signature, time) records: every signature's paths. */
  OCCURRENCES_MAX = 64 * KYSO_DSS_ITEMS_MAX
};

typedef struct need_rec {
  X509 *cert;   /* owned reference */
  X509 *issuer; /* owned reference, NULL when unknown */
  int cert_in_document, issuer_in_document;
  int judged, all_good;
  int path_trusted; /* a path holding cert reached an anchor */
  uint64_t signatures;
  /* Where it was first seen, for the set's order: the signature, its
   * signer's path (0) or a TSA's (1). seq: creation order (path order). */
  kyso_sig_state *first_st;
  size_t first_sig;
  int role;
} need_rec;

typedef struct occurrence {
  size_t need;
  kyso_sig_state *st; /* the signature whose stages built the path */
  int64_t t;          /* the time the path was judged at */
} occurrence;

struct kyso_ltv_hook {
  kyso_status status; /* first failure while recording */
  need_rec *needs;
  size_t count, cap;
  occurrence *occ;
  size_t occ_count, occ_cap;
  kyso_ltv_signature *sigs;
  size_t sig_count;
};

struct kyso_ltv_set {
  kyso_ltv_need *needs;
  size_t count;
  kyso_ltv_signature *sigs;
  size_t sig_count;
  uint8_t **der; /* 2 per need: certificate, issuer (NULL if none) */
};

/* ---- recording ---------------------------------------------------------- */

static int stack_has(STACK_OF(X509) *sk, X509 *x) {
  int i;
  for (i = 0; sk && x && i < sk_X509_num(sk); i++)
    if (X509_cmp(sk_X509_value(sk, i), x) == 0)
      return 1;
  return 0;
}

/* A certificate we hold that issued cert, or NULL. */
static X509 *find_issuer(kyso_verify_ctx *ctx, STACK_OF(X509) *untrusted,
                         X509 *cert) {
  STACK_OF(X509) *pools[4];
  int p, i;

  pools[0] = untrusted;
  pools[1] = ctx->dss.certs;
  pools[2] = ctx->intermediates;
  pools[3] = ctx->anchors;
  for (p = 0; p < 4; p++)
    for (i = 0; pools[p] && i < sk_X509_num(pools[p]); i++) {
      X509 *c = sk_X509_value(pools[p], i);
      if (X509_cmp(c, cert) != 0 && X509_check_issued(c, cert) == X509_V_OK &&
          X509_verify(cert, X509_get0_pubkey(c)) == 1)
        return c;
    }
  ERR_clear_error();
  return NULL;
}

static int hook_fail(kyso_ltv_hook *h, kyso_status s) {
  if (h->status == KYSO_OK)
    h->status = s;
  return -1;
}

/* The need for cert (added when new); its index, or -1. */
static long need_for(kyso_ltv_hook *h, kyso_verify_ctx *ctx, X509 *cert,
                     X509 *issuer, int role) {
  size_t i;
  need_rec *n;

  for (i = 0; i < h->count; i++)
    if (X509_cmp(h->needs[i].cert, cert) == 0) {
      n = &h->needs[i];
      if (!n->issuer && issuer && X509_up_ref(issuer))
        n->issuer = issuer;
      return (long)i;
    }
  if (h->count == NEEDS_MAX)
    return hook_fail(h, KYSO_ERR_LIMIT);
  if (h->count == h->cap) {
    size_t ncap = h->cap ? h->cap * 2 : 8;
    need_rec *p = realloc(h->needs, ncap * sizeof(*p));
    if (!p)
      return hook_fail(h, KYSO_ERR_NO_MEMORY);
    h->needs = p;
    h->cap = ncap;
  }
  n = &h->needs[h->count];
  memset(n, 0, sizeof(*n));
  if (!X509_up_ref(cert))
    return hook_fail(h, KYSO_ERR_NO_MEMORY);
  n->cert = cert;
  if (issuer && X509_up_ref(issuer))
    n->issuer = issuer;
  n->first_st = ctx->ltv_st;
  n->role = role;
  return (long)h->count++;
}

static void note(kyso_ltv_hook *h, kyso_verify_ctx *ctx,
                 STACK_OF(X509) *untrusted, X509 *cert, X509 *issuer, int64_t t,
                 int role, int trusted) {
  long k = need_for(h, ctx, cert, issuer, role);
  size_t i;
  need_rec *n;

  if (k < 0)
    return;
  n = &h->needs[k];
  n->path_trusted |= trusted;
  if (stack_has(untrusted, cert) || stack_has(ctx->dss.certs, cert))
    n->cert_in_document = 1;
  if (n->issuer &&
      (stack_has(untrusted, n->issuer) || stack_has(ctx->dss.certs, n->issuer)))
    n->issuer_in_document = 1;
  /* Once per signature and time (the chain and revocation stages build
   * the same path). */
  for (i = h->occ_count; i-- > 0 && h->occ[i].st == ctx->ltv_st;)
    if (h->occ[i].need == (size_t)k && h->occ[i].t == t)
      return;
  if (h->occ_count == OCCURRENCES_MAX) {
    hook_fail(h, KYSO_ERR_LIMIT);
    return;
  }
  if (h->occ_count == h->occ_cap) {
    size_t ncap = h->occ_cap ? h->occ_cap * 2 : 16;
    occurrence *p = realloc(h->occ, ncap * sizeof(*p));
    if (!p) {
      hook_fail(h, KYSO_ERR_NO_MEMORY);
      return;
    }
    h->occ = p;
    h->occ_cap = ncap;
  }
  h->occ[h->occ_count].need = (size_t)k;
  h->occ[h->occ_count].st = ctx->ltv_st;
  h->occ[h->occ_count].t = t;
  h->occ_count++;
}

void kyso_ltv_hook_path(kyso_verify_ctx *ctx, X509 *cert, X509_STORE_CTX *sctx,
                        STACK_OF(X509) *untrusted, int64_t t, int purpose,
                        int verified) {
  kyso_ltv_hook *h = ctx->ltv;
  STACK_OF(X509) *chain = sctx ? X509_STORE_CTX_get0_chain(sctx) : NULL;
  int i, n, role, trusted = 0;

  if (!h || h->status != KYSO_OK || !ctx->ltv_st || !cert)
    return;
  /* A signer's path or a TSA's; not, say, an OCSP responder's. */
  role = cert == ctx->ltv_st->signer ? 0 : 1;
  if (purpose != X509_PURPOSE_TIMESTAMP_SIGN && role != 0)
    return;
  n = chain ? sk_X509_num(chain) : 0;
  if (n <= 0 || X509_cmp(sk_X509_value(chain, 0), cert) != 0)
    n = 0; /* nothing built: cert alone */
  /* Does this path reach a trust anchor? (an anchor anywhere on it: the
   * top, or a CA trusted directly; and OpenSSL verified every link, so a
   * look-alike of an anchor does not count) */
  for (i = 0; i < (n ? n : 1) && i <= KYSO_LIMIT_CHAIN && !trusted && verified;
       i++)
    trusted = stack_has(ctx->anchors, n ? sk_X509_value(chain, i) : cert);
  for (i = 0; i < (n ? n : 1) && i <= KYSO_LIMIT_CHAIN; i++) {
    X509 *c = n ? sk_X509_value(chain, i) : cert, *issuer;
    int anchor = stack_has(ctx->anchors, c);
    /* A self-signed certificate ends the path: an anchor needs no
     * revocation data, an untrusted root can have none that counts. */
    if (X509_get_extension_flags(c) & EXFLAG_SS)
      break;
    issuer = i + 1 < n ? sk_X509_value(chain, i + 1)
                       : find_issuer(ctx, untrusted, c);
    note(h, ctx, untrusted, c, issuer, t, role, trusted);
    if (anchor || h->status != KYSO_OK)
      break; /* trust starts here (a CA trusted directly) */
  }
  ERR_clear_error();
}

/* ---- after the stages ---------------------------------------------------- */

/* How many bytes of /Contents the /VRI key hashes (see the top). */
static size_t vri_length(const kyso_sig_state *st, int dts) {
  const unsigned char *p = st->contents;
  long len = 0;
  int tag = 0, xclass = 0, r;

  if (!dts || st->contents_len > LONG_MAX)
    return st->contents_len;
  r = ASN1_get_object(&p, &len, &tag, &xclass, (long)st->contents_len);
  ERR_clear_error();
  /* 0x80: an error; 0x21: indefinite length (BER), hashed whole. */
  if ((r & 0x80) || r == 0x21 ||
      (size_t)(p - st->contents) + (size_t)len > st->contents_len)
    return st->contents_len;
  return (size_t)(p - st->contents) + (size_t)len;
}

static int str_is(const char *s, const char *want) {
  return s && strcmp(s, want) == 0;
}

static kyso_status fill_signature(kyso_sig_state *st, kyso_ltv_signature *s,
                                  kyso_error *err) {
  const kyso_sig_report *r = st->rep;
  unsigned int md_len = 0;

  memset(s, 0, sizeof(*s));
  s->doc_timestamp =
      str_is(r->type, "DocTimeStamp") || str_is(r->sub_filter, "ETSI.RFC3161");
  s->signing_time = r->has_timestamp      ? r->timestamp_time
                    : r->has_claimed_time ? r->claimed_time
                                          : 0;
  if (!st->contents || st->contents_len == 0)
    return KYSO_OK;
  if (EVP_Digest(st->contents, vri_length(st, s->doc_timestamp), s->vri_key,
                 &md_len, EVP_sha1(), NULL) != 1 ||
      md_len != sizeof(s->vri_key)) {
    ERR_clear_error();
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "SHA-1 failed");
  }
  return KYSO_OK;
}

static void mark_in_document(kyso_verify_ctx *ctx, kyso_sig_state *states,
                             size_t count, need_rec *n) {
  size_t i;
  if (!n->cert_in_document)
    n->cert_in_document = stack_has(ctx->dss.certs, n->cert);
  if (!n->issuer_in_document && n->issuer)
    n->issuer_in_document = stack_has(ctx->dss.certs, n->issuer);
  for (i = 0; i < count; i++) {
    if (!n->cert_in_document)
      n->cert_in_document = stack_has(states[i].cms_certs, n->cert);
    if (!n->issuer_in_document && n->issuer)
      n->issuer_in_document = stack_has(states[i].cms_certs, n->issuer);
  }
}

kyso_status kyso_ltv_hook_finish(kyso_verify_ctx *ctx, kyso_sig_state *states,
                                 size_t count, kyso_error *err) {
  kyso_ltv_hook *h = ctx->ltv;
  kyso_status ret = KYSO_OK;
  size_t i;

  if (h->status != KYSO_OK) {
    ret = h->status == KYSO_ERR_LIMIT
              ? kyso_error_set(err, KYSO_ERR_LIMIT,
                               "the signatures' paths hold more than %d "
                               "certificates",
                               NEEDS_MAX)
              : kyso_error_set(err, h->status, "out of memory");
    goto done;
  }
  h->sigs = calloc(count ? count : 1, sizeof(*h->sigs));
  if (!h->sigs) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  h->sig_count = count;
  for (i = 0; i < count && ret == KYSO_OK; i++)
    ret = fill_signature(&states[i], &h->sigs[i], err);
  if (ret != KYSO_OK)
    goto done;
  for (i = 0; i < h->occ_count; i++) {
    occurrence *o = &h->occ[i];
    need_rec *n = &h->needs[o->need];
    size_t sig = (size_t)(o->st - states);
    int good;
    if (o->st < states || sig >= count)
      continue;
    n->signatures |= (uint64_t)1 << (sig < 63 ? sig : 63);
    good = kyso_revocation_good(ctx, o->st, n->cert, n->issuer, o->t);
    n->all_good = n->judged ? n->all_good && good : good;
    n->judged = 1;
  }
  for (i = 0; i < h->count; i++) {
    need_rec *n = &h->needs[i];
    mark_in_document(ctx, states, count, n);
    n->first_sig = n->first_st >= states && n->first_st < states + count
                       ? (size_t)(n->first_st - states)
                       : count;
  }
done:
  return ret;
}

static void hook_clear(kyso_ltv_hook *h) {
  size_t i;
  for (i = 0; i < h->count; i++) {
    X509_free(h->needs[i].cert);
    X509_free(h->needs[i].issuer);
  }
  free(h->needs);
  free(h->occ);
  free(h->sigs);
  memset(h, 0, sizeof(*h));
}

void kyso_ltv_hook_reset(kyso_ltv_hook *h) {
  if (h)
    hook_clear(h);
}

/* ---- the set ------------------------------------------------------------ */

static kyso_status der_of(X509 *x, uint8_t **der, kyso_blob *out,
                          kyso_error *err) {
  unsigned char *p = NULL;
  int n = x ? i2d_X509(x, &p) : 0;

  out->data = NULL;
  out->len = 0;
  *der = NULL;
  if (!x)
    return KYSO_OK;
  if (n <= 0) {
    ERR_clear_error();
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  }
  *der = p;
  out->data = p;
  out->len = (size_t)n;
  return KYSO_OK;
}

/* The set's order: by the signature that first needs it, its signer's
 * path before a TSA's, then path order (the verifier checks a signature's
 * timestamp before its chain). */
typedef struct order_key {
  size_t sig;
  int role;
  size_t seq;
} order_key;

static int order_cmp(const void *pa, const void *pb) {
  const order_key *a = pa, *b = pb;
  if (a->sig != b->sig)
    return a->sig < b->sig ? -1 : 1;
  if (a->role != b->role)
    return a->role < b->role ? -1 : 1;
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static kyso_status set_from_hook(kyso_ltv_hook *h, kyso_ltv_set *set,
                                 kyso_error *err) {
  kyso_status ret = KYSO_OK;
  order_key *order;
  size_t i;

  set->needs = calloc(h->count ? h->count : 1, sizeof(*set->needs));
  set->der = calloc(2 * (h->count ? h->count : 1), sizeof(*set->der));
  order = calloc(h->count ? h->count : 1, sizeof(*order));
  if (!set->needs || !set->der || !order) {
    free(order);
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  }
  for (i = 0; i < h->count; i++) {
    order[i].sig = h->needs[i].first_sig;
    order[i].role = h->needs[i].role;
    order[i].seq = i;
  }
  qsort(order, h->count, sizeof(*order), order_cmp);
  for (i = 0; i < h->count && ret == KYSO_OK; i++) {
    need_rec *n = &h->needs[order[i].seq];
    kyso_ltv_need *o = &set->needs[i];
    set->count = i + 1;
    ret = der_of(n->cert, &set->der[2 * i], &o->cert, err);
    if (ret == KYSO_OK)
      ret = der_of(n->issuer, &set->der[2 * i + 1], &o->issuer, err);
    o->cert_in_document = n->cert_in_document;
    o->issuer_in_document = n->issuer_in_document;
    o->has_revocation = n->judged && n->all_good;
    o->signatures = n->signatures;
    o->path_trusted = n->path_trusted;
  }
  free(order);
  if (ret != KYSO_OK)
    return ret;
  set->sigs = h->sigs;
  set->sig_count = h->sig_count;
  h->sigs = NULL;
  h->sig_count = 0;
  return KYSO_OK;
}

kyso_status kyso_ltv_collect(const uint8_t *pdf, size_t len,
                             const kyso_verify_options *options,
                             kyso_ltv_set **out, kyso_error *err) {
  kyso_status ret;
  kyso_verify_options o;
  kyso_ltv_hook hook;
  kyso_report *report = NULL;
  kyso_ltv_set *set = NULL;

  memset(&hook, 0, sizeof(hook));
  if (out)
    *out = NULL;
  if (!pdf || !options || !out) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "missing argument");
    goto done;
  }
  /* What the document holds: data from outside it does not count. */
  o = *options;
  o.extra_crls = NULL;
  o.extra_crl_count = 0;
  o.extra_ocsps = NULL;
  o.extra_ocsp_count = 0;
  ret = kyso_verify_recorded(pdf, len, &o, &hook, &report, err);
  if (ret != KYSO_OK)
    goto done;
  set = calloc(1, sizeof(*set));
  if (!set) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  ret = set_from_hook(&hook, set, err);
  if (ret != KYSO_OK)
    goto done;
  *out = set;
  set = NULL;
done:
  kyso_ltv_set_free(set);
  kyso_report_free(report);
  hook_clear(&hook);
  return ret;
}

size_t kyso_ltv_set_get_need_count(const kyso_ltv_set *set) {
  return set ? set->count : 0;
}

const kyso_ltv_need *kyso_ltv_set_get_need(const kyso_ltv_set *set,
                                           size_t index) {
  return set && index < set->count ? &set->needs[index] : NULL;
}

size_t kyso_ltv_set_get_signature_count(const kyso_ltv_set *set) {
  return set ? set->sig_count : 0;
}

const kyso_ltv_signature *kyso_ltv_set_get_signature(const kyso_ltv_set *set,
                                                     size_t index) {
  return set && index < set->sig_count ? &set->sigs[index] : NULL;
}

void kyso_ltv_set_free(kyso_ltv_set *set) {
  size_t i;
  if (!set)
    return;
  for (i = 0; set->der && i < 2 * set->count; i++)
    OPENSSL_free(set->der[i]);
  free(set->der);
  free(set->needs);
  free(set->sigs);
  free(set);
}
