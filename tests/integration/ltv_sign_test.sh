#!/usr/bin/env bash
# integration.ltv_sign: `kyso sign --tsa URL --ltv` makes PAdES B-LT against
# real loopback responders (tests/lib/ltv_pki.sh: `openssl ocsp -port`,
# `openssl ts -reply` behind ltv_http.mjs), and the file still verifies
# TOTAL_PASSED after every responder is stopped: the point of LTV.
# Cross-checked with tools that share no code with kyso: the OCSP answers
# in the DSS with `openssl ocsp -respin`, the signature timestamp with
# `openssl ts -verify`, the /VRI keys against the SHA-1 of /Contents, the
# CA certificate fetched through caIssuers against the real one, pdfsig.
# The URL guard: loopback URLs are refused without --allow-loopback-urls,
# before any request.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/setup.sh"
. "$KYSO_TESTLIB/ltv_pki.sh"
. "$KYSO_TESTLIB/ltv.sh"
ltv_test_setup

OUT=$(fresh_dir out)

# extract_ts DER DIR: the signature value and the timestamp token of the
# first SignerInfo (as sign_timestamp_test.sh: cut by offset from
# openssl asn1parse): DIR/sigvalue.bin, DIR/token.der.
extract_ts() {
  local der=$1 dir=$2 parsed loc off hl l
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

assert_ts_token() { # FILE MSG: the signature timestamp verifies (openssl ts)
  local d=$TEST_TMP/ts.$RANDOM
  cms_extract "$1" "$d"
  if ! extract_ts "$d/sig-1.der" "$d"; then
    fail "$2: no signature timestamp token in the CMS"
    return 0
  fi
  if openssl ts -verify -data "$d/sigvalue.bin" -in "$d/token.der" -token_in \
    -CAfile "$LTV_DIR/tsaroot.pem" -untrusted "$LTV_DIR/tsa.pem" >"$d/verify.log" 2>&1; then
    pass "$2: openssl ts -verify of the signature timestamp"
  else
    fail "$2: openssl ts -verify: $(cat "$d/verify.log")"
  fi
}

section "the guard: loopback URLs need --allow-loopback-urls"
before=$(ltv_log_count .)
ltv_conf "$LTV_DIR/no-loopback.conf"
sed -i 's/^allow_loopback_urls = yes$/allow_loopback_urls = no/' "$LTV_DIR/no-loopback.conf"
ltv_env
kyso_run sign --in "$IN" --out "$OUT/guard.pdf" --p12 "$LTV_DIR/good.p12" \
  --pin-file "$LTV_PASS_FILE" --config "$LTV_DIR/no-loopback.conf" --no-default-trust \
  --trust "$LTV_DIR/root.pem" --trust "$LTV_DIR/tsaroot.pem" --tsa "$LTV_TSA_URL"
assert_failure "sign --tsa http://127.0.0.1:... without --allow-loopback-urls fails"
assert_contains "$(cat "$RUN_ERR")" "127.0.0.1" "the error names the refused URL"
assert_no_file "$OUT/guard.pdf" "nothing written when the TSA URL is refused"
assert_eq "$before" "$(ltv_log_count .)" "no request reached the loopback server"
# shellcheck disable=SC2034 # read by kyso_run (kyso.sh)
KYSO_ENV=()

section "B-LT with an RSA signer: sign --tsa --ltv"
before_sub=$(ltv_log_count '^/ocsp/sub$')
ltv_sign good "$IN" "$OUT/good-lt.pdf" --tsa "$LTV_TSA_URL" --ltv
assert_success "sign --tsa --ltv (good, RSA)"
assert_file_exists "$OUT/good-lt.pdf" "B-LT output written"
assert_prefix "$IN" "$OUT/good-lt.pdf" "incremental: the input bytes are kept"
assert_gt "$(ltv_log_count '^/ocsp/sub$')" "$before_sub" "the signer's status asked at its AIA OCSP URL"
assert_gt "$(ltv_log_count '^/ocsp/root$')" 0 "the sub-CA's status asked at its AIA OCSP URL"
assert_gt "$(ltv_log_count '^/ocsp/tsaroot$')" 0 "the TSA's status asked at its AIA OCSP URL"
assert_gt "$(ltv_log_count '^/tsa/tsa$')" 0 "the timestamp asked from the TSA URL"
assert_match "$(cat "$RUN_ERR")" "kyso: fetch: .*127\\.0\\.0\\.1:$LTV_HTTP_PORT/ocsp/sub" \
  "every fetch is logged on stderr"
assert_ts_token "$OUT/good-lt.pdf" "good"
assert_lt "good B-LT" "$OUT/good-lt.pdf" good 1

section "B-LT with an EC signer"
ltv_sign good-ec "$IN" "$OUT/good-ec-lt.pdf" --tsa "$LTV_TSA_URL" --ltv
assert_success "sign --tsa --ltv (good-ec, P-256)"
assert_lt "good-ec B-LT" "$OUT/good-ec-lt.pdf" good-ec 1

section "the signer's PKCS#12 holds no chain: the sub-CA comes from caIssuers"
before=$(ltv_log_count '^/cert/sub\.der$')
ltv_sign good-leafonly "$IN" "$OUT/leafonly-lt.pdf" --tsa "$LTV_TSA_URL" --ltv
assert_success "sign --tsa --ltv with a leaf-only PKCS#12"
assert_gt "$(ltv_log_count '^/cert/sub\.der$')" "$before" "the sub-CA fetched from the signer's caIssuers URL"
ltv_dss "$OUT/leafonly-lt.pdf" "$TEST_TMP/leafonly-dss"
assert_ne "" "$(ltv_cert_for "$TEST_TMP/leafonly-dss" "$LTV_DIR/sub.pem")" \
  "the fetched sub-CA certificate is embedded in the DSS, byte for byte the real one"
assert_lt "leaf-only B-LT" "$OUT/leafonly-lt.pdf" good 1

section "the OCSP responder named directly (openssl ocsp's own HTTP server)"
ltv_sign direct "$IN" "$OUT/direct-lt.pdf" --tsa "$LTV_TSA_URL" --ltv
assert_success "sign --ltv, OCSP from http://127.0.0.1:PORT/ (openssl ocsp -port)"
assert_lt "direct B-LT" "$OUT/direct-lt.pdf" direct 1

section "--ltv alone: B-LT includes B-T, the timestamp from the configured TSA"
before_tsa=$(ltv_log_count '^/tsa/tsa$')
ltv_sign good "$IN" "$OUT/ltv-only.pdf" --ltv
assert_success "sign --ltv without --tsa"
assert_gt "$(ltv_log_count '^/tsa/tsa$')" "$before_tsa" \
  "sign --ltv without --tsa: the timestamp asked from tsa_url of kyso.conf (loopback)"
assert_ts_token "$OUT/ltv-only.pdf" "good"
assert_lt "--ltv alone" "$OUT/ltv-only.pdf" good 1
ltv_env
kyso_run sign --help
assert_contains "$(cat "$RUN_OUT" "$RUN_ERR")" "B-LT includes" "sign --help says --ltv timestamps"
KYSO_ENV=()

section "negative controls"
ltv_sign good "$IN" "$OUT/good-bt.pdf" --tsa "$LTV_TSA_URL"
assert_success "sign --tsa without --ltv (B-T)"
ltv_dss "$OUT/good-bt.pdf" "$TEST_TMP/bt-dss"
assert_eq 0 "$(ltv_dss_count ocsps)" "B-T: no OCSP response embedded"
expect_check_fails "the B-LT battery fails on the B-T file" \
  assert_lt "B-T" "$OUT/good-bt.pdf" good 1
expect_check_fails "the battery fails when asked about another signer" \
  assert_lt "wrong leaf" "$OUT/good-lt.pdf" good-ec 1

section "verify --online on a B-LT file: nothing is missing, nothing is fetched"
before=$(ltv_log_count .)
ltv_verify_online "$OUT/good-lt.pdf"
assert_eq TOTAL_PASSED "$(report_get "r.overall")" "B-LT with --online: TOTAL_PASSED"
assert_evidence_sources "B-LT with --online" "dss"
assert_eq "$before" "$(ltv_log_count .)" "B-LT with --online: no request sent"

section "every responder stopped: the LT files still verify, offline"
ltv_stop_all
assert_false "the responders are down" curl -s -m 2 -o /dev/null "$LTV_URL/crl/sub.crl"
for f in good-lt good-ec-lt leafonly-lt direct-lt; do
  ltv_verify "$OUT/$f.pdf"
  assert_all_passed 1 "$f after every responder stopped"
  assert_evidence_sources "$f after every responder stopped" "dss"
done
ltv_verify "$OUT/good-bt.pdf"
assert_eq INDETERMINATE "$(report_get "S(0).indication")" \
  "the B-T file without revocation data is INDETERMINATE offline"

test_summary
