#!/usr/bin/env bash
# wasm.bad_input: bad documents get the CLI's error code and message from
# the WASM module, the module stays usable after each, and 1,000 calls leave
# no native memory behind.
#   - not a PDF, empty, truncated, broken xref, /Prev loop, short /Length,
#     10,000-deep nesting, encrypted (the shared bad fixtures), 200 MB of
#     zeros: verify and prepare both fail with `kyso verify`'s / `kyso
#     sign`'s code; a good file verifies right after each.
#   - bad signing options (no certificate, unknown option, bad rect, a time
#     outside the certificate's validity (SIGN_CERTIFICATE), a
#     signature value from another key) are refused with ARGUMENT/SIGN_VALUE.
#   - 1,000 verify calls and 1,000 prepare+finish round trips: the heap in
#     use after them is what it was after the first few.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/setup.sh"
integration_setup
require_cmd node
[ -f "${KYSO_WASM_DIST:-}/kyso.wasm" ] || die "KYSO_WASM_DIST has no kyso.wasm"
W=$(fresh_dir bad)

section "inputs"
kyso_sign_p12 "$PKI_DIR/person-rsa2048.p12" "$FX/minimal.pdf" "$W/good.pdf"
assert_success "a good signed file"
head -c $((200 * 1024 * 1024)) /dev/zero >"$W/zeros.pdf"
cases=$W/cases.tsv
: >"$cases"
add_case() { # FILE: expected codes from the native CLI itself
  local f=$1 vcode scode
  kyso_run verify "$f" --no-default-trust --json
  assert_status 3 "kyso verify $(basename "$f"): unreadable"
  vcode=$(sed -n 's/^kyso: \([A-Z_0-9]*\): .*/\1/p' "$RUN_ERR")
  kyso_sign_p12 "$PKI_DIR/person-rsa2048.p12" "$f" "$W/out.pdf"
  assert_failure "kyso sign $(basename "$f") fails"
  scode=$(sed -n 's/^kyso: \([A-Z_0-9]*\): .*/\1/p' "$RUN_ERR")
  assert_no_file "$W/out.pdf" "no output for $(basename "$f")"
  printf '%s\t%s\t%s\n' "$f" "$vcode" "$scode" >>"$cases"
}
while IFS=$'\t' read -r name _; do
  add_case "$FX/$name"
done <"$FX/bad.tsv"
add_case "$W/zeros.pdf"
assert_eq $(($(wc -l <"$FX/bad.tsv") + 1)) "$(wc -l <"$cases")" \
  "every bad input has its CLI codes"
assert_gt "$(wc -l <"$cases")" 5 "enough bad inputs"

kyso_verify "$W/good.pdf" --trust "$PKI_DIR/root.pem"
good_indication=$(report_get 'r.overall')
assert_match "$good_indication" '^[A-Z_]+$' "the CLI's verdict on the good file"

section "the WASM module"
run_cmd node "$(dirname "${BASH_SOURCE[0]}")/bad_input.mjs" "$cases" "$W/good.pdf" \
  "$PKI_DIR/person-rsa2048.pem" "$PKI_DIR/person-rsa2048.key" "$PKI_DIR/org-rsa2048.key" \
  "$FX/minimal.pdf" "$PKI_DIR/root.pem" "$good_indication"
cat "$RUN_OUT"
assert_success "bad_input.mjs ($(tail -5 "$RUN_ERR"))"
assert_match "$(tail -1 "$RUN_OUT")" '^[0-9]+ passed, 0 failed$' "summary line"
test_summary
