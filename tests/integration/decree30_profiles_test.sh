#!/usr/bin/env bash
# integration.decree30_profiles: the four Decree 30 signature profiles
# (personal, organization seal, attachment, copy) on portrait, landscape
# (CropBox offset), /Rotate 90, 180 and 270 pages and a cropped page turned
# 90 degrees, checked by what
# poppler renders and extracts: blue ink inside the personal rect, the red
# seal over the left third of the signature and not the right two thirds,
# the exact Vietnamese strings where they belong, upright, and nothing
# drawn anywhere else (renders compared with the page before signing).
# Screenshots: build-*/tests/integration/artifacts/decree30/.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/setup.sh"
. "$KYSO_TESTLIB/decree30.sh"
integration_setup
require_cmd pdftotext

IN=$(fresh_dir in)
W=$(fresh_dir work)
# sign_into NAME P12 IN ARGS...: signs into a fresh directory (so the
# battery can check nothing else appears there) and copies the result to
# $W/NAME.pdf.
sign_into() {
  local name=$1 p12=$2 in=$3 d
  shift 3
  d=$(fresh_dir "out.$name")
  kyso_sign_p12 "$PKI_DIR/$p12.p12" "$in" "$d/signed.pdf" "$@"
  SIGNED=$d/signed.pdf
  [ ! -f "$SIGNED" ] || cp -- "$SIGNED" "$W/$name.pdf"
}
d30_inputs "$IN"

NUMBER="123/QĐ-UBND"
DATE="Tiền Giang, ngày 11 tháng 12 năm 2024"
COPIER="Văn phòng UBND tỉnh"
ISO="2024-12-11T09:30:15+07:00"
SEAL_PT=102.05 # 36 mm

for kind in $D30_KINDS; do
  pw=D30_W_$kind ph=D30_H_$kind
  PW=${!pw} PH=${!ph}
  ox=D30_OX_$kind oy=D30_OY_$kind
  OFF=("${!ox}" "${!oy}")
  in=$IN/$kind.pdf
  d30_render "$in" "$W/$kind-unsigned"
  # The portal's boxes, in the page as displayed.
  sig_rect="$((PW * 55 / 100)),150,150,60" # signature.png is 300x120: fills it
  num_rect="60,90,150,18"
  date_rect="$((PW - 330)),90,270,18"
  IFS=, read -r sx sy _ _ <<<"$sig_rect"

  section "$kind: personal"
  sign_into "$kind-personal" person-rsa2048 "$in" \
    --image "$FX/signature.png" --rect "$sig_rect" \
    --number-rect "$num_rect" --date-rect "$date_rect"
  assert_signed_pdf "$in" "$SIGNED" 1 "$kind personal"
  d30_render "$W/$kind-personal.pdf" "$W/$kind-personal"
  assert_gt "$(d30_count "$W/$kind-personal.ppm" blue "$sig_rect")" 300 \
    "$kind personal: blue ink inside the signature rect"
  assert_eq "changed 0" "$(d30_outside "$W/$kind-unsigned.ppm" "$W/$kind-personal.ppm" "$sig_rect")" \
    "$kind personal: nothing drawn outside the rect (the fields are empty)"
  assert_contains "$(qpdf --qdf --object-streams=disable -- "$W/$kind-personal.pdf" - | tr -d '\r\0')" \
    "/T (SoVanBan)" "$kind personal: number field created"

  section "$kind: organization"
  sign_into "$kind-org" org-rsa2048 "$W/$kind-personal.pdf" \
    --profile organization --image "$FX/seal.png" --doc-number "$NUMBER" \
    --issue-date "$DATE" --organization "UBND tỉnh Tiền Giang"
  assert_signed_pdf "$W/$kind-personal.pdf" "$SIGNED" 2 "$kind organization"
  d30_render "$W/$kind-org.pdf" "$W/$kind-org"
  left="$sx,$sy,50,60"
  right="$((sx + 53)),$sy,97,60"
  seal=$(awk -v x="$sx" -v y="$sy" -v s="$SEAL_PT" 'BEGIN { printf "%.2f,%.2f,%.2f,%.2f", x + 50 - s, y + 30 - s / 2, s, s }')
  assert_gt "$(d30_count "$W/$kind-org.ppm" red "$left")" 150 \
    "$kind organization: red seal over the left third of the signature"
  assert_eq 0 "$(d30_count "$W/$kind-org.ppm" red "$right")" \
    "$kind organization: no seal over the right two thirds"
  assert_gt "$(d30_count "$W/$kind-org.ppm" blue "$right")" 100 \
    "$kind organization: the signature stays visible on the right"
  assert_eq "changed 0" "$(d30_outside "$W/$kind-personal.ppm" "$W/$kind-org.ppm" "$seal" "$num_rect" "$date_rect")" \
    "$kind organization: only the seal and the two fields are drawn"
  assert_contains "$(d30_text "$W/$kind-org.pdf" "$num_rect" "$PH" "${OFF[@]}")" "$NUMBER" \
    "$kind organization: pdftotext finds the number in its field"
  assert_contains "$(d30_text "$W/$kind-org.pdf" "$date_rect" "$PH" "${OFF[@]}")" "$DATE" \
    "$kind organization: pdftotext finds the date in its field"
  assert_gt "$(d30_count "$W/$kind-org.ppm" dark "$num_rect")" 20 \
    "$kind organization: the number is drawn"

  # Top right of page 1, as displayed: the last 300 x 80 points.
  top_right="$((PW - 300)),$((PH - 80)),300,80"
  for profile in attachment copy; do
    section "$kind: $profile"
    if [ "$profile" = attachment ]; then
      args=(--profile attachment --doc-number "$NUMBER")
      want=("$NUMBER" "$ISO")
    else
      args=(--profile copy --copy-form "SAO Y" --copier "$COPIER")
      want=("SAO Y" "$COPIER" "$ISO")
    fi
    sign_into "$kind-$profile" org-rsa2048 "$in" "${args[@]}"
    assert_signed_pdf "$in" "$SIGNED" 1 "$kind $profile"
    d30_render "$W/$kind-$profile.pdf" "$W/$kind-$profile"
    text=$(d30_text "$W/$kind-$profile.pdf" "$top_right" "$PH" "${OFF[@]}")
    for s in "${want[@]}"; do
      # One line each, upright: the string is a line of the crop on its own.
      assert_true "$kind $profile: '$s' on its own line at the top right (got: $text)" \
        grep -qxF -- "$s" <<<"$(sed 's/^ *//; s/ *$//' <<<"$text")"
    done
    assert_gt "$(d30_count "$W/$kind-$profile.ppm" dark "$top_right")" 100 \
      "$kind $profile: black text drawn at the top right"
    assert_eq "changed 0" "$(d30_outside "$W/$kind-unsigned.ppm" "$W/$kind-$profile.ppm" "$top_right")" \
      "$kind $profile: nothing drawn elsewhere"
    # Negative control: the other corners stay as they were.
    assert_not_contains "$(d30_text "$W/$kind-$profile.pdf" "0,$((PH - 80)),300,80" "$PH" "${OFF[@]}")" "$ISO" \
      "$kind $profile: no time at the top left"
  done
done

section "JPEG signature image passes through as DCTDecode"
# A blue picture as JPEG: poppler renders a page with a blue stroke.
node "$KYSO_TESTLIB/d30pdf.mjs" blue "$W/blue.pdf"
pdftoppm -r 72 -jpeg -singlefile -- "$W/blue.pdf" "$W/blue"
sign_into jpeg person-rsa2048 "$IN/portrait.pdf" --image "$W/blue.jpg" --rect 300,150,150,60
assert_signed_pdf "$IN/portrait.pdf" "$SIGNED" 1 "JPEG image"
assert_contains "$(qpdf --qdf --object-streams=disable -- "$W/jpeg.pdf" - | tr -d '\r\0')" "/Filter /DCTDecode" \
  "JPEG embedded as /DCTDecode"
d30_render "$W/jpeg.pdf" "$W/jpeg"
assert_gt "$(d30_count "$W/jpeg.ppm" blue "300,150,150,60")" 300 "JPEG drawn in its rect"
assert_eq "changed 0" "$(d30_outside "$W/portrait-unsigned.ppm" "$W/jpeg.ppm" "300,150,150,60")" \
  "JPEG drawn only in its rect"

section "bad images and missing options"
IN_SHA256=$(sha256sum "$IN/portrait.pdf" | cut -d' ' -f1)
node -e '
const fs = require("fs"), zlib = require("zlib");
const crc = (b) => { let c = -1; for (const x of b) { c ^= x; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; } return (c ^ -1) >>> 0; };
const chunk = (t, d) => { const o = Buffer.alloc(12 + d.length); o.writeUInt32BE(d.length, 0); o.write(t, 4, "latin1"); d.copy(o, 8); o.writeUInt32BE(crc(o.subarray(4, 8 + d.length)), 8 + d.length); return o; };
const ihdr = Buffer.alloc(13); ihdr.writeUInt32BE(20000, 0); ihdr.writeUInt32BE(20000, 4); ihdr[8] = 8; ihdr[9] = 6;
fs.writeFileSync(process.argv[1], Buffer.concat([Buffer.from([0x89,0x50,0x4e,0x47,0x0d,0x0a,0x1a,0x0a]), chunk("IHDR", ihdr), chunk("IDAT", zlib.deflateSync(Buffer.alloc(10))), chunk("IEND", Buffer.alloc(0))]));
' "$W/huge.png"
out=$(fresh_dir out.huge)
kyso_sign_p12 "$PKI_DIR/person-rsa2048.p12" "$IN/portrait.pdf" "$out/s.pdf" --image "$W/huge.png" --rect 300,150,150,60
assert_kyso_error 'IMAGE_SIZE' "$IN/portrait.pdf" "$out" "20000x20000 PNG"
head -c 200 -- "$FX/signature.png" >"$W/cut.png"
out=$(fresh_dir out.cut)
kyso_sign_p12 "$PKI_DIR/person-rsa2048.p12" "$IN/portrait.pdf" "$out/s.pdf" --image "$W/cut.png" --rect 300,150,150,60
assert_kyso_error 'IMAGE_FORMAT' "$IN/portrait.pdf" "$out" "truncated PNG"
out=$(fresh_dir out.noseal)
kyso_sign_p12 "$PKI_DIR/org-rsa2048.p12" "$IN/portrait.pdf" "$out/s.pdf" --profile organization --image "$FX/seal.png"
assert_kyso_error 'PDF_FORM' "$IN/portrait.pdf" "$out" "seal with no personal signature to cover"
IN_SHA256=$(sha256sum "$W/portrait-personal.pdf" | cut -d' ' -f1)
out=$(fresh_dir out.nofield)
kyso_sign_p12 "$PKI_DIR/org-rsa2048.p12" "$W/portrait-personal.pdf" "$out/s.pdf" --profile organization \
  --image "$FX/seal.png" --doc-number "$NUMBER" --number-field KhongCo
assert_kyso_error 'PDF_FORM' "$W/portrait-personal.pdf" "$out" "number field that does not exist"
IN_SHA256=$(sha256sum "$IN/portrait.pdf" | cut -d' ' -f1)
out=$(fresh_dir out.nonumber)
kyso_sign_p12 "$PKI_DIR/org-rsa2048.p12" "$IN/portrait.pdf" "$out/s.pdf" --profile attachment
assert_kyso_error 'ARGUMENT|USAGE' "$IN/portrait.pdf" "$out" "attachment without --doc-number"
out=$(fresh_dir out.nofont)
kyso_sign_p12 "$PKI_DIR/org-rsa2048.p12" "$IN/portrait.pdf" "$out/s.pdf" --profile attachment \
  --doc-number "$NUMBER" --font "$FX/signature.png"
assert_kyso_error 'ARGUMENT' "$IN/portrait.pdf" "$out" "--font that is not TrueType"

test_summary
