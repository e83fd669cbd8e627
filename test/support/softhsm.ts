// A throwaway SoftHSM2 token for tests: a token directory and configuration in a temporary folder, one
// initialised token, and the spec that opens it. SoftHSM2 reads SOFTHSM2_CONF once, at C_Initialize:
// this process's environment points at the token from here on, and `env` carries it to child
// processes. The PIN travels as the server takes it, in MAILSEAL_HSM_PIN (never in the spec). Only one
// such token per process at a time (the library is process-wide): stop() it, and close every backend
// using it, before starting the next.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

export const SOFTHSM_LIBRARY = "/usr/lib/softhsm/libsofthsm2.so";
export const SOFTHSM_PIN = "1234";

const run = promisify(execFile);
let running: string | undefined;

export interface SoftHsmToken {
  /** The `--hsm` spec of the token (by label: SoftHSM2 reassigns slot ids). */
  spec: string;
  /** SOFTHSM2_CONF and MAILSEAL_HSM_PIN for child processes. */
  env: Record<string, string>;
  library: string;
  label: string;
  pin: string;
  /** The folder holding the configuration and the token's files. */
  dir: string;
  stop(): Promise<void>;
}

export async function startSoftHsm(label = "mailseal-test"): Promise<SoftHsmToken> {
  if (running !== undefined) throw new Error(`a SoftHSM2 token is already running in this process (${running})`);
  const dir = mkdtempSync(join(tmpdir(), "softhsm-"));
  const conf = join(dir, "softhsm2.conf");
  const tokens = join(dir, "tokens");
  writeFileSync(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  const env = { SOFTHSM2_CONF: conf, MAILSEAL_HSM_PIN: SOFTHSM_PIN };
  try {
    mkdirSync(tokens, { mode: 0o700 });
    await run("softhsm2-util", ["--init-token", "--free", "--label", label, "--pin", SOFTHSM_PIN, "--so-pin", "5678"], {
      env: { ...process.env, ...env },
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const before = { conf: process.env.SOFTHSM2_CONF, pin: process.env.MAILSEAL_HSM_PIN };
  process.env.SOFTHSM2_CONF = conf;
  process.env.MAILSEAL_HSM_PIN = SOFTHSM_PIN;
  running = dir;
  return {
    spec: `pkcs11:${SOFTHSM_LIBRARY}?token=${encodeURIComponent(label)}`,
    env,
    library: SOFTHSM_LIBRARY,
    label,
    pin: SOFTHSM_PIN,
    dir,
    async stop() {
      if (running !== dir) return;
      running = undefined;
      if (process.env.SOFTHSM2_CONF === conf) delete process.env.SOFTHSM2_CONF;
      if (before.pin === undefined) delete process.env.MAILSEAL_HSM_PIN;
      else process.env.MAILSEAL_HSM_PIN = before.pin;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
