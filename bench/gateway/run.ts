// `npm run bench:gateway`: the organisation gateway's throughput and latency on this machine, through
// a real Postfix and the gateway (sign and encrypt) side by side with Postfix alone, both delivering
// to a real Dovecot. Starts the real `mailseal server` (the built bundle, SQLite, soft HSM, free
// ports), sets up Alice on the gateway's home and Bob on a laptop home, then submits messages of
// 10 KiB and 1 MiB from Alice to Bob over SMTP, a few connections at a time, and times each from the
// start of its submission to its file in Bob's Maildir. Results: bench/results/gateway-DATE.{json,md}.
// Options: --count10k N (100), --count1m N (20), --parallel N (4), --out DIR.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, openSync, readSync, closeSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import SMTPConnection from "nodemailer/lib/smtp-connection/index.js";
import { startDovecot } from "../../test/thunderbird/harness/dovecot.js";
import { freePort } from "../../test/thunderbird/harness/ports.js";
import { startPostfix } from "../../test/support/postfix.js";

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const BIN = join(here, "..", "..", "cli", "bin", "mailseal.mjs");
const { values } = parseArgs({
  options: {
    count10k: { type: "string", default: "100" },
    count1m: { type: "string", default: "20" },
    parallel: { type: "string", default: "4" },
    out: { type: "string", default: join(here, "..", "results") },
  },
});
const parallel = Number(values.parallel);
/** Environment of the command: no Secret Service, so homes stay plain files. */
const ENV = { ...process.env, DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent/bus", DISPLAY: "" };

function lineFrom(child: ChildProcess, prefix: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stderr!.on("data", (c: Buffer) => (err += c.toString()));
    child.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      const line = out.split("\n").find((l) => l.startsWith(prefix));
      if (line !== undefined) resolve(line.slice(prefix.length).trim());
    });
    child.once("exit", (status) => reject(new Error(`${prefix.trim()} exited ${status}: ${err}`)));
  });
}

function message(id: string, bytes: number): Buffer {
  const line = "The quick brown fox jumps over the lazy dog. 0123456789 abcdefghijklmnopqrstuvwxyz.\r\n";
  const header = `From: alice@org.test\r\nTo: bob@example.test\r\nSubject: ${id}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n`;
  const body = line.repeat(Math.ceil((bytes - header.length) / line.length));
  return Buffer.from(header + body.slice(0, Math.max(0, bytes - header.length)));
}

async function submit(port: number, body: Buffer): Promise<void> {
  const connection = new SMTPConnection({ host: "127.0.0.1", port, ignoreTLS: true });
  await new Promise<void>((resolve, reject) => {
    connection.once("error", reject);
    connection.connect(() => resolve());
  });
  await new Promise<void>((resolve, reject) =>
    connection.send({ from: "alice@org.test", to: ["bob@example.test"] }, body, (error) =>
      error ? reject(error) : resolve(),
    ),
  );
  connection.quit();
}

/** Subjects of the messages delivered to `dir` so far (each file read once, its first 4 KiB). */
function watcher(dir: string): () => Map<string, number> {
  const seen = new Map<string, number>();
  const read = new Set<string>();
  return () => {
    for (const file of readdirSync(dir)) {
      if (read.has(file)) continue;
      read.add(file);
      const fd = openSync(join(dir, file), "r");
      const head = Buffer.alloc(4096);
      const n = readSync(fd, head, 0, head.length, 0);
      closeSync(fd);
      const subject = /^Subject: (\S+)/m.exec(head.subarray(0, n).toString("latin1"));
      if (subject !== null) seen.set(subject[1]!, performance.now());
    }
    return seen;
  };
}

interface Row {
  path: "postfix+gateway" | "postfix alone";
  size: string;
  messages: number;
  perSecond: number;
  p50: number;
  p99: number;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function measure(
  path: Row["path"],
  port: number,
  size: string,
  bytes: number,
  count: number,
  maildir: string,
): Promise<Row> {
  const delivered = watcher(maildir);
  const started = new Map<string, number>();
  const tag = `${path === "postfix alone" ? "plain" : "gw"}-${size.replace(" ", "")}-${Date.now()}`;
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        const id = `${tag}-${next++}`;
        const body = message(id, bytes);
        started.set(id, performance.now());
        await submit(port, body);
      }
    }),
  );
  for (;;) {
    const seen = delivered();
    if ([...started.keys()].every((id) => seen.has(id))) break;
    if (performance.now() - t0 > 600_000) throw new Error(`${path} ${size}: not all delivered in 10 minutes`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const seen = delivered();
  const latencies = [...started].map(([id, at]) => seen.get(id)! - at).sort((a, b) => a - b);
  const end = Math.max(...[...started.keys()].map((id) => seen.get(id)!));
  return {
    path,
    size,
    messages: count,
    perSecond: Math.round((count / ((end - t0) / 1000)) * 10) / 10,
    p50: Math.round(percentile(latencies, 50)),
    p99: Math.round(percentile(latencies, 99)),
  };
}

const dir = mkdtempSync(join(tmpdir(), "mailseal-bench-gateway-"));
const children: ChildProcess[] = [];
const stops: (() => Promise<void>)[] = [];
try {
  const data = join(dir, "server");
  const server = spawn(
    process.execPath,
    [BIN, "server", "--port", "0", "--data", data, "--key-bits", "2048", "--log-level", "warn", "--dev"],
    { stdio: ["ignore", "pipe", "pipe"], env: ENV },
  );
  children.push(server);
  const api = await lineFrom(server, "api ");
  const add = (address: string, home: string) =>
    run(
      process.execPath,
      [BIN, "account", "add", address, "--server", api, "--outbox", join(data, "outbox"), "--home", join(dir, home)],
      { env: ENV },
    );
  await add("alice@org.test", "gateway");
  await add("bob@example.test", "bob");

  const dovecot = await startDovecot([{ name: "bob", password: "secret" }]);
  stops.push(() => dovecot.stop());
  const gatewayPort = await freePort();
  const postfix = await startPostfix({
    filterPort: gatewayPort,
    ports: { submit: await freePort(), reinject: await freePort(), plain: await freePort() },
    domains: ["org.test", "example.test"],
    dovecotConfig: join(dovecot.dir, "dovecot.conf"),
  });
  stops.unshift(() => postfix.stop());
  const gateway = spawn(
    process.execPath,
    [
      BIN,
      "gateway",
      "--home",
      join(dir, "gateway"),
      "--db",
      `sqlite:${join(data, "api", "api.sqlite")}`,
      "--listen",
      `127.0.0.1:${gatewayPort}`,
      "--reinject",
      `127.0.0.1:${postfix.ports.reinject}`,
      "--max-size",
      String(8 * 1024 * 1024),
    ],
    { stdio: ["ignore", "pipe", "pipe"], env: ENV },
  );
  children.push(gateway);
  await lineFrom(gateway, "accounts:");

  const maildir = join(dovecot.maildirs, "bob", "new");
  const rows: Row[] = [];
  // One message each way first: the gateway's first CerDB lookup and the engine's first keys.
  await measure("postfix+gateway", postfix.ports.submit, "warm-up", 10 * 1024, 2, maildir);
  for (const [size, bytes, count] of [
    ["10 KiB", 10 * 1024, Number(values.count10k)],
    ["1 MiB", 1024 * 1024, Number(values.count1m)],
  ] as const) {
    for (const [path, port] of [
      ["postfix alone", postfix.ports.plain],
      ["postfix+gateway", postfix.ports.submit],
    ] as const) {
      const row = await measure(path, port, size, bytes, count, maildir);
      process.stdout.write(
        `${row.path.padEnd(16)} ${row.size.padEnd(7)} ${String(row.messages).padStart(4)} messages  ` +
          `${String(row.perSecond).padStart(6)} msg/s  p50 ${row.p50} ms  p99 ${row.p99} ms\n`,
      );
      rows.push(row);
    }
  }
  const date = new Date().toISOString().slice(0, 10);
  const machine = `${cpus().length} cores (${cpus()[0]?.model ?? "?"}), Node ${process.versions.node}, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`;
  mkdirSync(values.out!, { recursive: true });
  writeFileSync(
    join(values.out!, `gateway-${date}-vm.json`),
    JSON.stringify({ date, machine, parallel, rows }, null, 2) + "\n",
  );
  const table = [
    "| path | size | messages | messages/s | p50 (ms) | p99 (ms) |",
    "| --- | --- | --: | --: | --: | --: |",
    ...rows.map((r) => `| ${r.path} | ${r.size} | ${r.messages} | ${r.perSecond} | ${r.p50} | ${r.p99} |`),
  ].join("\n");
  writeFileSync(
    join(values.out!, `gateway-${date}-vm.md`),
    `# Gateway: Postfix and the gateway against Postfix alone, ${date}\n\n${machine}; ${parallel} SMTP clients at once, ` +
      `latency from the start of the submission to the file in the Maildir (Dovecot's LDA).\n\n${table}\n`,
  );
} finally {
  for (const child of children) child.kill("SIGTERM");
  for (const stop of stops) await stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}
