/*
 * verify_internal.h - the verifier's report model and the stages that fill
 * it (private to the core). See kyso/verify.h for what is checked.
 *
 * verify.c walks the signature fields and runs, per signature:
 *   verify_structure.c  STRUCTURE, REVISION
 *   verify_cms.c        CMS, INTEGRITY, SIGNING_CERT, SIGNATURE, ALGORITHMS,
 *                       TIMESTAMP (and fills the signer's identity)
 *   verify_chain.c      CHAIN, VALIDITY, KEY_USAGE
 *   verify_revocation.c REVOCATION (DSS, adbe-revocationInfoArchival and
 *                       the caller's extra CRLs and OCSP responses)
 *   verify_changes.c    CHANGES (what later revisions did)
 * then verify_report.c derives the indication and writes the JSON.
 *
 * A stage records outcomes in its checks and never fails the call for a bad
 * document; it returns an error status only for memory exhaustion or a bug.
 * Strings in the report live in the report's arena; reason codes are static
 * snake_case strings (the CLI and web pages translate them).
 */
#ifndef KYSO_VERIFY_INTERNAL_H
#define KYSO_VERIFY_INTERNAL_H

#include <openssl/cms.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>

/* OpenSSL declares no stack of OCSP responses; the verifier needs one. */
#ifndef KYSO_STACK_OF_OCSP_RESPONSE
#define KYSO_STACK_OF_OCSP_RESPONSE
DEFINE_STACK_OF(OCSP_RESPONSE)
#endif

#include "base/arena.h"
#include "base/buf.h"
#include "base/time_civil.h"
#include "kyso/verify.h"
#include "pdf/pdf_file.h"
#include "verify/verify_cms_certs.h"
#include "verify/verify_evidence.h"
#include "verify/verify_hash.h"

typedef enum kyso_check_result {
  KYSO_RESULT_NOT_RUN = 0, /* an earlier check failed, or not applicable */
  KYSO_RESULT_PASSED,
  KYSO_RESULT_FAILED,
  KYSO_RESULT_INDETERMINATE
} kyso_check_result;

typedef enum kyso_check_id {
  KYSO_CHECK_STRUCTURE = 0, /* signature dictionary, /ByteRange, /Contents */
  KYSO_CHECK_REVISION,      /* the revision the signature covers */
  KYSO_CHECK_CMS,           /* CMS decodes: SignedData, SignerInfos,
                               detached, content-type */
  KYSO_CHECK_INTEGRITY,     /* message-digest equals the ByteRange hash */
  KYSO_CHECK_SIGNING_CERT,  /* ESS signing-certificate(-v2) names the signer */
  KYSO_CHECK_SIGNATURE,     /* signature value verifies */
  KYSO_CHECK_ALGORITHMS,    /* digest and key strong enough */
  KYSO_CHECK_CHAIN,         /* path from the signer to a trust anchor */
  KYSO_CHECK_VALIDITY,      /* every path certificate valid at signing time */
  KYSO_CHECK_KEY_USAGE,     /* signer key usage allows signing */
  KYSO_CHECK_REVOCATION,    /* not revoked at signing time */
  KYSO_CHECK_TIMESTAMP,     /* signature timestamp (RFC 3161) */
  KYSO_CHECK_CHANGES,       /* later revisions change only what is allowed */
  KYSO_CHECK_COUNT
} kyso_check_id;

typedef struct kyso_check {
  kyso_check_result result;
  const char *reason; /* static snake_case code, e.g. "message_digest_mismatch";
                         NULL while NOT_RUN */
  char *detail;       /* short English detail (arena), may be NULL */
} kyso_check;

/* One thing a later revision did, relative to the signed revision. */
typedef struct kyso_change {
  uint32_t object;  /* object number (0 when not about one object) */
  const char *kind; /* static: "signature_added", "form_field_filled",
                       "annotation_added", "dss_added", "page_content",
                       "page_added", "page_changed", "font", "xobject",
                       "annotation_changed", "catalog_changed",
                       "object_freed", "other" ... */
  int allowed;      /* 1: allowed after this signature (DocMDP level) */
  char *detail;     /* English detail (arena), may be NULL */
} kyso_change;

/* One certificate's revocation evidence (REVOCATION), for the report's
 * revocation_evidence: what was used and where it came from. */
typedef struct kyso_rev_evidence {
  const char *certificate; /* short subject name (arena) */
  const char *serial;      /* hex, upper case (arena) */
  int is_ca;
  const char *status; /* static: "good", "revoked", "invalid", "none" */
  const char *type;   /* static: "ocsp", "crl", or NULL */
  const char *source; /* static: "dss", "dss_vri", "cms", "fetched",
                         "loaded", or NULL */
  int has_this_update;
  int64_t this_update;
  int has_produced_at; /* OCSP producedAt; a CRL's thisUpdate */
  int64_t produced_at;
  int has_revoked_at;
  int64_t revoked_at;
} kyso_rev_evidence;

typedef struct kyso_sig_report {
  const char *field;      /* fully qualified field name, UTF-8 */
  const char *type;       /* "Sig", "DocTimeStamp" or as found */
  const char *sub_filter; /* as found */
  int64_t byte_range[4];
  size_t byte_range_count;
  long long revision; /* 0-based revision index, -1 if none */
  int covers_whole_file;

  /* The signer (from the CMS); NULL when unknown. */
  const char *signer_subject; /* RFC 2253, UTF-8 */
  const char *signer_cn;
  const char *signer_o;
  const char *signer_serial; /* hex, upper case */
  const char *issuer_subject;
  const char *issuer_cn;
  const char *digest_algorithm;    /* "sha256", ... */
  const char *signature_algorithm; /* "rsa-pkcs1", "rsa-pss", "ecdsa" */
  int key_bits;

  /* Times, seconds since 1970 UTC. */
  int has_claimed_time; /* /M parsed */
  int64_t claimed_time;
  int has_timestamp; /* a valid signature timestamp gave a time */
  int64_t timestamp_time;

  kyso_check checks[KYSO_CHECK_COUNT];
  kyso_change *changes;
  size_t change_count, change_cap;

  kyso_indication indication;
  const char *sub_indication; /* ETSI name, or NULL */

  /* REVOCATION, one entry per certificate judged (arena). */
  kyso_rev_evidence *evidence;
  size_t evidence_count;

  /* A claimed signing time (/M or the CMS signingTime) later than the
   * valid signature timestamp by more than the tolerance: seconds after
   * (TIMESTAMP passes with signing_time_after_timestamp). */
  int has_signing_time_offset;
  int64_t signing_time_offset;
} kyso_sig_report;

struct kyso_report {
  kyso_arena arena;
  size_t file_size;
  size_t revision_count;
  int64_t validation_time;
  kyso_sig_report *sigs;
  size_t count;
  kyso_buf json;
  kyso_buf text; /* kyso_report_get_text */
};

/* What /DSS holds (ISO 32000-2 12.8.4.3, ETSI EN 319 142-1 5.4.2),
 * gathered once per document (verify_revocation.c). */
typedef struct kyso_crl_item kyso_crl_item;       /* verify_revocation.c */
typedef struct kyso_rev_verdict kyso_rev_verdict; /* idem */
typedef struct kyso_dss {
  STACK_OF(X509) *certs;
  STACK_OF(X509_CRL) *crls; /* ctx->extra only: decoded when supplied */
  STACK_OF(OCSP_RESPONSE) *ocsps;
  int crls_top, ocsps_top; /* the first ones come from the DSS itself, the
                              rest only from /VRI entries */
  /* ctx->dss only: its CRLs, each decoded when first needed (only those
   * whose issuer name is a certificate's issuer), the items left out by
   * the size limits (KYSO_LIMIT_VERIFY_*), and the signature verdicts
   * kept per (item, issuer) with the budget of public-key operations of
   * the whole verification (KYSO_LIMIT_REVOCATION_KEY_OPS). */
  kyso_crl_item *crl_items;
  int crl_item_count;
  int left_out;
  size_t crl_decoded; /* DER bytes of the CRLs decoded so far */
  kyso_rev_verdict *verdicts;
  size_t verdict_count, verdict_cap;
  kyso_key_budget key_budget;
} kyso_dss;

typedef struct kyso_ltv_hook kyso_ltv_hook;

/* Shared by all signatures of one document. */
typedef struct kyso_verify_ctx {
  const uint8_t *data;
  size_t len;
  kyso_pdf *pdf;
  const kyso_verify_options *options;
  kyso_report *report;
  STACK_OF(X509) *anchors;       /* parsed options->anchors */
  STACK_OF(X509) *intermediates; /* parsed options->intermediates */
  kyso_dss dss;
  kyso_dss extra;         /* options->extra_crls / extra_ocsps (no certs) */
  kyso_range_hash *hash;  /* signed ranges hashed once (verify_hash.h) */
  kyso_cert_cache *certs; /* CMS certificates decoded once */
  /* kyso_ltv_collect's recorder (ltv/ltv_hook.h); NULL in kyso_verify.
   * ltv_st: the signature whose stages run. */
  struct kyso_ltv_hook *ltv;
  struct kyso_sig_state *ltv_st;
} kyso_verify_ctx;

/* One signature on its way through the stages. */
typedef struct kyso_sig_state {
  kyso_sig_report *rep;
  kyso_obj *dict;          /* the /V signature dictionary (resolved) */
  int dict_is_direct;      /* /V was a direct object (not a reference) */
  uint32_t dict_num;       /* its object number when indirect */
  const uint8_t *contents; /* decoded /Contents bytes (borrowed) */
  size_t contents_len;
  int structure_ok; /* STRUCTURE passed: the byte ranges are usable */

  /* Filled by verify_cms.c. */
  CMS_ContentInfo *cms;
  X509 *signer;                            /* borrowed from cms_certs */
  STACK_OF(X509) *cms_certs;               /* owned */
  STACK_OF(X509_CRL) *archived_crls;       /* adbe-revocationInfoArchival */
  STACK_OF(OCSP_RESPONSE) *archived_ocsps; /* idem */
  int64_t signing_time;      /* timestamp time if proven, else claimed /M,
                                else the validation time */
  int has_signing_time_attr; /* the CMS signingTime (RFC 5652 11.3) */
  int64_t signing_time_attr;
  int time_proven; /* signing_time comes from a valid timestamp */
} kyso_sig_state;

/* ---- report helpers (verify_report.c) ---------------------------------- */

/* Records a check outcome; detail is printf-style (may be NULL). */
void kyso_check_set(kyso_report *report, kyso_check *check,
                    kyso_check_result result, const char *reason,
                    const char *detail_format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* Appends a change; 0 on success, -1 out of memory. */
int kyso_change_add(kyso_report *report, kyso_sig_report *sig, uint32_t object,
                    const char *kind, int allowed, const char *detail_format,
                    ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

/* A copy of s in the report's arena (NULL if s is NULL or memory fails). */
const char *kyso_report_strdup(kyso_report *report, const char *s);

/* JSON names of the checks, in kyso_check_id order; indication names. */
extern const char *const kyso_check_names[KYSO_CHECK_COUNT];
const char *kyso_indication_name(kyso_indication indication);

/* Fills indication and sub_indication of sig from its checks. */
void kyso_report_decide(kyso_sig_report *sig);

/* Writes report->json. */
kyso_status kyso_report_write_json(kyso_report *report, kyso_error *err);

/* ---- the stages ------------------------------------------------------- */

kyso_status kyso_verify_structure(kyso_verify_ctx *ctx, kyso_sig_state *st,
                                  kyso_error *err);
kyso_status kyso_verify_cms(kyso_verify_ctx *ctx, kyso_sig_state *st,
                            kyso_error *err);
kyso_status kyso_verify_chain(kyso_verify_ctx *ctx, kyso_sig_state *st,
                              kyso_error *err);
kyso_status kyso_verify_revocation(kyso_verify_ctx *ctx, kyso_sig_state *st,
                                   kyso_error *err);
/* Whether a timestamp's TSA path (path: TSA certificate first, as
 * kyso_verify_path gives it; st the signature it belongs to) has a
 * certificate below the anchor that the DSS or the caller's data show
 * revoked at or before gen_time, or revoked for keyCompromise or
 * cACompromise at any time (verify_revocation.c): 1 and a one-line detail
 * (size bytes), 0 when not, -1 when memory runs out. No data, or data that
 * does not verify, is 0: like a CA certificate of a signer's path
 * (REQUIRE_CA_REVOCATION_DATA), the TSA's status is not required. */
int kyso_revocation_tsa(kyso_verify_ctx *ctx, kyso_sig_state *st,
                        STACK_OF(X509) *path, int64_t gen_time, char *detail,
                        size_t size);
kyso_status kyso_verify_changes(kyso_verify_ctx *ctx, kyso_sig_state *st,
                                kyso_error *err);

/* Reads /DSS into ctx->dss (verify_revocation.c). A malformed DSS is not
 * an error: what can be read is used. */
kyso_status kyso_dss_load(kyso_verify_ctx *ctx, kyso_error *err);
void kyso_dss_free(kyso_dss *dss);
/* Test hook: DSS CRLs decoded by this process (each only once a
 * certificate of its issuer is judged). */
unsigned long kyso_dss_crl_decodes_total(void);
/* Decodes options->extra_crls / extra_ocsps into ctx->extra (free with
 * kyso_dss_free): KYSO_ERR_LIMIT past KYSO_LIMIT_VERIFY_EXTRA_ITEMS or an
 * item size limit, KYSO_ERR_ARGUMENT for an item that does not decode. */
kyso_status kyso_extra_load(kyso_verify_ctx *ctx, kyso_error *err);

/*
 * Builds and checks a certificate path for cert at time t (verify_chain.c),
 * used for signers and for TSA certificates. untrusted: extra certificates
 * (CMS, DSS, options). purpose: X509_PURPOSE_ANY, or
 * X509_PURPOSE_TIMESTAMP_SIGN for a TSA. On success *path is the chain from
 * cert to the anchor (owned by the caller; free with sk_X509_pop_free). The
 * result is a reason code (NULL when the path is good):
 * "no_certificate_chain_found", "certificate_expired",
 * "certificate_not_yet_valid", "chain_constraints_failure", ...
 */
const char *kyso_verify_path(kyso_verify_ctx *ctx, X509 *cert,
                             STACK_OF(X509) *untrusted, int64_t t, int purpose,
                             STACK_OF(X509) **path);

void kyso_sig_state_free(kyso_sig_state *st);

#endif
