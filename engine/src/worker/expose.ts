// What the engine's worker exposes through comlink: the Engine, started once with the host's core
// options. Byte results are transferred, not copied; the sealed stream is transferred whole.
import { transfer } from "comlink";
import type { CoreOptions } from "@mailseal/core-wasm";
import type { Engine } from "../api.js";
import { MailEngine } from "../mail-engine.js";
import type { RenderModel } from "../reader/render-model.js";

/** The worker's side of the boundary: the Engine, and `start` before anything else. */
export interface EngineWorker extends Engine {
  start(options: CoreOptions): Promise<void>;
}

function renderTransferables(model: RenderModel): Transferable[] {
  const buffers = [...(model.inlineImages ?? []).map((i) => i.data), ...(model.attachmentData ?? [])].map(
    (bytes) => bytes.buffer,
  );
  // A buffer listed twice, or one shared with others (a subarray of a larger buffer), cannot be
  // transferred safely: those are cloned instead.
  return [...new Set(buffers)].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
}

export function engineWorker(): EngineWorker {
  let engine: Promise<MailEngine> | undefined;
  const ready = (): Promise<MailEngine> => {
    if (engine === undefined) throw new Error("the engine worker was not started (start first)");
    return engine;
  };
  return {
    async start(options) {
      engine ??= MailEngine.open(options);
      await engine;
    },
    setAccounts: async (accounts) => (await ready()).setAccounts(accounts),
    async openMessage(message, options) {
      const opened = await (await ready()).openMessage(message, options);
      return transfer(opened, [opened.message.buffer as ArrayBuffer]);
    },
    async renderMessage(message, options) {
      const model = await (await ready()).renderMessage(message, options);
      return model === undefined ? undefined : transfer(model, renderTransferables(model));
    },
    async sealMessage(message, options) {
      const sealed = await (await ready()).sealMessage(message, options);
      return transfer(sealed, [sealed as unknown as Transferable]);
    },
    async verifyMessage(message, options) {
      const verified = await (await ready()).verifyMessage(message, options);
      return transfer(verified, [verified.message.buffer as ArrayBuffer]);
    },
    validatePath: async (path) => (await ready()).validatePath(path),
    acceptCrl: async (state, crl, time) => (await ready()).acceptCrl(state, crl, time),
    info: async () => (await ready()).info(),
  };
}
