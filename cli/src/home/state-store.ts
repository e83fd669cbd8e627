// The StateStore of the mailseal command (docs/services.md, "Client flows"): under --home, one
// state file per account (`accounts/<address>.json`) and its device key as a JWK file
// (`accounts/<address>.device.jwk`). Both hold private keys: the folders are 0700, the files 0600,
// each written to a temporary file beside it and renamed, so a crash leaves the old or the new file.
//
// Where the session reaches an OS secret store (secret-store.ts: the Secret Service, the macOS
// Keychain), both files are also encrypted (issue 12, finding 7): AES-256-GCM under a random
// 256-bit key of this home kept in that store, a fresh 96-bit IV per write (NIST SP 800-38D 8.2.2)
// and the file's account and kind as additional data, so a file moved to another name does not
// open. A plain file is rewritten encrypted when first read where the store is reached. Without a
// store the files stay plain, protected by their mode only, and `mailseal account add` says so.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { chmod, mkdir, readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { checkState, hasCode, MailsealError, type DeviceState, type StateStore } from "@mailseal/shared";

import { fileOutput } from "../io/output.js";
import { platformSecretStore, type SecretStore } from "./secret-store.js";

const STATE_SUFFIX = ".json";
const KEY_SUFFIX = ".device.jwk";
/** A state with a few hundred keys is well under this; anything larger is not ours. */
const MAX_STATE_BYTES = 16 * 1024 * 1024;

/** An address as a file name: '/' and other bytes a file name cannot hold are %-encoded (atext allows '/'). */
export function accountFileName(address: string): string {
  return encodeURIComponent(address);
}

async function readIfPresent(path: string): Promise<Uint8Array | undefined> {
  try {
    const bytes = await readFile(path);
    if (bytes.length > MAX_STATE_BYTES)
      throw new MailsealError("STATE_INVALID", `${path} is over ${MAX_STATE_BYTES} bytes`);
    return new Uint8Array(bytes);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    if (hasCode(error, "STATE_INVALID")) throw error;
    throw new MailsealError(
      "IO",
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

function parseJson(bytes: Uint8Array, path: string): unknown {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new MailsealError("STATE_INVALID", `${path} is not JSON`);
  }
}

/** An encrypted state or device key file. `data` is the ciphertext followed by the 16-byte GCM tag. */
interface SealedFile {
  sealed: "aes-256-gcm";
  /** Where the key is kept (words for the error when it cannot be reached). */
  keyStore: string;
  iv: string;
  data: string;
}

function isSealed(value: unknown): value is SealedFile {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { sealed?: unknown }).sealed === "aes-256-gcm" &&
    typeof (value as { iv?: unknown }).iv === "string" &&
    typeof (value as { data?: unknown }).data === "string"
  );
}

const TAG_BYTES = 16;

export class FileStateStore implements StateStore {
  readonly keepsCryptoKeys = false;
  readonly accounts: string;
  /** The key of this home once found or made; `null` once no secret store answered. */
  #key: Buffer | null | undefined;

  constructor(
    readonly home: string,
    /** Where the key is kept; undefined: nowhere, the files stay plain. */
    readonly secrets: SecretStore | undefined = platformSecretStore(),
  ) {
    this.accounts = join(home, "accounts");
  }

  /** The home as the secret store knows it: its absolute path. */
  get #id(): string {
    return resolve(this.home);
  }

  async #lookupKey(): Promise<Buffer | undefined> {
    const text = await this.secrets?.lookup(this.#id);
    if (text === undefined) return undefined;
    const key = Buffer.from(text, "base64url");
    if (key.length !== 32) {
      throw new MailsealError("KEY_STORE", `${this.secrets!.name} holds no 256-bit key for ${this.#id}`);
    }
    return key;
  }

  /** Whether a file of this home is encrypted (then its key must not be replaced by a new one). */
  async #anySealed(): Promise<boolean> {
    let names: string[];
    try {
      names = await readdir(this.accounts);
    } catch {
      return false;
    }
    for (const name of names.filter((n) => n.endsWith(STATE_SUFFIX) || n.endsWith(KEY_SUFFIX))) {
      const bytes = await readFile(join(this.accounts, name)).catch(() => undefined);
      if (bytes === undefined) continue;
      try {
        if (isSealed(JSON.parse(bytes.toString("utf8")))) return true;
      } catch {
        // Not JSON: not one of ours to judge here (load says STATE_INVALID).
      }
    }
    return false;
  }

  /**
   * The key of this home: looked up in the secret store; with `create`, made and stored there when
   * there is none yet. Undefined when no secret store answers: the files stay plain.
   */
  async #sealingKey(create: boolean): Promise<Buffer | undefined> {
    if (this.#key !== undefined) return this.#key ?? undefined;
    const found = await this.#lookupKey();
    if (found !== undefined) return (this.#key = found);
    if (!create || this.secrets === undefined) return undefined;
    // A new key would replace nothing in the store but would orphan encrypted files: refuse.
    if (await this.#anySealed()) throw this.#unreachable(this.accounts);
    const key = randomBytes(32);
    // Stored and read back: only a store that keeps it is trusted with the only copy.
    const kept = (await this.secrets.store(this.#id, key.toString("base64url"))) && (await this.#lookupKey());
    if (kept === false || kept === undefined || !kept.equals(key)) {
      this.#key = null;
      return undefined;
    }
    return (this.#key = key);
  }

  #unreachable(where: string): MailsealError {
    return new MailsealError(
      "KEY_STORE",
      `the keys in ${where} are encrypted under a key kept in ${this.secrets?.name ?? "an OS secret store"}, ` +
        "which does not answer here: run mailseal where it is reachable and unlocked",
    );
  }

  /** One line for the user: where the keys are kept and how they are protected. */
  async protection(): Promise<string> {
    const key = await this.#sealingKey(true);
    return key !== undefined
      ? `keys kept in ${this.home}, encrypted under a key in ${this.secrets!.name}`
      : `keys kept in ${this.home}, protected by file permissions only (${this.secrets?.absent ?? "no secret store"})`;
  }

  /** The file's text as written: encrypted when a key is available. */
  async #seal(text: string, context: string): Promise<string> {
    const key = await this.#sealingKey(true);
    if (key === undefined) return text;
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", key, iv);
    cipher.setAAD(Buffer.from(context, "utf8"));
    const data = Buffer.concat([cipher.update(text, "utf8"), cipher.final(), cipher.getAuthTag()]);
    const sealed: SealedFile = {
      sealed: "aes-256-gcm",
      keyStore: this.secrets!.name,
      iv: iv.toString("base64url"),
      data: data.toString("base64url"),
    };
    return `${JSON.stringify(sealed)}\n`;
  }

  /** A file's JSON, opened if encrypted; `sealed` says whether it was. */
  async #readJson(path: string, context: string): Promise<{ value: unknown; sealed: boolean } | undefined> {
    const bytes = await readIfPresent(path);
    if (bytes === undefined) return undefined;
    const value = parseJson(bytes, path);
    if (!isSealed(value)) return { value, sealed: false };
    const key = await this.#sealingKey(false);
    if (key === undefined) throw this.#unreachable(path);
    let plain: Buffer;
    try {
      const data = Buffer.from(value.data, "base64url");
      if (data.length < TAG_BYTES) throw new Error("too short");
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(value.iv, "base64url"));
      decipher.setAAD(Buffer.from(context, "utf8"));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      plain = Buffer.concat([decipher.update(data.subarray(0, data.length - TAG_BYTES)), decipher.final()]);
    } catch (error) {
      throw new MailsealError(
        "STATE_INVALID",
        `${path} does not open with this home's key (altered, or moved from another account)`,
        { cause: error },
      );
    }
    return { value: parseJson(new Uint8Array(plain), path), sealed: true };
  }

  /** A plain file read where a secret store answers: written again, encrypted. */
  async #migrate(path: string, text: string, context: string): Promise<void> {
    if (this.secrets === undefined) return;
    try {
      if ((await this.#sealingKey(true)) !== undefined) await this.#write(path, text, context);
    } catch (error) {
      // The file was read: a store that does not answer now leaves it as it was.
      if (!hasCode(error, "KEY_STORE")) throw error;
    }
  }

  async #ensureFolders(): Promise<void> {
    for (const folder of [this.home, this.accounts]) {
      await mkdir(folder, { recursive: true, mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
        throw new MailsealError("IO", `cannot create ${folder}: ${error.code ?? error.message}`);
      });
    }
    // mkdir leaves an existing folder's mode alone; ours must not be readable by others.
    await chmod(this.accounts, 0o700);
  }

  async #write(path: string, text: string, context: string): Promise<void> {
    const sealed = await this.#seal(text, context);
    await this.#ensureFolders();
    const output = await fileOutput(path, 0o600);
    try {
      await output.write(new TextEncoder().encode(sealed));
      await output.commit();
    } catch (error) {
      await output.abort();
      throw error;
    }
  }

  async list(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.accounts);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw new MailsealError("IO", `cannot read ${this.accounts}: ${(error as NodeJS.ErrnoException).code}`);
    }
    return names
      .filter((name) => name.endsWith(STATE_SUFFIX) && !name.startsWith("."))
      .map((name) => decodeURIComponent(name.slice(0, -STATE_SUFFIX.length)))
      .sort();
  }

  statePath(address: string): string {
    return join(this.accounts, accountFileName(address) + STATE_SUFFIX);
  }

  keyPath(address: string): string {
    return join(this.accounts, accountFileName(address) + KEY_SUFFIX);
  }

  async load(address: string): Promise<DeviceState | undefined> {
    const path = this.statePath(address);
    const read = await this.#readJson(path, `mailseal state ${address}`);
    if (read === undefined) return undefined;
    const state = checkState(read.value);
    if (state.address !== address)
      throw new MailsealError("STATE_INVALID", `${path} holds the state of ${state.address}`);
    if (!read.sealed) await this.#migrate(path, `${JSON.stringify(state, null, 2)}\n`, `mailseal state ${address}`);
    return state;
  }

  async save(state: DeviceState): Promise<void> {
    await this.#write(
      this.statePath(state.address),
      `${JSON.stringify(state, null, 2)}\n`,
      `mailseal state ${state.address}`,
    );
  }

  async loadDeviceKey(address: string): Promise<CryptoKeyPair | undefined> {
    const path = this.keyPath(address);
    const read = await this.#readJson(path, `mailseal device key ${address}`);
    if (read === undefined) return undefined;
    const jwk = read.value as JsonWebKey;
    let pair: CryptoKeyPair;
    try {
      const algorithm = { name: "ECDSA", namedCurve: "P-256" };
      const { kty, crv, x, y } = jwk;
      // The private key stays non-extractable in memory; only the file holds it.
      const privateKey = await globalThis.crypto.subtle.importKey("jwk", jwk, algorithm, false, ["sign"]);
      const publicKey = await globalThis.crypto.subtle.importKey(
        "jwk",
        { kty, crv, x, y } as JsonWebKey,
        algorithm,
        true,
        ["verify"],
      );
      pair = { privateKey, publicKey };
    } catch (error) {
      throw new MailsealError("STATE_INVALID", `${path} is not a P-256 private key: ${(error as Error).message}`);
    }
    if (!read.sealed) await this.#migrate(path, `${JSON.stringify(jwk)}\n`, `mailseal device key ${address}`);
    return pair;
  }

  async saveDeviceKey(address: string, keyPair: CryptoKeyPair): Promise<void> {
    const jwk = await globalThis.crypto.subtle.exportKey("jwk", keyPair.privateKey);
    await this.#write(this.keyPath(address), `${JSON.stringify(jwk)}\n`, `mailseal device key ${address}`);
  }
}
