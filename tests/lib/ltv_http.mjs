// ltv_http.mjs - the loopback web side of the LTV test PKI (ltv_pki.sh):
// CRLs and CA certificates over HTTP, the OCSP responders (`openssl ocsp
// -port`, relayed), an RFC 3161 TSA (`openssl ts -reply` per POSTed query)
// and switchable misbehaviours, every request logged.
//
//   node ltv_http.mjs --dir DIR --port-file FILE --log FILE
//                     [--port N] [--slow-ms N] [--ppid PID]
//
// Listens on 127.0.0.1 only (port 0: the kernel picks; the port is written
// to --port-file once listening). Exits when --ppid is gone.
//
// Routes (DIR is the PKI dir of ltv_pki.sh):
//   GET  /crl/NAME          DIR/http/crl/NAME   (application/pkix-crl)
//   GET  /cert/NAME         DIR/http/cert/NAME  (application/pkix-cert)
//   POST /ocsp/NAME         relayed to 127.0.0.1:(DIR/ocsp/NAME.port), the
//   GET  /ocsp/NAME/B64     `openssl ocsp -port` responder of CA NAME
//   POST /tsa/NAME          `openssl ts -reply -config DIR/tsa/NAME.cnf`
// Misbehaviours, as a path prefix /m/MODE in front of a route:
//   slow          waits --slow-ms, then answers
//   big           200 with a body over the caps: 100 KiB (21 MiB for /crl/)
//   redirect      302 to http://localhost:PORT/ROUTE (another host)
//   redirect-same 302 to http://127.0.0.1:PORT/ROUTE (same host)
//   flaky         500 to the first request on this path, then answers
//   e500          always 500
//   canned        /m/canned/FILE: DIR/canned/FILE whatever was asked
//   live-expired  /m/live-expired/ocsp/NAME: `openssl ocsp -reqin` on the
//                 request received (nonce echoed) under faketime 2 days ago
//   live-evil     /m/live-evil/ocsp/NAME: the same, answered "good" now but
//                 signed by the evil CA's responder (DIR/ocsp-evil.*)
// Log: one JSON line per request when it ends: {t, method, path, host,
// mode, status, in, out}.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

function args(argv) {
  const o = { port: 0, slowMs: 5000, ppid: 0 };
  for (let i = 2; i < argv.length; i += 2) {
    const k = argv[i];
    const v = argv[i + 1];
    if (k === '--dir') o.dir = v;
    else if (k === '--port') o.port = Number(v);
    else if (k === '--port-file') o.portFile = v;
    else if (k === '--log') o.log = v;
    else if (k === '--slow-ms') o.slowMs = Number(v);
    else if (k === '--ppid') o.ppid = Number(v);
    else throw new Error(`unknown option ${k}`);
  }
  if (!o.dir || !o.portFile || !o.log) throw new Error('--dir, --port-file and --log are required');
  return o;
}

const opt = args(process.argv);
let port = 0;
const flakySeen = new Set();
const NAME_RE = /^[A-Za-z0-9._-]+$/;
let tsaQueue = Promise.resolve(); // the TSA's replies, one after another

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function readBody(req) {
  return new Promise((resolve, reject) => {
    const parts = [];
    let n = 0;
    req.on('data', (c) => {
      n += c.length;
      if (n > 1 << 20) req.destroy(new Error('request too large'));
      else parts.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

function send(res, status, type, body) {
  res.writeHead(status, { 'content-type': type, 'content-length': body.length });
  res.end(body);
}

// run CMD ARGS with INPUT written to a temp file named by {in}; resolves
// with the bytes of the file named by {out}.
async function runTool(cmd, argv, input) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ltv-http-'));
  try {
    const inFile = path.join(tmp, 'in.der');
    const outFile = path.join(tmp, 'out.der');
    fs.writeFileSync(inFile, input);
    const a = argv.map((x) => (x === '{in}' ? inFile : x === '{out}' ? outFile : x));
    const code = await new Promise((resolve) => {
      const p = spawn(cmd, a, { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      p.stderr.on('data', (d) => { err += d; });
      p.on('close', (c) => { if (c !== 0) process.stderr.write(`${cmd}: ${err}`); resolve(c); });
      p.on('error', () => resolve(-1));
    });
    if (code !== 0 || !fs.existsSync(outFile)) return null;
    return fs.readFileSync(outFile);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function relay(req, res, body, targetPort, targetPath) {
  return new Promise((resolve) => {
    const headers = { host: `127.0.0.1:${targetPort}` };
    if (req.headers['content-type']) headers['content-type'] = req.headers['content-type'];
    if (body.length) headers['content-length'] = body.length;
    const up = http.request({ host: '127.0.0.1', port: targetPort, method: req.method,
                              path: targetPath, headers }, (ur) => {
      const parts = [];
      ur.on('data', (c) => parts.push(c));
      ur.on('end', () => {
        send(res, ur.statusCode, ur.headers['content-type'] || 'application/ocsp-response',
             Buffer.concat(parts));
        resolve();
      });
    });
    up.on('error', () => { send(res, 502, 'text/plain', Buffer.from('responder down\n')); resolve(); });
    if (body.length) up.write(body);
    up.end();
  });
}

// The OCSP request of a POST, or of a GET /ocsp/NAME/BASE64 (RFC 6960 A.1).
function ocspRequest(req, body, rest) {
  if (req.method === 'POST') return body;
  return Buffer.from(decodeURIComponent(rest), 'base64');
}

async function route(req, res, routePath, body, mode) {
  const m = /^\/(crl|cert|ocsp|tsa)\/([^/]+)(?:\/(.*))?$/.exec(routePath);
  if (!m || !NAME_RE.test(m[2])) return send(res, 404, 'text/plain', Buffer.from('no such route\n'));
  const [, kind, name, rest] = m;
  const d = opt.dir;
  if (kind === 'crl' || kind === 'cert') {
    const f = path.join(d, 'http', kind, name);
    if (!fs.existsSync(f)) return send(res, 404, 'text/plain', Buffer.from('not found\n'));
    return send(res, 200, kind === 'crl' ? 'application/pkix-crl' : 'application/pkix-cert',
                fs.readFileSync(f));
  }
  if (kind === 'tsa') {
    if (req.method !== 'POST') return send(res, 405, 'text/plain', Buffer.from('POST only\n'));
    const conf = path.join(d, 'tsa', `${name}.cnf`);
    // One `openssl ts -reply` at a time: each rewrites the serial file, and
    // concurrent ones fail ("Error during serial number generation") where
    // a real TSA answers parallel queries (kyso-host sends up to 4).
    const run = tsaQueue.then(() => runTool('openssl', ['ts', '-reply', '-config', conf, '-queryfile', '{in}',
                                                        '-out', '{out}'], body));
    tsaQueue = run.catch(() => null);
    const out = await run;
    if (!out) return send(res, 500, 'text/plain', Buffer.from('openssl ts failed\n'));
    return send(res, 200, 'application/timestamp-reply', out);
  }
  // ocsp
  if (mode === 'live-expired' || mode === 'live-evil') {
    const signer = mode === 'live-evil' ? 'ocsp-evil' : `ocsp-${name}`;
    const argv = ['ocsp', '-index', path.join(d, `ca-${name}`, 'index.txt'),
                  '-CA', path.join(d, `${name}.pem`),
                  '-rsigner', path.join(d, `${signer}.pem`), '-rkey', path.join(d, `${signer}.key`),
                  '-reqin', '{in}', '-respout', '{out}', '-nmin', '60'];
    if (mode === 'live-evil') argv.push('-rother', path.join(d, 'evil.pem'));
    const cmd = mode === 'live-expired' ? 'faketime' : 'openssl';
    const full = mode === 'live-expired' ? ['-f', '-2d', 'openssl', ...argv] : argv;
    const out = await runTool(cmd, full, ocspRequest(req, body, rest || ''));
    if (!out) return send(res, 500, 'text/plain', Buffer.from('openssl ocsp failed\n'));
    return send(res, 200, 'application/ocsp-response', out);
  }
  const pf = path.join(d, 'ocsp', `${name}.port`);
  if (!fs.existsSync(pf)) return send(res, 404, 'text/plain', Buffer.from('no responder\n'));
  const target = Number(fs.readFileSync(pf, 'utf8').trim());
  return relay(req, res, body, target, rest ? `/${rest}` : '/');
}

async function handle(req, res) {
  const url = new URL(req.url, 'http://127.0.0.1');
  let p = url.pathname;
  let mode = '';
  const mm = /^\/m\/([a-z0-9-]+)(\/.*)$/.exec(p);
  if (mm) {
    mode = mm[1];
    p = mm[2];
  }
  res.ltvMode = mode;
  const body = await readBody(req);
  res.ltvIn = body.length;
  switch (mode) {
    case '':
    case 'live-expired':
    case 'live-evil':
      return route(req, res, p, body, mode);
    case 'slow':
      await sleep(opt.slowMs);
      if (res.destroyed || req.socket.destroyed) return undefined;
      return route(req, res, p, body, mode);
    case 'big': {
      const n = p.startsWith('/crl/') ? 21 << 20 : 100 << 10;
      const buf = Buffer.alloc(n, 0x41);
      buf[0] = 0x30; // starts like DER: a reader must stop at the cap anyway
      return send(res, 200, p.startsWith('/crl/') ? 'application/pkix-crl' : 'application/ocsp-response', buf);
    }
    case 'redirect':
    case 'redirect-same': {
      const host = mode === 'redirect' ? 'localhost' : '127.0.0.1';
      res.writeHead(302, { location: `http://${host}:${port}${p}`, 'content-length': 0 });
      return res.end();
    }
    case 'flaky':
      if (!flakySeen.has(url.pathname)) {
        flakySeen.add(url.pathname);
        return send(res, 500, 'text/plain', Buffer.from('try again\n'));
      }
      return route(req, res, p, body, mode);
    case 'e500':
      return send(res, 500, 'text/plain', Buffer.from('broken\n'));
    case 'canned': {
      const name = p.slice(1);
      const f = path.join(opt.dir, 'canned', name);
      if (!NAME_RE.test(name) || !fs.existsSync(f)) return send(res, 404, 'text/plain', Buffer.from('no canned\n'));
      return send(res, 200, 'application/ocsp-response', fs.readFileSync(f));
    }
    default:
      return send(res, 404, 'text/plain', Buffer.from('no such mode\n'));
  }
}

const log = fs.openSync(opt.log, 'a');
const server = http.createServer((req, res) => {
  const t0 = Date.now();
  let out = 0;
  const write = res.write.bind(res);
  const end = res.end.bind(res);
  res.write = (c, ...r) => { if (c) out += c.length; return write(c, ...r); };
  res.end = (c, ...r) => { if (c && typeof c !== 'function') out += c.length; return end(c, ...r); };
  const done = () => {
    fs.writeSync(log, `${JSON.stringify({ t: t0, ms: Date.now() - t0, method: req.method,
                                          path: req.url, host: req.headers.host || '',
                                          mode: res.ltvMode || '', status: res.statusCode,
                                          in: res.ltvIn || 0, out, complete: res.writableFinished })}\n`);
  };
  res.on('close', done);
  handle(req, res).catch((e) => {
    process.stderr.write(`ltv_http: ${e.stack}\n`);
    if (!res.headersSent) send(res, 500, 'text/plain', Buffer.from('internal\n'));
  });
});
server.listen(opt.port, '127.0.0.1', () => {
  port = server.address().port;
  fs.writeFileSync(`${opt.portFile}.tmp`, `${port}\n`);
  fs.renameSync(`${opt.portFile}.tmp`, opt.portFile);
});
if (opt.ppid) {
  setInterval(() => {
    try { process.kill(opt.ppid, 0); } catch { process.exit(0); }
  }, 1000).unref();
}
