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
#     the xref names, pdf.js and qpdf the last one).
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

test_summary
