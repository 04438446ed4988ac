// bridge-filter.js - classic script, loaded before content.js (manifest
// content_scripts) and by the node tests through vm: which window messages
// the content script takes as the page speaking to kyso, and the copy of
// the request it passes on. Pure functions on globalThis.kysoBridgeFilter.
//
// Taken: event.source === the frame's own window (so event.origin is the
// page's own origin), event.data a plain object with bridge === 1 and kyso
// 'hello' or 'request' as data properties (a getter is never called), an
// origin to answer to (an opaque "null" one gets no answer: no reply is ever
// posted to '*'). A request's message is copied through JSON (no getters,
// prototypes or shared objects survive), at most REQUEST_MAX bytes of UTF-8,
// an object with a string cmd, no __proto__ / constructor / prototype key
// at any depth, nested at most JSON_DEPTH_MAX deep, every string and key
// well-formed UTF-16 without U+0000; else it is refused with
// INVALID_ARGUMENT for its id.
(() => {
  'use strict';

  const REQUEST_MAX = 65536; // = limits.js REQUEST_MAX (tests check both)
  const PAGE_ID_MAX = 64; // = limits.js PAGE_ID_MAX
  const CMD_MAX = 64;
  const JSON_DEPTH_MAX = 32; // = limits.js JSON_DEPTH_MAX
  const FORBIDDEN_KEYS = ['__proto__', 'constructor', 'prototype'];

  function utf8Length(s) {
    let n = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) n += 1;
      else if (c < 0x800) n += 2;
      else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length &&
               (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
        n += 4;
        i++;
      } else n += 3;
    }
    return n;
  }

  // An object literal's shape (its prototype Object.prototype of some realm,
  // or null); not an array, class instance, Map, Date...
  function isPlainRecord(v) {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
    const p = Object.getPrototypeOf(v);
    return p === null || Object.getPrototypeOf(p) === null;
  }

  // An own data property's value; undefined for a getter or nothing.
  function dataProp(obj, key) {
    const d = Object.getOwnPropertyDescriptor(obj, key);
    return d && Object.hasOwn(d, 'value') ? d.value : undefined;
  }

  function validId(v) {
    if (typeof v === 'number') return Number.isSafeInteger(v);
    return typeof v === 'string' && v.length > 0 && v.length <= PAGE_ID_MAX &&
      utf8Length(v) <= PAGE_ID_MAX;
  }

  // Well-formed UTF-16 (no lone surrogate), without U+0000.
  function goodText(s) {
    if (s.includes('\u0000')) return false;
    if (typeof s.isWellFormed === 'function') return s.isWellFormed();
    return !/[\ud800-\udbff](?![\udc00-\udfff])|(?:^|[^\ud800-\udbff])[\udc00-\udfff]/.test(s);
  }

  // A parsed JSON value: nesting at most JSON_DEPTH_MAX, every string and
  // key good text (kyso-host's parser refuses the rest with a reply that
  // names no request). -> null | why not.
  function valueProblem(v, depth) {
    if (typeof v === 'string') return goodText(v) ? null : 'the request has a string that is not well-formed text';
    if (!v || typeof v !== 'object') return null;
    if (depth >= JSON_DEPTH_MAX) return 'the request is nested too deep';
    for (const k of Object.keys(v)) {
      if (!goodText(k)) return 'the request has a key that is not well-formed text';
      const p = valueProblem(v[k], depth + 1);
      if (p) return p;
    }
    return null;
  }

  // UTF-8 bytes of json <= REQUEST_MAX, cheaply refusing the huge.
  function withinCap(json) {
    return typeof json === 'string' && json.length <= REQUEST_MAX && utf8Length(json) <= REQUEST_MAX;
  }

  // The page's message -> {value} (a fresh JSON copy) | {error}.
  function copyMessage(raw) {
    if (!isPlainRecord(raw)) return { error: 'the request is not an object' };
    let json;
    try {
      json = JSON.stringify(raw);
    } catch {
      return { error: 'the request is not JSON' };
    }
    if (typeof json !== 'string') return { error: 'the request is not JSON' };
    if (!withinCap(json)) return { error: 'request larger than 64 KiB' };
    let bad = false;
    let value;
    try {
      value = JSON.parse(json, function reviver(key, v) {
        if (FORBIDDEN_KEYS.includes(key)) bad = true;
        return v;
      });
    } catch {
      return { error: 'the request is not JSON' }; // too deep for the parser
    }
    if (bad) return { error: 'the request has a forbidden key' };
    const problem = valueProblem(value, 0);
    if (problem) return { error: problem };
    const cmd = Object.hasOwn(value, 'cmd') ? value.cmd : undefined;
    if (typeof cmd !== 'string' || cmd.length === 0 || cmd.length > CMD_MAX)
      return { error: 'the request has no cmd' };
    return { value };
  }

  // event, win (the content script's window) ->
  //   null                                   not for kyso: ignore
  //   {kind:'hello', origin}
  //   {kind:'request', origin, id, message}
  //   {kind:'refuse', origin, id, code, message}
  function acceptPageMessage(event, win) {
    try {
      if (!event || event.source !== win) return null;
      const data = event.data;
      if (!isPlainRecord(data)) return null;
      if (dataProp(data, 'bridge') !== 1) return null;
      const kind = dataProp(data, 'kyso');
      if (kind !== 'hello' && kind !== 'request') return null;
      const origin = event.origin;
      // Nowhere to answer an opaque origin without posting to '*'.
      if (typeof origin !== 'string' || origin === 'null' || origin.length === 0 ||
          origin.length > 2048)
        return null;
      if (kind === 'hello') return { kind, origin };
      const id = dataProp(data, 'id');
      if (!validId(id)) return null;
      const r = copyMessage(dataProp(data, 'message'));
      if (r.error) return { kind: 'refuse', origin, id, code: 'INVALID_ARGUMENT', message: r.error };
      return { kind, origin, id, message: r.value };
    } catch {
      return null; // a proxy that throws, and the like
    }
  }

  globalThis.kysoBridgeFilter = Object.freeze({
    REQUEST_MAX, PAGE_ID_MAX, JSON_DEPTH_MAX, acceptPageMessage, copyMessage, utf8Length, withinCap, validId,
    isPlainRecord,
  });
})();
