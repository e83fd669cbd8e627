// PKCS#7 padding removal (RFC 5652 6.3) for the CBC modes of every block cipher of the core.
import { Status } from "./status";

/**
 * Checks the padding of the decrypted last block in constant time and copies the plaintext part to
 * `dst`: every byte of the block is examined whatever the padding value, every check is folded into
 * one mask, and only the verdict is branched on. Wipes the block. Returns the plaintext length, or
 * DECRYPTION_FAILED (nothing written) for a bad padding, which is also what a wrong key gives.
 * `blockSize` is a public power of two (16 for AES, 8 for DES).
 */
export function pkcs7Unpad(block: usize, blockSize: i32, dst: usize): i32 {
  const pad = <u32>load<u8>(block + <usize>(blockSize - 1));
  // Nonzero unless 1 <= pad <= blockSize.
  let bad = (pad - 1) >> <u32>ctz(blockSize);
  for (let i = 0; i < blockSize; i++) {
    // All ones when byte i lies in the padding, i.e. i >= blockSize - pad.
    const inPadding = ~((i - blockSize + <i32>pad) >> 31);
    bad |= <u32>inPadding & (<u32>load<u8>(block + <usize>i) ^ pad);
  }
  if (bad != 0) {
    memory.fill(block, 0, blockSize);
    return Status.DECRYPTION_FAILED;
  }
  const plainLen = blockSize - <i32>pad;
  memory.copy(dst, block, plainLen);
  memory.fill(block, 0, blockSize);
  return plainLen;
}
