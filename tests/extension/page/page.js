// page.js - the page of extension.chromium_e2e and bench/extension: kyso.js
// as a portal uses it, driven by the test through window.kysoTest (no UI:
// the demo portal's own test is web.portal_e2e). Served beside build/web's
// kyso.js (/kyso.js, /wasm/, /demo/demo-images.js). Every function answers
// plain JSON-able values; errors as { error: code, message }.
import * as Kyso from '/kyso.js';
import { signaturePng, sealPng } from '/demo/demo-images.js';
import { b64 } from '/kyso-host.js';

const params = new URLSearchParams(location.search);
const PORT = Number(params.get('port')) || undefined;
let kyso = null;

const failure = (e) => ({ error: e?.code ?? 'EXCEPTION', message: String(e?.message ?? e),
  detail: typeof e?.detail === 'string' ? e.detail : undefined });

function note(text) {
  const li = document.createElement('li');
  li.textContent = text;
  document.getElementById('log').append(li);
}

// options: transport, bridgeWaitMs, port (default ?port=).
async function connect(options = {}) {
  try {
    if (kyso) kyso.close();
    kyso = null;
    kyso = await Kyso.connect({ port: PORT, lang: 'vi', ...options });
    document.getElementById('status').textContent = `kyso (${kyso.transport})`;
    return { transport: kyso.transport, version: kyso.hostVersion, features: kyso.features };
  } catch (e) {
    document.getElementById('status').textContent = `kyso: ${e.code}`;
    return failure(e);
  }
}

async function certificates() {
  try {
    const t0 = performance.now();
    const list = await kyso.certificates();
    const ms = performance.now() - t0;
    note(`${list.length} chứng thư`);
    return { certificates: list.map((c) => ({ id: c.id, commonName: c.commonName, tokenLabel: c.tokenLabel })),
      version: kyso.hostVersion, ms };
  } catch (e) {
    return failure(e);
  }
}

const IMAGES = { signature: signaturePng, seal: sealPng };

// One document; options as kyso.signPdf's, image: 'signature' | 'seal'.
async function sign(pdfB64, options = {}) {
  try {
    const opts = { ...options };
    if (opts.image) opts.image = await IMAGES[opts.image]();
    const signed = await kyso.signPdf(b64.decode(pdfB64), opts);
    note(`đã ký ${options.name ?? ''}`);
    return { signed: b64.encode(signed), code: signed.verificationCode };
  } catch (e) {
    return failure(e);
  }
}

// A batch of n copies of one PDF (bench/extension): the time of signPdfs
// alone, ms, and the signed sizes.
async function batch(pdfB64, n, options = {}) {
  try {
    const pdf = b64.decode(pdfB64);
    const docs = Array.from({ length: n }, (_, i) => ({ pdf, name: `van-ban-${i + 1}.pdf` }));
    const t0 = performance.now();
    const out = await kyso.signPdfs(docs, options);
    const ms = performance.now() - t0;
    return { ms, sizes: out.map((u8) => u8.length) };
  } catch (e) {
    return failure(e);
  }
}

// A message posted straight onto the bridge (what a hostile page can do):
// {kyso:'request', bridge:1, id, message}; resolves with what comes back
// for that id ({kyso:'response'|'error', ...}), or {timeout:true}.
function bridgeRequest(id, message, waitMs = 20000) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => { window.removeEventListener('message', on); resolve({ timeout: true }); }, waitMs);
    const on = (ev) => {
      const m = ev.data;
      if (ev.source !== window || !m || m.bridge !== 1 || m.id !== id) return;
      if (m.kyso !== 'response' && m.kyso !== 'error') return;
      clearTimeout(timer);
      window.removeEventListener('message', on);
      resolve(JSON.parse(JSON.stringify(m)));
    };
    window.addEventListener('message', on);
    window.postMessage({ kyso: 'request', bridge: 1, id, message }, location.origin);
  });
}

// A cross-origin frame of this page.
function addFrame(url) {
  return new Promise((resolve) => {
    const f = document.createElement('iframe');
    f.src = url;
    f.width = '600';
    f.height = '200';
    f.addEventListener('load', () => resolve(true), { once: true });
    document.body.append(f);
  });
}

window.kysoTest = { connect, certificates, sign, batch, bridgeRequest, addFrame,
  close: () => { if (kyso) kyso.close(); kyso = null; } };
document.body.dataset.ready = '1';
