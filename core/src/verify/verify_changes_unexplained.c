/*
 * verify_changes_unexplained.c - what no rule of the changes analysis
 * explained (judged by the role the walk gave it), and bytes that no
 * revision accounts for: data after the last %%EOF, object definitions no
 * cross-reference section points at (verify_changes.h).
 */
#include <stdlib.h>
#include <string.h>

#include "kyso/limits.h"
#include "verify/verify_changes.h"

/* ---- 6. everything no rule explained ------------------------------------- */

static const char *role_kind(int role, int added) {
  switch (role) {
  case ROLE_CATALOG:
  case ROLE_CATALOG_OTHER:
  case ROLE_PERMS: return "catalog_changed";
  case ROLE_PAGES:
  case ROLE_PAGE:
  case ROLE_KIDS: return "page_changed";
  case ROLE_CONTENT: return "page_content";
  case ROLE_RESOURCES:
  case ROLE_RESOURCE: return "resource";
  case ROLE_FONT: return "font";
  case ROLE_XOBJECT: return "xobject";
  case ROLE_ANNOTS:
  case ROLE_ANNOT:
  case ROLE_APPEARANCE:
    return added ? "annotation_added" : "annotation_changed";
  case ROLE_ACROFORM: return "form_changed";
  case ROLE_FIELD: return added ? "form_field_added" : "form_changed";
  case ROLE_SIG_VALUE: return "signature_changed";
  case ROLE_INFO: return "info_changed";
  case ROLE_METADATA: return "metadata_changed";
  case ROLE_DSS: return "dss_added";
  default: return "other";
  }
}

static const char *role_what(int role) {
  switch (role) {
  case ROLE_CATALOG: return "document catalog";
  case ROLE_CATALOG_OTHER: return "object reached from the catalog";
  case ROLE_PERMS: return "permissions (/Perms)";
  case ROLE_PAGES: return "page tree node";
  case ROLE_PAGE: return "page object";
  case ROLE_KIDS: return "page tree /Kids";
  case ROLE_CONTENT: return "page content stream";
  case ROLE_RESOURCES: return "resource dictionary";
  case ROLE_RESOURCE: return "page resource";
  case ROLE_FONT: return "font";
  case ROLE_XOBJECT: return "XObject (image or form)";
  case ROLE_ANNOTS: return "annotation list";
  case ROLE_ANNOT: return "annotation";
  case ROLE_APPEARANCE: return "annotation appearance";
  case ROLE_ACROFORM: return "interactive form";
  case ROLE_FIELD: return "form field";
  case ROLE_SIG_VALUE: return "signature dictionary";
  default: return "object";
  }
}

static int is_file_structure(diff *d, uint32_t num) {
  kyso_obj *o = kyso_changes_object(d, d->cur, num);
  const char *type =
      kyso_obj_is(o, KYSO_OBJ_STREAM) ? kyso_changes_name_of(o, "Type") : NULL;
  return type && (strcmp(type, "XRef") == 0 || strcmp(type, "ObjStm") == 0);
}

void kyso_changes_apply_defaults(diff *d) {
  size_t i;
  for (i = 0; i < d->count; i++) {
    change_rec *r = &d->recs[i];
    int added = r->state == ST_ADDED;
    if (r->from_old && added) {
      /* Overrides any approval: unchanged signed content pointed at it. */
      r->decided = 1;
      r->allowed = 0;
      r->kind = role_kind(r->old_role, 0);
      if (r->old_role == ROLE_ANNOT)
        r->kind = "annotation_added";
      r->what = "object referenced by signed content but defined only "
                "after signing";
      r->name = role_what(r->old_role);
      continue;
    }
    if (r->state == ST_FREED) {
      kyso_changes_decide(r, "object_freed", 0, "object freed after signing",
                          r->from_old ? role_what(r->old_role) : NULL);
      continue;
    }
    if (r->broken) {
      kyso_changes_decide(r, "other", 0,
                          r->broken == 2
                              ? "object stored where PDF readers disagree "
                                "on which bytes it is (object stream entry)"
                              : "object cannot be read",
                          NULL);
      continue;
    }
    if (r->decided)
      continue;
    if (r->role == ROLE_NONE) {
      if (added && is_file_structure(d, r->num))
        r->hidden = 1;
      else if (!d->walk_complete)
        kyso_changes_decide(r, "other", 0,
                            "object changed (the document cannot be "
                            "fully read to place it)",
                            NULL);
      else
        kyso_changes_decide(
            r, added ? "unused_object_added" : "unused_object_changed", 1,
            added ? "object added but not used by the document"
                  : "object changed but no longer used by the document",
            NULL);
      continue;
    }
    switch (r->role) {
    case ROLE_INFO:
      kyso_changes_decide(r, "info_changed", 1, "document information (/Info)",
                          NULL);
      break;
    case ROLE_METADATA:
      kyso_changes_decide(r, "metadata_changed", 1, "XMP metadata", NULL);
      break;
    case ROLE_DSS:
      kyso_changes_decide(r, "dss_added", 1, "document security store (/DSS)",
                          NULL);
      break;
    case ROLE_PAGES:
    case ROLE_KIDS:
      kyso_changes_decide(r,
                          d->pages_added     ? "page_added"
                          : d->pages_removed ? "page_removed"
                                             : "page_changed",
                          0, "page tree changed", NULL);
      break;
    default:
      kyso_changes_decide(r, role_kind(r->role, added), 0,
                          added ? "object added" : "object changed",
                          role_what(r->role));
      break;
    }
  }
}

/* ---- 7. bytes that no revision accounts for ------------------------------ */

static int pdf_space(uint8_t c) {
  return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' ';
}

static int pdf_delim(uint8_t c) {
  return pdf_space(c) || strchr("()<>[]{}/%", c) != NULL;
}

static int is_digit(uint8_t c) {
  return c >= '0' && c <= '9';
}

/* Anything but white space and comments after the last %%EOF: an
 * appended body without cross-reference (Incremental Saving Attack). */
void kyso_changes_check_tail(diff *d, size_t from) {
  const uint8_t *p = d->ctx->data;
  size_t i, first = (size_t)-1, n = 0;
  for (i = from; i < d->ctx->len; i++) {
    if (pdf_space(p[i]))
      continue;
    if (p[i] == '%') {
      while (i < d->ctx->len && p[i] != '\n' && p[i] != '\r')
        i++;
      continue;
    }
    if (first == (size_t)-1)
      first = i;
    n++;
  }
  if (first != (size_t)-1)
    kyso_changes_add_extra(
        d, 0, "unreferenced_data_appended",
        "%zu bytes after the last revision (from byte %zu) belong to "
        "no revision",
        d->ctx->len - first, first);
}

/* Object definitions in [from, to) of revision k that its cross-reference
 * section does not point at: a reader that rebuilds the table from the
 * bytes would use them. pk is the document as of revision k. */
static void scan_revision(diff *d, kyso_pdf *pk, size_t k, size_t from,
                          size_t to, size_t skip1, size_t skip2) {
  const uint8_t *p = d->ctx->data;
  size_t i = from;
  while (i + 3 <= to && !d->oom) {
    size_t j, num_start;
    uint64_t num = 0;
    const kyso_xref_entry *e;
    kyso_obj *obj;
    if (memcmp(p + i, "obj", 3) != 0 || (i + 3 < to && !pdf_delim(p[i + 3])) ||
        i < from + 4) {
      i++;
      continue;
    }
    /* backwards: space, generation digits, space, number digits */
    j = i;
    if (!pdf_space(p[j - 1])) {
      i++;
      continue;
    }
    while (j > from && pdf_space(p[j - 1]))
      j--;
    if (j == from || !is_digit(p[j - 1])) {
      i++;
      continue;
    }
    while (j > from && is_digit(p[j - 1]))
      j--;
    if (j == from || !pdf_space(p[j - 1])) {
      i++;
      continue;
    }
    while (j > from && pdf_space(p[j - 1]))
      j--;
    if (j == from || !is_digit(p[j - 1])) {
      i++;
      continue;
    }
    while (j > from && is_digit(p[j - 1]) && i - j < 32)
      j--;
    if (j > from && !pdf_delim(p[j - 1])) {
      i++;
      continue;
    }
    num_start = j;
    for (j = num_start; is_digit(p[j]) && num <= KYSO_LIMIT_OBJECT_NUMBER; j++)
      num = num * 10 + (uint64_t)(p[j] - '0');
    i += 3;
    if (num_start == skip1 || num_start == skip2)
      continue;
    e = num <= KYSO_LIMIT_OBJECT_NUMBER ? kyso_xref_get(pk, num) : NULL;
    if (e && e->kind == KYSO_XREF_OFFSET && e->offset == num_start) {
      /* Listed: skip its body, so stream data is not searched. The current
       * document has usually parsed the same bytes already. */
      const kyso_xref_entry *ec = kyso_xref_get(d->cur, num);
      obj = ec && ec->kind == KYSO_XREF_OFFSET && ec->offset == num_start
                ? kyso_changes_object(d, d->cur, (uint32_t)num)
                : kyso_changes_object(d, pk, (uint32_t)num);
      if (obj && obj->end > i && obj->end <= to)
        i = obj->end;
      continue;
    }
    kyso_changes_add_extra(d,
                           num <= KYSO_LIMIT_OBJECT_NUMBER ? (uint32_t)num : 0,
                           "unreferenced_object",
                           "object defined at byte %zu (revision %zu) is in no "
                           "cross-reference section",
                           num_start, k);
  }
}

void kyso_changes_check_unreferenced(diff *d, size_t signed_rev) {
  kyso_pdf *cur = d->cur;
  size_t n = kyso_pdf_get_revision_count(cur), k;
  kyso_revision_info prev, ri;

  if (kyso_pdf_get_revision(cur, n - 1, &ri) == 0)
    kyso_changes_check_tail(d, ri.end);
  for (k = signed_rev + 1;
       k < n && k <= signed_rev + SCAN_REVISIONS_MAX && !d->oom; k++) {
    kyso_pdf *pk = NULL;
    kyso_status ret;
    size_t stm = (size_t)-1;
    kyso_obj *t;
    if (kyso_pdf_get_revision(cur, k - 1, &prev) != 0 ||
        kyso_pdf_get_revision(cur, k, &ri) != 0)
      break;
    ret = kyso_pdf_open_revision(d->cur, ri.end, &pk, &d->scratch);
    if (ret == KYSO_ERR_NO_MEMORY) {
      d->oom = 1;
      break;
    }
    if (ret != KYSO_OK) {
      kyso_changes_add_extra(d, 0, "other",
                             "revision %zu cannot be read on its own: %s", k,
                             d->scratch.message);
      continue;
    }
    t = cur->sections[cur->section_count - 1 - k].trailer;
    if (kyso_obj_is(kyso_dict_get(t, "XRefStm"), KYSO_OBJ_INT))
      stm = (size_t)kyso_dict_get(t, "XRefStm")->u.integer;
    scan_revision(d, pk, k, prev.end,
                  ri.xref_offset > prev.end ? ri.xref_offset : prev.end,
                  ri.xref_offset, stm);
    kyso_pdf_close(pk);
  }
}
