// addons_lint.mjs - Mozilla's addons-linter (what addons.mozilla.org runs on
// every upload; web-ext lint is a wrapper around it) on the Firefox build:
// no error, and no warning but the reviewed ones below, or the test fails
// naming each one.
//
//   node addons_lint.mjs TARGET...    (a directory or an .xpi)
//
// Prints "PASS|FAIL<TAB>message" lines for judge_node.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const LINTER = path.join(here, 'node_modules', 'addons-linter', 'bin', 'addons-linter');

// Warnings looked at and accepted (AMO shows them to its reviewers; they do
// not block a listing). Anything else fails.
const REVIEWED = [
  { code: 'UNSAFE_VAR_ASSIGNMENT', file: /^web\/vendor\/pdfjs\//,
    why: 'pdf.js as shipped upstream (the verifier\'s renderer): import() of its own worker and modules, its viewer\'s own template' },
  { code: 'UNSAFE_VAR_ASSIGNMENT', file: /^web\/kyso(\.umd)?\.js$/, message: /^Unsafe call to import/,
    why: 'kyso.js loads its WASM glue with import(wasmUrl) (a portal\'s option; no extension page loads kyso.js)' },
];
const reviewed = (m) => REVIEWED.find((r) => r.code === m.code && r.file.test(m.file ?? '') &&
  (!r.message || r.message.test(m.message ?? '')));

function check(cond, what) {
  console.log(`${cond ? 'PASS' : 'FAIL'}\t${what.replace(/\s+/g, ' ')}`);
  return cond;
}

for (const target of process.argv.slice(2)) {
  const name = path.basename(target);
  // The report goes to a file, not a pipe: node writes to a pipe
  // asynchronously and the linter's process.exit() can cut a long report
  // short on a busy machine (seen in CI); writes to a file are synchronous.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyso-lint-'));
  const file = path.join(dir, 'report.json');
  let out = '';
  try {
    const fd = fs.openSync(file, 'w');
    try {
      // Exit status 1 when there are errors: the JSON is written all the same.
      execFileSync(process.execPath, [LINTER, '--output', 'json', target],
        { stdio: ['ignore', fd, 'pipe'], maxBuffer: 16 << 20 });
    } catch {
      // judged from the report below
    } finally {
      fs.closeSync(fd);
    }
    out = fs.readFileSync(file, 'utf8');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  let r;
  try {
    r = JSON.parse(out);
  } catch {
    check(false, `addons-linter ${name}: no JSON report (${out.slice(0, 300)})`);
    continue;
  }
  const line = (m) => `${m.code} ${m.file ?? ''}${m.line ? `:${m.line}` : ''} ${m.message}`;
  check(r.errors.length === 0, `addons-linter ${name}: no error (${r.errors.map(line).join('; ')})`);
  const unreviewed = r.warnings.filter((m) => !reviewed(m));
  check(unreviewed.length === 0, `addons-linter ${name}: no warning but the reviewed ones (${unreviewed.map(line).join('; ')})`);
  const accepted = r.warnings.filter(reviewed);
  if (accepted.length) console.error(`addons-linter ${name}: ${accepted.length} reviewed warning(s): ${accepted.map(line).join('; ')}`);
  check(r.metadata?.manifestVersion === 3 && r.metadata?.id === 'kyso@kyso.vn',
    `addons-linter ${name}: reads MV3, id kyso@kyso.vn (${r.metadata?.manifestVersion}, ${r.metadata?.id})`);
  if (r.notices.length) console.error(`addons-linter ${name} notices: ${r.notices.map(line).join('; ')}`);
}
