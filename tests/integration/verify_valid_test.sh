#!/usr/bin/env bash
# integration.verify_valid: every kind of valid signature kyso must accept:
# what kyso signs (token, P12, each algorithm, visible and invisible, every
# input shape, 2 and 3 signatures in sequence, a signature timestamp) and
# what other signers make (poppler's pdfsig with NSS, @signpdf/signpdf with
# node-forge, sigwrite.mjs with openssl cms, a certified document signed
# again). For each file:
#   - no revocation data embedded: INDETERMINATE/TRY_LATER, revocation
#     "revocation_unknown" (never silently passed), exit 1;
#   - with a /DSS holding CRLs and OCSP responses that say good (kyso dss)
#     and the test root given with --trust: exit 0, every signature
#     TOTAL_PASSED with every mandatory check passed;
#   - the same without --trust: NO_CERTIFICATE_CHAIN_FOUND, exit 1;
#   - pdfsig says "Signature is Valid." and "Certificate is Trusted." for
#     each signature exactly where kyso says TOTAL_PASSED.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/setup.sh"
integration_setup
verify_setup
token_make_person "$PKI_DIR"
token_make_org "$PKI_DIR"
token_make_third "$PKI_DIR"
W=$(fresh_dir valid)

# agree_with_pdfsig FILE MSG: kyso's verdict per signature (valid means
# TOTAL_PASSED) equals pdfsig's, as multisets (the two may order
# signatures differently). Needs the last report to be FILE's.
agree_with_pdfsig() {
  local ours theirs
  ours=$(report_get "r.signatures.map((s) => s.indication === 'TOTAL_PASSED' ? 'valid' : 'invalid').sort().join(' ')")
  theirs=$(pdfsig_verdicts "$1" | sort | tr '\n' ' ')
  assert_eq "${theirs% }" "$ours" "$2: kyso agrees with pdfsig"
}

# valid_case NAME FILE N TRUSTDIR: the battery above on FILE, which must
# hold N signatures.
valid_case() {
  local name=$1 file=$2 n=$3 trust=$4 dss=$W/$1.dss.pdf i
  section "$name"
  if [ ! -s "$file" ]; then
    fail "$name: the signed file was not made"
    return 0
  fi
  kyso_verify "$file" --trust "$trust"
  assert_status 1 "$name, no revocation data: exit status"
  assert_report_json "$name, no revocation data"
  assert_eq "$n" "$(report_get 'r.signatures.length')" "$name: signature count"
  per_sig "$n" "INDETERMINATE TRY_LATER indeterminate revocation_unknown" \
    "[s.indication, s.sub_indication, s.checks.revocation.result, s.checks.revocation.reason].join(' ')" \
    "$name, no revocation data: verdict and revocation"

  dss_add "$file" "$dss"
  kyso_verify "$dss" --trust "$trust"
  assert_all_passed "$n" "$name with DSS"
  assert_eq true "$(report_get "S(r.signatures.length - 1).covers_whole_file === false && r.file.revisions === $(pdf_revisions "$dss")")" \
    "$name with DSS: the last signature is followed by the DSS revision"
  agree_with_pdfsig "$dss" "$name with DSS"

  kyso_verify "$dss"
  assert_status 1 "$name, root not trusted: exit status"
  per_sig "$n" "INDETERMINATE NO_CERTIFICATE_CHAIN_FOUND" "s.indication + ' ' + s.sub_indication" \
    "$name, root not trusted"
}

# per_sig N WANT EXPR MSG: EXPR (over s, each signature of the last report)
# equals WANT for each of the N signatures.
per_sig() {
  local n=$1 want=$2 expr=$3 msg=$4 i
  local -a lines
  mapfile -t lines < <(report_get "r.signatures.map((s) => $expr).join('\\n')")
  for ((i = 0; i < n; i++)); do
    assert_eq "$want" "${lines[$i]:-}" "$msg: signature $((i + 1))"
  done
}

# ---- what kyso signs -----------------------------------------------------------

f=$W/token-chromium.pdf
kyso_sign_token "$TOKEN_PERSON" "$FX/vn-chromium.pdf" "$f" --field NguoiKy \
  --reason "Phê duyệt" --location "Tiền Giang"
valid_case token-chromium "$f" 1 "$TRUST_DIR"
# The report describes the signer and the signature as signed.
kyso_verify "$f" --trust "$TRUST_DIR"
assert_eq "NguoiKy|Sig|ETSI.CAdES.detached|$PKI_PERSON_CN|UBND tỉnh Tiền Giang|sha256|rsa-pkcs1|2048|2024-12-11T02:30:15Z|true" \
  "$(report_get "[S(0).field, S(0).type, S(0).sub_filter, S(0).signer.cn, S(0).signer.o, S(0).digest_algorithm, S(0).signature_algorithm, S(0).key_bits, S(0).claimed_time, S(0).covers_whole_file].join('|')")" \
  "token-chromium: report fields"
assert_eq "$(openssl x509 -in "$PKI_DIR/person-rsa2048.pem" -noout -serial | cut -d= -f2)" \
  "$(report_get 'S(0).signer.serial')" "token-chromium: signer serial"
cms_extract "$f" "$TEST_TMP/br.token-chromium"
assert_eq "$(awk '$2 == 1 { printf "[%s,%s,%s,%s]", $3, $4, $5, $6 }' <<<"$CMS_SIGS")" \
  "$(report_get 'S(0).byte_range')" "token-chromium: byte_range as found independently"

for input in vn-objstm xrefstream hybrid vn-multirev minimal; do
  f=$W/token-$input.pdf
  kyso_sign_token "$TOKEN_PERSON" "$FX/$input.pdf" "$f" --image "$FX/signature.png" --page 1 \
    --rect 330,465,180,70
  valid_case "token-$input" "$f" 1 "$TRUST_DIR"
done

# algorithm NAME ARGS...: a P12 signature on minimal.pdf.
algorithm() {
  local name=$1 f=$W/$1.pdf
  shift
  kyso_sign_p12 "$PKI_DIR/$1" "$FX/minimal.pdf" "$f" "${@:2}"
  valid_case "$name" "$f" 1 "$TRUST_DIR"
}
algorithm p12-rsa2048 person-rsa2048.p12
algorithm p12-ec256 person-ec256.p12
algorithm rsa3072-sha384 person-rsa3072.p12 --digest sha384
assert_eq "sha384 3072" "$(report_get "S(0).digest_algorithm + ' ' + S(0).key_bits")" "rsa3072-sha384: reported"
algorithm ec256-sha512 person-ec256.p12 --digest sha512
assert_eq "sha512 ecdsa 256" "$(report_get "S(0).digest_algorithm + ' ' + S(0).signature_algorithm + ' ' + S(0).key_bits")" \
  "ec256-sha512: reported"
algorithm rsa2048-pss person-rsa2048.p12 --pss
assert_eq rsa-pss "$(report_get 'S(0).signature_algorithm')" "rsa2048-pss: reported"
algorithm rsa3072-pss-sha384 person-rsa3072.p12 --pss --digest sha384

s1=$W/seq1.pdf
s2=$W/seq2.pdf
s3=$W/seq3.pdf
kyso_sign_token "$TOKEN_PERSON" "$FX/vn-chromium.pdf" "$s1" --field NguoiKy \
  --image "$FX/signature.png" --page 3 --rect 330,465,180,70
kyso_sign_token "$TOKEN_ORG" "$s1" "$s2" --field VanThu --image "$FX/seal.png" --page 3 \
  --rect 290,450,100,100
valid_case sequential-2 "$s2" 2 "$TRUST_DIR"
kyso_sign_token "$TOKEN_THIRD" "$s2" "$s3" --field Third
valid_case sequential-3 "$s3" 3 "$TRUST_DIR"
kyso_verify "$s3" --trust "$TRUST_DIR"
assert_eq "NguoiKy:false VanThu:false Third:true" \
  "$(report_get "r.signatures.map((s) => s.field + ':' + s.covers_whole_file).join(' ')")" \
  "sequential-3: only the last signature covers the whole file"
assert_eq "true true" \
  "$(report_get "[S(0).changes.length > 0 && S(0).changes.every((c) => c.allowed), S(0).checks.changes.reason === 'allowed_changes_only'].join(' ')")" \
  "sequential-3: the first signature sees the later ones as allowed changes"

section "signature timestamp (PAdES B-T)"
f=$W/timestamped.pdf
kyso_sign_token "$TOKEN_PERSON" "$FX/minimal.pdf" "$f" --tsa-command "$PKI_BAD/tsa-reply.sh"
assert_success "kyso sign --tsa-command"
valid_case timestamped "$f" 1 "$TRUST_DIR"
kyso_verify "$W/timestamped.dss.pdf" --trust "$TRUST_DIR"
assert_eq "passed ok" "$(report_get "S(0).checks.timestamp.result + ' ' + S(0).checks.timestamp.reason")" \
  "timestamped: timestamp check"
assert_match "$(report_get 'S(0).timestamp_time')" '^20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-9:]{8}Z$' \
  "timestamped: timestamp_time"

# ---- what other signers make ------------------------------------------------------

f=$W/pdfsig-minimal.pdf
sign_pdfsig "$FX/minimal.pdf" "$f"
valid_case pdfsig-minimal "$f" 1 "$TRUST_DIR"
assert_eq adbe.pkcs7.detached "$(report_get 'S(0).sub_filter')" "pdfsig-minimal: SubFilter"
f=$W/pdfsig-chromium.pdf
sign_pdfsig "$FX/vn-chromium.pdf" "$f"
valid_case pdfsig-chromium "$f" 1 "$TRUST_DIR"
f=$W/pdfsig-then-kyso.pdf
kyso_sign_token "$TOKEN_ORG" "$W/pdfsig-chromium.pdf" "$f" --field VanThu
valid_case pdfsig-then-kyso "$f" 2 "$TRUST_DIR"

f=$W/signpdf-adbe.pdf
sign_signpdf "$FX/minimal.pdf" "$f" "$PKI_BAD/ascii-signer.p12"
valid_case signpdf-adbe "$f" 1 "$TRUST_ASCII"
f=$W/signpdf-chromium.pdf
sign_signpdf "$FX/vn-chromium.pdf" "$f" "$PKI_BAD/ascii-signer.p12"
valid_case signpdf-chromium "$f" 1 "$TRUST_ASCII"

f=$W/sigwrite.pdf
sign_sigwrite "$FX/minimal.pdf" "$f" org-rsa2048 --field OpenSSL
valid_case sigwrite-openssl-cms "$f" 1 "$TRUST_DIR"
f=$W/certified.pdf
sign_sigwrite "$FX/vn-chromium.pdf" "$f" person-rsa2048 --field Certify --docmdp 2
valid_case certified-p2 "$f" 1 "$TRUST_DIR"
kyso_sign_token "$TOKEN_ORG" "$f" "$W/certified-signed.pdf" --field VanThu
valid_case certified-p2-then-kyso "$W/certified-signed.pdf" 2 "$TRUST_DIR"

section "an invalid signature from another signer: kyso and pdfsig agree"
# node-forge writes the SignerInfo's issuer DN with every UTF-8 name
# re-encoded (C\xC3\x86\xC2\xA1 for "Cơ"): no certificate matches it, and
# neither pdfsig nor openssl cms finds the signer. kyso must not pass it.
f=$W/signpdf-utf8.pdf
sign_signpdf "$FX/minimal.pdf" "$f" "$PKI_DIR/person-rsa2048.p12"
dss_add "$f" "$W/signpdf-utf8.dss.pdf"
kyso_verify "$W/signpdf-utf8.dss.pdf" --trust "$TRUST_DIR"
assert_status 1 "signpdf with UTF-8 names: exit status"
assert_ne TOTAL_PASSED "$(report_get 'S(0).indication')" "signpdf with UTF-8 names: not passed"
assert_eq invalid "$(pdfsig_verdicts "$W/signpdf-utf8.dss.pdf")" "signpdf with UTF-8 names: pdfsig rejects it too"
agree_with_pdfsig "$W/signpdf-utf8.dss.pdf" "signpdf with UTF-8 names"

section "ETSI.CAdES.detached without signing-certificate-v2: kyso stricter than pdfsig"
# @signpdf labels its CMS ETSI.CAdES.detached on request but node-forge
# adds no ESS signing-certificate-v2, which PAdES requires (ETSI EN 319
# 142-1 5.2.2.2): pdfsig passes it, kyso must not.
f=$W/signpdf-etsi.pdf
sign_signpdf "$FX/minimal.pdf" "$f" "$PKI_BAD/ascii-signer.p12" ETSI.CAdES.detached
dss_add "$f" "$W/signpdf-etsi.dss.pdf"
kyso_verify "$W/signpdf-etsi.dss.pdf" --trust "$TRUST_ASCII"
assert_status 1 "signpdf ETSI: exit status"
assert_verdict Signature1 INDETERMINATE NO_SIGNING_CERTIFICATE_FOUND "signpdf ETSI"
assert_check Signature1 signing_certificate failed ess_missing "signpdf ETSI"
assert_eq valid "$(pdfsig_verdicts "$W/signpdf-etsi.dss.pdf")" "signpdf ETSI: pdfsig accepts it"

section "negative controls: the battery fails on files that are not valid"
# expect_check_fails MSG CMD...: CMD (assertions) must record a failure.
expect_check_fails "valid_case on the signpdf signature with mangled UTF-8 names" \
  valid_case utf8-mangled "$W/signpdf-utf8.pdf" 1 "$TRUST_DIR"
kyso_verify "$W/token-chromium.dss.pdf" --trust "$TRUST_ASCII"
expect_check_fails "assert_all_passed with the wrong trust anchor" assert_all_passed 1 "wrong anchor"
kyso_verify "$W/sequential-2.dss.pdf" --trust "$TRUST_DIR"
expect_check_fails "assert_all_passed with a wrong signature count" assert_all_passed 3 "wrong count"
expect_check_fails "agree_with_pdfsig on another file's report" agree_with_pdfsig "$W/signpdf-utf8.dss.pdf" "mismatch"

test_summary
