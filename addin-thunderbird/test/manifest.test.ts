// The project's own manifest checks (web-ext lint is not installed, and flags Thunderbird-only APIs
// anyway): MV3, the gecko id and minimum version, every permission justified in README.md and used
// by the code, the Experiment's schema and script present and consistent, and a built .xpi that
// holds every file the manifest names. The release .xpi holds no test code (issue 12, finding 8):
// it is unzipped and searched; the test flavour the Thunderbird suites install has it.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

const addin = join(import.meta.dirname, "..");
const manifest = JSON.parse(readFileSync(join(addin, "manifest.json"), "utf8")) as Record<string, unknown> & {
  manifest_version: number;
  permissions?: string[];
  host_permissions?: string[];
  browser_specific_settings: { gecko: { id: string; strict_min_version: string } };
  background: { scripts: string[]; type?: string };
  content_security_policy: { extension_pages: string };
  experiment_apis: Record<string, { schema: string; parent: { scopes: string[]; paths: string[][]; script: string } }>;
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}
const code = sources(join(addin, "src"))
  .filter((f) => !f.endsWith(".d.ts"))
  .map((f) => readFileSync(f, "utf8"))
  .join("\n");

/** The permissions table of README.md ("| `name` | why |"). */
function justified(): Map<string, string> {
  const readme = readFileSync(join(addin, "README.md"), "utf8");
  const section = readme.split("## Permissions")[1]?.split("\n## ")[0] ?? "";
  const rows = [...section.matchAll(/^\|\s*`([^`]+)`\s*\|\s*(.+?)\s*\|$/gm)];
  return new Map(rows.map((m) => [m[1]!, m[2]!.trim()]));
}

/** What proves each permission is used: the API it unlocks, called somewhere in src/. */
const USE: Record<string, RegExp> = {
  messagesRead: /messenger\.(messages|messageDisplay)\./,
  messagesUpdate: /messenger\.messages\.update\(/,
  messagesDelete: /messenger\.messages\.delete\(/,
  scripting: /messenger\.scripting\./,
  accountsRead: /messenger\.accounts\./,
  // IndexedDbStateStore (engine/src/client/state-store.ts) keeps the accounts in IndexedDB.
  unlimitedStorage: /indexedDB|IndexedDbStateStore/,
  compose: /messenger\.compose\.(getComposeDetails|setComposeDetails)/,
  "compose.send": /messenger\.compose\.(sendMessage|onBeforeSend)/,
  downloads: /messenger\.downloads\.download\(/,
  alarms: /messenger\.alarms\.create\(/,
  notifications: /messenger\.notifications\.create\(/,
  storage: /messenger\.storage\.local\./,
};

const KNOWN_KEYS = new Set([
  "manifest_version",
  "name",
  "description",
  "version",
  "author",
  "icons",
  "browser_specific_settings",
  "background",
  "permissions",
  "compose_action",
  "content_security_policy",
  "experiment_apis",
  "options_ui",
]);

describe("manifest.json", () => {
  it("is Manifest V3 for Thunderbird 128 ESR and later, with a stable gecko id", () => {
    expect(manifest.manifest_version).toBe(3);
    const gecko = manifest.browser_specific_settings.gecko;
    // Gecko ids are email-like or a {GUID}; the sideloaded file is named by it.
    expect(gecko.id).toMatch(/^([a-z0-9._-]+@[a-z0-9.-]+|\{[0-9a-f-]{36}\})$/i);
    expect(gecko.strict_min_version).toBe("128.0");
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+$/);
    for (const key of Object.keys(manifest)) expect(KNOWN_KEYS, `unexpected manifest key ${key}`).toContain(key);
  });

  it("lists every permission in README.md with its reason, and the code uses each", () => {
    const reasons = justified();
    const permissions = manifest.permissions ?? [];
    expect(permissions.length).toBeGreaterThan(0);
    expect([...reasons.keys()].sort()).toEqual([...permissions].sort());
    for (const permission of permissions) {
      expect(reasons.get(permission)!.length, `${permission} needs a reason`).toBeGreaterThan(20);
      expect(USE[permission], `no usage rule for ${permission}`).toBeDefined();
      expect(code, `${permission} is granted but not used`).toMatch(USE[permission]!);
    }
    // No host permissions: the test channel is plain CORS, the services will be reached the same way.
    expect(manifest.host_permissions).toBeUndefined();
  });

  it("gives the compose button short fixed labels, so the titles set while composing stay in its tooltip (issue 14, finding 4)", () => {
    // Thunderbird shows the title as the button's label when no label is set: the long titles
    // compose.ts sets ("mailseal: signed only (no certificate for ...)") squeezed the toolbar.
    const action = manifest.compose_action as { default_label?: string; default_title?: string };
    expect(action.default_label).toBe("mailseal");
    expect(action.default_title?.length).toBeGreaterThan(0);
    // At run time the label is only ever one of a few short fixed words (compose.ts: "Encrypted",
    // "Not encrypted", "Not sent", or back to the default), never a title or anything built from
    // the message: the visual run (test/thunderbird/visual.test.ts) measures that Send keeps its room.
    const labels = [...code.matchAll(/composeAction\s*\.setLabel\(\{\s*tabId,\s*label:([^}]*)\}/g)].map((m) => m[1]!);
    expect(labels.length).toBeGreaterThan(0);
    for (const label of labels) expect(label).not.toMatch(/`|title|\+|details|security\.missing/);
    const words = [...code.matchAll(/(?:ENCRYPTED_LABEL = |label: )"([^"]*)"/g)].map((m) => m[1]!);
    expect(words.sort()).toEqual(["Encrypted", "Not encrypted", "Not sent"]);
  });

  it("has its own icon for the add-on and the compose button, not the generic puzzle piece (issue 14, finding 9)", () => {
    const icons = manifest.icons as Record<string, string> | undefined;
    expect(Object.keys(icons ?? {}).length).toBeGreaterThan(0);
    expect((manifest.compose_action as { default_icon?: string }).default_icon).toBeDefined();
    for (const icon of [
      ...Object.values(icons ?? {}),
      (manifest.compose_action as { default_icon: string }).default_icon,
    ]) {
      const svg = readFileSync(join(addin, "src", icon), "utf8");
      // A self-contained SVG: no script, no external reference.
      expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      expect(svg).not.toMatch(/<script|href=|url\(/i);
    }
  });

  it("allows WebAssembly for the core and nothing looser", () => {
    const csp = manifest.content_security_policy.extension_pages;
    expect(csp).toContain("'wasm-unsafe-eval'");
    expect(csp).toMatch(/script-src 'self'/);
    expect(csp).not.toMatch(/'unsafe-eval'|'unsafe-inline'|https?:|\*/);
  });

  it("declares the Experiment with an existing schema and script that agree", () => {
    const entries = Object.entries(manifest.experiment_apis);
    expect(entries.map(([name]) => name)).toEqual(["mailseal"]);
    for (const [name, api] of entries) {
      expect(api.parent.scopes).toEqual(["addon_parent"]);
      expect(api.parent.paths).toEqual([[name]]);
      const src = (path: string): string => join(addin, "src", path);
      expect(existsSync(src(api.schema)), api.schema).toBe(true);
      expect(existsSync(src(api.parent.script)), api.parent.script).toBe(true);
      const schema = JSON.parse(readFileSync(src(api.schema), "utf8")) as {
        namespace: string;
        functions: { name: string; async: boolean }[];
      }[];
      expect(schema.map((n) => n.namespace)).toEqual([name]);
      const script = readFileSync(src(api.parent.script), "utf8");
      expect(script).toContain(`var ${name} = class extends ExtensionCommon.ExtensionAPI`);
      for (const fn of schema[0]!.functions) {
        expect(fn.async, fn.name).toBe(true);
        expect(script, `${fn.name} is declared but not implemented`).toMatch(new RegExp(`\\b${fn.name}: `));
      }
      // The release Experiment has no test function: those are the test flavour's own API.
      expect(schema[0]!.functions.filter((f) => f.name.startsWith("test"))).toEqual([]);
    }
  });

  it("keeps the test flavour's Experiment (src/testing/experiment) refusing outside test profiles", () => {
    const testing = join(addin, "src", "testing", "experiment");
    const schema = JSON.parse(readFileSync(join(testing, "schema.json"), "utf8")) as {
      namespace: string;
      functions: { name: string; async: boolean }[];
    }[];
    expect(schema.map((n) => n.namespace)).toEqual(["mailsealTest"]);
    const script = readFileSync(join(testing, "implementation.js"), "utf8");
    expect(script).toContain("var mailsealTest = class extends ExtensionCommon.ExtensionAPI");
    // Test-only functions must refuse outside test profiles; the two readers answer "nothing" there.
    const readers = ["testChannel", "testClockOffset"];
    for (const fn of schema[0]!.functions) {
      expect(fn.async, fn.name).toBe(true);
      expect(script, `${fn.name} is declared but not implemented`).toMatch(new RegExp(`\\b${fn.name}: `));
      if (readers.includes(fn.name)) continue;
      expect(script).toMatch(new RegExp(`${fn.name}:[\\s\\S]{0,200}requireTestProfile\\("${fn.name}"\\)`));
    }
    expect(script).toMatch(/testClockOffset:[\s\S]{0,120}testChannelUrl\(\) === "" \? 0/);
  });
});

/** The files of a built .xpi, read from the zip itself (what a user installs), by path. */
function unzipped(xpi: string): Map<string, string> {
  const names = execFileSync("unzip", ["-Z1", xpi], { encoding: "utf8" }).split("\n").filter(Boolean);
  return new Map(
    names.map((name) => [name, execFileSync("unzip", ["-p", xpi, name], { encoding: "latin1", maxBuffer: 64 << 20 })]),
  );
}

/**
 * What only test code holds: the harness's commands and channel, the test Experiment and its prefs,
 * the page's DOM snapshot and the clicks by CSS selector (in the page and in the display script).
 */
const TEST_ONLY = [
  "testExportKeys",
  "testSetUp",
  "testComposeAndSend",
  "runHarnessChannel",
  "harness",
  "/command",
  "mailsealTest",
  "testChannel",
  "testClockOffset",
  "testAddLogin",
  "testQuit",
  "extensions.mailseal.test.",
  "snapshot",
  "testClick",
  ".selector",
  'test: "click"',
];

describe("the built .xpi", () => {
  const stage = join(addin, "dist", "xpi");
  beforeAll(() => {
    execFileSync(process.execPath, [join(addin, "scripts", "build.mjs")], { stdio: "pipe" });
  });

  it("holds every file the manifest and the code name", () => {
    const listing = execFileSync("unzip", ["-Z1", join(addin, "dist", "mailseal.xpi")], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean);
    const named = [
      "manifest.json",
      ...manifest.background.scripts,
      ...Object.values(manifest.experiment_apis).flatMap((api) => [api.schema, api.parent.script]),
      "display.js", // scripting.messageDisplay.registerScripts (background/display.ts)
      "hide-until-checked.css", // the same, at document_start
      "worker.js", // startBrowserEngine (host/engine.ts)
      ...Object.values(manifest.icons as Record<string, string>),
      (manifest.compose_action as { default_icon: string }).default_icon,
    ];
    for (const file of named) expect(listing, file).toContain(file);
    expect(JSON.parse(readFileSync(join(stage, "manifest.json"), "utf8"))).toEqual(manifest);
    // The engine's worker embeds both WebAssembly builds: base64 of the "\0asm" magic starts with AGFzbQ.
    expect(readFileSync(join(stage, "worker.js"), "utf8").match(/AGFzbQ/g)).toHaveLength(2);
  });

  it("ships no test code in the release .xpi: no command channel, key export, test Experiment or page hooks", () => {
    const files = unzipped(join(addin, "dist", "mailseal.xpi"));
    expect([...files.keys()].filter((name) => /test/i.test(name))).toEqual([]);
    expect(JSON.parse(files.get("manifest.json")!)).toEqual(manifest);
    for (const [name, text] of files) {
      for (const word of TEST_ONLY) expect(text.includes(word), `${name} contains ${word}`).toBe(false);
    }
  });

  it("builds the test flavour the Thunderbird suites install, with the channel and its Experiment", () => {
    const files = unzipped(join(addin, "dist", "mailseal-test.xpi"));
    const testManifest = JSON.parse(files.get("manifest.json")!) as typeof manifest;
    expect(Object.keys(testManifest.experiment_apis).sort()).toEqual(["mailseal", "mailsealTest"]);
    const api = testManifest.experiment_apis.mailsealTest!;
    expect(files.has(api.schema) && files.has(api.parent.script)).toBe(true);
    // Apart from its extra Experiment, the same add-in as the release.
    delete (testManifest.experiment_apis as Record<string, unknown>).mailsealTest;
    expect(testManifest).toEqual(manifest);
    const all = [...files.values()].join("\n");
    for (const word of TEST_ONLY) expect(all.includes(word), word).toBe(true);
    expect(files.get("background.js")).toContain("testExportKeys");
    expect(files.get("options.js")).toContain("snapshot");
    expect(files.get("display.js")).toContain("testClick");
  });
});
