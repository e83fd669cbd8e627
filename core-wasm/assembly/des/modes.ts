// Triple-DES in CBC mode (NIST SP 800-38A 6.2) with PKCS#7 padding to 8-byte blocks (RFC 5652
// 6.3), as in des-ede3-cbc S/MIME content encryption (RFC 3370 5.1): the block-size-generic layer
// of ../cbc.ts over the bitsliced TDEA. The key schedule is set for one direction (setKey), so
// one function encrypts or decrypts a block, whichever the stream does.
import { cbcStart } from "../cbc";
import { cryptBatch, cryptBlock, setKey } from "./cipher";
import { OFF_BATCH, OFF_BLOCK_BUF, OFF_IV, OFF_PHASE, OFF_POS, PARALLEL_BLOCKS } from "./layout";

/** The TDEA context as the CBC layer sees it (see ../cbc.ts). */
@final @unmanaged export class TdeaCbc {
  @inline get blockSize(): i32 {
    return 8;
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
    cryptBlock(changetype<usize>(this), src, dst);
  }
  @inline decryptBlock(src: usize, dst: usize): void {
    cryptBlock(changetype<usize>(this), src, dst);
  }
  @inline decryptBatch(): void {
    cryptBatch(changetype<usize>(this));
  }
}

export function cbcInit(ctx: usize, key: usize, iv: usize, decrypt: bool): void {
  setKey(ctx, key, decrypt);
  cbcStart<TdeaCbc>(ctx, iv, decrypt);
}
