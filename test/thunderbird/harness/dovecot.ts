// A throwaway Dovecot (IMAP only, plaintext auth on 127.0.0.1, Maildir) in a temp folder, after
// /work/shared/notes/thunderbird-headless/dovecot.conf.template. Runs in the foreground (-F) as a
// child of the test, so it ends by PID.
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./ports.js";
import { start, stop, type Started } from "./processes.js";

/** Dovecot drops to this uid/gid (nobody/nogroup) for mail access: the Maildirs belong to it. */
const MAIL_UID = 65534;
const MAIL_GID = 65534;

export interface MailUser {
  name: string;
  password: string;
}

export interface TestDovecot {
  port: number;
  dir: string;
  /** The Maildir root: `<maildirs>/<user>/` is the user's INBOX (cur/ new/ tmp/). */
  maildirs: string;
  stop(): Promise<void>;
}

function config(dir: string, port: number): string {
  return `# test dovecot: IMAP on 127.0.0.1:${port}, plaintext auth, maildir under ${dir}/mail
protocols = imap
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
info_log_path = ${dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:${dir}/mail/%u
first_valid_uid = 100
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/users
}
userdb {
  driver = static
  args = uid=${MAIL_UID} gid=${MAIL_GID} home=${dir}/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service stats {
  inet_listener http {
    port = 0
  }
}
`;
}

async function waitForGreeting(port: number, timeoutMs: number, process: Started): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const greeting = await new Promise<string>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("data", (data) => {
        socket.destroy();
        resolve(data.toString());
      });
      socket.once("error", () => resolve(""));
    });
    if (greeting.startsWith("* OK")) return;
    if (process.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`dovecot did not start on port ${port}: ${process.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function startDovecot(users: readonly MailUser[]): Promise<TestDovecot> {
  const dir = mkdtempSync(join(tmpdir(), "mailseal-dovecot-"));
  // mkdtemp makes it 0700: the mail processes run as nobody and must reach the Maildirs inside.
  chmodSync(dir, 0o755);
  const maildirs = join(dir, "mail");
  mkdirSync(maildirs);
  chownSync(maildirs, MAIL_UID, MAIL_GID);
  for (const user of users) {
    if (!/^[a-z0-9._-]+$/.test(user.name)) throw new Error(`user name ${user.name}: letters, digits, . _ - only`);
    for (const sub of ["", "cur", "new", "tmp"]) {
      const path = join(maildirs, user.name, sub);
      mkdirSync(path, { recursive: true });
      chownSync(path, MAIL_UID, MAIL_GID);
    }
  }
  writeFileSync(join(dir, "users"), users.map((u) => `${u.name}:{PLAIN}${u.password}\n`).join(""));
  const port = await freePort();
  writeFileSync(join(dir, "dovecot.conf"), config(dir, port));
  const dovecot = start("/usr/sbin/dovecot", ["-F", "-c", join(dir, "dovecot.conf")]);
  try {
    await waitForGreeting(port, 10_000, dovecot);
  } catch (error) {
    await stop(dovecot);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    dir,
    maildirs,
    async stop() {
      await stop(dovecot);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
