// The read time limit of the display path: a read that never settles becomes a TIMEOUT failure, one
// that settles in time is passed through unchanged (value or error), and no timer is left behind.
import { describe, expect, it } from "vitest";
import { MailsealError } from "@mailseal/shared";
import { withinTimeLimit } from "../src/reader/time-limit.js";

describe("withinTimeLimit", () => {
  it("rejects a read that never settles with code TIMEOUT once the limit has passed", async () => {
    const started = Date.now();
    const error = await withinTimeLimit(new Promise<never>(() => {}), 50).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailsealError);
    expect((error as MailsealError).code).toBe("TIMEOUT");
    expect((error as Error).message).toMatch(/did not finish within 0 s/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  it("passes a read that settles in time through, value or error", async () => {
    await expect(withinTimeLimit(Promise.resolve("model"), 1000)).resolves.toBe("model");
    const failure = new Error("stream broke");
    await expect(withinTimeLimit(Promise.reject(failure), 1000)).rejects.toBe(failure);
  });

  it("leaves no timer running after the read settled", async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    await withinTimeLimit(Promise.resolve(1), 60_000);
    expect(process.getActiveResourcesInfo().filter((r) => r === "Timeout").length).toBe(before);
  });
});
