#!/usr/bin/env bash
# integration.lib_selftest: the test helpers themselves, without kyso. Every
# checker is shown to pass on a good file AND to fail on a bad one; a checker
# that cannot fail would let every kyso test pass.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/setup.sh"
integration_setup_nokyso


section "PKI"
run_cmd openssl verify -CAfile "$PKI_DIR/root.pem" -untrusted "$PKI_DIR/subca.pem" \
  "$PKI_DIR"/person-*.pem "$PKI_DIR/org-rsa2048.pem" "$PKI_DIR/third-rsa2048.pem"
assert_success "every end-entity chains to the root"
run_cmd openssl verify -CAfile "$PKI_DIR/subca.pem" -partial_chain "$PKI_DIR/root.pem"
assert_failure "negative control: the root does not chain to the sub-CA"
assert_eq "$PKI_PERSON_CN" "$(pki_subject_cn "$PKI_DIR/person-rsa2048.pem")" "person CN in UTF-8"
assert_eq "$PKI_ORG_CN" "$(pki_subject_cn "$PKI_DIR/org-rsa2048.pem")" "organization CN in UTF-8"
assert_eq "$PKI_ROOT_CN" "$(pki_subject_cn "$PKI_DIR/root.pem")" "root CN in UTF-8"
subject=$(openssl x509 -in "$PKI_DIR/person-rsa2048.pem" -noout -subject -nameopt RFC2253,-esc_msb)
assert_contains "$subject" "UID=CCCD:082012345678" "person UID"
assert_contains "$subject" "O=UBND tỉnh Tiền Giang" "person O"
assert_contains "$(openssl x509 -in "$PKI_DIR/org-rsa2048.pem" -noout -subject -nameopt RFC2253,-esc_msb)" \
  "UID=MNS:1234567" "organization UID"
asn1=$(openssl asn1parse -in "$PKI_DIR/person-rsa2048.pem")
assert_contains "$asn1" "UTF8STRING        :Nguyễn Văn A" "names are UTF8String"
text=$(openssl x509 -in "$PKI_DIR/person-ec256.pem" -noout -text)
assert_match "$text" "Key Usage: critical"$'\n'" +Digital Signature, Non Repudiation" "end-entity keyUsage"
assert_contains "$text" "CA:FALSE" "end-entity basicConstraints"
assert_contains "$text" "X509v3 Subject Key Identifier" "end-entity SKI"
assert_contains "$text" "X509v3 Authority Key Identifier" "end-entity AKI"
assert_contains "$text" "ASN1 OID: prime256v1" "EC P-256 key"
assert_contains "$(openssl x509 -in "$PKI_DIR/person-rsa3072.pem" -noout -text)" "Public-Key: (3072 bit)" "RSA 3072 key"
assert_contains "$(openssl x509 -in "$PKI_DIR/subca.pem" -noout -text)" "CA:TRUE, pathlen:0" "sub-CA basicConstraints"
assert_eq 2 "$(grep -c 'BEGIN CERTIFICATE' "$PKI_DIR/chain.pem")" "chain.pem holds sub-CA and root"
run_cmd openssl pkcs12 -in "$PKI_DIR/person-ec256.p12" -passin "pass:$PKI_P12_PASS" -nodes
assert_success "P12 opens with its password"
assert_eq 3 "$(grep -c 'BEGIN CERTIFICATE' "$RUN_OUT")" "P12 carries cert and chain"
run_cmd openssl pkcs12 -in "$PKI_DIR/person-ec256.p12" -passin pass:wrong -nodes
assert_failure "negative control: P12 refuses a wrong password"
assert_ne "$(openssl x509 -in "$PKI_DIR/mismatch.pem" -noout -pubkey)" \
  "$(openssl pkey -in "$PKI_DIR/mismatch.key" -pubout)" "mismatch pair really mismatches"

section "SoftHSM2 tokens"
token_make_person "$PKI_DIR"
token_make_mismatch "$PKI_DIR"
objects=$(token_list "$TOKEN_PERSON")
assert_contains "$objects" "Private Key Object; RSA" "person token: private key"
assert_contains "$objects" "Public Key Object; RSA 2048 bits" "person token: public key"
assert_eq 3 "$(grep -c '^Certificate Object' <<<"$objects")" "person token: own cert + 2 CA certs"
case $SOFTHSM2_CONF in
  "$TEST_TMP"/*) pass "SoftHSM2 config is private to the test" ;;
  *) fail "SOFTHSM2_CONF=$SOFTHSM2_CONF outside the test dir" ;;
esac
printf 'kyso token self-test' >"$TEST_TMP/data"
# shellcheck disable=SC2317 # run through assert_true
sign_on_token() { # LABEL OUT
  pkcs11-tool --module "$TOKEN_MODULE" --token-label "$1" --login --pin "$TOKEN_PIN" \
    --sign --mechanism SHA256-RSA-PKCS --id 01 -i "$TEST_TMP/data" -o "$2" 2>/dev/null
}
# shellcheck disable=SC2317 # run through assert_true
verify_with_cert() { # CERT SIG
  openssl x509 -in "$1" -noout -pubkey >"$TEST_TMP/pub.pem" &&
    openssl dgst -sha256 -verify "$TEST_TMP/pub.pem" -signature "$2" "$TEST_TMP/data" >/dev/null 2>&1
}
assert_true "person token signs" sign_on_token "$TOKEN_PERSON" "$TEST_TMP/sig1"
assert_true "token key matches its cert" verify_with_cert "$PKI_DIR/person-rsa2048.pem" "$TEST_TMP/sig1"
assert_true "mismatch token signs" sign_on_token "Khoa sai" "$TEST_TMP/sig2"
assert_false "negative control: mismatch token key does not match its cert" \
  verify_with_cert "$PKI_DIR/mismatch.pem" "$TEST_TMP/sig2"
run_cmd pkcs11-tool --module "$TOKEN_MODULE" --token-label "$TOKEN_PERSON" --login --pin 0000 -O
assert_contains "$(cat "$RUN_ERR")" "CKR_PIN_INCORRECT" "wrong PIN is CKR_PIN_INCORRECT"
assert_not_contains "$(token_flags "$TOKEN_PERSON")" "user PIN locked" "PIN not locked yet"
token_lock_pin "$TOKEN_PERSON"
assert_contains "$(token_flags "$TOKEN_PERSON")" "user PIN locked" "token_lock_pin sets CKF_USER_PIN_LOCKED"
assert_not_contains "$(token_flags "Khoa sai")" "user PIN locked" "other tokens stay unlocked"
fault=$(token_fault_module)
run_cmd env KYSO_P11_FAULT=login_locked pkcs11-tool --module "$fault" \
  --token-label "Khoa sai" --login --pin "$TOKEN_PIN" -O
assert_contains "$(cat "$RUN_ERR")" "CKR_PIN_LOCKED" "fault module: C_Login says CKR_PIN_LOCKED"
run_cmd env -u KYSO_P11_FAULT pkcs11-tool --module "$fault" \
  --token-label "Khoa sai" --login --pin "$TOKEN_PIN" -O
assert_success "fault module without a fault passes through"

section "NSS database and pdfsig"
nssdb_add_signer "$TEST_TMP/nss-signers" "$PKI_DIR/person-rsa2048.p12" person
nssdb_add_signer "$TEST_TMP/nss-signers" "$PKI_DIR/org-rsa2048.p12" org
mkdir -p "$TEST_TMP/pdf"
pdfsig -add-signature -nssdir "sql:$TEST_TMP/nss-signers" -nick person -reason "Phê duyệt" \
  "$FX/vn-chromium.pdf" "$TEST_TMP/pdf/one.pdf" 2>/dev/null
pdfsig -add-signature -nssdir "sql:$TEST_TMP/nss-signers" -nick org \
  "$TEST_TMP/pdf/one.pdf" "$TEST_TMP/pdf/two.pdf" 2>/dev/null
pdfsig_check "$TEST_TMP/pdf/one.pdf" 1
pdfsig_check "$TEST_TMP/pdf/two.pdf" 2
assert_eq "Nguyễn Văn A" "$(pdfsig_field "$TEST_TMP/pdf/two.pdf" 1 'Signer Certificate Common Name')" \
  "pdfsig_field reads signature 1"
assert_eq "$PKI_ORG_CN" "$(pdfsig_field "$TEST_TMP/pdf/two.pdf" 2 'Signer Certificate Common Name')" \
  "pdfsig_field reads signature 2"
expect_check_fails "pdfsig_check on an unsigned file" pdfsig_check "$FX/minimal.pdf" 1
expect_check_fails "pdfsig_check with the wrong count" pdfsig_check "$TEST_TMP/pdf/two.pdf" 1
nssdb_make "$TEST_TMP/nss-empty" "$PKI_DIR"
certutil -D -d "sql:$TEST_TMP/nss-empty" -n "kyso test root"
expect_check_fails "pdfsig_check without the root trusted" pdfsig_check "$TEST_TMP/pdf/one.pdf" 1
KYSO_NSSDB=$TEST_TMP/nss
# Flip one byte inside the covered range: pdfsig must call it invalid.
cp "$TEST_TMP/pdf/one.pdf" "$TEST_TMP/pdf/tampered.pdf"
printf 'X' | dd of="$TEST_TMP/pdf/tampered.pdf" bs=1 seek=2000 conv=notrunc 2>/dev/null
expect_check_fails "pdfsig_check on a tampered file" pdfsig_check "$TEST_TMP/pdf/tampered.pdf" 1
# poppler 22.12 says "Digest Mismatch." for changed bytes ("Signature is
# Invalid." is for a bad signature value).
assert_contains "$(pdfsig_out "$TEST_TMP/pdf/tampered.pdf")" "  - Signature Validation: Digest Mismatch." \
  "pdfsig wording for changed bytes"

section "independent extractor and openssl cms"
cms_extract "$TEST_TMP/pdf/two.pdf" "$TEST_TMP/ex"
assert_eq 2 "$CMS_COUNT" "extractor finds 2 signatures"
for i in 1 2; do
  run_cmd openssl cms -verify -binary -inform DER -in "$TEST_TMP/ex/sig-$i.der" \
    -content "$TEST_TMP/ex/sig-$i.covered" -CAfile "$PKI_DIR/root.pem" -purpose any -cades -out /dev/null
  assert_success "openssl cms -verify pdfsig's signature $i"
done
# NSS writes BER (indefinite lengths), which the DER check must notice.
assert_contains "$CMS_SIGS" " ber" "extractor reports BER for NSS signatures"
run_cmd openssl cms -verify -binary -inform DER -in "$TEST_TMP/ex/sig-1.der" \
  -content "$TEST_TMP/ex/sig-2.covered" -CAfile "$PKI_DIR/root.pem" -purpose any -out /dev/null
assert_failure "negative control: CMS 1 does not verify over revision 2's bytes"
assert_match "$(cms_signer_info "$TEST_TMP/ex/sig-1.der")" "^sha256 rsaEncryption .*messageDigest" \
  "cms_signer_info reads digest, algorithm, attributes"
expect_check_fails "assert_cms_valid on BER signatures" assert_cms_valid "$TEST_TMP/pdf/one.pdf" 1
# A ByteRange that leaves a gap outside /Contents must be refused.
sed 's|/ByteRange \[0 |/ByteRange [1 |' "$TEST_TMP/pdf/one.pdf" >"$TEST_TMP/pdf/badrange.pdf"
run_cmd node "$KYSO_TESTLIB/pdfsigs.mjs" "$TEST_TMP/pdf/badrange.pdf" "$TEST_TMP/ex2"
assert_failure "negative control: extractor refuses a ByteRange not starting at 0"
assert_contains "$(cat "$RUN_ERR")" "first range starts at 1" "extractor says why"
head -c -10 "$TEST_TMP/pdf/one.pdf" >"$TEST_TMP/pdf/cut.pdf"
run_cmd node "$KYSO_TESTLIB/pdfsigs.mjs" "$TEST_TMP/pdf/cut.pdf" "$TEST_TMP/ex3"
assert_failure "negative control: extractor refuses a ByteRange past the end"

section "qpdf view of signature fields"
fields=$(sig_fields "$TEST_TMP/pdf/two.pdf")
assert_eq 2 "$(wc -l <<<"$fields")" "pdfform lists 2 signature fields"
IFS=$'\t' read -r _ page rect subfilter _ reason _ _ inannots _ <<<"$(head -1 <<<"$fields")"
assert_eq 1 "$page" "field on page 1"
assert_eq "0,0,0,0" "$rect" "pdfsig's field is invisible"
assert_eq "/adbe.pkcs7.detached" "$subfilter" "SubFilter"
assert_eq "Phê duyệt" "$reason" "Reason decoded as text"
assert_eq 1 "$inannots" "widget in the page's /Annots"
assert_eq "" "$(sig_fields "$FX/minimal.pdf")" "no fields in an unsigned file"

section "fixtures"
while IFS=$'\t' read -r name pages revs what; do
  run_cmd qpdf --check "$FX/$name"
  assert_success "qpdf --check $name ($what)"
  assert_not_contains "$(cat "$RUN_OUT" "$RUN_ERR")" "WARNING" "$name without qpdf warnings"
  assert_eq "$pages" "$(pdfinfo "$FX/$name" 2>/dev/null | awk '/^Pages:/ { print $2 }')" "$name has $pages pages"
  assert_eq "$revs" "$(grep -c '%%EOF' "$FX/$name")" "$name has $revs revisions"
done <"$FX/inputs.tsv"
vntext=$(pdftotext -enc UTF-8 "$FX/vn-chromium.pdf" -)
assert_contains "$vntext" "TỜ TRÌNH" "Chromium PDF: Vietnamese title extracts as text"
assert_contains "$vntext" "Độc lập - Tự do - Hạnh phúc" "Chromium PDF: diacritics"
assert_contains "$vntext" "Tổng cộng" "Chromium PDF: the table"
assert_contains "$(qpdf --show-xref "$FX/vn-objstm.pdf")" "compressed; stream" "vn-objstm uses object streams"
assert_contains "$(qpdf --show-object=trailer "$FX/vn-objstm.pdf")" "/Type /XRef" "vn-objstm has an xref stream"
assert_contains "$(qpdf --show-object=trailer "$FX/vn-multirev.pdf")" "/Prev" "vn-multirev chains /Prev"
assert_contains "$(tail -c 200 "$FX/hybrid.pdf")" "/XRefStm" "hybrid trailer has /XRefStm"
assert_contains "$(qpdf --show-xref "$FX/hybrid.pdf")" "3/0: compressed; stream = 5" "hybrid page only in the object stream"
assert_match "$(head -c 8 "$FX/xrefstream.pdf")" "^%PDF-1\.5" "xrefstream header"
assert_eq 0 "$(grep -c '^xref' "$FX/xrefstream.pdf" || true)" "xrefstream has no classic table"
assert_eq "PNG image data, 300 x 120, 8-bit/color RGBA, non-interlaced" \
  "$(file -b "$FX/signature.png")" "signature.png is RGBA"
while IFS=$'\t' read -r name codes what; do
  case $name in
    bad-notpdf.pdf | bad-empty.pdf)
      assert_true "$name has no PDF header" test "$(head -c 5 "$FX/$name")" != "%PDF-" ;;
    bad-encrypted*.pdf)
      assert_contains "$(qpdf --show-encryption --password=o "$FX/$name" 2>&1)" "R = 6" "$name is AES-256 (R 6)" ;;
    bad-deep.pdf)
      assert_eq 10000 "$(grep -ao '\[\[*' "$FX/$name" | awk '{ if (length > m) m = length } END { print m }')" \
        "$name nests 10,000 arrays" ;;
    *)
      # qpdf notices each of the others (and then repairs or refuses).
      run_cmd qpdf --check "$FX/$name"
      assert_ne 0 "$RUN_STATUS" "$name: qpdf --check complains ($what)" ;;
  esac
  assert_match "$codes" '^[A-Z_|]+$' "$name: expected codes listed"
done <"$FX/bad.tsv"

section "rendering diff"
pdftoppm -r 72 -f 1 -l 1 "$FX/minimal.pdf" "$TEST_TMP/a"
pdftoppm -r 72 -f 1 -l 1 "$FX/hybrid.pdf" "$TEST_TMP/b"
assert_eq "inside 0 38000 outside 0" \
  "$(node "$KYSO_TESTLIB/ppmdiff.mjs" "$TEST_TMP"/a-1.ppm "$TEST_TMP"/b-1.ppm 60 700 475 80)" \
  "same page drawn by two files: no difference"
pdftoppm -r 72 -f 1 -l 1 "$FX/vn-chromium.pdf" "$TEST_TMP/c"
assert_match "$(node "$KYSO_TESTLIB/ppmdiff.mjs" "$TEST_TMP"/a-1.ppm "$TEST_TMP"/c-1.ppm 60 700 475 80)" \
  "outside [1-9]" "negative control: different pages differ outside the rect"

test_summary
