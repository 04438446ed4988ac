#!/usr/bin/env bash
# kyso-host hardens its own process before anything else (host_harden.c):
# not dumpable (another process of the same user can neither ptrace it nor
# read /proc/PID/environ, mem...), no core files, and an OpenSSL secure heap
# locked in RAM for the PIN buffers; when RLIMIT_MEMLOCK forbids the lock it
# says so once and still serves.
#
# /proc shows a non-dumpable process's files as root's, which only tells
# something when the process is not root's: run as root (CI), the host runs
# as nobody through setpriv (which also drops CAP_IPC_LOCK, so
# RLIMIT_MEMLOCK applies); run as a user, it runs as that user.
# Native messaging on a FIFO: no port, no token needed.
. "$(dirname "$0")/../lib/common.sh"
require_cmd setpriv stat
[ -x "${KYSO_HOST:-}" ] || die "KYSO_HOST is not set to kyso-host"

ORIGIN=https://portal.kyso.test
if [ "$(id -u)" -eq 0 ]; then
  as_other=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  # The copy nobody can reach whatever the build dir's permissions.
  RUN=$(mktemp -d /tmp/kyso-hardening.XXXXXX)
  trap 'rc=$?; rm -rf -- "$RUN"; (exit $rc); _kyso_on_exit' EXIT
  chmod 755 "$RUN"
  cp "$KYSO_HOST" "$RUN/kyso-host"
  chmod 755 "$RUN/kyso-host"
  HOST_BIN=$RUN/kyso-host
else
  as_other=()
  RUN=$TEST_TMP
  HOST_BIN=$KYSO_HOST
fi
# No host.conf, no remembered origins: the defaults (modules load lazily).
export XDG_CONFIG_HOME=$RUN/no-config XDG_STATE_HOME=$RUN/no-state HOME=$RUN

# host_start TAG ULIMIT_ARGS...: kyso-host --native-messaging as the other
# uid with the given shell limits, stdin a FIFO held open on fd 3, stdout
# and stderr in $TEST_TMP/TAG.{out,err}. Sets HOST_PID once the hello is
# out (hardening runs before it).
host_start() {
  local tag=$1 i
  shift
  rm -f "$TEST_TMP/$tag.in"
  mkfifo "$TEST_TMP/$tag.in"
  (
    ulimit "$@"
    exec "${as_other[@]}" "$HOST_BIN" --native-messaging --origin "$ORIGIN"
  ) <"$TEST_TMP/$tag.in" >"$TEST_TMP/$tag.out" 2>"$TEST_TMP/$tag.err" &
  HOST_PID=$!
  exec 3>"$TEST_TMP/$tag.in"
  for i in $(seq 1 100); do
    if [ "$(stat -c %s "$TEST_TMP/$tag.out")" -gt 4 ]; then return 0; fi
    kill -0 "$HOST_PID" 2>/dev/null || break
    sleep 0.1
  done
  cat "$TEST_TMP/$tag.err" >&2
  die "kyso-host ($tag) sent no hello"
}

# host_stop: close stdin (the browser went away); HOST_STATUS is the exit.
host_stop() {
  HOST_STATUS=0
  exec 3>&-
  wait "$HOST_PID" || HOST_STATUS=$?
}

other_reads() { # FILE OFFSET: the other uid reads a byte of FILE at OFFSET
  "${as_other[@]}" dd if="$1" of=/dev/null bs=1 count=1 skip="$2" \
    iflag=skip_bytes status=none 2>/dev/null
}

proc_field() { # PID FIELD: a "Field:" value from /proc/PID/status
  sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"
}

# The limits the host starts with: a shell where core dumps are on (the
# hardening must turn them off, not find them off).
if [ "$(id -u)" -eq 0 ]; then core_on=(-c unlimited); else core_on=(-S -c hard); fi

section "not dumpable, no core, locked PIN heap"
host_start normal "${core_on[@]}"
uid=$(proc_field "$HOST_PID" Uid | cut -f1)
assert_ne 0 "$uid" "the host runs as a non-root uid ($uid)"
assert_eq 0 "$(stat -c %u "/proc/$HOST_PID/status")" \
  "/proc/PID/status is root's: the host is not dumpable"
assert_eq 0 "$(stat -c %u "/proc/$HOST_PID/environ")" \
  "/proc/PID/environ is root's"
# What non-dumpable is for: the user's other processes cannot read it.
assert_false "another process of uid $uid cannot read /proc/PID/environ" \
  other_reads "/proc/$HOST_PID/environ" 0
# The first mapping (the executable): readable memory, had ptrace allowed.
# Run as a user, the test is that other process: maps is closed to it too.
start=$(sed -n '1s/-.*//p' "/proc/$HOST_PID/maps" 2>/dev/null || true)
if [ -n "$start" ]; then
  assert_false "another process of uid $uid cannot read /proc/PID/mem" \
    other_reads "/proc/$HOST_PID/mem" $((16#$start))
else
  assert_false "another process of uid $uid cannot read /proc/PID/maps" \
    other_reads "/proc/$HOST_PID/maps" 0
fi
core=$(sed -n 's/^Max core file size[[:space:]]*//p' "/proc/$HOST_PID/limits")
assert_match "$core" '^0[[:space:]]+0[[:space:]]+bytes' \
  "core file size 0 (soft and hard)"
vmlck=$(proc_field "$HOST_PID" VmLck | awk '{print $1}')
memlock=$(sed -n 's/^Max locked memory[[:space:]]*\([0-9a-z]*\).*/\1/p' \
  "/proc/$HOST_PID/limits")
if [ "$memlock" = unlimited ] || [ "$memlock" -ge $((64 * 1024)) ]; then
  assert_true "32 KiB secure heap locked (VmLck $vmlck kB)" \
    test "${vmlck:-0}" -ge 32
else
  fail "RLIMIT_MEMLOCK $memlock bytes: too low to check the lock"
fi
assert_not_contains "$(cat "$TEST_TMP/normal.err")" "hardening" \
  "nothing to report when the heap is locked"
host_stop
assert_eq 0 "$HOST_STATUS" "the host exits 0 when stdin closes"

section "RLIMIT_MEMLOCK 0: one log line, the host still serves"
host_start nolock "${core_on[@]}" -l 0
vmlck=$(proc_field "$HOST_PID" VmLck | awk '{print $1}')
assert_eq 0 "${vmlck:-0}" "nothing locked under RLIMIT_MEMLOCK 0"
assert_eq 0 "$(stat -c %u "/proc/$HOST_PID/status")" "still not dumpable"
host_stop
assert_eq 0 "$HOST_STATUS" "the host exits 0 when stdin closes"
assert_eq 1 "$(grep -c 'secure heap not locked' "$TEST_TMP/nolock.err" || true)" \
  "the unlocked heap is logged exactly once"
test_summary
