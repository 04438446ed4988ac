// background.js - the extension's background (Chromium: module service
// worker; Firefox: module background script). Wires three things, with
// every listener registered at the top level (a service worker woken by an
// event must find its listener there):
//   - runtime.onConnect 'kyso-bridge': the page bridge (bridge.js);
//   - runtime.onMessage from the extension's own pages (popup, verifier):
//     pages.js; a content script's message never goes there;
//   - the context menu "Kiểm tra chữ ký số": menu.js.
// Nothing here must outlive the worker but requests in flight, and an open
// native port keeps the worker alive while one is.
import { createBridge } from './bridge.js';
import { createSessionPool } from './native.js';
import { handlePageMessage } from './pages.js';
import { setupMenus, handleMenuClick } from './menu.js';

const api = globalThis.browser ?? globalThis.chrome;
const log = (...a) => console.warn('kyso:', ...a);

// Pages' requests: a kyso-host process each, one started ahead (native.js).
const pool = createSessionPool({ log });
const bridge = createBridge({ log, openSession: (h) => pool.open(h), probe: () => pool.status() });

api.runtime.onConnect.addListener((port) => {
  bridge.onConnect(port);
});

// The extension's own pages: their URL is under runtime.getURL('') (a
// content script's sender.url is its page's).
function fromExtensionPage(sender) {
  const base = api.runtime.getURL('');
  return !!sender && sender.id === api.runtime.id && typeof sender.url === 'string' &&
    base.length > 0 && sender.url.startsWith(base);
}

api.runtime.onMessage.addListener((msg, sender, sendResponse) => {
  if (!fromExtensionPage(sender)) return false;
  Promise.resolve()
    .then(() => handlePageMessage(msg, sender))
    .then(sendResponse, (e) => sendResponse({
      error: { code: 'NATIVE_FATAL', message: String(e?.message ?? e) },
    }));
  return true; // answered asynchronously
});

if (api.contextMenus) {
  const setup = () => Promise.resolve().then(setupMenus).catch((e) => log('menus', e));
  api.runtime.onInstalled.addListener(setup);
  api.runtime.onStartup?.addListener(setup);
  api.contextMenus.onClicked.addListener((info, tab) => {
    Promise.resolve().then(() => handleMenuClick(info, tab)).catch((e) => log('menu click', e));
  });
}
