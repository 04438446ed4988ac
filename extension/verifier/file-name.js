// file-name.js - the name to show for a fetched file: Content-Disposition's
// filename* (RFC 5987, UTF-8) or filename, else the URL's last path segment;
// bidi and format controls dropped, control characters and path separators
// replaced, at most 200 characters.
export function fileNameFrom(disposition, url) {
  let name = '';
  if (typeof disposition === 'string') {
    const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(disposition);
    const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/.exec(disposition);
    try {
      if (star) name = decodeURIComponent(star[1].trim());
    } catch {
      name = '';
    }
    if (!name && plain) name = (plain[1] ?? plain[2] ?? '').replace(/\\(.)/g, '$1');
  }
  if (!name) {
    try {
      const segs = new URL(url).pathname.split('/').filter(Boolean);
      name = segs.length ? decodeURIComponent(segs[segs.length - 1]) : '';
    } catch {
      name = '';
    }
  }
  // Bidi and format controls would make "gpj.pdf" read as "fdp.jpg".
  name = name.replace(/[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c\ufeff]/g, '');
  name = name.replace(/[\u0000-\u001f\u007f/\\]/g, '_').trim().slice(0, 200);
  return name || 'document.pdf';
}

