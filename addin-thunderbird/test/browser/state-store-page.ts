// Runs in headless Chromium (state-store.test.ts): the add-in's IndexedDB StateStore, bundled as it is,
// against the browser's real IndexedDB and WebCrypto. It leaves in window.__testResults what the
// store gave back and what IndexedDB itself holds (every record, read with the plain IndexedDB API),
// for the test to search for the private keys.
import { encodeBase64url, type DeviceState } from "@mailseal/shared";
import { IndexedDbStateStore } from "@mailseal/engine/browser";

export interface StateStorePageResults {
  fatal?: string;
  /** The private key material the states hold: base64url PKCS#8 (and its DER as hex) and the JWK's d. */
  secrets: { pkcs8: string[]; pkcs8Hex: string[]; jwkD: string[] };
  /** States given to the store (and the one written in clear as version 1 did) and what load returned. */
  saved: DeviceState;
  loaded: DeviceState | null;
  legacy: DeviceState;
  legacyLoaded: DeviceState | null;
  legacyLoadedAgain: DeviceState | null;
  listed: string[];
  /** Every record of every object store after the run: strings found, and byte arrays as hex. */
  raw: { store: string; key: string; strings: string[]; bytesHex: string[]; cryptoKeys: CryptoKeyInfo[] }[];
  /** A sealed state moved to another account's record. */
  swappedError: { code: string | undefined; message: string } | null;
}

interface CryptoKeyInfo {
  type: string;
  extractable: boolean;
  algorithm: string;
  usages: string[];
}

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

async function account(address: string): Promise<{ state: DeviceState; pkcs8: string[]; jwkD: string }> {
  const pkcs8: string[] = [];
  for (let i = 0; i < 2; i++) {
    const pair = await crypto.subtle.generateKey(
      { name: "RSA-OAEP", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
      true,
      ["encrypt", "decrypt"],
    );
    pkcs8.push(encodeBase64url(new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey))));
  }
  const signing = await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  );
  const jwk = await crypto.subtle.exportKey("jwk", signing.privateKey);
  const state: DeviceState = {
    version: 1,
    address,
    deviceName: "Thunderbird on test",
    service: {
      api: "https://keys.example.org",
      shareStores: { "share-a": "https://a.example", "share-b": "https://b.example" },
    },
    deviceId: "device-1",
    signing: { privateKey: jwk, certificate: "MIIB", chain: ["MIIC"] },
    root: "MIID",
    keys: pkcs8.map((p, i) => ({
      keyId: `key-${i}`,
      certificate: `MIIE${i}`,
      status: i === 0 ? "current" : "retired",
      protection: "none",
      commitment: `c${i}`,
      pkcs8: p,
    })),
  };
  return { state, pkcs8, jwkD: jwk.d! };
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error("IndexedDB request failed"));
  });
}

/** What a profile of the add-in before sealing holds: database version 1, the state in clear. */
async function writeVersion1(state: DeviceState): Promise<void> {
  const req = indexedDB.open("mailseal", 1);
  req.onupgradeneeded = () => {
    req.result.createObjectStore("states");
    req.result.createObjectStore("deviceKeys");
  };
  const db = await request(req);
  await request(db.transaction("states", "readwrite").objectStore("states").put(state, state.address.toLowerCase()));
  db.close();
}

function walk(value: unknown, out: { strings: string[]; bytesHex: string[]; cryptoKeys: CryptoKeyInfo[] }): void {
  if (typeof value === "string") out.strings.push(value);
  else if (value instanceof CryptoKey) {
    out.cryptoKeys.push({
      type: value.type,
      extractable: value.extractable,
      algorithm: JSON.stringify(value.algorithm),
      usages: [...value.usages],
    });
  } else if (value instanceof ArrayBuffer) out.bytesHex.push(hex(new Uint8Array(value)));
  else if (ArrayBuffer.isView(value)) {
    out.bytesHex.push(hex(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)));
  } else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      out.strings.push(k);
      walk(v, out);
    }
  }
}

async function everything(): Promise<StateStorePageResults["raw"]> {
  const db = await request(indexedDB.open("mailseal"));
  const raw: StateStorePageResults["raw"] = [];
  for (const name of Array.from(db.objectStoreNames)) {
    const store = db.transaction(name, "readonly").objectStore(name);
    const keys = await request(store.getAllKeys());
    const values = await request(store.getAll());
    keys.forEach((key, i) => {
      const found = { strings: [] as string[], bytesHex: [] as string[], cryptoKeys: [] as CryptoKeyInfo[] };
      walk(values[i], found);
      raw.push({ store: name, key: String(key), ...found });
    });
  }
  db.close();
  return raw;
}

async function run(): Promise<StateStorePageResults> {
  const old = await account("Old@Example.org");
  await writeVersion1(old.state);
  const fresh = await account("New@Example.org");
  const store = new IndexedDbStateStore();
  const legacyLoaded = (await store.load("Old@Example.org")) ?? null;
  await store.save(fresh.state);
  const loaded = (await store.load("New@Example.org")) ?? null;
  const device = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
  await store.saveDeviceKey("New@Example.org", device);
  const listed = await store.list();
  // A second store object (as after a restart of the add-in): the same key opens what the first sealed.
  const legacyLoadedAgain = (await new IndexedDbStateStore().load("Old@Example.org")) ?? null;
  const raw = await everything();

  // Move the new account's sealed record over the old account's: it must not open as that account.
  const db = await request(indexedDB.open("mailseal"));
  const states = db.transaction("states", "readwrite").objectStore("states");
  await request(states.put(await request(states.get("new@example.org")), "old@example.org"));
  db.close();
  let swappedError: StateStorePageResults["swappedError"] = null;
  try {
    await new IndexedDbStateStore().load("Old@Example.org");
  } catch (error) {
    swappedError = { code: (error as { code?: string }).code, message: String(error) };
  }

  const all = [...old.pkcs8, ...fresh.pkcs8];
  return {
    secrets: {
      pkcs8: all,
      pkcs8Hex: all.map((p) =>
        hex(Uint8Array.from(atob(p.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0))),
      ),
      jwkD: [old.jwkD, fresh.jwkD],
    },
    saved: fresh.state,
    loaded,
    legacy: old.state,
    legacyLoaded,
    legacyLoadedAgain,
    listed,
    raw,
    swappedError,
  };
}

run().then(
  (results) => ((window as unknown as { __testResults: unknown }).__testResults = results),
  (error: unknown) =>
    ((window as unknown as { __testResults: unknown }).__testResults = {
      fatal: String((error as Error).stack ?? error),
    }),
);
