// ltv_dss.mjs - the Document Security Store of a PDF (ISO 32000-2 12.8.4.3,
// ETSI EN 319 142-1 5.4), read with qpdf (no kyso code): the catalog of the
// last revision, its /DSS, the streams of /OCSPs, /CRLs and /Certs, and the
// /VRI dictionary.
//
//   node ltv_dss.mjs FILE OUTDIR
//
// Writes OUTDIR/ocsp-I.der, crl-I.der, cert-I.der (I from 1, in array
// order; stream data decoded) and prints:
//   ocsps N / crls N / certs N
//   vri KEY ocsp=I,J crl=I cert=I,J tu=D:...|-
// one line per /VRI entry, KEY as written (upper-case hex expected), the
// indexes of the streams it names in the DSS arrays ("x" for a stream that
// is not in them). No DSS: "ocsps 0", "crls 0", "certs 0" and no vri line.
// Errors (qpdf fails, a /DSS that is not a dictionary...): exit 1.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const [file, outdir] = process.argv.slice(2);
if (!file || !outdir) {
  console.error('usage: node ltv_dss.mjs FILE OUTDIR');
  process.exit(2);
}
fs.mkdirSync(outdir, { recursive: true });

const qpdfJson = (extra) => JSON.parse(execFileSync('qpdf', ['--json=2', '--json-key=qpdf',
  ...extra, file, '-'], { maxBuffer: 1 << 30 }).toString('utf8')).qpdf[1];

const objs = qpdfJson(['--json-stream-data=none']);
const deref = (v) => {
  if (typeof v === 'string' && / R$/.test(v)) {
    const o = objs[`obj:${v}`];
    if (!o) return null;
    return o.value !== undefined ? o.value : o.stream;
  }
  return v;
};
const trailer = objs.trailer.value;
const root = deref(trailer['/Root']);
if (!root || typeof root !== 'object') throw new Error('no catalog');
const dss = deref(root['/DSS']);
const kinds = [['/OCSPs', 'ocsp'], ['/CRLs', 'crl'], ['/Certs', 'cert']];
if (dss === undefined || dss === null) {
  for (const [, k] of kinds) console.log(`${k}s 0`);
  process.exit(0);
}
if (typeof dss !== 'object' || Array.isArray(dss)) throw new Error('/DSS is not a dictionary');

const refsOf = (v) => {
  const a = deref(v);
  if (a === undefined || a === null) return [];
  if (!Array.isArray(a)) throw new Error('DSS entry is not an array');
  return a;
};
const arrays = {};
const wanted = new Set();
for (const [key, k] of kinds) {
  arrays[k] = refsOf(dss[key]);
  for (const r of arrays[k]) {
    if (typeof r !== 'string' || !/ R$/.test(r)) throw new Error(`${key}: not a reference`);
    wanted.add(r.replace(/ R$/, '').split(' ')[0]);
  }
}
if (wanted.size > 0) {
  const prefix = path.join(outdir, 'stream');
  const sel = [...wanted].flatMap((n) => [`--json-object=${n}`]);
  const withData = qpdfJson(['--json-stream-data=file', `--json-stream-prefix=${prefix}`,
                             '--decode-level=generalized', ...sel]);
  for (const [, k] of kinds) {
    arrays[k].forEach((r, i) => {
      const s = withData[`obj:${r}`]?.stream;
      if (!s || !s.datafile) throw new Error(`${r} is not a stream`);
      fs.renameSync(s.datafile, path.join(outdir, `${k}-${i + 1}.der`));
    });
  }
}
for (const [, k] of kinds) console.log(`${k}s ${arrays[k].length}`);

const vri = deref(dss['/VRI']);
if (vri && typeof vri === 'object') {
  for (const key of Object.keys(vri).sort()) {
    const e = deref(vri[key]);
    const idx = (name, k) => refsOf(e[name]).map((r) => {
      const i = arrays[k].indexOf(r);
      return i < 0 ? 'x' : String(i + 1);
    }).join(',');
    const tu = e['/TU'] ? String(e['/TU']).replace(/^u:/, '') : '-';
    console.log(`vri ${key.replace(/^\//, '')} ocsp=${idx('/OCSP', 'ocsp')} crl=${idx('/CRL', 'crl')} ` +
                `cert=${idx('/Cert', 'cert')} tu=${tu}`);
  }
}
