// bad_input.mjs - the WASM module on bad input, and its memory over many
// calls (see bad_input_test.sh). Prints "N passed, N failed".
//
//   node bad_input.mjs CASES GOOD CERT KEY OTHER_KEY MINIMAL ROOT INDICATION
// CASES: TSV of file, `kyso verify` error code, `kyso sign` error code.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const [casesFile, goodFile, certFile, keyFile, otherKeyFile, minimalFile,
       rootFile, goodIndication] = process.argv.slice(2);
const { loadKyso, KysoError } =
  await import(path.join(process.env.KYSO_WASM_DIST, 'kyso-wasm.js'));

let passed = 0;
let failed = 0;
const ok = (cond, what) => {
  if (cond) passed++;
  else { failed++; console.log(`FAIL: ${what}`); }
};

const good = fs.readFileSync(goodFile);
const root = fs.readFileSync(rootFile, 'utf8');
const certificate = new crypto.X509Certificate(fs.readFileSync(certFile)).raw;
const key = crypto.createPrivateKey(fs.readFileSync(keyFile));
const otherKey = crypto.createPrivateKey(fs.readFileSync(otherKeyFile));
const minimal = fs.readFileSync(minimalFile);
const kyso = await loadKyso();

async function failure(promise) {
  try {
    await promise;
    return null;
  } catch (e) {
    return e;
  }
}

async function stillWorks(after) {
  const r = await kyso.verify(good, { noDefaultTrust: true, trustAnchors: [root] });
  ok(r.indication === goodIndication, `after ${after}: the good file is ${r.indication}, CLI says ${goodIndication}`);
}

// ---- bad documents -------------------------------------------------------
for (const line of fs.readFileSync(casesFile, 'utf8').split('\n').filter(Boolean)) {
  const [file, verifyCode, signCode] = line.split('\t');
  const name = path.basename(file);
  const bytes = fs.readFileSync(file);
  let e = await failure(kyso.verify(bytes, { noDefaultTrust: true }));
  ok(e instanceof KysoError && e.code === verifyCode,
     `verify ${name}: ${e?.code} (${e?.message}), CLI says ${verifyCode}`);
  ok(e && e.message.length > 0 && !/undefined|null/.test(e.message), `verify ${name}: a message`);
  e = await failure(kyso.prepare(bytes, { certificate }));
  ok(e instanceof KysoError && e.code === signCode,
     `prepare ${name}: ${e?.code} (${e?.message}), CLI says ${signCode}`);
  await stillWorks(name);
}

// ---- bad options and values ---------------------------------------------
const refusals = [
  ['no certificate', {}, 'ARGUMENT'],
  ['an unknown option', { certificate, colour: 'red' }, 'ARGUMENT'],
  ['a rect of three numbers', { certificate, rect: [1, 2, 3] }, 'ARGUMENT'],
  ['a certificate that is not DER', { certificate: new Uint8Array([1, 2, 3]) }, null],
  ['an unknown digest', { certificate, digest: 'MD5' }, 'ARGUMENT'],
  ['a page past the end', { certificate, page: 99, rect: [10, 10, 100, 50] }, null],
  // The test certificate is valid 2024-06-01 .. 2034-06-01 (UTC).
  ['a time before the certificate', { certificate, signingTime: new Date('2024-05-31T23:59:59Z') },
   'SIGN_CERTIFICATE'],
  ['a time after the certificate', { certificate, signingTime: new Date('2034-06-01T00:00:01Z') },
   'SIGN_CERTIFICATE'],
];
for (const [what, options, code] of refusals) {
  const e = await failure(kyso.prepare(minimal, options));
  ok(e instanceof KysoError && (code === null || e.code === code),
     `prepare with ${what}: ${e?.code} (${e?.message})`);
}
const e2 = await failure(kyso.finish(12345, new Uint8Array(256)));
ok(e2 instanceof KysoError && e2.code === 'ARGUMENT', `finish with an unknown handle: ${e2?.code}`);

// A signature by another key is refused and the session stays usable.
const p = await kyso.prepare(minimal, { certificate });
const wrong = crypto.sign('sha256', p.signedAttributes, otherKey);
const e3 = await failure(kyso.finish(p.handle, wrong));
ok(e3 instanceof KysoError && e3.code === 'SIGN_VALUE', `finish with another key's signature: ${e3?.code}`);
const signed = await kyso.finish(p.handle, crypto.sign('sha256', p.signedAttributes, key));
ok(Buffer.compare(Buffer.from(signed.subarray(0, minimal.length)), minimal) === 0,
   'the signed file starts with the input, unchanged');
const r = await kyso.verify(signed, { noDefaultTrust: true, trustAnchors: [root] });
ok(r.signatureCount === 1 && r.report.signatures[0].checks !== undefined,
   'the file signed after the refused value has its signature');
await stillWorks('the refusals');

// ---- memory over 1,000 calls ---------------------------------------------
async function roundTrip() {
  const q = await kyso.prepare(minimal, { certificate, reason: 'Kiểm tra bộ nhớ' });
  await kyso.finish(q.handle, crypto.sign('sha256', q.signedAttributes, key));
}
for (let i = 0; i < 10; i++) {
  await kyso.verify(good, { noDefaultTrust: true, trustAnchors: [root] });
  await roundTrip();
}
const before = await kyso.heap();
for (let i = 0; i < 1000; i++) {
  await kyso.verify(good, { noDefaultTrust: true, trustAnchors: [root] });
  await roundTrip();
}
const q = await kyso.prepare(minimal, { certificate });
ok((await kyso.heap()).sessions === 1, 'an unfinished session is counted');
await kyso.release(q.handle);
const after = await kyso.heap();
console.log(`heap in use: ${before.inUse} bytes before, ${after.inUse} after 1,000 verify and 1,000 sign calls; memory ${after.memory}`);
ok(after.sessions === 0, 'no session left');
ok(after.inUse - before.inUse < 16 * 1024,
   `native heap grew by ${after.inUse - before.inUse} bytes over 2,000 calls`);
await kyso.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
