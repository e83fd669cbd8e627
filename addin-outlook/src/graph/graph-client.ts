// The add-in's client of Microsoft Graph (v1.0): sending a message that is already whole MIME (the
// S/MIME message the engine sealed), reading a message as MIME, and searching the mailbox. Outlook's
// own Send cannot write application/pkcs7-mime (README "Compose"), so "Send securely" goes through
// Graph. fetch-based; the access token comes from the TokenSource the page passes in (how the page
// gets one, nested app authentication in Outlook, is not this module's business), asked for the
// delegated permissions each request needs and no more (least privilege: a deployment may grant
// Mail.Send without Mail.ReadWrite, and then only the large path fails).
//
// Two ways to send (Graph's "send mail in MIME format"):
// - POST /me/sendMail with Content-Type text/plain and the base64 MIME as the body: Graph takes at
//   most about 4 MB per request, so this is for sealed messages up to SMALL_MIME_LIMIT raw bytes
//   (base64 adds a third).
// - Larger: a draft (POST /me/messages) whose message class is IPM.Note.SMIME (the extended
//   property PidTagMessageClass, MAPI tag 0x001A, [MS-OXOSMIME] 2.1.3.1), the S/MIME content as its
//   one attachment smime.p7m uploaded through an upload session (createUploadSession, then PUTs of
//   byte ranges), then POST /me/messages/{id}/send. Exchange turns such an item into an
//   application/pkcs7-mime (or multipart/signed) message with the draft's header fields; a reply's
//   In-Reply-To and References (RFC 5322 3.6.4), which the draft has no property for, go as the
//   MAPI properties Exchange writes those fields from ([MS-OXPROPS] PidTagInReplyToId 0x1042 and
//   PidTagInternetReferences 0x1039, both strings), taken from the sealed message's own header, the
//   same values sendMail sends.
// Throttling (429, 503 with Retry-After) is retried a bounded number of times; every failure is a
// MailsealError with a stable code (MAIL_SERVICE_BUSY, MAIL_SERVICE_DENIED, MAIL_SERVICE_FAILED,
// MESSAGE_TOO_LARGE), nothing else.
import { MailsealError } from "@mailseal/shared";

/** Graph's delegated mail permissions the add-in uses (Mail.ReadWrite includes Mail.Read). */
export type GraphScope = "Mail.Send" | "Mail.ReadWrite" | "Mail.Read";
/** An access token for Microsoft Graph that grants `scopes`. */
export type TokenSource = (scopes: readonly GraphScope[]) => Promise<string>;
export type GraphFetch = (input: string, init: RequestInit) => Promise<Response>;

export const GRAPH_V1 = "https://graph.microsoft.com/v1.0";
/** Raw MIME up to this goes through POST /me/sendMail (about 4 MB of base64 per request). */
export const SMALL_MIME_LIMIT = 3 * 1024 * 1024;
/** Graph takes messages up to 150 MB. */
export const MESSAGE_LIMIT = 150 * 1024 * 1024;
/** Upload sessions take ranges that are multiples of 320 KiB (the last excepted), at most 60 MiB each. */
export const UPLOAD_CHUNK = 10 * 320 * 1024;

export interface GraphClientOptions {
  token: TokenSource;
  /** The Graph root, default GRAPH_V1 (the tests give the double's). */
  base?: string;
  fetch?: GraphFetch;
  /** How often a throttled request is tried again (default 3). */
  retries?: number;
  /** The longest Retry-After honoured, in ms (default 60 s); a longer one fails at once as busy. */
  maxRetryAfterMs?: number;
  /** Waits (tests shorten it). */
  sleep?: (ms: number) => Promise<void>;
  /** One request's time limit (default 60 s). */
  timeoutMs?: number;
  /** The largest message sent (default MESSAGE_LIMIT, what Graph takes). */
  messageLimit?: number;
}

/** The header fields of a draft that carries a sealed message as its smime.p7m. */
export interface DraftEnvelope {
  subject: string;
  to: readonly string[];
  cc: readonly string[];
  bcc: readonly string[];
  /** `<id@domain>`, kept as the message's Message-ID. */
  messageId?: string;
}

/** A message of a mailbox search: what the challenge mailbox and the read pane need. */
export interface GraphMessage {
  id: string;
  subject: string;
  receivedDateTime: string;
}

interface Request {
  method: string;
  url: string;
  body?: BodyInit;
  contentType?: string;
  /** The permissions the request needs; none: an upload URL, pre-authorised (Graph refuses it with an Authorization header). */
  scopes: readonly GraphScope[];
  headers?: Record<string, string>;
  what: string;
}

// The permission each Graph request needs (Microsoft Graph's permissions of each API): sending takes
// Mail.Send, a draft and its upload session Mail.ReadWrite, reading a message or searching Mail.Read.
const SEND: readonly GraphScope[] = ["Mail.Send"];
const READ_WRITE: readonly GraphScope[] = ["Mail.ReadWrite"];
const READ: readonly GraphScope[] = ["Mail.Read"];

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Retry-After (RFC 9110 10.2.3): seconds, or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Graph's error body: { error: { code, message } }. */
async function graphError(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: { code?: unknown; message?: unknown } };
    const code = typeof body.error?.code === "string" ? body.error.code : "";
    const message = typeof body.error?.message === "string" ? body.error.message : "";
    return [code, message].filter((s) => s !== "").join(": ");
  } catch {
    return "";
  }
}

function base64Of(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function base64Bytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function recipients(addresses: readonly string[]): { emailAddress: { address: string } }[] {
  return addresses.map((address) => ({ emailAddress: { address } }));
}

/**
 * The content of a sealed message as an S/MIME item holds it ([MS-OXOSMIME] 2.1.3.1): for
 * application/pkcs7-mime (encrypted, or signed opaque) the decoded CMS, for multipart/signed the
 * whole signed entity with its Content-Type; and the message class that goes with it.
 */
export function smimeAttachment(mime: Uint8Array): { content: Uint8Array; contentType: string; messageClass: string } {
  // One character per byte (windows-1252 is what "latin1" decodes as: single-byte, so the indices
  // below are byte offsets); the bodies are taken as bytes, never re-encoded.
  const text = new TextDecoder("latin1").decode(mime);
  const end = text.search(/\r?\n\r?\n/);
  if (end < 0) throw new MailsealError("MALFORMED_MIME", "the sealed message has no body");
  const header = unfoldedHeader(text, end);
  const bodyStart = end + (/^\r?\n\r?\n/.exec(text.slice(end))?.[0].length ?? 2);
  const contentType = /^content-type:\s*([^\r\n]*)/im.exec(header)?.[1]?.trim() ?? "";
  if (/^application\/(x-)?pkcs7-mime/i.test(contentType)) {
    const base64 = text.slice(bodyStart).replace(/[^A-Za-z0-9+/=]/g, "");
    return { content: base64Bytes(base64), contentType: "application/pkcs7-mime", messageClass: "IPM.Note.SMIME" };
  }
  if (/^multipart\/signed/i.test(contentType)) {
    // The signed entity as MIME: its Content-Type field, then the body as sealed.
    const field = latin1(`Content-Type: ${contentType}\r\n\r\n`);
    const entity = new Uint8Array(field.length + mime.length - bodyStart);
    entity.set(field);
    entity.set(mime.subarray(bodyStart), field.length);
    return {
      content: entity,
      contentType: "multipart/signed",
      messageClass: "IPM.Note.SMIME.MultipartSigned",
    };
  }
  throw new MailsealError("NOT_SMIME", `the sealed message is ${contentType || "not typed"}, not S/MIME`);
}

/** The header section of a message (one character per byte) up to `end`, unfolded (RFC 5322 2.2.3). */
function unfoldedHeader(text: string, end: number): string {
  return text.slice(0, end).replace(/\r?\n[ \t]+/g, " ");
}

/**
 * A reply's In-Reply-To and References as the sealed message's outer header has them (the engine's
 * message writer wrote them only when they are msg-ids), as the draft's MAPI properties.
 */
function threadProperties(mime: Uint8Array): { id: string; value: string }[] {
  const text = new TextDecoder("latin1").decode(mime.subarray(0, 64 * 1024));
  const end = text.search(/\r?\n\r?\n/);
  const header = unfoldedHeader(text, end < 0 ? text.length : end);
  const field = (name: string) => new RegExp(`^${name}:[ \\t]*([^\\r\\n]*)`, "im").exec(header)?.[1]?.trim();
  const inReplyTo = field("In-Reply-To");
  const references = field("References")?.replace(/\s+/g, " ");
  return [
    ...(inReplyTo === undefined || inReplyTo === "" ? [] : [{ id: "String 0x1042", value: inReplyTo }]),
    ...(references === undefined || references === "" ? [] : [{ id: "String 0x1039", value: references }]),
  ];
}

function latin1(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
  return bytes;
}

export class GraphClient {
  readonly base: string;
  readonly #options: GraphClientOptions;

  constructor(options: GraphClientOptions) {
    this.#options = options;
    this.base = (options.base ?? GRAPH_V1).replace(/\/+$/, "");
  }

  /** POST /me/sendMail of a message as base64 MIME (RFC 5322 + MIME): Graph sends it and keeps the sent copy. */
  async sendMime(base64: string): Promise<void> {
    await this.#request({
      method: "POST",
      url: `${this.base}/me/sendMail`,
      body: base64,
      contentType: "text/plain",
      scopes: SEND,
      what: "POST /me/sendMail",
    });
  }

  /**
   * Sends a sealed message: through sendMail up to SMALL_MIME_LIMIT, else as an S/MIME draft whose
   * smime.p7m goes up in an upload session (the envelope gives the draft's header fields). Which
   * path it took comes back, for the pane and the tests.
   */
  async sendSealed(mime: Uint8Array, envelope: DraftEnvelope): Promise<"sendMail" | "uploadSession"> {
    const limit = this.#options.messageLimit ?? MESSAGE_LIMIT;
    if (mime.length > limit) {
      throw new MailsealError(
        "MESSAGE_TOO_LARGE",
        `the sealed message is ${mime.length} bytes; the mail service takes at most ${limit}`,
      );
    }
    if (mime.length <= SMALL_MIME_LIMIT) {
      // Blind copies: a Bcc field, which Exchange delivers to and takes out of what the others get
      // (RFC 5322 3.6.3); the sealed message itself never names them.
      const bcc = envelope.bcc.length === 0 ? new Uint8Array(0) : latin1(`Bcc: ${envelope.bcc.join(",\r\n ")}\r\n`);
      const whole = new Uint8Array(bcc.length + mime.length);
      whole.set(bcc);
      whole.set(mime, bcc.length);
      await this.sendMime(base64Of(whole));
      return "sendMail";
    }
    await this.sendLarge(mime, envelope);
    return "uploadSession";
  }

  /** The draft + upload session + send path, whatever the size. A draft left by a failure is deleted. */
  async sendLarge(mime: Uint8Array, envelope: DraftEnvelope): Promise<void> {
    const attachment = smimeAttachment(mime);
    const draft = (await this.#json({
      method: "POST",
      url: `${this.base}/me/messages`,
      contentType: "application/json",
      body: JSON.stringify({
        subject: envelope.subject,
        toRecipients: recipients(envelope.to),
        ccRecipients: recipients(envelope.cc),
        bccRecipients: recipients(envelope.bcc),
        ...(envelope.messageId === undefined ? {} : { internetMessageId: envelope.messageId }),
        // PidTagMessageClass (PT_UNICODE 0x001A), and a reply's threading fields.
        singleValueExtendedProperties: [
          { id: "String 0x001A", value: attachment.messageClass },
          ...threadProperties(mime),
        ],
      }),
      scopes: READ_WRITE,
      what: "POST /me/messages",
    })) as { id?: unknown };
    if (typeof draft.id !== "string" || draft.id === "") {
      throw new MailsealError("MAIL_SERVICE_FAILED", "POST /me/messages answered without a message id");
    }
    const id = encodeURIComponent(draft.id);
    try {
      const session = (await this.#json({
        method: "POST",
        url: `${this.base}/me/messages/${id}/attachments/createUploadSession`,
        contentType: "application/json",
        body: JSON.stringify({
          AttachmentItem: {
            attachmentType: "file",
            name: "smime.p7m",
            size: attachment.content.length,
            contentType: attachment.contentType,
          },
        }),
        scopes: READ_WRITE,
        what: "POST createUploadSession",
      })) as { uploadUrl?: unknown };
      if (typeof session.uploadUrl !== "string") {
        throw new MailsealError("MAIL_SERVICE_FAILED", "createUploadSession answered without an uploadUrl");
      }
      const total = attachment.content.length;
      for (let start = 0; start < total; start += UPLOAD_CHUNK) {
        const chunk = attachment.content.subarray(start, Math.min(total, start + UPLOAD_CHUNK));
        await this.#request({
          method: "PUT",
          url: session.uploadUrl,
          body: chunk as Uint8Array<ArrayBuffer>,
          contentType: "application/octet-stream",
          headers: { "content-range": `bytes ${start}-${start + chunk.length - 1}/${total}` },
          scopes: [],
          what: "PUT upload session",
        });
      }
      await this.#request({
        method: "POST",
        url: `${this.base}/me/messages/${id}/send`,
        scopes: SEND,
        what: "POST send",
      });
    } catch (error) {
      // Nothing was sent: the half-made draft would only confuse the user's Drafts folder.
      await this.#request({
        method: "DELETE",
        url: `${this.base}/me/messages/${id}`,
        scopes: READ_WRITE,
        what: "DELETE draft",
      }).catch(() => undefined);
      throw error;
    }
  }

  /** GET /me/messages/{id}/$value: the message as RFC 5322 + MIME (the read pane's fallback). */
  async messageMime(id: string): Promise<Uint8Array> {
    const response = await this.#request({
      method: "GET",
      url: `${this.base}/me/messages/${encodeURIComponent(id)}/$value`,
      scopes: READ,
      what: "GET /me/messages/{id}/$value",
    });
    return new Uint8Array(await response.arrayBuffer());
  }

  /** The newest messages of the inbox whose subject or body has `search` (Graph $search, KQL). */
  async searchInbox(search: string, top = 25): Promise<GraphMessage[]> {
    const query = new URLSearchParams({
      $search: `"${search.replace(/"/g, "")}"`,
      $select: "id,subject,receivedDateTime",
      $top: String(top),
    });
    const answer = (await this.#json({
      method: "GET",
      url: `${this.base}/me/mailFolders/inbox/messages?${query.toString()}`,
      scopes: READ,
      what: "GET /me/mailFolders/inbox/messages",
    })) as { value?: unknown };
    if (!Array.isArray(answer.value)) throw new MailsealError("MAIL_SERVICE_FAILED", "the search answered no list");
    return answer.value.filter((m): m is GraphMessage => typeof (m as GraphMessage | null)?.id === "string");
  }

  /** Moves a message to Deleted Items (POST /me/messages/{id}/move). */
  async moveToDeletedItems(id: string): Promise<void> {
    await this.#request({
      method: "POST",
      url: `${this.base}/me/messages/${encodeURIComponent(id)}/move`,
      contentType: "application/json",
      body: JSON.stringify({ destinationId: "deleteditems" }),
      scopes: READ_WRITE,
      what: "POST /me/messages/{id}/move",
    });
  }

  async #json(request: Request): Promise<unknown> {
    const response = await this.#request(request);
    try {
      return await response.json();
    } catch {
      throw new MailsealError("MAIL_SERVICE_FAILED", `${request.what} answered ${response.status} without JSON`);
    }
  }

  /** One request, throttling retried; any other failure a MailsealError. */
  async #request(request: Request): Promise<Response> {
    const { retries = 3, maxRetryAfterMs = 60_000, sleep = sleepFor, timeoutMs = 60_000 } = this.#options;
    const fetcher = this.#options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { ...request.headers };
      if (request.contentType !== undefined) headers["content-type"] = request.contentType;
      if (request.scopes.length > 0) {
        let token: string;
        try {
          token = await this.#options.token(request.scopes);
        } catch (error) {
          throw new MailsealError("MAIL_SERVICE_DENIED", `no access token for Microsoft Graph: ${String(error)}`, {
            cause: error,
          });
        }
        headers.authorization = `Bearer ${token}`;
      }
      let response: Response;
      try {
        response = await fetcher(request.url, {
          method: request.method,
          headers,
          ...(request.body === undefined ? {} : { body: request.body }),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        throw new MailsealError("MAIL_SERVICE_FAILED", `${request.what}: cannot reach the mail service`, {
          cause: error,
          details: { status: 0 },
        });
      }
      if (response.ok) return response;
      const reason = await graphError(response);
      const status = response.status;
      if (status === 429 || status === 503) {
        const wait = retryAfterMs(response.headers.get("retry-after")) ?? 2 ** attempt * 1000;
        if (attempt < retries && wait <= maxRetryAfterMs) {
          await sleep(wait);
          continue;
        }
        throw new MailsealError(
          "MAIL_SERVICE_BUSY",
          `${request.what}: ${status} after ${attempt + 1} tries ${reason}`,
          {
            details: { status },
          },
        );
      }
      if (status === 401 || status === 403) {
        throw new MailsealError("MAIL_SERVICE_DENIED", `${request.what}: ${status} ${reason}`, { details: { status } });
      }
      if (status === 413) {
        throw new MailsealError("MESSAGE_TOO_LARGE", `${request.what}: 413 ${reason}`, { details: { status } });
      }
      throw new MailsealError("MAIL_SERVICE_FAILED", `${request.what}: ${status} ${reason}`, { details: { status } });
    }
  }
}
