// native.js - kyso-host over native messaging (native-host/PROTOCOL.md):
// the browser starts `kyso-host` for each runtime.connectNative() and ends
// it when the port closes. ONE port per request (and the cancel that may
// follow it), closed after the final reply: a request's dialog, PIN and
// refusals live in a process of its own, and a page's port closing (tab
// closed, navigation) ends exactly its requests.
//
// On every port the host speaks first: a hello, {"hello":"kyso"} or the full
// {"version","features"} (the extension's own standing); a full hello may
// follow before the reply of a page origin allowed meanwhile. Then replies,
// each with the request's id and, when the request named a page's origin,
// that origin echoed.
//
// Failures: the port disconnecting before the hello (Chromium: "Specified
// native messaging host not found.", "Access to the specified native
// messaging host is forbidden.", "Native host has exited."; Firefox:
// port.error) is HOST_NOT_INSTALLED; after it, HOST_DISCONNECTED.
import { HELLO_WAIT_MS, SPARE_IDLE_MS } from './limits.js';

export const HOST_NAME = 'vn.kyso.host';

const currentApi = () => globalThis.browser ?? globalThis.chrome;

// A greeting: an object without "id", with a version or hello "kyso".
export function isHello(m) {
  return !!m && typeof m === 'object' && !Array.isArray(m) && !Object.hasOwn(m, 'id') &&
    (typeof m.version === 'string' || m.hello === 'kyso');
}

export const isFullHello = (m) => isHello(m) && typeof m.version === 'string';

export function nativeError(code, message) {
  const e = new Error(message);
  e.code = code;
  return e;
}

// One kyso-host process. handlers: onHello(hello) for each greeting,
// onReply(message) for every other message (after the first hello),
// onGone(code, message) once when the port ends without close() (code
// HOST_NOT_INSTALLED before any hello, else HOST_DISCONNECTED).
// deps: {api, setTimeout, clearTimeout, log} for tests.
export function openNativeSession(handlers, deps = {}) {
  const api = deps.api ?? currentApi();
  const setT = deps.setTimeout ?? globalThis.setTimeout;
  const clearT = deps.clearTimeout ?? globalThis.clearTimeout;
  const log = deps.log ?? ((...a) => console.warn('kyso:', ...a));
  let port = null;
  let greeted = false;
  let ended = false;
  let timer = null;

  const end = (code, message) => {
    if (ended) return;
    ended = true;
    if (timer !== null) clearT(timer);
    timer = null;
    try {
      port?.disconnect();
    } catch { /* already gone */ }
    port = null;
    if (code) handlers.onGone?.(code, message);
  };

  try {
    port = api.runtime.connectNative(HOST_NAME);
  } catch (e) {
    // Firefox throws for a name it cannot resolve in some versions.
    const session = { post() {}, close() {}, get greeted() { return false; }, get open() { return false; } };
    ended = true;
    Promise.resolve().then(() => handlers.onGone?.('HOST_NOT_INSTALLED', String(e?.message ?? e)));
    return session;
  }
  timer = setT(() => {
    timer = null;
    if (!greeted) end('HOST_DISCONNECTED', 'kyso-host did not greet in time');
  }, deps.helloWaitMs ?? HELLO_WAIT_MS);

  port.onMessage.addListener((m) => {
    if (ended) return;
    if (isHello(m)) {
      if (!greeted && timer !== null) {
        clearT(timer);
        timer = null;
      }
      greeted = true;
      handlers.onHello?.(m);
      return;
    }
    if (!greeted) {
      log('kyso-host spoke before its hello; port closed');
      end('HOST_DISCONNECTED', 'kyso-host did not greet');
      return;
    }
    handlers.onReply?.(m);
  });
  port.onDisconnect.addListener((p) => {
    // Chromium: runtime.lastError inside this listener; Firefox: port.error.
    const why = api.runtime.lastError?.message ?? p?.error?.message ?? port?.error?.message ?? '';
    if (ended) return;
    port = null;
    if (!greeted) end('HOST_NOT_INSTALLED', why || 'kyso-host cannot be started');
    else end('HOST_DISCONNECTED', why || 'kyso-host closed the connection');
  });

  return {
    post(message) {
      if (ended || !port) return false;
      try {
        port.postMessage(message);
        return true;
      } catch (e) {
        end(greeted ? 'HOST_DISCONNECTED' : 'HOST_NOT_INSTALLED', String(e?.message ?? e));
        return false;
      }
    },
    close() { end(null); },
    get greeted() { return greeted; },
    get open() { return !ended; },
  };
}

// One request on a port of its own -> Promise<reply> (the host's reply
// object, its id = message.id; with origin: the reply must echo it, one
// that does not is dropped). Rejects with an Error whose .code is
// HOST_NOT_INSTALLED or HOST_DISCONNECTED. onHello(hello) sees the
// greetings. Used by the popup and verifier pages (pages.js) without an
// origin: the host then acts for the extension itself.
export function nativeRequest(message, { origin, onHello } = {}, deps = {}) {
  const log = deps.log ?? ((...a) => console.warn('kyso:', ...a));
  return new Promise((resolve, reject) => {
    const sent = { ...message };
    delete sent.origin;
    if (origin !== undefined) sent.origin = origin;
    let session = null;
    let done = false;
    session = openNativeSession({
      onHello: (h) => onHello?.(h),
      onReply: (m) => {
        if (done) return;
        if (!m || typeof m !== 'object' || m.id !== sent.id) {
          log('dropped a reply with an unknown id');
          return;
        }
        const echoed = Object.hasOwn(m, 'origin') ? m.origin : undefined;
        if (echoed !== origin) {
          log('dropped a reply whose origin is not the request\'s');
          return;
        }
        done = true;
        session.close();
        const reply = { ...m };
        delete reply.origin;
        resolve(reply);
      },
      onGone: (code, why) => {
        if (done) return;
        done = true;
        reject(nativeError(code, why));
      },
    }, deps);
    session.post(sent);
  });
}

// Is kyso-host there? Starts it, waits for its hello, closes the port.
// -> {installed, hello (the host's greeting to the extension) | null,
//     error (the browser's or our message) | null}
export function hostStatus(deps = {}) {
  return new Promise((resolve) => {
    let session = null;
    let done = false;
    const finish = (r) => {
      if (done) return;
      done = true;
      session?.close();
      resolve(r);
    };
    session = openNativeSession({
      onHello: (h) => finish({ installed: true, hello: h, error: null }),
      onGone: (code, why) => finish({ installed: false, hello: null, error: `${code}: ${why}` }),
    }, deps);
    if (done) session.close();
  });
}

// Sessions for the page bridge with ONE spare started ahead. The browser
// takes tens of milliseconds to start a native host (much more than
// kyso-host's own start), and a page's requests come one after the other
// (certificates, then sign): the spare hides that wait. Each request still
// gets a process that served nothing before (the spare has only greeted the
// extension), so "one process per request" holds. The spare ends after
// SPARE_IDLE_MS unused, and none is started while the host cannot start.
// -> {open(handlers) -> session (as openNativeSession), status() ->
//     Promise like hostStatus(), keeping the process it started as the
//     spare, close()}.
export function createSessionPool(deps = {}) {
  const setT = deps.setTimeout ?? globalThis.setTimeout;
  const clearT = deps.clearTimeout ?? globalThis.clearTimeout;
  const idleMs = deps.spareIdleMs ?? SPARE_IDLE_MS;
  const log = deps.log ?? ((...a) => console.warn('kyso:', ...a));
  let spare = null;

  const drop = (s) => {
    if (spare === s) spare = null;
    if (s.timer !== null) clearT(s.timer);
    s.timer = null;
  };

  // A host started for no request yet: its greeting is kept for whoever
  // takes it; anything else it says before that is a fault.
  function startSpare() {
    const s = { session: null, handlers: null, hello: [], gone: null, timer: null, waiters: [] };
    // status() waiters are answered by this process's greeting (or its end)
    // even once a request took it (open()): never left waiting.
    const settle = (r) => { for (const w of s.waiters.splice(0)) w(r); };
    s.session = openNativeSession({
      onHello: (h) => {
        settle({ installed: true, hello: h, error: null });
        if (s.handlers) return s.handlers.onHello?.(h);
        s.hello.push(h);
      },
      onReply: (m) => {
        if (s.handlers) return s.handlers.onReply?.(m);
        log('the spare kyso-host spoke before any request; closed');
        drop(s);
        s.session.close();
        settle({ installed: false, hello: null, error: 'HOST_DISCONNECTED: spoke before its hello' });
      },
      onGone: (code, why) => {
        settle({ installed: false, hello: null, error: `${code}: ${why}` });
        if (s.handlers) return s.handlers.onGone?.(code, why);
        s.gone = { code, why };
        drop(s);
      },
    }, deps);
    if (!s.session.open) return null;
    s.timer = setT(() => {
      s.timer = null;
      if (spare !== s) return;
      spare = null;
      s.session.close();
      for (const w of s.waiters.splice(0)) w({ installed: false, hello: null, error: 'HOST_DISCONNECTED: closed' });
    }, idleMs);
    spare = s;
    return s;
  }

  const pool = {
    open(handlers) {
      const s = spare;
      let session;
      // The next request's host is started once this one has answered:
      // started at the same time, it would delay this request (the browser
      // starts native hosts one at a time), and none is started when this
      // one could not start at all.
      let armed = true;
      const next = () => {
        if (!armed) return;
        armed = false;
        if (!spare) startSpare();
      };
      const wrapped = {
        onHello: (h) => handlers.onHello?.(h),
        onReply: (m) => {
          next();
          handlers.onReply?.(m);
        },
        onGone: (code, why) => {
          if (code !== 'HOST_DISCONNECTED') armed = false;
          handlers.onGone?.(code, why);
        },
      };
      if (s && !s.gone && s.session.open) {
        drop(s);
        s.handlers = wrapped;
        for (const h of s.hello) wrapped.onHello(h);
        session = s.session;
        if (s.waiters.length) {
          // status() callers wait for its greeting; if the request closes
          // it before one came, they are asked again on a process of their
          // own.
          const inner = session;
          session = {
            post: (m) => inner.post(m),
            close: () => {
              inner.close();
              const ws = s.waiters.splice(0);
              if (ws.length) pool.status().then((r) => { for (const w of ws) w(r); });
            },
            get greeted() { return inner.greeted; },
            get open() { return inner.open; },
          };
        }
      } else {
        if (s) drop(s);
        session = openNativeSession(wrapped, deps);
      }
      return session;
    },
    status() {
      return new Promise((resolve) => {
        let s = spare && !spare.gone && spare.session.open ? spare : null;
        if (!s) s = startSpare();
        if (!s) return resolve({ installed: false, hello: null, error: 'HOST_NOT_INSTALLED: cannot start' });
        if (s.hello.length) return resolve({ installed: true, hello: s.hello[0], error: null });
        s.waiters.push(resolve);
      });
    },
    close() {
      const s = spare;
      if (!s) return;
      drop(s);
      s.session.close();
      for (const w of s.waiters.splice(0)) w({ installed: false, hello: null, error: 'HOST_DISCONNECTED: closed' });
    },
  };
  return pool;
}
