// OpenPGP.js 6 as a whole process, streamed: `node openpgp.mjs encrypt IN OUT PUBLIC_KEY` and
// `node openpgp.mjs decrypt IN OUT PRIVATE_KEY`. SEIPDv2 with AES-256-GCM (the key advertises it),
// ASCII-armored as PGP/MIME sends it, so it carries the same base64 work as S/MIME's transfer encoding.
import { createReadStream, createWriteStream, readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import * as openpgp from "openpgp";

const config = { aeadProtect: true, preferredAEADAlgorithm: openpgp.enums.aead.gcm };

const [op, input, output, keyPath] = process.argv.slice(2) as [string, string, string, string];
if (op === "encrypt") {
  const encryptionKeys = await openpgp.readKey({ armoredKey: readFileSync(keyPath, "utf8") });
  const binary = Readable.toWeb(createReadStream(input)) as ReadableStream<Uint8Array>;
  const message = await openpgp.createMessage({ binary });
  const armored = await openpgp.encrypt({ message, encryptionKeys, format: "armored", config });
  await pipeline(Readable.fromWeb(armored as WebReadableStream<string>), createWriteStream(output));
} else if (op === "decrypt") {
  const decryptionKeys = await openpgp.readPrivateKey({ armoredKey: readFileSync(keyPath, "utf8") });
  // Bytes decoded to text by a TextDecoderStream: a string-mode Node stream given to toWeb() breaks
  // its byte-length queuing strategy (NaN size) as soon as backpressure starts.
  const bytes = Readable.toWeb(createReadStream(input)) as ReadableStream<BufferSource>;
  const armoredMessage = bytes.pipeThrough(new TextDecoderStream());
  const message = await openpgp.readMessage({ armoredMessage });
  const { data } = await openpgp.decrypt({ message, decryptionKeys, format: "binary", config });
  await pipeline(Readable.fromWeb(data as WebReadableStream<Uint8Array>), createWriteStream(output));
  // Only now are all packets read: the comparison must be SEIPDv2 with GCM, not a v1 fallback.
  const sealed = message.packets.findPacket(openpgp.enums.packet.symEncryptedIntegrityProtectedData) as
    { version: number; aeadAlgorithm: number } | undefined;
  if (sealed?.version !== 2 || sealed.aeadAlgorithm !== openpgp.enums.aead.gcm) {
    throw new Error(`not SEIPDv2 with AES-GCM: ${JSON.stringify(sealed && { v: sealed.version })}`);
  }
} else {
  throw new Error("usage: openpgp.mjs encrypt|decrypt IN OUT KEY");
}
