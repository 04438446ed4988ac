#!/usr/bin/env bash
# integration.sign_sequential: the issuance flow of Decree 30: the leader
# signs (blue signature), the clerk signs for the organization (red seal over
# the left third of it), a third party countersigns; also sequential
# signatures on xref-stream and hybrid files and on top of a signature made
# by another tool (pdfsig). Every earlier signature must stay valid, and
# only the last one covers the whole file.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/setup.sh"
integration_setup
token_make_person "$PKI_DIR"
token_make_org "$PKI_DIR"
token_make_third "$PKI_DIR"
PERSON=$PKI_DIR/person-rsa2048.pem
ORG=$PKI_DIR/org-rsa2048.pem
THIRD=$PKI_DIR/third-rsa2048.pem
ETSI=ETSI.CAdES.detached

# first_sig FILE: the ByteRange "a b c d" of signature 1, found independently.
first_sig() {
  cms_extract "$1" "$TEST_TMP/first.$RANDOM" >/dev/null
  awk '$2 == 1 { print $3, $4, $5, $6 }' <<<"$CMS_SIGS"
}

section "leader, clerk, third signer on the Chromium document"
in=$(stage_input "$FX/vn-chromium.pdf" "$(fresh_dir in)")
IN_SHA256=$(sha256sum "$in" | cut -d' ' -f1)

# kyso_run sets RUN_* in this shell, so call it here, not in $(...).
outdir=$(fresh_dir out.s1)
s1=$outdir/signed.pdf
kyso_sign_token "$TOKEN_PERSON" "$in" "$s1" --field NguoiKy \
  --image "$FX/signature.png" --page 3 --rect 330,465,180,70 --reason "Phê duyệt"
assert_signed_pdf "$in" "$s1" 1 "leader" "$PERSON"
assert_sha256 "$in" "$IN_SHA256" "leader: input unchanged"
br1=$(first_sig "$s1")

outdir=$(fresh_dir out.s2)
s2=$outdir/signed.pdf
# The seal covers about the left third of the leader's signature image.
kyso_sign_token "$TOKEN_ORG" "$s1" "$s2" --field VanThu \
  --image "$FX/seal.png" --page 3 --rect 290,450,100,100 --name "$PKI_ORG_CN"
assert_signed_pdf "$s1" "$s2" 2 "clerk" "$PERSON" "$ORG"
assert_renders_in_rect "$s1" "$s2" 3 290 450 100 100 "clerk's seal"
assert_eq "$br1" "$(first_sig "$s2")" "clerk: leader's ByteRange untouched"

outdir=$(fresh_dir out.s3)
s3=$outdir/signed.pdf
kyso_sign_token "$TOKEN_THIRD" "$s2" "$s3" --field Third
assert_signed_pdf "$s2" "$s3" 3 "third signer" "$PERSON" "$ORG" "$THIRD"
assert_eq "$br1" "$(first_sig "$s3")" "third: leader's ByteRange untouched"
pdftoppm -r 72 -f 3 -l 3 "$s2" "$TEST_TMP/p2"
pdftoppm -r 72 -f 3 -l 3 "$s3" "$TEST_TMP/p3"
assert_eq "inside 0 0 outside 0" \
  "$(node "$KYSO_TESTLIB/ppmdiff.mjs" "$TEST_TMP"/p2-*.ppm "$TEST_TMP"/p3-*.ppm 0 0 0 0)" \
  "third: an invisible signature changes nothing on the page"

assert_eq "2 3 4" "$(pdf_revisions "$s1") $(pdf_revisions "$s2") $(pdf_revisions "$s3")" \
  "one revision per signature"
assert_inspect "$s1" 2 "inspect after 1" "NguoiKy|$ETSI|$PKI_PERSON_CN"
assert_inspect "$s2" 3 "inspect after 2" "NguoiKy|$ETSI|$PKI_PERSON_CN" "VanThu|$ETSI|$PKI_ORG_CN"
assert_inspect "$s3" 4 "inspect after 3" "NguoiKy|$ETSI|$PKI_PERSON_CN" \
  "VanThu|$ETSI|$PKI_ORG_CN" "Third|$ETSI|$PKI_THIRD_CN"
# qpdf lists fields page by page, so compare as a set.
assert_eq "NguoiKy Third VanThu" "$(sig_fields "$s3" | cut -f1 | sort | tr '\n' ' ' | sed 's/ $//')" \
  "qpdf sees the three fields"

for name in vn-objstm.pdf hybrid.pdf xrefstream.pdf vn-multirev.pdf; do
  section "two signatures on $name"
  in=$(stage_input "$FX/$name" "$(fresh_dir "in.$name")")
  revs=$(pdf_revisions "$in")
  outdir=$(fresh_dir "out.$name.1")
  kyso_sign_token "$TOKEN_PERSON" "$in" "$outdir/signed.pdf"
  assert_signed_pdf "$in" "$outdir/signed.pdf" 1 "$name, first" "$PERSON"
  first=$outdir/signed.pdf
  outdir=$(fresh_dir "out.$name.2")
  kyso_sign_token "$TOKEN_ORG" "$first" "$outdir/signed.pdf" \
    --image "$FX/seal.png" --page 1 --rect 60,60,100,100
  assert_signed_pdf "$first" "$outdir/signed.pdf" 2 "$name, second" "$PERSON" "$ORG"
  assert_eq $((revs + 2)) "$(pdf_revisions "$outdir/signed.pdf")" "$name: two revisions added"
done

section "after a signature made by pdfsig (NSS, adbe.pkcs7.detached)"
nssdb_add_signer "$TEST_TMP/nss-signers" "$PKI_DIR/person-rsa2048.p12" person
in=$(fresh_dir in.pdfsig)/pdfsig-signed.pdf
pdfsig -add-signature -nssdir "sql:$TEST_TMP/nss-signers" -nick person \
  "$FX/minimal.pdf" "$in" 2>/dev/null
IN_SHA256=$(sha256sum "$in" | cut -d' ' -f1)
outdir=$(fresh_dir out.after-pdfsig)
out=$outdir/signed.pdf
kyso_sign_token "$TOKEN_ORG" "$in" "$out"
assert_success "on pdfsig's signature: kyso exit status"
assert_prefix "$in" "$out" "on pdfsig's signature: incremental"
assert_sha256 "$in" "$IN_SHA256" "on pdfsig's signature: input unchanged"
pdfsig_check "$out" 2
cms_extract "$out" "$TEST_TMP/after-pdfsig"
assert_eq 2 "$CMS_COUNT" "on pdfsig's signature: two signatures found"
run_cmd openssl cms -verify -binary -inform DER -in "$TEST_TMP/after-pdfsig/sig-2.der" \
  -content "$TEST_TMP/after-pdfsig/sig-2.covered" -CAfile "$PKI_DIR/root.pem" \
  -purpose any -cades -out /dev/null
assert_success "on pdfsig's signature: openssl cms -verify kyso's signature"
assert_inspect "$out" 3 "inspect after pdfsig + kyso" \
  "|adbe.pkcs7.detached|$PKI_PERSON_CN" "|$ETSI|$PKI_ORG_CN"

test_summary
