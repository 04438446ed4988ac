// bench.mjs WEB_URL ROUNDS BATCH PDF: the same page code (tests/extension/
// page: kyso.signPdfs) signs a batch of BATCH copies of PDF through the
// kyso extension (native messaging: one kyso-host process per request) and
// through kyso-host's websocket, same token, same Chromium, alternating
// which goes first each round. Prints the medians, each road's throughput,
// their ratio (target >= 0.9) and the added milliseconds per batch (target
// < 50 ms). A benchmark: it asserts nothing about time.
//
// Environment: as tests/extension/chromium_e2e.mjs (EXT_DIR, EXT_ID,
// NM_WRAPPER, KYSO_HOST_PORT, KYSO_PINENTRY_*, PKI_PERSON_CN).
import fs from 'node:fs';
import { launchWithExtension, openTestPage, call } from '../../tests/extension/chromium_e2e.mjs';

const env = process.env;
const [url, roundsArg, batchArg, pdfPath] = process.argv.slice(2);
const rounds = Number(roundsArg);
const batch = Number(batchArg);
const pdf = fs.readFileSync(pdfPath).toString('base64');
const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const b = await launchWithExtension({ extDir: env.EXT_DIR, extId: env.EXT_ID, wrapper: env.NM_WRAPPER });
try {
  const page = await openTestPage(b.context, url);
  const certs = {};
  for (const transport of ['extension', 'websocket']) {
    const c = await call(page, 'connect', { transport });
    if (c.transport !== transport) throw new Error(`connect ${transport}: ${JSON.stringify(c)}`);
    const l = await call(page, 'certificates');
    certs[transport] = l.certificates?.find((x) => x.commonName === env.PKI_PERSON_CN)?.id;
    if (!certs[transport]) throw new Error(`certificates ${transport}: ${JSON.stringify(l)}`);
  }
  const run = async (transport) => {
    const c = await call(page, 'connect', { transport });
    if (c.transport !== transport) throw new Error(`connect ${transport}: ${JSON.stringify(c)}`);
    const r = await call(page, 'batch', pdf, batch, { certificate: certs[transport], profile: 'personal' });
    if (r.error || r.sizes.length !== batch) throw new Error(`${transport} batch: ${JSON.stringify(r)}`);
    return r.ms;
  };
  // Warm-up: the WASM module, the token, the page cache.
  await run('websocket');
  await run('extension');
  // One request alone (certificates, no dialog): the round trip of each road.
  const rt = { extension: [], websocket: [] };
  for (let i = 0; i < rounds; i++) {
    for (const transport of i % 2 ? ['extension', 'websocket'] : ['websocket', 'extension']) {
      await call(page, 'connect', { transport });
      rt[transport].push((await call(page, 'certificates')).ms);
    }
  }
  const ext = [];
  const ws = [];
  for (let i = 0; i < rounds; i++) {
    if (i % 2) { ext.push(await run('extension')); ws.push(await run('websocket')); }
    else { ws.push(await run('websocket')); ext.push(await run('extension')); }
  }
  const e = median(ext);
  const w = median(ws);
  const added = median(ext.map((x, i) => x - ws[i]));
  const f = (ms) => `${ms.toFixed(0).padStart(6)} ms`;
  console.log(`${batch}-document batch (${(fs.statSync(pdfPath).size / 1e3).toFixed(0)} kB each), ` +
    `kyso.signPdfs in headless Chromium, median of ${rounds} rounds`);
  console.log(`  websocket  ${f(w)}   ${(batch / (w / 1000)).toFixed(1)} documents/s`);
  console.log(`  extension  ${f(e)}   ${(batch / (e / 1000)).toFixed(1)} documents/s`);
  console.log(`  throughput ratio extension/websocket: ${(w / e).toFixed(3)} (target >= 0.9)`);
  console.log(`  added per batch through the extension: ${added.toFixed(1)} ms (median of per-round differences; target < 50 ms)`);
  console.log(`  one certificates request: websocket ${median(rt.websocket).toFixed(1)} ms, ` +
    `extension ${median(rt.extension).toFixed(1)} ms (a kyso-host process per request)`);
  console.log(`  runs websocket (ms): ${ws.map((x) => x.toFixed(0)).join(' ')}`);
  console.log(`  runs extension (ms): ${ext.map((x) => x.toFixed(0)).join(' ')}`);
} finally {
  await b.close();
}
