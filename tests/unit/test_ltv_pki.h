/*
 * test_ltv_pki.h - a small CA hierarchy, CRLs and real RFC 3161 tokens for
 * the long-term validation unit tests (test_ltv_collect, test_dss_vri,
 * test_doc_timestamp).
 *
 * Certificates and CRLs are made in process with OpenSSL (EC P-256 keys).
 * Timestamp tokens come from the openssl command line (`openssl ts -query`
 * then `openssl ts -reply -token_out`), an implementation independent of
 * kyso, run in a temporary directory. Failures return 0 / NULL with the
 * reason on stderr; nothing here CHECKs.
 */
#ifndef KYSO_TEST_LTV_PKI_H
#define KYSO_TEST_LTV_PKI_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "kyso/sign.h"

typedef enum tl_kind {
  TL_ROOT = 0, /* self-signed CA */
  TL_CA,       /* intermediate CA */
  TL_LEAF,     /* document signer: digitalSignature, nonRepudiation */
  TL_TSA       /* TSA: critical extendedKeyUsage timeStamping only */
} tl_kind;

typedef struct tl_cert {
  EVP_PKEY *key;
  X509 *x;
  uint8_t *der;
  size_t len;
} tl_cert;

/* A certificate of kind for cn, issued by issuer (NULL for TL_ROOT), valid
 * from 2024-01-01 for ten years from now. 1 ok, 0 on failure. */
int tl_cert_new(tl_cert *out, tl_kind kind, const char *cn, uint64_t serial,
                const tl_cert *issuer);
void tl_cert_free(tl_cert *c);
static inline kyso_blob tl_blob(const tl_cert *c) {
  kyso_blob b = {c->der, c->len};
  return b;
}

/* A CRL (DER, OPENSSL_free) by issuer: thisUpdate, nextUpdate (0: none),
 * listing revoked[0..nrevoked) revoked at this_update - 60. */
uint8_t *tl_crl_new(const tl_cert *issuer, int64_t this_update,
                    int64_t next_update, const uint64_t *revoked,
                    size_t nrevoked, size_t *len);

/* A scratch directory (mkdtemp under $TMPDIR or /tmp); its path, static. */
const char *tl_workdir(void);

/* Writes bytes to dir/name; 1 ok. */
int tl_write_file(const char *name, const uint8_t *data, size_t len);
/* Reads dir/name (malloc'd); NULL on failure. */
uint8_t *tl_read_file(const char *name, size_t *len);

/* A TimeStampToken (DER ContentInfo, malloc'd) from `openssl ts -reply`
 * with tsa (and chain[0..nchain) added to the token's certificates) over
 * the digest md (its algorithm d). NULL on failure. */
uint8_t *tl_ts_token(const tl_cert *tsa, const tl_cert *const *chain,
                     size_t nchain, kyso_digest d, const uint8_t *md,
                     size_t md_len, size_t *len);

/* Signs the PDF (*data, *len; malloc'd, grown) as signer with the issuer
 * certificates chain[0..nchain) in the CMS and, when tsa is not NULL, a
 * signature timestamp from tsa (tsa_chain in the token). Field name
 * `field`; signing time now. 1 ok. */
int tl_sign_pdf(uint8_t **data, size_t *len, const char *field,
                const tl_cert *signer, const tl_cert *const *chain,
                size_t nchain, const tl_cert *tsa,
                const tl_cert *const *tsa_chain, size_t ntsa_chain);

/* Adds a document timestamp from tsa (tsa_chain in the token), SHA-256.
 * When token_out is not NULL it receives a copy of the token (malloc'd)
 * and *token_len its size. 1 ok. */
int tl_doc_timestamp(uint8_t **data, size_t *len, const tl_cert *tsa,
                     const tl_cert *const *tsa_chain, size_t ntsa_chain,
                     uint8_t **token_out, size_t *token_len);

/* The decoded /Contents of the signature whose /ByteRange is the n-th one
 * kyso_verify_list_byte_ranges lists (the hex between the two ranges);
 * malloc'd, NULL on failure. */
uint8_t *tl_contents_of(const uint8_t *pdf, size_t len, size_t n,
                        size_t *out_len);

/* Runs a shell command; its exit status (-1 if it did not run). */
int tl_run(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* SHA-1 of dir/name by `openssl dgst -sha1`, into out (20 bytes); 1 ok. */
int tl_openssl_sha1(const char *name, uint8_t out[20]);

#endif
