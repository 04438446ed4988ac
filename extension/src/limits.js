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
// says hello to kyso); more are disconnected at once.
export const PORTS_MAX = 256;

// A page's own ids: the bridge id (N) and the host-level "id" of its message.
export const PAGE_ID_MAX = 64; // characters of a string id

// How long a "host is there" answer is reused for a page's hello (ms) before
// kyso-host is started again to check; a missing host is never remembered.
export const PROBE_TTL_MS = 30000;

// The spare kyso-host (native.js, createSessionPool) started ahead for the
// next request ends after this long (ms) unused.
export const SPARE_IDLE_MS = 30000;

// kyso-host must greet within this time (ms) after it was started.
export const HELLO_WAIT_MS = 10000;

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
