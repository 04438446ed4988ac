// The realworld suite's judge: reads what realworld_one.sh left for each
// file, holds the file to its expectation (MANIFEST.tsv) and to the
// exceptions in policy.tsv, prints one "PASS|FAIL<TAB>message" line per file
// for judge_node (tests/lib/common.sh), and writes the summary and a
// per-file results table next to it.
//
//   node realworld_judge.mjs MODE CORPUS POLICY OUTDIR FILES SUMMARY SECONDS
//
// kyso's answer for a file, one string (policy.tsv matches it):
//   signed, unsigned_read:
//     TOTAL_PASSED | INDETERMINATE | TOTAL_FAILED:SUB/reason[ SUB/reason...]
//     (each failed signature's sub-indication and the reason of its first
//     failed check) | no_signatures | unreadable:CODE (kyso: CODE: message)
//   unsigned_sign:
//     signed | refused:CODE | bad:CHECK[ CHECK...] (signed, but qpdf,
//     pdfsig, kyso verify or the page-1 render disagree)
// A crash (signal, sanitizer report), a hang (timeout, CPU limit) or an
// unexpected exit status fails the file whatever the policy says.
import fs from 'node:fs';
import path from 'node:path';

const [mode, corpus, policyPath, outDir, filesList, summaryPath, secs] = process.argv.slice(2);

function readTsv(file) {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => l.split('\t'));
}

const manifest = new Map();
{
  const rows = readTsv(path.join(corpus, 'MANIFEST.tsv'));
  const head = rows.shift();
  for (const r of rows) manifest.set(r[0], Object.fromEntries(head.map((h, i) => [h, r[i] ?? ''])));
}

// policy.tsv: file (or * for any file), kind, answer (an anchored regular
// expression over kyso's answer), why.
const policy = readTsv(policyPath).filter((r) => r[0] !== 'file').map((r, i) => {
  if (r.length < 4 || r.slice(0, 4).some((c) => c.trim() === '')) {
    throw new Error(`policy.tsv row ${i + 1}: needs file, kind, answer, why`);
  }
  return { file: r[0], kind: r[1], answer: r[2], re: new RegExp(`^(?:${r[2]})$`), why: r[3], used: false };
});
const KINDS = /^(defect|stricter|laxer|password|pending:[0-9A-Za-z.-]+)$/;
for (const p of policy) {
  if (!KINDS.test(p.kind)) {
    throw new Error(`policy.tsv: ${p.file}: kind ${p.kind} is not defect, stricter, laxer, password or pending:PART`);
  }
}

const read = (f) => {
  try {
    return fs.readFileSync(f, 'utf8');
  } catch {
    return null;
  }
};
const rcOf = (dir, step) => {
  const t = read(path.join(dir, `${step}.rc`));
  return t === null ? null : Number(t.trim());
};
const SANITIZER = /ERROR: (Address|Leak|Memory|Thread)Sanitizer|runtime error:|SUMMARY: UndefinedBehaviorSanitizer|Sanitizer:DEADLYSIGNAL/;

// crashOf: why a kyso step is a crash or a hang, or null.
function crashOf(dir, step) {
  const rc = rcOf(dir, step);
  const err = read(path.join(dir, `${step}.err`)) ?? '';
  if (rc === null) return `${step}: did not run`;
  if (SANITIZER.test(err)) return `${step}: sanitizer report: ${err.match(SANITIZER)[0]}`;
  if (rc === 124 || rc === 137) return `${step}: hang (killed by the ${process.env.RW_TIMEOUT ?? '?'} s timeout)`;
  if (rc === 152) return `${step}: CPU limit reached (SIGXCPU)`;
  if (rc >= 128) return `${step}: killed by signal ${rc - 128}`;
  return null;
}

const errCode = (dir, step) => {
  const m = /^kyso: ([A-Z0-9_]+): /m.exec(read(path.join(dir, `${step}.err`)) ?? '');
  return m ? m[1] : 'NO_ERROR_LINE';
};

// The checks behind each TOTAL_FAILED sub-indication (docs/report-schema.md).
const CHECK_OF = {
  FORMAT_FAILURE: ['structure', 'revision', 'cms'],
  HASH_FAILURE: ['integrity'],
  SIG_CRYPTO_FAILURE: ['signature'],
  DOCUMENT_MODIFIED: ['changes'],
  REVOKED: ['revocation'],
  EXPIRED: ['validity'],
  NOT_YET_VALID: ['validity'],
};

// verifyAnswer: kyso's answer from a verify step, or {bad} when the output
// makes no sense.
function verifyAnswer(dir, step) {
  const rc = rcOf(dir, step);
  if (rc === 3) return { answer: `unreadable:${errCode(dir, step)}`, cause: errCode(dir, step) };
  if (rc !== 0 && rc !== 1 && rc !== 2) return { bad: `${step}: exit status ${rc}` };
  let r;
  try {
    r = JSON.parse(read(path.join(dir, `${step}.json`)));
  } catch (e) {
    return { bad: `${step}: exit ${rc} without a JSON report (${e.message})` };
  }
  if (rc === 2) {
    return r.signatures.length === 0 ? { answer: 'no_signatures', report: r } : { bad: `${step}: exit 2 with signatures` };
  }
  if (r.overall === 'TOTAL_FAILED') {
    const subs = new Set();
    for (const s of r.signatures) {
      if (s.indication !== 'TOTAL_FAILED') continue;
      const owner = CHECK_OF[s.sub_indication] ?? [];
      const first = Object.entries(s.checks).find(([k, c]) => c.result === 'failed' && owner.includes(k)) ??
        Object.entries(s.checks).find(([, c]) => c.result === 'failed');
      subs.add(`${s.sub_indication}/${first ? first[1].reason : '?'}`);
    }
    return { answer: `TOTAL_FAILED:${[...subs].sort().join(' ')}`, report: r };
  }
  if (r.overall !== 'TOTAL_PASSED' && r.overall !== 'INDETERMINATE') return { bad: `${step}: overall ${r.overall}` };
  if ((rc === 0) !== (r.overall === 'TOTAL_PASSED')) return { bad: `${step}: exit ${rc} with overall ${r.overall}` };
  return { answer: r.overall, report: r };
}

// qpdf --check: 0 clean, 3 warnings, 2 errors (rank 0 < 1 < 2).
const qpdfRank = (rc) => ({ 0: 0, 3: 1, 2: 2 })[rc] ?? 3;

// The new signature in the output must be valid for pdfsig: the last
// "Signature #N" block says "Signature is Valid.".
function pdfsigNewValid(dir) {
  const out = read(path.join(dir, 'pdfsig.out')) ?? '';
  const blocks = out.split(/^Signature #\d+:/m).slice(1);
  if (blocks.length === 0) return 'pdfsig finds no signature';
  const last = blocks[blocks.length - 1];
  if (!/Signature Validation: Signature is Valid\./.test(last)) {
    const m = /Signature Validation: (.*)/.exec(last);
    return `pdfsig: ${m ? m[1] : 'no validation line'}`;
  }
  return null;
}

// kyso verify of the signed output, with the test root as trust anchor:
// the new signature is TOTAL_PASSED, or INDETERMINATE only because the
// test PKI publishes no revocation data.
function kysoNewValid(dir) {
  const v = verifyAnswer(dir, 'verify_out');
  if (v.bad) return v.bad;
  if (!v.report) return `kyso verify: ${v.answer}`;
  // The input had no signature: the output has exactly one, the new one.
  if (v.report.signatures.length !== 1) return `kyso verify finds ${v.report.signatures.length} signatures, not 1`;
  const s = v.report.signatures[0];
  if (s.indication === 'TOTAL_PASSED') return null;
  const notPassed = Object.entries(s.checks).filter(
    ([k, c]) => c.result !== 'passed' && !(k === 'timestamp' && c.reason === 'no_timestamp'),
  );
  if (s.indication === 'INDETERMINATE' && notPassed.length === 1 && notPassed[0][0] === 'revocation' &&
      notPassed[0][1].reason === 'revocation_unknown') {
    return null;
  }
  return `kyso verify: ${s.indication}/${s.sub_indication} (${notPassed.map(([k, c]) => `${k}:${c.reason}`).join(', ')})`;
}

const files = fs.readFileSync(filesList, 'utf8').split('\n').filter(Boolean).map((f) => path.basename(f));
const results = [];
const count = {};
const bump = (k) => (count[k] = (count[k] ?? 0) + 1);
const lines = [];
const say = (ok, msg) => lines.push(`${ok ? 'PASS' : 'FAIL'}\t${msg}`);
const notes = [];

for (const name of files) {
  const m = manifest.get(name);
  const dir = path.join(outDir, name);
  const expected = m ? m.expected : '?';
  let answer;
  let verdict; // ok, recorded, wrong-accept, stricter, refused, bad or FAIL
  let detail = '';
  let crash = null;
  if (!fs.existsSync(path.join(dir, 'done'))) crash = 'realworld_one.sh did not finish';
  const kysoSteps = mode === 'unsigned_sign' ? ['sign', 'verify_out'] : mode === 'unsigned_read' ? ['verify', 'inspect'] : ['verify'];
  for (const st of kysoSteps) {
    if (crash) break;
    if (st === 'verify_out' && rcOf(dir, 'sign') !== 0) continue;
    crash = crashOf(dir, st);
  }
  if (crash) {
    answer = 'crash';
    verdict = 'FAIL';
    detail = crash;
  } else if (mode === 'signed' || mode === 'unsigned_read') {
    const v = verifyAnswer(dir, 'verify');
    if (v.bad) {
      answer = 'bad_output';
      verdict = 'FAIL';
      detail = v.bad;
    } else {
      answer = v.answer;
      if (v.cause) bump(`unreadable ${v.cause}`);
      if (mode === 'unsigned_read') {
        verdict = 'ok';
        const irc = rcOf(dir, 'inspect');
        // kyso inspect: 0, or 1 with one "kyso: CODE: message" line.
        if (irc !== 0 && !(irc === 1 && errCode(dir, 'inspect') !== 'NO_ERROR_LINE')) {
          verdict = 'FAIL';
          detail = `kyso inspect: exit status ${irc}`;
        } else if (irc === 1) {
          bump(`inspect refuses ${errCode(dir, 'inspect')}`);
          if (!v.answer.startsWith('unreadable:')) bump('inspect refuses, verify reads');
        }
      } else {
        const failedish = answer.startsWith('TOTAL_FAILED') || answer.startsWith('unreadable:') || answer === 'no_signatures';
        if (expected === 'reject') {
          verdict = answer.startsWith('TOTAL_FAILED') || answer.startsWith('unreadable:') ? 'ok' : 'wrong-accept';
        } else if (expected === 'valid') {
          verdict = failedish ? 'stricter' : 'ok';
        } else {
          verdict = 'recorded';
        }
      }
    }
  } else {
    const src = rcOf(dir, 'sign');
    if (src !== 0) {
      const code = errCode(dir, 'sign');
      answer = `refused:${code}`;
      verdict = code === 'NO_ERROR_LINE' ? 'FAIL' : 'refused';
      if (verdict === 'FAIL') detail = `kyso sign exit ${src} without a "kyso: CODE: message" line`;
      bump(`refused ${code}`);
    } else {
      const bad = [];
      const why = [];
      const qi = qpdfRank(rcOf(dir, 'qpdf_in'));
      const qo = qpdfRank(rcOf(dir, 'qpdf_out'));
      if (qo > qi || qo === 3) {
        bad.push('qpdf');
        why.push(`qpdf --check: input status ${rcOf(dir, 'qpdf_in')}, output ${rcOf(dir, 'qpdf_out')}`);
      } else if (qi > 0) {
        bump('signed, input not qpdf-clean (output no worse)');
      }
      const ps = pdfsigNewValid(dir);
      if (ps) {
        bad.push('pdfsig');
        why.push(ps);
      }
      const kv = kysoNewValid(dir);
      if (kv) {
        bad.push('verify');
        why.push(kv);
      }
      const cmp = (read(path.join(dir, 'render.cmp')) ?? 'none').trim();
      if (cmp === 'differ' || cmp === 'out_missing' || cmp === 'none') {
        bad.push('render');
        why.push(`page 1 render: ${cmp}`);
      } else if (cmp === 'in_missing') {
        bump('signed, page 1 not compared (pdftoppm cannot render the input)');
      } else {
        bump('signed, page 1 identical');
      }
      answer = bad.length ? `bad:${bad.join(' ')}` : 'signed';
      verdict = bad.length ? 'bad' : 'ok';
      detail = why.join('; ');
    }
  }

  // Policy: an answer that needs an exception must be listed, with the
  // very answer kyso gives now.
  const needs = ['wrong-accept', 'stricter', 'refused', 'bad'].includes(verdict);
  const rows = policy.filter((p) => p.file === name || (p.file === '*' && needs));
  let listed = null;
  if (needs) {
    listed = rows.find((p) => p.re.test(answer)) ?? null;
    // A published attack accepted: only a fix in progress, or a decision of
    // the issue to accept that very shape (laxer), may be listed.
    if (verdict === 'wrong-accept' && listed && !/^(pending|laxer)/.test(listed.kind)) listed = null;
    if (listed) {
      listed.used = true;
      say(true, `${name}: ${answer} (policy: ${listed.kind})`);
      bump(`listed in policy.tsv as ${listed.kind.split(':')[0]}`);
    } else {
      const fileRow = rows.find((p) => p.file === name);
      say(false, `${name} (${expected}): ${verdict}: kyso says ${answer}${detail ? ` — ${detail}` : ''}` +
        (fileRow ? ` — policy.tsv lists it with the answer ${fileRow.answer}` : ' — not in policy.tsv'));
      bump(`FAILED ${verdict}`);
    }
  } else if (verdict === 'FAIL') {
    say(false, `${name}: ${detail || answer}`);
    bump('FAILED crash/hang/output');
  } else {
    say(true, `${name}: ${answer}`);
    // unsigned_read needs no exception: the rows are unsigned_sign's.
    for (const p of mode === 'unsigned_read' ? [] : rows) {
      if (p.file === name) notes.push(`policy.tsv entry no longer needed: ${name} (${p.kind}): kyso now says ${answer}`);
    }
  }
  results.push([name, expected, answer, listed ? `${verdict} (policy ${listed.kind})` : verdict, detail]);
}

// ---- summary ----------------------------------------------------------------
const by = (pred) => results.filter(pred).length;
const out = [];
const T = (r) => r[2];
out.push(`realworld.${mode}: ${results.length} files from ${corpus} (${secs} s, ${process.env.KYSO_REALWORLD_JOBS ?? 2} at a time)`);
if (mode === 'signed') {
  out.push(`  read, a verdict for each signature: ${by((r) => /^(TOTAL|INDET)/.test(T(r)))} ` +
    `(TOTAL_PASSED ${by((r) => T(r) === 'TOTAL_PASSED')}, INDETERMINATE ${by((r) => T(r) === 'INDETERMINATE')}, ` +
    `TOTAL_FAILED ${by((r) => T(r).startsWith('TOTAL_FAILED'))})`);
  out.push(`  no signature found: ${by((r) => T(r) === 'no_signatures')}`);
  out.push(`  refused to read: ${by((r) => T(r).startsWith('unreadable:'))}`);
  for (const exp of ['reject', 'valid', 'reject?', '-']) {
    const rs = results.filter((r) => r[1] === exp);
    const failed = rs.filter((r) => T(r).startsWith('TOTAL_FAILED') || T(r).startsWith('unreadable:')).length;
    const nosig = rs.filter((r) => T(r) === 'no_signatures').length;
    const listed = rs.filter((r) => r[3].includes('(policy')).length;
    out.push(`  expected ${exp.padEnd(7)} ${String(rs.length).padStart(3)}: kyso rejects ${failed}, ` +
      `accepts (TOTAL_PASSED/INDETERMINATE) ${rs.length - failed - nosig}, finds no signature ${nosig}` +
      (listed ? `; listed in policy.tsv ${listed}` : ''));
  }
} else if (mode === 'unsigned_read') {
  out.push(`  read: ${by((r) => !T(r).startsWith('unreadable:') && T(r) !== 'crash' && T(r) !== 'bad_output')} ` +
    `(no signature ${by((r) => T(r) === 'no_signatures')}, signatures found ${by((r) => /^(TOTAL|INDET)/.test(T(r)))})`);
  out.push(`  refused to read: ${by((r) => T(r).startsWith('unreadable:'))}`);
} else {
  out.push(`  signed validly: ${by((r) => T(r) === 'signed')} (qpdf --check no worse than the input, pdfsig valid, ` +
    'kyso verify TOTAL_PASSED or INDETERMINATE for revocation_unknown only, page 1 identical)');
  out.push(`  signed, a check disagrees: ${by((r) => T(r).startsWith('bad:'))}`);
  out.push(`  refused: ${by((r) => T(r).startsWith('refused:'))}`);
}
for (const k of Object.keys(count).sort()) out.push(`  ${k}: ${count[k]}`);
out.push(`  crashes or hangs: ${by((r) => T(r) === 'crash')}`);
const stale = mode === 'unsigned_read' ? [] : policy.filter((p) => !p.used && p.file === '*');
for (const p of stale) notes.push(`policy.tsv '*' entry matched nothing in this mode: ${p.answer}`);
for (const n of notes) out.push(`  note: ${n}`);
const failedCount = lines.filter((l) => l.startsWith('FAIL')).length;
out.push(`  result: ${failedCount ? `${failedCount} file(s) FAILED` : 'every file as expected or listed'}`);
if (process.env.KYSO_REALWORLD_STRICT_POLICY === '1') {
  for (const n of notes.filter((x) => x.startsWith('policy.tsv entry no longer needed'))) say(false, n);
}

fs.writeFileSync(summaryPath, `${out.join('\n')}\n`);
say(true, `summary written to ${summaryPath}`);
fs.writeFileSync(summaryPath.replace(/summary\.txt$/, 'results.tsv'),
  `file\texpected\tanswer\tverdict\tdetail\n${results.map((r) => r.join('\t')).join('\n')}\n`);
process.stdout.write(`${lines.join('\n')}\n`);
