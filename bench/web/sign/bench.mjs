// bench.mjs - the demo portal (build/web/demo) in headless Chromium against
// kyso-host (websocket, SoftHSM2, scripted pinentry answering at once): time
// from clicking "Ký" to the signed file ready. For each run a new page loads
// the demo (new kyso Worker, new websocket: what a user gets), the PDF is
// picked and the signature box dragged, then the clock starts at the click.
// Two clocks: the page's own (performance.now() in the click handler to
// the signed bytes back from kyso.js: window.kysoDemo.lastSignMs, with the
// prepare / host / finish split from kyso.js's progress marks) and the
// driver's (click sent to the download link enabled in the DOM).
// Prints one JSON object: { runs, input, bytes, pageMs, driverMs,
// prepareMs, hostMs, finishMs }.
//
//   node bench.mjs BASE_URL HOST_PORT PDF RUNS
import fs from 'node:fs';
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
const TIMEOUT_MS = 120000;

const [base, hostPort, pdf, runsArg] = process.argv.slice(2);
if (!pdf) {
  console.error('usage: bench.mjs BASE_URL HOST_PORT PDF RUNS');
  process.exit(2);
}
const runs = Number(runsArg ?? 7);

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'kyso-bench-sign-page-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1400, height: 1400 } });
const out = { runs, input: path.basename(pdf), bytes: fs.statSync(pdf).size,
  pageMs: [], driverMs: [], prepareMs: [], hostMs: [], finishMs: [] };
try {
  for (let i = 0; i < runs; i++) {
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await page.goto(`${base}/demo/?port=${hostPort}`);
    await page.waitForSelector('body[data-ready="1"]', { timeout: TIMEOUT_MS });
    await page.setInputFiles('#pdf-file', pdf);
    await page.waitForFunction(() => /Trang 1 \//.test(document.getElementById('page-label').textContent),
      null, { timeout: TIMEOUT_MS });
    // The box of the tests: [340, 80, 180, 70] on an A4 page.
    const box = await page.locator('#page-canvas').boundingBox();
    const s = box.height / 842;
    await page.mouse.move(box.x + 340 * s, box.y + (842 - 150) * s);
    await page.mouse.down();
    await page.mouse.move(box.x + 520 * s, box.y + (842 - 80) * s, { steps: 3 });
    await page.mouse.up();
    await page.waitForFunction(() => !document.getElementById('sign-personal').disabled);

    const t0 = Date.now();
    await page.click('#sign-personal');
    await page.waitForSelector('#download:not(.disabled), #message.error', { timeout: TIMEOUT_MS });
    const driver = Date.now() - t0;
    await page.waitForSelector('#message.ok, #message.error', { timeout: TIMEOUT_MS });
    const msg = await page.locator('#message').innerText();
    if (!(await page.locator('#message.ok').count())) throw new Error(`run ${i + 1}: ${msg}`);
    const { ms, m } = await page.evaluate(() => ({ ms: window.kysoDemo.lastSignMs, m: window.kysoDemo.lastMarks }));
    out.pageMs.push(ms);
    out.driverMs.push(driver);
    out.prepareMs.push(m.sign - m.click);
    out.hostMs.push(m.finish - m.sign);
    out.finishMs.push(m.done - m.finish);
    await page.close();
  }
} finally {
  await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
console.log(JSON.stringify(out));
