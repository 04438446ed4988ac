// kyso-wasm.js - kyso's PDF signing and verification in the browser (or
// Node), with no upload: the C core compiled to WebAssembly, run in a Worker
// so the page never freezes.
//
//   import { loadKyso } from './kyso-wasm.js';
//   const kyso = await loadKyso();
//   const p = await kyso.prepare(pdfBytes, { certificate, chain, image, page, rect, reason });
//   // p.signedAttributes (DER) goes to kyso-host, which returns the signature value
//   const signed = await kyso.finish(p.handle, signatureValue);
//   const report = await kyso.verify(signed, { trustAnchors, at, lang: 'vi' });
//
// Errors are KysoError objects with .code, the stable status name the CLI
// prints ("PDF_XREF", "SIGN_VALUE", ...), and .message.

export class KysoError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'KysoError';
    this.code = code;
  }
}

const isNode =
  typeof process !== 'undefined' && !!process.versions?.node &&
  typeof window === 'undefined' && typeof self === 'undefined';

async function startWorker(url) {
  if (isNode) {
    const { Worker } = await import('node:worker_threads');
    const w = new Worker(url);
    w.unref();
    return {
      post: (m, t) => w.postMessage(m, t),
      listen: (fn) => {
        w.on('message', fn);
        w.on('error', (e) => fn({ fatal: String(e) }));
      },
      terminate: () => w.terminate(),
    };
  }
  const w = new Worker(url, { type: 'module' });
  return {
    post: (m, t) => w.postMessage(m, t),
    listen: (fn) => {
      w.onmessage = (e) => fn(e.data);
      w.onerror = (e) => fn({ fatal: e.message || 'the kyso worker failed' });
    },
    terminate: () => w.terminate(),
  };
}

// Loads the module in a new Worker. options.workerUrl overrides where
// kyso-worker.js is (kyso.js and kyso.wasm sit beside it).
export async function loadKyso(options = {}) {
  const url = options.workerUrl ?? new URL('./kyso-worker.js', import.meta.url);
  const worker = await startWorker(url);
  const pending = new Map();
  let nextId = 1;
  let failure = null;

  const ready = new Promise((resolve, reject) => {
    worker.listen((m) => {
      if (m.ready) return resolve();
      if (m.fatal) {
        failure = new KysoError('NATIVE_FATAL', `kyso worker: ${m.fatal}`);
        reject(failure);
        for (const p of pending.values()) p.reject(failure);
        pending.clear();
        return;
      }
      const p = pending.get(m.id);
      if (!p) return;
      if (m.progress) {
        p.onProgress?.(m.progress);
        return;
      }
      pending.delete(m.id);
      if (m.error) p.reject(new KysoError(m.error.code, m.error.message));
      else p.resolve(m.result);
    });
  });
  await ready;

  function call(op, args, transfer = [], onProgress) {
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject, onProgress });
      worker.post({ id, op, args }, transfer);
    });
  }

  // Bytes to send: a copy unless the caller lets us transfer (detach) them.
  const outgoing = (bytes, transfer) => {
    const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
    if (transfer && u8.byteOffset === 0 && u8.byteLength === u8.buffer.byteLength)
      return [u8, [u8.buffer]];
    return [u8, []];
  };

  return {
    // Phase 1: { handle, signedAttributes, digest, scheme, hashedBy }.
    // options: certificate (DER), chain [DER], digest ('SHA-256'...),
    // scheme, signingTime (Date/seconds; default now), utcOffsetMinutes
    // (420), name, reason, location, contactInfo, fieldName, page,
    // rect [x, y, w, h] (points, the page as a person sees it), image (PNG
    // or JPEG), contentsReserve, webCrypto (false: hash inside the module).
    // Decree 30 (core/include/kyso/sign.h has the exact rules): profile
    // ('personal' | 'organization' | 'attachment' | 'copy'), docNumber,
    // issueDate ("Tiền Giang, ngày 11 tháng 12 năm 2024"), numberRect and
    // dateRect (personal: empty fields the clerk fills), numberField,
    // dateField, sealSizeMm (36), copyForm ('SAO Y'...), copier,
    // organization, font (TrueType; default: Liberation Serif beside the
    // module). Plus transfer (detach pdf instead of copying it) and
    // onProgress({ stage, done, total }).
    prepare(pdf, options = {}) {
      const { transfer, onProgress, ...rest } = options;
      const [bytes, list] = outgoing(pdf, transfer);
      return call('prepare', { pdf: bytes, options: rest }, list, onProgress);
    },
    // The digest a TSA must imprint for a signature timestamp (B-T).
    timestampImprint(handle, signature) {
      return call('timestampImprint', { handle, signature });
    },
    // Phase 2: the signed PDF (input + incremental update). A signature
    // that does not match the certificate is SIGN_VALUE and the handle
    // stays usable.
    finish(handle, signature, options = {}) {
      return call('finish', { handle, signature,
                              timestampToken: options.timestampToken });
    },
    // Frees a prepared session that will not be finished.
    release(handle) {
      return call('release', { handle });
    },
    // { report (parsed), json (exact bytes of the native CLI's --json),
    //   text, indication, signatureCount }. options: trustAnchors (PEM or
    // DER, added to the bundled Vietnamese roots), noDefaultTrust, at
    // (validation time, default now), lang ('vi'/'en'), extraCertificates,
    // extraCrls, extraOcsps (DER validation data from outside the file,
    // as kyso verify --online or --crl/--ocsp give it; extraFetched: true
    // when fetched now, else the report says the user loaded it),
    // transfer, onProgress.
    async verify(pdf, options = {}) {
      const { transfer, onProgress, ...rest } = options;
      const [bytes, list] = outgoing(pdf, transfer);
      const r = await call('verify', { pdf: bytes, options: rest }, list, onProgress);
      return { ...r, report: JSON.parse(r.json) };
    },
    // Long-term validation (issue 13). ltvCollect: what pdf needs,
    // { needs: [{ certificate, issuer (null: unknown, fetch it from the
    // certificate's caIssuers), certificateInDocument, issuerInDocument,
    // hasRevocation, signatures: [index...] }], signatures: [{ vriKey,
    // documentTimestamp, time }] }. options: trustAnchors, noDefaultTrust,
    // at, certificates (extra DER certificates for paths).
    ltvCollect(pdf, options = {}) {
      return call('ltvCollect', { pdf, options });
    },
    // pdf plus a DSS + /VRI update with the answers that belong to its
    // certificates (checked at options.at, default now): { pdf, added:
    // { certificates, crls, ocsps }, withoutData, revoked }. options: as
    // ltvCollect, plus crls and ocsps (DER, e.g. kyso-host's `revocation`
    // answer).
    ltvUpdate(pdf, options = {}) {
      return call('ltvUpdate', { pdf, options });
    },
    // The kind of each DER item: 'certificate', 'crl', 'ocsp' or null.
    classify(items) {
      return call('classify', { items });
    },
    // Native heap in use, for leak checks.
    heap() {
      return call('heap', {});
    },
    close() {
      failure = new KysoError('ARGUMENT', 'kyso was closed');
      return worker.terminate();
    },
  };
}
