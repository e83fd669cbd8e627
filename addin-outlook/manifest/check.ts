// Our own checks of the two manifests, beyond what the JSON schema and the converter say: every resid
// resolves within its VersionOverrides, every URL is https, every icon file is the size declared,
// every action a control or event names exists, the Take Action command is a compose control, the
// read pane is pinnable and the send event is SoftBlock in both.
import { pngSize } from "./icons.js";
import type { AddinSource } from "./source.js";

/** Reads a built file by its URL path ("/assets/icon-16.png"), undefined when there is none. */
export type FileReader = (path: string) => Uint8Array | undefined;

const attr = (tag: string, name: string): string | undefined => new RegExp(`\\b${name}="([^"]*)"`).exec(tag)?.[1];
const tags = (xml: string, name: string): string[] => xml.match(new RegExp(`<${name}\\b[^>]*>`, "g")) ?? [];

/** The two VersionOverrides of the XML manifest: V1_1's own text, and V1_0's without the V1_1 inside. */
function overrides(xml: string): { name: string; text: string }[] {
  const start = xml.indexOf('xsi:type="VersionOverridesV1_1"');
  const end = xml.indexOf("</VersionOverrides>", start);
  if (start < 0 || end < 0) return [{ name: "VersionOverridesV1_0", text: xml }];
  const open = xml.lastIndexOf("<VersionOverrides", start);
  return [
    { name: "VersionOverridesV1_1", text: xml.slice(open, end) },
    { name: "VersionOverridesV1_0", text: xml.slice(xml.indexOf("<VersionOverrides"), open) + xml.slice(end) },
  ];
}

function checkUrl(problems: string[], where: string, value: string): void {
  if (!/^https:\/\//.test(value)) problems.push(`${where}: ${value} is not an https URL`);
}

function checkIcon(
  problems: string[],
  source: AddinSource,
  files: FileReader,
  where: string,
  ref: string,
  size: number,
): void {
  const path = ref.startsWith("https://") ? new URL(ref).pathname : `/${ref}`;
  if (ref.startsWith("https://") && !ref.startsWith(new URL(source.baseUrl).origin + "/")) {
    problems.push(`${where}: ${ref} is not served by the add-in (${source.baseUrl})`);
    return;
  }
  const bytes = files(path);
  if (bytes === undefined) return void problems.push(`${where}: ${path} does not exist`);
  const got = pngSize(bytes);
  if (got === undefined) return void problems.push(`${where}: ${path} is not a PNG`);
  if (got.width !== size || got.height !== size)
    problems.push(`${where}: ${path} is ${got.width}x${got.height}, declared ${size}x${size}`);
}

export function checkXmlManifest(source: AddinSource, xml: string, files: FileReader): string[] {
  const problems: string[] = [];
  for (const tag of tags(xml, "[A-Za-z]+").filter((t) => /DefaultValue="https?:/.test(t)))
    checkUrl(
      problems,
      `${tag.slice(1, tag.indexOf(" "))}${attr(tag, "id") === undefined ? "" : ` ${attr(tag, "id")}`}`,
      attr(tag, "DefaultValue")!,
    );
  for (const [name, size] of [
    ["IconUrl", 64],
    ["HighResolutionIconUrl", 128],
  ] as const) {
    const value = attr(tags(xml, name)[0] ?? "", "DefaultValue");
    if (value === undefined) problems.push(`${name} is missing`);
    else checkIcon(problems, source, files, name, value, size);
  }
  for (const { name, text } of overrides(xml)) {
    const defined = new Map<string, string>();
    for (const tag of [...tags(text, "bt:Image"), ...tags(text, "bt:Url"), ...tags(text, "bt:String")]) {
      const id = attr(tag, "id");
      const value = attr(tag, "DefaultValue");
      if (id === undefined || value === undefined) continue;
      if (id.length > 32) problems.push(`${name}: resource id ${id} is longer than 32 characters`);
      if (defined.has(id)) problems.push(`${name}: resource id ${id} is defined twice`);
      defined.set(id, value);
    }
    for (const tag of tags(text, "[A-Za-z:]+").filter((t) => / resid="/.test(t))) {
      const resid = attr(tag, "resid")!;
      const value = defined.get(resid);
      if (value === undefined) {
        problems.push(`${name}: resid ${resid} is not defined in its Resources`);
        continue;
      }
      const size = attr(tag, "size");
      if (tag.startsWith("<bt:Image") && size !== undefined)
        checkIcon(problems, source, files, `${name} ${resid}`, value, Number(size));
    }
    const controls = tags(text, "Control").map((t) => attr(t, "id"));
    if (!controls.includes(source.compose.sendSecurely.id))
      problems.push(`${name}: the Take Action command ${source.compose.sendSecurely.id} is not a control`);
  }
  const v11 = overrides(xml).find((o) => o.name === "VersionOverridesV1_1")?.text ?? "";
  const launch = tags(v11, "LaunchEvent").find((t) => attr(t, "Type") === "OnMessageSend");
  if (launch === undefined) problems.push("VersionOverridesV1_1: no OnMessageSend LaunchEvent");
  else if (attr(launch, "SendMode") !== "SoftBlock") problems.push("OnMessageSend: SendMode is not SoftBlock");
  if (!v11.includes("<SupportsPinning>true</SupportsPinning>"))
    problems.push("VersionOverridesV1_1: the read pane does not support pinning");
  return problems;
}

interface JsonAction {
  id: string;
  type: string;
  pinnable?: boolean;
}
interface JsonRuntime {
  code: { page: string; script?: string };
  actions: JsonAction[];
}
interface JsonControl {
  id: string;
  actionId: string;
  icons: { size: number; url: string }[];
}
interface JsonExtension {
  runtimes: JsonRuntime[];
  ribbons: {
    contexts: string[];
    tabs: { groups: { icons: { size: number; url: string }[]; controls: JsonControl[] }[] }[];
  }[];
  autoRunEvents: { events: { type: string; actionId: string; options?: { sendMode?: string } }[] }[];
}

function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value !== null && typeof value === "object") for (const v of Object.values(value)) strings(v, out);
  return out;
}

export function checkJsonManifest(source: AddinSource, json: Record<string, unknown>, files: FileReader): string[] {
  const problems: string[] = [];
  for (const s of strings(json).filter((v) => /^https?:\/\//.test(v) && !v.includes("json-schemas")))
    checkUrl(problems, "manifest.json", s);
  const icons = json.icons as { color: string; outline: string };
  checkIcon(problems, source, files, "icons.color", icons.color, 192);
  checkIcon(problems, source, files, "icons.outline", icons.outline, 32);
  for (const ext of json.extensions as JsonExtension[]) {
    const actions = new Map(ext.runtimes.flatMap((r) => r.actions.map((a) => [a.id, a] as const)));
    for (const ribbon of ext.ribbons)
      for (const tab of ribbon.tabs)
        for (const group of tab.groups) {
          for (const icon of group.icons) checkIcon(problems, source, files, "group icon", icon.url, icon.size);
          for (const control of group.controls) {
            if (!actions.has(control.actionId))
              problems.push(`control ${control.id}: action ${control.actionId} is in no runtime`);
            for (const icon of control.icons)
              checkIcon(problems, source, files, `control ${control.id}`, icon.url, icon.size);
          }
        }
    const composeControls = ext.ribbons
      .filter((r) => r.contexts.includes("mailCompose"))
      .flatMap((r) => r.tabs.flatMap((t) => t.groups.flatMap((g) => g.controls.map((c) => c.id))));
    if (!composeControls.includes(source.compose.sendSecurely.id))
      problems.push(`the Take Action command ${source.compose.sendSecurely.id} is not a compose control`);
    const sending = ext.autoRunEvents.flatMap((a) => a.events).find((e) => e.type === "messageSending");
    if (sending === undefined) problems.push("no messageSending event");
    else {
      if (!actions.has(sending.actionId)) problems.push(`messageSending: action ${sending.actionId} is in no runtime`);
      if (sending.options?.sendMode !== "softBlock") problems.push("messageSending: sendMode is not softBlock");
    }
    const readPane = ext.runtimes.find((r) => r.code.page === new URL(source.read.pane.page, source.baseUrl).href);
    if (!readPane?.actions.some((a) => a.type === "openPage" && a.pinnable === true))
      problems.push("the read pane is not pinnable");
  }
  return problems;
}
