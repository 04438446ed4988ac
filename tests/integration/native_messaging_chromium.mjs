// native_messaging_chromium.mjs - part of integration.native_messaging: does
// Chromium honour the manifest install.sh --user wrote? Headless Debian
// Chromium (playwright-core) with its profile at the place install.sh
// writes for (USER_DATA_DIR = $XDG_CONFIG_HOME/chromium, so the manifest is
// USER_DATA_DIR/NativeMessagingHosts/vn.kyso.host.json), the unpacked kyso
// extension loaded; its service worker opens a native port to vn.kyso.host.
//
//   node native_messaging_chromium.mjs USER_DATA_DIR EXT_DIR ok|forbidden|missing ID
//     ok         kyso-host starts and greets (a hello message)
//     forbidden  the manifest does not allow this extension's ID
//     missing    no manifest
// One "PASS|FAIL<TAB>message" line per check.
import { createRequire } from 'node:module';

// playwright-core from tests/web's node_modules (tests/web/package.json)
const require = createRequire(new URL('../web/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const [userDataDir, ext, expect, id] = process.argv.slice(2);
function check(cond, what) {
  console.log(`${cond ? 'PASS' : 'FAIL'}\t${what.replace(/\s+/g, ' ')}`);
}

const ctx = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    `--disable-extensions-except=${ext}`, `--load-extension=${ext}`],
});
try {
  const sw = ctx.serviceWorkers()[0] ?? await ctx.waitForEvent('serviceworker', { timeout: 30000 });
  check(sw.url().startsWith(`chrome-extension://${id}/`),
    `the loaded extension runs as chrome-extension://${id}/ (${sw.url()})`);
  // The first message on a fresh port is kyso-host's hello; a failure to
  // start it shows as a disconnect with runtime.lastError.
  const r = await sw.evaluate(() => new Promise((resolve) => {
    const api = globalThis.browser ?? globalThis.chrome;
    let port;
    const timer = setTimeout(() => resolve({ error: 'timeout' }), 15000);
    try {
      port = api.runtime.connectNative('vn.kyso.host');
    } catch (e) {
      clearTimeout(timer);
      resolve({ error: String(e && e.message ? e.message : e) });
      return;
    }
    port.onMessage.addListener((m) => {
      clearTimeout(timer);
      port.disconnect();
      resolve({ message: m });
    });
    port.onDisconnect.addListener(() => {
      clearTimeout(timer);
      resolve({ error: String(api.runtime.lastError?.message ?? 'disconnected') });
    });
  }));
  const seen = JSON.stringify(r);
  if (expect === 'ok') {
    const m = r.message;
    check(m && typeof m === 'object' && (typeof m.version === 'string' || m.hello === 'kyso'),
      `Chromium starts kyso-host through the manifest install.sh wrote; it greets (${seen})`);
  } else if (expect === 'forbidden') {
    check(!r.message && /forbidden/i.test(r.error ?? ''),
      `a manifest that does not name this extension: Chromium refuses to start the host (${seen})`);
  } else {
    check(!r.message && /not found/i.test(r.error ?? ''),
      `no manifest (after --uninstall): Chromium finds no host (${seen})`);
  }
} catch (e) {
  check(false, `native_messaging_chromium: ${e.stack ?? e}`);
} finally {
  await ctx.close();
}
