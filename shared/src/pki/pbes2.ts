// Password-based decryption of PKCS #8 EncryptedPrivateKeyInfo and PKCS #12 bags: PBES2 with
// PBKDF2 (RFC 8018 sections 6.2 and 5.2) and AES-CBC (RFC 8018 B.2.5, RFC 3565), what OpenSSL 3,
// NSS and GnuPG write by default. Keys are small: WebCrypto does the work, the crypto core is for bulk.
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { MailsealError } from "../errors/index.js";
import {
  ID_AES128_CBC,
  ID_AES192_CBC,
  ID_AES256_CBC,
  ID_HMAC_WITH_SHA1,
  ID_HMAC_WITH_SHA256,
  ID_HMAC_WITH_SHA384,
  ID_HMAC_WITH_SHA512,
  ID_PBES2,
  ID_PBKDF2,
} from "./oids.js";

const prfHashes: Record<string, string> = {
  [ID_HMAC_WITH_SHA1]: "SHA-1",
  [ID_HMAC_WITH_SHA256]: "SHA-256",
  [ID_HMAC_WITH_SHA384]: "SHA-384",
  [ID_HMAC_WITH_SHA512]: "SHA-512",
};
const aesKeyLengths: Record<string, number> = { [ID_AES128_CBC]: 16, [ID_AES192_CBC]: 24, [ID_AES256_CBC]: 32 };

/** Iteration counts above this are refused: a hostile file must not cost minutes of CPU. */
export const MAX_PBKDF2_ITERATIONS = 10_000_000;

function subtle(): SubtleCrypto {
  return globalThis.crypto.subtle;
}

function fromSchema<T>(what: string, make: (schema: asn1js.AsnType) => T, element: asn1js.AsnType): T {
  try {
    return make(element);
  } catch {
    throw new MailsealError("INVALID_KEY", `${what}: not the expected ASN.1 structure`);
  }
}

/**
 * Decrypts `encryptedData` under the PBES2 parameters of `algorithm` with `password` (its UTF-8
 * bytes, as OpenSSL uses them). A bad padding after decryption means a wrong password.
 */
export async function pbes2Decrypt(
  algorithm: pkijs.AlgorithmIdentifier,
  encryptedData: Uint8Array,
  password: string,
): Promise<Uint8Array> {
  if (algorithm.algorithmId !== ID_PBES2) {
    throw new MailsealError(
      "UNSUPPORTED_ALGORITHM",
      `password-based encryption ${algorithm.algorithmId} is not supported (only PBES2)`,
    );
  }
  const params = fromSchema("PBES2-params", (schema) => new pkijs.PBES2Params({ schema }), algorithm.algorithmParams);
  if (params.keyDerivationFunc.algorithmId !== ID_PBKDF2) {
    throw new MailsealError(
      "UNSUPPORTED_ALGORITHM",
      `PBES2 key derivation ${params.keyDerivationFunc.algorithmId} is not supported (only PBKDF2)`,
    );
  }
  const kdf = fromSchema(
    "PBKDF2-params",
    (schema) => new pkijs.PBKDF2Params({ schema }),
    params.keyDerivationFunc.algorithmParams,
  );
  const prf = kdf.prf?.algorithmId ?? ID_HMAC_WITH_SHA1; // RFC 8018 A.2: the default PRF
  const hash = prfHashes[prf];
  if (hash === undefined) throw new MailsealError("UNSUPPORTED_ALGORITHM", `PBKDF2 PRF ${prf} is not supported`);
  const keyLength = aesKeyLengths[params.encryptionScheme.algorithmId];
  if (keyLength === undefined) {
    throw new MailsealError(
      "UNSUPPORTED_ALGORITHM",
      `PBES2 cipher ${params.encryptionScheme.algorithmId} is not supported (AES-CBC only)`,
    );
  }
  if (kdf.iterationCount < 1 || kdf.iterationCount > MAX_PBKDF2_ITERATIONS) {
    throw new MailsealError(
      "INVALID_KEY",
      `PBKDF2 iteration count ${kdf.iterationCount} is outside 1..${MAX_PBKDF2_ITERATIONS}`,
    );
  }
  const iv = params.encryptionScheme.algorithmParams;
  if (!(iv instanceof asn1js.OctetString) || iv.valueBlock.valueHexView.length !== 16) {
    throw new MailsealError("INVALID_KEY", "PBES2: the AES-CBC IV must be a 16-byte OCTET STRING");
  }
  const salt = kdf.salt instanceof asn1js.OctetString ? kdf.salt.valueBlock.valueHexView : undefined;
  if (salt === undefined)
    throw new MailsealError("UNSUPPORTED_ALGORITHM", "PBKDF2: only a specified (OCTET STRING) salt is supported");

  const passwordKey = await subtle().importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, [
    "deriveKey",
  ]);
  const key = await subtle().deriveKey(
    { name: "PBKDF2", hash, salt: new Uint8Array(salt), iterations: kdf.iterationCount },
    passwordKey,
    { name: "AES-CBC", length: keyLength * 8 },
    false,
    ["decrypt"],
  );
  try {
    const iv16 = new Uint8Array(iv.valueBlock.valueHexView);
    return new Uint8Array(await subtle().decrypt({ name: "AES-CBC", iv: iv16 }, key, new Uint8Array(encryptedData)));
  } catch {
    throw new MailsealError("PASSWORD_WRONG", "the password does not decrypt the key (or the file is damaged)");
  }
}
