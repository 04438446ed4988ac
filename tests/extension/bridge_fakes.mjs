// bridge_fakes.mjs - stand-ins for the browser's ports in the node unit tests
// of the extension's bridge (bridge_unit.mjs, native_unit.mjs). They only
// carry messages, asynchronously as the browser does; every decision is
// the code under test's.

// A runtime.Port: postMessage records, events fire on the next microtask.
export function fakePort({ name = 'kyso-bridge', sender = {} } = {}) {
  const listeners = { message: [], disconnect: [] };
  const port = {
    name,
    sender,
    sent: [],
    disconnected: false,
    error: undefined,
    onMessage: { addListener: (f) => listeners.message.push(f) },
    onDisconnect: { addListener: (f) => listeners.disconnect.push(f) },
    postMessage(m) {
      if (port.disconnected) throw new Error('Attempting to use a disconnected port object');
      // The browser serialises: nothing shared with the sender.
      port.sent.push(JSON.parse(JSON.stringify(m)));
    },
    disconnect() { port.disconnected = true; },
    // The other side:
    deliver(m) {
      return Promise.resolve().then(() => { for (const f of listeners.message) f(m, port); });
    },
    drop(error) {
      port.error = error ? { message: error } : undefined;
      return Promise.resolve().then(() => {
        if (port.disconnected) return;
        port.disconnected = true;
        for (const f of listeners.disconnect) f(port);
      });
    },
  };
  return port;
}

// A fake native-session factory for bridge.js (openSession): every session
// it opens is recorded with what was posted on it; the test plays the host.
export function fakeSessions() {
  const sessions = [];
  const open = (handlers) => {
    const s = {
      handlers,
      posted: [],
      closed: false,
      post(m) {
        if (s.closed) return false;
        s.posted.push(JSON.parse(JSON.stringify(m)));
        return true;
      },
      close() { s.closed = true; },
      hello(h = { hello: 'kyso' }) { return Promise.resolve().then(() => handlers.onHello(h)); },
      reply(m) { return Promise.resolve().then(() => handlers.onReply(m)); },
      gone(code, why) { return Promise.resolve().then(() => handlers.onGone(code, why)); },
    };
    sessions.push(s);
    return s;
  };
  return { sessions, open };
}

// Timers the test advances by hand.
export function fakeTimers() {
  let now = 0;
  let seq = 0;
  const timers = new Map();
  return {
    setTimeout: (f, ms) => {
      const id = ++seq;
      timers.set(id, { f, at: now + ms });
      return id;
    },
    clearTimeout: (id) => timers.delete(id),
    now: () => now,
    advance(ms) {
      now += ms;
      for (const [id, t] of [...timers]) {
        if (t.at <= now) {
          timers.delete(id);
          t.f();
        }
      }
    },
    pending: () => timers.size,
  };
}

export const tick = () => new Promise((r) => setImmediate(r));
