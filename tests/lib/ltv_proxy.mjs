// ltv_proxy.mjs - a loopback forward HTTP proxy that logs what it relays,
// for the "http_proxy is honoured" case of the LTV tests (ltv_pki.sh).
//
//   node ltv_proxy.mjs --port-file FILE --log FILE [--port N] [--ppid PID]
//
// Relays absolute-form requests (GET http://HOST:PORT/PATH HTTP/1.1) and
// CONNECT tunnels, to 127.0.0.1 or localhost only (anything else: 403, so
// a test can never reach the network through it). Log: one JSON line per
// request: {t, method, url, status}.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';

const o = { port: 0, ppid: 0 };
for (let i = 2; i < process.argv.length; i += 2) {
  const k = process.argv[i];
  const v = process.argv[i + 1];
  if (k === '--port') o.port = Number(v);
  else if (k === '--port-file') o.portFile = v;
  else if (k === '--log') o.log = v;
  else if (k === '--ppid') o.ppid = Number(v);
  else throw new Error(`unknown option ${k}`);
}
if (!o.portFile || !o.log) throw new Error('--port-file and --log are required');

const log = fs.openSync(o.log, 'a');
const note = (method, url, status) =>
  fs.writeSync(log, `${JSON.stringify({ t: Date.now(), method, url, status })}\n`);
const loopback = (h) => h === '127.0.0.1' || h === 'localhost' || h === '[::1]';

const server = http.createServer((req, res) => {
  let target;
  try {
    target = new URL(req.url);
  } catch {
    target = null;
  }
  if (!target || target.protocol !== 'http:' || !loopback(target.hostname)) {
    note(req.method, req.url, 403);
    res.writeHead(403, { 'content-length': 0 });
    return res.end();
  }
  const headers = { ...req.headers };
  delete headers['proxy-connection'];
  delete headers['proxy-authorization'];
  const up = http.request({ host: target.hostname, port: target.port || 80, method: req.method,
                            path: target.pathname + target.search, headers }, (ur) => {
    note(req.method, req.url, ur.statusCode);
    res.writeHead(ur.statusCode, ur.headers);
    ur.pipe(res);
  });
  up.on('error', () => {
    note(req.method, req.url, 502);
    if (!res.headersSent) res.writeHead(502, { 'content-length': 0 });
    res.end();
  });
  req.pipe(up);
  return undefined;
});

server.on('connect', (req, sock, head) => {
  const [host, portStr] = req.url.split(/:(?=\d+$)/);
  if (!loopback(host)) {
    note('CONNECT', req.url, 403);
    sock.end('HTTP/1.1 403 Forbidden\r\n\r\n');
    return;
  }
  const up = net.connect(Number(portStr), host === 'localhost' ? '127.0.0.1' : host, () => {
    note('CONNECT', req.url, 200);
    sock.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length) up.write(head);
    up.pipe(sock);
    sock.pipe(up);
  });
  up.on('error', () => { note('CONNECT', req.url, 502); sock.destroy(); });
  sock.on('error', () => up.destroy());
});

server.listen(o.port, '127.0.0.1', () => {
  fs.writeFileSync(`${o.portFile}.tmp`, `${server.address().port}\n`);
  fs.renameSync(`${o.portFile}.tmp`, o.portFile);
});
if (o.ppid) {
  setInterval(() => {
    try { process.kill(o.ppid, 0); } catch { process.exit(0); }
  }, 1000).unref();
}
