// The private keys of the device's accounts inside the engine. Each encryption key of the history is
// listed with its certificate but loaded into the core only when a message's RecipientInfo names it
// (decryptMessage matches rid by issuerAndSerialNumber or subjectKeyIdentifier, RFC 5652 6.2.1, before
// it calls the key), and kept loaded for the next message: reading with twenty old keys costs what
// reading with one does. A key whose account no longer lists it is wiped from the core.
import {
  certificateFromWire,
  decodeBase64url,
  readPrivateKey,
  type Certificate,
  type DeviceState,
  type KeyTransportPrivateKey,
  type LoadedRsaKey,
  type MailflowCore,
  type RecipientKey,
} from "@mailseal/shared";
import { rsaPrivateKeyFromJwk } from "@mailseal/core-wasm";

interface Held {
  /** What the key was made from: a different value under the same id is a different key. */
  source: string;
  certificate: Certificate;
  load: () => Promise<LoadedRsaKey>;
  loaded?: Promise<LoadedRsaKey> | undefined;
}

export class KeyRing {
  readonly #core: MailflowCore;
  /** Encryption keys by account and key id. */
  #keys = new Map<string, Held>();
  /** Signing keys by account. */
  #signing = new Map<string, Held>();

  constructor(core: MailflowCore) {
    this.#core = core;
  }

  /** Takes the accounts' keys: unchanged ones stay (loaded or not), others are wiped. */
  set(accounts: readonly DeviceState[]): void {
    const keys = new Map<string, Held>();
    const signing = new Map<string, Held>();
    for (const account of accounts) {
      for (const key of account.keys) {
        if (key.pkcs8 === undefined) continue;
        const id = `${account.address}\n${key.keyId}`;
        const pkcs8 = key.pkcs8;
        keys.set(
          id,
          this.#keep(this.#keys.get(id), pkcs8 + key.certificate, () => ({
            certificate: certificateFromWire(key.certificate, "key certificate"),
            load: async () => this.#core.loadRsaPrivateKey(await readPrivateKey(decodeBase64url(pkcs8, "pkcs8"))),
          })),
        );
      }
      const signingState = account.signing;
      if (signingState !== undefined) {
        signing.set(
          account.address,
          this.#keep(
            this.#signing.get(account.address),
            JSON.stringify(signingState.privateKey) + signingState.certificate,
            () => ({
              certificate: certificateFromWire(signingState.certificate, "signing certificate"),
              load: () => this.#core.loadRsaPrivateKey(rsaPrivateKeyFromJwk(signingState.privateKey)),
            }),
          ),
        );
      }
    }
    for (const [id, held] of this.#keys) if (keys.get(id) !== held) wipe(held);
    for (const [id, held] of this.#signing) if (signing.get(id) !== held) wipe(held);
    this.#keys = keys;
    this.#signing = signing;
  }

  #keep(held: Held | undefined, source: string, make: () => Omit<Held, "source">): Held {
    return held !== undefined && held.source === source ? held : { source, ...make() };
  }

  /** Every encryption key of the accounts, each loaded into the core on its first use. */
  recipientKeys(): RecipientKey[] {
    return [...this.#keys.values()].map((held) => ({ certificate: held.certificate, privateKey: lazyKey(held) }));
  }

  /** The signing key of `address`, loaded (once). */
  signingKey(address: string): Promise<LoadedRsaKey> | undefined {
    const held = this.#signing.get(address);
    return held === undefined ? undefined : loaded(held);
  }

  /** How many keys are loaded in the core now. */
  loadedCount(): number {
    return [...this.#keys.values(), ...this.#signing.values()].filter((h) => h.loaded !== undefined).length;
  }

  /** Wipes every key. */
  clear(): void {
    this.set([]);
  }
}

function loaded(held: Held): Promise<LoadedRsaKey> {
  held.loaded ??= held.load().catch((error: unknown) => {
    held.loaded = undefined; // a failed load is tried again next time
    throw error;
  });
  return held.loaded;
}

function wipe(held: Held): void {
  void held.loaded?.then(
    (key) => key.dispose(),
    () => {},
  );
  held.loaded = undefined;
}

function lazyKey(held: Held): KeyTransportPrivateKey {
  return {
    pkcs1v15DecryptKey: async (ciphertext, expectedLength) =>
      (await loaded(held)).pkcs1v15DecryptKey(ciphertext, expectedLength),
    oaepDecrypt: async (ciphertext, options) => (await loaded(held)).oaepDecrypt(ciphertext, options),
  };
}
