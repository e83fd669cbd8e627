// The offline commands alone (encrypt, decrypt, sign, verify), for bin/mailseal.mjs: built as one
// CommonJS script (dist/offline.cjs) that the bin compiles with a V8 code cache, which an ES module
// cannot have on Node 20. Nothing here is loaded lazily, so the script needs no dynamic import.
import { decryptCommand } from "./commands/decrypt.js";
import { encryptCommand } from "./commands/encrypt.js";
import { signCommand } from "./commands/sign.js";
import { verifyCommand } from "./commands/verify.js";
import { runCommandLine } from "./command-line.js";

void runCommandLine({
  encrypt: async () => encryptCommand,
  decrypt: async () => decryptCommand,
  sign: async () => signCommand,
  verify: async () => verifyCommand,
});
