// ltv_wasm.mjs - the WASM module's long-term validation calls (issue 13)
// on files signed by the native CLI against the loopback LTV PKI
// (tests/lib/ltv_pki.sh), checked against the native CLI and the PKI's own
// files. Prints "PASS\tmessage" / "FAIL\tmessage" per check.
//
//   node ltv_wasm.mjs W
// W holds (made by ltv_wasm_test.sh): bb.pdf (B-B, leaf "good"),
// good.ocsp (openssl ocsp's answer about the leaf), root.pem, tsaroot.pem,
// good.pem, sub.pem, root.crl, sub.crl, evil.crl, cache/ (what `kyso
// verify --online` fetched for bb.pdf at time AT), at (that time).
// Writes W/lt.pdf (bb.pdf + the module's DSS update).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const W = process.argv[2];
const { loadKyso } = await import(path.join(process.env.KYSO_WASM_DIST, 'kyso-wasm.js'));
const KYSO = process.env.KYSO;
let failures = 0;
const check = (ok, what) => {
  if (!ok) failures++;
  console.log(`${ok ? 'PASS' : 'FAIL'}\t${what}`);
};
const read = (f) => new Uint8Array(fs.readFileSync(path.join(W, f)));
const pemDer = (f) => {
  const t = fs.readFileSync(path.join(W, f), 'utf8');
  return new Uint8Array(Buffer.from(t.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64'));
};
const same = (a, b) => !!a && !!b && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
const at = fs.readFileSync(path.join(W, 'at'), 'utf8').trim();
const anchors = [read('root.pem'), read('tsaroot.pem')];
const base = { noDefaultTrust: true, trustAnchors: anchors, at, text: false };

function native(file, extra = []) {
  const args = ['verify', file, '--no-default-trust', '--at', at, '--trust', path.join(W, 'root.pem'),
    '--trust', path.join(W, 'tsaroot.pem'), ...extra];
  const r = spawnSync(KYSO, args, { maxBuffer: 64 << 20, env: { ...process.env, HOME: W, XDG_CACHE_HOME: path.join(W, 'xdg') } });
  let out = r.stdout.toString('utf8');
  if (out.startsWith(`${file}: `)) out = out.slice(file.length + 2);
  return { status: r.status, out, err: r.stderr.toString('utf8') };
}

const kyso = await loadKyso();
const bb = read('bb.pdf');
const good = pemDer('good.pem');
const sub = pemDer('sub.pem');
const root = pemDer('root.pem');

// ---- B-B: revocation unknown ------------------------------------------------
const v0 = await kyso.verify(bb, base);
const s0 = v0.report.signatures[0];
check(v0.indication === 'INDETERMINATE' && s0.checks.revocation.result === 'indeterminate',
  `B-B without data: INDETERMINATE, revocation undecided (${v0.indication} ${s0.checks.revocation.result})`);

// ---- ltvCollect ---------------------------------------------------------------
const c = await kyso.ltvCollect(bb, { noDefaultTrust: true, trustAnchors: anchors, at });
const leafNeed = c.needs.find((n) => same(n.certificate, good));
const subNeed = c.needs.find((n) => same(n.certificate, sub));
check(!!leafNeed && same(leafNeed.issuer, sub) && !leafNeed.hasRevocation && leafNeed.certificateInDocument,
  'collect: the signer, issued by the sub-CA, in the document, without revocation data');
check(!!subNeed && same(subNeed.issuer, root) && !subNeed.hasRevocation,
  'collect: the sub-CA, issued by the root, without revocation data');
check(!c.needs.some((n) => same(n.certificate, root)), 'collect: not the trust anchor itself');
check(c.needs[0] && same(c.needs[0].certificate, good), 'collect: path order, signer first');
check(leafNeed?.signatures.join() === '0', 'collect: the signer serves signature 0');
const contents = (() => {
  const s = Buffer.from(bb).toString('latin1');
  const m = /\/Contents\s*<([0-9A-Fa-f]+)>/.exec(s);
  return m ? Buffer.from(m[1], 'hex') : Buffer.alloc(0);
})();
const vri = createHash('sha1').update(contents).digest('hex').toUpperCase();
check(c.signatures.length === 1 && c.signatures[0].vriKey === vri && !c.signatures[0].documentTimestamp,
  `collect: one signature, /VRI key = SHA-1 of its /Contents (${c.signatures[0]?.vriKey} ${vri})`);
// Without the roots: the chain ends at the root, listed (no anchor to stop at).
const c2 = await kyso.ltvCollect(bb, { noDefaultTrust: true, at });
check(c2.needs.length >= c.needs.length, `collect without anchors lists at least as much (${c2.needs.length})`);

// ---- verify with data from outside the file -----------------------------------
const ocsp = read('good.ocsp');
const rootCrl = read('root.crl');
const loaded = await kyso.verify(bb, { ...base, extraOcsps: [ocsp], extraCrls: [rootCrl] });
check(loaded.indication === 'TOTAL_PASSED', `loaded OCSP (signer) + CRL (sub-CA): TOTAL_PASSED (${loaded.indication})`);
const ev = loaded.report.signatures[0].revocation_evidence ?? [];
check(ev.some((e) => e.source === 'loaded' && e.status === 'good' && e.type === 'ocsp') &&
  ev.some((e) => e.source === 'loaded' && e.status === 'good' && e.type === 'crl'),
  `the report says the data was loaded: ${JSON.stringify(ev.map((e) => [e.type, e.source, e.status]))}`);
const fetched = await kyso.verify(bb, { ...base, extraOcsps: [ocsp], extraCrls: [rootCrl], extraFetched: true });
check(fetched.indication === 'TOTAL_PASSED' &&
  (fetched.report.signatures[0].revocation_evidence ?? []).filter((e) => e.status !== 'none')
    .every((e) => e.source === 'fetched'),
  'extraFetched: the same, the report says fetched');
const evil = await kyso.verify(bb, { ...base, extraCrls: [read('evil.crl'), rootCrl] });
check(evil.indication !== 'TOTAL_PASSED', `a CRL of another issuer (impostor sub-CA): not valid (${evil.indication})`);

// Bad extra data: refused with ARGUMENT, the module still usable.
for (const [what, opt] of [['a certificate as a CRL', { extraCrls: [good] }],
  ['garbage as an OCSP response', { extraOcsps: [new Uint8Array([0x30, 0x03, 1, 2, 3])] }],
  ['a CRL with bytes after it', { extraCrls: [new Uint8Array([...rootCrl, 0])] }]]) {
  const e = await kyso.verify(bb, { ...base, ...opt }).then(() => null, (x) => x);
  check(e?.code === 'ARGUMENT', `${what}: ARGUMENT (${e?.code} ${e?.message})`);
}
check((await kyso.verify(bb, base)).indication === 'INDETERMINATE', 'the module is usable after them');

// ---- classify ------------------------------------------------------------------
const kinds = await kyso.classify([good, rootCrl, ocsp, new Uint8Array([1, 2, 3]), new Uint8Array(0)]);
check(kinds.join() === 'certificate,crl,ocsp,,', `classify: ${JSON.stringify(kinds)}`);

// ---- ltvUpdate: B-LT -------------------------------------------------------------
const u = await kyso.ltvUpdate(bb, { noDefaultTrust: true, trustAnchors: anchors, at,
  ocsps: [ocsp], crls: [read('evil.crl'), rootCrl, read('sub.crl')] });
check(u.withoutData === 0, `update: every certificate got an answer (${u.withoutData} without)`);
check(u.added.ocsps === 1 && u.added.crls === 1,
  `update: the signer's OCSP and the root's CRL only (not the impostor's, not the sub-CA's CRL: the OCSP came first) (${JSON.stringify(u.added)})`);
check(same(u.pdf.subarray(0, bb.length), bb) && u.pdf.length > bb.length, 'update: the signed bytes untouched, an incremental update');
fs.writeFileSync(path.join(W, 'lt.pdf'), u.pdf);
const lt = await kyso.verify(u.pdf, { ...base, text: true, lang: 'vi' });
check(lt.indication === 'TOTAL_PASSED', `B-LT, offline, no extra data: TOTAL_PASSED (${lt.indication})`);
check((lt.report.signatures[0].revocation_evidence ?? []).filter((e) => e.status !== 'none')
  .every((e) => e.source === 'dss' || e.source === 'dss_vri'), 'B-LT: the evidence comes from the DSS');
const n = native(path.join(W, 'lt.pdf'), ['--json']);
check(n.status === 0, `kyso verify (native) on the module's B-LT: exit 0 (${n.status} ${n.err.trim()})`);
check(n.out === lt.json || n.out === `${lt.json}\n`, 'native and WASM JSON reports of the B-LT file are byte-identical');
const nt = native(path.join(W, 'lt.pdf'), ['--lang', 'vi']);
check(nt.out === lt.text, 'native and WASM Vietnamese text reports are byte-identical');
const again = await kyso.ltvCollect(u.pdf, { noDefaultTrust: true, trustAnchors: anchors, at });
check(again.needs.length > 0 && again.needs.every((x) => x.hasRevocation),
  'collect on the B-LT file: every certificate has revocation data');
const none = await kyso.ltvUpdate(u.pdf, { noDefaultTrust: true, trustAnchors: anchors, at,
  ocsps: [ocsp], crls: [rootCrl] });
check(same(none.pdf, u.pdf) && none.added.ocsps === 0, 'update of the B-LT file with the same data: nothing added');
const notMine = await kyso.ltvUpdate(bb, { noDefaultTrust: true, trustAnchors: anchors, at,
  crls: [read('evil.crl')] });
check(notMine.withoutData === 2 && notMine.added.crls === 0,
  `update with only the impostor's CRL: nothing embedded (${JSON.stringify(notMine.added)}, ${notMine.withoutData} without)`);

// ---- byte-identical with kyso verify --online ------------------------------------
// The bytes the CLI fetched (its cache), given to the module as fetched
// data at the same time: the same report.
const cached = [];
const walk = (d) => {
  for (const f of fs.existsSync(d) ? fs.readdirSync(d) : []) {
    const p = path.join(d, f);
    if (fs.statSync(p).isDirectory()) walk(p);
    else cached.push(new Uint8Array(fs.readFileSync(p)));
  }
};
walk(path.join(W, 'cache'));
const ck = await kyso.classify(cached);
const online = { extraOcsps: cached.filter((_, i) => ck[i] === 'ocsp'), extraCrls: cached.filter((_, i) => ck[i] === 'crl'),
  extraCertificates: cached.filter((_, i) => ck[i] === 'certificate'), extraFetched: true };
check(online.extraOcsps.length + online.extraCrls.length >= 2,
  `kyso verify --online cached what it fetched (${online.extraOcsps.length} OCSP, ${online.extraCrls.length} CRL)`);
const onlineJson = fs.readFileSync(path.join(W, 'online.json'), 'utf8');
const wo = await kyso.verify(bb, { ...base, ...online, text: true, lang: 'en' });
check(wo.indication === 'TOTAL_PASSED', `WASM with the CLI's fetched data: TOTAL_PASSED (${wo.indication})`);
check(onlineJson === wo.json || onlineJson === `${wo.json}\n`,
  'kyso verify --online --json and the WASM report with the same fetched data are byte-identical');
const onlineText = fs.readFileSync(path.join(W, 'online.en.txt'), 'utf8');
const stripped = onlineText.startsWith(`${path.join(W, 'bb.pdf')}: `) ? onlineText.slice(path.join(W, 'bb.pdf').length + 2) : onlineText;
check(stripped === wo.text, 'and the English texts');

// ---- no native memory left behind ---------------------------------------------
const round = async () => {
  await kyso.ltvCollect(bb, { noDefaultTrust: true, trustAnchors: anchors, at });
  await kyso.ltvUpdate(bb, { noDefaultTrust: true, trustAnchors: anchors, at, ocsps: [ocsp], crls: [rootCrl] });
  await kyso.verify(bb, { ...base, extraOcsps: [ocsp], extraCrls: [rootCrl], extraCertificates: [sub] });
  await kyso.verify(bb, { ...base, extraCrls: [good] }).catch(() => {});
  await kyso.classify([good, rootCrl, ocsp]);
};
for (let i = 0; i < 3; i++) await round();
const h0 = (await kyso.heap()).inUse;
for (let i = 0; i < 100; i++) await round();
const h1 = (await kyso.heap()).inUse;
check(h1 <= h0 + 4096, `100 rounds of collect, update, verify with extra data, a refused item, classify: heap ${h0} -> ${h1} bytes`);

await kyso.close();
process.exit(failures ? 1 : 0);
