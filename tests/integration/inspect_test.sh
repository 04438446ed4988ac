#!/usr/bin/env bash
# integration.inspect: kyso inspect on unsigned inputs of every shape, on
# files signed by pdfsig (another implementation) and by kyso, and on broken
# files. What it reports is compared with what qpdf, pdfsig and the
# independent ByteRange extractor find.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/setup.sh"
integration_setup
token_make_person "$PKI_DIR"
token_make_org "$PKI_DIR"

section "unsigned inputs"
while IFS=$'\t' read -r name _ revs what; do
  in=$(stage_input "$FX/$name" "$(fresh_dir "in.$name")")
  IN_SHA256=$(sha256sum "$in" | cut -d' ' -f1)
  assert_inspect "$in" "$revs" "$name ($what)"
  assert_sha256 "$in" "$IN_SHA256" "$name: inspect leaves the file alone"
done <"$FX/inputs.tsv"

section "signed by pdfsig"
nssdb_add_signer "$TEST_TMP/nss-signers" "$PKI_DIR/person-rsa2048.p12" person
nssdb_add_signer "$TEST_TMP/nss-signers" "$PKI_DIR/org-rsa2048.p12" org
dir=$(fresh_dir pdfsig)
pdfsig -add-signature -nssdir "sql:$TEST_TMP/nss-signers" -nick person \
  -new-signature-field-name "ChuKyPdfsig" "$FX/vn-chromium.pdf" "$dir/one.pdf" 2>/dev/null
pdfsig -add-signature -nssdir "sql:$TEST_TMP/nss-signers" -nick org \
  -new-signature-field-name "DauPdfsig" "$dir/one.pdf" "$dir/two.pdf" 2>/dev/null
assert_inspect "$dir/one.pdf" 2 "pdfsig, one signature" "ChuKyPdfsig|adbe.pkcs7.detached|$PKI_PERSON_CN"
assert_inspect "$dir/two.pdf" 3 "pdfsig, two signatures" \
  "ChuKyPdfsig|adbe.pkcs7.detached|$PKI_PERSON_CN" "DauPdfsig|adbe.pkcs7.detached|$PKI_ORG_CN"

section "signed by kyso"
for name in vn-objstm.pdf hybrid.pdf; do
  in=$(stage_input "$FX/$name" "$(fresh_dir "in.kyso.$name")")
  outdir=$(fresh_dir "out.$name.1")
  kyso_sign_token "$TOKEN_PERSON" "$in" "$outdir/signed.pdf" --field "Ca nhan"
  assert_success "$name: first signature"
  first=$outdir/signed.pdf
  outdir=$(fresh_dir "out.$name.2")
  kyso_sign_token "$TOKEN_ORG" "$first" "$outdir/signed.pdf" --field "To chuc"
  assert_success "$name: second signature"
  assert_inspect "$first" 2 "$name signed once" "Ca nhan|ETSI.CAdES.detached|$PKI_PERSON_CN"
  assert_inspect "$outdir/signed.pdf" 3 "$name signed twice" \
    "Ca nhan|ETSI.CAdES.detached|$PKI_PERSON_CN" "To chuc|ETSI.CAdES.detached|$PKI_ORG_CN"
done

section "broken files"
while IFS=$'\t' read -r name codes what; do
  in=$(stage_input "$FX/$name" "$(fresh_dir "in.bad.$name")")
  IN_SHA256=$(sha256sum "$in" | cut -d' ' -f1)
  kyso_run inspect "$in"
  assert_error_line "$codes" "inspect $name ($what)"
  assert_sha256 "$in" "$IN_SHA256" "inspect $name: file unchanged"
done <"$FX/bad.tsv"
kyso_run inspect "$TEST_TMP/khong-co.pdf"
assert_error_line IO "inspect of a missing file"
kyso_run inspect
assert_error_line ARGUMENT "inspect without a file"

test_summary
