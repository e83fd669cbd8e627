// Writes what the manifests name into a folder: both manifests and every icon at its declared size.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { sealPng } from "./icons.js";
import { jsonManifest } from "./json.js";
import { CONTROL_ICON_SIZES, type AddinSource } from "./source.js";
import { xmlManifest } from "./xml.js";

function write(out: string, path: string, data: string | Uint8Array): void {
  const file = join(out, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, data);
}

export function emitManifests(source: AddinSource, out: string): void {
  for (const size of CONTROL_ICON_SIZES) write(out, source.controlIcons[size]!, sealPng(size));
  write(out, source.rootIcons[64], sealPng(64));
  write(out, source.rootIcons[128], sealPng(128));
  write(out, source.packageIcons.color, sealPng(192));
  write(out, source.packageIcons.outline, sealPng(32, true));
  write(out, "manifest.xml", xmlManifest(source));
  write(out, "manifest.json", JSON.stringify(jsonManifest(source), null, 2) + "\n");
}
