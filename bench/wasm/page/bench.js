// bench.js - the bench page's side of bench_browser.mjs: fetch the inputs
// from the bench server, run measure.mjs with the module in a module Web
// Worker (as a real page does), and let the driver sign: it holds the key.
import { loadKyso } from '/dist/kyso-wasm.js';
import { measure } from '/bench/measure.mjs';

const fetchBytes = async (url) => {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
};
const fromBase64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const toBase64 = (u8) => btoa(String.fromCharCode(...u8));

// cfg: { signed, unsigned (URLs), certificate, chain (DER base64),
// trustAnchor (PEM), runs }. window.benchSign(base64) is exposed by the
// driver and returns the signature value in base64.
window.runBench = async (cfg) => {
  const result = await measure({
    loadKyso,
    signed: await fetchBytes(cfg.signed),
    unsigned: await fetchBytes(cfg.unsigned),
    certificate: fromBase64(cfg.certificate),
    chain: cfg.chain.map(fromBase64),
    trustAnchor: cfg.trustAnchor,
    sign: async (attrs) => fromBase64(await window.benchSign(toBase64(attrs))),
    runs: cfg.runs,
  });
  // The page's own JS heap (Chromium only): the inputs and their copies.
  return { ...result, pageJsHeap: performance.memory?.usedJSHeapSize ?? null };
};
window.benchReady = true;
