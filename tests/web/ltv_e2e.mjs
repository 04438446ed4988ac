// ltv_e2e.mjs - the browser half of web.ltv_e2e (ltv_e2e_test.sh): the demo
// portal and verify.html in headless Chromium against the real kyso-host
// and the loopback LTV responders. One "PASS\tmessage" / "FAIL\tmessage"
// per check.
//
//   node ltv_e2e.mjs sign      demo, "timestamp and LTV" ticked: B-LT,
//                              OUT/signed-lt.pdf
//   node ltv_e2e.mjs plain     demo without it: B-B, OUT/signed-bb.pdf
//   node ltv_e2e.mjs errors    kyso.js: the signer's responders down ->
//                              the file with ltv.warning; OUT/down-bt.pdf
//   node ltv_e2e.mjs online    verify.html on the B-B file: "Kiểm tra trực
//                              tuyến", "Thêm CRL/OCSP" (good, impostor, junk)
//   node ltv_e2e.mjs tsadown   kyso.js with the TSA down: TIMESTAMP_FAILED,
//                              e.signed; OUT/tsadown-bb.pdf
//   node ltv_e2e.mjs offline   verify.html, nothing running: the B-LT file
//                              "Hợp lệ" from its DSS; no request after load
//   node ltv_e2e.mjs nohost    "Kiểm tra trực tuyến" without kyso-host
//
// Environment: WEB_URL, KYSO_HOST_PORT, OUT, LTV_DIR, FX, KYSO_PINENTRY_ANSWERS.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const env = process.env;
const OUT = env.OUT;
const TIMEOUT = 60000;
let judged = 0;
function check(cond, what) {
  judged++;
  console.log(`${cond ? 'PASS' : 'FAIL'}\t${what.replace(/\s+/g, ' ')}`);
}

async function launch() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyso-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    acceptDownloads: true,
    viewport: { width: 1400, height: 1200 },
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
const ltv = (f) => path.join(env.LTV_DIR, f);

// ---- the demo portal ------------------------------------------------------------

async function openDemo(context, query) {
  const page = await context.newPage();
  const logs = [];
  page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
  await page.goto(`${env.WEB_URL}/demo/?port=${env.KYSO_HOST_PORT}${query}`);
  await page.waitForSelector('body[data-ready="1"]', { timeout: TIMEOUT });
  return { page, logs };
}

// Drags the signature box to [x, y, w, h] points of an A4 page (842 high).
async function placeSignature(page) {
  const [x, y, w, h] = [340, 80, 180, 70];
  await page.check('#target-signature');
  const box = await page.locator('#page-canvas').boundingBox();
  const s = box.height / 842;
  const x1 = box.x + x * s;
  const y1 = box.y + (842 - y - h) * s;
  await page.mouse.move(x1, y1);
  await page.mouse.down();
  await page.mouse.move(x1 + w * s, y1 + h * s, { steps: 6 });
  await page.mouse.up();
}

async function demoSign(ltvBox, file, shot) {
  const browser = await launch();
  try {
    const { page, logs } = await openDemo(browser.context, ltvBox ? '&ltv=1' : '');
    check(await page.locator('#ltv').isChecked() === ltvBox, `the demo's LTV box is ${ltvBox ? 'ticked' : 'not ticked'} (?ltv=1)`);
    const opts = await page.locator('#cert-leader option').evaluateAll((os) => os.map((o) => [o.value, o.textContent]));
    const good = opts.find(([, t]) => t.includes('LTV good'));
    check(!!good, `the LTV signer is listed (${opts.map(([, t]) => t).join(' | ')})`);
    if (!good) return;
    await page.selectOption('#cert-leader', good[0]);
    await page.setInputFiles('#pdf-file', path.join(env.FX, 'vn-chromium.pdf'));
    await page.waitForFunction(() => /Trang 1 \/ \d/.test(document.getElementById('page-label').textContent));
    await placeSignature(page);
    answers([]);
    await page.evaluate(() => { document.getElementById('message').className = ''; });
    await page.click('#sign-personal');
    await page.waitForSelector('#message.ok, #message.error', { timeout: TIMEOUT * 3 });
    const text = await page.locator('#message').innerText();
    const level = await page.evaluate(() => document.body.dataset.level);
    if (ltvBox) {
      check(text.startsWith('Đã ký.') && text.includes('PAdES B-LT') && level === 'B-LT',
        `the demo signs with a timestamp and LTV data: "${text}" (level ${level})`);
      const marks = await page.evaluate(() => Object.keys(window.kysoDemo?.lastMarks ?? {}));
      check(marks.includes('timestamp') && marks.includes('ltv'),
        `kyso.js went through the timestamp and ltv stages (${marks.join(', ')})`);
    } else {
      check(text.startsWith('Đã ký.') && level === 'B-B', `the demo signs without (B-B): "${text}"`);
    }
    await page.screenshot({ path: path.join(OUT, shot) });
    const [d] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    await d.saveAs(path.join(OUT, file));
    check(fs.existsSync(path.join(OUT, file)), `downloaded ${file}`);
    const bad = logs.filter((l) => l.startsWith('pageerror') || l.startsWith('error'));
    check(bad.length === 0, `no page errors (${bad.join(' | ').slice(0, 300)})`);
  } finally {
    await browser.close();
  }
}

// kyso.js itself in the demo's page: signPdf with the given certificate
// (by common name) and options; { ok, code, vi, signed (base64), ... }.
async function signInPage(cn, options, batch = 0) {
  const browser = await launch();
  try {
    const { page } = await openDemo(browser.context, '');
    const sent = [];
    page.on('websocket', (ws) => ws.on('framesent', (f) => sent.push(String(f.payload))));
    const pdf = fs.readFileSync(path.join(env.FX, 'vn-chromium.pdf')).toString('base64');
    answers([]);
    const r = await page.evaluate(async ({ port, cn: name, pdf: b64, options: o, batch: n }) => {
      const Kyso = await import('/kyso.js');
      const enc = (u8) => { let s = ''; for (const b of u8) s += String.fromCharCode(b); return btoa(s); };
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const k = await Kyso.connect({ port });
      try {
        const cert = (await k.certificates()).find((c) => c.commonName.includes(name));
        if (n) {
          const docs = Array.from({ length: n }, (_, i) => ({ pdf: bytes, name: `ltv-${i + 1}.pdf` }));
          const many = await k.signPdfs(docs, { certificate: cert.id, ...o });
          return { ok: true, batch: many.map((f) => ({ level: f.ltv?.level ?? null, timestamped: f.timestamped,
            batchCode: f.batchCode })) };
        }
        const signed = await k.signPdf(bytes, { certificate: cert.id, name: 'ltv.pdf', ...o });
        const w = signed.ltv?.warning;
        return { ok: true, signed: enc(signed), timestamped: signed.timestamped, level: signed.ltv?.level ?? null,
          warning: w ? { code: w.code, vi: w.text('vi'), en: w.text('en'), certificates: w.certificates.length,
            errors: w.errors.map((e) => `${e.code}/${e.reason}`) } : null };
      } catch (e) {
        return { ok: false, code: e.code, vi: e.message, detail: e.detail,
          signed: (e.signed ?? []).map((s) => ({ bytes: enc(s), timestamped: s.timestamped })) };
      } finally {
        await k.close();
      }
    }, { port: Number(env.KYSO_HOST_PORT), cn, pdf, options, batch });
    r.cmds = sent.map((f) => { try { return JSON.parse(f).cmd; } catch { return ''; } });
    return r;
  } finally {
    await browser.close();
  }
}

async function errorsMode() {
  const r = await signInPage('LTV down', { timestamp: true, ltv: true });
  check(r.ok && r.timestamped === true && r.level === null,
    `the signer's OCSP and CRL unreachable: the file still comes back, timestamped, not B-LT (${JSON.stringify({ ok: r.ok, code: r.code, detail: r.detail, timestamped: r.timestamped, level: r.level })})`);
  check(r.warning?.code === 'REVOCATION_UNAVAILABLE' && r.warning.certificates >= 1 &&
    r.warning.vi.includes('Văn bản đã được ký, nhưng chưa lấy được dữ liệu thu hồi'),
  `with ltv.warning REVOCATION_UNAVAILABLE in Vietnamese (${JSON.stringify(r.warning)})`);
  check((r.warning?.errors ?? []).some((e) => e.startsWith('FETCH_FAILED')),
    `the warning carries the host's per-certificate errors (${JSON.stringify(r.warning?.errors)})`);
  if (r.ok) fs.writeFileSync(path.join(OUT, 'down-bt.pdf'), Buffer.from(r.signed, 'base64'));
  const rv = await signInPage('LTV revoked', { timestamp: true, ltv: true });
  check(!rv.ok && rv.code === 'CERTIFICATE_REVOKED' && rv.vi.startsWith('Chứng thư số dùng để ký') &&
    rv.signed?.length === 1 && rv.signed[0].timestamped === true,
  `a revoked signer: CERTIFICATE_REVOKED in Vietnamese, the file in e.signed (${rv.code}: "${rv.vi}", ${rv.detail})`);
  if (rv.signed?.length) fs.writeFileSync(path.join(OUT, 'revoked-lt.pdf'), Buffer.from(rv.signed[0].bytes, 'base64'));
  // A batch: one consent, each file B-LT, the answers shared (one
  // revocation request for the three documents). `ltv: true` alone: B-LT
  // includes B-T, so each file is timestamped too.
  const b = await signInPage('LTV good', { ltv: true }, 3);
  check(b.ok && b.batch.length === 3 && b.batch.every((f) => f.level === 'B-LT' && f.timestamped && /^\d{3} \d{3}$/.test(f.batchCode)),
    `signPdfs of 3 with { ltv } (the timestamp implied): each B-LT and timestamped (${JSON.stringify(b.batch ?? { code: b.code, detail: b.detail })})`);
  const count = (c) => b.cmds.filter((x) => x === c).length;
  check(count('sign') === 1 && count('timestamp') === 3 && count('revocation') === 1,
    `one sign, three timestamps, one revocation request for the batch (${b.cmds.join(', ')})`);
  const bad = await signInPage('LTV good', { timestamp: 'yes' });
  check(!bad.ok && bad.code === 'ARGUMENT', `timestamp: 'yes' is an ARGUMENT error (${bad.code})`);
  const noTs = await signInPage('LTV good', { ltv: true, timestamp: false });
  check(!noTs.ok && noTs.code === 'ARGUMENT' && /timestamp/.test(noTs.detail ?? '') && !noTs.cmds.includes('sign'),
    `ltv: true with timestamp: false is an ARGUMENT error, before anything is signed (${noTs.code}: ${noTs.detail}; ${noTs.cmds.join(', ')})`);
}

async function tsaDownMode() {
  const r = await signInPage('LTV good', { timestamp: true, ltv: true });
  check(!r.ok && r.code === 'TIMESTAMP_FAILED' && r.vi.startsWith('Văn bản đã được ký nhưng không lấy được dấu thời gian'),
    `the TSA down: TIMESTAMP_FAILED, in Vietnamese ("${r.vi}", ${r.detail})`);
  check(r.signed?.length === 1 && r.signed[0].timestamped === false,
    'the signed file comes with the error, marked not timestamped (e.signed)');
  if (r.signed?.length) fs.writeFileSync(path.join(OUT, 'tsadown-bb.pdf'), Buffer.from(r.signed[0].bytes, 'base64'));
}

// ---- verify.html ----------------------------------------------------------------

async function openVerifier(context, port = env.KYSO_HOST_PORT) {
  const page = await context.newPage();
  const logs = [];
  page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
  const sent = [];
  page.on('websocket', (ws) => ws.on('framesent', (f) => sent.push(String(f.payload))));
  await page.goto(`${env.WEB_URL}/verify.html?port=${port}`);
  await page.waitForSelector('body[data-state="ready"]', { timeout: TIMEOUT });
  await page.setInputFiles('#trust-input', [ltv('root.pem'), ltv('tsaroot.pem')]);
  return { page, logs, sent };
}

async function openDoc(page, file) {
  await page.setInputFiles('#file-input', file);
  await page.waitForSelector('body[data-state="done"], body[data-state="error"]', { timeout: TIMEOUT });
}

const verdict = (page) => page.locator('#overall-verdict').innerText();
const sources = (page) => page.locator('.evidence li').evaluateAll((ls) => ls.map((l) => l.dataset.source));

// Waits until the page is no longer busy with a lookup or a load.
async function settled(page) {
  await page.waitForFunction(() => !window.kysoVerifier.state.busy, null, { timeout: TIMEOUT });
}

async function onlineMode() {
  const browser = await launch();
  try {
    // (b) a fresh B-B file: unknown, the help, then the online check.
    let { page, logs, sent } = await openVerifier(browser.context);
    await openDoc(page, path.join(OUT, 'signed-bb.pdf'));
    check(await verdict(page) === 'Chưa xác định được', `the B-B file: "${await verdict(page)}"`);
    const help = page.locator('#revocation-help');
    check(await help.isVisible(), 'the revocation help is shown');
    const explain = await page.locator('#revocation-explain').innerText();
    check(explain.includes('không kèm dữ liệu thu hồi (CRL/OCSP)') &&
      explain.includes('không có nghĩa là chữ ký bị hỏng') && explain.includes('vẫn nguyên vẹn'),
    `it explains in plain Vietnamese that the signature itself is intact ("${explain}")`);
    check(await page.locator('#check-online').innerText() === 'Kiểm tra trực tuyến' &&
      await page.locator('#add-revocation').innerText() === 'Thêm CRL/OCSP', 'the two buttons');
    await page.screenshot({ path: path.join(OUT, 'verify-unknown.png'), fullPage: true });
    await page.click('#check-online');
    await settled(page);
    const status = await page.locator('#revocation-status').innerText();
    check(await verdict(page) === 'Hợp lệ', `after "Kiểm tra trực tuyến": "${await verdict(page)}" (${status})`);
    check(status.startsWith('Đã tra cứu trực tuyến:'), `the page says what it fetched ("${status}")`);
    const used = await page.locator('#revocation-used-text').innerText();
    check(used.includes('vừa tra cứu trực tuyến') && used.includes('không nằm trong tệp'),
      `the page says the data was fetched now, not in the file ("${used}")`);
    const src = await sources(page);
    check(src.length > 0 && src.every((s) => s === 'fetched'), `the report's evidence: fetched (${src.join(', ')})`);
    const ev = await page.locator('.evidence li').first().innerText();
    check(ev.includes('không bị thu hồi') && ev.includes('vừa tra cứu trực tuyến'), `in words: "${ev}"`);
    check(!(await help.isVisible()), 'the help goes away once decided');
    const reqs = sent.map((s) => { try { return JSON.parse(s); } catch { return {}; } });
    const rev = reqs.filter((m) => m.cmd === 'revocation');
    check(rev.length >= 1 && rev.every((m) => Object.keys(m).sort().join() === 'certificates,cmd,id' &&
      m.certificates.length >= 2), `the page sent certificates only, no URL (${JSON.stringify(rev.map((m) => Object.keys(m)))})`);
    const saved = await page.evaluate(() => window.kysoVerifier.state.result.json);
    check(JSON.parse(saved).signatures[0].revocation_evidence.some((e) => e.source === 'fetched'),
      'the saved JSON report names the fetched data');
    await page.screenshot({ path: path.join(OUT, 'verify-online.png'), fullPage: true });
    await page.click('#lang');
    const usedEn = await page.locator('#revocation-used-text').innerText();
    check(usedEn.includes('fetched online now') && await verdict(page) === 'Valid', `English: "${usedEn}"`);
    await page.click('#revocation-clear');
    await settled(page);
    check(await verdict(page) === 'Cannot be decided', 'removing the added data: undecided again');
    const bad = logs.filter((l) => l.startsWith('pageerror'));
    check(bad.length === 0, `no page errors (${bad.join(' | ').slice(0, 300)})`);
    await page.close();

    // (c) Thêm CRL/OCSP: the sub-CA's CRL (DER) and the root's (PEM).
    ({ page } = await openVerifier(browser.context));
    await openDoc(page, path.join(OUT, 'signed-bb.pdf'));
    await page.setInputFiles('#revocation-input', [path.join(env.LTV_DIR, 'http/crl/sub.crl'), ltv('root.crl.pem')]);
    await settled(page);
    check(await verdict(page) === 'Hợp lệ', `with the CRLs loaded: "${await verdict(page)}"`);
    const usedL = await page.locator('#revocation-used-text').innerText();
    check(usedL.includes('do bạn nạp vào') && usedL.includes('sub.crl') && usedL.includes('root.crl.pem'),
      `the page names the loaded files ("${usedL}")`);
    const srcL = await sources(page);
    check(srcL.length > 0 && srcL.every((s) => s === 'loaded'), `the report's evidence: loaded (${srcL.join(', ')})`);
    await page.screenshot({ path: path.join(OUT, 'verify-loaded.png'), fullPage: true });
    await page.close();

    // The impostor's CRL (the sub-CA's name, another key): still not valid.
    ({ page } = await openVerifier(browser.context));
    await openDoc(page, path.join(OUT, 'signed-bb.pdf'));
    await page.setInputFiles('#revocation-input', [path.join(env.LTV_DIR, 'http/crl/evil.crl'), ltv('root.crl.pem')]);
    await settled(page);
    check(await verdict(page) !== 'Hợp lệ', `a CRL of another issuer: still "${await verdict(page)}"`);
    check(await page.locator('#revocation-help').isVisible(), 'and the help stays');
    // A file that is no revocation data: said so, nothing changes.
    await page.setInputFiles('#revocation-input', path.join(env.FX, 'vn-chromium.pdf'));
    await settled(page);
    const st = await page.locator('#revocation-status').innerText();
    check(st.includes('vn-chromium.pdf') && st.includes('tệp không phải CRL, phản hồi OCSP hay chứng thư'),
      `a PDF loaded as a CRL is refused ("${st}")`);
    await page.screenshot({ path: path.join(OUT, 'verify-impostor.png'), fullPage: true });
  } finally {
    await browser.close();
  }
}

async function offlineMode() {
  const browser = await launch();
  try {
    const { page } = await openVerifier(browser.context);
    const after = [];
    page.on('request', (r) => after.push(r.url()));
    await openDoc(page, path.join(OUT, 'signed-lt.pdf'));
    check(await verdict(page) === 'Hợp lệ', `the B-LT file, every responder and kyso-host stopped: "${await verdict(page)}"`);
    const src = await sources(page);
    check(src.length >= 2 && src.every((s) => s === 'dss' || s === 'dss_vri'),
      `its revocation data comes from the file's DSS (${src.join(', ')})`);
    const ts = await page.locator('.timestamp-time').first().innerText();
    check(/\d{2}\/\d{2}\/\d{4}/.test(ts), `it carries a signature timestamp (${ts})`);
    check(!(await page.locator('#revocation-help').isVisible()), 'no revocation help');
    check(after.length === 0, `no request after load (${after.join(' ')})`);
    await page.screenshot({ path: path.join(OUT, 'verify-lt-offline.png'), fullPage: true });
  } finally {
    await browser.close();
  }
}

async function noHostMode() {
  const browser = await launch();
  try {
    const { page } = await openVerifier(browser.context, env.KYSO_HOST_PORT);
    await openDoc(page, path.join(OUT, 'signed-bb.pdf'));
    await page.click('#check-online');
    await settled(page);
    const st = await page.locator('#revocation-status').innerText();
    check(st.includes('Không kết nối được với phần mềm ký số kyso') &&
      await page.locator('#revocation-status').evaluate((e) => e.classList.contains('bad')),
    `without kyso-host the page says so in Vietnamese ("${st}")`);
    check(await verdict(page) === 'Chưa xác định được', 'and the verdict is unchanged');
    await page.screenshot({ path: path.join(OUT, 'verify-nohost.png'), fullPage: true });
  } finally {
    await browser.close();
  }
}

// A stand-in for the kyso extension's content script (the bridge of
// web/src/kyso-host.js, as tests/web/portal_e2e.mjs's): relays the page's
// requests over its own websocket and counts them by command.
function fakeExtension({ port }) {
  window.addEventListener('message', (ev) => {
    const m = ev.data;
    if (ev.source !== window || !m || m.bridge !== 1) return;
    if (m.kyso === 'hello') {
      const ext = { ws: new WebSocket(`ws://127.0.0.1:${port}/`), ids: new Map(), cmds: [] };
      window.fakeKysoExtension = ext;
      ext.ws.onmessage = (e) => {
        const msg = JSON.parse(e.data);
        if (!ext.hello || !('id' in msg)) {
          ext.hello = ext.hello ?? msg;
          window.postMessage({ kyso: 'ready', bridge: 1, hello: msg }, '*');
          return;
        }
        window.postMessage({ kyso: 'response', bridge: 1, id: ext.ids.get(String(msg.id)), message: msg }, '*');
      };
    } else if (m.kyso === 'request') {
      const ext = window.fakeKysoExtension;
      ext.ids.set(String(m.message.id), m.id);
      ext.cmds.push(m.message.cmd);
      ext.ws.send(JSON.stringify(m.message));
    }
  });
}

async function bridgeMode() {
  const browser = await launch();
  try {
    await browser.context.addInitScript(fakeExtension, { port: Number(env.KYSO_HOST_PORT) });
    // The demo with { timestamp, ltv } through the extension.
    const { page } = await openDemo(browser.context, '&ltv=1');
    const status = await page.locator('#host-status').innerText();
    check(status.includes('(extension)'), `the demo goes through the extension ("${status}")`);
    const opts = await page.locator('#cert-leader option').evaluateAll((os) => os.map((o) => [o.value, o.textContent]));
    const good = opts.find(([, t]) => t.includes('LTV good'));
    await page.selectOption('#cert-leader', good[0]);
    await page.setInputFiles('#pdf-file', path.join(env.FX, 'vn-chromium.pdf'));
    await page.waitForFunction(() => /Trang 1 \/ \d/.test(document.getElementById('page-label').textContent));
    await placeSignature(page);
    answers([]);
    await page.evaluate(() => { document.getElementById('message').className = ''; });
    await page.click('#sign-personal');
    await page.waitForSelector('#message.ok, #message.error', { timeout: TIMEOUT * 3 });
    const text = await page.locator('#message').innerText();
    const cmds = await page.evaluate(() => window.fakeKysoExtension.cmds);
    check(text.includes('PAdES B-LT') && cmds.includes('sign') && cmds.includes('timestamp') && cmds.includes('revocation'),
      `B-LT through the extension bridge ("${text}"; ${cmds.join(', ')})`);
    // verify.html's online check through the extension.
    const v = await openVerifier(browser.context);
    await openDoc(v.page, path.join(OUT, 'signed-bb.pdf'));
    await v.page.click('#check-online');
    await settled(v.page);
    const vc = await v.page.evaluate(() => window.fakeKysoExtension?.cmds ?? []);
    check(await verdict(v.page) === 'Hợp lệ' && vc.includes('revocation'),
      `verify.html: "Kiểm tra trực tuyến" through the extension -> "${await verdict(v.page)}" (${vc.join(', ')})`);
  } finally {
    await browser.close();
  }
}

const modes = {
  bridge: bridgeMode,
  sign: () => demoSign(true, 'signed-lt.pdf', 'demo-lt.png'),
  plain: () => demoSign(false, 'signed-bb.pdf', 'demo-bb.png'),
  errors: errorsMode,
  tsadown: tsaDownMode,
  online: onlineMode,
  offline: offlineMode,
  nohost: noHostMode,
};
try {
  await modes[process.argv[2]]();
} catch (e) {
  check(false, `${process.argv[2]}: ${e.stack ?? e}`);
}
process.exit(judged ? 0 : 1);
