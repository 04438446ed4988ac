// verifier.js - the built-in verifier page's own part: it runs the web
// verifier unchanged (../web/verify.js: same WASM module, same report code,
// same "Hợp lệ" / "Không hợp lệ" / "Chưa xác định được"), and when opened
// from the context menu (?job=TOKEN) it fetches the file WITH THE USER'S
// SESSION and hands the bytes to the verifier. Nothing is uploaded: the bytes
// go from the e-office server to this page, then to the WASM Worker.
//
// Where the bytes come from, in order:
//   1. the content script of the frame that showed the link
//      (tabs.connect(tabId, {frameId, name: 'kyso-fetch'}), content-fetch.js):
//      the page's own cookies and origin;
//   2. when that frame has no content script (plain-http intranet, a PDF
//      viewer) or its fetch is refused (CORS): this page itself, with
//      credentials, following no redirect, under an optional host permission
//      for exactly the link's origin. By itself only for a link on the
//      frame's own origin that no content script could fetch, with the
//      permission granted before; else only after the user's click on a
//      button naming the full URL and the page that offered it (and the
//      permission asked then). fetch-policy.js.
//
// DOM hooks for tests (F), besides verify.html's own (body[data-state],
// #report-body, window.kysoVerifier):
//   #job                 data-job-state = none | loading | fetching |
//                        need-permission | fetched | error
//                        data-error-code = JOB_UNKNOWN | JOB_EXPIRED | NOT_PDF |
//                        TOO_BIG | HTTP_ERROR | BAD_URL | NETWORK | ABORTED |
//                        REDIRECT | PERMISSION_REFUSED (when state = error)
//                        data-confirm = cross-origin | refused | permission
//                        (need-permission: why the click is asked)
//                        data-via = content-script | extension (when fetched)
//   #job-url             the file's URL (text and href)
//   #job-page            the page that showed the link
//   #job-status          progress / size text
//   #job-grant           the "allow this origin" button (need-permission)
//   #job-error           the error text
//   window.kysoExtVerifier.done   Promise settled when the job is over
import { setHostConnector } from '../web/verify-online.js';
import { getLang, tr } from '../src/i18n.js';
import { fileNameFrom } from './file-name.js';
import { originPattern, ownFetchDecision } from './fetch-policy.js';

const api = globalThis.browser ?? globalThis.chrome;
const $ = (id) => document.getElementById(id);

const FETCH_MAX = 100 * 1024 * 1024;
const SNIFF = 1024;

const page = {
  lang: 'vi',
  job: null,
  state: 'none',
  errorCode: null,
  errorText: null, // (lang) => text
  statusText: null, // (lang) => text
  via: null,
  confirm: null, // why the user's click is asked (need-permission)
};

// ---- language: the extension's choice, unless the URL says ----------------
const params = new URLSearchParams(location.search);
page.lang = params.get('lang') === 'en' || params.get('lang') === 'vi' ? params.get('lang') : await getLang();
if (page.lang === 'en' && params.get('lang') !== 'en') {
  params.set('lang', 'en');
  history.replaceState(null, '', `${location.pathname}?${params}`);
}

// "Kiểm tra trực tuyến" over native messaging through the background (no
// websocket, no page bridge in an extension page).
setHostConnector(async () => ({
  async request(message) {
    const r = await api.runtime.sendMessage({ t: 'page', cmd: 'revocation', certificates: message.certificates });
    return r?.result ? { id: message.id, result: r.result }
      : { id: message.id, error: r?.error ?? { code: 'HOST_DISCONNECTED', message: 'no reply' } };
  },
}));

await import('../web/verify.js');

function t(key, vars) {
  return tr(page.lang, key, vars);
}

function render() {
  const box = $('job');
  box.hidden = page.state === 'none';
  box.dataset.jobState = page.state;
  if (page.errorCode) box.dataset.errorCode = page.errorCode;
  else delete box.dataset.errorCode;
  if (page.via) box.dataset.via = page.via;
  if (page.state === 'need-permission' && page.confirm) box.dataset.confirm = page.confirm;
  else delete box.dataset.confirm;
  $('job-source-label').textContent = t('source');
  $('job-page-label').textContent = t('sourcePage');
  const url = page.job?.url ?? '';
  $('job-url').textContent = url || '—';
  if (/^https?:/i.test(url)) $('job-url').href = url;
  else $('job-url').removeAttribute('href');
  $('job-page-line').hidden = !page.job?.pageUrl || page.job.pageUrl === url;
  $('job-page').textContent = page.job?.pageUrl ?? '';
  $('job-status').textContent = page.statusText ? page.statusText() : '';
  const grant = $('job-grant');
  grant.hidden = page.state !== 'need-permission';
  if (page.job) {
    grant.textContent = t('grantFetch', { url: page.job.url, page: page.job.pageUrl ?? '—' });
  }
  const err = $('job-error');
  err.hidden = !page.errorText;
  err.textContent = page.errorText ? page.errorText() : '';
}

function setState(state, extra = {}) {
  page.state = state;
  page.errorCode = extra.code ?? null;
  page.errorText = extra.error ?? null;
  if ('status' in extra) page.statusText = extra.status;
  render();
}

function fail(code, text) {
  setState('error', { code, error: text, status: null });
}

function originOf(url) {
  try {
    return new URL(url).origin;
  } catch {
    return '';
  }
}

function sizeText(n) {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(0)} KiB`;
  return `${n} B`;
}

// A fetch error code from content-fetch.js (or ours) in words.
function errorWords(m) {
  switch (m.code) {
    case 'NOT_PDF': return () => t('notPdf');
    case 'TOO_BIG': return () => t('tooBig', { max: sizeText(FETCH_MAX) });
    case 'HTTP_ERROR': return () => t('httpError', { status: Number(m.status) || '?' });
    case 'BAD_URL': return () => t('badUrl');
    case 'ABORTED': return () => t('fetchAborted');
    case 'REDIRECT': return () => t('redirected');
    case 'PAGE_CHANGED': return () => t('pageChanged');
    case 'NETWORK': return () => `${t('networkError')}: ${String(m.message ?? '')}`;
    default: return () => `${t('fetchFailed')}: ${String(m.message ?? m.code ?? '')}`;
  }
}

// ---- collecting the bytes ----------------------------------------------------
function b64decode(s) {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function hasPdfMagic(bytes) {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, SNIFF));
  return head.includes('%PDF-');
}

// A sink for the fetch protocol's messages (content-fetch.js's, or this
// page's own fetch): resolves {bytes, start} or rejects {code, ...}.
function collector() {
  let start = null;
  const parts = [];
  let total = 0;
  let resolve;
  let reject;
  let settled = false;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const end = (fn, v) => {
    if (settled) return;
    settled = true;
    fn(v);
  };
  const onMessage = (m) => {
    if (settled) return;
    if (!m || typeof m !== 'object') return end(reject, { code: 'NETWORK', message: 'bad message' });
    if (m.t === 'error') return end(reject, { code: String(m.code ?? 'NETWORK'), status: m.status, message: String(m.message ?? '') });
    if (m.t === 'start' && !start) {
      start = { size: Number.isInteger(m.size) ? m.size : null,
        disposition: typeof m.disposition === 'string' ? m.disposition.slice(0, 1024) : null,
        url: typeof m.url === 'string' ? m.url : null };
      setState('fetching', { status: () => t('fetching') });
      return;
    }
    if (m.t === 'chunk' && start && typeof m.data === 'string') {
      if (total + m.data.length * 0.75 > FETCH_MAX + 4) return end(reject, { code: 'TOO_BIG' });
      let b;
      try {
        b = b64decode(m.data);
      } catch {
        return end(reject, { code: 'NETWORK', message: 'bad chunk' });
      }
      total += b.length;
      if (total > FETCH_MAX) return end(reject, { code: 'TOO_BIG' });
      parts.push(b);
      const got = total;
      page.statusText = () => `${t('fetching')} ${sizeText(got)}${start.size ? ` / ${sizeText(start.size)}` : ''}`;
      $('job-status').textContent = page.statusText();
      return;
    }
    if (m.t === 'end' && start) {
      const bytes = new Uint8Array(total);
      let at = 0;
      for (const p of parts) {
        bytes.set(p, at);
        at += p.length;
      }
      if (!hasPdfMagic(bytes)) return end(reject, { code: 'NOT_PDF' });
      return end(resolve, { bytes, start });
    }
    return end(reject, { code: 'NETWORK', message: `unexpected message ${String(m.t)}` });
  };
  return { promise, onMessage, fail: (e) => end(reject, e), get started() { return !!start; } };
}

// 1. Through the frame's content script. Rejects {code: 'NO_CONTENT_SCRIPT'}
// when there is none to talk to.
function fetchViaContentScript(job) {
  const c = collector();
  let port;
  try {
    // The very document the user clicked in when the browser named it
    // (Chromium's documentId), else the frame; the content script also
    // checks its origin is still the one of the click (expectOrigin).
    port = null;
    if (typeof job.documentId === 'string') {
      try {
        port = api.tabs.connect(job.tabId, { documentId: job.documentId, name: 'kyso-fetch' });
      } catch {
        port = null; // a browser without documentId here
      }
    }
    port ??= api.tabs.connect(job.tabId, { frameId: job.frameId, name: 'kyso-fetch' });
  } catch (e) {
    c.fail({ code: 'NO_CONTENT_SCRIPT', message: String(e?.message ?? e) });
    return c.promise;
  }
  let heard = false;
  port.onMessage.addListener((m) => {
    heard = true;
    c.onMessage(m);
  });
  port.onDisconnect.addListener(() => {
    void api.runtime.lastError;
    c.fail(heard ? { code: 'ABORTED' } : { code: 'NO_CONTENT_SCRIPT' });
  });
  port.postMessage({ t: 'fetch', url: job.url, expectOrigin: job.expectOrigin ?? null });
  return c.promise.finally(() => {
    try {
      port.disconnect();
    } catch { /* gone */ }
  });
}

// 2. This page's own fetch (host permission for the origin granted).
async function fetchHere(job) {
  const c = collector();
  const cf = globalThis.kysoContentFetch;
  const ctl = new AbortController();
  cf.serve({ postMessage: (m) => c.onMessage(m) }, job.url, globalThis.fetch.bind(globalThis), ctl.signal,
    { own: true })
    .catch((e) => c.fail({ code: 'NETWORK', message: String(e?.message ?? e) }));
  return c.promise;
}

async function hasPermission(url) {
  const pattern = originPattern(url);
  if (!pattern) return false;
  try {
    return await api.permissions.contains({ origins: [pattern] });
  } catch {
    return false;
  }
}

async function whenVerifierReady() {
  const ok = () => document.body.dataset.state !== 'loading' && window.kysoVerifier?.state?.kyso;
  if (ok()) return;
  await new Promise((resolve) => {
    const mo = new MutationObserver(() => {
      if (document.body.dataset.state !== 'loading') {
        mo.disconnect();
        resolve();
      }
    });
    mo.observe(document.body, { attributes: true, attributeFilter: ['data-state'] });
  });
}

async function hand(got, via) {
  const name = fileNameFrom(got.start.disposition, got.start.url ?? page.job.url);
  page.via = via;
  setState('fetched', { status: () => t('fetched', { size: sizeText(got.bytes.length) }) });
  await whenVerifierReady();
  await window.kysoVerifier.open(new File([got.bytes], name, { type: 'application/pdf' }));
}

async function ownFetchFlow(job) {
  setState('fetching', { status: () => t('fetching') });
  try {
    const got = await fetchHere(job);
    await hand(got, 'extension');
  } catch (e) {
    fail(e.code ?? 'NETWORK', errorWords(e));
  }
}

async function runJob(token) {
  setState('loading', { status: () => t('fetching') });
  let r;
  try {
    r = await api.runtime.sendMessage({ t: 'page', cmd: 'take-job', job: token });
  } catch (e) {
    r = { error: { code: 'JOB_UNKNOWN', message: String(e?.message ?? e) } };
  }
  if (!r?.job) {
    const code = r?.error?.code === 'JOB_EXPIRED' ? 'JOB_EXPIRED' : 'JOB_UNKNOWN';
    fail(code, () => t(code === 'JOB_EXPIRED' ? 'jobExpired' : 'jobUnknown'));
    return;
  }
  page.job = r.job;
  if (!/^https?:$/.test(new URL(page.job.url).protocol)) {
    fail('BAD_URL', () => t('badUrl'));
    return;
  }
  const pattern = originPattern(page.job.url);
  if (!pattern) {
    fail('BAD_URL', () => t('badUrl'));
    return;
  }
  setState('fetching', { status: () => t('fetching') });
  let contentScript = 'none';
  if (Number.isInteger(page.job.tabId)) {
    try {
      const got = await fetchViaContentScript(page.job);
      await hand(got, 'content-script');
      return;
    } catch (e) {
      // The frame could not fetch it (no content script there, CORS, a
      // cross-origin redirect): this page may try itself. Anything the
      // server said (not a PDF, HTTP error, too big) is the answer.
      if (e.code !== 'NO_CONTENT_SCRIPT' && e.code !== 'NETWORK') {
        fail(e.code ?? 'NETWORK', errorWords(e));
        return;
      }
      if (e.code === 'NETWORK') contentScript = 'refused';
    }
  }
  const granted = await hasPermission(page.job.url);
  if (ownFetchDecision(page.job, contentScript, granted) === 'auto') {
    await ownFetchFlow(page.job);
    return;
  }
  const sameOrigin = originOf(page.job.url) === originOf(page.job.pageUrl ?? '');
  page.confirm = !sameOrigin ? 'cross-origin' : contentScript === 'refused' ? 'refused' : 'permission';
  const why = page.confirm === 'cross-origin' ? 'confirmCrossOrigin'
    : page.confirm === 'refused' ? 'confirmRefused' : 'needPermission';
  setState('need-permission', { status: () => t(why, {
    origin: originOf(page.job.url), url: page.job.url, page: page.job.pageUrl ?? '—' }) });
  await new Promise((resolve) => {
    $('job-grant').addEventListener('click', async () => {
      let granted = false;
      try {
        // At the click (user gesture), before any other await.
        granted = await api.permissions.request({ origins: [pattern] });
      } catch {
        granted = false;
      }
      if (!granted) {
        setState('need-permission', { code: null, status: () => t('permissionRefused') });
        return;
      }
      await ownFetchFlow(page.job);
      resolve();
    });
  });
}

// Follows the verifier's own language button.
new MutationObserver(() => {
  const l = document.documentElement.lang === 'en' ? 'en' : 'vi';
  if (l !== page.lang) {
    page.lang = l;
    render();
  }
}).observe(document.documentElement, { attributes: true, attributeFilter: ['lang'] });

const token = params.get('job');
const done = token !== null ? runJob(token) : Promise.resolve();
window.kysoExtVerifier = { done, page };
render();
