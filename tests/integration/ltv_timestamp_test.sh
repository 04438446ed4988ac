#!/usr/bin/env bash
# integration.ltv_timestamp: `kyso timestamp --tsa URL [--ltv]` adds a
# document timestamp (ETSI.RFC3161) to a B-LT file: PAdES B-LTA, VALID
# offline after every responder is stopped. Cross-checks: `openssl ts
# -verify` of the document timestamp token over the bytes its ByteRange
# covers, the OCSP answer about the TSA in the DSS, the /VRI key of the
# document timestamp (SHA-1 of its DER token), pdfsig on the signature.
# The TSA's failures (500 every time, 500 then good, another host by
# redirect, a URL without --allow-loopback-urls) leave no output.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/setup.sh"
. "$KYSO_TESTLIB/ltv_pki.sh"
. "$KYSO_TESTLIB/ltv.sh"
ltv_test_setup

OUT=$(fresh_dir out)
U=127\\.0\\.0\\.1:$LTV_HTTP_PORT

section "B-LT, then a document timestamp with --ltv: B-LTA"
ltv_sign good "$IN" "$OUT/lt.pdf" --tsa "$LTV_TSA_URL" --ltv
assert_success "sign --tsa --ltv"
before=$(ltv_log_count '^/tsa/tsa$')
ltv_timestamp "$OUT/lt.pdf" "$OUT/lta.pdf" --tsa "$LTV_TSA_URL" --ltv
assert_success "kyso timestamp --tsa --ltv"
assert_eq 1 "$(($(ltv_log_count '^/tsa/tsa$') - before))" "one timestamp asked from the TSA"
assert_prefix "$OUT/lt.pdf" "$OUT/lta.pdf" "incremental: the B-LT bytes are kept"
assert_gt "$(pdf_revisions "$OUT/lta.pdf")" "$(pdf_revisions "$OUT/lt.pdf")" "new revisions appended"

d=$TEST_TMP/lta
node "$KYSO_TESTLIB/pdfsigs.mjs" "$OUT/lta.pdf" "$d/sigs" >"$d.sigs" 2>&1 ||
  fail "pdfsigs.mjs on lta.pdf: $(cat "$d.sigs")"
assert_eq 2 "$(grep -c '^sig ' "$d.sigs")" "two signature dictionaries: the signature and the document timestamp"
assert_contains "$(openssl cms -cmsout -print -inform DER -in "$d/sigs/sig-2.der" 2>&1)" \
  "eContentType: id-smime-ct-TSTInfo" "the second is an RFC 3161 token"
if openssl ts -verify -data "$d/sigs/sig-2.covered" -in "$d/sigs/sig-2.der" -token_in \
  -CAfile "$LTV_DIR/tsaroot.pem" -untrusted "$LTV_DIR/tsa.pem" >"$d.tsverify" 2>&1; then
  pass "openssl ts -verify: the document timestamp covers its ByteRange"
else
  fail "openssl ts -verify of the document timestamp: $(cat "$d.tsverify")"
fi
assert_false "negative control: the token does not verify over other bytes" \
  openssl ts -verify -data "$d/sigs/sig-1.covered" -in "$d/sigs/sig-2.der" -token_in \
  -CAfile "$LTV_DIR/tsaroot.pem" -untrusted "$LTV_DIR/tsa.pem"

ltv_dss "$OUT/lta.pdf" "$d/dss"
assert_eq good "$(ltv_ocsp_for "$d/dss" "$LTV_DIR/tsa.pem" "$LTV_DIR/tsaroot.pem")" \
  "the DSS holds an OCSP answer saying the TSA is good"
# The document timestamp covers the whole B-LT file, its DSS included;
# after it comes nothing, or a DSS update for the timestamp's own chain.
read -r _ _ a b c dd_ _ <<<"$(grep '^sig 2 ' "$d.sigs")"
assert_eq 0 "$a" "the document timestamp's ByteRange starts at byte 0"
tail_bytes=$(($(stat -c %s "$OUT/lta.pdf") - c - dd_))
if [ "$tail_bytes" -eq 0 ] || tail -c "$tail_bytes" "$OUT/lta.pdf" | grep -aq '/DSS'; then
  pass "after the document timestamp: nothing, or a DSS update ($tail_bytes bytes)"
else
  fail "after the document timestamp: $tail_bytes bytes without a /DSS"
fi
assert_gt "$b" "$(stat -c %s "$OUT/lt.pdf")" "the document timestamp covers every byte of the B-LT file (its DSS included)"
keys=$(ltv_vri_keys "$OUT/lta.pdf" "$d/keys")
sig_key=$(awk '$2 == "sig" { print $3 }' <<<"$keys")
doc_key=$(awk '$2 == "doc" { print $3 }' <<<"$keys")
assert_match "$doc_key" '^[0-9A-F]{40}$' "the document timestamp's VRI key computed"
if grep -q "^vri $sig_key ocsp=[0-9]" <<<"$LTV_DSS"; then
  pass "the signature's /VRI entry is still there under the SHA-1 of its /Contents"
else
  fail "no /VRI entry $sig_key in: $LTV_DSS"
fi
# A /VRI entry for the document timestamp is optional (ETSI EN 319 142-1
# 5.4.2.2); when one is written it must be under the SHA-1 of its token.
vri_other=$(awk -v s="$sig_key" -v t="$doc_key" '$1 == "vri" && $2 != s && $2 != t' <<<"$LTV_DSS")
assert_eq "" "$vri_other" "no /VRI entry under a key that is neither the signature's nor the timestamp's"
if [ "$tail_bytes" -gt 0 ]; then
  if grep -q "^vri $doc_key ocsp=[0-9]" <<<"$LTV_DSS"; then
    pass "the DSS update after the document timestamp files its OCSP under the SHA-1 of its token"
  else
    fail "a DSS update after the document timestamp, but no /VRI entry $doc_key with OCSP: $LTV_DSS"
  fi
fi

ltv_verify "$OUT/lta.pdf"
assert_status 0 "B-LTA: kyso verify exit status"
assert_eq "TOTAL_PASSED" "$(report_get "r.overall")" "B-LTA: overall TOTAL_PASSED"
pdfsig_run "$OUT/lta.pdf"
block=$(awk '/^Signature #[0-9]+:$/ { n = substr($2, 2) + 0 } n == 1' "$TEST_TMP/pdfsig.out")
assert_contains "$block" "Signature is Valid." "pdfsig: the signature of the B-LTA file is valid"
assert_contains "$block" "Certificate is Trusted." "pdfsig: its certificate is trusted"

section "timestamp without --ltv"
ltv_timestamp "$OUT/lt.pdf" "$OUT/lta-plain.pdf" --tsa "$LTV_TSA_URL"
assert_success "kyso timestamp --tsa"
ltv_verify "$OUT/lta-plain.pdf"
assert_eq "TOTAL_PASSED" "$(report_get "S(0).indication")" "the signature stays TOTAL_PASSED under a document timestamp"

section "a B-T file straight to B-LTA: timestamp --ltv fetches the signature's data first"
ltv_sign good-ec "$IN" "$OUT/bt.pdf" --tsa "$LTV_TSA_URL"
assert_success "sign --tsa (B-T)"
before=$(ltv_log_count '^/ocsp/sub$')
ltv_timestamp "$OUT/bt.pdf" "$OUT/bt-lta.pdf" --tsa "$LTV_TSA_URL" --ltv
assert_success "kyso timestamp --tsa --ltv on a B-T file"
assert_gt "$(ltv_log_count '^/ocsp/sub$')" "$before" "the signer's status fetched"
ltv_dss "$OUT/bt-lta.pdf" "$d/bt-dss"
assert_eq good "$(ltv_ocsp_for "$d/bt-dss" "$LTV_DIR/good-ec.pem" "$LTV_DIR/sub.pem")" \
  "the DSS holds an OCSP answer saying the signer is good"
node "$KYSO_TESTLIB/pdfsigs.mjs" "$OUT/bt-lta.pdf" "$d/bt-sigs" >"$d.bt-sigs" 2>&1 ||
  fail "pdfsigs.mjs on bt-lta.pdf: $(cat "$d.bt-sigs")"
read -r _ _ _ b2 _ _ <<<"$(grep '^sig 2 ' "$d.bt-sigs")"
dss_off=$(grep -a -b -o '/DSS ' "$OUT/bt-lta.pdf" | head -n 1 | cut -d: -f1)
assert_gt "${b2:-0}" "${dss_off:-999999999}" "the document timestamp covers the DSS made for the signature"
ltv_verify "$OUT/bt-lta.pdf"
assert_eq TOTAL_PASSED "$(report_get "r.overall")" "B-T made B-LTA: TOTAL_PASSED offline"

section "the TSA fails: nothing written"
for mode in e500 redirect; do
  ltv_timestamp "$OUT/lt.pdf" "$OUT/bad-$mode.pdf" --tsa "$LTV_URL/m/$mode/tsa/tsa"
  assert_failure "TSA $mode: kyso timestamp fails"
  assert_match "$(cat "$RUN_ERR")" "$U/m/$mode/tsa/tsa" "TSA $mode: stderr names the URL"
  assert_no_file "$OUT/bad-$mode.pdf" "TSA $mode: nothing written"
done
before=$(ltv_log_count '^/m/e500/tsa/tsa$')
assert_gt "$before" 1 "TSA 500: tried again (tries = 2)"
ltv_timestamp "$OUT/lt.pdf" "$OUT/flaky.pdf" --tsa "$LTV_URL/m/flaky/tsa/tsa"
assert_success "TSA 500 then good: kyso timestamp succeeds on the retry"
assert_eq 2 "$(ltv_log_count '^/m/flaky/tsa/tsa$')" "TSA flaky: asked twice"
ltv_sign good "$IN" "$OUT/bt-slow.pdf" --tsa "$LTV_URL/m/slow/tsa/tsa"
assert_failure "sign --tsa with a TSA slower than the timeout fails"
assert_no_file "$OUT/bt-slow.pdf" "slow TSA: nothing written"

section "every responder stopped: B-LTA still verifies offline"
ltv_stop_all
for f in lta bt-lta; do
  ltv_verify "$OUT/$f.pdf"
  assert_status 0 "$f offline, responders down: exit status"
  assert_eq "TOTAL_PASSED" "$(report_get "r.overall")" "$f offline, responders down: TOTAL_PASSED"
  assert_evidence_sources "$f offline" "dss"
done

test_summary
