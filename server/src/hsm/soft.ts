// The software backend: node:crypto, one JSON file per stored key (CA keys, KEKs) under
// <dataDir>/soft-hsm/ (directory 0700, files 0600, written to a temporary file and renamed so that a
// crash never leaves half a key). Exportable keys are never written: they live in process memory for
// the one call that makes them. The stored keys are as safe as the files: this is the embedded
// default, a PKCS#11 token is the hardened choice.
import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  randomBytes,
  sign,
  type KeyObject,
} from "node:crypto";
import { chmod, link, mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { MailsealError } from "@mailseal/shared/offline";
import {
  checkGcmInput,
  checkGcmPlaintext,
  checkHandle,
  checkLabel,
  checkRsaOptions,
  type HsmBackend,
  type HsmKeyPair,
} from "./backend.js";
import { NamedKeyCreation, namedKeyId } from "./named-key.js";

const generateKeyPairAsync = promisify(generateKeyPair);

// Key files of earlier versions may also say `extractable`: ignored, nothing stored is ever exported.
type StoredKey =
  { v: 1; type: "rsa"; label: string; pkcs8: string } | { v: 1; type: "aes"; label: string; key: string };

type LoadedKey = { type: "rsa"; label: string; privateKey: KeyObject } | { type: "aes"; label: string; key: Buffer };

export class SoftHsm implements HsmBackend {
  readonly kind = "soft" as const;
  readonly #dir: string;
  readonly #cache = new Map<string, LoadedKey>();
  /** Named AES keys being created, so that two callers in this process share one creation. */
  readonly #creating = new NamedKeyCreation();
  #closed = false;

  private constructor(dir: string) {
    this.#dir = dir;
  }

  static async open(dataDir: string): Promise<SoftHsm> {
    const dir = join(dataDir, "soft-hsm");
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      // mkdir honours the umask and leaves an existing directory alone: set the mode we mean.
      if (((await stat(dir)).mode & 0o777) !== 0o700) await chmod(dir, 0o700);
    } catch (error) {
      throw new MailsealError("HSM_UNAVAILABLE", `soft HSM: cannot use ${dir}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return new SoftHsm(dir);
  }

  async generateRsaKeyPair(options: { bits: number; label: string; extractable: false }): Promise<HsmKeyPair> {
    this.#open();
    checkRsaOptions(options);
    const { privateKey, publicKey } = await generateKeyPairAsync("rsa", {
      modulusLength: options.bits,
      publicExponent: 65537,
    });
    const handle = randomBytes(16).toString("hex");
    const pkcs8 = privateKey.export({ type: "pkcs8", format: "der" });
    const stored: StoredKey = { v: 1, type: "rsa", label: options.label, pkcs8: pkcs8.toString("base64") };
    await this.#write(handle, stored, false);
    pkcs8.fill(0);
    this.#cache.set(handle, { type: "rsa", label: options.label, privateKey });
    return { handle, spki: new Uint8Array(publicKey.export({ type: "spki", format: "der" })) };
  }

  async generateExportableRsaKey(options: {
    bits: number;
    label: string;
  }): Promise<{ spki: Uint8Array; pkcs8: Uint8Array }> {
    this.#open();
    checkRsaOptions(options);
    // Never written, never cached: the key lives in this call's KeyObject and the returned buffer only.
    const { privateKey, publicKey } = await generateKeyPairAsync("rsa", {
      modulusLength: options.bits,
      publicExponent: 65537,
    });
    return {
      spki: new Uint8Array(publicKey.export({ type: "spki", format: "der" })),
      pkcs8: privateKey.export({ type: "pkcs8", format: "der" }),
    };
  }

  async signRsaPkcs1v15(handle: string, hash: "SHA-256" | "SHA-384", data: Uint8Array): Promise<Uint8Array> {
    const key = await this.#rsa(handle);
    const algorithm = hash === "SHA-256" ? "sha256" : hash === "SHA-384" ? "sha384" : undefined;
    if (algorithm === undefined) throw new MailsealError("HSM_BAD_INPUT", `unsupported hash ${String(hash)}`);
    // An RSA KeyObject signs with RSASSA-PKCS1-v1_5 unless a padding is asked for.
    return new Uint8Array(sign(algorithm, data, key.privateKey));
  }

  async publicKey(handle: string): Promise<Uint8Array> {
    const key = await this.#rsa(handle);
    return new Uint8Array(createPublicKey(key.privateKey).export({ type: "spki", format: "der" }));
  }

  async destroyKey(handle: string): Promise<void> {
    this.#open();
    checkHandle(handle);
    this.#cache.delete(handle);
    await rm(this.#path(handle), { force: true });
  }

  async aesKey(label: string): Promise<string> {
    this.#open();
    checkLabel(label);
    return this.#creating.once(label, (name) => this.#aesKey(name));
  }

  async #aesKey(label: string): Promise<string> {
    const handle = namedKeyId(label);
    const existing = await this.#load(handle);
    if (existing !== undefined) {
      if (existing.type !== "aes" || existing.label !== label)
        throw new MailsealError("HSM_WRONG_KEY_TYPE", `key ${handle} is not the AES key "${label}"`);
      return handle;
    }
    const key = randomBytes(32);
    // Created with link(): exclusive even against another process making the same key at once.
    await this.#write(handle, { v: 1, type: "aes", label, key: key.toString("base64") }, true);
    key.fill(0);
    return handle;
  }

  async aesGcmEncrypt(
    handle: string,
    plaintext: Uint8Array,
    aad: Uint8Array,
  ): Promise<{ iv: Uint8Array; ciphertext: Uint8Array }> {
    checkGcmPlaintext(plaintext);
    const key = await this.#aes(handle);
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", key, iv);
    cipher.setAAD(aad);
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return { iv: new Uint8Array(iv), ciphertext: new Uint8Array(ciphertext) };
  }

  async aesGcmDecrypt(handle: string, iv: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    const key = await this.#aes(handle);
    checkGcmInput(iv, ciphertext);
    const decipher = createDecipheriv("aes-256-gcm", key, iv);
    decipher.setAAD(aad);
    decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
    try {
      return new Uint8Array(
        Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]),
      );
    } catch (error) {
      throw new MailsealError(
        "HSM_DECRYPT_FAILED",
        "AES-GCM: the data or its associated data was altered, or the key is wrong",
        {
          cause: error,
        },
      );
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const key of this.#cache.values()) if (key.type === "aes") key.key.fill(0);
    this.#cache.clear();
  }

  #open(): void {
    if (this.#closed) throw new MailsealError("HSM_UNAVAILABLE", "soft HSM: the backend is closed");
  }

  #path(handle: string): string {
    return join(this.#dir, `${handle}.json`);
  }

  async #rsa(handle: string): Promise<Extract<LoadedKey, { type: "rsa" }>> {
    const key = await this.#get(handle);
    if (key.type !== "rsa") throw new MailsealError("HSM_WRONG_KEY_TYPE", `key ${handle} is not an RSA key pair`);
    return key;
  }

  async #aes(handle: string): Promise<Buffer> {
    const key = await this.#get(handle);
    if (key.type !== "aes") throw new MailsealError("HSM_WRONG_KEY_TYPE", `key ${handle} is not an AES key`);
    return key.key;
  }

  async #get(handle: string): Promise<LoadedKey> {
    this.#open();
    checkHandle(handle);
    const key = await this.#load(handle);
    if (key === undefined) throw new MailsealError("HSM_KEY_NOT_FOUND", `soft HSM: no key ${handle}`);
    return key;
  }

  async #load(handle: string): Promise<LoadedKey | undefined> {
    const cached = this.#cache.get(handle);
    if (cached !== undefined) return cached;
    let text: string;
    try {
      text = await readFile(this.#path(handle), "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw new MailsealError("HSM_UNAVAILABLE", `soft HSM: cannot read key ${handle}: ${(error as Error).message}`);
    }
    let loaded: LoadedKey;
    try {
      const stored = JSON.parse(text) as StoredKey;
      if (stored.v !== 1) throw new Error(`unknown version ${String(stored.v)}`);
      loaded =
        stored.type === "rsa"
          ? {
              type: "rsa",
              label: stored.label,
              privateKey: createPrivateKey({ key: Buffer.from(stored.pkcs8, "base64"), format: "der", type: "pkcs8" }),
            }
          : { type: "aes", label: stored.label, key: Buffer.from(stored.key, "base64") };
      if (loaded.type === "aes" && loaded.key.length !== 32) throw new Error("AES key is not 32 bytes");
    } catch (error) {
      throw new MailsealError(
        "HSM_UNAVAILABLE",
        `soft HSM: key file ${handle} is corrupt: ${(error as Error).message}`,
      );
    }
    this.#cache.set(handle, loaded);
    return loaded;
  }

  /** Writes the key to a 0600 temporary file, syncs it, and renames (or, `exclusive`, links) it in place. */
  async #write(handle: string, stored: StoredKey, exclusive: boolean): Promise<void> {
    const target = this.#path(handle);
    const temp = join(this.#dir, `.${handle}.${randomBytes(6).toString("hex")}.tmp`);
    const file = await open(temp, "wx", 0o600);
    try {
      await file.writeFile(JSON.stringify(stored));
      await file.sync();
    } finally {
      await file.close();
    }
    try {
      if (exclusive) {
        try {
          await link(temp, target);
        } catch (error) {
          // Someone made it first: theirs is the key, and the caller reads it back.
          if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        }
        await rm(temp, { force: true });
      } else {
        await rename(temp, target);
      }
      const dir = await open(this.#dir, "r");
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    } catch (error) {
      await rm(temp, { force: true });
      throw new MailsealError("HSM_UNAVAILABLE", `soft HSM: cannot store key ${handle}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}
