// verify-report.js - the verification report (docs/report-schema.md) as
// the page shows it: a verdict in plain words and why, then who signed,
// when, the chain, revocation, the checks and what changed afterwards.
// Builds DOM nodes only (textContent, never innerHTML: the report carries
// names taken from the file).
import {
  UI, VERDICT, CHECK_TITLES, RESULT_WORDS, REASONS, CHANGE_KINDS, SUB_INDICATIONS,
  phrase, fill, evidenceLine,
} from './verify-i18n.js';

const VN_OFFSET_MS = 7 * 3600 * 1000;

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('data-')) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c);
  return e;
}

// "2024-12-11T02:30:15Z" -> "11/12/2024 09:30:15 (+07:00)" (vi) or
// "2024-12-11 09:30:15 (+07:00)" (en): Vietnam time, as the CLI shows it.
export function vnTime(iso, lang) {
  const ms = Date.parse(iso ?? '');
  if (!Number.isFinite(ms)) return '—';
  const d = new Date(ms + VN_OFFSET_MS);
  const p = (n) => String(n).padStart(2, '0');
  const date = lang === 'en'
    ? `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}`
    : `${p(d.getUTCDate())}/${p(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}`;
  return `${date} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} (+07:00)`;
}

// The checks that explain a verdict: failed ones first, then undecided
// ones; a missing signature timestamp is not a reason (it is optional).
function reasonChecks(sig) {
  const list = Object.entries(sig.checks ?? {});
  const bad = (r) => list.filter(([, c]) => c.result === r);
  return [...bad('failed'), ...bad('indeterminate')]
    .filter(([name, c]) => !(name === 'timestamp' && c.reason === 'no_timestamp'));
}

// One line of why: the sub-indication in words, then each reason.
export function whyText(sig, lang) {
  if (sig.indication === 'TOTAL_PASSED') return '';
  const parts = [];
  const sub = phrase(SUB_INDICATIONS, sig.sub_indication, lang);
  if (sub) parts.push(sub);
  for (const [, c] of reasonChecks(sig)) {
    const r = phrase(REASONS, c.reason, lang);
    if (r && !parts.includes(r)) parts.push(r);
  }
  return parts.join('; ');
}

export function verdictWord(ind, lang) {
  return (VERDICT[ind] ?? VERDICT.INDETERMINATE)[lang === 'en' ? 'en' : 'vi'];
}

function row(label, ...value) {
  return [el('dt', {}, label), el('dd', {}, ...value)];
}

function checkLine(name, c, lang) {
  const title = CHECK_TITLES[name]?.[lang === 'en' ? 1 : 0] ?? name;
  const why = c.reason && c.reason !== 'ok' ? phrase(REASONS, c.reason, lang) : '';
  const word = RESULT_WORDS[c.result]?.[lang === 'en' ? 1 : 0] ?? c.result;
  return el('li', { class: `check check-${c.result}`, 'data-check': name },
    el('span', { class: 'check-result' }, word), ' ', el('span', { class: 'check-title' }, title),
    why ? `: ${why}` : '',
    c.detail && c.result !== 'passed' ? el('span', { class: 'check-detail' }, ` (${c.detail})`) : null);
}

function chainView(sig, lang) {
  const c = sig.checks?.chain ?? {};
  const names = c.result === 'passed' && c.detail ? c.detail.split(' > ') : null;
  const list = names
    ? el('ol', { class: 'chain' }, names.map((n, i) =>
      el('li', {}, n, i === names.length - 1 ? el('span', { class: 'chain-root' },
        lang === 'en' ? ' (trusted root)' : ' (gốc tin cậy)') : null)))
    : el('ol', { class: 'chain' },
      el('li', {}, sig.signer?.cn ?? '—'),
      el('li', {}, sig.signer?.issuer_cn ?? '—'));
  const status = c.result === 'passed'
    ? el('div', { class: 'ok' }, lang === 'en' ? 'chains to a trusted root' : 'dẫn tới gốc tin cậy')
    : el('div', { class: c.result === 'failed' ? 'bad' : 'undecided' },
      phrase(REASONS, c.reason, lang) || RESULT_WORDS[c.result]?.[lang === 'en' ? 1 : 0]);
  return [list, status];
}

function revocationView(sig, lang) {
  const c = sig.checks?.revocation ?? {};
  const word = RESULT_WORDS[c.result]?.[lang === 'en' ? 1 : 0] ?? c.result;
  const text = c.result === 'passed'
    ? (lang === 'en' ? 'not revoked at the signing time' : 'chưa bị thu hồi tại thời điểm ký')
    : `${word}: ${phrase(REASONS, c.reason, lang)}`;
  const cls = { passed: 'ok', failed: 'bad' }[c.result] ?? 'undecided';
  // Where each answer came from: embedded in the file, fetched now or
  // loaded by the user (the CLI's lines under the revocation check).
  const lines = (sig.revocation_evidence ?? []).map((e) => [e, evidenceLine(e, lang)]).filter(([, l]) => l);
  return [el('span', { class: cls }, text),
    c.detail ? el('div', { class: 'check-detail' }, c.detail) : null,
    lines.length ? el('ul', { class: 'evidence' }, lines.map(([e, l]) =>
      el('li', { 'data-source': e.source, 'data-status': e.status }, l))) : null];
}

// One signature's card. onShow(field) is called by "show on page".
export function signatureCard(sig, index, count, report, lang, onShow) {
  const t = UI[lang];
  const ind = sig.indication ?? 'INDETERMINATE';
  const kind = sig.type === 'DocTimeStamp' || sig.sub_filter === 'ETSI.RFC3161' ? t.docTimestamp : t.signature;
  const why = whyText(sig, lang);
  const s = sig.signer ?? {};
  const covers = sig.revision === null || sig.revision === undefined || sig.revision < 0
    ? t.coversNone
    : sig.covers_whole_file ? t.coversWhole
      : fill(t.coversRevision, { i: sig.revision + 1, n: report.file?.revisions ?? '?' });
  const ts = sig.timestamp_time
    ? vnTime(sig.timestamp_time, lang)
    : `${t.noTimestamp} (${t.notProven})`;
  const changes = sig.changes ?? [];

  const showBtn = el('button', { type: 'button', class: 'show-on-page', 'data-field': sig.field },
    t.showOnPage);
  showBtn.addEventListener('click', (e) => {
    e.stopPropagation();
    onShow(sig.field);
  });
  const head = el('header', { class: 'sig-head' },
    el('span', { class: 'sig-index' }, `${kind} ${index + 1}/${count}`),
    el('span', { class: 'sig-field' }, sig.field ?? '—'),
    el('span', { class: `verdict verdict-${ind}`, 'data-indication': ind }, verdictWord(ind, lang)));
  head.addEventListener('click', () => onShow(sig.field));

  return el('article', { class: `sig sig-${ind}`, 'data-field': sig.field ?? '', 'data-index': index },
    head,
    why ? el('p', { class: 'why' }, el('b', {}, `${t.why}: `), el('span', { class: 'why-text' }, why)) : null,
    el('dl', { class: 'facts' },
      row(t.signer, el('span', { class: 'signer' }, s.cn ?? '—')),
      row(t.organization, el('span', { class: 'org' }, s.o ?? '—')),
      row(t.claimedTime, el('span', { class: 'claimed-time' }, vnTime(sig.claimed_time, lang))),
      row(t.timestamp, el('span', { class: 'timestamp-time' }, ts)),
      row(t.chain, ...chainView(sig, lang)),
      row(t.revocation, ...revocationView(sig, lang)),
      row(t.serial, s.serial ?? '—'),
      row(t.algorithms, [sig.digest_algorithm, sig.signature_algorithm].filter(Boolean).join(', ') +
        (sig.key_bits ? `, ${fill(t.keyBits, { n: sig.key_bits })}` : '')),
      row(t.covers, covers)),
    el('details', { class: 'changes', open: changes.some((c) => !c.allowed) },
      el('summary', {}, `${t.changes} (${changes.length})`),
      changes.length
        ? el('ul', {}, changes.map((c) => el('li', { class: c.allowed ? 'allowed' : 'refused' },
          `${t.object} ${c.object}: ${phrase(CHANGE_KINDS, c.kind, lang)} (${c.allowed ? t.allowed : t.notAllowed})`,
          c.detail ? el('span', { class: 'check-detail' }, ` — ${c.detail}`) : null)))
        : el('p', {}, t.noChanges)),
    el('details', { class: 'checks', open: ind !== 'TOTAL_PASSED' },
      el('summary', {}, t.checks),
      el('ul', {}, Object.entries(sig.checks ?? {}).map(([n, c]) => checkLine(n, c, lang)))),
    el('p', { class: 'actions no-print' }, showBtn),
    el('p', { class: 'locate-note', hidden: true }));
}

// The whole report: overall verdict, then one card per signature.
export function reportView(report, fileName, lang, onShow) {
  const t = UI[lang];
  const sigs = report.signatures ?? [];
  const overall = report.overall;
  const head = el('section', { class: 'overall', 'data-indication': overall ?? 'NONE' },
    el('h2', {}, `${t.overall}: `,
      el('span', { class: `verdict verdict-${overall ?? 'NONE'}`, id: 'overall-verdict' },
        overall ? verdictWord(overall, lang) : t.noSignatures)),
    el('p', { class: 'file-facts' },
      `${t.file}: ${fileName} — ${report.file?.size ?? '?'} ${t.bytes}, ${report.file?.revisions ?? '?'} ${t.revisions}`));
  return [head, ...sigs.map((s, i) => signatureCard(s, i, sigs.length, report, lang, onShow))];
}
