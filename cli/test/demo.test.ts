// `npm run demo` (the crypto core in a worker, end to end) and `npm start` (the local system: api and
// both share stores with the embedded defaults) are the README's first commands: they must keep working.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");

/** An npm script's command line without its build step (the suite has built already). */
function script(name: string): string {
  const line = JSON.parse(execFileSync("npm", ["pkg", "get", `scripts.${name}`], { cwd: root }).toString()) as string;
  return line.replace(/^npm run build && /, "");
}

describe("the README's commands", () => {
  it("npm run demo runs the core in a worker end to end", () => {
    const output = execFileSync("sh", ["-c", script("demo")], { cwd: root, encoding: "utf8" });
    expect(output).toContain("unwrapped in the core: match");
    expect(output).toContain("round trip ok");
  }, 60_000);

  it("npm start runs the local system, prints its URLs and stops cleanly on Ctrl-C", async () => {
    const data = mkdtempSync(join(tmpdir(), "mailseal-start-"));
    try {
      // The same command line with a free port and a temporary data folder appended (npm start -- ...).
      const child = spawn("sh", ["-c", `exec ${script("start")} --port 0 --data ${data}`], { cwd: root });
      const exited = new Promise((resolve) => child.once("exit", resolve));
      const urls: Record<string, string> = {};
      await new Promise<void>((resolve, reject) => {
        child.once("exit", (status) => reject(new Error(`npm start exited with ${status}`)));
        createInterface({ input: child.stdout }).on("line", (line) => {
          const [role, url] = line.split(" ");
          if (role !== undefined && url !== undefined) urls[role] = url;
          if (Object.keys(urls).length === 3) resolve();
        });
      });
      const wellKnown = (await (await fetch(`${urls["api"]}/.well-known/mailseal.json`)).json()) as {
        shareStores: Record<string, string>;
      };
      expect(wellKnown.shareStores).toEqual({ "share-a": urls["share-a"], "share-b": urls["share-b"] });
      child.kill("SIGINT");
      expect(await exited).toBe(0);
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  }, 60_000);
});
