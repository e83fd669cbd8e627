// `npm run demo`: the crypto core in a worker_threads worker, used end to end on
// a sample message the way S/MIME will use it (hybrid encryption, digest, base64 transfer encoding).
import { constants, generateKeyPairSync, publicEncrypt, type KeyObject } from "node:crypto";
import { startNodeCoreWorker } from "@mailseal/core-wasm/node";
import { rsaPrivateKeyFromJwk, type RsaPrivateKey } from "@mailseal/core-wasm";

const text = new TextEncoder();
const message = text.encode(
  "From: alice@example.org\r\nTo: bob@example.org\r\nSubject: hello\r\n\r\nHello Bob!\r\n".repeat(200),
);

/** An RSA-3072 key pair from node:crypto, and its private key as the components the core loads. */
function keyPair(): { publicKey: KeyObject; components: RsaPrivateKey } {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 3072 });
  const components = rsaPrivateKeyFromJwk(privateKey.export({ format: "jwk" }));
  return { publicKey, components };
}

const { core, close } = await startNodeCoreWorker();
try {
  const info = await core.info();
  console.log(`crypto core running in a worker: ${info.build} build, bulk AES via ${info.aes}`);

  const digest = await core.createHash("SHA-256");
  await digest.update(message);
  console.log(`SHA-256 of the ${message.length}-byte message: ${Buffer.from(await digest.digest()).toString("hex")}`);

  const contentKey = globalThis.crypto.getRandomValues(new Uint8Array(32));
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));
  const encryptor = await core.createEncryptor({ cipher: "aes-256-gcm", key: contentKey, iv });
  const body = await encryptor.update(message);
  const { data, tag } = await encryptor.final();
  const ciphertext = Buffer.concat([body, data]);
  console.log(`AES-256-GCM: ${ciphertext.length} bytes of ciphertext, tag ${Buffer.from(tag!).toString("hex")}`);

  const { publicKey, components } = keyPair();
  const wrappedKey = publicEncrypt(
    { key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" },
    contentKey,
  );
  const privateKey = await core.loadRsaPrivateKey(components);
  const unwrapped = await privateKey.oaepDecrypt(wrappedKey, { hash: "SHA-256" });
  privateKey.dispose();
  console.log(
    `RSA-OAEP (3072, key wrapped by node:crypto) unwrapped in the core: ${Buffer.from(unwrapped).equals(contentKey) ? "match" : "MISMATCH"}`,
  );

  const decryptor = await core.createDecryptor({ cipher: "aes-256-gcm", key: unwrapped, iv });
  const plain = Buffer.concat([await decryptor.update(ciphertext), await decryptor.final(tag)]);
  console.log(`AES-256-GCM decrypt and tag check: ${plain.equals(message) ? "round trip ok" : "MISMATCH"}`);

  const encoder = await core.createBase64Encoder({ lineLength: 76 });
  const armored = Buffer.concat([await encoder.update(ciphertext.subarray(0, 171)), await encoder.final()]).toString(
    "latin1",
  );
  console.log(`first lines of the base64 body, as MIME wraps them:\n${armored}`);
} finally {
  await close();
}
