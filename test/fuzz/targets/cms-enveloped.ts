// CMS EnvelopedData and AuthEnvelopedData (RFC 5652 6, RFC 5083/5084) as `decrypt` reads them:
// decryptEnvelope with three real recipients' RSA keys, RFC 9216 Dana's X25519 key and the LAMPS
// example's ML-KEM-512 key, so inputs reach key transport, key agreement with HKDF (RFC 8418), KEM
// recipients (RFC 9629) and the content.
import {
  contentCipherByName,
  readCertificates,
  readPqPrivateKey,
  readPrivateKey,
  readRfc8410PrivateKey,
  type MlKemPrivateKey,
  type RecipientKey,
  type XdhPrivateKey,
} from "@mailseal/shared/offline";
import { decryptEnvelope, encryptEnvelope } from "../../../shared/src/cms/enveloped-data.js";
import type { FuzzTarget } from "../engine.js";
import { BER_TOKENS, chunked, derOfMessage, fixtureMessages, openCore, sample, samples, theCore } from "./support.js";

/** Key and certificate of each recipient the samples are encrypted to. */
const RECIPIENTS = [
  ["test/interop/samples/pyca-rsa_key.pem", "test/interop/samples/pyca-rsa_ca.pem"],
  ["test/interop/samples/nss-Bob.key", "test/interop/samples/nss-Bob.crt"],
  ["test/interop/samples/rfc4134-BobPrivRSAEncrypt.pem", "test/interop/samples/rfc4134-BobRSASignByCarl.pem"],
] as const;

/** Dana's X25519 key and certificate (RFC 9216), of CryptoSys's RFC 8418 example. */
const DANA = [
  "test/interop/samples/rfc9216-dana.decrypt.p8.pem",
  "test/interop/samples/rfc9216-dana.encrypt.crt",
] as const;
/** The recipient of the published ML-KEM-512 example (a KEMRecipientInfo, RFC 9629). */
const KEM_RECIPIENT = [
  "shared/test/cms/fixtures/pq-cms/cms-kyber/ML-KEM-512-seed.priv",
  "shared/test/cms/fixtures/pq-cms/cms-kyber/ML-KEM-512.pem",
] as const;

let keys: RecipientKey[] = [];

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: number[] = [];
  for await (const chunk of stream) parts.push(...chunk);
  return Uint8Array.from(parts);
}

const target: FuzzTarget = {
  async seeds(root) {
    const messages = fixtureMessages(root, (name) => /env|enveloped|^5\./.test(name) && !name.includes("multipart"));
    // AuthEnvelopedData and OAEP: no sample in the repository has them, so the seeds are made here.
    const pyca = readCertificates(sample(root, RECIPIENTS[0][1]))[0]!;
    const made = [];
    for (const [cipher, transport] of [
      ["aes-256-gcm", { scheme: "rsa-pkcs1" }],
      ["aes-128-gcm", { scheme: "rsa-oaep", hash: "SHA-256", mgfHash: "SHA-256", label: new Uint8Array(0) }],
      ["aes-128-cbc", { scheme: "rsa-oaep", hash: "SHA-1", mgfHash: "SHA-1", label: new Uint8Array(0) }],
    ] as const) {
      const content = new TextEncoder().encode("Content-Type: text/plain\r\n\r\nfuzz seed\r\n");
      made.push(
        await collect(
          encryptEnvelope(
            chunked(content),
            { cipher: contentCipherByName(cipher), recipients: [{ certificate: pyca, transport }] },
            theCore(),
          ),
        ),
      );
    }
    // RC2-CBC with 40, 64 and 128 effective bits (RFC 3370 5.2) as openssl cms writes it (seeds/SOURCES.md).
    const rc2 = samples(root, "test/fuzz/seeds", (name) => name.startsWith("openssl-enveloped-rc2-"));
    // X25519 with HKDF (RFC 8418): CryptoSys's example to Dana and one written here to her certificate;
    // ChaCha20-Poly1305 (RFC 8103): CryptoSys's example to Bob.
    const dana = readCertificates(sample(root, DANA[1]))[0]!;
    const content = new TextEncoder().encode("Content-Type: text/plain\r\n\r\nfuzz seed\r\n");
    made.push(
      await collect(
        encryptEnvelope(
          chunked(content),
          {
            cipher: contentCipherByName("aes-128-gcm"),
            recipients: [{ certificate: dana, transport: { scheme: "rsa-pkcs1" } }],
          },
          theCore(),
        ),
      ),
    );
    const cryptosys = [
      "cryptosys-authEnvelopedForDanaX25519HKDF.p7m",
      "cryptosys-authEnvelopedForBobChaCha20Poly1305.p7m",
    ];
    const published = cryptosys.map((name) => sample(root, `test/interop/samples/${name}`));
    // KEMRecipientInfo with ML-KEM-512: the published LAMPS example (seeds/SOURCES.md).
    const kem = sample(root, "test/fuzz/seeds/lamps-ml-kem-512-enveloped.der");
    return [...messages.map(derOfMessage), ...made, ...rc2, ...published, kem];
  },
  dictionary: BER_TOKENS,
  async setup(root) {
    const core = await openCore();
    keys = [];
    for (const [keyPath, certPath] of RECIPIENTS) {
      const privateKey = await core.loadRsaPrivateKey(await readPrivateKey(sample(root, keyPath), undefined));
      for (const certificate of readCertificates(sample(root, certPath))) keys.push({ certificate, privateKey });
    }
    const dana = (await readRfc8410PrivateKey(sample(root, DANA[0]))) as XdhPrivateKey;
    for (const certificate of readCertificates(sample(root, DANA[1])))
      keys.push({ kind: "xdh", certificate, privateKey: dana });
    const kemKey = readPqPrivateKey(sample(root, KEM_RECIPIENT[0])) as MlKemPrivateKey;
    for (const certificate of readCertificates(sample(root, KEM_RECIPIENT[1])))
      keys.push({ kind: "ml-kem", certificate, privateKey: kemKey });
  },
  async run(data) {
    await decryptEnvelope(chunked(data), keys, theCore(), () => undefined);
  },
};
export default target;
