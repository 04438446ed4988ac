// demo.js - the demo portal, the Decree 30 issuance flow through kyso.js: a
// PDF rendered with pdf.js; the leader drags the signature box and the
// boxes for the document number and date, then signs (personal); the clerk
// types the number and the date and seals (organization: the seal lands
// over the left third of the leader's signature by itself, the number and
// date fill the leader's boxes); an attachment or an electronic copy can be
// signed too; the signed file is offered for download.
// Boxes are kept in points of the page as displayed (kyso's rect
// convention), so rotated and cropped pages need nothing special.
// While signing, the page shows each document's verification code (mã
// kiểm tra, computed by kyso.js from what will be signed) above the page:
// the user compares it with the code in kyso-host's own dialog. (The demo
// signs one document at a time; showCodes also shows a batch's code, above
// the documents' codes, for a page that signs several with signPdfs.)
// URL parameters (for tests and the bench): ?port=N (kyso-host's port),
// ?lang=en (error texts and the verification code's sentence), ?ltv=1 (the
// "timestamp and long-term validation data" box ticked: signPdf with
// { timestamp: true, ltv: true }, PAdES B-LT).
import * as Kyso from '../kyso.js';
import * as pdfjs from '../vendor/pdfjs/build/pdf.mjs';
import { signaturePng, sealPng } from './demo-images.js';

pdfjs.GlobalWorkerOptions.workerSrc = new URL('../vendor/pdfjs/build/pdf.worker.mjs', import.meta.url).href;

const params = new URLSearchParams(location.search);
const PORT = Number(params.get('port')) || undefined;
const LANG = params.get('lang') === 'en' ? 'en' : 'vi';
const SCALE = 1.5; // CSS pixels per PDF point on screen (before devicePixelRatio)
const MIN_BOX_PX = 12;

const $ = (id) => document.getElementById(id);
const state = {
  kyso: null,
  certs: [],
  pdf: null, // Uint8Array: the current file (signed or not)
  fileName: 'document.pdf',
  loading: null, // pdf.js loading task (destroy() frees the document)
  doc: null, // pdf.js document
  pageNo: 1,
  viewport: null,
  // The leader's boxes: { signature, number, date }, each { page, rect:
  // [x, y, w, h] in points of the page as displayed }.
  boxes: {},
  target: 'signature', // which box a drag places
  // draft -> personal (the leader signed) -> issued (the clerk sealed);
  // extra: an attachment or a copy was signed.
  stage: 'draft',
  signatures: 0,
  lastOptions: null,
  busy: false,
  lastSignMs: null,
  lastMarks: null,
  downloadUrl: null,
};
const images = { signature: null, seal: null };

// ---- messages ---------------------------------------------------------------

function say(kind, text, code) {
  const m = $('message');
  m.className = kind;
  m.textContent = text;
  if (code) {
    const c = document.createElement('span');
    c.className = 'code';
    c.textContent = `${LANG === 'en' ? 'Error code' : 'Mã lỗi'}: ${code}`;
    m.append(c);
  }
}

function sayError(e) {
  const code = e && e.code ? e.code : 'NATIVE_FATAL';
  const text = typeof e.text === 'function' ? e.text(LANG) : String(e.message ?? e);
  say('error', text, code);
  console.warn('kyso:', code, e.detail ?? e.message);
}

// ---- the verification code ------------------------------------------------------

const CODE_TEXT = {
  vi: { label: 'Mã kiểm tra',
    batch: (n) => `Mã kiểm tra của lô (cả ${n} văn bản):`,
    hint: 'Đối chiếu mã kiểm tra này với mã trong hộp thoại ký của kyso. ' +
      'Nếu hai mã khác nhau, đừng nhập mã PIN: bấm Huỷ.',
    batchHint: 'Đối chiếu mã kiểm tra của lô, rồi mã từng văn bản, với các mã trong hộp thoại ký của kyso. ' +
      'Nếu có mã khác nhau, đừng nhập mã PIN: bấm Huỷ.' },
  en: { label: 'Verification code',
    batch: (n) => `Batch verification code (all ${n} documents):`,
    hint: 'Compare this verification code with the code in kyso\'s signing dialog. ' +
      'If they differ, do not enter your PIN: click Cancel.',
    batchHint: 'Compare the batch code, then each document\'s code, with the codes in kyso\'s signing dialog. ' +
      'If any differs, do not enter your PIN: click Cancel.' },
};

// kyso.js's onVerificationCodes: before kyso-host's dialog opens, one line
// per document, its name and its code; signing two or more documents, the
// batch code above them, largest (kyso-host's dialog always shows it, but
// may not have room to list every document).
function showCodes(codes, batchCode) {
  const t = CODE_TEXT[LANG];
  const list = $('verification-codes');
  const batch = $('verification-batch');
  list.replaceChildren();
  batch.replaceChildren();
  batch.hidden = !batchCode;
  if (batchCode) {
    const code = document.createElement('b');
    code.className = 'verification-code';
    code.textContent = batchCode;
    batch.append(t.batch(codes.length), code);
  }
  for (const c of codes) {
    const li = document.createElement('li');
    li.dataset.index = String(c.index);
    const name = document.createElement('span');
    name.className = 'doc-name';
    name.textContent = `${c.name} — ${t.label}:`;
    const code = document.createElement('b');
    code.className = 'verification-code';
    code.textContent = c.code;
    li.append(name, code);
    list.append(li);
  }
  $('verification-hint').textContent = batchCode ? t.batchHint : t.hint;
  $('verification').hidden = false;
}

function hideCodes() {
  $('verification').hidden = true;
  $('verification-codes').replaceChildren();
  $('verification-batch').replaceChildren();
  $('verification-batch').hidden = true;
}

// ---- kyso-host ----------------------------------------------------------------

// The leader's default: a personal certificate (UID=CCCD:...); the clerk's:
// an organization certificate (UID=MNS:..., the budget unit code).
function fillCerts(select, certs, preferOrg) {
  select.replaceChildren();
  for (const c of certs) {
    const o = document.createElement('option');
    o.value = c.id;
    o.textContent = `${c.commonName || c.label} — ${c.organization || c.issuerName} (${c.tokenLabel})`;
    if (!c.validNow) {
      // Listed so the user sees why it is missing, but not selectable.
      const expired = c.notAfterDate < new Date();
      const when = (expired ? c.notAfterDate : c.notBeforeDate).toLocaleDateString('vi-VN');
      o.textContent += expired ? ` — hết hạn ngày ${when}` : ` — có hiệu lực từ ngày ${when}`;
      o.disabled = true;
    }
    select.append(o);
  }
  const pick = certs.find((c) => c.validNow && /MNS:/.test(c.subject) === preferOrg) ??
    certs.find((c) => c.validNow);
  if (pick) select.value = pick.id;
}

async function connect() {
  const status = $('host-status');
  status.className = 'status';
  status.textContent = 'Đang kết nối…';
  try {
    if (state.kyso) await state.kyso.close();
    state.kyso = null;
    state.kyso = await Kyso.connect({ port: PORT, lang: LANG });
    state.certs = await state.kyso.certificates();
    fillCerts($('cert-leader'), state.certs, false);
    fillCerts($('cert-clerk'), state.certs, true);
    status.className = 'status ok';
    status.textContent = `Đã kết nối kyso-host ${state.kyso.hostVersion} (${state.kyso.transport}); ` +
      `${state.certs.length} chứng thư số.`;
    if (!state.certs.length) say('error', 'Không tìm thấy chứng thư số nào: hãy cắm token rồi bấm Kết nối lại.');
  } catch (e) {
    status.className = 'status error';
    status.textContent = 'Chưa kết nối được.';
    sayError(e);
  }
  updateButtons();
}

// ---- the page and the signature box -------------------------------------------

async function openPdf(bytes, name) {
  state.pdf = bytes;
  state.fileName = name;
  if (state.loading) await state.loading.destroy();
  // pdf.js takes ownership of the buffer it is given: give it a copy.
  state.loading = pdfjs.getDocument({ data: bytes.slice() });
  state.doc = await state.loading.promise;
  state.pageNo = Math.min(state.pageNo, state.doc.numPages);
  await renderPage();
}

async function renderPage() {
  const page = await state.doc.getPage(state.pageNo);
  const viewport = page.getViewport({ scale: SCALE });
  const canvas = $('page-canvas');
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.floor(viewport.width * dpr);
  canvas.height = Math.floor(viewport.height * dpr);
  canvas.style.width = `${viewport.width}px`;
  canvas.style.height = `${viewport.height}px`;
  await page.render({
    canvasContext: canvas.getContext('2d'), viewport,
    transform: dpr !== 1 ? [dpr, 0, 0, dpr, 0, 0] : null,
  }).promise;
  state.viewport = viewport;
  $('page-label').textContent = `Trang ${state.pageNo} / ${state.doc.numPages}`;
  showBoxes();
  updateButtons();
}

// A box in CSS pixels of the rendered page -> [x, y, w, h] in points of the
// page as a person sees it (Kyso.visibleRect: the viewport carries the
// page's /Rotate and CropBox, so this is what kyso's rect options take).
const cssToRect = (viewport, css) => Kyso.visibleRect(viewport, css);

function rectToCss(viewport, [x, y, w, h]) {
  const s = viewport.scale;
  return { x: x * s, y: viewport.height - (y + h) * s, w: w * s, h: h * s };
}

const BOXES = {
  signature: { el: 'sig-box', vi: 'Chữ ký' },
  number: { el: 'number-box', vi: 'Số văn bản' },
  date: { el: 'date-box', vi: 'Ngày ban hành' },
};

function place(el, css) {
  el.hidden = false;
  Object.assign(el.style, { left: `${css.x}px`, top: `${css.y}px`, width: `${css.w}px`, height: `${css.h}px` });
}

function showBoxes() {
  for (const [key, { el }] of Object.entries(BOXES)) {
    const box = state.boxes[key];
    const show = !!box && box.page === state.pageNo && !!state.viewport && state.stage !== 'issued';
    $(el).hidden = !show;
    if (show) place($(el), rectToCss(state.viewport, box.rect));
  }
}

function describeBoxes() {
  const lines = Object.entries(BOXES).map(([key, { vi }]) => {
    const b = state.boxes[key];
    return b ? `${vi}: trang ${b.page}, x=${b.rect[0]}, y=${b.rect[1]}, rộng ${b.rect[2]}, cao ${b.rect[3]}`
      : `${vi}: chưa đặt`;
  });
  $('box-info').textContent = `${lines.join('; ')} (điểm PDF, trang như đang hiển thị).`;
}

function setBox(css) {
  const key = state.target;
  state.boxes[key] = { page: state.pageNo, rect: cssToRect(state.viewport, css) };
  // Next: the first box not placed yet.
  const next = Object.keys(BOXES).find((k) => !state.boxes[k]);
  if (next) {
    state.target = next;
    $(`target-${next}`).checked = true;
  }
  describeBoxes();
  showBoxes();
  updateButtons();
}

function dragBox() {
  const wrap = $('page-wrap');
  let start = null;
  const at = (ev) => {
    const r = wrap.getBoundingClientRect();
    return { x: Math.max(0, Math.min(ev.clientX - r.left, r.width)),
             y: Math.max(0, Math.min(ev.clientY - r.top, r.height)) };
  };
  const cssBox = (a, b) => ({ x: Math.min(a.x, b.x), y: Math.min(a.y, b.y),
                              w: Math.abs(b.x - a.x), h: Math.abs(b.y - a.y) });
  wrap.addEventListener('pointerdown', (ev) => {
    if (!state.viewport || state.stage !== 'draft') return; // the leader's boxes are fixed once signed
    start = at(ev);
    wrap.setPointerCapture(ev.pointerId);
  });
  wrap.addEventListener('pointermove', (ev) => {
    if (!start) return;
    place($(BOXES[state.target].el), cssBox(start, at(ev)));
  });
  wrap.addEventListener('pointerup', (ev) => {
    if (!start) return;
    const box = cssBox(start, at(ev));
    start = null;
    if (box.w >= MIN_BOX_PX && box.h >= MIN_BOX_PX) setBox(box);
    else showBoxes();
  });
}

// ---- signing --------------------------------------------------------------------

function updateButtons() {
  const ready = !!state.kyso && !!state.pdf && state.certs.length > 0 && !state.busy;
  $('sign-personal').disabled = !(ready && state.boxes.signature && state.stage === 'draft');
  $('sign-org').disabled = !(ready && state.stage === 'personal');
  $('sign-extra').disabled = !(ready && state.stage !== 'personal');
  $('copy-fields').hidden = $('extra-profile').value !== 'copy';
}

function offerDownload() {
  if (state.downloadUrl) URL.revokeObjectURL(state.downloadUrl);
  state.downloadUrl = URL.createObjectURL(new Blob([state.pdf], { type: 'application/pdf' }));
  const a = $('download');
  a.href = state.downloadUrl;
  a.download = state.fileName.replace(/(\.pdf)?$/i, '-da-ky.pdf');
  a.classList.remove('disabled');
  a.removeAttribute('aria-disabled');
}

// The options for each step. The leader's number and date boxes must be on
// the signature's page: the clerk's step fills them there.
function optionsFor(role) {
  if (role === 'personal') {
    const { signature, number, date } = state.boxes;
    for (const b of [number, date])
      if (b && b.page !== signature.page)
        throw Object.assign(new Error('Ô số và ngày văn bản phải nằm cùng trang với ô chữ ký.'), { demo: true });
    return { certificate: $('cert-leader').value, profile: 'personal', image: images.signature,
      page: signature.page, rect: signature.rect, numberRect: number?.rect, dateRect: date?.rect,
      reason: $('reason').value || undefined };
  }
  if (role === 'organization') {
    // No rect: kyso finds the leader's signature on that page and puts
    // the seal over its left third. Number and date only if the leader
    // placed their boxes.
    return { certificate: $('cert-clerk').value, profile: 'organization', image: images.seal,
      page: state.boxes.signature.page, reason: 'Đóng dấu ban hành',
      docNumber: state.boxes.number ? $('doc-number').value.trim() || undefined : undefined,
      issueDate: state.boxes.date ? $('issue-date').value.trim() || undefined : undefined };
  }
  if ($('extra-profile').value === 'attachment')
    return { certificate: $('cert-clerk').value, profile: 'attachment',
      docNumber: $('doc-number').value.trim() || undefined };
  return { certificate: $('cert-clerk').value, profile: 'copy', copyForm: $('copy-form').value,
    copier: $('copier').value.trim() || undefined };
}

const SIGNING = {
  personal: ['Đang ký: đối chiếu mã kiểm tra bên cạnh văn bản, rồi xác nhận và nhập mã PIN trong hộp thoại kyso…',
    'Đã ký. Văn thư có thể đóng dấu, ghi số và ngày (bước 4), hoặc tải tệp đã ký.', 'personal'],
  organization: ['Đang đóng dấu: đối chiếu mã kiểm tra bên cạnh văn bản, rồi xác nhận và nhập mã PIN trong hộp thoại kyso…',
    'Đã đóng dấu. Tải tệp đã ký và kiểm tra chữ ký.', 'issued'],
  extra: ['Đang ký: đối chiếu mã kiểm tra bên cạnh văn bản, rồi xác nhận và nhập mã PIN trong hộp thoại kyso…',
    'Đã ký. Tải tệp đã ký và kiểm tra chữ ký.', 'extra'],
};

async function sign(role) {
  if (state.busy) return;
  const t0 = performance.now();
  const [doing, done, stage] = SIGNING[role];
  state.busy = true;
  updateButtons();
  say('', doing);
  try {
    const options = optionsFor(role);
    state.lastOptions = Object.fromEntries(Object.entries(options)
      .filter(([k, v]) => v !== undefined && k !== 'image'));
    const marks = { click: t0 };
    const onProgress = (p) => { marks[p.stage] = performance.now(); };
    hideCodes();
    const ltv = $('ltv').checked;
    const signed = await state.kyso.signPdf(state.pdf, {
      ...options, name: state.fileName, onProgress, onVerificationCodes: showCodes,
      ...(ltv ? { timestamp: true, ltv: true } : {}) });
    state.lastMarks = marks;
    state.lastSignMs = performance.now() - t0;
    state.signatures++;
    state.stage = stage;
    state.pdf = signed;
    offerDownload();
    await openPdf(signed, state.fileName);
    // B-LT asked for but not reached: the file is signed (and timestamped),
    // the revocation data is missing; say so, it is still offered.
    const warning = signed.ltv?.warning;
    if (warning) say('ok', `${done} ${warning.text(LANG)}`, warning.code);
    else say('ok', ltv ? `${done} ${LANG === 'en' ? 'With a timestamp and long-term validation data (PAdES B-LT).'
      : 'Có dấu thời gian và dữ liệu kiểm tra dài hạn (PAdES B-LT).'}` : done);
    document.body.dataset.level = ltv ? (signed.ltv?.level ?? 'B-T') : 'B-B';
    $('timing').textContent = `Ký xong trong ${Math.round(state.lastSignMs)} ms.`;
    document.body.dataset.signatures = String(state.signatures);
    document.body.dataset.stage = state.stage;
  } catch (e) {
    if (e.demo) say('error', e.message); // the demo's own check, not kyso's
    else sayError(e);
  } finally {
    // The codes are for the dialog: gone with it.
    hideCodes();
    state.busy = false;
    updateButtons();
  }
}

// ---- wiring -----------------------------------------------------------------------

async function useImage(input, key, preview) {
  const f = input.files?.[0];
  if (!f) return;
  images[key] = new Uint8Array(await f.arrayBuffer());
  preview.src = URL.createObjectURL(f);
}

async function main() {
  [images.signature, images.seal] = await Promise.all([signaturePng(), sealPng()]);
  $('signature-preview').src = URL.createObjectURL(new Blob([images.signature], { type: 'image/png' }));
  $('seal-preview').src = URL.createObjectURL(new Blob([images.seal], { type: 'image/png' }));
  $('issue-date').value = Kyso.issueDateText(new Date(), 'Tiền Giang');
  for (const key of Object.keys(BOXES))
    $(`target-${key}`).addEventListener('change', () => { state.target = key; });
  $('extra-profile').addEventListener('change', updateButtons);
  $('ltv').checked = params.get('ltv') === '1';
  dragBox();
  $('pdf-file').addEventListener('change', async () => {
    const f = $('pdf-file').files?.[0];
    if (!f) return;
    if (state.busy) {
      say('error', 'Đang ký hoặc đang mở tệp: chờ xong rồi chọn lại tệp.');
      return;
    }
    // Nothing can be signed until the new file is open (the old one would
    // be signed, and its re-rendering would abort this load).
    state.busy = true;
    state.pdf = null;
    state.signatures = 0;
    state.stage = 'draft';
    state.boxes = {};
    state.target = 'signature';
    $('target-signature').checked = true;
    state.pageNo = 1;
    hideCodes();
    describeBoxes();
    $('download').classList.add('disabled');
    try {
      await openPdf(new Uint8Array(await f.arrayBuffer()), f.name);
      say('', 'Kéo chuột trên trang để đặt ô chữ ký, rồi ô số và ô ngày văn bản.');
    } catch (e) {
      say('error', `Không mở được tệp PDF: ${e.message}`);
    } finally {
      state.busy = false;
      document.body.dataset.signatures = '0';
      document.body.dataset.stage = state.stage;
      updateButtons();
    }
  });
  $('prev-page').addEventListener('click', () => {
    if (state.doc && state.pageNo > 1) { state.pageNo--; renderPage(); }
  });
  $('next-page').addEventListener('click', () => {
    if (state.doc && state.pageNo < state.doc.numPages) { state.pageNo++; renderPage(); }
  });
  $('reconnect').addEventListener('click', connect);
  $('sign-personal').addEventListener('click', () => sign('personal'));
  $('sign-org').addEventListener('click', () => sign('organization'));
  $('sign-extra').addEventListener('click', () => sign('extra'));
  $('signature-file').addEventListener('change', (ev) => useImage(ev.target, 'signature', $('signature-preview')));
  $('seal-file').addEventListener('change', (ev) => useImage(ev.target, 'seal', $('seal-preview')));
  await connect();
  document.body.dataset.ready = '1';
}

// For tests and the bench: read-only views of the demo's state.
window.kysoDemo = {
  get lastSignMs() { return state.lastSignMs; },
  // performance.now() at the click and at each kyso.js progress stage
  // (prepare, sign: sent to the host, finish, done) of the last signing.
  get lastMarks() { return state.lastMarks; },
  get boxes() { return state.boxes; },
  get signatures() { return state.signatures; },
  get stage() { return state.stage; },
  // The options of the last signing, without the image bytes.
  get lastOptions() { return state.lastOptions; },
  get viewport() { return state.viewport && { width: state.viewport.width, height: state.viewport.height,
    scale: state.viewport.scale, rotation: state.viewport.rotation }; },
};
main();
