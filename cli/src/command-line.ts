// The flow every command line goes through, whichever bundle runs it (main.ts: every command;
// offline.ts: the offline ones, loaded with a code cache by bin/mailseal.mjs): help and version,
// one command with the crypto core in process, and every outcome turned into an exit status (see
// usage.ts and cli-error.ts).
import { rmSync } from "node:fs";
import { CoreService } from "@mailseal/core-wasm";
import packageJson from "../package.json" with { type: "json" };
import { MailsealError } from "@mailseal/shared/offline";
import { describeError, EXIT_ERROR, EXIT_OK } from "./cli-error.js";
import { pendingFiles } from "./io/output.js";
import { COMMANDS, commandHelp, mainHelp, type CommandName } from "./usage.js";

export type Command = (args: string[], core: CoreService) => Promise<string | undefined>;

/** The commands a bundle carries, each loaded when it runs. */
export type Commands = Partial<Record<Exclude<CommandName, "server">, () => Promise<Command>>>;

/** `mailseal server ARGS`: resolves with the exit status once the services stopped. */
export type ServerRunner = (args: string[]) => Promise<number>;

/**
 * Bulk AES goes to WebCrypto without measuring both paths first ("auto" times 256 KiB of AES-CTR each
 * way at every start: about 15 ms, a fifth of a small message's run). Node's WebCrypto is OpenSSL,
 * which uses the CPU's AES instructions (AES-NI, ARMv8 Crypto Extensions) where there are any and
 * a constant-time vector-permute AES elsewhere; measured here it is 5 to 20 times the WASM path
 * (bench/README.md). AES-192 stays in WASM whatever this says (see CoreService).
 */
const CORE_OPTIONS = { aes: "webcrypto" } as const;

function isCommand(name: string): name is CommandName {
  return (COMMANDS as readonly string[]).includes(name);
}

/** Runs the command line `args`; resolves with the exit status. */
async function main(args: string[], commands: Commands, server: ServerRunner | undefined): Promise<number> {
  const [first, ...rest] = args;
  if (first === undefined) {
    process.stderr.write(mainHelp(packageJson.version));
    return EXIT_ERROR;
  }
  if (first === "--help" || first === "-h" || (first === "help" && rest.length === 0)) {
    process.stdout.write(mainHelp(packageJson.version));
    return EXIT_OK;
  }
  if (first === "--version" || first === "-V") {
    process.stdout.write(`mailseal ${packageJson.version}\n`);
    return EXIT_OK;
  }
  if (first === "help" && rest.length === 1 && isCommand(rest[0]!)) {
    process.stdout.write(commandHelp(rest[0]));
    return EXIT_OK;
  }
  if (!isCommand(first)) {
    const what = first === "help" ? `help ${rest.join(" ")}` : first;
    throw new MailsealError("USAGE", `unknown command ${what}: one of ${COMMANDS.join(", ")} (see mailseal --help)`);
  }
  // Help needs no core: answer it before loading the WebAssembly.
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(commandHelp(first));
    return EXIT_OK;
  }
  if (first === "server") {
    if (server === undefined) throw new Error("mailseal server is not in this bundle");
    return server(rest);
  }
  removePendingFilesOn("SIGINT", 130);
  removePendingFilesOn("SIGTERM", 143);
  const load = commands[first];
  if (load === undefined) throw new Error(`mailseal ${first} is not in this bundle`);
  const [command, core] = await Promise.all([load(), CoreService.open(CORE_OPTIONS)]);
  const help = await command(rest, core);
  if (help !== undefined) process.stdout.write(commandHelp(first));
  return EXIT_OK;
}

/** On Ctrl-C or a kill, no temporary file may stay behind (the server stops by itself instead). */
function removePendingFilesOn(signal: NodeJS.Signals, status: number): void {
  process.once(signal, () => {
    for (const path of pendingFiles) rmSync(path, { recursive: true, force: true });
    process.exit(status);
  });
}

/** Runs the process's command line with `commands`, then exits with its status. */
export async function runCommandLine(commands: Commands, server?: ServerRunner): Promise<void> {
  process.stdout.on("error", () => undefined); // reported through the failing write's callback
  const debug = process.env.MAILSEAL_DEBUG === "1";
  let status: number;
  try {
    status = await main(process.argv.slice(2), commands, server);
  } catch (error) {
    const { line, status: failed } = describeError(error, debug, process.argv[2]);
    process.stderr.write(`${line}\n`);
    status = failed;
  }
  // Wait until standard output has taken everything, then exit even if stdin is still open.
  process.stdout.write("", () => process.exit(status));
}
