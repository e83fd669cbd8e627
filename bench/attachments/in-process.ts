// The in-process cost of one message, warm (after warm-up rounds, the median of many), side by side
// in one run, rounds interleaved so drift of the machine spreads over every path:
// - the core's path: the crypto core in its worker (startNodeCoreWorker), shared's S/MIME code in this
//   thread, so every primitive on every chunk is a round trip to the worker (counted at the proxy);
// - the engine's path: shared and the core together in the engine's worker (startNodeEngine), one
//   round trip per message (RemoteEngine.calls), the sealed message coming back as a stream;
// - the key history: opening with an account holding 1 key, and one holding 20 (19 retired).
import { readFileSync } from "node:fs";
import { Worker } from "node:worker_threads";
import nodeEndpoint from "comlink/dist/esm/node-adapter.mjs";
import { aesPathFromEnvironment, startNodeCoreWorker } from "@mailseal/core-wasm/node";
import { RemoteEngine } from "@mailseal/engine";
import { startNodeEngine, type NodeEngineWorker } from "@mailseal/engine/node";
import {
  contentCipherByName,
  decryptMessage,
  encryptMessage,
  readCertificates,
  readPrivateKey,
  signMessage,
  verifyMessage,
  type MailflowCore,
} from "@mailseal/shared";
import { benchAccount, certificateDer } from "./accounts.js";
import type { HistoryKey, Pki } from "./setup.js";

export interface Timing {
  /** Milliseconds. */
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export interface PathResult {
  /** Sign, then encrypt (AES-256-CBC) to bob and to the sender. */
  readonly seal: Timing;
  /** Decrypt with bob's key, then verify to the CA. */
  readonly open: Timing;
  /**
   * CPU time of the whole process (every thread: host, worker, libuv's pool) per operation, ms: on a
   * machine shared with other work it varies far less than the wall time.
   */
  readonly sealCpu: Timing;
  readonly openCpu: Timing;
  /** Calls crossing the worker boundary per message (median over the rounds). */
  readonly callsPerSeal: number;
  readonly callsPerOpen: number;
  /** The engine only: chunks of the sealed stream, each one message over the stream's port. */
  readonly sealedChunks?: number;
}

export interface KeyHistoryResult {
  /** Keys of the long history: retired ones, then the current one. */
  readonly keys: number;
  readonly messageBytes: number;
  /** Opening a message to the current key, warm, with 1 key and with `keys`. */
  readonly oneKey: Timing;
  readonly manyKeys: Timing;
  /** Opening a message to the oldest key, warm, with `keys`. */
  readonly oldKey: Timing;
  /** The first open after setAccounts (the key it names is loaded then), one sample each. */
  readonly firstOpenMs: { readonly oneKey: number; readonly manyKeys: number; readonly oldKey: number };
}

export interface InProcessResult {
  readonly bytes: number;
  readonly rounds: number;
  readonly corePath: PathResult;
  readonly engine: PathResult;
  readonly keyHistory: KeyHistoryResult;
}

export function stats(values: readonly number[]): Timing {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)]!, min: sorted[0]!, max: sorted.at(-1)! };
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of source) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** A stream's bytes and how many chunks it came in. */
async function drain(stream: ReadableStream<Uint8Array>): Promise<{ bytes: Buffer; chunks: number }> {
  const chunks: Uint8Array[] = [];
  const reader = stream.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) chunks.push(next.value);
  return { bytes: Buffer.concat(chunks), chunks: chunks.length };
}

/**
 * `remote` with every method call counted, on it and on the objects its calls return (comlink
 * proxies of streams and keys: each call on them is a round trip too).
 */
function counted<T extends object>(remote: T, onCall: () => void): T {
  return new Proxy(remote, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      // Symbols (comlink's release and finalizer hooks) and `then` are not calls to the worker.
      if (typeof property === "symbol" || property === "then" || typeof value !== "function") return value;
      return (...args: unknown[]): unknown => {
        onCall();
        const result: unknown = Reflect.apply(value, target, args);
        return result instanceof Promise
          ? result.then((r: unknown) => (typeof r === "function" ? counted(r, onCall) : r))
          : result;
      };
    },
  });
}

/** A short message for the key history: there the per-message cost of the keys must not drown in AES. */
const SHORT_MESSAGE = Buffer.from(
  "From: Alice <alice@example.org>\r\nTo: Bob <bob@example.org>\r\nSubject: short\r\nMIME-Version: 1.0\r\n" +
    "Content-Type: text/plain; charset=utf-8\r\n\r\n" +
    "The numbers follow next week.\r\n".repeat(128),
  "latin1",
);

/**
 * The engine in a worker that writes a CPU profile into `profileDir` when it ends (startNodeEngine
 * takes no worker options): the same bundle, the same AES path choice.
 */
async function startProfiledEngine(profileDir: string): Promise<NodeEngineWorker> {
  const worker = new Worker(new URL("../../engine/build/engine.node.mjs", import.meta.url), {
    execArgv: ["--cpu-prof", `--cpu-prof-dir=${profileDir}`],
  });
  const aes = aesPathFromEnvironment();
  const engine = await RemoteEngine.start(nodeEndpoint(worker), aes === undefined ? {} : { aes });
  return { engine, close: async () => void (await worker.terminate()) };
}

/**
 * What openMessage gives back for `message`: its outer fields and its entity, without MIME-Version
 * (the S/MIME message's own, which the entity does not carry: shared/src/mime/rfc5322-message.ts).
 */
function opensAs(message: Buffer): Buffer {
  return Buffer.from(message.toString("latin1").replace("MIME-Version: 1.0\r\n", ""), "latin1");
}

/**
 * `messagePath` holds a ~1 MiB message from alice to bob; `entity` is its MIME entity (what the core's
 * path gives back), `history` bob's retired keys for the key-history measure.
 */
export async function measureInProcess(
  pki: Pki,
  history: readonly HistoryKey[],
  messagePath: string,
  entity: Buffer,
  rounds: number,
  /** Where the engine's worker (the one of the 1 MiB message) writes a CPU profile, if anywhere. */
  profileDir?: string,
): Promise<InProcessResult> {
  const message = readFileSync(messagePath);
  const aliceKeys = { cert: pki.aliceCert, key: pki.aliceKey };
  const bobKeys = { cert: pki.bobCert, key: pki.bobKey };
  const alice = benchAccount({
    address: "alice@example.org",
    root: pki.caCert,
    keys: [aliceKeys],
    signing: aliceKeys,
  });
  const bob = benchAccount({ address: "bob@example.org", root: pki.caCert, keys: [bobKeys] });
  const bobWithHistory = benchAccount({ address: "bob@example.org", root: pki.caCert, keys: [...history, bobKeys] });
  const [aliceDer, bobDer] = [certificateDer(pki.aliceCert), certificateDer(pki.bobCert)];
  const oldestDer = certificateDer(history[0]!.cert);

  const coreWorker = await startNodeCoreWorker();
  const workers: NodeEngineWorker[] = [];
  try {
    // --- the core's path ------------------------------------------------------------------------
    let coreCalls = 0;
    const core: MailflowCore = counted(coreWorker.core, () => void (coreCalls += 1));
    const certificate = (path: string) => readCertificates(new Uint8Array(readFileSync(path)))[0]!;
    const [aliceCert, bobCert, caCert] = [
      certificate(pki.aliceCert),
      certificate(pki.bobCert),
      certificate(pki.caCert),
    ];
    const signingKey = await core.loadRsaPrivateKey(await readPrivateKey(new Uint8Array(readFileSync(pki.aliceKey))));
    const bobKey = await core.loadRsaPrivateKey(await readPrivateKey(new Uint8Array(readFileSync(pki.bobKey))));
    const recipients = [bobCert, aliceCert].map((c) => ({
      certificate: c,
      transport: { scheme: "rsa-pkcs1" as const },
    }));
    const cipher = contentCipherByName("aes-256-cbc");
    const coreSeal = (): Promise<Buffer> =>
      collect(
        encryptMessage(
          signMessage([message], { key: signingKey, certificate: aliceCert }, core),
          { recipients, cipher },
          core,
        ),
      );
    const coreOpen = async (sealed: Buffer): Promise<Buffer> => {
      const signed: Uint8Array[] = [];
      await decryptMessage(
        [sealed],
        [{ certificate: bobCert, privateKey: bobKey }],
        core,
        // decryptMessage frees each plaintext chunk once write has settled: keep a copy.
        (chunk) => void signed.push(chunk.slice()),
      );
      const out: Uint8Array[] = [];
      await verifyMessage(signed, { anchors: [caCert] }, core, (chunk) => void out.push(chunk));
      return Buffer.concat(out);
    };

    // --- the engine's path ----------------------------------------------------------------------
    const start = async (profile?: string): Promise<NodeEngineWorker> => {
      const worker = await (profile === undefined ? startNodeEngine() : startProfiledEngine(profile));
      workers.push(worker);
      return worker;
    };
    const { engine } = await start(profileDir);
    await engine.setAccounts([alice, bob]);
    const engineSeal = async (input: Uint8Array, to = bobDer) =>
      drain(
        await engine.sealMessage(input, {
          signer: "alice@example.org",
          ownCertificate: aliceDer,
          encryptTo: { certificates: [to], cipher: "aes-256-cbc" },
          time: Date.now(),
        }),
      );
    const openAt = () => ({ time: Date.now() });
    const opened1MiB = opensAs(message);

    // --- the key history: bob alone on a device, 1 key or 20 ------------------------------------
    const shortToCurrent = (await engineSeal(SHORT_MESSAGE)).bytes;
    const shortToOldest = (await engineSeal(SHORT_MESSAGE, oldestDer)).bytes;
    const { engine: oneKey } = await start();
    const { engine: manyKeys } = await start();
    await oneKey.setAccounts([bob]);
    await manyKeys.setAccounts([bobWithHistory]);
    const shortOpened = opensAs(SHORT_MESSAGE);
    const openShort = async (reader: typeof engine, sealed: Uint8Array): Promise<number> => {
      const begin = performance.now();
      const opened = await reader.openMessage(sealed, openAt());
      const ms = performance.now() - begin;
      if (opened.status.signature.state !== "valid" || !Buffer.from(opened.message).equals(shortOpened)) {
        throw new Error("key history: the opened message differs from the one sealed, or its signature is not valid");
      }
      return ms;
    };
    const firstOpenMs = {
      oneKey: await openShort(oneKey, shortToCurrent),
      manyKeys: await openShort(manyKeys, shortToCurrent),
      oldKey: await openShort(manyKeys, shortToOldest),
    };

    const times = {
      coreSeal: [] as number[],
      coreOpen: [] as number[],
      engineSeal: [] as number[],
      engineOpen: [] as number[],
      oneKey: [] as number[],
      manyKeys: [] as number[],
      oldKey: [] as number[],
    };
    const cpuTimes = new Map<number[], number[]>();
    const cpuOf = (wall: number[]): number[] => {
      let cpu = cpuTimes.get(wall);
      if (cpu === undefined) cpuTimes.set(wall, (cpu = []));
      return cpu;
    };
    const calls = { coreSeal: [] as number[], coreOpen: [] as number[] };
    const engineCalls = { seal: [] as number[], open: [] as number[], chunks: [] as number[] };
    const warmUp = 5;
    for (let i = 0; i < warmUp + rounds; i++) {
      const counting = i >= warmUp;
      const timed = async <T>(into: number[], run: () => Promise<T>): Promise<T> => {
        const cpu = process.cpuUsage();
        const begin = performance.now();
        const result = await run();
        if (counting) {
          into.push(performance.now() - begin);
          const used = process.cpuUsage(cpu);
          cpuOf(into).push((used.user + used.system) / 1000);
        }
        return result;
      };

      let before = coreCalls;
      const coreSealed = await timed(times.coreSeal, coreSeal);
      const coreSealCalls = coreCalls - before;
      before = coreCalls;
      const coreOpened = await timed(times.coreOpen, () => coreOpen(coreSealed));
      const coreOpenCalls = coreCalls - before;
      if (!coreOpened.equals(entity)) throw new Error("the core's path: the verified entity differs from the input");

      before = engine.calls;
      const sealed = await timed(times.engineSeal, () => engineSeal(message));
      const engineSealCalls = engine.calls - before;
      before = engine.calls;
      const opened = await timed(times.engineOpen, () => engine.openMessage(sealed.bytes, openAt()));
      const engineOpenCalls = engine.calls - before;
      if (opened.status.signature.state !== "valid" || !Buffer.from(opened.message).equals(opened1MiB)) {
        throw new Error("the engine's path: the opened message differs from the input, or its signature is not valid");
      }

      // In an order rotated per round: the first open after the 1 MiB one meets its garbage collection.
      const shortOpens = [
        () => openShort(oneKey, shortToCurrent),
        () => openShort(manyKeys, shortToCurrent),
        () => openShort(manyKeys, shortToOldest),
      ];
      const shortMs = [0, 0, 0];
      for (let k = 0; k < shortOpens.length; k++) {
        const which = (k + i) % shortOpens.length;
        shortMs[which] = await shortOpens[which]!();
      }
      const [oneKeyMs, manyKeysMs, oldKeyMs] = shortMs as [number, number, number];

      if (!counting) continue;
      times.oneKey.push(oneKeyMs);
      times.manyKeys.push(manyKeysMs);
      times.oldKey.push(oldKeyMs);
      calls.coreSeal.push(coreSealCalls);
      calls.coreOpen.push(coreOpenCalls);
      engineCalls.seal.push(engineSealCalls);
      engineCalls.open.push(engineOpenCalls);
      engineCalls.chunks.push(sealed.chunks);
    }
    const median = (values: number[]): number => stats(values).median;
    /** One path's result from its wall times (their CPU times kept beside them) and calls per message. */
    const pathOf = (seal: number[], open: number[], sealCalls: number[], openCalls: number[]): PathResult => ({
      seal: stats(seal),
      open: stats(open),
      sealCpu: stats(cpuOf(seal)),
      openCpu: stats(cpuOf(open)),
      callsPerSeal: median(sealCalls),
      callsPerOpen: median(openCalls),
    });
    return {
      bytes: message.length,
      rounds,
      corePath: pathOf(times.coreSeal, times.coreOpen, calls.coreSeal, calls.coreOpen),
      engine: {
        ...pathOf(times.engineSeal, times.engineOpen, engineCalls.seal, engineCalls.open),
        sealedChunks: median(engineCalls.chunks),
      },
      keyHistory: {
        keys: history.length + 1,
        messageBytes: SHORT_MESSAGE.length,
        oneKey: stats(times.oneKey),
        manyKeys: stats(times.manyKeys),
        oldKey: stats(times.oldKey),
        firstOpenMs,
      },
    };
  } finally {
    for (const worker of workers) await worker.close();
    await coreWorker.close();
  }
}
