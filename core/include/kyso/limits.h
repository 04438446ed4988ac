/*
 * kyso/limits.h - named bounds on every outside input the core reads.
 *
 * A PDF or a certificate comes from anyone. Each loop and allocation driven
 * by input is bounded by one of these; going past one is KYSO_ERR_LIMIT (or
 * the matching PDF error) with the limit named in the message.
 */
#ifndef KYSO_LIMITS_H
#define KYSO_LIMITS_H

/* Whole document size accepted by kyso_pdf_open (2 GiB minus one). */
#define KYSO_LIMIT_PDF_SIZE ((size_t)0x7fffffff)
/* Nesting of arrays and dictionaries inside one object. */
#define KYSO_LIMIT_OBJECT_DEPTH 64
/* Objects being loaded at once: loading one can need another first (a
 * stream's /Length or /Filter held elsewhere, the object stream holding it,
 * that stream's own /Length...). Real files need 3 or 4; a crafted chain of
 * thousands would overflow the stack (issue 12). */
#define KYSO_LIMIT_LOAD_DEPTH 32
/* Cross-reference sections followed through /Prev and /XRefStm. */
#define KYSO_LIMIT_XREF_SECTIONS 1024
/* Highest object number accepted (ISO 32000-1 C.2 allows 8,388,607). */
#define KYSO_LIMIT_OBJECT_NUMBER 8388607
/* Decoded size of one stream (xref streams, object streams, images). */
#define KYSO_LIMIT_STREAM_DECODED ((size_t)256 * 1024 * 1024)
/* Objects held by one object stream. */
#define KYSO_LIMIT_OBJSTM_OBJECTS 100000
/* Entries in one array or dictionary. */
#define KYSO_LIMIT_CONTAINER_ITEMS 1000000
/* Pages in one document, and depth of the page tree. */
#define KYSO_LIMIT_PAGES 100000
#define KYSO_LIMIT_PAGE_TREE_DEPTH 64
/* Fields walked in an AcroForm (including kids), and depth of the field
 * tree. */
#define KYSO_LIMIT_FORM_FIELDS 100000
#define KYSO_LIMIT_FORM_DEPTH 32
/* Comparing a replaced resource dictionary with the signed one by value
 * (the changes analysis): references followed along one path, and objects
 * compared in all for one signature (a stream's decoded bytes count one
 * object per KiB). */
#define KYSO_LIMIT_CHANGES_REF_DEPTH 16
#define KYSO_LIMIT_CHANGES_COMPARE_NODES ((size_t)1000000)
/* Image dimensions (each side) and total pixels. Decoding costs about 12
 * bytes a pixel at its peak, so the WASM build (a browser tab) sets a lower
 * pixel limit (wasm/CMakeLists.txt). */
#define KYSO_LIMIT_IMAGE_SIDE 10000
#ifndef KYSO_LIMIT_IMAGE_PIXELS
#define KYSO_LIMIT_IMAGE_PIXELS ((size_t)40 * 1000 * 1000)
#endif
/* Object definitions ("N G obj") a scan of a file with a broken
 * cross-reference table takes in (kyso verify only; pdf_repair.c). */
#define KYSO_LIMIT_REPAIR_OBJECTS 1000000
/* Places a damaged file's trailer is looked for (the last "trailer"
 * keywords, then the last xref streams), newest first. */
#define KYSO_LIMIT_REPAIR_TRAILERS 64
/* Older revisions opened on their own to find signatures whose fields a
 * later revision took out of the form (kyso verify). */
#define KYSO_LIMIT_SIGNATURE_SEARCH 32
/* Certificates in a signer's chain. */
#define KYSO_LIMIT_CHAIN 16
/* SignerInfos of one signature's SignedData kyso verifies (each must), and
 * certificates read from the /Cert of an adbe.x509.rsa_sha1 signature. */
#define KYSO_LIMIT_CMS_SIGNERS 8
#define KYSO_LIMIT_SIG_CERTS 64
/* Earlier revisions a document keeps open for the verifier's changes
 * analysis (each signature compares against the revisions after it), and
 * the memory they may hold together (cross-reference entries and parsed
 * objects); beyond it idle ones are closed, or a revision is opened afresh
 * each time. */
#define KYSO_LIMIT_REVISION_CACHE 128
#define KYSO_LIMIT_REVISION_CACHE_BYTES ((size_t)16 * 1024 * 1024)
/* Certificates the verifier keeps decoded for the other signatures of the
 * file, and the most one CMS may carry for that path (more: decoded by
 * OpenSSL as a whole, as before). */
#define KYSO_LIMIT_CERT_CACHE 64
/* Encrypted documents (ISO 32000-1 7.6, ISO 32000-2 7.6.4): the longest
 * file key (AES-256), the /O and /U strings read (48 bytes for R5/R6,
 * 32 before), the first /ID string, a password (R6 takes 127 UTF-8 bytes),
 * and the rounds of the R6 hash (algorithm 2.B ends by round 288 at the
 * latest: its last byte is at most 255). */
#define KYSO_LIMIT_CRYPT_KEY 32
#define KYSO_LIMIT_CRYPT_OU 48
#define KYSO_LIMIT_CRYPT_ID 256
#define KYSO_LIMIT_CRYPT_PASSWORD 127
#define KYSO_LIMIT_CRYPT_R6_ROUNDS 288

/* Long-term validation requests (kyso/ltv.h): the size of a certificate
 * read for its URLs or named in an OCSP request, the URLs kept of each kind
 * (OCSP responders, caIssuers, CRL distribution points) and the length of
 * one (real ones are under 100 bytes). */
#define KYSO_LIMIT_LTV_CERT_SIZE ((size_t)256 * 1024)
#define KYSO_LIMIT_LTV_URLS 8
#define KYSO_LIMIT_LTV_URL_LENGTH 1024
/* Long-term validation answers: an OCSP response or a TimeStampResp, and
 * a CRL (the national CAs' CRLs are a few MB). The fetchers (CLI,
 * kyso-host) stop reading at these sizes. */
#define KYSO_LIMIT_LTV_RESPONSE_SIZE ((size_t)64 * 1024)
#define KYSO_LIMIT_LTV_CRL_SIZE ((size_t)20 * 1024 * 1024)
/* Revocation data given to the verifier from outside the document
 * (kyso_verify_options.extra_crls + extra_ocsps together): more items is
 * KYSO_ERR_LIMIT; one larger than KYSO_LIMIT_LTV_CRL_SIZE (a CRL) or
 * KYSO_LIMIT_LTV_RESPONSE_SIZE (an OCSP response) too. */
#define KYSO_LIMIT_VERIFY_EXTRA_ITEMS 1000
/* ... and their bytes together (each CRL is checked again for every
 * certificate of its issuer on every signature's path). */
#define KYSO_LIMIT_VERIFY_EXTRA_SIZE ((size_t)64 * 1024 * 1024)
/* Revocation data the verifier reads from a document's /DSS: one CRL
 * (KYSO_LIMIT_LTV_CRL_SIZE, what the fetchers accept), one OCSP response
 * (KYSO_LIMIT_LTV_RESPONSE_SIZE), the decoded bytes of all DSS items
 * together, and of its OCSP responses together (decoded at once; a CRL is
 * decoded only when its issuer name is that of a certificate being
 * judged). An item past these is not used and the revocation detail says
 * how many were left out; never an error for the whole document. */
#define KYSO_LIMIT_VERIFY_CRL_SIZE KYSO_LIMIT_LTV_CRL_SIZE
#define KYSO_LIMIT_VERIFY_DSS_SIZE ((size_t)64 * 1024 * 1024)
#define KYSO_LIMIT_VERIFY_DSS_OCSP_SIZE ((size_t)8 * 1024 * 1024)
/* Public-key operations one verification (kyso_verify, kyso_ltv_collect)
 * spends on revocation data: OCSP and CRL signatures and delegated OCSP
 * responder certificates. Beyond it the remaining data is not used (the
 * check is INDETERMINATE and says so), never an error for the document.
 * Verdicts are kept per (item, issuer), so a real file needs about one per
 * distinct item. */
#define KYSO_LIMIT_REVOCATION_KEY_OPS 256

#endif
