// bench.mjs - the verifier page (build/web/verify.html) in headless
// Chromium: time from dropping a PDF to the verdict shown. For each run, a
// new page loads verify.html (a new kyso Worker and pdf.js worker: what a
// user gets), is told to trust ROOT, gets the file's bytes (fetched before
// the clock starts), then the clock starts, the file is dropped on the drop
// zone, and the clock stops when the overall verdict is in the DOM and a
// frame has been painted after it. Also: drop to all page placeholders laid
// out, and the page's own marks (kyso:file -> kyso:verdict).
// Prints one JSON object: { runs, verdictMs: [...], pagesMs: [...],
// indication }.
//
//   node bench.mjs WEB_DIR PDF ROOT_PEM RUNS
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..', '..');
const { chromium } = await import(
  path.join(REPO, 'tests', 'web', 'node_modules', 'playwright-core', 'index.mjs'));
const CHROMIUM = process.env.BENCH_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const [web, pdf, root, runsArg] = process.argv.slice(2);
if (!root) {
  console.error('usage: bench.mjs WEB_DIR PDF ROOT_PEM RUNS');
  process.exit(2);
}
const runs = Number(runsArg ?? 7);

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const port = await freePort();
const server = spawn(process.execPath, [path.join(REPO, 'web', 'serve.mjs'), web, String(port)],
  { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((r) => server.stdout.once('data', r));
const base = `http://127.0.0.1:${port}`;
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'kyso-bench-verify-page-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM, headless: true, args: FLAGS });
const out = { runs, verdictMs: [], pagesMs: [], markMs: [], stages: [], indication: null };
try {
  for (let i = 0; i < runs; i++) {
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    // The input is served at a URL only this driver knows (not in WEB_DIR).
    await page.route(`${base}/__bench/input.pdf`, (r) => r.fulfill({ path: pdf, contentType: 'application/pdf' }));
    await page.goto(`${base}/verify.html`);
    await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 30000 });
    await page.setInputFiles('#trust-input', root);
    const r = await page.evaluate(async () => {
      const bytes = await (await fetch('/__bench/input.pdf')).arrayBuffer();
      const file = new File([bytes], 'input.pdf', { type: 'application/pdf' });
      const dt = new DataTransfer();
      dt.items.add(file);
      const zone = document.getElementById('drop-zone');
      const shown = new Promise((resolve) => {
        const done = () => requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now())));
        const mo = new MutationObserver(() => {
          if (document.getElementById('overall-verdict')) {
            mo.disconnect();
            done();
          }
        });
        mo.observe(document.getElementById('report-body'), { childList: true, subtree: true });
      });
      const t0 = performance.now();
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      const t1 = await shown;
      while (!['done', 'error'].includes(document.body.dataset.state))
        await new Promise((res) => setTimeout(res, 5));
      const t2 = performance.now();
      const m = window.kysoVerifier.timings();
      // Stages (ms from the drop): the Worker's progress messages arrive on
      // the page's main thread, so each is when the page heard of it.
      const rel = (x) => (x === undefined ? null : x - m.file);
      return { verdict: t1 - t0, pages: t2 - t0, mark: m.verdict - m.file,
        stages: { read: rel(m.read), copy: rel(m.copy), hash: rel(m.hash), verify: rel(m.verify), done: rel(m.done), verdict: rel(m.verdict) },
        indication: document.querySelector('.overall')?.dataset.indication };
    });
    out.verdictMs.push(r.verdict);
    out.pagesMs.push(r.pages);
    out.markMs.push(r.mark);
    out.stages.push(r.stages);
    out.indication = r.indication;
    await page.close();
  }
} finally {
  await context.close();
  server.kill();
  fs.rmSync(profile, { recursive: true, force: true });
}
console.log(JSON.stringify(out));
