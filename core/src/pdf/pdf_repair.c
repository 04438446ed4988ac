/*
 * pdf_repair.c - reading a document whose cross-reference data is broken
 * (issue 12: files users posted with wrong offsets, which pdfsig rebuilds),
 * for verification only; see kyso_pdf_open_repaired in pdf_file.h.
 *
 * The file is scanned for object definitions "N G obj" that start a line
 * or follow white space; the last definition of a number wins, as poppler
 * and pdf.js rebuild a table. Objects inside object streams are not
 * recovered. The trailer is the last "trailer" dictionary (or xref stream
 * dictionary) that names a /Root, and each %%EOF ends a revision. What is
 * read this way is a guess other readers share, not the structure the
 * writer meant: pdf->repaired tells the verifier so, and kyso sign never
 * opens a document this way.
 */
#include <stdlib.h>
#include <string.h>

#include "kyso/limits.h"
#include "pdf/pdf_file.h"
#include "pdf/pdf_parse.h"

typedef struct found {
  uint32_t num;
  uint16_t gen;
  size_t offset;
} found;

static int is_space(uint8_t c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0;
}

static int is_digit(uint8_t c) {
  return c >= '0' && c <= '9';
}

/* The start of "N G" that ends just before the "obj" at i, or (size_t)-1. */
static size_t definition_start(const uint8_t *d, size_t i, uint32_t *num,
                               uint16_t *gen) {
  size_t p = i, end;
  uint64_t v;
  int k;

  /* "obj" then a delimiter or white space */
  if (p == 0 || !is_space(d[p - 1]))
    return (size_t)-1;
  while (p > 0 && is_space(d[p - 1]))
    p--;
  end = p;
  for (k = 0; p > 0 && is_digit(d[p - 1]) && k < 6; k++)
    p--;
  if (p == end || (p > 0 && is_digit(d[p - 1])))
    return (size_t)-1;
  for (v = 0, k = 0; p + (size_t)k < end; k++)
    v = v * 10 + (uint64_t)(d[p + (size_t)k] - '0');
  if (v > 65535 || p == 0 || !is_space(d[p - 1]))
    return (size_t)-1;
  *gen = (uint16_t)v;
  while (p > 0 && is_space(d[p - 1]))
    p--;
  end = p;
  for (k = 0; p > 0 && is_digit(d[p - 1]) && k < 8; k++)
    p--;
  if (p == end || (p > 0 && !is_space(d[p - 1])))
    return (size_t)-1;
  for (v = 0, k = 0; p + (size_t)k < end; k++)
    v = v * 10 + (uint64_t)(d[p + (size_t)k] - '0');
  if (v > KYSO_LIMIT_OBJECT_NUMBER)
    return (size_t)-1;
  *num = (uint32_t)v;
  return p;
}

/* Every "N G obj" in the file, in file order (*out: free()). */
static kyso_status scan_objects(const kyso_pdf *pdf, found **out, size_t *n,
                                kyso_error *err) {
  kyso_status ret = KYSO_OK;
  const uint8_t *d = pdf->data;
  size_t cap = 0, i = 0, count = 0;
  found *list = NULL;

  *out = NULL;
  *n = 0;
  while (i + 3 <= pdf->len) {
    const uint8_t *o = memchr(d + i, 'o', pdf->len - i);
    uint32_t num;
    uint16_t gen;
    size_t start;
    if (!o)
      break;
    i = (size_t)(o - d);
    if (i + 3 > pdf->len || memcmp(o, "obj", 3) != 0 ||
        (i + 3 < pdf->len && !is_space(d[i + 3]) && d[i + 3] != '<' &&
         d[i + 3] != '[' && d[i + 3] != '(' && d[i + 3] != '/' &&
         d[i + 3] != '%')) {
      i++;
      continue;
    }
    start = definition_start(d, i, &num, &gen);
    i += 3;
    if (start == (size_t)-1)
      continue;
    if (count == KYSO_LIMIT_REPAIR_OBJECTS) {
      ret = kyso_error_set(err, KYSO_ERR_LIMIT,
                           "the damaged file defines more than %d objects",
                           KYSO_LIMIT_REPAIR_OBJECTS);
      goto done;
    }
    if (count == cap) {
      size_t ncap = cap ? cap * 2 : 256;
      found *p = realloc(list, ncap * sizeof(*p));
      if (!p) {
        ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
        goto done;
      }
      list = p;
      cap = ncap;
    }
    list[count].num = num;
    list[count].gen = gen;
    list[count].offset = start;
    count++;
  }
  *out = list;
  *n = count;
  list = NULL;
done:
  free(list);
  return ret;
}

/* The dictionary after the last "trailer" keyword (or the last xref stream)
 * that names /Root; NULL if none. */
static kyso_obj *find_trailer(kyso_pdf *pdf, const found *list, size_t n) {
  static const char kw[] = "trailer";
  size_t i = pdf->len, k, j, tries = 0;
  kyso_error scratch;

  while (i >= sizeof(kw) - 1 && tries < KYSO_LIMIT_REPAIR_TRAILERS) {
    kyso_parser p;
    kyso_obj *obj = NULL;
    i--;
    if (i + sizeof(kw) - 1 > pdf->len ||
        memcmp(pdf->data + i, kw, sizeof(kw) - 1) != 0)
      continue;
    /* "trailer", white space, "<<": else not worth a parse */
    for (j = i + sizeof(kw) - 1; j < pdf->len && is_space(pdf->data[j]); j++)
      ;
    if (j + 1 >= pdf->len || pdf->data[j] != '<' || pdf->data[j + 1] != '<')
      continue;
    tries++;
    kyso_parser_init(&p, &pdf->arena, pdf->data, pdf->len, j);
    if (kyso_parse_object(&p, &obj, &scratch) == KYSO_OK &&
        kyso_obj_is(kyso_dict_get(obj, "Root"), KYSO_OBJ_REF))
      return obj;
  }
  for (k = n, tries = 0; k-- > 0 && tries < KYSO_LIMIT_REPAIR_TRAILERS;) {
    kyso_obj *obj = NULL;
    static const char xref[] = "/XRef";
    size_t w,
        end = list[k].offset + 256 < pdf->len ? list[k].offset + 256 : pdf->len;
    /* only objects that say /XRef near their start are loaded */
    for (w = list[k].offset; w + sizeof(xref) - 1 <= end; w++)
      if (memcmp(pdf->data + w, xref, sizeof(xref) - 1) == 0)
        break;
    if (w + sizeof(xref) - 1 > end)
      continue;
    tries++;
    if (kyso_pdf_get_object(pdf, list[k].num, &obj, &scratch) == KYSO_OK &&
        kyso_obj_is(obj, KYSO_OBJ_STREAM) &&
        kyso_obj_is_name(kyso_dict_get(obj->u.stream.dict, "Type"), "XRef") &&
        kyso_obj_is(kyso_dict_get(obj->u.stream.dict, "Root"), KYSO_OBJ_REF))
      return obj->u.stream.dict;
  }
  return NULL;
}

/* One revision per %%EOF (the last one at least reaching the end). */
static kyso_status find_revisions(kyso_pdf *pdf, kyso_error *err) {
  size_t i;
  pdf->sections = calloc(KYSO_LIMIT_XREF_SECTIONS, sizeof(*pdf->sections));
  if (!pdf->sections)
    return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
  for (i = 0; i + 5 <= pdf->len; i++) {
    const uint8_t *p = memchr(pdf->data + i, '%', pdf->len - i);
    kyso_xref_section *s;
    size_t e;
    if (!p)
      break;
    i = (size_t)(p - pdf->data);
    if (i + 5 > pdf->len || memcmp(p, "%%EOF", 5) != 0)
      continue;
    if (pdf->section_count == KYSO_LIMIT_XREF_SECTIONS)
      return kyso_error_set(err, KYSO_ERR_LIMIT, "more than %d revisions",
                            KYSO_LIMIT_XREF_SECTIONS);
    e = i + 5;
    s = &pdf->sections[pdf->section_count++];
    s->eof_end = e;
    if (e < pdf->len && pdf->data[e] == '\r')
      e++;
    if (e < pdf->len && pdf->data[e] == '\n')
      e++;
    s->end = e;
    s->trailer = pdf->trailer;
    i += 4;
  }
  if (pdf->section_count == 0) {
    pdf->sections[0].eof_end = pdf->len;
    pdf->sections[0].end = pdf->len;
    pdf->sections[0].trailer = pdf->trailer;
    pdf->section_count = 1;
  }
  /* newest first, as kyso_xref_load leaves them */
  for (i = 0; i < pdf->section_count / 2; i++) {
    kyso_xref_section t = pdf->sections[i];
    pdf->sections[i] = pdf->sections[pdf->section_count - 1 - i];
    pdf->sections[pdf->section_count - 1 - i] = t;
  }
  return KYSO_OK;
}

kyso_status kyso_pdf_open_repaired(const uint8_t *data, size_t len,
                                   kyso_pdf **out, kyso_error *err) {
  kyso_status ret;
  kyso_pdf *pdf = NULL;
  kyso_obj *root = NULL;
  found *list = NULL;
  size_t n = 0, k;

  *out = NULL;
  if (!data || len < 8 || len > KYSO_LIMIT_PDF_SIZE ||
      memcmp(data, "%PDF-", 5) != 0) {
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
  pdf->repaired = 1;
  kyso_arena_init(&pdf->arena);
  ret = scan_objects(pdf, &list, &n, err);
  if (ret != KYSO_OK)
    goto done;
  pdf->repair_defs = kyso_arena_alloc(&pdf->arena, (n ? n : 1) * sizeof(*list));
  if (!pdf->repair_defs) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  if (n)
    memcpy(pdf->repair_defs, list, n * sizeof(*list));
  pdf->repair_def_count = n;
  /* The last definition wins: set from the end, the first set stays. */
  for (k = n; k-- > 0 && ret == KYSO_OK;)
    ret = kyso_xref_set(pdf, list[k].num, KYSO_XREF_OFFSET, list[k].offset,
                        list[k].gen, err);
  if (ret != KYSO_OK)
    goto done;
  if (n == 0 || !(pdf->trailer = find_trailer(pdf, list, n))) {
    ret = kyso_error_set(err, KYSO_ERR_PDF_TRAILER,
                         "damaged file: no trailer naming a /Root found");
    goto done;
  }
  if (kyso_dict_get(pdf->trailer, "Encrypt")) {
    ret = kyso_error_set(err, KYSO_ERR_PDF_ENCRYPTED,
                         "damaged encrypted file: not read");
    goto done;
  }
  ret = find_revisions(pdf, err);
  if (ret == KYSO_OK)
    ret = kyso_pdf_dict_get(pdf, pdf->trailer, "Root", &root, err);
  if (ret != KYSO_OK)
    goto done;
  if (!kyso_obj_is(root, KYSO_OBJ_DICT)) {
    ret = kyso_error_set(err, KYSO_ERR_PDF_TRAILER,
                         "damaged file: /Root is not a dictionary");
    goto done;
  }
  *out = pdf;
  pdf = NULL;
  ret = KYSO_OK;
done:
  free(list);
  kyso_pdf_close(pdf);
  return ret;
}

kyso_status kyso_pdf_repaired_changes(kyso_pdf *pdf, size_t end, int *changed,
                                      uint32_t *num, kyso_error *err) {
  kyso_status ret = KYSO_OK;
  const found *list = pdf->repair_defs;
  uint8_t *before = NULL;
  size_t n = pdf->repair_def_count, k;
  kyso_obj *root_ref = kyso_dict_get(pdf->trailer, "Root");
  kyso_xref_entry *e;

  *changed = 0;
  *num = 0;
  before = calloc(KYSO_LIMIT_OBJECT_NUMBER / 8 + 1, 1);
  if (!before) {
    ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  for (k = 0; k < n; k++) {
    uint32_t v = list[k].num;
    if (list[k].offset < end)
      before[v / 8] |= (uint8_t)(1u << (v % 8));
    else if (before[v / 8] >> (v % 8) & 1) {
      *changed = 1;
      *num = v;
      goto done;
    }
  }
  /* A new catalog after the signed range: a new document, redefining
   * nothing. */
  e = kyso_obj_is(root_ref, KYSO_OBJ_REF)
          ? kyso_xref_get(pdf, root_ref->u.ref.num)
          : NULL;
  if (e && e->kind == KYSO_XREF_OFFSET && e->offset >= end) {
    *changed = 1;
    *num = root_ref->u.ref.num;
  }
done:
  free(before);
  return ret;
}
