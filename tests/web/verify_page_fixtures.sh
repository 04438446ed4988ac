# shellcheck shell=bash
# The verifier page's fixtures, made as tests/integration/verify_*_test.sh
# make theirs (kyso signs, kyso dss embeds revocation data, attacks.mjs and
# pki_bad.sh make the bad files):
#
#   web_fixtures DIR     writes DIR/{valid,two,tampered,untrusted,revoked,
#                        shadow-hide,isa-page-content}.pdf and DIR/root.pem
#                        (the test root the page is told to trust)
#
# Needs tests/lib/setup.sh sourced, integration_setup and verify_setup run.

web_fixtures() {
  local d=$1 A=$1/attacks-work off
  mkdir -p "$d"
  cp -- "$PKI_DIR/root.pem" "$d/root.pem"

  # valid: visible signature on page 1 of the Vietnamese fixture, with a
  # /DSS holding the CRLs and OCSP responses that say good.
  kyso_sign_p12 "$PKI_DIR/person-rsa2048.p12" "$FX/vn-chromium.pdf" "$d/valid.nodss.pdf" \
    --field NguoiKy --reason "Phê duyệt" --location "Tiền Giang" \
    --image "$FX/signature.png" --page 1 --rect 320,80,200,72
  assert_success "kyso signs the valid fixture"
  dss_add "$d/valid.nodss.pdf" "$d/valid.pdf"

  # two: the leader's signature, then the office's seal on page 2, then DSS.
  kyso_sign_p12 "$PKI_DIR/org-rsa2048.p12" "$d/valid.nodss.pdf" "$d/two.nodss.pdf" \
    --field DongDau --image "$FX/signature.png" --page 2 --rect 60,500,160,60
  assert_success "kyso adds the organization's signature"
  dss_add "$d/two.nodss.pdf" "$d/two.pdf"

  # untrusted: the same bytes; the page is not given the test root.
  cp -- "$d/valid.pdf" "$d/untrusted.pdf"

  # tampered: one byte of the signed range changed (the binary comment on
  # line 2, so the file still parses and renders).
  cp -- "$d/valid.pdf" "$d/tampered.pdf"
  off=$(grep -abo -m1 '^%[^P]' "$d/tampered.pdf" | head -1 | cut -d: -f1)
  printf 'X' | dd of="$d/tampered.pdf" bs=1 seek=$((off + 1)) conv=notrunc 2>/dev/null
  assert_false "tampered differs from valid" cmp -s "$d/valid.pdf" "$d/tampered.pdf"

  # revoked: pki_bad's revoked certificate, the sub-CA's CRL saying so.
  printf '%s' "$PKI_P12_PASS" >"$TEST_TMP/p12pass"
  kyso_run sign --in "$FX/minimal.pdf" --out "$d/revoked.nodss.pdf" --p12 "$PKI_BAD/revoked.p12" \
    --pin-file "$TEST_TMP/p12pass" --chain "$PKI_BAD/chain.pem" --time "$KYSO_TEST_TIME" \
    --field ThuHoi --page 1 --rect 60,60,180,72 --image "$FX/signature.png"
  assert_success "kyso signs with the revoked certificate"
  kyso_run dss --in "$d/revoked.nodss.pdf" --out "$d/revoked.pdf" \
    --crl "$PKI_BAD/subca.crl" --crl "$PKI_BAD/root.crl"
  assert_success "kyso dss on the revoked fixture"

  # attack files (attacks.mjs), from the victim kyso signed.
  mkdir -p "$A"
  node "$KYSO_TESTLIB/attacks.mjs" prepare "$A"
  kyso_sign_p12 "$PKI_DIR/person-rsa2048.p12" "$A/victim.pdf" "$A/victim-signed.pdf" --field NguoiKy
  assert_success "kyso signs the attack victim"
  run_cmd node "$KYSO_TESTLIB/attacks.mjs" generate "$A" --cert "$PKI_DIR/person-rsa2048.pem" \
    --key "$PKI_DIR/person-rsa2048.key" --chain "$PKI_DIR/chain.pem"
  assert_success "attacks.mjs generate"
  cp -- "$A/attacks/shadow-hide.pdf" "$A/attacks/isa-page-content.pdf" "$d/"
}
