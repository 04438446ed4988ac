// menu.js - the context menu "Kiểm tra chữ ký số": on every link (e-office
// download links rarely end in .pdf: the verifier says when the file is not
// a PDF) and on a page whose URL names a PDF. A click makes a one-use job
// (pages.js) and opens the built-in verifier with ?job=TOKEN; the verifier
// fetches the file through the link's frame, with the user's session.
import { openVerifierJob, isHttpUrl } from './pages.js';
import { getLang, tr } from './i18n.js';

const api = globalThis.browser ?? globalThis.chrome;

export const MENU_LINK = 'kyso-verify-link';
export const MENU_PAGE = 'kyso-verify-page';
export const MENU_IDS = [MENU_LINK, MENU_PAGE];

// Pages whose URL path ends in .pdf (with or without a query).
export const PDF_PAGE_PATTERNS = [
  'https://*/*.pdf', 'https://*/*.pdf?*', 'https://*/*.PDF', 'https://*/*.PDF?*',
  'http://*/*.pdf', 'http://*/*.pdf?*', 'http://*/*.PDF', 'http://*/*.PDF?*',
];

function create(props) {
  return new Promise((resolve) => {
    // Chromium: callback + lastError (a duplicate id after an update);
    // Firefox returns the id. Either way a failure must not break setup.
    try {
      api.contextMenus.create(props, () => {
        void api.runtime.lastError;
        resolve();
      });
    } catch {
      resolve();
    }
  });
}

export async function setupMenus() {
  const lang = await getLang();
  const title = tr(lang, 'menuVerify');
  await api.contextMenus.removeAll();
  await create({ id: MENU_LINK, title, contexts: ['link'],
    targetUrlPatterns: ['https://*/*', 'http://*/*'] });
  await create({ id: MENU_PAGE, title, contexts: ['page', 'frame'],
    documentUrlPatterns: PDF_PAGE_PATTERNS });
}

// The titles follow the popup's language switch. Registered when the module
// loads (the service worker's top level), so a worker woken by the change
// finds it.
api?.storage?.onChanged?.addListener((changes, area) => {
  if (area !== 'local' || !changes.lang || !api.contextMenus) return;
  const t = tr(changes.lang.newValue, 'menuVerify');
  for (const id of MENU_IDS) Promise.resolve(api.contextMenus.update(id, { title: t })).catch(() => {});
});

// -> the job's token, or null when the click names nothing to fetch.
export async function handleMenuClick(info, tab) {
  if (!info || !MENU_IDS.includes(info.menuItemId)) return null;
  const url = info.menuItemId === MENU_LINK ? info.linkUrl : (info.frameUrl ?? info.pageUrl);
  if (typeof url !== 'string' || !isHttpUrl(url)) return null;
  const frameId = Number.isInteger(info.frameId) ? info.frameId : 0;
  // The frame's URL at the click: its origin is what the fetch through it
  // expects (pages.js); Chromium's documentId pins the very document.
  const pageUrl = info.frameUrl ?? info.pageUrl ?? tab?.url ?? null;
  const documentId = typeof info.documentId === 'string' ? info.documentId : undefined;
  return openVerifierJob({ tabId: tab?.id, frameId, url, pageUrl, documentId }, tab);
}
