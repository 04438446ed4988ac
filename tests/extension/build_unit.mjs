// build_unit.mjs - extension.unit_build: extension/build.mjs into a
// scratch directory (with a small stand-in for build/web): the manifests
// (version, Chromium key and ID, module backgrounds, gecko id, content
// scripts), icons, the web copy without demo/, and the archives read back
// entry by entry (files at the root, sorted, same bytes as the directory,
// the same archive twice). node only.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const EXT = fileURLToPath(new URL('../../extension/', import.meta.url));
const BUILD = path.join(EXT, 'build.mjs');
const tmpRoot = fs.mkdtempSync(path.join(process.env.KYSO_TEST_TMP ?? os.tmpdir(), 'kyso-ext-build-'));
fs.mkdirSync(tmpRoot, { recursive: true });
const OUT = path.join(tmpRoot, 'extension');
const WEB = path.join(tmpRoot, 'web');

fs.mkdirSync(path.join(WEB, 'wasm'), { recursive: true });
fs.mkdirSync(path.join(WEB, 'demo'), { recursive: true });
fs.writeFileSync(path.join(WEB, 'verify.js'), '// stand-in\n');
// The real page: the extension's verifier is written from it.
fs.copyFileSync(fileURLToPath(new URL('../../web/src/verify.html', import.meta.url)), path.join(WEB, 'verify.html'));
fs.writeFileSync(path.join(WEB, 'wasm', 'kyso.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
fs.writeFileSync(path.join(WEB, 'demo', 'index.html'), '<!doctype html>');

const run = (...args) => execFileSync(process.execPath, [BUILD, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const key = fs.readFileSync(path.join(EXT, 'key', 'chromium-public.b64'), 'utf8').trim();
const expectedId = fs.readFileSync(path.join(EXT, 'key', 'chromium-id.txt'), 'utf8').trim();

function filesUnder(dir, rel = '') {
  const out = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...filesUnder(dir, r));
    else out.push(r);
  }
  return out;
}

// A zip read back through its central directory (APPNOTE 4.3.12, 4.3.16).
function readZip(buf) {
  const eocd = buf.length - 22;
  assert.equal(buf.readUInt32LE(eocd), 0x06054b50, 'end of central directory at the end (no comment)');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const entries = [];
  for (let i = 0; i < count; i++) {
    assert.equal(buf.readUInt32LE(p), 0x02014b50);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const csize = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nlen = buf.readUInt16LE(p + 28);
    const xlen = buf.readUInt16LE(p + 30);
    const clen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nlen).toString('utf8');
    assert.equal(buf.readUInt32LE(local), 0x04034b50);
    const lnlen = buf.readUInt16LE(local + 26);
    const lxlen = buf.readUInt16LE(local + 28);
    const body = buf.subarray(local + 30 + lnlen + lxlen, local + 30 + lnlen + lxlen + csize);
    const data = method === 8 ? zlib.inflateRawSync(body) : method === 0 ? Buffer.from(body) : null;
    assert.ok(data, `${name}: stored or deflated`);
    assert.equal(data.length, size, `${name}: size`);
    entries.push({ name, data, crc });
    p += 46 + nlen + xlen + clen;
  }
  return entries;
}

test('the build: both browsers, archives, the ID, no leftovers', () => {
  const out = run('--out', OUT, '--version', '1.2.3', '--web', WEB);
  assert.match(out, new RegExp(expectedId));
  for (const f of ['chromium/manifest.json', 'firefox/manifest.json', 'kyso-chromium.zip', 'kyso-firefox.xpi', 'chromium-id.txt'])
    assert.ok(fs.existsSync(path.join(OUT, f)), f);
  assert.equal(fs.readFileSync(path.join(OUT, 'chromium-id.txt'), 'utf8').trim(), expectedId);
  assert.equal(expectedId, 'knlmekdlhgpnkpflicepkioblefgfcac');
  assert.ok(!fs.existsSync(`${OUT}.new`) && !fs.existsSync(`${OUT}.old`), 'built aside, swapped in');
});

test('the Chromium ID is the key\'s: SHA-256 of the DER, first 128 bits written a-p', () => {
  const hex = createHash('sha256').update(Buffer.from(key, 'base64')).digest('hex').slice(0, 32);
  const id = [...hex].map((c) => 'abcdefghijklmnop'[parseInt(c, 16)]).join('');
  assert.equal(id, expectedId);
});

test('manifests: version, key, module backgrounds, gecko id, bridge scripts, CSP', () => {
  const c = JSON.parse(fs.readFileSync(path.join(OUT, 'chromium', 'manifest.json'), 'utf8'));
  const f = JSON.parse(fs.readFileSync(path.join(OUT, 'firefox', 'manifest.json'), 'utf8'));
  for (const m of [c, f]) {
    assert.equal(m.manifest_version, 3);
    assert.equal(m.version, '1.2.3');
    assert.match(m.name, /Ký số/);
    assert.deepEqual([...m.permissions].sort(), ['activeTab', 'contextMenus', 'nativeMessaging', 'storage']);
    assert.equal(m.host_permissions, undefined, 'no host permission granted at install');
    const cs = m.content_scripts[0];
    assert.deepEqual(cs.js.slice(0, 2), ['src/bridge-filter.js', 'src/content.js']);
    assert.deepEqual([...cs.matches].sort(), ['http://127.0.0.1/*', 'http://localhost/*', 'https://*/*']);
    assert.equal(cs.all_frames, true);
    assert.equal(cs.run_at, 'document_start');
    assert.equal(m.content_security_policy.extension_pages, "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'");
    assert.equal(m.action.default_popup, 'popup/popup.html');
    assert.equal(m.background.type, 'module');
    assert.ok(!JSON.stringify(m).includes('@'.concat('VERSION@')) && !JSON.stringify(m).includes('@KEY@'));
  }
  assert.equal(c.key, key);
  assert.equal(c.background.service_worker, 'src/background.js');
  assert.equal(c.background.scripts, undefined);
  assert.equal(f.key, undefined, 'Firefox has no "key"');
  assert.deepEqual(f.background.scripts, ['src/background.js']);
  assert.equal(f.background.service_worker, undefined);
  assert.equal(f.browser_specific_settings.gecko.id, 'kyso@kyso.vn');
  const minFx = parseInt(f.browser_specific_settings.gecko.strict_min_version, 10);
  assert.ok(minFx >= 128 && minFx <= 153, `an ESR loads it: Debian's firefox-esr 153 at least (min ${minFx})`);
});

test('icons are PNGs of their size; the web pages come without demo/', () => {
  for (const b of ['chromium', 'firefox']) {
    for (const s of [16, 32, 48, 128]) {
      const png = fs.readFileSync(path.join(OUT, b, 'icons', `kyso-${s}.png`));
      assert.equal(png.subarray(1, 4).toString(), 'PNG');
      assert.equal(png.readUInt32BE(16), s);
      assert.equal(png.readUInt32BE(20), s);
    }
    assert.ok(fs.existsSync(path.join(OUT, b, 'web', 'verify.js')));
    assert.ok(fs.existsSync(path.join(OUT, b, 'web', 'wasm', 'kyso.wasm')));
    assert.ok(!fs.existsSync(path.join(OUT, b, 'web', 'demo')), 'no demo portal inside the extension');
    for (const f of ['src/background.js', 'src/bridge.js', 'src/origin.js', 'src/native.js', 'src/limits.js'])
      assert.equal(fs.readFileSync(path.join(OUT, b, f), 'utf8'), fs.readFileSync(path.join(EXT, f), 'utf8'), f);
  }
});

test('archives: the directory\'s files at the root, sorted, same bytes, CRCs right', () => {
  for (const [b, name] of [['chromium', 'kyso-chromium.zip'], ['firefox', 'kyso-firefox.xpi']]) {
    const entries = readZip(fs.readFileSync(path.join(OUT, name)));
    const names = entries.map((e) => e.name);
    const files = filesUnder(path.join(OUT, b));
    assert.deepEqual([...names].sort(), [...files].sort(), `${name}: the same files`);
    assert.deepEqual(names, [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))), 'sorted');
    assert.ok(names.includes('manifest.json'), 'manifest.json at the root');
    assert.ok(names.every((n) => !n.startsWith('/') && !n.includes('..') && !n.startsWith(b)), 'relative, at the root');
    for (const e of entries) {
      assert.ok(e.data.equals(fs.readFileSync(path.join(OUT, b, e.name))), e.name);
      if (typeof zlib.crc32 === 'function') assert.equal(e.crc, zlib.crc32(e.data), `${e.name}: CRC-32`);
    }
  }
});

test('the same inputs give the same archive bytes; unchanged inputs are not rebuilt', () => {
  const before = fs.readFileSync(path.join(OUT, 'kyso-chromium.zip'));
  assert.match(run('--out', OUT, '--version', '1.2.3', '--web', WEB), /up to date/);
  fs.rmSync(path.join(OUT, '.inputs'));
  run('--out', OUT, '--version', '1.2.3', '--web', WEB);
  assert.ok(before.equals(fs.readFileSync(path.join(OUT, 'kyso-chromium.zip'))), 'reproducible');
  // A new version is a rebuild.
  run('--out', OUT, '--version', '1.2.4', '--web', WEB);
  assert.equal(JSON.parse(fs.readFileSync(path.join(OUT, 'firefox', 'manifest.json'), 'utf8')).version, '1.2.4');
});

test('without --web: built, and says the verifier lacks its pages', () => {
  const out2 = path.join(tmpRoot, 'noweb');
  const r = execFileSync(process.execPath, [BUILD, '--out', out2, '--version', '0.1.0'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.match(r, /kyso extension 0\.1\.0/);
  assert.ok(!fs.existsSync(path.join(out2, 'chromium', 'web')));
  assert.ok(fs.existsSync(path.join(out2, 'kyso-firefox.xpi')));
});

test('the verifier page is verify.html with the extension\'s parts, or the build stops', () => {
  const page = fs.readFileSync(path.join(OUT, 'chromium', 'verifier', 'verifier.html'), 'utf8');
  const web = fs.readFileSync(path.join(WEB, 'verify.html'), 'utf8');
  // verify.js's ids all there: every id of verify.html is in the page.
  for (const [, id] of web.matchAll(/\bid="([^"]+)"/g)) assert.ok(page.includes(`id="${id}"`), `id ${id}`);
  assert.match(page, /<section id="job"[^>]*data-job-state="none"/);
  assert.ok(page.indexOf('</header>') < page.indexOf('<section id="job"'), 'job section after the header');
  assert.doesNotMatch(page, /http-equiv="Content-Security-Policy"/, 'the manifest\'s CSP applies, not a meta');
  assert.match(page, /<script type="module" src="verifier\.js"><\/script>/);
  assert.match(page, /href="\.\.\/web\/verify\.css"/);
  assert.doesNotMatch(page, /src="verify\.js"/);
  assert.ok(!fs.existsSync(path.join(OUT, 'chromium', 'verifier', 'job-section.html')), 'the fragment is not shipped');
  // A verify.html the edits no longer fit: refused, the last build kept.
  const web2 = path.join(tmpRoot, 'web-changed');
  fs.cpSync(WEB, web2, { recursive: true });
  fs.writeFileSync(path.join(web2, 'verify.html'), web.replace('</header>', '</div>'));
  assert.throws(() => run('--out', OUT, '--version', '1.2.5', '--web', web2),
    (e) => e.status === 1 && /verify\.html: .*found 0 times/.test(e.stderr));
  assert.equal(JSON.parse(fs.readFileSync(path.join(OUT, 'chromium', 'manifest.json'), 'utf8')).version, '1.2.4');
});

test('bad arguments are refused', () => {
  for (const args of [[], ['--out', OUT], ['--out', OUT, '--version', '1.2.x'], ['--out', OUT, '--version', '01.2.3'],
    ['--out', OUT, '--version', '1.2.3', '--web', path.join(tmpRoot, 'nothing')], ['--bogus', 'x']]) {
    assert.throws(() => run(...args), (e) => e.status === 1, JSON.stringify(args));
  }
  fs.rmSync(tmpRoot, { recursive: true, force: true });
});
