// Raw allocation for host-managed contexts and I/O buffers. The core never allocates managed
// (garbage-collected) objects: every context is a plain block the host allocates once and frees.

export function mem_alloc(size: usize): usize {
  const ptr = heap.alloc(size);
  memory.fill(ptr, 0, size);
  return ptr;
}

/** Frees a block after overwriting it, so key material does not linger in linear memory. */
export function mem_free(ptr: usize, size: usize): void {
  memory.fill(ptr, 0, size);
  heap.free(ptr);
}

/** True when this build was compiled with WebAssembly SIMD (lets the host check what it loaded). */
export function build_has_simd(): bool {
  return ASC_FEATURE_SIMD;
}
