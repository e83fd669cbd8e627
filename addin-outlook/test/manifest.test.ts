// Both manifests, validated offline: the JSON one against the 1.17 schema @microsoft/app-manifest
// ships; the XML one converted by office-addin-manifest-converter (offline: no image download) and
// the result validated against the same schema and compared with ours; then our own checks
// (check.ts), which must fail for a broken source.
import { AppManifestUtils } from "@microsoft/app-manifest";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { convert } from "office-addin-manifest-converter";
import { afterAll, describe, expect, it } from "vitest";
import { checkJsonManifest, checkXmlManifest, type FileReader } from "../manifest/check.js";
import { emitManifests } from "../manifest/emit.js";
import { jsonManifest, JSON_MANIFEST_VERSION } from "../manifest/json.js";
import { addinSource, type AddinSource } from "../manifest/source.js";
import { xmlManifest } from "../manifest/xml.js";

const require = createRequire(import.meta.url);
const schemaPath = require.resolve(
  `@microsoft/app-manifest/build/json-schemas/teams/v${JSON_MANIFEST_VERSION}/MicrosoftTeams.schema.json`,
);
const schema = JSON.parse(readFileSync(schemaPath, "utf8")) as object;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function built(source: AddinSource): { dir: string; files: FileReader } {
  const dir = mkdtempSync(join(tmpdir(), "mailseal-outlook-manifest-"));
  dirs.push(dir);
  emitManifests(source, dir);
  const files: FileReader = (path) => {
    const file = join(dir, path);
    return existsSync(file) ? readFileSync(file) : undefined;
  };
  return { dir, files };
}

async function schemaErrors(manifest: unknown): Promise<string[]> {
  return AppManifestUtils.validateAgainstSchema(manifest as never, schema as never);
}

interface Action {
  id: string;
  type: string;
  pinnable?: boolean;
}
interface Runtime {
  code: { page: string; script?: string };
  actions: Action[];
}
interface Extension {
  runtimes: Runtime[];
  autoRunEvents: { events: { type: string; actionId: string; options?: { sendMode?: string } }[] }[];
}

/** What a manifest makes Outlook do, independent of how ids are spelled: pages, functions, events. */
function behaviour(manifest: { extensions: Extension[] }) {
  const runtimes = manifest.extensions[0]!.runtimes;
  return {
    functions: [
      ...new Set(runtimes.flatMap((r) => r.actions.filter((a) => a.type === "executeFunction").map((a) => a.id))),
    ].sort(),
    pages: [
      ...new Set(runtimes.filter((r) => r.actions.some((a) => a.type === "openPage")).map((r) => r.code.page)),
    ].sort(),
    pinned: runtimes.filter((r) => r.actions.some((a) => a.pinnable === true)).map((r) => r.code.page),
    scripts: [...new Set(runtimes.map((r) => r.code.script).filter((s) => s !== undefined))],
    events: manifest.extensions[0]!.autoRunEvents.flatMap((a) =>
      a.events.map((e) => `${e.type} ${e.options?.sendMode}`),
    ),
  };
}

describe("the Outlook manifests, from one source", () => {
  const source = addinSource();

  it("the JSON manifest is valid against the 1.17 schema of @microsoft/app-manifest", async () => {
    expect(await schemaErrors(jsonManifest(source))).toEqual([]);
  });

  it("the XML manifest converts (office-addin-manifest-converter) to a valid JSON manifest that does what ours does", async () => {
    const { dir } = built(source);
    await convert(join(dir, "manifest.xml"), join(dir, "converted"), false, undefined, undefined, false);
    const converted = JSON.parse(readFileSync(join(dir, "converted", "manifest.json"), "utf8")) as {
      id: string;
      extensions: Extension[];
    };
    expect(await schemaErrors(converted)).toEqual([]);
    expect(converted.id).toBe(source.id);
    const ours = behaviour(jsonManifest(source) as never);
    expect(behaviour(converted)).toEqual(ours);
    expect(ours.functions).toEqual(["onMessageSendHandler", "toggleEncrypt", "toggleSign"]);
    expect(ours.pinned).toEqual(["https://localhost:3000/read.html"]);
    expect(ours.scripts).toEqual(["https://localhost:3000/commands.js"]);
    expect(ours.events).toEqual(["messageSending softBlock"]);
  });

  it("passes our own checks: resids resolve, URLs are https, icons are their declared sizes", () => {
    const { files } = built(source);
    expect(checkXmlManifest(source, xmlManifest(source), files)).toEqual([]);
    expect(checkJsonManifest(source, jsonManifest(source), files)).toEqual([]);
  });

  it("a broken source fails the checks: a missing resid", () => {
    const { files } = built(source);
    const xml = xmlManifest(source).replace(/<bt:String id="msgComposeSign\.Tip"[^>]*\/>/g, "");
    expect(checkXmlManifest(source, xml, files)).toEqual([
      "VersionOverridesV1_1: resid msgComposeSign.Tip is not defined in its Resources",
      "VersionOverridesV1_0: resid msgComposeSign.Tip is not defined in its Resources",
    ]);
  });

  it("a broken source fails the checks: an http URL", () => {
    const broken = addinSource("http://mailseal.example");
    const { files } = built(broken);
    const xmlProblems = checkXmlManifest(broken, xmlManifest(broken), files);
    expect(xmlProblems).toContain("SourceLocation: http://mailseal.example/read.html is not an https URL");
    expect(xmlProblems).toContain("bt:Url Commands.Url: http://mailseal.example/commands.html is not an https URL");
    expect(checkJsonManifest(broken, jsonManifest(broken), files)).toContain(
      "manifest.json: http://mailseal.example/commands.js is not an https URL",
    );
  });

  it("a broken source fails the checks: an icon of the wrong size", () => {
    const good = built(source);
    const broken: AddinSource = { ...source, controlIcons: { ...source.controlIcons, 32: source.controlIcons[80]! } };
    expect(checkXmlManifest(broken, xmlManifest(broken), good.files)).toContain(
      "VersionOverridesV1_1 Icon.32: /assets/icon-80.png is 80x80, declared 32x32",
    );
    expect(checkJsonManifest(broken, jsonManifest(broken), good.files)).toContain(
      "control msgComposeEncrypt: /assets/icon-80.png is 80x80, declared 32x32",
    );
  });

  it("a broken source fails the checks: no pinning, another send mode, a missing Take Action control", () => {
    const { files } = built(source);
    const broken: AddinSource = {
      ...source,
      read: { ...source.read, pane: { ...source.read.pane, pinnable: false } },
      onSend: { ...source.onSend, sendMode: "Block" as "SoftBlock" },
    };
    expect(checkXmlManifest(broken, xmlManifest(broken), files)).toEqual([
      "OnMessageSend: SendMode is not SoftBlock",
      "VersionOverridesV1_1: the read pane does not support pinning",
    ]);
    expect(checkJsonManifest(broken, jsonManifest(broken), files)).toEqual([
      "messageSending: sendMode is not softBlock",
      "the read pane is not pinnable",
    ]);
    const xml = xmlManifest(source).replace(/id="msgComposeSendSecurely"/g, 'id="other"');
    expect(checkXmlManifest(source, xml, files)).toContain(
      "VersionOverridesV1_1: the Take Action command msgComposeSendSecurely is not a control",
    );
  });
});
