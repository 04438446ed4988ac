// Compares two renderings of the same page (binary PPM, pdftoppm at 72 dpi:
// one pixel per PDF point) and counts changed pixels inside and outside a
// rectangle given in PDF user space (origin bottom left):
//
//   node ppmdiff.mjs BEFORE.ppm AFTER.ppm X Y W H
//   -> "inside CHANGED TOTAL outside CHANGED"
//
// A 2-pixel band around the rectangle counts as neither (anti-aliasing).
import { readFileSync } from "node:fs";

function readPpm(path) {
  const buf = readFileSync(path);
  // header: P6 <ws> width <ws> height <ws> maxval <one ws> data
  const fields = [];
  let p = 0;
  while (fields.length < 4) {
    while (/\s/.test(String.fromCharCode(buf[p]))) p++;
    if (buf[p] === 0x23) { while (buf[p] !== 0x0a) p++; continue; } // comment
    let s = "";
    while (!/\s/.test(String.fromCharCode(buf[p]))) s += String.fromCharCode(buf[p++]);
    fields.push(s);
  }
  p++;
  if (fields[0] !== "P6" || fields[3] !== "255") throw new Error(`${path}: not an 8-bit P6 PPM`);
  return { w: Number(fields[1]), h: Number(fields[2]), data: buf.subarray(p) };
}

const [a, b, ...r] = process.argv.slice(2);
const [x, y, w, h] = r.map(Number);
const A = readPpm(a), B = readPpm(b);
if (A.w !== B.w || A.h !== B.h) throw new Error("renderings differ in size");
const left = x, right = x + w, top = A.h - (y + h), bottom = A.h - y;
const margin = 2;
let inside = 0, total = 0, outside = 0;
for (let row = 0; row < A.h; row++) {
  for (let col = 0; col < A.w; col++) {
    const i = (row * A.w + col) * 3;
    const changed = A.data[i] !== B.data[i] || A.data[i + 1] !== B.data[i + 1] ||
      A.data[i + 2] !== B.data[i + 2];
    const inRect = col >= left && col < right && row >= top && row < bottom;
    const nearRect = col >= left - margin && col < right + margin &&
      row >= top - margin && row < bottom + margin;
    if (inRect) { total++; if (changed) inside++; } else if (!nearRect && changed) outside++;
  }
}
console.log(`inside ${inside} ${total} outside ${outside}`);
