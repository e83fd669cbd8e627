// StateStore over IndexedDB (docs/services.md, "Client flows": an add-in keeps its state there).
// IndexedDB, not storage.local: it stores CryptoKey objects as they are (structured clone), so the
// device key stays non-extractable, and each put is one transaction (a crash keeps the old or the new
// state whole). The database belongs to the extension's origin; it holds private keys.
import type { DeviceState, StateStore } from "@mailseal/shared";

const DB_NAME = "mailseal";
const DB_VERSION = 1;
const STATES = "states";
const DEVICE_KEYS = "deviceKeys";

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
  };
  return request(req);
}

export class IndexedDbStateStore implements StateStore {
  readonly keepsCryptoKeys = true;
  private db: Promise<IDBDatabase> | undefined;

  constructor(private readonly factory: IDBFactory = globalThis.indexedDB) {}

  private async store(name: string, mode: IDBTransactionMode): Promise<IDBObjectStore> {
    this.db ??= openDatabase(this.factory);
    return (await this.db).transaction(name, mode).objectStore(name);
  }

  async list(): Promise<string[]> {
    const keys = await request((await this.store(STATES, "readonly")).getAllKeys());
    return keys.map(String).sort();
  }

  async load(address: string): Promise<DeviceState | undefined> {
    return (await request((await this.store(STATES, "readonly")).get(address.toLowerCase()))) as
      DeviceState | undefined;
  }

  async save(state: DeviceState): Promise<void> {
    await request((await this.store(STATES, "readwrite")).put(state, state.address.toLowerCase()));
  }

  async loadDeviceKey(address: string): Promise<CryptoKeyPair | undefined> {
    return (await request((await this.store(DEVICE_KEYS, "readonly")).get(address.toLowerCase()))) as
      CryptoKeyPair | undefined;
  }

  async saveDeviceKey(address: string, keyPair: CryptoKeyPair): Promise<void> {
    await request((await this.store(DEVICE_KEYS, "readwrite")).put(keyPair, address.toLowerCase()));
  }
}
