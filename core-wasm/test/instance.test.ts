import { describe, expect, it } from "vitest";
import { engineHasSimd } from "../src/wasm/builds.js";
import { loadBuilds } from "./support/builds.js";

describe("core builds", () => {
  it("feature detection finds SIMD in Node's V8", () => {
    expect(engineHasSimd()).toBe(true);
  });

  it("each build reports the feature set it was compiled with", async () => {
    const builds = await loadBuilds();
    expect(builds.map((b) => [b.name, b.core.exports.build_has_simd()])).toEqual([
      ["simd", 1],
      ["baseline", 0],
    ]);
  });

  it("alloc wipes memory on free", async () => {
    const { core } = (await loadBuilds())[0]!;
    const ptr = core.alloc(new Uint8Array([1, 2, 3, 4]));
    expect(core.read(ptr, 4)).toEqual(new Uint8Array([1, 2, 3, 4]));
    core.free(ptr, 4);
    expect(core.read(ptr, 4)).toEqual(new Uint8Array(4));
  });
});
