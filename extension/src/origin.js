// origin.js - the origin a bridge request speaks for, taken only from what
// the browser says about the sender of the runtime port (never from the
// page's message): sender.origin when the browser gives it (Chromium; the
// frame's own, "null" for sandboxed and opaque documents), else the origin
// of sender.url (Firefox). Each frame has its own port, so a cross-origin
// iframe speaks for its own origin, not the tab's.
//
// Only secure contexts may reach kyso-host: https, and http on the loopback
// names a developer uses (localhost, 127.0.0.1, [::1]). Anything else
// (http on a network host, file:, data:, about:blank, blob of an opaque
// origin, an extension page, "null") is CONTEXT_INSECURE.

const LOOPBACK_HTTP_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const ORIGIN_MAX = 2048; // characters; kyso-host's buffer is smaller still

// -> {origin} (serialised per RFC 6454 6.1 by the URL parser: scheme and
// host lower-case, default port dropped, IPv6 in brackets) | {error}.
export function senderOrigin(sender) {
  if (!sender || typeof sender !== 'object') return { error: 'CONTEXT_INSECURE' };
  let raw = null;
  if (typeof sender.origin === 'string') {
    raw = sender.origin;
  } else if (typeof sender.url === 'string') {
    try {
      raw = new URL(sender.url).origin;
    } catch {
      raw = null;
    }
  }
  return checkOrigin(raw);
}

// A serialised origin -> {origin} | {error}. Exported for tests.
export function checkOrigin(raw) {
  if (typeof raw !== 'string' || raw === 'null' || raw.length === 0 || raw.length > ORIGIN_MAX)
    return { error: 'CONTEXT_INSECURE' };
  let u;
  try {
    u = new URL(raw);
  } catch {
    return { error: 'CONTEXT_INSECURE' };
  }
  // Nothing but an origin: a path, query, fragment or userinfo means the
  // string was not one (sender.origin never has them).
  if (u.origin === 'null' || u.username || u.password || u.search || u.hash ||
      (u.pathname !== '/' && u.pathname !== '') || !/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*\/?$/i.test(raw))
    return { error: 'CONTEXT_INSECURE' };
  if (u.protocol === 'https:') return { origin: u.origin };
  if (u.protocol === 'http:' && LOOPBACK_HTTP_HOSTS.has(u.hostname)) return { origin: u.origin };
  return { error: 'CONTEXT_INSECURE' };
}
