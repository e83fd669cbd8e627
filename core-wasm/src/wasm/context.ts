import { release } from "../bytes.js";
import { CryptoError } from "../errors.js";
import { IO_CHUNK, type BaseExports, type WasmCore } from "./instance.js";

/** Runs `body` with `data` copied into a freshly allocated block that is wiped and freed afterwards. */
export function withCopy<T>(core: WasmCore, data: Uint8Array, body: (ptr: number) => T): T {
  const ptr = core.alloc(data);
  try {
    return body(ptr);
  } finally {
    core.free(ptr, data.length);
  }
}

/**
 * A cipher context in linear memory plus the bookkeeping every streaming mode shares: chunked
 * updates through the core's I/O buffers, and a wipe-and-free that runs exactly once (after
 * final, on dispose, or when init fails).
 */
export class CoreContext<E extends BaseExports> {
  private ptr: number;

  constructor(
    protected readonly core: WasmCore<E>,
    protected readonly algorithm: string,
    private readonly size: number,
  ) {
    this.ptr = core.alloc(size);
  }

  /** The context pointer; throws INVALID_STATE once the context was finished or disposed. */
  protected get ctx(): number {
    this.requireOpen();
    return this.ptr;
  }

  protected requireOpen(): void {
    if (this.ptr === 0)
      throw new CryptoError("INVALID_STATE", `${this.algorithm}: context already finished or disposed`);
  }

  /**
   * Feeds `data` in IO_CHUNK slices to `step(src, len, dst)`, which returns the bytes it wrote at
   * dst (at most len + 16). Returns all output, in order.
   */
  protected stream(data: Uint8Array, step: (src: number, len: number, dst: number) => number): Uint8Array {
    const core = this.core;
    const out = new Uint8Array(data.length + 16);
    let written = 0;
    for (let offset = 0; offset < data.length; offset += IO_CHUNK) {
      const slice = data.subarray(offset, offset + IO_CHUNK);
      core.write(core.inPtr, slice);
      const n = core.check(step(core.inPtr, slice.length, core.outPtr), this.algorithm);
      out.set(core.bytes().subarray(core.outPtr, core.outPtr + n), written);
      written += n;
    }
    if (written === out.length) return out;
    // A copy of the exact length, the larger buffer freed now: the result is then a whole buffer of
    // its own, which its consumer can free at once (release) instead of leaving a view into a larger
    // one to a garbage collection (issue 11).
    const exact = out.slice(0, written);
    release(out);
    return exact;
  }

  /** Feeds `data` in IO_CHUNK slices to `step(src, len)`, for a context that writes no output (GHASH). */
  protected consume(data: Uint8Array, step: (src: number, len: number) => number): void {
    const core = this.core;
    for (let offset = 0; offset < data.length; offset += IO_CHUNK) {
      const slice = data.subarray(offset, offset + IO_CHUNK);
      core.write(core.inPtr, slice);
      core.check(step(core.inPtr, slice.length), this.algorithm);
    }
  }

  /** Checks a status; on failure wipes and frees the context before throwing. */
  protected checkOrDispose(status: number): number {
    try {
      return this.core.check(status, this.algorithm);
    } catch (error) {
      this.dispose();
      throw error;
    }
  }

  /** Wipes and frees the context (key schedule included). Safe to call more than once. */
  dispose(): void {
    if (this.ptr === 0) return;
    this.core.free(this.ptr, this.size);
    this.ptr = 0;
  }
}
