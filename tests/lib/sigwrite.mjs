// An independent PDF signer for the tests: appends an incremental update
// with a signature field, an invisible widget and a signature dictionary,
// and has `openssl cms -sign` make the CMS over the ByteRange. It shares no
// code with kyso, and it can do what kyso must never do, so that kyso's
// verifier meets documents that are really signed yet malformed:
//
//   docmdp P        certify: /Reference DocMDP with /P P in the signature
//                   dictionary and /Perms /DocMDP in the catalog (ISO
//                   32000-1 12.8.2.2); P 1, 2 or 3
//   gapExtra        the excluded gap runs past the /Contents string over
//                   the /M entry after it: /M is not signed
//   uncoveredTail   the second range stops at the end of the signature
//                   dictionary object: the rest of the revision (widget,
//                   catalog, xref, trailer) is not signed
//   cmsFn           (API only) a function (data, opts) -> DER CMS that
//                   replaces `openssl cms -sign` (tests/lib/vgca_like.mjs)
//
// CLI:
//   node sigwrite.mjs IN OUT --cert PEM --key PEM [--chain PEM] [--field NAME]
//        [--time ISO8601] [--docmdp P] [--subfilter NAME] [--gap-extra]
//        [--uncovered-tail]
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Pdf, appendUpdate, arr, dict, name, num, ref, ser, str } from "./pdfedit.mjs";

const RESERVE = 24576; // bytes of CMS room (hex doubles it)

// pdfDate(iso): "D:YYYYMMDDHHmmSS+HH'mm'" in the offset the ISO text has.
export function pdfDate(iso) {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(Z|([+-])(\d\d):(\d\d))$/.exec(iso);
  if (!m) throw new Error(`bad time ${iso}`);
  const tz = m[7] === "Z" ? "Z" : `${m[8]}${m[9]}'${m[10]}'`;
  return `D:${m[1]}${m[2]}${m[3]}${m[4]}${m[5]}${m[6]}${tz}`;
}

// cmsSign(data, opts): DER CMS SignedData, detached, over data.
export function cmsSign(data, { cert, key, chain, digest = "sha256" }) {
  const dir = mkdtempSync(join(tmpdir(), "kyso-sigwrite-"));
  try {
    writeFileSync(join(dir, "data"), data);
    const args = ["cms", "-sign", "-binary", "-in", join(dir, "data"), "-signer", cert,
      "-inkey", key, "-outform", "DER", "-out", join(dir, "cms.der"), "-md", digest,
      "-nosmimecap", "-cades"];
    if (chain) args.push("-certfile", chain);
    execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
    return readFileSync(join(dir, "cms.der"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// sign(buf, opts) -> Buffer: buf plus one signed incremental update.
export function sign(buf, opts) {
  const { field = "Signature", time = "2024-12-11T09:30:15+07:00", docmdp = 0,
    subfilter = "ETSI.CAdES.detached", gapExtra = false, uncoveredTail = false,
    signerName = "sigwrite" } = opts;
  const pdf = new Pdf(buf);
  const rootRef = pdf.trailer.v.get("/Root");
  const root = pdf.resolve(rootRef);
  const page = pdf.pages()[0];
  let next = pdf.size;
  const S = next++;
  const W = next++;
  const objects = {};

  // Signature dictionary with fixed-width placeholders (patched below).
  const br = "/ByteRange [0 0000000000 0000000000 0000000000]";
  const contents = `/Contents <${"0".repeat(RESERVE * 2)}>`;
  const m = `/M ${ser(str(pdfDate(time)))}`;
  let extra = `/Name ${ser(str(signerName))}`;
  if (docmdp) {
    extra += ` /Reference [<< /Type /SigRef /TransformMethod /DocMDP /TransformParams << /Type /TransformParams /P ${docmdp} /V /1.2 >> >>]`;
  }
  objects[S] = `<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /${subfilter} ${br} ${contents} ${m} ${extra} >>`;
  objects[W] = ser(dict({ "/Type": name("Annot"), "/Subtype": name("Widget"), "/FT": name("Sig"),
    "/T": str(field), "/V": ref(S), "/Rect": arr(num(0), num(0), num(0), num(0)), "/F": num(132),
    "/P": ref(page.num) }));

  // AcroForm: the existing one with the new field, or a new one.
  const afVal = root.v.get("/AcroForm");
  let af;
  if (afVal && afVal.t === "ref") {
    af = pdf.resolve(afVal);
    af.v.get("/Fields").v.push(ref(W));
    af.v.set("/SigFlags", num(3));
    objects[afVal.num] = ser(af);
  } else {
    const A = next++;
    af = afVal ?? dict({ "/Fields": arr() });
    af.v.get("/Fields").v.push(ref(W));
    af.v.set("/SigFlags", num(3));
    objects[A] = ser(af);
    root.v.set("/AcroForm", ref(A));
  }
  if (docmdp) root.v.set("/Perms", dict({ "/DocMDP": ref(S) }));
  objects[rootRef.num] = ser(root);
  const annots = page.value.v.get("/Annots");
  if (annots && annots.t === "ref") throw new Error("indirect /Annots: not supported");
  page.value.v.set("/Annots", arr(...(annots ? annots.v : []), ref(W)));
  objects[page.num] = ser(page.value);

  const up = appendUpdate(buf, { objects });
  const out = up.buf;
  const t = out.toString("latin1");
  const sOff = up.offsets[S];
  const brAt = t.indexOf(br, sOff);
  const lt = t.indexOf("/Contents <", sOff) + "/Contents ".length;
  const gt = t.indexOf(">", lt) + 1;
  let c = gt;
  if (gapExtra) c = t.indexOf("/M (", gt) + m.length;
  let end = out.length;
  if (uncoveredTail) end = t.indexOf("endobj", sOff) + "endobj".length;
  const b = lt;
  const d = end - c;
  const brText = `/ByteRange [0 ${b} ${c} ${d}]`.padEnd(br.length, " ");
  out.write(brText, brAt, "latin1");
  // opts.cmsFn(data, opts) -> DER CMS: a caller's own CMS (vgca_like.mjs).
  const cms = (opts.cmsFn ?? cmsSign)(Buffer.concat([out.subarray(0, b), out.subarray(c, c + d)]), opts);
  if (cms.length > RESERVE) throw new Error(`CMS of ${cms.length} bytes does not fit`);
  out.write(cms.toString("hex"), lt + 1, "latin1");
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [input, output, ...rest] = process.argv.slice(2);
  const opts = {};
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const val = () => rest[++i];
    if (a === "--cert") opts.cert = val();
    else if (a === "--key") opts.key = val();
    else if (a === "--chain") opts.chain = val();
    else if (a === "--field") opts.field = val();
    else if (a === "--time") opts.time = val();
    else if (a === "--docmdp") opts.docmdp = Number(val());
    else if (a === "--subfilter") opts.subfilter = val();
    else if (a === "--digest") opts.digest = val();
    else if (a === "--gap-extra") opts.gapExtra = true;
    else if (a === "--uncovered-tail") opts.uncoveredTail = true;
    else {
      console.error(`sigwrite: unknown argument ${a}`);
      process.exit(2);
    }
  }
  if (!input || !output || !opts.cert || !opts.key) {
    console.error("usage: node sigwrite.mjs IN OUT --cert PEM --key PEM [options]");
    process.exit(2);
  }
  writeFileSync(output, sign(readFileSync(input), opts));
}
