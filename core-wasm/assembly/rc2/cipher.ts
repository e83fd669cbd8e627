// RC2 (RFC 2268): key expansion with an effective key length, and the block cipher both ways.
// mailseal only decrypts RC2 (legacy S/MIME, RFC 3370 5.2; PKCS #12 bags, RFC 7292 C); encryption
// of one block exists for the known-answer tests of RFC 2268 5.
//
// Constant time: RC2 is built on secret table indices. The key expansion reads PITABLE at
// positions computed from key bytes (RFC 2268 2), and every "mashing" round reads K at
// R[i-1] & 63, a position computed from the cipher state (RFC 2268 3.3, 4.2). Both lookups here
// scan the whole table and keep the wanted entry by mask (ctLookup8, ctLookupK), so no memory
// address depends on the key or the data: 128 scans of 256 bytes per key, 8 scans of 64 words per
// block. The rest of RC2 is additions, ANDs and fixed rotations. Cost: the scans are most of the
// time per block (about 15 MB/s measured), which does not matter for the few old messages RC2 reads.
import { OFF_K, OFF_L } from "./layout";

// PITABLE, RFC 2268 2: a permutation of 0..255 based on the digits of pi.
const PITABLE: StaticArray<u8> = [
  0xd9, 0x78, 0xf9, 0xc4, 0x19, 0xdd, 0xb5, 0xed, 0x28, 0xe9, 0xfd, 0x79, 0x4a, 0xa0, 0xd8, 0x9d,
  0xc6, 0x7e, 0x37, 0x83, 0x2b, 0x76, 0x53, 0x8e, 0x62, 0x4c, 0x64, 0x88, 0x44, 0x8b, 0xfb, 0xa2,
  0x17, 0x9a, 0x59, 0xf5, 0x87, 0xb3, 0x4f, 0x13, 0x61, 0x45, 0x6d, 0x8d, 0x09, 0x81, 0x7d, 0x32,
  0xbd, 0x8f, 0x40, 0xeb, 0x86, 0xb7, 0x7b, 0x0b, 0xf0, 0x95, 0x21, 0x22, 0x5c, 0x6b, 0x4e, 0x82,
  0x54, 0xd6, 0x65, 0x93, 0xce, 0x60, 0xb2, 0x1c, 0x73, 0x56, 0xc0, 0x14, 0xa7, 0x8c, 0xf1, 0xdc,
  0x12, 0x75, 0xca, 0x1f, 0x3b, 0xbe, 0xe4, 0xd1, 0x42, 0x3d, 0xd4, 0x30, 0xa3, 0x3c, 0xb6, 0x26,
  0x6f, 0xbf, 0x0e, 0xda, 0x46, 0x69, 0x07, 0x57, 0x27, 0xf2, 0x1d, 0x9b, 0xbc, 0x94, 0x43, 0x03,
  0xf8, 0x11, 0xc7, 0xf6, 0x90, 0xef, 0x3e, 0xe7, 0x06, 0xc3, 0xd5, 0x2f, 0xc8, 0x66, 0x1e, 0xd7,
  0x08, 0xe8, 0xea, 0xde, 0x80, 0x52, 0xee, 0xf7, 0x84, 0xaa, 0x72, 0xac, 0x35, 0x4d, 0x6a, 0x2a,
  0x96, 0x1a, 0xd2, 0x71, 0x5a, 0x15, 0x49, 0x74, 0x4b, 0x9f, 0xd0, 0x5e, 0x04, 0x18, 0xa4, 0xec,
  0xc2, 0xe0, 0x41, 0x6e, 0x0f, 0x51, 0xcb, 0xcc, 0x24, 0x91, 0xaf, 0x50, 0xa1, 0xf4, 0x70, 0x39,
  0x99, 0x7c, 0x3a, 0x85, 0x23, 0xb8, 0xb4, 0x7a, 0xfc, 0x02, 0x36, 0x5b, 0x25, 0x55, 0x97, 0x31,
  0x2d, 0x5d, 0xfa, 0x98, 0xe3, 0x8a, 0x92, 0xae, 0x05, 0xdf, 0x29, 0x10, 0x67, 0x6c, 0xba, 0xc9,
  0xd3, 0x00, 0xe6, 0xcf, 0xe1, 0x9e, 0xa8, 0x2c, 0x63, 0x16, 0x01, 0x3f, 0x58, 0xe2, 0x89, 0xa9,
  0x0d, 0x38, 0x34, 0x1b, 0xab, 0x33, 0xff, 0xb0, 0xbb, 0x48, 0x0c, 0x5f, 0xb9, 0xb1, 0xcd, 0x2e,
  0xc5, 0xf3, 0xdb, 0x47, 0xe5, 0xa5, 0x9c, 0x77, 0x0a, 0xa6, 0x20, 0x68, 0xfe, 0x7f, 0xc1, 0xad,
];

/** All-ones when a == b, else zero (no branch). */
@inline function ctEqMask(a: u32, b: u32): u32 {
  const x = a ^ b;
  return <u32>((<i32>(~x & (x - 1))) >> 31);
}

/** PITABLE[index] by a masked scan of all 256 entries, four at a time. */
function ctLookup8(index: u32): u32 {
  const table = changetype<usize>(PITABLE);
  const wantWord = index >> 2;
  const shift = (index & 3) << 3;
  let acc: u32 = 0;
  for (let w: u32 = 0; w < 64; w++) acc |= load<u32>(table + (<usize>w << 2)) & ctEqMask(w, wantWord);
  return (acc >>> shift) & 0xff;
}

/** K[index] (index 0..63) by a masked scan of the 64 words, four words per 64-bit load. */
@inline function ctLookupK(k: usize, index: u32): u32 {
  const wantQuad = index >> 2;
  const shift = <u64>((index & 3) << 4);
  let acc: u64 = 0;
  for (let w: u32 = 0; w < 16; w++)
    acc |= load<u64>(k + (<usize>w << 3)) & (<u64>(<i64>(<i32>ctEqMask(w, wantQuad))));
  return <u32>(acc >>> shift) & 0xffff;
}

/**
 * RFC 2268 2: expands the key of T = keyLen bytes (1..128) with T1 = bits effective bits (1..1024,
 * checked by the caller) into K[0..63] of the context. L is wiped afterwards.
 */
export function expandKey(ctx: usize, key: usize, keyLen: i32, bits: i32): void {
  const l = ctx + OFF_L;
  const t8 = (bits + 7) >> 3;
  const tm: u32 = 0xff >> <u32>((t8 << 3) - bits);
  memory.copy(l, key, <usize>keyLen);
  for (let i = keyLen; i < 128; i++) {
    const sum = (<u32>load<u8>(l + <usize>(i - 1)) + <u32>load<u8>(l + <usize>(i - keyLen))) & 0xff;
    store<u8>(l + <usize>i, <u8>ctLookup8(sum));
  }
  store<u8>(l + <usize>(128 - t8), <u8>ctLookup8(<u32>load<u8>(l + <usize>(128 - t8)) & tm));
  for (let i = 127 - t8; i >= 0; i--) {
    const x = <u32>load<u8>(l + <usize>(i + 1)) ^ <u32>load<u8>(l + <usize>(i + t8));
    store<u8>(l + <usize>i, <u8>ctLookup8(x));
  }
  // K[i] = L[2i] + 256 * L[2i+1]: the little-endian 16-bit words of L, as laid out already.
  memory.copy(ctx + OFF_K, l, 128);
  memory.fill(l, 0, 128);
}

@inline function rol16(x: u32, s: u32): u32 {
  return ((x << s) | (x >>> (16 - s))) & 0xffff;
}

@inline function ror16(x: u32, s: u32): u32 {
  return ((x >>> s) | (x << (16 - s))) & 0xffff;
}

/** RFC 2268 3: encrypts one 8-byte block (src may equal dst). Known-answer tests only. */
export function encryptBlock(ctx: usize, src: usize, dst: usize): void {
  const k = ctx + OFF_K;
  let r0 = <u32>load<u16>(src);
  let r1 = <u32>load<u16>(src, 2);
  let r2 = <u32>load<u16>(src, 4);
  let r3 = <u32>load<u16>(src, 6);
  let j: usize = 0;
  for (let round = 0; round < 16; round++) {
    // Mixing round (3.1); K[j] with a public j.
    r0 = rol16((r0 + <u32>load<u16>(k + (j << 1)) + (r3 & r2) + (~r3 & r1)) & 0xffff, 1);
    r1 = rol16((r1 + <u32>load<u16>(k + ((j + 1) << 1)) + (r0 & r3) + (~r0 & r2)) & 0xffff, 2);
    r2 = rol16((r2 + <u32>load<u16>(k + ((j + 2) << 1)) + (r1 & r0) + (~r1 & r3)) & 0xffff, 3);
    r3 = rol16((r3 + <u32>load<u16>(k + ((j + 3) << 1)) + (r2 & r1) + (~r2 & r0)) & 0xffff, 5);
    j += 4;
    // Mashing rounds (3.2) after the 5th and the 11th mixing round.
    if (round == 4 || round == 10) {
      r0 = (r0 + ctLookupK(k, r3 & 63)) & 0xffff;
      r1 = (r1 + ctLookupK(k, r0 & 63)) & 0xffff;
      r2 = (r2 + ctLookupK(k, r1 & 63)) & 0xffff;
      r3 = (r3 + ctLookupK(k, r2 & 63)) & 0xffff;
    }
  }
  store<u16>(dst, <u16>r0);
  store<u16>(dst, <u16>r1, 2);
  store<u16>(dst, <u16>r2, 4);
  store<u16>(dst, <u16>r3, 6);
}

/** RFC 2268 4: decrypts one 8-byte block (src may equal dst). */
export function decryptBlock(ctx: usize, src: usize, dst: usize): void {
  const k = ctx + OFF_K;
  let r0 = <u32>load<u16>(src);
  let r1 = <u32>load<u16>(src, 2);
  let r2 = <u32>load<u16>(src, 4);
  let r3 = <u32>load<u16>(src, 6);
  let j: usize = 60;
  for (let round = 15; round >= 0; round--) {
    // R-mixing round (4.1), i = 3 down to 0.
    r3 = (ror16(r3, 5) - <u32>load<u16>(k + ((j + 3) << 1)) - (r2 & r1) - (~r2 & r0)) & 0xffff;
    r2 = (ror16(r2, 3) - <u32>load<u16>(k + ((j + 2) << 1)) - (r1 & r0) - (~r1 & r3)) & 0xffff;
    r1 = (ror16(r1, 2) - <u32>load<u16>(k + ((j + 1) << 1)) - (r0 & r3) - (~r0 & r2)) & 0xffff;
    r0 = (ror16(r0, 1) - <u32>load<u16>(k + (j << 1)) - (r3 & r2) - (~r3 & r1)) & 0xffff;
    j -= 4;
    // R-mashing rounds (4.2) before the 5th and the 11th r-mixing round.
    if (round == 11 || round == 5) {
      r3 = (r3 - ctLookupK(k, r2 & 63)) & 0xffff;
      r2 = (r2 - ctLookupK(k, r1 & 63)) & 0xffff;
      r1 = (r1 - ctLookupK(k, r0 & 63)) & 0xffff;
      r0 = (r0 - ctLookupK(k, r3 & 63)) & 0xffff;
    }
  }
  store<u16>(dst, <u16>r0);
  store<u16>(dst, <u16>r1, 2);
  store<u16>(dst, <u16>r2, 4);
  store<u16>(dst, <u16>r3, 6);
}
