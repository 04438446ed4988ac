/* verify_cms_certs.c - a signature's CMS decoded with cached certificates;
 * see verify_cms_certs.h. */
#include "verify/verify_cms_certs.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "base/buf.h"
#include "cms/der_read.h"
#include "cms/der_write.h"
#include "kyso/limits.h"

typedef struct cached_cert {
  uint8_t *der;
  size_t len;
  X509 *x;
} cached_cert;

struct kyso_cert_cache {
  cached_cert certs[KYSO_LIMIT_CERT_CACHE];
  size_t count;
};

kyso_cert_cache *kyso_cert_cache_new(void) {
  return calloc(1, sizeof(kyso_cert_cache));
}

void kyso_cert_cache_free(kyso_cert_cache *c) {
  size_t i;
  if (!c)
    return;
  for (i = 0; i < c->count; i++) {
    free(c->certs[i].der);
    X509_free(c->certs[i].x);
  }
  free(c);
}

/* The certificate whose DER is der, decoded once; a new reference (NULL
 * when it does not decode to exactly these octets). */
static X509 *cert_get(kyso_cert_cache *c, kyso_blob der) {
  X509 *x = NULL;
  const unsigned char *p = der.data;
  size_t i;

  for (i = 0; i < c->count && !x; i++)
    if (c->certs[i].len == der.len &&
        memcmp(c->certs[i].der, der.data, der.len) == 0)
      x = c->certs[i].x;
  if (x) {
    if (X509_up_ref(x) != 1)
      x = NULL;
    goto done;
  }
  x = d2i_X509(NULL, &p, (long)der.len);
  if (x && p != der.data + der.len) {
    X509_free(x);
    x = NULL;
  }
  if (x && c->count < KYSO_LIMIT_CERT_CACHE) {
    cached_cert *e = &c->certs[c->count];
    e->der = malloc(der.len);
    if (e->der && X509_up_ref(x) == 1) {
      memcpy(e->der, der.data, der.len);
      e->len = der.len;
      e->x = x;
      c->count++;
    } else {
      free(e->der);
      e->der = NULL;
    }
  }
done:
  return x;
}

/* Where the certificates [0] of a DER ContentInfo lie: the ContentInfo,
 * the [0] EXPLICIT content and the SignedData (whole TLVs), the
 * certificates element (whole TLV) and its content. 0 when the input has
 * that shape with at least one certificate, all plain Certificates. */
typedef struct cms_layout {
  kyso_blob ci, oid, expl, sd, certs, certs_content;
} cms_layout;

static int find_certs(const uint8_t *p, size_t len, cms_layout *l) {
  kyso_blob d = {p, len}, cur, body, sd_content, item;
  uint8_t tag;
  size_t n = 0;
  int ok = -1;

  if (kyso_der_read(&d, &tag, &body, &l->ci) || tag != KYSO_DER_SEQUENCE)
    goto done;
  cur = body;
  if (kyso_der_read(&cur, &tag, &item, &l->oid) || tag != KYSO_DER_OID ||
      kyso_der_read(&cur, &tag, &body, &l->expl) ||
      tag != KYSO_DER_CONTEXT_CONSTRUCTED || cur.len != 0)
    goto done;
  cur = body;
  if (kyso_der_read(&cur, &tag, &sd_content, &l->sd) ||
      tag != KYSO_DER_SEQUENCE || cur.len != 0)
    goto done;
  /* version, digestAlgorithms, encapContentInfo, then [0] certificates */
  cur = sd_content;
  if (kyso_der_read(&cur, &tag, &item, NULL) || tag != 0x02 ||
      kyso_der_read(&cur, &tag, &item, NULL) || tag != KYSO_DER_SET ||
      kyso_der_read(&cur, &tag, &item, NULL) || tag != KYSO_DER_SEQUENCE ||
      kyso_der_read(&cur, &tag, &l->certs_content, &l->certs) ||
      tag != KYSO_DER_CONTEXT_CONSTRUCTED)
    goto done;
  cur = l->certs_content;
  while (cur.len > 0 && n <= KYSO_LIMIT_CERT_CACHE) {
    if (kyso_der_read(&cur, &tag, &item, NULL) || tag != KYSO_DER_SEQUENCE)
      goto done;
    n++;
  }
  if (n > 0 && n <= KYSO_LIMIT_CERT_CACHE)
    ok = 0;
done:
  return ok;
}

/* The ContentInfo of l without its certificates element, in out. */
static int write_without_certs(const cms_layout *l, kyso_buf *out) {
  const uint8_t *sd_content;
  size_t hdr = 0, sd_content_len = 0, before, after, sd_len, expl_len, ci_len;
  uint8_t tag;

  if (kyso_der_read_header(l->sd.data, l->sd.len, &tag, &hdr, &sd_content_len))
    return -1;
  sd_content = l->sd.data + hdr;
  /* The SignedData content: what precedes and follows the certificates. */
  before = (size_t)(l->certs.data - sd_content);
  after = sd_content_len - before - l->certs.len;
  sd_len = before + after;
  expl_len = kyso_der_header_size(sd_len) + sd_len;
  ci_len = l->oid.len + kyso_der_header_size(expl_len) + expl_len;
  kyso_der_put_header(out, KYSO_DER_SEQUENCE, ci_len);
  kyso_buf_append(out, l->oid.data, l->oid.len);
  kyso_der_put_header(out, KYSO_DER_CONTEXT_CONSTRUCTED, expl_len);
  kyso_der_put_header(out, KYSO_DER_SEQUENCE, sd_len);
  kyso_buf_append(out, sd_content, before);
  kyso_buf_append(out, l->certs.data + l->certs.len, after);
  return kyso_buf_ok(out) ? 0 : -1;
}

/* The cut-and-add decode; NULL when it does not apply. */
static CMS_ContentInfo *decode_cached(kyso_cert_cache *c, const uint8_t *p,
                                      size_t len, size_t *used) {
  CMS_ContentInfo *cms = NULL;
  cms_layout l;
  kyso_buf stripped;
  kyso_blob cur, der, added[KYSO_LIMIT_CERT_CACHE];
  size_t n_added = 0;
  uint8_t tag;
  const unsigned char *q;

  kyso_buf_init(&stripped);
  if (find_certs(p, len, &l) || write_without_certs(&l, &stripped) ||
      stripped.len > (size_t)INT32_MAX)
    goto fail;
  q = stripped.data;
  cms = d2i_CMS_ContentInfo(NULL, &q, (long)stripped.len);
  if (!cms || q != stripped.data + stripped.len)
    goto fail;
  cur = l.certs_content;
  while (cur.len > 0) {
    X509 *x;
    kyso_blob content;
    size_t k;
    int again = 0;
    if (kyso_der_read(&cur, &tag, &content, &der))
      goto fail;
    /* The same certificate twice (signers often embed the chain twice)
     * is one certificate: CMS_add1_cert refuses a second copy. The pool
     * is used as a set (the signer, the chain's untrusted certificates),
     * first occurrences keep their order. */
    for (k = 0; k < n_added && !again; k++)
      again = added[k].len == der.len &&
              memcmp(added[k].data, der.data, der.len) == 0;
    if (again)
      continue;
    x = cert_get(c, der);
    if (!x || CMS_add1_cert(cms, x) != 1) {
      X509_free(x);
      goto fail;
    }
    X509_free(x);
    added[n_added++] = der;
  }
  *used = l.ci.len;
  goto done;
fail:
  CMS_ContentInfo_free(cms);
  cms = NULL;
done:
  kyso_buf_free(&stripped);
  return cms;
}

CMS_ContentInfo *kyso_cms_decode(kyso_cert_cache *c, const unsigned char **pp,
                                 long len) {
  CMS_ContentInfo *cms = NULL;
  size_t used = 0;

  if (c && len > 0) {
    ERR_set_mark();
    cms = decode_cached(c, *pp, (size_t)len, &used);
    ERR_pop_to_mark();
  }
  if (cms)
    *pp += used;
  else
    cms = d2i_CMS_ContentInfo(NULL, pp, len);
  return cms;
}
