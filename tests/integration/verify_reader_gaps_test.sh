#!/usr/bin/env bash
# integration.verify_reader_gaps: updates appended after a signature that make
# PDF readers choose different objects for the same number (issue 12; found
# by a red-team review of the lenient reading rules, each one made kyso say
# TOTAL_PASSED while poppler, pdf.js or qpdf showed other content):
#   - an update trailer repeating the signed revision's /XRefStm (viewers
#     read the stream in the newest section naming it, so its hidden entry
#     overrides the signed table's);
#   - an object stored again at the wrong index of a new object stream
#     (qpdf and pdf.js go by number, poppler reads null);
#   - a page object twice in a new object stream (poppler takes the entry
#     the xref names, pdf.js and qpdf the last one);
#   - the form's /DA and /NeedAppearances changed under a later signature
#     (viewers redraw a signed amount invisible);
#   - another /Encrypt and /ID in an update trailer (every signed object
#     decrypts to something else; the bytes and xref entries stay);
#   - /AcroForm dropped and the signed revision buried under more padding
#     revisions than kyso searches for removed signatures.
# Each attack is first shown to be real (pdftotext differs from the signed
# file's, or poppler reports a null object); then kyso must give the
# signature TOTAL_FAILED DOCUMENT_MODIFIED with the object named, while the
# controls (signed + DSS, same tools) stay TOTAL_PASSED.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/setup.sh"
integration_setup
verify_setup
require_cmd python3
require_cmd pdftotext
G=$KYSO_TESTLIB/reader_gaps.py
W=$(fresh_dir gaps)

text_of() { pdftotext -q "$1" - 2>/dev/null | tr -s ' \n' ' '; }

# control FILE LABEL: TOTAL_PASSED, changes allowed only.
control() {
  kyso_verify "$1" --trust "$TRUST_DIR"
  assert_status 0 "$2: kyso verify exit 0"
  assert_verdict Signature1 TOTAL_PASSED null "$2"
  assert_check Signature1 changes passed allowed_changes_only "$2"
}

# attacked FILE OBJECT LABEL: refused, object named.
attacked() {
  kyso_verify "$1" --trust "$TRUST_DIR"
  assert_status 1 "$3: kyso verify exit 1"
  assert_verdict Signature1 TOTAL_FAILED DOCUMENT_MODIFIED "$3"
  assert_check Signature1 changes failed modified_after_signing "$3"
  assert_contains "$(report_get "S('Signature1').checks.changes.detail")" "object $2:" \
    "$3: the object is named"
}

section "hybrid file, update repeating /XRefStm"
run_cmd python3 "$G" hybrid "$W/hybrid.pdf"
assert_success "hybrid file written"
stm_at=$(cat "$RUN_OUT")
assert_contains "$(text_of "$W/hybrid.pdf")" "Pay 100 VND" "every reader shows the table's object 4"
kyso_sign_p12 "$PKI_DIR/person-rsa2048.p12" "$W/hybrid.pdf" "$W/hybrid-signed.pdf"
assert_success "kyso signs the hybrid file"
dss_add "$W/hybrid-signed.pdf" "$W/hybrid-dss.pdf"
control "$W/hybrid-dss.pdf" "signed hybrid + DSS"
run_cmd python3 "$G" repeat-xrefstm "$W/hybrid-dss.pdf" "$W/repeat.pdf" "$stm_at"
assert_success "update repeating /XRefStm appended"
assert_contains "$(text_of "$W/repeat.pdf")" "Pay 999,999,999 VND" \
  "poppler now shows the hidden object 4"
attacked "$W/repeat.pdf" 4 "repeated /XRefStm"
# The same repeat with nothing hidden behind it (Word 2007 updates) is fine.
run_cmd python3 "$G" ocg "$W/plain.pdf"
assert_success "plain file written"

section "object stored at the wrong object stream index"
kyso_sign_p12 "$PKI_DIR/person-rsa2048.p12" "$W/plain.pdf" "$W/ocg-signed.pdf"
assert_success "kyso signs the optional-content file"
dss_add "$W/ocg-signed.pdf" "$W/ocg-dss.pdf"
control "$W/ocg-dss.pdf" "signed optional-content file + DSS"
assert_not_contains "$(text_of "$W/ocg-dss.pdf")" "transfer the house" \
  "the signed page hides the optional content"
run_cmd python3 "$G" wrong-index "$W/ocg-dss.pdf" "$W/wrong-index.pdf" 9
assert_success "object 9 stored again at the wrong index"
run_cmd pdftotext "$W/wrong-index.pdf" -
assert_contains "$(cat "$RUN_OUT" "$RUN_ERR")" "transfer the house" \
  "poppler reads object 9 as null and shows the hidden text"
attacked "$W/wrong-index.pdf" 9 "wrong object stream index"

section "page object twice in one object stream"
run_cmd python3 "$G" twice "$W/hybrid-dss.pdf" "$W/twice.pdf" 3
assert_success "page stored twice"
run_cmd qpdf --show-object=3 "$W/twice.pdf"
assert_not_contains "$(cat "$RUN_OUT")" "/Contents 4 0 R" "qpdf takes the other copy of the page"
attacked "$W/twice.pdf" 3 "object twice in an object stream"

section "form /DA and /NeedAppearances changed under a later signature"
run_cmd python3 "$G" form "$W/form.pdf"
assert_success "form written"
kyso_sign_p12 "$PKI_DIR/person-rsa2048.p12" "$W/form.pdf" "$W/form-1.pdf"
assert_success "first signature"
run_cmd python3 "$G" form-da "$W/form-1.pdf" "$W/form-da.pdf"
assert_success "form /DA white, /NeedAppearances true"
kyso_sign_p12 "$PKI_DIR/org-rsa2048.p12" "$W/form-da.pdf" "$W/form-2.pdf"
assert_success "second signature over the change"
pdftoppm -r 40 -f 1 -l 1 -png -singlefile "$W/form-1.pdf" "$W/form-1"
pdftoppm -r 40 -f 1 -l 1 -png -singlefile "$W/form-2.pdf" "$W/form-2"
assert_false "poppler redraws the signed amount differently" cmp -s "$W/form-1.png" "$W/form-2.png"
kyso_verify "$W/form-2.pdf" --trust "$TRUST_DIR"
assert_verdict Signature1 TOTAL_FAILED DOCUMENT_MODIFIED "form /DA changed"
assert_contains "$(report_get "S('Signature1').checks.changes.detail")" "object 6:" \
  "form /DA changed: the form object is named"

section "/Encrypt and /ID replaced in an update"
run_cmd qpdf --allow-weak-crypto --encrypt "" owner 128 --use-aes=n -- "$W/form.pdf" "$W/form-enc.pdf"
assert_success "an RC4 copy of the form"
run_cmd python3 "$G" add-encrypt "$W/form-1.pdf" "$W/form-enc.pdf" "$W/encrypt.pdf"
assert_success "/Encrypt added by an update"
assert_not_contains "$(text_of "$W/encrypt.pdf")" "HOP DONG" "poppler no longer shows the signed text"
# (the field's own name now decrypts to garbage too: the first signature)
kyso_verify "$W/encrypt.pdf" --trust "$TRUST_DIR"
assert_status 1 "/Encrypt added after signing: kyso verify exit 1"
assert_eq "TOTAL_FAILED DOCUMENT_MODIFIED modified_after_signing" \
  "$(report_get "S(0).indication") $(report_get "S(0).sub_indication") $(report_get "S(0).checks.changes.reason")" \
  "/Encrypt added after signing: refused as a modification"
assert_contains "$(report_get "S(0).checks.changes.detail")" "encryption" \
  "/Encrypt added: the report says the encryption changed"

section "signature removed from the form, buried under padding revisions"
run_cmd python3 "$G" hide "$W/form-1.pdf" "$W/hide-few.pdf" 3
assert_success "form dropped, 3 padding revisions"
kyso_verify "$W/hide-few.pdf" --trust "$TRUST_DIR"
assert_verdict Signature1 TOTAL_FAILED DOCUMENT_MODIFIED "removed signature, 3 revisions later"
run_cmd python3 "$G" hide "$W/form-1.pdf" "$W/hide-many.pdf" 40
assert_success "form dropped, 40 padding revisions"
kyso_verify "$W/hide-many.pdf" --trust "$TRUST_DIR"
assert_status 3 "removed signature, 40 revisions later: no verdict"
assert_error_line LIMIT "removed signature, 40 revisions later"
kyso_sign_p12 "$PKI_DIR/org-rsa2048.p12" "$W/hide-many.pdf" "$W/hide-signed.pdf"
assert_success "a new signature over the hidden one"
kyso_verify "$W/hide-signed.pdf" --trust "$TRUST_DIR"
assert_status 3 "the new signature does not stand alone: no verdict"

test_summary
