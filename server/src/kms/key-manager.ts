// What the rest of the api role asks of the key manager (docs/services.md, "Keys and who holds what").
// The implementation generates in the HSM backend, splits, sends the shares to the stores, certifies,
// and rotates; the enrolment routes only need to know that a verified address has a current key.

export interface KeyManager {
  /**
   * Makes sure the address has a `current` encryption key: generates, splits, stores and certifies
   * one if it has none. Idempotent; safe to call concurrently for the same address.
   */
  ensureCurrentKey(address: string): Promise<void>;
  /**
   * Rolls back `pending` keys left by a failure or a crash, rotates keys whose certificate expires
   * within the lead time, and makes a key for any verified address without one. Never throws for
   * one address's failure: the report names it, and the next pass tries again.
   */
  maintain(): Promise<MaintenanceReport>;
}

/** What one maintain() pass did. */
export interface MaintenanceReport {
  /** Pending key ids rolled back (shares deleted at both stores, row removed). */
  rolledBack: string[];
  /** Key ids made current. */
  created: string[];
  /** Addresses whose key could not be made, with the error code (STORE_UNAVAILABLE, ...). */
  failed: { address: string; code: string; message: string }[];
}
