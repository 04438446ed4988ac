// Signs a PDF with the npm package @signpdf/signpdf (P12 signer, plain
// placeholder): an independent signer whose output kyso must verify as
// valid. node-forge builds the CMS (adbe.pkcs7.detached by default).
//
//   node signpdf.cjs IN OUT P12 PASSWORD [SUBFILTER] [ISO_TIME]
//
// SUBFILTER: adbe.pkcs7.detached (default) or ETSI.CAdES.detached.
// Needs tests/node_modules (npm ci --prefix tests).
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const req = (m) => require(require.resolve(m, { paths: [path.join(__dirname, "..")] }));
const { SignPdf } = req("@signpdf/signpdf");
const { P12Signer } = req("@signpdf/signer-p12");
const { plainAddPlaceholder } = req("@signpdf/placeholder-plain");
const utils = req("@signpdf/utils");

const [input, output, p12, passphrase, subFilter = "adbe.pkcs7.detached", time] = process.argv.slice(2);
if (!input || !output || !p12 || passphrase === undefined) {
  console.error("usage: node signpdf.cjs IN OUT P12 PASSWORD [SUBFILTER] [ISO_TIME]");
  process.exit(2);
}
(async () => {
  const signingTime = time ? new Date(time) : undefined;
  const withPlaceholder = plainAddPlaceholder({
    pdfBuffer: fs.readFileSync(input),
    reason: "Ký bằng @signpdf",
    contactInfo: "kyso tests",
    name: "signpdf",
    location: "Tiền Giang",
    signingTime,
    signatureLength: 16384,
    subFilter: subFilter === "ETSI.CAdES.detached"
      ? utils.SUBFILTER_ETSI_CADES_DETACHED : utils.SUBFILTER_ADOBE_PKCS7_DETACHED,
  });
  const signer = new P12Signer(fs.readFileSync(p12), { passphrase });
  const signed = await new SignPdf().sign(withPlaceholder, signer, signingTime);
  fs.writeFileSync(output, signed);
})().catch((e) => {
  console.error(`signpdf: ${e.message}`);
  process.exit(1);
});
