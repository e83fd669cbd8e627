// PKI.js 4 as a whole process: `node pkijs.mjs encrypt aes-256-cbc|aes-256-gcm IN OUT CERT` and
// `node pkijs.mjs decrypt IN OUT CERT KEY`. PKI.js works on whole buffers (no streaming) and sends
// RSA-OAEP (WebCrypto has no RSA PKCS#1 v1.5 encryption); GCM is its EnvelopedData form, not
// AuthEnvelopedData. Output is DER.
import { readFileSync, writeFileSync } from "node:fs";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";

function pemBody(path: string): ArrayBuffer {
  const base64 = readFileSync(path, "latin1").replace(/-----[^-]+-----|\s/g, "");
  const bytes = Buffer.from(base64, "base64");
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
}

function fileBuffer(path: string): ArrayBuffer {
  const bytes = readFileSync(path);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
}

const [op, ...args] = process.argv.slice(2);
if (op === "encrypt") {
  const [cipher, input, output, certPath] = args as [string, string, string, string];
  const envelope = new pkijs.EnvelopedData();
  envelope.addRecipientByCertificate(pkijs.Certificate.fromBER(pemBody(certPath)), { oaepHashAlgorithm: "SHA-256" }, 1);
  const algorithm: AesKeyGenParams = { name: cipher === "aes-256-gcm" ? "AES-GCM" : "AES-CBC", length: 256 };
  await envelope.encrypt(algorithm, fileBuffer(input));
  const info = new pkijs.ContentInfo({ contentType: pkijs.ContentInfo.ENVELOPED_DATA, content: envelope.toSchema() });
  writeFileSync(output, new Uint8Array(info.toSchema().toBER()));
} else if (op === "decrypt") {
  const [input, output, certPath, keyPath] = args as [string, string, string, string];
  // asn1js 4 refuses, by default, content over 16 MiB and more than 10,000 nodes (PKI.js writes the
  // ciphertext as an OCTET STRING of 1 KiB pieces, so a 10 MiB message already fails). Raised here so
  // it can parse at all; a mail client taking untrusted input would have to do the same.
  const parsed = asn1js.fromBER(fileBuffer(input), {
    maxContentLength: Number.MAX_SAFE_INTEGER,
    maxNodes: Number.MAX_SAFE_INTEGER,
  });
  if (parsed.offset === -1) throw new Error(`asn1js: ${parsed.result.error}`);
  const info = new pkijs.ContentInfo({ schema: parsed.result });
  const envelope = new pkijs.EnvelopedData({ schema: info.content });
  const plain = await envelope.decrypt(0, {
    recipientCertificate: pkijs.Certificate.fromBER(pemBody(certPath)),
    recipientPrivateKey: pemBody(keyPath),
  });
  writeFileSync(output, new Uint8Array(plain));
} else {
  throw new Error("usage: pkijs.mjs encrypt CIPHER IN OUT CERT | decrypt IN OUT CERT KEY");
}
