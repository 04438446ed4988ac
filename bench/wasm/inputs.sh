# shellcheck shell=bash
# bench/wasm's inputs: Vietnamese PDFs of about 1, 10 and 50 MB, shaped as
# bench/lib/bigpdf.sh's 10 MB one (headless Chromium print, one
# incompressible ~100 KB noise image per page, none shared: Chromium would
# write a repeated image once), each signed by the native kyso with the
# person's P12 and given a /DSS, so that both verifiers run every check
# (chain, revocation, changes) and reach TOTAL_PASSED.
#
#   wasm_bench_pdf WORKDIR PAGES OUT      the unsigned PDF
#   wasm_bench_sign IN OUT                kyso sign --p12 + kyso dss
#
# Needs bench/lib/setup.sh sourced (KYSO, the test helpers), PKI_DIR and
# PKI_BAD (pki_bad_setup) set.

wasm_bench_pdf() {
  local w=$1 pages=$2 out=$3 i
  mkdir -p "$w"
  {
    printf '<!doctype html><html lang="vi"><head><meta charset="utf-8"><style>\n'
    printf '@page { size: A4; margin: 20mm 15mm 20mm 30mm; }\n'
    printf 'body { font-family: "Liberation Serif", serif; font-size: 13pt; }\n'
    printf 'section { page-break-after: always; } img { width: 160mm; }\n'
    printf '</style></head><body>\n'
    for i in $(seq 1 "$pages"); do
      [ -s "$w/p$i.png" ] || node "$KYSO_TESTLIB/png.mjs" noise "$w/p$i.png" 190 180 "$i"
      printf '<section><h2>Phụ lục %d: Bảng số liệu ứng dụng chữ ký số</h2>\n' "$i"
      printf '<p>Trang %d. Ủy ban nhân dân tỉnh Tiền Giang tổng hợp số liệu về việc cấp phát, ' "$i"
      printf 'gia hạn và thu hồi chứng thư số chuyên dùng công vụ của các cơ quan, đơn vị.</p>\n'
      printf '<img src="p%d.png" alt="số liệu %d"></section>\n' "$i" "$i"
    done
    printf '</body></html>\n'
  } >"$w/doc-$pages.html"
  fixtures_print_html "$w/doc-$pages.html" "$out"
}

wasm_bench_sign() {
  local in=$1 out=$2
  printf '%s' "$PKI_P12_PASS" >"$W/p12pass"
  "$KYSO" sign --in "$in" --out "$out.tmp" --p12 "$PKI_DIR/person-rsa2048.p12" \
    --pin-file "$W/p12pass" --chain "$PKI_DIR/chain.pem" >/dev/null
  "$KYSO" dss --in "$out.tmp" --out "$out" --crl "$PKI_BAD/subca.crl" \
    --crl "$PKI_BAD/root.crl" --ocsp "$PKI_BAD/ocsp/person-rsa2048.der" >/dev/null
  rm -f -- "$out.tmp"
}
