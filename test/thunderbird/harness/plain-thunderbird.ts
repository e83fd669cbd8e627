// A real Thunderbird WITHOUT the mailseal add-on (a sender whose organisation deploys nothing of
// mailseal but its CA and the LDAP directory): the same profile as thunderbird.ts (one IMAP account
// on the test Dovecot, user.js.base), driven by the test-only compose driver (compose-driver/: a
// MailExtension of its own with no mailseal code) over the same kind of channel (channel.ts).
// `prepare` runs on the profile folder before Thunderbird starts (its NSS database: certutil,
// pk12util).
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeZip } from "../../../addin-thunderbird/scripts/zip.mjs";
import { startChannel, type TestChannel } from "./channel.js";
import { start, stop, type Started } from "./processes.js";
import { THUNDERBIRD_BINARY, userJs, type ThunderbirdAccount } from "./thunderbird.js";

/** browser_specific_settings.gecko.id of compose-driver/manifest.json. */
export const DRIVER_ID = "compose-driver@test.invalid";
const DRIVER_SOURCE = join(import.meta.dirname, "compose-driver");

export interface PlainThunderbird {
  /** The compose driver's channel: compose, composeState, send (compose-driver/background.js). */
  channel: TestChannel;
  profile: string;
  pid: number;
  /** Ends the process group (there is no add-on to ask for a clean quit) and removes the profile. */
  quit(): Promise<void>;
  output(): string;
}

export async function startPlainThunderbird(
  account: ThunderbirdAccount,
  prepare: (profile: string) => void,
): Promise<PlainThunderbird> {
  const scratch = mkdtempSync(join(tmpdir(), "mailseal-plain-thunderbird-"));
  const profile = join(scratch, "profile");
  const home = join(scratch, "home");
  mkdirSync(join(profile, "extensions"), { recursive: true });
  mkdirSync(home);
  const channel = await startChannel();
  // The driver learns the channel from a file packed with it (it has no Experiment to read a pref).
  const driver = join(scratch, "driver");
  cpSync(DRIVER_SOURCE, driver, { recursive: true });
  writeFileSync(join(driver, "channel.json"), JSON.stringify({ channel: channel.url }));
  writeZip(driver, join(profile, "extensions", `${DRIVER_ID}.xpi`));
  writeFileSync(join(profile, "user.js"), userJs(account));
  const cleanup = async (tb?: Started): Promise<void> => {
    if (tb !== undefined) await stop(tb);
    await channel.close();
    rmSync(scratch, { recursive: true, force: true });
  };
  try {
    prepare(profile);
  } catch (error) {
    await cleanup();
    throw error;
  }

  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    TMPDIR: scratch,
    MOZ_CRASHREPORTER_DISABLE: "1",
    MOZ_DISABLE_AUTO_SAFE_MODE: "1",
    ...(account.display === undefined ? { MOZ_HEADLESS: "1" } : { DISPLAY: account.display }),
  };
  const args = ["--no-remote", "--profile", profile];
  const tb = start(THUNDERBIRD_BINARY, account.display === undefined ? ["--headless", ...args] : args, { env });
  try {
    await Promise.race([
      channel.event((e) => e.type === "ready", 60_000),
      tb.exited.then((code) => {
        throw new Error(`thunderbird exited (${code}) before the compose driver was ready`);
      }),
    ]);
  } catch (error) {
    const output = tb.output();
    await cleanup(tb);
    throw new Error(`${(error as Error).message}\n--- thunderbird output ---\n${output.slice(-8000)}`, {
      cause: error,
    });
  }
  return {
    channel,
    profile,
    pid: tb.child.pid!,
    output: tb.output,
    quit: () => cleanup(tb),
  };
}
