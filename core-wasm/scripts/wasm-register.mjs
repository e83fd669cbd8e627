// `node --import tsx --import ./core-wasm/scripts/wasm-register.mjs script.ts`: lets scripts import
// the core's .wasm builds as bytes, the way the bundles and the tests do.
import { register } from "node:module";

register("./wasm-module.mjs", import.meta.url);
