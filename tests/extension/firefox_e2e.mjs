// firefox_e2e.mjs - the browser half of extension.firefox_e2e: headless
// Firefox ESR (the Debian package) driven by puppeteer-core over WebDriver
// BiDi, the kyso extension (kyso-firefox.xpi, unsigned) installed as a
// temporary add-on (BiDi webExtension.install; gone with the profile), the
// test page (tests/extension/page, kyso.js beside it) on
// http://localhost:PORT asking through the extension only: certificates,
// then one signature; then a request posted straight onto the bridge with
// a forged "origin" (one host.conf allows): the host must ask for the
// page's own origin (the scripted pinentry's log). Before all that, the host
// manifest moved away: HOST_NOT_INSTALLED. Prints
// "PASS|FAIL<TAB>message" lines for judge_node; the signed file goes to
// OUTDIR/signed.pdf for pdfsig and kyso verify (firefox_e2e_test.sh).
//
//   node firefox_e2e.mjs EXTENSION(.xpi or directory) INPUT.pdf OUTDIR
//
// Environment: KYSO_FIREFOX (default /usr/bin/firefox-esr), KYSO_FIREFOX_HOME
// (the browser's HOME: .mozilla/native-messaging-hosts/vn.kyso.host.json),
// KYSO_PAGE_URL (the page), PKI_PERSON_CN (the token's holder),
// KYSO_PINENTRY_LOG (the scripted pinentry's transcript), KYSO_FORGED_ORIGIN
// (an origin host.conf allows), KYSO_ARTIFACTS (a screenshot is kept there).
import fs from 'node:fs';
import path from 'node:path';
import puppeteer from 'puppeteer-core';

const env = process.env;
const GECKO_ID = 'kyso@kyso.vn';
const STEP_TIMEOUT_MS = 60000;

function check(cond, what) {
  console.log(`${cond ? 'PASS' : 'FAIL'}\t${what.replace(/\s+/g, ' ')}`);
  return cond;
}

function withTimeout(promise, what) {
  let timer;
  const t = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${STEP_TIMEOUT_MS} ms`)), STEP_TIMEOUT_MS);
  });
  return Promise.race([promise, t]).finally(() => clearTimeout(timer));
}

async function main() {
  const [extDir, inputPdf, outDir] = process.argv.slice(2);
  if (!outDir) throw new Error('usage: firefox_e2e.mjs EXTENSION INPUT.pdf OUTDIR');
  const t0 = Date.now();
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: env.KYSO_FIREFOX ?? '/usr/bin/firefox-esr',
    headless: true,
    // Firefox looks for native-messaging host manifests under $HOME/.mozilla.
    env: { ...process.env, HOME: env.KYSO_FIREFOX_HOME, MOZ_CRASHREPORTER_DISABLE: '1' },
    extraPrefsFirefox: {
      // No network but loopback here: nothing to update or report.
      'extensions.update.enabled': false,
      'app.update.auto': false,
      'datareporting.policy.dataSubmissionEnabled': false,
    },
  });
  try {
    const version = await browser.version();
    check(/^firefox\/\d+/.test(version), `puppeteer-core drives ${version} over WebDriver BiDi (${Date.now() - t0} ms)`);

    const id = await browser.installExtension(path.resolve(extDir));
    check(id === GECKO_ID, `${path.basename(extDir)} installs as a temporary add-on with its gecko id (${id})`);

    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(env.KYSO_PAGE_URL, { waitUntil: 'load' });
    await page.waitForFunction(() => document.body?.dataset.ready === '1', { timeout: 20000 });

    // kyso-host uninstalled (the host manifest gone): Firefox's own failure
    // ("No such native application") reaches the page as HOST_NOT_INSTALLED.
    // First of all: after a request's reply the extension keeps a spare
    // kyso-host started ahead (native.js createSessionPool), which would
    // still answer with the manifest gone.
    const manifest = path.join(env.KYSO_FIREFOX_HOME, '.mozilla', 'native-messaging-hosts', 'vn.kyso.host.json');
    fs.renameSync(manifest, `${manifest}.off`);
    try {
      const missing = await withTimeout(page.evaluate(() =>
        window.kysoTest.bridgeRequest('missing-1', { id: 'missing-1', cmd: 'certificates' })), 'host missing');
      check(missing.kyso === 'error' && missing.code === 'HOST_NOT_INSTALLED',
        `no host manifest: the request ends in HOST_NOT_INSTALLED (${JSON.stringify(missing).slice(0, 200)})`);
    } finally {
      fs.renameSync(`${manifest}.off`, manifest);
    }

    const conn = await withTimeout(page.evaluate(() =>
      window.kysoTest.connect({ transport: 'extension', bridgeWaitMs: 3000 })), 'connect');
    check(conn.transport === 'extension',
      `kyso.js connects through the extension, websocket port closed (${JSON.stringify(conn)})`);

    const certs = await withTimeout(page.evaluate(() => window.kysoTest.certificates()), 'certificates');
    const mine = (certs.certificates ?? []).find((c) => c.commonName === env.PKI_PERSON_CN);
    check(!!mine, `certificates() through the extension lists the token's "${env.PKI_PERSON_CN}" (${JSON.stringify(certs).slice(0, 300)})`);
    check(typeof certs.version === 'string' && certs.version.startsWith('1.'),
      `the full hello reaches the page after the first answer (version ${certs.version})`);

    if (mine) {
      const pdfB64 = fs.readFileSync(inputPdf).toString('base64');
      const res = await withTimeout(page.evaluate((pdf, cert) => window.kysoTest.sign(pdf, {
        certificate: cert, profile: 'personal', image: 'signature', page: 1, rect: [340, 80, 180, 70],
        reason: 'Ký thử trên Firefox', name: 'firefox.pdf',
      }), pdfB64, mine.id), 'signPdf');
      if (check(typeof res.signed === 'string', `signPdf through the extension returns a file (${res.error ?? ''} ${res.message ?? ''})`)) {
        fs.writeFileSync(path.join(outDir, 'signed.pdf'), Buffer.from(res.signed, 'base64'));
      }
    }
    // The page's message names another origin: the extension overwrites it
    // with the sender's, so the host (which would serve the forged origin
    // without a word) asks about the page.
    const pageOrigin = new URL(env.KYSO_PAGE_URL).origin;
    const logBefore = fs.readFileSync(env.KYSO_PINENTRY_LOG, 'utf8').length;
    const forged = await withTimeout(page.evaluate((o) =>
      window.kysoTest.bridgeRequest('forged-1', { id: 'forged-1', cmd: 'certificates', origin: o }), env.KYSO_FORGED_ORIGIN),
    'forged origin');
    const asked = fs.readFileSync(env.KYSO_PINENTRY_LOG, 'utf8').slice(logBefore);
    check(forged.kyso === 'response' && Array.isArray(forged.message?.result?.certificates),
      `a request with a forged origin is answered as the page's (${JSON.stringify(forged).slice(0, 200)})`);
    check(typeof forged.message === 'object' && forged.message !== null && !('origin' in forged.message),
      'the page gets the reply without the host\'s origin key');
    check(asked.includes(`${pageOrigin} (qua tiện ích kyso)`) && !asked.includes(new URL(env.KYSO_FORGED_ORIGIN).host),
      `forged "origin" ignored: the host asked about ${pageOrigin}, not ${env.KYSO_FORGED_ORIGIN}`);
    check(errors.length === 0, `no page error (${errors.join('; ')})`);
    if (env.KYSO_ARTIFACTS) {
      fs.mkdirSync(env.KYSO_ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(env.KYSO_ARTIFACTS, 'firefox-page.png') });
    }
    await page.close();
  } finally {
    await browser.close();
  }
  check(Date.now() - t0 < 120000, `Firefox part within 2 min (${Date.now() - t0} ms)`);
}

main().catch((e) => {
  check(false, `firefox_e2e.mjs: ${e?.stack ?? e}`);
  process.exitCode = 1;
});
