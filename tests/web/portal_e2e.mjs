// portal_e2e.mjs - the browser half of web.portal_e2e: the demo portal
// (web/demo) in headless Chromium against the real kyso-host (websocket,
// SoftHSM2 tokens, scripted pinentry). It drives the page as a user would
// (file picker, drag on the rendered page, buttons, download link) and
// checks what the user sees; the shell test judges the downloaded file with
// pdfsig and kyso verify. One "PASS\tmessage" / "FAIL\tmessage" per check.
//
//   node portal_e2e.mjs sign OUTDIR       errors a user can cause (cancel,
//                                         wrong PIN), then leader (signature,
//                                         number and date boxes) + clerk
//                                         (seal placed by kyso, number and
//                                         date typed); OUTDIR/signed.pdf,
//                                         OUTDIR/rects.json, OUTDIR/*.png
//   node portal_e2e.mjs rotated OUTDIR    the same on OUTDIR/rot90.pdf (a
//                                         /Rotate 90 page), then an
//                                         electronic copy (SAO Y) of it:
//                                         OUTDIR/rotated.pdf, rotated-copy.pdf,
//                                         rects-rotated.json
//   node portal_e2e.mjs origin OUTDIR     a site not allowed, denied by the
//                                         user at the first-use prompt
//   node portal_e2e.mjs lna OUTDIR        the page as a public site: Chrome's
//                                         Local Network Access blocks loopback
//   node portal_e2e.mjs bridge OUTDIR     through a stand-in extension
//   node portal_e2e.mjs stopped OUTDIR    the host is not running (and an
//                                         extension that cannot start it)
//
// The verification code: while kyso-host's consent dialog is open (the
// scripted pinentry holds it), the code the page shows beside the document
// must be the "DDD DDD" code in the dialog's text (the pinentry log), and
// the tests' own derivation from what the signature covers (tests/lib/
// vcode.mjs); another document (the clerk's revision) shows another code.
//
// Environment: WEB_URL (http://127.0.0.1:PORT, serving build/web),
// WEB_URL_OTHER (the same server under another origin), KYSO_HOST_PORT,
// KYSO_PINENTRY_ANSWERS, KYSO_PINENTRY_LOG, FX.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { codeOf, signedDigests, dialogTexts, codesIn } from '../lib/vcode.mjs';

const env = process.env;
const STEP_TIMEOUT_MS = 60000;
const HOLD_S = 2; // how long the scripted pinentry keeps the consent dialog open
const CODE_SENTENCE = 'Đối chiếu mã kiểm tra này với mã trong hộp thoại ký của kyso';
const CODE_SENTENCE_EN = 'Compare this verification code with the code in kyso\'s signing dialog';
let failures = 0;
function check(cond, what) {
  if (!cond) failures++;
  console.log(`${cond ? 'PASS' : 'FAIL'}\t${what.replace(/\s+/g, ' ')}`);
}

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launch(extraArgs = [], viewport = { width: 1400, height: 1400 }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyso-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    acceptDownloads: true,
    viewport,
  });
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

const answers = (lines) => fs.writeFileSync(env.KYSO_PINENTRY_ANSWERS, lines.map((l) => `${l}\n`).join(''));
const pinLog = () => fs.readFileSync(env.KYSO_PINENTRY_LOG, 'utf8');
const clearLog = () => fs.writeFileSync(env.KYSO_PINENTRY_LOG, '');

async function openDemo(context, base, query = '') {
  const page = await context.newPage();
  const logs = [];
  page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
  await page.goto(`${base}/demo/?port=${env.KYSO_HOST_PORT}${query}`);
  await page.waitForSelector('body[data-ready="1"]', { timeout: STEP_TIMEOUT_MS });
  return { page, logs };
}

const messageText = (page) => page.locator('#message').innerText();

// Waits until #message has the class "ok" or "error"; its text.
async function outcome(page) {
  await page.waitForSelector('#message.ok, #message.error', { timeout: STEP_TIMEOUT_MS });
  return { ok: await page.locator('#message.ok').count() === 1, text: await messageText(page) };
}

async function clickSign(page, button) {
  await page.evaluate(() => { document.getElementById('message').className = ''; });
  await page.click(button);
  return outcome(page);
}

async function waitFor(cond, what) {
  const until = Date.now() + STEP_TIMEOUT_MS;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// What the page shows in its verification-code box.
const shownCodes = (page) => page.evaluate(() => ({
  visible: !document.getElementById('verification').hidden,
  codes: [...document.querySelectorAll('#verification-codes li')].map((li) => ({
    name: li.querySelector('.doc-name')?.textContent ?? '',
    code: li.querySelector('.verification-code')?.textContent ?? '' })),
  hint: document.getElementById('verification-hint').textContent,
}));

// Clicks a sign button with kyso-host's consent dialog held open HOLD_S
// seconds: reads the code the page shows while the dialog is open, lets
// the signing finish, and compares it with the code in the dialog's text.
// { ok, text, code } (code: what the page showed); shot: a screenshot of
// the page at that moment; sentence: the hint expected beside the code.
async function signComparing(page, button, label, fileName, shot, sentence = CODE_SENTENCE) {
  answers([`sleep:${HOLD_S}`]);
  clearLog();
  await page.evaluate(() => { document.getElementById('message').className = ''; });
  await page.click(button);
  await waitFor(() => /^CONFIRM/m.test(pinLog()), 'the consent dialog');
  const shown = await shownCodes(page);
  if (shot) await page.screenshot({ path: shot });
  const r = await outcome(page);
  const code = shown.codes[0]?.code ?? '';
  check(shown.visible && shown.codes.length === 1 && /^\d{3} \d{3}$/.test(code) &&
    shown.codes[0].name.includes(fileName) && shown.hint.includes(sentence),
  `${label}: while kyso's dialog is open the page shows the code beside ${fileName} ` +
    `(${JSON.stringify(shown.codes)}, "${shown.hint}")`);
  const dialog = dialogTexts(pinLog())[0] ?? '';
  check(code !== '' && codesIn(dialog).includes(code),
    `${label}: the page's code ${code} is the one in kyso-host's consent dialog ` +
      `("${dialog.replace(/\n/g, ' / ')}")`);
  check(!(await shownCodes(page)).visible, `${label}: the code box closes with the signing`);
  return { ...r, code, dialog };
}

// Drags box `key` (signature | number | date) so that it lands on rect
// [x, y, w, h] (points of the page as displayed, origin bottom left),
// given the displayed page height; the demo's record of that box.
async function dragRect(page, rect, pageHeightPt, key = 'signature') {
  await page.check(`#target-${key}`);
  const box = await page.locator('#page-canvas').boundingBox();
  const scale = box.height / pageHeightPt;
  const [x, y, w, h] = rect;
  const x1 = box.x + x * scale;
  const y1 = box.y + (pageHeightPt - y - h) * scale;
  await page.mouse.move(x1, y1);
  await page.mouse.down();
  await page.mouse.move(x1 + (w * scale) / 2, y1 + (h * scale) / 2, { steps: 4 });
  await page.mouse.move(x1 + w * scale, y1 + h * scale, { steps: 4 });
  await page.mouse.up();
  return page.evaluate((k) => window.kysoDemo.boxes[k], key);
}

const near = (got, want) => !!got && got.page === 1 && got.rect.every((v, i) => Math.abs(v - want[i]) <= 1);

// The leader places the three boxes: { signature, number, date } as the
// demo recorded them; one check each.
async function placeBoxes(page, rects, pageHeightPt) {
  const got = {};
  for (const key of ['signature', 'number', 'date']) {
    got[key] = await dragRect(page, rects[key], pageHeightPt, key);
    check(near(got[key], rects[key]), `the dragged ${key} box becomes [${rects[key]}] (got [${got[key]?.rect}])`);
  }
  return got;
}

// The clerk types the number and the date and seals: no rect is sent.
async function issue(page, fileName) {
  await page.fill('#doc-number', NUMBER);
  await page.fill('#issue-date', DATE);
  const r = await signComparing(page, '#sign-org', 'the clerk', fileName);
  check(r.ok && r.text.startsWith('Đã đóng dấu.'), `the clerk seals ("${r.text}")`);
  const o = await page.evaluate(() => window.kysoDemo.lastOptions);
  check(o && o.profile === 'organization' && !('rect' in o) && o.docNumber === NUMBER && o.issueDate === DATE,
    `the seal is placed by kyso (no rect), with the number and the date (${JSON.stringify(o)})`);
  return r;
}

async function download(page, file) {
  const [d] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  await d.saveAs(file);
  return d;
}

// The leader's boxes, [x, y, w, h] in points of the page as displayed;
// portal_e2e_test.sh checks the render against the same numbers.
const RECTS = { signature: [340, 80, 180, 70], number: [60, 40, 150, 18], date: [265, 40, 270, 18] };
const RECTS_ROTATED = { signature: [560, 150, 180, 70], number: [60, 90, 150, 18], date: [480, 90, 300, 18] };
const NUMBER = '123/QĐ-UBND';
const DATE = 'Tiền Giang, ngày 11 tháng 12 năm 2024';

async function signMode(out) {
  const browser = await launch();
  try {
    const { page, logs } = await openDemo(browser.context, env.WEB_URL);
    const status = await page.locator('#host-status').innerText();
    check(/Đã kết nối kyso-host 1\.\d+ \(websocket\)/.test(status), `the demo connects over the websocket ("${status}")`);
    const certs = await page.locator('#cert-leader option').allInnerTexts();
    check(certs.length === 2, `both tokens' signing certificates are listed, CAs not (${certs.join(' | ')})`);
    // The UMD build: a plain <script> gives window.Kyso, which loads kyso.js.
    await page.addScriptTag({ url: `${env.WEB_URL}/kyso.umd.js` });
    const umd = await page.evaluate(async (port) => {
      const k = await window.Kyso.connect({ port });
      const n = (await k.certificates()).length;
      await k.close();
      let code = null;
      try { await window.Kyso.connect({ port: port + 100 }); } catch (e) { code = window.Kyso.isKysoError(e) && e.code; }
      return { n, code };
    }, Number(env.KYSO_HOST_PORT));
    check(umd.n === 2 && umd.code === 'HOST_NOT_RUNNING',
      `kyso.umd.js: window.Kyso lists certificates and reports errors (${JSON.stringify(umd)})`);
    const leader = await page.locator('#cert-leader').inputValue();
    const clerk = await page.locator('#cert-clerk').inputValue();
    check(leader && clerk && leader !== clerk, 'the clerk defaults to the organization certificate');

    await page.setInputFiles('#pdf-file', path.join(env.FX, 'vn-chromium.pdf'));
    await page.waitForFunction(() => /Trang 1 \/ \d/.test(document.getElementById('page-label').textContent));
    // A4 portrait: 842 points high. The signature rect of host_roundtrip's
    // visible case; the number and date boxes below it.
    const got = await placeBoxes(page, RECTS, 842);
    await page.screenshot({ path: path.join(out, 'placed.png') });

    // The user says no in the consent dialog.
    answers(['cancel']);
    let r = await clickSign(page, '#sign-personal');
    check(!r.ok && r.text.includes('Bạn đã huỷ thao tác ký.') && r.text.includes('USER_CANCELLED'),
      `cancel in the consent dialog: the user reads "${r.text}"`);

    // A wrong PIN; the host asks again and the user gives up (cancel).
    answers(['ok', 'pin:00000000', 'cancel']);
    r = await clickSign(page, '#sign-personal');
    check(!r.ok && r.text.includes('Mã PIN không đúng.') && r.text.includes('PIN_INCORRECT'),
      `a wrong PIN: the user reads "${r.text}"`);
    check(await page.locator('#sign-personal').isEnabled(), 'the user can sign again after an error');

    // The leader signs, comparing the verification code.
    const leaderSign = await signComparing(page, '#sign-personal', 'the leader', 'vn-chromium.pdf',
      path.join(out, 'verification-code.png'));
    r = leaderSign;
    check(r.ok && r.text.startsWith('Đã ký.'), `the leader signs ("${r.text}")`);
    let log = pinLog();
    check((log.match(/^CONFIRM/gm) ?? []).length === 1 && (log.match(/^GETPIN/gm) ?? []).length === 1,
      'the leader saw one consent and one PIN dialog');
    check(log.includes('vn-chromium.pdf'), 'the consent dialog names the file');
    check(await page.locator('#sign-personal').isDisabled() && await page.locator('#sign-org').isEnabled(),
      'after the leader, only the clerk may sign');
    await page.screenshot({ path: path.join(out, 'personal.png') });

    // The clerk seals (organization certificate): number, date, the seal.
    // Another document (the leader's revision plus the seal): another code.
    const clerkSign = await issue(page, 'vn-chromium.pdf');
    check(clerkSign.code !== leaderSign.code && !codesIn(clerkSign.dialog).includes(leaderSign.code),
      `a different document shows a different code (leader ${leaderSign.code}, clerk ${clerkSign.code}), ` +
        'and the clerk\'s dialog does not show the leader\'s');
    log = pinLog();
    check((log.match(/^CONFIRM/gm) ?? []).length === 1, 'the clerk saw one consent dialog');
    const ms = await page.evaluate(() => window.kysoDemo.lastSignMs);
    check(ms > 0, `the demo timed the signing (${Math.round(ms)} ms)`);
    await page.screenshot({ path: path.join(out, 'sealed.png') });

    // The download link gives the signed file.
    const file = path.join(out, 'signed.pdf');
    const dl = await download(page, file);
    check(dl.suggestedFilename() === 'vn-chromium-da-ky.pdf', `the download is named ${dl.suggestedFilename()}`);
    check(fs.statSync(file).size > fs.statSync(path.join(env.FX, 'vn-chromium.pdf')).size, 'the download holds the signed file');
    // The codes shown were those of what the two signatures cover (the
    // tests' own SHA-256 of each ByteRange, then the code).
    const covered = signedDigests(fs.readFileSync(file)).map((md) => codeOf(md));
    check(covered.length === 2 && covered[0] === leaderSign.code && covered[1] === clerkSign.code,
      `the codes shown are those of the signed bytes (page ${leaderSign.code}, ${clerkSign.code}; ` +
        `ByteRange digests ${covered})`);
    const verify = await page.locator('#verify-link').getAttribute('href');
    check(verify === '../verify.html', `the page links to the verifier (${verify})`);
    fs.writeFileSync(path.join(out, 'rects.json'), JSON.stringify(
      Object.fromEntries(Object.entries(got).map(([k, b]) => [k, b.rect]))));
    // (A refused websocket is logged by Chromium itself: the UMD check's.)
    const bad = logs.filter((l) => (l.startsWith('pageerror') || l.startsWith('error')) &&
      !/WebSocket connection to .* failed/.test(l));
    check(bad.length === 0, `no page errors (${bad.join(' | ').slice(0, 300)})`);

    // The verifier page the demo links to, with the test root trusted
    // (no revocation data: the verdict is "try later", the signatures intact).
    const v = await browser.context.newPage();
    await v.goto(new URL(verify, `${env.WEB_URL}/demo/`).href);
    await v.waitForSelector('body[data-state="ready"]', { timeout: STEP_TIMEOUT_MS });
    await v.setInputFiles('#trust-input', path.join(env.PKI_DIR, 'root.pem'));
    await v.setInputFiles('#file-input', file);
    await v.waitForSelector('body[data-state="done"], body[data-state="error"]', { timeout: STEP_TIMEOUT_MS });
    const sigs = await v.evaluate(() => window.kysoVerifier.state.result?.report?.signatures ?? [])
      .catch(() => []);
    check(sigs.length === 2 && sigs.every((s) => s.checks?.integrity?.result === 'passed' &&
      s.checks?.signature?.result === 'passed'),
    `the verifier page finds both signatures intact (${sigs.map((s) => `${s.indication}/${s.checks?.integrity?.result}`)})`);
    await v.screenshot({ path: path.join(out, 'verifier.png'), fullPage: true });
  } finally {
    await browser.close();
  }
}

// A /Rotate 90 page (A4 shown landscape: 842 x 595 points as displayed):
// the boxes are dragged on what the user sees and must land there; then an
// electronic copy of the same page, its text top right as displayed.
async function rotatedMode(out) {
  const browser = await launch([], { width: 1900, height: 1200 }); // the page is 1263 px wide
  try {
    const { page, logs } = await openDemo(browser.context, env.WEB_URL);
    await page.setInputFiles('#pdf-file', path.join(out, 'rot90.pdf'));
    await page.waitForFunction(() => /Trang 1 \/ \d/.test(document.getElementById('page-label').textContent));
    const vp = await page.evaluate(() => window.kysoDemo.viewport);
    check(vp && vp.rotation === 90 && vp.width > vp.height, `pdf.js shows the page turned (${JSON.stringify(vp)})`);
    const got = await placeBoxes(page, RECTS_ROTATED, 595);
    const r = await signComparing(page, '#sign-personal', 'the leader (turned page)', 'rot90.pdf');
    check(r.ok && r.text.startsWith('Đã ký.'), `the leader signs the turned page ("${r.text}")`);
    await issue(page, 'rot90.pdf');
    await page.screenshot({ path: path.join(out, 'rotated-sealed.png') });
    await download(page, path.join(out, 'rotated.pdf'));
    fs.writeFileSync(path.join(out, 'rects-rotated.json'), JSON.stringify(
      Object.fromEntries(Object.entries(got).map(([k, b]) => [k, b.rect]))));

    // An electronic copy of the unsigned page, by the clerk (another file
    // name: picking the same file again fires no change event).
    fs.copyFileSync(path.join(out, 'rot90.pdf'), path.join(out, 'rot90-ban-goc.pdf'));
    await page.setInputFiles('#pdf-file', path.join(out, 'rot90-ban-goc.pdf'));
    await page.waitForFunction(() => window.kysoDemo.stage === 'draft' && window.kysoDemo.signatures === 0);
    await page.selectOption('#extra-profile', 'copy');
    await page.selectOption('#copy-form', 'SAO Y');
    await page.fill('#copier', 'Văn phòng UBND tỉnh Tiền Giang');
    const c = await clickSign(page, '#sign-extra');
    const o = await page.evaluate(() => window.kysoDemo.lastOptions);
    check(c.ok && o.profile === 'copy' && o.copyForm === 'SAO Y', `the clerk signs a SAO Y copy ("${c.text}")`);
    check(await page.locator('#sign-personal').isDisabled() && await page.locator('#sign-org').isDisabled(),
      'after a copy the leader and the seal steps are closed');
    await page.screenshot({ path: path.join(out, 'rotated-copy.png') });
    await download(page, path.join(out, 'rotated-copy.pdf'));
    const bad = logs.filter((l) => l.startsWith('pageerror') || l.startsWith('error'));
    check(bad.length === 0, `no page errors (${bad.join(' | ').slice(0, 300)})`);
  } finally {
    await browser.close();
  }
}

// A site that is not in allow_origin: the host asks at first use; the user
// picks "Từ chối" (the pinentry's cancel button).
async function originMode(out) {
  const browser = await launch();
  try {
    answers(['cancel']);
    clearLog();
    const { page } = await openDemo(browser.context, env.WEB_URL_OTHER);
    const text = await messageText(page);
    check(pinLog().includes(new URL(env.WEB_URL_OTHER).origin), 'the first-use prompt names the site');
    check(text.includes('Trang này không được phép dùng token ký số của bạn.') && text.includes('ORIGIN_DENIED'),
      `origin refused: the user reads "${text}"`);
    check((await page.locator('#host-status').innerText()).includes('Chưa kết nối được'), 'the status says not connected');
    await page.screenshot({ path: path.join(out, 'origin-denied.png') });
  } finally {
    await browser.close();
  }
}

// Chrome's Local Network Access: the same page treated as a public site
// (a test switch of Chromium's) may not reach loopback, the host running or
// not; the permission reads "denied" and the page says what to allow.
async function lnaMode(out) {
  const url = new URL(env.WEB_URL);
  const browser = await launch([`--ip-address-space-overrides=${url.host}=public`]);
  try {
    const { page } = await openDemo(browser.context, env.WEB_URL);
    const text = await messageText(page);
    check(text.includes('Trình duyệt đã chặn trang này kết nối tới phần mềm ký số trên máy') &&
      text.includes('LOCAL_ACCESS_BLOCKED'), `a public page, local access blocked: the user reads "${text}"`);
    check(await page.locator('#cert-leader option').count() === 0, 'the blocked page got no certificate list');
    await page.screenshot({ path: path.join(out, 'local-access-blocked.png') });
  } finally {
    await browser.close();
  }
}

// A stand-in for the kyso extension's content script, implementing the
// window.postMessage bridge of web/src/kyso-host.js: "missing" answers that
// it cannot start kyso-host; "relay" carries the messages over its own
// websocket (a real extension would use native messaging).
function fakeExtension({ mode, port }) {
  window.addEventListener('message', (ev) => {
    const m = ev.data;
    if (ev.source !== window || !m || m.bridge !== 1) return;
    if (m.kyso === 'hello') {
      if (mode === 'missing') {
        window.postMessage({ kyso: 'ready', bridge: 1, hostMissing: true }, '*');
        return;
      }
      const ext = { ws: new WebSocket(`ws://127.0.0.1:${port}/`), ids: new Map(), relayed: 0 };
      window.fakeKysoExtension = ext;
      ext.ws.onmessage = (e) => {
        const msg = JSON.parse(e.data);
        if (!ext.hello) {
          ext.hello = msg;
          window.postMessage({ kyso: 'ready', bridge: 1, hello: msg }, '*');
          return;
        }
        if (!('id' in msg)) {
          // The full greeting after the first-use prompt (PROTOCOL.md).
          window.postMessage({ kyso: 'ready', bridge: 1, hello: msg }, '*');
          return;
        }
        ext.relayed++;
        window.postMessage({ kyso: 'response', bridge: 1, id: ext.ids.get(String(msg.id)), message: msg }, '*');
      };
    } else if (m.kyso === 'request') {
      window.fakeKysoExtension.ids.set(String(m.message.id), m.id);
      window.fakeKysoExtension.ws.send(JSON.stringify(m.message));
    }
  });
}

async function bridgeMode() {
  const browser = await launch();
  try {
    await browser.context.addInitScript(fakeExtension, { mode: 'relay', port: Number(env.KYSO_HOST_PORT) });
    const { page } = await openDemo(browser.context, env.WEB_URL, '&lang=en');
    const status = await page.locator('#host-status').innerText();
    const relayed = await page.evaluate(() => window.fakeKysoExtension?.relayed ?? 0);
    check(/\(extension\); 2 chứng thư số/.test(status) && relayed >= 1,
      `with an extension answering the bridge, kyso.js goes through it ("${status}", ${relayed} relayed)`);
    await page.setInputFiles('#pdf-file', path.join(env.FX, 'vn-chromium.pdf'));
    await page.waitForFunction(() => /Trang 1 \/ \d/.test(document.getElementById('page-label').textContent));
    await dragRect(page, [340, 80, 180, 70], 842);
    // ?lang=en: the code's sentence in English; the code through the bridge.
    const r = await signComparing(page, '#sign-personal', 'through the extension (lang=en)', 'vn-chromium.pdf',
      null, CODE_SENTENCE_EN);
    const after = await page.evaluate(() => window.fakeKysoExtension.relayed);
    check(r.ok && after === relayed + 1, `and signs through it ("${r.text}", ${after} relayed)`);
  } finally {
    await browser.close();
  }
}

async function stoppedMode(out) {
  const browser = await launch();
  try {
    const { page } = await openDemo(browser.context, env.WEB_URL);
    const text = await messageText(page);
    check(text.includes('chưa chạy hoặc chưa được cài đặt') && text.includes('HOST_NOT_RUNNING'),
      `host stopped: the user reads "${text}"`);
    await page.screenshot({ path: path.join(out, 'host-stopped.png') });
    // English texts on request.
    await page.goto(`${env.WEB_URL}/demo/?port=${env.KYSO_HOST_PORT}&lang=en`);
    await page.waitForSelector('body[data-ready="1"]');
    const en = await messageText(page);
    check(en.includes('not running or not installed'), `and in English: "${en}"`);
    // An extension that cannot start the host: now "not installed" is known.
    await browser.context.addInitScript(fakeExtension, { mode: 'missing', port: 0 });
    await page.goto(`${env.WEB_URL}/demo/?port=${env.KYSO_HOST_PORT}`);
    await page.waitForSelector('body[data-ready="1"]');
    const ni = await messageText(page);
    check(ni.includes('Máy này chưa cài phần mềm ký số kyso') && ni.includes('HOST_NOT_INSTALLED'),
      `the extension cannot start the host: the user reads "${ni}"`);
  } finally {
    await browser.close();
  }
}

const [mode, out] = process.argv.slice(2);
try {
  if (!out) throw new Error('usage: portal_e2e.mjs sign|rotated|origin|lna|bridge|stopped OUTDIR');
  if (mode === 'sign') await signMode(out);
  else if (mode === 'rotated') await rotatedMode(out);
  else if (mode === 'origin') await originMode(out);
  else if (mode === 'lna') await lnaMode(out);
  else if (mode === 'bridge') await bridgeMode(out);
  else if (mode === 'stopped') await stoppedMode(out);
  else throw new Error(`unknown mode ${mode}`);
} catch (e) {
  check(false, `exception: ${e && e.stack ? e.stack : e}`);
}
process.exit(failures ? 1 : 0);
