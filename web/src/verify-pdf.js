// verify-pdf.js - the verifier page's document view: pdf.js (pdfjs-dist,
// served from vendor/pdfjs beside this file) renders the pages and finds
// each signature's widget, with no network access once the page is loaded:
//
//   - the pdf.js worker is started when this module loads, not when a file
//     is opened;
//   - pdf.js asks the page for its binary data (useWorkerFetch: false) and
//     the page answers from a cache filled at load time: the standard fonts
//     and the JPEG 2000 / JBIG2 decoders. Only the CJK CMaps (1.7 MB, needed
//     by Chinese, Japanese and Korean documents, never by Vietnamese ones)
//     are read on demand, from this same server.
//
//   await preloadPdfjs();
//   const view = new PdfView(container);
//   await view.open(bytes);             // placeholders; pages render when seen
//   await view.highlight('NguoiKy');    // scroll to the widget and outline it
import * as pdfjs from './vendor/pdfjs/build/pdf.min.mjs';

const VENDOR = new URL('./vendor/pdfjs/', import.meta.url);
const WORKER = new URL('build/pdf.worker.min.mjs', VENDOR);

// What pdfjs-dist 6.5.438 may ask for (web/package-lock.json pins it).
const STANDARD_FONTS = [
  'FoxitDingbats.pfb', 'FoxitFixed.pfb', 'FoxitFixedBold.pfb', 'FoxitFixedBoldItalic.pfb',
  'FoxitFixedItalic.pfb', 'FoxitSerif.pfb', 'FoxitSerifBold.pfb', 'FoxitSerifBoldItalic.pfb',
  'FoxitSerifItalic.pfb', 'FoxitSymbol.pfb', 'LiberationSans-Bold.ttf',
  'LiberationSans-BoldItalic.ttf', 'LiberationSans-Italic.ttf', 'LiberationSans-Regular.ttf',
];
const WASM = ['openjpeg.wasm', 'jbig2.wasm'];
const KIND_DIR = { cMapUrl: 'cmaps/', standardFontDataUrl: 'standard_fonts/', wasmUrl: 'wasm/' };

const cache = new Map(); // "kind/filename" -> Uint8Array
let worker = null;
let preloaded = null;

pdfjs.GlobalWorkerOptions.workerSrc = WORKER.href;

async function fetchBytes(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

// Starts the pdf.js worker and fills the cache. Call once at page load.
export function preloadPdfjs() {
  if (preloaded) return preloaded;
  worker = new pdfjs.PDFWorker({ name: 'kyso-pdfjs' });
  const files = [
    ...STANDARD_FONTS.map((f) => ['standardFontDataUrl', f]),
    ...WASM.map((f) => ['wasmUrl', f]),
  ];
  preloaded = Promise.all([
    worker.promise,
    ...files.map(async ([kind, f]) => {
      cache.set(`${kind}/${f}`, await fetchBytes(new URL(KIND_DIR[kind] + f, VENDOR)));
    }),
  ]);
  return preloaded;
}

// pdf.js's BinaryDataFactory interface: fetch({ kind, filename }).
class CachedBinaryData {
  async fetch({ kind, filename }) {
    const hit = cache.get(`${kind}/${filename}`);
    if (hit) return hit.slice(); // pdf.js may transfer what it gets
    if (!(kind in KIND_DIR)) throw new Error(`unknown pdf.js data kind ${kind}`);
    const bytes = await fetchBytes(new URL(KIND_DIR[kind] + filename, VENDOR));
    cache.set(`${kind}/${filename}`, bytes);
    return bytes.slice();
  }
}

const RENDER_MARGIN = '600px'; // render pages this close to the viewport

export class PdfView {
  constructor(container) {
    this.container = container;
    this.doc = null;
    this.task = null;
    this.pages = []; // { div, canvas, layer, viewport, state: 'idle'|'busy'|'done' }
    this.widgets = null; // Map fieldName -> { pageIndex, rect }
    this.observer = null;
  }

  // Opens BYTES (pdf.js may detach them) and lays out one placeholder per
  // page at its size; pages render as they come near the viewport.
  async open(bytes) {
    await this.close();
    await preloadPdfjs();
    this.task = pdfjs.getDocument({
      data: bytes,
      worker,
      BinaryDataFactory: CachedBinaryData,
      useWorkerFetch: false,
      useSystemFonts: false,
      isEvalSupported: false,
      enableXfa: false,
      cMapPacked: true,
      cMapUrl: new URL('cmaps/', VENDOR).href,
      standardFontDataUrl: new URL('standard_fonts/', VENDOR).href,
      wasmUrl: new URL('wasm/', VENDOR).href,
      iccUrl: new URL('iccs/', VENDOR).href,
    });
    this.doc = await this.task.promise;
    const width = Math.max(320, Math.min(this.container.clientWidth - 24, 1000));
    this.observer = new IntersectionObserver((entries) => {
      for (const e of entries)
        if (e.isIntersecting) this.#render(Number(e.target.dataset.index));
    }, { root: null, rootMargin: RENDER_MARGIN });
    for (let i = 0; i < this.doc.numPages; i++) {
      const page = await this.doc.getPage(i + 1);
      const base = page.getViewport({ scale: 1 });
      const viewport = page.getViewport({ scale: width / base.width });
      const div = document.createElement('div');
      div.className = 'pdf-page';
      div.dataset.index = String(i);
      div.dataset.page = String(i + 1);
      div.style.width = `${viewport.width}px`;
      div.style.height = `${viewport.height}px`;
      const canvas = document.createElement('canvas');
      canvas.className = 'pdf-canvas';
      const layer = document.createElement('div');
      layer.className = 'pdf-layer';
      div.append(canvas, layer);
      this.container.append(div);
      this.pages.push({ page, div, canvas, layer, viewport, state: 'idle' });
      this.observer.observe(div);
    }
    return { numPages: this.doc.numPages };
  }

  async #render(i) {
    const p = this.pages[i];
    if (!p || p.state !== 'idle') return p?.done;
    p.state = 'busy';
    p.done = (async () => {
      const ratio = window.devicePixelRatio || 1;
      p.canvas.width = Math.floor(p.viewport.width * ratio);
      p.canvas.height = Math.floor(p.viewport.height * ratio);
      p.canvas.style.width = `${p.viewport.width}px`;
      p.canvas.style.height = `${p.viewport.height}px`;
      await p.page.render({
        canvas: p.canvas,
        viewport: p.viewport,
        transform: ratio === 1 ? null : [ratio, 0, 0, ratio, 0, 0],
      }).promise;
      p.state = 'done';
      p.div.dataset.rendered = '1';
    })().catch((e) => {
      p.state = 'failed';
      p.div.dataset.error = String(e?.message ?? e);
    });
    return p.done;
  }

  // Every signature widget: fieldName -> { pageIndex, rect } (the first
  // widget of a field; rect in PDF points, [x1, y1, x2, y2]).
  async widgetMap() {
    if (this.widgets) return this.widgets;
    const map = new Map();
    for (let i = 0; i < this.pages.length; i++) {
      const annots = await this.pages[i].page.getAnnotations({ intent: 'display' });
      for (const a of annots) {
        if (a.subtype !== 'Widget' || a.fieldType !== 'Sig' || !a.fieldName) continue;
        if (!map.has(a.fieldName)) map.set(a.fieldName, { pageIndex: i, rect: a.rect });
      }
    }
    this.widgets = map;
    return map;
  }

  // Scrolls to FIELD's widget and outlines it. Returns { page, visible }
  // (visible false for an invisible signature: zero-size rect), or null
  // when no page carries the field.
  async highlight(field) {
    for (const el of this.container.querySelectorAll('.sig-highlight')) el.remove();
    const w = (await this.widgetMap()).get(field);
    if (!w) return null;
    const p = this.pages[w.pageIndex];
    // Both corners through the viewport transform (rotation included).
    const [x1, y1] = p.viewport.convertToViewportPoint(w.rect[0], w.rect[1]);
    const [x2, y2] = p.viewport.convertToViewportPoint(w.rect[2], w.rect[3]);
    const left = Math.min(x1, x2), top = Math.min(y1, y2);
    const width = Math.abs(x2 - x1), height = Math.abs(y2 - y1);
    const visible = width >= 1 && height >= 1;
    await this.#render(w.pageIndex);
    if (visible) {
      const h = document.createElement('div');
      h.className = 'sig-highlight';
      h.dataset.field = field;
      h.style.left = `${left}px`;
      h.style.top = `${top}px`;
      h.style.width = `${width}px`;
      h.style.height = `${height}px`;
      p.layer.append(h);
      h.scrollIntoView({ block: 'center', inline: 'nearest' });
    } else {
      p.div.scrollIntoView({ block: 'start' });
    }
    return { page: w.pageIndex + 1, visible };
  }

  async close() {
    this.observer?.disconnect();
    this.observer = null;
    this.container.replaceChildren();
    this.pages = [];
    this.widgets = null;
    const task = this.task;
    this.task = null;
    this.doc = null;
    if (task) await task.destroy().catch(() => {});
  }
}
