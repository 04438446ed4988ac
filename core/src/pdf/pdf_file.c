/* pdf_file.c - opening a document and loading its objects; see pdf_file.h. */
#include "pdf/pdf_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kyso/limits.h"
#include "pdf/pdf_filter.h"
#include "pdf/pdf_parse.h"

kyso_status kyso_pdf_open(const uint8_t *data, size_t len, kyso_pdf **out,
                          kyso_error *err) {
  return kyso_pdf_open_password(data, len, NULL, out, err);
}

kyso_status kyso_pdf_open_password(const uint8_t *data, size_t len,
                                   const char *password, kyso_pdf **out,
                                   kyso_error *err) {
  kyso_status ret;
  kyso_pdf *pdf = NULL;
  kyso_obj *root = NULL;

  *out = NULL;
  if (!data && len) {
    ret = kyso_error_set(err, KYSO_ERR_ARGUMENT, "no document data");
    goto done;
  }
  if (len > KYSO_LIMIT_PDF_SIZE) {
    ret =
        kyso_error_set(err, KYSO_ERR_LIMIT, "document is larger than %zu bytes",
                       (size_t)KYSO_LIMIT_PDF_SIZE);
    goto done;
  }
  /* ISO 32000-1 7.5.2: the file begins with %PDF-. Offsets in the xref
   * count from here, so a file with bytes before it is not accepted. */
  if (len < 8 || memcmp(data, "%PDF-", 5) != 0) {
    ret = kyso_error_set(err, KYSO_ERR_PDF_HEADER,
                         "not a PDF document (no %%PDF- header)");
    goto done;
  }
  pdf = calloc(1, sizeof(*pdf));
  if (!pdf) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  pdf->data = data;
  pdf->len = len;
  pdf->null_obj.type = KYSO_OBJ_NULL;
  kyso_arena_init(&pdf->arena);
  ret = kyso_xref_load(pdf, err);
  if (ret != KYSO_OK)
    goto done;
  if (kyso_dict_get(pdf->trailer, "Encrypt")) {
    /* Empty user password (or owner-only protection); see pdf_crypt.h. */
    ret = kyso_crypt_open(pdf, password, &pdf->crypt, err);
    if (ret != KYSO_OK)
      goto done;
  }
  if (!kyso_obj_is(kyso_dict_get(pdf->trailer, "Root"), KYSO_OBJ_REF)) {
    ret = kyso_error_set(err, KYSO_ERR_PDF_TRAILER,
                         "trailer has no /Root reference");
    goto done;
  }
  ret = kyso_pdf_dict_get(pdf, pdf->trailer, "Root", &root, err);
  if (ret != KYSO_OK)
    goto done;
  /* /Type /Catalog is required (7.7.2), but writers leave it out and
   * every reader goes on: a dictionary without /Type that has /Pages is
   * taken as the catalog; another /Type is not. */
  if (!kyso_obj_is(root, KYSO_OBJ_DICT) ||
      (kyso_dict_get(root, "Type")
           ? !kyso_obj_is_name(kyso_dict_get(root, "Type"), "Catalog")
           : !kyso_dict_get(root, "Pages"))) {
    ret = kyso_error_set(err, KYSO_ERR_PDF_TRAILER,
                         "/Root is not a /Catalog dictionary");
    goto done;
  }
  *out = pdf;
  pdf = NULL;
  ret = KYSO_OK;
done:
  kyso_pdf_close(pdf);
  return ret;
}

/* Memory a revision holds (at most): its xref and the objects it parsed
 * itself. */
static size_t revision_bytes(const kyso_pdf *rev) {
  size_t pages = (rev->xref_count + KYSO_XREF_PAGE - 1) / KYSO_XREF_PAGE;
  return rev->arena.total + rev->xref_page_count * sizeof(*rev->xref_pages) +
         pages * KYSO_XREF_PAGE * sizeof(kyso_xref_entry);
}

/* Keeps rev in doc's cache if it fits KYSO_LIMIT_REVISION_CACHE_BYTES,
 * after closing the cached revisions no caller holds when it does not. */
static void revision_keep(kyso_pdf *doc, kyso_pdf *rev) {
  const size_t budget = KYSO_LIMIT_REVISION_CACHE_BYTES;
  size_t i, kept = 0, total = 0, need = revision_bytes(rev);

  for (i = 0; i < doc->revision_cached; i++)
    total += revision_bytes(doc->revisions[i]);
  if (total > budget || need > budget - total ||
      doc->revision_cached == KYSO_LIMIT_REVISION_CACHE) {
    total = 0;
    for (i = 0; i < doc->revision_cached; i++) {
      kyso_pdf *c = doc->revisions[i];
      if (c->refs == 1) { /* only doc holds it */
        c->refs = 0;
        kyso_pdf_close(c);
      } else {
        doc->revisions[kept++] = c;
        total += revision_bytes(c);
      }
    }
    doc->revision_cached = kept;
  }
  if (total <= budget && need <= budget - total &&
      doc->revision_cached < KYSO_LIMIT_REVISION_CACHE) {
    doc->revisions[doc->revision_cached++] = rev;
    rev->refs++; /* doc's hold */
  }
}

kyso_status kyso_pdf_open_revision(kyso_pdf *doc, size_t len, kyso_pdf **out,
                                   kyso_error *err) {
  kyso_status ret;
  kyso_pdf *rev = NULL;
  size_t i;

  *out = NULL;
  if (len > doc->len)
    len = doc->len;
  for (i = 0; i < doc->revision_cached; i++) {
    if (doc->revisions[i]->len == len) {
      rev = doc->revisions[i];
      rev->refs++;
      ret = KYSO_OK;
      goto done;
    }
  }
  /* An encrypted document's revisions open with the same password. */
  ret = kyso_pdf_open_password(doc->data, len,
                               kyso_crypt_get_password(doc->crypt), &rev, err);
  if (ret != KYSO_OK)
    goto done;
  if (!doc->crypt && !rev->crypt)
    rev->share = doc;
  if (!doc->revisions)
    doc->revisions = calloc(KYSO_LIMIT_REVISION_CACHE, sizeof(*doc->revisions));
  if (doc->revisions)
    revision_keep(doc, rev);
done:
  *out = rev;
  return ret;
}

void kyso_pdf_close(kyso_pdf *pdf) {
  size_t i;
  if (!pdf)
    return;
  if (pdf->refs > 0) {
    pdf->refs--;
    return;
  }
  for (i = 0; i < pdf->revision_cached; i++) {
    pdf->revisions[i]->refs = 0;
    kyso_pdf_close(pdf->revisions[i]);
  }
  free(pdf->revisions);
  free(pdf->xref_pages);
  free(pdf->sections);
  free(pdf->pages);
  free(pdf->signatures);
  kyso_crypt_free(pdf->crypt);
  kyso_arena_free(&pdf->arena);
  free(pdf);
}

size_t kyso_pdf_get_revision_count(const kyso_pdf *pdf) {
  return pdf->section_count;
}

int kyso_pdf_get_revision(const kyso_pdf *pdf, size_t index,
                          kyso_revision_info *out) {
  const kyso_xref_section *s;
  if (index >= pdf->section_count)
    return -1;
  s = &pdf->sections[pdf->section_count - 1 - index];
  out->xref_offset = s->offset;
  out->eof_end = s->eof_end;
  out->end = s->end;
  out->xref_is_stream = s->is_stream;
  return 0;
}

/* The stream keyword is followed by CRLF or LF, never CR alone (7.3.8.1). */
static kyso_status read_stream(kyso_pdf *pdf, kyso_parser *p, kyso_obj *dict,
                               uint32_t num, kyso_obj **out, kyso_error *err) {
  kyso_status ret;
  kyso_obj *length = NULL;
  kyso_obj *stream;
  size_t pos = p->lex.pos;
  size_t n;
  kyso_lex_token tok;

  if (pos < pdf->len && pdf->data[pos] == '\r')
    pos++;
  if (pos >= pdf->len || pdf->data[pos] != '\n') {
    ret = kyso_error_set(err, KYSO_ERR_PDF_STREAM,
                         "object %u: 'stream' not followed by an end of line",
                         num);
    goto done;
  }
  pos++;
  /* This object is another stream's indirect /Length, which must be an
   * integer (7.3.8.2): refused here, before its own /Length is followed,
   * so a chain of streams naming each other costs one level, not a load
   * down to KYSO_LIMIT_LOAD_DEPTH for every link. */
  if (num == pdf->length_target) {
    ret = kyso_error_set(err, KYSO_ERR_PDF_STREAM,
                         "object %u is used as a stream /Length but is a "
                         "stream, not an integer",
                         num);
    goto done;
  }
  length = kyso_dict_get(dict, "Length");
  if (kyso_obj_is(length, KYSO_OBJ_REF)) {
    uint32_t outer = pdf->length_target;
    if (!pdf->xref_pages) {
      ret =
          kyso_error_set(err, KYSO_ERR_PDF_STREAM,
                         "object %u: indirect /Length in an xref stream", num);
      goto done;
    }
    pdf->length_target = length->u.ref.num;
    ret = kyso_pdf_resolve(pdf, length, &length, err);
    pdf->length_target = outer;
    if (ret != KYSO_OK)
      goto done;
  }
  if (!kyso_obj_is(length, KYSO_OBJ_INT) || length->u.integer < 0 ||
      (uint64_t)length->u.integer > pdf->len - pos) {
    ret = kyso_error_set(err, KYSO_ERR_PDF_STREAM,
                         "object %u: stream /Length missing or out of range",
                         num);
    goto done;
  }
  n = (size_t)length->u.integer;
  /* The data is followed by an optional end of line and 'endstream'. */
  p->lex.pos = pos + n;
  kyso_lex_next(&p->lex, &tok);
  if (!kyso_lex_token_is(&p->lex, &tok, "endstream")) {
    ret = kyso_error_set(err, KYSO_ERR_PDF_STREAM,
                         "object %u: no 'endstream' after /Length %zu bytes "
                         "(the /Length is wrong)",
                         num, n);
    goto done;
  }
  stream = kyso_obj_new(&pdf->arena, KYSO_OBJ_STREAM);
  if (!stream) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  stream->u.stream.dict = dict;
  stream->u.stream.data = pdf->data + pos;
  stream->u.stream.len = n;
  stream->u.stream.data_pos = pos;
  stream->pos = dict->pos;
  stream->end = tok.end;
  *out = stream;
  ret = KYSO_OK;
done:
  return ret;
}

kyso_status kyso_pdf_parse_indirect(kyso_pdf *pdf, size_t offset, uint32_t *num,
                                    uint16_t *gen, kyso_obj **out,
                                    kyso_error *err) {
  kyso_status ret;
  kyso_parser p;
  kyso_lex_token t_num, t_gen, t_obj, tok;
  kyso_obj *obj = NULL;

  if (offset >= pdf->len) {
    ret =
        kyso_error_set(err, KYSO_ERR_PDF_XREF,
                       "object offset %zu is past the end of the file", offset);
    goto done;
  }
  kyso_parser_init(&p, &pdf->arena, pdf->data, pdf->len, offset);
  kyso_lex_next(&p.lex, &t_num);
  kyso_lex_next(&p.lex, &t_gen);
  kyso_lex_next(&p.lex, &t_obj);
  if (t_num.type != KYSO_LEX_TOK_INT || t_gen.type != KYSO_LEX_TOK_INT ||
      !kyso_lex_token_is(&p.lex, &t_obj, "obj") || t_num.integer < 0 ||
      t_num.integer > KYSO_LIMIT_OBJECT_NUMBER || t_gen.integer < 0 ||
      t_gen.integer > 65535) {
    ret = kyso_error_set(err, KYSO_ERR_PDF_XREF,
                         "no object at offset %zu (the cross-reference "
                         "table points nowhere)",
                         offset);
    goto done;
  }
  *num = (uint32_t)t_num.integer;
  *gen = (uint16_t)t_gen.integer;
  ret = kyso_parse_object(&p, &obj, err);
  if (ret != KYSO_OK)
    goto done;
  kyso_lex_next(&p.lex, &tok);
  if (kyso_lex_token_is(&p.lex, &tok, "stream")) {
    if (!kyso_obj_is(obj, KYSO_OBJ_DICT)) {
      ret = kyso_error_set(err, KYSO_ERR_PDF_SYNTAX,
                           "object %u: stream without a dictionary", *num);
      goto done;
    }
    ret = read_stream(pdf, &p, obj, *num, &obj, err);
    if (ret != KYSO_OK)
      goto done;
    kyso_lex_next(&p.lex, &tok);
  }
  if (!kyso_lex_token_is(&p.lex, &tok, "endobj")) {
    ret = kyso_error_set(err, KYSO_ERR_PDF_SYNTAX,
                         "object %u: 'endobj' missing at byte %zu", *num,
                         tok.start);
    goto done;
  }
  *out = obj;
  ret = KYSO_OK;
done:
  return ret;
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

/* Times the number nums[i] is in the header (sorted: the numbers in
 * order), 1 or 2 (2: more than once). */
static int header_count(const uint32_t *sorted, size_t n, uint32_t num) {
  size_t lo = 0, hi = n;
  while (lo < hi) { /* first sorted entry >= num */
    size_t mid = lo + (hi - lo) / 2;
    if (sorted[mid] < num)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo + 1 < n && sorted[lo + 1] == num ? 2 : 1;
}

/* How header entry i of an object stream is read for object nums[i], which
 * the xref places at index: 0 not from here; 1 from here, as every reader
 * does; 2 from here, but readers disagree (the entry is marked ambiguous:
 * the changes analysis never takes such an object, stored after a
 * signature, as unchanged).
 *
 * Writers get the index wrong (pdf.js bug 1978317: every one); qpdf and
 * pdf.js then go by the number in the header, poppler reads null. A number
 * in the header twice: kyso and poppler take the entry at the index, pdf.js
 * and qpdf the last one. */
static int header_place(const uint32_t *nums, const uint32_t *sorted, size_t n,
                        size_t i, uint32_t index) {
  size_t j;
  int twice = header_count(sorted, n, nums[i]) > 1;
  if (index == i) {
    if (!twice)
      return 1;
    for (j = i + 1; j < n; j++) /* the last one: every reader agrees */
      if (nums[j] == nums[i])
        return 2;
    return 1;
  }
  if (index < n && nums[index] == nums[i])
    return 0; /* it is at its index: taken from there */
  return twice ? 0 : 2;
}

/* Loads every object of object stream stmnum that the xref places there
 * (7.5.7). Streams are not allowed inside; generation is 0. */
static kyso_status load_object_stream(kyso_pdf *pdf, uint32_t stmnum,
                                      kyso_error *err) {
  kyso_status ret;
  kyso_obj *stm = NULL, *n_obj, *first_obj;
  kyso_buf data;
  kyso_parser p;
  size_t i, n, first;
  uint32_t *nums = NULL, *sorted = NULL;
  size_t *offs = NULL;

  kyso_buf_init(&data);
  ret = kyso_pdf_get_object(pdf, stmnum, &stm, err);
  if (ret != KYSO_OK)
    goto done;
  if (!kyso_obj_is(stm, KYSO_OBJ_STREAM) ||
      !kyso_obj_is_name(kyso_dict_get(stm->u.stream.dict, "Type"), "ObjStm")) {
    ret = kyso_error_set(err, KYSO_ERR_PDF_XREF,
                         "object %u is not an object stream", stmnum);
    goto done;
  }
  n_obj = kyso_dict_get(stm->u.stream.dict, "N");
  first_obj = kyso_dict_get(stm->u.stream.dict, "First");
  if (!kyso_obj_is(n_obj, KYSO_OBJ_INT) || n_obj->u.integer < 0 ||
      n_obj->u.integer > KYSO_LIMIT_OBJSTM_OBJECTS ||
      !kyso_obj_is(first_obj, KYSO_OBJ_INT) || first_obj->u.integer < 0) {
    ret = kyso_error_set(err, KYSO_ERR_PDF_OBJECT,
                         "object stream %u: bad /N or /First", stmnum);
    goto done;
  }
  ret = kyso_pdf_stream_decode(pdf, stm, KYSO_LIMIT_STREAM_DECODED, &data, err);
  if (ret != KYSO_OK)
    goto done;
  n = (size_t)n_obj->u.integer;
  first = (size_t)first_obj->u.integer;
  nums = calloc(n ? n : 1, sizeof(*nums));
  sorted = calloc(n ? n : 1, sizeof(*sorted));
  offs = calloc(n ? n : 1, sizeof(*offs));
  if (!nums || !sorted || !offs) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  kyso_parser_init(&p, &pdf->arena, data.data, data.len, 0);
  for (i = 0; i < n; i++) {
    kyso_lex_token a, b;
    kyso_lex_next(&p.lex, &a);
    kyso_lex_next(&p.lex, &b);
    if (a.type != KYSO_LEX_TOK_INT || b.type != KYSO_LEX_TOK_INT ||
        a.integer < 0 || a.integer > KYSO_LIMIT_OBJECT_NUMBER ||
        b.integer < 0 ||
        (uint64_t)b.integer >
            data.len - (first < data.len ? first : data.len)) {
      ret = kyso_error_set(err, KYSO_ERR_PDF_OBJECT,
                           "object stream %u: bad header entry %zu", stmnum, i);
      goto done;
    }
    nums[i] = (uint32_t)a.integer;
    offs[i] = first + (size_t)b.integer;
  }
  memcpy(sorted, nums, n * sizeof(*nums));
  qsort(sorted, n, sizeof(*sorted), cmp_u32);
  for (i = 0; i < n; i++) {
    kyso_xref_entry *e;
    kyso_obj *obj = NULL;
    int place;
    e = kyso_xref_get(pdf, nums[i]);
    if (!e || e->kind != KYSO_XREF_COMPRESSED || e->offset != stmnum ||
        e->state == 2)
      continue;
    place = header_place(nums, sorted, n, i, e->index);
    if (place == 0)
      continue;
    e->ambiguous = place == 2;
    p.lex.pos = offs[i];
    ret = kyso_parse_object(&p, &obj, err);
    if (ret != KYSO_OK) {
      char why[KYSO_ERROR_MESSAGE_MAX];
      snprintf(why, sizeof(why), "%s", err ? err->message : "");
      kyso_error_set(err, ret, "object %u in object stream %u: %s", nums[i],
                     stmnum, why);
      goto done;
    }
    e->obj = obj;
    e->state = 2;
  }
  ret = KYSO_OK;
done:
  free(nums);
  free(sorted);
  free(offs);
  kyso_buf_free(&data);
  return ret;
}

static kyso_status load_object(kyso_pdf *pdf, uint32_t num, kyso_xref_entry *e,
                               kyso_error *err);

/* The object pdf->share has already parsed from the bytes entry e of
 * object num points at, when it reads the same here; else NULL. */
static kyso_obj *shared_object(const kyso_pdf *pdf, uint32_t num,
                               const kyso_xref_entry *e) {
  const kyso_pdf *sh = pdf->share;
  const kyso_xref_entry *se;
  kyso_obj *obj = NULL;
  kyso_lexer lx;
  kyso_lex_token tok;

  if (!sh || pdf->crypt || sh->crypt || e->kind != KYSO_XREF_OFFSET)
    goto done;
  se = kyso_xref_get(sh, num);
  if (!se || se->kind != KYSO_XREF_OFFSET || se->state != 2 ||
      se->offset != e->offset || se->gen != e->gen || !se->obj)
    goto done;
  if (kyso_obj_is(se->obj, KYSO_OBJ_STREAM) &&
      !kyso_obj_is(kyso_dict_get(se->obj->u.stream.dict, "Length"),
                   KYSO_OBJ_INT))
    goto done;
  /* The object and its endobj lie within this revision's bytes. */
  if (se->obj->end > pdf->len)
    goto done;
  lx.data = pdf->data;
  lx.len = pdf->len;
  lx.pos = se->obj->end;
  kyso_lex_next(&lx, &tok);
  if (kyso_lex_token_is(&lx, &tok, "endobj"))
    obj = se->obj;
done:
  return obj;
}

kyso_status kyso_pdf_get_object(kyso_pdf *pdf, uint32_t num, kyso_obj **out,
                                kyso_error *err) {
  kyso_status ret = KYSO_OK;
  kyso_xref_entry *e;

  *out = NULL;
  e = kyso_xref_get(pdf, num);
  if (!e || e->kind == KYSO_XREF_UNSET || e->kind == KYSO_XREF_FREE) {
    *out = &pdf->null_obj;
    goto done;
  }
  if (e->state == 2) {
    *out = e->obj;
    goto done;
  }
  if (e->state == 1) {
    ret = kyso_error_set(err, KYSO_ERR_PDF_LOOP,
                         "object %u refers to itself while loading", num);
    goto done;
  }
  /* Loading an object can load others first (a stream's /Length, the
   * object stream holding it, that stream's /Length...): each is a level
   * of recursion, so a crafted chain is cut here, not by the stack. */
  if (pdf->load_depth >= KYSO_LIMIT_LOAD_DEPTH) {
    ret = kyso_error_set(err, KYSO_ERR_PDF_DEPTH,
                         "object %u: more than %d objects needed to load "
                         "one another (a chain of /Length or object "
                         "streams)",
                         num, KYSO_LIMIT_LOAD_DEPTH);
    goto done;
  }
  pdf->load_depth++;
  ret = load_object(pdf, num, e, err);
  pdf->load_depth--;
  if (ret == KYSO_OK)
    *out = e->obj;
done:
  return ret;
}

/* Loads the entry e of object num, neither loaded nor loading; state 2 and
 * e->obj on success, state 0 on failure. */
static kyso_status load_object(kyso_pdf *pdf, uint32_t num, kyso_xref_entry *e,
                               kyso_error *err) {
  kyso_status ret;
  kyso_obj *obj = NULL;

  e->state = 1;
  obj = shared_object(pdf, num, e);
  if (obj) {
    e->obj = obj;
    e->state = 2;
  } else if (e->kind == KYSO_XREF_OFFSET) {
    uint32_t got_num = 0;
    uint16_t got_gen = 0;
    ret = kyso_pdf_parse_indirect(pdf, (size_t)e->offset, &got_num, &got_gen,
                                  &obj, err);
    if (ret == KYSO_OK && (got_num != num || got_gen != e->gen))
      ret =
          kyso_error_set(err, KYSO_ERR_PDF_XREF,
                         "the cross-reference table places object %u at "
                         "offset %llu, but object %u %u is there",
                         num, (unsigned long long)e->offset, got_num, got_gen);
    if (ret == KYSO_OK && pdf->crypt)
      ret = kyso_crypt_decrypt_object(pdf, num, got_gen, obj, err);
    if (ret != KYSO_OK) {
      e->state = 0;
      goto done;
    }
    e->obj = obj;
    e->state = 2;
  } else {
    if (e->offset > KYSO_LIMIT_OBJECT_NUMBER || e->offset == num) {
      e->state = 0;
      ret = kyso_error_set(err, KYSO_ERR_PDF_XREF,
                           "object %u: bad object stream number", num);
      goto done;
    }
    ret = load_object_stream(pdf, (uint32_t)e->offset, err);
    if (ret != KYSO_OK) {
      e->state = 0;
      goto done;
    }
    if (e->state != 2) {
      e->state = 0;
      ret = kyso_error_set(err, KYSO_ERR_PDF_XREF,
                           "object %u is not in object stream %llu", num,
                           (unsigned long long)e->offset);
      goto done;
    }
  }
  ret = KYSO_OK;
done:
  return ret;
}

kyso_status kyso_pdf_resolve(kyso_pdf *pdf, kyso_obj *obj, kyso_obj **out,
                             kyso_error *err) {
  int hops;
  for (hops = 0; hops < 32; hops++) {
    kyso_status ret;
    if (!kyso_obj_is(obj, KYSO_OBJ_REF)) {
      *out = obj;
      return KYSO_OK;
    }
    ret = kyso_pdf_get_object(pdf, obj->u.ref.num, &obj, err);
    if (ret != KYSO_OK)
      return ret;
  }
  return kyso_error_set(err, KYSO_ERR_PDF_LOOP, "reference chain too long");
}

kyso_status kyso_pdf_dict_get(kyso_pdf *pdf, const kyso_obj *dict,
                              const char *key, kyso_obj **out,
                              kyso_error *err) {
  kyso_obj *v = kyso_dict_get(dict, key);
  *out = NULL;
  if (!v)
    return KYSO_OK;
  return kyso_pdf_resolve(pdf, v, out, err);
}

/* Applies one filter with its parameters (7.4). */
static kyso_status decode_one(kyso_pdf *pdf, const char *filter,
                              kyso_obj *parms, const uint8_t *in, size_t len,
                              size_t limit, kyso_buf *out, kyso_error *err) {
  kyso_status ret;
  kyso_buf inflated;
  kyso_obj *v = NULL;
  int predictor = 1, colors = 1, bpc = 8;
  int64_t columns = 1;

  kyso_buf_init(&inflated);
  if (strcmp(filter, "FlateDecode") != 0 && strcmp(filter, "Fl") != 0) {
    ret = kyso_error_set(err, KYSO_ERR_PDF_FILTER,
                         "stream filter /%s is not supported here", filter);
    goto done;
  }
  if (kyso_obj_is(parms, KYSO_OBJ_DICT)) {
    ret = kyso_pdf_dict_get(pdf, parms, "Predictor", &v, err);
    if (ret == KYSO_OK && kyso_obj_is(v, KYSO_OBJ_INT))
      predictor = (int)(v->u.integer > 100 ? 100 : v->u.integer);
    if (ret == KYSO_OK)
      ret = kyso_pdf_dict_get(pdf, parms, "Colors", &v, err);
    if (ret == KYSO_OK && kyso_obj_is(v, KYSO_OBJ_INT))
      colors = (int)(v->u.integer > 64 ? 64 : v->u.integer);
    if (ret == KYSO_OK)
      ret = kyso_pdf_dict_get(pdf, parms, "BitsPerComponent", &v, err);
    if (ret == KYSO_OK && kyso_obj_is(v, KYSO_OBJ_INT))
      bpc = (int)(v->u.integer > 64 ? 64 : v->u.integer);
    if (ret == KYSO_OK)
      ret = kyso_pdf_dict_get(pdf, parms, "Columns", &v, err);
    if (ret == KYSO_OK && kyso_obj_is(v, KYSO_OBJ_INT))
      columns = v->u.integer;
    if (ret != KYSO_OK)
      goto done;
  }
  if (colors < 1 ||
      (bpc != 1 && bpc != 2 && bpc != 4 && bpc != 8 && bpc != 16) ||
      columns < 1 || columns > (1 << 24)) {
    ret = kyso_error_set(err, KYSO_ERR_PDF_FILTER, "bad /DecodeParms");
    goto done;
  }
  if (predictor == 1) {
    ret = kyso_flate_decode(in, len, limit, out, err);
    goto done;
  }
  ret = kyso_flate_decode(in, len, limit, &inflated, err);
  if (ret == KYSO_OK)
    ret = kyso_predictor_decode(inflated.data, inflated.len, predictor, colors,
                                bpc, (size_t)columns, out, err);
done:
  kyso_buf_free(&inflated);
  return ret;
}

kyso_status kyso_pdf_stream_decode(kyso_pdf *pdf, const kyso_obj *stream,
                                   size_t limit, kyso_buf *out,
                                   kyso_error *err) {
  kyso_status ret;
  kyso_obj *filter = NULL, *parms = NULL;
  kyso_buf a, b;
  const uint8_t *cur;
  size_t cur_len, i, count;

  kyso_buf_init(&a);
  kyso_buf_init(&b);
  ret = kyso_pdf_dict_get(pdf, stream->u.stream.dict, "Filter", &filter, err);
  if (ret == KYSO_OK)
    ret = kyso_pdf_dict_get(pdf, stream->u.stream.dict, "DecodeParms", &parms,
                            err);
  if (ret != KYSO_OK)
    goto done;
  cur = stream->u.stream.data;
  cur_len = stream->u.stream.len;
  if (!filter || kyso_obj_is(filter, KYSO_OBJ_NULL)) {
    if (cur_len > limit) {
      ret = kyso_error_set(err, KYSO_ERR_LIMIT, "stream larger than %zu bytes",
                           limit);
      goto done;
    }
    kyso_buf_append(out, cur, cur_len);
    ret = kyso_buf_ok(out)
              ? KYSO_OK
              : kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  count = kyso_obj_is(filter, KYSO_OBJ_ARRAY) ? filter->u.array.count : 1;
  if (count == 0 || count > 8) {
    ret = kyso_error_set(err, KYSO_ERR_PDF_FILTER, "bad /Filter array");
    goto done;
  }
  for (i = 0; i < count; i++) {
    kyso_obj *f =
        kyso_obj_is(filter, KYSO_OBJ_ARRAY) ? filter->u.array.items[i] : filter;
    kyso_obj *pm = parms;
    kyso_buf *dst = (i + 1 == count) ? out : (i % 2 ? &b : &a);
    if (kyso_obj_is(parms, KYSO_OBJ_ARRAY))
      pm = i < parms->u.array.count ? parms->u.array.items[i] : NULL;
    ret = kyso_pdf_resolve(pdf, f, &f, err);
    if (ret == KYSO_OK)
      ret = kyso_pdf_resolve(pdf, pm, &pm, err);
    if (ret != KYSO_OK)
      goto done;
    if (!kyso_obj_is(f, KYSO_OBJ_NAME)) {
      ret = kyso_error_set(err, KYSO_ERR_PDF_FILTER, "/Filter is not a name");
      goto done;
    }
    dst->len = 0;
    ret = decode_one(pdf, f->u.name, pm, cur, cur_len, limit, dst, err);
    if (ret != KYSO_OK)
      goto done;
    cur = dst->data;
    cur_len = dst->len;
  }
done:
  kyso_buf_free(&a);
  kyso_buf_free(&b);
  return ret;
}

kyso_status kyso_pdf_check(kyso_pdf *pdf, kyso_error *err) {
  kyso_status ret = KYSO_OK;
  size_t page, i;

  for (page = 0; page < pdf->xref_page_count && ret == KYSO_OK; page++) {
    if (!pdf->xref_pages[page])
      continue;
    for (i = 0; i < KYSO_XREF_PAGE && ret == KYSO_OK; i++) {
      kyso_obj *obj;
      uint8_t kind = pdf->xref_pages[page][i].kind;
      if (kind == KYSO_XREF_OFFSET || kind == KYSO_XREF_COMPRESSED)
        ret = kyso_pdf_get_object(pdf, (uint32_t)(page * KYSO_XREF_PAGE + i),
                                  &obj, err);
    }
  }
  if (ret == KYSO_OK)
    ret = kyso_pdf_load_pages(pdf, err);
  return ret;
}

kyso_status kyso_pdf_get_page_count(kyso_pdf *pdf, size_t *count,
                                    kyso_error *err) {
  kyso_status ret = kyso_pdf_load_pages(pdf, err);
  *count = ret == KYSO_OK ? pdf->page_count : 0;
  return ret;
}
