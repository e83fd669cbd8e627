// A DOUBLE of Microsoft Graph, not Graph: real Graph (and Exchange behind it) cannot run here. A
// loopback HTTP server with exactly the routes the add-in's Graph client uses (src/graph/), which
// records every request, checks the bearer token and the delegated permission each route needs (a
// token of test/graph-token.ts that lacks it is refused with 403, as Graph does), has failure modes (429 with Retry-After, 5xx,
// 401, per route and for a number of requests), answers CORS as a page in Chromium needs, and keeps
// no mail of its own: what sendMail receives (or the draft + upload session + send path builds) is
// delivered by IMAP APPEND into the recipients' INBOX of a REAL Dovecot (the Thunderbird suite's
// test/thunderbird/harness/dovecot.ts), the sent copy into the sender's Sent folder; GET /me/messages
// and $value read from that Dovecot, so what the double serves is real stored MIME.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { startDovecot, type TestDovecot } from "../../test/thunderbird/harness/dovecot.js";
import { parseScopedToken } from "./graph-token.js";
import { ImapSession, isoOfInternalDate } from "./imap.js";

export interface GraphUser {
  /** The mail address; its local part is the Dovecot user. */
  address: string;
  /** The bearer token that is this user's (any other is refused with 401). */
  token: string;
  /** The IMAP password, when the Dovecot is given (its users made by another harness). */
  password?: string;
}

export interface GraphDoubleOptions {
  /** A Dovecot already running with these users (the Thunderbird suite's): used, not stopped. */
  dovecot?: TestDovecot;
}

/** One recorded request. */
export interface GraphRequest {
  method: string;
  /** The route as the client's code names it: "POST /me/sendMail", "PUT upload", ... */
  route: string;
  /** The path and query as sent. */
  url: string;
  /** The token's user, "none", or "unknown". */
  user: string;
  /** The permissions the token granted, space-separated ("*": a token that grants all). */
  scopes: string;
  contentType: string;
  contentRange?: string;
  size: number;
  status: number;
  /** sendMail: the base64 body as sent. */
  body?: string;
}

/** A failure the double answers instead of doing the route, `times` times (Infinity: every time). */
export interface GraphFailure {
  route: string;
  status: number;
  retryAfter?: string;
  times: number;
}

/** One message delivered (or copied to Sent) through the double: where, and the MIME stored. */
export interface Delivery {
  user: string;
  mailbox: string;
  mime: Buffer;
}

interface Draft {
  owner: string;
  json: {
    subject?: string;
    toRecipients?: { emailAddress: { address: string } }[];
    ccRecipients?: { emailAddress: { address: string } }[];
    bccRecipients?: { emailAddress: { address: string } }[];
    internetMessageId?: string;
    singleValueExtendedProperties?: { id: string; value: string }[];
  };
  attachment?: { name: string; contentType: string; size: number; data: Buffer; received: number };
}

export interface GraphDouble {
  /** The Graph root to give the client: `http://127.0.0.1:PORT/v1.0`. */
  base: string;
  dovecot: TestDovecot;
  requests: GraphRequest[];
  failures: GraphFailure[];
  deliveries: Delivery[];
  /** The messages of a user's mailbox in Dovecot now, oldest first. */
  mailbox(address: string, mailbox?: string): Promise<Buffer[]>;
  /** Puts a message into a user's mailbox (as mail arriving), its Graph id back. */
  deliver(address: string, mime: Buffer, mailbox?: string): Promise<string>;
  stop(): Promise<void>;
}

const PASSWORD = "graph-double";
const SENT = "Sent Items";
const DELETED = "Deleted Items";

/**
 * The delegated permission each route needs (Microsoft Graph's permissions reference): sending takes
 * Mail.Send; a draft, its upload session, deleting or moving a message Mail.ReadWrite; reading or
 * searching Mail.Read, which Mail.ReadWrite includes.
 */
const NEEDS: Record<string, string> = {
  "POST /me/sendMail": "Mail.Send",
  "POST /me/messages": "Mail.ReadWrite",
  "POST createUploadSession": "Mail.ReadWrite",
  "POST send": "Mail.Send",
  "DELETE /me/messages/{id}": "Mail.ReadWrite",
  "POST /me/messages/{id}/move": "Mail.ReadWrite",
  "GET /me/messages/{id}/$value": "Mail.Read",
  "GET /me/mailFolders/inbox/messages": "Mail.Read",
};

function grants(scopes: string[] | undefined, needed: string | undefined): boolean {
  if (scopes === undefined || needed === undefined) return true;
  return scopes.includes(needed) || (needed === "Mail.Read" && scopes.includes("Mail.ReadWrite"));
}

function userOf(address: string): string {
  return address.slice(0, address.indexOf("@")).toLowerCase();
}

/** A Graph message id: the Dovecot mailbox and UID, opaque to the client. */
function messageId(mailbox: string, uid: number): string {
  return `${Buffer.from(mailbox).toString("base64url")}.${uid}`;
}

function parseMessageId(id: string): { mailbox: string; uid: number } | undefined {
  const match = /^([A-Za-z0-9_-]+)\.(\d+)$/.exec(id);
  return match === null
    ? undefined
    : { mailbox: Buffer.from(match[1]!, "base64url").toString(), uid: Number(match[2]) };
}

/** The unfolded header fields of a message (RFC 5322 2.2.3). */
function headerOf(mime: Buffer): { header: string; body: Buffer } {
  const text = mime.toString("latin1");
  const match = /\r?\n\r?\n/.exec(text);
  const end = match === null ? text.length : match.index;
  return {
    header: text.slice(0, end).replace(/\r?\n[ \t]+/g, " "),
    body: mime.subarray(match === null ? mime.length : end + match[0].length),
  };
}

function field(header: string, name: string): string | undefined {
  return new RegExp(`^${name}:[ \\t]*(.*)$`, "im").exec(header)?.[1];
}

/** The addr-specs of an address-list field value (enough for the mail the tests write). */
function addresses(value: string | undefined): string[] {
  if (value === undefined) return [];
  return [...value.replace(/"(?:[^"\\]|\\.)*"/g, "").matchAll(/[^\s<>,;:"]+@[^\s<>,;:"]+/g)].map((m) =>
    m[0].toLowerCase(),
  );
}

/** "Bcc" is not delivered with the message (RFC 5322 3.6.3): the field goes, the recipients stay. */
function withoutBcc(mime: Buffer): Buffer {
  const { header, body } = headerOf(mime);
  if (field(header, "Bcc") === undefined) return mime;
  const text = mime.toString("latin1");
  const end = text.length - body.length;
  const kept = text.slice(0, end).replace(/^Bcc:.*\r?\n(?:[ \t].*\r?\n)*/gim, "");
  return Buffer.concat([Buffer.from(kept, "latin1"), body]);
}

function encodedWords(text: string): string {
  return /^[\x20-\x7e]*$/.test(text) ? text : `=?UTF-8?B?${Buffer.from(text).toString("base64")}?=`;
}

/** The CMS content type of a DER ContentInfo (RFC 5652 3), as the smime-type parameter names it (RFC 8551 3.2.2). */
function smimeType(der: Buffer): string {
  const head = der.subarray(0, 32);
  const oid = (bytes: number[]) => head.indexOf(Buffer.from(bytes)) >= 0;
  const pkcs7 = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07];
  if (oid([...pkcs7, 0x03])) return "enveloped-data";
  if (oid([...pkcs7, 0x02])) return "signed-data";
  if (oid([0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x17])) return "authEnveloped-data";
  return "enveloped-data";
}

/**
 * The MIME Exchange makes of an S/MIME item ([MS-OXOSMIME] 2.1.3.1): the draft's header fields, and
 * the smime.p7m attachment as the message's content (application/pkcs7-mime: the CMS, base64; a
 * multipart/signed attachment holds the whole signed entity with its own Content-Type).
 */
function mimeOfDraft(draft: Draft, from: string): Buffer {
  const list = (r?: { emailAddress: { address: string } }[]) => (r ?? []).map((x) => x.emailAddress.address);
  // A reply's threading fields, from PidTagInReplyToId (0x1042) and PidTagInternetReferences (0x1039).
  const property = (id: string) => draft.json.singleValueExtendedProperties?.find((p) => p.id === id)?.value;
  const inReplyTo = property("String 0x1042");
  const references = property("String 0x1039");
  const fields = [
    `From: <${from}>`,
    ...(list(draft.json.toRecipients).length > 0 ? [`To: ${list(draft.json.toRecipients).join(", ")}`] : []),
    ...(list(draft.json.ccRecipients).length > 0 ? [`Cc: ${list(draft.json.ccRecipients).join(", ")}`] : []),
    `Subject: ${encodedWords(draft.json.subject ?? "")}`,
    `Date: ${new Date().toUTCString().replace("GMT", "+0000")}`,
    `Message-ID: ${draft.json.internetMessageId ?? `<${randomBytes(8).toString("hex")}@graph-double.test>`}`,
    ...(inReplyTo === undefined ? [] : [`In-Reply-To: ${inReplyTo}`]),
    ...(references === undefined ? [] : [`References: ${references}`]),
    "MIME-Version: 1.0",
  ];
  const attachment = draft.attachment!;
  if (attachment.contentType === "multipart/signed") {
    return Buffer.concat([Buffer.from(`${fields.join("\r\n")}\r\n`), attachment.data]);
  }
  const type = smimeType(attachment.data);
  const base64 = attachment.data.toString("base64").replace(/.{76}/g, "$&\r\n");
  return Buffer.from(
    `${fields.join("\r\n")}\r\n` +
      `Content-Type: application/pkcs7-mime; smime-type=${type}; name="smime.p7m"\r\n` +
      `Content-Disposition: attachment; filename="smime.p7m"\r\n` +
      `Content-Transfer-Encoding: base64\r\n\r\n${base64}\r\n`,
  );
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startGraphDouble(
  users: readonly GraphUser[],
  options: GraphDoubleOptions = {},
): Promise<GraphDouble> {
  const dovecot =
    options.dovecot ?? (await startDovecot(users.map((u) => ({ name: userOf(u.address), password: PASSWORD }))));
  const passwords = new Map(users.map((u) => [u.address.toLowerCase(), u.password ?? PASSWORD]));
  const requests: GraphRequest[] = [];
  const failures: GraphFailure[] = [];
  const deliveries: Delivery[] = [];
  const drafts = new Map<string, Draft>();
  const uploads = new Map<string, string>();
  const byToken = new Map(users.map((u) => [u.token, u.address.toLowerCase()]));
  const known = new Set(users.map((u) => u.address.toLowerCase()));

  async function withImap<T>(address: string, work: (imap: ImapSession) => Promise<T>): Promise<T> {
    const imap = await ImapSession.open(
      dovecot.port,
      userOf(address),
      passwords.get(address.toLowerCase()) ?? PASSWORD,
    );
    try {
      return await work(imap);
    } finally {
      await imap.close();
    }
  }

  async function append(address: string, mailbox: string, mime: Buffer): Promise<string> {
    return withImap(address, async (imap) => {
      if (mailbox !== "INBOX") await imap.create(mailbox);
      await imap.append(mailbox, mime);
      await imap.select(mailbox);
      const uids = await imap.uids();
      deliveries.push({ user: address, mailbox, mime });
      return messageId(mailbox, Math.max(...uids));
    });
  }

  /** What Exchange does on send: deliver to each known recipient, the copy to the sender's Sent Items. */
  async function submit(from: string, mime: Buffer, envelope: string[]): Promise<void> {
    const delivered = withoutBcc(mime);
    for (const rcpt of new Set(envelope)) if (known.has(rcpt)) await append(rcpt, "INBOX", delivered);
    await append(from, SENT, mime);
  }

  async function route(
    request: IncomingMessage,
    body: Buffer,
    user: string | undefined,
    send: (status: number, payload?: unknown, headers?: Record<string, string>) => void,
    name: (route: string) => void,
  ): Promise<void> {
    const url = new URL(request.url ?? "/", "http://double");
    const path = url.pathname;
    const method = request.method ?? "GET";

    const upload = /^\/upload\/([a-f0-9]+)$/.exec(path);
    if (upload !== null && method === "PUT") {
      name("PUT upload");
      // Upload URLs carry their own authorisation: a bearer token on them is refused (as Graph does).
      if (request.headers.authorization !== undefined)
        return send(401, { error: { code: "InvalidAuthenticationToken" } });
      const draft = drafts.get(uploads.get(upload[1]!) ?? "");
      const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(request.headers["content-range"] ?? ""));
      if (draft?.attachment === undefined || range === null) return send(400, { error: { code: "InvalidRequest" } });
      const [start, end, total] = [Number(range[1]), Number(range[2]), Number(range[3])];
      const attachment = draft.attachment;
      if (start !== attachment.received || end - start + 1 !== body.length || total !== attachment.size)
        return send(416, { error: { code: "InvalidRange" } });
      body.copy(attachment.data, start);
      attachment.received = end + 1;
      if (attachment.received === attachment.size) return send(201, {});
      return send(200, { nextExpectedRanges: [`${attachment.received}-`] });
    }

    if (!path.startsWith("/v1.0/me")) return send(404, { error: { code: "NotFound" } });
    const rest = path.slice("/v1.0/me".length);
    if (user === undefined) {
      name(`${method} ${rest.replace(/\/messages\/[^/]+/, "/messages/{id}")}`);
      return send(401, { error: { code: "InvalidAuthenticationToken", message: "Access token is empty or invalid." } });
    }

    if (method === "POST" && rest === "/sendMail") {
      name("POST /me/sendMail");
      if (!/^text\/plain/.test(String(request.headers["content-type"])))
        return send(400, { error: { code: "ErrorMimeContentInvalid" } });
      const mime = Buffer.from(body.toString("latin1").replace(/\s+/g, ""), "base64");
      const { header } = headerOf(mime);
      if (field(header, "From") === undefined || !/^MIME-Version:/im.test(header))
        return send(400, { error: { code: "ErrorMimeContentInvalidBase64String" } });
      const envelope = ["To", "Cc", "Bcc"].flatMap((f) => addresses(field(header, f)));
      if (envelope.length === 0) return send(400, { error: { code: "ErrorInvalidRecipients" } });
      await submit(user, mime, envelope);
      return send(202);
    }

    if (method === "POST" && rest === "/messages") {
      name("POST /me/messages");
      const json = JSON.parse(body.toString("utf8")) as Draft["json"];
      const id = `draft-${randomBytes(6).toString("hex")}`;
      drafts.set(id, { owner: user, json });
      return send(201, { id });
    }

    const session = /^\/messages\/([^/]+)\/attachments\/createUploadSession$/.exec(rest);
    if (method === "POST" && session !== null) {
      name("POST createUploadSession");
      const draft = drafts.get(decodeURIComponent(session[1]!));
      if (draft?.owner !== user) return send(404, { error: { code: "ErrorItemNotFound" } });
      const item = (JSON.parse(body.toString("utf8")) as { AttachmentItem?: Record<string, unknown> }).AttachmentItem;
      if (item?.attachmentType !== "file" || typeof item.size !== "number" || typeof item.name !== "string")
        return send(400, { error: { code: "InvalidRequest" } });
      draft.attachment = {
        name: item.name,
        contentType: String(item.contentType ?? "application/octet-stream"),
        size: item.size,
        data: Buffer.alloc(item.size),
        received: 0,
      };
      const key = randomBytes(12).toString("hex");
      uploads.set(key, decodeURIComponent(session[1]!));
      const host = request.headers.host ?? "127.0.0.1";
      return send(200, {
        uploadUrl: `http://${host}/upload/${key}`,
        expirationDateTime: new Date(Date.now() + 3_600_000).toISOString(),
        nextExpectedRanges: ["0-"],
      });
    }

    const sendDraft = /^\/messages\/([^/]+)\/send$/.exec(rest);
    if (method === "POST" && sendDraft !== null) {
      name("POST send");
      const id = decodeURIComponent(sendDraft[1]!);
      const draft = drafts.get(id);
      if (draft?.owner !== user) return send(404, { error: { code: "ErrorItemNotFound" } });
      const smime = draft.json.singleValueExtendedProperties?.find((p) => p.id === "String 0x001A")?.value ?? "";
      const attachment = draft.attachment;
      if (!smime.startsWith("IPM.Note.SMIME") || attachment === undefined || attachment.name !== "smime.p7m")
        return send(400, { error: { code: "ErrorInvalidRequest", message: "not an S/MIME draft" } });
      if (attachment.received !== attachment.size) return send(400, { error: { code: "ErrorAttachmentIncomplete" } });
      const envelope = [draft.json.toRecipients, draft.json.ccRecipients, draft.json.bccRecipients].flatMap((r) =>
        (r ?? []).map((x) => x.emailAddress.address.toLowerCase()),
      );
      drafts.delete(id);
      await submit(user, mimeOfDraft(draft, user), envelope);
      return send(202);
    }

    const one = /^\/messages\/([^/]+)(\/\$value|\/move)?$/.exec(rest);
    if (one !== null) {
      const id = decodeURIComponent(one[1]!);
      if (method === "DELETE" && one[2] === undefined) {
        name("DELETE /me/messages/{id}");
        return send(drafts.delete(id) ? 204 : 404);
      }
      const where = parseMessageId(id);
      if (where === undefined) {
        name(`${method} /me/messages/{id}${one[2] ?? ""}`);
        return send(404, { error: { code: "ErrorItemNotFound" } });
      }
      if (method === "GET" && one[2] === "/$value") {
        name("GET /me/messages/{id}/$value");
        const found = await withImap(user, async (imap) => {
          await imap.select(where.mailbox);
          return imap.fetch(where.uid);
        });
        if (found === undefined) return send(404, { error: { code: "ErrorItemNotFound" } });
        return send(200, found.raw, { "content-type": "message/rfc822" });
      }
      if (method === "POST" && one[2] === "/move") {
        name("POST /me/messages/{id}/move");
        const destination = (JSON.parse(body.toString("utf8")) as { destinationId?: string }).destinationId;
        if (destination !== "deleteditems") return send(400, { error: { code: "ErrorInvalidIdMalformed" } });
        const moved = await withImap(user, async (imap) => {
          await imap.select(where.mailbox);
          const found = await imap.fetch(where.uid);
          if (found === undefined) return undefined;
          await imap.create(DELETED);
          await imap.append(DELETED, found.raw);
          await imap.remove(where.uid);
          await imap.select(DELETED);
          return messageId(DELETED, Math.max(...(await imap.uids())));
        });
        return moved === undefined ? send(404, { error: { code: "ErrorItemNotFound" } }) : send(201, { id: moved });
      }
    }

    if (method === "GET" && rest === "/mailFolders/inbox/messages") {
      name("GET /me/mailFolders/inbox/messages");
      const words = (url.searchParams.get("$search") ?? "")
        .replace(/"/g, "")
        .toLowerCase()
        .split(/\s+/)
        .filter(Boolean);
      const top = Number(url.searchParams.get("$top") ?? "10");
      const messages = await withImap(user, async (imap) => {
        await imap.select("INBOX");
        const found = [];
        for (const uid of await imap.uids()) {
          const message = await imap.fetch(uid);
          if (message !== undefined) found.push(message);
        }
        return found;
      });
      const value = messages
        .filter((m) => words.every((w) => m.raw.toString("latin1").toLowerCase().includes(w)))
        .map((m) => ({
          id: messageId("INBOX", m.uid),
          subject: field(headerOf(m.raw).header, "Subject") ?? "",
          receivedDateTime: isoOfInternalDate(m.internalDate),
        }))
        .sort((a, b) => b.receivedDateTime.localeCompare(a.receivedDateTime))
        .slice(0, top);
      return send(200, { value });
    }

    name(`${method} ${rest}`);
    return send(404, { error: { code: "NotFound", message: `no route ${method} ${path} in the Graph double` } });
  }

  const server: Server = createServer((request, response: ServerResponse) => {
    void (async () => {
      const cors = {
        "access-control-allow-origin": "*",
        "access-control-allow-headers": "authorization, content-type, content-range",
        "access-control-allow-methods": "GET, POST, PUT, DELETE",
        "access-control-expose-headers": "retry-after",
      };
      if (request.method === "OPTIONS") {
        response.writeHead(204, cors).end();
        return;
      }
      const body = await readBody(request);
      const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1];
      const scoped = bearer === undefined ? undefined : parseScopedToken(bearer);
      const user = scoped === undefined ? undefined : byToken.get(scoped.token);
      const record: GraphRequest = {
        method: request.method ?? "",
        route: "",
        url: request.url ?? "",
        user: bearer === undefined ? "none" : (user ?? "unknown"),
        scopes: scoped?.scopes?.join(" ") ?? (bearer === undefined ? "" : "*"),
        contentType: String(request.headers["content-type"] ?? ""),
        ...(request.headers["content-range"] === undefined
          ? {}
          : { contentRange: String(request.headers["content-range"]) }),
        size: body.length,
        status: 0,
      };
      requests.push(record);
      let sent = false;
      const send = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
        if (sent) return;
        sent = true;
        record.status = status;
        const bytes =
          payload === undefined ? undefined : Buffer.isBuffer(payload) ? payload : Buffer.from(JSON.stringify(payload));
        response.writeHead(status, {
          ...cors,
          ...(bytes === undefined || Buffer.isBuffer(payload) ? {} : { "content-type": "application/json" }),
          ...headers,
        });
        response.end(bytes);
      };
      const name = (route: string) => {
        record.route = route;
        if (route === "POST /me/sendMail") record.body = body.toString("latin1");
        if (user !== undefined && !grants(scoped?.scopes, NEEDS[route])) {
          send(403, {
            error: { code: "ErrorAccessDenied", message: `Access is denied: ${route} needs ${NEEDS[route]}.` },
          });
          throw new Failed();
        }
        const failure = failures.find((f) => f.route === route && f.times > 0);
        if (failure !== undefined) {
          failure.times -= 1;
          send(
            failure.status,
            { error: { code: failure.status === 429 ? "ApplicationThrottled" : "ServiceUnavailable" } },
            failure.retryAfter === undefined ? {} : { "retry-after": failure.retryAfter },
          );
          throw new Failed();
        }
      };
      try {
        await route(request, body, user, send, name);
      } catch (error) {
        if (!(error instanceof Failed)) send(500, { error: { code: "GraphDoubleError", message: String(error) } });
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    base: `http://127.0.0.1:${port}/v1.0`,
    dovecot,
    requests,
    failures,
    deliveries,
    mailbox: (address, mailbox = "INBOX") =>
      withImap(address, async (imap) => {
        if (mailbox !== "INBOX") await imap.create(mailbox);
        await imap.select(mailbox);
        const all: Buffer[] = [];
        for (const uid of await imap.uids()) {
          const message = await imap.fetch(uid);
          if (message !== undefined) all.push(message.raw);
        }
        return all;
      }),
    deliver: (address, mime, mailbox = "INBOX") => append(address, mailbox, mime),
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      if (options.dovecot === undefined) await dovecot.stop();
    },
  };
}

/** Thrown by a failure mode: the response is already sent. */
class Failed extends Error {}
