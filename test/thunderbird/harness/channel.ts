// The test's end of the add-in's test-only command channel (addin-thunderbird/src/testing/): a small
// HTTP server on 127.0.0.1. The add-in long-polls GET /command, posts each answer to /result and
// its events (ready, displayed, ...) to /event. Every response carries Access-Control-Allow-Origin,
// so the add-in's requests are plain CORS requests from its moz-extension:// origin.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

export interface ChannelEvent {
  type: string;
  [field: string]: unknown;
}

export class HarnessError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** How long a GET /command is held open when nothing is queued. */
const POLL_HOLD_MS = 10_000;

export interface TestChannel {
  url: string;
  /** Sends a command and resolves its answer (or rejects with the add-in's error code). */
  command<T = unknown>(type: string, fields?: Record<string, unknown>, timeoutMs?: number): Promise<T>;
  /** Resolves the first event (past or future) that `match` accepts. */
  event(match: (event: ChannelEvent) => boolean, timeoutMs?: number): Promise<ChannelEvent>;
  events(): ChannelEvent[];
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => (body += chunk));
    request.on("end", () => resolve(body));
    request.on("error", reject);
  });
}

export async function startChannel(): Promise<TestChannel> {
  const queue: { id: number; type: string; [field: string]: unknown }[] = [];
  const pending = new Map<number, Pending>();
  const events: ChannelEvent[] = [];
  const eventWaiters = new Set<() => void>();
  let polls: ServerResponse[] = [];
  let nextId = 1;
  let closed = false;

  function flush(): void {
    while (queue.length > 0 && polls.length > 0) {
      const response = polls.shift()!;
      if (response.writableEnded) continue;
      response.writeHead(200, { "Content-Type": "application/json", "Access-Control-Allow-Origin": "*" });
      response.end(JSON.stringify(queue.shift()));
    }
  }

  const server = createServer((request, response) => {
    void (async () => {
      response.setHeader("Access-Control-Allow-Origin", "*");
      response.setHeader("Cache-Control", "no-store");
      if (request.method === "OPTIONS") {
        response.writeHead(204, {
          "Access-Control-Allow-Methods": "GET, POST",
          "Access-Control-Allow-Headers": "Content-Type",
        });
        return response.end();
      }
      if (request.method === "GET" && request.url === "/command") {
        if (closed) return response.writeHead(410).end();
        polls.push(response);
        const timer = setTimeout(() => {
          polls = polls.filter((r) => r !== response);
          if (!response.writableEnded) response.writeHead(204).end();
        }, POLL_HOLD_MS);
        response.once("close", () => clearTimeout(timer));
        return flush();
      }
      if (request.method === "POST" && (request.url === "/result" || request.url === "/event")) {
        const body = JSON.parse(await readBody(request)) as Record<string, unknown>;
        response.writeHead(204).end();
        if (request.url === "/event") {
          events.push(body as ChannelEvent);
          for (const wake of eventWaiters) wake();
          return;
        }
        const waiter = pending.get(body.id as number);
        pending.delete(body.id as number);
        if (body.ok === true) waiter?.resolve(body.value);
        else {
          const error = body.error as { code: string; message: string };
          waiter?.reject(new HarnessError(error.code, error.message));
        }
        return;
      }
      response.writeHead(404).end();
    })().catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500);
      response.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (typeof address !== "object" || address === null) throw new Error("channel server has no address");

  return {
    url: `http://127.0.0.1:${address.port}`,
    command<T>(type: string, fields: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<T> {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new HarnessError("TIMEOUT", `the add-in did not answer ${type} within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (value) => {
            clearTimeout(timer);
            resolve(value as T);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
        queue.push({ ...fields, id, type });
        flush();
      });
    },
    event(match, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const hit = events.find(match);
          if (hit === undefined) return false;
          eventWaiters.delete(wake);
          clearTimeout(timer);
          resolve(hit);
          return true;
        };
        const wake = (): void => void check();
        const timer = setTimeout(() => {
          eventWaiters.delete(wake);
          reject(
            new HarnessError("TIMEOUT", `no matching event within ${timeoutMs} ms; events: ${JSON.stringify(events)}`),
          );
        }, timeoutMs);
        if (!check()) eventWaiters.add(wake);
      });
    },
    events: () => [...events],
    async close() {
      closed = true;
      for (const response of polls) if (!response.writableEnded) response.writeHead(410).end();
      polls = [];
      for (const [, waiter] of pending) waiter.reject(new HarnessError("CLOSED", "the channel closed"));
      pending.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
