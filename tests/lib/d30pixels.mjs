// Pixel checks for the Decree 30 appearance tests, on pdftoppm renders at
// 72 dpi (binary PPM, one pixel per point). Rectangles are X,Y,W,H in the
// page as displayed, origin bottom left (the same convention as kyso's
// --rect), so a rotated page needs no conversion here.
//
//   node d30pixels.mjs count PPM CLASS X,Y,W,H
//       -> number of pixels of CLASS (blue | red | dark) in the rectangle
//   node d30pixels.mjs outside BEFORE.ppm AFTER.ppm X,Y,W,H [X,Y,W,H...]
//       -> "changed N": pixels that differ outside every rectangle (a
//          2-pixel band around each counts as inside: anti-aliasing)
//
// Classes: blue = the signature ink (b high, r low); red = the seal ink
// (r high, g and b low); dark = black text (all channels below 110).
import { readFileSync } from "node:fs";

function readPpm(path) {
  const buf = readFileSync(path);
  const fields = [];
  let p = 0;
  while (fields.length < 4) {
    while (/\s/.test(String.fromCharCode(buf[p]))) p++;
    if (buf[p] === 0x23) { while (buf[p] !== 0x0a) p++; continue; }
    let s = "";
    while (!/\s/.test(String.fromCharCode(buf[p]))) s += String.fromCharCode(buf[p++]);
    fields.push(s);
  }
  p++;
  if (fields[0] !== "P6" || fields[3] !== "255") throw new Error(`${path}: not an 8-bit P6 PPM`);
  return { w: Number(fields[1]), h: Number(fields[2]), data: buf.subarray(p) };
}

const CLASSES = {
  blue: (r, g, b) => b > 140 && r < 120 && b - r > 60,
  red: (r, g, b) => r > 150 && g < 110 && b < 110,
  dark: (r, g, b) => r < 110 && g < 110 && b < 110,
};

function parseRect(s) {
  const v = s.split(",").map(Number);
  if (v.length !== 4 || v.some((n) => !Number.isFinite(n))) throw new Error(`bad rect ${s}`);
  return v;
}

// Pixel bounds [x0, x1) x [y0, y1) of a rect; rows counted from the top.
function bounds(img, [x, y, w, h], grow = 0) {
  return {
    x0: Math.max(0, Math.floor(x - grow)),
    x1: Math.min(img.w, Math.ceil(x + w + grow)),
    y0: Math.max(0, Math.floor(img.h - (y + h) - grow)),
    y1: Math.min(img.h, Math.ceil(img.h - y + grow)),
  };
}

const [cmd, ...args] = process.argv.slice(2);
if (cmd === "count") {
  const img = readPpm(args[0]);
  const test = CLASSES[args[1]];
  if (!test) throw new Error(`unknown class ${args[1]}`);
  const b = bounds(img, parseRect(args[2]));
  let n = 0;
  for (let yy = b.y0; yy < b.y1; yy++)
    for (let xx = b.x0; xx < b.x1; xx++) {
      const i = 3 * (yy * img.w + xx);
      if (test(img.data[i], img.data[i + 1], img.data[i + 2])) n++;
    }
  console.log(n);
} else if (cmd === "outside") {
  const A = readPpm(args[0]), B = readPpm(args[1]);
  if (A.w !== B.w || A.h !== B.h) throw new Error("renders differ in size");
  const rects = args.slice(2).map(parseRect).map((r) => bounds(A, r, 2));
  let n = 0;
  for (let yy = 0; yy < A.h; yy++)
    for (let xx = 0; xx < A.w; xx++) {
      if (rects.some((b) => xx >= b.x0 && xx < b.x1 && yy >= b.y0 && yy < b.y1)) continue;
      const i = 3 * (yy * A.w + xx);
      if (A.data[i] !== B.data[i] || A.data[i + 1] !== B.data[i + 1] || A.data[i + 2] !== B.data[i + 2]) n++;
    }
  console.log(`changed ${n}`);
} else {
  console.error("usage: d30pixels.mjs count PPM CLASS X,Y,W,H | outside BEFORE AFTER RECT...");
  process.exit(2);
}
