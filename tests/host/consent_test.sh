#!/usr/bin/env bash
# What the user is shown before kyso-host signs (issue 11, reproductions 2
# and 5, the PIN items of 9): the verification code the host derives from
# the message-digest it signs, page-supplied names labelled and cleaned, a
# 100-document batch's count never hidden, a batch's code (over every
# document, listed or not) in the dialog's first part and last line, names
# that carry a code shown masked, the PIN asked again after a
# wrong one, the token's PIN warnings, the PIN pad, and `cancel` before
# login and between documents answering USER_CANCELLED with no signature.
# Real host, SoftHSM2 (behind tests/lib/p11_fault.c where the token must
# claim a PIN pad or a PIN close to locking), the scripted pinentry; see
# consent_cases.mjs.
. "$(dirname "$0")/host_setup.sh"
host_setup

# A second configuration: the same token behind the fault-injecting module
# (the fault is chosen per spawned host, KYSO_P11_FAULT).
KYSO_HOST_CONF_FAULT=$TEST_TMP/host-fault.conf
fault_module=$(token_fault_module)
sed "s|^module = .*|module = $fault_module|" "$KYSO_HOST_CONF" >"$KYSO_HOST_CONF_FAULT"
export KYSO_HOST_CONF_FAULT TOKEN_MODULE
host_start_ws

section "consent"
if node "$KYSO_HOST_TESTDIR/host_client.mjs" consent; then
  pass "host_client consent"
else
  fail "host_client consent"
fi
assert_not_contains "$(cat "$TEST_TMP/host.log")" "$TOKEN_PIN" "the log holds no PIN"
host_stop_ws
assert_eq 0 "$HOST_STATUS" "kyso-host exits cleanly on SIGTERM"
test_summary
