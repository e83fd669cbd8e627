// Builds both WebAssembly targets (SIMD and baseline) from assembly/ and then the worker bundles.
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..");
const root = join(pkg, "..");
mkdirSync(join(pkg, "build"), { recursive: true });
const asc = join(root, "node_modules", ".bin", "asc");
for (const target of ["simd", "baseline"]) {
  execFileSync(asc, ["--config", "asconfig.json", "--target", target], { cwd: root, stdio: "inherit" });
}
