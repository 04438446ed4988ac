// content-fetch.js - classic content script (listed after content.js): the
// built-in verifier's way to fetch a linked file WITH THE USER'S SESSION,
// from inside the frame that showed the link (same cookies, same origin
// rules as the page itself).
//
// Only the extension's own pages can reach it: api.tabs.connect(tabId,
// {frameId, name: 'kyso-fetch'}) from the verifier page; a port from anything
// else is disconnected at once. Protocol on the port:
//   verifier -> {t: 'fetch', url, expectOrigin}
//               expectOrigin: the origin of the frame (else the page) the
//               user clicked in, recorded at the click (menu.js): a frame
//               that navigated since (to a victim's origin, whose cookies
//               the fetch would carry) is refused, PAGE_CHANGED.
//   here     -> {t: 'start', size: <Content-Length or null>, type, disposition, url: <final URL>}
//               {t: 'chunk', data: <base64, at most CHUNK_MAX bytes decoded>}...
//               {t: 'end', size}
//             | {t: 'error', code, message}
//   codes: PAGE_CHANGED (this frame's origin is not expectOrigin, or none
//   was sent), BAD_URL (not http/https), HTTP_ERROR (status), NOT_PDF (no "%PDF-"
//   in the first KiB), TOO_BIG (over FETCH_MAX), NETWORK (fetch refused: CORS,
//   offline), ABORTED, REDIRECT (the verifier's own fetch only: it follows no
//   redirect, which could lead the user's cookies to another origin).
// A disconnect from the verifier aborts the fetch.
(() => {
  'use strict';
  const api = globalThis.browser ?? globalThis.chrome;
  const FETCH_MAX = 100 * 1024 * 1024;
  const CHUNK_MAX = 1024 * 1024;
  const SNIFF = 1024;
  const MAGIC = [0x25, 0x50, 0x44, 0x46, 0x2d]; // %PDF-

  function hasPdfMagic(bytes) {
    const n = Math.min(bytes.length, SNIFF) - MAGIC.length;
    outer: for (let i = 0; i <= n; i++) {
      for (let j = 0; j < MAGIC.length; j++) if (bytes[i + j] !== MAGIC[j]) continue outer;
      return true;
    }
    return false;
  }

  function toBase64(bytes) {
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000)
      s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return btoa(s);
  }

  function fromExtensionPage(port) {
    const s = port.sender;
    if (!s || s.id !== api.runtime.id) return false;
    const base = api.runtime.getURL('');
    // Chromium gives the extension page's URL; without one, only a sender
    // with no tab (not another content script) passes.
    if (typeof s.url === 'string') return s.url.startsWith(base);
    return !s.tab;
  }

  // Streams url to port; returns when done. fetchFn for tests. opts.own:
  // the verifier page's own fetch (extension origin, host permission): no
  // redirect is followed.
  async function serve(port, url, fetchFn, signal, opts = {}) {
    const post = (m) => port.postMessage(m);
    let u;
    try {
      u = new URL(url, globalThis.location?.href);
    } catch {
      u = null;
    }
    if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:')) {
      post({ t: 'error', code: 'BAD_URL', message: 'only http and https URLs are fetched' });
      return;
    }
    let r;
    try {
      r = await fetchFn(u.href, { credentials: 'include', redirect: opts.own ? 'manual' : 'follow', cache: 'no-store', signal });
    } catch (e) {
      post({ t: 'error', code: signal?.aborted ? 'ABORTED' : 'NETWORK', message: String(e?.message ?? e) });
      return;
    }
    if (opts.own && (r.type === 'opaqueredirect' || r.redirected || (r.status >= 300 && r.status < 400))) {
      r.body?.cancel().catch(() => {});
      post({ t: 'error', code: 'REDIRECT', message: 'the server answered with a redirect; it is not followed' });
      return;
    }
    if (!r.ok) {
      post({ t: 'error', code: 'HTTP_ERROR', status: r.status, message: `HTTP ${r.status}` });
      return;
    }
    const lenHeader = r.headers.get('content-length');
    const size = lenHeader && /^\d+$/.test(lenHeader) ? Number(lenHeader) : null;
    if (size !== null && size > FETCH_MAX) {
      post({ t: 'error', code: 'TOO_BIG', max: FETCH_MAX, message: `larger than ${FETCH_MAX} bytes` });
      return;
    }
    const reader = r.body.getReader();
    let total = 0;
    let head = new Uint8Array(0); // the first SNIFF bytes, until judged
    let judged = false;
    let pending = []; // bytes held until a chunk is full
    let pendingLen = 0;
    const flush = (all) => {
      while (pendingLen >= CHUNK_MAX || (all && pendingLen > 0)) {
        const n = Math.min(CHUNK_MAX, pendingLen);
        const out = new Uint8Array(n);
        let at = 0;
        while (at < n) {
          const p = pending[0];
          const take = Math.min(p.length, n - at);
          out.set(p.subarray(0, take), at);
          at += take;
          if (take === p.length) pending.shift();
          else pending[0] = p.subarray(take);
        }
        pendingLen -= n;
        post({ t: 'chunk', data: toBase64(out) });
      }
    };
    const fail = (m) => {
      reader.cancel().catch(() => {});
      post({ t: 'error', ...m });
    };
    for (;;) {
      let step;
      try {
        step = await reader.read();
      } catch (e) {
        post({ t: 'error', code: signal?.aborted ? 'ABORTED' : 'NETWORK', message: String(e?.message ?? e) });
        return;
      }
      if (step.done) break;
      const v = step.value;
      total += v.length;
      if (total > FETCH_MAX)
        return fail({ code: 'TOO_BIG', max: FETCH_MAX, message: `larger than ${FETCH_MAX} bytes` });
      if (!judged) {
        const h = new Uint8Array(head.length + v.length);
        h.set(head);
        h.set(v, head.length);
        head = h;
        if (head.length < SNIFF) continue;
        judged = true;
        if (!hasPdfMagic(head)) return fail({ code: 'NOT_PDF', message: 'no %PDF- header in the first KiB' });
        post({ t: 'start', size, type: r.headers.get('content-type'),
          disposition: r.headers.get('content-disposition'), url: r.url || u.href });
        pending.push(head);
        pendingLen += head.length;
      } else {
        pending.push(v);
        pendingLen += v.length;
      }
      flush(false);
    }
    if (!judged) {
      if (!hasPdfMagic(head)) return fail({ code: 'NOT_PDF', message: 'no %PDF- header in the first KiB' });
      post({ t: 'start', size, type: r.headers.get('content-type'),
        disposition: r.headers.get('content-disposition'), url: r.url || u.href });
      pending.push(head);
      pendingLen += head.length;
    }
    flush(true);
    post({ t: 'end', size: total });
  }

  // here(): this frame's origin now (tests pass their own).
  function onConnect(port, fetchFn = globalThis.fetch.bind(globalThis),
    here = () => globalThis.location?.origin) {
    if (port.name !== 'kyso-fetch') return;
    if (!fromExtensionPage(port)) {
      port.disconnect();
      return;
    }
    const ctl = new AbortController();
    let busy = false;
    let gone = false;
    port.onDisconnect.addListener(() => {
      gone = true;
      ctl.abort();
    });
    port.onMessage.addListener((m) => {
      if (busy || !m || typeof m !== 'object' || m.t !== 'fetch' || typeof m.url !== 'string') {
        if (!gone) port.disconnect();
        ctl.abort();
        return;
      }
      busy = true;
      const safePort = { postMessage: (x) => { if (!gone) port.postMessage(x); } };
      const origin = here();
      if (typeof m.expectOrigin !== 'string' || typeof origin !== 'string' || origin === 'null' ||
          origin !== m.expectOrigin) {
        safePort.postMessage({ t: 'error', code: 'PAGE_CHANGED',
          message: 'the page is no longer the one the link was clicked in' });
        return;
      }
      serve(safePort, m.url, fetchFn, ctl.signal)
        .catch((e) => safePort.postMessage({ t: 'error', code: 'NETWORK', message: String(e?.message ?? e) }));
    });
  }

  globalThis.kysoContentFetch = { onConnect, serve, hasPdfMagic, FETCH_MAX, CHUNK_MAX, SNIFF };
  // In a content script only (no tabs API there); the verifier page loads
  // this file for serve() alone.
  if (api?.runtime?.onConnect && !api.tabs) api.runtime.onConnect.addListener((port) => onConnect(port));
})();
