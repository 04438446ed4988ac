#!/usr/bin/env bash
# integration.sign_token: sign every input shape with a SoftHSM2 token (RSA
# 2048, SHA-256), invisible and with a visible PNG signature image, and check
# the result with qpdf, pdfsig, openssl cms and a rendering diff.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/setup.sh"
integration_setup
token_make_person "$PKI_DIR"
PERSON=$PKI_DIR/person-rsa2048.pem

# A box in PDF points on an A4 page: on the tờ trình's last page it falls
# between "PHÓ CHỦ TỊCH" and the signer's name (Decree 30 box 7c).
RECT_X=330 RECT_Y=465 RECT_W=180 RECT_H=70
RECT="$RECT_X,$RECT_Y,$RECT_W,$RECT_H"
RECT_EDGES="$RECT_X,$RECT_Y,$((RECT_X + RECT_W)),$((RECT_Y + RECT_H))"

# check_field OUT MSG NAME PAGE: the one signature field, as qpdf reads it.
check_field() {
  local out=$1 msg=$2 name=$3 page=$4 fields f
  fields=$(sig_fields "$out")
  assert_eq 1 "$(grep -c . <<<"$fields" || true)" "$msg: one signature field"
  f=$(head -n 1 <<<"$fields")
  assert_eq "$name" "$(field_value "$f" 1)" "$msg: field name"
  assert_eq "/ETSI.CAdES.detached" "$(field_value "$f" 4)" "$msg: SubFilter"
  assert_match "$(field_value "$f" 5)" "$KYSO_TEST_M_RE" "$msg: /M is the --time"
  if [ -n "$page" ]; then
    assert_eq "$page" "$(field_value "$f" 2)" "$msg: widget page"
    assert_eq 1 "$(field_value "$f" 9)" "$msg: widget in the page's /Annots"
  fi
}

while IFS=$'\t' read -r name pages revs what; do
  section "$name ($what)"
  in=$(stage_input "$FX/$name" "$(fresh_dir "in.$name")")
  IN_SHA256=$(sha256sum "$in" | cut -d' ' -f1)

  # Invisible, with the signature dictionary's optional text entries.
  outdir=$(fresh_dir "out.$name.invisible")
  out=$outdir/signed.pdf
  kyso_sign_token "$TOKEN_PERSON" "$in" "$out" --field "ChuKy1" \
    --reason "Phê duyệt tờ trình" --location "Tiền Giang" --name "$PKI_PERSON_CN"
  assert_signed_pdf "$in" "$out" 1 "$name invisible" "$PERSON"
  assert_sha256 "$in" "$IN_SHA256" "$name invisible: input unchanged"
  assert_eq $((revs + 1)) "$(pdf_revisions "$out")" "$name invisible: one revision added"
  check_field "$out" "$name invisible" ChuKy1 ""
  f=$(sig_fields "$out")
  assert_eq "Phê duyệt tờ trình" "$(field_value "$f" 6)" "$name invisible: /Reason text"
  assert_eq "Tiền Giang" "$(field_value "$f" 7)" "$name invisible: /Location text"
  assert_eq "$PKI_PERSON_CN" "$(field_value "$f" 8)" "$name invisible: /Name text"
  IFS=, read -r x1 y1 x2 y2 <<<"$(field_value "$f" 3)"
  assert_true "$name invisible: widget has no area" test "$x1" = "$x2" -o "$y1" = "$y2"
  assert_eq "sha256" "$(cms_signer_info "$TEST_TMP/cms.signed.pdf/sig-1.der" | cut -d' ' -f1)" \
    "$name invisible: SHA-256 by default"

  # Visible: the blue signature on the last page (Decree 30 box 7c).
  outdir=$(fresh_dir "out.$name.visible")
  out=$outdir/signed.pdf
  kyso_sign_token "$TOKEN_PERSON" "$in" "$out" --field "NguoiKy" \
    --image "$FX/signature.png" --page "$pages" --rect "$RECT"
  assert_signed_pdf "$in" "$out" 1 "$name visible" "$PERSON"
  assert_sha256 "$in" "$IN_SHA256" "$name visible: input unchanged"
  check_field "$out" "$name visible" NguoiKy "$pages"
  f=$(sig_fields "$out")
  assert_eq "$RECT_EDGES" "$(field_value "$f" 3)" "$name visible: widget /Rect from --rect"
  assert_gt "$(field_value "$f" 10)" 0 "$name visible: appearance draws an image"
  assert_gt "$(field_value "$f" 11)" 0 "$name visible: the image keeps its alpha (/SMask)"
  assert_renders_in_rect "$in" "$out" "$pages" "$RECT_X" "$RECT_Y" "$RECT_W" "$RECT_H" "$name visible"
done <"$FX/inputs.tsv"

section "PIN and token selection"
in=$(stage_input "$FX/minimal.pdf" "$(fresh_dir in.pin)")
IN_SHA256=$(sha256sum "$in" | cut -d' ' -f1)
outdir=$(fresh_dir out.env-pin)
KYSO_ENV=("KYSO_PIN=$TOKEN_PIN")
kyso_run sign --in "$in" --out "$outdir/signed.pdf" --pkcs11-module "$TOKEN_MODULE" \
  --token "$TOKEN_PERSON" --chain "$PKI_DIR/chain.pem" --time "$KYSO_TEST_TIME"
KYSO_ENV=()
assert_signed_pdf "$in" "$outdir/signed.pdf" 1 "PIN from KYSO_PIN" "$PERSON"

# A PIN file written by "echo" ends with a newline, which is not part of
# the PIN.
printf '%s\n' "$TOKEN_PIN" >"$TEST_TMP/pin-newline"
outdir=$(fresh_dir out.pin-newline)
kyso_run sign --in "$in" --out "$outdir/signed.pdf" --pkcs11-module "$TOKEN_MODULE" \
  --token "$TOKEN_PERSON" --pin-file "$TEST_TMP/pin-newline" --chain "$PKI_DIR/chain.pem" \
  --time "$KYSO_TEST_TIME"
assert_signed_pdf "$in" "$outdir/signed.pdf" 1 "PIN file ending in a newline" "$PERSON"

# One initialised token (SoftHSM also shows an empty slot): --token may go.
outdir=$(fresh_dir out.no-token-label)
kyso_run sign --in "$in" --out "$outdir/signed.pdf" --pkcs11-module "$TOKEN_MODULE" \
  --pin-file "$(kyso_pin_file)" --chain "$PKI_DIR/chain.pem" --time "$KYSO_TEST_TIME" \
  --key-label "$TOKEN_PERSON"
assert_signed_pdf "$in" "$outdir/signed.pdf" 1 "no --token, --key-label given" "$PERSON"

section "no --chain"
# Without --chain the CMS may carry only the signer; openssl then gets the
# chain from outside.
outdir=$(fresh_dir out.no-chain)
kyso_run sign --in "$in" --out "$outdir/signed.pdf" --pkcs11-module "$TOKEN_MODULE" \
  --token "$TOKEN_PERSON" --pin-file "$(kyso_pin_file)" --time "$KYSO_TEST_TIME"
assert_success "no --chain: kyso exit status"
CMS_VERIFY_EXTRA=(-certfile "$PKI_DIR/chain.pem")
assert_cms_valid "$outdir/signed.pdf" 1 "$PERSON"
CMS_VERIFY_EXTRA=()

section "--chain is embedded"
cms_extract "$TEST_TMP/out.env-pin/signed.pdf" "$TEST_TMP/chain-check"
assert_true "CMS carries the signer's certificate" \
  cms_has_cert "$TEST_TMP/chain-check/sig-1.der" "$PERSON"
assert_true "CMS carries the sub-CA from --chain" \
  cms_has_cert "$TEST_TMP/chain-check/sig-1.der" "$PKI_DIR/subca.pem"

section "paths with spaces and Vietnamese"
indir=$(fresh_dir "in dir")
cp "$FX/minimal.pdf" "$indir/tờ trình số 1.pdf"
in="$indir/tờ trình số 1.pdf"
IN_SHA256=$(sha256sum "$in" | cut -d' ' -f1)
outdir=$(fresh_dir "out dir")
kyso_sign_token "$TOKEN_PERSON" "$in" "$outdir/tờ trình đã ký.pdf"
assert_signed_pdf "$in" "$outdir/tờ trình đã ký.pdf" 1 "UTF-8 paths" "$PERSON"
assert_sha256 "$in" "$IN_SHA256" "UTF-8 paths: input unchanged"

test_summary
