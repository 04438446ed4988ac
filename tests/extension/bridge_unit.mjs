// bridge_unit.mjs - extension.unit_bridge: the background's page bridge
// (extension/src/bridge.js) driven with fake runtime ports and a fake
// native-session factory that plays kyso-host: the origin from the port's
// sender only, our own ids, reply routing by id AND echoed origin, the
// full hello's timing, cancel translation, per-frame and global limits
// (BUSY), the size cap on what goes to the host, disconnects. node only.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createBridge } from '../../extension/src/bridge.js';
import { REQUEST_MAX, EXCHANGE_MAX_MS, PROBE_WAIT_MS } from '../../extension/src/limits.js';
import { fakePort, fakeSessions, fakeTimers, tick } from './bridge_fakes.mjs';

const PAGE = 'https://vanban.tiengiang.gov.vn';
const FULL = { version: '1.0', features: ['certificates', 'sign', 'batch', 'cancel', 'revocation', 'timestamp'] };

function setup({ limits = {}, installed = true, logs = [] } = {}) {
  const ns = fakeSessions();
  const timers = fakeTimers();
  let probes = 0;
  const bridge = createBridge({
    openSession: ns.open,
    probe: async () => { probes++; return { installed: typeof installed === 'function' ? installed() : installed }; },
    now: timers.now,
    setTimeout: timers.setTimeout,
    clearTimeout: timers.clearTimeout,
    log: (...a) => logs.push(a.join(' ')),
    limits,
  });
  const frame = (sender = { origin: PAGE, url: `${PAGE}/ky`, frameId: 0, tab: { id: 1 } }) => {
    const port = fakePort({ sender });
    assert.equal(bridge.onConnect(port), true);
    return port;
  };
  return { bridge, ns, timers, frame, logs, probes: () => probes };
}

const request = (port, id, message) => port.deliver({ t: 'request', id, message });

test('a port of another name is not the bridge\'s', () => {
  const { bridge } = setup();
  const port = fakePort({ name: 'kyso-fetch', sender: { origin: PAGE } });
  assert.equal(bridge.onConnect(port), false);
  assert.equal(bridge.stats().frames, 0);
});

test('hello: ready with the version-less hello; a present host is remembered a while, a missing one never', async () => {
  let inst = true;
  const t = setup({ installed: () => inst });
  const p = t.frame();
  await p.deliver({ t: 'hello' });
  await tick();
  assert.deepEqual(p.sent, [{ t: 'ready', hello: { hello: 'kyso' } }]);
  await p.deliver({ t: 'hello' });
  await tick();
  assert.equal(t.probes(), 1, 'the positive answer is reused');
  t.timers.advance(31000);
  inst = false;
  await p.deliver({ t: 'hello' });
  await tick();
  assert.equal(t.probes(), 2, 'asked again after PROBE_TTL_MS');
  assert.deepEqual(p.sent.at(-1), { t: 'ready', hostMissing: true });
  inst = true;
  await p.deliver({ t: 'hello' });
  await tick();
  assert.equal(t.probes(), 3, 'a missing host is not remembered');
  assert.deepEqual(p.sent.at(-1), { t: 'ready', hello: { hello: 'kyso' } });
  assert.equal(t.ns.sessions.length, 0, 'hello opens no request session');
});

test('insecure senders: ready CONTEXT_INSECURE, requests refused, the host never started', async () => {
  for (const sender of [{ url: 'http://vanban.tiengiang.gov.vn/' }, { origin: 'null', url: 'https://a.example/' },
    { url: 'about:blank' }, { url: 'file:///tmp/a.html' }, {}]) {
    const t = setup();
    const p = t.frame(sender);
    await p.deliver({ t: 'hello' });
    await request(p, 1, { id: 'k1', cmd: 'certificates' });
    await tick();
    assert.deepEqual(p.sent[0], { t: 'ready', error: 'CONTEXT_INSECURE' }, JSON.stringify(sender));
    assert.equal(p.sent[1].t, 'error');
    assert.equal(p.sent[1].code, 'CONTEXT_INSECURE');
    assert.equal(p.sent[1].id, 1);
    assert.equal(t.ns.sessions.length, 0);
    assert.equal(t.probes(), 0);
  }
});

test('a request: our id, the sender\'s origin over the page\'s, one session, closed after the reply', async () => {
  const t = setup();
  const p = t.frame();
  await request(p, 7, { id: 'k1', cmd: 'certificates', origin: 'https://forged.example' });
  assert.equal(t.ns.sessions.length, 1);
  const s = t.ns.sessions[0];
  assert.deepEqual(s.posted, [{ id: 'p1.1', cmd: 'certificates', origin: PAGE }]);
  await s.hello({ hello: 'kyso' });
  await s.reply({ id: 'p1.1', origin: PAGE, result: { certificates: [] } });
  assert.deepEqual(p.sent, [{ t: 'response', id: 7, message: { id: 'k1', result: { certificates: [] } } }]);
  assert.equal(s.closed, true, 'one native port per request, closed after its reply');
  assert.deepEqual(t.bridge.stats(), { frames: 1, inflight: 0, open: 0 });
});

test('replies with another origin, an unknown id or no origin are dropped', async () => {
  const logs = [];
  const t = setup({ logs });
  const p = t.frame();
  await request(p, 1, { id: 'k1', cmd: 'certificates' });
  const s = t.ns.sessions[0];
  await s.hello();
  await s.reply({ id: 'p1.1', origin: 'https://other.example', result: { certificates: ['stolen'] } });
  await s.reply({ id: 'p1.1', result: { certificates: ['no origin'] } });
  await s.reply({ id: 'p1.2', origin: PAGE, result: {} });
  await s.reply({ id: 'k1', origin: PAGE, result: {} });
  await s.reply({ id: null, origin: 'https://other.example', error: { code: 'INVALID_ARGUMENT' } });
  await s.reply({ id: null, origin: PAGE, result: {} });
  await s.reply(['p1.1']);
  await s.reply({ id: 'p1.1', origin: `${PAGE}/`, result: {} });
  assert.deepEqual(p.sent, [], 'nothing reached the page');
  assert.equal(s.closed, false, 'still waiting for the real reply');
  assert.ok(logs.length >= 7, 'each drop is logged');
  await s.reply({ id: 'p1.1', origin: PAGE, result: { certificates: [] } });
  assert.equal(p.sent.length, 1);
  assert.equal(p.sent[0].message.id, 'k1');
});

test('the page\'s id keeps its type; a message without id gets none back', async () => {
  const t = setup();
  const p = t.frame();
  await request(p, 'b1', { id: 5, cmd: 'certificates' });
  await request(p, 2, { cmd: 'certificates' });
  const [s1, s2] = t.ns.sessions;
  assert.equal(s1.posted[0].id, 'p1.1');
  assert.equal(s2.posted[0].id, 'p1.2');
  await s1.hello();
  await s2.hello();
  await s1.reply({ id: 'p1.1', origin: PAGE, error: { code: 'BUSY', message: 'x' } });
  await s2.reply({ id: 'p1.2', origin: PAGE, error: { code: 'BUSY', message: 'y' } });
  assert.deepEqual(p.sent[0], { t: 'response', id: 'b1', message: { id: 5, error: { code: 'BUSY', message: 'x' } } });
  assert.deepEqual(p.sent[1], { t: 'response', id: 2, message: { error: { code: 'BUSY', message: 'y' } } });
});

test('frames have their own origin and ids; a reply for frame A never reaches frame B', async () => {
  const t = setup();
  const a = t.frame();
  const b = t.frame({ origin: 'https://iframe.other', url: 'https://iframe.other/x', frameId: 5, tab: { id: 1 } });
  await request(a, 1, { id: 'k1', cmd: 'certificates' });
  await request(b, 1, { id: 'k1', cmd: 'certificates' });
  const [sa, sb] = t.ns.sessions;
  assert.deepEqual(sa.posted[0], { id: 'p1.1', cmd: 'certificates', origin: PAGE });
  assert.deepEqual(sb.posted[0], { id: 'p2.1', cmd: 'certificates', origin: 'https://iframe.other' });
  await sa.hello();
  await sb.hello();
  // B's host process answering with A's id and origin: not B's.
  await sb.reply({ id: 'p1.1', origin: PAGE, result: { certificates: ['a'] } });
  assert.equal(a.sent.length + b.sent.length, 0);
  await sb.reply({ id: 'p2.1', origin: 'https://iframe.other', result: { certificates: ['b'] } });
  assert.deepEqual(b.sent[0].message.result.certificates, ['b']);
  assert.equal(a.sent.length, 0);
});

test('the full hello: only once a request of this page had a result, once, before that reply', async () => {
  const t = setup();
  const p = t.frame();
  await p.deliver({ t: 'hello' });
  await tick();
  assert.deepEqual(p.sent.shift(), { t: 'ready', hello: { hello: 'kyso' } });
  // The extension itself is allowed: its first hello is the full one. An
  // error reply does not hand it to the page.
  await request(p, 1, { id: 'k1', cmd: 'sign', certificate: 'c', documents: [] });
  let s = t.ns.sessions[0];
  await s.hello(FULL);
  await s.reply({ id: 'p1.1', origin: PAGE, error: { code: 'ORIGIN_DENIED', message: 'no' } });
  assert.deepEqual(p.sent.map((m) => m.t), ['response'], 'no hello for a page not served');
  p.sent.length = 0;
  // Now: version-less first, the full one after the first-use prompt, then the result.
  await request(p, 2, { id: 'k2', cmd: 'certificates' });
  s = t.ns.sessions[1];
  await s.hello({ hello: 'kyso' });
  await s.hello(FULL);
  await s.reply({ id: 'p1.2', origin: PAGE, result: { certificates: [] } });
  assert.deepEqual(p.sent, [{ t: 'hello', hello: FULL },
    { t: 'response', id: 2, message: { id: 'k2', result: { certificates: [] } } }]);
  p.sent.length = 0;
  await request(p, 3, { id: 'k3', cmd: 'certificates' });
  s = t.ns.sessions[2];
  await s.hello(FULL);
  await s.reply({ id: 'p1.3', origin: PAGE, result: { certificates: [] } });
  assert.deepEqual(p.sent.map((m) => m.t), ['response'], 'only once');
  p.sent.length = 0;
  await p.deliver({ t: 'hello' });
  await tick();
  assert.deepEqual(p.sent, [{ t: 'ready', hello: FULL }], 'a later hello of a served page: the full one');
  // Another frame still gets the version-less one.
  const q = t.frame({ origin: 'https://other.example' });
  await q.deliver({ t: 'hello' });
  await tick();
  assert.deepEqual(q.sent, [{ t: 'ready', hello: { hello: 'kyso' } }]);
});

test('a result without a full hello on its port gives no hello', async () => {
  const t = setup();
  const p = t.frame();
  await request(p, 1, { id: 'k1', cmd: 'certificates' });
  const s = t.ns.sessions[0];
  await s.hello({ hello: 'kyso' });
  await s.reply({ id: 'p1.1', origin: PAGE, result: { certificates: [] } });
  assert.deepEqual(p.sent.map((m) => m.t), ['response']);
});

test('cancel goes to the request\'s own port with our ids; both answers come back under the page\'s', async () => {
  const t = setup();
  const p = t.frame();
  await request(p, 1, { id: 'k1', cmd: 'sign', certificate: 'c', documents: [] });
  const s = t.ns.sessions[0];
  await s.hello();
  await request(p, 2, { id: 'k1-cancel', cmd: 'cancel', request: 'k1', origin: 'https://forged.example', extra: 1 });
  assert.equal(t.ns.sessions.length, 1, 'no process of its own');
  assert.deepEqual(s.posted[1], { id: 'p1.2', cmd: 'cancel', request: 'p1.1', origin: PAGE });
  await s.reply({ id: 'p1.2', origin: PAGE, result: { cancelled: true } });
  assert.equal(s.closed, false);
  await s.reply({ id: 'p1.1', origin: PAGE, error: { code: 'USER_CANCELLED', message: 'cancelled' } });
  assert.deepEqual(p.sent, [
    { t: 'response', id: 2, message: { id: 'k1-cancel', result: { cancelled: true } } },
    { t: 'response', id: 1, message: { id: 'k1', error: { code: 'USER_CANCELLED', message: 'cancelled' } } },
  ]);
  assert.equal(s.closed, true);
});

test('cancel of nothing waiting: {cancelled:false} at once, no host started; never another frame\'s', async () => {
  const t = setup();
  const a = t.frame();
  const b = t.frame({ origin: 'https://b.example' });
  await request(a, 1, { id: 'k1', cmd: 'sign', certificate: 'c', documents: [] });
  await request(b, 1, { id: 'c1', cmd: 'cancel', request: 'k1' });
  await request(b, 2, { cmd: 'cancel', request: { id: 'k1' } });
  await request(a, 2, { id: 'c2', cmd: 'cancel', request: 'nothing' });
  await request(a, 3, { id: 'c3', cmd: 'cancel', request: 1 }, 'a number is not the string id');
  assert.equal(t.ns.sessions.length, 1);
  assert.equal(t.ns.sessions[0].posted.length, 1, 'frame B could not cancel frame A\'s request');
  assert.deepEqual(b.sent, [
    { t: 'response', id: 1, message: { id: 'c1', result: { cancelled: false } } },
    { t: 'response', id: 2, message: { result: { cancelled: false } } },
  ]);
  assert.deepEqual(a.sent.map((m) => m.message.result.cancelled), [false, false]);
});

test('a cancel that crosses the reply is answered {cancelled:false} if the host does not, and the port closes', async () => {
  const t = setup();
  const p = t.frame();
  await request(p, 1, { id: 'k1', cmd: 'certificates' });
  const s = t.ns.sessions[0];
  await s.hello();
  await request(p, 2, { id: 'x', cmd: 'cancel', request: 'k1' });
  await s.reply({ id: 'p1.1', origin: PAGE, result: { certificates: [] } });
  assert.equal(s.closed, false, 'open for the cancel\'s answer');
  assert.equal(t.bridge.stats().inflight, 0, 'the request itself no longer counts');
  t.timers.advance(5000);
  assert.equal(s.closed, true);
  assert.deepEqual(p.sent.at(-1), { t: 'response', id: 2, message: { id: 'x', result: { cancelled: false } } });
});

test('cancels of one request are bounded', async () => {
  const t = setup();
  const p = t.frame();
  await request(p, 1, { id: 'k1', cmd: 'sign', certificate: 'c', documents: [] });
  for (let i = 0; i < 6; i++) await request(p, 10 + i, { id: `c${i}`, cmd: 'cancel', request: 'k1' });
  assert.equal(t.ns.sessions[0].posted.length, 1 + 4);
  assert.deepEqual(p.sent.map((m) => m.code), ['BUSY', 'BUSY']);
});

test('limits: per frame and in all, BUSY past them, room again after a reply', async () => {
  const t = setup({ limits: { FRAME_INFLIGHT_MAX: 2, GLOBAL_INFLIGHT_MAX: 3 } });
  const a = t.frame();
  const b = t.frame({ origin: 'https://b.example' });
  await request(a, 1, { id: 'a1', cmd: 'certificates' });
  await request(a, 2, { id: 'a2', cmd: 'certificates' });
  await request(a, 3, { id: 'a3', cmd: 'certificates' });
  assert.deepEqual(a.sent, [{ t: 'error', id: 3, code: 'BUSY', message: a.sent[0].message }]);
  await request(b, 1, { id: 'b1', cmd: 'certificates' });
  await request(b, 2, { id: 'b2', cmd: 'certificates' });
  assert.equal(b.sent.length, 1);
  assert.equal(b.sent[0].code, 'BUSY', 'the global limit');
  assert.equal(t.ns.sessions.length, 3);
  const s = t.ns.sessions[0];
  await s.hello();
  await s.reply({ id: 'p1.1', origin: PAGE, result: { certificates: [] } });
  await request(b, 3, { id: 'b3', cmd: 'certificates' });
  assert.equal(t.ns.sessions.length, 4, 'room again');
  assert.deepEqual(t.bridge.stats(), { frames: 2, inflight: 3, open: 3 });
});

test('frames holding a port are bounded', () => {
  const t = setup({ limits: { PORTS_MAX: 2 } });
  t.frame();
  t.frame();
  const third = fakePort({ sender: { origin: PAGE } });
  t.bridge.onConnect(third);
  assert.equal(third.disconnected, true);
  assert.equal(t.bridge.stats().frames, 2);
});

test('size cap on what goes to the host: exactly 64 KiB passes, one byte more is INVALID_ARGUMENT', async () => {
  const t = setup();
  const p = t.frame();
  // The JSON the host gets: the page's keys, our id and the origin.
  const sentBytes = (pad, id) => Buffer.byteLength(JSON.stringify({ cmd: 'sign', pad, id, origin: PAGE }));
  const pad = 'a'.repeat(REQUEST_MAX - sentBytes('', 'p1.1'));
  assert.equal(sentBytes(pad, 'p1.1'), REQUEST_MAX);
  await request(p, 1, { cmd: 'sign', pad: `${pad}a`, origin: 'x' });
  assert.equal(t.ns.sessions.length, 0, 'over: no host started');
  assert.deepEqual(p.sent.at(-1), { t: 'error', id: 1, code: 'INVALID_ARGUMENT', message: 'request larger than 64 KiB' });
  // The page's own origin key does not count: it is replaced.
  await request(p, 2, { cmd: 'sign', pad, origin: 'https://a-much-longer-forged-origin.example' });
  assert.equal(t.ns.sessions.length, 1, 'exactly 64 KiB: sent');
  assert.equal(Buffer.byteLength(JSON.stringify(t.ns.sessions[0].posted[0])), REQUEST_MAX);
  // The page's id is replaced by ours (p1.3 here): a page id of another
  // length changes nothing.
  await request(p, 3, { id: 'k'.repeat(60), cmd: 'sign', pad: pad.slice(2) });
  assert.equal(t.ns.sessions.length, 2);
});

test('size cap with multibyte text', async () => {
  const t = setup();
  const p = t.frame();
  const sentBytes = (pad) => Buffer.byteLength(JSON.stringify({ cmd: 'sign', pad, id: 'p1.1', origin: PAGE }));
  const base = sentBytes('');
  const k = Math.floor((REQUEST_MAX - base) / 3);
  const pad = 'ệ'.repeat(k) + 'a'.repeat(REQUEST_MAX - base - 3 * k);
  assert.equal(sentBytes(pad), REQUEST_MAX);
  await request(p, 1, { cmd: 'sign', pad });
  assert.equal(t.ns.sessions.length, 1);
  assert.equal(Buffer.byteLength(JSON.stringify(t.ns.sessions[0].posted[0])), REQUEST_MAX);
  await request(p, 2, { cmd: 'sign', pad: `${pad.slice(1)}ab` }); // one ệ (3) -> "ab" (2): one byte less
  assert.equal(t.ns.sessions.length, 2);
  await request(p, 3, { cmd: 'sign', pad: `ệ${pad.slice(0, -1)}` }); // +2 bytes, id "p1.3" same length
  assert.equal(t.ns.sessions.length, 2);
  assert.equal(p.sent.at(-1).code, 'INVALID_ARGUMENT');
});

test('origins and forget-origin are never a page\'s', async () => {
  const t = setup();
  const p = t.frame();
  await request(p, 1, { id: 'o1', cmd: 'origins' });
  await request(p, 2, { id: 'o2', cmd: 'forget-origin', site: PAGE });
  assert.equal(t.ns.sessions.length, 0);
  assert.equal(p.sent[0].message.error.code, 'ORIGIN_DENIED');
  assert.equal(p.sent[0].message.id, 'o1');
  assert.equal(p.sent[1].message.error.code, 'ORIGIN_DENIED');
});

test('malformed requests: INVALID_ARGUMENT; without a usable page id, nothing to answer', async () => {
  const logs = [];
  const t = setup({ logs });
  const p = t.frame();
  for (const m of [null, 'certificates', [], {}, { cmd: 1 }, { id: {}, cmd: 'certificates' },
    { id: 'x'.repeat(65), cmd: 'certificates' }, { id: 1.5, cmd: 'certificates' }])
    await request(p, 1, m);
  assert.equal(p.sent.length, 8);
  assert.ok(p.sent.every((m) => m.t === 'error' && m.code === 'INVALID_ARGUMENT' && m.id === 1));
  p.sent.length = 0;
  for (const id of [undefined, null, {}, 1.5, '', 'y'.repeat(65)]) await request(p, id, { cmd: 'certificates' });
  await p.deliver(null);
  await p.deliver('hello');
  await p.deliver({ t: 'other' });
  assert.equal(p.sent.length, 0);
  assert.equal(t.ns.sessions.length, 0);
  // A page id used twice while the first is waiting.
  await request(p, 1, { id: 'k1', cmd: 'certificates' });
  await request(p, 2, { id: 'k1', cmd: 'certificates' });
  assert.equal(t.ns.sessions.length, 1);
  assert.equal(p.sent.at(-1).code, 'INVALID_ARGUMENT');
});

test('a frame\'s port closing ends its requests\' host processes only', async () => {
  const t = setup();
  const a = t.frame();
  const b = t.frame({ origin: 'https://b.example' });
  await request(a, 1, { id: 'k1', cmd: 'sign', certificate: 'c', documents: [] });
  await request(a, 2, { id: 'k2', cmd: 'certificates' });
  await request(b, 1, { id: 'k1', cmd: 'certificates' });
  await a.drop();
  const [s1, s2, s3] = t.ns.sessions;
  assert.equal(s1.closed && s2.closed, true, 'the tab closed: its kyso-host processes are told (port closed)');
  assert.equal(s3.closed, false);
  assert.deepEqual(t.bridge.stats(), { frames: 1, inflight: 1, open: 1 });
  await s1.reply({ id: 'p1.1', origin: PAGE, result: {} });
  assert.equal(a.sent.length, 0);
});

test('the host gone: HOST_NOT_INSTALLED before its hello, HOST_DISCONNECTED after, to every waiting answer', async () => {
  const t = setup();
  const p = t.frame();
  await request(p, 1, { id: 'k1', cmd: 'certificates' });
  await t.ns.sessions[0].gone('HOST_NOT_INSTALLED', 'Specified native messaging host not found.');
  assert.deepEqual(p.sent[0], { t: 'error', id: 1, code: 'HOST_NOT_INSTALLED', message: 'Specified native messaging host not found.' });
  await request(p, 2, { id: 'k2', cmd: 'sign', certificate: 'c', documents: [] });
  const s = t.ns.sessions[1];
  await s.hello();
  await request(p, 3, { id: 'k3', cmd: 'cancel', request: 'k2' });
  await s.gone('HOST_DISCONNECTED', 'Native host has exited.');
  assert.deepEqual(p.sent.slice(1).map((m) => [m.id, m.code]), [[2, 'HOST_DISCONNECTED'], [3, 'HOST_DISCONNECTED']]);
  assert.deepEqual(t.bridge.stats(), { frames: 1, inflight: 0, open: 0 });
});

test('the host could not read a request ({id:null, error}): that request fails with the host\'s error, its process closes', async () => {
  const t = setup();
  const p = t.frame();
  await request(p, 1, { id: 'k1', cmd: 'certificates' });
  const s = t.ns.sessions[0];
  await s.hello();
  await s.reply({ id: null, error: { code: 'INVALID_ARGUMENT', message: 'bad JSON' } });
  assert.deepEqual(p.sent, [{ t: 'response', id: 1,
    message: { id: 'k1', error: { code: 'INVALID_ARGUMENT', message: 'bad JSON' } } }]);
  assert.equal(s.closed, true);
  assert.deepEqual(t.bridge.stats(), { frames: 1, inflight: 0, open: 0 });
  // Without a page message id; a pending cancel gets {cancelled:false}.
  await request(p, 2, { cmd: 'certificates' });
  await request(p, 3, { cmd: 'certificates', id: 'k3' });
  await request(p, 4, { id: 'c', cmd: 'cancel', request: 'k3' });
  const s3 = t.ns.sessions[2];
  await s3.reply({ id: null, error: { code: 'INVALID_ARGUMENT', message: 'x'.repeat(5000) } });
  assert.equal(p.sent.at(-2).message.error.message.length, 1024, 'bounded');
  assert.deepEqual(p.sent.at(-1), { t: 'response', id: 4, message: { id: 'c', result: { cancelled: false } } });
  await t.ns.sessions[1].reply({ id: null, error: { code: 'INVALID_ARGUMENT', message: 'm' } });
  assert.deepEqual(p.sent.at(-1), { t: 'response', id: 2, message: { error: { code: 'INVALID_ARGUMENT', message: 'm' } } });
  assert.deepEqual(t.bridge.stats(), { frames: 1, inflight: 0, open: 0 });
});

test('32 requests the host never answers do not hold the slots forever: EXCHANGE_MAX_MS, then HOST_DISCONNECTED', async () => {
  const t = setup();
  const ports = [];
  for (let f = 0; f < 4; f++) {
    const p = t.frame({ origin: `https://f${f}.example`, tab: { id: 10 + f } });
    ports.push(p);
    for (let i = 0; i < 8; i++) await request(p, i, { id: `k${i}`, cmd: 'certificates' });
  }
  assert.equal(t.ns.sessions.length, 32);
  const other = t.frame({ origin: 'https://other.example', tab: { id: 99 } });
  await request(other, 1, { cmd: 'certificates' });
  assert.equal(other.sent.at(-1).code, 'BUSY', 'all slots held');
  t.timers.advance(EXCHANGE_MAX_MS - 1);
  assert.equal(t.bridge.stats().open, 32, 'not before the deadline');
  t.timers.advance(1);
  assert.equal(t.bridge.stats().open, 0);
  assert.ok(t.ns.sessions.every((s) => s.closed), 'every process closed');
  for (const p of ports) {
    assert.equal(p.sent.length, 8);
    assert.ok(p.sent.every((m) => m.t === 'error' && m.code === 'HOST_DISCONNECTED'));
  }
  await request(other, 2, { cmd: 'certificates' });
  assert.equal(t.ns.sessions.length, 33, 'room again');
  assert.ok(EXCHANGE_MAX_MS > 3600 * 1000, 'longer than the host\'s longest user_timeout');
});

test('requests the host cannot read are refused here: lone surrogates, U+0000, too deep', async () => {
  const t = setup();
  const p = t.frame();
  let deep = { cmd: 'certificates' };
  let c = deep;
  for (let i = 0; i < 40; i++) c = c.x = {};
  const bad = [{ cmd: 'certificates', x: '\ud800' }, { cmd: 'certificates', x: 'a\u0000b' },
    { cmd: 'certificates', ['\udc00']: 1 }, { cmd: 'certificates', ['a\u0000']: 1 }, deep,
    { cmd: 'certificates', l: [['\udfff']] }];
  for (const [i, m] of bad.entries()) await request(p, i, m);
  assert.equal(t.ns.sessions.length, 0, 'no host started');
  assert.deepEqual(p.sent.map((m) => m.code), bad.map(() => 'INVALID_ARGUMENT'));
  await request(p, 9, { cmd: 'certificates', x: '😀 Tiếng Việt' });
  assert.equal(t.ns.sessions.length, 1, 'a surrogate pair is fine');
});

test('ports: per tab and per origin besides in all; the frame past them is told BUSY, the others keep theirs', async () => {
  // TAB_PORTS_MAX counts one origin's frames in a tab (tab() frames have no
  // frameId: not the top frame, counted).
  const t = setup({ limits: { TAB_PORTS_MAX: 1, ORIGIN_PORTS_MAX: 3 } });
  const tab = (id, origin = PAGE) => ({ origin, url: `${origin}/`, tab: { id } });
  t.frame(tab(1));
  t.frame(tab(1, 'https://a.example'));
  const third = fakePort({ sender: tab(1) });
  assert.equal(t.bridge.onConnect(third), true);
  assert.equal(third.disconnected, true);
  assert.equal(third.sent[0].t, 'refused');
  assert.equal(third.sent[0].code, 'BUSY');
  const inTab2 = t.frame(tab(2));
  t.frame(tab(3));
  const fourthOfOrigin = fakePort({ sender: tab(4) });
  t.bridge.onConnect(fourthOfOrigin);
  assert.deepEqual(fourthOfOrigin.sent.map((m) => [m.t, m.code]), [['refused', 'BUSY']]);
  assert.equal(t.bridge.stats().frames, 4);
  // A frame gone gives its room back.
  await inTab2.drop();
  const again = t.frame(tab(4));
  assert.equal(again.disconnected, false);
  const all = setup({ limits: { PORTS_MAX: 1 } });
  all.frame();
  const over = fakePort({ sender: tab(7, 'https://x.example') });
  all.bridge.onConnect(over);
  assert.deepEqual(over.sent.map((m) => m.code), ['BUSY'], 'the global cap also says BUSY');
});

test('a request whose reply came but whose process lingers for a crossing cancel still counts (processes <= GLOBAL_INFLIGHT_MAX)', async () => {
  const t = setup({ limits: { GLOBAL_INFLIGHT_MAX: 2, FRAME_INFLIGHT_MAX: 2 } });
  const p = t.frame();
  await request(p, 1, { id: 'k1', cmd: 'certificates' });
  await request(p, 2, { id: 'k2', cmd: 'certificates' });
  const s = t.ns.sessions[0];
  await request(p, 3, { id: 'c', cmd: 'cancel', request: 'k1' });
  await s.reply({ id: 'p1.1', origin: PAGE, result: { certificates: [] } });
  assert.equal(s.closed, false, 'lingering');
  const q = t.frame({ origin: 'https://q.example', tab: { id: 5 } });
  await request(q, 1, { cmd: 'certificates' });
  assert.equal(q.sent.at(-1).code, 'BUSY', 'the lingering process still counts');
  assert.equal(t.ns.sessions.filter((x) => !x.closed).length, 2);
  t.timers.advance(5000);
  await request(q, 2, { cmd: 'certificates' });
  assert.equal(t.ns.sessions.length, 3, 'room once it closed');
});

test('a probe that never answers: the page is told the host is missing after PROBE_WAIT_MS, and the next hello asks again', async () => {
  const ns = fakeSessions();
  const timers = fakeTimers();
  let probes = 0;
  let answer = () => new Promise(() => {}); // hangs
  const bridge = createBridge({
    openSession: ns.open,
    probe: () => { probes++; return answer(); },
    now: timers.now, setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout,
    log() {},
  });
  const p = fakePort({ sender: { origin: PAGE, url: `${PAGE}/`, tab: { id: 1 } } });
  bridge.onConnect(p);
  await p.deliver({ t: 'hello' });
  await tick();
  assert.deepEqual(p.sent, [], 'waiting for the probe');
  timers.advance(PROBE_WAIT_MS - 1);
  await p.deliver({ t: 'hello' });
  await tick();
  assert.equal(probes, 1, 'a pending probe is shared within PROBE_WAIT_MS');
  timers.advance(1);
  await tick();
  assert.deepEqual(p.sent, [{ t: 'ready', hostMissing: true }, { t: 'ready', hostMissing: true }]);
  answer = async () => ({ installed: true });
  await p.deliver({ t: 'hello' });
  await tick();
  assert.equal(probes, 2, 'the stuck probe is not reused');
  assert.deepEqual(p.sent.at(-1), { t: 'ready', hello: { hello: 'kyso' } });
});

test('per-tab cap: counted per origin within the tab, the top frame never refused by it; BUSY says "in this page"', async () => {
  const t = setup({ limits: { TAB_PORTS_MAX: 2 } });
  const WIDGET = 'https://widget.example';
  const sub = (origin, frameId) => ({ origin, url: `${origin}/`, frameId, tab: { id: 1 } });
  // A third-party widget and its child frames fill their origin's slots.
  t.frame(sub(WIDGET, 5));
  t.frame(sub(WIDGET, 6));
  const third = fakePort({ sender: sub(WIDGET, 7) });
  t.bridge.onConnect(third);
  assert.equal(third.disconnected, true);
  assert.deepEqual(third.sent.map((m) => [m.t, m.code]), [['refused', 'BUSY']]);
  assert.match(third.sent[0].message, /too many kyso connections in this page/);
  // The page's own top frame and its own-origin frames still connect.
  const top = t.frame(sub(PAGE, 0));
  assert.equal(top.disconnected, false);
  const own1 = t.frame(sub(PAGE, 2));
  const own2 = t.frame(sub(PAGE, 3));
  assert.equal(own1.disconnected || own2.disconnected, false, 'the top frame takes none of its origin\'s slots');
  const own3 = fakePort({ sender: sub(PAGE, 4) });
  t.bridge.onConnect(own3);
  assert.equal(own3.disconnected, true, 'the cap still holds for child frames');
  // The top frame reconnecting (its idle port closed) is never refused by the tab cap.
  await top.drop();
  const again = t.frame(sub(PAGE, 0));
  assert.equal(again.disconnected, false);
  await again.deliver({ t: 'hello' });
  await tick();
  assert.deepEqual(again.sent, [{ t: 'ready', hello: { hello: 'kyso' } }]);
});
