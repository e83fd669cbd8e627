// `npm start` runs the demo (README's first command): it must keep working.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");

describe("the npm start demo", () => {
  it("runs the core in a worker end to end", () => {
    // The start script without its build step (the suite has built already).
    const script = (
      JSON.parse(execFileSync("npm", ["pkg", "get", "scripts.start"], { cwd: root }).toString()) as string
    ).replace(/^npm run build && /, "");
    const output = execFileSync("sh", ["-c", script], { cwd: root, encoding: "utf8" });
    expect(output).toContain("unwrapped in the core: match");
    expect(output).toContain("round trip ok");
  }, 60_000);
});
