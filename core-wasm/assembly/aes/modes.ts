// Streaming CBC (with PKCS#7 padding; the loops are in ../cbc.ts), CTR and GCM over the bitsliced
// cipher. Every update takes any number of bytes; source and destination must not overlap (the
// host passes its two I/O buffers). Lengths, positions and phases are public; key, data and
// padding values never steer a branch or an address.
import { cbcStart, CbcPhase } from "../cbc";
import { Status } from "../status";
import { xorBytes } from "../xor";
import {
  decryptBatch,
  decryptBlock,
  encryptBatch,
  encryptBatchWithGhash,
  encryptBlock,
  roundsForKeyLength,
  setKey,
} from "./cipher";
import { ghashBlocks, ghashLengths, ghashOutput, ghashPad, ghashReset, ghashSetKey, ghashUpdate } from "./ghash";
import {
  OFF_AAD_LEN,
  OFF_BATCH,
  OFF_BLOCK_BUF,
  OFF_IV,
  OFF_PHASE,
  OFF_POS,
  OFF_TAG_MASK,
  OFF_TEXT_LEN,
  PARALLEL_BLOCKS,
  PARALLEL_BYTES,
} from "./layout";

/** Mode phases stored at OFF_PHASE; 0 means no operation is open (never initialised or finished). */
export const enum Phase {
  NONE = CbcPhase.NONE,
  CBC_ENCRYPT = CbcPhase.ENCRYPT,
  CBC_DECRYPT = CbcPhase.DECRYPT,
  CTR = 3,
  GCM_ENCRYPT_AAD = 4,
  GCM_ENCRYPT_TEXT = 5,
  GCM_DECRYPT_AAD = 6,
  GCM_DECRYPT_TEXT = 7,
  GHASH = 8,
}

@inline export function phase(ctx: usize): Phase {
  return load<i32>(ctx + OFF_PHASE);
}

@inline export function setPhase(ctx: usize, p: Phase): void {
  store<i32>(ctx + OFF_PHASE, p);
}

// ---------------------------------------------------------------------------------------------
// CBC: the block-size-generic layer of ../cbc.ts over the bitsliced cipher.

/** The AES context as the CBC layer sees it (see ../cbc.ts). */
@final @unmanaged export class AesCbc {
  @inline get blockSize(): i32 {
    return 16;
  }
  @inline get parallelBlocks(): i32 {
    return PARALLEL_BLOCKS;
  }
  @inline get phase(): usize {
    return changetype<usize>(this) + OFF_PHASE;
  }
  @inline get pos(): usize {
    return changetype<usize>(this) + OFF_POS;
  }
  @inline get chain(): usize {
    return changetype<usize>(this) + OFF_IV;
  }
  @inline get buf(): usize {
    return changetype<usize>(this) + OFF_BLOCK_BUF;
  }
  @inline get batch(): usize {
    return changetype<usize>(this) + OFF_BATCH;
  }
  @inline encryptBlock(src: usize, dst: usize): void {
    encryptBlock(changetype<usize>(this), src, dst);
  }
  @inline decryptBlock(src: usize, dst: usize): void {
    decryptBlock(changetype<usize>(this), src, dst);
  }
  @inline decryptBatch(): void {
    decryptBatch(changetype<usize>(this));
  }
}

export function cbcInit(ctx: usize, key: usize, keyLen: i32, iv: usize, decrypt: bool): i32 {
  if (roundsForKeyLength(keyLen) == 0) return Status.INVALID_KEY;
  setKey(ctx, key, keyLen);
  cbcStart<AesCbc>(ctx, iv, decrypt);
  return Status.OK;
}

// ---------------------------------------------------------------------------------------------
// Counter keystream, shared by CTR and GCM. OFF_POS counts keystream bytes used from the batch
// buffer; PARALLEL_BYTES means it is exhausted.

/** Writes the next PARALLEL_BLOCKS counter blocks into the batch buffer. */
function writeCounters(ctx: usize, inc32Only: bool): void {
  const counter = ctx + OFF_IV, batch = ctx + OFF_BATCH;
  let hi = bswap<u64>(load<u64>(counter)), lo = bswap<u64>(load<u64>(counter, 8));
  for (let k = 0; k < PARALLEL_BLOCKS; k++) {
    store<u64>(batch + <usize>k * 16, bswap<u64>(hi));
    store<u64>(batch + <usize>k * 16, bswap<u64>(lo), 8);
    if (inc32Only) {
      // inc32 (SP 800-38D, 6.2): only the low 32 bits count, modulo 2^32.
      lo = (lo & 0xffffffff00000000) | <u64>(<u32>lo + 1);
    } else {
      // The whole block is a 128-bit big-endian counter (as OpenSSL's CTR mode).
      lo += 1;
      hi += <u64>(lo == 0);
    }
  }
  store<u64>(counter, bswap<u64>(hi));
  store<u64>(counter, bswap<u64>(lo), 8);
}

function keystreamXor(ctx: usize, src: usize, len: i32, dst: usize, inc32Only: bool): void {
  const batch = ctx + OFF_BATCH;
  let pos = load<i32>(ctx + OFF_POS);
  while (len > 0) {
    if (pos == PARALLEL_BYTES) {
      writeCounters(ctx, inc32Only);
      encryptBatch(ctx);
      pos = 0;
    }
    const take = min(len, PARALLEL_BYTES - pos);
    xorBytes(dst, src, batch + <usize>pos, take);
    pos += take;
    src += take;
    dst += take;
    len -= take;
  }
  store<i32>(ctx + OFF_POS, pos);
}

// CTR (NIST SP 800-38A, 6.5).

export function ctrInit(ctx: usize, key: usize, keyLen: i32, iv: usize): i32 {
  if (roundsForKeyLength(keyLen) == 0) return Status.INVALID_KEY;
  setKey(ctx, key, keyLen);
  memory.copy(ctx + OFF_IV, iv, 16);
  store<i32>(ctx + OFF_POS, PARALLEL_BYTES);
  setPhase(ctx, Phase.CTR);
  return Status.OK;
}

export function ctrUpdate(ctx: usize, src: usize, len: i32, dst: usize): i32 {
  keystreamXor(ctx, src, len, dst, false);
  return len;
}

// ---------------------------------------------------------------------------------------------
// GCM (NIST SP 800-38D, 7.1 and 7.2).

/** Plaintext limit of SP 800-38D 5.2.1.1: 2^39 - 256 bits. */
const GCM_MAX_TEXT_BYTES: u64 = (<u64>1 << 36) - 32;
/** AAD limit: 2^64 - 1 bits. */
const GCM_MAX_AAD_BYTES: u64 = (<u64>1 << 61) - 1;

export function gcmInit(ctx: usize, key: usize, keyLen: i32, iv: usize, ivLen: i32, decrypt: bool): i32 {
  if (roundsForKeyLength(keyLen) == 0) return Status.INVALID_KEY;
  if (ivLen < 1) return Status.INVALID_ARGUMENT;
  setKey(ctx, key, keyLen);
  // H = E_K(0^128).
  const buf = ctx + OFF_BLOCK_BUF, counter = ctx + OFF_IV;
  memory.fill(buf, 0, 16);
  encryptBlock(ctx, buf, buf);
  ghashSetKey(ctx, buf);
  memory.fill(buf, 0, 16);
  // J0 (7.1 step 2): IV || 0^31 || 1 for 96-bit IVs, else GHASH(IV || 0^(s+64) || [len(IV)]64).
  if (ivLen == 12) {
    memory.copy(counter, iv, 12);
    store<u32>(counter + 12, bswap<u32>(1));
  } else {
    ghashUpdate(ctx, iv, ivLen);
    ghashLengths(ctx, 0, <u64>ivLen);
    ghashOutput(ctx, counter);
    ghashReset(ctx);
  }
  encryptBlock(ctx, counter, ctx + OFF_TAG_MASK);
  // The first counter block for data is inc32(J0).
  store<u32>(counter + 12, bswap<u32>(bswap<u32>(load<u32>(counter + 12)) + 1));
  store<u64>(ctx + OFF_AAD_LEN, 0);
  store<u64>(ctx + OFF_TEXT_LEN, 0);
  store<i32>(ctx + OFF_POS, PARALLEL_BYTES);
  setPhase(ctx, decrypt ? Phase.GCM_DECRYPT_AAD : Phase.GCM_ENCRYPT_AAD);
  return Status.OK;
}

export function gcmAad(ctx: usize, src: usize, len: i32): i32 {
  const p = phase(ctx);
  if (p != Phase.GCM_ENCRYPT_AAD && p != Phase.GCM_DECRYPT_AAD) return Status.INVALID_STATE;
  const total = load<u64>(ctx + OFF_AAD_LEN) + <u64>len;
  if (total > GCM_MAX_AAD_BYTES) return Status.INVALID_ARGUMENT;
  store<u64>(ctx + OFF_AAD_LEN, total);
  ghashUpdate(ctx, src, len);
  return Status.OK;
}

/**
 * Encrypts or decrypts len bytes. GHASH runs over the ciphertext: after the keystream when
 * encrypting, before it when decrypting. Decrypted output is unauthenticated until final.
 */
export function gcmUpdate(ctx: usize, src: usize, len: i32, dst: usize): i32 {
  const p = phase(ctx);
  const decrypt = p == Phase.GCM_DECRYPT_AAD || p == Phase.GCM_DECRYPT_TEXT;
  if (p == Phase.GCM_ENCRYPT_AAD || p == Phase.GCM_DECRYPT_AAD) {
    ghashPad(ctx);
    setPhase(ctx, decrypt ? Phase.GCM_DECRYPT_TEXT : Phase.GCM_ENCRYPT_TEXT);
  } else if (p != Phase.GCM_ENCRYPT_TEXT && p != Phase.GCM_DECRYPT_TEXT) {
    return Status.INVALID_STATE;
  }
  const total = load<u64>(ctx + OFF_TEXT_LEN) + <u64>len;
  if (total > GCM_MAX_TEXT_BYTES) return Status.INVALID_ARGUMENT;
  store<u64>(ctx + OFF_TEXT_LEN, total);
  const bytes = len;
  // Finish the keystream batch in progress, if any.
  const head = min(len, (PARALLEL_BYTES - load<i32>(ctx + OFF_POS)) % PARALLEL_BYTES);
  gcmCryptBytes(ctx, src, head, dst, decrypt);
  src += head;
  dst += head;
  len -= head;
  // Whole batches: the keystream is aligned, so is GHASH (no pending partial block). Each batch's
  // cipher runs interleaved with GHASH of ciphertext: the input batch itself when decrypting, the
  // previous output batch when encrypting.
  let unhashed: usize = 0;
  while (len >= PARALLEL_BYTES) {
    writeCounters(ctx, true);
    if (decrypt) encryptBatchWithGhash(ctx, src, PARALLEL_BLOCKS);
    else encryptBatchWithGhash(ctx, unhashed, unhashed != 0 ? PARALLEL_BLOCKS : 0);
    xorBytes(dst, src, ctx + OFF_BATCH, PARALLEL_BYTES);
    unhashed = dst;
    src += PARALLEL_BYTES;
    dst += PARALLEL_BYTES;
    len -= PARALLEL_BYTES;
  }
  if (!decrypt && unhashed != 0) ghashBlocks(ctx, unhashed, PARALLEL_BLOCKS);
  gcmCryptBytes(ctx, src, len, dst, decrypt);
  return bytes;
}

/** The plain path for a partial batch: keystream and GHASH over any number of bytes. */
function gcmCryptBytes(ctx: usize, src: usize, len: i32, dst: usize, decrypt: bool): void {
  if (decrypt) {
    ghashUpdate(ctx, src, len);
    keystreamXor(ctx, src, len, dst, true);
  } else {
    keystreamXor(ctx, src, len, dst, true);
    ghashUpdate(ctx, dst, len);
  }
}

/** T = MSB_t(GCTR(J0, S)) = MSB_t(E_K(J0) ^ S), S the GHASH with the length block (7.1 steps 5-6). */
function gcmComputeTag(ctx: usize, out: usize): void {
  ghashLengths(ctx, load<u64>(ctx + OFF_AAD_LEN), load<u64>(ctx + OFF_TEXT_LEN));
  ghashOutput(ctx, out);
  xorBytes(out, out, ctx + OFF_TAG_MASK, 16);
}

@inline function validTagLength(tagLen: i32): bool {
  return tagLen >= 12 && tagLen <= 16;
}

export function gcmEncryptFinal(ctx: usize, tagOut: usize, tagLen: i32): i32 {
  const p = phase(ctx);
  if (p != Phase.GCM_ENCRYPT_AAD && p != Phase.GCM_ENCRYPT_TEXT) return Status.INVALID_STATE;
  if (!validTagLength(tagLen)) return Status.INVALID_ARGUMENT;
  const full = ctx + OFF_BLOCK_BUF;
  gcmComputeTag(ctx, full);
  memory.copy(tagOut, full, tagLen);
  memory.fill(full, 0, 16);
  setPhase(ctx, Phase.NONE);
  return tagLen;
}

/** Compares the expected tag with all tagLen bytes examined whatever they hold. */
export function gcmDecryptFinal(ctx: usize, tag: usize, tagLen: i32): i32 {
  const p = phase(ctx);
  if (p != Phase.GCM_DECRYPT_AAD && p != Phase.GCM_DECRYPT_TEXT) return Status.INVALID_STATE;
  if (!validTagLength(tagLen)) return Status.INVALID_ARGUMENT;
  const full = ctx + OFF_BLOCK_BUF;
  gcmComputeTag(ctx, full);
  let diff: u32 = 0;
  for (let i = 0; i < tagLen; i++) diff |= <u32>(load<u8>(full + <usize>i) ^ load<u8>(tag + <usize>i));
  memory.fill(full, 0, 16);
  setPhase(ctx, Phase.NONE);
  return diff == 0 ? Status.OK : Status.AUTH_TAG_MISMATCH;
}
