// native_unit.mjs - extension.unit_native: kyso-host over native messaging
// as extension/src/native.js drives it (one port per request, hello first,
// failures named as the page will see them), with a fake
// runtime.connectNative whose ports the test answers as Chromium and
// Firefox do. node only.
import test from 'node:test';
import assert from 'node:assert/strict';
import { nativeRequest, hostStatus, openNativeSession, isHello, HOST_NAME, createSessionPool } from '../../extension/src/native.js';
import { fakePort, fakeTimers, tick } from './bridge_fakes.mjs';

const FULL = { version: '1.0', features: ['certificates'] };

function fakeApi() {
  const ports = [];
  const api = {
    runtime: {
      lastError: undefined,
      connectNative(name) {
        const p = fakePort({ name });
        ports.push(p);
        return p;
      },
    },
  };
  // Chromium: runtime.lastError set while onDisconnect runs.
  const dropChromium = async (p, message) => {
    await Promise.resolve();
    api.runtime.lastError = { message };
    p.drop();
    await tick();
    api.runtime.lastError = undefined;
  };
  return { api, ports, dropChromium };
}

test('hellos are told from replies', () => {
  assert.equal(isHello({ hello: 'kyso' }), true);
  assert.equal(isHello(FULL), true);
  assert.equal(isHello({ id: 1, version: '1.0' }), false);
  assert.equal(isHello({ id: null, error: {} }), false);
  assert.equal(isHello({ hello: 'other' }), false);
  assert.equal(isHello(['hello']), false);
  assert.equal(isHello(null), false);
});

test('a request: its own port to vn.kyso.host, the origin set, the reply by id and origin, the port closed', async () => {
  const { api, ports } = fakeApi();
  const hellos = [];
  const logs = [];
  const pr = nativeRequest({ id: 'x1', cmd: 'certificates', origin: 'https://forged.example' },
    { origin: 'https://a.example', onHello: (h) => hellos.push(h) }, { api, log: (m) => logs.push(m) });
  assert.equal(ports.length, 1);
  const p = ports[0];
  assert.equal(p.name, HOST_NAME);
  assert.equal(HOST_NAME, 'vn.kyso.host');
  assert.deepEqual(p.sent, [{ id: 'x1', cmd: 'certificates', origin: 'https://a.example' }]);
  await p.deliver({ hello: 'kyso' });
  await p.deliver(FULL);
  await p.deliver({ id: 'x1', origin: 'https://b.example', result: { certificates: ['wrong'] } });
  await p.deliver({ id: 'x2', origin: 'https://a.example', result: {} });
  await p.deliver({ id: 'x1', result: {} });
  assert.equal(logs.length, 3);
  await p.deliver({ id: 'x1', origin: 'https://a.example', result: { certificates: [] } });
  assert.deepEqual(await pr, { id: 'x1', result: { certificates: [] } });
  assert.deepEqual(hellos, [{ hello: 'kyso' }, FULL]);
  assert.equal(p.disconnected, true, 'closed after the final reply');
});

test('without an origin the request acts for the extension: no origin key sent, none expected back', async () => {
  const { api, ports } = fakeApi();
  const pr = nativeRequest({ id: 'x1', cmd: 'origins', origin: 'https://page.example' }, {}, { api, log() {} });
  const p = ports[0];
  assert.deepEqual(p.sent, [{ id: 'x1', cmd: 'origins' }]);
  await p.deliver({ hello: 'kyso' });
  await p.deliver({ id: 'x1', origin: 'https://page.example', result: { origins: ['not this'] } });
  await p.deliver({ id: 'x1', result: { origins: [] } });
  assert.deepEqual(await pr, { id: 'x1', result: { origins: [] } });
});

test('Chromium: host not found -> HOST_NOT_INSTALLED with the browser\'s words', async () => {
  const { api, ports, dropChromium } = fakeApi();
  const pr = assert.rejects(nativeRequest({ id: 'x1', cmd: 'certificates' }, {}, { api }),
    (e) => e.code === 'HOST_NOT_INSTALLED' && /not found/.test(e.message));
  await dropChromium(ports[0], 'Specified native messaging host not found.');
  await pr;
  const st = hostStatus({ api });
  await dropChromium(ports[1], 'Access to the specified native messaging host is forbidden.');
  const r = await st;
  assert.equal(r.installed, false);
  assert.equal(r.hello, null);
  assert.match(r.error, /forbidden/);
});

test('Firefox: port.error, or connectNative throwing -> HOST_NOT_INSTALLED', async () => {
  const { api, ports } = fakeApi();
  const pr = nativeRequest({ id: 'x1', cmd: 'certificates' }, {}, { api });
  await ports[0].drop('No such native application vn.kyso.host');
  await assert.rejects(pr, (e) => e.code === 'HOST_NOT_INSTALLED' && /No such native application/.test(e.message));
  const throwing = { runtime: { connectNative() { throw new Error('Invalid application'); } } };
  await assert.rejects(nativeRequest({ id: 'x', cmd: 'certificates' }, {}, { api: throwing }),
    (e) => e.code === 'HOST_NOT_INSTALLED');
  assert.equal((await hostStatus({ api: throwing })).installed, false);
});

test('the host dies after its hello: HOST_DISCONNECTED', async () => {
  const { api, ports, dropChromium } = fakeApi();
  const pr = assert.rejects(nativeRequest({ id: 'x1', cmd: 'sign' }, { origin: 'https://a.example' }, { api }),
    (e) => e.code === 'HOST_DISCONNECTED' && /exited/.test(e.message));
  await ports[0].deliver({ hello: 'kyso' });
  await dropChromium(ports[0], 'Native host has exited.');
  await pr;
});

test('a host that answers before its hello, or never greets, is dropped', async () => {
  const { api, ports } = fakeApi();
  const pr = nativeRequest({ id: 'x1', cmd: 'certificates' }, {}, { api, log() {} });
  await ports[0].deliver({ id: 'x1', result: { certificates: ['early'] } });
  await assert.rejects(pr, (e) => e.code === 'HOST_DISCONNECTED');
  assert.equal(ports[0].disconnected, true);
  const timers = fakeTimers();
  const pr2 = nativeRequest({ id: 'x2', cmd: 'certificates' }, {}, { api, ...timers });
  timers.advance(9999);
  assert.equal(ports[1].disconnected, false);
  timers.advance(1);
  await assert.rejects(pr2, (e) => e.code === 'HOST_DISCONNECTED' && /greet/.test(e.message));
  assert.equal(ports[1].disconnected, true);
});

test('hostStatus: started, greeted, closed', async () => {
  const { api, ports } = fakeApi();
  const st = hostStatus({ api });
  await ports[0].deliver(FULL);
  assert.deepEqual(await st, { installed: true, hello: FULL, error: null });
  assert.equal(ports[0].disconnected, true);
  assert.deepEqual(ports[0].sent, [], 'nothing asked of the host');
});

test('openNativeSession: close() ends quietly, post after close is refused', async () => {
  const { api, ports } = fakeApi();
  const gone = [];
  const s = openNativeSession({ onHello() {}, onReply() {}, onGone: (c) => gone.push(c) }, { api });
  await ports[0].deliver({ hello: 'kyso' });
  assert.equal(s.greeted, true);
  s.close();
  assert.equal(ports[0].disconnected, true);
  assert.equal(s.post({ id: 1 }), false);
  await ports[0].drop();
  assert.deepEqual(gone, [], 'our own close is no failure');
});

test('pool: status() waiting on a spare a request then takes is answered by its hello (no probe hangs)', async () => {
  const { api, ports } = fakeApi();
  const pool = createSessionPool({ api, log() {} });
  const st = pool.status();
  assert.equal(ports.length, 1, 'the spare started');
  const hellos = [];
  const s = pool.open({ onHello: (h) => hellos.push(h), onReply() {}, onGone() {} });
  assert.equal(ports.length, 1, 'the request took the spare');
  let answered = null;
  st.then((r) => { answered = r; });
  await tick();
  assert.equal(answered, null, 'no answer before the greeting');
  await ports[0].deliver(FULL);
  await tick();
  assert.deepEqual(answered, { installed: true, hello: FULL, error: null });
  assert.deepEqual(hellos, [FULL], 'the request sees the greeting too');
  s.close();
  pool.close();
});

test('pool: the request closes the taken spare before its hello: status() asks again on a process of its own', async () => {
  const { api, ports } = fakeApi();
  const pool = createSessionPool({ api, log() {} });
  const st = pool.status();
  const s = pool.open({ onHello() {}, onReply() {}, onGone() {} });
  s.close();
  assert.equal(ports[0].disconnected, true);
  assert.equal(ports.length, 2, 'a new process asked');
  await ports[1].deliver({ hello: 'kyso' });
  assert.deepEqual(await st, { installed: true, hello: { hello: 'kyso' }, error: null });
  pool.close();
});

test('pool: the taken spare fails before its hello: status() says not installed', async () => {
  const { api, ports, dropChromium } = fakeApi();
  const pool = createSessionPool({ api, log() {} });
  const st = pool.status();
  const gone = [];
  pool.open({ onHello() {}, onReply() {}, onGone: (c) => gone.push(c) });
  await dropChromium(ports[0], 'Specified native messaging host not found.');
  const r = await st;
  assert.equal(r.installed, false);
  assert.match(r.error, /HOST_NOT_INSTALLED/);
  assert.deepEqual(gone, ['HOST_NOT_INSTALLED']);
});
