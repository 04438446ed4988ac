// vcode.mjs - the verification code ("mã kiểm tra", native-host/PROTOCOL.md)
// computed by the tests themselves, with node's crypto and without kyso's
// code, to check what kyso.js shows and what kyso-host's dialog says:
//   md   = the message-digest attribute's value
//   code = (first 4 bytes of SHA-256(md), big-endian) mod 1000000, "DDD DDD"
//   fingerprint = the first 16 lower-case hex digits of md
//   batch code ("mã kiểm tra của lô", two or more documents) = the same
//          from SHA-256( for each document in request order: one byte =
//          md length, then md )
//
//   import { codeOf, batchCodeOf, fingerprintOf, attrsDigest, signedDigests,
//            signedDigest, dialogTexts, codesIn } from "../lib/vcode.mjs";
import crypto from "node:crypto";

const codeOfHash = (h) => {
  const d = String(h.readUInt32BE(0) % 1000000).padStart(6, "0");
  return `${d.slice(0, 3)} ${d.slice(3)}`;
};

export const codeOf = (md) => codeOfHash(crypto.createHash("sha256").update(md).digest());

// The batch code of the message-digest values mds, in request order: the
// input is built as one buffer and hashed at once (kyso.js and kyso-host
// hash piece by piece).
export function batchCodeOf(mds) {
  const parts = mds.flatMap((md) => [Buffer.from([md.length]), Buffer.from(md)]);
  return codeOfHash(crypto.createHash("sha256").update(Buffer.concat(parts)).digest());
}

// The known batch vector (PROTOCOL.md, "Verification code"): 32 zero
// bytes, the 48 bytes 00 01 .. 2f, 64 bytes ff.
export const BATCH_VECTOR_MDS = [Buffer.alloc(32), Buffer.from(Array.from({ length: 48 }, (_, i) => i)),
  Buffer.alloc(64, 0xff)];

export const fingerprintOf = (md) => Buffer.from(md).toString("hex").slice(0, 16);

// The message-digest value in DER SignedAttributes (SET OF Attribute), by
// a plain TLV walk: null when there is not exactly one.
export function attrsDigest(der) {
  const b = Buffer.from(der);
  const tlv = (at) => {
    let len = b[at + 1], hdr = 2;
    if (len & 0x80) {
      hdr += len & 0x7f;
      len = b.subarray(at + 2, at + hdr).reduce((v, x) => v * 256 + x, 0);
    }
    return { tag: b[at], start: at + hdr, end: at + hdr + len };
  };
  const OID_MD = "06092a864886f70d010904";
  const found = [];
  const set = tlv(0);
  for (let at = set.start; at < set.end;) {
    const attr = tlv(at);
    const oid = tlv(attr.start);
    if (b.subarray(attr.start, oid.end).toString("hex") === OID_MD) {
      const values = tlv(oid.end);
      const os = tlv(values.start);
      found.push(b.subarray(os.start, os.end));
    }
    at = attr.end;
  }
  return found.length === 1 ? Buffer.from(found[0]) : null;
}

// The SHA-256 of what each /ByteRange of a signed PDF covers, in file
// order: the message-digest of each signature (SHA-256 signatures), found
// from the file alone.
export function signedDigests(pdf) {
  const buf = Buffer.from(pdf);
  const text = buf.toString("latin1");
  return [...text.matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)].map((m) => {
    const [a, b, c, d] = m.slice(1).map(Number);
    return crypto.createHash("sha256").update(buf.subarray(a, a + b)).update(buf.subarray(c, c + d)).digest();
  });
}

// The last signature's message-digest (signedDigests), or null.
export const signedDigest = (pdf) => signedDigests(pdf).at(-1) ?? null;

// The texts of the dialogs in a scripted pinentry log (SETDESC lines,
// Assuan percent-escapes undone), in order.
export const dialogTexts = (log) =>
  log.split("\n").filter((l) => l.startsWith("SETDESC ")).map((l) => unescapeAssuan(l.slice(8)));

function unescapeAssuan(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    return s.replace(/%([0-9A-Fa-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
  }
}

// Every "DDD DDD" in a text.
export const codesIn = (text) => text.match(/(?<!\d)\d{3} \d{3}(?!\d)/g) ?? [];
