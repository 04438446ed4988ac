// The verifier's words are written twice: core/src/verify/verify_text.c (the
// CLI's and the WASM module's text report) and web/src/verify-i18n.js (the
// page). They must say the same thing in both languages, byte for byte:
// this reads the C phrase tables ({"code", "vi", "en"} rows, adjacent string
// literals joined) and compares every row with the JavaScript tables.
//
//   node i18n_tables.mjs SOURCE_DIR
// Prints one line per difference and exits 1 when there is any.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const src = process.argv[2] ?? ".";
const c = readFileSync(join(src, "core/src/verify/verify_text.c"), "utf8");
const js = await import(pathToFileURL(join(src, "web/src/verify-i18n.js")).href);

// The C string literal at s[i] (i at the opening quote) and where it ends,
// with following adjacent literals joined.
function cString(s, i) {
  let out = "";
  for (;;) {
    if (s[i] !== '"') throw new Error(`expected a string at ${i}`);
    i++;
    while (s[i] !== '"') {
      if (s[i] === "\\") {
        const e = s[i + 1];
        out += { n: "\n", t: "\t", '"': '"', "\\": "\\" }[e] ?? e;
        i += 2;
      } else {
        out += s[i++];
      }
    }
    i++;
    const m = /^\s*/.exec(s.slice(i));
    if (s[i + m[0].length] !== '"') return [out, i];
    i += m[0].length;
  }
}

// The rows of `static const phrase NAME[...] = { ... };`.
function table(name) {
  const start = c.search(new RegExp(`static const phrase ${name}\\[[^\\]]*\\] = \\{`));
  if (start < 0) throw new Error(`no table ${name} in verify_text.c`);
  // The table's braces, by depth (braces inside strings skipped).
  const open = c.indexOf("{", start);
  let end = open, depth = 0;
  for (; end < c.length; end++) {
    if (c[end] === '"') end = cString(c, end)[1] - 1;
    else if (c[end] === "{") depth++;
    else if (c[end] === "}" && --depth === 0) break;
  }
  const body = c.slice(open + 1, end);
  const rows = [];
  let i = 0;
  while ((i = body.indexOf("{", i)) >= 0) {
    const row = [];
    i++;
    for (let k = 0; k < 3; k++) {
      i = body.indexOf('"', i);
      const [str, next] = cString(body, i);
      row.push(str);
      i = next;
    }
    rows.push(row);
  }
  return rows;
}

let bad = 0;
let compared = 0;
function compare(cName, jsTable, jsName) {
  const rows = table(cName);
  if (!rows.length) {
    console.log(`${cName}: no rows read`);
    bad++;
  }
  for (const [code, vi, en] of rows) {
    const p = jsTable[code];
    compared++;
    if (!p) {
      console.log(`${jsName}.${code}: missing in verify-i18n.js`);
      bad++;
    } else if (p[0] !== vi || p[1] !== en) {
      console.log(`${jsName}.${code}: C ${JSON.stringify([vi, en])} != JS ${JSON.stringify(p)}`);
      bad++;
    }
  }
  for (const code of Object.keys(jsTable)) {
    if (code === "ok" && jsName === "REASONS") continue; // the page's own word for "ok"
    if (!rows.some((r) => r[0] === code)) {
      console.log(`${jsName}.${code}: missing in verify_text.c`);
      bad++;
    }
  }
}

compare("reasons", js.REASONS, "REASONS");
compare("change_kinds", js.CHANGE_KINDS, "CHANGE_KINDS");
compare("sub_indications", js.SUB_INDICATIONS, "SUB_INDICATIONS");
compare("evidence_words", js.EVIDENCE_WORDS, "EVIDENCE_WORDS");
compare("check_titles", js.CHECK_TITLES, "CHECK_TITLES");

// evidenceLine gives the CLI's line (verify_text.c evidence_text) for the
// same entry; the C side is checked by test_verify_extra_revocation.
const line = js.evidenceLine({ certificate: "Nguyễn Văn A", status: "revoked", type: "crl",
  source: "fetched", revoked_at: "2026-01-02T03:04:05Z", produced_at: "2026-01-03T00:00:00Z" }, "vi");
const want = "'Nguyễn Văn A': bị thu hồi lúc 2026-01-02T10:04:05+07:00 (CRL, vừa tra cứu trực tuyến, lập lúc 2026-01-03T07:00:00+07:00)";
compared++;
if (line !== want) {
  console.log(`evidenceLine: ${JSON.stringify(line)} != ${JSON.stringify(want)}`);
  bad++;
}
if (js.evidenceLine({ status: "none" }, "en") !== "") {
  console.log("evidenceLine: status none must give ''");
  bad++;
}
console.log(`${compared} phrases compared, ${bad} differences`);
process.exit(bad ? 1 : 0);
