// Readers and writers of the CMS forms no peer here speaks (OpenSSL 3.0, NSS and GnuPG lack them),
// built from node:crypto and the RFC texts alone, never from mailseal's code: X25519 and X448 key agreement with
// HKDF (RFC 8418), ChaCha20-Poly1305 AuthEnvelopedData (RFC 8103). They check what mailseal writes,
// and write what mailseal must read (issue 15: interop is the proof).
import {
  createCipheriv,
  createDecipheriv,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
} from "node:crypto";
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import * as asn1js from "asn1js";

/** The node at `path` (indexes into each constructed value), from `root`. */
export function nodeAt(root: asn1js.AsnType, ...path: number[]): asn1js.AsnType {
  return path.reduce<asn1js.AsnType>((node, i) => {
    const next = (node as asn1js.Constructed).valueBlock.value[i];
    if (next === undefined) throw new Error(`no element ${i} at ${path.join(".")}`);
    return next;
  }, root);
}

export function parseBer(der: Uint8Array): asn1js.AsnType {
  const parsed = asn1js.fromBER(new Uint8Array(der));
  if (parsed.offset === -1) throw new Error(`not BER: ${parsed.result.error}`);
  return parsed.result;
}

/** The bytes of an OCTET STRING, primitive or constructed (BER chunks, X.690 8.7), tagged or not. */
export function octets(node: asn1js.AsnType): Buffer {
  const block = (node as asn1js.Constructed).valueBlock;
  if (node.idBlock.isConstructed) return Buffer.concat(block.value.map(octets));
  return Buffer.from((node as asn1js.Primitive).valueBlock.valueHexView);
}

const oidOf = (node: asn1js.AsnType): string => (node as asn1js.ObjectIdentifier).valueBlock.toString();
const der = (node: asn1js.AsnType): Buffer => Buffer.from(node.toBER());
const contextTag = (tagNumber: number, value: asn1js.AsnType[]) =>
  new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber }, value });

export const OID = {
  envelopedData: "1.2.840.113549.1.7.3",
  authEnvelopedData: "1.2.840.113549.1.9.16.1.23",
  data: "1.2.840.113549.1.7.1",
  /** RFC 8418 2: dhSinglePass-stdDH-hkdf-sha256-scheme and -sha512-scheme. */
  hkdfSha256Scheme: "1.2.840.113549.1.9.16.3.19",
  hkdfSha512Scheme: "1.2.840.113549.1.9.16.3.21",
  /** RFC 3565 / RFC 3394: id-aes256-wrap. */
  aes256Wrap: "2.16.840.1.101.3.4.1.45",
  aes256Cbc: "2.16.840.1.101.3.4.1.42",
  /** RFC 8103 3: id-alg-AEADChaCha20Poly1305. */
  chacha20Poly1305: "1.2.840.113549.1.9.16.3.18",
} as const;

/** RFC 3394 2.2.3.1: the default initial value of AES key wrap. */
const WRAP_IV = Buffer.from("a6a6a6a6a6a6a6a6", "hex");

/**
 * DER of ECC-CMS-SharedInfo (RFC 5753 7.2), written out byte by byte from the RFC: SEQUENCE {
 * keyInfo AlgorithmIdentifier (the key wrap: id-aes256-wrap, parameters absent, RFC 3565 2.3.2),
 * entityUInfo [0] EXPLICIT OCTET STRING (the ukm; absent here), suppPubInfo [2] EXPLICIT OCTET STRING
 * (the KEK length in bits, 32-bit big-endian) }.
 */
export function sharedInfoAes256Wrap(): Buffer {
  const keyInfo = Buffer.from("300b060960864801650304012d", "hex");
  const suppPubInfo = Buffer.from("a2060404" + "00000100", "hex"); // 256 bits
  return Buffer.concat([Buffer.from([0x30, keyInfo.length + suppPubInfo.length]), keyInfo, suppPubInfo]);
}

/**
 * RFC 8418 2 for each curve: the originator key's OID (RFC 8410 3) and length (RFC 7748 5), the
 * SubjectPublicKeyInfo header before the raw key (RFC 8410 4), the scheme a sender uses and its HKDF
 * hash (HKDF-SHA-256 for X25519, HKDF-SHA-512 for X448).
 */
const CURVES = {
  x25519: {
    oid: "1.3.101.110",
    length: 32,
    spki: "302a300506032b656e032100",
    scheme: OID.hkdfSha256Scheme,
    hash: "sha256",
  },
  x448: {
    oid: "1.3.101.111",
    length: 56,
    spki: "3042300506032b656f033900",
    scheme: OID.hkdfSha512Scheme,
    hash: "sha512",
  },
} as const;
type Curve = keyof typeof CURVES;

/** A raw X25519/X448 public key as a node:crypto key, through its SubjectPublicKeyInfo (RFC 8410 4). */
function rawPublicKey(curve: Curve, raw: Uint8Array): KeyObject {
  const { length, spki } = CURVES[curve];
  if (raw.length !== length) throw new Error(`an ${curve} key is ${length} bytes, not ${raw.length}`);
  return createPublicKey({ key: Buffer.concat([Buffer.from(spki, "hex"), raw]), format: "der", type: "spki" });
}

/**
 * The KEK of RFC 8418 2: Z = X25519 or X448 (private, public) (RFC 7748 6), then HKDF (RFC 5869)
 * with the curve's hash, no salt, Z as IKM, the DER of ECC-CMS-SharedInfo as info, 32 bytes for AES-256 wrap.
 */
function xdhKek(curve: Curve, privateKey: KeyObject, publicKey: KeyObject, sharedInfo: Buffer): Buffer {
  const z = diffieHellman({ privateKey, publicKey });
  return Buffer.from(hkdfSync(CURVES[curve].hash, z, Buffer.alloc(0), sharedInfo, 32));
}

/**
 * Opens an EnvelopedData (RFC 5652 6) whose one recipient is an X25519 or X448 KeyAgreeRecipientInfo
 * with the curve's dhSinglePass-stdDH-hkdf scheme and AES-256 wrap (RFC 8418), content AES-256-CBC.
 * `sharedInfo` replaces the RFC's ECC-CMS-SharedInfo (to show a changed KDF input fails the unwrap).
 */
export function openXdhEnveloped(
  message: Uint8Array,
  privateKeyPem: string,
  sharedInfo = sharedInfoAes256Wrap(),
): Buffer {
  const root = parseBer(message);
  if (oidOf(nodeAt(root, 0)) !== OID.envelopedData) throw new Error("not an EnvelopedData");
  const enveloped = nodeAt(root, 1, 0);
  const kari = nodeAt(enveloped, 1, 0);
  if (kari.idBlock.tagClass !== 3 || kari.idBlock.tagNumber !== 1) throw new Error("not a KeyAgreeRecipientInfo");
  // KeyAgreeRecipientInfo: version 3, originator [0] { originatorKey [1] { algorithm, publicKey } },
  // no ukm here, keyEncryptionAlgorithm, recipientEncryptedKeys (RFC 5652 6.2.2).
  const originatorKey = nodeAt(kari, 1, 0);
  const curveOid = oidOf(nodeAt(originatorKey, 0, 0));
  const curve = (Object.keys(CURVES) as Curve[]).find((c) => CURVES[c].oid === curveOid);
  if (curve === undefined) throw new Error(`the originator key is ${curveOid}, not X25519 or X448`);
  const ephemeral = rawPublicKey(curve, (nodeAt(originatorKey, 1) as asn1js.BitString).valueBlock.valueHexView);
  const keyEncryption = nodeAt(kari, 2);
  if (oidOf(nodeAt(keyEncryption, 0)) !== CURVES[curve].scheme) throw new Error(`not the ${curve} hkdf scheme`);
  // RFC 8418 2 / RFC 5753 7.1: its parameters are the key wrap AlgorithmIdentifier; the same bytes
  // are keyInfo in ECC-CMS-SharedInfo.
  if (!der(nodeAt(keyEncryption, 1)).equals(sharedInfoAes256Wrap().subarray(2, 15))) {
    throw new Error("the key wrap is not id-aes256-wrap without parameters");
  }
  const encryptedKey = octets(nodeAt(kari, 3, 0, 1));
  const kek = xdhKek(curve, createPrivateKey(privateKeyPem), ephemeral, sharedInfo);
  const unwrap = createDecipheriv("id-aes256-wrap", kek, WRAP_IV);
  const cek = Buffer.concat([unwrap.update(encryptedKey), unwrap.final()]);
  const content = nodeAt(enveloped, 2);
  const algorithm = nodeAt(content, 1);
  if (oidOf(nodeAt(algorithm, 0)) !== OID.aes256Cbc) throw new Error("the content cipher is not AES-256-CBC");
  const decipher = createDecipheriv("aes-256-cbc", cek, octets(nodeAt(algorithm, 1)));
  return Buffer.concat([decipher.update(octets(nodeAt(content, 2))), decipher.final()]);
}

/**
 * Writes an EnvelopedData (RFC 5652 6, version 2) of `content` for the X25519 or X448 key in
 * `recipientSpki`, named by issuer and serial number (`issuerAndSerial`, DER): a fresh ephemeral key
 * of that curve, the KEK of RFC 8418 2 (HKDF over `sharedInfo`), a random AES-256 CEK wrapped with it,
 * AES-256-CBC content.
 */
export function sealXdhEnveloped(
  content: Uint8Array,
  recipientSpki: Uint8Array,
  issuerAndSerial: Uint8Array,
  sharedInfo = sharedInfoAes256Wrap(),
): Buffer {
  const recipient = createPublicKey({ key: Buffer.from(recipientSpki), format: "der", type: "spki" });
  const curve = recipient.asymmetricKeyType;
  if (curve !== "x25519" && curve !== "x448") throw new Error(`not an X25519 or X448 key: ${curve}`);
  const ephemeral = curve === "x448" ? generateKeyPairSync("x448") : generateKeyPairSync("x25519");
  const ephemeralRaw = ephemeral.publicKey
    .export({ format: "der", type: "spki" })
    .subarray(CURVES[curve].spki.length / 2);
  const kek = xdhKek(curve, ephemeral.privateKey, recipient, sharedInfo);
  const cek = randomBytes(32);
  const wrap = createCipheriv("id-aes256-wrap", kek, WRAP_IV);
  const encryptedKey = Buffer.concat([wrap.update(cek), wrap.final()]);
  const iv = randomBytes(16);
  const cipher = createCipheriv("aes-256-cbc", cek, iv);
  const ciphertext = Buffer.concat([cipher.update(content), cipher.final()]);
  const oid = (value: string) => new asn1js.ObjectIdentifier({ value });
  const kari = contextTag(1, [
    new asn1js.Integer({ value: 3 }),
    contextTag(0, [
      contextTag(1, [
        new asn1js.Sequence({ value: [oid(CURVES[curve].oid)] }),
        new asn1js.BitString({ valueHex: ephemeralRaw }),
      ]),
    ]),
    new asn1js.Sequence({
      value: [oid(CURVES[curve].scheme), new asn1js.Sequence({ value: [oid(OID.aes256Wrap)] })],
    }),
    new asn1js.Sequence({
      value: [
        new asn1js.Sequence({
          value: [parseBer(issuerAndSerial), new asn1js.OctetString({ valueHex: encryptedKey })],
        }),
      ],
    }),
  ]);
  const enveloped = new asn1js.Sequence({
    value: [
      new asn1js.Integer({ value: 2 }),
      new asn1js.Set({ value: [kari] }),
      new asn1js.Sequence({
        value: [
          oid(OID.data),
          new asn1js.Sequence({ value: [oid(OID.aes256Cbc), new asn1js.OctetString({ valueHex: iv })] }),
          new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 }, valueHex: ciphertext }),
        ],
      }),
    ],
  });
  return der(new asn1js.Sequence({ value: [oid(OID.envelopedData), contextTag(0, [enveloped])] }));
}

/**
 * Opens an AuthEnvelopedData (RFC 5083) whose content cipher is ChaCha20-Poly1305 (RFC 8103): the
 * first recipient's encryptedKey goes to `unwrapCek` (key transport, done by the caller), then
 * node:crypto's chacha20-poly1305 with the 12-byte nonce of the parameters, the 16-byte mac as its tag
 * and, as AAD, the DER of authAttrs with its SET OF tag when they are present (RFC 5083 2.2), else none.
 */
export function openChaChaAuthEnveloped(message: Uint8Array, unwrapCek: (encryptedKey: Buffer) => Buffer): Buffer {
  const root = parseBer(message);
  if (oidOf(nodeAt(root, 0)) !== OID.authEnvelopedData) throw new Error("not an AuthEnvelopedData");
  const fields = (nodeAt(root, 1, 0) as asn1js.Sequence).valueBlock.value;
  // version, [0] originatorInfo?, recipientInfos, authEncryptedContentInfo, [1] authAttrs?, mac, [2] unauthAttrs?
  const rest = fields.slice(fields[1]!.idBlock.tagClass === 3 ? 2 : 1);
  const [recipientInfos, contentInfo] = [rest[0]!, rest[1]!];
  const authAttrs = rest[2]!.idBlock.tagClass === 3 && rest[2]!.idBlock.tagNumber === 1 ? rest[2] : undefined;
  const mac = octets(rest[authAttrs === undefined ? 2 : 3]!);
  const ktri = nodeAt(recipientInfos, 0) as asn1js.Sequence;
  const cek = unwrapCek(octets(ktri.valueBlock.value.at(-1)!));
  const algorithm = nodeAt(contentInfo, 1);
  if (oidOf(nodeAt(algorithm, 0)) !== OID.chacha20Poly1305) throw new Error("not ChaCha20-Poly1305");
  const nonce = octets(nodeAt(algorithm, 1));
  const decipher = createDecipheriv("chacha20-poly1305", cek, nonce, { authTagLength: 16 });
  const encrypted = (contentInfo as asn1js.Sequence).valueBlock.value[2];
  if (authAttrs !== undefined) {
    // RFC 5083 2.2: the AAD is the DER of authAttrs (as received) with the SET OF tag, not [1].
    const attrs = Buffer.from(authAttrs.valueBeforeDecodeView);
    attrs[0] = 0x31;
    decipher.setAAD(attrs, { plaintextLength: encrypted === undefined ? 0 : octets(encrypted).length });
  }
  decipher.setAuthTag(mac);
  const plain = encrypted === undefined ? Buffer.alloc(0) : decipher.update(octets(encrypted));
  return Buffer.concat([plain, decipher.final()]);
}
