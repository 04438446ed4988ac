#!/usr/bin/env bash
# integration.sign_errors: every way signing can fail. Each case: non-zero
# exit, exactly one stderr line "kyso: CODE: message", no output file and no
# temp file beside it, the input byte-identical.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/setup.sh"
integration_setup
token_make_person "$PKI_DIR"
token_make_mismatch "$PKI_DIR"
token_make_cert_only "$PKI_DIR"
token_make_key_only "$PKI_DIR"
token_make_org "$PKI_DIR"
token_lock_pin "$TOKEN_ORG"

# expect_error CODES NAME INPUT -- KYSO SIGN ARGS (without --in/--out): run
# kyso sign on a private copy of INPUT and check the failure contract.
expect_error() {
  local codes=$1 name=$2 src=$3 indir outdir in
  shift 4 # the "--" too
  indir=$(fresh_dir "in.$name")
  outdir=$(fresh_dir "out.$name")
  in=$(stage_input "$src" "$indir")
  IN_SHA256=$(sha256sum "$in" | cut -d' ' -f1)
  kyso_run sign --in "$in" --out "$outdir/signed.pdf" "$@"
  assert_kyso_error "$codes" "$in" "$outdir" "$name"
  assert_dir_entries "$indir" "$(basename "$in")" "$name: nothing new beside the input"
}

TOKEN_ARGS=(--pkcs11-module "$TOKEN_MODULE" --token "$TOKEN_PERSON"
  --pin-file "$(kyso_pin_file)" --chain "$PKI_DIR/chain.pem" --time "$KYSO_TEST_TIME")
GOOD=$FX/minimal.pdf

section "bad input files"
while IFS=$'\t' read -r name codes _; do
  expect_error "$codes" "$name" "$FX/$name" -- "${TOKEN_ARGS[@]}"
done <"$FX/bad.tsv"

section "token and PIN"
printf '0000' >"$TEST_TMP/wrong-pin"
expect_error PIN_INCORRECT wrong-pin "$GOOD" -- --pkcs11-module "$TOKEN_MODULE" \
  --token "$TOKEN_PERSON" --pin-file "$TEST_TMP/wrong-pin" --time "$KYSO_TEST_TIME"
# The wrong PIN above must not have cost the token anything kyso can see:
# the right PIN still works.
outdir=$(fresh_dir out.after-wrong-pin)
kyso_run sign --in "$GOOD" --out "$outdir/signed.pdf" "${TOKEN_ARGS[@]}"
assert_success "right PIN after a wrong one"
expect_error TOKEN_NOT_FOUND missing-token "$GOOD" -- --pkcs11-module "$TOKEN_MODULE" \
  --token "Khong ton tai" --pin-file "$(kyso_pin_file)" --time "$KYSO_TEST_TIME"
expect_error 'SIGN_VALUE|KEY_NOT_FOUND' key-cert-mismatch "$GOOD" -- --pkcs11-module "$TOKEN_MODULE" \
  --token "Khoa sai" --pin-file "$(kyso_pin_file)" --time "$KYSO_TEST_TIME"
expect_error KEY_NOT_FOUND cert-without-key "$GOOD" -- --pkcs11-module "$TOKEN_MODULE" \
  --token "Khong khoa" --pin-file "$(kyso_pin_file)" --time "$KYSO_TEST_TIME"
expect_error CERT_NOT_FOUND key-without-cert "$GOOD" -- --pkcs11-module "$TOKEN_MODULE" \
  --token "Khong chung thu" --pin-file "$(kyso_pin_file)" --time "$KYSO_TEST_TIME"
expect_error TOKEN_MODULE module-missing "$GOOD" -- --pkcs11-module "$TEST_TMP/khong-co.so" \
  --token "$TOKEN_PERSON" --pin-file "$(kyso_pin_file)" --time "$KYSO_TEST_TIME"
# A shared library that is not a PKCS#11 module (no C_GetFunctionList).
zlib=$(ldconfig -p | awk '!done && /libz\.so\.1 .*x86-64|libz\.so\.1 / { print $NF; done = 1 }')
if [ -n "$zlib" ]; then
  expect_error TOKEN_MODULE module-not-pkcs11 "$GOOD" -- --pkcs11-module "$zlib" \
    --token "$TOKEN_PERSON" --pin-file "$(kyso_pin_file)" --time "$KYSO_TEST_TIME"
fi
expect_error TOKEN_MODULE module-not-a-library "$GOOD" -- --pkcs11-module "$FX/minimal.pdf" \
  --token "$TOKEN_PERSON" --pin-file "$(kyso_pin_file)" --time "$KYSO_TEST_TIME"
# The token reports CKF_USER_PIN_LOCKED (SoftHSM 2.6.1 would still accept
# the PIN: kyso must look at the flag before C_Login).
expect_error PIN_LOCKED pin-locked-flag "$GOOD" -- --pkcs11-module "$TOKEN_MODULE" \
  --token "$TOKEN_ORG" --pin-file "$(kyso_pin_file)" --time "$KYSO_TEST_TIME"
# C_Login itself answers CKR_PIN_LOCKED, as a real token does.
FAULT=$(token_fault_module)
KYSO_ENV=(KYSO_P11_FAULT=login_locked "KYSO_P11_REAL=$TOKEN_MODULE")
expect_error PIN_LOCKED pin-locked-login "$GOOD" -- --pkcs11-module "$FAULT" \
  --token "$TOKEN_PERSON" --pin-file "$(kyso_pin_file)" --time "$KYSO_TEST_TIME"
# The token returns a corrupted signature value: kyso verifies what it
# assembled before writing anything.
KYSO_ENV=(KYSO_P11_FAULT=sign_corrupt "KYSO_P11_REAL=$TOKEN_MODULE")
expect_error SIGN_VALUE sign-corrupt "$GOOD" -- --pkcs11-module "$FAULT" \
  --token "$TOKEN_PERSON" --pin-file "$(kyso_pin_file)" --chain "$PKI_DIR/chain.pem" \
  --time "$KYSO_TEST_TIME"
KYSO_ENV=()

section "no PIN source"
# No --pin-file, no KYSO_PIN and no terminal (setsid): kyso must fail, not
# hang waiting for input.
indir=$(fresh_dir in.no-pin)
outdir=$(fresh_dir out.no-pin)
in=$(stage_input "$GOOD" "$indir")
IN_SHA256=$(sha256sum "$in" | cut -d' ' -f1)
run_cmd timeout 30 setsid -w env -u KYSO_PIN "$KYSO" sign --in "$in" --out "$outdir/signed.pdf" \
  --pkcs11-module "$TOKEN_MODULE" --token "$TOKEN_PERSON" --time "$KYSO_TEST_TIME"
assert_ne 124 "$RUN_STATUS" "no PIN source: does not hang"
# USER_CANCELLED is the host protocol's code for a PIN that never came.
assert_kyso_error 'USER_CANCELLED|ARGUMENT|IO' "$in" "$outdir" "no PIN source"

section "page, image and arguments"
expect_error PDF_PAGE page-past-end "$GOOD" -- "${TOKEN_ARGS[@]}" \
  --image "$FX/signature.png" --page 2 --rect 10,10,100,50
expect_error 'PDF_PAGE|ARGUMENT' page-zero "$GOOD" -- "${TOKEN_ARGS[@]}" \
  --image "$FX/signature.png" --page 0 --rect 10,10,100,50
expect_error ARGUMENT bad-rect "$GOOD" -- "${TOKEN_ARGS[@]}" \
  --image "$FX/signature.png" --page 1 --rect 10,10,abc
expect_error ARGUMENT negative-rect "$GOOD" -- "${TOKEN_ARGS[@]}" \
  --image "$FX/signature.png" --page 1 --rect 10,10,-100,50
expect_error IO image-missing "$GOOD" -- "${TOKEN_ARGS[@]}" \
  --image "$TEST_TMP/khong-co.png" --page 1 --rect 10,10,100,50
expect_error 'IMAGE_FORMAT|ARGUMENT' image-not-png "$GOOD" -- "${TOKEN_ARGS[@]}" \
  --image "$FX/minimal.pdf" --page 1 --rect 10,10,100,50
expect_error 'ARGUMENT|SIGN_ALGORITHM' bad-digest "$GOOD" -- "${TOKEN_ARGS[@]}" --digest md5
expect_error ARGUMENT bad-time "$GOOD" -- "${TOKEN_ARGS[@]}" --time "11/12/2024 9:30"
expect_error ARGUMENT unknown-option "$GOOD" -- "${TOKEN_ARGS[@]}" --khong-co
expect_error ARGUMENT no-signer "$GOOD" -- --pin-file "$(kyso_pin_file)"
expect_error IO chain-missing "$GOOD" -- --pkcs11-module "$TOKEN_MODULE" \
  --token "$TOKEN_PERSON" --pin-file "$(kyso_pin_file)" --chain "$TEST_TMP/khong-co.pem"

section "certificate not usable at the signing time"
# Such a signature could never be valid: kyso refuses before the token
# signs anything (tests that need one pass --allow-unusable-cert).
pki_bad_setup "$PKI_DIR"
printf '%s' "$PKI_P12_PASS" >"$TEST_TMP/p12pass"
for ee in expired notyet keyenc; do
  expect_error SIGN_CERTIFICATE "cert-$ee" "$GOOD" -- --p12 "$PKI_BAD/$ee.p12" \
    --pin-file "$TEST_TMP/p12pass" --chain "$PKI_BAD/chain.pem" --time "$KYSO_TEST_TIME"
done
assert_match "$(cat "$RUN_ERR")" "keyUsage allows neither digitalSignature nor nonRepudiation" \
  "keyEncipherment only: the message names the key usage"
# The token's certificate is valid 2024-06-01 .. 2034-06-01 (UTC).
expect_error SIGN_CERTIFICATE cert-before-validity "$GOOD" -- "${TOKEN_ARGS[@]}" \
  --time 2024-06-01T06:59:59+07:00
assert_match "$(cat "$RUN_ERR")" "not valid before 2024-06-01T07:00:00\\+07:00" \
  "before its validity: the message gives the date in Vietnam time"
expect_error SIGN_CERTIFICATE cert-after-validity "$GOOD" -- "${TOKEN_ARGS[@]}" \
  --time 2034-06-01T07:00:01+07:00
assert_match "$(cat "$RUN_ERR")" "expired at 2034-06-01T07:00:00\\+07:00" \
  "after its validity: the message gives the date"
outdir=$(fresh_dir out.cert-last-second)
kyso_run sign --in "$GOOD" --out "$outdir/signed.pdf" "${TOKEN_ARGS[@]}" \
  --time 2034-06-01T07:00:00+07:00
assert_success "the last second of the validity period still signs"
outdir=$(fresh_dir out.cert-allowed)
kyso_run sign --in "$GOOD" --out "$outdir/signed.pdf" --p12 "$PKI_BAD/expired.p12" \
  --pin-file "$TEST_TMP/p12pass" --time "$KYSO_TEST_TIME" --allow-unusable-cert
assert_success "--allow-unusable-cert signs with the expired certificate"

section "input and output paths"
outdir=$(fresh_dir out.no-input)
kyso_run sign --in "$TEST_TMP/khong-co.pdf" --out "$outdir/signed.pdf" "${TOKEN_ARGS[@]}"
assert_kyso_error IO "" "$outdir" "input missing"
outdir=$(fresh_dir out.no-in-arg)
kyso_run sign --out "$outdir/signed.pdf" "${TOKEN_ARGS[@]}"
assert_kyso_error ARGUMENT "" "$outdir" "no --in"
indir=$(fresh_dir in.no-out-dir)
in=$(stage_input "$GOOD" "$indir")
IN_SHA256=$(sha256sum "$in" | cut -d' ' -f1)
kyso_run sign --in "$in" --out "$TEST_TMP/khong-co/signed.pdf" "${TOKEN_ARGS[@]}"
assert_error_line IO "output directory missing"
assert_no_file "$TEST_TMP/khong-co" "output directory missing: not created"
assert_sha256 "$in" "$IN_SHA256" "output directory missing: input unchanged"

# --out naming the input (directly, or through another path) must be
# refused before anything is written.
for variant in same dotted symlink; do
  indir=$(fresh_dir "in.out-is-in.$variant")
  in=$(stage_input "$GOOD" "$indir")
  IN_SHA256=$(sha256sum "$in" | cut -d' ' -f1)
  case $variant in
    same) out=$in ;;
    dotted) out=$indir/./../$(basename "$indir")/$(basename "$in") ;;
    symlink)
      ln -s "$in" "$TEST_TMP/link-to-input.pdf"
      out=$TEST_TMP/link-to-input.pdf
      ;;
  esac
  kyso_run sign --in "$in" --out "$out" "${TOKEN_ARGS[@]}"
  assert_error_line 'ARGUMENT|IO' "--out is --in ($variant)"
  assert_sha256 "$in" "$IN_SHA256" "--out is --in ($variant): input untouched"
  assert_dir_entries "$indir" "$(basename "$in")" "--out is --in ($variant): no temp file"
done

test_summary
