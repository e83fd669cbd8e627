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
   * Replaces the address's current encryption key at once (a device was removed, or the owner asked):
   * records the rotation as due (accounts.rotation_due), makes a successor through the same path as a
   * renewal (pending first, current and retired in one transaction), clears the mark and mails the
   * owner. Returns the new key id. When it fails (a store down, another node making the key) the
   * mark stays and maintain() finishes it.
   */
  rotateNow(address: string): Promise<string>;
  /**
   * Rolls back `pending` keys left by a failure or a crash, finishes rotations marked due, rotates
   * keys whose certificate expires within the lead time, and makes a key for any verified address without one. Never throws for
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
