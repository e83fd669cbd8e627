import { bufferSource } from "../bytes.js";
import { checkStatus } from "./status.js";

/** Size of each of the two I/O buffers in linear memory; streaming updates are cut to this. */
export const IO_CHUNK = 64 * 1024;
/** Slack after the output buffer for modes that emit up to one block more than they consume. */
const IO_SLACK = 64;

/** Exports every build of the core has; feature modules add their own (see CoreExports). */
export interface BaseExports {
  readonly memory: WebAssembly.Memory;
  mem_alloc(size: number): number;
  mem_free(ptr: number, size: number): void;
  build_has_simd(): number;
}

/**
 * One instantiated core module plus its fixed I/O buffers. Feature wrappers (aes, hash, ...) copy
 * a slice of input to `inPtr`, call an export, and read the result from `outPtr`. Single-threaded:
 * a slice is fully processed before the next is written.
 */
export class WasmCore<E extends BaseExports = BaseExports> {
  readonly inPtr: number;
  readonly outPtr: number;
  private view: Uint8Array;

  constructor(
    readonly exports: E,
    readonly simd: boolean,
  ) {
    this.inPtr = exports.mem_alloc(IO_CHUNK + IO_SLACK);
    this.outPtr = exports.mem_alloc(IO_CHUNK + IO_SLACK);
    this.view = new Uint8Array(exports.memory.buffer);
  }

  /** A view of linear memory; re-created after the memory grew (old views become detached). */
  bytes(): Uint8Array {
    if (this.view.buffer !== this.exports.memory.buffer) this.view = new Uint8Array(this.exports.memory.buffer);
    return this.view;
  }

  /** Copies `data` into linear memory at `ptr`. */
  write(ptr: number, data: Uint8Array): void {
    this.bytes().set(data, ptr);
  }

  /** Copies `len` bytes out of linear memory at `ptr` into a fresh array owned by the caller. */
  read(ptr: number, len: number): Uint8Array {
    return this.bytes().slice(ptr, ptr + len);
  }

  /** Allocates a zeroed block and copies `data` into it (for keys and other small inputs). */
  alloc(data: Uint8Array | number): number {
    const size = typeof data === "number" ? data : data.length;
    const ptr = this.exports.mem_alloc(Math.max(size, 1));
    if (typeof data !== "number") this.write(ptr, data);
    return ptr;
  }

  /** Wipes and frees a block from `alloc`. */
  free(ptr: number, size: number): void {
    this.exports.mem_free(ptr, Math.max(size, 1));
  }

  check(result: number, context: string): number {
    return checkStatus(result, context);
  }
}

/** Instantiates a core build from its bytes. The core imports nothing but `env.abort`. */
export async function instantiateCore<E extends BaseExports>(bytes: Uint8Array, simd: boolean): Promise<WasmCore<E>> {
  const module = await WebAssembly.compile(bufferSource(bytes));
  const instance = await WebAssembly.instantiate(module, {
    env: {
      abort(_msg: number, _file: number, line: number, column: number) {
        throw new Error(`crypto core aborted at ${line}:${column}`);
      },
    },
  });
  return new WasmCore(instance.exports as unknown as E, simd);
}
