// origin_unit.mjs - extension.unit_origin: the origin a bridge request
// speaks for, from the runtime port's sender as Chromium and Firefox
// describe it (extension/src/origin.js). node only.
import test from 'node:test';
import assert from 'node:assert/strict';
import { senderOrigin, checkOrigin } from '../../extension/src/origin.js';

const ok = (sender, origin, what) => assert.deepEqual(senderOrigin(sender), { origin }, what ?? JSON.stringify(sender));
const insecure = (sender, what) =>
  assert.deepEqual(senderOrigin(sender), { error: 'CONTEXT_INSECURE' }, what ?? JSON.stringify(sender));

const TAB = { id: 4, url: 'https://portal.example/' };

test('Chromium: sender.origin is the frame\'s own origin and wins over the URL', () => {
  ok({ origin: 'https://vanban.tiengiang.gov.vn', url: 'https://vanban.tiengiang.gov.vn/ky?x=1#y', frameId: 0, tab: TAB },
    'https://vanban.tiengiang.gov.vn');
  // The browser's origin is the truth even if the URL were to say otherwise
  // (about:srcdoc, blob: documents inherit it).
  ok({ origin: 'https://a.example', url: 'about:srcdoc', frameId: 3, tab: TAB }, 'https://a.example');
  ok({ origin: 'https://a.example', url: 'https://evil.example/' }, 'https://a.example');
});

test('Firefox: no sender.origin, the origin of sender.url', () => {
  ok({ url: 'https://dichvucong.gov.vn/p/ky.html?q=1#frag', frameId: 0, tab: TAB }, 'https://dichvucong.gov.vn');
  ok({ url: 'https://user:pw@dichvucong.gov.vn:8443/x' }, 'https://dichvucong.gov.vn:8443');
  ok({ url: 'blob:https://a.example/5e1c-…' }, 'https://a.example');
});

test('frames get their own origin, not the tab\'s', () => {
  ok({ origin: 'https://iframe.other', url: 'https://iframe.other/in', frameId: 7, tab: TAB }, 'https://iframe.other');
  ok({ url: 'https://iframe.other/in', frameId: 7, tab: TAB }, 'https://iframe.other');
});

test('canonical form: lower case, default port dropped, other ports kept', () => {
  ok({ url: 'HTTPS://VanBan.TienGiang.GOV.VN:443/' }, 'https://vanban.tiengiang.gov.vn');
  ok({ origin: 'HTTPS://EXAMPLE.COM' }, 'https://example.com');
  ok({ origin: 'https://example.com:8443' }, 'https://example.com:8443');
  ok({ url: 'http://localhost:80/x' }, 'http://localhost');
  ok({ url: 'http://127.0.0.1:19820/page.html' }, 'http://127.0.0.1:19820');
  ok({ url: 'https://xn--k-gha.vn/' }, 'https://xn--k-gha.vn');
  ok({ url: 'https://ký.vn/' }, 'https://xn--k-gha.vn', 'IDN as punycode');
});

test('IPv6', () => {
  ok({ url: 'http://[::1]:8080/' }, 'http://[::1]:8080');
  ok({ origin: 'http://[0:0:0:0:0:0:0:1]' }, 'http://[::1]');
  ok({ url: 'https://[2001:DB8::1]/' }, 'https://[2001:db8::1]');
  insecure({ url: 'http://[2001:db8::1]/' }, 'http on a non-loopback IPv6');
  insecure({ url: 'http://[::ffff:127.0.0.1]/' }, 'a mapped address is not the loopback name');
});

test('http only on localhost, 127.0.0.1 and [::1]', () => {
  for (const url of ['http://vanban.tiengiang.gov.vn/', 'http://192.168.1.10/', 'http://10.0.0.1:8080/',
    'http://127.0.0.2/', 'http://localhost.evil.example/', 'http://evil.localhost/', 'http://127.0.0.1.nip.io/',
    'http://0.0.0.0/', 'http://localhost./'])
    insecure({ url }, url);
  ok({ url: 'http://LOCALHOST:3000/' }, 'http://localhost:3000');
  ok({ url: 'http://0x7f.0.0.1/' }, 'http://127.0.0.1', 'the URL parser makes it dotted decimal');
});

test('opaque, local and other schemes are CONTEXT_INSECURE', () => {
  for (const s of [
    { url: 'about:blank' }, { origin: 'null', url: 'https://sandboxed.example/' }, { url: 'data:text/html,<b>x</b>' },
    { url: 'file:///home/u/a.html' }, { url: 'ftp://a.example/' }, { url: 'ws://a.example/' },
    { url: 'chrome-extension://knlmekdlhgpnkpflicepkioblefgfcac/popup/popup.html' },
    { url: 'moz-extension://0d5c2f1e-1/popup.html' }, { url: 'javascript:alert(1)' }, { url: 'blob:null/abc' },
    { origin: 'chrome-extension://knlmekdlhgpnkpflicepkioblefgfcac' },
  ]) insecure(s);
});

test('anything that is not the browser\'s sender shape is refused', () => {
  for (const s of [undefined, null, 'https://a.example', 42, {}, { url: 42 }, { url: '' }, { url: 'not a url' },
    { origin: 42 }, { origin: '' }, { origin: 'https://a.example/path' }, { origin: 'https://a.example?q' },
    { origin: 'https://a.example#f' }, { origin: 'https://u@a.example' }, { origin: ` https://a.example` },
    { origin: `https://${'a'.repeat(3000)}.example` }])
    insecure(s);
  // A trailing slash is still an origin (the URL parser adds one anyway).
  ok({ origin: 'https://a.example/' }, 'https://a.example');
});

test('checkOrigin is what senderOrigin applies', () => {
  assert.deepEqual(checkOrigin('https://a.example'), { origin: 'https://a.example' });
  assert.deepEqual(checkOrigin('null'), { error: 'CONTEXT_INSECURE' });
  assert.deepEqual(checkOrigin(null), { error: 'CONTEXT_INSECURE' });
});
