// portal_lib.mjs - the JavaScript half of web.portal_lib: kyso.js (the
// portal client library, as web/build.sh assembles it) in Node against the
// real kyso-host over its websocket, with the WASM module beside it. Node
// has no page origin: the library is given a WebSocket constructor that
// sends the allowed one. One "PASS\tmessage" / "FAIL\tmessage" per check;
// the signed files go to OUTDIR for the shell test (pdfsig, CMS contents).
//
//   node portal_lib.mjs OUTDIR
//
// The verification code (mã kiểm tra) is checked against the tests' own
// derivation (tests/lib/vcode.mjs, node's crypto): a known vector, the
// signed files' ByteRange digests, and the code kyso-host's dialog shows;
// so is a batch's code (mã kiểm tra của lô).
// A fake host (a ws server in this process) plays greetings the real host
// cannot: the version-less hello followed by an incompatible version.
//
// Environment: KYSO_WEB_DIR, KYSO_HOST_PORT, KYSO_CLOSED_PORT (nothing
// listens there), KYSO_PINENTRY_ANSWERS, KYSO_PINENTRY_LOG, FX.
import { createRequire } from 'node:module';
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { codeOf, batchCodeOf, BATCH_VECTOR_MDS, fingerprintOf, signedDigest, dialogTexts, codesIn } from '../lib/vcode.mjs';

const env = process.env;
const ORIGIN = 'https://portal.kyso.test'; // allow_origin in host_setup's host.conf
const WS = createRequire(new URL('./package.json', import.meta.url))('ws');
const Kyso = await import(pathToFileURL(path.join(env.KYSO_WEB_DIR, 'kyso.js')).href);

// What kyso.js sends (wire.sent), and a hook on the host's reply that
// carries signatures (wire.onSignatures(reply, deliver)): the abort tests
// abort exactly when that reply arrives.
const wire = { sent: [], onSignatures: null };
function socketFor(origin) {
  return class extends WS {
    constructor(url) { super(url, { origin }); }
    send(data, ...rest) {
      wire.sent.push(JSON.parse(data));
      return super.send(data, ...rest);
    }
    get onmessage() { return super.onmessage; }
    set onmessage(fn) {
      super.onmessage = fn && ((ev) => {
        let m = null;
        try { m = JSON.parse(ev.data); } catch { /* the library's business */ }
        const hook = wire.onSignatures;
        if (hook && m?.result?.signatures) {
          wire.onSignatures = null;
          hook(m, () => fn(ev));
        } else {
          fn(ev);
        }
      });
    }
  };
}
const PortalSocket = socketFor(ORIGIN);

let failures = 0;
function check(cond, what) {
  if (!cond) failures++;
  console.log(`${cond ? 'PASS' : 'FAIL'}\t${what.replace(/\s+/g, ' ')}`);
}
const answers = (lines) => fs.writeFileSync(env.KYSO_PINENTRY_ANSWERS, lines.map((l) => `${l}\n`).join(''));
const pinLog = () => fs.readFileSync(env.KYSO_PINENTRY_LOG, 'utf8');
const count = (re) => (pinLog().match(re) ?? []).length;
const fixture = (name) => fs.readFileSync(path.join(env.FX, name));
// The leader's boxes on vn-chromium.pdf (A4 portrait), as the shell test
// expects them: [x, y, width, height] in points, origin bottom left.
const RECTS = { signature: [340, 80, 180, 70], number: [60, 40, 150, 18], date: [265, 40, 270, 18] };
const NUMBER = '123/QĐ-UBND';
const DATE = 'Tiền Giang, ngày 11 tháng 12 năm 2024';
const COPIER = 'Văn phòng UBND tỉnh Tiền Giang';

// The KysoError a promise rejects with (or a note that it did not).
async function failure(promise) {
  try {
    await promise;
    return { code: 'resolved' };
  } catch (e) {
    return e;
  }
}

// ---- the verification code without a host ----------------------------------

// DER for the hand-made SignedAttributes below.
function der(tag, ...parts) {
  const body = Buffer.concat(parts);
  const n = body.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...len]), body]);
}
const hex = (h) => Buffer.from(h, 'hex');
const OID_CONTENT_TYPE = '06092a864886f70d010903';
const OID_MESSAGE_DIGEST = '06092a864886f70d010904';
const ID_DATA = hex('06092a864886f70d010701');
const attr = (oid, ...values) => der(0x30, hex(oid), der(0x31, ...values));
const octets = (b) => der(0x04, b);

async function codeChecks() {
  // The known answer: SHA-256 of 32 zero bytes is 66687aad...; 0x66687aad =
  // 1718123181, mod 10^6 = 123181.
  const zero = new Uint8Array(32);
  check(codeOf(zero) === '123 181' && await Kyso.verificationCode(zero) === '123 181',
    `verification code, known vector: 32 zero bytes -> "123 181" (tests: ${codeOf(zero)}, ` +
    `kyso.js: ${await Kyso.verificationCode(zero)})`);
  // Random digests of every size, and one whose code starts with zeros.
  let same = 0;
  const mds = [];
  for (let i = 0; i < 300; i++) mds.push(crypto.randomBytes([32, 48, 64][i % 3]));
  let padded = null;
  while (!padded) {
    const md = crypto.randomBytes(32);
    if (codeOf(md).startsWith('00')) padded = md;
  }
  mds.push(padded);
  for (const md of mds) if (await Kyso.verificationCode(md) === codeOf(md)) same++;
  check(same === mds.length, `kyso.js's code equals node's derivation for ${same}/${mds.length} digests ` +
    `(32, 48, 64 bytes; "${codeOf(padded)}" zero-padded)`);
  // The batch code (mã kiểm tra của lô): the known vector (PROTOCOL.md), and
  // random batches of 2 to 100 digests of every size, against node's.
  const vector = await Kyso.batchVerificationCode(BATCH_VECTOR_MDS);
  check(batchCodeOf(BATCH_VECTOR_MDS) === '958 053' && vector === '958 053',
    `batch code, known vector: 32 zero bytes, 00..2f, 64 ff bytes -> "958 053" (tests: ` +
      `${batchCodeOf(BATCH_VECTOR_MDS)}, kyso.js: ${vector})`);
  const batches = [];
  for (let i = 0; i < 40; i++) {
    const n = 2 + Math.floor(Math.random() * 99);
    batches.push(Array.from({ length: n }, (_, k) => new Uint8Array(crypto.randomBytes([32, 48, 64][(i + k) % 3]))));
  }
  let sameBatch = 0;
  for (const b of batches) if (await Kyso.batchVerificationCode(b) === batchCodeOf(b)) sameBatch++;
  const swappedOrder = [BATCH_VECTOR_MDS[1], BATCH_VECTOR_MDS[0], BATCH_VECTOR_MDS[2]];
  check(sameBatch === batches.length && await Kyso.batchVerificationCode(swappedOrder) !== vector,
    `kyso.js's batch code equals node's for ${sameBatch}/${batches.length} random batches; the order counts`);
  const empty = await failure(Kyso.batchVerificationCode([]));
  check(empty.code === 'ARGUMENT', `batchVerificationCode([]) is ARGUMENT (${empty.code})`);
  // Without WebCrypto (a page on plain http has none): the same codes.
  const saved = Object.getOwnPropertyDescriptor(globalThis, 'crypto');
  Object.defineProperty(globalThis, 'crypto', { value: undefined, configurable: true, writable: true });
  let plain = 0;
  let plainBatch = 0;
  try {
    for (const md of mds) if (await Kyso.verificationCode(md) === codeOf(md)) plain++;
    for (const b of batches) if (await Kyso.batchVerificationCode(b) === batchCodeOf(b)) plainBatch++;
  } finally {
    Object.defineProperty(globalThis, 'crypto', saved);
  }
  check(plain === mds.length && plainBatch === batches.length,
    `without WebCrypto the codes are the same (${plain}/${mds.length}; batches ${plainBatch}/${batches.length})`);

  // The message-digest read from SignedAttributes, strictly.
  const md = crypto.randomBytes(32);
  const good = der(0x31, attr(OID_CONTENT_TYPE, ID_DATA), attr(OID_MESSAGE_DIGEST, octets(md)));
  const got = Kyso.messageDigestOf(good);
  check(Buffer.from(got).equals(md), 'messageDigestOf finds the message-digest value in SignedAttributes');
  const longMd = crypto.randomBytes(64);
  check(Buffer.from(Kyso.messageDigestOf(der(0x31, attr(OID_MESSAGE_DIGEST, octets(longMd)),
    attr(OID_CONTENT_TYPE, ID_DATA)))).equals(longMd), 'and a 64-byte one (SHA-512)');
  const refused = [
    ['two message-digest attributes', der(0x31, attr(OID_MESSAGE_DIGEST, octets(md)),
      attr(OID_MESSAGE_DIGEST, octets(crypto.randomBytes(32))))],
    ['a second one behind a non-minimal OID encoding', der(0x31, attr(OID_MESSAGE_DIGEST, octets(md)),
      attr('060a2a864886f70d01098004', octets(crypto.randomBytes(32))))],
    ['a 20-byte digest (SHA-1)', der(0x31, attr(OID_MESSAGE_DIGEST, octets(crypto.randomBytes(20))))],
    ['two values in the attribute', der(0x31, attr(OID_MESSAGE_DIGEST, octets(md), octets(md)))],
    ['a value that is not an OCTET STRING', der(0x31, attr(OID_MESSAGE_DIGEST, der(0x03, md)))],
    ['no message-digest', der(0x31, attr(OID_CONTENT_TYPE, ID_DATA))],
    ['bytes after the SET', Buffer.concat([good, Buffer.from([0])])],
    ['the [0] IMPLICIT tag of a SignerInfo instead of the SET', Buffer.concat([Buffer.from([0xa0]), good.subarray(1)])],
    ['a long-form length for a short one', Buffer.concat([Buffer.from([0x31, 0x81, good[1]]), good.subarray(2)])],
    ['an indefinite length', Buffer.concat([Buffer.from([0x31, 0x80]), good.subarray(2), Buffer.from([0, 0])])],
    ['a length past the end', good.subarray(0, good.length - 1)],
  ];
  for (const [what, bytes] of refused) {
    let e = null;
    try { Kyso.messageDigestOf(bytes); } catch (x) { e = x; }
    check(e instanceof Kyso.KysoError, `messageDigestOf refuses ${what} (${e ? e.detail : 'accepted'})`);
  }
}

// ---- greetings: a fake host in this process ----------------------------------

// A ws server that greets with `greeting` and answers each request with
// `answer(m)` (a list of messages). seen: requests, whether the client closed.
async function fakeHost(greeting, answer) {
  const server = new WS.WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  const seen = { requests: [], closed: false, connections: 0 };
  server.on('connection', (ws) => {
    seen.connections++;
    ws.send(JSON.stringify(greeting));
    ws.on('message', (data) => {
      const m = JSON.parse(data);
      seen.requests.push(m);
      for (const reply of answer(m)) ws.send(JSON.stringify(reply));
    });
    ws.on('close', () => { seen.closed = true; });
  });
  return {
    port: server.address().port,
    server,
    seen,
    close() {
      for (const c of server.clients) c.terminate();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

async function helloChecks() {
  const FULL = { version: '1.0', features: ['certificates', 'sign', 'batch', 'cancel'] };
  const list = (m) => ({ id: m.id, result: { certificates: [] } });
  // {"hello":"kyso"}, then the full greeting before the first reply.
  let host = await fakeHost({ hello: 'kyso' }, (m) => [FULL, list(m)]);
  try {
    const k = await Kyso.connect({ port: host.port, WebSocket: PortalSocket, preload: false });
    const before = [k.hostVersion, k.features.length];
    const certs = await k.certificates();
    check(before[0] === null && before[1] === 0 && Array.isArray(certs) && k.hostVersion === '1.0' &&
      k.features.includes('sign'),
    `a version-less hello connects (version ${before[0]}, ${before[1]} features), the full one ` +
      `before the reply gives ${k.hostVersion} (${k.features})`);
    await k.close();
  } finally {
    await host.close();
  }
  // The full greeting names an incompatible version: refused then.
  host = await fakeHost({ hello: 'kyso' }, (m) => [{ version: '2.0', features: [] }, list(m)]);
  try {
    const k = await Kyso.connect({ port: host.port, WebSocket: PortalSocket, preload: false });
    const e = await failure(k.certificates());
    for (let i = 0; i < 50 && !host.seen.closed; i++) await new Promise((r) => setTimeout(r, 20));
    check(e.code === 'HOST_INCOMPATIBLE' && host.seen.closed,
      `a version-less hello then "2.0": the request fails HOST_INCOMPATIBLE and the connection closes ` +
        `(${e.code}: ${e.detail}; closed ${host.seen.closed})`);
    await k.close();
  } finally {
    await host.close();
  }
  // The host closes a not-yet-allowed site's idle connection (1008 after
  // ~10 s, PROTOCOL.md): the next request opens a new one by itself.
  host = await fakeHost({ hello: 'kyso' }, (m) => [FULL, list(m)]);
  try {
    const k = await Kyso.connect({ port: host.port, WebSocket: PortalSocket, preload: false });
    for (const c of host.server.clients) c.close(1008, 'idle');
    for (let i = 0; i < 50 && !host.seen.closed; i++) await new Promise((r) => setTimeout(r, 20));
    const certs = await k.certificates();
    check(host.seen.closed && Array.isArray(certs) && host.seen.connections === 2,
      `after the host closed an idle connection (1008) the next request reconnects ` +
        `(closed ${host.seen.closed}, connections ${host.seen.connections})`);
    await k.close();
    const e = await failure(k.certificates());
    check(e.code === 'HOST_DISCONNECTED' && host.seen.connections === 2,
      `after close() no reconnect (${e.code}, connections ${host.seen.connections})`);
  } finally {
    await host.close();
  }
  // A rate-limited first-use dialog: BUSY with retryAfter, its own words.
  host = await fakeHost(FULL, (m) => [{ id: m.id, error: { code: 'BUSY', message: 'too many', retryAfter: 42 } }]);
  try {
    const k = await Kyso.connect({ port: host.port, WebSocket: PortalSocket, preload: false });
    const e = await failure(k.certificates());
    check(e.code === 'BUSY' && e.retryAfter === 42 && e.vi.todo.includes('42 giây') &&
      e.en.todo.includes('42 seconds'),
    `BUSY with retryAfter says when to retry (${e.code}, ${e.retryAfter}: ${e.vi.todo})`);
    await k.close();
  } finally {
    await host.close();
  }
  // A first greeting that is incompatible, or not a greeting.
  for (const [greeting, what] of [[{ version: '2.0', features: [] }, 'version 2.0'],
    [{ hello: 'other' }, 'another program'], [{ id: 1, hello: 'kyso' }, 'a reply, not a greeting']]) {
    host = await fakeHost(greeting, () => []);
    try {
      const e = await failure(Kyso.connect({ port: host.port, WebSocket: PortalSocket, preload: false }));
      check(e.code === 'HOST_INCOMPATIBLE', `a first greeting from ${what} is HOST_INCOMPATIBLE (${e.code})`);
    } finally {
      await host.close();
    }
  }
}

async function run(out) {
  await codeChecks();
  await helloChecks();

  // Nothing listens: one code, and a text that covers "not installed".
  let e = await failure(Kyso.connect({ port: Number(env.KYSO_CLOSED_PORT), WebSocket: PortalSocket }));
  check(e.code === 'HOST_NOT_RUNNING' && e instanceof Kyso.KysoError,
    `a closed port is HOST_NOT_RUNNING (${e.code})`);
  check(e.message.includes('chưa chạy hoặc chưa được cài đặt') && e.en.what.includes('not running or not installed'),
    `its text, Vietnamese by default with English beside: "${e.message}" / "${e.en.what}"`);
  e = await failure(Kyso.connect({ port: Number(env.KYSO_CLOSED_PORT), WebSocket: PortalSocket, lang: 'en' }));
  check(e.message.startsWith('Cannot reach the kyso signing software'), `lang: 'en' gives English (${e.message})`);

  const kyso = await Kyso.connect({ port: Number(env.KYSO_HOST_PORT), WebSocket: PortalSocket });
  try {
    check(kyso.transport === 'websocket' && /^1\./.test(kyso.hostVersion) && kyso.features.includes('batch'),
      `connected over the websocket to host ${kyso.hostVersion} (${kyso.features})`);
    const certs = await kyso.certificates();
    const all = await kyso.certificates({ all: true });
    check(certs.length === 1 && certs[0].commonName === 'Nguyễn Văn A' && certs[0].der instanceof Uint8Array,
      `one signing certificate, CN decoded (${certs.map((c) => c.commonName)})`);
    check(all.length === 3 && all.filter((c) => c.ca).length === 2, `all: true lists the token's CA certificates too (${all.length})`);
    check(certs[0].validNow === true && certs[0].notAfterDate.toISOString() === '2034-06-01T00:00:00.000Z' &&
      certs[0].notBeforeDate.toISOString() === '2024-06-01T00:00:00.000Z',
    `validity as Dates, valid now (${certs[0].notBeforeDate?.toISOString()} .. ${certs[0].notAfterDate?.toISOString()}, ${certs[0].validNow})`);
    const cert = certs[0].id;

    // Argument errors are the caller's, before the host is asked.
    fs.writeFileSync(env.KYSO_PINENTRY_LOG, '');
    e = await failure(kyso.signPdf(fixture('vn-chromium.pdf'), { certificate: cert, profile: 'seal' }));
    check(e.code === 'ARGUMENT', `an unknown profile is ARGUMENT (${e.code}: ${e.detail})`);
    e = await failure(kyso.signPdf(fixture('vn-chromium.pdf'), {}));
    check(e.code === 'ARGUMENT', `no certificate is ARGUMENT (${e.code})`);
    e = await failure(kyso.signPdf(fixture('vn-chromium.pdf'), { certificate: 'ab'.repeat(32) }));
    check(e.code === 'CERT_NOT_FOUND' && e.message.startsWith('Không token nào'), `an unknown certificate is CERT_NOT_FOUND (${e.code})`);
    e = await failure(kyso.signPdf(new TextEncoder().encode('not a pdf'), { certificate: cert, name: 'x.pdf' }));
    check(e.code === 'PDF_HEADER' && e.message.startsWith('Tệp PDF bị hỏng'),
      `the module's codes pass through with a text (${e.code}: ${e.message})`);
    // A certificate that cannot sign at that time is refused before the
    // user is asked, with its own text (not "damaged file").
    e = await failure(kyso.signPdf(fixture('vn-chromium.pdf'), { certificate: cert, signingTime: new Date('2035-01-01T00:00:00Z') }));
    check(e.code === 'SIGN_CERTIFICATE' && /expired at 2034-06-01/.test(e.detail) &&
      e.message.startsWith('Chứng thư số đã chọn không dùng để ký được') && e.en.what.includes('has expired'),
    `an expired certificate is SIGN_CERTIFICATE (${e.code}: ${e.detail} / ${e.message})`);
    // Decree 30 options checked by kyso.js, each with a message that says
    // what is wrong.
    const vn = fixture('vn-chromium.pdf');
    const bad = [
      [{ profile: 'organization' }, /needs image \(the red seal PNG\)/, 'a seal without its image'],
      [{ profile: 'attachment' }, /needs docNumber/, 'an attachment without its number'],
      [{ profile: 'copy', copyForm: 'SAO Y' }, /needs copier/, 'a copy without the copying organization'],
      [{ profile: 'personal', docNumber: '123/QĐ-UBND' }, /docNumber does not belong to the personal profile/,
        'a number given to the leader (the clerk stamps it)'],
      [{ profile: 'organization', image: fixture('seal.png'), numberRect: [60, 40, 150, 18] },
        /numberRect does not belong to the organization profile/, 'number fields made at the seal step'],
      [{ profile: 'organization', image: fixture('seal.png'), issueDate: new Date() },
        /issueDateText/, 'an issue date given as a Date, not the text to stamp'],
      [{ profile: 'personal', numberRect: [60, 40, 0, 18] }, /numberRect must be \[x, y, width, height\]/,
        'an empty number box'],
      [{ profile: 'attachment', docNumber: '1/PL', image: fixture('signature.png') }, /draws text only/,
        'an image on an attachment'],
      [{ profile: 'organization', image: fixture('seal.png'), sealSizeMm: 300 }, /sealSizeMm/, 'a 300 mm seal'],
    ];
    for (const [opts, re, what] of bad) {
      e = await failure(kyso.signPdf(vn, { certificate: cert, ...opts }));
      check(e.code === 'ARGUMENT' && re.test(e.detail), `${what} is ARGUMENT (${e.code}: ${e.detail})`);
    }
    // A seal on a page with no leader's signature: the module's PDF_FORM,
    // with a text about the signing order, not "damaged file".
    e = await failure(kyso.signPdf(vn, { certificate: cert, profile: 'organization', image: fixture('seal.png') }));
    check(e.code === 'PDF_FORM' && /no signature with an image/.test(e.detail) &&
      e.message.includes('chưa có chữ ký (có ảnh) của lãnh đạo') && e.en.what.includes('no leader\'s signature'),
    `a seal with nothing to cover is PDF_FORM (${e.code}: ${e.detail} / ${e.message})`);
    check(Kyso.issueDateText(new Date(2024, 11, 11), 'Tiền Giang') === 'Tiền Giang, ngày 11 tháng 12 năm 2024' &&
      Kyso.issueDateText(new Date(2025, 1, 5)) === 'ngày 05 tháng 02 năm 2025' &&
      Kyso.issueDateText(new Date(2025, 2, 9)) === 'ngày 09 tháng 3 năm 2025',
    `issueDateText: leading zeros for days below 10 and months 1, 2 (${Kyso.issueDateText(new Date(2025, 1, 5))})`);
    const vp = { scale: 1.5, width: 1263, height: 892.5 }; // a /Rotate 90 A4 page at 1.5
    const vr = Kyso.visibleRect(vp, { x: 150, y: 600, w: 300, h: 90 });
    check(vr.join() === '100,135,200,60', `visibleRect: pdf.js viewport box -> visible-page points (${vr})`);
    check(count(/^CONFIRM/gm) === 0, 'none of these reached the user');

    // The user's answers.
    answers(['cancel']);
    e = await failure(kyso.signPdf(fixture('vn-chromium.pdf'), { certificate: cert, name: 'a.pdf' }));
    check(e.code === 'USER_CANCELLED' && e.vi.what === 'Bạn đã huỷ thao tác ký.' && e.en.what === 'You cancelled signing.',
      `cancel is USER_CANCELLED (${e.code}: ${e.message})`);
    // A wrong PIN; the host asks again and the user gives up (cancel).
    answers(['ok', 'pin:00000000', 'cancel']);
    e = await failure(kyso.signPdf(fixture('vn-chromium.pdf'), { certificate: cert, name: 'a.pdf' }));
    check(e.code === 'PIN_INCORRECT' && 'retriesLeft' in e && e.message.startsWith('Mã PIN không đúng.'),
      `a wrong PIN is PIN_INCORRECT, retriesLeft ${e.retriesLeft} (${e.message})`);
    // AbortSignal: kyso.js sends the host's cancel, the dialog closes.
    answers(['sleep:20']);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 700);
    const t0 = Date.now();
    e = await failure(kyso.signPdf(fixture('vn-chromium.pdf'), { certificate: cert, name: 'a.pdf', signal: ac.signal }));
    check(e.code === 'USER_CANCELLED' && Date.now() - t0 < 10000,
      `an aborted signal cancels the open dialog (${e.code} after ${Date.now() - t0} ms)`);
    answers([]);
    // The abort arrives with the host's reply, or just before it (the token
    // signed already): the signatures are discarded, nothing is finished.
    for (const [when, later] of [['with the reply', false], ['just before the reply', true]]) {
      fs.writeFileSync(env.KYSO_PINENTRY_LOG, '');
      wire.sent.length = 0;
      const abort = new AbortController();
      let carried = 0;
      wire.onSignatures = (reply, deliver) => {
        carried = reply.result.signatures.length;
        abort.abort();
        if (later) setTimeout(deliver, 300);
        else deliver();
      };
      const seen = [];
      e = await failure(kyso.signPdf(fixture('vn-chromium.pdf'), {
        certificate: cert, name: 'a.pdf', signal: abort.signal, onProgress: (p) => seen.push(p.stage) }));
      wire.onSignatures = null;
      check(carried === 1 && count(/^GETPIN/gm) === 1 && e.code === 'USER_CANCELLED' &&
        !seen.includes('finish') && !seen.includes('done') && wire.sent.some((m) => m.cmd === 'cancel'),
      `an abort ${when}: the host's signature (${carried}) is discarded, no PDF finished, ` +
        `USER_CANCELLED (${e.code}: ${e.detail}; stages ${seen}; cancel sent ${wire.sent.some((m) => m.cmd === 'cancel')})`);
    }

    // A batch: one consent and one PIN for two documents. The first is the
    // leader's approval (Decree 30 personal) with the boxes where the clerk
    // will stamp the number and the date.
    fs.writeFileSync(env.KYSO_PINENTRY_LOG, '');
    wire.sent.length = 0;
    const stages = [];
    let shown = null;
    let shownBatch;
    let dialogsBefore = -1;
    const signed = await kyso.signPdfs([
      { pdf: vn, name: 'Tờ trình số 1.pdf', image: fixture('signature.png'),
        page: 1, rect: RECTS.signature, numberRect: RECTS.number, dateRect: RECTS.date, reason: 'Phê duyệt' },
      { pdf: fixture('xrefstream.pdf'), name: 'Phụ lục 2.pdf', reason: 'Đã xem' },
    ], {
      certificate: cert, profile: 'personal', onProgress: (p) => stages.push(`${p.stage}`),
      onVerificationCodes: (codes, batchCode) => {
        shown = codes;
        shownBatch = batchCode;
        dialogsBefore = count(/^SETDESC/gm);
        stages.push('codes');
      },
    });
    check(signed.length === 2 && signed.every((s) => s instanceof Uint8Array), 'signPdfs gives two signed files');
    check(count(/^CONFIRM/gm) === 1 && count(/^GETPIN/gm) === 1, 'one consent and one PIN for the batch');
    check(pinLog().includes('Tờ trình số 1.pdf') && pinLog().includes('Phụ lục 2.pdf'), 'the consent names both documents');
    check(stages.join(',') === 'prepare,prepare,codes,sign,finish,finish,done', `progress stages (${stages})`);
    // The verification codes: given to the page before any dialog, equal
    // to the tests' own derivation from what the signatures cover, in the
    // results, and shown by kyso-host itself in its consent dialog.
    const mds = signed.map((f) => signedDigest(f));
    check(shown?.length === 2 && dialogsBefore === 0 &&
      shown.every((c, i) => c.index === i && /^\d{3} \d{3}$/.test(c.code)) &&
      shown[0].name === 'Tờ trình số 1.pdf' && shown[1].name === 'Phụ lục 2.pdf',
    `onVerificationCodes before the host's dialog opened (${dialogsBefore} dialogs): ` +
      `${JSON.stringify(shown?.map((c) => [c.name, c.code]))}`);
    check(shown?.every((c, i) => c.code === codeOf(mds[i]) && signed[i].verificationCode === c.code) &&
      shown[0].code !== shown[1].code,
    `each code is the tests' SHA-256(message-digest) code of what its signature covers, ` +
      `and in the result (${shown?.map((c) => c.code)} / ${mds.map((m) => codeOf(m))})`);
    const request = wire.sent.find((m) => m.cmd === 'sign');
    const fps = request?.documents.map((d) => d.fingerprint) ?? [];
    check(fps.length === 2 && fps.every((f, i) => f === fingerprintOf(mds[i]) && shown[i].fingerprint === f &&
      signed[i].fingerprint === f),
    `the request's fingerprints are the first 16 hex digits of each message-digest (${fps})`);
    const dialog = dialogTexts(pinLog());
    const confirmText = dialog[0] ?? '';
    check(shown?.every((c) => codesIn(confirmText).includes(c.code)),
      `kyso-host's consent dialog shows the same codes (${shown?.map((c) => c.code)} in ` +
        `"${confirmText.replace(/\n/g, ' / ')}")`);
    check(shownBatch === batchCodeOf(mds) && signed.every((f) => f.batchCode === shownBatch) &&
      confirmText.includes(`[${shownBatch}]`) && confirmText.endsWith(`mã lô ${shownBatch}? (Sign 2 documents, batch ${shownBatch}?)`),
    `the batch code (tests: ${batchCodeOf(mds)}) is given to the page (${shownBatch}), on the results, and in the ` +
      `host's dialog`);
    fs.writeFileSync(path.join(out, 'batch-1.pdf'), signed[0]);
    fs.writeFileSync(path.join(out, 'batch-2.pdf'), signed[1]);

    // Three documents: the batch code (mã kiểm tra của lô) kyso.js gives the
    // page equals the tests' own, from the message-digests the three
    // signatures cover, and the one kyso-host's dialog shows in its first
    // part and its last line.
    fs.writeFileSync(env.KYSO_PINENTRY_LOG, '');
    let three = null;
    const trio = await kyso.signPdfs(['vn-chromium.pdf', 'xrefstream.pdf', 'minimal.pdf'].map((f, i) => ({
      pdf: fixture(f), name: `Văn bản ${i + 1}.pdf` })), {
      certificate: cert, onVerificationCodes: (codes, batchCode) => { three = { codes, batchCode }; } });
    const trioMds = trio.map((f) => signedDigest(f));
    const trioText = dialogTexts(pinLog())[0] ?? '';
    const trioLines = trioText.split('\n');
    const trioHead = trioLines.slice(0, trioLines.findIndex((l) => l.startsWith('  ')));
    check(trio.length === 3 && three?.batchCode === batchCodeOf(trioMds) &&
      three.codes.every((c, i) => c.code === codeOf(trioMds[i])) && trio.every((f) => f.batchCode === three.batchCode),
    `3 documents: kyso.js's batch code ${three?.batchCode} is the tests' ${batchCodeOf(trioMds)} (from the signed files)`);
    check(trioHead.includes(`Mã kiểm tra của lô (cả 3 văn bản): [${three?.batchCode}] (batch code)`) &&
      trioLines.at(-1) === `Đồng ý ký 3 văn bản, mã lô ${three?.batchCode}? (Sign 3 documents, batch ${three?.batchCode}?)`,
    `3 documents: kyso-host's dialog shows the same batch code first and last ("${trioText.replace(/\n/g, ' / ')}")`);

    // The clerk at issuance: no rect (the seal finds the leader's
    // signature), the number and the date filled into the leader's fields.
    let single;
    fs.writeFileSync(env.KYSO_PINENTRY_LOG, '');
    const sealed = await kyso.signPdf(signed[0], {
      certificate: cert, profile: 'organization', image: fixture('seal.png'),
      docNumber: NUMBER, issueDate: DATE, organization: 'Ủy ban nhân dân tỉnh Tiền Giang',
      name: 'Tờ trình số 1.pdf', onVerificationCodes: (codes, batchCode) => { single = batchCode; } });
    fs.writeFileSync(path.join(out, 'sealed.pdf'), sealed);
    check(sealed.length > signed[0].length, 'the organization profile signs without a rect');
    check(single === null && sealed.batchCode === null && !/lô/.test(dialogTexts(pinLog())[0] ?? 'lô'),
      `one document: no batch code, to the page (${single}), on the result or in the dialog`);
    // Sealing the issued document again: its fields are filled.
    e = await failure(kyso.signPdf(sealed, {
      certificate: cert, profile: 'organization', image: fixture('seal.png'), docNumber: '124/QĐ-UBND' }));
    check(e.code === 'PDF_FORM' && /already filled/.test(e.detail), `a number cannot be stamped twice (${e.code}: ${e.detail})`);

    // An attachment and a scanned paper as an electronic copy, in one
    // batch: each document its own profile, one consent and one PIN.
    fs.writeFileSync(env.KYSO_PINENTRY_LOG, '');
    const extra = await kyso.signPdfs([
      { pdf: vn, name: 'Phụ lục.pdf', profile: 'attachment', docNumber: NUMBER },
      { pdf: fixture('xrefstream.pdf'), name: 'Bản sao.pdf', profile: 'copy', copyForm: 'SAO Y', copier: COPIER },
    ], { certificate: cert, signingTime: new Date('2024-12-11T02:30:15Z') });
    check(extra.length === 2 && count(/^GETPIN/gm) === 1, 'attachment and copy: one PIN for both');
    fs.writeFileSync(path.join(out, 'attachment.pdf'), extra[0]);
    fs.writeFileSync(path.join(out, 'copy.pdf'), extra[1]);
  } finally {
    await kyso.close();
  }

  // A site the user has not allowed yet: the host only says
  // {"hello":"kyso"}; the user picks "Chỉ lần này" at the first-use prompt
  // and the full greeting comes before the certificates.
  fs.writeFileSync(env.KYSO_PINENTRY_LOG, '');
  answers(['notok']);
  const fresh = await Kyso.connect({ port: Number(env.KYSO_HOST_PORT), WebSocket: socketFor('https://new.kyso.test'),
    preload: false });
  try {
    const before = fresh.hostVersion;
    const certs = await fresh.certificates();
    check(before === null && /^1\./.test(fresh.hostVersion) && fresh.features.includes('sign') && certs.length === 1 &&
      count(/^CONFIRM/gm) === 1,
    `a new site: version-less hello (version ${before}), allowed once at the prompt, then ` +
      `${fresh.hostVersion} and ${certs.length} certificate`);
  } finally {
    await fresh.close();
    answers([]);
  }
}

try {
  await run(process.argv[2]);
} catch (e) {
  check(false, `exception: ${e && e.stack ? e.stack : e} (${e && e.code})`);
}
process.exit(failures ? 1 : 0);
