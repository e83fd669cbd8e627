// The server benchmark's results: percentiles, the targets of the issue and the Markdown table.
import type { CannonSummary } from "./cannon.js";

/** Latency percentiles in milliseconds (nearest rank over the sorted samples). */
export interface Percentiles {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function percentiles(samples: readonly number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
  return { count: sorted.length, p50: rank(50), p95: rank(95), p99: rank(99), max: sorted[sorted.length - 1] ?? NaN };
}

export interface ReleaseRun {
  concurrency: number;
  releases: number;
  releasesPerSecond: number;
  /** Whole release as the device sees it: ephemeral key, tickets, both stores, open, combine, commitment. */
  endToEnd: Percentiles;
  /** Within those releases: the api's ticket request, and each store request (proof to opened share). */
  ticketStep: Percentiles;
  storeStep: Percentiles;
  /** The steps measured alone at the same concurrency: ticket requests only, then share-a requests only. */
  ticketsAlone: Percentiles & { perSecond: number };
  storeAlone: Percentiles & { perSecond: number };
  /**
   * CPU time per end-to-end release (user + system, ms): the server process (all its threads, libuv's
   * pool included) and the load generator, over the end-to-end run. With both on this machine,
   * (server + client) x concurrency / cores bounds the mean latency from below.
   */
  cpuMsPerRelease?: { server: number; client: number };
}

export interface ProfileEntry {
  function: string;
  where: string;
  selfPercent: number;
}

export interface ServerResults {
  date: string;
  host: string;
  node: string;
  cpus: string;
  loadAverage: number[];
  quick: boolean;
  serverArgs: string[];
  addresses: number;
  enrolmentSeconds: number;
  cerdbGet: CannonSummary[];
  /** POST /v1/certs/lookup with 10 addresses per request: lookups/s is 10 × requests/s. */
  cerdbLookup10: CannonSummary[];
  releases: ReleaseRun[];
  profile?: { file: string; samplesMs: number; top: ProfileEntry[] };
}

export const TARGETS = { lookupsPerSecond: 5000, lookupP99Ms: 20, releaseP99Ms: 50 } as const;

const n0 = (value: number) => Math.round(value).toLocaleString("en-US");
const ms = (value: number) => (value < 10 ? value.toFixed(1) : value.toFixed(0));

/** The verdicts on the targets of the issue, one line each. */
export function verdicts(results: ServerResults): string[] {
  const lines: string[] = [];
  const get = results.cerdbGet.filter((run) => run.non2xx === 0 && run.errors === 0 && run.timeouts === 0);
  const best = get
    .filter((run) => run.latencyMs.p99 <= TARGETS.lookupP99Ms)
    .sort((a, b) => b.requestsPerSecond - a.requestsPerSecond)[0];
  const met = best !== undefined && best.requestsPerSecond >= TARGETS.lookupsPerSecond;
  if (results.cerdbGet.length > 0) {
    lines.push(
      `CerDB GET >= ${n0(TARGETS.lookupsPerSecond)} lookups/s at p99 <= ${TARGETS.lookupP99Ms} ms: ` +
        (best === undefined
          ? "missed (no run kept p99 within the bound)"
          : `${met ? "met" : "missed"}: ${n0(best.requestsPerSecond)} req/s at p99 ${ms(best.latencyMs.p99)} ms (${best.connections} connections)`),
    );
  }
  for (const run of results.releases) {
    const p99 = run.endToEnd.p99;
    lines.push(
      `release p99 <= ${TARGETS.releaseP99Ms} ms at concurrency ${run.concurrency}: ` +
        `${p99 <= TARGETS.releaseP99Ms ? "met" : "missed"} (${ms(p99)} ms)`,
    );
  }
  return lines;
}

export function markdownReport(results: ServerResults): string {
  const out: string[] = [];
  out.push(
    `${results.date}, ${results.host} (${results.cpus}), Node ${results.node}; load average at start ${results.loadAverage.map((l) => l.toFixed(2)).join(" / ")}${results.quick ? "; QUICK (not a measurement)" : ""}.`,
    `Server: \`mailseal server ${results.serverArgs.join(" ")}\`; ${results.addresses} addresses enrolled in ${results.enrolmentSeconds.toFixed(1)} s.`,
    "",
    "| CerDB                          | connections |  req/s | lookups/s | p50 ms | p90 ms | p99 ms | max ms | non-2xx | errors | server CPU µs/req |",
    "| ------------------------------ | ----------: | -----: | --------: | -----: | -----: | -----: | -----: | ------: | -----: | ----------------: |",
  );
  const cpu = (run: CannonSummary) =>
    run.serverCpuMsPerRequest === undefined ? "" : n0(run.serverCpuMsPerRequest * 1000);
  const row = (label: string, run: CannonSummary, perRequest: number) =>
    `| ${label} | ${run.connections} | ${n0(run.requestsPerSecond)} | ${n0(run.requestsPerSecond * perRequest)} | ${ms(run.latencyMs.p50)} | ${ms(run.latencyMs.p90)} | ${ms(run.latencyMs.p99)} | ${ms(run.latencyMs.max)} | ${run.non2xx} | ${run.errors + run.timeouts} | ${cpu(run)} |`;
  for (const run of results.cerdbGet) out.push(row("`GET /v1/certs/{address}`", run, 1));
  for (const run of results.cerdbLookup10) out.push(row("`POST /v1/certs/lookup` (10)", run, 10));
  out.push(
    "",
    "| key release (ms)       | concurrency |    n | releases/s | p50 | p95 | p99 | max |",
    "| ---------------------- | ----------: | ---: | ---------: | --: | --: | --: | --: |",
  );
  for (const run of results.releases) {
    const line = (label: string, p: Percentiles, perSecond: number | undefined) =>
      `| ${label} | ${run.concurrency} | ${p.count} | ${perSecond === undefined ? "" : perSecond.toFixed(0)} | ${ms(p.p50)} | ${ms(p.p95)} | ${ms(p.p99)} | ${ms(p.max)} |`;
    out.push(line("end to end", run.endToEnd, run.releasesPerSecond));
    out.push(line("in it: ticket (api)", run.ticketStep, undefined));
    out.push(line("in it: one store", run.storeStep, undefined));
    out.push(line("ticket step alone", run.ticketsAlone, run.ticketsAlone.perSecond));
    out.push(line("store step alone", run.storeAlone, run.storeAlone.perSecond));
  }
  const withCpu = results.releases.filter((run) => run.cpuMsPerRelease !== undefined);
  if (withCpu.length > 0) {
    out.push("", "| CPU per release (ms) | concurrency | server | load generator |", "| --- | --: | --: | --: |");
    for (const run of withCpu) {
      out.push(
        `| end to end | ${run.concurrency} | ${ms(run.cpuMsPerRelease!.server)} | ${ms(run.cpuMsPerRelease!.client)} |`,
      );
    }
  }
  out.push("", ...verdicts(results).map((line) => `- ${line}`));
  if (results.profile !== undefined) {
    out.push("", `Server CPU profile (${results.profile.samplesMs.toFixed(0)} ms of samples), top self time:`, "");
    out.push("| self % | function | where |", "| -----: | -------- | ----- |");
    for (const entry of results.profile.top) {
      out.push(`| ${entry.selfPercent.toFixed(1)} | ${entry.function} | ${entry.where} |`);
    }
  }
  return `${out.join("\n")}\n`;
}
