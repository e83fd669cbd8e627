// The LDAP door (docs/services.md, "CerDB over LDAP"): anonymous, read-only LDAPv3 (RFC 4511) over
// TCP, with StartTLS (RFC 4511 4.14, RFC 4513 3) when a certificate is configured. Mail clients that
// look recipients' certificates up in a directory (Thunderbird, Outlook, Apple Mail, Evolution,
// gpgsm's dirmngr) find a mailseal user's certificate here with no add-in.
//
// What it answers: a search whose filter names addresses by equality on `mail` (filter.ts), under
// the base DN, each address costing one unit of the same per-network budget as CerDB's HTTP lookup;
// the root DSE (RFC 4512 5.1), so that clients can discover the base DN and StartTLS; an anonymous
// bind. Everything that writes is refused (unwillingToPerform), any other bind too. A malformed
// message gets a Notice of Disconnection (RFC 4511 4.4.1) and the connection is closed.
import { createServer, type Server, type Socket } from "node:net";
import { TLSSocket, type SecureContext } from "node:tls";

import { concatBytes } from "@mailseal/core-wasm";
import type { FastifyBaseLogger } from "fastify";

import type { NetworkBudget } from "../api/deps.js";
import { normalizeAddress } from "../ca/address.js";
import type { CertificateDirectory, DirectoryEntry } from "./directory.js";
import { matches, namedAddresses, type Filter, type FilterView } from "./filter.js";
import {
  BIND_RESPONSE,
  decodeMessage,
  extendedResponse,
  frameLength,
  NOTICE_OF_DISCONNECTION_OID,
  ResultCode,
  resultMessage,
  SEARCH_RESULT_DONE,
  searchResultEntry,
  START_TLS_OID,
  type EntryAttribute,
  type LdapRequest,
} from "./protocol.js";

export interface LdapDoorOptions {
  directory: CertificateDirectory;
  /** The DN entries live under, e.g. "o=mailseal" (RFC 4514 string form). */
  baseDn: string;
  /** Per client network, one unit per address asked: CerDB's HTTP budget (certsPerIpPerMinute). */
  budget: NetworkBudget;
  /** With it, StartTLS is offered. */
  tls?: SecureContext;
  logger: FastifyBaseLogger;
  /** Most addresses one search may name (CerDB's HTTP batch takes 100). */
  maxAddresses?: number;
  /** A connection idle this long is closed. */
  idleTimeoutMs?: number;
}

export const DEFAULT_MAX_ADDRESSES = 100;
const DEFAULT_IDLE_TIMEOUT_MS = 120_000;
/** Requests read ahead of the one being answered before the connection stops reading. */
const MAX_QUEUED_REQUESTS = 32;
const MAX_CONNECTIONS = 1024;

/** RFC 4514 2.4: a string attribute value escaped for a DN. */
export function escapeDnValue(value: string): string {
  return value
    .replace(/[\\,+"<>;=]/g, (c) => `\\${c}`)
    .replace(/^([ #])/, "\\$1")
    .replace(/ $/, "\\ ");
}

/** RFC 4514 3: the value of an escaped attribute value (\XX pairs and \c). */
function unescapeDnValue(value: string): string {
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === "\\" && /^[0-9a-fA-F]{2}$/.test(value.slice(i + 1, i + 3))) {
      bytes.push(parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c === "\\" && i + 1 < value.length) {
      bytes.push(...encoder.encode(value[i + 1]!));
      i += 1;
    } else {
      bytes.push(...encoder.encode(c));
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** A DN for comparison: no spaces around separators, attribute types and values in lower case. */
function normalizeDn(dn: string): string {
  return dn
    .split(/(?<!\\),/)
    .map((rdn) =>
      rdn
        .split(/(?<!\\)=/)
        .map((part) => part.trim())
        .join("="),
    )
    .join(",")
    .toLowerCase();
}

type Target = { kind: "root" } | { kind: "base" } | { kind: "entry"; address: string } | { kind: "none" };

/** A connection's state: its socket (replaced by the TLS one after StartTLS) and request queue. */
interface Connection {
  socket: Socket;
  ip: string;
  buffered: Uint8Array;
  queue: LdapRequestAt[];
  busy: boolean;
  closed: boolean;
}

interface LdapRequestAt {
  messageId: number;
  request: LdapRequest;
}

export interface LdapDoor {
  /** Listens on host:port; resolves the port (the one chosen for port 0). */
  listen(port: number, host: string): Promise<number>;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

export function createLdapDoor(options: LdapDoorOptions): LdapDoor {
  const maxAddresses = options.maxAddresses ?? DEFAULT_MAX_ADDRESSES;
  const baseDn = normalizeDn(options.baseDn);
  const baseRdn = options.baseDn.split(/(?<!\\),/)[0]!.trim();

  function dnOf(address: string): string {
    return `mail=${escapeDnValue(address)},${options.baseDn}`;
  }

  function targetOf(dn: string): Target {
    const normal = normalizeDn(dn);
    if (normal === "") return { kind: "root" };
    if (normal === baseDn) return { kind: "base" };
    const suffix = `,${baseDn}`;
    if (normal.endsWith(suffix)) {
      // mail=ADDRESS,BASE: the address as written, before lower-casing.
      const rdn = dn.trim().split(/(?<!\\),/)[0]!;
      const [type, value] = rdn.split(/(?<!\\)=/).map((part) => part.trim());
      if (
        type?.toLowerCase() === "mail" &&
        value !== undefined &&
        normal.split(/(?<!\\),/).length === baseDn.split(",").length + 1
      ) {
        return { kind: "entry", address: unescapeDnValue(value) };
      }
    }
    return { kind: "none" };
  }

  function rootDse(): EntryAttribute[] {
    return [
      { type: "objectClass", values: ["top", "extensibleObject"] },
      { type: "namingContexts", values: [options.baseDn] },
      { type: "supportedLDAPVersion", values: ["3"] },
      { type: "supportedExtension", values: options.tls === undefined ? [] : [START_TLS_OID] },
      { type: "vendorName", values: ["mailseal"] },
    ].filter((attribute) => attribute.values.length > 0);
  }

  function baseEntry(): EntryAttribute[] {
    const [type, value] = baseRdn.split("=").map((part) => part.trim());
    return [
      { type: "objectClass", values: ["top", "extensibleObject"] },
      ...(type !== undefined && value !== undefined ? [{ type, values: [unescapeDnValue(value)] }] : []),
    ];
  }

  function personEntry(entry: DirectoryEntry): EntryAttribute[] {
    return [
      { type: "objectClass", values: ["top", "person", "organizationalPerson", "inetOrgPerson"] },
      { type: "mail", values: [entry.address] },
      { type: "cn", values: [entry.address] },
      { type: "sn", values: [entry.address] },
      { type: "userCertificate;binary", values: entry.certificates },
    ];
  }

  /** What filters see of an entry: its string attributes (certificates are present but not compared). */
  function viewOf(attributes: readonly EntryAttribute[]): FilterView {
    const view = new Map<string, string[]>();
    for (const attribute of attributes) {
      const type = attribute.type.split(";")[0]!.toLowerCase();
      view.set(
        type,
        attribute.values.filter((value): value is string => typeof value === "string"),
      );
    }
    return view;
  }

  /** The requested attributes of an entry (RFC 4511 4.5.1.8: none or "*" means all user attributes). */
  function selected(attributes: readonly EntryAttribute[], wanted: readonly string[]): EntryAttribute[] {
    const names = wanted.filter((name) => name !== "1.1").map((name) => name.split(";")[0]!.toLowerCase());
    if (wanted.length === 0 || names.includes("*")) return [...attributes];
    if (names.length === 0) return []; // "1.1": no attributes (RFC 4511 4.5.1.8)
    return attributes.filter((attribute) => names.includes(attribute.type.split(";")[0]!.toLowerCase()));
  }

  function send(connection: Connection, bytes: Uint8Array): void {
    if (!connection.closed) connection.socket.write(bytes);
  }

  function disconnect(connection: Connection, code: (typeof ResultCode)[keyof typeof ResultCode], why: string): void {
    send(connection, extendedResponse(0, code, why, NOTICE_OF_DISCONNECTION_OID));
    connection.closed = true;
    connection.socket.end();
  }

  async function search(
    connection: Connection,
    messageId: number,
    request: LdapRequest & { kind: "search" },
  ): Promise<void> {
    const done = (code: (typeof ResultCode)[keyof typeof ResultCode], diagnostic = "", matchedDn = "") =>
      send(connection, resultMessage(messageId, SEARCH_RESULT_DONE, code, diagnostic, matchedDn));
    const target = targetOf(request.baseObject);
    if (target.kind === "none") return done(ResultCode.noSuchObject, "no such entry", options.baseDn);
    const results: { dn: string; attributes: EntryAttribute[] }[] = [];
    const consider = (dn: string, attributes: EntryAttribute[], filter: Filter) => {
      if (matches(filter, viewOf(attributes))) results.push({ dn, attributes });
    };

    if (request.scope === "baseObject" && target.kind === "root") consider("", rootDse(), request.filter);
    else if (request.scope === "baseObject" && target.kind === "base")
      consider(options.baseDn, baseEntry(), request.filter);
    else {
      // The people: the addresses the filter names (or the one the base DN names), nothing else.
      let asked =
        target.kind === "entry"
          ? request.scope === "baseObject"
            ? [target.address]
            : [] // an entry has no children
          : (namedAddresses(request.filter) ?? []);
      asked = [...new Set(asked.map((address) => address.trim().toLowerCase()))];
      if (asked.length > maxAddresses) {
        return done(ResultCode.adminLimitExceeded, `a search may name at most ${maxAddresses} addresses`);
      }
      if (asked.length > 0) {
        const wait = options.budget.take(connection.ip, asked.length);
        if (wait !== undefined) return done(ResultCode.busy, `too many addresses looked up: try again in ${wait} s`);
        const valid = asked.flatMap((address) => {
          try {
            return [normalizeAddress(address)];
          } catch {
            return []; // a malformed address finds nothing, as an unknown one
          }
        });
        const entries = valid.length === 0 ? [] : await options.directory.entries(valid);
        // As the api's request log shows each GET /v1/certs/{address}: who was looked up, and whether found.
        options.logger.info({ addresses: asked, found: entries.length }, "ldap search");
        for (const entry of entries) consider(dnOf(entry.address), personEntry(entry), request.filter);
      }
    }

    const limit = request.sizeLimit === 0 ? results.length : Math.min(request.sizeLimit, results.length);
    for (const result of results.slice(0, limit)) {
      send(
        connection,
        searchResultEntry(messageId, result.dn, selected(result.attributes, request.attributes), request.typesOnly),
      );
    }
    if (limit < results.length) return done(ResultCode.sizeLimitExceeded);
    done(ResultCode.success);
  }

  async function answer(connection: Connection, { messageId, request }: LdapRequestAt): Promise<void> {
    switch (request.kind) {
      case "bind":
        if (request.version !== 3) {
          return send(connection, resultMessage(messageId, BIND_RESPONSE, ResultCode.protocolError, "only LDAPv3"));
        }
        if (request.authentication === "sasl") {
          return send(
            connection,
            resultMessage(messageId, BIND_RESPONSE, ResultCode.authMethodNotSupported, "anonymous access only"),
          );
        }
        if (request.name === "" && request.password.length === 0) {
          return send(connection, resultMessage(messageId, BIND_RESPONSE, ResultCode.success));
        }
        // RFC 4513 5.1.2: an unauthenticated bind (a name, no password) is refused by default.
        if (request.password.length === 0) {
          return send(
            connection,
            resultMessage(messageId, BIND_RESPONSE, ResultCode.unwillingToPerform, "anonymous access only"),
          );
        }
        return send(
          connection,
          resultMessage(messageId, BIND_RESPONSE, ResultCode.invalidCredentials, "anonymous access only"),
        );
      case "unbind":
        connection.closed = true;
        connection.socket.end();
        return;
      case "abandon":
        return; // RFC 4511 4.11: no response; searches here finish at once
      case "refused":
        return send(
          connection,
          resultMessage(messageId, request.responseTag, ResultCode.unwillingToPerform, "this directory is read-only"),
        );
      case "extended":
        if (request.name !== START_TLS_OID) {
          return send(connection, extendedResponse(messageId, ResultCode.protocolError, "unknown extended operation"));
        }
        if (options.tls === undefined) {
          return send(
            connection,
            extendedResponse(messageId, ResultCode.unavailable, "TLS is not configured", START_TLS_OID),
          );
        }
        if (connection.socket instanceof TLSSocket) {
          return send(
            connection,
            extendedResponse(messageId, ResultCode.operationsError, "TLS is already on", START_TLS_OID),
          );
        }
        if (connection.queue.length > 0 || connection.buffered.length > 0) {
          // RFC 4511 4.14.1: no request may be outstanding, and none may follow before the TLS handshake.
          return disconnect(connection, ResultCode.protocolError, "requests sent with StartTLS");
        }
        send(connection, extendedResponse(messageId, ResultCode.success, "", START_TLS_OID));
        upgrade(connection, options.tls);
        return;
      case "search":
        return search(connection, messageId, request);
    }
  }

  async function drain(connection: Connection): Promise<void> {
    if (connection.busy) return;
    connection.busy = true;
    try {
      while (!connection.closed && connection.queue.length > 0) {
        const next = connection.queue.shift()!;
        await answer(connection, next);
        if (connection.queue.length < MAX_QUEUED_REQUESTS) connection.socket.resume();
      }
    } catch (error) {
      options.logger.error({ err: error }, "ldap request failed");
      disconnect(connection, ResultCode.operationsError, "internal error");
    } finally {
      connection.busy = false;
    }
  }

  function receive(connection: Connection, chunk: Uint8Array): void {
    if (connection.closed) return;
    connection.buffered = connection.buffered.length === 0 ? chunk : concatBytes([connection.buffered, chunk]);
    try {
      for (;;) {
        const length = frameLength(connection.buffered);
        if (length === undefined || connection.buffered.length < length) break;
        const message = decodeMessage(connection.buffered.subarray(0, length));
        connection.buffered = connection.buffered.slice(length);
        connection.queue.push(message);
        // StartTLS: what follows on the wire is the TLS handshake, read by the TLS socket.
        if (message.request.kind === "extended" && message.request.name === START_TLS_OID) break;
      }
    } catch (error) {
      return disconnect(
        connection,
        ResultCode.protocolError,
        error instanceof Error ? error.message : "malformed message",
      );
    }
    if (connection.queue.length >= MAX_QUEUED_REQUESTS) connection.socket.pause();
    void drain(connection);
  }

  function attach(connection: Connection, socket: Socket): void {
    connection.socket = socket;
    socket.setTimeout(options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS, () => socket.destroy());
    socket.on("data", (chunk: Buffer) =>
      receive(connection, new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)),
    );
    socket.on("error", () => socket.destroy());
    socket.on("close", () => {
      if (connection.socket === socket) connection.closed = true;
    });
  }

  function upgrade(connection: Connection, secureContext: SecureContext): void {
    const plain = connection.socket;
    plain.removeAllListeners("data");
    plain.setTimeout(0);
    const secure = new TLSSocket(plain, { isServer: true, secureContext });
    attach(connection, secure);
  }

  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    const connection: Connection = {
      socket,
      ip: socket.remoteAddress ?? "",
      buffered: new Uint8Array(0),
      queue: [],
      busy: false,
      closed: false,
    };
    attach(connection, socket);
  });
  server.maxConnections = MAX_CONNECTIONS;
  return {
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          const address = server.address();
          resolve(typeof address === "object" && address !== null ? address.port : port);
        });
      }),
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
