// A throwaway Postfix (Debian `postfix`, run as root here) in a temp folder: its own
// config_directory, queue_directory and data_directory, listening on loopback ports only, logging to
// a file (no syslog in a container). Three smtpd listeners:
//   - `submit`: takes mail and queues it with the content filter `smime-gateway:[127.0.0.1]:FILTER` (the
//     organisation gateway), the after-queue filter of https://www.postfix.org/FILTER_README.html;
//   - `reinject`: where the filter hands mail back, no filter there;
//   - `plain`: no filter at all (Postfix alone, for comparisons).
// Final delivery of every domain listed goes to a Dovecot through its LDA (pipe, as nobody, the
// owner of the test Dovecot's Maildirs; it logs to its standard error, which Postfix puts in its own
// log, since nobody may write neither Dovecot's log file nor its stats socket).
import { execFile } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface PostfixOptions {
  /** The gateway's port, for the content filter. */
  filterPort: number;
  /**
   * `proxy`, when given: a listener with the gateway as its before-queue filter (smtpd_proxy_filter,
   * https://www.postfix.org/SMTPD_PROXY_README.html), which answers the client only once the
   * gateway answered (after it handed the processed message back to `reinject`).
   */
  ports: { submit: number; reinject: number; plain: number; proxy?: number };
  /** Domains delivered to Dovecot (the local part is the Dovecot user). */
  domains: readonly string[];
  /** The test Dovecot's config file, for its LDA. */
  dovecotConfig: string;
  /**
   * A texthash access table the re-injection listener checks recipients against (`ADDRESS 451 ...`
   * refuses one for now); edit it, then reload().
   */
  reinjectAccess?: string;
}

export interface TestPostfix {
  dir: string;
  ports: PostfixOptions["ports"];
  /** `postqueue -p`: the queue listing ("Mail queue is empty" when it is). */
  queue(): Promise<string>;
  /** `postqueue -f`: deliver the deferred mail now. */
  flush(): Promise<void>;
  /** `postfix reload`: its daemons read their configuration and tables again. */
  reload(): Promise<void>;
  log(): string;
  stop(): Promise<void>;
}

function mainCf(dir: string, options: PostfixOptions): string {
  return `# test postfix in ${dir}
compatibility_level = 3.6
queue_directory = ${dir}/queue
data_directory = ${dir}/data
mail_owner = postfix
setgid_group = postdrop
myhostname = postfix.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
maillog_file_prefixes = ${dir}
maillog_file = ${dir}/postfix.log
virtual_mailbox_domains = ${options.domains.join(" ")}
virtual_transport = dovecot
dovecot_destination_recipient_limit = 1
# Deferred mail is tried again within seconds (the defaults are minutes): the tests wait for it.
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
smtputf8_enable = no
biff = no
`;
}

function masterCf(dir: string, options: PostfixOptions): string {
  const { submit, reinject, plain } = options.ports;
  return `# test postfix in ${dir}: no chroot (the queue is not laid out for one)
127.0.0.1:${submit} inet n - n - - smtpd
  -o content_filter=smime-gateway:[127.0.0.1]:${options.filterPort}
127.0.0.1:${reinject} inet n - n - - smtpd
  -o content_filter=
  -o receive_override_options=no_unknown_recipient_checks,no_header_body_checks,no_milters
${options.reinjectAccess === undefined ? "" : `  -o smtpd_recipient_restrictions=check_recipient_access,texthash:${options.reinjectAccess},permit_mynetworks,reject\n`}  -o smtpd_authorized_xforward_hosts=127.0.0.0/8
127.0.0.1:${plain} inet n - n - - smtpd
${options.ports.proxy === undefined ? "" : `127.0.0.1:${options.ports.proxy} inet n - n - - smtpd\n  -o smtpd_proxy_filter=127.0.0.1:${options.filterPort}\n  -o content_filter=\n`}smime-gateway unix -   -       n       -       4       smtp
  -o smtp_send_xforward_command=yes
  -o disable_mime_output_conversion=yes
dovecot   unix  -       n       n       -       -       pipe
  flags=DRhu user=nobody argv=/usr/lib/dovecot/dovecot-lda -c ${options.dovecotConfig}
  -o log_path=/dev/stderr -o info_log_path=/dev/stderr -o stats_writer_socket_path= -f \${sender} -d \${user}
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000    0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
`;
}

async function waitForListener(port: number, timeoutMs: number, log: () => string): Promise<void> {
  const { connect } = await import("node:net");
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
    if (greeting.startsWith("220")) return;
    if (Date.now() > deadline) throw new Error(`postfix did not listen on ${port}: ${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Starts Postfix (`postfix -c DIR start`, which daemonises); stop() ends it and removes the folder. */
export async function startPostfix(options: PostfixOptions): Promise<TestPostfix> {
  const dir = mkdtempSync(join(tmpdir(), "mailseal-postfix-"));
  // mkdtemp makes it 0700: Postfix's daemons run as postfix and must reach the queue inside.
  chmodSync(dir, 0o755);
  const etc = join(dir, "etc");
  mkdirSync(etc);
  mkdirSync(join(dir, "queue"));
  mkdirSync(join(dir, "data"));
  chownSync(join(dir, "data"), postfixUid(), 0);
  writeFileSync(join(etc, "main.cf"), mainCf(dir, options));
  writeFileSync(join(etc, "master.cf"), masterCf(dir, options));
  const log = () => {
    try {
      return readFileSync(join(dir, "postfix.log"), "utf8");
    } catch {
      return "";
    }
  };
  const postfix = (...args: string[]) => run("/usr/sbin/postfix", ["-c", etc, ...args]);
  try {
    await postfix("start");
    for (const port of Object.values(options.ports)) await waitForListener(port, 15_000, log);
  } catch (error) {
    await postfix("abort").catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    dir,
    ports: options.ports,
    async queue() {
      return (await run("/usr/sbin/postqueue", ["-c", etc, "-p"])).stdout;
    },
    async flush() {
      await run("/usr/sbin/postqueue", ["-c", etc, "-f"]);
    },
    async reload() {
      await postfix("reload");
    },
    log,
    async stop() {
      await postfix("abort").catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postfixUid(): number {
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith("postfix:"));
  if (line === undefined) throw new Error("no postfix user: run scripts/ensure-system-deps.sh");
  return Number(line.split(":")[2]);
}
