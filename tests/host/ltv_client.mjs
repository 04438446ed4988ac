// ltv_client.mjs - kyso-host's `revocation` and `timestamp` (issue 13)
// against the loopback PKI and responders of tests/lib/ltv_pki.sh, over
// native messaging or a websocket; answers cross-checked with openssl
// (ocsp -respin, crl, ts -verify) and the responders' request log. Prints
// "FAIL:" lines and exits non-zero on any failure.
//
//   node ltv_client.mjs stdio|websocket|noloop
// Environment (ltv_test.sh): KYSO_HOST, KYSO_HOST_CONF (normal TSA),
// KYSO_HOST_CONF_NOLOOP (allow_loopback_urls = no), KYSO_HOST_PORT (the
// websocket server, whose TSA is the slow one), LTV_DIR, LTV_LOG,
// LTV_SLOW_MS, TEST_TMP, KYSO_PINENTRY_ANSWERS / _LOG.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import WebSocket from "ws";

const env = process.env;
const TMP = env.TEST_TMP;
const D = env.LTV_DIR;
const ORIGIN = "https://portal.kyso.test";
const SLOW_MS = Number(env.LTV_SLOW_MS || 4000);
let passed = 0, failed = 0;
const ok = (cond, what) => {
  if (cond) { passed++; if (env.KYSO_VERBOSE === "1") console.log(`ok: ${what}`); }
  else { failed++; console.error(`FAIL: ${what}`); }
};

// ---- transports (as host_client.mjs) -----------------------------------------

class Conn {
  constructor() { this.queue = []; this.waiters = []; this.closed = false; this.hellos = []; }
  push(msg) {
    if (msg && typeof msg === "object" && !("id" in msg)) { this.hellos.push(msg); return; }
    const w = this.waiters.shift();
    if (w) w(msg); else this.queue.push(msg);
  }
  next(timeoutMs = 30000) {
    if (this.queue.length) return Promise.resolve(this.queue.shift());
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.waiters = this.waiters.filter((x) => x !== w); resolve("timeout"); }, timeoutMs);
      const w = (m) => { clearTimeout(t); resolve(m); };
      this.waiters.push(w);
    });
  }
  gone() { this.closed = true; for (const w of this.waiters.splice(0)) w(null); }
  async request(obj, timeoutMs) { this.send(JSON.stringify(obj)); return this.next(timeoutMs); }
}

class StdioConn extends Conn {
  constructor(conf, logFile) {
    super();
    const err = fs.openSync(logFile, "a");
    this.proc = spawn(env.KYSO_HOST, ["--native-messaging", "--origin", ORIGIN, "--config", conf],
      { stdio: ["pipe", "pipe", err] });
    let buf = Buffer.alloc(0);
    this.proc.stdout.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32LE(0)) {
        const n = buf.readUInt32LE(0);
        this.push(JSON.parse(buf.subarray(4, 4 + n).toString("utf8")));
        buf = buf.subarray(4 + n);
      }
    });
    this.proc.on("exit", (code) => { this.exitCode = code; this.gone(); });
  }
  // pageOrigin: requests name that page (the extension's "origin" key).
  send(text) {
    const o = JSON.parse(text);
    if (this.pageOrigin) o.origin = this.pageOrigin;
    const b = Buffer.from(JSON.stringify(o), "utf8");
    const h = Buffer.alloc(4); h.writeUInt32LE(b.length, 0);
    this.proc.stdin.write(Buffer.concat([h, b]));
  }
  // The browser closes the port: the host exits 0 (under the sanitizers:
  // no leak, no error).
  close() {
    this.proc.stdin.end();
    return new Promise((r) => (this.closed ? r(this.exitCode) : this.proc.on("exit", (code) => r(code))));
  }
}

class WsConn extends Conn {
  static open(origin) {
    const c = new WsConn();
    c.ws = new WebSocket(`ws://127.0.0.1:${env.KYSO_HOST_PORT}/`, { origin });
    c.ws.on("message", (d) => c.push(JSON.parse(d.toString("utf8"))));
    c.ws.on("close", () => c.gone());
    c.ws.on("error", () => c.gone());
    return new Promise((resolve) => { c.ws.on("open", () => resolve(c)); c.ws.on("close", () => resolve(c)); });
  }
  send(text) { this.ws.send(text); }
  close() { this.ws.close(); }
}

// ---- helpers ------------------------------------------------------------------

const pemDer = (f) => Buffer.from(fs.readFileSync(f, "utf8").replace(/-----[^-]+-----|\s/g, ""), "base64");
const b64 = (f) => pemDer(`${D}/${f}.pem`).toString("base64");
const errCode = (r) => (r && r.error ? r.error.code : JSON.stringify(r).slice(0, 300));
const logCount = (re) => fs.readFileSync(env.LTV_LOG, "utf8").split("\n").filter(Boolean)
  .map((l) => JSON.parse(l)).filter((r) => re.test(r.path)).length;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let seq = 0;
const tmpFile = (name, data) => { const f = path.join(TMP, `ltv.${++seq}.${name}`); fs.writeFileSync(f, data); return f; };
const pinAnswers = (lines) => fs.writeFileSync(env.KYSO_PINENTRY_ANSWERS, lines.map((l) => l + "\n").join(""));

// stdout and stderr of a command (openssl says "verify OK" on either).
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  return `${r.stdout || ""}${r.stderr || ""}`;
};

// The status openssl gives cert in one of the OCSP responses (signature,
// responder and chain verified against the LTV roots), or "".
function ocspStatus(responses, cert, issuer) {
  for (const r of responses) {
    const f = tmpFile("ocsp.der", Buffer.from(r, "base64"));
    // -no_nonce: openssl would compare with a nonce of its own request
    const out = run("openssl", ["ocsp", "-respin", f, "-CAfile", `${D}/roots.pem`, "-no_nonce",
      "-verify_other", `${D}/untrusted.pem`, "-issuer", `${D}/${issuer}.pem`, "-cert", `${D}/${cert}.pem`]);
    const m = out.match(new RegExp(`${D}/${cert}.pem: (good|revoked|unknown)`));
    if (/Response verify OK/.test(out) && m) return m[1];
  }
  return "";
}

function crlVerifies(crl, issuer) {
  const f = tmpFile("crl.der", Buffer.from(crl, "base64"));
  return /verify OK/.test(run("openssl", ["crl", "-inform", "DER", "-in", f, "-noout", "-CAfile", `${D}/${issuer}.pem`]));
}

// openssl ts -verify of a TimeStampToken over digest against the TSA root.
function tsVerifies(token, digestHex) {
  const f = tmpFile("tst.der", Buffer.from(token, "base64"));
  return /Verification: OK/.test(run("openssl", ["ts", "-verify", "-token_in", "-in", f, "-digest", digestHex,
    "-CAfile", `${D}/tsaroot.pem`, "-untrusted", `${D}/tsa.pem`]));
}

// ---- scenarios ------------------------------------------------------------------

async function hello(c, label) {
  for (let i = 0; i < 50 && !c.hellos.length; i++) await sleep(100);
  const h = c.hellos[0];
  ok(h && h.features && h.features.includes("revocation") && h.features.includes("timestamp"),
    `${label}: the hello lists revocation and timestamp (${JSON.stringify(h)})`);
}

async function revocation(c, label) {
  const ocspBefore = logCount(/^\/ocsp\/sub/);
  let r = await c.request({ id: "r1", cmd: "revocation", certificates: [b64("good"), b64("sub")] });
  const res = r && r.result;
  ok(res && Array.isArray(res.ocsp) && Array.isArray(res.crls) && Array.isArray(res.certificates) &&
    Array.isArray(res.errors) && Object.keys(res).length === 4, `${label}: revocation answers ocsp, crls, certificates, errors (${errCode(r)})`);
  if (res) {
    ok(res.errors.length === 0, `${label}: no error for a chain that chains (${JSON.stringify(res.errors)})`);
    ok(ocspStatus(res.ocsp, "good", "sub") === "good", `${label}: openssl ocsp -respin verifies the leaf's answer: good`);
    ok(ocspStatus(res.ocsp, "sub", "root") === "good", `${label}: openssl ocsp -respin verifies the sub-CA's answer: good`);
    ok(res.certificates.some((x) => Buffer.from(x, "base64").equals(pemDer(`${D}/root.pem`))),
      `${label}: the chain's root the request lacked is in certificates`);
    ok(!res.certificates.some((x) => Buffer.from(x, "base64").equals(pemDer(`${D}/sub.pem`))),
      `${label}: a certificate the request held is not sent back`);
  }
  ok(logCount(/^\/ocsp\/sub/) > ocspBefore, `${label}: the leaf's OCSP responder was asked`);
  if (r && r.id !== "r1") ok(false, `${label}: reply id ${r.id}`);

  r = await c.request({ id: "r2", cmd: "revocation", certificates: [b64("revoked"), b64("sub")] });
  ok(r && r.result && ocspStatus(r.result.ocsp, "revoked", "sub") === "revoked",
    `${label}: a revoked leaf's OCSP answer is returned and says revoked (${errCode(r)})`);

  r = await c.request({ id: "r3", cmd: "revocation", certificates: [b64("crlonly"), b64("sub")] });
  ok(r && r.result && r.result.crls.length === 1 && crlVerifies(r.result.crls[0], "sub"),
    `${label}: no OCSP URL: the CRL, signed by the sub-CA (${errCode(r)})`);

  // The leaf alone: its issuer is neither given nor the host's, so it does
  // not chain: nothing may be fetched for it.
  const before = logCount(/^\/(ocsp|crl|cert)\//);
  r = await c.request({ id: "r4", cmd: "revocation", certificates: [b64("good")] });
  const e = r && r.result && r.result.errors;
  ok(e && e.length === 1 && e[0].code === "UNTRUSTED" && e[0].certificate === 0 && e[0].url === null &&
    r.result.ocsp.length === 0 && r.result.crls.length === 0, `${label}: a certificate that does not chain is UNTRUSTED (${JSON.stringify(r).slice(0, 300)})`);
  await sleep(300);
  ok(logCount(/^\/(ocsp|crl|cert)\//) === before, `${label}: UNTRUSTED: no request reached the responders`);

  // An impostor CA (self-signed, the sub-CA's subject) does not chain either
  r = await c.request({ id: "r5", cmd: "revocation", certificates: [b64("evil"), b64("good")] });
  ok(r && r.result && r.result.errors.length === 2 && r.result.errors.every((x) => x.code === "UNTRUSTED"),
    `${label}: the impostor CA and a leaf through it are UNTRUSTED (${errCode(r)})`);
}

async function refusals(c, label) {
  const g = b64("good"), s = b64("sub");
  const bad = [
    [{ id: "x1", cmd: "revocation", certificates: [g], url: "http://127.0.0.1/" }, "a url key"],
    [{ id: "x2", cmd: "revocation", certificates: [g], extra: 1 }, "an extra key"],
    [{ id: "x3", cmd: "revocation" }, "no certificates"],
    [{ id: "x4", cmd: "revocation", certificates: [] }, "no certificate"],
    [{ id: "x5", cmd: "revocation", certificates: Array(17).fill(s) }, "17 certificates"],
    [{ id: "x6", cmd: "revocation", certificates: ["not base64!"] }, "not base64"],
    [{ id: "x7", cmd: "revocation", certificates: [crypto.randomBytes(300).toString("base64")] }, "not a certificate"],
    [{ id: "x8", cmd: "revocation", certificates: [Buffer.concat([pemDer(`${D}/good.pem`), Buffer.from([0])]).toString("base64")] }, "bytes after the certificate"],
    [{ id: "x9", cmd: "revocation", certificates: g }, "certificates not an array"],
    [{ id: "y1", cmd: "timestamp", digestAlgorithm: "SHA-256", digest: crypto.randomBytes(32).toString("base64"), url: "http://127.0.0.1/" }, "timestamp with a url"],
    [{ id: "y2", cmd: "timestamp", digestAlgorithm: "SHA-256", digest: crypto.randomBytes(48).toString("base64") }, "a digest of the wrong size"],
    [{ id: "y3", cmd: "timestamp", digestAlgorithm: "MD5", digest: crypto.randomBytes(16).toString("base64") }, "MD5"],
    [{ id: "y4", cmd: "timestamp", digest: crypto.randomBytes(32).toString("base64") }, "no digestAlgorithm"],
    [{ id: "y5", cmd: "timestamp", digestAlgorithm: "SHA-256", digest: 5 }, "digest not a string"],
  ];
  const before = logCount(/./);
  for (const [req, what] of bad) {
    const r = await c.request(req);
    ok(errCode(r) === "INVALID_ARGUMENT" && r.id === req.id, `${label}: ${what}: INVALID_ARGUMENT (${errCode(r)})`);
  }
  ok(logCount(/./) === before, `${label}: refused requests fetch nothing`);
  // 16 are allowed (the bound is exact)
  const r = await c.request({ id: "x10", cmd: "revocation", certificates: Array(16).fill(s) });
  ok(r && r.result && r.result.errors.length === 0 && ocspStatus(r.result.ocsp, "sub", "root") === "good",
    `${label}: 16 certificates (one, 16 times) are served, asked once (${errCode(r)})`);
}

async function timestamp(c, label, id = "t1") {
  const digest = crypto.randomBytes(32);
  const r = await c.request({ id, cmd: "timestamp", digestAlgorithm: "SHA-256", digest: digest.toString("base64") }, SLOW_MS + 30000);
  ok(r && r.result && typeof r.result.timeStampResponse === "string" && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(r.result.genTime),
    `${label}: timestamp answers a token and its genTime (${errCode(r)})`);
  if (r && r.result) ok(tsVerifies(r.result.timeStampResponse, digest.toString("hex")), `${label}: openssl ts -verify accepts the TimeStampToken`);
  const d512 = crypto.randomBytes(64);
  const r2 = await c.request({ id: id + "b", cmd: "timestamp", digestAlgorithm: "SHA-512", digest: d512.toString("base64") }, SLOW_MS + 30000);
  ok(r2 && r2.result && tsVerifies(r2.result.timeStampResponse, d512.toString("hex")), `${label}: SHA-512 timestamp verified by openssl (${errCode(r2)})`);
}

// The websocket's TSA is slow (ltv_http.mjs /m/slow/): other requests are
// served meanwhile, `cancel` drops a waiting fetch, bounds say BUSY.
async function slow(c, label) {
  const digest = crypto.randomBytes(32);
  const t0 = Date.now();
  c.send(JSON.stringify({ id: "slow", cmd: "timestamp", digestAlgorithm: "SHA-256", digest: digest.toString("base64") }));
  c.send(JSON.stringify({ id: "rev", cmd: "revocation", certificates: [b64("good"), b64("sub")] }));
  c.send(JSON.stringify({ id: "certs", cmd: "certificates" }));
  const order = [];
  let slowReply = null;
  for (let i = 0; i < 3; i++) {
    const m = await c.next(SLOW_MS + 30000);
    if (!m || m === "timeout") break;
    order.push(m.id);
    if (m.id === "rev") ok(m.result && ocspStatus(m.result.ocsp, "good", "sub") === "good" && Date.now() - t0 < SLOW_MS,
      `${label}: a revocation is answered while the slow TSA is pending (${Date.now() - t0} ms)`);
    if (m.id === "certs") ok(m.result && Array.isArray(m.result.certificates), `${label}: certificates answered meanwhile`);
    if (m.id === "slow") slowReply = m;
  }
  ok(order.length === 3 && order[2] === "slow", `${label}: the slow timestamp answers last (${order})`);
  ok(slowReply && slowReply.result && tsVerifies(slowReply.result.timeStampResponse, digest.toString("hex")) && Date.now() - t0 >= SLOW_MS - 100,
    `${label}: the slow TSA's token is verified by openssl`);

  // cancel: the ack, then USER_CANCELLED at once; the late token is dropped
  c.send(JSON.stringify({ id: "tc", cmd: "timestamp", digestAlgorithm: "SHA-256", digest: digest.toString("base64") }));
  await sleep(200);
  let r = await c.request({ id: "cx", cmd: "cancel", request: "tc" });
  ok(r && r.id === "cx" && r.result && r.result.cancelled === true, `${label}: cancel of a fetching timestamp acknowledged (${JSON.stringify(r)})`);
  r = await c.next(2000);
  ok(r && r.id === "tc" && errCode(r) === "USER_CANCELLED", `${label}: the cancelled timestamp answers USER_CANCELLED at once (${JSON.stringify(r)})`);
  r = await c.next(SLOW_MS + 2000);
  ok(r === "timeout", `${label}: nothing more comes for the cancelled request (${JSON.stringify(r).slice(0, 100)})`);
  r = await c.request({ id: "cy", cmd: "cancel", request: "tc" });
  ok(r && r.result && r.result.cancelled === false, `${label}: cancelling it again: false`);

  // bounds: 8 per connection waiting or running; the 9th is BUSY
  for (let i = 0; i < 9; i++)
    c.send(JSON.stringify({ id: `b${i}`, cmd: "timestamp", digestAlgorithm: "SHA-256", digest: digest.toString("base64") }));
  r = await c.next(5000);
  ok(r && r.id === "b8" && errCode(r) === "BUSY", `${label}: the 9th fetch request of a connection is BUSY (${JSON.stringify(r).slice(0, 200)})`);
  for (let i = 0; i < 8; i++) c.send(JSON.stringify({ id: `bc${i}`, cmd: "cancel", request: `b${i}` }));
  const got = [];
  for (let i = 0; i < 16; i++) { const m = await c.next(5000); if (!m || m === "timeout") break; got.push(m); }
  ok(got.filter((m) => m.id.startsWith("bc") && m.result && m.result.cancelled).length === 8 &&
    got.filter((m) => /^b\d$/.test(m.id) && errCode(m) === "USER_CANCELLED").length === 8,
  `${label}: all 8 cancelled (${got.map((m) => m.id + ":" + (m.error ? m.error.code : JSON.stringify(m.result))).join(" ")})`);
}

async function origins(label) {
  // An unknown origin: its first fetch request opens the first-use dialog
  // (here refused), exactly as `certificates` would.
  const before = logCount(/./);
  fs.writeFileSync(env.KYSO_PINENTRY_LOG, "");
  pinAnswers(["cancel"]);
  const u = await WsConn.open("https://unknown.kyso.test");
  let r = await u.request({ id: 1, cmd: "revocation", certificates: [b64("good"), b64("sub")] });
  ok(errCode(r) === "ORIGIN_DENIED", `${label}: an unknown origin refused at the first-use dialog: ORIGIN_DENIED (${errCode(r)})`);
  ok(/CONFIRM/.test(fs.readFileSync(env.KYSO_PINENTRY_LOG, "utf8")) && /unknown\.kyso\.test/.test(fs.readFileSync(env.KYSO_PINENTRY_LOG, "utf8")),
    `${label}: the first-use dialog named the unknown origin`);
  r = await u.request({ id: 2, cmd: "timestamp", digestAlgorithm: "SHA-256", digest: crypto.randomBytes(32).toString("base64") });
  ok(errCode(r) === "ORIGIN_DENIED", `${label}: refused lately: ORIGIN_DENIED without a dialog (${errCode(r)})`);
  u.close();
  // allowed once at the dialog: the fetch then runs
  pinAnswers(["notok"]); // "Chỉ lần này"
  const o = await WsConn.open("https://once.kyso.test");
  r = await o.request({ id: 3, cmd: "revocation", certificates: [b64("good"), b64("sub")] }, 30000);
  ok(r && r.result && ocspStatus(r.result.ocsp, "good", "sub") === "good" && o.hellos.some((h) => h.version),
    `${label}: allowed once at the first-use dialog: the full hello, then the answer (${errCode(r)})`);
  o.close();
  ok(logCount(/./) > before, `${label}: only the allowed origin's request was fetched`);
}

async function main() {
  const mode = process.argv[2];
  if (mode === "stdio") {
    const c = new StdioConn(env.KYSO_HOST_CONF, path.join(TMP, "host-stdio.log"));
    await hello(c, "stdio");
    await revocation(c, "stdio");
    await refusals(c, "stdio");
    await timestamp(c, "stdio");
    // a CRL of 1 MiB: fetched, left out of the reply (LIMIT), the OCSP
    // answer kept; the reply within 1 MiB (else NATIVE_FATAL, id null)
    const crlBefore = logCount(/^\/crl\/sub-long\.crl/);
    let r = await c.request({ id: "big", cmd: "revocation", certificates: [b64("longcrl"), b64("sub")] });
    const e = r && r.result ? r.result.errors : [];
    ok(r && r.id === "big" && r.result && r.result.crls.length === 0 && e.length === 1 && e[0].code === "LIMIT" &&
      e[0].certificate === 0 && /\/crl\/sub-long\.crl$/.test(e[0].url) && ocspStatus(r.result.ocsp, "sub", "root") === "good",
    `stdio: a CRL past the reply's 1 MiB is left out with LIMIT, the OCSP answer kept (${JSON.stringify(r).slice(0, 300)})`);
    ok(logCount(/^\/crl\/sub-long\.crl/) > crlBefore, "stdio: the long CRL was fetched (then left out)");
    // a page denied in host.conf, named by the extension
    c.pageOrigin = "https://denied.kyso.test";
    r = await c.request({ id: "d1", cmd: "revocation", certificates: [b64("good"), b64("sub")] });
    ok(errCode(r) === "ORIGIN_DENIED" && r.origin === "https://denied.kyso.test", `stdio: a denied page's revocation: ORIGIN_DENIED (${errCode(r)})`);
    c.pageOrigin = undefined;
    ok(await c.close() === 0, "stdio: the host exits 0 when the port closes");
    const log = fs.readFileSync(path.join(TMP, "host-stdio.log"), "utf8");
    ok(!/Sanitizer|runtime error/.test(log), "stdio: no sanitizer report");
    ok(new RegExp(`fetch for ${ORIGIN}: .*127\\.0\\.0\\.1:${env.LTV_HTTP_PORT}/ocsp/sub`).test(log),
      `stdio: the host log names the origin and the URL of each fetch`);
    ok(/revocation for https:\/\/portal\.kyso\.test: certificate 0 not fetched for/.test(log), "stdio: the host log says what was not fetched and why");
  } else if (mode === "noloop") {
    const c = new StdioConn(env.KYSO_HOST_CONF_NOLOOP, path.join(TMP, "host-noloop.log"));
    const before = logCount(/./);
    let r = await c.request({ id: 1, cmd: "revocation", certificates: [b64("good"), b64("sub")] });
    const e = r && r.result ? r.result.errors : [];
    ok(e.length === 2 && e.every((x) => x.code === "FETCH_FAILED" && x.reason === "LTV_URL" && /127\.0\.0\.1/.test(x.url)) &&
      r.result.ocsp.length === 0, `noloop: loopback URLs refused without allow_loopback_urls (${JSON.stringify(r).slice(0, 400)})`);
    r = await c.request({ id: 2, cmd: "timestamp", digestAlgorithm: "SHA-256", digest: crypto.randomBytes(32).toString("base64") });
    ok(errCode(r) === "FETCH_FAILED" && r.error.reason === "LTV_URL", `noloop: the loopback TSA refused: FETCH_FAILED, LTV_URL (${JSON.stringify(r)})`);
    await sleep(300);
    ok(logCount(/./) === before, "noloop: no request reached the responders");
    ok(await c.close() === 0, "noloop: the host exits 0 when the port closes");
  } else {
    const c = await WsConn.open(ORIGIN);
    await hello(c, "websocket");
    await revocation(c, "websocket");
    await refusals(c, "websocket");
    await slow(c, "websocket");
    await timestamp(c, "websocket");
    c.close();
    await origins("websocket");
  }
  console.log(`ltv_client ${mode}: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => { console.error(e); process.exit(1); });
