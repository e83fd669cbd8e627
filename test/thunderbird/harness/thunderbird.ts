// A real Thunderbird (153 ESR here; the add-in targets 128+), headless, with a fresh profile holding
// one IMAP account on the test Dovecot and our .xpi sideloaded, after
// /work/shared/notes/thunderbird-headless/README.md. Each instance has its own test channel
// (channel.ts): its URL reaches the add-in through the pref extensions.mailseal.test.channel.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startChannel, type TestChannel } from "./channel.js";
import { start, stop, type Started } from "./processes.js";

export const THUNDERBIRD_BINARY = "/usr/lib/thunderbird/thunderbird";
/** browser_specific_settings.gecko.id of addin-thunderbird/manifest.json: a sideloaded .xpi is named by it. */
export const ADDIN_ID = "thunderbird@mailseal.org";
/** The add-in's test flavour (addin-thunderbird/scripts/build.mjs): the release .xpi has no test channel. */
export const XPI_PATH = join(import.meta.dirname, "../../../addin-thunderbird/dist/mailseal-test.xpi");

export interface ThunderbirdAccount {
  /** The identity's address, e.g. bob@example.org. */
  address: string;
  fullName: string;
  /** IMAP login on the test Dovecot. */
  user: string;
  password: string;
  imapPort: number;
  smtpPort: number;
  /** Further prefs of the profile (e.g. extensions.mailseal.service). */
  prefs?: Record<string, string | number | boolean>;
  /**
   * The visual run: Thunderbird draws real windows on this X display (harness/xvfb.ts) instead of
   * running headless, so the test can take screenshots of what a person sees.
   */
  display?: string;
}

export interface TestThunderbird {
  channel: TestChannel;
  profile: string;
  pid: number;
  /** The WebExtension id of the IMAP account (account1). */
  accountId: string;
  /** Quits through the add-in (clean shutdown), else ends the process group; removes the profile. */
  quit(): Promise<void>;
  /** What Thunderbird printed (console of the add-in included): for failure messages. */
  output(): string;
}

function pref(name: string, value: string | number | boolean): string {
  return `user_pref(${JSON.stringify(name)}, ${JSON.stringify(value)});\n`;
}

export function userJs(account: ThunderbirdAccount, channelUrl?: string): string {
  const prefs: Record<string, string | number | boolean> = {
    "mail.accountmanager.accounts": "account1,account2",
    "mail.accountmanager.defaultaccount": "account1",
    "mail.accountmanager.localfoldersserver": "server2",
    "mail.account.account1.identities": "id1",
    "mail.account.account1.server": "server1",
    "mail.account.account2.server": "server2",
    "mail.server.server1.type": "imap",
    "mail.server.server1.hostname": "127.0.0.1",
    "mail.server.server1.port": account.imapPort,
    "mail.server.server1.userName": account.user,
    "mail.server.server1.name": account.address,
    "mail.server.server1.socketType": 0,
    "mail.server.server1.authMethod": 3,
    "mail.server.server1.directory-rel": "[ProfD]ImapMail/127.0.0.1",
    // No login before the add-in stored the password (testAddLogin): a prompt would hang headless.
    "mail.server.server1.login_at_startup": false,
    "mail.server.server1.check_new_mail": false,
    "mail.server.server1.offline_download": false,
    "mail.server.server1.autosync_offline_stores": false,
    "mail.server.server2.type": "none",
    "mail.server.server2.hostname": "Local Folders",
    "mail.server.server2.userName": "nobody",
    "mail.server.server2.name": "Local Folders",
    "mail.server.server2.directory-rel": "[ProfD]Mail/Local Folders",
    "mail.identity.id1.fullName": account.fullName,
    "mail.identity.id1.useremail": account.address,
    "mail.identity.id1.valid": true,
    "mail.identity.id1.smtpServer": "smtp1",
    "mail.smtpservers": "smtp1",
    "mail.smtp.defaultserver": "smtp1",
    "mail.smtpserver.smtp1.hostname": "127.0.0.1",
    "mail.smtpserver.smtp1.port": account.smtpPort,
    "mail.smtpserver.smtp1.authMethod": 1,
    "mail.smtpserver.smtp1.try_ssl": 0,
    // The add-in's test channel (addin-thunderbird/src/testing/): only test profiles set it (not
    // the profiles with no mailseal add-on, plain-thunderbird.ts).
    ...(channelUrl === undefined ? {} : { "extensions.mailseal.test.channel": channelUrl }),
    ...account.prefs,
  };
  const base = readFileSync(join(import.meta.dirname, "user.js.base"), "utf8");
  return (
    base +
    Object.entries(prefs)
      .map(([name, value]) => pref(name, value))
      .join("")
  );
}

/** Whether this machine can run the suite: the Thunderbird binary and Dovecot are installed. */
export function thunderbirdInstalled(): boolean {
  return existsSync(THUNDERBIRD_BINARY) && existsSync("/usr/sbin/dovecot");
}

export async function startThunderbird(account: ThunderbirdAccount): Promise<TestThunderbird> {
  if (!existsSync(XPI_PATH)) throw new Error(`${XPI_PATH} is missing: run \`npm run build:thunderbird\``);
  const scratch = mkdtempSync(join(tmpdir(), "mailseal-thunderbird-"));
  const profile = join(scratch, "profile");
  const home = join(scratch, "home");
  mkdirSync(join(profile, "extensions"), { recursive: true });
  mkdirSync(home);
  copyFileSync(XPI_PATH, join(profile, "extensions", `${ADDIN_ID}.xpi`));
  const channel = await startChannel();
  writeFileSync(join(profile, "user.js"), userJs(account, channel.url));

  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    TMPDIR: scratch,
    MOZ_CRASHREPORTER_DISABLE: "1",
    MOZ_DISABLE_AUTO_SAFE_MODE: "1",
    ...(account.display === undefined ? { MOZ_HEADLESS: "1" } : { DISPLAY: account.display }),
  };
  const args = ["--no-remote", "--profile", profile];
  const tb: Started = start(THUNDERBIRD_BINARY, account.display === undefined ? ["--headless", ...args] : args, {
    env,
  });
  const cleanup = async (): Promise<void> => {
    await stop(tb);
    await channel.close();
    rmSync(scratch, { recursive: true, force: true });
  };
  try {
    await Promise.race([
      channel.event((e) => e.type === "ready", 60_000),
      tb.exited.then((code) => {
        throw new Error(`thunderbird exited (${code}) before the add-in was ready:\n${tb.output()}`);
      }),
    ]);
    await channel.command("testAddLogin", {
      origin: "imap://127.0.0.1",
      username: account.user,
      password: account.password,
    });
    // The first sync logs in and discovers the folders; tests start on a settled inbox.
    await channel.command("testSyncInbox", { address: account.address });
  } catch (error) {
    const output = tb.output();
    await cleanup();
    throw new Error(`${(error as Error).message}\n--- thunderbird output ---\n${output.slice(-8000)}`, {
      cause: error,
    });
  }
  return {
    channel,
    profile,
    pid: tb.child.pid!,
    accountId: "account1",
    output: tb.output,
    async quit() {
      try {
        await channel.command("testQuit", {}, 5000);
        const timeout = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 5000).unref());
        await Promise.race([tb.exited, timeout]);
      } catch {
        // Not answering: stop() below ends it by PID.
      }
      await cleanup();
    },
  };
}
