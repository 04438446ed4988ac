#!/usr/bin/env bash
# web.ltv_e2e: long-term validation in the browser (issue 13), headless
# Chromium against the real kyso-host (websocket, SoftHSM2 token holding a
# signer of the loopback LTV PKI of tests/lib/ltv_pki.sh, scripted
# pinentry) and real responders (`openssl ocsp -port`, CRLs and `openssl ts
# -reply` over loopback HTTP). host.conf: allow_loopback_urls, tsa_url =
# the loopback TSA, trust_anchor = the two LTV roots.
#   sign    the demo portal signs with the "timestamp and LTV" box ticked
#           (kyso.signPdf { timestamp: true, ltv: true }): the page says
#           B-LT; the download, with every responder stopped, is judged by
#           verify.html offline ("Hợp lệ", data from the DSS), kyso verify
#           (TOTAL_PASSED, evidence from the DSS, OCSP of signer, sub-CA and
#           TSA checked by openssl, /VRI keys) and pdfsig;
#   online  a fresh B-B file on verify.html: "Chưa xác định được", the
#           plain-words help, "Kiểm tra trực tuyến" -> "Hợp lệ", the report
#           says the data was fetched now; the host asked only for
#           certificates (its log), the page sent no URL;
#   files   "Thêm CRL/OCSP": the sub-CA's CRL and the root's CRL -> "Hợp
#           lệ", the report says loaded; the impostor's CRL (same issuer
#           name, another key) -> still not valid;
#   errors  kyso.js: the signer's OCSP/CRL down -> the file returned with
#           ltv.warning REVOCATION_UNAVAILABLE (B-T); a revoked signer ->
#           CERTIFICATE_REVOKED, the file in e.signed;
#   tsadown the TSA down -> TIMESTAMP_FAILED with the signed B-B file in
#           e.signed;
#   bridge  the same signing and online check through the extension bridge
#           (a stand-in content script relaying to the host);
#   nohost  "Kiểm tra trực tuyến" with no kyso-host: the Vietnamese
#           "not running" text, the report unchanged.
# Screenshots in build/tests/web/artifacts/ltv_e2e/.
. "$(dirname "${BASH_SOURCE[0]}")/../host/host_setup.sh"
. "$KYSO_TESTLIB/ltv_pki.sh"
. "$KYSO_TESTLIB/ltv.sh"
WEB_TESTDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KYSO_WEB_DIR=${KYSO_WEB_DIR:-$KYSO_SOURCE_DIR/build/web}
[ -f "$KYSO_WEB_DIR/kyso.js" ] && [ -f "$KYSO_WEB_DIR/verify.html" ] ||
  die "KYSO_WEB_DIR=$KYSO_WEB_DIR has no kyso.js or verify.html (web/build.sh)"
[ -x /usr/bin/chromium ] || die "/usr/bin/chromium is missing (apt-get install chromium)"
[ -d "$WEB_TESTDIR/node_modules/playwright-core" ] ||
  (cd "$WEB_TESTDIR" && npm ci --no-audit --no-fund >/dev/null 2>&1) ||
  die "npm ci failed in tests/web"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY

# Helper G's ports (COMMON13.md: 19780-19799), first free ones, unless set.
export KYSO_LTV_PORT_BASE=${KYSO_LTV_PORT_BASE:-19790}
# (ltv_free_port reserves each port it gives for this test's lifetime.)
KYSO_HOST_PORT=${KYSO_HOST_PORT:-$(ltv_free_port)}
KYSO_WEB_PORT=${KYSO_WEB_PORT:-$(ltv_free_port)}
export KYSO_HOST_PORT KYSO_WEB_PORT

host_setup
require_cmd openssl ss pdfsig qpdf
ltv_setup "$TEST_TMP/ltv"
cat "$LTV_DIR/root.pem" "$LTV_DIR/tsaroot.pem" >"$LTV_DIR/roots.pem"
cat "$LTV_DIR/sub.pem" "$LTV_DIR/tsa.pem" >"$LTV_DIR/untrusted.pem"
certutil -A -d "sql:$KYSO_NSSDB" -n "kyso ltv root" -t "CT,C,C" -i "$LTV_DIR/root.pem"
certutil -A -d "sql:$KYSO_NSSDB" -n "kyso ltv tsa root" -t "CT,C,C" -i "$LTV_DIR/tsaroot.pem"

# The signer's token: the LTV PKI's "good" leaf, with its CA certificates.
LTV_TOKEN="LTV signer"
token_init "$LTV_TOKEN"
token_add_key "$LTV_TOKEN" "$LTV_DIR/good.key" 01 "$LTV_TOKEN"
token_add_cert "$LTV_TOKEN" "$LTV_DIR/good.pem" 01 "$LTV_TOKEN"
token_add_cert "$LTV_TOKEN" "$LTV_DIR/sub.pem" a1 "Sub CA"
token_add_cert "$LTV_TOKEN" "$LTV_DIR/root.pem" a2 "Root CA"
# A signer whose OCSP responder and CRL are on a port where nothing listens.
token_init "LTV down"
token_add_key "LTV down" "$LTV_DIR/down.key" 01 "LTV down"
token_add_cert "LTV down" "$LTV_DIR/down.pem" 01 "LTV down"
token_add_cert "LTV down" "$LTV_DIR/sub.pem" a1 "Sub CA"
# A revoked signer (keyCompromise in the sub-CA's OCSP index and CRL).
token_init "LTV revoked"
token_add_key "LTV revoked" "$LTV_DIR/revoked.key" 01 "LTV revoked"
token_add_cert "LTV revoked" "$LTV_DIR/revoked.pem" 01 "LTV revoked"
token_add_cert "LTV revoked" "$LTV_DIR/sub.pem" a1 "Sub CA"

export WEB_URL=http://127.0.0.1:$KYSO_WEB_PORT
cat >>"$KYSO_HOST_CONF" <<CONF
allow_origin = $WEB_URL
allow_loopback_urls = yes
tsa_url = $LTV_TSA_URL
trust_anchor = $LTV_DIR/root.pem
trust_anchor = $LTV_DIR/tsaroot.pem
fetch_timeout = 5
CONF
OUT=$(fresh_dir ltvweb)
ART=$(dirname "${KYSO_TEST_TMP:-$TEST_TMP}")/artifacts/ltv_e2e
mkdir -p "$ART"
export OUT ART LTV_DIR LTV_TOKEN
export FX

node "$KYSO_SOURCE_DIR/web/serve.mjs" "$KYSO_WEB_DIR" "$KYSO_WEB_PORT" >"$TEST_TMP/serve.log" 2>&1 &
SERVE_PID=$!
for _ in $(seq 1 50); do
  grep -q "kyso web:" "$TEST_TMP/serve.log" 2>/dev/null && break
  sleep 0.1
done
grep -q "kyso web:" "$TEST_TMP/serve.log" || die "web/serve.mjs did not start: $(cat "$TEST_TMP/serve.log")"
cleanup_web() {
  kill "$SERVE_PID" 2>/dev/null || true
  [ -z "${HOST_PID:-}" ] || kill "$HOST_PID" 2>/dev/null || true
  ltv_stop_all
}
trap cleanup_web EXIT

host_start_ws

section "the demo portal signs with a timestamp and LTV data (B-LT)"
judge_node node "$WEB_TESTDIR/ltv_e2e.mjs" sign
lt=$OUT/signed-lt.pdf
[ -f "$lt" ] || cp -- "$FX/vn-chromium.pdf" "$lt" # died early: fail below, not abort
assert_prefix "$FX/vn-chromium.pdf" "$lt" "the download extends the uploaded file byte for byte"
assert_gt "$(ltv_log_count '^/tsa/')" 0 "the host asked the loopback TSA"
assert_gt "$(ltv_log_count '^/ocsp/')" 0 "the host asked the OCSP responders"
assert_contains "$(cat "$TEST_TMP/host.log")" "revocation" "the host logged its revocation request"

section "B-B file for verify.html, signed through the same portal"
judge_node node "$WEB_TESTDIR/ltv_e2e.mjs" plain
bb=$OUT/signed-bb.pdf
[ -f "$bb" ] || cp -- "$FX/vn-chromium.pdf" "$bb"

section "kyso.js: the signer's responders down"
judge_node node "$WEB_TESTDIR/ltv_e2e.mjs" errors

down=$OUT/down-bt.pdf
if [ -f "$down" ]; then
  kyso_verify "$down" --trust "$LTV_TRUST"
  assert_eq "passed passed" "$(report_get "S(0).checks.integrity.result + ' ' + S(0).checks.signature.result")" \
    "the file returned with the warning: the signature is intact"
  assert_match "$(report_get "S(0).timestamp_time")" "^20[0-9-]+T" "and timestamped (B-T)"
else
  fail "no down-bt.pdf from the page"
fi

if [ -f "$OUT/revoked-lt.pdf" ]; then
  kyso_verify "$OUT/revoked-lt.pdf" --trust "$LTV_TRUST"
  assert_eq "TOTAL_FAILED REVOKED" "$(report_get "S(0).indication + ' ' + S(0).sub_indication")" \
    "e.signed of the revoked signer: kyso verify says revoked, from the embedded answer"
else
  fail "no revoked-lt.pdf from the page"
fi

section "verify.html: Kiểm tra trực tuyến, Thêm CRL/OCSP"
judge_node node "$WEB_TESTDIR/ltv_e2e.mjs" online

section "through the extension bridge (a stand-in content script)"
judge_node node "$WEB_TESTDIR/ltv_e2e.mjs" bridge

section "the portal's B-LT file judged by kyso, openssl, qpdf and pdfsig"
# (pdfsig's NSS checks revocation online itself and ignores the DSS: it is
# run while the responders still answer; kyso's offline verdict is below.)
ltv_env
assert_lt "the portal's B-LT file" "$lt" good 1
KYSO_ENV=()
assert_eq "passed" "$(report_get "S(0).checks.timestamp.result")" "kyso verify: the signature timestamp passes (B-T)"

section "kyso.js: the TSA (and every responder) down"
ltv_stop http
judge_node node "$WEB_TESTDIR/ltv_e2e.mjs" tsadown
if [ -f "$OUT/tsadown-bb.pdf" ]; then
  kyso_verify "$OUT/tsadown-bb.pdf" --trust "$LTV_TRUST"
  assert_eq "passed passed no_timestamp" \
    "$(report_get "S(0).checks.integrity.result + ' ' + S(0).checks.signature.result + ' ' + S(0).checks.timestamp.reason")" \
    "e.signed: intact, without a timestamp"
else
  fail "no tsadown-bb.pdf from the page"
fi
assert_not_contains "$(cat "$TEST_TMP/host.log")" "$TOKEN_PIN" "the host log holds no PIN"
host_stop_ws
HOST_PID=

section "every responder stopped: the B-LT file stays valid offline"
ltv_stop_all
n_before=$(wc -l <"$LTV_LOG")
judge_node node "$WEB_TESTDIR/ltv_e2e.mjs" offline
judge_node node "$WEB_TESTDIR/ltv_e2e.mjs" nohost
kyso_verify "$lt" --trust "$LTV_TRUST"
assert_eq "TOTAL_PASSED" "$(report_get "S(0).indication")" "kyso verify, nothing running: the B-LT file is valid"
assert_eq "" "$(report_get "S(0).revocation_evidence.filter((e) => e.status !== 'none' && !/^dss/.test(e.source)).map((e) => e.source).join()")" \
  "every answer it used comes from the DSS"
kyso_verify "$bb" --trust "$LTV_TRUST"
assert_eq "INDETERMINATE" "$(report_get "r.signatures[0].indication")" \
  "control: the B-B file without data is not valid offline"
assert_eq "$n_before" "$(wc -l <"$LTV_LOG")" "nothing was fetched after the responders stopped"

cp -- "$OUT"/*.png "$ART/" 2>/dev/null || true
assert_gt "$(find "$ART" -name '*.png' | wc -l)" 4 "screenshots kept in $ART"
test_summary
