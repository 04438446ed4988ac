// filter_unit.mjs - extension.unit_filter: the content script's filter
// (extension/src/bridge-filter.js, loaded through vm as the browser loads a
// classic content script): which window messages are the page speaking to
// kyso, and the copy of a request passed on. node only.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import * as limits from '../../extension/src/limits.js';

const SRC = new URL('../../extension/src/bridge-filter.js', import.meta.url);
const ctx = vm.createContext({});
vm.runInContext(readFileSync(SRC, 'utf8'), ctx, { filename: 'bridge-filter.js' });
const F = ctx.kysoBridgeFilter;
const win = { name: 'the frame' };
const ORIGIN = 'https://vanban.tiengiang.gov.vn';
const ev = (data, over = {}) => ({ source: win, origin: ORIGIN, data, ...over });
const hello = { kyso: 'hello', bridge: 1 };
const req = (message, ...rest) => ({ kyso: 'request', bridge: 1, id: rest.length ? rest[0] : 1, message });

test('the filter is loaded as a frozen global with the limits of limits.js', () => {
  assert.ok(F && Object.isFrozen(F));
  assert.equal(F.REQUEST_MAX, limits.REQUEST_MAX);
  assert.equal(F.REQUEST_MAX, 65536);
  assert.equal(F.PAGE_ID_MAX, limits.PAGE_ID_MAX);
});

test('hello from the window itself is taken, with the page origin to answer to', () => {
  assert.deepEqual({ ...F.acceptPageMessage(ev(hello), win) }, { kind: 'hello', origin: ORIGIN });
  assert.equal(F.acceptPageMessage(ev(hello, { origin: 'http://localhost:19820' }), win).origin, 'http://localhost:19820');
});

test('event.source must be the window itself', () => {
  assert.equal(F.acceptPageMessage(ev(hello, { source: { name: 'another frame' } }), win), null);
  assert.equal(F.acceptPageMessage(ev(hello, { source: null }), win), null);
  assert.equal(F.acceptPageMessage(ev(hello, { source: undefined }), win), null);
  assert.equal(F.acceptPageMessage(null, win), null);
  assert.equal(F.acceptPageMessage(undefined, win), null);
});

test('bridge must be exactly 1', () => {
  for (const bridge of [undefined, 0, 2, '1', true, 1.5, [1], { valueOf: () => 1 }])
    assert.equal(F.acceptPageMessage(ev({ kyso: 'hello', bridge }), win), null, `bridge ${String(bridge)}`);
});

test('only the kinds hello and request, exactly', () => {
  for (const kyso of ['ack', 'ready', 'response', 'error', 'Hello', 'HELLO', 'hello ', '', undefined, null, 1, ['hello']])
    assert.equal(F.acceptPageMessage(ev({ kyso, bridge: 1, id: 1, message: { cmd: 'x' } }), win), null, `kind ${String(kyso)}`);
});

test('data that is not a plain object is ignored', () => {
  class Msg { constructor() { this.kyso = 'hello'; this.bridge = 1; } }
  const arr = Object.assign(['x'], { kyso: 'hello', bridge: 1 });
  for (const data of ['kyso:hello', 1, null, undefined, true, arr, new Msg(), new Map([['kyso', 'hello']]),
    Object.assign(new Date(), { kyso: 'hello', bridge: 1 }), () => {}])
    assert.equal(F.acceptPageMessage(ev(data), win), null, `data ${Object.prototype.toString.call(data)}`);
  // A null-prototype object literal is fine (structured clone never makes one, a vm may).
  assert.equal(F.acceptPageMessage(ev(Object.assign(Object.create(null), hello)), win).kind, 'hello');
});

test('getters on the envelope are never called and never count', () => {
  let called = 0;
  const data = { bridge: 1 };
  Object.defineProperty(data, 'kyso', { get() { called++; return 'hello'; }, enumerable: true });
  assert.equal(F.acceptPageMessage(ev(data), win), null);
  const d2 = { kyso: 'request', id: 1, message: { cmd: 'certificates' } };
  Object.defineProperty(d2, 'bridge', { get() { called++; return 1; }, enumerable: true });
  assert.equal(F.acceptPageMessage(ev(d2), win), null);
  const d3 = { kyso: 'request', bridge: 1, message: { cmd: 'certificates' } };
  Object.defineProperty(d3, 'id', { get() { called++; return 7; }, enumerable: true });
  assert.equal(F.acceptPageMessage(ev(d3), win), null, 'an id behind a getter: nothing to answer to');
  assert.equal(called, 0);
  // An inherited kyso does not count either.
  assert.equal(F.acceptPageMessage(ev(Object.assign(Object.create({ kyso: 'hello' }), { bridge: 1 })), win), null);
});

test('proxies that throw, or lie, do not get through or break the filter', () => {
  const thrower = new Proxy({}, {
    getPrototypeOf() { throw new Error('boom'); },
    getOwnPropertyDescriptor() { throw new Error('boom'); },
  });
  assert.equal(F.acceptPageMessage(ev(thrower), win), null);
  // A proxy that looks like a request: its message is copied once, through
  // JSON, so what is passed on cannot change afterwards.
  let n = 0;
  const shifty = new Proxy({ cmd: 'certificates', id: 'k1' }, {
    get(t, k) { n++; return k === 'cmd' && n > 3 ? 'origins' : t[k]; },
  });
  const a = F.acceptPageMessage(ev(req(shifty)), win);
  assert.equal(a.kind, 'request');
  const d = Object.getOwnPropertyDescriptor(a.message, 'cmd');
  assert.ok(Object.hasOwn(d, 'value') && typeof d.value === 'string', 'cmd is plain data in the copy');
  assert.equal(a.message.cmd, a.message.cmd);
  assert.equal(n > 0, true);
  const sourceThrows = { get source() { throw new Error('boom'); }, origin: ORIGIN, data: hello };
  assert.equal(F.acceptPageMessage(sourceThrows, win), null);
});

test('an opaque or missing origin gets no answer at all (never posted to "*")', () => {
  for (const origin of ['null', '', undefined, null, 42, 'x'.repeat(3000)])
    assert.equal(F.acceptPageMessage(ev(hello, { origin }), win), null, `origin ${String(origin).slice(0, 10)}`);
});

test('a request needs an id the answer can name: safe integer or short string', () => {
  for (const id of [undefined, null, 1.5, NaN, Infinity, -0.5, 2 ** 53, '', 'x'.repeat(65), 'ệ'.repeat(22), {}, [1], true])
    assert.equal(F.acceptPageMessage(ev(req({ cmd: 'certificates' }, id)), win), null, `id ${String(id).slice(0, 10)}`);
  for (const id of [0, 1, 2 ** 53 - 1, -3, 'k1', 'x'.repeat(64), 'ệ'.repeat(21)])
    assert.equal(F.acceptPageMessage(ev(req({ cmd: 'certificates' }, id)), win).kind, 'request', `id ${String(id).slice(0, 10)}`);
});

test('a request that is not an object with a cmd is refused with INVALID_ARGUMENT for its id', () => {
  for (const message of [undefined, null, 'certificates', 7, ['cmd'], {}, { cmd: 7 }, { cmd: '' },
    { cmd: 'x'.repeat(65) }, { cmd: ['sign'] }, new Date()]) {
    const a = F.acceptPageMessage(ev(req(message, 9)), win);
    assert.equal(a.kind, 'refuse', `message ${JSON.stringify(message)}`);
    assert.equal(a.code, 'INVALID_ARGUMENT');
    assert.equal(a.id, 9);
    assert.equal(a.origin, ORIGIN);
  }
  const inherited = Object.create({ cmd: 'certificates' });
  assert.equal(F.acceptPageMessage(ev(req(inherited)), win).kind, 'refuse');
});

test('the request is passed on as a fresh JSON copy', () => {
  const inner = { signedAttributes: 'MQ==', name: 'a.pdf' };
  const message = { id: 'k1', cmd: 'sign', certificate: 'ab', documents: [inner] };
  let got = 0;
  Object.defineProperty(message, 'extra', { get() { got++; return 'x'; }, enumerable: true });
  const a = F.acceptPageMessage(ev(req(message)), win);
  assert.equal(a.kind, 'request');
  inner.name = 'changed.pdf';
  assert.equal(a.message.documents[0].name, 'a.pdf', 'later changes of the page object do not reach the copy');
  assert.equal(Object.getOwnPropertyDescriptor(a.message, 'extra').value, 'x', 'a getter became plain data');
  assert.equal(got, 1, 'read once');
  const cyc = { cmd: 'certificates' };
  cyc.self = cyc;
  assert.equal(F.acceptPageMessage(ev(req(cyc)), win).kind, 'refuse');
  assert.equal(F.acceptPageMessage(ev(req({ cmd: 'certificates', n: 10n })), win).kind, 'refuse');
  const toJSONer = { cmd: 'certificates', toJSON: () => 'certificates' };
  assert.equal(F.acceptPageMessage(ev(req(toJSONer)), win).kind, 'refuse', 'a toJSON that makes it a string');
});

test('prototype-pollution keys are refused at any depth', () => {
  const bad = [
    JSON.parse('{"cmd":"certificates","__proto__":{"polluted":1}}'),
    { cmd: 'sign', documents: [JSON.parse('{"__proto__":{"x":1}}')] },
    { cmd: 'certificates', constructor: { prototype: { x: 1 } } },
    { cmd: 'sign', documents: [{ prototype: 1 }] },
  ];
  for (const message of bad) {
    const a = F.acceptPageMessage(ev(req(message)), win);
    assert.equal(a.kind, 'refuse', Object.keys(message).join());
    assert.equal(a.code, 'INVALID_ARGUMENT');
  }
  assert.equal(({}).polluted, undefined);
  assert.equal(vm.runInContext('({}).polluted', ctx), undefined);
  // The words as values are fine.
  assert.equal(F.acceptPageMessage(ev(req({ cmd: 'sign', name: '__proto__' })), win).kind, 'request');
});

// A message whose JSON is exactly `bytes` long in UTF-8, padded with `ch`.
function sized(bytes, ch = 'a') {
  const base = Buffer.byteLength(JSON.stringify({ id: 'k1', cmd: 'sign', pad: '' }));
  const per = Buffer.byteLength(ch);
  const k = Math.floor((bytes - base) / per);
  const pad = ch.repeat(k) + 'a'.repeat(bytes - base - k * per);
  const m = { id: 'k1', cmd: 'sign', pad };
  assert.equal(Buffer.byteLength(JSON.stringify(m)), bytes);
  return m;
}

test('size cap: exactly 64 KiB of UTF-8 passes, one byte more is refused', () => {
  for (const ch of ['a', 'é', 'ệ', '𝔸']) {
    const ok = F.acceptPageMessage(ev(req(sized(65536, ch))), win);
    assert.equal(ok.kind, 'request', `65536 bytes of ${ch}`);
    const over = F.acceptPageMessage(ev(req(sized(65537, ch))), win);
    assert.equal(over.kind, 'refuse', `65537 bytes of ${ch}`);
    assert.match(over.message, /64 KiB/);
  }
  // Multibyte: far fewer characters than bytes.
  const viet = { cmd: 'sign', pad: 'ệ'.repeat(22000) }; // 66000 bytes, 22000 chars
  assert.equal(F.acceptPageMessage(ev(req(viet)), win).kind, 'refuse');
  // JSON escapes count as written: a quote is 2 bytes, a control char 6.
  const esc = { cmd: 'sign', pad: '"'.repeat(33000) };
  assert.equal(F.acceptPageMessage(ev(req(esc)), win).kind, 'refuse');
});

test('a huge string is refused without trouble', () => {
  const t0 = Date.now();
  const a = F.acceptPageMessage(ev(req({ cmd: 'sign', pad: 'x'.repeat(16 * 1024 * 1024) })), win);
  assert.equal(a.kind, 'refuse');
  assert.ok(Date.now() - t0 < 2000, 'quick');
  assert.equal(F.acceptPageMessage(ev({ kyso: 'x'.repeat(1 << 24), bridge: 1 }), win), null);
  assert.equal(F.acceptPageMessage(ev(req({ cmd: 'certificates' }, 'x'.repeat(1 << 24))), win), null);
});

test('utf8Length agrees with Buffer.byteLength', () => {
  const samples = ['', 'abc', 'Nguyễn Văn A', '𝔸𝔹', 'a\u0000b', '\u07ff\u0800\uffff', 'ký số ✓ 🖋'];
  for (const s of samples) assert.equal(F.utf8Length(s), Buffer.byteLength(s), s);
  assert.equal(limits.utf8Length('Nguyễn 🖋'), Buffer.byteLength('Nguyễn 🖋'));
});

test('strings and keys that are not well-formed text, and deep nesting, are refused (INVALID_ARGUMENT)', () => {
  const refused = (message) => {
    const a = F.acceptPageMessage(ev(req(message, 7)), win);
    assert.equal(a.kind, 'refuse', Object.keys(message).join());
    assert.equal(a.code, 'INVALID_ARGUMENT');
    assert.equal(a.id, 7);
  };
  refused({ cmd: 'certificates', x: '\ud800' });
  refused({ cmd: 'certificates', x: 'a\udc00b' });
  refused({ cmd: 'certificates', x: '\udbff\ud800' });
  refused({ cmd: 'certificates', x: 'a\u0000' });
  refused({ cmd: 'certificates\u0000' });
  refused({ cmd: '\ud800' });
  refused({ cmd: 'certificates', ['k\ud800']: 1 });
  refused({ cmd: 'certificates', ['\u0000']: 1 });
  refused({ cmd: 'sign', documents: [{ name: ['\udfff'] }] });
  const nest = (n) => {
    const top = { cmd: 'sign' };
    let c = top;
    for (let i = 1; i < n; i++) c = c.x = {};
    return top;
  };
  assert.equal(F.acceptPageMessage(ev(req(nest(F.JSON_DEPTH_MAX))), win).kind, 'request', 'exactly the depth cap passes');
  refused(nest(F.JSON_DEPTH_MAX + 1));
  refused(nest(5000));
  let arr = [];
  const top = { cmd: 'sign', a: arr };
  for (let i = 0; i < 40; i++) arr = arr[0] = [];
  refused(top);
  assert.equal(F.JSON_DEPTH_MAX, limits.JSON_DEPTH_MAX);
  // Well-formed text of every plane passes.
  const ok = F.acceptPageMessage(ev(req({ cmd: 'sign', s: 'Tiếng Việt 😀 \uffff \u0001' })), win);
  assert.equal(ok.kind, 'request');
  assert.equal(ok.message.s, 'Tiếng Việt 😀 \uffff \u0001');
});
