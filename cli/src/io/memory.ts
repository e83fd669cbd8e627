// Bounded memory for large messages. Every chunk of a message passes through a few short-lived
// buffers (read, encrypt, base64, write) whose bytes live outside the V8 heap, and V8 collects them
// only under "external memory pressure", after tens of MiB have piled up; buffers that happen to
// survive two young collections move to the old generation and wait for a full one. So a young
// collection runs every MiB of input and a full one every 64 MiB. Measured on a 1 GiB message
// (bench/README.md): peak RSS 46-51 MiB above a bare Node process; a full collection every 16 MiB
// holds about the same peak but costs about 10 % of the run (each one marks the whole heap, code
// included), and none at all lets promoted buffers pile up to about 75 MiB above bare Node.
// Issue 11 asks for these collections to go; without them the command stays above its target
// (bare Node + 64 MiB) even with the bulk buffers of shared and the core, the read chunks and the
// decoded base64 freed where they die (core-wasm's release, handOver): CBC and GCM decryption now
// meet it without them, but GCM encryption does not (Node 20's WebCrypto copies the additionalData
// through which the core computes GHASH, a copy nothing can free), so they stay until the target is
// met (bench/README.md, "Forced garbage collection (issue 11)").

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** Input between two young-generation collections. */
export const COLLECT_EVERY_BYTES = 1024 * 1024;
/** Every so many collections, a full one (promoted buffers). */
export const FULL_COLLECTION_EVERY = 64;

type Collect = (options?: { type: "minor" }) => void;

// The documented way to reach gc() without starting Node with --expose-gc (node:v8, setFlagsFromString).
// The flag is set back at once: the function stays, and V8's flags are again those of a fresh process,
// which a code cache is checked against (bin/mailseal.mjs writes one at exit).
setFlagsFromString("--expose-gc");
const collect = runInNewContext("gc") as Collect;
setFlagsFromString("--no-expose-gc");

let sinceCollection = 0;
let collections = 0;

/** Counts bytes that went through the pipeline and collects their garbage now and then. */
export function processed(bytes: number): void {
  sinceCollection += bytes;
  if (sinceCollection < COLLECT_EVERY_BYTES) return;
  sinceCollection = 0;
  collections++;
  collect(collections % FULL_COLLECTION_EVERY === 0 ? undefined : { type: "minor" });
}
