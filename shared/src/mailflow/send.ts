// Sending (docs/services.md, "Client flows"): the recipients' certificates from the service's
// directory (batch lookup, cached), the message signed with the device's signing key
// (multipart/signed, SHA-256, PKCS#1 v1.5; RFC 8551 3.5) and then encrypted (RFC 8551 3.3) to every
// recipient and to the sender's own current key, so that the sender can read the sent copy.
import { rsaPrivateKeyFromJwk } from "@mailseal/core-wasm";
import type { ByteSource } from "../asn1/ber-cursor.js";
import { contentCipherByName, type ContentCipher } from "../cms/algorithms.js";
import type { Clock } from "../clock.js";
import { hasCode, MailsealError, SMIME_ERROR_CODES } from "../errors/index.js";
import { validateCertificatePath, type PathValidationOptions } from "../pki/chain.js";
import type { CertificateCrypto } from "../pki/signature.js";
import { hasEmailAddress, type Certificate } from "../pki/certificate.js";
import { readHeader } from "../mime/rfc5322-header-reader.js";
import { singleField } from "../mime/rfc5322-header.js";
import { encryptMessage } from "../smime/envelope.js";
import { signMessage } from "../smime/signature.js";
import { asAsync } from "../mime/chunks.js";
import type { LoadedRsaKey, MailflowCore } from "./core.js";
import type { CertificateEntry } from "../api/certs.js";
import type { ServiceClient } from "./service-client.js";
import { certificateFromWire, normalizeAccountAddress, requireProvisioned, type DeviceState } from "./state.js";
import { mergeKeys } from "./keys.js";
import { keptCrl } from "./crl.js";

/** A found certificate is kept an hour, an address without one ten minutes (it may enroll meanwhile). */
export const POSITIVE_TTL_MS = 60 * 60 * 1000;
export const NEGATIVE_TTL_MS = 10 * 60 * 1000;
/** POST /v1/certs/lookup takes at most this many addresses. */
export const LOOKUP_BATCH = 100;

/** A directory entry (CertificateEntry) with its certificates parsed. */
export interface DirectoryEntry extends Omit<CertificateEntry, "certificate" | "chain" | "kemCertificate"> {
  certificate: Certificate;
  chain: Certificate[];
  /** The ML-KEM certificate of the same key generation (issue 15), when the address has one. */
  kemCertificate?: Certificate;
}

/** The entry with its certificates parsed: BAD_RESPONSE naming the field for one that is not a certificate. */
function parseEntry(entry: CertificateEntry, what: string): DirectoryEntry {
  const { kemCertificate, ...rest } = entry;
  return {
    ...rest,
    certificate: certificateFromWire(entry.certificate, `${what}.certificate`),
    chain: entry.chain.map((der, i) => certificateFromWire(der, `${what}.chain[${i}]`)),
    ...(kemCertificate === undefined
      ? {}
      : { kemCertificate: certificateFromWire(kemCertificate, `${what}.kemCertificate`) }),
  };
}

/** The directory's answers, remembered for POSITIVE_TTL_MS / NEGATIVE_TTL_MS of the host's clock. */
export class DirectoryCache {
  readonly #entries = new Map<string, { entry: DirectoryEntry | undefined; until: number }>();
  constructor(private readonly clock: Clock) {}

  /** The cached answer: an entry, `null` for a cached "no certificate", undefined when not cached or stale. */
  get(address: string): DirectoryEntry | null | undefined {
    const cached = this.#entries.get(address);
    if (cached === undefined) return undefined;
    if (cached.until <= this.clock.now().getTime()) {
      this.#entries.delete(address);
      return undefined;
    }
    return cached.entry ?? null;
  }

  put(address: string, entry: DirectoryEntry | undefined): void {
    const ttl = entry === undefined ? NEGATIVE_TTL_MS : POSITIVE_TTL_MS;
    this.#entries.set(address, { entry, until: this.clock.now().getTime() + ttl });
  }

  /** The entries of `addresses`, asking the directory only for those not cached, in batches of 100. */
  async lookup(client: ServiceClient, addresses: readonly string[]): Promise<Map<string, DirectoryEntry | undefined>> {
    const result = new Map<string, DirectoryEntry | undefined>();
    const ask: string[] = [];
    for (const address of new Set(addresses)) {
      const cached = this.get(address);
      if (cached === undefined) ask.push(address);
      else result.set(address, cached ?? undefined);
    }
    for (let i = 0; i < ask.length; i += LOOKUP_BATCH) {
      const batch = ask.slice(i, i + LOOKUP_BATCH);
      const found = await client.lookupCertificates(batch);
      for (const address of batch) {
        // The directory's address form may differ in case only; the certificate must name the address.
        const index = found.findIndex((e) => e.address.toLowerCase() === address.toLowerCase());
        const entry = index < 0 ? undefined : parseEntry(found[index]!, `POST /v1/certs/lookup certificates[${index}]`);
        const usable = entry !== undefined && hasEmailAddress(entry.certificate, address) ? entry : undefined;
        this.put(address, usable);
        result.set(address, usable);
      }
    }
    return result;
  }
}

/** A capability as the directory lists it: a cipher name ("aes-256-gcm") or its OID. */
function listsCipher(capabilities: readonly string[], cipher: ContentCipher): boolean {
  return capabilities.some((c) => c.toLowerCase() === cipher.name || c === cipher.oid);
}

/**
 * AES-256-CBC with PKCS#1 v1.5 key transport, which Outlook, Thunderbird/NSS, gpgsm and OpenSSL all
 * read; AES-256-GCM (AuthEnvelopedData, RFC 5083/5084) only when every recipient's capabilities
 * list it. No recipients' lists at all (only the sender) also gives GCM: mailseal reads it.
 */
export function chooseCipher(capabilities: readonly (readonly string[])[]): ContentCipher {
  const gcm = contentCipherByName("aes-256-gcm");
  return capabilities.every((list) => listsCipher(list, gcm)) ? gcm : contentCipherByName("aes-256-cbc");
}

/**
 * Where certificates come from besides the service's directory (the gateway: certificates learned
 * from signed mail, an organisation's LDAP). Asked only for addresses the directory has no usable
 * certificate for; what it gives is checked as the directory's is (path to one of `anchors` or the
 * service's root, encryption usage, validity now, the account's CRL, the address).
 */
export interface CertificateSource {
  lookup(addresses: readonly string[]): Promise<Map<string, DirectoryEntry[]>>;
  /** Trust anchors for its certificates, besides the service's root. */
  anchors: readonly Certificate[];
}

export interface SendOptions {
  client: ServiceClient;
  cache: DirectoryCache;
  clock: Clock;
  /** The sender's account (provisioned: signing certificate, keys). */
  state: DeviceState;
  recipients: readonly string[];
  /** Default true; false signs only (then recipients without a certificate are no error). */
  encrypt?: boolean;
  /** Certificates of recipients the directory does not know. */
  others?: CertificateSource;
}

/** The sender's current encryption certificate (the newest current key). */
export function currentCertificate(state: DeviceState): Certificate {
  const current = state.keys.filter((k) => k.status === "current");
  const key = current[current.length - 1];
  if (key === undefined) throw new MailsealError("NOT_PROVISIONED", `${state.address} has no current encryption key`);
  return certificateFromWire(key.certificate, "own encryption certificate");
}

/**
 * The sender's current encryption certificate as the api lists it now, not as this device last saw
 * it: after a device removal or a rotation the key this device still calls current is retired, and
 * the removed device holds it, so the sent copy (and the SMIMEEncryptionKeyPreference that tells
 * recipients which key to use) must name the new one.
 */
export async function ownCurrentCertificate(options: Pick<SendOptions, "client" | "state">): Promise<Certificate> {
  const listed = await options.client.listKeys();
  return currentCertificate({ ...options.state, keys: mergeKeys(options.state.keys, listed) });
}

/**
 * Where a certificate path is validated (validateCertificatePath, RFC 5280 6): with a crypto core in
 * this thread (pathCheckWith), or by the engine in its worker. Throws the S/MIME codes as
 * validateCertificatePath does.
 */
export type PathCheck = (
  certificate: Certificate,
  options: Omit<PathValidationOptions, "crypto" | "time"> & { time: Date },
) => Promise<void>;

/** validateCertificatePath with `crypto` in this thread. */
export function pathCheckWith(crypto: CertificateCrypto): PathCheck {
  return async (certificate, options) => void (await validateCertificatePath(certificate, { ...options, crypto }));
}

/**
 * The recipients' directory entries, each certificate validated for encryption to the service's
 * root at the clock's time; NO_CERTIFICATE naming every recipient without a usable one.
 */
export async function recipientCertificates(
  options: SendOptions,
  check: PathCheck,
): Promise<{ entries: DirectoryEntry[]; kemCertificates: Certificate[] }> {
  const state = requireProvisioned(options.state);
  const root = certificateFromWire(state.root, "root certificate");
  const addresses = options.recipients.map(normalizeAccountAddress);
  const found = await options.cache.lookup(options.client, addresses);
  const entries: DirectoryEntry[] = [];
  const kemCertificates: Certificate[] = [];
  const missing: string[] = [];
  const reasons: string[] = [];
  for (const address of new Set(addresses)) {
    const entry = found.get(address);
    if (entry === undefined) {
      missing.push(address);
      continue;
    }
    try {
      await check(entry.certificate, {
        anchors: [root],
        intermediates: entry.chain,
        usage: "encryption",
        time: options.clock.now(),
      });
    } catch (error) {
      if (!hasCode(error, ...SMIME_ERROR_CODES)) throw error;
      missing.push(address);
      reasons.push(`${address}: ${error.code}`);
      continue;
    }
    entries.push(entry);
    // The recipient's ML-KEM certificate (issue 15), checked as its RSA one and for its address. One
    // that does not pass is left out, not an error: the RSA recipient still reaches the person.
    const kem = entry.kemCertificate;
    if (kem !== undefined && hasEmailAddress(kem, address)) {
      const usable = await check(kem, {
        anchors: [root],
        intermediates: entry.chain,
        usage: "encryption",
        time: options.clock.now(),
      }).then(
        () => true,
        (error: unknown) => {
          if (!hasCode(error, ...SMIME_ERROR_CODES)) throw error;
          return false;
        },
      );
      if (usable) kemCertificates.push(kem);
    }
  }
  if (missing.length > 0 && options.others !== undefined) {
    const others = options.others;
    const offered = await others.lookup(missing);
    const crl = keptCrl(state);
    for (const address of [...missing]) {
      // The first of the source's certificates that passes, in the source's order (newest first).
      for (const entry of offered.get(address) ?? []) {
        if (!hasEmailAddress(entry.certificate, address)) continue;
        try {
          await check(entry.certificate, {
            anchors: [root, ...others.anchors],
            intermediates: entry.chain,
            usage: "encryption",
            time: options.clock.now(),
            ...(crl === undefined ? {} : { crls: [crl] }),
          });
        } catch (error) {
          if (!hasCode(error, ...SMIME_ERROR_CODES)) throw error;
          reasons.push(`${address} (other source): ${error.code}`);
          continue;
        }
        entries.push(entry);
        missing.splice(missing.indexOf(address), 1);
        break;
      }
    }
  }
  if (missing.length > 0) {
    throw new MailsealError(
      "NO_CERTIFICATE",
      `no valid certificate for ${missing.join(", ")}: they have not set up mailseal (send without encryption, or ask them to)` +
        (reasons.length === 0 ? "" : `; refused: ${reasons.join(", ")}`),
      { details: { addresses: missing } },
    );
  }
  return { entries, kemCertificates };
}

/**
 * The one mailbox of a From field value (RFC 5322 3.6.2, 3.4): `Name <addr>` or a bare addr-spec.
 * A From with several mailboxes (which needs a Sender) or none is not something this device signs.
 */
export function fromAddress(value: string): string | undefined {
  // Quoted display names and comments may hold anything, "<" and "," too: drop them first.
  const plain = value.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\((?:[^()\\]|\\.)*\)/g, " ");
  if (plain.includes(",")) return undefined;
  const angle = /<([^<>\s]+@[^<>\s]+)>/.exec(plain);
  const address = angle?.[1] ?? plain.trim();
  return /^[^\s@<>]+@[^\s@<>]+$/.test(address) ? address : undefined;
}

/** The From address of a message and the message again, whole (its header read once, the body still streaming). */
export async function senderOf(message: ByteSource): Promise<{ address: string; message: AsyncIterable<Uint8Array> }> {
  const { fields, raw, body } = await readHeader(asAsync(message));
  const from = singleField(fields, "From");
  const address = from === undefined ? undefined : fromAddress(from.value);
  if (address === undefined) {
    throw new MailsealError(
      "SENDER_UNKNOWN",
      "the message needs a From field with one address (an account of this device)",
    );
  }
  async function* whole(): AsyncGenerator<Uint8Array> {
    yield raw;
    yield* body;
  }
  return { address: normalizeAccountAddress(address), message: whole() };
}

/** What sealing one message takes, once the recipients are known (prepareSend). */
export interface SealRecipe {
  /** The sender's current encryption certificate (SMIMEEncryptionKeyPreference; a recipient of its own copy). */
  own: Certificate;
  /**
   * Encrypt to these (and `own`); undefined signs only. `kemCertificates`: the ML-KEM certificates
   * (issue 15) of the recipients that have one, and the sender's own, each the companion of an RSA
   * certificate here: the engine's sealOptionsOf adds them as KEMRecipientInfos beside the RSA
   * ones (the hybrid), unless the host turns that off.
   */
  encryptTo?: { certificates: readonly Certificate[]; cipher: ContentCipher; kemCertificates?: readonly Certificate[] };
}

/**
 * The network half of sending: the sender's current certificate as the api lists it, and (unless
 * signing only) every recipient's certificate from the directory, each path checked by `check`
 * (NO_CERTIFICATE naming the recipients without one). Nothing is signed yet.
 */
export async function prepareSend(options: SendOptions, check: PathCheck): Promise<SealRecipe> {
  requireProvisioned(options.state);
  const list = await options.client.keyList();
  const own = currentCertificate({ ...options.state, keys: mergeKeys(options.state.keys, list.keys) });
  if (options.encrypt === false) return { own };
  return { own, encryptTo: encryptionRecipe(await recipientCertificates(options, check), list.kemKeys) };
}

/**
 * A recipe's `encryptTo` for the recipients `recipientCertificates` found: their certificates, the
 * cipher they all read, and the ML-KEM companions (issue 15), the sender's own current one from
 * `ownKemKeys` included, so that its copy gets the hybrid too when the account opted in.
 *
 * The ML-KEM companions go in only when EVERY recipient has one. A KEMRecipientInfo is an
 * OtherRecipientInfo (RFC 5652 6.2.5, `ori` [4]), and NSS (Thunderbird's own S/MIME, `cmsutil`)
 * cannot decode an EnvelopedData that holds one at all (SEC_ERROR_BAD_DER), so one recipient's
 * opt-in would lock a co-recipient who reads with Thunderbird out of the whole message. Every
 * recipient with an ML-KEM certificate opted in at mailseal, whose readers decode it.
 */
export function encryptionRecipe(
  found: { entries: readonly DirectoryEntry[]; kemCertificates: readonly Certificate[] },
  ownKemKeys: readonly { status: string; certificate: string }[] | undefined,
): NonNullable<SealRecipe["encryptTo"]> {
  const everyRecipient = found.entries.length > 0 && found.kemCertificates.length === found.entries.length;
  const ownKem = (ownKemKeys ?? []).filter((k) => k.status === "current").at(-1);
  const kem = everyRecipient
    ? [
        ...found.kemCertificates,
        ...(ownKem === undefined ? [] : [certificateFromWire(ownKem.certificate, "own ML-KEM certificate")]),
      ]
    : [];
  return {
    certificates: found.entries.map((e) => e.certificate),
    cipher: chooseCipher(found.entries.map((e) => e.capabilities)),
    ...(kem.length === 0 ? {} : { kemCertificates: kem }),
  };
}

/**
 * The crypto half of sending: signs `message` with the account's signing key (its certificate and
 * chain in the SignedData) and, per the recipe, encrypts it to the recipients and to the sender's own
 * current key. Runs where the core is (the engine's worker, or in process).
 */
export async function* sealMessage(
  message: ByteSource,
  state: DeviceState,
  recipe: SealRecipe,
  signingTime: Date,
  core: MailflowCore,
): AsyncGenerator<Uint8Array> {
  const provisioned = requireProvisioned(state);
  const signingKey = await core.loadRsaPrivateKey(rsaPrivateKeyFromJwk(provisioned.signing.privateKey));
  try {
    yield* sealWithKey(message, provisioned, recipe, signingTime, signingKey, core);
  } finally {
    signingKey.dispose();
  }
}

/** sealMessage with the signing key already loaded (the engine keeps it loaded between messages). */
export async function* sealWithKey(
  message: ByteSource,
  state: DeviceState,
  recipe: SealRecipe,
  signingTime: Date,
  signingKey: LoadedRsaKey,
  core: MailflowCore,
): AsyncGenerator<Uint8Array> {
  const provisioned = requireProvisioned(state);
  const signed = signMessage(
    message,
    {
      key: signingKey,
      certificate: certificateFromWire(provisioned.signing.certificate, "signing certificate"),
      chain: provisioned.signing.chain.map((c) => certificateFromWire(c, "chain certificate")),
      encryptionCertificate: recipe.own,
      signingTime,
    },
    core,
  );
  if (recipe.encryptTo === undefined) {
    yield* signed;
    return;
  }
  const recipients = [...recipe.encryptTo.certificates, recipe.own].map((certificate) => ({
    certificate,
    transport: { scheme: "rsa-pkcs1" as const },
  }));
  yield* encryptMessage(signed, { recipients, cipher: recipe.encryptTo.cipher }, core);
}

/**
 * Signs `message` (an RFC 5322 message from this account) and encrypts it to every recipient and to
 * the sender; yields the S/MIME message. The recipients are checked before anything is yielded.
 * Both halves in this thread: prepareSend, then sealMessage.
 */
export async function* sendMessage(
  message: ByteSource,
  options: SendOptions,
  core: MailflowCore,
): AsyncGenerator<Uint8Array> {
  const recipe = await prepareSend(options, pathCheckWith(core));
  yield* sealMessage(message, options.state, recipe, options.clock.now(), core);
}
