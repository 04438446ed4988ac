#!/usr/bin/env bash
# integration.decree30_sequence: a document issued the Decree 30 way, end
# to end, checked by kyso verify and poppler's pdfsig:
#   1. the leader signs (personal: blue signature, empty number and date
#      fields where the portal put them);
#   2. the clerk seals at issuance (organization: seal over the left third
#      of the signature, number and date filled in the same update);
#   3. an attachment is signed on its own (number + time, top right);
#   4. a scanned paper (an image-only PDF) is signed as an electronic copy
#      (SAO Y, copier, time: box 14).
# Every signature must be valid; the leader's must show only the allowed
# form filling and the seal signature after it, and the seal must cover
# the whole document. Negative control: stamping the number into the page
# content instead must be reported as a modification of what the leader
# signed, even though the seal signature covers it.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/setup.sh"
. "$KYSO_TESTLIB/decree30.sh"
integration_setup
require_cmd pdftotext
verify_setup
token_make_person "$PKI_DIR"
token_make_org "$PKI_DIR"

W=$(fresh_dir work)
NUMBER="45/QĐ-UBND"
DATE="Tiền Giang, ngày 11 tháng 12 năm 2024"
ISO="2024-12-11T09:30:15+07:00"
num_rect="60,90,150,18"
date_rect="265,90,270,18"
mkdir -p "$D30_ART"

# sign_step NAME KEY IN ARGS...: signs into a fresh dir, result in
# $W/NAME.pdf. KEY: token:LABEL (SoftHSM, as officials sign) or a P12 name.
sign_step() {
  local name=$1 key=$2 in=$3 d
  shift 3
  d=$(fresh_dir "out.$name")
  case $key in
    token:*) kyso_sign_token "${key#token:}" "$in" "$d/signed.pdf" "$@" ;;
    *) kyso_sign_p12 "$PKI_DIR/$key.p12" "$in" "$d/signed.pdf" "$@" ;;
  esac
  SIGNED=$d/signed.pdf
  [ ! -f "$SIGNED" ] || cp -- "$SIGNED" "$W/$name.pdf"
}

# changes_of I: "kind allowed" of every change after signature I (0-based),
# sorted and counted.
changes_of() {
  report_get "r.signatures[$1].changes.map((c) => c.kind + ' ' + c.allowed).sort().filter((v, i, a) => a.indexOf(v) === i).join(';')"
}

section "1. the leader signs"
cp -- "$FX/vn-chromium.pdf" "$W/draft.pdf"
sign_step leader "token:$TOKEN_PERSON" "$W/draft.pdf" --image "$FX/signature.png" \
  --rect 340,150,150,60 --number-rect "$num_rect" --date-rect "$date_rect" \
  --reason "Phê duyệt" --location "Tiền Giang"
assert_signed_pdf "$W/draft.pdf" "$SIGNED" 1 "leader"

section "2. the clerk seals, numbers and dates"
sign_step issued "token:$TOKEN_ORG" "$W/leader.pdf" --profile organization \
  --image "$FX/seal.png" --doc-number "$NUMBER" --issue-date "$DATE" \
  --organization "Ủy ban nhân dân tỉnh Tiền Giang"
assert_signed_pdf "$W/leader.pdf" "$SIGNED" 2 "seal"
pdftoppm -r 72 -f 1 -l 1 -singlefile -png -- "$W/issued.pdf" "$D30_ART/sequence-issued"
assert_contains "$(d30_text "$W/issued.pdf" "$num_rect" 842)" "$NUMBER" "number in its field"
assert_contains "$(d30_text "$W/issued.pdf" "$date_rect" 842)" "$DATE" "date in its field"
pdfsig_out "$W/issued.pdf" >"$W/issued.pdfsig" 2>&1 || true
assert_eq 2 "$(grep -c 'Signature Validation: Signature is Valid.' "$W/issued.pdfsig")" \
  "pdfsig: both signatures valid"
assert_eq 1 "$(grep -c 'Total document signed' "$W/issued.pdfsig")" \
  "pdfsig: one signature (the seal) covers the whole document"
assert_true "pdfsig: the seal is the one covering everything" \
  awk '/^Signature #2:/ { s = 1 } s && /Total document signed/ { ok = 1 } END { exit !ok }' "$W/issued.pdfsig"
# Before any DSS: the seal covers the whole file.
kyso_verify "$W/issued.pdf" --trust "$TRUST_DIR"
assert_eq "false true" "$(report_get "r.signatures.map((s) => s.covers_whole_file).join(' ')")" \
  "kyso verify: the seal covers the whole document, the leader's does not"
assert_eq "form_field_filled true;signature_added true" "$(changes_of 0)" \
  "the leader's signature: only the form filling and the seal after it"
kyso_run inspect "$W/issued.pdf"
assert_contains "$(cat "$RUN_OUT")" "name: Ủy ban nhân dân tỉnh Tiền Giang" \
  "the seal's /Name is the organization"

dss_add "$W/issued.pdf" "$W/issued.dss.pdf"
kyso_verify "$W/issued.dss.pdf" --trust "$TRUST_DIR"
assert_all_passed 2 "issued document"
assert_eq "dss_added true;form_field_filled true;signature_added true" "$(changes_of 0)" \
  "the leader's signature after DSS: form filling, the seal, the DSS"
assert_eq "" "$(report_get "r.signatures[0].changes.filter((c) => c.kind === 'form_field_filled').map((c) => c.detail).filter((d) => !/SoVanBan|NgayBanHanh/.test(d)).join(';')")" \
  "the filled fields are the number and the date"
assert_eq 0 "$(report_get "r.signatures.flatMap((s) => s.changes).filter((c) => !c.allowed).length")" \
  "no disallowed change anywhere"

section "3. an attachment signed on its own"
node "$KYSO_TESTLIB/d30pdf.mjs" page "$W/annex-draft.pdf" 595 842
sign_step annex org-rsa2048 "$W/annex-draft.pdf" --profile attachment --doc-number "$NUMBER"
assert_signed_pdf "$W/annex-draft.pdf" "$SIGNED" 1 "attachment"
pdftoppm -r 72 -f 1 -l 1 -singlefile -png -- "$W/annex.pdf" "$D30_ART/sequence-annex"
text=$(d30_text "$W/annex.pdf" "295,762,300,80" 842)
assert_contains "$text" "$NUMBER" "attachment: number at the top right"
assert_contains "$text" "$ISO" "attachment: signing time at the top right"
dss_add "$W/annex.pdf" "$W/annex.dss.pdf"
kyso_verify "$W/annex.dss.pdf" --trust "$TRUST_DIR"
assert_all_passed 1 "attachment"

section "4. a scanned paper signed as SAO Y"
node "$KYSO_TESTLIB/d30pdf.mjs" scan "$W/scan.pdf"
assert_eq "" "$(pdftotext -- "$W/scan.pdf" - | tr -d '[:space:]\f')" "the scan has no text of its own"
sign_step copy org-rsa2048 "$W/scan.pdf" --profile copy --copy-form "SAO Y" \
  --copier "Văn phòng UBND tỉnh Tiền Giang"
assert_signed_pdf "$W/scan.pdf" "$SIGNED" 1 "copy"
pdftoppm -r 72 -f 1 -l 1 -singlefile -png -- "$W/copy.pdf" "$D30_ART/sequence-copy"
text=$(d30_text "$W/copy.pdf" "295,762,300,80" 842)
for s in "SAO Y" "Văn phòng UBND tỉnh Tiền Giang" "$ISO"; do
  assert_contains "$text" "$s" "copy: '$s' at the top right"
done
assert_eq "" "$(d30_text "$W/copy.pdf" "0,0,595,700" 842 | tr -d '[:space:]\f')" \
  "copy: no text anywhere else"
dss_add "$W/copy.pdf" "$W/copy.dss.pdf"
kyso_verify "$W/copy.dss.pdf" --trust "$TRUST_DIR"
assert_all_passed 1 "copy"

section "negative control: the number drawn into the page content"
node "$KYSO_TESTLIB/d30stamp.mjs" "$W/leader.pdf" "$W/stamped.pdf" "$num_rect"
sign_step stamped-sealed org-rsa2048 "$W/stamped.pdf" --profile organization \
  --image "$FX/seal.png"
assert_success "sealing the stamped document"
kyso_verify "$W/stamped-sealed.pdf" --trust "$TRUST_DIR"
assert_ne 0 "$(report_get "r.signatures[0].changes.filter((c) => !c.allowed).length")" \
  "content stamped after the leader signed: a disallowed change"
assert_ne TOTAL_PASSED "$(report_get "r.signatures[0].indication")" \
  "the leader's signature is not reported valid over stamped content"
assert_eq "passed" "$(report_get "r.signatures[1].checks.integrity?.result ?? r.signatures[1].checks.content_integrity?.result ?? 'passed'")" \
  "the seal itself is intact"

test_summary
