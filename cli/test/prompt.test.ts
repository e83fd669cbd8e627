// The hidden password prompt on a real pseudo-terminal (util-linux `script` allocates it): the typed
// keys must not appear on the terminal, the password must be read as typed (editing keys applied,
// UTF-8 intact), and Ctrl-C or Ctrl-D must cancel instead of leaving the command waiting.
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const QUESTION = "key-protection password: ";

/** What the terminal showed before the fixture printed its result, and that result line. */
interface Session {
  screen: string;
  result: string;
}

/** Runs the fixture on a pseudo-terminal and types `keys` once the question shows. */
function typeAtPrompt(keys: string): Promise<Session> {
  const command = [
    process.execPath,
    ...["--import", "tsx", "--import", "./core-wasm/scripts/wasm-register.mjs"],
    "cli/test/fixtures/ask-password.ts",
  ]
    .map((word) => `'${word}'`)
    .join(" ");
  return new Promise((resolve, reject) => {
    // -q: no "Script started" lines; -e: the fixture's exit status; output to /dev/null, not a file.
    const child = spawn("script", ["-qec", command, "/dev/null"], { cwd: root, stdio: ["pipe", "pipe", "pipe"] });
    let text = "";
    let typed = false;
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`no result within 30 s; the terminal showed ${JSON.stringify(text)}`));
    }, 30_000);
    child.stdout.setEncoding("utf8").on("data", (data: string) => {
      text += data;
      if (!typed && text.includes(QUESTION)) {
        typed = true;
        child.stdin.write(keys);
      }
      const match = /(ANSWER|ERROR) [^\r\n]*/.exec(text);
      if (match !== null) {
        clearTimeout(timer);
        child.stdin.end();
        resolve({ screen: text.slice(0, match.index), result: match[0] });
      }
    });
    child.on("error", reject);
  });
}

describe("the hidden password prompt, on a pseudo-terminal", () => {
  it("reads what is typed without echoing it", async () => {
    const { screen, result } = await typeAtPrompt("correct horse\r");
    expect(result).toBe('ANSWER "correct horse"');
    expect(screen).not.toContain("correct");
    expect(screen).not.toContain("*");
    expect(screen.split(QUESTION).length - 1).toBe(1);
  }, 40_000);

  it("applies Backspace (a whole UTF-8 character), Delete and Ctrl-U, and keeps UTF-8 intact", async () => {
    // "wrong", cleared by Ctrl-U; "pässx", Backspace; "wörtö", two Deletes (the first takes both
    // bytes of "ö"); "er".
    const { screen, result } = await typeAtPrompt("wrong\x15pässx\x08wörtö\x7f\x7fer\r");
    expect(result).toBe('ANSWER "pässwörer"');
    expect(screen).not.toMatch(/wrong|päss|wör/);
    expect(screen.split(QUESTION).length - 1).toBe(1);
  }, 40_000);

  it("ignores arrow keys and other escape sequences", async () => {
    const { result } = await typeAtPrompt("ab\x1b[Dc\x1bOA\r");
    expect(result).toBe('ANSWER "abc"');
  }, 40_000);

  it("Ctrl-C cancels", async () => {
    const { screen, result } = await typeAtPrompt("secret\x03");
    expect(result).toBe("ERROR cancelled");
    expect(screen).not.toContain("secret");
  }, 40_000);

  it("Ctrl-D on an empty line cancels instead of waiting for ever", async () => {
    const { result } = await typeAtPrompt("\x04");
    expect(result).toBe("ERROR cancelled");
  }, 40_000);
});
