// RC2 in CBC mode with PKCS#7 padding (RFC 3370 5.2, RFC 5652 6.3): the block-size-generic layer of
// ../cbc.ts over the RC2 block functions. One block per pass (parallelBlocks = 1).
import { cbcStart } from "../cbc";
import { decryptBlock, encryptBlock, expandKey } from "./cipher";
import { OFF_BATCH, OFF_BLOCK_BUF, OFF_IV, OFF_PHASE, OFF_POS } from "./layout";

/** The RC2 context as the CBC layer sees it (see ../cbc.ts). */
@final @unmanaged export class Rc2Cbc {
  @inline get blockSize(): i32 {
    return 8;
  }
  @inline get parallelBlocks(): i32 {
    return 1;
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
    const batch = changetype<usize>(this) + OFF_BATCH;
    decryptBlock(changetype<usize>(this), batch, batch);
  }
}

/** Decryption only: mailseal never writes RC2. */
export function cbcDecryptInit(ctx: usize, key: usize, keyLen: i32, bits: i32, iv: usize): void {
  expandKey(ctx, key, keyLen, bits);
  cbcStart<Rc2Cbc>(ctx, iv, true);
}
