# shellcheck shell=bash
# Shared helpers for kyso's shell tests. Source it first:
#
#   . "$(dirname "$0")/../lib/common.sh"
#   assert_eq 3 "$n" "three signatures"
#   test_summary            # last line of every test script
#
# Assertions never exit: they count a pass or a failure and go on, so one run
# reports every broken check. test_summary prints "N passed, N failed" and
# sets the exit status. An unexpected command failure (set -e) still ends in
# a non-zero status with the line that failed.
#
# Environment:
#   KYSO_TEST_TMP   parent for per-test temp dirs (default: mktemp -d)
#   KYSO_KEEP_TMP=1 keep the temp dir even when every check passed
#   KYSO_VERBOSE=1  print every passing check too

set -euo pipefail
# Stop on errors inside $(...) too: a failed step in pki_dir or fixtures_dir
# must not be cached as complete.
shopt -s inherit_errexit
set -E # ERR trap inside functions too

# The shell tests parse bytes, not text: keep tools out of multibyte locales
# for everything except where a script sets LC_ALL itself.
export LC_ALL=C

KYSO_TESTLIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export KYSO_TESTLIB

TESTS_PASSED=0
TESTS_FAILED=0
_KYSO_SUMMARY_DONE=0
_KYSO_TEST_NAME=$(basename "$0" .sh)

# ---- temp dir --------------------------------------------------------------

if [ -n "${KYSO_TEST_TMP:-}" ]; then
  mkdir -p "$KYSO_TEST_TMP"
  TEST_TMP=$(mktemp -d "$KYSO_TEST_TMP/$_KYSO_TEST_NAME.XXXXXX")
else
  TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/kyso-$_KYSO_TEST_NAME.XXXXXX")
fi
export TEST_TMP

_kyso_on_exit() {
  local rc=$?
  if [ "$_KYSO_SUMMARY_DONE" -eq 0 ]; then
    # Reached only when the script died before test_summary (set -e, exit).
    echo "ABORTED (status $rc): $TESTS_PASSED passed, $TESTS_FAILED failed" >&2
    [ "$rc" -ne 0 ] || rc=1
  fi
  if [ "$rc" -eq 0 ] && [ "${KYSO_KEEP_TMP:-0}" != 1 ]; then
    rm -rf -- "$TEST_TMP"
  else
    echo "temp dir kept: $TEST_TMP" >&2
  fi
  exit "$rc"
}
trap _kyso_on_exit EXIT
trap 'echo "error: ${BASH_SOURCE[0]}:$LINENO: $BASH_COMMAND (status $?)" >&2' ERR

# ---- reporting -------------------------------------------------------------

# section TITLE: a heading in the log, so a failure reads in context.
section() {
  echo "== $*"
}

pass() {
  TESTS_PASSED=$((TESTS_PASSED + 1))
  if [ "${KYSO_VERBOSE:-0}" = 1 ]; then echo "ok: $*"; fi
  return 0
}

# fail MESSAGE: record a failure and keep going.
fail() {
  TESTS_FAILED=$((TESTS_FAILED + 1))
  echo "FAIL: $*" >&2
  return 0
}

# die MESSAGE: the test cannot go on (missing prerequisite, broken setup).
die() {
  echo "FATAL: $*" >&2
  exit 1
}


# test_summary: last command of every test script.
test_summary() {
  _KYSO_SUMMARY_DONE=1
  echo "$TESTS_PASSED passed, $TESTS_FAILED failed"
  if [ "$TESTS_FAILED" -ne 0 ]; then exit 1; fi
  # A script that checked nothing has not tested anything.
  if [ "$TESTS_PASSED" -eq 0 ]; then
    echo "no assertion ran" >&2
    exit 1
  fi
  exit 0
}

require_cmd() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || die "required command not found: $c"
  done
}

# judge_node CMD...: one pass/fail per "PASS|FAIL<TAB>message" line that CMD
# (a node script) prints; a CMD that dies, or judges nothing, is a failure.
judge_node() {
  local status text n=0 label
  label="$(basename "$2")${3:+ $(basename "$3")}"
  while IFS=$'\t' read -r status text; do
    n=$((n + 1))
    if [ "$status" = PASS ]; then pass "$text"; else fail "$text"; fi
  done < <("$@" 2>"$TEST_TMP/node.err" || printf 'FAIL\t%s exited non-zero\n' "$label")
  [ "$n" -gt 1 ] || fail "$label judged nothing: $(_kyso_clip "$(cat "$TEST_TMP/node.err")")"
}

# ---- assertions ------------------------------------------------------------

assert_true() { # MESSAGE CMD...: CMD must succeed
  local msg=$1
  shift
  if "$@"; then pass "$msg"; else fail "$msg (command failed: $*)"; fi
}

assert_false() { # MESSAGE CMD...: CMD must fail
  local msg=$1
  shift
  if "$@"; then fail "$msg (command succeeded: $*)"; else pass "$msg"; fi
}

assert_eq() { # EXPECTED ACTUAL MESSAGE
  if [ "$1" == "$2" ]; then pass "$3"; else fail "$3: expected [$1], got [$2]"; fi
}

assert_ne() { # UNEXPECTED ACTUAL MESSAGE
  if [ "$1" != "$2" ]; then pass "$3"; else fail "$3: got [$2], expected anything else"; fi
}

assert_gt() { # A B MESSAGE: integer A > B
  if [ "$1" -gt "$2" ]; then pass "$3"; else fail "$3: expected $1 > $2"; fi
}

# expect_check_fails MSG CMD...: CMD (an assert_* helper, or a judge built
# from them) must record at least one failure: the negative controls that
# show a check can fail. Runs in a subshell so its counts stay out of ours.
expect_check_fails() {
  local msg=$1 failed
  shift
  failed=$(
    TESTS_FAILED=0
    "$@" >/dev/null 2>&1
    echo "$TESTS_FAILED"
  )
  assert_gt "$failed" 0 "negative control: $msg"
}

assert_contains() { # HAYSTACK NEEDLE MESSAGE (fixed string)
  case $1 in
    *"$2"*) pass "$3" ;;
    *) fail "$3: [$2] not found in [$(_kyso_clip "$1")]" ;;
  esac
}

assert_not_contains() { # HAYSTACK NEEDLE MESSAGE
  case $1 in
    *"$2"*) fail "$3: [$2] found in [$(_kyso_clip "$1")]" ;;
    *) pass "$3" ;;
  esac
}

assert_match() { # STRING ERE MESSAGE
  if [[ $1 =~ $2 ]]; then pass "$3"; else fail "$3: [$(_kyso_clip "$1")] !~ /$2/"; fi
}

assert_file_exists() { # FILE MESSAGE: exists and is not empty
  if [ -s "$1" ]; then pass "$2"; else fail "$2: $1 missing or empty"; fi
}

assert_no_file() { # PATH MESSAGE
  if [ -e "$1" ] || [ -L "$1" ]; then fail "$2: $1 exists"; else pass "$2"; fi
}

assert_same_bytes() { # FILE_A FILE_B MESSAGE
  if cmp -s -- "$1" "$2"; then pass "$3"; else fail "$3: $1 and $2 differ"; fi
}

# assert_sha256 FILE HEX MESSAGE: FILE still has the digest taken earlier.
assert_sha256() {
  local got
  got=$(sha256sum -- "$1" | cut -d' ' -f1)
  assert_eq "$2" "$got" "$3"
}

# assert_prefix PREFIX_FILE FILE MESSAGE: FILE starts with every byte of
# PREFIX_FILE (an incremental update never rewrites what was there).
assert_prefix() {
  local n
  n=$(stat -c %s -- "$1")
  if [ "$(stat -c %s -- "$2")" -gt "$n" ] && cmp -s -n "$n" -- "$1" "$2"; then
    pass "$3"
  else
    fail "$3: $2 does not extend $1"
  fi
}

# assert_dir_entries DIR EXPECTED MESSAGE: DIR holds exactly the sorted,
# space-separated names EXPECTED (catches stray temp files).
assert_dir_entries() {
  local got
  got=$(find "$1" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort | tr '\n' ' ')
  assert_eq "$2" "${got% }" "$3"
}

# ---- running commands ------------------------------------------------------

# run_cmd CMD...: run with stdout, stderr and status kept for assertions:
# RUN_STATUS, and files "$RUN_OUT", "$RUN_ERR". Never trips set -e.
RUN_OUT=$TEST_TMP/run.out
RUN_ERR=$TEST_TMP/run.err
RUN_STATUS=0
run_cmd() {
  RUN_STATUS=0
  "$@" >"$RUN_OUT" 2>"$RUN_ERR" </dev/null || RUN_STATUS=$?
  return 0
}

assert_status() { # EXPECTED MESSAGE: status of the last run_cmd
  if [ "$RUN_STATUS" -eq "$1" ]; then
    pass "$2"
  else
    fail "$2: status $RUN_STATUS, expected $1; stderr: $(_kyso_clip "$(cat "$RUN_ERR")")"
  fi
}

assert_success() { # MESSAGE
  assert_status 0 "$1"
}

assert_failure() { # MESSAGE: last run_cmd exited non-zero (and not by a signal)
  if [ "$RUN_STATUS" -ne 0 ] && [ "$RUN_STATUS" -lt 128 ]; then
    pass "$1"
  else
    fail "$1: status $RUN_STATUS, expected 1..127"
  fi
}

# file_label FILE: "dir/name", enough to tell outputs apart in messages.
file_label() {
  printf '%s/%s' "$(basename "$(dirname "$1")")" "$(basename "$1")"
}

_kyso_clip() { # keep failure messages readable
  local s=$1
  if [ "${#s}" -gt 1500 ]; then s="${s:0:1500}..."; fi
  printf '%s' "$s"
}

# ---- caches shared by the tests of one build -------------------------------

# kyso_cache_dir NAME SCRIPT...: echo a cache dir keyed by the hash of the
# scripts that generate it; "$KYSO_TEST_TMP/cache" when set, else inside
# this test's temp dir (no sharing). Callers fill it under kyso_cache_fill.
kyso_cache_dir() {
  local name=$1 key
  shift
  key=$(cat -- "$@" | sha256sum | cut -c1-16)
  if [ -n "${KYSO_TEST_TMP:-}" ]; then
    echo "$KYSO_TEST_TMP/cache/$name-$key"
  else
    echo "$TEST_TMP/cache/$name-$key"
  fi
}

# kyso_cache_fill DIR FUNC: run "FUNC TMPDIR" once under a lock when DIR is
# not complete, then move TMPDIR to DIR (ctest -j runs tests in parallel).
kyso_cache_fill() {
  local dir=$1 func=$2 tmp
  if [ -f "$dir/.complete" ]; then return 0; fi
  mkdir -p "$(dirname "$dir")"
  (
    flock 9
    if [ ! -f "$dir/.complete" ]; then
      rm -rf -- "$dir"
      tmp=$(mktemp -d "$dir.tmp.XXXXXX")
      "$func" "$tmp"
      touch "$tmp/.complete"
      mv -- "$tmp" "$dir"
    fi
  ) 9>"$dir.lock"
}
