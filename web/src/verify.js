// verify.js - the verifier page's controller (verify.html): loads the kyso
// WASM module (wasm/kyso-wasm.js, which runs it in a Worker) and pdf.js at
// page load, then for each PDF dropped or picked: verifies it, shows the
// report (verify-report.js) and the pages (verify-pdf.js). Nothing is sent
// anywhere: after load the page fetches nothing (verify-pdf.js says which
// pdf.js data is preloaded).
//
// URL parameters: lang=en|vi, at=ISO-8601 (validation time; default now).
// For tests, the page exposes its state on <body data-state=...>
// (loading, ready, working, done, error) and window.kysoVerifier.
import { loadKyso } from './wasm/kyso-wasm.js';
import { UI } from './verify-i18n.js';
import { PdfView, preloadPdfjs } from './verify-pdf.js';
import { reportView, vnTime } from './verify-report.js';

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
}

async function verifyCurrent() {
  const bytes = state.bytes.slice(); // the Worker takes (detaches) this copy
  const r = await state.kyso.verify(bytes, {
    trustAnchors: state.anchors.map((a) => a.bytes),
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
  timings() {
    const m = (n) => performance.getEntriesByName(n, 'mark')[0]?.startTime;
    return { file: m('kyso:file'), read: m('kyso:read'), copy: m('kyso:copy'), hash: m('kyso:hash'), verify: m('kyso:verify'),
      done: m('kyso:done'), verdict: m('kyso:verdict'), pages: m('kyso:pages') };
  },
};

main();
