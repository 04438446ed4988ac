#!/usr/bin/env bash
# One command to set kyso up on Debian 12: installs the Debian packages it
# needs (installer/deps.sh, through sudo when not root), then configures and
# builds everything with CMake.
#
#   ./installer/setup.sh                  release build in build/
#   BUILD_DIR=build-asan KYSO_SANITIZE=ON ./installer/setup.sh --no-deps
#                                         ASan+UBSan build for developers
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build_dir=${BUILD_DIR:-$top/build}
sanitize=${KYSO_SANITIZE:-OFF}
build_type=${CMAKE_BUILD_TYPE:-RelWithDebInfo}

if [ "${1:-}" != "--no-deps" ]; then
  if [ "$(id -u)" -eq 0 ]; then
    "$here/deps.sh"
  else
    sudo "$here/deps.sh"
  fi
fi

# npm packages, pinned by their package-lock.json files: pdf.js for the web
# pages, signpdf for cross-checking, ws for the host tests, playwright-core
# for the browser tests and benchmarks, puppeteer-core (Firefox) and
# addons-linter for the extension's tests.
for dir in "$top/web" "$top/tests" "$top/tests/host" "$top/tests/web" "$top/tests/extension" \
  "$top/bench/wasm"; do
  if [ -f "$dir/package-lock.json" ] &&
    { [ ! -f "$dir/node_modules/.package-lock.json" ] ||
      [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; }; then
    npm ci --prefix "$dir" --no-audit --no-fund
  fi
done

# KYSO_CMAKE_ARGS: extra CMake options, e.g. "-DKYSO_FUZZ=ON" (with CC=clang).
# shellcheck disable=SC2086
cmake -S "$top" -B "$build_dir" -DCMAKE_BUILD_TYPE="$build_type" \
  -DKYSO_SANITIZE="$sanitize" ${KYSO_CMAKE_ARGS:-}
cmake --build "$build_dir" --parallel "$(nproc)"
echo "kyso: built in $build_dir (run the tests with: ctest --test-dir $build_dir)"
