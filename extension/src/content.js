// content.js - classic content script (https pages, http://localhost and
// http://127.0.0.1; every frame; document_start): the page's end of the kyso
// bridge (web/README.md, "Tiện ích trình duyệt"). Needs bridge-filter.js
// loaded before it.
//
// page -> here  {kyso:'hello', bridge:1} | {kyso:'request', bridge:1, id, message}
// here -> page  {kyso:'ack'} at once, then {kyso:'ready', hello | hostMissing
//               | error:'CONTEXT_INSECURE'}; {kyso:'response', id, message}
//               | {kyso:'error', id, code, message}; all with bridge:1, posted
//               to the page's own origin only.
// One runtime port per frame ('kyso-bridge'), opened at the page's first
// hello or request; the background takes the page's origin from that port's
// sender, never from here.
(() => {
  'use strict';

  const api = globalThis.browser ?? globalThis.chrome;
  const filter = globalThis.kysoBridgeFilter;
  if (!filter || !api?.runtime?.connect || globalThis.kysoBridgeContent) return;

  const HELLOS_WAITING_MAX = 16;
  let port = null;
  let pageOrigin = null; // the origin the page's messages came from
  const helloOrigins = []; // one per hello forwarded, answered in order
  const waiting = new Map(); // page id key -> origin to answer to
  const key = (id) => `${typeof id}:${id}`;

  function toPage(message, origin) {
    if (!origin) return;
    try {
      window.postMessage({ ...message, bridge: 1 }, origin);
    } catch {
      // The frame navigated meanwhile.
    }
  }

  function onBackground(m) {
    if (!m || typeof m !== 'object') return;
    if (m.t === 'ready') {
      const origin = helloOrigins.shift() ?? pageOrigin;
      if (m.error) toPage({ kyso: 'ready', error: String(m.error) }, origin);
      else if (m.hostMissing) toPage({ kyso: 'ready', hostMissing: true }, origin);
      else toPage({ kyso: 'ready', hello: m.hello }, origin);
    } else if (m.t === 'hello') {
      toPage({ kyso: 'ready', hello: m.hello }, pageOrigin);
    } else if (m.t === 'response' || m.t === 'error') {
      const k = key(m.id);
      const origin = waiting.get(k);
      if (origin === undefined) return;
      waiting.delete(k);
      if (m.t === 'response') toPage({ kyso: 'response', id: m.id, message: m.message }, origin);
      else toPage({ kyso: 'error', id: m.id, code: m.code, message: m.message }, origin);
    }
  }

  // The service worker went away (extension reloaded or updated): what was
  // waiting will never be answered.
  function onPortGone() {
    port = null;
    for (const [k, origin] of waiting) {
      const id = k.startsWith('number:') ? Number(k.slice(7)) : k.slice(7);
      toPage({ kyso: 'error', id, code: 'HOST_DISCONNECTED', message: 'the kyso extension stopped' }, origin);
    }
    waiting.clear();
    for (const origin of helloOrigins.splice(0)) toPage({ kyso: 'ready', hostMissing: true }, origin);
  }

  function send(message) {
    if (!port) {
      try {
        port = api.runtime.connect({ name: 'kyso-bridge' });
      } catch {
        port = null; // "Extension context invalidated": an orphaned script
        return false;
      }
      port.onMessage.addListener(onBackground);
      port.onDisconnect.addListener(onPortGone);
    }
    try {
      port.postMessage(message);
      return true;
    } catch {
      onPortGone();
      return false;
    }
  }

  window.addEventListener('message', (event) => {
    const a = filter.acceptPageMessage(event, window);
    if (!a) return;
    pageOrigin = a.origin;
    // The https page in an http parent, say: the browser does not count it
    // as secure, nor does kyso.
    const secure = window.isSecureContext === true;
    if (a.kind === 'hello') {
      toPage({ kyso: 'ack' }, a.origin);
      if (!secure) return toPage({ kyso: 'ready', error: 'CONTEXT_INSECURE' }, a.origin);
      if (helloOrigins.length >= HELLOS_WAITING_MAX) return;
      helloOrigins.push(a.origin);
      if (!send({ t: 'hello' })) {
        helloOrigins.pop();
        toPage({ kyso: 'ready', hostMissing: true }, a.origin);
      }
      return;
    }
    if (!secure) {
      return toPage({ kyso: 'error', id: a.id, code: 'CONTEXT_INSECURE',
        message: 'this page is not a secure context (https)' }, a.origin);
    }
    if (a.kind === 'refuse')
      return toPage({ kyso: 'error', id: a.id, code: a.code, message: a.message }, a.origin);
    if (waiting.has(key(a.id))) {
      return toPage({ kyso: 'error', id: a.id, code: 'INVALID_ARGUMENT',
        message: 'a request with this bridge id is still waiting' }, a.origin);
    }
    waiting.set(key(a.id), a.origin);
    if (!send({ t: 'request', id: a.id, message: a.message })) {
      waiting.delete(key(a.id));
      toPage({ kyso: 'error', id: a.id, code: 'HOST_DISCONNECTED', message: 'the kyso extension stopped' }, a.origin);
    }
  });

  globalThis.kysoBridgeContent = true;
})();
