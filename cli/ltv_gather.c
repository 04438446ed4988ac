/* ltv_gather.c - fetching and embedding long-term validation data; see
 * ltv_gather.h. */
#define _POSIX_C_SOURCE 200809L
#include "ltv_gather.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kyso/dss.h"
#include "kyso/time.h"

enum {
  /* Rounds of collect -> fetch: each round can only add issuers fetched
   * through caIssuers, one level of a path up; paths are at most
   * KYSO_LIMIT_CHAIN long. */
  LTV_ROUNDS_MAX = KYSO_LIMIT_CHAIN + 1,
  /* Certificates asked about in one document (bounds every list here). */
  LTV_CERTS_MAX = 256,
  /* caIssuers look-ups for paths that reach no anchor yet (each counts,
   * found or not), and the bytes of the issuers they bring */
  LTV_ISSUER_FETCH_MAX = 8,
  LTV_ISSUER_BYTES_MAX = 512 * 1024
};

struct kyso_cli_ltv_answered {
  uint8_t cert_hash[32]; /* SHA-256 of the certificate DER */
  kyso_fetch_kind kind;  /* NONE: a problem, nothing kept */
  size_t index;          /* into ocsps or crls */
};

uint64_t kyso_cli_ltv_signature_bit(size_t index) {
  return (uint64_t)1 << (index < 63 ? index : 63);
}

static void cert_hash(kyso_blob cert, uint8_t out[32]) {
  unsigned int n = 32;
  if (!EVP_Digest(cert.data, cert.len, out, &n, EVP_sha256(), NULL))
    memset(out, 0, 32);
}

static const kyso_cli_ltv_answered *find_answered(const kyso_cli_ltv *g,
                                                  kyso_blob cert) {
  uint8_t h[32];
  size_t i;
  cert_hash(cert, h);
  for (i = 0; i < g->answered_count; i++)
    if (memcmp(g->answered[i].cert_hash, h, 32) == 0)
      return &g->answered[i];
  return NULL;
}

static void subject_of(kyso_blob cert, char *out, size_t cap) {
  const unsigned char *p = cert.data;
  X509 *x = d2i_X509(NULL, &p, (long)cert.len);
  BIO *bio = BIO_new(BIO_s_mem());
  int n = 0;
  out[0] = '\0';
  if (x && bio &&
      X509_NAME_print_ex(bio, X509_get_subject_name(x), 0,
                         XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0)
    n = BIO_read(bio, out, (int)cap - 1);
  out[n > 0 ? n : 0] = '\0';
  if (!out[0])
    snprintf(out, cap, "(unreadable certificate)");
  BIO_free(bio);
  X509_free(x);
  ERR_clear_error();
}

/* Index of a copy of b in (*list, *count), added when not there yet. */
static kyso_status blob_add(kyso_blob **list, size_t *count, kyso_blob b,
                            size_t *index, kyso_error *err) {
  kyso_blob *p;
  uint8_t *copy;
  size_t i;
  for (i = 0; i < *count; i++)
    if ((*list)[i].len == b.len && memcmp((*list)[i].data, b.data, b.len) == 0)
      break;
  if (i < *count) {
    if (index)
      *index = i;
    return KYSO_OK;
  }
  if (*count >= LTV_CERTS_MAX)
    return kyso_error_set(err, KYSO_ERR_LIMIT, "more than %d validation items",
                          LTV_CERTS_MAX);
  p = realloc(*list, (*count + 1) * sizeof(*p));
  if (!p)
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  *list = p;
  copy = malloc(b.len ? b.len : 1);
  if (!copy)
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  memcpy(copy, b.data, b.len);
  p[*count].data = copy;
  p[*count].len = b.len;
  if (index)
    *index = *count;
  (*count)++;
  return KYSO_OK;
}

static kyso_status problem_add(kyso_cli_ltv *g, kyso_cli_ltv_problem_kind kind,
                               const kyso_ltv_need *need,
                               const kyso_fetch_status *st, kyso_error *err) {
  kyso_cli_ltv_problem *p =
      realloc(g->problems, (g->problem_count + 1) * sizeof(*p));
  if (!p)
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  g->problems = p;
  p += g->problem_count++;
  memset(p, 0, sizeof(*p));
  p->kind = kind;
  subject_of(need->cert, p->subject, sizeof(p->subject));
  p->signatures = need->signatures;
  p->had_data = need->has_revocation;
  p->code = st->error;
  snprintf(p->url, sizeof(p->url), "%s", st->error_url);
  snprintf(p->message, sizeof(p->message), "%s", st->error_message);
  if (kind == KYSO_CLI_LTV_REVOKED)
    p->revocation_time = st->answer.revocation_time;
  return KYSO_OK;
}

/* Keeps what the fetch said about need (status st of result r). */
static kyso_status record(kyso_cli_ltv *g, const kyso_ltv_need *need,
                          const kyso_fetch_status *st,
                          const kyso_fetch_revocation *r, kyso_error *err) {
  kyso_status ret = KYSO_OK;
  kyso_cli_ltv_answered *a;

  if (st->issuer_der && st->issuer_len) {
    kyso_blob b = {st->issuer_der, st->issuer_len};
    ret = blob_add(&g->issuers, &g->issuer_count, b, NULL, err);
    if (ret != KYSO_OK)
      return ret;
  }
  a = realloc(g->answered, (g->answered_count + 1) * sizeof(*a));
  if (!a)
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  g->answered = a;
  a += g->answered_count++;
  cert_hash(need->cert, a->cert_hash);
  a->kind = KYSO_FETCH_NONE;
  a->index = 0;
  if (st->kind == KYSO_FETCH_NONE)
    return problem_add(g, KYSO_CLI_LTV_NO_ANSWER, need, st, err);
  if (st->answer.status == KYSO_LTV_UNKNOWN)
    return problem_add(g, KYSO_CLI_LTV_UNKNOWN, need, st, err);
  /* GOOD, or REVOKED: that answer is evidence too, embedded as it is. */
  if (st->kind == KYSO_FETCH_OCSP && st->data_index < r->ocsp_count)
    ret = blob_add(&g->ocsps, &g->ocsp_count, r->ocsps[st->data_index],
                   &a->index, err);
  else if (st->kind == KYSO_FETCH_CRL && st->data_index < r->crl_count)
    ret = blob_add(&g->crls, &g->crl_count, r->crls[st->data_index], &a->index,
                   err);
  else
    return kyso_error_set(err, KYSO_ERR_STATE,
                          "fetch result points past its data");
  if (ret != KYSO_OK)
    return ret;
  a->kind = st->kind;
  if (st->answer.status == KYSO_LTV_REVOKED)
    ret = problem_add(g, KYSO_CLI_LTV_REVOKED, need, st, err);
  return ret;
}

/* need's issuer through caIssuers only (no revocation request), within
 * the look-up and byte budgets; *added counts the issuers added. */
static kyso_status issuer_fetch(const kyso_fetch_config *config,
                                kyso_cli_ltv *g, const kyso_ltv_need *need,
                                uint8_t tried[][32], size_t *tried_count,
                                size_t *bytes, size_t *added, kyso_error *err) {
  uint8_t hash[32], *der = NULL;
  size_t i, len = 0;
  kyso_status ret = KYSO_OK;
  kyso_error e;
  kyso_blob b;

  cert_hash(need->cert, hash);
  for (i = 0; i < *tried_count; i++)
    if (memcmp(tried[i], hash, 32) == 0)
      return KYSO_OK;
  if (*tried_count >= LTV_ISSUER_FETCH_MAX || *bytes >= LTV_ISSUER_BYTES_MAX)
    return KYSO_OK; /* budget spent: the path stays incomplete */
  memcpy(tried[(*tried_count)++], hash, 32);
  kyso_error_clear(&e);
  if (kyso_fetch_issuer(config, need->cert, &der, &len, &e) != KYSO_OK) {
    if (e.code == KYSO_ERR_NO_MEMORY || strcmp(e.message, "cancelled") == 0 ||
        strncmp(e.message, "deadline of", 11) == 0)
      return kyso_error_set(err, e.code, "%s", e.message);
    return KYSO_OK; /* the verifier reports the incomplete path */
  }
  if (len > LTV_ISSUER_BYTES_MAX - *bytes) {
    free(der);
    return KYSO_OK;
  }
  *bytes += len;
  b.data = der;
  b.len = len;
  i = g->issuer_count;
  ret = blob_add(&g->issuers, &g->issuer_count, b, NULL, err);
  free(der);
  if (ret == KYSO_OK && g->issuer_count > i)
    (*added)++;
  return ret;
}

static int need_uses(const kyso_ltv_set *set, kyso_blob b) {
  size_t k, count = kyso_ltv_set_get_need_count(set);
  for (k = 0; k < count; k++) {
    const kyso_ltv_need *need = kyso_ltv_set_get_need(set, k);
    if (!need || !need->path_trusted)
      continue;
    if ((need->cert.len == b.len &&
         memcmp(need->cert.data, b.data, b.len) == 0) ||
        (need->issuer.len == b.len &&
         memcmp(need->issuer.data, b.data, b.len) == 0))
      return 1;
  }
  return 0;
}

/* After the rounds: issuers fetched for paths that still reach no anchor
 * are dropped (never embedded), and each certificate of such a path that
 * the document lacks data for is a problem ("not fetched"). */
static kyso_status untrusted_finish(kyso_cli_ltv *g, kyso_error *err) {
  size_t i, k, count;
  kyso_status ret = KYSO_OK;
  kyso_fetch_status st;

  for (i = k = 0; i < g->issuer_count; i++) {
    if (need_uses(g->set, g->issuers[i]))
      g->issuers[k++] = g->issuers[i];
    else
      free((void *)g->issuers[i].data);
  }
  g->issuer_count = k;
  count = g->set ? kyso_ltv_set_get_need_count(g->set) : 0;
  for (k = 0; k < count && ret == KYSO_OK; k++) {
    const kyso_ltv_need *need = kyso_ltv_set_get_need(g->set, k);
    if (!need || need->path_trusted || need->has_revocation ||
        find_answered(g, need->cert))
      continue;
    memset(&st, 0, sizeof(st));
    st.error = KYSO_ERR_LTV_SCOPE;
    snprintf(st.error_message, sizeof(st.error_message),
             "its path reaches no trust anchor: nothing fetched for it");
    ret = problem_add(g, KYSO_CLI_LTV_NO_ANSWER, need, &st, err);
  }
  return ret;
}

kyso_status kyso_cli_ltv_gather(const kyso_fetch_config *config,
                                const uint8_t *pdf, size_t len,
                                const kyso_verify_options *options,
                                int refresh_last, int64_t now,
                                kyso_cli_ltv *out, kyso_error *err) {
  kyso_status ret = KYSO_OK;
  kyso_verify_options opt = *options;
  kyso_fetch_config fresh = *config; /* shallow: never cleared */
  uint64_t force = 0;
  int forced;
  kyso_blob *inter = NULL;
  const kyso_ltv_need **pending = NULL;
  kyso_blob *certs = NULL, *issuers = NULL;
  kyso_fetch_revocation *r = NULL;
  size_t round, i, n, count, added;
  uint8_t tried[LTV_ISSUER_FETCH_MAX][32];
  size_t tried_count = 0, issuer_bytes = 0;

  memset(out, 0, sizeof(*out));
  for (round = 0; round < LTV_ROUNDS_MAX; round++) {
    /* The caller's intermediates and every issuer fetched so far. */
    free(inter);
    inter = malloc((options->intermediate_count + out->issuer_count + 1) *
                   sizeof(*inter));
    if (!inter) {
      ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
      goto done;
    }
    for (i = 0; i < options->intermediate_count; i++)
      inter[i] = options->intermediates[i];
    for (i = 0; i < out->issuer_count; i++)
      inter[options->intermediate_count + i] = out->issuers[i];
    opt.intermediates = inter;
    opt.intermediate_count = options->intermediate_count + out->issuer_count;
    kyso_ltv_set_free(out->set);
    out->set = NULL;
    ret = kyso_ltv_collect(pdf, len, &opt, &out->set, err);
    if (ret != KYSO_OK)
      goto done;
    count = kyso_ltv_set_get_need_count(out->set);
    if (count > LTV_CERTS_MAX) {
      ret = kyso_error_set(err, KYSO_ERR_LIMIT,
                           "the document names more than %d certificates",
                           LTV_CERTS_MAX);
      goto done;
    }
    free(pending);
    free(certs);
    free(issuers);
    pending = calloc(count + 1, sizeof(*pending));
    certs = calloc(count + 1, sizeof(*certs));
    issuers = calloc(count + 1, sizeof(*issuers));
    if (!pending || !certs || !issuers) {
      ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
      goto done;
    }
    if (refresh_last && round == 0) {
      size_t nsig = kyso_ltv_set_get_signature_count(out->set);
      const kyso_ltv_signature *last =
          nsig ? kyso_ltv_set_get_signature(out->set, nsig - 1) : NULL;
      if (last && last->doc_timestamp)
        force = kyso_cli_ltv_signature_bit(nsig - 1);
    }
    forced = 0;
    added = 0;
    for (i = n = 0; i < count; i++) {
      const kyso_ltv_need *need = kyso_ltv_set_get_need(out->set, i);
      if (!need || find_answered(out, need->cert))
        continue;
      if (!need->path_trusted) {
        /* A path that reaches none of our anchors: its certificates are
         * anyone's, their URLs are never used for revocation data. Only
         * the top of an incomplete path may get its issuer through
         * caIssuers (bounded); the next round tells whether the path
         * then reaches an anchor, else that issuer is dropped below. */
        if (!need->issuer.len) {
          ret = issuer_fetch(config, out, need, tried, &tried_count,
                             &issuer_bytes, &added, err);
          if (ret != KYSO_OK)
            goto done;
        }
        continue;
      }
      if (need->has_revocation && !(need->signatures & force))
        continue;
      forced |= need->has_revocation;
      pending[n] = need;
      certs[n] = need->cert;
      issuers[n] = need->issuer;
      n++;
    }
    if (n == 0 && added == 0)
      break;
    if (n == 0)
      continue;
    /* Fresh answers (newer than the timestamp) must not come from the
     * cache. */
    fresh.cache_dir = NULL;
    ret = kyso_fetch_revocation_new(forced ? &fresh : config, certs, issuers, n,
                                    now, &r, err);
    if (ret != KYSO_OK)
      goto done;
    if (r->count != n) {
      ret =
          kyso_error_set(err, KYSO_ERR_STATE,
                         "fetch answered %zu of %zu certificates", r->count, n);
      goto done;
    }
    out->fetched_count += n;
    for (i = 0; i < n && ret == KYSO_OK; i++)
      ret = record(out, pending[i], &r->status[i], r, err);
    kyso_fetch_revocation_free(r);
    r = NULL;
    if (ret != KYSO_OK)
      goto done;
  }
  ret = untrusted_finish(out, err);
done:
  kyso_fetch_revocation_free(r);
  free(pending);
  free(certs);
  free(issuers);
  free(inter);
  return ret;
}

/* Index lists of one /VRI entry. */
typedef struct vri_lists {
  size_t *certs, *crls, *ocsps;
  size_t ncerts, ncrls, nocsps;
} vri_lists;

static void push_index(size_t *list, size_t *n, size_t index) {
  size_t i;
  for (i = 0; i < *n; i++)
    if (list[i] == index)
      return;
  list[(*n)++] = index;
}

kyso_status kyso_cli_ltv_update(const kyso_cli_ltv *g, const uint8_t *pdf,
                                size_t len, int64_t now, uint8_t **update,
                                size_t *update_len, kyso_error *err) {
  kyso_status ret = KYSO_OK;
  kyso_blob *certs = NULL;
  size_t ncerts = 0, i, k, nsig, nneed;
  size_t *cert_of = NULL, *issuer_of = NULL; /* per need; SIZE_MAX: none */
  vri_lists *lists = NULL;
  kyso_dss_vri *vri = NULL;
  size_t nvri = 0;

  *update = NULL;
  *update_len = 0;
  nsig = kyso_ltv_set_get_signature_count(g->set);
  nneed = kyso_ltv_set_get_need_count(g->set);
  cert_of = malloc((nneed + 1) * sizeof(*cert_of));
  issuer_of = malloc((nneed + 1) * sizeof(*issuer_of));
  lists = calloc(nsig + 1, sizeof(*lists));
  vri = calloc(nsig + 1, sizeof(*vri));
  if (!cert_of || !issuer_of || !lists || !vri) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  /* The certificates of the paths the document does not hold (the
   * anchors at the top included: a verifier of the LT file may have only
   * the document). Copies in the list, freed below. */
  for (k = 0; k < nneed; k++) {
    const kyso_ltv_need *need = kyso_ltv_set_get_need(g->set, k);
    cert_of[k] = issuer_of[k] = SIZE_MAX;
    if (!need->path_trusted)
      continue; /* someone else's chain: nothing of it is embedded */
    if (!need->cert_in_document)
      ret = blob_add(&certs, &ncerts, need->cert, &cert_of[k], err);
    if (ret == KYSO_OK && need->issuer.len && !need->issuer_in_document)
      ret = blob_add(&certs, &ncerts, need->issuer, &issuer_of[k], err);
    if (ret != KYSO_OK)
      goto done;
  }
  for (i = 0; i < g->issuer_count; i++) {
    ret = blob_add(&certs, &ncerts, g->issuers[i], NULL, err);
    if (ret != KYSO_OK)
      goto done;
  }
  for (i = 0; i < nsig; i++) {
    const kyso_ltv_signature *sig = kyso_ltv_set_get_signature(g->set, i);
    uint64_t bit = kyso_cli_ltv_signature_bit(i);
    vri_lists *l = &lists[i];
    l->certs = malloc((2 * nneed + 1) * sizeof(size_t));
    l->crls = malloc((nneed + 1) * sizeof(size_t));
    l->ocsps = malloc((nneed + 1) * sizeof(size_t));
    if (!l->certs || !l->crls || !l->ocsps) {
      ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
      goto done;
    }
    for (k = 0; k < nneed; k++) {
      const kyso_ltv_need *need = kyso_ltv_set_get_need(g->set, k);
      const kyso_cli_ltv_answered *a;
      if (!(need->signatures & bit))
        continue;
      if (cert_of[k] != SIZE_MAX)
        push_index(l->certs, &l->ncerts, cert_of[k]);
      if (issuer_of[k] != SIZE_MAX)
        push_index(l->certs, &l->ncerts, issuer_of[k]);
      a = find_answered(g, need->cert);
      if (a && a->kind == KYSO_FETCH_OCSP)
        push_index(l->ocsps, &l->nocsps, a->index);
      else if (a && a->kind == KYSO_FETCH_CRL)
        push_index(l->crls, &l->ncrls, a->index);
    }
    if (l->ncerts + l->ncrls + l->nocsps == 0)
      continue; /* nothing new for this signature */
    memcpy(vri[nvri].key, sig->vri_key, sizeof(vri[nvri].key));
    vri[nvri].certs = l->certs;
    vri[nvri].ncerts = l->ncerts;
    vri[nvri].crls = l->crls;
    vri[nvri].ncrls = l->ncrls;
    vri[nvri].ocsps = l->ocsps;
    vri[nvri].nocsps = l->nocsps;
    vri[nvri].time = now;
    nvri++;
  }
  if (ncerts + g->crl_count + g->ocsp_count == 0)
    goto done; /* nothing to add */
  ret = kyso_dss_append_vri(pdf, len, certs, ncerts, g->crls, g->crl_count,
                            g->ocsps, g->ocsp_count, vri, nvri, update,
                            update_len, err);
done:
  for (i = 0; i < ncerts; i++)
    free((void *)certs[i].data);
  free(certs);
  if (lists)
    for (i = 0; i < nsig; i++) {
      free(lists[i].certs);
      free(lists[i].crls);
      free(lists[i].ocsps);
    }
  free(lists);
  free(vri);
  free(cert_of);
  free(issuer_of);
  return ret;
}

void kyso_cli_ltv_print_problem(const kyso_cli_ltv_problem *p,
                                const char *label) {
  char when[40] = "";
  int url_said = p->url[0] && strstr(p->message, p->url) != NULL;
  switch (p->kind) {
  case KYSO_CLI_LTV_REVOKED:
    kyso_time_format_iso8601(p->revocation_time, 420, when);
    fprintf(stderr, "kyso: %s: certificate %s is REVOKED (since %s)\n", label,
            p->subject, when);
    break;
  case KYSO_CLI_LTV_UNKNOWN:
    fprintf(stderr,
            "kyso: %s: the responder does not know certificate %s%s%s\n", label,
            p->subject, p->url[0] ? " at " : "", p->url);
    break;
  default:
    fprintf(
        stderr, "kyso: %s: no revocation data for certificate %s: %s%s%s%s%s\n",
        label, p->subject, kyso_status_name(p->code), p->message[0] ? ": " : "",
        p->message, p->url[0] && !url_said ? " at " : "",
        p->url[0] && !url_said ? p->url : "");
  }
}

size_t kyso_cli_ltv_print_problems(const kyso_cli_ltv *g, uint64_t signatures,
                                   const char *label) {
  size_t i, printed = 0;
  for (i = 0; i < g->problem_count; i++) {
    if (!(g->problems[i].signatures & signatures))
      continue;
    kyso_cli_ltv_print_problem(&g->problems[i], label);
    printed++;
  }
  return printed;
}

void kyso_cli_ltv_free(kyso_cli_ltv *g) {
  size_t i;
  for (i = 0; i < g->issuer_count; i++)
    free((void *)g->issuers[i].data);
  for (i = 0; i < g->ocsp_count; i++)
    free((void *)g->ocsps[i].data);
  for (i = 0; i < g->crl_count; i++)
    free((void *)g->crls[i].data);
  free(g->issuers);
  free(g->ocsps);
  free(g->crls);
  free(g->answered);
  free(g->problems);
  kyso_ltv_set_free(g->set);
  memset(g, 0, sizeof(*g));
}
