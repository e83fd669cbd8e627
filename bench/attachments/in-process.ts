// The in-process cost: a 1 MiB message signed then encrypted, and decrypted then verified, through
// the core in its worker (as the add-ins will run it), warm: after warm-up rounds, the median of many.
import { readFileSync } from "node:fs";
import { startNodeCoreWorker } from "@mailseal/core-wasm/node";
import {
  contentCipherByName,
  decryptMessage,
  encryptMessage,
  readCertificates,
  readPrivateKey,
  signMessage,
  verifyMessage,
} from "@mailseal/shared";
import type { Pki } from "./setup.js";

export interface InProcessResult {
  readonly bytes: number;
  readonly rounds: number;
  /** Per operation: median, min and max in milliseconds. */
  readonly encryptSign: { median: number; min: number; max: number };
  readonly decryptVerify: { median: number; min: number; max: number };
}

function stats(ms: number[]): { median: number; min: number; max: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)]!, min: sorted[0]!, max: sorted.at(-1)! };
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of source) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** `messagePath` holds a ~1 MiB message; `entity` is its MIME entity, what must come back. */
export async function measureInProcess(
  pki: Pki,
  messagePath: string,
  entity: Buffer,
  rounds: number,
): Promise<InProcessResult> {
  const message = readFileSync(messagePath);
  // The comlink proxy offers the same methods, each returning a promise: it is a SmimeCore as it is.
  const { core, close } = await startNodeCoreWorker();
  try {
    const certificate = (path: string) => readCertificates(new Uint8Array(readFileSync(path)))[0]!;
    const [alice, bob, ca] = [certificate(pki.aliceCert), certificate(pki.bobCert), certificate(pki.caCert)];
    const signingKey = await core.loadRsaPrivateKey(await readPrivateKey(new Uint8Array(readFileSync(pki.aliceKey))));
    const bobKey = await core.loadRsaPrivateKey(await readPrivateKey(new Uint8Array(readFileSync(pki.bobKey))));
    const recipients = [{ certificate: bob, transport: { scheme: "rsa-pkcs1" as const } }];
    const cipher = contentCipherByName("aes-256-cbc");
    const seal = (): Promise<Buffer> =>
      collect(
        encryptMessage(
          signMessage([message], { key: signingKey, certificate: alice }, core),
          { recipients, cipher },
          core,
        ),
      );
    const open = async (sealed: Buffer): Promise<Buffer> => {
      const signed: Uint8Array[] = [];
      await decryptMessage(
        [sealed],
        [{ certificate: bob, privateKey: bobKey }],
        core,
        (chunk) => void signed.push(chunk),
      );
      const out: Uint8Array[] = [];
      await verifyMessage(signed, { anchors: [ca] }, core, (chunk) => void out.push(chunk));
      return Buffer.concat(out);
    };
    const sealMs: number[] = [];
    const openMs: number[] = [];
    const warmUp = 5;
    for (let i = 0; i < warmUp + rounds; i++) {
      let start = performance.now();
      const sealed = await seal();
      const sealTime = performance.now() - start;
      start = performance.now();
      const opened = await open(sealed);
      const openTime = performance.now() - start;
      if (!opened.equals(entity)) throw new Error("in-process round trip: the verified entity differs from the input");
      if (i < warmUp) continue;
      sealMs.push(sealTime);
      openMs.push(openTime);
    }
    return { bytes: message.length, rounds, encryptSign: stats(sealMs), decryptVerify: stats(openMs) };
  } finally {
    await close();
  }
}
