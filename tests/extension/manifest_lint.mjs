// manifest_lint.mjs - extension.firefox_lint's checks of the built
// extension (build/extension) beyond addons-linter: what the stores and the
// browsers would only tell a user at install time, or never.
//
//   node manifest_lint.mjs EXTENSION_DIR KEY_DIR
//
// EXTENSION_DIR holds chromium/, firefox/, kyso-chromium.zip,
// kyso-firefox.xpi and chromium-id.txt (target kyso-extension); KEY_DIR is
// extension/key (chromium-public.b64, chromium-id.txt). Prints
// "PASS|FAIL<TAB>message" lines for judge_node.
//
// The rules (issue 14, THE CONTRACT): MV3; Firefox: gecko id kyso@kyso.vn,
// background.scripts as a module and no service worker; Chromium: the fixed
// "key" whose ID is extension/key/chromium-id.txt, a module service worker;
// permissions nativeMessaging, storage, contextMenus and nothing else; no
// host permission beyond https pages and http on localhost / 127.0.0.1; the
// bridge content script on exactly those, all frames, document_start, the
// filter before it; every file the manifest names exists; no inline script
// in any page (MV3 CSP); the packed .zip / .xpi hold the same files as the
// directories, with manifest.json at the top.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

const GECKO_ID = 'kyso@kyso.vn';
const PERMISSIONS = ['activeTab', 'contextMenus', 'nativeMessaging', 'storage'];
const CONTENT_MATCHES = ['http://127.0.0.1/*', 'http://localhost/*', 'https://*/*'];
// Host access granted at install: at most the pages the bridge serves.
const HOST_ALLOWED = new Set(CONTENT_MATCHES);
// Host access the extension may ask for at run time (the user's grant, one
// origin at a time: the context-menu verifier fetching a PDF link with the
// user's session).
const OPTIONAL_HOST_ALLOWED = new Set(['https://*/*', 'http://*/*']);
// The content scripts: the filter first, then the bridge, then only these.
const CONTENT_JS_EXTRA = new Set(['content-fetch.js']);

let failures = 0;
function check(cond, what) {
  if (!cond) failures++;
  console.log(`${cond ? 'PASS' : 'FAIL'}\t${what.replace(/\s+/g, ' ')}`);
  return cond;
}
const sorted = (a) => [...a].sort();
const same = (a, b) => JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    check(false, `${file}: ${e.message}`);
    return null;
  }
}

// Every regular file under dir, as relative paths with '/'.
function filesUnder(dir, base = dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(full, base));
    else if (e.isFile()) out.push(path.relative(base, full).split(path.sep).join('/'));
    else check(false, `${full}: neither a file nor a directory (symlink?)`);
  }
  return out;
}

// Chromium's ID: the first 128 bits of SHA-256 of the DER public key, each
// hex digit 0-f written as a-p.
export function chromiumId(derB64) {
  const hex = crypto.createHash('sha256').update(Buffer.from(derB64, 'base64')).digest('hex').slice(0, 32);
  return [...hex].map((h) => String.fromCharCode(97 + parseInt(h, 16))).join('');
}

// The files a manifest names (background, content scripts, pages, icons).
function namedFiles(m) {
  const out = [];
  const add = (f) => { if (typeof f === 'string' && f) out.push(f.replace(/^\//, '')); };
  add(m.background?.service_worker);
  (m.background?.scripts ?? []).forEach(add);
  add(m.background?.page);
  for (const cs of m.content_scripts ?? []) { (cs.js ?? []).forEach(add); (cs.css ?? []).forEach(add); }
  add(m.action?.default_popup);
  add(m.options_ui?.page);
  add(m.options_page);
  for (const v of Object.values(m.icons ?? {})) add(v);
  for (const v of Object.values(m.action?.default_icon ?? {})) add(v);
  if (typeof m.action?.default_icon === 'string') add(m.action.default_icon);
  return out;
}

// Script sources an HTML page loads; inline scripts and on* handlers, which
// MV3's CSP refuses (the page would silently not work).
function htmlProblems(text) {
  const problems = [];
  for (const m of text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi)) {
    if (!/\bsrc\s*=/i.test(m[1]) || m[2].trim() !== '') problems.push('inline <script>');
  }
  if (/<[^>]+\son[a-z]+\s*=/i.test(text)) problems.push('inline event handler (on...=)');
  if (/javascript:/i.test(text)) problems.push('javascript: URL');
  return problems;
}
function scriptSrcs(text) {
  return [...text.matchAll(/<script\b[^>]*\bsrc\s*=\s*["']([^"']+)["']/gi)].map((m) => m[1]);
}

function commonChecks(name, dir, m) {
  check(m.manifest_version === 3, `${name}: manifest_version 3 (${m.manifest_version})`);
  check(typeof m.version === 'string' && /^\d+\.\d+\.\d+$/.test(m.version), `${name}: version X.Y.Z (${m.version})`);
  check(same(m.permissions ?? [], PERMISSIONS),
    `${name}: permissions exactly ${PERMISSIONS.join(', ')} (${JSON.stringify(m.permissions)})`);
  const extra = (m.host_permissions ?? []).filter((h) => !HOST_ALLOWED.has(h));
  check(extra.length === 0, `${name}: no host access beyond https pages and http on localhost / 127.0.0.1 (${JSON.stringify(extra)})`);
  const extraOptional = (m.optional_host_permissions ?? []).filter((h) => !OPTIONAL_HOST_ALLOWED.has(h));
  check(extraOptional.length === 0, `${name}: optional host access only for http(s) pages (${JSON.stringify(extraOptional)})`);
  check(!(m.optional_permissions ?? []).length, `${name}: no optional API permissions (${JSON.stringify(m.optional_permissions)})`);
  check(!m.externally_connectable, `${name}: no externally_connectable (pages reach kyso only through the content script)`);
  const war = (m.web_accessible_resources ?? []).flatMap((w) => (typeof w === 'string' ? [w] : w.resources ?? []));
  check(war.length === 0, `${name}: no web_accessible_resources (pages cannot probe or frame the extension) (${JSON.stringify(war)})`);
  const csp = m.content_security_policy;
  const cspText = typeof csp === 'string' ? csp : JSON.stringify(csp ?? {});
  check(!/unsafe-inline|'unsafe-eval'|https?:|\*/.test(cspText),
    `${name}: the CSP allows no inline code, eval or remote source (${cspText})`);

  const cs = m.content_scripts ?? [];
  check(cs.length === 1, `${name}: one content script entry (${cs.length})`);
  const c = cs[0] ?? {};
  check(same(c.matches ?? [], CONTENT_MATCHES), `${name}: the bridge runs on ${CONTENT_MATCHES.join(', ')} (${JSON.stringify(c.matches)})`);
  check(c.all_frames === true && c.run_at === 'document_start', `${name}: all frames, document_start`);
  const js = (c.js ?? []).map((f) => path.basename(f));
  check(js[0] === 'bridge-filter.js' && js[1] === 'content.js' && js.slice(2).every((f) => CONTENT_JS_EXTRA.has(f)),
    `${name}: bridge-filter.js then content.js, then only ${[...CONTENT_JS_EXTRA].join(', ')} (${JSON.stringify(c.js)})`);
  check(!c.world || c.world === 'ISOLATED', `${name}: the content script runs in the isolated world (${c.world})`);

  for (const f of namedFiles(m)) {
    check(fs.existsSync(path.join(dir, f)), `${name}: ${f} named in the manifest exists`);
  }
  const files = filesUnder(dir);
  for (const f of files.filter((x) => x.endsWith('.html'))) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    const p = htmlProblems(text);
    check(p.length === 0, `${name}: ${f} has no inline code (${p.join(', ')})`);
    for (const src of scriptSrcs(text)) {
      const local = !/^[a-z][a-z0-9+.-]*:/i.test(src) && !src.startsWith('//');
      const target = local && path.posix.normalize(path.posix.join(path.posix.dirname(f), src.split(/[?#]/)[0]));
      check(local && fs.existsSync(path.join(dir, target)), `${name}: ${f} loads ${src} from the extension itself`);
    }
  }
  const stray = files.filter((f) => /(^|\/)(node_modules|\.git)\//.test(f) || /\.(pem|key|p12|pfx|der)$/i.test(f));
  check(stray.length === 0, `${name}: no node_modules, .git or key files shipped (${stray.slice(0, 5).join(', ')})`);
  return files;
}

// The archive unpacked in a temp dir: its file list and the files that
// differ from dir's.
function zipCompare(file, dir) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kyso-zip-'));
  try {
    execFileSync('unzip', ['-q', file, '-d', tmp], { stdio: ['ignore', 'ignore', 'pipe'] });
    const list = filesUnder(tmp);
    const differ = list.filter((f) => !fs.existsSync(path.join(dir, f)) ||
      !fs.readFileSync(path.join(tmp, f)).equals(fs.readFileSync(path.join(dir, f))));
    return { list, differ };
  } catch (e) {
    check(false, `${file}: unzip failed: ${e.message}`);
    return { list: [], differ: [] };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function main() {
  const [extDir, keyDir] = process.argv.slice(2);
  if (!keyDir) throw new Error('usage: manifest_lint.mjs EXTENSION_DIR KEY_DIR');

  // ---- Firefox
  const ffDir = path.join(extDir, 'firefox');
  const ff = readJson(path.join(ffDir, 'manifest.json'));
  let ffFiles = [];
  if (ff) {
    ffFiles = commonChecks('firefox', ffDir, ff);
    check(ff.browser_specific_settings?.gecko?.id === GECKO_ID,
      `firefox: gecko id ${GECKO_ID} (${ff.browser_specific_settings?.gecko?.id}), as the host manifest's allowed_extensions`);
    const bg = ff.background ?? {};
    check(Array.isArray(bg.scripts) && bg.scripts.length > 0 && !bg.service_worker,
      `firefox: background.scripts and no service_worker (${JSON.stringify(bg)})`);
    check(bg.type === 'module', `firefox: background as an ES module (${bg.type})`);
    check(!('key' in ff), 'firefox: no Chromium "key"');
    const dcp = ff.browser_specific_settings?.gecko?.data_collection_permissions;
    check(Array.isArray(dcp?.required) && dcp.required.length === 1 && dcp.required[0] === 'none',
      `firefox: data_collection_permissions required ["none"]: kyso sends nothing anywhere (${JSON.stringify(dcp)})`);
  }

  // ---- Chromium
  const chDir = path.join(extDir, 'chromium');
  const ch = readJson(path.join(chDir, 'manifest.json'));
  let chFiles = [];
  const keyB64 = fs.readFileSync(path.join(keyDir, 'chromium-public.b64'), 'utf8').trim();
  const wantId = fs.readFileSync(path.join(keyDir, 'chromium-id.txt'), 'utf8').trim();
  check(chromiumId(keyB64) === wantId, `extension/key: chromium-public.b64 gives ID ${wantId} (${chromiumId(keyB64)})`);
  if (ch) {
    chFiles = commonChecks('chromium', chDir, ch);
    check(typeof ch.key === 'string' && ch.key.replace(/\s+/g, '') === keyB64.replace(/\s+/g, ''),
      'chromium: "key" is extension/key/chromium-public.b64');
    check(typeof ch.key === 'string' && chromiumId(ch.key) === wantId, `chromium: the key's ID is ${wantId}`);
    const built = path.join(extDir, 'chromium-id.txt');
    check(fs.existsSync(built) && fs.readFileSync(built, 'utf8').trim() === wantId,
      `build/extension/chromium-id.txt says ${wantId}`);
    const bg = ch.background ?? {};
    check(typeof bg.service_worker === 'string' && !bg.scripts && bg.type === 'module',
      `chromium: a module service worker, no background.scripts (${JSON.stringify(bg)})`);
    check(!ch.browser_specific_settings, 'chromium: no browser_specific_settings (Chrome warns about the unknown key)');
    if (ff) check(ch.version === ff.version, `one version for both browsers (${ch.version}, ${ff?.version})`);
  }

  // ---- the packed files: the same files as the directories
  for (const [name, sub, files] of [['kyso-firefox.xpi', 'firefox', ffFiles], ['kyso-chromium.zip', 'chromium', chFiles]]) {
    const full = path.join(extDir, name);
    if (!check(fs.existsSync(full), `${name} is built`)) continue;
    const z = zipCompare(full, path.join(extDir, sub));
    check(z.list.includes('manifest.json'), `${name}: manifest.json at the top of the archive`);
    check(same(z.list, files), `${name}: the same ${files.length} files as ${sub}/ (${z.list.length} in the archive)`);
    check(z.differ.length === 0, `${name}: each file the same bytes as in ${sub}/ (${z.differ.slice(0, 5).join(', ')})`);
  }
  console.log(`${failures === 0 ? 'PASS' : 'FAIL'}\tmanifest_lint: ${failures} problem(s)`);
}

try {
  main();
} catch (e) {
  check(false, `manifest_lint.mjs: ${e?.stack ?? e}`);
}
