// serve.mjs - a tiny static file server on loopback for the verifier page
// and the demo portal (no dependencies). Serves one directory; the right
// MIME types for ES modules and WebAssembly; no directory listings; nothing
// outside the root.
//
//   node web/serve.mjs [ROOT] [PORT]     (default build/web, 8080)
//   then open http://127.0.0.1:8080/verify.html or /demo/
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(process.argv[2] ?? path.join(here, '..', 'build', 'web'));
const port = Number(process.argv[3] ?? process.env.PORT ?? 8080);

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.wasm': 'application/wasm', '.pdf': 'application/pdf',
  '.png': 'image/png', '.svg': 'image/svg+xml', '.ttf': 'font/ttf',
  '.bcmap': 'application/octet-stream', '.pfb': 'application/octet-stream',
  '.ftl': 'text/plain; charset=utf-8', '.map': 'application/json',
};

function resolve(urlPath) {
  let p;
  try {
    p = decodeURIComponent(urlPath.split('?')[0]);
  } catch {
    return null;
  }
  if (p.endsWith('/')) p += 'index.html';
  const full = path.resolve(root, '.' + p);
  return full === root || full.startsWith(root + path.sep) ? full : null;
}

const server = http.createServer((req, res) => {
  const file = req.method === 'GET' || req.method === 'HEAD' ? resolve(req.url) : null;
  fs.stat(file ?? '', (err, st) => {
    if (!file || err || !st.isFile()) {
      res.writeHead(file ? 404 : 400, { 'content-type': 'text/plain' });
      res.end(file ? 'not found\n' : 'bad request\n');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'content-length': st.size,
      'cache-control': 'no-cache',
    });
    if (req.method === 'HEAD') res.end();
    else fs.createReadStream(file).pipe(res);
  });
});
server.listen(port, '127.0.0.1', () => {
  console.log(`kyso web: http://127.0.0.1:${port}/ serving ${root}`);
});
