// Named keys (share-store KEKs) have a handle derived from their label, so that every process and every
// restart finds the same key without a table of its own.
import { createHash } from "node:crypto";

/** The handle (and PKCS#11 CKA_ID) of the named key `label`: 16 bytes of a domain-separated SHA-256. */
export function namedKeyId(label: string): string {
  return createHash("sha256").update(`mailseal-hsm-named-key-v1\n${label}`).digest("hex").slice(0, 32);
}

/**
 * Finds or creates the named key once per label at a time: concurrent first uses in one process
 * (two stores' start-ups, parallel requests) share one creation instead of racing to make two keys.
 */
export class NamedKeyCreation {
  readonly #pending = new Map<string, Promise<string>>();

  once(label: string, create: (label: string) => Promise<string>): Promise<string> {
    let pending = this.#pending.get(label);
    if (pending === undefined) {
      pending = create(label).finally(() => this.#pending.delete(label));
      this.#pending.set(label, pending);
    }
    return pending;
  }
}
