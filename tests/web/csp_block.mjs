// csp_block.mjs - web.csp_block: a portal whose Content-Security-Policy
// forbids the websocket to kyso-host gets CSP_BLOCKED (what to do, in
// Vietnamese: install the extension, or the portal adds connect-src
// ws://127.0.0.1:PORT), never "not installed" — with the real kyso-host
// running and listening; the same page without the policy connects, and
// with nothing listening and no policy gets HOST_NOT_RUNNING.
//
// Headless Debian Chromium (playwright-core), kyso.js from web/src served
// by a tiny server of this file's own:
//   /csp/          Content-Security-Policy: connect-src 'self'
//   /meta/         the same policy in <meta http-equiv>
//   /report-only/  Content-Security-Policy-Report-Only: connect-src 'self'
//   /csp-allows/   connect-src 'self' ws://127.0.0.1:PORT (the fix the
//                  error text names)
//   /open/         no policy
// The page (page.js) calls kyso.connect() and shows e.message and e.code
// in #msg, as a portal would.
//
// Environment: KYSO_HOST (kyso-host), KYSO_SOURCE_DIR, KYSO_TEST_TMP,
// KYSO_CSP_PORT_BASE (default 19860: the page server; +1 kyso-host; +2 a
// port where nothing listens), CHROMIUM (/usr/bin/chromium).
// One "PASS|FAIL<TAB>message" line per check; exit status 1 on a failure.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const env = process.env;
const here = path.dirname(fileURLToPath(import.meta.url));
const SRC = path.join(env.KYSO_SOURCE_DIR ?? path.join(here, '..', '..'), 'web', 'src');
const BASE = Number(env.KYSO_CSP_PORT_BASE ?? 19860);
const WEB_PORT = BASE;
const HOST_PORT = BASE + 1;
const DEAD_PORT = BASE + 2;
const ORIGIN = `http://127.0.0.1:${WEB_PORT}`;

let failures = 0;
function check(cond, what) {
  if (!cond) failures++;
  console.log(`${cond ? 'PASS' : 'FAIL'}\t${what.replace(/\s+/g, ' ')}`);
}

// ---- the page server ---------------------------------------------------------
const PAGE_JS = `import { connect } from '/kyso.js';
const q = new URLSearchParams(location.search);
const out = document.getElementById('msg');
try {
  const c = await connect({ port: Number(q.get('port')), lang: q.get('lang') ?? 'vi',
    preload: false, bridgeWaitMs: 200 });
  out.textContent = 'connected ' + c.transport;
  out.dataset.code = 'OK';
} catch (e) {
  out.textContent = e.message + ' (' + e.code + ')';
  out.dataset.code = e.code;
}
document.body.dataset.done = '1';
`;
const SCRIPTS = new Set(['kyso.js', 'kyso-host.js', 'kyso-errors.js', 'kyso-code.js']);
const POLICIES = {
  '/csp/': { 'content-security-policy': "connect-src 'self'" },
  '/meta/': {},
  '/report-only/': { 'content-security-policy-report-only': "connect-src 'self'" },
  '/csp-allows/': { 'content-security-policy': `connect-src 'self' ws://127.0.0.1:${HOST_PORT}` },
  '/open/': {},
};
const html = (meta) => `<!doctype html><html lang="vi"><head><meta charset="utf-8">${meta}
<title>cổng thử CSP</title><script type="module" src="/page.js"></script></head>
<body><p id="msg"></p></body></html>`;

const server = http.createServer((req, res) => {
  const u = new URL(req.url, ORIGIN);
  const name = u.pathname.slice(1);
  if (u.pathname in POLICIES) {
    const meta = u.pathname === '/meta/'
      ? `<meta http-equiv="Content-Security-Policy" content="connect-src 'self'">` : '';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...POLICIES[u.pathname] });
    res.end(html(meta));
  } else if (name === 'page.js') {
    res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
    res.end(PAGE_JS);
  } else if (SCRIPTS.has(name)) {
    res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
    res.end(fs.readFileSync(path.join(SRC, name)));
  } else {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
  }
});

// ---- kyso-host ------------------------------------------------------------------
const tmpParent = env.KYSO_TEST_TMP ?? os.tmpdir();
fs.mkdirSync(tmpParent, { recursive: true });
const tmp = fs.mkdtempSync(path.join(tmpParent, 'csp_block.'));
function startHost() {
  fs.mkdirSync(path.join(tmp, 'state'), { recursive: true });
  fs.mkdirSync(path.join(tmp, 'config'), { recursive: true });
  const conf = path.join(tmp, 'host.conf');
  // No token, no allowed origin: the test needs the host listening, and
  // answering with its version-less hello.
  fs.writeFileSync(conf, `port = ${HOST_PORT}\nidle_timeout = 30\n`);
  const child = spawn(env.KYSO_HOST, ['--config', conf], {
    env: { ...env, XDG_STATE_HOME: path.join(tmp, 'state'), XDG_CONFIG_HOME: path.join(tmp, 'config'),
           XDG_CACHE_HOME: path.join(tmp, 'cache') },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kyso-host did not start: ${log}`)), 10000);
    child.stderr.on('data', (d) => {
      log += d;
      if (log.includes('listening on')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.on('exit', (code) => reject(new Error(`kyso-host exited ${code}: ${log}`)));
  });
}

async function pageResult(context, route, port, lang = 'vi') {
  const page = await context.newPage();
  const violations = [];
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) violations.push(m.text()); });
  await page.goto(`${ORIGIN}${route}?port=${port}&lang=${lang}`);
  await page.waitForSelector('body[data-done="1"]', { timeout: 30000 });
  const msg = page.locator('#msg');
  const r = { text: await msg.innerText(), code: await msg.getAttribute('data-code'), violations };
  await page.close();
  return r;
}

const NOT_INSTALLED = ['chưa được cài đặt', 'chưa cài phần mềm', 'not installed'];
const saysNotInstalled = (t) => NOT_INSTALLED.some((s) => t.includes(s));

let host = null;
let context = null;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyso-chromium-'));
try {
  if (!env.KYSO_HOST) throw new Error('KYSO_HOST is not set');
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(WEB_PORT, '127.0.0.1', resolve);
  });
  host = await startHost();
  context = await chromium.launchPersistentContext(dir, {
    executablePath: env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });

  // The host answers: the same page without a policy connects to it.
  let r = await pageResult(context, '/open/', HOST_PORT);
  check(r.code === 'OK', `no policy, kyso-host running: the page connects ("${r.text}")`);

  r = await pageResult(context, '/csp/', HOST_PORT);
  check(r.code === 'CSP_BLOCKED', `connect-src 'self', kyso-host running: CSP_BLOCKED ("${r.text}")`);
  check(r.text.includes('Chính sách bảo mật nội dung (Content-Security-Policy) của trang web này') &&
    r.text.includes('Cài tiện ích trình duyệt kyso (khuyên dùng)') &&
    r.text.includes(`connect-src ws://127.0.0.1:${HOST_PORT}`),
    'the user reads what to do, in Vietnamese: install the extension, or the portal adds connect-src with this port');
  check(!saysNotInstalled(r.text), 'and is never told kyso is not installed');
  check(r.violations.length > 0, `the browser did block it (console: ${r.violations[0] ?? 'nothing'})`);

  r = await pageResult(context, '/csp/', HOST_PORT, 'en');
  check(r.code === 'CSP_BLOCKED' && r.text.includes('Install the kyso browser extension (recommended)') &&
    r.text.includes(`add connect-src ws://127.0.0.1:${HOST_PORT}`), `and in English ("${r.text}")`);

  r = await pageResult(context, '/meta/', HOST_PORT);
  check(r.code === 'CSP_BLOCKED', `the policy in <meta http-equiv>: CSP_BLOCKED too ("${r.code}")`);

  r = await pageResult(context, '/report-only/', HOST_PORT);
  check(r.code === 'OK', `a report-only policy blocks nothing: connects ("${r.text}")`);

  r = await pageResult(context, '/csp-allows/', HOST_PORT);
  check(r.code === 'OK', `connect-src naming ws://127.0.0.1:${HOST_PORT}, the fix the text gives: connects ("${r.text}")`);

  // Nothing listens there: the policy still decides first (the browser never
  // tried, so nothing is known about the host).
  r = await pageResult(context, '/csp/', DEAD_PORT);
  check(r.code === 'CSP_BLOCKED' && !saysNotInstalled(r.text),
    `connect-src 'self', nothing listening: CSP_BLOCKED, not "not installed" ("${r.code}")`);

  // No policy, nothing listening: HOST_NOT_RUNNING (it says "not running or
  // not installed": over the websocket the two cannot be told apart).
  r = await pageResult(context, '/open/', DEAD_PORT);
  check(r.code === 'HOST_NOT_RUNNING' && r.text.includes('chưa chạy hoặc chưa được cài đặt'),
    `no policy, nothing listening: HOST_NOT_RUNNING ("${r.text}")`);

  // And with kyso-host stopped, on its own port.
  host.kill('SIGTERM');
  await new Promise((resolve) => host.once('exit', resolve));
  host = null;
  r = await pageResult(context, '/open/', HOST_PORT);
  check(r.code === 'HOST_NOT_RUNNING', `kyso-host stopped, no policy: HOST_NOT_RUNNING ("${r.code}")`);
} catch (e) {
  check(false, `csp_block: ${e.stack ?? e}`);
} finally {
  if (context) await context.close().catch(() => {});
  if (host) host.kill('SIGTERM');
  server.close();
  fs.rmSync(dir, { recursive: true, force: true });
  if (!failures) fs.rmSync(tmp, { recursive: true, force: true });
}
console.log(`${failures ? 'FAILED' : 'ok'}: ${failures} failure(s)`);
process.exit(failures ? 1 : 0);
