// consent_cases.mjs - what the user is shown before a signature (issue 11,
// reproductions 2 and 5, the PIN items of 9, and red team C's batch and
// code-in-the-name reproductions), through the real
// kyso-host, SoftHSM2 (behind tests/lib/p11_fault.c for the PIN pad and
// the PIN warnings) and the scripted pinentry, whose log is what the user
// saw. Run by consent_test.sh as `node host_client.mjs consent`.
import fs from "node:fs";
import crypto from "node:crypto";
import { attrsDigest, batchCodeOf, codeOf, codesIn, dialogTexts, fingerprintOf } from "../lib/vcode.mjs";

const env = process.env;
const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

// The args of a command's lines in the log, Assuan's escapes (%, CR, LF:
// ASCII only) undone.
const commands = (log, cmd) => log.split("\n").filter((l) => l.startsWith(cmd + " "))
  .map((l) => l.slice(cmd.length + 1).replace(/%([0-9A-F]{2})/g, (_, x) => String.fromCharCode(parseInt(x, 16))));
const count = (log, re) => (log.match(re) || []).length;
const show = (what, text) => { if (env.KYSO_VERBOSE === "1") console.log(`--- ${what}\n${text}\n---`); };

// SignedAttributes a with its message-digest value replaced by md (same
// length: the DER around it is unchanged), as a relay would swap it.
function withDigest(a, md) {
  const old = attrsDigest(a);
  if (!old || old.length !== md.length) throw new Error("withDigest: another digest length");
  const at = a.indexOf(old);
  const out = Buffer.from(a);
  md.copy(out, at);
  return out;
}

// The batch code a dialog shows: in its first part (before the list) and
// in its last line. { head, last } (null where missing).
function shownBatch(desc) {
  const lines = desc.split("\n");
  const list = lines.findIndex((l) => l.startsWith("  "));
  const head = lines.slice(0, list < 0 ? lines.length : list).join("\n")
    .match(/^Mã kiểm tra của lô \(cả (\d+) văn bản\): \[(\d{3} \d{3})\]/m);
  const last = (lines.at(-1) ?? "").match(/^Đồng ý ký (\d+) văn bản, mã lô (\d{3} \d{3})\? \(Sign \1 documents, batch \2\?\)$/);
  return { head: head && head[2], headCount: head && Number(head[1]), last: last && last[2],
    lastCount: last && Number(last[1]) };
}

export async function consent(h) {
  const { ok, ORIGIN, StdioConn, WsConn, pinAnswers, pinLog, clearLog, prepare, finishAndCheck, errCode, noSig, pemDer } = h;
  const cert = `${env.PKI_DIR}/person-rsa2048.pem`;
  const id = crypto.createHash("sha256").update(pemDer(cert)).digest("hex");
  const pdfs = ["vn-chromium.pdf", "minimal.pdf", "xrefstream.pdf"].map((n) => `${env.FX}/${n}`);
  const attrs = pdfs.map((p) => prepare(cert, p));
  const mds = attrs.map((a) => attrsDigest(a));
  const codes = mds.map((m) => codeOf(m));
  // as kyso.js sends them: the md's first 16 hex digits ({fingerprint:
  // undefined}: left out, as the protocol allows)
  const doc = (i, name, extra = {}) =>
    ({ signedAttributes: attrs[i % 3].toString("base64"), name, fingerprint: fingerprintOf(mds[i % 3]), ...extra });
  const sign = (c, rid, docs) => c.request({ id: rid, cmd: "sign", certificate: id, documents: docs });
  const checkSigned = (r, idx, label) => {
    ok(r && r.result && r.result.signatures.length === idx.length, `${label}: signed (${errCode(r)})`);
    if (r && r.result) idx.forEach((k, i) => finishAndCheck(cert, pdfs[k], r.result.signatures[i], `${label} doc ${i + 1}`));
  };

  let c = await WsConn.open(ORIGIN);
  await c.next();

  // ---- reproduction 2: the host shows a code it derives from what it signs
  clearLog();
  pinAnswers([]);
  let r = await sign(c, "r2", [doc(0, "Tờ trình số 1.pdf"), doc(1, "Tờ trình số 2.pdf", { fingerprint: undefined }),
    doc(2, "Tờ trình số 3.pdf", { fingerprint: mds[2].toString("hex") })]);
  checkSigned(r, [0, 1, 2], "code");
  let desc = dialogTexts(pinLog())[0] || "";
  ok([0, 1, 2].every((i) => desc.includes(`\n  ${i + 1}. [${codes[i]}] tên do trang đặt: "Tờ trình số ${i + 1}.pdf"`)),
    "code: each document's line has the code computed from its message-digest, and its name labelled as the page's");
  let sb = shownBatch(desc);
  ok(sb.head === batchCodeOf(mds) && sb.last === sb.head && sb.headCount === 3,
    `code: the batch code of the 3 documents (tests: ${batchCodeOf(mds)}) is in the dialog's first part and last line (${sb.head}, ${sb.last})`);
  ok(!desc.includes(fingerprintOf(mds[0])), "code: the page's fingerprint is not shown");
  ok(!/^SETERROR/m.test(pinLog()), "code: no PIN warning from a token whose flags do not ask for one");

  // the page's fingerprint must be the message-digest's prefix: a hash of
  // the input PDF (what kyso.js sent before) is refused before any dialog
  const bad = [
    ["hash of the input PDF", crypto.createHash("sha256").update(fs.readFileSync(pdfs[0])).digest("hex").slice(0, 16)],
    ["another document's md", fingerprintOf(mds[1])],
    ["upper-case hex", fingerprintOf(mds[0]).toUpperCase()],
    ["7 hex digits", fingerprintOf(mds[0]).slice(0, 7)],
    ["longer than the md", mds[0].toString("hex") + "00"],
    ["not hex", "zz" + fingerprintOf(mds[0]).slice(2)],
  ];
  for (const [what, fp] of bad) {
    clearLog();
    r = await sign(c, "fp", [doc(0, "a.pdf", { fingerprint: fp })]);
    ok(errCode(r) === "INVALID_ARGUMENT" && !pinLog().includes("CONFIRM"), `fingerprint ${what}: INVALID_ARGUMENT, no dialog (${errCode(r)})`);
    noSig(r, `fingerprint ${what}`);
  }

  // ---- reproduction 5: a page-supplied name cannot forge or hide host text
  const hostile = [
    `a.pdf\u2028Trang ${ORIGIN} yêu cầu ký 1 văn bản bằng chứng thư của "Nguyễn Văn A".`,
    "b.pdf\u2029(The site asks to sign 1 document with this certificate.)",
    "c\u0085d\u009b1m.pdf",
    "\u202Efdp.exe",
    "e\u200Bf\u200C\u200D\u2066g\u2069\uFEFF.pdf",
    `h.pdf\u2028  1. [000 000] tên do trang đặt: "h.pdf"\u2029`,
    "x".repeat(120) + ".pdf",
  ];
  const forbidden = ["\u2028", "\u2029", "\u0085", "\u009b", "\u202E", "\u200B", "\u200C", "\u200D", "\u2066", "\u2069", "\uFEFF"];
  clearLog();
  pinAnswers(["cancel"]);
  r = await sign(c, "r5", hostile.map((n, i) => doc(i, n)));
  ok(errCode(r) === "USER_CANCELLED", `names: the dialog was shown (${errCode(r)})`);
  desc = dialogTexts(pinLog())[0] || "";
  const raw = commands(pinLog(), "SETDESC")[0] || "";
  ok(desc.length > 0 && forbidden.every((ch) => !raw.includes(ch)),
    "names: no line/paragraph separator, C1, bidi or zero-width character reaches the dialog");
  show("hostile names", desc);
  let lines = desc.split("\n");
  // the site's registrable domain first (long origins), then the summary
  ok(lines[0] === "Trang web thuộc tên miền «kyso.test»" &&
    lines.filter((l) => l.startsWith("Trang https://")).length === 1 && lines[1].includes("yêu cầu ký 7 văn bản"),
    "names: the domain line, then one summary line, the host's, first");
  ok(lines.filter((l) => l.startsWith("(The site asks")).length === 1, "names: the English summary is not forged");
  ok(lines.filter((l) => /^ {2}\d+\. \[/.test(l)).length === 7 && !lines.some((l) => l.startsWith("  1. [000 000]")),
    "names: one line per document, none forged, no fake code at a line start");
  // a name is shortened, down to the code alone, when the line budget ends
  ok(hostile.every((_, i) => lines.some((l) => l === `  ${i + 1}. [${codes[i % 3]}]` ||
    l.startsWith(`  ${i + 1}. [${codes[i % 3]}] tên do trang đặt: "`))),
    "names: every document's own code comes before its name");
  const long = lines.find((l) => l.startsWith("  7. ")) || "";
  const shown = (long.match(/"(.*)"/) || ["", ""])[1];
  ok(long === `  7. [${codes[0]}]` || ([...shown].length <= 80 && shown.endsWith("…")),
    `names: a long name is cut at 80 characters with …, or to its code (${[...shown].length})`);
  ok(lines.at(-1).startsWith("Đồng ý ký 7 văn bản, mã lô "), "names: the host's question is the last line");

  // 100 documents: the count first, last and in the title; what is not
  // listed is counted; every Assuan line within 1000 bytes
  clearLog();
  pinAnswers(["cancel"]);
  const batch = Array.from({ length: 100 }, (_, i) => doc(i, `Quyết định số ${i + 1}/QĐ-UBND về việc phê duyệt kế hoạch năm 2025.pdf`));
  r = await sign(c, "b100", batch);
  ok(errCode(r) === "USER_CANCELLED", `100: the dialog was shown (${errCode(r)})`);
  let log = pinLog();
  desc = dialogTexts(log)[0] || "";
  lines = desc.split("\n");
  const title = commands(log, "SETTITLE")[0] || "";
  show(title, desc);
  const listed = lines.filter((l) => /^ {2}\d+\. \[\d{3} \d{3}\]/.test(l)).length;
  const more = lines.map((l) => l.match(/^ {2}… và (\d+) văn bản khác/)).find(Boolean);
  ok(title.includes("100 văn bản") && lines[1].includes("ký 100 văn bản") && lines.at(-1).startsWith("Đồng ý ký 100 văn bản, mã lô "),
    "100: the count is in the title, the first and the last line");
  ok(listed >= 1 && more && listed + Number(more[1]) === 100, `100: ${listed} listed with their codes, the other ${more ? more[1] : "?"} counted`);
  const counts = [...(title + "\n" + desc).matchAll(/(\d+) (?:văn bản|documents?)/g)].map((m) => Number(m[1]));
  ok(counts.every((n) => n === 100 || (more && n === Number(more[1]))), `100: nothing states another count (${counts})`);
  ok(log.split("\n").every((l) => Buffer.byteLength(l) + 1 <= 1000), "100: every Assuan line is at most 1000 bytes");
  sb = shownBatch(desc);
  ok(sb.head === batchCodeOf(batch.map((d) => attrsDigest(Buffer.from(d.signedAttributes, "base64")))) && sb.last === sb.head,
    `100: the batch code is in the dialog's first part and last line (${sb.head}, ${sb.last})`);

  // ---- batches whose long names starve the list (red team C): every
  // document has its own message-digest; the batch code, computed here
  // from them, is in the host's part of the dialog and its last line, and
  // a relay that swaps any one document's attributes, listed or not, makes
  // the dialog's batch code differ from the page's.
  // over 80 characters (cut), and 100 of them within a 64 KiB request
  const longName = (i) => `Hợp đồng mua bán số ${i + 1} ` + "ữ".repeat(58) + ".pdf";
  for (const n of [20, 100]) {
    const bmds = Array.from({ length: n }, () => crypto.randomBytes(32));
    const battrs = bmds.map((m, i) => withDigest(attrs[i % 3], m));
    const bdoc = (i, a = battrs[i]) => ({ signedAttributes: a.toString("base64"), name: longName(i) });
    const page = batchCodeOf(bmds);
    clearLog();
    pinAnswers(["cancel"]);
    r = await sign(c, `long${n}`, battrs.map((_, i) => bdoc(i)));
    desc = dialogTexts(pinLog())[0] || "";
    show(`long names, ${n}`, desc);
    lines = desc.split("\n");
    const shownDocs = lines.filter((l) => /^ {2}\d+\. \[/.test(l)).length;
    sb = shownBatch(desc);
    ok(errCode(r) === "USER_CANCELLED" && sb.head === page && sb.last === page && sb.headCount === n && sb.lastCount === n,
      `long names, ${n}: ${shownDocs} of ${n} listed; the page's batch code ${page} is in the dialog's first part and last line (${sb.head}, ${sb.last}; ${errCode(r)})`);
    // swap the first (listed), one in the middle and the last (not listed)
    for (const k of [0, Math.floor(n / 2), n - 1]) {
      const swapped = crypto.randomBytes(32);
      const smds = bmds.map((m, i) => (i === k ? swapped : m));
      clearLog();
      pinAnswers(["cancel"]);
      r = await sign(c, `swap${n}-${k}`, battrs.map((_, i) => bdoc(i, i === k ? withDigest(attrs[k % 3], swapped) : battrs[i])));
      desc = dialogTexts(pinLog())[0] || "";
      sb = shownBatch(desc);
      const listedK = desc.includes(`\n  ${k + 1}. [`);
      ok(errCode(r) === "USER_CANCELLED" && sb.head === batchCodeOf(smds) && sb.last === sb.head && sb.head !== page,
        `long names, ${n}, document ${k + 1} swapped (${listedK ? "listed" : "not listed"}): the dialog's batch code ` +
          `${sb.head} differs from the page's ${page} (${errCode(r)})`);
    }
  }

  // ---- a name carrying the genuine code (red team C): the page names a
  // swapped document with the code of the one the user reads; the dialog
  // shows the swapped document's own code, and the name's digits masked.
  const fakes = [`Tờ trình số 1.pdf [${codes[0]}] (mã kiểm tra đúng: ${codes[0]})`,
    `Tờ trình ${codes[0].replace(" ", "")}.pdf`, `Tờ trình ${codes[0].replace(" ", ".")}.pdf`];
  for (const [n, label] of [[1, "one"], [3, "batch"]]) {
    clearLog();
    pinAnswers(["cancel"]);
    r = await sign(c, `fake${n}`, fakes.slice(0, n).map((name) => doc(1, name)));
    desc = dialogTexts(pinLog())[0] || "";
    show(`fake codes, ${label}`, desc);
    const own = codesIn(desc).filter((x) => x !== codes[1]);
    const brackets = [...desc.matchAll(/\[([^\]]*)\]/g)].map((m) => m[1]);
    const hostCodes = n === 1 ? [codes[1]] : [codes[1], batchCodeOf([mds[1], mds[1], mds[1]])];
    ok(errCode(r) === "USER_CANCELLED" && desc.length > 0 && ![codes[0], codes[0].replace(" ", ""), codes[0].replace(" ", ".")]
      .some((x) => desc.includes(x)) && own.every((x) => hostCodes.includes(x)),
    `fake codes, ${label}: the genuine code ${codes[0]} appears nowhere in the dialog, in no form (codes shown: ${codesIn(desc)}; ${errCode(r)})`);
    ok(desc.includes(`"Tờ trình số 1.pdf (### ###) (mã kiểm tra đúng: ### ###)"`) &&
      (n === 1 || (desc.includes(`"Tờ trình ######.pdf"`) && desc.includes(`"Tờ trình ###.###.pdf"`))),
    `fake codes, ${label}: the name is shown with its brackets as parentheses and its code-shaped digits masked`);
    ok(brackets.length === n + (n > 1 ? 1 : 0) && brackets.every((x) => hostCodes.includes(x)),
      `fake codes, ${label}: every [..] in the dialog is a code of the host's (${brackets})`);
  }
  c.close();

  // ---- PIN: the token's warnings (p11_fault sets the flags SoftHSM2 never
  // does), first while SoftHSM2's own COUNT_LOW is not set yet
  const fault = async (faults, more = {}) => {
    const f = new StdioConn(["--config", env.KYSO_HOST_CONF_FAULT],
      { KYSO_P11_REAL: env.TOKEN_MODULE, KYSO_P11_FAULT: faults, ...more });
    await f.next();
    return f;
  };
  c = await fault("count_low");
  clearLog();
  pinAnswers([]);
  r = await sign(c, "w1", [doc(1, "a.pdf")]);
  checkSigned(r, [1], "count low");
  log = pinLog();
  ok(/^SETERROR .*còn ít lần thử/m.test(log.slice(0, log.indexOf("GETPIN"))), "count low: warned before the PIN dialog");
  c.close();
  // a wrong PIN is asked again in the same session
  c = await WsConn.open(ORIGIN);
  await c.next();
  clearLog();
  pinAnswers(["ok", "pin:00000000"]); // then the right PIN
  r = await sign(c, "p1", [doc(0, "a.pdf"), doc(1, "b.pdf")]);
  checkSigned(r, [0, 1], "wrong then right PIN");
  log = pinLog();
  ok(count(log, /^CONFIRM/gm) === 1 && count(log, /^GETPIN/gm) === 2, "wrong then right PIN: one consent, two PIN dialogs");
  ok(/^SETERROR Sai mã PIN\./m.test(log.slice(log.indexOf("GETPIN"))), "wrong then right PIN: the second PIN dialog says Sai mã PIN");
  clearLog();
  pinAnswers(["ok", "pin:00000000", "pin:00000000", "pin:00000000"]);
  r = await sign(c, "p2", [doc(0, "a.pdf")]);
  ok(errCode(r) === "PIN_INCORRECT" && count(pinLog(), /^GETPIN/gm) === 3 && count(pinLog(), /^CONFIRM/gm) === 1,
    `three wrong PINs: PIN_INCORRECT after three PIN dialogs, one consent (${errCode(r)})`);
  noSig(r, "three wrong PINs");
  c.close();

  c = await fault("final_try");
  clearLog();
  pinAnswers(["ok", "pin:00000000", "cancel"]);
  r = await sign(c, "w2", [doc(1, "a.pdf")]);
  log = pinLog();
  ok(/^SETERROR Lần thử cuối/m.test(log.slice(0, log.indexOf("GETPIN"))), "final try: warned before the PIN dialog");
  ok(/^SETERROR Sai mã PIN\. Lần thử cuối/m.test(log.slice(log.indexOf("GETPIN") + 6)), "final try: wrong PIN, asked again with the warning");
  ok(errCode(r) === "PIN_INCORRECT" && r.error.retriesLeft === 1, `final try: the user stops: PIN_INCORRECT, retriesLeft 1 (${JSON.stringify(r && r.error)})`);
  noSig(r, "final try");
  c.close();

  // the PIN pad: no PIN dialog, the PIN typed "on the reader"
  c = await fault("pin_pad", { KYSO_P11_PAD_PIN: env.TOKEN_PIN });
  clearLog();
  pinAnswers([]);
  r = await sign(c, "pad1", [doc(0, "a.pdf"), doc(2, "c.pdf")]);
  checkSigned(r, [0, 2], "PIN pad");
  log = pinLog();
  desc = dialogTexts(log)[0] || "";
  ok(count(log, /^GETPIN/gm) === 0 && count(log, /^CONFIRM/gm) === 1, "PIN pad: one consent, no PIN dialog (GETPIN)");
  ok(desc.includes("nhập mã PIN trên bàn phím đầu đọc"), "PIN pad: the consent says to type the PIN on the reader");
  c.close();
  c = await fault("pin_pad", { KYSO_P11_PAD_PIN: "00000000" });
  clearLog();
  pinAnswers(["ok", "cancel"]);
  r = await sign(c, "pad2", [doc(0, "a.pdf")]);
  log = pinLog();
  ok(errCode(r) === "PIN_INCORRECT" && count(log, /^GETPIN/gm) === 0 && /^SETERROR Sai mã PIN/m.test(log),
    `PIN pad, wrong PIN: asked to retry on the reader, no GETPIN; the user stops: PIN_INCORRECT (${errCode(r)})`);
  noSig(r, "PIN pad wrong");
  c.close();

  // ---- cancel: before login, between documents; never partial results
  const waitFor = async (re) => {
    for (let i = 0; i < 400 && !re.test(pinLog()); i++) await sleep(50);
    return re.test(pinLog());
  };
  c = await fault("slow_find", { KYSO_P11_DELAY_MS: "1500" });
  clearLog();
  pinAnswers([]);
  c.send(JSON.stringify({ id: "k1", cmd: "sign", certificate: id, documents: [doc(0, "a.pdf"), doc(1, "b.pdf")] }));
  ok(await waitFor(/^GETPIN/m), "cancel before login: the PIN was asked");
  await sleep(300); // the PIN is in; the token is being read again
  r = await c.request({ id: "k1c", cmd: "cancel", request: "k1" });
  ok(r && r.result && r.result.cancelled === true, "cancel before login: acknowledged");
  r = await c.next(30000);
  ok(r && r.id === "k1" && errCode(r) === "USER_CANCELLED" && /before login/.test(r.error.message) && !("result" in r),
    `cancel before login: USER_CANCELLED, no signatures (${JSON.stringify(r && r.error)})`);
  c.close();
  c = await fault("slow_sign", { KYSO_P11_DELAY_MS: "800" });
  clearLog();
  pinAnswers([]);
  c.send(JSON.stringify({ id: "k2", cmd: "sign", certificate: id, documents: [0, 1, 2, 0].map((k) => doc(k, `d${k}.pdf`)) }));
  ok(await waitFor(/^GETPIN/m), "cancel between documents: the PIN was asked");
  await sleep(1300); // one or two of four signed
  r = await c.request({ id: "k2c", cmd: "cancel", request: "k2" });
  ok(r && r.result && r.result.cancelled === true, "cancel between documents: acknowledged");
  r = await c.next(30000);
  ok(r && r.id === "k2" && errCode(r) === "USER_CANCELLED" && /after [0-3] of 4/.test(r.error.message) && !("result" in r),
    `cancel between documents: USER_CANCELLED, no signatures (${JSON.stringify(r && r.error)})`);
  c.close();
}
