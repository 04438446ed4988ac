#!/usr/bin/env bash
# Installs every Debian package kyso needs to build, test and benchmark.
# Run as root (or through sudo) on Debian 12. Safe to run again.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  exec sudo -E "$0" "$@"
fi

packages=(
  # build
  build-essential cmake pkg-config clang-format
  libssl-dev zlib1g-dev libp11-dev
  # fetching OCSP, CRLs and timestamps (kyso sign --ltv, verify --online)
  libcurl4-openssl-dev
  # the native host (kyso-host): websocket server, JSON, consent/PIN dialogs
  libwebsockets-dev libjansson-dev pinentry-curses
  # registrable domains (eTLD+1) for the origin policy: libpsl and the
  # Public Suffix List it reads (/usr/share/publicsuffix)
  libpsl-dev publicsuffix
  # the token and its tools
  softhsm2 opensc p11-kit
  # independent checkers and PDF producers used by the tests
  qpdf poppler-utils libnss3-tools openssl chromium iproute2
  # the extension's Firefox test (tests/extension/firefox_e2e_test.sh)
  firefox-esr
  # systemd-analyze verify/security on the kyso-host user unit
  systemd
  # sanitizers, fuzzing, leak checks
  clang libclang-rt-14-dev valgrind
  # fonts (Decree 30 appearance text)
  fonts-liberation2
  # the WASM module: emcc, and dpkg-source to unpack Debian's openssl and
  # zlib sources (wasm/deps.sh)
  emscripten binaryen dpkg-dev
  # test helpers and browser tests (Node.js; npm below)
  nodejs
  # the LTV tests: expired OCSP answers, a clock two hours on (cache expiry)
  faketime
  # benchmarks
  hyperfine time
)

# wasm/deps.sh builds OpenSSL and zlib for wasm32 from Debian's source
# packages: add deb-src entries copied from the existing deb entries.
add_deb_src() {
  local f
  if grep -qs '^Types:.*deb-src' /etc/apt/sources.list.d/*.sources ||
    grep -qs '^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list; then
    return 0
  fi
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    case $f in */kyso-deb-src-*) continue ;; esac
    sed 's/^Types: deb$/Types: deb-src/' "$f" \
      >"/etc/apt/sources.list.d/kyso-deb-src-$(basename "$f")"
  done
  if [ -f /etc/apt/sources.list ] && grep -q '^deb ' /etc/apt/sources.list; then
    sed -n 's/^deb /deb-src /p' /etc/apt/sources.list \
      >/etc/apt/sources.list.d/kyso-deb-src.list
  fi
}

export DEBIAN_FRONTEND=noninteractive
add_deb_src
apt-get update -q
apt-get install -y -q --no-install-recommends "${packages[@]}"
# Debian's npm package conflicts with Node.js builds that bundle npm: install
# it only when no npm is there yet.
if ! command -v npm >/dev/null 2>&1; then
  apt-get install -y -q --no-install-recommends npm
fi
