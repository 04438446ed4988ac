// ws_raw_client.mjs - a websocket client on node:net alone (no npm
// package), so the tests can run it as another user (setpriv) from a copy
// in a world-readable directory, and so it can do what a browser would not:
// stop reading, pipeline a request behind the handshake, send odd headers.
//
//   node ws_raw_client.mjs probe    one connection; prints a JSON summary
//        RAW_ADDR (127.0.0.1 | ::1), RAW_ORIGIN, RAW_SEND (a request sent
//        right behind the handshake, without waiting for the 101),
//        RAW_COOKIE_BYTES (a Cookie header that long), RAW_WAIT_MS
//   node ws_raw_client.mjs flood    RAW_ORIGIN, RAW_COUNT requests of
//        RAW_SEND without reading a byte; writes $RAW_MARK.sent, waits for
//        $RAW_MARK.go, then reads everything; prints a JSON summary
//   node ws_raw_client.mjs limits   the per-origin and reserved-slot rules;
//        PASS/FAIL lines for judge_node
//   node ws_raw_client.mjs idle     the idle rule for origins not allowed;
//        PASS/FAIL lines
// The port is $KYSO_HOST_PORT.
import net from "node:net";
import fs from "node:fs";
import crypto from "node:crypto";

const env = process.env;
const PORT = Number(env.KYSO_HOST_PORT);
const ALLOWED = "https://portal.kyso.test";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

class RawWs {
  // Resolves once the 101 came, or the connection failed or closed.
  static open({ addr = "127.0.0.1", origin, cookieBytes = 0, pipelined = null } = {}) {
    const c = new RawWs();
    const host = env.RAW_HOST ||
      (addr.includes(":") ? `[${addr}]:${PORT}` : `${addr}:${PORT}`);
    let req = `GET / HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\n` +
      `Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n` +
      `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString("base64")}\r\n`;
    if (origin !== undefined) req += `Origin: ${origin}\r\n`;
    if (cookieBytes > 0) req += `Cookie: other_app=${"c".repeat(cookieBytes - 10)}\r\n`;
    req += "\r\n";
    c.sock = net.connect({ host: addr, port: PORT });
    c.sock.on("connect", () => {
      c.sock.write(req);
      if (pipelined !== null) c.send(pipelined);
    });
    c.sock.on("data", (d) => c.onData(d));
    c.sock.on("error", (e) => { c.error = e.code || String(e); });
    c.sock.on("close", () => c.gone());
    return new Promise((resolve) => { c.opened = resolve; });
  }

  constructor() {
    this.buf = Buffer.alloc(0);
    this.upgraded = false;
    this.status = 0;
    this.messages = [];
    this.waiters = [];
    this.closed = false;
    this.bytes = 0;
    this.start = Date.now();
  }

  onData(d) {
    this.bytes += d.length;
    this.buf = Buffer.concat([this.buf, d]);
    if (!this.upgraded) {
      const end = this.buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = this.buf.subarray(0, end).toString("latin1");
      this.status = Number((/^HTTP\/1\.1 (\d+)/.exec(head) || [0, 0])[1]);
      this.buf = this.buf.subarray(end + 4);
      if (this.status !== 101) return this.sock.destroy();
      this.upgraded = true;
      this.opened(this);
    }
    for (;;) {
      if (this.buf.length < 2) return;
      let len = this.buf[1] & 0x7f, off = 2;
      if (len === 126) { if (this.buf.length < 4) return; len = this.buf.readUInt16BE(2); off = 4; }
      else if (len === 127) { if (this.buf.length < 10) return; len = Number(this.buf.readBigUInt64BE(2)); off = 10; }
      if (this.buf.length < off + len) return;
      const op = this.buf[0] & 0x0f, payload = this.buf.subarray(off, off + len);
      this.buf = this.buf.subarray(off + len);
      if (op === 1) this.push(JSON.parse(payload.toString("utf8")));
      else if (op === 8) this.closeCode = len >= 2 ? payload.readUInt16BE(0) : 0;
    }
  }

  push(m) {
    const w = this.waiters.shift();
    if (w) w(m); else this.messages.push(m);
  }

  gone() {
    if (this.closed) return;
    this.closed = true;
    this.closeTime = Date.now() - this.start;
    for (const w of this.waiters.splice(0)) w(null);
    this.opened(this);
  }

  next(timeoutMs = 20000) {
    if (this.messages.length) return Promise.resolve(this.messages.shift());
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve("timeout"), timeoutMs);
      this.waiters.push((m) => { clearTimeout(t); resolve(m); });
    });
  }

  frame(text) {
    const payload = Buffer.from(text, "utf8"), mask = crypto.randomBytes(4);
    let head;
    if (payload.length < 126) head = Buffer.from([0x81, 0x80 | payload.length]);
    else if (payload.length < 65536) { head = Buffer.alloc(4); head[0] = 0x81; head[1] = 0x80 | 126; head.writeUInt16BE(payload.length, 2); }
    else { head = Buffer.alloc(10); head[0] = 0x81; head[1] = 0x80 | 127; head.writeBigUInt64BE(BigInt(payload.length), 2); }
    for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3];
    return Buffer.concat([head, mask, payload]);
  }

  send(obj) { return this.sock.write(this.frame(typeof obj === "string" ? obj : JSON.stringify(obj))); }
  async request(obj, timeoutMs) { this.send(obj); return this.next(timeoutMs); }
  close() { this.sock.destroy(); }
  // Open: upgraded, not closed, and it answered its first message.
  get live() { return this.upgraded && !this.closed; }
}

// ---- probe ----------------------------------------------------------------------

async function probe() {
  const c = await RawWs.open({
    addr: env.RAW_ADDR || "127.0.0.1",
    origin: env.RAW_ORIGIN,
    cookieBytes: Number(env.RAW_COOKIE_BYTES || 0),
    pipelined: env.RAW_SEND || null,
  });
  const wait = Number(env.RAW_WAIT_MS || 3000);
  const deadline = Date.now() + wait;
  while (!c.closed && Date.now() < deadline && c.messages.length < (env.RAW_SEND ? 2 : 1))
    await sleep(50);
  if (env.RAW_SEND && !c.closed) await sleep(300); // anything more
  c.close();
  console.log(JSON.stringify({
    upgraded: c.upgraded, status: c.status, messages: c.messages, bytes: c.bytes,
    closedByHost: c.closed && c.closeTime < wait, error: c.error || null,
  }));
}

// ---- flood ----------------------------------------------------------------------

async function flood() {
  const c = await RawWs.open({ origin: env.RAW_ORIGIN || ALLOWED });
  const count = Number(env.RAW_COUNT);
  const request = env.RAW_SEND || '{"id":1,"cmd":"certificates"}';
  const mark = env.RAW_MARK;
  if (!c.upgraded) {
    console.log(JSON.stringify({ upgraded: false, status: c.status }));
    return;
  }
  c.sock.pause(); // from here on, nothing is read: replies pile up
  const frame = c.frame(request);
  for (let i = 0; i < count && !c.sock.destroyed; i++) {
    if (!c.sock.write(frame)) await new Promise((r) => { c.sock.once("drain", r); c.sock.once("close", r); });
  }
  fs.writeFileSync(`${mark}.sent`, "");
  while (!fs.existsSync(`${mark}.go`)) await sleep(100);
  c.sock.resume();
  const deadline = Date.now() + Number(env.RAW_WAIT_MS || 20000);
  let replies = 0;
  while (!c.closed && Date.now() < deadline) {
    const m = await c.next(1000);
    if (m && m !== "timeout" && m.id !== undefined) replies++;
  }
  replies += c.messages.filter((m) => m.id !== undefined).length;
  const closedByHost = c.closed;
  c.close();
  console.log(JSON.stringify({ upgraded: true, sent: count, replies, closedByHost }));
}

// ---- limits and idle (PASS/FAIL lines) ----------------------------------------------

let judged = 0;
const ok = (cond, what) => { judged++; console.log(`${cond ? "PASS" : "FAIL"}\t${what}`); };

// Opens n connections of origin at once; each counts when it answered
// (the hello, whatever its form) and is still open.
async function openMany(origin, n) {
  const conns = await Promise.all(Array.from({ length: n }, () => RawWs.open({ origin })));
  await Promise.all(conns.map((c) => (c.upgraded ? c.next(10000) : null)));
  return conns;
}
const liveCount = (conns) => conns.filter((c) => c.live).length;
// The reply to request id: a hello (with or without a version) that comes
// first, e.g. once the user allowed the origin, is skipped.
async function reply(c, id, timeoutMs = 20000) {
  for (;;) {
    const m = await c.next(timeoutMs);
    if (m === null || m === "timeout" || m.id === id) return m;
  }
}

async function limits() {
  const unknown = "https://many.kyso.test";
  const first = await openMany(unknown, 16);
  ok(liveCount(first) === 16, `16 connections of one unknown origin are served (${liveCount(first)})`);
  let extra = await RawWs.open({ origin: unknown });
  ok(!extra.upgraded, `the 17th connection of that origin is refused at the handshake (status ${extra.status})`);
  extra.close();
  let portal = await RawWs.open({ origin: ALLOWED });
  ok(portal.upgraded && (await portal.next(5000)) !== null, "an allowed origin still connects");
  portal.close();
  first.forEach((c) => c.close());
  await sleep(300);

  // 28 origins x 16 = 448 = every slot origins that are not allowed may use
  const t0 = Date.now();
  const all = [];
  for (let k = 0; k < 28; k += 7) {
    const batch = await Promise.all(Array.from({ length: 7 }, (_, i) => openMany(`https://o${k + i}.kyso.test`, 16)));
    all.push(...batch.flat());
  }
  ok(liveCount(all) === 448, `448 connections of 28 unknown origins are served (${liveCount(all)})`);
  extra = await RawWs.open({ origin: "https://one-more.kyso.test" });
  ok(!extra.upgraded, "a new unknown origin is refused once 448 slots are used");
  extra.close();
  const portals = await openMany(ALLOWED, 20);
  ok(liveCount(portals) === 20, `20 connections of the allowed origin still get the kept slots (${liveCount(portals)})`);
  portals[0].send({ id: 1, cmd: "certificates" });
  const r = await reply(portals[0], 1);
  ok(r && r.result && r.result.certificates.length > 0, "and are answered");
  ok(liveCount(all) === 448 && Date.now() - t0 < 9000,
    `the unknown ones were still open: refused for the cap, not closed as idle (${Date.now() - t0} ms)`);
  portals.forEach((c) => c.close());
  all.forEach((c) => c.close());
}

async function idle() {
  const idleSeconds = Number(env.RAW_IDLE_SECONDS || 10);
  const unknown = await RawWs.open({ origin: "https://idle.kyso.test" });
  const waiting = await RawWs.open({ origin: "https://prompted.kyso.test" });
  const portal = await RawWs.open({ origin: ALLOWED });
  ok(unknown.upgraded && portal.upgraded && waiting.upgraded, "three connections open");
  await Promise.all([unknown.next(5000), portal.next(5000), waiting.next(5000)]);
  // prompted: its request opens the first-use prompt, which the scripted
  // pinentry holds open past the idle time before answering "always"
  waiting.send({ id: 1, cmd: "certificates" });
  const deadline = Date.now() + (idleSeconds + 8) * 1000;
  while (!unknown.closed && Date.now() < deadline) await sleep(100);
  ok(unknown.closed, `the idle unknown origin is closed (after ${unknown.closeTime} ms)`);
  ok(unknown.closeTime >= (idleSeconds - 1) * 1000, `not before the idle time (${unknown.closeTime} ms)`);
  ok(portal.live, "the allowed origin's idle connection stays");
  ok(!waiting.closed, "an unknown origin whose request waits for the user stays");
  const r = await reply(waiting, 1, 30000);
  ok(r && r.id === 1 && r.result, `its request is answered once the user allows it (${JSON.stringify(r).slice(0, 80)})`);
  portal.send({ id: 2, cmd: "certificates" });
  const r2 = await reply(portal, 2);
  ok(r2 && r2.result, "the allowed connection still answers");
  portal.close();
  waiting.close();
}

const mode = process.argv[2];
try {
  if (mode === "probe") await probe();
  else if (mode === "flood") await flood();
  else if (mode === "limits") await limits();
  else if (mode === "idle") await idle();
  else { console.error("usage: ws_raw_client.mjs probe|flood|limits|idle"); process.exit(2); }
} catch (e) {
  console.log(`FAIL\texception ${String(e.stack).replace(/\s+/g, " ")}`);
}
process.exit(0);
