// A MailsealError thrown in a worker arrives on the other side of comlink as a MailsealError with
// its name, code, message and details (core-wasm/src/worker/transfer.ts and the factory that
// shared/src/offline.ts registers), through a real Node worker_threads worker.
import { installErrorTransfer } from "@mailseal/core-wasm";
import { wrap, type Remote } from "comlink";
import nodeEndpoint from "comlink/dist/esm/node-adapter.mjs";
import { build } from "esbuild";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasCode, isMailsealError, MailsealError } from "../../src/offline.js";

interface Thrower {
  failNoCertificate(): Promise<never>;
  failRevoked(at: number): Promise<never>;
}

let dir: string;
let worker: Worker;
let remote: Remote<Thrower>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "mailseal-worker-errors-"));
  const outfile = join(dir, "worker.mjs");
  await build({
    entryPoints: [fileURLToPath(new URL("fixtures/throwing-worker.ts", import.meta.url))],
    outfile,
    bundle: true,
    format: "esm",
    platform: "node",
    loader: { ".wasm": "binary" },
    logLevel: "silent",
  });
  installErrorTransfer();
  worker = new Worker(outfile);
  remote = wrap<Thrower>(nodeEndpoint(worker));
}, 60_000);

afterAll(async () => {
  await worker?.terminate();
  rmSync(dir, { recursive: true, force: true });
});

async function thrown(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => expect.unreachable("the call should fail"),
    (error: unknown) => error,
  );
}

describe("MailsealError across a worker boundary", () => {
  it("keeps its class, name, code, message and details", async () => {
    const error = await thrown(remote.failNoCertificate());
    expect(error).toBeInstanceOf(MailsealError);
    expect(isMailsealError(error)).toBe(true);
    expect(hasCode(error, "NO_CERTIFICATE")).toBe(true);
    expect(error).toMatchObject({
      name: "MailsealError",
      code: "NO_CERTIFICATE",
      message: "no valid certificate for carol@example.test",
      details: { addresses: ["carol@example.test"] },
    });
  });

  it("keeps structured details (a Date) as structured clone carries them", async () => {
    const at = Date.UTC(2026, 0, 2);
    const error = await thrown(remote.failRevoked(at));
    expect(hasCode(error, "CERT_REVOKED")).toBe(true);
    const details = (error as MailsealError).details;
    expect(details?.revokedAt).toBeInstanceOf(Date);
    expect(details?.revokedAt?.getTime()).toBe(at);
    expect(details?.reason).toBe(1);
  });
});
