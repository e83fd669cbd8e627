// The gateway's record of which copies of a message it has handed back to Postfix (docs/services.md,
// "Organisation gateway", splitting). SMTP has one answer for the whole message after DATA (RFC 5321
// 4.2.5; per-recipient answers are LMTP's, RFC 2033), so when one copy's re-injection fails the
// gateway answers 4xx and Postfix sends the whole message again: the copies already handed back are
// skipped then, by this record. One file per message, under the gateway's home, written to a
// temporary file, fsynced and renamed after each copy Postfix took (a crash leaves the old or the
// new record); kept for Postfix's maximal_queue_lifetime (5 days) and pruned after.
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileOutput } from "../io/output.js";

/** Postfix's default maximal_queue_lifetime: no retry of a message comes later than that. */
export const JOURNAL_KEEP_MS = 5 * 86_400_000;

/** One copy's identity within a message: its envelope recipients, in order, lower-cased. */
export function copyId(recipients: readonly string[]): string {
  return [...recipients]
    .map((r) => r.toLowerCase())
    .sort()
    .join(",");
}

export class DeliveryJournal {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  /**
   * The message's key: SHA-256 of the envelope and the bytes as Postfix handed them over (they start
   * with Postfix's Received field, which names its queue id, so two submissions never share one).
   */
  static key(from: string, to: readonly string[], message: Uint8Array): string {
    const hash = createHash("sha256");
    hash.update(`${from}\0${copyId(to)}\0`);
    hash.update(message);
    return hash.digest("hex");
  }

  /** The copies of the message already handed back. */
  async delivered(key: string): Promise<Set<string>> {
    try {
      const text = await readFile(join(this.#dir, key), "utf8");
      return new Set(JSON.parse(text) as string[]);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return new Set();
      throw error;
    }
  }

  /** Records the copies handed back (atomically: the old record or the new one, never half). */
  async record(key: string, copies: ReadonlySet<string>): Promise<void> {
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    const output = await fileOutput(join(this.#dir, key), 0o600);
    try {
      await output.write(new TextEncoder().encode(JSON.stringify([...copies])));
      await output.commit();
    } finally {
      await output.abort();
    }
  }

  /** Removes records older than JOURNAL_KEEP_MS. */
  async prune(now: number): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.#dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (!/^[0-9a-f]{64}$/.test(name)) continue;
      const info = await stat(join(this.#dir, name)).catch(() => undefined);
      if (info !== undefined && now - info.mtimeMs > JOURNAL_KEEP_MS) await rm(join(this.#dir, name), { force: true });
    }
  }
}
