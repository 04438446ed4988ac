// The wrong way to stamp the document number after the leader signed:
// an incremental update that appends a content stream to page 1's
// /Contents (what a naive "stamp then seal" tool does). The verifier must
// call that a modification of what the leader signed, even when a later
// signature covers it.
//
//   node d30stamp.mjs IN OUT X,Y,W,H
//       page 1 gains a stream painting black bars (the "number") in the
//       rect, in default user space
import { readFileSync, writeFileSync } from "node:fs";
import { Pdf, appendUpdate, arr, dict, num, ref, ser, streamBody } from "./pdfedit.mjs";

const [inPath, outPath, rect] = process.argv.slice(2);
const buf = readFileSync(inPath);
const pdf = new Pdf(buf);
const [x, y, w, h] = rect.split(",").map(Number);

// Page 1: the first leaf of the page tree.
let node = pdf.trailer.v.get("/Root");
node = pdf.get(node.num).value.v.get("/Pages");
let pageNum;
for (let depth = 0; depth < 32; depth++) {
  const d = pdf.get(node.num).value;
  if (d.v.get("/Type").v === "/Page") { pageNum = node.num; break; }
  node = d.v.get("/Kids").v[0];
}
if (!pageNum) throw new Error("page 1 not found");
const page = pdf.get(pageNum).value;
const old = page.v.get("/Contents");
const stamp = pdf.size;
const contents = old.t === "arr" ? arr(...old.v, ref(stamp)) : arr(old, ref(stamp));
const newPage = dict([...page.v].map(([k, v]) => [k, k === "/Contents" ? contents : v]));
const data = `q 0 g ${x} ${y} ${w * 0.3} ${h * 0.7} re f ${x + w * 0.4} ${y} ${w * 0.5} ${h * 0.7} re f Q\n`;
const { buf: out } = appendUpdate(buf, {
  objects: { [pageNum]: ser(newPage), [stamp]: streamBody(dict({}), data) },
});
writeFileSync(outPath, out);
