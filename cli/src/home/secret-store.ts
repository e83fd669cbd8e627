// Where the key that encrypts a home's files is kept (issue 12, finding 7): the operating system's
// secret store, when this session reaches one. On Linux and the BSDs, the Secret Service (GNOME
// Keyring, KWallet, KeePassXC) through `secret-tool` (libsecret); on macOS, the login Keychain through
// `security`. The key is one random 256-bit value per home folder, stored under the attributes
// `service mailseal home <absolute path>` (Keychain: service "mailseal", account the path). The
// Keychain path is written to the same interface but untested: no macOS machine runs the tests.
import { execFile } from "node:child_process";

/** Long enough for a desktop to ask the user to unlock the keyring. */
const TIMEOUT_MS = 60_000;

export interface SecretStore {
  /** Where the key is kept, in words for the user ("the Secret Service (secret-tool)"). */
  readonly name: string;
  /** What the user lacks when no store is reached, in words ("no Secret Service found"). */
  readonly absent: string;
  /** The secret of `home`, or undefined when there is none or the store cannot be reached. */
  lookup(home: string): Promise<string | undefined>;
  /** Stores the secret of `home`; false when the store cannot be reached or refuses. */
  store(home: string, secret: string): Promise<boolean>;
}

interface Ran {
  status: number | null;
  stdout: string;
}

/** Runs a store's tool; a missing tool, a timeout or any failure is a status other than 0. */
function run(command: string, args: readonly string[], input: string): Promise<Ran> {
  return new Promise((resolve) => {
    const child = execFile(
      command,
      args,
      { timeout: TIMEOUT_MS, encoding: "utf8", maxBuffer: 64 * 1024 },
      (error, stdout) => {
        const status = error === null ? 0 : typeof error.code === "number" ? error.code : null;
        resolve({ status, stdout });
      },
    );
    // A tool that exits before reading its input must not crash the command (EPIPE).
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(input);
  });
}

/** The Secret Service through libsecret's `secret-tool` (Debian: libsecret-tools). */
export const secretService: SecretStore = {
  name: "the Secret Service (secret-tool)",
  absent: "no Secret Service found",
  async lookup(home) {
    const { status, stdout } = await run("secret-tool", ["lookup", "service", "mailseal", "home", home], "");
    return status === 0 && stdout !== "" ? stdout.trim() : undefined;
  },
  async store(home, secret) {
    // The secret goes through standard input, never the command line (visible to other users).
    const args = ["store", `--label=mailseal keys of ${home}`, "service", "mailseal", "home", home];
    return (await run("secret-tool", args, secret)).status === 0;
  },
};

/** A value in the quoting of `security -i` (its command lines are split like a shell's). */
function quoted(value: string): string {
  return `"${value.replace(/(["\\])/g, "\\$1")}"`;
}

/** The macOS login Keychain through `security` (UNTESTED here: no macOS machine runs the tests). */
export const macKeychain: SecretStore = {
  name: "the macOS Keychain",
  absent: "no Keychain found",
  async lookup(home) {
    const { status, stdout } = await run("security", ["find-generic-password", "-s", "mailseal", "-a", home, "-w"], "");
    return status === 0 && stdout !== "" ? stdout.trim() : undefined;
  },
  async store(home, secret) {
    // Through `security -i` (commands on standard input) so the secret is not on the command line.
    const line = `add-generic-password -U -s mailseal -a ${quoted(home)} -l ${quoted(`mailseal keys of ${home}`)} -w ${quoted(secret)}\n`;
    return (await run("security", ["-i"], line)).status === 0;
  },
};

/** The secret store this platform would have (whether this session reaches it shows when used). */
export function platformSecretStore(platform: NodeJS.Platform = process.platform): SecretStore {
  return platform === "darwin" ? macKeychain : secretService;
}
