// Triple-DES in CBC mode (NIST SP 800-38A 6.2) with PKCS#7 padding to 8-byte blocks (RFC 5652
// 6.3), as in des-ede3-cbc S/MIME content encryption (RFC 3370 5.1). Every update takes any number
// of bytes; source and destination must not overlap. Lengths, positions and phases are public; key,
// data and padding values never steer a branch or an address.
import { Status } from "../status";
import { cryptBatch, cryptBlock, setKey } from "./cipher";
import { OFF_BATCH, OFF_BLOCK_BUF, OFF_IV, OFF_PHASE, OFF_POS, PARALLEL_BLOCKS } from "./layout";
import { pkcs7Unpad } from "../pkcs7";

export const enum Phase {
  NONE = 0,
  CBC_ENCRYPT = 1,
  CBC_DECRYPT = 2,
}

@inline export function phase(ctx: usize): Phase {
  return load<i32>(ctx + OFF_PHASE);
}

/** dst = a ^ b over len bytes (a multiple of 8). */
function xorBlocks(dst: usize, a: usize, b: usize, len: i32): void {
  for (let i = 0; i < len; i += 8) store<u64>(dst + <usize>i, load<u64>(a + <usize>i) ^ load<u64>(b + <usize>i));
}

export function cbcInit(ctx: usize, key: usize, iv: usize, decrypt: bool): void {
  setKey(ctx, key, decrypt);
  memory.copy(ctx + OFF_IV, iv, 8);
  store<i32>(ctx + OFF_POS, 0);
  store<i32>(ctx + OFF_PHASE, decrypt ? Phase.CBC_DECRYPT : Phase.CBC_ENCRYPT);
}

/** Encrypts whole blocks as they complete, one at a time (CBC encryption is sequential). */
export function cbcEncryptUpdate(ctx: usize, src: usize, len: i32, dst: usize): i32 {
  const chain = ctx + OFF_IV, buf = ctx + OFF_BLOCK_BUF;
  let pos = load<i32>(ctx + OFF_POS);
  let written = 0;
  while (len > 0) {
    if (pos == 0 && len >= 8) {
      xorBlocks(chain, chain, src, 8);
      src += 8;
      len -= 8;
    } else {
      const take = min(8 - pos, len);
      memory.copy(buf + <usize>pos, src, take);
      pos += take;
      src += take;
      len -= take;
      if (pos < 8) break;
      xorBlocks(chain, chain, buf, 8);
      pos = 0;
    }
    cryptBlock(ctx, chain, chain);
    store<u64>(dst + <usize>written, load<u64>(chain));
    written += 8;
  }
  store<i32>(ctx + OFF_POS, pos);
  return written;
}

/** Pads with n bytes of value n (1..8) and encrypts the last block. */
export function cbcEncryptFinal(ctx: usize, dst: usize): i32 {
  const chain = ctx + OFF_IV, buf = ctx + OFF_BLOCK_BUF;
  const pos = load<i32>(ctx + OFF_POS);
  memory.fill(buf + <usize>pos, <u8>(8 - pos), 8 - pos);
  xorBlocks(chain, chain, buf, 8);
  cryptBlock(ctx, chain, dst);
  memory.fill(buf, 0, 8);
  store<i32>(ctx + OFF_PHASE, Phase.NONE);
  return 8;
}

/**
 * Decrypts all complete blocks but the last one seen so far (it may hold padding, so it waits for
 * final), PARALLEL_BLOCKS at a time: P_i = D(C_i) ^ C_{i-1} needs no earlier plaintext.
 */
export function cbcDecryptUpdate(ctx: usize, src: usize, len: i32, dst: usize): i32 {
  const chain = ctx + OFF_IV, buf = ctx + OFF_BLOCK_BUF, batch = ctx + OFF_BATCH;
  let pos = load<i32>(ctx + OFF_POS);
  let written = 0;
  while (len > 0) {
    if (pos == 8) {
      cryptBlock(ctx, buf, batch);
      xorBlocks(dst + <usize>written, batch, chain, 8);
      store<u64>(chain, load<u64>(buf));
      written += 8;
      pos = 0;
    }
    if (pos == 0 && len > 8) {
      // Whole blocks that are certainly not the last one (at least one more byte follows). A
      // short batch still costs a full pass; only the lanes filled are used.
      const n = min(PARALLEL_BLOCKS, (len - 1) >> 3);
      const bytes = n << 3;
      memory.copy(batch, src, bytes);
      cryptBatch(ctx);
      const out = dst + <usize>written;
      xorBlocks(out, batch, chain, 8);
      xorBlocks(out + 8, batch + 8, src, bytes - 8);
      store<u64>(chain, load<u64>(src + <usize>(bytes - 8)));
      written += bytes;
      src += bytes;
      len -= bytes;
    } else {
      const take = min(8 - pos, len);
      memory.copy(buf + <usize>pos, src, take);
      pos += take;
      src += take;
      len -= take;
    }
  }
  store<i32>(ctx + OFF_POS, pos);
  return written;
}

/**
 * Decrypts the held-back block and checks the PKCS#7 padding in constant time: all 8 bytes are
 * examined whatever the padding value, every check is folded into one mask, and only the verdict
 * is branched on. A bad length, a bad padding and (almost always) a wrong key give the same
 * DECRYPTION_FAILED, and nothing is written then.
 */
export function cbcDecryptFinal(ctx: usize, dst: usize): i32 {
  const chain = ctx + OFF_IV, buf = ctx + OFF_BLOCK_BUF;
  const pos = load<i32>(ctx + OFF_POS);
  store<i32>(ctx + OFF_PHASE, Phase.NONE);
  if (pos != 8) {
    memory.fill(buf, 0, 8);
    return Status.DECRYPTION_FAILED;
  }
  cryptBlock(ctx, buf, buf);
  xorBlocks(buf, buf, chain, 8);
  return pkcs7Unpad(buf, 8, dst);
}
