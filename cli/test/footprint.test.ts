// What an offline command brings into its process besides its work: modules loaded at start (each
// costs start-up time on every run) and process-wide settings. Checked from inside the real command
// through a module preloaded with `node --import`, which reports at exit.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, ensureBundle } from "./support.js";

const dir = mkdtempSync(join(tmpdir(), "mailseal-footprint-"));
const path = (name: string): string => join(dir, name);

/** What the preloaded module saw when the command exited. */
interface Footprint {
  /** Node's built-in modules, as `process.moduleLoadList` names them ("NativeModule readline"). */
  builtins: string[];
  /** CommonJS files loaded (packages outside the bundle, such as OPAQUE's). */
  commonJs: string[];
}

const REPORTER = `
import { createRequire } from "node:module";
import { writeFileSync } from "node:fs";
const require = createRequire(import.meta.url);
process.on("exit", () => {
  writeFileSync(process.env.FOOTPRINT_OUT, JSON.stringify({
    builtins: process.moduleLoadList,
    commonJs: Object.keys(require.cache),
  }));
});
`;

function footprint(args: string[]): Footprint {
  const out = path("footprint.json");
  rmSync(out, { force: true });
  const result = spawnSync(process.execPath, ["--import", path("reporter.mjs"), BIN, ...args], {
    env: { ...process.env, FOOTPRINT_OUT: out, MAILSEAL_DEBUG: "" },
    encoding: "utf8",
  });
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  return JSON.parse(readFileSync(out, "utf8")) as Footprint;
}

beforeAll(() => {
  ensureBundle();
  writeFileSync(path("reporter.mjs"), REPORTER);
  execFileSync(
    "openssl",
    [
      ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", path("bob.key")],
      ...["-out", path("bob.pem"), "-subj", "/CN=bob@example.org", "-days", "30"],
    ],
    { stdio: "ignore" },
  );
  writeFileSync(
    path("message.eml"),
    "From: alice@example.org\r\nTo: bob@example.org\r\nSubject: hi\r\nMIME-Version: 1.0\r\n" +
      "Content-Type: text/plain\r\n\r\nHello.\r\n",
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("an offline command at start", () => {
  it("encrypt and decrypt load neither the service client (OPAQUE, fetch) nor the terminal prompt", () => {
    const encrypted = footprint(
      ["encrypt", "--recipient", path("bob.pem")].concat(["--in", path("message.eml"), "--out", path("sealed.eml")]),
    );
    const decrypted = footprint(
      ["decrypt", "--key", path("bob.key"), "--cert", path("bob.pem")].concat([
        "--in",
        path("sealed.eml"),
        "--out",
        path("opened.eml"),
      ]),
    );
    expect(readFileSync(path("opened.eml"), "utf8")).toBe("Content-Type: text/plain\r\n\r\nHello.\r\n");
    for (const run of [encrypted, decrypted]) {
      expect(run.commonJs.filter((file) => file.includes("@serenity-kit/opaque"))).toEqual([]);
      // undici is Node's fetch (the service client, or anything touching globalThis.fetch); node:readline
      // the prompt (Node's own fs/promises loads internal/readline/* for FileHandle.readLines).
      expect(run.builtins.filter((name) => /^NativeModule (internal\/deps\/undici|readline$)/.test(name))).toEqual([]);
    }
  });
});

describe("garbage collection", () => {
  it("encrypt and decrypt of a 3 MiB message leave every collection to V8 (none forced through gc())", () => {
    // V8 traces a collection asked for by gc() with the reason "testing"; its own carry "allocation
    // failure", "external memory pressure", "task" and the like.
    writeFileSync(
      path("large.eml"),
      "From: alice@example.org\r\nTo: bob@example.org\r\nSubject: large\r\nMIME-Version: 1.0\r\n" +
        "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
        `${randomBytes(3 << 20)
          .toString("base64")
          .replace(/.{76}/g, "$&\r\n")}\r\n`,
    );
    const traced = (args: string[]): string => {
      const result = spawnSync(process.execPath, ["--trace-gc", BIN, ...args], { encoding: "utf8" });
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      return result.stdout;
    };
    const encrypt = traced(
      ["encrypt", "--recipient", path("bob.pem"), "--in", path("large.eml")].concat(["--out", path("large.p7m")]),
    );
    const decrypt = traced(
      ["decrypt", "--key", path("bob.key"), "--cert", path("bob.pem")].concat([
        "--in",
        path("large.p7m"),
        "--out",
        path("large.opened"),
      ]),
    );
    const original = readFileSync(path("large.eml"), "latin1");
    expect(readFileSync(path("large.opened"), "latin1")).toBe(original.slice(original.indexOf("Content-Type")));
    for (const trace of [encrypt, decrypt]) {
      expect(trace).toMatch(/Scavenge|Mark-Compact/); // the trace is there
      expect(trace.split("\n").filter((line) => /\btesting\b/.test(line))).toEqual([]);
    }
  });
});

describe("the code cache of the offline commands", () => {
  it("is written by the first successful run, then used as it is; a failed run writes none", () => {
    // A private copy of the command (bin and dist side by side, as installed), so no other run of
    // the suite writes to the same cache folder meanwhile.
    const copy = path("installed");
    mkdirSync(join(copy, "bin"), { recursive: true });
    mkdirSync(join(copy, "dist"));
    cpSync(BIN, join(copy, "bin", "mailseal.mjs"));
    for (const file of ["offline.cjs", "mailseal.mjs"])
      cpSync(join(dirname(BIN), "..", "dist", file), join(copy, "dist", file));
    const run = (args: string[]): number | null =>
      spawnSync(process.execPath, [join(copy, "bin", "mailseal.mjs"), ...args], { stdio: "ignore" }).status;
    const cacheFiles = (): string[] => readdirSync(join(copy, "dist", "cache")).sort();
    const encrypt = [
      "encrypt",
      "--recipient",
      path("bob.pem"),
      "--in",
      path("message.eml"),
      "--out",
      path("cached.eml"),
    ];

    expect(run(encrypt)).toBe(0);
    const [written] = cacheFiles();
    expect(written).toMatch(/^encrypt-\d+-\d+\.v8$/);
    const before = statSync(join(copy, "dist", "cache", written!));
    // Accepted by V8: not rejected and written again (which a flag changed at run time would cause).
    expect(run(encrypt)).toBe(0);
    const after = statSync(join(copy, "dist", "cache", written!));
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    expect(run(["sign", "--no-such-option"])).toBe(1);
    expect(cacheFiles()).toEqual([written]);
  });
});
