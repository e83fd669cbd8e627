// ChaCha20 (RFC 8439 2.3, 2.4): the block function and the keystream XOR. Additions, XORs and
// rotations of 32-bit words only: no table and no branch on secret data, so constant time.
import { OFF_KEYSTREAM, OFF_KS_POS, OFF_STATE } from "./layout";

// @ts-ignore: decorator
@inline
function rotl(x: u32, n: u32): u32 {
  return (x << n) | (x >>> (32 - n));
}

/** Writes the block for the state's counter to OFF_KEYSTREAM and advances the counter (RFC 8439 2.3.1). */
export function nextBlock(ctx: usize): void {
  const s = ctx + OFF_STATE;
  let x0 = load<u32>(s, 0), x1 = load<u32>(s, 4), x2 = load<u32>(s, 8), x3 = load<u32>(s, 12);
  let x4 = load<u32>(s, 16), x5 = load<u32>(s, 20), x6 = load<u32>(s, 24), x7 = load<u32>(s, 28);
  let x8 = load<u32>(s, 32), x9 = load<u32>(s, 36), x10 = load<u32>(s, 40), x11 = load<u32>(s, 44);
  let x12 = load<u32>(s, 48), x13 = load<u32>(s, 52), x14 = load<u32>(s, 56), x15 = load<u32>(s, 60);
  for (let i = 0; i < 10; i++) {
    // Column rounds (RFC 8439 2.2: QUARTERROUND(0,4,8,12) ... (3,7,11,15)).
    x0 += x4; x12 = rotl(x12 ^ x0, 16); x8 += x12; x4 = rotl(x4 ^ x8, 12);
    x0 += x4; x12 = rotl(x12 ^ x0, 8); x8 += x12; x4 = rotl(x4 ^ x8, 7);
    x1 += x5; x13 = rotl(x13 ^ x1, 16); x9 += x13; x5 = rotl(x5 ^ x9, 12);
    x1 += x5; x13 = rotl(x13 ^ x1, 8); x9 += x13; x5 = rotl(x5 ^ x9, 7);
    x2 += x6; x14 = rotl(x14 ^ x2, 16); x10 += x14; x6 = rotl(x6 ^ x10, 12);
    x2 += x6; x14 = rotl(x14 ^ x2, 8); x10 += x14; x6 = rotl(x6 ^ x10, 7);
    x3 += x7; x15 = rotl(x15 ^ x3, 16); x11 += x15; x7 = rotl(x7 ^ x11, 12);
    x3 += x7; x15 = rotl(x15 ^ x3, 8); x11 += x15; x7 = rotl(x7 ^ x11, 7);
    // Diagonal rounds ((0,5,10,15) ... (3,4,9,14)).
    x0 += x5; x15 = rotl(x15 ^ x0, 16); x10 += x15; x5 = rotl(x5 ^ x10, 12);
    x0 += x5; x15 = rotl(x15 ^ x0, 8); x10 += x15; x5 = rotl(x5 ^ x10, 7);
    x1 += x6; x12 = rotl(x12 ^ x1, 16); x11 += x12; x6 = rotl(x6 ^ x11, 12);
    x1 += x6; x12 = rotl(x12 ^ x1, 8); x11 += x12; x6 = rotl(x6 ^ x11, 7);
    x2 += x7; x13 = rotl(x13 ^ x2, 16); x8 += x13; x7 = rotl(x7 ^ x8, 12);
    x2 += x7; x13 = rotl(x13 ^ x2, 8); x8 += x13; x7 = rotl(x7 ^ x8, 7);
    x3 += x4; x14 = rotl(x14 ^ x3, 16); x9 += x14; x4 = rotl(x4 ^ x9, 12);
    x3 += x4; x14 = rotl(x14 ^ x3, 8); x9 += x14; x4 = rotl(x4 ^ x9, 7);
  }
  // RFC 8439 2.3: the state is added to the result, and the block serialised little-endian.
  const k = ctx + OFF_KEYSTREAM;
  store<u32>(k, x0 + load<u32>(s, 0), 0);
  store<u32>(k, x1 + load<u32>(s, 4), 4);
  store<u32>(k, x2 + load<u32>(s, 8), 8);
  store<u32>(k, x3 + load<u32>(s, 12), 12);
  store<u32>(k, x4 + load<u32>(s, 16), 16);
  store<u32>(k, x5 + load<u32>(s, 20), 20);
  store<u32>(k, x6 + load<u32>(s, 24), 24);
  store<u32>(k, x7 + load<u32>(s, 28), 28);
  store<u32>(k, x8 + load<u32>(s, 32), 32);
  store<u32>(k, x9 + load<u32>(s, 36), 36);
  store<u32>(k, x10 + load<u32>(s, 40), 40);
  store<u32>(k, x11 + load<u32>(s, 44), 44);
  store<u32>(k, x12 + load<u32>(s, 48), 48);
  store<u32>(k, x13 + load<u32>(s, 52), 52);
  store<u32>(k, x14 + load<u32>(s, 56), 56);
  store<u32>(k, x15 + load<u32>(s, 60), 60);
  store<u32>(s, load<u32>(s, 48) + 1, 48);
  store<u32>(ctx + OFF_KS_POS, 0);
}

/** Sets up the state: "expand 32-byte k", the key, the counter and the 96-bit nonce (RFC 8439 2.3). */
export function chachaInit(ctx: usize, key: usize, nonce: usize, counter: u32): void {
  const s = ctx + OFF_STATE;
  store<u32>(s, 0x61707865, 0);
  store<u32>(s, 0x3320646e, 4);
  store<u32>(s, 0x79622d32, 8);
  store<u32>(s, 0x6b206574, 12);
  memory.copy(s + 16, key, 32);
  store<u32>(s, counter, 48);
  memory.copy(s + 52, nonce, 12);
  store<u32>(ctx + OFF_KS_POS, 64);
}

/** dst = src XOR keystream, continuing where the last call stopped (RFC 8439 2.4). */
export function chachaXor(ctx: usize, src: usize, dst: usize, len: usize): void {
  let pos = <usize>load<u32>(ctx + OFF_KS_POS);
  const k = ctx + OFF_KEYSTREAM;
  let i: usize = 0;
  while (i < len) {
    if (pos == 64) {
      nextBlock(ctx);
      pos = 0;
      // Whole blocks a word at a time.
      while (len - i >= 64) {
        for (let w: usize = 0; w < 64; w += 8) store<u64>(dst + i + w, load<u64>(src + i + w) ^ load<u64>(k + w));
        i += 64;
        if (i == len) {
          pos = 64;
          break;
        }
        nextBlock(ctx);
      }
      if (i == len) break;
    }
    store<u8>(dst + i, load<u8>(src + i) ^ load<u8>(k + pos));
    pos++;
    i++;
  }
  store<u32>(ctx + OFF_KS_POS, <u32>pos);
}
