// What the online commands share: the home folder (--home, else MAILSEAL_HOME, else ~/.mailseal),
// the clock (shifted by MAILSEAL_CLOCK_OFFSET milliseconds, for tests and drills), Node's fetch,
// and the key-protection password (--password-file, else MAILSEAL_PASSWORD, else a prompt on the
// terminal when there is one).
import { homedir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { systemClock, type Clock, type Host, type PasswordSource, MailsealError } from "@mailseal/shared";
import { passwordFromFile } from "../keys.js";
import { readHiddenLine } from "./hidden-input.js";
import { FileStateStore } from "./state-store.js";

export function homeFolder(option: string | undefined, environment = process.env): string {
  if (option !== undefined && option !== "") return option;
  const fromEnvironment = environment["MAILSEAL_HOME"];
  if (fromEnvironment !== undefined && fromEnvironment !== "") return fromEnvironment;
  return join(homedir(), ".mailseal");
}

/** The clock of the command: the system time plus MAILSEAL_CLOCK_OFFSET (whole milliseconds, may be negative). */
export function commandClock(environment = process.env): Clock {
  const text = environment["MAILSEAL_CLOCK_OFFSET"];
  if (text === undefined || text.trim() === "") return systemClock();
  if (!/^-?\d+$/.test(text.trim())) {
    throw new MailsealError(
      "USAGE",
      `MAILSEAL_CLOCK_OFFSET must be a whole number of milliseconds, not ${JSON.stringify(text)}`,
    );
  }
  return systemClock(Number(text.trim()));
}

export function commandHost(home: string | undefined): Host & { store: FileStateStore } {
  return {
    fetch: (input, init) => globalThis.fetch(input, init),
    clock: commandClock(),
    store: new FileStateStore(homeFolder(home)),
  };
}

/** Asks on the terminal; with `hidden`, typed characters are not echoed (a password). */
export function ask(question: string, hidden: boolean): Promise<string> {
  if (hidden) return readHiddenLine(question);
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    rl.question(question, (answer) => {
      rl.close();
      resolve(answer);
    });
    rl.on("SIGINT", () => {
      rl.close();
      reject(new MailsealError("USAGE", "cancelled"));
    });
  });
}

/** Whether a question can be asked: standard input is a terminal and does not carry the message. */
export function canAsk(stdinCarriesInput = false): boolean {
  return process.stdin.isTTY === true && !stdinCarriesInput;
}

/**
 * The key-protection password source: --password-file, else MAILSEAL_PASSWORD, else (only when
 * a protected key must be released) a hidden prompt when one can be asked. Undefined otherwise:
 * the flows then fail with PASSWORD_REQUIRED.
 */
export function passwordSource(
  file: string | undefined,
  options: { stdinCarriesInput?: boolean } = {},
  environment = process.env,
): PasswordSource {
  let cached: string | undefined;
  return async (required) => {
    if (cached !== undefined) return cached;
    if (file !== undefined) cached = await passwordFromFile(file);
    else if (environment["MAILSEAL_PASSWORD"] !== undefined && environment["MAILSEAL_PASSWORD"] !== "")
      cached = environment["MAILSEAL_PASSWORD"];
    else if (required && canAsk(options.stdinCarriesInput)) cached = await ask("key-protection password: ", true);
    return cached;
  };
}
