import { defineConfig, type Plugin } from "vitest/config";
import { wasmModuleSource } from "./core-wasm/scripts/wasm-module.mjs";

/** Loads `*.wasm` imports as a Uint8Array, as the esbuild "binary" loader does for the bundles. */
function wasmBytes(): Plugin {
  return {
    name: "wasm-bytes",
    enforce: "pre",
    load(id) {
      return id.endsWith(".wasm") ? wasmModuleSource(id) : null;
    },
  };
}

export default defineConfig({
  plugins: [wasmBytes()],
  test: {
    include: ["**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/build/**", "**/dist/**"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
