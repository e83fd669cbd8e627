// The assertions of the portable cases (shared's S/MIME suite, the engine's cases): no test runner in a
// browser page or Web Worker, so a failed check throws an Error that says what was expected and what came.

/**
 * Bytes as text, one character per byte (what openssl and the tests compare). Not TextDecoder("latin1"):
 * the WHATWG Encoding Standard makes that windows-1252, and Chromium maps 0x80..0x9F to other characters.
 */
export function latin1(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 0x8000) out += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return out;
}

function shown(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => (v instanceof Uint8Array ? `<${v.length} bytes>` : v));
}

/** `actual` is `expected` (deeply, as JSON). */
export function equal(actual: unknown, expected: unknown, what: string): void {
  if (shown(actual) !== shown(expected)) throw new Error(`${what}: got ${shown(actual)}, expected ${shown(expected)}`);
}

function matches(actual: unknown, expected: unknown): boolean {
  if (typeof expected !== "object" || expected === null) return Object.is(actual, expected);
  if (typeof actual !== "object" || actual === null) return false;
  return Object.entries(expected).every(([key, value]) => matches((actual as Record<string, unknown>)[key], value));
}

/** Every property `expected` names has its value in `actual` (vitest's toMatchObject). */
export function matchObject(actual: unknown, expected: object, what: string): void {
  if (!matches(actual, expected))
    throw new Error(`${what}: got ${shown(actual)}, expected it to match ${shown(expected)}`);
}

export function contains(text: string, part: string | RegExp, what: string): void {
  if (typeof part === "string" ? !text.includes(part) : !part.test(text)) {
    throw new Error(`${what}: ${JSON.stringify(text.slice(0, 300))} does not contain ${String(part)}`);
  }
}

/** The error `promise` rejects with; it must be a `type` with `code` (when given). */
export async function rejects<E extends Error>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => E,
  code: string | undefined,
  what: string,
): Promise<E> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof type)) throw new Error(`${what}: expected a ${type.name}, got ${String(error)}`);
  if (code !== undefined && (error as E & { code?: unknown }).code !== code) {
    throw new Error(`${what}: expected code ${code}, got ${String((error as E & { code?: unknown }).code)}`);
  }
  return error;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** `actual` holds exactly the bytes of `expected`. */
export function sameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  if (actual.length === expected.length && actual.every((b, i) => b === expected[i])) return;
  const at = actual.findIndex((b, i) => b !== expected[i]);
  throw new Error(
    `${what}: got ${actual.length} bytes, expected ${expected.length}; first difference at ${at}: ` +
      `${hex(actual.subarray(Math.max(0, at), at + 16))} instead of ${hex(expected.subarray(Math.max(0, at), at + 16))}`,
  );
}
