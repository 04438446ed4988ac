/*
 * verify_cms_certs.h - decoding each signature's CMS with its certificates
 * decoded once per file (private to the verifier).
 *
 * OpenSSL 3.0 decodes every certificate's public key through its provider
 * decoders when it reads a CMS: on a document with 30 signatures that each
 * carry the same 3 certificates, 90 such decodes were 40 % of `kyso
 * verify`. Here the certificates are cut out of the SignedData, decoded
 * once each (by their DER bytes) and added back in their order: the same
 * CMS_ContentInfo as d2i_CMS_ContentInfo gives. Any shape this does not
 * handle (BER, other certificate choices, duplicates, no certificates) goes
 * to d2i_CMS_ContentInfo as before.
 */
#ifndef KYSO_VERIFY_CMS_CERTS_H
#define KYSO_VERIFY_CMS_CERTS_H

#include <openssl/cms.h>

typedef struct kyso_cert_cache kyso_cert_cache;

/* NULL when out of memory (kyso_cms_decode then decodes as OpenSSL does). */
kyso_cert_cache *kyso_cert_cache_new(void);
void kyso_cert_cache_free(kyso_cert_cache *c);

/* d2i_CMS_ContentInfo(NULL, pp, len), its result and *pp after it, with
 * the certificates taken from (and added to) c. */
CMS_ContentInfo *kyso_cms_decode(kyso_cert_cache *c, const unsigned char **pp,
                                 long len);

#endif
