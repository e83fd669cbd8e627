// Reading a PKCS #12 file (RFC 7292): the RSA private key and the certificates, as OpenSSL 3, NSS
// (pk12util) and GnuPG export them: PBES2/PBKDF2/AES-CBC bags and an HMAC integrity check; and the
// legacy PBE schemes of RFC 7292 Appendix C that OpenSSL 1.x and Windows wrote (3DES, RC2).
import {
  concatBytes,
  type CipherParams,
  type DecryptStream,
  type HashAlgorithm,
  type RsaPrivateKey,
} from "@mailseal/core-wasm";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { hasCode, MailsealError, SMIME_ERROR_CODES } from "../errors/index.js";
import { pbes2Decrypt } from "./pbes2.js";
import { afterPassword, rsaPrivateKeyFromPkcs8 } from "./private-key.js";
import { readBer } from "../asn1/capture.js";
import {
  CERT_BAG,
  ID_AES256_CBC,
  ID_DATA,
  ID_ENCRYPTED_DATA,
  ID_HMAC_WITH_SHA256,
  ID_PBES2,
  ID_PBKDF2,
  ID_SHA1,
  ID_SHA256,
  ID_SHA384,
  ID_SHA512,
  KEY_BAG,
  PBE_WITH_SHA_AND_128_BIT_RC2_CBC,
  PBE_WITH_SHA_AND_2_KEY_TRIPLE_DES_CBC,
  PBE_WITH_SHA_AND_3_KEY_TRIPLE_DES_CBC,
  PBE_WITH_SHA_AND_40_BIT_RC2_CBC,
  PKCS8_SHROUDED_KEY_BAG,
  PKCS_9_AT_FRIENDLY_NAME,
  PKCS_9_AT_LOCAL_KEY_ID,
  X509_CERTIFICATE,
} from "./oids.js";

export interface Pkcs12Contents {
  privateKey: RsaPrivateKey;
  /** Every certificate in the file, DER. */
  certificates: Uint8Array[];
  /** The certificate whose localKeyId matches the key's (RFC 7292 4.2, PKCS #9), when the file says. */
  keyCertificate?: Uint8Array;
}

/**
 * What reading needs from the crypto core: the PKCS #12 KDF's iterated hash (one call per derivation:
 * WebCrypto would take one awaited digest per round, tens of microseconds each), and the legacy 3DES
 * and RC2 ciphers, which WebCrypto lacks.
 */
export interface Pkcs12Core {
  createDecryptor(params: CipherParams): Promise<DecryptStream>;
  iteratedDigest(alg: HashAlgorithm, data: Uint8Array, count: number): Promise<Uint8Array>;
}

/** H^count(data) (RFC 7292 B.2 step 6a): the core's, or the writer's own through WebCrypto. */
type IteratedDigest = Pkcs12Core["iteratedDigest"];

/**
 * The writer's rounds: one awaited WebCrypto digest each. It derives only its own MAC key, with the
 * iteration count it chose (2048 by default), and runs where no crypto core is at hand (the
 * Thunderbird add-in's background page imports keys into NSS with it).
 */
const webCryptoIteratedDigest: IteratedDigest = async (alg, data, count) => {
  let a = new Uint8Array(data);
  for (let r = 0; r < count; r++) a = new Uint8Array(await subtle().digest(alg, a));
  return a;
};

const SHA1_KDF = { name: "SHA-1", u: 20, v: 64 } as const;

/**
 * Iteration counts of the PKCS #12 KDF (RFC 7292 B.2), for the MAC key and the legacy 3DES/RC2 bags.
 * One file may need five derivations: PBKDF2's bound (10 million, native) would let a hostile file
 * spin for a minute even in the core. Producers use 1024 (Bouncy Castle), 2000 (Windows), 2048
 * (OpenSSL, macOS), 10000 (Java keytool).
 */
export const MAX_PKCS12_KDF_ITERATIONS = 100_000;

/** Hashes of the MAC (RFC 7292 B.2: u = digest size, v = block size of the hash). */
const macHashes: Record<string, { name: HashAlgorithm; u: number; v: number }> = {
  [ID_SHA1]: { name: "SHA-1", u: 20, v: 64 },
  [ID_SHA256]: { name: "SHA-256", u: 32, v: 64 },
  [ID_SHA384]: { name: "SHA-384", u: 48, v: 128 },
  [ID_SHA512]: { name: "SHA-512", u: 64, v: 128 },
};

function subtle(): SubtleCrypto {
  return globalThis.crypto.subtle;
}

/** The password as a BMPString with a terminating NUL, as the PKCS #12 KDF takes it (RFC 7292 B.1). */
function bmpPassword(password: string): Uint8Array {
  const out = new Uint8Array((password.length + 1) * 2);
  for (let i = 0; i < password.length; i++) {
    const unit = password.charCodeAt(i);
    out[2 * i] = unit >> 8;
    out[2 * i + 1] = unit & 0xff;
  }
  return out;
}

/** RFC 7292 appendix B.2: the PKCS #12 key derivation. ID 1 = key, 2 = IV, 3 = MAC key. */
async function pkcs12Kdf(
  iterate: IteratedDigest,
  hash: { name: HashAlgorithm; u: number; v: number },
  id: 1 | 2 | 3,
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  length: number,
): Promise<Uint8Array> {
  const { u, v } = hash;
  const repeat = (data: Uint8Array, to: number): Uint8Array => {
    const out = new Uint8Array(to);
    for (let i = 0; i < out.length; i++) out[i] = data[i % data.length]!;
    return out;
  };
  const d = new Uint8Array(v).fill(id);
  // Steps 2-4: I = S || P, each the input repeated to a multiple of v bytes (empty stays empty).
  const i = new Uint8Array([
    ...repeat(salt, v * Math.ceil(salt.length / v)),
    ...repeat(password, v * Math.ceil(password.length / v)),
  ]);
  const out = new Uint8Array(u * Math.ceil(length / u));
  for (let block = 0; block * u < length; block++) {
    // Step 6a: A = H^r(D || I).
    const a = await iterate(hash.name, new Uint8Array([...d, ...i]), iterations);
    out.set(a, block * u);
    // Step 6b-c: each v-byte block I_j of I becomes (I_j + B + 1) mod 2^(8v), B = A repeated to v bytes.
    const b = repeat(a, v);
    for (let offset = 0; offset < i.length; offset += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = i[offset + k]! + b[k]! + carry;
        i[offset + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return out.subarray(0, length);
}

async function checkMac(
  pfx: pkijs.PFX,
  authSafeContent: Uint8Array,
  password: string,
  iterate: IteratedDigest,
): Promise<void> {
  const macData = pfx.macData;
  if (macData === undefined) return; // integrity by public key, or none: nothing to check with a password
  const hash = macHashes[macData.mac.digestAlgorithm.algorithmId];
  if (hash === undefined) {
    throw new MailsealError(
      "UNSUPPORTED_ALGORITHM",
      `PKCS#12 MAC hash ${macData.mac.digestAlgorithm.algorithmId} is not supported`,
    );
  }
  const iterations = macData.iterations ?? 1;
  if (iterations < 1 || iterations > MAX_PKCS12_KDF_ITERATIONS) {
    throw new MailsealError(
      "INVALID_KEY",
      `PKCS#12 MAC iteration count ${iterations} is outside 1..${MAX_PKCS12_KDF_ITERATIONS}`,
    );
  }
  const salt = new Uint8Array(macData.macSalt.valueBlock.valueHexView);
  const key = await pkcs12Kdf(iterate, hash, 3, bmpPassword(password), salt, iterations, hash.u);
  const hmacKey = await subtle().importKey("raw", new Uint8Array(key), { name: "HMAC", hash: hash.name }, false, [
    "verify",
  ]);
  const expected = new Uint8Array(macData.mac.digest.valueBlock.valueHexView);
  if (!(await subtle().verify("HMAC", hmacKey, expected, new Uint8Array(authSafeContent)))) {
    throw new MailsealError("PASSWORD_WRONG", "the PKCS#12 password is wrong (or the file was altered)");
  }
}

/**
 * The PBE schemes of RFC 7292 Appendix C the core can run, with the key the PKCS #12 KDF derives (ID 1,
 * SHA-1) and the cipher it feeds. 3-key 3DES is what Windows, NSS and OpenSSL 1.x wrote for keys;
 * 40-bit RC2 what OpenSSL 1.x and Windows wrote for certificates (`openssl pkcs12 -legacy`).
 * The 2-key 3DES key is K1 || K2 used as K1 || K2 || K1. RC4 (Appendix C's first two) is not
 * supported: no producer of S/MIME keys is known to have used it.
 */
const LEGACY_PBES: Record<
  string,
  { name: string; keyLength: number; cipher: "des-ede3-cbc" | "rc2-cbc"; bits?: number }
> = {
  [PBE_WITH_SHA_AND_3_KEY_TRIPLE_DES_CBC]: {
    name: "pbeWithSHAAnd3-KeyTripleDES-CBC",
    keyLength: 24,
    cipher: "des-ede3-cbc",
  },
  [PBE_WITH_SHA_AND_2_KEY_TRIPLE_DES_CBC]: {
    name: "pbeWithSHAAnd2-KeyTripleDES-CBC",
    keyLength: 16,
    cipher: "des-ede3-cbc",
  },
  [PBE_WITH_SHA_AND_128_BIT_RC2_CBC]: {
    name: "pbeWithSHAAnd128BitRC2-CBC",
    keyLength: 16,
    cipher: "rc2-cbc",
    bits: 128,
  },
  [PBE_WITH_SHA_AND_40_BIT_RC2_CBC]: { name: "pbeWithSHAAnd40BitRC2-CBC", keyLength: 5, cipher: "rc2-cbc", bits: 40 },
};

/** Decrypts a shrouded key bag or an encrypted SafeContents under its password-based scheme. */
async function passwordDecrypt(
  algorithm: pkijs.AlgorithmIdentifier,
  data: Uint8Array,
  password: string,
  core: Pkcs12Core,
): Promise<Uint8Array> {
  const scheme = LEGACY_PBES[algorithm.algorithmId];
  if (scheme === undefined) return pbes2Decrypt(algorithm, data, password);
  // pkcs-12PbeParams ::= SEQUENCE { salt OCTET STRING, iterations INTEGER } (RFC 7292 C).
  const params = algorithm.algorithmParams as unknown;
  const [salt, iterations] = params instanceof asn1js.Sequence ? params.valueBlock.value : [];
  if (!(salt instanceof asn1js.OctetString) || !(iterations instanceof asn1js.Integer)) {
    throw new MailsealError("INVALID_KEY", `PKCS#12: ${scheme.name} parameters are malformed`);
  }
  const count = iterations.valueBlock.valueDec;
  if (count < 1 || count > MAX_PKCS12_KDF_ITERATIONS)
    throw new MailsealError(
      "INVALID_KEY",
      `PKCS#12 iteration count ${count} is outside 1..${MAX_PKCS12_KDF_ITERATIONS}`,
    );
  const saltBytes = new Uint8Array(salt.valueBlock.valueHexView);
  const bmp = bmpPassword(password);
  const iterate = core.iteratedDigest.bind(core);
  const derived = await pkcs12Kdf(iterate, SHA1_KDF, 1, bmp, saltBytes, count, scheme.keyLength);
  const key =
    scheme.keyLength === 16 && scheme.cipher === "des-ede3-cbc"
      ? concatBytes([derived, derived.subarray(0, 8)])
      : derived;
  const iv = await pkcs12Kdf(iterate, SHA1_KDF, 2, bmp, saltBytes, count, 8);
  const decryptor = await core.createDecryptor({
    cipher: scheme.cipher,
    key,
    iv,
    ...(scheme.bits === undefined ? {} : { effectiveKeyBits: scheme.bits }),
  });
  try {
    const head = await decryptor.update(data);
    const tail = await decryptor.final();
    const out = new Uint8Array(head.length + tail.length);
    out.set(head);
    out.set(tail, head.length);
    return out;
  } catch {
    throw new MailsealError("PASSWORD_WRONG", "the password does not decrypt the key (or the file is damaged)");
  } finally {
    key.fill(0);
    derived.fill(0);
    decryptor.dispose();
  }
}

function parse<T>(what: string, make: () => T): T {
  try {
    return make();
  } catch (error) {
    if (hasCode(error, ...SMIME_ERROR_CODES)) throw error;
    throw new MailsealError("INVALID_KEY", `PKCS#12: ${what} is not the expected structure`);
  }
}

function derOf(what: string, bytes: Uint8Array): asn1js.AsnType {
  const parsed = readBer(bytes);
  if (parsed.offset === -1) throw new MailsealError("INVALID_KEY", `PKCS#12: ${what} is not valid BER`);
  return parsed.result;
}

function octets(value: unknown, what: string): Uint8Array {
  if (!(value instanceof asn1js.OctetString))
    throw new MailsealError("INVALID_KEY", `PKCS#12: ${what} is not an OCTET STRING`);
  // A constructed (BER, chunked) OCTET STRING: concatenate its pieces.
  if (value.idBlock.isConstructed) {
    return concatBytes(value.valueBlock.value.map((piece) => octets(piece, what)));
  }
  return new Uint8Array(value.valueBlock.valueHexView);
}

function localKeyId(bag: pkijs.SafeBag): string | undefined {
  const attribute = bag.bagAttributes?.find((a) => a.type === PKCS_9_AT_LOCAL_KEY_ID);
  // A hostile file's attribute may lack its SET of values (pkijs leaves `values` undefined then).
  const values: unknown = attribute?.values;
  const value: unknown = Array.isArray(values) ? values[0] : undefined;
  return value instanceof asn1js.OctetString ? Array.from(value.valueBlock.valueHexView).join(",") : undefined;
}

/**
 * Reads the key and certificates of a PKCS #12 file; PASSWORD_WRONG when the MAC or a bag does not
 * open. The KDF rounds and the legacy 3DES and RC2 ciphers run in `core`.
 */
export async function readPkcs12(der: Uint8Array, password: string, core: Pkcs12Core): Promise<Pkcs12Contents> {
  const pfx = parse("PFX", () => new pkijs.PFX({ schema: derOf("PFX", der) }));
  if (pfx.authSafe.contentType !== ID_DATA) {
    throw new MailsealError(
      "UNSUPPORTED_ALGORITHM",
      "PKCS#12 with public-key integrity is not supported (only password integrity)",
    );
  }
  const authSafeContent = octets(pfx.authSafe.content, "authSafe content");
  await checkMac(pfx, authSafeContent, password, core.iteratedDigest.bind(core));
  const authSafe = parse(
    "AuthenticatedSafe",
    () => new pkijs.AuthenticatedSafe({ schema: derOf("AuthenticatedSafe", authSafeContent) }),
  );

  const bags: pkijs.SafeBag[] = [];
  for (const contentInfo of authSafe.safeContents) {
    let safeContentsDer: Uint8Array;
    if (contentInfo.contentType === ID_DATA) {
      safeContentsDer = octets(contentInfo.content, "SafeContents");
    } else if (contentInfo.contentType === ID_ENCRYPTED_DATA) {
      const encrypted = parse("EncryptedData", () => new pkijs.EncryptedData({ schema: contentInfo.content }));
      const info = encrypted.encryptedContentInfo;
      if (info.encryptedContent === undefined)
        throw new MailsealError("INVALID_KEY", "PKCS#12: EncryptedData without content");
      // [0] IMPLICIT, primitive or chunked: pkijs joins the pieces.
      const content = parse("encrypted SafeContents", () => new Uint8Array(info.getEncryptedContent()));
      safeContentsDer = await passwordDecrypt(info.contentEncryptionAlgorithm, content, password, core);
    } else {
      throw new MailsealError(
        "UNSUPPORTED_ALGORITHM",
        `PKCS#12 content of type ${contentInfo.contentType} is not supported`,
      );
    }
    const safeContents = parse(
      "SafeContents",
      () => new pkijs.SafeContents({ schema: derOf("SafeContents", safeContentsDer) }),
    );
    bags.push(...safeContents.safeBags);
  }

  let privateKey: RsaPrivateKey | undefined;
  let keyId: string | undefined;
  const certificates: { der: Uint8Array; id: string | undefined }[] = [];
  for (const bag of bags) {
    if (bag.bagId === PKCS8_SHROUDED_KEY_BAG || bag.bagId === KEY_BAG) {
      if (privateKey !== undefined) throw new MailsealError("INVALID_KEY", "PKCS#12: more than one private key");
      if (bag.bagId === KEY_BAG) {
        if (!(bag.bagValue instanceof pkijs.PrivateKeyInfo))
          throw new MailsealError("INVALID_KEY", "PKCS#12: a key bag holds no PrivateKeyInfo");
        privateKey = rsaPrivateKeyFromPkcs8(new Uint8Array(bag.bagValue.toSchema().toBER()));
      } else {
        const shrouded = bag.bagValue as pkijs.PKCS8ShroudedKeyBag;
        const algorithm = shrouded.encryptionAlgorithm;
        const plain = await passwordDecrypt(algorithm, octets(shrouded.encryptedData, "shrouded key"), password, core);
        privateKey = await afterPassword(() => rsaPrivateKeyFromPkcs8(plain));
      }
      keyId = localKeyId(bag);
    } else if (bag.bagId === CERT_BAG) {
      const certBag = bag.bagValue as pkijs.CertBag;
      if (certBag.certId !== X509_CERTIFICATE) continue; // SDSI certificates: not used by S/MIME
      // RFC 7292 4.2.3: an x509Certificate is an OCTET STRING holding the DER; pkijs may have parsed
      // it into a Certificate. Anything else (a hostile file's other type) is no certificate.
      const value: unknown = certBag.certValue;
      let certDer: Uint8Array;
      if (value instanceof asn1js.OctetString) certDer = octets(value, "certificate");
      else if (value instanceof pkijs.Certificate) certDer = new Uint8Array(value.toSchema().toBER());
      else throw new MailsealError("INVALID_KEY", "PKCS#12: a certificate bag holds no X.509 certificate");
      certificates.push({ der: certDer, id: localKeyId(bag) });
    }
  }
  if (privateKey === undefined) throw new MailsealError("INVALID_KEY", "PKCS#12: no private key in the file");
  const keyCertificate = keyId === undefined ? undefined : certificates.find((c) => c.id === keyId)?.der;
  return {
    privateKey,
    certificates: certificates.map((c) => c.der),
    ...(keyCertificate === undefined ? {} : { keyCertificate }),
  };
}

// --- writing --------------------------------------------------------------------------------------

export interface Pkcs12Input {
  /** The private key, PKCS#8 DER. */
  pkcs8: Uint8Array;
  /** The key's certificate, DER: bound to the key by a localKeyId (PKCS #9). */
  certificate: Uint8Array;
  /** Further certificates (the chain), DER. */
  chain?: readonly Uint8Array[];
  password: string;
  /** PBKDF2 iterations for the key and PKCS #12 KDF iterations for the MAC (default 10000 / 2048). */
  iterations?: number;
  macIterations?: number;
  /** A label some key stores show (PKCS #9 friendlyName). */
  friendlyName?: string;
}

function contentInfoData(content: Uint8Array): asn1js.Sequence {
  return new asn1js.Sequence({
    value: [
      new asn1js.ObjectIdentifier({ value: ID_DATA }),
      new asn1js.Constructed({
        idBlock: { tagClass: 3, tagNumber: 0 },
        value: [new asn1js.OctetString({ valueHex: content })],
      }),
    ],
  });
}

function safeBag(bagId: string, value: asn1js.AsnType, attributes: asn1js.Sequence[]): asn1js.Sequence {
  return new asn1js.Sequence({
    value: [
      new asn1js.ObjectIdentifier({ value: bagId }),
      new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [value] }),
      ...(attributes.length === 0 ? [] : [new asn1js.Set({ value: attributes })]),
    ],
  });
}

function attribute(type: string, value: asn1js.AsnType): asn1js.Sequence {
  return new asn1js.Sequence({
    value: [new asn1js.ObjectIdentifier({ value: type }), new asn1js.Set({ value: [value] })],
  });
}

function toDer(element: asn1js.AsnType): Uint8Array {
  return new Uint8Array(element.toBER(false));
}

/**
 * A PKCS #12 file (RFC 7292) with one private key and its certificates, as NSS (Thunderbird's
 * certificate database), OpenSSL and Windows import it: the key in a pkcs8ShroudedKeyBag under
 * PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC; RFC 8018 6.2), the certificates in plain certBags, the
 * whole under an HMAC-SHA256 MAC keyed by the PKCS #12 KDF (RFC 7292 B.2, as OpenSSL 3 writes).
 */
export async function writePkcs12(input: Pkcs12Input): Promise<Uint8Array> {
  const random = (n: number): Uint8Array<ArrayBuffer> => globalThis.crypto.getRandomValues(new Uint8Array(n));
  const iterations = input.iterations ?? 10_000;
  const macIterations = input.macIterations ?? 2048;
  const encoder = new TextEncoder();

  // EncryptedPrivateKeyInfo (RFC 5958 3) under PBES2.
  const salt = random(16);
  const iv = random(16);
  const baseKey = await subtle().importKey("raw", encoder.encode(input.password), "PBKDF2", false, ["deriveKey"]);
  const aesKey = await subtle().deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    baseKey,
    { name: "AES-CBC", length: 256 },
    false,
    ["encrypt"],
  );
  const encrypted = new Uint8Array(
    await subtle().encrypt({ name: "AES-CBC", iv }, aesKey, new Uint8Array(input.pkcs8)),
  );
  const pbes2 = new asn1js.Sequence({
    value: [
      new asn1js.ObjectIdentifier({ value: ID_PBES2 }),
      new asn1js.Sequence({
        value: [
          new asn1js.Sequence({
            value: [
              new asn1js.ObjectIdentifier({ value: ID_PBKDF2 }),
              new asn1js.Sequence({
                value: [
                  new asn1js.OctetString({ valueHex: salt }),
                  new asn1js.Integer({ value: iterations }),
                  new asn1js.Sequence({
                    value: [new asn1js.ObjectIdentifier({ value: ID_HMAC_WITH_SHA256 }), new asn1js.Null()],
                  }),
                ],
              }),
            ],
          }),
          new asn1js.Sequence({
            value: [new asn1js.ObjectIdentifier({ value: ID_AES256_CBC }), new asn1js.OctetString({ valueHex: iv })],
          }),
        ],
      }),
    ],
  });
  const shrouded = new asn1js.Sequence({ value: [pbes2, new asn1js.OctetString({ valueHex: encrypted })] });

  // The key and its certificate share a localKeyId: the SHA-1 of the certificate, as OpenSSL sets it.
  const keyId = new Uint8Array(await subtle().digest("SHA-1", new Uint8Array(input.certificate)));
  const own = [attribute(PKCS_9_AT_LOCAL_KEY_ID, new asn1js.OctetString({ valueHex: keyId }))];
  if (input.friendlyName !== undefined) {
    own.push(attribute(PKCS_9_AT_FRIENDLY_NAME, new asn1js.BmpString({ value: input.friendlyName })));
  }
  const certBag = (der: Uint8Array, attributes: asn1js.Sequence[]): asn1js.Sequence =>
    safeBag(
      CERT_BAG,
      new asn1js.Sequence({
        value: [
          new asn1js.ObjectIdentifier({ value: X509_CERTIFICATE }),
          new asn1js.Constructed({
            idBlock: { tagClass: 3, tagNumber: 0 },
            value: [new asn1js.OctetString({ valueHex: der })],
          }),
        ],
      }),
      attributes,
    );
  const keyContents = new asn1js.Sequence({ value: [safeBag(PKCS8_SHROUDED_KEY_BAG, shrouded, own)] });
  const certContents = new asn1js.Sequence({
    value: [certBag(input.certificate, own), ...(input.chain ?? []).map((der) => certBag(der, []))],
  });
  const authSafe = toDer(
    new asn1js.Sequence({ value: [contentInfoData(toDer(keyContents)), contentInfoData(toDer(certContents))] }),
  );

  const macSalt = random(16);
  const hash = macHashes[ID_SHA256]!;
  const macKey = await pkcs12Kdf(
    webCryptoIteratedDigest,
    hash,
    3,
    bmpPassword(input.password),
    macSalt,
    macIterations,
    hash.u,
  );
  const hmacKey = await subtle().importKey("raw", new Uint8Array(macKey), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const mac = new Uint8Array(await subtle().sign("HMAC", hmacKey, new Uint8Array(authSafe)));
  const pfx = new asn1js.Sequence({
    value: [
      new asn1js.Integer({ value: 3 }),
      contentInfoData(authSafe),
      new asn1js.Sequence({
        value: [
          new asn1js.Sequence({
            value: [
              new asn1js.Sequence({
                value: [new asn1js.ObjectIdentifier({ value: ID_SHA256 }), new asn1js.Null()],
              }),
              new asn1js.OctetString({ valueHex: mac }),
            ],
          }),
          new asn1js.OctetString({ valueHex: macSalt }),
          new asn1js.Integer({ value: macIterations }),
        ],
      }),
    ],
  });
  return toDer(pfx);
}
