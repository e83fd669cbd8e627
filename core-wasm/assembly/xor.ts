// XOR of byte ranges, shared by the modes of every block cipher of the core.

/** dst = a ^ b over len bytes (dst may be a or b). Inlined: it sits in the hot loop of every mode. */
@inline export function xorBytes(dst: usize, a: usize, b: usize, len: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 16 <= len; i += 16) {
      v128.store(dst + <usize>i, v128.xor(v128.load(a + <usize>i), v128.load(b + <usize>i)));
    }
  }
  for (; i + 8 <= len; i += 8) {
    store<u64>(dst + <usize>i, load<u64>(a + <usize>i) ^ load<u64>(b + <usize>i));
  }
  for (; i < len; i++) store<u8>(dst + <usize>i, load<u8>(a + <usize>i) ^ load<u8>(b + <usize>i));
}
