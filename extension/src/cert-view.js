// cert-view.js - pure helpers for the popup's certificate list: the host's
// RFC 2253 subject text split into attributes, and a certificate's state at
// a given time (valid, expiring within 30 days, expired, not yet valid).

export const EXPIRING_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

// "CN=Nguyễn Văn A,O=Sở X\, tỉnh Y+OU=Z" -> [{type:'CN', value:'Nguyễn Văn A'}, ...]
// (escapes "\," "\+" "\\" "\HH" undone; UTF-8 hex pairs decoded).
export function parseDn(text) {
  const out = [];
  if (typeof text !== 'string') return out;
  let type = '';
  let raw = []; // bytes of the value
  let inType = true;
  const push = () => {
    if (type) out.push({ type: type.trim(), value: new TextDecoder().decode(new Uint8Array(raw)).trim() });
    type = '';
    raw = [];
    inType = true;
  };
  const enc = new TextEncoder();
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inType) {
      if (ch === '=') inType = false;
      else if (ch === ',' || ch === '+') push();
      else type += ch;
      continue;
    }
    if (ch === '\\' && i + 1 < text.length) {
      const hex = text.slice(i + 1, i + 3);
      if (/^[0-9a-fA-F]{2}$/.test(hex)) {
        raw.push(Number.parseInt(hex, 16));
        i += 2;
      } else {
        const cp = text.codePointAt(i + 1);
        const s = String.fromCodePoint(cp);
        raw.push(...enc.encode(s));
        i += s.length;
      }
      continue;
    }
    if (ch === ',' || ch === '+') {
      push();
      continue;
    }
    const cp = text.codePointAt(i);
    const s = String.fromCodePoint(cp);
    raw.push(...enc.encode(s));
    i += s.length - 1;
  }
  push();
  return out;
}

export function dnGet(text, type) {
  const want = type.toUpperCase();
  return parseDn(text).filter((a) => a.type.toUpperCase() === want).map((a) => a.value);
}

// -> {state: 'valid'|'expiring'|'expired'|'notyet'|'unknown', days}
// days: whole days left (expiring/valid), since expiry (expired), until
// start (notyet).
export function certState(notBefore, notAfter, now = Date.now()) {
  const nb = Date.parse(notBefore ?? '');
  const na = Date.parse(notAfter ?? '');
  if (!Number.isFinite(nb) || !Number.isFinite(na)) return { state: 'unknown', days: null };
  if (now < nb) return { state: 'notyet', days: Math.ceil((nb - now) / DAY_MS) };
  if (now > na) return { state: 'expired', days: Math.floor((now - na) / DAY_MS) };
  const left = Math.ceil((na - now) / DAY_MS);
  return { state: left <= EXPIRING_DAYS ? 'expiring' : 'valid', days: left };
}

// dd/mm/yyyy in Vietnam's time (UTC+7), the way officials read dates.
export function vnDate(iso) {
  const ms = Date.parse(iso ?? '');
  if (!Number.isFinite(ms)) return '—';
  const d = new Date(ms + 7 * 60 * 60 * 1000);
  const p = (n) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${p(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}`;
}
