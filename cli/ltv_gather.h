/*
 * ltv_gather.h - the kyso command's long-term validation step: which
 * certificates of a signed PDF lack revocation data (kyso_ltv_collect),
 * fetching it (kyso_fetch_revocation_new, issuers through caIssuers too),
 * and the DSS + /VRI update that embeds it (kyso_dss_append_vri). Used by
 * `kyso sign --ltv`, `kyso timestamp --ltv`, `kyso ltv` and `kyso verify
 * --online` (which hands the data to the verifier instead of the file).
 */
#ifndef KYSO_CLI_LTV_GATHER_H
#define KYSO_CLI_LTV_GATHER_H

#include <stddef.h>
#include <stdint.h>

#include "kyso/fetch.h"
#include "kyso/ltv.h"
#include "kyso/verify.h"

typedef enum kyso_cli_ltv_problem_kind {
  KYSO_CLI_LTV_NO_ANSWER = 0, /* nothing usable fetched (URL, why) */
  KYSO_CLI_LTV_REVOKED = 1,   /* an answer: the certificate is revoked */
  KYSO_CLI_LTV_UNKNOWN = 2    /* OCSP "unknown": the responder knows it not */
} kyso_cli_ltv_problem_kind;

/* One certificate left without usable "good" data. */
typedef struct kyso_cli_ltv_problem {
  kyso_cli_ltv_problem_kind kind;
  char subject[256]; /* RFC 2253, UTF-8 */
  char url[KYSO_LIMIT_LTV_URL_LENGTH + 1];
  char message[KYSO_ERROR_MESSAGE_MAX];
  kyso_status code;
  int64_t revocation_time; /* REVOKED */
  int had_data;        /* the document holds data for it already (asked again
                          for an archive renewal): a failure is no loss */
  uint64_t signatures; /* kyso_ltv_need.signatures */
} kyso_cli_ltv_problem;

typedef struct kyso_cli_ltv_answered kyso_cli_ltv_answered;

typedef struct kyso_cli_ltv {
  kyso_blob *issuers; /* fetched through caIssuers (owned DER) */
  size_t issuer_count;
  kyso_blob *ocsps; /* distinct answers kept (owned DER) */
  size_t ocsp_count;
  kyso_blob *crls;
  size_t crl_count;
  kyso_cli_ltv_answered *answered; /* per certificate: which answer */
  size_t answered_count;
  kyso_cli_ltv_problem *problems;
  size_t problem_count;
  size_t fetched_count; /* certificates asked about over the network */
  kyso_ltv_set *set;    /* the last kyso_ltv_collect */
} kyso_cli_ltv;

/*
 * Collects what pdf needs (options: anchors, intermediates, time,
 * password; the fetched issuers are added to the intermediates) and
 * fetches revocation data for every certificate whose data the document
 * lacks, again for issuers fetched on the way (bounded rounds).
 * refresh_last: when the last signature is a document timestamp, the
 * certificates of its path are asked about again, bypassing the cache,
 * even when the document holds data for them: archive renewal wants
 * answers newer than that timestamp (ETSI EN 319 142-1 5.5). Failures per
 * certificate go to out->problems, not the return value. Free with
 * kyso_cli_ltv_free (also on failure).
 */
kyso_status kyso_cli_ltv_gather(const kyso_fetch_config *config,
                                const uint8_t *pdf, size_t len,
                                const kyso_verify_options *options,
                                int refresh_last, int64_t now,
                                kyso_cli_ltv *out, kyso_error *err);

/*
 * The incremental update for pdf (the bytes given to gather) holding the
 * fetched answers, the certificates of the paths the document lacks, and a
 * /VRI entry per signature (time now). *update NULL when there is nothing
 * to add; free with free().
 */
kyso_status kyso_cli_ltv_update(const kyso_cli_ltv *g, const uint8_t *pdf,
                                size_t len, int64_t now, uint8_t **update,
                                size_t *update_len, kyso_error *err);

/* The bit of kyso_ltv_need.signatures for signature index. */
uint64_t kyso_cli_ltv_signature_bit(size_t index);

/* Prints one problem on stderr: "kyso: LABEL: ...", naming the
 * certificate and the URL. */
void kyso_cli_ltv_print_problem(const kyso_cli_ltv_problem *p,
                                const char *label);

/* Prints each problem touching signatures (a mask; ~0 for all) on
 * stderr, one line each, prefixed "kyso: " and with label. Returns how
 * many were printed. */
size_t kyso_cli_ltv_print_problems(const kyso_cli_ltv *g, uint64_t signatures,
                                   const char *label);

void kyso_cli_ltv_free(kyso_cli_ltv *g);

#endif
