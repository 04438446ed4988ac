#!/usr/bin/env bash
# Signatures per second through kyso-host's websocket (batches of 100, the
# consent answered by the scripted pinentry) against raw PKCS#11 signing of
# the same SoftHSM2 key through PKCS#11 directly (libp11, one login, 100
# signatures: tests/host/host_raw_sign, run right before each batch), over
# ROUNDS rounds. Prints the median rate ratio (target >= 0.8) and the p50
# added latency per signature (target < 2 ms).
#
#   bench/host/run.sh [BUILD_DIR]     (default build/)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build}
ROUNDS=${ROUNDS:-5}
BATCH=100
export KYSO="$build/cli/kyso" KYSO_HOST="$build/native-host/kyso-host"
export KYSO_HOST_ASSEMBLE="$build/tests/host/host_assemble"
export KYSO_SCRIPTED_PINENTRY="$build/tests/host/scripted_pinentry"
export KYSO_TEST_TMP=${KYSO_TEST_TMP:-/tmp/kyso-bench-host}
export KYSO_HOST_PORT=${KYSO_HOST_PORT:-18751}
# shellcheck source=../../tests/host/host_setup.sh
. "$top/tests/host/host_setup.sh"
host_setup
host_start_ws

# raw: the same key through PKCS#11 directly (libp11 loop, one login), run
# by the client before each of its batches
attrs=$TEST_TMP/raw.attrs
"$KYSO_HOST_ASSEMBLE" prepare "$PKI_DIR/person-rsa2048.pem" "$FX/minimal.pdf" "$attrs"
node "$top/bench/host/bench_client.mjs" "$BATCH" "$ROUNDS" "$attrs" \
  "$build/tests/host/host_raw_sign" "$TOKEN_MODULE" "$TOKEN_PERSON" \
  "$TOKEN_PIN" "$attrs" "$BATCH"
host_stop_ws
trap - EXIT
rm -rf -- "$TEST_TMP"
