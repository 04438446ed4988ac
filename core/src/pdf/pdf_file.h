/*
 * pdf_file.h - the document's body: struct, xref, object loading (private).
 */
#ifndef KYSO_PDF_FILE_H
#define KYSO_PDF_FILE_H

#include <stdlib.h>

#include "base/arena.h"
#include "base/buf.h"
#include "kyso/pdf.h"
#include "pdf/pdf_crypt.h"
#include "pdf/pdf_object.h"

typedef enum kyso_xref_kind {
  KYSO_XREF_UNSET = 0, /* not in any section */
  KYSO_XREF_FREE,
  KYSO_XREF_OFFSET,    /* uncompressed, at offset */
  KYSO_XREF_COMPRESSED /* in object stream `stream`, at `index` */
} kyso_xref_kind;

typedef struct kyso_xref_entry {
  uint8_t kind;  /* kyso_xref_kind */
  uint8_t state; /* 0 not loaded, 1 loading (loop guard), 2 loaded */
  uint16_t gen;
  /* 1: loaded from an object stream where readers disagree on the entry
   * (load_object_stream): never "unchanged" for the changes analysis */
  uint8_t ambiguous;
  uint32_t index;  /* index in the object stream */
  uint64_t offset; /* byte offset, or object stream number */
  kyso_obj *obj;   /* the loaded object */
} kyso_xref_entry;

enum { KYSO_XREF_PAGE = 1024 };

typedef struct kyso_xref_section {
  size_t offset;     /* where the section starts */
  int is_stream;     /* xref stream (or classic table) */
  kyso_obj *trailer; /* trailer dict (the stream dict for xref streams) */
  size_t eof_end;    /* one past %%EOF */
  size_t end;        /* one past the end of line after %%EOF */
} kyso_xref_section;

typedef struct kyso_page {
  uint32_t num;
  uint16_t gen;
  kyso_obj *dict;
  double media_box[4];   /* llx lly urx ury, inherited (7.7.3.4) */
  double crop_box[4];    /* defaults to media_box */
  int rotate;            /* 0, 90, 180, 270 */
  int media_box_guessed; /* no /MediaBox anywhere: US Letter, as other
                            readers take it; a size no one wrote */
} kyso_page;

struct kyso_pdf {
  const uint8_t *data;
  size_t len;
  kyso_arena arena;
  /* Merged view, newest entry wins, in pages of KYSO_XREF_PAGE entries
   * allocated on first use: a sparse file with one object numbered
   * 8,000,000 costs one page, not 8 million entries. */
  kyso_xref_entry **xref_pages;
  size_t xref_page_count;
  size_t xref_count;           /* one past the highest object number listed */
  kyso_xref_section *sections; /* newest first, as found via /Prev */
  size_t section_count;
  kyso_obj *trailer;       /* newest trailer */
  size_t startxref;        /* offset named by the last startxref */
  int startxref_is_stream; /* the newest section is an xref stream */
  uint32_t max_object;     /* highest object number in any section */
  kyso_page *pages;        /* after kyso_pdf_load_pages */
  size_t page_count;
  int pages_loaded;
  kyso_obj null_obj;      /* what free and missing objects read as (7.3.10) */
  int load_depth;         /* objects being loaded now (KYSO_LIMIT_LOAD_DEPTH) */
  uint32_t length_target; /* object resolved as a /Length now, else 0 */
  kyso_pdf_signature *signatures;
  size_t signature_count;
  int signatures_loaded;
  kyso_crypt *crypt; /* encrypted documents: the key (pdf_crypt.c) */
  int repaired;      /* kyso_pdf_open_repaired: xref rebuilt by a scan */
  void *repair_defs; /* its "N G obj" found, in file order (pdf_repair.c) */
  size_t repair_def_count;
  /* kyso_pdf_open_revision: the whole document, whose already loaded
   * objects are taken instead of parsing the same bytes again. */
  kyso_pdf *share;
  /* Revisions opened by kyso_pdf_open_revision, kept for the next caller
   * (KYSO_LIMIT_REVISION_CACHE); refs counts holders beyond the first, so
   * kyso_pdf_close frees a cached revision only with its document. */
  kyso_pdf **revisions;
  size_t revision_cached;
  size_t refs;
};

/* Opens the first len bytes of doc's data (an earlier revision) as its own
 * document, as kyso_pdf_open does. An object this revision places at the
 * same offset, with the same number and generation, as an object doc has
 * already loaded is taken from doc (the same bytes parse the same) unless
 * its meaning can depend on other objects (a stream with an indirect
 * /Length) or either is encrypted. doc must outlive *out. The revision may
 * be one doc keeps for later callers (the same object each time, closed
 * with kyso_pdf_close as usual): do not change it. */
kyso_status kyso_pdf_open_revision(kyso_pdf *doc, size_t len, kyso_pdf **out,
                                   kyso_error *err);

/* Parses the xref chain into the xref pages and sections (pdf_xref.c). */
kyso_status kyso_xref_load(kyso_pdf *pdf, kyso_error *err);

/* Sets the entry of object num unless a section read before set it (the
 * first entry seen wins); pdf_xref.c. */
kyso_status kyso_xref_set(kyso_pdf *pdf, uint64_t num, kyso_xref_kind kind,
                          uint64_t offset, uint32_t gen_or_index,
                          kyso_error *err);

/* For verification only, never for signing (pdf_repair.c): opens a
 * document whose cross-reference data is broken by scanning it for
 * "N G obj" (the last definition of a number wins, as poppler and pdf.js
 * rebuild it), its trailer from the last "trailer" or xref stream that
 * names a /Root, and its revisions from the %%EOF markers. pdf->repaired
 * is set: no verdict may rest on the object structure of such a file. */
kyso_status kyso_pdf_open_repaired(const uint8_t *data, size_t len,
                                   kyso_pdf **out, kyso_error *err);

/* For a document kyso_pdf_open_repaired opened: does anything after byte
 * end (the end of a signed range) define again an object defined before
 * it, or is the catalog defined after it? *changed 1 and *num the first
 * such object if so: what every rebuilding reader shows differs from what
 * was signed, and no working incremental update explains it. */
kyso_status kyso_pdf_repaired_changes(kyso_pdf *pdf, size_t end, int *changed,
                                      uint32_t *num, kyso_error *err);

/* The entry of object num, or NULL when no section lists it. */
kyso_xref_entry *kyso_xref_get(const kyso_pdf *pdf, uint64_t num);

/* The object numbered num (any generation in the xref), loaded once and
 * cached. A free or missing object yields the null object (7.3.10), not an
 * error; a broken one is an error. */
kyso_status kyso_pdf_get_object(kyso_pdf *pdf, uint32_t num, kyso_obj **out,
                                kyso_error *err);

/* Follows a reference chain; non-references are returned as they are. */
kyso_status kyso_pdf_resolve(kyso_pdf *pdf, kyso_obj *obj, kyso_obj **out,
                             kyso_error *err);

/* dict[key] with references followed; NULL (and KYSO_OK) when absent. */
kyso_status kyso_pdf_dict_get(kyso_pdf *pdf, const kyso_obj *dict,
                              const char *key, kyso_obj **out, kyso_error *err);

/* Decodes a stream's data through its /Filter chain (Flate with
 * predictors; other filters are KYSO_ERR_PDF_FILTER). At most limit bytes. */
kyso_status kyso_pdf_stream_decode(kyso_pdf *pdf, const kyso_obj *stream,
                                   size_t limit, kyso_buf *out,
                                   kyso_error *err);

/* Parses an indirect object ("num gen obj ... endobj") at offset; used by
 * the xref reader for xref streams before the table exists. */
kyso_status kyso_pdf_parse_indirect(kyso_pdf *pdf, size_t offset, uint32_t *num,
                                    uint16_t *gen, kyso_obj **out,
                                    kyso_error *err);

/* Visited sets for walks over objects: one bit per object number.
 * kyso_bits_new gives a zeroed set for every number below pdf->xref_count
 * (free with free()); test_and_set returns the bit before setting it. */
static inline uint8_t *kyso_bits_new(const kyso_pdf *pdf) {
  return (uint8_t *)calloc(pdf->xref_count / 8 + 1, 1);
}
static inline int kyso_bits_test_and_set(uint8_t *bits, uint32_t n) {
  int was = bits[n / 8] >> (n % 8) & 1;
  bits[n / 8] |= (uint8_t)(1u << (n % 8));
  return was;
}

/* Reads the page tree (pdf_page.c). */
kyso_status kyso_pdf_load_pages(kyso_pdf *pdf, kyso_error *err);

#endif
