#!/usr/bin/env bash
# integration.sign_p12: signing with a PKCS#12 file (development and tests;
# real officials use tokens): password from --pin-file or KYSO_PIN, RSA and
# EC, and the failures a P12 can cause.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/setup.sh"
integration_setup

in=$(stage_input "$FX/vn-chromium.pdf" "$(fresh_dir in)")
IN_SHA256=$(sha256sum "$in" | cut -d' ' -f1)

for ee in person-rsa2048 person-ec256 org-rsa2048; do
  section "$ee.p12"
  outdir=$(fresh_dir "out.$ee")
  kyso_sign_p12 "$PKI_DIR/$ee.p12" "$in" "$outdir/signed.pdf" --field "P12_$ee"
  assert_signed_pdf "$in" "$outdir/signed.pdf" 1 "$ee.p12" "$PKI_DIR/$ee.pem"
  assert_sha256 "$in" "$IN_SHA256" "$ee.p12: input unchanged"
done

section "password from KYSO_PIN, visible"
outdir=$(fresh_dir out.env)
KYSO_ENV=("KYSO_PIN=$PKI_P12_PASS")
kyso_run sign --in "$in" --out "$outdir/signed.pdf" --p12 "$PKI_DIR/person-rsa2048.p12" \
  --chain "$PKI_DIR/chain.pem" --time "$KYSO_TEST_TIME" \
  --image "$FX/signature.png" --page 1 --rect 60,60,180,72
KYSO_ENV=()
assert_signed_pdf "$in" "$outdir/signed.pdf" 1 "P12, KYSO_PIN" "$PKI_DIR/person-rsa2048.pem"
assert_renders_in_rect "$in" "$outdir/signed.pdf" 1 60 60 180 72 "P12, visible"

section "P12 signatures in sequence"
outdir=$(fresh_dir out.seq)
kyso_sign_p12 "$PKI_DIR/org-rsa2048.p12" "$TEST_TMP/out.person-rsa2048/signed.pdf" "$outdir/signed.pdf"
assert_signed_pdf "$TEST_TMP/out.person-rsa2048/signed.pdf" "$outdir/signed.pdf" 2 "P12 then P12" \
  "$PKI_DIR/person-rsa2048.pem" "$PKI_DIR/org-rsa2048.pem"

section "failures"
printf 'sai-mat-khau' >"$TEST_TMP/wrong-pass"
outdir=$(fresh_dir out.wrong-pass)
kyso_run sign --in "$in" --out "$outdir/signed.pdf" --p12 "$PKI_DIR/person-rsa2048.p12" \
  --pin-file "$TEST_TMP/wrong-pass" --time "$KYSO_TEST_TIME"
# The P12 password plays the PIN's part (same sources, same code).
assert_kyso_error 'PIN_INCORRECT' "$in" "$outdir" "wrong P12 password"

outdir=$(fresh_dir out.mismatch)
kyso_sign_p12 "$PKI_DIR/mismatch.p12" "$in" "$outdir/signed.pdf"
assert_kyso_error 'CERT_NOT_FOUND|KEY_NOT_FOUND|SIGN_VALUE' "$in" "$outdir" "P12 whose cert is not the key's"

outdir=$(fresh_dir out.missing)
kyso_sign_p12 "$TEST_TMP/khong-co.p12" "$in" "$outdir/signed.pdf"
assert_kyso_error 'IO' "$in" "$outdir" "P12 file missing"

outdir=$(fresh_dir out.not-p12)
kyso_sign_p12 "$FX/minimal.pdf" "$in" "$outdir/signed.pdf"
assert_kyso_error 'SIGN_CERTIFICATE|ARGUMENT|CERT_NOT_FOUND|KEY_NOT_FOUND' "$in" "$outdir" "--p12 is not a PKCS#12 file"

outdir=$(fresh_dir out.both)
kyso_sign_p12 "$PKI_DIR/person-rsa2048.p12" "$in" "$outdir/signed.pdf" --pkcs11-module "$TOKEN_MODULE"
assert_kyso_error 'ARGUMENT' "$in" "$outdir" "--p12 and --pkcs11-module together"

test_summary
