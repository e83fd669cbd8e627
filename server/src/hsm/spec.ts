// The `--hsm` spec string: "soft" or "pkcs11:<library>?slot=N|token=LABEL&pin=PIN|pin-env=NAME".
// Without pin or pin-env the PIN comes from MAILSEAL_HSM_PIN, which keeps it out of the process list.
import { HsmError } from "./backend.js";

export type HsmSpec =
  | { kind: "soft" }
  | {
      kind: "pkcs11";
      library: string;
      /** Exactly one of slot and token is set. */
      slot?: number;
      token?: string;
      pin: string;
    };

function bad(message: string): HsmError {
  return new HsmError("HSM_BAD_SPEC", `HSM spec: ${message}`);
}

export function parseHsmSpec(spec: string, env: Record<string, string | undefined> = process.env): HsmSpec {
  if (spec === "soft") return { kind: "soft" };
  if (!spec.startsWith("pkcs11:")) throw bad(`expected "soft" or "pkcs11:<library>?token=LABEL&pin=PIN"`);
  const rest = spec.slice("pkcs11:".length);
  const question = rest.indexOf("?");
  const library = question < 0 ? rest : rest.slice(0, question);
  if (!library.startsWith("/")) throw bad("the PKCS#11 library must be an absolute path");
  const params = new URLSearchParams(question < 0 ? "" : rest.slice(question + 1));
  for (const key of params.keys()) {
    if (!["slot", "token", "pin", "pin-env"].includes(key)) throw bad(`unknown parameter "${key}"`);
    if (params.getAll(key).length > 1) throw bad(`parameter "${key}" given twice`);
  }
  const slotText = params.get("slot");
  const token = params.get("token");
  if ((slotText === null) === (token === null)) throw bad("give exactly one of slot=N and token=LABEL");
  const pinEnv = params.get("pin-env");
  let pin = params.get("pin");
  if (pin !== null && pinEnv !== null) throw bad("give only one of pin=PIN and pin-env=NAME");
  if (pin === null && pinEnv === null) {
    pin = env["MAILSEAL_HSM_PIN"] ?? null;
    if (pin === null || pin === "") throw bad("no PIN: give pin=PIN, pin-env=NAME or set MAILSEAL_HSM_PIN");
  }
  if (pinEnv !== null) {
    pin = env[pinEnv] ?? null;
    if (pin === null) throw bad(`environment variable ${pinEnv} (pin-env) is not set`);
  }
  const result: HsmSpec = { kind: "pkcs11", library, pin: pin! };
  if (slotText !== null) {
    if (!/^\d{1,20}$/.test(slotText)) throw bad(`slot must be a decimal number: "${slotText}"`);
    result.slot = Number(slotText);
  } else {
    if (token === "") throw bad("token label is empty");
    result.token = token!;
  }
  return result;
}
