// fetch-policy.js - when the built-in verifier may fetch a linked file
// itself (with the user's cookies, under a host permission the user granted
// once for that origin) rather than through the content script of the frame
// that showed the link. A page chooses its links: once the user granted an
// origin, any page's link to it would make the extension send the user's
// cookies there (a GET with side effects on an intranet, past the browser's
// Local Network Access rules). So the extension's own fetch starts by itself
// only for a link on the frame's own origin, when no content script could be
// asked; every other case waits for the user's click on a button naming the
// full URL and the page that offered it.

// The origin of an http(s) URL, or '' for anything else.
export function httpOrigin(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    return '';
  }
  return u.protocol === 'https:' || u.protocol === 'http:' ? u.origin : '';
}

// The optional host permission asked for url: exactly its origin. A host
// with '*' (match patterns would read it as a wildcard: "*.example.vn") or
// '%' gets none: null.
export function originPattern(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return null;
  if (!u.hostname || /[*%]/.test(u.hostname) || /[*%]/.test(u.host)) return null;
  return `${u.origin}/*`;
}

// job: {url, pageUrl (the frame's, else the tab's)}; contentScript:
// 'none' (no content script answered) | 'refused' (it answered, and its
// fetch was refused: CORS, a redirect, offline); granted: the permission for
// the link's origin is held. -> 'auto' (fetch now) | 'confirm' (ask).
export function ownFetchDecision(job, contentScript, granted) {
  const link = httpOrigin(job?.url);
  const page = httpOrigin(job?.pageUrl);
  if (!link || !page || link !== page) return 'confirm';
  if (contentScript !== 'none') return 'confirm';
  return granted ? 'auto' : 'confirm';
}
