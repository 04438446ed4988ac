// pages_unit.mjs - node unit tests of the extension's page-side background
// code (extension/src/pages.js, menu.js, cert-view.js, verifier/file-name.js)
// and of the content script's fetcher (src/content-fetch.js), with fake
// browser APIs: sender checks, one-use / expiring verification jobs, the
// context-menu click -> job -> verifier tab, the fetcher's origin check,
// chunking, caps and PDF sniffing.
//   node --test tests/extension/pages_unit.mjs
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import { fileURLToPath } from 'node:url';

const EXT = new URL('../../extension/', import.meta.url);
const ID = 'knlmekdlhgpnkpflicepkioblefgfcac';
const BASE = `chrome-extension://${ID}/`;

function fakeStorageArea() {
  const data = new Map();
  return {
    data,
    async get(key) {
      if (key === null || key === undefined) return Object.fromEntries(data);
      const keys = Array.isArray(key) ? key : [key];
      const out = {};
      for (const k of keys) if (data.has(k)) out[k] = structuredClone(data.get(k));
      return out;
    },
    async set(obj) {
      for (const [k, v] of Object.entries(obj)) data.set(k, structuredClone(v));
    },
    async remove(key) {
      for (const k of Array.isArray(key) ? key : [key]) data.delete(k);
    },
  };
}

const created = [];
const menus = [];
const tabsById = new Map();
const fake = {
  runtime: { id: ID, getURL: (p) => BASE + p, lastError: undefined, onConnect: { addListener() {} } },
  storage: { session: fakeStorageArea(), local: fakeStorageArea(), onChanged: { addListener() {} } },
  tabs: {
    async create(props) {
      created.push(props);
      return { id: 900 + created.length, ...props };
    },
    async get(id) {
      if (!tabsById.has(id)) throw new Error(`No tab with id: ${id}.`);
      return tabsById.get(id);
    },
  },
  contextMenus: {
    create(props, cb) {
      menus.push(props);
      cb?.();
      return props.id;
    },
    async removeAll() {
      menus.length = 0;
    },
    async update() {},
  },
};
globalThis.chrome = fake;

const pages = await import(new URL('src/pages.js', EXT));
const menu = await import(new URL('src/menu.js', EXT));
const certView = await import(new URL('src/cert-view.js', EXT));
const { fileNameFrom } = await import(new URL('verifier/file-name.js', EXT));

const page = { id: ID, url: `${BASE}popup/popup.html` };
const nativeCalls = [];
pages.deps.nativeRequest = async (message, opts) => {
  nativeCalls.push({ message, opts });
  if (message.cmd === 'certificates') return { id: message.id, result: { certificates: [] } };
  if (message.cmd === 'forget-origin') return { id: message.id, result: { forgotten: true, inConfig: false } };
  if (message.cmd === 'origins') return { id: message.id, error: { code: 'ORIGIN_DENIED', message: 'x' } };
  throw Object.assign(new Error('gone'), { code: 'HOST_DISCONNECTED' });
};
pages.deps.hostStatus = async () => ({ installed: true, hello: { version: '1.0', features: [] }, error: null });

test('only extension pages are served', async () => {
  const msg = { t: 'page', cmd: 'status' };
  for (const sender of [
    undefined,
    {},
    { id: ID }, // no url
    { id: ID, url: 'https://evil.example/popup/popup.html' }, // a content script
    { id: 'otherextensionidotherextensionid', url: `chrome-extension://otherextensionidotherextensionid/p.html` },
    { id: 'other', url: `${BASE}popup/popup.html` }, // wrong id, right-looking url
    { id: ID, url: `chrome-extension://${ID}.evil.example/x` },
  ]) {
    const r = await pages.handlePageMessage(msg, sender);
    assert.equal(r.error?.code, 'ORIGIN_DENIED', JSON.stringify(sender));
  }
  const ok = await pages.handlePageMessage(msg, page);
  assert.deepEqual(ok, { status: { installed: true, hello: { version: '1.0', features: [] }, error: null } });
});

test('bad messages are INVALID_ARGUMENT', async () => {
  for (const m of [null, [], { t: 'page' }, { t: 'page', cmd: 'sign' }, { t: 'page', cmd: 'toString' },
    { t: 'page', cmd: '__proto__' }, { t: 'other', cmd: 'status' },
    { t: 'page', cmd: 'forget-origin' }, { t: 'page', cmd: 'forget-origin', site: 'x'.repeat(5000) },
    { t: 'page', cmd: 'revocation', certificates: [] },
    { t: 'page', cmd: 'revocation', certificates: ['not base64!'] },
    { t: 'page', cmd: 'revocation', certificates: new Array(65).fill('AAAA') },
    { t: 'page', cmd: 'verify-tab', tabId: 'x' }]) {
    const r = await pages.handlePageMessage(m, page);
    assert.equal(r.error?.code, 'INVALID_ARGUMENT', JSON.stringify(m));
  }
});

test('host commands go without origin; errors are passed on', async () => {
  nativeCalls.length = 0;
  const c = await pages.handlePageMessage({ t: 'page', cmd: 'certificates', origin: 'https://evil.example' }, page);
  assert.deepEqual(c, { result: { certificates: [] } });
  const f = await pages.handlePageMessage({ t: 'page', cmd: 'forget-origin', site: 'https://a.example' }, page);
  assert.equal(f.result.forgotten, true);
  const o = await pages.handlePageMessage({ t: 'page', cmd: 'origins' }, page);
  assert.equal(o.error.code, 'ORIGIN_DENIED');
  const r = await pages.handlePageMessage({ t: 'page', cmd: 'revocation', certificates: ['MIIB'] }, page);
  assert.equal(r.error.code, 'HOST_DISCONNECTED');
  assert.equal(nativeCalls.length, 4);
  for (const { message, opts } of nativeCalls) {
    assert.equal(message.origin, undefined);
    assert.equal(opts.origin, undefined);
    assert.equal(typeof message.id, 'string');
  }
  assert.deepEqual(Object.keys(nativeCalls[0].message).sort(), ['cmd', 'id']);
  assert.deepEqual(nativeCalls[1].message.site, 'https://a.example');
});

test('jobs are one use and expire after 2 minutes', async () => {
  let now = 1_000_000;
  pages.deps.now = () => now;
  const job = { tabId: 5, frameId: 3, url: 'https://vb.example/dl?id=1', pageUrl: 'https://vb.example/' };
  const token = await pages.createJob(job);
  assert.match(token, /^[0-9a-f]{32}$/);
  // stored in storage.session, not in memory only
  assert.ok(fake.storage.session.data.has(pages.JOB_KEY_PREFIX + token));
  const first = await pages.handlePageMessage({ t: 'page', cmd: 'take-job', job: token },
    { id: ID, url: `${BASE}verifier/verifier.html?job=${token}` });
  assert.deepEqual(first, { job: { ...job, expectOrigin: 'https://vb.example' } });
  const again = await pages.handlePageMessage({ t: 'page', cmd: 'take-job', job: token }, page);
  assert.equal(again.error.code, 'JOB_UNKNOWN');
  // concurrent takes: exactly one wins
  const t2 = await pages.createJob(job);
  const both = await Promise.all([pages.takeJob(t2), pages.takeJob(t2)]);
  assert.equal(both.filter((r) => r.job).length, 1);
  // expiry
  const t3 = await pages.createJob(job);
  now += pages.JOB_TTL_MS + 1;
  const late = await pages.takeJob(t3);
  assert.equal(late.error.code, 'JOB_EXPIRED');
  assert.equal((await pages.takeJob(t3)).error.code, 'JOB_UNKNOWN');
  // stale jobs are dropped when a new one is made
  const t4 = await pages.createJob(job);
  now += pages.JOB_TTL_MS + 1;
  await pages.createJob(job);
  assert.ok(!fake.storage.session.data.has(pages.JOB_KEY_PREFIX + t4));
  // tokens from elsewhere
  for (const bad of [undefined, '', 'x', t4.toUpperCase(), `${t4}0`, { t: t4 }])
    assert.equal((await pages.takeJob(bad)).error.code, 'JOB_UNKNOWN');
  // a content script cannot take a job
  const t5 = await pages.createJob(job);
  const cs = await pages.handlePageMessage({ t: 'page', cmd: 'take-job', job: t5 },
    { id: ID, url: 'https://vb.example/', tab: { id: 5 } });
  assert.equal(cs.error.code, 'ORIGIN_DENIED');
  pages.deps.now = () => Date.now();
});

test('menus: link and PDF page items', async () => {
  await menu.setupMenus();
  const ids = menus.map((m) => m.id).sort();
  assert.deepEqual(ids, [menu.MENU_LINK, menu.MENU_PAGE].sort());
  const link = menus.find((m) => m.id === menu.MENU_LINK);
  assert.deepEqual(link.contexts, ['link']);
  assert.equal(link.title, 'Kiểm tra chữ ký số');
  const pg = menus.find((m) => m.id === menu.MENU_PAGE);
  assert.ok(pg.documentUrlPatterns.includes('https://*/*.pdf'));
  // English when stored so
  await fake.storage.local.set({ lang: 'en' });
  await menu.setupMenus();
  assert.equal(menus.find((m) => m.id === menu.MENU_LINK).title, 'Verify digital signatures');
  await fake.storage.local.remove('lang');
});

test('menu click makes a job and opens the verifier beside the tab', async () => {
  created.length = 0;
  const tab = { id: 42, index: 3, url: 'https://vb.example/inbox' };
  const token = await menu.handleMenuClick({ menuItemId: menu.MENU_LINK, linkUrl: 'https://vb.example/download?id=7',
    frameId: 2, frameUrl: 'https://vb.example/frame', pageUrl: 'https://vb.example/inbox' }, tab);
  assert.match(token, /^[0-9a-f]{32}$/);
  assert.equal(created.length, 1);
  assert.equal(created[0].url, `${BASE}verifier/verifier.html?job=${token}`);
  assert.equal(created[0].index, 4);
  assert.equal(created[0].openerTabId, 42);
  const { job } = await pages.takeJob(token);
  assert.deepEqual(job, { tabId: 42, frameId: 2, url: 'https://vb.example/download?id=7',
    pageUrl: 'https://vb.example/frame', expectOrigin: 'https://vb.example' });
  // The origin expected is the clicked frame's (else the page's); Chromium's
  // documentId is kept to reach that very document.
  const t3 = await menu.handleMenuClick({ menuItemId: menu.MENU_LINK, linkUrl: 'https://vb.example/d?id=8',
    frameId: 3, frameUrl: 'https://widget.example:8443/w', pageUrl: 'https://vb.example/inbox',
    documentId: 'ABCDEF0123' }, tab);
  assert.deepEqual((await pages.takeJob(t3)).job, { tabId: 42, frameId: 3, url: 'https://vb.example/d?id=8',
    pageUrl: 'https://widget.example:8443/w', expectOrigin: 'https://widget.example:8443', documentId: 'ABCDEF0123' });
  const t4 = await menu.handleMenuClick({ menuItemId: menu.MENU_LINK, linkUrl: 'https://vb.example/d?id=9',
    frameId: 0, pageUrl: 'https://vb.example/inbox' }, tab);
  assert.equal((await pages.takeJob(t4)).job.expectOrigin, 'https://vb.example');
  // the page item takes the frame's (or page's) URL
  const t2 = await menu.handleMenuClick({ menuItemId: menu.MENU_PAGE, pageUrl: 'https://vb.example/a.pdf',
    frameId: 0 }, tab);
  assert.equal((await pages.takeJob(t2)).job.url, 'https://vb.example/a.pdf');
  // nothing for other schemes or other menus
  created.length = 0;
  for (const info of [
    { menuItemId: menu.MENU_LINK, linkUrl: 'javascript:alert(1)' },
    { menuItemId: menu.MENU_LINK, linkUrl: 'file:///etc/passwd' },
    { menuItemId: menu.MENU_LINK, linkUrl: 'data:application/pdf,%PDF-' },
    { menuItemId: menu.MENU_LINK },
    { menuItemId: 'other', linkUrl: 'https://a.example/x.pdf' },
  ]) assert.equal(await menu.handleMenuClick(info, tab), null);
  assert.equal(created.length, 0);
});

test('verify-tab: a PDF URL opens the verifier, anything else says NOT_PDF', async () => {
  created.length = 0;
  tabsById.set(7, { id: 7, index: 0, url: 'https://vb.example/files/QD%2012.PDF?x=1' });
  tabsById.set(8, { id: 8, index: 1, url: 'https://vb.example/inbox' });
  tabsById.set(9, { id: 9, index: 2 }); // no URL: no access
  assert.deepEqual(await pages.handlePageMessage({ t: 'page', cmd: 'verify-tab', tabId: 7 }, page), { opened: true });
  assert.equal(created.length, 1);
  assert.equal((await pages.handlePageMessage({ t: 'page', cmd: 'verify-tab', tabId: 8 }, page)).error.code, 'NOT_PDF');
  assert.equal((await pages.handlePageMessage({ t: 'page', cmd: 'verify-tab', tabId: 9 }, page)).error.code, 'NO_TAB');
  assert.equal((await pages.handlePageMessage({ t: 'page', cmd: 'verify-tab', tabId: 10 }, page)).error.code, 'NO_TAB');
  assert.equal(created.length, 1);
  assert.equal(pages.looksLikePdfUrl('https://a.example/x.pdf/'), true);
  assert.equal(pages.looksLikePdfUrl('https://a.example/x.pdfx'), false);
  assert.equal(pages.looksLikePdfUrl('ftp://a.example/x.pdf'), false);
});

test('cert-view: DN parsing and validity states', () => {
  const dn = 'UID=CCCD:082012345678,CN=Nguyễn Văn A,O=Sở Tư pháp\\, tỉnh Tiền Giang+OU=Văn phòng,C=VN';
  assert.deepEqual(certView.dnGet(dn, 'CN'), ['Nguyễn Văn A']);
  assert.deepEqual(certView.dnGet(dn, 'o'), ['Sở Tư pháp, tỉnh Tiền Giang']);
  assert.deepEqual(certView.dnGet(dn, 'OU'), ['Văn phòng']);
  assert.deepEqual(certView.dnGet('CN=\\C3\\A1 b', 'CN'), ['á b']);
  assert.deepEqual(certView.dnGet(42, 'CN'), []);
  const now = Date.parse('2026-06-01T00:00:00Z');
  const day = 86400000;
  assert.equal(certView.certState('2025-01-01T00:00:00Z', '2027-01-01T00:00:00Z', now).state, 'valid');
  const soon = certView.certState('2025-01-01T00:00:00Z', new Date(now + 30 * day).toISOString(), now);
  assert.deepEqual(soon, { state: 'expiring', days: 30 });
  assert.equal(certView.certState('2025-01-01T00:00:00Z', new Date(now + 31 * day).toISOString(), now).state, 'valid');
  assert.equal(certView.certState('2025-01-01T00:00:00Z', '2026-05-31T00:00:00Z', now).state, 'expired');
  assert.equal(certView.certState('2026-07-01T00:00:00Z', '2027-01-01T00:00:00Z', now).state, 'notyet');
  assert.equal(certView.certState(null, 'x', now).state, 'unknown');
  assert.equal(certView.vnDate('2025-12-31T18:00:00Z'), '01/01/2026');
});

test('file names from Content-Disposition or the URL', () => {
  assert.equal(fileNameFrom("attachment; filename*=UTF-8''Quy%E1%BA%BFt%20%C4%91%E1%BB%8Bnh.pdf; filename=\"x.pdf\"",
    'https://a/b'), 'Quyết định.pdf');
  assert.equal(fileNameFrom('attachment; filename="a\\"b.pdf"', 'https://a/b'), 'a"b.pdf');
  assert.equal(fileNameFrom('inline', 'https://a/dir/C%C3%B4ng%20v%C4%83n.pdf?x=1'), 'Công văn.pdf');
  assert.equal(fileNameFrom('attachment; filename="../../etc/passwd"', 'https://a/'), '.._.._etc_passwd');
  assert.equal(fileNameFrom(null, 'https://a/'), 'document.pdf');
  assert.equal(fileNameFrom(null, 'not a url'), 'document.pdf');
  assert.equal(fileNameFrom(`attachment; filename="${'a'.repeat(500)}"`, 'https://a/').length, 200);
});

// ---- content-fetch.js -------------------------------------------------------------

const cfApi = {
  runtime: { id: ID, getURL: (p) => BASE + p, onConnect: { addListener: (fn) => { cfApi.listener = fn; } } },
};
{
  const saved = globalThis.chrome;
  globalThis.chrome = cfApi; // a content script: no tabs API
  vm.runInThisContext(readFileSync(fileURLToPath(new URL('src/content-fetch.js', EXT)), 'utf8'),
    { filename: 'content-fetch.js' });
  globalThis.chrome = saved;
}
const CF = globalThis.kysoContentFetch;

function fakePort(sender, name = 'kyso-fetch') {
  const port = {
    name, sender, sent: [], disconnected: false, msgListeners: [], discListeners: [],
    postMessage(m) { port.sent.push(m); },
    disconnect() { port.disconnected = true; },
    onMessage: { addListener: (fn) => port.msgListeners.push(fn) },
    onDisconnect: { addListener: (fn) => port.discListeners.push(fn) },
  };
  return port;
}

function streamOf(parts, { error } = {}) {
  let i = 0;
  return new ReadableStream({
    pull(ctl) {
      if (i < parts.length) ctl.enqueue(parts[i++]);
      else if (error) ctl.error(new Error(error));
      else ctl.close();
    },
  });
}

function fakeFetch(parts, init = {}, calls = []) {
  return async (url, opts) => {
    calls.push({ url, opts });
    if (init.throws) throw new TypeError(init.throws);
    return new Response(streamOf(parts, init), { status: init.status ?? 200, headers: init.headers ?? {} });
  };
}

async function runServe(parts, init, url = 'https://vb.example/dl?id=1') {
  const sent = [];
  const calls = [];
  await CF.serve({ postMessage: (m) => sent.push(m) }, url, fakeFetch(parts, init, calls), new AbortController().signal);
  return { sent, calls };
}

function pdfBytes(n) {
  const b = new Uint8Array(n);
  b.set(new TextEncoder().encode('%PDF-1.7\n'));
  for (let i = 9; i < n; i++) b[i] = i % 251;
  return b;
}

test('content-fetch registers a listener and only serves the extension\'s own pages', async () => {
  assert.equal(typeof cfApi.listener, 'function');
  for (const sender of [
    { id: 'other' },
    { id: ID, url: 'https://evil.example/', tab: { id: 1 } },
    { id: ID, tab: { id: 1 } }, // no url, with a tab: a content script
    undefined,
  ]) {
    const p = fakePort(sender);
    CF.onConnect(p, fakeFetch([pdfBytes(10)]));
    assert.equal(p.disconnected, true, JSON.stringify(sender));
    assert.equal(p.msgListeners.length, 0);
  }
  // other port names are not ours (left alone)
  const other = fakePort({ id: 'other' }, 'kyso-bridge');
  CF.onConnect(other, fakeFetch([]));
  assert.equal(other.disconnected, false);
  // the verifier page: served, with the user's credentials
  const calls = [];
  const ok = fakePort({ id: ID, url: `${BASE}verifier/verifier.html?job=x` });
  CF.onConnect(ok, fakeFetch([pdfBytes(100)], {}, calls), () => 'https://vb.example');
  ok.msgListeners[0]({ t: 'fetch', url: 'https://vb.example/a', expectOrigin: 'https://vb.example' });
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(calls[0].opts.credentials, 'include');
  assert.deepEqual(ok.sent.map((m) => m.t), ['start', 'chunk', 'end']);
  // a second request on the same port ends it
  ok.msgListeners[0]({ t: 'fetch', url: 'https://vb.example/b' });
  assert.equal(ok.disconnected, true);
});

test('content-fetch: a frame whose origin is not the one of the click (it navigated since) is refused PAGE_CHANGED, nothing fetched', async () => {
  const cases = [
    ['https://victim.example', 'https://evil.example'], // navigated to the victim's origin
    ['https://vb.example', undefined], // no expected origin sent
    ['https://vb.example', 'https://vb.example:8443'],
    ['null', 'null'], // an opaque origin is never a match
  ];
  for (const [now, expectOrigin] of cases) {
    const calls = [];
    const p = fakePort({ id: ID, url: `${BASE}verifier/verifier.html?job=x` });
    CF.onConnect(p, fakeFetch([pdfBytes(100)], {}, calls), () => now);
    p.msgListeners[0]({ t: 'fetch', url: 'https://victim.example/secret.pdf', expectOrigin });
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(calls.length, 0, `${now} vs ${expectOrigin}: nothing fetched`);
    assert.deepEqual(p.sent.map((m) => [m.t, m.code]), [['error', 'PAGE_CHANGED']], `${now} vs ${expectOrigin}`);
  }
  // The same origin as at the click: served.
  const calls = [];
  const p = fakePort({ id: ID, url: `${BASE}verifier/verifier.html?job=x` });
  CF.onConnect(p, fakeFetch([pdfBytes(100)], {}, calls), () => 'https://victim.example');
  p.msgListeners[0]({ t: 'fetch', url: 'https://victim.example/a.pdf', expectOrigin: 'https://victim.example' });
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(calls.length, 1);
  assert.deepEqual(p.sent.map((m) => m.t), ['start', 'chunk', 'end']);
});

test('content-fetch streams base64 chunks of at most 1 MiB', async () => {
  const total = 2.5 * 1024 * 1024 + 17;
  const all = pdfBytes(total);
  const parts = [];
  for (let at = 0; at < total; at += 300_000) parts.push(all.subarray(at, Math.min(total, at + 300_000)));
  const { sent } = await runServe(parts, { headers: { 'content-length': String(total),
    'content-disposition': 'attachment; filename="a.pdf"', 'content-type': 'application/pdf' } });
  assert.equal(sent[0].t, 'start');
  assert.equal(sent[0].size, total);
  assert.equal(sent[0].disposition, 'attachment; filename="a.pdf"');
  const chunks = sent.filter((m) => m.t === 'chunk').map((m) => Buffer.from(m.data, 'base64'));
  assert.equal(chunks.length, 3);
  for (const c of chunks) assert.ok(c.length <= CF.CHUNK_MAX);
  assert.deepEqual(Buffer.concat(chunks), Buffer.from(all));
  assert.deepEqual(sent.at(-1), { t: 'end', size: total });
});

test('content-fetch: tiny PDFs, the 1 KiB sniff and refusals', async () => {
  // a PDF shorter than the sniff window, split in pieces
  const small = pdfBytes(40);
  let r = await runServe([small.subarray(0, 3), small.subarray(3)]);
  assert.deepEqual(r.sent.map((m) => m.t), ['start', 'chunk', 'end']);
  // %PDF- after some junk but within the first KiB: accepted
  const junk = new Uint8Array(1100);
  junk.set(new TextEncoder().encode('%PDF-1.4'), 1000);
  r = await runServe([junk]);
  assert.equal(r.sent[0].t, 'start');
  // %PDF- past the first KiB: not a PDF
  const late = new Uint8Array(2000);
  late.set(new TextEncoder().encode('%PDF-1.4'), 1020);
  r = await runServe([late]);
  assert.deepEqual(r.sent, [{ t: 'error', code: 'NOT_PDF', message: 'no %PDF- header in the first KiB' }]);
  // an HTML login page
  r = await runServe([new TextEncoder().encode('<!doctype html><title>Đăng nhập</title>')]);
  assert.equal(r.sent[0].code, 'NOT_PDF');
  assert.equal(r.sent.length, 1);
  // empty body
  r = await runServe([]);
  assert.equal(r.sent[0].code, 'NOT_PDF');
  // HTTP errors
  r = await runServe([pdfBytes(10)], { status: 403 });
  assert.equal(r.sent[0].code, 'HTTP_ERROR');
  assert.equal(r.sent[0].status, 403);
  // only http(s)
  for (const url of ['file:///etc/passwd', 'javascript:1', 'chrome://settings', 'data:,%PDF-']) {
    r = await runServe([pdfBytes(10)], {}, url);
    assert.equal(r.sent[0].code, 'BAD_URL', url);
    assert.equal(r.calls.length, 0);
  }
  // refused (CORS): NETWORK
  r = await runServe([], { throws: 'Failed to fetch' });
  assert.equal(r.sent[0].code, 'NETWORK');
  // a stream that breaks midway
  r = await runServe([pdfBytes(2000)], { error: 'reset' });
  assert.equal(r.sent.at(-1).code, 'NETWORK');
});

test('content-fetch: the 100 MiB cap, by header and by counting', async () => {
  let r = await runServe([pdfBytes(10)], { headers: { 'content-length': String(CF.FETCH_MAX + 1) } });
  assert.equal(r.sent[0].code, 'TOO_BIG');
  assert.equal(r.sent.length, 1);
  // a server that lies about (or omits) its length: counted
  const piece = new Uint8Array(8 * 1024 * 1024);
  piece.set(pdfBytes(1024));
  const parts = new Array(13).fill(piece); // 104 MiB
  r = await runServe(parts, { headers: { 'content-length': '100' } });
  assert.equal(r.sent.at(-1).code, 'TOO_BIG');
  const got = r.sent.filter((m) => m.t === 'chunk').reduce((n, m) => n + Buffer.from(m.data, 'base64').length, 0);
  assert.ok(got <= CF.FETCH_MAX);
  assert.equal(r.sent.some((m) => m.t === 'end'), false);
});

test('content-fetch: the verifier hanging up aborts the fetch', async () => {
  let aborted = false;
  const p = fakePort({ id: ID, url: `${BASE}verifier/verifier.html` });
  CF.onConnect(p, async (url, opts) => {
    opts.signal.addEventListener('abort', () => { aborted = true; });
    return new Response(new ReadableStream({
      start(ctl) {
        ctl.enqueue(pdfBytes(2048));
        opts.signal.addEventListener('abort', () => ctl.error(new DOMException('aborted', 'AbortError')));
      },
    }));
  }, () => 'https://vb.example');
  p.msgListeners[0]({ t: 'fetch', url: 'https://vb.example/slow', expectOrigin: 'https://vb.example' });
  await new Promise((r) => setTimeout(r, 20));
  for (const fn of p.discListeners) fn();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(aborted, true);
  assert.equal(p.sent.filter((m) => m.t === 'end').length, 0);
});

test('verifier fetch policy: its own fetch starts by itself only for a same-origin link no content script could fetch', async () => {
  const P = await import(new URL('verifier/fetch-policy.js', EXT));
  const job = (url, pageUrl) => ({ url, pageUrl });
  const same = job('https://vb.example/dl?id=1', 'https://vb.example/list');
  assert.equal(P.ownFetchDecision(same, 'none', true), 'auto');
  assert.equal(P.ownFetchDecision(same, 'none', false), 'confirm', 'not granted: ask');
  assert.equal(P.ownFetchDecision(same, 'refused', true), 'confirm', 'the content script answered and was refused');
  for (const [url, pageUrl] of [['https://intranet.example/x?del=1', 'https://evil.example/'],
    ['http://vb.example/dl', 'https://vb.example/'], ['https://vb.example:8443/dl', 'https://vb.example/'],
    ['https://vb.example/dl', null], ['https://vb.example/dl', 'about:blank'], ['https://vb.example/dl', 'chrome://newtab/']])
    assert.equal(P.ownFetchDecision(job(url, pageUrl), 'none', true), 'confirm', `${url} from ${pageUrl}`);
  assert.equal(P.originPattern('https://vb.example:8443/a/b?c'), 'https://vb.example:8443/*');
  assert.equal(P.originPattern('http://10.0.0.5/a'), 'http://10.0.0.5/*');
  for (const bad of ['https://*.example.vn/a', 'https://%2a.example.vn/a', 'https://a*b.example/',
    'ftp://vb.example/', 'not a url', 'javascript:alert(1)'])
    assert.equal(P.originPattern(bad), null, bad);
});

test('content-fetch: the verifier\'s own fetch follows no redirect (REDIRECT), the content script\'s does', async () => {
  const sent = [];
  const calls = [];
  const redirecting = async (url, opts) => {
    calls.push(opts);
    if (opts.redirect === 'manual') return { type: 'opaqueredirect', status: 0, ok: false, redirected: false, body: null, headers: new Headers() };
    return new Response(pdfBytes(2000), { status: 200 });
  };
  await CF.serve({ postMessage: (m) => sent.push(m) }, 'https://vb.example/dl', redirecting, new AbortController().signal, { own: true });
  assert.equal(calls[0].redirect, 'manual');
  assert.equal(calls[0].credentials, 'include');
  assert.deepEqual(sent.map((m) => [m.t, m.code]), [['error', 'REDIRECT']]);
  const s2 = [];
  await CF.serve({ postMessage: (m) => s2.push(m) }, 'https://vb.example/dl',
    async (u, o) => (calls.push(o), new Response(null, { status: 302, headers: { location: 'https://x.example/' } })),
    new AbortController().signal, { own: true });
  assert.equal(s2[0].code, 'REDIRECT', 'a 3xx as such');
  const { sent: s3, calls: c3 } = await runServe([pdfBytes(2000)]);
  assert.equal(c3[0].opts.redirect, 'follow', 'the frame\'s own fetch: the browser\'s rules for the page');
  assert.equal(s3.at(-1).t, 'end');
});

test('file names: bidi and format controls are dropped', () => {
  assert.equal(fileNameFrom('attachment; filename*=UTF-8\'\'bao%20cao%E2%80%AEfdp.exe', 'https://a/'), 'bao caofdp.exe');
  assert.equal(fileNameFrom(null, 'https://a/%E2%81%A6x%E2%80%8F%EF%BB%BFy%D8%9C.pdf'), 'xy.pdf');
  assert.equal(fileNameFrom('attachment; filename="\u202ereadme\u2069.pdf"', 'https://a/'), 'readme.pdf');
});
