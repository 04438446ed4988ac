// bench_node.mjs - bench/wasm in Node: measure.mjs on one size, the module
// in a worker_threads Worker as kyso-wasm.js runs it there. Prints one JSON
// object (measure.mjs's, plus the process's peak RSS as sampled here);
// run.sh also takes the exact peak from /usr/bin/time around this process.
//
//   node bench_node.mjs DIST SIGNED.pdf UNSIGNED.pdf PKI_DIR RUNS
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { measure } from './measure.mjs';

const [dist, signedPath, unsignedPath, pki, runs] = process.argv.slice(2);
if (!runs) {
  console.error('usage: bench_node.mjs DIST SIGNED.pdf UNSIGNED.pdf PKI_DIR RUNS');
  process.exit(2);
}
const { loadKyso } = await import(pathToFileURL(path.join(dist, 'kyso-wasm.js')));

const pemCerts = (file) =>
  (fs.readFileSync(file, 'utf8').match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [])
    .map((b) => new Uint8Array(Buffer.from(b.replace(/-----[^-]+-----|\s/g, ''), 'base64')));
const key = crypto.createPrivateKey(fs.readFileSync(path.join(pki, 'person-rsa2048.key')));

// The worker's memory is this process's: sample RSS while it works.
let rssPeak = process.memoryUsage.rss();
const sampler = setInterval(() => { rssPeak = Math.max(rssPeak, process.memoryUsage.rss()); }, 5);

const result = await measure({
  loadKyso,
  signed: new Uint8Array(fs.readFileSync(signedPath)),
  unsigned: new Uint8Array(fs.readFileSync(unsignedPath)),
  certificate: pemCerts(path.join(pki, 'person-rsa2048.pem'))[0],
  chain: pemCerts(path.join(pki, 'chain.pem')),
  trustAnchor: fs.readFileSync(path.join(pki, 'root.pem'), 'utf8'),
  // RSA PKCS#1 v1.5 over the DER SignedAttributes, what the token does.
  sign: async (attrs) => new Uint8Array(crypto.sign('sha256', attrs, key)),
  runs: Number(runs),
});
clearInterval(sampler);
console.log(JSON.stringify({ ...result, rssSampled: rssPeak }));
