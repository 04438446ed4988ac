// Reads a `kyso verify --json` report for the shell tests.
//
//   node report.mjs get REPORT EXPR...
//       one line per EXPR, a JavaScript expression over r (the report) and
//       S(x) (the signature whose field is x, or index x); strings print
//       raw, null/undefined as "null", the rest as JSON.
//   node report.mjs expect REPORT CLASS FIELD INDICATIONS SUBS CHECKS OBJECTS
//       judges one row of attacks.tsv (see attacks.mjs for its grammar)
//       and prints one line per expectation: "PASS\tmessage" or
//       "FAIL\tmessage".
// A missing or unparsable REPORT is not an error here (the assertions
// then fail on the values): get prints "<no report>" per EXPR, expect one
// FAIL line. Exit status 2 only on bad usage.
import { readFileSync } from "node:fs";

const [mode, file, ...args] = process.argv.slice(2);
let r = null;
try {
  r = JSON.parse(readFileSync(file, "utf8"));
} catch {
  if (mode === "get") {
    for (let i = 0; i < args.length; i++) console.log("<no report>");
  } else if (mode === "expect") {
    console.log(`FAIL\tno JSON report in ${file}`);
  }
  process.exit(mode === "get" || mode === "expect" ? 0 : 2);
}
const sigs = Array.isArray(r.signatures) ? r.signatures : [];
const S = (x) => (typeof x === "number" ? sigs[x] : sigs.find((s) => s.field === x));
const show = (v) => (v === undefined || v === null ? "null" : typeof v === "string" ? v : JSON.stringify(v));

if (mode === "get") {
  for (const expr of args) {
    let v;
    try {
      v = new Function("r", "S", `return (${expr});`)(r, S);
    } catch {
      v = undefined;
    }
    console.log(show(v));
  }
} else if (mode === "expect") {
  const [cls, field, inds, subs, checks, objects] = args;
  const out = (ok, msg) => console.log(`${ok ? "PASS" : "FAIL"}\t${msg}`);
  const s = S(field);
  out(!!s, `signature ${field} is in the report (fields: ${sigs.map((x) => x.field).join(", ")})`);
  if (s) {
    const want = inds.split("|");
    out(want.includes(s.indication), `indication ${s.indication}, expected ${inds}`);
    if (cls !== "control") out(s.indication !== "TOTAL_PASSED", "not TOTAL_PASSED");
    const sub = s.sub_indication ?? "-";
    out(subs.split("|").includes(sub), `sub_indication ${sub}, expected ${subs}`);
    const alts = checks.split(";").map((a) => {
      const [check, reasons] = a.split("=");
      return { check, reasons: reasons.split("|") };
    });
    const got = (c) => s.checks?.[c] ?? {};
    const desc = (c) => `${c}: ${got(c).result}/${got(c).reason}`;
    if (cls === "control") {
      for (const { check, reasons } of alts) {
        const g = got(check);
        out(g.result === "passed" && reasons.includes(g.reason), `${desc(check)}, expected passed/${reasons.join("|")}`);
      }
    } else {
      const hit = alts.find(({ check, reasons }) =>
        got(check).result === "failed" && (reasons[0] === "*" || reasons.includes(got(check).reason)));
      out(!!hit, `failed check ${hit ? desc(hit.check) : "none"}; expected one of ${checks} (${alts.map((a) => desc(a.check)).join(", ")})`);
    }
    if (objects !== "-") {
      const changed = (s.changes ?? []).filter((c) => c.allowed === false).map((c) => c.object);
      for (const group of objects.split(",")) {
        const want = group.split("|").map(Number);
        out(want.some((n) => changed.includes(n)),
          `changes names object ${group} as not allowed (not allowed: ${changed.join(" ") || "none"})`);
      }
    }
  }
} else {
  console.error("usage: node report.mjs get REPORT EXPR... | expect REPORT CLASS FIELD INDS SUBS CHECKS OBJECTS");
  process.exit(2);
}
