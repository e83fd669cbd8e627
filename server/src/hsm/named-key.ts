// Named keys (share-store KEKs) have a handle derived from their label, so that every process and every
// restart finds the same key without a table of its own.
import { createHash } from "node:crypto";

/** The handle (and PKCS#11 CKA_ID) of the named key `label`: 16 bytes of a domain-separated SHA-256. */
export function namedKeyId(label: string): string {
  return createHash("sha256").update(`mailseal-hsm-named-key-v1\n${label}`).digest("hex").slice(0, 32);
}
