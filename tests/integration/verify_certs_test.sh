#!/usr/bin/env bash
# integration.verify_certs: signatures that are cryptographically sound but
# made with a certificate that must not be accepted, each with its own
# ETSI EN 319 102-1 sub-indication (tests/lib/pki_bad.sh makes them):
#
#   expired, no timestamp   INDETERMINATE / OUT_OF_BOUNDS_NO_POE
#   expired, timestamped    TOTAL_FAILED  / EXPIRED (the timestamp proves
#                           the signature came after notAfter)
#   not yet valid           INDETERMINATE / NOT_YET_VALID
#   revoked before signing  TOTAL_FAILED  / REVOKED, from a CRL and from an
#                           OCSP response embedded in /DSS
#   revoked after signing   INDETERMINATE / REVOKED_NO_POE (no timestamp
#                           proves the signature came first)
#   untrusted root          INDETERMINATE / NO_CERTIFICATE_CHAIN_FOUND
#                           (the impostor CA copies the real sub-CA's name
#                           and key identifier)
#   keyEncipherment only    INDETERMINATE / SIG_CONSTRAINTS_FAILURE
#   forged revocation data  an OCSP "good" for the revoked certificate
#                           signed by a certificate that is no responder:
#                           never TOTAL_PASSED
# and the good certificate, with a CRL, an OCSP response, or both: passes.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/setup.sh"
integration_setup
verify_setup
W=$(fresh_dir certs)

# sign_as NAME CHAIN [ARGS...]: minimal.pdf signed by PKI_BAD/NAME.p12 at
# the test signing time, into $W/NAME.pdf.
sign_as() {
  local name=$1 chain=$2 pass=$TEST_TMP/p12pass
  shift 2
  printf '%s' "$PKI_P12_PASS" >"$pass"
  kyso_run sign --in "$FX/minimal.pdf" --out "$W/$name.pdf" --p12 "$PKI_BAD/${name%%.*}.p12" \
    --pin-file "$pass" --chain "$chain" --time "$KYSO_TEST_TIME" "$@"
  assert_success "kyso signs with the $name certificate"
}

# dss_only IN OUT ARGS...: kyso dss with exactly the given items.
dss_only() {
  local in=$1 out=$2
  shift 2
  kyso_run dss --in "$in" --out "$out" "$@"
  assert_success "kyso dss $(basename "$out")"
}

# verdict FILE FIELD IND SUB CHECK RESULT REASONS MSG [VERIFY ARGS...]:
# exit 1 unless IND is TOTAL_PASSED, the verdict, and CHECK's result with
# a reason among REASONS (a|b).
verdict() {
  local file=$1 field=$2 ind=$3 sub=$4 check=$5 result=$6 reasons=$7 msg=$8 got
  shift 8
  kyso_verify "$file" --trust "$TRUST_DIR" "$@"
  if [ "$ind" = TOTAL_PASSED ]; then
    assert_status 0 "$msg: exit status"
  else
    assert_status 1 "$msg: exit status"
  fi
  assert_verdict "$field" "$ind" "$sub" "$msg"
  got=$(report_get "S('$field').checks.$check.result + ' ' + S('$field').checks.$check.reason")
  assert_match "$got" "^($result) ($reasons)\$" "$msg: check $check"
  SEEN_SUBS="$SEEN_SUBS $sub"
}
SEEN_SUBS=""
crl=(--crl "$PKI_BAD/subca.crl" --crl "$PKI_BAD/root.crl")

section "good certificate: CRL, OCSP, both"
sign_as good "$PKI_BAD/chain.pem"
dss_only "$W/good.pdf" "$W/good-crl.pdf" "${crl[@]}"
dss_only "$W/good.pdf" "$W/good-ocsp.pdf" --ocsp "$PKI_BAD/ocsp/good.der" --crl "$PKI_BAD/root.crl"
dss_only "$W/good.pdf" "$W/good-both.pdf" "${crl[@]}" --ocsp "$PKI_BAD/ocsp/good.der"
for f in good-crl good-ocsp good-both; do
  kyso_verify "$W/$f.pdf" --trust "$TRUST_DIR"
  assert_all_passed 1 "$f"
done
verdict "$W/good.pdf" Signature1 INDETERMINATE TRY_LATER revocation indeterminate revocation_unknown \
  "good, nothing embedded"
SEEN_SUBS="" # count the certificate problems only

section "expired"
sign_as expired "$PKI_BAD/chain.pem" --allow-unusable-cert
verdict "$W/expired.pdf" Signature1 INDETERMINATE OUT_OF_BOUNDS_NO_POE validity 'failed|indeterminate' certificate_expired \
  "expired at the claimed signing time" --at 2024-12-11T10:00:00+07:00
sign_as expired.ts "$PKI_BAD/chain.pem" --allow-unusable-cert --tsa-command "$PKI_BAD/tsa-reply.sh"
dss_only "$W/expired.ts.pdf" "$W/expired.ts.dss.pdf" "${crl[@]}" --ocsp "$PKI_BAD/ocsp/tsa.der"
verdict "$W/expired.ts.dss.pdf" Signature1 TOTAL_FAILED EXPIRED validity failed certificate_expired \
  "expired before its timestamp"

section "not yet valid"
sign_as notyet "$PKI_BAD/chain.pem" --allow-unusable-cert
dss_only "$W/notyet.pdf" "$W/notyet.dss.pdf" "${crl[@]}" --ocsp "$PKI_BAD/ocsp/notyet.der"
verdict "$W/notyet.dss.pdf" Signature1 INDETERMINATE NOT_YET_VALID validity 'failed|indeterminate' certificate_not_yet_valid \
  "not yet valid at the claimed signing time"

section "revoked before the signing time"
sign_as revoked "$PKI_BAD/chain.pem"
dss_only "$W/revoked.pdf" "$W/revoked-crl.pdf" "${crl[@]}"
verdict "$W/revoked-crl.pdf" Signature1 TOTAL_FAILED REVOKED revocation failed revoked "revoked, from the CRL"
assert_contains "$(report_get "S('Signature1').checks.revocation.detail")" "crl" "revoked, from the CRL: detail names the CRL"
dss_only "$W/revoked.pdf" "$W/revoked-ocsp.pdf" --ocsp "$PKI_BAD/ocsp/revoked.der" --crl "$PKI_BAD/root.crl"
verdict "$W/revoked-ocsp.pdf" Signature1 TOTAL_FAILED REVOKED revocation failed revoked "revoked, from OCSP"
assert_contains "$(report_get "S('Signature1').checks.revocation.detail")" "ocsp" "revoked, from OCSP: detail names OCSP"

section "revoked after the signing time"
sign_as revoked-later "$PKI_BAD/chain.pem"
dss_only "$W/revoked-later.pdf" "$W/revoked-later.dss.pdf" "${crl[@]}" --ocsp "$PKI_BAD/ocsp/revoked-later.der"
verdict "$W/revoked-later.dss.pdf" Signature1 INDETERMINATE REVOKED_NO_POE revocation indeterminate \
  'revoked_no_poe|revoked_after_signing' "revoked after the claimed time, no proof of existence"

section "untrusted root (impostor CA with the sub-CA's name)"
sign_as untrusted "$PKI_BAD/untrusted-chain.pem"
dss_only "$W/untrusted.pdf" "$W/untrusted.dss.pdf" "${crl[@]}"
verdict "$W/untrusted.dss.pdf" Signature1 INDETERMINATE NO_CERTIFICATE_CHAIN_FOUND chain \
  'failed|indeterminate' no_certificate_chain_found "chain to an untrusted root"
kyso_verify "$W/untrusted.dss.pdf" --trust "$PKI_BAD/fake-root.pem"
assert_eq "passed ok" "$(report_get "S(0).checks.chain.result + ' ' + S(0).checks.chain.reason")" \
  "the impostor chain is well formed: trusting the fake root builds it"

section "keyEncipherment only"
sign_as keyenc "$PKI_BAD/chain.pem" --allow-unusable-cert
dss_only "$W/keyenc.pdf" "$W/keyenc.dss.pdf" "${crl[@]}" --ocsp "$PKI_BAD/ocsp/keyenc.der"
verdict "$W/keyenc.dss.pdf" Signature1 INDETERMINATE SIG_CONSTRAINTS_FAILURE key_usage 'failed|indeterminate' \
  key_usage_not_for_signing "keyUsage without digitalSignature or nonRepudiation"

assert_eq 8 "$(tr ' ' '\n' <<<"$SEEN_SUBS" | grep -c .)" "eight verdicts judged"
assert_eq 7 "$(tr ' ' '\n' <<<"$SEEN_SUBS" | grep . | sort -u | wc -l)" \
  "each certificate problem has its own sub-indication (CRL and OCSP revocations share REVOKED):$SEEN_SUBS"

section "forged revocation data"
# An OCSP response saying "good" for the revoked certificate, signed by the
# good end entity (no OCSPSigning EKU, not the CA): it proves nothing.
fake=$W/fake-ocsp
mkdir -p "$fake"
serial=$(openssl x509 -in "$PKI_BAD/revoked.pem" -noout -serial | cut -d= -f2)
printf 'V\t340601000000Z\t\t%s\tunknown\t/CN=x\n' "$serial" >"$fake/index.txt"
openssl ocsp -issuer "$PKI_BAD/subca.pem" -cert "$PKI_BAD/revoked.pem" -no_nonce -reqout "$fake/req.der" 2>/dev/null
openssl ocsp -index "$fake/index.txt" -rsigner "$PKI_BAD/good.pem" -rkey "$PKI_BAD/good.key" \
  -CA "$PKI_BAD/subca.pem" -reqin "$fake/req.der" -respout "$fake/resp.der" -ndays 30 >/dev/null 2>&1
assert_file_exists "$fake/resp.der" "forged OCSP response made"
dss_only "$W/revoked.pdf" "$W/revoked-forged.pdf" --ocsp "$fake/resp.der" --crl "$PKI_BAD/root.crl"
kyso_verify "$W/revoked-forged.pdf" --trust "$TRUST_DIR"
assert_status 1 "forged OCSP: exit status"
assert_ne TOTAL_PASSED "$(report_get 'S(0).indication')" "forged OCSP: not passed"
assert_ne passed "$(report_get 'S(0).checks.revocation.result')" "forged OCSP: revocation not passed"
# A CRL whose signature is broken (one byte of it flipped).
cp -- "$PKI_BAD/subca.crl" "$fake/bad.crl"
printf '\x55' | dd of="$fake/bad.crl" bs=1 seek=$(($(stat -c %s "$fake/bad.crl") - 10)) conv=notrunc 2>/dev/null
dss_only "$W/good.pdf" "$W/good-badcrl.pdf" --crl "$fake/bad.crl" --crl "$PKI_BAD/root.crl"
kyso_verify "$W/good-badcrl.pdf" --trust "$TRUST_DIR"
assert_eq "INDETERMINATE TRY_LATER" "$(report_get "S(0).indication + ' ' + S(0).sub_indication")" \
  "CRL with a broken signature: revocation still unknown"
assert_match "$(report_get 'S(0).checks.revocation.reason')" '^(revocation_data_invalid|revocation_unknown)$' \
  "CRL with a broken signature: reason"

section "negative controls"
expect_check_fails "the revoked verdict on the good certificate" \
  verdict "$W/good-both.pdf" Signature1 TOTAL_FAILED REVOKED revocation failed revoked x
kyso_verify "$W/keyenc.dss.pdf" --trust "$TRUST_DIR"
expect_check_fails "the good verdict on the keyEncipherment certificate" assert_all_passed 1 x
expect_check_fails "the expired verdict on the not-yet-valid certificate" \
  verdict "$W/notyet.dss.pdf" Signature1 INDETERMINATE OUT_OF_BOUNDS_NO_POE validity failed certificate_expired x

test_summary
