// Every Wycheproof handler of the core, for run.ts, the vitest suites and the browser vector worker.
import { handlers as aes } from "./aes.js";
import { handlers as chacha } from "./chacha.js";
import { handlers as dsa } from "./dsa.js";
import { handlers as ecdsa } from "./ecdsa.js";
import { handlers as eddsaXdh } from "./eddsa-xdh.js";
import { handlers as hash } from "./hash.js";
import { handlers as pq } from "./pq.js";
import { handlers as rsa } from "./rsa.js";
import type { VectorFileHandler } from "./types.js";

export const vectorHandlers: readonly VectorFileHandler[] = [
  ...aes,
  ...chacha,
  ...hash,
  ...rsa,
  ...dsa,
  ...ecdsa,
  ...eddsaXdh,
  ...pq,
];
