#!/usr/bin/env node
// build.mjs - assembles the kyso browser extension (node only, no npm
// packages):
//
//   node extension/build.mjs --out DIR --version X.Y.Z [--web BUILD_WEB_DIR]
//
// -> DIR/chromium/ (unpacked; "key" set, so its ID is fixed),
//    DIR/firefox/ (gecko id kyso@kyso.vn),
//    DIR/kyso-chromium.zip, DIR/kyso-firefox.xpi (files at the archive root,
//    sorted, fixed dates: the same inputs give the same bytes),
//    DIR/chromium-id.txt (the ID the key gives: SHA-256 of the DER public
//    key, first 32 hex digits written a-p).
// Each browser directory holds manifest.json (manifest/<browser>.json with
// the version and key filled in), src/, popup/, verifier/, icons/ (drawn
// here) and, with --web, the built web pages minus demo/ in web/ (the
// built-in verifier loads ../web/verify.js, ../web/wasm/...).
// Built in DIR.new, then swapped in: DIR is whole or the old one.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BROWSERS = ['chromium', 'firefox'];
const COPIED_DIRS = ['src', 'popup', 'verifier'];
const ICON_SIZES = [16, 32, 48, 128];

function fail(msg) {
  console.error(`extension/build.mjs: ${msg}`);
  process.exit(1);
}

function parseArgs(argv) {
  const a = { out: null, version: null, web: null };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[i + 1];
    if (!['--out', '--version', '--web'].includes(k) || v === undefined) fail(`usage: --out DIR --version X.Y.Z [--web DIR] (at ${k})`);
    a[k.slice(2)] = v;
    i++;
  }
  if (!a.out || !a.version) fail('--out and --version are required');
  // Chromium and Firefox: 1 to 4 dot-separated integers without leading zeros.
  if (!/^(0|[1-9]\d{0,8})(\.(0|[1-9]\d{0,8})){0,3}$/.test(a.version)) fail(`bad version ${a.version}`);
  return a;
}

// ---- the Chromium key and ID ---------------------------------------------

export function chromiumId(derBase64) {
  const der = Buffer.from(derBase64, 'base64');
  const hex = createHash('sha256').update(der).digest('hex').slice(0, 32);
  return [...hex].map((c) => String.fromCharCode(97 + parseInt(c, 16))).join('');
}

// ---- icons: a red seal with a white tick, drawn pixel by pixel ----------

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf) {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

// Distance from p to the segment a-b.
function segDist(px, py, ax, ay, bx, by) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

export function drawIcon(size) {
  const SS = 4; // 4x4 samples a pixel
  const raw = Buffer.alloc(size * (size * 4 + 1));
  const red = [0xc6, 0x28, 0x28];
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      let seal = 0;
      let tick = 0;
      for (let sy = 0; sy < SS; sy++) {
        for (let sx = 0; sx < SS; sx++) {
          // unit coordinates 0..1
          const u = (x + (sx + 0.5) / SS) / size;
          const v = (y + (sy + 0.5) / SS) / size;
          if (Math.hypot(u - 0.5, v - 0.5) <= 0.47) {
            seal++;
            const d = Math.min(segDist(u, v, 0.27, 0.52, 0.43, 0.68), segDist(u, v, 0.43, 0.68, 0.74, 0.33));
            if (d <= 0.065) tick++;
          }
        }
      }
      const n = SS * SS;
      const o = y * (size * 4 + 1) + 1 + x * 4;
      const a = seal / n;
      const w = seal ? tick / seal : 0;
      raw[o] = Math.round(red[0] * (1 - w) + 255 * w);
      raw[o + 1] = Math.round(red[1] * (1 - w) + 255 * w);
      raw[o + 2] = Math.round(red[2] * (1 - w) + 255 * w);
      raw[o + 3] = Math.round(255 * a);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---- zip (PKWARE APPNOTE 6.3: stored or deflated, no extras) -------------

const DOS_TIME = 0; // 00:00:00
const DOS_DATE = (1 << 5) | 1; // 1980-01-01

// Deflated bodies by content: both archives hold mostly the same files.
const deflateCache = new Map();
function deflated(data) {
  const h = createHash('sha256').update(data).digest('hex');
  let d = deflateCache.get(h);
  if (!d) {
    d = zlib.deflateRawSync(data, { level: 6 });
    deflateCache.set(h, d);
  }
  return d;
}

export function makeZip(entries) {
  // entries: [{name, data}] in the order wanted
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const nameBuf = Buffer.from(name, 'utf8');
    const packed = deflated(data);
    const useDeflate = packed.length < data.length;
    const body = useDeflate ? packed : data;
    const crc = crc32(data);
    const flags = /[^\x20-\x7e]/.test(name) ? 0x0800 : 0; // UTF-8 name
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(useDeflate ? 8 : 0, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, nameBuf, body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x0314, 4); // made by: unix, 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(useDeflate ? 8 : 0, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // -rw-r--r--
    central.writeUInt32LE(offset, 42);
    centrals.push(central, nameBuf);
    offset += 30 + nameBuf.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  if (entries.length > 0xffff || offset > 0xffffffff) fail('archive too large for a plain zip');
  return Buffer.concat([...locals, cd, end]);
}

// ---- assembling -----------------------------------------------------------

// Every regular file under dir (symlinks followed), as paths relative to it.
function listFiles(dir, skipTop = new Set()) {
  const out = [];
  const walk = (rel) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (!rel && skipTop.has(e.name)) continue;
      const st = fs.statSync(path.join(dir, r));
      if (st.isDirectory()) walk(r);
      else if (st.isFile()) out.push(r);
    }
  };
  walk('');
  return out;
}

// What of build/web the built-in verifier needs: not the portal library
// (kyso.js, kyso.umd.js, kyso-code.js: no extension page loads them), not
// pdf.js's viewer, unminified modules or source maps. Smaller packages,
// and less code inside the extension that nothing uses.
const WEB_LEFT_OUT = [
  /^demo\//, /\.map$/, /^(kyso|kyso\.umd|kyso-code)\.js$/, /^vendor\/pdfjs\/web\//,
  /^vendor\/pdfjs\/build\/(?!pdf\.min\.mjs$|pdf\.worker\.min\.mjs$)/,
];
const webWanted = (rel) => !WEB_LEFT_OUT.some((re) => re.test(rel));

function copyTree(from, to, skipTop, wanted = () => true) {
  for (const rel of listFiles(from, skipTop).filter(wanted)) {
    const dst = path.join(to, rel);
    fs.mkdirSync(path.dirname(dst), { recursive: true });
    fs.copyFileSync(path.join(from, rel), dst);
  }
}

// verifier/verifier.html from build/web's verify.html: the same page (same
// ids, same verify.js), its CSP <meta> dropped (the manifest's applies to
// extension pages), its stylesheet and script the extension's, and
// verifier/job-section.html (where the file came from) after the header.
// Every edit must find its place exactly once, or the build fails: a
// changed verify.html is noticed here, not by officials.
const VERIFIER_EDITS = [
  [/^<!doctype html>\n<!--[\s\S]*?-->\n/, () => '<!doctype html>\n<!--\n  verifier.html - written by extension/build.mjs from web/src/verify.html '
    + 'and\n  extension/verifier/job-section.html: do not edit.\n-->\n'],
  [/<meta http-equiv="Content-Security-Policy"[^>]*>\n/, () => ''],
  [/<link rel="stylesheet" href="verify\.css">\n<script type="module" src="verify\.js"><\/script>\n/,
    () => '<link rel="stylesheet" href="../web/verify.css">\n<link rel="stylesheet" href="verifier.css">\n'
      + '<script src="../src/content-fetch.js"></script>\n<script type="module" src="verifier.js"></script>\n'],
  [/<\/header>\n/, (job) => `</header>\n\n${job}\n`],
];

function verifierPage(webDir) {
  let page = fs.readFileSync(path.join(webDir, 'verify.html'), 'utf8');
  const job = fs.readFileSync(path.join(HERE, 'verifier', 'job-section.html'), 'utf8')
    .replace(/^<!--[\s\S]*?-->\n/, '');
  for (const [re, make] of VERIFIER_EDITS) {
    const found = page.match(new RegExp(re.source, 'g')) ?? [];
    if (found.length !== 1) fail(`verify.html: ${re} found ${found.length} times, not once: update VERIFIER_EDITS`);
    page = page.replace(re, make(job));
  }
  return page;
}

function manifestFor(browser, version, key, present) {
  const text = fs.readFileSync(path.join(HERE, 'manifest', `${browser}.json`), 'utf8');
  const m = JSON.parse(text.replaceAll('@VERSION@', version).replaceAll('@KEY@', key));
  // Content scripts another helper may not have written yet stay out
  // rather than break the extension (reported on stderr).
  for (const cs of m.content_scripts ?? []) {
    cs.js = cs.js.filter((f) => {
      if (present.has(f)) return true;
      console.error(`extension/build.mjs: ${browser}: ${f} missing, left out of content_scripts`);
      return false;
    });
  }
  return m;
}

// The files the manifest names must be there.
function checkReferences(m, present, browser) {
  const refs = [];
  if (m.background?.service_worker) refs.push(m.background.service_worker);
  refs.push(...(m.background?.scripts ?? []));
  for (const cs of m.content_scripts ?? []) refs.push(...cs.js);
  if (m.action?.default_popup) refs.push(m.action.default_popup);
  refs.push(...Object.values(m.icons ?? {}), ...Object.values(m.action?.default_icon ?? {}));
  for (const r of refs) if (!present.has(r)) fail(`${browser}: manifest names ${r}, which is not built`);
}

// What the output is made of: arguments, this script, and the path, size
// and time of every input file. Equal to DIR/.inputs: nothing to do.
function inputsStamp(args) {
  const h = createHash('sha256');
  h.update(JSON.stringify([args.version, args.web ? path.resolve(args.web) : null]));
  const roots = [HERE, ...(args.web ? [path.resolve(args.web)] : [])];
  for (const root of roots) {
    const skip = root === HERE ? new Set() : new Set(['demo']);
    for (const rel of listFiles(root, skip).sort()) {
      const st = fs.statSync(path.join(root, rel));
      h.update(`${root}\0${rel}\0${st.size}\0${st.mtimeMs}\n`);
    }
  }
  return h.digest('hex');
}

function build(args) {
  const out = path.resolve(args.out);
  const stamp = inputsStamp(args);
  try {
    if (fs.readFileSync(path.join(out, '.inputs'), 'utf8') === stamp) {
      console.log(`kyso extension ${args.version}: ${out} is up to date`);
      return;
    }
  } catch {
    // no stamp: build
  }
  const tmp = `${out}.new`;
  const old = `${out}.old`;
  const key = fs.readFileSync(path.join(HERE, 'key', 'chromium-public.b64'), 'utf8').replace(/\s+/g, '');
  const id = chromiumId(key);
  const expected = fs.readFileSync(path.join(HERE, 'key', 'chromium-id.txt'), 'utf8').trim();
  if (id !== expected) fail(`key gives ID ${id}, key/chromium-id.txt says ${expected}`);
  if (args.web && !fs.existsSync(path.join(args.web, 'verify.js'))) fail(`--web ${args.web}: no verify.js there`);

  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  for (const browser of BROWSERS) {
    const dir = path.join(tmp, browser);
    fs.mkdirSync(dir);
    for (const d of COPIED_DIRS) {
      if (fs.existsSync(path.join(HERE, d)))
        copyTree(path.join(HERE, d), path.join(dir, d), new Set(['job-section.html']));
      else console.error(`extension/build.mjs: ${d}/ missing (not written yet)`);
    }
    fs.mkdirSync(path.join(dir, 'icons'));
    for (const s of ICON_SIZES) fs.writeFileSync(path.join(dir, 'icons', `kyso-${s}.png`), drawIcon(s));
    if (args.web) {
      copyTree(path.resolve(args.web), path.join(dir, 'web'), new Set(['demo']), webWanted);
      fs.writeFileSync(path.join(dir, 'verifier', 'verifier.html'), verifierPage(path.resolve(args.web)));
    }
    const present = new Set(listFiles(dir));
    const m = manifestFor(browser, args.version, key, present);
    checkReferences(m, present, browser);
    fs.writeFileSync(path.join(dir, 'manifest.json'), `${JSON.stringify(m, null, 2)}\n`);
  }
  for (const [browser, name] of [['chromium', 'kyso-chromium.zip'], ['firefox', 'kyso-firefox.xpi']]) {
    const dir = path.join(tmp, browser);
    const files = listFiles(dir).sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b))));
    fs.writeFileSync(path.join(tmp, name),
      makeZip(files.map((f) => ({ name: f, data: fs.readFileSync(path.join(dir, f)) }))));
  }
  fs.writeFileSync(path.join(tmp, 'chromium-id.txt'), `${id}\n`);
  fs.writeFileSync(path.join(tmp, '.inputs'), stamp);

  fs.rmSync(old, { recursive: true, force: true });
  if (fs.existsSync(out)) fs.renameSync(out, old);
  fs.renameSync(tmp, out);
  fs.rmSync(old, { recursive: true, force: true });
  if (!args.web) {
    console.error('extension/build.mjs: no --web: the built-in verifier page has no web/ '
      + '(verify.js, WASM) and will not work; build with KYSO_BUILD_WASM=ON');
  }
  console.log(`kyso extension ${args.version}: ${out} (Chromium ID ${id})`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  build(parseArgs(process.argv.slice(2)));
