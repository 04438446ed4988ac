# shellcheck shell=bash
# Input PDFs for the integration tests, made at test time.
#
# fixtures_make DIR writes, into DIR:
#   good inputs (listed in DIR/inputs.tsv: name, pages, revisions, what)
#     vn-chromium.pdf   Vietnamese tờ trình (diacritics, a table, 3 A4 pages)
#                       printed by headless Chromium (Skia, classic xref)
#     vn-objstm.pdf     the same through qpdf --object-streams=generate
#                       (xref stream with PNG predictor, object streams)
#     vn-multirev.pdf   vn-chromium plus two hand-appended incremental
#                       updates (classic xref sections chained by /Prev)
#     minimal.pdf       one page written by printf, classic xref, no /Info
#                       and no /ID
#     hybrid.pdf        hybrid-reference file: classic table plus /XRefStm
#                       (ISO 32000-1 7.5.8.4), page and font only in an
#                       object stream
#     xrefstream.pdf    one page, uncompressed xref stream, catalog in an
#                       object stream
#   bad inputs (DIR/bad.tsv: name, expected error codes separated by |, what)
#     bad-notpdf.pdf bad-empty.pdf bad-truncated.pdf bad-startxref.pdf
#     bad-prev-loop.pdf bad-length.pdf bad-deep.pdf bad-encrypted.pdf
#     (documents encrypted with an empty user password are good inputs:
#     tests/integration/encrypted_test.sh)
#   images
#     signature.png     300x120 RGBA, blue strokes on transparent background
#     seal.png          200x200 RGBA, red seal
#
# fixtures_dir: the same, cached once per build under $KYSO_TEST_TMP/cache.
# Needs common.sh. Bytes matter here: everything runs with LC_ALL=C so
# ${#var} counts bytes.

FIXTURES_CHROMIUM=${KYSO_CHROMIUM:-chromium}

# ---- hand-written PDF helpers ----------------------------------------------
# _pdfw_* append to $_PDFW_FILE and remember each object's offset in
# _PDFW_OFF, so the xref is computed from what was written.

_pdfw_start() { # FILE HEADER_VERSION
  _PDFW_FILE=$1
  _PDFW_OFF=()
  # The binary comment marks the file as binary (ISO 32000-1 7.5.2).
  printf '%%PDF-%s\n%%\342\343\317\323\n' "$2" >"$_PDFW_FILE"
}

_pdfw_pos() {
  stat -c %s -- "$_PDFW_FILE"
}

_pdfw_raw() { # TEXT: no newline added
  printf '%s' "$1" >>"$_PDFW_FILE"
}

_pdfw_obj() { # NUM BODY
  _PDFW_OFF[$1]=$(_pdfw_pos)
  printf '%d 0 obj\n%s\nendobj\n' "$1" "$2" >>"$_PDFW_FILE"
}

_pdfw_stream() { # NUM DICT_ENTRIES DATA [LENGTH]: DATA is text; LENGTH lies if given
  local len=${4:-${#3}}
  _PDFW_OFF[$1]=$(_pdfw_pos)
  printf '%d 0 obj\n<< %s/Length %d >>\nstream\n%s\nendstream\nendobj\n' \
    "$1" "${2:+$2 }" "$len" "$3" >>"$_PDFW_FILE"
}

_pdfw_xref_entries() { # FIRST COUNT: the 20-byte lines (7.5.4)
  local i
  for ((i = $1; i < $1 + $2; i++)); do
    if [ "$i" -eq 0 ]; then
      printf '0000000000 65535 f \n'
    else
      printf '%010d 00000 n \n' "${_PDFW_OFF[$i]}"
    fi
  done >>"$_PDFW_FILE"
}

_pdfw_trailer() { # DICT_ENTRIES XREF_OFFSET
  printf 'trailer\n<< %s >>\nstartxref\n%d\n%%%%EOF\n' "$1" "$2" >>"$_PDFW_FILE"
}

_xent() { # TYPE FIELD2 FIELD3: one xref stream entry, /W [1 2 1]
  # shellcheck disable=SC2059 # the format is the escapes built here
  printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' "$1" $(($2 >> 8)) $(($2 & 255)) "$3")"
}

_FX_CONTENT='0.2 0.2 0.6 RG 2 w 60 700 475 80 re S
BT /F1 20 Tf 72 750 Td (Kyso test page) Tj ET
BT /F1 12 Tf 72 720 Td (Hand-written PDF for the signing tests.) Tj ET'
_FX_PAGE='<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>'
_FX_FONT='<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>'

# _fx_minimal OUT [deep]: one page, classic xref. With "deep" the catalog
# points at an /AcroForm whose /Fields nests arrays 10,000 deep.
_fx_minimal() {
  local out=$1 variant=${2:-} catalog='<< /Type /Catalog /Pages 2 0 R >>' xref n=6
  _pdfw_start "$out" 1.7
  if [ "$variant" = deep ]; then
    catalog='<< /Type /Catalog /Pages 2 0 R /AcroForm 6 0 R >>'
  fi
  _pdfw_obj 1 "$catalog"
  _pdfw_obj 2 '<< /Type /Pages /Kids [3 0 R] /Count 1 >>'
  _pdfw_obj 3 "$_FX_PAGE"
  _pdfw_stream 4 "" "$_FX_CONTENT"
  _pdfw_obj 5 "$_FX_FONT"
  if [ "$variant" = deep ]; then
    local open close
    open=$(printf '%10000s' '' | tr ' ' '[')
    close=$(printf '%10000s' '' | tr ' ' ']')
    _pdfw_obj 6 "<< /Fields $open$close >>"
    n=7
  fi
  xref=$(_pdfw_pos)
  _pdfw_raw "xref
0 $n
"
  _pdfw_xref_entries 0 "$n"
  _pdfw_trailer "/Size $n /Root 1 0 R" "$xref"
}

# _fx_hybrid OUT: classic table for 1, 2, 4, 5, 7; the page (3) and font (6)
# only in object stream 5, found through the /XRefStm stream 7.
_fx_hybrid() {
  local out=$1 head body objstm xref
  _pdfw_start "$out" 1.5
  _pdfw_obj 1 '<< /Type /Catalog /Pages 2 0 R >>'
  _pdfw_obj 2 '<< /Type /Pages /Kids [3 0 R] /Count 1 >>'
  _pdfw_stream 4 "" "$_FX_CONTENT"
  body="${_FX_PAGE/5 0 R/6 0 R}"
  head="3 0 6 $((${#body} + 1)) "
  objstm="$head$body $_FX_FONT"
  _pdfw_stream 5 "/Type /ObjStm /N 2 /First ${#head}" "$objstm"
  _PDFW_OFF[7]=$(_pdfw_pos)
  {
    printf '7 0 obj\n<< /Type /XRef /Size 8 /W [1 2 1] /Index [3 1 6 1] /Length 8 >>\nstream\n'
    _xent 2 5 0
    _xent 2 5 1
    printf '\nendstream\nendobj\n'
  } >>"$out"
  xref=$(_pdfw_pos)
  _pdfw_raw "xref
0 3
"
  _pdfw_xref_entries 0 3
  _pdfw_raw "4 2
"
  _pdfw_xref_entries 4 2
  _pdfw_raw "7 1
"
  _pdfw_xref_entries 7 1
  _pdfw_trailer "/Size 8 /Root 1 0 R /XRefStm ${_PDFW_OFF[7]}" "$xref"
}

# _fx_xrefstream OUT [LENGTH_DELTA]: no classic xref at all; catalog, pages,
# page and font in object stream 5 (catalog last). A non-zero LENGTH_DELTA
# makes /Length of that object stream lie by that many bytes.
_fx_xrefstream() {
  local out=$1 delta=${2:-0} objs head="" off=0 o body
  local -a bodies=(
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>'
    "${_FX_PAGE/5 0 R/6 0 R}"
    "$_FX_FONT"
    '<< /Type /Catalog /Pages 2 0 R >>'
  )
  local -a nums=(2 3 6 1)
  objs=""
  for o in 0 1 2 3; do
    head="$head${nums[$o]} $off "
    body="${bodies[$o]} "
    objs="$objs$body"
    off=$((off + ${#body}))
  done
  _pdfw_start "$out" 1.5
  _pdfw_stream 4 "" "$_FX_CONTENT"
  _pdfw_stream 5 "/Type /ObjStm /N 4 /First ${#head}" "$head$objs" \
    $((${#head} + ${#objs} + delta))
  _PDFW_OFF[7]=$(_pdfw_pos)
  {
    printf '7 0 obj\n<< /Type /XRef /Size 8 /W [1 2 1] /Root 1 0 R /Length 32 >>\nstream\n'
    _xent 0 0 255
    _xent 2 5 3
    _xent 2 5 0
    _xent 2 5 1
    _xent 1 "${_PDFW_OFF[4]}" 0
    _xent 1 "${_PDFW_OFF[5]}" 0
    _xent 2 5 2
    _xent 1 "${_PDFW_OFF[7]}" 0
    printf '\nendstream\nendobj\n'
    printf 'startxref\n%d\n%%%%EOF\n' "${_PDFW_OFF[7]}"
  } >>"$out"
}

# _fx_trailer_value IN KEY: a trailer entry as qpdf reads it ("16 0 R", "25").
_fx_trailer_value() {
  qpdf --show-object=trailer -- "$1" |
    sed -n "s/.*\/$2 \([0-9][0-9]*\( [0-9][0-9]* R\)\{0,1\}\).*/\1/p"
}

_fx_startxref() { # IN: the last startxref value
  tail -c 64 -- "$1" | tr '\r' '\n' | awk '/^startxref$/ { getline; v = $1 } END { print v }'
}

# _fx_append_update IN OUT TITLE: OUT = IN + an incremental update adding a
# new /Info dictionary, with a classic xref section and /Prev (7.5.6).
_fx_append_update() {
  local in=$1 out=$2 title=$3 size root prev obj
  size=$(_fx_trailer_value "$in" Size)
  root=$(_fx_trailer_value "$in" Root)
  prev=$(_fx_startxref "$in")
  if [ -z "$size" ] || [ -z "$root" ] || [ -z "$prev" ]; then die "cannot read trailer of $in"; fi
  cp -- "$in" "$out"
  _PDFW_FILE=$out
  _PDFW_OFF=()
  _pdfw_obj "$size" "<< /Title ($title) /Producer (kyso tests, incremental update) >>"
  obj=$(_pdfw_pos)
  printf 'xref\n0 1\n0000000000 65535 f \n%d 1\n%010d 00000 n \n' \
    "$size" "${_PDFW_OFF[$size]}" >>"$out"
  _pdfw_trailer "/Size $((size + 1)) /Root $root /Info $size 0 R /Prev $prev" "$obj"
}

# _fx_prev_loop IN OUT: two update sections whose /Prev point at each other.
_fx_prev_loop() {
  local in=$1 out=$2 a b u1 size root
  size=$(_fx_trailer_value "$in" Size)
  root=$(_fx_trailer_value "$in" Root)
  a=$(stat -c %s -- "$in")
  b=$a
  # u1's length depends on the digits of b: iterate until it is stable.
  while :; do
    printf -v u1 'xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size %s /Root %s /Prev %d >>\n' \
      "$size" "$root" "$b"
    [ $((a + ${#u1})) -eq "$b" ] && break
    b=$((a + ${#u1}))
  done
  cp -- "$in" "$out"
  printf '%s' "$u1" >>"$out"
  printf 'xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size %s /Root %s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n' \
    "$size" "$root" "$a" "$b" >>"$out"
}

# _fx_set_startxref IN OUT VALUE: same file, last startxref replaced.
_fx_set_startxref() {
  local keep
  keep=$(grep -abo 'startxref' -- "$1" | tail -1 | cut -d: -f1)
  head -c "$keep" -- "$1" >"$2"
  printf 'startxref\n%d\n%%%%EOF\n' "$3" >>"$2"
}

# ---- the Vietnamese document -------------------------------------------------

_fx_html() { # a tờ trình laid out roughly per Decree 30, three A4 pages
  local i
  cat <<'EOF'
<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>Tờ trình 123/TTr-UBND</title>
<style>
@page { size: A4; margin: 20mm 15mm 20mm 30mm; }
body { font-family: "Liberation Serif", "Times New Roman", serif; font-size: 13pt; line-height: 1.35; }
.hdr { display: flex; justify-content: space-between; text-align: center; }
.hdr > div { width: 48%; } .b { font-weight: bold; } .i { font-style: italic; }
h1 { text-align: center; font-size: 14pt; margin: 18pt 0 0; }
.sub { text-align: center; font-weight: bold; }
table { border-collapse: collapse; width: 100%; font-size: 11pt; }
td:last-child { white-space: nowrap; }
td, th { border: 1px solid #000; padding: 3pt 5pt; }
td.n { text-align: right; }
.page { page-break-before: always; }
.sign { margin-left: 55%; text-align: center; margin-top: 24pt; }
</style></head><body>
<div class="hdr">
 <div><div>ỦY BAN NHÂN DÂN</div><div class="b">TỈNH TIỀN GIANG</div><div>Số: 123/TTr-UBND</div></div>
 <div><div class="b">CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</div><div class="b">Độc lập - Tự do - Hạnh phúc</div>
 <div class="i">Tiền Giang, ngày 11 tháng 12 năm 2024</div></div>
</div>
<h1>TỜ TRÌNH</h1>
<div class="sub">Về việc phê duyệt Kế hoạch ứng dụng chữ ký số chuyên dùng công vụ<br>trong hoạt động của cơ quan nhà nước trên địa bàn tỉnh năm 2025</div>
<p>Kính gửi: Hội đồng nhân dân tỉnh Tiền Giang.</p>
<p>Căn cứ Luật Giao dịch điện tử ngày 22 tháng 6 năm 2023;</p>
<p>Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư;</p>
<p>Căn cứ Nghị định số 68/2024/NĐ-CP ngày 25 tháng 6 năm 2024 của Chính phủ quy định về chữ ký số chuyên dùng công vụ;</p>
<p>Ủy ban nhân dân tỉnh kính trình Hội đồng nhân dân tỉnh xem xét, phê duyệt Kế hoạch ứng dụng chữ ký số
chuyên dùng công vụ năm 2025 với các nội dung chủ yếu sau đây. Việc ký số văn bản điện tử giúp rút ngắn thời gian
xử lý hồ sơ, tiết kiệm chi phí in ấn, lưu trữ và bảo đảm tính xác thực, toàn vẹn của văn bản.</p>
<p>Đối tượng áp dụng gồm các sở, ban, ngành tỉnh; Ủy ban nhân dân các huyện, thị xã, thành phố và các đơn vị
sự nghiệp công lập trực thuộc. Mỗi cán bộ, công chức được cấp chứng thư số cá nhân; mỗi cơ quan được cấp
chứng thư số tổ chức do văn thư quản lý.</p>
<div class="page">
<p class="b">I. DỰ TOÁN KINH PHÍ THỰC HIỆN</p>
<table>
<tr><th>STT</th><th>Nội dung</th><th>Số lượng</th><th>Kinh phí (triệu đồng)</th><th>Ghi chú</th></tr>
EOF
  local -a items=("Cấp mới thiết bị ký số (USB token)" "Gia hạn chứng thư số cá nhân"
    "Gia hạn chứng thư số tổ chức" "Tập huấn sử dụng chữ ký số" "Nâng cấp phần mềm quản lý văn bản"
    "Tích hợp ký số trên Cổng dịch vụ công" "Bảo trì hệ thống xác thực" "Dự phòng thiết bị hư hỏng")
  for i in $(seq 1 14); do
    printf '<tr><td class="n">%d</td><td>%s — đợt %d</td><td class="n">%d</td><td class="n">%d,%d</td><td>Sở TT&amp;TT</td></tr>\n' \
      "$i" "${items[$((i % 8))]}" $(((i + 7) / 8)) $((i * 13 % 97 + 3)) $((i * 37 % 500 + 20)) $((i % 10))
  done
  cat <<'EOF'
<tr><td></td><td class="b">Tổng cộng</td><td></td><td class="n b">7.894,5</td><td></td></tr>
</table>
</div>
<div class="page">
<p class="b">II. TỔ CHỨC THỰC HIỆN</p>
<p>Giao Sở Thông tin và Truyền thông chủ trì, phối hợp với Ban Cơ yếu Chính phủ triển khai cấp phát, quản lý
thiết bị ký số; hướng dẫn các cơ quan, đơn vị thực hiện ký số theo đúng quy định tại Phụ lục I Nghị định số
30/2020/NĐ-CP (vị trí, hình ảnh chữ ký số của người có thẩm quyền và của cơ quan, tổ chức).</p>
<p>Ủy ban nhân dân tỉnh kính trình Hội đồng nhân dân tỉnh xem xét, quyết định./.</p>
<div class="hdr"><div style="text-align:left"><span class="b i">Nơi nhận:</span><br>- Như trên;<br>- TT. Tỉnh ủy;<br>- Lưu: VT, KGVX.</div>
<div class="sign"><div class="b">TM. ỦY BAN NHÂN DÂN<br>KT. CHỦ TỊCH<br>PHÓ CHỦ TỊCH</div><br><br><br><br><div class="b">Nguyễn Văn A</div></div></div>
</div>
</body></html>
EOF
}

# fixtures_print_html HTML OUT: headless Chromium "print to PDF".
fixtures_print_html() {
  local profile rc=0
  profile=$(mktemp -d "${TEST_TMP:-/tmp}/chromium.XXXXXX")
  timeout 120 "$FIXTURES_CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --print-to-pdf="$2" --no-pdf-header-footer \
    "file://$1" >"$profile.log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ] || [ ! -s "$2" ]; then
    cat "$profile.log" >&2
    die "chromium could not print $1 (status $rc)"
  fi
  rm -rf -- "$profile" "$profile.log"
}

# ---- all of it ---------------------------------------------------------------

fixtures_make() {
  local d=$1
  mkdir -p "$d"

  _fx_html >"$d/vn.html"
  fixtures_print_html "$d/vn.html" "$d/vn-chromium.pdf"
  qpdf --object-streams=generate -- "$d/vn-chromium.pdf" "$d/vn-objstm.pdf"
  _fx_append_update "$d/vn-chromium.pdf" "$d/rev2.tmp" "Revision 2"
  _fx_append_update "$d/rev2.tmp" "$d/vn-multirev.pdf" "Revision 3"
  rm -f -- "$d/rev2.tmp"
  _fx_minimal "$d/minimal.pdf"
  _fx_hybrid "$d/hybrid.pdf"
  _fx_xrefstream "$d/xrefstream.pdf"

  printf 'Đây không phải là tệp PDF.\n' >"$d/bad-notpdf.pdf"
  : >"$d/bad-empty.pdf"
  head -c $(($(stat -c %s -- "$d/vn-chromium.pdf") / 2)) -- "$d/vn-chromium.pdf" >"$d/bad-truncated.pdf"
  # startxref lands 5 bytes into object 2's "2 0 obj" line: neither "xref"
  # nor an xref stream is there.
  _fx_set_startxref "$d/minimal.pdf" "$d/bad-startxref.pdf" \
    $(($(grep -abo '^2 0 obj' -- "$d/minimal.pdf" | cut -d: -f1) + 5))
  _fx_prev_loop "$d/minimal.pdf" "$d/bad-prev-loop.pdf"
  _fx_xrefstream "$d/bad-length.pdf" -40
  _fx_minimal "$d/bad-deep.pdf" deep
  qpdf --encrypt u o 256 -- "$d/minimal.pdf" "$d/bad-encrypted.pdf"

  node "$KYSO_TESTLIB/png.mjs" signature "$d/signature.png"
  node "$KYSO_TESTLIB/png.mjs" seal "$d/seal.png"

  printf '%s\t%s\t%s\t%s\n' \
    vn-chromium.pdf 3 1 "Chromium print, classic xref" \
    vn-objstm.pdf 3 1 "qpdf object streams, xref stream" \
    vn-multirev.pdf 3 3 "two incremental updates, /Prev chain" \
    minimal.pdf 1 1 "printf-built, classic xref" \
    hybrid.pdf 1 1 "hybrid reference, /XRefStm" \
    xrefstream.pdf 1 1 "uncompressed xref stream only" >"$d/inputs.tsv"
  # Codes that fit each fault; the first is the most precise one.
  printf '%s\t%s\t%s\n' \
    bad-notpdf.pdf 'PDF_HEADER' "text, no %PDF- header" \
    bad-empty.pdf 'PDF_HEADER' "zero bytes" \
    bad-truncated.pdf 'PDF_TRAILER|PDF_XREF' "first half of a good file: no startxref" \
    bad-startxref.pdf 'PDF_XREF' "startxref points into an object" \
    bad-prev-loop.pdf 'PDF_LOOP|PDF_XREF' "two xref sections whose /Prev point at each other" \
    bad-length.pdf 'PDF_STREAM|PDF_OBJECT|PDF_SYNTAX' "object stream with the catalog: /Length 40 too short" \
    bad-deep.pdf 'PDF_DEPTH' "/AcroForm /Fields nested 10,000 arrays deep" \
    bad-encrypted.pdf 'PDF_PASSWORD' "AES-256, user password u" >"$d/bad.tsv"
}

fixtures_dir() {
  local dir
  dir=$(kyso_cache_dir fixtures "$KYSO_TESTLIB/fixtures.sh" "$KYSO_TESTLIB/png.mjs")
  kyso_cache_fill "$dir" fixtures_make >&2
  echo "$dir"
}

# fixtures_inputs DIR: names of the good inputs, one a line.
fixtures_inputs() {
  cut -f1 -- "$1/inputs.tsv"
}
