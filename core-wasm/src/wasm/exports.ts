// Everything a full build of the core exports, as one type (each area declares its own part).
import type { AesExports } from "../aes/index.js";
import type { Base64Exports } from "../base64/index.js";
import type { ChaChaExports } from "../chacha/index.js";
import type { DesExports } from "../des/index.js";
import type { DsaExports } from "../dsa/index.js";
import type { HashExports } from "../hash/index.js";
import type { Rc2Exports } from "../rc2/index.js";
import type { RsaExports } from "../rsa/index.js";
import type { BaseExports } from "./instance.js";

export type CoreExports = BaseExports &
  AesExports &
  DesExports &
  ChaChaExports &
  Rc2Exports &
  HashExports &
  Base64Exports &
  RsaExports &
  DsaExports;
