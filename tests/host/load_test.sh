#!/usr/bin/env bash
# 200 concurrent websocket connections and 10,000 `certificates` requests:
# no crash, every answer right, memory bounded, clean exit. In the ASan
# build (KYSO_SANITIZE) LeakSanitizer checks the exit for leaks.
. "$(dirname "$0")/host_setup.sh"
host_setup
ulimit -n 4096 2>/dev/null || true
# The memory bound is about growth, not the allocator: under ASan the
# quarantine keeps freed blocks and the shadow adds an eighth, so that build
# gets a small quarantine and a looser bound.
rss_max_kb=262144
if [ "${KYSO_SANITIZE:-OFF}" = ON ]; then
  export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=32"
  rss_max_kb=786432
fi
host_start_ws

section "load"
if node "$KYSO_HOST_TESTDIR/host_client.mjs" load; then
  pass "200 connections, 10000 requests"
else
  fail "host_client load"
fi
rss=$(awk '/VmRSS/ {print $2}' "/proc/$HOST_PID/status" 2>/dev/null || echo 0)
echo "kyso-host RSS after load: ${rss} kB"
assert_true "memory bounded (RSS ${rss} kB < ${rss_max_kb} kB)" test "${rss:-0}" -lt "$rss_max_kb"
host_stop_ws
assert_eq 0 "$HOST_STATUS" "kyso-host exits cleanly (no leak under LSan)"
test_summary
