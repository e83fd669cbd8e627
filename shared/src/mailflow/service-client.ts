// The HTTP API of the services as seen by a device (docs/services.md, "HTTP API"): one method per
// route. The wire is defined once, by the TypeBox schemas in ../api/ that the server validates
// with: requests are typed by them and every answer is checked against them (Value.Check, which
// needs no code generation, so it runs under an add-in's content security policy too); an answer
// of the wrong shape is BAD_RESPONSE naming the field. Every request carries a device proof (after
// RFC 9449, DPoP); routes behind a token get the access token, renewed through POST /v1/sessions
// shortly before it expires; a protection session travels in the Mailseal-Protection-Session
// header. A non-2xx answer becomes a MailsealError with the server's code; a server that cannot be
// reached, SERVICE_UNAVAILABLE (the api) or STORE_UNAVAILABLE (a share store).
import type { Static, TSchema } from "typebox";
import { Value } from "typebox/value";
import { AuditResponse, type AuditEntry } from "../api/audit.js";
import { CaCertificatesResponse, SigningCertificateResponse, type SigningCertificateRequest } from "../api/ca.js";
import { CertificateEntry, CertsLookupResponse, type CertsLookupRequest } from "../api/certs.js";
import { DevicesResponse, type DeviceInfo } from "../api/devices.js";
import {
  EnrollmentAnswerResponse,
  EnrollmentResponse,
  SessionResponse,
  type EnrollmentAnswer,
  type EnrollmentRequest,
  type TokenEnrollmentRequest,
  type SessionRequest,
} from "../api/enrollment.js";
import { apiErrorFromResponse } from "../api/errors.js";
import { hasCode, MailsealError } from "../errors/index.js";
import {
  KeysResponse,
  PqKeysResponse,
  PROTECTION_SESSION_HEADER,
  ReleaseResponse,
  RotateKeyResponse,
  type KeyInfo,
  type PqKeysRequest,
  type PutSharesRequest,
  type ReleaseRequest,
  type ReleaseTicket,
} from "../api/keys.js";
import {
  LoginFinishResponse,
  LoginStartResponse,
  RegistrationStartResponse,
  type LoginFinishRequest,
  type LoginStartRequest,
  type RegistrationFinishRequest,
  type RegistrationStartRequest,
} from "../api/protection.js";
import { IngestKeyResponse, ReleaseShareResponse, type PublicJwk, type ReleaseShareRequest } from "../api/shares.js";
import type { Clock } from "../clock.js";
import { createProof, PROOF_HEADER } from "../protocol/device-proof.js";
import type { StoreName } from "../protocol/tokens.js";
import type { ServiceEndpoints } from "./state.js";

export type Fetch = (input: string, init: RequestInit) => Promise<Response>;

export interface ServiceClientOptions {
  fetch: Fetch;
  clock: Clock;
  endpoints: ServiceEndpoints;
  /** The device key (ECDSA P-256): signs every request. */
  deviceKey: CryptoKeyPair;
  /** Known once the enrollment is answered; needed to renew the access token. */
  deviceId?: string;
  /** Renew the access token when less than this is left (default 60 s of its 10 minutes). */
  renewBeforeMs?: number;
  /** Give up on one request after this long (default 30 s). */
  timeoutMs?: number;
}

type Auth = "none" | "token";

interface RequestOptions {
  body?: unknown;
  auth?: Auth;
  /** The base URL: the api unless a store route. */
  base?: string;
  unavailable?: "SERVICE_UNAVAILABLE" | "STORE_UNAVAILABLE";
  /** Expect a binary body (the CRL) instead of JSON. */
  binary?: boolean;
  /** Sent as Mailseal-Protection-Session (docs/services.md, "HTTP API"). */
  protectionSession?: string;
}

function badResponse(what: string): never {
  throw new MailsealError("BAD_RESPONSE", `unexpected answer from the service: ${what}`);
}

/** A JSON Pointer (RFC 6901) as the path people read: `keys[0].certificate`. */
function fieldPath(what: string, pointer: string): string {
  let path = what;
  for (const token of pointer.split("/").slice(1)) {
    const name = token.replace(/~1/g, "/").replace(/~0/g, "~");
    path += /^\d+$/.test(name)
      ? `[${name}]`
      : /^[A-Za-z_$][\w$]*$/.test(name)
        ? `.${name}`
        : `[${JSON.stringify(name)}]`;
  }
  return path;
}

/**
 * `value` as `schema` defines it, else BAD_RESPONSE naming the first wrong field (`what` is the
 * answer's name, e.g. "GET /v1/keys"). A union reports its own path; the deepest error says most.
 */
export function checkResponse<T extends TSchema>(schema: T, value: unknown, what: string): Static<T> {
  if (Value.Check(schema, value)) return value as Static<T>;
  const errors = Value.Errors(schema, value);
  const deepest = errors.reduce<(typeof errors)[number] | undefined>(
    (best, error) => (best === undefined || error.instancePath.length > best.instancePath.length ? error : best),
    undefined,
  );
  if (deepest === undefined) badResponse(what);
  let field = fieldPath(what, deepest.instancePath);
  if (deepest.keyword === "required") {
    const missing = (deepest.params as { requiredProperties?: string[] }).requiredProperties ?? [];
    if (missing.length > 0) field = missing.map((name) => `${field}.${name}`).join(", ");
  }
  badResponse(`${field}: ${deepest.message}`);
}

/**
 * Whether `hostname` (as URL parses it) is this machine: localhost, 127.0.0.0/8 or ::1 (RFC 6761
 * 6.3, RFC 1122 3.2.1.3, RFC 4291 2.5.3). Plain http never leaves such a host.
 */
function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/**
 * `url` when it may carry the service's traffic: https, or plain http to a loopback address (a
 * service on this machine, `npm start`); anything else is INSECURE_SERVICE_URL. Over plain http
 * anyone on the path could answer as the service: its root, its certificates, its tickets.
 */
export function requireSecureUrl(url: string, what: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new MailsealError("INSECURE_SERVICE_URL", `${what} ${JSON.stringify(url)} is not a URL`);
  }
  if (parsed.protocol === "https:" || (parsed.protocol === "http:" && isLoopback(parsed.hostname))) return url;
  throw new MailsealError(
    "INSECURE_SERVICE_URL",
    `${what} ${parsed.origin} is not https (plain http only to this machine: localhost, 127.0.0.0/8, ::1)`,
  );
}

/** `base` + `path`, whatever slash `base` ends with (a base may carry a path prefix). */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}${path}`;
}

export class ServiceClient {
  readonly endpoints: ServiceEndpoints;
  #deviceId: string | undefined;
  #token: Static<typeof SessionResponse> | undefined;
  readonly #options: ServiceClientOptions;

  constructor(options: ServiceClientOptions) {
    this.#options = options;
    this.endpoints = options.endpoints;
    this.#deviceId = options.deviceId;
  }

  get deviceId(): string | undefined {
    return this.#deviceId;
  }

  // --- enrollment and sessions --------------------------------------------------------------

  /** POST /v1/enrollments: the api mails a challenge to `address`. */
  async startEnrollment(address: string, deviceName: string): Promise<EnrollmentResponse> {
    const request: EnrollmentRequest = { address, deviceName };
    return this.#json(EnrollmentResponse, "POST", "/v1/enrollments", { body: request });
  }

  /** POST /v1/enrollments/{id}/answer with the mail's token or the typed code; keeps the access token. */
  async answerEnrollment(challengeId: string, answer: EnrollmentAnswer): Promise<EnrollmentAnswerResponse> {
    const path = `/v1/enrollments/${encodeURIComponent(challengeId)}/answer`;
    const answered = await this.#json(EnrollmentAnswerResponse, "POST", path, { body: answer });
    this.#deviceId = answered.deviceId;
    this.#token = { accessToken: answered.accessToken, expiresAt: answered.expiresAt };
    return answered;
  }

  /**
   * POST /v1/enrollments/token: enrols with an OpenID Connect token as the proof of the address
   * (no challenge mail); keeps the access token like an answered challenge.
   */
  async enrollWithToken(address: string, deviceName: string, idToken: string): Promise<EnrollmentAnswerResponse> {
    const request: TokenEnrollmentRequest = { address, deviceName, idToken };
    const answered = await this.#json(EnrollmentAnswerResponse, "POST", "/v1/enrollments/token", { body: request });
    this.#deviceId = answered.deviceId;
    this.#token = { accessToken: answered.accessToken, expiresAt: answered.expiresAt };
    return answered;
  }

  /** POST /v1/sessions: a new access token for this device. */
  async createSession(): Promise<SessionResponse> {
    if (this.#deviceId === undefined) {
      throw new MailsealError("NOT_PROVISIONED", "this device has no device id yet: the enrollment is not answered");
    }
    const request: SessionRequest = { deviceId: this.#deviceId };
    this.#token = await this.#json(SessionResponse, "POST", "/v1/sessions", { body: request });
    return this.#token;
  }

  // --- keys -----------------------------------------------------------------------------------

  /** GET /v1/keys: every encryption key of the account, current and retired, oldest first. */
  async listKeys(): Promise<KeyInfo[]> {
    return (await this.keyList()).keys;
  }

  /**
   * GET /v1/keys whole: the RSA keys, and the ML-KEM keys (`kemKeys`, issue 15) and the opt-in
   * (`pq`) that a service before issue 15 does not send.
   */
  async keyList(): Promise<KeysResponse> {
    return this.#json(KeysResponse, "GET", "/v1/keys", { auth: "token" });
  }

  /** PUT /v1/keys/pq: opt into (or out of) post-quantum keys; the key generation is replaced now. */
  async setPqKeys(enabled: boolean): Promise<PqKeysResponse> {
    const request: PqKeysRequest = { enabled };
    return this.#json(PqKeysResponse, "PUT", "/v1/keys/pq", { auth: "token", body: request });
  }

  /** POST /v1/keys/rotate: a new current key now; the one before is retired. */
  async rotateKey(): Promise<RotateKeyResponse> {
    return this.#json(RotateKeyResponse, "POST", "/v1/keys/rotate", { auth: "token" });
  }

  /**
   * POST /v1/keys/{keyId}/release: one ticket per share store (share-a, then share-b), bound to
   * `ephemeralKey`; a protected key needs the protection session.
   */
  async releaseKey(keyId: string, ephemeralKey: PublicJwk, protectionSession?: string): Promise<ReleaseTicket[]> {
    const path = `/v1/keys/${encodeURIComponent(keyId)}/release`;
    const request: ReleaseRequest = { ephemeralKey };
    const { tickets } = await this.#json(ReleaseResponse, "POST", path, {
      auth: "token",
      body: request,
      ...(protectionSession === undefined ? {} : { protectionSession }),
    });
    if (tickets[0].store !== "share-a" || tickets[1].store !== "share-b") {
      badResponse(`${path}: tickets are for ${tickets[0].store} and ${tickets[1].store}, not share-a and share-b`);
    }
    return tickets;
  }

  /** PUT /v1/keys/{keyId}/shares: replaces both shares (protection on or off), under a protection session. */
  async putShares(keyId: string, upload: PutSharesRequest, protectionSession: string): Promise<void> {
    const path = `/v1/keys/${encodeURIComponent(keyId)}/shares`;
    await this.#call("PUT", path, { auth: "token", body: upload, protectionSession });
  }

  /** POST /v1/signing-certificates: the CA certifies the key of a PKCS#10 request (base64url DER). */
  async requestSigningCertificate(csr: string): Promise<SigningCertificateResponse> {
    const request: SigningCertificateRequest = { csr };
    return this.#json(SigningCertificateResponse, "POST", "/v1/signing-certificates", {
      auth: "token",
      body: request,
    });
  }

  // --- devices and audit ------------------------------------------------------------------------

  async listDevices(): Promise<DeviceInfo[]> {
    return (await this.#json(DevicesResponse, "GET", "/v1/devices", { auth: "token" })).devices;
  }

  async removeDevice(deviceId: string): Promise<void> {
    await this.#call("DELETE", `/v1/devices/${encodeURIComponent(deviceId)}`, { auth: "token" });
  }

  /** GET /v1/audit: the releases of the account's keys as both stores recorded them, oldest first. */
  async audit(): Promise<AuditEntry[]> {
    return (await this.#json(AuditResponse, "GET", "/v1/audit", { auth: "token" })).releases;
  }

  // --- enhanced protection (OPAQUE messages pass through as the library makes them) -----------

  async protectionRegistrationStart(registrationRequest: string, protectionSession?: string): Promise<string> {
    const request: RegistrationStartRequest = { registrationRequest };
    const answer = await this.#json(RegistrationStartResponse, "POST", "/v1/protection/registration/start", {
      auth: "token",
      body: request,
      ...(protectionSession === undefined ? {} : { protectionSession }),
    });
    return answer.registrationResponse;
  }

  async protectionRegistrationFinish(registrationRecord: string, protectionSession?: string): Promise<void> {
    const request: RegistrationFinishRequest = { registrationRecord };
    await this.#call("POST", "/v1/protection/registration/finish", {
      auth: "token",
      body: request,
      ...(protectionSession === undefined ? {} : { protectionSession }),
    });
  }

  async protectionLoginStart(startLoginRequest: string): Promise<LoginStartResponse> {
    const request: LoginStartRequest = { startLoginRequest };
    return this.#json(LoginStartResponse, "POST", "/v1/protection/login/start", { auth: "token", body: request });
  }

  async protectionLoginFinish(loginId: string, finishLoginRequest: string): Promise<LoginFinishResponse> {
    const request: LoginFinishRequest = { loginId, finishLoginRequest };
    return this.#json(LoginFinishResponse, "POST", "/v1/protection/login/finish", { auth: "token", body: request });
  }

  /** DELETE /v1/protection: the registration record goes (after every key was uploaded unprotected). */
  async removeProtection(protectionSession: string): Promise<void> {
    await this.#call("DELETE", "/v1/protection", { auth: "token", protectionSession });
  }

  // --- public directory and CA ----------------------------------------------------------------

  /** GET /v1/certs/{address}; undefined for an address without a certificate (404). */
  async certificate(address: string): Promise<CertificateEntry | undefined> {
    const path = `/v1/certs/${encodeURIComponent(address)}`;
    try {
      return await this.#json(CertificateEntry, "GET", path);
    } catch (error) {
      if (hasCode(error, "NOT_FOUND")) return undefined;
      throw error;
    }
  }

  /** POST /v1/certs/lookup: the certificates of up to 100 addresses; unknown ones are left out. */
  async lookupCertificates(addresses: readonly string[]): Promise<CertificateEntry[]> {
    const request: CertsLookupRequest = { addresses: [...addresses] };
    return (await this.#json(CertsLookupResponse, "POST", "/v1/certs/lookup", { body: request })).certificates;
  }

  async caCertificates(): Promise<CaCertificatesResponse> {
    return this.#json(CaCertificatesResponse, "GET", "/v1/ca/certificates");
  }

  /** GET /v1/ca/crl: the DER CRL. */
  async crl(): Promise<Uint8Array> {
    return (await this.#call("GET", "/v1/ca/crl", { binary: true })) as Uint8Array;
  }

  // --- share stores -----------------------------------------------------------------------------

  /** GET {store}/v1/ingest-key: the P-256 key shares are sealed to for that store. */
  async ingestKey(store: StoreName): Promise<PublicJwk> {
    const base = this.endpoints.shareStores[store];
    const answer = await this.#json(IngestKeyResponse, "GET", "/v1/ingest-key", {
      base,
      unavailable: "STORE_UNAVAILABLE",
    });
    if (answer.store !== store) badResponse(`GET ${base}/v1/ingest-key: the key of ${answer.store}, not ${store}`);
    return answer.key;
  }

  /** POST {store}/v1/releases with a ticket: the store's share sealed to the ticket's ephemeral key. */
  async releaseShare(ticket: ReleaseTicket): Promise<ReleaseShareResponse> {
    const request: ReleaseShareRequest = { ticket: ticket.ticket };
    return this.#json(ReleaseShareResponse, "POST", "/v1/releases", {
      base: ticket.url,
      body: request,
      unavailable: "STORE_UNAVAILABLE",
    });
  }

  // --- plumbing -------------------------------------------------------------------------------

  /** The access token, renewed through POST /v1/sessions when it is about to expire. */
  async #accessToken(): Promise<string> {
    const renewBefore = this.#options.renewBeforeMs ?? 60_000;
    const token = this.#token;
    if (token === undefined || Date.parse(token.expiresAt) - this.#options.clock.now().getTime() <= renewBefore) {
      return (await this.createSession()).accessToken;
    }
    return token.accessToken;
  }

  /** A JSON answer, checked against its schema. */
  async #json<T extends TSchema>(
    schema: T,
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<Static<T>> {
    return checkResponse(schema, await this.#call(method, path, options), `${method} ${path}`);
  }

  async #call(method: string, path: string, options: RequestOptions = {}): Promise<unknown> {
    try {
      return await this.#request(method, path, options);
    } catch (error) {
      // The server's clock may run ahead of ours: renew once and retry (the proof is new too).
      if (options.auth === "token" && hasCode(error, "TOKEN_EXPIRED")) {
        this.#token = undefined;
        return this.#request(method, path, options);
      }
      throw error;
    }
  }

  async #request(method: string, path: string, options: RequestOptions): Promise<unknown> {
    const url = requireSecureUrl(
      joinUrl(options.base ?? this.endpoints.api, path),
      options.unavailable === "STORE_UNAVAILABLE" ? "the share store" : "the service",
    );
    const token = options.auth === "token" ? await this.#accessToken() : undefined;
    const proof = await createProof(this.#options.deviceKey, {
      htm: method,
      htu: url,
      token,
      now: this.#options.clock.now(),
    });
    const headers: Record<string, string> = { [PROOF_HEADER]: proof, accept: "application/json" };
    if (token !== undefined) headers.authorization = `MailSeal ${token}`;
    if (options.protectionSession !== undefined) headers[PROTECTION_SESSION_HEADER] = options.protectionSession;
    if (options.body !== undefined) headers["content-type"] = "application/json";
    const unavailable = options.unavailable ?? "SERVICE_UNAVAILABLE";
    let response: Response;
    try {
      response = await this.#options.fetch(url, {
        method,
        headers,
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        signal: AbortSignal.timeout(this.#options.timeoutMs ?? 30_000),
      });
    } catch (error) {
      const cause =
        error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
      throw new MailsealError(unavailable, `cannot reach ${new URL(url).origin}: ${cause}`, { cause: error });
    }
    const bytes = new Uint8Array(await response.arrayBuffer().catch(() => new ArrayBuffer(0)));
    if (!response.ok) {
      let body: unknown;
      try {
        body = JSON.parse(new TextDecoder().decode(bytes));
      } catch {
        body = undefined;
      }
      throw apiErrorFromResponse(response.status, body);
    }
    if (options.binary === true) return bytes;
    if (response.status === 204 || bytes.length === 0) return undefined;
    try {
      return JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      badResponse(`${method} ${path} answered ${response.status} with a body that is not JSON`);
    }
  }
}
