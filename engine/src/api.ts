// The engine: the one interface every host (the Thunderbird add-in, the Outlook add-in, the CLI, the
// bench) talks to for mail crypto. It runs shared's S/MIME code and the crypto core together, in a
// worker (a Web Worker in the add-ins, worker_threads for Node) or in process, behind this same
// interface: the compiler checks the seam either way. Each call is one whole operation on one message
// (open, render, seal, verify, validate a path, check a CRL), so a host pays one round trip per
// message, not one per primitive per chunk. Keys stay inside: a host names accounts, the engine
// loads a private key the first time a message needs it (the one its RecipientInfo names) and keeps
// it. Arguments and results are plain data (structured clone); byte results are transferred.
import type { CoreOptions } from "@mailseal/core-wasm";
import type { CachedCrl, CertificateUsage, ContentCipher, DeviceState, ReadStatus } from "@mailseal/shared";
import type { RenderModel } from "./reader/render-model.js";

/**
 * A message as a host has it: bytes (transferred into a worker), a Blob or File (what Thunderbird's
 * getRaw and compose attachments give; cloned without copying the data), or a stream (transferred;
 * the engine reads it as it goes, for messages too large to hold).
 */
export type MessageSource = Uint8Array | Blob | ReadableStream<Uint8Array>;

/** A point in time as milliseconds since 1970 (a Date does not survive every port as a Date). */
export type EpochMs = number;

/**
 * A message as a compose window holds it, written into RFC 5322 + MIME by the engine (the message
 * writer) before it is sealed: attachments as the host has them (a File or bytes), read as they go.
 */
export interface ComposedMessage {
  from: string;
  to: string[];
  cc: string[];
  replyTo: string[];
  subject: string;
  body: { type: "text/plain" | "text/html"; text: string };
  /**
   * `contentId`: an image the HTML body shows in place (`cid:`, RFC 2392), written inline in a
   * multipart/related (RFC 2387) with that Content-ID (no angle brackets).
   */
  attachments: { name: string; type: string; data: Blob | Uint8Array; contentId?: string }[];
  /** `<id@domain>`. */
  messageId: string;
  date: EpochMs;
  /** A reply's In-Reply-To and References: msg-ids (RFC 5322 3.6.4); anything else is left out. */
  inReplyTo?: string;
  references?: string;
}

/** What sealMessage takes: a whole RFC 5322 message, or the parts of one to write first. */
export type SealInput = MessageSource | { composed: ComposedMessage };

export interface OpenOptions {
  /** The time signatures and paths are judged at: the host's clock (its offset to the service's). */
  time: EpochMs;
  /** DER of trust anchors besides the accounts' service roots (the gateway's `--trust-anchors`). */
  anchors?: Uint8Array[];
}

export interface OpenedMessage {
  /** Encrypted or not, with which cipher; the inner signature's state (readMessage's status). */
  status: ReadStatus;
  /** The message as the sender wrote it: the outer header fields, then the signed entity. */
  message: Uint8Array;
}

export interface SealOptions {
  /** The account (set with setAccounts) whose signing key signs. */
  signer: string;
  /** DER of the sender's current encryption certificate: SMIMEEncryptionKeyPreference, and its own copy. */
  ownCertificate: Uint8Array;
  /** Encrypt to these certificates (DER; their paths checked by the host's validatePath) and to ownCertificate. */
  encryptTo?: { certificates: Uint8Array[]; cipher: ContentCipher["name"] };
  /** The signingTime (RFC 8551 2.5.1). */
  time: EpochMs;
}

export interface VerifyOptions {
  /** DER of the trust anchors. */
  anchors: Uint8Array[];
  time: EpochMs;
  /** DER of CRLs to apply (RFC 5280 6.3). */
  crls?: Uint8Array[];
}

export interface VerifiedMessage {
  signer: { emailAddresses: string[]; displayName: string };
  signingTime?: EpochMs;
  /** The signed entity with the outer header fields the signature covers. */
  message: Uint8Array;
}

export interface PathToCheck {
  /** DER of the end entity. */
  certificate: Uint8Array;
  /** DER of certificates that may be intermediates. */
  intermediates: Uint8Array[];
  /** DER of the trust anchors. */
  anchors: Uint8Array[];
  usage: CertificateUsage;
  time: EpochMs;
  crls?: Uint8Array[];
}

export interface EngineInfo {
  build: "simd" | "baseline";
  aes: "wasm" | "webcrypto";
  /** Private keys loaded in the engine now (loaded on first use, kept until their account goes). */
  loadedKeys: number;
}

export interface Engine {
  /**
   * The accounts of this device: their keys open messages, their roots anchor signatures, their CRLs
   * apply. Keys are cached by key id: a key already loaded stays loaded, a key no longer listed is
   * wiped. Call it when the host's states change (cheap when nothing did).
   */
  setAccounts(accounts: readonly DeviceState[]): Promise<void>;
  /** Decrypts (if encrypted) and verifies (if signed) a message; NO_KEY when no key of the accounts opens it. */
  openMessage(message: MessageSource, options: OpenOptions): Promise<OpenedMessage>;
  /**
   * openMessage, then the result parsed into what a message view shows (banner, body, attachments);
   * undefined when the message is not S/MIME encrypted. Never throws for bad mail: a failure is a
   * "failed" banner with its stable code and no content.
   */
  renderMessage(message: MessageSource, options: OpenOptions): Promise<RenderModel | undefined>;
  /** Signs (and, with encryptTo, encrypts) an RFC 5322 message from `signer`; the S/MIME message as a stream. */
  sealMessage(message: SealInput, options: SealOptions): Promise<ReadableStream<Uint8Array>>;
  /** Verifies a signed message (multipart/signed or signed-data) against the given anchors. */
  verifyMessage(message: MessageSource, options: VerifyOptions): Promise<VerifiedMessage>;
  /** Validates a certificate path (RFC 5280 6); throws the MailsealError of the first failure (its S/MIME code). */
  validatePath(path: PathToCheck): Promise<void>;
  /** Checks a CRL the service gave for `state`'s account (mailflow acceptCrl): the record to keep. */
  acceptCrl(state: DeviceState, crl: Uint8Array, time: EpochMs): Promise<CachedCrl | undefined>;
  info(): Promise<EngineInfo>;
}

export type EngineOptions = CoreOptions;
