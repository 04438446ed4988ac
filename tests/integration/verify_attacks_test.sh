#!/usr/bin/env bash
# integration.verify_attacks: kyso verify against every attack class of the
# PDF signature research. tests/lib/attacks.mjs builds the victim, kyso
# signs it, attacks.mjs certifies it (DocMDP P=2) and writes one file per
# attack with the expected verdict in attacks.tsv. For each attack: exit 1,
# indication not TOTAL_PASSED, the expected check failed with the expected
# reason, and for attacks by incremental update the offending object named
# in `changes` as not allowed. The controls (the signed and certified
# victims, and an allowed form fill) must keep their checks passed.
#
# Before judging kyso, the test shows each attack is real: poppler renders
# the attacked page differently from the signed one (so a viewer that
# believed the signature would show forged content).
. "$(dirname "${BASH_SOURCE[0]}")/../lib/setup.sh"
integration_setup
verify_setup
A=$(fresh_dir attacks)

section "victim and attack files"
node "$KYSO_TESTLIB/attacks.mjs" prepare "$A"
kyso_sign_p12 "$PKI_DIR/person-rsa2048.p12" "$A/victim.pdf" "$A/victim-signed.pdf" --field NguoiKy
assert_success "kyso signs the victim"
run_cmd node "$KYSO_TESTLIB/attacks.mjs" generate "$A" --cert "$PKI_DIR/person-rsa2048.pem" \
  --key "$PKI_DIR/person-rsa2048.key" --chain "$PKI_DIR/chain.pem"
assert_success "attacks.mjs generate ($(cat "$RUN_ERR"))"
M=$A/attacks/attacks.tsv
assert_file_exists "$M" "manifest written"
rows=$(grep -vc '^#' "$M" || true)
assert_gt "$rows" 35 "manifest lists every attack"
for cls in control USF ISA SWA shadow coverage overlap certified; do
  assert_gt "$(awk -F'\t' -v c="$cls" '$2 == c' "$M" | wc -l)" 0 "manifest has class $cls"
done
pdfsig_check "$A/victim-signed.pdf" 1

section "the attacks change what a viewer shows"
# page_differs FILE PAGE: poppler's rendering of PAGE differs from the
# signed victim's.
page_differs() {
  local d
  d=$(mktemp -d "$TEST_TMP/render.XXXXXX")
  pdftoppm -r 36 -f "$2" -l "$2" "$A/victim-signed.pdf" "$d/a" 2>/dev/null
  pdftoppm -r 36 -f "$2" -l "$2" "$1" "$d/b" 2>/dev/null
  compgen -G "$d/b-*.ppm" >/dev/null || return 1
  ! cmp -s "$d"/a-*.ppm "$d"/b-*.ppm
}
for f in isa-page-content isa-page-content-new shadow-hide shadow-hide-xref shadow-replace-form \
  shadow-replace-font shadow-hide-replace swa-gap-object swa-moved; do
  assert_true "$f: page 1 looks different" page_differs "$A/attacks/$f.pdf" 1
done
# isa-free-object is not shown here: poppler meets the freed object 14,
# reconstructs the xref from the bytes and draws page 2 as before.
assert_eq 3 "$(pdfinfo "$A/attacks/isa-page-added.pdf" | awk '/^Pages:/ { print $2 }')" \
  "isa-page-added: a viewer shows three pages"
for f in evil-annotation sneaky-signature; do
  pdftoppm -r 36 -f 1 -l 1 "$A/certified.pdf" "$TEST_TMP/cert" 2>/dev/null
  pdftoppm -r 36 -f 1 -l 1 "$A/attacks/$f.pdf" "$TEST_TMP/$f" 2>/dev/null
  assert_false "$f: page 1 looks different" cmp -s "$TEST_TMP"/cert-*1.ppm "$TEST_TMP/$f"-*1.ppm
done
# Not judged, for the log: which attacks poppler's pdfsig 22.12 accepts.
for f in "$A"/attacks/*.pdf; do
  if [ "$(pdfsig_verdicts "$f" | awk 'NR == 1')" = valid ]; then
    echo "note: pdfsig says the first signature of $(basename "$f") is valid"
  fi
done

section "kyso verify on each"
while IFS=$'\t' read -r file cls field inds subs checks objects what; do
  case $file in '#'*) continue ;; esac
  kyso_verify "$A/attacks/$file" --trust "$TRUST_DIR"
  assert_report_json "$file"
  if [ "$cls" = control ]; then
    assert_true "$file: exit status 0 or 1 (got $RUN_STATUS)" test "$RUN_STATUS" -le 1
  else
    assert_status 1 "$file ($what): exit status"
    assert_ne TOTAL_PASSED "$(report_get 'r.overall')" "$file: overall"
  fi
  assert_expect "$cls" "$field" "$inds" "$subs" "$checks" "$objects" "$file"
  case $cls in
    ISA | shadow | certified)
      assert_eq false "$(report_get "S('$field').covers_whole_file")" "$file: $field does not cover the whole file"
      ;;
  esac
done <"$M"

section "controls with revocation data"
for f in ctl-victim ctl-certified ctl-certified-form-fill; do
  dss_add "$A/attacks/$f.pdf" "$A/$f.dss.pdf"
  kyso_verify "$A/$f.dss.pdf" --trust "$TRUST_DIR"
  assert_status 0 "$f with DSS: exit status"
  assert_eq TOTAL_PASSED "$(report_get 'r.overall')" "$f with DSS: overall"
done

section "negative controls: the manifest judge can fail"
kyso_verify "$A/attacks/ctl-victim.pdf" --trust "$TRUST_DIR"
# An attack's expectation judged against the untouched victim must fail.
expect_check_fails "isa-page-content's expectation on the signed victim" \
  assert_expect ISA NguoiKy TOTAL_FAILED DOCUMENT_MODIFIED changes=modified_after_signing 4 victim
expect_check_fails "usf-byterange-outside's expectation on the signed victim" \
  assert_expect USF NguoiKy TOTAL_FAILED FORMAT_FAILURE structure=byte_range_outside_file - victim
kyso_verify "$A/attacks/isa-page-content.pdf" --trust "$TRUST_DIR"
expect_check_fails "the control's expectation on isa-page-content" \
  assert_expect control NguoiKy "TOTAL_PASSED|INDETERMINATE" "-|TRY_LATER" \
  "structure=ok;integrity=ok;signature=ok;changes=unmodified" - isa
expect_check_fails "isa-page-content with a wrong object number" \
  assert_expect ISA NguoiKy TOTAL_FAILED DOCUMENT_MODIFIED changes=modified_after_signing 5 isa
expect_check_fails "a field that is not in the report" \
  assert_expect ISA NoSuchField TOTAL_FAILED DOCUMENT_MODIFIED changes=modified_after_signing - isa

test_summary
