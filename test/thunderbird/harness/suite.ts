// What the Thunderbird suites set up and tear down alike: the services (Dovecot with the suite's
// users, the test SMTP server delivering into its Maildirs, the real mailseal server mailing through
// it), a profile of one of those users with the add-in, a profile's current key as PEM files for
// openssl, and the teardown that leaves no process or folder behind even when a step of it fails.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { releaseAll } from "../../interop/peers/run.js";
import { startSmtp, type TestSmtp } from "../../support/smtp.js";
import { startDovecot, type TestDovecot } from "./dovecot.js";
import { startMailsealServer, stopMailsealServer, type MailsealServer } from "./mailseal-server.js";
import { pem } from "./messages.js";
import { killAll } from "./processes.js";
import { startThunderbird, thunderbirdInstalled, type TestThunderbird } from "./thunderbird.js";

/**
 * Whether the suite can run: Thunderbird and Dovecot are installed (as root, by
 * scripts/ensure-system-deps.sh when they are not). When not, says loudly that `suite` is skipped.
 */
export function thunderbirdSuiteCanRun(suite: string): boolean {
  if (!thunderbirdInstalled() && process.getuid?.() === 0) {
    execFileSync("bash", [join(import.meta.dirname, "../../../scripts/ensure-system-deps.sh")], { stdio: "inherit" });
  }
  const installed = thunderbirdInstalled();
  if (!installed) console.warn(`\n!!! SKIPPING ${suite}: Thunderbird or Dovecot is not installed !!!\n`);
  return installed;
}

/** A user's IMAP password on the suites' Dovecot. */
export const imapPassword = (user: string): string => `${user}-imap-password`;

export interface Services {
  /** The suite's scratch folder (the server's data in `server/`); stopSuite removes it. */
  data: string;
  dovecot: TestDovecot;
  smtp: TestSmtp;
  server: MailsealServer;
}

/**
 * Dovecot with an INBOX for each of `users` (password imapPassword(user)), the SMTP server
 * delivering into it and `mailseal server` (on `port`, + 1, + 2, + 3 when given: see freePortRun)
 * with its data in a new scratch folder `mailseal-<name>-*`. What started is stopped again if a
 * later part fails.
 */
export async function startServices(name: string, users: readonly string[], port = 0): Promise<Services> {
  const data = mkdtempSync(join(tmpdir(), `mailseal-${name}-`));
  let dovecot: TestDovecot | undefined;
  let smtp: TestSmtp | undefined;
  try {
    dovecot = await startDovecot(users.map((user) => ({ name: user, password: imapPassword(user) })));
    smtp = await startSmtp({ maildirs: dovecot.maildirs });
    const server = await startMailsealServer(join(data, "server"), smtp.url, {}, port);
    return { data, dovecot, smtp, server };
  } catch (error) {
    await stopSuite({ thunderbirds: [], smtp, dovecot, data });
    throw error;
  }
}

/**
 * A Thunderbird with the add-in for `user` ("alice": IMAP login alice on `mail.dovecot`, "Alice
 * Example" <address>), sending through `mail.smtp`, its add-in using the services at `api`.
 */
export function startProfile(
  mail: { dovecot: TestDovecot; smtp: TestSmtp },
  user: string,
  address: string,
  api: string,
  options: { prefs?: Record<string, string | number | boolean>; display?: string } = {},
): Promise<TestThunderbird> {
  return startThunderbird({
    ...(options.display === undefined ? {} : { display: options.display }),
    address,
    fullName: `${user.charAt(0).toUpperCase()}${user.slice(1)} Example`,
    user,
    password: imapPassword(user),
    imapPort: mail.dovecot.port,
    smtpPort: Number(new URL(mail.smtp.url).port),
    prefs: { "extensions.mailseal.service": api, ...options.prefs },
  });
}

/**
 * The current key of `address` in `thunderbird`'s add-in (its key history, testExportKeys) as PEM
 * files `<dir>/<name>.key` and `<dir>/<name>.crt`, as the openssl helpers take them.
 */
export async function currentKeyFiles(
  thunderbird: TestThunderbird,
  address: string,
  dir: string,
  name: string,
): Promise<{ keyPath: string; certPath: string }> {
  const keys = await thunderbird.channel.command<{ certificate: string; pkcs8: string; status: string }[]>(
    "testExportKeys",
    { address },
  );
  const current = keys.find((k) => k.status === "current")!;
  const keyPath = join(dir, `${name}.key`);
  const certPath = join(dir, `${name}.crt`);
  writeFileSync(keyPath, pem("PRIVATE KEY", Buffer.from(current.pkcs8, "base64url")));
  writeFileSync(certPath, pem("CERTIFICATE", Buffer.from(current.certificate, "base64url")));
  return { keyPath, certPath };
}

export interface SuiteParts {
  /** Quit first, together (what they printed goes to the console first with MAILSEAL_TB_DEBUG set). */
  thunderbirds: readonly ({ quit(): Promise<void>; output(): string } | undefined)[];
  /** What else the suite started (X displays, browsers, doubles): stopped after the Thunderbirds. */
  others?: () => Promise<unknown>;
  server?: MailsealServer | undefined;
  smtp?: TestSmtp | undefined;
  dovecot?: TestDovecot | undefined;
  /** The suite's scratch folder, removed last. */
  data?: string | undefined;
}

/**
 * The suites' afterAll: the Thunderbirds, the others, the mailseal server, SMTP and Dovecot stop in
 * that order (any of them may be undefined: beforeAll failed before it); then, whatever failed,
 * every process the harness started ends (killAll), the openssl helpers' temporary folders go
 * (releaseAll) and the scratch folder is removed.
 */
export async function stopSuite(parts: SuiteParts): Promise<void> {
  try {
    if (process.env.MAILSEAL_TB_DEBUG) for (const tb of parts.thunderbirds) console.log(tb?.output());
    await Promise.all(parts.thunderbirds.map((tb) => tb?.quit()));
    await parts.others?.();
    await stopMailsealServer(parts.server);
    await parts.smtp?.stop();
    await parts.dovecot?.stop();
  } finally {
    killAll();
    releaseAll();
    if (parts.data !== undefined) rmSync(parts.data, { recursive: true, force: true });
  }
}
