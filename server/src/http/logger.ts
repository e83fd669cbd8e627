// The server's logger: pino (Fastify's own), JSON lines. Credentials never reach a log: the access
// token (Authorization) and the device proof (Mailseal-Proof) are redacted wherever a request's
// headers are logged.
import { pino, type DestinationStream, type Logger } from "pino";
import type { LogLevel } from "../config.js";

export const REDACTED_HEADERS = ["authorization", "mailseal-proof", "cookie"] as const;

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const paths = REDACTED_HEADERS.flatMap((name) => [`req.headers["${name}"]`, `headers["${name}"]`]);
  return pino({ level, redact: { paths, censor: "[redacted]" } }, destination);
}
