// bridge.js - the background's half of the page bridge: one runtime port
// ('kyso-bridge') per frame from content.js, kyso-host requests on native
// ports of their own (native.js). Written against injected dependencies
// (createBridge(deps)) so that node tests drive it with fake ports; the
// background passes the browser's.
//
// content -> here  {t:'hello'} | {t:'request', id, message}
// here -> content  {t:'ready', hello} | {t:'ready', hostMissing:true}
//                  | {t:'ready', error:'CONTEXT_INSECURE'}
//                  {t:'refused', code:'BUSY', message}  too many frames hold
//                                              a port (in all, of this origin
//                                              in this tab but the top frame,
//                                              this origin); the port is then
//                                              closed
//                  {t:'hello', hello}          the host's full hello, once,
//                                              before this frame's first result
//                  {t:'response', id, message} the host's reply, id = the page's
//                  {t:'error', id, code, message}
//
// What the page never decides: the origin (port.sender only: origin.js),
// the id the host sees (ours, "p<port>.<n>"), the port its cancel goes to.
// What it never gets: a reply routed by an id or origin other than the ones
// we sent, the host's version before one of its requests was served (the
// extension's own standing is not the page's), origins / forget-origin.
import { senderOrigin } from './origin.js';
import {
  REQUEST_MAX, FRAME_INFLIGHT_MAX, GLOBAL_INFLIGHT_MAX, PORTS_MAX, TAB_PORTS_MAX, ORIGIN_PORTS_MAX,
  PAGE_ID_MAX, PROBE_TTL_MS, PROBE_WAIT_MS, CANCEL_LINGER_MS, EXCHANGE_MAX_MS, jsonBytes, utf8Length,
  jsonValueProblem,
} from './limits.js';
import { openNativeSession, isFullHello, hostStatus } from './native.js';

export const BRIDGE_PORT_NAME = 'kyso-bridge';

// The extension's popup commands (PROTOCOL.md): never a page's.
const EXTENSION_ONLY = new Set(['origins', 'forget-origin']);
const CANCELS_PER_REQUEST_MAX = 4;
const VERSIONLESS = Object.freeze({ hello: 'kyso' });

const isPlainObject = (v) => !!v && typeof v === 'object' && !Array.isArray(v);

// The page's ids: the bridge's N and the host-level message id.
function validPageId(v) {
  return Number.isSafeInteger(v) ||
    (typeof v === 'string' && v.length > 0 && utf8Length(v) <= PAGE_ID_MAX);
}
const idKey = (v) => `${typeof v}:${v}`;

// deps: {openSession(handlers) -> session, probe() -> Promise<{installed}>,
// now(), setTimeout, clearTimeout, log, limits: {...overrides}}.
export function createBridge(deps = {}) {
  const L = {
    REQUEST_MAX, FRAME_INFLIGHT_MAX, GLOBAL_INFLIGHT_MAX, PORTS_MAX, TAB_PORTS_MAX,
    ORIGIN_PORTS_MAX, PROBE_TTL_MS, PROBE_WAIT_MS, CANCEL_LINGER_MS, EXCHANGE_MAX_MS,
    ...(deps.limits ?? {}),
  };
  const openSession = deps.openSession ?? ((h) => openNativeSession(h));
  const probe = deps.probe ?? (() => hostStatus());
  const now = deps.now ?? (() => Date.now());
  const setT = deps.setTimeout ?? globalThis.setTimeout;
  const clearT = deps.clearTimeout ?? globalThis.clearTimeout;
  const log = deps.log ?? ((...a) => console.warn('kyso bridge:', ...a));

  const frames = new Set();
  let portSeq = 0;
  let inflight = 0; // main requests waiting, all frames
  // Exchanges whose kyso-host process may still run (from its start until
  // session.close() returned): what the limits count, so that at most
  // GLOBAL_INFLIGHT_MAX processes (+ the pool's one spare) exist.
  let open = 0;
  const perTab = new Map(); // "tab origin" -> its frames but the top one holding a port
  const perOrigin = new Map(); // origin (or '') -> frames holding a port
  const bump = (map, k, d) => {
    const n = (map.get(k) ?? 0) + d;
    if (n > 0) map.set(k, n);
    else map.delete(k);
  };
  let probed = null; // {until, promise}

  // kyso-host there? A positive answer is reused for PROBE_TTL_MS; a
  // missing host is asked again next time (the user may just install it).
  // A probe still pending is shared, but never past PROBE_WAIT_MS: it then
  // answers "missing" (and the next hello asks again) whatever the probe
  // does later.
  function probeHost() {
    const t = now();
    if (probed && (probed.until === null ? t - probed.started < L.PROBE_WAIT_MS : t < probed.until))
      return probed.promise;
    const entry = { until: null, started: t, promise: null };
    let timer = null;
    const timeout = new Promise((resolve) => {
      timer = setT(() => {
        timer = null;
        log('kyso-host probe got no answer in time');
        resolve(false);
      }, L.PROBE_WAIT_MS);
    });
    const asked = Promise.resolve()
      .then(() => probe())
      .then((r) => !!r?.installed, () => false);
    entry.promise = Promise.race([asked, timeout])
      .then((ok) => {
        if (timer !== null) clearT(timer);
        timer = null;
        if (ok) entry.until = now() + L.PROBE_TTL_MS;
        else if (probed === entry) probed = null;
        return ok;
      });
    probed = entry;
    return entry.promise;
  }

  function onConnect(port) {
    if (!port || port.name !== BRIDGE_PORT_NAME) return false;
    const where = senderOrigin(port.sender);
    const tabId = Number.isInteger(port.sender?.tab?.id) ? port.sender.tab.id : null;
    const originKey = where.origin ?? '';
    // The per-tab cap counts the frames of one origin in the tab (a
    // third-party widget and its child frames cannot take the slots of the
    // page's own origin), and never counts or refuses the top frame: the
    // page the user opened always gets its port.
    const tabKey = tabId !== null && port.sender?.frameId !== 0 ? `${tabId} ${originKey}` : null;
    const full = frames.size >= L.PORTS_MAX ? 'in this browser'
      : tabKey !== null && (perTab.get(tabKey) ?? 0) >= L.TAB_PORTS_MAX ? 'in this page'
        : (perOrigin.get(originKey) ?? 0) >= L.ORIGIN_PORTS_MAX ? 'for this site' : null;
    if (full) {
      // This frame is refused, not the others; it learns why (BUSY), not
      // that kyso is missing.
      log(`too many frames hold a bridge port ${full}; one refused`);
      try {
        port.postMessage({ t: 'refused', code: 'BUSY',
          message: `too many kyso connections ${full}; try again later` });
      } catch { /* gone */ }
      try { port.disconnect(); } catch { /* gone */ }
      return true;
    }
    const frame = {
      port,
      seq: ++portSeq,
      n: 0,
      origin: where.origin ?? null,
      insecure: !where.origin,
      exchanges: new Set(),
      byMsgId: new Map(), // page message id -> exchange of a request in flight
      inflight: 0,
      fullHello: null, // given to the page once one of its requests had a result
      closed: false,
      tabKey,
      originKey,
    };
    frames.add(frame);
    if (tabKey !== null) bump(perTab, tabKey, 1);
    bump(perOrigin, originKey, 1);
    const post = (m) => {
      if (frame.closed) return;
      try {
        frame.port.postMessage(m);
      } catch {
        // The frame went away meanwhile: its onDisconnect cleans up.
      }
    };
    frame.post = post;
    port.onMessage.addListener((m) => {
      try {
        onFrameMessage(frame, m);
      } catch (e) {
        log('bridge message failed', e);
      }
    });
    port.onDisconnect.addListener(() => closeFrame(frame));
    return true;
  }

  function closeFrame(frame) {
    if (frame.closed) return;
    frame.closed = true;
    frames.delete(frame);
    if (frame.tabKey !== null) bump(perTab, frame.tabKey, -1);
    bump(perOrigin, frame.originKey, -1);
    // Its requests' kyso-host processes see their stdin close and cancel
    // whatever dialog they had open.
    for (const ex of frame.exchanges) finishExchange(frame, ex);
  }

  function release(frame, ex) {
    if (!ex.mainDone) {
      ex.mainDone = true;
      inflight--;
      frame.inflight--;
      if (ex.hasMsgId) frame.byMsgId.delete(idKey(ex.msgId));
    }
  }

  function finishExchange(frame, ex) {
    release(frame, ex);
    if (ex.linger !== null) clearT(ex.linger);
    ex.linger = null;
    if (ex.deadline !== null) clearT(ex.deadline);
    ex.deadline = null;
    ex.pending.clear();
    frame.exchanges.delete(ex);
    ex.session?.close();
    if (ex.counted) {
      ex.counted = false;
      open--;
    }
  }

  function onFrameMessage(frame, m) {
    if (!isPlainObject(m)) return;
    if (m.t === 'hello') return onHelloFromPage(frame);
    if (m.t === 'request') return onRequest(frame, m.id, m.message);
    log('unknown bridge message kind dropped');
  }

  function onHelloFromPage(frame) {
    if (frame.insecure) return frame.post({ t: 'ready', error: 'CONTEXT_INSECURE' });
    probeHost().then((ok) => {
      frame.post(ok ? { t: 'ready', hello: frame.fullHello ?? VERSIONLESS }
        : { t: 'ready', hostMissing: true });
    });
  }

  const fail = (frame, id, code, message) => frame.post({ t: 'error', id, code, message });

  function onRequest(frame, pageId, message) {
    if (!validPageId(pageId)) {
      log('request without a usable id dropped');
      return;
    }
    if (frame.insecure)
      return fail(frame, pageId, 'CONTEXT_INSECURE', 'this page is not a secure context (https)');
    if (!isPlainObject(message) || typeof message.cmd !== 'string')
      return fail(frame, pageId, 'INVALID_ARGUMENT', 'the request is not an object with a cmd');
    // The content script refused these already; a renderer that skips it
    // gets the same answer (the host would refuse them naming no request).
    const problem = jsonValueProblem(message);
    if (problem) return fail(frame, pageId, 'INVALID_ARGUMENT', problem);
    const hasMsgId = Object.hasOwn(message, 'id');
    const msgId = message.id;
    if (hasMsgId && !validPageId(msgId))
      return fail(frame, pageId, 'INVALID_ARGUMENT', 'the request id is not a short string or an integer');
    const answer = (reply) => frame.post({
      t: 'response', id: pageId, message: hasMsgId ? { id: msgId, ...reply } : reply,
    });
    if (EXTENSION_ONLY.has(message.cmd)) {
      return answer({ error: { code: 'ORIGIN_DENIED',
        message: 'origins and forget-origin are for the kyso extension itself' } });
    }
    if (message.cmd === 'cancel') return onCancel(frame, pageId, message, hasMsgId, msgId, answer);
    if (hasMsgId && frame.byMsgId.has(idKey(msgId)))
      return fail(frame, pageId, 'INVALID_ARGUMENT', 'a request with this id is still waiting');
    // Counted until their process was closed: a reply's linger for a
    // crossing cancel still holds one.
    if (frame.exchanges.size >= L.FRAME_INFLIGHT_MAX || open >= L.GLOBAL_INFLIGHT_MAX)
      return fail(frame, pageId, 'BUSY', 'too many kyso requests waiting; try again when one is answered');

    const ourId = `p${frame.seq}.${++frame.n}`;
    // The page's keys, then ours: its "id" and any "origin" it wrote are
    // replaced (spread defines own properties: a "__proto__" key stays a
    // key, which the host refuses as an extra key).
    const sent = { ...message, id: ourId, origin: frame.origin };
    if (jsonBytes(sent) > L.REQUEST_MAX)
      return fail(frame, pageId, 'INVALID_ARGUMENT', 'request larger than 64 KiB');

    const ex = {
      session: null, pending: new Map(), full: null, mainDone: false, linger: null,
      hasMsgId, msgId, cancels: 0, ourId, deadline: null, counted: true,
    };
    ex.pending.set(ourId, { kind: 'main', pageId, hasMsgId, msgId });
    frame.exchanges.add(ex);
    if (hasMsgId) frame.byMsgId.set(idKey(msgId), ex);
    inflight++;
    frame.inflight++;
    open++;
    // Whatever the host does (or does not), the page gets an answer and the
    // slot comes back.
    ex.deadline = setT(() => {
      ex.deadline = null;
      onGone(frame, ex, 'HOST_DISCONNECTED', 'kyso-host did not answer in time', false);
    }, L.EXCHANGE_MAX_MS);
    ex.session = openSession({
      onHello: (h) => { if (isFullHello(h)) ex.full = h; },
      onReply: (r) => onReply(frame, ex, r),
      onGone: (code, why) => onGone(frame, ex, code, why),
    });
    if (frame.exchanges.has(ex)) ex.session.post(sent);
  }

  function onCancel(frame, pageId, message, hasMsgId, msgId, answer) {
    const target = message.request;
    const ex = (typeof target === 'string' || Number.isSafeInteger(target))
      ? frame.byMsgId.get(idKey(target)) : undefined;
    // Nothing of this page's is waiting under that id: what the host says.
    if (!ex || ex.mainDone) return answer({ result: { cancelled: false } });
    if (ex.cancels >= CANCELS_PER_REQUEST_MAX)
      return fail(frame, pageId, 'BUSY', 'this request is being cancelled already');
    ex.cancels++;
    const ourId = `p${frame.seq}.${++frame.n}`;
    ex.pending.set(ourId, { kind: 'cancel', pageId, hasMsgId, msgId });
    ex.session.post({ id: ourId, cmd: 'cancel', request: ex.ourId, origin: frame.origin });
  }

  function onReply(frame, ex, r) {
    if (frame.closed || !frame.exchanges.has(ex)) return;
    // The host could not read a request ({"id":null,"error":...}): on this
    // process, one main request was sent; it fails with the host's error
    // (a cancel's message is built by us and always readable).
    if (isPlainObject(r) && r.id === null && isPlainObject(r.error) && !ex.mainDone &&
        (!Object.hasOwn(r, 'origin') || r.origin === frame.origin)) {
      const entry = ex.pending.get(ex.ourId);
      const error = {
        code: typeof r.error.code === 'string' ? r.error.code.slice(0, 64) : 'INVALID_ARGUMENT',
        message: typeof r.error.message === 'string' ? r.error.message.slice(0, 1024) : 'kyso-host could not read the request',
      };
      const rest = [...ex.pending.values()].filter((p) => p !== entry);
      finishExchange(frame, ex);
      if (entry) {
        frame.post({ t: 'response', id: entry.pageId,
          message: entry.hasMsgId ? { id: entry.msgId, error } : { error } });
      }
      for (const p of rest)
        frame.post({ t: 'response', id: p.pageId,
          message: p.hasMsgId ? { id: p.msgId, result: { cancelled: false } } : { result: { cancelled: false } } });
      return;
    }
    const entry = isPlainObject(r) && typeof r.id === 'string' ? ex.pending.get(r.id) : undefined;
    if (!entry) {
      log('dropped a host reply with an id this request did not send');
      return;
    }
    if (!Object.hasOwn(r, 'origin') || r.origin !== frame.origin) {
      log('dropped a host reply whose origin is not the page\'s');
      return;
    }
    ex.pending.delete(r.id);
    const reply = { ...r };
    delete reply.origin;
    if (entry.hasMsgId) reply.id = entry.msgId;
    else delete reply.id;
    if (entry.kind === 'main') {
      release(frame, ex);
      // The page learns the host's version once it was served.
      if (Object.hasOwn(r, 'result') && !frame.fullHello && ex.full) {
        frame.fullHello = ex.full;
        frame.post({ t: 'hello', hello: ex.full });
      }
    }
    frame.post({ t: 'response', id: entry.pageId, message: reply });
    if (!ex.mainDone) return;
    if (ex.pending.size === 0) {
      finishExchange(frame, ex);
    } else if (ex.linger === null) {
      // A cancel crossed the reply: give the host a moment to answer it.
      ex.linger = setT(() => {
        ex.linger = null;
        for (const p of ex.pending.values())
          frame.post({ t: 'response', id: p.pageId,
            message: p.hasMsgId ? { id: p.msgId, result: { cancelled: false } } : { result: { cancelled: false } } });
        finishExchange(frame, ex);
      }, L.CANCEL_LINGER_MS);
    }
  }

  // ended: the session ended by itself (else it is closed here).
  function onGone(frame, ex, code, why, ended = true) {
    if (!frame.exchanges.has(ex)) return;
    const pending = [...ex.pending.values()];
    if (ended) ex.session = null;
    finishExchange(frame, ex);
    for (const p of pending) fail(frame, p.pageId, code, why);
  }

  return {
    onConnect,
    // For tests and the popup: what is held now.
    stats: () => ({ frames: frames.size, inflight, open }),
  };
}
