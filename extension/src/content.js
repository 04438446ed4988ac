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
// One runtime port per frame ('kyso-bridge'), opened at the page's hello or
// request and closed again after IDLE_MS with nothing waiting (a frame that
// only said hello holds none of the background's ports); the background takes
// the page's origin from that port's sender, never from here. A port the
// background refused (too many frames: {t:'refused', code:'BUSY'}) answers
// what waited on it with BUSY, never "kyso is missing".
(() => {
  'use strict';

  const api = globalThis.browser ?? globalThis.chrome;
  const filter = globalThis.kysoBridgeFilter;
  if (!filter || !api?.runtime?.connect || globalThis.kysoBridgeContent) return;

  const HELLOS_WAITING_MAX = 16;
  const IDLE_MS = 10000;
  const setT = globalThis.setTimeout;
  const clearT = globalThis.clearTimeout;
  let port = null;
  let idleTimer = null;
  let refused = null; // {code, message}: the background refused this port
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

  const idle = () => waiting.size === 0 && helloOrigins.length === 0;

  // Nothing waiting: the port goes after IDLE_MS (the next message opens
  // another).
  function armIdle() {
    if (!port || !idle() || idleTimer !== null) return;
    idleTimer = setT(() => {
      idleTimer = null;
      if (!port || !idle()) return;
      const p = port;
      port = null;
      try {
        p.disconnect();
      } catch { /* gone */ }
    }, IDLE_MS);
  }

  function onBackground(m) {
    onBackgroundMessage(m);
    armIdle();
  }

  function onBackgroundMessage(m) {
    if (!m || typeof m !== 'object') return;
    if (m.t === 'refused') {
      refused = { code: 'BUSY', message: String(m.message ?? 'too many frames use kyso') };
    } else if (m.t === 'ready') {
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
  // Or it refused this frame's port (BUSY).
  function onPortGone() {
    port = null;
    const why = refused;
    refused = null;
    if (idleTimer !== null) clearT(idleTimer);
    idleTimer = null;
    for (const [k, origin] of waiting) {
      const id = k.startsWith('number:') ? Number(k.slice(7)) : k.slice(7);
      if (why) toPage({ kyso: 'error', id, code: why.code, message: why.message }, origin);
      else toPage({ kyso: 'error', id, code: 'HOST_DISCONNECTED', message: 'the kyso extension stopped' }, origin);
    }
    waiting.clear();
    for (const origin of helloOrigins.splice(0)) {
      if (why) toPage({ kyso: 'ready', error: why.code, message: why.message }, origin);
      else toPage({ kyso: 'ready', hostMissing: true }, origin);
    }
  }

  function send(message) {
    if (idleTimer !== null) clearT(idleTimer);
    idleTimer = null;
    if (!port) {
      refused = null;
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
