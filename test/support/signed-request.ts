// One request as a device sends it (docs/services.md): a fresh device proof on every request, bound
// to the access token when one is given, which also goes in Authorization. For the server tests,
// the process fixtures and the services bench, which drive the wire format without the client library.
import { createProof, PROOF_HEADER } from "@mailseal/shared";

/** A response body: the callers' assertions check its shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface SignedAnswer {
  status: number;
  headers: Headers;
  /** Parsed when the server says JSON (and must then parse), the text otherwise, undefined when empty. */
  body: Json;
}

export interface SignedRequestOptions {
  /** GET without a body, POST with one, unless given. */
  method?: string;
  body?: unknown;
  token?: string | undefined;
  /** A ready-made proof instead of a fresh one (tests of stale, replayed or foreign proofs). */
  proof?: string;
  headers?: Record<string, string>;
  /** The proof's time; tests move their clock. */
  now?: Date;
}

export async function signedRequest(
  keyPair: CryptoKeyPair,
  url: string,
  options: SignedRequestOptions = {},
): Promise<SignedAnswer> {
  const method = options.method ?? (options.body === undefined ? "GET" : "POST");
  const { token } = options;
  const proof =
    options.proof ??
    (await createProof(keyPair, {
      htm: method,
      htu: url,
      now: options.now ?? new Date(),
      ...(token === undefined ? {} : { token }),
    }));
  const headers: Record<string, string> = { [PROOF_HEADER]: proof, ...options.headers };
  if (token !== undefined) headers.authorization = `MailSeal ${token}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(url, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  const json = response.headers.get("content-type")?.startsWith("application/json") === true;
  return {
    status: response.status,
    headers: response.headers,
    body: text === "" ? undefined : json ? JSON.parse(text) : text,
  };
}
