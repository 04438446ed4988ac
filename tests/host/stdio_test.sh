#!/usr/bin/env bash
# kyso-host in native-messaging mode (stdio framing) against a SoftHSM2
# token and the scripted pinentry: hello, certificates, a batch of 3 signed
# with one consent and assembled by the core into PDFs pdfsig accepts, and
# every refusal (see host_client.mjs).
. "$(dirname "$0")/host_setup.sh"
host_setup
host_expect_token_deletion

section "native messaging"
if node "$KYSO_HOST_TESTDIR/host_client.mjs" stdio; then
  pass "host_client stdio"
else
  fail "host_client stdio"
fi
test_summary
