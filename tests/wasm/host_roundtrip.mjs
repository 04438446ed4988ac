// host_roundtrip.mjs - the JavaScript half of wasm.host_roundtrip: prepare
// in the WASM module, the SignedAttributes signed by the real kyso-host over
// its websocket (SoftHSM2 token, scripted pinentry), finish in the module.
// It writes the signed files for the shell test, which checks them with
// tools that share no code with the module (pdfsig, the native kyso verify),
// and checks here what only the JS API shows: the scheme and digest each
// side announces, the error code of a wrong signature value, the handle's
// life. One line per check, "PASS\tmessage" or "FAIL\tmessage", on stdout.
//
//   node host_roundtrip.mjs sign OUTDIR      OUTDIR/*.pdf and OUTDIR/signed.tsv
//                                            ("output \t input" per line)
//   node host_roundtrip.mjs verify ROOT FILE...   each file TOTAL_PASSED in
//                                            the module, ROOT the only anchor
//
// Environment (host_setup.sh and the ctest): KYSO_WASM_DIST, KYSO_HOST_PORT,
// PKI_DIR, FX, KYSO_PINENTRY_ANSWERS, KYSO_PINENTRY_LOG, TOKEN_PIN,
// KYSO_TEST_TIME, TOKEN_PERSON_EC (unset: no ECDSA case).
import { createRequire } from "node:module";
import { once } from "node:events";
import { pathToFileURL } from "node:url";
import fs from "node:fs";
import path from "node:path";
import { attrsDigest, fingerprintOf } from "../lib/vcode.mjs";

const env = process.env;
const ORIGIN = "https://portal.kyso.test"; // allow_origin in host_setup's host.conf
const REPLY_TIMEOUT_MS = 30000;
// The ws package is tests/host's dependency (npm ci there by host_setup).
const WebSocket = createRequire(new URL("../host/package.json", import.meta.url))("ws");
const { loadKyso } = await import(pathToFileURL(path.join(env.KYSO_WASM_DIST, "kyso-wasm.js")));

let failures = 0;
function check(cond, what) {
  if (!cond) failures++;
  console.log(`${cond ? "PASS" : "FAIL"}\t${what}`);
}

// ---- inputs ----------------------------------------------------------------

// Every certificate of a PEM file (a bundle: chain.pem), as DER.
function pemCerts(file) {
  const blocks = fs.readFileSync(file, "utf8").match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => Buffer.from(b.replace(/-----[^-]+-----|\s/g, ""), "base64"));
}

const pki = (name) => path.join(env.PKI_DIR, name);
const fixture = (name) => path.join(env.FX, name);
// The sign request's fingerprint (PROTOCOL.md): the first 16 hex digits of
// the message-digest in the SignedAttributes, nothing else is accepted.
const fingerprint = (signedAttributes) => fingerprintOf(attrsDigest(signedAttributes));

// The options every prepare shares: the signer's certificate and chain
// (sub-CA, root: a receiver must find the path without our help) and the
// fixed signing time of the native tests, inside every test validity period.
function signerOptions(certPem) {
  return {
    certificate: pemCerts(certPem)[0],
    chain: pemCerts(pki("chain.pem")),
    signingTime: new Date(env.KYSO_TEST_TIME),
  };
}

// ---- kyso-host over its websocket ------------------------------------------

// A connection answering requests in order (the host answers one at a time).
async function hostConnect() {
  const ws = new WebSocket(`ws://127.0.0.1:${env.KYSO_HOST_PORT}/`, { origin: ORIGIN });
  const inbox = [];
  const waiting = [];
  ws.on("message", (data) => {
    const msg = JSON.parse(data.toString("utf8"));
    const w = waiting.shift();
    if (w) w(msg); else inbox.push(msg);
  });
  ws.on("close", () => { for (const w of waiting.splice(0)) w(null); });
  await once(ws, "open");
  const next = () => {
    if (inbox.length) return Promise.resolve(inbox.shift());
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve("timeout"), REPLY_TIMEOUT_MS);
      waiting.push((m) => { clearTimeout(timer); resolve(m); });
    });
  };
  const hello = await next();
  return {
    hello,
    request(obj) { ws.send(JSON.stringify(obj)); return next(); },
    close() { ws.close(); },
  };
}

const errorOf = (reply) => (reply && reply.error ? reply.error.code : JSON.stringify(reply).slice(0, 200));

// The host's id for the certificate in PEM file, when a token holds it.
function findCertificate(listed, certPem) {
  const der = pemCerts(certPem)[0];
  return listed.find((c) => Buffer.from(c.certificate, "base64").equals(der));
}

// One sign request for prepared sessions: one consent, one PIN.
async function hostSign(host, id, certId, prepared) {
  fs.writeFileSync(env.KYSO_PINENTRY_ANSWERS, ""); // empty: OK, then the PIN
  fs.writeFileSync(env.KYSO_PINENTRY_LOG, "");
  const reply = await host.request({
    id, cmd: "sign", certificate: certId,
    documents: prepared.map((d) => ({
      signedAttributes: Buffer.from(d.prepared.signedAttributes).toString("base64"),
      name: d.name,
      fingerprint: fingerprint(d.prepared.signedAttributes),
    })),
  });
  const signatures = reply?.result?.signatures ?? [];
  check(signatures.length === prepared.length,
    `${id}: the host signs ${prepared.length} document(s) (${reply?.result ? "ok" : errorOf(reply)})`);
  const log = fs.readFileSync(env.KYSO_PINENTRY_LOG, "utf8");
  check((log.match(/^CONFIRM/gm) ?? []).length === 1 && (log.match(/^GETPIN/gm) ?? []).length === 1,
    `${id}: one consent and one PIN for the request`);
  check(prepared.every((d) => log.includes(d.name)), `${id}: the consent names every document`);
  return { reply, signatures: signatures.map((s) => Buffer.from(s, "base64")) };
}

// ---- the module --------------------------------------------------------------

// Checks that a module call fails with a KysoError of this code.
async function expectCode(promise, code, what) {
  let got = "resolved";
  try {
    await promise;
  } catch (e) {
    got = e && e.name === "KysoError" ? `${e.code}: ${e.message}` : `not a KysoError: ${e}`;
  }
  check(got.startsWith(`${code}:`), `${what} is ${code} (${got})`);
}

async function prepareAll(kyso, docs, certPem, scheme, label) {
  for (const d of docs) {
    d.input = fs.readFileSync(fixture(d.file));
    d.prepared = await kyso.prepare(d.input, { ...signerOptions(certPem), ...d.options });
    const p = d.prepared;
    check(Number.isInteger(p.handle) && p.digest === "SHA-256" && p.scheme === scheme,
      `${label} ${d.file}: prepare gives a handle, SHA-256 and ${scheme} (${p.digest}, ${p.scheme})`);
    // RFC 5652 5.4: the DER of SET OF Attribute, what the host insists on.
    check(p.signedAttributes instanceof Uint8Array && p.signedAttributes[0] === 0x31,
      `${label} ${d.file}: signedAttributes is a DER SET`);
  }
}

// finish, then write the signed file where the shell test looks for it.
async function finishAndWrite(kyso, d, signature, outDir, manifest, label) {
  let signed = null;
  try {
    signed = await kyso.finish(d.prepared.handle, signature);
  } catch (e) {
    check(false, `${label} ${d.file}: finish (${e.code}: ${e.message})`);
    return;
  }
  check(signed.length > d.input.length && Buffer.from(signed.subarray(0, d.input.length)).equals(d.input),
    `${label} ${d.file}: the signed file extends the input byte for byte`);
  const out = path.join(outDir, d.out);
  fs.writeFileSync(out, signed);
  manifest.push(`${out}\t${fixture(d.file)}`);
  await expectCode(kyso.finish(d.prepared.handle, signature), "ARGUMENT",
    `${label} ${d.file}: finishing a finished handle again`);
}

// ---- scenarios -----------------------------------------------------------------

// Two RSA documents, one request: a visible signature with the handwritten
// image on the Chromium fixture, an invisible one on the xref-stream file.
// The first is given wrong values before the right one.
async function rsaBatch(kyso, host, listed, outDir, manifest) {
  const cert = pki("person-rsa2048.pem");
  const mine = findCertificate(listed, cert);
  check(!!mine, "the host lists person-rsa2048 from the token");
  if (!mine) return;
  const docs = [
    { file: "vn-chromium.pdf", out: "rsa-visible.pdf", name: "Tờ trình số 1.pdf",
      options: { fieldName: "NguoiKy", reason: "Phê duyệt", location: "Tiền Giang",
                 page: 1, rect: [340, 80, 180, 70], image: fs.readFileSync(fixture("signature.png")) } },
    { file: "xrefstream.pdf", out: "rsa-invisible.pdf", name: "Phụ lục 2.pdf",
      options: { reason: "Đã xem" } },
  ];
  await prepareAll(kyso, docs, cert, "RSA_PKCS1", "rsa");
  const { reply, signatures } = await hostSign(host, "batch2", mine.id, docs);
  if (signatures.length !== docs.length) return;
  check(reply.result.digest === "SHA-256" && reply.result.scheme === "RSA_PKCS1",
    `batch2: the host signs with the module's digest and scheme (${reply.result.digest}, ${reply.result.scheme})`);

  // A real signature by the same key over the other document's attributes,
  // then the right one with a bit flipped: both must be refused, and the
  // session must still take the right value afterwards.
  const [first] = docs;
  await expectCode(kyso.finish(first.prepared.handle, signatures[1]), "SIGN_VALUE",
    "rsa: another document's signature value");
  const flipped = Buffer.from(signatures[0]);
  flipped[flipped.length - 1] ^= 0x01;
  await expectCode(kyso.finish(first.prepared.handle, flipped), "SIGN_VALUE",
    "rsa: a signature value with one bit flipped");
  for (const [i, d] of docs.entries())
    await finishAndWrite(kyso, d, signatures[i], outDir, manifest, "rsa");
}

// One ECDSA P-256 document, when the test made the EC token.
async function ecdsaOne(kyso, host, listed, outDir, manifest) {
  const cert = pki("person-ec256.pem");
  const mine = findCertificate(listed, cert);
  check(!!mine, "the host lists person-ec256 from the EC token");
  if (!mine) return;
  const docs = [{ file: "hybrid.pdf", out: "ecdsa.pdf", name: "Công văn EC.pdf", options: { reason: "Ký ECDSA" } }];
  await prepareAll(kyso, docs, cert, "ECDSA", "ecdsa");
  const { reply, signatures } = await hostSign(host, "ec1", mine.id, docs);
  if (signatures.length !== 1) return;
  check(reply.result.scheme === "ECDSA", `ec1: the host signs with ECDSA (${reply.result.scheme})`);
  // Ecdsa-Sig-Value (RFC 3279 2.2.3): a DER SEQUENCE of two INTEGERs.
  check(signatures[0][0] === 0x30, "ec1: the value is a DER Ecdsa-Sig-Value");
  const wrong = Buffer.from(signatures[0]);
  wrong[wrong.length - 1] ^= 0x01; // s changed, still well-formed DER
  await expectCode(kyso.finish(docs[0].prepared.handle, wrong), "SIGN_VALUE", "ecdsa: a changed s");
  await finishAndWrite(kyso, docs[0], signatures[0], outDir, manifest, "ecdsa");
}

async function signMode(outDir) {
  const kyso = await loadKyso();
  const host = await hostConnect();
  try {
    check(host.hello?.features?.includes("batch"), "the host speaks first and offers batches");
    const r = await host.request({ id: "c1", cmd: "certificates" });
    const listed = r?.result?.certificates ?? [];
    check(listed.length > 0, `the host lists certificates (${r?.result ? listed.length : errorOf(r)})`);
    const manifest = [];
    await rsaBatch(kyso, host, listed, outDir, manifest);
    if (env.TOKEN_PERSON_EC) await ecdsaOne(kyso, host, listed, outDir, manifest);
    fs.writeFileSync(path.join(outDir, "signed.tsv"), manifest.map((l) => l + "\n").join(""));
    const heap = await kyso.heap();
    check(heap.sessions === 0, `every signing session was released (${heap.sessions} left)`);
  } finally {
    host.close();
    await kyso.close();
  }
}

// The module's own verdict on the files the shell test gave revocation data.
async function verifyMode(rootPem, files) {
  const kyso = await loadKyso();
  try {
    for (const f of files) {
      const r = await kyso.verify(fs.readFileSync(f), {
        trustAnchors: [fs.readFileSync(rootPem, "utf8")], noDefaultTrust: true, lang: "vi",
      });
      check(r.indication === "TOTAL_PASSED" && r.signatureCount === 1,
        `wasm verify ${path.basename(f)}: TOTAL_PASSED, 1 signature (${r.indication}, ${r.signatureCount})`);
    }
  } finally {
    await kyso.close();
  }
}

const [mode, ...args] = process.argv.slice(2);
try {
  if (mode === "sign" && args.length === 1) await signMode(args[0]);
  else if (mode === "verify" && args.length >= 2) await verifyMode(args[0], args.slice(1));
  else {
    console.error("usage: host_roundtrip.mjs sign OUTDIR | verify ROOT.pem FILE...");
    process.exit(2);
  }
} catch (e) {
  check(false, `exception: ${e && e.stack ? e.stack : e}`);
}
process.exit(failures ? 1 : 0);
