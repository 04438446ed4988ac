// kyso.js - sign PDFs from a web page with the user's USB token: the PDF is
// prepared and finished in the browser (the kyso WASM module, nothing is
// uploaded) and only the CMS SignedAttributes go to kyso-host on this
// computer, which asks the user's consent and PIN and signs with the token.
// See web/README.md for a copy-paste example and every error code.
//
//   import * as Kyso from './kyso.js';
//   const kyso = await Kyso.connect();
//   const certs = await kyso.certificates();            // signers, not CAs
//   // The leader (Decree 30 "personal"): the signature image, and where
//   // the clerk will stamp the number and the date.
//   const approved = await kyso.signPdf(pdfBytes, {
//     certificate: certs[0].id, profile: 'personal', image: pngBytes, page: 1,
//     rect: [x, y, w, h], numberRect: [...], dateRect: [...], reason: 'Phê duyệt' });
//   // The clerk at issuance: the seal over the left third of the leader's
//   // signature (found automatically), the number and the date filled in.
//   const issued = await kyso.signPdf(approved, {
//     certificate: clerkCert, profile: 'organization', image: sealPng,
//     docNumber: '123/QĐ-UBND', issueDate: 'Tiền Giang, ngày 11 tháng 12 năm 2024' });
//   const many = await kyso.signPdfs([{ pdf, name }, ...], { certificate, ... });
//   // Each document's verification code ("mã kiểm tra", "042 917"), before
//   // kyso-host's dialog opens: show it beside the document; the user
//   // compares it with the code in the dialog. Two or more documents also
//   // have a batch code (mã kiểm tra của lô) over all of them: show it
//   // first and largest, the dialog always shows it.
//   await kyso.signPdf(pdf, { certificate, name,
//     onVerificationCodes: (codes) => show(codes[0].code) });
//   await kyso.signPdfs(docs, { certificate,
//     onVerificationCodes: (codes, batchCode) => showBatch(batchCode, codes) });
//
// Rectangles are [x, y, width, height] in points of the page as a person
// sees it (origin bottom left of the visible page, after /Rotate);
// visibleRect() converts a box dragged on a pdf.js rendering.
//
// Every failure is a KysoError (kyso-errors.js): .code, .message (what
// happened and what to do, Vietnamese unless lang: 'en'), .vi and .en.
import { KysoError, asKysoError } from './kyso-errors.js';
import { connectHost, DEFAULT_PORT, b64 } from './kyso-host.js';
import { messageDigestOf, verificationCode, batchVerificationCode, fingerprintOf } from './kyso-code.js';

export { KysoError, messageDigestOf, verificationCode, batchVerificationCode };
export const VERSION = '0.1.0';

// The prepare options a caller may give per document (kyso-wasm.js
// prepare); everything else is kyso.js's own.
const PREPARE_KEYS = ['image', 'page', 'rect', 'reason', 'location', 'contactInfo',
  'fieldName', 'signingTime', 'utcOffsetMinutes', 'digest', 'contentsReserve', 'font'];
// Decree 30/2020 Appendix I profiles (core/include/kyso/sign.h): what each
// one requires and the options that belong to it alone. An option given to
// a profile that does not use it is an ARGUMENT error rather than silently
// dropped (a document number that never appears is worse than an error).
const PROFILE_KEYS = {
  personal: { required: [], own: ['numberRect', 'dateRect', 'numberField', 'dateField'] },
  organization: { required: ['image'],
    own: ['docNumber', 'issueDate', 'numberField', 'dateField', 'sealSizeMm', 'organization'] },
  attachment: { required: ['docNumber'], own: ['docNumber'] },
  copy: { required: ['copyForm'], own: ['copyForm', 'copier', 'organization'] },
};
const PROFILES = Object.keys(PROFILE_KEYS);
const DECREE30_KEYS = [...new Set(Object.values(PROFILE_KEYS).flatMap((p) => p.own))];
const TEXT_KEYS = ['docNumber', 'issueDate', 'numberField', 'dateField', 'copyForm', 'copier', 'organization'];
const RECT_KEYS = ['rect', 'numberRect', 'dateRect'];
const TEXT_MAX = 1024; // bytes, KYSO_PROFILE_TEXT_MAX in the core
const MAX_BATCH = 100; // PROTOCOL.md: a batch is at most 100 documents
const TIMESTAMP_PARALLEL = 4; // PROTOCOL.md: the host runs 4 fetches at once
const REVOCATION_CERTS_MAX = 16; // PROTOCOL.md "revocation": HOST_LTV_CERTS_MAX
const LTV_ROUNDS = 3; // revocation requests per file: issuers learned from the host, then theirs

async function toBytes(v, what, lang) {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (typeof Blob !== 'undefined' && v instanceof Blob) return new Uint8Array(await v.arrayBuffer());
  throw new KysoError('ARGUMENT', `${what} must be bytes (Uint8Array, ArrayBuffer or Blob)`, {}, lang);
}

// "CN=Nguyễn Văn A,O=..." -> "Nguyễn Văn A" (the host's RFC 2253-like text).
function rdn(dn, key) {
  const m = new RegExp(`(?:^|,)\\s*${key}=((?:\\\\.|[^,])*)`).exec(dn ?? '');
  return m ? m[1].replace(/\\(.)/g, '$1') : '';
}

// The host's certificate entry, with the DER decoded and the names a
// picker shows.
function certView(c, now = Date.now()) {
  const notBefore = new Date(c.notBefore);
  const notAfter = new Date(c.notAfter);
  return {
    ...c,
    der: b64.decode(c.certificate),
    commonName: rdn(c.subject, 'CN'),
    organization: rdn(c.subject, 'O'),
    issuerName: rdn(c.issuer, 'CN'),
    notBeforeDate: notBefore,
    notAfterDate: notAfter,
    // Within its validity period when listed: a certificate outside it
    // cannot sign (signPdf refuses it with SIGN_CERTIFICATE), so a picker
    // should show it disabled.
    validNow: notBefore.getTime() <= now && now <= notAfter.getTime(),
  };
}

// The CA certificates from the same list that chain `leaf` up (the vendor
// tools store them on the token): sub-CA first, root last.
function chainFor(leaf, all) {
  const chain = [];
  let cur = leaf;
  for (let depth = 0; depth < 8 && cur.issuer !== cur.subject; depth++) {
    const up = all.find((c) => c.ca && c.subject === cur.issuer && c.tokenLabel === leaf.tokenLabel) ??
      all.find((c) => c.ca && c.subject === cur.issuer);
    if (!up || chain.includes(up)) break;
    chain.push(up);
    cur = up;
  }
  return chain.map((c) => c.der);
}

class Client {
  constructor(conn, options) {
    this.conn = conn;
    this.options = options;
    this.lang = options.lang ?? 'vi';
    this.nextId = 1;
    this.wasm = null;
    this.listed = null;
  }

  get transport() { return this.conn.transport; }
  get hostVersion() { return this.conn.hello.version; }
  get features() { return this.conn.hello.features ?? []; }

  err(code, detail, extra) { return new KysoError(code, detail, extra, this.lang); }

  // One host request; a host error becomes a KysoError with its code.
  async call(msg) {
    const id = `k${this.nextId++}`;
    const reply = await this.conn.request({ id, ...msg });
    if (reply && reply.result) return reply.result;
    const e = reply && reply.error ? reply.error : { code: 'NATIVE_FATAL', message: 'no reply' };
    const extra = e.code === 'PIN_INCORRECT' ? { retriesLeft: e.retriesLeft ?? null }
      : e.code === 'BUSY' && Number.isInteger(e.retryAfter) ? { retryAfter: e.retryAfter }
        : e.code === 'FETCH_FAILED' && typeof e.reason === 'string' ? { reason: e.reason } : {};
    throw this.err(e.code, e.message ?? '', extra);
  }

  async module() {
    if (!this.wasm) {
      const url = this.options.wasmUrl ?? new URL('./wasm/kyso-wasm.js', import.meta.url).href;
      this.wasm = import(/* webpackIgnore: true */ url).then((m) => m.loadKyso());
      this.wasm.catch(() => { this.wasm = null; });
    }
    try {
      return await this.wasm;
    } catch (e) {
      throw asKysoError(e, this.lang);
    }
  }

  // The signing certificates on every token (CA certificates are kept for
  // chains, not listed; { all: true } lists them too). Each entry: id,
  // subject, issuer, commonName, organization, issuerName, notBefore,
  // notAfter, keyType, tokenLabel, label, ca, certificate (base64), der.
  async certificates({ all = false } = {}) {
    const r = await this.call({ cmd: 'certificates' });
    this.listed = (r.certificates ?? []).map((c) => certView(c));
    return all ? this.listed.slice() : this.listed.filter((c) => !c.ca);
  }

  async certificateById(id) {
    if (!this.listed || !this.listed.some((c) => c.id === id)) await this.certificates();
    const c = this.listed.find((x) => x.id === id);
    if (!c) throw this.err('CERT_NOT_FOUND', `no certificate ${id}`);
    return c;
  }

  // prepare options for one document: the caller's (the document's own
  // over the shared ones), checked, in the module's names.
  prepareOptions(cert, shared, doc) {
    const o = { certificate: cert.der };
    const pick = (k) => (doc[k] !== undefined ? doc[k] : shared[k]);
    const chain = doc.chain ?? shared.chain;
    if (chain !== false) o.chain = chain ?? chainFor(cert, this.listed);
    for (const k of PREPARE_KEYS) {
      const v = pick(k);
      if (v !== undefined) o[k] = v;
    }
    // "name" is the file name the consent dialog shows; the signer's /Name
    // in the signature dictionary is signerName.
    const signerName = pick('signerName');
    if (signerName !== undefined) o.name = signerName;
    const profile = pick('profile') ?? 'personal';
    if (!PROFILES.includes(profile))
      throw this.err('ARGUMENT', `profile "${profile}" is not one of ${PROFILES.join(', ')}`);
    o.profile = profile;
    const rules = PROFILE_KEYS[profile];
    for (const k of DECREE30_KEYS) {
      const v = pick(k);
      if (v === undefined) continue;
      if (!rules.own.includes(k))
        throw this.err('ARGUMENT', `${k} does not belong to the ${profile} profile (${this.whereKey(k)})`);
      o[k] = v;
    }
    if (profile === 'attachment' || profile === 'copy') {
      if (o.image !== undefined)
        throw this.err('ARGUMENT', `the ${profile} profile draws text only: leave out image`);
    }
    this.checkOptions(profile, o);
    return o;
  }

  // Which profile an option is for, for the error message.
  whereKey(k) {
    const owners = PROFILES.filter((p) => PROFILE_KEYS[p].own.includes(k));
    return `it is for ${owners.join(' and ')}`;
  }

  // Clear errors before the module sees the options (it checks them again).
  checkOptions(profile, o) {
    for (const k of TEXT_KEYS) {
      if (o[k] === undefined) continue;
      if (k === 'issueDate' && o[k] instanceof Date)
        throw this.err('ARGUMENT', 'issueDate is the text stamped, e.g. "Tiền Giang, ngày 11 tháng 12 năm 2024" ' +
          '(Kyso.issueDateText(date, place) writes it from a Date)');
      if (typeof o[k] !== 'string' || o[k].trim() === '')
        throw this.err('ARGUMENT', `${k} must be a non-empty string`);
      if (new TextEncoder().encode(o[k]).length > TEXT_MAX)
        throw this.err('ARGUMENT', `${k} is longer than ${TEXT_MAX} bytes`);
      o[k] = o[k].normalize('NFC'); // the core draws and matches NFC text
    }
    for (const k of RECT_KEYS) {
      const r = o[k];
      if (r === undefined) continue;
      if (!Array.isArray(r) || r.length !== 4 || !r.every((v) => typeof v === 'number' && Number.isFinite(v)) ||
          r[2] <= 0 || r[3] <= 0)
        throw this.err('ARGUMENT', `${k} must be [x, y, width, height] in points of the page as displayed, ` +
          'width and height above 0');
    }
    if (o.sealSizeMm !== undefined &&
        !(typeof o.sealSizeMm === 'number' && o.sealSizeMm >= 5 && o.sealSizeMm <= 100))
      throw this.err('ARGUMENT', 'sealSizeMm must be a number of millimetres, 5 to 100 (36: a round seal)');
    for (const k of PROFILE_KEYS[profile].required) {
      if (o[k] !== undefined) continue;
      const what = { image: 'image (the red seal PNG)', docNumber: 'docNumber (e.g. "123/QĐ-UBND")',
        copyForm: 'copyForm ("SAO Y", "SAO LỤC" or "TRÍCH SAO")' }[k];
      throw this.err('ARGUMENT', `the ${profile} profile needs ${what}`);
    }
    if (profile === 'copy' && o.copier === undefined && o.organization === undefined)
      throw this.err('ARGUMENT', 'the copy profile needs copier (the copying organization, e.g. "Văn phòng UBND tỉnh")');
  }

  // Sign one PDF: Uint8Array of the signed file (the input plus an
  // incremental update).
  async signPdf(pdf, options = {}) {
    const [signed] = await this.signPdfs([{ ...options, pdf }], options);
    return signed;
  }

  // Sign several PDFs with one consent and one PIN. docs: [{ pdf, name,
  // ...per-document prepare options }]; options: certificate (id from
  // certificates(), required), profile ('personal' | 'organization' |
  // 'attachment' | 'copy'), image, page, rect, reason, chain, the Decree 30
  // options (numberRect, dateRect, docNumber, issueDate, sealSizeMm,
  // copyForm, copier, organization, numberField, dateField, font), signal
  // (AbortSignal: cancels the host's dialog; once aborted the call rejects
  // with USER_CANCELLED, even when the host's signatures arrive with the
  // abort: they are discarded and nothing is finished),
  // onVerificationCodes([{ index, name, code, fingerprint }], batchCode)
  // (called once all documents are prepared, before the request leaves for
  // the host and so before its dialog opens: show each code beside its
  // document, and with two or more documents the batch code "DDD DDD" over
  // all of them above, most prominently (null for one document); the user
  // compares them with kyso's dialog, which always shows the batch code but
  // may not list every document), onProgress({ stage, index, total }).
  // Resolves to the signed files in the same order, each a Uint8Array
  // carrying .verificationCode ("DDD DDD"), .fingerprint and .batchCode
  // (the batch's, null for one document).
  async signPdfs(docs, options = {}) {
    if (!Array.isArray(docs) || docs.length === 0 || docs.length > MAX_BATCH)
      throw this.err('ARGUMENT', `signPdfs takes 1 to ${MAX_BATCH} documents`);
    if (!options.certificate) throw this.err('ARGUMENT', 'options.certificate (an id from certificates()) is required');
    for (const k of ['onProgress', 'onVerificationCodes'])
      if (options[k] !== undefined && typeof options[k] !== 'function')
        throw this.err('ARGUMENT', `${k} must be a function`);
    const progress = options.onProgress ?? (() => {});
    const { signal } = options;
    for (const k of ['timestamp', 'ltv'])
      if (options[k] !== undefined && typeof options[k] !== 'boolean')
        throw this.err('ARGUMENT', `${k} must be true or false`);
    // PAdES B-LT includes B-T: ltv implies the signature timestamp (the
    // validation data must be proven to exist while the certificates were
    // valid); asking for ltv without it is a mistake, said so.
    const ltv = options.ltv === true;
    if (ltv && options.timestamp === false)
      throw this.err('ARGUMENT', 'ltv: true includes the signature timestamp (PAdES B-LT is B-T plus validation data): leave timestamp out or set it true');
    const timestamp = options.timestamp === true || ltv;
    // A host that has told its features and lacks one asked for: before
    // the user is asked to sign, not after.
    for (const [want, feature] of [[timestamp, 'timestamp'], [ltv, 'revocation']])
      if (want && this.hostVersion !== null && !this.features.includes(feature))
        throw this.err('HOST_INCOMPATIBLE', `kyso-host ${this.hostVersion} has no "${feature}" command`);
    const stopIfAborted = (when) => {
      if (signal?.aborted) throw this.err('USER_CANCELLED', `aborted ${when}`);
    };
    const cert = await this.certificateById(options.certificate);
    const kyso = await this.module();
    const prepared = [];
    try {
      for (const [i, doc] of docs.entries()) {
        stopIfAborted('before signing');
        progress({ stage: 'prepare', index: i, total: docs.length });
        const bytes = await toBytes(doc.pdf, `document ${i + 1}`, this.lang);
        const opts = this.prepareOptions(cert, options, doc);
        if (opts.image) opts.image = await toBytes(opts.image, 'image', this.lang);
        if (opts.font) opts.font = await toBytes(opts.font, 'font', this.lang);
        const p = await kyso.prepare(bytes, opts);
        const d = { p, name: doc.name ?? `document-${i + 1}.pdf` };
        prepared.push(d);
        // What the host will sign is fixed by the message-digest in these
        // attributes: the code and the fingerprint come from it (contract
        // in PROTOCOL.md), not from the input file.
        d.md = messageDigestOf(p.signedAttributes);
        d.code = await verificationCode(d.md);
        d.fingerprint = fingerprintOf(d.md);
      }
      // Two or more documents: the code over all of them, in request order,
      // which the host's dialog always shows (PROTOCOL.md).
      const batchCode = prepared.length > 1 ? await batchVerificationCode(prepared.map((d) => d.md)) : null;
      stopIfAborted('before signing');
      if (options.onVerificationCodes) {
        const codes = prepared.map((d, index) => ({ index, name: d.name, code: d.code, fingerprint: d.fingerprint }));
        try {
          options.onVerificationCodes(codes, batchCode);
        } catch (e) {
          throw this.err('ARGUMENT', `onVerificationCodes threw: ${e && e.message ? e.message : e}`);
        }
      }
      progress({ stage: 'sign', index: 0, total: docs.length });
      const request = {
        cmd: 'sign', certificate: cert.id,
        documents: prepared.map((d) => ({
          signedAttributes: b64.encode(d.p.signedAttributes), name: d.name, fingerprint: d.fingerprint,
        })),
      };
      const r = await this.withCancel(request, signal);
      // An abort that came with the reply (or just before it, while the
      // token was already signing): the user said stop, so the signatures
      // are dropped and no PDF is finished.
      stopIfAborted('when the host answered: its signatures were discarded');
      const sigs = r.signatures ?? [];
      if (sigs.length !== prepared.length)
        throw this.err('NATIVE_FATAL', `the host returned ${sigs.length} signatures for ${prepared.length} documents`);
      for (const [i, d] of prepared.entries()) d.signature = b64.decode(sigs[i]);
      // B-T: the TSA's token over each signature value, through the host.
      const tsFailure = timestamp ? await this.timestamps(kyso, prepared, progress, stopIfAborted) : null;
      const out = [];
      for (const [i, d] of prepared.entries()) {
        stopIfAborted('while finishing: the signed files were discarded');
        progress({ stage: 'finish', index: i, total: docs.length });
        const signed = await kyso.finish(d.p.handle, d.signature,
          d.timestampToken ? { timestampToken: d.timestampToken } : {});
        d.p = null;
        out.push(signed);
      }
      stopIfAborted('while finishing: the signed files were discarded');
      const decorate = (files) => files.map((f, i) => {
        Object.defineProperties(f, {
          verificationCode: { value: prepared[i].code, enumerable: false },
          fingerprint: { value: prepared[i].fingerprint, enumerable: false },
          batchCode: { value: batchCode, enumerable: false },
          timestamped: { value: !!prepared[i].timestampToken, enumerable: false },
        });
        return f;
      });
      if (tsFailure) {
        // The token signed already: the files are finished without a
        // timestamp (B-B) and handed over with the error, never silently
        // as if they were B-T.
        tsFailure.signed = decorate(out);
        throw tsFailure;
      }
      // B-LT: revocation data through the host, DSS + /VRI by the module.
      // A failure here leaves the signature as it is: the file is returned
      // with .ltv.warning (the official has signed; asking again for the
      // PIN would not make a responder answer).
      let final = out;
      if (ltv) {
        try {
          final = await this.addLtv(kyso, out, options, progress, stopIfAborted);
        } catch (e) {
          if (e.code === 'CERTIFICATE_REVOKED') decorate(e.signed);
          throw e;
        }
      }
      stopIfAborted('while finishing: the signed files were discarded');
      progress({ stage: 'done', index: docs.length, total: docs.length });
      return decorate(final);
    } catch (e) {
      throw asKysoError(e, this.lang);
    } finally {
      for (const d of prepared) if (d.p) kyso.release(d.p.handle).catch(() => {});
    }
  }

  // Asks the host for a signature timestamp on each signature value
  // (PROTOCOL.md "timestamp"; the TSA is the host's, never the page's), at
  // most TIMESTAMP_PARALLEL at once (the national TSA's advice). Sets
  // d.timestampToken; returns null, or a TIMESTAMP_FAILED error when any
  // document got none.
  async timestamps(kyso, prepared, progress, stopIfAborted) {
    let next = 0;
    let failure = null;
    const worker = async () => {
      while (next < prepared.length && !failure) {
        const i = next++;
        const d = prepared[i];
        stopIfAborted('while timestamping: the signed files were discarded');
        progress({ stage: 'timestamp', index: i, total: prepared.length });
        try {
          const imprint = await kyso.timestampImprint(d.p.handle, d.signature);
          const r = await this.call({ cmd: 'timestamp', digestAlgorithm: d.p.digest, digest: b64.encode(imprint) });
          if (typeof r.timeStampResponse !== 'string')
            throw this.err('NATIVE_FATAL', 'the host answered without timeStampResponse');
          d.timestampToken = b64.decode(r.timeStampResponse);
          d.timestampTime = r.genTime ?? null;
        } catch (e) {
          const k = asKysoError(e, this.lang);
          if (k.code === 'USER_CANCELLED') throw k;
          failure ??= this.err('TIMESTAMP_FAILED', `document ${i + 1}: ${k.code}: ${k.detail || k.message}`,
            { document: i, cause: k.code, reason: k.reason ?? null });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(TIMESTAMP_PARALLEL, prepared.length) }, worker));
    if (failure) for (const d of prepared) d.timestampToken = null; // all B-B: one kind of file per call
    return failure;
  }

  // PAdES B-LT for each signed file: the certificates without revocation
  // data in it (the module reads the file), their OCSP responses or CRLs
  // through the host (which fetches only for certificates chaining to its
  // trust anchors, from their own AIA/CDP URLs), then a DSS + /VRI update
  // made by the module. Answers are shared by the files of a batch (one
  // signer, one TSA). Each file gets .ltv = { level: 'B-LT' | null, added,
  // withoutData, warning } — warning a REVOCATION_UNAVAILABLE KysoError (or
  // null) whose .certificates names what still lacks data.
  async addLtv(kyso, files, options, progress, stopIfAborted) {
    const anchors = options.trustAnchors ?? [];
    if (!Array.isArray(anchors)) throw this.err('ARGUMENT', 'trustAnchors must be an array of certificates');
    const asked = new Set(); // certificates (base64) already sent to the host
    const got = { certificates: [], crls: [], ocsps: [] };
    const seen = new Set();
    const errors = [];
    const keep = (list, items) => {
      for (const b of items ?? []) {
        if (typeof b !== 'string' || seen.has(b)) continue;
        seen.add(b);
        list.push(b64.decode(b));
      }
    };
    const out = [];
    let revoked = 0;
    for (const [i, pdf] of files.entries()) {
      stopIfAborted('while adding validation data: the signed files were discarded');
      progress({ stage: 'ltv', index: i, total: files.length });
      let result = pdf;
      let info;
      try {
        // Rounds: the host's answer may bring issuers the file lacked (a
        // leaf-only signature); those need data of their own, asked next.
        for (let round = 0; round < LTV_ROUNDS; round++) {
          const known = new Set(got.certificates.map((c) => b64.encode(c)));
          const { needs } = await kyso.ltvCollect(pdf, { trustAnchors: [...anchors, ...got.certificates] });
          // The certificates lacking data, and their issuers unless the
          // host gave them (it chains each certificate with the others of
          // the request and its own).
          const want = [];
          for (const n of needs) {
            if (n.hasRevocation) continue;
            const k = b64.encode(n.certificate);
            if (!asked.has(k) && !want.includes(k)) want.push(k);
          }
          if (!want.length) break;
          for (const n of needs) {
            const k = n.issuer && !n.hasRevocation ? b64.encode(n.issuer) : null;
            if (k && !known.has(k) && !asked.has(k) && !want.includes(k)) want.push(k);
          }
          for (let at = 0; at < want.length; at += REVOCATION_CERTS_MAX) {
            const chunk = want.slice(at, at + REVOCATION_CERTS_MAX);
            for (const k of chunk) asked.add(k);
            const r = await this.call({ cmd: 'revocation', certificates: chunk });
            keep(got.ocsps, r.ocsp);
            keep(got.crls, r.crls);
            keep(got.certificates, r.certificates);
            for (const e of Array.isArray(r.errors) ? r.errors : []) {
              const der = Number.isInteger(e.certificate) ? chunk[e.certificate] : undefined;
              errors.push({ certificate: der ?? null, url: e.url ?? null, code: e.code, reason: e.reason ?? null,
                message: e.message ?? '' });
            }
          }
        }
        const u = await kyso.ltvUpdate(pdf, { trustAnchors: [...anchors, ...got.certificates],
          certificates: got.certificates, crls: got.crls, ocsps: got.ocsps });
        result = u.pdf;
        revoked += u.revoked;
        // What still lacks data, as the verifier will see the result.
        const after = await kyso.ltvCollect(result, { trustAnchors: [...anchors, ...got.certificates],
          certificates: got.certificates });
        const missing = after.needs.filter((n) => !n.hasRevocation).map((n) => n.certificate);
        info = { level: missing.length ? null : 'B-LT', added: u.added, withoutData: missing,
          warning: missing.length ? this.ltvWarning(missing, errors) : null };
      } catch (e) {
        const k = asKysoError(e, this.lang);
        if (k.code === 'USER_CANCELLED') throw k;
        info = { level: null, added: { certificates: 0, crls: 0, ocsps: 0 }, withoutData: [],
          warning: this.err('REVOCATION_UNAVAILABLE', `${k.code}: ${k.detail || k.message}`,
            { cause: k.code, certificates: [], errors }) };
      }
      Object.defineProperty(result, 'ltv', { value: info, enumerable: false });
      out.push(result);
    }
    // An answer, checked by the module, says a certificate of the path is
    // revoked: the new signature will never be valid. Not a warning: the
    // call fails, the files (with that answer embedded) ride along.
    if (revoked)
      throw this.err('CERTIFICATE_REVOKED', `${revoked} certificate(s) revoked according to their issuer`,
        { signed: out });
    return out;
  }

  // REVOCATION_UNAVAILABLE for the certificates still without data, with
  // the host's reasons for them.
  ltvWarning(missing, errors) {
    const names = missing.map((c) => b64.encode(c));
    const why = errors.filter((e) => e.certificate && names.includes(e.certificate))
      .map((e) => `${e.code}${e.reason ? `/${e.reason}` : ''}${e.url ? ` ${e.url}` : ''}`);
    return this.err('REVOCATION_UNAVAILABLE',
      `${missing.length} certificate(s) without revocation data${why.length ? `: ${why.join('; ')}` : ''}`,
      { certificates: missing, errors });
  }

  // The sign request; an abort meanwhile sends the host's cancel (closing
  // its dialog). Whether the abort also voids a reply that carries
  // signatures is signPdfs's rule, checked when the reply is in.
  async withCancel(request, signal) {
    if (!signal) return this.call(request);
    if (signal.aborted) throw this.err('USER_CANCELLED', 'aborted before signing');
    const id = `k${this.nextId}`;
    const onAbort = () => {
      this.conn.request({ id: `k${this.nextId++}-cancel`, cmd: 'cancel', request: id }).catch(() => {});
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.call(request);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  async close() {
    this.conn.close();
    if (this.wasm) {
      const k = await this.wasm.catch(() => null);
      if (k) await k.close();
      this.wasm = null;
    }
  }
}

// A box on a page rendered with pdf.js -> [x, y, width, height] in points
// of the page as a person sees it, what every rect option takes. viewport:
// page.getViewport({ scale }) with the page's own rotation (the default);
// box: { x, y, w, h } in the viewport's CSS pixels, origin top left.
// Rotated and cropped pages need nothing more: the core maps the visible
// page back to the page's user space.
export function visibleRect(viewport, { x, y, w, h }) {
  const s = viewport.scale;
  const r = [x / s, (viewport.height - (y + h)) / s, w / s, h / s];
  return r.map((v) => Math.round(v * 100) / 100);
}

// The issue date line of Decree 30 (Appendix I, place and date of issue:
// "Địa danh, ngày ... tháng ... năm ..."): days below 10 and the months 1
// and 2 get a leading zero. issueDateText(new Date(2024, 11, 11), 'Tiền Giang') ->
// "Tiền Giang, ngày 11 tháng 12 năm 2024" (the date's local calendar day).
export function issueDateText(date, place) {
  if (!(date instanceof Date) || Number.isNaN(date.getTime()))
    throw new KysoError('ARGUMENT', 'issueDateText needs a valid Date');
  const d = date.getDate();
  const m = date.getMonth() + 1;
  const text = `ngày ${d < 10 ? '0' : ''}${d} tháng ${m < 3 ? '0' : ''}${m} năm ${date.getFullYear()}`;
  return place ? `${place}, ${text}` : text;
}

// connect(options): find kyso-host (extension first, then the websocket).
// options: port (8750), address ('127.0.0.1'), transport ('auto' |
// 'extension' | 'websocket'), lang ('vi' | 'en'), wasmUrl (kyso-wasm.js;
// default ./wasm/kyso-wasm.js beside kyso.js), preload (true: load the
// module right away, in the background), bridgeWaitMs (300),
// WebSocket (a constructor, for Node).
export async function connect(options = {}) {
  const lang = options.lang ?? 'vi';
  try {
    const conn = await connectHost({ ...options, port: options.port ?? DEFAULT_PORT, lang });
    const client = new Client(conn, options);
    // Start the WASM module now (~1 MB to compile) so the first signPdf
    // does not wait for it; a failure surfaces at that signPdf.
    if (options.preload !== false) client.module().catch(() => {});
    return client;
  } catch (e) {
    throw asKysoError(e, lang);
  }
}
