// The engine in this thread: CoreService and shared's S/MIME and mailflow code together. In a
// worker (worker/expose.ts) this is what runs there; in process (the CLI) it is used as is.
import { CoreService, type CoreOptions } from "@mailseal/core-wasm";
import {
  acceptCrl,
  concatBytes,
  contentCipherByName,
  parseCertificate,
  parseCrl,
  readMessage,
  sealWithKey,
  validateCertificatePath,
  verifyMessage,
  MailsealError,
  type CachedCrl,
  type Clock,
  type DeviceState,
} from "@mailseal/shared";
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
} from "./api.js";
import { KeyRing } from "./key-ring.js";
import { readForDisplay } from "./reader/read-message.js";
import type { RenderModel } from "./reader/render-model.js";
import { chunksOf, streamOf } from "./source.js";
import { writeMessage } from "./writer/message-writer.js";

function clockAt(time: EpochMs): Clock {
  if (!Number.isFinite(time)) throw new RangeError(`time ${time} is not a point in time (ms since 1970)`);
  return { now: () => new Date(time) };
}

export class MailEngine implements Engine {
  readonly #core: CoreService;
  readonly #keys: KeyRing;
  #accounts: readonly DeviceState[] = [];

  private constructor(core: CoreService) {
    this.#core = core;
    this.#keys = new KeyRing(core);
  }

  /** Opens the crypto core in this thread (`options`: the WebAssembly build and the AES path). */
  static async open(options: CoreOptions = {}): Promise<MailEngine> {
    return new MailEngine(await CoreService.open(options));
  }

  /** The engine over a core this thread has open already (the CLI opens one for every command). */
  static over(core: CoreService): MailEngine {
    return new MailEngine(core);
  }

  async setAccounts(accounts: readonly DeviceState[]): Promise<void> {
    this.#keys.set(accounts);
    this.#accounts = accounts;
  }

  async openMessage(message: MessageSource, options: OpenOptions): Promise<OpenedMessage> {
    const written: Uint8Array[] = [];
    const status = await readMessage(
      chunksOf(message),
      {
        accounts: this.#accounts,
        clock: clockAt(options.time),
        keys: this.#keys.recipientKeys(),
        ...(options.anchors === undefined ? {} : { anchors: options.anchors.map((der) => parseCertificate(der)) }),
      },
      this.#core,
      (chunk) => void written.push(chunk.slice()),
    );
    // One copy into the result: each written chunk is already this call's own copy.
    return { status, message: concatBytes(written) };
  }

  async renderMessage(message: MessageSource, options: OpenOptions): Promise<RenderModel | undefined> {
    return readForDisplay(
      chunksOf(message),
      { accounts: this.#accounts, clock: clockAt(options.time), keys: this.#keys.recipientKeys() },
      this.#core,
    );
  }

  async sealMessage(message: SealInput, options: SealOptions): Promise<ReadableStream<Uint8Array>> {
    const state = this.#accounts.find((a) => a.address === options.signer);
    const key = this.#keys.signingKey(options.signer);
    if (state === undefined || key === undefined) {
      throw new MailsealError("NOT_PROVISIONED", `${options.signer} has no signing key on this device`);
    }
    const own = parseCertificate(options.ownCertificate);
    const encryptTo =
      options.encryptTo === undefined
        ? undefined
        : {
            certificates: options.encryptTo.certificates.map((der) => parseCertificate(der)),
            cipher: contentCipherByName(options.encryptTo.cipher),
          };
    const signingKey = await key;
    const signingTime = clockAt(options.time).now();
    return streamOf(
      sealWithKey(
        this.#sealInput(message),
        state,
        encryptTo === undefined ? { own } : { own, encryptTo },
        signingTime,
        signingKey,
        this.#core,
      ),
    );
  }

  #sealInput(message: SealInput): AsyncGenerator<Uint8Array> {
    if (!("composed" in message)) return chunksOf(message);
    const composed = message.composed;
    return writeMessage(this.#core, {
      ...composed,
      date: clockAt(composed.date).now(),
      attachments: composed.attachments.map((a) => ({
        name: a.name,
        type: a.type,
        data: chunksOf(a.data),
        ...(a.contentId === undefined ? {} : { contentId: a.contentId }),
      })),
    });
  }

  async verifyMessage(message: MessageSource, options: VerifyOptions): Promise<VerifiedMessage> {
    const written: Uint8Array[] = [];
    const verified = await verifyMessage(
      chunksOf(message),
      {
        anchors: options.anchors.map((der) => parseCertificate(der)),
        time: clockAt(options.time).now(),
        crls: (options.crls ?? []).map((der) => parseCrl(der)),
      },
      this.#core,
      (chunk) => void written.push(chunk.slice()),
    );
    const header = verified.outer.map((field) => field.raw);
    return {
      signer: { emailAddresses: [...verified.signer.emailAddresses], displayName: verified.signer.displayName },
      ...(verified.signingTime === undefined ? {} : { signingTime: verified.signingTime.getTime() }),
      message: concatBytes([...header, ...written]),
    };
  }

  async validatePath(path: PathToCheck): Promise<void> {
    await validateCertificatePath(parseCertificate(path.certificate), {
      anchors: path.anchors.map((der) => parseCertificate(der)),
      intermediates: path.intermediates.map((der) => parseCertificate(der)),
      usage: path.usage,
      time: clockAt(path.time).now(),
      crls: (path.crls ?? []).map((der) => parseCrl(der)),
      crypto: this.#core,
    });
  }

  async acceptCrl(state: DeviceState, crl: Uint8Array, time: EpochMs): Promise<CachedCrl | undefined> {
    return acceptCrl(state, crl, clockAt(time).now(), this.#core);
  }

  async info(): Promise<EngineInfo> {
    const core = await this.#core.info();
    return { build: core.build, aes: core.aes, loadedKeys: this.#keys.loadedCount() };
  }

  /** Wipes every loaded key (the engine stays usable: keys load again on use). */
  close(): void {
    this.#keys.clear();
    this.#accounts = [];
  }
}
