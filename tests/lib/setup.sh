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
  PKI_DIR=$(pki_dir)
  FX=$(fixtures_dir)
  export PKI_DIR FX
  token_setup "$TEST_TMP/hsm"
  nssdb_make "$TEST_TMP/nss" "$PKI_DIR"
}
