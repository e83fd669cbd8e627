// A real SMTP server process for tests (test/support/smtp-receiver.py, Python 3.11 smtpd).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

export interface ReceivedMail {
  from: string;
  to: string[];
  /** The message as received in DATA (CRLF line ends). */
  data: Buffer;
}

export interface TestSmtp {
  url: string;
  /** The folder holding each mail as N.eml: an outbox `mailseal account add --outbox` can watch. */
  dir: string;
  /** The mails received so far, in order. */
  received(): ReceivedMail[];
  /** Waits until `count` mails have arrived (or throws after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  stop(): Promise<void>;
}

export interface SmtpOptions {
  /**
   * Also deliver each mail into `maildirs/<local part>/new/` of every recipient whose Maildir exists
   * there (a Dovecot maildir root, see test/thunderbird/harness/dovecot.ts).
   */
  maildirs?: string;
}

export async function startSmtp(options: SmtpOptions = {}): Promise<TestSmtp> {
  const dir = mkdtempSync(join(tmpdir(), "mailseal-smtp-"));
  const args = [join(import.meta.dirname, "smtp-receiver.py"), dir];
  if (options.maildirs !== undefined) args.push(options.maildirs);
  const child = spawn("python3", args, {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`smtp-receiver.py exited with ${code}`)));
    createInterface({ input: child.stdout }).once("line", (line) => {
      const match = /^port (\d+)$/.exec(line);
      if (match === null) reject(new Error(`smtp-receiver.py said ${line}`));
      else resolve(Number(match[1]));
    });
  });
  const received = () => {
    const mails: ReceivedMail[] = [];
    for (let n = 1; existsSync(join(dir, `${n}.json`)); n++) {
      const envelope = JSON.parse(readFileSync(join(dir, `${n}.json`), "utf8")) as { from: string; to: string[] };
      mails.push({ ...envelope, data: readFileSync(join(dir, `${n}.eml`)) });
    }
    return mails;
  };
  return {
    url: `smtp://127.0.0.1:${port}`,
    dir,
    received,
    async waitFor(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const mails = received();
        if (mails.length >= count) return mails;
        if (Date.now() > deadline) throw new Error(`${mails.length} of ${count} mails arrived`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
