// Independent signature extractor for the tests: finds every /ByteRange in a
// signed PDF, checks the structure around it and writes, per signature N
// (in file order):
//   OUTDIR/sig-N.der      the CMS from /Contents, zero padding removed
//   OUTDIR/sig-N.covered  the bytes the ByteRange covers
// and prints one line per signature:
//   sig N a b c d cms_len end_offset der|ber
//
// It does not parse the PDF object graph and shares no code with kyso: a
// bug in kyso's writer cannot hide here behind the same bug in a reader.
// Checks (ISO 32000-1 12.8.1, ETSI EN 319 142-1 5.1):
//   a == 0; the gap [a+b, c) is exactly one hex string "<...>" right after
//   a /Contents key; c+d within the file; the covered bytes end with %%EOF
//   (plus an optional EOL), i.e. the signature covers a whole revision;
//   each signature covers more than the one before it; the hex decodes to
//   one ASN.1 value followed only by zero padding ("ber" if it used
//   indefinite lengths, which kyso must not: DER, RFC 5652 5.1).
// Any failure: a line "error: ..." on stderr and exit status 1.
//
//   node pdfsigs.mjs FILE OUTDIR
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";

const [file, outdir] = process.argv.slice(2);
if (!file || !outdir) {
  console.error("usage: node pdfsigs.mjs FILE OUTDIR");
  process.exit(2);
}
const pdf = readFileSync(file);
const text = pdf.toString("latin1"); // one char per byte: indexes are offsets
mkdirSync(outdir, { recursive: true });

let errors = 0;
const error = (msg) => {
  console.error(`error: ${msg}`);
  errors++;
};

// Length of the BER/DER TLV at buf[off], or -1. Definite lengths are what
// DER (and kyso) write; indefinite ones (NSS, so pdfsig -add-signature) are
// walked to their end-of-contents octets. `indef` records if any was seen.
let indef = false;
function tlvLength(buf, off, depth = 0) {
  if (depth > 64 || off + 2 > buf.length) return -1;
  let p = off + 1;
  if ((buf[off] & 0x1f) === 0x1f) { // high tag number
    while (p < buf.length && buf[p] & 0x80) p++;
    p++;
  }
  if (p >= buf.length) return -1;
  const first = buf[p++];
  if (first === 0x80) { // indefinite: children up to 00 00
    indef = true;
    while (p + 2 <= buf.length && !(buf[p] === 0 && buf[p + 1] === 0)) {
      const n = tlvLength(buf, p, depth + 1);
      if (n < 0) return -1;
      p += n;
    }
    return p + 2 <= buf.length ? p + 2 - off : -1;
  }
  let len = first;
  if (first > 0x80) {
    const n = first & 0x7f;
    if (n > 4 || p + n > buf.length) return -1;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p + i];
    p += n;
  }
  return p + len <= buf.length ? p + len - off : -1;
}

const re = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g;
let n = 0;
let prevEnd = 0;
for (let m; (m = re.exec(text)) !== null; ) {
  n++;
  const [a, b, c, d] = m.slice(1, 5).map(Number);
  const where = `signature ${n} (ByteRange at ${m.index})`;
  if (a !== 0) error(`${where}: first range starts at ${a}, not 0`);
  if (!(b > 0 && c > b + 1 && d >= 0 && c + d <= pdf.length)) {
    error(`${where}: [${a} ${b} ${c} ${d}] does not fit a ${pdf.length}-byte file`);
    continue;
  }
  const gap = text.slice(b, c);
  if (!/^<[0-9A-Fa-f]*>$/.test(gap)) {
    error(`${where}: the excluded bytes [${b}, ${c}) are not exactly one hex string`);
    continue;
  }
  if (!/\/Contents\s*$/.test(text.slice(Math.max(0, b - 32), b))) {
    error(`${where}: the excluded hex string does not follow /Contents`);
  }
  const end = c + d;
  if (!/%%EOF(\r\n|\r|\n)?$/.test(text.slice(Math.max(0, end - 8), end))) {
    error(`${where}: covered bytes end at ${end}, not at the end of a revision (%%EOF)`);
  }
  if (end <= prevEnd) error(`${where}: covers no more than the signature before it`);
  prevEnd = end;

  const hex = gap.slice(1, -1);
  if (hex.length % 2 !== 0) error(`${where}: odd number of hex digits`);
  const raw = Buffer.from(hex, "hex");
  indef = false;
  const len = raw[0] === 0x30 ? tlvLength(raw, 0) : -1;
  if (len < 0) {
    error(`${where}: /Contents does not start with an ASN.1 SEQUENCE that fits`);
    continue;
  }
  if (raw.subarray(len).some((x) => x !== 0)) {
    error(`${where}: non-zero bytes after the DER value in /Contents`);
  }
  writeFileSync(`${outdir}/sig-${n}.der`, raw.subarray(0, len));
  writeFileSync(`${outdir}/sig-${n}.covered`,
    Buffer.concat([pdf.subarray(a, a + b), pdf.subarray(c, c + d)]));
  console.log(`sig ${n} ${a} ${b} ${c} ${d} ${len} ${end} ${indef ? "ber" : "der"}`);
}
process.exit(errors ? 1 : 0);
