// The event bundle (commands.js) as classic Outlook on Windows runs it: one file, ES2016, no import
// or export, no WebAssembly; loaded in a node:vm context that has the Office host DOUBLE
// (test/office-double.ts) and nothing else: no window, document, Worker, WebAssembly or crypto.
// Checks the options the send handler gives event.completed, and the toggles' custom properties.
// Where Encrypt is unset the handler asks the directory itself: here a CerDB DOUBLE on loopback (not
// the mailseal server) serving the add-in's config.json, the service's well-known file and
// POST /v1/certs/lookup, reached with the fetch the context is given (Node's own). One describe asks
// the REAL service instead: `mailseal server` (test/services/e2e-support.ts), bob provisioned on it.
import { Linter } from "eslint";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import vm from "node:vm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ServerSuite } from "../../test/services/e2e-support.js";
import { buildCommands } from "../scripts/build.js";
import { PROPERTY, SEND_WORDS, TOGGLE_WORDS } from "../src/commands/send-gate.js";
import { createOfficeDouble, type DoubleItem, type DoubleOptions, type OfficeDouble } from "./office-double.js";

/**
 * A DOUBLE of the add-in's host and of CerDB, not the mailseal server: config.json names it as the
 * service, its well-known file names it as the api, and its lookup answers for `certified` only.
 */
interface DirectoryDouble {
  url: string;
  certified: Set<string>;
  /** Each request's method, path and body. */
  requests: { method: string; path: string; body: string }[];
  /** The status the lookup answers with (200 unless a failure is asked for). */
  lookupStatus: number;
  /** What config.json holds beside the service. */
  config: Record<string, unknown>;
  /** The api the well-known file names, when not the double itself. */
  api: string | undefined;
  close(): Promise<void>;
}

async function startDirectoryDouble(): Promise<DirectoryDouble> {
  const state = {
    certified: new Set<string>(),
    requests: [] as DirectoryDouble["requests"],
    lookupStatus: 200,
    config: {} as Record<string, unknown>,
    api: undefined as string | undefined,
  };
  let url = "";
  const server: Server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    request.on("end", () => {
      const path = request.url ?? "";
      state.requests.push({ method: request.method ?? "", path, body });
      const json = (status: number, value: unknown) => {
        response.writeHead(status, { "content-type": "application/json" });
        response.end(JSON.stringify(value));
      };
      if (path === "/config.json") return json(200, { service: url, ...state.config });
      if (path === "/.well-known/mailseal.json")
        return json(200, {
          version: 1,
          api: state.api ?? url,
          shareStores: { "share-a": url, "share-b": url },
          domains: [],
        });
      if (path === "/v1/certs/lookup" && request.method === "POST") {
        if (state.lookupStatus !== 200)
          return json(state.lookupStatus, { error: { code: "INTERNAL", message: "down" } });
        const { addresses } = JSON.parse(body) as { addresses: string[] };
        const certificates = addresses
          .filter((a) => state.certified.has(a.toLowerCase()))
          .map((address) => ({ address, certificate: "AA", chain: [], capabilities: [] }));
        return json(200, { certificates });
      }
      json(404, { error: { code: "NOT_FOUND", message: "no such route" } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    get certified() {
      return state.certified;
    },
    get requests() {
      return state.requests;
    },
    get lookupStatus() {
      return state.lookupStatus;
    },
    set lookupStatus(value: number) {
      state.lookupStatus = value;
    },
    get config() {
      return state.config;
    },
    set config(value: Record<string, unknown>) {
      state.config = value;
    },
    get api() {
      return state.api;
    },
    set api(value: string | undefined) {
      state.api = value;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let dir: string;
let bundle: string;
let cerdb: DirectoryDouble;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "mailseal-outlook-commands-"));
  cerdb = await startDirectoryDouble();
  await buildCommands(dir, cerdb.url);
  bundle = readFileSync(join(dir, "commands.js"), "utf8");
}, 120_000);
afterAll(async () => {
  await cerdb?.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Runs the bundle in a fresh context that holds only the double (and the language's own globals),
 * with `fetch` (Node's) unless `noFetch`: the JavaScript-only runtime's way to external data.
 */
function load(options: DoubleOptions, { noFetch = false } = {}): OfficeDouble {
  const double = createOfficeDouble(options);
  const context = vm.createContext(noFetch ? { Office: double.Office } : { Office: double.Office, fetch });
  // A vm context has the language's globals, WebAssembly among them: the runtime promises none.
  vm.runInContext("delete globalThis.WebAssembly; delete globalThis.SharedArrayBuffer;", context);
  const absent = vm.runInContext(
    "[typeof window, typeof document, typeof Worker, typeof WebAssembly, typeof crypto, typeof self].join()",
    context,
  );
  if (absent !== "undefined,undefined,undefined,undefined,undefined,undefined") throw new Error(`not bare: ${absent}`);
  vm.runInContext(bundle, context, { filename: "commands.js" });
  return double;
}

function run(double: OfficeDouble, name: string): Promise<unknown> {
  return new Promise((resolve) => {
    const handler = double.handlers.get(name);
    if (handler === undefined) throw new Error(`${name} is not associated`);
    handler({ completed: (options?: unknown) => resolve(options) });
  });
}

const draft = (extra: Partial<DoubleItem> = {}): DoubleItem => ({
  itemId: "draft-1",
  itemClass: "IPM.Note",
  subject: "Quarterly numbers",
  ...extra,
});

/** A message being written to `to` (To only). */
const writing = (to: string[], extra: Partial<DoubleItem> = {}): DoubleItem =>
  draft({
    compose: {
      to: to.map((emailAddress) => ({ emailAddress, displayName: "" })),
      cc: [],
      bcc: [],
      html: "<p>Hello</p>",
      attachments: [],
    },
    ...extra,
  });

const lookups = () => cerdb.requests.filter((r) => r.path === "/v1/certs/lookup");

const blocked = (words: string) => ({
  allowEvent: false,
  errorMessage: words,
  cancelLabel: "Send securely",
  commandId: "msgComposeSendSecurely",
});

beforeEach(() => cerdb.certified.clear());

describe("commands.js, the event bundle", () => {
  it("is one ES2016 script: no import, export or dynamic import, no WebAssembly, no Worker", () => {
    const linter = new Linter();
    const messages = linter.verify(bundle, {
      languageOptions: { ecmaVersion: 2016, sourceType: "script" },
      rules: {},
    });
    expect(messages.filter((m) => m.fatal)).toEqual([]);
    expect(bundle).not.toMatch(/\bWebAssembly\b|\bnew Worker\b|\bimportScripts\b|\bcrypto\.subtle\b|\.wasm\b/);
    expect(bundle).not.toMatch(/\bwindow\.|\bdocument\./);
  });

  it("the ES2016 check can fail: an async function does not parse as ES2016", () => {
    const messages = new Linter().verify("async function f() { await 1; }", {
      languageOptions: { ecmaVersion: 2016, sourceType: "script" },
    });
    expect(messages.some((m) => m.fatal)).toBe(true);
  });

  it("registers the three functions the manifests name", () => {
    expect([...load({ item: draft() }).handlers.keys()].sort()).toEqual([
      "onMessageSendHandler",
      "toggleEncrypt",
      "toggleSign",
    ]);
  });

  it("Encrypt on and a plaintext send: blocked, in plain words, with Take Action to the pane", async () => {
    const double = load({ item: draft({ customProperties: { [PROPERTY.encrypt]: true } }) });
    expect(await run(double, "onMessageSendHandler")).toEqual(blocked(SEND_WORDS.encrypt));
  });

  it("Encrypt off and not required: allowed, without asking the directory", async () => {
    const before = lookups().length;
    const off = load({ item: writing(["bob@example.org"], { customProperties: { [PROPERTY.encrypt]: false } }) });
    cerdb.certified.add("bob@example.org");
    expect(await run(off, "onMessageSendHandler")).toEqual({ allowEvent: true });
    expect(lookups().length).toBe(before);
  });

  it("Encrypt unset and every recipient has a certificate in CerDB: blocked with Take Action (one batched lookup, cached)", async () => {
    cerdb.certified.add("bob@example.org");
    cerdb.certified.add("carol@example.org");
    const before = lookups().length;
    const double = load({ item: writing(["bob@example.org", "Carol@EXAMPLE.org"]) });
    expect(await run(double, "onMessageSendHandler")).toEqual(blocked(SEND_WORDS.encryptDefault));
    expect(lookups().length).toBe(before + 1);
    expect(JSON.parse(lookups().at(-1)!.body)).toEqual({ addresses: ["bob@example.org", "Carol@example.org"] });
    // The same runtime sends again: the answer is cached, the directory not asked.
    expect(await run(double, "onMessageSendHandler")).toEqual(blocked(SEND_WORDS.encryptDefault));
    expect(lookups().length).toBe(before + 1);
    // Nothing is written to the item: the pane still decides with its own checks.
    expect(double.saved.has("draft-1")).toBe(false);
  });

  it("Encrypt unset and a recipient without a certificate: allowed (Encrypt's default is off)", async () => {
    cerdb.certified.add("bob@example.org");
    const double = load({ item: writing(["bob@example.org", "dave@elsewhere.example"]) });
    expect(await run(double, "onMessageSendHandler")).toEqual({ allowEvent: true });
    // With Sign on, the same message is stopped for the signature.
    const signed = load({
      item: writing(["bob@example.org", "dave@elsewhere.example"], { customProperties: { [PROPERTY.sign]: true } }),
    });
    expect(await run(signed, "onMessageSendHandler")).toEqual(blocked(SEND_WORDS.sign));
  });

  it("Encrypt unset and the directory cannot be asked (it fails, or the runtime has no fetch): blocked, never sent plain", async () => {
    cerdb.certified.add("bob@example.org");
    cerdb.lookupStatus = 503;
    try {
      const failing = load({ item: writing(["bob@example.org"]) });
      expect(await run(failing, "onMessageSendHandler")).toEqual(blocked(SEND_WORDS.lookupFailed));
    } finally {
      cerdb.lookupStatus = 200;
    }
    // An api named over plain http to another machine: the addresses are not sent there.
    cerdb.api = "http://cerdb.example.test";
    try {
      const before = cerdb.requests.length;
      const insecure = load({ item: writing(["bob@example.org"]) });
      expect(await run(insecure, "onMessageSendHandler")).toEqual(blocked(SEND_WORDS.lookupFailed));
      expect(cerdb.requests.slice(before).map((r) => r.path)).toEqual(["/config.json", "/.well-known/mailseal.json"]);
    } finally {
      cerdb.api = undefined;
    }
    // Without fetch not even config.json (the policy) can be read.
    const noFetch = load({ item: writing(["bob@example.org"]) }, { noFetch: true });
    expect(await run(noFetch, "onMessageSendHandler")).toEqual(blocked(SEND_WORDS.unknown));
    // Recipients Outlook does not hand over: blocked too.
    const unreadable = writing(["bob@example.org"]);
    unreadable.compose!.failRecipients = true;
    expect(await run(load({ item: unreadable }), "onMessageSendHandler")).toEqual(blocked(SEND_WORDS.unknown));
  });

  it("encryption required by the deployment's config.json: blocked even with Encrypt off; a config.json it cannot read blocks too", async () => {
    cerdb.config = { requireEncryption: true };
    try {
      const off = load({
        item: writing(["dave@elsewhere.example"], { customProperties: { [PROPERTY.encrypt]: false } }),
      });
      expect(await run(off, "onMessageSendHandler")).toEqual(blocked(SEND_WORDS.required));
      const unset = load({ item: writing(["dave@elsewhere.example"]) });
      expect(await run(unset, "onMessageSendHandler")).toEqual(blocked(SEND_WORDS.required));
      cerdb.config = { requireEncryption: "yes" };
      const unreadable = load({
        item: writing(["dave@elsewhere.example"], { customProperties: { [PROPERTY.encrypt]: false } }),
      });
      expect(await run(unreadable, "onMessageSendHandler")).toEqual(blocked(SEND_WORDS.unknown));
    } finally {
      cerdb.config = {};
    }
    const notRequired = load({
      item: writing(["dave@elsewhere.example"], { customProperties: { [PROPERTY.encrypt]: false } }),
    });
    expect(await run(notRequired, "onMessageSendHandler")).toEqual({ allowEvent: true });
  });

  it("Sign on: blocked (Outlook's Send cannot sign), with Take Action", async () => {
    const double = load({ item: writing(["dave@elsewhere.example"], { customProperties: { [PROPERTY.sign]: true } }) });
    expect(await run(double, "onMessageSendHandler")).toEqual(blocked(SEND_WORDS.sign));
  });

  it("a failure reading the item blocks, never sends silently: a failed result, a throw, no item", async () => {
    const failedResult = load({ item: draft({ failLoadCustomProperties: "failed" }) });
    expect(await run(failedResult, "onMessageSendHandler")).toEqual(blocked(SEND_WORDS.unknown));
    const thrown = load({ item: draft({ failLoadCustomProperties: "throws" }) });
    expect(await run(thrown, "onMessageSendHandler")).toEqual(blocked(SEND_WORDS.unknown));
    expect(await run(load({ item: null }), "onMessageSendHandler")).toEqual(blocked(SEND_WORDS.unknown));
  });

  it("every message it shows fits Outlook's limit on errorMessage (500 characters)", () => {
    for (const words of Object.values(SEND_WORDS)) expect(words.length).toBeLessThanOrEqual(500);
  });

  it("Encrypt toggles the item's custom property and says so; the next send is blocked", async () => {
    const double = load({ item: writing(["dave@elsewhere.example"]) });
    await run(double, "toggleEncrypt");
    expect(double.saved.get("draft-1")).toEqual({ [PROPERTY.encrypt]: true });
    expect(double.notifications.at(-1)).toMatchObject({
      type: "informationalMessage",
      message: TOGGLE_WORDS.encryptOn,
    });
    expect(await run(double, "onMessageSendHandler")).toEqual(blocked(SEND_WORDS.encrypt));
    await run(double, "toggleEncrypt");
    expect(double.saved.get("draft-1")).toEqual({ [PROPERTY.encrypt]: false });
    expect(double.notifications.at(-1)?.message).toBe(TOGGLE_WORDS.encryptOff);
    expect(await run(double, "onMessageSendHandler")).toEqual({ allowEvent: true });
  });

  it("Sign toggles its own property; a failed save says so and changes nothing", async () => {
    const double = load({ item: draft() });
    await run(double, "toggleSign");
    expect(double.saved.get("draft-1")).toEqual({ [PROPERTY.sign]: true });
    const failing = load({ item: draft({ failSaveCustomProperties: true }) });
    await run(failing, "toggleEncrypt");
    expect(failing.saved.has("draft-1")).toBe(false);
    expect(failing.notifications.at(-1)).toEqual({
      key: "mailsealState",
      type: "errorMessage",
      message: TOGGLE_WORDS.failed,
    });
  });
});

describe("commands.js asking the REAL mailseal server's CerDB (not the double)", () => {
  const BOB = "bob@example.test";
  // Started for this describe only: its beforeAll and afterAll are scoped here.
  const suite = new ServerSuite("outlook-commands");
  beforeAll(async () => {
    await suite.devices.provision(BOB, "bob-outlook");
  }, 240_000);

  it("against the real service: to bob (certified) blocked with Take Action; to bob and an address without a certificate allowed", async () => {
    // config.json is the add-in host's file (the double serves it); the service it names is the real
    // server, whose well-known file names its api, and the lookup goes there.
    cerdb.config = { service: suite.server.api };
    try {
      const before = lookups().length;
      const toBob = load({ item: writing([BOB]) });
      expect(await run(toBob, "onMessageSendHandler")).toEqual(blocked(SEND_WORDS.encryptDefault));
      const mixed = load({ item: writing([BOB, "dave@elsewhere.example"]) });
      expect(await run(mixed, "onMessageSendHandler")).toEqual({ allowEvent: true });
      // The double's own lookup (which knows no one here) was never asked: the answers are the server's.
      expect(lookups().length).toBe(before);
    } finally {
      cerdb.config = {};
    }
  });
});
