# shellcheck shell=bash
# What bench/sign and bench/verify do before they measure: find the kyso
# binary and the tools, source the test helpers (they make the PKI, the
# tokens, revocation data and NSS databases as the integration tests do),
# set up the work dir and build the ~10 MB, 100-page input (bigpdf.sh).
#
#   . "$repo/bench/lib/setup.sh" "$@"     (repo: the checkout's top)
#
# Sets KYSO (argument 1, else $KYSO, else build/cli/kyso), RUNS (BENCH_RUNS,
# default 7) and W, the work dir (BENCH_DIR to keep it; default a temp dir
# removed at exit), and writes $W/big.pdf.

KYSO=${1:-${KYSO:-$repo/build/cli/kyso}}
# shellcheck disable=SC2034 # RUNS is for the run.sh that sources this
RUNS=${BENCH_RUNS:-7}
[ -x "$KYSO" ] || { echo "kyso binary not found: $KYSO (build it, or pass its path)" >&2; exit 1; }
for c in hyperfine pdfsig pdfinfo chromium node openssl certutil pk12util softhsm2-util pkcs11-tool /usr/bin/time; do
  command -v "$c" >/dev/null || { echo "missing: $c" >&2; exit 1; }
done

# common.sh installs a test-summary EXIT trap: replace it.
export KYSO_TEST_TMP=${BENCH_DIR:-}
# shellcheck source=../../tests/lib/setup.sh
. "$repo/tests/lib/setup.sh"
trap - ERR
if [ -n "${BENCH_DIR:-}" ]; then
  trap 'echo "work dir kept: $TEST_TMP"' EXIT
else
  trap 'rm -rf -- "$TEST_TMP"' EXIT
fi
W=$TEST_TMP

echo "== building the 100-page input (Chromium)"
# shellcheck source=bigpdf.sh
. "$repo/bench/lib/bigpdf.sh"
bench_big_pdf "$W" "$W/big.pdf"
