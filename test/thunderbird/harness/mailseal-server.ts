// The real `mailseal server` process for the Thunderbird suites: all three roles (api, both share
// stores) in one process, its challenge mails going through the test SMTP server into the IMAP
// inboxes. MAILSEAL_CLOCK_OFFSET in `env` shifts its clock (the rotation drill: it rotates at start).
import { spawn, type ChildProcess } from "node:child_process";
import { BIN } from "../../../cli/test/support.js";

export interface MailsealServer {
  api: string;
  /** The LDAP door (ldap://127.0.0.1:PORT), which the default roles run beside the three. */
  ldap: string;
  child: ChildProcess;
  /** What the server logged so far (JSON lines on standard error, the last 200 KiB). */
  log(): string;
}

/**
 * Starts `mailseal server` mailing through `smtpUrl`; resolves once all three roles and the LDAP
 * door listen. With
 * `port` (see freePortRun) the roles listen on port, + 1, + 2, so a restart keeps the URLs that
 * devices set up before it hold (the LDAP door on + 3); 0: free ports.
 */
export function startMailsealServer(
  data: string,
  smtpUrl: string,
  env: Record<string, string> = {},
  port = 0,
): Promise<MailsealServer> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        BIN,
        "server",
        "--port",
        String(port),
        "--data",
        data,
        "--smtp",
        smtpUrl,
        "--mail-from",
        "mailseal@example.test",
        // All three roles in one process: a test system, not a deployment.
        "--dev",
      ],
      { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env }, detached: true },
    );
    let out = "";
    let err = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      const lines = out.split("\n").filter((l) => l !== "");
      const apiLine = lines.find((l) => l.startsWith("api "));
      // The LDAP door listens last.
      const ldapLine = lines.find((l) => l.startsWith("ldap "));
      if (apiLine !== undefined && ldapLine !== undefined) {
        resolve({ api: apiLine.slice(4).trim(), ldap: ldapLine.slice(5).trim(), child, log: () => err });
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => (err = (err + chunk.toString("utf8")).slice(-200_000)));
    child.once("exit", (status) => reject(new Error(`mailseal server exited with ${status}: ${err}`)));
  });
}

/** SIGTERM, SIGKILL after 5 s; resolves once it exited. */
export async function stopMailsealServer(server: MailsealServer | undefined): Promise<void> {
  if (server === undefined || server.child.exitCode !== null) return;
  server.child.removeAllListeners("exit");
  const exited = new Promise((resolve) => server.child.once("exit", resolve));
  process.kill(server.child.pid!, "SIGTERM");
  const timer = setTimeout(() => server.child.exitCode === null && process.kill(server.child.pid!, "SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

/**
 * A server started with its clock moved past a rotation date rotates in its first maintenance
 * pass, which runs once the api already listens (key making takes a moment): resolves with the
 * address's certificate as CerDB serves it once it is no longer `oldCertificate` (30 s at most).
 */
export async function waitForRotation(api: string, address: string, oldCertificate: string): Promise<string> {
  for (const deadline = Date.now() + 30_000; ;) {
    const response = await fetch(`${api}/v1/certs/${encodeURIComponent(address)}`);
    if (response.status !== 200) throw new Error(`CerDB answered ${response.status} for ${address}`);
    const { certificate } = (await response.json()) as { certificate: string };
    if (certificate !== oldCertificate) return certificate;
    if (Date.now() > deadline) throw new Error(`no rotation for ${address} within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
