// summary.mjs - bench/wasm's tables: for each size, the native CLI
// (hyperfine medians, /usr/bin/time peak RSS) beside the module in Node and
// in Chromium (measure.mjs medians), the ratios, and the targets.
//
//   node summary.mjs WORKDIR SIZE...     (files as run.sh writes them:
//   in-S.pdf signed-S.pdf native-S.json native-rss-S.txt node-S.json
//   node-rss-S.txt chromium.json)
import fs from 'node:fs';
import path from 'node:path';

const TARGET_LOAD_MS = 150;
const TARGET_VERIFY_RATIO = 2; // browser / native, judged at 10 MB
const TARGET_SIGN_RATIO = 2;   // prepare+finish / native sign, every size

const [work, ...sizes] = process.argv.slice(2);
const read = (name) => fs.readFileSync(path.join(work, name), 'utf8');
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const ms = (x) => x.toFixed(1).padStart(8);
const mib = (b) => (b / 1048576).toFixed(1).padStart(7);
const ratio = (x) => x.toFixed(2).padStart(6);
const judge = (ok) => (ok ? 'met' : 'MISSED');

// One size's numbers, medians in ms, memory in bytes.
function collect(size, chromium) {
  const hf = Object.fromEntries(JSON.parse(read(`native-${size}.json`)).results.map((r) => [r.command, r]));
  const [rssVerify, rssSign] = read(`native-rss-${size}.txt`).trim().split(/\s+/).map((k) => Number(k) * 1024);
  const wasm = (r, rss) => ({
    loadCold: r.load[0], load: median(r.load), verify: median(r.verify),
    sign: median(r.prepare.map((p, i) => p + r.finish[i])), prepare: median(r.prepare), finish: median(r.finish),
    memory: r.memory, rss, indication: r.indication,
  });
  const node = JSON.parse(read(`node-${size}.json`));
  const nodeRss = Number(read(`node-rss-${size}.txt`).trim().split('\n').pop()) * 1024;
  return {
    size, bytes: fs.statSync(path.join(work, `signed-${size}.pdf`)).size,
    native: { verify: hf.verify.median * 1000, sign: hf.sign.median * 1000, rssVerify, rssSign },
    node: wasm(node, nodeRss),
    chromium: wasm(chromium[size], chromium[size].rendererPeak),
  };
}

function printTimes(rows) {
  console.log('\ntimes: medians in ms (load cold = the first load of a fresh process / browser profile)\n');
  console.log('size MiB | where     | load cold  load  | verify  x native | prepare  finish  p+f   x native');
  for (const r of rows) {
    console.log(`${mib(r.bytes)}  | native    |                  | ${ms(r.native.verify)}         |                ${ms(r.native.sign)}`);
    for (const where of ['node', 'chromium']) {
      const w = r[where];
      console.log(`         | ${where.padEnd(9)} | ${ms(w.loadCold)} ${ms(w.load)} | ${ms(w.verify)} ${ratio(w.verify / r.native.verify)} |` +
        ` ${ms(w.prepare)} ${ms(w.finish)} ${ms(w.sign)} ${ratio(w.sign / r.native.sign)}`);
    }
  }
}

function printMemory(rows) {
  console.log('\npeak memory, MiB (native and Node: peak RSS of the process; Chromium: peak RSS of the renderer');
  console.log('holding the page and its worker; wasm: the module\'s linear memory, which only grows)\n');
  console.log('size MiB | native verify  native sign | node RSS  node wasm | chromium renderer  chromium wasm');
  for (const r of rows) {
    console.log(`${mib(r.bytes)}  | ${mib(r.native.rssVerify)}        ${mib(r.native.rssSign)}    | ` +
      `${mib(r.node.rss)}   ${mib(r.node.memory)} | ${mib(r.chromium.rss)}            ${mib(r.chromium.memory)}`);
  }
}

function printTargets(rows) {
  console.log('\ntargets (issue 5)');
  for (const r of rows) {
    for (const where of ['node', 'chromium']) {
      const w = r[where];
      console.log(`  ${r.size} MB ${where}: load+instantiate cold ${w.loadCold.toFixed(0)} ms, median ` +
        `${w.load.toFixed(0)} ms (<= ${TARGET_LOAD_MS}: ${judge(w.loadCold <= TARGET_LOAD_MS)} / ${judge(w.load <= TARGET_LOAD_MS)}); ` +
        `prepare+finish ${ratio(w.sign / r.native.sign).trim()} x native (<= ${TARGET_SIGN_RATIO}: ` +
        `${judge(w.sign / r.native.sign <= TARGET_SIGN_RATIO)})`);
    }
  }
  const ten = rows.find((r) => r.size === '10');
  if (ten) {
    const x = ten.chromium.verify / ten.native.verify;
    console.log(`  10 MB verify in Chromium: ${x.toFixed(2)} x native (<= ${TARGET_VERIFY_RATIO}: ${judge(x <= TARGET_VERIFY_RATIO)})`);
  }
}

const chromium = JSON.parse(read('chromium.json'));
const rows = sizes.map((s) => collect(s, chromium));
const verdicts = rows.flatMap((r) => [r.node.indication, r.chromium.indication]);
console.log(`\nwasm verify verdicts: ${verdicts.join(' ')} (native: TOTAL_PASSED, checked before timing)`);
printTimes(rows);
printMemory(rows);
printTargets(rows);
