// Post-quantum primitives: ML-KEM (FIPS 203) for KEM recipients and ML-DSA (FIPS 204) for
// signatures, through @noble/post-quantum (pinned; it implements both standards in TypeScript). The
// AssemblyScript crypto core has no lattice code: these run wherever this library runs, which for
// the hosts is the engine's worker (docs/DESIGN.md, "Post-quantum"). Also the key encodings: the
// SubjectPublicKeyInfo of RFC 9935 (ML-KEM) and RFC 9881 (ML-DSA), and their PKCS #8 private keys,
// whose privateKey is the CHOICE { seed [0], expandedKey, both } of those RFCs.
import { constantTimeEqual } from "@mailseal/core-wasm";
import { ml_dsa44, ml_dsa65, ml_dsa87 } from "@noble/post-quantum/ml-dsa.js";
import { ml_kem1024, ml_kem512, ml_kem768 } from "@noble/post-quantum/ml-kem.js";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { readBer } from "../asn1/capture.js";
import { hasCode, MailsealError, SMIME_ERROR_CODES } from "../errors/index.js";
import type { CertificatePublicKey } from "./certificate.js";
import {
  ID_ALG_ML_KEM_1024,
  ID_ALG_ML_KEM_512,
  ID_ALG_ML_KEM_768,
  ID_ML_DSA_44,
  ID_ML_DSA_65,
  ID_ML_DSA_87,
} from "./oids.js";
import { decodePem, isPem, textOf } from "./pem.js";

type NobleKem = typeof ml_kem512;
type NobleDsa = typeof ml_dsa44;

export type MlKemName = "ML-KEM-512" | "ML-KEM-768" | "ML-KEM-1024";
export type MlDsaName = "ML-DSA-44" | "ML-DSA-65" | "ML-DSA-87";

/** An ML-KEM parameter set (FIPS 203 8, table 3) with its byte sizes. */
export interface MlKemParameters {
  readonly name: MlKemName;
  readonly oid: string;
  readonly encapsulationKeyLength: number;
  readonly decapsulationKeyLength: number;
  readonly ciphertextLength: number;
  readonly kem: NobleKem;
}

/** An ML-DSA parameter set (FIPS 204 4, table 2) with its byte sizes. */
export interface MlDsaParameters {
  readonly name: MlDsaName;
  readonly oid: string;
  readonly publicKeyLength: number;
  readonly secretKeyLength: number;
  readonly signatureLength: number;
  readonly dsa: NobleDsa;
}

export const ML_KEM: readonly MlKemParameters[] = [
  {
    name: "ML-KEM-512",
    oid: ID_ALG_ML_KEM_512,
    encapsulationKeyLength: 800,
    decapsulationKeyLength: 1632,
    ciphertextLength: 768,
    kem: ml_kem512,
  },
  {
    name: "ML-KEM-768",
    oid: ID_ALG_ML_KEM_768,
    encapsulationKeyLength: 1184,
    decapsulationKeyLength: 2400,
    ciphertextLength: 1088,
    kem: ml_kem768,
  },
  {
    name: "ML-KEM-1024",
    oid: ID_ALG_ML_KEM_1024,
    encapsulationKeyLength: 1568,
    decapsulationKeyLength: 3168,
    ciphertextLength: 1568,
    kem: ml_kem1024,
  },
];

export const ML_DSA: readonly MlDsaParameters[] = [
  {
    name: "ML-DSA-44",
    oid: ID_ML_DSA_44,
    publicKeyLength: 1312,
    secretKeyLength: 2560,
    signatureLength: 2420,
    dsa: ml_dsa44,
  },
  {
    name: "ML-DSA-65",
    oid: ID_ML_DSA_65,
    publicKeyLength: 1952,
    secretKeyLength: 4032,
    signatureLength: 3309,
    dsa: ml_dsa65,
  },
  {
    name: "ML-DSA-87",
    oid: ID_ML_DSA_87,
    publicKeyLength: 2592,
    secretKeyLength: 4896,
    signatureLength: 4627,
    dsa: ml_dsa87,
  },
];

/** FIPS 203 6.1: ML-KEM.KeyGen_internal takes d || z, 64 bytes; RFC 9935 6 stores them as the seed. */
export const ML_KEM_SEED_LENGTH = 64;
/** FIPS 204 6.1: ML-DSA.KeyGen_internal takes xi, 32 bytes; RFC 9881 6 stores it as the seed. */
export const ML_DSA_SEED_LENGTH = 32;

export function mlKemByOid(oid: string): MlKemParameters | undefined {
  return ML_KEM.find((p) => p.oid === oid);
}

export function mlKemByName(name: MlKemName): MlKemParameters {
  return ML_KEM.find((p) => p.name === name)!;
}

export function mlDsaByOid(oid: string): MlDsaParameters | undefined {
  return ML_DSA.find((p) => p.oid === oid);
}

export function mlDsaByName(name: MlDsaName): MlDsaParameters {
  return ML_DSA.find((p) => p.name === name)!;
}

/** An ML-KEM key pair: the expanded decapsulation key (FIPS 203 7.1) and its encapsulation key. */
export interface MlKemPrivateKey {
  readonly kind: "ml-kem";
  readonly parameters: MlKemParameters;
  readonly decapsulationKey: Uint8Array;
  readonly encapsulationKey: Uint8Array;
}

/** An ML-DSA key pair: the expanded private key (FIPS 204 7.2 skEncode) and its public key. */
export interface MlDsaPrivateKey {
  readonly kind: "ml-dsa";
  readonly parameters: MlDsaParameters;
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

function wrongLength(what: string, length: number, expected: number): MailsealError {
  return new MailsealError("INVALID_KEY", `${what} has ${length} bytes, expected ${expected}`);
}

/** ML-KEM.KeyGen_internal(d, z) (FIPS 203 6.1) from the 64-byte seed d || z. */
export function mlKemKeyFromSeed(parameters: MlKemParameters, seed: Uint8Array): MlKemPrivateKey {
  if (seed.length !== ML_KEM_SEED_LENGTH)
    throw wrongLength(`an ${parameters.name} seed`, seed.length, ML_KEM_SEED_LENGTH);
  const { secretKey, publicKey } = parameters.kem.keygen(seed);
  return { kind: "ml-kem", parameters, decapsulationKey: secretKey, encapsulationKey: publicKey };
}

/** A fresh ML-KEM key pair from the platform's random source. */
export function generateMlKemKey(parameters: MlKemParameters): MlKemPrivateKey {
  return mlKemKeyFromSeed(parameters, globalThis.crypto.getRandomValues(new Uint8Array(ML_KEM_SEED_LENGTH)));
}

/**
 * ML-KEM.Encaps (FIPS 203 7.2): a shared secret and its ciphertext for `encapsulationKey`. The
 * input check of 7.2 (the key's coefficients below q) is run: a key failing it is INVALID_KEY.
 */
export function mlKemEncapsulate(
  parameters: MlKemParameters,
  encapsulationKey: Uint8Array,
): { ciphertext: Uint8Array; sharedSecret: Uint8Array } {
  if (encapsulationKey.length !== parameters.encapsulationKeyLength) {
    throw wrongLength(`an ${parameters.name} public key`, encapsulationKey.length, parameters.encapsulationKeyLength);
  }
  try {
    const { cipherText, sharedSecret } = parameters.kem.encapsulate(encapsulationKey);
    return { ciphertext: cipherText, sharedSecret };
  } catch {
    throw new MailsealError("INVALID_KEY", `the ${parameters.name} public key fails the modulus check (FIPS 203 7.2)`);
  }
}

/**
 * ML-KEM.Decaps (FIPS 203 7.3). A ciphertext of the right length always gives a secret (implicit
 * rejection: a wrong one gives a pseudo-random secret, caught later by the key unwrap); one of the
 * wrong length is refused as INVALID_ARGUMENT (7.3's input check), the caller says what it was.
 */
export function mlKemDecapsulate(key: MlKemPrivateKey, ciphertext: Uint8Array): Uint8Array {
  const { parameters } = key;
  if (ciphertext.length !== parameters.ciphertextLength) {
    throw new MailsealError(
      "INVALID_ARGUMENT",
      `an ${parameters.name} ciphertext has ${parameters.ciphertextLength} bytes, not ${ciphertext.length}`,
    );
  }
  return parameters.kem.decapsulate(ciphertext, key.decapsulationKey);
}

/** ML-DSA.KeyGen_internal(xi) (FIPS 204 6.1) from the 32-byte seed. */
export function mlDsaKeyFromSeed(parameters: MlDsaParameters, seed: Uint8Array): MlDsaPrivateKey {
  if (seed.length !== ML_DSA_SEED_LENGTH)
    throw wrongLength(`an ${parameters.name} seed`, seed.length, ML_DSA_SEED_LENGTH);
  const { secretKey, publicKey } = parameters.dsa.keygen(seed);
  return { kind: "ml-dsa", parameters, secretKey, publicKey };
}

/** A fresh ML-DSA key pair from the platform's random source. */
export function generateMlDsaKey(parameters: MlDsaParameters): MlDsaPrivateKey {
  return mlDsaKeyFromSeed(parameters, globalThis.crypto.getRandomValues(new Uint8Array(ML_DSA_SEED_LENGTH)));
}

/** ML-DSA.Sign (FIPS 204 5.2), pure ML-DSA with the empty context (RFC 9882 3.3), hedged. */
export function mlDsaSign(key: MlDsaPrivateKey, message: Uint8Array): Uint8Array {
  return key.parameters.dsa.sign(message, key.secretKey);
}

/** Why an ML-DSA verification failed, or null when it holds. */
export type MlDsaFailure = "signature-length" | "public-key-length" | "context-length" | "does-not-verify";

/**
 * ML-DSA.Verify (FIPS 204 5.3), pure ML-DSA. The lengths are checked first so that a caller can say
 * which input was wrong; `context` defaults to the empty one CMS uses (RFC 9882 3.3).
 */
export function mlDsaVerify(
  parameters: MlDsaParameters,
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
  context: Uint8Array = new Uint8Array(0),
): MlDsaFailure | null {
  if (publicKey.length !== parameters.publicKeyLength) return "public-key-length";
  if (signature.length !== parameters.signatureLength) return "signature-length";
  if (context.length > 255) return "context-length"; // FIPS 204 5.3: |ctx| <= 255
  try {
    return parameters.dsa.verify(signature, message, publicKey, { context }) ? null : "does-not-verify";
  } catch {
    return "does-not-verify";
  }
}

/** The post-quantum key of a certificate (its SubjectPublicKeyInfo), or undefined for other keys. */
export type PqPublicKey =
  | { kind: "ml-kem"; parameters: MlKemParameters; key: Uint8Array }
  | { kind: "ml-dsa"; parameters: MlDsaParameters; key: Uint8Array };

/**
 * The ML-KEM (RFC 9935 4) or ML-DSA (RFC 9881 4) key of a certificate, whose key the certificate
 * parser leaves as "other": the algorithm's parameters MUST be absent, the BIT STRING is the raw
 * key of the parameter set's size; anything else is INVALID_KEY.
 */
export function pqPublicKeyOf(publicKey: CertificatePublicKey): PqPublicKey | undefined {
  if (publicKey.kind !== "other") return undefined;
  const kem = mlKemByOid(publicKey.algorithm);
  const dsa = mlDsaByOid(publicKey.algorithm);
  if (kem === undefined && dsa === undefined) return undefined;
  const name = (kem ?? dsa)!.name;
  let info: pkijs.PublicKeyInfo;
  try {
    info = new pkijs.PublicKeyInfo({ schema: readBer(publicKey.spki).result });
  } catch {
    throw new MailsealError("INVALID_KEY", `the ${name} SubjectPublicKeyInfo does not parse`);
  }
  if (info.algorithm.algorithmParams !== undefined) {
    throw new MailsealError("INVALID_KEY", `the ${name} key's algorithm has parameters (they MUST be absent)`);
  }
  const key = new Uint8Array(info.subjectPublicKey.valueBlock.valueHexView);
  if (kem !== undefined) {
    if (key.length !== kem.encapsulationKeyLength)
      throw wrongLength(`an ${name} public key`, key.length, kem.encapsulationKeyLength);
    return { kind: "ml-kem", parameters: kem, key };
  }
  if (key.length !== dsa!.publicKeyLength) throw wrongLength(`an ${name} public key`, key.length, dsa!.publicKeyLength);
  return { kind: "ml-dsa", parameters: dsa!, key };
}

/** The SubjectPublicKeyInfo (RFC 9935 4, RFC 9881 4) of a post-quantum public key, DER. */
export function pqSubjectPublicKeyInfo(oid: string, key: Uint8Array): Uint8Array {
  const info = new pkijs.PublicKeyInfo({
    algorithm: new pkijs.AlgorithmIdentifier({ algorithmId: oid }),
    subjectPublicKey: new asn1js.BitString({ valueHex: key }),
  });
  return new Uint8Array(info.toSchema().toBER());
}

/**
 * The private key of an ML-KEM or ML-DSA PrivateKeyInfo (RFC 5208 5): privateKey holds
 * ML-KEM-PrivateKey (RFC 9935 6) or ML-DSA-PrivateKey (RFC 9881 6), CHOICE { seed [0] IMPLICIT
 * OCTET STRING, expandedKey OCTET STRING, both SEQUENCE { seed, expandedKey } }. With both, the
 * expanded key must be the seed's (both RFCs: a consumer checks it, else one could carry a key that
 * differs from what the seed makes).
 */
export function pqPrivateKeyFromPkcs8(der: Uint8Array): MlKemPrivateKey | MlDsaPrivateKey {
  const parsed = readBer(der);
  let info: pkijs.PrivateKeyInfo;
  try {
    if (parsed.offset !== der.length) throw new TypeError("trailing data");
    info = new pkijs.PrivateKeyInfo({ schema: parsed.result });
  } catch {
    throw new MailsealError("INVALID_KEY", "not a PKCS#8 PrivateKeyInfo");
  }
  const oid = info.privateKeyAlgorithm.algorithmId;
  const kem = mlKemByOid(oid);
  const dsa = mlDsaByOid(oid);
  if (kem === undefined && dsa === undefined)
    throw new MailsealError("UNSUPPORTED_ALGORITHM", `private key algorithm ${oid} is not ML-KEM or ML-DSA`);
  const name = (kem ?? dsa)!.name;
  const inner = readBer(new Uint8Array(info.privateKey.valueBlock.valueHexView));
  const choice = inner.result;
  let seed: Uint8Array | undefined;
  let expanded: Uint8Array | undefined;
  if (inner.offset === info.privateKey.valueBlock.valueHexView.byteLength) {
    if (choice.idBlock.tagClass === 3 && choice.idBlock.tagNumber === 0 && !choice.idBlock.isConstructed) {
      seed = new Uint8Array((choice as asn1js.Primitive).valueBlock.valueHexView);
    } else if (choice instanceof asn1js.OctetString) {
      expanded = new Uint8Array(choice.valueBlock.valueHexView);
    } else if (choice instanceof asn1js.Sequence) {
      const [s, e, ...rest] = choice.valueBlock.value;
      if (s instanceof asn1js.OctetString && e instanceof asn1js.OctetString && rest.length === 0) {
        seed = new Uint8Array(s.valueBlock.valueHexView);
        expanded = new Uint8Array(e.valueBlock.valueHexView);
      }
    }
  }
  if (seed === undefined && expanded === undefined)
    throw new MailsealError("INVALID_KEY", `the ${name} private key is not { seed [0], expandedKey, both }`);
  try {
    if (kem !== undefined) {
      if (seed !== undefined) {
        const key = mlKemKeyFromSeed(kem, seed);
        if (expanded !== undefined && !constantTimeEqual(expanded, key.decapsulationKey))
          throw new MailsealError("INVALID_KEY", `the ${name} expanded key is not the one its seed makes`);
        return key;
      }
      if (expanded!.length !== kem.decapsulationKeyLength)
        throw wrongLength(`an ${name} expanded key`, expanded!.length, kem.decapsulationKeyLength);
      return {
        kind: "ml-kem",
        parameters: kem,
        decapsulationKey: expanded!,
        encapsulationKey: kem.kem.getPublicKey(expanded!),
      };
    }
    if (seed !== undefined) {
      const key = mlDsaKeyFromSeed(dsa!, seed);
      if (expanded !== undefined && !constantTimeEqual(expanded, key.secretKey))
        throw new MailsealError("INVALID_KEY", `the ${name} expanded key is not the one its seed makes`);
      return key;
    }
    if (expanded!.length !== dsa!.secretKeyLength)
      throw wrongLength(`an ${name} expanded key`, expanded!.length, dsa!.secretKeyLength);
    return { kind: "ml-dsa", parameters: dsa!, secretKey: expanded!, publicKey: dsa!.dsa.getPublicKey(expanded!) };
  } catch (error) {
    if (hasCode(error, ...SMIME_ERROR_CODES)) throw error;
    throw new MailsealError("INVALID_KEY", `the ${name} private key is not usable`);
  }
}

/**
 * A post-quantum private key from a PEM ("PRIVATE KEY") or DER PKCS #8 file; undefined when the file
 * is not a PrivateKeyInfo of ML-KEM or ML-DSA (another reader may take it: RSA, EC, encrypted). One of
 * ML-KEM or ML-DSA that is broken (a seed or expanded key of the wrong size) is INVALID_KEY.
 */
export function readPqPrivateKey(data: Uint8Array): MlKemPrivateKey | MlDsaPrivateKey | undefined {
  let der = data;
  if (isPem(data)) {
    const block = decodePem(textOf(data)).find((b) => b.label === "PRIVATE KEY");
    if (block === undefined) return undefined;
    der = block.der;
  }
  let oid: string;
  try {
    oid = new pkijs.PrivateKeyInfo({ schema: readBer(der).result }).privateKeyAlgorithm.algorithmId;
  } catch {
    return undefined;
  }
  if (mlKemByOid(oid) === undefined && mlDsaByOid(oid) === undefined) return undefined;
  return pqPrivateKeyFromPkcs8(der);
}

/** PrivateKeyInfo (RFC 5208 5) of a post-quantum key in the seed form (RFC 9935 6, RFC 9881 6), DER. */
export function pqPrivateKeyInfo(oid: string, seed: Uint8Array): Uint8Array {
  const choice = new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 }, valueHex: seed });
  const info = new pkijs.PrivateKeyInfo({
    version: 0,
    privateKeyAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: oid }),
    privateKey: new asn1js.OctetString({ valueHex: choice.toBER() }),
  });
  return new Uint8Array(info.toSchema().toBER());
}
