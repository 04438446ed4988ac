/*
 * pdf_xref.c - the cross-reference chain (ISO 32000-1 7.5.4, 7.5.5, 7.5.6,
 * 7.5.8): classic tables, xref streams, hybrid files (/XRefStm), /Prev.
 *
 * Sections are read newest first; the first entry seen for an object wins.
 * Within a hybrid section, in-use table entries come first, then the
 * /XRefStm stream, then the table's free entries (7.5.8.4).
 */
#include <stdlib.h>
#include <string.h>

#include "kyso/limits.h"
#include "pdf/pdf_file.h"
#include "pdf/pdf_filter.h"
#include "pdf/pdf_parse.h"

enum { STARTXREF_WINDOW = 1024 };

kyso_xref_entry *kyso_xref_get(const kyso_pdf *pdf, uint64_t num) {
  uint64_t page = num / KYSO_XREF_PAGE;
  if (page >= pdf->xref_page_count || !pdf->xref_pages[page])
    return NULL;
  return &pdf->xref_pages[page][num % KYSO_XREF_PAGE];
}

/* The slot for num, its page allocated on first use. */
static kyso_status slot(kyso_pdf *pdf, uint64_t num, kyso_xref_entry **out,
                        kyso_error *err) {
  uint64_t page = num / KYSO_XREF_PAGE;
  if (num > KYSO_LIMIT_OBJECT_NUMBER)
    return kyso_error_set(err, KYSO_ERR_PDF_XREF,
                          "object number %llu is over the limit of %d",
                          (unsigned long long)num, KYSO_LIMIT_OBJECT_NUMBER);
  if (!pdf->xref_pages) {
    pdf->xref_page_count = KYSO_LIMIT_OBJECT_NUMBER / KYSO_XREF_PAGE + 1;
    pdf->xref_pages = calloc(pdf->xref_page_count, sizeof(*pdf->xref_pages));
    if (!pdf->xref_pages)
      return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  }
  if (!pdf->xref_pages[page]) {
    pdf->xref_pages[page] =
        kyso_arena_calloc(&pdf->arena, KYSO_XREF_PAGE, sizeof(kyso_xref_entry));
    if (!pdf->xref_pages[page])
      return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  }
  if (num >= pdf->xref_count)
    pdf->xref_count = (size_t)num + 1;
  *out = &pdf->xref_pages[page][num % KYSO_XREF_PAGE];
  return KYSO_OK;
}

static kyso_status set_entry(kyso_pdf *pdf, uint64_t num, kyso_xref_kind kind,
                             uint64_t offset, uint32_t gen_or_index,
                             kyso_error *err) {
  kyso_xref_entry *e = NULL;
  kyso_status ret = slot(pdf, num, &e, err);
  if (ret != KYSO_OK)
    return ret;
  if (num > pdf->max_object)
    pdf->max_object = (uint32_t)num;
  if (e->kind != KYSO_XREF_UNSET)
    return KYSO_OK;
  if (kind == KYSO_XREF_OFFSET && offset >= pdf->len)
    return kyso_error_set(err, KYSO_ERR_PDF_XREF,
                          "object %llu: offset %llu is past the end of the "
                          "file",
                          (unsigned long long)num, (unsigned long long)offset);
  e->kind = (uint8_t)kind;
  e->offset = offset;
  if (kind == KYSO_XREF_COMPRESSED)
    e->index = gen_or_index;
  else
    e->gen = (uint16_t)(gen_or_index > 65535 ? 65535 : gen_or_index);
  return KYSO_OK;
}

kyso_status kyso_xref_set(kyso_pdf *pdf, uint64_t num, kyso_xref_kind kind,
                          uint64_t offset, uint32_t gen_or_index,
                          kyso_error *err) {
  return set_entry(pdf, num, kind, offset, gen_or_index, err);
}

/* Finds "startxref N" in the last bytes of the file (7.5.5). */
static kyso_status find_startxref(kyso_pdf *pdf, size_t *offset,
                                  kyso_error *err) {
  static const char kw[] = "startxref";
  size_t start = pdf->len > STARTXREF_WINDOW ? pdf->len - STARTXREF_WINDOW : 0;
  size_t i = pdf->len;
  kyso_lexer lx;
  kyso_lex_token tok;

  while (i > start + sizeof(kw) - 1) {
    i--;
    if (memcmp(pdf->data + i - (sizeof(kw) - 1), kw, sizeof(kw) - 1) == 0) {
      lx.data = pdf->data;
      lx.len = pdf->len;
      lx.pos = i;
      kyso_lex_next(&lx, &tok);
      if (tok.type != KYSO_LEX_TOK_INT || tok.integer < 0 ||
          (uint64_t)tok.integer >= pdf->len)
        return kyso_error_set(err, KYSO_ERR_PDF_XREF,
                              "startxref does not give an offset inside the "
                              "file");
      *offset = (size_t)tok.integer;
      return KYSO_OK;
    }
  }
  return kyso_error_set(err, KYSO_ERR_PDF_XREF,
                        "no startxref at the end of the file (truncated?)");
}

/* One past the %%EOF line that closes the section parsed up to `from`. */
static kyso_status find_revision_end(kyso_pdf *pdf, size_t from,
                                     size_t *eof_end, size_t *end,
                                     kyso_error *err) {
  size_t i;
  for (i = from; i + 5 <= pdf->len; i++) {
    if (memcmp(pdf->data + i, "%%EOF", 5) == 0) {
      i += 5;
      *eof_end = i;
      if (i < pdf->len && pdf->data[i] == '\r')
        i++;
      if (i < pdf->len && pdf->data[i] == '\n')
        i++;
      *end = i;
      return KYSO_OK;
    }
  }
  return kyso_error_set(err, KYSO_ERR_PDF_XREF,
                        "revision at byte %zu has no %%%%EOF", from);
}

/* Classic table (7.5.4). pass 0 takes in-use entries, pass 1 free ones.
 * *after is where the trailer dictionary ends. */
static kyso_status read_table(kyso_pdf *pdf, size_t offset, int pass,
                              kyso_obj **trailer, size_t *after,
                              kyso_error *err) {
  kyso_status ret = KYSO_OK;
  kyso_parser p;
  kyso_lex_token tok, a, b, c;

  kyso_parser_init(&p, &pdf->arena, pdf->data, pdf->len, offset);
  kyso_lex_next(&p.lex, &tok); /* "xref", checked by the caller */
  for (;;) {
    int64_t first, count, i;
    kyso_lex_next(&p.lex, &a);
    if (kyso_lex_token_is(&p.lex, &a, "trailer"))
      break;
    kyso_lex_next(&p.lex, &b);
    if (a.type != KYSO_LEX_TOK_INT || b.type != KYSO_LEX_TOK_INT ||
        a.integer < 0 || b.integer < 0 ||
        a.integer > KYSO_LIMIT_OBJECT_NUMBER ||
        b.integer > KYSO_LIMIT_OBJECT_NUMBER + 1 - a.integer) {
      return kyso_error_set(err, KYSO_ERR_PDF_XREF,
                            "bad cross-reference subsection at byte %zu",
                            a.start);
    }
    first = a.integer;
    count = b.integer;
    /* Each entry is 20 bytes: a count beyond the file is a lie. */
    if ((uint64_t)count > (pdf->len - p.lex.pos) / 18 + 1)
      return kyso_error_set(err, KYSO_ERR_PDF_XREF,
                            "cross-reference subsection at byte %zu claims "
                            "more entries than the file holds",
                            a.start);
    for (i = 0; i < count; i++) {
      kyso_lex_next3(&p.lex, &a, &b, &c);
      if (a.type != KYSO_LEX_TOK_INT || b.type != KYSO_LEX_TOK_INT ||
          a.integer < 0 || b.integer < 0 || b.integer > 65536 ||
          (!kyso_lex_token_is(&p.lex, &c, "n") &&
           !kyso_lex_token_is(&p.lex, &c, "f")))
        return kyso_error_set(err, KYSO_ERR_PDF_XREF,
                              "bad cross-reference entry at byte %zu", a.start);
      /* Generation 65536 is one past the last (7.5.4), but many writers
       * put it on the free-list head (or on an "in use" entry at offset
       * 0, which is free too): such an entry is never used, so it reads as
       * free. On an object that is really there it is an error. */
      if (b.integer > 65535 && (pdf->data[c.start] == 'n' && a.integer != 0))
        return kyso_error_set(err, KYSO_ERR_PDF_XREF,
                              "bad cross-reference entry at byte %zu "
                              "(generation %lld)",
                              a.start, (long long)b.integer);
      if (pdf->data[c.start] == 'n' && pass == 0) {
        /* Offset 0 for an in-use object cannot be right: the header is
         * there. Some writers mean "free"; treat it as missing. */
        if (a.integer == 0)
          ret = set_entry(pdf, (uint64_t)(first + i), KYSO_XREF_FREE, 0,
                          (uint32_t)b.integer, err);
        else
          ret = set_entry(pdf, (uint64_t)(first + i), KYSO_XREF_OFFSET,
                          (uint64_t)a.integer, (uint32_t)b.integer, err);
      } else if (pdf->data[c.start] == 'f' && pass == 1) {
        ret = set_entry(pdf, (uint64_t)(first + i), KYSO_XREF_FREE, 0,
                        (uint32_t)b.integer, err);
      }
      if (ret != KYSO_OK)
        return ret;
    }
  }
  ret = kyso_parse_object(&p, trailer, err);
  if (ret != KYSO_OK)
    return ret;
  if (!kyso_obj_is(*trailer, KYSO_OBJ_DICT))
    return kyso_error_set(err, KYSO_ERR_PDF_TRAILER,
                          "trailer at byte %zu is not a dictionary", offset);
  *after = p.lex.pos;
  return KYSO_OK;
}

static uint64_t read_field(const uint8_t *p, int width) {
  uint64_t v = 0;
  int i;
  for (i = 0; i < width; i++)
    v = v << 8 | p[i];
  return v;
}

/* Cross-reference stream (7.5.8). */
static kyso_status read_stream(kyso_pdf *pdf, size_t offset, kyso_obj **trailer,
                               size_t *after, kyso_error *err) {
  kyso_status ret;
  kyso_obj *stm = NULL, *w, *index, *size;
  kyso_buf data;
  uint32_t num;
  uint16_t gen;
  int wd[3];
  size_t width = 0, pos = 0, i;

  kyso_buf_init(&data);
  ret = kyso_pdf_parse_indirect(pdf, offset, &num, &gen, &stm, err);
  if (ret != KYSO_OK)
    goto done;
  if (!kyso_obj_is(stm, KYSO_OBJ_STREAM) ||
      !kyso_obj_is_name(kyso_dict_get(stm->u.stream.dict, "Type"), "XRef")) {
    ret = kyso_error_set(err, KYSO_ERR_PDF_XREF,
                         "object at byte %zu is not a cross-reference stream",
                         offset);
    goto done;
  }
  w = kyso_dict_get(stm->u.stream.dict, "W");
  size = kyso_dict_get(stm->u.stream.dict, "Size");
  index = kyso_dict_get(stm->u.stream.dict, "Index");
  if (!kyso_obj_is(w, KYSO_OBJ_ARRAY) || w->u.array.count != 3 ||
      !kyso_obj_is(size, KYSO_OBJ_INT) || size->u.integer < 0 ||
      (index && (!kyso_obj_is(index, KYSO_OBJ_ARRAY) ||
                 index->u.array.count % 2 != 0))) {
    ret = kyso_error_set(err, KYSO_ERR_PDF_XREF,
                         "cross-reference stream at byte %zu: bad /W, /Size "
                         "or /Index",
                         offset);
    goto done;
  }
  for (i = 0; i < 3; i++) {
    kyso_obj *v = w->u.array.items[i];
    if (!kyso_obj_is(v, KYSO_OBJ_INT) || v->u.integer < 0 || v->u.integer > 8) {
      ret = kyso_error_set(err, KYSO_ERR_PDF_XREF,
                           "cross-reference stream: bad /W entry");
      goto done;
    }
    wd[i] = (int)v->u.integer;
    width += (size_t)wd[i];
  }
  if (width == 0) {
    ret = kyso_error_set(err, KYSO_ERR_PDF_XREF,
                         "cross-reference stream: /W is all zero");
    goto done;
  }
  ret = kyso_pdf_stream_decode(pdf, stm, KYSO_LIMIT_STREAM_DECODED, &data, err);
  if (ret != KYSO_OK)
    goto done;
  for (i = 0; i < (index ? index->u.array.count : 2); i += 2) {
    int64_t first = 0, count = size->u.integer, k;
    if (index) {
      kyso_obj *f = index->u.array.items[i], *c = index->u.array.items[i + 1];
      if (!kyso_obj_is(f, KYSO_OBJ_INT) || !kyso_obj_is(c, KYSO_OBJ_INT) ||
          f->u.integer < 0 || c->u.integer < 0 ||
          f->u.integer > KYSO_LIMIT_OBJECT_NUMBER ||
          c->u.integer > KYSO_LIMIT_OBJECT_NUMBER + 1 - f->u.integer) {
        ret = kyso_error_set(err, KYSO_ERR_PDF_XREF,
                             "cross-reference stream: bad /Index");
        goto done;
      }
      first = f->u.integer;
      count = c->u.integer;
    }
    for (k = 0; k < count; k++) {
      const uint8_t *e;
      uint64_t type, f2, f3;
      if (data.len - pos < width) {
        ret = kyso_error_set(err, KYSO_ERR_PDF_XREF,
                             "cross-reference stream at byte %zu is shorter "
                             "than its /Index says",
                             offset);
        goto done;
      }
      e = data.data + pos;
      pos += width;
      type = wd[0] ? read_field(e, wd[0]) : 1;
      f2 = read_field(e + wd[0], wd[1]);
      f3 = read_field(e + wd[0] + wd[1], wd[2]);
      if (type == 0)
        ret = set_entry(pdf, (uint64_t)(first + k), KYSO_XREF_FREE, 0,
                        (uint32_t)(f3 > 65535 ? 65535 : f3), err);
      else if (type == 1)
        ret = set_entry(pdf, (uint64_t)(first + k), KYSO_XREF_OFFSET, f2,
                        (uint32_t)(f3 > 65535 ? 65535 : f3), err);
      else if (type == 2)
        ret = set_entry(pdf, (uint64_t)(first + k), KYSO_XREF_COMPRESSED, f2,
                        (uint32_t)(f3 > UINT32_MAX ? UINT32_MAX : f3), err);
      /* Other types are reserved: a reference to them is null (7.5.8.3). */
      if (ret != KYSO_OK)
        goto done;
    }
  }
  *trailer = stm->u.stream.dict;
  *after = stm->end;
  ret = KYSO_OK;
done:
  kyso_buf_free(&data);
  return ret;
}

static int offset_seen(const size_t *seen, size_t n, size_t offset) {
  size_t i;
  for (i = 0; i < n; i++)
    if (seen[i] == offset)
      return 1;
  return 0;
}

/* Is there "xref" at offset? (Else it should be an xref stream object.) */
static int is_table(const kyso_pdf *pdf, size_t offset) {
  kyso_lexer lx = {pdf->data, pdf->len, offset};
  kyso_lex_token tok;
  kyso_lex_next(&lx, &tok);
  return kyso_lex_token_is(&lx, &tok, "xref");
}

static kyso_status next_offset(kyso_pdf *pdf, kyso_obj *trailer,
                               const char *key, size_t *offset, int *present,
                               kyso_error *err) {
  kyso_obj *v = kyso_dict_get(trailer, key);
  *present = 0;
  if (!v)
    return KYSO_OK;
  if (!kyso_obj_is(v, KYSO_OBJ_INT) || v->u.integer < 0 ||
      (uint64_t)v->u.integer >= pdf->len)
    return kyso_error_set(err, KYSO_ERR_PDF_XREF,
                          "/%s does not give an offset inside the file", key);
  *offset = (size_t)v->u.integer;
  *present = 1;
  return KYSO_OK;
}

kyso_status kyso_xref_load(kyso_pdf *pdf, kyso_error *err) {
  kyso_status ret;
  size_t *seen = NULL;
  size_t nseen = 0, offset = 0, after = 0, i, kept;
  int more = 1;

  seen = calloc(KYSO_LIMIT_XREF_SECTIONS, sizeof(*seen));
  pdf->sections = calloc(KYSO_LIMIT_XREF_SECTIONS, sizeof(*pdf->sections));
  if (!seen || !pdf->sections) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  ret = find_startxref(pdf, &offset, err);
  if (ret != KYSO_OK)
    goto done;
  pdf->startxref = offset;
  while (more) {
    kyso_xref_section *s;
    kyso_obj *trailer = NULL;
    size_t stm_offset = 0;
    int has_stm = 0;

    if (offset_seen(seen, nseen, offset)) {
      ret = kyso_error_set(err, KYSO_ERR_PDF_LOOP,
                           "the /Prev chain loops back to byte %zu", offset);
      goto done;
    }
    if (nseen + 2 > KYSO_LIMIT_XREF_SECTIONS) {
      ret = kyso_error_set(err, KYSO_ERR_LIMIT,
                           "more than %d cross-reference sections",
                           KYSO_LIMIT_XREF_SECTIONS);
      goto done;
    }
    seen[nseen++] = offset;
    s = &pdf->sections[pdf->section_count++];
    s->offset = offset;
    if (is_table(pdf, offset)) {
      ret = read_table(pdf, offset, 0, &trailer, &after, err);
      if (ret == KYSO_OK)
        ret = next_offset(pdf, trailer, "XRefStm", &stm_offset, &has_stm, err);
      /* Word 2007 and the writers that update its files copy the original
       * trailer, /XRefStm included, into every update trailer. A repeated
       * /XRefStm is read once, in the NEWEST section naming it, where
       * poppler, pdf.js and qpdf read it: its entries then come before the
       * older sections' tables. Read anywhere else, kyso would see other
       * objects than every viewer (an update repeating the /XRefStm can
       * bring back an object the signed revision's table overrode: the
       * changes analysis must see that as a change). Only a /Prev chain
       * can loop. */
      for (i = 0; ret == KYSO_OK && has_stm && i < pdf->section_count; i++)
        if (pdf->sections[i].offset == stm_offset)
          ret = kyso_error_set(err, KYSO_ERR_PDF_LOOP,
                               "/XRefStm points at a section already read");
      if (ret == KYSO_OK && has_stm && !offset_seen(seen, nseen, stm_offset)) {
        kyso_obj *stm_trailer = NULL;
        size_t stm_after = 0;
        seen[nseen++] = stm_offset;
        ret = read_stream(pdf, stm_offset, &stm_trailer, &stm_after, err);
      }
      if (ret == KYSO_OK)
        ret = read_table(pdf, offset, 1, &trailer, &after, err);
    } else {
      s->is_stream = 1;
      ret = read_stream(pdf, offset, &trailer, &after, err);
    }
    if (ret != KYSO_OK)
      goto done;
    s->trailer = trailer;
    ret = find_revision_end(pdf, after, &s->eof_end, &s->end, err);
    if (ret != KYSO_OK)
      goto done;
    if (pdf->section_count == 1) {
      pdf->trailer = trailer;
      pdf->startxref_is_stream = s->is_stream;
    }
    ret = next_offset(pdf, trailer, "Prev", &offset, &more, err);
    if (ret != KYSO_OK)
      goto done;
  }
  /* A section that ends before an older one is part of that older
   * revision (a linearized file's first-page section): keep only sections
   * whose end grows from oldest to newest, so revisions are in file order. */
  kept = 0;
  for (i = pdf->section_count; i-- > 0;) {
    if (kept > 0 &&
        pdf->sections[i].end <= pdf->sections[pdf->section_count - kept].end)
      continue;
    pdf->sections[pdf->section_count - 1 - kept] = pdf->sections[i];
    kept++;
  }
  memmove(pdf->sections, pdf->sections + pdf->section_count - kept,
          kept * sizeof(*pdf->sections));
  pdf->section_count = kept;
  ret = KYSO_OK;
done:
  free(seen);
  return ret;
}
