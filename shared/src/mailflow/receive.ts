// Reading (docs/services.md, "Client flows"): decrypt with the whole key history (the RecipientInfo
// is matched by issuer and serial number, RFC 5652 6.2.1), then verify an inner signature against
// the service's root (RFC 8551 3.5, RFC 8550 4.2). The result is the message the sender wrote,
// outer header fields and inner entity, and a status the host shows.
import { pqPrivateKeyFromPkcs8 } from "../pki/pq.js";
import type { ByteSource } from "../asn1/ber-cursor.js";
import type { Clock } from "../clock.js";
import { hasCode, MailsealError, SMIME_ERROR_CODES } from "../errors/index.js";
import { readHeader } from "../mime/rfc5322-header-reader.js";
import type { HeaderField } from "../mime/rfc5322-header.js";
import { detectSmime } from "../mime/rfc8551-detect.js";
import { asAsync } from "../mime/chunks.js";
import { concatBytes } from "../mime/bytes.js";
import { readPrivateKey } from "../pki/private-key.js";
import type { RecipientKey } from "../cms/recipient-info.js";
import { decodeBase64url } from "../protocol/base64url.js";
import { decryptMessage } from "../smime/envelope.js";
import { verifyMessage, type VerifyMessageOptions } from "../smime/signature.js";
import type { LoadedRsaKey, MailflowCore } from "./core.js";
import { fromAddress } from "./send.js";
import { certificateFromWire, type DeviceState } from "./state.js";
import type { Certificate } from "../pki/certificate.js";
import { keptCrl } from "./crl.js";

export type SignatureStatus =
  | { state: "none" }
  | {
      state: "valid";
      signer: string;
      signingTime?: Date;
      fromMatches: boolean;
      /**
       * The signer's certificate has expired since: the path was valid at the signed signingTime
       * (which is the signer's claim), not now.
       */
      expiredSince?: boolean;
      /**
       * DER of the signer's certificate, of the certificate its SMIMEEncryptionKeyPreference names
       * (RFC 8551 2.5.3) and of every certificate the message carries, with the signed
       * SMIMECapabilities OIDs: what a host that remembers senders' certificates (the gateway) needs.
       */
      certificates?: { signer: Uint8Array; encryption?: Uint8Array; carried: Uint8Array[]; capabilities?: string[] };
    }
  | {
      /**
       * The signer's certificate was revoked after the signed signingTime (and not for a compromised
       * key): the signature was made while the certificate stood, by the signer's own claim of time,
       * which nothing here can confirm. Shown as neither valid nor invalid (docs/services.md,
       * "Client flows"): the mail of a device before its removal stays attributable, with the warning.
       */
      state: "revoked";
      code: "CERT_REVOKED";
      signer: string;
      signingTime: Date;
      revokedAt: Date;
      fromMatches: boolean;
    }
  | { state: "invalid"; code: string; reason: string };

export interface ReadStatus {
  encrypted: boolean;
  /** The content cipher, when encrypted. */
  cipher?: string;
  signature: SignatureStatus;
}

/** The status line a host shows, e.g. "encrypted (aes-256-cbc); signed by alice@example.org". */
export function describeStatus(status: ReadStatus): string {
  const parts = [status.encrypted ? `encrypted (${status.cipher ?? "?"})` : "not encrypted"];
  const signature = status.signature;
  if (signature.state === "none") parts.push("not signed");
  else if (signature.state === "invalid") parts.push(`signature invalid: ${signature.code}: ${signature.reason}`);
  else if (signature.state === "revoked") {
    parts.push(
      `signed by ${signature.signer}, but the certificate is revoked (${signature.code}): revoked ` +
        `${signature.revokedAt.toISOString()}, after the signing time the signer claims, ${signature.signingTime.toISOString()}`,
    );
    if (!signature.fromMatches) parts.push("WARNING: the signer is not the From address");
  } else {
    parts.push(
      `signed by ${signature.signer}` +
        (signature.expiredSince === true
          ? ` (certificate since expired; valid when signed, ${signature.signingTime?.toISOString() ?? "?"})`
          : ""),
    );
    if (!signature.fromMatches) parts.push("WARNING: the signer is not the From address");
  }
  return parts.join("; ");
}

/** The kind of a message from its header: enveloped, signed, or neither. */
function kindOf(fields: readonly HeaderField[]): "encrypted" | "signed" | "plain" {
  let kind;
  try {
    kind = detectSmime(fields);
  } catch (error) {
    if (hasCode(error, "NOT_SMIME")) return "plain";
    throw error;
  }
  if (kind.kind === "multipart-signed") return "signed";
  return kind.smimeType === "signed-data" ? "signed" : "encrypted";
}

export interface ReadOptions {
  /** The accounts of this device: the keys of all of them are tried, their service roots trusted. */
  accounts: readonly DeviceState[];
  clock: Clock;
  /** Trust anchors besides the accounts' service roots (the gateway's, for mail of other CAs). */
  anchors?: readonly Certificate[];
  /**
   * The keys to try, when the host keeps them loaded (the engine: loaded on first use, by the key
   * the RecipientInfo names, and kept). Without it every key of the accounts is loaded for this
   * read and wiped after it.
   */
  keys?: readonly RecipientKey[];
}

/** Loads every key of the history this device holds into the core; the caller disposes them. */
async function loadKeys(
  accounts: readonly DeviceState[],
  core: MailflowCore,
): Promise<{ keys: RecipientKey[]; loaded: LoadedRsaKey[] }> {
  const keys: RecipientKey[] = [];
  const loaded: LoadedRsaKey[] = [];
  try {
    for (const key of accounts.flatMap((a) => a.keys)) {
      if (key.pkcs8 === undefined) continue;
      const privateKey = await core.loadRsaPrivateKey(
        await readPrivateKey(decodeBase64url(key.pkcs8, "pkcs8"), undefined),
      );
      loaded.push(privateKey);
      keys.push({ certificate: certificateFromWire(key.certificate, "key certificate"), privateKey });
    }
    // The ML-KEM keys (issue 15), for the KEMRecipientInfo of a hybrid message (RFC 9629).
    for (const key of accounts.flatMap((a) => a.kemKeys ?? [])) {
      if (key.pkcs8 === undefined) continue;
      const privateKey = pqPrivateKeyFromPkcs8(decodeBase64url(key.pkcs8, "pkcs8"));
      if (privateKey.kind !== "ml-kem") continue;
      keys.push({ kind: "ml-kem", certificate: certificateFromWire(key.certificate, "key certificate"), privateKey });
    }
  } catch (error) {
    for (const key of loaded) key.dispose();
    throw error;
  }
  return { keys, loaded };
}

/**
 * Opens a message: decrypts it if encrypted, verifies it if signed (the signer's certificate must
 * chain to the account's service root at the clock's time), and writes the message as the sender
 * wrote it: the outer header fields, then the signed entity (or, if the signature fails, the entity
 * as decrypted). Nothing is written before everything is checked. A signature that does not verify
 * is a status, not an error: the host shows it; a message no key opens is NO_KEY.
 */
export async function readMessage(
  message: ByteSource,
  options: ReadOptions,
  core: MailflowCore,
  write: (chunk: Uint8Array) => Promise<void> | void,
): Promise<ReadStatus> {
  const { fields, raw, body } = await readHeader(asAsync(message));
  async function* whole(): AsyncGenerator<Uint8Array> {
    yield raw;
    yield* body;
  }
  const kind = kindOf(fields);
  let outer: HeaderField[];
  let entity: Uint8Array;
  let status: ReadStatus;
  if (kind === "encrypted") {
    const { keys, loaded } =
      options.keys === undefined ? await loadKeys(options.accounts, core) : { keys: options.keys, loaded: [] };
    const names = options.accounts.map((a) => a.address).join(", ");
    if (keys.length === 0) throw new MailsealError("NO_KEY", `this device holds no key (accounts: ${names || "none"})`);
    try {
      const chunks: Uint8Array[] = [];
      const decrypted = await decryptMessage(whole(), keys, core, (chunk) => void chunks.push(chunk.slice())).catch(
        (error: unknown) => {
          if (hasCode(error, "NO_KEY")) {
            throw new MailsealError(
              "NO_KEY",
              `none of the ${keys.length} keys on this device (${names}) opens the message`,
              { cause: error },
            );
          }
          throw error;
        },
      );
      outer = decrypted.outer;
      entity = concatBytes(chunks);
      status = { encrypted: true, cipher: decrypted.envelope.cipher.name, signature: { state: "none" } };
    } finally {
      for (const key of loaded) key.dispose();
    }
  } else {
    // Not encrypted: the whole message is what may be signed.
    const chunks: Uint8Array[] = [];
    for await (const chunk of whole()) chunks.push(chunk);
    outer = [];
    entity = concatBytes(chunks);
    status = { encrypted: false, signature: { state: "none" } };
  }
  const { fields: innerFields } = await readHeader(asAsync([entity]));
  if (kindOf(innerFields) === "signed") {
    const signed: Uint8Array[] = [];
    try {
      const roots = options.accounts.flatMap((a) => [
        ...(a.root === undefined ? [] : [a.root]),
        ...(a.formerRoots ?? []),
      ]);
      const anchors = [
        ...[...new Set(roots)].map((root) => certificateFromWire(root, "root certificate")),
        ...(options.anchors ?? []),
      ];
      const now = options.clock.now();
      const crls = options.accounts.flatMap((a) => keptCrl(a) ?? []);
      const verify = (time: NonNullable<VerifyMessageOptions["time"]>) => {
        signed.length = 0;
        return verifyMessage([entity], { anchors, time, crls }, core, (chunk) => void signed.push(chunk.slice()));
      };
      // A message signed while the signer's certificate was valid stays signed by them after it
      // expires (a one-year signing certificate, mail read years later): the path is then validated
      // at the signed signingTime, if that is not in the future (RFC 5652 11.3: the signer's claim,
      // which the status says). Any other failure, or a path invalid then too, stays invalid.
      // Revocation (RFC 5280 6.3) is judged the same way: revoked on or before the claimed
      // signingTime (or for a compromised key, or with no signingTime) is invalid, CERT_REVOKED;
      // revoked after it is the "revoked" status, never "valid", since the time is the signer's word.
      let expiredSince = false;
      let revokedAt: Date | undefined;
      const verified = await verify(now).catch(async (error: unknown) => {
        if (!hasCode(error, "CERTIFICATE_EXPIRED", "CERT_REVOKED")) throw error;
        const atSigning = await verify((signingTime) =>
          signingTime !== undefined && signingTime.getTime() <= now.getTime() ? signingTime : now,
        ).catch((again: unknown) => {
          // Revoked at the signing time too: that, not an expiry since, is the verdict.
          throw hasCode(again, "CERT_REVOKED") ? again : error;
        });
        if (atSigning.signingTime === undefined || atSigning.signingTime.getTime() > now.getTime()) throw error;
        if (error.code === "CERT_REVOKED") revokedAt = error.details?.revokedAt;
        else expiredSince = true;
        return atSigning;
      });
      const from = [...outer, ...verified.outer].find((f) => f.lowerName === "from");
      const fromValue = from === undefined ? undefined : fromAddress(from.value);
      const signer = verified.signer.emailAddresses[0] ?? verified.signer.displayName;
      const fromMatches = fromValue !== undefined && verified.signer.emailAddresses.includes(normalize(fromValue));
      status = {
        ...status,
        signature:
          revokedAt !== undefined && verified.signingTime !== undefined
            ? {
                state: "revoked",
                code: "CERT_REVOKED",
                signer,
                signingTime: verified.signingTime,
                revokedAt,
                fromMatches,
              }
            : {
                state: "valid",
                signer,
                fromMatches,
                ...(verified.signingTime === undefined ? {} : { signingTime: verified.signingTime }),
                ...(expiredSince ? { expiredSince } : {}),
                certificates: {
                  signer: verified.signer.der,
                  ...(verified.encryptionCertificate === undefined
                    ? {}
                    : { encryption: verified.encryptionCertificate.der }),
                  carried: verified.certificates.map((c) => c.der),
                  ...(verified.capabilities === undefined ? {} : { capabilities: verified.capabilities }),
                },
              },
      };
      outer = [...outer, ...verified.outer];
      entity = concatBytes(signed);
    } catch (error) {
      // Only what verification raises (the S/MIME library's codes) makes the signature invalid; a
      // failure of the flow itself (a damaged root in the state: BAD_RESPONSE) is an error.
      if (!hasCode(error, ...SMIME_ERROR_CODES)) throw error;
      status = { ...status, signature: { state: "invalid", code: error.code, reason: error.message } };
    }
  }
  for (const field of outer) await write(field.raw);
  await write(entity);
  return status;
}

function normalize(address: string): string {
  const at = address.lastIndexOf("@");
  return `${address.slice(0, at)}@${address.slice(at + 1).toLowerCase()}`;
}
