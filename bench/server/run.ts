// `npm run bench:server`: the services under load. Starts the real `mailseal server` (the built
// bundle, SQLite, soft HSM, a temporary data directory, free ports) as a process of its own, enrols
// addresses with a device each over HTTP, then measures CerDB lookups with autocannon (in a worker
// thread) and whole key releases as a device makes them. What is measured, the recorded numbers and
// the targets: bench/README.md, "Services under load".
// Options: --quick (a few addresses, 2 s runs; the test suite runs it), --out DIR (default
// bench/results), --addresses N (200), --duration S (15), --releases N (300 per concurrency),
// --only cerdb|release, --cpu-prof (profile the server process; summary in the results).
import { spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  fstatSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { cpus, hostname, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { runCannon, type CannonJob, type CannonSummary } from "./cannon.js";
import { Device, Outbox, type Ephemeral, type Ticket } from "./device.js";
import { topSelfTime } from "./profile.js";
import { markdownReport, percentiles, verdicts, type ReleaseRun, type ServerResults } from "./report.js";

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    out: { type: "string", default: join(here, "..", "results") },
    addresses: { type: "string" },
    duration: { type: "string" },
    releases: { type: "string" },
    only: { type: "string" },
    "cpu-prof": { type: "boolean", default: false },
  },
});

function whole(value: string | undefined, fallback: number, option: string): number {
  const n = Number(value ?? fallback);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${option} takes a positive whole number`);
  return n;
}

const quick = values.quick;
const addressCount = whole(values.addresses, quick ? 12 : 200, "--addresses");
const durationSeconds = whole(values.duration, quick ? 2 : 15, "--duration");
const warmupSeconds = quick ? 1 : 3;
const releaseCount = whole(values.releases, quick ? 12 : 300, "--releases");
const connectionCounts = quick ? [10] : [10, 50, 100];
const concurrencies = quick ? [1, 8] : [1, 8, 32];
if (values.only !== undefined && !["cerdb", "release"].includes(values.only)) {
  throw new Error("--only takes cerdb or release");
}
const runCerdb = values.only !== "release";
const runReleases = values.only !== "cerdb";
const log = (line: string) => process.stderr.write(`${line}\n`);

const bundle = resolve(here, "../../cli/dist/mailseal.mjs");
if (!existsSync(bundle))
  throw new Error(`${bundle} is missing: run \`npm run build\` first (npm run bench:server does)`);

// Every per-IP limit raised out of the way: all load comes from 127.0.0.1, and the point is the
// server's capacity, not the limiter's refusals. The limiter still runs (and counts) on every request.
const UNLIMITED = "100000000";
const RATE_LIMITS = [
  "enrollmentsPerIpPerHour",
  "authPerIpPerMinute",
  "certsPerIpPerMinute",
  "releasesPerIpPerMinute",
].flatMap((name) => ["--rate-limit", `${name}=${UNLIMITED}`]);

interface Server {
  urls: Record<"api" | "share-a" | "share-b", string>;
  /** CPU time the server process has used so far (user + system, all threads), in ms. */
  cpuMs(): number;
  stop(): Promise<void>;
}

/** utime + stime of a process from /proc/PID/stat (fields 14 and 15, in clock ticks of 1/100 s). */
function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const clientCpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/**
 * The last 64 KiB of the server's log: under load it logs every request and grows past what one
 * string can hold (a 1.5-million-request run writes over 512 MiB).
 */
function logTail(path: string): string {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, 64 * 1024);
    const bytes = Buffer.alloc(length);
    readSync(fd, bytes, 0, length, size - length);
    return bytes.toString("utf8");
  } finally {
    closeSync(fd);
  }
}

/** `mailseal server` as a process; its JSON log (stderr) goes to a file in the data directory. */
async function startServer(dataDir: string, args: string[], profileDir: string | undefined): Promise<Server> {
  const logFd = openSync(join(dataDir, "server.log"), "a");
  const nodeArgs = profileDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${profileDir}`];
  const child = spawn(process.execPath, [...nodeArgs, resolve(here, "../../cli/bin/mailseal.mjs"), "server", ...args], {
    stdio: ["ignore", "pipe", logFd],
  });
  closeSync(logFd);
  const exited = new Promise<number | null>((done) => child.once("exit", (status) => done(status)));
  const urls: Record<string, string> = {};
  await new Promise<void>((done, fail) => {
    const failed = (status: number | null) => {
      const tail = logTail(join(dataDir, "server.log")).trim().split("\n").slice(-5).join("\n");
      fail(new Error(`mailseal server exited with ${status}:\n${tail}`));
    };
    child.once("exit", failed);
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const match = /^(api|share-a|share-b) (http:\/\/\S+)$/.exec(line);
      if (match === null) return;
      urls[match[1]!] = match[2]!;
      if (Object.keys(urls).length === 3) {
        child.off("exit", failed);
        done();
      }
    });
  });
  return {
    urls: urls as Server["urls"],
    cpuMs: () => processCpuMs(child.pid!),
    async stop() {
      child.kill("SIGTERM");
      const status = await exited;
      if (status !== 0) throw new Error(`mailseal server stopped with status ${status}`);
    },
  };
}

/** Runs `count` tasks with at most `concurrency` in flight; each task's index is passed. */
async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
  return (performance.now() - start) / 1000;
}

async function cannonSeries(server: Server, label: string, job: Omit<CannonJob, "connections" | "durationSeconds">) {
  log(`[${label}] warm-up ${warmupSeconds} s`);
  await runCannon({ ...job, connections: connectionCounts[0]!, durationSeconds: warmupSeconds });
  const runs: CannonSummary[] = [];
  for (const connections of connectionCounts) {
    const cpuBefore = server.cpuMs();
    const run = await runCannon({ ...job, connections, durationSeconds });
    run.serverCpuMsPerRequest = (server.cpuMs() - cpuBefore) / Math.max(run.requests, 1);
    log(
      `[${label}] ${connections} connections: ${run.requestsPerSecond.toFixed(0)} req/s, p50 ${run.latencyMs.p50} ms, ` +
        `p99 ${run.latencyMs.p99} ms, non-2xx ${run.non2xx}, errors ${run.errors}, timeouts ${run.timeouts}, ` +
        `server CPU ${(run.serverCpuMsPerRequest * 1000).toFixed(0)} µs per request`,
    );
    if (run.non2xx !== 0 || run.errors !== 0 || run.timeouts !== 0) {
      throw new Error(
        `${label}: ${run.non2xx} non-2xx, ${run.errors} errors, ${run.timeouts} timeouts: not a valid run`,
      );
    }
    runs.push(run);
  }
  return runs;
}

async function releaseRun(server: Server, devices: Device[], concurrency: number): Promise<ReleaseRun> {
  const endToEnd: number[] = [];
  const timings = { tickets: [] as number[], store: [] as number[] };
  const cpuBefore = { server: server.cpuMs(), client: clientCpuMs() };
  const seconds = await pool(releaseCount, concurrency, async (i) => {
    const device = devices[i % devices.length]!;
    const start = performance.now();
    await device.release(timings);
    endToEnd.push(performance.now() - start);
  });
  const cpuMsPerRelease = {
    server: (server.cpuMs() - cpuBefore.server) / releaseCount,
    client: (clientCpuMs() - cpuBefore.client) / releaseCount,
  };

  // The api step alone: ticket requests only (ephemeral keys made beforehand, outside the timing).
  // Their share-a tickets then feed the store step alone, well within the tickets' 60 s.
  const prepared: { device: Device; ephemeral: Ephemeral; ticket?: Ticket | undefined }[] = [];
  for (let i = 0; i < releaseCount; i++) {
    const device = devices[i % devices.length]!;
    prepared.push({ device, ephemeral: await device.ephemeral() });
  }
  const ticketTimes: number[] = [];
  const ticketSeconds = await pool(releaseCount, concurrency, async (i) => {
    const item = prepared[i]!;
    const start = performance.now();
    const tickets = await item.device.tickets(item.ephemeral);
    ticketTimes.push(performance.now() - start);
    item.ticket = tickets.find((ticket) => ticket.store === "share-a");
  });
  const storeTimes: number[] = [];
  const storeSeconds = await pool(releaseCount, concurrency, async (i) => {
    const item = prepared[i]!;
    const start = performance.now();
    await item.device.share(item.ephemeral, item.ticket!);
    storeTimes.push(performance.now() - start);
  });

  const run: ReleaseRun = {
    concurrency,
    releases: releaseCount,
    releasesPerSecond: releaseCount / seconds,
    endToEnd: percentiles(endToEnd),
    ticketStep: percentiles(timings.tickets),
    storeStep: percentiles(timings.store),
    ticketsAlone: { ...percentiles(ticketTimes), perSecond: releaseCount / ticketSeconds },
    storeAlone: { ...percentiles(storeTimes), perSecond: releaseCount / storeSeconds },
    cpuMsPerRelease,
  };
  log(
    `[release] concurrency ${concurrency}: ${run.releasesPerSecond.toFixed(0)} releases/s, p50 ${run.endToEnd.p50.toFixed(1)} ms, ` +
      `p99 ${run.endToEnd.p99.toFixed(1)} ms (ticket alone p99 ${run.ticketsAlone.p99.toFixed(1)}, store alone p99 ${run.storeAlone.p99.toFixed(1)}); ` +
      `CPU per release: server ${cpuMsPerRelease.server.toFixed(1)} ms, load generator ${cpuMsPerRelease.client.toFixed(1)} ms`,
  );
  return run;
}

const work = mkdtempSync(join(tmpdir(), "mailseal-bench-server-"));
const profileDir = values["cpu-prof"] ? join(work, "profile") : undefined;
const loadAverage = loadavg();
// All three roles in one process on one machine: a benchmark, not a deployment (--dev).
const serverArgs = ["--port", "0", "--key-bits", "2048", "--dev", ...RATE_LIMITS];
let server: Server | undefined;
try {
  server = await startServer(work, ["--data", join(work, "data"), ...serverArgs], profileDir);
  const { api } = server.urls;
  log(`[server] ${api}; every per-IP rate limit raised to ${UNLIMITED} (--rate-limit) so the load is not refused`);

  const outbox = new Outbox(join(work, "data", "outbox"));
  const devices: Device[] = new Array(addressCount);
  const enrolSeconds = await pool(addressCount, 4, async (i) => {
    devices[i] = await Device.enrol(api, outbox, `bench-${i}@example.org`);
  });
  log(`[enrol] ${addressCount} addresses with a device and a key each in ${enrolSeconds.toFixed(1)} s`);

  // Before any load: CerDB answers each address with the certificate its key release belongs to.
  const probe = (await (await fetch(`${api}/v1/certs/${encodeURIComponent(devices[0]!.address)}`)).json()) as {
    address: string;
    certificate: string;
  };
  if (probe.address !== devices[0]!.address || probe.certificate.length === 0) {
    throw new Error(`CerDB did not answer ${devices[0]!.address}: ${JSON.stringify(probe)}`);
  }

  const addresses = devices.map((device) => device.address);
  let cerdbGet: CannonSummary[] = [];
  let cerdbLookup10: CannonSummary[] = [];
  if (runCerdb) {
    cerdbGet = await cannonSeries(server, "cerdb GET", {
      url: api,
      method: "GET",
      paths: addresses.map((address) => `/v1/certs/${encodeURIComponent(address)}`),
    });
    // Batches of 10 consecutive addresses, each batch starting one further along (all distinct).
    const batches = addresses.map((_, i) =>
      JSON.stringify({ addresses: Array.from({ length: 10 }, (_, j) => addresses[(i + j) % addresses.length]) }),
    );
    cerdbLookup10 = await cannonSeries(server, "cerdb lookup x10", {
      url: api,
      method: "POST",
      paths: ["/v1/certs/lookup"],
      bodies: batches,
    });
  }

  const releases: ReleaseRun[] = [];
  if (runReleases) {
    // Access tokens last 10 minutes and the CerDB runs take minutes: a fresh one for every device.
    await pool(devices.length, 4, (i) => devices[i]!.renewSession());
    for (const device of devices.slice(0, 2)) await device.release(); // warm-up (connections, JIT)
    for (const concurrency of concurrencies) releases.push(await releaseRun(server, devices, concurrency));
  }

  await server.stop();
  server = undefined;

  const date = new Date().toISOString().slice(0, 10);
  const results: ServerResults = {
    date,
    host: hostname(),
    node: process.version,
    cpus: `${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"}`,
    loadAverage,
    quick,
    serverArgs,
    addresses: addressCount,
    enrolmentSeconds: enrolSeconds,
    cerdbGet,
    cerdbLookup10,
    releases,
  };
  if (profileDir !== undefined) {
    const file = readdirSync(profileDir).find((name) => name.endsWith(".cpuprofile"));
    if (file === undefined) throw new Error("the server wrote no CPU profile");
    results.profile = { file, ...topSelfTime(join(profileDir, file)) };
  }
  const folder = resolve(values.out);
  mkdirSync(folder, { recursive: true });
  const only = values.only === undefined ? "" : `-${values.only}`;
  const base = join(
    folder,
    `server-${date}-${hostname()}${only}${values["cpu-prof"] ? "-profile" : ""}${quick ? "-quick" : ""}`,
  );
  writeFileSync(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(`${base}.md`, markdownReport(results));
  console.log(markdownReport(results));
  for (const line of verdicts(results)) log(`[target] ${line}`);
  log(`wrote ${base}.json, .md`);
} finally {
  await server?.stop().catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
}
