// Command line parsing with node:util parseArgs, strict: an unknown option, a missing value or a
// stray argument is a USAGE error naming it.
import { MailsealError } from "@mailseal/shared/offline";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { passwordFromFile } from "./keys.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

export function parseOptions<T extends Options>(command: string, args: string[], options: T) {
  return parseCommandLine(command, args, options, false).values;
}

/** Options and positional arguments (`account add ADDRESS`), with the same strictness and errors. */
export function parseCommandLine<T extends Options>(command: string, args: string[], options: T, positionals = true) {
  try {
    return parseArgs({
      args,
      options: { ...options, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: positionals,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message.replace(/\. To specify .*$/s, "") : String(error);
    throw new MailsealError("USAGE", `${message} (see mailseal ${command} --help)`);
  }
}

/** A required option's value. */
export function required(command: string, value: string | undefined, option: string): string {
  if (value === undefined || value === "") throw new MailsealError("USAGE", `${command} needs ${option}`);
  return value;
}

/** One of the allowed values of an option. */
export function oneOf<V extends string>(value: string, allowed: readonly V[], option: string): V {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new MailsealError("USAGE", `${option} ${value} is not one of ${allowed.join(", ")}`);
  }
  return value as V;
}

/**
 * The password for an encrypted key or PKCS#12 file: --pass-file FILE (without its final line break),
 * else MAILSEAL_PASSWORD from the environment. Never a password on the command line: every user of
 * the machine can read command lines in the process list, so `--pass PASSWORD` is refused.
 */
export async function passwordOf(
  values: { pass?: string | undefined; "pass-file"?: string | undefined },
  environment = process.env,
): Promise<string | undefined> {
  if (values.pass !== undefined) {
    throw new MailsealError(
      "USAGE",
      "--pass PASSWORD is not taken (other users see command lines): give --pass-file FILE or MAILSEAL_PASSWORD",
    );
  }
  if (values["pass-file"] !== undefined) return passwordFromFile(values["pass-file"]);
  return environment["MAILSEAL_PASSWORD"];
}
