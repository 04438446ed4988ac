/* kw_ltv.c - long-term validation for JavaScript (issue 13): validation
 * data from outside the document (kw_extra), what a signed PDF needs
 * revocation data for (kyso_ltv_collect), and the DSS + /VRI update built
 * from the answers kyso-host fetched (kyso_dss_append_vri); see kw.h.
 * Nothing here fetches: the page asks kyso-host and hands the bytes in. */
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "kw.h"
#include "kyso/dss.h"
#include "kyso/ltv.h"

/* ---- extra data ---------------------------------------------------------- */

static const size_t kw_extra_size_max[KW_EXTRA_KINDS] = {
    KYSO_LIMIT_LTV_CERT_SIZE, KYSO_LIMIT_LTV_CRL_SIZE,
    KYSO_LIMIT_LTV_RESPONSE_SIZE};

static const char *const kw_extra_name[KW_EXTRA_KINDS] = {"certificate", "CRL",
                                                          "OCSP response"};

/* Which kind of DER item data is (KW_EXTRA_*), decoded whole with nothing
 * after it; -1 when none. */
static int der_kind(const uint8_t *data, size_t len) {
  const unsigned char *p;
  X509 *x = NULL;
  X509_CRL *crl = NULL;
  OCSP_RESPONSE *ocsp = NULL;
  OCSP_BASICRESP *basic = NULL;
  int kind = -1;

  if (!data || len == 0 || len > KYSO_LIMIT_LTV_CRL_SIZE || data[0] != 0x30)
    goto done;
  p = data;
  if ((x = d2i_X509(NULL, &p, (long)len)) != NULL && p == data + len) {
    kind = KW_EXTRA_CERT;
    goto done;
  }
  p = data;
  if ((crl = d2i_X509_CRL(NULL, &p, (long)len)) != NULL && p == data + len) {
    kind = KW_EXTRA_CRL;
    goto done;
  }
  p = data;
  if ((ocsp = d2i_OCSP_RESPONSE(NULL, &p, (long)len)) != NULL &&
      p == data + len) {
    kind = KW_EXTRA_OCSP;
    goto done;
  }
  /* A bare BasicOCSPResponse, as some tools save it: the verifier takes
   * it too. */
  p = data;
  if ((basic = d2i_OCSP_BASICRESP(NULL, &p, (long)len)) != NULL &&
      p == data + len)
    kind = KW_EXTRA_OCSP;

done:
  X509_free(x);
  X509_CRL_free(crl);
  OCSP_RESPONSE_free(ocsp);
  OCSP_BASICRESP_free(basic);
  ERR_clear_error();
  return kind;
}

/* The kind of a loaded file's DER (KW_EXTRA_*), -1 when it is none of
 * them: the page sorts files the user loads with it. */
KW_EXPORT int kw_der_kind(const uint8_t *data, size_t len) {
  return der_kind(data, len);
}

KW_EXPORT kw_extra *kw_extra_new(void) {
  kw_extra *x = calloc(1, sizeof(*x));
  if (!x)
    return kw_fail(KYSO_ERR_NO_MEMORY, "out of memory");
  return x;
}

KW_EXPORT void kw_extra_free(kw_extra *x) {
  size_t k, i;
  if (!x)
    return;
  for (k = 0; k < KW_EXTRA_KINDS; k++) {
    for (i = 0; i < x->count[k]; i++)
      free((void *)x->item[k][i].data);
    free(x->item[k]);
  }
  free(x);
}

/* Marks x's CRLs and OCSP responses as fetched now (1) or loaded by the
 * user (0, the default), for the report. */
KW_EXPORT void kw_extra_set_fetched(kw_extra *x, int fetched) {
  if (x)
    x->fetched = fetched ? 1 : 0;
}

/* Adds a copy of one DER item of kind; it must decode as that kind. 1 on
 * success, 0 with the error set. */
KW_EXPORT int kw_extra_add(kw_extra *x, int kind, const uint8_t *data,
                           size_t len) {
  kyso_blob *grown;
  uint8_t *copy;

  kyso_error_clear(&kw_last_error);
  if (!x || kind < 0 || kind >= KW_EXTRA_KINDS || !data || len == 0) {
    kw_fail(KYSO_ERR_ARGUMENT, "an empty or unknown validation data item");
    return 0;
  }
  if (len > kw_extra_size_max[kind]) {
    kyso_error_set(&kw_last_error, KYSO_ERR_LIMIT,
                   "a %s is larger than %zu bytes", kw_extra_name[kind],
                   kw_extra_size_max[kind]);
    return 0;
  }
  if (x->count[kind] >= KW_EXTRA_MAX) {
    kyso_error_set(&kw_last_error, KYSO_ERR_LIMIT, "more than %d of one kind",
                   KW_EXTRA_MAX);
    return 0;
  }
  if (der_kind(data, len) != kind) {
    kyso_error_set(&kw_last_error, KYSO_ERR_ARGUMENT,
                   "not a %s (DER, nothing after it)", kw_extra_name[kind]);
    return 0;
  }
  grown = realloc(x->item[kind], (x->count[kind] + 1) * sizeof(*grown));
  if (!grown) {
    kw_fail(KYSO_ERR_NO_MEMORY, "out of memory");
    return 0;
  }
  x->item[kind] = grown;
  copy = malloc(len);
  if (!copy) {
    kw_fail(KYSO_ERR_NO_MEMORY, "out of memory");
    return 0;
  }
  memcpy(copy, data, len);
  grown[x->count[kind]].data = copy;
  grown[x->count[kind]].len = len;
  x->count[kind]++;
  return 1;
}

int kw_paths_certs(const kw_trust *t, const kw_extra *x, kyso_blob **out,
                   size_t *count) {
  size_t nt = t ? t->intermediate_count : 0;
  size_t nx = x ? x->count[KW_EXTRA_CERT] : 0;
  kyso_blob *all;

  *out = NULL;
  *count = 0;
  if (nt + nx == 0)
    return 1;
  all = malloc((nt + nx) * sizeof(*all));
  if (!all) {
    kw_fail(KYSO_ERR_NO_MEMORY, "out of memory");
    return 0;
  }
  if (nt)
    memcpy(all, t->intermediates, nt * sizeof(*all));
  if (nx)
    memcpy(all + nt, x->item[KW_EXTRA_CERT], nx * sizeof(*all));
  *out = all;
  *count = nt + nx;
  return 1;
}

/* ---- what a signed PDF needs --------------------------------------------- */

/* A collected set with the certificate array its options pointed at. */
typedef struct kw_ltv {
  kyso_ltv_set *set;
  kyso_blob *paths;
} kw_ltv;

KW_EXPORT void kw_ltv_free(kw_ltv *l) {
  if (!l)
    return;
  kyso_ltv_set_free(l->set);
  free(l->paths);
  free(l);
}

/* kyso_ltv_collect on pdf (borrowed, as t and x, until kw_ltv_free) at
 * validation_time, anchors from t, intermediates t's and x's
 * certificates. */
KW_EXPORT kw_ltv *kw_ltv_collect(const uint8_t *pdf, size_t len,
                                 const kw_trust *t, const kw_extra *x,
                                 double validation_time) {
  kyso_verify_options opt;
  kw_ltv *l = NULL, *ret = NULL;

  kyso_error_clear(&kw_last_error);
  l = calloc(1, sizeof(*l));
  if (!l) {
    kw_fail(KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  kyso_verify_options_init(&opt);
  opt.validation_time = (int64_t)validation_time;
  if (t) {
    opt.anchors = t->anchors;
    opt.anchor_count = t->anchor_count;
  }
  if (!kw_paths_certs(t, x, &l->paths, &opt.intermediate_count))
    goto done;
  opt.intermediates = l->paths;
  if (kyso_ltv_collect(pdf, len, &opt, &l->set, &kw_last_error) != KYSO_OK)
    goto done;
  ret = l;
  l = NULL;

done:
  kw_ltv_free(l);
  return ret;
}

KW_EXPORT int kw_ltv_need_count(const kw_ltv *l) {
  return (int)kyso_ltv_set_get_need_count(l->set);
}

/* Need i as 9 doubles: cert pointer, length, issuer pointer, length (0, 0:
 * unknown), cert_in_document, issuer_in_document, has_revocation, the
 * signature bits 0-31 and 32-63. */
KW_EXPORT int kw_ltv_need_get(const kw_ltv *l, size_t i, double *out) {
  const kyso_ltv_need *n;
  if (i >= kyso_ltv_set_get_need_count(l->set))
    return 0;
  n = kyso_ltv_set_get_need(l->set, i);
  out[0] = (double)(size_t)n->cert.data;
  out[1] = (double)n->cert.len;
  out[2] = (double)(size_t)n->issuer.data;
  out[3] = (double)n->issuer.len;
  out[4] = n->cert_in_document;
  out[5] = n->issuer_in_document;
  out[6] = n->has_revocation;
  out[7] = (double)(uint32_t)(n->signatures & 0xffffffffu);
  out[8] = (double)(uint32_t)(n->signatures >> 32);
  return 1;
}

KW_EXPORT int kw_ltv_signature_count(const kw_ltv *l) {
  return (int)kyso_ltv_set_get_signature_count(l->set);
}

/* Signature i: its /VRI key (20 bytes at key), *time its timestamp (or
 * claimed) time; returns 1 for a document timestamp, 0 for a signature,
 * -1 when i is out of range. */
KW_EXPORT int kw_ltv_signature_get(const kw_ltv *l, size_t i, uint8_t *key,
                                   double *time) {
  const kyso_ltv_signature *s;
  if (i >= kyso_ltv_set_get_signature_count(l->set))
    return -1;
  s = kyso_ltv_set_get_signature(l->set, i);
  memcpy(key, s->vri_key, sizeof(s->vri_key));
  *time = (double)s->signing_time;
  return s->doc_timestamp ? 1 : 0;
}

/* ---- the DSS update ------------------------------------------------------ */

/* Items chosen for the update, each once (byte for byte), and per need
 * where its certificate, issuer and answer are in them. */
typedef struct kw_pick {
  kyso_blob *item[KW_EXTRA_KINDS];
  size_t count[KW_EXTRA_KINDS];
  size_t *answer_kind; /* per need: KW_EXTRA_CRL / _OCSP, or KW_EXTRA_KINDS */
  size_t *answer;      /* per need: index in item[answer_kind] */
  size_t *cert_at;     /* per need: index in item[KW_EXTRA_CERT] */
  size_t *issuer_at;   /* per need: that, or SIZE_MAX (issuer unknown) */
} kw_pick;

/* The index of b in the picked items of kind, added when new (room for
 * it is reserved by the caller). */
static size_t pick_index(kw_pick *p, int kind, kyso_blob b) {
  size_t i;
  for (i = 0; i < p->count[kind]; i++)
    if (p->item[kind][i].len == b.len &&
        memcmp(p->item[kind][i].data, b.data, b.len) == 0)
      return i;
  p->item[kind][p->count[kind]] = b;
  return p->count[kind]++;
}

/* The first answer in x about need n that kyso_ltv_ocsp_check (OCSP
 * first) or kyso_ltv_crl_check accepts at now: GOOD and REVOKED alike,
 * both are the truth the verifier must see. */
static void pick_answer(const kyso_ltv_need *n, const kw_extra *x, int64_t now,
                        size_t *kind, size_t *index, int *revoked) {
  kyso_ltv_answer a;
  kyso_error e;
  kyso_blob none = {NULL, 0};
  size_t i;

  *kind = KW_EXTRA_KINDS;
  *revoked = 0;
  if (n->issuer.len == 0)
    return;
  for (i = 0; i < x->count[KW_EXTRA_OCSP]; i++) {
    kyso_error_clear(&e);
    if (kyso_ltv_ocsp_check(x->item[KW_EXTRA_OCSP][i], n->cert, n->issuer, none,
                            now, &a, &e) == KYSO_OK &&
        a.status != KYSO_LTV_UNKNOWN) {
      *kind = KW_EXTRA_OCSP;
      *index = i;
      *revoked = a.status == KYSO_LTV_REVOKED;
      return;
    }
  }
  for (i = 0; i < x->count[KW_EXTRA_CRL]; i++) {
    kyso_error_clear(&e);
    if (kyso_ltv_crl_check(x->item[KW_EXTRA_CRL][i], n->cert, n->issuer, now,
                           &a, &e) == KYSO_OK) {
      *kind = KW_EXTRA_CRL;
      *index = i;
      *revoked = a.status == KYSO_LTV_REVOKED;
      return;
    }
  }
}

/* Appends to the list at *list (capacity: needs count * 2 + 1) the index
 * v unless there. */
static void index_add(size_t *list, size_t *count, size_t v) {
  size_t i;
  for (i = 0; i < *count; i++)
    if (list[i] == v)
      return;
  list[(*count)++] = v;
}

/*
 * The incremental update that adds to pdf (borrowed) the validation data
 * its signatures lack: for each certificate kyso_ltv_collect lists (t's
 * anchors; t's intermediates and x's certificates for paths) without
 * usable revocation data in the document, the first OCSP response of x,
 * else CRL of x, that the answer checks accept at now; the certificates
 * and issuers not yet in the document; and a /VRI entry per signature
 * naming its items, /TU now. *out (free with kw_free) and *out_len get
 * the update, NULL and 0 when there is nothing to add. stats (5 uint32):
 * certificates, CRLs and OCSP responses referenced, the certificates left
 * without data, and those an answer says are REVOKED (embedded all the
 * same: the verifier must see it). 1 on success, 0 with the error set.
 */
KW_EXPORT int kw_ltv_update(const uint8_t *pdf, size_t len, const kw_trust *t,
                            const kw_extra *x, double now, uint8_t **out,
                            size_t *out_len, uint32_t *stats) {
  kw_ltv *l = NULL;
  kw_pick p;
  kyso_dss_vri *vri = NULL;
  size_t *lists = NULL;
  size_t nneed, nsig, i, j, nvri = 0, per;
  kw_extra empty;
  int lacks_certs = 0, ret = 0;

  memset(&p, 0, sizeof(p));
  memset(&empty, 0, sizeof(empty));
  if (!x)
    x = &empty;
  *out = NULL;
  *out_len = 0;
  memset(stats, 0, 5 * sizeof(*stats));
  l = kw_ltv_collect(pdf, len, t, x, now);
  if (!l)
    goto done;
  nneed = kyso_ltv_set_get_need_count(l->set);
  nsig = kyso_ltv_set_get_signature_count(l->set);
  if (nsig > KYSO_DSS_ITEMS_MAX || nneed > KYSO_DSS_ITEMS_MAX / 2) {
    kw_fail(KYSO_ERR_LIMIT, "too many signatures or certificates for a DSS");
    goto done;
  }
  p.item[KW_EXTRA_CERT] = calloc(nneed * 2 + 1, sizeof(kyso_blob));
  p.item[KW_EXTRA_CRL] = calloc(nneed + 1, sizeof(kyso_blob));
  p.item[KW_EXTRA_OCSP] = calloc(nneed + 1, sizeof(kyso_blob));
  p.answer_kind = calloc(nneed + 1, sizeof(size_t));
  p.answer = calloc(nneed + 1, sizeof(size_t));
  p.cert_at = calloc(nneed + 1, sizeof(size_t));
  p.issuer_at = calloc(nneed + 1, sizeof(size_t));
  vri = calloc(nsig + 1, sizeof(*vri));
  /* Per signature: up to 2 certificates and 1 answer per need. */
  per = nneed * 2 + 1;
  lists = calloc((nsig + 1) * 3, per * sizeof(size_t));
  if (!p.item[0] || !p.item[1] || !p.item[2] || !p.answer_kind || !p.answer ||
      !p.cert_at || !p.issuer_at || !vri || !lists) {
    kw_fail(KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  for (i = 0; i < nneed; i++) {
    const kyso_ltv_need *n = kyso_ltv_set_get_need(l->set, i);
    p.cert_at[i] = p.issuer_at[i] = SIZE_MAX;
    p.answer_kind[i] = KW_EXTRA_KINDS;
    if (!n->has_revocation) {
      int revoked = 0;
      pick_answer(n, x, (int64_t)now, &p.answer_kind[i], &p.answer[i],
                  &revoked);
      if (p.answer_kind[i] == KW_EXTRA_KINDS)
        stats[3]++;
      stats[4] += (uint32_t)revoked;
    }
    if (p.answer_kind[i] != KW_EXTRA_KINDS)
      p.answer[i] = pick_index(&p, (int)p.answer_kind[i],
                               x->item[p.answer_kind[i]][p.answer[i]]);
    p.cert_at[i] = pick_index(&p, KW_EXTRA_CERT, n->cert);
    if (n->issuer.len)
      p.issuer_at[i] = pick_index(&p, KW_EXTRA_CERT, n->issuer);
    if (!n->cert_in_document || (n->issuer.len && !n->issuer_in_document))
      lacks_certs = 1;
  }
  for (j = 0; j < nsig; j++) {
    const kyso_ltv_signature *s = kyso_ltv_set_get_signature(l->set, j);
    uint64_t bit = (uint64_t)1 << (j < 63 ? j : 63);
    size_t *lc = lists + (nvri * 3 + 0) * per;
    size_t *ll = lists + (nvri * 3 + 1) * per;
    size_t *lo = lists + (nvri * 3 + 2) * per;
    kyso_dss_vri *v = &vri[nvri];
    for (i = 0; i < nneed; i++) {
      const kyso_ltv_need *n = kyso_ltv_set_get_need(l->set, i);
      if (!(n->signatures & bit))
        continue;
      index_add(lc, &v->ncerts, p.cert_at[i]);
      if (p.issuer_at[i] != SIZE_MAX)
        index_add(lc, &v->ncerts, p.issuer_at[i]);
      if (p.answer_kind[i] == KW_EXTRA_OCSP)
        index_add(lo, &v->nocsps, p.answer[i]);
      else if (p.answer_kind[i] == KW_EXTRA_CRL)
        index_add(ll, &v->ncrls, p.answer[i]);
    }
    if (v->ncerts + v->ncrls + v->nocsps == 0)
      continue;
    memcpy(v->key, s->vri_key, sizeof(v->key));
    v->certs = lc;
    v->crls = ll;
    v->ocsps = lo;
    v->time = (int64_t)now;
    nvri++;
  }
  /* Only answers about a certificate of this document go in; with none
   * and no certificate the document lacks, the DSS would only repeat the
   * signatures' own certificates: nothing is written. */
  for (i = 0; i < KW_EXTRA_KINDS; i++)
    stats[i] = (uint32_t)p.count[i];
  if (p.count[KW_EXTRA_CRL] + p.count[KW_EXTRA_OCSP] == 0 && !lacks_certs) {
    ret = 1;
    goto done;
  }
  if (kyso_dss_append_vri(pdf, len, p.item[KW_EXTRA_CERT],
                          p.count[KW_EXTRA_CERT], p.item[KW_EXTRA_CRL],
                          p.count[KW_EXTRA_CRL], p.item[KW_EXTRA_OCSP],
                          p.count[KW_EXTRA_OCSP], vri, nvri, out, out_len,
                          &kw_last_error) != KYSO_OK)
    goto done;
  ret = 1;

done:
  for (i = 0; i < KW_EXTRA_KINDS; i++)
    free(p.item[i]);
  free(p.answer_kind);
  free(p.answer);
  free(p.cert_at);
  free(p.issuer_at);
  free(vri);
  free(lists);
  kw_ltv_free(l);
  return ret;
}
