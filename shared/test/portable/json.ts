// Fixtures and results of the portable suites as JSON text, for a page or a Web Worker in Chromium:
// bytes as base64url (structured clone does not reach a page driven from Node).
import { decodeBase64url, encodeBase64url } from "../../src/protocol/base64url.js";

export function toJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => (v instanceof Uint8Array ? { $bytes: encodeBase64url(v) } : v));
}

export function fromJson<T>(text: string): T {
  return JSON.parse(text, (_, v: unknown) =>
    typeof v === "object" && v !== null && typeof (v as { $bytes?: unknown }).$bytes === "string"
      ? decodeBase64url((v as { $bytes: string }).$bytes)
      : v,
  ) as T;
}
