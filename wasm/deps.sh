#!/usr/bin/env bash
# Builds the third-party libraries of the WASM module, zlib and OpenSSL 3.0
# libcrypto, for wasm32 with Emscripten, from Debian's own source packages
# (apt-get source; the .dsc checksums are checked by dpkg-source). Nothing
# third-party is kept in the repository: sources and results live in a
# cache outside it, one directory per (package version, emcc version), so a
# second run, or CI with a warm cache, costs nothing.
#
#   wasm/deps.sh            prints the prefix (include/, lib/) on stdout
#
# Environment:
#   KYSO_WASM_CACHE           cache root (default ~/.cache/kyso/wasm)
#   KYSO_OPENSSL_DEB_VERSION  Debian version of openssl (pinned below)
#   KYSO_ZLIB_DEB_VERSION     Debian version of zlib (pinned below)
#
# Needs: emscripten, dpkg-dev, and deb-src entries (installer/deps.sh adds
# them, copied from the deb entries).
set -euo pipefail

openssl_version=${KYSO_OPENSSL_DEB_VERSION:-3.0.20-1~deb12u2}
zlib_version=${KYSO_ZLIB_DEB_VERSION:-1:1.2.13.dfsg-1}
cache=${KYSO_WASM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kyso/wasm}

log() { echo "wasm/deps: $*" >&2; }
trap 'log "error: failed at line $LINENO"' ERR
die() {
  log "error: $*"
  exit 1
}

command -v emcc >/dev/null || die "emcc not found (apt-get install emscripten)"
command -v dpkg-source >/dev/null || die "dpkg-source not found (dpkg-dev)"
emcc_version=$(emcc --version | sed -n '1s/.* \([0-9][0-9.]*\) .*/\1/p')
[ -n "$emcc_version" ] || die "cannot read the emcc version"

# Only the OpenSSL 3.0 series and zlib 1.2 are known to build and to keep the
# verifier's behaviour identical to the native one.
case "$openssl_version" in 3.0.*) ;; *) die "openssl $openssl_version is not 3.0.x" ;; esac
case "$zlib_version" in 1:1.2.*) ;; *) die "zlib $zlib_version is not 1.2.x" ;; esac

# file-system safe key: "1:1.2.13.dfsg-1" -> "1.2.13.dfsg-1"
key() { echo "$1" | sed 's/^[0-9]*://; s/[^A-Za-z0-9.+-]/_/g'; }
# config_rev changes whenever the Configure options below change, so a cache
# built with other options is never reused.
config_rev=2
prefix=$cache/openssl-$(key "$openssl_version")-zlib-$(key "$zlib_version")-emcc-$emcc_version-cfg$config_rev
if [ -f "$prefix/.done" ]; then
  echo "$prefix"
  exit 0
fi

work=$prefix.work
rm -rf -- "$work" "$prefix"
mkdir -p "$work" "$prefix/lib" "$prefix/include"

# Downloads and unpacks a Debian source package at one exact version.
fetch() { # package version -> prints the unpacked directory
  local package=$1 version=$2 dsc dir
  (cd "$work" && apt-get source --download-only "$package=$version" >&2) ||
    die "cannot download $package $version (is there a deb-src entry? is the version still in the archive? set KYSO_${package^^}_DEB_VERSION)"
  dsc=$(ls "$work/${package}_$(echo "$version" | sed 's/^[0-9]*://')".dsc) ||
    die "no .dsc for $package $version"
  dir=$work/$package-src
  dpkg-source --no-check -x "$dsc" "$dir" >&2 || die "cannot unpack $dsc"
  # dpkg-source verified the files against the checksums in the .dsc; apt
  # verified the .dsc against the signed Sources index.
  echo "$dir"
}

log "zlib $zlib_version"
zdir=$(fetch zlib "$zlib_version")
(
  cd "$zdir"
  objs=()
  for c in adler32 crc32 deflate inffast inflate inftrees trees zutil compress uncompr; do
    emcc -Oz -DHAVE_UNISTD_H -c "$c.c" -o "$c.o"
    objs+=("$c.o")
  done
  emar rcs "$prefix/lib/libz.a" "${objs[@]}"
  cp zlib.h zconf.h "$prefix/include/"
) >&2

log "openssl $openssl_version (about 9 minutes on 2 cores)"
odir=$(fetch openssl "$openssl_version")
(
  cd "$odir"
  # Algorithms a PDF signature verifier never meets are left out to keep the
  # module small; what stays: SHA-1/2/3, RSA (PKCS#1, PSS), ECDSA on prime
  # curves, EdDSA, X.509, CMS, OCSP, RFC 3161 timestamps, and RC4 for
  # encrypted PDFs (revisions 2-4 check the password with it): RC4 lives in
  # the legacy provider, which no-module links into libcrypto.a (loaded by
  # name, "legacy", by core/src/pdf/pdf_crypt.c).
  CC=emcc AR=emar RANLIB=emranlib ./Configure linux-generic32 \
    no-asm no-threads no-shared no-dso no-engine no-sock no-afalgeng \
    no-tests no-ui-console no-autoload-config no-filenames \
    no-module no-camellia no-idea no-seed no-rc2 no-rc5 no-md4 no-mdc2 \
    no-whirlpool no-bf no-cast no-srp no-sm2 no-sm3 no-sm4 no-siphash \
    no-aria no-blake2 no-chacha no-poly1305 no-ec2m no-gost no-scrypt \
    no-ocb no-comp no-ct no-dh no-dsa no-des no-cmac \
    -Oz -DOPENSSL_NO_SECURE_MEMORY
  make -j"$(nproc)" build_generated
  make -j"$(nproc)" libcrypto.a
  cp libcrypto.a "$prefix/lib/"
  cp -r include/openssl "$prefix/include/"
) >&2

{
  echo "openssl $openssl_version"
  echo "zlib $zlib_version"
  echo "emcc $emcc_version"
  echo "config $config_rev"
} >"$prefix/VERSIONS"
rm -rf -- "$work"
touch "$prefix/.done"
echo "$prefix"
