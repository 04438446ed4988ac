// bench_browser.mjs - bench/wasm in headless Chromium (the system's, driven
// by playwright-core): a static server on 127.0.0.1 serves the module
// (DIST), the bench page (page/, measure.mjs) and the inputs (WORKDIR); for
// each size a fresh browser with a fresh profile loads the page, which runs
// measure.mjs, so every size's first load is cold (no HTTP or code cache).
// The page asks this driver to sign (it holds the key, as kyso-host would).
// Prints one JSON object: { LABEL: measure.mjs's result + rendererPeak (the
// largest VmHWM of the profile's renderer processes: the page and its
// worker live in one) }.
//
//   node bench_browser.mjs DIST WORKDIR PKI_DIR RUNS LABEL:SIGNED:UNSIGNED...
//   (SIGNED and UNSIGNED: file names inside WORKDIR)
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CHROMIUM = process.env.BENCH_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const MIME = { '.wasm': 'application/wasm', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.html': 'text/html; charset=utf-8', '.json': 'application/json', '.pdf': 'application/pdf' };

// ---- static server -------------------------------------------------------------

// URL prefix -> directory. Nothing outside these directories is served.
function startServer(roots) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const prefix = Object.keys(roots).find((p) => url.pathname.startsWith(p));
    const file = prefix && path.join(roots[prefix], decodeURIComponent(url.pathname.slice(prefix.length)));
    if (!file || !file.startsWith(roots[prefix] + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream',
      'Content-Length': fs.statSync(file).size });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// ---- memory of the browser's renderers --------------------------------------------

// The largest peak RSS (VmHWM, KiB -> bytes) among renderer processes
// started with this profile directory.
function rendererPeak(profile) {
  let peak = 0;
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (!cmd.includes('--type=renderer') || !cmd.includes(`--user-data-dir=${profile}`)) continue;
      const hwm = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (hwm) peak = Math.max(peak, Number(hwm[1]) * 1024);
    } catch {
      // the process ended while we looked
    }
  }
  return peak;
}

// ---- one size in one fresh browser -----------------------------------------------

const pemCerts = (file) =>
  (fs.readFileSync(file, 'utf8').match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [])
    .map((b) => b.replace(/-----[^-]+-----|\s/g, ''));

async function benchOneSize(base, pki, runs, signed, unsigned) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'kyso-bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
  try {
    const page = context.pages()[0] ?? await context.newPage();
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') console.error(`page console: ${m.text()}`); });
    // RSA PKCS#1 v1.5 over the DER SignedAttributes, what the token does.
    const key = crypto.createPrivateKey(fs.readFileSync(path.join(pki, 'person-rsa2048.key')));
    await page.exposeFunction('benchSign', (b64) =>
      crypto.sign('sha256', Buffer.from(b64, 'base64'), key).toString('base64'));
    await page.goto(`${base}/bench/page/index.html`);
    await page.waitForFunction(() => window.benchReady === true);
    const [certificate] = pemCerts(path.join(pki, 'person-rsa2048.pem'));
    const result = await page.evaluate((cfg) => window.runBench(cfg), {
      signed: `/files/${signed}`, unsigned: `/files/${unsigned}`, certificate,
      chain: pemCerts(path.join(pki, 'chain.pem')),
      trustAnchor: fs.readFileSync(path.join(pki, 'root.pem'), 'utf8'), runs,
    });
    return { ...result, rendererPeak: rendererPeak(profile) };
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

const [dist, work, pki, runs, ...cases] = process.argv.slice(2);
if (!cases.length) {
  console.error('usage: bench_browser.mjs DIST WORKDIR PKI_DIR RUNS LABEL:SIGNED:UNSIGNED...');
  process.exit(2);
}
const server = await startServer({ '/dist/': path.resolve(dist), '/bench/': HERE, '/files/': path.resolve(work) });
const base = `http://127.0.0.1:${server.address().port}`;
const results = {};
try {
  for (const c of cases) {
    const [label, signed, unsigned] = c.split(':');
    results[label] = await benchOneSize(base, pki, Number(runs), signed, unsigned);
  }
} finally {
  server.close();
}
console.log(JSON.stringify(results));
