// page_bridge_unit.mjs - extension.unit_page: the page's half of the
// bridge (web/src/kyso-host.js connectExtension, through connectHost) with
// a fake window whose postMessage delivers to its own listeners, and a
// stand-in content script: the ack extends the wait, ready's three forms
// (hello, hostMissing, CONTEXT_INSECURE as a KysoError with its words),
// the full hello later, bridge ids unique in the page. node only.
import test from 'node:test';
import assert from 'node:assert/strict';

const ORIGIN = 'https://vanban.tiengiang.gov.vn';
const listeners = new Set();
const posted = [];
const win = {
  addEventListener(type, f) { if (type === 'message') listeners.add(f); },
  removeEventListener(type, f) { listeners.delete(f); },
  postMessage(m, targetOrigin) {
    posted.push({ m: structuredClone(m), to: targetOrigin });
    const data = structuredClone(m);
    setTimeout(() => { for (const f of [...listeners]) f({ source: win, origin: ORIGIN, data }); }, 0);
  },
};
globalThis.window = win;
globalThis.location = { origin: ORIGIN, protocol: 'https:', hostname: 'vanban.tiengiang.gov.vn' };
const { connectHost } = await import('../../web/src/kyso-host.js');

// The stand-in content script: behaviour per test.
let ext = null;
win.addEventListener('message', (ev) => {
  const m = ev.data;
  if (!ext || !m || m.bridge !== 1) return;
  if (m.kyso === 'hello') ext.onHello();
  else if (m.kyso === 'request') ext.onRequest(m);
});
const say = (m, delay = 0) => setTimeout(() => win.postMessage({ ...m, bridge: 1 }, ORIGIN), delay);

test('no extension: nothing within bridgeWaitMs', async () => {
  ext = null;
  const t0 = Date.now();
  await assert.rejects(connectHost({ transport: 'extension', bridgeWaitMs: 200 }), (e) => e.code === 'HOST_NOT_INSTALLED');
  assert.ok(Date.now() - t0 >= 190);
  assert.deepEqual(posted.at(-1), { m: { kyso: 'hello', bridge: 1 }, to: ORIGIN }, 'posted to its own origin');
});

test('the ack extends the wait: ready may come after bridgeWaitMs', async () => {
  ext = {
    onHello() { say({ kyso: 'ack' }); say({ kyso: 'ready', hello: { hello: 'kyso' } }, 500); },
    onRequest(m) {
      say({ kyso: 'ready', hello: { version: '1.0', features: ['certificates'] } });
      say({ kyso: 'response', id: m.id, message: { id: m.message.id, result: { certificates: [] } } }, 5);
    },
  };
  const conn = await connectHost({ transport: 'extension', bridgeWaitMs: 200 });
  assert.equal(conn.transport, 'extension');
  assert.equal(conn.hello.version, null, 'version-less at first');
  const r = await conn.request({ id: 'k1', cmd: 'certificates' });
  assert.deepEqual(r, { id: 'k1', result: { certificates: [] } });
  assert.equal(conn.hello.version, '1.0', 'the full hello before the reply');
  conn.close();
});

test('without the ack, an early ready alone still connects (no wait for more)', async () => {
  ext = { onHello() { say({ kyso: 'ready', hello: { hello: 'kyso' } }, 20); }, onRequest() {} };
  const conn = await connectHost({ transport: 'extension', bridgeWaitMs: 300 });
  assert.equal(conn.transport, 'extension');
  conn.close();
});

test('ready with CONTEXT_INSECURE is a KysoError that says what to do', async () => {
  ext = { onHello() { say({ kyso: 'ack' }); say({ kyso: 'ready', error: 'CONTEXT_INSECURE' }, 5); }, onRequest() {} };
  await assert.rejects(connectHost({ bridgeWaitMs: 300 }), (e) => {
    assert.equal(e.code, 'CONTEXT_INSECURE');
    assert.equal(e.name, 'KysoError');
    assert.match(e.message, /https/);
    assert.match(e.message, /an toàn/, 'Vietnamese by default');
    return true;
  });
  await assert.rejects(connectHost({ bridgeWaitMs: 300, lang: 'en' }), (e) => /secure connection/.test(e.message));
});

test('hostMissing: HOST_NOT_INSTALLED', async () => {
  ext = { onHello() { say({ kyso: 'ack' }); say({ kyso: 'ready', hostMissing: true }, 5); }, onRequest() {} };
  await assert.rejects(connectHost({ transport: 'extension', bridgeWaitMs: 300 }), (e) => e.code === 'HOST_NOT_INSTALLED');
});

test('ready with error BUSY (the extension refused this frame\'s port): BUSY, never HOST_NOT_INSTALLED', async () => {
  ext = { onHello() { say({ kyso: 'ack' }); say({ kyso: 'ready', error: 'BUSY' }, 5); }, onRequest() {} };
  for (const transport of ['extension', 'auto']) {
    await assert.rejects(connectHost({ transport, bridgeWaitMs: 300 }), (e) => {
      assert.equal(e.code, 'BUSY', transport);
      assert.equal(e.name, 'KysoError');
      return true;
    });
  }
  // The extension's words (which cap refused) become the error's detail.
  const words = 'too many kyso connections in this page; try again later';
  ext = { onHello() { say({ kyso: 'ack' }); say({ kyso: 'ready', error: 'BUSY', message: words }, 5); }, onRequest() {} };
  await assert.rejects(connectHost({ transport: 'extension', bridgeWaitMs: 300 }), (e) => {
    assert.equal(e.code, 'BUSY');
    assert.equal(e.detail, words);
    return true;
  });
});

test('bridge ids are unique across the page\'s connections; errors carry the extension\'s code', async () => {
  const seen = [];
  ext = {
    onHello() { say({ kyso: 'ack' }); say({ kyso: 'ready', hello: { hello: 'kyso' } }, 1); },
    onRequest(m) {
      seen.push(m.id);
      say({ kyso: 'error', id: m.id, code: 'BUSY', message: 'too many kyso requests waiting' });
    },
  };
  const a = await connectHost({ transport: 'extension', bridgeWaitMs: 300 });
  const b = await connectHost({ transport: 'extension', bridgeWaitMs: 300 });
  await assert.rejects(a.request({ id: 'k1', cmd: 'certificates' }), (e) => e.code === 'BUSY');
  await assert.rejects(b.request({ id: 'k1', cmd: 'certificates' }), (e) => e.code === 'BUSY');
  assert.equal(new Set(seen).size, 2, `two different bridge ids (${seen})`);
  a.close();
  b.close();
});
