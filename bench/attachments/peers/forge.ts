// node-forge as a whole process: `node forge.mjs encrypt IN OUT CERT` and `node forge.mjs decrypt
// IN OUT CERT KEY`. EnvelopedData, AES-256-CBC, RSA PKCS#1 v1.5, DER; everything in JavaScript
// binary strings, so memory grows many times the message (the harness stops it at 16 MiB).
import { readFileSync, writeFileSync } from "node:fs";
import forge from "node-forge";

const [op, input, output, certPath, keyPath] = process.argv.slice(2) as [string, string, string, string, string?];
const certificate = forge.pki.certificateFromPem(readFileSync(certPath, "utf8"));
if (op === "encrypt") {
  const envelope = forge.pkcs7.createEnvelopedData();
  envelope.addRecipient(certificate);
  envelope.content = forge.util.createBuffer(readFileSync(input).toString("binary"));
  envelope.encrypt(undefined, forge.pki.oids["aes256-CBC"]);
  writeFileSync(output, Buffer.from(forge.asn1.toDer(envelope.toAsn1()).getBytes(), "binary"));
} else if (op === "decrypt" && keyPath !== undefined) {
  const der = forge.util.createBuffer(readFileSync(input).toString("binary"));
  const envelope = forge.pkcs7.messageFromAsn1(forge.asn1.fromDer(der)) as forge.pkcs7.PkcsEnvelopedData;
  const recipient = envelope.findRecipient(certificate);
  if (recipient === null) throw new Error("no recipient for the certificate");
  envelope.decrypt(recipient, forge.pki.privateKeyFromPem(readFileSync(keyPath, "utf8")));
  const content = envelope.content!;
  writeFileSync(output, Buffer.from(typeof content === "string" ? content : content.getBytes(), "binary"));
} else {
  throw new Error("usage: forge.mjs encrypt IN OUT CERT | decrypt IN OUT CERT KEY");
}
