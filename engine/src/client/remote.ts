// The host's side of the worker boundary: the Engine over a comlink endpoint. Each call is one round
// trip; a stream argument is transferred (it cannot be cloned), bytes are cloned (the caller keeps
// its buffer). `calls` counts the round trips, so the bench can show them per message.
import { transfer, wrap, type Endpoint, type Remote } from "comlink";
import type { CoreOptions } from "@mailseal/core-wasm";
import type { DeviceState } from "@mailseal/shared";
import type {
  Engine,
  EngineInfo,
  EpochMs,
  MessageSource,
  OpenOptions,
  OpenedMessage,
  PathToCheck,
  SealInput,
  SealOptions,
  VerifiedMessage,
  VerifyOptions,
} from "../api.js";
import type { RenderModel } from "../reader/render-model.js";
import type { EngineWorker } from "../worker/expose.js";
import { installErrorTransfer } from "../worker/coded-errors.js";

function passed(message: MessageSource): MessageSource {
  return message instanceof ReadableStream ? transfer(message, [message as unknown as Transferable]) : message;
}

export class RemoteEngine implements Engine {
  readonly #remote: Remote<EngineWorker>;
  #calls = 0;

  private constructor(remote: Remote<EngineWorker>) {
    this.#remote = remote;
  }

  /** Starts the engine behind `endpoint` (a Worker, or a Node worker through comlink's node adapter). */
  static async start(endpoint: Endpoint, options: CoreOptions = {}): Promise<RemoteEngine> {
    installErrorTransfer();
    const remote = wrap<EngineWorker>(endpoint);
    await remote.start(options);
    return new RemoteEngine(remote);
  }

  /** Round trips made through this engine so far. */
  get calls(): number {
    return this.#calls;
  }

  #count<T>(call: Promise<T>): Promise<T> {
    this.#calls += 1;
    return call;
  }

  setAccounts(accounts: readonly DeviceState[]): Promise<void> {
    return this.#count(this.#remote.setAccounts(accounts));
  }

  openMessage(message: MessageSource, options: OpenOptions): Promise<OpenedMessage> {
    return this.#count(this.#remote.openMessage(passed(message), options));
  }

  renderMessage(message: MessageSource, options: OpenOptions): Promise<RenderModel | undefined> {
    return this.#count(this.#remote.renderMessage(passed(message), options));
  }

  sealMessage(message: SealInput, options: SealOptions): Promise<ReadableStream<Uint8Array>> {
    return this.#count(this.#remote.sealMessage("composed" in message ? message : passed(message), options));
  }

  verifyMessage(message: MessageSource, options: VerifyOptions): Promise<VerifiedMessage> {
    return this.#count(this.#remote.verifyMessage(passed(message), options));
  }

  validatePath(path: PathToCheck): Promise<void> {
    return this.#count(this.#remote.validatePath(path));
  }

  acceptCrl(state: DeviceState, crl: Uint8Array, time: EpochMs) {
    return this.#count(this.#remote.acceptCrl(state, crl, time));
  }

  info(): Promise<EngineInfo> {
    return this.#count(this.#remote.info());
  }
}
