// host_client.mjs - drives a real kyso-host for the host tests, over
// native messaging (spawned, stdio framing) or a websocket (the npm `ws`
// package), and checks the protocol's answers. Prints "ok:"/"FAIL:" lines
// and exits non-zero on any failure.
//
//   node host_client.mjs stdio|websocket   (environment from the .sh tests)
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import WebSocket from "ws";
import { attrsDigest, codeOf } from "../lib/vcode.mjs";

const env = process.env;
const TMP = env.TEST_TMP;
const ORIGIN = "https://portal.kyso.test";
let passed = 0, failed = 0;
const ok = (cond, what) => {
  if (cond) { passed++; if (env.KYSO_VERBOSE === "1") console.log(`ok: ${what}`); }
  else { failed++; console.error(`FAIL: ${what}`); }
};

// ---- transports -------------------------------------------------------------

class Conn {
  constructor() { this.queue = []; this.waiters = []; this.closed = false; }
  push(msg) {
    const w = this.waiters.shift();
    if (w) w(msg); else this.queue.push(msg);
  }
  next(timeoutMs = 20000) {
    if (this.queue.length) return Promise.resolve(this.queue.shift());
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve("timeout"), timeoutMs);
      this.waiters.push((m) => { clearTimeout(t); resolve(m); });
    });
  }
  gone() { this.closed = true; for (const w of this.waiters.splice(0)) w(null); }
  async request(obj, timeoutMs) { this.send(JSON.stringify(obj)); return this.reply(timeoutMs); }
  // The next reply; a hello on the way (the versioned one comes before the
  // reply to the request that got an origin allowed) goes to this.hellos.
  async reply(timeoutMs) {
    for (;;) {
      const m = await this.next(timeoutMs);
      if (!m || typeof m !== "object" || "id" in m) return m;
      (this.hellos = this.hellos || []).push(m);
    }
  }
}

class StdioConn extends Conn {
  constructor(args, extraEnv = {}) {
    super();
    this.proc = spawn(env.KYSO_HOST, ["--native-messaging", "--origin", ORIGIN, ...args],
      { stdio: ["pipe", "pipe", "inherit"], env: { ...process.env, ...extraEnv } });
    let buf = Buffer.alloc(0);
    this.proc.stdout.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32LE(0)) {
        const n = buf.readUInt32LE(0);
        this.push(JSON.parse(buf.subarray(4, 4 + n).toString("utf8")));
        buf = buf.subarray(4 + n);
      }
    });
    this.proc.on("exit", () => this.gone());
  }
  send(text) { this.sendBytes(Buffer.from(text, "utf8")); }
  sendBytes(b) {
    const h = Buffer.alloc(4); h.writeUInt32LE(b.length, 0);
    this.proc.stdin.write(Buffer.concat([h, b]));
  }
  close() { this.proc.stdin.end(); }
}

class WsConn extends Conn {
  static open(origin, headers = {}) {
    const c = new WsConn();
    const opts = { headers };
    if (origin !== undefined) opts.origin = origin;
    c.ws = new WebSocket(`ws://127.0.0.1:${env.KYSO_HOST_PORT}/`, opts);
    c.ws.on("message", (d) => c.push(JSON.parse(d.toString("utf8"))));
    c.ws.on("close", () => c.gone());
    c.ws.on("error", () => { c.failed = true; c.gone(); });
    return new Promise((resolve) => {
      c.ws.on("open", () => resolve(c));
      c.ws.on("close", () => resolve(c));
      c.ws.on("error", () => resolve(c));
    });
  }
  send(text) { this.ws.send(text); }
  close() { this.ws.close(); }
}

// ---- helpers ----------------------------------------------------------------

const pinAnswers = (lines) => fs.writeFileSync(env.KYSO_PINENTRY_ANSWERS, lines.map((l) => l + "\n").join(""));
const pinLog = () => (fs.existsSync(env.KYSO_PINENTRY_LOG) ? fs.readFileSync(env.KYSO_PINENTRY_LOG, "utf8") : "");
const clearLog = () => fs.writeFileSync(env.KYSO_PINENTRY_LOG, "");
const pemDer = (pem) => Buffer.from(fs.readFileSync(pem, "utf8").replace(/-----[^-]+-----|\s/g, ""), "base64");
let seq = 0;

function prepare(cert, pdf) {
  const out = path.join(TMP, `attrs.${++seq}.der`);
  execFileSync(env.KYSO_HOST_ASSEMBLE, ["prepare", cert, pdf, out]);
  return fs.readFileSync(out);
}

function finishAndCheck(cert, pdf, sigB64, label) {
  const sig = path.join(TMP, `sig.${++seq}.bin`), out = path.join(TMP, `signed.${seq}.pdf`);
  fs.writeFileSync(sig, Buffer.from(sigB64, "base64"));
  execFileSync(env.KYSO_HOST_ASSEMBLE, ["finish", cert, pdf, sig, out]);
  let report = "";
  try { report = execFileSync("pdfsig", [out], { encoding: "utf8" }); } catch (e) { report = String(e.stdout); }
  ok(/Signature Validation: Signature is Valid/.test(report), `${label}: pdfsig says the signature is valid`);
}

const errCode = (r) => (r && r.error ? r.error.code : JSON.stringify(r));
const noSig = (r, what) => ok(r && r.error && !r.result, `${what}: no signature produced`);

// ---- scenarios ----------------------------------------------------------------

async function common(c, label, opts) {
  const hello = await c.next();
  ok(hello && hello.version && hello.version.startsWith("1.") && hello.features.includes("sign"),
    `${label}: host speaks first with version and features`);

  let r = await c.request({ id: 1, cmd: "certificates" });
  const person = pemDer(`${env.PKI_DIR}/person-rsa2048.pem`);
  const listed = r.result ? r.result.certificates : [];
  const mine = listed.find((x) => Buffer.from(x.certificate, "base64").equals(person));
  ok(mine && mine.tokenLabel === env.TOKEN_PERSON && /Nguyễn Văn A/.test(mine.subject) && mine.keyType === "RSA-2048",
    `${label}: certificates lists the person's certificate with its token`);
  ok(listed.some((x) => x.ca), `${label}: CA certificates on the token are flagged ca`);
  const id = mine ? mine.id : "0".repeat(64);
  ok(id === crypto.createHash("sha256").update(person).digest("hex"), `${label}: id is the certificate's SHA-256`);

  // batch of 3 with one consent and one PIN
  const cert = `${env.PKI_DIR}/person-rsa2048.pem`;
  const pdfs = ["vn-chromium.pdf", "minimal.pdf", "xrefstream.pdf"].map((n) => `${env.FX}/${n}`);
  const docs = pdfs.map((p, i) => ({
    signedAttributes: prepare(cert, p).toString("base64"),
    name: `Tờ trình số ${i + 1}.pdf`,
  }));
  const codes = docs.map((d) => codeOf(attrsDigest(Buffer.from(d.signedAttributes, "base64"))));
  clearLog();
  pinAnswers([]);
  r = await c.request({ id: "b3", cmd: "sign", certificate: id, documents: docs });
  ok(r && r.id === "b3" && r.result && r.result.signatures.length === 3, `${label}: batch of 3 signed (${errCode(r)})`);
  const log = pinLog();
  ok((log.match(/^CONFIRM/gm) || []).length === 1 && (log.match(/^GETPIN/gm) || []).length === 1,
    `${label}: one consent and one PIN for the batch`);
  ok(log.includes(ORIGIN) && log.includes("Tờ trình số 3.pdf") && codes.every((x) => log.includes(x)) &&
    log.includes("Nguyễn Văn A"), `${label}: consent shows origin, signer, names and verification codes`);
  ok(!log.includes(env.TOKEN_PIN), `${label}: the PIN is not echoed anywhere in the dialog`);
  if (r && r.result) pdfs.forEach((p, i) => finishAndCheck(cert, p, r.result.signatures[i], `${label} doc ${i + 1}`));

  // the module stays loaded between requests, the login does not: the next
  // batch asks the token for the PIN again
  const one = (attrs) => [{ signedAttributes: attrs.toString("base64"), name: "a.pdf" }];
  pinAnswers(["ok", "pin:00000000", "cancel"]); // asked again after the wrong PIN: the user stops
  r = await c.request({ id: "b4", cmd: "sign", certificate: id, documents: one(prepare(cert, pdfs[1])) });
  ok(errCode(r) === "PIN_INCORRECT", `${label}: a wrong PIN right after a signed batch is refused (${errCode(r)})`);
  noSig(r, `${label} wrong PIN after a batch`);

  // refusals, none of which may produce a signature
  r = await c.request({ id: 2, cmd: "sign", certificate: id, documents: one(crypto.randomBytes(32)) });
  ok(errCode(r) === "INVALID_ARGUMENT", `${label}: bare digest refused`); noSig(r, `${label} bare digest`);
  const other = prepare(`${env.PKI_DIR}/third-rsa2048.pem`, pdfs[1]);
  r = await c.request({ id: 3, cmd: "sign", certificate: id, documents: one(other) });
  ok(errCode(r) === "INVALID_ARGUMENT" && /another certificate/.test(r.error.message),
    `${label}: SignedAttributes naming another certificate refused`); noSig(r, `${label} other cert`);
  r = await c.request({ id: 4, cmd: "sign", certificate: "f".repeat(64), documents: one(prepare(cert, pdfs[1])) });
  ok(errCode(r) === "CERT_NOT_FOUND", `${label}: unknown certificate id is CERT_NOT_FOUND`);
  c.send("{\"id\": 5, \"cmd\": ");
  r = await c.next();
  ok(errCode(r) === "INVALID_ARGUMENT" && r.id === null, `${label}: malformed JSON refused`);
  r = await c.request({ id: 6, cmd: "format-disk" });
  ok(errCode(r) === "INVALID_ARGUMENT" && r.id === 6, `${label}: unknown command refused`);
  r = await c.request({ id: 7, cmd: "certificates", extra: true });
  ok(errCode(r) === "INVALID_ARGUMENT", `${label}: extra keys refused`);
  r = await c.request({ id: 8, cmd: "sign", certificate: id, documents: [{ ...one(prepare(cert, pdfs[1]))[0], pin: "1" }] });
  ok(errCode(r) === "INVALID_ARGUMENT", `${label}: extra document keys refused`);
  c.send('{"id":9,"id":10,"cmd":"certificates"}');
  r = await c.next();
  ok(errCode(r) === "INVALID_ARGUMENT", `${label}: duplicate keys refused`);

  const attrs = prepare(cert, pdfs[1]);
  pinAnswers(["cancel"]);
  r = await c.request({ id: 11, cmd: "sign", certificate: id, documents: one(attrs) });
  ok(errCode(r) === "USER_CANCELLED", `${label}: user cancels the consent`); noSig(r, `${label} cancel`);
  pinAnswers(["ok", "cancel"]);
  r = await c.request({ id: 12, cmd: "sign", certificate: id, documents: one(attrs) });
  ok(errCode(r) === "USER_CANCELLED", `${label}: user cancels the PIN dialog`);
  pinAnswers(["timeout"]);
  r = await c.request({ id: 13, cmd: "sign", certificate: id, documents: one(attrs) });
  ok(errCode(r) === "USER_TIMEOUT", `${label}: dialog timeout is USER_TIMEOUT`);
  pinAnswers(["ok", "pin:00000000", "cancel"]);
  r = await c.request({ id: 14, cmd: "sign", certificate: id, documents: one(attrs) });
  ok(errCode(r) === "PIN_INCORRECT" && "retriesLeft" in r.error, `${label}: wrong PIN reported with retriesLeft`);
  noSig(r, `${label} wrong PIN`);
  pinAnswers(["ok", "kill"]);
  r = await c.request({ id: 15, cmd: "sign", certificate: id, documents: one(attrs) });
  ok(errCode(r) === "NATIVE_FATAL", `${label}: pinentry killed mid-dialog (${errCode(r)})`); noSig(r, `${label} killed`);

  // one signing request at a time; cancel
  pinAnswers(["sleep:3"]);
  c.send(JSON.stringify({ id: 16, cmd: "sign", certificate: id, documents: one(attrs) }));
  await new Promise((res) => setTimeout(res, 500));
  r = await c.request({ id: 17, cmd: "sign", certificate: id, documents: one(attrs) });
  ok(errCode(r) === "BUSY" && r.id === 17, `${label}: a second request while one waits is BUSY`);
  r = await c.request({ id: 18, cmd: "cancel", request: 16 });
  ok(r && r.result && r.result.cancelled === true, `${label}: cancel acknowledged`);
  r = await c.next();
  ok(r && r.id === 16 && errCode(r) === "USER_CANCELLED", `${label}: cancelled request answers USER_CANCELLED`);

  // oversize (a sign request larger than 64 KiB)
  const big = JSON.stringify({ id: 19, cmd: "certificates", pad: "x".repeat(70 * 1024) });
  c.send(big);
  r = await c.next();
  ok(errCode(r) === "INVALID_ARGUMENT" && /64 KiB/.test(r.error.message), `${label}: oversize message refused`);
  if (opts.afterOversize) c = await opts.afterOversize();
  else {
    r = await c.request({ id: 20, cmd: "certificates" });
    ok(r && r.result, `${label}: the connection goes on after an oversize message`);
  }

  // token removed between listing and signing
  const attrs2 = prepare(cert, pdfs[1]);
  const tokens = `${env.TOKEN_DIR}/tokens`, saved = `${env.TOKEN_DIR}/tokens.saved`;
  r = await c.request({ id: 21, cmd: "certificates" });
  fs.cpSync(tokens, saved, { recursive: true });
  fs.rmSync(tokens, { recursive: true, force: true });
  fs.mkdirSync(tokens);
  pinAnswers([]);
  r = await c.request({ id: 22, cmd: "sign", certificate: id, documents: one(attrs2) });
  ok(errCode(r) === "TOKEN_REMOVED", `${label}: token removed between listing and signing (${errCode(r)})`);
  noSig(r, `${label} removed`);

  // the token comes back: listed again by the running host, and it signs
  fs.rmSync(tokens, { recursive: true, force: true });
  fs.cpSync(saved, tokens, { recursive: true });
  r = await c.request({ id: 23, cmd: "certificates" });
  ok(r && r.result && r.result.certificates.some((x) => x.id === id), `${label}: a token inserted while the host runs is listed`);
  pinAnswers([]);
  r = await c.request({ id: 24, cmd: "sign", certificate: id, documents: one(attrs2) });
  ok(r && r.result && r.result.signatures.length === 1, `${label}: the token signs again once it is back (${r && r.error ? r.error.code : "signed"})`);

  // token deleted (softhsm2-util --delete-token) while the user answers
  pinAnswers(["sleep:2"]);
  c.send(JSON.stringify({ id: 25, cmd: "sign", certificate: id, documents: one(attrs2) }));
  await new Promise((res) => setTimeout(res, 500));
  execFileSync("softhsm2-util", ["--delete-token", "--token", env.TOKEN_PERSON], { stdio: "ignore" });
  r = await c.next();
  ok(r && r.id === 25 && errCode(r) === "TOKEN_REMOVED", `${label}: token removed during the consent dialog (${errCode(r)})`);
  noSig(r, `${label} removed during the dialog`);
  c.close();
}

async function websocketOnly() {
  // handshake refusals: missing Origin, "null", foreign Host
  let c = await WsConn.open(undefined);
  ok(!c.ws || c.ws.readyState !== WebSocket.OPEN || (await c.next(2000)) === null, "websocket: missing Origin refused at the handshake");
  c = await WsConn.open("null");
  ok((await c.next(2000)) === null, "websocket: Origin null refused");
  c = await WsConn.open(ORIGIN, { Host: "evil.example:" + env.KYSO_HOST_PORT });
  ok((await c.next(2000)) === null, "websocket: foreign Host header refused (DNS rebinding)");
  c = await WsConn.open("https://denied.kyso.test");
  ok((await c.next(2000)) === null, "websocket: denied origin refused at the handshake");

  // unknown origin: first-use prompt; deny, once, always ("Từ chối" holds
  // for the registrable domain: another one than the next origins')
  pinAnswers(["cancel"]);
  c = await WsConn.open("https://unknown.kyso-denied.test");
  await c.next();
  let r = await c.request({ id: 1, cmd: "certificates" });
  ok(errCode(r) === "ORIGIN_DENIED", "websocket: wrong Origin denied by the user");
  r = await c.request({ id: 2, cmd: "sign", certificate: "0".repeat(64), documents: [] });
  ok(errCode(r) === "ORIGIN_DENIED", "websocket: the denied connection stays denied");
  c.close();
  pinAnswers(["notok"]);
  c = await WsConn.open("https://once.kyso.test");
  await c.next();
  r = await c.request({ id: 1, cmd: "certificates" });
  ok(r && r.result, "websocket: allow once lets the request through");
  c.close();
  ok(!fs.existsSync(`${env.XDG_STATE_HOME}/kyso/origins`) ||
    !fs.readFileSync(`${env.XDG_STATE_HOME}/kyso/origins`, "utf8").includes("once.kyso.test"), "websocket: allow once is not remembered");
  pinAnswers(["ok"]);
  c = await WsConn.open("https://always.kyso.test");
  await c.next();
  r = await c.request({ id: 1, cmd: "certificates" });
  ok(r && r.result && fs.readFileSync(`${env.XDG_STATE_HOME}/kyso/origins`, "utf8").includes("https://always.kyso.test"),
    "websocket: allow always is remembered in the state dir");
  c.close();
  clearLog();
  c = await WsConn.open("https://always.kyso.test");
  await c.next();
  r = await c.request({ id: 2, cmd: "certificates" });
  ok(r && r.result && !pinLog().includes("CONFIRM"), "websocket: a remembered origin is not asked again");
  c.close();
}

async function load() {
  const conns = await Promise.all(Array.from({ length: 200 }, () => WsConn.open(ORIGIN)));
  ok(conns.every((c) => c.ws.readyState === WebSocket.OPEN), "load: 200 concurrent connections open");
  await Promise.all(conns.map((c) => c.next()));
  let good = 0;
  await Promise.all(conns.map(async (c, i) => {
    for (let k = 0; k < 50; k++) {
      const r = await c.request({ id: k, cmd: "certificates" }, 120000);
      if (r && r.result && r.result.certificates.length > 0) good++;
    }
  }));
  ok(good === 10000, `load: 10000 certificates answered (${good})`);
  conns.forEach((c) => c.close());
}

// The strict SignedAttributes profile (attrs_profile_test.sh): each blob of
// $KYSO_ATTRS_DIR/rows.tsv (host_attrs_blobs) sent as one sign request. A
// refused one is INVALID_ARGUMENT with the core's reason, no signature and no
// dialog at all; the accepted ones (kyso's own) open the consent dialog and
// come back signed with a signature that verifies over the blob.
async function attrsProfile() {
  const dir = env.KYSO_ATTRS_DIR;
  const rows = fs.readFileSync(`${dir}/rows.tsv`, "utf8").trim().split("\n").map((l) => l.split("\t"));
  const c = await WsConn.open(ORIGIN);
  await c.next();
  let r = await c.request({ id: "certs", cmd: "certificates" });
  const listed = r && r.result ? r.result.certificates : [];
  let n = 0, refused = 0;
  for (const [file, certPath, status, message] of rows) {
    const pem = fs.readFileSync(certPath, "utf8");
    const mine = listed.find((x) => Buffer.from(x.certificate, "base64").equals(pemDer(certPath)));
    ok(mine, `attrs: the token lists ${path.basename(certPath)}`);
    if (!mine) continue;
    const attrs = fs.readFileSync(`${dir}/${file}`);
    clearLog();
    pinAnswers([]); // a dialog that opens anyway is answered: it would sign
    r = await c.request({ id: ++n, cmd: "sign", certificate: mine.id,
      documents: [{ signedAttributes: attrs.toString("base64"), name: file }] });
    if (status === "0") {
      const sig = r && r.result ? Buffer.from(r.result.signatures[0], "base64") : Buffer.alloc(0);
      const hash = r && r.result ? r.result.digest.replace("-", "").toLowerCase() : "sha256";
      ok(sig.length > 0 && crypto.verify(hash, attrs, crypto.createPublicKey(pem), sig),
        `attrs: ${file} (the profile's own) is signed, the signature verifies (${r && r.error ? r.error.code : "signed"})`);
      ok(/^CONFIRM/m.test(pinLog()), `attrs: ${file}: the consent dialog was shown`);
    } else {
      refused++;
      ok(errCode(r) === "INVALID_ARGUMENT" && r.error.message.includes(message),
        `attrs: ${file} refused with the core's reason (${errCode(r)}: ${r && r.error ? r.error.message : ""})`);
      noSig(r, `attrs ${file}`);
      ok(pinLog() === "", `attrs: ${file}: no dialog was opened`);
    }
  }
  ok(refused >= 40, `attrs: ${refused} refused blobs sent`);
  c.close();
}

const mode = process.argv[2];
try {
  if (mode === "stdio") {
    const c = new StdioConn(["--config", env.KYSO_HOST_CONF]);
    await common(c, "stdio", {});
    // oversize through stdio framing is also refused without crashing
  } else if (mode === "websocket") {
    await websocketOnly();
    const c = await WsConn.open(ORIGIN);
    await common(c, "websocket", { afterOversize: async () => { const n = await WsConn.open(ORIGIN); await n.next(); return n; } });
  } else if (mode === "load") {
    await load();
  } else if (mode === "attrs") {
    await attrsProfile();
  } else if (mode === "consent") {
    const { consent } = await import("./consent_cases.mjs");
    await consent({ ok, ORIGIN, StdioConn, WsConn, pinAnswers, pinLog, clearLog, prepare, finishAndCheck,
      errCode, noSig, pemDer });
  } else if (mode === "origins") {
    const { origins } = await import("./origins_cases.mjs");
    await origins({ ok, ORIGIN, StdioConn, WsConn, pinAnswers, pinLog, clearLog, prepare, finishAndCheck,
      errCode, noSig, pemDer }, process.argv[3]);
  } else if (mode === "multi") {
    const { multi } = await import("./native_multi_cases.mjs");
    await multi({ ok, WsConn, pinAnswers, pinLog, clearLog, prepare, errCode, pemDer }, process.argv[3]);
  } else {
    console.error("usage: host_client.mjs stdio|websocket|load|consent|attrs|origins|multi SCENARIO");
    process.exit(2);
  }
} catch (e) {
  failed++;
  console.error(`FAIL: exception ${e.stack}`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
