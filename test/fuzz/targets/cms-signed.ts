// CMS SignedData (RFC 5652 5) as `verify` reads it: verifySignedData on opaque signatures (eContent
// inside) and on the detached ones of multipart/signed, whose content is then missing.
import { readCertificates, verifySignedData, type Certificate } from "@mailseal/shared/offline";
import type { FuzzTarget } from "../engine.js";
import { BER_TOKENS, chunked, derOfMessage, fixtureMessages, openCore, sample, theCore } from "./support.js";

/** The signature part's DER of a multipart/signed fixture. */
function signaturePart(message: Uint8Array): Uint8Array | undefined {
  const text = new TextDecoder("latin1").decode(message);
  const at = text.search(/Content-Type: application\/(x-)?pkcs7-signature/i);
  if (at === -1) return undefined;
  const part = text.slice(at);
  const body = part.slice(part.search(/\r?\n\r?\n/)).split(/\r?\n--/)[0]!;
  return new Uint8Array(Buffer.from(body, "base64"));
}

let certificates: Certificate[] = [];

const target: FuzzTarget = {
  seeds: (root) => [
    ...fixtureMessages(root, (name) => name.includes("opaque") && !name.includes(".env.")).map(derOfMessage),
    ...fixtureMessages(root, (name) => name.includes("multipart") && !name.includes("env")).flatMap(
      (m) => signaturePart(m) ?? [],
    ),
    // DSA signers: RFC 4134 4.8 (clear, SHA-1) and 4.9 (opaque), and openssl cms with DSA and SHA-256.
    ...fixtureMessages(root, (name) => name === "4.8.eml").flatMap((m) => signaturePart(m) ?? []),
    ...fixtureMessages(root, (name) => name === "4.9.eml").map(derOfMessage),
    sample(root, "test/fuzz/seeds/openssl-signed-dsa-sha256.der"),
    // Ed25519 (RFC 8419): CryptoSys's example by Carlos and one written by mailseal sign; Ed448 (id-shake256-len
    // 512 as the digest algorithm) written by mailseal sign (seeds/SOURCES.md).
    sample(root, "test/interop/samples/cryptosys-signedByCarlosEd25519.p7m"),
    sample(root, "test/fuzz/seeds/mailseal-signed-ed25519.der"),
    sample(root, "test/fuzz/seeds/mailseal-signed-ed448.der"),
    // ML-DSA-44/65/87 signers (RFC 9882): the published LAMPS examples (seeds/SOURCES.md).
    ...["44", "65", "87"].map((level) => sample(root, `test/fuzz/seeds/lamps-ml-dsa-${level}-signed.der`)),
  ],
  dictionary: BER_TOKENS,
  async setup(root) {
    await openCore();
    // The ML-DSA examples carry no certificates: their signers' are given, as a reader's store would.
    certificates = ["44", "65", "87"].flatMap((level) =>
      readCertificates(sample(root, `shared/test/cms/fixtures/pq-cms/ml-dsa-certificates/ML-DSA-${level}.crt`)),
    );
  },
  async run(data) {
    await verifySignedData(chunked(data), theCore(), { write: () => undefined, certificates });
  },
};
export default target;
