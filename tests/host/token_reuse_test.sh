#!/usr/bin/env bash
# The token wrapper kept open across logins, as kyso-host keeps its modules
# loaded (host_token_reuse.c): the login ends with each batch, a wrong PIN
# after a good one is refused, a rescan sees a token deleted under the
# loaded module.
. "$(dirname "$0")/host_setup.sh"
[ -x "${KYSO_HOST_TOKEN_REUSE:-}" ] || die "KYSO_HOST_TOKEN_REUSE is not set"
[ -x "${KYSO_HOST_ASSEMBLE:-}" ] || die "KYSO_HOST_ASSEMBLE is not set"
integration_setup
token_make_person "$PKI_DIR"
host_expect_token_deletion

section "one module, many logins"
attrs=$TEST_TMP/attrs.der
"$KYSO_HOST_ASSEMBLE" prepare "$PKI_DIR/person-rsa2048.pem" "$FX/minimal.pdf" "$attrs"
if "$KYSO_HOST_TOKEN_REUSE" "$TOKEN_MODULE" "$TOKEN_PERSON" "$TOKEN_PIN" "$attrs"; then
  pass "host_token_reuse"
else
  fail "host_token_reuse"
fi
test_summary
