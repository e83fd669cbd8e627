// mailseal encrypt: a whole message in, the same message S/MIME-encrypted out.
import type { CoreService } from "@mailseal/core-wasm";
import {
  contentCipherByName,
  encryptMessage,
  type EnvelopeRecipient,
  type KeyTransport,
  MailsealError,
  pqPublicKeyOf,
} from "@mailseal/shared/offline";
import { recipientCertificate } from "../keys.js";
import { oneOf, parseOptions } from "../options.js";
import { withInputOutput } from "../run-io.js";

export const CIPHERS = [
  "aes-256-cbc",
  "aes-192-cbc",
  "aes-128-cbc",
  "aes-256-gcm",
  "aes-128-gcm",
  "chacha20-poly1305",
] as const;
export const KEY_TRANSPORTS = ["rsa-pkcs1", "rsa-oaep", "rsa-oaep-sha256"] as const;

const NO_LABEL = new Uint8Array(0);

/** RFC 3560 section 3: rsa-oaep with its DEFAULT parameters is SHA-1 and MGF1-SHA-1. */
const TRANSPORT: Record<(typeof KEY_TRANSPORTS)[number], KeyTransport> = {
  "rsa-pkcs1": { scheme: "rsa-pkcs1" },
  "rsa-oaep": { scheme: "rsa-oaep", hash: "SHA-1", mgfHash: "SHA-1", label: NO_LABEL },
  "rsa-oaep-sha256": { scheme: "rsa-oaep", hash: "SHA-256", mgfHash: "SHA-256", label: NO_LABEL },
};

export async function encryptCommand(args: string[], core: CoreService): Promise<string | undefined> {
  const values = parseOptions("encrypt", args, {
    recipient: { type: "string", multiple: true },
    pq: { type: "string", multiple: true },
    cipher: { type: "string", default: "aes-256-cbc" },
    "key-transport": { type: "string", default: "rsa-pkcs1" },
    in: { type: "string" },
    out: { type: "string" },
  });
  if (values.help === true) return "encrypt";
  const recipientPaths = values.recipient ?? [];
  if (recipientPaths.length === 0 && (values.pq ?? []).length === 0)
    throw new MailsealError("USAGE", "encrypt needs at least one --recipient CERT.pem");
  const cipher = contentCipherByName(oneOf(values.cipher, CIPHERS, "--cipher"));
  const transport = TRANSPORT[oneOf(values["key-transport"], KEY_TRANSPORTS, "--key-transport")];
  const recipients: EnvelopeRecipient[] = [];
  for (const path of recipientPaths) recipients.push({ certificate: await recipientCertificate(path), transport });
  // --pq: a recipient's ML-KEM certificate beside their classic one (hybrid): a KEMRecipientInfo
  // (RFC 9629) next to the KeyTransRecipientInfo, so post-quantum readers use the first and every
  // other reader the second.
  for (const path of values.pq ?? []) {
    const certificate = await recipientCertificate(path);
    if (pqPublicKeyOf(certificate.publicKey)?.kind !== "ml-kem")
      throw new MailsealError("USAGE", `--pq ${path}: not an ML-KEM certificate (RFC 9935)`);
    recipients.push({ certificate, transport });
  }
  await withInputOutput({ in: values.in, out: values.out, holdBack: false, mode: 0o666 }, async (input, output) => {
    // Consumed: every output has copied or written a chunk when its write settles. Handed over:
    // the read chunks are the command's own, for the pipeline to free once taken (issue 11).
    const sealed = encryptMessage(input.source, { recipients, cipher, consumed: true, handOver: true }, core);
    for await (const chunk of sealed) await output.write(chunk);
  });
  return undefined;
}
