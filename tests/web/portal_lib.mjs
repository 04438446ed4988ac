// portal_lib.mjs - the JavaScript half of web.portal_lib: kyso.js (the
// portal client library, as web/build.sh assembles it) in Node against the
// real kyso-host over its websocket, with the WASM module beside it. Node
// has no page origin: the library is given a WebSocket constructor that
// sends the allowed one. One "PASS\tmessage" / "FAIL\tmessage" per check;
// the signed files go to OUTDIR for the shell test (pdfsig, CMS contents).
//
//   node portal_lib.mjs OUTDIR
//
// Environment: KYSO_WEB_DIR, KYSO_HOST_PORT, KYSO_CLOSED_PORT (nothing
// listens there), KYSO_PINENTRY_ANSWERS, KYSO_PINENTRY_LOG, FX.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import fs from 'node:fs';
import path from 'node:path';

const env = process.env;
const ORIGIN = 'https://portal.kyso.test'; // allow_origin in host_setup's host.conf
const WS = createRequire(new URL('./package.json', import.meta.url))('ws');
const Kyso = await import(pathToFileURL(path.join(env.KYSO_WEB_DIR, 'kyso.js')).href);

class PortalSocket extends WS {
  constructor(url) { super(url, { origin: ORIGIN }); }
}

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

async function run(out) {
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
    answers(['ok', 'pin:00000000']);
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

    // A batch: one consent and one PIN for two documents. The first is the
    // leader's approval (Decree 30 personal) with the boxes where the clerk
    // will stamp the number and the date.
    fs.writeFileSync(env.KYSO_PINENTRY_LOG, '');
    const stages = [];
    const signed = await kyso.signPdfs([
      { pdf: vn, name: 'Tờ trình số 1.pdf', image: fixture('signature.png'),
        page: 1, rect: RECTS.signature, numberRect: RECTS.number, dateRect: RECTS.date, reason: 'Phê duyệt' },
      { pdf: fixture('xrefstream.pdf'), name: 'Phụ lục 2.pdf', reason: 'Đã xem' },
    ], { certificate: cert, profile: 'personal', onProgress: (p) => stages.push(p.stage) });
    check(signed.length === 2 && signed.every((s) => s instanceof Uint8Array), 'signPdfs gives two signed files');
    check(count(/^CONFIRM/gm) === 1 && count(/^GETPIN/gm) === 1, 'one consent and one PIN for the batch');
    check(pinLog().includes('Tờ trình số 1.pdf') && pinLog().includes('Phụ lục 2.pdf'), 'the consent names both documents');
    check(stages.join(',') === 'prepare,prepare,sign,finish,finish,done', `progress stages (${stages})`);
    fs.writeFileSync(path.join(out, 'batch-1.pdf'), signed[0]);
    fs.writeFileSync(path.join(out, 'batch-2.pdf'), signed[1]);

    // The clerk at issuance: no rect (the seal finds the leader's
    // signature), the number and the date filled into the leader's fields.
    const sealed = await kyso.signPdf(signed[0], {
      certificate: cert, profile: 'organization', image: fixture('seal.png'),
      docNumber: NUMBER, issueDate: DATE, organization: 'Ủy ban nhân dân tỉnh Tiền Giang',
      name: 'Tờ trình số 1.pdf' });
    fs.writeFileSync(path.join(out, 'sealed.pdf'), sealed);
    check(sealed.length > signed[0].length, 'the organization profile signs without a rect');
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
}

try {
  await run(process.argv[2]);
} catch (e) {
  check(false, `exception: ${e && e.stack ? e.stack : e} (${e && e.code})`);
}
process.exit(failures ? 1 : 0);
