// The `mailseal` command (offline mode): parses the command line, runs one command with the crypto
// core in process, and turns every outcome into an exit status (see usage.ts and cli-error.ts).
import { rmSync } from "node:fs";
import { CoreService } from "@mailseal/core-wasm";
import packageJson from "../package.json" with { type: "json" };
import { CliError, describeError, EXIT_ERROR, EXIT_OK } from "./cli-error.js";
import { accountCommand } from "./commands/account.js";
import { auditCommand } from "./commands/audit.js";
import { decryptCommand } from "./commands/decrypt.js";
import { devicesCommand } from "./commands/devices.js";
import { encryptCommand } from "./commands/encrypt.js";
import { protectCommand } from "./commands/protect.js";
import { readCommand } from "./commands/read.js";
import { sendCommand } from "./commands/send.js";
import { signCommand } from "./commands/sign.js";
import { verifyCommand } from "./commands/verify.js";
import { pendingFiles } from "./io/output.js";
import { COMMANDS, commandHelp, mainHelp, type CommandName } from "./usage.js";

type Command = (args: string[], core: CoreService) => Promise<string | undefined>;

/** The offline commands; `server` runs the services instead (@mailseal/server). */
const RUN: Record<Exclude<CommandName, "server">, Command> = {
  encrypt: encryptCommand,
  decrypt: decryptCommand,
  sign: signCommand,
  verify: verifyCommand,
  account: accountCommand,
  send: sendCommand,
  read: readCommand,
  protect: protectCommand,
  devices: devicesCommand,
  audit: auditCommand,
};

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
  const core = await CoreService.open();
  const help = await RUN[first](rest, core);
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
