// Output bytes arrive in pieces of a few KiB to a few hundred KiB (BER segments, base64 lines,
// plaintext batches). Handing each to the file system as its own awaited write costs a thread-pool
// round trip per piece (about 2,000 for a 128 MiB message) and leaves the main thread idle meanwhile.
// WriteBehind gathers pieces into large buffers and keeps one buffer's write in flight while the next
// one fills: the write of one part overlaps the encryption of the next.

/** Size of each of the two buffers: one being filled, one being written. */
export const WRITE_BUFFER_BYTES = 1024 * 1024;

export class WriteBehind {
  private filling: Uint8Array;
  private spare: Uint8Array | undefined;
  private fill = 0;
  /** The buffer being written, and the write; its failure is reported by the next write or flush. */
  private inFlight: { buffer: Uint8Array; done: Promise<void> } | undefined;

  /** `sink` writes a whole chunk; it must not keep the chunk after its promise settles. */
  constructor(
    private readonly sink: (chunk: Uint8Array) => Promise<void>,
    bufferBytes = WRITE_BUFFER_BYTES,
  ) {
    this.filling = new Uint8Array(bufferBytes);
  }

  /** Copies `chunk` (the caller may reuse it); waits only when both buffers are full. */
  async write(chunk: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(chunk.length - offset, this.filling.length - this.fill);
      this.filling.set(chunk.subarray(offset, offset + take), this.fill);
      this.fill += take;
      offset += take;
      if (this.fill === this.filling.length) await this.startWrite();
    }
  }

  /** Writes what is buffered and waits until every write has completed. */
  async flush(): Promise<void> {
    if (this.fill > 0) await this.startWrite();
    await this.settle();
  }

  /** Waits for the write in flight, ignoring its outcome (after a failure, before discarding). */
  async drain(): Promise<void> {
    await this.inFlight?.done.catch(() => undefined);
    this.inFlight = undefined;
  }

  private async settle(): Promise<void> {
    const previous = this.inFlight;
    if (previous === undefined) return;
    this.inFlight = undefined;
    await previous.done;
    this.spare = previous.buffer;
  }

  private async startWrite(): Promise<void> {
    await this.settle();
    const buffer = this.filling;
    const length = this.fill;
    this.filling = this.spare ?? new Uint8Array(buffer.length);
    this.spare = undefined;
    this.fill = 0;
    this.inFlight = { buffer, done: this.sink(buffer.subarray(0, length)) };
    // Reported by the next settle(); marked handled so an abandoned failure is not "unhandled".
    this.inFlight.done.catch(() => undefined);
  }
}
