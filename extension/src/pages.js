// pages.js - the background's half of the extension's own pages: the popup
// (host status, certificates, remembered sites) and the built-in verifier
// (one-use verification jobs created by the context menu or the popup,
// revocation look-ups for "Kiểm tra trực tuyến").
//
//   runtime.sendMessage({t: 'page', cmd: 'status'})              -> {status}
//   {cmd: 'certificates'} | {cmd: 'origins'}                     -> {result} | {error}
//   {cmd: 'forget-origin', site}                                 -> {result} | {error}
//   {cmd: 'revocation', certificates: [base64 DER…]}             -> {result} | {error}
//   {cmd: 'take-job', job: TOKEN}                                -> {job} | {error}
//   {cmd: 'verify-tab', tabId}                                   -> {opened} | {error}
//
// Only the extension's own pages may ask: background.js routes only those
// here, and handlePageMessage checks again (a content script's sender.url is
// its page's). Host requests go WITHOUT an origin: the host serves them for
// the extension itself (native-host/PROTOCOL.md, origins / forget-origin).
import { nativeRequest, hostStatus } from './native.js';

const api = globalThis.browser ?? globalThis.chrome;

export const JOB_TTL_MS = 2 * 60 * 1000;
export const JOB_KEY_PREFIX = 'kyso-job:';
const JOB_TOKEN_RE = /^[0-9a-f]{32}$/;
const SITE_MAX = 2048;
const REVOCATION_CERTS_MAX = 64; // verify-online.js sends CERTS_PER_REQUEST at a time
const CERT_B64_MAX = 48 * 1024;

// Replaceable for node tests (fake host), nothing else.
export const deps = { nativeRequest, hostStatus, now: () => Date.now() };

export function isExtensionPage(sender) {
  if (!sender || typeof sender !== 'object') return false;
  if (sender.id !== api.runtime.id) return false;
  const base = api.runtime.getURL('');
  return typeof sender.url === 'string' && base.length > 0 && sender.url.startsWith(base);
}

// ---- verification jobs ------------------------------------------------------
// A job says which file the verifier tab is to fetch, and through which frame
// (the user's session). Kept in storage.session (survives the service
// worker's restarts, never written to disk), else in memory; one use, 2 min.

const memoryJobs = new Map();
let jobChain = Promise.resolve(); // serialises take/create: one use means one

function session() {
  return api.storage?.session ?? null;
}

function randomToken() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

function serial(fn) {
  const run = jobChain.then(fn, fn);
  jobChain = run.catch(() => {});
  return run;
}

async function jobsGetAll() {
  const s = session();
  if (!s) return Object.fromEntries([...memoryJobs].map(([k, v]) => [JOB_KEY_PREFIX + k, v]));
  return (await s.get(null)) ?? {};
}

async function jobsRemove(tokens) {
  if (!tokens.length) return;
  const s = session();
  if (!s) {
    for (const t of tokens) memoryJobs.delete(t);
    return;
  }
  await s.remove(tokens.map((t) => JOB_KEY_PREFIX + t));
}

// http(s) URL -> its origin, else null.
function originOfUrl(u) {
  if (typeof u !== 'string') return null;
  try {
    const x = new URL(u);
    return x.protocol === 'https:' || x.protocol === 'http:' ? x.origin : null;
  } catch {
    return null;
  }
}

// job: {tabId, frameId, url, pageUrl (the clicked frame's URL, else the
// page's), documentId?}. Returns the token.
export function createJob(job) {
  return serial(async () => {
    const all = await jobsGetAll();
    const now = deps.now();
    const stale = Object.entries(all)
      .filter(([k, v]) => k.startsWith(JOB_KEY_PREFIX) && !(now - (v?.created ?? 0) < JOB_TTL_MS))
      .map(([k]) => k.slice(JOB_KEY_PREFIX.length));
    await jobsRemove(stale);
    const token = randomToken();
    const record = {
      tabId: Number.isInteger(job.tabId) ? job.tabId : null,
      frameId: Number.isInteger(job.frameId) ? job.frameId : 0,
      url: String(job.url),
      pageUrl: typeof job.pageUrl === 'string' ? job.pageUrl : null,
      // The origin the frame had at the click: content-fetch.js refuses to
      // fetch from a frame that navigated since (PAGE_CHANGED).
      expectOrigin: originOfUrl(job.pageUrl),
      documentId: typeof job.documentId === 'string' && job.documentId.length <= 256 ? job.documentId : null,
      created: now,
    };
    const s = session();
    if (s) await s.set({ [JOB_KEY_PREFIX + token]: record });
    else memoryJobs.set(token, record);
    return token;
  });
}

// The job, once: {job} or {error: {code: JOB_UNKNOWN | JOB_EXPIRED}}.
export function takeJob(token) {
  return serial(async () => {
    if (typeof token !== 'string' || !JOB_TOKEN_RE.test(token))
      return { error: { code: 'JOB_UNKNOWN', message: 'no such verification job' } };
    const s = session();
    let record;
    if (s) record = (await s.get(JOB_KEY_PREFIX + token))?.[JOB_KEY_PREFIX + token];
    else record = memoryJobs.get(token);
    if (!record) return { error: { code: 'JOB_UNKNOWN', message: 'no such verification job' } };
    await jobsRemove([token]);
    if (!(deps.now() - record.created < JOB_TTL_MS))
      return { error: { code: 'JOB_EXPIRED', message: 'the verification job has expired' } };
    const { tabId, frameId, url, pageUrl } = record;
    const job = { tabId, frameId, url, pageUrl, expectOrigin: record.expectOrigin ?? null };
    if (typeof record.documentId === 'string') job.documentId = record.documentId;
    return { job };
  });
}

export function verifierUrl(token) {
  const base = api.runtime.getURL('verifier/verifier.html');
  return token ? `${base}?job=${token}` : base;
}

// Opens the verifier for url in a new tab next to tab.
export async function openVerifierJob(job, tab) {
  const token = await createJob(job);
  const props = { url: verifierUrl(token) };
  if (tab && Number.isInteger(tab.index)) props.index = tab.index + 1;
  if (tab && Number.isInteger(tab.id)) props.openerTabId = tab.id;
  await api.tabs.create(props);
  return token;
}

// A URL that names a PDF by its path (a PDF open in a tab: Chromium's and
// Firefox's viewers keep the file's URL).
export function looksLikePdfUrl(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return false;
  return /\.pdf$/i.test(decodeURIComponent(u.pathname).replace(/\/+$/, ''));
}

export function isHttpUrl(url) {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

// ---- host requests ----------------------------------------------------------

let reqSeq = 0;

async function hostCall(message) {
  try {
    const reply = await deps.nativeRequest({ id: `x${++reqSeq}`, ...message }, {});
    if (reply && typeof reply === 'object' && 'result' in reply) return { result: reply.result };
    const e = reply?.error;
    return { error: { code: String(e?.code ?? 'NATIVE_FATAL'), message: String(e?.message ?? 'no reply'),
      ...(e?.retryAfter != null ? { retryAfter: e.retryAfter } : {}) } };
  } catch (e) {
    return { error: { code: String(e?.code ?? 'HOST_DISCONNECTED'), message: String(e?.message ?? e) } };
  }
}

function bad(message) {
  return { error: { code: 'INVALID_ARGUMENT', message } };
}

const COMMANDS = {
  async status() {
    try {
      const s = await deps.hostStatus();
      return { status: { installed: !!s?.installed, hello: s?.hello ?? null, error: s?.error ?? null } };
    } catch (e) {
      return { status: { installed: false, hello: null, error: String(e?.message ?? e) } };
    }
  },
  certificates: () => hostCall({ cmd: 'certificates' }),
  origins: () => hostCall({ cmd: 'origins' }),
  'forget-origin': (msg) => {
    if (typeof msg.site !== 'string' || !msg.site || msg.site.length > SITE_MAX) return bad('site');
    return hostCall({ cmd: 'forget-origin', site: msg.site });
  },
  revocation: (msg) => {
    const c = msg.certificates;
    if (!Array.isArray(c) || !c.length || c.length > REVOCATION_CERTS_MAX ||
        !c.every((s) => typeof s === 'string' && s.length > 0 && s.length <= CERT_B64_MAX &&
          /^[A-Za-z0-9+/]+=*$/.test(s)))
      return bad('certificates');
    return hostCall({ cmd: 'revocation', certificates: c });
  },
  'take-job': (msg) => takeJob(msg.job),
  async 'verify-tab'(msg) {
    if (!Number.isInteger(msg.tabId)) return bad('tabId');
    let tab;
    try {
      tab = await api.tabs.get(msg.tabId);
    } catch (e) {
      return { error: { code: 'NO_TAB', message: String(e?.message ?? e) } };
    }
    if (!tab?.url) return { error: { code: 'NO_TAB', message: 'the tab URL is not available' } };
    if (!looksLikePdfUrl(tab.url)) return { error: { code: 'NOT_PDF', message: 'not a PDF URL' } };
    await openVerifierJob({ tabId: tab.id, frameId: 0, url: tab.url, pageUrl: tab.url }, tab);
    return { opened: true };
  },
};

// The one entry point (background.js: runtime.onMessage, msg.t === 'page').
export async function handlePageMessage(msg, sender) {
  if (!isExtensionPage(sender)) return { error: { code: 'ORIGIN_DENIED', message: 'not an extension page' } };
  if (!msg || typeof msg !== 'object' || Array.isArray(msg) || msg.t !== 'page')
    return bad('message');
  const fn = typeof msg.cmd === 'string' && Object.hasOwn(COMMANDS, msg.cmd) ? COMMANDS[msg.cmd] : null;
  if (!fn) return bad('cmd');
  return fn(msg, sender);
}
