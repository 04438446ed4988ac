#!/usr/bin/env bash
# wasm.sign_same: signing in WASM gives byte for byte the file `kyso sign`
# writes, for every Decree 30 profile. RSA PKCS#1 v1.5 signatures are
# deterministic, the core reads no clock, so the same input, key, chain,
# time and options must give the same bytes through both. Each profile is
# signed twice in WASM: hashed with WebCrypto and hashed inside the module.
#   1. personal: blue signature image, empty number and date fields
#   2. organization on (1): seal placed automatically, fields filled
#   3. attachment on a landscape page, 4. copy "SAO Y" on a page turned 90°
# Then the chain (1) -> (2) verifies in `kyso verify`, and pdftotext finds the
# stamped number.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/setup.sh"
integration_setup
verify_setup
require_cmd node pdftotext
[ -f "${KYSO_WASM_DIST:-}/kyso.wasm" ] || die "KYSO_WASM_DIST has no kyso.wasm"
W=$(fresh_dir same)
NUMBER="123/QĐ-UBND"
DATE="Tiền Giang, ngày 11 tháng 12 năm 2024"

section "inputs"
node "$KYSO_TESTLIB/d30pdf.mjs" page "$W/landscape.pdf" 842 595 20,20,822,575
qpdf --rotate=+90:1 "$FX/vn-chromium.pdf" "$W/rotated.pdf"
assert_file_exists "$W/landscape.pdf" "a landscape page"

# case NAME KEY IN [CLI ARGS...]: the CLI's file and a JSON line for the
# Node side (which maps the same options to the WASM API).
cases=$W/cases.jsonl
: >"$cases"
# The chain is the one the PKCS#12 file carries (no --chain): the Node side
# gets the same certificates from openssl, in the same order.
printf '%s' "$PKI_P12_PASS" >"$W/p12pass"
sign_case() {
  local name=$1 key=$2 in=$3
  shift 3
  kyso_run sign --in "$in" --out "$W/$name.cli.pdf" --p12 "$PKI_DIR/$key.p12" \
    --pin-file "$W/p12pass" --time "$KYSO_TEST_TIME" "$@"
  assert_success "kyso sign $name"
  [ -f "$W/$key.cas.pem" ] || openssl pkcs12 -in "$PKI_DIR/$key.p12" -cacerts -nokeys \
    -passin "file:$W/p12pass" -out "$W/$key.cas.pem"
  node -e 'console.log(JSON.stringify({ name: process.argv[1], key: process.argv[2],
    input: process.argv[3], cli: process.argv[4], args: process.argv.slice(5) }))' \
    "$name" "$key" "$in" "$W/$name.cli.pdf" "$@" >>"$cases"
}
sign_case personal person-rsa2048 "$FX/vn-chromium.pdf" --image "$FX/signature.png" \
  --rect 340,150,150,60 --number-rect 70,700,160,20 --date-rect 300,700,240,20 \
  --reason "Phê duyệt" --location "Tiền Giang"
sign_case organization org-rsa2048 "$W/personal.cli.pdf" --profile organization \
  --image "$FX/seal.png" --doc-number "$NUMBER" --issue-date "$DATE" \
  --organization "Ủy ban nhân dân tỉnh Tiền Giang"
sign_case attachment person-rsa2048 "$W/landscape.pdf" --profile attachment \
  --doc-number "$NUMBER"
sign_case copy org-rsa2048 "$W/rotated.pdf" --profile copy --copy-form "SAO Y" \
  --copier "Văn phòng UBND tỉnh Tiền Giang"
assert_eq 4 "$(wc -l <"$cases")" "four cases"

section "WASM signs the same bytes"
run_cmd node "$(dirname "${BASH_SOURCE[0]}")/sign_same.mjs" "$cases" "$PKI_DIR" \
  "$FX" "$KYSO_TEST_TIME" "$W"
cat "$RUN_OUT"
assert_success "sign_same.mjs ($(tail -5 "$RUN_ERR"))"
assert_match "$(tail -1 "$RUN_OUT")" '^[0-9]+ passed, 0 failed$' "summary line"
for c in personal organization attachment copy; do
  assert_same_bytes "$W/$c.cli.pdf" "$W/$c.wasm.pdf" "$c: the WASM file is the CLI's"
done

section "the result"
kyso_verify "$W/organization.wasm.pdf" --trust "$TRUST_DIR"
assert_eq "2 true" "$(report_get "r.signatures.length + ' ' + r.signatures.every((s) => s.checks.integrity.result === 'passed')")" \
  "kyso verify: both signatures intact"
assert_contains "$(pdftotext -layout "$W/organization.wasm.pdf" -)" "$NUMBER" "the number is stamped"
assert_contains "$(pdftotext -layout "$W/copy.wasm.pdf" -)" "SAO Y" "the copy form is stamped"
test_summary
