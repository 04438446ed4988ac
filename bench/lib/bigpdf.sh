# shellcheck shell=bash
# The benchmarks' input: a ~10 MB, 100-page Vietnamese PDF printed by
# headless Chromium, one incompressible noise image per page (no sharing
# between pages, so ~100 KB a page).
#
#   bench_big_pdf WORKDIR OUT     writes OUT (and WORKDIR/html/)
#
# Needs tests/lib/setup.sh sourced (png.mjs, fixtures_print_html).

bench_big_pdf() {
  local w=$1 out=$2 i
  mkdir -p "$w/html"
  {
    printf '<!doctype html><html lang="vi"><head><meta charset="utf-8"><style>\n'
    printf '@page { size: A4; margin: 20mm 15mm 20mm 30mm; }\n'
    printf 'body { font-family: "Liberation Serif", serif; font-size: 13pt; }\n'
    printf 'section { page-break-after: always; } img { width: 160mm; }\n'
    printf '</style></head><body>\n'
    for i in $(seq 1 100); do
      node "$KYSO_TESTLIB/png.mjs" noise "$w/html/p$i.png" 190 180 "$i"
      printf '<section><h2>Phụ lục %d: Bảng số liệu ứng dụng chữ ký số</h2>\n' "$i"
      printf '<p>Trang %d. Ủy ban nhân dân tỉnh Tiền Giang tổng hợp số liệu về việc cấp phát, ' "$i"
      printf 'gia hạn và thu hồi chứng thư số chuyên dùng công vụ của các cơ quan, đơn vị.</p>\n'
      printf '<img src="p%d.png" alt="số liệu %d"></section>\n' "$i" "$i"
    done
    printf '</body></html>\n'
  } >"$w/html/big.html"
  fixtures_print_html "$w/html/big.html" "$out"
}
