/*
 * kyso/sign.h - PAdES signing in two phases (ETSI EN 319 142-1, baseline B-B,
 * and B-T with a signature timestamp).
 *
 * prepare: parse the PDF, build an incremental update holding the signature
 * field, its widget and appearance, and a /V signature dictionary with a
 * reserved /Contents hole and an exact /ByteRange; hash the signed ranges;
 * build the CMS SignedAttributes (content-type, message-digest,
 * signing-certificate-v2; no signing-time: the time goes in /M).
 *
 * The caller has the DER SignedAttributes signed by the key (a token, the
 * native host, a P12 in development) and hands the signature value to
 * finish, which checks it against the certificate, assembles the detached
 * SignedData with the chain and writes it into the hole. For B-T the
 * caller first has a TSA timestamp the signature value and hands the token
 * to kyso_sig_finish_timestamped instead.
 *
 * This module does no I/O, reads no clock and never touches the input bytes:
 * the result is an update to append to them. Writing input + update to disk
 * atomically is the caller's job.
 */
#ifndef KYSO_SIGN_H
#define KYSO_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "kyso/appearance.h"
#include "kyso/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum kyso_digest {
  KYSO_DIGEST_SHA256 = 0, /* the default */
  KYSO_DIGEST_SHA384 = 1,
  KYSO_DIGEST_SHA512 = 2
} kyso_digest;

typedef enum kyso_scheme {
  KYSO_SCHEME_AUTO = 0,      /* RSA key: PKCS#1 v1.5; EC key: ECDSA */
  KYSO_SCHEME_RSA_PKCS1 = 1, /* RSASSA-PKCS1-v1_5 */
  KYSO_SCHEME_RSA_PSS = 2,   /* RSASSA-PSS, MGF1 with the same hash, salt =
                                hash length */
  KYSO_SCHEME_ECDSA = 3      /* ECDSA, DER Ecdsa-Sig-Value */
} kyso_scheme;

typedef struct kyso_sign_options {
  kyso_blob certificate;  /* signer certificate, DER; required */
  const kyso_blob *chain; /* issuer certificates, DER, signer excluded */
  size_t chain_count;
  kyso_digest digest;
  kyso_scheme scheme;
  int64_t signing_time;     /* seconds since 1970 UTC; required, never read
                               from a clock here */
  int utc_offset_minutes;   /* offset written in /M; Vietnam is +420 */
  const char *name;         /* /Name, UTF-8; default: signer CN */
  const char *reason;       /* /Reason, UTF-8, optional */
  const char *location;     /* /Location, UTF-8, optional */
  const char *contact_info; /* /ContactInfo, UTF-8, optional */
  const char *field_name;   /* default: "Signature<N>", first unused N */
  int page;                 /* 1-based page of the widget; default 1.
                               ATTACHMENT and COPY use page 1 unless page
                               is set otherwise */
  int visible;              /* 0: invisible (zero rect), 1: use rect.
                               PERSONAL: image is drawn only when visible.
                               ORGANIZATION, ATTACHMENT, COPY are always
                               visible; rect then overrides the automatic
                               position */
  double rect[4];           /* x, y, width, height in points in the
                               visible page (kyso/appearance.h, "Coordinates") */
  kyso_blob image;          /* PNG (RGBA, RGB, grey +/- alpha, palette
                               with tRNS; any bit depth) or baseline/
                               progressive JPEG (embedded as DCTDecode,
                               not decoded). PERSONAL: the signature;
                               ORGANIZATION: the seal (required); ignored
                               by ATTACHMENT and COPY */
  size_t contents_reserve;  /* bytes reserved for the CMS; 0 = computed
                               from the chain with room for a timestamp */
  /* 0 (default): a signer certificate outside its validity period at
   * signing_time, or whose keyUsage has neither digitalSignature nor
   * nonRepudiation, is KYSO_ERR_SIGN_CERTIFICATE before anything is built
   * (such a signature can never be valid). 1: sign anyway, for making
   * test fixtures of invalid signatures. */
  int allow_unusable_certificate;
  /* An encrypted document's user (or owner) password, UTF-8; NULL: the
   * empty one. The update is encrypted with the document's key. */
  const char *password;

  /* Decree 30 presentation: profile, text, fields, seal (kyso/appearance.h);
   * all optional for PERSONAL. */
  kyso_appearance appearance;
} kyso_sign_options;

/* Sets the defaults: SHA-256, AUTO scheme, page 1, invisible, +07:00,
 * PERSONAL profile. */
void kyso_sign_options_init(kyso_sign_options *options);

typedef struct kyso_sig_session kyso_sig_session;

/*
 * Phase 1. pdf is borrowed: it must stay valid and unchanged until
 * kyso_sig_session_free. options and everything it points to are copied.
 */
kyso_status kyso_sig_prepare(const uint8_t *pdf, size_t pdf_len,
                             const kyso_sign_options *options,
                             kyso_sig_session **out, kyso_error *err);

/*
 * Phase 1 for callers that hash the signed bytes themselves (in a browser
 * WebCrypto hashes at native speed, WASM does not): as kyso_sig_prepare,
 * but the SignedAttributes are built only when kyso_sig_session_set_digest
 * hands in the digest of the parts kyso_sig_session_get_signed_parts lists.
 */
kyso_status kyso_sig_prepare_unhashed(const uint8_t *pdf, size_t pdf_len,
                                      const kyso_sign_options *options,
                                      kyso_sig_session **out, kyso_error *err);

/* The bytes the signature covers, in order: the input, the update up to
 * the /Contents hole, the update after it. Borrowed from the session. */
void kyso_sig_session_get_signed_parts(const kyso_sig_session *s,
                                       kyso_blob parts[3]);

/* After kyso_sig_prepare_unhashed: the digest (session's algorithm) of
 * the signed parts; builds the SignedAttributes. A digest of anything else
 * makes a signature that does not verify. KYSO_ERR_STATE when the session
 * already has its digest. */
kyso_status kyso_sig_session_set_digest(kyso_sig_session *s, const uint8_t *md,
                                        size_t len, kyso_error *err);

/* The DER SignedAttributes (a SET OF, tag 0x31) the key must sign.
 * Borrowed from the session; empty before the digest is set. */
const uint8_t *kyso_sig_session_get_signed_attrs(const kyso_sig_session *s,
                                                 size_t *len);

/* The digest and scheme the signer must use (AUTO resolved). */
kyso_digest kyso_sig_session_get_digest(const kyso_sig_session *s);
kyso_scheme kyso_sig_session_get_scheme(const kyso_sig_session *s);

/*
 * Phase 2. signature is the raw value over the SignedAttributes (RSA: the
 * modulus-sized value; ECDSA: DER Ecdsa-Sig-Value). It is checked against
 * the certificate first: a key that does not match gives
 * KYSO_ERR_SIGN_VALUE and the session stays unfinished.
 */
kyso_status kyso_sig_finish(kyso_sig_session *s, const uint8_t *signature,
                            size_t signature_len, kyso_error *err);

/*
 * Phase 2 with a signature timestamp (ETSI EN 319 142-1 B-T): as
 * kyso_sig_finish, and token, an RFC 3161 TimeStampToken (DER
 * ContentInfo, e.g. the timeStampToken of a TimeStampResp), is embedded
 * as the unsigned attribute id-aa-signatureTimeStampToken. The TSA must
 * have imprinted the hash of the signature value itself, the exact bytes
 * passed here (RFC 3161 appendix A; kyso_sig_timestamp_imprint computes
 * it): a token over anything else is KYSO_ERR_ARGUMENT "timestamp token
 * does not cover this signature". The token's own signature and TSA are
 * not judged here (the verifier does, against its trust anchors). A CMS
 * that no longer fits the reserved /Contents is KYSO_ERR_SIGN_SPACE. On
 * any error the session stays unfinished.
 */
kyso_status kyso_sig_finish_timestamped(kyso_sig_session *s,
                                        const uint8_t *signature,
                                        size_t signature_len,
                                        const uint8_t *token, size_t token_len,
                                        kyso_error *err);

/* The messageImprint to request from a TSA for a signature timestamp: the
 * digest of the signature value (the bytes later given to
 * kyso_sig_finish_timestamped). out holds 64 bytes; *out_len gets the
 * digest size. */
kyso_status kyso_sig_timestamp_imprint(kyso_digest digest,
                                       const uint8_t *signature,
                                       size_t signature_len, uint8_t *out,
                                       size_t *out_len, kyso_error *err);

/* After finish: the bytes to append to the input PDF. Borrowed. NULL
 * before a successful finish. */
const uint8_t *kyso_sig_session_get_update(const kyso_sig_session *s,
                                           size_t *len);

void kyso_sig_session_free(kyso_sig_session *s);

/* ---- document timestamps (PAdES B-LTA, ETSI EN 319 142-1 5.5) ----------- */

typedef struct kyso_doc_timestamp_options {
  kyso_digest digest;      /* of the signed bytes; default SHA-256 */
  const char *field_name;  /* default: "Timestamp<N>", first unused N */
  size_t contents_reserve; /* bytes for the token; 0: 16384 */
  const char *password;    /* as kyso_sign_options.password */
} kyso_doc_timestamp_options;

void kyso_doc_timestamp_options_init(kyso_doc_timestamp_options *options);

/*
 * Phase 1 of a document timestamp: an incremental update with an invisible
 * signature field whose value is /Type /DocTimeStamp, /Filter
 * /Adobe.PPKLite, /SubFilter /ETSI.RFC3161, and a /Contents hole. The
 * parts to hash are kyso_sig_session_get_signed_parts'; the imprint to
 * ask the TSA for is kyso_doc_timestamp_imprint's. pdf is borrowed as for
 * kyso_sig_prepare. Errors as kyso_sig_prepare's (a document whose
 * permissions forbid changes, KYSO_ERR_PDF_PERMISSION).
 */
kyso_status kyso_doc_timestamp_prepare(
    const uint8_t *pdf, size_t pdf_len,
    const kyso_doc_timestamp_options *options, kyso_sig_session **out,
    kyso_error *err);

/* The digest (options' algorithm) of the signed parts of a document
 * timestamp session: out holds 64 bytes, *out_len gets the size. */
kyso_status kyso_doc_timestamp_imprint(const kyso_sig_session *s, uint8_t *out,
                                       size_t *out_len, kyso_error *err);

/* Phase 2: token (DER ContentInfo, a TimeStampToken) must imprint exactly
 * that digest with that algorithm, else KYSO_ERR_ARGUMENT "timestamp token
 * does not cover this document"; a token larger than the reserve is
 * KYSO_ERR_SIGN_SPACE. The TSA is not judged here (kyso_ltv_ts_check and
 * the verifier do). The update is then kyso_sig_session_get_update's. */
kyso_status kyso_doc_timestamp_finish(kyso_sig_session *s,
                                      const uint8_t *token, size_t token_len,
                                      kyso_error *err);

#ifdef __cplusplus
}
#endif

#endif
