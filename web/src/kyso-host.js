// kyso-host.js - the road to kyso-host (native-host/PROTOCOL.md) from a
// page: through the kyso browser extension when one answers the bridge
// below, else over the host's websocket on loopback. Both give the same
// object: { transport, hello, request(msg) -> reply, close() }, replies
// being the host's JSON ({id, result} or {id, error}).
//
// The host's greeting (PROTOCOL.md): an allowed origin gets
// {"version":"1.0","features":[...]} at once; an origin the user has not
// allowed yet gets only {"hello":"kyso"} (the host is there, nothing more
// is told before consent), and the full greeting follows, before the reply,
// once the user allows it at the first-use prompt. conn.hello is
// { version: null, features: [] } until the full one arrives; a full one
// with another major version fails the waiting requests with
// HOST_INCOMPATIBLE and closes the connection.
//
// The extension bridge (window.postMessage, same window; the other side is
// the content script of the kyso extension, extension/src/content.js):
//   page -> ext  {kyso:'hello', bridge:1}
//   ext -> page  {kyso:'ack', bridge:1}  at once (the extension is there)
//   ext -> page  {kyso:'ready', bridge:1, hello:{hello:'kyso'}}
//                (version-less until one of the page's requests was served;
//                a later {kyso:'ready', bridge:1, hello:{version, features}}
//                gives the full one, before that reply)
//                or {kyso:'ready', bridge:1, hostMissing:true} when the
//                browser cannot start the native host (not installed)
//                or {kyso:'ready', bridge:1, error:'CONTEXT_INSECURE'} (not
//                a secure context: an https frame in an http page, say)
//                or {kyso:'ready', bridge:1, error:'BUSY', message:'too many
//                kyso connections in this page; ...'} (the extension refused
//                this frame's port; message becomes the KysoError's detail)
//   page -> ext  {kyso:'request', bridge:1, id:N, message:{...host request...}}
//   ext -> page  {kyso:'response', bridge:1, id:N, message:{...host reply...}}
//                or {kyso:'error', bridge:1, id:N, code:'HOST_NOT_INSTALLED' |
//                'HOST_DISCONNECTED' | 'CONTEXT_INSECURE' | 'INVALID_ARGUMENT'
//                | 'BUSY', message:'...'}
// N is unique in the page (every connection of it); the host request's own
// "id" is the page's, the extension gives the host one of its own and the
// page's origin (from the browser, never from the message).
// The page waits bridgeWaitMs (BRIDGE_WAIT_MS) for the ack, else uses the
// websocket; after the ack, READY_WAIT_MS for 'ready' (the extension starts
// kyso-host to see that it is there).
import { KysoError } from './kyso-errors.js';

export const DEFAULT_PORT = 8750;

// The protocol's binary values (PROTOCOL.md: base64, RFC 4648 4, padded,
// no line breaks), shared by kyso.js and verify-online.js.
export const b64 = {
  encode(u8) {
    let s = '';
    for (let i = 0; i < u8.length; i += 0x8000) s += String.fromCharCode(...u8.subarray(i, i + 0x8000));
    return btoa(s);
  },
  decode(s) {
    const bin = atob(s);
    const u8 = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) u8[i] = bin.charCodeAt(i);
    return u8;
  },
};
const BRIDGE_WAIT_MS = 1000;
const READY_WAIT_MS = 20000;
const HELLO_WAIT_MS = 5000;
const PROTOCOL_MAJOR = '1';

// A greeting from the host -> { version (null: not told yet), features },
// or null when m is not one.
function readHello(m) {
  if (!m || typeof m !== 'object' || Array.isArray(m) || 'id' in m) return null;
  if (typeof m.version === 'string')
    return { version: m.version, features: Array.isArray(m.features) ? m.features : [] };
  if (m.hello === 'kyso') return { version: null, features: [] };
  return null;
}

const compatible = (hello) => hello.version === null || hello.version.split('.')[0] === PROTOCOL_MAJOR;

// The greeting state of one connection: the first hello, then the full one
// when it comes. onIncompatible(version) when a known version is not 1.x.
function helloTracker(first, onIncompatible) {
  let current = first;
  return {
    get current() { return current; },
    update(h) {
      if (h.version === null) return; // nothing new
      current = h;
      if (!compatible(h)) onIncompatible(h.version);
    },
  };
}

// ---- extension bridge ------------------------------------------------------

function bridgeTarget() {
  // file:// pages have the origin "null": postMessage needs '*' there.
  return typeof location !== 'undefined' && location.origin && location.origin !== 'null'
    ? location.origin : '*';
}

// Bridge ids, unique in the page: two connections must not share one.
let bridgeSeq = 0;

async function connectExtension(lang, waitMs) {
  if (typeof window === 'undefined' || typeof window.postMessage !== 'function') return null;
  const pending = new Map();
  let ready = null;
  let acked = null;
  let hello = null; // helloTracker once connected
  const failAll = (err) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  const onMessage = (ev) => {
    const m = ev.data;
    if (ev.source !== window || !m || typeof m !== 'object' || m.bridge !== 1) return;
    if (m.kyso === 'ack' && acked) {
      acked();
    } else if (m.kyso === 'ready' && ready) {
      ready(m);
    } else if (m.kyso === 'ready' && hello) {
      const h = readHello(m.hello);
      if (h) hello.update(h); // the full greeting after the first-use prompt
    } else if ((m.kyso === 'response' || m.kyso === 'error') && pending.has(m.id)) {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.kyso === 'response') p.resolve(m.message);
      else p.reject(new KysoError(m.code || 'HOST_DISCONNECTED', m.message || '', {}, lang));
    }
  };
  window.addEventListener('message', onMessage);
  // The ack within waitMs (no extension else), then 'ready' within
  // READY_WAIT_MS (an extension of an earlier bridge may send only that).
  const answer = await new Promise((resolve) => {
    let timer = setTimeout(() => resolve(null), waitMs);
    ready = (m) => {
      clearTimeout(timer);
      resolve(m);
    };
    acked = () => {
      acked = null;
      clearTimeout(timer);
      timer = setTimeout(() => resolve(null), READY_WAIT_MS);
    };
    window.postMessage({ kyso: 'hello', bridge: 1 }, bridgeTarget());
  });
  ready = null;
  acked = null;
  if (!answer) {
    window.removeEventListener('message', onMessage);
    return null;
  }
  if (answer.error === 'CONTEXT_INSECURE') {
    window.removeEventListener('message', onMessage);
    throw new KysoError('CONTEXT_INSECURE', 'the kyso extension serves secure (https) pages only', {}, lang);
  }
  if (answer.error === 'BUSY') {
    // The extension is there and kyso too; too many frames use it now.
    window.removeEventListener('message', onMessage);
    // The extension says which cap refused it ("too many kyso connections
    // in this page; ..."): its own words, as the detail.
    const why = typeof answer.message === 'string' && answer.message.length > 0
      ? answer.message.slice(0, 200) : 'too many pages use the kyso extension now; try again later';
    throw new KysoError('BUSY', why, {}, lang);
  }
  if (answer.hostMissing || !answer.hello) {
    window.removeEventListener('message', onMessage);
    throw new KysoError('HOST_NOT_INSTALLED', 'the extension cannot start kyso-host', {}, lang);
  }
  const first = readHello(answer.hello);
  if (!first) {
    window.removeEventListener('message', onMessage);
    throw new KysoError('HOST_INCOMPATIBLE', 'unexpected greeting', {}, lang);
  }
  let closed = false;
  const close = () => {
    closed = true;
    window.removeEventListener('message', onMessage);
    failAll(new KysoError('HOST_DISCONNECTED', 'closed', {}, lang));
  };
  hello = helloTracker(first, (version) => {
    failAll(new KysoError('HOST_INCOMPATIBLE', `host protocol ${version}`, {}, lang));
    close();
  });
  return {
    transport: 'extension',
    get hello() { return hello.current; },
    request(message) {
      if (closed) return Promise.reject(new KysoError('HOST_DISCONNECTED', 'connection closed', {}, lang));
      const id = ++bridgeSeq;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        window.postMessage({ kyso: 'request', bridge: 1, id, message }, bridgeTarget());
      });
    },
    close,
  };
}

// ---- websocket -------------------------------------------------------------

const isLoopbackHost = (h) =>
  h === 'localhost' || h === '[::1]' || h === '::1' || /^127\./.test(h) || h.endsWith('.localhost');

// Chrome's Local Network Access: a public page needs the user's permission
// to reach loopback. A refused permission is the only case the page can
// tell apart from "nothing listens there".
async function localAccessDenied() {
  const perms = typeof navigator !== 'undefined' ? navigator.permissions : null;
  if (!perms || typeof perms.query !== 'function') return false;
  for (const name of ['local-network-access', 'loopback-network', 'local-network']) {
    try {
      const st = await perms.query({ name });
      return st.state === 'denied';
    } catch {
      // not a permission name this browser knows: try the next one
    }
  }
  return false;
}

// The page's Content-Security-Policy may forbid connect-src to the socket:
// the browser then fails it like a closed port (1006, or a SecurityError
// thrown by older browsers) and tells the document only through a
// `securitypolicyviolation` event naming the blocked URL. Watched from
// before the socket is made; report-only policies block nothing. Chromium
// fires only `error` for such a socket, never `close` (checked with Chromium
// 156): .onHit ends the wait at once.
const CSP_EVENT_WAIT_MS = 100;
function watchCsp(url) {
  const doc = globalThis.document;
  const w = {
    hit: false,
    onHit: null,
    // The event is queued as a task of its own: it may come after close.
    async blocked() {
      if (!w.hit && doc) await new Promise((r) => setTimeout(r, CSP_EVENT_WAIT_MS));
      return w.hit;
    },
    stop() {},
  };
  if (!doc || typeof doc.addEventListener !== 'function') return w;
  const want = new URL(url);
  const onViolation = (ev) => {
    if (ev.disposition === 'report') return;
    let u;
    try { u = new URL(String(ev.blockedURI)); } catch { return; }
    if (u.protocol !== want.protocol || u.host !== want.host || w.hit) return;
    w.hit = true;
    if (w.onHit) w.onHit();
  };
  doc.addEventListener('securitypolicyviolation', onViolation);
  w.stop = () => doc.removeEventListener('securitypolicyviolation', onViolation);
  return w;
}

const cspBlocked = (lang, url, detail) => new KysoError('CSP_BLOCKED', detail, {
  socket: url.replace(/\/$/, ''),
}, lang);

// Why the websocket never opened. The browser says nothing (1006), so:
// the page's CSP named it in a violation -> CSP_BLOCKED; a denied Local
// Network Access permission -> LOCAL_ACCESS_BLOCKED (neither says anything
// about kyso-host: never "not installed"); else HOST_NOT_RUNNING, whose
// text covers "not installed" too. An origin listed in deny_origin is
// refused at the handshake and looks the same: the hint in .maybe says so.
async function connectFailure(lang, url, csp) {
  if (await csp.blocked())
    return cspBlocked(lang, url, `the page's Content-Security-Policy blocked ${url}`);
  if (await localAccessDenied())
    return new KysoError('LOCAL_ACCESS_BLOCKED', `cannot open ${url}`, {}, lang);
  const publicPage = typeof location !== 'undefined' && /^https?:$/.test(location.protocol) &&
    !isLoopbackHost(location.hostname);
  return new KysoError('HOST_NOT_RUNNING', `cannot open ${url}`, {
    maybe: publicPage ? ['HOST_NOT_INSTALLED', 'LOCAL_ACCESS_BLOCKED', 'ORIGIN_DENIED']
                      : ['HOST_NOT_INSTALLED', 'ORIGIN_DENIED'],
  }, lang);
}

async function openWebSocket(lang, { port = DEFAULT_PORT, address = '127.0.0.1', WebSocketImpl } = {}) {
  const WS = WebSocketImpl ?? globalThis.WebSocket;
  if (!WS) throw new KysoError('HOST_NOT_RUNNING', 'this environment has no WebSocket', {}, lang);
  const url = `ws://${address.includes(':') ? `[${address}]` : address}:${port}/`;
  let ws;
  const csp = watchCsp(url);
  try {
    ws = new WS(url);
  } catch (e) {
    // Thrown synchronously: a blocked port, a mixed-content rule, or a CSP
    // in browsers that still throw for it.
    const blocked = await csp.blocked();
    csp.stop();
    if (blocked) throw cspBlocked(lang, url, String(e));
    throw (await localAccessDenied())
      ? new KysoError('LOCAL_ACCESS_BLOCKED', String(e), {}, lang)
      : new KysoError('HOST_NOT_RUNNING', String(e), {}, lang);
  }
  const waiting = new Map(); // host request id -> {resolve, reject}
  let closed = false;
  const failAll = (err) => {
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  };

  const first = await new Promise((resolve, reject) => {
    let opened = false;
    const timer = setTimeout(() => {
      reject(new KysoError('HOST_NOT_RUNNING', 'no greeting from the host', {}, lang));
      try { ws.close(); } catch { /* already closing */ }
    }, HELLO_WAIT_MS);
    ws.onopen = () => { opened = true; };
    csp.onHit = () => {
      clearTimeout(timer);
      closed = true;
      reject(cspBlocked(lang, url, `the page's Content-Security-Policy blocked ${url}`));
      try { ws.close(); } catch { /* never opened */ }
    };
    if (csp.hit) csp.onHit();
    ws.onerror = () => {}; // onclose follows with the useful part
    ws.onclose = async () => {
      clearTimeout(timer);
      closed = true;
      reject(opened ? new KysoError('HOST_DISCONNECTED', 'closed before the greeting', {}, lang)
                    : await connectFailure(lang, url, csp));
    };
    ws.onmessage = (ev) => {
      clearTimeout(timer);
      let m = null;
      try { m = JSON.parse(ev.data); } catch { /* not JSON: below */ }
      const h = readHello(m);
      if (!h) return reject(new KysoError('HOST_INCOMPATIBLE', 'unexpected greeting', {}, lang));
      resolve(h);
    };
  }).finally(() => csp.stop());
  const close = () => {
    closed = true;
    failAll(new KysoError('HOST_DISCONNECTED', 'closed', {}, lang));
    try { ws.close(); } catch { /* already closed */ }
  };
  const hello = helloTracker(first, (version) => {
    // It comes before the reply to the request that was let in: that
    // request fails, the connection closes (the host drops the request).
    failAll(new KysoError('HOST_INCOMPATIBLE', `host protocol ${version}`, {}, lang));
    close();
  });

  ws.onmessage = (ev) => {
    let m;
    try { m = JSON.parse(ev.data); } catch { return; }
    const h = readHello(m);
    if (h) {
      hello.update(h);
      return;
    }
    const key = m && m.id !== undefined && m.id !== null ? String(m.id) : null;
    if (key !== null && waiting.has(key)) {
      const w = waiting.get(key);
      waiting.delete(key);
      w.resolve(m);
    } else if (key === null && waiting.size) {
      // The host could not read a request (id null): fail the oldest.
      const [k, w] = waiting.entries().next().value;
      waiting.delete(k);
      w.resolve(m);
    }
  };
  ws.onclose = () => {
    closed = true;
    failAll(new KysoError('HOST_DISCONNECTED', 'the host closed the connection', {}, lang));
  };
  return {
    get hello() { return hello.current; },
    get closed() { return closed; },
    request(message) {
      if (closed) return Promise.reject(new KysoError('HOST_DISCONNECTED', 'connection closed', {}, lang));
      return new Promise((resolve, reject) => {
        waiting.set(String(message.id), { resolve, reject });
        ws.send(JSON.stringify(message));
      });
    },
    close,
  };
}

// The websocket road. kyso-host closes a connection of a site it does not
// serve yet after ~10 s without a request (close code 1008; PROTOCOL.md,
// "Who may connect"), and any connection after idle_timeout: the next
// request opens a new one. A request in flight when the host closes fails
// with HOST_DISCONNECTED and is never sent again by itself (a signing
// request would ask the user a second time).
async function connectWebSocket(lang, options = {}) {
  let inner = await openWebSocket(lang, options);
  let reopening = null;
  let userClosed = false;
  return {
    transport: 'websocket',
    get hello() { return inner.hello; },
    async request(message) {
      if (userClosed) throw new KysoError('HOST_DISCONNECTED', 'connection closed', {}, lang);
      if (inner.closed) {
        reopening ??= openWebSocket(lang, options).finally(() => { reopening = null; });
        inner = await reopening;
        if (userClosed) {
          inner.close();
          throw new KysoError('HOST_DISCONNECTED', 'connection closed', {}, lang);
        }
      }
      return inner.request(message);
    },
    close() {
      userClosed = true;
      inner.close();
    },
  };
}

// connectHost({ transport: 'auto'|'extension'|'websocket', port, address,
// lang, bridgeWaitMs, WebSocket }): the first road that answers.
export async function connectHost(options = {}) {
  const lang = options.lang ?? 'vi';
  const mode = options.transport ?? 'auto';
  let conn = null;
  let notInstalled = null; // the extension says it cannot start the host
  if (mode !== 'websocket') {
    try {
      conn = await connectExtension(lang, options.bridgeWaitMs ?? BRIDGE_WAIT_MS);
    } catch (e) {
      if (mode === 'extension' || e.code !== 'HOST_NOT_INSTALLED') throw e;
      notInstalled = e;
    }
    if (!conn && mode === 'extension')
      throw new KysoError('HOST_NOT_INSTALLED', 'no kyso extension answered', {}, lang);
  }
  if (!conn) {
    try {
      conn = await connectWebSocket(lang, {
        port: options.port, address: options.address, WebSocketImpl: options.WebSocket,
      });
    } catch (e) {
      // The extension is there but cannot start kyso-host: that is the answer,
      // whatever stopped the websocket (nothing listens, CSP, Local Network Access).
      throw notInstalled && ['HOST_NOT_RUNNING', 'CSP_BLOCKED', 'LOCAL_ACCESS_BLOCKED'].includes(e.code)
        ? notInstalled : e;
    }
  }
  // A version-less greeting: the host is there; its version comes with the
  // full greeting and is checked then (helloTracker).
  if (!compatible(conn.hello)) {
    conn.close();
    throw new KysoError('HOST_INCOMPATIBLE', `host protocol ${conn.hello.version}`, {}, lang);
  }
  return conn;
}
