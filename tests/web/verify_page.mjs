// verify_page.mjs - drives the verifier page (build/web/verify.html) in
// headless Chromium (the system's, through playwright-core) for
// tests/web/verify_page_test.sh. Serves the web dir with web/serve.mjs on a
// free loopback port, then for each case of CONFIG in a fresh page:
//
//   load verify.html?at=AT, wait until the page says it is ready; from then
//   on every request is recorded (and any to another origin aborted);
//   add the trust anchors through the "add trust anchor" input; drop the
//   PDF on the drop zone (a DataTransfer built in the page: no request);
//   check the verdict and the reasons in Vietnamese, screenshot; click the
//   signature, check the highlight is visible and inside its page's canvas,
//   screenshot; save the JSON report (a download); the print stylesheet;
//   switch to English, check again, screenshot; no request after load.
//
// Prints one line per judged assertion, "PASS\tmessage" or "FAIL\tmessage".
// A case with "negative": true is a control that must fail: it prints one
// PASS when at least one of its assertions failed, else one FAIL.
//
//   node verify_page.mjs CONFIG.json
//   CONFIG: { web, at, out, cases: [{ name, file, trust: [PEM...], field, count?,
//     indication, vi: { verdict, why: [..], texts: [..] }, en: {...},
//     highlight: PAGE|null, via?: 'pick', error?: true (vi/en: { error }),
//     leak?: 'page'|'worker', negative? }] }
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SERVE = path.join(HERE, '..', '..', 'web', 'serve.mjs');
const CHROMIUM = process.env.KYSO_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TIMEOUT = 30000;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startServer(root) {
  const port = await freePort();
  const child = spawn(process.execPath, [SERVE, root, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    child.once('exit', (c) => reject(new Error(`serve.mjs exited (${c})`)));
    child.stdout.once('data', resolve); // its "serving" line: listening
  });
  return { child, base: `http://127.0.0.1:${port}` };
}

// Assertions of one case: collected, printed at the end of the case.
class Judge {
  constructor(name) {
    this.name = name;
    this.results = [];
  }
  ok(cond, msg) {
    this.results.push([!!cond, `${this.name}: ${msg}`]);
    return !!cond;
  }
  eq(want, got, msg) {
    return this.ok(want === got, `${msg} (want ${JSON.stringify(want)}, got ${JSON.stringify(got)})`);
  }
  has(hay, needle, msg) {
    return this.ok(typeof hay === 'string' && hay.includes(needle),
      `${msg} (want ${JSON.stringify(needle)} in ${JSON.stringify((hay ?? '').slice(0, 300))})`);
  }
}

// The texts a language must show for a case.
async function checkTexts(page, c, lang, j) {
  const want = c[lang];
  if (c.count) j.eq(c.count, await page.locator('.sig').count(), `${lang}: every signature listed`);
  const card = page.locator(`.sig[data-field="${c.field}"]`);
  j.eq(1, await card.count(), `${lang}: one card for ${c.field}`);
  j.eq(want.verdict, (await page.locator('#overall-verdict').textContent())?.trim(), `${lang}: overall verdict`);
  j.eq(want.verdict, (await card.locator('.verdict').textContent())?.trim(), `${lang}: signature verdict`);
  j.eq(c.indication, await card.locator('.verdict').getAttribute('data-indication'), `${lang}: indication`);
  const why = (await card.locator('.why-text').count()) ? await card.locator('.why-text').textContent() : '';
  if (!want.why.length) j.eq('', why, `${lang}: no reason shown for a valid signature`);
  for (const w of want.why) j.has(why, w, `${lang}: reason`);
  const text = await card.innerText();
  for (const s of want.texts ?? []) j.has(text, s, `${lang}: card shows`);
}

// Drops FILE on the drop zone: a File built in the page from the bytes
// (dragover, then drop), as a user's drag from the file manager.
async function dropFile(page, file) {
  const b64 = fs.readFileSync(file).toString('base64');
  await page.evaluate(({ b64, name }) => {
    const bin = atob(b64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], name, { type: 'application/pdf' }));
    const zone = document.getElementById('drop-zone');
    zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, { b64, name: path.basename(file) });
}

async function runCase(context, base, cfg, c) {
  const j = new Judge(c.name);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  let loaded = false;
  const after = []; // requests after load
  // Requests of the page and of its Workers (the context sees both).
  const onRequest = (r) => { if (loaded) after.push(r.url()); };
  context.on('request', onRequest);
  // Nothing may reach another origin, even during load.
  await page.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith(base + '/')) return route.continue();
    after.push(`BLOCKED ${u}`);
    return route.abort();
  });
  const out = path.join(cfg.out, c.name);
  try {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${base}/verify.html?at=${encodeURIComponent(cfg.at)}`);
    await page.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: TIMEOUT });
    j.eq('ready', await page.evaluate(() => document.body.dataset.state), 'page ready');
    j.eq('vi', await page.evaluate(() => document.documentElement.lang), 'Vietnamese by default');
    // Let anything the load started finish before the watch begins.
    await page.waitForLoadState('networkidle');
    loaded = true;

    if (c.trust?.length) await page.setInputFiles('#trust-input', c.trust);
    // Progress shown while verifying.
    await page.evaluate(() => {
      window.__progressSeen = false;
      const box = document.getElementById('progress-box');
      new MutationObserver(() => { if (!box.hidden) window.__progressSeen = true; })
        .observe(box, { attributes: true });
    });
    if (c.via === 'pick') {
      // The "choose a PDF" button's input.
      await page.setInputFiles('#file-input', c.file);
    } else {
      // Drop the file: a File built in the page from the test's bytes.
      await dropFile(page, c.file);
    }
    await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state), null, { timeout: TIMEOUT });
    if (c.error) {
      j.eq('error', await page.evaluate(() => document.body.dataset.state), 'the page reports an error');
      j.has(await page.locator('#error').textContent(), c.vi.error, 'vi: error shown');
      j.ok(await page.locator('#error').isVisible(), 'error visible');
      j.eq(0, await page.locator('.sig').count(), 'no signature listed');
      j.ok(await page.locator('#save-json').isDisabled(), 'nothing to save');
      await page.screenshot({ path: `${out}.vi.png` });
      await page.click('#lang');
      j.has(await page.locator('#error').textContent(), c.en.error, 'en: error shown');
      await page.screenshot({ path: `${out}.en.png` });
      const leaks = after.filter((u) => !u.startsWith('blob:') && !u.startsWith('data:'));
      j.ok(leaks.length === 0, `no request after load (${leaks.length ? leaks.join(' ') : 'none'})`);
      j.eq(0, errors.length, `no page errors (${errors.join('; ')})`);
      return verdictOf(c, j); // the page is closed by the finally below
    }
    j.eq('done', await page.evaluate(() => document.body.dataset.state), 'verification finished');
    j.ok(await page.evaluate(() => window.__progressSeen), 'progress shown while verifying');
    j.ok(await page.locator('.pdf-page canvas').count() > 0, 'pages laid out');
    // Page 1 drawn by pdf.js: enough dark pixels (text) on its canvas.
    const ink = await page.evaluate(async () => {
      const div = document.querySelector('.pdf-page[data-page="1"]');
      for (let i = 0; i < 100 && !div?.dataset.rendered; i++) await new Promise((r) => setTimeout(r, 50));
      const c = div?.querySelector('canvas');
      if (!c || !c.width) return 0;
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] < 384 && d[i + 3] > 0) n++;
      return n;
    });
    j.ok(ink > 500, `page 1 rendered with text (${ink} dark pixels)`);
    const note = await page.locator('#trust-anchors').textContent();
    j.has(note, 'RootCA chuyên dùng Chính phủ', 'the bundled roots are named');
    for (const t of c.trust ?? []) j.has(note, path.basename(t), 'the added trust anchor is named');
    j.has(await page.locator('#validation-time').textContent(), cfg.at.replace(/Z$/, ''), 'the validation time is shown');

    await checkTexts(page, c, 'vi', j);
    await page.evaluate(() => document.getElementById('report').scrollTo(0, 0));
    await page.screenshot({ path: `${out}.vi.png` });

    // Click the signature: its widget is outlined on its page.
    await page.locator(`.sig[data-field="${c.field}"] .sig-head`).click();
    if (c.highlight) {
      const h = page.locator(`.sig-highlight[data-field="${c.field}"]`);
      await h.waitFor({ state: 'visible', timeout: 5000 }).catch(() => {});
      j.ok(await h.isVisible(), 'highlight visible after the click');
      const hb = await h.boundingBox();
      const cb = await page.locator(`.pdf-page[data-page="${c.highlight}"] canvas`).boundingBox();
      const inside = hb && cb && hb.width > 4 && hb.height > 4 && hb.x >= cb.x - 1 && hb.y >= cb.y - 1 &&
        hb.x + hb.width <= cb.x + cb.width + 1 && hb.y + hb.height <= cb.y + cb.height + 1;
      j.ok(inside, `highlight inside page ${c.highlight}'s canvas (${JSON.stringify(hb)} in ${JSON.stringify(cb)})`);
      const vp = page.viewportSize();
      j.ok(hb && hb.y >= 0 && hb.y + hb.height <= vp.height, 'highlight scrolled into view');
      await page.screenshot({ path: `${out}.highlight.png` });
    } else {
      await page.waitForTimeout(300);
      j.eq(0, await page.locator('.sig-highlight').count(), 'no highlight for an invisible signature');
      j.has(await page.locator(`.sig[data-field="${c.field}"] .locate-note`).textContent(), 'không hiển thị',
        'says the signature is invisible');
    }

    // Save JSON: a download (from a blob: URL).
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 10000 }),
      page.click('#save-json')]);
    await download.saveAs(`${out}.download.json`);
    j.ok(download.url().startsWith('blob:'), `the report is saved from a blob: URL (${download.url()})`);

    // Print: the report only.
    await page.emulateMedia({ media: 'print' });
    j.eq('none', await page.evaluate(() => getComputedStyle(document.getElementById('viewer')).display),
      'print: pages hidden');
    j.ok(await page.locator('.sig').first().isVisible(), 'print: report shown');
    await page.emulateMedia({ media: 'screen' });

    // English.
    await page.click('#lang');
    j.eq('en', await page.evaluate(() => document.documentElement.lang), 'English after the switch');
    await checkTexts(page, c, 'en', j);
    await page.evaluate(() => document.getElementById('report').scrollTo(0, 0));
    await page.screenshot({ path: `${out}.en.png` });

    // Negative controls: a request from the page, or from a Worker.
    if (c.leak === 'page') await page.evaluate((u) => fetch(u).catch(() => {}), `${base}/verify.css?leak`);
    if (c.leak === 'worker') {
      await page.evaluate((u) => {
        const src = `fetch(${JSON.stringify(u)}).catch(() => {})`;
        new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })));
      }, `${base}/verify.css?worker-leak`);
      await page.waitForTimeout(500);
    }
    await page.waitForTimeout(200);
    const leaks = after.filter((u) => !u.startsWith('blob:') && !u.startsWith('data:'));
    j.ok(leaks.length === 0, `no request after load (${leaks.length ? leaks.join(' ') : 'none'})`);
    j.eq(0, errors.length, `no page errors (${errors.join('; ')})`);
  } catch (e) {
    j.ok(false, `driver: ${e.message.split('\n')[0]}`);
    await page.screenshot({ path: `${out}.failure.png` }).catch(() => {});
  } finally {
    context.off('request', onRequest);
    await page.close();
  }
  return verdictOf(c, j);
}

// A case's results; a negative control passes when something failed.
function verdictOf(c, j) {
  if (!c.negative) return j.results;
  const failed = j.results.filter(([ok]) => !ok).map(([, m]) => m);
  return [[failed.length > 0, `${c.name}: negative control fails as it must` +
    (failed.length ? ` (${failed[0]})` : ': every assertion passed')]];
}

const cfg = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
fs.mkdirSync(cfg.out, { recursive: true });
const server = await startServer(cfg.web);
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'kyso-verify-page-'));
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: FLAGS, acceptDownloads: true,
  });
  for (const c of cfg.cases) {
    for (const [ok, msg] of await runCase(context, server.base, cfg, c))
      console.log(`${ok ? 'PASS' : 'FAIL'}\t${msg.replace(/\s+/g, ' ')}`);
  }
} finally {
  await context?.close();
  server.child.kill();
  fs.rmSync(profile, { recursive: true, force: true });
}
