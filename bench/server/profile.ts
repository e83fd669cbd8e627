// Reads a V8 .cpuprofile (node --cpu-prof) and sums self time per function: where the server's CPU
// went under load, for the README's explanation of a missed target.
import { readFileSync } from "node:fs";
import type { ProfileEntry } from "./report.js";

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

/** The `limit` functions with the most self time, and the profile's total sampled time in ms. */
export function topSelfTime(file: string, limit = 20): { samplesMs: number; top: ProfileEntry[] } {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id);
    const delta = profile.timeDeltas[i] ?? 0;
    total += delta;
    if (frame === undefined) return;
    // node_modules/<package>/... or the bundle's chunk: short enough to read, exact enough to find.
    const where = frame.url.replace(/^.*node_modules\//, "").replace(/^.*\/(cli\/dist\/)/, "$1");
    const key = `${frame.functionName || "(anonymous)"}\u0000${where}${where === "" ? "" : `:${frame.lineNumber + 1}`}`;
    self.set(key, (self.get(key) ?? 0) + delta);
  });
  const top = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([key, micros]) => {
      const [fn = "", where = ""] = key.split("\u0000");
      return { function: fn, where, selfPercent: (100 * micros) / Math.max(total, 1) };
    });
  return { samplesMs: total / 1000, top };
}
