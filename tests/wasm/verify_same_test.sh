#!/usr/bin/env bash
# wasm.verify_same: the WASM verifier gives exactly the native CLI's reports.
# Inputs: every file the native verify tests verified (recorded with the
# certificates they trusted in KYSO_VERIFY_CORPUS by tests/lib/verify.sh:
# valid, multi-signature, LT, timestamped, pdfsig/signpdf-signed, expired,
# revoked, untrusted, every attack file) and the fuzz seeds. For each, at one
# fixed validation time: `kyso verify --json`, `--lang vi` and `--lang en`
# against the WASM module's JSON and texts, byte for byte.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/setup.sh"
kyso_require
require_cmd node
[ -f "${KYSO_WASM_DIST:-}/kyso.wasm" ] || die "KYSO_WASM_DIST has no kyso.wasm"
corpus=${KYSO_VERIFY_CORPUS:?KYSO_VERIFY_CORPUS is not set}

section "the recorded corpus"
n=$(find "$corpus" -mindepth 1 -maxdepth 1 -type d ! -name '.*' | wc -l)
assert_gt "$n" 60 "the native verify tests recorded their inputs"
for t in verify_valid verify_attacks verify_certs; do
  assert_gt "$(cat "$corpus"/*/source.tsv | awk -F'\t' -v t="${t}_test" '$1 == t' | wc -l)" 3 \
    "inputs from $t"
done
# The LTV outputs (issue 13): B-LT and B-LTA files made against the
# loopback responders (tests/integration/ltv_*_test.sh), B-T files, and the
# files left B-T when a responder misbehaved.
for t in ltv_sign:3 ltv_responders:3 ltv_timestamp:1; do
  assert_gt "$(cat "$corpus"/*/source.tsv | awk -F'\t' -v t="${t%:*}_test" '$1 == t' | wc -l)" "${t#*:}" \
    "inputs from ${t%:*}"
done

section "WASM reports equal the CLI's"
run_cmd node "$(dirname "${BASH_SOURCE[0]}")/verify_same.mjs" "$corpus" \
  "$KYSO_SOURCE_DIR/tests/fuzz/corpus/pdf"
assert_success "verify_same.mjs ($(tail -5 "$RUN_ERR"))"
cat "$RUN_OUT"
assert_match "$(tail -1 "$RUN_OUT")" '^compared [0-9]+ inputs, 0 differ' "summary line"
test_summary
