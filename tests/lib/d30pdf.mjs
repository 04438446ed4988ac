// Input documents for the Decree 30 tests, written from scratch (no code
// shared with kyso):
//
//   node d30pdf.mjs page OUT W H [CROP x0,y0,x1,y1] [ROTATE]
//       one page W x H points with grey bars and a frame drawn inside the
//       CropBox (default: the MediaBox), /Rotate ROTATE (default 0)
//   node d30pdf.mjs blue OUT
//       300 x 120 points, a blue stroke (rendered to JPEG by the tests)
//   node d30pdf.mjs scan OUT
//       a "scanned" A4 page: one RGB image (a pale paper texture with dark
//       text-like bars) covering the page, no text at all
import { writeFileSync } from "node:fs";
import { deflateSync } from "node:zlib";

function pdf(objects) {
  // objects: array of Buffers/strings, object i+1
  const parts = [Buffer.from("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "latin1")];
  const offsets = [];
  let len = parts[0].length;
  objects.forEach((o, i) => {
    const head = Buffer.from(`${i + 1} 0 obj\n`, "latin1");
    const body = Buffer.isBuffer(o) ? o : Buffer.from(o, "latin1");
    const tail = Buffer.from("\nendobj\n", "latin1");
    offsets.push(len);
    parts.push(head, body, tail);
    len += head.length + body.length + tail.length;
  });
  let xref = `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) xref += `${String(off).padStart(10, "0")} 00000 n \n`;
  xref += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${len}\n%%EOF\n`;
  parts.push(Buffer.from(xref, "latin1"));
  return Buffer.concat(parts);
}

function stream(dict, data) {
  return Buffer.concat([
    Buffer.from(`<< ${dict} /Length ${data.length} >>\nstream\n`, "latin1"),
    data,
    Buffer.from("\nendstream", "latin1"),
  ]);
}

const [mode, out, ...rest] = process.argv.slice(2);
if (mode === "page") {
  const [w, h] = [Number(rest[0]), Number(rest[1])];
  const crop = rest[2] && rest[2] !== "-" ? rest[2].split(",").map(Number) : [0, 0, w, h];
  const rotate = Number(rest[3] || 0);
  const [cx0, cy0, cx1, cy1] = crop;
  let c = `0.6 g ${cx0 + 20} ${cy0 + 20} ${cx1 - cx0 - 40} ${cy1 - cy0 - 40} re S\n0.8 g\n`;
  for (let y = cy0 + 60; y < cy1 - 60; y += 40) c += `${cx0 + 60} ${y} ${(cx1 - cx0) / 3} 8 re f\n`;
  const content = Buffer.from(c, "latin1");
  writeFileSync(out, pdf([
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${w} ${h}]` +
      (rest[2] && rest[2] !== "-" ? ` /CropBox [${crop.join(" ")}]` : "") +
      (rotate ? ` /Rotate ${rotate}` : "") + " /Resources << >> /Contents 4 0 R >>",
    stream("", content),
  ]));
} else if (mode === "blue") {
  // 300 x 120 white page with a thick blue wave: the source of a JPEG.
  const content = Buffer.from("0.1 0.2 0.8 RG 12 w 1 J 20 60 m 80 110 120 10 180 60 c 220 100 260 20 280 60 c S\n", "latin1");
  writeFileSync(out, pdf([
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 120] /Resources << >> /Contents 4 0 R >>",
    stream("", content),
  ]));
} else if (mode === "scan") {
  const iw = 620, ih = 877; // about 75 dpi on A4
  const raw = Buffer.alloc(iw * ih * 3);
  for (let y = 0; y < ih; y++)
    for (let x = 0; x < iw; x++) {
      const bar = y > 80 && y < ih - 80 && (y % 24) < 8 && x > 60 && x < iw - 60 - ((y * 7) % 120);
      const v = bar ? 60 : 236 + ((x * 31 + y * 17) % 12);
      raw.set([v, v, v - (bar ? 0 : 8)], 3 * (y * iw + x));
    }
  const img = deflateSync(raw);
  const content = Buffer.from("q 595 0 0 842 0 0 cm /Scan Do Q\n", "latin1");
  writeFileSync(out, pdf([
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Scan 5 0 R >> >> /Contents 4 0 R >>",
    stream("", content),
    stream(`/Type /XObject /Subtype /Image /Width ${iw} /Height ${ih} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode`, img),
  ]));
} else {
  console.error("usage: d30pdf.mjs page OUT W H [CROP] [ROTATE] | scan OUT");
  process.exit(2);
}
