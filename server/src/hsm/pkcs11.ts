// The PKCS#11 backend (pkcs11js): keys are token objects named by CKA_ID (the handle) and CKA_LABEL.
// CA keys and KEKs are CKA_SENSITIVE and not CKA_EXTRACTABLE: they never leave the token. Keys the KMS
// must split are session objects (CKA_TOKEN false), extractable, generated and wrapped out in one
// session under a one-time AES key with CKM_AES_KEY_WRAP_PAD (RFC 5649), unwrapped here, and
// destroyed before the session closes: the token never stores them. Verified against SoftHSM2 2.6.1 (see the services notes); other HSMs
// may number the RFC 5649 mechanism differently (PKCS#11 3.0 calls it CKM_AES_KEY_WRAP_KWP, 0x210B).
import { createDecipheriv, createPrivateKey, createPublicKey, randomBytes } from "node:crypto";
import { hasCode, MailsealError } from "@mailseal/shared/offline";
import pkcs11js from "pkcs11js";
import {
  checkGcmInput,
  checkGcmPlaintext,
  checkHandle,
  checkLabel,
  checkRsaOptions,
  HSM_ERROR_CODES,
  type HsmBackend,
  type HsmKeyPair,
} from "./backend.js";
import { NamedKeyCreation, namedKeyId } from "./named-key.js";
import type { HsmSpec } from "./spec.js";

type Pkcs11Spec = Extract<HsmSpec, { kind: "pkcs11" }>;
type Handle = Buffer;

const P = pkcs11js;

/**
 * One loaded library per path and process. C_Initialize and C_Finalize are process-wide in PKCS#11
 * (a second C_Initialize answers CKR_CRYPTOKI_ALREADY_INITIALIZED and one C_Finalize ends every
 * user's sessions), so backends share the module and the last one to close finalizes it.
 */
interface LoadedLibrary {
  module: pkcs11js.PKCS11;
  users: number;
  /** False when someone else in the process had initialized it: then we never finalize it. */
  owned: boolean;
  /**
   * The PIN each token (by slot number) was logged in with. Login is per application, not per session
   * (PKCS#11 2.40 5.6): a second backend on a logged-in token gets CKR_USER_ALREADY_LOGGED_IN whatever
   * PIN it gives, so its PIN is checked against the one that worked.
   */
  pins: Map<number, string>;
}
const libraries = new Map<string, LoadedLibrary>();

function acquireLibrary(path: string): pkcs11js.PKCS11 {
  const loaded = libraries.get(path);
  if (loaded !== undefined) {
    loaded.users++;
    return loaded.module;
  }
  const module = new P.PKCS11();
  let owned = true;
  try {
    module.load(path);
  } catch (error) {
    throw new MailsealError("HSM_UNAVAILABLE", `PKCS#11: cannot load ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    // Async calls run on worker threads: the library must do its own locking (PKCS#11 2.40 5.4).
    module.C_Initialize({ flags: P.CKF_OS_LOCKING_OK });
  } catch (error) {
    if (!(error instanceof P.Pkcs11Error && error.code === P.CKR_CRYPTOKI_ALREADY_INITIALIZED)) {
      module.close();
      throw new MailsealError("HSM_UNAVAILABLE", `PKCS#11: C_Initialize failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
    owned = false;
  }
  libraries.set(path, { module, users: 1, owned, pins: new Map() });
  return module;
}

function releaseLibrary(path: string): void {
  const loaded = libraries.get(path);
  if (loaded === undefined || --loaded.users > 0) return;
  libraries.delete(path);
  try {
    if (loaded.owned) loaded.module.C_Finalize();
  } finally {
    loaded.module.close();
  }
}

function slotNumber(slot: Handle): number {
  return slot.length >= 8 ? Number(slot.readBigUInt64LE(0)) : slot.readUInt32LE(0);
}

const ckrName = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** A PKCS#11 failure as an MailsealError: the CKR_ name stays in the message for the operator. */
function failed(what: string, error: unknown): MailsealError {
  if (hasCode(error, ...HSM_ERROR_CODES)) return error;
  return new MailsealError("HSM_OPERATION_FAILED", `PKCS#11 ${what}: ${ckrName(error)}`, { cause: error });
}

const RFC5649_IV = Buffer.from("A65959A6", "hex");

export class Pkcs11Hsm implements HsmBackend {
  readonly kind = "pkcs11" as const;
  readonly #library: string;
  readonly #p: pkcs11js.PKCS11;
  readonly #slot: Handle;
  /** Kept open for the backend's life: the login state lasts while the application has a session. */
  readonly #loginSession: Handle;
  readonly #creating = new NamedKeyCreation();
  #closed = false;

  private constructor(library: string, p: pkcs11js.PKCS11, slot: Handle, loginSession: Handle) {
    this.#library = library;
    this.#p = p;
    this.#slot = slot;
    this.#loginSession = loginSession;
  }

  static async open(spec: Pkcs11Spec): Promise<Pkcs11Hsm> {
    const p = acquireLibrary(spec.library);
    const pins = libraries.get(spec.library)!.pins;
    let session: Handle | undefined;
    try {
      const slots = p.C_GetSlotList(true);
      const slot = slots.find((s) =>
        spec.slot !== undefined ? slotNumber(s) === spec.slot : p.C_GetTokenInfo(s).label.trimEnd() === spec.token,
      );
      if (slot === undefined) {
        const which = spec.slot !== undefined ? `slot ${spec.slot}` : `token "${spec.token}"`;
        throw new MailsealError("HSM_UNAVAILABLE", `PKCS#11: no ${which} with a token in ${spec.library}`);
      }
      session = p.C_OpenSession(slot, P.CKF_SERIAL_SESSION | P.CKF_RW_SESSION);
      try {
        p.C_Login(session, P.CKU_USER, spec.pin);
        pins.set(slotNumber(slot), spec.pin);
      } catch (error) {
        if (!(error instanceof P.Pkcs11Error)) throw error;
        if (error.code === P.CKR_PIN_INCORRECT || error.code === P.CKR_PIN_LOCKED)
          throw new MailsealError("HSM_LOGIN_FAILED", `PKCS#11: login refused: ${error.message}`);
        // Another backend of this process on the same token has logged the application in already.
        if (error.code !== P.CKR_USER_ALREADY_LOGGED_IN) throw error;
        const known = pins.get(slotNumber(slot));
        if (known !== undefined && known !== spec.pin)
          throw new MailsealError("HSM_LOGIN_FAILED", "PKCS#11: login refused: CKR_PIN_INCORRECT");
      }
      return new Pkcs11Hsm(spec.library, p, slot, session);
    } catch (error) {
      if (session !== undefined) p.C_CloseSession(session);
      releaseLibrary(spec.library);
      if (hasCode(error, ...HSM_ERROR_CODES)) throw error;
      throw new MailsealError("HSM_UNAVAILABLE", `PKCS#11: cannot open the token: ${ckrName(error)}`, { cause: error });
    }
  }

  async generateRsaKeyPair(options: { bits: number; label: string; extractable: false }): Promise<HsmKeyPair> {
    checkRsaOptions(options);
    const id = randomBytes(16);
    return this.#withSession("C_GenerateKeyPair", async (s) => {
      const pair = await this.#generatePair(
        s,
        options.bits,
        [
          { type: P.CKA_TOKEN, value: true },
          { type: P.CKA_ID, value: id },
          { type: P.CKA_LABEL, value: options.label },
        ],
        false,
      );
      return { handle: id.toString("hex"), spki: this.#spkiOf(s, pair.publicKey) };
    });
  }

  async generateExportableRsaKey(options: {
    bits: number;
    label: string;
  }): Promise<{ spki: Uint8Array; pkcs8: Uint8Array }> {
    checkRsaOptions(options);
    // Session objects (CKA_TOKEN false) made, wrapped and destroyed in one session: the token never
    // stores them, and closing the session (also by a crash of this process) destroys them
    // (PKCS#11 2.40 section 4.4, session objects).
    return this.#withSession("C_WrapKey", async (s) => {
      const pair = await this.#generatePair(
        s,
        options.bits,
        [
          { type: P.CKA_TOKEN, value: false },
          { type: P.CKA_LABEL, value: options.label },
        ],
        true,
      );
      try {
        return { spki: this.#spkiOf(s, pair.publicKey), pkcs8: this.#wrapOut(s, pair.privateKey) };
      } finally {
        this.#p.C_DestroyObject(s, pair.privateKey);
        this.#p.C_DestroyObject(s, pair.publicKey);
      }
    });
  }

  /** An RSA key pair with `common` attributes on both halves; the private half sensitive, signing only. */
  async #generatePair(
    s: Handle,
    bits: number,
    common: pkcs11js.Template,
    extractable: boolean,
  ): Promise<pkcs11js.KeyPair> {
    // RSA keygen takes up to a second or more: the async call keeps the event loop free.
    return this.#p.C_GenerateKeyPairAsync(
      s,
      { mechanism: P.CKM_RSA_PKCS_KEY_PAIR_GEN },
      [
        ...common,
        { type: P.CKA_KEY_TYPE, value: P.CKK_RSA },
        { type: P.CKA_CLASS, value: P.CKO_PUBLIC_KEY },
        { type: P.CKA_PRIVATE, value: false },
        { type: P.CKA_VERIFY, value: true },
        { type: P.CKA_MODULUS_BITS, value: bits },
        { type: P.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
      ],
      [
        ...common,
        { type: P.CKA_KEY_TYPE, value: P.CKK_RSA },
        { type: P.CKA_CLASS, value: P.CKO_PRIVATE_KEY },
        { type: P.CKA_PRIVATE, value: true },
        { type: P.CKA_SENSITIVE, value: true },
        { type: P.CKA_EXTRACTABLE, value: extractable },
        { type: P.CKA_SIGN, value: true },
        { type: P.CKA_DECRYPT, value: false },
      ],
    );
  }

  /** The exact PKCS#8 of an extractable private key, wrapped out under a one-time AES key (RFC 5649). */
  #wrapOut(s: Handle, key: Handle): Uint8Array {
    // A one-time wrapping key that exists only in this session and in this function.
    const raw = randomBytes(32);
    const wrappingKey = this.#p.C_CreateObject(s, [
      { type: P.CKA_CLASS, value: P.CKO_SECRET_KEY },
      { type: P.CKA_KEY_TYPE, value: P.CKK_AES },
      { type: P.CKA_TOKEN, value: false },
      { type: P.CKA_VALUE, value: raw },
      { type: P.CKA_WRAP, value: true },
    ]);
    try {
      let wrapped: Buffer;
      try {
        wrapped = this.#p.C_WrapKey(s, { mechanism: P.CKM_AES_KEY_WRAP_PAD }, wrappingKey, key, Buffer.alloc(16384));
      } catch (error) {
        if (error instanceof P.Pkcs11Error && error.code === P.CKR_KEY_UNEXTRACTABLE)
          throw new MailsealError(
            "HSM_NOT_EXTRACTABLE",
            "the token refused to export the new key (CKR_KEY_UNEXTRACTABLE)",
          );
        throw error;
      }
      const decipher = createDecipheriv("id-aes256-wrap-pad", raw, RFC5649_IV);
      const padded = Buffer.concat([decipher.update(wrapped), decipher.final()]);
      try {
        // SoftHSM zero-pads the PKCS#8 to a multiple of 8 bytes; re-encoding gives the exact DER.
        return createPrivateKey({ key: padded, format: "der", type: "pkcs8" }).export({ type: "pkcs8", format: "der" });
      } finally {
        padded.fill(0);
      }
    } finally {
      raw.fill(0);
      this.#p.C_DestroyObject(s, wrappingKey);
    }
  }

  async signRsaPkcs1v15(handle: string, hash: "SHA-256" | "SHA-384", data: Uint8Array): Promise<Uint8Array> {
    checkHandle(handle);
    const mechanism =
      hash === "SHA-256" ? P.CKM_SHA256_RSA_PKCS : hash === "SHA-384" ? P.CKM_SHA384_RSA_PKCS : undefined;
    if (mechanism === undefined) throw new MailsealError("HSM_BAD_INPUT", `unsupported hash ${String(hash)}`);
    return this.#withSession("C_Sign", async (s) => {
      const key = this.#find(s, handle, P.CKO_PRIVATE_KEY);
      this.#p.C_SignInit(s, { mechanism }, key);
      return new Uint8Array(await this.#p.C_SignAsync(s, Buffer.from(data), Buffer.alloc(1024)));
    });
  }

  async publicKey(handle: string): Promise<Uint8Array> {
    checkHandle(handle);
    return this.#withSession("C_GetAttributeValue", (s) => this.#spkiOf(s, this.#find(s, handle, P.CKO_PUBLIC_KEY)));
  }

  async destroyKey(handle: string): Promise<void> {
    checkHandle(handle);
    await this.#withSession("C_DestroyObject", (s) => {
      for (const object of this.#findAll(s, [{ type: P.CKA_ID, value: Buffer.from(handle, "hex") }]))
        this.#p.C_DestroyObject(s, object);
    });
  }

  async aesKey(label: string): Promise<string> {
    this.#open();
    checkLabel(label);
    return this.#creating.once(label, (name) => this.#aesKey(name));
  }

  async #aesKey(label: string): Promise<string> {
    const handle = namedKeyId(label);
    const id = Buffer.from(handle, "hex");
    return this.#withSession("C_GenerateKey", async (s) => {
      const found = this.#findAll(s, [
        { type: P.CKA_ID, value: id },
        { type: P.CKA_CLASS, value: P.CKO_SECRET_KEY },
      ]);
      if (found.length > 0) return handle;
      await this.#p.C_GenerateKeyAsync(s, { mechanism: P.CKM_AES_KEY_GEN }, [
        { type: P.CKA_CLASS, value: P.CKO_SECRET_KEY },
        { type: P.CKA_KEY_TYPE, value: P.CKK_AES },
        { type: P.CKA_VALUE_LEN, value: 32 },
        { type: P.CKA_TOKEN, value: true },
        { type: P.CKA_PRIVATE, value: true },
        { type: P.CKA_SENSITIVE, value: true },
        { type: P.CKA_EXTRACTABLE, value: false },
        { type: P.CKA_ENCRYPT, value: true },
        { type: P.CKA_DECRYPT, value: true },
        { type: P.CKA_WRAP, value: false },
        { type: P.CKA_UNWRAP, value: false },
        { type: P.CKA_ID, value: id },
        { type: P.CKA_LABEL, value: label },
      ]);
      return handle;
    });
  }

  async aesGcmEncrypt(
    handle: string,
    plaintext: Uint8Array,
    aad: Uint8Array,
  ): Promise<{ iv: Uint8Array; ciphertext: Uint8Array }> {
    checkGcmPlaintext(plaintext);
    checkHandle(handle);
    // The IV is made here, not by the token: SoftHSM2 2.6 takes the caller's IV (PKCS#11 2.40 2.8.3).
    const iv = randomBytes(12);
    return this.#withSession("C_Encrypt", async (s) => {
      const key = this.#find(s, handle, P.CKO_SECRET_KEY);
      this.#p.C_EncryptInit(s, gcm(iv, aad), key);
      const out = await this.#p.C_EncryptAsync(s, Buffer.from(plaintext), Buffer.alloc(plaintext.length + 16));
      return { iv: new Uint8Array(iv), ciphertext: new Uint8Array(out) };
    });
  }

  async aesGcmDecrypt(handle: string, iv: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    checkHandle(handle);
    checkGcmInput(iv, ciphertext);
    return this.#withSession("C_Decrypt", async (s) => {
      const key = this.#find(s, handle, P.CKO_SECRET_KEY);
      this.#p.C_DecryptInit(s, gcm(Buffer.from(iv), aad), key);
      try {
        return new Uint8Array(
          await this.#p.C_DecryptAsync(s, Buffer.from(ciphertext), Buffer.alloc(ciphertext.length)),
        );
      } catch (error) {
        // SoftHSM2 answers a wrong tag with CKR_GENERAL_ERROR, others with CKR_ENCRYPTED_DATA_INVALID.
        throw new MailsealError(
          "HSM_DECRYPT_FAILED",
          `AES-GCM: the data or its associated data was altered, or the key is wrong (${ckrName(error)})`,
          { cause: error },
        );
      }
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#p.C_CloseSession(this.#loginSession);
    } finally {
      releaseLibrary(this.#library);
    }
  }

  #open(): void {
    if (this.#closed) throw new MailsealError("HSM_UNAVAILABLE", "PKCS#11: the backend is closed");
  }

  /**
   * Runs `fn` in a session of its own: a PKCS#11 session holds one active operation at a time, so
   * concurrent callers never share one, and the library (CKF_OS_LOCKING_OK) serializes the rest.
   */
  async #withSession<T>(what: string, fn: (session: Handle) => T | Promise<T>): Promise<T> {
    this.#open();
    let session: Handle;
    try {
      session = this.#p.C_OpenSession(this.#slot, P.CKF_SERIAL_SESSION | P.CKF_RW_SESSION);
    } catch (error) {
      throw new MailsealError("HSM_UNAVAILABLE", `PKCS#11: cannot open a session: ${ckrName(error)}`, { cause: error });
    }
    try {
      return await fn(session);
    } catch (error) {
      throw failed(what, error);
    } finally {
      this.#p.C_CloseSession(session);
    }
  }

  #findAll(session: Handle, template: pkcs11js.Template): Handle[] {
    this.#p.C_FindObjectsInit(session, template);
    try {
      return this.#p.C_FindObjects(session, 16);
    } finally {
      this.#p.C_FindObjectsFinal(session);
    }
  }

  #find(session: Handle, handle: string, objectClass: number): Handle {
    const found = this.#findAll(session, [
      { type: P.CKA_ID, value: Buffer.from(handle, "hex") },
      { type: P.CKA_CLASS, value: objectClass },
    ]);
    if (found.length === 0) {
      const any = this.#findAll(session, [{ type: P.CKA_ID, value: Buffer.from(handle, "hex") }]);
      if (any.length > 0)
        throw new MailsealError("HSM_WRONG_KEY_TYPE", `key ${handle} is not of the kind this call needs`);
      throw new MailsealError("HSM_KEY_NOT_FOUND", `PKCS#11: no key ${handle} on the token`);
    }
    return found[0]!;
  }

  /** SubjectPublicKeyInfo of an RSA public key object, from its modulus and exponent (RFC 8017 A.1.1). */
  #spkiOf(session: Handle, publicKey: Handle): Uint8Array {
    const attrs = this.#p.C_GetAttributeValue(session, publicKey, [
      { type: P.CKA_KEY_TYPE },
      { type: P.CKA_MODULUS },
      { type: P.CKA_PUBLIC_EXPONENT },
    ]);
    const [keyType, modulus, exponent] = attrs.map((a) => a.value);
    if (
      keyType === undefined ||
      keyType.readUInt32LE(0) !== P.CKK_RSA ||
      modulus === undefined ||
      exponent === undefined
    )
      throw new MailsealError("HSM_WRONG_KEY_TYPE", "PKCS#11: the public key is not an RSA key");
    const b64url = (b: Buffer): string => b.toString("base64url");
    const key = createPublicKey({ key: { kty: "RSA", n: b64url(modulus), e: b64url(exponent) }, format: "jwk" });
    return new Uint8Array(key.export({ type: "spki", format: "der" }));
  }
}

function gcm(iv: Buffer, aad: Uint8Array): pkcs11js.Mechanism {
  const parameter: pkcs11js.AesGCM = {
    type: P.CK_PARAMS_AES_GCM,
    iv,
    aad: Buffer.from(aad),
    ivBits: 96,
    tagBits: 128,
  };
  return { mechanism: P.CKM_AES_GCM, parameter };
}
