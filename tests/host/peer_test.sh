#!/usr/bin/env bash
# Only kyso-host's own user may connect (issue 11, reproductions 1 and 4):
# a program of another user with a perfectly valid Host and Origin is
# closed at accept, on 127.0.0.1 and on [::1], before any byte: no hello,
# no `certificates` (names and CCCD numbers) and no dialog. The same client
# run as our user is served. peer_uid_check tests the two lookups (sock_diag
# and /proc/net/tcp) on their own.
. "$(dirname "$0")/host_setup.sh"
require_cmd setpriv node
if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: needs root to run clients as another user (setpriv)"
  _KYSO_SUMMARY_DONE=1
  exit 77
fi
host_setup
OTHER=(setpriv --reuid=65534 --regid=65534 --clear-groups)
PEER_UID_CHECK=${KYSO_PEER_UID_CHECK:-$(dirname "$KYSO_HOST_ASSEMBLE")/peer_uid_check}

section "peer_uid lookups"
[ -x "$PEER_UID_CHECK" ] || die "peer_uid_check not built: $PEER_UID_CHECK"
n=0
while IFS=$'\t' read -r status text; do
  n=$((n + 1))
  if [ "$status" = PASS ]; then pass "$text"; else fail "$text"; fi
done < <("$PEER_UID_CHECK" || printf 'FAIL\tpeer_uid_check exited non-zero\n')
assert_gt "$n" 10 "peer_uid_check judged its cases"

# The raw client from a directory user 65534 can read (the test's own temp
# dir sits under a build tree it may not enter).
RAW_DIR=$(mktemp -d)
chmod 755 "$RAW_DIR"
cp "$KYSO_HOST_TESTDIR/ws_raw_client.mjs" "$RAW_DIR/"
chmod 644 "$RAW_DIR/ws_raw_client.mjs"
"${OTHER[@]}" test -r "$RAW_DIR/ws_raw_client.mjs" ||
  die "user 65534 cannot read $RAW_DIR/ws_raw_client.mjs"

host_start_ws

# probe WHO ADDR: one connection to ADDR with the allowed portal's Origin
# and a `certificates` request right behind the handshake; JSON summary.
probe() {
  local who=$1
  shift
  if [ "$who" = other ]; then set -- "${OTHER[@]}" "$@"; fi
  RAW_ORIGIN=https://portal.kyso.test RAW_SEND='{"id":1,"cmd":"certificates"}' \
    "$@" node "$RAW_DIR/ws_raw_client.mjs" probe
}

for addr in 127.0.0.1 ::1; do
  section "uid 65534 connects to $addr with a valid Host and Origin"
  out=$(RAW_ADDR=$addr probe other)
  assert_contains "$out" '"upgraded":false' "no websocket handshake for the other user"
  assert_contains "$out" '"bytes":0' "not one byte sent to it (no hello, no HTTP answer)"
  assert_contains "$out" '"messages":[]' "no certificates listed to it"
  assert_contains "$out" '"closedByHost":true' "the host closed the connection"

  section "the same client as our user on $addr"
  out=$(RAW_ADDR=$addr probe self)
  assert_contains "$out" '"upgraded":true' "our user is served"
  assert_match "$out" '"certificates":\[\{' "and gets the certificates"
  assert_contains "$out" "$TOKEN_PERSON" "of the test token"
done

# An IPv6 client socket reaching the IPv4 listener as ::ffff:127.0.0.1: the
# kernel answers for it as AF_INET6 with mapped addresses. It must be judged
# by sock_diag, not by a scan of /proc/net/tcp* (a table any local user can
# make long: 70 refusals a second and a portal locked out, red-team review).
section "IPv4-mapped client sockets are judged by sock_diag"
sleep 1.1 # one refusal logged a second
before=$(wc -c <"$TEST_TMP/host.log")
out=$(RAW_ADDR=::ffff:127.0.0.1 RAW_HOST=127.0.0.1:$KYSO_HOST_PORT probe other)
assert_contains "$out" '"upgraded":false' "uid 65534 over ::ffff:127.0.0.1 is refused"
out=$(RAW_ADDR=::ffff:127.0.0.1 RAW_HOST=127.0.0.1:$KYSO_HOST_PORT probe self)
assert_contains "$out" '"upgraded":true' "our user over ::ffff:127.0.0.1 is served"
mapped_log=$(tail -c +"$((before + 1))" "$TEST_TMP/host.log")
assert_contains "$mapped_log" "uid 65534 (sock_diag)" "the mapped client's owner came from sock_diag"
assert_not_contains "$mapped_log" "/proc/net" "no /proc/net scan for it"

log=$(cat "$TEST_TMP/host.log")
assert_contains "$log" "refused: connection from another user: uid 65534" \
  "the host logs the refusal with the uid"
assert_not_contains "$log" "$TOKEN_PIN" "the log holds no PIN"
host_stop_ws
assert_eq 0 "$HOST_STATUS" "kyso-host exits cleanly on SIGTERM"
rm -rf -- "$RAW_DIR"
test_summary
