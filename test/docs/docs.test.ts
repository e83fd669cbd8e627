// The documents are tried as a newcomer tries them: every link and path they give resolves inside
// the repository, every error code (or other UPPER_SNAKE name) they quote exists in the source, and
// every `npm` script and `mailseal` command they show exists, with the options they give it.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CERTIFICATE_CAPABILITIES, chooseCipher } from "@mailseal/shared";
import { COMMANDS, commandHelp, mainHelp, type CommandName } from "../../cli/src/usage.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Folders no document describes as they are in the repository: installed, built or made by runs. */
const SKIPPED_FOLDERS = new Set([".git", "node_modules", "dist", "build", ".vitest", "mailseal-data"]);
const SOURCE_FILE = /\.(ts|mts|mjs|js|cjs|sh|py|json)$/;

/**
 * UPPER_SNAKE names the documents quote that are deliberately not ours: other programs' error and
 * status codes, quoted as those programs print them, and the placeholder of the error body's form.
 */
const FOREIGN_NAMES: Record<string, string> = {
  SEC_ERROR_INVALID_ALGORITHM: "NSS (cmsutil), test/interop/README.md",
  SEC_ERROR_UNRECOGNIZED_OID: "NSS (cmsutil), test/interop/README.md",
  SEC_ERROR_UNSUPPORTED_KEYALG: "NSS (cmsutil), test/interop/README.md",
  NS_ERROR_ILLEGAL_VALUE: "Thunderbird's S/MIME encoder in its send log, test/thunderbird/README.md",
  TRUST_UNDEFINED: "a gpgsm status line, test/interop/README.md",
  GLIBC_2: "glibc's symbol version in a loader error, test/fuzz/README.md",
  UV_THREADPOOL_SIZE: "libuv's environment variable, bench/README.md",
  MALLOC_ARENA_MAX: "glibc's allocator tunable, a diagnosis in bench/README.md",
  STABLE_CODE: "the placeholder in the error body's form, docs/services.md",
};

function walk(folder: string, keep: (path: string) => boolean, found: string[] = []): string[] {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    if (SKIPPED_FOLDERS.has(entry.name)) continue;
    const path = join(folder, entry.name);
    if (entry.isDirectory()) walk(path, keep, found);
    else if (entry.isFile() && keep(path)) found.push(path);
  }
  return found;
}

interface Doc {
  /** Path from the repository root, with "/". */
  file: string;
  /** The text outside fenced code blocks, fences replaced by blank lines (line numbers kept). */
  prose: string;
  /** The fenced code blocks' lines, each with its line number. */
  fenced: { line: number; text: string }[];
}

function readDoc(path: string): Doc {
  const lines = readFileSync(path, "utf8").split("\n");
  const prose: string[] = [];
  const fenced: Doc["fenced"] = [];
  let inFence = false;
  lines.forEach((text, i) => {
    if (/^\s*```/.test(text)) {
      inFence = !inFence;
      prose.push("");
    } else if (inFence) {
      fenced.push({ line: i + 1, text });
      prose.push("");
    } else prose.push(text);
  });
  return { file: relative(root, path).split(sep).join("/"), prose: prose.join("\n"), fenced };
}

const docs = walk(root, (path) => path.endsWith(".md")).map(readDoc);

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split("\n").length;
}

/** Inline code spans (a span may wrap onto the next line, never across a blank line), whitespace made single spaces. */
function codeSpans(doc: Doc): { line: number; text: string }[] {
  return [...doc.prose.matchAll(/`([^`]+)`/g)]
    .filter((m) => !m[1]!.includes("\n\n"))
    .map((m) => ({ line: lineOf(doc.prose, m.index), text: m[1]!.replace(/\s+/g, " ").trim() }));
}

/** Markdown link and image targets in the prose, `[text](target)`. */
function linkTargets(doc: Doc): { line: number; text: string }[] {
  return [...doc.prose.matchAll(/\]\(\s*([^)\s]+)[^)]*\)/g)].map((m) => ({
    line: lineOf(doc.prose, m.index),
    text: m[1]!,
  }));
}

const insideRoot = (path: string): boolean => path === root || path.startsWith(root + sep);
const topFolders = readdirSync(root, { withFileTypes: true })
  .filter((e) => e.isDirectory() && !e.name.startsWith(".") && !SKIPPED_FOLDERS.has(e.name))
  .map((e) => e.name);

/**
 * What is wrong with a path a document gives, or undefined. A link or a path beginning with ./ or
 * ../ is relative to the document and must stay inside the repository; a path beginning with a
 * top-level folder of the repository (`shared/src/mailflow`) is read from the document's folder or
 * any folder above it, as the documents write paths from their package or from the root.
 */
function pathProblem(doc: Doc, target: string, link: boolean): string | undefined {
  const path = target
    .replace(/#.*$/, "")
    .replace(/:\d+$/, "")
    .replace(/[.,;:]$/, "");
  if (path === "" || /^[a-z][a-z0-9+.-]*:/i.test(path) || path.startsWith("/")) return undefined;
  // Placeholders and patterns (`bench/results/<date>-<host>.json`, `src/commands/*.ts`) name no one file.
  if (/[<>*{}]|\.\.\./.test(path)) return undefined;
  const segments = path.split("/");
  if (segments.some((s) => SKIPPED_FOLDERS.has(s))) return undefined;
  const folder = join(root, dirname(doc.file));
  if (link || path.startsWith("./") || path.startsWith("../")) {
    const absolute = resolve(folder, path);
    if (!insideRoot(absolute)) return "points outside the repository";
    return existsSync(absolute) ? undefined : "does not exist";
  }
  if (!topFolders.includes(segments[0]!) || segments.length < 2) return undefined;
  for (let at = folder; insideRoot(at); at = dirname(at)) {
    if (existsSync(join(at, path))) return undefined;
  }
  return "does not exist";
}

/** Every name defined or used in the source (code and scripts, not documents and not tests). */
function sourceWords(): Set<string> {
  const words = new Set<string>();
  const files = walk(root, (path) => SOURCE_FILE.test(path) && !/\.test\.ts$/.test(path));
  for (const file of files) {
    for (const m of readFileSync(file, "utf8").matchAll(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g)) words.add(m[0]);
  }
  return words;
}

const UPPER_SNAKE = /\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g;

/** The package.json scripts of the root ("") and of each workspace by package name. */
function scripts(): Map<string, Set<string>> {
  const read = (file: string): { name?: string; scripts?: Record<string, string>; workspaces?: string[] } =>
    JSON.parse(readFileSync(file, "utf8")) as never;
  const main = read(join(root, "package.json"));
  const result = new Map([["", new Set(Object.keys(main.scripts ?? {}))]]);
  for (const workspace of main.workspaces ?? []) {
    const pkg = read(join(root, workspace, "package.json"));
    result.set(pkg.name ?? workspace, new Set(Object.keys(pkg.scripts ?? {})));
  }
  return result;
}

/** Command lines in a text: from `npm`/`npx mailseal`/`mailseal` to the end of the command. */
function commandLines(text: string): string[] {
  // A comment, a pipe, a list or a redirect ends the command; env assignments before it are dropped.
  return text
    .split(/\s(?:#|\||&&|;|>|2>)\s|;\s/)
    .map((part) => part.replace(/^\$\s+/, "").replace(/^(?:[A-Z_]+=(?:'[^']*'|"[^"]*"|\S+)\s+)+/, ""))
    .filter((part) => /^(?:npm|npx mailseal|mailseal)\s/.test(part));
}

/** What is wrong with one command line a document shows, or undefined. */
function commandProblem(line: string, known: Map<string, Set<string>>): string | undefined {
  const words = line.trim().split(/\s+/);
  if (words[0] === "npm") {
    const workspace = words.includes("-w") ? words[words.indexOf("-w") + 1]! : "";
    const names = known.get(workspace);
    if (names === undefined) return `no workspace ${workspace}`;
    if (words[1] === "start" || words[1] === "test") return names.has(words[1]) ? undefined : `no script ${words[1]}`;
    if (words[1] !== "run" || words[2] === undefined) return undefined;
    return names.has(words[2]) ? undefined : `no script ${words[2]}${workspace === "" ? "" : ` in ${workspace}`}`;
  }
  const args = words[0] === "npx" ? words.slice(2) : words.slice(1);
  const command = args[0];
  // "mailseal COMMAND --help" names no command; "mailseal --help" and "--version" are the main help's.
  if (command === undefined || /^[A-Z]/.test(command)) return undefined;
  const main = command.startsWith("-");
  if (!main && !(COMMANDS as readonly string[]).includes(command)) return `no command ${command}`;
  const help = (main ? "" : commandHelp(command as CommandName)) + mainHelp("");
  const unknown = args
    .filter((a) => /^--[a-z0-9-]+/.test(a))
    .map((a) => a.replace(/=.*$/, ""))
    .filter((option) => !new RegExp(`${option}(?![a-z0-9-])`).test(help));
  return unknown.length === 0 ? undefined : `mailseal ${command} has no ${unknown.join(", ")}`;
}

/** The routes the server registers (`app.get("/v1/keys", ...)`), "GET /v1/keys/:" with every parameter as ":". */
function serverRoutes(): Set<string> {
  const routes = new Set<string>();
  for (const file of walk(join(root, "server", "src"), (path) => path.endsWith(".ts"))) {
    const code = readFileSync(file, "utf8").replace(/^\s*\/\/.*$/gm, "");
    for (const m of code.matchAll(/\b\w+\.(get|post|put|delete|patch)(?:<[^()]*?>)?\(\s*"(\/[^"]*)"/g)) {
      routes.add(`${m[1]!.toUpperCase()} ${routeShape(m[2]!)}`);
    }
  }
  return routes;
}

/** A route with its parameters, `{keyId}` in the documents and `:keyId` in the code, as ":". */
function routeShape(path: string): string {
  return path.replace(/\{[^}/]+\}|:[A-Za-z]+/g, ":");
}

/** What is wrong with a route a document names ("GET /v1/keys"), or undefined. */
function routeProblem(route: string, routes: Set<string>): string | undefined {
  const [method, path] = route.split(" ") as [string, string];
  // "GET /v1/keys.keys[0].certificate" names a field of the answer: the route is before the dot.
  const candidates = [path, path.replace(/\.[a-z]+$/, "")];
  return candidates.some((p) => routes.has(`${method} ${routeShape(p)}`)) ? undefined : "the server has no such route";
}

/** A route of the services' API (`/v1/`, `/internal/v1/`, `/.well-known/`); the test channel of test/thunderbird is not one. */
const ROUTE = /\b(GET|POST|PUT|DELETE|PATCH) (\/(?:v1|internal|\.well-known)\/[A-Za-z0-9_.{}:/-]*[A-Za-z0-9_}])/g;

describe("the documents (every .md file of the repository)", () => {
  it("finds the documents", () => {
    expect(docs.map((d) => d.file)).toEqual(
      expect.arrayContaining(["README.md", "docs/DESIGN.md", "shared/README.md"]),
    );
  });

  it("gives links and paths that resolve inside the repository", () => {
    const problems: string[] = [];
    for (const doc of docs) {
      for (const { line, text } of linkTargets(doc)) {
        const problem = pathProblem(doc, text, true);
        if (problem !== undefined) problems.push(`${doc.file}:${line}: (${text}) ${problem}`);
      }
      for (const { line, text } of codeSpans(doc)) {
        if (/\s/.test(text)) continue;
        const problem = pathProblem(doc, text, false);
        if (problem !== undefined) problems.push(`${doc.file}:${line}: \`${text}\` ${problem}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("quotes only codes and names the source defines (or another program's, listed above)", () => {
    const defined = sourceWords();
    const problems: string[] = [];
    for (const doc of docs) {
      const quoted = [...codeSpans(doc), ...doc.fenced];
      for (const { line, text } of quoted) {
        for (const [name] of text.matchAll(UPPER_SNAKE)) {
          if (!defined.has(name) && FOREIGN_NAMES[name] === undefined) {
            problems.push(`${doc.file}:${line}: ${name}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("lists only names not in the source as another program's", () => {
    const defined = sourceWords();
    expect(Object.keys(FOREIGN_NAMES).filter((name) => defined.has(name))).toEqual([]);
    // And each is still quoted somewhere: the list holds no name a document dropped.
    const quoted = docs.map((d) => [d.prose, ...d.fenced.map((f) => f.text)].join("\n")).join("\n");
    expect(Object.keys(FOREIGN_NAMES).filter((name) => !new RegExp(`\\b${name}\\b`).test(quoted))).toEqual([]);
  });

  it("shows only npm scripts and mailseal commands and options that exist", () => {
    const known = scripts();
    const problems: string[] = [];
    const checked: string[] = [];
    for (const doc of docs) {
      // A fenced command may go on over lines ending in a backslash.
      const fencedCommands = doc.fenced
        .map(({ line, text }) => ({ line, text }))
        .reduce<{ line: number; text: string }[]>((joined, next) => {
          const last = joined[joined.length - 1];
          if (last !== undefined && last.text.endsWith("\\"))
            last.text = `${last.text.slice(0, -1)} ${next.text.trim()}`;
          else joined.push({ ...next });
          return joined;
        }, []);
      // In the prose, `mailseal state <address>` may be a label: a span is a command when it runs
      // npx or gives an option; in a code block every line is one.
      const spans = codeSpans(doc).filter(({ text }) => !/^mailseal\s/.test(text) || /\s--/.test(text));
      for (const { line, text } of [...spans, ...fencedCommands]) {
        for (const command of commandLines(text.trim())) {
          checked.push(command);
          const problem = commandProblem(command, known);
          if (problem !== undefined) problems.push(`${doc.file}:${line}: ${command}: ${problem}`);
        }
      }
    }
    expect(problems).toEqual([]);
    // The parsing found the commands the documents show (about 90 when this was written).
    expect(checked.length).toBeGreaterThan(50);
  });
  it("names only HTTP routes the server has", () => {
    const routes = serverRoutes();
    const problems: string[] = [];
    let named = 0;
    for (const doc of docs) {
      const text = [doc.prose, ...doc.fenced.map((f) => f.text)].join("\n");
      for (const m of text.matchAll(ROUTE)) {
        named++;
        const problem = routeProblem(`${m[1]} ${m[2]}`, routes);
        if (problem !== undefined) problems.push(`${doc.file}: ${m[1]} ${m[2]}: ${problem}`);
      }
    }
    expect(problems).toEqual([]);
    expect(named).toBeGreaterThan(20);
  });
});

describe("what the documents take from the code", () => {
  const read = (file: string): string => readFileSync(join(root, file), "utf8");

  it("README.md: `read` reports the cipher send chooses between mailseal accounts", () => {
    const quoted = [...read("README.md").matchAll(/`mailseal: encrypted \(([a-z0-9-]+)\)/g)].map((m) => m[1]);
    // The directory lists the same capabilities for every account (shared/src/api/certs.ts).
    const chosen = chooseCipher([CERTIFICATE_CAPABILITIES, CERTIFICATE_CAPABILITIES]).name;
    expect(quoted.length).toBeGreaterThan(0);
    expect(quoted.every((cipher) => cipher === chosen)).toBe(true);
  });

  it("cli/README.md: the npm script it says runs the demo runs cli/src/demo.ts", () => {
    const script = /`src\/demo\.ts`, which `npm (?:run )?([a-z:]+)` runs/.exec(read("cli/README.md"))?.[1];
    const scripts = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts;
    expect(scripts[script ?? ""]).toContain("cli/src/demo.ts");
  });

  it("shared/README.md: every folder of shared/src", () => {
    const listed = read("shared/README.md");
    const folders = readdirSync(join(root, "shared", "src"), { withFileTypes: true }).filter((e) => e.isDirectory());
    expect(folders.map((f) => f.name).filter((name) => !listed.includes(`src/${name}/`))).toEqual([]);
  });
});

describe("the checks of the documents can fail", () => {
  const doc: Doc = { file: "docs/DESIGN.md", prose: "", fenced: [] };

  it.each([
    ["../shared/vectors/wycheproof", "does not exist"],
    ["../../elsewhere", "points outside the repository"],
    ["shared/mailflow", "does not exist"],
  ])("a path %s", (path, problem) => {
    expect(pathProblem(doc, path, false)).toBe(problem);
  });

  it("a path that exists passes", () => {
    expect(pathProblem(doc, "shared/src/mailflow", false)).toBeUndefined();
    expect(pathProblem(doc, "services.md", true)).toBeUndefined();
  });

  it.each([
    ["npm run no-such-script", "no script no-such-script"],
    ["npm run build -w @mailseal/shared", "no script build in @mailseal/shared"],
    ["npx mailseal unseal --in x.eml", "no command unseal"],
    ["mailseal read --no-such-option x", "mailseal read has no --no-such-option"],
  ])("a command %s", (line, problem) => {
    expect(commandProblem(line, scripts())).toBe(problem);
  });

  it.each([
    ["GET /v1/keys/{keyId}", "the server has no such route"],
    ["DELETE /v1/keys", "the server has no such route"],
  ])("a route %s", (route, problem) => {
    expect(routeProblem(route, serverRoutes())).toBe(problem);
  });

  it("a route that exists passes, however its parameters are written", () => {
    expect(routeProblem("POST /v1/keys/{keyId}/release", serverRoutes())).toBeUndefined();
    expect(routeProblem("POST /v1/keys/:id/release", serverRoutes())).toBeUndefined();
    expect(routeProblem("GET /v1/keys.keys", serverRoutes())).toBeUndefined();
  });

  it("a command that exists passes", () => {
    expect(commandProblem("npm run build -w @mailseal/core-wasm", scripts())).toBeUndefined();
    expect(commandProblem("npx mailseal read --home friend-home --in hello-sent.eml", scripts())).toBeUndefined();
  });
});
