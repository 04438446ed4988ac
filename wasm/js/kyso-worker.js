// kyso-worker.js - runs kyso.wasm off the page's thread (a module Web Worker,
// or a Node worker_threads Worker). Speaks one message protocol with
// kyso-wasm.js:
//   in:  { id, op, args }                      ops: prepare, finish, release,
//                                                   timestampImprint, verify,
//                                                   ltvCollect, ltvUpdate,
//                                                   classify, heap
//   out: { ready: true }                       once, when the module is loaded
//        { id, result } | { id, error: { code, message } }
//        { id, progress: { stage, done, total } }
// Buffers going back are transferred, not copied. Every native allocation is
// freed on every path; signing sessions live until finish or release.

const isNode =
  typeof process !== 'undefined' && !!process.versions?.node &&
  typeof self === 'undefined';

let port;
if (isNode) {
  const threads = await import('node:worker_threads');
  const { createRequire } = await import('node:module');
  // Emscripten's Node branch (emcc 3.1.6) still calls require and reads
  // __dirname, which ES modules do not have.
  globalThis.require = createRequire(import.meta.url);
  globalThis.__dirname = new URL('.', import.meta.url).pathname;
  port = threads.parentPort;
} else {
  port = self;
}

const wasmUrl = new URL('./kyso.wasm', import.meta.url);

async function instantiate(imports) {
  if (isNode) {
    const { readFile } = await import('node:fs/promises');
    return WebAssembly.instantiate(await readFile(wasmUrl), imports);
  }
  if (WebAssembly.instantiateStreaming) {
    try {
      return await WebAssembly.instantiateStreaming(fetch(wasmUrl), imports);
    } catch (e) {
      // a server without application/wasm: fall through to bytes
    }
  }
  const bytes = await (await fetch(wasmUrl)).arrayBuffer();
  return WebAssembly.instantiate(bytes, imports);
}

const { default: createKysoCore } = await import('./kyso.js');

function createCore() {
  return createKysoCore({
    instantiateWasm(imports, receive) {
      instantiate(imports).then(
        (r) => receive(r.instance, r.module),
        (e) => port.postMessage({ fatal: String(e) }));
      return {};
    },
    print() {},
    printErr() {},
  });
}

// A trap inside the module (a bug, never bad input by design) leaves its
// memory undefined: the instance is dropped and a fresh one made, so one
// bad call cannot poison the next.
let core = await createCore();
let broken = false;

const DIGESTS = ['SHA-256', 'SHA-384', 'SHA-512'];
const SCHEMES = ['AUTO', 'RSA_PKCS1', 'RSA_PSS', 'ECDSA'];
const INDICATIONS = ['TOTAL_PASSED', 'INDETERMINATE', 'TOTAL_FAILED'];
// Option indices, as in wasm/src/kw_sign.c.
const TEXT = { name: 0, reason: 1, location: 2, contactInfo: 3, fieldName: 4,
               docNumber: 5, issueDate: 6, numberField: 7, dateField: 8,
               copyForm: 9, copier: 10, organization: 11 };
const BLOB = { certificate: 0, chain: 1, image: 2, font: 3 };
const NUM = { digest: 0, scheme: 1, time: 2, offset: 3, page: 4, rect: 5,
              reserve: 9, profile: 10, sealSizeMm: 11, numberRect: 12,
              dateRect: 16 };
const PROFILES = ['personal', 'organization', 'attachment', 'copy'];

// The text of Decree 30 stamps and fields is drawn with a subset of
// Liberation Serif (Debian's fonts-liberation2), copied beside the module by
// wasm/build.sh and read once, only when a signature draws text.
const fontUrl = new URL('./LiberationSerif-Regular.ttf', import.meta.url);
let bundledFont = null;
async function loadFont() {
  if (bundledFont) return bundledFont;
  let bytes;
  if (isNode) {
    const { readFile } = await import('node:fs/promises');
    bytes = await readFile(fontUrl).catch(() => null);
  } else {
    const r = await fetch(fontUrl).catch(() => null);
    bytes = r && r.ok ? await r.arrayBuffer() : null;
  }
  if (!bytes)
    throw new KysoError('ARGUMENT', 'no font for the signature text: pass options.font (a TrueType file)');
  bundledFont = new Uint8Array(bytes);
  return bundledFont;
}

const needsText = (o) => ['attachment', 'copy', 'organization'].includes(o.profile) ||
  o.numberRect !== undefined || o.dateRect !== undefined;

class KysoError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

function lastError() {
  return new KysoError(core.UTF8ToString(core._kw_error_code()),
                       core.UTF8ToString(core._kw_error_message()));
}

// Native memory owned by one call; freed in reverse order at the end.
class Scope {
  constructor() { this.pointers = []; }
  alloc(n) {
    const p = core._kw_alloc(n);
    if (!p) throw lastError();
    this.pointers.push(p);
    return p;
  }
  bytes(u8) {
    const p = this.alloc(u8.length);
    core.HEAPU8.set(u8, p);
    return p;
  }
  string(s) {
    const n = core.lengthBytesUTF8(s) + 1;
    const p = this.alloc(n);
    core.stringToUTF8(s, p, n);
    return p;
  }
  free() {
    while (this.pointers.length) core._kw_free(this.pointers.pop());
  }
}

function check(ok) {
  if (!ok) throw lastError();
  return ok;
}

// A copy of native bytes into a fresh, transferable buffer.
function copyOut(ptr, len) {
  return core.HEAPU8.slice(ptr, ptr + len);
}

function toBytes(v, what) {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (typeof v === 'string') return new TextEncoder().encode(v);
  throw new KysoError('ARGUMENT', `${what} must be bytes`);
}

function seconds(t, what) {
  if (t === undefined || t === null) return Math.floor(Date.now() / 1000);
  if (t instanceof Date) return Math.floor(t.getTime() / 1000);
  if (typeof t === 'number' && Number.isFinite(t)) return Math.floor(t);
  if (typeof t === 'string') {
    const ms = Date.parse(t);
    if (Number.isFinite(ms)) return Math.floor(ms / 1000);
  }
  throw new KysoError('ARGUMENT', `${what} is not a time`);
}

// Bulk hashing: WebCrypto where there is one (native speed; WASM SHA-256
// runs ~27 MB/s until the engine tiers up), OpenSSL inside the module
// otherwise. The module checks nothing less either way: it uses a digest
// given here only for exactly the byte ranges it would hash itself.
const subtle = globalThis.crypto?.subtle;
const HASH_NAMES = ['SHA-256', 'SHA-384', 'SHA-512'];
const useWebCrypto = (opt) => !!subtle && opt !== false;

// The concatenation of byte runs, hashed by WebCrypto.
async function webDigest(digest, runs) {
  let total = 0;
  for (const r of runs) total += r.length;
  const joined = new Uint8Array(total);
  let at = 0;
  for (const r of runs) {
    joined.set(r, at);
    at += r.length;
  }
  return new Uint8Array(await subtle.digest(HASH_NAMES[digest], joined));
}

const sessions = new Map(); // handle -> { session }: the input lives in it
const lost = new Set(); // handles dropped when the module was restarted
let nextHandle = 1;

function setOptions(scope, opt, o) {
  const optionKeys = new Set(['certificate', 'chain', 'digest', 'scheme',
    'signingTime', 'utcOffsetMinutes', 'name', 'reason', 'location',
    'contactInfo', 'fieldName', 'page', 'rect', 'image', 'contentsReserve',
    'profile', 'webCrypto', 'font', 'docNumber', 'issueDate', 'numberRect',
    'dateRect', 'numberField', 'dateField', 'sealSizeMm', 'copyForm', 'copier',
    'organization']);
  for (const k of Object.keys(o))
    if (!optionKeys.has(k)) throw new KysoError('ARGUMENT', `unknown option "${k}"`);
  if (o.profile !== undefined && !PROFILES.includes(o.profile))
    throw new KysoError('ARGUMENT', `profile "${o.profile}" is not one of ${PROFILES}`);
  if (!o.certificate) throw new KysoError('ARGUMENT', 'certificate is required');
  const blob = (which, v, what) => {
    const b = toBytes(v, what);
    check(core._kw_sign_set_blob(opt, which, scope.bytes(b), b.length));
  };
  blob(BLOB.certificate, o.certificate, 'certificate');
  for (const c of o.chain ?? []) blob(BLOB.chain, c, 'a chain certificate');
  if (o.image) blob(BLOB.image, o.image, 'image');
  if (o.font) blob(BLOB.font, o.font, 'font');
  for (const [k, i] of Object.entries(TEXT)) {
    if (o[k] === undefined) continue;
    if (typeof o[k] !== 'string') throw new KysoError('ARGUMENT', `${k} must be a string`);
    check(core._kw_sign_set_text(opt, i, scope.string(o[k])));
  }
  const num = (which, v) => check(core._kw_sign_set_number(opt, which, v));
  if (o.digest !== undefined) {
    const d = DIGESTS.indexOf(o.digest);
    if (d < 0) throw new KysoError('ARGUMENT', `digest "${o.digest}" is not one of ${DIGESTS}`);
    num(NUM.digest, d);
  }
  if (o.scheme !== undefined) {
    const s = SCHEMES.indexOf(o.scheme);
    if (s < 0) throw new KysoError('ARGUMENT', `scheme "${o.scheme}" is not one of ${SCHEMES}`);
    num(NUM.scheme, s);
  }
  num(NUM.time, seconds(o.signingTime, 'signingTime'));
  if (o.utcOffsetMinutes !== undefined) num(NUM.offset, o.utcOffsetMinutes);
  if (o.page !== undefined) num(NUM.page, o.page);
  const rect = (name, first) => {
    const r = o[name];
    if (r === undefined) return;
    if (!Array.isArray(r) || r.length !== 4 ||
        !r.every((v) => typeof v === 'number' && Number.isFinite(v)))
      throw new KysoError('ARGUMENT', `${name} must be [x, y, width, height] in points`);
    r.forEach((v, i) => num(first + i, v));
  };
  rect('rect', NUM.rect);
  rect('numberRect', NUM.numberRect);
  rect('dateRect', NUM.dateRect);
  if (o.profile !== undefined) num(NUM.profile, PROFILES.indexOf(o.profile));
  if (o.sealSizeMm !== undefined) num(NUM.sealSizeMm, o.sealSizeMm);
  if (o.contentsReserve !== undefined) num(NUM.reserve, o.contentsReserve);
}

async function prepare({ pdf, options }, progress) {
  const scope = new Scope();
  const o = options ?? {};
  let opt = 0;
  let session = 0;
  try {
    const bytes = toBytes(pdf, 'pdf');
    const withFont = !o.font && needsText(o) ? { ...o, font: await loadFont() } : o;
    opt = core._kw_sign_new();
    check(opt);
    setOptions(scope, opt, withFont);
    progress('copy', 0, bytes.length);
    const p = core._kw_alloc(bytes.length); // owned by kw_prepare from here
    if (!p) throw lastError();
    core.HEAPU8.set(bytes, p);
    progress('prepare', 0, bytes.length);
    const web = useWebCrypto(o.webCrypto);
    session = core._kw_prepare(p, bytes.length, opt, web ? 0 : 1);
    check(session);
    if (web) {
      progress('hash', 0, bytes.length);
      const partsPtr = scope.alloc(24);
      core._kw_session_parts(session, partsPtr);
      const u32 = core.HEAPU32.subarray(partsPtr >> 2, (partsPtr >> 2) + 6);
      // Views of the module's memory: webDigest copies them before any
      // await, so memory growth cannot move them under it.
      const runs = [0, 2, 4].map((i) => core.HEAPU8.subarray(u32[i], u32[i] + u32[i + 1]));
      const md = await webDigest(core._kw_session_digest(session), runs);
      check(core._kw_session_set_digest(session, scope.bytes(md), md.length));
    }
    const lenPtr = scope.alloc(4);
    const attrs = core._kw_session_signed_attrs(session, lenPtr);
    const signedAttributes = copyOut(attrs, core.HEAPU32[lenPtr >> 2]);
    const handle = nextHandle++;
    const digest = DIGESTS[core._kw_session_digest(session)];
    const scheme = SCHEMES[core._kw_session_scheme(session)];
    sessions.set(handle, { session });
    session = 0;
    progress('done', bytes.length, bytes.length);
    return {
      value: { handle, signedAttributes, digest, scheme,
               hashedBy: web ? 'webcrypto' : 'wasm' },
      transfer: [signedAttributes.buffer],
    };
  } finally {
    if (session) core._kw_session_free(session);
    if (opt) core._kw_sign_free(opt);
    scope.free();
  }
}

function session(handle) {
  const s = sessions.get(handle);
  if (s) return s;
  if (lost.has(handle))
    throw new KysoError('NATIVE_FATAL',
                        'the kyso module restarted after an internal error: prepare again');
  throw new KysoError('ARGUMENT', 'unknown or finished signing handle');
}

function timestampImprint({ handle, signature }) {
  const s = session(handle);
  const scope = new Scope();
  try {
    const sig = toBytes(signature, 'signature');
    const out = scope.alloc(64);
    const n = core._kw_timestamp_imprint(core._kw_session_digest(s.session),
                                         scope.bytes(sig), sig.length, out);
    check(n);
    const value = copyOut(out, n);
    return { value, transfer: [value.buffer] };
  } finally {
    scope.free();
  }
}

function finish({ handle, signature, timestampToken }) {
  const s = session(handle);
  const scope = new Scope();
  try {
    const sig = toBytes(signature, 'signature');
    let tok = 0;
    let tokLen = 0;
    if (timestampToken) {
      const t = toBytes(timestampToken, 'timestampToken');
      tok = scope.bytes(t);
      tokLen = t.length;
    }
    check(core._kw_finish(s.session, scope.bytes(sig), sig.length, tok, tokLen));
    const lenPtr = scope.alloc(4);
    const up = core._kw_session_update(s.session, lenPtr);
    const upLen = core.HEAPU32[lenPtr >> 2];
    const inLen = core._kw_session_input(s.session, lenPtr);
    const inPtr = core.HEAPU32[lenPtr >> 2];
    const out = new Uint8Array(inLen + upLen);
    out.set(core.HEAPU8.subarray(inPtr, inPtr + inLen), 0);
    out.set(core.HEAPU8.subarray(up, up + upLen), inLen);
    release({ handle });
    return { value: out, transfer: [out.buffer] };
  } finally {
    scope.free();
  }
}

function release({ handle }) {
  const s = sessions.get(handle);
  if (s) {
    core._kw_session_free(s.session);
    sessions.delete(handle);
  }
  return { value: !!s };
}

const RANGES_MAX = 64; // signatures hashed by WebCrypto; more: by the module

// Starts WebCrypto on every signature's byte ranges (SHA-256, what nearly
// every signature uses; others are hashed inside the module). null when
// there is nothing to hash.
function startRangeHints(scope, p, bytes) {
  const out = scope.alloc(RANGES_MAX * 4 * 8);
  const n = core._kw_byte_ranges(p, bytes.length, out, RANGES_MAX);
  if (n <= 0) return null; // unreadable files fail in kw_verify with its error
  const count = Math.min(n, RANGES_MAX);
  const ranges = core.HEAPF64.slice(out >> 3, (out >> 3) + count * 4);
  const pending = [];
  for (let i = 0; i < count - 1; i++) {
    const [a, b, c, d] = ranges.subarray(i * 4, i * 4 + 4);
    pending.push(webDigest(0, [bytes.subarray(a, a + b), bytes.subarray(c, c + d)]));
  }
  // The last one (usually the only one) without a joined copy: bytes is
  // this call's own copy, already in the module and hashed for the others
  // (WebCrypto copies its input when called), so the second range can be
  // moved down to end the first in place.
  const [a, b, c, d] = ranges.subarray((count - 1) * 4, count * 4);
  if (a === 0 && c >= b) {
    bytes.copyWithin(b, c, c + d);
    pending.push(subtle.digest('SHA-256', bytes.subarray(0, b + d)).then((h) => new Uint8Array(h)));
  } else {
    pending.push(webDigest(0, [bytes.subarray(a, a + b), bytes.subarray(c, c + d)]));
  }
  const digests = Promise.all(pending);
  digests.catch(() => {}); // awaited later; a failure surfaces there
  return { count, ranges, digests };
}

// The started digests as the three arrays kw_verify takes.
async function placeRangeHints(scope, started) {
  const { count, ranges } = started;
  const values = new Uint8Array(count * 64);
  (await started.digests).forEach((d, i) => values.set(d, i * 64));
  const rangesPtr = scope.alloc(ranges.byteLength);
  core.HEAPF64.set(ranges, rangesPtr >> 3);
  const digestsPtr = scope.alloc(count * 4); // all SHA-256 (0)
  core.HEAP32.fill(0, digestsPtr >> 2, (digestsPtr >> 2) + count);
  return { ranges: rangesPtr, digests: digestsPtr, values: scope.bytes(values), count };
}

// A trust set: the bundled roots unless noDefaultTrust, plus trustAnchors
// (PEM or DER). The caller frees it with _kw_trust_free.
function makeTrust(scope, o) {
  const trust = core._kw_trust_new(o.noDefaultTrust ? 0 : 1);
  check(trust);
  try {
    for (const a of o.trustAnchors ?? []) {
      const b = toBytes(a, 'a trust anchor');
      check(core._kw_trust_add(trust, scope.bytes(b), b.length));
    }
  } catch (e) {
    core._kw_trust_free(trust);
    throw e;
  }
  return trust;
}

// Validation data from outside the document (wasm/src/kw_ltv.c): DER
// certificates (for paths only, never trusted), CRLs, OCSP responses.
const EXTRA = { certificates: 0, crls: 1, ocsps: 2 };
const EXTRA_KINDS = ['certificate', 'crl', 'ocsp'];
function makeExtra(scope, lists) {
  const x = core._kw_extra_new();
  check(x);
  try {
    for (const [name, kind] of Object.entries(EXTRA)) {
      const list = lists[name] ?? [];
      if (!Array.isArray(list)) throw new KysoError('ARGUMENT', `${name} must be an array`);
      for (const item of list) {
        const b = toBytes(item, `an item of ${name}`);
        check(core._kw_extra_add(x, kind, scope.bytes(b), b.length));
      }
    }
  } catch (e) {
    core._kw_extra_free(x);
    throw e;
  }
  return x;
}

async function verify({ pdf, options }, progress) {
  const o = options ?? {};
  const keys = new Set(['trustAnchors', 'noDefaultTrust', 'at', 'lang', 'text',
                        'webCrypto', 'extraCertificates', 'extraCrls', 'extraOcsps',
                        'extraFetched']);
  for (const k of Object.keys(o))
    if (!keys.has(k)) throw new KysoError('ARGUMENT', `unknown option "${k}"`);
  const lang = o.lang ?? 'vi';
  if (lang !== 'vi' && lang !== 'en')
    throw new KysoError('ARGUMENT', 'lang must be "vi" or "en"');
  const scope = new Scope();
  let trust = 0;
  let extra = 0;
  let report = 0;
  try {
    const bytes = toBytes(pdf, 'pdf');
    const at = seconds(o.at, 'at');
    progress('copy', 0, bytes.length);
    const p = scope.bytes(bytes);
    // WebCrypto hashes on its own thread while the trust set is parsed here.
    let started = null;
    if (useWebCrypto(o.webCrypto)) {
      progress('hash', 0, bytes.length);
      started = startRangeHints(scope, p, bytes);
    }
    trust = makeTrust(scope, o);
    if (o.extraCertificates || o.extraCrls || o.extraOcsps) {
      extra = makeExtra(scope, { certificates: o.extraCertificates, crls: o.extraCrls,
                                 ocsps: o.extraOcsps });
      core._kw_extra_set_fetched(extra, o.extraFetched ? 1 : 0);
    }
    const hints = started ? await placeRangeHints(scope, started) : null;
    progress('verify', 0, bytes.length);
    report = core._kw_verify(p, bytes.length, trust, extra, at, hints?.ranges ?? 0,
                             hints?.digests ?? 0, hints?.values ?? 0,
                             hints?.count ?? 0);
    check(report);
    const json = core.UTF8ToString(core._kw_report_json(report));
    let text;
    if (o.text !== false) {
      const t = core._kw_report_text(report, scope.string(lang));
      check(t);
      text = core.UTF8ToString(t);
    }
    progress('done', bytes.length, bytes.length);
    return {
      value: {
        json,
        text,
        indication: INDICATIONS[core._kw_report_overall(report)],
        signatureCount: core._kw_report_count(report),
        hashedBy: hints ? 'webcrypto' : 'wasm',
      },
    };
  } finally {
    if (report) core._kw_report_free(report);
    if (extra) core._kw_extra_free(extra);
    if (trust) core._kw_trust_free(trust);
    scope.free();
  }
}

const LTV_KEYS = new Set(['trustAnchors', 'noDefaultTrust', 'at', 'certificates', 'crls', 'ocsps']);
function ltvOptions(o) {
  for (const k of Object.keys(o))
    if (!LTV_KEYS.has(k)) throw new KysoError('ARGUMENT', `unknown option "${k}"`);
  return o;
}

const hex = (u8) => Array.from(u8, (b) => b.toString(16).padStart(2, '0')).join('');

// What long-term validation of pdf needs (kyso_ltv_collect): every
// certificate on its signatures' and timestamps' paths, up to a trust
// anchor, and whether the document holds revocation data for it. options:
// trustAnchors, noDefaultTrust, at, certificates (extra ones for paths).
function ltvCollect({ pdf, options }) {
  const o = ltvOptions(options ?? {});
  const scope = new Scope();
  let trust = 0;
  let extra = 0;
  let set = 0;
  try {
    const bytes = toBytes(pdf, 'pdf');
    const p = scope.bytes(bytes);
    trust = makeTrust(scope, o);
    extra = makeExtra(scope, { certificates: o.certificates });
    set = core._kw_ltv_collect(p, bytes.length, trust, extra, seconds(o.at, 'at'));
    check(set);
    const info = scope.alloc(9 * 8);
    const needs = [];
    for (let i = 0; i < core._kw_ltv_need_count(set); i++) {
      check(core._kw_ltv_need_get(set, i, info));
      const f = core.HEAPF64.slice(info >> 3, (info >> 3) + 9);
      const signatures = [];
      for (let b = 0; b < 64; b++)
        if ((b < 32 ? f[7] : f[8]) & (2 ** (b % 32))) signatures.push(b);
      needs.push({
        certificate: copyOut(f[0], f[1]),
        issuer: f[3] ? copyOut(f[2], f[3]) : null,
        certificateInDocument: !!f[4],
        issuerInDocument: !!f[5],
        hasRevocation: !!f[6],
        signatures, // indexes; 63 stands for 63 and every later one
      });
    }
    const key = scope.alloc(20);
    const time = scope.alloc(8);
    const signatures = [];
    for (let i = 0; i < core._kw_ltv_signature_count(set); i++) {
      const kind = core._kw_ltv_signature_get(set, i, key, time);
      signatures.push({ vriKey: hex(core.HEAPU8.subarray(key, key + 20)).toUpperCase(),
                        documentTimestamp: kind === 1,
                        time: new Date(core.HEAPF64[time >> 3] * 1000).toISOString() });
    }
    return { value: { needs, signatures } };
  } finally {
    if (set) core._kw_ltv_free(set);
    if (extra) core._kw_extra_free(extra);
    if (trust) core._kw_trust_free(trust);
    scope.free();
  }
}

// pdf with a DSS + /VRI incremental update holding what its signatures
// lack: for each certificate without revocation data, the first of ocsps,
// else crls, that the answer checks accept at options.at (now); the
// certificates it misses (certificates: issuers fetched from caIssuers).
// { pdf (input + update; the input itself when nothing is added), added:
// { certificates, crls, ocsps }, withoutData: certificates left without
// any answer, revoked: certificates an answer says are revoked }.
function ltvUpdate({ pdf, options }) {
  const o = ltvOptions(options ?? {});
  const scope = new Scope();
  let trust = 0;
  let extra = 0;
  try {
    const bytes = toBytes(pdf, 'pdf');
    const p = scope.bytes(bytes);
    trust = makeTrust(scope, o);
    extra = makeExtra(scope, o);
    const outPtr = scope.alloc(8);
    const stats = scope.alloc(20);
    core.HEAPU32[outPtr >> 2] = 0;
    check(core._kw_ltv_update(p, bytes.length, trust, extra, seconds(o.at, 'at'),
                              outPtr, outPtr + 4, stats));
    const up = core.HEAPU32[outPtr >> 2];
    const upLen = core.HEAPU32[(outPtr >> 2) + 1];
    const [certificates, crls, ocsps, withoutData, revoked] =
      core.HEAPU32.slice(stats >> 2, (stats >> 2) + 5);
    let out;
    if (up) {
      out = new Uint8Array(bytes.length + upLen);
      out.set(bytes, 0);
      out.set(core.HEAPU8.subarray(up, up + upLen), bytes.length);
      core._kw_free(up);
    } else {
      out = bytes.slice();
    }
    return { value: { pdf: out, added: up ? { certificates, crls, ocsps }
                                         : { certificates: 0, crls: 0, ocsps: 0 },
                      withoutData, revoked },
             transfer: [out.buffer] };
  } finally {
    if (extra) core._kw_extra_free(extra);
    if (trust) core._kw_trust_free(trust);
    scope.free();
  }
}

// The kind of each DER item: 'certificate', 'crl', 'ocsp' or null.
function classify({ items }) {
  if (!Array.isArray(items)) throw new KysoError('ARGUMENT', 'items must be an array');
  const scope = new Scope();
  try {
    const kinds = items.map((item) => {
      const b = toBytes(item, 'an item');
      if (b.length === 0) return null;
      return EXTRA_KINDS[core._kw_der_kind(scope.bytes(b), b.length)] ?? null;
    });
    return { value: kinds };
  } finally {
    scope.free();
  }
}

function heap() {
  return { value: { inUse: core._kw_heap_in_use(), sessions: sessions.size,
                    memory: core.HEAPU8.length } };
}

const ops = { prepare, finish, release, verify, heap, timestampImprint, ltvCollect, ltvUpdate,
              classify };

async function run(msg) {
  const { id, op, args } = msg ?? {};
  const progress = (stage, done, total) =>
    port.postMessage({ id, progress: { stage, done, total } });
  try {
    const fn = ops[op];
    if (!fn) throw new KysoError('ARGUMENT', `unknown operation "${op}"`);
    const { value, transfer } = await fn(args ?? {}, progress);
    port.postMessage({ id, result: value }, transfer ?? []);
  } catch (e) {
    if (e instanceof KysoError) {
      port.postMessage({ id, error: { code: e.code, message: e.message } });
    } else {
      broken = true;
      port.postMessage({ id, error: { code: 'NATIVE_FATAL',
                                      message: `kyso module: ${e.message ?? e}` } });
    }
  }
}

// Messages run one at a time, in order.
let queue = Promise.resolve();
function onMessage(msg) {
  queue = queue.then(async () => {
    if (broken) {
      for (const h of sessions.keys()) lost.add(h);
      sessions.clear();
      core = await createCore();
      broken = false;
    }
    await run(msg);
  });
}

if (isNode) port.on('message', onMessage);
else port.onmessage = (e) => onMessage(e.data);
port.postMessage({ ready: true });
