// verify_same.mjs - verifies each input with the native CLI and with the
// WASM module (build/wasm/dist, in a Node worker as a page would) at the
// same validation time and trust, and compares the JSON report and the
// Vietnamese and English texts byte for byte; for inputs the CLI cannot read
// (exit 3), the error code and message. Prints one line per difference and
// a summary; exits 1 when anything differs or nothing was compared.
//
//   node verify_same.mjs CORPUS_DIR [EXTRA_PDF_DIR...]
// CORPUS_DIR: one directory per input (tests/lib/verify.sh): document.pdf,
// trust/ (certificates trusted), source.tsv (test, label, --at or empty).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const { loadKyso } = await import(path.join(process.env.KYSO_WASM_DIST, 'kyso-wasm.js'));
const KYSO = process.env.KYSO;

// The validation time for inputs recorded without --at: now, to the second,
// written as the CLI takes it.
const nowSeconds = Math.floor(Date.now() / 1000);
const isoUtc = (s) => new Date(s * 1000).toISOString().replace(/\.\d+Z$/, '+00:00');

function inputs(corpus, extra) {
  const list = [];
  for (const d of fs.readdirSync(corpus).sort()) {
    if (d.startsWith('.')) continue;
    const dir = path.join(corpus, d);
    const [test, label, at] = fs.readFileSync(path.join(dir, 'source.tsv'), 'utf8')
      .replace(/\n$/, '').split('\t');
    const trust = fs.readdirSync(path.join(dir, 'trust')).sort()
      .map((f) => path.join(dir, 'trust', f));
    list.push({ name: `${test}:${label}`, file: path.join(dir, 'document.pdf'),
                trust, at: at || isoUtc(nowSeconds) });
  }
  for (const e of extra)
    for (const f of fs.readdirSync(e).sort())
      list.push({ name: `seed:${f}`, file: path.join(e, f), trust: [], at: isoUtc(nowSeconds) });
  return list;
}

// The CLI's text report starts with "FILE: "; the module has no file name.
function native(input, extraArgs) {
  const args = ['verify', input.file, '--no-default-trust', '--at', input.at, ...extraArgs];
  for (const t of input.trust) args.push('--trust', t);
  const r = spawnSync(KYSO, args, { maxBuffer: 64 << 20 });
  let out = r.stdout.toString('utf8');
  if (out.startsWith(`${input.file}: `)) out = out.slice(input.file.length + 2);
  return { status: r.status, out, err: r.stderr.toString('utf8') };
}

const kyso = await loadKyso();
let compared = 0;
let differ = 0;
const counts = { valid: 0, other: 0, error: 0, webcrypto: 0 };
const report = (input, what) => { differ++; console.log(`DIFF ${input.name}: ${what}`); };

for (const input of inputs(process.argv[2], process.argv.slice(3))) {
  const bytes = fs.readFileSync(input.file);
  const anchors = input.trust.map((t) => fs.readFileSync(t));
  const json = native(input, ['--json']);
  let w = null;
  let werr = null;
  try {
    w = await kyso.verify(bytes, { noDefaultTrust: true, trustAnchors: anchors,
                                   at: Date.parse(input.at) / 1000, lang: 'vi' });
  } catch (e) {
    werr = e;
  }
  compared++;
  if (json.status === 3) {
    counts.error++;
    const m = /^kyso: ([A-Z_0-9]+): (.*)\n$/.exec(json.err);
    if (!m) report(input, `CLI error line unreadable: ${json.err}`);
    else if (!werr) report(input, `CLI fails with ${m[1]}, WASM gives a report`);
    else if (werr.code !== m[1] || werr.message !== m[2])
      report(input, `error ${m[1]}: ${m[2]} vs WASM ${werr.code}: ${werr.message}`);
    continue;
  }
  if (werr) {
    report(input, `WASM error ${werr.code}: ${werr.message}; CLI exit ${json.status}`);
    continue;
  }
  if (w.json + '\n' !== json.out && w.json !== json.out)
    report(input, 'JSON reports differ');
  const expectStatus = w.signatureCount === 0 ? 2 : w.indication === 'TOTAL_PASSED' &&
    w.report.signatures.every((s) => s.indication === 'TOTAL_PASSED') ? 0 : 1;
  if (json.status !== expectStatus)
    report(input, `CLI exit ${json.status}, WASM indication ${w.indication}`);
  if (w.text !== native(input, ['--lang', 'vi']).out) report(input, 'Vietnamese texts differ');
  // The English run hashes inside the module instead of with WebCrypto:
  // both ways must give the CLI's report.
  const en = await kyso.verify(bytes, { noDefaultTrust: true, trustAnchors: anchors,
                                        at: Date.parse(input.at) / 1000, lang: 'en',
                                        webCrypto: false });
  if (en.text !== native(input, ['--lang', 'en']).out) report(input, 'English texts differ');
  if (en.json !== w.json) report(input, 'JSON with WebCrypto hashing differs from WASM hashing');
  if (en.hashedBy !== 'wasm') report(input, `webCrypto: false hashed by ${en.hashedBy}`);
  if (w.signatureCount > 0 && w.hashedBy === 'webcrypto') counts.webcrypto++;
  if (json.status === 0) counts.valid++;
  else counts.other++;
}
await kyso.close();
console.log(`inputs: ${counts.valid} valid, ${counts.other} not valid, ${counts.error} unreadable; ` +
            `${counts.webcrypto} hashed by WebCrypto`);
console.log(`compared ${compared} inputs, ${differ} differ`);
process.exit(differ === 0 && compared > 0 && counts.valid > 0 && counts.other > 0 &&
             counts.webcrypto > counts.valid ? 0 : 1);
