// kyso-code.js - the verification code ("mã kiểm tra") of a document being
// signed (native-host/PROTOCOL.md, "Verification code"): kyso-host computes
// it from the SignedAttributes it is about to sign and shows it in its
// consent dialog; the page computes the same from the SignedAttributes it
// prepared and shows it beside the document, and the user compares the two.
//
//   md   = the message-digest attribute's value (1.2.840.113549.1.9.4), the
//          32, 48 or 64 bytes that fix the document's signed bytes
//   h    = SHA-256(md)
//   code = (h[0] << 24 | h[1] << 16 | h[2] << 8 | h[3]) mod 1000000,
//          six digits zero-padded, shown "DDD DDD" ("042 917")
//
// A batch of two or more documents also has one code over all of them, the
// batch code ("mã kiểm tra của lô"), which kyso-host's dialog always shows
// (it may not have room to list every document):
//
//   h    = SHA-256( for each document in request order: one byte = the
//          length of its md, then the md )
//   batch code = from h exactly as above
//
// The page's fingerprint (the sign request's optional field) is the first
// 16 lower-case hex digits of md.
import { KysoError } from './kyso-errors.js';

const CODE_MODULUS = 1000000;
const FINGERPRINT_HEX = 16;
const MD_LENGTHS = [32, 48, 64]; // SHA-256, SHA-384, SHA-512
const MD_LENGTH_MAX = 255; // the batch code gives each length in one byte
const TAG_SET = 0x31;
const TAG_SEQUENCE = 0x30;
const TAG_OID = 0x06;
const TAG_OCTET_STRING = 0x04;
// 1.2.840.113549.1.9.4, the content octets of its DER OBJECT IDENTIFIER.
const OID_MESSAGE_DIGEST = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x04];

const bad = (why) => new KysoError('NATIVE_FATAL', `SignedAttributes: ${why}`);

// One DER element at `at` within [at, end): { tag, start (content), end }.
// DER only: one-byte tags, definite lengths in the fewest bytes, no
// content past `end`.
function element(der, at, end) {
  if (at + 2 > end) throw bad('truncated element');
  const tag = der[at];
  if ((tag & 0x1f) === 0x1f) throw bad('multi-byte tag');
  let len = der[at + 1];
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 3) throw bad('indefinite or oversized length');
    if (start + n > end) throw bad('truncated length');
    if (der[start] === 0) throw bad('non-minimal length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[start + i];
    if (len < 0x80) throw bad('non-minimal length');
    start += n;
  }
  if (start + len > end) throw bad('element longer than its container');
  return { tag, start, end: start + len };
}

// The elements filling [start, end) exactly.
function children(der, start, end) {
  const out = [];
  for (let at = start; at < end;) {
    const e = element(der, at, end);
    out.push(e);
    at = e.end;
  }
  return out;
}

// An OBJECT IDENTIFIER's content in its one DER form: no sub-identifier
// padded with a leading 0x80, the last byte closing the last one.
function oidBytes(der, e) {
  if (e.tag !== TAG_OID || e.end === e.start) throw bad('attribute type is not an OBJECT IDENTIFIER');
  for (let i = e.start; i < e.end; i++) {
    const first = i === e.start || (der[i - 1] & 0x80) === 0;
    if (first && der[i] === 0x80) throw bad('non-minimal OBJECT IDENTIFIER');
  }
  if (der[e.end - 1] & 0x80) throw bad('truncated OBJECT IDENTIFIER');
  return der.subarray(e.start, e.end);
}

const sameBytes = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);

// The message-digest value of DER SignedAttributes (SET OF Attribute), as a
// new Uint8Array. Strict: the whole input is one SET, every attribute a
// SEQUENCE of an OBJECT IDENTIFIER and a SET, exactly one message-digest
// attribute holding exactly one OCTET STRING of 32, 48 or 64 bytes.
export function messageDigestOf(signedAttributes) {
  const der = signedAttributes instanceof Uint8Array ? signedAttributes : new Uint8Array(signedAttributes);
  const set = element(der, 0, der.length);
  if (set.tag !== TAG_SET || set.end !== der.length) throw bad('not one DER SET');
  let md = null;
  for (const attr of children(der, set.start, set.end)) {
    if (attr.tag !== TAG_SEQUENCE) throw bad('attribute is not a SEQUENCE');
    const parts = children(der, attr.start, attr.end);
    if (parts.length !== 2 || parts[1].tag !== TAG_SET) throw bad('attribute is not { type, SET OF value }');
    if (!sameBytes(oidBytes(der, parts[0]), OID_MESSAGE_DIGEST)) continue;
    if (md) throw bad('two message-digest attributes');
    const values = children(der, parts[1].start, parts[1].end);
    if (values.length !== 1 || values[0].tag !== TAG_OCTET_STRING) throw bad('message-digest is not one OCTET STRING');
    md = der.slice(values[0].start, values[0].end);
    if (!MD_LENGTHS.includes(md.length)) throw bad(`message-digest of ${md.length} bytes`);
  }
  if (!md) throw bad('no message-digest attribute');
  return md;
}

// ---- SHA-256 -------------------------------------------------------------------

// FIPS 180-4 SHA-256 in plain JavaScript, for pages without WebCrypto (it
// exists only in secure contexts: an intranet portal on plain http has
// none). It only hashes message digests (a batch code: at most 100 of them).
const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]);

export function sha256Js(bytes) {
  const bitLen = bytes.length * 8;
  const padded = new Uint8Array(Math.ceil((bytes.length + 9) / 64) * 64);
  padded.set(bytes);
  padded[bytes.length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(bitLen / 0x100000000));
  view.setUint32(padded.length - 4, bitLen >>> 0);
  const H = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const W = new Uint32Array(64);
  const rotr = (x, n) => (x >>> n) | (x << (32 - n));
  for (let off = 0; off < padded.length; off += 64) {
    for (let t = 0; t < 16; t++) W[t] = view.getUint32(off + t * 4);
    for (let t = 16; t < 64; t++) {
      const s0 = rotr(W[t - 15], 7) ^ rotr(W[t - 15], 18) ^ (W[t - 15] >>> 3);
      const s1 = rotr(W[t - 2], 17) ^ rotr(W[t - 2], 19) ^ (W[t - 2] >>> 10);
      W[t] = W[t - 16] + s0 + W[t - 7] + s1;
    }
    let [a, b, c, d, e, f, g, h] = H;
    for (let t = 0; t < 64; t++) {
      const t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + W[t];
      const t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      [h, g, f, e, d, c, b, a] = [g, f, e, (d + t1) >>> 0, c, b, a, (t1 + t2) >>> 0];
    }
    [a, b, c, d, e, f, g, h].forEach((v, i) => { H[i] += v; });
  }
  const out = new Uint8Array(32);
  const ov = new DataView(out.buffer);
  H.forEach((v, i) => ov.setUint32(i * 4, v));
  return out;
}

async function sha256(bytes) {
  if (globalThis.crypto?.subtle) return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return sha256Js(bytes);
}

// ---- the code ------------------------------------------------------------------

function codeOfHash(h) {
  const n = ((h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3]) >>> 0;
  const digits = String(n % CODE_MODULUS).padStart(6, '0');
  return `${digits.slice(0, 3)} ${digits.slice(3)}`;
}

// md (Uint8Array) -> "DDD DDD".
export async function verificationCode(md) {
  return codeOfHash(await sha256(md));
}

// [md, ...] (Uint8Arrays, in the sign request's order) -> the batch code
// "DDD DDD".
export async function batchVerificationCode(mds) {
  if (!Array.isArray(mds) || mds.length === 0) throw new KysoError('ARGUMENT', 'batchVerificationCode needs message digests');
  const all = new Uint8Array(mds.reduce((n, md) => n + 1 + (md?.length ?? 0), 0));
  let at = 0;
  for (const md of mds) {
    if (!(md instanceof Uint8Array) || md.length === 0 || md.length > MD_LENGTH_MAX)
      throw new KysoError('ARGUMENT', `a message digest is 1 to ${MD_LENGTH_MAX} bytes`);
    all[at] = md.length;
    all.set(md, at + 1);
    at += 1 + md.length;
  }
  return codeOfHash(await sha256(all));
}

// md -> the sign request's fingerprint: its first 16 lower-case hex digits.
export function fingerprintOf(md) {
  return Array.from(md.subarray(0, FINGERPRINT_HEX / 2), (b) => b.toString(16).padStart(2, '0')).join('');
}
