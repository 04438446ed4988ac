# shellcheck shell=bash
# Shared setup for the host tests: the integration helpers (PKI, fixtures,
# SoftHSM2), one token "Nguyen Van A", a host.conf in a private
# XDG_CONFIG_HOME, the scripted pinentry (scripted_pinentry.c, found next to
# $KYSO_HOST_ASSEMBLE unless $KYSO_SCRIPTED_PINENTRY says), and the ws
# package for node.
#
#   . "$(dirname "$0")/host_setup.sh"
#   host_setup            # exports everything host_client.mjs reads
#   host_start_ws         # kyso-host websocket server in the background
#   host_stop_ws          # SIGTERM, wait; exit status in HOST_STATUS
. "$(dirname "${BASH_SOURCE[0]}")/../lib/setup.sh"
KYSO_HOST_TESTDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

host_setup() {
  [ -x "${KYSO_HOST:-}" ] || die "KYSO_HOST is not set to kyso-host"
  [ -x "${KYSO_HOST_ASSEMBLE:-}" ] || die "KYSO_HOST_ASSEMBLE is not set"
  # tests/host/scripted_pinentry.c, built next to host_assemble
  KYSO_SCRIPTED_PINENTRY=${KYSO_SCRIPTED_PINENTRY:-$(dirname "$KYSO_HOST_ASSEMBLE")/scripted_pinentry}
  [ -x "$KYSO_SCRIPTED_PINENTRY" ] ||
    die "scripted pinentry not built: $KYSO_SCRIPTED_PINENTRY"
  integration_setup
  token_make_person "$PKI_DIR"
  if [ ! -d "$KYSO_HOST_TESTDIR/node_modules/ws" ]; then
    (cd "$KYSO_HOST_TESTDIR" && npm ci --no-audit --no-fund >/dev/null 2>&1) ||
      die "npm ci failed in tests/host"
  fi
  XDG_CONFIG_HOME=$TEST_TMP/config
  # remembered origins ($XDG_STATE_HOME/kyso/origins), never the user's
  XDG_STATE_HOME=$TEST_TMP/state
  # the revocation cache ($XDG_CACHE_HOME/kyso/revocation), never the user's
  XDG_CACHE_HOME=$TEST_TMP/cache
  # the token locks ($XDG_RUNTIME_DIR/kyso), never the session's: a user's
  # own kyso sign must not hold up the tests, nor they it
  XDG_RUNTIME_DIR=$TEST_TMP/run
  mkdir -p -m 700 "$XDG_RUNTIME_DIR"
  KYSO_HOST_CONF=$TEST_TMP/host.conf
  KYSO_PINENTRY_ANSWERS=$TEST_TMP/pinentry.answers
  KYSO_PINENTRY_LOG=$TEST_TMP/pinentry.log
  KYSO_PINENTRY_PIN=$TOKEN_PIN
  KYSO_HOST_PORT=${KYSO_HOST_PORT:-18750}
  mkdir -p "$XDG_CONFIG_HOME/kyso"
  : >"$KYSO_PINENTRY_ANSWERS"
  : >"$KYSO_PINENTRY_LOG"
  cat >"$KYSO_HOST_CONF" <<CONF
# kyso-host test configuration
port = $KYSO_HOST_PORT
module = $TOKEN_MODULE
allow_origin = https://portal.kyso.test
deny_origin = https://denied.kyso.test
pinentry = $KYSO_SCRIPTED_PINENTRY
user_timeout = 20
idle_timeout = 120
CONF
  export XDG_CONFIG_HOME XDG_STATE_HOME XDG_CACHE_HOME XDG_RUNTIME_DIR KYSO_HOST_CONF KYSO_PINENTRY_ANSWERS KYSO_PINENTRY_LOG \
    KYSO_PINENTRY_PIN KYSO_HOST_PORT
}

# host_expect_token_deletion: the test deletes a token under a loaded
# module. Under the sanitizers, LeakSanitizer then ignores the one leak
# libp11 0.4.12 has on that path (lsan_libp11.supp), which it can only match
# with full stack unwinding (slower: not for the load test).
host_expect_token_deletion() {
  [ "${KYSO_SANITIZE:-OFF}" = ON ] || return 0
  export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$KYSO_HOST_TESTDIR/lsan_libp11.supp"
  export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
}

# host_start_ws [WRAPPER...]: start the server, wait until it listens.
host_start_ws() {
  "$@" "$KYSO_HOST" --config "$KYSO_HOST_CONF" 2>"$TEST_TMP/host.log" &
  HOST_PID=$!
  local i
  for i in $(seq 1 100); do
    if grep -q "listening on" "$TEST_TMP/host.log" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  cat "$TEST_TMP/host.log" >&2
  die "kyso-host did not start"
}

host_stop_ws() { # sets HOST_STATUS (not in $(...): wait needs this shell)
  HOST_STATUS=0
  kill -TERM "$HOST_PID" 2>/dev/null || true
  wait "$HOST_PID" || HOST_STATUS=$?
}
