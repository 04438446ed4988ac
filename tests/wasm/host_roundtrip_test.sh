#!/usr/bin/env bash
# wasm.host_roundtrip: a full signing round trip as a web page does it, in
# Node: kyso.prepare in the WASM module, the SignedAttributes signed by the
# real kyso-host over its websocket with the SoftHSM2 key (one consent and
# one PIN for a batch of two, answered by the scripted pinentry), then
# kyso.finish in the module (host_roundtrip.mjs). Each signed file must then
# satisfy tools that share no code with the module:
#   - it extends the input byte for byte (an incremental update);
#   - pdfsig: "Signature is Valid." and "Certificate is Trusted.";
#   - the native kyso verify, test root trusted: INDETERMINATE/TRY_LATER
#     without revocation data, TOTAL_PASSED with every mandatory check once
#     kyso dss has added CRLs and OCSP responses;
#   - and the module's own verify agrees on the latter.
# Cases: RSA-2048 visible (handwritten image) and invisible in one batch, a
# wrong signature value (SIGN_VALUE, the handle still usable), and ECDSA
# P-256 from a second token holding person-ec256.
. "$(dirname "${BASH_SOURCE[0]}")/../host/host_setup.sh"
WASM_TESTDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ -f "${KYSO_WASM_DIST:-}/kyso-wasm.js" ] || die "KYSO_WASM_DIST has no kyso-wasm.js (${KYSO_WASM_DIST:-unset})"
# Not the host tests' port (18750) nor bench/host's (18751): they may run
# beside this one.
export KYSO_HOST_PORT=${KYSO_HOST_PORT:-18752}
host_setup
verify_setup
# The person's second token, as one holding an EC key is issued.
TOKEN_PERSON_EC="Nguyen Van A EC"
export TOKEN_PERSON_EC KYSO_TEST_TIME
token_init "$TOKEN_PERSON_EC"
token_add_identity "$TOKEN_PERSON_EC" "$PKI_DIR" person-ec256 01
token_add_ca_certs "$TOKEN_PERSON_EC" "$PKI_DIR"
OUT=$(fresh_dir signed)


section "prepare (wasm) -> sign (kyso-host) -> finish (wasm)"
host_start_ws
judge_node node "$WASM_TESTDIR/host_roundtrip.mjs" sign "$OUT"
assert_not_contains "$(cat "$TEST_TMP/host.log")" "$TOKEN_PIN" "the host log holds no PIN"
host_stop_ws
assert_eq 0 "$HOST_STATUS" "kyso-host exits cleanly on SIGTERM"

[ -f "$OUT/signed.tsv" ] || : >"$OUT/signed.tsv" # the script died early: fail below, not abort
assert_eq 3 "$(wc -l <"$OUT/signed.tsv")" "three signed files written"
dss_files=()
while IFS=$'\t' read -r signed input; do
  label=$(basename "$signed" .pdf)
  section "$label"
  assert_prefix "$input" "$signed" "$label: extends $(basename "$input") byte for byte"
  pdfsig_check "$signed" 1
  kyso_verify "$signed" --trust "$TRUST_DIR"
  assert_status 1 "$label, no revocation data: kyso verify exit status"
  assert_eq "INDETERMINATE TRY_LATER" "$(report_get "S(0).indication + ' ' + S(0).sub_indication")" \
    "$label, no revocation data: kyso verify says try later, not valid, not failed"
  dss_add "$signed" "$OUT/$label.dss.pdf"
  kyso_verify "$OUT/$label.dss.pdf" --trust "$TRUST_DIR"
  assert_all_passed 1 "$label with DSS"
  dss_files+=("$OUT/$label.dss.pdf")
done <"$OUT/signed.tsv"

section "the module's verify on the same files"
judge_node node "$WASM_TESTDIR/host_roundtrip.mjs" verify "$PKI_DIR/root.pem" "${dss_files[@]}"

section "negative control"
# The checks above must be able to fail: one byte changed inside the signed
# range (mid-input, well before the signature's update) is caught.
tampered=$TEST_TMP/tampered.pdf
cp -- "$OUT/rsa-invisible.pdf" "$tampered"
at=$(($(stat -c %s "$FX/xrefstream.pdf") / 2))
node -e 'const fs = require("fs"), [f, at] = process.argv.slice(1);
  const b = fs.readFileSync(f); b[Number(at)] ^= 0x01; fs.writeFileSync(f, b);' "$tampered" "$at"
assert_ne "$(sha256sum <"$OUT/rsa-invisible.pdf")" "$(sha256sum <"$tampered")" "the tampered copy differs"
expect_check_fails "pdfsig_check on a tampered file" pdfsig_check "$tampered" 1
test_summary
