// `mailseal server` through the built command (bin/mailseal.mjs and its bundle, whose server
// packages stay external): help, a bad option, and a start and clean stop on SIGINT.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, ensureBundle, mailseal } from "./support.js";

describe("mailseal server (bundle)", () => {
  let data: string;
  beforeAll(() => {
    ensureBundle();
    data = mkdtempSync(join(tmpdir(), "mailseal-cli-server-"));
  });
  afterAll(() => rmSync(data, { recursive: true, force: true }));

  it("prints its help", async () => {
    const result = await mailseal(["server", "--help"]);
    expect(result.status).toBe(0);
    expect(result.stdout.toString("utf8")).toMatch(/^usage: mailseal server \[--data DIR\]/);
    const main = await mailseal(["--help"]);
    expect(main.stdout.toString("utf8")).toContain("mailseal server [--data DIR]");
  });

  it("refuses a bad option with error USAGE and status 1", async () => {
    const result = await mailseal(["server", "--role", "kms"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe("error USAGE: --role kms is not one of api, share-a, share-b, ldap\n");
  });

  it("starts on free ports, answers, and exits 0 on SIGINT", async () => {
    const child = spawn(process.execPath, [BIN, "server", "--port", "0", "--data", data, "--dev"], { stdio: "pipe" });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    const urls: Record<string, string> = {};
    await new Promise<void>((resolve, reject) => {
      child.once("exit", (status) => reject(new Error(`exited with ${status}`)));
      createInterface({ input: child.stdout }).on("line", (line) => {
        const [role, url] = line.split(" ");
        urls[role!] = url!;
        if (Object.keys(urls).length === 4) resolve();
      });
    });
    expect(Object.keys(urls).sort()).toEqual(["api", "ldap", "share-a", "share-b"]);
    expect(urls["ldap"]).toMatch(/^ldap:\/\/127\.0\.0\.1:\d+$/);
    const wellKnown = await (await fetch(`${urls["api"]}/.well-known/mailseal.json`)).json();
    expect(wellKnown.shareStores).toEqual({ "share-a": urls["share-a"], "share-b": urls["share-b"] });
    const docs = await fetch(`${urls["api"]}/docs/`);
    expect(docs.status).toBe(200); // swagger-ui's static files are found outside the bundle
    child.kill("SIGINT");
    expect(await exited).toBe(0);
  });
});
