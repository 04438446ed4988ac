/*
 * test_attrs.h - the table of SignedAttributes the strict profile
 * (kyso/cms.h) accepts and refuses, each built for a given certificate.
 *
 * One table for three users: the unit test (test_cms_attrs_check.c) checks
 * every row's status against the core, the host test's generator
 * (tests/host/host_attrs_blobs.c) writes the blobs that the real kyso-host
 * must refuse before any dialog, and the fuzz seeds (tests/fuzz/corpus/attrs)
 * were made from it. Each refused row is one of the reproductions of issue
 * 11 item 3 or one rule of the profile.
 *
 * A row starts from kyso's own SignedAttributes (kyso_cms_build_signed_attrs
 * with test_attrs_md as the message-digest), edits them, and writes the SET
 * in DER order unless the row says otherwise.
 */
#ifndef KYSO_TEST_ATTRS_H
#define KYSO_TEST_ATTRS_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "kyso/sign.h"
#include "kyso/status.h"

/* Which certificate's key a row applies to. */
typedef enum test_attrs_key {
  TEST_ATTRS_KEY_ANY,
  TEST_ATTRS_KEY_RSA,
  TEST_ATTRS_KEY_EC
} test_attrs_key;

/* Row flags. */
enum {
  TEST_ATTRS_UNSORTED = 1,    /* the SET's elements in descending order */
  TEST_ATTRS_TRAILING = 2,    /* one octet after the SET */
  TEST_ATTRS_LONG_LENGTH = 4, /* the SET's length with a leading zero octet */
  TEST_ATTRS_OTHER_CERT = 8   /* kyso's attributes for the other certificate */
};

/* Where a row's edit writes: the Attributes, one whole TLV each. */
enum { TEST_ATTRS_MAX = 8 };
typedef struct test_attrs_set {
  kyso_buf attr[TEST_ATTRS_MAX];
  size_t n;
} test_attrs_set;

/* What an edit may use. */
typedef struct test_attrs_env {
  kyso_blob cert;  /* the signer's certificate, DER */
  kyso_blob other; /* another certificate, DER */
  kyso_digest digest;
} test_attrs_env;

typedef struct test_attrs_case {
  const char *name; /* a slug: the host test's file names, messages */
  test_attrs_key key;
  kyso_digest digest;
  void (*edit)(test_attrs_set *s, const test_attrs_env *env); /* NULL: none */
  int flags;
  kyso_status want; /* kyso_cms_attrs_check's status */
} test_attrs_case;

extern const test_attrs_case test_attrs_cases[];
extern const size_t test_attrs_case_count;

/* The message-digest value the rows carry for digest d, kyso_digest_size(d)
 * octets into out (at least 64). */
void test_attrs_md(kyso_digest d, uint8_t *out);

/* Whether row c applies to a certificate whose key is key (RSA or EC). */
int test_attrs_case_fits(const test_attrs_case *c, test_attrs_key key);

/* Builds row c for cert (and other, for the rows naming another
 * certificate) into out (initialised by the caller). 0 on success, -1 if
 * the base attributes cannot be built. */
int test_attrs_build(const test_attrs_case *c, kyso_blob cert, kyso_blob other,
                     kyso_buf *out);

/* Signing-time 2019 over a message-digest the caller computed: the
 * "detached CAdES over a contract text, backdated" reproduction. kyso's
 * attributes for cert and that digest (SHA-256) plus signing-time
 * 2019-03-15T09:00:00Z, in DER order. 0 on success, -1 on failure. */
int test_attrs_build_cades(kyso_blob cert, const uint8_t md[32], kyso_buf *out);

#endif
