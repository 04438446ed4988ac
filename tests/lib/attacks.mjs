// Attack generator: from a validly signed PDF, one file per attack class of
// the PDF signature research (PDF Insecurity: USF, ISA, SWA, shadow and
// certified-document attacks; the pyHanko and DSS test suites' coverage
// cases), with the verdict kyso's verifier must give each, in a manifest.
//
//   node attacks.mjs prepare DIR
//       writes DIR/victim.pdf, the unsigned document the attacks need: two
//       pages; page 1 draws a line in font F2 (object 6), a text
//       hidden under a white "cover" form XObject (7), a form field
//       (11, appearance 12); an unreferenced alternative page content (8);
//       two revisions, the first of which has an empty object 7.
//   node attacks.mjs generate DIR --cert PEM --key PEM --chain PEM
//       reads DIR/victim.pdf and DIR/victim-signed.pdf (the victim signed
//       once by kyso, field NguoiKy), certifies victim.pdf itself (DocMDP
//       P=2, field Certify, through sigwrite.mjs and openssl cms) and writes
//       DIR/attacks/*.pdf and DIR/attacks/attacks.tsv.
//
// attacks.tsv, tab-separated, one line per file ("#" lines are comments):
//   file  class  field  indication  sub_indication  checks  objects  what
// indication and sub_indication: accepted values separated by "|" ("-" is
// null). checks: alternatives separated by ";", each CHECK=REASON|REASON or
// CHECK=*: for an attack at least one must be a failed check with one of
// those reasons; for class "control" every one must hold with any result.
// objects: "-" or groups separated by ",", each group alternatives
// separated by "|": every group must name an object that `changes` lists
// as not allowed.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  Pdf, appendUpdate, arr, derLength, dict, name, num, ref, ser, sigLayout, str,
  streamBody, writePdf,
} from "./pdfedit.mjs";
import { sign } from "./sigwrite.mjs";

const L = (s) => Buffer.from(s, "latin1");

// ---- the victim -------------------------------------------------------------

const PAGE1 = `BT /F1 18 Tf 72 770 Td (UY BAN NHAN DAN TINH TIEN GIANG) Tj ET
BT /F1 16 Tf 72 730 Td (QUYET DINH so 123/QD-UBND) Tj ET
BT /F2 14 Tf 72 690 Td (Phe duyet kinh phi: 1.000.000 dong) Tj ET
BT /F1 12 Tf 72 650 Td (Noi dung an: chi them 999.999.999 dong) Tj ET
q 1 0 0 1 60 640 cm /Cover Do Q
BT /F1 12 Tf 72 600 Td (So tien:) Tj ET`;
const SHADOW = `BT /F1 18 Tf 72 770 Td (UY BAN NHAN DAN TINH TIEN GIANG) Tj ET
BT /F1 16 Tf 72 730 Td (QUYET DINH so 123/QD-UBND) Tj ET
BT /F2 14 Tf 72 690 Td (Phe duyet kinh phi: 999.999.999 dong) Tj ET`;
const EVIL = "BT /F1 18 Tf 72 690 Td (DA SUA: chi 999.999.999 dong) Tj ET";
const form = (bbox, res, data) => streamBody(dict({
  "/Type": name("XObject"), "/Subtype": name("Form"),
  "/BBox": arr(...bbox.map(num)), ...(res ? { "/Resources": res } : {}),
}), data);
const fontRes = () => dict({ "/Font": dict({ "/F1": ref(5), "/Helv": ref(5) }) });

export function victim() {
  const page = (contents, res, extra = {}) => ser(dict({
    "/Type": name("Page"), "/Parent": ref(2), "/MediaBox": arr(num(0), num(0), num(595), num(842)),
    "/Resources": res, "/Contents": ref(contents), ...extra,
  }));
  const rev1 = writePdf([
    [1, "<< /Type /Catalog /Pages 2 0 R /AcroForm 10 0 R >>"],
    [2, "<< /Type /Pages /Kids [3 0 R 13 0 R] /Count 2 >>"],
    [3, page(4, dict({
      "/Font": dict({ "/F1": ref(5), "/F2": ref(6) }), "/XObject": dict({ "/Cover": ref(7) }),
    }), { "/Annots": arr(ref(11)) })],
    [4, streamBody(dict({}), PAGE1)],
    [5, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"],
    [6, "<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman /Encoding /WinAnsiEncoding >>"],
    // The cover before the author "finished" it: draws nothing.
    [7, form([0, 0, 480, 30], null, "")],
    // Shadow content: never referenced while the document is signed.
    [8, streamBody(dict({}), SHADOW)],
    [9, "<< /Title (Quyet dinh 123) /Producer (kyso tests, attacks.mjs) >>"],
    [10, "<< /Fields [11 0 R] /DA (/Helv 0 Tf 0 g) /DR << /Font << /Helv 5 0 R >> >> >>"],
    [11, "<< /Type /Annot /Subtype /Widget /FT /Tx /T (SoTien) /V (1.000.000 dong) /DA (/Helv 12 Tf 0 g) /Rect [200 592 420 614] /F 4 /P 3 0 R /AP << /N 12 0 R >> >>"],
    [12, form([0, 0, 220, 22], fontRes(), "/Tx BMC BT /Helv 12 Tf 0 g 2 6 Td (1.000.000 dong) Tj ET EMC")],
    [13, page(14, dict({ "/Font": dict({ "/F1": ref(5) }) }))],
    [14, streamBody(dict({}), "BT /F1 14 Tf 72 770 Td (Dieu 2. Quyet dinh co hieu luc ke tu ngay ky.) Tj ET")],
  ], { "/Root": ref(1), "/Info": ref(9) });
  // Revision 2: the cover now hides line 4 of page 1 under white.
  return appendUpdate(rev1, {
    objects: {
      7: form([0, 0, 480, 30], fontRes(),
        "1 1 1 rg 0 0 480 30 re f BT 0 g /F1 12 Tf 12 10 Td (Noi dung: khong co khoan chi nao khac.) Tj ET"),
    },
  }).buf;
}

// ---- helpers ----------------------------------------------------------------

// patch(buf, start, end, text): same-length replacement of [start, end),
// padded with spaces (the signed bytes around it keep their offsets).
function patch(buf, start, end, text) {
  if (text.length > end - start) throw new Error(`patch: ${text.length} > ${end - start}`);
  const out = Buffer.from(buf);
  out.write(text.padEnd(end - start, " "), start, "latin1");
  return out;
}

function sigOf(pdf, field) {
  const s = pdf.signatures().find((x) => x.name === field);
  if (!s) throw new Error(`no signature field ${field}`);
  return { ...s, layout: sigLayout(pdf, s.sig) };
}

const withAnnot = (pdf, pageNum, annot) => {
  const p = pdf.get(pageNum).value;
  const a = p.v.get("/Annots");
  p.v.set("/Annots", arr(...(a ? a.v : []), ref(annot)));
  return ser(p);
};

function acroFormWith(pdf, field) {
  const root = pdf.resolve(pdf.trailer.v.get("/Root"));
  const afRef = root.v.get("/AcroForm");
  if (afRef.t !== "ref") throw new Error("direct /AcroForm: not supported");
  const af = pdf.get(afRef.num).value;
  af.v.get("/Fields").v.push(ref(field));
  return [afRef.num, ser(af)];
}

const overlay = (text) => form([0, 0, 480, 25], fontRes(),
  `1 1 1 rg 0 0 480 25 re f BT 0 g /F1 14 Tf 12 7 Td (${text}) Tj ET`);

// ---- the attacks --------------------------------------------------------------

// Each returns [file, buffer, class, field, indication, sub, checks, objects, what].
function attacks(signed, certified, signer) {
  const out = [];
  const pdf = new Pdf(signed);
  const V = "NguoiKy";
  const sig = sigOf(pdf, V);
  const lay = sig.layout;
  const [b, c, d] = [lay.br[1], lay.br[2], lay.br[3]];
  const sigObj = pdf.get(sig.sig);
  const sigText = pdf.text.slice(sigObj.off, sigObj.end);
  const at = (s) => {
    const i = sigText.indexOf(s);
    if (i < 0) throw new Error(`${s} not in the signature dictionary`);
    return sigObj.off + i;
  };
  const TF = "TOTAL_FAILED";
  const FMT = "FORMAT_FAILURE";
  const MOD = "DOCUMENT_MODIFIED";
  const NOT_OK = "TOTAL_FAILED|INDETERMINATE";
  const add = (...row) => out.push(row);

  // -- controls: the same inputs untouched
  add("ctl-victim.pdf", signed, "control", V, "TOTAL_PASSED|INDETERMINATE", "-|TRY_LATER",
    "structure=ok;integrity=ok;signature=ok;changes=unmodified", "-", "the signed victim as kyso wrote it");
  add("ctl-certified.pdf", certified, "control", "Certify", "TOTAL_PASSED|INDETERMINATE", "-|TRY_LATER",
    "structure=ok;integrity=ok;signature=ok;changes=unmodified", "-", "the certified victim (DocMDP P=2), untouched");
  {
    const cp = new Pdf(certified);
    const f = cp.get(11).value;
    f.v.set("/V", str("2.000.000 dong"));
    add("ctl-certified-form-fill.pdf", appendUpdate(certified, {
      objects: {
        11: ser(f),
        12: form([0, 0, 220, 22], fontRes(), "/Tx BMC BT /Helv 12 Tf 0 g 2 6 Td (2.000.000 dong) Tj ET EMC"),
      },
    }).buf, "control", "Certify", "TOTAL_PASSED|INDETERMINATE", "-|TRY_LATER",
    "structure=ok;integrity=ok;signature=ok;changes=allowed_changes_only", "-",
    "form filling after certification with P=2: allowed (ISO 32000-1 12.8.2.2)");
  }

  // -- USF: Universal Signature Forgery (signature dictionary rewritten in place)
  const cStart = at("/Contents");
  const bStart = at("/ByteRange");
  const usf = (file, start, end, text, checks, what, sub = FMT) =>
    add(file, patch(signed, start, end, text), "USF", V, TF, sub, checks, "-", what);
  usf("usf-contents-missing.pdf", cStart, c, "", "structure=contents_missing",
    "/Contents removed (blanked), /ByteRange kept");
  usf("usf-contents-null.pdf", cStart, c, "/Contents null",
    "structure=contents_missing|contents_not_direct_hex", "/Contents null");
  usf("usf-contents-empty.pdf", cStart, c, "/Contents <>",
    "structure=contents_missing|gap_not_contents", "/Contents <> (the rest of the gap blank)");
  {
    let junk = "";
    for (let i = 0; junk.length < lay.hex.length; i++) junk += ((i * 2654435761) >>> 0).toString(16).padStart(8, "7");
    usf("usf-contents-garbage.pdf", b, c, `<${junk.slice(0, lay.hex.length)}>`,
      "cms=*;structure=*", "/Contents a hex string of the right length holding no CMS");
  }
  {
    const n = pdf.size;
    const inPlace = patch(signed, cStart, c, `/Contents ${n} 0 R`);
    add("usf-contents-indirect.pdf", appendUpdate(inPlace, { objects: { [n]: `<${lay.hex}>` } }).buf,
      "USF", V, TF, FMT, "structure=contents_not_direct_hex", "-",
      "/Contents an indirect reference to the real CMS in a later object");
  }
  usf("usf-byterange-missing.pdf", bStart, lay.brEnd, "",
    "structure=byte_range_malformed|byte_range_missing", "/ByteRange removed");
  usf("usf-byterange-null.pdf", bStart, lay.brEnd, "/ByteRange null",
    "structure=byte_range_malformed|byte_range_missing|byte_range_not_direct", "/ByteRange null");
  usf("usf-byterange-zero.pdf", lay.brOff, lay.brEnd, "[0 0 0 0]",
    "structure=byte_range_malformed|gap_not_contents|byte_range_outside_file", "/ByteRange [0 0 0 0]");
  usf("usf-byterange-outside.pdf", lay.brOff, lay.brEnd, `[0 ${b} ${c} ${d + 4096}]`,
    "structure=byte_range_outside_file", "second range runs 4096 bytes past the end of the file");
  usf("usf-byterange-not-from-zero.pdf", lay.brOff, lay.brEnd, `[1 ${b - 1} ${c} ${d}]`,
    "structure=byte_range_not_from_zero", "first range starts at 1: byte 0 unsigned");
  usf("usf-byterange-negative.pdf", lay.brOff, lay.brEnd, `[0 ${b} ${c} -${d}]`,
    "structure=byte_range_malformed", "negative length");
  usf("usf-byterange-short.pdf", lay.brOff, lay.brEnd, `[0 ${b} ${c}]`,
    "structure=byte_range_malformed", "three integers");
  usf("usf-byterange-reals.pdf", lay.brOff, lay.brEnd, `[0 ${b}.0 ${c} ${d}]`,
    "structure=byte_range_malformed", "a real number among the integers");
  {
    const n = pdf.size;
    const inPlace = patch(signed, bStart, lay.brEnd, `/ByteRange ${n} 0 R`);
    add("usf-byterange-indirect.pdf",
      appendUpdate(inPlace, { objects: { [n]: `[0 ${b} ${c} ${d}]` } }).buf,
      "USF", V, TF, FMT, "structure=byte_range_not_direct", "-",
      "/ByteRange an indirect reference to the right array");
  }

  // -- ISA: Incremental Saving Attack
  const isa = (file, opts, objects, what, checks = "changes=modified_after_signing", sub = MOD) =>
    add(file, appendUpdate(signed, opts).buf, "ISA", V, TF, sub, checks, objects, what);
  isa("isa-page-content.pdf", { objects: { 4: streamBody(dict({}), `${PAGE1}\n${EVIL}`) } }, "4",
    "page 1's content stream (object 4) replaced by a new revision");
  {
    const n = pdf.size;
    const p = pdf.get(3).value;
    p.v.set("/Contents", ref(n));
    isa("isa-page-content-new.pdf", {
      objects: { [n]: streamBody(dict({}), EVIL), 3: ser(p) },
    }, `3|${n}`, "page 1 (object 3) pointed at a new content stream");
  }
  {
    const sd = pdf.get(sig.sig).value;
    sd.v.set("/M", str("D:20250101090000+07'00'"));
    sd.v.set("/Reason", str("Phe duyet (sua doi)"));
    sd.v.set("/Name", str("Tran Thi B"));
    add("isa-sigdict.pdf", appendUpdate(signed, { objects: { [sig.sig]: ser(sd) } }).buf, "ISA", V, TF,
      `${FMT}|${MOD}`, "structure=gap_not_contents;revision=*;changes=modified_after_signing", "-",
      `signature dictionary (object ${sig.sig}) redefined: other /M, /Reason, /Name; same /Contents and /ByteRange`);
  }
  {
    const body = Buffer.concat([L("4 0 obj\n"), streamBody(dict({}), `${PAGE1}\n${EVIL}`), L("\nendobj\n")]);
    add("isa-no-xref.pdf", Buffer.concat([signed, body]), "ISA", V, NOT_OK, `${MOD}|${FMT}|GENERIC`,
      "changes=modified_after_signing;revision=*;structure=*", "-",
      "object 4 appended after %%EOF with no xref section or trailer (lenient readers use it)");
  }
  isa("isa-free-object.pdf", { free: [14] }, "14", "object 14 (page 2's content) marked free");
  {
    const n = pdf.size;
    const pages = pdf.get(2).value;
    pages.v.get("/Kids").v.push(ref(n));
    pages.v.set("/Count", num(3));
    isa("isa-page-added.pdf", {
      objects: {
        [n]: ser(dict({ "/Type": name("Page"), "/Parent": ref(2), "/MediaBox": arr(num(0), num(0), num(595), num(842)),
          "/Resources": fontRes(), "/Contents": ref(n + 1) })),
        [n + 1]: streamBody(dict({}), "BT /F1 14 Tf 72 770 Td (Dieu 3. Phu luc them sau khi ky.) Tj ET"),
        2: ser(pages),
      },
    }, `2|${n}`, "a third page added to the page tree after signing");
  }
  {
    const root = pdf.resolve(pdf.trailer.v.get("/Root"));
    root.v.set("/OpenAction", dict({ "/S": name("JavaScript"), "/JS": str("app.alert('ok')") }));
    isa("isa-catalog-openaction.pdf", { objects: { [pdf.trailer.v.get("/Root").num]: ser(root) } },
      String(pdf.trailer.v.get("/Root").num), "catalog given a JavaScript /OpenAction");
  }

  // -- shadow attacks: the signed document already held what the update shows
  const shadow = (file, opts, objects, what) =>
    add(file, appendUpdate(signed, opts).buf, "shadow", V, TF, MOD, "changes=modified_after_signing", objects, what);
  shadow("shadow-hide.pdf", { objects: { 7: form([0, 0, 480, 30], null, "") } }, "7",
    "hide: the cover XObject (7) emptied, revealing the text signed under it");
  {
    const oldest = pdf.sections[pdf.sections.length - 1].entries.get(7);
    shadow("shadow-hide-xref.pdf", { redirect: { 7: oldest.off } }, "7",
      "hide via reference: an update with no object at all, only an xref entry sending object 7 back to its revision-1 body");
  }
  {
    const f = pdf.get(11).value;
    f.v.set("/V", str("999.999.999 dong"));
    shadow("shadow-replace-form.pdf", {
      objects: {
        11: ser(f),
        12: form([0, 0, 220, 22], fontRes(), "/Tx BMC BT /Helv 12 Tf 0 g 2 6 Td (999.999.999 dong) Tj ET EMC"),
      },
    }, "11|12", "replace via form field: value and appearance of field SoTien changed (no DocMDP permits it)");
  }
  shadow("shadow-replace-font.pdf", {
    objects: {
      6: "<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman /Encoding << /Type /Encoding /BaseEncoding /WinAnsiEncoding /Differences [49 /nine] >> >>",
    },
  }, "6", "replace via font: F2 (6) re-encoded so the glyph for 1 draws 9");
  {
    const p = pdf.get(3).value;
    p.v.set("/Contents", ref(8));
    shadow("shadow-hide-replace.pdf", { objects: { 3: ser(p) } }, "3",
      "hide-and-replace: page 1 (3) pointed at the shadow content (8) that was signed but unused");
  }

  // -- SWA: Signature Wrapping
  const realHex = lay.hex.slice(0, 2 * derLength(Buffer.from(lay.hex, "hex")));
  const evilObj = (n) => `${n} 0 obj\n<< /Length ${PAGE1.length + 1 + EVIL.length} >>\nstream\n${PAGE1}\n${EVIL}\nendstream\nendobj\n`;
  {
    const gap = `<${realHex}> /KysoJunk (\n${evilObj(4)})`;
    if (gap.length > c - b) throw new Error("SWA: the gap is too small");
    const wrapped = patch(signed, b, c, gap);
    const off = b + gap.indexOf("4 0 obj");
    add("swa-gap-object.pdf", appendUpdate(wrapped, { redirect: { 4: off } }).buf, "SWA", V, TF, FMT,
      "structure=gap_not_contents", "-",
      "the CMS hex shortened to its DER length; a new object 4 hidden in the rest of the unsigned gap and referenced by a new xref section");
  }
  {
    const junk = ` /KysoJunk (\n${evilObj(4)})`;
    const X = junk.length;
    const p1 = patch(signed.subarray(0, b), lay.brOff, lay.brEnd, `[0 ${b} ${c + X} ${d}]`);
    const moved = Buffer.concat([p1, signed.subarray(b, c), L(junk), signed.subarray(c)]);
    // New xref outside every signed byte: object 4 -> the junk object, and
    // every object the signed revision put after the gap -> its new offset.
    const entries = new Map([[4, c + junk.indexOf("4 0 obj")]]);
    for (const [n, e] of pdf.sections[0].entries) if (e.type === "n" && e.off >= c) entries.set(n, e.off + X);
    const nums = [...entries.keys()].sort((x, y) => x - y);
    let xref = "xref\n";
    for (const n of nums) xref += `${n} 1\n${String(entries.get(n)).padStart(10, "0")} 00000 n\r\n`;
    const tr = dict([...pdf.trailer.v].filter(([k]) => k !== "/Prev"));
    tr.v.set("/Prev", num(pdf.startxref + X));
    const tail = `${xref}trailer\n${ser(tr)}\nstartxref\n${moved.length}\n%%EOF\n`;
    add("swa-moved.pdf", Buffer.concat([moved, L(tail)]), "SWA", V, TF, `${FMT}|HASH_FAILURE`,
      "structure=gap_not_contents|byte_range_malformed;integrity=message_digest_mismatch", "-",
      "classic wrapping: /ByteRange rewritten so the second range starts later, the signed tail moved behind an enlarged gap holding a new object 4, a new xref outside");
  }

  // -- coverage anomalies
  {
    const gap = `<${realHex}> /KysoJunk (${"x".repeat(64)})`;
    add("cov-gap-junk.pdf", patch(signed, b, c, gap), "coverage", V, TF, FMT, "structure=gap_not_contents", "-",
      "gap bigger than the /Contents string: the hex ends early and the rest of the gap holds other syntax");
  }
  add("cov-gap-bigger.pdf", sign(readVictim(), { ...signer, field: "GapExtra", gapExtra: true }), "coverage",
    "GapExtra", TF, FMT, "structure=gap_not_contents", "-",
    "validly signed (openssl cms) but the excluded gap also spans /M after /Contents: /M is unsigned");
  add("cov-uncovered-tail.pdf", sign(readVictim(), { ...signer, field: "Tail", uncoveredTail: true }), "coverage",
    "Tail", TF, FMT, "revision=not_at_revision_end", "-",
    "validly signed (openssl cms) but the ranges stop at the signature dictionary: widget, catalog, xref and trailer of its revision are unsigned");
  add("cov-tail-edit.pdf", patch(signed, lay.brOff, lay.brEnd, `[0 ${b} ${c} ${d - 100}]`), "coverage", V, TF,
    `${FMT}|HASH_FAILURE`, "revision=not_at_revision_end;integrity=message_digest_mismatch", "-",
    "kyso's signature with the last 100 bytes taken out of the second range");

  // -- overlapping ByteRanges: a second field whose /V copies the first
  {
    const n = pdf.size;
    const [afNum, afBody] = acroFormWith(pdf, n + 1);
    add("overlap-duplicate.pdf", appendUpdate(signed, {
      objects: {
        [n]: ser(pdf.get(sig.sig).value),
        [n + 1]: `<< /Type /Annot /Subtype /Widget /FT /Sig /T (BanSao) /V ${n} 0 R /Rect [0 0 0 0] /F 132 /P 3 0 R >>`,
        [afNum]: afBody,
        3: withAnnot(pdf, 3, n + 1),
      },
    }).buf, "overlap", "BanSao", TF, FMT, "structure=byte_range_overlap|gap_not_contents", "-",
    "a new signature field whose dictionary copies NguoiKy's /ByteRange and /Contents: two signatures over one gap");
    const [afNum2, afBody2] = acroFormWith(pdf, n);
    const shared = appendUpdate(signed, {
      objects: {
        [n]: `<< /Type /Annot /Subtype /Widget /FT /Sig /T (BanSao) /V ${sig.sig} 0 R /Rect [0 0 0 0] /F 132 /P 3 0 R >>`,
        [afNum2]: afBody2,
        3: withAnnot(pdf, 3, n),
      },
    }).buf;
    // One row per field: neither of the two may pass.
    for (const f of ["BanSao", V]) {
      add("overlap-shared-dict.pdf", shared, "overlap", f, TF, `${FMT}|${MOD}`,
        "structure=byte_range_overlap;changes=modified_after_signing", "-",
        `a new field BanSao whose /V is NguoiKy's own signature dictionary (${sig.sig}): one signature shown twice (row for ${f})`);
    }
  }

  // -- against the certified document (DocMDP P=2)
  {
    const cp = new Pdf(certified);
    const n = cp.size;
    add("evil-annotation.pdf", appendUpdate(certified, {
      objects: {
        [n]: `<< /Type /Annot /Subtype /FreeText /Rect [60 682 540 707] /Contents (Phe duyet kinh phi: 999.999.999 dong) /DA (/Helv 14 Tf 0 g) /F 4 /P 3 0 R /AP << /N ${n + 1} 0 R >> >>`,
        [n + 1]: overlay("Phe duyet kinh phi: 999.999.999 dong"),
        3: withAnnot(cp, 3, n),
      },
    }).buf, "certified", "Certify", TF, MOD, "changes=modified_after_signing", `${n}|3`,
    "evil annotation: a FreeText annotation painting over the approved amount; P=2 allows no annotation");
    const [afNum, afBody] = acroFormWith(cp, n);
    add("sneaky-signature.pdf", appendUpdate(certified, {
      objects: {
        [n]: `<< /Type /Annot /Subtype /Widget /FT /Sig /T (XacNhan) /Rect [60 682 540 707] /F 4 /P 3 0 R /AP << /N ${n + 1} 0 R >> >>`,
        [n + 1]: overlay("Phe duyet kinh phi: 999.999.999 dong"),
        [afNum]: afBody,
        3: withAnnot(cp, 3, n),
      },
    }).buf, "certified", "Certify", TF, MOD, "changes=modified_after_signing", `${n}|3|${afNum}`,
    "sneaky signature: an unsigned signature field whose appearance paints over the approved amount");
  }
  return out;
}

let VICTIM = null;
const readVictim = () => VICTIM;

// ---- CLI ----------------------------------------------------------------------

const [cmd, dir, ...rest] = process.argv.slice(2);
if (cmd === "prepare" && dir) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "victim.pdf"), victim());
} else if (cmd === "generate" && dir) {
  const signer = {};
  for (let i = 0; i < rest.length; i += 2) signer[rest[i].replace(/^--/, "")] = rest[i + 1];
  if (!signer.cert || !signer.key) {
    console.error("usage: node attacks.mjs generate DIR --cert PEM --key PEM [--chain PEM]");
    process.exit(2);
  }
  VICTIM = readFileSync(join(dir, "victim.pdf"));
  const signed = readFileSync(join(dir, "victim-signed.pdf"));
  const certified = sign(VICTIM, { ...signer, field: "Certify", docmdp: 2 });
  const outDir = join(dir, "attacks");
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(dir, "certified.pdf"), certified);
  const rows = attacks(signed, certified, signer);
  let tsv = "# file\tclass\tfield\tindication\tsub_indication\tchecks\tobjects\twhat\n";
  for (const [file, buf, ...cols] of rows) {
    writeFileSync(join(outDir, file), buf);
    tsv += `${[file, ...cols].join("\t")}\n`;
  }
  writeFileSync(join(outDir, "attacks.tsv"), tsv);
  console.log(`${rows.length} files in ${outDir}`);
} else {
  console.error("usage: node attacks.mjs prepare DIR | generate DIR --cert PEM --key PEM [--chain PEM]");
  process.exit(2);
}
