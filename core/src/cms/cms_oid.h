/*
 * cms_oid.h - the DER contents of the object identifiers that kyso's CMS
 * writer (cms_build.c) and the SignedAttributes check (cms_attrs_check.c)
 * both use: one table, so the two cannot drift apart. Sizes are part of
 * the declarations so that sizeof works on them.
 */
#ifndef KYSO_CMS_OID_H
#define KYSO_CMS_OID_H

#include <stdint.h>

/* 2.16.840.1.101.3.4.2.1 */
extern const uint8_t kyso_oid_sha256[9];
/* 2.16.840.1.101.3.4.2.2 */
extern const uint8_t kyso_oid_sha384[9];
/* 2.16.840.1.101.3.4.2.3 */
extern const uint8_t kyso_oid_sha512[9];
/* 1.2.840.10045.4.3.2 */
extern const uint8_t kyso_oid_ecdsa_sha256[8];
/* 1.2.840.10045.4.3.3 */
extern const uint8_t kyso_oid_ecdsa_sha384[8];
/* 1.2.840.10045.4.3.4 */
extern const uint8_t kyso_oid_ecdsa_sha512[8];
/* 1.2.840.113549.1.1.1 */
extern const uint8_t kyso_oid_rsa_encryption[9];
/* 1.2.840.113549.1.9.4 */
extern const uint8_t kyso_oid_message_digest[9];
/* 1.2.840.113549.1.9.3 */
extern const uint8_t kyso_oid_content_type[9];
/* id-data 1.2.840.113549.1.7.1 */
extern const uint8_t kyso_oid_data[9];
/* 1.2.840.113549.1.9.16.2.47 */
extern const uint8_t kyso_oid_signing_cert_v2[11];

#endif
