// measure.mjs - the timed part of bench/wasm, one code path for Node
// (bench_node.mjs) and the bench page in Chromium (page/bench.js), so both
// measure exactly the same calls:
//   load      loadKyso(): a new Worker fetches/reads kyso.js and kyso.wasm,
//             compiles and instantiates it, and reports ready
//   verify    kyso.verify of the signed file (JSON and Vietnamese text
//             report), the bytes transferred to the worker as a page would
//   prepare   kyso.prepare of the unsigned file (certificate and chain)
//   finish    kyso.finish with the signature value; the signing itself
//             (sign(), the driver's node:crypto standing in for kyso-host)
//             is outside both timings
// Each is run `runs` times after one untimed warm-up (the native side
// gets hyperfine's --warmup 1), except load, whose first, cold run counts
// too (a page's user meets it). Times in milliseconds.
//
//   const r = await measure({ loadKyso, signed, unsigned, certificate,
//                             chain, trustAnchor, sign, runs });
//   r = { load: [ms...], verify, prepare, finish, memory (bytes of wasm
//         linear memory at the end: it never shrinks, so this is its
//         peak), indication, signedBytes }

const now = () => performance.now();

async function timeLoads(loadKyso, runs) {
  const load = [];
  let kyso = null;
  for (let i = 0; i < runs; i++) {
    if (kyso) await kyso.close();
    const t0 = now();
    kyso = await loadKyso();
    load.push(now() - t0);
  }
  return { load, kyso };
}

// A fresh copy for each call: transfer detaches the buffer it sends.
async function timeVerify(kyso, signed, trustAnchor, runs) {
  const options = { trustAnchors: [trustAnchor], noDefaultTrust: true, lang: 'vi' };
  const verify = [];
  let indication = null;
  for (let i = 0; i <= runs; i++) {
    const copy = signed.slice();
    const t0 = now();
    const r = await kyso.verify(copy, { ...options, transfer: true });
    if (i > 0) verify.push(now() - t0);
    indication = r.indication;
  }
  return { verify, indication };
}

async function timeSign(kyso, unsigned, certificate, chain, sign, runs) {
  const prepare = [];
  const finish = [];
  let signedBytes = 0;
  for (let i = 0; i <= runs; i++) {
    const copy = unsigned.slice();
    const t0 = now();
    const p = await kyso.prepare(copy, { certificate, chain, transfer: true });
    const t1 = now();
    const value = await sign(p.signedAttributes);
    const t2 = now();
    const out = await kyso.finish(p.handle, value);
    const t3 = now();
    if (i > 0) {
      prepare.push(t1 - t0);
      finish.push(t3 - t2);
    }
    signedBytes = out.length;
  }
  return { prepare, finish, signedBytes };
}

export async function measure({ loadKyso, signed, unsigned, certificate, chain, trustAnchor, sign, runs }) {
  const { load, kyso } = await timeLoads(loadKyso, runs);
  try {
    const v = await timeVerify(kyso, signed, trustAnchor, runs);
    const s = await timeSign(kyso, unsigned, certificate, chain, sign, runs);
    const heap = await kyso.heap();
    return { load, ...v, ...s, memory: heap.memory };
  } finally {
    await kyso.close();
  }
}
