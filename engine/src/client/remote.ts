// The host's side of the worker boundary: the Engine over a comlink endpoint. Each call is one round
// trip; a stream argument is transferred (it cannot be cloned), bytes are cloned (the caller keeps
// its buffer). `calls` counts the round trips, so the bench can show them per message.
import { transfer, wrap, type Endpoint, type Remote } from "comlink";
import type { CoreOptions } from "@mailseal/core-wasm";
import type { Engine, MessageSource } from "../api.js";
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

  // Each call typed by the Engine interface itself: a forwarder, nothing of its own to declare.
  readonly setAccounts: Engine["setAccounts"] = (accounts) => this.#count(this.#remote.setAccounts(accounts));

  readonly openMessage: Engine["openMessage"] = (message, options) =>
    this.#count(this.#remote.openMessage(passed(message), options));

  readonly renderMessage: Engine["renderMessage"] = (message, options) =>
    this.#count(this.#remote.renderMessage(passed(message), options));

  readonly sealMessage: Engine["sealMessage"] = (message, options) =>
    this.#count(this.#remote.sealMessage("composed" in message ? message : passed(message), options));

  readonly verifyMessage: Engine["verifyMessage"] = (message, options) =>
    this.#count(this.#remote.verifyMessage(passed(message), options));

  readonly validatePath: Engine["validatePath"] = (path) => this.#count(this.#remote.validatePath(path));

  readonly acceptCrl: Engine["acceptCrl"] = (state, crl, time) => this.#count(this.#remote.acceptCrl(state, crl, time));

  readonly info: Engine["info"] = () => this.#count(this.#remote.info());
}
