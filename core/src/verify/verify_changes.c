/*
 * verify_changes.c - what the revisions after a signature changed
 * (KYSO_CHECK_CHANGES).
 *
 * The document as it was signed is the file prefix up to the end of the
 * signed revision, opened on its own ("old"); ctx->pdf is the document a
 * viewer shows now ("cur"). Every object number whose value differs
 * between the two is a change. As in pyHanko's diff policy, a change is a
 * modification unless a rule below explains it:
 *
 *  - a new signature or document timestamp: its field, widgets, appearance
 *    and /V dictionary, and the /AcroForm /Fields and page /Annots appends
 *    that register it (ISO 32000-1 12.8). DocMDP (12.8.2.2): at P=1 only
 *    an invisible document timestamp; on a certified document below P=3
 *    no visible new signature field ("sneaky signature", Rohlmann et al.,
 *    IEEE S&P 2021; pyHanko's default too);
 *  - entries added to the form's /DR (a signer's or timestamp's fonts)
 *    while every existing one keeps its value, and a page /Resources saved
 *    anew with the same values: both compared by value, references
 *    followed (kyso_changes_same_value);
 *  - /DSS and what only it reaches (ETSI EN 319 142-1 5.4.2); /Info and
 *    /Metadata, which viewers do not render (pyHanko DocInfoRule and
 *    MetadataUpdateRule: iText-based signers rewrite both on every save);
 *  - filling an existing form field (a new /V with its /AP, /AS...) or
 *    signing an existing empty signature field, unless P=1 or this
 *    signature locked the field (FieldMDP, 12.8.2.4). Without DocMDP a fill
 *    must be covered by a later signature: the clerk stamping the document
 *    number and sealing after the leader signed (issue 7), not a field
 *    quietly rewritten (shadow attack "replace"). A new appearance for an
 *    unchanged value is refused too, and so is an appearance stream
 *    redrawn in place when anything on the path from the field to it (the
 *    widget, /AP, /N, the stream) is also reached from elsewhere;
 *  - PDF 2.0 locks (ISO 32000-2 12.7.5.5, 12.8.2.4): this signature's
 *    field /Lock and its FieldMDP /P act as DocMDP's P after it (1: no
 *    change, not even a signature); /Action and /Fields lock fields;
 *  - comment annotations (Text, Highlight...) at P=3 only. Types that paint
 *    over content (FreeText, Stamp, Redact, shapes...) never ("evil
 *    annotation", same paper).
 *
 * Names come from one walk of the current document from its catalog: the
 * page tree first, then the form, the rest of the catalog, /Info,
 * /Metadata and /DSS last, so an object reachable from page content is
 * named and judged as content. A reference from an unchanged object to an
 * object only a later revision defines (a dangling reference at signing
 * time) brings content in without changing anything signed: such an object
 * is never explained away. Bytes after the last revision and object
 * definitions no cross-reference section points at (Incremental Saving
 * Attack variants) are reported too. Objects the current document no
 * longer reaches at all are listed as allowed (a conforming reader never
 * draws them); xref and object streams are file structure, not changes.
 * A later revision that cannot be read is a modification, never a failed
 * call.
 *
 * This file runs the steps in order and writes the report; the steps live
 * in verify_changes_{walk,form,pages,unexplained}.c (verify_changes.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdf/pdf_form.h"
#include "verify/verify_changes.h"

/* ---- 8. the report ------------------------------------------------------- */

static kyso_status emit(diff *d, kyso_error *err) {
  kyso_report *report = d->ctx->report;
  kyso_sig_report *sig = d->st->rep;
  kyso_check *check = &sig->checks[KYSO_CHECK_CHANGES];
  size_t i, listed = 0, total = 0, refused = 0;
  uint32_t first_obj = 0;
  const char *first_kind = NULL;
  char first_detail[DETAIL_MAX] = "";

  for (i = 0; i < d->extra_count; i++) {
    change_extra *e = &d->extras[i];
    total++;
    refused++;
    if (!first_kind) {
      first_obj = e->object;
      first_kind = e->kind;
      snprintf(first_detail, sizeof(first_detail), "%s", e->detail);
    }
    if (listed++ < CHANGES_REPORTED_MAX &&
        kyso_change_add(report, sig, e->object, e->kind, 0, "%s", e->detail))
      goto nomem;
  }
  for (i = 0; i < d->count; i++) {
    change_rec *r = &d->recs[i];
    if (r->hidden)
      continue;
    total++;
    if (!r->allowed) {
      refused++;
      if (!first_kind) {
        first_obj = r->num;
        first_kind = r->kind;
        snprintf(first_detail, sizeof(first_detail), "%s%s%s%s", r->what,
                 r->name ? " (" : "", r->name ? r->name : "",
                 r->name ? ")" : "");
      }
    }
    if (listed++ < CHANGES_REPORTED_MAX &&
        kyso_change_add(report, sig, r->num, r->kind, r->allowed, "%s%s%s%s",
                        r->what, r->name ? " (" : "", r->name ? r->name : "",
                        r->name ? ")" : ""))
      goto nomem;
  }
  if (d->overflow || d->extra_dropped) {
    total++;
    refused++;
    if (!first_kind) {
      first_kind = "other";
      snprintf(first_detail, sizeof(first_detail),
               "more than %d changed objects", CHANGES_MAX);
    }
    if (kyso_change_add(report, sig, 0, "other", 0,
                        "more than %d changed objects or %d findings: the "
                        "rest is not listed",
                        CHANGES_MAX, EXTRAS_MAX))
      goto nomem;
  }
  if (listed > CHANGES_REPORTED_MAX &&
      kyso_change_add(report, sig, 0, "other", refused == 0,
                      "%zu more changes not listed",
                      listed - CHANGES_REPORTED_MAX))
    goto nomem;
  if (refused)
    kyso_check_set(report, check, KYSO_RESULT_FAILED, "modified_after_signing",
                   "object %u: %s: %s", first_obj, first_kind, first_detail);
  else
    kyso_check_set(report, check, KYSO_RESULT_PASSED, "allowed_changes_only",
                   "%zu allowed changes after the signed revision", total);
  return KYSO_OK;
nomem:
  return kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
}

/* ---- the stage ----------------------------------------------------------- */

static void diff_free(diff *d) {
  free(d->recs);
  free(d->extras);
  free(d->visited);
  free(d->refcount);
  free(d->foreign_refs);
  free(d->stack);
  free(d->deps_seen);
  free(d->deps_queue);
  free(d->old_fields);
  free(d->cur_fields);
  free(d->new_fields);
  free(d->new_widgets);
  free(d->field_widgets);
  kyso_pdf_close(d->old);
}

kyso_status kyso_verify_changes(kyso_verify_ctx *ctx, kyso_sig_state *st,
                                kyso_error *err) {
  kyso_status ret;
  kyso_check *check = &st->rep->checks[KYSO_CHECK_CHANGES];
  kyso_revision_info rev;
  size_t n = kyso_pdf_get_revision_count(ctx->pdf), r;
  diff d;

  memset(&d, 0, sizeof(d));
  if (st->rep->revision < 0 || (unsigned long long)st->rep->revision >= n ||
      kyso_pdf_get_revision(ctx->pdf, (size_t)st->rep->revision, &rev) != 0)
    return KYSO_OK; /* the revision check failed: nothing to compare */
  r = (size_t)st->rep->revision;
  d.ctx = ctx;
  d.st = st;
  d.cur = ctx->pdf;
  d.last_signing_rev = -1;
  kyso_error_clear(&d.scratch);

  if (r + 1 == n) {
    kyso_changes_check_tail(&d, rev.end);
    if (d.oom)
      goto nomem;
    if (d.extra_count == 0) {
      kyso_check_set(ctx->report, check, KYSO_RESULT_PASSED, "unmodified",
                     "no revision after the signed one");
      ret = KYSO_OK;
      goto done;
    }
    ret = emit(&d, err);
    goto done;
  }

  ret = kyso_pdf_open_revision(ctx->pdf, rev.end, &d.old, &d.scratch);
  if (ret == KYSO_ERR_NO_MEMORY)
    goto nomem;
  if (ret != KYSO_OK) {
    kyso_changes_add_extra(&d, 0, "other",
                           "the signed revision cannot be read on its "
                           "own: %s",
                           d.scratch.message);
    ret = emit(&d, err);
    goto done;
  }
  /* Another /Encrypt or file key after signing: every signed object now
   * decrypts to something else in a viewer, while its bytes (and so its
   * xref entry) stay the same. */
  if (!kyso_crypt_same(d.old->crypt, ctx->pdf->crypt))
    kyso_changes_add_extra(&d, 0, "other",
                           "the document's encryption (/Encrypt or its file "
                           "key) changed after signing: every signed object "
                           "now reads differently");
  /* DocMDP in force when this signature was made; unreadable: as strict
   * as P=1. */
  ret = kyso_form_docmdp(d.old, &d.perm, &d.scratch);
  if (ret == KYSO_ERR_NO_MEMORY)
    goto nomem;
  if (ret != KYSO_OK)
    d.perm = 1;
  {
    int lp = kyso_changes_lock_permission(&d);
    if (d.oom)
      goto nomem;
    if (lp && kyso_changes_stricter(d.perm, lp) != d.perm) {
      d.perm = lp;
      d.perm_locked = 1;
    }
  }

  kyso_changes_check_unreferenced(&d, r);
  kyso_changes_diff_objects(&d);
  if (!d.oom)
    kyso_changes_walk_document(&d);
  if (!d.oom)
    kyso_changes_check_forms(&d);
  if (!d.oom)
    kyso_changes_check_catalog(&d);
  if (!d.oom)
    kyso_changes_check_pages(&d);
  if (!d.oom && !st->dict_is_direct && st->dict_num) {
    /* Revision binding: this signature's own dictionary never changes. */
    change_rec *rs = kyso_changes_find_rec(&d, st->dict_num);
    if (rs) {
      rs->decided = 1;
      rs->allowed = 0;
      rs->kind = "signature_changed";
      rs->what = "the signature dictionary of this signature changed";
      rs->name = NULL;
    }
  }
  if (!d.oom && d.perm == 0)
    kyso_changes_check_fill_covered(&d);
  if (!d.oom)
    kyso_changes_apply_defaults(&d);
  if (d.oom)
    goto nomem;
  ret = emit(&d, err);
  goto done;
nomem:
  ret = kyso_error_set(err, KYSO_ERR_NO_MEMORY, "out of memory");
done:
  diff_free(&d);
  return ret;
}
