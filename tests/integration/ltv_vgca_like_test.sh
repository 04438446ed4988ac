#!/usr/bin/env bash
# integration.ltv_vgca_like: a document shaped like those real Vietnamese
# tools sign under the government CA (tests/lib/vgca_like.sh: G1-style
# SHA-1 chain, a CMS holding only the signer's certificate, a signature
# timestamp from a separate G2-style TSA chain, signingTime 7 hours ahead,
# no revocation data), verified the way a user would (issue 13):
#
#   offline, roots only       INDETERMINATE (the issuer is missing), never
#                             TOTAL_FAILED; the signingTime quirk is a note
#   + sub-CA, no revocation   INDETERMINATE / TRY_LATER
#   + sub-CA + CRL or OCSP    TOTAL_PASSED (kyso dss; the CRL from `openssl
#                             ca -gencrl`, the OCSP response from `openssl
#                             ocsp -index -respout`), evidence from the DSS,
#                             signing_time_after_timestamp with 25200 s
#   revoked after signing     still TOTAL_PASSED: the timestamp proves the
#                             signature came first (revoked_after_signing)
#   signed after revocation   TOTAL_FAILED / REVOKED (CRL and OCSP)
#   clock skew (5 min)        timestamp plain ok, no offset
#   SHA-1 as the CMS digest   INDETERMINATE / CRYPTO_CONSTRAINTS_FAILURE
#                             (algorithms: weak_digest), while SHA-1 on the CA
#                             certificates is accepted (docs/report-schema.md)
# Cross-checks that share no code with kyso: openssl verifies the embedded
# timestamp token against the G2 root and the CRL/OCSP answers; the CA
# certificates really are sha1WithRSAEncryption.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/setup.sh"
# shellcheck source=../lib/vgca_like.sh
. "$KYSO_TESTLIB/vgca_like.sh"
integration_setup
W=$(fresh_dir vgca)
V=$W/pki

vgca_like_make "$V" "$FX/minimal.pdf" "$W/vgca.pdf"
# Validation a minute from now (recorded for the WASM comparison).
AT=$(date -u -d '+1 minute' +%Y-%m-%dT%H:%M:%SZ)
ANCHORS=(--trust "$V/g1root.pem" --trust "$V/g2root.pem")

# verify_vgca FILE MSG: kyso verify --json with the two roots only.
verify_vgca() {
  kyso_verify "$1" "${ANCHORS[@]}" --at "$AT"
  assert_report_json "$2"
}

section "the fixture is what it claims"
assert_eq "sha1WithRSAEncryption" \
  "$(openssl x509 -in "$V/g1root.pem" -noout -text | sed -n 's/^ *Signature Algorithm: //p' | head -1)" \
  "G1 root is signed with SHA-1"
assert_eq "sha1WithRSAEncryption" \
  "$(openssl x509 -in "$V/g1sub.pem" -noout -text | sed -n 's/^ *Signature Algorithm: //p' | head -1)" \
  "G1 sub-CA is signed with SHA-1"
assert_contains "$(openssl x509 -in "$V/leaf.pem" -noout -ext authorityInfoAccess,crlDistributionPoints)" \
  "OCSP - URI:" "leaf names an OCSP responder (AIA)"
cms_extract "$W/vgca.pdf" "$W/cms"
assert_eq 1 "$CMS_COUNT" "one signature"
assert_eq 1 "$(openssl pkcs7 -inform DER -in "$W/cms/sig-1.der" -print_certs 2>/dev/null | grep -c '^subject=')" \
  "the CMS carries only the signer's certificate"
assert_true "the CMS verifies with openssl (leaf trusted directly)" \
  openssl cms -verify -binary -inform DER -in "$W/cms/sig-1.der" -content "$W/cms/sig-1.covered" \
  -CAfile "$V/leaf.pem" -partial_chain -purpose any -out /dev/null
st=$(openssl cms -cmsout -print -inform DER -in "$W/cms/sig-1.der" | grep -A3 'signingTime' | grep -m1 -o 'UTCTIME:.*')
assert_match "$st" "^UTCTIME:" "signingTime attribute present ($st)"
assert_contains "$(openssl cms -cmsout -print -inform DER -in "$W/cms/sig-1.der")" \
  "id-smime-aa-timeStampToken" "the signature timestamp token is an unsigned attribute"

section "offline, the two roots only: INDETERMINATE, never TOTAL_FAILED"
verify_vgca "$W/vgca.pdf" "offline"
assert_verdict Signature1 INDETERMINATE NO_CERTIFICATE_CHAIN_FOUND "offline"
assert_check Signature1 chain indeterminate no_certificate_chain_found "offline"
assert_check Signature1 revocation indeterminate revocation_unknown "offline"
assert_check Signature1 timestamp passed signing_time_after_timestamp "offline: the 7 h signingTime is a note"
off=$(report_get "S('Signature1').signing_time_offset")
assert_true "offline: signing_time_offset is about 7 h (got $off)" test "$off" -ge 25190 -a "$off" -le 25210
assert_ne TOTAL_FAILED "$(report_get r.overall)" "offline: never TOTAL_FAILED"

section "with the sub-CA (DSS), no revocation data: TRY_LATER"
kyso_run dss --in "$W/vgca.pdf" --out "$W/sub.pdf" --cert "$V/g1sub.pem"
assert_success "kyso dss --cert g1sub"
verify_vgca "$W/sub.pdf" "sub-CA only"
assert_verdict Signature1 INDETERMINATE TRY_LATER "sub-CA only"
assert_check Signature1 chain passed ok "sub-CA only: SHA-1 CA certificates under a trusted root"
assert_eq "none" "$(report_get "S('Signature1').revocation_evidence[0].status")" "sub-CA only: evidence none"

section "with the sub-CA and a CRL: TOTAL_PASSED, the note kept"
vgca_like_crl "$V" "$W/sub.crl"
assert_true "openssl verifies the CRL with the sub-CA" \
  openssl crl -inform DER -in "$W/sub.crl" -CAfile <(cat "$V/g1sub.pem" "$V/g1root.pem") -noout
kyso_run dss --in "$W/vgca.pdf" --out "$W/lt-crl.pdf" --cert "$V/g1sub.pem" --crl "$W/sub.crl"
assert_success "kyso dss --cert --crl"
verify_vgca "$W/lt-crl.pdf" "CRL"
assert_all_passed 1 "CRL"
assert_check Signature1 timestamp passed signing_time_after_timestamp "CRL: signingTime note"
assert_eq "good crl dss false" \
  "$(report_get "['status','type','source','ca'].map((k) => S('Signature1').revocation_evidence[0][k]).join(' ')")" \
  "CRL: evidence for the signer is the DSS CRL"
assert_eq "$(report_get "S('Signature1').revocation_evidence[0].this_update")" \
  "$(report_get "S('Signature1').revocation_evidence[0].produced_at")" "CRL: produced_at is the CRL's thisUpdate"
kyso_run verify "$W/lt-crl.pdf" --no-default-trust "${ANCHORS[@]}" --at "$AT" --lang vi
assert_status 0 "CRL: text report exit status"
text=$(cat "$RUN_OUT")
assert_contains "$text" "thời điểm ký tự khai muộn hơn dấu thời gian" "CRL: the note in Vietnamese"
assert_contains "$text" "(CRL, nhúng trong văn bản (DSS), lập lúc " "CRL: where the evidence came from, in Vietnamese"
# signingTime is the fixture's clock + 7 h and the TSA stamps a moment later:
# 25200 s, or 25199 s when a second ticked between the two.
assert_match "$text" "(25200 s \(7h00m\)|2519[0-9] s \(6h59m\))" "CRL: the difference is shown"
kyso_run verify "$W/lt-crl.pdf" --no-default-trust "${ANCHORS[@]}" --at "$AT" --lang en
text=$(cat "$RUN_OUT")
assert_contains "$text" "the claimed signing time is later than the timestamp" "CRL: the note in English"
assert_contains "$text" "not revoked (CRL, embedded in the document (DSS), produced " "CRL: evidence in English"

section "with the sub-CA and an OCSP response: TOTAL_PASSED"
vgca_like_ocsp "$V" "$W/leaf.ocsp"
assert_contains "$(openssl ocsp -respin "$W/leaf.ocsp" -issuer "$V/g1sub.pem" -cert "$V/leaf.pem" \
  -CAfile <(cat "$V/g1sub.pem" "$V/g1root.pem") 2>&1)" ": good" "openssl checks the OCSP answer: good"
kyso_run dss --in "$W/vgca.pdf" --out "$W/lt-ocsp.pdf" --cert "$V/g1sub.pem" --ocsp "$W/leaf.ocsp"
assert_success "kyso dss --cert --ocsp"
verify_vgca "$W/lt-ocsp.pdf" "OCSP"
assert_all_passed 1 "OCSP"
assert_eq "good ocsp dss" \
  "$(report_get "['status','type','source'].map((k) => S('Signature1').revocation_evidence[0][k]).join(' ')")" \
  "OCSP: evidence for the signer is the DSS OCSP response"

section "the timestamp token against the G2 root (openssl ts -verify)"
# The signature value and the token, cut out by offset as in
# sign_timestamp_test.sh: the token is the value of the attribute whose
# OBJECT is id-smime-aa-timeStampToken, the signature value the last OCTET
# STRING before it at the depth of unsignedAttrs [1].
loc=$(openssl asn1parse -inform DER -in "$W/cms/sig-1.der" | awk '
  { match($0, /d=[0-9]+/); d = substr($0, RSTART + 2, RLENGTH - 2) + 0
    off = $1; sub(/:.*/, "", off); off += 0
    match($0, /hl=[ ]*[0-9]+/); hl = substr($0, RSTART + 3, RLENGTH - 3) + 0
    match($0, / l=[ ]*[0-9]+/); l = substr($0, RSTART + 3, RLENGTH - 3) + 0 }
  /prim: OCTET STRING/ { oct[d] = off " " hl " " l }
  /:id-smime-aa-timeStampToken/ && !want { sig = oct[d - 2]; want = d + 1 }
  want && d == want && /cons: SEQUENCE/ && !tok { tok = off " " (hl + l) }
  END { print sig; print tok }')
read -r off hl l <<<"$(sed -n 1p <<<"$loc")"
dd if="$W/cms/sig-1.der" of="$W/cms/sigvalue.bin" bs=1 skip=$((off + hl)) count="$l" status=none
read -r off l <<<"$(sed -n 2p <<<"$loc")"
dd if="$W/cms/sig-1.der" of="$W/cms/token.der" bs=1 skip="$off" count="$l" status=none
assert_true "openssl ts -verify: the token covers the signature value, under the G2 root" \
  openssl ts -verify -data "$W/cms/sigvalue.bin" -in "$W/cms/token.der" -token_in \
  -CAfile "$V/g2root.pem" -untrusted "$V/tsa.pem"
assert_false "openssl ts -verify: not under the G1 root (separate chains)" \
  openssl ts -verify -data "$W/cms/sigvalue.bin" -in "$W/cms/token.der" -token_in \
  -CAfile "$V/g1root.pem" -untrusted "$V/tsa.pem"

section "clock skew: signingTime 5 minutes after the timestamp is fine"
VGCA_SKEW=300 vgca_like_sign "$V" "$FX/minimal.pdf" "$W/skew.pdf"
kyso_run dss --in "$W/skew.pdf" --out "$W/skew-lt.pdf" --cert "$V/g1sub.pem" --crl "$W/sub.crl"
assert_success "kyso dss skew"
verify_vgca "$W/skew-lt.pdf" "skew"
assert_all_passed 1 "skew"
assert_check Signature1 timestamp passed ok "skew: no note"
assert_eq null "$(report_get "S('Signature1').signing_time_offset")" "skew: no offset"

section "SHA-1 as the signer's CMS digest stays weak"
vgca_like_sign "$V" "$FX/minimal.pdf" "$W/sha1.pdf" --digest sha1
kyso_run dss --in "$W/sha1.pdf" --out "$W/sha1-lt.pdf" --cert "$V/g1sub.pem" --crl "$W/sub.crl"
assert_success "kyso dss sha1"
verify_vgca "$W/sha1-lt.pdf" "sha1 digest"
assert_verdict Signature1 INDETERMINATE CRYPTO_CONSTRAINTS_FAILURE "sha1 digest"
assert_check Signature1 algorithms failed weak_digest "sha1 digest"
assert_check Signature1 chain passed ok "sha1 digest: the chain itself is fine"

section "revoked after the timestamp: still valid (proof of existence)"
sleep 1
vgca_like_revoke "$V"
vgca_like_crl "$V" "$W/revoked.crl"
vgca_like_ocsp "$V" "$W/revoked.ocsp"
assert_contains "$(openssl ocsp -respin "$W/revoked.ocsp" -issuer "$V/g1sub.pem" -cert "$V/leaf.pem" \
  -CAfile <(cat "$V/g1sub.pem" "$V/g1root.pem") 2>&1)" ": revoked" "openssl: the OCSP answer says revoked"
kyso_run dss --in "$W/vgca.pdf" --out "$W/late.pdf" --cert "$V/g1sub.pem" --crl "$W/revoked.crl"
assert_success "kyso dss revoked CRL on the earlier signature"
verify_vgca "$W/late.pdf" "revoked later"
assert_all_passed 1 "revoked later"
assert_check Signature1 revocation passed revoked_after_signing "revoked later"
assert_eq "revoked crl" \
  "$(report_get "['status','type'].map((k) => S('Signature1').revocation_evidence[0][k]).join(' ')")" \
  "revoked later: the evidence says revoked"

section "signed after the revocation: TOTAL_FAILED / REVOKED"
sleep 1
vgca_like_sign "$V" "$FX/minimal.pdf" "$W/after.pdf"
for kind in crl ocsp; do
  if [ $kind = crl ]; then item=(--crl "$W/revoked.crl"); else item=(--ocsp "$W/revoked.ocsp"); fi
  kyso_run dss --in "$W/after.pdf" --out "$W/after-$kind.pdf" --cert "$V/g1sub.pem" "${item[@]}"
  assert_success "kyso dss after-$kind"
  verify_vgca "$W/after-$kind.pdf" "revoked ($kind)"
  assert_verdict Signature1 TOTAL_FAILED REVOKED "revoked ($kind)"
  assert_check Signature1 revocation failed revoked "revoked ($kind)"
  assert_eq "revoked $kind dss" \
    "$(report_get "['status','type','source'].map((k) => S('Signature1').revocation_evidence[0][k]).join(' ')")" \
    "revoked ($kind): evidence"
done

test_summary
