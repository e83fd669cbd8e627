// autocannon in a worker thread of its own, so that its event loop is not shared with the bench's
// client code (proofs, ECDH, AES) nor with anything else: `runCannon` starts the worker, which runs
// one load and posts the summary back. The server is a separate process; all three share the
// machine's cores.
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import autocannon from "autocannon";

export interface CannonJob {
  url: string;
  method: "GET" | "POST";
  /** The paths cycled through, one per request (each connection takes the next). */
  paths: string[];
  /** With POST: the JSON bodies cycled through alongside the paths (same length, or one). */
  bodies?: string[];
  connections: number;
  durationSeconds: number;
}

export interface CannonSummary {
  connections: number;
  durationSeconds: number;
  requests: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** Responses outside 2xx, connection errors and timeouts: a valid run has none of each. */
  non2xx: number;
  errors: number;
  timeouts: number;
  /** CPU time of the server process per request over the run (ms; set by run.ts). */
  serverCpuMsPerRequest?: number;
}

/** Runs one autocannon load in a new worker thread and resolves with its summary. */
export function runCannon(job: CannonJob): Promise<CannonSummary> {
  return new Promise((resolve, reject) => {
    // The worker loads this file again: TypeScript, so tsx registers in the worker first (a worker
    // does not inherit the loader hooks of `node --import tsx`).
    const tsx = import.meta.resolve("tsx/esm/api");
    const boot = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); });`;
    const worker = new Worker(boot, { eval: true, workerData: job });
    worker.once("message", (summary: CannonSummary) => resolve(summary));
    worker.once("error", reject);
    worker.once("exit", (code) => {
      if (code !== 0) reject(new Error(`the autocannon worker exited with ${code}`));
    });
  });
}

async function work(job: CannonJob): Promise<CannonSummary> {
  let next = 0;
  const options: autocannon.Options = {
    url: job.url,
    connections: job.connections,
    duration: job.durationSeconds,
    // A request that takes this long is a failure of the run, not a latency sample.
    timeout: 10,
    requests: [
      {
        method: job.method,
        ...(job.method === "POST" ? { headers: { "content-type": "application/json" } } : {}),
        setupRequest: (request) => {
          const i = next++;
          const path = job.paths[i % job.paths.length]!;
          const body = job.bodies === undefined ? undefined : job.bodies[i % job.bodies.length];
          return { ...request, path, ...(body === undefined ? {} : { body }) };
        },
      },
    ],
  };
  // Outside the main thread autocannon hands back its raw per-worker result (it takes the thread for
  // one of its own workers); its public aggregateResult makes the usual summary of it.
  const raw = await autocannon(options);
  const { aggregateResult } = autocannon as unknown as {
    aggregateResult(results: unknown[], options: autocannon.Options): autocannon.Result;
  };
  const result = aggregateResult([raw], options);
  return {
    connections: job.connections,
    durationSeconds: result.duration,
    requests: result.requests.total,
    requestsPerSecond: result.requests.total / result.duration,
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: result.latency.average,
    },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

if (!isMainThread && parentPort !== null && (workerData as CannonJob | undefined)?.connections !== undefined) {
  parentPort.postMessage(await work(workerData as CannonJob));
}
