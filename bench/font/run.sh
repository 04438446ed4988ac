#!/usr/bin/env bash
# Font subset overhead per signature: the bytes the embedded Liberation
# Serif subset adds to one Decree 30 text appearance (Type0, CIDFontType2,
# FontDescriptor, FontFile2, ToUnicode, with object headers and xref
# entries), against the full font file. Target: <= 40 KB per signature.
# Builds bench/font/font_overhead.c against libkyso from BUILD_DIR.
#
#   bench/font/run.sh [BUILD_DIR]     (default build/)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build}
font=${KYSO_FONT:-/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf}
lib=$build/core/libkyso.a
[ -f "$lib" ] || { echo "no $lib: build the project first" >&2; exit 1; }
[ -f "$font" ] || { echo "no $font: install fonts-liberation2" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT
${CC:-cc} -std=c11 -O2 -I"$top/core/src" -I"$top/core/include" \
  "$top/bench/font/font_overhead.c" "$lib" -lcrypto -lz -lm \
  -o "$tmp/font_overhead"

run() { # label, strings...
  local label=$1
  shift
  printf '%-28s ' "$label"
  "$tmp/font_overhead" "$font" -o "$tmp/out.pdf" "$@"
}
# issuance: the clerk stamps the number and the date
run "organization (number+date)" "123/QĐ-UBND" \
  "Tiền Giang, ngày 11 tháng 12 năm 2024"
# attachment: number and ISO 8601 signing time
run "attachment" "123/QĐ-UBND" "2024-12-11T09:30:15+07:00"
# electronic copy: form, copier, time
run "copy (SAO Y)" "SAO Y" "Văn phòng UBND tỉnh" "2024-12-11T09:30:15+07:00"
# every Decree 30 string at once, and all Vietnamese letters (worst case)
run "all Decree 30 strings" "Tiền Giang, ngày 11 tháng 12 năm 2024" \
  "123/QĐ-UBND" "SAO Y" "Văn phòng UBND tỉnh" "ư ơ ạ ế ợ Ư Ơ Ạ Ế Ợ" \
  "2024-12-11T09:30:15+07:00"
lower="aàảãáạăằẳẵắặâầẩẫấậbcdđeèẻẽéẹêềểễếệfghiìỉĩíịjklmnoòỏõóọôồổỗốộơờởỡớợpqrstuùủũúụưừửữứựvwxyỳỷỹýỵz"
upper="AÀẢÃÁẠĂẰẲẴẮẶÂẦẨẪẤẬBCDĐEÈẺẼÉẸÊỀỂỄẾỆFGHIÌỈĨÍỊJKLMNOÒỎÕÓỌÔỒỔỖỐỘƠỜỞỠỚỢPQRSTUÙỦŨÚỤƯỪỬỮỨỰVWXYỲỶỸÝỴZ"
run "whole Vietnamese alphabet" "$lower" "$upper" "0123456789 ,.:;/-+()"
