// The HTTP API of the services as seen by a device (docs/services.md, "HTTP API"): one method per
// route. Every request carries a device proof (after RFC 9449, DPoP); routes behind a token get the
// access token, renewed through POST /v1/sessions shortly before it expires. A non-2xx answer
// becomes an ApiError with the server's code; a server that cannot be reached, SERVICE_UNAVAILABLE
// (the api) or STORE_UNAVAILABLE (a share store).
import type { DeviceInfo } from "../api/devices.js";
import { ApiError } from "../api/errors.js";
import type { Clock } from "../clock.js";
import { createProof, PROOF_HEADER } from "../protocol/device-proof.js";
import type { P256PublicJwk } from "../protocol/jwk.js";
import type { SealedBox } from "../protocol/seal.js";
import type { StoreName } from "../protocol/tokens.js";
import type { Certificate } from "../pki/certificate.js";
import { MailflowError } from "./errors.js";
import { certificateFromWire, type ServiceEndpoints } from "./state.js";

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

export interface AccessToken {
  accessToken: string;
  expiresAt: string;
}

export interface KeyInfo {
  keyId: string;
  certificate: Certificate;
  /** The certificate as sent (base64url DER), to keep in the state. */
  certificateWire: string;
  status: "current" | "retired";
  notBefore: string;
  notAfter: string;
  protection: "none" | "opaque";
  commitment: string;
}

export interface ReleaseTicket {
  store: StoreName;
  url: string;
  ticket: string;
}

export interface ReleasedShare {
  keyId: string;
  index: 0 | 1;
  sealed: SealedBox;
}

export interface IssuedCertificate {
  certificate: Certificate;
  chain: Certificate[];
}

export interface DirectoryEntry {
  address: string;
  certificate: Certificate;
  chain: Certificate[];
  /** Content ciphers the recipient's clients read, by name (e.g. "aes-256-gcm"). */
  capabilities: string[];
}

export interface ReleaseRecord {
  keyId: string;
  index: number;
  deviceId: string;
  at: string;
  [field: string]: unknown;
}

export interface SharesUpload {
  protection: "none" | "opaque";
  commitment: string;
  shares: [SealedBox, SealedBox];
}

type Auth = "none" | "token";
type Json = Record<string, unknown>;

interface RequestOptions {
  body?: unknown;
  auth?: Auth;
  /** The base URL: the api unless a store route. */
  base?: string;
  unavailable?: "SERVICE_UNAVAILABLE" | "STORE_UNAVAILABLE";
  /** Expect a binary body (the CRL) instead of JSON. */
  binary?: boolean;
}

function badResponse(what: string): never {
  throw new MailflowError("BAD_RESPONSE", `unexpected answer from the service: ${what}`);
}

function object(value: unknown, what: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) badResponse(`${what} is not an object`);
  return value as Json;
}

function string(value: Json, name: string, what: string): string {
  const field = value[name];
  if (typeof field !== "string" || field.length === 0) badResponse(`${what}.${name} is not a string`);
  return field;
}

function array(value: Json, name: string, what: string): unknown[] {
  const field = value[name];
  if (!Array.isArray(field)) badResponse(`${what}.${name} is not a list`);
  return field;
}

function oneOf<V extends string>(value: Json, name: string, allowed: readonly V[], what: string): V {
  const field = value[name];
  if (!(allowed as readonly unknown[]).includes(field)) badResponse(`${what}.${name} is ${JSON.stringify(field)}`);
  return field as V;
}

function sealedBox(value: unknown, what: string): SealedBox {
  const box = object(value, what);
  object(box.epk, `${what}.epk`);
  string(box, "iv", what);
  string(box, "ct", what);
  return box as unknown as SealedBox;
}

function accessToken(value: unknown, what: string): AccessToken {
  const body = object(value, what);
  return { accessToken: string(body, "accessToken", what), expiresAt: string(body, "expiresAt", what) };
}

function certificates(values: unknown[], what: string): Certificate[] {
  return values.map((value, i) => {
    if (typeof value !== "string") badResponse(`${what}[${i}] is not a string`);
    return certificateFromWire(value, `${what}[${i}]`);
  });
}

function directoryEntry(value: unknown, what: string): DirectoryEntry {
  const entry = object(value, what);
  const capabilities = entry.capabilities ?? [];
  if (!Array.isArray(capabilities) || !capabilities.every((c) => typeof c === "string"))
    badResponse(`${what}.capabilities`);
  return {
    address: string(entry, "address", what),
    certificate: certificateFromWire(string(entry, "certificate", what), `${what}.certificate`),
    chain: certificates(array(entry, "chain", what), `${what}.chain`),
    capabilities: capabilities as string[],
  };
}

/** `base` + `path`, whatever slash `base` ends with (a base may carry a path prefix). */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}${path}`;
}

export class ServiceClient {
  readonly endpoints: ServiceEndpoints;
  #deviceId: string | undefined;
  #token: AccessToken | undefined;
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
  async startEnrollment(address: string, deviceName: string): Promise<{ challengeId: string; expiresAt: string }> {
    const body = object(await this.#call("POST", "/v1/enrollments", { body: { address, deviceName } }), "enrollment");
    return {
      challengeId: string(body, "challengeId", "enrollment"),
      expiresAt: string(body, "expiresAt", "enrollment"),
    };
  }

  /** POST /v1/enrollments/{id}/answer with the mail's token or the typed code; keeps the access token. */
  async answerEnrollment(
    challengeId: string,
    answer: { token: string } | { code: string },
  ): Promise<{ deviceId: string } & AccessToken> {
    const path = `/v1/enrollments/${encodeURIComponent(challengeId)}/answer`;
    const body = object(await this.#call("POST", path, { body: answer }), "answer");
    const deviceId = string(body, "deviceId", "answer");
    this.#deviceId = deviceId;
    this.#token = accessToken(body, "answer");
    return { deviceId, ...this.#token };
  }

  /** POST /v1/sessions: a new access token for this device. */
  async createSession(): Promise<AccessToken> {
    if (this.#deviceId === undefined) {
      throw new MailflowError("NOT_PROVISIONED", "this device has no device id yet: the enrollment is not answered");
    }
    this.#token = accessToken(
      await this.#call("POST", "/v1/sessions", { body: { deviceId: this.#deviceId } }),
      "session",
    );
    return this.#token;
  }

  // --- keys -----------------------------------------------------------------------------------

  /** GET /v1/keys: every encryption key of the account, current and retired. */
  async listKeys(): Promise<KeyInfo[]> {
    const body = object(await this.#call("GET", "/v1/keys", { auth: "token" }), "keys");
    return array(body, "keys", "keys").map((value, i) => {
      const what = `keys[${i}]`;
      const key = object(value, what);
      const certificateWire = string(key, "certificate", what);
      return {
        keyId: string(key, "keyId", what),
        certificate: certificateFromWire(certificateWire, `${what}.certificate`),
        certificateWire,
        status: oneOf(key, "status", ["current", "retired"] as const, what),
        notBefore: string(key, "notBefore", what),
        notAfter: string(key, "notAfter", what),
        protection: oneOf(key, "protection", ["none", "opaque"] as const, what),
        commitment: string(key, "commitment", what),
      };
    });
  }

  /** POST /v1/keys/{keyId}/release: one ticket per share store, bound to `ephemeralKey`. */
  async releaseKey(keyId: string, ephemeralKey: P256PublicJwk, protectionSession?: string): Promise<ReleaseTicket[]> {
    const path = `/v1/keys/${encodeURIComponent(keyId)}/release`;
    const request = { ephemeralKey, ...(protectionSession === undefined ? {} : { protectionSession }) };
    const body = object(await this.#call("POST", path, { auth: "token", body: request }), "release");
    return array(body, "tickets", "release").map((value, i) => {
      const ticket = object(value, `tickets[${i}]`);
      return {
        store: oneOf(ticket, "store", ["share-a", "share-b"] as const, `tickets[${i}]`),
        url: string(ticket, "url", `tickets[${i}]`),
        ticket: string(ticket, "ticket", `tickets[${i}]`),
      };
    });
  }

  /** PUT /v1/keys/{keyId}/shares: replaces both shares (protection on or off), with a protection session. */
  async putShares(keyId: string, upload: SharesUpload, protectionSession: string): Promise<void> {
    const path = `/v1/keys/${encodeURIComponent(keyId)}/shares`;
    await this.#call("PUT", path, { auth: "token", body: { ...upload, protectionSession } });
  }

  /** POST /v1/signing-certificates: the CA certifies the key of a PKCS#10 request. */
  async requestSigningCertificate(csr: string): Promise<IssuedCertificate> {
    const body = object(
      await this.#call("POST", "/v1/signing-certificates", { auth: "token", body: { csr } }),
      "issued",
    );
    return {
      certificate: certificateFromWire(string(body, "certificate", "issued"), "signing certificate"),
      chain: certificates(array(body, "chain", "issued"), "chain"),
    };
  }

  // --- devices and audit ------------------------------------------------------------------------

  async listDevices(): Promise<DeviceInfo[]> {
    const body = object(await this.#call("GET", "/v1/devices", { auth: "token" }), "devices");
    return array(body, "devices", "devices").map((value, i) => {
      const device = object(value, `devices[${i}]`);
      string(device, "deviceId", `devices[${i}]`);
      return device as unknown as DeviceInfo;
    });
  }

  async removeDevice(deviceId: string): Promise<void> {
    await this.#call("DELETE", `/v1/devices/${encodeURIComponent(deviceId)}`, { auth: "token" });
  }

  async audit(): Promise<ReleaseRecord[]> {
    const body = object(await this.#call("GET", "/v1/audit", { auth: "token" }), "audit");
    return array(body, "releases", "audit").map((value, i) => {
      const record = object(value, `releases[${i}]`);
      string(record, "keyId", `releases[${i}]`);
      return record as ReleaseRecord;
    });
  }

  // --- enhanced protection (OPAQUE messages pass through as the library makes them) -----------

  async protectionRegistrationStart(registrationRequest: string): Promise<string> {
    const body = object(
      await this.#call("POST", "/v1/protection/registration/start", { auth: "token", body: { registrationRequest } }),
      "registration",
    );
    return string(body, "registrationResponse", "registration");
  }

  async protectionRegistrationFinish(registrationRecord: string): Promise<void> {
    await this.#call("POST", "/v1/protection/registration/finish", { auth: "token", body: { registrationRecord } });
  }

  async protectionLoginStart(startLoginRequest: string): Promise<{ loginId: string; loginResponse: string }> {
    const body = object(
      await this.#call("POST", "/v1/protection/login/start", { auth: "token", body: { startLoginRequest } }),
      "login",
    );
    return { loginId: string(body, "loginId", "login"), loginResponse: string(body, "loginResponse", "login") };
  }

  async protectionLoginFinish(loginId: string, finishLoginRequest: string): Promise<string> {
    const body = object(
      await this.#call("POST", "/v1/protection/login/finish", { auth: "token", body: { loginId, finishLoginRequest } }),
      "login",
    );
    return string(body, "protectionSession", "login");
  }

  async removeProtection(protectionSession: string): Promise<void> {
    await this.#call("DELETE", "/v1/protection", { auth: "token", body: { protectionSession } });
  }

  // --- public directory and CA ----------------------------------------------------------------

  /** GET /v1/certs/{address}; undefined for an address without a certificate (404). */
  async certificate(address: string): Promise<DirectoryEntry | undefined> {
    try {
      return directoryEntry(await this.#call("GET", `/v1/certs/${encodeURIComponent(address)}`), "certificate");
    } catch (error) {
      if (error instanceof ApiError && error.code === "NOT_FOUND") return undefined;
      throw error;
    }
  }

  /** POST /v1/certs/lookup: the certificates of up to 100 addresses; unknown ones are left out. */
  async lookupCertificates(addresses: readonly string[]): Promise<DirectoryEntry[]> {
    const body = object(await this.#call("POST", "/v1/certs/lookup", { body: { addresses } }), "lookup");
    return array(body, "certificates", "lookup").map((value, i) => directoryEntry(value, `certificates[${i}]`));
  }

  async caCertificates(): Promise<{ root: Certificate; issuing: Certificate }> {
    const body = object(await this.#call("GET", "/v1/ca/certificates"), "ca");
    return {
      root: certificateFromWire(string(body, "root", "ca"), "root certificate"),
      issuing: certificateFromWire(string(body, "issuing", "ca"), "issuing certificate"),
    };
  }

  /** GET /v1/ca/crl: the DER CRL. */
  async crl(): Promise<Uint8Array> {
    return (await this.#call("GET", "/v1/ca/crl", { binary: true })) as Uint8Array;
  }

  // --- share stores -----------------------------------------------------------------------------

  async ingestKey(store: StoreName): Promise<JsonWebKey> {
    const base = this.endpoints.shareStores[store];
    const body = object(
      await this.#call("GET", "/v1/ingest-key", { base, unavailable: "STORE_UNAVAILABLE" }),
      "ingest",
    );
    return object(body.key, "ingest.key") as JsonWebKey;
  }

  /** POST {store}/v1/releases with a ticket: the store's share sealed to the ticket's ephemeral key. */
  async releaseShare(ticket: ReleaseTicket): Promise<ReleasedShare> {
    const body = object(
      await this.#call("POST", "/v1/releases", {
        base: ticket.url,
        body: { ticket: ticket.ticket },
        unavailable: "STORE_UNAVAILABLE",
      }),
      "share",
    );
    const index = body.index;
    if (index !== 0 && index !== 1) badResponse("share.index");
    return { keyId: string(body, "keyId", "share"), index, sealed: sealedBox(body.sealed, "share.sealed") };
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

  async #call(method: string, path: string, options: RequestOptions = {}): Promise<unknown> {
    try {
      return await this.#request(method, path, options);
    } catch (error) {
      // The server's clock may run ahead of ours: renew once and retry (the proof is new too).
      if (options.auth === "token" && error instanceof ApiError && error.code === "TOKEN_EXPIRED") {
        this.#token = undefined;
        return this.#request(method, path, options);
      }
      throw error;
    }
  }

  async #request(method: string, path: string, options: RequestOptions): Promise<unknown> {
    const url = joinUrl(options.base ?? this.endpoints.api, path);
    const token = options.auth === "token" ? await this.#accessToken() : undefined;
    const proof = await createProof(this.#options.deviceKey, {
      htm: method,
      htu: url,
      token,
      now: this.#options.clock.now(),
    });
    const headers: Record<string, string> = { [PROOF_HEADER]: proof, accept: "application/json" };
    if (token !== undefined) headers.authorization = `MailSeal ${token}`;
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
      throw new MailflowError(unavailable, `cannot reach ${new URL(url).origin}: ${cause}`, [], { cause: error });
    }
    const bytes = new Uint8Array(await response.arrayBuffer().catch(() => new ArrayBuffer(0)));
    if (!response.ok) {
      let body: unknown;
      try {
        body = JSON.parse(new TextDecoder().decode(bytes));
      } catch {
        body = undefined;
      }
      throw ApiError.fromResponse(response.status, body);
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
