# shellcheck shell=bash
# Helpers for the Decree 30 profile tests (tests/integration/decree30_*).
# Rectangles are "X,Y,W,H" in points in the page as displayed (origin
# bottom left, after CropBox and /Rotate), kyso's --rect convention.
#
#   d30_inputs DIR            portrait, landscape (CropBox offset), rot90,
#                             rot180, rot270, croprot90 (CropBox offset and
#                             /Rotate 90) PDFs in DIR; sets D30_KINDS and
#                             D30_W_<kind>, D30_H_<kind> (visible size)
#   d30_render PDF STEM       page 1 (CropBox) at 72 dpi: STEM.ppm, and
#                             $D30_ART/<basename STEM>.png as an artifact
#   d30_count PPM CLASS RECT  pixels of CLASS (blue|red|dark) in RECT
#   d30_outside BEFORE AFTER RECT...   changed pixels outside every RECT
#   d30_text PDF RECT H [OX OY]  pdftotext -layout of RECT on page 1 (H:
#                             the displayed page height; OX OY: the CropBox
#                             offset, D30_OX_<kind> D30_OY_<kind>)
#
# Needs setup.sh.

D30_FONT=/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf
D30_ART=${KYSO_TEST_TMP:-$TEST_TMP}/../artifacts/decree30
D30_KINDS="portrait landscape rot90 rot180 rot270 croprot90"

d30_inputs() {
  local dir=$1
  cp -- "$FX/vn-chromium.pdf" "$dir/portrait.pdf"
  node "$KYSO_TESTLIB/d30pdf.mjs" page "$dir/landscape.pdf" 842 595 30,20,812,575 0
  qpdf --rotate=+90:1 -- "$FX/vn-chromium.pdf" "$dir/rot90.pdf"
  qpdf --rotate=+180:1 -- "$FX/vn-chromium.pdf" "$dir/rot180.pdf"
  qpdf --rotate=+270:1 -- "$FX/vn-chromium.pdf" "$dir/rot270.pdf"
  # CropBox offset and /Rotate 90 together (portrait paper shown sideways).
  node "$KYSO_TESTLIB/d30pdf.mjs" page "$dir/croprot90.pdf" 595 842 20,30,575,812 90
  D30_W_portrait=595 D30_H_portrait=842
  D30_W_landscape=782 D30_H_landscape=555
  D30_W_rot90=842 D30_H_rot90=595
  D30_W_rot180=595 D30_H_rot180=842
  D30_W_rot270=842 D30_H_rot270=595
  D30_W_croprot90=782 D30_H_croprot90=555
  # pdftotext's -x/-y count from the MediaBox's top left even with
  # -cropbox: the CropBox's offset from there.
  D30_OX_portrait=0 D30_OY_portrait=0 D30_OX_landscape=30 D30_OY_landscape=20
  D30_OX_rot90=0 D30_OY_rot90=0 D30_OX_rot270=0 D30_OY_rot270=0
  D30_OX_rot180=0 D30_OY_rot180=0 D30_OX_croprot90=30 D30_OY_croprot90=20
  mkdir -p "$D30_ART"
}

d30_render() { # PDF OUTSTEM
  local pdf=$1 stem=$2
  # -cropbox: what a viewer shows (poppler's tools default to the MediaBox).
  pdftoppm -r 72 -cropbox -f 1 -l 1 -singlefile -- "$pdf" "$stem"
  pdftoppm -r 72 -cropbox -f 1 -l 1 -singlefile -png -- "$pdf" "$D30_ART/$(basename "$stem")"
}

d30_count() {
  node "$KYSO_TESTLIB/d30pixels.mjs" count "$@"
}

d30_outside() {
  node "$KYSO_TESTLIB/d30pixels.mjs" outside "$@"
}

d30_text() { # PDF X,Y,W,H PAGE_HEIGHT [OX OY]
  local pdf=$1 x y w h
  IFS=, read -r x y w h <<<"$2"
  pdftotext -r 72 -cropbox -f 1 -l 1 -layout -x "$((${x%.*} + ${4:-0}))" \
    -y "$(($3 - ${y%.*} - ${h%.*} + ${5:-0}))" \
    -W "${w%.*}" -H "${h%.*}" -- "$pdf" - 2>/dev/null
}

