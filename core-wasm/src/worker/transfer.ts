// Errors keep their stable code across the worker boundary. Comlink's own "throw" handler sends only
// message, name and stack; this one also sends `code` and rebuilds the error class on the other side.
import { transferHandlers, type TransferHandler } from "comlink";
import { CryptoError, type CryptoErrorCode } from "../errors.js";

interface SerializedThrow {
  isError: boolean;
  value: unknown;
}
interface SerializedError {
  name: string;
  message: string;
  code?: string;
  /** Structured details of a coded error (shared's MailsealError); structured-cloneable. */
  details?: unknown;
  stack?: string;
}

/** Rebuilds a coded error by its class name. Layers above the core register their own classes. */
type ErrorFactory = (code: string, message: string, details: unknown) => Error;
const factories = new Map<string, ErrorFactory>([
  ["CryptoError", (code, message) => new CryptoError(code as CryptoErrorCode, message)],
]);

export function registerErrorClass(name: string, factory: ErrorFactory): void {
  factories.set(name, factory);
}

function hasCode(value: Error): value is Error & { code: string } {
  return typeof (value as { code?: unknown }).code === "string";
}

const original = transferHandlers.get("throw") as TransferHandler<{ value: unknown }, SerializedThrow>;

const codedThrowHandler: TransferHandler<{ value: unknown }, SerializedThrow> = {
  canHandle: (value): value is { value: unknown } => original.canHandle(value),
  serialize({ value }) {
    if (!(value instanceof Error)) return [{ isError: false, value }, []];
    const error: SerializedError = { name: value.name, message: value.message };
    if (value.stack !== undefined) error.stack = value.stack;
    if (hasCode(value)) error.code = value.code;
    const { details } = value as { details?: unknown };
    if (details !== undefined) error.details = details;
    return [{ isError: true, value: error }, []];
  },
  deserialize(serialized) {
    if (!serialized.isError) throw serialized.value;
    const { name, message, code, details, stack } = serialized.value as SerializedError;
    const factory = code === undefined ? undefined : factories.get(name);
    const error = factory ? factory(code!, message, details) : Object.assign(new Error(message), { name, code });
    if (stack !== undefined) error.stack = `${error.stack ?? ""}\n--- in the crypto worker ---\n${stack}`;
    throw error;
  },
};

/** Installs the handler. Both ends (the worker and its client) call this before any message. */
export function installErrorTransfer(): void {
  transferHandlers.set("throw", codedThrowHandler);
}
