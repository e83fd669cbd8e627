// Streaming EnvelopedData (RFC 5652 section 6) and AuthEnvelopedData (RFC 5083) with AES-GCM
// (RFC 5084): the small structures around the content go through pkijs, the content itself streams
// through the crypto core chunk by chunk, so memory stays bounded whatever the message size.
import { release, type CipherParams, type DecryptStream, type EncryptStream } from "@mailseal/core-wasm";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { BerCursor, type ByteSource } from "../asn1/ber-cursor.js";
import { END_OF_CONTENTS, encodeAsn1, encodeHeader, OctetStringWriter } from "../asn1/ber-writer.js";
import { decodeCaptured } from "../asn1/capture.js";
import { contextTag, OCTET_STRING, SEQUENCE, SET, UniversalTag } from "../asn1/tag.js";
import { MailsealError } from "../errors/index.js";
import { batches, oneAhead } from "../mime/chunks.js";
import {
  algorithmIdentifier,
  contentCipherFromOid,
  isAuthenticated,
  rc2CbcParameters,
  type ContentCipher,
  type KeyTransport,
} from "./algorithms.js";
import type { KeyWrapCore } from "./key-agreement.js";
import { isKemCertificate, kemRecipientInfo } from "./kem-recipient-info.js";
import {
  keyAgreeRecipientInfos,
  issuerAndSerialNumber,
  keyTransRecipientInfo,
  recoverContentKey,
  type KeyTransportCore,
  type RecipientKey,
} from "./recipient-info.js";
import type { Certificate } from "../pki/certificate.js";
import { ID_CT_AUTH_ENVELOPED_DATA, ID_DATA, ID_ENVELOPED_DATA } from "../pki/oids.js";

/** What this module needs from the crypto core (CoreService or its worker proxy). */
export interface EnvelopeCore extends KeyTransportCore, KeyWrapCore {
  createEncryptor(params: CipherParams): Promise<EncryptStream>;
  createDecryptor(params: CipherParams): Promise<DecryptStream>;
}

/** Caps for the small structures read whole; a message over them is hostile or broken. */
export const LIMITS = {
  smallField: 64 * 1024,
  recipientInfos: 1024 * 1024,
  attributes: 1024 * 1024,
} as const;

const OBJECT_IDENTIFIER = { tagNumber: UniversalTag.OBJECT_IDENTIFIER };
const INTEGER = { tagNumber: UniversalTag.INTEGER };

export interface DecryptedEnvelope {
  /** id-envelopedData or id-ct-authEnvelopedData. */
  type: string;
  /** Inner content type; id-data for S/MIME. */
  contentType: string;
  cipher: ContentCipher;
}

async function readOid(cursor: BerCursor, what: string): Promise<string> {
  const value = decodeCaptured(await cursor.capture(OBJECT_IDENTIFIER, what, LIMITS.smallField), what);
  return (value as asn1js.ObjectIdentifier).valueBlock.toString();
}

/** GCMParameters (RFC 5084 section 3.2): nonce and ICV length (DEFAULT 12). */
function gcmParameters(params: unknown): { nonce: Uint8Array; tagLength: number } {
  if (!(params instanceof asn1js.Sequence)) throw new MailsealError("MALFORMED_CMS", "GCMParameters: not a SEQUENCE");
  const [nonce, icvLength] = params.valueBlock.value;
  if (!(nonce instanceof asn1js.OctetString) || nonce.valueBlock.valueHexView.length === 0) {
    throw new MailsealError("MALFORMED_CMS", "GCMParameters: aes-nonce missing");
  }
  const tagLength =
    icvLength === undefined ? 12 : icvLength instanceof asn1js.Integer ? icvLength.valueBlock.valueDec : -1;
  if (![12, 13, 14, 15, 16].includes(tagLength)) {
    throw new MailsealError("UNSUPPORTED_ALGORITHM", `AES-GCM with a ${tagLength}-byte tag is not supported (12..16)`);
  }
  return { nonce: new Uint8Array(nonce.valueBlock.valueHexView), tagLength };
}

/** AEADChaCha20Poly1305Nonce (RFC 8103 3): an OCTET STRING of 12 bytes. */
function chachaNonce(params: unknown): Uint8Array {
  if (!(params instanceof asn1js.OctetString) || params.valueBlock.valueHexView.length !== 12) {
    throw new MailsealError(
      "MALFORMED_CMS",
      "chacha20-poly1305 parameters: the nonce must be a 12-byte OCTET STRING (RFC 8103 3)",
    );
  }
  return new Uint8Array(params.valueBlock.valueHexView);
}

/**
 * What a content-encryption algorithm's parameters say: the IV or nonce, the tag length (GCM), RC2's
 * effective key bits, and the length of the content-encryption key (RC2's follows its parameters).
 */
function contentParameters(
  params: unknown,
  cipher: ContentCipher,
): { iv: Uint8Array; tagLength?: number; effectiveKeyBits?: number; keyLength: number } {
  if (cipher.mode === "gcm") {
    const { nonce, tagLength } = gcmParameters(params);
    return { iv: nonce, tagLength, keyLength: cipher.keyLength };
  }
  if (cipher.mode === "chacha20-poly1305") return { iv: chachaNonce(params), keyLength: cipher.keyLength };
  if (cipher.name === "rc2-cbc") {
    const { iv, effectiveKeyBits, keyLength } = rc2CbcParameters(params);
    return { iv, effectiveKeyBits, keyLength };
  }
  return { iv: cbcIv(params, cipher), keyLength: cipher.keyLength };
}

function cbcIv(params: unknown, cipher: ContentCipher): Uint8Array {
  if (!(params instanceof asn1js.OctetString) || params.valueBlock.valueHexView.length !== cipher.blockLength) {
    throw new MailsealError(
      "MALFORMED_CMS",
      `${cipher.name} parameters: the IV must be a ${cipher.blockLength}-byte OCTET STRING (RFC 3565 4.1, RFC 3370 5.1)`,
    );
  }
  return new Uint8Array(params.valueBlock.valueHexView);
}

/**
 * Decrypts an EnvelopedData or AuthEnvelopedData ContentInfo read from `source` and passes the
 * plaintext to `write` chunk by chunk. The promise resolves only when the whole input has been read
 * and checked: CBC padding, and for GCM the authentication tag, which comes after the content.
 * Until then the plaintext already written is NOT authentic: a caller must write it somewhere it
 * can discard (a temporary file renamed on success, or memory) and release it only on resolution.
 * `write` must copy what it keeps: each chunk is freed (core-wasm's `release`) once its write has
 * settled, so that the bulk plaintext does not wait for a garbage collection. With `ownsChunks`
 * the source's chunks are handed over and freed once read (BerCursorOptions).
 */
export async function decryptEnvelope(
  source: ByteSource,
  keys: readonly RecipientKey[],
  core: EnvelopeCore,
  write: (plaintext: Uint8Array) => Promise<void> | void,
  { ownsChunks = false }: { ownsChunks?: boolean } = {},
): Promise<DecryptedEnvelope> {
  // ownsChunks: the source's chunks are ours to free once read (BerCursorOptions); the content's
  // batches hand each segment to the decryptor before the cursor is asked for more.
  const cursor = new BerCursor(source, { ownsChunks });
  let decryptor: DecryptStream | undefined;
  try {
    await cursor.enter(SEQUENCE, "ContentInfo");
    const type = await readOid(cursor, "ContentInfo contentType");
    if (type !== ID_ENVELOPED_DATA && type !== ID_CT_AUTH_ENVELOPED_DATA) {
      throw new MailsealError("NOT_SMIME", `the CMS content is ${type}, not (Auth)EnvelopedData`);
    }
    const authenticated = type === ID_CT_AUTH_ENVELOPED_DATA;
    const what = authenticated ? "AuthEnvelopedData" : "EnvelopedData";
    await cursor.enter(contextTag(0, true), "ContentInfo content");
    await cursor.enter(SEQUENCE, what);
    await cursor.capture(INTEGER, `${what} version`, LIMITS.smallField);
    if (await cursor.nextIs(contextTag(0, true))) await cursor.skip(); // originatorInfo: certificates for key agreement
    const recipientSet = decodeCaptured(
      await cursor.capture(SET, "RecipientInfos", LIMITS.recipientInfos),
      "RecipientInfos",
    );
    const recipientInfos = (recipientSet as asn1js.Set).valueBlock.value.map((schema) => {
      try {
        return new pkijs.RecipientInfo({ schema });
      } catch {
        throw new MailsealError("MALFORMED_CMS", "a RecipientInfo is not the expected structure");
      }
    });

    await cursor.enter(SEQUENCE, "EncryptedContentInfo");
    const contentType = await readOid(cursor, "EncryptedContentInfo contentType");
    const algorithm = decodeCaptured(
      await cursor.capture(SEQUENCE, "contentEncryptionAlgorithm", LIMITS.smallField),
      "contentEncryptionAlgorithm",
    );
    // A schema mismatch (parameters where the OID should be, ...) is MALFORMED_CMS, not pkijs's own error.
    const contentAlgorithm = algorithmIdentifier("contentEncryptionAlgorithm", algorithm);
    const cipher = contentCipherFromOid(contentAlgorithm.algorithmId);
    if (authenticated !== isAuthenticated(cipher)) {
      throw new MailsealError(
        "MALFORMED_CMS",
        `${what} cannot use ${cipher.name} (RFC 5083: authenticated encryption only there)`,
      );
    }
    const { iv, tagLength, effectiveKeyBits, keyLength } = contentParameters(contentAlgorithm.algorithmParams, cipher);
    const cek = await recoverContentKey(recipientInfos, keys, keyLength, core);
    decryptor = await core.createDecryptor({
      cipher: cipher.name,
      key: cek,
      iv,
      ...(tagLength === undefined ? {} : { tagLength }),
      ...(effectiveKeyBits === undefined ? {} : { effectiveKeyBits }),
    });
    cek.fill(0);
    if (await cursor.nextIs(contextTag(0))) {
      // Producers cut the content into segments of any size (OpenSSL: 1 KiB); the core is fastest
      // with large updates, so segments are gathered into batches of bounded size.
      const stream = decryptor;
      const content = batches(cursor.octetString(contextTag(0), "encryptedContent"), { consumed: true });
      for await (const plaintext of oneAhead(content, (batch) => stream.update(batch))) {
        if (plaintext.length > 0) await write(plaintext);
        release(plaintext); // the core's result is ours, and `write` has copied what it keeps
      }
    } // absent encryptedContent (detached, RFC 5652 6.1) decrypts to nothing but is still checked
    await cursor.leave("EncryptedContentInfo");

    let tag: Uint8Array | undefined;
    if (authenticated) {
      if (await cursor.nextIs(contextTag(1, true))) {
        // authAttrs follow the content but would be GHASH's AAD, which comes first: a streaming
        // reader cannot use them. No sender we know sets them.
        throw new MailsealError(
          "UNSUPPORTED_ALGORITHM",
          "AuthEnvelopedData with authenticated attributes is not supported",
        );
      }
      const mac = decodeCaptured(await cursor.capture(OCTET_STRING, "mac", LIMITS.smallField), "mac");
      tag = new Uint8Array((mac as asn1js.OctetString).valueBlock.valueHexView);
      if (await cursor.nextIs(contextTag(2, true))) await cursor.skip(); // unauthAttrs
    } else if (await cursor.nextIs(contextTag(1, true))) {
      await cursor.skip(); // unprotectedAttrs
    }
    const last = await decryptor.final(tag).catch((error: unknown) => {
      const code = (error as { code?: string }).code;
      if (code === "AUTH_TAG_MISMATCH")
        throw new MailsealError(
          "AUTH_TAG_MISMATCH",
          "the message was altered or the key is wrong: authentication failed",
        );
      if (code === "DECRYPTION_FAILED")
        throw new MailsealError("DECRYPTION_FAILED", "the content does not decrypt: wrong key or damaged message");
      if (code === "INVALID_ARGUMENT")
        throw new MailsealError(
          "MALFORMED_CMS",
          `the mac does not have the ${tagLength ?? 16}-byte length its algorithm gives`,
        );
      throw error;
    });
    decryptor = undefined;
    if (last.length > 0) await write(last);
    release(last);
    await cursor.leave(what);
    await cursor.leave("ContentInfo content");
    await cursor.leave("ContentInfo");
    await cursor.finish();
    return { type, contentType, cipher };
  } finally {
    decryptor?.dispose();
    await cursor.close();
  }
}

export interface EnvelopeRecipient {
  certificate: Certificate;
  /**
   * For an RSA certificate. A certificate with an EC, X25519 or X448 key gets key agreement instead
   * (RFC 5753, RFC 8418: a KeyAgreeRecipientInfo per curve, see key-agreement.ts), one with an ML-KEM
   * key a KEMRecipientInfo (RFC 9629, kem-recipient-info.ts), and this is not used.
   */
  transport: KeyTransport;
}

export interface EncryptEnvelopeOptions {
  cipher: ContentCipher;
  recipients: readonly EnvelopeRecipient[];
  /** Random bytes for the CEK and IV; defaults to crypto.getRandomValues. */
  random?: (length: number) => Uint8Array;
  /**
   * The consumer is done with each chunk yielded when it asks for the next one (it copies it or
   * hands it to the core, as encodeBase64 does): each ciphertext of the core is then freed (core-wasm's
   * `release`) once its segments have been taken, instead of at a garbage collection.
   */
  consumed?: boolean;
}

/**
 * Encrypts the content read from `source` into an EnvelopedData (CBC) or AuthEnvelopedData (GCM)
 * ContentInfo, yielded as BER: indefinite lengths around the streamed content, the content as
 * 64 KiB OCTET STRING segments (what `openssl cms -stream` writes), small structures in DER.
 */
export async function* encryptEnvelope(
  source: ByteSource,
  options: EncryptEnvelopeOptions,
  core: EnvelopeCore,
): AsyncGenerator<Uint8Array, void, undefined> {
  if (options.recipients.length === 0) throw new MailsealError("NO_KEY", "no recipients to encrypt to");
  const random = options.random ?? ((length: number) => globalThis.crypto.getRandomValues(new Uint8Array(length)));
  const { cipher } = options;
  const gcm = cipher.mode === "gcm";
  const authenticated = isAuthenticated(cipher);
  const cek = random(cipher.keyLength);
  // GCM and ChaCha20-Poly1305: a 96-bit nonce (RFC 5084 3.2, RFC 8103 3); CBC: one block.
  const iv = random(authenticated ? 12 : cipher.blockLength);
  const recipientInfos: asn1js.AsnType[] = [];
  const agreeing: Certificate[] = [];
  let kem = false;
  for (const recipient of options.recipients) {
    const { certificate } = recipient;
    const { kind } = certificate.publicKey;
    if (kind === "ec" || kind === "xdh") agreeing.push(certificate);
    else if (isKemCertificate(certificate)) {
      kem = true;
      recipientInfos.push(await kemRecipientInfo(core, certificate, issuerAndSerialNumber(certificate), cek));
    } else recipientInfos.push((await keyTransRecipientInfo(core, certificate, cek, recipient.transport)).toSchema());
  }
  if (agreeing.length > 0)
    recipientInfos.push(...(await keyAgreeRecipientInfos(core, agreeing, cek)).map((r) => r.toSchema()));
  const encryptor = await core.createEncryptor({
    cipher: cipher.name,
    key: cek,
    iv,
    ...(gcm ? { tagLength: 16 } : {}),
  });
  cek.fill(0);
  try {
    // RFC 5084 3.2: GCMParameters with the 12-byte nonce and the ICV length; RFC 8103 3: the nonce
    // alone; RFC 3565 4.1: the CBC IV.
    const params = gcm
      ? new asn1js.Sequence({ value: [new asn1js.OctetString({ valueHex: iv }), new asn1js.Integer({ value: 16 })] })
      : new asn1js.OctetString({ valueHex: iv });
    const type = authenticated ? ID_CT_AUTH_ENVELOPED_DATA : ID_ENVELOPED_DATA;
    // RFC 5652 6.1: version 0 when every RecipientInfo is version 0 (KeyTransRecipientInfo with
    // issuerAndSerialNumber) and there is no originatorInfo or unprotectedAttrs; a KeyAgreeRecipientInfo
    // (version 3) makes it 2, an OtherRecipientInfo (the KEMRecipientInfo of RFC 9629) 3. RFC 5083
    // 2.1: AuthEnvelopedData is always version 0.
    const version = authenticated ? 0 : kem ? 3 : agreeing.length > 0 ? 2 : 0;
    yield encodeHeader(SEQUENCE, true, undefined);
    yield encodeAsn1(new asn1js.ObjectIdentifier({ value: type }));
    yield encodeHeader(contextTag(0), true, undefined);
    yield encodeHeader(SEQUENCE, true, undefined);
    yield encodeAsn1(new asn1js.Integer({ value: version }));
    yield encodeAsn1(new asn1js.Set({ value: recipientInfos }));
    yield encodeHeader(SEQUENCE, true, undefined);
    yield encodeAsn1(new asn1js.ObjectIdentifier({ value: ID_DATA }));
    yield encodeAsn1(new pkijs.AlgorithmIdentifier({ algorithmId: cipher.oid, algorithmParams: params }).toSchema());
    const content = new OctetStringWriter({ tag: contextTag(0) });
    for await (const ciphertext of oneAhead(batches(source, { consumed: true }), (chunk) => encryptor.update(chunk))) {
      yield* content.write(ciphertext);
      if (options.consumed === true) release(ciphertext);
    }
    const { data, tag } = await encryptor.final();
    yield* content.write(data);
    yield* content.end();
    yield END_OF_CONTENTS; // EncryptedContentInfo
    if (authenticated) yield encodeAsn1(new asn1js.OctetString({ valueHex: tag! }));
    yield END_OF_CONTENTS; // (Auth)EnvelopedData
    yield END_OF_CONTENTS; // [0]
    yield END_OF_CONTENTS; // ContentInfo
  } finally {
    encryptor.dispose();
  }
}
