#!/usr/bin/env bash
# integration.setup: generate the shared test PKI and input PDFs once, so the
# tests that run after it (ctest FIXTURES_REQUIRED) find them in the cache.
# Needs no kyso binary.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/setup.sh"

require_cmd openssl qpdf node flock "$FIXTURES_CHROMIUM"

section "test PKI"
start=$SECONDS
PKI_DIR=$(pki_dir)
for f in root.pem subca.pem chain.pem mismatch.pem mismatch.key mismatch.p12; do
  assert_file_exists "$PKI_DIR/$f" "PKI has $f"
done
for ee in $PKI_EE_NAMES; do
  for ext in key pem p12; do
    assert_file_exists "$PKI_DIR/$ee.$ext" "PKI has $ee.$ext"
  done
done
echo "PKI ready in $((SECONDS - start)) s: $PKI_DIR"

section "input PDFs"
start=$SECONDS
FX=$(fixtures_dir)
while IFS=$'\t' read -r name _; do
  assert_file_exists "$FX/$name" "fixture $name"
done <"$FX/inputs.tsv"
while IFS=$'\t' read -r name _; do
  assert_true "bad fixture $name exists" test -e "$FX/$name"
done <"$FX/bad.tsv"
assert_file_exists "$FX/signature.png" "signature image"
echo "fixtures ready in $((SECONDS - start)) s: $FX"

section "verifier PKI (expired, revoked, OCSP, TSA) and npm packages"
start=$SECONDS
pki_bad_setup "$PKI_DIR"
assert_file_exists "$PKI_BAD/tsa.cnf" "TSA configuration"
npm_setup
assert_true "@signpdf installed" test -d "$KYSO_SOURCE_DIR/tests/node_modules/@signpdf/signpdf"
echo "verifier PKI and npm ready in $((SECONDS - start)) s"

# The verify tests record their inputs here for tests/wasm: start afresh.
[ -z "${KYSO_VERIFY_CORPUS:-}" ] || rm -rf -- "$KYSO_VERIFY_CORPUS"

test_summary
