#!/usr/bin/env bash
# integration.sign_algorithms: key types and digests a government token may
# hold: RSA 3072 with SHA-384, EC P-256 (ECDSA), RSA-PSS, SHA-512, and key
# selection with --key-label on a token holding several keys.
#
# poppler 22.12's pdfsig (NSS) does verify RSASSA-PSS CMS signatures (checked
# by hand: valid ones say "Signature is Valid.", a flipped bit "Signature is
# Invalid."), so every case goes through pdfsig as well as openssl cms.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/setup.sh"
integration_setup

token_init "RSA 3072"
token_add_identity "RSA 3072" "$PKI_DIR" person-rsa3072 01
token_init "EC P-256"
token_add_identity "EC P-256" "$PKI_DIR" person-ec256 01
token_make_person "$PKI_DIR"
# Several key pairs on one token, told apart by label (same CKA_ID per pair).
token_init "Nhieu khoa"
token_add_key "Nhieu khoa" "$PKI_DIR/person-rsa2048.key" 01 rsa2048
token_add_cert "Nhieu khoa" "$PKI_DIR/person-rsa2048.pem" 01 rsa2048
token_add_key "Nhieu khoa" "$PKI_DIR/person-ec256.key" 02 ec256
token_add_cert "Nhieu khoa" "$PKI_DIR/person-ec256.pem" 02 ec256
token_add_key "Nhieu khoa" "$PKI_DIR/person-rsa3072.key" 03 rsa3072
token_add_cert "Nhieu khoa" "$PKI_DIR/person-rsa3072.pem" 03 rsa3072

in=$(stage_input "$FX/vn-chromium.pdf" "$(fresh_dir in)")
IN_SHA256=$(sha256sum "$in" | cut -d' ' -f1)

# sign_case NAME TOKEN EE DIGEST SIGALG_RE PDFSIG_HASH [KYSO ARGS...]
sign_case() {
  local name=$1 token=$2 ee=$3 digest=$4 sigalg_re=$5 hash=$6 outdir out info
  shift 6
  section "$name"
  outdir=$(fresh_dir "out.$name")
  out=$outdir/signed.pdf
  SIG_DER=$TEST_TMP/cms.signed.pdf/sig-1.der
  kyso_sign_token "$token" "$in" "$out" "$@"
  assert_signed_pdf "$in" "$out" 1 "$name" "$PKI_DIR/$ee.pem"
  assert_sha256 "$in" "$IN_SHA256" "$name: input unchanged"
  [ -s "$out" ] || return 0
  info=$(cms_signer_info "$SIG_DER")
  assert_eq "$digest" "${info%% *}" "$name: CMS digestAlgorithm"
  assert_match "$(cut -d' ' -f2 <<<"$info")" "$sigalg_re" "$name: CMS signatureAlgorithm"
  assert_eq "$hash" "$(pdfsig_field "$out" 1 'Signing Hash Algorithm')" "$name: pdfsig hash"
}

sign_case rsa3072-sha384 "RSA 3072" person-rsa3072 sha384 \
  '^(sha384WithRSAEncryption|rsaEncryption)$' SHA-384 --digest sha384

sign_case ec256-sha256 "EC P-256" person-ec256 sha256 '^ecdsa-with-SHA256$' SHA-256
# The ECDSA value in the CMS is DER Ecdsa-Sig-Value (RFC 5753 7.2), not the
# token's raw r||s; openssl cms -verify above has checked it.

sign_case ec256-sha384 "EC P-256" person-ec256 sha384 '^ecdsa-with-SHA384$' SHA-384 --digest sha384

sign_case rsa2048-sha512 "$TOKEN_PERSON" person-rsa2048 sha512 \
  '^(sha512WithRSAEncryption|rsaEncryption)$' SHA-512 --digest sha512

sign_case rsa2048-pss "$TOKEN_PERSON" person-rsa2048 sha256 '^rsassaPss$' SHA-256 --pss
# RFC 4055: the PSS hash and MGF1 hash are the message digest.
assert_match "$(cms_pss_params "$SIG_DER")" "^sha256 mgf1 sha256( |$)" "rsa2048-pss: PSS parameters"

sign_case rsa3072-pss-sha384 "RSA 3072" person-rsa3072 sha384 '^rsassaPss$' SHA-384 --pss --digest sha384
assert_match "$(cms_pss_params "$SIG_DER")" "^sha384 mgf1 sha384( |$)" "rsa3072-pss-sha384: PSS parameters"

sign_case visible-ec256 "EC P-256" person-ec256 sha256 '^ecdsa-with-SHA256$' SHA-256 \
  --image "$FX/signature.png" --page 3 --rect 330,300,180,72
assert_renders_in_rect "$in" "$TEST_TMP/out.visible-ec256/signed.pdf" 3 330 300 180 72 "visible-ec256"

sign_case key-label-ec "Nhieu khoa" person-ec256 sha256 '^ecdsa-with-SHA256$' SHA-256 --key-label ec256
sign_case key-label-rsa3072 "Nhieu khoa" person-rsa3072 sha256 \
  '^(sha256WithRSAEncryption|rsaEncryption)$' SHA-256 --key-label rsa3072

section "refused combinations"
outdir=$(fresh_dir out.no-such-label)
kyso_sign_token "Nhieu khoa" "$in" "$outdir/signed.pdf" --key-label "khong co"
assert_kyso_error 'KEY_NOT_FOUND|CERT_NOT_FOUND' "$in" "$outdir" "--key-label that no object has"
outdir=$(fresh_dir out.pss-ec)
kyso_sign_token "EC P-256" "$in" "$outdir/signed.pdf" --pss
# SIGN_ALGORITHM is kyso's own code for this (core/include/kyso/status.h).
assert_kyso_error 'SIGN_ALGORITHM|ARGUMENT|KEY_NOT_FOUND' "$in" "$outdir" "--pss with an EC key"
outdir=$(fresh_dir out.sha1)
kyso_sign_token "$TOKEN_PERSON" "$in" "$outdir/signed.pdf" --digest sha1
assert_kyso_error 'ARGUMENT|SIGN_ALGORITHM' "$in" "$outdir" "--digest sha1 (not offered)"

test_summary
