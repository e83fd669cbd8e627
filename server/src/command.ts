// `mailseal server`: parses the command line, starts the server, prints one line per listener and
// stops cleanly on SIGINT/SIGTERM. Errors are thrown (MailsealError: `error CODE: message`, exit 1).
import { pino } from "pino";
import { checkDeployment, parseServerArgs } from "./config.js";
import { createLogger } from "./http/logger.js";
import { startServer, type ServerHooks } from "./main.js";
import { createServerHooks } from "./services.js";
import { serverHelp } from "./usage.js";

export interface ServerCommandIo {
  stdout: { write(text: string): unknown };
  /** Resolves with the signal that asks the server to stop. */
  stopSignal?: Promise<string>;
}

function nextSignal(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve(signal);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

/** Runs `mailseal server ARGS`; resolves with the exit status once the server has stopped. */
export async function runServerCommand(
  argv: string[],
  env: Record<string, string | undefined>,
  io: ServerCommandIo = { stdout: process.stdout },
  hooks: ServerHooks = {},
): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    io.stdout.write(serverHelp());
    return 0;
  }
  const config = parseServerArgs(argv, env);
  checkDeployment(config);
  // Listen for the signals before starting, so that one arriving during start-up is not lost.
  const stopSignal = io.stopSignal ?? nextSignal();
  const logger = hooks.logger ?? createLogger(config.logLevel, pino.destination({ fd: 2, sync: true }));
  // The real services, unless the caller brings its own route hooks (tests of the start-up itself).
  const services =
    hooks.registerApi === undefined && hooks.registerShare === undefined ? createServerHooks(config) : {};
  const server = await startServer(config, { ...services, ...hooks, logger });
  for (const [role, url] of Object.entries(server.listening)) io.stdout.write(`${role} ${url}\n`);
  const signal = await stopSignal;
  logger.info({ signal }, "stopping");
  await server.close();
  logger.info("stopped");
  return 0;
}
