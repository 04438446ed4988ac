// verify-online.js - verify.html's help when a signature's revocation status
// is unknown (issue 13): what it means, in plain words, and two ways to get
// the missing data, after which the document is verified again with it as
// extra data (the file itself is never changed):
//   "Kiểm tra trực tuyến": the WASM module lists the certificates the
//     document lacks revocation data for (kyso_ltv_collect); kyso-host
//     (through the kyso extension when present, else its websocket) fetches
//     their OCSP responses or CRLs from the URLs in the certificates
//     themselves — the page sends certificates only, never a URL, and never
//     the document (native-host/PROTOCOL.md "revocation");
//   "Thêm CRL/OCSP": .crl/.der/.pem/.ocsp files the user has.
// The strings of these controls are here (page-only); the report's words
// about the data's source are the CLI's (verify-i18n.js EVIDENCE_WORDS).
import { connectHost, b64 } from './kyso-host.js';
import { KysoError } from './kyso-errors.js';

export const ONLINE_UI = {
  vi: {
    title: 'Vì sao chưa xác định được?',
    explain: 'Văn bản không kèm dữ liệu thu hồi (CRL/OCSP), nên chưa biết chứng thư số của người ký có bị đơn vị cấp thu hồi (vô hiệu hoá) hay không.',
    intact: 'Điều này không có nghĩa là chữ ký bị hỏng: nội dung văn bản và giá trị chữ ký vẫn nguyên vẹn, chỉ còn thiếu bước tra cứu tình trạng chứng thư.',
    howTo: 'Để kết luận, bấm “Kiểm tra trực tuyến” (phần mềm kyso trên máy này hỏi đơn vị cấp chứng thư; chỉ các chứng thư được gửi đi, văn bản không rời khỏi máy), hoặc “Thêm CRL/OCSP” nếu bạn đã có tệp danh sách thu hồi (.crl) hay phản hồi OCSP.',
    checkOnline: 'Kiểm tra trực tuyến',
    addRevocation: 'Thêm CRL/OCSP',
    checking: 'Đang tra cứu tình trạng thu hồi qua phần mềm kyso…',
    fetched: 'Đã tra cứu trực tuyến: {ocsp} phản hồi OCSP, {crl} CRL.',
    nothingNeeded: 'Văn bản không có chứng thư nào cần tra cứu thêm.',
    nothingFetched: 'Không lấy được dữ liệu thu hồi nào.',
    untrusted: 'chứng thư không dẫn tới gốc tin cậy của kyso trên máy này nên không được tra cứu',
    fetchFailed: 'không tải được dữ liệu thu hồi',
    hostError: 'Không tra cứu được qua phần mềm kyso',
    usedFetched: 'Đang dùng dữ liệu thu hồi vừa tra cứu trực tuyến (không nằm trong tệp): {ocsp} phản hồi OCSP, {crl} CRL.',
    usedLoaded: 'Đang dùng dữ liệu thu hồi do bạn nạp vào (không nằm trong tệp): {names}.',
    clear: 'Bỏ dữ liệu thu hồi đã thêm',
    loadError: 'Không đọc được tệp',
    notRevocation: 'tệp không phải CRL, phản hồi OCSP hay chứng thư (DER hoặc PEM)',
  },
  en: {
    title: 'Why can it not be decided?',
    explain: 'The document carries no revocation data (CRL/OCSP), so it is not known whether the issuer has revoked the signer\'s certificate.',
    intact: 'This does not mean the signature is broken: the content and the signature value are intact; only the certificate status lookup is missing.',
    howTo: 'To decide, press “Check online” (the kyso software on this computer asks the certificate issuer; only the certificates are sent, the document stays on this computer), or “Add CRL/OCSP” if you have a revocation list (.crl) or an OCSP response file.',
    checkOnline: 'Check online',
    addRevocation: 'Add CRL/OCSP',
    checking: 'Looking up the revocation status through kyso…',
    fetched: 'Fetched online: {ocsp} OCSP response(s), {crl} CRL(s).',
    nothingNeeded: 'No certificate of the document needs a lookup.',
    nothingFetched: 'No revocation data could be fetched.',
    untrusted: 'the certificate does not chain to kyso\'s trust anchors on this computer, so it was not looked up',
    fetchFailed: 'could not fetch revocation data',
    hostError: 'The lookup through kyso failed',
    usedFetched: 'Using revocation data fetched online now (not in the file): {ocsp} OCSP response(s), {crl} CRL(s).',
    usedLoaded: 'Using revocation data you loaded (not in the file): {names}.',
    clear: 'Remove the added revocation data',
    loadError: 'Cannot read the file',
    notRevocation: 'the file is not a CRL, an OCSP response or a certificate (DER or PEM)',
  },
};

// PROTOCOL.md "revocation": at most 16 certificates a request.
const CERTS_PER_REQUEST = 16;

// The signatures whose revocation check could not decide.
export function revocationUnknown(report) {
  return (report?.signatures ?? []).filter((s) => s.checks?.revocation?.result === 'indeterminate');
}

// Whether every such signature is itself intact (content and value).
export function allIntact(sigs) {
  return sigs.length > 0 && sigs.every((s) =>
    s.checks?.integrity?.result === 'passed' && s.checks?.signature?.result === 'passed');
}

// The DER items of a loaded file: the blocks of a PEM file (certificates,
// CRLs, OCSP responses), or the file itself. Unreadable PEM -> [].
export function derItems(bytes) {
  if (bytes[0] === 0x30) return [bytes];
  const text = new TextDecoder('latin1').decode(bytes.subarray(0, 32 << 20));
  const out = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    try {
      out.push(b64.decode(m[2].replace(/[^A-Za-z0-9+/=]/g, '')));
    } catch {
      // not base64: skipped, the file may hold other blocks
    }
  }
  return out;
}

// Sorts loaded files into { certificates, crls, ocsps } with the module's
// DER reader; a file with nothing usable is reported in bad (names).
export async function sortFiles(kyso, files) {
  const got = { certificates: [], crls: [], ocsps: [] };
  const bad = [];
  for (const f of files) {
    const items = derItems(f.bytes);
    const kinds = items.length ? await kyso.classify(items) : [];
    let used = 0;
    kinds.forEach((k, i) => {
      const list = { certificate: got.certificates, crl: got.crls, ocsp: got.ocsps }[k];
      if (list) {
        list.push(items[i]);
        used++;
      }
    });
    if (!used) bad.push(f.name);
  }
  return { ...got, bad };
}

// One kyso-host connection for the page, opened at the first lookup.
let hostConn = null;
let nextId = 1;
// How to reach kyso-host: connectHost (extension bridge, then websocket)
// unless a page sets its own (the extension's built-in verifier asks its
// background, which speaks native messaging). fn(options) -> Promise<{
// request(message) -> Promise<reply>}>.
let connector = connectHost;
export function setHostConnector(fn) {
  connector = typeof fn === 'function' ? fn : connectHost;
  hostConn = null;
}

async function host(options) {
  if (!hostConn) {
    hostConn = connector({ port: options.port, lang: options.lang }).catch((e) => {
      hostConn = null;
      throw e;
    });
  }
  return hostConn;
}

// Fetches, through kyso-host, revocation data for the certificates of pdf
// that have none. options: kyso (the module), anchors (trust anchors the
// page uses), at, port, lang. { certificates, crls, ocsps, errors: [{
// code, url, message }], asked } (DER arrays).
export async function fetchRevocation(pdf, options) {
  const { kyso } = options;
  const { needs } = await kyso.ltvCollect(pdf, { trustAnchors: options.anchors, at: options.at });
  const want = [];
  for (const n of needs) {
    if (n.hasRevocation) continue;
    for (const c of [n.certificate, n.issuer]) {
      if (!c) continue;
      const k = b64.encode(c);
      if (!want.includes(k)) want.push(k);
    }
  }
  const got = { certificates: [], crls: [], ocsps: [], errors: [], asked: want.length };
  if (!want.length) return got;
  const conn = await host(options);
  const seen = new Set();
  const keep = (list, items) => {
    for (const s of Array.isArray(items) ? items : []) {
      if (typeof s !== 'string' || seen.has(s)) continue;
      seen.add(s);
      list.push(b64.decode(s));
    }
  };
  for (let at = 0; at < want.length; at += CERTS_PER_REQUEST) {
    const chunk = want.slice(at, at + CERTS_PER_REQUEST);
    const reply = await conn.request({ id: `v${nextId++}`, cmd: 'revocation', certificates: chunk });
    if (!reply?.result) {
      const e = reply?.error ?? { code: 'NATIVE_FATAL', message: 'no reply' };
      throw new KysoError(e.code, e.message ?? '', {}, options.lang);
    }
    keep(got.ocsps, reply.result.ocsp);
    keep(got.crls, reply.result.crls);
    keep(got.certificates, reply.result.certificates);
    for (const e of Array.isArray(reply.result.errors) ? reply.result.errors : [])
      got.errors.push({ code: String(e.code ?? ''), url: e.url ?? null, reason: e.reason ?? null,
        message: String(e.message ?? '') });
  }
  return got;
}

// The host's per-certificate errors in words, each once.
export function errorsText(errors, lang) {
  const t = ONLINE_UI[lang];
  const words = errors.map((e) => (e.code === 'UNTRUSTED' ? t.untrusted
    : `${t.fetchFailed}${e.url ? ` (${e.url})` : ''}${e.reason ? ` [${e.reason}]` : ''}`));
  return [...new Set(words)].join('; ');
}
