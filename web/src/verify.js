// verify.js - the verifier page's controller (verify.html): loads the kyso
// WASM module (wasm/kyso-wasm.js, which runs it in a Worker) and pdf.js at
// page load, then for each PDF dropped or picked: verifies it, shows the
// report (verify-report.js) and the pages (verify-pdf.js). Nothing is sent
// anywhere: after load the page fetches nothing (verify-pdf.js says which
// pdf.js data is preloaded).
//
// URL parameters: lang=en|vi, at=ISO-8601 (validation time; default now),
// port=N (kyso-host's websocket, for "Kiểm tra trực tuyến").
//
// Revocation unknown (issue 13): verify-online.js explains it and offers
// "Kiểm tra trực tuyến" (kyso-host fetches OCSP/CRL for the document's
// certificates: the only request the page ever makes, on that click) and
// "Thêm CRL/OCSP" (files); the document is then verified again with that
// data as extra data, and the report says where each answer came from.
// For tests, the page exposes its state on <body data-state=...>
// (loading, ready, working, done, error) and window.kysoVerifier.
import { loadKyso } from './wasm/kyso-wasm.js';
import { UI } from './verify-i18n.js';
import { PdfView, preloadPdfjs } from './verify-pdf.js';
import { reportView, vnTime } from './verify-report.js';
import { fill } from './verify-i18n.js';
import {
  ONLINE_UI, revocationUnknown, allIntact, sortFiles, fetchRevocation, errorsText,
} from './verify-online.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

const state = {
  lang: params.get('lang') === 'en' ? 'en' : 'vi',
  at: null, // validation time (ISO string) or null for "now" at each check
  kyso: null,
  view: null,
  anchors: [], // { name, bytes }
  bytes: null, // the current document (a copy kept for re-verifying)
  fileName: '',
  result: null, // { json, report }
  busy: false,
  anchorsLoading: Promise.resolve(), // files being read into anchors
  stale: false, // anchors changed during a verification: verify again
  // Revocation data from outside the file: { source: 'fetched' | 'loaded',
  // certificates, crls, ocsps, names } or null. Dropped with the document.
  extra: null,
  revStatus: null, // (ONLINE_UI[lang]) => text of the last lookup, and its class
  revStatusClass: '',
  port: Number.parseInt(params.get('port') ?? '', 10) || undefined,
};

if (params.has('at')) {
  const ms = Date.parse(params.get('at'));
  if (Number.isFinite(ms)) state.at = new Date(ms).toISOString();
}

const t = () => UI[state.lang];

function setStatus(text) {
  $('status').textContent = text;
}

// The error box: what the user can understand first, then the module's
// code and technical message. Kept, to be shown again in the other language.
let lastError = null;
function showError(e) {
  lastError = e;
  const box = $('error');
  box.hidden = !e;
  box.replaceChildren();
  if (!e) return;
  const title = document.createElement('b');
  title.textContent = `${t().errorTitle}: `;
  const plain = e.code === 'PDF_HEADER' ? t().notPdf
    : /^PDF_/.test(e.code ?? '') ? t().badPdf : '';
  const tech = document.createElement('span');
  tech.className = 'check-detail';
  tech.textContent = `${e.code ? `[${e.code}] ` : ''}${e.message ?? e}`;
  box.append(title, plain ? `${plain} ` : '', tech);
}

function applyLanguage() {
  document.documentElement.lang = state.lang;
  document.title = `kyso — ${t().title}`;
  for (const n of document.querySelectorAll('[data-i18n]')) {
    const v = t()[n.dataset.i18n];
    if (typeof v === 'string') n.textContent = v;
  }
  $('lang').textContent = t().lang;
  $('lang').lang = state.lang === 'en' ? 'vi' : 'en';
  $('status').textContent = document.body.dataset.state === 'loading' ? t().loading : t().ready;
  showContext();
  if (lastError) showError(lastError);
  if (state.result) showReport();
  showRevocation();
}

function showContext() {
  $('validation-time').textContent = state.at
    ? `${vnTime(state.at, state.lang)} — ${state.at}`
    : `${t().now}${state.result ? ` (${vnTime(state.result.report.validation_time, state.lang)})` : ''}`;
  const added = state.anchors.map((a) => a.name);
  $('trust-anchors').textContent = t().bundledRoots +
    (added.length ? `; ${t().added}: ${added.join(', ')}` : '');
  $('trust-clear').hidden = !added.length;
}

function progress(stage, done, total) {
  const box = $('progress-box');
  box.hidden = stage === null;
  if (stage === null) return;
  const p = $('progress');
  const order = ['copy', 'hash', 'verify', 'done'];
  // The module reports stages, not bytes within a stage: the bar moves by
  // stage, the label says which.
  const i = order.indexOf(stage);
  p.value = stage === 'render' ? 1 : i < 0 ? 0 : (i + (total ? done / total : 0)) / order.length;
  $('progress-label').textContent = t().progress[stage] ?? stage;
}

async function onShow(field) {
  for (const c of document.querySelectorAll('.sig.selected')) c.classList.remove('selected');
  const card = document.querySelector(`.sig[data-field="${CSS.escape(field ?? '')}"]`);
  card?.classList.add('selected');
  const note = card?.querySelector('.locate-note');
  if (!state.view || !field) return;
  const where = await state.view.highlight(field).catch(() => null);
  if (note) {
    note.hidden = !!where?.visible;
    note.textContent = where ? `${t().page} ${where.page}: ${t().invisible}` : t().invisible;
  }
}

function showReport() {
  const body = $('report-body');
  body.replaceChildren(...reportView(state.result.report, state.fileName, state.lang, onShow));
  showContext();
  showRevocation();
}

// The revocation help (shown while a signature's revocation is unknown),
// the last lookup's outcome, and which outside data the report used.
function showRevocation() {
  const o = ONLINE_UI[state.lang];
  const unknown = state.result ? revocationUnknown(state.result.report) : [];
  $('revocation-help').hidden = unknown.length === 0;
  $('revocation-title').textContent = o.title;
  $('revocation-explain').textContent =
    [o.explain, allIntact(unknown) ? o.intact : '', o.howTo].filter(Boolean).join(' ');
  $('check-online').textContent = o.checkOnline;
  $('check-online').disabled = state.busy || !state.bytes;
  $('add-revocation').textContent = o.addRevocation;
  $('revocation-clear').textContent = o.clear;
  const status = $('revocation-status');
  status.hidden = !state.revStatus;
  status.className = state.revStatusClass;
  status.textContent = state.revStatus ? state.revStatus(o) : '';
  const x = state.extra;
  $('revocation-used').hidden = !x;
  $('revocation-used-text').textContent = !x ? ''
    : x.source === 'fetched' ? fill(o.usedFetched, { ocsp: x.ocsps.length, crl: x.crls.length })
      : fill(o.usedLoaded, { names: x.names.join(', ') });
}

function setRevStatus(text, cls = '') {
  state.revStatus = text;
  state.revStatusClass = cls;
  showRevocation();
}

// Verifies again with state.extra; on failure the data is dropped (the
// report without it stays) and the reason shown.
async function verifyWithExtra() {
  try {
    await verifyCurrent();
  } catch (e) {
    state.extra = null;
    setRevStatus((o) => `${o.hostError}: ${e.code ? `[${e.code}] ` : ''}${e.message}`, 'bad');
    await verifyCurrent().catch(() => {});
  }
}

// "Kiểm tra trực tuyến".
async function checkOnline() {
  if (!state.bytes || state.busy || !state.kyso) return;
  state.busy = true;
  setRevStatus((o) => o.checking);
  try {
    const got = await fetchRevocation(state.bytes, {
      kyso: state.kyso, anchors: state.anchors.map((a) => a.bytes), at: state.at ?? undefined,
      port: state.port, lang: state.lang,
    });
    const errs = got.errors.length ? (o) => ` ${errorsText(got.errors, state.lang)}.` : () => '';
    if (!got.asked) {
      setRevStatus((o) => o.nothingNeeded);
    } else if (!got.crls.length && !got.ocsps.length) {
      setRevStatus((o) => `${o.nothingFetched}${errs(o)}`, 'bad');
    } else {
      state.extra = { source: 'fetched', certificates: got.certificates, crls: got.crls, ocsps: got.ocsps,
        names: [] };
      setRevStatus((o) => `${fill(o.fetched, { ocsp: got.ocsps.length, crl: got.crls.length })}${errs(o)}`);
      await verifyWithExtra();
    }
  } catch (e) {
    setRevStatus((o) => `${o.hostError}: ${e.message ?? e}${e.code ? ` [${e.code}]` : ''}`, 'bad');
  } finally {
    progress(null);
    state.busy = false;
    showRevocation();
  }
}

// "Thêm CRL/OCSP": files added to the data loaded before (data fetched
// online is replaced: one source at a time, so the report can say which).
async function addRevocationFiles(files) {
  if (!state.kyso || state.busy) return;
  state.busy = true;
  try {
    const read = [];
    for (const f of files) read.push({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) });
    const got = await sortFiles(state.kyso, read);
    if (got.bad.length)
      setRevStatus((o) => `${o.loadError} ${got.bad.join(', ')}: ${o.notRevocation}`, 'bad');
    else setRevStatus(null);
    const usable = read.filter((f) => !got.bad.includes(f.name)).map((f) => f.name);
    if (!usable.length) return;
    const prev = state.extra?.source === 'loaded' ? state.extra
      : { source: 'loaded', certificates: [], crls: [], ocsps: [], names: [] };
    state.extra = { source: 'loaded', certificates: [...prev.certificates, ...got.certificates],
      crls: [...prev.crls, ...got.crls], ocsps: [...prev.ocsps, ...got.ocsps],
      names: [...prev.names, ...usable] };
    if (state.bytes) await verifyWithExtra();
  } catch (e) {
    setRevStatus((o) => `${o.loadError}: ${e.message ?? e}`, 'bad');
  } finally {
    progress(null);
    state.busy = false;
    showRevocation();
  }
}

async function verifyCurrent() {
  const bytes = state.bytes.slice(); // the Worker takes (detaches) this copy
  const x = state.extra;
  const r = await state.kyso.verify(bytes, {
    trustAnchors: state.anchors.map((a) => a.bytes),
    ...(x ? { extraCertificates: x.certificates, extraCrls: x.crls, extraOcsps: x.ocsps,
      extraFetched: x.source === 'fetched' } : {}),
    at: state.at ?? undefined,
    lang: state.lang,
    text: false,
    transfer: true,
    onProgress: (p) => {
      performance.mark(`kyso:${p.stage}`);
      progress(p.stage, p.done, p.total);
    },
  });
  state.result = { json: r.json, report: r.report };
  showReport();
  performance.mark('kyso:verdict');
  $('save-json').disabled = false;
  $('print').disabled = false;
}

async function openFile(file) {
  if (!file || state.busy || !state.kyso) return;
  performance.clearMarks();
  performance.mark('kyso:file');
  state.busy = true;
  document.body.dataset.state = 'working';
  showError(null);
  state.result = null;
  state.extra = null; // another document: the data was for the previous one
  state.revStatus = null;
  showRevocation();
  $('report-body').replaceChildren();
  $('save-json').disabled = true;
  $('print').disabled = true;
  progress('copy', 0, file.size);
  try {
    await state.view.close(); // the previous document's pages
    state.bytes = new Uint8Array(await file.arrayBuffer());
    performance.mark('kyso:read');
    state.fileName = file.name || 'document.pdf';
    await state.anchorsLoading; // certificates added just before the drop
    state.stale = false;
    const pdfCopy = state.bytes.slice(); // pdf.js transfers what it gets
    // The verdict first, then the pages: run together they share the CPU
    // and the verdict comes about twice as late (bench/web/verify), while
    // the pages are ready no sooner. The pages are shown even when the
    // file cannot be verified (and the other way round).
    let failure = null;
    await verifyCurrent().catch((e) => { failure = e; });
    progress('render', 0, 0);
    await state.view.open(pdfCopy).catch((e) => {
      const p = document.createElement('p');
      p.className = 'render-error';
      p.textContent = `${t().renderError}: ${e?.message ?? e}`;
      $('viewer').append(p);
    });
    performance.mark('kyso:pages');
    if (failure) throw failure;
    document.body.dataset.state = 'done';
    setStatus(t().ready);
  } catch (e) {
    document.body.dataset.state = 'error';
    showError(e);
  } finally {
    progress(null);
    state.busy = false;
    showRevocation();
  }
  if (state.stale) await reverify();
}

// PEM with a certificate block, or DER (a SEQUENCE): a first sieve, so a
// wrong file is refused when added; the module judges the certificate.
function looksLikeCertificate(bytes) {
  if (bytes[0] === 0x30) return true;
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 1 << 20));
  return head.includes('-----BEGIN CERTIFICATE-----');
}

function addAnchors(files) {
  const loading = state.anchorsLoading.then(() => readAnchors(files));
  state.anchorsLoading = loading.catch(() => {});
  return loading;
}

async function readAnchors(files) {
  showError(null);
  for (const f of files) {
    const bytes = new Uint8Array(await f.arrayBuffer());
    if (!looksLikeCertificate(bytes)) {
      showError({ message: `${t().trustError} ${f.name}: ${t().notCertificate}` });
      continue;
    }
    state.anchors.push({ name: f.name, bytes });
  }
  showContext();
  await reverify();
}

// Verifies the current document again (trust anchors changed); after the
// running verification when there is one.
async function reverify() {
  if (state.busy) state.stale = true;
  if (state.bytes && !state.busy) {
    state.stale = false;
    state.busy = true;
    try {
      await verifyCurrent();
    } catch (e) {
      // The module could not read an added certificate: drop them all (the
      // note shows none added) and say why.
      state.anchors = [];
      showContext();
      showError({ code: e.code, message: `${t().trustError}: ${e.message}` });
    } finally {
      progress(null);
      state.busy = false;
      showRevocation();
    }
  }
}

function saveJson() {
  if (!state.result) return;
  // Exactly what `kyso verify --json` prints (one line, ending in "\n").
  const json = state.result.json.endsWith('\n') ? state.result.json : `${state.result.json}\n`;
  const blob = new Blob([json], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = `${state.fileName.replace(/\.pdf$/i, '')}.kyso-report.json`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function wire() {
  $('file-input').addEventListener('change', (e) => {
    openFile(e.target.files[0]);
    e.target.value = '';
  });
  $('trust-input').addEventListener('change', async (e) => {
    const files = [...e.target.files];
    e.target.value = '';
    await addAnchors(files);
  });
  $('trust-clear').addEventListener('click', async () => {
    state.anchors = [];
    showContext();
    await reverify();
  });
  $('save-json').addEventListener('click', saveJson);
  $('check-online').addEventListener('click', checkOnline);
  $('revocation-input').addEventListener('change', async (e) => {
    const files = [...e.target.files];
    e.target.value = '';
    await addRevocationFiles(files);
  });
  $('revocation-clear').addEventListener('click', async () => {
    if (state.busy) return;
    state.extra = null;
    state.revStatus = null;
    state.busy = true;
    try {
      await verifyCurrent();
    } finally {
      progress(null);
      state.busy = false;
      showRevocation();
    }
  });
  $('print').addEventListener('click', () => window.print());
  $('lang').addEventListener('click', () => {
    state.lang = state.lang === 'en' ? 'vi' : 'en';
    applyLanguage();
  });
  // Every closed <details> opens for printing, and closes again after.
  let opened = [];
  window.addEventListener('beforeprint', () => {
    opened = [...document.querySelectorAll('details:not([open])')];
    for (const d of opened) d.open = true;
  });
  window.addEventListener('afterprint', () => {
    for (const d of opened) d.open = false;
    opened = [];
  });
  const zone = $('drop-zone');
  const prevent = (e) => {
    e.preventDefault();
    e.stopPropagation();
  };
  // The whole window takes drops: a file dropped beside the zone must not
  // make the browser navigate to it.
  window.addEventListener('dragover', (e) => {
    prevent(e);
    document.body.classList.add('dragging');
  });
  window.addEventListener('dragleave', (e) => {
    if (!e.relatedTarget) document.body.classList.remove('dragging');
  });
  window.addEventListener('drop', (e) => {
    prevent(e);
    document.body.classList.remove('dragging');
    const file = [...(e.dataTransfer?.files ?? [])][0];
    openFile(file);
  });
  zone.addEventListener('click', () => $('file-input').click());
  zone.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') $('file-input').click();
  });
}

async function main() {
  wire();
  applyLanguage();
  state.view = new PdfView($('viewer'));
  try {
    const [kyso] = await Promise.all([
      loadKyso({ workerUrl: new URL('./wasm/kyso-worker.js', import.meta.url) }),
      preloadPdfjs(),
    ]);
    state.kyso = kyso;
    document.body.dataset.state = 'ready';
    setStatus(t().ready);
  } catch (e) {
    document.body.dataset.state = 'error';
    showError(e);
  }
}

// For tests and the bench.
window.kysoVerifier = {
  state,
  open: openFile,
  checkOnline,
  addRevocationFiles,
  timings() {
    const m = (n) => performance.getEntriesByName(n, 'mark')[0]?.startTime;
    return { file: m('kyso:file'), read: m('kyso:read'), copy: m('kyso:copy'), hash: m('kyso:hash'), verify: m('kyso:verify'),
      done: m('kyso:done'), verdict: m('kyso:verdict'), pages: m('kyso:pages') };
  },
};

main();
