// The event bundle (commands.js) as classic Outlook on Windows runs it: one file, ES2016, no import
// or export, no WebAssembly; loaded in a node:vm context that has the Office host DOUBLE
// (test/office-double.ts) and nothing else: no window, document, Worker, WebAssembly or crypto.
// Checks the options the send handler gives event.completed, and the toggles' custom properties.
import { Linter } from "eslint";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import vm from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCommands } from "../scripts/build.js";
import { PROPERTY, REQUIRE_ENCRYPTION_SETTING, SEND_WORDS, TOGGLE_WORDS } from "../src/commands/send-gate.js";
import { createOfficeDouble, type DoubleItem, type DoubleOptions, type OfficeDouble } from "./office-double.js";

let dir: string;
let bundle: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "mailseal-outlook-commands-"));
  await buildCommands(dir);
  bundle = readFileSync(join(dir, "commands.js"), "utf8");
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the bundle in a fresh context that holds only the double (and the language's own globals). */
function load(options: DoubleOptions): OfficeDouble {
  const double = createOfficeDouble(options);
  const context = vm.createContext({ Office: double.Office });
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

const blocked = (words: string) => ({
  allowEvent: false,
  errorMessage: words,
  cancelLabel: "Send securely",
  commandId: "msgComposeSendSecurely",
});

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

  it("Encrypt off and not required: allowed", async () => {
    expect(await run(load({ item: draft() }), "onMessageSendHandler")).toEqual({ allowEvent: true });
    const off = load({ item: draft({ customProperties: { [PROPERTY.encrypt]: false } }) });
    expect(await run(off, "onMessageSendHandler")).toEqual({ allowEvent: true });
  });

  it("encryption required by the deployment's roaming setting: blocked even with Encrypt off", async () => {
    const double = load({ item: draft(), roamingSettings: { [REQUIRE_ENCRYPTION_SETTING]: true } });
    expect(await run(double, "onMessageSendHandler")).toEqual(blocked(SEND_WORDS.required));
  });

  it("Sign on: blocked (Outlook's Send cannot sign), with Take Action", async () => {
    const double = load({ item: draft({ customProperties: { [PROPERTY.sign]: true } }) });
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
    const double = load({ item: draft() });
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
