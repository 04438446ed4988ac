#!/usr/bin/env bash
# integration.ltv_verify_online: `kyso verify --online` fetches what a file
# lacks (OCSP first, CRL fallback, issuer certificates through caIssuers)
# from the loopback responders of tests/lib/ltv_pki.sh, says which data was
# fetched now (revocation_evidence source "fetched"), caches answers until
# their nextUpdate (a second run asks nothing; past nextUpdate it asks
# again), honours http_proxy, and without --online never sends a request.
# The VGCA-like fixture (tests/lib/vgca_like.sh, when present): leaf-only
# CMS, TSA of another chain, signingTime +7 h -> TOTAL_PASSED online with
# the signingTime note.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/setup.sh"
. "$KYSO_TESTLIB/ltv_pki.sh"
. "$KYSO_TESTLIB/ltv.sh"
ltv_test_setup

# why: the revocation detail of the first signature (for failure messages)
why() { report_get "S(0).checks.revocation.detail" 2>/dev/null || echo "no report"; }

OUT=$(fresh_dir out)

section "B-T files to check online"
for leaf in good good-leafonly revoked unknown down; do
  ltv_sign "$leaf" "$IN" "$OUT/$leaf.pdf" --tsa "$LTV_TSA_URL"
  assert_success "sign --tsa ($leaf, no --ltv)"
done

section "without --online: no request"
before=$(ltv_log_count .)
ltv_verify "$OUT/good.pdf"
assert_eq INDETERMINATE "$(report_get "S(0).indication")" "B-T offline: INDETERMINATE"
assert_eq "$before" "$(ltv_log_count .)" "verify without --online sent no request"

section "--online: fetched now"
ltv_verify_online "$OUT/good.pdf"
assert_status 0 "verify --online (good): exit status"
assert_eq TOTAL_PASSED "$(report_get "r.overall")" "verify --online (good): TOTAL_PASSED"
assert_eq fetched "$(report_get "S(0).revocation_evidence[0].source")" \
  "the signer's revocation evidence was fetched now"
assert_eq "ocsp good" "$(report_get "S(0).revocation_evidence[0].type + ' ' + S(0).revocation_evidence[0].status")" \
  "the signer's evidence: OCSP, good"
assert_match "$(cat "$RUN_ERR")" "kyso: fetch: " "verify --online logs its fetches on stderr"

section "leaf-only CMS: the sub-CA through caIssuers"
before=$(ltv_log_count '^/cert/sub\.der$')
ltv_verify_online "$OUT/good-leafonly.pdf"
assert_eq TOTAL_PASSED "$(report_get "r.overall")" "verify --online (leaf-only CMS): TOTAL_PASSED"
assert_gt "$(ltv_log_count '^/cert/sub\.der$')" "$before" "the sub-CA fetched from caIssuers"

section "revoked, unknown, down"
ltv_verify_online "$OUT/revoked.pdf"
assert_status 1 "verify --online (revoked): exit 1"
assert_eq TOTAL_FAILED "$(report_get "S(0).indication")" "verify --online (revoked): TOTAL_FAILED"
assert_eq "revoked fetched" "$(report_get "S(0).revocation_evidence[0].status + ' ' + S(0).revocation_evidence[0].source")" \
  "the fetched answer says revoked"
ltv_verify_online "$OUT/unknown.pdf"
assert_eq TOTAL_PASSED "$(report_get "r.overall")" "verify --online (OCSP unknown, CRL good): TOTAL_PASSED ($(why))"
assert_eq "crl fetched" "$(report_get "S(0).revocation_evidence[0].type + ' ' + S(0).revocation_evidence[0].source")" \
  "unknown to OCSP: the fetched CRL decides"
ltv_verify_online "$OUT/down.pdf"
assert_ne 0 "$RUN_STATUS" "verify --online (responders down): not a success"
assert_ne TOTAL_PASSED "$(report_get "r.overall" 2>/dev/null || echo none)" "responders down: not TOTAL_PASSED"
assert_match "$(cat "$RUN_ERR")" "127\\.0\\.0\\.1:$LTV_DOWN_PORT" "responders down: stderr names the URL"

section "the cache honours nextUpdate"
LTV_CACHE_HOME=$TEST_TMP/cache-home
before=$(ltv_log_count '^/ocsp/sub$')
ltv_verify_online "$OUT/good.pdf"
assert_eq TOTAL_PASSED "$(report_get "r.overall")" "first run: TOTAL_PASSED ($(why))"
first=$(ltv_log_count '^/ocsp/sub$')
assert_gt "$first" "$before" "first run asks the OCSP responder"
ltv_verify_online "$OUT/good.pdf"
assert_eq TOTAL_PASSED "$(report_get "r.overall")" "second run (from the cache): TOTAL_PASSED"
assert_eq "$first" "$(ltv_log_count '^/ocsp/sub$')" "second run: no OCSP request (nextUpdate not reached)"
assert_match "$(cat "$RUN_ERR")" "[Cc]ache" "second run: the log says the answer came from the cache"
# Two hours on (the answers have nextUpdate = now + 60 min): asks again.
libfaketime=$(find /usr/lib -path '*/faketime/libfaketime.so.1' -print -quit)
[ -n "$libfaketime" ] || die "libfaketime.so.1 not found (Debian package faketime)"
# shellcheck disable=SC2034 # read by kyso_run (kyso.sh)
KYSO_ENV=("HOME=$LTV_CACHE_HOME" "XDG_CACHE_HOME=$LTV_CACHE_HOME/.cache" http_proxy= https_proxy=
  HTTP_PROXY= HTTPS_PROXY= all_proxy= ALL_PROXY= no_proxy= NO_PROXY=
  FAKETIME=+2h FAKETIME_DONT_FAKE_MONOTONIC=1 "LD_PRELOAD=$libfaketime"
  # an ASan build refuses to start when another library is preloaded first
  "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0")
ltv_verify_online "$OUT/good.pdf"
assert_gt "$(ltv_log_count '^/ocsp/sub$')" "$first" "past nextUpdate: the responder is asked again"
unset LTV_CACHE_HOME

section "http_proxy is honoured"
ltv_proxy_start
ltv_env "http_proxy=$LTV_PROXY_URL"
ltv_verify_online "$OUT/good.pdf"
assert_eq TOTAL_PASSED "$(report_get "r.overall")" "through the proxy: TOTAL_PASSED"
assert_match "$(cat "$LTV_PROXY_LOG")" "\"url\":\"http://127\\.0\\.0\\.1:$LTV_HTTP_PORT/ocsp/sub\"" \
  "the proxy relayed the OCSP request"

section "VGCA-like document (leaf-only CMS, TSA of another chain, signingTime +7 h)"
# shellcheck source=../lib/vgca_like.sh
. "$KYSO_TESTLIB/vgca_like.sh"
vd=$TEST_TMP/vgca
export VGCA_OCSP_URL=$LTV_URL/ocsp/vgca VGCA_CA_ISSUERS_URL=$LTV_URL/cert/vgca-g1sub.der \
  VGCA_CRL_URL=$LTV_URL/crl/vgca-g1sub.crl
vgca_like_make "$vd" "$IN" "$OUT/vgca.pdf"
openssl x509 -in "$vd/g1sub.pem" -outform DER -out "$LTV_DIR/http/cert/vgca-g1sub.der"
vgca_like_crl "$vd" "$LTV_DIR/http/crl/vgca-g1sub.crl"
ltv_start_ocsp vgca "$vd/ca-g1sub/index.txt" "$vd/g1sub.pem" "$vd/ocsp.pem" "$vd/ocsp.key"
LTV_VERIFY_TRUST=$TEST_TMP/vgca-trust
mkdir -p "$LTV_VERIFY_TRUST"
cp -- "$vd/g1root.pem" "$vd/g2root.pem" "$LTV_VERIFY_TRUST/"
cms_extract "$OUT/vgca.pdf" "$TEST_TMP/vgca-cms"
assert_eq 1 "$(openssl pkcs7 -inform DER -in "$TEST_TMP/vgca-cms/sig-1.der" -print_certs | grep -c '^subject')" \
  "control: the VGCA-like CMS carries the signer's certificate only"
ltv_verify "$OUT/vgca.pdf"
assert_eq INDETERMINATE "$(report_get "S(0).indication")" "VGCA-like offline: INDETERMINATE (no sub-CA, no revocation data)"
before_cert=$(ltv_log_count '^/cert/vgca-g1sub\.der$')
before_ocsp=$(ltv_log_count '^/ocsp/vgca$')
ltv_verify_online "$OUT/vgca.pdf"
assert_status 0 "VGCA-like --online: exit status ($(why))"
assert_eq TOTAL_PASSED "$(report_get "r.overall")" "VGCA-like --online: TOTAL_PASSED"
assert_gt "$(ltv_log_count '^/cert/vgca-g1sub\.der$')" "$before_cert" "VGCA-like: the sub-CA fetched through caIssuers"
assert_gt "$(ltv_log_count '^/ocsp/vgca$')" "$before_ocsp" "VGCA-like: the leaf's status asked by OCSP"
assert_eq "ocsp good" "$(report_get "S(0).revocation_evidence[0].type + ' ' + S(0).revocation_evidence[0].status")" \
  "VGCA-like: the leaf is good by the fetched OCSP answer"
off=$(report_get "S(0).signing_time_offset")
# the fixture writes genTime-independent local time: 7 h, to a few seconds
assert_true "VGCA-like: signingTime about 7 h after the timestamp reported (got $off)" \
  test "$off" -ge 25190 -a "$off" -le 25210
assert_eq "passed signing_time_after_timestamp" \
  "$(report_get "S(0).checks.timestamp.result + ' ' + S(0).checks.timestamp.reason")" \
  "VGCA-like: the signingTime quirk is a note, not a failure"
unset LTV_VERIFY_TRUST

section "a signature whose path reaches no trust anchor: nothing fetched for it"
# Someone else's chain (a self-made root) whose certificates name our
# responders: kyso must not fetch revocation data for certificates that
# chain to none of its anchors; caIssuers may complete a path (bounded), and
# an issuer so fetched that still leads nowhere is not embedded.
E=$TEST_TMP/evil
mkdir -p "$E"
evil_ext="basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nauthorityInfoAccess=OCSP;URI:$LTV_URL/ocsp/evil,caIssuers;URI:$LTV_URL/cert/evilroot.der\ncrlDistributionPoints=URI:$LTV_URL/crl/evil.crl"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$E/root.key" -out "$E/root.pem" -days 30 \
  -subj "/CN=Evil Root" -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$E/ca.key" -out "$E/ca.csr" -subj "/CN=Evil CA" 2>/dev/null
printf '%b\n' "$evil_ext" >"$E/ca.ext"
openssl x509 -req -in "$E/ca.csr" -CA "$E/root.pem" -CAkey "$E/root.key" -CAcreateserial \
  -days 20 -out "$E/ca.pem" -extfile "$E/ca.ext" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$E/leaf.key" -out "$E/leaf.csr" -subj "/CN=Evil Signer" 2>/dev/null
printf '%b\n' "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nauthorityInfoAccess=OCSP;URI:$LTV_URL/ocsp/evil,caIssuers;URI:$LTV_URL/cert/evilca.der\ncrlDistributionPoints=URI:$LTV_URL/crl/evil.crl" >"$E/leaf.ext"
openssl x509 -req -in "$E/leaf.csr" -CA "$E/ca.pem" -CAkey "$E/ca.key" -CAcreateserial \
  -days 10 -out "$E/leaf.pem" -extfile "$E/leaf.ext" 2>/dev/null
openssl x509 -in "$E/ca.pem" -outform DER -out "$LTV_DIR/http/cert/evilca.der"
openssl x509 -in "$E/root.pem" -outform DER -out "$LTV_DIR/http/cert/evilroot.der"
cat "$E/ca.pem" "$E/root.pem" >"$E/chain.pem"
openssl pkcs12 -export -passout "pass:$(cat "$LTV_PASS_FILE")" -name evil -inkey "$E/leaf.key" \
  -in "$E/leaf.pem" -certfile "$E/chain.pem" -out "$E/full.p12"
openssl pkcs12 -export -passout "pass:$(cat "$LTV_PASS_FILE")" -name evil -inkey "$E/leaf.key" \
  -in "$E/leaf.pem" -out "$E/leafonly.p12"
evil_revocation() { ltv_log_count '^/(ocsp/evil|crl/evil)'; }
for kind in full leafonly; do
  ltv_env
  kyso_run sign --in "$IN" --out "$OUT/evil-$kind.pdf" --p12 "$E/$kind.p12" --pin-file "$LTV_PASS_FILE"
  assert_success "signed with someone else's chain ($kind)"
  before=$(evil_revocation)
  before_cert=$(ltv_log_count '^/cert/evil')
  ltv_verify_online "$OUT/evil-$kind.pdf"
  assert_ne TOTAL_PASSED "$(report_get "r.overall")" "evil ($kind): not valid"
  assert_eq "$before" "$(evil_revocation)" \
    "evil ($kind): verify --online asked no OCSP/CRL URL of an untrusted path"
  assert_contains "$(cat "$RUN_ERR")" "reaches no trust anchor" "evil ($kind): says why nothing was fetched"
  # leaf-only: the CA, then its (untrusted) root, once each; full: none
  assert_gt 3 "$(($(ltv_log_count '^/cert/evil') - before_cert))" \
    "evil ($kind): caIssuers look-ups bounded (one per missing issuer)"
  ltv_env
  kyso_run ltv --in "$OUT/evil-$kind.pdf" --out "$OUT/evil-$kind-lt.pdf" --config "$LTV_CONF" \
    --allow-loopback-urls --no-default-trust --trust "$LTV_DIR/root.pem" --trust "$LTV_DIR/tsaroot.pem"
  assert_eq "$before" "$(evil_revocation)" "evil ($kind): kyso ltv asked no OCSP/CRL URL either"
  if [ -f "$OUT/evil-$kind-lt.pdf" ]; then
    ltv_dss "$OUT/evil-$kind-lt.pdf" "$TEST_TMP/evil-dss-$kind"
    assert_eq "" "$(ltv_cert_for "$TEST_TMP/evil-dss-$kind" "$E/root.pem")" \
      "evil ($kind): an issuer leading nowhere is not embedded"
  fi
done

section "every responder stopped"
ltv_stop_all
ltv_verify_online "$OUT/good.pdf"
assert_eq 1 "$RUN_STATUS" "verify --online with nothing answering: exit 1, no crash"
assert_eq INDETERMINATE "$(report_get "S(0).indication")" "verify --online with nothing answering: INDETERMINATE"

test_summary
