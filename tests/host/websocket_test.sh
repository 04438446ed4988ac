#!/usr/bin/env bash
# kyso-host as a websocket server on loopback: handshake refusals (Origin,
# Host), the first-use origin prompt, then the same protocol checks as over
# stdio (see host_client.mjs).
. "$(dirname "$0")/host_setup.sh"
host_setup
host_expect_token_deletion
host_start_ws

section "loopback only"
# Every listening socket on our port is 127.0.0.1 or [::1], never a
# wildcard (lws binds IPv6 "any" unless told otherwise).
listeners=$(ss -Hltn "sport = :$KYSO_HOST_PORT" | awk '{print $4}' | sort)
assert_contains "$listeners" "127.0.0.1:$KYSO_HOST_PORT" "listens on 127.0.0.1"
assert_contains "$listeners" "[::1]:$KYSO_HOST_PORT" "listens on [::1]"
others=$(printf '%s\n' "$listeners" | grep -v -e "^127.0.0.1:" -e '^\[::1\]:' || true)
assert_eq "" "$others" "no listener beyond loopback"

section "websocket"
if node "$KYSO_HOST_TESTDIR/host_client.mjs" websocket; then
  pass "host_client websocket"
else
  fail "host_client websocket"
fi
assert_not_contains "$(cat "$TEST_TMP/host.log")" "$TOKEN_PIN" "the log holds no PIN"
host_stop_ws
assert_eq 0 "$HOST_STATUS" "kyso-host exits cleanly on SIGTERM"
test_summary
