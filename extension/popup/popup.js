// popup.js - the extension's popup: is kyso-host installed and answering,
// the tokens' certificates, the sites remembered as allowed or denied (with
// "Gỡ" for the user's own choices), the language, and "Kiểm tra PDF trong
// thẻ này". Everything comes from the background (src/pages.js) through
// runtime.sendMessage({t: 'page', cmd}); text is set with textContent only.
//
// DOM hooks for tests (F):
//   body[data-ready="1"]            the first full load is over
//   #host[data-host-state]          checking | ok | missing | failing; #host-text, #host-detail
//   #certs[data-certs-state]        loading | ok | none | error | unavailable; #certs-text
//   #cert-list > li.cert            data-cert-id (SHA-256 hex), data-cert-state =
//                                   valid | expiring | expired | notyet | unknown,
//                                   .cert-name (CN), .cert-org (O), .cert-token,
//                                   .cert-validity, .badge (warning text)
//   #origins[data-origins-state]    loading | ok | none | error | unavailable
//   #origin-list > li.origin        data-origin, data-state = allowed | denied,
//                                   data-source = config | user; .origin-name;
//                                   button.revoke (user entries only) -> forget-origin,
//                                   then the list is read again
//   #refresh                        reads certificates and sites again
//   #lang (select: vi | en)         stored in storage.local "lang"
//   #verify-tab                     opens the verifier for the active tab's PDF;
//   #verify-text[data-result]       opened | not-pdf | no-tab | error
//   #open-verifier                  opens the verifier with no file
import { getLang, setLang, tr } from '../src/i18n.js';
import { dnGet, certState, vnDate } from '../src/cert-view.js';

const api = globalThis.browser ?? globalThis.chrome;
const $ = (id) => document.getElementById(id);

let lang = 'vi';
let last = { status: null, certs: null, origins: null }; // replies, kept to re-render
const t = (key, vars) => tr(lang, key, vars);

function ask(cmd, extra = {}) {
  return api.runtime.sendMessage({ t: 'page', cmd, ...extra })
    .catch((e) => ({ error: { code: 'HOST_DISCONNECTED', message: String(e?.message ?? e) } }));
}

function el(tag, cls, text) {
  const n = document.createElement(tag);
  if (cls) n.className = cls;
  if (text != null) n.textContent = String(text);
  return n;
}

function errText(e) {
  return `${e?.code ? `[${e.code}] ` : ''}${e?.message ?? ''}`;
}

// ---- host status ---------------------------------------------------------------
function hostState(s) {
  if (!s) return 'checking';
  if (s.installed && !s.error) return 'ok';
  // Chromium: "Specified native messaging host not found." (no manifest);
  // Firefox: "No such native application"; anything else (exited, access
  // forbidden, no hello) is a broken install: say the browser's words.
  if (!s.installed && (!s.error || /not found|No such native|cannot be started/i.test(s.error)))
    return 'missing';
  return 'failing';
}

function renderHost() {
  const s = last.status;
  const state = hostState(s);
  $('host').dataset.hostState = state;
  $('host-heading').textContent = t('hostHeading');
  const detail = $('host-detail');
  if (state === 'checking') {
    $('host-text').textContent = t('hostChecking');
    detail.textContent = '';
  } else if (state === 'ok') {
    $('host-text').textContent = t('hostOk');
    const v = typeof s.hello?.version === 'string' ? s.hello.version : null;
    detail.textContent = v ? t('hostVersion', { version: v }) : '';
  } else if (state === 'missing') {
    $('host-text').textContent = t('hostMissing');
    detail.textContent = t('hostMissingHelp');
  } else {
    $('host-text').textContent = t('hostFailing');
    detail.textContent = String(s.error ?? '');
  }
}

// ---- certificates --------------------------------------------------------------
function renderCerts() {
  const box = $('certs');
  $('certs-heading').textContent = t('certsHeading');
  $('refresh').textContent = t('refresh');
  const list = $('cert-list');
  list.replaceChildren();
  const r = last.certs;
  const text = $('certs-text');
  if (hostState(last.status) === 'missing' || hostState(last.status) === 'failing') {
    box.dataset.certsState = 'unavailable';
    text.textContent = '';
    return;
  }
  if (!r) {
    box.dataset.certsState = 'loading';
    text.textContent = t('certsLoading');
    return;
  }
  if (r.error) {
    box.dataset.certsState = 'error';
    text.textContent = `${t('certsError')}: ${errText(r.error)}`;
    return;
  }
  const all = Array.isArray(r.result?.certificates) ? r.result.certificates : [];
  const mine = all.filter((c) => c && typeof c === 'object' && c.ca !== true);
  if (!mine.length) {
    box.dataset.certsState = 'none';
    text.textContent = t('certsNone');
    return;
  }
  box.dataset.certsState = 'ok';
  text.textContent = '';
  const now = Date.now();
  for (const c of mine) {
    const li = el('li', 'cert');
    li.dataset.certId = typeof c.id === 'string' ? c.id : '';
    const cn = dnGet(c.subject, 'CN')[0] ?? String(c.label ?? '—');
    const org = dnGet(c.subject, 'O').join(', ');
    const st = certState(c.notBefore, c.notAfter, now);
    li.dataset.certState = st.state;
    const name = el('div');
    name.append(el('span', 'cert-name', cn));
    if (st.state === 'expiring') name.append(el('span', 'badge expiring', t('expiringSoon', { days: st.days })));
    if (st.state === 'expired') name.append(el('span', 'badge expired', t('expired')));
    if (st.state === 'notyet') name.append(el('span', 'badge notyet', t('notYetValid')));
    li.append(name);
    if (org) li.append(el('div', 'detail cert-org', `${t('organisation')}: ${org}`));
    li.append(el('div', 'detail cert-token', `${t('token')}: ${String(c.tokenLabel ?? '—')}`));
    li.append(el('div', 'detail cert-validity',
      `${t('validity')}: ${t('validFromTo', { from: vnDate(c.notBefore), to: vnDate(c.notAfter) })}`));
    list.append(li);
  }
}

// ---- remembered sites ----------------------------------------------------------
function renderOrigins() {
  const box = $('origins');
  $('origins-heading').textContent = t('originsHeading');
  const list = $('origin-list');
  list.replaceChildren();
  const text = $('origins-text');
  const r = last.origins;
  if (hostState(last.status) === 'missing' || hostState(last.status) === 'failing') {
    box.dataset.originsState = 'unavailable';
    text.textContent = '';
    return;
  }
  if (!r) {
    box.dataset.originsState = 'loading';
    text.textContent = '';
    return;
  }
  if (r.error) {
    box.dataset.originsState = 'error';
    text.textContent = `${t('originsError')}: ${errText(r.error)}`;
    return;
  }
  const all = (Array.isArray(r.result?.origins) ? r.result.origins : [])
    .filter((o) => o && typeof o.origin === 'string');
  if (!all.length) {
    box.dataset.originsState = 'none';
    text.textContent = t('originsNone');
    return;
  }
  box.dataset.originsState = 'ok';
  text.textContent = '';
  for (const o of all) {
    const state = o.state === 'allowed' ? 'allowed' : 'denied';
    const source = o.source === 'config' ? 'config' : 'user';
    const li = el('li', 'origin');
    li.dataset.origin = o.origin;
    li.dataset.state = state;
    li.dataset.source = source;
    const row = el('div', 'origin-row');
    const left = el('div');
    left.append(el('span', 'origin-name', o.origin), el('span', `badge ${state}`, t(state)));
    row.append(left);
    if (source === 'user') {
      const b = el('button', 'revoke small', t('revoke'));
      b.type = 'button';
      b.dataset.origin = o.origin;
      b.addEventListener('click', () => revoke(o.origin, b));
      row.append(b);
    }
    li.append(row);
    const note = source === 'config' ? t('fromConfig')
      : `${t('fromUser')}${Number.isFinite(o.retryAfter) ? ` — ${t('retryAfter', { s: o.retryAfter })}` : ''}`;
    li.append(el('div', 'detail origin-source', note));
    list.append(li);
  }
}

async function revoke(origin, button) {
  button.disabled = true;
  const r = await ask('forget-origin', { site: origin });
  if (r?.error) {
    $('origins-text').textContent = `${t('revokeFailed')} ${origin}: ${errText(r.error)}`;
    button.disabled = false;
    return;
  }
  last.origins = await ask('origins');
  renderOrigins();
}

// ---- verifier ------------------------------------------------------------------
async function verifyTab() {
  const out = $('verify-text');
  let tab;
  try {
    [tab] = await api.tabs.query({ active: true, currentWindow: true });
  } catch {
    tab = null;
  }
  if (!tab || !Number.isInteger(tab.id)) {
    out.dataset.result = 'no-tab';
    out.textContent = t('verifyTabNone');
    return;
  }
  const r = await ask('verify-tab', { tabId: tab.id });
  if (r?.opened) {
    out.dataset.result = 'opened';
    out.textContent = '';
    window.close();
  } else if (r?.error?.code === 'NOT_PDF') {
    out.dataset.result = 'not-pdf';
    out.textContent = t('verifyTabNotPdf');
  } else if (r?.error?.code === 'NO_TAB') {
    out.dataset.result = 'no-tab';
    out.textContent = t('verifyTabNone');
  } else {
    out.dataset.result = 'error';
    out.textContent = errText(r?.error);
  }
}

function renderStatic() {
  document.documentElement.lang = lang;
  document.title = t('popupTitle');
  $('title').textContent = t('popupTitle');
  $('lang-label').textContent = t('langHeading');
  $('lang').value = lang;
  $('verify-tab').textContent = t('verifyTab');
  $('open-verifier').textContent = t('openVerifier');
  const out = $('verify-text');
  if (out.dataset.result === 'not-pdf') out.textContent = t('verifyTabNotPdf');
  if (out.dataset.result === 'no-tab') out.textContent = t('verifyTabNone');
}

function renderAll() {
  renderStatic();
  renderHost();
  renderCerts();
  renderOrigins();
}

async function loadLists() {
  last.certs = null;
  last.origins = null;
  renderCerts();
  renderOrigins();
  if (hostState(last.status) !== 'ok') return;
  const [certs, origins] = await Promise.all([ask('certificates'), ask('origins')]);
  last.certs = certs;
  last.origins = origins;
  renderCerts();
  renderOrigins();
}

async function load() {
  last = { status: null, certs: null, origins: null };
  renderAll();
  const r = await ask('status');
  last.status = r?.status ?? { installed: false, hello: null, error: errText(r?.error) || 'no reply' };
  renderAll();
  await loadLists();
}

async function main() {
  lang = await getLang();
  $('lang').addEventListener('change', async (e) => {
    lang = e.target.value === 'en' ? 'en' : 'vi';
    await setLang(lang).catch(() => {});
    renderAll();
  });
  $('refresh').addEventListener('click', async () => {
    $('refresh').disabled = true;
    try {
      if (hostState(last.status) !== 'ok') await load();
      else await loadLists();
    } finally {
      $('refresh').disabled = false;
    }
  });
  $('verify-tab').addEventListener('click', verifyTab);
  $('open-verifier').addEventListener('click', async () => {
    await api.tabs.create({ url: api.runtime.getURL('verifier/verifier.html') });
    window.close();
  });
  await load();
  document.body.dataset.ready = '1';
}

main();
