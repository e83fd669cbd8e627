// The `--hsm` spec string: "soft" or "pkcs11:<library>?slot=N|token=LABEL[&pin-env=NAME]". The PIN never
// comes from the command line, which every user of the machine can read in the process list: it comes
// from a file (--hsm-pin-file, read by config.ts and passed here as `pinFromFile`), from the variable
// pin-env names, or from MAILSEAL_HSM_PIN. A `pin=` parameter is refused.
import { MailsealError } from "@mailseal/shared/offline";

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

function bad(message: string): MailsealError {
  return new MailsealError("HSM_BAD_SPEC", `HSM spec: ${message}`);
}

export function parseHsmSpec(
  spec: string,
  env: Record<string, string | undefined> = process.env,
  pinFromFile?: string,
): HsmSpec {
  if (spec === "soft") {
    if (pinFromFile !== undefined) throw bad("a PIN file goes with a pkcs11: spec, not with soft");
    return { kind: "soft" };
  }
  if (!spec.startsWith("pkcs11:")) throw bad(`expected "soft" or "pkcs11:<library>?token=LABEL"`);
  const rest = spec.slice("pkcs11:".length);
  const question = rest.indexOf("?");
  const library = question < 0 ? rest : rest.slice(0, question);
  if (!library.startsWith("/")) throw bad("the PKCS#11 library must be an absolute path");
  const params = new URLSearchParams(question < 0 ? "" : rest.slice(question + 1));
  for (const key of params.keys()) {
    if (key === "pin")
      throw bad(
        "pin=PIN is refused (every user sees command lines): give the PIN in a file (--hsm-pin-file FILE) or in MAILSEAL_HSM_PIN",
      );
    if (!["slot", "token", "pin-env"].includes(key)) throw bad(`unknown parameter "${key}"`);
    if (params.getAll(key).length > 1) throw bad(`parameter "${key}" given twice`);
  }
  const slotText = params.get("slot");
  const token = params.get("token");
  if ((slotText === null) === (token === null)) throw bad("give exactly one of slot=N and token=LABEL");
  const pinEnv = params.get("pin-env");
  let pin: string | undefined;
  if (pinFromFile !== undefined) {
    if (pinEnv !== null) throw bad("give only one of a PIN file and pin-env=NAME");
    pin = pinFromFile;
  } else if (pinEnv !== null) {
    pin = env[pinEnv];
    if (pin === undefined) throw bad(`environment variable ${pinEnv} (pin-env) is not set`);
  } else {
    pin = env["MAILSEAL_HSM_PIN"];
    if (pin === undefined || pin === "")
      throw bad("no PIN: give --hsm-pin-file FILE, set MAILSEAL_HSM_PIN, or name a variable with pin-env=NAME");
  }
  const result: HsmSpec = { kind: "pkcs11", library, pin };
  if (slotText !== null) {
    if (!/^\d{1,20}$/.test(slotText)) throw bad(`slot must be a decimal number: "${slotText}"`);
    result.slot = Number(slotText);
  } else {
    if (token === "") throw bad("token label is empty");
    result.token = token!;
  }
  return result;
}
