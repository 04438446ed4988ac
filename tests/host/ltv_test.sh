#!/usr/bin/env bash
# kyso-host's `revocation` and `timestamp` (issue 13) against the loopback
# PKI of tests/lib/ltv_pki.sh: real `openssl ocsp -port` responders, CRLs
# and `openssl ts -reply` behind ltv_http.mjs, every request logged. Over
# native messaging (normal TSA; a second host without allow_loopback_urls)
# and over the websocket (whose TSA answers slowly: other requests are
# served meanwhile). Checks in ltv_client.mjs. Then the red team's
# findings: one site flooding and cancelling fetches to a responder that
# never answers does not starve another site (cancel, close and shutdown
# abort transfers; per-site bounds; a deadline per request), no libcurl
# text reaches the page, the revocation cache, the per-site rate.
. "$(dirname "$0")/host_setup.sh"
# shellcheck source=../lib/ltv_pki.sh
. "$KYSO_HOST_TESTDIR/../lib/ltv_pki.sh"

# The websocket port: the first free one of this test's range (19770-19779)
# unless KYSO_HOST_PORT says.
if [ -z "${KYSO_HOST_PORT:-}" ]; then
  for p in $(seq 19770 19779); do
    if ! ss -Hltn "sport = :$p" | grep -q .; then
      KYSO_HOST_PORT=$p
      break
    fi
  done
fi
[ -n "${KYSO_HOST_PORT:-}" ] || die "no free port in 19770-19779"
export KYSO_HOST_PORT
# The responders' ports: from 19771 upwards (first free), unless set.
export KYSO_LTV_PORT_BASE=${KYSO_LTV_PORT_BASE:-19771}
# Only loopback is contacted, never through a proxy of the environment.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY
export LTV_SLOW_MS=${LTV_SLOW_MS:-4000}

host_setup
require_cmd openssl ss
ltv_setup "$TEST_TMP/ltv"
cat "$LTV_DIR/root.pem" "$LTV_DIR/tsaroot.pem" >"$LTV_DIR/roots.pem"
cat "$LTV_DIR/sub.pem" "$LTV_DIR/tsa.pem" >"$LTV_DIR/untrusted.pem"

# A leaf whose only URL is a CDP to a CRL of the sub-CA of 1 MiB (30000
# entries): fetched and judged, but past what one reply may carry
# (HOST_REPLY_MAX): left out, said so with LIMIT.
longca=$LTV_DIR/ca-sublong
_ltv_cadir "$longca"
awk 'BEGIN { for (i = 1; i <= 30000; i++)
  printf "R\t400101000000Z\t240101000000Z\t7F%030X\tunknown\t/CN=x%d\n", i, i }' >"$longca/index.txt"
_ltv_issue "$LTV_DIR" sub longcrl "/C=VN/O=Kyso LTV test/CN=LTV long CRL leaf" ec256 ee \
  "" "" "$LTV_URL/crl/sub-long.crl"
openssl ca -gencrl -config "$longca/openssl.cnf" -cert "$LTV_DIR/sub.pem" \
  -keyfile "$LTV_DIR/sub.key" -crldays 2 -out "$longca/crl.pem" 2>>"$LTV_DIR/ca.log"
openssl crl -in "$longca/crl.pem" -outform DER -out "$LTV_DIR/http/crl/sub-long.crl"
[ "$(stat -c %s "$LTV_DIR/http/crl/sub-long.crl")" -gt 1000000 ] || die "the long CRL is short"

# A leaf whose OCSP responder and CRL accept and never answer
# (ltv_client.mjs listens there in the fair and deadline cases).
export LTV_BLACKHOLE_PORT
LTV_BLACKHOLE_PORT=$(ltv_free_port)
_ltv_issue "$LTV_DIR" sub hang "/C=VN/O=Kyso LTV test/CN=LTV hang leaf" ec256 ee \
  "http://127.0.0.1:$LTV_BLACKHOLE_PORT/ocsp" "" "http://127.0.0.1:$LTV_BLACKHOLE_PORT/crl"

# The host's anchors: the bundled VN roots plus the two LTV roots. No
# revocation cache (every request reaches the responders) but in the cache
# case.
base_conf=$(cat "$KYSO_HOST_CONF")
fetch_conf() { # TSA_URL LOOPBACK [MORE LINES...]
  printf '%s\n' "$base_conf" \
    "trust_anchor = $LTV_DIR/root.pem" \
    "trust_anchor = $LTV_DIR/tsaroot.pem" \
    "tsa_url = $1" \
    "fetch_timeout = 30" \
    "allow_loopback_urls = $2" \
    "fetch_cache = no" "${@:3}"
}
fetch_conf "$LTV_TSA_URL" yes >"$KYSO_HOST_CONF"
KYSO_HOST_CONF_NOLOOP=$TEST_TMP/host-noloop.conf
fetch_conf "$LTV_TSA_URL" no >"$KYSO_HOST_CONF_NOLOOP"
KYSO_HOST_CONF_WS=$TEST_TMP/host-ws.conf
fetch_conf "$LTV_URL/m/slow/tsa/tsa" yes >"$KYSO_HOST_CONF_WS"
KYSO_HOST_CONF_FAIR=$TEST_TMP/host-fair.conf
fetch_conf "$LTV_TSA_URL" yes "allow_origin = https://other.kyso.test" "fetch_timeout = 20" >"$KYSO_HOST_CONF_FAIR"
KYSO_HOST_CONF_DEADLINE=$TEST_TMP/host-deadline.conf
fetch_conf "$LTV_TSA_URL" yes "fetch_timeout = 2" >"$KYSO_HOST_CONF_DEADLINE"
KYSO_HOST_CONF_CACHE=$TEST_TMP/host-cache.conf
fetch_conf "$LTV_TSA_URL" yes "fetch_cache = yes" >"$KYSO_HOST_CONF_CACHE"
KYSO_HOST_CONF_RATE=$TEST_TMP/host-rate.conf
fetch_conf "$LTV_TSA_URL" yes "allow_origin = https://other.kyso.test" "fetch_rate = 5" >"$KYSO_HOST_CONF_RATE"
export KYSO_HOST_CONF KYSO_HOST_CONF_NOLOOP KYSO_HOST_CONF_FAIR KYSO_HOST_CONF_DEADLINE \
  KYSO_HOST_CONF_CACHE KYSO_HOST_CONF_RATE LTV_DIR LTV_LOG LTV_HTTP_PORT TEST_TMP

section "host.conf"
bad=$TEST_TMP/bad.conf
for line in "trust_anchor = $TEST_TMP/missing.pem" "tsa_url = ftp://tsa.example/" \
  "fetch_timeout = 0" "allow_loopback_urls = maybe" "rewrite = only-one" "tsa = http://x/" \
  "fetch_rate = 0" "fetch_rate = many" "fetch_cache = sometimes"; do
  printf '%s\n' "$base_conf" "$line" >"$bad"
  out=$("$KYSO_HOST" --config "$bad" --origins 2>&1) && st=0 || st=$?
  assert_eq 2 "$st" "refused at start: $line"
  assert_contains "$out" "bad.conf:" "the message names the file and line: $line"
done
printf '%s\n' "$base_conf" "rewrite = ocsp.ca.ptc ocsp.ca.gov.vn" "tsa_url = https://tsa.example/" \
  "fetch_timeout = 3600" "allow_loopback_urls = no" "fetch_rate = 10000" "fetch_cache = no" >"$bad"
out=$("$KYSO_HOST" --config "$bad" --origins 2>&1) && st=0 || st=$?
assert_eq 0 "$st" "the new keys are accepted ($out)"

section "native messaging"
if node "$KYSO_HOST_TESTDIR/ltv_client.mjs" stdio; then
  pass "ltv_client stdio"
else
  fail "ltv_client stdio"
fi

section "loopback refused"
if node "$KYSO_HOST_TESTDIR/ltv_client.mjs" noloop; then
  pass "ltv_client noloop"
else
  fail "ltv_client noloop"
fi

for mode in fair deadline leak cache rate; do
  section "$mode"
  if node "$KYSO_HOST_TESTDIR/ltv_client.mjs" "$mode"; then
    pass "ltv_client $mode"
  else
    fail "ltv_client $mode"
  fi
done

section "websocket (slow TSA)"
KYSO_HOST_CONF=$KYSO_HOST_CONF_WS host_start_ws
if node "$KYSO_HOST_TESTDIR/ltv_client.mjs" websocket; then
  pass "ltv_client websocket"
else
  fail "ltv_client websocket"
fi
host_stop_ws
assert_eq 0 "$HOST_STATUS" "kyso-host exits cleanly on SIGTERM"
assert_contains "$(cat "$TEST_TMP/host.log")" "fetch for https://portal.kyso.test" "the websocket host logs its fetches"
test_summary
