// The `mailseal` command, every command: the offline ones, the online ones (loaded when used) and
// `mailseal server`. bin/mailseal.mjs runs the offline ones from offline.ts instead when it can.
import { decryptCommand } from "./commands/decrypt.js";
import { encryptCommand } from "./commands/encrypt.js";
import { signCommand } from "./commands/sign.js";
import { verifyCommand } from "./commands/verify.js";
import { runCommandLine, type Commands } from "./command-line.js";

/**
 * The commands that run with the core; `server` runs the services instead (@mailseal/server). The
 * online ones are loaded only when used: their modules (the service client, OPAQUE, fetch) would
 * add about 30 ms to the start of every offline command, a large part of a small message's time.
 */
const RUN: Required<Commands> = {
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
  gateway: async () => (await import("./commands/gateway.js")).gatewayCommand,
};

await runCommandLine(RUN, async (args) => {
  // Loaded only for this command: the offline commands need none of the server's modules.
  const { runServerCommand } = await import("@mailseal/server/command");
  return runServerCommand(args, process.env);
});
