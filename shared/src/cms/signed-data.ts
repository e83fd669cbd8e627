// Streaming SignedData (RFC 5652 section 5): the content streams through one hash per digest
// algorithm while it passes to the caller; the small structures around it (digestAlgorithms,
// certificates, signerInfos) are captured with caps and handed to pkijs and signer-info.ts.
import { concatBytes } from "@mailseal/core-wasm";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { BerCursor, type ByteSource } from "../asn1/ber-cursor.js";
import { END_OF_CONTENTS, encodeAsn1, encodeHeader, OctetStringWriter } from "../asn1/ber-writer.js";
import { decodeCaptured } from "../asn1/capture.js";
import { contextTag, SEQUENCE, SET, UniversalTag, type Tag } from "../asn1/tag.js";
import { hasCode, MailsealError, SMIME_ERROR_CODES } from "../errors/index.js";
import { MAX_CERTIFICATE_BYTES, parseCertificate, type Certificate } from "../pki/certificate.js";
import { contentDigestAlgorithm, contentDigestOf, type ContentDigest } from "./algorithms.js";
import { batches } from "../mime/chunks.js";
import {
  createSignerInfo,
  verifySignerInfo,
  type Capability,
  type SignatureScheme,
  type HeldContent,
  type SigningKey,
  type VerifiedSigner,
  type VerifyCore,
} from "./signer-info.js";
import { ID_DATA, ID_SIGNED_DATA } from "../pki/oids.js";

/** Caps for what a SignedData holds besides its content; over them the input is hostile or broken. */
export const SIGNED_DATA_LIMITS = {
  /** version, eContentType and the like. */
  smallField: 64 * 1024,
  /** The digestAlgorithms SET. */
  digestAlgorithms: 64 * 1024,
  /** Certificates kept from the `certificates` field (each at most MAX_CERTIFICATE_BYTES). */
  certificates: 64,
  /** The signerInfos SET, signed attributes and signatures of every signer together. */
  signerInfos: 1024 * 1024,
  /** Signers verified: each costs a public-key operation. */
  signers: 16,
  /**
   * Content held whole for an Ed25519/Ed448 signer without signed attributes (PureEdDSA over the
   * content, RFC 8419 3.1); past it such a signer fails with INPUT_TOO_LARGE. Held only when the
   * digest algorithms name SHA-512 or SHAKE256, the ones RFC 8419 pairs with them.
   */
  heldContent: 4 * 1024 * 1024,
} as const;

const OBJECT_IDENTIFIER = { tagNumber: UniversalTag.OBJECT_IDENTIFIER };
const INTEGER = { tagNumber: UniversalTag.INTEGER };
const OCTET_STRING_TAG: Tag = { tagNumber: UniversalTag.OCTET_STRING };

/** A hash stream of the core; `dispose` frees one left unfinished (CoreService's streams have it). */
interface HashStream {
  update(data: Uint8Array): Promise<void>;
  digest(): Promise<Uint8Array>;
  dispose?(): unknown;
}

/**
 * Keeps a copy of the content as it streams, up to SIGNED_DATA_LIMITS.heldContent bytes, for a
 * signature over the content itself (see HeldContent); past the limit the copy is dropped.
 */
export class ContentHolder implements HeldContent {
  private chunks: Uint8Array[] | undefined = [];
  private length = 0;

  constructor(readonly limit: number = SIGNED_DATA_LIMITS.heldContent) {}

  /** Whether the content need be held for a SignedData with these digest algorithms (RFC 8419 3.1). */
  static wanted(hashes: Iterable<ContentDigest>): boolean {
    for (const hash of hashes) if (hash === "SHA-512" || hash === "SHAKE256") return true;
    return false;
  }

  add(chunk: Uint8Array): void {
    if (this.chunks === undefined) return;
    this.length += chunk.length;
    if (this.length > this.limit) this.chunks = undefined;
    // A copy: the producer may reuse its buffer.
    else this.chunks.push(chunk.slice());
  }

  bytes(): Uint8Array | undefined {
    if (this.chunks === undefined) return undefined;
    // Joined once, when a signer reads it.
    if (this.chunks.length > 1) this.chunks = [concatBytes(this.chunks)];
    return this.chunks[0] ?? new Uint8Array(0);
  }
}

/** One hash per algorithm over the same stream of content, run in the core. */
export class ContentDigests {
  private finished = false;

  private constructor(private readonly streams: ReadonlyMap<ContentDigest, HashStream>) {}

  static async open(core: Pick<VerifyCore, "createHash">, hashes: Iterable<ContentDigest>): Promise<ContentDigests> {
    const streams = new Map<ContentDigest, HashStream>();
    const digests = new ContentDigests(streams);
    try {
      for (const hash of hashes) if (!streams.has(hash)) streams.set(hash, await core.createHash(hash));
    } catch (error) {
      digests.dispose();
      throw error;
    }
    return digests;
  }

  async update(chunk: Uint8Array): Promise<void> {
    for (const stream of this.streams.values()) await stream.update(chunk);
  }

  /** The digests; the streams are freed. */
  async digests(): Promise<Map<ContentDigest, Uint8Array>> {
    this.finished = true;
    const out = new Map<ContentDigest, Uint8Array>();
    for (const [hash, stream] of this.streams) out.set(hash, await stream.digest());
    return out;
  }

  /** Frees the streams when the content did not reach its end (an error, a consumer that stopped). */
  dispose(): void {
    if (this.finished) return;
    this.finished = true;
    for (const stream of this.streams.values()) stream.dispose?.();
  }
}

/**
 * The content as it streams, hashed with each of `hashes` on the way (in batches, so the core gets
 * large updates); `digests()` is available once the stream has been read to its end. With
 * `consumed` (the consumer is done with each batch when it asks for the next: it has written or
 * copied it) the batches copied here are freed then (batches()), not at a garbage collection.
 */
export async function digesting(
  source: ByteSource,
  hashes: Iterable<ContentDigest>,
  core: Pick<VerifyCore, "createHash">,
  { consumed = false }: { consumed?: boolean } = {},
): Promise<{
  content: AsyncGenerator<Uint8Array, void, undefined>;
  digests(): Promise<Map<ContentDigest, Uint8Array>>;
}> {
  const digests = await ContentDigests.open(core, hashes);
  let done = false;
  async function* content(): AsyncGenerator<Uint8Array, void, undefined> {
    try {
      for await (const batch of batches(source, { consumed })) {
        await digests.update(batch);
        yield batch;
      }
      done = true;
    } finally {
      if (!done) digests.dispose();
    }
  }
  return {
    content: content(),
    digests: () => {
      if (!done) throw new Error("digests() before the content was read to its end");
      return digests.digests();
    },
  };
}

export interface VerifySignedDataOptions {
  /**
   * Receives eContent as it streams (opaque signature, RFC 5652 5.2). Unauthenticated until the
   * promise resolves: keep it where it can be discarded.
   */
  write?: (chunk: Uint8Array) => Promise<void> | void;
  /**
   * The content of a detached signature (eContent absent): a stream, hashed here with the
   * SignedData's digest algorithms, or the digests the caller computed while the content passed
   * (multipart/signed puts the content before the signature).
   */
  detachedContent?: ByteSource | ReadonlyMap<ContentDigest, Uint8Array>;
  /** Certificates to look for the signer among, besides the SignedData's own. */
  certificates?: readonly Certificate[];
  /**
   * The source's chunks are ours to free once read past (BerCursorOptions): the core's decoded
   * base64, or read chunks handed over. Only with `consumed`: content may reach `write` uncopied.
   */
  ownsChunks?: boolean;
  /**
   * `write` has written or copied each chunk once its promise settles (it keeps no view): the
   * content's batches are freed then (batches()), not at a garbage collection (issue 11).
   */
  consumed?: boolean;
  /**
   * With digests as `detachedContent`: the content the caller held while it passed (see
   * ContentHolder), for a signer whose signature covers the content itself.
   */
  heldContent?: HeldContent;
}

export interface VerifiedSignedData {
  /** eContentType: id-data for S/MIME. */
  contentType: string;
  /** True when eContent was absent and the content came from the caller. */
  detached: boolean;
  /** The certificates of the SignedData's `certificates` field that parse (others are skipped). */
  certificates: Certificate[];
  /** The signers whose signature verified, in SignerInfo order (at least one). */
  signers: { index: number; signer: VerifiedSigner }[];
  /** The signers that did not verify, with why. */
  failures: { index: number; error: MailsealError }[];
  /** How many SignerInfos the SignedData has. */
  signerCount: number;
}

async function readOid(cursor: BerCursor, what: string): Promise<string> {
  const value = decodeCaptured(await cursor.capture(OBJECT_IDENTIFIER, what, SIGNED_DATA_LIMITS.smallField), what);
  return (value as asn1js.ObjectIdentifier).valueBlock.toString();
}

/** The digest algorithms we implement among those listed; unknown ones matter only if a signer uses them. */
function readDigestAlgorithms(set: asn1js.AsnType): Set<ContentDigest> {
  const hashes = new Set<ContentDigest>();
  for (const schema of (set as asn1js.Set).valueBlock.value) {
    let algorithm: pkijs.AlgorithmIdentifier;
    try {
      algorithm = new pkijs.AlgorithmIdentifier({ schema });
    } catch {
      throw new MailsealError("MALFORMED_CMS", "digestAlgorithms: an entry is not an AlgorithmIdentifier");
    }
    try {
      hashes.add(contentDigestOf(algorithm));
    } catch {
      // An algorithm we do not implement (MD5, SHA-3, SHAKE256 of another length, ...): a signer
      // using it fails on its own.
    }
  }
  return hashes;
}

/**
 * certificates [0] IMPLICIT CertificateSet (RFC 5652 10.2.3): each X.509 certificate captured (at
 * most MAX_CERTIFICATE_BYTES), other choices (attribute and other certificates) skipped, as is a
 * certificate that does not parse: the signer's own certificate missing is reported later.
 */
async function readCertificateSet(cursor: BerCursor): Promise<Certificate[]> {
  await cursor.enter(contextTag(0, true), "certificates");
  const certificates: Certificate[] = [];
  let count = 0;
  while (!(await cursor.atEnd())) {
    if (++count > SIGNED_DATA_LIMITS.certificates) {
      throw new MailsealError(
        "INPUT_TOO_LARGE",
        `the SignedData holds more than ${SIGNED_DATA_LIMITS.certificates} certificates`,
      );
    }
    if (!(await cursor.nextIs(SEQUENCE))) {
      await cursor.skip();
      continue;
    }
    const der = await cursor.capture(SEQUENCE, "certificate", MAX_CERTIFICATE_BYTES);
    try {
      certificates.push(parseCertificate(der));
    } catch (error) {
      if (!hasCode(error, ...SMIME_ERROR_CODES)) throw error;
    }
  }
  await cursor.leave("certificates");
  return certificates;
}

function readSignerInfos(set: asn1js.AsnType): pkijs.SignerInfo[] {
  const schemas = (set as asn1js.Set).valueBlock.value;
  if (schemas.length > SIGNED_DATA_LIMITS.signers) {
    throw new MailsealError("INPUT_TOO_LARGE", `more than ${SIGNED_DATA_LIMITS.signers} signers`);
  }
  return schemas.map((schema, i) => {
    try {
      return new pkijs.SignerInfo({ schema });
    } catch {
      throw new MailsealError("MALFORMED_CMS", `SignerInfo ${i} is not the expected structure (RFC 5652 5.3)`);
    }
  });
}

async function streamContent(
  content: AsyncIterable<Uint8Array>,
  digests: ContentDigests,
  write: ((chunk: Uint8Array) => Promise<void> | void) | undefined,
  holder: ContentHolder | undefined,
  consumed = false,
): Promise<void> {
  // Consumed: the hash and the holder take their bytes when called, and `write` copies.
  for await (const batch of batches(content, { consumed })) {
    await digests.update(batch);
    holder?.add(batch);
    if (write !== undefined) await write(batch);
  }
}

/**
 * Reads a SignedData ContentInfo (DER or BER) from `source` and verifies its signers. Opaque: the
 * eContent streams through one hash per digest algorithm and on to `options.write`. Detached: the
 * content (or its digests) comes from `options.detachedContent`. Resolves when at least one signer
 * verified (signature and signed attributes; trust in its certificate is the caller's next step),
 * else throws the first signer's error (BAD_SIGNATURE, UNTRUSTED_CERTIFICATE when its certificate is
 * nowhere, UNSUPPORTED_ALGORITHM). Structure errors: MALFORMED_CMS, TRUNCATED, INPUT_TOO_LARGE;
 * another CMS type: NOT_SMIME.
 */
export async function verifySignedData(
  source: ByteSource,
  core: VerifyCore,
  options: VerifySignedDataOptions = {},
): Promise<VerifiedSignedData> {
  const consumed = options.consumed === true;
  const cursor = new BerCursor(source, { ownsChunks: consumed && options.ownsChunks === true });
  let openedDigests: ContentDigests | undefined;
  try {
    await cursor.enter(SEQUENCE, "ContentInfo");
    const type = await readOid(cursor, "ContentInfo contentType");
    if (type !== ID_SIGNED_DATA) throw new MailsealError("NOT_SMIME", `the CMS content is ${type}, not SignedData`);
    await cursor.enter(contextTag(0, true), "ContentInfo content");
    await cursor.enter(SEQUENCE, "SignedData");
    await cursor.capture(INTEGER, "SignedData version", SIGNED_DATA_LIMITS.smallField);
    const hashes = readDigestAlgorithms(
      decodeCaptured(
        await cursor.capture(SET, "digestAlgorithms", SIGNED_DATA_LIMITS.digestAlgorithms),
        "digestAlgorithms",
      ),
    );

    await cursor.enter(SEQUENCE, "EncapsulatedContentInfo");
    const contentType = await readOid(cursor, "eContentType");
    const detached = !(await cursor.nextIs(contextTag(0, true)));
    let digests: ReadonlyMap<ContentDigest, Uint8Array>;
    const holder = ContentHolder.wanted(hashes) ? new ContentHolder() : undefined;
    if (!detached) {
      if (options.detachedContent !== undefined) {
        throw new MailsealError("MALFORMED_CMS", "the SignedData carries its content, yet detached content was given");
      }
      const hasher = (openedDigests = await ContentDigests.open(core, hashes));
      await cursor.enter(contextTag(0, true), "eContent");
      // eContent OCTET STRING, primitive or in segments of any size (BER, RFC 5652 5.2).
      await streamContent(cursor.octetString(OCTET_STRING_TAG, "eContent"), hasher, options.write, holder, consumed);
      await cursor.leave("eContent");
      digests = await hasher.digests();
    } else if (options.detachedContent instanceof Map) {
      digests = options.detachedContent;
    } else if (options.detachedContent !== undefined) {
      const hasher = (openedDigests = await ContentDigests.open(core, hashes));
      await streamContent(toAsync(options.detachedContent as ByteSource), hasher, options.write, holder);
      digests = await hasher.digests();
    } else {
      throw new MailsealError("MALFORMED_CMS", "the signature is detached (no eContent) and no content was given");
    }
    await cursor.leave("EncapsulatedContentInfo");

    const certificates = (await cursor.nextIs(contextTag(0, true))) ? await readCertificateSet(cursor) : [];
    if (await cursor.nextIs(contextTag(1, true))) await cursor.skip(); // crls: revocation is not checked (offline)
    const signerInfos = readSignerInfos(
      decodeCaptured(await cursor.capture(SET, "signerInfos", SIGNED_DATA_LIMITS.signerInfos), "signerInfos"),
    );
    await cursor.leave("SignedData");
    await cursor.leave("ContentInfo content");
    await cursor.leave("ContentInfo");
    await cursor.finish();

    if (signerInfos.length === 0) {
      throw new MailsealError("BAD_SIGNATURE", "the SignedData has no signers (a certs-only message is not signed)");
    }
    const pool = [...certificates, ...(options.certificates ?? [])];
    const content = options.detachedContent instanceof Map ? options.heldContent : holder;
    const result: VerifiedSignedData = {
      contentType,
      detached,
      certificates,
      signers: [],
      failures: [],
      signerCount: signerInfos.length,
    };
    for (const [index, signerInfo] of signerInfos.entries()) {
      try {
        if (options.detachedContent instanceof Map) precomputedDigestFor(signerInfo, digests);
        result.signers.push({
          index,
          signer: await verifySignerInfo(core, signerInfo, digests, contentType, pool, content),
        });
      } catch (error) {
        if (!hasCode(error, ...SMIME_ERROR_CODES)) throw error;
        result.failures.push({ index, error });
      }
    }
    if (result.signers.length === 0) throw result.failures[0]!.error;
    return result;
  } finally {
    openedDigests?.dispose();
    await cursor.close();
  }
}

/**
 * Digests computed before the SignedData was read (multipart/signed: with the hashes micalg named)
 * may lack the signer's algorithm; the content is gone by then, so say so plainly.
 */
function precomputedDigestFor(signerInfo: pkijs.SignerInfo, digests: ReadonlyMap<ContentDigest, Uint8Array>): void {
  const hash = contentDigestOf(signerInfo.digestAlgorithm);
  if (!digests.has(hash)) {
    throw new MailsealError(
      "BAD_SIGNATURE",
      `the signer used ${hash} but the content was hashed with ${[...digests.keys()].join(", ")} (a wrong micalg, RFC 8551 3.5.3.2?)`,
    );
  }
}

async function* toAsync(source: ByteSource): AsyncGenerator<Uint8Array, void, undefined> {
  for await (const chunk of source) yield chunk;
}

export interface SignedDataSigner {
  key: SigningKey;
  /** The signer's certificate: sid names it, and it is included. */
  certificate: Certificate;
  /** Intermediates (and the root, if wanted) included for the recipient to build the path. */
  chain?: readonly Certificate[];
  /** The sender's encryption certificate: included and named in SMIMEEncryptionKeyPreference. */
  encryptionCertificate?: Certificate;
  hash: ContentDigest;
  signature: SignatureScheme;
  signingTime: Date;
  /** SMIMECapabilities, in order of preference. */
  capabilities: readonly Capability[];
}

/** A DER element: identifier, definite length, the parts as content. */
function derElement(tag: Tag, parts: readonly Uint8Array[]): Uint8Array {
  const length = parts.reduce((n, part) => n + part.length, 0);
  return concatBytes([encodeHeader(tag, true, length), ...parts]);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * certificates [0] IMPLICIT CertificateSet: the signer's, the chain, the encryption certificate, each
 * once, as read (not re-encoded), sorted as DER's SET OF asks (X.690 11.6).
 */
function certificateSet(signer: SignedDataSigner): Uint8Array {
  const all: Uint8Array[] = [];
  for (const cert of [signer.certificate, ...(signer.chain ?? []), signer.encryptionCertificate]) {
    if (cert !== undefined && !all.some((der) => compareBytes(der, cert.der) === 0)) all.push(cert.der);
  }
  return derElement(contextTag(0), all.sort(compareBytes));
}

/** The fields of SignedData before encapContentInfo: version 1 (RFC 5652 5.1: id-data, v1 SignerInfos). */
function signedDataHead(hash: ContentDigest): Uint8Array[] {
  return [
    encodeAsn1(new asn1js.Integer({ value: 1 })),
    encodeAsn1(new asn1js.Set({ value: [contentDigestAlgorithm(hash).toSchema()] })),
  ];
}

async function signerInfoSet(core: VerifyCore, signer: SignedDataSigner, digest: Uint8Array): Promise<Uint8Array> {
  const signerInfo = await createSignerInfo(signer.key, core, digest, {
    hash: signer.hash,
    signature: signer.signature,
    certificate: signer.certificate,
    contentType: ID_DATA,
    signingTime: signer.signingTime,
    capabilities: signer.capabilities,
    ...(signer.encryptionCertificate === undefined ? {} : { encryptionCertificate: signer.encryptionCertificate }),
  });
  return encodeAsn1(new asn1js.Set({ value: [signerInfo.toSchema()] }));
}

/**
 * A detached SignedData ContentInfo (DER) over content whose digest (with `signer.hash`) the caller
 * computed while it streamed: the signature part of a multipart/signed message (RFC 8551 3.5.3).
 */
export async function detachedSignedData(
  contentDigest: Uint8Array,
  signer: SignedDataSigner,
  core: VerifyCore,
): Promise<Uint8Array> {
  const signedData = derElement(SEQUENCE, [
    ...signedDataHead(signer.hash),
    // EncapsulatedContentInfo without eContent (RFC 5652 5.2: detached).
    encodeAsn1(new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: ID_DATA })] })),
    certificateSet(signer),
    await signerInfoSet(core, signer, contentDigest),
  ]);
  return derElement(SEQUENCE, [
    encodeAsn1(new asn1js.ObjectIdentifier({ value: ID_SIGNED_DATA })),
    derElement(contextTag(0), [signedData]),
  ]);
}

/** Reads `content` to its end, hashing it, and returns the detached SignedData (DER) over it. */
export async function signDetached(
  content: ByteSource,
  signer: SignedDataSigner,
  core: VerifyCore,
): Promise<Uint8Array> {
  const hasher = await ContentDigests.open(core, [signer.hash]);
  try {
    await streamContent(toAsync(content), hasher, undefined, undefined);
    return await detachedSignedData((await hasher.digests()).get(signer.hash)!, signer, core);
  } finally {
    hasher.dispose();
  }
}

/**
 * An opaque SignedData ContentInfo carrying the content, yielded as BER as the content streams:
 * indefinite lengths, eContent as a constructed OCTET STRING of 64 KiB segments, the certificates
 * and the SignerInfo after it (the digest is known only then; RFC 5652 5.1 puts them there anyway).
 * With `consumed` (the consumer is done with each chunk when it asks for the next: base64 takes
 * them) the content's batches copied here are freed then (batches()), not at a garbage collection.
 */
export async function* signOpaque(
  content: ByteSource,
  signer: SignedDataSigner,
  core: VerifyCore,
  { consumed = false }: { consumed?: boolean } = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const hasher = await ContentDigests.open(core, [signer.hash]);
  try {
    yield* opaqueEncoding(content, signer, core, hasher, consumed);
  } finally {
    hasher.dispose();
  }
}

async function* opaqueEncoding(
  content: ByteSource,
  signer: SignedDataSigner,
  core: VerifyCore,
  hasher: ContentDigests,
  consumed: boolean,
): AsyncGenerator<Uint8Array, void, undefined> {
  yield encodeHeader(SEQUENCE, true, undefined);
  yield encodeAsn1(new asn1js.ObjectIdentifier({ value: ID_SIGNED_DATA }));
  yield encodeHeader(contextTag(0), true, undefined);
  yield encodeHeader(SEQUENCE, true, undefined);
  yield* signedDataHead(signer.hash);
  yield encodeHeader(SEQUENCE, true, undefined); // EncapsulatedContentInfo
  yield encodeAsn1(new asn1js.ObjectIdentifier({ value: ID_DATA }));
  yield encodeHeader(contextTag(0), true, undefined); // eContent [0] EXPLICIT
  const writer = new OctetStringWriter({ reuseSegments: consumed });
  // Consumed: the writer's pieces of a batch are views of it or its own segments, all handed out
  // (and taken) before the next batch is asked for and written; it keeps only its partial segment.
  for await (const batch of batches(content, { consumed })) {
    await hasher.update(batch);
    yield* writer.write(batch);
  }
  yield* writer.end();
  yield END_OF_CONTENTS; // [0]
  yield END_OF_CONTENTS; // EncapsulatedContentInfo
  yield certificateSet(signer);
  yield await signerInfoSet(core, signer, (await hasher.digests()).get(signer.hash)!);
  yield END_OF_CONTENTS; // SignedData
  yield END_OF_CONTENTS; // [0]
  yield END_OF_CONTENTS; // ContentInfo
}
