// AES key wrap (RFC 3394) and key wrap with padding (RFC 5649). Inputs are small (keys), so the
// single-block cipher is used; the integrity checks fold every comparison into one mask and
// branch only on the final verdict.
import { Status } from "../status";
import { decryptBlock, encryptBlock, roundsForKeyLength, setKey } from "./cipher";
import { OFF_BLOCK_BUF, OFF_WRAP_REGISTER } from "./layout";

/** Default initial value of RFC 3394, 2.2.3.1. */
const KW_IV: u64 = 0xa6a6a6a6a6a6a6a6;
/** High half of the alternative initial value of RFC 5649, 3. */
const KWP_IV_HIGH: u32 = 0xa65959a6;

/**
 * Wrapping process W (RFC 3394, 2.2.1, index form): a points to the 8-byte integrity register A,
 * r to the n >= 2 registers R[1..n]; both are updated in place.
 */
function wrapRounds(ctx: usize, a: usize, r: usize, n: i32): void {
  const b = ctx + OFF_BLOCK_BUF;
  memory.copy(b, a, 8);
  for (let j = 0; j < 6; j++) {
    for (let i = 1; i <= n; i++) {
      const ri = r + <usize>(i - 1) * 8;
      store<u64>(b, load<u64>(ri), 8);
      encryptBlock(ctx, b, b);
      // A = MSB64(B) ^ t with t = n*j + i, big-endian.
      store<u64>(b, load<u64>(b) ^ bswap<u64>(<u64>(n * j + i)));
      store<u64>(ri, load<u64>(b, 8));
    }
  }
  memory.copy(a, b, 8);
  memory.fill(b, 0, 16);
}

/** Unwrapping process W^-1 (RFC 3394, 2.2.2, index form), in place like wrapRounds. */
function unwrapRounds(ctx: usize, a: usize, r: usize, n: i32): void {
  const b = ctx + OFF_BLOCK_BUF;
  memory.copy(b, a, 8);
  for (let j = 5; j >= 0; j--) {
    for (let i = n; i >= 1; i--) {
      const ri = r + <usize>(i - 1) * 8;
      store<u64>(b, load<u64>(b) ^ bswap<u64>(<u64>(n * j + i)));
      store<u64>(b, load<u64>(ri), 8);
      decryptBlock(ctx, b, b);
      store<u64>(ri, load<u64>(b, 8));
    }
  }
  memory.copy(a, b, 8);
  memory.fill(b, 0, 16);
}

/** RFC 3394 wrap of len bytes (a multiple of 8, at least 16) to len + 8 bytes at dst. */
export function kwWrap(ctx: usize, key: usize, keyLen: i32, src: usize, len: i32, dst: usize): i32 {
  if (roundsForKeyLength(keyLen) == 0) return Status.INVALID_KEY;
  if (len < 16 || (len & 7) != 0) return Status.INVALID_ARGUMENT;
  setKey(ctx, key, keyLen);
  store<u64>(dst, KW_IV);
  memory.copy(dst + 8, src, len);
  wrapRounds(ctx, dst, dst + 8, len >> 3);
  return len + 8;
}

/** RFC 3394 unwrap; DECRYPTION_FAILED for a bad length or integrity check (nothing is written then). */
export function kwUnwrap(ctx: usize, key: usize, keyLen: i32, src: usize, len: i32, dst: usize): i32 {
  if (roundsForKeyLength(keyLen) == 0) return Status.INVALID_KEY;
  if (len < 24 || (len & 7) != 0) return Status.DECRYPTION_FAILED;
  setKey(ctx, key, keyLen);
  const n = (len >> 3) - 1;
  const a = ctx + OFF_WRAP_REGISTER;
  memory.copy(a, src, 8);
  memory.copy(dst, src + 8, n * 8);
  unwrapRounds(ctx, a, dst, n);
  const bad = load<u64>(a) ^ KW_IV;
  store<u64>(a, 0);
  if (bad != 0) {
    memory.fill(dst, 0, n * 8);
    return Status.DECRYPTION_FAILED;
  }
  return n * 8;
}

/** RFC 5649 wrap of 1 or more bytes: zero-padded to a multiple of 8, with the length in the IV. */
export function kwpWrap(ctx: usize, key: usize, keyLen: i32, src: usize, len: i32, dst: usize): i32 {
  if (roundsForKeyLength(keyLen) == 0) return Status.INVALID_KEY;
  if (len < 1) return Status.INVALID_ARGUMENT;
  setKey(ctx, key, keyLen);
  const padded = (len + 7) & ~7;
  store<u32>(dst, bswap<u32>(KWP_IV_HIGH));
  store<u32>(dst + 4, bswap<u32>(<u32>len));
  memory.copy(dst + 8, src, len);
  memory.fill(dst + 8 + <usize>len, 0, padded - len);
  if (padded == 8) {
    // A single 64-bit block is encrypted directly as AIV || P (RFC 5649, 4.1).
    encryptBlock(ctx, dst, dst);
  } else {
    wrapRounds(ctx, dst, dst + 8, padded >> 3);
  }
  return padded + 8;
}

/**
 * RFC 5649 unwrap (4.2): checks the IV prefix, that the message length indicator lies in
 * (8(n-1), 8n], and that the padding bytes are zero, all folded into one mask.
 */
export function kwpUnwrap(ctx: usize, key: usize, keyLen: i32, src: usize, len: i32, dst: usize): i32 {
  if (roundsForKeyLength(keyLen) == 0) return Status.INVALID_KEY;
  if (len < 16 || (len & 7) != 0) return Status.DECRYPTION_FAILED;
  setKey(ctx, key, keyLen);
  const n = (len >> 3) - 1;
  const a = ctx + OFF_WRAP_REGISTER;
  if (n == 1) {
    decryptBlock(ctx, src, a);
    memory.copy(dst, a + 8, 8);
  } else {
    memory.copy(a, src, 8);
    memory.copy(dst, src + 8, n * 8);
    unwrapRounds(ctx, a, dst, n);
  }
  const mli = <i64>bswap<u32>(load<u32>(a, 4));
  let bad = <i64>(bswap<u32>(load<u32>(a)) ^ KWP_IV_HIGH);
  memory.fill(a, 0, 16);
  const upper = <i64>n * 8;
  bad |= (mli - (upper - 8) - 1) >> 63; // mli <= 8(n-1)
  bad |= (upper - mli) >> 63; // mli > 8n
  const padLen = upper - mli;
  const last = dst + <usize>(n - 1) * 8;
  for (let k: i64 = 0; k < 8; k++) {
    // All ones when byte k of the last block is padding, i.e. k >= 8 - padLen.
    const inPadding = ~((k - 8 + padLen) >> 63);
    bad |= inPadding & <i64>load<u8>(last + <usize>k);
  }
  if (bad != 0) {
    memory.fill(dst, 0, n * 8);
    return Status.DECRYPTION_FAILED;
  }
  return <i32>mli;
}
