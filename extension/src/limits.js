// limits.js - the bounds the extension puts on what pages ask of kyso-host
// through it. Every page of every tab shares the user's one kyso: these keep
// one page (or many) from starting host processes without end.

// A request to the host, as the extension sends it (the page's message with
// the extension's id and the page's origin), in UTF-8 bytes of its JSON:
// kyso-host's own cap (native-host/PROTOCOL.md, Limits). Also the content
// script's cap on the page's message (bridge-filter.js, same number).
export const REQUEST_MAX = 65536;

// Requests of one frame waiting for their reply at once (each one is a
// kyso-host process of its own). kyso.js keeps at most 4 timestamps plus one
// sign or certificates in flight; past this: BUSY.
export const FRAME_INFLIGHT_MAX = 8;

// Requests of every page together waiting at once.
export const GLOBAL_INFLIGHT_MAX = 32;

// Frames holding a bridge port at once (a frame connects only when its page
// says hello to kyso, and keeps it while it waits for something); more are
// refused (BUSY) and disconnected at once.
export const PORTS_MAX = 256;

// Frames of one origin in one tab (the top frame not counted, never
// refused by it), and of one page origin in all, holding a bridge port at
// once (besides PORTS_MAX): one tab full of iframes cannot take every port,
// and a third-party widget's frames cannot take the page's own. The frame
// past them is refused (BUSY, "too many kyso connections in this page"),
// not the others.
export const TAB_PORTS_MAX = 16;
export const ORIGIN_PORTS_MAX = 32;

// A page's own ids: the bridge id (N) and the host-level "id" of its message.
export const PAGE_ID_MAX = 64; // characters of a string id

// Nesting of objects and arrays in a page's request (= bridge-filter.js):
// PROTOCOL.md's deepest request is 4 levels; Chromium's native messaging
// cannot serialise very deep JSON (the port would fail as if no host).
export const JSON_DEPTH_MAX = 32;

// A request (and the cancel that may follow it) ends within this time (ms)
// whatever the host does: HOST_DISCONNECTED, its kyso-host process closed.
// Longer than the host's longest wait: user_timeout at its config maximum
// (3600 s, host_config.c) plus the signing of a batch and its LTV fetches.
export const EXCHANGE_MAX_MS = 65 * 60 * 1000;

// How long a "host is there" answer is reused for a page's hello (ms) before
// kyso-host is started again to check; a missing host is never remembered.
export const PROBE_TTL_MS = 30000;

// The spare kyso-host (native.js, createSessionPool) started ahead for the
// next request ends after this long (ms) unused.
export const SPARE_IDLE_MS = 30000;

// kyso-host must greet within this time (ms) after it was started.
export const HELLO_WAIT_MS = 10000;

// A page's hello waits at most this long (ms) for the "is kyso-host there"
// probe; past it the page is told the host is missing and the probe is not
// reused (a little over HELLO_WAIT_MS: the probe's own limit comes first).
export const PROBE_WAIT_MS = HELLO_WAIT_MS + 2000;

// After a request's reply, how long (ms) its port stays open for the answer
// to a cancel that crossed it; then that cancel is answered {cancelled:false}.
export const CANCEL_LINGER_MS = 5000;

// UTF-8 length of a string, without encoding it.
export function utf8Length(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length &&
             (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3; // a lone surrogate: U+FFFD, if it ever came to bytes
  }
  return n;
}

// The UTF-8 size of value's JSON, or Infinity when it has none.
export function jsonBytes(value) {
  let s;
  try {
    s = JSON.stringify(value);
  } catch {
    return Infinity;
  }
  if (typeof s !== 'string') return Infinity;
  // Never fewer bytes than UTF-16 units: cheap refusal of the huge.
  if (s.length > REQUEST_MAX) return s.length;
  return utf8Length(s);
}

// A JSON value as a page may send it: objects and arrays nested at most
// depthMax deep, every string and key well-formed UTF-16 (no lone
// surrogate: the host's UTF-8 parser refuses one, and its refusal names no
// request) without U+0000. -> null when fine, else why not.
export function jsonValueProblem(value, depthMax = JSON_DEPTH_MAX) {
  const badString = (s) => s.includes('\u0000') || !isWellFormed(s);
  const walk = (v, depth) => {
    if (typeof v === 'string') return badString(v) ? 'a string is not well-formed text (lone surrogate or U+0000)' : null;
    if (!v || typeof v !== 'object') return null;
    if (depth >= depthMax) return `the request is nested deeper than ${depthMax}`;
    for (const k of Object.keys(v)) {
      if (badString(k)) return 'a key is not well-formed text (lone surrogate or U+0000)';
      const p = walk(v[k], depth + 1);
      if (p) return p;
    }
    return null;
  };
  return walk(value, 0);
}

// String.prototype.isWellFormed, where the engine lacks it.
export function isWellFormed(s) {
  if (typeof s.isWellFormed === 'function') return s.isWellFormed();
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?:^|[^\ud800-\udbff])[\udc00-\udfff]/.test(s);
}
