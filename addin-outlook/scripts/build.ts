// Builds the Outlook add-in into addin-outlook/dist: both manifests and their icons (manifest/),
// served from MAILSEAL_OUTLOOK_BASE_URL (https; https://localhost:3000 when unset).
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { emitManifests } from "../manifest/emit.js";
import { addinSource, DEFAULT_BASE_URL } from "../manifest/source.js";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(pkg, "dist");
const source = addinSource(process.env.MAILSEAL_OUTLOOK_BASE_URL ?? DEFAULT_BASE_URL);
emitManifests(source, out);
