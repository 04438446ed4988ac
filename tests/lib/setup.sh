# shellcheck shell=bash
# One line for an integration test to get every helper and the shared PKI,
# fixtures and NSS database:
#
#   . "$(dirname "${BASH_SOURCE[0]}")/../lib/setup.sh"
#   integration_setup          # PKI_DIR, FX, KYSO_NSSDB, SOFTHSM2_CONF set
#                              # (integration_setup_nokyso: no KYSO needed)
#
# Environment: KYSO (the binary, required), KYSO_SOURCE_DIR (unused by the
# helpers, kept for tests that need repository files), KYSO_TEST_TMP.
_kyso_lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=common.sh
. "$_kyso_lib/common.sh"
# shellcheck source=pki.sh
. "$_kyso_lib/pki.sh"
# shellcheck source=token.sh
. "$_kyso_lib/token.sh"
# shellcheck source=nssdb.sh
. "$_kyso_lib/nssdb.sh"
# shellcheck source=fixtures.sh
. "$_kyso_lib/fixtures.sh"
# shellcheck source=kyso.sh
. "$_kyso_lib/kyso.sh"
# shellcheck source=pki_bad.sh
. "$_kyso_lib/pki_bad.sh"
# shellcheck source=verify.sh
. "$_kyso_lib/verify.sh"

# integration_setup: everything but the tokens, which each test makes for
# itself (tests lock PINs and must not share token state).
integration_setup() {
  kyso_require
  integration_setup_nokyso
}

# integration_setup_nokyso: the same for scripts that test the helpers only.
integration_setup_nokyso() {
  require_cmd openssl qpdf pdfsig pdftoppm pdfinfo certutil pk12util \
    pkcs11-tool softhsm2-util node flock
  npm_setup
  PKI_DIR=$(pki_dir)
  FX=$(fixtures_dir)
  export PKI_DIR FX
  token_setup "$TEST_TMP/hsm"
  nssdb_make "$TEST_TMP/nss" "$PKI_DIR"
}

# npm_setup: the npm packages of tests/package.json (independent signers
# such as @signpdf), installed from tests/package-lock.json once, when
# tests/node_modules is missing. Under a lock: ctest -j runs tests at once.
npm_setup() {
  local top lock
  top=$(cd "$_kyso_lib/.." && pwd)
  [ -d "$top/node_modules/@signpdf/signpdf" ] && return 0
  require_cmd npm
  lock=${KYSO_TEST_TMP:-$TEST_TMP}/npm-ci.lock
  mkdir -p "$(dirname "$lock")"
  (
    flock 9
    if [ ! -d "$top/node_modules/@signpdf/signpdf" ]; then
      npm ci --prefix "$top" --no-audit --no-fund >&2 || die "npm ci --prefix $top failed"
    fi
  ) 9>"$lock"
}
