// origins_cases.mjs - who may use the token (issue 11, reproductions 6, 7
// and 8, and the origin items of 9), through the real kyso-host and the
// scripted pinentry, whose log is what the user saw. Run by
// origins_test.sh as `node host_client.mjs origins SCENARIO`, each
// scenario against a host of its own (the prompt quotas are per host).
//
//   ws        config canonicalisation, hello (contract 4), the websocket
//             refuses "origin" and the popup commands, "Từ chối"
//             remembered, http:// warned and never remembered
//   prefs     an allowed site preempts a first-use prompt; "always" in the
//             state file (0600); --origins, --forget-origin
//   burst     200 first-use requests, then many sites: the quotas (BUSY
//             with retryAfter, never ORIGIN_DENIED)
//   lockout   pages that cancel their own first-use requests at once, from
//             rotating subdomains and from many sites: no refusal for a
//             prompt never shown, other sites still get their dialog; a page
//             closing its shown prompt silences only itself
//   native    native messaging: the page's origin, echoed in every reply,
//             per origin state, "Chỉ lần này" kept a few minutes (https) or
//             for the one request (http), the popup's `origins` /
//             `forget-origin`
//   files     symlinks at the origins files are refused, not followed
//   slowcerts `certificates` while the token is held by a signing batch
//   dev       dev_http_loopback = yes: loopback http may be remembered
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { spawnSync } from "node:child_process";
import { attrsDigest, fingerprintOf } from "../lib/vcode.mjs";

const env = process.env;
const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

// The args of a command's lines in the log, Assuan's escapes undone.
const commands = (log, cmd) => log.split("\n").filter((l) => l.startsWith(cmd + " "))
  .map((l) => l.slice(cmd.length + 1).replace(/%([0-9A-F]{2})/g, (_, x) => String.fromCharCode(parseInt(x, 16))));
const count = (log, re) => (log.match(re) || []).length;
const prompts = (log) => count(log, /^CONFIRM/gm);

// Named limits of native-host/src/host_origins.h.
const PROMPT_SITE_MAX = 3;
const PROMPT_GLOBAL_MAX = 8;
const PROMPT_WINDOW_S = 60;

export async function origins(h, scenario) {
  const { ok, ORIGIN, StdioConn, WsConn, pinAnswers, pinLog, clearLog, prepare, finishAndCheck, errCode, noSig,
    pemDer } = h;
  const cert = `${env.PKI_DIR}/person-rsa2048.pem`;
  const id = crypto.createHash("sha256").update(pemDer(cert)).digest("hex");
  const pdf = `${env.FX}/minimal.pdf`;
  const one = () => {
    const attrs = prepare(cert, pdf);
    return [{ signedAttributes: attrs.toString("base64"), name: "a.pdf", fingerprint: fingerprintOf(attrsDigest(attrs)) }];
  };
  const stateFile = `${env.XDG_STATE_HOME}/kyso/origins`;
  const remembered = () => (fs.existsSync(stateFile) ? fs.readFileSync(stateFile, "utf8") : "");
  const cli = (...args) => spawnSync(env.KYSO_HOST, ["--config", env.KYSO_HOST_CONF, ...args], { encoding: "utf8" });
  // A websocket and its first message (null: refused at the handshake).
  const open = async (origin) => {
    const c = await WsConn.open(origin);
    return { c, hello: await c.next(3000) };
  };
  const shut = async (c) => { c.close(); await c.next(2000); };
  const certs = (c, rid, extra = {}) => c.request({ id: rid, cmd: "certificates", ...extra });

  if (scenario === "ws") {
    // ---- 9: host.conf origins are canonical; so is every Origin compared
    for (const o of ["https://evil.example", "https://evil.example.", "HTTPS://EVIL.EXAMPLE:443",
      "https://Evil.Example:443/"]) {
      const { hello } = await open(o);
      ok(hello === null, `config: "${o}" refused at the handshake (deny_origin = https://evil.example)`);
    }
    let { c, hello } = await open("https://allowed.kyso.test");
    ok(hello && hello.version === "1.0",
      "config: allow_origin = HTTPS://Allowed.Kyso.Test:443/ allows https://allowed.kyso.test");
    await shut(c);

    // ---- contract 4: no version before the origin is allowed
    clearLog();
    pinAnswers(["notok"]);
    ({ c, hello } = await open("https://hello.kyso.test"));
    ok(hello && hello.hello === "kyso" && !("version" in hello) && !("features" in hello),
      `hello: an unknown origin gets {"hello":"kyso"} only (${JSON.stringify(hello)})`);
    c.send(JSON.stringify({ id: 1, cmd: "certificates" }));
    const m1 = await c.next(), m2 = await c.next();
    ok(m1 && m1.version === "1.0" && m1.features.includes("sign") && !("id" in m1),
      "hello: once the user allows the origin, the full hello comes first");
    ok(m2 && m2.id === 1 && m2.result, "hello: then the reply to the request that asked");
    await shut(c);
    ({ c, hello } = await open(ORIGIN));
    ok(hello && hello.version === "1.0" && hello.features.includes("cancel"), "hello: an allowed origin gets the full hello");

    // ---- 5/6: only native messaging names an origin or manages origins
    let r = await certs(c, 2, { origin: ORIGIN });
    ok(errCode(r) === "INVALID_ARGUMENT" && /origin/.test(r.error.message),
      `websocket: a request naming an "origin" is INVALID_ARGUMENT (${errCode(r)})`);
    r = await c.request({ id: 3, cmd: "origins" });
    ok(errCode(r) === "ORIGIN_DENIED", `websocket: the popup's origins command is refused (${errCode(r)})`);
    r = await c.request({ id: 4, cmd: "forget-origin", site: ORIGIN });
    ok(errCode(r) === "ORIGIN_DENIED", `websocket: forget-origin is refused (${errCode(r)})`);
    await shut(c);

    // ---- 7: "Từ chối" outlives the connection
    clearLog();
    pinAnswers(["cancel"]);
    ({ c } = await open("https://deny.kyso.test"));
    r = await certs(c, 1);
    ok(errCode(r) === "ORIGIN_DENIED" && prompts(pinLog()) === 1, "deny: the user refuses the site");
    await shut(c);
    clearLog();
    pinAnswers([]); // a prompt now would be answered OK
    ({ c, hello } = await open("https://deny.kyso.test"));
    ok(hello && hello.hello === "kyso", "deny: the refused origin still connects (its requests are told why)");
    r = await certs(c, 2);
    ok(errCode(r) === "ORIGIN_DENIED" && /not asked again/.test(r.error.message),
      `deny: a new connection of the refused origin gets ORIGIN_DENIED (${errCode(r)})`);
    r = await c.request({ id: 3, cmd: "sign", certificate: id, documents: one() });
    ok(errCode(r) === "ORIGIN_DENIED", "deny: so does its sign request");
    noSig(r, "deny");
    ok(prompts(pinLog()) === 0, "deny: without a prompt");
    await shut(c);

    // ---- red team: a long origin must not push the real domain out of
    // view: the registrable domain comes first, then the origin in full
    clearLog();
    pinAnswers(["cancel"]);
    const padded = `https://dichvucong.gov.vn.${"x".repeat(60)}.${"y".repeat(60)}.evil-pad.test`;
    ({ c } = await open(padded));
    r = await certs(c, 1);
    let first = commands(pinLog(), "SETDESC")[0] || "";
    ok(errCode(r) === "ORIGIN_DENIED" && first.startsWith("Trang web thuộc tên miền «evil-pad.test»\n") &&
      first.includes(`Trang ${padded} muốn dùng`),
      `long origin: the first-use dialog names «evil-pad.test» first, then the whole origin: ${first.slice(0, 120)}`);
    await shut(c);

    // ---- 8: plain http is never "always", and is warned about
    clearLog();
    pinAnswers(["ok"]);
    ({ c } = await open("http://intranet.kyso.test"));
    r = await certs(c, 1);
    let log = pinLog();
    let desc = commands(log, "SETDESC").join("\n");
    ok(r && r.result, "http: the scripted OK lets this request through");
    ok(!log.includes("Luôn cho phép") && commands(log, "SETOK")[0] === "Chỉ lần này (Once)" &&
      commands(log, "SETNOTOK").length === 0, "http: the dialog offers Chỉ lần này and Từ chối, no Luôn cho phép");
    ok(desc.includes("kết nối không an toàn"), "http: the dialog warns kết nối không an toàn");
    ok(!remembered().includes("intranet.kyso.test"), "http: the scripted OK did not remember it");
    await shut(c);
    clearLog();
    pinAnswers(["cancel"]);
    ({ c } = await open("http://intranet.kyso.test"));
    r = await certs(c, 2);
    ok(errCode(r) === "ORIGIN_DENIED" && prompts(pinLog()) === 1, "http: the next connection is asked again");
    await shut(c);
    // loopback http without the developer setting: the same rules
    clearLog();
    pinAnswers(["cancel"]);
    ({ c } = await open(`http://127.0.0.1:${Number(env.KYSO_HOST_PORT) + 1}`));
    r = await certs(c, 1);
    log = pinLog();
    ok(prompts(log) === 1 && !log.includes("Luôn cho phép") && log.includes("kết nối không an toàn"),
      "http: a loopback http page is warned about and not offered Luôn cho phép either");
    await shut(c);
  } else if (scenario === "prefs") {
    // ---- 7: an unknown origin's prompt does not hold up an allowed site
    clearLog();
    pinAnswers(["sleep:25"]); // the first-use prompt: a user who does not answer
    const u = await open("https://slow.kyso.test");
    u.c.send(JSON.stringify({ id: "u1", cmd: "certificates" }));
    await sleep(800);
    const a = await open(ORIGIN);
    const t0 = Date.now();
    let r = await a.c.request({ id: "a1", cmd: "sign", certificate: id, documents: one() }, 20000);
    const took = Date.now() - t0;
    ok(r && r.result && r.result.signatures.length === 1,
      `preempt: the allowed site signs while an unknown site's prompt is open (${errCode(r)})`);
    ok(took < 15000, `preempt: without waiting for that prompt (${took} ms)`);
    if (r && r.result) finishAndCheck(cert, pdf, r.result.signatures[0], "preempt");
    const ru = await u.c.reply(5000);
    ok(ru && ru.id === "u1" && errCode(ru) === "BUSY", `preempt: the unknown site's request answers BUSY (${errCode(ru)})`);
    ok(commands(pinLog(), "SETDESC").some((d) => d.includes("https://slow.kyso.test")), "preempt: its prompt was shown");
    await shut(u.c);
    await shut(a.c);

    // ---- 9: "Luôn cho phép" goes to the state dir, private
    clearLog();
    pinAnswers(["ok"]);
    let { c } = await open("https://always.kyso.test");
    r = await certs(c, 1);
    ok(r && r.result && remembered().split("\n").includes("https://always.kyso.test"),
      "always: remembered in $XDG_STATE_HOME/kyso/origins");
    ok((fs.statSync(stateFile).mode & 0o777) === 0o600, "always: the origins file is 0600");
    ok((fs.statSync(path.dirname(stateFile)).mode & 0o777) === 0o700, "always: its directory is 0700");
    ok(!fs.existsSync(`${env.XDG_CONFIG_HOME}/kyso/origins`), "always: nothing written to the config dir");
    await shut(c);

    // ---- 7: list and revoke
    let out = cli("--origins");
    ok(out.status === 0 && /^allowed\s+remembered\s+https:\/\/always\.kyso\.test$/m.test(out.stdout) &&
      /^allowed\s+host\.conf\s+https:\/\/portal\.kyso\.test$/m.test(out.stdout) &&
      /^denied\s+host\.conf\s+https:\/\/denied\.kyso\.test$/m.test(out.stdout),
      `--origins lists host.conf's and the remembered origins:\n${out.stdout}${out.stderr}`);
    out = cli("--forget-origin", "HTTPS://Always.Kyso.Test:443");
    ok(out.status === 0 && !remembered().includes("always.kyso.test"),
      `--forget-origin drops it (written another way) (${out.status} ${out.stderr})`);
    out = cli("--forget-origin", "https://always.kyso.test");
    ok(out.status === 1, `--forget-origin of an origin not remembered exits 1 (${out.status})`);
    out = cli("--forget-origin", "https://x.kyso.test/path");
    ok(out.status === 2, `--forget-origin of a non-origin exits 2 (${out.status})`);
    clearLog();
    pinAnswers(["cancel"]);
    let hello;
    ({ c, hello } = await open("https://always.kyso.test"));
    r = await certs(c, 2);
    ok(hello && hello.hello === "kyso" && errCode(r) === "ORIGIN_DENIED" && prompts(pinLog()) === 1,
      "forget: the running host asks about the forgotten origin again");
    await shut(c);
  } else if (scenario === "burst") {
    // ---- 7: one site, 200 first-use requests in a row
    clearLog();
    pinAnswers(Array(200).fill("notok")); // each prompt: "Chỉ lần này"
    let answered = 0, quota = 0, retry = 0;
    const t0 = Date.now();
    for (let i = 0; i < 200; i++) {
      // subdomains of one registrable domain are one site: one quota
      const { c } = await open(i % 2 ? "https://bomb.kyso.test" : `https://s${i}.bomb.kyso.test`);
      const r = await certs(c, i, {});
      if (r && r.id === i) answered++;
      // a rate limit is BUSY with retryAfter: ORIGIN_DENIED would tell the
      // page that the user refused it
      if (errCode(r) === "BUSY" && /too many first-use dialogs/.test(r.error.message)) quota++;
      if (r && r.error && r.error.retryAfter > 0 && r.error.retryAfter <= PROMPT_WINDOW_S) retry++;
      await shut(c);
    }
    let n = prompts(pinLog());
    ok(n >= 1 && n <= PROMPT_SITE_MAX,
      `burst: 200 first-use requests of one site (rotating subdomains) opened ${n} prompts (at most ${PROMPT_SITE_MAX})`);
    ok(answered === 200 && quota === 200 - n,
      `burst: every request answered, the others BUSY "too many first-use dialogs" (${answered}, ${quota})`);
    ok(retry === 200 - n, `burst: each BUSY says retryAfter, within the window (${retry})`);
    ok(Date.now() - t0 < 60000, "burst: within the quota window");
    // many sites at once: the global cap
    clearLog();
    pinAnswers(Array(4 * PROMPT_GLOBAL_MAX).fill("notok"));
    let global = 0;
    for (let i = 0; i < 2 * PROMPT_GLOBAL_MAX; i++) {
      const { c } = await open(`https://kyso-b${i}.test`);
      const r = await certs(c, i);
      if (errCode(r) === "BUSY" && /for all sites/.test(r.error.message) && r.error.retryAfter > 0) global++;
      await shut(c);
    }
    const n1 = n;
    n = prompts(pinLog());
    ok(n === PROMPT_GLOBAL_MAX - n1,
      `burst: ${2 * PROMPT_GLOBAL_MAX} more sites: ${n} more prompts (${PROMPT_GLOBAL_MAX} in all per window)`);
    ok(global === 2 * PROMPT_GLOBAL_MAX - n, `burst: the other sites BUSY "for all sites" (${global})`);
    const { c } = await open(ORIGIN);
    const r = await certs(c, "after");
    ok(r && r.result, "burst: the allowed site is served meanwhile");
    await shut(c);
  } else if (scenario === "lockout") {
    // ---- red team (issue 11): a page and iframes of its subdomains send a
    // first-use request and cancel it at once, 8 times: no dialog is shown,
    // and on the old host the global quota of first-use prompts was used
    // up, so every other site not always-allowed got ORIGIN_DENIED "too
    // many first-use prompts" for a minute, again and again.
    clearLog();
    pinAnswers([]);
    const grab = async (origin) => {
      const { c } = await open(origin);
      c.send(JSON.stringify({ id: 1, cmd: "certificates" }));
      c.send(JSON.stringify({ id: 2, cmd: "cancel", request: 1 }));
      const a = await c.reply(10000), b = await c.reply(10000);
      await shut(c);
      return [a, b].find((m) => m && m.id === 1);
    };
    const attackers = ["https://evil.test", "https://a.evil.test", "https://b.evil.test"];
    let cancelled = 0, silenced = 0;
    for (let k = 0; k < 8; k++) {
      const r = await grab(attackers[Math.floor(k / 3)]);
      if (errCode(r) === "USER_CANCELLED") cancelled++;
      if (errCode(r) === "ORIGIN_DENIED" && /not asked again/.test(r.error.message)) silenced++;
    }
    // A prompt cancelled before it was shown refuses nothing (issue 14: a
    // page must not be able to make refusals without the user, which could
    // push the user's own out): the origin is asked again, and each such
    // prompt is given back to the quotas. (One shown by chance makes its
    // page refuse itself: the later requests of that origin are silenced.)
    const shownFirst = prompts(pinLog());
    ok(cancelled + silenced === 8 && (silenced === 0 || shownFirst > 0),
      `lockout: a first-use prompt cancelled before it was shown is no refusal (${cancelled} cancelled, ${silenced} ORIGIN_DENIED, ${shownFirst} shown)`);
    // from 8 sites of their own: each cancels once, before its dialog shows
    cancelled = 0;
    for (let k = 0; k < PROMPT_GLOBAL_MAX; k++) {
      const r = await grab(`https://evil${k}.test`);
      if (errCode(r) === "USER_CANCELLED") cancelled++;
    }
    ok(cancelled === PROMPT_GLOBAL_MAX, `lockout: ${PROMPT_GLOBAL_MAX} more sites cancel their requests at once (${cancelled})`);
    const seen = prompts(pinLog());
    ok(seen <= 1, `lockout: (almost) none of those dialogs reached the user (${seen} shown)`);
    // every kind of site that is not always-allowed still gets its dialog
    const victim = async (origin, answer, label) => {
      clearLog();
      pinAnswers([answer]);
      const { c } = await open(origin);
      const r = await certs(c, "v");
      await shut(c);
      ok(prompts(pinLog()) === 1,
        `lockout: ${label} (${origin}) gets its dialog (${r && r.result ? "served" : `${errCode(r)}: ${r && r.error && r.error.message}`})`);
      return r;
    };
    let r = await victim("https://dichvucong.gov.vn", "cancel", "a new portal");
    ok(errCode(r) === "ORIGIN_DENIED" && /did not allow/.test(r.error.message), "lockout: ... which the user refuses");
    // gov.vn is a public suffix: that refusal is dichvucong.gov.vn's only
    // red team, round 2: a sibling page of the same registrable domain
    // cancels its own prompt; the province's portal must still be asked
    const sib = await grab("https://xaphuocthanh.tiengiang.gov.vn");
    ok(errCode(sib) === "USER_CANCELLED", `lockout: a sibling page under tiengiang.gov.vn cancels its own prompt (${errCode(sib)})`);
    r = await victim("https://vanban.tiengiang.gov.vn", "notok", "another gov.vn portal, after its sibling's cancel");
    ok(r && r.result, "lockout: ... served once the user allows it once");
    r = await victim("https://vanban.tiengiang.gov.vn", "notok", "the same portal reloaded after Chỉ lần này");
    ok(r && r.result, "lockout: ... served again");
    r = await victim("http://intranet.tiengiang.gov.vn", "ok", "an http portal (never remembered)");
    ok(r && r.result, "lockout: ... served");
    // closing the connection while its own prompt is open refuses the site too
    clearLog();
    pinAnswers(["sleep:20"]);
    let { c } = await open("https://closer.test");
    c.send(JSON.stringify({ id: 1, cmd: "certificates" }));
    for (let i = 0; i < 50 && prompts(pinLog()) === 0; i++) await sleep(100);
    ok(prompts(pinLog()) === 1, "lockout: a page's first-use dialog is open");
    await shut(c);
    await sleep(300);
    clearLog();
    pinAnswers([]);
    ({ c } = await open("https://closer.test"));
    r = await certs(c, 2);
    ok(errCode(r) === "ORIGIN_DENIED" && /not asked again/.test(r.error.message) && prompts(pinLog()) === 0,
      `lockout: a page that closed its connection during its own prompt refused itself (${errCode(r)})`);
    await shut(c);
    pinAnswers(["cancel"]);
    ({ c } = await open("https://www.closer.test"));
    r = await certs(c, 3);
    ok(prompts(pinLog()) === 1, `lockout: ... and only itself: its sibling is asked (${errCode(r)})`);
    await shut(c);
  } else if (scenario === "native") {
    const ext = new StdioConn(["--config", env.KYSO_HOST_CONF, "--origin", "chrome-extension://kysotestextension/"]);
    const hello = await ext.next();
    ok(hello && hello.version === "1.0", "native: the extension (allow_origin) gets the full hello");
    // ---- 6: the page's origin, named by the extension
    clearLog();
    pinAnswers(["notok"]); // first use of the page: "Chỉ lần này"; then consent and PIN
    let r = await ext.request({ id: 1, cmd: "sign", certificate: id, documents: one(), origin: "https://page.kyso.test" });
    ok(r && r.id === 1 && r.result, `native: a request naming the page's origin is served (${errCode(r)})`);
    ok(r && r.origin === "https://page.kyso.test", `native: the reply echoes the request's origin (${r && r.origin})`);
    if (r && r.result) finishAndCheck(cert, pdf, r.result.signatures[0], "native");
    let log = pinLog();
    const descs = commands(log, "SETDESC");
    ok(descs[0] && descs[0].startsWith("Trang web thuộc tên miền «kyso.test»\n"),
      `native: the first-use prompt names the registrable domain first: ${descs[0]}`);
    ok(descs[0] && descs[0].includes("Trang https://page.kyso.test (qua tiện ích kyso) muốn dùng"),
      `native: the first-use prompt names the page "(qua tiện ích kyso)": ${descs[0]}`);
    ok(descs[1] && descs[1].includes("https://page.kyso.test (qua tiện ích kyso)"),
      "native: so does the consent dialog");
    ok(descs[1] && descs[1].startsWith("Trang web thuộc tên miền «kyso.test»\nTrang https://page.kyso.test"),
      `native: the consent dialog too names the registrable domain first: ${descs[1]}`);
    ok(!log.includes("chrome-extension://"), "native: no dialog names the extension's chrome-extension:// origin");
    // state per origin, not per connection
    clearLog();
    pinAnswers(["cancel", "cancel"]);
    r = await ext.request({ id: 2, cmd: "certificates", origin: "https://www.kyso-other.test" });
    ok(errCode(r) === "ORIGIN_DENIED" && r.origin === "https://www.kyso-other.test",
      "native: the user refuses another page (the error echoes its origin)");
    r = await ext.request({ id: "2b", cmd: "certificates", origin: "https://www.kyso-other.test" });
    ok(errCode(r) === "ORIGIN_DENIED" && prompts(pinLog()) === 1,
      "native: that page stays refused, not asked again");
    // refusals are per origin: a sibling of the same domain is asked
    r = await ext.request({ id: 3, cmd: "certificates", origin: "https://kyso-other.test" });
    ok(errCode(r) === "ORIGIN_DENIED" && prompts(pinLog()) === 2,
      "native: a sibling page of the same domain is asked (and refused by the user)");
    r = await ext.request({ id: 4, cmd: "certificates", origin: "https://page.kyso.test" });
    ok(r && r.result, "native: the first page is still allowed on the same connection (Chỉ lần này, minutes)");
    ok(prompts(pinLog()) === 2, "native: without a prompt");
    r = await ext.request({ id: 5, cmd: "certificates" });
    ok(r && r.result && !("origin" in r), "native: a request without origin acts for the extension (no origin echoed)");

    // ---- red team: ids are unique per page only; one connection serves
    // every tab. Two pages' requests with the same id: each reply says
    // whose it is.
    ext.send(JSON.stringify({ id: "k1", cmd: "certificates", origin: "https://portal.kyso.test" }));
    ext.send(JSON.stringify({ id: "k1", cmd: "sign", certificate: "0".repeat(64), documents: [],
      origin: "https://evil.kyso-tab.test" }));
    const k1 = [await ext.reply(), await ext.reply()];
    const byOrigin = (o) => k1.find((m) => m && m.id === "k1" && m.origin === o);
    ok(byOrigin("https://portal.kyso.test") && byOrigin("https://portal.kyso.test").result &&
      byOrigin("https://evil.kyso-tab.test") && byOrigin("https://evil.kyso-tab.test").error,
      `native: two replies with id k1 tell their page apart by the echoed origin: ${JSON.stringify(k1).slice(0, 200)}`);
    r = await ext.request({ id: "c1", cmd: "cancel", request: "nothing", origin: "https://page.kyso.test" });
    ok(r && r.result && r.origin === "https://page.kyso.test", "native: a cancel's reply echoes the origin too");
    r = await ext.request({ id: "bad", cmd: "nope", origin: "https://page.kyso.test" });
    ok(errCode(r) === "INVALID_ARGUMENT" && r.origin === "https://page.kyso.test", "native: so does an error's");

    // ---- red team: "Chỉ lần này" over native messaging. One connection
    // lasts the browser session: an http page's covers only the request
    // that asked (the next one asks again); an https page's a few minutes
    // (page.kyso.test above).
    clearLog();
    pinAnswers(["ok", "ok"]); // http: "Chỉ lần này" is the OK button
    r = await ext.request({ id: "h1", cmd: "certificates", origin: "http://intranet.kyso-http.test" });
    ok(r && r.result && r.origin === "http://intranet.kyso-http.test", `native http: the request that asked is served (${errCode(r)})`);
    r = await ext.request({ id: "h2", cmd: "certificates", origin: "http://intranet.kyso-http.test" });
    ok(r && r.result && prompts(pinLog()) === 2,
      `native http: the next request of that page (another tab, later) asks again (${prompts(pinLog())} dialogs)`);
    clearLog();
    pinAnswers(["cancel"]);
    r = await ext.request({ id: "h3", cmd: "certificates", origin: "http://intranet.kyso-http.test" });
    ok(errCode(r) === "ORIGIN_DENIED" && prompts(pinLog()) === 1, "native http: and the user may refuse it then");
    // page origins are canonical and checked like a websocket Origin
    clearLog();
    for (const [o, code] of [["HTTPS://DENIED.KYSO.TEST.:443", "ORIGIN_DENIED"], ["null", "ORIGIN_DENIED"],
      ["chrome-extension://other/", "ORIGIN_DENIED"], ["https://page.kyso.test/path", "ORIGIN_DENIED"],
      [7, "INVALID_ARGUMENT"]]) {
      r = await ext.request({ id: 6, cmd: "certificates", origin: o });
      ok(errCode(r) === code, `native: origin ${JSON.stringify(o)} is ${code} (${errCode(r)})`);
      ok(r && (typeof o === "string" ? r.origin === o : !("origin" in r)),
        `native: its reply echoes origin ${JSON.stringify(o)} as sent (${r && r.origin})`);
    }
    ok(prompts(pinLog()) === 0, "native: none of them prompts");
    // the popup: list and revoke
    r = await ext.request({ id: 7, cmd: "origins" });
    const list = (r && r.result && r.result.origins) || [];
    const has = (o, state, source) => list.some((x) => x.origin === o && x.state === state && x.source === source);
    ok(has("https://portal.kyso.test", "allowed", "config") && has("https://denied.kyso.test", "denied", "config") &&
      list.some((x) => x.origin === "https://kyso-other.test" && x.state === "denied" && x.source === "user" &&
        x.retryAfter > 0), `native: origins lists host.conf's and the user's decisions (the user's refusals): ${JSON.stringify(list)}`);
    r = await ext.request({ id: 8, cmd: "origins", origin: "https://page.kyso.test" });
    ok(errCode(r) === "ORIGIN_DENIED", "native: a page may not list origins");
    r = await ext.request({ id: 9, cmd: "forget-origin", site: "https://page.kyso.test", origin: "https://page.kyso.test" });
    ok(errCode(r) === "ORIGIN_DENIED", "native: a page may not forget origins");
    r = await ext.request({ id: 10, cmd: "forget-origin", site: "https://www.kyso-other.test" });
    ok(r && r.result && r.result.forgotten === true, `native: forget-origin drops a refusal (${JSON.stringify(r)})`);
    clearLog();
    pinAnswers(["ok"]); // now "Luôn cho phép"
    r = await ext.request({ id: 11, cmd: "certificates", origin: "https://www.kyso-other.test" });
    ok(r && r.result && prompts(pinLog()) === 1 && remembered().includes("https://www.kyso-other.test"),
      "native: the forgotten page is asked again, and remembered as the user now says");
    r = await ext.request({ id: 12, cmd: "forget-origin", site: "HTTPS://WWW.KYSO-OTHER.TEST" });
    ok(r && r.result && r.result.forgotten === true && !remembered().includes("kyso-other.test"),
      "native: forget-origin drops a remembered origin from the file");
    r = await ext.request({ id: 13, cmd: "forget-origin", site: "not an origin" });
    ok(errCode(r) === "INVALID_ARGUMENT", "native: forget-origin needs an origin");
    ext.close();
  } else if (scenario === "files") {
    const t1 = fs.readFileSync(env.PLANT_TARGET_STATE, "utf8"), t2 = fs.readFileSync(env.PLANT_TARGET_LEGACY, "utf8");
    for (const o of ["https://planted.test", "https://planted-legacy.test"]) {
      clearLog();
      pinAnswers(["cancel"]);
      const { c, hello } = await open(o);
      const r = await certs(c, 1);
      ok(hello && hello.hello === "kyso" && errCode(r) === "ORIGIN_DENIED" && prompts(pinLog()) === 1,
        `files: ${o}, in a file behind a symlink, is not taken as allowed`);
      await shut(c);
    }
    clearLog();
    pinAnswers(["ok"]);
    const { c } = await open("https://new.kyso.test");
    const r = await certs(c, 1);
    ok(r && r.result, "files: Luôn cho phép still lets the request through");
    await shut(c);
    ok(fs.readFileSync(env.PLANT_TARGET_STATE, "utf8") === t1 && fs.readFileSync(env.PLANT_TARGET_LEGACY, "utf8") === t2,
      "files: nothing written through either symlink");
    ok(fs.lstatSync(stateFile).isSymbolicLink(), "files: the symlink is left in place");
  } else if (scenario === "slowcerts") {
    // ---- 9: the token lock held by a batch (p11_fault slow_sign) does not
    // stop the websocket: the listing waits on its own thread
    const a = await open(ORIGIN);
    pinAnswers([]);
    a.c.send(JSON.stringify({ id: "s1", cmd: "sign", certificate: id, documents: [...one(), ...one(), ...one()] }));
    await sleep(1200); // consent and PIN answered at once: now in C_Sign
    const b = await open(ORIGIN);
    b.c.send(JSON.stringify({ id: "b1", cmd: "certificates" }));
    await sleep(300);
    let t0 = Date.now();
    const c = await open(ORIGIN);
    const helloMs = Date.now() - t0;
    ok(c.hello && c.hello.version && helloMs < 1500,
      `slowcerts: a new connection gets its hello while a listing waits for the token (${helloMs} ms)`);
    t0 = Date.now();
    let r = await c.c.request({ id: "c1", cmd: "cancel", request: "nothing" }, 5000);
    ok(r && r.result && r.result.cancelled === false && Date.now() - t0 < 1500, "slowcerts: and its requests are answered");
    const rb = await b.c.reply(30000);
    ok(rb && rb.id === "b1" && rb.result && rb.result.certificates.length > 0, "slowcerts: the waiting listing is answered");
    const ra = await a.c.reply(30000);
    ok(ra && ra.id === "s1" && ra.result && ra.result.signatures.length === 3, `slowcerts: the batch is signed (${errCode(ra)})`);
    // a dialog on the worker does not hold up a listing either
    pinAnswers(["sleep:4"]);
    a.c.send(JSON.stringify({ id: "s2", cmd: "sign", certificate: id, documents: one() }));
    await sleep(500);
    t0 = Date.now();
    r = await certs(b.c, "b2");
    ok(r && r.result && Date.now() - t0 < 2500, "slowcerts: certificates answered while a consent dialog holds the worker");
    r = await a.c.reply(30000);
    ok(r && r.id === "s2", "slowcerts: the dialog's request ends");
    for (const x of [a, b, c]) await shut(x.c);
  } else if (scenario === "dev") {
    const lo = `http://127.0.0.1:${Number(env.KYSO_HOST_PORT) + 1}`;
    clearLog();
    pinAnswers(["ok"]);
    let { c } = await open(lo);
    let r = await certs(c, 1);
    let log = pinLog();
    ok(r && r.result && log.includes("Luôn cho phép") && !log.includes("kết nối không an toàn") &&
      remembered().split("\n").includes(lo), "dev: with dev_http_loopback a loopback http page may be remembered");
    await shut(c);
    clearLog();
    pinAnswers(["ok"]);
    ({ c } = await open("http://intranet.kyso.test"));
    r = await certs(c, 1);
    log = pinLog();
    ok(r && r.result && !log.includes("Luôn cho phép") && !remembered().includes("intranet"),
      "dev: a non-loopback http page still may not");
    await shut(c);
  } else {
    ok(false, `unknown origins scenario ${scenario}`);
  }
}
