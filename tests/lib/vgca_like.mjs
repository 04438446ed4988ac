// A PDF signature shaped like those of today's Vietnamese signing tools
// under the government CA (issue 13), built byte by byte so that kyso's
// verifier meets what those tools really write and kyso's signer never
// would:
//   - /SubFilter ETSI.CAdES.detached, CMS SignedData whose certificates
//     field holds ONLY the signer's certificate (no sub-CA, no root);
//   - signed attributes contentType, signingTime, messageDigest and ESS
//     signing-certificate-v2 (with issuerSerial), signingTime set to the
//     real time plus --skew seconds (default 25200: local time UTC+7
//     written as UTC, the quirk seen in the wild);
//   - RSA PKCS#1 v1.5 over the signed attributes (Node's crypto);
//   - an RFC 3161 signature timestamp (unsigned attribute
//     id-aa-signatureTimeStampToken) over the signature value, made by
//     `openssl ts -reply` with the TSA configuration given (a separate
//     G2-style chain), at the real time;
//   - no revocation data anywhere.
// The PDF around it is written by sigwrite.mjs (cmsFn), /M in +07:00.
//
// CLI:
//   node vgca_like.mjs IN OUT --cert PEM --key PEM --tsa-config CNF
//        [--skew SECONDS] [--digest sha256|sha1] [--time ISO8601]
import { execFileSync } from "node:child_process";
import { createHash, sign as cryptoSign, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sign as pdfSign } from "./sigwrite.mjs";

// ---- DER --------------------------------------------------------------------

function derLen(n) {
  if (n < 0x80) return Buffer.from([n]);
  const bytes = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag, ...parts) => {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), derLen(body.length), body]);
};
const seq = (...p) => tlv(0x30, ...p);
// DER SET OF: elements sorted by their encodings (X.690 11.6).
const setOf = (...p) => tlv(0x31, ...[...p].sort(Buffer.compare));
const octets = (b) => tlv(0x04, b);
const int = (n) => tlv(0x02, Buffer.from([n]));
const NULL = Buffer.from([0x05, 0x00]);
function oid(text) {
  const a = text.split(".").map(Number);
  const out = [40 * a[0] + a[1]];
  for (const v of a.slice(2)) {
    const b = [v & 0x7f];
    for (let x = Math.floor(v / 128); x > 0; x = Math.floor(x / 128)) b.unshift(0x80 | (x & 0x7f));
    out.push(...b);
  }
  return tlv(0x06, Buffer.from(out));
}
function utcTime(ms) {
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, "0");
  const s = `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}` +
    `${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  return tlv(0x17, Buffer.from(s, "ascii"));
}

// readTlv(buf, at) -> { tag, start, body, end }
function readTlv(buf, at) {
  const tag = buf[at];
  let len = buf[at + 1], body = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[body + i];
    body += n;
  }
  return { tag, start: at, body, end: body + len };
}

// The issuer Name and serialNumber INTEGER of a certificate, as DER.
function issuerAndSerial(certDer) {
  const cert = readTlv(certDer, 0);
  const tbs = readTlv(certDer, cert.body);
  let at = tbs.body;
  let e = readTlv(certDer, at);
  if (e.tag === 0xa0) { at = e.end; e = readTlv(certDer, at); } // [0] version
  const serial = certDer.subarray(e.start, e.end);
  const alg = readTlv(certDer, e.end);
  const issuer = readTlv(certDer, alg.end);
  return { issuer: certDer.subarray(issuer.start, issuer.end), serial };
}

const OID = {
  data: "1.2.840.113549.1.7.1",
  signedData: "1.2.840.113549.1.7.2",
  contentType: "1.2.840.113549.1.9.3",
  messageDigest: "1.2.840.113549.1.9.4",
  signingTime: "1.2.840.113549.1.9.5",
  signingCertificateV2: "1.2.840.113549.1.9.16.2.47",
  timeStampToken: "1.2.840.113549.1.9.16.2.14",
  rsaEncryption: "1.2.840.113549.1.1.1",
  sha256: "2.16.840.1.101.3.4.2.1",
  sha1: "1.3.14.3.2.26",
};

// ---- the timestamp ----------------------------------------------------------

function timestampToken(signature, tsaConfig) {
  const dir = mkdtempSync(join(tmpdir(), "kyso-vgca-"));
  try {
    writeFileSync(join(dir, "sig.bin"), signature);
    execFileSync("openssl", ["ts", "-query", "-data", join(dir, "sig.bin"), "-sha256", "-cert",
      "-out", join(dir, "q.tsq")], { stdio: ["ignore", "ignore", "pipe"] });
    execFileSync("openssl", ["ts", "-reply", "-config", tsaConfig, "-queryfile", join(dir, "q.tsq"),
      "-token_out", "-out", join(dir, "token.der")], { stdio: ["ignore", "ignore", "pipe"] });
    return readFileSync(join(dir, "token.der"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- the CMS ---------------------------------------------------------------

// vgcaCms(data, opts) -> DER ContentInfo (SignedData, detached).
export function vgcaCms(data, { cert, key, tsaConfig, skew = 25200, digest = "sha256", now = Date.now() }) {
  const certDer = new X509Certificate(readFileSync(cert)).raw;
  const { issuer, serial } = issuerAndSerial(certDer);
  const mdAlg = seq(oid(OID[digest]));
  const attr = (type, value) => seq(oid(type), setOf(value));
  const essCertIdV2 = seq(octets(createHash("sha256").update(certDer).digest()),
    seq(seq(tlv(0xa4, issuer)), serial)); // hashAlgorithm sha256 by default
  const attrs = [
    attr(OID.contentType, oid(OID.data)),
    attr(OID.signingTime, utcTime(now + skew * 1000)),
    attr(OID.messageDigest, octets(createHash(digest).update(data).digest())),
    attr(OID.signingCertificateV2, seq(seq(essCertIdV2))),
  ];
  const signedAttrs = setOf(...attrs);
  const signature = cryptoSign(digest, signedAttrs, readFileSync(key));
  const token = timestampToken(signature, tsaConfig);
  const signerInfo = seq(
    int(1),
    seq(issuer, serial),
    mdAlg,
    Buffer.concat([Buffer.from([0xa0]), signedAttrs.subarray(1)]), // [0] IMPLICIT
    seq(oid(OID.rsaEncryption), NULL),
    octets(signature),
    tlv(0xa1, attr(OID.timeStampToken, token)), // [1] IMPLICIT SET OF Attribute
  );
  const signedData = seq(int(1), setOf(mdAlg), seq(oid(OID.data)), tlv(0xa0, certDer), setOf(signerInfo));
  return seq(oid(OID.signedData), tlv(0xa0, signedData));
}

// The PDF's /M: the same real time, written as Vietnam local time.
function vietnamIso(ms) {
  return new Date(ms + 7 * 3600 * 1000).toISOString().replace(/\.\d{3}Z$/, "+07:00");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [input, output, ...rest] = process.argv.slice(2);
  const opts = { subfilter: "ETSI.CAdES.detached", field: "Signature1", signerName: "VGCA-like" };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const val = () => rest[++i];
    if (a === "--cert") opts.cert = val();
    else if (a === "--key") opts.key = val();
    else if (a === "--tsa-config") opts.tsaConfig = val();
    else if (a === "--skew") opts.skew = Number(val());
    else if (a === "--digest") opts.digest = val();
    else if (a === "--time") opts.time = val();
    else {
      console.error(`vgca_like: unknown argument ${a}`);
      process.exit(2);
    }
  }
  if (!input || !output || !opts.cert || !opts.key || !opts.tsaConfig) {
    console.error("usage: node vgca_like.mjs IN OUT --cert PEM --key PEM --tsa-config CNF [options]");
    process.exit(2);
  }
  opts.now = Date.now();
  opts.time ??= vietnamIso(opts.now);
  opts.cmsFn = vgcaCms;
  writeFileSync(output, pdfSign(readFileSync(input), opts));
}
