#!/usr/bin/env bash
# One kyso-host process per request (issue 14: the extension opens one
# native-messaging port per request): refusals with their back-off,
# first-use prompt quotas and native "Chỉ lần này" are shared by every
# process of the user and the websocket service through the consent file;
# one dialog at a time across processes (dialog.lock), but an allowed
# site's sign closes another process's first-use prompt (SIGUSR1), and a
# lock that cannot be used refuses (fail closed); a prompt never shown
# refuses nothing, a page's own refusals never push out the user's, a
# prompt not answered in time is a refusal; a garbled,
# oversized or symlinked consent file grants nothing and crashes nothing;
# the extension's own requests (no page origin) list certificates and
# origins without a dialog, and never sign. Real processes, SoftHSM2, the
# scripted pinentry, faketime for the clock; see native_multi_cases.mjs.
KYSO_HOST_PORT=${KYSO_NATIVE_MULTI_PORT:-19800} # helper A's range
. "$(dirname "$0")/host_setup.sh"
host_setup
command -v faketime >/dev/null || die "faketime is not installed (installer/deps.sh)"
: >"$TEST_TMP/natives.log"
: >"$TEST_TMP/hosts.log"

# multi_run SCENARIO: one scenario against a fresh consent file and a
# websocket service of its own beside the native processes.
multi_run() {
  rm -f "$XDG_STATE_HOME/kyso/consent" "$XDG_STATE_HOME/kyso/origins"
  host_start_ws
  if KYSO_WS_PID=$HOST_PID node "$KYSO_HOST_TESTDIR/host_client.mjs" multi "$1"; then
    pass "native_multi $1"
  else
    fail "native_multi $1"
  fi
  host_stop_ws
  assert_eq 0 "$HOST_STATUS" "$1: the websocket service exits cleanly"
  cat "$TEST_TMP/host.log" >>"$TEST_TMP/hosts.log"
}

section "refusals and their back-off across processes"
multi_run refusal
section "first-use prompt quotas across processes"
multi_run quota
section "native \"Chỉ lần này\" across processes"
multi_run once
section "one dialog at a time across processes"
multi_run dialog
section "what counts as a refusal; the user's kept before the pages' own"
multi_run refusals
section "a dialog lock that cannot be used; a state dir made again; SIGUSR1"
multi_run lockfail
section "an allowed site preempts a first-use prompt as a non-root user"
# kyso-host is not dumpable (host_harden.c): another process of the same
# non-root user cannot read its /proc/PID/exe; the holder is told by the
# dialog lock's POSIX record lock. Both hosts run as nobody (65534) with a
# state dir, token and pinentry files of that user's.
nonroot_run() {
  local U=$TEST_TMP/nonroot rc=0
  rm -rf "$U"
  mkdir -m 700 "$U" "$U/state" "$U/cache" "$U/run" "$U/config"
  cp -r "$TOKEN_DIR/tokens" "$U/tokens"
  sed "s|^directories.tokendir = .*|directories.tokendir = $U/tokens|" "$SOFTHSM2_CONF" >"$U/softhsm2.conf"
  cp "$KYSO_HOST_CONF" "$U/host.conf"
  : >"$U/pinentry.answers"
  : >"$U/pinentry.log"
  chown -R 65534:65534 "$U"
  chmod 0711 "$TEST_TMP" # nobody reaches $U, lists nothing else
  SOFTHSM2_CONF=$U/softhsm2.conf XDG_STATE_HOME=$U/state XDG_CACHE_HOME=$U/cache \
    XDG_RUNTIME_DIR=$U/run XDG_CONFIG_HOME=$U/config HOME=$U KYSO_HOST_CONF=$U/host.conf \
    KYSO_PINENTRY_ANSWERS=$U/pinentry.answers KYSO_PINENTRY_LOG=$U/pinentry.log \
    KYSO_NATIVE_WRAP="setpriv --reuid=65534 --regid=65534 --clear-groups" \
    node "$KYSO_HOST_TESTDIR/host_client.mjs" multi nonroot || rc=$?
  chmod 0700 "$TEST_TMP"
  if [ "$rc" = 0 ]; then pass "native_multi nonroot"; else fail "native_multi nonroot"; fi
  rm -rf "$U"
}
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
  nonroot_run
elif [ "$(id -u)" = 0 ]; then
  fail "setpriv is not installed (util-linux): the non-root preemption is not tested"
else
  echo "SKIP: not root, the other cases already run as a non-root user"
fi
section "garbled, oversized, symlinked consent files"
multi_run files
section "the extension's own requests"
multi_run extension

assert_not_contains "$(cat "$TEST_TMP/hosts.log" "$TEST_TMP/natives.log")" "$TOKEN_PIN" "the logs hold no PIN"
test_summary
