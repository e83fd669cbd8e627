// Signing and verifying whole messages (RFC 8551 3.5): clear-signed multipart/signed (RFC 1847,
// the default: readable without S/MIME) or opaque application/pkcs7-mime signed-data. The outer
// header fields (From, To, Subject, ...) stay as they were; only the MIME entity is signed.
import type { HashAlgorithm } from "@mailseal/core-wasm";
import type * as asn1js from "asn1js";
import type { ByteSource } from "../asn1/ber-cursor.js";
import { contentCipherByName, isHashAlgorithm, keyTransportAlgorithm, type ContentDigest } from "../cms/algorithms.js";
import {
  ContentHolder,
  detachedSignedData,
  digesting,
  signOpaque,
  verifySignedData,
  type SignedDataSigner,
  type VerifiedSignedData,
} from "../cms/signed-data.js";
import type { Capability, SigningKey } from "../cms/signer-info.js";
import { hasCode, MailsealError, SMIME_ERROR_CODES } from "../errors/index.js";
import { openMultipartSigned } from "../mime/rfc1847-multipart-signed.js";
import { decodeBody } from "../mime/rfc2045-transfer-encoding.js";
import type { HeaderField } from "../mime/rfc5322-header.js";
import { assembleMessage, serializeEntity, splitMessage } from "../mime/rfc5322-message.js";
import { canonicalizeLineEnds } from "../mime/rfc8551-canonical.js";
import { asAsync, handedOver } from "../mime/chunks.js";
import { detectSmime } from "../mime/rfc8551-detect.js";
import { multipartSignedEntity, pkcs7MimeEntity } from "../mime/rfc8551-writer.js";
import { validateCertificatePath } from "../pki/chain.js";
import type { Crl } from "../pki/crl.js";
import {
  matchesIssuerAndSerial,
  matchesSubjectKeyIdentifier,
  type Certificate,
  type EcCurve,
} from "../pki/certificate.js";
import type { SmimeCore } from "./core.js";
import { ID_DATA, ID_RSAES_OAEP } from "../pki/oids.js";

export interface SignMessageOptions {
  key: SigningKey;
  certificate: Certificate;
  /** Intermediates to include so that recipients can build the path. */
  chain?: readonly Certificate[];
  /** The sender's encryption certificate: included, and named in SMIMEEncryptionKeyPreference. */
  encryptionCertificate?: Certificate;
  /**
   * Default SHA-256; with an ECDSA key the curve's (SHA-384 for P-384, SHA-512 for P-521, RFC 5480 4);
   * SHA-512 with an Ed25519 key, SHAKE256 with an Ed448 key (RFC 8419 3.1).
   */
  hash?: ContentDigest;
  /** RSASSA-PSS with salt length = digest length (the one form gpgsm 2.2 verifies); default PKCS#1 v1.5. */
  pss?: boolean;
  /** application/pkcs7-mime signed-data instead of multipart/signed. */
  opaque?: boolean;
  /** Default now. */
  signingTime?: Date;
  /**
   * The caller is done with each chunk yielded when it asks for the next one (it writes or copies
   * it): the copies made here on the way out (the content's batches, the base64 text) are freed
   * then (issue 11, bench/README.md).
   */
  consumed?: boolean;
  /**
   * The message's chunks are handed over (the command's read chunks): each is freed once the
   * pipeline has taken it (issue 11). Only with `consumed`: multipart/signed passes the content on
   * as it is, so a chunk yielded may be one of them.
   */
  handOver?: boolean;
}

export interface VerifyMessageOptions {
  /** Trusted roots: the signer's certificate must chain to one of them. */
  anchors: readonly Certificate[];
  /** More certificates: the signer's, if the message lacks it, and intermediates. */
  certificates?: readonly Certificate[];
  /**
   * When the signer's certificate path must be valid; default now. A function picks the time from
   * the signer's signed signingTime attribute (RFC 5652 11.3; undefined when the signer has none).
   */
  time?: Date | ((signingTime: Date | undefined) => Date);
  /** CRLs applied to the signer's path (pki/chain.ts): a certificate revoked at the time is CERT_REVOKED. */
  crls?: readonly Crl[];
}

export interface VerifiedMessage {
  /** The header fields of the message outside the signed entity (not protected by the signature). */
  outer: HeaderField[];
  signer: Certificate;
  /** The signed signingTime attribute, when present (the signer's claim). */
  signingTime?: Date;
  /** The validated path, signer first, trust anchor last. */
  path: Certificate[];
  /**
   * The certificate the signer's SMIMEEncryptionKeyPreference names (RFC 8551 2.5.3), when the
   * message or the caller has it. Not validated: the signer's preference, for a caller that will
   * check it for encryption before using it.
   */
  encryptionCertificate?: Certificate;
  /** The signer's SMIMECapabilities OIDs (RFC 8551 2.5.2), when signed. */
  capabilities?: string[];
  /** Every certificate the message and the caller supplied (intermediates for such a check). */
  certificates: Certificate[];
}

const DIGEST_LENGTH: Record<HashAlgorithm, number> = {
  "SHA-1": 20,
  "SHA-224": 28,
  "SHA-256": 32,
  "SHA-384": 48,
  "SHA-512": 64,
};

/**
 * SMIMECapabilities (RFC 8551 2.5.2), in order of preference: what mailseal decrypts. Content
 * ciphers without parameters (RFC 3565 5, RFC 8551 2.5.2: absent when the OID says it all); then
 * RSAES-OAEP with its parameters, SHA-256 and MGF1-SHA-256 (RFC 3560 5, RFC 4055 4.1), which is
 * the OAEP mailseal sends.
 */
export const SMIME_CAPABILITIES: readonly Capability[] = [
  ...(["aes-256-gcm", "aes-128-gcm", "aes-256-cbc", "aes-192-cbc", "aes-128-cbc"] as const).map((name) => ({
    oid: contentCipherByName(name).oid,
  })),
  {
    oid: ID_RSAES_OAEP,
    parameters: keyTransportAlgorithm({
      scheme: "rsa-oaep",
      hash: "SHA-256",
      mgfHash: "SHA-256",
      label: new Uint8Array(0),
    }).algorithmParams as asn1js.AsnType,
  },
];

/** The hash RFC 5480 4 pairs with each curve, for ECDSA signers that name none. */
const EC_CURVE_HASH: Record<EcCurve, HashAlgorithm> = { "P-256": "SHA-256", "P-384": "SHA-384", "P-521": "SHA-512" };

/**
 * Signs a message: the outer header fields stay, in order (the whole message is made CRLF first,
 * RFC 8551 3.1.1, so their line ends may change); the MIME entity (its Content-* fields and body) becomes the first part of a multipart/signed (micalg from the hash, RFC 8551 3.5.3) or the
 * eContent of an application/pkcs7-mime signed-data (`opaque`). The signature: SHA-256 (or `hash`; the curve's with ECDSA; SHA-512 with Ed25519,
 * SHAKE256 with Ed448, whose micalg is then `unknown`),
 * RSA PKCS#1 v1.5 (or PSS), signed attributes contentType, signingTime, messageDigest,
 * SMIMECapabilities and, with an encryption certificate, SMIMEEncryptionKeyPreference; certificates:
 * the signer's, the chain, the encryption certificate. Output streams.
 */
export async function* signMessage(
  message: ByteSource,
  options: SignMessageOptions,
  core: SmimeCore,
): AsyncGenerator<Uint8Array> {
  // RFC 8419 3.1: an Ed25519 signer's digest algorithm is SHA-512, an Ed448 signer's SHAKE256.
  const edwards = "edwards" in options.key ? options.key.edwards : undefined;
  // RFC 5480 4: an ECDSA key's hash matches its curve's strength (P-384 SHA-384, P-521 SHA-512).
  const curveHash = "publicJwk" in options.key ? EC_CURVE_HASH[options.key.curve] : undefined;
  const hash =
    options.hash ?? curveHash ?? (edwards === "Ed25519" ? "SHA-512" : edwards === "Ed448" ? "SHAKE256" : "SHA-256");
  // PSS is RSA's, whose hashes are SHA-1/SHA-2 (createSignerInfo refuses SHAKE256 with it).
  const saltLength = isHashAlgorithm(hash) ? DIGEST_LENGTH[hash] : 0;
  const signer: SignedDataSigner = {
    key: options.key,
    certificate: options.certificate,
    hash,
    signature: options.pss === true ? { scheme: "rsa-pss", saltLength } : { scheme: "rsa-pkcs1" },
    signingTime: options.signingTime ?? new Date(),
    capabilities: SMIME_CAPABILITIES,
    ...(options.chain === undefined ? {} : { chain: options.chain }),
    ...(options.encryptionCertificate === undefined ? {} : { encryptionCertificate: options.encryptionCertificate }),
  };
  // Handed over (and consumed): the header reader copies; the body goes into batches (copied, or
  // whole to the hash and on to the caller or to the opaque encoder) before the next chunk is read.
  const consumed = options.consumed === true;
  const handOver = consumed && options.handOver === true;
  const input = handOver ? handedOver(message) : asAsync(message);
  const { outer, entity } = await splitMessage(canonicalizeLineEnds(input, { consumed: handOver }));
  const content = serializeEntity(entity);
  if (options.opaque === true) {
    // Consumed: the SignedData goes straight into base64 (pkcs7MimeEntity), whose batches take each chunk.
    const cms = signOpaque(content, signer, core, { consumed: true });
    yield* assembleMessage(outer, pkcs7MimeEntity(core, "signed-data", cms, { consumed }));
    return;
  }
  const hashed = await digesting(content, [hash], core, { consumed });
  const signature = async (): Promise<Uint8Array> =>
    detachedSignedData((await hashed.digests()).get(hash)!, signer, core);
  yield* assembleMessage(outer, multipartSignedEntity(core, { hash, content: hashed.content, signature }));
}

/** micalg names (RFC 8551 3.5.3.2; RFC 3851's sha1 and the like too) of the hashes we implement. */
function micalgHashes(micalg: readonly string[]): HashAlgorithm[] {
  const known: Record<string, HashAlgorithm> = {
    sha1: "SHA-1",
    sha224: "SHA-224",
    sha256: "SHA-256",
    sha384: "SHA-384",
    sha512: "SHA-512",
  };
  return micalg.map((name) => known[name.replace("-", "")]).filter((hash) => hash !== undefined);
}

// SHAKE256 too: Ed448 signers name it (RFC 8419 3.1) with micalg `unknown` (RFC 8551 3.5.3.2).
const ALL_HASHES: readonly ContentDigest[] = ["SHA-1", "SHA-224", "SHA-256", "SHA-384", "SHA-512", "SHAKE256"];

/**
 * Verifies a signed message, multipart/signed or application/pkcs7-mime signed-data (x- types
 * too), and writes the signed MIME entity to `write` (byte-exact: the first part, canonical CRLF,
 * or the eContent). Resolves once a signer's signature verified and its certificate validated to
 * one of `options.anchors` at `options.time` for signing. What was written before is not authentic
 * until then. Errors: NOT_SMIME, MALFORMED_MIME, MALFORMED_CMS, BAD_SIGNATURE, UNTRUSTED_CERTIFICATE,
 * CERTIFICATE_EXPIRED, UNSUPPORTED_ALGORITHM, INPUT_TOO_LARGE, TRUNCATED.
 *
 * multipart/signed comes content first, so the content is hashed before the SignedData says with
 * what: with the hashes micalg names (RFC 8551 3.5.3.2), or all we implement when it names none.
 *
 * With `handOver` the message's chunks are the pipeline's to free once taken, and `write` must have
 * written or copied each chunk once its promise settles (issue 11): the body goes through the
 * boundary scanner (which copies what it carries over) into the content's batches, or into the
 * base64 decoder, or binary into the BER reader (BerCursorOptions); the batches written and the
 * decoded base64 are freed too.
 */
export async function verifyMessage(
  message: ByteSource,
  options: VerifyMessageOptions,
  core: SmimeCore,
  write: (chunk: Uint8Array) => Promise<void> | void,
  { handOver = false }: { handOver?: boolean } = {},
): Promise<VerifiedMessage> {
  const { outer, entity } = await splitMessage(asAsync(message));
  const kind = detectSmime(entity.fields);
  let verified: VerifiedSignedData;
  if (kind.kind === "multipart-signed") {
    // Stored mail may have bare LF; the signature is over the CRLF form (RFC 8551 3.1.1). Handed
    // over: the scanner has handed out all of a chunk (and copied what it carries over) before it
    // asks for the next, and the content's batches are copies or go to `write` first.
    const body = canonicalizeLineEnds(handOver ? handedOver(entity.body) : entity.body, { consumed: handOver });
    const signed = await openMultipartSigned(core, body, kind.boundary);
    const named: readonly ContentDigest[] = micalgHashes(kind.micalg);
    const hashes = named.length > 0 ? named : ALL_HASHES;
    const hashed = await digesting(signed.content, hashes, core, { consumed: handOver });
    // Kept (bounded) for an Ed25519/Ed448 signer without signed attributes (RFC 8419 3.1).
    const holder = ContentHolder.wanted(hashes) ? new ContentHolder() : undefined;
    for await (const chunk of hashed.content) {
      holder?.add(chunk);
      await write(chunk);
    }
    const { der } = await signed.signature();
    verified = await verifySignedData([der], core, {
      detachedContent: await hashed.digests(),
      ...(holder === undefined ? {} : { heldContent: holder }),
      ...(options.certificates === undefined ? {} : { certificates: options.certificates }),
    });
  } else {
    if (kind.smimeType !== undefined && kind.smimeType !== "signed-data") {
      throw new MailsealError("NOT_SMIME", `the message is S/MIME ${kind.smimeType}, not signed-data`);
    }
    // Handed over: the base64 decoder frees each read chunk once it has taken it, and the BER reader
    // each chunk of its source it has read past (the decoded base64, or binary read chunks;
    // BerCursorOptions): captures are copies, the content is batched or written first.
    verified = await verifySignedData(decodeBody(core, kind.transferEncoding, entity.body, { handOver }), core, {
      write,
      ownsChunks: handOver,
      consumed: handOver,
      ...(options.certificates === undefined ? {} : { certificates: options.certificates }),
    });
    if (verified.detached) {
      throw new MailsealError("MALFORMED_CMS", "application/pkcs7-mime signed-data without its content (detached)");
    }
  }
  if (verified.contentType !== ID_DATA) {
    throw new MailsealError("NOT_SMIME", `the signed content is ${verified.contentType}, not a MIME entity (id-data)`);
  }
  // The signer's path: certificates from the message and the caller as intermediates (RFC 8550 4.2).
  const intermediates = [...verified.certificates, ...(options.certificates ?? [])];
  let firstError: unknown;
  for (const { signer } of verified.signers) {
    try {
      const path = await validateCertificatePath(signer.certificate, {
        anchors: options.anchors,
        intermediates,
        usage: "signing",
        crypto: core,
        ...(options.crls === undefined ? {} : { crls: options.crls }),
        ...(options.time === undefined
          ? {}
          : { time: typeof options.time === "function" ? options.time(signer.signingTime) : options.time }),
      });
      const preference = signer.encryptionKeyPreference;
      const encryptionCertificate =
        preference === undefined
          ? undefined
          : intermediates.find((c) =>
              "keyId" in preference
                ? matchesSubjectKeyIdentifier(c, preference.keyId)
                : matchesIssuerAndSerial(c, preference.issuer, preference.serial),
            );
      return {
        outer: [...outer],
        signer: signer.certificate,
        path,
        ...(signer.signingTime === undefined ? {} : { signingTime: signer.signingTime }),
        ...(encryptionCertificate === undefined ? {} : { encryptionCertificate }),
        ...(signer.capabilities === undefined ? {} : { capabilities: signer.capabilities }),
        certificates: intermediates,
      };
    } catch (error) {
      if (!hasCode(error, ...SMIME_ERROR_CODES)) throw error;
      firstError ??= error;
    }
  }
  throw firstError;
}
