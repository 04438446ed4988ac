#!/usr/bin/env bash
# integration.ltv_responders: `kyso sign --tsa --ltv` against responders
# that answer badly (tests/lib/ltv_pki.sh, one signer per case, its AIA/CDP
# naming the misbehaving URL): revoked, unknown (CRL fallback), down, slow
# (timeout, tries counted), oversized (cap), redirect to another host,
# nonce mismatch, a responder certificate from the wrong CA, an expired
# answer, a CRL from an impostor CA, 500 then good (retry). A refused
# answer never ends in the DSS: the file is written as B-T, kyso names the
# certificate and URL and exits 3; a REVOKED signer: nothing written, exit 1.
# Each refusal has a positive control (same route, correct answer) so the
# assertion can fail.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/setup.sh"
. "$KYSO_TESTLIB/ltv_pki.sh"
. "$KYSO_TESTLIB/ltv.sh"
ltv_test_setup

OUT=$(fresh_dir out)

# refused LEAF URL_ERE MSG [STDERR_ERE]: sign --ltv writes the signed file
# without LTV data about LEAF, exit 3, stderr names the URL.
refused() {
  local leaf=$1 url=$2 msg=$3 d=$TEST_TMP/refused-$1
  rm -f -- "$OUT/$leaf.pdf"
  ltv_sign "$leaf" "$IN" "$OUT/$leaf.pdf" --tsa "$LTV_TSA_URL" --ltv
  assert_status 3 "$msg: exit 3 (signed, not LT)"
  [ -z "${LTV_SHOW_ERR:-}" ] || sed "s/^/    [$leaf] /" "$RUN_ERR"
  assert_match "$(cat "$RUN_ERR")" "$url" "$msg: stderr names the URL that failed"
  [ -z "${4:-}" ] || assert_match "$(cat "$RUN_ERR")" "$4" "$msg: stderr says why"
  assert_file_exists "$OUT/$leaf.pdf" "$msg: the signed file is still written"
  ltv_dss "$OUT/$leaf.pdf" "$d"
  assert_eq "" "$(ltv_ocsp_for "$d" "$LTV_DIR/$leaf.pem" "$LTV_DIR/sub.pem")" \
    "$msg: no OCSP answer about the signer embedded"
  assert_eq "" "$(ltv_crl_for "$d" "$LTV_DIR/evil.pem")" "$msg: no impostor CRL embedded"
  ltv_verify "$OUT/$leaf.pdf"
  assert_eq INDETERMINATE "$(report_get "S(0).indication")" "$msg: offline verdict"
}

# works LEAF MSG: sign --ltv succeeds and the file is B-LT.
works() {
  ltv_sign "$1" "$IN" "$OUT/$1.pdf" --tsa "$LTV_TSA_URL" --ltv
  assert_success "$2: sign --tsa --ltv"
  ltv_verify "$OUT/$1.pdf"
  assert_all_passed 1 "$2: offline verification"
  assert_evidence_sources "$2" "dss"
}

U=127\\.0\\.0\\.1:$LTV_HTTP_PORT

section "revoked: nothing written, exit 1"
ltv_sign revoked "$IN" "$OUT/revoked.pdf" --tsa "$LTV_TSA_URL" --ltv
assert_status 1 "revoked signer: exit 1"
assert_match "$(cat "$RUN_ERR")" "[Rr]evoked|REVOKED" "revoked signer: stderr says revoked"
assert_no_file "$OUT/revoked.pdf" "revoked signer: nothing written"
assert_dir_entries "$OUT" "" "revoked signer: no temp file left"

section "unknown: OCSP says unknown, the CRL says good"
before_ocsp=$(ltv_log_count '^/ocsp/sub$')
before_crl=$(ltv_log_count '^/crl/sub\.crl$')
works unknown "unknown to OCSP"
assert_gt "$(ltv_log_count '^/ocsp/sub$')" "$before_ocsp" "unknown: OCSP asked first"
assert_gt "$(ltv_log_count '^/crl/sub\.crl$')" "$before_crl" "unknown: then the CRL fetched"
ltv_dss "$OUT/unknown.pdf" "$TEST_TMP/unknown-dss"
assert_ne "" "$(ltv_crl_for "$TEST_TMP/unknown-dss" "$LTV_DIR/sub.pem")" \
  "unknown: the sub-CA's CRL is in the DSS (openssl crl -CAfile verifies it)"
assert_ne unknown "$(ltv_ocsp_for "$TEST_TMP/unknown-dss" "$LTV_DIR/unknown.pem" "$LTV_DIR/sub.pem")" \
  "unknown: the 'unknown' OCSP answer is not what validates it"

section "responder down"
refused down "http://127\\.0\\.0\\.1:$LTV_DOWN_PORT/" "OCSP and CRL down" "LTV_FETCH: .*[Cc]onnect"
# The responder comes back (on the port the certificate names): `kyso ltv`
# adds the data later, as the message of sign --ltv says.
echo "$LTV_DOWN_PORT" >"$LTV_DIR/ocsp/down.port"
ltv_start_ocsp down "$LTV_DIR/ca-sub/index.txt" "$LTV_DIR/sub.pem" "$LTV_DIR/ocsp-sub.pem" \
  "$LTV_DIR/ocsp-sub.key"
ltv_env
mapfile -t net < <(ltv_net_args)
kyso_run ltv --in "$OUT/down.pdf" --out "$OUT/down-lt.pdf" "${net[@]}"
# shellcheck disable=SC2034 # read by kyso_run (kyso.sh)
KYSO_ENV=()
assert_success "responder back: kyso ltv on the file sign --ltv left B-T"
assert_prefix "$OUT/down.pdf" "$OUT/down-lt.pdf" "kyso ltv: an incremental update"
ltv_verify "$OUT/down-lt.pdf"
assert_all_passed 1 "down, then kyso ltv: offline verification"
assert_evidence_sources "down, then kyso ltv" "dss"
ltv_stop ocsp-down

before=$(ltv_log_count '^/crl/sub\.crl$')
works down-crl "OCSP down, CRL up"
assert_gt "$(ltv_log_count '^/crl/sub\.crl$')" "$before" "down-crl: the CRL fetched"

section "slow: each try times out, tries counted"
before=$(ltv_log_count '^/m/slow/ocsp/sub$')
t0=$(date +%s)
refused slow "$U/m/slow/ocsp/sub" "slow responder" "LTV_FETCH: .*timed out"
assert_eq 2 "$(($(ltv_log_count '^/m/slow/ocsp/sub$') - before))" \
  "slow: exactly 'tries = 2' requests (kyso.conf)"
assert_gt 30 "$(($(date +%s) - t0))" "slow: kyso gave up within the configured timeouts"

section "oversized answers: the caps"
refused big "$U/m/big/ocsp/sub" "OCSP answer of 100 KiB (cap 64 KiB)" "LIMIT: .*larger than 65536 bytes"
refused bigcrl "$U/m/big/crl/sub\\.crl" "CRL of 21 MiB (cap 20 MiB)" "LIMIT: .*larger than 20971520 bytes"

section "redirects"
refused redirect "$U/m/redirect/ocsp/sub" "302 to http://localhost (another host)" \
  "LTV_URL: redirect to another host refused"
assert_eq 0 "$(node -e '
  const n = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean)
    .map(JSON.parse).filter((r) => r.host.startsWith("localhost")).length; console.log(n)' "$LTV_LOG")" \
  "redirect: no request ever reached the other host name"
works redirect-same "302 to the same host and port"
assert_gt "$(ltv_log_count '^/m/redirect-same/ocsp/sub$')" 0 "redirect-same: the redirecting URL asked"

section "nonce mismatch"
assert_contains "$(openssl ocsp -respin "$LTV_DIR/canned/nonce-other.der" -CAfile "$LTV_DIR/roots.pem" \
  -verify_other "$LTV_DIR/untrusted.pem" -issuer "$LTV_DIR/sub.pem" -cert "$LTV_DIR/nonce.pem" -no_nonce 2>&1)" \
  "nonce.pem: good" "control: the canned answer is genuine and says good (only its nonce is wrong)"
refused nonce "$U/m/canned/nonce-other\\.der" "an answer to another request (its nonce)" "LTV_NONCE: "

section "wrong responder certificate"
refused evilresp "$U/m/live-evil/ocsp/sub" "answer signed by the impostor CA's responder" \
  "LTV_SIGNATURE: OCSP responder"

section "expired answer"
refused expired "$U/m/live-expired/ocsp/sub" "answer whose nextUpdate has passed" "LTV_STALE: .*nextUpdate"

section "CRL from the wrong issuer"
assert_eq "$(openssl x509 -in "$LTV_DIR/sub.pem" -noout -subject)" \
  "$(openssl x509 -in "$LTV_DIR/evil.pem" -noout -subject)" "control: the impostor has the sub-CA's very name"
refused evilcrl "$U/crl/evil\\.crl" "CRL signed by the impostor" "LTV_SIGNATURE: CRL"
works crlonly "control: the real CRL on the same route"

section "500, then good: one retry"
before=$(ltv_log_count '^/m/flaky/ocsp/sub$')
works flaky "500 then good"
assert_eq 2 "$(($(ltv_log_count '^/m/flaky/ocsp/sub$') - before))" "flaky: asked twice (500, then 200)"

test_summary
