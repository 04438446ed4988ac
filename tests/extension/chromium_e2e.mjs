// chromium_e2e.mjs - the browser half of extension.chromium_e2e: Debian's
// Chromium with the kyso extension loaded unpacked (fresh profile per run),
// its native-messaging host manifest in the profile pointing at a wrapper
// that execs the built kyso-host (SoftHSM2 tokens, scripted pinentry), and
// the test page (tests/extension/page: kyso.js driven through
// window.kysoTest) served on http://localhost. One "PASS\tmessage" /
// "FAIL\tmessage" per check; chromium_e2e_test.sh judges the files.
//
//   node chromium_e2e.mjs sign OUTDIR      the websocket port closed: connect
//                                          through the extension, certificates,
//                                          personal -> organization (number,
//                                          date) -> attachment; whose origin the
//                                          dialogs name; a forged `origin`; a
//                                          cross-origin iframe; "Từ chối" and
//                                          "Luôn cho phép" per origin; the
//                                          popup (certificate, remembered site,
//                                          revoke). OUTDIR/personal.pdf,
//                                          issued.pdf, attachment.pdf, *.png
//   node chromium_e2e.mjs verifier OUTDIR  the context-menu verifier on
//                                          OUTDIR/files/valid.pdf and
//                                          tampered.pdf (served as /files/)
//   node chromium_e2e.mjs lna OUTDIR       the page made "public"
//                                          (--ip-address-space-overrides):
//                                          its websocket blocked, the extension
//                                          still signs; OUTDIR/lna.pdf
//
// Environment: EXT_DIR (the unpacked extension), EXT_ID, NM_WRAPPER (the
// host wrapper), WEB_URL (http://localhost:P, remembered by "Luôn cho
// phép"), WEB_URL_FRAME (another port: the iframe's origin), WEB_URL_FORGE
// (http://127.0.0.1:P3, another site, for the forged field), WEB_URL_LNA (http://127.0.0.1:P4,
// allowed in host.conf), KYSO_HOST_PORT (the websocket port), NATIVE_LOG
// (the native hosts' stderr), KYSO_PINENTRY_ANSWERS, KYSO_PINENTRY_LOG, FX,
// PKI_DIR, PKI_PERSON_CN, PKI_ORG_CN.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { dialogTexts, codesIn } from '../lib/vcode.mjs';

// playwright-core from tests/web's node_modules (tests/web/package.json)
const require = createRequire(new URL('../web/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const env = process.env;
const STEP_TIMEOUT_MS = 60000;
const VIA = '(qua tiện ích kyso)';
let failures = 0;
function check(cond, what) {
  if (!cond) failures++;
  console.log(`${cond ? 'PASS' : 'FAIL'}\t${String(what).replace(/\s+/g, ' ').slice(0, 900)}`);
}

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// A fresh profile with the extension and the host manifest
// (<profile>/NativeMessagingHosts/vn.kyso.host.json); { context, sw, close }.
export async function launchWithExtension({ extDir, extId, wrapper, extraArgs = [] }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyso-ext-chromium-'));
  fs.mkdirSync(path.join(dir, 'NativeMessagingHosts'));
  fs.writeFileSync(path.join(dir, 'NativeMessagingHosts', 'vn.kyso.host.json'), JSON.stringify({
    name: 'vn.kyso.host', description: 'kyso-host (tests/extension)', path: wrapper, type: 'stdio',
    allowed_origins: [`chrome-extension://${extId}/`] }, null, 2));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [...CHROMIUM_ARGS, `--disable-extensions-except=${extDir}`, `--load-extension=${extDir}`, ...extraArgs],
    viewport: { width: 1280, height: 1000 },
  });
  const sw = context.serviceWorkers()[0] ?? await context.waitForEvent('serviceworker', { timeout: STEP_TIMEOUT_MS });
  return {
    context, sw,
    async close() {
      await context.close().catch(() => {});
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

const answers = (lines) => fs.writeFileSync(env.KYSO_PINENTRY_ANSWERS, lines.map((l) => `${l}\n`).join(''));
const pinLog = () => fs.readFileSync(env.KYSO_PINENTRY_LOG, 'utf8');
const clearLog = () => fs.writeFileSync(env.KYSO_PINENTRY_LOG, '');
const confirms = (log) => (log.match(/^CONFIRM/gm) ?? []).length;
const nativeLog = () => { try { return fs.readFileSync(env.NATIVE_LOG, 'utf8'); } catch { return ''; } };
const originOf = (u) => new URL(u).origin;
const short = (v) => JSON.stringify(v).slice(0, 300);

export async function openTestPage(context, base, query = '') {
  const page = await context.newPage();
  const logs = [];
  page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
  await page.goto(`${base}/ext-test/index.html?port=${env.KYSO_HOST_PORT}${query}`);
  await page.waitForSelector('body[data-ready="1"]', { timeout: STEP_TIMEOUT_MS });
  page.kysoLogs = logs;
  return page;
}

// window.kysoTest[fn](...args) in a page or frame.
export const call = (target, fn, ...args) =>
  target.evaluate(([f, a]) => window.kysoTest[f](...a), [fn, args]);

const pdfB64 = (file) => fs.readFileSync(file).toString('base64');

function portClosed(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.on('connect', () => { s.destroy(); resolve(false); });
    s.on('error', (e) => resolve(e.code === 'ECONNREFUSED'));
  });
}

const RECTS = { signature: [340, 80, 180, 70], number: [60, 40, 150, 18], date: [265, 40, 270, 18] };
const NUMBER = '123/QĐ-UBND';
const DATE = 'Tiền Giang, ngày 11 tháng 12 năm 2024';

// Signs through the page with the pinentry answering OK and the PIN; the
// consent dialog's text. { r, dialog, log }
async function signChecked(page, label, pdf, options) {
  answers([]);
  clearLog();
  const r = await call(page, 'sign', pdf, options);
  const log = pinLog();
  const texts = dialogTexts(log);
  const dialog = texts[0] ?? ''; // the consent; then the PIN dialog
  check(r.signed && confirms(log) === 1 && (log.match(/^GETPIN/gm) ?? []).length === 1,
    `${label}: signed through the extension with one consent and one PIN dialog ` +
      `(${r.error ? `${r.error}: ${r.message}` : `code ${r.code}`}; ${confirms(log)} CONFIRM)`);
  check(texts.length === 2 && texts.every((t) => t.includes(`${originOf(page.url())} ${VIA}`) &&
    !t.includes('chrome-extension')) && !!r.code && codesIn(dialog).includes(r.code),
  `${label}: the consent dialog names the page origin then "${VIA}", not the extension, ` +
    `with the page's code ${r.code} ("${dialog.replace(/\n/g, ' / ')}")`);
  return { r, dialog, log };
}

async function signMode(out) {
  const b = await launchWithExtension({ extDir: env.EXT_DIR, extId: env.EXT_ID, wrapper: env.NM_WRAPPER });
  const { context, sw } = b;
  try {
    check(sw.url().startsWith(`chrome-extension://${env.EXT_ID}/`),
      `the extension runs with the fixed key's ID ${env.EXT_ID} (${sw.url()})`);
    check(await portClosed(Number(env.KYSO_HOST_PORT)),
      `no websocket host: 127.0.0.1:${env.KYSO_HOST_PORT} refuses connections`);

    const page = await openTestPage(context, env.WEB_URL);
    const origin = originOf(env.WEB_URL);
    let c = await call(page, 'connect', { transport: 'websocket' });
    check(c.error === 'HOST_NOT_RUNNING', `the page's own websocket finds no host (${short(c)})`);
    c = await call(page, 'connect', {});
    check(c.transport === 'extension', `kyso.connect() goes through the extension (${short(c)})`);

    // First use of the origin: the first-use dialog, "Luôn cho phép"
    // (dev_http_loopback: localhost may be remembered) = OK.
    answers(['ok']);
    clearLog();
    let certs = await call(page, 'certificates');
    let log = pinLog();
    let texts = dialogTexts(log);
    const names = (certs.certificates ?? []).map((x) => x.commonName).sort();
    check(names.length === 2 && names.includes(env.PKI_PERSON_CN) && names.includes(env.PKI_ORG_CN),
      `both tokens' signing certificates listed through the extension (${short(certs)})`);
    check(/^1\./.test(certs.version ?? ''), `the full hello reaches the page once allowed (version ${certs.version})`);
    check(confirms(log) === 1 && texts.length === 1 && texts[0].includes(`${origin} ${VIA}`) &&
      !texts.join('\n').includes('chrome-extension'),
    `the first-use dialog names ${origin} ${VIA}, not the extension ("${(texts[0] ?? '').replace(/\n/g, ' / ')}")`);
    const leader = certs.certificates?.find((x) => x.commonName === env.PKI_PERSON_CN)?.id;
    const clerk = certs.certificates?.find((x) => x.commonName === env.PKI_ORG_CN)?.id;
    await page.screenshot({ path: path.join(out, 'connected.png') });

    // "Luôn cho phép": a new connection of the same origin, no dialog.
    clearLog();
    await call(page, 'connect', {});
    certs = await call(page, 'certificates');
    check(certs.certificates?.length === 2 && confirms(pinLog()) === 0,
      `"Luôn cho phép" is remembered for ${origin}: the next request asks nothing (${confirms(pinLog())} CONFIRM)`);

    // Personal (image, number and date boxes), organization (number,
    // date, seal), attachment (number).
    const src = path.join(env.FX, 'vn-chromium.pdf');
    let s = await signChecked(page, 'personal', pdfB64(src), { certificate: leader, profile: 'personal',
      image: 'signature', page: 1, rect: RECTS.signature, numberRect: RECTS.number, dateRect: RECTS.date,
      reason: 'Phê duyệt', name: 'vn-chromium.pdf' });
    if (s.r.signed) fs.writeFileSync(path.join(out, 'personal.pdf'), Buffer.from(s.r.signed, 'base64'));
    s = await signChecked(page, 'organization', s.r.signed ?? pdfB64(src), { certificate: clerk,
      profile: 'organization', image: 'seal', page: 1, docNumber: NUMBER, issueDate: DATE,
      reason: 'Đóng dấu ban hành', name: 'vn-chromium.pdf' });
    if (s.r.signed) fs.writeFileSync(path.join(out, 'issued.pdf'), Buffer.from(s.r.signed, 'base64'));
    s = await signChecked(page, 'attachment', pdfB64(src), { certificate: clerk, profile: 'attachment',
      docNumber: NUMBER, name: 'phu-luc.pdf' });
    if (s.r.signed) fs.writeFileSync(path.join(out, 'attachment.pdf'), Buffer.from(s.r.signed, 'base64'));
    await page.screenshot({ path: path.join(out, 'signed.png') });

    // A page that writes an `origin` of its own into its message: the
    // background overwrites it with the sender's. (1) An unknown page
    // claiming an origin host.conf allows is asked about as itself.
    const forge = await openTestPage(context, env.WEB_URL_FORGE);
    const forgeOrigin = originOf(env.WEB_URL_FORGE);
    c = await call(forge, 'connect', {});
    check(c.transport === 'extension', `the forging page connects through the extension (${short(c)})`);
    answers(['cancel']);
    clearLog();
    const before = nativeLog().length;
    let m = await call(forge, 'bridgeRequest', 9001,
      { id: 'f1', cmd: 'certificates', origin: 'https://portal.kyso.test' });
    log = pinLog();
    texts = dialogTexts(log);
    check(m.kyso === 'response' && m.message?.error?.code === 'ORIGIN_DENIED' && !m.message?.result,
      `a forged origin "https://portal.kyso.test" (allowed in host.conf) does not let ${forgeOrigin} in (${short(m)})`);
    check(texts.length === 1 && texts[0].includes(`${forgeOrigin} ${VIA}`) && !texts[0].includes('portal.kyso.test'),
      `the dialog names the page's own origin ${forgeOrigin}, not the forged one ("${(texts[0] ?? '').replace(/\n/g, ' / ')}")`);
    const hostLines = nativeLog().slice(before);
    check(hostLines.includes(forgeOrigin) && !hostLines.includes('portal.kyso.test'),
      `the host log names ${forgeOrigin}, never the forged origin (${hostLines.trim().split('\n').slice(-3).join(' | ')})`);
    check(m.message && !('origin' in m.message) && m.message.id === 'f1',
      `the page gets the host's reply with its own id and no origin key (${short(m.message)})`);
    // (2) An allowed page claiming an origin host.conf denies is served.
    clearLog();
    m = await call(page, 'bridgeRequest', 9002, { id: 'f2', cmd: 'certificates', origin: 'https://denied.kyso.test' });
    check(m.kyso === 'response' && Array.isArray(m.message?.result?.certificates) && confirms(pinLog()) === 0,
      `a forged denied origin "https://denied.kyso.test" from ${origin} is ignored: served as ${origin} (${short(m)})`);

    // A cross-origin iframe (another port) is its own origin. "Từ chối"
    // there refuses it, not the page around it.
    const frameOrigin = originOf(env.WEB_URL_FRAME);
    await call(page, 'addFrame', `${env.WEB_URL_FRAME}/ext-test/index.html?port=${env.KYSO_HOST_PORT}`);
    const frame = page.frames().find((f) => f.url().startsWith(env.WEB_URL_FRAME));
    check(!!frame, `the iframe from ${frameOrigin} loaded`);
    if (frame) {
      await frame.waitForSelector('body[data-ready="1"]', { timeout: STEP_TIMEOUT_MS });
      c = await call(frame, 'connect', {});
      check(c.transport === 'extension', `the iframe connects through the extension (${short(c)})`);
      answers(['cancel']);
      clearLog();
      certs = await call(frame, 'certificates');
      texts = dialogTexts(pinLog());
      check(certs.error === 'ORIGIN_DENIED', `"Từ chối" in the iframe's first-use dialog: ORIGIN_DENIED (${short(certs)})`);
      check(texts.length === 1 && texts[0].includes(`${frameOrigin} ${VIA}`) && !texts[0].includes(`${origin} `),
        `the iframe's dialog names its own origin ${frameOrigin}, not the page's ("${(texts[0] ?? '').replace(/\n/g, ' / ')}")`);
      await page.screenshot({ path: path.join(out, 'iframe-denied.png') });
      clearLog();
      certs = await call(page, 'certificates');
      check(certs.certificates?.length === 2 && confirms(pinLog()) === 0,
        `the refusal of ${frameOrigin} leaves ${origin} served, no dialog (${short(certs).slice(0, 80)})`);
      clearLog();
      certs = await call(frame, 'certificates');
      check(certs.error === 'ORIGIN_DENIED' && confirms(pinLog()) === 0,
        `${frameOrigin} stays refused on the next request (another host process), not asked again ` +
          `(${short(certs)}, ${confirms(pinLog())} CONFIRM)`);
    }

    // The popup: the token's certificate, the remembered site, revoke.
    const popup = await context.newPage();
    await popup.goto(`chrome-extension://${env.EXT_ID}/popup/popup.html`);
    // DOM hooks (C's popup.html): #cert-list, #origin-list li with its
    // revoke button.
    const listText = (id) => popup.evaluate((i) => document.getElementById(i)?.innerText ?? '', id).catch(() => '');
    try {
      await popup.waitForFunction((want) => (document.getElementById('cert-list')?.innerText ?? '').includes(want[0]) &&
        (document.getElementById('origin-list')?.innerText ?? '').includes(want[1]),
      [env.PKI_PERSON_CN, origin], { timeout: STEP_TIMEOUT_MS });
    } catch { /* judged below */ }
    await popup.screenshot({ path: path.join(out, 'popup.png'), fullPage: true });
    const certText = await listText('cert-list');
    let originText = await listText('origin-list');
    check(certText.includes(env.PKI_PERSON_CN) && certText.includes(env.PKI_ORG_CN),
      `the popup lists the tokens' certificates ("${certText.slice(0, 300)}")`);
    check(originText.includes(origin), `the popup lists the remembered site ${origin} ("${originText.slice(0, 300)}")`);
    const revoke = popup.locator('#origin-list li', { hasText: origin }).locator('button').first();
    check(await revoke.count() === 1, `the remembered site ${origin} has a revoke button in the popup`);
    if (await revoke.count() === 1) {
      await revoke.click();
      try {
        await popup.waitForFunction((o) => !(document.getElementById('origin-list')?.innerText ?? '').includes(o),
          origin, { timeout: 10000 });
      } catch { /* judged below */ }
    }
    originText = await listText('origin-list');
    check(!originText.includes(origin), `after its revoke button the popup no longer lists ${origin} ("${originText.slice(0, 200)}")`);
    await popup.screenshot({ path: path.join(out, 'popup-revoked.png'), fullPage: true });
    answers(['ok']);
    clearLog();
    await call(page, 'connect', {});
    certs = await call(page, 'certificates');
    texts = dialogTexts(pinLog());
    check(certs.certificates?.length === 2 && confirms(pinLog()) === 1 && (texts[0] ?? '').includes(origin),
      `revoked in the popup, ${origin} is asked again at its next request (${confirms(pinLog())} CONFIRM)`);

    // Requests kyso-host could not read (a lone surrogate, U+0000, deep
    // nesting) are refused by the extension at once; 40 of them (more than
    // the 32 request slots) leave the page served.
    // (Built in the page: a lone surrogate would not survive the way here.)
    const junkAnswers = await page.evaluate(async () => {
      const list = [];
      for (let i = 0; i < 40; i++) {
        let m;
        if (i % 3 === 0) m = { cmd: 'certificates', x: String.fromCharCode(0xd800) };
        else if (i % 3 === 1) m = { cmd: 'certificates', [`k${String.fromCharCode(0)}`]: 1 };
        else {
          m = { cmd: 'certificates', deep: [] };
          let a = m.deep;
          for (let j = 0; j < 40; j++) a = a[0] = [];
        }
        list.push(m);
      }
      return Promise.all(list.map((m, i) => window.kysoTest.bridgeRequest(7000 + i, m, 5000)));
    });
    check(junkAnswers.every((a) => a.kyso === 'error' && a.code === 'INVALID_ARGUMENT'),
      `40 requests with a lone surrogate, U+0000 or 40 levels of nesting: INVALID_ARGUMENT (${short(junkAnswers.find((a) => a.code !== 'INVALID_ARGUMENT') ?? junkAnswers[0])})`);
    m = await call(page, 'bridgeRequest', 9003, { id: 'after-junk', cmd: 'certificates' });
    check(m.kyso === 'response' && Array.isArray(m.message?.result?.certificates),
      `after them the page is still served (${short(m)})`);

    // One tab full of frames saying hello: past 16 bridge ports in a tab the
    // frame that asks is told BUSY (never "not installed"); another tab is
    // not refused.
    const crowd = await openTestPage(context, env.WEB_URL);
    const frameUrl = `${env.WEB_URL_FRAME}/ext-test/index.html?port=${env.KYSO_HOST_PORT}`;
    await Promise.all(Array.from({ length: 17 }, () => call(crowd, 'addFrame', frameUrl)));
    const crowdFrames = crowd.frames().filter((f) => f.url().startsWith(env.WEB_URL_FRAME));
    await Promise.all(crowdFrames.map((f) => f.waitForSelector('body[data-ready="1"]', { timeout: STEP_TIMEOUT_MS })));
    const crowdAnswers = await Promise.all(crowdFrames.map((f) => call(f, 'connect', { transport: 'extension' })));
    const busy = crowdAnswers.filter((a) => a.error === 'BUSY').length;
    const served = crowdAnswers.filter((a) => a.transport === 'extension').length;
    check(crowdFrames.length === 17 && busy === 1 && served === 16,
      `17 frames of one origin in one tab say hello together: 16 connect, 1 is told BUSY (${crowdAnswers.map((a) => a.transport ?? a.error).join(',')})`);
    const busyAnswer = crowdAnswers.find((a) => a.error === 'BUSY');
    check(/too many kyso connections in this page/.test(busyAnswer?.detail ?? ''),
      `the BUSY frame is told why (${short(busyAnswer)})`);
    // The tab's own top frame (another origin than the crowd's, and never
    // refused by the per-tab cap) still connects.
    const crowdTop = await call(crowd, 'connect', { transport: 'extension' });
    check(crowdTop.transport === 'extension', `the crowded tab's top frame still connects (${short(crowdTop)})`);
    c = await call(page, 'connect', {});
    check(c.transport === 'extension', `meanwhile another tab still connects (${short(c)})`);
    await crowd.close();

    const bad = page.kysoLogs.filter((l) => l.startsWith('pageerror'));
    check(bad.length === 0, `no page errors (${bad.join(' | ').slice(0, 300)})`);
  } finally {
    await b.close();
  }
}

// The context menu "Kiểm tra chữ ký số" on a link: the background's
// handleMenuClick with Chrome's info object (a headless menu cannot be
// clicked), then the extension's verifier tab.
async function verifierMode(out) {
  const b = await launchWithExtension({ extDir: env.EXT_DIR, extId: env.EXT_ID, wrapper: env.NM_WRAPPER });
  const { context, sw } = b;
  try {
    const page = await openTestPage(context, env.WEB_URL);
    // The menu ids menu.js exports, read in an extension page (a module
    // service worker cannot import()); each must exist in the background
    // (contextMenus.update rejects an unknown id: the bogus one).
    const extPage = await context.newPage();
    await extPage.goto(`chrome-extension://${env.EXT_ID}/popup/popup.html`);
    const ids = await extPage.evaluate(async () => (await import('/src/menu.js')).MENU_IDS).catch((e) => String(e));
    const menus = await sw.evaluate(async (list) => {
      const exists = async (id) => {
        try { await chrome.contextMenus.update(id, {}); return true; } catch { return false; }
      };
      const out = {};
      for (const id of [...(Array.isArray(list) ? list : []), 'kyso-no-such-menu']) out[id] = await exists(id);
      return out;
    }, ids);
    check(Array.isArray(ids) && ids.includes('kyso-verify-link') && ids.every((id) => menus[id] === true) &&
      menus['kyso-no-such-menu'] === false,
    `the background created the menus menu.js exports (${short(ids)}: ${short(menus)})`);
    for (const [file, want, label] of [['valid.pdf', 'Hợp lệ', 'valid'], ['tampered.pdf', 'Không hợp lệ', 'tampered']]) {
      const linkUrl = `${env.WEB_URL}/files/${file}`;
      const opened = context.waitForEvent('page', { timeout: STEP_TIMEOUT_MS });
      // Chrome's info object for a click on a link in the page's top frame.
      // The background's handleMenuClick: from the service worker when it
      // exposes it (globalThis.kysoBackground), else the same module in an
      // extension page (jobs live in storage.session, shared with the worker).
      const arg = [linkUrl, page.url()];
      const click = async ([linkUrl, pageUrl, fromWorker]) => {
        let h = globalThis.kysoBackground?.handleMenuClick;
        if (!h && !fromWorker) h = (await import('/src/menu.js')).handleMenuClick;
        if (typeof h !== 'function') return { unreachable: true };
        // (No "tabs" permission: tabs show no URL; the page was brought
        // to the front, the active tab of the last focused window.)
        const tabs = await chrome.tabs.query({ active: true, lastFocusedWindow: true });
        const tab = tabs[0];
        const info = { menuItemId: 'kyso-verify-link', linkUrl, pageUrl, frameId: 0, editable: false };
        try { return { token: await h(info, tab), tab: tab?.id }; } catch (e) { return { error: String(e) }; }
      };
      await page.bringToFront();
      let r = await sw.evaluate(click, [...arg, true]);
      if (r.unreachable) r = { ...(await extPage.evaluate(click, [...arg, false])), via: 'extension page' };
      check(!r.error && r.token, `${label}: handleMenuClick takes the link ${linkUrl} (${short(r)})`);
      let v = null;
      try { v = await opened; } catch { /* judged below */ }
      check(v && v.url().startsWith(`chrome-extension://${env.EXT_ID}/`),
        `${label}: the extension's own verifier opens (${v?.url()})`);
      if (!v) continue;
      const verdictText = () => v.evaluate(() => document.getElementById('report-body')?.innerText ?? '')
        .catch(() => '');
      const job = () => v.evaluate(() => {
        const j = document.getElementById('job');
        return `${j?.dataset.jobState}${j?.dataset.errorCode ? ` ${j.dataset.errorCode}` : ''}` +
          `${j?.dataset.via ? ` via ${j.dataset.via}` : ''}`;
      }).catch(() => '?');
      const shows = (re) => v.waitForFunction((src) => new RegExp(src).test(
        document.getElementById('report-body')?.innerText ?? ''), re, { timeout: STEP_TIMEOUT_MS })
        .then(() => true, () => false);
      await shows('Hợp lệ|Không hợp lệ|Chưa xác định');
      // The test PKI's root is not one of the bundled Vietnamese roots:
      // the user adds it (#trust-input, as on verify.html).
      if (await v.locator('#trust-input').count() === 1)
        await v.setInputFiles('#trust-input', path.join(env.PKI_DIR, 'root.pem'));
      await shows(want); // after the reverification with the root
      const text = await verdictText();
      await v.screenshot({ path: path.join(out, `verifier-${label}.png`), fullPage: true });
      const via = await v.evaluate(() => document.getElementById('job')?.dataset.via ?? '').catch(() => '');
      check(via === 'content-script',
        `${label}: the file was fetched by the link's frame (its session), not by the extension page (${await job()})`);
      const valid = text.includes('Hợp lệ') && !text.includes('Không hợp lệ');
      check(label === 'valid' ? valid : text.includes(want),
        `${label}: the verifier says "${want}" for ${file} (job ${await job()}; ` +
          `"${text.replace(/\s+/g, ' ').slice(0, 300)}")`);
      await v.close();
    }
  } finally {
    await b.close();
  }
}

// Chrome's Local Network Access: the same page treated as public may not
// open ws://127.0.0.1 (the host runs), while the extension still signs.
async function lnaMode(out) {
  const url = new URL(env.WEB_URL_LNA);
  // Control: without the override the page's websocket reaches the host.
  let b = await launchWithExtension({ extDir: env.EXT_DIR, extId: env.EXT_ID, wrapper: env.NM_WRAPPER });
  try {
    const page = await openTestPage(b.context, env.WEB_URL_LNA);
    const c = await call(page, 'connect', { transport: 'websocket' });
    check(c.transport === 'websocket', `control: a local page reaches the running host's websocket (${short(c)})`);
  } finally {
    await b.close();
  }
  b = await launchWithExtension({ extDir: env.EXT_DIR, extId: env.EXT_ID, wrapper: env.NM_WRAPPER,
    extraArgs: [`--ip-address-space-overrides=${url.host}=public`] });
  try {
    const page = await openTestPage(b.context, env.WEB_URL_LNA);
    let c = await call(page, 'connect', { transport: 'websocket' });
    check(c.error === 'LOCAL_ACCESS_BLOCKED', `a public page's websocket to loopback is blocked (${short(c)})`);
    c = await call(page, 'connect', {});
    check(c.transport === 'extension', `the same public page connects through the extension (${short(c)})`);
    answers([]);
    clearLog();
    const certs = await call(page, 'certificates');
    const leader = certs.certificates?.find((x) => x.commonName === env.PKI_PERSON_CN)?.id;
    check(!!leader, `the public page lists certificates through the extension (${short(certs).slice(0, 120)})`);
    const r = await call(page, 'sign', pdfB64(path.join(env.FX, 'vn-chromium.pdf')),
      { certificate: leader, profile: 'personal', name: 'lna.pdf' });
    check(!!r.signed, `the public page signs through the extension (${r.error ?? r.code})`);
    if (r.signed) fs.writeFileSync(path.join(out, 'lna.pdf'), Buffer.from(r.signed, 'base64'));
    await page.screenshot({ path: path.join(out, 'lna.png') });
  } finally {
    await b.close();
  }
}

const [mode, out] = process.argv.slice(2);
if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    if (!out) throw new Error('usage: chromium_e2e.mjs sign|verifier|lna OUTDIR');
    if (mode === 'sign') await signMode(out);
    else if (mode === 'verifier') await verifierMode(out);
    else if (mode === 'lna') await lnaMode(out);
    else throw new Error(`unknown mode ${mode}`);
  } catch (e) {
    check(false, `exception: ${e && e.stack ? e.stack : e}`);
  }
  process.exit(failures ? 1 : 0);
}
