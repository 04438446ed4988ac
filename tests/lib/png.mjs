// Writes the test signature images: 8-bit RGBA PNGs with real transparency,
// like the scanned handwritten signature (blue) and seal (red) officials
// upload. Written with node's zlib so the encoder is independent of kyso's
// PNG reader.
//
//   node png.mjs signature OUT.png [WIDTH HEIGHT]   blue strokes, clear background
//   node png.mjs seal OUT.png [SIZE]                 red ring with soft edges
//   node png.mjs noise OUT.png W H SEED              opaque random pixels, which
//                                                    no compressor shrinks (bench)
import { writeFileSync } from "node:fs";
import { deflateSync } from "node:zlib";

const CRC_TABLE = new Int32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

function crc32(buf) {
  let c = -1;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

function png(width, height, pixel) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type 6: truecolour with alpha
  const raw = Buffer.alloc(height * (1 + width * 4));
  for (let y = 0; y < height; y++) {
    const row = y * (1 + width * 4);
    raw[row] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      const [r, g, b, a] = pixel(x, y);
      raw.set([r, g, b, a], row + 1 + x * 4);
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

// Alpha of a pen stroke: 255 on the curve, fading over `width` pixels.
const stroke = (d, width) => Math.max(0, Math.min(255, Math.round(255 * (1 - d / width))));

function signature(w, h) {
  return png(w, h, (x, y) => {
    const t = x / w;
    // two loops of a handwritten-looking curve and an underline
    const c1 = h * (0.45 + 0.25 * Math.sin(t * 4 * Math.PI) * Math.cos(t * 1.3 * Math.PI));
    const c2 = h * 0.8;
    let a = stroke(Math.abs(y - c1), 3.5);
    if (t > 0.1 && t < 0.9) a = Math.max(a, stroke(Math.abs(y - c2), 2));
    return [0x10, 0x2a, 0xb0, a];
  });
}

function seal(size) {
  const r = size / 2;
  return png(size, size, (x, y) => {
    const d = Math.hypot(x + 0.5 - r, y + 0.5 - r);
    let a = Math.max(stroke(Math.abs(d - r * 0.92), 4), stroke(Math.abs(d - r * 0.7), 2));
    if (d < r * 0.25) a = Math.max(a, 200); // the star in the middle, simplified
    return [0xd0, 0x10, 0x10, a];
  });
}

function noise(w, h, seed) {
  // xorshift32: reproducible per seed, no dependency
  let x = seed | 0 || 1;
  const next = () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return x & 0xff; };
  return png(w, h, () => [next(), next(), next(), 255]);
}

const [kind, out, ...dims] = process.argv.slice(2);
if (kind === "signature") {
  writeFileSync(out, signature(Number(dims[0] ?? 300), Number(dims[1] ?? 120)));
} else if (kind === "seal") {
  writeFileSync(out, seal(Number(dims[0] ?? 200)));
} else if (kind === "noise") {
  writeFileSync(out, noise(Number(dims[0]), Number(dims[1]), Number(dims[2] ?? 1)));
} else {
  console.error("usage: node png.mjs signature|seal|noise OUT.png [dims]");
  process.exit(2);
}
