// Lists the signature fields of a PDF as qpdf sees them (qpdf --json), one
// tab-separated line per field, in /Fields order:
//
//   name page rect subfilter M reason location signame inannots images smasks
//
//   page      1-based page of the widget (qpdf's pageposfrom1), 0 if none
//   rect      x1,y1,x2,y2 of the widget /Rect, normalised
//   inannots  1 if the page's /Annots holds the widget, else 0
//   images    image XObjects reachable from the widget's /AP /N (through
//             nested form XObjects), smasks: how many of them have /SMask
//   empty text values print as "-"
//
// qpdf is the reader here, not kyso: this checks what another PDF library
// makes of kyso's output.
//
//   node pdfform.mjs FILE
import { execFileSync } from "node:child_process";

const file = process.argv[2];
const json = JSON.parse(execFileSync("qpdf",
  ["--json=2", "--json-key=acroform", "--json-key=pages", "--json-key=qpdf", "--", file],
  { maxBuffer: 1 << 30 }).toString("utf8"));
const objects = json.qpdf[1];

// Dictionary of an object reference ("12 0 R"), stream or not.
function deref(v) {
  if (typeof v !== "string" || !/^\d+ \d+ R$/.test(v)) return v;
  const o = objects[`obj:${v}`];
  if (!o) return null;
  return o.stream ? o.stream.dict : o.value;
}

function text(v) {
  v = deref(v);
  if (typeof v !== "string" || v === "") return "-";
  if (v.startsWith("u:")) return v.slice(2) || "-";
  if (v.startsWith("b:")) return `<${v.slice(2)}>`;
  return v;
}

function countImages(form, seen, depth) {
  const res = { images: 0, smasks: 0 };
  const dict = deref(form);
  if (!dict || depth > 8) return res;
  const xobjs = deref(deref(dict["/Resources"])?.["/XObject"]) ?? {};
  for (const ref of Object.values(xobjs)) {
    if (seen.has(ref)) continue;
    seen.add(ref);
    const x = deref(ref);
    if (!x) continue;
    if (x["/Subtype"] === "/Image") {
      res.images++;
      if (x["/SMask"]) res.smasks++;
    } else if (x["/Subtype"] === "/Form") {
      const sub = countImages(ref, seen, depth + 1);
      res.images += sub.images;
      res.smasks += sub.smasks;
    }
  }
  return res;
}

for (const f of json.acroform.fields) {
  if (f.fieldtype !== "/Sig") continue;
  const widget = deref(f.annotation?.object ?? f.object) ?? {};
  const v = deref(f.value) ?? {};
  const r = (widget["/Rect"] ?? [0, 0, 0, 0]).map(Number);
  const rect = [Math.min(r[0], r[2]), Math.min(r[1], r[3]),
    Math.max(r[0], r[2]), Math.max(r[1], r[3])].join(",");
  let inannots = 0;
  const page = json.pages[f.pageposfrom1 - 1];
  if (page) {
    const annots = deref(deref(page.object)?.["/Annots"]) ?? [];
    inannots = annots.includes(f.annotation?.object ?? f.object) ? 1 : 0;
  }
  const ap = deref(widget["/AP"]);
  const img = ap && ap["/N"] ? countImages(ap["/N"], new Set(), 0) : { images: 0, smasks: 0 };
  console.log([f.fullname || "-", f.pageposfrom1 ?? 0, rect, text(v["/SubFilter"]),
    text(v["/M"]), text(v["/Reason"]), text(v["/Location"]), text(v["/Name"]),
    inannots, img.images, img.smasks].join("\t"));
}
