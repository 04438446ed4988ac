#!/usr/bin/env bash
# Both loopback listeners or none (issue 11, reproduction 1): while a
# program of another user holds 127.0.0.1 or [::1] on kyso-host's port,
# kyso-host exits non-zero at once with a message naming the address and
# the port. It used to log the bind error and serve the other address
# alone, so pages connected to the squatter, which relayed them to the
# real host with their Origin and swapped the document.
. "$(dirname "$0")/host_setup.sh"
require_cmd setpriv node ss timeout
if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: needs root to run the squatter as another user (setpriv)"
  _KYSO_SUMMARY_DONE=1
  exit 77
fi
host_setup

# Seconds kyso-host may take to give up (it needs milliseconds).
EXIT_WITHIN=5

# squat ADDR: uid 65534 listens on ADDR:port (node, no file to read).
squat() {
  SQUAT_ADDR=$1 setpriv --reuid=65534 --regid=65534 --clear-groups \
    node -e 'require("net").createServer().listen(Number(process.env.KYSO_HOST_PORT), process.env.SQUAT_ADDR)' &
  SQUAT_PID=$!
  for _ in $(seq 1 50); do
    if ss -Hltn "sport = :$KYSO_HOST_PORT" | grep -q .; then return 0; fi
    sleep 0.1
  done
  die "the squatter did not listen on $1"
}

unsquat() {
  kill "$SQUAT_PID" 2>/dev/null || true
  wait "$SQUAT_PID" 2>/dev/null || true
}

# expect_exit ADDR SHOWN: with ADDR squatted, kyso-host exits with status 1
# within EXIT_WITHIN seconds and names SHOWN (the address it could not get).
expect_exit() {
  local addr=$1 shown=$2 t0 t1
  section "uid 65534 holds $addr:$KYSO_HOST_PORT"
  squat "$addr"
  t0=$(date +%s)
  run_cmd timeout 20 "$KYSO_HOST" --config "$KYSO_HOST_CONF"
  t1=$(date +%s)
  unsquat
  assert_status 1 "kyso-host exits with status 1 (124: it kept running)"
  assert_true "it gives up within $EXIT_WITHIN s ($((t1 - t0)) s)" \
    test $((t1 - t0)) -le "$EXIT_WITHIN"
  assert_contains "$(cat "$RUN_ERR")" "cannot listen on $shown port $KYSO_HOST_PORT: Address already in use" \
    "the message names $shown, the port and the reason"
  assert_contains "$(cat "$RUN_ERR")" "127.0.0.1 and [::1] together or not at all" \
    "the message says why it exits"
  assert_not_contains "$(cat "$RUN_ERR")" "listening on" "it never says it listens"
}

expect_exit 127.0.0.1 127.0.0.1
expect_exit ::1 "[::1]"
# a wildcard listener covers the loopback address too
expect_exit 0.0.0.0 127.0.0.1

section "the port free again: both listeners"
host_start_ws
listeners=$(ss -Hltn "sport = :$KYSO_HOST_PORT" | awk '{print $4}' | sort | tr '\n' ' ')
assert_eq "127.0.0.1:$KYSO_HOST_PORT [::1]:$KYSO_HOST_PORT " "$listeners" \
  "kyso-host holds exactly 127.0.0.1 and [::1]"
host_stop_ws
assert_eq 0 "$HOST_STATUS" "and exits cleanly on SIGTERM"
test_summary
