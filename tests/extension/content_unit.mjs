// content_unit.mjs - extension.unit_content: the content script
// (extension/src/bridge-filter.js + content.js, run through vm as classic
// scripts) with a fake window and runtime: ack at once, one port per frame,
// answers only to the page's own origin (never '*'), insecure contexts,
// the background going away. node only.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import { fakePort, fakeTimers, tick } from './bridge_fakes.mjs';

const FILTER = readFileSync(new URL('../../extension/src/bridge-filter.js', import.meta.url), 'utf8');
const CONTENT = readFileSync(new URL('../../extension/src/content.js', import.meta.url), 'utf8');
const ORIGIN = 'https://vanban.tiengiang.gov.vn';

function load({ secure = true } = {}) {
  const listeners = [];
  const posted = [];
  const ports = [];
  const window = {
    isSecureContext: secure,
    addEventListener(type, f) { if (type === 'message') listeners.push(f); },
    postMessage(m, targetOrigin) { posted.push({ m: JSON.parse(JSON.stringify(m)), to: targetOrigin }); },
  };
  const chrome = {
    runtime: {
      connect({ name }) {
        const p = fakePort({ name });
        ports.push(p);
        return p;
      },
    },
  };
  const timers = fakeTimers();
  const ctx = vm.createContext({ window, chrome, setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout });
  vm.runInContext(FILTER, ctx, { filename: 'bridge-filter.js' });
  vm.runInContext(CONTENT, ctx, { filename: 'content.js' });
  vm.runInContext(CONTENT, ctx, { filename: 'content.js (twice)' });
  const fire = (data, { origin = ORIGIN, source = window } = {}) => {
    for (const f of listeners) f({ data, origin, source });
  };
  return { window, posted, ports, fire, listeners, timers };
}

test('hello: ack at once, then ready from the background, to the page\'s origin only', async () => {
  const c = load();
  assert.equal(c.listeners.length, 1, 'loaded twice, listening once');
  c.fire({ kyso: 'hello', bridge: 1 });
  assert.deepEqual(c.posted, [{ m: { kyso: 'ack', bridge: 1 }, to: ORIGIN }], 'the ack before anything else');
  assert.equal(c.ports.length, 1);
  assert.equal(c.ports[0].name, 'kyso-bridge');
  assert.deepEqual(c.ports[0].sent, [{ t: 'hello' }]);
  await c.ports[0].deliver({ t: 'ready', hello: { hello: 'kyso' } });
  assert.deepEqual(c.posted[1], { m: { kyso: 'ready', hello: { hello: 'kyso' }, bridge: 1 }, to: ORIGIN });
  await c.ports[0].deliver({ t: 'hello', hello: { version: '1.0', features: [] } });
  assert.deepEqual(c.posted[2].m, { kyso: 'ready', hello: { version: '1.0', features: [] }, bridge: 1 });
  c.fire({ kyso: 'hello', bridge: 1 });
  await c.ports[0].deliver({ t: 'ready', hostMissing: true });
  assert.deepEqual(c.posted.at(-1).m, { kyso: 'ready', hostMissing: true, bridge: 1 });
  assert.equal(c.ports.length, 1, 'one port per frame');
  assert.ok(c.posted.every((p) => p.to === ORIGIN), 'never "*"');
});

test('requests go to the background as the filter copied them; answers come back by id', async () => {
  const c = load();
  const message = { id: 'k1', cmd: 'certificates', origin: 'https://forged.example' };
  c.fire({ kyso: 'request', bridge: 1, id: 1, message });
  assert.deepEqual(c.ports[0].sent, [{ t: 'request', id: 1, message }],
    'the page\'s origin key travels as data; the background replaces it');
  await c.ports[0].deliver({ t: 'response', id: 2, message: { id: 'zz' } });
  assert.equal(c.posted.length, 0, 'an id nobody waits for');
  await c.ports[0].deliver({ t: 'response', id: 1, message: { id: 'k1', result: { certificates: [] } } });
  assert.deepEqual(c.posted, [{ m: { kyso: 'response', id: 1, message: { id: 'k1', result: { certificates: [] } }, bridge: 1 }, to: ORIGIN }]);
  c.fire({ kyso: 'request', bridge: 1, id: 'b', message: { id: 'k2', cmd: 'sign' } });
  await c.ports[0].deliver({ t: 'error', id: 'b', code: 'BUSY', message: 'too many' });
  assert.deepEqual(c.posted.at(-1).m, { kyso: 'error', id: 'b', code: 'BUSY', message: 'too many', bridge: 1 });
  await c.ports[0].deliver({ t: 'response', id: 'b', message: {} });
  assert.equal(c.posted.length, 2, 'answered once');
});

test('what the filter refuses never reaches the background', async () => {
  const c = load();
  c.fire({ kyso: 'hello', bridge: 1 }, { source: { other: true } });
  c.fire({ kyso: 'hello', bridge: 1 }, { origin: 'null' });
  c.fire({ kyso: 'ack', bridge: 1 });
  c.fire({ kyso: 'hello' });
  assert.equal(c.posted.length + c.ports.length, 0);
  c.fire({ kyso: 'request', bridge: 1, id: 3, message: { cmd: 'sign', pad: 'x'.repeat(70000) } });
  assert.equal(c.ports.length, 0, 'refused here, no port');
  assert.deepEqual(c.posted, [{ m: { kyso: 'error', id: 3, code: 'INVALID_ARGUMENT', message: 'request larger than 64 KiB', bridge: 1 }, to: ORIGIN }]);
});

test('a bridge id still waiting cannot be reused', () => {
  const c = load();
  c.fire({ kyso: 'request', bridge: 1, id: 1, message: { cmd: 'certificates' } });
  c.fire({ kyso: 'request', bridge: 1, id: 1, message: { cmd: 'sign' } });
  assert.equal(c.ports[0].sent.length, 1);
  assert.equal(c.posted[0].m.code, 'INVALID_ARGUMENT');
});

test('an insecure context: ack, then CONTEXT_INSECURE, and the background is never asked', () => {
  const c = load({ secure: false });
  c.fire({ kyso: 'hello', bridge: 1 });
  c.fire({ kyso: 'request', bridge: 1, id: 1, message: { cmd: 'certificates' } });
  assert.equal(c.ports.length, 0);
  assert.deepEqual(c.posted.map((p) => p.m), [
    { kyso: 'ack', bridge: 1 },
    { kyso: 'ready', error: 'CONTEXT_INSECURE', bridge: 1 },
    { kyso: 'error', id: 1, code: 'CONTEXT_INSECURE', message: 'this page is not a secure context (https)', bridge: 1 },
  ]);
});

test('the background goes away: waiting answers fail, the next message opens a new port', async () => {
  const c = load();
  c.fire({ kyso: 'request', bridge: 1, id: 1, message: { cmd: 'certificates' } });
  c.fire({ kyso: 'hello', bridge: 1 });
  await c.ports[0].drop();
  await tick();
  assert.deepEqual(c.posted.slice(1).map((p) => p.m), [
    { kyso: 'error', id: 1, code: 'HOST_DISCONNECTED', message: 'the kyso extension stopped', bridge: 1 },
    { kyso: 'ready', hostMissing: true, bridge: 1 },
  ]);
  c.fire({ kyso: 'request', bridge: 1, id: 2, message: { cmd: 'certificates' } });
  assert.equal(c.ports.length, 2);
  assert.deepEqual(c.ports[1].sent, [{ t: 'request', id: 2, message: { cmd: 'certificates' } }]);
});

test('a port the background refused (too many frames): BUSY to what waited, never hostMissing', async () => {
  const c = load();
  c.fire({ kyso: 'hello', bridge: 1 });
  c.fire({ kyso: 'request', bridge: 1, id: 1, message: { cmd: 'certificates' } });
  await c.ports[0].deliver({ t: 'refused', code: 'BUSY', message: 'too many frames use kyso in this tab' });
  await c.ports[0].drop();
  await tick();
  assert.deepEqual(c.posted.slice(1).map((p) => p.m), [
    { kyso: 'error', id: 1, code: 'BUSY', message: 'too many frames use kyso in this tab', bridge: 1 },
    { kyso: 'ready', error: 'BUSY', message: 'too many frames use kyso in this tab', bridge: 1 },
  ]);
  // The next message asks again; a port that then vanishes is the extension gone.
  c.fire({ kyso: 'hello', bridge: 1 });
  assert.equal(c.ports.length, 2);
  await c.ports[1].drop();
  await tick();
  assert.deepEqual(c.posted.at(-1).m, { kyso: 'ready', hostMissing: true, bridge: 1 });
});

test('the port is closed after 10 s with nothing waiting, kept while something waits, reopened on demand', async () => {
  const c = load();
  c.fire({ kyso: 'hello', bridge: 1 });
  c.fire({ kyso: 'request', bridge: 1, id: 1, message: { cmd: 'sign' } });
  await c.ports[0].deliver({ t: 'ready', hello: { hello: 'kyso' } });
  c.timers.advance(60000);
  assert.equal(c.ports[0].disconnected, false, 'a request waits: the port stays');
  await c.ports[0].deliver({ t: 'response', id: 1, message: { result: {} } });
  c.timers.advance(9000);
  assert.equal(c.ports[0].disconnected, false);
  c.timers.advance(1000);
  assert.equal(c.ports[0].disconnected, true, 'idle 10 s: closed');
  assert.equal(c.posted.filter((p) => p.m.kyso === 'error').length, 0, 'our own close is no error to the page');
  c.fire({ kyso: 'request', bridge: 1, id: 2, message: { cmd: 'certificates' } });
  assert.equal(c.ports.length, 2, 'a new port for the next message');
  assert.deepEqual(c.ports[1].sent, [{ t: 'request', id: 2, message: { cmd: 'certificates' } }]);
  // A hello alone also lets go once answered.
  await c.ports[1].deliver({ t: 'response', id: 2, message: { result: {} } });
  c.fire({ kyso: 'hello', bridge: 1 });
  c.timers.advance(20000);
  assert.equal(c.ports[1].disconnected, false, 'the hello waits for ready');
  await c.ports[1].deliver({ t: 'ready', hello: { hello: 'kyso' } });
  c.timers.advance(10000);
  assert.equal(c.ports[1].disconnected, true);
});
