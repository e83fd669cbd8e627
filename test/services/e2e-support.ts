// What the end-to-end tests of the services share: the real `mailseal server` as a child process
// (all three roles, --port 0) and the `mailseal` command run as users run it, each device with its
// own home folder, answering its challenge mail from the server's outbox (no typed input).
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { systemClock } from "@mailseal/shared";
import * as pkijs from "pkijs";
import { afterAll, beforeAll, expect } from "vitest";
import { FileStateStore } from "../../cli/src/home/state-store.js";
import { BIN, ensureBundle, mailseal, type Result } from "../../cli/test/support.js";

/** Three years less 29 days: the first encryption certificate (3 years) is within its 30 days of renewal. */
export const ROTATION_OFFSET_MS = (3 * 365 - 29) * 86_400_000;

/** Whether `port` on 127.0.0.1 can be listened on now. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

/**
 * A --port for a server that must come back on the same URLs after a restart (a device keeps the
 * api and store URLs it was set up with): N, N+1 and N+2 all free now, and N+3 for the LDAP door.
 */
export async function freePorts(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 40_000);
    let free = true;
    for (let n = 0; n < 4 && free; n++) free = await portFree(port + n);
    if (free) return port;
  }
  throw new Error("no four free ports in a row");
}

export interface ServerOptions {
  /** Extra arguments (--db, --hsm, ...). */
  args?: readonly string[];
  /** The api's port (the stores take the next two); default 0, any free ones. */
  port?: number;
  /** Extra environment (SOFTHSM2_CONF, MAILSEAL_CLOCK_OFFSET, ...). */
  env?: Record<string, string>;
}

export interface RunningServer {
  api: string;
  /** The LDAP door (ldap://...), when the server runs it (the default roles do). */
  ldap: string | undefined;
  /** What the server wrote on standard error so far (JSON log lines). */
  readonly log: string;
  /** SIGTERM, and the exit status once it is gone. */
  stop(): Promise<number | null>;
}

/** `mailseal server --port 0 --data DATA`: resolves once the api and both stores listen. */
export function startServer(data: string, options: ServerOptions = {}): Promise<RunningServer> {
  ensureBundle();
  return new Promise((resolve, reject) => {
    const args = [
      "server",
      "--port",
      String(options.port ?? 0),
      "--data",
      data,
      "--key-bits",
      "2048",
      "--log-level",
      "warn",
      // All three roles in one process: a test system, not a deployment.
      "--dev",
    ];
    const child: ChildProcess = spawn(process.execPath, [BIN, ...args, ...(options.args ?? [])], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...options.env },
    });
    let out = "";
    let log = "";
    let api: string | undefined;
    const exited = new Promise<number | null>((done) => child.once("exit", (status) => done(status)));
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      const lines = out.split("\n").filter((l) => l !== "");
      const line = lines.find((l) => l.startsWith("api "));
      const ldap = lines.find((l) => l.startsWith("ldap "));
      // The LDAP door listens last, when it runs (the default roles, no --role given).
      const ready = ldap !== undefined || options.args?.includes("--role") === true;
      if (api === undefined && lines.length >= 3 && line !== undefined && ready) {
        api = line.slice(4).trim();
        resolve({
          api,
          ldap: ldap?.slice(5).trim(),
          get log() {
            return log;
          },
          stop: () => {
            child.kill("SIGTERM");
            return exited;
          },
        });
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => (log += chunk.toString("utf8")));
    void exited.then((status) => {
      if (api === undefined) reject(new Error(`mailseal server exited with ${status} before listening: ${log}`));
    });
  });
}

/** A scratch folder for one test file: homes, messages, the server's data. */
export function scratch(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `mailseal-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The environment in which `mailseal` reaches no Secret Service (no session bus, no X11 to start
 * one), whatever the machine running the tests has: homes stay plain files, which the tests read
 * (`Devices.state`). test/services/secret-store-e2e.test.ts gives its commands a bus instead.
 */
export const NO_SECRET_STORE: Record<string, string> = {
  DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent/mailseal-test-bus",
  DISPLAY: "",
};

/**
 * The server and devices of one test file: a scratch folder, the server started before the file's
 * tests on three free ports in a row (kept across restarts, so the URLs the homes hold stay right),
 * stopped and the folder removed after them.
 */
export class ServerSuite {
  readonly tmp: { dir: string; remove(): void };
  /** The server's data folder. */
  readonly data: string;
  readonly devices: Devices;
  #server: RunningServer | undefined;
  #port = 0;

  constructor(prefix: string, options: Omit<ServerOptions, "port"> = {}) {
    this.tmp = scratch(prefix);
    this.data = join(this.tmp.dir, "server");
    this.devices = new Devices(this.tmp.dir, this.data, "");
    beforeAll(async () => {
      this.#port = await freePorts();
      await this.restart(options);
    }, 60_000);
    afterAll(async () => {
      await this.#server?.stop();
      this.tmp.remove();
    });
  }

  get server(): RunningServer {
    if (this.#server === undefined) throw new Error("the server is not running");
    return this.#server;
  }

  get port(): number {
    return this.#port;
  }

  /** Stops the server (to change its data folder before a restart). */
  async stop(): Promise<void> {
    await this.#server?.stop();
    this.#server = undefined;
  }

  /** (Re)starts the server on the same ports with `options`; the devices follow its clock (`env`). */
  async restart(options: Omit<ServerOptions, "port"> = {}): Promise<RunningServer> {
    await this.stop();
    this.#server = await startServer(this.data, { ...options, port: this.#port });
    this.devices.api = this.#server.api;
    this.devices.env = { ...options.env };
    return this.#server;
  }
}

/**
 * The host shared's provision() runs on for a device in this process whose home is `dir`/homes/`device`
 * (as Devices.home): this process's fetch and clock, the home's state store, as the command keeps it.
 */
export function provisionHost(dir: string, device: string) {
  return {
    fetch: (input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init),
    clock: systemClock(),
    store: new FileStateStore(join(dir, "homes", device)),
  };
}

/** The devices of a test: one home folder each under `dir`/homes. */
export class Devices {
  constructor(
    readonly dir: string,
    /** The server's data folder: its outbox holds the challenge mails. */
    readonly data: string,
    public api: string,
    /** Environment of every command (MAILSEAL_CLOCK_OFFSET, ...). */
    public env: Record<string, string> = {},
  ) {}

  home(device: string): string {
    return join(this.dir, "homes", device);
  }

  run(device: string, args: readonly string[], env: Record<string, string> = {}): Promise<Result> {
    return mailseal([...args, "--home", this.home(device)], undefined, { ...NO_SECRET_STORE, ...this.env, ...env });
  }

  /** `mailseal account add` answered from the outbox, as is; `extra` adds --password-file and the like. */
  addAccount(address: string, device: string, extra: readonly string[] = [], env: Record<string, string> = {}) {
    const outbox = join(this.data, "outbox");
    return this.run(
      device,
      ["account", "add", address, "--server", this.api, "--outbox", outbox, "--name", device, ...extra],
      env,
    );
  }

  /** addAccount that must succeed, bringing `keys` keys to the device. */
  async provision(address: string, device: string, keys = 1, extra: readonly string[] = []): Promise<void> {
    const result = await this.addAccount(address, device, extra);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout.toString()).toMatch(
      new RegExp(`^${address}: device \\S+, ${keys} of ${keys} keys on this device\\nkeys kept in .+\\n$`),
    );
  }

  /** `mailseal send` of `message` from `device` to `to`: the S/MIME message. */
  async send(device: string, to: readonly string[], message: string): Promise<string> {
    const input = join(this.dir, `in-${Math.random().toString(36).slice(2)}.eml`);
    const output = `${input}.sent`;
    writeFileSync(input, message);
    const result = await this.run(device, ["send", ...to.flatMap((a) => ["--to", a]), "--in", input, "--out", output]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    return readFileSync(output, "latin1");
  }

  /** `mailseal read` of an S/MIME message on `device`. */
  read(device: string, message: string, extra: readonly string[] = [], env: Record<string, string> = {}) {
    return mailseal(["read", "--home", this.home(device), ...extra], message, {
      ...NO_SECRET_STORE,
      ...this.env,
      ...env,
    });
  }

  /** The saved state of `address` on `device` (it holds the PKCS#8s: what openssl needs). */
  state(device: string, address: string): StateFile {
    const file = join(this.home(device), "accounts", `${encodeURIComponent(address)}.json`);
    return JSON.parse(readFileSync(file, "utf8")) as StateFile;
  }
}

export interface StateFile {
  deviceId: string;
  root: string;
  keys: { keyId: string; certificate: string; status: string; protection: string; pkcs8?: string }[];
}

/** A plain-text message from `from` to `to`: the one the mailflow suites use. */
export { plainMessage } from "../../shared/test/mailflow/accounts.js";

/** The RecipientInfo CHOICE of each recipient of an S/MIME enveloped message (RFC 5652 6.2: 1 ktri, 5 ori), sorted. */
export function recipientKinds(message: string): number[] {
  const body = message.slice(message.indexOf("\r\n\r\n") + 4).replace(/\s+/g, "");
  const info = pkijs.ContentInfo.fromBER(new Uint8Array(Buffer.from(body, "base64")));
  return new pkijs.EnvelopedData({ schema: info.content }).recipientInfos.map((r) => r.variant).sort();
}

export function pem(label: string, der: Buffer): string {
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}
