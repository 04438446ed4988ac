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
/* Image dimensions (each side) and total pixels. Decoding costs about 12
 * bytes a pixel at its peak, so the WASM build (a browser tab) sets a lower
 * pixel limit (wasm/CMakeLists.txt). */
#define KYSO_LIMIT_IMAGE_SIDE 10000
#ifndef KYSO_LIMIT_IMAGE_PIXELS
#define KYSO_LIMIT_IMAGE_PIXELS ((size_t)40 * 1000 * 1000)
#endif
/* Certificates in a signer's chain. */
#define KYSO_LIMIT_CHAIN 16

#endif
