// Streaming CBC (NIST SP 800-38A 6.2) with PKCS#7 padding (RFC 5652 6.3), one layer for every
// block cipher of the core: AES (16-byte blocks) and Triple-DES (8-byte blocks, RFC 3370 5.1).
// Every update takes any number of bytes; source and destination must not overlap (the host
// passes its two I/O buffers). Lengths, positions and phases are public; key, data and padding
// values never steer a branch or an address.
//
// The cipher is a type argument C: an @unmanaged class laid over the context block the host
// allocated (`changetype<C>(ctx)`; no object is ever created). AssemblyScript compiles each
// generic function once per cipher with C's members resolved statically, so the block size is a
// constant and the block functions are direct calls, as in a loop written for one cipher. C has:
//   blockSize: i32                         bytes per block, a power of two
//   parallelBlocks: i32                    blocks per decryptBatch pass
//   phase, pos, chain, buf, batch: usize   addresses in the context of: the phase (i32,
//                                          CbcPhase), the bytes pending in buf (i32), the chaining
//                                          block, the pending input block, and the batch buffer
//                                          (parallelBlocks blocks)
//   encryptBlock(src, dst), decryptBlock(src, dst): one block (src may equal dst)
//   decryptBatch(): decrypts the parallelBlocks blocks at batch in place
import { pkcs7Unpad } from "./pkcs7";
import { Status } from "./status";
import { xorBytes } from "./xor";

/** Phases of a CBC context; a cipher with other modes numbers its own phases after these. */
export const enum CbcPhase {
  /** No operation open (never initialised, or finished). */
  NONE = 0,
  ENCRYPT = 1,
  DECRYPT = 2,
}

/** Starts a stream with the 1-block IV; the cipher has set its key schedule for the direction. */
export function cbcStart<C>(ctx: usize, iv: usize, decrypt: bool): void {
  const c = changetype<C>(ctx);
  memory.copy(c.chain, iv, c.blockSize);
  store<i32>(c.pos, 0);
  store<i32>(c.phase, decrypt ? CbcPhase.DECRYPT : CbcPhase.ENCRYPT);
}

/** Returns the bytes written to dst (a multiple of the block size, at most len + one block). */
export function cbcUpdate<C>(ctx: usize, src: usize, len: i32, dst: usize): i32 {
  if (len < 0) return Status.INVALID_ARGUMENT;
  const p = load<i32>(changetype<C>(ctx).phase);
  if (p == CbcPhase.ENCRYPT) return encryptUpdate<C>(ctx, src, len, dst);
  if (p == CbcPhase.DECRYPT) return decryptUpdate<C>(ctx, src, len, dst);
  return Status.INVALID_STATE;
}

/** Writes the last block (encrypt: one block; decrypt: 0..blockSize-1 bytes once unpadded). */
export function cbcFinal<C>(ctx: usize, dst: usize): i32 {
  const p = load<i32>(changetype<C>(ctx).phase);
  if (p == CbcPhase.ENCRYPT) return encryptFinal<C>(ctx, dst);
  if (p == CbcPhase.DECRYPT) return decryptFinal<C>(ctx, dst);
  return Status.INVALID_STATE;
}

/** Encrypts whole blocks as they complete (CBC encryption is sequential: one block per pass). */
function encryptUpdate<C>(ctx: usize, src: usize, len: i32, dst: usize): i32 {
  const c = changetype<C>(ctx);
  const size = c.blockSize;
  const chain = c.chain,
    buf = c.buf;
  let pos = load<i32>(c.pos);
  let written = 0;
  while (len > 0) {
    if (pos == 0 && len >= size) {
      xorBytes(chain, chain, src, size);
      src += size;
      len -= size;
    } else {
      const take = min(size - pos, len);
      memory.copy(buf + <usize>pos, src, take);
      pos += take;
      src += take;
      len -= take;
      if (pos < size) break;
      xorBytes(chain, chain, buf, size);
      pos = 0;
    }
    c.encryptBlock(chain, chain);
    memory.copy(dst + <usize>written, chain, size);
    written += size;
  }
  store<i32>(c.pos, pos);
  return written;
}

/** Pads with n bytes of value n (1..blockSize) and encrypts the last block. */
function encryptFinal<C>(ctx: usize, dst: usize): i32 {
  const c = changetype<C>(ctx);
  const size = c.blockSize;
  const chain = c.chain,
    buf = c.buf;
  const pos = load<i32>(c.pos);
  memory.fill(buf + <usize>pos, <u8>(size - pos), size - pos);
  xorBytes(chain, chain, buf, size);
  c.encryptBlock(chain, dst);
  memory.fill(buf, 0, size);
  store<i32>(c.phase, CbcPhase.NONE);
  return size;
}

/**
 * Decrypts all complete blocks but the last one seen so far: the last block may hold padding, so
 * it waits for final (no padding byte is ever released by update). Blocks are decrypted
 * parallelBlocks at a time: P_i = D(C_i) ^ C_{i-1} needs no earlier plaintext.
 */
function decryptUpdate<C>(ctx: usize, src: usize, len: i32, dst: usize): i32 {
  const c = changetype<C>(ctx);
  const size = c.blockSize;
  const shift = <i32>ctz(size);
  const chain = c.chain,
    buf = c.buf,
    batch = c.batch;
  let pos = load<i32>(c.pos);
  let written = 0;
  while (len > 0) {
    if (pos == size) {
      c.decryptBlock(buf, batch);
      xorBytes(dst + <usize>written, batch, chain, size);
      memory.copy(chain, buf, size);
      written += size;
      pos = 0;
    }
    if (pos == 0 && len > size) {
      // Whole blocks that are certainly not the last one (at least one more byte follows). A
      // short batch still costs a full pass; only the blocks filled are used.
      const n = min(c.parallelBlocks, (len - 1) >> shift);
      const bytes = n << shift;
      memory.copy(batch, src, bytes);
      c.decryptBatch();
      const out = dst + <usize>written;
      xorBytes(out, batch, chain, size);
      xorBytes(out + <usize>size, batch + <usize>size, src, bytes - size);
      memory.copy(chain, src + <usize>(bytes - size), size);
      written += bytes;
      src += bytes;
      len -= bytes;
    } else {
      const take = min(size - pos, len);
      memory.copy(buf + <usize>pos, src, take);
      pos += take;
      src += take;
      len -= take;
    }
  }
  store<i32>(c.pos, pos);
  return written;
}

/**
 * Decrypts the held-back block and checks the PKCS#7 padding in constant time (pkcs7Unpad: every
 * byte of the block is examined whatever the padding value). A bad length, a bad padding and
 * (with high probability) a wrong key all give the same DECRYPTION_FAILED, and nothing is written
 * then.
 */
function decryptFinal<C>(ctx: usize, dst: usize): i32 {
  const c = changetype<C>(ctx);
  const size = c.blockSize;
  const chain = c.chain,
    buf = c.buf;
  const pos = load<i32>(c.pos);
  store<i32>(c.phase, CbcPhase.NONE);
  if (pos != size) {
    memory.fill(buf, 0, size);
    return Status.DECRYPTION_FAILED;
  }
  c.decryptBlock(buf, buf);
  xorBytes(buf, buf, chain, size);
  return pkcs7Unpad(buf, size, dst);
}
