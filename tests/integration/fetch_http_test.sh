#!/usr/bin/env bash
# integration.fetch_http: kyso_fetch (fetch/, libcurl) against loopback
# servers (tests/lib/fetch_server.py: an origin and a logging forward
# proxy), driven by tests/fetch/fetch_probe. The servers' logs prove what
# went over the wire: how many tries, whether a refused URL was contacted
# at all, whether the proxy carried the request, whether the cache saved a
# request. Revocation and timestamps run against a small openssl PKI
# (a CRL, `openssl ocsp` as responder, `openssl ts -reply` as TSA).
#
# Environment: FETCH_PROBE (the probe binary), KYSO_SOURCE_DIR.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

require_cmd python3
require_cmd openssl
PROBE=${FETCH_PROBE:?FETCH_PROBE: path of tests/fetch/fetch_probe}
SERVER=$KYSO_TESTLIB/fetch_server.py

declare -A PIDS=()
_fetch_on_exit() {
  local rc=$? n
  for n in "${!PIDS[@]}"; do
    kill "${PIDS[$n]}" 2>/dev/null || true
    wait "${PIDS[$n]}" 2>/dev/null || true
  done
  (exit "$rc")
  _kyso_on_exit
}
trap _fetch_on_exit EXIT

# start NAME MODE [ARGS]: a server, its port in $TEST_TMP/NAME.port.
start() {
  local name=$1 mode=$2 i
  shift 2
  python3 "$SERVER" "$mode" --port-file "$TEST_TMP/$name.port" \
    --log "$TEST_TMP/$name.log" "$@" &
  PIDS[$name]=$!
  for i in $(seq 100); do
    [ -s "$TEST_TMP/$name.port" ] && return 0
    sleep 0.1
  done
  die "server $name did not start"
}

# free_port: a port nothing listens on now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# count LOG ERE: lines of LOG matching ERE.
count() { grep -cE -- "$2" "$1" || true; }

# probe ARGS...: fetch_probe's stdout (stderr into $TEST_TMP/probe.err);
# never fails (the output is what is checked).
# Sanitizer reports (ASan builds) are collected in all-probe.err and
# checked at the end.
probe() {
  "$PROBE" "$@" 2>"$TEST_TMP/probe.err" || true
  cat "$TEST_TMP/probe.err" >>"$TEST_TMP/all-probe.err"
}

start origin origin --root "$TEST_TMP/www"
mkdir -p "$TEST_TMP/www/files"
ORIGIN=http://127.0.0.1:$(cat "$TEST_TMP/origin.port")
OLOG=$TEST_TMP/origin.log

CONF=$TEST_TMP/fetch.conf
cat >"$CONF" <<EOF
# small timeouts and delays for the tests
allow_loopback_urls = yes
timeout = 2
connect_timeout = 2
tries = 3
retry_delay_ms = 100
EOF

section "200, bodies, POST"
out=$(probe --config "$CONF" http "$ORIGIN/ok" --out "$TEST_TMP/ok.bin")
assert_eq "OK 11" "$out" "GET /ok"
assert_eq "hello kyso" "$(cat "$TEST_TMP/ok.bin")" "body of /ok"
assert_match "$(cat "$TEST_TMP/probe.err")" \
  "log: GET $ORIGIN/ok -> HTTP 200, 11 bytes, [0-9]+ ms, try 1/3" \
  "one log line per exchange: method, URL, status, bytes, time, try"
printf 'request-bytes' >"$TEST_TMP/req.bin"
out=$(probe --config "$CONF" http "$ORIGIN/echo" --post "$TEST_TMP/req.bin" \
  --type application/ocsp-request --out "$TEST_TMP/echo.bin")
assert_eq "OK 13" "$out" "POST /echo"
assert_same_bytes "$TEST_TMP/req.bin" "$TEST_TMP/echo.bin" "POST body echoed"
assert_eq 1 "$(count "$OLOG" '^POST /echo application/ocsp-request$')" \
  "Content-Type of the POST sent"

section "HTTP errors: 404 once, 503 tried 3 times"
out=$(probe --config "$CONF" http "$ORIGIN/status/404")
assert_match "$out" "^ERROR LTV_FETCH HTTP status 404" "404 is LTV_FETCH"
assert_eq 1 "$(count "$OLOG" '^GET /status/404 ')" "404 not retried"
out=$(probe --config "$CONF" http "$ORIGIN/status/503")
assert_match "$out" "^ERROR LTV_FETCH HTTP status 503" "503 is LTV_FETCH"
assert_eq 3 "$(count "$OLOG" '^GET /status/503 ')" "503 retried: 3 tries"
assert_contains "$(cat "$TEST_TMP/probe.err")" "try 3/3" "tries logged"
out=$(probe --config "$CONF" http "$ORIGIN/status/204")
assert_match "$out" "^ERROR LTV_FETCH HTTP status 204" "only 200 is an answer"

section "size caps"
out=$(probe --config "$CONF" http "$ORIGIN/big/65536")
assert_eq "OK 65536" "$out" "exactly the cap is read"
out=$(probe --config "$CONF" http "$ORIGIN/big/65537")
assert_match "$out" "^ERROR LIMIT " "one byte over the cap (no Content-Length): LIMIT"
assert_eq 1 "$(count "$OLOG" '^GET /big/65537 ')" "oversize not retried"
out=$(probe --config "$CONF" http "$ORIGIN/big/3000000" --max 1000)
assert_match "$out" "^ERROR LIMIT " "a big body stopped at --max"
out=$(probe --config "$CONF" http "$ORIGIN/big-cl/99999999")
assert_match "$out" "^ERROR LIMIT " "Content-Length over the cap refused early"

out=$(probe --config "$CONF" http "$ORIGIN/many-headers")
assert_match "$out" "^ERROR LIMIT headers" "80 KB of headers: LIMIT"

section "timeouts: tries with back-off"
start_s=$(date +%s%N)
out=$(probe --config "$CONF" http "$ORIGIN/slow/4")
elapsed_ms=$((($(date +%s%N) - start_s) / 1000000))
assert_match "$out" "^ERROR LTV_FETCH .*(timed out|Timeout)" "slow answer: timeout"
assert_eq 3 "$(count "$OLOG" '^GET /slow/4 ')" "timeout retried: 3 tries in the server log"
# 3 tries of 2 s, back-off 100 ms then 200 ms
assert_gt "$elapsed_ms" 6200 "tries and back-off took their time ($elapsed_ms ms)"
cat >"$TEST_TMP/one.conf" <<EOF
allow_loopback_urls = yes
timeout = 1
tries = 1
EOF
out=$(probe --config "$TEST_TMP/one.conf" http "$ORIGIN/slow/3")
assert_match "$out" "^ERROR LTV_FETCH " "tries = 1: one timeout"
assert_eq 1 "$(count "$OLOG" '^GET /slow/3 ')" "tries = 1: one request"
down=$(free_port)
out=$(probe --config "$CONF" http "http://127.0.0.1:$down/x")
assert_match "$out" "^ERROR LTV_FETCH " "nothing listening: LTV_FETCH"
assert_contains "$(cat "$TEST_TMP/probe.err")" "try 3/3" "connection refused retried"

section "redirects"
out=$(probe --config "$CONF" http "$ORIGIN/redirect/302?to=/ok")
assert_eq "OK 11" "$out" "302 to the same host followed"
out=$(probe --config "$CONF" http "$ORIGIN/redirect/308?to=$ORIGIN/echo" \
  --post "$TEST_TMP/req.bin" --type application/timestamp-query)
assert_eq "OK 13" "$out" "308 keeps the POST and its body"
before=$(count "$OLOG" '^GET /ok ')
out=$(probe --config "$CONF" http "$ORIGIN/redirect/303?to=/ok" \
  --post "$TEST_TMP/req.bin" --type application/timestamp-query)
assert_eq "OK 11" "$out" "303 turns into a GET"
assert_eq $((before + 1)) "$(count "$OLOG" '^GET /ok ')" "the 303 target fetched with GET"
LOCALHOST=http://localhost:$(cat "$TEST_TMP/origin.port")
before=$(wc -l <"$OLOG")
out=$(probe --config "$CONF" http "$ORIGIN/redirect/302?to=$LOCALHOST/ok")
assert_match "$out" "^ERROR LTV_URL redirect to another host" \
  "127.0.0.1 -> localhost refused"
assert_eq $((before + 1)) "$(wc -l <"$OLOG")" "the other host never contacted"
out=$(probe --config "$CONF" http "$ORIGIN/redirect/301?to=https://127.0.0.1:$(cat "$TEST_TMP/origin.port")/ok")
assert_match "$out" "^ERROR LTV_URL " "redirect to another scheme refused"
out=$(probe --config "$CONF" http "$ORIGIN/redirect/302?to=ftp://127.0.0.1/x")
assert_match "$out" "^ERROR LTV_URL " "redirect to ftp refused"
out=$(probe --config "$CONF" http "$ORIGIN/loop")
assert_match "$out" "^ERROR LTV_FETCH more than 3 redirects" "redirect loop stops"
assert_eq 4 "$(count "$OLOG" '^GET /loop ')" "at most 3 redirects followed"

section "the address guard"
cat >"$TEST_TMP/strict.conf" <<EOF
timeout = 2
tries = 2
retry_delay_ms = 10
EOF
before=$(wc -l <"$OLOG")
out=$(probe --config "$TEST_TMP/strict.conf" http "$ORIGIN/ok")
assert_match "$out" "^ERROR LTV_URL address 127.0.0.1 of 127.0.0.1 refused" \
  "loopback refused without allow_loopback_urls"
out=$(probe --config "$TEST_TMP/strict.conf" http "$LOCALHOST/ok")
assert_match "$out" "^ERROR LTV_URL address .* of localhost refused" \
  "a name resolving to loopback refused"
out=$(probe --config "$TEST_TMP/strict.conf" http "http://[::ffff:127.0.0.1]:$(cat "$TEST_TMP/origin.port")/ok")
assert_match "$out" "^ERROR LTV_URL " "IPv4-mapped loopback refused"
assert_eq "$before" "$(wc -l <"$OLOG")" "refused addresses never contacted"
assert_eq 0 "$(grep -c 'try 2/2' "$TEST_TMP/probe.err" || true)" "a refused address is not retried"
for url in "http://127.1:80/" "http://2130706433/" "http://user@127.0.0.1/" \
  "ftp://127.0.0.1/" "file:///etc/passwd" "http://10.0.0.1%2f/"; do
  out=$(probe --config "$CONF" http "$url")
  assert_match "$out" "^ERROR LTV_URL " "URL shape refused: $url"
done
out=$(probe --config "$TEST_TMP/strict.conf" http "http://169.254.169.254/latest/meta-data/")
assert_match "$out" "^ERROR LTV_URL " "link-local metadata address refused"

# allow_loopback_urls opens loopback only (issue 13 red team, F7)
out=$(probe --config "$CONF" http "http://169.254.169.254/latest/meta-data/")
assert_match "$out" "^ERROR LTV_URL address 169.254.169.254 " \
  "allow_loopback_urls: link-local metadata address still refused"
out=$(probe --config "$CONF" http "http://10.255.255.1:9/")
assert_match "$out" "^ERROR LTV_URL address 10.255.255.1 " \
  "allow_loopback_urls: private address still refused"
out=$(probe --config "$CONF" http "http://[64:ff9b:1::a00:1]:9/")
assert_match "$out" "^ERROR LTV_URL " "local-use NAT64 64:ff9b:1::/48 refused"

section "Transfer-Encoding: chunked only"
out=$(probe --config "$CONF" http "$ORIGIN/chunked/100")
assert_eq "OK 100" "$out" "plain chunked answer read"
out=$(/usr/bin/time -f "maxrss %M" "$PROBE" --config "$CONF" http "$ORIGIN/te-gzip/40000000" \
  --max 67108864 2>"$TEST_TMP/probe.err" || true)
cat "$TEST_TMP/probe.err" >>"$TEST_TMP/all-probe.err"
assert_match "$out" "^ERROR LTV_FETCH .*Transfer-Encoding other than chunked" \
  "Transfer-Encoding: gzip, chunked refused (40 MB from a few KB)"
assert_gt 60000 "$(sed -n 's/^maxrss //p' "$TEST_TMP/probe.err")" \
  "gzip Transfer-Encoding: not decoded into memory (max RSS under 60 MB)"

section "cancel hook and overall deadline"
rm -f "$TEST_TMP/cancel"
# a server of its own: its slow answer must not count in the origin's
# requests in flight (the parallel section)
start slowsrv origin --root "$TEST_TMP/www"
printf 'allow_loopback_urls = yes\ntimeout = 60\ntries = 1\n' >"$TEST_TMP/cancel.conf"
(sleep 1; touch "$TEST_TMP/cancel") &
out=$(probe --config "$TEST_TMP/cancel.conf" --cancel-file "$TEST_TMP/cancel" \
  http "http://127.0.0.1:$(cat "$TEST_TMP/slowsrv.port")/slow/30")
wait $!
assert_eq "ERROR LTV_FETCH cancelled" "$out" "cancelled while the answer is awaited"
rm -f "$TEST_TMP/cancel"
printf 'allow_loopback_urls = yes\ntimeout = 5\ntries = 3\nretry_delay_ms = 60000\n' >"$TEST_TMP/cancel2.conf"
(sleep 1; touch "$TEST_TMP/cancel") &
out=$(probe --config "$TEST_TMP/cancel2.conf" --cancel-file "$TEST_TMP/cancel" http "$ORIGIN/status/503")
wait $!
assert_eq "ERROR LTV_FETCH cancelled" "$out" "cancelled during the back-off between tries"
assert_contains "$(cat "$TEST_TMP/probe.err")" "try 1/3" "the first try was made"
assert_not_contains "$(cat "$TEST_TMP/probe.err")" "try 2/3" "no second try after the cancel"
rm -f "$TEST_TMP/cancel"
printf 'allow_loopback_urls = yes\ntimeout = 5\ntries = 5\nretry_delay_ms = 2000\ndeadline = 1\n' \
  >"$TEST_TMP/deadline.conf"
out=$(probe --config "$TEST_TMP/deadline.conf" http "$ORIGIN/status/503")
assert_eq "ERROR LTV_FETCH deadline of 1 s passed" "$out" \
  "deadline: the back-offs (2+4+8+16 s) stop at the call's deadline"
assert_not_contains "$(cat "$TEST_TMP/probe.err")" "try 2/5" "deadline: no second try"
printf 'deadline = -1\n' >"$TEST_TMP/deadline-bad.conf"
out=$(probe --config "$TEST_TMP/deadline-bad.conf" http "$ORIGIN/ok")
assert_match "$out" "^ERROR ARGUMENT " "deadline: a negative value refused"

section "rewrite table"
cat >"$TEST_TMP/rewrite.conf" <<EOF
allow_loopback_urls = yes
timeout = 2
tries = 1
rewrite = ocsp.ca.example 127.0.0.1
EOF
out=$(probe --config "$TEST_TMP/rewrite.conf" http "http://OCSP.CA.example:$(cat "$TEST_TMP/origin.port")/ok")
assert_eq "OK 11" "$out" "host rewritten before the request"
assert_contains "$(cat "$TEST_TMP/probe.err")" "GET $ORIGIN/ok" "log shows the rewritten URL"

section "proxy"
start proxy proxy
PROXY=http://127.0.0.1:$(cat "$TEST_TMP/proxy.port")
PLOG=$TEST_TMP/proxy.log
out=$(http_proxy=$PROXY probe --config "$CONF" http "$ORIGIN/ok")
assert_eq "OK 11" "$out" "through the proxy"
assert_eq 1 "$(count "$PLOG" "^PROXY GET $ORIGIN/ok\$")" "http_proxy used: the proxy logged it"
out=$(http_proxy=$PROXY no_proxy=127.0.0.1 probe --config "$CONF" http "$ORIGIN/ok")
assert_eq "OK 11" "$out" "no_proxy: direct"
assert_eq 1 "$(count "$PLOG" "^PROXY GET $ORIGIN/ok\$")" "no_proxy: the proxy not used"
out=$(HTTP_PROXY=$PROXY probe --config "$CONF" http "$ORIGIN/ok")
assert_eq 1 "$(count "$PLOG" "^PROXY GET $ORIGIN/ok\$")" "HTTP_PROXY (upper case) ignored for http, as libcurl does"
before=$(wc -l <"$PLOG")
out=$(http_proxy=$PROXY probe --config "$TEST_TMP/strict.conf" http "$ORIGIN/ok")
assert_match "$out" "^ERROR LTV_URL address of 127.0.0.1 refused" \
  "through a proxy, the target's own address is checked"
out=$(http_proxy=$PROXY probe --config "$TEST_TMP/strict.conf" http "$LOCALHOST/ok")
assert_match "$out" "^ERROR LTV_URL address of localhost refused" \
  "through a proxy, a name resolving to loopback refused"
assert_eq "$before" "$(wc -l <"$PLOG")" "refused targets never reach the proxy"
out=$(http_proxy=$PROXY probe --config "$CONF" http "$ORIGIN/redirect/302?to=$LOCALHOST/ok")
assert_match "$out" "^ERROR LTV_URL redirect to another host" "proxy: cross-host redirect refused"

section "https: the server certificate is verified"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TEST_TMP/tls.key" \
  -out "$TEST_TMP/tls.pem" -days 2 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
  2>/dev/null
start tls origin --root "$TEST_TMP/www" --tls "$TEST_TMP/tls.pem" "$TEST_TMP/tls.key"
TLS_ORIGIN=https://127.0.0.1:$(cat "$TEST_TMP/tls.port")
out=$(probe --config "$CONF" http "$TLS_ORIGIN/ok")
assert_match "$out" "^ERROR LTV_FETCH .*(certificate|SSL)" "self-signed https server refused"
assert_eq 0 "$(grep -c 'try 2/3' "$TEST_TMP/probe.err" || true)" "a certificate failure is not retried"
assert_eq 0 "$(count "$TEST_TMP/tls.log" '^GET /ok')" "no request sent over the unverified connection"
out=$(https_proxy=$PROXY probe --config "$CONF" http "$TLS_ORIGIN/ok")
assert_match "$out" "^ERROR LTV_FETCH " "https through a proxy refusing CONNECT"
assert_gt "$(count "$PLOG" "^PROXY CONNECT 127.0.0.1:$(cat "$TEST_TMP/tls.port")\$")" 0 \
  "https_proxy honoured: CONNECT through the proxy"

# ---- a PKI for revocation and timestamps ------------------------------------

section "PKI"
PKI=$TEST_TMP/pki
mkdir -p "$PKI"
OCSP_PORT=$(free_port)
OCSP_URL=http://127.0.0.1:$OCSP_PORT
cd "$PKI"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout ca.key -out ca.pem -days 30 -subj "/CN=Fetch Test CA" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl x509 -in ca.pem -outform DER -out "$TEST_TMP/www/files/ca.cer"
openssl crl2pkcs7 -nocrl -certfile ca.pem -outform DER -out "$TEST_TMP/www/files/ca.p7c"
# leaf NAME EXT: a certificate under the CA with extensions EXT
leaf() {
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" \
    -out "$1.csr" -subj "/CN=$1" 2>/dev/null
  printf '%b\n' "$2" >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
    -days 10 -out "$1.pem" -extfile "$1.ext" 2>/dev/null
}
# CRL leaves: OCSP responder answering 404, caIssuers as PKCS#7 / DER
leaf crlgood "basicConstraints=CA:FALSE\nauthorityInfoAccess=OCSP;URI:$ORIGIN/status/404,caIssuers;URI:$ORIGIN/files/ca.p7c\ncrlDistributionPoints=URI:$ORIGIN/files/ca.crl"
leaf crlbad "basicConstraints=CA:FALSE\nauthorityInfoAccess=caIssuers;URI:$ORIGIN/files/ca.cer\ncrlDistributionPoints=URI:$ORIGIN/files/ca.crl"
leaf ocspgood "basicConstraints=CA:FALSE\nauthorityInfoAccess=OCSP;URI:$OCSP_URL/\ncrlDistributionPoints=URI:$ORIGIN/files/none.crl"
leaf ocsprev "basicConstraints=CA:FALSE\nauthorityInfoAccess=OCSP;URI:$OCSP_URL/"
OCSP2_PORT=$(free_port)
leaf ocspnonext "basicConstraints=CA:FALSE\nauthorityInfoAccess=OCSP;URI:http://127.0.0.1:$OCSP2_PORT/"
leaf nourl "basicConstraints=CA:FALSE"
leaf wrongissuer "basicConstraints=CA:FALSE\nauthorityInfoAccess=caIssuers;URI:$ORIGIN/files/other.cer\ncrlDistributionPoints=URI:$ORIGIN/files/ca.crl"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout other.key -out other.pem -days 30 -subj "/CN=Fetch Test CA" 2>/dev/null
openssl x509 -in other.pem -outform DER -out "$TEST_TMP/www/files/other.cer"
# the CA database: crlbad and ocsprev revoked
: >index.txt
echo 1000 >crlnumber
cat >ca.cnf <<EOF
[ ca ]
default_ca = the_ca
[ the_ca ]
database = $PKI/index.txt
crlnumber = $PKI/crlnumber
certificate = $PKI/ca.pem
private_key = $PKI/ca.key
default_md = sha256
default_crl_days = 2
EOF
entry() { # STATUS CERT [REVTIME]
  local serial end
  serial=$(openssl x509 -in "$2" -noout -serial | cut -d= -f2)
  end=$(date -u -d "$(openssl x509 -in "$2" -noout -enddate | cut -d= -f2)" +%y%m%d%H%M%SZ)
  printf '%s\t%s\t%s\t%s\tunknown\t%s\n' "$1" "$end" "${3:-}" "$serial" "/CN=$(basename "$2" .pem)" >>index.txt
}
entry V crlgood.pem
entry R crlbad.pem "$(date -u -d '-1 hour' +%y%m%d%H%M%SZ)"
entry V ocspgood.pem
entry R ocsprev.pem "$(date -u -d '-1 hour' +%y%m%d%H%M%SZ)"
openssl ca -config ca.cnf -gencrl -out ca.crl.pem 2>/dev/null
openssl crl -in ca.crl.pem -outform DER -out "$TEST_TMP/www/files/ca.crl"
openssl ocsp -index index.txt -port "$OCSP_PORT" -rsigner ca.pem -rkey ca.key \
  -CA ca.pem -ndays 1 -ignore_err >"$TEST_TMP/ocsp.log" 2>&1 &
PIDS[ocsp]=$!
# a responder giving no nextUpdate (no -ndays): its answers are not cached
entry V ocspnonext.pem
openssl ocsp -index index.txt -port "$OCSP2_PORT" -rsigner ca.pem -rkey ca.key \
  -CA ca.pem -ignore_err >"$TEST_TMP/ocsp2.log" 2>&1 &
PIDS[ocsp2]=$!
for i in $(seq 50); do
  grep -q "Waiting for OCSP" "$TEST_TMP/ocsp2.log" 2>/dev/null && break
  sleep 0.1
done
for i in $(seq 50); do
  grep -q "Waiting for OCSP" "$TEST_TMP/ocsp.log" 2>/dev/null && break
  sleep 0.1
done
cd "$TEST_TMP"

section "revocation: CRL (issuer through caIssuers), cache"
CACHE=$TEST_TMP/cache
out=$(probe --config "$CONF" --cache "$CACHE" revocation "$PKI/crlgood.pem" \
  "$PKI/crlbad.pem" --out-dir "$TEST_TMP")
assert_match "$out" "cert 0: CRL GOOD cache=0 index=0 issuer_fetched=1 error=OK" \
  "good certificate: CRL after the OCSP 404, issuer from a PKCS#7 caIssuers"
assert_match "$out" "cert 1: CRL REVOKED cache=0 index=0 issuer_fetched=1 error=OK" \
  "revoked certificate: the same CRL, issuer from a DER caIssuers"
assert_match "$out" "ocsps=0 crls=1" "one CRL kept for both"
assert_eq 1 "$(count "$OLOG" '^GET /files/ca.crl ')" "the CRL fetched once for both"
assert_same_bytes "$TEST_TMP/www/files/ca.crl" "$TEST_TMP/crl-0.der" "the CRL as served"
assert_same_bytes "$TEST_TMP/www/files/ca.cer" "$TEST_TMP/issuer-0.der" "issuer from PKCS#7"
assert_eq 700 "$(stat -c %a "$CACHE")" "cache directory 0700"
crlfile=$(ls "$CACHE"/crl-*.der)
assert_eq 600 "$(stat -c %a "$crlfile")" "cache file 0600"
assert_same_bytes "$TEST_TMP/www/files/ca.crl" "$crlfile" "the cache holds the DER"
out=$(probe --config "$CONF" --cache "$CACHE" revocation "$PKI/crlgood.pem")
assert_match "$out" "cert 0: CRL GOOD cache=1 " "second run: from the cache"
assert_eq 1 "$(count "$OLOG" '^GET /files/ca.crl ')" "second run: no CRL request"
assert_contains "$(cat "$TEST_TMP/probe.err")" "cache hit: CRL" "cache hit logged"
# a corrupted cache file is ignored and replaced
printf 'garbage' >"$crlfile"
out=$(probe --config "$CONF" --cache "$CACHE" revocation "$PKI/crlgood.pem")
assert_match "$out" "cert 0: CRL GOOD cache=0 " "corrupted cache: fetched again"
assert_eq 2 "$(count "$OLOG" '^GET /files/ca.crl ')" "corrupted cache: one new request"
assert_same_bytes "$TEST_TMP/www/files/ca.crl" "$crlfile" "corrupted cache file replaced"
# past nextUpdate (2 days): the cache is not used
out=$(probe --config "$CONF" --cache "$CACHE" --now $(($(date +%s) + 3 * 86400)) \
  revocation "$PKI/crlgood.pem")
assert_match "$out" "cert 0: NONE - cache=0 .*error=LTV_STALE" \
  "three days later: the cached and the served CRL are both stale"
assert_eq 3 "$(count "$OLOG" '^GET /files/ca.crl ')" "stale cache: fetched again"

section "revocation: OCSP"
out=$(probe --config "$CONF" --cache "$CACHE" revocation "$PKI/ocspgood.pem:$PKI/ca.pem" \
  "$PKI/ocsprev.pem:$PKI/ca.pem" --out-dir "$TEST_TMP")
assert_match "$out" "cert 0: OCSP GOOD cache=0 index=0 issuer_fetched=0 error=OK" "OCSP good"
assert_match "$out" "cert 1: OCSP REVOKED cache=0 index=1 issuer_fetched=0 error=OK" "OCSP revoked"
assert_match "$out" "ocsps=2 crls=0" "two OCSP responses"
assert_true "openssl verifies the kept OCSP response" \
  openssl ocsp -respin "$TEST_TMP/ocsp-0.der" -issuer "$PKI/ca.pem" -cert "$PKI/ocspgood.pem" \
  -CAfile "$PKI/ca.pem" -no_nonce
assert_eq 0 "$(count "$OLOG" '^GET /files/none.crl')" "OCSP answered: no CRL fetched"
out=$(probe --config "$CONF" --cache "$CACHE" revocation "$PKI/ocspgood.pem:$PKI/ca.pem")
assert_match "$out" "cert 0: OCSP GOOD cache=1 " "OCSP from the cache"
assert_contains "$(cat "$TEST_TMP/probe.err")" "cache hit: OCSP" "OCSP cache hit logged"
assert_eq 0 "$(grep -c "POST $OCSP_URL" "$TEST_TMP/probe.err" || true)" "no OCSP request on a hit"
out=$(probe --config "$CONF" revocation "$PKI/nourl.pem:$PKI/ca.pem" "$PKI/wrongissuer.pem")
assert_match "$out" "cert 0: NONE - .*error=LTV_FETCH .*no OCSP responder and no CRL" \
  "no URLs: nothing found, said so"
assert_match "$out" "cert 1: NONE - .*issuer_fetched=0 error=LTV_SCOPE" \
  "caIssuers with a certificate that did not issue it: refused"
out=$(probe --config "$TEST_TMP/strict.conf" revocation "$PKI/crlgood.pem")
assert_match "$out" "cert 0: NONE - .*error=LTV_URL" "revocation URLs under the address guard too"

ocsp_files=$(ls "$CACHE"/ocsp-*.der | wc -l)
out=$(probe --config "$CONF" --cache "$CACHE" revocation "$PKI/ocspnonext.pem:$PKI/ca.pem")
assert_match "$out" "cert 0: OCSP GOOD cache=0 " "an answer without nextUpdate is used"
assert_eq "$ocsp_files" "$(ls "$CACHE"/ocsp-*.der | wc -l)" "an answer without nextUpdate is not cached"
out=$(probe --config "$CONF" --cache "$CACHE" revocation "$PKI/ocspnonext.pem:$PKI/ca.pem")
assert_match "$out" "cert 0: OCSP GOOD cache=0 " "asked again: no cache"
out=$(probe --config "$CONF" --cache "$CACHE" --now $(($(date +%s) + 2 * 86400)) \
  revocation "$PKI/ocspgood.pem:$PKI/ca.pem")
assert_match "$out" "cert 0: NONE - cache=0 .*error=LTV_FETCH url=$ORIGIN/files/none.crl" \
  "two days later: the cached OCSP answer is not used, the fresh one is stale then, the CRL is missing (the last error)"
assert_contains "$(cat "$TEST_TMP/probe.err")" "POST $OCSP_URL/ -> HTTP 200" \
  "past nextUpdate: the responder asked again"
mkdir -m 0777 "$TEST_TMP/opencache"
chmod 0777 "$TEST_TMP/opencache"
out=$(probe --config "$CONF" --cache "$TEST_TMP/opencache" revocation "$PKI/ocspgood.pem:$PKI/ca.pem")
assert_match "$out" "cert 0: OCSP GOOD cache=0 " "a world-writable cache directory: still fetched"
assert_eq 0 "$(ls "$TEST_TMP/opencache" | wc -l)" "a world-writable cache directory is not written"
assert_contains "$(cat "$TEST_TMP/probe.err")" "unusable" "and the log says so"


section "revocation cache: only our own files are read (F5)"
# a genuine, fresh CRL written by the cache itself, then planted elsewhere
probe --config "$CONF" --cache "$TEST_TMP/seedcache" revocation "$PKI/crlgood.pem" >/dev/null
crlfile=$(ls "$TEST_TMP"/seedcache/crl-*.der)
# a planted, genuine CRL in a world-writable directory, file 0666
cp "$crlfile" "$TEST_TMP/opencache/"
chmod 0666 "$TEST_TMP/opencache/$(basename "$crlfile")"
out=$(probe --config "$CONF" --cache "$TEST_TMP/opencache" revocation "$PKI/crlgood.pem")
assert_match "$out" "cert 0: CRL GOOD cache=0 " "a world-writable cache directory is not read"
assert_contains "$(cat "$TEST_TMP/probe.err")" "writable by others, not read" "and the log says so"
mkdir -m 0700 "$TEST_TMP/owncache"
cp "$crlfile" "$TEST_TMP/owncache/"
chmod 0644 "$TEST_TMP/owncache/$(basename "$crlfile")"
out=$(probe --config "$CONF" --cache "$TEST_TMP/owncache" revocation "$PKI/crlgood.pem")
assert_match "$out" "cert 0: CRL GOOD cache=0 " "a cache file readable by others (0644) is ignored"
assert_contains "$(cat "$TEST_TMP/probe.err")" "not a regular 0600 file of ours" "logged"
chmod 0600 "$TEST_TMP/owncache/$(basename "$crlfile")"
out=$(probe --config "$CONF" --cache "$TEST_TMP/owncache" revocation "$PKI/crlgood.pem")
assert_match "$out" "cert 0: CRL GOOD cache=1 " "the same file 0600 in a 0700 directory is used"
ln -s "$TEST_TMP/owncache" "$TEST_TMP/linkcache"
out=$(probe --config "$CONF" --cache "$TEST_TMP/linkcache" revocation "$PKI/crlgood.pem")
assert_match "$out" "cert 0: CRL GOOD cache=0 " "a cache directory that is a symlink is not read"
mkdir -m 0700 "$TEST_TMP/linkfile"
ln -s "$TEST_TMP/owncache/$(basename "$crlfile")" "$TEST_TMP/linkfile/$(basename "$crlfile")"
out=$(probe --config "$CONF" --cache "$TEST_TMP/linkfile" revocation "$PKI/crlgood.pem")
assert_match "$out" "cert 0: CRL GOOD cache=0 " "a cache file that is a symlink is not read"

section "revocation: CRL bodies bounded per call (F1)"
cd "$PKI"
# 8 distribution points, each 16 MB of junk: judged bad, each freed at once
dps=""
for n in 1 2 3 4 5 6 7 8; do dps="$dps${dps:+,}URI:$ORIGIN/big/16000000?n=$n"; done
leaf junkcrl "basicConstraints=CA:FALSE\ncrlDistributionPoints=$dps"
# 5 certificates x 8 distribution points: 40 distinct CRL URLs
for c in 1 2 3 4 5; do
  dps=""
  for n in 1 2 3 4 5 6 7 8; do dps="$dps${dps:+,}URI:$ORIGIN/status/404?c=$c&n=$n"; done
  leaf "manycrl$c" "basicConstraints=CA:FALSE\ncrlDistributionPoints=$dps"
done
cd "$TEST_TMP"
printf 'allow_loopback_urls = yes\ntimeout = 10\ntries = 1\nparallel = 1\n' >"$TEST_TMP/one.conf"
out=$(ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0" \
  /usr/bin/time -f "maxrss %M" "$PROBE" --config "$TEST_TMP/one.conf" \
  revocation "$PKI/junkcrl.pem:$PKI/ca.pem" 2>"$TEST_TMP/probe.err" || true)
cat "$TEST_TMP/probe.err" >>"$TEST_TMP/all-probe.err"
assert_match "$out" "cert 0: NONE - .*error=LTV_RESPONSE" "8 junk CRLs: none usable"
assert_eq 8 "$(count "$OLOG" '^GET /big/16000000\?n=')" "8 junk CRLs: all 8 fetched"
assert_gt 90000 "$(sed -n 's/^maxrss //p' "$TEST_TMP/probe.err")" \
  "8 x 16 MB junk CRLs: a failed body is freed at once (max RSS under 90 MB, not 128 MB+)"
before=$(count "$OLOG" '^GET /status/404\?c=')
out=$(probe --config "$TEST_TMP/one.conf" revocation "$PKI/manycrl1.pem:$PKI/ca.pem" \
  "$PKI/manycrl2.pem:$PKI/ca.pem" "$PKI/manycrl3.pem:$PKI/ca.pem" \
  "$PKI/manycrl4.pem:$PKI/ca.pem" "$PKI/manycrl5.pem:$PKI/ca.pem")
assert_eq 32 "$(($(count "$OLOG" '^GET /status/404\?c=') - before))" \
  "40 distinct CRL URLs in one call: 32 fetched"
assert_match "$out" "cert 4: NONE - .*error=LIMIT .*more than 32 CRL URLs" \
  "the certificate past the cap says why"

section "revocation: parallel requests, at most config.parallel at once"
cd "$PKI"
for n in 1 2 3 4; do
  leaf "slow$n" "basicConstraints=CA:FALSE\nauthorityInfoAccess=OCSP;URI:$ORIGIN/slow/2?n=$n"
done
cd "$TEST_TMP"
# run_parallel PARALLEL: the 4 certificates (each OCSP answer takes 2 s and
# is then refused as not OCSP); prints the most requests the server had in
# flight at once; the probe's output in par.out, the milliseconds in par.ms
run_parallel() {
  printf 'allow_loopback_urls = yes\ntimeout = 5\ntries = 1\nparallel = %s\n' "$1" \
    >"$TEST_TMP/par.conf"
  local t0 t1
  cp "$OLOG" "$OLOG.before"
  t0=$(date +%s%N)
  probe --config "$TEST_TMP/par.conf" revocation "$PKI/slow1.pem:$PKI/ca.pem" \
    "$PKI/slow2.pem:$PKI/ca.pem" "$PKI/slow3.pem:$PKI/ca.pem" "$PKI/slow4.pem:$PKI/ca.pem" \
    >"$TEST_TMP/par.out"
  t1=$(date +%s%N)
  echo $(((t1 - t0) / 1000000)) >"$TEST_TMP/par.ms"
  tail -n +$(($(wc -l <"$OLOG.before") + 1)) "$OLOG" | sed -n 's/^INFLIGHT //p' | sort -n | tail -1
}
assert_eq 4 "$(run_parallel 4)" "parallel 4: 4 requests in flight at once"
out=$(cat "$TEST_TMP/par.out")
assert_eq 4 "$(grep -c "error=LTV_RESPONSE" <<<"$out" || true)" "parallel 4: every certificate answered (and judged)"
assert_eq 2 "$(run_parallel 2)" "parallel 2: never more than 2 at once"
assert_gt "$(cat "$TEST_TMP/par.ms")" 3900 "parallel 2: two rounds"
assert_eq 1 "$(run_parallel 1)" "parallel 1: one at a time"
assert_gt "$(cat "$TEST_TMP/par.ms")" 7900 "parallel 1: four rounds"
out=$(cat "$TEST_TMP/par.out")
assert_match "$out" "cert 3: NONE - cache=0 index=0 issuer_fetched=0 error=LTV_RESPONSE url=$ORIGIN/slow/2\\?n=4 " \
  "statuses in certificate order"

section "revocation: the call's deadline"
printf 'allow_loopback_urls = yes\ntimeout = 5\ntries = 1\nparallel = 1\ndeadline = 1\n' \
  >"$TEST_TMP/rdeadline.conf"
out=$(probe --config "$TEST_TMP/rdeadline.conf" revocation "$PKI/slow1.pem:$PKI/ca.pem" \
  "$PKI/slow2.pem:$PKI/ca.pem" "$PKI/slow3.pem:$PKI/ca.pem")
assert_match "$out" "^ERROR LTV_FETCH deadline of 1 s passed" \
  "three 2 s answers under a 1 s deadline: the call stops, no partial result"

section "timestamp"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$PKI/tsa.key" \
  -out "$PKI/tsa.csr" -subj "/CN=Fetch Test TSA" 2>/dev/null
printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=critical,timeStamping\n' >"$PKI/tsa.ext"
openssl x509 -req -in "$PKI/tsa.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" -CAcreateserial \
  -days 10 -out "$PKI/tsa.pem" -extfile "$PKI/tsa.ext" 2>/dev/null
echo 01 >"$PKI/tsa.serial"
cat >"$TEST_TMP/www/tsa.cnf" <<EOF
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
serial = $PKI/tsa.serial
crypto_device = builtin
signer_cert = $PKI/tsa.pem
certs = $PKI/ca.pem
signer_key = $PKI/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
EOF
printf 'document bytes' >"$TEST_TMP/doc.bin"
out=$(probe --config "$CONF" timestamp --url "$ORIGIN/tsa" --anchor "$PKI/ca.pem" \
  --data "$TEST_TMP/doc.bin" --out "$TEST_TMP/token.der")
assert_match "$out" "^OK gen_time=[0-9]+ bytes=[0-9]+" "timestamp granted and judged"
assert_true "openssl ts -verify accepts the token" \
  openssl ts -verify -data "$TEST_TMP/doc.bin" -in "$TEST_TMP/token.der" -token_in \
  -CAfile "$PKI/ca.pem"
assert_eq 1 "$(count "$OLOG" '^POST /tsa application/timestamp-query$')" \
  "POSTed as application/timestamp-query"
out=$(probe --config "$CONF" timestamp --url "$ORIGIN/tsa-type/application%2Ftimestamp-response" \
  --anchor "$PKI/ca.pem" --data "$TEST_TMP/doc.bin")
assert_match "$out" "^OK " "application/timestamp-response accepted (judged by the bytes)"
out=$(probe --config "$CONF" timestamp --url "$ORIGIN/tsa-type/text%2Fhtml" \
  --anchor "$PKI/ca.pem" --data "$TEST_TMP/doc.bin")
assert_match "$out" "^ERROR LTV_FETCH .*text/html" "a text answer refused"
out=$(probe --config "$CONF" timestamp --url "$ORIGIN/tsa" --anchor "$PKI/other.pem" \
  --data "$TEST_TMP/doc.bin")
assert_match "$out" "^ERROR LTV_SIGNATURE " "a TSA outside the anchors refused"
out=$(probe --config "$CONF" timestamp --url "$ORIGIN/ok" --anchor "$PKI/ca.pem" \
  --data "$TEST_TMP/doc.bin")
assert_match "$out" "^ERROR LTV_RESPONSE " "not a TimeStampResp"
out=$(probe --config "$TEST_TMP/strict.conf" timestamp --url "$ORIGIN/tsa" \
  --anchor "$PKI/ca.pem" --data "$TEST_TMP/doc.bin")
assert_match "$out" "^ERROR LTV_URL " "TSA URL under the guard"

section "sanitizers"
assert_eq 0 "$(count "$TEST_TMP/all-probe.err" 'AddressSanitizer|LeakSanitizer|ThreadSanitizer|runtime error')" \
  "no sanitizer report from any probe run"

test_summary
