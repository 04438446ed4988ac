#!/usr/bin/env bash
# integration.sign_timestamp: PAdES B-T. `kyso sign --tsa-command` sends an
# RFC 3161 TimeStampReq for the signature value to a TSA command (here
# `openssl ts -reply`, a TSA under the test sub-CA whose certificate has the
# critical timeStamping EKU RFC 3161 2.3 requires) and embeds the token as
# the unsigned attribute id-aa-signatureTimeStampToken. Checked with tools
# that share no code with kyso: `openssl ts -verify` of the embedded token
# against the signature value, openssl cms and pdfsig on the signature, and
# then kyso verify's own report. Failures of the TSA command (refusal, bad
# exit status, garbage, a token over something else) leave no output.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/setup.sh"
integration_setup

in=$(stage_input "$FX/vn-chromium.pdf" "$(fresh_dir in)")
IN_SHA256=$(sha256sum "$in" | cut -d' ' -f1)

# ---- a TSA -------------------------------------------------------------------

TSA=$TEST_TMP/tsa
mkdir -p "$TSA"
# The test PKI's time-stamping unit (tests/lib/pki_bad.sh: under the
# sub-CA, EKU timeStamping critical, valid 2024-2034: openssl ts stamps the
# current time); this test writes its own `openssl ts` configurations.
pki_bad_setup "$PKI_DIR"
cp "$PKI_BAD/tsa.pem" "$PKI_BAD/tsa.key" "$TSA/"
cat "$TSA/tsa.pem" "$PKI_DIR/chain.pem" >"$TSA/tsa-chain.pem"
assert_contains "$(openssl x509 -in "$TSA/tsa.pem" -noout -ext extendedKeyUsage)" \
  "critical" "TSA certificate: EKU is critical"

# tsa_conf NAME ESS_ALG [DIGESTS]: an `openssl ts` configuration (ESS v2
# with sha256, v1 with sha1; the imprint digests it accepts).
tsa_conf() {
  echo 01 >"$TSA/serial-$1"
  cat >"$TSA/$1.cnf" <<EOF
[ tsa ]
default_tsa = tsa_config

[ tsa_config ]
serial = $TSA/serial-$1
crypto_device = builtin
signer_cert = $TSA/tsa.pem
certs = $PKI_DIR/chain.pem
signer_key = $TSA/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = ${3:-sha256, sha384, sha512}
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = $2
EOF
}
tsa_conf v2 sha256
tsa_conf v1 sha1
tsa_conf sha512-only sha256 sha512

# extract_ts DER DIR: the signature value and the timestamp token of the
# first SignerInfo, cut out of the CMS by offset (openssl asn1parse):
# DIR/sigvalue.bin, DIR/token.der. The token is the value of the attribute
# whose OBJECT is id-smime-aa-timeStampToken; the signature value is the
# last OCTET STRING before it at the depth of unsignedAttrs [1], two above
# that OBJECT (SignerInfo: ... signature, [1] { SEQUENCE { OBJECT, SET }}).
extract_ts() {
  local der=$1 dir=$2 parsed loc
  mkdir -p "$dir"
  parsed=$(openssl asn1parse -inform DER -in "$der")
  loc=$(awk '
    { match($0, /d=[0-9]+/); d = substr($0, RSTART + 2, RLENGTH - 2) + 0
      off = $1; sub(/:.*/, "", off); off += 0
      match($0, /hl=[ ]*[0-9]+/); hl = substr($0, RSTART + 3, RLENGTH - 3) + 0
      match($0, / l=[ ]*[0-9]+/); l = substr($0, RSTART + 3, RLENGTH - 3) + 0 }
    /prim: OCTET STRING/ { oct[d] = off " " hl " " l }
    /:id-smime-aa-timeStampToken/ && !want { sig = oct[d - 2]; want = d + 1 }
    want && d == want && /cons: SEQUENCE/ && !tok { tok = off " " (hl + l) }
    END { print sig; print tok }' <<<"$parsed")
  read -r off hl l <<<"$(sed -n 1p <<<"$loc")"
  [ -n "${l:-}" ] || return 1
  dd if="$der" of="$dir/sigvalue.bin" bs=1 skip=$((off + hl)) count="$l" status=none
  read -r off l <<<"$(sed -n 2p <<<"$loc")"
  [ -n "${l:-}" ] || return 1
  dd if="$der" of="$dir/token.der" bs=1 skip="$off" count="$l" status=none
}

# assert_timestamped OUT MSG: the embedded token verifies against the
# signature value (openssl ts -verify: imprint, TSA signature, chain to the
# test root, ESS) and names the test TSA.
assert_timestamped() {
  local out=$1 msg=$2 d=$TEST_TMP/ts.$RANDOM info
  cms_extract "$out" "$d"
  if ! extract_ts "$d/sig-1.der" "$d"; then
    fail "$msg: no signature timestamp token in the CMS"
    return 0
  fi
  assert_contains " $(cms_signer_info "$d/sig-1.der") " " messageDigest " \
    "$msg: the signed attributes are still there"
  assert_contains "$(openssl cms -cmsout -print -inform DER -in "$d/sig-1.der")" \
    "id-smime-aa-timeStampToken" "$msg: unsigned attribute id-aa-signatureTimeStampToken"
  if openssl ts -verify -data "$d/sigvalue.bin" -in "$d/token.der" -token_in \
    -CAfile "$PKI_DIR/root.pem" -untrusted "$TSA/tsa-chain.pem" >"$d/verify.log" 2>&1; then
    pass "$msg: openssl ts -verify of the token over the signature value"
  else
    fail "$msg: openssl ts -verify: $(cat "$d/verify.log")"
  fi
  info=$(openssl ts -reply -in "$d/token.der" -token_in -token_out -text 2>/dev/null)
  assert_contains "$info" "Hash Algorithm: sha256" "$msg: SHA-256 imprint"
  assert_contains "$info" "Nonce: 0x" "$msg: the request carried a nonce"
  assert_eq "$(openssl dgst -sha256 -r "$d/sigvalue.bin" | cut -c1-64 | tr a-f A-F)" \
    "$(sed -n '/Message data:/,/Serial number/p' <<<"$info" | grep -E '^ +[0-9a-f]{4} - ' |
      sed -E 's/^ +[0-9a-f]{4} - //; s/   .*$//; s/[- ]//g' | tr -d '\n' | tr a-f A-F)" \
    "$msg: the imprint is the SHA-256 of the signature value"
  # A different value must not verify: the check above is not vacuous.
  printf 'x' >>"$d/sigvalue.bin"
  if openssl ts -verify -data "$d/sigvalue.bin" -in "$d/token.der" -token_in \
    -CAfile "$PKI_DIR/root.pem" -untrusted "$TSA/tsa-chain.pem" >/dev/null 2>&1; then
    fail "$msg: openssl ts -verify accepts other data"
  else
    pass "$msg: openssl ts -verify refuses other data"
  fi
}

# assert_kyso_timestamp OUT MSG: kyso verify --json reports the timestamp
# check PASSED with its time.
assert_kyso_timestamp() {
  local out=$1 msg=$2 json
  kyso_run verify "$out" --json --trust "$PKI_DIR/root.pem" --at 2030-01-01T00:00:00Z
  json=$(cat "$RUN_OUT")
  json=$(tr -d ' \n' <<<"$json")
  assert_match "$json" '"timestamp":\{"result":"passed","reason":"ok"' \
    "$msg: kyso verify: timestamp check PASSED"
  assert_match "$json" '"timestamp_time":"20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z"' \
    "$msg: kyso verify: timestamp_time present"
  assert_match "$json" '"integrity":\{"result":"passed"' "$msg: kyso verify: integrity PASSED"
  assert_match "$json" '"signature":\{"result":"passed"' "$msg: kyso verify: signature PASSED"
}

# ---- signing with a timestamp ------------------------------------------------

for ess in v2 v1; do
  section "B-T, TSA with ESS $ess"
  outdir=$(fresh_dir "out.$ess")
  kyso_sign_p12 "$PKI_DIR/person-rsa2048.p12" "$in" "$outdir/signed.pdf" \
    --tsa-command "openssl ts -reply -config '$TSA/$ess.cnf' -queryfile /dev/stdin -out /dev/stdout"
  assert_signed_pdf "$in" "$outdir/signed.pdf" 1 "B-T ($ess)" "$PKI_DIR/person-rsa2048.pem"
  assert_sha256 "$in" "$IN_SHA256" "B-T ($ess): input unchanged"
  [ -s "$outdir/signed.pdf" ] || continue
  assert_timestamped "$outdir/signed.pdf" "B-T ($ess)"
  assert_kyso_timestamp "$outdir/signed.pdf" "B-T ($ess)"
done

section "B-T with a token, EC key, bare token output (-token_out)"
outdir=$(fresh_dir out.ec)
token_init "EC P-256"
token_add_identity "EC P-256" "$PKI_DIR" person-ec256 01
kyso_sign_token "EC P-256" "$in" "$outdir/signed.pdf" --digest sha384 \
  --tsa-command "openssl ts -reply -config '$TSA/v2.cnf' -queryfile /dev/stdin -token_out -out /dev/stdout"
assert_signed_pdf "$in" "$outdir/signed.pdf" 1 "B-T, EC, token_out" "$PKI_DIR/person-ec256.pem"
if [ -s "$outdir/signed.pdf" ]; then
  assert_timestamped "$outdir/signed.pdf" "B-T, EC, token_out"
  assert_kyso_timestamp "$outdir/signed.pdf" "B-T, EC, token_out"
fi

section "B-T on top of an earlier signature"
outdir=$(fresh_dir out.second)
kyso_sign_p12 "$PKI_DIR/org-rsa2048.p12" "$TEST_TMP/out.v2/signed.pdf" "$outdir/signed.pdf" \
  --tsa-command "openssl ts -reply -config '$TSA/v2.cnf' -queryfile /dev/stdin -out /dev/stdout"
assert_signed_pdf "$TEST_TMP/out.v2/signed.pdf" "$outdir/signed.pdf" 2 "B-T twice" \
  "$PKI_DIR/person-rsa2048.pem" "$PKI_DIR/org-rsa2048.pem"

section "B-B (no --tsa-command): no timestamp, the claimed time only"
outdir=$(fresh_dir out.bb)
kyso_sign_p12 "$PKI_DIR/person-rsa2048.p12" "$in" "$outdir/signed.pdf"
assert_signed_pdf "$in" "$outdir/signed.pdf" 1 "B-B" "$PKI_DIR/person-rsa2048.pem"
if "$KYSO" help verify >/dev/null 2>&1 && [ -s "$outdir/signed.pdf" ]; then
  kyso_run verify "$outdir/signed.pdf" --json --trust "$PKI_DIR/root.pem" --at 2030-01-01T00:00:00Z
  json=$(tr -d ' \n' <"$RUN_OUT")
  assert_match "$json" '"timestamp":\{"result":"not_run","reason":"no_timestamp"' \
    "B-B: kyso verify: timestamp not run, no_timestamp"
  assert_match "$json" '"timestamp_time":null' "B-B: kyso verify: no timestamp_time"
fi

# ---- the TSA command failing ------------------------------------------------

section "TSA failures"
tsa_fail() { # NAME CODES COMMAND
  local outdir
  outdir=$(fresh_dir "out.fail.$1")
  kyso_sign_p12 "$PKI_DIR/person-rsa2048.p12" "$in" "$outdir/signed.pdf" --tsa-command "$3"
  assert_kyso_error "$2" "$in" "$outdir" "--tsa-command $1"
}
tsa_fail exit-status IO "cat >/dev/null; exit 3"
tsa_fail garbage IO "cat >/dev/null; echo khong-phai-DER"
tsa_fail no-output IO "cat >/dev/null"
tsa_fail not-reading IO "exit 0"
tsa_fail missing IO "/khong/co/lenh 2>/dev/null"
# A granted response, but for another request: its nonce is not ours.
openssl ts -query -data "$in" -sha256 -cert -out "$TSA/other.tsq" 2>/dev/null
openssl ts -reply -config "$TSA/v2.cnf" -queryfile "$TSA/other.tsq" -out "$TSA/other.tsr" 2>/dev/null
tsa_fail wrong-nonce IO "cat >/dev/null; cat '$TSA/other.tsr'"
# The same token without its envelope: nonce still checked.
openssl ts -reply -config "$TSA/v2.cnf" -queryfile "$TSA/other.tsq" -token_out \
  -out "$TSA/other.tst" 2>/dev/null
tsa_fail wrong-nonce-token IO "cat >/dev/null; cat '$TSA/other.tst'"
# A TSA that answers "rejection" (badAlg: it takes SHA-512 imprints only).
tsa_fail rejected IO \
  "openssl ts -reply -config '$TSA/sha512-only.cnf' -queryfile /dev/stdin -out /dev/stdout 2>/dev/null"
assert_contains "$(cat "$RUN_ERR")" "rejection" "a refusal names the TSA's status"

test_summary
