// ltv_client.mjs - kyso-host's `revocation` and `timestamp` (issue 13)
// against the loopback PKI and responders of tests/lib/ltv_pki.sh, over
// native messaging or a websocket; answers cross-checked with openssl
// (ocsp -respin, crl, ts -verify) and the responders' request log. Prints
// "FAIL:" lines and exits non-zero on any failure.
//
//   node ltv_client.mjs stdio|websocket|noloop|fair|deadline|leak|cache|rate
// Environment (ltv_test.sh): KYSO_HOST, KYSO_HOST_CONF (normal TSA),
// KYSO_HOST_CONF_NOLOOP (allow_loopback_urls = no), KYSO_HOST_PORT (the
// websocket server, whose TSA is the slow one), KYSO_HOST_CONF_FAIR,
// _DEADLINE, _CACHE, _RATE (the red team's findings F2, F4, F6: see
// fair(), deadline(), leak(), cache(), rate()), LTV_BLACKHOLE_PORT (the
// "hang" leaf's OCSP URL: accepts, never answers), LTV_DIR, LTV_LOG,
// LTV_SLOW_MS, TEST_TMP, KYSO_PINENTRY_ANSWERS / _LOG.
import net from "node:net";
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
  constructor(conf, logFile, extraEnv = {}) {
    super();
    const err = fs.openSync(logFile, "a");
    this.proc = spawn(env.KYSO_HOST, ["--native-messaging", "--origin", ORIGIN, "--config", conf],
      { stdio: ["pipe", "pipe", err], env: { ...env, ...extraEnv } });
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
    if (this.pageOrigin && !("origin" in o)) o.origin = this.pageOrigin;
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

  // bounds: 8 per site waiting or running; the 9th is BUSY
  for (let i = 0; i < 9; i++)
    c.send(JSON.stringify({ id: `b${i}`, cmd: "timestamp", digestAlgorithm: "SHA-256", digest: digest.toString("base64") }));
  r = await c.next(5000);
  ok(r && r.id === "b8" && errCode(r) === "BUSY", `${label}: the 9th fetch request of a site is BUSY (${JSON.stringify(r).slice(0, 200)})`);
  for (let i = 0; i < 8; i++) c.send(JSON.stringify({ id: `bc${i}`, cmd: "cancel", request: `b${i}` }));
  const got = [];
  for (let i = 0; i < 16; i++) { const m = await c.next(5000); if (!m || m === "timeout") break; got.push(m); }
  ok(got.filter((m) => m.id.startsWith("bc") && m.result && m.result.cancelled).length === 8 &&
    got.filter((m) => /^b\d$/.test(m.id) && errCode(m) === "USER_CANCELLED").length === 8,
  `${label}: all 8 cancelled (${got.map((m) => m.id + ":" + (m.error ? m.error.code : JSON.stringify(m.result).slice(0, 40))).join(" ")})`);
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

// ---- the red team's findings (F2 starvation, F4 leak, F6 cache, rate) --------

// The reply to id (others kept aside for later), or "timeout" / null.
async function waitId(c, id, ms) {
  c.stash = c.stash || new Map();
  const end = Date.now() + ms;
  for (;;) {
    if (c.stash.has(id)) { const m = c.stash.get(id); c.stash.delete(id); return m; }
    const left = end - Date.now();
    if (left <= 0) return "timeout";
    const m = await c.next(left);
    if (m === null || m === "timeout") return m;
    c.stash.set(m.id, m);
  }
}

// A responder that accepts and never answers; counts open connections.
function blackhole() {
  const bh = { open: 0, total: 0, sockets: new Set() };
  bh.server = net.createServer((s) => {
    bh.open++; bh.total++; bh.sockets.add(s);
    s.on("error", () => {});
    s.on("data", () => {});
    s.on("close", () => { bh.open--; bh.sockets.delete(s); });
  });
  bh.listening = new Promise((r) => bh.server.listen(Number(env.LTV_BLACKHOLE_PORT), "127.0.0.1", r));
  bh.close = () => { for (const s of bh.sockets) s.destroy(); bh.server.close(); };
  return bh;
}

async function until(cond, ms) {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await sleep(50);
  return cond();
}

const OTHER = "https://other.kyso.test";
const hangReq = (id, origin) => ({ id, cmd: "revocation", origin, certificates: [b64("hang"), b64("sub")] });
const tsReq = (id, origin) => ({ id, cmd: "timestamp", origin, digestAlgorithm: "SHA-256",
  digest: crypto.randomBytes(32).toString("base64") });

// F2: one page (origin A, behind the extension's one connection) floods
// fetches to a responder that never answers, cancels them and asks again;
// another page (origin B) is still served, within a bound.
async function fair() {
  const bh = blackhole();
  await bh.listening;
  const c = new StdioConn(env.KYSO_HOST_CONF_FAIR, path.join(TMP, "host-fair.log"));
  await hello(c, "fair");
  for (let i = 0; i < 10; i++) c.send(JSON.stringify(hangReq(`a${i}`, ORIGIN)));
  const busy = [];
  for (let i = 0; i < 10; i++) {
    const m = await waitId(c, `a${i}`, i < 8 ? 300 : 3000);
    if (m && m !== "timeout" && errCode(m) === "BUSY") busy.push(`a${i}`);
    else if (m && m !== "timeout") ok(false, `fair: a${i} answered early (${JSON.stringify(m).slice(0, 200)})`);
  }
  ok(busy.join() === "a8,a9", `fair: 8 fetch requests per site waiting or running, the 9th is BUSY (${busy})`);
  ok(await until(() => bh.open >= 2, 5000), `fair: A's fetches reach the silent responder (${bh.open})`);
  await sleep(500);
  ok(bh.open === 2, `fair: at most 2 of one site's requests run at once (${bh.open} connections open)`);

  let t0 = Date.now();
  c.send(JSON.stringify(tsReq("b0", OTHER)));
  let r = await waitId(c, "b0", 15000);
  ok(r && r.result && typeof r.result.timeStampResponse === "string" && Date.now() - t0 < 10000,
    `fair: another site's timestamp is answered while A floods (${Date.now() - t0} ms, ${JSON.stringify(r).slice(0, 200)})`);

  // A cancels everything: the transfers are aborted, not left running
  for (let i = 0; i < 8; i++) c.send(JSON.stringify({ id: `c${i}`, cmd: "cancel", origin: ORIGIN, request: `a${i}` }));
  let acks = 0, cancelled = 0;
  for (let i = 0; i < 8; i++) {
    const a = await waitId(c, `c${i}`, 5000), x = await waitId(c, `a${i}`, 5000);
    acks += !!(a && a.result && a.result.cancelled === true);
    cancelled += errCode(x) === "USER_CANCELLED";
  }
  ok(acks === 8 && cancelled === 8, `fair: 8 cancels acknowledged, 8 USER_CANCELLED (${acks}, ${cancelled})`);
  t0 = Date.now();
  ok(await until(() => bh.open === 0, 4000), `fair: cancel aborts the transfers under way (${bh.open} still open after ${Date.now() - t0} ms)`);

  // A asks again at once, and again: B is still served
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 10; i++) c.send(JSON.stringify(hangReq(`r${round}${i}`, ORIGIN)));
    await until(() => bh.open >= 2, 3000);
    t0 = Date.now();
    c.send(JSON.stringify(tsReq(`b${round + 1}`, OTHER)));
    r = await waitId(c, `b${round + 1}`, 15000);
    ok(r && r.result && Date.now() - t0 < 10000, `fair: round ${round + 1}: B's timestamp answered in ${Date.now() - t0} ms (${errCode(r)})`);
    ok(bh.open <= 2, `fair: round ${round + 1}: still at most 2 of A's fetches at once (${bh.open})`);
    for (let i = 0; i < 10; i++) c.send(JSON.stringify({ id: `rc${round}${i}`, cmd: "cancel", origin: ORIGIN, request: `r${round}${i}` }));
    await sleep(300);
  }
  // closing the connection aborts what runs; the host exits at once
  for (let i = 0; i < 2; i++) c.send(JSON.stringify(hangReq(`z${i}`, ORIGIN)));
  await until(() => bh.open >= 2, 5000);
  t0 = Date.now();
  const code = await c.close();
  ok(code === 0 && Date.now() - t0 < 3500, `fair: closing the port: the host exits 0 in ${Date.now() - t0} ms (fetches aborted)`);
  ok(await until(() => bh.open === 0, 2000), `fair: no connection left to the silent responder (${bh.open})`);
  const log = fs.readFileSync(path.join(TMP, "host-fair.log"), "utf8");
  ok(!/Sanitizer|runtime error|leaving a fetch under way/.test(log), "fair: no fetch left behind, no sanitizer report");
  bh.close();
}

// F2: each request has a deadline (2 x fetch_timeout + 12 s, all URLs and
// tries together).
async function deadline() {
  const bh = blackhole();
  await bh.listening;
  const c = new StdioConn(env.KYSO_HOST_CONF_DEADLINE, path.join(TMP, "host-deadline.log"));
  const t0 = Date.now();
  const r = await c.request(hangReq("d1", ORIGIN), 60000);
  const ms = Date.now() - t0;
  // fetch_timeout = 2: the silent OCSP responder then the silent CRL, 3
  // tries each with back-off, would take 24 s; the deadline is 16 s
  // the whole request FETCH_FAILED, or (a fetch library keeping what it
  // has) the hang leaf alone FETCH_FAILED, the sub-CA's answer kept
  const whole = errCode(r) === "FETCH_FAILED" && r.error.reason === "LTV_FETCH" && /deadline of 16 s/.test(r.error.message);
  const partial = r && r.result && r.result.errors.length === 1 && r.result.errors[0].certificate === 0 &&
    r.result.errors[0].code === "FETCH_FAILED" && r.result.errors[0].reason === "LTV_FETCH" &&
    ocspStatus(r.result.ocsp, "sub", "root") === "good";
  ok((whole || partial) && ms >= 15500 && ms < 21000,
    `deadline: silent responders: FETCH_FAILED at the 16 s deadline (${ms} ms, ${JSON.stringify(r).slice(0, 300)})`);
  ok(await until(() => bh.open === 0, 2000), `deadline: the transfers are closed (${bh.open})`);
  ok(await c.close() === 0, "deadline: the host exits 0");
  bh.close();
}

// F4: the page learns the status and a fixed phrase, never libcurl's text
// (here: the proxy of the host's environment, with credentials).
async function leak() {
  const closed = await new Promise((res) => { const s = net.createServer(); s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => res(p)); }); });
  const logFile = path.join(TMP, "host-leak.log");
  const c = new StdioConn(env.KYSO_HOST_CONF, logFile, { http_proxy: `http://proxy-user:S3cret@127.0.0.1:${closed}` });
  const secret = new RegExp(`${closed}|S3cret|proxy-user|Failed|Couldn't|connect to| ms`);
  let r = await c.request({ id: "l1", cmd: "revocation", certificates: [b64("good"), b64("sub")] }, 60000);
  const e = r && r.result ? r.result.errors : [];
  ok(e.length === 2 && e.every((x) => x.code === "FETCH_FAILED" && x.reason === "LTV_FETCH" &&
    x.message === "no usable answer from the server (connection, timeout, HTTP status, or no URL)"),
  `leak: revocation errors carry the reason and its fixed phrase (${JSON.stringify(e).slice(0, 400)})`);
  ok(!secret.test(JSON.stringify(r)), `leak: nothing of the proxy or libcurl reaches the page (${JSON.stringify(r).slice(0, 400)})`);
  r = await c.request(tsReq("l2"), 60000);
  ok(errCode(r) === "FETCH_FAILED" && r.error.reason === "LTV_FETCH" && !secret.test(JSON.stringify(r)),
    `leak: timestamp: FETCH_FAILED, reason, no libcurl text (${JSON.stringify(r)})`);
  ok(await c.close() === 0, "leak: the host exits 0");
  ok(new RegExp(`port ${closed}`).test(fs.readFileSync(logFile, "utf8")), "leak: the details are in the host log");
}

// F6: revocation answers are cached (0700 directory, by nextUpdate): a
// second request for the same certificates asks no responder.
async function cache() {
  const dir = path.join(TMP, "cache-c");
  const c = new StdioConn(env.KYSO_HOST_CONF_CACHE, path.join(TMP, "host-cache.log"), { XDG_CACHE_HOME: dir });
  const before = logCount(/^\/ocsp\//);
  let r = await c.request({ id: "k1", cmd: "revocation", certificates: [b64("good"), b64("sub")] });
  ok(r && r.result && ocspStatus(r.result.ocsp, "good", "sub") === "good", `cache: first answer (${errCode(r)})`);
  const asked = logCount(/^\/ocsp\//);
  ok(asked > before, "cache: the first request asked the responders");
  const st = fs.statSync(path.join(dir, "kyso", "revocation"));
  ok((st.mode & 0o777) === 0o700 && fs.readdirSync(path.join(dir, "kyso", "revocation")).some((f) => /^ocsp-/.test(f)),
    `cache: $XDG_CACHE_HOME/kyso/revocation holds the answers, mode 0700 (${(st.mode & 0o777).toString(8)})`);
  r = await c.request({ id: "k2", cmd: "revocation", certificates: [b64("good"), b64("sub")] });
  ok(r && r.result && ocspStatus(r.result.ocsp, "good", "sub") === "good" && ocspStatus(r.result.ocsp, "sub", "root") === "good",
    `cache: the second answer, from the cache, still verifies (${errCode(r)})`);
  await sleep(300);
  ok(logCount(/^\/ocsp\//) === asked, `cache: the second request asked no responder (${logCount(/^\/ocsp\//) - asked} more)`);
  ok(await c.close() === 0, "cache: the host exits 0");
}

// F6: at most fetch_rate (here 5) requests a minute per site; more are
// BUSY with retryAfter; another site is not affected; refused requests
// do not count.
async function rate() {
  const c = new StdioConn(env.KYSO_HOST_CONF_RATE, path.join(TMP, "host-rate.log"));
  let r = await c.request({ id: "bad", cmd: "timestamp", origin: ORIGIN, digestAlgorithm: "MD5", digest: "AA==" });
  ok(errCode(r) === "INVALID_ARGUMENT", "rate: an invalid request (not counted)");
  let served = 0;
  for (let i = 0; i < 5; i++) {
    r = await c.request({ id: `q${i}`, cmd: "revocation", origin: ORIGIN, certificates: [b64("evil")] });
    served += !!(r && r.result && r.result.errors.length === 1 && r.result.errors[0].code === "UNTRUSTED");
  }
  ok(served === 5, `rate: 5 requests in a minute are served (${served})`);
  r = await c.request({ id: "q5", cmd: "revocation", origin: ORIGIN, certificates: [b64("evil")] });
  ok(errCode(r) === "BUSY" && Number.isInteger(r.error.retryAfter) && r.error.retryAfter >= 1 && r.error.retryAfter <= 60,
    `rate: the 6th is BUSY with retryAfter (${JSON.stringify(r)})`);
  r = await c.request(tsReq("q6", ORIGIN));
  ok(errCode(r) === "BUSY", `rate: timestamp counts too (${errCode(r)})`);
  r = await c.request({ id: "o1", cmd: "revocation", origin: OTHER, certificates: [b64("evil")] });
  ok(r && r.result, `rate: another site is served (${errCode(r)})`);
  ok(await c.close() === 0, "rate: the host exits 0");
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
  } else if (mode === "fair") {
    await fair();
  } else if (mode === "deadline") {
    await deadline();
  } else if (mode === "leak") {
    await leak();
  } else if (mode === "cache") {
    await cache();
  } else if (mode === "rate") {
    await rate();
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
