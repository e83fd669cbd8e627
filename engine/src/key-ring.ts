// The private keys of the device's accounts inside the engine. Each encryption key of the history is
// listed with its certificate but loaded into the core only when a message's RecipientInfo names it
// (decryptMessage matches rid by issuerAndSerialNumber or subjectKeyIdentifier, RFC 5652 6.2.1, before
// it calls the key), and kept loaded for the next message: reading with twenty old keys costs what
// reading with one does. A key whose account no longer lists it is wiped from the core.
import {
  certificateFromWire,
  decodeBase64url,
  MailsealError,
  pqPrivateKeyFromPkcs8,
  readPrivateKey,
  type Certificate,
  type DeviceState,
  type KeyTransportPrivateKey,
  type LoadedRsaKey,
  type MailflowCore,
  type MlKemPrivateKey,
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

/** An ML-KEM key of the history (issue 15): made from its PKCS#8 on first use, kept until wiped. */
interface HeldKem {
  source: string;
  certificate: Certificate;
  pkcs8: string;
  key?: MlKemPrivateKey | undefined;
}

export class KeyRing {
  readonly #core: MailflowCore;
  /** Encryption keys by account and key id. */
  #keys = new Map<string, Held>();
  /** ML-KEM keys by account and key id (the state's kemKeys). */
  #kemKeys = new Map<string, HeldKem>();
  /** Signing keys by account. */
  #signing = new Map<string, Held>();

  constructor(core: MailflowCore) {
    this.#core = core;
  }

  /** Takes the accounts' keys: unchanged ones stay (loaded or not), others are wiped. */
  set(accounts: readonly DeviceState[]): void {
    const keys = new Map<string, Held>();
    const signing = new Map<string, Held>();
    const kemKeys = new Map<string, HeldKem>();
    for (const account of accounts) {
      for (const key of account.kemKeys ?? []) {
        if (key.pkcs8 === undefined) continue;
        const id = `${account.address}\n${key.keyId}`;
        const source = key.pkcs8 + key.certificate;
        const held = this.#kemKeys.get(id);
        kemKeys.set(
          id,
          held !== undefined && held.source === source
            ? held
            : { source, certificate: certificateFromWire(key.certificate, "key certificate"), pkcs8: key.pkcs8 },
        );
      }
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
    for (const [id, held] of this.#kemKeys) if (kemKeys.get(id) !== held) wipeKem(held);
    this.#keys = keys;
    this.#signing = signing;
    this.#kemKeys = kemKeys;
  }

  #keep(held: Held | undefined, source: string, make: () => Omit<Held, "source">): Held {
    return held !== undefined && held.source === source ? held : { source, ...make() };
  }

  /** Every encryption key of the accounts, each loaded into the core on its first use. */
  recipientKeys(): RecipientKey[] {
    const rsa: RecipientKey[] = [...this.#keys.values()].map((held) => ({
      certificate: held.certificate,
      privateKey: lazyKey(held),
    }));
    // An ML-KEM key is named by the KEMRecipientInfo's rid (issuerAndSerialNumber or
    // subjectKeyIdentifier, RFC 9629 3) like an RSA key by its KeyTransRecipientInfo's; its
    // decapsulation key is made from the seed only when a message needs it (lazyKemKey).
    const kem: RecipientKey[] = [...this.#kemKeys.values()].map((held) => lazyKemKey(held));
    return [...rsa, ...kem];
  }

  /** The signing key of `address`, loaded (once). */
  signingKey(address: string): Promise<LoadedRsaKey> | undefined {
    const held = this.#signing.get(address);
    return held === undefined ? undefined : loaded(held);
  }

  /** How many keys are loaded in the core now (ML-KEM keys made from their seed count too). */
  loadedCount(): number {
    return (
      [...this.#keys.values(), ...this.#signing.values()].filter((h) => h.loaded !== undefined).length +
      [...this.#kemKeys.values()].filter((h) => h.key !== undefined).length
    );
  }

  /** Wipes every key. */
  clear(): void {
    this.set([]);
  }
}

/** The ML-KEM recipient key of `held`, its decapsulation key made from the PKCS#8 when first read. */
function lazyKemKey(held: HeldKem): RecipientKey {
  return {
    kind: "ml-kem",
    certificate: held.certificate,
    get privateKey(): MlKemPrivateKey {
      if (held.key === undefined) {
        const key = pqPrivateKeyFromPkcs8(decodeBase64url(held.pkcs8, "pkcs8"));
        if (key.kind !== "ml-kem") throw new MailsealError("INVALID_KEY", "an ML-KEM key of the history is not ML-KEM");
        held.key = key;
      }
      return held.key;
    },
  };
}

function wipeKem(held: HeldKem): void {
  held.key?.decapsulationKey.fill(0);
  held.key = undefined;
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
