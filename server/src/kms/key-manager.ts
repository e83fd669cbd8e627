// What the rest of the api role asks of the key manager (docs/services.md, "Keys and who holds what").
// The implementation generates in the HSM backend, splits, sends the shares to the stores, certifies,
// and rotates; the enrolment routes only need to know that a verified address has a current key.

export interface KeyManager {
  /**
   * Makes sure the address has a `current` encryption key: generates, splits, stores and certifies
   * one if it has none. Idempotent; safe to call concurrently for the same address.
   */
  ensureCurrentKey(address: string): Promise<void>;
  /** Rolls back `pending` keys and rotates keys whose certificate expires within the lead time. */
  maintain(): Promise<void>;
}
