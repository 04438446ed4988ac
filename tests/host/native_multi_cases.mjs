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
//   dialog    two processes asking at once: one dialog, the other BUSY; an
//             allowed site's sign closes another process's first-use
//             prompt (SIGUSR1) and is served, never a consent/PIN dialog's
//   refusals  what counts as a refusal: a prompt never shown is none; a
//             page closing its shown prompt refuses itself, but never pushes
//             out the user's "Từ chối" nor restarts its back-off (a full
//             table, a cap per site); a prompt not answered in time is the
//             user's refusal
//   nonroot   (run by the test as uid 65534 through KYSO_NATIVE_WRAP) an
//             allowed site's sign preempts another process's first-use
//             prompt though that process's /proc/PID/exe is unreadable
//   lockfail  a dialog lock that cannot be used refuses the job (fail
//             closed); the websocket service locks the file the path names
//             now (state dir deleted and made again); SIGUSR1 to an idle
//             host is ignored
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
  // then(send): called once the request is written; send(obj) writes
  // another message on the same port (e.g. its cancel).
  const native = (message, { argv = [EXT], fake = 0, timeoutMs = 20000, spawned = null, then = null } = {}) => new Promise((resolve) => {
    const args = ["--config", env.KYSO_HOST_CONF, ...argv];
    // libfaketime is preloaded before a sanitizer build's runtime: tell ASan
    const asan = { ...process.env, ASAN_OPTIONS: [env.ASAN_OPTIONS, "verify_asan_link_order=0"].filter(Boolean).join(":") };
    // KYSO_NATIVE_WRAP: a command the host runs under (setpriv: another user)
    const wrap = (env.KYSO_NATIVE_WRAP || "").split(" ").filter(Boolean);
    const proc = fake ? spawn("faketime", ["-f", `+${fake}`, env.KYSO_HOST, ...args], { stdio: ["pipe", "pipe", "pipe"], env: asan })
      : wrap.length ? spawn(wrap[0], [...wrap.slice(1), env.KYSO_HOST, ...args], { stdio: ["pipe", "pipe", "pipe"] })
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
            const send = (msg) => {
              const b = Buffer.from(JSON.stringify(msg), "utf8"), l = Buffer.alloc(4);
              l.writeUInt32LE(b.length, 0);
              if (!proc.stdin.writableEnded) proc.stdin.write(Buffer.concat([l, b]));
            };
            send(message);
            if (then) then(send, proc);
          }
          continue;
        }
        if (m.id !== message.id) continue; // e.g. its cancel's answer
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
    ok(new RegExp(`^d ${O} \\d+ 1 u$`, "m").test(consent()), `refusal: kept in the consent file: ${consent()}`);
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
    ok(new RegExp(`^d ${O} \\d+ 2 u$`, "m").test(consent()), "refusal: the second refusal counted in the file");
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
    ok(new RegExp(`^d ${O} \\d+ 1 u$`, "m").test(consent()), "refusal: a forgotten origin's back-off starts over");
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
  } else if (scenario === "nonroot") {
    ok(/setpriv/.test(env.KYSO_NATIVE_WRAP || ""), "nonroot: the hosts run through setpriv");
    clearLog();
    pinAnswers(["sleep:8"]); // the first-use dialog stays open 8 s
    const first = native(page("https://slow.kyso-multi-nr.test"));
    ok(await dialogsShown(1), "nonroot: the first process's first-use dialog is open");
    const lock = `${env.XDG_STATE_HOME}/kyso/dialog.lock`;
    const rec = fs.readFileSync(lock, "utf8");
    const holder = Number(rec.trim().split(/ +/)[0]);
    ok(/^\d+ +p\n$/.test(rec) && fs.statSync(`/proc/${holder}`).uid !== 0,
      `nonroot: the holder (${holder}) is no root process (${fs.existsSync(`/proc/${holder}`) && fs.statSync(`/proc/${holder}`).uid})`);
    const wrap = env.KYSO_NATIVE_WRAP.split(" ");
    const rl = spawnSync(wrap[0], [...wrap.slice(1), "readlink", `/proc/${holder}/exe`], { encoding: "utf8" });
    ok(rl.status !== 0, `nonroot: (control) the same user cannot read the holder's /proc/PID/exe (${rl.status} ${rl.stderr.trim()})`);
    const t0 = Date.now();
    const r = await native(page("https://portal.kyso.test", "sign", { certificate: id, documents: one() }));
    ok(r.reply && r.reply.result && r.reply.result.signatures,
      `nonroot: an allowed site's sign in another process preempts the first-use prompt and is served (${brief(r.reply)})`);
    ok(Date.now() - t0 < 7000, `nonroot: without waiting for that prompt's answer (${Date.now() - t0} ms)`);
    ok(new RegExp(`asked kyso-host ${holder} to close its first-use prompt`).test(r.stderr), "nonroot: it asked the lock's holder");
    const f = await first;
    ok(errCode(f.reply) === "BUSY" && /closed for a request of an allowed site/.test(f.reply.error.message),
      `nonroot: the preempted page gets BUSY (${brief(f.reply)})`);
    exitsClean(f, "nonroot: the preempted process");
  } else if (scenario === "dialog") {
    clearLog();
    pinAnswers(["sleep:8"]); // the first-use dialog stays open 8 s
    let firstDone = false;
    const first = native(page("https://slow.kyso-multi.test")).then((f) => { firstDone = true; return f; });
    ok(await dialogsShown(1), "dialog: the first process's first-use dialog is open");
    let r = await native(page("https://second.kyso-multi3.test"));
    ok(errCode(r.reply) === "BUSY" && r.reply.error.message === "another request is waiting for the user" &&
      !("retryAfter" in r.reply.error), `dialog: a second process's first-use request is BUSY (${brief(r.reply)})`);
    ok(!firstDone, "dialog: at once, while the first dialog is open");
    const lock = `${env.XDG_STATE_HOME}/kyso/dialog.lock`;
    ok(/^\d+ +p\n$/.test(fs.readFileSync(lock, "utf8")), `dialog: the lock file names its holder, in a first-use prompt (${JSON.stringify(fs.readFileSync(lock, "utf8"))})`);
    // an allowed site's sign in another process closes that first-use
    // prompt (SIGUSR1 to its holder) and is served: an unknown page does
    // not lock the portal out
    const t0 = Date.now();
    r = await native(page("https://portal.kyso.test", "sign", { certificate: id, documents: one() }));
    ok(r.reply && r.reply.result && r.reply.result.signatures, `dialog: an allowed site's sign in another process preempts the first-use prompt and is served (${brief(r.reply)})`);
    ok(Date.now() - t0 < 7000, `dialog: without waiting for that prompt's answer (${Date.now() - t0} ms)`);
    const f = await first;
    ok(errCode(f.reply) === "BUSY" && /closed for a request of an allowed site/.test(f.reply.error.message),
      `dialog: the preempted page gets BUSY (${brief(f.reply)})`);
    exitsClean(f, "dialog: the preempted process");
    ok(/first-use prompt closed for another kyso-host's allowed site/.test(f.stderr), "dialog: and says why");
    ok(!/^d https:\/\/slow\.kyso-multi\.test /m.test(consent()) && !/^p https:\/\/kyso-multi\.test /m.test(consent()),
      `dialog: the preempted prompt is no refusal and counts for no quota: ${consent()}`);
    ok(prompts(pinLog()) === 2, `dialog: dialogs: the first-use one, then the sign's consent (${prompts(pinLog())})`);
    // a consent/PIN dialog is never preempted: another allowed sign is BUSY
    clearLog();
    pinAnswers(["sleep:3"]);
    const signing = native(page("https://portal.kyso.test", "sign", { certificate: id, documents: one() }));
    ok(await dialogsShown(1), "dialog: an allowed site's consent dialog is open");
    ok(/^\d+ +j\n$/.test(fs.readFileSync(lock, "utf8")), "dialog: its record says it is no first-use prompt");
    const t1 = Date.now();
    r = await native(page("https://portal.kyso.test", "sign", { certificate: id, documents: one() }));
    ok(errCode(r.reply) === "BUSY" && Date.now() - t1 < 2500, `dialog: so is an allowed site's sign (consent dialog) in another process, at once (${errCode(r.reply)}, ${Date.now() - t1} ms)`);
    const c = await WsConn.open("https://portal.kyso.test");
    await c.next(3000);
    const w = await c.request({ id: 1, cmd: "sign", certificate: id, documents: one() });
    ok(errCode(w) === "BUSY", `dialog: and the websocket's (${errCode(w)})`);
    const cw = await c.request({ id: 2, cmd: "certificates" });
    ok(cw && cw.result, "dialog: an allowed site's certificates (no dialog) is served meanwhile");
    c.close();
    const sg = await signing;
    ok(sg.reply && sg.reply.result, `dialog: the signing request is answered (${errCode(sg.reply)})`);
    clearLog();
    pinAnswers(["notok"]);
    r = await native(page("https://second.kyso-multi3.test"));
    ok(r.reply && r.reply.result && prompts(pinLog()) === 1, `dialog: once it is closed the next process may ask (${errCode(r.reply)})`);
    // a process killed with its dialog open leaves no lock behind
    pinAnswers(["sleep:3"]);
    let victim = null;
    const killed = native(page("https://killed.kyso-multi4.test"), { spawned: (p) => { victim = p; } });
    ok(await dialogsShown(2), "dialog: another dialog is open");
    victim.kill("SIGKILL");
    const k = await killed;
    ok(k.status === "SIGKILL", "dialog: its process killed mid-dialog (its pinentry lives on)");
    await sleep(300);
    pinAnswers(["notok"]);
    r = await native(page("https://after.kyso-multi5.test"));
    ok(r.reply && r.reply.result, `dialog: the next process is not BUSY (${errCode(r.reply)})`);
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
    ok(/^d https:\/\/garbled\.kyso-multi\.test \d+ 1 u$/m.test(consent()) && !/nonsense/.test(consent()),
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
    fs.writeFileSync(consentFile, `o https://far.kyso-multi.test ${later}\nd https://far-deny.kyso-multi.test ${later} 3 u\n`, { mode: 0o600 });
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
  } else if (scenario === "refusals") {
    const esc = (o) => o.replace(/[.]/g, "\\.");
    const dLine = (o) => consent().match(new RegExp(`^d ${esc(o)} (\\d+) (\\d+) ([up])$`, "m"));
    const dCount = () => (consent().match(/^d /gm) || []).length;
    // the page closes its port once the user was shown its first-use prompt
    const closedAfterShown = async (o) => {
      clearLog();
      pinAnswers(["sleep:8"]);
      let proc = null;
      const pending = native(page(o), { spawned: (p) => { proc = p; } });
      const shown = await dialogsShown(1);
      proc.stdin.end();
      const r = await pending;
      // (no reply: the port is closed)
      ok(shown && (r.reply === null || errCode(r.reply) === "USER_CANCELLED") && r.status === 0,
        `refusals: ${o} closes its shown prompt (${errCode(r.reply)}, ${r.status})`);
      return r;
    };
    // 1. a prompt never shown is no refusal: a request and its cancel at once
    clearLog();
    pinAnswers(Array(6).fill("cancel"));
    for (let i = 0; i < 6; i++) {
      const o = `https://x${i}.throw.kyso-multi7.test`;
      await native(page(o), { then: (send) => send({ id: "c", cmd: "cancel", request: 1, origin: o }) });
    }
    const shownN = prompts(pinLog());
    const throwN = (consent().match(/^d https:\/\/x\d\.throw\.kyso-multi7\.test /gm) || []).length;
    ok(shownN < 6 && throwN <= shownN,
      `refusals: a cancelled prompt never shown refuses nothing (${throwN} refusals kept, ${shownN} of 6 dialogs shown)`);
    // 2. the user's refusal (back-off count 3) in a full table of the pages'
    // own, all silenced longer: a page's new refusal pushes out a page's
    const E = "https://evil.kyso-multi6.test";
    const w0 = wall();
    let text = `d ${E} ${w0 + 600} 3 u\n`;
    for (let i = 0; i < 255; i++) text += `d https://f${i}.fill${i}.kyso-multi8.test ${w0 + 1200 + i} 1 p\n`;
    fs.writeFileSync(consentFile, text, { mode: 0o600 });
    await closedAfterShown("https://new.kyso-multi9.test");
    let e = dLine(E), n = dLine("https://new.kyso-multi9.test");
    ok(e && e[2] === "3" && e[3] === "u", `refusals: the user's refusal stays, its back-off count 3 (${e && e[0]})`);
    ok(n && n[2] === "1" && n[3] === "p", `refusals: the page's own refusal is kept as such (${n && n[0]})`);
    ok(dCount() === 256 && !dLine("https://f0.fill0.kyso-multi8.test"), `refusals: a page's refusal made room (${dCount()} kept)`);
    let r = await native(page(E));
    ok(errCode(r.reply) === "ORIGIN_DENIED" && /not asked again/.test(r.reply.error.message), `refusals: ${E} is still silenced (${brief(r.reply)})`);
    // 3. a table of the user's refusals only: a page's refusal is not kept
    text = `d ${E} ${w0 + 600} 3 u\n`;
    for (let i = 0; i < 255; i++) text += `d https://u${i}.user${i}.kyso-multi8.test ${w0 + 1200 + i} 1 u\n`;
    fs.writeFileSync(consentFile, text, { mode: 0o600 });
    r = await closedAfterShown("https://new2.kyso-multi9.test");
    e = dLine(E);
    ok(e && e[2] === "3" && !dLine("https://new2.kyso-multi9.test") && dCount() === 256,
      `refusals: only the user's are kept: the page's is the one dropped (${e && e[0]})`);
    ok(/not kept/.test(r.stderr), "refusals: and the host says so");
    // 4. at most 8 of a site's own refusals: its oldest makes room
    text = `d ${E} ${w0 + 600} 3 u\n`;
    for (let i = 0; i < 8; i++) text += `d https://a${i}.cap.kyso-multi10.test ${w0 + 100 + i} 1 p\n`;
    fs.writeFileSync(consentFile, text, { mode: 0o600 });
    await closedAfterShown("https://z.cap.kyso-multi10.test");
    ok((consent().match(/^d https:\/\/\w+\.cap\.kyso-multi10\.test /gm) || []).length === 8 &&
      dLine("https://z.cap.kyso-multi10.test") && !dLine("https://a0.cap.kyso-multi10.test") && dLine(E),
      `refusals: a site keeps at most 8 refusals of its own: ${consent()}`);
    // 5. a first-use prompt not answered in time is the user's refusal
    const T = "https://away.kyso-multi11.test";
    clearLog();
    pinAnswers(["timeout"]);
    r = await native(page(T));
    ok(errCode(r.reply) === "USER_TIMEOUT" && prompts(pinLog()) === 1, `refusals: the user does not answer ${T} (${errCode(r.reply)})`);
    const t = dLine(T);
    ok(t && t[2] === "1" && t[3] === "u" && Number(t[1]) > wall() + DENY_BACKOFF_FIRST_S - 30,
      `refusals: a prompt that timed out is the user's refusal, with the back-off (${t && t[0]})`);
    r = await native(page(T));
    ok(errCode(r.reply) === "ORIGIN_DENIED" && prompts(pinLog()) === 1, `refusals: no dialog for it meanwhile (${errCode(r.reply)})`);
  } else if (scenario === "lockfail") {
    const dir = `${env.XDG_STATE_HOME}/kyso`, lock = `${dir}/dialog.lock`;
    const sign = () => page("https://portal.kyso.test", "sign", { certificate: id, documents: one() });
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const makers = [
      ["a FIFO", () => spawnSync("mkfifo", ["-m", "600", lock])],
      ["a directory", () => fs.mkdirSync(lock, { mode: 0o700 })],
      ["a symlink", () => { fs.writeFileSync(`${env.TEST_TMP}/lock-target`, ""); fs.symlinkSync(`${env.TEST_TMP}/lock-target`, lock); }],
    ];
    for (const [what, make] of makers) {
      fs.rmSync(lock, { recursive: true, force: true });
      make();
      clearLog();
      let r = await native(sign());
      ok(errCode(r.reply) === "NATIVE_FATAL" && r.reply.error.message === "cannot take the dialog lock" && pinLog() === "",
        `lockfail: dialog.lock ${what}: an allowed site's sign is refused, no dialog (${brief(r.reply)})`);
      ok(/cannot take the dialog lock/.test(r.stderr), "lockfail: the host says why");
      r = await native(page("https://new.kyso-multi12.test"));
      ok(errCode(r.reply) === "NATIVE_FATAL" && pinLog() === "", `lockfail: dialog.lock ${what}: so is a first-use prompt (${errCode(r.reply)})`);
    }
    fs.rmSync(lock, { recursive: true, force: true });
    // the websocket service keeps its lock file open: with the state dir
    // deleted and made again it locks the file the path names now
    const c = await WsConn.open("https://portal.kyso.test");
    await c.next(3000);
    clearLog();
    let w = await c.request({ id: 1, cmd: "sign", certificate: id, documents: one() });
    ok(w && w.result, `lockfail: the websocket signs (${errCode(w)})`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { mode: 0o700 });
    pinAnswers(["sleep:4"]);
    const signing = native(sign());
    ok(await dialogsShown(2), "lockfail: another process's consent dialog is open, on the new lock file");
    w = await c.request({ id: 2, cmd: "sign", certificate: id, documents: one() });
    ok(errCode(w) === "BUSY" && prompts(pinLog()) === 2, `lockfail: the websocket's sign is BUSY, not a second dialog (${errCode(w)})`);
    const sg = await signing;
    ok(sg.reply && sg.reply.result, `lockfail: the other process signs (${errCode(sg.reply)})`);
    c.close();
    // SIGUSR1 to a host with no first-use prompt is ignored
    process.kill(Number(env.KYSO_WS_PID), "SIGUSR1");
    await sleep(300);
    const c2 = await WsConn.open("https://portal.kyso.test");
    const hello = await c2.next(3000);
    const cw = hello && hello.version ? await c2.request({ id: 1, cmd: "certificates" }) : null;
    ok(cw && cw.result, "lockfail: the websocket service ignores a SIGUSR1 with no first-use prompt open");
    c2.close();
  } else {
    ok(false, `unknown scenario ${scenario}`);
  }
}
