// The `mailseal` command (offline mode): parses the command line, runs one command with the crypto
// core in process, and turns every outcome into an exit status (see usage.ts and cli-error.ts).
import { rmSync } from "node:fs";
import { CoreService } from "@mailseal/core-wasm";
import packageJson from "../package.json" with { type: "json" };
import { CliError, describeError, EXIT_ERROR, EXIT_OK } from "./cli-error.js";
import { decryptCommand } from "./commands/decrypt.js";
import { encryptCommand } from "./commands/encrypt.js";
import { signCommand } from "./commands/sign.js";
import { verifyCommand } from "./commands/verify.js";
import { pendingFiles } from "./io/output.js";
import { COMMANDS, commandHelp, mainHelp, type CommandName } from "./usage.js";

type Command = (args: string[], core: CoreService) => Promise<string | undefined>;

/**
 * The commands that run with the core; `server` runs the services instead (@mailseal/server). The
 * online ones are loaded only when used: their modules (the service client, OPAQUE, fetch) would
 * add about 30 ms to the start of every offline command, a large part of a small message's time.
 */
const RUN: Record<Exclude<CommandName, "server">, () => Promise<Command>> = {
  encrypt: async () => encryptCommand,
  decrypt: async () => decryptCommand,
  sign: async () => signCommand,
  verify: async () => verifyCommand,
  account: async () => (await import("./commands/account.js")).accountCommand,
  send: async () => (await import("./commands/send.js")).sendCommand,
  read: async () => (await import("./commands/read.js")).readCommand,
  protect: async () => (await import("./commands/protect.js")).protectCommand,
  devices: async () => (await import("./commands/devices.js")).devicesCommand,
  keys: async () => (await import("./commands/keys.js")).keysCommand,
  audit: async () => (await import("./commands/audit.js")).auditCommand,
};

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
async function main(args: string[]): Promise<number> {
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
    throw new CliError("USAGE", `unknown command ${what}: one of ${COMMANDS.join(", ")} (see mailseal --help)`);
  }
  // Help needs no core: answer it before loading the WebAssembly.
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(commandHelp(first));
    return EXIT_OK;
  }
  if (first === "server") {
    // Loaded only for this command: the offline commands need none of the server's modules.
    const { runServerCommand } = await import("@mailseal/server/command");
    return runServerCommand(rest, process.env);
  }
  removePendingFilesOn("SIGINT", 130);
  removePendingFilesOn("SIGTERM", 143);
  const [command, core] = await Promise.all([RUN[first](), CoreService.open(CORE_OPTIONS)]);
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

process.stdout.on("error", () => undefined); // reported through the failing write's callback
const debug = process.env.MAILSEAL_DEBUG === "1";
let status: number;
try {
  status = await main(process.argv.slice(2));
} catch (error) {
  const { line, status: failed } = describeError(error, debug);
  process.stderr.write(`${line}\n`);
  status = failed;
}
// Wait until standard output has taken everything, then exit even if stdin is still open.
process.stdout.write("", () => process.exit(status));
