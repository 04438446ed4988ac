#!/usr/bin/env bash
# integration.ltv_time_rules: how the verifier judges revocation over time
# (issue 13, red-team findings F1-F5 kept as the scenarios). A test PKI
# back-dated with faketime (root 2024, leaf serial 1234, TSA serial 77),
# answers made by `openssl ocsp -index` and `openssl ca -gencrl`, tokens by
# `openssl ts -reply` under faketime; validation at a fixed --at.
#
#   F1   a 2025 "good" OCSP answer without nextUpdate (openssl's default)
#        for a signature timestamped 2026-12-07: not evidence
#        (revocation_data_invalid); one made after the timestamp: VALID
#   F1b  `kyso verify --online` against a responder replaying that answer:
#        refused as stale at fetch time, never "not revoked (fetched)"
#   F2   B-B, claimed time back-dated to 2025-01-01 with the CRL current
#        then: INDETERMINATE (judged at the validation time); a CRL current
#        at the validation time: VALID
#   F3   the TSA certificate revoked (keyCompromise) before genTime, token
#        back-dated: timestamp_tsa_revoked; revoked after genTime for
#        keyCompromise: still refused; for superseded after genTime: ok
#   F4   CRL entry revoked 2026-09-01 with invalidityDate 2025-06-01
#        (keyCompromise), token 2026-06-01: revoked (FAILED)
#   F5   claimed time 189 days after genTime: timestamp_before_signing_time
#        (INDETERMINATE); 7 h after: the UTC+7 note, passed
. "$(dirname "${BASH_SOURCE[0]}")/../lib/setup.sh"
kyso_require
require_cmd openssl faketime node python3
W=$(fresh_dir timerules)
P=$W/pki
mkdir -p "$P"
AT=2026-12-07T12:00:00Z
FT=(faketime -f)

# ---- the PKI -----------------------------------------------------------------
cat >"$P/ca.cnf" <<'EOF'
[req]
distinguished_name=dn
prompt=no
[dn]
CN=Time rules root (test)
[v3_ca]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
[v3_leaf]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,nonRepudiation
authorityKeyIdentifier=keyid
[v3_leaf_aia]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,nonRepudiation
authorityKeyIdentifier=keyid
authorityInfoAccess=OCSP;URI:${ENV::OCSP_URL}
[v3_tsa]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=critical,timeStamping
[ca]
default_ca=myca
[myca]
dir=.
database=${ENV::CA_DB}
new_certs_dir=.
crlnumber=${ENV::CA_DB}.num
default_md=sha256
policy=p
[p]
commonName=supplied
EOF
export CA_DB=$P/index.txt OCSP_URL=http://127.0.0.1:9/
: >"$CA_DB"
(
  cd "$P"
  openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out root.key
  "${FT[@]}" '@2024-06-01 00:00:00' openssl req -x509 -new -key root.key -config ca.cnf \
    -extensions v3_ca -days 7300 -out root.pem
  for n in leaf tsa; do
    openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out $n.key
    openssl req -new -key $n.key -subj "/CN=TR $n" -config ca.cnf -out $n.csr
  done
  "${FT[@]}" '@2024-06-01 00:00:00' openssl x509 -req -in leaf.csr -CA root.pem -CAkey root.key \
    -set_serial 0x1234 -days 3650 -extfile ca.cnf -extensions v3_leaf -out leaf.pem
  "${FT[@]}" '@2024-06-01 00:00:00' openssl x509 -req -in tsa.csr -CA root.pem -CAkey root.key \
    -set_serial 0x77 -days 3650 -extfile ca.cnf -extensions v3_tsa -out tsa.pem
  openssl pkcs12 -export -inkey leaf.key -in leaf.pem -certfile root.pem -passout pass:x -out leaf.p12
  cat >tsa.cnf <<'EOF'
[tsa]
default_tsa=t
[t]
serial=tsaserial
signer_cert=tsa.pem
signer_key=tsa.key
certs=root.pem
signer_digest=sha256
default_policy=1.2.3.4.1
digests=sha256,sha384,sha512
accuracy=secs:1
ess_cert_id_chain=no
ess_cert_id_alg=sha256
EOF
  echo 01 >tsaserial
) >/dev/null 2>&1
printf x >"$W/pin"
EXP=$(openssl x509 -in "$P/leaf.pem" -noout -enddate | sed 's/notAfter=//' |
  xargs -I{} date -u -d "{}" +%y%m%d%H%M%SZ)

# index_line SERIAL CN [REVOCATION]: one line of an `openssl ca` database.
index_line() {
  if [ -n "${3:-}" ]; then
    printf 'R\t%s\t%s\t%s\tunknown\t/CN=%s\n' "$EXP" "$3" "$1" "$2"
  else
    printf 'V\t%s\t\t%s\tunknown\t/CN=%s\n' "$EXP" "$1" "$2"
  fi
}

# make_crl NAME WHEN DAYS [INDEX LINES...]: $W/NAME.crl (DER) issued at WHEN.
make_crl() {
  local name=$1 when=$2 days=$3
  shift 3
  export CA_DB=$W/$name.idx
  printf '%s\n' "$@" >"$CA_DB"
  echo 01 >"$CA_DB.num"
  (cd "$P" && "${FT[@]}" "@$when" openssl ca -config ca.cnf -gencrl -keyfile root.key \
    -cert root.pem -crldays "$days" -out "$W/$name.crl.pem") >/dev/null 2>&1
  openssl crl -in "$W/$name.crl.pem" -outform DER -out "$W/$name.crl"
}

# make_ocsp_good NAME WHEN [ARGS...]: $W/NAME.der, a "good" answer for the
# leaf made at WHEN (no nextUpdate unless ARGS give -ndays).
make_ocsp_good() {
  local name=$1 when=$2
  shift 2
  export CA_DB=$W/ocsp.idx
  index_line 1234 "TR leaf" >"$CA_DB"
  openssl ocsp -issuer "$P/root.pem" -cert "$P/leaf.pem" -no_nonce -reqout "$W/req.der" 2>/dev/null
  "${FT[@]}" "@$when" openssl ocsp -index "$CA_DB" -rsigner "$P/root.pem" -rkey "$P/root.key" \
    -CA "$P/root.pem" -reqin "$W/req.der" -respout "$W/$name.der" "$@" >/dev/null 2>&1
}

# sign_at OUT CLAIMED [GENTIME]: signs with the leaf; a timestamp made by
# the TSA with its clock at GENTIME when given.
sign_at() {
  local out=$1 claimed=$2 gen=${3:-}
  if [ -n "$gen" ]; then
    kyso_run sign --in "$FX/minimal.pdf" --out "$out" --p12 "$P/leaf.p12" --pin-file "$W/pin" \
      --time "$claimed" \
      --tsa-command "cd '$P' && faketime -f '@$gen' openssl ts -reply -config tsa.cnf -queryfile /dev/stdin -out /dev/stdout 2>/dev/null"
  else
    kyso_run sign --in "$FX/minimal.pdf" --out "$out" --p12 "$P/leaf.p12" --pin-file "$W/pin" \
      --time "$claimed"
  fi
  assert_success "sign $(basename "$out")"
}

# dss OUT IN ARGS...: kyso dss.
dss() {
  local out=$1 in=$2
  shift 2
  kyso_run dss --in "$in" --out "$out" "$@"
  assert_success "dss $(basename "$out")"
}

verify_tr() {
  kyso_verify "$1" --trust "$P/root.pem" --at "$AT" "${@:2}"
  assert_report_json "$(basename "$1")"
}

FX=$(fixtures_dir)

# ---- F1: an old "good" answer without nextUpdate ---------------------------
section "F1 stale OCSP without nextUpdate"
make_ocsp_good good2025 '2025-01-01 00:00:00'
make_ocsp_good goodlater '2026-12-07 11:30:00'
sign_at "$W/f1.pdf" 2026-12-07T11:00:00Z '2026-12-07 11:00:00'
dss "$W/f1-old.pdf" "$W/f1.pdf" --ocsp "$W/good2025.der"
verify_tr "$W/f1-old.pdf"
assert_check Signature1 revocation indeterminate revocation_data_invalid "F1 2025 OCSP without nextUpdate"
assert_contains "$(report_get "S(0).checks.revocation.detail")" \
  "OCSP response without nextUpdate issued before the signing time" "F1 detail"
assert_ne TOTAL_PASSED "$(report_get "S(0).indication")" "F1 not VALID"
dss "$W/f1-new.pdf" "$W/f1.pdf" --ocsp "$W/goodlater.der"
verify_tr "$W/f1-new.pdf"
assert_all_passed 1 "F1 control: OCSP without nextUpdate made after the timestamp"
# RFC 5280 current CRL: a CRL current at genTime counts (variant B, the
# accepted residual risk), as does one issued after it.
make_crl dec1 '2026-12-01 00:00:00' 30 "$(index_line 1234 "TR leaf")"
dss "$W/f1-crl.pdf" "$W/f1.pdf" --crl "$W/dec1.crl"
verify_tr "$W/f1-crl.pdf"
assert_all_passed 1 "F1 control: CRL current at the timestamp"
make_crl jan2025 '2025-01-01 00:00:00' 30 "$(index_line 1234 "TR leaf")"
dss "$W/f1-crl-old.pdf" "$W/f1.pdf" --crl "$W/jan2025.crl"
verify_tr "$W/f1-crl-old.pdf"
assert_check Signature1 revocation indeterminate revocation_data_invalid "F1 expired 2025 CRL"

# ---- F1b: the same answer replayed to `kyso verify --online` ---------------
section "F1b replayed OCSP at fetch time"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export OCSP_URL=http://127.0.0.1:$PORT/ocsp CA_DB=$P/index.txt
(cd "$P" && openssl req -new -key leaf.key -subj "/CN=TR leaf2" -config ca.cnf -out leaf2.csr &&
  "${FT[@]}" '@2024-06-01 00:00:00' openssl x509 -req -in leaf2.csr -CA root.pem -CAkey root.key \
    -set_serial 0x1235 -days 3650 -extfile ca.cnf -extensions v3_leaf_aia -out leaf2.pem &&
  openssl pkcs12 -export -inkey leaf.key -in leaf2.pem -certfile root.pem -passout pass:x -out leaf2.p12 &&
  printf 'V\t%s\t\t1235\tunknown\t/CN=TR leaf2\n' "$EXP" >leaf2.idx &&
  openssl ocsp -issuer root.pem -cert leaf2.pem -no_nonce -reqout leaf2-req.der &&
  "${FT[@]}" '@2025-01-01 00:00:00' openssl ocsp -index leaf2.idx -rsigner root.pem -rkey root.key \
    -CA root.pem -reqin leaf2-req.der -respout leaf2-good2025.der) >/dev/null 2>&1
cat >"$W/replay.py" <<'EOF'
import http.server, sys
data = open(sys.argv[2], "rb").read()
class H(http.server.BaseHTTPRequestHandler):
    def _send(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/ocsp-response")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._send()
    def do_GET(self):
        self._send()
    def log_message(self, *a):
        sys.stderr.write("replay: %s\n" % (a[0] % a[1:]))
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
EOF
python3 "$W/replay.py" "$PORT" "$P/leaf2-good2025.der" 2>"$W/replay.log" &
REPLAY=$!
trap 'kill $REPLAY 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1',$PORT),0.2)" 2>/dev/null && break
  sleep 0.1
done
NOW_GEN=$(date -u '+%Y-%m-%d %H:%M:%S')
kyso_run sign --in "$FX/minimal.pdf" --out "$W/f1b.pdf" --p12 "$P/leaf2.p12" --pin-file "$W/pin" \
  --tsa-command "cd '$P' && faketime -f '@$NOW_GEN' openssl ts -reply -config tsa.cnf -queryfile /dev/stdin -out /dev/stdout 2>/dev/null"
assert_success "sign f1b"
kyso_verify "$W/f1b.pdf" --trust "$P/root.pem" --online --allow-loopback-urls --no-cache
assert_report_json "f1b --online"
assert_true "F1b the replaying responder was asked" grep -q "POST /ocsp" "$W/replay.log"
assert_ne TOTAL_PASSED "$(report_get "S(0).indication")" "F1b replayed answer does not make it VALID"
assert_not_contains "$(report_get "S(0).checks.revocation.detail")" "not revoked" "F1b no 'not revoked'"
assert_contains "$(cat "$RUN_ERR")" "nextUpdate" "F1b the stale answer is refused at fetch time"
kill $REPLAY 2>/dev/null || true

# ---- F2: B-B judged at the validation time ---------------------------------
section "F2 B-B back-dated with the CRL of the claimed time"
sign_at "$W/f2.pdf" 2025-01-01T01:00:00Z
dss "$W/f2-old.pdf" "$W/f2.pdf" --crl "$W/jan2025.crl"
verify_tr "$W/f2-old.pdf"
assert_check Signature1 revocation indeterminate revocation_data_invalid "F2 CRL of the claimed time"
assert_contains "$(report_get "S(0).checks.revocation.detail")" \
  "CRL expired before the validation time (no timestamp)" "F2 detail"
assert_ne TOTAL_PASSED "$(report_get "S(0).indication")" "F2 not VALID"
dss "$W/f2-now.pdf" "$W/f2.pdf" --crl "$W/dec1.crl"
verify_tr "$W/f2-now.pdf"
assert_all_passed 1 "F2 control: B-B with a CRL current at the validation time"
# A revocation between the claimed time and now without proof of time.
make_crl f2rev '2026-12-01 00:00:00' 30 "$(index_line 1234 "TR leaf" 250601000000Z,keyCompromise)"
dss "$W/f2-rev.pdf" "$W/f2.pdf" --crl "$W/f2rev.crl"
verify_tr "$W/f2-rev.pdf"
assert_check Signature1 revocation indeterminate revoked_no_poe "F2 revoked after the claimed time"

# ---- F3: the TSA's own revocation ------------------------------------------
section "F3 revoked TSA certificate"
make_crl f3 '2026-12-01 00:00:00' 30 \
  "$(index_line 1234 "TR leaf" 260901000000Z,keyCompromise)" \
  "$(index_line 77 "TR tsa" 260301000000Z,keyCompromise)"
sign_at "$W/f3.pdf" 2026-06-01T00:00:00Z '2026-06-01 00:00:00'
dss "$W/f3-lt.pdf" "$W/f3.pdf" --crl "$W/f3.crl"
verify_tr "$W/f3-lt.pdf"
assert_check Signature1 timestamp failed timestamp_tsa_revoked "F3 TSA revoked before genTime"
assert_ne TOTAL_PASSED "$(report_get "S(0).indication")" "F3 not VALID"
assert_check Signature1 revocation indeterminate revoked_no_poe "F3 the token proves nothing"
make_crl f3late '2026-12-01 00:00:00' 30 "$(index_line 77 "TR tsa" 260901000000Z,keyCompromise)"
dss "$W/f3-late.pdf" "$W/f3.pdf" --crl "$W/f3late.crl"
verify_tr "$W/f3-late.pdf"
assert_check Signature1 timestamp failed timestamp_tsa_revoked "F3 TSA key compromised after genTime"
make_crl f3sup '2026-12-01 00:00:00' 30 "$(index_line 77 "TR tsa" 260901000000Z,superseded)"
dss "$W/f3-sup.pdf" "$W/f3.pdf" --crl "$W/f3sup.crl"
verify_tr "$W/f3-sup.pdf"
assert_all_passed 1 "F3 control: TSA superseded after genTime"

# ---- F4: invalidityDate ------------------------------------------------------
section "F4 invalidityDate before the timestamp"
make_crl f4 '2026-12-01 00:00:00' 30 "$(index_line 1234 "TR leaf" 260901000000Z,keyTime,20250601000000Z)"
assert_contains "$(openssl crl -in "$W/f4.crl" -inform DER -noout -text)" "Invalidity Date" "F4 the CRL has an invalidityDate"
dss "$W/f4-lt.pdf" "$W/f3.pdf" --crl "$W/f4.crl"
verify_tr "$W/f4-lt.pdf"
assert_check Signature1 revocation failed revoked "F4 key compromised before the timestamp"
assert_contains "$(report_get "S(0).checks.revocation.detail")" "revoked at 2025-06-01" "F4 time is the invalidityDate"
make_crl f4b '2026-12-01 00:00:00' 30 "$(index_line 1234 "TR leaf" 260901000000Z,keyCompromise)"
dss "$W/f4-b.pdf" "$W/f3.pdf" --crl "$W/f4b.crl"
verify_tr "$W/f4-b.pdf"
assert_check Signature1 revocation passed revoked_after_signing "F4 control: no invalidityDate"

# ---- F5: the signingTime quirk is bounded ------------------------------------
section "F5 claimed time far after the timestamp"
make_ocsp_good good0601 '2026-06-01 00:10:00'
sign_at "$W/f5.pdf" 2026-12-07T11:00:00Z '2026-06-01 00:00:00'
dss "$W/f5-lt.pdf" "$W/f5.pdf" --ocsp "$W/good0601.der"
verify_tr "$W/f5-lt.pdf"
assert_check Signature1 timestamp indeterminate timestamp_before_signing_time "F5 189 days"
assert_ne TOTAL_PASSED "$(report_get "S(0).indication")" "F5 not VALID"
sign_at "$W/f5b.pdf" 2026-06-01T07:00:00Z '2026-06-01 00:00:00'
dss "$W/f5b-lt.pdf" "$W/f5b.pdf" --ocsp "$W/good0601.der"
verify_tr "$W/f5b-lt.pdf"
assert_check Signature1 timestamp passed signing_time_after_timestamp "F5 control: 7 h (UTC+7 quirk)"
assert_all_passed 1 "F5 control VALID"

test_summary
