// A small PDF reader and incremental writer for the test generators
// (attacks.mjs, sigwrite.mjs). It shares no code with kyso: what the
// generators make is checked by kyso's verifier, so the two must not share
// a bug.
//
// Scope: classic xref tables chained by /Prev (ISO 32000-1 7.5.4, 7.5.6),
// which is what the generators' own documents and kyso's updates to them
// use. Xref streams and object streams are refused with an error, not
// guessed at.
//
//   import { Pdf, parseValue, ser, dict, ref, name, num, str, hexstr,
//            writePdf, appendUpdate, streamBody } from "./pdfedit.mjs";
//   const pdf = new Pdf(buffer);
//   pdf.get(4)            -> { value, stream (Buffer|null), off, end }
//   pdf.trailer           -> dict value of the newest trailer
//   pdf.startxref         -> offset of the newest xref section
//   pdf.entries           -> Map num -> { type: "n"|"f", off, gen }
//   appendUpdate(buf, { objects: { 4: body }, free: [6], redirect: { 7: off },
//                       trailer: { "/Root": ref(20) }, xref: true })
//
// Values: { t: "num"|"ref"|"name"|"str"|"hex"|"arr"|"dict"|"kw", ... }; a
// dict keeps its keys in order in a Map. ser(value) writes one back.

const WS = new Set([0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]);
const DELIM = new Set([..."()<>[]{}/%"].map((c) => c.charCodeAt(0)));

export const num = (v) => ({ t: "num", v: String(v) });
export const ref = (n, g = 0) => ({ t: "ref", num: n, gen: g });
export const name = (v) => ({ t: "name", v: v.startsWith("/") ? v : `/${v}` });
export const kw = (v) => ({ t: "kw", v });
export const arr = (...v) => ({ t: "arr", v });
// A literal string of latin1 text; ( ) and \ escaped.
export const str = (s) => ({ t: "str", raw: `(${s.replace(/([()\\])/g, "\\$1")})` });
export const hexstr = (hex) => ({ t: "hex", raw: `<${hex}>` });
// dict({ "/Type": name("Page"), ... }) or dict([[k, v], ...])
export function dict(entries) {
  const m = new Map(Array.isArray(entries) ? entries : Object.entries(entries));
  return { t: "dict", v: m };
}

// Parses one value of text (latin1, one char per byte) at pos. Returns
// { value, end }. Throws on a syntax error.
export function parseValue(text, pos, depth = 0) {
  if (depth > 100) throw new Error(`nesting too deep at ${pos}`);
  pos = skipWs(text, pos);
  const c = text[pos];
  if (c === undefined) throw new Error("unexpected end of input");
  if (c === "<" && text[pos + 1] === "<") {
    const m = new Map();
    pos += 2;
    for (;;) {
      pos = skipWs(text, pos);
      if (text[pos] === ">" && text[pos + 1] === ">") return { value: { t: "dict", v: m }, end: pos + 2 };
      if (text[pos] !== "/") throw new Error(`dict key expected at ${pos}`);
      const k = parseValue(text, pos, depth + 1);
      const v = parseValue(text, k.end, depth + 1);
      m.set(k.value.v, v.value);
      pos = v.end;
    }
  }
  if (c === "[") {
    const v = [];
    pos++;
    for (;;) {
      pos = skipWs(text, pos);
      if (text[pos] === "]") return { value: { t: "arr", v }, end: pos + 1 };
      const e = parseValue(text, pos, depth + 1);
      v.push(e.value);
      pos = e.end;
    }
  }
  if (c === "<") {
    const e = text.indexOf(">", pos);
    if (e < 0) throw new Error(`unterminated hex string at ${pos}`);
    return { value: { t: "hex", raw: text.slice(pos, e + 1) }, end: e + 1 };
  }
  if (c === "(") {
    let d = 0;
    let p = pos;
    for (; p < text.length; p++) {
      const ch = text[p];
      if (ch === "\\") { p++; continue; }
      if (ch === "(") d++;
      else if (ch === ")" && --d === 0) break;
    }
    if (p >= text.length) throw new Error(`unterminated string at ${pos}`);
    return { value: { t: "str", raw: text.slice(pos, p + 1) }, end: p + 1 };
  }
  if (c === "/") {
    let p = pos + 1;
    while (p < text.length && !WS.has(text.charCodeAt(p)) && !DELIM.has(text.charCodeAt(p))) p++;
    return { value: { t: "name", v: text.slice(pos, p) }, end: p };
  }
  // number, "N G R", or keyword
  let p = pos;
  while (p < text.length && !WS.has(text.charCodeAt(p)) && !DELIM.has(text.charCodeAt(p))) p++;
  const tok = text.slice(pos, p);
  if (tok === "") throw new Error(`unexpected ${JSON.stringify(c)} at ${pos}`);
  if (/^[+-]?(\d+\.?\d*|\.\d+)$/.test(tok)) {
    const m = /^\s+(\d+)\s+R(?=[\s/<>[\]()%]|$)/.exec(text.slice(p, p + 32));
    if (/^\d+$/.test(tok) && m) {
      return { value: ref(Number(tok), Number(m[1])), end: p + m[0].length };
    }
    return { value: { t: "num", v: tok }, end: p };
  }
  return { value: kw(tok), end: p };
}

function skipWs(text, pos) {
  for (;;) {
    while (pos < text.length && WS.has(text.charCodeAt(pos))) pos++;
    if (text[pos] !== "%") return pos;
    while (pos < text.length && text[pos] !== "\n" && text[pos] !== "\r") pos++;
  }
}

// ser(value): PDF syntax for a value.
export function ser(v) {
  switch (v.t) {
    case "num": return v.v;
    case "ref": return `${v.num} ${v.gen} R`;
    case "name": return v.v;
    case "str": case "hex": return v.raw;
    case "kw": return v.v;
    case "arr": return `[${v.v.map(ser).join(" ")}]`;
    case "dict": {
      const parts = [];
      for (const [k, x] of v.v) parts.push(`${k} ${ser(x)}`);
      return `<< ${parts.join(" ")} >>`;
    }
    default: throw new Error(`cannot serialise ${JSON.stringify(v)}`);
  }
}

// streamBody(dictValue, data): "<< ... /Length n >>\nstream\n...\nendstream"
// with /Length set from data (a string of latin1 text or a Buffer).
export function streamBody(d, data) {
  const b = Buffer.isBuffer(data) ? data : Buffer.from(data, "latin1");
  const dd = dict([...d.v].filter(([k]) => k !== "/Length"));
  dd.v.set("/Length", num(b.length));
  return Buffer.concat([Buffer.from(`${ser(dd)}\nstream\n`, "latin1"), b,
    Buffer.from("\nendstream", "latin1")]);
}

const asBuf = (b) => (Buffer.isBuffer(b) ? b : Buffer.from(b, "latin1"));

export class Pdf {
  constructor(buf) {
    this.buf = buf;
    this.text = buf.toString("latin1");
    const m = [...this.text.matchAll(/startxref\s+(\d+)\s+%%EOF/g)];
    if (m.length === 0) throw new Error("no startxref");
    this.startxref = Number(m[m.length - 1][1]);
    this.entries = new Map();
    this.sections = []; // [{ off, trailer }] newest first
    let off = this.startxref;
    const seen = new Set();
    while (off !== null) {
      if (seen.has(off) || seen.size > 1000) throw new Error(`xref /Prev loop at ${off}`);
      seen.add(off);
      const { trailer, entries } = this.#readSection(off);
      this.sections.push({ off, trailer, entries });
      for (const [n, e] of entries) if (!this.entries.has(n)) this.entries.set(n, e);
      const prev = trailer.v.get("/Prev");
      off = prev ? Number(prev.v) : null;
    }
    this.trailer = this.sections[0].trailer;
  }

  #readSection(off) {
    const t = this.text;
    if (t.slice(off, off + 4) !== "xref") {
      throw new Error(`no classic xref table at ${off} (xref streams are out of scope)`);
    }
    let p = off + 4;
    const entries = new Map();
    const lineRe = /\s*(\d+)\s+(\d+)/y;
    for (;;) {
      p = skipWs(t, p);
      if (t.startsWith("trailer", p)) break;
      lineRe.lastIndex = p;
      const h = lineRe.exec(t);
      if (!h) throw new Error(`bad xref subsection header at ${p}`);
      p = lineRe.lastIndex;
      const first = Number(h[1]);
      const count = Number(h[2]);
      for (let i = 0; i < count; i++) {
        p = skipWs(t, p);
        const e = /^(\d{10}) (\d{5}) ([nf])/.exec(t.slice(p, p + 18));
        if (!e) throw new Error(`bad xref entry at ${p}`);
        entries.set(first + i, { type: e[3], off: Number(e[1]), gen: Number(e[2]) });
        p += 18;
      }
    }
    const tr = parseValue(t, p + 7);
    return { trailer: tr.value, entries };
  }

  // get(num): the object as the newest xref section has it.
  get(n) {
    const e = this.entries.get(n);
    if (!e || e.type !== "n") return null;
    return this.objectAt(e.off, n);
  }

  // objectAt(off, n): parse "n g obj value [stream] endobj" at off.
  objectAt(off, n) {
    const t = this.text;
    const h = /^\s*(\d+)\s+(\d+)\s+obj/.exec(t.slice(off, off + 40));
    if (!h || (n !== undefined && Number(h[1]) !== n)) {
      throw new Error(`object ${n} not at offset ${off}`);
    }
    const v = parseValue(t, off + h[0].length);
    let p = skipWs(t, v.end);
    let stream = null;
    if (t.startsWith("stream", p)) {
      p += 6;
      if (t[p] === "\r") p++;
      if (t[p] === "\n") p++;
      let len = v.value.v.get("/Length");
      if (len.t === "ref") len = this.get(len.num).value;
      stream = this.buf.subarray(p, p + Number(len.v));
      p = skipWs(t, p + stream.length);
      if (!t.startsWith("endstream", p)) throw new Error(`object ${n}: /Length does not end at endstream`);
      p = skipWs(t, p + 9);
    }
    if (!t.startsWith("endobj", p)) throw new Error(`object ${n}: no endobj`);
    return { value: v.value, stream, off, end: p + 6 };
  }

  // resolve(value): follows a reference.
  resolve(v) {
    return v && v.t === "ref" ? this.get(v.num)?.value ?? null : v;
  }

  get size() {
    return Number(this.trailer.v.get("/Size").v);
  }

  // Pages in order: [{ num, value }]
  pages() {
    const out = [];
    const walk = (r, depth) => {
      if (depth > 32) throw new Error("page tree too deep");
      const node = this.resolve(r);
      if (node.v.get("/Type")?.v === "/Pages") {
        for (const k of node.v.get("/Kids").v) walk(k, depth + 1);
      } else {
        out.push({ num: r.num, value: node });
      }
    };
    const root = this.resolve(this.trailer.v.get("/Root"));
    walk(root.v.get("/Pages"), 0);
    return out;
  }

  // Signature fields with a /V: [{ field, widget (num), sig (num), name }]
  signatures() {
    const root = this.resolve(this.trailer.v.get("/Root"));
    const af = this.resolve(root.v.get("/AcroForm"));
    const out = [];
    if (!af) return out;
    const walk = (r, depth, prefix) => {
      const f = this.resolve(r);
      const t = f.v.get("/T");
      const nm = t ? `${prefix}${t.raw.slice(1, -1)}` : prefix;
      if (f.v.get("/Kids") && depth < 16) {
        for (const k of f.v.get("/Kids").v) walk(k, depth + 1, `${nm}.`);
      }
      if (f.v.get("/FT")?.v === "/Sig" && f.v.get("/V")) {
        out.push({ field: r.num, name: nm, sig: f.v.get("/V").num });
      }
    };
    for (const r of af.v.get("/Fields").v) walk(r, 0, "");
    return out;
  }
}

function xrefSections(entries) {
  // entries: Map num -> line (20 bytes); contiguous subsections
  const nums = [...entries.keys()].sort((a, b) => a - b);
  let out = "";
  for (let i = 0; i < nums.length;) {
    let j = i;
    while (j + 1 < nums.length && nums[j + 1] === nums[j] + 1) j++;
    out += `${nums[i]} ${j - i + 1}\n`;
    for (let k = i; k <= j; k++) out += entries.get(nums[k]);
    i = j + 1;
  }
  return out;
}

const xline = (off, gen, type) =>
  `${String(off).padStart(10, "0")} ${String(gen).padStart(5, "0")} ${type}\r\n`;

// writePdf(objects, trailerExtra): a whole one-revision PDF. objects is
// [[num, body]] (body: text or Buffer, without "n 0 obj"/"endobj").
export function writePdf(objects, trailer) {
  const parts = [Buffer.from("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "latin1")];
  let pos = parts[0].length;
  const entries = new Map([[0, xline(0, 65535, "f")]]);
  let size = 1;
  for (const [n, body] of objects) {
    const b = Buffer.concat([Buffer.from(`${n} 0 obj\n`), asBuf(body), Buffer.from("\nendobj\n")]);
    entries.set(n, xline(pos, 0, "n"));
    parts.push(b);
    pos += b.length;
    size = Math.max(size, n + 1);
  }
  const tr = dict([["/Size", num(size)], ...Object.entries(trailer)]);
  parts.push(Buffer.from(`xref\n${xrefSections(entries)}trailer\n${ser(tr)}\nstartxref\n${pos}\n%%EOF\n`, "latin1"));
  return Buffer.concat(parts);
}

// appendUpdate(buf, opts): buf + one incremental update (ISO 32000-1 7.5.6).
//   objects   { num: body }      new or replaced objects (body as in writePdf)
//   free      [num]              marked free (generation + 1)
//   redirect  { num: offset }    xref entry only: num is found at offset
//                                (bytes already in the file)
//   trailer   { key: value }     trailer entries to set (null deletes)
//   xref      false: append the objects only, no xref/trailer/startxref
// Returns { buf, offsets: { num: off }, xrefOff }.
export function appendUpdate(buf, opts) {
  const pdf = new Pdf(buf);
  const { objects = {}, free = [], redirect = {}, trailer = {}, xref = true } = opts;
  const parts = [buf];
  let pos = buf.length;
  if (buf[buf.length - 1] !== 0x0a && buf[buf.length - 1] !== 0x0d) {
    parts.push(Buffer.from("\n"));
    pos++;
  }
  const entries = new Map();
  const offsets = {};
  let size = pdf.size;
  for (const [k, body] of Object.entries(objects)) {
    const n = Number(k);
    const b = Buffer.concat([Buffer.from(`${n} 0 obj\n`), asBuf(body), Buffer.from("\nendobj\n")]);
    offsets[n] = pos;
    entries.set(n, xline(pos, 0, "n"));
    parts.push(b);
    pos += b.length;
    size = Math.max(size, n + 1);
  }
  for (const [k, off] of Object.entries(redirect)) {
    const n = Number(k);
    entries.set(n, xline(off, pdf.entries.get(n)?.gen ?? 0, "n"));
    size = Math.max(size, n + 1);
  }
  if (free.length) {
    // Free list: 0 -> free[0] -> free[1] ... -> 0 (7.5.4).
    const sorted = [...free].sort((a, b) => a - b);
    entries.set(0, xline(sorted[0], 65535, "f"));
    sorted.forEach((n, i) => {
      const next = i + 1 < sorted.length ? sorted[i + 1] : 0;
      entries.set(n, xline(next, (pdf.entries.get(n)?.gen ?? 0) + 1, "f"));
    });
  }
  if (xref) {
    const tr = dict([...pdf.trailer.v].filter(([k]) => !["/Prev", "/Size", "/XRefStm"].includes(k)));
    for (const [k, v] of Object.entries(trailer)) {
      if (v === null) tr.v.delete(k);
      else tr.v.set(k, v);
    }
    tr.v.set("/Size", num(size));
    tr.v.set("/Prev", num(pdf.startxref));
    parts.push(Buffer.from(`xref\n${xrefSections(entries)}trailer\n${ser(tr)}\nstartxref\n${pos}\n%%EOF\n`, "latin1"));
  }
  return { buf: Buffer.concat(parts), offsets, xrefOff: pos };
}

// The /ByteRange and /Contents of signature dictionary object n, with
// the byte offsets of their values: { br: [a,b,c,d], brOff, brEnd,
// contentsOff, contentsEnd (the "<...>"), hex }.
export function sigLayout(pdf, n) {
  const o = pdf.get(n);
  const t = pdf.text;
  const body = t.slice(o.off, o.end);
  const brm = /\/ByteRange\s*(\[[^\]]*\])/.exec(body);
  const cm = /\/Contents\s*(<[0-9A-Fa-f\s]*>)/.exec(body);
  if (!brm || !cm) throw new Error(`object ${n} has no /ByteRange or hex /Contents`);
  const brOff = o.off + brm.index + brm[0].length - brm[1].length;
  const contentsOff = o.off + cm.index + cm[0].length - cm[1].length;
  return {
    br: brm[1].slice(1, -1).trim().split(/\s+/).map(Number),
    brOff,
    brEnd: brOff + brm[1].length,
    contentsOff,
    contentsEnd: contentsOff + cm[1].length,
    hex: cm[1].slice(1, -1),
  };
}

// derLength(buf): length of the DER TLV at buf[0] (definite lengths only).
export function derLength(b) {
  let p = 1;
  const first = b[p++];
  if (first < 0x80) return p + first;
  const n = first & 0x7f;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + b[p + i];
  return p + n + len;
}
