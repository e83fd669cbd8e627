// Outgoing mail: the outbox writes whole RFC 5322 files atomically, SMTP delivers to a real SMTP
// server process. The messages are parsed by Python's email package, an independent reader.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, watch, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { manualClock } from "@mailseal/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSmtp, type TestSmtp } from "../../test/support/smtp.js";
import { noticeMail, outboxMailer, smtpMailer, type OutgoingMail } from "../src/mail/index.js";

interface Parsed {
  headers: Record<string, string>;
  body: string;
  defects: string[];
}

/** Parses messages with Python's email package (policy=default: RFC 5322/6532). */
function pythonParse(messages: Buffer[]): Parsed[] {
  const script = `
import email, email.policy, json, sys
out = []
for path in sys.argv[1:]:
    m = email.message_from_binary_file(open(path, "rb"), policy=email.policy.default)
    out.append({"headers": {k: str(v) for k, v in m.items()}, "body": m.get_content(),
                "defects": [type(d).__name__ for d in m.defects]})
print(json.dumps(out))`;
  const dir = mkdtempSync(join(tmpdir(), "mailseal-parse-"));
  try {
    const paths = messages.map((bytes, i) => {
      writeFileSync(join(dir, `${i}.eml`), bytes);
      return join(dir, `${i}.eml`);
    });
    return JSON.parse(execFileSync("python3", ["-c", script, ...paths], { encoding: "utf8" })) as Parsed[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const challenge: OutgoingMail = {
  to: "alice@example.org",
  subject: "Your mailseal code: ABCDE-FGHJK",
  text: "Enter ABCDE-FGHJK on your device.\n\nIf you did not ask for this, ignore this mail.\n",
  headers: {
    "Auto-Submitted": "auto-generated; type=mailseal-challenge",
    "Mailseal-Challenge": "v=1; id=c1; token=dG9rZW4; api=http://127.0.0.1:7400",
  },
};

describe("outboxMailer", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "mailseal-outbox-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes a parseable RFC 5322 file named by the clock's time", async () => {
    const outbox = join(dir, "one");
    const clock = manualClock(new Date("2031-05-06T07:08:09.010Z"));
    await outboxMailer(outbox, "mailseal@example.org", { clock }).send(challenge);
    const files = readdirSync(outbox);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^2031-05-06T07-08-09\.010Z-[0-9a-f]{16}\.eml$/);
    const bytes = readFileSync(join(outbox, files[0]!));
    // Every line ends in CRLF (RFC 5322 section 2.1).
    expect(bytes.toString("latin1").replace(/\r\n/g, "")).not.toMatch(/[\r\n]/);
    const [parsed] = pythonParse([bytes]);
    expect(parsed!.defects).toEqual([]);
    // A display name people recognise (issue 14, finding 7); the address is the configured one.
    expect(parsed!.headers["From"]).toBe("mailseal <mailseal@example.org>");
    expect(parsed!.headers["To"]).toBe("alice@example.org");
    expect(parsed!.headers["Subject"]).toBe(challenge.subject);
    expect(parsed!.headers["Auto-Submitted"]).toBe("auto-generated; type=mailseal-challenge");
    expect(parsed!.headers["Mailseal-Challenge"]).toBe(challenge.headers!["Mailseal-Challenge"]);
    expect(new Date(parsed!.headers["Date"]!).toISOString()).toBe("2031-05-06T07:08:09.000Z");
    expect(parsed!.headers["Message-ID"]).toMatch(/^<.+@.+>$/);
    expect(parsed!.body).toBe(challenge.text);
  });

  it("never shows a partial file, however many mails are written at once", async () => {
    const outbox = join(dir, "many");
    const mailer = outboxMailer(outbox, "mailseal@example.org");
    await mailer.send(challenge); // creates the directory for the watcher
    const partial: string[] = [];
    const watcher = watch(outbox, (_event, name) => {
      if (name === null || !name.endsWith(".eml")) return;
      try {
        const text = readFileSync(join(outbox, name), "utf8");
        if (!text.includes("ignore this mail.")) partial.push(name);
      } catch {
        // renamed or gone meanwhile: not a partial read
      }
    });
    // A body large enough to take more than one write() of the kernel's page cache.
    const big = { ...challenge, text: `${"x".repeat(76)}\n`.repeat(4_000) + challenge.text };
    await Promise.all(Array.from({ length: 8 }, () => mailer.send(big)));
    watcher.close();
    expect(partial).toEqual([]);
    const files = readdirSync(outbox);
    expect(files.filter((name) => name.endsWith(".eml"))).toHaveLength(9);
    expect(files.filter((name) => !name.endsWith(".eml"))).toEqual([]);
  });

  it("fails cleanly when the outbox cannot be written, leaving nothing behind", async () => {
    const blocked = join(dir, "blocked");
    writeFileSync(blocked, "a file where the directory should be");
    await expect(outboxMailer(blocked, "mailseal@example.org").send(challenge)).rejects.toThrow(/EEXIST|ENOTDIR/);
    expect(existsSync(blocked)).toBe(true);
  });
});

describe("smtpMailer", () => {
  let smtp: TestSmtp;
  beforeAll(async () => {
    smtp = await startSmtp();
  });
  afterAll(() => smtp?.stop());

  it("delivers to a real SMTP server with the right envelope", async () => {
    const mailer = smtpMailer(smtp.url, "mailseal@example.org");
    try {
      await mailer.send(challenge);
      await mailer.send(noticeMail("bob@example.net", "Your key was released", "Device X.\n"));
    } finally {
      mailer.close();
    }
    const mails = await smtp.waitFor(2);
    expect(mails.map((mail) => [mail.from, mail.to])).toEqual([
      ["mailseal@example.org", ["alice@example.org"]],
      ["mailseal@example.org", ["bob@example.net"]],
    ]);
    const [first, second] = pythonParse(mails.map((mail) => mail.data));
    expect(first!.headers["Mailseal-Challenge"]).toBe(challenge.headers!["Mailseal-Challenge"]);
    // smtpd keeps DATA without the CRLF before the final "." (RFC 5321 section 4.1.1.4).
    expect(`${first!.body}\n`).toBe(challenge.text);
    // A notice is recognisable as the service's: prefix, display name, RFC 3834 section 5 field.
    expect(second!.headers["Subject"]).toBe("[mailseal] Your key was released");
    expect(second!.headers["From"]).toBe("mailseal <mailseal@example.org>");
    expect(second!.headers["Auto-Submitted"]).toBe("auto-generated");
    expect(first!.headers["Auto-Submitted"]).toBe("auto-generated; type=mailseal-challenge");
  });

  it("rejects when no SMTP server answers", async () => {
    const mailer = smtpMailer("smtp://127.0.0.1:1", "mailseal@example.org");
    await expect(mailer.send(challenge)).rejects.toThrow(/ECONNREFUSED/);
    mailer.close();
  });
});
