// StateStore over IndexedDB (docs/services.md, "Client flows": an add-in keeps its state there), the
// one implementation of both add-ins (Thunderbird's background page, Outlook's task pane): plain
// browser code, so it lives with the engine's browser client (shared never touches a browser API).
// IndexedDB, not storage.local or localStorage: it stores CryptoKey objects as they are (structured
// clone), so the device key stays non-extractable, and each put is one transaction (a crash keeps the
// old or the new state whole). The database belongs to the add-in's origin.
//
// A state holds the PKCS#8 of the whole key history and the signing key's private JWK; since database
// version 2 it is stored sealed (issue 12, finding 7): AES-256-GCM under a key generated once in this
// profile (browser origin) as a non-extractable CryptoKey and kept in the same database. What this
// buys: no private key in clear in the database (nothing to find by reading or searching its files),
// and no script can export the key, only use it in this origin. What it does not: the browser engine
// (Gecko, Chromium's WebView2, WebKit) keeps a stored CryptoKey's bytes in the origin's IndexedDB
// files like any structured clone, so someone with a full copy of the profile who decodes them can
// open the states; code running as the add-in can decrypt; and in Thunderbird the encryption keys are
// in its NSS database too (addin-thunderbird README, "Reading"), protected there only by
// Thunderbird's primary password when the user set one.
//
// Why AES-GCM and not AES-KW (RFC 3394): WebCrypto's AES-KW wraps only CryptoKeys, so each PKCS#8
// would first have to be imported as a key of a known algorithm (the history may hold RSA or EC keys,
// and re-exporting need not give back the same bytes), and it takes only multiples of 8 bytes
// (WebCrypto has no AES-KWP, RFC 5649). AES-GCM seals the state's bytes as they are, with a fresh
// 96-bit IV each time (NIST SP 800-38D 8.2.2) and the account's address as additional data, so a
// sealed state cannot be moved to another account unnoticed.
import { checkState, MailsealError, type DeviceState, type StateStore } from "@mailseal/shared";

const DB_NAME = "mailseal";
/** 1: states in clear; 2: states sealed under the key in SEALING_KEYS (version 1 states are sealed on first load). */
const DB_VERSION = 2;
const STATES = "states";
const DEVICE_KEYS = "deviceKeys";
const SEALING_KEYS = "sealingKeys";
const SEALING_KEY_ID = "states";

/** A state as stored since version 2. */
interface SealedState {
  sealed: "AES-256-GCM";
  iv: Uint8Array;
  data: ArrayBuffer;
}

function isSealed(record: unknown): record is SealedState {
  return typeof record === "object" && record !== null && (record as { sealed?: unknown }).sealed === "AES-256-GCM";
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error("IndexedDB request failed"));
  });
}

function openDatabase(factory: IDBFactory): Promise<IDBDatabase> {
  const req = factory.open(DB_NAME, DB_VERSION);
  req.onupgradeneeded = () => {
    const db = req.result;
    if (!db.objectStoreNames.contains(STATES)) db.createObjectStore(STATES);
    if (!db.objectStoreNames.contains(DEVICE_KEYS)) db.createObjectStore(DEVICE_KEYS);
    if (!db.objectStoreNames.contains(SEALING_KEYS)) db.createObjectStore(SEALING_KEYS);
  };
  return request(req);
}

/** The additional data of a sealed state: which account it belongs to. */
function sealedFor(id: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(`mailseal state ${id}`);
}

export class IndexedDbStateStore implements StateStore {
  readonly keepsCryptoKeys = true;
  private db: Promise<IDBDatabase> | undefined;
  private key: Promise<CryptoKey> | undefined;

  constructor(private readonly factory: IDBFactory = globalThis.indexedDB) {}

  private async store(name: string, mode: IDBTransactionMode): Promise<IDBObjectStore> {
    this.db ??= openDatabase(this.factory);
    return (await this.db).transaction(name, mode).objectStore(name);
  }

  /** The profile's sealing key: made once, non-extractable, kept in IndexedDB. */
  private sealingKey(): Promise<CryptoKey> {
    this.key ??= this.loadOrCreateKey().catch((error: unknown) => {
      this.key = undefined;
      throw error;
    });
    return this.key;
  }

  private async loadOrCreateKey(): Promise<CryptoKey> {
    const existing = (await request((await this.store(SEALING_KEYS, "readonly")).get(SEALING_KEY_ID))) as
      CryptoKey | undefined;
    if (existing !== undefined) return existing;
    const key = await globalThis.crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, [
      "encrypt",
      "decrypt",
    ]);
    // Another context of the add-in may have made one meanwhile: the first one stored wins.
    const keys = await this.store(SEALING_KEYS, "readwrite");
    const stored = (await request(keys.get(SEALING_KEY_ID))) as CryptoKey | undefined;
    if (stored !== undefined) return stored;
    await request(keys.add(key, SEALING_KEY_ID));
    return key;
  }

  private async seal(state: DeviceState): Promise<SealedState> {
    const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));
    const data = await globalThis.crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: sealedFor(state.address.toLowerCase()) },
      await this.sealingKey(),
      new TextEncoder().encode(JSON.stringify(state)),
    );
    return { sealed: "AES-256-GCM", iv, data };
  }

  private async open(id: string, record: SealedState): Promise<DeviceState> {
    let bytes: ArrayBuffer;
    try {
      bytes = await globalThis.crypto.subtle.decrypt(
        { name: "AES-GCM", iv: new Uint8Array(record.iv), additionalData: sealedFor(id) },
        await this.sealingKey(),
        record.data,
      );
    } catch (error) {
      throw new MailsealError(
        "STATE_INVALID",
        `the saved state of ${id} does not open with this profile's key (altered, or moved from another account)`,
        { cause: error },
      );
    }
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder().decode(bytes));
    } catch (error) {
      throw new MailsealError("STATE_INVALID", `the saved state of ${id} is not JSON`, { cause: error });
    }
    return checkState(value);
  }

  async list(): Promise<string[]> {
    const keys = await request((await this.store(STATES, "readonly")).getAllKeys());
    return keys.map(String).sort();
  }

  async load(address: string): Promise<DeviceState | undefined> {
    const id = address.toLowerCase();
    const record: unknown = await request((await this.store(STATES, "readonly")).get(id));
    if (record === undefined) return undefined;
    if (isSealed(record)) return this.open(id, record);
    // A state written in clear (database version 1): sealed now. Only if it is still the clear one
    // in the same transaction, so a state saved meanwhile is not replaced by this older one.
    const state = record as DeviceState;
    const sealed = await this.seal(state);
    const states = await this.store(STATES, "readwrite");
    if (!isSealed(await request(states.get(id)))) await request(states.put(sealed, id));
    return state;
  }

  async save(state: DeviceState): Promise<void> {
    const sealed = await this.seal(state);
    await request((await this.store(STATES, "readwrite")).put(sealed, state.address.toLowerCase()));
  }

  async loadDeviceKey(address: string): Promise<CryptoKeyPair | undefined> {
    return (await request((await this.store(DEVICE_KEYS, "readonly")).get(address.toLowerCase()))) as
      CryptoKeyPair | undefined;
  }

  async saveDeviceKey(address: string, keyPair: CryptoKeyPair): Promise<void> {
    await request((await this.store(DEVICE_KEYS, "readwrite")).put(keyPair, address.toLowerCase()));
  }
}
