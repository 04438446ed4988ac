#!/usr/bin/env bash
# The websocket server's resource rules (issue 11, item 9): replies a
# client does not read are capped (the connection is closed, memory stays
# bounded, others are still served); one origin cannot take every
# connection, origins that are not allowed leave slots to allowed ones and
# are closed when idle; request headers of 8 KB (cookies of other apps on
# 127.0.0.1) pass the handshake. ws_raw_client.mjs is the client.
. "$(dirname "$0")/host_setup.sh"
host_setup
ulimit -n 4096 2>/dev/null || true
RAW=$KYSO_HOST_TESTDIR/ws_raw_client.mjs

# The flood: FLOOD_CLIENTS connections of the allowed portal each send
# FLOOD_REQUESTS `certificates` (about 6 KB of answer each) and read
# nothing. Unbounded, that is 4 x 6000 x 6 KB = 140 MB of queued replies;
# capped, at most WS_QUEUE_MAX_BYTES (8 MiB) each.
FLOOD_CLIENTS=4
FLOOD_REQUESTS=6000
QUEUE_CAP_KB=$((8 * 1024))
# RSS may grow by the caps plus this much (allocator, token, lws).
RSS_SLACK_KB=$((24 * 1024))
# Seconds to wait for the host to close every flooding connection.
FLOOD_WAIT=60
if [ "${KYSO_SANITIZE:-OFF}" = ON ]; then
  # freed blocks wait in ASan's quarantine: keep it small, allow for it
  export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16"
  RSS_SLACK_KB=$((64 * 1024))
fi
# The host's idle rule for origins not allowed (WS_UNALLOWED_IDLE_SECONDS).
export RAW_IDLE_SECONDS=10

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$HOST_PID/status" 2>/dev/null || echo 0; }

host_start_ws
rss0=$(rss_kb)

section "replies a client does not read"
FLOOD_PIDS=()
for i in $(seq 1 "$FLOOD_CLIENTS"); do
  RAW_COUNT=$FLOOD_REQUESTS RAW_MARK=$TEST_TMP/flood$i \
    node "$RAW" flood >"$TEST_TMP/flood$i.out" 2>"$TEST_TMP/flood$i.err" &
  FLOOD_PIDS+=($!)
done
rss_max=$rss0
closed=0
for _ in $(seq 1 $((FLOOD_WAIT * 2))); do
  rss=$(rss_kb)
  if [ "$rss" -gt "$rss_max" ]; then rss_max=$rss; fi
  closed=$(grep -c "not read" "$TEST_TMP/host.log" || true)
  if [ "$closed" -ge "$FLOOD_CLIENTS" ]; then break; fi
  sleep 0.5
done
bound=$((rss0 + FLOOD_CLIENTS * QUEUE_CAP_KB + RSS_SLACK_KB))
echo "kyso-host RSS: ${rss0} kB at start, at most ${rss_max} kB during the flood"
assert_eq "$FLOOD_CLIENTS" "$closed" "the host closes every connection that does not read"
assert_true "RSS stays bounded (${rss_max} kB <= ${bound} kB)" test "$rss_max" -le "$bound"
for i in $(seq 1 "$FLOOD_CLIENTS"); do touch "$TEST_TMP/flood$i.go"; done
for pid in "${FLOOD_PIDS[@]}"; do wait "$pid" || true; done
for i in $(seq 1 "$FLOOD_CLIENTS"); do
  out=$(cat "$TEST_TMP/flood$i.out")
  assert_contains "$out" '"closedByHost":true' "flood client $i: the host closed it"
  replies=$(printf '%s' "$out" | sed -n 's/.*"replies":\([0-9]*\).*/\1/p')
  assert_true "flood client $i: it got far fewer replies than requests (${replies:-none})" \
    test "${replies:-$FLOOD_REQUESTS}" -lt 2000
done
assert_contains "$(cat "$TEST_TMP/host.log")" "queue limits 1024 replies" \
  "the log names the limit"
out=$(RAW_ORIGIN=https://portal.kyso.test RAW_SEND='{"id":1,"cmd":"certificates"}' node "$RAW" probe)
assert_match "$out" '"certificates":\[\{' "a fresh client is still served"

section "connections per origin, slots kept for allowed origins"
judge_node node "$RAW" limits

section "idle connections of origins not allowed"
# the first-use prompt of https://prompted.kyso.test stays open past the
# idle time, then the user answers "always"
printf 'sleep:%d\n' $((RAW_IDLE_SECONDS + 6)) >"$KYSO_PINENTRY_ANSWERS"
judge_node node "$RAW" idle
assert_contains "$(cat "$TEST_TMP/host.log")" \
  "closing a connection of https://idle.kyso.test: origin not allowed and idle" \
  "the log says why the idle connection was closed"

section "large request headers"
out=$(RAW_ORIGIN=https://portal.kyso.test RAW_COOKIE_BYTES=8192 node "$RAW" probe)
assert_contains "$out" '"upgraded":true' "a handshake with an 8 KB Cookie header succeeds"
assert_match "$out" '"messages":\[\{' "and the host speaks"
out=$(RAW_ORIGIN=https://portal.kyso.test RAW_COOKIE_BYTES=16384 node "$RAW" probe)
assert_contains "$out" '"upgraded":true' "and with 16 KB"

host_stop_ws
assert_eq 0 "$HOST_STATUS" "kyso-host exits cleanly (no leak under LSan)"
test_summary
