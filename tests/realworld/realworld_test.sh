#!/usr/bin/env bash
# realworld.<MODE>: kyso over the third-party corpus in
# ../shared/corpus/realworld (MANIFEST.tsv: where each file comes from and
# what its own suite expects). The corpus is never copied into the
# repository; without it the test is SKIPPED (status 77) with a message
# saying where it should be.
#
#   realworld_test.sh signed          every signed file verified; `reject`
#                                     files must be TOTAL_FAILED (or refused),
#                                     `valid` files must not be TOTAL_FAILED
#   realworld_test.sh unsigned_read   every unsigned file verified and
#                                     inspected: no crash, no hang
#   realworld_test.sh unsigned_sign   every unsigned file signed with the test
#                                     P12 and checked (qpdf, pdfsig, kyso
#                                     verify, page 1 render), or refused
#
# Exceptions (kyso stricter than the corpus' suite, a defect in the file,
# or a kyso bug still being fixed) are in tests/realworld/policy.tsv, each
# with kyso's answer and the reason. realworld_judge.mjs holds every file to
# its expectation and prints the summary; the summary also goes to
# $KYSO_TEST_TMP/realworld.<MODE>.summary.txt (kept after the run).
#
# Environment: KYSO (the binary), KYSO_SOURCE_DIR, KYSO_TEST_TMP,
#   KYSO_REALWORLD_CORPUS   corpus dir (default $KYSO_SOURCE_DIR/../shared/corpus/realworld)
#   KYSO_REALWORLD_JOBS     files in parallel (default 2)
#   KYSO_REALWORLD_TIMEOUT  seconds of wall clock per command (default 60)
#   KYSO_REALWORLD_CPU      seconds of CPU per command (default 30)
#   KYSO_REALWORLD_ONLY     a grep -E pattern: only the matching file names
#   KYSO_REALWORLD_POLICY   the policy file (default tests/realworld/policy.tsv)
#   KYSO_REALWORLD_STRICT_POLICY=1  fail on policy entries no longer needed
mode=${1:?usage: realworld_test.sh signed|unsigned_read|unsigned_sign}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
corpus=${KYSO_REALWORLD_CORPUS:-${KYSO_SOURCE_DIR:-$here/../..}/../shared/corpus/realworld}

if [ ! -f "$corpus/MANIFEST.tsv" ]; then
  {
    echo "SKIPPED: realworld.$mode: the real-world corpus is not here."
    echo "  expected: $corpus/MANIFEST.tsv (with signed/ and unsigned/)"
    echo "  It lives next to the repository, in ../shared/corpus/realworld, and is"
    echo "  never copied into it; set KYSO_REALWORLD_CORPUS=DIR to point elsewhere."
  } >&2
  exit 77
fi
corpus=$(cd "$corpus" && pwd)

. "$here/../lib/common.sh"
# shellcheck source=../lib/pki.sh
. "$KYSO_TESTLIB/pki.sh"

if [ -z "${KYSO:-}" ] || [ ! -x "$KYSO" ]; then die "KYSO is not set to the kyso binary"; fi
require_cmd node timeout prlimit xargs
case $mode in
  signed) sub=signed kind=signed ;;
  unsigned_read) sub=unsigned kind=unsigned ;;
  unsigned_sign)
    sub=unsigned kind=unsigned
    require_cmd openssl qpdf pdfsig pdftoppm cmp
    PKI_DIR=$(pki_dir)
    export RW_P12=$PKI_DIR/person-rsa2048.p12 RW_CHAIN=$PKI_DIR/chain.pem
    export RW_TRUST=$PKI_DIR/root.pem RW_TIME=2024-12-11T09:30:15+07:00
    export RW_P12_PASS_FILE=$TEST_TMP/p12pass
    printf '%s' "$PKI_P12_PASS" >"$RW_P12_PASS_FILE"
    ;;
  *) die "unknown mode $mode" ;;
esac

# A fixed validation time: the verdicts do not drift with the date.
export RW_AT=2026-12-01T00:00:00Z
export RW_OUT=$TEST_TMP/out RW_TIMEOUT=${KYSO_REALWORLD_TIMEOUT:-60}
export RW_CPU=${KYSO_REALWORLD_CPU:-30} KYSO
mkdir -p "$RW_OUT"

# The files of this kind, from the manifest (the judge reports files the
# manifest names that are missing from the folder).
awk -F'\t' -v k="$kind" -v d="$corpus/$sub" 'NR > 1 && $2 == k { print d "/" $1 }' \
  "$corpus/MANIFEST.tsv" >"$TEST_TMP/files"
if [ -n "${KYSO_REALWORLD_ONLY:-}" ]; then
  grep -E -- "$KYSO_REALWORLD_ONLY" "$TEST_TMP/files" >"$TEST_TMP/files.only" || true
  mv -- "$TEST_TMP/files.only" "$TEST_TMP/files"
fi
n=$(wc -l <"$TEST_TMP/files")
[ "$n" -gt 0 ] || die "no $kind file in $corpus/MANIFEST.tsv${KYSO_REALWORLD_ONLY:+ matching $KYSO_REALWORLD_ONLY}"
while IFS= read -r f; do
  [ -f "$f" ] || fail "MANIFEST.tsv names $(basename "$f"), which is not in $corpus/$sub"
done <"$TEST_TMP/files"

section "realworld.$mode: $n files from $corpus/$sub, ${KYSO_REALWORLD_JOBS:-2} at a time"
start=$(date +%s)
tr '\n' '\0' <"$TEST_TMP/files" |
  xargs -0 -r -n 1 -P "${KYSO_REALWORLD_JOBS:-2}" bash "$here/realworld_one.sh" "$mode" ||
  fail "realworld_one.sh failed for some file (see above)"
secs=$(($(date +%s) - start))

summary=${KYSO_TEST_TMP:-$TEST_TMP}/realworld.$mode.summary.txt
rm -f -- "$summary"
judge_node node "$here/realworld_judge.mjs" "$mode" "$corpus" "${KYSO_REALWORLD_POLICY:-$here/policy.tsv}" \
  "$RW_OUT" "$TEST_TMP/files" "$summary" "$secs"
if [ -f "$summary" ]; then cat -- "$summary"; fi
test_summary
