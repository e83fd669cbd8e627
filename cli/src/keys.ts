// Certificates and private keys from files: PEM or DER certificates, RSA keys as PKCS#8, PKCS#1 or
// encrypted PKCS#8 (--pass), EC keys, RFC 8410 keys (X25519, X448, Ed25519, Ed448) as PKCS#8, and
// PKCS#12 (--p12 --pass).
import { readFile, stat } from "node:fs/promises";
import type { RsaPrivateKey } from "@mailseal/core-wasm";
import {
  MAX_CERTIFICATE_FILE_BYTES,
  hasCode,
  MailsealError,
  isPem,
  parseCertificate,
  readCertificates,
  readPkcs12,
  type Pkcs12Core,
  readEcPrivateKey,
  readPrivateKey,
  pqPublicKeyOf,
  readPqPrivateKey,
  readRfc8410PrivateKey,
  type Certificate,
  type EcPrivateKey,
  type EdPrivateKey,
  type MlDsaPrivateKey,
  type MlKemPrivateKey,
  type XdhPrivateKey,
} from "@mailseal/shared/offline";

/** Key and PKCS#12 files are small; anything larger is not one (the libraries check again). */
export const MAX_KEY_FILE_BYTES = 1024 * 1024;

/** Reads a small file whole, refusing one over `limit` before reading it. */
export async function readSmallFile(path: string, limit: number, what: string): Promise<Uint8Array> {
  const io = (error: NodeJS.ErrnoException): never => {
    throw new MailsealError("IO", `cannot read ${what} ${path}: ${error.code ?? error.message}`);
  };
  const info = await stat(path).catch(io);
  if (info.isDirectory()) throw new MailsealError("IO", `cannot read ${what} ${path}: it is a folder`);
  if (info.size > limit) throw new MailsealError("INPUT_TOO_LARGE", `${what} ${path} is over ${limit} bytes`);
  return new Uint8Array(await readFile(path).catch(io));
}

/** The password in a file: its first line (a trailing line end is not part of it). */
export async function passwordFromFile(path: string): Promise<string> {
  const text = new TextDecoder().decode(await readSmallFile(path, 64 * 1024, "password file"));
  const password = text.replace(/\r?\n$/, "");
  if (password === "") throw new MailsealError("USAGE", `the password file ${path} is empty`);
  return password;
}

/** The certificates of a PEM or DER file; at least one. */
export async function certificatesIn(path: string, what: string): Promise<Certificate[]> {
  const certificates = readCertificates(await readSmallFile(path, MAX_CERTIFICATE_FILE_BYTES, what));
  if (certificates.length === 0) throw new MailsealError("INVALID_KEY", `${what} ${path} holds no certificate`);
  return certificates;
}

/**
 * The certificate of a --recipient file: its only certificate, or, when the file carries the chain
 * too, its one end-entity certificate (not a CA). Two end-entity certificates in one file are
 * ambiguous: refused.
 */
export async function recipientCertificate(path: string): Promise<Certificate> {
  const certificates = await certificatesIn(path, "recipient certificate");
  if (certificates.length === 1) return certificates[0]!;
  const endEntities = certificates.filter((c) => c.basicConstraints?.cA !== true);
  if (endEntities.length !== 1) {
    throw new MailsealError(
      "USAGE",
      `${path} holds ${certificates.length} certificates, ${endEntities.length} of them end-entity: give one recipient per --recipient`,
    );
  }
  return endEntities[0]!;
}

function withoutLeadingZeros(bytes: Uint8Array): Uint8Array {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  return bytes.subarray(i);
}

/** Whether `certificate` carries the public half of `key` (same RSA modulus and exponent). */
export function certifiesKey(certificate: Certificate, key: RsaPrivateKey): boolean {
  if (certificate.publicKey.kind !== "rsa") return false;
  const same = (a: Uint8Array, b: Uint8Array): boolean => {
    const x = withoutLeadingZeros(a);
    const y = withoutLeadingZeros(b);
    return x.length === y.length && x.every((byte, i) => byte === y[i]);
  };
  return same(certificate.publicKey.key.n, key.n) && same(certificate.publicKey.key.e, key.e);
}

/** Whether `certificate` carries the public point of the EC `key` (compared as JWK coordinates). */
export async function certifiesEcKey(certificate: Certificate, key: EcPrivateKey): Promise<boolean> {
  if (certificate.publicKey.kind !== "ec" || certificate.publicKey.curve !== key.curve) return false;
  const algorithm = { name: "ECDH", namedCurve: key.curve };
  const spki = new Uint8Array(certificate.publicKey.spki);
  const publicKey = await globalThis.crypto.subtle.importKey("spki", spki, algorithm, true, []).catch(() => undefined);
  if (publicKey === undefined) return false;
  const { x, y } = await globalThis.crypto.subtle.exportKey("jwk", publicKey);
  return x === key.publicJwk.x && y === key.publicJwk.y;
}

/**
 * Whether `certificate` carries the public key of the RFC 8410 `key`. Such a SubjectPublicKeyInfo
 * (RFC 8410 4) is the algorithm without parameters and the key's bytes as the whole BIT STRING, so
 * the key is its last bytes (the certificate reader checked the algorithm and the length).
 */
export function certifiesRfc8410Key(certificate: Certificate, key: XdhPrivateKey | EdPrivateKey): boolean {
  const publicKey = certificate.publicKey;
  const matches =
    "edwards" in key
      ? (publicKey.kind === "ed25519" && key.edwards === "Ed25519") ||
        (publicKey.kind === "ed448" && key.edwards === "Ed448")
      : publicKey.kind === "xdh" && publicKey.curve === key.curve;
  if (!matches) return false;
  const raw = publicKey.spki.subarray(publicKey.spki.length - key.publicKey.length);
  return raw.length === key.publicKey.length && raw.every((b, i) => b === key.publicKey[i]);
}

/** Whether `certificate` carries the public half of the post-quantum `key` (the same raw key). */
export function certifiesPqKey(certificate: Certificate, key: MlKemPrivateKey | MlDsaPrivateKey): boolean {
  const publicKey = pqPublicKeyOf(certificate.publicKey);
  if (publicKey === undefined || publicKey.parameters !== key.parameters) return false;
  const own = key.kind === "ml-kem" ? key.encapsulationKey : key.publicKey;
  return publicKey.key.length === own.length && publicKey.key.every((byte, i) => byte === own[i]);
}

/**
 * A decryption key: RSA (key transport), EC (key agreement, RFC 5753), X25519/X448 (RFC 8418) or
 * ML-KEM (KEMRecipientInfo, RFC 9629).
 */
export type DecryptionKey =
  | { kind: "rsa"; key: RsaPrivateKey }
  | { kind: "ec"; key: EcPrivateKey }
  | { kind: "xdh"; key: XdhPrivateKey }
  | { kind: "ml-kem"; key: MlKemPrivateKey };

/** An ML-KEM key, else an RSA key from any supported form, else an EC key, else an X25519/X448 key (each reader says which it is not). */
async function readDecryptionKey(data: Uint8Array, password: string | undefined): Promise<DecryptionKey> {
  const pq = readPqPrivateKey(data);
  if (pq?.kind === "ml-kem") return { kind: "ml-kem", key: pq };
  if (pq !== undefined) throw new MailsealError("INVALID_KEY", `an ${pq.parameters.name} key signs; it cannot decrypt`);
  try {
    return { kind: "rsa", key: await readPrivateKey(data, password) };
  } catch (error) {
    if (!hasCode(error, "UNSUPPORTED_ALGORITHM")) throw error;
  }
  try {
    return { kind: "ec", key: await readEcPrivateKey(data, password) };
  } catch (error) {
    if (!hasCode(error, "UNSUPPORTED_ALGORITHM")) throw error;
  }
  const key = await readRfc8410PrivateKey(data, password);
  if ("edwards" in key)
    throw new MailsealError("UNSUPPORTED_ALGORITHM", `an ${key.edwards} key signs; it cannot decrypt`);
  return { kind: "xdh", key };
}

async function certifies(certificate: Certificate, key: DecryptionKey): Promise<boolean> {
  if (key.kind === "xdh") return certifiesRfc8410Key(certificate, key.key);
  if (key.kind === "ml-kem") return certifiesPqKey(certificate, key.key);
  return key.kind === "rsa" ? certifiesKey(certificate, key.key) : certifiesEcKey(certificate, key.key);
}

export interface KeyWithCertificates {
  key: DecryptionKey;
  /** Every given certificate of this key (a renewed certificate may keep the key): each can match a recipient. */
  certificates: Certificate[];
}

/**
 * --key FILE [--cert FILE] [--pass PASSWORD]. Without --cert the certificates are looked for in the
 * key file itself (a PEM holding both). Recipients are matched by the certificate's issuer and serial
 * number (or subjectKeyIdentifier): with RSA PKCS#1 v1.5's implicit rejection a key cannot simply be
 * tried on each recipient, so a certificate is required.
 */
export async function keyFromFiles(
  keyPath: string,
  certPath: string | undefined,
  password: string | undefined,
): Promise<KeyWithCertificates> {
  const keyFile = await readSmallFile(keyPath, MAX_KEY_FILE_BYTES, "key");
  const key = await readDecryptionKey(keyFile, password);
  let candidates: Certificate[];
  if (certPath !== undefined) {
    candidates = await certificatesIn(certPath, "certificate");
  } else {
    const hasCertificate = isPem(keyFile) && new TextDecoder().decode(keyFile).includes("-----BEGIN CERTIFICATE-----");
    candidates = hasCertificate ? readCertificates(keyFile) : [];
    if (candidates.length === 0) {
      throw new MailsealError(
        "USAGE",
        `${keyPath} holds no certificate: give the key's certificate with --cert (recipients are found by certificate)`,
      );
    }
  }
  const certificates: Certificate[] = [];
  for (const candidate of candidates) if (await certifies(candidate, key)) certificates.push(candidate);
  if (certificates.length === 0) {
    throw new MailsealError("INVALID_KEY", `no certificate in ${certPath ?? keyPath} belongs to the key in ${keyPath}`);
  }
  return { key, certificates };
}

/** --p12 FILE --pass PASSWORD: the key and every certificate of the file that belongs to it. */
export async function keyFromPkcs12(path: string, password: string, core: Pkcs12Core): Promise<KeyWithCertificates> {
  const contents = await readPkcs12(await readSmallFile(path, MAX_KEY_FILE_BYTES, "PKCS#12 file"), password, core);
  const all = contents.certificates.map((der) => parseCertificate(der));
  const certificates = all.filter((c) => certifiesKey(c, contents.privateKey));
  if (certificates.length === 0) {
    throw new MailsealError("INVALID_KEY", `the PKCS#12 file ${path} holds no certificate for its key`);
  }
  return { key: { kind: "rsa", key: contents.privateKey }, certificates };
}
