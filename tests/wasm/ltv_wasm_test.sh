#!/usr/bin/env bash
# wasm.ltv: the WASM module's long-term validation calls (issue 13) on a
# file the native CLI signed with the loopback LTV PKI (tests/lib/
# ltv_pki.sh: `openssl ocsp` responders, CRLs over HTTP):
#   - ltvCollect lists the signer and the sub-CA (not the anchor), their
#     issuers, no revocation data yet, the /VRI key of the signature;
#   - verify with extra data: an OCSP answer from `openssl ocsp` and the
#     root's CRL make the B-B file TOTAL_PASSED, the report saying
#     "loaded" (or "fetched"); an impostor's CRL does not; bad items are
#     ARGUMENT;
#   - ltvUpdate embeds only the answers about the document's certificates
#     (DSS + /VRI): the result verifies TOTAL_PASSED offline, in WASM and in
#     the native CLI with byte-identical reports; qpdf finds the DSS and
#     openssl ocsp -respin accepts the embedded answer; pdfsig says valid;
#   - the data `kyso verify --online` fetched (its cache), given to the
#     module as fetched data: byte-identical JSON and text reports.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/setup.sh"
. "$KYSO_TESTLIB/ltv_pki.sh"
. "$KYSO_TESTLIB/ltv.sh"
require_cmd node
[ -f "${KYSO_WASM_DIST:-}/kyso.wasm" ] || die "KYSO_WASM_DIST has no kyso.wasm"
# Helper G's port range (COMMON13.md), unless the caller picks.
export KYSO_LTV_PORT_BASE=${KYSO_LTV_PORT_BASE:-19785}
ltv_test_setup
W=$(fresh_dir ltvw)

section "inputs: a B-B file, answers from openssl"
ltv_sign good "$IN" "$W/bb.pdf"
assert_success "kyso sign (B-B) with the LTV PKI's signer"
cp -- "$LTV_DIR/root.pem" "$LTV_DIR/tsaroot.pem" "$LTV_DIR/good.pem" "$LTV_DIR/sub.pem" "$W/"
for c in root sub evil; do cp -- "$LTV_DIR/http/crl/$c.crl" "$W/$c.crl"; done
openssl ocsp -issuer "$LTV_DIR/sub.pem" -cert "$LTV_DIR/good.pem" -url "$LTV_URL/ocsp/sub" \
  -no_nonce -CAfile "$LTV_DIR/root.pem" -respout "$W/good.ocsp" >"$TEST_TMP/ocsp.out" 2>&1
assert_match "$(cat "$TEST_TMP/ocsp.out")" "good.pem: good" "openssl ocsp: the signer is good"
# Two minutes ahead: every answer fetched below is produced before it.
date -u -d '+2 minutes' +%Y-%m-%dT%H:%M:%S+00:00 >"$W/at"
at=$(cat "$W/at")

section "what kyso verify --online fetched"
LTV_CACHE_HOME=$W/home
export LTV_CACHE_HOME
ltv_verify_online "$W/bb.pdf" --at "$at"
assert_eq "TOTAL_PASSED" "$(report_get "r.signatures[0].indication")" "kyso verify --online: valid"
cp -- "$RUN_OUT" "$W/online.json"
ltv_env
kyso_run verify "$W/bb.pdf" --lang en --no-default-trust --trust "$LTV_TRUST" --online \
  --config "$LTV_CONF" --allow-loopback-urls --at "$at"
KYSO_ENV=()
cp -- "$RUN_OUT" "$W/online.en.txt"
mkdir -p "$W/cache"
cp -r -- "$W/home/.cache/." "$W/cache/" 2>/dev/null || true
unset LTV_CACHE_HOME

section "the module"
judge_node node "$(dirname "${BASH_SOURCE[0]}")/ltv_wasm.mjs" "$W"

section "the module's B-LT file, judged by other tools"
lt=$W/lt.pdf
if [ -f "$lt" ]; then
  assert_prefix "$W/bb.pdf" "$lt" "the B-LT file extends the signed one byte for byte"
  ltv_dss "$lt" "$W/dss"
  assert_match "$(for f in "$W"/dss/ocsp-*.der; do
      openssl ocsp -respin "$f" -CAfile "$LTV_DIR/roots.pem" -verify_other "$LTV_DIR/untrusted.pem" \
        -issuer "$LTV_DIR/sub.pem" -cert "$LTV_DIR/good.pem" -no_nonce 2>&1; done)" \
    "Response verify OK.*good.pem: good" "openssl ocsp -respin: the embedded answer says the signer is good"
  assert_gt "$(ltv_crl_for "$W/dss" "$LTV_DIR/root.pem" | wc -c)" 0 "openssl crl: the root's CRL is embedded"
  assert_eq "" "$(ltv_crl_for "$W/dss" "$LTV_DIR/evil.pem")" "the impostor's CRL is not"
  ltv_pdfsig_valid "$lt" "the module's B-LT file"
  ltv_verify "$lt" --at "$at"
  assert_eq "TOTAL_PASSED" "$(report_get "r.signatures[0].indication")" "kyso verify offline: valid"
else
  fail "ltv_wasm.mjs wrote no lt.pdf"
fi
test_summary
