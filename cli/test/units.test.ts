// The command's small pieces in process: how errors become exit statuses, and the progress bar.
import { CryptoError } from "@mailseal/core-wasm";
import { MailsealError } from "@mailseal/shared";
import { describe, expect, it } from "vitest";
import { describeError } from "../src/cli-error.js";
import { PROGRESS_INTERVAL_MS, PROGRESS_MIN_BYTES, ProgressBar } from "../src/io/progress.js";

describe("describeError", () => {
  it("coded errors are user errors: exit 1, `error CODE: message`", () => {
    expect(describeError(new MailsealError("NOT_SMIME", "text/plain"), false)).toEqual({
      line: "error NOT_SMIME: text/plain",
      status: 1,
    });
    expect(describeError(new CryptoError("INVALID_KEY", "bad"), false).line).toBe("error INVALID_KEY: bad");
    expect(describeError(new MailsealError("USAGE", "no"), false).status).toBe(1);
    const epipe = Object.assign(new Error("write EPIPE"), { code: "EPIPE", syscall: "write" });
    expect(describeError(epipe, false)).toEqual({ line: "error IO: write EPIPE", status: 1 });
  });

  it("maps by code: the offline commands print the aliases they promised, the online ones the catalogue's code", () => {
    const noKey = new MailsealError("NO_KEY", "no key opens it");
    const wrong = new MailsealError("PASSWORD_WRONG", "wrong password");
    expect(describeError(noKey, false, "decrypt")).toEqual({
      line: "error NO_MATCHING_RECIPIENT: no key opens it",
      status: 1,
    });
    expect(describeError(wrong, false, "sign").line).toBe("error WRONG_PASSWORD: wrong password");
    expect(describeError(noKey, false, "read").line).toBe("error NO_KEY: no key opens it");
    expect(describeError(wrong, false, "account").line).toBe("error PASSWORD_WRONG: wrong password");
    // A MailsealError from a second copy of the module (the server's chunk of the bundle) by shape.
    const copy = Object.assign(new Error("bad option"), { name: "MailsealError", code: "USAGE" });
    expect(describeError(copy, false, "server")).toEqual({ line: "error USAGE: bad option", status: 1 });
    // The server's start-up failures of the HSM or the CA are coded too (they were class names the
    // command did not know, so exit 2 as if a bug): exit 1 with their code.
    expect(describeError(new MailsealError("HSM_BAD_SPEC", "no such module"), false, "server")).toEqual({
      line: "error HSM_BAD_SPEC: no such module",
      status: 1,
    });
    // A class name alone is no longer trusted: a CryptoError's code must be a catalogue code.
    const odd = Object.assign(new Error("odd"), { name: "CryptoError", code: "NOPE" });
    expect(describeError(odd, false).status).toBe(2);
  });

  it("anything else is INTERNAL, exit 2, with the stack only in debug mode", () => {
    const bug = new TypeError("x is undefined");
    expect(describeError(bug, false)).toEqual({ line: "error INTERNAL: x is undefined", status: 2 });
    expect(describeError(bug, true).line).toContain("at ");
    // A code on an unknown class is not trusted as a user error.
    expect(describeError(Object.assign(new Error("odd"), { code: "NOT_SMIME" }), false).status).toBe(2);
  });
});

describe("ProgressBar", () => {
  const terminal = (isTTY: boolean) => {
    const writes: string[] = [];
    return { writes, isTTY, columns: 80, write: (text: string) => writes.push(text) };
  };

  it("draws on a terminal for large input, throttled, and clears itself", () => {
    const tty = terminal(true);
    let now = 0;
    const bar = new ProgressBar(tty, 100 * 1024 * 1024, () => now);
    for (let i = 0; i < 100; i++) {
      now += 10;
      bar.add(1024 * 1024);
    }
    // 1000 ms at one redraw per PROGRESS_INTERVAL_MS.
    expect(tty.writes.length).toBeLessThanOrEqual(1000 / PROGRESS_INTERVAL_MS + 1);
    const last = tty.writes.at(-1)!;
    expect(last.endsWith("\x1b[K")).toBe(true);
    expect(last.slice(0, -3)).toMatch(/^\r\[#+\.*\]\s+\d+%\s+[\d.]+\/100\.0 MiB\s+[\d.]+ MiB\/s$/);
    bar.clear();
    expect(tty.writes.at(-1)).toBe("\r\x1b[K");
  });

  it("stays silent when stderr is not a terminal or the input is small", () => {
    const pipe = terminal(false);
    new ProgressBar(pipe, 100 * 1024 * 1024).add(100 * 1024 * 1024);
    const tty = terminal(true);
    const small = new ProgressBar(tty, PROGRESS_MIN_BYTES);
    small.add(PROGRESS_MIN_BYTES);
    small.clear();
    expect([...pipe.writes, ...tty.writes]).toEqual([]);
  });

  it("with an unknown size (a pipe) it appears once the input has become large", () => {
    const tty = terminal(true);
    const bar = new ProgressBar(tty, undefined);
    bar.add(PROGRESS_MIN_BYTES);
    expect(tty.writes).toEqual([]);
    bar.add(1);
    expect(tty.writes[0]).toMatch(/^\r8\.0 MiB\s+[\d.]+ MiB\/s/);
  });
});
