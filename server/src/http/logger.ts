// The server's logger: pino (Fastify's own), JSON lines. Credentials never reach a log: the access
// token (Authorization), the device proof (Mailseal-Proof) and the protection session
// (Mailseal-Protection-Session, which lets its holder release protected keys for 5 minutes) are
// redacted wherever a request's headers are logged.
import { pino, type DestinationStream, type Logger } from "pino";
import type { LogLevel } from "../config.js";

export const REDACTED_HEADERS = ["authorization", "mailseal-proof", "mailseal-protection-session", "cookie"] as const;

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const paths = REDACTED_HEADERS.flatMap((name) => [`req.headers["${name}"]`, `headers["${name}"]`]);
  return pino({ level, redact: { paths, censor: "[redacted]" } }, destination);
}
