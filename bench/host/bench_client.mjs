// bench_client.mjs BATCH ROUNDS ATTRS RAW_SIGN ARGS...: times `sign`
// batches through the websocket and compares, round by round, with the raw
// times of RAW_SIGN ARGS (tests/host/host_raw_sign, run just before each
// batch so both sides of a ratio see the same machine load): the signing
// loop alone, and a whole PKCS#11 session (load, login, sign).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
const require = createRequire(new URL("../../tests/host/package.json", import.meta.url));
const WebSocket = require("ws");

const [batch, rounds] = process.argv.slice(2, 4).map(Number);
const attrs = fs.readFileSync(process.argv[4]).toString("base64");
const [rawSign, ...rawArgs] = process.argv.slice(5);
const raw = [];
const session = [];
const rawRound = () => {
  const [loop, whole] = execFileSync(rawSign, rawArgs, { encoding: "utf8" }).trim().split(" ").map(Number);
  raw.push(loop);
  session.push(whole);
};
const env = process.env;
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };

const ws = new WebSocket(`ws://127.0.0.1:${env.KYSO_HOST_PORT}/`, { origin: "https://portal.kyso.test" });
const inbox = [];
let wake = null;
ws.on("message", (d) => { inbox.push(JSON.parse(d)); if (wake) { wake(); wake = null; } });
const next = async () => { while (!inbox.length) await new Promise((r) => (wake = r)); return inbox.shift(); };
await new Promise((r) => ws.on("open", r));
await next();
ws.send(JSON.stringify({ id: 0, cmd: "certificates" }));
const certs = (await next()).result.certificates;
const cert = certs.find((c) => !c.ca);
const docs = Array.from({ length: batch }, (_, i) => ({ signedAttributes: attrs, name: `doc-${i}.pdf` }));
const host = [];
for (let r = 0; r < rounds; r++) {
  rawRound();
  const t0 = process.hrtime.bigint();
  ws.send(JSON.stringify({ id: r + 1, cmd: "sign", certificate: cert.id, documents: docs }));
  const reply = await next();
  if (!reply.result) { console.error(JSON.stringify(reply)); process.exit(1); }
  host.push(Number(process.hrtime.bigint() - t0) / 1e9);
}
ws.close();
const ratios = host.map((h, i) => raw[i] / h);
const added = host.map((h, i) => ((h - raw[i]) / batch) * 1000);
console.log(`websocket: ${(batch / median(host)).toFixed(1)} signatures/s (median of ${rounds} batches of ${batch}, incl. consent dialog)`);
console.log(`raw PKCS#11: ${(batch / median(raw)).toFixed(1)} signatures/s`);
console.log(`median ratio host/raw signing loop: ${median(ratios).toFixed(3)} (target >= 0.8)`);
console.log(`raw PKCS#11 session (load, login, ${batch} signatures): ${(batch / median(session)).toFixed(1)} signatures/s`);
console.log(`median ratio host/raw session: ${median(host.map((h, i) => session[i] / h)).toFixed(3)}`);
console.log(`p50 added latency per signature: ${median(added).toFixed(3)} ms (target < 2 ms)`);
