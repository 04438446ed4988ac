// native_multi_cases.mjs - the consent rules when the extension opens one
// native-messaging port, so one kyso-host process, per request (issue 14).
// Every request here is a kyso-host process of its own, started as the
// browser starts it, beside a websocket service on the same state dir;
// the scripted pinentry's log is what the user saw. Run by
// native_multi_test.sh as `node host_client.mjs multi SCENARIO`.
//
//   refusal   "Từ chối" in one process silences the origin in the next one
//             and on the websocket; the back-off grows across processes
//             (faketime); the extension's forget-origin and
//             `kyso-host --forget-origin` drop it from the consent file
//   quota     first-use prompts of one site counted across processes
//   once      native "Chỉ lần này": https holds in the next process, not on
//             the websocket, and ends (faketime); http covers its request
//   dialog    two processes asking at once: one dialog, the other BUSY
//   files     garbled, oversized, symlinked, out-of-range consent files
//   extension the extension's own requests (argv chrome-extension://ID/,
//             Firefox's manifest + add-on id): certificates, origins,
//             revocation without a dialog; sign / timestamp refused
import fs from "node:fs";
import crypto from "node:crypto";
import { spawn, spawnSync } from "node:child_process";
import { attrsDigest, fingerprintOf } from "../lib/vcode.mjs";

const env = process.env;
const sleep = (ms) => new Promise((res) => setTimeout(res, ms));
const brief = (m) => JSON.stringify(m).slice(0, 240);
const prompts = (log) => (log.match(/^CONFIRM/gm) || []).length;
// The extension's ID (extension/key/chromium-id.txt); not in host.conf.
const EXT = "chrome-extension://knlmekdlhgpnkpflicepkioblefgfcac/";
// Named limits of native-host/src/host_origins.h.
const PROMPT_SITE_MAX = 3;
const DENY_BACKOFF_FIRST_S = 5 * 60;
const DENY_BACKOFF_MAX_S = 24 * 60 * 60;
const ONCE_NATIVE_S = 5 * 60;

export async function multi(h, scenario) {
  const { ok, WsConn, pinAnswers, pinLog, clearLog, prepare, errCode, pemDer } = h;
  const cert = `${env.PKI_DIR}/person-rsa2048.pem`;
  const id = crypto.createHash("sha256").update(pemDer(cert)).digest("hex");
  const pdf = `${env.FX}/minimal.pdf`;
  const one = () => {
    const attrs = prepare(cert, pdf);
    return [{ signedAttributes: attrs.toString("base64"), name: "a.pdf", fingerprint: fingerprintOf(attrsDigest(attrs)) }];
  };
  const consentFile = `${env.XDG_STATE_HOME}/kyso/consent`;
  const consent = () => (fs.existsSync(consentFile) ? fs.readFileSync(consentFile, "utf8") : "");
  const wall = () => Math.floor(Date.now() / 1000);

  // One request as the extension sends it: a kyso-host of its own, started
  // with the extension's argv (Chrome: chrome-extension://ID/), closed after
  // the reply. {hello, reply, status}. fake: faketime's offset in seconds.
  const native = (message, { argv = [EXT], fake = 0, timeoutMs = 20000, spawned = null } = {}) => new Promise((resolve) => {
    const args = ["--config", env.KYSO_HOST_CONF, ...argv];
    // libfaketime is preloaded before a sanitizer build's runtime: tell ASan
    const asan = { ...process.env, ASAN_OPTIONS: [env.ASAN_OPTIONS, "verify_asan_link_order=0"].filter(Boolean).join(":") };
    const proc = fake ? spawn("faketime", ["-f", `+${fake}`, env.KYSO_HOST, ...args], { stdio: ["pipe", "pipe", "pipe"], env: asan })
      : spawn(env.KYSO_HOST, args, { stdio: ["pipe", "pipe", "pipe"] });
    const out = { hello: null, reply: null, status: null, stderr: "" };
    if (spawned) spawned(proc);
    let buf = Buffer.alloc(0), sent = false;
    const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
    proc.stderr.on("data", (d) => { out.stderr += d; fs.appendFileSync(`${env.TEST_TMP}/natives.log`, d); });
    proc.stdout.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32LE(0)) {
        const n = buf.readUInt32LE(0);
        const m = JSON.parse(buf.subarray(4, 4 + n).toString("utf8"));
        buf = buf.subarray(4 + n);
        if (!("id" in m)) { // a hello: the first one, then the request
          if (!out.hello) out.hello = m;
          if (!sent) {
            sent = true;
            const b = Buffer.from(JSON.stringify(message), "utf8"), l = Buffer.alloc(4);
            l.writeUInt32LE(b.length, 0);
            proc.stdin.write(Buffer.concat([l, b]));
          }
          continue;
        }
        out.reply = m;
        proc.stdin.end(); // the extension closes the port after the reply
      }
    });
    proc.on("exit", (code, signal) => { clearTimeout(timer); out.status = signal || code; resolve(out); });
  });
  // Waits (up to 15 s) until the pinentry log shows n dialogs.
  const dialogsShown = async (n) => {
    for (let i = 0; i < 300 && prompts(pinLog()) < n; i++) await sleep(50);
    return prompts(pinLog()) >= n;
  };
  const page = (origin, cmd = "certificates", extra = {}) => ({ id: 1, cmd, origin, ...extra });
  const exitsClean = (r, what) => ok(r.status === 0, `${what}: the process exits cleanly (${r.status})`);
  const listed = async (origin) => {
    const r = await native({ id: "o", cmd: "origins" });
    const list = (r.reply && r.reply.result && r.reply.result.origins) || [];
    return list.find((x) => x.origin === origin && x.source === "user" && x.state === "denied");
  };

  if (scenario === "refusal") {
    // two sites: the steps below show more dialogs than one site may within
    // a minute (HOST_PROMPT_SITE_MAX)
    const O = "https://refuse.kyso-multi-r1.test";
    clearLog();
    pinAnswers(["cancel"]); // "Từ chối"
    let r = await native(page(O));
    ok(errCode(r.reply) === "ORIGIN_DENIED" && prompts(pinLog()) === 1, `refusal: the user refuses ${O} (${errCode(r.reply)})`);
    exitsClean(r, "refusal");
    ok(new RegExp(`^d ${O} \\d+ 1$`, "m").test(consent()), `refusal: kept in the consent file: ${consent()}`);
    ok((fs.statSync(consentFile).mode & 0o777) === 0o600, "refusal: the consent file is 0600");
    r = await native(page(O));
    ok(errCode(r.reply) === "ORIGIN_DENIED" && /not asked again/.test(r.reply.error.message) && prompts(pinLog()) === 1,
      `refusal: a second process answers ORIGIN_DENIED without a dialog (${brief(r.reply)})`);
    r = await native(page(O, "sign", { certificate: id, documents: one() }));
    ok(errCode(r.reply) === "ORIGIN_DENIED" && prompts(pinLog()) === 1, "refusal: so does a third one's sign");
    // the websocket service shares it
    let c = await WsConn.open(O);
    let hello = await c.next(3000);
    ok(hello && hello.hello === "kyso", "refusal: the websocket lets the refused origin connect (version-less hello)");
    let w = await c.request({ id: 1, cmd: "certificates" });
    ok(errCode(w) === "ORIGIN_DENIED" && prompts(pinLog()) === 1, `refusal: and silences it too (${errCode(w)})`);
    c.close();
    // and the other way round: a refusal on the websocket silences native
    const W = "https://ws.kyso-multi-r2.test";
    pinAnswers(["cancel"]);
    c = await WsConn.open(W);
    await c.next(3000);
    w = await c.request({ id: 1, cmd: "certificates" });
    ok(errCode(w) === "ORIGIN_DENIED" && prompts(pinLog()) === 2, "refusal: the user refuses a page on the websocket");
    c.close();
    r = await native(page(W));
    ok(errCode(r.reply) === "ORIGIN_DENIED" && prompts(pinLog()) === 2,
      `refusal: a native process then answers ORIGIN_DENIED without a dialog (${errCode(r.reply)})`);
    // the back-off grows across processes: past the first back-off (a clock
    // 6 minutes on), the origin is asked again and refused again: twice as long
    let d = await listed(O);
    ok(d && d.retryAfter > DENY_BACKOFF_FIRST_S - 30 && d.retryAfter <= DENY_BACKOFF_FIRST_S,
      `refusal: the extension's origins lists it, about ${DENY_BACKOFF_FIRST_S} s left (${brief(d)})`);
    pinAnswers(["cancel"]);
    r = await native(page(O), { fake: 360 });
    ok(errCode(r.reply) === "ORIGIN_DENIED" && prompts(pinLog()) === 3,
      `refusal: once the back-off is over (another process, clock +6 min) it is asked again, refused again (${prompts(pinLog())} dialogs)`);
    ok(new RegExp(`^d ${O} \\d+ 2$`, "m").test(consent()), "refusal: the second refusal counted in the file");
    d = await listed(O);
    // until = (now + 360) + 2 * 300: seen from the real clock, 960 s left
    ok(d && d.retryAfter > 2 * DENY_BACKOFF_FIRST_S + 360 - 30 && d.retryAfter <= 2 * DENY_BACKOFF_FIRST_S + 360,
      `refusal: the back-off doubled across processes (${brief(d)})`);
    // the extension's forget-origin drops it for every process
    r = await native({ id: "f", cmd: "forget-origin", site: O });
    ok(r.reply && r.reply.result && r.reply.result.forgotten === true, `refusal: the extension forgets the refusal (${brief(r.reply)})`);
    ok(!consent().includes(`d ${O} `), "refusal: gone from the consent file");
    clearLog();
    pinAnswers(["cancel"]);
    c = await WsConn.open(O);
    await c.next(3000);
    w = await c.request({ id: 1, cmd: "certificates" });
    ok(errCode(w) === "ORIGIN_DENIED" && prompts(pinLog()) === 1, "refusal: the websocket asks about it again (refused again)");
    c.close();
    ok(new RegExp(`^d ${O} \\d+ 1$`, "m").test(consent()), "refusal: a forgotten origin's back-off starts over");
    // kyso-host --origins lists the websocket's refusal; --forget-origin
    // from a shell drops it for every process
    const list = spawnSync(env.KYSO_HOST, ["--config", env.KYSO_HOST_CONF, "--origins"], { encoding: "utf8" });
    ok(new RegExp(`denied +refused +${W} \\(\\d+ s\\)`).test(list.stdout), `refusal: kyso-host --origins lists a refusal with its time left: ${list.stdout}`);
    const cli = spawnSync(env.KYSO_HOST, ["--config", env.KYSO_HOST_CONF, "--forget-origin", W], { encoding: "utf8" });
    ok(cli.status === 0 && /forgotten/.test(cli.stdout), `refusal: kyso-host --forget-origin drops a refusal (${cli.status} ${cli.stdout}${cli.stderr})`);
    ok(!consent().includes(`d ${W} `), "refusal: gone from the file");
    clearLog();
    pinAnswers(["notok"]);
    r = await native(page(W));
    ok(r.reply && r.reply.result && prompts(pinLog()) === 1, "refusal: the next process asks again (and is allowed once)");
  } else if (scenario === "quota") {
    clearLog();
    pinAnswers(["notok", "notok", "notok", "notok"]);
    const replies = [];
    for (const sub of ["a", "b", "c", "d"])
      replies.push((await native(page(`https://${sub}.quota.kyso-multi.test`))).reply);
    ok(replies.slice(0, PROMPT_SITE_MAX).every((m) => m && m.result) && prompts(pinLog()) === PROMPT_SITE_MAX,
      `quota: ${PROMPT_SITE_MAX} first-use dialogs for one site, each from a process of its own (${prompts(pinLog())})`);
    const last = replies[PROMPT_SITE_MAX];
    ok(errCode(last) === "BUSY" && last.error.retryAfter > 0 && last.error.retryAfter <= 60 &&
      /too many first-use dialogs for this site/.test(last.error.message),
      `quota: the next process's is BUSY with retryAfter, not a fresh quota (${brief(last)})`);
    ok(prompts(pinLog()) === PROMPT_SITE_MAX, "quota: no dialog shown for it");
    // the websocket counts the same prompts
    const c = await WsConn.open("https://e.quota.kyso-multi.test");
    await c.next(3000);
    const w = await c.request({ id: 1, cmd: "certificates" });
    ok(errCode(w) === "BUSY" && w.error.retryAfter > 0 && prompts(pinLog()) === PROMPT_SITE_MAX,
      `quota: so is the websocket's for that site (${brief(w)})`);
    c.close();
    ok((consent().match(/^p https:\/\/kyso-multi\.test \d+ g \d+ -?\d+$/gm) || []).length === PROMPT_SITE_MAX,
      `quota: the file holds the prompts taken: ${consent()}`);
    // another site still gets its dialog
    pinAnswers(["notok"]);
    const other = await native(page("https://quota.kyso-multi2.test"));
    ok(other.reply && other.reply.result && prompts(pinLog()) === PROMPT_SITE_MAX + 1, "quota: another site is still asked");
  } else if (scenario === "once") {
    const O = "https://once.kyso-multi.test";
    clearLog();
    pinAnswers(["notok"]); // "Chỉ lần này"
    let r = await native(page(O));
    ok(r.reply && r.reply.result && prompts(pinLog()) === 1, `once: the user allows ${O} once (${errCode(r.reply)})`);
    const m = consent().match(new RegExp(`^o ${O} (\\d+)$`, "m"));
    ok(m && Number(m[1]) > wall() + ONCE_NATIVE_S - 30 && Number(m[1]) <= wall() + ONCE_NATIVE_S + 1,
      `once: kept ${ONCE_NATIVE_S} s in the consent file (${m && m[0]})`);
    r = await native(page(O, "sign", { certificate: id, documents: one() }));
    ok(r.reply && r.reply.result && prompts(pinLog()) === 2,
      `once: a second process signs for it with no first-use dialog, only the consent dialog (${errCode(r.reply)}, ${prompts(pinLog())})`);
    const c = await WsConn.open(O);
    const hello = await c.next(3000);
    ok(hello && hello.hello === "kyso" && !("version" in hello),
      "once: the websocket does not take a native \"Chỉ lần này\" (its connection is a page of its own)");
    c.close();
    pinAnswers(["notok"]);
    r = await native(page(O), { fake: ONCE_NATIVE_S + 60 });
    ok(r.reply && r.reply.result && prompts(pinLog()) === 3,
      `once: after ${ONCE_NATIVE_S} s (clock +6 min) another process asks again (${prompts(pinLog())} dialogs)`);
    // http: only the request that asked
    const H = "http://intranet.kyso-multi.test";
    clearLog();
    pinAnswers(["ok"]); // http: the OK button is "Chỉ lần này"
    r = await native(page(H));
    ok(r.reply && r.reply.result && prompts(pinLog()) === 1, "once http: the request that asked is served");
    ok(!consent().includes(H), "once http: nothing kept in the consent file");
    pinAnswers(["cancel"]);
    r = await native(page(H));
    ok(errCode(r.reply) === "ORIGIN_DENIED" && prompts(pinLog()) === 2, "once http: the next process asks again (refused)");
  } else if (scenario === "dialog") {
    clearLog();
    pinAnswers(["sleep:4", "notok"]); // the first dialog stays open 4 s
    let firstDone = false;
    const first = native(page("https://slow.kyso-multi.test")).then((f) => { firstDone = true; return f; });
    ok(await dialogsShown(1), "dialog: the first process's dialog is open");
    let r = await native(page("https://second.kyso-multi3.test"));
    ok(errCode(r.reply) === "BUSY" && r.reply.error.message === "another request is waiting for the user" &&
      !("retryAfter" in r.reply.error), `dialog: a second process's first-use request is BUSY (${brief(r.reply)})`);
    ok(!firstDone, "dialog: at once, while the first dialog is open");
    r = await native(page("https://portal.kyso.test", "sign", { certificate: id, documents: one() }));
    ok(errCode(r.reply) === "BUSY", `dialog: so is an allowed site's sign (consent dialog) in another process (${errCode(r.reply)})`);
    const c = await WsConn.open("https://portal.kyso.test");
    await c.next(3000);
    const w = await c.request({ id: 1, cmd: "sign", certificate: id, documents: one() });
    ok(errCode(w) === "BUSY", `dialog: and the websocket's (${errCode(w)})`);
    const cw = await c.request({ id: 2, cmd: "certificates" });
    ok(cw && cw.result, "dialog: an allowed site's certificates (no dialog) is served meanwhile");
    c.close();
    const f = await first;
    ok(f.reply && f.reply.result, `dialog: the first request is answered (${errCode(f.reply)})`);
    ok(prompts(pinLog()) === 1, `dialog: one dialog was shown, not several (${prompts(pinLog())})`);
    r = await native(page("https://second.kyso-multi3.test"));
    ok(r.reply && r.reply.result && prompts(pinLog()) === 2, `dialog: once it is closed the next process may ask (${errCode(r.reply)})`);
    // a process killed with its dialog open leaves no lock behind
    pinAnswers(["sleep:3"]);
    let victim = null;
    const killed = native(page("https://killed.kyso-multi4.test"), { spawned: (p) => { victim = p; } });
    ok(await dialogsShown(3), "dialog: a third dialog is open");
    victim.kill("SIGKILL");
    const k = await killed;
    ok(k.status === "SIGKILL", "dialog: its process killed mid-dialog (its pinentry lives on)");
    await sleep(300);
    pinAnswers(["notok"]);
    r = await native(page("https://after.kyso-multi5.test"));
    ok(r.reply && r.reply.result, `dialog: the next process is not BUSY (${errCode(r.reply)})`);
    const lock = `${env.XDG_STATE_HOME}/kyso/dialog.lock`;
    ok(fs.existsSync(lock) && (fs.statSync(lock).mode & 0o777) === 0o600, "dialog: the lock file is $XDG_STATE_HOME/kyso/dialog.lock, 0600");
  } else if (scenario === "files") {
    const later = wall() + 3 * 24 * 3600;
    const ask = async (O, what) => {
      clearLog();
      pinAnswers(["cancel"]);
      const r = await native(page(O));
      ok(errCode(r.reply) === "ORIGIN_DENIED" && prompts(pinLog()) === 1, `files: ${what}: grants nothing, ${O} is asked (${errCode(r.reply)})`);
      exitsClean(r, `files: ${what}`);
      return r;
    };
    // garbled: a grant next to a line that is not an entry
    fs.mkdirSync(`${env.XDG_STATE_HOME}/kyso`, { recursive: true, mode: 0o700 });
    fs.writeFileSync(consentFile, `o https://garbled.kyso-multi.test ${later}\nd https://x.test nonsense 1\n`, { mode: 0o600 });
    let r = await ask("https://garbled.kyso-multi.test", "a garbled file");
    ok(/garbled/.test(r.stderr), `files: the host says the file was garbled: ${r.stderr.trim()}`);
    ok(/^d https:\/\/garbled\.kyso-multi\.test \d+ 1$/m.test(consent()) && !/nonsense/.test(consent()),
      "files: the next answer rewrites the file whole");
    // binary junk
    fs.writeFileSync(consentFile, crypto.randomBytes(4096));
    await ask("https://junk.kyso-multi.test", "random bytes");
    // oversized: a valid grant, then padding past HOST_CONSENT_FILE_MAX
    fs.writeFileSync(consentFile, `o https://big.kyso-multi.test ${later}\n` + ("#" + "x".repeat(1000) + "\n").repeat(400));
    r = await ask("https://big.kyso-multi.test", "an oversized file");
    ok(/larger than/.test(r.stderr), "files: the host says it is too large");
    // an http grant is no grant
    fs.writeFileSync(consentFile, `o http://plain.kyso-multi.test ${later}\n`);
    await ask("http://plain.kyso-multi.test", "an http \"Chỉ lần này\" in the file");
    // a symlink is not followed, neither read nor written through
    const target = `${env.TEST_TMP}/elsewhere-consent`;
    const planted = `o https://planted.kyso-multi.test ${later}\n`;
    fs.writeFileSync(target, planted);
    fs.rmSync(consentFile, { force: true });
    fs.symlinkSync(target, consentFile);
    r = await ask("https://planted.kyso-multi.test", "a symlink");
    ok(/symbolic link/.test(r.stderr), "files: the host says it is a symbolic link");
    ok(fs.readFileSync(target, "utf8") === planted, "files: the symlink's target is not written");
    ok(!fs.lstatSync(consentFile).isSymbolicLink(), "files: the link is replaced by a file of the host's");
    // a valid grant far in the future holds at most HOST_ONCE_NATIVE_S, a
    // refusal at most HOST_DENY_BACKOFF_MAX_S (a clock set back)
    fs.writeFileSync(consentFile, `o https://far.kyso-multi.test ${later}\nd https://far-deny.kyso-multi.test ${later} 3\n`, { mode: 0o600 });
    clearLog();
    r = await native(page("https://far.kyso-multi.test"));
    ok(r.reply && r.reply.result && prompts(pinLog()) === 0, `files: a well-formed grant holds (${errCode(r.reply)})`);
    pinAnswers(["notok"]);
    r = await native(page("https://far.kyso-multi.test"), { fake: ONCE_NATIVE_S + 60 });
    ok(r.reply && r.reply.result && prompts(pinLog()) === 1, "files: but no longer than its cap from now (asked again 6 min later)");
    const d = await listed("https://far-deny.kyso-multi.test");
    ok(d && d.retryAfter <= DENY_BACKOFF_MAX_S && d.retryAfter > DENY_BACKOFF_MAX_S - 60,
      `files: a refusal until 3 days on is cut to ${DENY_BACKOFF_MAX_S} s (${brief(d)})`);
    // and the websocket service, reading the same files, is still up
    const c = await WsConn.open("https://portal.kyso.test");
    const hello = await c.next(3000);
    ok(hello && hello.version, "files: the websocket service survived every file");
    c.close();
  } else if (scenario === "extension") {
    clearLog();
    let r = await native({ id: 1, cmd: "certificates" });
    ok(r.hello && r.hello.version === "1.0", `extension: the extension (not in host.conf) gets the full hello (${brief(r.hello)})`);
    const person = pemDer(cert);
    ok(r.reply && r.reply.result && r.reply.result.certificates.some((x) => Buffer.from(x.certificate, "base64").equals(person)) &&
      !("origin" in r.reply), "extension: certificates without origin lists the token's certificate");
    r = await native({ id: 2, cmd: "origins" });
    ok(r.reply && r.reply.result && Array.isArray(r.reply.result.origins) &&
      r.reply.result.origins.some((x) => x.origin === "https://portal.kyso.test"), "extension: origins is served");
    r = await native({ id: 3, cmd: "forget-origin", site: "https://nothing.kyso-multi.test" });
    ok(r.reply && r.reply.result && r.reply.result.forgotten === false, "extension: forget-origin is served");
    r = await native({ id: 4, cmd: "revocation", certificate: "AAAA" });
    ok(errCode(r.reply) === "INVALID_ARGUMENT", `extension: revocation is served (its arguments checked, no dialog: ${errCode(r.reply)})`);
    r = await native({ id: 5, cmd: "sign", certificate: id, documents: one() });
    ok(errCode(r.reply) === "ORIGIN_DENIED" && /never for itself/.test(r.reply.error.message),
      `extension: sign without a page origin is ORIGIN_DENIED (${brief(r.reply)})`);
    r = await native({ id: 6, cmd: "timestamp", pdf: "AAAA" });
    ok(errCode(r.reply) === "ORIGIN_DENIED", `extension: so is timestamp (${errCode(r.reply)})`);
    // Firefox: manifest path and add-on id
    r = await native({ id: 7, cmd: "certificates" }, { argv: [`${env.TEST_TMP}/vn.kyso.host.json`, "kyso@kyso.vn"] });
    ok(r.reply && r.reply.result, `extension: Firefox's argv, certificates served (${errCode(r.reply)})`);
    r = await native({ id: 8, cmd: "sign", certificate: id, documents: one() }, { argv: [`${env.TEST_TMP}/vn.kyso.host.json`, "kyso@kyso.vn"] });
    ok(errCode(r.reply) === "ORIGIN_DENIED", "extension: Firefox's, sign without origin refused");
    ok(pinLog() === "", `extension: no pinentry was started at all (${pinLog().slice(0, 120)})`);
    // a page's requests over the extension still ask; a web origin's
    // connection (tests' --origin) behaves as before
    pinAnswers(["cancel"]);
    r = await native(page("https://ext-page.kyso-multi.test"));
    ok(errCode(r.reply) === "ORIGIN_DENIED" && prompts(pinLog()) === 1, "extension: a page's request still gets its first-use dialog");
    clearLog();
    pinAnswers(["cancel"]);
    r = await native({ id: 9, cmd: "certificates" }, { argv: ["--native-messaging", "--origin", "https://web.kyso-multi.test"] });
    ok(errCode(r.reply) === "ORIGIN_DENIED" && prompts(pinLog()) === 1,
      "extension: a web origin's connection without origin is asked as before (not the extension)");
  } else {
    ok(false, `unknown scenario ${scenario}`);
  }
}
