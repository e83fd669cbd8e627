// The StateStore of the mailseal command (docs/services.md, "Client flows"): under --home, one
// state file per account (`accounts/<address>.json`) and its device key as a JWK file
// (`accounts/<address>.device.jwk`). Both hold private keys: the folders are 0700, the files 0600,
// each written to a temporary file beside it and renamed, so a crash leaves the old or the new file.
import { chmod, mkdir, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { checkState, MailflowError, type DeviceState, type StateStore } from "@mailseal/shared";
import { CliError } from "../cli-error.js";
import { fileOutput } from "../io/output.js";

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
      throw new MailflowError("STATE_INVALID", `${path} is over ${MAX_STATE_BYTES} bytes`);
    return new Uint8Array(bytes);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    if (error instanceof MailflowError) throw error;
    throw new CliError(
      "IO",
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

function parseJson(bytes: Uint8Array, path: string): unknown {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new MailflowError("STATE_INVALID", `${path} is not JSON`);
  }
}

export class FileStateStore implements StateStore {
  readonly keepsCryptoKeys = false;
  readonly accounts: string;

  constructor(readonly home: string) {
    this.accounts = join(home, "accounts");
  }

  async #ensureFolders(): Promise<void> {
    for (const folder of [this.home, this.accounts]) {
      await mkdir(folder, { recursive: true, mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
        throw new CliError("IO", `cannot create ${folder}: ${error.code ?? error.message}`);
      });
    }
    // mkdir leaves an existing folder's mode alone; ours must not be readable by others.
    await chmod(this.accounts, 0o700);
  }

  async #write(path: string, text: string): Promise<void> {
    await this.#ensureFolders();
    const output = await fileOutput(path, 0o600);
    try {
      await output.write(new TextEncoder().encode(text));
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
      throw new CliError("IO", `cannot read ${this.accounts}: ${(error as NodeJS.ErrnoException).code}`);
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
    const bytes = await readIfPresent(path);
    if (bytes === undefined) return undefined;
    const state = checkState(parseJson(bytes, path));
    if (state.address !== address)
      throw new MailflowError("STATE_INVALID", `${path} holds the state of ${state.address}`);
    return state;
  }

  async save(state: DeviceState): Promise<void> {
    await this.#write(this.statePath(state.address), `${JSON.stringify(state, null, 2)}\n`);
  }

  async loadDeviceKey(address: string): Promise<CryptoKeyPair | undefined> {
    const path = this.keyPath(address);
    const bytes = await readIfPresent(path);
    if (bytes === undefined) return undefined;
    const jwk = parseJson(bytes, path) as JsonWebKey;
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
      return { privateKey, publicKey };
    } catch (error) {
      throw new MailflowError("STATE_INVALID", `${path} is not a P-256 private key: ${(error as Error).message}`);
    }
  }

  async saveDeviceKey(address: string, keyPair: CryptoKeyPair): Promise<void> {
    const jwk = await globalThis.crypto.subtle.exportKey("jwk", keyPair.privateKey);
    await this.#write(this.keyPath(address), `${JSON.stringify(jwk)}\n`);
  }
}
