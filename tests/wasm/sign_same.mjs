// sign_same.mjs - signs each case of sign_same_test.sh in WASM with the same
// key, chain, time and options as the CLI did, twice (WebCrypto hashing and
// hashing inside the module), and compares with the CLI's file byte for
// byte. Writes NAME.wasm.pdf; prints "N passed, N failed".
//
//   node sign_same.mjs CASES PKI_DIR FX TIME OUT_DIR
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const [casesFile, pki, fx, time, outDir] = process.argv.slice(2);
const { loadKyso } = await import(path.join(process.env.KYSO_WASM_DIST, 'kyso-wasm.js'));

let passed = 0;
let failed = 0;
const ok = (cond, what) => {
  if (cond) passed++;
  else { failed++; console.log(`FAIL: ${what}`); }
};

const der = (pem) => new crypto.X509Certificate(pem).raw;
// KEY.cas.pem: the issuers the PKCS#12 file carries, as openssl lists them.
const chainOf = (key) => fs.readFileSync(path.join(outDir, `${key}.cas.pem`), 'utf8')
  .match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g).map(der);
const rect = (v) => v.split(',').map(Number);

// The CLI's options, as the WASM API spells them.
function options(args) {
  const o = {};
  const map = {
    '--image': (v) => { o.image = fs.readFileSync(v); },
    '--rect': (v) => { o.rect = rect(v); },
    '--number-rect': (v) => { o.numberRect = rect(v); },
    '--date-rect': (v) => { o.dateRect = rect(v); },
    '--reason': (v) => { o.reason = v; },
    '--location': (v) => { o.location = v; },
    '--profile': (v) => { o.profile = v; },
    '--doc-number': (v) => { o.docNumber = v; },
    '--issue-date': (v) => { o.issueDate = v; },
    '--organization': (v) => { o.organization = v; },
    '--copy-form': (v) => { o.copyForm = v; },
    '--copier': (v) => { o.copier = v; },
  };
  for (let i = 0; i < args.length; i += 2) {
    if (!map[args[i]]) throw new Error(`sign_same.mjs: no mapping for ${args[i]}`);
    map[args[i]](args[i + 1]);
  }
  return o;
}

const kyso = await loadKyso();
for (const line of fs.readFileSync(casesFile, 'utf8').split('\n').filter(Boolean)) {
  const c = JSON.parse(line);
  const key = crypto.createPrivateKey(fs.readFileSync(path.join(pki, `${c.key}.key`)));
  const certificate = der(fs.readFileSync(path.join(pki, `${c.key}.pem`)));
  // The organization case signs the personal case's WASM output, as a clerk
  // would; the CLI signed its own, which must be the same bytes.
  const input = c.name === 'organization'
    ? fs.readFileSync(path.join(outDir, 'personal.wasm.pdf'))
    : fs.readFileSync(c.input);
  const cli = fs.readFileSync(c.cli);
  for (const webCrypto of [true, false]) {
    const how = webCrypto ? 'WebCrypto' : 'WASM hashing';
    const p = await kyso.prepare(input, { certificate, chain: chainOf(c.key), signingTime: time,
                                          webCrypto, ...options(c.args) });
    ok(p.hashedBy === (webCrypto ? 'webcrypto' : 'wasm'), `${c.name} (${how}): hashed by ${p.hashedBy}`);
    const signed = await kyso.finish(p.handle, crypto.sign('sha256', p.signedAttributes, key));
    const same = Buffer.compare(Buffer.from(signed), cli) === 0;
    ok(same, `${c.name} (${how}): WASM ${signed.length} bytes, CLI ${cli.length} bytes, ` +
       `${same ? 'identical' : 'different'}`);
    if (webCrypto) fs.writeFileSync(path.join(outDir, `${c.name}.wasm.pdf`), signed);
  }
}
await kyso.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
